/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RFC 4733 telephone events: payload, DTMF digits, sender, receiver. */
#define G_LOG_DOMAIN "cf-rtp-event"

#include "cf-rtp-event.h"

#include <string.h>

static const char dtmf_digits[] = "0123456789*#ABCD";

gboolean
cf_rtp_event_parse (const guint8 *payload, gsize len, CfRtpEvent *ret_event, GError **error)
{
	g_return_val_if_fail (payload != NULL || len == 0, FALSE);
	g_return_val_if_fail (ret_event != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (len != CF_RTP_EVENT_PAYLOAD_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "telephone-event payload of %" G_GSIZE_FORMAT " bytes (expected %d)",
			     len,
			     CF_RTP_EVENT_PAYLOAD_SIZE);
		return FALSE;
	}
	ret_event->event = payload[0];
	ret_event->end = (payload[1] & 0x80) != 0;
	ret_event->volume = payload[1] & 0x3f;
	ret_event->duration = (guint16)((payload[2] << 8) | payload[3]);
	return TRUE;
}

gboolean
cf_rtp_event_write (const CfRtpEvent *event, guint8 *buf, gsize size, GError **error)
{
	g_return_val_if_fail (event != NULL, FALSE);
	g_return_val_if_fail (buf != NULL || size == 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (event->volume > CF_RTP_EVENT_MAX_VOLUME) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "telephone-event volume %u (at most %d)",
			     event->volume,
			     CF_RTP_EVENT_MAX_VOLUME);
		return FALSE;
	}
	if (size < CF_RTP_EVENT_PAYLOAD_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_NO_SPACE,
			     "telephone-event payload does not fit in %" G_GSIZE_FORMAT " bytes",
			     size);
		return FALSE;
	}
	buf[0] = event->event;
	buf[1] = (event->end ? 0x80 : 0) | event->volume;
	buf[2] = event->duration >> 8;
	buf[3] = event->duration & 0xff;
	return TRUE;
}

gboolean
cf_rtp_event_from_digit (char digit, guint8 *ret_event)
{
	const char *p;

	if (digit == '\0')
		return FALSE;
	p = strchr (dtmf_digits, g_ascii_toupper (digit));
	if (p == NULL)
		return FALSE;
	if (ret_event != NULL)
		*ret_event = (guint8)(p - dtmf_digits);
	return TRUE;
}

char
cf_rtp_event_to_digit (guint8 event)
{
	return event <= CF_RTP_EVENT_MAX_DTMF ? dtmf_digits[event] : '\0';
}

/* ---- Sender ---------------------------------------------------------------------- */

typedef struct {
	guint8 event;
	guint32 duration; /* timestamp units */
} QueuedDigit;

struct _CfRtpEventSender {
	guint clock_rate;
	guint32 interval; /* timestamp units */
	guint8 volume;

	QueuedDigit queue[CF_RTP_EVENT_MAX_QUEUE];
	guint queue_head;
	guint queue_len;

	/* The event being sent. */
	gboolean active;
	gboolean first;
	guint8 event;
	guint32 timestamp;
	guint32 total;	  /* duration to reach */
	guint32 duration; /* duration sent so far */
	guint end_sent;	  /* end packets sent */
};

CfRtpEventSender *
cf_rtp_event_sender_new (guint clock_rate, guint interval_ms, guint8 volume)
{
	CfRtpEventSender *self;

	g_return_val_if_fail (clock_rate >= 8000 && clock_rate <= 192000, NULL);
	g_return_val_if_fail (interval_ms >= 10 && interval_ms <= 100, NULL);
	g_return_val_if_fail (volume <= CF_RTP_EVENT_MAX_VOLUME, NULL);

	self = g_new0 (CfRtpEventSender, 1);
	self->clock_rate = clock_rate;
	self->interval = (guint32)((guint64)clock_rate * interval_ms / 1000);
	self->volume = volume;
	return self;
}

void
cf_rtp_event_sender_free (CfRtpEventSender *self)
{
	g_free (self);
}

gboolean
cf_rtp_event_sender_queue (CfRtpEventSender *self,
			   const char *digits,
			   guint duration_ms,
			   GError **error)
{
	guint64 duration;
	gsize n;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (digits != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	duration = (guint64)self->clock_rate * duration_ms / 1000;
	if (duration_ms < CF_RTP_EVENT_MIN_DURATION_MS || duration_ms > CF_RTP_EVENT_MAX_DURATION_MS
	    || duration > CF_RTP_EVENT_SEGMENT_DURATION) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "DTMF duration of %u ms (%d..%d, and at most %d timestamp units)",
			     duration_ms,
			     CF_RTP_EVENT_MIN_DURATION_MS,
			     CF_RTP_EVENT_MAX_DURATION_MS,
			     CF_RTP_EVENT_SEGMENT_DURATION);
		return FALSE;
	}
	n = strlen (digits);
	for (gsize i = 0; i < n; i++) {
		if (!cf_rtp_event_from_digit (digits[i], NULL)) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "'%c' is not a DTMF digit",
				     g_ascii_isprint (digits[i]) ? digits[i] : '?');
			return FALSE;
		}
	}
	if (n > CF_RTP_EVENT_MAX_QUEUE - self->queue_len) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_BUSY,
			     "%" G_GSIZE_FORMAT
			     " DTMF digits do not fit in the queue (%u of %d used)",
			     n,
			     self->queue_len,
			     CF_RTP_EVENT_MAX_QUEUE);
		return FALSE;
	}
	for (gsize i = 0; i < n; i++) {
		QueuedDigit *q =
			&self->queue[(self->queue_head + self->queue_len) % CF_RTP_EVENT_MAX_QUEUE];

		cf_rtp_event_from_digit (digits[i], &q->event);
		q->duration = (guint32)duration;
		self->queue_len++;
	}
	return TRUE;
}

gboolean
cf_rtp_event_sender_is_busy (const CfRtpEventSender *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->active || self->queue_len > 0;
}

void
cf_rtp_event_sender_cancel (CfRtpEventSender *self)
{
	g_return_if_fail (self != NULL);

	self->queue_len = 0;
	if (self->active && self->end_sent == 0)
		self->total = self->duration;
}

gboolean
cf_rtp_event_sender_tick (CfRtpEventSender *self, guint32 timestamp, CfRtpEventPacket *ret_packet)
{
	CfRtpEventPacket packet = {0};
	gboolean end;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (ret_packet != NULL, FALSE);

	if (!self->active) {
		const QueuedDigit *q;

		if (self->queue_len == 0)
			return FALSE;
		q = &self->queue[self->queue_head];
		self->queue_head = (self->queue_head + 1) % CF_RTP_EVENT_MAX_QUEUE;
		self->queue_len--;
		self->active = TRUE;
		self->first = TRUE;
		self->event = q->event;
		self->timestamp = timestamp;
		self->total = q->duration;
		self->duration = 0;
		self->end_sent = 0;
	}

	if (self->end_sent == 0)
		self->duration = MIN (self->duration + self->interval, self->total);
	end = self->duration >= self->total;

	packet.marker = self->first;
	packet.timestamp = self->timestamp;
	packet.event.event = self->event;
	packet.event.end = end;
	packet.event.volume = self->volume;
	packet.event.duration = (guint16)self->duration;
	cf_rtp_event_write (&packet.event, packet.payload, sizeof (packet.payload), NULL);
	self->first = FALSE;
	if (end && ++self->end_sent >= CF_RTP_EVENT_END_PACKETS)
		self->active = FALSE;
	*ret_packet = packet;
	return TRUE;
}

/* ---- Receiver ------------------------------------------------------------------------ */

struct _CfRtpEventReceiver {
	gboolean have_current;
	guint8 event;
	guint32 first_timestamp;   /* the event's first segment */
	guint32 segment_timestamp; /* its current segment */
	guint32 earlier_duration;  /* of its earlier segments */
	guint16 segment_duration;  /* longest seen in the current segment */
	gboolean ended;
};

/* Fills in what the notice says about the current event. */
static void
describe_current (const CfRtpEventReceiver *self, CfRtpEventNotice *notice)
{
	notice->event = self->event;
	notice->digit = cf_rtp_event_to_digit (self->event);
	notice->timestamp = self->first_timestamp;
	notice->duration = self->earlier_duration + self->segment_duration;
}

CfRtpEventReceiver *
cf_rtp_event_receiver_new (void)
{
	return g_new0 (CfRtpEventReceiver, 1);
}

void
cf_rtp_event_receiver_free (CfRtpEventReceiver *self)
{
	g_free (self);
}

void
cf_rtp_event_receiver_reset (CfRtpEventReceiver *self)
{
	g_return_if_fail (self != NULL);
	memset (self, 0, sizeof (*self));
}

gboolean
cf_rtp_event_receiver_push (CfRtpEventReceiver *self,
			    gboolean marker,
			    guint32 timestamp,
			    const guint8 *payload,
			    gsize len,
			    CfRtpEventNotice *ret_notice,
			    GError **error)
{
	CfRtpEventNotice notice = {0};
	CfRtpEvent ev;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (ret_notice != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (!cf_rtp_event_parse (payload, len, &ev, error))
		return FALSE;

	/* A zero duration means a state event (RFC 4733 §2.3.5); none of the
	 * events we know is one, so such a report is ignored. */
	if (ev.duration == 0) {
		*ret_notice = notice;
		return TRUE;
	}

	if (self->have_current) {
		gint64 diff = cf_rtp_timestamp_diff (timestamp, self->segment_timestamp);

		if (diff < 0) {
			/* A late packet of an earlier event or segment. */
			*ret_notice = notice;
			return TRUE;
		}
		if (diff == 0 && ev.event == self->event) {
			/* An update or a retransmission of the current segment. */
			self->segment_duration = MAX (self->segment_duration, ev.duration);
			if (ev.end && !self->ended) {
				self->ended = TRUE;
				notice.ended = TRUE;
			}
			describe_current (self, &notice);
			*ret_notice = notice;
			return TRUE;
		}
		if (diff == CF_RTP_EVENT_SEGMENT_DURATION && !marker && ev.event == self->event
		    && !self->ended) {
			/* The next segment of a long event. */
			self->earlier_duration += CF_RTP_EVENT_SEGMENT_DURATION;
			self->segment_timestamp = timestamp;
			self->segment_duration = ev.duration;
			if (ev.end) {
				self->ended = TRUE;
				notice.ended = TRUE;
			}
			describe_current (self, &notice);
			*ret_notice = notice;
			return TRUE;
		}
	}

	/* A new event, even if its first packets were lost. */
	self->have_current = TRUE;
	self->event = ev.event;
	self->first_timestamp = timestamp;
	self->segment_timestamp = timestamp;
	self->earlier_duration = 0;
	self->segment_duration = ev.duration;
	self->ended = ev.end;
	notice.started = TRUE;
	notice.ended = ev.end;
	describe_current (self, &notice);
	*ret_notice = notice;
	return TRUE;
}
