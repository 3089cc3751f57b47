/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cf-srtp.h"

G_BEGIN_DECLS

/* SDES: SRTP keys in SDP (RFC 4568), for AES_CM_128_HMAC_SHA1_80,
 * AES_CM_128_HMAC_SHA1_32 and AEAD_AES_128_GCM (RFC 7714 §14.1).
 *
 * A CfSdesCrypto is the value of one a=crypto attribute (what follows
 * "a=crypto:"):
 *
 *   <tag> <crypto-suite> inline:<base64(key || salt)>[|<lifetime>][|<MKI>:<length>]
 *         [<session-param> ...]
 *
 * cf_sdes_crypto_parse() takes remote input: the value is bounded by the
 * CF_SDES_MAX_* limits and anything malformed or out of range is a
 * CF_SDES_ERROR, never a crash. Key || salt must decode (strict base64,
 * padded or not) to exactly the suite's length: 16 + 14 bytes for AES_CM,
 * 16 + 12 for AEAD_AES_128_GCM. Lifetimes are 1..2^48 packets (RFC 4568
 * §6.2.1). MKI lengths are 1..128 bytes; MKI values must fit in 64 bits and
 * in their length. Only the "inline" key method and a single key per line
 * are supported (several keys with MKIs are refused as unsupported).
 * cf_sdes_crypto_print() writes the canonical form (single spaces); what
 * it prints of a parsed value parses again to the same value, and a value
 * written canonically prints back byte for byte.
 *
 * Keys: the key and salt are kept inside the CfSdesCrypto and wiped when
 * it is freed. They are never logged, and never appear in error messages.
 * cf_sdes_crypto_print() returns a string that contains the key (in
 * base64): free it with cf_sdes_secret_free() unless it goes into an SDP.
 *
 * Offer/answer (RFC 4568): the offerer lists one or more crypto
 * lines, each with its own key for what it sends; the answerer picks one
 * it supports (cf_sdes_select()), and answers with the same tag and suite
 * and its own fresh key for what it sends. The offerer then finds which
 * of its lines was accepted (cf_sdes_find_answered()). Each side protects
 * what it sends with its own key and unprotects with the peer's:
 * cf_sdes_crypto_new_srtp_session(). */

#define CF_SDES_ERROR (cf_sdes_error_quark ())
GQuark cf_sdes_error_quark (void);

typedef enum {
	CF_SDES_ERROR_INVALID,	      /* malformed a=crypto value */
	CF_SDES_ERROR_UNKNOWN_SUITE,  /* a well-formed suite name we do not support */
	CF_SDES_ERROR_KEY_LENGTH,     /* key || salt of the wrong length for the suite */
	CF_SDES_ERROR_LIMIT,	      /* a CF_SDES_MAX_* limit was exceeded */
	CF_SDES_ERROR_UNSUPPORTED,    /* valid, but not supported (key method, several keys...) */
	CF_SDES_ERROR_NOT_ACCEPTABLE, /* no acceptable crypto line in an offer */
	CF_SDES_ERROR_NO_MATCH,	      /* an answer that does not match the offer */
	CF_SDES_ERROR_RANDOM,	      /* no random bytes for a key */
} CfSdesError;

/* Hard limits on remote input. */
#define CF_SDES_MAX_LENGTH	   1024	      /* bytes of an a=crypto value */
#define CF_SDES_MAX_SESSION_PARAMS 16	      /* session parameters on one line */
#define CF_SDES_MAX_OFFERED	   32	      /* crypto lines considered in one offer */
#define CF_SDES_MAX_TAG		   999999999u /* tag = 1*9DIGIT */
#define CF_SDES_MAX_LIFETIME	   (G_GUINT64_CONSTANT (1) << 48) /* packets */

typedef struct _CfSdesCrypto CfSdesCrypto;

/* A crypto line with the key || salt @key_salt (@key_salt_length bytes,
 * exactly the suite's length; copied), no lifetime, no MKI and no session
 * parameters. @tag <= CF_SDES_MAX_TAG. (transfer full) */
CfSdesCrypto *cf_sdes_crypto_new (guint tag,
				  CfSrtpSuite suite,
				  const guint8 *key_salt,
				  gsize key_salt_length,
				  GError **error);
/* As cf_sdes_crypto_new(), with a fresh random key and salt (libsodium's
 * randombytes_buf). (transfer full) */
CfSdesCrypto *cf_sdes_crypto_generate (guint tag, CfSrtpSuite suite, GError **error);
/* Parses the value of an a=crypto attribute (without "a=crypto:").
 * (transfer full) */
CfSdesCrypto *cf_sdes_crypto_parse (const char *value, GError **error);
/* The canonical value (without "a=crypto:"). It contains the key: see
 * cf_sdes_secret_free(). (transfer full) */
char *cf_sdes_crypto_print (const CfSdesCrypto *self);
/* (transfer full) */
CfSdesCrypto *cf_sdes_crypto_copy (const CfSdesCrypto *self);
/* Wipes the key and frees. NULL is accepted. */
void cf_sdes_crypto_free (CfSdesCrypto *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdesCrypto, cf_sdes_crypto_free)

/* Wipes a string that holds key material, then frees it. NULL is accepted. */
void cf_sdes_secret_free (char *secret);

guint cf_sdes_crypto_get_tag (const CfSdesCrypto *self);
CfSrtpSuite cf_sdes_crypto_get_suite (const CfSdesCrypto *self);
/* The key || salt. (transfer none) valid as long as @self */
const guint8 *cf_sdes_crypto_get_key_salt (const CfSdesCrypto *self, gsize *ret_length);
/* TRUE and the lifetime in packets if the line has one. */
gboolean cf_sdes_crypto_get_lifetime (const CfSdesCrypto *self, guint64 *ret_lifetime);
/* Sets (@lifetime 1..CF_SDES_MAX_LIFETIME) or clears (0) the lifetime; it is
 * printed as 2^n when it is a power of two, in decimal otherwise. */
gboolean cf_sdes_crypto_set_lifetime (CfSdesCrypto *self, guint64 lifetime, GError **error);
/* TRUE, the MKI value and its length in bytes if the line has an MKI. */
gboolean cf_sdes_crypto_get_mki (const CfSdesCrypto *self, guint64 *ret_value, guint *ret_length);
/* The MKI as carried in packets: @ret_length (the MKI length) big-endian
 * bytes written to @buffer of @size bytes; FALSE if there is no MKI or the
 * buffer is too small. */
gboolean cf_sdes_crypto_get_mki_bytes (const CfSdesCrypto *self,
				       guint8 *buffer,
				       gsize size,
				       gsize *ret_length);
/* The session parameters, in order; never NULL. (transfer none) */
const char *const *cf_sdes_crypto_get_session_params (const CfSdesCrypto *self);

/* TRUE if we can use this line as it is: a single inline key (always so
 * after parsing) and only session parameters we honour: KDR=0, WSH=n,
 * FEC_ORDER, FEC_KEY, and unknown ones marked optional with a leading '-'
 * (RFC 4568 session parameters). UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP,
 * UNAUTHENTICATED_SRTP, a non-zero KDR and unknown mandatory parameters
 * are refused (CF_SDES_ERROR_UNSUPPORTED). An MKI is accepted. */
gboolean cf_sdes_crypto_is_acceptable (const CfSdesCrypto *self, GError **error);

/* Answerer: picks one crypto line of an offer. @offered holds the values of
 * the offer's a=crypto attributes, NULL-terminated (as
 * cf_sdp_attributes_lookup_all() returns them); at most CF_SDES_MAX_OFFERED
 * are looked at. Lines that do not parse or are not acceptable are
 * skipped. The preferred suite wins (AEAD_AES_128_GCM, then
 * AES_CM_128_HMAC_SHA1_80, then AES_CM_128_HMAC_SHA1_32); among lines of
 * that suite, the first. On success *@ret_remote is the chosen line (the
 * offerer's key: unprotect with it), *@ret_local the answer's line (same
 * tag and suite, a fresh key, no lifetime, MKI or session parameters:
 * protect with it, and print it into the answer), and *@ret_index the
 * chosen line's index in @offered. Nothing acceptable:
 * CF_SDES_ERROR_NOT_ACCEPTABLE (SIP 488). (transfer full) */
gboolean cf_sdes_select (const char *const *offered,
			 CfSdesCrypto **ret_remote,
			 CfSdesCrypto **ret_local,
			 guint *ret_index,
			 GError **error);

/* Offerer: matches the answer's a=crypto value @answer against our offered
 * lines @offers (@n_offers of them): it must parse, be acceptable and have
 * the tag and suite of one of them (RFC 4568 offer/answer). On success
 * *@ret_answer is the answer's line (the answerer's key: unprotect with it)
 * and *@ret_index the index of our line in @offers (protect with its key).
 * (transfer full) */
gboolean cf_sdes_find_answered (CfSdesCrypto *const *offers,
				guint n_offers,
				const char *answer,
				CfSdesCrypto **ret_answer,
				guint *ret_index,
				GError **error);

/* An SRTP session keyed with this line's key, suite and MKI: outbound for
 * our own line, inbound for the peer's. (transfer full) */
CfSrtpSession *cf_sdes_crypto_new_srtp_session (const CfSdesCrypto *self,
						CfSrtpDirection direction,
						GError **error);

G_END_DECLS
