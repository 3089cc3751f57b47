/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* SRTP and SRTCP (RFC 3711, RFC 7714) through libsrtp2.
 *
 * A CfSrtpSession wraps one libsrtp2 session (srtp_t) for ONE direction:
 * an outbound session protects what we send, an inbound session checks
 * and decrypts what we receive. The two directions of a call have
 * different master keys (with SDES each side chooses the key it sends
 * with), so a call uses two sessions: outbound with the local key,
 * inbound with the remote one. A session accepts every SSRC (libsrtp's
 * wildcard policy): the first authentic packet of each SSRC creates that
 * SSRC's stream, so forged packets never allocate.
 *
 * Packets are processed in place. Protecting needs room after the packet
 * for the trailer (cf_srtp_session_get_rtp_overhead() /
 * cf_srtp_session_get_rtcp_overhead() bytes); a buffer without that room
 * is a clean CF_SRTP_ERROR_NO_SPACE, never an overflow. Everything a
 * remote peer controls (lengths, header fields) is checked before
 * libsrtp sees it.
 *
 * Results: success, or a CF_SRTP_ERROR: _AUTH (authentication failed:
 * forged or corrupted), _REPLAY (already seen, or older than the replay
 * window), _NO_SPACE, _INVALID (malformed packet or bad argument),
 * _KEY_EXPIRED, _FAILED (anything else). Pass error = NULL on the packet
 * path to avoid allocating on every dropped packet: the statistics count
 * the received packets dropped as forged and as replayed.
 *
 * Keys: the master key and salt are handed to libsrtp, which derives the
 * session keys; this file keeps no copy and never logs key material.
 * srtp_dealloc() zeroes libsrtp's derived keys when the session is freed.
 *
 * srtp_init() runs once per process, on the first session (thread-safe).
 * A session is not thread-safe: use it from one thread (the media
 * thread); different sessions may be used from different threads. */

#define CF_SRTP_ERROR (cf_srtp_error_quark ())
GQuark cf_srtp_error_quark (void);

typedef enum {
	CF_SRTP_ERROR_INVALID,	   /* bad argument, key length, or malformed packet */
	CF_SRTP_ERROR_NO_SPACE,	   /* the buffer has no room for the SRTP/SRTCP trailer */
	CF_SRTP_ERROR_AUTH,	   /* authentication failed (forged, corrupted, unknown MKI) */
	CF_SRTP_ERROR_REPLAY,	   /* replayed, or too old for the replay window */
	CF_SRTP_ERROR_KEY_EXPIRED, /* the master key reached its packet limit: rekey */
	CF_SRTP_ERROR_FAILED,	   /* libsrtp failed otherwise (initialisation, allocation...) */
} CfSrtpError;

/* Hard limits. */
#define CF_SRTP_MAX_PACKET_SIZE (64 * 1024) /* bytes of a packet to protect or unprotect */
#define CF_SRTP_MAX_MKI_LENGTH	128	    /* bytes of an MKI (RFC 4568 §6.1) */
#define CF_SRTP_REPLAY_WINDOW	1024	    /* packets of the SRTP replay window (>= 64) */
/* The largest key || salt of the supported suites (AES_256_CM: 32 + 14). */
#define CF_SRTP_MAX_KEY_SALT_LENGTH 46

/* The crypto suites (RFC 4568 §6.2, RFC 7714 §14.1, RFC 6188 §7.1). New
 * suites are appended: the values of the existing ones never move. */
typedef enum {
	CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, /* RFC 3711 default: 80-bit tag */
	CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, /* 32-bit SRTP tag; SRTCP keeps 80 bits */
	CF_SRTP_SUITE_AEAD_AES_128_GCM,	       /* RFC 7714: 16-byte tag, 12-byte salt */
	CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80, /* RFC 6188: 32-byte key, 80-bit tag */
	CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32, /* RFC 6188: 32-bit SRTP tag; SRTCP 80 bits */
} CfSrtpSuite;

#define CF_SRTP_N_SUITES 5

/* The RFC 4568 name, e.g. "AES_CM_128_HMAC_SHA1_80". (transfer none) */
const char *cf_srtp_suite_to_string (CfSrtpSuite suite);
/* Parses a suite name (ignoring ASCII case: RFC 4568's grammar spells them
 * as ABNF literals); FALSE for a name that is not one of the supported suites. */
gboolean cf_srtp_suite_from_string (const char *str, CfSrtpSuite *ret_suite);
/* Master key length in bytes: 16, or 32 for the AES_256_CM suites. */
gsize cf_srtp_suite_get_key_length (CfSrtpSuite suite);
/* Master salt length in bytes: 14 for AES_CM and AES_256_CM, 12 for AEAD_AES_128_GCM. */
gsize cf_srtp_suite_get_salt_length (CfSrtpSuite suite);
/* Bytes SRTP adds to an RTP packet (the tag): 10 (_80), 4 (_32) or 16 (GCM). */
gsize cf_srtp_suite_get_rtp_tag_length (CfSrtpSuite suite);
/* Bytes SRTCP adds to an RTCP packet (E flag and index, then the tag): 14 (AES_CM,
 * AES_256_CM) or 20 (GCM). */
gsize cf_srtp_suite_get_rtcp_overhead (CfSrtpSuite suite);

typedef enum {
	CF_SRTP_DIRECTION_OUTBOUND, /* protect: what we send */
	CF_SRTP_DIRECTION_INBOUND,  /* unprotect: what we receive */
} CfSrtpDirection;

/* Statistics of one session. The counters of dropped packets count
 * received (unprotect) packets only. */
typedef struct {
	guint64 rtp_packets;   /* RTP packets protected or unprotected successfully */
	guint64 rtcp_packets;  /* RTCP packets protected or unprotected successfully */
	guint64 rtp_forged;    /* received SRTP packets that failed authentication */
	guint64 rtp_replayed;  /* received SRTP packets dropped as replays */
	guint64 rtcp_forged;   /* received SRTCP packets that failed authentication */
	guint64 rtcp_replayed; /* received SRTCP packets dropped as replays */
	guint64 other_errors;  /* malformed, too short, too large, no space, other failures */
} CfSrtpStats;

/* Initialises libsrtp on a thread of its own (its self-tests take tens of
 * milliseconds), so that the first call does not wait for them. Optional:
 * the first session initialises it otherwise. */
void cf_srtp_init_async (void);

typedef struct _CfSrtpSession CfSrtpSession;

/* Creates a session for @direction with @suite and the master key and salt
 * @key_salt (key || salt, exactly key_length + salt_length bytes of the
 * suite; not kept: the caller wipes its copy). @mki (@mki_length bytes,
 * 1..CF_SRTP_MAX_MKI_LENGTH) is the Master Key Identifier carried in every
 * packet, or NULL (and 0) for none. (transfer full) */
CfSrtpSession *cf_srtp_session_new (CfSrtpDirection direction,
				    CfSrtpSuite suite,
				    const guint8 *key_salt,
				    gsize key_salt_length,
				    const guint8 *mki,
				    gsize mki_length,
				    GError **error);
/* Frees the session; libsrtp wipes its keys. NULL is accepted. */
void cf_srtp_session_free (CfSrtpSession *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSrtpSession, cf_srtp_session_free)

CfSrtpDirection cf_srtp_session_get_direction (const CfSrtpSession *self);
CfSrtpSuite cf_srtp_session_get_suite (const CfSrtpSession *self);
/* Bytes protecting adds to an RTP packet (tag + MKI). */
gsize cf_srtp_session_get_rtp_overhead (const CfSrtpSession *self);
/* Bytes protecting adds to an RTCP packet (E flag and index + tag + MKI). */
gsize cf_srtp_session_get_rtcp_overhead (const CfSrtpSession *self);
/* (transfer none) valid as long as the session */
const CfSrtpStats *cf_srtp_session_get_stats (const CfSrtpSession *self);

/* Outbound only. Protects the RTP packet of @length bytes at @packet in
 * place; @capacity is the size of the buffer, which must hold @length +
 * rtp overhead bytes. On success *@ret_length is the SRTP packet's length;
 * on failure the buffer's content is unspecified and *@ret_length untouched. */
gboolean cf_srtp_session_protect_rtp (CfSrtpSession *self,
				      guint8 *packet,
				      gsize length,
				      gsize capacity,
				      gsize *ret_length,
				      GError **error);
/* Inbound only. Authenticates, checks for replay and decrypts the SRTP
 * packet of @length bytes in place; on success *@ret_length is the RTP
 * packet's length. On failure the buffer's content is unspecified (drop
 * the packet) and forged and replayed packets are counted. */
gboolean cf_srtp_session_unprotect_rtp (
	CfSrtpSession *self, guint8 *packet, gsize length, gsize *ret_length, GError **error);
/* As for RTP, for a compound RTCP packet. */
gboolean cf_srtp_session_protect_rtcp (CfSrtpSession *self,
				       guint8 *packet,
				       gsize length,
				       gsize capacity,
				       gsize *ret_length,
				       GError **error);
gboolean cf_srtp_session_unprotect_rtcp (
	CfSrtpSession *self, guint8 *packet, gsize length, gsize *ret_length, GError **error);

G_END_DECLS
