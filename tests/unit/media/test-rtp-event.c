/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-rtp-event"

#include <string.h>

#include "cf-rtp-event.h"

/* RFC 4733 §2.3 by hand: event 5, E=1, R=0, volume 10, duration 800. */
static const guint8 digit5_end[] = {0x05, 0x8a, 0x03, 0x20};

static void
test_parse_write (void)
{
	g_autoptr (GError) error = NULL;
	CfRtpEvent ev = {0};
	guint8 buf[8];
	/* The same with the reserved R bit set: ignored. */
	const guint8 with_r[] = {0x05, 0xca, 0x03, 0x20};
	/* Event 11 ('#'), no E, volume 63, duration 0xffff. */
	const guint8 hash[] = {0x0b, 0x3f, 0xff, 0xff};

	g_assert_true (cf_rtp_event_parse (digit5_end, sizeof (digit5_end), &ev, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (ev.event, ==, 5);
	g_assert_true (ev.end);
	g_assert_cmpuint (ev.volume, ==, 10);
	g_assert_cmpuint (ev.duration, ==, 800);
	g_assert_true (cf_rtp_event_write (&ev, buf, sizeof (buf), &error));
	g_assert_no_error (error);
	g_assert_cmpmem (buf, 4, digit5_end, 4);

	g_assert_true (cf_rtp_event_parse (with_r, sizeof (with_r), &ev, &error));
	g_assert_true (ev.end);
	g_assert_cmpuint (ev.volume, ==, 10);
	g_assert_true (cf_rtp_event_write (&ev, buf, 4, &error));
	g_assert_cmpmem (buf, 4, digit5_end, 4);

	g_assert_true (cf_rtp_event_parse (hash, sizeof (hash), &ev, &error));
	g_assert_cmpuint (ev.event, ==, 11);
	g_assert_false (ev.end);
	g_assert_cmpuint (ev.volume, ==, 63);
	g_assert_cmpuint (ev.duration, ==, 0xffff);
	g_assert_cmpint (cf_rtp_event_to_digit (ev.event), ==, '#');

	/* Volume out of range; too small a buffer. */
	ev.volume = 64;
	g_assert_false (cf_rtp_event_write (&ev, buf, sizeof (buf), &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
	g_clear_error (&error);
	ev.volume = 0;
	g_assert_false (cf_rtp_event_write (&ev, buf, 3, &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_NO_SPACE);
}

/* Every truncation, and a payload one byte too long, is refused and leaves
 * the output untouched. */
static void
test_truncations (void)
{
	guint8 longer[5] = {0x05, 0x8a, 0x03, 0x20, 0x00};

	for (gsize len = 0; len <= sizeof (longer); len++) {
		g_autoptr (GError) error = NULL;
		g_autofree guint8 *copy = g_memdup2 (longer, len);
		CfRtpEvent ev = {.event = 99};

		if (len == CF_RTP_EVENT_PAYLOAD_SIZE)
			continue;
		g_assert_false (cf_rtp_event_parse (copy, len, &ev, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
		g_assert_cmpuint (ev.event, ==, 99);
	}
}

static void
test_digits (void)
{
	const char *digits = "0123456789*#ABCD";
	guint8 ev = 0;

	for (guint i = 0; i < 16; i++) {
		g_assert_true (cf_rtp_event_from_digit (digits[i], &ev));
		g_assert_cmpuint (ev, ==, i);
		g_assert_cmpint (cf_rtp_event_to_digit (i), ==, digits[i]);
	}
	g_assert_true (cf_rtp_event_from_digit ('c', &ev));
	g_assert_cmpuint (ev, ==, 14);
	ev = 77;
	for (const char *bad = "EeFx +,/:"; *bad != '\0'; bad++)
		g_assert_false (cf_rtp_event_from_digit (*bad, &ev));
	g_assert_false (cf_rtp_event_from_digit ('\0', &ev));
	g_assert_cmpuint (ev, ==, 77);
	g_assert_cmpint (cf_rtp_event_to_digit (16), ==, '\0');
	g_assert_cmpint (cf_rtp_event_to_digit (255), ==, '\0');
}

/* Runs the sender until idle, ticking with timestamps advancing by the
 * interval, and returns its packets (at most @max). */
static guint
run_sender (
	CfRtpEventSender *sender, guint32 start, guint32 step, CfRtpEventPacket *packets, guint max)
{
	CfRtpEventPacket idle;
	guint n = 0;
	guint32 ts = start;

	while (cf_rtp_event_sender_is_busy (sender)) {
		g_assert_cmpuint (n, <, max);
		g_assert_true (cf_rtp_event_sender_tick (sender, ts, &packets[n]));
		n++;
		ts += step;
	}
	g_assert_false (cf_rtp_event_sender_tick (sender, ts, &idle));
	return n;
}

static void
assert_packet (const CfRtpEventPacket *p,
	       gboolean marker,
	       guint32 timestamp,
	       guint8 event,
	       gboolean end,
	       guint16 duration)
{
	CfRtpEvent parsed;

	g_assert_cmpint (p->marker, ==, marker);
	g_assert_cmpuint (p->timestamp, ==, timestamp);
	g_assert_cmpuint (p->event.event, ==, event);
	g_assert_cmpint (p->event.end, ==, end);
	g_assert_cmpuint (p->event.duration, ==, duration);
	g_assert_cmpuint (p->event.volume, ==, 10);
	/* The payload bytes say the same. */
	g_assert_true (cf_rtp_event_parse (p->payload, sizeof (p->payload), &parsed, NULL));
	g_assert_cmpuint (parsed.event, ==, event);
	g_assert_cmpint (parsed.end, ==, end);
	g_assert_cmpuint (parsed.duration, ==, duration);
	g_assert_cmpuint (parsed.volume, ==, 10);
}

/* 8 kHz, 50 ms updates: a 120 ms '1' is 400 (M), 800, 960 E x3 at one
 * timestamp; then a 100 ms '#' is 400 (M), 800 E x3 at the timestamp of
 * the tick after. */
static void
test_sender_series (void)
{
	g_autoptr (CfRtpEventSender) sender = cf_rtp_event_sender_new (8000, 50, 10);
	g_autoptr (GError) error = NULL;
	CfRtpEventPacket p[16];
	guint n;

	g_assert_false (cf_rtp_event_sender_is_busy (sender));
	g_assert_false (cf_rtp_event_sender_tick (sender, 0, &p[0]));
	g_assert_true (cf_rtp_event_sender_queue (sender, "1", 120, &error));
	g_assert_no_error (error);
	g_assert_true (cf_rtp_event_sender_queue (sender, "#", 100, &error));
	g_assert_no_error (error);

	n = run_sender (sender, 1000, 400, p, G_N_ELEMENTS (p));
	g_assert_cmpuint (n, ==, 9);
	assert_packet (&p[0], TRUE, 1000, 1, FALSE, 400);
	assert_packet (&p[1], FALSE, 1000, 1, FALSE, 800);
	for (guint i = 2; i < 5; i++)
		assert_packet (&p[i], FALSE, 1000, 1, TRUE, 960);
	assert_packet (&p[5], TRUE, 1000 + 5 * 400, 11, FALSE, 400);
	for (guint i = 6; i < 9; i++)
		assert_packet (&p[i], FALSE, 1000 + 5 * 400, 11, TRUE, 800);

	/* 48 kHz, 20 ms: a 40 ms digit is 960 (M), 1920 E x3. */
	g_clear_pointer (&sender, cf_rtp_event_sender_free);
	sender = cf_rtp_event_sender_new (48000, 20, 10);
	g_assert_true (cf_rtp_event_sender_queue (sender, "d", 40, &error));
	n = run_sender (sender, G_MAXUINT32 - 10, 960, p, G_N_ELEMENTS (p));
	g_assert_cmpuint (n, ==, 4);
	assert_packet (&p[0], TRUE, G_MAXUINT32 - 10, 15, FALSE, 960);
	for (guint i = 1; i < 4; i++)
		assert_packet (&p[i], FALSE, G_MAXUINT32 - 10, 15, TRUE, 1920);
}

static void
test_sender_limits (void)
{
	g_autoptr (CfRtpEventSender) sender = cf_rtp_event_sender_new (8000, 50, 10);
	g_autoptr (CfRtpEventSender) wide = cf_rtp_event_sender_new (48000, 50, 10);
	char many[CF_RTP_EVENT_MAX_QUEUE + 2];
	CfRtpEventPacket p;
	struct {
		CfRtpEventSender *sender;
		const char *digits;
		guint duration;
		CfRtpError code;
	} bad[] = {
		{sender, "12x3", 100, CF_RTP_ERROR_INVALID},
		{sender, "1", CF_RTP_EVENT_MIN_DURATION_MS - 1, CF_RTP_ERROR_INVALID},
		{sender, "1", CF_RTP_EVENT_MAX_DURATION_MS + 1, CF_RTP_ERROR_INVALID},
		/* 2 s at 48 kHz is 96000 units: more than one 16-bit duration. */
		{wide, "1", 2000, CF_RTP_ERROR_INVALID},
	};

	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autoptr (GError) error = NULL;

		g_assert_false (cf_rtp_event_sender_queue (
			bad[i].sender, bad[i].digits, bad[i].duration, &error));
		g_assert_error (error, CF_RTP_ERROR, (gint)bad[i].code);
		/* All or nothing. */
		g_assert_false (cf_rtp_event_sender_is_busy (bad[i].sender));
	}
	/* The longest at 8 kHz: 5 s is 40000 units. */
	g_assert_true (cf_rtp_event_sender_queue (sender, "1", CF_RTP_EVENT_MAX_DURATION_MS, NULL));
	g_assert_true (cf_rtp_event_sender_tick (sender, 0, &p));
	g_assert_cmpuint (p.event.duration, ==, 400);
	cf_rtp_event_sender_cancel (sender);
	for (guint i = 0; i < 3; i++) {
		g_assert_true (cf_rtp_event_sender_tick (sender, 0, &p));
		g_assert_true (p.event.end);
		g_assert_cmpuint (p.event.duration, ==, 400);
	}
	g_assert_false (cf_rtp_event_sender_is_busy (sender));

	/* The queue holds CF_RTP_EVENT_MAX_QUEUE digits. */
	memset (many, '7', sizeof (many));
	many[CF_RTP_EVENT_MAX_QUEUE] = '\0';
	g_assert_true (cf_rtp_event_sender_queue (sender, many, 100, NULL));
	{
		g_autoptr (GError) error = NULL;

		g_assert_false (cf_rtp_event_sender_queue (sender, "1", 100, &error));
		g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_BUSY);
	}
	/* One digit started frees one place. */
	g_assert_true (cf_rtp_event_sender_tick (sender, 0, &p));
	g_assert_true (cf_rtp_event_sender_queue (sender, "1", 100, NULL));
	/* Cancel drops the queue; the started digit still ends properly. */
	cf_rtp_event_sender_cancel (sender);
	g_assert_true (cf_rtp_event_sender_is_busy (sender));
	for (guint i = 0; i < 3; i++) {
		g_assert_true (cf_rtp_event_sender_tick (sender, 400, &p));
		g_assert_true (p.event.end);
		g_assert_false (p.marker);
		g_assert_cmpuint (p.timestamp, ==, 0);
	}
	g_assert_false (cf_rtp_event_sender_tick (sender, 800, &p));
	g_assert_false (cf_rtp_event_sender_is_busy (sender));
}

/* Feeds packets to a receiver; returns the digits it reported as started,
 * and checks each started event ends at most once. */
static char *
receive (const CfRtpEventPacket *packets, const guint *order, guint n)
{
	g_autoptr (CfRtpEventReceiver) receiver = cf_rtp_event_receiver_new ();
	GString *digits = g_string_new (NULL);
	guint ends = 0;

	for (guint i = 0; i < n; i++) {
		g_autoptr (GError) error = NULL;
		const CfRtpEventPacket *p = &packets[order != NULL ? order[i] : i];
		CfRtpEventNotice notice;

		g_assert_true (cf_rtp_event_receiver_push (receiver,
							   p->marker,
							   p->timestamp,
							   p->payload,
							   sizeof (p->payload),
							   &notice,
							   &error));
		g_assert_no_error (error);
		if (notice.started) {
			g_string_append_c (digits, notice.digit);
			g_assert_cmpuint (notice.timestamp, ==, p->timestamp);
		}
		if (notice.ended) {
			ends++;
			g_assert_cmpuint (notice.duration, ==, p->event.duration);
		}
		g_assert_cmpuint (ends, <=, digits->len);
	}
	return g_string_free (digits, FALSE);
}

static guint
send_digits (const char *digits, guint duration_ms, CfRtpEventPacket *packets, guint max)
{
	g_autoptr (CfRtpEventSender) sender = cf_rtp_event_sender_new (8000, 50, 10);

	g_assert_true (cf_rtp_event_sender_queue (sender, digits, duration_ms, NULL));
	return run_sender (sender, 123456, 400, packets, max);
}

static void
test_receiver_clean (void)
{
	CfRtpEventPacket p[128];
	guint n = send_digits ("123#*0AD55", 160, p, G_N_ELEMENTS (p));
	g_autofree char *got = receive (p, NULL, n);

	g_assert_cmpstr (got, ==, "123#*0AD55");
}

/* Every packet sent twice, and the end packets again after the next
 * digit's first packet (late retransmissions): each digit once. */
static void
test_receiver_duplicates (void)
{
	CfRtpEventPacket p[64];
	guint order[256] = {0};
	guint n = send_digits ("9119", 100, p, G_N_ELEMENTS (p));
	guint m = 0;
	g_autofree char *twice = NULL;
	g_autofree char *late = NULL;

	for (guint i = 0; i < n; i++) {
		order[m++] = i;
		order[m++] = i;
	}
	twice = receive (p, order, m);
	g_assert_cmpstr (twice, ==, "9119");

	/* 4 packets per 100 ms digit: 0 (M), 1-3 (E). */
	g_assert_cmpuint (n, ==, 16);
	m = 0;
	for (guint d = 0; d < 4; d++) {
		order[m++] = 4 * d;
		if (d > 0)
			order[m++] = 4 * (d - 1) + 3; /* the previous digit's last end */
		order[m++] = 4 * d + 1;
		order[m++] = 4 * d; /* its own first packet again */
	}
	late = receive (p, order, m);
	g_assert_cmpstr (late, ==, "9119");
}

/* Losses: only the end packets; only the last end packet; only the first
 * packet; a digit entirely lost is not reported, the others are. */
static void
test_receiver_loss (void)
{
	CfRtpEventPacket p[64];
	guint order[64] = {0};
	guint n = send_digits ("4567", 200, p, G_N_ELEMENTS (p));
	guint m = 0;
	g_autofree char *got = NULL;

	/* 200 ms: 400 (M), 800, 1200, 1600 E x3: 6 packets per digit. */
	g_assert_cmpuint (n, ==, 24);
	for (guint i = 3; i < 6; i++)
		order[m++] = i; /* '4': the end packets */
	order[m++] = 6 + 5;	/* '5': the last end packet */
	order[m++] = 12;	/* '6': the first packet only */
	/* '7': nothing */
	got = receive (p, order, m);
	g_assert_cmpstr (got, ==, "456");
}

/* Random loss and duplication, many times: the digits reported are exactly
 * those of which at least one packet arrived, in order, each once. */
static void
test_receiver_random (void)
{
	g_autoptr (GRand) rand = g_rand_new_with_seed (4733);
	const char *digits = "0123456789*#ABCD00";
	CfRtpEventPacket p[160];
	guint n = send_digits (digits, 120, p, G_N_ELEMENTS (p));

	/* 5 packets per 120 ms digit. */
	g_assert_cmpuint (n, ==, 5 * strlen (digits));
	for (guint round = 0; round < 500; round++) {
		guint order[320] = {0};
		guint m = 0;
		g_autoptr (GString) want = g_string_new (NULL);
		g_autofree char *got = NULL;

		for (guint d = 0; d < strlen (digits); d++) {
			gboolean arrived = FALSE;

			for (guint k = 0; k < 5; k++) {
				guint i = 5 * d + k;

				if (g_rand_int_range (rand, 0, 100) < 40)
					continue;
				order[m++] = i;
				arrived = TRUE;
				if (g_rand_int_range (rand, 0, 100) < 20)
					order[m++] = i;
			}
			if (arrived)
				g_string_append_c (want, digits[d]);
		}
		got = receive (p, order, m);
		g_assert_cmpstr (got, ==, want->str);
	}
}

/* RFC 4733 §2.5.1.3: a long event in segments of 0xFFFF is one event. */
static void
test_receiver_segments (void)
{
	g_autoptr (CfRtpEventReceiver) receiver = cf_rtp_event_receiver_new ();
	CfRtpEventNotice notice;
	guint8 payload[4];
	CfRtpEvent ev = {.event = 3, .volume = 10};
	const guint32 t0 = 1000;

	ev.duration = 40000;
	cf_rtp_event_write (&ev, payload, 4, NULL);
	g_assert_true (cf_rtp_event_receiver_push (receiver, TRUE, t0, payload, 4, &notice, NULL));
	g_assert_true (notice.started);
	g_assert_cmpint (notice.digit, ==, '3');
	ev.duration = 0xffff;
	cf_rtp_event_write (&ev, payload, 4, NULL);
	g_assert_true (cf_rtp_event_receiver_push (receiver, FALSE, t0, payload, 4, &notice, NULL));
	g_assert_false (notice.started);
	g_assert_false (notice.ended);
	g_assert_cmpuint (notice.duration, ==, 0xffff);
	/* The next segment, no marker, timestamp 0xFFFF later. */
	ev.duration = 800;
	cf_rtp_event_write (&ev, payload, 4, NULL);
	g_assert_true (cf_rtp_event_receiver_push (
		receiver, FALSE, t0 + 0xffff, payload, 4, &notice, NULL));
	g_assert_false (notice.started);
	g_assert_cmpuint (notice.timestamp, ==, t0);
	g_assert_cmpuint (notice.duration, ==, 0xffff + 800);
	ev.end = TRUE;
	ev.duration = 1000;
	cf_rtp_event_write (&ev, payload, 4, NULL);
	g_assert_true (cf_rtp_event_receiver_push (
		receiver, FALSE, t0 + 0xffff, payload, 4, &notice, NULL));
	g_assert_false (notice.started);
	g_assert_true (notice.ended);
	g_assert_cmpuint (notice.duration, ==, 0xffff + 1000);
	/* A late packet of the first segment changes nothing. */
	g_assert_true (cf_rtp_event_receiver_push (receiver, FALSE, t0, payload, 4, &notice, NULL));
	g_assert_false (notice.started || notice.ended);

	/* The same timestamp step with a marker is a new press. */
	ev.end = FALSE;
	cf_rtp_event_write (&ev, payload, 4, NULL);
	g_assert_true (cf_rtp_event_receiver_push (
		receiver, TRUE, t0 + 2 * 0xffff, payload, 4, &notice, NULL));
	g_assert_true (notice.started);
}

static void
test_receiver_odd (void)
{
	g_autoptr (CfRtpEventReceiver) receiver = cf_rtp_event_receiver_new ();
	g_autoptr (GError) error = NULL;
	CfRtpEventNotice notice;
	const guint8 zero[] = {0x05, 0x0a, 0x00, 0x00};
	const guint8 flash[] = {16, 0x0a, 0x01, 0x00};

	/* Zero duration: ignored. */
	g_assert_true (cf_rtp_event_receiver_push (receiver, TRUE, 10, zero, 4, &notice, NULL));
	g_assert_false (notice.started);
	/* A malformed payload: an error, nothing changes. */
	g_assert_false (cf_rtp_event_receiver_push (receiver, TRUE, 10, zero, 3, &notice, &error));
	g_assert_error (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID);
	/* A non-DTMF event (16, flash) is reported with no digit. */
	g_assert_true (cf_rtp_event_receiver_push (receiver, TRUE, 20, flash, 4, &notice, NULL));
	g_assert_true (notice.started);
	g_assert_cmpuint (notice.event, ==, 16);
	g_assert_cmpint (notice.digit, ==, '\0');
	/* Older timestamp: stale. After a reset it is new again. */
	g_assert_true (
		cf_rtp_event_receiver_push (receiver, TRUE, 15, digit5_end, 4, &notice, NULL));
	g_assert_false (notice.started);
	cf_rtp_event_receiver_reset (receiver);
	g_assert_true (
		cf_rtp_event_receiver_push (receiver, TRUE, 15, digit5_end, 4, &notice, NULL));
	g_assert_true (notice.started);
	g_assert_true (notice.ended);
	g_assert_cmpint (notice.digit, ==, '5');
	/* Same timestamp, another event: a new event. */
	g_assert_true (cf_rtp_event_receiver_push (receiver, TRUE, 15, flash, 4, &notice, NULL));
	g_assert_true (notice.started);
	g_assert_false (notice.ended);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/rtp-event/payload/parse-write", test_parse_write);
	g_test_add_func ("/confab/media/rtp-event/payload/truncations", test_truncations);
	g_test_add_func ("/confab/media/rtp-event/payload/digits", test_digits);
	g_test_add_func ("/confab/media/rtp-event/sender/series", test_sender_series);
	g_test_add_func ("/confab/media/rtp-event/sender/limits", test_sender_limits);
	g_test_add_func ("/confab/media/rtp-event/receiver/clean", test_receiver_clean);
	g_test_add_func ("/confab/media/rtp-event/receiver/duplicates", test_receiver_duplicates);
	g_test_add_func ("/confab/media/rtp-event/receiver/loss", test_receiver_loss);
	g_test_add_func ("/confab/media/rtp-event/receiver/random", test_receiver_random);
	g_test_add_func ("/confab/media/rtp-event/receiver/segments", test_receiver_segments);
	g_test_add_func ("/confab/media/rtp-event/receiver/odd", test_receiver_odd);

	return g_test_run ();
}
