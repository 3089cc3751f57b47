/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-media"

#include <glib-object.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>

#include "cf-audio-codec.h"
#include "cf-audio-device.h"
#include "cf-audio-stream.h"
#include "cf-jitter-buffer.h"
#include "cf-rtcp.h"
#include "cf-rtp-event.h"
#include "cf-rtp.h"

#define FRAME_MS 20
/* RFC 3550 §6.2: a report every 5 s at most, spread by 0.5..1.5. */
#define RTCP_INTERVAL_FRAMES (5000 / FRAME_MS)
#define SEND_BUFFER (CF_RTP_MAX_PACKET_SIZE + 64)

struct _CfAudioStream {
	CfIceSession *transport;
	CfSrtpSession *tx;
	CfSrtpSession *rx;
	CfAudioEncoder *encoder;
	CfAudioDecoder *decoder;
	CfJitterBuffer *jitter;
	CfAudioDevice *device;
	GSource *pace; /* the capture fd, or a timer without a device */

	guint send_pt;
	guint recv_pt;
	gint te_send_pt;
	gint te_recv_pt;
	guint te_clock_rate;
	guint clock_rate;
	CfRtcpReceiverStats *remote; /* what we receive from the peer's SSRC */
	char cname[32];
	guint rtcp_countdown;
	double rtt_ms;
	CfRtpEventSender *dtmf_out;
	CfRtpEventReceiver *dtmf_in;
	gboolean send;
	gboolean recv;
	gboolean muted;
	gboolean keys_pending; /* in-band keying: send nothing, drop RTP */
	CfAudioStreamPacketFunc packet_func;
	gpointer packet_data;
	guint32 ssrc;
	guint16 seq;
	guint32 timestamp;
	guint timestamp_step;

	gint64 last_packet_us;
	gint64 playout_clock_us; /* advances one frame per pop: see play_frame() */
	gint64 media_timeout_us;
	gboolean timeout_sent;
	CfAudioStreamStats stats;

	GMainContext *main_context;
	CfAudioStreamEventFunc func;
	gpointer user_data; /* a GObject, referenced while an event is queued */

	gint16 pcm[CF_AUDIO_FRAME_SAMPLES];
	guint8 packet[SEND_BUFFER];
};

typedef struct {
	CfAudioStreamEventFunc func;
	gpointer user_data;
	CfAudioStreamEvent event;
	char digit;
} Event;

static gboolean
deliver_event (gpointer data)
{
	Event *e = data;

	e->func (e->event, e->digit, e->user_data);
	return G_SOURCE_REMOVE;
}

static void
free_event (gpointer data)
{
	Event *e = data;

	g_object_unref (e->user_data);
	g_free (e);
}

static void
emit_digit (CfAudioStream *self, CfAudioStreamEvent event, char digit)
{
	Event *e = g_new0 (Event, 1);

	e->digit = digit;
	e->func = self->func;
	e->user_data = g_object_ref (self->user_data);
	e->event = event;
	g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, deliver_event, e, free_event);
}

static void
emit (CfAudioStream *self, CfAudioStreamEvent event)
{
	emit_digit (self, event, '\0');
}

/* ---- sending ---- */

static void
send_packet (CfAudioStream *self, const CfRtpPacket *rtp)
{
	gsize len = 0;

	if (self->keys_pending || !cf_rtp_packet_write (rtp, self->packet, sizeof (self->packet), &len, NULL))
		return;
	if (self->tx != NULL
	    && !cf_srtp_session_protect_rtp (self->tx, self->packet, len, sizeof (self->packet), &len, NULL))
		return;
	if (cf_ice_session_send (self->transport, self->packet, len, NULL)) {
		self->stats.packets_sent++;
		self->stats.bytes_sent += len;
	}
}

/* RFC 4733 §2.5: while a key is pressed, its event packets replace the
 * audio (same SSRC and sequence; the event's timestamps on its own clock). */
static gboolean
send_dtmf_tick (CfAudioStream *self)
{
	CfRtpEventPacket event;
	CfRtpPacket rtp;
	guint32 ts;

	if (self->dtmf_out == NULL || !cf_rtp_event_sender_is_busy (self->dtmf_out))
		return FALSE;
	ts = (guint32) ((guint64) self->timestamp * self->te_clock_rate / self->clock_rate);
	if (!cf_rtp_event_sender_tick (self->dtmf_out, ts, &event))
		return FALSE;
	if (!self->send || cf_ice_session_get_state (self->transport) != CF_ICE_STATE_CONNECTED)
		return TRUE;
	cf_rtp_packet_init (&rtp);
	rtp.payload_type = self->te_send_pt;
	rtp.sequence = self->seq++;
	rtp.timestamp = event.timestamp;
	rtp.ssrc = self->ssrc;
	rtp.marker = event.marker;
	rtp.payload = event.payload;
	rtp.payload_len = sizeof (event.payload);
	send_packet (self, &rtp);
	return TRUE;
}

static void
send_frame (CfAudioStream *self, const gint16 *pcm)
{
	CfRtpPacket rtp;
	guint8 payload[CF_AUDIO_CODEC_MAX_PACKET];
	gsize payload_len = 0;

	if (send_dtmf_tick (self))
		goto advance;
	if (!cf_audio_encoder_encode (self->encoder, pcm, CF_AUDIO_FRAME_SAMPLES, payload, sizeof (payload), &payload_len, NULL))
		goto advance;
	if (payload_len == 0 || !self->send || cf_ice_session_get_state (self->transport) != CF_ICE_STATE_CONNECTED)
		goto advance;

	cf_rtp_packet_init (&rtp);
	rtp.payload_type = self->send_pt;
	rtp.sequence = self->seq++;
	rtp.timestamp = self->timestamp;
	rtp.ssrc = self->ssrc;
	rtp.marker = self->stats.packets_sent == 0;
	rtp.payload = payload;
	rtp.payload_len = payload_len;
	send_packet (self, &rtp);
advance:
	self->timestamp += self->timestamp_step;
}

/* ---- playing ---- */

static void
play_frame (CfAudioStream *self)
{
	CfJitterBufferFrame frame;
	gboolean ok = FALSE;
	gint64 now = g_get_monotonic_time ();

	/* PipeWire hands over capture in bursts of its quantum (1024 samples:
	 * two frames back to back, then a gap). Pops are due one frame apart,
	 * so the playout clock advances a frame per pop, and follows the real
	 * clock only when they drift apart by more than a few frames. */
	self->playout_clock_us += FRAME_MS * 1000;
	if (ABS (now - self->playout_clock_us) > 5 * FRAME_MS * 1000)
		self->playout_clock_us = now;

	switch (cf_jitter_buffer_pop (self->jitter, self->playout_clock_us, &frame)) {
	case CF_JITTER_BUFFER_PLAY:
		ok = cf_audio_decoder_decode (self->decoder, frame.payload, frame.payload_len, self->pcm, CF_AUDIO_FRAME_SAMPLES, NULL);
		break;
	case CF_JITTER_BUFFER_FEC:
		ok = cf_audio_decoder_recover (self->decoder, frame.payload, frame.payload_len, self->pcm, CF_AUDIO_FRAME_SAMPLES, NULL);
		break;
	case CF_JITTER_BUFFER_CONCEAL:
		ok = cf_audio_decoder_conceal (self->decoder, self->pcm, CF_AUDIO_FRAME_SAMPLES, NULL);
		break;
	case CF_JITTER_BUFFER_SILENCE:
		break;
	}
	if (!ok)
		memset (self->pcm, 0, sizeof (self->pcm));
	if (self->device != NULL && cf_audio_device_is_started (self->device))
		cf_audio_device_write_playback (self->device, self->pcm, CF_AUDIO_FRAME_SAMPLES);
}

static void
check_timeout (CfAudioStream *self)
{
	gint64 since;

	if (self->media_timeout_us == 0 || !self->recv || self->timeout_sent || self->keys_pending)
		return;
	since = g_get_monotonic_time () - self->last_packet_us;
	if (since > self->media_timeout_us) {
		self->timeout_sent = TRUE;
		emit (self, CF_AUDIO_STREAM_EVENT_TIMEOUT);
	}
}

static guint32
compact_now (void)
{
	return cf_rtcp_ntp_to_compact (cf_rtcp_ntp_from_unix_usec (g_get_real_time ()));
}

/* A compound report: SR while we send, else RR, with a report block on the
 * peer's stream, and our CNAME (RFC 3550 §6.1). */
static void
send_rtcp (CfAudioStream *self)
{
	g_autoptr (CfRtcpCompound) compound = cf_rtcp_compound_new ();
	CfRtcpPacket *report;
	CfRtcpReportBlock block;
	gsize len = 0;

	if (self->keys_pending || cf_ice_session_get_state (self->transport) != CF_ICE_STATE_CONNECTED)
		return;
	if (self->stats.packets_sent > 0 && self->send)
		report = cf_rtcp_packet_new_sr (self->ssrc,
						cf_rtcp_ntp_from_unix_usec (g_get_real_time ()),
						self->timestamp,
						(guint32) self->stats.packets_sent,
						(guint32) self->stats.bytes_sent);
	else
		report = cf_rtcp_packet_new_rr (self->ssrc);
	if (self->remote != NULL && cf_rtcp_receiver_stats_make_report_block (self->remote, compact_now (), &block))
		cf_rtcp_packet_add_report_block (report, &block);
	cf_rtcp_compound_add (compound, report);
	cf_rtcp_compound_add (compound, cf_rtcp_packet_new_sdes_cname (self->ssrc, self->cname));
	if (!cf_rtcp_compound_write (compound, self->packet, sizeof (self->packet), &len, NULL))
		return;
	if (self->tx != NULL
	    && !cf_srtp_session_protect_rtcp (self->tx, self->packet, len, sizeof (self->packet), &len, NULL))
		return;
	cf_ice_session_send (self->transport, self->packet, len, NULL);
}

static void
receive_rtcp (CfAudioStream *self, guint8 *data, gsize len)
{
	g_autoptr (CfRtcpCompound) compound = NULL;
	gsize plain_len = len;
	guint32 now = compact_now ();

	if (self->rx != NULL && !cf_srtp_session_unprotect_rtcp (self->rx, data, len, &plain_len, NULL))
		return;
	compound = cf_rtcp_compound_parse (data, plain_len, NULL);
	if (compound == NULL)
		return;
	for (guint i = 0; i < cf_rtcp_compound_get_n_packets (compound); i++) {
		const CfRtcpPacket *p = cf_rtcp_compound_get_packet (compound, i);

		if (p->type == CF_RTCP_TYPE_SR && self->remote != NULL
		    && p->ssrc == cf_rtcp_receiver_stats_get_ssrc (self->remote))
			cf_rtcp_receiver_stats_add_sender_report (self->remote, p->ntp_timestamp, now);
		if (p->type != CF_RTCP_TYPE_SR && p->type != CF_RTCP_TYPE_RR)
			continue;
		for (guint b = 0; b < p->n_report_blocks; b++) {
			const CfRtcpReportBlock *block = &p->report_blocks[b];
			guint32 rtt = 0;

			if (block->ssrc != self->ssrc)
				continue;
			if (cf_rtcp_round_trip_time (now, block->lsr, block->dlsr, &rtt))
				self->rtt_ms = rtt * 1000.0 / 65536.0;
			/* Opus spends more on in-band FEC as the peer loses more. */
			cf_audio_encoder_set_packet_loss (self->encoder, block->fraction_lost * 100 / 256, NULL);
		}
	}
}

static void
tick (CfAudioStream *self, const gint16 *captured)
{
	static const gint16 silence[CF_AUDIO_FRAME_SAMPLES];

	if (--self->rtcp_countdown == 0) {
		send_rtcp (self);
		self->rtcp_countdown = g_random_int_range (RTCP_INTERVAL_FRAMES / 2, RTCP_INTERVAL_FRAMES * 3 / 2);
	}
	send_frame (self, captured != NULL && !self->muted ? captured : silence);
	play_frame (self);
	check_timeout (self);
}

static gboolean
on_capture (gint fd, GIOCondition condition, gpointer user_data)
{
	CfAudioStream *self = user_data;
	gint16 frame[CF_AUDIO_FRAME_SAMPLES];

	while (cf_audio_device_read_capture_frame (self->device, frame))
		tick (self, frame);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_timer (gpointer user_data)
{
	tick (user_data, NULL);
	return G_SOURCE_CONTINUE;
}

/* ---- receiving ---- */

static gboolean
is_rtcp (const guint8 *data, gsize len)
{
	/* RFC 5761 §4: with rtcp-mux, RTCP packet types 192..223 sit where the
	 * RTP marker and payload type are. */
	return len >= 2 && data[1] >= 192 && data[1] <= 223;
}

static void
on_receive (CfIceSession *session, guint8 *data, gsize len, gpointer user_data)
{
	CfAudioStream *self = user_data;
	CfRtpPacket rtp;
	gsize plain_len = len;

	if (len == 0 || data[0] >> 6 != 2) {
		if (self->packet_func != NULL)
			self->packet_func (data, len, self->packet_data);
		return;
	}
	if (self->keys_pending)
		return;
	if (is_rtcp (data, len)) {
		receive_rtcp (self, data, len);
		return;
	}
	if (self->rx != NULL && !cf_srtp_session_unprotect_rtp (self->rx, data, len, &plain_len, NULL)) {
		const CfSrtpStats *s = cf_srtp_session_get_stats (self->rx);
		self->stats.srtp_forged = s->rtp_forged;
		self->stats.srtp_replayed = s->rtp_replayed;
		return;
	}
	if (!cf_rtp_packet_parse (data, plain_len, &rtp, NULL))
		return;
	if (self->dtmf_in != NULL && (gint) rtp.payload_type == self->te_recv_pt) {
		CfRtpEventNotice notice;

		self->last_packet_us = g_get_monotonic_time ();
		if (self->recv
		    && cf_rtp_event_receiver_push (self->dtmf_in, rtp.marker, rtp.timestamp, rtp.payload, rtp.payload_len, &notice, NULL)
		    && notice.started && notice.digit != '\0')
			emit_digit (self, CF_AUDIO_STREAM_EVENT_DTMF, notice.digit);
		return;
	}
	if (rtp.payload_type != self->recv_pt)
		return;
	if (self->remote == NULL || cf_rtcp_receiver_stats_get_ssrc (self->remote) != rtp.ssrc) {
		g_clear_pointer (&self->remote, cf_rtcp_receiver_stats_free);
		self->remote = cf_rtcp_receiver_stats_new (rtp.ssrc, 0);
	}
	cf_rtcp_receiver_stats_add_packet (self->remote,
					   rtp.sequence,
					   rtp.timestamp,
					   (guint32) (g_get_monotonic_time () * self->clock_rate / G_USEC_PER_SEC),
					   NULL);
	self->stats.packets_received++;
	self->stats.bytes_received += len;
	self->last_packet_us = g_get_monotonic_time ();
	self->timeout_sent = FALSE;
	if (self->stats.packets_received == 1)
		emit (self, CF_AUDIO_STREAM_EVENT_FIRST_PACKET);
	if (!self->recv)
		return;
	cf_jitter_buffer_push (self->jitter,
			       rtp.ssrc,
			       rtp.sequence,
			       rtp.timestamp,
			       rtp.marker,
			       self->last_packet_us,
			       rtp.payload,
			       rtp.payload_len,
			       NULL,
			       NULL);
}

/* ---- life ---- */

static void
start_pacing (CfAudioStream *self, const CfAudioStreamParams *params)
{
	g_autoptr (GError) error = NULL;
	GMainContext *context = g_main_context_get_thread_default ();

	self->device = cf_audio_device_new (params->source, params->sink, params->name_suffix);
	if (cf_audio_device_start (self->device, &error)) {
		self->pace = g_unix_fd_source_new (cf_audio_device_get_capture_fd (self->device), G_IO_IN);
		g_source_set_callback (self->pace, (GSourceFunc) (void (*) (void)) on_capture, self, NULL);
		self->stats.device = TRUE;
	} else {
		g_debug ("no audio device, sending silence: %s", error->message);
		g_clear_object (&self->device);
		self->pace = g_timeout_source_new (FRAME_MS);
		g_source_set_callback (self->pace, on_timer, self, NULL);
	}
	g_source_attach (self->pace, context);
}

CfAudioStream *
cf_audio_stream_new (CfIceSession *transport,
		     CfSrtpSession *tx,
		     CfSrtpSession *rx,
		     const CfAudioStreamParams *params,
		     GMainContext *main_context,
		     CfAudioStreamEventFunc func,
		     gpointer user_data,
		     GError **error)
{
	g_autoptr (CfAudioStream) self = g_new0 (CfAudioStream, 1);
	CfJitterBufferConfig config;

	self->tx = tx;
	self->rx = rx;
	self->transport = g_object_ref (transport);
	self->main_context = g_main_context_ref (main_context);
	self->func = func;
	self->user_data = user_data;
	self->send_pt = params->send_pt;
	self->recv_pt = params->recv_pt;
	self->te_send_pt = params->te_send_pt;
	self->te_recv_pt = params->te_recv_pt;
	self->te_clock_rate = params->te_clock_rate != 0 ? params->te_clock_rate : params->clock_rate;
	self->clock_rate = params->clock_rate;
	if (self->te_send_pt >= 0)
		self->dtmf_out = cf_rtp_event_sender_new (self->te_clock_rate, FRAME_MS, CF_RTP_EVENT_DEFAULT_VOLUME);
	if (self->te_recv_pt >= 0)
		self->dtmf_in = cf_rtp_event_receiver_new ();
	self->send = params->send;
	self->recv = params->recv;
	self->keys_pending = params->keys_pending;
	self->ssrc = g_random_int ();
	self->seq = (guint16) g_random_int ();
	self->timestamp = g_random_int ();
	self->last_packet_us = g_get_monotonic_time ();
	self->media_timeout_us = (gint64) params->media_timeout * G_USEC_PER_SEC;
	self->rtcp_countdown = RTCP_INTERVAL_FRAMES / 2;
	g_snprintf (self->cname, sizeof (self->cname), "confab-%08x", g_random_int ());

	self->encoder = cf_audio_encoder_new (params->codec, params->clock_rate, params->channels, params->send_fmtp, error);
	if (self->encoder == NULL)
		return NULL;
	self->decoder = cf_audio_decoder_new (params->codec, params->clock_rate, params->channels, params->recv_fmtp, error);
	if (self->decoder == NULL)
		return NULL;
	self->timestamp_step = cf_audio_encoder_get_frame_duration (self->encoder);
	cf_jitter_buffer_config_init (&config, params->clock_rate);
	config.fec = cf_audio_decoder_has_fec (self->decoder);
	self->jitter = cf_jitter_buffer_new (&config, error);
	if (self->jitter == NULL)
		return NULL;

	cf_ice_session_set_receive_func (transport, on_receive, self, NULL);
	start_pacing (self, params);
	return g_steal_pointer (&self);
}

void
cf_audio_stream_free (CfAudioStream *self)
{
	if (self == NULL)
		return;
	if (self->transport != NULL)
		cf_ice_session_set_receive_func (self->transport, NULL, NULL, NULL);
	if (self->pace != NULL) {
		g_source_destroy (self->pace);
		g_source_unref (self->pace);
	}
	if (self->device != NULL)
		cf_audio_device_stop (self->device);
	g_clear_object (&self->device);
	g_clear_object (&self->transport);
	g_clear_pointer (&self->tx, cf_srtp_session_free);
	g_clear_pointer (&self->rx, cf_srtp_session_free);
	g_clear_pointer (&self->encoder, cf_audio_encoder_free);
	g_clear_pointer (&self->decoder, cf_audio_decoder_free);
	g_clear_pointer (&self->jitter, cf_jitter_buffer_free);
	g_clear_pointer (&self->dtmf_out, cf_rtp_event_sender_free);
	g_clear_pointer (&self->remote, cf_rtcp_receiver_stats_free);
	g_clear_pointer (&self->dtmf_in, cf_rtp_event_receiver_free);
	g_clear_pointer (&self->main_context, g_main_context_unref);
	g_free (self);
}

void
cf_audio_stream_set_packet_func (CfAudioStream *self, CfAudioStreamPacketFunc func, gpointer user_data)
{
	self->packet_func = func;
	self->packet_data = user_data;
}

void
cf_audio_stream_set_srtp (CfAudioStream *self, CfSrtpSession *tx, CfSrtpSession *rx)
{
	g_clear_pointer (&self->tx, cf_srtp_session_free);
	g_clear_pointer (&self->rx, cf_srtp_session_free);
	self->tx = tx;
	self->rx = rx;
	self->keys_pending = FALSE;
	/* The wait for the keys is not a silence of the peer's. */
	self->last_packet_us = g_get_monotonic_time ();
}

void
cf_audio_stream_set_directions (CfAudioStream *self, gboolean send, gboolean recv)
{
	self->send = send;
	if (recv && !self->recv) {
		/* Resumed: the silence while held is not a timeout. */
		self->last_packet_us = g_get_monotonic_time ();
		cf_jitter_buffer_reset (self->jitter);
	}
	self->recv = recv;
}

gboolean
cf_audio_stream_send_dtmf (CfAudioStream *self, const char *digits, GError **error)
{
	if (self->dtmf_out == NULL) {
		g_set_error_literal (error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID, "the other side takes no DTMF events (telephone-event)");
		return FALSE;
	}
	return cf_rtp_event_sender_queue (self->dtmf_out, digits, CF_RTP_EVENT_DEFAULT_DURATION_MS, error);
}

void
cf_audio_stream_set_muted (CfAudioStream *self, gboolean muted)
{
	self->muted = muted;
}

void
cf_audio_stream_get_stats (CfAudioStream *self, CfAudioStreamStats *ret_stats)
{
	CfJitterBufferStats jb;

	cf_jitter_buffer_get_stats (self->jitter, &jb);
	self->stats.lost = jb.lost;
	self->stats.late = jb.late;
	self->stats.jitter = jb.jitter;
	self->stats.jitter_ms = jb.jitter * 1000.0 / self->clock_rate;
	self->stats.rtt_ms = self->rtt_ms;
	self->stats.playout_delay_us = jb.playout_delay_us;
	if (self->rx != NULL) {
		const CfSrtpStats *s = cf_srtp_session_get_stats (self->rx);
		self->stats.srtp_forged = s->rtp_forged;
		self->stats.srtp_replayed = s->rtp_replayed;
	}
	*ret_stats = self->stats;
}
