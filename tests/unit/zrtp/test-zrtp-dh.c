/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of cf-zrtp-dh: X25519 against RFC 7748 §6.1; DH3k against an
 * independent computation with GMP's mpz_powm over this file's own copy of
 * the RFC 3526 §4 prime, and against values known in closed form
 * (2^1 = 2, 2^3072 mod p = 2^3072 - p); public-value checks of RFC 6189
 * §4.4.1.1. */
#include <gmp.h>
#include <sodium.h>
#include <string.h>

#include "cf-zrtp-dh.h"
#include "cf-zrtp-packet.h"

static void
hex_to_bytes (const char *hex, guint8 *out, gsize len)
{
	g_assert_cmpuint (strlen (hex), ==, 2 * len);
	for (gsize i = 0; i < len; i++)
		out[i] = (guint8)((g_ascii_xdigit_value (hex[2 * i]) << 4)
				  | g_ascii_xdigit_value (hex[2 * i + 1]));
}

/* RFC 3526 §4: the 3072-bit MODP group's prime, g = 2. */
static const char rfc3526_p3072[] = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
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

static void
prime (mpz_t p)
{
	g_assert_cmpint (mpz_init_set_str (p, rfc3526_p3072, 16), ==, 0);
}

/* @z as exactly 384 big-endian bytes. */
static void
mpz_to_384 (const mpz_t z, guint8 out[384])
{
	size_t count = 0;
	guint8 tmp[384];

	g_assert_cmpuint (mpz_sizeinbase (z, 256), <=, 384);
	mpz_export (tmp, &count, 1, 1, 1, 0, z);
	memset (out, 0, 384);
	memcpy (out + 384 - count, tmp, count);
}

static void
test_names (void)
{
	CfZrtpKeyAgreement ka = CF_ZRTP_KA_DH3K;
	/* Hello blocks: not NUL-terminated */
	const char block[8] = {'X', '2', '5', '5', 'D', 'H', '3', 'k'};

	g_assert_cmpstr (cf_zrtp_key_agreement_to_string (CF_ZRTP_KA_X255), ==, "X255");
	g_assert_cmpstr (cf_zrtp_key_agreement_to_string (CF_ZRTP_KA_DH3K), ==, "DH3k");
	g_assert_true (cf_zrtp_key_agreement_from_string (block, &ka));
	g_assert_cmpint (ka, ==, CF_ZRTP_KA_X255);
	g_assert_true (cf_zrtp_key_agreement_from_string (block + 4, &ka));
	g_assert_cmpint (ka, ==, CF_ZRTP_KA_DH3K);
	g_assert_true (cf_zrtp_key_agreement_from_string ("X255", &ka));
	g_assert_cmpint (ka, ==, CF_ZRTP_KA_X255);
	g_assert_false (cf_zrtp_key_agreement_from_string ("DH3K", &ka));
	g_assert_false (cf_zrtp_key_agreement_from_string ("DH2k", &ka));
	g_assert_false (cf_zrtp_key_agreement_from_string ("EC25", &ka));
	g_assert_false (cf_zrtp_key_agreement_from_string ("X25", &ka));
	g_assert_false (cf_zrtp_key_agreement_from_string ("", &ka));
	g_assert_false (cf_zrtp_key_agreement_from_string (NULL, &ka));
	g_assert_cmpint (ka, ==, CF_ZRTP_KA_X255); /* untouched on failure */
	g_assert_cmpuint (cf_zrtp_key_agreement_pv_length (CF_ZRTP_KA_X255), ==, 32);
	g_assert_cmpuint (cf_zrtp_key_agreement_pv_length (CF_ZRTP_KA_DH3K), ==, 384);
}

/* RFC 7748 §6.1. */
static void
test_x255_rfc7748 (void)
{
	guint8 a_sv[32], a_pv[32], b_sv[32], b_pv[32], shared[32];
	guint8 out[CF_ZRTP_DH_MAX_RESULT_LEN];
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) alice = NULL;
	g_autoptr (CfZrtpDh) bob = NULL;
	const guint8 *pv;
	gsize len = 0;

	hex_to_bytes ("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_sv, 32);
	hex_to_bytes ("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", a_pv, 32);
	hex_to_bytes ("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b_sv, 32);
	hex_to_bytes ("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pv, 32);
	hex_to_bytes (
		"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", shared, 32);

	alice = cf_zrtp_dh_new_from_secret (CF_ZRTP_KA_X255, a_sv, 32, &error);
	g_assert_no_error (error);
	g_assert_nonnull (alice);
	bob = cf_zrtp_dh_new_from_secret (CF_ZRTP_KA_X255, b_sv, 32, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cf_zrtp_dh_get_key_agreement (alice), ==, CF_ZRTP_KA_X255);

	pv = cf_zrtp_dh_get_public (alice, &len);
	g_assert_cmpmem (pv, len, a_pv, 32);
	pv = cf_zrtp_dh_get_public (bob, &len);
	g_assert_cmpmem (pv, len, b_pv, 32);

	len = 0;
	g_assert_true (cf_zrtp_dh_compute (alice, b_pv, 32, out, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (out, len, shared, 32);
	memset (out, 0, sizeof out);
	len = 0;
	g_assert_true (cf_zrtp_dh_compute (bob, a_pv, 32, out, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (out, len, shared, 32);
}

/* Two fresh key pairs agree; a third does not share their result. */
static void
check_agreement (CfZrtpKeyAgreement ka, gsize expected_len)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) a = cf_zrtp_dh_new (ka, &error);
	g_autoptr (CfZrtpDh) b = NULL;
	g_autoptr (CfZrtpDh) c = NULL;
	guint8 ra[CF_ZRTP_DH_MAX_RESULT_LEN], rb[CF_ZRTP_DH_MAX_RESULT_LEN];
	guint8 rc[CF_ZRTP_DH_MAX_RESULT_LEN];
	const guint8 *pa, *pb, *pc;
	gsize la = 0, lb = 0, lc = 0, len_a = 0, len_b = 0, len_c = 0;

	g_assert_no_error (error);
	b = cf_zrtp_dh_new (ka, &error);
	g_assert_no_error (error);
	c = cf_zrtp_dh_new (ka, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cf_zrtp_dh_get_key_agreement (a), ==, ka);

	pa = cf_zrtp_dh_get_public (a, &la);
	pb = cf_zrtp_dh_get_public (b, &lb);
	pc = cf_zrtp_dh_get_public (c, &lc);
	g_assert_cmpuint (la, ==, expected_len);
	g_assert_cmpuint (lb, ==, expected_len);
	g_assert_cmpuint (lc, ==, expected_len);
	g_assert_false (memcmp (pa, pb, la) == 0);

	g_assert_true (cf_zrtp_dh_compute (a, pb, lb, ra, &len_a, &error));
	g_assert_no_error (error);
	g_assert_true (cf_zrtp_dh_compute (b, pa, la, rb, &len_b, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (len_a, ==, expected_len);
	g_assert_cmpmem (ra, len_a, rb, len_b);
	g_assert_false (sodium_is_zero (ra, len_a));

	g_assert_true (cf_zrtp_dh_compute (a, pc, lc, rc, &len_c, &error));
	g_assert_no_error (error);
	g_assert_false (memcmp (ra, rc, len_a) == 0);
}

static void
test_x255_agree (void)
{
	check_agreement (CF_ZRTP_KA_X255, 32);
}

static void
test_dh3k_agree (void)
{
	check_agreement (CF_ZRTP_KA_DH3K, 384);
}

/* Low-order points give an all-zero result: refused, nothing written. */
static void
test_x255_low_order (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) dh = cf_zrtp_dh_new (CF_ZRTP_KA_X255, &error);
	guint8 points[2][32] = {{0}, {1}}; /* u = 0 and u = 1 (order 4) */
	guint8 out[CF_ZRTP_DH_MAX_RESULT_LEN];
	gsize len = 77;

	g_assert_no_error (error);
	for (guint i = 0; i < G_N_ELEMENTS (points); i++) {
		g_autoptr (GError) local_error = NULL;

		memset (out, 0xee, sizeof out);
		g_assert_false (cf_zrtp_dh_compute (dh, points[i], 32, out, &len, &local_error));
		g_assert_error (local_error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		g_assert_cmpuint (len, ==, 77);
		for (gsize j = 0; j < sizeof out; j++)
			g_assert_cmpuint (out[j], ==, 0xee);
	}
}

/* A 64-byte big-endian secret value holding @v. */
static void
small_secret (guint8 sv[64], guint v)
{
	memset (sv, 0, 64);
	sv[62] = (guint8)(v >> 8);
	sv[63] = (guint8)v;
}

/* pv for sv = 1 is g = 2; for sv = 3072 it is 2^3072 mod p = 2^3072 - p
 * (p lies between 2^3071 and 2^3072), which gives the implementation's
 * prime back: it must be this file's RFC 3526 prime, a safe prime. */
static void
test_dh3k_closed_form (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) one = NULL;
	g_autoptr (CfZrtpDh) big = NULL;
	guint8 sv[64], expected[384];
	const guint8 *pv;
	gsize len = 0;
	mpz_t p, pv_z, p_impl, q;

	small_secret (sv, 1);
	one = cf_zrtp_dh_new_from_secret (CF_ZRTP_KA_DH3K, sv, sizeof sv, &error);
	g_assert_no_error (error);
	pv = cf_zrtp_dh_get_public (one, &len);
	memset (expected, 0, sizeof expected);
	expected[383] = 2;
	g_assert_cmpmem (pv, len, expected, sizeof expected);

	small_secret (sv, 3072);
	big = cf_zrtp_dh_new_from_secret (CF_ZRTP_KA_DH3K, sv, sizeof sv, &error);
	g_assert_no_error (error);
	pv = cf_zrtp_dh_get_public (big, &len);
	g_assert_cmpuint (len, ==, 384);

	prime (p);
	mpz_inits (pv_z, p_impl, q, NULL);
	mpz_import (pv_z, len, 1, 1, 1, 0, pv);
	mpz_setbit (p_impl, 3072);
	mpz_sub (p_impl, p_impl, pv_z);
	g_assert_cmpint (mpz_cmp (p_impl, p), ==, 0);
	g_assert_cmpuint (mpz_sizeinbase (p, 2), ==, 3072);
	/* a safe prime: p and (p - 1) / 2 prime, and 2 a quadratic residue */
	g_assert_cmpint (mpz_probab_prime_p (p, 10), >, 0);
	mpz_sub_ui (q, p, 1);
	mpz_fdiv_q_2exp (q, q, 1);
	g_assert_cmpint (mpz_probab_prime_p (q, 10), >, 0);
	g_assert_cmpuint (mpz_fdiv_ui (p, 8), ==, 7);
	mpz_clears (p, pv_z, p_impl, q, NULL);
}

/* A known secret: pv and the result against mpz_powm. */
static void
test_dh3k_mpz (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) a = NULL;
	g_autoptr (CfZrtpDh) b = cf_zrtp_dh_new (CF_ZRTP_KA_DH3K, &error);
	guint8 sv[64], expected[384], out[CF_ZRTP_DH_MAX_RESULT_LEN];
	const guint8 *pv, *pv_b;
	gsize len = 0, len_b = 0;
	mpz_t p, e, r, peer;

	g_assert_no_error (error);
	/* all 512 bits used, top bit set */
	for (guint i = 0; i < sizeof sv; i++)
		sv[i] = (guint8)(0x80 | (i * 37 + 11));
	a = cf_zrtp_dh_new_from_secret (CF_ZRTP_KA_DH3K, sv, sizeof sv, &error);
	g_assert_no_error (error);

	prime (p);
	mpz_inits (e, r, peer, NULL);
	mpz_import (e, sizeof sv, 1, 1, 1, 0, sv);
	mpz_set_ui (r, 2);
	mpz_powm (r, r, e, p);
	mpz_to_384 (r, expected);
	pv = cf_zrtp_dh_get_public (a, &len);
	g_assert_cmpmem (pv, len, expected, sizeof expected);

	pv_b = cf_zrtp_dh_get_public (b, &len_b);
	mpz_import (peer, len_b, 1, 1, 1, 0, pv_b);
	mpz_powm (r, peer, e, p);
	mpz_to_384 (r, expected);
	g_assert_true (cf_zrtp_dh_compute (a, pv_b, len_b, out, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (out, len, expected, sizeof expected);
	mpz_clears (p, e, r, peer, NULL);
}

/* RFC 6189 §4.4.1.1: pv 0, 1 and p-1 are refused, and so is anything not
 * below p; 2 and p-2 are accepted. */
static void
test_dh3k_bad_pv (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) dh = cf_zrtp_dh_new (CF_ZRTP_KA_DH3K, &error);
	guint8 out[CF_ZRTP_DH_MAX_RESULT_LEN];
	guint8 pv[384];
	gsize len;
	mpz_t p, v;
	struct {
		long offset_from_p; /* 0: not relative to p */
		unsigned long value;
		gboolean ok;
	} cases[] = {
		{0, 0, FALSE},	/* 0 */
		{0, 1, FALSE},	/* 1 */
		{-1, 0, FALSE}, /* p - 1 */
		{1, 0, FALSE},	/* p (the offset is added to p) */
		{2, 0, FALSE},	/* p + 1 */
		{0, 2, TRUE},	/* 2 */
		{-2, 0, TRUE},	/* p - 2 */
	};

	g_assert_no_error (error);
	prime (p);
	mpz_init (v);
	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) local_error = NULL;

		if (cases[i].offset_from_p < 0)
			mpz_sub_ui (v, p, (unsigned long)-cases[i].offset_from_p);
		else if (cases[i].offset_from_p > 0)
			mpz_add_ui (v, p, (unsigned long)cases[i].offset_from_p - 1);
		else
			mpz_set_ui (v, cases[i].value);
		mpz_to_384 (v, pv);
		memset (out, 0xee, sizeof out);
		len = 5;
		if (cases[i].ok) {
			g_assert_true (cf_zrtp_dh_compute (dh, pv, 384, out, &len, &local_error));
			g_assert_no_error (local_error);
			g_assert_cmpuint (len, ==, 384);
			continue;
		}
		g_assert_false (cf_zrtp_dh_compute (dh, pv, 384, out, &len, &local_error));
		g_assert_error (local_error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		g_assert_cmpuint (len, ==, 5);
		for (gsize j = 0; j < sizeof out; j++)
			g_assert_cmpuint (out[j], ==, 0xee);
	}

	/* the largest 384-byte value */
	{
		g_autoptr (GError) local_error = NULL;

		memset (pv, 0xff, sizeof pv);
		g_assert_false (cf_zrtp_dh_compute (dh, pv, 384, out, &len, &local_error));
		g_assert_error (local_error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
	}
	mpz_clears (p, v, NULL);
}

static void
test_wrong_length (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpDh) x = cf_zrtp_dh_new (CF_ZRTP_KA_X255, &error);
	g_autoptr (CfZrtpDh) d = NULL;
	guint8 peer[400];
	guint8 out[CF_ZRTP_DH_MAX_RESULT_LEN];
	const gsize x_bad[] = {0, 31, 33, 384};
	const gsize d_bad[] = {0, 32, 383, 385};
	gsize len = 9;

	g_assert_no_error (error);
	d = cf_zrtp_dh_new (CF_ZRTP_KA_DH3K, &error);
	g_assert_no_error (error);
	memset (peer, 0x42, sizeof peer);
	for (guint i = 0; i < G_N_ELEMENTS (x_bad); i++) {
		g_autoptr (GError) e1 = NULL;
		g_autoptr (GError) e2 = NULL;

		g_assert_false (cf_zrtp_dh_compute (x, peer, x_bad[i], out, &len, &e1));
		g_assert_error (e1, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		g_assert_false (cf_zrtp_dh_compute (d, peer, d_bad[i], out, &len, &e2));
		g_assert_error (e2, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
	}
	{
		g_autoptr (GError) e3 = NULL;

		g_assert_false (cf_zrtp_dh_compute (x, NULL, 32, out, &len, &e3));
		g_assert_error (e3, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
	}
	g_assert_cmpuint (len, ==, 9);
}

static void
test_bad_secret (void)
{
	guint8 sv[64];

	randombytes_buf (sv, sizeof sv);
	for (guint i = 0; i < 4; i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfZrtpDh) dh = NULL;
		CfZrtpKeyAgreement ka = i < 2 ? CF_ZRTP_KA_X255 : CF_ZRTP_KA_DH3K;
		gsize bad_len = (i % 2 == 0) ? 31 : (ka == CF_ZRTP_KA_X255 ? 64 : 32);

		dh = cf_zrtp_dh_new_from_secret (ka, sv, bad_len, &error);
		g_assert_null (dh);
		g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	}
	memset (sv, 0, sizeof sv);
	for (guint i = 0; i < 2; i++) {
		g_autoptr (GError) error = NULL;
		CfZrtpKeyAgreement ka = i == 0 ? CF_ZRTP_KA_X255 : CF_ZRTP_KA_DH3K;
		g_autoptr (CfZrtpDh) dh = cf_zrtp_dh_new_from_secret (
			ka, sv, cf_zrtp_key_agreement_pv_length (ka) == 32 ? 32 : 64, &error);

		g_assert_null (dh);
		g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	}
	cf_zrtp_dh_free (NULL);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	if (sodium_init () < 0)
		return 1;

	g_test_add_func ("/confab/zrtp/dh/names", test_names);
	g_test_add_func ("/confab/zrtp/dh/x255-rfc7748", test_x255_rfc7748);
	g_test_add_func ("/confab/zrtp/dh/x255-agree", test_x255_agree);
	g_test_add_func ("/confab/zrtp/dh/x255-low-order", test_x255_low_order);
	g_test_add_func ("/confab/zrtp/dh/dh3k-agree", test_dh3k_agree);
	g_test_add_func ("/confab/zrtp/dh/dh3k-closed-form", test_dh3k_closed_form);
	g_test_add_func ("/confab/zrtp/dh/dh3k-mpz", test_dh3k_mpz);
	g_test_add_func ("/confab/zrtp/dh/dh3k-bad-pv", test_dh3k_bad_pv);
	g_test_add_func ("/confab/zrtp/dh/wrong-length", test_wrong_length);
	g_test_add_func ("/confab/zrtp/dh/bad-secret", test_bad_secret);
	return g_test_run ();
}
