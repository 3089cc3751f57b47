/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One ZRTP stream (RFC 6189), as a pure state machine: it takes received
 * packets and the time, and gives packets to send, a timer deadline and
 * events. No I/O, no clock reads, no main loop: the caller (CfZrtpChannel, or a
 * test) moves packets and calls cf_zrtp_engine_timeout() at the deadline.
 *
 * Algorithms offered, in our preference order: hash S256; cipher AES1, AES3;
 * auth tag HS80, HS32; key agreement X255, DH3k (and Mult for multistream
 * streams); SAS B32, B256. The initiator picks from the intersection in its
 * own preference order (RFC 6189 §4.1.2).
 *
 * Checks (each failure ends the stream in CF_ZRTP_ENGINE_STATE_FAILED, sends an
 * Error message where RFC 6189 §5.9 has a code, and queues a FAILED event):
 * the peer's Hello against the hash from SDP (a=zrtp-hash, §8.1); the hash
 * chain: H3 = hash(H2) = hash(hash(H1)) ... on every message that reveals an
 * image; the MAC of each Hello, Commit and DHPart keyed by the image revealed
 * next (§9); the Commit's hvi against hash(DHPart2 || responder's Hello)
 * (§4.4.1.1); the peer's public value; the Confirm MAC (§5.7); equal ZIDs;
 * version. A packet with a bad CRC, a bad header or that does not parse is
 * dropped and counted, not a failure (the network may corrupt it).
 *
 * Timers (§6): Hello every 50 ms doubling to 200 ms, at most 20 times
 * (then FAILED, CF_ZRTP_FAILURE_TIMEOUT: the peer does not speak ZRTP);
 * Commit, DHPart2, Confirm2 and Error by their sender every 150 ms doubling
 * to 1200 ms, at most 10 times. The responder answers retransmissions by
 * resending its last reply.
 *
 * Keys: the DH secret, s0, the derived keys and the hash chain live in
 * sodium_malloc'd memory and are wiped when no longer needed or at free. */

#include <glib.h>

#include "cf-zrtp-dh.h"
#include "cf-zrtp-kdf.h"

G_BEGIN_DECLS

typedef enum {
	CF_ZRTP_ENGINE_STATE_IDLE,	    /* not started */
	CF_ZRTP_ENGINE_STATE_DISCOVERY,	    /* Hello / HelloACK */
	CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT, /* Commit, DHPart1, DHPart2 */
	CF_ZRTP_ENGINE_STATE_CONFIRMING,    /* Confirm1, Confirm2, Conf2ACK */
	CF_ZRTP_ENGINE_STATE_SECURE,	    /* keys ready, SAS ready */
	CF_ZRTP_ENGINE_STATE_FAILED,
} CfZrtpEngineState;

typedef enum {
	CF_ZRTP_FAILURE_NONE,
	CF_ZRTP_FAILURE_TIMEOUT,	     /* retransmissions exhausted */
	CF_ZRTP_FAILURE_HELLO_HASH,	     /* the peer's Hello != a=zrtp-hash */
	CF_ZRTP_FAILURE_HASH_CHAIN,	     /* a revealed image or a message MAC is wrong */
	CF_ZRTP_FAILURE_COMMITMENT,	     /* hvi != hash(DHPart2 || Hello) */
	CF_ZRTP_FAILURE_CONFIRM_MAC,	     /* the Confirm MAC is wrong */
	CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE,   /* pv refused (0, 1, p-1, low order) */
	CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM, /* nothing we can agree on */
	CF_ZRTP_FAILURE_PROTOCOL,	     /* version, equal ZIDs, message out of place */
	CF_ZRTP_FAILURE_PEER_ERROR,	     /* the peer sent an Error message */
} CfZrtpFailure;

/* A short stable name ("timeout", "hello-hash", "hash-chain", "commitment",
 * "confirm-mac", "bad-public-value", "no-common-algorithm", "protocol",
 * "peer-error"), for logs and D-Bus. (transfer none) */
const char *cf_zrtp_failure_to_string (CfZrtpFailure failure);

typedef enum {
	CF_ZRTP_CONTINUITY_NEW,	      /* nothing cached for this peer ZID */
	CF_ZRTP_CONTINUITY_CONTINUED, /* a cached retained secret matched */
	CF_ZRTP_CONTINUITY_MISMATCH,  /* cached secrets, none matched */
} CfZrtpContinuity;

/* What the cache holds for a peer ZID (RFC 6189 §4.3, §4.9). */
typedef struct {
	gboolean known;	     /* the peer ZID is in the cache */
	gboolean has_rs1;
	gboolean has_rs2;
	guint8 rs1[CF_ZRTP_HASH_LEN];
	guint8 rs2[CF_ZRTP_HASH_LEN];
	gboolean verified;   /* our SAS-verified flag for this peer (V in Confirm) */
} CfZrtpCachedSecrets;

/* Called once, synchronously from cf_zrtp_engine_receive(), when the peer's
 * Hello gives its ZID; fills @ret (zeroed by the engine before the call). */
typedef void (*CfZrtpLookupFunc) (const guint8 peer_zid[CF_ZRTP_ZID_LEN],
				  CfZrtpCachedSecrets *ret,
				  gpointer user_data);

typedef struct {
	guint8 zid[CF_ZRTP_ZID_LEN]; /* this installation's ZID */
	guint32 ssrc;		     /* the source identifier of our ZRTP packets */
	const char *client_id;	     /* up to 16 characters, NULL: "Confab" */
	/* Key agreements to offer in preference order; 0: X255 then DH3k. Tests
	 * restrict this to force one. */
	guint n_key_agreements;
	CfZrtpKeyAgreement key_agreements[2];
	/* Multistream mode (§4.4.3): the ZRTPSess key of this call's DH stream
	 * (32 bytes) and the peer ZID it was agreed with; NULL: DH mode. */
	const guint8 *multistream_session_key;
	const guint8 *multistream_peer_zid;
	CfZrtpLookupFunc lookup; /* nullable: no cache */
	gpointer lookup_data;
} CfZrtpEngineConfig;

typedef enum {
	CF_ZRTP_EVENT_SECURE, /* keys and SAS ready (see cf_zrtp_engine_get_result) */
	CF_ZRTP_EVENT_FAILED, /* see .failure, .peer_error_code */
} CfZrtpEventType;

typedef struct {
	CfZrtpEventType type;
	CfZrtpFailure failure;
	guint32 error_code;	 /* the §5.9 code we sent, or the peer's for PEER_ERROR */
} CfZrtpEvent;

/* Valid once SECURE. */
typedef struct {
	gboolean initiator;
	gboolean multistream;
	CfZrtpKeyAgreement key_agreement; /* meaningless in multistream mode */
	char cipher[5];			  /* "AES1", "AES3" */
	char auth[5];			  /* "HS80", "HS32" */
	char sas[5];			  /* "B32 ", "B256" */
	guint8 peer_zid[CF_ZRTP_ZID_LEN];
	guint8 sashash[CF_ZRTP_HASH_LEN];
	guint32 sasvalue;
	CfZrtpContinuity continuity; /* DH mode; CONTINUED in multistream mode */
	gboolean peer_verified;	     /* the peer's V flag in its Confirm */
} CfZrtpResult;

/* The SRTP master keys for each direction (RFC 6189 §4.5.3): ours are the
 * initiator's keys when we initiated. In sodium_malloc'd memory. */
typedef struct {
	gsize key_len;	/* 16 (AES1) or 32 (AES3) */
	gsize salt_len; /* 14 */
	gboolean hs32;	/* HS32: 32-bit SRTP tag (SRTCP keeps 80 bits); else HS80 */
	guint8 tx_key[CF_ZRTP_MAX_KEY_LEN];
	guint8 tx_salt[CF_ZRTP_SRTP_SALT_LEN];
	guint8 rx_key[CF_ZRTP_MAX_KEY_LEN];
	guint8 rx_salt[CF_ZRTP_SRTP_SALT_LEN];
} CfZrtpSrtpKeys;

void cf_zrtp_srtp_keys_free (CfZrtpSrtpKeys *keys); /* wipes; accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfZrtpSrtpKeys, cf_zrtp_srtp_keys_free)

typedef struct _CfZrtpEngine CfZrtpEngine;

/* Builds our Hello (a fresh hash chain from randombytes). NULL on a bad
 * config. (transfer full) */
CfZrtpEngine *cf_zrtp_engine_new (const CfZrtpEngineConfig *config, GError **error);
void cf_zrtp_engine_free (CfZrtpEngine *self); /* wipes; accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfZrtpEngine, cf_zrtp_engine_free)

/* hash(our Hello message) for a=zrtp-hash (RFC 6189 §8.1), known from new().
 * @out: 32 bytes. */
void cf_zrtp_engine_get_hello_hash (const CfZrtpEngine *self, guint8 out[CF_ZRTP_HASH_LEN]);
/* The a=zrtp-hash value: "1.10 " and 64 lowercase hex digits. (transfer full) */
char *cf_zrtp_engine_get_zrtp_hash_attribute (const CfZrtpEngine *self);
/* The peer's hash from its a=zrtp-hash (the 64 hex digits after the version);
 * its Hello must match. Call before or after start(); a Hello received
 * earlier is checked now. FALSE (no change) for a value that does not parse. */
gboolean cf_zrtp_engine_set_peer_hello_hash (CfZrtpEngine *self, const char *attribute_value);

/* Queues our first Hello and arms the timer. */
void cf_zrtp_engine_start (CfZrtpEngine *self, gint64 now_us);
/* Feeds one received packet (whole ZRTP packet: header, message, CRC). */
void cf_zrtp_engine_receive (CfZrtpEngine *self, const guint8 *packet, gsize len, gint64 now_us);
/* Call when @now_us >= cf_zrtp_engine_get_deadline(). */
void cf_zrtp_engine_timeout (CfZrtpEngine *self, gint64 now_us);
/* The next retransmission deadline (same clock as the now_us given), or -1. */
gint64 cf_zrtp_engine_get_deadline (const CfZrtpEngine *self);

/* The next packet to send, in order. NULL: none. (transfer full) */
GBytes *cf_zrtp_engine_pop_packet (CfZrtpEngine *self);
/* The next event. FALSE: none. */
gboolean cf_zrtp_engine_pop_event (CfZrtpEngine *self, CfZrtpEvent *ret_event);

CfZrtpEngineState cf_zrtp_engine_get_state (const CfZrtpEngine *self);
CfZrtpFailure cf_zrtp_engine_get_failure (const CfZrtpEngine *self);
/* Packets dropped as corrupt or unparsable. */
guint64 cf_zrtp_engine_get_dropped (const CfZrtpEngine *self);

/* FALSE until SECURE. */
gboolean cf_zrtp_engine_get_result (const CfZrtpEngine *self, CfZrtpResult *ret_result);
/* (transfer full) NULL until SECURE. */
CfZrtpSrtpKeys *cf_zrtp_engine_get_srtp_keys (const CfZrtpEngine *self);
/* The new retained secret rs1 to store for the peer (DH mode, once SECURE);
 * the caller moves the old rs1 to rs2 (§4.6.1). FALSE otherwise. */
gboolean cf_zrtp_engine_get_new_rs1 (const CfZrtpEngine *self, guint8 out[CF_ZRTP_HASH_LEN]);
/* ZRTPSess (§4.5.2), for the call's Multistream streams. FALSE until SECURE. */
gboolean cf_zrtp_engine_get_session_key (const CfZrtpEngine *self, guint8 out[CF_ZRTP_HASH_LEN]);

G_END_DECLS
