/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sdes"

#include <string.h>

#include "cf-sdes.h"

static CfSdesCrypto *
parse_ok (const char *value)
{
	g_autoptr (GError) error = NULL;
	CfSdesCrypto *crypto = cf_sdes_crypto_parse (value, &error);

	g_assert_no_error (error);
	g_assert_nonnull (crypto);
	return crypto;
}

/* parse -> print gives @value back byte for byte, and print -> parse ->
 * print is stable. */
static void
assert_canonical (const char *value)
{
	g_autoptr (CfSdesCrypto) crypto = parse_ok (value);
	g_autoptr (CfSdesCrypto) copy = cf_sdes_crypto_copy (crypto);
	char *printed = cf_sdes_crypto_print (crypto);
	char *printed_copy = cf_sdes_crypto_print (copy);

	g_assert_cmpstr (printed, ==, value);
	g_assert_cmpstr (printed_copy, ==, value);
	cf_sdes_secret_free (printed);
	cf_sdes_secret_free (printed_copy);
}

static void
assert_key (const CfSdesCrypto *crypto, const guint8 *expected, gsize expected_length)
{
	gsize length = 0;
	const guint8 *key = cf_sdes_crypto_get_key_salt (crypto, &length);

	g_assert_cmpmem (key, length, expected, expected_length);
}

/* ---- RFC 4568 examples ------------------------------------------------------ */

/* RFC 4568 §4 */
static const char rfc4568_s4[] =
	"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32";
/* RFC 4568 §6.1: lifetime and MKI; MKI without lifetime */
static const char rfc4568_s61_full[] =
	"1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4";
static const char rfc4568_s61_mki[] =
	"1 AES_CM_128_HMAC_SHA1_80 inline:YUJDZGVmZ2hpSktMbW9QUXJzVHVWd3l6MTIzNDU2|1066:4";
/* RFC 4568 offer/answer example, lines unfolded */
static const char rfc4568_offer_1[] = "1 AES_CM_128_HMAC_SHA1_80 "
				      "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
				      "FEC_ORDER=FEC_SRTP";
static const char rfc4568_offer_2[] = "2 F8_128_HMAC_SHA1_80 "
				      "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
				      "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 "
				      "FEC_ORDER=FEC_SRTP";
static const char rfc4568_answer[] =
	"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4";

static void
test_rfc4568_examples (void)
{
	g_autoptr (CfSdesCrypto) s4 = parse_ok (rfc4568_s4);
	g_autoptr (CfSdesCrypto) full = parse_ok (rfc4568_s61_full);
	g_autoptr (CfSdesCrypto) mki_only = parse_ok (rfc4568_s61_mki);
	g_autoptr (CfSdesCrypto) offer_1 = parse_ok (rfc4568_offer_1);
	g_autoptr (GError) error = NULL;
	/* base64 of the ASCII text "aBCdefghiJKLmoPQrsTuVwyz123456" */
	const char *ascii_key = "aBCdefghiJKLmoPQrsTuVwyz123456";
	const guint8 full_key[] = {0x77, 0x44, 0x66, 0x76, 0x67, 0x26, 0x54, 0x2b, 0x29, 0x78,
				   0x47, 0x37, 0x40, 0x66, 0x62, 0x35, 0x6a, 0x55, 0x2c, 0x52,
				   0x61, 0x41, 0x7d, 0x5c, 0x7c, 0x70, 0x30, 0x25, 0x2a, 0x23};
	guint64 lifetime = 0, mki = 0;
	guint mki_length = 0;
	guint8 mki_bytes[64];
	gsize mki_bytes_length = 0;

	g_assert_cmpuint (cf_sdes_crypto_get_tag (s4), ==, 1);
	g_assert_cmpint (cf_sdes_crypto_get_suite (s4), ==, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	g_assert_true (cf_sdes_crypto_get_lifetime (s4, &lifetime));
	g_assert_cmpuint (lifetime, ==, 1 << 20);
	g_assert_true (cf_sdes_crypto_get_mki (s4, &mki, &mki_length));
	g_assert_cmpuint (mki, ==, 1);
	g_assert_cmpuint (mki_length, ==, 32);
	g_assert_true (cf_sdes_crypto_get_mki_bytes (
		s4, mki_bytes, sizeof (mki_bytes), &mki_bytes_length));
	g_assert_cmpuint (mki_bytes_length, ==, 32);
	for (guint i = 0; i < 31; i++)
		g_assert_cmpuint (mki_bytes[i], ==, 0);
	g_assert_cmpuint (mki_bytes[31], ==, 1);
	g_assert_false (cf_sdes_crypto_get_mki_bytes (s4, mki_bytes, 31, NULL));
	g_assert_cmpstrv (cf_sdes_crypto_get_session_params (s4), ((const char *[]){NULL}));

	assert_key (full, full_key, sizeof (full_key));
	g_assert_true (cf_sdes_crypto_get_lifetime (full, &lifetime));
	g_assert_cmpuint (lifetime, ==, 1 << 20);
	g_assert_true (cf_sdes_crypto_get_mki (full, &mki, &mki_length));
	g_assert_cmpuint (mki, ==, 1);
	g_assert_cmpuint (mki_length, ==, 4);

	assert_key (mki_only, (const guint8 *)ascii_key, strlen (ascii_key));
	g_assert_false (cf_sdes_crypto_get_lifetime (mki_only, &lifetime));
	g_assert_true (cf_sdes_crypto_get_mki (mki_only, &mki, &mki_length));
	g_assert_cmpuint (mki, ==, 1066);
	g_assert_cmpuint (mki_length, ==, 4);
	g_assert_true (cf_sdes_crypto_get_mki_bytes (
		mki_only, mki_bytes, sizeof (mki_bytes), &mki_bytes_length));
	g_assert_cmpmem (mki_bytes, mki_bytes_length, ((const guint8[]){0, 0, 0x04, 0x2a}), 4);

	g_assert_cmpstrv (cf_sdes_crypto_get_session_params (offer_1),
			  ((const char *[]){"FEC_ORDER=FEC_SRTP", NULL}));
	g_assert_true (cf_sdes_crypto_is_acceptable (offer_1, &error));
	g_assert_no_error (error);

	/* F8 is not supported (libsrtp2 has no F8), and it has two keys */
	g_assert_null (cf_sdes_crypto_parse (rfc4568_offer_2, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_UNKNOWN_SUITE);

	assert_canonical (rfc4568_s4);
	assert_canonical (rfc4568_s61_full);
	assert_canonical (rfc4568_s61_mki);
	assert_canonical (rfc4568_offer_1);
	assert_canonical (rfc4568_answer);
}

/* RFC 4568 offer/answer example: the offer's first line is chosen; the offerer finds the
 * answer's line. */
static void
test_rfc4568_offer_answer (void)
{
	const char *offered[] = {rfc4568_offer_1, rfc4568_offer_2, NULL};
	g_autoptr (CfSdesCrypto) remote = NULL;
	g_autoptr (CfSdesCrypto) local = NULL;
	g_autoptr (CfSdesCrypto) offer = parse_ok (rfc4568_offer_1);
	g_autoptr (CfSdesCrypto) answer = NULL;
	g_autoptr (GError) error = NULL;
	CfSdesCrypto *offers[1];
	guint index = 99;
	gsize remote_length, local_length;
	const guint8 *remote_key, *local_key;

	g_assert_true (cf_sdes_select (offered, &remote, &local, &index, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (index, ==, 0);
	g_assert_cmpuint (cf_sdes_crypto_get_tag (remote), ==, 1);
	g_assert_cmpuint (cf_sdes_crypto_get_tag (local), ==, 1);
	g_assert_cmpint (
		cf_sdes_crypto_get_suite (local), ==, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	remote_key = cf_sdes_crypto_get_key_salt (remote, &remote_length);
	local_key = cf_sdes_crypto_get_key_salt (local, &local_length);
	g_assert_cmpuint (local_length, ==, 30);
	g_assert_true (memcmp (remote_key, local_key, 30) != 0);
	g_assert_false (cf_sdes_crypto_get_lifetime (local, NULL));
	g_assert_false (cf_sdes_crypto_get_mki (local, NULL, NULL));

	offers[0] = offer;
	g_assert_true (cf_sdes_find_answered (offers, 1, rfc4568_answer, &answer, &index, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (index, ==, 0);
	g_assert_cmpuint (cf_sdes_crypto_get_tag (answer), ==, 1);
}

/* ---- Round trips ------------------------------------------------------------ */

static void
test_round_trip (void)
{
	const CfSrtpSuite suites[] = {
		CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
		CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
		CF_SRTP_SUITE_AEAD_AES_128_GCM,
	};
	const char *canonical[] = {
		"0 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd",
		"999999999 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==",
		"7 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw==|2^31|7:1",
		"2 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1000",
		"2 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^48",
		"2 AES_CM_128_HMAC_SHA1_80 "
		"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|281474976710656",
		"2 AES_CM_128_HMAC_SHA1_80 "
		"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^0|255:1",
		"3 AES_CM_128_HMAC_SHA1_80 "
		"inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|18446744073709551615:128",
		"4 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd KDR=0 "
		"WSH=128 -FOO",
	};
	/* non-canonical spellings and what they print as */
	const char *spelled[][2] = {
		{"1  AES_CM_128_HMAC_SHA1_80\tinline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd   "
		 "WSH=64 ",
		 "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd "
		 "WSH=64"},
		{"01 aes_cm_128_hmac_sha1_80 "
		 "INLINE:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^020|0001:04",
		 "1 AES_CM_128_HMAC_SHA1_80 "
		 "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:4"},
		/* GCM key || salt without base64 padding */
		{"5 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw",
		 "5 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="},
	};

	for (guint i = 0; i < G_N_ELEMENTS (canonical); i++)
		assert_canonical (canonical[i]);
	for (guint i = 0; i < G_N_ELEMENTS (spelled); i++) {
		g_autoptr (CfSdesCrypto) crypto = parse_ok (spelled[i][0]);
		char *printed = cf_sdes_crypto_print (crypto);

		g_assert_cmpstr (printed, ==, spelled[i][1]);
		cf_sdes_secret_free (printed);
		assert_canonical (spelled[i][1]);
	}

	/* generated lines print and parse back to the same key */
	for (guint i = 0; i < G_N_ELEMENTS (suites); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSdesCrypto) crypto =
			cf_sdes_crypto_generate (i + 1, suites[i], &error);
		g_autoptr (CfSdesCrypto) again = NULL;
		char *printed;
		gsize length, again_length;
		const guint8 *key;

		g_assert_no_error (error);
		printed = cf_sdes_crypto_print (crypto);
		again = parse_ok (printed);
		cf_sdes_secret_free (printed);
		g_assert_cmpuint (cf_sdes_crypto_get_tag (again), ==, i + 1);
		g_assert_cmpint (cf_sdes_crypto_get_suite (again), ==, suites[i]);
		key = cf_sdes_crypto_get_key_salt (crypto, &length);
		g_assert_cmpuint (length,
				  ==,
				  cf_srtp_suite_get_key_length (suites[i])
					  + cf_srtp_suite_get_salt_length (suites[i]));
		assert_key (again, key, length);
		cf_sdes_crypto_get_key_salt (again, &again_length);
		g_assert_cmpuint (again_length, ==, length);
	}
}

/* Generated keys are fresh: two never match, and are not all zero. */
static void
test_generate (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdesCrypto) a =
		cf_sdes_crypto_generate (1, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, &error);
	g_autoptr (CfSdesCrypto) b =
		cf_sdes_crypto_generate (1, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, &error);
	g_autoptr (CfSdesCrypto) c =
		cf_sdes_crypto_generate (1, CF_SRTP_SUITE_AEAD_AES_128_GCM, &error);
	const guint8 zero[30] = {0};
	gsize a_length, b_length, c_length;
	const guint8 *ka = cf_sdes_crypto_get_key_salt (a, &a_length);
	const guint8 *kb = cf_sdes_crypto_get_key_salt (b, &b_length);
	const guint8 *kc = cf_sdes_crypto_get_key_salt (c, &c_length);

	g_assert_no_error (error);
	g_assert_cmpuint (a_length, ==, 30);
	g_assert_cmpuint (b_length, ==, 30);
	/* RFC 7714 §14.1: 16-byte key, 12-byte salt */
	g_assert_cmpuint (c_length, ==, 28);
	g_assert_true (memcmp (ka, kb, 30) != 0);
	g_assert_true (memcmp (ka, zero, 30) != 0);
	g_assert_true (memcmp (kc, zero, 28) != 0);

	g_assert_null (cf_sdes_crypto_generate (1, (CfSrtpSuite)9, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_UNKNOWN_SUITE);
}

static void
test_new (void)
{
	g_autoptr (GError) error = NULL;
	guint8 key[30] = {1, 2, 3};
	g_autoptr (CfSdesCrypto) crypto =
		cf_sdes_crypto_new (42, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, key, 30, &error);
	char *printed;

	g_assert_no_error (error);
	assert_key (crypto, key, 30);
	printed = cf_sdes_crypto_print (crypto);
	g_assert_cmpstr (
		printed,
		==,
		"42 AES_CM_128_HMAC_SHA1_32 inline:AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	cf_sdes_secret_free (printed);

	g_assert_null (cf_sdes_crypto_new (1, CF_SRTP_SUITE_AEAD_AES_128_GCM, key, 30, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_KEY_LENGTH);
	g_clear_error (&error);
	g_assert_null (
		cf_sdes_crypto_new (1, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, key, 28, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_KEY_LENGTH);
	g_clear_error (&error);
	g_assert_null (cf_sdes_crypto_new (
		1000000000, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, key, 30, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_null (cf_sdes_crypto_new (1, (CfSrtpSuite)3, key, 30, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_UNKNOWN_SUITE);
	g_clear_error (&error);

	cf_sdes_crypto_free (NULL);
	cf_sdes_secret_free (NULL);
}

static void
test_set_lifetime (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdesCrypto) crypto = parse_ok (
		"1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd");
	const struct {
		guint64 lifetime;
		const char *printed;
	} cases[] = {
		{1 << 20,
		 "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20"},
		{1000,
		 "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|1000"},
		{CF_SDES_MAX_LIFETIME,
		 "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^48"},
		{0, "1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		char *printed;

		g_assert_true (cf_sdes_crypto_set_lifetime (crypto, cases[i].lifetime, &error));
		g_assert_no_error (error);
		printed = cf_sdes_crypto_print (crypto);
		g_assert_cmpstr (printed, ==, cases[i].printed);
		cf_sdes_secret_free (printed);
		g_assert_cmpint (
			cf_sdes_crypto_get_lifetime (crypto, NULL), ==, cases[i].lifetime != 0);
	}
	g_assert_false (cf_sdes_crypto_set_lifetime (crypto, CF_SDES_MAX_LIFETIME + 1, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_LIMIT);
}

/* ---- Malformed lines ------------------------------------------------------ */

#define KEY30 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"
#define KEY28 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=="

static void
test_malformed (void)
{
	const struct {
		const char *value;
		CfSdesError code;
	} cases[] = {
		/* structure */
		{"", CF_SDES_ERROR_INVALID},
		{"1", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80", CF_SDES_ERROR_INVALID},
		{"AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "\r\n", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " \x01", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " caf\xc3\xa9", CF_SDES_ERROR_INVALID},
		/* tag = 1*9DIGIT */
		{"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_INVALID},
		{"-1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_INVALID},
		{"1a AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_INVALID},
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_INVALID},
		/* suites */
		{"1 F8_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_UNKNOWN_SUITE},
		{"1 AES_256_CM_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_UNKNOWN_SUITE},
		{"1 NO_SUCH_SUITE_THAT_IS_MUCH_LONGER_THAN_ANY_REAL_ONE_CAN_BE_AT_ALL_REALLY "
		 "inline:" KEY30,
		 CF_SDES_ERROR_UNKNOWN_SUITE},
		{"1 AES-CM-128 inline:" KEY30, CF_SDES_ERROR_INVALID},
		/* key method */
		{"1 AES_CM_128_HMAC_SHA1_80 " KEY30, CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 :" KEY30, CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 uri:" KEY30, CF_SDES_ERROR_UNSUPPORTED},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 ";inline:" KEY30,
		 CF_SDES_ERROR_UNSUPPORTED},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 ";", CF_SDES_ERROR_INVALID},
		/* bad base64 */
		{"1 AES_CM_128_HMAC_SHA1_80 inline:", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx!d",
		 CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0O-xAREhMUFRYXGBkaGxwd",
		 CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw=d",
		 CF_SDES_ERROR_INVALID},
		{"1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw=",
		 CF_SDES_ERROR_INVALID},
		{"1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGw===",
		 CF_SDES_ERROR_INVALID},
		/* non-zero unused bits in the last character */
		{"1 AEAD_AES_128_GCM inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx==",
		 CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdA",
		 CF_SDES_ERROR_INVALID},
		/* wrong key length */
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY28, CF_SDES_ERROR_KEY_LENGTH},
		{"1 AES_CM_128_HMAC_SHA1_32 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
		 CF_SDES_ERROR_KEY_LENGTH},
		{"1 AEAD_AES_128_GCM inline:" KEY30, CF_SDES_ERROR_KEY_LENGTH},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", CF_SDES_ERROR_KEY_LENGTH},
		/* lifetime */
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|0", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^x", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|3^20", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|-5", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^49", CF_SDES_ERROR_LIMIT},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^1000", CF_SDES_ERROR_LIMIT},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|281474976710657", CF_SDES_ERROR_LIMIT},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|99999999999999999999999999",
		 CF_SDES_ERROR_LIMIT},
		/* MKI */
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:0", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:129", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:0004", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|:4", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|a:4", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:4:4", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|1:4|2^20", CF_SDES_ERROR_INVALID},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|256:1", CF_SDES_ERROR_LIMIT},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|18446744073709551616:16",
		 CF_SDES_ERROR_LIMIT},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4|5", CF_SDES_ERROR_INVALID},
		/* too many session parameters */
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " a b c d e f g h i j k l m n o p q",
		 CF_SDES_ERROR_LIMIT},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSdesCrypto) crypto = cf_sdes_crypto_parse (cases[i].value, &error);

		g_test_message ("%u: %s", i, cases[i].value);
		g_assert_null (crypto);
		g_assert_error (error, CF_SDES_ERROR, (int)cases[i].code);
		/* no key material in messages */
		g_assert_null (strstr (error->message, "AAECAwQF"));
	}
}

static void
test_too_long (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) value = g_string_new ("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30);
	g_autoptr (CfSdesCrypto) crypto = NULL;

	/* CF_SDES_MAX_SESSION_PARAMS session parameters, CF_SDES_MAX_LENGTH
	 * bytes exactly: accepted */
	for (guint i = 0; i < CF_SDES_MAX_SESSION_PARAMS; i++)
		g_string_append (value, " -P");
	while (value->len < CF_SDES_MAX_LENGTH)
		g_string_append_c (value, 'X');
	g_assert_cmpuint (value->len, ==, CF_SDES_MAX_LENGTH);
	crypto = cf_sdes_crypto_parse (value->str, &error);
	g_assert_no_error (error);
	g_assert_nonnull (crypto);
	g_clear_pointer (&crypto, cf_sdes_crypto_free);

	g_string_append_c (value, 'X');
	crypto = cf_sdes_crypto_parse (value->str, &error);
	g_assert_null (crypto);
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_LIMIT);
}

/* ---- Offer / answer ------------------------------------------------------- */

static void
test_acceptable (void)
{
	const struct {
		const char *params;
		gboolean acceptable;
	} cases[] = {
		{"", TRUE},
		{"KDR=0", TRUE},
		{"kdr=00", TRUE},
		{"KDR=1", FALSE},
		{"KDR=", FALSE},
		{"KDR=000", FALSE},
		{"WSH=64", TRUE},
		{"FEC_ORDER=FEC_SRTP", TRUE},
		{"FEC_ORDER=SRTP_FEC", TRUE},
		{"FEC_KEY=inline:" KEY30, TRUE},
		{"-WHATEVER=1", TRUE},
		{"UNENCRYPTED_SRTP", FALSE},
		{"UNENCRYPTED_SRTCP", FALSE},
		{"UNAUTHENTICATED_SRTP", FALSE},
		{"WSH=64 UNENCRYPTED_SRTCP", FALSE},
		{"SOMETHING_NEW", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autofree char *value = g_strdup_printf (
			"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 " %s", cases[i].params);
		g_autoptr (CfSdesCrypto) crypto = parse_ok (value);
		gboolean ok = cf_sdes_crypto_is_acceptable (crypto, &error);

		g_test_message ("%s", cases[i].params);
		g_assert_cmpint (ok, ==, cases[i].acceptable);
		if (ok)
			g_assert_no_error (error);
		else
			g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_UNSUPPORTED);
	}
}

static void
assert_selects (const char *const *offered, guint expected_index, CfSrtpSuite expected_suite)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdesCrypto) remote = NULL;
	g_autoptr (CfSdesCrypto) local = NULL;
	g_autoptr (CfSdesCrypto) offered_line = NULL;
	guint index = G_MAXUINT;
	const guint8 *key;
	gsize length;

	g_assert_true (cf_sdes_select (offered, &remote, &local, &index, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (index, ==, expected_index);
	offered_line = parse_ok (offered[expected_index]);
	g_assert_cmpint (cf_sdes_crypto_get_suite (remote), ==, expected_suite);
	g_assert_cmpint (cf_sdes_crypto_get_suite (local), ==, expected_suite);
	g_assert_cmpuint (
		cf_sdes_crypto_get_tag (remote), ==, cf_sdes_crypto_get_tag (offered_line));
	g_assert_cmpuint (
		cf_sdes_crypto_get_tag (local), ==, cf_sdes_crypto_get_tag (offered_line));
	key = cf_sdes_crypto_get_key_salt (offered_line, &length);
	assert_key (remote, key, length);
	g_assert_cmpstrv (cf_sdes_crypto_get_session_params (local), ((const char *[]){NULL}));
}

static void
test_select (void)
{
	const char *aes32 = "1 AES_CM_128_HMAC_SHA1_32 inline:" KEY30;
	const char *aes80 = "2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30;
	const char *gcm = "3 AEAD_AES_128_GCM inline:" KEY28;
	const char *gcm_bis = "4 AEAD_AES_128_GCM inline:" KEY28 "|2^31";
	const char *unencrypted = "5 AEAD_AES_128_GCM inline:" KEY28 " UNENCRYPTED_SRTP";
	const char *garbage = "6 AES_CM_128_HMAC_SHA1_80 inline:!!!";
	const char *unknown = "7 AES_256_CM_HMAC_SHA1_80 inline:" KEY30;
	const char *with_mki = "8 AES_CM_128_HMAC_SHA1_80 inline:" KEY30 "|2^20|1:4";
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) many = g_ptr_array_new ();

	/* AEAD_AES_128_GCM first, then AES_CM_128_HMAC_SHA1_80, then _32 */
	assert_selects (
		(const char *[]){aes32, aes80, gcm, NULL}, 2, CF_SRTP_SUITE_AEAD_AES_128_GCM);
	assert_selects ((const char *[]){gcm, aes80, NULL}, 0, CF_SRTP_SUITE_AEAD_AES_128_GCM);
	assert_selects (
		(const char *[]){aes32, aes80, NULL}, 1, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_selects ((const char *[]){aes32, NULL}, 0, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32);
	/* among lines of one suite, the first */
	assert_selects (
		(const char *[]){aes80, gcm_bis, gcm, NULL}, 1, CF_SRTP_SUITE_AEAD_AES_128_GCM);
	/* unusable lines are skipped */
	assert_selects ((const char *[]){unencrypted, garbage, unknown, aes32, NULL},
			3,
			CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32);
	assert_selects ((const char *[]){with_mki, NULL}, 0, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80);

	/* nothing acceptable */
	g_assert_false (cf_sdes_select (
		(const char *[]){unencrypted, garbage, unknown, NULL}, NULL, NULL, NULL, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_NOT_ACCEPTABLE);
	g_clear_error (&error);
	g_assert_false (cf_sdes_select ((const char *[]){NULL}, NULL, NULL, NULL, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_NOT_ACCEPTABLE);
	g_clear_error (&error);
	g_assert_false (cf_sdes_select (NULL, NULL, NULL, NULL, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_NOT_ACCEPTABLE);
	g_clear_error (&error);

	/* only the first CF_SDES_MAX_OFFERED lines are looked at */
	for (guint i = 0; i < CF_SDES_MAX_OFFERED; i++)
		g_ptr_array_add (many, (gpointer)aes32);
	g_ptr_array_add (many, (gpointer)gcm);
	g_ptr_array_add (many, NULL);
	assert_selects ((const char *const *)many->pdata, 0, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32);
	for (guint i = 0; i < CF_SDES_MAX_OFFERED; i++)
		many->pdata[i] = (gpointer)garbage;
	g_assert_false (
		cf_sdes_select ((const char *const *)many->pdata, NULL, NULL, NULL, &error));
	g_assert_error (error, CF_SDES_ERROR, CF_SDES_ERROR_NOT_ACCEPTABLE);
}

static void
test_find_answered (void)
{
	g_autoptr (CfSdesCrypto) gcm = parse_ok ("1 AEAD_AES_128_GCM inline:" KEY28);
	g_autoptr (CfSdesCrypto) aes80 = parse_ok ("2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30);
	CfSdesCrypto *offers[] = {gcm, aes80};
	const struct {
		const char *answer;
		int code; /* -1: matches */
		guint index;
	} cases[] = {
		{"2 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, -1, 1},
		{"1 AEAD_AES_128_GCM inline:" KEY28 " WSH=128", -1, 0},
		{"3 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_NO_MATCH, 0},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY30, CF_SDES_ERROR_NO_MATCH, 0},
		{"1 AEAD_AES_128_GCM inline:" KEY28 " UNENCRYPTED_SRTCP",
		 CF_SDES_ERROR_UNSUPPORTED,
		 0},
		{"1 AEAD_AES_128_GCM inline:" KEY30, CF_SDES_ERROR_KEY_LENGTH, 0},
		{"garbage", CF_SDES_ERROR_INVALID, 0},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSdesCrypto) answer = NULL;
		guint index = G_MAXUINT;
		gboolean ok =
			cf_sdes_find_answered (offers, 2, cases[i].answer, &answer, &index, &error);

		g_test_message ("%s", cases[i].answer);
		if (cases[i].code < 0) {
			g_assert_no_error (error);
			g_assert_true (ok);
			g_assert_cmpuint (index, ==, cases[i].index);
			g_assert_nonnull (answer);
		} else {
			g_assert_false (ok);
			g_assert_error (error, CF_SDES_ERROR, cases[i].code);
			g_assert_null (answer);
			g_assert_cmpuint (index, ==, G_MAXUINT);
		}
	}
}

/* ---- SDES keys into SRTP -------------------------------------------------- */

static void
send_and_check (CfSrtpSession *tx, CfSrtpSession *rx, guint16 seq, gboolean expect_ok)
{
	g_autoptr (GError) error = NULL;
	guint8 plain[128], buf[128];
	gsize plain_length = 12 + 40;
	gsize length;

	memset (plain, 0, sizeof (plain));
	plain[0] = 0x80;
	plain[1] = 111;
	plain[2] = (guint8)(seq >> 8);
	plain[3] = (guint8)seq;
	plain[11] = 0x42;
	for (guint i = 12; i < plain_length; i++)
		plain[i] = (guint8)i;
	memcpy (buf, plain, plain_length);
	g_assert_true (
		cf_srtp_session_protect_rtp (tx, buf, plain_length, sizeof (buf), &length, &error));
	g_assert_no_error (error);
	if (!expect_ok) {
		g_assert_false (cf_srtp_session_unprotect_rtp (rx, buf, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		return;
	}
	g_assert_true (cf_srtp_session_unprotect_rtp (rx, buf, length, &length, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (buf, length, plain, plain_length);
}

/* A whole SDES exchange: the offerer offers GCM and AES_CM_80 with fresh
 * keys, the answerer selects and answers, both key SRTP sessions from the
 * lines, and media flows both ways; each direction has its own key. */
static void
test_offer_answer_to_srtp (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdesCrypto) offer_gcm =
		cf_sdes_crypto_generate (1, CF_SRTP_SUITE_AEAD_AES_128_GCM, &error);
	g_autoptr (CfSdesCrypto) offer_aes =
		cf_sdes_crypto_generate (2, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, &error);
	CfSdesCrypto *offers[] = {offer_aes, offer_gcm};
	char *offered[3];
	g_autoptr (CfSdesCrypto) remote = NULL;
	g_autoptr (CfSdesCrypto) local = NULL;
	g_autoptr (CfSdesCrypto) answered = NULL;
	char *answer;
	guint selected = 99, answered_index = 99;
	g_autoptr (CfSrtpSession) offerer_tx = NULL;
	g_autoptr (CfSrtpSession) offerer_rx = NULL;
	g_autoptr (CfSrtpSession) answerer_tx = NULL;
	g_autoptr (CfSrtpSession) answerer_rx = NULL;
	g_autoptr (CfSrtpSession) answerer_wrong_rx = NULL;

	g_assert_no_error (error);
	offered[0] = cf_sdes_crypto_print (offer_aes);
	offered[1] = cf_sdes_crypto_print (offer_gcm);
	offered[2] = NULL;

	/* answerer */
	g_assert_true (
		cf_sdes_select ((const char *const *)offered, &remote, &local, &selected, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (selected, ==, 1);
	answer = cf_sdes_crypto_print (local);
	answerer_tx = cf_sdes_crypto_new_srtp_session (local, CF_SRTP_DIRECTION_OUTBOUND, &error);
	g_assert_no_error (error);
	answerer_rx = cf_sdes_crypto_new_srtp_session (remote, CF_SRTP_DIRECTION_INBOUND, &error);
	g_assert_no_error (error);
	/* the answerer's own key cannot read the offerer's media */
	answerer_wrong_rx =
		cf_sdes_crypto_new_srtp_session (local, CF_SRTP_DIRECTION_INBOUND, &error);
	g_assert_no_error (error);

	/* offerer */
	g_assert_true (
		cf_sdes_find_answered (offers, 2, answer, &answered, &answered_index, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (answered_index, ==, 1);
	g_assert_cmpint (cf_sdes_crypto_get_suite (answered), ==, CF_SRTP_SUITE_AEAD_AES_128_GCM);
	offerer_tx = cf_sdes_crypto_new_srtp_session (
		offers[answered_index], CF_SRTP_DIRECTION_OUTBOUND, &error);
	g_assert_no_error (error);
	offerer_rx = cf_sdes_crypto_new_srtp_session (answered, CF_SRTP_DIRECTION_INBOUND, &error);
	g_assert_no_error (error);

	for (guint16 seq = 1; seq <= 5; seq++) {
		send_and_check (offerer_tx, answerer_rx, seq, TRUE);
		send_and_check (answerer_tx, offerer_rx, seq, TRUE);
	}
	send_and_check (offerer_tx, answerer_wrong_rx, 6, FALSE);

	cf_sdes_secret_free (answer);
	cf_sdes_secret_free (offered[0]);
	cf_sdes_secret_free (offered[1]);
}

/* An offered MKI is carried in every packet of that direction. */
static void
test_mki_to_srtp (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdesCrypto) line = parse_ok (rfc4568_s61_mki);
	g_autoptr (CfSrtpSession) tx =
		cf_sdes_crypto_new_srtp_session (line, CF_SRTP_DIRECTION_OUTBOUND, &error);
	g_autoptr (CfSrtpSession) rx =
		cf_sdes_crypto_new_srtp_session (line, CF_SRTP_DIRECTION_INBOUND, &error);
	g_autoptr (CfSdesCrypto) no_mki = NULL;
	g_autoptr (CfSrtpSession) rx_no_mki = NULL;
	gsize length;
	const guint8 *key;

	g_assert_no_error (error);
	g_assert_cmpuint (cf_srtp_session_get_rtp_overhead (tx), ==, 10 + 4);
	send_and_check (tx, rx, 1, TRUE);

	key = cf_sdes_crypto_get_key_salt (line, &length);
	no_mki = cf_sdes_crypto_new (1, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, key, length, &error);
	g_assert_no_error (error);
	rx_no_mki = cf_sdes_crypto_new_srtp_session (no_mki, CF_SRTP_DIRECTION_INBOUND, &error);
	g_assert_no_error (error);
	send_and_check (tx, rx_no_mki, 2, FALSE);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/sdes/rfc4568-examples", test_rfc4568_examples);
	g_test_add_func ("/confab/media/sdes/rfc4568-offer-answer", test_rfc4568_offer_answer);
	g_test_add_func ("/confab/media/sdes/round-trip", test_round_trip);
	g_test_add_func ("/confab/media/sdes/generate", test_generate);
	g_test_add_func ("/confab/media/sdes/new", test_new);
	g_test_add_func ("/confab/media/sdes/set-lifetime", test_set_lifetime);
	g_test_add_func ("/confab/media/sdes/malformed", test_malformed);
	g_test_add_func ("/confab/media/sdes/too-long", test_too_long);
	g_test_add_func ("/confab/media/sdes/acceptable", test_acceptable);
	g_test_add_func ("/confab/media/sdes/select", test_select);
	g_test_add_func ("/confab/media/sdes/find-answered", test_find_answered);
	g_test_add_func ("/confab/media/sdes/offer-answer-to-srtp", test_offer_answer_to_srtp);
	g_test_add_func ("/confab/media/sdes/mki-to-srtp", test_mki_to_srtp);

	return g_test_run ();
}
