/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* ZRTP key agreement (RFC 6189 §4.4.1, §5.1.5): one ephemeral key pair and the
 * shared DH result. Never a hand-written primitive:
 *   X255: X25519 (RFC 7748) from libsodium; pv = 32 bytes as RFC 7748 encodes
 *         them (what Linphone's bzrtp puts on the wire), DHResult = 32 bytes.
 *   DH3k: the 3072-bit MODP group of RFC 3526 §4, g = 2, with nettle/GMP;
 *         pv = g^sv mod p as 384 big-endian bytes, sv 512 random bits,
 *         DHResult = 384 big-endian bytes, zero-padded on the left.
 * The secret value lives in sodium_malloc'd memory and is wiped on free. */

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	CF_ZRTP_KA_X255,
	CF_ZRTP_KA_DH3K,
} CfZrtpKeyAgreement;

#define CF_ZRTP_DH_MAX_PV_LEN 384
#define CF_ZRTP_DH_MAX_RESULT_LEN 384

/* The 4-character name ("X255", "DH3k"). (transfer none) */
const char *cf_zrtp_key_agreement_to_string (CfZrtpKeyAgreement ka);
/* From a Hello or Commit algorithm block (4 bytes, not NUL-terminated needed). */
gboolean cf_zrtp_key_agreement_from_string (const char *name, CfZrtpKeyAgreement *ret_ka);
/* Bytes of the public value and of the DH result: 32 (X255), 384 (DH3k). */
gsize cf_zrtp_key_agreement_pv_length (CfZrtpKeyAgreement ka);

typedef struct _CfZrtpDh CfZrtpDh;

/* A fresh key pair from libsodium's randombytes. NULL and a GError when
 * secure memory or the big-number code fails. (transfer full) */
CfZrtpDh *cf_zrtp_dh_new (CfZrtpKeyAgreement ka, GError **error);
/* For tests: a key pair from a given secret value @secret (32 bytes for
 * X255, 64 bytes big-endian for DH3k, not all zero; copied). The engine
 * always uses cf_zrtp_dh_new(). (transfer full) */
CfZrtpDh *cf_zrtp_dh_new_from_secret (CfZrtpKeyAgreement ka,
				      const guint8 *secret,
				      gsize secret_len,
				      GError **error);
/* Wipes and frees; accepts NULL. */
void cf_zrtp_dh_free (CfZrtpDh *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfZrtpDh, cf_zrtp_dh_free)

CfZrtpKeyAgreement cf_zrtp_dh_get_key_agreement (const CfZrtpDh *self);

/* Our public value, cf_zrtp_key_agreement_pv_length() bytes. (transfer none) */
const guint8 *cf_zrtp_dh_get_public (const CfZrtpDh *self, gsize *ret_len);

/* The DH result with the peer's public value @peer_pv (@peer_len must be the
 * pv length). Checks the peer's value as RFC 6189 §4.4.1.1 asks: DH3k
 * refuses pv = 0, 1 and p-1 (and anything >= p); X255 refuses a result of
 * all zeros (a low-order point). Writes pv-length bytes into @out (at
 * least CF_ZRTP_DH_MAX_RESULT_LEN bytes of room) and sets @ret_len.
 * On failure a CF_ZRTP_ERROR_MALFORMED GError and nothing in @out. */
gboolean cf_zrtp_dh_compute (CfZrtpDh *self,
			     const guint8 *peer_pv,
			     gsize peer_len,
			     guint8 *out,
			     gsize *ret_len,
			     GError **error);

G_END_DECLS
