/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cf-rtp.h"

G_BEGIN_DECLS

/* RFC 4733 telephone-event payload (DTMF digits): the 4-byte payload, the
 * mapping between DTMF digits and event codes 0..15, a sender that turns
 * digits into packets and a receiver that reports each digit once.
 *
 * Pure: the sender is driven by ticks (one per packet interval) with the RTP
 * timestamp the caller would give an audio packet of that interval; the
 * receiver is fed parsed RTP packets. Neither looks at a clock, sends
 * anything or logs above debug. Errors are CF_RTP_ERROR. */

#define CF_RTP_EVENT_PAYLOAD_SIZE	 4
#define CF_RTP_EVENT_MAX_VOLUME		 63 /* volume is 0..63, meaning 0 to -63 dBm0 */
#define CF_RTP_EVENT_MAX_DTMF		 15 /* events 0..15 are the DTMF digits */
#define CF_RTP_EVENT_END_PACKETS	 3 /* the final packet is sent 3 times (RFC 4733 §2.5.1.4) */
#define CF_RTP_EVENT_SEGMENT_DURATION	 0xFFFF /* the longest duration one packet can say */
#define CF_RTP_EVENT_DEFAULT_INTERVAL_MS 50
#define CF_RTP_EVENT_DEFAULT_DURATION_MS 100
#define CF_RTP_EVENT_DEFAULT_VOLUME	 10
#define CF_RTP_EVENT_MIN_DURATION_MS	 40
#define CF_RTP_EVENT_MAX_DURATION_MS	 5000
#define CF_RTP_EVENT_MAX_QUEUE		 64 /* digits waiting in a sender */

/* One telephone event (RFC 4733 §2.3). A plain value. */
typedef struct {
	guint8 event;	  /* event code; DTMF: 0..15 */
	gboolean end;	  /* E: the event has ended */
	guint8 volume;	  /* 0..63 (-dBm0) */
	guint16 duration; /* so far, in timestamp units; 0 only for state events */
} CfRtpEvent;

/* Parses a telephone-event payload: exactly CF_RTP_EVENT_PAYLOAD_SIZE bytes
 * (RTP padding already removed). The reserved R bit is ignored. On failure
 * @ret_event is untouched. */
gboolean
cf_rtp_event_parse (const guint8 *payload, gsize len, CfRtpEvent *ret_event, GError **error);
/* Writes @event into @buf (at least CF_RTP_EVENT_PAYLOAD_SIZE bytes), R bit
 * clear. Fails for a volume above 63 or too small a buffer. */
gboolean cf_rtp_event_write (const CfRtpEvent *event, guint8 *buf, gsize size, GError **error);

/* The event code of DTMF @digit: '0'..'9' -> 0..9, '*' -> 10, '#' -> 11,
 * 'A'..'D' (or 'a'..'d') -> 12..15. FALSE for anything else. */
gboolean cf_rtp_event_from_digit (char digit, guint8 *ret_event);
/* The DTMF digit of @event ('0'..'9', '*', '#', 'A'..'D'); '\0' above 15. */
char cf_rtp_event_to_digit (guint8 event);

/* ---- Sender ------------------------------------------------------------------ */

/* One packet to send: give it the telephone-event payload type, the next
 * sequence number and the stream's SSRC. A plain value. */
typedef struct {
	gboolean marker;   /* set on the first packet of an event */
	guint32 timestamp; /* the event's start, the same for all its packets */
	CfRtpEvent event;
	guint8 payload[CF_RTP_EVENT_PAYLOAD_SIZE];
} CfRtpEventPacket;

typedef struct _CfRtpEventSender CfRtpEventSender;

/* A sender for a telephone-event stream of @clock_rate Hz (8000..192000)
 * sending one packet per @interval_ms (10..100; RFC 4733 suggests 50 or
 * the audio packet interval) at @volume (0..63). (transfer full) */
CfRtpEventSender *cf_rtp_event_sender_new (guint clock_rate, guint interval_ms, guint8 volume);
void cf_rtp_event_sender_free (CfRtpEventSender *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtpEventSender, cf_rtp_event_sender_free)

/* Queues @digits (DTMF digits as for cf_rtp_event_from_digit ()), each to
 * last @duration_ms (CF_RTP_EVENT_MIN_DURATION_MS..MAX, and at most what the
 * 16-bit duration field holds at this clock rate). All or nothing: fails
 * with CF_RTP_ERROR_INVALID for a bad digit or duration and
 * CF_RTP_ERROR_BUSY when the queue would exceed CF_RTP_EVENT_MAX_QUEUE. */
gboolean cf_rtp_event_sender_queue (CfRtpEventSender *self,
				    const char *digits,
				    guint duration_ms,
				    GError **error);
/* TRUE while an event is being sent or digits are queued. */
gboolean cf_rtp_event_sender_is_busy (const CfRtpEventSender *self);
/* Drops the queued digits; an event being sent ends at the next tick (its
 * end packets carry the duration reached so far). */
void cf_rtp_event_sender_cancel (CfRtpEventSender *self);

/* Call once per packet interval with the RTP timestamp an audio packet of
 * this interval would carry. Returns TRUE and fills @ret_packet when an
 * event packet is due (send it instead of audio), FALSE when idle.
 *
 * A digit of duration D, interval I: the first packet (marker set, the
 * timestamp of that tick) says duration I; each next tick adds I; the
 * packet that reaches D has the E bit and duration D and is sent on three
 * consecutive ticks; the next queued digit starts on the tick after. */
gboolean
cf_rtp_event_sender_tick (CfRtpEventSender *self, guint32 timestamp, CfRtpEventPacket *ret_packet);

/* ---- Receiver ------------------------------------------------------------------ */

/* What a received packet told. */
typedef struct {
	gboolean started;  /* a new event: report it (once per event) */
	gboolean ended;	   /* the event ended (once per event; may come with started) */
	guint8 event;	   /* the event code (valid when started or ended) */
	char digit;	   /* its DTMF digit, '\0' for events above 15 */
	guint32 timestamp; /* the event's RTP timestamp (its first segment's) */
	guint32 duration;  /* known duration, all segments, timestamp units */
} CfRtpEventNotice;

typedef struct _CfRtpEventReceiver CfRtpEventReceiver;

/* (transfer full) */
CfRtpEventReceiver *cf_rtp_event_receiver_new (void);
void cf_rtp_event_receiver_free (CfRtpEventReceiver *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtpEventReceiver, cf_rtp_event_receiver_free)
/* Forgets the current event (call it when the stream's SSRC changes). */
void cf_rtp_event_receiver_reset (CfRtpEventReceiver *self);

/* Feeds one received telephone-event packet: its marker bit, RTP timestamp
 * and payload. Fills @ret_notice (all FALSE when the packet told nothing
 * new: an update, a retransmitted end, a stale packet of an earlier event,
 * a zero-duration report). An event is identified by its timestamp: a
 * packet with a newer timestamp starts a new event even if its first
 * packets were lost, except the next segment of a long event (RFC 4733
 * §2.5.1.3: same event, no marker, timestamp 0xFFFF later). Packets with an
 * older timestamp are ignored. FALSE with an error only for a malformed
 * payload (nothing changes then). */
gboolean cf_rtp_event_receiver_push (CfRtpEventReceiver *self,
				     gboolean marker,
				     guint32 timestamp,
				     const guint8 *payload,
				     gsize len,
				     CfRtpEventNotice *ret_notice,
				     GError **error);

G_END_DECLS
