/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for RTP, RFC 8285 header extensions, RTCP compounds, RFC 4733
 * telephone events and the receiver statistics, all from the same input.
 *
 * Whatever parses must write back, parse again to the same model and write
 * the same bytes again; RTP must write back the input itself (except the
 * padding octets before the count). A failure must be a CF_RTP_ERROR. The
 * telephone-event sender's packets, fed to a receiver, must give back the
 * digits queued, each once. Anything else is a bug: abort(). */
#define G_LOG_DOMAIN "fuzz-rtp"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf-rtcp.h"
#include "cf-rtp-event.h"
#include "cf-rtp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok, const char *what, const GError *error)
{
	if (ok)
		return;
	g_printerr ("fuzz-rtp: %s%s%s\n",
		    what,
		    error != NULL ? ": " : "",
		    error != NULL ? error->message : "");
	abort ();
}

static void
check_failure (const GError *error, const char *what)
{
	check (error != NULL && error->domain == CF_RTP_ERROR && error->message != NULL,
	       what,
	       NULL);
}

static gboolean
mem_equal (const void *a, gsize la, const void *b, gsize lb)
{
	return la == lb && (la == 0 || memcmp (a, b, la) == 0);
}

static gboolean
rtp_equal (const CfRtpPacket *a, const CfRtpPacket *b)
{
	if (a->marker != b->marker || a->payload_type != b->payload_type
	    || a->sequence != b->sequence || a->timestamp != b->timestamp || a->ssrc != b->ssrc
	    || a->n_csrcs != b->n_csrcs || a->has_extension != b->has_extension
	    || a->extension_profile != b->extension_profile || a->padding_len != b->padding_len)
		return FALSE;
	for (guint i = 0; i < a->n_csrcs; i++) {
		if (a->csrcs[i] != b->csrcs[i])
			return FALSE;
	}
	return mem_equal (a->extension, a->extension_len, b->extension, b->extension_len)
	       && mem_equal (a->payload, a->payload_len, b->payload, b->payload_len);
}

static void
fuzz_extension (const CfRtpPacket *packet)
{
	g_autoptr (GError) error = NULL;
	CfRtpExtensionElement el[CF_RTP_MAX_EXTENSION_ELEMENTS],
		again[CF_RTP_MAX_EXTENSION_ELEMENTS];
	guint8 buf[CF_RTP_MAX_EXTENSION_ELEMENTS * 258];
	guint n = 0, m = 0;
	gsize len = 0;
	guint16 profile = 0;
	const guint8 *found = NULL;
	gsize found_len = 0;

	if (!packet->has_extension
	    || !cf_rtp_extension_profile_is_rfc8285 (packet->extension_profile))
		return;
	if (!cf_rtp_extension_parse (packet->extension_profile,
				     packet->extension,
				     packet->extension_len,
				     el,
				     G_N_ELEMENTS (el),
				     &n,
				     &error)) {
		check_failure (error, "extension parse failed without a CF_RTP_ERROR");
		check (!cf_rtp_packet_find_extension (packet, 1, NULL, NULL),
		       "found an element in a malformed extension",
		       NULL);
		return;
	}
	if (n > 0) {
		check (cf_rtp_packet_find_extension (packet, el[0].id, &found, &found_len),
		       "first element not found",
		       NULL);
		check (found == el[0].data && found_len == el[0].len,
		       "found the wrong element",
		       NULL);
	}
	check (cf_rtp_extension_write (el, n, buf, sizeof (buf), &profile, &len, &error),
	       "extension write",
	       error);
	check (len % 4 == 0, "extension length not a multiple of 4", NULL);
	check (cf_rtp_extension_parse (profile, buf, len, again, G_N_ELEMENTS (again), &m, &error),
	       "extension re-parse",
	       error);
	check (m == n, "extension element count changed", NULL);
	for (guint i = 0; i < n; i++) {
		check (again[i].id == el[i].id
			       && mem_equal (again[i].data, again[i].len, el[i].data, el[i].len),
		       "extension element changed",
		       NULL);
	}
}

static void
fuzz_rtp (const guint8 *data, gsize size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) built = NULL;
	CfRtpPacket packet, again;
	guint8 buf[CF_RTP_MAX_PACKET_SIZE], buf2[CF_RTP_MAX_PACKET_SIZE];
	gsize len = 0, len2 = 0;

	if (!cf_rtp_packet_parse (data, size, &packet, &error)) {
		check_failure (error, "RTP parse failed without a CF_RTP_ERROR");
		return;
	}
	check (cf_rtp_packet_get_size (&packet) == size, "RTP size", NULL);
	check (cf_rtp_packet_write (&packet, buf, sizeof (buf), &len, &error), "RTP write", error);
	check (len == size, "RTP written size", NULL);
	/* The same bytes, but for the padding before its count. */
	check (memcmp (buf, data, size - packet.padding_len) == 0
		       && buf[size - 1] == data[size - 1],
	       "RTP written bytes differ",
	       NULL);
	check (cf_rtp_packet_parse (buf, len, &again, &error), "RTP re-parse", error);
	check (rtp_equal (&packet, &again), "RTP round trip changed the packet", NULL);
	check (cf_rtp_packet_write (&again, buf2, sizeof (buf2), &len2, &error),
	       "RTP rewrite",
	       error);
	check (mem_equal (buf, len, buf2, len2), "RTP rewrite differs", NULL);
	built = cf_rtp_packet_build (&packet, &error);
	check (built != NULL, "RTP build", error);
	check (mem_equal (g_bytes_get_data (built, NULL), g_bytes_get_size (built), buf, len),
	       "RTP build differs from write",
	       NULL);
	if (size > 0) {
		check (!cf_rtp_packet_write (&packet, buf2, size - 1, NULL, &error)
			       && error->code == CF_RTP_ERROR_NO_SPACE,
		       "RTP write into too small a buffer",
		       NULL);
	}
	fuzz_extension (&packet);
}

static void
fuzz_rtcp (const guint8 *data, gsize size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfRtcpCompound) compound = NULL;
	g_autoptr (CfRtcpCompound) again = NULL;
	g_autoptr (GBytes) first = NULL;
	g_autoptr (GBytes) second = NULL;

	compound = cf_rtcp_compound_parse (data, size, &error);
	if (compound == NULL) {
		check_failure (error, "RTCP parse failed without a CF_RTP_ERROR");
		return;
	}
	check (cf_rtcp_compound_get_n_packets (compound) > 0, "RTCP compound empty", NULL);
	check (cf_rtcp_is_rtcp (data, size), "RTCP not recognised as RTCP", NULL);
	first = cf_rtcp_compound_build (compound, &error);
	check (first != NULL, "RTCP build", error);
	check (g_bytes_get_size (first) <= size, "RTCP built larger than parsed", NULL);
	again = cf_rtcp_compound_parse (
		g_bytes_get_data (first, NULL), g_bytes_get_size (first), &error);
	check (again != NULL, "RTCP re-parse", error);
	check (cf_rtcp_compound_equal (compound, again), "RTCP round trip changed the model", NULL);
	second = cf_rtcp_compound_build (again, &error);
	check (second != NULL && g_bytes_equal (first, second), "RTCP rebuild differs", error);

	for (guint i = 0; i < cf_rtcp_compound_get_n_packets (compound); i++) {
		const CfRtcpPacket *p = cf_rtcp_compound_get_packet (compound, i);
		g_autoptr (CfRtcpPacket) copy = cf_rtcp_packet_copy (p);

		check (cf_rtcp_packet_equal (p, copy), "RTCP packet copy differs", NULL);
		check (cf_rtcp_compound_find (compound, p->type) != NULL, "RTCP find", NULL);
		if (cf_rtcp_packet_is_pli (p))
			check (p->type == CF_RTCP_TYPE_PSFB, "PLI of the wrong type", NULL);
		if (p->type == CF_RTCP_TYPE_SDES) {
			for (guint c = 0; c < p->chunks->len; c++) {
				const CfRtcpSdesChunk *chunk = g_ptr_array_index (p->chunks, c);
				g_autofree char *cname = cf_rtcp_packet_dup_cname (p, chunk->ssrc);

				check (cname == NULL || strlen (cname) <= CF_RTCP_MAX_SDES_LENGTH,
				       "CNAME too long",
				       NULL);
			}
		}
		if (p->type == CF_RTCP_TYPE_SR || p->type == CF_RTCP_TYPE_RR) {
			for (guint b = 0; b < p->n_report_blocks; b++) {
				const CfRtcpReportBlock *block = &p->report_blocks[b];
				guint32 rtt = 0;

				check (block->cumulative_lost >= -0x800000
					       && block->cumulative_lost <= 0x7fffff,
				       "cumulative lost out of 24 bits",
				       NULL);
				if (cf_rtcp_round_trip_time (block->lsr + block->dlsr + 1000,
							     block->lsr,
							     block->dlsr,
							     &rtt))
					check (rtt == 1000, "round-trip time", NULL);
			}
		}
	}
}

/* The payload on its own, then the input as a series of 9-byte records
 * (flags, timestamp, payload) pushed to a receiver. */
static void
fuzz_event_receiver (const guint8 *data, gsize size)
{
	g_autoptr (CfRtpEventReceiver) receiver = cf_rtp_event_receiver_new ();
	g_autoptr (GError) error = NULL;
	CfRtpEvent ev;
	guint8 buf[CF_RTP_EVENT_PAYLOAD_SIZE];
	guint starts = 0, ends = 0;

	if (cf_rtp_event_parse (data, size, &ev, &error)) {
		check (cf_rtp_event_write (&ev, buf, sizeof (buf), &error), "event write", error);
		/* The same bytes but for the reserved R bit. */
		check (buf[0] == data[0] && buf[1] == (data[1] & ~0x40) && buf[2] == data[2]
			       && buf[3] == data[3],
		       "event round trip",
		       NULL);
	} else {
		check_failure (error, "event parse failed without a CF_RTP_ERROR");
		g_clear_error (&error);
	}

	for (gsize off = 0; off + 9 <= size; off += 9) {
		const guint8 *r = data + off;
		guint32 ts =
			((guint32)r[1] << 24) | ((guint32)r[2] << 16) | ((guint32)r[3] << 8) | r[4];
		CfRtpEventNotice notice;

		if (r[0] == 0xff) {
			cf_rtp_event_receiver_reset (receiver);
			starts = ends = 0;
			continue;
		}
		check (cf_rtp_event_receiver_push (
			       receiver, r[0] & 1, ts, r + 5, 4, &notice, &error),
		       "event push",
		       error);
		starts += notice.started;
		ends += notice.ended;
		check (ends <= starts, "an event ended that never started", NULL);
		if (notice.started || notice.ended)
			check (notice.digit == cf_rtp_event_to_digit (notice.event),
			       "notice digit",
			       NULL);
	}
}

/* Digits and timings from the input through a sender, its packets to a
 * receiver: the receiver must report the same digits, each once. */
static void
fuzz_event_sender (const guint8 *data, gsize size)
{
	static const guint rates[] = {8000, 16000, 48000};
	g_autoptr (CfRtpEventSender) sender = NULL;
	g_autoptr (CfRtpEventReceiver) receiver = cf_rtp_event_receiver_new ();
	g_autoptr (GString) sent = g_string_new (NULL);
	g_autoptr (GString) got = g_string_new (NULL);
	g_autoptr (GError) error = NULL;
	guint rate, interval_ms, duration_ms;
	guint32 ts;
	guint ends = 0, ticks = 0;

	if (size < 8)
		return;
	rate = rates[data[0] % G_N_ELEMENTS (rates)];
	interval_ms = 10 + data[1] % 91;
	duration_ms = 40 + ((data[2] << 8) | data[3]) % 1000;
	ts = ((guint32)data[4] << 24) | ((guint32)data[5] << 16) | ((guint32)data[6] << 8)
	     | data[7];
	sender = cf_rtp_event_sender_new (rate, interval_ms, data[0] & 63);
	for (gsize i = 8; i < size && sent->len < 8; i++)
		g_string_append_c (sent, cf_rtp_event_to_digit (data[i] % 16));
	check (cf_rtp_event_sender_queue (sender, sent->str, duration_ms, &error), "queue", error);

	while (cf_rtp_event_sender_is_busy (sender)) {
		CfRtpEventPacket p;
		CfRtpEventNotice notice;

		check (ticks++ < 8 * (1000 / 10 + 10), "sender does not stop", NULL);
		check (cf_rtp_event_sender_tick (sender, ts, &p), "busy sender gave nothing", NULL);
		check (p.event.duration > 0, "zero duration sent", NULL);
		check (cf_rtp_event_receiver_push (receiver,
						   p.marker,
						   p.timestamp,
						   p.payload,
						   sizeof (p.payload),
						   &notice,
						   &error),
		       "push of a sent packet",
		       error);
		if (notice.started)
			g_string_append_c (got, notice.digit);
		ends += notice.ended;
		ts += rate * interval_ms / 1000;
	}
	check (g_str_equal (sent->str, got->str), "digits sent and received differ", NULL);
	check (ends == sent->len, "not every digit ended once", NULL);
}

/* The input as (seq, timestamp, arrival) records fed to receiver statistics. */
static void
fuzz_stats (const guint8 *data, gsize size)
{
	g_autoptr (CfRtcpReceiverStats) stats = NULL;
	CfRtcpReportBlock block;

	if (size < 1)
		return;
	stats = cf_rtcp_receiver_stats_new (1, data[0] % 3);
	for (gsize off = 1; off + 10 <= size; off += 10) {
		const guint8 *r = data + off;
		guint16 seq = (guint16)((r[0] << 8) | r[1]);
		guint32 ts =
			((guint32)r[2] << 24) | ((guint32)r[3] << 16) | ((guint32)r[4] << 8) | r[5];
		guint32 arrival =
			((guint32)r[6] << 24) | ((guint32)r[7] << 16) | ((guint32)r[8] << 8) | r[9];
		guint32 ext = 0;

		if (cf_rtcp_receiver_stats_add_packet (stats, seq, ts, arrival, &ext))
			check ((guint16)ext == seq, "extended sequence number", NULL);
		if (r[0] == 0xff)
			cf_rtcp_receiver_stats_add_sender_report (
				stats, ((guint64)ts << 32) | arrival, arrival);
		if (r[1] == 0xff
		    && cf_rtcp_receiver_stats_make_report_block (stats, arrival, &block)) {
			check (block.highest_seq
				       == cf_rtp_seq_tracker_get_extended_max (
					       cf_rtcp_receiver_stats_get_seq (stats)),
			       "report block highest sequence number",
			       NULL);
			check (block.jitter == (guint32)cf_rtcp_receiver_stats_get_jitter (stats),
			       "report block jitter",
			       NULL);
		}
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static gboolean initialized = FALSE;

	if (!initialized) {
		/* A critical is an API misuse inside the library: a bug. */
		g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
		initialized = TRUE;
	}

	fuzz_rtp (data, size);
	fuzz_rtcp (data, size);
	fuzz_event_receiver (data, size);
	fuzz_event_sender (data, size);
	fuzz_stats (data, size);
	return 0;
}
