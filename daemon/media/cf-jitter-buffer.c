/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-jitter-buffer"

#include <string.h>

#include "cf-jitter-buffer.h"

G_DEFINE_QUARK (cf - jitter - buffer - error - quark, cf_jitter_buffer_error)

/* RFC 3550 A.1: a sequence number this far ahead of the highest, or
 * further than MAX_MISORDER behind it, is a jump, not loss or reordering. */
#define MAX_DROPOUT  3000
#define MAX_MISORDER 100
/* Sequence numbers remembered (received or not) behind the highest one:
 * duplicates and the late/lost distinction; a power of two. */
#define SEQ_HISTORY 1024
/* Timestamp discontinuities: between a packet and the highest before it,
 * the timestamps advance more than the arrival times plus this... */
#define RESYNC_EARLY_US (1 * G_USEC_PER_SEC)
/* ... or the arrival times advance more than the timestamps plus this (a
 * sender that paused its clock, e.g. on hold; no call survives a network
 * stall that long). */
#define RESYNC_LATE_US (10 * G_USEC_PER_SEC)
/* With nothing queued in speech, conceal this long before assuming that
 * the sender went quiet (G.711 Appendix I fades out over 60 ms). */
#define UNDERRUN_CONCEAL_MS 60

typedef struct {
	gint64 seq; /* extended */
	gint64 ts;  /* extended */
	gboolean marker;
	gsize len;
	guint8 *data; /* config.max_payload bytes of self->payloads */
} Slot;

struct _CfJitterBuffer {
	CfJitterBufferConfig config;
	gint64 frame_samples;
	gint64 half_frame; /* samples */
	gint64 frame_us;
	gint64 skip_threshold_us;
	guint underrun_max;

	/* Storage, allocated once. */
	guint8 *payloads;
	Slot *slots;
	Slot **queue; /* n_queue slots, sorted by seq, ts non-decreasing */
	guint n_queue;
	Slot **free_slots;
	guint n_free;

	/* A packet held on probation (sequence jump, previous SSRC). */
	gboolean held;
	guint32 held_ssrc;
	guint16 held_seq;
	guint32 held_ts;
	gboolean held_marker;
	gint64 held_arrival_us;
	gsize held_len;
	guint8 *held_data;

	/* The stream. */
	gboolean have_stream;
	guint32 ssrc;
	gboolean have_prev_ssrc;
	guint32 prev_ssrc;
	gint64 highest_seq; /* extended, of all packets received */
	gint64 highest_ts;  /* extended, of the packet with highest_seq */
	gint64 highest_arrival_us;
	gint64 ts_origin; /* extended timestamp of the stream's first packet */
	guint64 seen[SEQ_HISTORY / 64];

	/* Delay estimator. */
	gint64 window[CF_JITTER_BUFFER_WINDOW]; /* relative transits, µs */
	gint64 scratch[CF_JITTER_BUFFER_WINDOW];
	guint n_window;
	guint window_pos;
	guint n_samples; /* since the stream started, saturating */
	gint64 min_transit_us;
	gint64 target_us;
	gboolean have_rfc_transit;
	gint64 rfc_transit; /* timestamp units */
	gint64 jitter_q4;   /* RFC 3550 J, times 16 */

	/* Playout. */
	gboolean started;   /* play_ts is valid */
	gint64 play_ts;	    /* extended timestamp of the next frame */
	gboolean talkspurt; /* playing speech (not a silence gap, not buffering) */
	gboolean played_any;
	gint64 first_seq; /* first packet played in this stream */
	gint64 last_seq;  /* last packet played (or skipped) */
	gint64 last_ts;
	guint underrun;
	guint spurt_packets;   /* played since the talkspurt started */
	gint64 last_adjust_us; /* the last skip in speech, insert or reschedule, or the
				* playout start: speech skips wait shrink_interval after it */
	gint64 playout_delay_us;

	CfJitterBufferStats stats;
};

void
cf_jitter_buffer_config_init (CfJitterBufferConfig *config, guint clock_rate)
{
	g_return_if_fail (config != NULL);

	memset (config, 0, sizeof (*config));
	config->clock_rate = clock_rate;
	config->frame_ms = 20;
	config->min_delay_ms = 20;
	config->max_delay_ms = 500;
	config->initial_delay_ms = 60;
	config->shrink_interval_ms = 500;
	config->capacity = 64;
	config->max_payload = 1500;
	config->fec = FALSE;
}

static gboolean
check_config (const CfJitterBufferConfig *c, GError **error)
{
	const char *what = NULL;

	if (c->clock_rate < CF_JITTER_BUFFER_MIN_CLOCK_RATE
	    || c->clock_rate > CF_JITTER_BUFFER_MAX_CLOCK_RATE)
		what = "clock rate";
	else if (c->frame_ms == 0 || c->frame_ms > CF_JITTER_BUFFER_MAX_FRAME_MS
		 || ((guint64)c->clock_rate * c->frame_ms) % 1000 != 0)
		what = "frame duration (a whole number of samples, at most 120 ms)";
	else if (c->max_delay_ms > CF_JITTER_BUFFER_MAX_DELAY_LIMIT || c->max_delay_ms == 0)
		what = "maximum delay";
	else if (c->min_delay_ms > c->max_delay_ms)
		what = "minimum delay (above the maximum)";
	else if (c->initial_delay_ms < c->min_delay_ms || c->initial_delay_ms > c->max_delay_ms)
		what = "initial delay (outside the minimum and maximum)";
	else if (c->shrink_interval_ms > 3600 * 1000)
		what = "shrink interval";
	else if (c->capacity < 2 || c->capacity > CF_JITTER_BUFFER_MAX_CAPACITY)
		what = "capacity";
	else if (c->max_payload == 0 || c->max_payload > CF_JITTER_BUFFER_MAX_PAYLOAD)
		what = "maximum payload";

	if (what != NULL) {
		g_set_error (error,
			     CF_JITTER_BUFFER_ERROR,
			     CF_JITTER_BUFFER_ERROR_INVALID_CONFIG,
			     "Invalid jitter buffer %s",
			     what);
		return FALSE;
	}
	return TRUE;
}

/* ---- Small helpers -------------------------------------------------------- */

static gint64
ts_to_us (const CfJitterBuffer *self, gint64 samples)
{
	return samples * G_USEC_PER_SEC / (gint64)self->config.clock_rate;
}

/* @us in timestamp units, without overflow for any monotonic time. */
static gint64
us_to_ts (const CfJitterBuffer *self, gint64 us)
{
	gint64 rate = self->config.clock_rate;

	return (us / G_USEC_PER_SEC) * rate + (us % G_USEC_PER_SEC) * rate / G_USEC_PER_SEC;
}

static void
seen_clear (CfJitterBuffer *self)
{
	memset (self->seen, 0, sizeof (self->seen));
}

static guint
seen_index (gint64 seq)
{
	return (guint)((guint64)seq & (SEQ_HISTORY - 1));
}

/* Whether @seq (extended) is known to have been received. */
static gboolean
seen_get (const CfJitterBuffer *self, gint64 seq)
{
	guint i;

	if (seq > self->highest_seq || self->highest_seq - seq >= SEQ_HISTORY)
		return FALSE;
	i = seen_index (seq);
	return (self->seen[i / 64] >> (i % 64)) & 1;
}

static void
seen_set (CfJitterBuffer *self, gint64 seq)
{
	guint i;

	if (seq > self->highest_seq || self->highest_seq - seq >= SEQ_HISTORY)
		return;
	i = seen_index (seq);
	self->seen[i / 64] |= G_GUINT64_CONSTANT (1) << (i % 64);
}

/* Moves the highest sequence number to @seq, forgetting the numbers that
 * leave the history. */
static void
seen_advance (CfJitterBuffer *self, gint64 seq)
{
	if (seq - self->highest_seq >= SEQ_HISTORY) {
		seen_clear (self);
	} else {
		for (gint64 s = self->highest_seq + 1; s <= seq; s++) {
			guint i = seen_index (s);

			self->seen[i / 64] &= ~(G_GUINT64_CONSTANT (1) << (i % 64));
		}
	}
}

/* The k-th smallest of @a[0..n-1] (0-based), reordering @a (Hoare's
 * selection). */
static gint64
select_kth (gint64 *a, gint n, gint k)
{
	gint l = 0;
	gint r = n - 1;

	while (l < r) {
		gint64 x = a[k];
		gint i = l;
		gint j = r;

		do {
			while (a[i] < x)
				i++;
			while (x < a[j])
				j--;
			if (i <= j) {
				gint64 t = a[i];

				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < k)
			l = i;
		if (k < i)
			r = j;
	}
	return a[k];
}

/* ---- Delay estimator ------------------------------------------------------ */

static gint64
clamp_delay (const CfJitterBuffer *self, gint64 us)
{
	return CLAMP (us,
		      (gint64)self->config.min_delay_ms * 1000,
		      (gint64)self->config.max_delay_ms * 1000);
}

static void
estimator_reset (CfJitterBuffer *self)
{
	self->n_window = 0;
	self->window_pos = 0;
	self->n_samples = 0;
	self->min_transit_us = 0;
	self->target_us = clamp_delay (self, (gint64)self->config.initial_delay_ms * 1000);
	self->have_rfc_transit = FALSE;
	self->rfc_transit = 0;
	self->jitter_q4 = 0;
}

static void
update_target (CfJitterBuffer *self)
{
	gint n = self->n_window;
	gint64 min = G_MAXINT64;
	gint64 need;
	gint k;

	for (gint i = 0; i < n; i++) {
		self->scratch[i] = self->window[i];
		min = MIN (min, self->window[i]);
	}
	/* the smallest value with at least QUANTILE% of the samples at or below it */
	k = (n * CF_JITTER_BUFFER_QUANTILE + 99) / 100 - 1;
	need = select_kth (self->scratch, n, CLAMP (k, 0, n - 1)) - min;
	if (self->n_samples < CF_JITTER_BUFFER_WARMUP)
		need = MAX (need, (gint64)self->config.initial_delay_ms * 1000);
	self->min_transit_us = min;
	self->target_us = clamp_delay (self, need);
}

/* A packet of the current stream arrived (not a duplicate). */
static void
estimator_add (CfJitterBuffer *self, gint64 ext_ts, gint64 arrival_us)
{
	gint64 rel = ext_ts - self->ts_origin;
	gint64 transit;

	self->window[self->window_pos] = arrival_us - ts_to_us (self, rel);
	self->window_pos = (self->window_pos + 1) % CF_JITTER_BUFFER_WINDOW;
	if (self->n_window < CF_JITTER_BUFFER_WINDOW)
		self->n_window++;
	if (self->n_samples < G_MAXUINT)
		self->n_samples++;

	/* RFC 3550 §6.4.1 / A.8, in timestamp units */
	transit = us_to_ts (self, arrival_us) - rel;
	if (self->have_rfc_transit) {
		gint64 d = ABS (transit - self->rfc_transit);

		d = MIN (d, (gint64)G_MAXINT32);
		self->jitter_q4 += d - ((self->jitter_q4 + 8) >> 4);
	}
	self->rfc_transit = transit;
	self->have_rfc_transit = TRUE;

	update_target (self);
}

/* When the frame at @ext_ts would have arrived with the smallest transit
 * seen: its playout delay is measured from there. */
static gint64
ideal_arrival_us (const CfJitterBuffer *self, gint64 ext_ts)
{
	return ts_to_us (self, ext_ts - self->ts_origin) + self->min_transit_us;
}

/* ---- Queue ---------------------------------------------------------------- */

/* Index of the first queued packet whose seq is >= @seq. */
static guint
queue_find (const CfJitterBuffer *self, gint64 seq)
{
	guint lo = 0;
	guint hi = self->n_queue;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;

		if (self->queue[mid]->seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
queue_remove_at (CfJitterBuffer *self, guint index)
{
	Slot *slot = self->queue[index];

	memmove (&self->queue[index],
		 &self->queue[index + 1],
		 (self->n_queue - index - 1) * sizeof (Slot *));
	self->n_queue--;
	self->free_slots[self->n_free++] = slot;
}

static void
queue_flush (CfJitterBuffer *self)
{
	self->stats.dropped += self->n_queue;
	while (self->n_queue > 0)
		queue_remove_at (self, self->n_queue - 1);
}

static void
drop_held (CfJitterBuffer *self)
{
	if (self->held) {
		self->held = FALSE;
		self->stats.dropped++;
	}
}

/* ---- Stream state --------------------------------------------------------- */

static void
end_talkspurt (CfJitterBuffer *self)
{
	self->talkspurt = FALSE;
	self->spurt_packets = 0;
}

static void
playout_reset (CfJitterBuffer *self)
{
	self->started = FALSE;
	self->play_ts = 0;
	end_talkspurt (self);
	self->played_any = FALSE;
	self->first_seq = 0;
	self->last_seq = 0;
	self->last_ts = 0;
	self->underrun = 0;
	self->spurt_packets = 0;
	self->last_adjust_us = 0;
}

/* Starts a stream at this packet (which the caller then accepts). */
static void
stream_start (CfJitterBuffer *self, guint32 ssrc, guint16 seq, guint32 ts, gint64 arrival_us)
{
	self->have_stream = TRUE;
	self->ssrc = ssrc;
	self->highest_seq = seq;
	self->highest_ts = ts;
	self->highest_arrival_us = arrival_us;
	self->ts_origin = ts;
	seen_clear (self);
	estimator_reset (self);
	playout_reset (self);
}

/* The stream changed under us: flush what belongs to the old one. */
static void
resync (CfJitterBuffer *self, guint32 new_ssrc)
{
	queue_flush (self);
	drop_held (self);
	if (self->have_stream && self->ssrc != new_ssrc) {
		self->prev_ssrc = self->ssrc;
		self->have_prev_ssrc = TRUE;
	}
	self->have_stream = FALSE;
	self->stats.resyncs++;
}

/* ---- Push ----------------------------------------------------------------- */

static gint64
extend_seq (const CfJitterBuffer *self, guint16 seq)
{
	guint16 delta = (guint16)(seq - (guint16)self->highest_seq);

	if (delta < 0x8000)
		return self->highest_seq + delta;
	return self->highest_seq - (gint64)(0x10000 - delta);
}

static gint64
extend_ts (const CfJitterBuffer *self, guint32 ts)
{
	return self->highest_ts + (gint32)(ts - (guint32)self->highest_ts);
}

/* A packet of the current stream, within the sequence limits. */
static CfJitterBufferPushResult
accept_packet (CfJitterBuffer *self,
	       guint16 seq,
	       guint32 ts,
	       gboolean marker,
	       gint64 arrival_us,
	       const guint8 *payload,
	       gsize payload_len)
{
	gint64 ext_seq = extend_seq (self, seq);
	gint64 ext_ts = extend_ts (self, ts);
	guint pos;
	Slot *slot;

	if (ext_seq > self->highest_seq) {
		gint64 ts_delta_us = ts_to_us (self, ext_ts - self->highest_ts);
		gint64 arrival_delta_us = arrival_us - self->highest_arrival_us;

		if (ext_ts < self->highest_ts || ts_delta_us - arrival_delta_us > RESYNC_EARLY_US
		    || arrival_delta_us - ts_delta_us > RESYNC_LATE_US) {
			guint32 ssrc = self->ssrc;

			/* a timestamp discontinuity */
			resync (self, ssrc);
			stream_start (self, ssrc, seq, ts, arrival_us);
			ext_seq = self->highest_seq;
			ext_ts = self->highest_ts;
		}
	}

	if (ext_seq <= self->highest_seq) {
		if (seen_get (self, ext_seq)) {
			self->stats.duplicate++;
			return CF_JITTER_BUFFER_PUSH_DUPLICATE;
		}
		if (self->highest_seq - ext_seq >= SEQ_HISTORY) {
			self->stats.late++;
			return CF_JITTER_BUFFER_PUSH_LATE;
		}
	}

	/* timestamps must not go backwards as sequence numbers advance; such
	 * a packet must not reach the estimator either */
	pos = queue_find (self, ext_seq);
	if ((ext_seq < self->highest_seq
	     && (ext_ts > self->highest_ts
		 || ts_to_us (self, self->highest_ts - ext_ts) > RESYNC_LATE_US))
	    || (pos > 0 && self->queue[pos - 1]->ts > ext_ts)
	    || (pos < self->n_queue && self->queue[pos]->ts < ext_ts)
	    || (self->played_any && ext_seq > self->last_seq && ext_ts < self->last_ts)) {
		self->stats.dropped++;
		return CF_JITTER_BUFFER_PUSH_DROPPED;
	}

	if (ext_seq > self->highest_seq) {
		seen_advance (self, ext_seq);
		self->highest_seq = ext_seq;
		self->highest_ts = ext_ts;
		self->highest_arrival_us = arrival_us;
	}
	seen_set (self, ext_seq);
	estimator_add (self, ext_ts, arrival_us);

	/* too late: its frame was played (or concealed) already */
	if (self->played_any && ext_seq <= self->last_seq) {
		self->stats.late++;
		/* the gap it was in has been counted lost: it was late instead */
		if (ext_seq > self->first_seq && self->stats.lost > 0)
			self->stats.lost--;
		return CF_JITTER_BUFFER_PUSH_LATE;
	}
	if (self->talkspurt && ext_ts < self->play_ts - self->half_frame) {
		if (marker && self->n_queue == 0) {
			/* the start of a new talkspurt, after a silence we
			 * were still concealing: schedule it afresh */
			end_talkspurt (self);
		} else {
			self->stats.late++;
			return CF_JITTER_BUFFER_PUSH_LATE;
		}
	}

	if (self->n_queue == self->config.capacity) {
		self->stats.dropped++;
		if (pos == 0)
			return CF_JITTER_BUFFER_PUSH_DROPPED; /* it is the oldest */
		queue_remove_at (self, 0);
		pos--;
	}

	slot = self->free_slots[--self->n_free];
	slot->seq = ext_seq;
	slot->ts = ext_ts;
	slot->marker = marker;
	slot->len = payload_len;
	if (payload_len > 0)
		memcpy (slot->data, payload, payload_len);
	memmove (&self->queue[pos + 1], &self->queue[pos], (self->n_queue - pos) * sizeof (Slot *));
	self->queue[pos] = slot;
	self->n_queue++;
	return CF_JITTER_BUFFER_PUSH_QUEUED;
}

static CfJitterBufferPushResult
hold_packet (CfJitterBuffer *self,
	     guint32 ssrc,
	     guint16 seq,
	     guint32 ts,
	     gboolean marker,
	     gint64 arrival_us,
	     const guint8 *payload,
	     gsize payload_len)
{
	drop_held (self);
	self->held = TRUE;
	self->held_ssrc = ssrc;
	self->held_seq = seq;
	self->held_ts = ts;
	self->held_marker = marker;
	self->held_arrival_us = arrival_us;
	self->held_len = payload_len;
	if (payload_len > 0)
		memcpy (self->held_data, payload, payload_len);
	return CF_JITTER_BUFFER_PUSH_HELD;
}

static gboolean
held_confirms (const CfJitterBuffer *self, guint32 ssrc, guint16 seq)
{
	return self->held && self->held_ssrc == ssrc && (guint16)(self->held_seq + 1) == seq;
}

/* A packet that starts a stream: the first one, one of a new SSRC, or one
 * that confirms a held jump (then the held packet goes first). */
static CfJitterBufferPushResult
restart_stream (CfJitterBuffer *self,
		guint32 ssrc,
		guint16 seq,
		guint32 ts,
		gboolean marker,
		gint64 arrival_us,
		const guint8 *payload,
		gsize payload_len)
{
	if (held_confirms (self, ssrc, seq)) {
		/* the held packet's storage is separate from the slots */
		self->held = FALSE;
		if (self->have_stream)
			resync (self, ssrc);
		stream_start (self, ssrc, self->held_seq, self->held_ts, self->held_arrival_us);
		accept_packet (self,
			       self->held_seq,
			       self->held_ts,
			       self->held_marker,
			       self->held_arrival_us,
			       self->held_data,
			       self->held_len);
	} else {
		if (self->have_stream)
			resync (self, ssrc);
		drop_held (self);
		stream_start (self, ssrc, seq, ts, arrival_us);
	}
	return accept_packet (self, seq, ts, marker, arrival_us, payload, payload_len);
}

static CfJitterBufferPushResult
push_packet (CfJitterBuffer *self,
	     guint32 ssrc,
	     guint16 seq,
	     guint32 ts,
	     gboolean marker,
	     gint64 arrival_us,
	     const guint8 *payload,
	     gsize payload_len)
{
	if (!self->have_stream)
		return restart_stream (
			self, ssrc, seq, ts, marker, arrival_us, payload, payload_len);

	if (ssrc != self->ssrc) {
		/* a new source; a packet of the previous one is more likely a
		 * straggler than a switch back, unless the next one confirms */
		if (self->have_prev_ssrc && ssrc == self->prev_ssrc
		    && !held_confirms (self, ssrc, seq))
			return hold_packet (
				self, ssrc, seq, ts, marker, arrival_us, payload, payload_len);
		return restart_stream (
			self, ssrc, seq, ts, marker, arrival_us, payload, payload_len);
	}

	{
		guint16 delta = (guint16)(seq - (guint16)self->highest_seq);

		if (delta >= MAX_DROPOUT && delta < 0x10000 - MAX_MISORDER) {
			/* RFC 3550 A.1: a jump; a restart if the next packet follows it */
			if (!held_confirms (self, ssrc, seq))
				return hold_packet (self,
						    ssrc,
						    seq,
						    ts,
						    marker,
						    arrival_us,
						    payload,
						    payload_len);
			return restart_stream (
				self, ssrc, seq, ts, marker, arrival_us, payload, payload_len);
		}
	}

	/* the stream went on: what was held was no restart */
	drop_held (self);
	return accept_packet (self, seq, ts, marker, arrival_us, payload, payload_len);
}

gboolean
cf_jitter_buffer_push (CfJitterBuffer *self,
		       guint32 ssrc,
		       guint16 seq,
		       guint32 timestamp,
		       gboolean marker,
		       gint64 arrival_us,
		       const guint8 *payload,
		       gsize payload_len,
		       CfJitterBufferPushResult *ret_result,
		       GError **error)
{
	CfJitterBufferPushResult result;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (payload == NULL && payload_len > 0) {
		g_set_error_literal (error,
				     CF_JITTER_BUFFER_ERROR,
				     CF_JITTER_BUFFER_ERROR_INVALID,
				     "No payload data");
		return FALSE;
	}
	if (payload_len > self->config.max_payload) {
		g_set_error (error,
			     CF_JITTER_BUFFER_ERROR,
			     CF_JITTER_BUFFER_ERROR_TOO_LARGE,
			     "Payload of %" G_GSIZE_FORMAT " bytes exceeds the limit of %u",
			     payload_len,
			     self->config.max_payload);
		return FALSE;
	}
	self->stats.received++;
	result = push_packet (self, ssrc, seq, timestamp, marker, arrival_us, payload, payload_len);
	if (ret_result != NULL)
		*ret_result = result;
	return TRUE;
}

/* ---- Pop ------------------------------------------------------------------ */

/* Playing (or skipping) the packet @seq: the sequence numbers between the
 * last one played and it that never arrived are lost. */
static void
account_gap (CfJitterBuffer *self, gint64 seq)
{
	gint64 gap;

	if (!self->played_any)
		return;
	gap = seq - self->last_seq - 1;
	if (gap <= 0)
		return;
	if (gap > SEQ_HISTORY) {
		self->stats.lost += gap;
		return;
	}
	for (gint64 s = self->last_seq + 1; s < seq; s++) {
		if (!seen_get (self, s))
			self->stats.lost++;
	}
}

/* The head packet is played or skipped: it becomes the last one. */
static void
consume_head (CfJitterBuffer *self)
{
	Slot *head = self->queue[0];

	account_gap (self, head->seq);
	if (!self->played_any)
		self->first_seq = head->seq;
	self->played_any = TRUE;
	self->last_seq = head->seq;
	self->last_ts = head->ts;
	self->play_ts = head->ts + self->frame_samples;
	queue_remove_at (self, 0);
}

static void
frame_set_packet (CfJitterBufferFrame *frame, const Slot *slot)
{
	frame->payload = slot->len > 0 ? slot->data : NULL;
	frame->payload_len = slot->len;
	frame->seq = (guint16)slot->seq;
	frame->marker = slot->marker;
}

static CfJitterBufferAction
frame_silence (CfJitterBuffer *self, CfJitterBufferFrame *frame)
{
	frame->action = CF_JITTER_BUFFER_SILENCE;
	frame->dtx = self->played_any;
	return frame->action;
}

CfJitterBufferAction
cf_jitter_buffer_pop (CfJitterBuffer *self, gint64 now_us, CfJitterBufferFrame *ret_frame)
{
	CfJitterBufferFrame *frame = ret_frame;
	gint64 excess;
	gint64 missing;
	gint64 first_needed;
	Slot *head;

	g_return_val_if_fail (self != NULL, CF_JITTER_BUFFER_SILENCE);
	g_return_val_if_fail (ret_frame != NULL, CF_JITTER_BUFFER_SILENCE);

	memset (frame, 0, sizeof (*frame));
	frame->samples = (guint)self->frame_samples;
	if (!self->have_stream)
		return frame_silence (self, frame);

	/* packets whose frame has passed (only equal timestamps get here) */
	while (self->n_queue > 0
	       && ((self->played_any && self->queue[0]->seq <= self->last_seq)
		   || (self->talkspurt && self->queue[0]->ts < self->play_ts - self->half_frame))) {
		queue_remove_at (self, 0);
		self->stats.late++;
	}
	head = self->n_queue > 0 ? self->queue[0] : NULL;

	if (!self->talkspurt) {
		/* buffering or in a silence gap: the next talkspurt is
		 * scheduled from its first packet */
		if (head == NULL) {
			if (self->started) {
				/* the silence clock runs; it may run faster, so that the
				 * next talkspurt is scheduled at the target delay */
				self->playout_delay_us =
					now_us - ideal_arrival_us (self, self->play_ts);
				frame->delay_us = self->playout_delay_us;
				frame->timestamp = (guint32)self->play_ts;
				self->play_ts += self->frame_samples;
				if (self->playout_delay_us - self->target_us >= self->frame_us) {
					self->play_ts += self->frame_samples;
					self->stats.skipped++;
					frame->adjust = CF_JITTER_BUFFER_ADJUST_SKIP;
				}
			}
			return frame_silence (self, frame);
		}
		if (!self->started || head->ts < self->play_ts - self->half_frame) {
			/* (re)schedule from this packet: a talkspurt that starts
			 * later than the silence clock, or after an underrun, makes
			 * the delay grow by the difference */
			if (self->played_any) {
				self->stats.inserted +=
					(self->play_ts - head->ts + self->half_frame)
					/ self->frame_samples;
				self->last_adjust_us = now_us;
			}
			self->play_ts = head->ts;
			self->started = TRUE;
		}
	}

	self->playout_delay_us = now_us - ideal_arrival_us (self, self->play_ts);
	frame->delay_us = self->playout_delay_us;
	excess = self->playout_delay_us - self->target_us;

	if (excess < 0) {
		/* too early: wait one frame without advancing */
		frame->timestamp = (guint32)self->play_ts;
		if (!self->played_any)
			return frame_silence (self, frame); /* buffering */
		frame->adjust = CF_JITTER_BUFFER_ADJUST_INSERT;
		self->stats.inserted++;
		self->last_adjust_us = now_us;
		if (!self->talkspurt)
			return frame_silence (self, frame);
		frame->action = CF_JITTER_BUFFER_CONCEAL;
		return frame->action;
	}

	/* too late: shrink; in silence as soon as a frame can go, in speech
	 * only with some hysteresis (a skip there is audible) */
	while (excess >= self->frame_us && head != NULL) {
		gboolean due = head->ts <= self->play_ts + self->half_frame;

		missing = self->played_any ? head->seq - self->last_seq - 1 : 0;
		first_needed = head->ts - missing * self->frame_samples;
		if (!due && !self->talkspurt
		    && self->play_ts + self->frame_samples <= first_needed + self->half_frame) {
			/* shorten a silence gap */
			self->play_ts += self->frame_samples;
		} else if (due && excess >= self->skip_threshold_us && self->n_queue >= 2
			   && self->queue[1]->seq == head->seq + 1
			   && self->queue[1]->ts
				      <= head->ts + self->frame_samples + self->half_frame
			   && (!self->played_any
			       || now_us - self->last_adjust_us
					  >= (gint64)self->config.shrink_interval_ms * 1000)) {
			/* drop one packet of speech, play the next */
			if (self->played_any) {
				consume_head (self);
				self->last_adjust_us = now_us;
			} else {
				/* not started yet: just start later */
				queue_remove_at (self, 0);
				self->play_ts = self->queue[0]->ts;
			}
			self->stats.skipped_packets++;
		} else {
			break;
		}
		self->stats.skipped++;
		frame->adjust = CF_JITTER_BUFFER_ADJUST_SKIP;
		excess -= self->frame_us;
		head = self->queue[0];
		/* only before playout starts is more than one frame skipped at once */
		if (self->played_any)
			break;
	}

	if (head != NULL && head->ts <= self->play_ts + self->half_frame) {
		frame->action = CF_JITTER_BUFFER_PLAY;
		frame->timestamp = (guint32)head->ts;
		frame_set_packet (frame, head);
		if (!self->played_any)
			self->last_adjust_us = now_us; /* speech skips count from here */
		consume_head (self);
		self->spurt_packets++;
		self->talkspurt = TRUE;
		self->underrun = 0;
		self->stats.played++;
		return frame->action;
	}

	frame->timestamp = (guint32)self->play_ts;
	self->play_ts += self->frame_samples;

	if (head != NULL) {
		missing = self->played_any ? head->seq - self->last_seq - 1 : 0;
		first_needed = head->ts - missing * self->frame_samples;
		if (missing > 0
		    && self->play_ts - self->frame_samples + self->half_frame >= first_needed) {
			/* a lost packet's frame */
			self->talkspurt = TRUE;
			self->underrun = 0;
			if (self->config.fec
			    && ABS (head->ts - self->play_ts) <= self->half_frame) {
				frame->action = CF_JITTER_BUFFER_FEC;
				frame_set_packet (frame, head);
				self->stats.fec_recovered++;
			} else {
				frame->action = CF_JITTER_BUFFER_CONCEAL;
				self->stats.concealed++;
			}
			return frame->action;
		}
		/* a gap the sender left: DTX */
		end_talkspurt (self);
		return frame_silence (self, frame);
	}

	/* nothing queued: a late packet or the end of a talkspurt; a lone
	 * packet after silence is rather a DTX update (Opus sends one every
	 * 400 ms) than a talkspurt */
	if (self->talkspurt && self->underrun < self->underrun_max && self->spurt_packets > 1) {
		self->underrun++;
		self->stats.concealed++;
		frame->action = CF_JITTER_BUFFER_CONCEAL;
		return frame->action;
	}
	end_talkspurt (self);
	return frame_silence (self, frame);
}

/* ---- Life cycle and accessors --------------------------------------------- */

CfJitterBuffer *
cf_jitter_buffer_new (const CfJitterBufferConfig *config, GError **error)
{
	g_autoptr (CfJitterBuffer) self = NULL;
	gsize max_payload;

	g_return_val_if_fail (config != NULL, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (!check_config (config, error))
		return NULL;

	self = g_new0 (CfJitterBuffer, 1);
	self->config = *config;
	self->frame_samples = (gint64)config->clock_rate * config->frame_ms / 1000;
	self->half_frame = self->frame_samples / 2;
	self->frame_us = (gint64)config->frame_ms * 1000;
	self->skip_threshold_us = self->frame_us + self->frame_us / 2;
	self->underrun_max = MAX (1, UNDERRUN_CONCEAL_MS / config->frame_ms);

	max_payload = config->max_payload;
	self->payloads = g_malloc ((config->capacity + 1) * max_payload);
	self->slots = g_new0 (Slot, config->capacity);
	self->queue = g_new0 (Slot *, config->capacity);
	self->free_slots = g_new0 (Slot *, config->capacity);
	for (guint i = 0; i < config->capacity; i++) {
		self->slots[i].data = self->payloads + i * max_payload;
		self->free_slots[i] = &self->slots[i];
	}
	self->n_free = config->capacity;
	self->held_data = self->payloads + config->capacity * max_payload;

	estimator_reset (self);
	playout_reset (self);
	return g_steal_pointer (&self);
}

void
cf_jitter_buffer_free (CfJitterBuffer *self)
{
	if (self == NULL)
		return;
	g_free (self->payloads);
	g_free (self->slots);
	g_free (self->queue);
	g_free (self->free_slots);
	g_free (self);
}

const CfJitterBufferConfig *
cf_jitter_buffer_get_config (const CfJitterBuffer *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->config;
}

guint
cf_jitter_buffer_get_frame_samples (const CfJitterBuffer *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return (guint)self->frame_samples;
}

void
cf_jitter_buffer_reset (CfJitterBuffer *self)
{
	g_return_if_fail (self != NULL);

	queue_flush (self);
	drop_held (self);
	self->have_stream = FALSE;
	self->have_prev_ssrc = FALSE;
	estimator_reset (self);
	playout_reset (self);
}

guint
cf_jitter_buffer_get_length (const CfJitterBuffer *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->n_queue;
}

void
cf_jitter_buffer_get_stats (const CfJitterBuffer *self, CfJitterBufferStats *ret_stats)
{
	g_return_if_fail (self != NULL);
	g_return_if_fail (ret_stats != NULL);

	*ret_stats = self->stats;
	ret_stats->buffered = self->n_queue;
	ret_stats->held = self->held ? 1 : 0;
	ret_stats->target_delay_us = self->target_us;
	ret_stats->playout_delay_us = self->playout_delay_us;
	ret_stats->jitter = (guint32)MIN (self->jitter_q4 >> 4, (gint64)G_MAXUINT32);
}

const char *
cf_jitter_buffer_action_to_string (CfJitterBufferAction action)
{
	switch (action) {
	case CF_JITTER_BUFFER_SILENCE:
		return "silence";
	case CF_JITTER_BUFFER_PLAY:
		return "play";
	case CF_JITTER_BUFFER_CONCEAL:
		return "conceal";
	case CF_JITTER_BUFFER_FEC:
		return "fec";
	}
	return "unknown";
}
