/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RTP packets (RFC 3550 §5), generic header extensions (RFC 8285) and
 * sequence-number arithmetic (RFC 3550 appendix A.1).
 *
 * Everything here is pure: no I/O, no clock, no logging above debug, and
 * nothing allocates except the GBytes convenience builders. Parsing takes
 * remote input: every size and count is bounded by the CF_RTP_MAX_* limits
 * and any violation is a CF_RTP_ERROR, never a crash or an assertion.
 *
 * CF_RTP_ERROR is shared by cf-rtp, cf-rtcp and cf-rtp-event. */

#define CF_RTP_ERROR (cf_rtp_error_quark ())
GQuark cf_rtp_error_quark (void);

typedef enum {
	CF_RTP_ERROR_INVALID,  /* malformed input (version, lengths, padding, values) */
	CF_RTP_ERROR_LIMIT,    /* a CF_RTP_* / CF_RTCP_* limit was exceeded */
	CF_RTP_ERROR_NO_SPACE, /* the output buffer is too small */
	CF_RTP_ERROR_BUSY,     /* an operation out of sequence (e.g. sender queue full) */
} CfRtpError;

/* Hard limits. CF_RTP_MAX_PACKET_SIZE is the largest RTP packet parsed or
 * built: more than a 1500-byte Ethernet MTU path can carry (1472 bytes of
 * UDP payload over IPv4) including an SRTP trailer, and small enough for a
 * fixed buffer on the stack. */
#define CF_RTP_MAX_PACKET_SIZE	      2048
#define CF_RTP_HEADER_SIZE	      12 /* fixed header, without CSRCs or extension */
#define CF_RTP_MAX_CSRCS	      15 /* the 4-bit CC field */
#define CF_RTP_MAX_EXTENSION_ELEMENTS 32 /* RFC 8285 elements in one header extension */

/* RFC 8285 header extension profiles ("defined by profile" field). */
#define CF_RTP_EXTENSION_ONE_BYTE      0xBEDE
#define CF_RTP_EXTENSION_TWO_BYTE      0x1000 /* the low 4 bits are "appbits" */
#define CF_RTP_EXTENSION_TWO_BYTE_MASK 0xFFF0

/* A parsed or to-be-built RTP packet. A plain value with nothing to free:
 * the extension and payload pointers borrow the buffer that was parsed (or
 * the caller's buffers when building) and are valid only as long as it is.
 *
 * On the wire: V=2, P, X, CC | M, PT | sequence | timestamp | SSRC |
 * CSRC list | [extension: profile, length in words, data] | payload |
 * [padding, the last octet counting the padding octets]. */
typedef struct {
	gboolean marker;
	guint8 payload_type; /* 0..127 */
	guint16 sequence;
	guint32 timestamp;
	guint32 ssrc;
	guint n_csrcs; /* 0..CF_RTP_MAX_CSRCS */
	guint32 csrcs[CF_RTP_MAX_CSRCS];
	gboolean has_extension;	   /* the X bit */
	guint16 extension_profile; /* "defined by profile" */
	const guint8 *extension;   /* (transfer none) extension data, without its 4-byte header */
	gsize extension_len;	   /* bytes, a multiple of 4 */
	const guint8 *payload;	   /* (transfer none) NULL only if payload_len is 0 */
	gsize payload_len;	   /* bytes, without padding */
	guint8 padding_len; /* 0: no padding (P clear); else 1..255, counting the last octet */
} CfRtpPacket;

/* Resets @packet to an empty packet (all zero: no CSRC, no extension, no
 * payload, no padding). */
void cf_rtp_packet_init (CfRtpPacket *packet);

/* Parses an RTP packet. On success fills @ret_packet, whose pointers point
 * into @data; on failure @ret_packet is untouched. Refuses: a packet larger
 * than CF_RTP_MAX_PACKET_SIZE, shorter than its header, CSRC list or
 * extension, a version other than 2, a padding count of 0 or reaching into
 * the header. Does not look at what the payload type means. */
gboolean
cf_rtp_packet_parse (const guint8 *data, gsize len, CfRtpPacket *ret_packet, GError **error);

/* The number of bytes cf_rtp_packet_write() writes for @packet (which need
 * not be valid: cf_rtp_packet_write() checks it). */
gsize cf_rtp_packet_get_size (const CfRtpPacket *packet);

/* Writes @packet into @buf (@size bytes). Padding is written as zeros
 * followed by the count. Fails with CF_RTP_ERROR_INVALID for fields out of
 * range (payload type > 127, more than 15 CSRCs, an extension not a multiple
 * of 4 bytes or an extension without the X bit), CF_RTP_ERROR_LIMIT above
 * CF_RTP_MAX_PACKET_SIZE and CF_RTP_ERROR_NO_SPACE when @size is too small.
 * @ret_len (optional) gets the length written. Allocates nothing on success. */
gboolean cf_rtp_packet_write (
	const CfRtpPacket *packet, guint8 *buf, gsize size, gsize *ret_len, GError **error);

/* The same, into a new GBytes. (transfer full) NULL on error. */
GBytes *cf_rtp_packet_build (const CfRtpPacket *packet, GError **error);

/* ---- RFC 8285 header extension elements ----------------------------------- */

/* One element: a local identifier and its data. A plain value; @data
 * borrows the extension it was parsed from (or the caller's buffer). */
typedef struct {
	guint8 id;	    /* one-byte form: 1..14; two-byte form: 1..255 */
	guint8 len;	    /* bytes of data: one-byte form 1..16, two-byte form 0..255 */
	const guint8 *data; /* (transfer none) */
} CfRtpExtensionElement;

/* TRUE if @profile announces RFC 8285 elements (one-byte or two-byte form). */
gboolean cf_rtp_extension_profile_is_rfc8285 (guint16 profile);

/* Parses the elements of the header extension @data (@len bytes) whose
 * profile is @profile, in order, into @elements (room for @max_elements),
 * setting *@ret_n. Padding bytes (0) are skipped; in the one-byte form an
 * element with ID 15 ends the parse (RFC 8285 §4.2). Fails for a profile
 * that is not RFC 8285, an element running past the end, or more elements
 * than @max_elements (CF_RTP_ERROR_LIMIT). On failure *@ret_n is untouched. */
gboolean cf_rtp_extension_parse (guint16 profile,
				 const guint8 *data,
				 gsize len,
				 CfRtpExtensionElement *elements,
				 guint max_elements,
				 guint *ret_n,
				 GError **error);

/* Writes @n elements as one header extension into @buf (@size bytes),
 * padded with zeros to a multiple of 4. Uses the one-byte form when every
 * ID is 1..14 and every length 1..16, else the two-byte form (appbits 0).
 * Sets *@ret_profile and *@ret_len (the extension length, a multiple of 4).
 * Fails for an ID of 0 (CF_RTP_ERROR_INVALID), more than
 * CF_RTP_MAX_EXTENSION_ELEMENTS elements (CF_RTP_ERROR_LIMIT) or too small
 * a buffer (CF_RTP_ERROR_NO_SPACE). Zero elements give an empty extension
 * in the one-byte form. */
gboolean cf_rtp_extension_write (const CfRtpExtensionElement *elements,
				 guint n,
				 guint8 *buf,
				 gsize size,
				 guint16 *ret_profile,
				 gsize *ret_len,
				 GError **error);

/* Looks up the first element with @id in @packet's RFC 8285 extension.
 * FALSE if there is no extension, it is not RFC 8285, it is malformed, or no
 * element has @id. @ret_data borrows the packet's buffer. */
gboolean cf_rtp_packet_find_extension (const CfRtpPacket *packet,
				       guint8 id,
				       const guint8 **ret_data,
				       gsize *ret_len);

/* ---- Sequence numbers ----------------------------------------------------- */

/* @a - @b as a signed distance modulo 2^16: positive if @a comes after @b. */
gint32 cf_rtp_seq_diff (guint16 a, guint16 b);
/* TRUE if @a comes after @b (modulo 2^16, within half the space). */
gboolean cf_rtp_seq_after (guint16 a, guint16 b);
/* @a - @b as a signed distance modulo 2^32 (RTP timestamps). */
gint64 cf_rtp_timestamp_diff (guint32 a, guint32 b);

/* The RFC 3550 A.1 constants. */
#define CF_RTP_SEQ_MAX_DROPOUT	  3000
#define CF_RTP_SEQ_MAX_MISORDER	  100
#define CF_RTP_SEQ_MIN_SEQUENTIAL 2

/* Per-source sequence state of RFC 3550 appendix A.1: validates the source
 * (probation), counts 16-bit wrap-arounds into an extended (32-bit)
 * sequence number, resynchronises after a large jump confirmed by two
 * sequential packets, and keeps the counts that RFC 3550 A.3 needs. A plain
 * value (nothing to free); read the fields, change them only through the
 * functions. */
typedef struct {
	gboolean started;	/* a packet was seen */
	guint16 max_seq;	/* highest sequence number seen */
	guint32 cycles;		/* shifted count of wrap-arounds (a multiple of 65536) */
	guint32 base_seq;	/* first sequence number counted */
	guint32 bad_seq;	/* last "bad" sequence number + 1 (65537: none) */
	guint probation;	/* sequential packets still needed to validate */
	guint min_sequential;	/* probation for a new source or after a restart */
	guint32 received;	/* packets counted (duplicates included, as A.1 does) */
	guint32 expected_prior; /* packets expected at the last report (A.3) */
	guint32 received_prior; /* packets received at the last report (A.3) */
} CfRtpSeqTracker;

/* Initialises an empty tracker. @min_sequential is the number of
 * sequential packets that validate a new source (RFC 3550 uses
 * CF_RTP_SEQ_MIN_SEQUENTIAL = 2; 0 or 1: the first packet is valid). */
void cf_rtp_seq_tracker_init (CfRtpSeqTracker *self, guint min_sequential);

/* Feeds the sequence number of a received packet (update_seq() of A.1).
 * Returns TRUE if the packet counts (the source is valid and the packet is
 * in order, a permissible gap, a duplicate or a late packet), FALSE while
 * on probation or after a jump that is not (yet) a restart. When it returns
 * TRUE, @ret_extended (optional) gets the packet's extended sequence number
 * (cycles + seq, one cycle lower for a late packet from before the last
 * wrap-around; modulo 2^32). */
gboolean cf_rtp_seq_tracker_update (CfRtpSeqTracker *self, guint16 seq, guint32 *ret_extended);

/* The extended highest sequence number received (cycles + max_seq). */
guint32 cf_rtp_seq_tracker_get_extended_max (const CfRtpSeqTracker *self);
/* Packets expected since the source was (re)validated: extended max -
 * base_seq + 1 (0 before any counted packet). */
guint32 cf_rtp_seq_tracker_get_expected (const CfRtpSeqTracker *self);

G_END_DECLS
