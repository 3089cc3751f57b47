/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-jitter-buffer"

#include <string.h>

#include "cf-jitter-buffer.h"

/* Every trace here is synthetic and deterministic: a sender emits one packet
 * per frame (send time k * frame), the test decides when each arrives, and
 * a player pops once per frame, pushing first whatever has arrived by then.
 * Random traces use GRand with a fixed seed; every expectation is computed
 * from the trace itself, not written down. */

#define SSRC_A 0x11223344u
#define SSRC_B 0x55667788u

typedef struct {
	guint32 ssrc;
	guint16 seq;
	guint32 ts;
	gboolean marker;
	gint64 send_us;
	gint64 arrival_us;
	gint id;			 /* index in the sent stream; goes into the payload */
	gboolean gone;			 /* lost by the network: never pushed */
	guint order;			 /* tie-break when sorting by arrival */
	CfJitterBufferPushResult result; /* filled by the player */
	gboolean pushed;
} Pkt;

typedef struct {
	CfJitterBufferAction action;
	CfJitterBufferAdjust adjust;
	gint id; /* PLAY and FEC: the payload's packet; -1 otherwise */
	guint32 timestamp;
	guint16 seq;
	gboolean dtx;
	gint64 now_us;
	gint64 delay_us;
	gint64 target_us;
} Out;

/* ---- Helpers -------------------------------------------------------------- */

static CfJitterBuffer *
new_buffer (const CfJitterBufferConfig *config)
{
	g_autoptr (GError) error = NULL;
	CfJitterBuffer *jb = cf_jitter_buffer_new (config, &error);

	g_assert_no_error (error);
	g_assert_nonnull (jb);
	return jb;
}

static gint64
frame_us (const CfJitterBufferConfig *c)
{
	return (gint64)c->frame_ms * 1000;
}

static guint
frame_samples (const CfJitterBufferConfig *c)
{
	return c->clock_rate * c->frame_ms / 1000;
}

/* The payload of packet @id: 4 bytes of id, then a pattern; its length
 * varies with the id. */
static gsize
make_payload (gint id, guint8 *buf, gsize max)
{
	gsize len = MIN (4 + (gsize)(id % 61), max);

	for (gsize i = 0; i < len; i++)
		buf[i] = (guint8)((guint)id * 7u + i);
	if (len >= 4) {
		buf[0] = (guint8)(id >> 24);
		buf[1] = (guint8)(id >> 16);
		buf[2] = (guint8)(id >> 8);
		buf[3] = (guint8)id;
	}
	return len;
}

/* Reads the id back and checks the pattern. */
static gint
check_payload (const guint8 *payload, gsize len)
{
	guint8 expect[128];
	gint id;

	g_assert_nonnull (payload);
	g_assert_cmpuint (len, >=, 4);
	id = (gint)((guint32)payload[0] << 24 | (guint32)payload[1] << 16 | (guint32)payload[2] << 8
		    | payload[3]);
	g_assert_cmpuint (len, ==, make_payload (id, expect, sizeof (expect)));
	g_assert_cmpmem (payload, len, expect, len);
	return id;
}

/* @n packets, one per frame, arriving after a constant @delay_us. */
static GArray *
make_stream (const CfJitterBufferConfig *c,
	     guint n,
	     guint32 ssrc,
	     guint16 seq0,
	     guint32 ts0,
	     gint64 delay_us)
{
	GArray *pkts = g_array_sized_new (FALSE, TRUE, sizeof (Pkt), n);

	for (guint k = 0; k < n; k++) {
		Pkt p = {0};

		p.ssrc = ssrc;
		p.seq = (guint16)(seq0 + k);
		p.ts = ts0 + k * frame_samples (c);
		p.send_us = k * frame_us (c);
		p.arrival_us = p.send_us + delay_us;
		p.id = (gint)k;
		g_array_append_val (pkts, p);
	}
	return pkts;
}

static gint
compare_arrival (gconstpointer a, gconstpointer b)
{
	const Pkt *pa = *(const Pkt *const *)a;
	const Pkt *pb = *(const Pkt *const *)b;

	if (pa->arrival_us != pb->arrival_us)
		return pa->arrival_us < pb->arrival_us ? -1 : 1;
	return pa->order < pb->order ? -1 : (pa->order > pb->order ? 1 : 0);
}

static void
push_one (CfJitterBuffer *jb, Pkt *p)
{
	g_autoptr (GError) error = NULL;
	guint8 buf[128];
	gsize len = make_payload (p->id, buf, sizeof (buf));

	g_assert_true (cf_jitter_buffer_push (jb,
					      p->ssrc,
					      p->seq,
					      p->ts,
					      p->marker,
					      p->arrival_us,
					      buf,
					      len,
					      &p->result,
					      &error));
	g_assert_no_error (error);
	p->pushed = TRUE;
}

/* The accounting invariant of the statistics. */
static void
check_accounting (CfJitterBuffer *jb)
{
	CfJitterBufferStats st;

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.received,
			  ==,
			  st.played + st.late + st.duplicate + st.dropped + st.skipped_packets
				  + st.buffered + st.held);
	g_assert_cmpuint (st.buffered, <=, cf_jitter_buffer_get_config (jb)->capacity);
	g_assert_cmpint (st.target_delay_us,
			 >=,
			 (gint64)cf_jitter_buffer_get_config (jb)->min_delay_ms * 1000);
	g_assert_cmpint (st.target_delay_us,
			 <=,
			 (gint64)cf_jitter_buffer_get_config (jb)->max_delay_ms * 1000);
}

/* Plays the trace: pops every frame from @first_pop_us, pushing before each
 * pop the packets that have arrived by then; stops once every packet has
 * been pushed and the queue is empty. Returns the frames (Out). */
static GArray *
run_trace (CfJitterBuffer *jb, GArray *pkts, gint64 first_pop_us)
{
	const CfJitterBufferConfig *c = cf_jitter_buffer_get_config (jb);
	g_autoptr (GPtrArray) sorted = g_ptr_array_new ();
	GArray *out = g_array_new (FALSE, TRUE, sizeof (Out));
	guint next = 0;
	gint64 last_arrival = 0;

	for (guint i = 0; i < pkts->len; i++) {
		Pkt *p = &g_array_index (pkts, Pkt, i);

		p->order = i;
		if (!p->gone) {
			g_ptr_array_add (sorted, p);
			last_arrival = MAX (last_arrival, p->arrival_us);
		}
	}
	g_ptr_array_sort (sorted, compare_arrival);

	for (gint64 now = first_pop_us;; now += frame_us (c)) {
		CfJitterBufferFrame frame;
		CfJitterBufferStats st;
		Out o = {0};

		while (next < sorted->len
		       && ((Pkt *)g_ptr_array_index (sorted, next))->arrival_us <= now) {
			push_one (jb, g_ptr_array_index (sorted, next));
			next++;
			check_accounting (jb);
		}
		if (next == sorted->len && cf_jitter_buffer_get_length (jb) == 0)
			break;
		/* a bound, should the buffer never drain */
		g_assert_cmpint (now, <, last_arrival + 10 * G_USEC_PER_SEC);

		g_assert_cmpint (cf_jitter_buffer_pop (jb, now, &frame), ==, frame.action);
		check_accounting (jb);
		cf_jitter_buffer_get_stats (jb, &st);
		o.action = frame.action;
		o.adjust = frame.adjust;
		o.timestamp = frame.timestamp;
		o.seq = frame.seq;
		o.dtx = frame.dtx;
		o.now_us = now;
		o.delay_us = frame.delay_us;
		o.target_us = st.target_delay_us;
		o.id = -1;
		g_assert_cmpuint (frame.samples, ==, frame_samples (c));
		if (frame.action == CF_JITTER_BUFFER_PLAY || frame.action == CF_JITTER_BUFFER_FEC)
			o.id = check_payload (frame.payload, frame.payload_len);
		else
			g_assert_null (frame.payload);
		if (frame.action != CF_JITTER_BUFFER_SILENCE)
			g_assert_false (frame.dtx);
		g_array_append_val (out, o);
	}
	{
		CfJitterBufferStats st;

		cf_jitter_buffer_get_stats (jb, &st);
		g_test_message ("received %" G_GUINT64_FORMAT " played %" G_GUINT64_FORMAT
				" lost %" G_GUINT64_FORMAT " late %" G_GUINT64_FORMAT
				" duplicate %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT
				" concealed %" G_GUINT64_FORMAT " fec %" G_GUINT64_FORMAT
				" inserted %" G_GUINT64_FORMAT " skipped %" G_GUINT64_FORMAT
				" (packets %" G_GUINT64_FORMAT ") resyncs %" G_GUINT64_FORMAT
				" target %" G_GINT64_FORMAT " us jitter %u",
				st.received,
				st.played,
				st.lost,
				st.late,
				st.duplicate,
				st.dropped,
				st.concealed,
				st.fec_recovered,
				st.inserted,
				st.skipped,
				st.skipped_packets,
				st.resyncs,
				st.target_delay_us,
				st.jitter);
	}
	if (g_getenv ("JB_TRACE") != NULL) {
		for (guint i = 0; i < out->len; i++) {
			const Out *o = &g_array_index (out, Out, i);

			g_test_message ("t=%" G_GINT64_FORMAT
					" %s%s%s id=%d ts=%u delay=%" G_GINT64_FORMAT
					" target=%" G_GINT64_FORMAT,
					o->now_us / 1000,
					cf_jitter_buffer_action_to_string (o->action),
					o->adjust == CF_JITTER_BUFFER_ADJUST_INSERT ? "+insert"
					: o->adjust == CF_JITTER_BUFFER_ADJUST_SKIP ? "+skip"
										    : "",
					o->dtx ? "(dtx)" : "",
					o->id,
					o->timestamp,
					o->delay_us / 1000,
					o->target_us / 1000);
		}
	}
	return out;
}

static const Pkt *
pkt_by_id (GArray *pkts, gint id)
{
	for (guint i = 0; i < pkts->len; i++) {
		const Pkt *p = &g_array_index (pkts, Pkt, i);

		if (p->id == id)
			return p;
	}
	return NULL;
}

/* PLAY frames carry their packet's RTP fields; returns how many there were
 * and checks they come in strictly increasing id order. */
static guint
check_played_in_order (GArray *out, GArray *pkts)
{
	gint last = -1;
	guint n = 0;

	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);
		const Pkt *p;

		if (o->action != CF_JITTER_BUFFER_PLAY)
			continue;
		g_assert_cmpint (o->id, >, last);
		last = o->id;
		p = pkt_by_id (pkts, o->id);
		g_assert_nonnull (p);
		g_assert_cmpuint (o->seq, ==, p->seq);
		g_assert_cmpuint (o->timestamp, ==, p->ts);
		n++;
	}
	return n;
}

static gboolean
was_played (GArray *out, gint id)
{
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->action == CF_JITTER_BUFFER_PLAY && o->id == id)
			return TRUE;
	}
	return FALSE;
}

/* The frame that stood for timestamp @ts (not an inserted one), or NULL. */
static const Out *
out_for_ts (GArray *out, guint32 ts)
{
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->timestamp == ts && o->adjust != CF_JITTER_BUFFER_ADJUST_INSERT
		    && o->action != CF_JITTER_BUFFER_SILENCE)
			return o;
	}
	return NULL;
}

static guint
count_action (GArray *out, CfJitterBufferAction action)
{
	guint n = 0;

	for (guint i = 0; i < out->len; i++)
		n += g_array_index (out, Out, i).action == action;
	return n;
}

static const Out *
last_out (GArray *out)
{
	g_assert_cmpuint (out->len, >, 0);
	return &g_array_index (out, Out, out->len - 1);
}

/* The last frame popped at or before @t. */
static const Out *
out_at (GArray *out, gint64 t)
{
	const Out *found = NULL;

	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->now_us <= t)
			found = o;
	}
	g_assert_nonnull (found);
	return found;
}

/* ---- Configuration and arguments ------------------------------------------ */

static void
test_config (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GError) error = NULL;
	CfJitterBufferFrame frame;

	cf_jitter_buffer_config_init (&c, 48000);
	jb = new_buffer (&c);
	g_assert_cmpuint (cf_jitter_buffer_get_frame_samples (jb), ==, 960);
	g_clear_pointer (&jb, cf_jitter_buffer_free);
	cf_jitter_buffer_config_init (&c, 8000);
	jb = new_buffer (&c);
	g_assert_cmpuint (cf_jitter_buffer_get_frame_samples (jb), ==, 160);

	/* each invalid value alone */
	for (guint i = 0;; i++) {
		g_autoptr (CfJitterBuffer) bad_jb = NULL;
		g_autoptr (GError) bad_error = NULL;

		cf_jitter_buffer_config_init (&c, 48000);
		switch (i) {
		case 0:
			c.clock_rate = 0;
			break;
		case 1:
			c.clock_rate = 500000;
			break;
		case 2:
			c.frame_ms = 0;
			break;
		case 3:
			c.frame_ms = 1000;
			break;
		case 4:
			c.clock_rate = 11025;
			c.frame_ms = 10;
			break; /* 110.25 samples */
		case 5:
			c.min_delay_ms = 600;
			break;
		case 6:
			c.max_delay_ms = CF_JITTER_BUFFER_MAX_DELAY_LIMIT + 1;
			break;
		case 7:
			c.max_delay_ms = 0;
			c.min_delay_ms = 0;
			c.initial_delay_ms = 0;
			break;
		case 8:
			c.initial_delay_ms = 10;
			break;
		case 9:
			c.initial_delay_ms = 501;
			break;
		case 10:
			c.capacity = 1;
			break;
		case 11:
			c.capacity = CF_JITTER_BUFFER_MAX_CAPACITY + 1;
			break;
		case 12:
			c.max_payload = 0;
			break;
		case 13:
			c.max_payload = CF_JITTER_BUFFER_MAX_PAYLOAD + 1;
			break;
		default:
			break;
		}
		if (i > 13)
			break;
		bad_jb = cf_jitter_buffer_new (&c, &bad_error);
		g_assert_null (bad_jb);
		g_assert_error (
			bad_error, CF_JITTER_BUFFER_ERROR, CF_JITTER_BUFFER_ERROR_INVALID_CONFIG);
	}

	/* arguments: errors change nothing */
	cf_jitter_buffer_config_init (&c, 48000);
	c.max_payload = 100;
	g_clear_pointer (&jb, cf_jitter_buffer_free);
	jb = new_buffer (&c);
	{
		guint8 big[101] = {0};
		CfJitterBufferStats st;

		g_assert_false (
			cf_jitter_buffer_push (jb, SSRC_A, 1, 0, FALSE, 0, big, 101, NULL, &error));
		g_assert_error (error, CF_JITTER_BUFFER_ERROR, CF_JITTER_BUFFER_ERROR_TOO_LARGE);
		g_clear_error (&error);
		g_assert_false (
			cf_jitter_buffer_push (jb, SSRC_A, 1, 0, FALSE, 0, NULL, 3, NULL, &error));
		g_assert_error (error, CF_JITTER_BUFFER_ERROR, CF_JITTER_BUFFER_ERROR_INVALID);
		g_clear_error (&error);
		cf_jitter_buffer_get_stats (jb, &st);
		g_assert_cmpuint (st.received, ==, 0);
		g_assert_cmpuint (cf_jitter_buffer_get_length (jb), ==, 0);

		/* exactly the limit, and empty payloads, are fine */
		g_assert_true (
			cf_jitter_buffer_push (jb, SSRC_A, 1, 0, FALSE, 0, big, 100, NULL, &error));
		g_assert_no_error (error);
		g_assert_true (cf_jitter_buffer_push (
			jb, SSRC_A, 2, 960, FALSE, 0, NULL, 0, NULL, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (cf_jitter_buffer_get_length (jb), ==, 2);
	}

	/* nothing pushed: silence, not DTX */
	g_clear_pointer (&jb, cf_jitter_buffer_free);
	jb = new_buffer (&c);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 0, &frame), ==, CF_JITTER_BUFFER_SILENCE);
	g_assert_false (frame.dtx);
	g_assert_null (frame.payload);
	g_assert_cmpuint (frame.samples, ==, 960);
	g_assert_cmpstr (cf_jitter_buffer_action_to_string (CF_JITTER_BUFFER_FEC), ==, "fec");

	cf_jitter_buffer_free (NULL);
}

/* ---- Steady stream -------------------------------------------------------- */

static void
test_steady (gconstpointer data)
{
	guint clock_rate = GPOINTER_TO_UINT (data);
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	guint played;
	gboolean seen_play = FALSE;

	cf_jitter_buffer_config_init (&c, clock_rate);
	jb = new_buffer (&c);
	pkts = make_stream (&c, 500, SSRC_A, 1000, 123456, 30000);
	out = run_trace (jb, pkts, 7000);

	cf_jitter_buffer_get_stats (jb, &st);
	played = check_played_in_order (out, pkts);
	g_assert_cmpuint (st.played, ==, played);
	/* the initial delay was shrunk to the minimum in speech, a packet at a time */
	g_assert_cmpuint (st.played + st.skipped_packets, ==, pkts->len);
	g_assert_cmpuint (
		st.skipped_packets, <=, (c.initial_delay_ms - c.min_delay_ms) / c.frame_ms);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.duplicate, ==, 0);
	g_assert_cmpuint (st.dropped, ==, 0);
	g_assert_cmpuint (st.concealed, ==, 0);
	g_assert_cmpuint (st.fec_recovered, ==, 0);
	g_assert_cmpuint (st.inserted, ==, 0);
	g_assert_cmpuint (st.resyncs, ==, 0);
	g_assert_cmpuint (st.jitter, ==, 0);
	g_assert_cmpuint (count_action (out, CF_JITTER_BUFFER_CONCEAL), ==, 0);

	/* silence only while buffering, then every frame is played */
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->action == CF_JITTER_BUFFER_PLAY) {
			if (!seen_play)
				g_assert_cmpint (o->delay_us, >=, c.initial_delay_ms * 1000);
			seen_play = TRUE;
		} else {
			g_assert_cmpint (o->action, ==, CF_JITTER_BUFFER_SILENCE);
			g_assert_false (seen_play);
			g_assert_false (o->dtx);
		}
	}

	/* delay at the minimum */
	g_assert_cmpint (st.target_delay_us, ==, c.min_delay_ms * 1000);
	g_assert_cmpint (last_out (out)->delay_us, >=, c.min_delay_ms * 1000);
	g_assert_cmpint (
		last_out (out)->delay_us, <, c.min_delay_ms * 1000 + frame_us (&c) * 3 / 2);
}

/* ---- Reordering ----------------------------------------------------------- */

/* Each group of four arrives reversed: up to three packets out of place. */
static void
test_reorder_groups (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;

	cf_jitter_buffer_config_init (&c, 48000);
	jb = new_buffer (&c);
	pkts = make_stream (&c, 400, SSRC_A, 7, 0, 25000);
	for (guint k = 0; k < pkts->len; k++) {
		Pkt *p = &g_array_index (pkts, Pkt, k);
		guint last_of_group = MIN (k / 4 * 4 + 3, pkts->len - 1);

		p->arrival_us = last_of_group * frame_us (&c) + 25000 + (last_of_group - k) * 10;
	}
	out = run_trace (jb, pkts, 3000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, pkts->len);
	g_assert_cmpuint (st.played, ==, pkts->len);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.concealed, ==, 0);
	g_assert_cmpuint (st.skipped, ==, 0);
	/* the first of each group waited three frames (and 30 µs) */
	g_assert_cmpint (st.target_delay_us, >=, 3 * frame_us (&c));
	g_assert_cmpint (st.target_delay_us, <=, 3 * frame_us (&c) + 1000);
}

/* Random reordering: each packet delayed by 0 to 3 frames. */
static void
test_reorder_random (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	g_autoptr (GRand) rand = g_rand_new_with_seed (7);
	CfJitterBufferStats st;
	guint reordered = 0;

	cf_jitter_buffer_config_init (&c, 8000);
	jb = new_buffer (&c);
	pkts = make_stream (&c, 1000, SSRC_A, 65000, 4000000000u, 40000);
	for (guint k = 0; k < pkts->len; k++) {
		Pkt *p = &g_array_index (pkts, Pkt, k);

		p->arrival_us += g_rand_int_range (rand, 0, 4) * frame_us (&c);
	}
	for (guint k = 1; k < pkts->len; k++) {
		reordered += g_array_index (pkts, Pkt, k).arrival_us
			     < g_array_index (pkts, Pkt, k - 1).arrival_us;
	}
	g_assert_cmpuint (reordered, >, pkts->len / 10);
	out = run_trace (jb, pkts, 11000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.dropped, ==, 0);
	g_assert_cmpuint (st.played + st.skipped_packets, ==, pkts->len);
	g_assert_cmpuint (st.resyncs, ==, 0);
	/* three frames of reordering is what the buffer must wait */
	g_assert_cmpint (st.target_delay_us, ==, 3 * frame_us (&c));
}

/* ---- Loss ----------------------------------------------------------------- */

static void
check_lost_frames (GArray *out, GArray *pkts, gboolean fec)
{
	for (guint k = 0; k < pkts->len; k++) {
		const Pkt *p = &g_array_index (pkts, Pkt, k);
		const Pkt *next = k + 1 < pkts->len ? &g_array_index (pkts, Pkt, k + 1) : NULL;
		const Out *o;

		if (!p->gone)
			continue;
		o = out_for_ts (out, p->ts);
		g_assert_nonnull (o);
		if (fec && next != NULL && !next->gone && next->arrival_us <= o->now_us) {
			g_assert_cmpint (o->action, ==, CF_JITTER_BUFFER_FEC);
			g_assert_cmpint (o->id, ==, next->id);
			g_assert_cmpuint (o->seq, ==, next->seq);
		} else {
			g_assert_cmpint (o->action, ==, CF_JITTER_BUFFER_CONCEAL);
		}
	}
}

static void
test_loss (gconstpointer data)
{
	gboolean fec = GPOINTER_TO_INT (data);
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	g_autoptr (GRand) rand = g_rand_new_with_seed (42);
	CfJitterBufferStats st;
	guint gone = 0;
	guint with_next = 0;

	cf_jitter_buffer_config_init (&c, 48000);
	c.fec = fec;
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 1000, SSRC_A, 500, 77, 30000);
	for (guint k = 5; k + 5 < pkts->len; k++) {
		Pkt *p = &g_array_index (pkts, Pkt, k);

		if (g_rand_double (rand) < 0.10) {
			p->gone = TRUE;
			gone++;
		}
	}
	for (guint k = 5; k + 5 < pkts->len; k++) {
		with_next +=
			g_array_index (pkts, Pkt, k).gone && !g_array_index (pkts, Pkt, k + 1).gone;
	}
	g_assert_cmpuint (gone, >, 50);
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, pkts->len - gone);
	g_assert_cmpuint (st.played, ==, pkts->len - gone);
	g_assert_cmpuint (st.lost, ==, gone);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.skipped, ==, 0);
	g_assert_cmpuint (st.inserted, ==, 0);
	g_assert_cmpuint (st.concealed + st.fec_recovered, ==, gone);
	if (fec)
		g_assert_cmpuint (st.fec_recovered, ==, with_next);
	else
		g_assert_cmpuint (st.fec_recovered, ==, 0);
	check_lost_frames (out, pkts, fec);
	/* loss is no jitter */
	g_assert_cmpint (st.target_delay_us, ==, c.min_delay_ms * 1000);
}

/* ---- Late packets --------------------------------------------------------- */

static void
test_late (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	guint delayed = 0;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 600, SSRC_A, 65500, 4294960000u, 30000);
	for (guint k = 60; k + 5 < pkts->len; k += 37) {
		g_array_index (pkts, Pkt, k).arrival_us += 200000;
		delayed++;
	}
	out = run_trace (jb, pkts, 13000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.late, ==, delayed);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.concealed, ==, delayed);
	g_assert_cmpuint (st.played, ==, pkts->len - delayed);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	for (guint k = 60; k + 5 < pkts->len; k += 37) {
		const Pkt *p = &g_array_index (pkts, Pkt, k);
		const Out *o = out_for_ts (out, p->ts);

		g_assert_cmpint (p->result, ==, CF_JITTER_BUFFER_PUSH_LATE);
		g_assert_false (was_played (out, p->id));
		g_assert_nonnull (o);
		g_assert_cmpint (o->action, ==, CF_JITTER_BUFFER_CONCEAL);
	}
	/* under 5% of outliers do not move the target */
	g_assert_cmpint (st.target_delay_us, ==, c.min_delay_ms * 1000);
}

/* A packet that arrives after its frame was concealed, but before the next
 * packet is played: late, not lost. Scripted by hand. */
static void
test_late_before_next (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	CfJitterBufferFrame frame;
	CfJitterBufferStats st;
	Pkt p = {0};

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	p.ssrc = SSRC_A;

	push_one (jb, &p); /* seq 0 at 0 ms */
	g_assert_cmpint (p.result, ==, CF_JITTER_BUFFER_PUSH_QUEUED);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 0, &frame), ==, CF_JITTER_BUFFER_SILENCE);
	g_assert_false (frame.dtx);
	g_assert_cmpint (frame.adjust, ==, CF_JITTER_BUFFER_ADJUST_NONE);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 20000, &frame), ==, CF_JITTER_BUFFER_PLAY);
	g_assert_cmpint (frame.delay_us, ==, 20000);
	g_assert_cmpint (check_payload (frame.payload, frame.payload_len), ==, 0);

	/* seq 1 is missing when its frame is due: seq 2 is there */
	p.seq = 2;
	p.ts = 2 * 960;
	p.id = 2;
	p.arrival_us = 40000;
	push_one (jb, &p);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 40000, &frame), ==, CF_JITTER_BUFFER_CONCEAL);
	g_assert_cmpuint (frame.timestamp, ==, 960);

	/* seq 1 comes now: too late */
	p.seq = 1;
	p.ts = 960;
	p.id = 1;
	p.arrival_us = 45000;
	push_one (jb, &p);
	g_assert_cmpint (p.result, ==, CF_JITTER_BUFFER_PUSH_LATE);
	/* and again: a duplicate of a late packet */
	push_one (jb, &p);
	g_assert_cmpint (p.result, ==, CF_JITTER_BUFFER_PUSH_DUPLICATE);

	/* it needed 25 ms: the target grows to that at once, by one frame
	 * concealed without advancing, and seq 2 plays on the next pop */
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 60000, &frame), ==, CF_JITTER_BUFFER_CONCEAL);
	g_assert_cmpint (frame.adjust, ==, CF_JITTER_BUFFER_ADJUST_INSERT);
	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpint (st.target_delay_us, ==, 25000);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 80000, &frame), ==, CF_JITTER_BUFFER_PLAY);
	g_assert_cmpint (check_payload (frame.payload, frame.payload_len), ==, 2);
	g_assert_cmpuint (frame.seq, ==, 2);
	g_assert_cmpint (frame.delay_us, ==, 40000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.late, ==, 1);
	g_assert_cmpuint (st.duplicate, ==, 1);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.concealed, ==, 1);
	g_assert_cmpuint (st.inserted, ==, 1);
	g_assert_cmpuint (st.played, ==, 2);
	check_accounting (jb);

	/* seq 3 never comes, seq 4 does: the playout passes 3, it is lost */
	p.seq = 4;
	p.ts = 4 * 960;
	p.id = 4;
	p.arrival_us = 80000;
	push_one (jb, &p);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 100000, &frame), ==, CF_JITTER_BUFFER_CONCEAL);
	g_assert_cmpuint (frame.timestamp, ==, 3 * 960);
	g_assert_cmpint (cf_jitter_buffer_pop (jb, 120000, &frame), ==, CF_JITTER_BUFFER_PLAY);
	g_assert_cmpuint (frame.seq, ==, 4);
	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.lost, ==, 1);
	/* ... unless it turns up after all: then it was late, not lost */
	p.seq = 3;
	p.ts = 3 * 960;
	p.id = 3;
	p.arrival_us = 130000;
	push_one (jb, &p);
	g_assert_cmpint (p.result, ==, CF_JITTER_BUFFER_PUSH_LATE);
	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 2);
	check_accounting (jb);
}

/* ---- Jitter that rises and falls ------------------------------------------ */

static void
test_jitter_rise_fall (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	g_autoptr (GRand) rand = g_rand_new_with_seed (1234);
	CfJitterBufferStats st;
	const gint64 jitter_low = 5000;
	const gint64 jitter_high = 150000;
	const guint b_start = 500;
	const guint c_start = 1500;
	gint64 t_b;
	gint64 t_c;
	gint64 max_target = 0;
	gint64 last_adjust = -1;
	guint late_b = 0;
	gint64 end_delay;

	cf_jitter_buffer_config_init (&c, 48000);
	jb = new_buffer (&c);
	pkts = make_stream (&c, 3000, SSRC_A, 0, 0, 30000);
	for (guint k = 0; k < pkts->len; k++) {
		gint64 j = (k >= b_start && k < c_start) ? jitter_high : jitter_low;

		g_array_index (pkts, Pkt, k).arrival_us += g_rand_int_range (rand, 0, (gint32)j);
	}
	t_b = b_start * frame_us (&c);
	t_c = c_start * frame_us (&c);
	out = run_trace (jb, pkts, 9000);
	cf_jitter_buffer_get_stats (jb, &st);

	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.resyncs, ==, 0);

	/* low jitter: the minimum */
	g_assert_cmpint (out_at (out, t_b)->target_us, ==, c.min_delay_ms * 1000);

	/* it grows quickly: half the jitter within a second */
	g_assert_cmpint (out_at (out, t_b + G_USEC_PER_SEC)->target_us, >=, jitter_high / 2);
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->now_us >= t_b && o->now_us < t_c)
			max_target = MAX (max_target, o->target_us);
	}
	/* to the 95th percentile of a uniform jitter, a little under its width */
	g_assert_cmpint (max_target, >=, jitter_high * 8 / 10);
	g_assert_cmpint (max_target, <=, jitter_high);
	/* the playout delay follows it */
	g_assert_cmpint (out_at (out, t_c)->delay_us, >=, out_at (out, t_c)->target_us);

	/* once settled, about 5% of the packets are late, no more */
	for (guint k = b_start + 250; k < c_start; k++)
		late_b += g_array_index (pkts, Pkt, k).result == CF_JITTER_BUFFER_PUSH_LATE;
	g_assert_cmpuint (late_b, <=, (c_start - b_start - 250) / 10);

	/* it shrinks slowly: still high a second after the jitter fell ... */
	g_assert_cmpint (out_at (out, t_c + G_USEC_PER_SEC)->target_us, >=, jitter_high / 2);
	g_assert_cmpint (out_at (out, t_c + G_USEC_PER_SEC)->delay_us, >=, jitter_high / 2);
	/* ... one frame per shrink interval in speech, never soon after growing ... */
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->adjust == CF_JITTER_BUFFER_ADJUST_NONE)
			continue;
		if (o->adjust == CF_JITTER_BUFFER_ADJUST_SKIP) {
			g_assert_cmpint (o->action, ==, CF_JITTER_BUFFER_PLAY);
			if (last_adjust >= 0)
				g_assert_cmpint (
					o->now_us - last_adjust, >=, c.shrink_interval_ms * 1000);
		}
		last_adjust = o->now_us;
	}
	g_assert_cmpuint (
		st.skipped, >=, (jitter_high * 8 / 10 - c.min_delay_ms * 1000) / frame_us (&c));
	/* ... and back at the minimum in the end */
	end_delay = last_out (out)->delay_us;
	g_assert_cmpint (st.target_delay_us, ==, c.min_delay_ms * 1000);
	g_assert_cmpint (end_delay, >=, c.min_delay_ms * 1000);
	g_assert_cmpint (end_delay, <, c.min_delay_ms * 1000 + frame_us (&c) * 3 / 2 + jitter_low);
	g_assert_cmpuint (st.inserted, >, 0);
	g_assert_cmpuint (st.jitter, >, 0);
}

/* ---- Clock drift ---------------------------------------------------------- */

/* The sender's clock runs 0.5% fast or slow: the buffer skips or inserts
 * about the drift, one frame at a time, and loses nothing. */
static void
test_drift (gconstpointer data)
{
	gboolean fast = GPOINTER_TO_INT (data);
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	gint64 drift_us;
	guint frames;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 3000, SSRC_A, 0, 0, 30000);
	for (guint k = 0; k < pkts->len; k++) {
		Pkt *p = &g_array_index (pkts, Pkt, k);

		/* a fast sender sends a frame every 19.9 ms of our clock */
		p->arrival_us = p->send_us * (fast ? 995 : 1005) / 1000 + 30000;
	}
	drift_us = g_array_index (pkts, Pkt, pkts->len - 1).send_us / 200;
	frames = (guint)(drift_us / frame_us (&c));
	out = run_trace (jb, pkts, 3000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	if (fast) {
		g_assert_cmpuint (st.skipped_packets, >=, frames - 2);
		g_assert_cmpuint (st.skipped_packets, <=, frames + 2);
		g_assert_cmpuint (st.inserted, ==, 0);
	} else {
		g_assert_cmpuint (st.inserted, >=, frames - 2);
		g_assert_cmpuint (st.inserted, <=, frames + 2);
		g_assert_cmpuint (st.skipped, ==, 0);
	}
	g_assert_cmpint (st.target_delay_us, ==, c.min_delay_ms * 1000);
	g_assert_cmpint (last_out (out)->delay_us, <, c.min_delay_ms * 1000 + frame_us (&c) * 2);
}

/* ---- Wrap-around ---------------------------------------------------------- */

static void
test_wrap (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	const guint lost_ids[] = {97, 150, 200, 201};

	cf_jitter_buffer_config_init (&c, 48000);
	c.fec = TRUE;
	jb = new_buffer (&c);
	/* the sequence number wraps at packet 200, the timestamp at packet 100 */
	pkts = make_stream (&c, 400, SSRC_A, 65336, 0xFFFFFFFFu - 100 * 960 + 1, 30000);
	g_assert_cmpuint (g_array_index (pkts, Pkt, 200).seq, ==, 0);
	g_assert_cmpuint (g_array_index (pkts, Pkt, 100).ts, ==, 0);
	for (guint k = 0; k < pkts->len; k++) {
		Pkt *p = &g_array_index (pkts, Pkt, k);

		/* pairs swapped */
		if (k % 2 == 0 && k + 1 < pkts->len)
			p->arrival_us += frame_us (&c) + 10;
	}
	for (guint i = 0; i < G_N_ELEMENTS (lost_ids); i++)
		g_array_index (pkts, Pkt, lost_ids[i]).gone = TRUE;
	out = run_trace (jb, pkts, 1000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.resyncs, ==, 0);
	g_assert_cmpuint (st.lost, ==, G_N_ELEMENTS (lost_ids));
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.dropped, ==, 0);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	g_assert_cmpuint (st.played + st.skipped_packets, ==, pkts->len - G_N_ELEMENTS (lost_ids));
	check_lost_frames (out, pkts, TRUE);
	g_assert_cmpuint (st.fec_recovered, >, 0);
}

/* ---- DTX ------------------------------------------------------------------ */

typedef enum {
	DTX_SILENT, /* nothing sent during the gap */
	DTX_LATER,  /* the same, and the network is 100 ms slower after it */
	DTX_OPUS,   /* one packet every 400 ms during the gap */
} DtxKind;

static void
test_dtx (gconstpointer data)
{
	DtxKind kind = GPOINTER_TO_INT (data);
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	guint fs;
	guint k = 0;
	guint frame_no = 0;
	guint n_talk1 = 50;
	gint after = -1;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	c.shrink_interval_ms = 60000;
	fs = frame_samples (&c);
	jb = new_buffer (&c);
	pkts = g_array_new (FALSE, TRUE, sizeof (Pkt));
	/* talkspurt, 1 s gap, talkspurt, 1 s gap, talkspurt */
	for (guint spurt = 0; spurt < 3; spurt++) {
		for (guint i = 0; i < n_talk1; i++, frame_no++, k++) {
			Pkt p = {0};

			p.ssrc = SSRC_A;
			p.seq = (guint16)(60000 + k);
			p.ts = 1000 + frame_no * fs;
			p.marker = spurt > 0 && i == 0;
			p.send_us = frame_no * frame_us (&c);
			p.arrival_us = p.send_us + 30000 + (kind == DTX_LATER ? spurt * 100000 : 0);
			p.id = (gint)k;
			g_array_append_val (pkts, p);
		}
		for (guint i = 0; i < 50; i++, frame_no++) {
			Pkt p = {0};

			if (kind != DTX_OPUS || i % 20 != 19 || spurt == 2)
				continue;
			p.ssrc = SSRC_A;
			p.seq = (guint16)(60000 + k);
			p.ts = 1000 + frame_no * fs;
			p.send_us = frame_no * frame_us (&c);
			p.arrival_us = p.send_us + 30000;
			p.id = (gint)k++;
			g_array_append_val (pkts, p);
		}
	}
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.resyncs, ==, 0);
	g_assert_cmpuint (st.skipped_packets, ==, 0);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, pkts->len);
	g_assert_cmpuint (st.played, ==, pkts->len);

	/* after each played packet, at most 60 ms of concealment, then silence (DTX) */
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->action == CF_JITTER_BUFFER_PLAY) {
			after = 0;
		} else if (after >= 0) {
			if (o->action == CF_JITTER_BUFFER_CONCEAL) {
				g_assert_cmpint (after, <, 60 / (gint)c.frame_ms);
				after++;
			} else {
				g_assert_cmpint (o->action, ==, CF_JITTER_BUFFER_SILENCE);
				g_assert_true (o->dtx);
				after = G_MAXINT / 2;
			}
		}
	}
	/* only the ends of the two talkspurts before a gap were concealed:
	 * the buffer cannot know they are ends before 60 ms have passed */
	g_assert_cmpuint (st.concealed, ==, 2 * 60 / c.frame_ms);

	if (kind == DTX_LATER) {
		/* the later talkspurts were rescheduled, not dropped */
		const Pkt *p = pkt_by_id (pkts, 2 * n_talk1);

		g_assert_nonnull (p);
		g_assert_cmpint (p->result, ==, CF_JITTER_BUFFER_PUSH_QUEUED);
		g_assert_cmpint (last_out (out)->delay_us, >=, 200000);
	}
}

/* Silence gaps shrink the delay without touching speech. */
static void
test_silence_shrink (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	guint k = 0;
	guint fs;
	gboolean in_gap = FALSE;
	guint spurts_at_min = 0;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = 200;
	c.shrink_interval_ms = 60000;
	fs = frame_samples (&c);
	jb = new_buffer (&c);
	pkts = g_array_new (FALSE, TRUE, sizeof (Pkt));
	/* 1 s talkspurts separated by 1 s of silence */
	for (guint frame_no = 0; frame_no < 600; frame_no++) {
		Pkt p = {0};

		if ((frame_no / 50) % 2 == 1)
			continue;
		p.ssrc = SSRC_A;
		p.seq = (guint16)k;
		p.ts = frame_no * fs;
		p.marker = frame_no > 0 && frame_no % 50 == 0;
		p.send_us = frame_no * frame_us (&c);
		p.arrival_us = p.send_us + 30000;
		p.id = (gint)k++;
		g_array_append_val (pkts, p);
	}
	out = run_trace (jb, pkts, 17000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.played, ==, pkts->len);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, pkts->len);
	g_assert_cmpuint (st.skipped_packets, ==, 0);
	g_assert_cmpuint (st.skipped, >=, (c.initial_delay_ms - c.min_delay_ms) / c.frame_ms - 1);
	g_assert_cmpuint (st.lost, ==, 0);
	for (guint i = 0; i < out->len; i++) {
		const Out *o = &g_array_index (out, Out, i);

		if (o->adjust == CF_JITTER_BUFFER_ADJUST_SKIP)
			g_assert_true (o->action == CF_JITTER_BUFFER_SILENCE
				       || (o->action == CF_JITTER_BUFFER_PLAY && o->id % 50 == 0));
		if (o->action == CF_JITTER_BUFFER_SILENCE && o->dtx)
			in_gap = TRUE;
		if (o->action == CF_JITTER_BUFFER_PLAY && in_gap) {
			/* the first packet of a talkspurt */
			in_gap = FALSE;
			if (o->delay_us < c.min_delay_ms * 1000 + frame_us (&c) * 3 / 2)
				spurts_at_min++;
		}
	}
	/* once the estimate is past its warm-up, each talkspurt starts at the minimum */
	g_assert_cmpuint (spurts_at_min, >=, 4);
	g_assert_cmpint (
		last_out (out)->delay_us, <, c.min_delay_ms * 1000 + frame_us (&c) * 3 / 2);
}

/* ---- Resynchronisation ---------------------------------------------------- */

static void
test_ssrc_change (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) b = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	Pkt straggler;
	guint played_a = 0;
	guint played_b = 0;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 100, SSRC_A, 100, 5000, 30000);
	b = make_stream (&c, 100, SSRC_B, 40000, 987654321, 30000);
	for (guint k = 0; k < b->len; k++) {
		Pkt *p = &g_array_index (b, Pkt, k);

		p->id += 100;
		p->send_us += 100 * frame_us (&c);
		p->arrival_us += 100 * frame_us (&c);
	}
	g_array_append_vals (pkts, b->data, b->len);
	/* a copy of A's last packet, arriving in the middle of B */
	straggler = g_array_index (pkts, Pkt, 99);
	straggler.id = 1000;
	straggler.arrival_us = g_array_index (pkts, Pkt, 110).arrival_us + 1;
	g_array_append_val (pkts, straggler);
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.resyncs, ==, 1);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpint (pkt_by_id (pkts, 1000)->result, ==, CF_JITTER_BUFFER_PUSH_HELD);
	g_assert_false (was_played (out, 1000));
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	for (gint id = 0; id < 200; id++) {
		if (was_played (out, id))
			*(id < 100 ? &played_a : &played_b) += 1;
	}
	/* B all played; A up to what was still queued when B came */
	g_assert_cmpuint (played_b, ==, 100);
	g_assert_cmpuint (played_a, >=, 100 - 3);
	/* A's flushed packets and the straggler */
	g_assert_cmpuint (st.dropped, ==, 100 - played_a + 1);
}

/* A, then B, then A again for real: the switch back is confirmed by the
 * second packet, and the first is not lost. */
static void
test_ssrc_switch_back (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) more = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;

	cf_jitter_buffer_config_init (&c, 8000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 300, SSRC_A, 1, 1, 30000);
	more = make_stream (&c, 300, SSRC_B, 50000, 77777, 30000);
	for (guint k = 100; k < 200; k++) {
		Pkt *p = &g_array_index (pkts, Pkt, k);
		const Pkt *b = &g_array_index (more, Pkt, k);

		p->ssrc = b->ssrc;
		p->seq = b->seq;
		p->ts = b->ts;
	}
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpint (pkt_by_id (pkts, 100)->result, ==, CF_JITTER_BUFFER_PUSH_QUEUED);
	g_assert_cmpint (pkt_by_id (pkts, 200)->result, ==, CF_JITTER_BUFFER_PUSH_HELD);
	g_assert_cmpint (pkt_by_id (pkts, 201)->result, ==, CF_JITTER_BUFFER_PUSH_QUEUED);
	g_assert_cmpuint (st.resyncs, ==, 2);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	for (gint id = 200; id < 300; id++)
		g_assert_true (was_played (out, id));
	g_assert_cmpuint (st.played + st.dropped, ==, pkts->len);
}

static void
test_seq_jump (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	Pkt bogus;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 300, SSRC_A, 100, 5000, 30000);
	/* the sender restarts its sequence numbers at packet 150 */
	for (guint k = 150; k < pkts->len; k++)
		g_array_index (pkts, Pkt, k).seq += 20000;
	/* a lone packet with a wild sequence number, at packet 60 */
	bogus = g_array_index (pkts, Pkt, 60);
	bogus.seq += 30000;
	bogus.id = 1000;
	bogus.arrival_us += 1;
	g_array_append_val (pkts, bogus);
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpint (pkt_by_id (pkts, 1000)->result, ==, CF_JITTER_BUFFER_PUSH_HELD);
	g_assert_cmpint (pkt_by_id (pkts, 150)->result, ==, CF_JITTER_BUFFER_PUSH_HELD);
	g_assert_cmpint (pkt_by_id (pkts, 151)->result, ==, CF_JITTER_BUFFER_PUSH_QUEUED);
	g_assert_cmpuint (st.resyncs, ==, 1);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_false (was_played (out, 1000));
	/* the held packet is played after the restart */
	g_assert_true (was_played (out, 150));
	g_assert_true (was_played (out, 151));
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	/* dropped: the bogus packet and what of the old numbering was queued */
	g_assert_cmpuint (st.played + st.dropped, ==, pkts->len);
	g_assert_cmpuint (st.dropped, <=, 1 + 3);
}

static void
test_ts_jump (gconstpointer data)
{
	gboolean forward = GPOINTER_TO_INT (data);
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;

	cf_jitter_buffer_config_init (&c, 8000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 300, SSRC_A, 100, 5000, 30000);
	/* a new timestamp base from packet 150, sequence numbers continue */
	for (guint k = 150; k < pkts->len; k++)
		g_array_index (pkts, Pkt, k).ts += forward ? 10000000u : (guint32)-4000u;
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.resyncs, ==, 1);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	for (guint k = 150; k < pkts->len; k++)
		g_assert_true (was_played (out, (gint)k));
	g_assert_cmpuint (st.played + st.dropped, ==, pkts->len);
	g_assert_cmpuint (st.dropped, <=, 3);
	g_assert_cmpint (st.target_delay_us, ==, c.min_delay_ms * 1000);
}

/* ---- Duplicates ----------------------------------------------------------- */

static void
test_duplicates (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	guint n;

	cf_jitter_buffer_config_init (&c, 48000);
	c.initial_delay_ms = c.min_delay_ms;
	jb = new_buffer (&c);
	pkts = make_stream (&c, 200, SSRC_A, 9, 9, 30000);
	n = pkts->len;
	for (guint k = 0; k < n; k++) {
		Pkt copy = g_array_index (pkts, Pkt, k);

		/* soon after, and for some long after the packet was played */
		copy.arrival_us += 5000;
		g_array_append_val (pkts, copy);
		if (k % 10 == 0 && k + 20 < n) {
			copy.arrival_us += 300000;
			g_array_append_val (pkts, copy);
		}
	}
	out = run_trace (jb, pkts, 5000);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.duplicate, ==, pkts->len - n);
	for (guint i = 0; i < pkts->len; i++) {
		g_assert_cmpint (g_array_index (pkts, Pkt, i).result,
				 ==,
				 i < n ? CF_JITTER_BUFFER_PUSH_QUEUED
				       : CF_JITTER_BUFFER_PUSH_DUPLICATE);
	}
	g_assert_cmpuint (st.played, ==, n);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, n);
	g_assert_cmpuint (st.late, ==, 0);
	g_assert_cmpuint (st.lost, ==, 0);
}

/* ---- Floods --------------------------------------------------------------- */

static void
test_flood (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;
	const guint n = 10000;

	cf_jitter_buffer_config_init (&c, 48000);
	c.capacity = 16;
	jb = new_buffer (&c);
	/* everything arrives at once */
	pkts = make_stream (&c, n, SSRC_A, 1, 1, 0);
	for (guint k = 0; k < n; k++)
		g_array_index (pkts, Pkt, k).arrival_us = 0;
	out = run_trace (jb, pkts, 0);

	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.received, ==, n);
	g_assert_cmpuint (st.dropped, ==, n - c.capacity);
	g_assert_cmpuint (st.played + st.skipped_packets, ==, c.capacity);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
	/* the newest were kept */
	for (gint id = n - c.capacity; id < (gint)n; id++) {
		if (!was_played (out, id))
			g_assert_cmpuint (st.skipped_packets, >, 0);
	}
	g_assert_true (was_played (out, n - 1));
}

/* Random garbage: any sequence numbers, timestamps, SSRCs, sizes, times. */
static void
test_flood_random (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GRand) rand = g_rand_new_with_seed (99);
	guint8 payload[300];
	gint64 now = 0;
	guint32 ssrcs[] = {1, 2, 3};
	guint16 seq = 0;
	guint32 ts = 0;

	cf_jitter_buffer_config_init (&c, 48000);
	c.capacity = 32;
	c.max_payload = sizeof (payload);
	c.fec = TRUE;
	jb = new_buffer (&c);
	for (guint i = 0; i < sizeof (payload); i++)
		payload[i] = (guint8)i;

	for (guint i = 0; i < 50000; i++) {
		g_autoptr (GError) error = NULL;
		CfJitterBufferFrame frame;
		guint mode = g_rand_int_range (rand, 0, 10);

		if (mode < 6) {
			/* mostly a plausible stream, with noise */
			seq += g_rand_int_range (rand, -3, 5);
			ts += g_rand_int_range (rand, -960, 5000);
		} else {
			seq = (guint16)g_rand_int (rand);
			ts = g_rand_int (rand);
		}
		now += g_rand_int_range (rand, -1000, 30000);
		g_assert_true (cf_jitter_buffer_push (
			jb,
			ssrcs[g_rand_int_range (rand, 0, 10) == 0 ? g_rand_int_range (rand, 0, 3)
								  : 0],
			seq,
			ts,
			g_rand_boolean (rand),
			now,
			payload,
			g_rand_int_range (rand, 0, sizeof (payload) + 1),
			NULL,
			&error));
		g_assert_no_error (error);
		check_accounting (jb);
		if (g_rand_int_range (rand, 0, 3) == 0) {
			cf_jitter_buffer_pop (jb, now, &frame);
			if (frame.action == CF_JITTER_BUFFER_PLAY
			    || frame.action == CF_JITTER_BUFFER_FEC) {
				g_assert_cmpuint (frame.payload_len, <=, sizeof (payload));
				if (frame.payload_len > 0)
					g_assert_cmpmem (frame.payload,
							 frame.payload_len,
							 payload,
							 frame.payload_len);
			}
			check_accounting (jb);
		}
		if (i % 10000 == 9999)
			cf_jitter_buffer_reset (jb);
	}
}

/* ---- Reset ---------------------------------------------------------------- */

static void
test_reset (void)
{
	CfJitterBufferConfig c;
	g_autoptr (CfJitterBuffer) jb = NULL;
	g_autoptr (GArray) pkts = NULL;
	g_autoptr (GArray) out = NULL;
	CfJitterBufferStats st;

	cf_jitter_buffer_config_init (&c, 48000);
	jb = new_buffer (&c);
	pkts = make_stream (&c, 10, SSRC_A, 1, 1, 0);
	for (guint k = 0; k < pkts->len; k++)
		push_one (jb, &g_array_index (pkts, Pkt, k));
	g_assert_cmpuint (cf_jitter_buffer_get_length (jb), ==, 10);
	cf_jitter_buffer_reset (jb);
	g_assert_cmpuint (cf_jitter_buffer_get_length (jb), ==, 0);
	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.dropped, ==, 10);

	/* the same SSRC with unrelated numbers starts afresh: no resync, no loss */
	g_array_unref (g_steal_pointer (&pkts));
	pkts = make_stream (&c, 100, SSRC_A, 30000, 1 << 30, 1000000);
	out = run_trace (jb, pkts, 1000000);
	cf_jitter_buffer_get_stats (jb, &st);
	g_assert_cmpuint (st.resyncs, ==, 0);
	g_assert_cmpuint (st.lost, ==, 0);
	g_assert_cmpuint (st.played + st.skipped_packets, ==, 100);
	g_assert_cmpuint (check_played_in_order (out, pkts), ==, st.played);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/jitter-buffer/config", test_config);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/steady/48000", GUINT_TO_POINTER (48000), test_steady);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/steady/8000", GUINT_TO_POINTER (8000), test_steady);
	g_test_add_func ("/confab/media/jitter-buffer/reorder/groups", test_reorder_groups);
	g_test_add_func ("/confab/media/jitter-buffer/reorder/random", test_reorder_random);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/loss/plc", GINT_TO_POINTER (FALSE), test_loss);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/loss/fec", GINT_TO_POINTER (TRUE), test_loss);
	g_test_add_func ("/confab/media/jitter-buffer/late", test_late);
	g_test_add_func ("/confab/media/jitter-buffer/late-before-next", test_late_before_next);
	g_test_add_func ("/confab/media/jitter-buffer/jitter-rise-fall", test_jitter_rise_fall);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/drift/fast", GINT_TO_POINTER (TRUE), test_drift);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/drift/slow", GINT_TO_POINTER (FALSE), test_drift);
	g_test_add_func ("/confab/media/jitter-buffer/wrap", test_wrap);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/dtx/silent", GINT_TO_POINTER (DTX_SILENT), test_dtx);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/dtx/later", GINT_TO_POINTER (DTX_LATER), test_dtx);
	g_test_add_data_func (
		"/confab/media/jitter-buffer/dtx/opus", GINT_TO_POINTER (DTX_OPUS), test_dtx);
	g_test_add_func ("/confab/media/jitter-buffer/silence-shrink", test_silence_shrink);
	g_test_add_func ("/confab/media/jitter-buffer/ssrc-change", test_ssrc_change);
	g_test_add_func ("/confab/media/jitter-buffer/ssrc-switch-back", test_ssrc_switch_back);
	g_test_add_func ("/confab/media/jitter-buffer/seq-jump", test_seq_jump);
	g_test_add_data_func ("/confab/media/jitter-buffer/ts-jump/forward",
			      GINT_TO_POINTER (TRUE),
			      test_ts_jump);
	g_test_add_data_func ("/confab/media/jitter-buffer/ts-jump/backward",
			      GINT_TO_POINTER (FALSE),
			      test_ts_jump);
	g_test_add_func ("/confab/media/jitter-buffer/duplicates", test_duplicates);
	g_test_add_func ("/confab/media/jitter-buffer/flood", test_flood);
	g_test_add_func ("/confab/media/jitter-buffer/flood-random", test_flood_random);
	g_test_add_func ("/confab/media/jitter-buffer/reset", test_reset);

	return g_test_run ();
}
