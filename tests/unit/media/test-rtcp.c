/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-rtcp"

#include <string.h>

#include "cf-rtcp.h"

/* RFC 4585 §6.1 and §6.3.1 by hand: V=2, FMT=1 | PT=206 | length 2 |
 * sender SSRC | media source SSRC, no FCI. */
/* clang-format off */
static const guint8 pli_packet[] = {
	0x81, 0xce, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
};
/* clang-format on */

/* RFC 3550 §6.4.1 by hand: an SR with one report block.
 * V=2, RC=1 | PT=200 | length 12 (13 words) | SSRC 0x11223344 |
 * NTP 0xe0000001.80000000 | RTP 8000 | 50 packets | 8000 octets |
 * block: SSRC 0x55667788, fraction 0x40, cumulative -2, highest 0x00010005,
 * jitter 35, LSR 0x00018000, DLSR 0x00008000 (half a second). */
/* clang-format off */
static const guint8 sr_packet[] = {
	0x81, 0xc8, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44,
	0xe0, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x1f, 0x40, 0x00, 0x00, 0x00, 0x32, 0x00, 0x00, 0x1f, 0x40,
	0x55, 0x66, 0x77, 0x88, 0x40, 0xff, 0xff, 0xfe,
	0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x23,
	0x00, 0x01, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00,
};
/* clang-format on */

/* A compound: RR without blocks | SDES with CNAME "alice" | BYE with reason
 * "done". Packets start at 0, 8 and 24. */
/* clang-format off */
static const guint8 compound_packet[] = {
	0x80, 0xc9, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44,
	0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
	0x01, 0x05, 'a', 'l', 'i', 'c', 'e', 0x00,
	0x81, 0xcb, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
	0x04, 'd', 'o', 'n', 'e', 0x00, 0x00, 0x00,
};
/* clang-format on */

static CfRtcpCompound *
parse_exact (const guint8 *data, gsize len, GError **error)
{
	g_autofree guint8 *copy = g_memdup2 (data, len);

	return cf_rtcp_compound_parse (copy, len, error);
}

static void
assert_builds_to (const CfRtcpCompound *compound, const guint8 *data, gsize len)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) built = cf_rtcp_compound_build (compound, &error);

	g_assert_no_error (error);
	g_assert_cmpmem (g_bytes_get_data (built, NULL), g_bytes_get_size (built), data, len);
}

/* build -> parse -> equal -> build -> the same bytes. */
static void
assert_round_trip (const CfRtcpCompound *compound)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) first = cf_rtcp_compound_build (compound, &error);
	g_autoptr (CfRtcpCompound) again = NULL;
	g_autoptr (GBytes) second = NULL;

	g_assert_no_error (error);
	again = cf_rtcp_compound_parse (
		g_bytes_get_data (first, NULL), g_bytes_get_size (first), &error);
	g_assert_no_error (error);
	g_assert_true (cf_rtcp_compound_equal (compound, again));
	second = cf_rtcp_compound_build (again, &error);
	g_assert_no_error (error);
	g_assert_true (g_bytes_equal (first, second));
}

static void
test_pli (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfRtcpCompound) compound = parse_exact (pli_packet, sizeof (pli_packet), &error);
	g_autoptr (CfRtcpCompound) built = cf_rtcp_compound_new ();
	const CfRtcpPacket *p;

	g_assert_no_error (error);
	g_assert_cmpuint (cf_rtcp_compound_get_n_packets (compound), ==, 1);
	p = cf_rtcp_compound_get_packet (compound, 0);
	g_assert_cmpuint (p->type, ==, CF_RTCP_TYPE_PSFB);
	g_assert_cmpuint (p->fmt, ==, CF_RTCP_PSFB_PLI);
	g_assert_true (cf_rtcp_packet_is_pli (p));
	g_assert_cmpuint (p->ssrc, ==, 0x11223344);
	g_assert_cmpuint (p->media_ssrc, ==, 0x55667788);
	g_assert_null (p->data);
	g_assert_false (cf_rtcp_compound_is_rfc3550 (compound));

	cf_rtcp_compound_add (built, cf_rtcp_packet_new_pli (0x11223344, 0x55667788));
	assert_builds_to (built, pli_packet, sizeof (pli_packet));
	g_assert_true (cf_rtcp_compound_equal (compound, built));
}

static void
test_sr (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfRtcpCompound) compound = parse_exact (sr_packet, sizeof (sr_packet), &error);
	g_autoptr (CfRtcpCompound) built = cf_rtcp_compound_new ();
	const CfRtcpPacket *p;
	const CfRtcpReportBlock *b;
	CfRtcpReportBlock block = {
		.ssrc = 0x55667788,
		.fraction_lost = 0x40,
		.cumulative_lost = -2,
		.highest_seq = 0x00010005,
		.jitter = 35,
		.lsr = 0x00018000,
		.dlsr = 0x00008000,
	};
	CfRtcpPacket *sr;

	g_assert_no_error (error);
	g_assert_cmpuint (cf_rtcp_compound_get_n_packets (compound), ==, 1);
	g_assert_true (cf_rtcp_compound_is_rfc3550 (compound));
	p = cf_rtcp_compound_get_packet (compound, 0);
	g_assert_true (p == cf_rtcp_compound_find (compound, CF_RTCP_TYPE_SR));
	g_assert_null (cf_rtcp_compound_find (compound, CF_RTCP_TYPE_RR));
	g_assert_cmpuint (p->type, ==, CF_RTCP_TYPE_SR);
	g_assert_cmpuint (p->ssrc, ==, 0x11223344);
	g_assert_cmphex (p->ntp_timestamp, ==, G_GUINT64_CONSTANT (0xe000000180000000));
	g_assert_cmpuint (p->rtp_timestamp, ==, 8000);
	g_assert_cmpuint (p->packet_count, ==, 50);
	g_assert_cmpuint (p->octet_count, ==, 8000);
	g_assert_cmpuint (p->n_report_blocks, ==, 1);
	g_assert_null (p->data);
	b = &p->report_blocks[0];
	g_assert_cmphex (b->ssrc, ==, 0x55667788);
	g_assert_cmpuint (b->fraction_lost, ==, 0x40);
	g_assert_cmpint (b->cumulative_lost, ==, -2);
	g_assert_cmphex (b->highest_seq, ==, 0x00010005);
	g_assert_cmpuint (b->jitter, ==, 35);
	g_assert_cmphex (b->lsr, ==, 0x00018000);
	g_assert_cmphex (b->dlsr, ==, 0x00008000);
	g_assert_cmpint (cf_rtcp_compact_to_usec (b->dlsr), ==, G_USEC_PER_SEC / 2);

	sr = cf_rtcp_compound_add (
		built,
		cf_rtcp_packet_new_sr (
			0x11223344, G_GUINT64_CONSTANT (0xe000000180000000), 8000, 50, 8000));
	g_assert_true (cf_rtcp_packet_add_report_block (sr, &block));
	assert_builds_to (built, sr_packet, sizeof (sr_packet));
}

static void
test_compound (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfRtcpCompound) compound =
		parse_exact (compound_packet, sizeof (compound_packet), &error);
	g_autoptr (CfRtcpCompound) built = cf_rtcp_compound_new ();
	g_autofree char *cname = NULL;
	g_autofree char *none = NULL;
	const CfRtcpPacket *rr, *sdes, *bye;
	const CfRtcpSdesChunk *chunk;

	g_assert_no_error (error);
	g_assert_cmpuint (cf_rtcp_compound_get_n_packets (compound), ==, 3);
	g_assert_true (cf_rtcp_compound_is_rfc3550 (compound));
	rr = cf_rtcp_compound_get_packet (compound, 0);
	sdes = cf_rtcp_compound_get_packet (compound, 1);
	bye = cf_rtcp_compound_get_packet (compound, 2);
	g_assert_cmpuint (rr->type, ==, CF_RTCP_TYPE_RR);
	g_assert_cmpuint (rr->ssrc, ==, 0x11223344);
	g_assert_cmpuint (rr->n_report_blocks, ==, 0);
	g_assert_cmpuint (sdes->type, ==, CF_RTCP_TYPE_SDES);
	g_assert_cmpuint (sdes->chunks->len, ==, 1);
	chunk = g_ptr_array_index (sdes->chunks, 0);
	g_assert_cmpuint (chunk->ssrc, ==, 0x11223344);
	g_assert_cmpuint (chunk->items->len, ==, 1);
	cname = cf_rtcp_packet_dup_cname (sdes, 0x11223344);
	g_assert_cmpstr (cname, ==, "alice");
	none = cf_rtcp_packet_dup_cname (sdes, 0x99);
	g_assert_null (none);
	g_assert_cmpuint (bye->type, ==, CF_RTCP_TYPE_BYE);
	g_assert_cmpuint (bye->n_sources, ==, 1);
	g_assert_cmpuint (bye->sources[0], ==, 0x11223344);
	g_assert_cmpmem (
		g_bytes_get_data (bye->reason, NULL), g_bytes_get_size (bye->reason), "done", 4);

	cf_rtcp_compound_add (built, cf_rtcp_packet_new_rr (0x11223344));
	cf_rtcp_compound_add (built, cf_rtcp_packet_new_sdes_cname (0x11223344, "alice"));
	cf_rtcp_compound_add (built, cf_rtcp_packet_new_bye (0x11223344, "done"));
	assert_builds_to (built, compound_packet, sizeof (compound_packet));
	assert_round_trip (compound);
}

/* Every packet of a compound carries its length, so any truncation of a
 * single packet is refused; a compound cut exactly between two packets is
 * a valid, shorter compound. */
static void
test_truncations (void)
{
	const struct {
		const guint8 *data;
		gsize len;
	} singles[] = {
		{pli_packet, sizeof (pli_packet)},
		{sr_packet, sizeof (sr_packet)},
	};

	for (guint i = 0; i < G_N_ELEMENTS (singles); i++) {
		for (gsize len = 0; len < singles[i].len; len++) {
			g_autoptr (GError) error = NULL;
			g_autoptr (CfRtcpCompound) c = parse_exact (singles[i].data, len, &error);

			g_assert_null (c);
			g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
		}
	}
	for (gsize len = 0; len < sizeof (compound_packet); len++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfRtcpCompound) c = parse_exact (compound_packet, len, &error);

		if (len == 8 || len == 24) {
			g_assert_no_error (error);
			g_assert_cmpuint (cf_rtcp_compound_get_n_packets (c), ==, len == 8 ? 1 : 2);
		} else {
			g_assert_null (c);
			g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
		}
	}
}

static void
assert_parse_fails (const guint8 *data, gsize len, CfRtpError code)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfRtcpCompound) c = parse_exact (data, len, &error);

	g_assert_null (c);
	g_assert_error (error, CF_RTP_ERROR, (gint)code);
}

static void
test_padding (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfRtcpCompound) c = NULL;
	/* RR with P: length 2 (12 bytes), 4 bytes of padding. */
	guint8 rr[] = {0xa0, 0xc9, 0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x04};
	guint8 two[sizeof (rr) + sizeof (pli_packet)];

	c = parse_exact (rr, sizeof (rr), &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_rtcp_compound_get_packet (c, 0)->ssrc, ==, 0x11223344);
	g_assert_null (cf_rtcp_compound_get_packet (c, 0)->data);
	g_clear_pointer (&c, cf_rtcp_compound_free);

	/* Padding is allowed only in the last packet. */
	memcpy (two, rr, sizeof (rr));
	memcpy (two + sizeof (rr), pli_packet, sizeof (pli_packet));
	assert_parse_fails (two, sizeof (two), CF_RTP_ERROR_INVALID);
	memcpy (two, pli_packet, sizeof (pli_packet));
	memcpy (two + sizeof (pli_packet), rr, sizeof (rr));
	c = parse_exact (two, sizeof (two), &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_rtcp_compound_get_n_packets (c), ==, 2);

	/* Counts of 0, not a multiple of 4, larger than the body. */
	rr[11] = 0;
	assert_parse_fails (rr, sizeof (rr), CF_RTP_ERROR_INVALID);
	rr[11] = 3;
	assert_parse_fails (rr, sizeof (rr), CF_RTP_ERROR_INVALID);
	rr[11] = 12;
	assert_parse_fails (rr, sizeof (rr), CF_RTP_ERROR_INVALID);
	/* Padding eating the SSRC. */
	rr[11] = 8;
	assert_parse_fails (rr, sizeof (rr), CF_RTP_ERROR_INVALID);
}

static void
test_invalid (void)
{
	guint8 buf[CF_RTCP_MAX_COMPOUND_SIZE + 8];
	/* SDES chunk whose item list is not terminated; SDES item running past
	 * the packet; BYE reason running past the packet; bytes after the last
	 * SDES chunk; an SR announcing 2 blocks with room for 1. */
	const guint8 unterminated[] = {0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x02, 'a', 'b'};
	const guint8 long_item[] = {0x81, 0xca, 0x00, 0x02, 0, 0, 0, 1, 0x01, 0x09, 'a', 'b'};
	const guint8 long_reason[] = {0x81, 0xcb, 0x00, 0x02, 0, 0, 0, 1, 0x09, 'a', 'b', 'c'};
	const guint8 short_reason[] = {
		0x81, 0xcb, 0x00, 0x03, 0, 0, 0, 1, 0x01, 'a', 0, 0, 0, 0, 0, 0};
	const guint8 trailing[] = {
		0x81, 0xca, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0};
	const guint8 feedback[] = {0x81, 0xcd, 0x00, 0x01, 0, 0, 0, 1};

	memcpy (buf, sr_packet, sizeof (sr_packet));
	buf[0] = 0x82;
	assert_parse_fails (buf, sizeof (sr_packet), CF_RTP_ERROR_INVALID);

	/* Version 1; an RTP packet (PT 96 with M: second octet 0xe0). */
	memcpy (buf, pli_packet, sizeof (pli_packet));
	buf[0] = 0x41;
	assert_parse_fails (buf, sizeof (pli_packet), CF_RTP_ERROR_INVALID);
	memcpy (buf, pli_packet, sizeof (pli_packet));
	buf[1] = 0xe0;
	assert_parse_fails (buf, sizeof (pli_packet), CF_RTP_ERROR_INVALID);
	g_assert_false (cf_rtcp_is_rtcp (buf, sizeof (pli_packet)));
	g_assert_true (cf_rtcp_is_rtcp (pli_packet, sizeof (pli_packet)));

	/* A length running past the end; trailing bytes that are not a packet. */
	memcpy (buf, pli_packet, sizeof (pli_packet));
	buf[3] = 3;
	assert_parse_fails (buf, sizeof (pli_packet), CF_RTP_ERROR_INVALID);
	memcpy (buf, pli_packet, sizeof (pli_packet));
	assert_parse_fails (buf, sizeof (pli_packet) + 2, CF_RTP_ERROR_INVALID);

	assert_parse_fails (unterminated, sizeof (unterminated), CF_RTP_ERROR_INVALID);
	assert_parse_fails (long_item, sizeof (long_item), CF_RTP_ERROR_INVALID);
	assert_parse_fails (long_reason, sizeof (long_reason), CF_RTP_ERROR_INVALID);
	assert_parse_fails (short_reason, sizeof (short_reason), CF_RTP_ERROR_INVALID);
	assert_parse_fails (trailing, sizeof (trailing), CF_RTP_ERROR_INVALID);
	assert_parse_fails (feedback, sizeof (feedback), CF_RTP_ERROR_INVALID);
	assert_parse_fails (buf, 0, CF_RTP_ERROR_INVALID);

	/* Limits: more than 1500 bytes; more than 32 packets. */
	memset (buf, 0, sizeof (buf));
	assert_parse_fails (buf, CF_RTCP_MAX_COMPOUND_SIZE + 1, CF_RTP_ERROR_LIMIT);
	for (guint i = 0; i <= CF_RTCP_MAX_PACKETS; i++)
		memcpy (buf + 8 * i, compound_packet, 8);
	{
		g_autoptr (CfRtcpCompound) c = parse_exact (buf, 8 * CF_RTCP_MAX_PACKETS, NULL);

		g_assert_nonnull (c);
		g_assert_cmpuint (cf_rtcp_compound_get_n_packets (c), ==, CF_RTCP_MAX_PACKETS);
	}
	assert_parse_fails (buf, 8 * (CF_RTCP_MAX_PACKETS + 1), CF_RTP_ERROR_LIMIT);
}

/* Every packet type with every field used, at the limits. */
static void
test_round_trip_rich (void)
{
	g_autoptr (CfRtcpCompound) c = cf_rtcp_compound_new ();
	g_autoptr (CfRtcpPacket) copy = NULL;
	CfRtcpPacket *sr, *rr, *sdes, *bye, *app, *xr;
	const guint8 nack[] = {0x01, 0x00, 0x00, 0x05}; /* PID 256, BLP 0x0005 */
	guint8 ext[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	char value[CF_RTCP_MAX_SDES_LENGTH + 1];

	sr = cf_rtcp_compound_add (c, cf_rtcp_packet_new_sr (1, G_MAXUINT64, G_MAXUINT32, 2, 3));
	for (guint i = 0; i < CF_RTCP_MAX_REPORT_BLOCKS; i++) {
		CfRtcpReportBlock b = {
			.ssrc = 100 + i,
			.fraction_lost = (guint8)(i * 8),
			.cumulative_lost = i == 0   ? -0x800000
					   : i == 1 ? 0x7fffff
						    : (gint32)i - 15,
			.highest_seq = 0xffff0000u + i,
			.jitter = i * 1000,
			.lsr = i,
			.dlsr = G_MAXUINT32 - i,
		};
		g_assert_true (cf_rtcp_packet_add_report_block (sr, &b));
	}
	/* Full: the 32nd block is refused. */
	g_assert_false (cf_rtcp_packet_add_report_block (sr, &sr->report_blocks[0]));
	sr->data = g_bytes_new (ext, sizeof (ext));

	rr = cf_rtcp_compound_add (c, cf_rtcp_packet_new_rr (2));
	g_assert_true (cf_rtcp_packet_add_report_block (rr, &sr->report_blocks[3]));

	memset (value, 'v', sizeof (value));
	sdes = cf_rtcp_compound_add (c, cf_rtcp_packet_new_sdes_cname (1, "user@host"));
	g_assert_true (cf_rtcp_packet_add_sdes_item (sdes, 1, CF_RTCP_SDES_TOOL, "confab", 6));
	g_assert_true (cf_rtcp_packet_add_sdes_item (sdes, 1, CF_RTCP_SDES_NOTE, "", 0));
	g_assert_true (cf_rtcp_packet_add_sdes_item (sdes, 2, CF_RTCP_SDES_NAME, value, 255));
	g_assert_false (cf_rtcp_packet_add_sdes_item (sdes, 2, CF_RTCP_SDES_NAME, value, 256));
	g_assert_false (cf_rtcp_packet_add_sdes_item (sdes, 2, CF_RTCP_SDES_END, "x", 1));
	g_assert_true (cf_rtcp_packet_add_sdes_item (sdes, 3, CF_RTCP_SDES_PRIV, "\x01p\0v", 4));
	g_assert_cmpuint (sdes->chunks->len, ==, 3);
	/* A CNAME with a NUL byte is not returned as a string. */
	g_assert_true (cf_rtcp_packet_add_sdes_item (sdes, 4, CF_RTCP_SDES_CNAME, "a\0b", 3));
	g_assert_null (cf_rtcp_packet_dup_cname (sdes, 4));

	bye = cf_rtcp_compound_add (c, cf_rtcp_packet_new_bye (1, ""));
	for (guint i = 1; i < CF_RTCP_MAX_BYE_SOURCES; i++)
		g_assert_true (cf_rtcp_packet_add_bye_source (bye, 1000 + i));
	g_assert_false (cf_rtcp_packet_add_bye_source (bye, 7));
	cf_rtcp_compound_add (c, cf_rtcp_packet_new_bye (5, NULL));

	cf_rtcp_compound_add (
		c,
		cf_rtcp_packet_new_feedback (
			CF_RTCP_TYPE_RTPFB, CF_RTCP_RTPFB_NACK, 1, 2, nack, sizeof (nack)));
	cf_rtcp_compound_add (c, cf_rtcp_packet_new_pli (1, 2));
	/* APP: subtype 5, SSRC, name "cnfb", 4 bytes of data, all opaque. */
	app = cf_rtcp_compound_add (c, cf_rtcp_packet_new (CF_RTCP_TYPE_APP));
	app->fmt = 5;
	app->data = g_bytes_new ("\0\0\0\1cnfbDATA", 12);
	/* An unknown type (XR, 207) with no body. */
	xr = cf_rtcp_compound_add (c, cf_rtcp_packet_new (207));
	xr->fmt = 31;

	assert_round_trip (c);

	copy = cf_rtcp_packet_copy (sdes);
	g_assert_true (cf_rtcp_packet_equal (copy, sdes));
	g_assert_false (cf_rtcp_packet_equal (copy, bye));
	g_clear_pointer (&copy, cf_rtcp_packet_free);
	copy = cf_rtcp_packet_copy (sr);
	g_assert_true (cf_rtcp_packet_equal (copy, sr));
	copy->report_blocks[30].dlsr++;
	g_assert_false (cf_rtcp_packet_equal (copy, sr));
}

static void
assert_build_fails (const CfRtcpCompound *c, CfRtpError code)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) bytes = cf_rtcp_compound_build (c, &error);

	g_assert_null (bytes);
	g_assert_error (error, CF_RTP_ERROR, (gint)code);
}

static void
test_build_invalid (void)
{
	g_autoptr (CfRtcpCompound) c = cf_rtcp_compound_new ();
	g_autoptr (GError) error = NULL;
	CfRtcpPacket *p;
	guint8 buf[64];
	gsize len = 0;

	assert_build_fails (c, CF_RTP_ERROR_INVALID); /* empty */

	p = cf_rtcp_compound_add (c, cf_rtcp_packet_new_rr (1));
	p->data = g_bytes_new ("abc", 3); /* not a multiple of 4 */
	assert_build_fails (c, CF_RTP_ERROR_INVALID);
	g_clear_pointer (&p->data, g_bytes_unref);
	p->n_report_blocks = CF_RTCP_MAX_REPORT_BLOCKS + 1;
	assert_build_fails (c, CF_RTP_ERROR_LIMIT);
	p->n_report_blocks = 0;
	p->type = 72;
	assert_build_fails (c, CF_RTP_ERROR_INVALID);
	p->type = CF_RTCP_TYPE_PSFB;
	p->fmt = 32;
	assert_build_fails (c, CF_RTP_ERROR_INVALID);
	p->fmt = 1;

	/* Fits 12 bytes, not 11. */
	g_assert_true (cf_rtcp_compound_write (c, buf, 12, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (len, ==, 12);
	g_assert_false (cf_rtcp_compound_write (c, buf, 11, &len, &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_NO_SPACE);

	/* Over 1500 bytes: an SR with 31 blocks is 772 bytes; one fits, two do not. */
	g_clear_pointer (&c, cf_rtcp_compound_free);
	c = cf_rtcp_compound_new ();
	for (guint n = 0; n < 2; n++) {
		CfRtcpReportBlock b = {.ssrc = n};

		p = cf_rtcp_compound_add (c, cf_rtcp_packet_new_sr (n, 0, 0, 0, 0));
		for (guint i = 0; i < CF_RTCP_MAX_REPORT_BLOCKS; i++)
			cf_rtcp_packet_add_report_block (p, &b);
		if (n == 0) {
			g_autoptr (GBytes) ok = cf_rtcp_compound_build (c, NULL);

			g_assert_cmpuint (g_bytes_get_size (ok), ==, 772);
		}
	}
	assert_build_fails (c, CF_RTP_ERROR_LIMIT);

	/* More than 32 packets. */
	g_clear_pointer (&c, cf_rtcp_compound_free);
	c = cf_rtcp_compound_new ();
	for (guint i = 0; i <= CF_RTCP_MAX_PACKETS; i++)
		cf_rtcp_compound_add (c, cf_rtcp_packet_new_pli (i, i));
	assert_build_fails (c, CF_RTP_ERROR_LIMIT);
}

/* Cumulative loss is 24-bit signed on the wire, clamped when built. */
static void
test_cumulative_lost_wire (void)
{
	const gint32 values[] = {0, 1, -1, 0x7fffff, -0x800000, 0x123456, -0x123456};

	for (guint i = 0; i < G_N_ELEMENTS (values) + 2; i++) {
		g_autoptr (CfRtcpCompound) c = cf_rtcp_compound_new ();
		g_autoptr (CfRtcpCompound) again = NULL;
		g_autoptr (GBytes) bytes = NULL;
		CfRtcpReportBlock b = {0};
		CfRtcpPacket *rr = cf_rtcp_compound_add (c, cf_rtcp_packet_new_rr (1));
		gint32 want;

		b.cumulative_lost = i < G_N_ELEMENTS (values)	 ? values[i]
				    : i == G_N_ELEMENTS (values) ? 0x1000000
								 : -0x1000000;
		want = CLAMP (b.cumulative_lost, -0x800000, 0x7fffff);
		cf_rtcp_packet_add_report_block (rr, &b);
		bytes = cf_rtcp_compound_build (c, NULL);
		again = cf_rtcp_compound_parse (
			g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
		g_assert_cmpint (
			cf_rtcp_compound_get_packet (again, 0)->report_blocks[0].cumulative_lost,
			==,
			want);
	}
}

static void
test_loss_formulas (void)
{
	g_assert_cmpint (cf_rtcp_cumulative_lost (100, 90), ==, 10);
	g_assert_cmpint (cf_rtcp_cumulative_lost (90, 100), ==, -10);
	g_assert_cmpint (cf_rtcp_cumulative_lost (G_MAXUINT32, 0), ==, 0x7fffff);
	g_assert_cmpint (cf_rtcp_cumulative_lost (0, G_MAXUINT32), ==, -0x800000);

	g_assert_cmpuint (cf_rtcp_fraction_lost (100, 75), ==, 64);
	g_assert_cmpuint (cf_rtcp_fraction_lost (100, 99), ==, 2); /* 256/100 truncated */
	g_assert_cmpuint (cf_rtcp_fraction_lost (0, 0), ==, 0);
	g_assert_cmpuint (cf_rtcp_fraction_lost (10, 12), ==, 0); /* duplicates */
	g_assert_cmpuint (cf_rtcp_fraction_lost (10, 0), ==, 255);
	g_assert_cmpuint (cf_rtcp_fraction_lost (G_MAXUINT32, 1), ==, 255);
}

static void
test_times (void)
{
	guint32 rtt = 0;
	guint64 ntp;

	ntp = cf_rtcp_ntp_from_unix_usec (0);
	g_assert_cmphex (ntp, ==, CF_RTCP_NTP_UNIX_OFFSET << 32);
	ntp = cf_rtcp_ntp_from_unix_usec (1500000);
	g_assert_cmphex (ntp, ==, ((CF_RTCP_NTP_UNIX_OFFSET + 1) << 32) | 0x80000000u);
	g_assert_cmphex (
		cf_rtcp_ntp_to_compact (G_GUINT64_CONSTANT (0x123456789abcdef0)), ==, 0x56789abc);
	g_assert_cmpint (cf_rtcp_compact_to_usec (0x00010000), ==, G_USEC_PER_SEC);
	g_assert_cmpint (cf_rtcp_compact_to_usec (0x00004000), ==, G_USEC_PER_SEC / 4);

	/* RFC 3550 §6.4.1's example: A = 0xb710:8000 (46864.500 s), LSR =
	 * 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s): 6.125 s. */
	g_assert_true (cf_rtcp_round_trip_time (0xb7108000, 0xb7052000, 0x00054000, &rtt));
	g_assert_cmphex (rtt, ==, 0x00062000);
	g_assert_cmpint (cf_rtcp_compact_to_usec (rtt), ==, 6125000);
	/* No SR yet; a negative result. */
	g_assert_false (cf_rtcp_round_trip_time (0xb7108000, 0, 0x00054000, &rtt));
	g_assert_false (cf_rtcp_round_trip_time (0xb7108000, 0xb7052000, 0x000c0000, &rtt));
	/* Across the wrap of the compact clock. */
	g_assert_true (cf_rtcp_round_trip_time (0x00001000, 0xfffff000, 0x00001000, &rtt));
	g_assert_cmphex (rtt, ==, 0x1000);
}

/* RFC 3550 §6.4.1 as written: D(i,j) = (Rj - Ri) - (Sj - Si),
 * J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16, on unwrapped 64-bit times, in
 * the order the packets arrive. */
static double
direct_jitter (const gint64 *sent, const gint64 *arrived, guint n)
{
	double j = 0;

	for (guint i = 1; i < n; i++) {
		gint64 d = (arrived[i] - arrived[i - 1]) - (sent[i] - sent[i - 1]);

		j = j + ((double)(d < 0 ? -d : d) - j) / 16;
	}
	return j;
}

/* Jitter on a synthetic series: 20 ms packets at 48 kHz with random network
 * delays, RTP timestamps and the arrival clock both wrapping around 2^32. */
static void
test_jitter (void)
{
	enum { N = 3000 };
	g_autoptr (GRand) rand = g_rand_new_with_seed (3550);
	g_autoptr (CfRtcpReceiverStats) stats = cf_rtcp_receiver_stats_new (7, 0);
	g_autofree gint64 *sent = g_new (gint64, N);
	g_autofree gint64 *arrived = g_new (gint64, N);
	const gint64 ts_base = G_MAXUINT32 - 100 * 960; /* wraps after 100 packets */
	const gint64 clock_base = G_MAXUINT32 - 12345;
	CfRtcpReportBlock block;
	double want;

	for (guint i = 0; i < N; i++) {
		sent[i] = ts_base + (gint64)i * 960;
		/* 20..80 ms of delay, in 48 kHz units; a burst of late packets
		 * in the middle. */
		arrived[i] = clock_base + (gint64)i * 960 + g_rand_int_range (rand, 960, 3840)
			     + (i > 1000 && i < 1100 ? 9600 : 0);
		g_assert_true (cf_rtcp_receiver_stats_add_packet (
			stats, (guint16)(40000 + i), (guint32)sent[i], (guint32)arrived[i], NULL));
		if (i == 10 || i == 1050 || i == N - 1) {
			want = direct_jitter (sent, arrived, i + 1);
			g_assert_cmpfloat_with_epsilon (
				cf_rtcp_receiver_stats_get_jitter (stats), want, 1e-6);
		}
	}
	want = direct_jitter (sent, arrived, N);
	g_assert_cmpfloat (want, >, 100); /* the series does jitter */
	g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0, &block));
	g_assert_cmpuint (block.jitter, ==, (guint32)want);

	/* A constant delay is no jitter. */
	g_clear_pointer (&stats, cf_rtcp_receiver_stats_free);
	stats = cf_rtcp_receiver_stats_new (7, 0);
	for (guint i = 0; i < 100; i++)
		cf_rtcp_receiver_stats_add_packet (stats, i, i * 160, 5000 + i * 160, NULL);
	g_assert_cmpfloat (cf_rtcp_receiver_stats_get_jitter (stats), ==, 0);
}

/* Loss with drops, duplicates and reordering across a sequence wrap,
 * checked against counts kept by the test, report by report. */
static void
test_loss_statistics (void)
{
	g_autoptr (GRand) rand = g_rand_new_with_seed (42);
	g_autoptr (CfRtcpReceiverStats) stats = cf_rtcp_receiver_stats_new (0xabcd, 0);
	guint32 first_ext = 65000, max_ext = 0, received = 0;
	guint32 prior_expected = 0, prior_received = 0;
	guint32 ext = 0;

	g_assert_false (
		cf_rtcp_receiver_stats_make_report_block (stats, 0, &(CfRtcpReportBlock){0}));
	for (guint32 e = first_ext; e < first_ext + 5000; e++) {
		guint r = g_rand_int_range (rand, 0, 100);

		if (e != first_ext && r < 7)
			continue; /* lost */
		g_assert_true (cf_rtcp_receiver_stats_add_packet (
			stats, (guint16)e, e * 160, e * 160, &ext));
		g_assert_cmpuint (ext, ==, e);
		received++;
		max_ext = e;
		if (r >= 98) {
			/* A duplicate of this one, and a late copy of one
			 * from 5 back (within MAX_MISORDER). */
			g_assert_true (
				cf_rtcp_receiver_stats_add_packet (stats, (guint16)e, 0, 0, &ext));
			g_assert_cmpuint (ext, ==, e);
			g_assert_true (cf_rtcp_receiver_stats_add_packet (
				stats, (guint16)(e - 5), 0, 0, &ext));
			g_assert_cmpuint (ext, ==, e - 5);
			received += 2;
		}
		if (e % 500 == 0) {
			CfRtcpReportBlock b;
			guint32 expected = max_ext - first_ext + 1;

			g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0, &b));
			g_assert_cmpuint (b.ssrc, ==, 0xabcd);
			g_assert_cmpuint (b.highest_seq, ==, max_ext);
			g_assert_cmpint (b.cumulative_lost, ==, (gint64)expected - received);
			g_assert_cmpuint (b.fraction_lost,
					  ==,
					  cf_rtcp_fraction_lost (expected - prior_expected,
								 received - prior_received));
			g_assert_cmpuint (
				cf_rtcp_receiver_stats_get_expected (stats), ==, expected);
			g_assert_cmpuint (
				cf_rtcp_receiver_stats_get_received (stats), ==, received);
			prior_expected = expected;
			prior_received = received;
		}
	}
	/* Some loss was seen, and some interval had a non-zero fraction. */
	g_assert_cmpint (cf_rtcp_receiver_stats_get_cumulative_lost (stats), >, 0);
	g_assert_cmpuint (cf_rtcp_receiver_stats_get_seq (stats)->cycles, ==, 65536);
}

/* A report interval: 100 expected, 90 received -> 25/256; then none lost. */
static void
test_fraction_intervals (void)
{
	g_autoptr (CfRtcpReceiverStats) stats = cf_rtcp_receiver_stats_new (1, 0);
	CfRtcpReportBlock b;

	for (guint16 s = 0; s < 100; s++) {
		if (s % 10 != 5)
			cf_rtcp_receiver_stats_add_packet (stats, s, s * 160, s * 160, NULL);
	}
	g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0, &b));
	g_assert_cmpuint (b.fraction_lost, ==, (10 << 8) / 100);
	g_assert_cmpint (b.cumulative_lost, ==, 10);
	for (guint16 s = 100; s < 200; s++)
		cf_rtcp_receiver_stats_add_packet (stats, s, s * 160, s * 160, NULL);
	g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0, &b));
	g_assert_cmpuint (b.fraction_lost, ==, 0);
	g_assert_cmpint (b.cumulative_lost, ==, 10);
	/* Nothing new: nothing expected in the interval. */
	g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0, &b));
	g_assert_cmpuint (b.fraction_lost, ==, 0);
}

/* With RFC 3550's probation, nothing is reported before two sequential
 * packets, and LSR/DLSR follow the last SR. */
static void
test_probation_and_sr (void)
{
	g_autoptr (CfRtcpReceiverStats) stats =
		cf_rtcp_receiver_stats_new (9, CF_RTP_SEQ_MIN_SEQUENTIAL);
	guint64 ntp = G_GUINT64_CONSTANT (0xe0000001a0000000);
	CfRtcpReportBlock b;
	guint32 rtt = 0;

	g_assert_cmpuint (cf_rtcp_receiver_stats_get_ssrc (stats), ==, 9);
	g_assert_false (cf_rtcp_receiver_stats_add_packet (stats, 10, 0, 0, NULL));
	g_assert_false (cf_rtcp_receiver_stats_make_report_block (stats, 0, &b));
	g_assert_true (cf_rtcp_receiver_stats_add_packet (stats, 11, 160, 160, NULL));
	g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0, &b));
	g_assert_cmpuint (b.highest_seq, ==, 11);
	g_assert_cmpint (b.cumulative_lost, ==, 0);
	g_assert_cmpuint (b.lsr, ==, 0);
	g_assert_cmpuint (b.dlsr, ==, 0);

	cf_rtcp_receiver_stats_add_sender_report (stats, ntp, 0x12340000);
	g_assert_true (cf_rtcp_receiver_stats_make_report_block (stats, 0x12348000, &b));
	g_assert_cmphex (b.lsr, ==, 0x0001a000);
	g_assert_cmphex (b.dlsr, ==, 0x8000);
	/* The SR's sender gets our block 0.25 s after its SR left, so the
	 * round trip is 0.25 - 0.5 s... negative: refused; 0.75 s later it is
	 * 0.25 s. */
	g_assert_false (cf_rtcp_round_trip_time (0x0001e000, b.lsr, b.dlsr, &rtt));
	g_assert_true (cf_rtcp_round_trip_time (0x0001a000 + 0xc000, b.lsr, b.dlsr, &rtt));
	g_assert_cmpint (cf_rtcp_compact_to_usec (rtt), ==, G_USEC_PER_SEC / 4);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/rtcp/parse/pli", test_pli);
	g_test_add_func ("/confab/media/rtcp/parse/sr", test_sr);
	g_test_add_func ("/confab/media/rtcp/parse/compound", test_compound);
	g_test_add_func ("/confab/media/rtcp/parse/truncations", test_truncations);
	g_test_add_func ("/confab/media/rtcp/parse/padding", test_padding);
	g_test_add_func ("/confab/media/rtcp/parse/invalid", test_invalid);
	g_test_add_func ("/confab/media/rtcp/build/round-trip", test_round_trip_rich);
	g_test_add_func ("/confab/media/rtcp/build/invalid", test_build_invalid);
	g_test_add_func ("/confab/media/rtcp/build/cumulative-lost", test_cumulative_lost_wire);
	g_test_add_func ("/confab/media/rtcp/stats/formulas", test_loss_formulas);
	g_test_add_func ("/confab/media/rtcp/stats/times", test_times);
	g_test_add_func ("/confab/media/rtcp/stats/jitter", test_jitter);
	g_test_add_func ("/confab/media/rtcp/stats/loss", test_loss_statistics);
	g_test_add_func ("/confab/media/rtcp/stats/fraction-intervals", test_fraction_intervals);
	g_test_add_func ("/confab/media/rtcp/stats/probation-and-sr", test_probation_and_sr);

	return g_test_run ();
}
