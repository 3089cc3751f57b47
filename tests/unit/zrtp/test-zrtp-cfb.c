/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of cf-zrtp-cfb: AES-CFB128 against the NIST SP 800-38A
 * known answers, in both directions, in place and out of place, for whole
 * and partial blocks. */
#include <sodium.h>
#include <string.h>

#include "cf-zrtp-cfb.h"

static void
hex_to_bytes (const char *hex, guint8 *out, gsize len)
{
	g_assert_cmpuint (strlen (hex), ==, 2 * len);
	for (gsize i = 0; i < len; i++)
		out[i] = (guint8)((g_ascii_xdigit_value (hex[2 * i]) << 4)
				  | g_ascii_xdigit_value (hex[2 * i + 1]));
}

/* NIST SP 800-38A Appendix F.3: the plaintext and IV shared by all the
 * CFB128 examples. */
static const char nist_iv[] = "000102030405060708090a0b0c0d0e0f";
static const char nist_plain[] = "6bc1bee22e409f96e93d7e117393172a"
				 "ae2d8a571e03ac9c9eb76fac45af8e51"
				 "30c81c46a35ce411e5fbc1191a0a52ef"
				 "f69f2445df4f9b17ad2b417be66c3710";

typedef struct {
	const char *name;
	const char *key;
	const char *cipher;
} NistVector;

static const NistVector nist_vectors[] = {
	/* F.3.13 CFB128-AES128.Encrypt, F.3.14 CFB128-AES128.Decrypt */
	{"F.3.13/F.3.14 CFB128-AES128",
	 "2b7e151628aed2a6abf7158809cf4f3c",
	 "3b3fd92eb72dad20333449f8e83cfb4a"
	 "c8a64537a0b3a93fcde3cdad9f1ce58b"
	 "26751f67a3cbb140b1808cf187a4f4df"
	 "c04b05357c5d1c0eeac4c66f9ff7f2e6"},
	/* F.3.17 CFB128-AES256.Encrypt, F.3.18 CFB128-AES256.Decrypt */
	{"F.3.17/F.3.18 CFB128-AES256",
	 "603deb1015ca71be2b73aef0857d7781"
	 "1f352c073b6108d72d9810a30914dff4",
	 "dc7e84bfda79164b7ecd8486985d3860"
	 "39ffed143b28b1c832113c6331e5407b"
	 "df10132415e54b92a13ed0a8267ae2f9"
	 "75a385741ab9cef82031623d55b1e471"},
};

static void
test_nist (void)
{
	for (guint v = 0; v < G_N_ELEMENTS (nist_vectors); v++) {
		const NistVector *vec = &nist_vectors[v];
		gsize key_len = strlen (vec->key) / 2;
		guint8 key[32], iv[16], iv_before[16], plain[64], cipher[64], buf[64];

		g_test_message ("%s", vec->name);
		hex_to_bytes (vec->key, key, key_len);
		hex_to_bytes (nist_iv, iv, sizeof iv);
		hex_to_bytes (nist_plain, plain, sizeof plain);
		hex_to_bytes (vec->cipher, cipher, sizeof cipher);
		memcpy (iv_before, iv, sizeof iv);

		/* encrypt, out of place */
		memset (buf, 0, sizeof buf);
		g_assert_true (cf_zrtp_cfb_encrypt (key, key_len, iv, plain, buf, sizeof buf));
		g_assert_cmpmem (buf, sizeof buf, cipher, sizeof cipher);
		/* the caller's IV is not consumed */
		g_assert_cmpmem (iv, sizeof iv, iv_before, sizeof iv_before);

		/* decrypt, out of place */
		memset (buf, 0, sizeof buf);
		g_assert_true (cf_zrtp_cfb_decrypt (key, key_len, iv, cipher, buf, sizeof buf));
		g_assert_cmpmem (buf, sizeof buf, plain, sizeof plain);

		/* both directions in place */
		memcpy (buf, plain, sizeof buf);
		g_assert_true (cf_zrtp_cfb_encrypt (key, key_len, iv, buf, buf, sizeof buf));
		g_assert_cmpmem (buf, sizeof buf, cipher, sizeof cipher);
		g_assert_true (cf_zrtp_cfb_decrypt (key, key_len, iv, buf, buf, sizeof buf));
		g_assert_cmpmem (buf, sizeof buf, plain, sizeof plain);
	}
}

/* CFB needs no padding: the encryption of any prefix of the NIST plaintext
 * is the same prefix of the NIST ciphertext, and decrypts back. */
static void
test_partial_blocks (void)
{
	for (guint v = 0; v < G_N_ELEMENTS (nist_vectors); v++) {
		const NistVector *vec = &nist_vectors[v];
		gsize key_len = strlen (vec->key) / 2;
		guint8 key[32], iv[16], plain[64], cipher[64];

		hex_to_bytes (vec->key, key, key_len);
		hex_to_bytes (nist_iv, iv, sizeof iv);
		hex_to_bytes (nist_plain, plain, sizeof plain);
		hex_to_bytes (vec->cipher, cipher, sizeof cipher);

		for (gsize len = 0; len <= sizeof plain; len++) {
			guint8 buf[65], back[65];

			/* a guard byte after the data stays untouched */
			memset (buf, 0xa5, sizeof buf);
			memset (back, 0x5a, sizeof back);
			g_assert_true (cf_zrtp_cfb_encrypt (key, key_len, iv, plain, buf, len));
			g_assert_cmpmem (buf, len, cipher, len);
			g_assert_cmpuint (buf[len], ==, 0xa5);
			g_assert_true (cf_zrtp_cfb_decrypt (key, key_len, iv, buf, back, len));
			g_assert_cmpmem (back, len, plain, len);
			g_assert_cmpuint (back[len], ==, 0x5a);
		}
	}
}

/* Random key, IV and data of a length that is not a multiple of 16. */
static void
test_round_trip (void)
{
	const gsize key_lens[] = {16, 32};

	for (guint k = 0; k < G_N_ELEMENTS (key_lens); k++) {
		guint8 key[32], iv[16], plain[37], buf[37];

		randombytes_buf (key, sizeof key);
		randombytes_buf (iv, sizeof iv);
		randombytes_buf (plain, sizeof plain);
		memcpy (buf, plain, sizeof buf);
		g_assert_true (cf_zrtp_cfb_encrypt (key, key_lens[k], iv, buf, buf, sizeof buf));
		g_assert_false (memcmp (buf, plain, sizeof buf) == 0);
		g_assert_true (cf_zrtp_cfb_decrypt (key, key_lens[k], iv, buf, buf, sizeof buf));
		g_assert_cmpmem (buf, sizeof buf, plain, sizeof plain);

		/* another IV gives another ciphertext */
		{
			guint8 c1[37], c2[37];

			g_assert_true (
				cf_zrtp_cfb_encrypt (key, key_lens[k], iv, plain, c1, sizeof c1));
			iv[15] ^= 1;
			g_assert_true (
				cf_zrtp_cfb_encrypt (key, key_lens[k], iv, plain, c2, sizeof c2));
			g_assert_false (memcmp (c1, c2, sizeof c1) == 0);
		}
	}
}

static void
test_bad_key_length (void)
{
	const gsize bad[] = {0, 1, 15, 17, 24, 31, 33, 64};
	guint8 key[64] = {0}, iv[16] = {0}, in[20] = {1}, out[20];

	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		memset (out, 0xcc, sizeof out);
		g_assert_false (cf_zrtp_cfb_encrypt (key, bad[i], iv, in, out, sizeof out));
		g_assert_false (cf_zrtp_cfb_decrypt (key, bad[i], iv, in, out, sizeof out));
		/* nothing written */
		for (gsize j = 0; j < sizeof out; j++)
			g_assert_cmpuint (out[j], ==, 0xcc);
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	if (sodium_init () < 0)
		return 1;

	g_test_add_func ("/confab/zrtp/cfb/nist", test_nist);
	g_test_add_func ("/confab/zrtp/cfb/partial-blocks", test_partial_blocks);
	g_test_add_func ("/confab/zrtp/cfb/round-trip", test_round_trip);
	g_test_add_func ("/confab/zrtp/cfb/bad-key-length", test_bad_key_length);
	return g_test_run ();
}
