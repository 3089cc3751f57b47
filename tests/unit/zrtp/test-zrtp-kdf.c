/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of cf-zrtp-kdf: every derivation is recomputed here by a
 * different code path (one-shot hashes over buffers built by hand, and an
 * HMAC built from SHA-256 by hand and checked against RFC 4231). */
#include <sodium.h>
#include <string.h>

#include "cf-zrtp-kdf.h"

/* HMAC-SHA-256 (RFC 2104) from libsodium's one-shot SHA-256, not from
 * crypto_auth_hmacsha256. */
static void
hand_hmac (const guint8 *key, gsize key_len, const guint8 *msg, gsize msg_len, guint8 out[32])
{
	guint8 k[64] = {0};
	g_autofree guint8 *inner = g_malloc (64 + msg_len);
	guint8 outer[64 + 32];

	if (key_len > 64)
		crypto_hash_sha256 (k, key, key_len);
	else
		memcpy (k, key, key_len);
	for (guint i = 0; i < 64; i++) {
		inner[i] = k[i] ^ 0x36;
		outer[i] = k[i] ^ 0x5c;
	}
	memcpy (inner + 64, msg, msg_len);
	crypto_hash_sha256 (outer + 64, inner, 64 + msg_len);
	crypto_hash_sha256 (out, outer, sizeof outer);
}

/* KDF per RFC 6189 §4.5.1, message laid out byte by byte. */
static void
hand_kdf (const guint8 *ki,
	  gsize ki_len,
	  const char *label,
	  const guint8 *ctx,
	  gsize ctx_len,
	  guint l_bits,
	  guint8 out[32])
{
	g_autoptr (GByteArray) m = g_byte_array_new ();
	guint8 be1[4] = {0, 0, 0, 1};
	guint8 zero = 0;
	guint8 l_be[4] = {(guint8)(l_bits >> 24),
			  (guint8)(l_bits >> 16),
			  (guint8)(l_bits >> 8),
			  (guint8)l_bits};

	g_byte_array_append (m, be1, 4);
	g_byte_array_append (m, (const guint8 *)label, (guint)strlen (label));
	g_byte_array_append (m, &zero, 1);
	g_byte_array_append (m, ctx, (guint)ctx_len);
	g_byte_array_append (m, l_be, 4);
	hand_hmac (ki, ki_len, m->data, m->len, out);
}

static void
hex_to_bytes (const char *hex, guint8 *out, gsize len)
{
	g_assert_cmpuint (strlen (hex), ==, 2 * len);
	for (gsize i = 0; i < len; i++)
		out[i] = (guint8)((g_ascii_xdigit_value (hex[2 * i]) << 4)
				  | g_ascii_xdigit_value (hex[2 * i + 1]));
}

static void
fill (guint8 *buf, gsize len, guint8 seed)
{
	for (gsize i = 0; i < len; i++)
		buf[i] = (guint8)(seed + 7 * i);
}

/* RFC 4231 §4.2, §4.3 and §4.7 (test cases 1, 2 and 6). */
static void
test_hmac_rfc4231 (void)
{
	struct {
		guint8 key[131];
		gsize key_len;
		const char *data;
		const char *mac;
	} cases[3];
	guint8 want[32], got_hand[32], got_sodium[32];

	memset (cases, 0, sizeof cases);
	memset (cases[0].key, 0x0b, 20);
	cases[0].key_len = 20;
	cases[0].data = "Hi There";
	cases[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
	memcpy (cases[1].key, "Jefe", 4);
	cases[1].key_len = 4;
	cases[1].data = "what do ya want for nothing?";
	cases[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	memset (cases[2].key, 0xaa, 131);
	cases[2].key_len = 131;
	cases[2].data = "Test Using Larger Than Block-Size Key - Hash Key First";
	cases[2].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		crypto_auth_hmacsha256_state st;

		hex_to_bytes (cases[i].mac, want, 32);
		hand_hmac (cases[i].key,
			   cases[i].key_len,
			   (const guint8 *)cases[i].data,
			   strlen (cases[i].data),
			   got_hand);
		g_assert_cmpmem (got_hand, 32, want, 32);

		crypto_auth_hmacsha256_init (&st, cases[i].key, cases[i].key_len);
		crypto_auth_hmacsha256_update (
			&st, (const guint8 *)cases[i].data, strlen (cases[i].data));
		crypto_auth_hmacsha256_final (&st, got_sodium);
		g_assert_cmpmem (got_sodium, 32, want, 32);
	}
}

static void
test_kdf (void)
{
	guint8 ki[32], ctx[CF_ZRTP_KDF_CONTEXT_LEN], want[32], got[32];
	const gsize lens[] = {32, 16, 14, 4, 1};

	fill (ki, sizeof ki, 0x11);
	fill (ctx, sizeof ctx, 0x42);

	for (guint i = 0; i < G_N_ELEMENTS (lens); i++) {
		memset (got, 0xa5, sizeof got);
		g_assert_true (
			cf_zrtp_kdf (ki, sizeof ki, "Some label", ctx, sizeof ctx, got, lens[i]));
		hand_kdf (ki, sizeof ki, "Some label", ctx, sizeof ctx, (guint)lens[i] * 8, want);
		g_assert_cmpmem (got, lens[i], want, lens[i]);
		/* nothing written past the requested length */
		for (gsize j = lens[i]; j < sizeof got; j++)
			g_assert_cmpuint (got[j], ==, 0xa5);
	}

	/* L is part of the input: a 16-byte key is not a prefix of the 32-byte one */
	cf_zrtp_kdf (ki, sizeof ki, "Some label", ctx, sizeof ctx, got, 32);
	cf_zrtp_kdf (ki, sizeof ki, "Some label", ctx, sizeof ctx, want, 16);
	g_assert_true (memcmp (got, want, 16) != 0);

	/* a bad length is refused (programmer error, checked) */
	if (g_test_undefined ()) {
		g_test_expect_message ("cf-zrtp-kdf", G_LOG_LEVEL_CRITICAL, "*out_len*");
		g_assert_false (cf_zrtp_kdf (ki, sizeof ki, "x", ctx, sizeof ctx, got, 33));
		g_test_assert_expected_messages ();
	}
}

static void
test_kdf_context_and_s0 (void)
{
	guint8 zidi[12], zidr[12], total[32], ctx[CF_ZRTP_KDF_CONTEXT_LEN];
	guint8 dh[56], rs2[32], pbx[32], s0[32], want[32];
	g_autoptr (GByteArray) m = g_byte_array_new ();
	const guint8 be1[4] = {0, 0, 0, 1};
	const guint8 be0[4] = {0, 0, 0, 0};
	const guint8 be32[4] = {0, 0, 0, 32};

	fill (zidi, 12, 1);
	fill (zidr, 12, 100);
	fill (total, 32, 200);
	fill (dh, sizeof dh, 33);
	fill (rs2, 32, 9);
	fill (pbx, 32, 77);

	cf_zrtp_kdf_context (zidi, zidr, total, ctx);
	g_assert_cmpmem (ctx, 12, zidi, 12);
	g_assert_cmpmem (ctx + 12, 12, zidr, 12);
	g_assert_cmpmem (ctx + 24, 32, total, 32);

	/* s1 absent, s2 present, s3 absent */
	cf_zrtp_s0_dh (dh, sizeof dh, zidi, zidr, total, NULL, 0, rs2, sizeof rs2, NULL, 0, s0);
	g_byte_array_append (m, be1, 4);
	g_byte_array_append (m, dh, sizeof dh);
	g_byte_array_append (m, (const guint8 *)"ZRTP-HMAC-KDF", 13);
	g_byte_array_append (m, zidi, 12);
	g_byte_array_append (m, zidr, 12);
	g_byte_array_append (m, total, 32);
	g_byte_array_append (m, be0, 4);
	g_byte_array_append (m, be32, 4);
	g_byte_array_append (m, rs2, 32);
	g_byte_array_append (m, be0, 4);
	crypto_hash_sha256 (want, m->data, m->len);
	g_assert_cmpmem (s0, 32, want, 32);

	/* all three secrets */
	cf_zrtp_s0_dh (dh, sizeof dh, zidi, zidr, total, rs2, 32, pbx, 32, total, 32, s0);
	g_byte_array_set_size (m, 0);
	g_byte_array_append (m, be1, 4);
	g_byte_array_append (m, dh, sizeof dh);
	g_byte_array_append (m, (const guint8 *)"ZRTP-HMAC-KDF", 13);
	g_byte_array_append (m, ctx, sizeof ctx);
	g_byte_array_append (m, be32, 4);
	g_byte_array_append (m, rs2, 32);
	g_byte_array_append (m, be32, 4);
	g_byte_array_append (m, pbx, 32);
	g_byte_array_append (m, be32, 4);
	g_byte_array_append (m, total, 32);
	crypto_hash_sha256 (want, m->data, m->len);
	g_assert_cmpmem (s0, 32, want, 32);

	/* Multistream: s0 = KDF(ZRTPSess, "ZRTP MSK", KDF_Context, 256) */
	cf_zrtp_s0_multistream (pbx, ctx, sizeof ctx, s0);
	hand_kdf (pbx, 32, "ZRTP MSK", ctx, sizeof ctx, 256, want);
	g_assert_cmpmem (s0, 32, want, 32);
}

static void
check_field (const guint8 *s0, const guint8 *ctx, const char *label, const guint8 *field, gsize len)
{
	guint8 want[32];

	hand_kdf (s0, 32, label, ctx, CF_ZRTP_KDF_CONTEXT_LEN, (guint)len * 8, want);
	g_assert_cmpmem (field, len, want, len);
}

static void
test_keys_derive (void)
{
	guint8 s0[32], ctx[CF_ZRTP_KDF_CONTEXT_LEN];
	const gsize aes_lens[] = {16, 32};

	fill (s0, 32, 0x5a);
	fill (ctx, sizeof ctx, 0x03);

	for (guint i = 0; i < G_N_ELEMENTS (aes_lens); i++) {
		gsize kl = aes_lens[i];
		g_autoptr (CfZrtpKeys) k =
			cf_zrtp_keys_derive (s0, ctx, sizeof ctx, kl, CF_ZRTP_SRTP_SALT_LEN);
		guint32 sv;

		g_assert_nonnull (k);
		g_assert_cmpuint (k->srtp_key_len, ==, kl);
		g_assert_cmpuint (k->srtp_salt_len, ==, 14);
		check_field (s0, ctx, "ZRTP Session Key", k->zrtp_sess, 32);
		check_field (s0, ctx, "SAS", k->sashash, 32);
		check_field (s0, ctx, "Initiator SRTP master key", k->srtp_key_i, kl);
		check_field (s0, ctx, "Responder SRTP master key", k->srtp_key_r, kl);
		check_field (s0, ctx, "Initiator SRTP master salt", k->srtp_salt_i, 14);
		check_field (s0, ctx, "Responder SRTP master salt", k->srtp_salt_r, 14);
		check_field (s0, ctx, "Initiator HMAC key", k->mac_key_i, 32);
		check_field (s0, ctx, "Responder HMAC key", k->mac_key_r, 32);
		check_field (s0, ctx, "Initiator ZRTP key", k->zrtp_key_i, kl);
		check_field (s0, ctx, "Responder ZRTP key", k->zrtp_key_r, kl);
		check_field (s0, ctx, "retained secret", k->rs1, 32);

		sv = ((guint32)k->sashash[0] << 24) | ((guint32)k->sashash[1] << 16)
		     | ((guint32)k->sashash[2] << 8) | k->sashash[3];
		g_assert_cmpuint (k->sasvalue, ==, sv);
		g_assert_true (memcmp (k->srtp_key_i, k->srtp_key_r, kl) != 0);
	}

	/* AES key lengths other than 128/256 bits are refused */
	if (g_test_undefined ()) {
		g_test_expect_message ("cf-zrtp-kdf", G_LOG_LEVEL_CRITICAL, "*aes_key_len*");
		g_assert_null (cf_zrtp_keys_derive (s0, ctx, sizeof ctx, 24, 14));
		g_test_assert_expected_messages ();
	}

	cf_zrtp_keys_free (NULL);
}

/* A vector computed outside this code base, with Python's hmac and hashlib:
 *   s0 = 00 01 .. 1f, KDF_Context = 80 81 .. b7 (56 bytes)
 *   kdf = lambda label, L: hmac.new(s0, pack('>I', 1) + label + b'\0' + ctx
 *                                   + pack('>I', L), sha256).digest()[:L // 8]
 *   kdf(b'Initiator SRTP master key', 128) = 5f64633f03f48674091b103c920e28c2
 *   sasvalue = leftmost 32 bits of kdf(b'SAS', 256) */
static void
test_keys_vector (void)
{
	guint8 s0[32], ctx[CF_ZRTP_KDF_CONTEXT_LEN], want[16];
	g_autoptr (CfZrtpKeys) k = NULL;

	for (guint i = 0; i < sizeof s0; i++)
		s0[i] = (guint8)i;
	for (guint i = 0; i < sizeof ctx; i++)
		ctx[i] = (guint8)(0x80 + i);
	k = cf_zrtp_keys_derive (s0, ctx, sizeof ctx, 16, CF_ZRTP_SRTP_SALT_LEN);
	g_assert_nonnull (k);
	hex_to_bytes ("5f64633f03f48674091b103c920e28c2", want, 16);
	g_assert_cmpmem (k->srtp_key_i, 16, want, 16);
}

static void
test_total_hash_and_hvi (void)
{
	guint8 hello[88], commit[116], dh1[140], dh2[140], got[32], want[32];
	g_autoptr (GByteArray) m = g_byte_array_new ();

	fill (hello, sizeof hello, 1);
	fill (commit, sizeof commit, 2);
	fill (dh1, sizeof dh1, 3);
	fill (dh2, sizeof dh2, 4);

	cf_zrtp_total_hash (
		hello, sizeof hello, commit, sizeof commit, dh1, sizeof dh1, dh2, sizeof dh2, got);
	g_byte_array_append (m, hello, sizeof hello);
	g_byte_array_append (m, commit, sizeof commit);
	g_byte_array_append (m, dh1, sizeof dh1);
	g_byte_array_append (m, dh2, sizeof dh2);
	crypto_hash_sha256 (want, m->data, m->len);
	g_assert_cmpmem (got, 32, want, 32);

	/* hvi: DHPart2 first, then the responder's Hello */
	cf_zrtp_hvi (dh2, sizeof dh2, hello, sizeof hello, got);
	g_byte_array_set_size (m, 0);
	g_byte_array_append (m, dh2, sizeof dh2);
	g_byte_array_append (m, hello, sizeof hello);
	crypto_hash_sha256 (want, m->data, m->len);
	g_assert_cmpmem (got, 32, want, 32);

	/* order matters */
	cf_zrtp_hvi (hello, sizeof hello, dh2, sizeof dh2, want);
	g_assert_true (memcmp (got, want, 32) != 0);
}

static void
test_hash_chain (void)
{
	g_auto (CfZrtpHashChain) chain = {0};
	guint8 h0[32] = {0}, want[32], img[32];

	/* SHA-256 of 32 zero bytes (well-known value) */
	hex_to_bytes ("66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925", want, 32);
	cf_zrtp_hash_chain_init (&chain, h0);
	g_assert_cmpmem (chain.h[0], 32, h0, 32);
	g_assert_cmpmem (chain.h[1], 32, want, 32);

	fill (h0, 32, 0x99);
	cf_zrtp_hash_chain_init (&chain, h0);
	g_assert_cmpmem (chain.h[0], 32, h0, 32);
	for (guint i = 1; i < 4; i++) {
		crypto_hash_sha256 (want, chain.h[i - 1], 32);
		g_assert_cmpmem (chain.h[i], 32, want, 32);
		cf_zrtp_hash_image (chain.h[i - 1], img);
		g_assert_cmpmem (img, 32, want, 32);
	}

	cf_zrtp_hash_chain_clear (&chain);
	memset (want, 0, 32);
	for (guint i = 0; i < 4; i++)
		g_assert_cmpmem (chain.h[i], 32, want, 32);
}

static void
test_message_mac (void)
{
	guint8 key[32], msg[100], mac[CF_ZRTP_MAC_LEN], full[32];

	fill (key, 32, 0x21);
	fill (msg, sizeof msg, 0x70);

	cf_zrtp_message_mac (key, msg, sizeof msg, mac);
	hand_hmac (key, 32, msg, sizeof msg, full);
	g_assert_cmpmem (mac, CF_ZRTP_MAC_LEN, full, CF_ZRTP_MAC_LEN);

	g_assert_true (cf_zrtp_message_mac_verify (key, msg, sizeof msg, mac));
	mac[7] ^= 0x01;
	g_assert_false (cf_zrtp_message_mac_verify (key, msg, sizeof msg, mac));
	mac[7] ^= 0x01;
	msg[50] ^= 0x80;
	g_assert_false (cf_zrtp_message_mac_verify (key, msg, sizeof msg, mac));
	msg[50] ^= 0x80;
	key[0] ^= 0x01;
	g_assert_false (cf_zrtp_message_mac_verify (key, msg, sizeof msg, mac));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	if (sodium_init () < 0)
		return 1;

	g_test_add_func ("/confab/zrtp/kdf/hmac-rfc4231", test_hmac_rfc4231);
	g_test_add_func ("/confab/zrtp/kdf/kdf", test_kdf);
	g_test_add_func ("/confab/zrtp/kdf/context-s0", test_kdf_context_and_s0);
	g_test_add_func ("/confab/zrtp/kdf/keys-derive", test_keys_derive);
	g_test_add_func ("/confab/zrtp/kdf/keys-vector", test_keys_vector);
	g_test_add_func ("/confab/zrtp/kdf/total-hash-hvi", test_total_hash_and_hvi);
	g_test_add_func ("/confab/zrtp/kdf/hash-chain", test_hash_chain);
	g_test_add_func ("/confab/zrtp/kdf/message-mac", test_message_mac);
	return g_test_run ();
}
