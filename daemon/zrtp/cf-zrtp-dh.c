/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp-dh"

#include "cf-zrtp-dh.h"

#include <gmp.h>
#include <sodium.h>
#include <string.h>

#include "cf-zrtp-packet.h"

/* ---- Algorithm names ------------------------------------------------------ */

#define X255_LEN 32
#define DH3K_LEN 384
/* RFC 6189 §5.1.5: the DH3k secret value is at least twice the AES key
 * strength; 512 random bits as the header promises. */
#define DH3K_SV_LEN 64

const char *
cf_zrtp_key_agreement_to_string (CfZrtpKeyAgreement ka)
{
	switch (ka) {
	case CF_ZRTP_KA_X255:
		return "X255";
	case CF_ZRTP_KA_DH3K:
		return "DH3k";
	}
	g_return_val_if_reached (NULL);
}

gboolean
cf_zrtp_key_agreement_from_string (const char *name, CfZrtpKeyAgreement *ret_ka)
{
	CfZrtpKeyAgreement ka;

	if (name == NULL)
		return FALSE;
	/* strncmp stops at a NUL, so a short C string is never over-read, and
	 * a 4-byte block needs no terminator */
	if (strncmp (name, "X255", 4) == 0)
		ka = CF_ZRTP_KA_X255;
	else if (strncmp (name, "DH3k", 4) == 0)
		ka = CF_ZRTP_KA_DH3K;
	else
		return FALSE;
	if (ret_ka != NULL)
		*ret_ka = ka;
	return TRUE;
}

gsize
cf_zrtp_key_agreement_pv_length (CfZrtpKeyAgreement ka)
{
	switch (ka) {
	case CF_ZRTP_KA_X255:
		return X255_LEN;
	case CF_ZRTP_KA_DH3K:
		return DH3K_LEN;
	}
	g_return_val_if_reached (0);
}

/* ---- DH3k arithmetic (GMP) ------------------------------------------------ */

/* The byte <-> limb conversions below assume full limbs. */
G_STATIC_ASSERT (GMP_NAIL_BITS == 0);
G_STATIC_ASSERT (DH3K_LEN % sizeof (mp_limb_t) == 0);
G_STATIC_ASSERT (DH3K_SV_LEN % sizeof (mp_limb_t) == 0);

#define DH3K_LIMBS    ((mp_size_t)(DH3K_LEN / sizeof (mp_limb_t)))
#define DH3K_SV_LIMBS ((mp_size_t)(DH3K_SV_LEN / sizeof (mp_limb_t)))

/* RFC 3526 §4, the 3072-bit MODP group (generator 2):
 * p = 2^3072 - 2^3008 - 1 + 2^64 * { [2^2942 pi] + 1690314 }. */
static const char dh3k_prime_hex[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
				     "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
				     "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
				     "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
				     "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
				     "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
				     "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
				     "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
				     "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
				     "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
				     "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
				     "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
				     "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B"
				     "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
				     "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31"
				     "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
G_STATIC_ASSERT (sizeof (dh3k_prime_hex) == 2 * DH3K_LEN + 1);

/* Big-endian bytes to @n little-endian limbs (zero-extended). */
static void
bytes_to_limbs (const guint8 *in, gsize len, mp_limb_t *out, mp_size_t n)
{
	memset (out, 0, (gsize)n * sizeof (mp_limb_t));
	for (gsize i = 0; i < len; i++) {
		gsize bit = 8 * (len - 1 - i);

		out[bit / GMP_NUMB_BITS] |= (mp_limb_t)in[i] << (bit % GMP_NUMB_BITS);
	}
}

/* @n limbs to exactly n * sizeof (mp_limb_t) big-endian bytes. */
static void
limbs_to_bytes (const mp_limb_t *in, mp_size_t n, guint8 *out)
{
	gsize len = (gsize)n * sizeof (mp_limb_t);

	for (gsize i = 0; i < len; i++) {
		gsize bit = 8 * (len - 1 - i);

		out[i] = (guint8)(in[bit / GMP_NUMB_BITS] >> (bit % GMP_NUMB_BITS));
	}
}

typedef struct {
	mp_limb_t p[DH3K_LIMBS];
	mp_limb_t p_minus_1[DH3K_LIMBS];
} Dh3kGroup;

static gpointer
dh3k_group_init (gpointer data)
{
	static Dh3kGroup group;
	guint8 bytes[DH3K_LEN];

	for (gsize i = 0; i < DH3K_LEN; i++)
		bytes[i] = (guint8)((g_ascii_xdigit_value (dh3k_prime_hex[2 * i]) << 4)
				    | g_ascii_xdigit_value (dh3k_prime_hex[2 * i + 1]));
	bytes_to_limbs (bytes, sizeof bytes, group.p, DH3K_LIMBS);
	/* p is odd: p - 1 only clears the lowest bit */
	memcpy (group.p_minus_1, group.p, sizeof group.p);
	group.p_minus_1[0] -= 1;
	return &group;
}

static const Dh3kGroup *
dh3k_group (void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once (&once, dh3k_group_init, NULL);
}

/* Writes base^sv mod p as DH3K_LEN big-endian bytes into @out. @base
 * (@base_n limbs) must be > 0. Every limb that depends on the secret
 * exponent lives in one sodium_malloc'd block (exponent, result and
 * mpn_sec_powm's scratch area), wiped by sodium_free: mpn_sec_powm does
 * its work in the scratch area it is given and does not branch or index
 * memory on the exponent. What GMP may allocate itself (the Montgomery
 * form of the base, in its own temporaries) holds the public base only.
 * FALSE when secure memory is not available. */
static gboolean
dh3k_powm (const mp_limb_t *base, mp_size_t base_n, const guint8 *sv, guint8 out[DH3K_LEN])
{
	const Dh3kGroup *g = dh3k_group ();
	mp_bitcnt_t enb = 8 * DH3K_SV_LEN;
	mp_size_t itch = mpn_sec_powm_itch (base_n, enb, DH3K_LIMBS);
	gsize n_limbs = (gsize)DH3K_SV_LIMBS + (gsize)DH3K_LIMBS + (gsize)itch;
	mp_limb_t *mem;
	mp_limb_t *ep, *rp, *tp;

	mem = sodium_allocarray (n_limbs, sizeof (mp_limb_t));
	if (mem == NULL)
		return FALSE;
	ep = mem;
	rp = ep + DH3K_SV_LIMBS;
	tp = rp + DH3K_LIMBS;

	bytes_to_limbs (sv, DH3K_SV_LEN, ep, DH3K_SV_LIMBS);
	mpn_sec_powm (rp, base, base_n, ep, enb, g->p, DH3K_LIMBS, tp);
	limbs_to_bytes (rp, DH3K_LIMBS, out);
	sodium_free (mem); /* wipes */
	return TRUE;
}

/* RFC 6189 §4.4.1.1: 1 < pv < p - 1. Public data: plain comparisons. */
static gboolean
dh3k_peer_ok (const mp_limb_t *pv)
{
	const Dh3kGroup *g = dh3k_group ();

	/* 0 or 1 */
	if (mpn_zero_p (pv + 1, DH3K_LIMBS - 1) && pv[0] <= 1)
		return FALSE;
	/* p - 1 and anything >= p */
	return mpn_cmp (pv, g->p_minus_1, DH3K_LIMBS) < 0;
}

/* ---- Key pairs -------------------------------------------------------------- */

/* The whole object is in sodium_malloc'd memory (guard pages, mlock'd,
 * wiped by sodium_free). */
struct _CfZrtpDh {
	CfZrtpKeyAgreement ka;
	gsize sv_len;
	guint8 sv[DH3K_SV_LEN]; /* X255: the first 32 bytes */
	guint8 pv[CF_ZRTP_DH_MAX_PV_LEN];
};

static CfZrtpDh *
dh_alloc (CfZrtpKeyAgreement ka, GError **error)
{
	CfZrtpDh *self;

	if (ka != CF_ZRTP_KA_X255 && ka != CF_ZRTP_KA_DH3K) {
		g_set_error (error,
			     CF_ZRTP_ERROR,
			     CF_ZRTP_ERROR_INVALID,
			     "Unknown key agreement %d",
			     (int)ka);
		return NULL;
	}
	if (sodium_init () < 0 || (self = sodium_malloc (sizeof *self)) == NULL) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "No secure memory for a key pair");
		return NULL;
	}
	sodium_memzero (self, sizeof *self);
	self->ka = ka;
	self->sv_len = ka == CF_ZRTP_KA_X255 ? X255_LEN : DH3K_SV_LEN;
	return self;
}

/* Computes pv from sv. */
static gboolean
dh_make_public (CfZrtpDh *self, GError **error)
{
	if (self->ka == CF_ZRTP_KA_X255) {
		/* libsodium clamps the scalar (RFC 7748 §5) */
		if (crypto_scalarmult_base (self->pv, self->sv) != 0) {
			g_set_error_literal (error,
					     CF_ZRTP_ERROR,
					     CF_ZRTP_ERROR_INVALID,
					     "X25519 public value computation failed");
			return FALSE;
		}
	} else {
		const mp_limb_t two = 2;

		if (!dh3k_powm (&two, 1, self->sv, self->pv)) {
			g_set_error_literal (error,
					     CF_ZRTP_ERROR,
					     CF_ZRTP_ERROR_INVALID,
					     "No secure memory for the DH3k computation");
			return FALSE;
		}
	}
	return TRUE;
}

CfZrtpDh *
cf_zrtp_dh_new (CfZrtpKeyAgreement ka, GError **error)
{
	g_autoptr (CfZrtpDh) self = dh_alloc (ka, error);

	if (self == NULL)
		return NULL;
	/* a zero DH3k exponent (probability 2^-512) would give pv = 1 */
	do
		randombytes_buf (self->sv, self->sv_len);
	while (sodium_is_zero (self->sv, self->sv_len));
	if (!dh_make_public (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

CfZrtpDh *
cf_zrtp_dh_new_from_secret (CfZrtpKeyAgreement ka,
			    const guint8 *secret,
			    gsize secret_len,
			    GError **error)
{
	g_autoptr (CfZrtpDh) self = dh_alloc (ka, error);

	if (self == NULL)
		return NULL;
	if (secret == NULL || secret_len != self->sv_len || sodium_is_zero (secret, secret_len)) {
		g_set_error (error,
			     CF_ZRTP_ERROR,
			     CF_ZRTP_ERROR_INVALID,
			     "%s needs a non-zero %" G_GSIZE_FORMAT "-byte secret value",
			     cf_zrtp_key_agreement_to_string (ka),
			     self->sv_len);
		return NULL;
	}
	memcpy (self->sv, secret, secret_len);
	if (!dh_make_public (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

void
cf_zrtp_dh_free (CfZrtpDh *self)
{
	if (self == NULL)
		return;
	sodium_free (self); /* wipes the secret value */
}

CfZrtpKeyAgreement
cf_zrtp_dh_get_key_agreement (const CfZrtpDh *self)
{
	g_return_val_if_fail (self != NULL, CF_ZRTP_KA_X255);
	return self->ka;
}

const guint8 *
cf_zrtp_dh_get_public (const CfZrtpDh *self, gsize *ret_len)
{
	g_return_val_if_fail (self != NULL, NULL);
	if (ret_len != NULL)
		*ret_len = cf_zrtp_key_agreement_pv_length (self->ka);
	return self->pv;
}

static gboolean
compute_x255 (CfZrtpDh *self, const guint8 *peer_pv, guint8 *out, GError **error)
{
	guint8 *result = sodium_malloc (X255_LEN);
	gboolean ok;

	if (result == NULL) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "No secure memory for the X25519 result");
		return FALSE;
	}
	/* libsodium refuses an all-zero result (a low-order peer point);
	 * checked again here so that the rule does not depend on its version */
	ok = crypto_scalarmult (result, self->sv, peer_pv) == 0
	     && !sodium_is_zero (result, X255_LEN);
	if (ok)
		memcpy (out, result, X255_LEN);
	sodium_free (result);
	if (!ok)
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_MALFORMED,
				     "X25519 public value of low order (all-zero result)");
	return ok;
}

static gboolean
compute_dh3k (CfZrtpDh *self, const guint8 *peer_pv, guint8 *out, GError **error)
{
	mp_limb_t peer[DH3K_LIMBS];
	guint8 *result;

	bytes_to_limbs (peer_pv, DH3K_LEN, peer, DH3K_LIMBS);
	if (!dh3k_peer_ok (peer)) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_MALFORMED,
				     "DH3k public value is 0, 1, p-1 or not below p");
		return FALSE;
	}
	result = sodium_malloc (DH3K_LEN);
	if (result == NULL || !dh3k_powm (peer, DH3K_LIMBS, self->sv, result)) {
		sodium_free (result);
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "No secure memory for the DH3k computation");
		return FALSE;
	}
	memcpy (out, result, DH3K_LEN);
	sodium_free (result);
	return TRUE;
}

gboolean
cf_zrtp_dh_compute (CfZrtpDh *self,
		    const guint8 *peer_pv,
		    gsize peer_len,
		    guint8 *out,
		    gsize *ret_len,
		    GError **error)
{
	gsize len;
	gboolean ok;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (out != NULL, FALSE);

	len = cf_zrtp_key_agreement_pv_length (self->ka);
	if (peer_pv == NULL || peer_len != len) {
		g_set_error (error,
			     CF_ZRTP_ERROR,
			     CF_ZRTP_ERROR_MALFORMED,
			     "%s public value of %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
			     cf_zrtp_key_agreement_to_string (self->ka),
			     peer_pv != NULL ? peer_len : 0,
			     len);
		return FALSE;
	}
	if (self->ka == CF_ZRTP_KA_X255)
		ok = compute_x255 (self, peer_pv, out, error);
	else
		ok = compute_dh3k (self, peer_pv, out, error);
	if (ok && ret_len != NULL)
		*ret_len = len;
	return ok;
}
