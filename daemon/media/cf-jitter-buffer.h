/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An adaptive audio jitter buffer, pure: it takes RTP packets with their
 * arrival times and answers, once per frame, what the decoder plays now.
 * It never reads a clock, allocates only in cf_jitter_buffer_new(), and is
 * not thread-safe (the media thread owns it: it pushes what the RTP receiver
 * delivers and pops what the decoder needs).
 *
 * Model. Each packet carries one frame of config->frame_ms (the SDP ptime).
 * The playout side calls cf_jitter_buffer_pop() once per frame; the buffer
 * keeps a playout point (the RTP timestamp of the next frame) and answers
 * PLAY (decode this packet), FEC (the frame's packet is lost but the next
 * one is here: decode its in-band FEC), CONCEAL (lost: run the decoder's
 * PLC) or SILENCE (nothing to play: not started, buffering, or a gap the
 * sender left on purpose, DTX).
 *
 * Delay estimate. For every packet the buffer computes its relative transit
 * d = arrival - timestamp (both in µs, up to a constant) and keeps the last
 * CF_JITTER_BUFFER_WINDOW values. The delay a packet needed to be on time
 * is d - min(d); the target delay is the CF_JITTER_BUFFER_QUANTILE-th
 * percentile of that over the window, clamped to [min_delay, max_delay]
 * (and at least initial_delay for the first CF_JITTER_BUFFER_WARMUP
 * packets). This was chosen over RFC 3550's interarrival jitter J (which is
 * still computed, for RTCP): J is a smoothed mean deviation of consecutive
 * transit differences, so the delay that keeps 95% of packets on time is an
 * unknown multiple of it, it is disturbed by reordering, and it rises and
 * falls at the same speed. The percentile answers the buffer's own question
 * directly ("how long must I wait to have 95% of packets in time?"), rises
 * as soon as more than 5% of recent packets would have been late, ignores
 * rare outliers (they are concealed), and falls only once the whole window
 * has forgotten the bad period. The window minimum also follows clock drift
 * between sender and receiver.
 *
 * Adaptation. At each pop the playout delay of the frame due (now minus the
 * time its packet would have arrived with the smallest transit seen) is
 * compared with the target:
 *   - below target: the buffer grows at once, one frame per pop: it answers
 *     CONCEAL (in speech) or SILENCE (in a silence gap) without advancing,
 *     frame.adjust = CF_JITTER_BUFFER_ADJUST_INSERT;
 *   - above: it shrinks by one frame, frame.adjust =
 *     CF_JITTER_BUFFER_ADJUST_SKIP: in a silence gap, one frame or more
 *     above, by shortening the gap (inaudible, at most one frame per pop);
 *     in speech, 1.5 frames or more above (hysteresis: a skip is audible),
 *     by discarding one packet and playing the next, at most once per
 *     shrink_interval_ms and not within shrink_interval_ms of the playout
 *     start or of the last growth. Before playout starts, packets older
 *     than the target needs are discarded at once.
 *   So once settled the playout delay stays within [target, target + 1.5
 *   frames).
 * A talkspurt whose first packet arrives after the silence clock passed
 * its timestamp is rescheduled, not dropped: the delay grows by the
 * difference (RFC 3551 §4.1: "The beginning of a talkspurt MAY be used to
 * adjust the playout delay"); the same after an underrun long enough to
 * be taken for silence (60 ms).
 * The decoder just obeys the action; adjust tells it what happened (it may
 * cross-fade after a skip).
 *
 * Sequence numbers and timestamps are extended to 64 bits, so wrap-around is
 * invisible. A new SSRC (the previous SSRC again only if two packets in
 * sequence confirm it: one is rather a straggler), a sequence jump (RFC
 * 3550 A.1: more than 3000 ahead or 100 behind, confirmed by a second
 * packet in sequence) or a timestamp discontinuity (timestamps that go
 * backwards, or that advance a second more than the arrival times, or ten
 * seconds less) resynchronises: the queue is flushed and playout restarts
 * from the new stream. DTX and silence suppression (timestamp gaps without
 * sequence gaps; a marker bit starts a talkspurt) play as silence and are
 * not loss.
 *
 * Hard limits: at most config->capacity packets are queued (beyond that the
 * oldest is dropped and counted; size it for max_delay_ms plus reordering),
 * each of at most config->max_payload bytes, all in memory allocated once
 * by cf_jitter_buffer_new(). A packet whose timestamp contradicts its
 * neighbours' is dropped before it can disturb the estimate.
 *
 * Not handled: packets of more than one frame (a 40 ms packet with 20 ms
 * frames is played as one frame followed by a silent one); the caller must
 * configure frame_ms from the ptime it negotiated. */

#define CF_JITTER_BUFFER_ERROR (cf_jitter_buffer_error_quark ())
GQuark cf_jitter_buffer_error_quark (void);

typedef enum {
	CF_JITTER_BUFFER_ERROR_INVALID_CONFIG, /* a configuration value out of range */
	CF_JITTER_BUFFER_ERROR_INVALID,	       /* a NULL payload with a non-zero length */
	CF_JITTER_BUFFER_ERROR_TOO_LARGE,      /* a payload larger than config->max_payload */
} CfJitterBufferError;

/* Limits on the configuration. */
#define CF_JITTER_BUFFER_MAX_CAPACITY	 1024  /* packets */
#define CF_JITTER_BUFFER_MAX_PAYLOAD	 65536 /* bytes, the largest max_payload */
#define CF_JITTER_BUFFER_MAX_DELAY_LIMIT 10000 /* ms, the largest max_delay_ms */
#define CF_JITTER_BUFFER_MAX_FRAME_MS	 120
#define CF_JITTER_BUFFER_MIN_CLOCK_RATE	 1000
#define CF_JITTER_BUFFER_MAX_CLOCK_RATE	 192000

/* The delay estimator (see above). */
#define CF_JITTER_BUFFER_WINDOW	  128 /* packets whose transit the estimate uses */
#define CF_JITTER_BUFFER_QUANTILE 95  /* percentile of the needed delay */
#define CF_JITTER_BUFFER_WARMUP	  50  /* packets before the estimate may go below initial */

typedef struct {
	guint clock_rate;	  /* RTP clock, Hz: 48000 for Opus, 8000 for G.711 */
	guint frame_ms;		  /* duration of one packet and of one pop: 20 */
	guint min_delay_ms;	  /* the target never goes below: 20 */
	guint max_delay_ms;	  /* ... nor above: 500 */
	guint initial_delay_ms;	  /* target until the estimate has enough packets: 60 */
	guint shrink_interval_ms; /* at least this between two skips in speech: 500 */
	guint capacity;		  /* packets queued at most: 64 */
	guint max_payload;	  /* bytes per payload at most: 1500 */
	gboolean fec;		  /* answer FEC when the next packet can recover a lost one
				   * (Opus with useinbandfec=1); FALSE: CONCEAL instead */
} CfJitterBufferConfig;

/* Fills @config with the defaults above for @clock_rate (fec FALSE). */
void cf_jitter_buffer_config_init (CfJitterBufferConfig *config, guint clock_rate);

typedef struct _CfJitterBuffer CfJitterBuffer;

/* Checks @config (copied) and allocates every slot.
 * Returns: (transfer full): the buffer, or NULL with
 * CF_JITTER_BUFFER_ERROR_INVALID_CONFIG. */
CfJitterBuffer *cf_jitter_buffer_new (const CfJitterBufferConfig *config, GError **error);
void cf_jitter_buffer_free (CfJitterBuffer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfJitterBuffer, cf_jitter_buffer_free)

/* (transfer none): the configuration in use. */
const CfJitterBufferConfig *cf_jitter_buffer_get_config (const CfJitterBuffer *self);
/* Samples in one frame (clock_rate * frame_ms / 1000). */
guint cf_jitter_buffer_get_frame_samples (const CfJitterBuffer *self);

typedef enum {
	CF_JITTER_BUFFER_PUSH_QUEUED,	 /* kept for playout */
	CF_JITTER_BUFFER_PUSH_DUPLICATE, /* already received: dropped, counted duplicate */
	CF_JITTER_BUFFER_PUSH_LATE,	 /* its frame was already played: dropped, counted late */
	CF_JITTER_BUFFER_PUSH_DROPPED,	 /* dropped and counted: the queue was full and it was
					  * the oldest, or its timestamp contradicts its
					  * neighbours' */
	CF_JITTER_BUFFER_PUSH_HELD,	 /* a sequence jump or the previous SSRC: held until the
					  * next packet confirms a restart, dropped otherwise */
} CfJitterBufferPushResult;

/* Gives the buffer one received RTP packet. @arrival_us is when it arrived
 * (any monotonic clock, µs, the same as cf_jitter_buffer_pop()'s @now_us).
 * The payload is copied. @ret_result (optional) says what became of it.
 * Returns FALSE (and changes nothing) only for invalid arguments: a payload
 * larger than max_payload (CF_JITTER_BUFFER_ERROR_TOO_LARGE) or NULL with
 * a non-zero length; duplicates, late packets and the like are normal and
 * counted. */
gboolean cf_jitter_buffer_push (CfJitterBuffer *self,
				guint32 ssrc,
				guint16 seq,
				guint32 timestamp,
				gboolean marker,
				gint64 arrival_us,
				const guint8 *payload,
				gsize payload_len,
				CfJitterBufferPushResult *ret_result,
				GError **error);

typedef enum {
	CF_JITTER_BUFFER_SILENCE, /* play one frame of silence (see frame.dtx) */
	CF_JITTER_BUFFER_PLAY,	  /* decode frame.payload */
	CF_JITTER_BUFFER_CONCEAL, /* the frame is missing: run the decoder's PLC for one frame */
	CF_JITTER_BUFFER_FEC,	  /* the frame is lost and frame.payload is the packet after
				   * it: decode its in-band FEC for one frame (Opus:
				   * decode_fec = 1); the packet stays queued and is PLAYed
				   * by the next pop */
} CfJitterBufferAction;

typedef enum {
	CF_JITTER_BUFFER_ADJUST_NONE,
	CF_JITTER_BUFFER_ADJUST_INSERT, /* this frame was added to grow the delay: the playout
					 * point did not advance */
	CF_JITTER_BUFFER_ADJUST_SKIP,	/* one frame was removed before this one to shrink the
					 * delay (a silent frame, or in speech one packet) */
} CfJitterBufferAdjust;

typedef struct {
	CfJitterBufferAction action;
	CfJitterBufferAdjust adjust;
	/* PLAY and FEC: (transfer none) the packet's payload, valid until the
	 * next call that changes the buffer; NULL otherwise (or when empty). */
	const guint8 *payload;
	gsize payload_len;
	guint16 seq;	   /* PLAY and FEC: the packet's sequence number */
	gboolean marker;   /* PLAY and FEC: the packet's marker bit */
	guint32 timestamp; /* RTP timestamp of the frame to output (for FEC: of the lost one) */
	guint samples;	   /* samples to output: one frame */
	gboolean dtx;	   /* SILENCE inside a stream (DTX or silence suppression), as
			    * opposed to buffering: a codec with comfort noise (Opus) may run
			    * its PLC with no data instead of writing zeros */
	gint64 delay_us;   /* playout delay of the frame due (0 before the first packet) */
} CfJitterBufferFrame;

/* Says what to play for the frame due at @now_us; call it once per frame.
 * Never fails and never allocates. Returns @ret_frame->action. */
CfJitterBufferAction
cf_jitter_buffer_pop (CfJitterBuffer *self, gint64 now_us, CfJitterBufferFrame *ret_frame);

/* Flushes the queue (counted dropped) and forgets the stream: the next
 * packet starts playout anew, whatever its SSRC. Statistics are kept. */
void cf_jitter_buffer_reset (CfJitterBuffer *self);

/* Packets queued now. */
guint cf_jitter_buffer_get_length (const CfJitterBuffer *self);

/* Counters since cf_jitter_buffer_new(). Every pushed packet ends up in
 * exactly one of played, late, duplicate, dropped or skipped_packets, or is
 * still buffered or held. */
typedef struct {
	guint64 received;	 /* packets pushed (successful calls) */
	guint64 played;		 /* packets PLAYed */
	guint64 lost;		 /* sequence numbers the playout passed that never arrived
				  * (RFC 3550 cumulative loss; packets that arrive late are
				  * not lost but late) */
	guint64 late;		 /* packets that arrived after their frame was played */
	guint64 duplicate;	 /* copies of packets already received */
	guint64 dropped;	 /* overflow, resynchronisation flushes, contradicting
				  * timestamps, unconfirmed jumps */
	guint64 concealed;	 /* CONCEAL frames for missing packets (not inserted ones) */
	guint64 fec_recovered;	 /* FEC frames */
	guint64 inserted;	 /* frames inserted to grow the delay (also by rescheduling) */
	guint64 skipped;	 /* frames removed to shrink it (silent frames and packets) */
	guint64 skipped_packets; /* of those, packets discarded in speech */
	guint64 resyncs;	 /* new SSRC, sequence jumps, timestamp discontinuities */
	guint buffered;		 /* packets queued now */
	guint held;		 /* packets held on probation now (0 or 1) */
	gint64 target_delay_us;	 /* current target delay */
	gint64 playout_delay_us; /* delay of the last frame popped */
	guint32 jitter;		 /* RFC 3550 §6.4.1 interarrival jitter, timestamp units */
} CfJitterBufferStats;

void cf_jitter_buffer_get_stats (const CfJitterBuffer *self, CfJitterBufferStats *ret_stats);

/* "silence", "play", "conceal" or "fec". (transfer none) */
const char *cf_jitter_buffer_action_to_string (CfJitterBufferAction action);

G_END_DECLS
