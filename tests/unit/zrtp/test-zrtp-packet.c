/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the ZRTP packet codec (RFC 6189 §5). */
#define G_LOG_DOMAIN "test-zrtp-packet"

#include <glib.h>
#include <string.h>

#include "cf-zrtp-packet.h"

static void
fill (guint8 *p, gsize len, guint8 seed)
{
	for (gsize i = 0; i < len; i++)
		p[i] = (guint8)(seed + i * 7);
}

static void
test_crc32c (void)
{
	guint8 zeros[32] = { 0 };
	guint8 ones[32];
	guint8 inc[32];

	memset (ones, 0xff, sizeof ones);
	for (guint i = 0; i < 32; i++)
		inc[i] = i;
	g_assert_cmphex (cf_zrtp_crc32c ((const guint8 *)"123456789", 9), ==, 0xe3069283);
	/* RFC 3720 Appendix B.4 (iSCSI) vectors. */
	g_assert_cmphex (cf_zrtp_crc32c (zeros, 32), ==, 0x8a9136aa);
	g_assert_cmphex (cf_zrtp_crc32c (ones, 32), ==, 0x62a8ab43);
	g_assert_cmphex (cf_zrtp_crc32c (inc, 32), ==, 0x46dd794e);
	g_assert_cmphex (cf_zrtp_crc32c (NULL, 0), ==, 0);
}

static CfZrtpMessage *
make_hello (void)
{
	CfZrtpMessage *m = cf_zrtp_message_new (CF_ZRTP_MSG_HELLO);
	CfZrtpHello *h = &m->hello;

	g_strlcpy (h->client_id, "Confab", sizeof h->client_id);
	fill (h->h3, sizeof h->h3, 0x30);
	fill (h->zid, sizeof h->zid, 0xa0);
	h->mitm = TRUE;
	h->n_hash = 1;
	g_strlcpy (h->hash[0], "S256", 5);
	h->n_cipher = 2;
	g_strlcpy (h->cipher[0], "AES1", 5);
	g_strlcpy (h->cipher[1], "AES3", 5);
	h->n_auth = 2;
	g_strlcpy (h->auth[0], "HS80", 5);
	g_strlcpy (h->auth[1], "HS32", 5);
	h->n_key_agreement = 3;
	g_strlcpy (h->key_agreement[0], "X255", 5);
	g_strlcpy (h->key_agreement[1], "DH3k", 5);
	g_strlcpy (h->key_agreement[2], "Mult", 5);
	h->n_sas = 2;
	g_strlcpy (h->sas[0], "B32 ", 5);
	g_strlcpy (h->sas[1], "B256", 5);
	fill (h->mac, sizeof h->mac, 0xe0);
	return m;
}

/* Every field at its RFC 6189 §5.2 offset, checked on a Hello built by hand. */
static void
test_hello_layout (void)
{
	g_autoptr (CfZrtpMessage) m = make_hello ();
	g_autoptr (GError) error = NULL;
	const guint8 *b;
	gsize len = 0;
	guint8 h3[32], zid[12], mac[8];

	g_assert_true (cf_zrtp_message_encode (m, &error));
	g_assert_no_error (error);
	b = cf_zrtp_message_hash_data (m, &len);
	g_assert_nonnull (b);
	/* 22 fixed words + 10 algorithms. */
	g_assert_cmpuint (len, ==, 4 * (22 + 10));
	g_assert_cmpuint (b[0], ==, 0x50);
	g_assert_cmpuint (b[1], ==, 0x5a);
	g_assert_cmpuint ((b[2] << 8) | b[3], ==, 32);
	g_assert_cmpmem (b + 4, 8, "Hello   ", 8);
	g_assert_cmpmem (b + 12, 4, "1.10", 4);
	g_assert_cmpmem (b + 16, 16, "Confab          ", 16);
	fill (h3, sizeof h3, 0x30);
	g_assert_cmpmem (b + 32, 32, h3, 32);
	fill (zid, sizeof zid, 0xa0);
	g_assert_cmpmem (b + 64, 12, zid, 12);
	/* |0|S|M|P| unused(8) | hc | cc | ac | kc | sc |: M set, 1 2 2 3 2 */
	g_assert_cmphex (b[76], ==, 0x20);
	g_assert_cmphex (b[77], ==, 0x01);
	g_assert_cmphex (b[78], ==, 0x22);
	g_assert_cmphex (b[79], ==, 0x32);
	g_assert_cmpmem (b + 80, 40, "S256AES1AES3HS80HS32X255DH3kMultB32 B256", 40);
	fill (mac, sizeof mac, 0xe0);
	g_assert_cmpmem (b + 120, 8, mac, 8);

	/* The MAC covers everything but the MAC. */
	g_assert_true (cf_zrtp_message_mac_data (m, &len) == b);
	g_assert_cmpuint (len, ==, 120);

	/* S and P flags land on their bits. */
	m->hello.mitm = FALSE;
	m->hello.signature_capable = TRUE;
	g_assert_true (cf_zrtp_message_encode (m, &error));
	b = cf_zrtp_message_hash_data (m, &len);
	g_assert_cmphex (b[76], ==, 0x40);
	m->hello.signature_capable = FALSE;
	m->hello.passive = TRUE;
	g_assert_true (cf_zrtp_message_encode (m, &error));
	b = cf_zrtp_message_hash_data (m, &len);
	g_assert_cmphex (b[76], ==, 0x10);
}

static void
assert_hello_equal (const CfZrtpHello *a, const CfZrtpHello *b)
{
	g_assert_cmpstr (a->version, ==, b->version);
	g_assert_cmpstr (a->client_id, ==, "Confab          ");
	g_assert_cmpmem (a->h3, 32, b->h3, 32);
	g_assert_cmpmem (a->zid, 12, b->zid, 12);
	g_assert_cmpint (a->signature_capable, ==, b->signature_capable);
	g_assert_cmpint (a->mitm, ==, b->mitm);
	g_assert_cmpint (a->passive, ==, b->passive);
	g_assert_cmpuint (a->n_hash, ==, b->n_hash);
	g_assert_cmpuint (a->n_cipher, ==, b->n_cipher);
	g_assert_cmpuint (a->n_auth, ==, b->n_auth);
	g_assert_cmpuint (a->n_key_agreement, ==, b->n_key_agreement);
	g_assert_cmpuint (a->n_sas, ==, b->n_sas);
	for (guint i = 0; i < a->n_hash; i++)
		g_assert_cmpstr (a->hash[i], ==, b->hash[i]);
	for (guint i = 0; i < a->n_cipher; i++)
		g_assert_cmpstr (a->cipher[i], ==, b->cipher[i]);
	for (guint i = 0; i < a->n_auth; i++)
		g_assert_cmpstr (a->auth[i], ==, b->auth[i]);
	for (guint i = 0; i < a->n_key_agreement; i++)
		g_assert_cmpstr (a->key_agreement[i], ==, b->key_agreement[i]);
	for (guint i = 0; i < a->n_sas; i++)
		g_assert_cmpstr (a->sas[i], ==, b->sas[i]);
	g_assert_cmpmem (a->mac, 8, b->mac, 8);
}

/* Build a packet around @m, parse it back; returns the parsed message. */
static CfZrtpMessage *
packet_round_trip (CfZrtpMessage *m)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) pkt = NULL;
	CfZrtpMessage *back = NULL;
	const guint8 *p, *raw;
	gsize len = 0, raw_len = 0;
	guint16 seq = 0;
	guint32 ssrc = 0;

	g_assert_true (cf_zrtp_message_encode (m, &error));
	g_assert_no_error (error);
	pkt = cf_zrtp_packet_build (0xbeef, 0x01020304, m, &error);
	g_assert_no_error (error);
	g_assert_nonnull (pkt);
	p = g_bytes_get_data (pkt, &len);
	raw = cf_zrtp_message_hash_data (m, &raw_len);
	g_assert_cmpuint (len, ==, raw_len + 16);
	g_assert_cmphex (p[0], ==, 0x10);
	g_assert_cmphex (p[1], ==, 0x00);
	g_assert_cmphex (p[2], ==, 0xbe);
	g_assert_cmphex (p[3], ==, 0xef);
	g_assert_cmpmem (p + 4, 4, "ZRTP", 4);
	g_assert_cmpmem (p + 8, 4, "\x01\x02\x03\x04", 4);
	g_assert_cmpmem (p + 12, raw_len, raw, raw_len);
	{
		/* CRC-32C over header and message, least significant byte first. */
		guint32 crc = cf_zrtp_crc32c (p, len - 4);
		const guint8 wire[4] = { crc & 0xff, (crc >> 8) & 0xff, (crc >> 16) & 0xff, crc >> 24 };

		g_assert_cmpmem (p + len - 4, 4, wire, 4);
	}
	g_assert_true (cf_zrtp_packet_looks_like_zrtp (p, len));
	g_assert_true (cf_zrtp_packet_parse (p, len, &seq, &ssrc, &back, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (seq, ==, 0xbeef);
	g_assert_cmphex (ssrc, ==, 0x01020304);
	g_assert_cmpint (back->type, ==, m->type);
	/* The parsed message keeps the exact bytes; encoding it again gives them too. */
	g_assert_true (g_bytes_equal (back->raw, m->raw));
	{
		g_autoptr (GBytes) before = g_bytes_ref (back->raw);

		g_assert_true (cf_zrtp_message_encode (back, &error));
		g_assert_no_error (error);
		g_assert_true (g_bytes_equal (before, back->raw));
	}
	return back;
}

static void
test_hello_round_trip (void)
{
	g_autoptr (CfZrtpMessage) m = make_hello ();
	g_autoptr (CfZrtpMessage) back = packet_round_trip (m);

	assert_hello_equal (&back->hello, &m->hello);
}

/* The client identifier is informational: any 16 bytes are taken as they are. */
static void
test_hello_client_id (void)
{
	g_autoptr (CfZrtpMessage) m = make_hello ();
	g_autoptr (CfZrtpMessage) back = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree guint8 *copy = NULL;
	const guint8 *raw;
	gsize len = 0;

	g_assert_true (cf_zrtp_message_encode (m, &error));
	raw = cf_zrtp_message_hash_data (m, &len);
	copy = g_memdup2 (raw, len);
	memcpy (copy + 16, "abc\0\0\0\0\0\0\0\0\0\0\0\0\xff", 16);
	back = cf_zrtp_message_parse (copy, len, &error);
	g_assert_no_error (error);
	g_assert_cmpmem (back->hello.client_id, 16, copy + 16, 16);
	/* Encoded again: up to the NUL, padded with spaces. */
	g_assert_true (cf_zrtp_message_encode (back, &error));
	raw = cf_zrtp_message_hash_data (back, &len);
	g_assert_cmpmem (raw + 16, 16, "abc             ", 16);
}

static void
test_hello_limits (void)
{
	g_autoptr (CfZrtpMessage) m = make_hello ();
	g_autoptr (GError) error = NULL;
	g_autoptr (CfZrtpMessage) back = NULL;
	g_autofree guint8 *copy = NULL;
	const guint8 *b;
	gsize len = 0;

	/* 7 of each is the most the encoder and the parser take. */
	m->hello.n_hash = m->hello.n_cipher = m->hello.n_auth = 7;
	m->hello.n_key_agreement = m->hello.n_sas = 7;
	for (guint i = 0; i < 7; i++) {
		g_strlcpy (m->hello.hash[i], "S256", 5);
		g_strlcpy (m->hello.cipher[i], "AES1", 5);
		g_strlcpy (m->hello.auth[i], "HS32", 5);
		g_strlcpy (m->hello.key_agreement[i], "DH3k", 5);
		g_strlcpy (m->hello.sas[i], "B32 ", 5);
	}
	back = packet_round_trip (m);
	g_assert_cmpuint (back->hello.n_sas, ==, 7);

	m->hello.n_cipher = 8;
	g_assert_false (cf_zrtp_message_encode (m, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	g_clear_error (&error);

	/* A count of 8 on the wire, with a length that matches it: refused. */
	m->hello.n_cipher = 7;
	m->hello.n_sas = 6;
	g_assert_true (cf_zrtp_message_encode (m, &error));
	b = cf_zrtp_message_hash_data (m, &len);
	copy = g_memdup2 (b, len);
	copy[79] = 0x58; /* kc 5, sc 8: same total as kc 7, sc 6 */
	g_assert_null (cf_zrtp_message_parse (copy, len, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
	g_clear_error (&error);

	/* A non-printable algorithm name is refused both ways. */
	m->hello.sas[0][1] = '\x01';
	g_assert_false (cf_zrtp_message_encode (m, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	g_clear_error (&error);
	copy[79] = 0x76;
	copy[len - 9] = 0x01; /* inside the last SAS name */
	g_assert_null (cf_zrtp_message_parse (copy, len, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
}

static CfZrtpMessage *
make_commit (CfZrtpCommitMode mode)
{
	CfZrtpMessage *m = cf_zrtp_message_new (CF_ZRTP_MSG_COMMIT);
	CfZrtpCommit *c = &m->commit;

	fill (c->h2, 32, 0x11);
	fill (c->zid, 12, 0x22);
	g_strlcpy (c->hash, "S256", 5);
	g_strlcpy (c->cipher, "AES1", 5);
	g_strlcpy (c->auth, "HS80", 5);
	g_strlcpy (c->key_agreement,
		   mode == CF_ZRTP_COMMIT_DH ? "X255" : mode == CF_ZRTP_COMMIT_MULTISTREAM ? "Mult"
											: "Prsh",
		   5);
	g_strlcpy (c->sas, "B32 ", 5);
	c->mode = mode;
	fill (c->hvi, 32, 0x33);
	fill (c->nonce, 16, 0x44);
	fill (c->key_id, 8, 0x55);
	fill (c->mac, 8, 0x66);
	return m;
}

static void
test_commit_round_trip (void)
{
	const CfZrtpCommitMode modes[] = { CF_ZRTP_COMMIT_DH, CF_ZRTP_COMMIT_MULTISTREAM,
					   CF_ZRTP_COMMIT_PRESHARED };
	const gsize words[] = { 29, 25, 27 };

	for (guint i = 0; i < G_N_ELEMENTS (modes); i++) {
		g_autoptr (CfZrtpMessage) m = make_commit (modes[i]);
		g_autoptr (CfZrtpMessage) back = packet_round_trip (m);
		const CfZrtpCommit *a = &back->commit;
		gsize len = 0;
		const guint8 *b = cf_zrtp_message_hash_data (back, &len);

		g_assert_cmpuint (len, ==, words[i] * 4);
		g_assert_cmpmem (b + 4, 8, "Commit  ", 8);
		g_assert_cmpint (a->mode, ==, modes[i]);
		g_assert_cmpmem (a->h2, 32, m->commit.h2, 32);
		g_assert_cmpmem (a->zid, 12, m->commit.zid, 12);
		g_assert_cmpstr (a->hash, ==, "S256");
		g_assert_cmpstr (a->cipher, ==, "AES1");
		g_assert_cmpstr (a->auth, ==, "HS80");
		g_assert_cmpstr (a->key_agreement, ==, m->commit.key_agreement);
		g_assert_cmpstr (a->sas, ==, "B32 ");
		if (modes[i] == CF_ZRTP_COMMIT_DH) {
			g_assert_cmpmem (a->hvi, 32, m->commit.hvi, 32);
			g_assert_cmpmem (b + 76, 32, m->commit.hvi, 32);
		} else {
			g_assert_cmpmem (a->nonce, 16, m->commit.nonce, 16);
		}
		if (modes[i] == CF_ZRTP_COMMIT_PRESHARED)
			g_assert_cmpmem (a->key_id, 8, m->commit.key_id, 8);
		g_assert_cmpmem (a->mac, 8, m->commit.mac, 8);
		g_assert_cmpmem (b + len - 8, 8, m->commit.mac, 8);
	}
}

static void
test_commit_mode_mismatch (void)
{
	g_autoptr (CfZrtpMessage) m = make_commit (CF_ZRTP_COMMIT_DH);
	g_autoptr (GError) error = NULL;
	g_autofree guint8 *copy = NULL;
	const guint8 *raw;
	gsize len = 0;

	m->commit.mode = CF_ZRTP_COMMIT_MULTISTREAM;
	g_assert_false (cf_zrtp_message_encode (m, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	g_clear_error (&error);
	m->commit.mode = CF_ZRTP_COMMIT_DH;
	g_assert_true (cf_zrtp_message_encode (m, &error));
	raw = cf_zrtp_message_hash_data (m, &len);
	copy = g_memdup2 (raw, len);
	/* A DH-sized Commit that claims Multistream is refused. */
	memcpy (copy + 12 + 32 + 12 + 12, "Mult", 4);
	g_assert_null (cf_zrtp_message_parse (copy, len, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
}

static CfZrtpMessage *
make_dhpart (CfZrtpMessageType type, gsize pv_len)
{
	CfZrtpMessage *m = cf_zrtp_message_new (type);
	g_autofree guint8 *pv = g_malloc (pv_len);

	fill (m->dhpart.h1, 32, 0x01);
	fill (m->dhpart.rs1_id, 8, 0x02);
	fill (m->dhpart.rs2_id, 8, 0x03);
	fill (m->dhpart.aux_id, 8, 0x04);
	fill (m->dhpart.pbx_id, 8, 0x05);
	fill (pv, pv_len, 0x06);
	m->dhpart.pv = g_bytes_new (pv, pv_len);
	fill (m->dhpart.mac, 8, 0x07);
	return m;
}

static void
test_dhpart_round_trip (void)
{
	const char *kas[] = { "X255", "DH3k", "DH2k", "EC25", "EC38", "EC52" };

	g_assert_cmpuint (cf_zrtp_pv_length ("DH3k"), ==, 384);
	g_assert_cmpuint (cf_zrtp_pv_length ("X255"), ==, 32);
	g_assert_cmpuint (cf_zrtp_pv_length ("Mult"), ==, 0);
	g_assert_cmpuint (cf_zrtp_pv_length (NULL), ==, 0);
	for (guint i = 0; i < G_N_ELEMENTS (kas); i++) {
		for (guint t = 0; t < 2; t++) {
			gsize pv_len = cf_zrtp_pv_length (kas[i]);
			CfZrtpMessageType type = t == 0 ? CF_ZRTP_MSG_DHPART1 : CF_ZRTP_MSG_DHPART2;
			g_autoptr (CfZrtpMessage) m = make_dhpart (type, pv_len);
			g_autoptr (CfZrtpMessage) back = packet_round_trip (m);
			const CfZrtpDhPart *d = &back->dhpart;
			gsize len = 0, mac_len = 0;
			const guint8 *b = cf_zrtp_message_hash_data (back, &len);

			g_assert_cmpuint (len, ==, 4 * 21 + pv_len);
			g_assert_cmpmem (b + 4, 8, t == 0 ? "DHPart1 " : "DHPart2 ", 8);
			g_assert_cmpmem (d->h1, 32, m->dhpart.h1, 32);
			g_assert_cmpmem (d->rs1_id, 8, m->dhpart.rs1_id, 8);
			g_assert_cmpmem (b + 44, 8, m->dhpart.rs1_id, 8);
			g_assert_cmpmem (d->rs2_id, 8, m->dhpart.rs2_id, 8);
			g_assert_cmpmem (d->aux_id, 8, m->dhpart.aux_id, 8);
			g_assert_cmpmem (d->pbx_id, 8, m->dhpart.pbx_id, 8);
			g_assert_cmpmem (b + 68, 8, m->dhpart.pbx_id, 8);
			g_assert_true (g_bytes_equal (d->pv, m->dhpart.pv));
			g_assert_cmpmem (d->mac, 8, m->dhpart.mac, 8);
			g_assert_nonnull (cf_zrtp_message_mac_data (back, &mac_len));
			g_assert_cmpuint (mac_len, ==, len - 8);
		}
	}
}

static CfZrtpMessage *
make_confirm (CfZrtpMessageType type, gsize enc_len)
{
	CfZrtpMessage *m = cf_zrtp_message_new (type);
	g_autofree guint8 *enc = g_malloc (enc_len);

	fill (m->confirm.mac, 8, 0x71);
	fill (m->confirm.iv, 16, 0x72);
	fill (enc, enc_len, 0x73);
	m->confirm.encrypted = g_bytes_new (enc, enc_len);
	return m;
}

static void
test_confirm_round_trip (void)
{
	for (guint t = 0; t < 2; t++) {
		CfZrtpMessageType type = t == 0 ? CF_ZRTP_MSG_CONFIRM1 : CF_ZRTP_MSG_CONFIRM2;
		g_autoptr (CfZrtpMessage) m = make_confirm (type, 40 + 4 * t);
		g_autoptr (CfZrtpMessage) back = packet_round_trip (m);
		gsize len = 0;
		const guint8 *b = cf_zrtp_message_hash_data (back, &len);

		g_assert_cmpuint (len, ==, 4 * (19 + t));
		g_assert_cmpmem (b + 4, 8, t == 0 ? "Confirm1" : "Confirm2", 8);
		g_assert_cmpmem (b + 12, 8, m->confirm.mac, 8);
		g_assert_cmpmem (b + 20, 16, m->confirm.iv, 16);
		g_assert_cmpmem (back->confirm.mac, 8, m->confirm.mac, 8);
		g_assert_cmpmem (back->confirm.iv, 16, m->confirm.iv, 16);
		g_assert_true (g_bytes_equal (back->confirm.encrypted, m->confirm.encrypted));
		/* No trailing MAC for the Confirm messages. */
		g_assert_null (cf_zrtp_message_mac_data (back, NULL));
	}
	{
		g_autoptr (CfZrtpMessage) m = make_confirm (CF_ZRTP_MSG_CONFIRM1, 36);
		g_autoptr (GError) error = NULL;

		g_assert_false (cf_zrtp_message_encode (m, &error));
		g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	}
}

static void
test_small_round_trip (void)
{
	const CfZrtpMessageType acks[] = { CF_ZRTP_MSG_HELLO_ACK, CF_ZRTP_MSG_CONF2ACK,
					   CF_ZRTP_MSG_ERROR_ACK };

	for (guint i = 0; i < G_N_ELEMENTS (acks); i++) {
		g_autoptr (CfZrtpMessage) m = cf_zrtp_message_new (acks[i]);
		g_autoptr (CfZrtpMessage) back = packet_round_trip (m);
		gsize len = 0;
		const guint8 *b = cf_zrtp_message_hash_data (back, &len);

		g_assert_cmpuint (len, ==, 12);
		g_assert_cmpmem (b, 4, "\x50\x5a\x00\x03", 4);
		g_assert_cmpmem (b + 4, 8, cf_zrtp_message_type_to_block (acks[i]), 8);
	}
	{
		g_autoptr (CfZrtpMessage) m = cf_zrtp_message_new (CF_ZRTP_MSG_ERROR);
		g_autoptr (CfZrtpMessage) back = NULL;

		m->error_code = 0x61; /* DH error: bad pvi or pvr */
		back = packet_round_trip (m);
		g_assert_cmphex (back->error_code, ==, 0x61);
		g_assert_cmpmem (g_bytes_get_data (back->raw, NULL), 16,
				 "\x50\x5a\x00\x04" "Error   " "\x00\x00\x00\x61", 16);
	}
	{
		g_autoptr (CfZrtpMessage) m = cf_zrtp_message_new (CF_ZRTP_MSG_PING);
		g_autoptr (CfZrtpMessage) back = NULL;

		fill (m->ping.endpoint_hash, 8, 0x81);
		back = packet_round_trip (m);
		g_assert_cmpstr (back->ping.version, ==, "1.10");
		g_assert_cmpmem (back->ping.endpoint_hash, 8, m->ping.endpoint_hash, 8);
		g_assert_cmpuint (g_bytes_get_size (back->raw), ==, 24);
	}
	{
		g_autoptr (CfZrtpMessage) m = cf_zrtp_message_new (CF_ZRTP_MSG_PING_ACK);
		g_autoptr (CfZrtpMessage) back = NULL;

		fill (m->ping_ack.sender_endpoint_hash, 8, 0x91);
		fill (m->ping_ack.received_endpoint_hash, 8, 0x92);
		m->ping_ack.received_ssrc = 0xdeadbeef;
		back = packet_round_trip (m);
		g_assert_cmpstr (back->ping_ack.version, ==, "1.10");
		g_assert_cmpmem (back->ping_ack.sender_endpoint_hash, 8,
				 m->ping_ack.sender_endpoint_hash, 8);
		g_assert_cmpmem (back->ping_ack.received_endpoint_hash, 8,
				 m->ping_ack.received_endpoint_hash, 8);
		g_assert_cmphex (back->ping_ack.received_ssrc, ==, 0xdeadbeef);
		g_assert_cmpuint (g_bytes_get_size (back->raw), ==, 36);
	}
}

/* GoClear, ClearACK, SASrelay, RelayACK: parsed from hand-made bytes, never built. */
static void
test_parse_only (void)
{
	g_autoptr (GError) error = NULL;
	guint8 goclear[20] = { 0x50, 0x5a, 0x00, 0x05, 'G', 'o', 'C', 'l', 'e', 'a', 'r', ' ' };
	guint8 clear_ack[12] = { 0x50, 0x5a, 0x00, 0x03, 'C', 'l', 'e', 'a', 'r', 'A', 'C', 'K' };
	guint8 relay_ack[12] = { 0x50, 0x5a, 0x00, 0x03, 'R', 'e', 'l', 'a', 'y', 'A', 'C', 'K' };
	guint8 sasrelay[76] = { 0x50, 0x5a, 0x00, 19, 'S', 'A', 'S', 'r', 'e', 'l', 'a', 'y' };
	g_autoptr (CfZrtpMessage) m1 = NULL;
	g_autoptr (CfZrtpMessage) m2 = NULL;
	g_autoptr (CfZrtpMessage) m3 = NULL;
	g_autoptr (CfZrtpMessage) m4 = NULL;

	fill (goclear + 12, 8, 0xc0);
	fill (sasrelay + 12, 64, 0xd0);
	m1 = cf_zrtp_message_parse (goclear, sizeof goclear, &error);
	g_assert_no_error (error);
	g_assert_cmpint (m1->type, ==, CF_ZRTP_MSG_GOCLEAR);
	g_assert_cmpmem (m1->clear_mac, 8, goclear + 12, 8);
	m2 = cf_zrtp_message_parse (clear_ack, sizeof clear_ack, &error);
	g_assert_no_error (error);
	g_assert_cmpint (m2->type, ==, CF_ZRTP_MSG_CLEAR_ACK);
	m3 = cf_zrtp_message_parse (relay_ack, sizeof relay_ack, &error);
	g_assert_no_error (error);
	g_assert_cmpint (m3->type, ==, CF_ZRTP_MSG_RELAY_ACK);
	m4 = cf_zrtp_message_parse (sasrelay, sizeof sasrelay, &error);
	g_assert_no_error (error);
	g_assert_cmpint (m4->type, ==, CF_ZRTP_MSG_SASRELAY);
	g_assert_cmpmem (m4->confirm.mac, 8, sasrelay + 12, 8);
	g_assert_cmpmem (m4->confirm.iv, 16, sasrelay + 20, 16);
	g_assert_cmpmem (g_bytes_get_data (m4->confirm.encrypted, NULL), 40, sasrelay + 36, 40);

	g_assert_false (cf_zrtp_message_encode (m1, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_NOT_SUPPORTED);
	g_clear_error (&error);
	g_assert_false (cf_zrtp_message_encode (m4, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_NOT_SUPPORTED);
}

/* One encoded message of every type we build. */
static GPtrArray *
all_messages (void)
{
	GPtrArray *all = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_zrtp_message_free);
	CfZrtpMessage *m;

	g_ptr_array_add (all, make_hello ());
	g_ptr_array_add (all, cf_zrtp_message_new (CF_ZRTP_MSG_HELLO_ACK));
	g_ptr_array_add (all, make_commit (CF_ZRTP_COMMIT_DH));
	g_ptr_array_add (all, make_commit (CF_ZRTP_COMMIT_MULTISTREAM));
	g_ptr_array_add (all, make_commit (CF_ZRTP_COMMIT_PRESHARED));
	g_ptr_array_add (all, make_dhpart (CF_ZRTP_MSG_DHPART1, 32));
	g_ptr_array_add (all, make_dhpart (CF_ZRTP_MSG_DHPART2, 384));
	g_ptr_array_add (all, make_confirm (CF_ZRTP_MSG_CONFIRM1, 40));
	g_ptr_array_add (all, make_confirm (CF_ZRTP_MSG_CONFIRM2, 48));
	g_ptr_array_add (all, cf_zrtp_message_new (CF_ZRTP_MSG_CONF2ACK));
	m = cf_zrtp_message_new (CF_ZRTP_MSG_ERROR);
	m->error_code = 0x40;
	g_ptr_array_add (all, m);
	g_ptr_array_add (all, cf_zrtp_message_new (CF_ZRTP_MSG_ERROR_ACK));
	g_ptr_array_add (all, cf_zrtp_message_new (CF_ZRTP_MSG_PING));
	g_ptr_array_add (all, cf_zrtp_message_new (CF_ZRTP_MSG_PING_ACK));
	for (guint i = 0; i < all->len; i++)
		g_assert_true (cf_zrtp_message_encode (all->pdata[i], NULL));
	return all;
}

static GBytes *
packet_of (const CfZrtpMessage *m)
{
	g_autoptr (GError) error = NULL;
	GBytes *pkt = cf_zrtp_packet_build (7, 0x11223344, m, &error);

	g_assert_no_error (error);
	return pkt;
}

/* Put a correct CRC on a (possibly damaged) packet. */
static void
fix_crc (guint8 *p, gsize len)
{
	guint32 crc = cf_zrtp_crc32c (p, len - 4);

	p[len - 4] = crc;
	p[len - 3] = crc >> 8;
	p[len - 2] = crc >> 16;
	p[len - 1] = crc >> 24;
}

/* A HelloACK packet written out by hand: sequence 1, SSRC 0x12345678, and its
 * CRC-32C (0x06c0cbc2, computed with an independent bitwise implementation)
 * least significant byte first. */
static void
test_packet_bytes (void)
{
	static const guint8 wire[] = {
		0x10, 0x00, 0x00, 0x01, 'Z', 'R', 'T', 'P', 0x12, 0x34, 0x56, 0x78,
		0x50, 0x5a, 0x00, 0x03, 'H', 'e', 'l', 'l', 'o', 'A', 'C', 'K',
		0xc2, 0xcb, 0xc0, 0x06,
	};
	g_autoptr (CfZrtpMessage) m = cf_zrtp_message_new (CF_ZRTP_MSG_HELLO_ACK);
	g_autoptr (CfZrtpMessage) back = NULL;
	g_autoptr (GBytes) pkt = NULL;
	g_autoptr (GError) error = NULL;
	guint16 seq = 0;
	guint32 ssrc = 0;

	g_assert_cmphex (cf_zrtp_crc32c (wire, sizeof wire - 4), ==, 0x06c0cbc2);
	g_assert_true (cf_zrtp_message_encode (m, &error));
	pkt = cf_zrtp_packet_build (1, 0x12345678, m, &error);
	g_assert_no_error (error);
	g_assert_cmpmem (g_bytes_get_data (pkt, NULL), g_bytes_get_size (pkt), wire, sizeof wire);
	g_assert_true (cf_zrtp_packet_parse (wire, sizeof wire, &seq, &ssrc, &back, &error));
	g_assert_no_error (error);
	g_assert_cmpint (back->type, ==, CF_ZRTP_MSG_HELLO_ACK);
	g_assert_cmpuint (seq, ==, 1);
	g_assert_cmphex (ssrc, ==, 0x12345678);
}

static void
test_bad_crc (void)
{
	g_autoptr (GPtrArray) all = all_messages ();

	for (guint i = 0; i < all->len; i++) {
		g_autoptr (GBytes) pkt = packet_of (all->pdata[i]);
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (pkt, &len);
		g_autofree guint8 *copy = g_memdup2 (data, len);

		/* Any single flipped bit after the first 8 header bytes is caught by the CRC. */
		for (gsize k = 8; k < len; k++) {
			for (guint bit = 0; bit < 8; bit++) {
				g_autoptr (GError) error = NULL;
				CfZrtpMessage *out = NULL;

				copy[k] ^= 1u << bit;
				g_assert_false (cf_zrtp_packet_parse (copy, len, NULL, NULL, &out,
								      &error));
				g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
				g_assert_null (out);
				copy[k] ^= 1u << bit;
			}
		}
		g_assert_true (cf_zrtp_packet_parse (copy, len, NULL, NULL, NULL, NULL));
	}
}

static void
test_bad_header (void)
{
	g_autoptr (CfZrtpMessage) m = cf_zrtp_message_new (CF_ZRTP_MSG_HELLO_ACK);
	g_autoptr (GBytes) pkt = NULL;
	g_autofree guint8 *copy = NULL;
	const guint8 *data;
	gsize len = 0;

	g_assert_true (cf_zrtp_message_encode (m, NULL));
	pkt = packet_of (m);
	data = g_bytes_get_data (pkt, &len);
	copy = g_memdup2 (data, len);
	for (gsize k = 0; k < 8; k++) {
		if (k == 2 || k == 3)
			continue; /* the sequence number can be anything */
		for (guint bit = 0; bit < 8; bit++) {
			g_autoptr (GError) error = NULL;

			copy[k] ^= 1u << bit;
			fix_crc (copy, len);
			g_assert_false (cf_zrtp_packet_parse (copy, len, NULL, NULL, NULL, &error));
			g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
			copy[k] ^= 1u << bit;
		}
	}
	/* Bad preamble and unknown type, with a good CRC. */
	{
		g_autoptr (GError) error = NULL;

		copy[12] = 0x51;
		fix_crc (copy, len);
		g_assert_false (cf_zrtp_packet_parse (copy, len, NULL, NULL, NULL, &error));
		g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		copy[12] = 0x50;
		g_clear_error (&error);
		memcpy (copy + 16, "HelloAcK", 8);
		fix_crc (copy, len);
		g_assert_false (cf_zrtp_packet_parse (copy, len, NULL, NULL, NULL, &error));
		g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_UNKNOWN_TYPE);
	}
	g_assert_false (cf_zrtp_packet_looks_like_zrtp (copy, 11));
	g_assert_false (cf_zrtp_packet_looks_like_zrtp (NULL, 0));
	g_assert_false (cf_zrtp_packet_parse (NULL, 0, NULL, NULL, NULL, NULL));
}

static void
test_truncation (void)
{
	g_autoptr (GPtrArray) all = all_messages ();

	for (guint i = 0; i < all->len; i++) {
		const CfZrtpMessage *m = all->pdata[i];
		g_autoptr (GBytes) pkt = packet_of (m);
		gsize len = 0, raw_len = 0;
		const guint8 *p = g_bytes_get_data (pkt, &len);
		const guint8 *raw = cf_zrtp_message_hash_data (m, &raw_len);

		for (gsize cut = 0; cut < len; cut++) {
			g_autoptr (GError) error = NULL;
			/* A heap copy of exactly @cut bytes so valgrind sees any over-read. */
			g_autofree guint8 *copy = g_memdup2 (p, cut);

			g_assert_false (cf_zrtp_packet_parse (copy, cut, NULL, NULL, NULL, &error));
			g_assert_nonnull (error);
			g_assert_true (error->domain == CF_ZRTP_ERROR);
		}
		for (gsize cut = 0; cut < raw_len; cut++) {
			g_autoptr (GError) error = NULL;
			g_autofree guint8 *copy = g_memdup2 (raw, cut);

			g_assert_null (cf_zrtp_message_parse (copy, cut, &error));
			g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		}
		/* Truncated packets with a valid CRC, so only the length checks refuse them. */
		for (gsize cut = 16; cut < len; cut++) {
			g_autoptr (GError) error = NULL;
			g_autofree guint8 *copy = g_memdup2 (p, cut);

			fix_crc (copy, cut);
			g_assert_false (cf_zrtp_packet_parse (copy, cut, NULL, NULL, NULL, &error));
			g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		}
	}
}

/* The length field lies (any other value than the true one): refused. Also a
 * shortened message whose length field is made to agree: refused unless the type
 * has a variable-size part that still meets its minimum. */
static void
test_lying_length (void)
{
	g_autoptr (GPtrArray) all = all_messages ();

	for (guint i = 0; i < all->len; i++) {
		const CfZrtpMessage *m = all->pdata[i];
		gsize raw_len = 0;
		const guint8 *raw = cf_zrtp_message_hash_data (m, &raw_len);
		g_autofree guint8 *copy = g_memdup2 (raw, raw_len);
		guint words = raw_len / 4;

		for (guint lie = 0; lie <= 0xffff; lie += (lie < 1024 ? 1 : 97)) {
			g_autoptr (GError) error = NULL;
			g_autoptr (CfZrtpMessage) out = NULL;

			if (lie == words)
				continue;
			copy[2] = lie >> 8;
			copy[3] = lie & 0xff;
			out = cf_zrtp_message_parse (copy, raw_len, &error);
			g_assert_null (out);
			g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		}
		for (guint w = 3; w < words; w++) {
			g_autoptr (GError) error = NULL;
			g_autoptr (CfZrtpMessage) out = NULL;
			gboolean variable = m->type == CF_ZRTP_MSG_DHPART1 ||
					    m->type == CF_ZRTP_MSG_DHPART2 ||
					    m->type == CF_ZRTP_MSG_CONFIRM1 ||
					    m->type == CF_ZRTP_MSG_CONFIRM2;

			copy[2] = w >> 8;
			copy[3] = w & 0xff;
			out = cf_zrtp_message_parse (copy, w * 4, &error);
			if (variable && out != NULL) {
				/* Only when the opaque part still has its minimum size. */
				gsize min = m->type == CF_ZRTP_MSG_DHPART1 ||
							    m->type == CF_ZRTP_MSG_DHPART2
						    ? 4 * 21 + 4
						    : 4 * 9 + 40;
				g_assert_cmpuint (w * 4, >=, min);
				continue;
			}
			g_assert_null (out);
			g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED);
		}
	}
}

static void
test_too_large (void)
{
	g_autoptr (CfZrtpMessage) m = make_dhpart (CF_ZRTP_MSG_DHPART1, CF_ZRTP_MAX_MESSAGE);
	g_autoptr (GError) error = NULL;
	g_autofree guint8 *big = g_malloc0 (CF_ZRTP_MAX_PACKET + 4);
	g_autoptr (CfZrtpMessage) ok = make_dhpart (CF_ZRTP_MSG_DHPART1,
						    CF_ZRTP_MAX_MESSAGE - 4 * 21);
	g_autoptr (CfZrtpMessage) back = NULL;

	g_assert_false (cf_zrtp_message_encode (m, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE);
	g_clear_error (&error);
	/* The largest message that fits round-trips. */
	back = packet_round_trip (ok);
	g_assert_cmpuint (g_bytes_get_size (back->raw), ==, CF_ZRTP_MAX_MESSAGE);
	g_assert_false (cf_zrtp_packet_parse (big, CF_ZRTP_MAX_PACKET + 4, NULL, NULL, NULL,
					      &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE);
	g_clear_error (&error);
	g_assert_null (cf_zrtp_message_parse (big, CF_ZRTP_MAX_MESSAGE + 4, &error));
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE);
}

static void
test_mac_helpers (void)
{
	g_autoptr (CfZrtpMessage) m = make_commit (CF_ZRTP_COMMIT_DH);
	g_autoptr (CfZrtpMessage) ack = cf_zrtp_message_new (CF_ZRTP_MSG_HELLO_ACK);
	const guint8 mac[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const guint8 *covered, *whole;
	g_autofree guint8 *before = NULL;
	gsize covered_len = 0, len = 0;

	g_assert_null (cf_zrtp_message_mac_data (m, NULL));
	g_assert_null (cf_zrtp_message_hash_data (m, NULL));
	g_assert_true (cf_zrtp_message_encode (m, NULL));
	whole = cf_zrtp_message_hash_data (m, &len);
	before = g_memdup2 (whole, len);
	g_assert_true (cf_zrtp_message_set_mac (m, mac));
	g_assert_cmpmem (m->commit.mac, 8, mac, 8);
	whole = cf_zrtp_message_hash_data (m, &len);
	covered = cf_zrtp_message_mac_data (m, &covered_len);
	g_assert_true (covered == whole);
	g_assert_cmpuint (covered_len, ==, len - 8);
	/* Only the MAC changed. */
	g_assert_cmpmem (whole, len - 8, before, len - 8);
	g_assert_cmpmem (whole + len - 8, 8, mac, 8);

	g_assert_true (cf_zrtp_message_encode (ack, NULL));
	g_assert_false (cf_zrtp_message_set_mac (ack, mac));
	g_assert_null (cf_zrtp_message_mac_data (ack, NULL));
	g_assert_nonnull (cf_zrtp_message_hash_data (ack, NULL));
	cf_zrtp_message_free (NULL);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/confab/zrtp/packet/crc32c", test_crc32c);
	g_test_add_func ("/confab/zrtp/packet/hello-layout", test_hello_layout);
	g_test_add_func ("/confab/zrtp/packet/hello-round-trip", test_hello_round_trip);
	g_test_add_func ("/confab/zrtp/packet/hello-client-id", test_hello_client_id);
	g_test_add_func ("/confab/zrtp/packet/hello-limits", test_hello_limits);
	g_test_add_func ("/confab/zrtp/packet/commit-round-trip", test_commit_round_trip);
	g_test_add_func ("/confab/zrtp/packet/commit-mode-mismatch", test_commit_mode_mismatch);
	g_test_add_func ("/confab/zrtp/packet/dhpart-round-trip", test_dhpart_round_trip);
	g_test_add_func ("/confab/zrtp/packet/confirm-round-trip", test_confirm_round_trip);
	g_test_add_func ("/confab/zrtp/packet/small-round-trip", test_small_round_trip);
	g_test_add_func ("/confab/zrtp/packet/parse-only", test_parse_only);
	g_test_add_func ("/confab/zrtp/packet/packet-bytes", test_packet_bytes);
	g_test_add_func ("/confab/zrtp/packet/bad-crc", test_bad_crc);
	g_test_add_func ("/confab/zrtp/packet/bad-header", test_bad_header);
	g_test_add_func ("/confab/zrtp/packet/truncation", test_truncation);
	g_test_add_func ("/confab/zrtp/packet/lying-length", test_lying_length);
	g_test_add_func ("/confab/zrtp/packet/too-large", test_too_large);
	g_test_add_func ("/confab/zrtp/packet/mac-helpers", test_mac_helpers);
	return g_test_run ();
}
