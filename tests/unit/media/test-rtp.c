/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-rtp"

#include <string.h>

#include "cf-rtp.h"

/* RFC 3550 §5.1 by hand: V=2, no P/X, CC=0 | M=1, PT=96 | seq 0x1234 |
 * timestamp 160 | SSRC 0xdeadbeef | 4 bytes of payload. */
/* clang-format off */
static const guint8 simple_packet[] = {
	0x80, 0xe0, 0x12, 0x34, 0x00, 0x00, 0x00, 0xa0, 0xde, 0xad, 0xbe, 0xef,
	0x01, 0x02, 0x03, 0x04,
};
/* clang-format on */

/* V=2, P, X, CC=2 | M=0, PT=0 | seq 0xffff | ts 0x12345678 | SSRC 0x11223344 |
 * CSRCs 0xaabbccdd 0x01020304 | one-byte extension (0xBEDE, 2 words):
 * ID 1 len 1 (0xaa), ID 2 len 2 (0xbb 0xcc), 3 padding bytes |
 * payload 0x55 0x66 | 3 bytes of padding (count 3). */
/* clang-format off */
static const guint8 full_packet[] = {
	0xb2, 0x00, 0xff, 0xff, 0x12, 0x34, 0x56, 0x78, 0x11, 0x22, 0x33, 0x44,
	0xaa, 0xbb, 0xcc, 0xdd, 0x01, 0x02, 0x03, 0x04,
	0xbe, 0xde, 0x00, 0x02, 0x10, 0xaa, 0x21, 0xbb, 0xcc, 0x00, 0x00, 0x00,
	0x55, 0x66,
	0x00, 0x00, 0x03,
};
/* clang-format on */
/* Where full_packet's payload starts: what a truncation must not reach. */
#define FULL_PACKET_HEADERS 32

/* Parses @len bytes copied to a buffer of exactly that size, so that any
 * read past the end is caught by valgrind or ASan. */
static gboolean
parse_exact (const guint8 *data, gsize len, CfRtpPacket *packet, GError **error)
{
	g_autofree guint8 *copy = g_memdup2 (data, len);

	return cf_rtp_packet_parse (copy, len, packet, error);
}

static void
assert_packets_equal (const CfRtpPacket *a, const CfRtpPacket *b)
{
	g_assert_cmpint (a->marker, ==, b->marker);
	g_assert_cmpuint (a->payload_type, ==, b->payload_type);
	g_assert_cmpuint (a->sequence, ==, b->sequence);
	g_assert_cmpuint (a->timestamp, ==, b->timestamp);
	g_assert_cmpuint (a->ssrc, ==, b->ssrc);
	g_assert_cmpuint (a->n_csrcs, ==, b->n_csrcs);
	for (guint i = 0; i < a->n_csrcs; i++)
		g_assert_cmpuint (a->csrcs[i], ==, b->csrcs[i]);
	g_assert_cmpint (a->has_extension, ==, b->has_extension);
	g_assert_cmpuint (a->extension_profile, ==, b->extension_profile);
	g_assert_cmpmem (a->extension, a->extension_len, b->extension, b->extension_len);
	g_assert_cmpmem (a->payload, a->payload_len, b->payload, b->payload_len);
	g_assert_cmpuint (a->padding_len, ==, b->padding_len);
}

static void
test_parse_simple (void)
{
	g_autoptr (GError) error = NULL;
	CfRtpPacket p;
	const guint8 payload[] = {1, 2, 3, 4};

	g_assert_true (cf_rtp_packet_parse (simple_packet, sizeof (simple_packet), &p, &error));
	g_assert_no_error (error);
	g_assert_true (p.marker);
	g_assert_cmpuint (p.payload_type, ==, 96);
	g_assert_cmpuint (p.sequence, ==, 0x1234);
	g_assert_cmpuint (p.timestamp, ==, 160);
	g_assert_cmpuint (p.ssrc, ==, 0xdeadbeef);
	g_assert_cmpuint (p.n_csrcs, ==, 0);
	g_assert_false (p.has_extension);
	g_assert_null (p.extension);
	g_assert_cmpuint (p.padding_len, ==, 0);
	g_assert_cmpmem (p.payload, p.payload_len, payload, sizeof (payload));
	/* The payload points into the buffer: nothing was copied. */
	g_assert_true (p.payload == simple_packet + CF_RTP_HEADER_SIZE);
}

static void
test_parse_full (void)
{
	g_autoptr (GError) error = NULL;
	CfRtpPacket p;
	CfRtpExtensionElement el[CF_RTP_MAX_EXTENSION_ELEMENTS];
	const guint8 payload[] = {0x55, 0x66};
	const guint8 *data = NULL;
	gsize len = 0;
	guint n = 0;

	g_assert_true (cf_rtp_packet_parse (full_packet, sizeof (full_packet), &p, &error));
	g_assert_no_error (error);
	g_assert_false (p.marker);
	g_assert_cmpuint (p.payload_type, ==, 0);
	g_assert_cmpuint (p.sequence, ==, 0xffff);
	g_assert_cmpuint (p.timestamp, ==, 0x12345678);
	g_assert_cmpuint (p.ssrc, ==, 0x11223344);
	g_assert_cmpuint (p.n_csrcs, ==, 2);
	g_assert_cmpuint (p.csrcs[0], ==, 0xaabbccdd);
	g_assert_cmpuint (p.csrcs[1], ==, 0x01020304);
	g_assert_true (p.has_extension);
	g_assert_cmpuint (p.extension_profile, ==, CF_RTP_EXTENSION_ONE_BYTE);
	g_assert_cmpuint (p.extension_len, ==, 8);
	g_assert_cmpmem (p.payload, p.payload_len, payload, sizeof (payload));
	g_assert_cmpuint (p.padding_len, ==, 3);

	g_assert_true (cf_rtp_extension_parse (p.extension_profile,
					       p.extension,
					       p.extension_len,
					       el,
					       G_N_ELEMENTS (el),
					       &n,
					       &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n, ==, 2);
	g_assert_cmpuint (el[0].id, ==, 1);
	g_assert_cmpmem (el[0].data, el[0].len, "\xaa", 1);
	g_assert_cmpuint (el[1].id, ==, 2);
	g_assert_cmpmem (el[1].data, el[1].len, "\xbb\xcc", 2);

	g_assert_true (cf_rtp_packet_find_extension (&p, 2, &data, &len));
	g_assert_cmpmem (data, len, "\xbb\xcc", 2);
	g_assert_false (cf_rtp_packet_find_extension (&p, 3, &data, &len));
}

/* Parse -> write -> the same bytes (the vectors' padding is zeros, as the
 * writer writes it) -> parse -> the same packet. */
static void
test_round_trip_vectors (void)
{
	const struct {
		const guint8 *data;
		gsize len;
	} vectors[] = {
		{simple_packet, sizeof (simple_packet)},
		{full_packet, sizeof (full_packet)},
	};

	for (guint i = 0; i < G_N_ELEMENTS (vectors); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (GBytes) built = NULL;
		CfRtpPacket p, again;
		guint8 buf[CF_RTP_MAX_PACKET_SIZE];
		gsize len = 0;

		g_assert_true (cf_rtp_packet_parse (vectors[i].data, vectors[i].len, &p, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (cf_rtp_packet_get_size (&p), ==, vectors[i].len);
		g_assert_true (cf_rtp_packet_write (&p, buf, sizeof (buf), &len, &error));
		g_assert_no_error (error);
		g_assert_cmpmem (buf, len, vectors[i].data, vectors[i].len);
		built = cf_rtp_packet_build (&p, &error);
		g_assert_no_error (error);
		g_assert_cmpmem (g_bytes_get_data (built, NULL),
				 g_bytes_get_size (built),
				 vectors[i].data,
				 vectors[i].len);
		g_assert_true (cf_rtp_packet_parse (buf, len, &again, &error));
		g_assert_no_error (error);
		assert_packets_equal (&p, &again);

		/* Exactly the size fits; one byte less does not. */
		g_assert_true (cf_rtp_packet_write (&p, buf, vectors[i].len, NULL, &error));
		g_assert_no_error (error);
		g_assert_false (cf_rtp_packet_write (&p, buf, vectors[i].len - 1, NULL, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_NO_SPACE);
	}
}

/* A packet built from fields, with every feature, round-trips. */
static void
test_round_trip_built (void)
{
	g_autoptr (GError) error = NULL;
	CfRtpPacket p, again;
	CfRtpExtensionElement el[3];
	guint8 ext[64], payload[200], buf[CF_RTP_MAX_PACKET_SIZE];
	gsize ext_len = 0, len = 0;
	guint16 profile = 0;

	for (guint i = 0; i < sizeof (payload); i++)
		payload[i] = (guint8)(i * 7);
	el[0] = (CfRtpExtensionElement){3, 1, (const guint8 *)"\x7f"};
	el[1] = (CfRtpExtensionElement){14, 16, (const guint8 *)"0123456789abcdef"};
	el[2] = (CfRtpExtensionElement){7, 3, (const guint8 *)"xyz"};
	g_assert_true (
		cf_rtp_extension_write (el, 3, ext, sizeof (ext), &profile, &ext_len, &error));
	g_assert_no_error (error);

	cf_rtp_packet_init (&p);
	p.marker = TRUE;
	p.payload_type = 127;
	p.sequence = 65535;
	p.timestamp = G_MAXUINT32;
	p.ssrc = 0x01020304;
	p.n_csrcs = CF_RTP_MAX_CSRCS;
	for (guint i = 0; i < CF_RTP_MAX_CSRCS; i++)
		p.csrcs[i] = 0x10000000 + i;
	p.has_extension = TRUE;
	p.extension_profile = profile;
	p.extension = ext;
	p.extension_len = ext_len;
	p.payload = payload;
	p.payload_len = sizeof (payload);
	p.padding_len = 255;

	g_assert_true (cf_rtp_packet_write (&p, buf, sizeof (buf), &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (len, ==, 12 + 4 * 15 + 4 + ext_len + sizeof (payload) + 255);
	g_assert_cmpuint (buf[len - 1], ==, 255);
	g_assert_true (cf_rtp_packet_parse (buf, len, &again, &error));
	g_assert_no_error (error);
	assert_packets_equal (&p, &again);

	/* An extension header with no data (X=1, length 0) is kept. */
	cf_rtp_packet_init (&p);
	p.has_extension = TRUE;
	p.extension_profile = 0x1234;
	g_assert_true (cf_rtp_packet_write (&p, buf, sizeof (buf), &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (len, ==, 16);
	g_assert_true (cf_rtp_packet_parse (buf, len, &again, &error));
	g_assert_no_error (error);
	assert_packets_equal (&p, &again);
}

/* Every truncation that cuts into the header, CSRC list or extension is
 * refused; a truncation in the payload is an RTP packet with a shorter
 * payload (RTP has no length field) or, with the P bit, one whose padding
 * count is now wrong: refused or parsed, never read past the end. */
static void
test_truncations (void)
{
	for (gsize len = 0; len < sizeof (full_packet); len++) {
		g_autoptr (GError) error = NULL;
		CfRtpPacket p;
		gboolean ok = parse_exact (full_packet, len, &p, &error);

		if (len < FULL_PACKET_HEADERS) {
			g_assert_false (ok);
			g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
		} else if (ok) {
			g_assert_no_error (error);
			g_assert_cmpuint (CF_RTP_HEADER_SIZE + 8 + 12 + p.payload_len
						  + p.padding_len,
					  ==,
					  len);
		} else {
			g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
		}
	}
	for (gsize len = 0; len < CF_RTP_HEADER_SIZE; len++) {
		g_autoptr (GError) error = NULL;
		CfRtpPacket p;

		g_assert_false (parse_exact (simple_packet, len, &p, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
	}
}

static void
assert_parse_fails (const guint8 *data, gsize len, CfRtpError code)
{
	g_autoptr (GError) error = NULL;
	CfRtpPacket p;

	memset (&p, 0x5a, sizeof (p));
	g_assert_false (parse_exact (data, len, &p, &error));
	g_assert_error (error, CF_RTP_ERROR, (gint)code);
	/* Untouched on failure. */
	g_assert_cmpuint (p.sequence, ==, 0x5a5a);
}

static void
test_invalid (void)
{
	guint8 buf[CF_RTP_MAX_PACKET_SIZE + 1];

	/* Version 1 and 3. */
	memcpy (buf, simple_packet, sizeof (simple_packet));
	buf[0] = 0x40;
	assert_parse_fails (buf, sizeof (simple_packet), CF_RTP_ERROR_INVALID);
	buf[0] = 0xc0;
	assert_parse_fails (buf, sizeof (simple_packet), CF_RTP_ERROR_INVALID);

	/* Padding count 0, and larger than what follows the header. */
	memcpy (buf, simple_packet, sizeof (simple_packet));
	buf[0] |= 0x20;
	buf[sizeof (simple_packet) - 1] = 0;
	assert_parse_fails (buf, sizeof (simple_packet), CF_RTP_ERROR_INVALID);
	buf[sizeof (simple_packet) - 1] = 5;
	assert_parse_fails (buf, sizeof (simple_packet), CF_RTP_ERROR_INVALID);
	/* A count of exactly what follows the header is a packet of padding. */
	buf[sizeof (simple_packet) - 1] = 4;
	{
		CfRtpPacket p;

		g_assert_true (cf_rtp_packet_parse (buf, sizeof (simple_packet), &p, NULL));
		g_assert_cmpuint (p.payload_len, ==, 0);
		g_assert_null (p.payload);
		g_assert_cmpuint (p.padding_len, ==, 4);
	}

	/* 15 CSRCs announced, one present. */
	memcpy (buf, simple_packet, sizeof (simple_packet));
	buf[0] |= 0x0f;
	assert_parse_fails (buf, sizeof (simple_packet), CF_RTP_ERROR_INVALID);

	/* An extension longer than the packet; padding that would reach into
	 * the extension. */
	memcpy (buf, full_packet, sizeof (full_packet));
	buf[23] = 4; /* 16 bytes, 13 left */
	assert_parse_fails (buf, sizeof (full_packet), CF_RTP_ERROR_INVALID);
	memcpy (buf, full_packet, sizeof (full_packet));
	buf[sizeof (full_packet) - 1] = 6;
	assert_parse_fails (buf, sizeof (full_packet), CF_RTP_ERROR_INVALID);

	/* Too large. */
	memset (buf, 0, sizeof (buf));
	memcpy (buf, simple_packet, sizeof (simple_packet));
	assert_parse_fails (buf, CF_RTP_MAX_PACKET_SIZE + 1, CF_RTP_ERROR_LIMIT);
	{
		CfRtpPacket p;

		g_assert_true (cf_rtp_packet_parse (buf, CF_RTP_MAX_PACKET_SIZE, &p, NULL));
		g_assert_cmpuint (p.payload_len, ==, CF_RTP_MAX_PACKET_SIZE - CF_RTP_HEADER_SIZE);
	}
}

static void
assert_write_fails (const CfRtpPacket *p, CfRtpError code)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GError) error2 = NULL;
	guint8 buf[CF_RTP_MAX_PACKET_SIZE * 2];

	g_assert_false (cf_rtp_packet_write (p, buf, sizeof (buf), NULL, &error));
	g_assert_error (error, CF_RTP_ERROR, (gint)code);
	g_assert_null (cf_rtp_packet_build (p, &error2));
	g_assert_error (error2, CF_RTP_ERROR, (gint)code);
}

static void
test_write_invalid (void)
{
	static guint8 big[CF_RTP_MAX_PACKET_SIZE];
	CfRtpPacket p;

	cf_rtp_packet_init (&p);
	p.payload_type = 128;
	assert_write_fails (&p, CF_RTP_ERROR_INVALID);

	cf_rtp_packet_init (&p);
	p.n_csrcs = 16;
	assert_write_fails (&p, CF_RTP_ERROR_INVALID);

	cf_rtp_packet_init (&p);
	p.has_extension = TRUE;
	p.extension = big;
	p.extension_len = 3;
	assert_write_fails (&p, CF_RTP_ERROR_INVALID);

	cf_rtp_packet_init (&p);
	p.extension = big;
	p.extension_len = 4; /* without the X bit */
	assert_write_fails (&p, CF_RTP_ERROR_INVALID);

	cf_rtp_packet_init (&p);
	p.payload_len = 10; /* and no payload */
	assert_write_fails (&p, CF_RTP_ERROR_INVALID);

	cf_rtp_packet_init (&p);
	p.payload = big;
	p.payload_len = CF_RTP_MAX_PACKET_SIZE - CF_RTP_HEADER_SIZE;
	{
		g_autoptr (GBytes) ok = cf_rtp_packet_build (&p, NULL);

		g_assert_nonnull (ok);
		g_assert_cmpuint (g_bytes_get_size (ok), ==, CF_RTP_MAX_PACKET_SIZE);
	}
	p.padding_len = 1;
	assert_write_fails (&p, CF_RTP_ERROR_LIMIT);
	p.padding_len = 0;
	p.payload_len = G_MAXSIZE - 4;
	assert_write_fails (&p, CF_RTP_ERROR_LIMIT);
}

static void
test_extension_forms (void)
{
	g_autoptr (GError) error = NULL;
	CfRtpExtensionElement in[4], out[CF_RTP_MAX_EXTENSION_ELEMENTS];
	guint8 buf[1200];
	gsize len = 0;
	guint16 profile = 0;
	guint n = 0;
	/* Two-byte form by hand: appbits 5; ID 20 with no data, ID 3 with 3
	 * bytes, a padding byte. */
	const guint8 two_byte[] = {0x14, 0x00, 0x03, 0x03, 0x01, 0x02, 0x03, 0x00};
	/* One-byte form: ID 1 (1 byte), then ID 15: stop there. */
	const guint8 stop_at_15[] = {0x10, 0xaa, 0xf0, 0xff};

	g_assert_true (
		cf_rtp_extension_parse (0x1005, two_byte, sizeof (two_byte), out, 4, &n, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n, ==, 2);
	g_assert_cmpuint (out[0].id, ==, 20);
	g_assert_cmpuint (out[0].len, ==, 0);
	g_assert_cmpuint (out[1].id, ==, 3);
	g_assert_cmpmem (out[1].data, out[1].len, "\x01\x02\x03", 3);
	/* The same bytes are not RFC 8285 under another profile. */
	g_assert_false (
		cf_rtp_extension_parse (0x2000, two_byte, sizeof (two_byte), out, 4, &n, &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
	g_clear_error (&error);

	g_assert_true (cf_rtp_extension_parse (
		CF_RTP_EXTENSION_ONE_BYTE, stop_at_15, sizeof (stop_at_15), out, 4, &n, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n, ==, 1);

	/* The writer picks the one-byte form when it can... */
	in[0] = (CfRtpExtensionElement){1, 1, (const guint8 *)"a"};
	in[1] = (CfRtpExtensionElement){14, 16, (const guint8 *)"0123456789abcdef"};
	g_assert_true (cf_rtp_extension_write (in, 2, buf, sizeof (buf), &profile, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (profile, ==, CF_RTP_EXTENSION_ONE_BYTE);
	g_assert_cmpuint (len, ==, 20); /* 2 + 17 rounded up */
	g_assert_cmpmem (buf,
			 3,
			 "\x10"
			 "a"
			 "\xef",
			 3);
	g_assert_true (cf_rtp_extension_parse (profile, buf, len, out, 4, &n, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (n, ==, 2);
	g_assert_cmpmem (out[1].data, out[1].len, in[1].data, 16);

	/* ...and the two-byte form for an ID above 14, an empty element or
	 * more than 16 bytes. */
	for (guint c = 0; c < 3; c++) {
		static const guint8 long_data[255] = {9};

		in[2] = c == 0	 ? (CfRtpExtensionElement){15, 1, (const guint8 *)"z"}
			: c == 1 ? (CfRtpExtensionElement){5, 0, NULL}
				 : (CfRtpExtensionElement){255, 255, long_data};
		g_assert_true (
			cf_rtp_extension_write (in, 3, buf, sizeof (buf), &profile, &len, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (profile, ==, CF_RTP_EXTENSION_TWO_BYTE);
		g_assert_cmpuint (len % 4, ==, 0);
		g_assert_true (cf_rtp_extension_parse (profile, buf, len, out, 4, &n, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (n, ==, 3);
		for (guint i = 0; i < 3; i++) {
			g_assert_cmpuint (out[i].id, ==, in[i].id);
			g_assert_cmpmem (out[i].data, out[i].len, in[i].data, in[i].len);
		}
	}

	/* Zero elements: an empty extension. */
	g_assert_true (cf_rtp_extension_write (NULL, 0, buf, sizeof (buf), &profile, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (len, ==, 0);

	/* ID 0 cannot be written; too small a buffer. */
	in[0].id = 0;
	g_assert_false (cf_rtp_extension_write (in, 1, buf, sizeof (buf), &profile, &len, &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
	g_clear_error (&error);
	in[0].id = 1;
	g_assert_false (cf_rtp_extension_write (in, 2, buf, 19, &profile, &len, &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_NO_SPACE);
	g_clear_error (&error);
}

static void
test_extension_invalid (void)
{
	CfRtpExtensionElement el[CF_RTP_MAX_EXTENSION_ELEMENTS + 1],
		out[CF_RTP_MAX_EXTENSION_ELEMENTS];
	guint8 buf[256];
	guint n = 77;
	gsize len;
	guint16 profile;
	/* One-byte element of 3 bytes with 2 present; ID 0 with a length;
	 * two-byte element whose length byte is missing or too large. */
	const guint8 short_one[] = {0x22, 0x01, 0x02};
	const guint8 id0[] = {0x05, 0x00, 0x00, 0x00};
	const guint8 short_two[] = {0x00, 0x00, 0x00, 0x07};
	const guint8 long_two[] = {0x07, 0x03, 0x00, 0x00};
	struct {
		guint16 profile;
		const guint8 *data;
		gsize len;
	} cases[] = {
		{CF_RTP_EXTENSION_ONE_BYTE, short_one, sizeof (short_one)},
		{CF_RTP_EXTENSION_ONE_BYTE, id0, sizeof (id0)},
		{CF_RTP_EXTENSION_TWO_BYTE, short_two, sizeof (short_two)},
		{CF_RTP_EXTENSION_TWO_BYTE, long_two, sizeof (long_two)},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autofree guint8 *copy = g_memdup2 (cases[i].data, cases[i].len);

		g_assert_false (cf_rtp_extension_parse (
			cases[i].profile, copy, cases[i].len, out, G_N_ELEMENTS (out), &n, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
		g_assert_cmpuint (n, ==, 77);
	}

	/* More elements than the caller has room for. */
	for (guint i = 0; i < G_N_ELEMENTS (el); i++)
		el[i] = (CfRtpExtensionElement){1 + i % 14, 1, (const guint8 *)"x"};
	{
		g_autoptr (GError) error = NULL;

		g_assert_true (cf_rtp_extension_write (el,
						       CF_RTP_MAX_EXTENSION_ELEMENTS,
						       buf,
						       sizeof (buf),
						       &profile,
						       &len,
						       &error));
		g_assert_no_error (error);
		g_assert_false (cf_rtp_extension_parse (profile, buf, len, out, 8, &n, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_LIMIT);
		g_clear_error (&error);
		g_assert_true (cf_rtp_extension_parse (
			profile, buf, len, out, G_N_ELEMENTS (out), &n, &error));
		g_assert_cmpuint (n, ==, CF_RTP_MAX_EXTENSION_ELEMENTS);
		g_assert_false (cf_rtp_extension_write (
			el, G_N_ELEMENTS (el), buf, sizeof (buf), &profile, &len, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_LIMIT);
	}
}

static void
test_seq_arithmetic (void)
{
	g_assert_cmpint (cf_rtp_seq_diff (0, 65535), ==, 1);
	g_assert_cmpint (cf_rtp_seq_diff (65535, 0), ==, -1);
	g_assert_cmpint (cf_rtp_seq_diff (5, 65530), ==, 11);
	g_assert_cmpint (cf_rtp_seq_diff (100, 100), ==, 0);
	g_assert_cmpint (cf_rtp_seq_diff (0x8000, 0), ==, -32768);
	g_assert_cmpint (cf_rtp_seq_diff (0x7fff, 0), ==, 32767);
	g_assert_true (cf_rtp_seq_after (0, 65535));
	g_assert_false (cf_rtp_seq_after (65535, 0));
	g_assert_false (cf_rtp_seq_after (7, 7));
	g_assert_cmpint (cf_rtp_timestamp_diff (10, G_MAXUINT32 - 9), ==, 20);
	g_assert_cmpint (cf_rtp_timestamp_diff (G_MAXUINT32 - 9, 10), ==, -20);
	g_assert_cmpint (cf_rtp_timestamp_diff (0x80000000u, 0), ==, G_MININT32);
}

/* RFC 3550 A.1 probation: the source is valid after two sequential packets;
 * a gap during probation restarts it. */
static void
test_seq_probation (void)
{
	CfRtpSeqTracker t;
	guint32 ext = 0;

	cf_rtp_seq_tracker_init (&t, CF_RTP_SEQ_MIN_SEQUENTIAL);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_expected (&t), ==, 0);
	g_assert_false (cf_rtp_seq_tracker_update (&t, 10, &ext));
	g_assert_false (cf_rtp_seq_tracker_update (&t, 12, &ext)); /* gap: start over */
	g_assert_cmpuint (cf_rtp_seq_tracker_get_expected (&t), ==, 0);
	g_assert_true (cf_rtp_seq_tracker_update (&t, 13, &ext));
	g_assert_cmpuint (ext, ==, 13);
	g_assert_cmpuint (t.received, ==, 1);
	g_assert_cmpuint (t.base_seq, ==, 13);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_expected (&t), ==, 1);

	/* Probation across the wrap: 65535 then 0. */
	cf_rtp_seq_tracker_init (&t, 2);
	g_assert_false (cf_rtp_seq_tracker_update (&t, 65535, NULL));
	g_assert_true (cf_rtp_seq_tracker_update (&t, 0, &ext));
	g_assert_cmpuint (ext, ==, 0);

	/* With no probation the first packet counts. */
	cf_rtp_seq_tracker_init (&t, 0);
	g_assert_true (cf_rtp_seq_tracker_update (&t, 500, &ext));
	g_assert_cmpuint (ext, ==, 500);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_expected (&t), ==, 1);
}

/* Sequence numbers wrapping around 65535 -> 0, twice, with a late packet
 * from before a wrap. */
static void
test_seq_wrap (void)
{
	CfRtpSeqTracker t;
	guint32 ext = 0;
	guint16 seq = 65000;

	cf_rtp_seq_tracker_init (&t, 0);
	for (guint i = 0; i < 140000; i++) {
		g_assert_true (cf_rtp_seq_tracker_update (&t, seq, &ext));
		g_assert_cmpuint (ext, ==, 65000 + i);
		seq++;
	}
	g_assert_cmpuint (t.cycles, ==, 3 * 65536);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_extended_max (&t), ==, 65000 + 139999);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_expected (&t), ==, 140000);
	g_assert_cmpuint (t.received, ==, 140000);

	/* A packet 50 behind the maximum, from before the last wrap. */
	cf_rtp_seq_tracker_init (&t, 0);
	g_assert_true (cf_rtp_seq_tracker_update (&t, 65530, NULL));
	for (guint16 s = 65531; s != 20; s++)
		g_assert_true (cf_rtp_seq_tracker_update (&t, s, NULL));
	g_assert_cmpuint (cf_rtp_seq_tracker_get_extended_max (&t), ==, 65536 + 19);
	g_assert_true (cf_rtp_seq_tracker_update (&t, 65533, &ext)); /* late (duplicate) */
	g_assert_cmpuint (ext, ==, 65533);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_extended_max (&t), ==, 65536 + 19);
	/* A gap within MAX_DROPOUT is in order. */
	g_assert_true (cf_rtp_seq_tracker_update (&t, 2019, &ext));
	g_assert_cmpuint (ext, ==, 65536 + 2019);
}

/* A jump larger than MAX_DROPOUT is ignored until the next packet follows
 * it: then the source restarts there. */
static void
test_seq_restart (void)
{
	CfRtpSeqTracker t;
	guint32 ext = 0;

	cf_rtp_seq_tracker_init (&t, 0);
	for (guint16 s = 100; s < 110; s++)
		g_assert_true (cf_rtp_seq_tracker_update (&t, s, NULL));
	g_assert_false (cf_rtp_seq_tracker_update (&t, 30000, NULL));
	g_assert_cmpuint (t.max_seq, ==, 109);
	g_assert_false (cf_rtp_seq_tracker_update (&t, 40000, NULL)); /* not sequential */
	g_assert_true (cf_rtp_seq_tracker_update (&t, 110, NULL));    /* the old stream goes on */
	g_assert_false (cf_rtp_seq_tracker_update (&t, 50000, NULL));
	g_assert_true (cf_rtp_seq_tracker_update (&t, 50001, &ext)); /* restart */
	g_assert_cmpuint (ext, ==, 50001);
	g_assert_cmpuint (t.base_seq, ==, 50001);
	g_assert_cmpuint (t.received, ==, 1);
	g_assert_cmpuint (cf_rtp_seq_tracker_get_expected (&t), ==, 1);

	/* Less than MAX_MISORDER behind: a late packet, counted. */
	g_assert_true (cf_rtp_seq_tracker_update (&t, 50001 - (CF_RTP_SEQ_MAX_MISORDER - 1), &ext));
	g_assert_cmpuint (ext, ==, 50001 - (CF_RTP_SEQ_MAX_MISORDER - 1));
	/* MAX_MISORDER behind: a jump. */
	g_assert_false (cf_rtp_seq_tracker_update (&t, 50001 - CF_RTP_SEQ_MAX_MISORDER, NULL));
	/* MAX_DROPOUT - 1 ahead is in order, MAX_DROPOUT is a jump. */
	g_assert_true (cf_rtp_seq_tracker_update (&t, 50001 + CF_RTP_SEQ_MAX_DROPOUT - 1, NULL));
	g_assert_false (
		cf_rtp_seq_tracker_update (&t, 50001 + 2 * CF_RTP_SEQ_MAX_DROPOUT - 1, NULL));
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/rtp/parse/simple", test_parse_simple);
	g_test_add_func ("/confab/media/rtp/parse/full", test_parse_full);
	g_test_add_func ("/confab/media/rtp/parse/truncations", test_truncations);
	g_test_add_func ("/confab/media/rtp/parse/invalid", test_invalid);
	g_test_add_func ("/confab/media/rtp/write/round-trip-vectors", test_round_trip_vectors);
	g_test_add_func ("/confab/media/rtp/write/round-trip-built", test_round_trip_built);
	g_test_add_func ("/confab/media/rtp/write/invalid", test_write_invalid);
	g_test_add_func ("/confab/media/rtp/extension/forms", test_extension_forms);
	g_test_add_func ("/confab/media/rtp/extension/invalid", test_extension_invalid);
	g_test_add_func ("/confab/media/rtp/seq/arithmetic", test_seq_arithmetic);
	g_test_add_func ("/confab/media/rtp/seq/probation", test_seq_probation);
	g_test_add_func ("/confab/media/rtp/seq/wrap", test_seq_wrap);
	g_test_add_func ("/confab/media/rtp/seq/restart", test_seq_restart);

	return g_test_run ();
}
