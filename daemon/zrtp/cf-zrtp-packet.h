/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ZRTP packet and message codec (RFC 6189 §5), pure: no I/O, no crypto.
 *
 * A ZRTP packet is a 12-byte header (0x10 0x00, 16-bit sequence number, the magic
 * cookie 'ZRTP' 0x5a525450, the source identifier), one ZRTP message and a CRC-32C
 * (Castagnoli) over header and message, sent least significant byte first as SCTP
 * does (RFC 4960 Appendix B; what GNU ZRTP and bzrtp put on the wire). A message starts with the
 * preamble 0x505a, its length in 32-bit words (message header included) and an
 * 8-byte type block ("Hello   ", "Commit  ", ...).
 *
 * Every parse error is a CF_ZRTP_ERROR, never a crash or an assertion. Parsed
 * messages keep the exact bytes received (raw) since the protocol hashes and MACs
 * them; encoded messages keep the exact bytes built. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CF_ZRTP_ERROR (cf_zrtp_error_quark ())
GQuark cf_zrtp_error_quark (void);

typedef enum {
	CF_ZRTP_ERROR_MALFORMED,     /* bad framing, length, field or CRC */
	CF_ZRTP_ERROR_TOO_LARGE,     /* over a hard limit */
	CF_ZRTP_ERROR_UNKNOWN_TYPE,  /* message type block not in RFC 6189 */
	CF_ZRTP_ERROR_NOT_SUPPORTED, /* a message we only parse, never build */
	CF_ZRTP_ERROR_INVALID,       /* a caller-supplied field is out of range (encode) */
} CfZrtpError;

#define CF_ZRTP_MAGIC_COOKIE 0x5a525450u
#define CF_ZRTP_PREAMBLE 0x505au
#define CF_ZRTP_PACKET_HEADER_LEN 12
#define CF_ZRTP_CRC_LEN 4
#define CF_ZRTP_MESSAGE_HEADER_LEN 12
/* Hard limit on a whole packet (header, message, CRC). */
#define CF_ZRTP_MAX_PACKET 3072
#define CF_ZRTP_MAX_MESSAGE (CF_ZRTP_MAX_PACKET - CF_ZRTP_PACKET_HEADER_LEN - CF_ZRTP_CRC_LEN)
/* Hard limit per algorithm list in Hello (RFC 6189 §5.2: up to 7 of each). */
#define CF_ZRTP_MAX_ALGOS 7
#define CF_ZRTP_HASH_LEN 32 /* H0..H3, hvi */
#define CF_ZRTP_ZID_LEN 12
#define CF_ZRTP_MAC_LEN 8
#define CF_ZRTP_ID_LEN 8 /* rs1IDr, rs2IDr, auxsecretIDr, pbxsecretIDr, key ID */
#define CF_ZRTP_NONCE_LEN 16
#define CF_ZRTP_CFB_IV_LEN 16
#define CF_ZRTP_CLIENT_ID_LEN 16
#define CF_ZRTP_VERSION "1.10"

typedef enum {
	CF_ZRTP_MSG_HELLO,
	CF_ZRTP_MSG_HELLO_ACK,
	CF_ZRTP_MSG_COMMIT,
	CF_ZRTP_MSG_DHPART1,
	CF_ZRTP_MSG_DHPART2,
	CF_ZRTP_MSG_CONFIRM1,
	CF_ZRTP_MSG_CONFIRM2,
	CF_ZRTP_MSG_CONF2ACK,
	CF_ZRTP_MSG_ERROR,
	CF_ZRTP_MSG_ERROR_ACK,
	CF_ZRTP_MSG_GOCLEAR,  /* parse only */
	CF_ZRTP_MSG_CLEAR_ACK, /* parse only */
	CF_ZRTP_MSG_SASRELAY, /* parse only */
	CF_ZRTP_MSG_RELAY_ACK, /* parse only */
	CF_ZRTP_MSG_PING,
	CF_ZRTP_MSG_PING_ACK,
} CfZrtpMessageType;

/* An algorithm name: 4 printable ASCII characters ("S256", "B32 "), NUL-terminated. */
typedef char CfZrtpAlgo[5];

typedef struct {
	char version[5];                           /* "1.10" */
	/* Parse: the 16 bytes verbatim (they may hold NULs), NUL-terminated.
	 * Encode: up to the first NUL, padded with spaces to 16 bytes. */
	char client_id[CF_ZRTP_CLIENT_ID_LEN + 1];
	guint8 h3[CF_ZRTP_HASH_LEN];
	guint8 zid[CF_ZRTP_ZID_LEN];
	gboolean signature_capable; /* S */
	gboolean mitm;              /* M */
	gboolean passive;           /* P */
	guint n_hash, n_cipher, n_auth, n_key_agreement, n_sas; /* each <= 7 */
	CfZrtpAlgo hash[CF_ZRTP_MAX_ALGOS];
	CfZrtpAlgo cipher[CF_ZRTP_MAX_ALGOS];
	CfZrtpAlgo auth[CF_ZRTP_MAX_ALGOS];
	CfZrtpAlgo key_agreement[CF_ZRTP_MAX_ALGOS];
	CfZrtpAlgo sas[CF_ZRTP_MAX_ALGOS];
	guint8 mac[CF_ZRTP_MAC_LEN];
} CfZrtpHello;

typedef enum {
	CF_ZRTP_COMMIT_DH,          /* hvi */
	CF_ZRTP_COMMIT_MULTISTREAM, /* key agreement "Mult": nonce */
	CF_ZRTP_COMMIT_PRESHARED,   /* key agreement "Prsh": nonce + key ID */
} CfZrtpCommitMode;

typedef struct {
	guint8 h2[CF_ZRTP_HASH_LEN];
	guint8 zid[CF_ZRTP_ZID_LEN];
	CfZrtpAlgo hash, cipher, auth, key_agreement, sas;
	CfZrtpCommitMode mode; /* follows key_agreement: set it to match on encode */
	guint8 hvi[CF_ZRTP_HASH_LEN];     /* DH mode */
	guint8 nonce[CF_ZRTP_NONCE_LEN];  /* Multistream and Preshared */
	guint8 key_id[CF_ZRTP_ID_LEN];    /* Preshared */
	guint8 mac[CF_ZRTP_MAC_LEN];
} CfZrtpCommit;

/* DHPart1 (responder: rs1IDr, ..., pvr) and DHPart2 (initiator: ..., pvi). */
typedef struct {
	guint8 h1[CF_ZRTP_HASH_LEN];
	guint8 rs1_id[CF_ZRTP_ID_LEN];
	guint8 rs2_id[CF_ZRTP_ID_LEN];
	guint8 aux_id[CF_ZRTP_ID_LEN];
	guint8 pbx_id[CF_ZRTP_ID_LEN];
	GBytes *pv; /* owned; a multiple of 4 bytes; see cf_zrtp_pv_length() */
	guint8 mac[CF_ZRTP_MAC_LEN];
} CfZrtpDhPart;

/* Confirm1/Confirm2 and SASrelay: the MAC, the CFB IV and the encrypted part,
 * opaque here (H0, flags, cache expiry, signature; or the SAS relay fields). */
typedef struct {
	guint8 mac[CF_ZRTP_MAC_LEN];
	guint8 iv[CF_ZRTP_CFB_IV_LEN];
	GBytes *encrypted; /* owned; a multiple of 4 bytes, >= 40 bytes */
} CfZrtpConfirm;

typedef struct {
	char version[5];
	guint8 endpoint_hash[8];
} CfZrtpPing;

typedef struct {
	char version[5];
	guint8 sender_endpoint_hash[8];
	guint8 received_endpoint_hash[8];
	guint32 received_ssrc;
} CfZrtpPingAck;

typedef struct {
	CfZrtpMessageType type;
	/* The message bytes as on the wire (message header to MAC, no packet header,
	 * no CRC): set by parse and by encode. NULL on a message built by hand and not
	 * yet encoded. (owned) */
	GBytes *raw;
	union {
		CfZrtpHello hello;
		CfZrtpCommit commit;
		CfZrtpDhPart dhpart;       /* DHPart1, DHPart2 */
		CfZrtpConfirm confirm;     /* Confirm1, Confirm2, SASrelay */
		guint32 error_code;        /* Error */
		guint8 clear_mac[CF_ZRTP_MAC_LEN]; /* GoClear */
		CfZrtpPing ping;
		CfZrtpPingAck ping_ack;
	};
} CfZrtpMessage;

/* A zeroed message of that type. (transfer full) */
CfZrtpMessage *cf_zrtp_message_new (CfZrtpMessageType type);
/* Accepts NULL. */
void cf_zrtp_message_free (CfZrtpMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfZrtpMessage, cf_zrtp_message_free)

/* The 8-byte type block ("Hello   ") of @type; NULL if out of range. (transfer none) */
const char *cf_zrtp_message_type_to_block (CfZrtpMessageType type);

/* Parse one message (no packet header, no CRC). (transfer full) */
CfZrtpMessage *cf_zrtp_message_parse (const guint8 *data, gsize len, GError **error);

/* Serialise @msg into msg->raw (replacing it), MAC fields as they are.
 * Fails for the parse-only types and for fields out of range. */
gboolean cf_zrtp_message_encode (CfZrtpMessage *msg, GError **error);

/* The bytes the transcript hashes: the whole message (msg->raw). NULL if not
 * encoded. (transfer none) */
const guint8 *cf_zrtp_message_hash_data (const CfZrtpMessage *msg, gsize *ret_len);

/* The bytes the MAC covers for Hello, Commit, DHPart1 and DHPart2: the whole
 * message except its last 8 bytes (the MAC). NULL for other types or when
 * not encoded. (transfer none) */
const guint8 *cf_zrtp_message_mac_data (const CfZrtpMessage *msg, gsize *ret_len);

/* Store @mac into the MAC field of a Hello, Commit, DHPart1/2 and into the last
 * 8 bytes of msg->raw (if encoded). FALSE for other types. */
gboolean cf_zrtp_message_set_mac (CfZrtpMessage *msg, const guint8 mac[CF_ZRTP_MAC_LEN]);

/* Length in bytes of the public value of key agreement @ka ("DH3k", "X255", ...);
 * 0 if unknown or not a DH key agreement. */
gsize cf_zrtp_pv_length (const char *ka);

/* CRC-32C (Castagnoli, reflected, init and final XOR 0xffffffff): "123456789" gives
 * 0xe3069283, sent on the wire as e3 06 92 83 reversed: 83 92 06 e3. */
guint32 cf_zrtp_crc32c (const guint8 *data, gsize len);

/* Cheap demultiplexing check: first byte 0x10 and the magic cookie. */
gboolean cf_zrtp_packet_looks_like_zrtp (const guint8 *data, gsize len);

/* Wrap the encoded @msg (msg->raw) in a packet with its CRC. (transfer full) */
GBytes *cf_zrtp_packet_build (guint16 sequence,
			      guint32 ssrc,
			      const CfZrtpMessage *msg,
			      GError **error);

/* Check header, CRC and sizes, then parse the message. ret_* untouched on failure.
 * *ret_msg: (transfer full) */
gboolean cf_zrtp_packet_parse (const guint8 *data,
			       gsize len,
			       guint16 *ret_sequence,
			       guint32 *ret_ssrc,
			       CfZrtpMessage **ret_msg,
			       GError **error);

G_END_DECLS
