/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-srtp"

#include <string.h>

#include "cf-srtp.h"

/* ---- Helpers ------------------------------------------------------------ */

/* Decodes @hex (spaces ignored) into @buf; returns the number of bytes. */
static gsize
unhex (const char *hex, guint8 *buf, gsize size)
{
	gsize n = 0;
	int high = -1;

	for (; *hex != '\0'; hex++) {
		int v;

		if (*hex == ' ' || *hex == '\n')
			continue;
		v = g_ascii_xdigit_value (*hex);
		g_assert_cmpint (v, >=, 0);
		if (high < 0) {
			high = v;
			continue;
		}
		g_assert_cmpuint (n, <, size);
		buf[n++] = (guint8)(high << 4 | v);
		high = -1;
	}
	g_assert_cmpint (high, ==, -1);
	return n;
}

static CfSrtpSession *
session_new (CfSrtpDirection direction, CfSrtpSuite suite, const char *key_hex)
{
	g_autoptr (GError) error = NULL;
	guint8 key[64];
	gsize key_length = unhex (key_hex, key, sizeof (key));
	CfSrtpSession *session =
		cf_srtp_session_new (direction, suite, key, key_length, NULL, 0, &error);

	g_assert_no_error (error);
	g_assert_nonnull (session);
	return session;
}

/* A test RTP packet: version 2, PT 96, @seq, timestamp, @ssrc, and
 * @payload_length bytes of a pattern; returns its length. */
static gsize
make_rtp (guint8 *buf, guint16 seq, guint32 ssrc, gsize payload_length)
{
	buf[0] = 0x80;
	buf[1] = 96;
	buf[2] = (guint8)(seq >> 8);
	buf[3] = (guint8)seq;
	buf[4] = 0x12;
	buf[5] = 0x34;
	buf[6] = (guint8)(seq >> 8);
	buf[7] = (guint8)seq;
	buf[8] = (guint8)(ssrc >> 24);
	buf[9] = (guint8)(ssrc >> 16);
	buf[10] = (guint8)(ssrc >> 8);
	buf[11] = (guint8)ssrc;
	for (gsize i = 0; i < payload_length; i++)
		buf[12 + i] = (guint8)(i * 7 + seq);
	return 12 + payload_length;
}

/* A receiver report (RFC 3550 §6.4.2) with one report block. */
static gsize
make_rtcp (guint8 *buf, guint32 ssrc)
{
	memset (buf, 0, 32);
	buf[0] = 0x81;
	buf[1] = 201;
	buf[2] = 0;
	buf[3] = 7;
	buf[4] = (guint8)(ssrc >> 24);
	buf[5] = (guint8)(ssrc >> 16);
	buf[6] = (guint8)(ssrc >> 8);
	buf[7] = (guint8)ssrc;
	for (guint i = 8; i < 32; i++)
		buf[i] = (guint8)(i * 3);
	return 32;
}

static const CfSrtpSuite all_suites[] = {
	CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
	CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
	CF_SRTP_SUITE_AEAD_AES_128_GCM,
	CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
	CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32,
};

/* 30 bytes: the AES_CM suites' key || salt (the GCM suite uses 28). */
static const char test_key_hex[] = "000102030405060708090a0b0c0d0e0f"
				   "101112131415161718191a1b1c1d";
/* 46 bytes: the AES_256_CM suites' 32-byte key || 14-byte salt. */
static const char test_key_256_hex[] = "202122232425262728292a2b2c2d2e2f"
				       "303132333435363738393a3b3c3d3e3f"
				       "404142434445464748494a4b4c4d";

static const char *
key_for (CfSrtpSuite suite)
{
	/* the GCM suite takes the first 28 bytes (16 + 12) */
	static char gcm_key[57];

	if (suite == CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80
	    || suite == CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32)
		return test_key_256_hex;
	if (suite != CF_SRTP_SUITE_AEAD_AES_128_GCM)
		return test_key_hex;
	memcpy (gcm_key, test_key_hex, 56);
	gcm_key[56] = '\0';
	return gcm_key;
}

/* ---- Suites --------------------------------------------------------------- */

static void
test_suites (void)
{
	CfSrtpSuite suite;

	/* RFC 4568 §6.2, RFC 7714 §14.1 */
	g_assert_cmpstr (cf_srtp_suite_to_string (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80),
			 ==,
			 "AES_CM_128_HMAC_SHA1_80");
	g_assert_cmpstr (cf_srtp_suite_to_string (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32),
			 ==,
			 "AES_CM_128_HMAC_SHA1_32");
	g_assert_cmpstr (
		cf_srtp_suite_to_string (CF_SRTP_SUITE_AEAD_AES_128_GCM), ==, "AEAD_AES_128_GCM");
	/* RFC 6188 §7.1 */
	g_assert_cmpstr (cf_srtp_suite_to_string (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80),
			 ==,
			 "AES_256_CM_HMAC_SHA1_80");
	g_assert_cmpstr (cf_srtp_suite_to_string (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32),
			 ==,
			 "AES_256_CM_HMAC_SHA1_32");
	g_assert_cmpuint (G_N_ELEMENTS (all_suites), ==, CF_SRTP_N_SUITES);
	for (guint i = 0; i < G_N_ELEMENTS (all_suites); i++) {
		gboolean aes_256 = all_suites[i] == CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80
				   || all_suites[i] == CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32;

		g_assert_true (cf_srtp_suite_from_string (cf_srtp_suite_to_string (all_suites[i]),
							  &suite));
		g_assert_cmpint (suite, ==, all_suites[i]);
		g_assert_cmpuint (
			cf_srtp_suite_get_key_length (all_suites[i]), ==, aes_256 ? 32 : 16);
		g_assert_cmpuint (cf_srtp_suite_get_key_length (all_suites[i])
					  + cf_srtp_suite_get_salt_length (all_suites[i]),
				  <=,
				  CF_SRTP_MAX_KEY_SALT_LENGTH);
	}
	/* the values the existing suites had before RFC 6188's were appended */
	g_assert_cmpint (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, ==, 0);
	g_assert_cmpint (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32, ==, 1);
	g_assert_cmpint (CF_SRTP_SUITE_AEAD_AES_128_GCM, ==, 2);
	g_assert_true (cf_srtp_suite_from_string ("aes_256_cm_hmac_sha1_32", &suite));
	g_assert_cmpint (suite, ==, CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32);
	g_assert_false (cf_srtp_suite_from_string ("AES_192_CM_HMAC_SHA1_80", &suite));
	g_assert_false (cf_srtp_suite_from_string ("AEAD_AES_256_GCM", &suite));
	g_assert_true (cf_srtp_suite_from_string ("aead_aes_128_gcm", &suite));
	g_assert_cmpint (suite, ==, CF_SRTP_SUITE_AEAD_AES_128_GCM);
	g_assert_false (cf_srtp_suite_from_string ("F8_128_HMAC_SHA1_80", &suite));
	g_assert_false (cf_srtp_suite_from_string ("AES_CM_128_HMAC_SHA1_8", &suite));
	g_assert_false (cf_srtp_suite_from_string ("", &suite));
	g_assert_false (cf_srtp_suite_from_string (NULL, &suite));

	g_assert_cmpuint (
		cf_srtp_suite_get_salt_length (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), ==, 14);
	g_assert_cmpuint (
		cf_srtp_suite_get_salt_length (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32), ==, 14);
	g_assert_cmpuint (cf_srtp_suite_get_salt_length (CF_SRTP_SUITE_AEAD_AES_128_GCM), ==, 12);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtp_tag_length (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), ==, 10);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtp_tag_length (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32), ==, 4);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtp_tag_length (CF_SRTP_SUITE_AEAD_AES_128_GCM), ==, 16);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtcp_overhead (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80), ==, 14);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtcp_overhead (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32), ==, 14);
	g_assert_cmpuint (cf_srtp_suite_get_rtcp_overhead (CF_SRTP_SUITE_AEAD_AES_128_GCM), ==, 20);
	g_assert_cmpuint (
		cf_srtp_suite_get_salt_length (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80), ==, 14);
	g_assert_cmpuint (
		cf_srtp_suite_get_salt_length (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32), ==, 14);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtp_tag_length (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80), ==, 10);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtp_tag_length (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32), ==, 4);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtcp_overhead (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80), ==, 14);
	g_assert_cmpuint (
		cf_srtp_suite_get_rtcp_overhead (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32), ==, 14);
}

/* ---- Known answers ---------------------------------------------------------
 *
 * RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (derived session keys)
 * work on session keys, which libsrtp's public API never exposes: every
 * key it takes is a master key that goes through the key derivation.
 * RFC 7714 §16-17 likewise give their AEAD_AES_128_GCM packets for a
 * session key and salt used directly, without the key derivation, so they
 * cannot be reached through libsrtp either. The vectors below are complete
 * packets from libsrtp's own test suite (test/srtp_driver.c,
 * srtp_validate() and srtp_validate_gcm()): a fixed master key and salt
 * and a fixed packet give exactly these protected bytes. The AES_CM master
 * key and salt are those of RFC 3711 Appendix B.3. */

/* RFC 3711 B.3 master key E1F97A0D3E018BE0D64FA32C06DE4139 and master salt
 * 0EC675AD498AFEEBB6960B3AABE6 */
static const char kat_key_aes_cm[] = "e1f97a0d3e018be0d64fa32c06de4139"
				     "0ec675ad498afeebb6960b3aabe6";
/* RTP: V=2, PT 15, seq 0x1234, ts 0xdecafbad, SSRC 0xcafebabe, 16 x 0xab */
static const char kat_rtp_plain[] = "800f1234 decafbad cafebabe"
				    "abababab abababab abababab abababab";
static const char kat_srtp_aes_cm_80[] = "800f1234 decafbad cafebabe"
					 "4e55dc4c e79978d8 8ca4d215 949d2402"
					 "b78d6acc 99ea179b 8dbb";
/* RTCP: SR header, SSRC 0xcafebabe, 16 x 0xab */
static const char kat_rtcp_plain[] = "81c8000b cafebabe"
				     "abababab abababab abababab abababab";
static const char kat_srtcp_aes_cm_80[] = "81c8000b cafebabe"
					  "7128035b e487b9bd bef89041 f977a5a8"
					  "80000001 993e08cd 54d6c123 0798";

/* AEAD_AES_128_GCM: master key 000102..0f, master salt a0a1..ab */
static const char kat_key_gcm[] = "000102030405060708090a0b0c0d0e0f"
				  "a0a1a2a3a4a5a6a7a8a9aaab";
static const char kat_srtp_gcm[] = "800f1234 decafbad cafebabe"
				   "c5002ede 04cfdd2e b91159e0 880aa06e"
				   "d2976826 f796b201 df3131a1 27e8a392";
static const char kat_srtcp_gcm[] = "81c8000b cafebabe"
				    "c98b8b5d f0392a55 852b6c21 ac8e7025"
				    "c52c6fbe a2b3b446 ea31123b a88ce61e"
				    "80000001";

/* Protects @plain_hex with an outbound session and compares with
 * @expected_hex byte for byte; then unprotects @expected_hex with an inbound
 * session and compares with @plain_hex. */
static void
check_known_answer (CfSrtpSuite suite,
		    const char *key_hex,
		    gboolean rtcp,
		    const char *plain_hex,
		    const char *expected_hex)
{
	g_autoptr (CfSrtpSession) tx = session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_hex);
	g_autoptr (CfSrtpSession) rx = session_new (CF_SRTP_DIRECTION_INBOUND, suite, key_hex);
	g_autoptr (GError) error = NULL;
	guint8 plain[256], expected[256], buf[256];
	gsize plain_length = unhex (plain_hex, plain, sizeof (plain));
	gsize expected_length = unhex (expected_hex, expected, sizeof (expected));
	gsize length = 0;
	gboolean ok;

	memcpy (buf, plain, plain_length);
	if (rtcp)
		ok = cf_srtp_session_protect_rtcp (
			tx, buf, plain_length, sizeof (buf), &length, &error);
	else
		ok = cf_srtp_session_protect_rtp (
			tx, buf, plain_length, sizeof (buf), &length, &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	g_assert_cmpmem (buf, length, expected, expected_length);

	memcpy (buf, expected, expected_length);
	if (rtcp)
		ok = cf_srtp_session_unprotect_rtcp (rx, buf, expected_length, &length, &error);
	else
		ok = cf_srtp_session_unprotect_rtp (rx, buf, expected_length, &length, &error);
	g_assert_no_error (error);
	g_assert_true (ok);
	g_assert_cmpmem (buf, length, plain, plain_length);
}

static void
test_kat_aes_cm_80 (void)
{
	check_known_answer (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
			    kat_key_aes_cm,
			    FALSE,
			    kat_rtp_plain,
			    kat_srtp_aes_cm_80);
	check_known_answer (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
			    kat_key_aes_cm,
			    TRUE,
			    kat_rtcp_plain,
			    kat_srtcp_aes_cm_80);
}

/* AES_CM_128_HMAC_SHA1_32 differs from _80 only in the length of the SRTP
 * tag (RFC 4568 §6.2.2; RFC 3711 §4.2.1: the tag is the HMAC-SHA1 output
 * truncated), with the same derived keys: the same vector, with the tag cut
 * to its first 4 bytes. SRTCP keeps the 80-bit tag: the same SRTCP vector. */
static void
test_kat_aes_cm_32 (void)
{
	g_autofree char *srtp_32 = g_strndup (
		kat_srtp_aes_cm_80, strlen (kat_srtp_aes_cm_80) - strlen (" 99ea179b 8dbb"));

	g_assert_true (g_str_has_suffix (srtp_32, "b78d6acc"));
	check_known_answer (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
			    kat_key_aes_cm,
			    FALSE,
			    kat_rtp_plain,
			    srtp_32);
	check_known_answer (CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
			    kat_key_aes_cm,
			    TRUE,
			    kat_rtcp_plain,
			    kat_srtcp_aes_cm_80);
}

/* AES_256_CM_HMAC_SHA1_80: libsrtp's srtp_validate_aes_256() packet (the
 * same RTP packet as above, master key f0f0..b6 and salt 3b04..d2). The _32
 * suite gives the same packet with the tag cut to its first 4 bytes. */
static const char kat_key_aes_256_cm[] = "f0f04914b513f2763a1b1fa130f10e29"
					 "98f6f6e43e4309d1e622a0e332b9f1b6"
					 "3b04803de51ee7c96423ab5b78d2";
static const char kat_srtp_aes_256_cm_80[] = "800f1234 decafbad cafebabe"
					     "f1d9de17 ff251ff1 aa007774 b0b4b40d"
					     "a08d9d9a 5b3a55d8 873b";
static const char kat_srtp_aes_256_cm_32[] = "800f1234 decafbad cafebabe"
					     "f1d9de17 ff251ff1 aa007774 b0b4b40d"
					     "a08d9d9a";

static void
test_kat_aes_256_cm (void)
{
	check_known_answer (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
			    kat_key_aes_256_cm,
			    FALSE,
			    kat_rtp_plain,
			    kat_srtp_aes_256_cm_80);
	check_known_answer (CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32,
			    kat_key_aes_256_cm,
			    FALSE,
			    kat_rtp_plain,
			    kat_srtp_aes_256_cm_32);
}

static void
test_kat_aead_aes_128_gcm (void)
{
	check_known_answer (
		CF_SRTP_SUITE_AEAD_AES_128_GCM, kat_key_gcm, FALSE, kat_rtp_plain, kat_srtp_gcm);
	check_known_answer (
		CF_SRTP_SUITE_AEAD_AES_128_GCM, kat_key_gcm, TRUE, kat_rtcp_plain, kat_srtcp_gcm);
}

/* ---- Round trips ------------------------------------------------------------ */

static void
test_round_trip (void)
{
	for (guint s = 0; s < G_N_ELEMENTS (all_suites); s++) {
		CfSrtpSuite suite = all_suites[s];
		g_autoptr (CfSrtpSession) tx =
			session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_for (suite));
		g_autoptr (CfSrtpSession) rx =
			session_new (CF_SRTP_DIRECTION_INBOUND, suite, key_for (suite));
		const gsize payloads[] = {0, 1, 15, 16, 17, 160, 1200};

		g_test_message ("%s", cf_srtp_suite_to_string (suite));
		g_assert_cmpint (cf_srtp_session_get_suite (tx), ==, suite);
		g_assert_cmpint (
			cf_srtp_session_get_direction (tx), ==, CF_SRTP_DIRECTION_OUTBOUND);
		g_assert_cmpint (cf_srtp_session_get_direction (rx), ==, CF_SRTP_DIRECTION_INBOUND);
		g_assert_cmpuint (cf_srtp_session_get_rtp_overhead (tx),
				  ==,
				  cf_srtp_suite_get_rtp_tag_length (suite));
		g_assert_cmpuint (cf_srtp_session_get_rtcp_overhead (tx),
				  ==,
				  cf_srtp_suite_get_rtcp_overhead (suite));

		for (guint i = 0; i < G_N_ELEMENTS (payloads); i++) {
			g_autoptr (GError) error = NULL;
			guint8 plain[1500], buf[1500];
			gsize plain_length =
				make_rtp (plain, (guint16)(1000 + i), 0x11223344, payloads[i]);
			gsize length = 0;

			memcpy (buf, plain, plain_length);
			g_assert_true (cf_srtp_session_protect_rtp (
				tx, buf, plain_length, sizeof (buf), &length, &error));
			g_assert_no_error (error);
			g_assert_cmpuint (
				length, ==, plain_length + cf_srtp_session_get_rtp_overhead (tx));
			/* the header stays clear, the payload does not */
			g_assert_cmpmem (buf, 12, plain, 12);
			if (payloads[i] >= 16)
				g_assert_true (memcmp (buf + 12, plain + 12, payloads[i]) != 0);

			g_assert_true (
				cf_srtp_session_unprotect_rtp (rx, buf, length, &length, &error));
			g_assert_no_error (error);
			g_assert_cmpmem (buf, length, plain, plain_length);
		}

		for (guint i = 0; i < 3; i++) {
			g_autoptr (GError) error = NULL;
			guint8 plain[64], buf[64];
			gsize plain_length = make_rtcp (plain, 0x11223344 + i);
			gsize length = 0;

			memcpy (buf, plain, plain_length);
			g_assert_true (cf_srtp_session_protect_rtcp (
				tx, buf, plain_length, sizeof (buf), &length, &error));
			g_assert_no_error (error);
			g_assert_cmpuint (
				length, ==, plain_length + cf_srtp_session_get_rtcp_overhead (tx));
			g_assert_true (memcmp (buf + 8, plain + 8, plain_length - 8) != 0);
			g_assert_true (
				cf_srtp_session_unprotect_rtcp (rx, buf, length, &length, &error));
			g_assert_no_error (error);
			g_assert_cmpmem (buf, length, plain, plain_length);
		}

		g_assert_cmpuint (
			cf_srtp_session_get_stats (tx)->rtp_packets, ==, G_N_ELEMENTS (payloads));
		g_assert_cmpuint (
			cf_srtp_session_get_stats (rx)->rtp_packets, ==, G_N_ELEMENTS (payloads));
		g_assert_cmpuint (cf_srtp_session_get_stats (tx)->rtcp_packets, ==, 3);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_packets, ==, 3);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_forged, ==, 0);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->other_errors, ==, 0);
	}
}

/* CSRCs and a header extension (RFC 3550 §5.3.1) stay in the clear and are
 * authenticated. */
static void
test_round_trip_csrc_extension (void)
{
	g_autoptr (CfSrtpSession) tx = session_new (
		CF_SRTP_DIRECTION_OUTBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (CfSrtpSession) rx = session_new (
		CF_SRTP_DIRECTION_INBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (GError) error = NULL;
	guint8 plain[256], buf[256];
	gsize length = 0;
	gsize plain_length;

	make_rtp (plain, 7, 0xdeadbeef, 0);
	plain[0] = 0x80 | 0x10 | 2; /* X, 2 CSRCs */
	memset (plain + 12, 0x55, 8);
	/* one-byte header extension, 2 words */
	plain[20] = 0xbe;
	plain[21] = 0xde;
	plain[22] = 0;
	plain[23] = 2;
	memset (plain + 24, 0x66, 8);
	memset (plain + 32, 0x77, 40);
	plain_length = 72;

	memcpy (buf, plain, plain_length);
	g_assert_true (
		cf_srtp_session_protect_rtp (tx, buf, plain_length, sizeof (buf), &length, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (buf, 32, plain, 32);
	g_assert_true (memcmp (buf + 32, plain + 32, 40) != 0);

	/* a changed CSRC fails authentication */
	{
		guint8 copy[256];

		memcpy (copy, buf, length);
		copy[13] ^= 0x01;
		g_assert_false (cf_srtp_session_unprotect_rtp (rx, copy, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		g_clear_error (&error);
	}
	g_assert_true (cf_srtp_session_unprotect_rtp (rx, buf, length, &length, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (buf, length, plain, plain_length);
}

/* One session serves several SSRCs (libsrtp's wildcard policy), each with
 * its own replay state. */
static void
test_several_ssrcs (void)
{
	g_autoptr (CfSrtpSession) tx = session_new (CF_SRTP_DIRECTION_OUTBOUND,
						    CF_SRTP_SUITE_AEAD_AES_128_GCM,
						    key_for (CF_SRTP_SUITE_AEAD_AES_128_GCM));
	g_autoptr (CfSrtpSession) rx = session_new (CF_SRTP_DIRECTION_INBOUND,
						    CF_SRTP_SUITE_AEAD_AES_128_GCM,
						    key_for (CF_SRTP_SUITE_AEAD_AES_128_GCM));

	for (guint32 ssrc = 1; ssrc <= 4; ssrc++) {
		g_autoptr (GError) error = NULL;
		guint8 plain[256], buf[256];
		/* the same sequence number under every SSRC: no replay */
		gsize plain_length = make_rtp (plain, 42, ssrc, 20);
		gsize length = 0;

		memcpy (buf, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, buf, plain_length, sizeof (buf), &length, &error));
		g_assert_no_error (error);
		g_assert_true (cf_srtp_session_unprotect_rtp (rx, buf, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (buf, length, plain, plain_length);
	}
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_replayed, ==, 0);
}

/* ---- Attacks: forgery and replay ------------------------------------------- */

/* Every single flipped bit, in header, payload or tag, fails
 * authentication, is counted, and does not stop the genuine packet. */
static void
test_forged_rtp (void)
{
	for (guint s = 0; s < G_N_ELEMENTS (all_suites); s++) {
		CfSrtpSuite suite = all_suites[s];
		g_autoptr (CfSrtpSession) tx =
			session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_for (suite));
		g_autoptr (CfSrtpSession) rx =
			session_new (CF_SRTP_DIRECTION_INBOUND, suite, key_for (suite));
		g_autoptr (GError) error = NULL;
		guint8 plain[128], srtp[128];
		gsize plain_length = make_rtp (plain, 500, 0xabcdef01, 40);
		gsize length = 0;
		guint forged = 0;

		memcpy (srtp, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, srtp, plain_length, sizeof (srtp), &length, &error));
		g_assert_no_error (error);

		for (gsize bit = 0; bit < length * 8; bit++) {
			guint8 copy[128];

			/* flipping the version bits makes it malformed, not forged */
			if (bit < 2)
				continue;
			memcpy (copy, srtp, length);
			copy[bit / 8] ^= (guint8)(0x80 >> (bit % 8));
			g_assert_false (
				cf_srtp_session_unprotect_rtp (rx, copy, length, NULL, &error));
			/* the CC and X bits may make the header longer than the packet */
			if (g_error_matches (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID)) {
				g_assert_cmpuint (bit, <, 8);
			} else {
				g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
				forged++;
			}
			g_clear_error (&error);
		}
		g_assert_cmpuint (forged, >, length * 8 - 8);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_forged, ==, forged);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_packets, ==, 0);

		g_assert_true (cf_srtp_session_unprotect_rtp (rx, srtp, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (srtp, length, plain, plain_length);

		/* a truncated tag is forged (or too short to hold one) */
		{
			guint8 again[128];
			gsize again_length = make_rtp (again, 501, 0xabcdef01, 40);

			g_assert_true (cf_srtp_session_protect_rtp (
				tx, again, again_length, sizeof (again), &length, &error));
			g_assert_false (cf_srtp_session_unprotect_rtp (
				rx, again, length - 1, NULL, &error));
			g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
			g_clear_error (&error);
			g_assert_cmpuint (
				cf_srtp_session_get_stats (rx)->rtp_forged, ==, forged + 1);
		}
	}
}

/* A packet from a sender with another key is forged. */
static void
test_wrong_key (void)
{
	g_autoptr (CfSrtpSession) tx = session_new (
		CF_SRTP_DIRECTION_OUTBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (CfSrtpSession) rx = session_new (
		CF_SRTP_DIRECTION_INBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, kat_key_aes_cm);
	g_autoptr (GError) error = NULL;
	guint8 buf[128];
	gsize length = make_rtp (buf, 1, 2, 20);

	g_assert_true (
		cf_srtp_session_protect_rtp (tx, buf, length, sizeof (buf), &length, &error));
	g_assert_false (cf_srtp_session_unprotect_rtp (rx, buf, length, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
	g_clear_error (&error);
	length = make_rtcp (buf, 2);
	g_assert_true (
		cf_srtp_session_protect_rtcp (tx, buf, length, sizeof (buf), &length, &error));
	g_assert_false (cf_srtp_session_unprotect_rtcp (rx, buf, length, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_forged, ==, 1);
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_forged, ==, 1);
}

static void
test_replayed_rtp (void)
{
	for (guint s = 0; s < G_N_ELEMENTS (all_suites); s++) {
		CfSrtpSuite suite = all_suites[s];
		g_autoptr (CfSrtpSession) tx =
			session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_for (suite));
		g_autoptr (CfSrtpSession) rx =
			session_new (CF_SRTP_DIRECTION_INBOUND, suite, key_for (suite));
		g_autoptr (GError) error = NULL;
		guint8 first[128], copy[128], buf[128];
		gsize first_length, length;

		first_length = make_rtp (first, 100, 0x55, 20);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, first, first_length, sizeof (first), &first_length, &error));
		g_assert_no_error (error);

		memcpy (copy, first, first_length);
		g_assert_true (
			cf_srtp_session_unprotect_rtp (rx, copy, first_length, NULL, &error));
		g_assert_no_error (error);
		/* the same packet again */
		memcpy (copy, first, first_length);
		g_assert_false (
			cf_srtp_session_unprotect_rtp (rx, copy, first_length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_REPLAY);
		g_clear_error (&error);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_replayed, ==, 1);

		/* move the window far ahead: the first packet is now too old */
		length = make_rtp (buf, 100 + CF_SRTP_REPLAY_WINDOW + 10, 0x55, 20);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, buf, length, sizeof (buf), &length, &error));
		g_assert_true (cf_srtp_session_unprotect_rtp (rx, buf, length, NULL, &error));
		g_assert_no_error (error);
		memcpy (copy, first, first_length);
		g_assert_false (
			cf_srtp_session_unprotect_rtp (rx, copy, first_length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_REPLAY);
		g_clear_error (&error);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_replayed, ==, 2);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_forged, ==, 0);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_packets, ==, 2);
	}
}

/* Reordered packets within the window are accepted once each. */
static void
test_reordered_rtp (void)
{
	g_autoptr (CfSrtpSession) tx = session_new (
		CF_SRTP_DIRECTION_OUTBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (CfSrtpSession) rx = session_new (
		CF_SRTP_DIRECTION_INBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	guint8 packets[8][128];
	gsize lengths[8];
	const guint order[] = {0, 3, 1, 2, 7, 5, 4, 6};

	for (guint i = 0; i < 8; i++) {
		g_autoptr (GError) error = NULL;

		lengths[i] = make_rtp (packets[i], (guint16)(65532 + i), 9, 10); /* wraps */
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, packets[i], lengths[i], sizeof (packets[i]), &lengths[i], &error));
		g_assert_no_error (error);
	}
	for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
		g_autoptr (GError) error = NULL;
		guint8 copy[128];

		memcpy (copy, packets[order[i]], lengths[order[i]]);
		g_assert_true (
			cf_srtp_session_unprotect_rtp (rx, copy, lengths[order[i]], NULL, &error));
		g_assert_no_error (error);
	}
	for (guint i = 0; i < 8; i++) {
		g_autoptr (GError) error = NULL;
		guint8 copy[128];

		memcpy (copy, packets[i], lengths[i]);
		g_assert_false (cf_srtp_session_unprotect_rtp (rx, copy, lengths[i], NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_REPLAY);
	}
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_packets, ==, 8);
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_replayed, ==, 8);
}

static void
test_srtcp_forged_replayed (void)
{
	for (guint s = 0; s < G_N_ELEMENTS (all_suites); s++) {
		CfSrtpSuite suite = all_suites[s];
		g_autoptr (CfSrtpSession) tx =
			session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_for (suite));
		g_autoptr (CfSrtpSession) rx =
			session_new (CF_SRTP_DIRECTION_INBOUND, suite, key_for (suite));
		g_autoptr (GError) error = NULL;
		guint8 plain[64], srtcp[128], copy[128];
		gsize plain_length = make_rtcp (plain, 0x7777);
		gsize length = 0;
		guint forged = 0;

		memcpy (srtcp, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtcp (
			tx, srtcp, plain_length, sizeof (srtcp), &length, &error));
		g_assert_no_error (error);
		/* E flag set, SRTCP index 1 (libsrtp starts at 1): right after the
		 * packet (RFC 3711 §3.4), or after the tag for AEAD (RFC 7714 §17) */
		g_assert_cmpmem (suite == CF_SRTP_SUITE_AEAD_AES_128_GCM ? srtcp + length - 4
									 : srtcp + plain_length,
				 4,
				 ((const guint8[]){0x80, 0, 0, 1}),
				 4);

		for (gsize bit = 2; bit < length * 8; bit++) {
			memcpy (copy, srtcp, length);
			copy[bit / 8] ^= (guint8)(0x80 >> (bit % 8));
			g_assert_false (
				cf_srtp_session_unprotect_rtcp (rx, copy, length, NULL, &error));
			g_assert_nonnull (error);
			g_assert_true (error->domain == CF_SRTP_ERROR);
			if (error->code == CF_SRTP_ERROR_AUTH)
				forged++;
			g_clear_error (&error);
		}
		/* a flip in the E flag may be reported otherwise (an unencrypted
		 * packet under an encrypting policy); everything else is forged */
		g_assert_cmpuint (forged, >=, length * 8 - 3);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_forged, ==, forged);

		memcpy (copy, srtcp, length);
		g_assert_true (cf_srtp_session_unprotect_rtcp (rx, copy, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (copy, length, plain, plain_length);

		memcpy (copy, srtcp, plain_length + cf_srtp_session_get_rtcp_overhead (tx));
		g_assert_false (cf_srtp_session_unprotect_rtcp (
			rx,
			copy,
			plain_length + cf_srtp_session_get_rtcp_overhead (tx),
			NULL,
			&error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_REPLAY);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_replayed, ==, 1);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_packets, ==, 1);
	}
}

/* ---- Buffers and malformed packets ----------------------------------------- */

static void
test_buffer_too_small (void)
{
	for (guint s = 0; s < G_N_ELEMENTS (all_suites); s++) {
		CfSrtpSuite suite = all_suites[s];
		g_autoptr (CfSrtpSession) tx =
			session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_for (suite));
		g_autoptr (GError) error = NULL;
		gsize rtp_overhead = cf_srtp_session_get_rtp_overhead (tx);
		gsize rtcp_overhead = cf_srtp_session_get_rtcp_overhead (tx);
		guint8 buf[256];
		gsize plain_length, length = 12345;

		plain_length = make_rtp (buf, 1, 1, 50);
		g_assert_false (cf_srtp_session_protect_rtp (
			tx, buf, plain_length, plain_length + rtp_overhead - 1, &length, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_NO_SPACE);
		g_assert_cmpuint (length, ==, 12345);
		g_clear_error (&error);
		g_assert_false (
			cf_srtp_session_protect_rtp (tx, buf, plain_length, 0, &length, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_NO_SPACE);
		g_clear_error (&error);

		/* exactly enough room; what lies beyond is untouched */
		memset (buf + plain_length, 0xee, sizeof (buf) - plain_length);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, buf, plain_length, plain_length + rtp_overhead, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (length, ==, plain_length + rtp_overhead);
		for (gsize i = length; i < sizeof (buf); i++)
			g_assert_cmpuint (buf[i], ==, 0xee);

		plain_length = make_rtcp (buf, 1);
		g_assert_false (cf_srtp_session_protect_rtcp (
			tx, buf, plain_length, plain_length + rtcp_overhead - 1, &length, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_NO_SPACE);
		g_clear_error (&error);
		memset (buf + plain_length, 0xee, sizeof (buf) - plain_length);
		g_assert_true (cf_srtp_session_protect_rtcp (
			tx, buf, plain_length, plain_length + rtcp_overhead, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (length, ==, plain_length + rtcp_overhead);
		for (gsize i = length; i < sizeof (buf); i++)
			g_assert_cmpuint (buf[i], ==, 0xee);

		g_assert_cmpuint (cf_srtp_session_get_stats (tx)->other_errors, ==, 3);
	}
}

static void
test_malformed (void)
{
	g_autoptr (CfSrtpSession) tx = session_new (
		CF_SRTP_DIRECTION_OUTBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (CfSrtpSession) rx = session_new (
		CF_SRTP_DIRECTION_INBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (GError) error = NULL;
	guint8 buf[256];
	g_autofree guint8 *big = g_malloc0 (CF_SRTP_MAX_PACKET_SIZE + 64);
	gsize length;

	/* shorter than an RTP header */
	for (gsize n = 0; n < 12; n++) {
		make_rtp (buf, 1, 1, 0);
		g_assert_false (
			cf_srtp_session_protect_rtp (tx, buf, n, sizeof (buf), NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
		g_clear_error (&error);
	}
	/* an empty buffer */
	g_assert_false (cf_srtp_session_protect_rtp (tx, NULL, 0, 0, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* not version 2 */
	length = make_rtp (buf, 1, 1, 20);
	buf[0] = 0x40;
	g_assert_false (cf_srtp_session_protect_rtp (tx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* 15 CSRCs announced, not there */
	length = make_rtp (buf, 1, 1, 20);
	buf[0] = 0x8f;
	g_assert_false (cf_srtp_session_protect_rtp (tx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* a header extension longer than the packet */
	length = make_rtp (buf, 1, 1, 20);
	buf[0] = 0x90;
	buf[14] = 0xff;
	buf[15] = 0xff;
	g_assert_false (cf_srtp_session_protect_rtp (tx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* X set but no room for the extension header */
	length = make_rtp (buf, 1, 1, 2);
	buf[0] = 0x90;
	g_assert_false (cf_srtp_session_protect_rtp (tx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* too large */
	make_rtp (big, 1, 1, 0);
	g_assert_false (cf_srtp_session_protect_rtp (
		tx, big, CF_SRTP_MAX_PACKET_SIZE + 1, CF_SRTP_MAX_PACKET_SIZE + 64, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (
		cf_srtp_session_unprotect_rtp (rx, big, CF_SRTP_MAX_PACKET_SIZE + 1, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);

	/* SRTP shorter than header + tag */
	for (gsize n = 0; n < 12 + 10; n++) {
		length = make_rtp (buf, 1, 1, 20);
		g_assert_false (cf_srtp_session_unprotect_rtp (rx, buf, n, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
		g_clear_error (&error);
	}
	/* RTCP shorter than 8 bytes, or not version 2 */
	for (gsize n = 0; n < 8; n++) {
		make_rtcp (buf, 1);
		g_assert_false (
			cf_srtp_session_protect_rtcp (tx, buf, n, sizeof (buf), NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
		g_clear_error (&error);
	}
	length = make_rtcp (buf, 1);
	buf[0] = 0x01;
	g_assert_false (cf_srtp_session_protect_rtcp (tx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* SRTCP shorter than header + index + tag */
	for (gsize n = 0; n < 8 + 14; n++) {
		make_rtcp (buf, 1);
		g_assert_false (cf_srtp_session_unprotect_rtcp (rx, buf, n, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
		g_clear_error (&error);
	}
	/* garbage of every length up to 100 bytes never crashes */
	for (gsize n = 0; n <= 100; n++) {
		for (gsize i = 0; i < n; i++)
			buf[i] = (guint8)(i * 37 + n);
		cf_srtp_session_unprotect_rtp (rx, buf, n, NULL, NULL);
		for (gsize i = 0; i < n; i++)
			buf[i] = (guint8)(i * 37 + n);
		cf_srtp_session_unprotect_rtcp (rx, buf, n, NULL, NULL);
	}
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_packets, ==, 0);
	g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_packets, ==, 0);
}

static void
test_wrong_direction (void)
{
	g_autoptr (CfSrtpSession) tx = session_new (
		CF_SRTP_DIRECTION_OUTBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (CfSrtpSession) rx = session_new (
		CF_SRTP_DIRECTION_INBOUND, CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80, test_key_hex);
	g_autoptr (GError) error = NULL;
	guint8 buf[128];
	gsize length = make_rtp (buf, 1, 1, 20);

	g_assert_false (cf_srtp_session_protect_rtp (rx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_srtp_session_protect_rtcp (rx, buf, length, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_srtp_session_unprotect_rtp (tx, buf, length, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_srtp_session_unprotect_rtcp (tx, buf, length, NULL, &error));
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
}

static void
test_bad_keys (void)
{
	g_autoptr (GError) error = NULL;
	guint8 key[64] = {0};
	guint8 mki[CF_SRTP_MAX_MKI_LENGTH + 1] = {0};
	CfSrtpSession *session;

	/* AES_CM needs 30 bytes, GCM 28 */
	session = cf_srtp_session_new (CF_SRTP_DIRECTION_OUTBOUND,
				       CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
				       key,
				       28,
				       NULL,
				       0,
				       &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	session = cf_srtp_session_new (CF_SRTP_DIRECTION_OUTBOUND,
				       CF_SRTP_SUITE_AEAD_AES_128_GCM,
				       key,
				       30,
				       NULL,
				       0,
				       &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	session = cf_srtp_session_new (CF_SRTP_DIRECTION_OUTBOUND,
				       CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
				       NULL,
				       30,
				       NULL,
				       0,
				       &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	session = cf_srtp_session_new (
		CF_SRTP_DIRECTION_OUTBOUND, (CfSrtpSuite)42, key, 30, NULL, 0, &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	session = cf_srtp_session_new ((CfSrtpDirection)7,
				       CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
				       key,
				       30,
				       NULL,
				       0,
				       &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	/* MKI: too long, or a length without bytes */
	session = cf_srtp_session_new (CF_SRTP_DIRECTION_OUTBOUND,
				       CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
				       key,
				       30,
				       mki,
				       sizeof (mki),
				       &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);
	session = cf_srtp_session_new (CF_SRTP_DIRECTION_OUTBOUND,
				       CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
				       key,
				       30,
				       NULL,
				       4,
				       &error);
	g_assert_null (session);
	g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	g_clear_error (&error);

	cf_srtp_session_free (NULL);
}

/* ---- MKI ------------------------------------------------------------------ */

static void
test_mki (void)
{
	for (guint s = 0; s < G_N_ELEMENTS (all_suites); s++) {
		CfSrtpSuite suite = all_suites[s];
		g_autoptr (GError) error = NULL;
		const guint8 mki[4] = {0, 0, 0, 1};
		const guint8 other_mki[4] = {0, 0, 0, 2};
		guint8 key[64];
		gsize key_length = unhex (key_for (suite), key, sizeof (key));
		g_autoptr (CfSrtpSession) tx = cf_srtp_session_new (
			CF_SRTP_DIRECTION_OUTBOUND, suite, key, key_length, mki, 4, &error);
		g_autoptr (CfSrtpSession) rx = cf_srtp_session_new (
			CF_SRTP_DIRECTION_INBOUND, suite, key, key_length, mki, 4, &error);
		g_autoptr (CfSrtpSession) rx_other = cf_srtp_session_new (
			CF_SRTP_DIRECTION_INBOUND, suite, key, key_length, other_mki, 4, &error);
		guint8 plain[128], buf[128], copy[128];
		gsize plain_length, length;

		g_assert_no_error (error);
		g_assert_cmpuint (cf_srtp_session_get_rtp_overhead (tx),
				  ==,
				  cf_srtp_suite_get_rtp_tag_length (suite) + 4);
		g_assert_cmpuint (cf_srtp_session_get_rtcp_overhead (tx),
				  ==,
				  cf_srtp_suite_get_rtcp_overhead (suite) + 4);

		plain_length = make_rtp (plain, 10, 10, 30);
		memcpy (buf, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, buf, plain_length, sizeof (buf), &length, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (length, ==, plain_length + cf_srtp_session_get_rtp_overhead (tx));
		/* the MKI follows the encrypted portion (RFC 3711 §3.1), and with
		 * AEAD the tag is part of the cipher text, so the MKI ends the
		 * packet (RFC 7714) */
		if (suite == CF_SRTP_SUITE_AEAD_AES_128_GCM)
			g_assert_cmpmem (buf + length - 4, 4, mki, 4);
		else
			g_assert_cmpmem (buf + plain_length, 4, mki, 4);

		memcpy (copy, buf, length);
		g_assert_false (
			cf_srtp_session_unprotect_rtp (rx_other, copy, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		g_clear_error (&error);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx_other)->rtp_forged, ==, 1);

		g_assert_true (cf_srtp_session_unprotect_rtp (rx, buf, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (buf, length, plain, plain_length);

		plain_length = make_rtcp (plain, 10);
		memcpy (buf, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtcp (
			tx, buf, plain_length, sizeof (buf), &length, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (
			length, ==, plain_length + cf_srtp_session_get_rtcp_overhead (tx));
		/* RFC 3711 §3.4: E flag and index, MKI, tag (AES_CM) */
		if (suite != CF_SRTP_SUITE_AEAD_AES_128_GCM)
			g_assert_cmpmem (buf + plain_length + 4, 4, mki, 4);
		memcpy (copy, buf, length);
		g_assert_false (
			cf_srtp_session_unprotect_rtcp (rx_other, copy, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		g_clear_error (&error);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx_other)->rtcp_forged, ==, 1);
		g_assert_true (cf_srtp_session_unprotect_rtcp (rx, buf, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (buf, length, plain, plain_length);
	}
}

/* ---- AES_256_CM (RFC 6188) ------------------------------------------------ */

/* The ZRTP AES3 suites: protect with an outbound session, unprotect with
 * an inbound one, and every kind of tampering is an authentication
 * failure; all 32 key bytes count. */
static void
test_aes_256_cm (void)
{
	const CfSrtpSuite aes_256[] = {
		CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
		CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32,
	};

	for (guint s = 0; s < G_N_ELEMENTS (aes_256); s++) {
		CfSrtpSuite suite = aes_256[s];
		g_autoptr (GError) error = NULL;
		guint8 key[64];
		gsize key_length = unhex (test_key_256_hex, key, sizeof (key));
		g_autoptr (CfSrtpSession) tx =
			session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, test_key_256_hex);
		g_autoptr (CfSrtpSession) rx =
			session_new (CF_SRTP_DIRECTION_INBOUND, suite, test_key_256_hex);
		g_autoptr (CfSrtpSession) rx_other_key = NULL;
		guint8 plain[256], buf[256], copy[256];
		gsize plain_length, length, tag_length = s == 0 ? 10 : 4;

		g_test_message ("%s", cf_srtp_suite_to_string (suite));
		g_assert_cmpuint (key_length, ==, 46);
		/* the last byte of the 32-byte key differs */
		key[31] ^= 0x01;
		rx_other_key = cf_srtp_session_new (
			CF_SRTP_DIRECTION_INBOUND, suite, key, key_length, NULL, 0, &error);
		g_assert_no_error (error);
		g_assert_cmpuint (cf_srtp_session_get_rtp_overhead (tx), ==, tag_length);
		g_assert_cmpuint (cf_srtp_session_get_rtcp_overhead (tx), ==, 14);

		/* RTP */
		plain_length = make_rtp (plain, 500, 0xa0a0a0a0, 160);
		memcpy (buf, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtp (
			tx, buf, plain_length, sizeof (buf), &length, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (length, ==, plain_length + tag_length);
		g_assert_true (memcmp (buf + 12, plain + 12, 160) != 0);

		/* a flipped bit in the header, the payload or the tag */
		{
			const gsize bits[] = {8 * 2 + 7, 8 * 40, 8 * (length - 1)};

			for (guint i = 0; i < G_N_ELEMENTS (bits); i++) {
				memcpy (copy, buf, length);
				copy[bits[i] / 8] ^= (guint8)(0x80 >> (bits[i] % 8));
				g_assert_false (cf_srtp_session_unprotect_rtp (
					rx, copy, length, NULL, &error));
				g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
				g_clear_error (&error);
			}
			g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtp_forged,
					  ==,
					  G_N_ELEMENTS (bits));
		}
		memcpy (copy, buf, length);
		g_assert_false (
			cf_srtp_session_unprotect_rtp (rx_other_key, copy, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		g_clear_error (&error);

		g_assert_true (cf_srtp_session_unprotect_rtp (rx, buf, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (buf, length, plain, plain_length);

		/* RTCP, with the 80-bit tag in both suites */
		plain_length = make_rtcp (plain, 0xa0a0a0a0);
		memcpy (buf, plain, plain_length);
		g_assert_true (cf_srtp_session_protect_rtcp (
			tx, buf, plain_length, sizeof (buf), &length, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (length, ==, plain_length + 14);
		memcpy (copy, buf, length);
		copy[20] ^= 0x10;
		g_assert_false (cf_srtp_session_unprotect_rtcp (rx, copy, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		g_clear_error (&error);
		memcpy (copy, buf, length);
		g_assert_false (
			cf_srtp_session_unprotect_rtcp (rx_other_key, copy, length, NULL, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_AUTH);
		g_clear_error (&error);
		g_assert_true (cf_srtp_session_unprotect_rtcp (rx, buf, length, &length, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (buf, length, plain, plain_length);
		g_assert_cmpuint (cf_srtp_session_get_stats (rx)->rtcp_forged, ==, 1);

		/* a 30-byte AES_CM key || salt is not enough */
		g_assert_null (cf_srtp_session_new (
			CF_SRTP_DIRECTION_OUTBOUND, suite, key, 30, NULL, 0, &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
		g_clear_error (&error);
	}
	/* and a 46-byte one too much for AES_CM_128 */
	{
		g_autoptr (GError) error = NULL;
		guint8 key[46] = {0};

		g_assert_null (cf_srtp_session_new (CF_SRTP_DIRECTION_OUTBOUND,
						    CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
						    key,
						    sizeof (key),
						    NULL,
						    0,
						    &error));
		g_assert_error (error, CF_SRTP_ERROR, CF_SRTP_ERROR_INVALID);
	}
}

/* ---- Threads -------------------------------------------------------------- */

static gpointer
thread_round_trip (gpointer data)
{
	CfSrtpSuite suite = GPOINTER_TO_INT (data);
	g_autoptr (CfSrtpSession) tx =
		session_new (CF_SRTP_DIRECTION_OUTBOUND, suite, key_for (suite));
	g_autoptr (CfSrtpSession) rx =
		session_new (CF_SRTP_DIRECTION_INBOUND, suite, key_for (suite));

	for (guint i = 0; i < 200; i++) {
		guint8 plain[256], buf[256];
		gsize plain_length = make_rtp (plain, (guint16)i, 77, 100);
		gsize length;

		memcpy (buf, plain, plain_length);
		if (!cf_srtp_session_protect_rtp (
			    tx, buf, plain_length, sizeof (buf), &length, NULL)
		    || !cf_srtp_session_unprotect_rtp (rx, buf, length, &length, NULL)
		    || length != plain_length || memcmp (buf, plain, length) != 0)
			return GINT_TO_POINTER (FALSE);
	}
	return GINT_TO_POINTER (TRUE);
}

/* Sessions created and used on several threads at once (srtp_init() runs
 * once, whoever comes first). */
static void
test_threads (void)
{
	GThread *threads[6];

	for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
		threads[i] =
			g_thread_new ("srtp",
				      thread_round_trip,
				      GINT_TO_POINTER (all_suites[i % G_N_ELEMENTS (all_suites)]));
	for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
		g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	/* first, so that srtp_init() happens on several threads at once */
	g_test_add_func ("/confab/media/srtp/threads", test_threads);
	g_test_add_func ("/confab/media/srtp/suites", test_suites);
	g_test_add_func ("/confab/media/srtp/known-answer/aes-cm-128-hmac-sha1-80",
			 test_kat_aes_cm_80);
	g_test_add_func ("/confab/media/srtp/known-answer/aes-cm-128-hmac-sha1-32",
			 test_kat_aes_cm_32);
	g_test_add_func ("/confab/media/srtp/known-answer/aead-aes-128-gcm",
			 test_kat_aead_aes_128_gcm);
	g_test_add_func ("/confab/media/srtp/known-answer/aes-256-cm", test_kat_aes_256_cm);
	g_test_add_func ("/confab/media/srtp/aes-256-cm", test_aes_256_cm);
	g_test_add_func ("/confab/media/srtp/round-trip", test_round_trip);
	g_test_add_func ("/confab/media/srtp/round-trip-csrc-extension",
			 test_round_trip_csrc_extension);
	g_test_add_func ("/confab/media/srtp/several-ssrcs", test_several_ssrcs);
	g_test_add_func ("/confab/media/srtp/forged", test_forged_rtp);
	g_test_add_func ("/confab/media/srtp/wrong-key", test_wrong_key);
	g_test_add_func ("/confab/media/srtp/replayed", test_replayed_rtp);
	g_test_add_func ("/confab/media/srtp/reordered", test_reordered_rtp);
	g_test_add_func ("/confab/media/srtp/srtcp-forged-replayed", test_srtcp_forged_replayed);
	g_test_add_func ("/confab/media/srtp/buffer-too-small", test_buffer_too_small);
	g_test_add_func ("/confab/media/srtp/malformed", test_malformed);
	g_test_add_func ("/confab/media/srtp/wrong-direction", test_wrong_direction);
	g_test_add_func ("/confab/media/srtp/bad-keys", test_bad_keys);
	g_test_add_func ("/confab/media/srtp/mki", test_mki);

	return g_test_run ();
}
