/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-media"

#include <nice.h>
#include <string.h>

#include "cf-media-session.h"
#include "cf-media-thread.h"
#include "cf-ice-candidate.h"
#include "cf-sdes.h"

struct _CfMediaSession {
	GObject parent_instance;

	CfMediaThread *thread;
	char *local_address;
	char *source;
	char *sink;
	char *name_suffix;
	gboolean allow_plain;
	guint media_timeout;

	CfIceSession *transport; /* lives on the media thread's context */
	gboolean ice;            /* the transport is an ICE agent */
	GStrv ice_candidates;    /* our a=candidate values */
	char *ice_ufrag;
	char *ice_pwd;
	CfAudioStream *stream;   /* media thread only */
	CfMediaEncryption encryption;
	gboolean inband_keying;     /* ZRTP keys the SRTP: set_srtp() */
	gboolean transport_connected; /* main thread's view */
	gint inband_queued;	      /* in-band packets on their way to the main thread */
	GMainContext *main_context; /* where ::inband-packet is emitted */
	gboolean held;              /* we hold the call: send nothing */
	gboolean dtmf;              /* telephone-event was agreed */
	gboolean remote_ice;        /* the peer does ICE too */
	gboolean negotiated_send;   /* the last exchange lets us send */
	gboolean negotiated_recv;

	GPtrArray *offered;      /* CfSdesCrypto: our offer's lines */
	CfSdesCrypto *chosen_remote; /* answering: the offer's line we took */
	CfSdesCrypto *chosen_local;  /* answering: our answer's line */
};

enum {
	SIGNAL_MEDIA_STARTED,
	SIGNAL_MEDIA_TIMEOUT,
	SIGNAL_DTMF_RECEIVED,
	SIGNAL_INBAND_PACKET,
	SIGNAL_TRANSPORT_CONNECTED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfMediaSession, cf_media_session, G_TYPE_OBJECT)

G_DEFINE_QUARK (cf-media-error-quark, cf_media_error)

/* ---- runs on the media thread ---- */

typedef struct {
	CfMediaSession *self;
	const CfMediaConfig *config;
	GTask *task; /* creating: completed when the candidates are gathered */
	const char *remote_ufrag; /* NULL: the peer has no ICE */
	const char *remote_pwd;
	const char *const *remote_candidates;
	gboolean remote_lite;
	const char *remote_address;
	guint16 remote_port;
	CfSrtpSession *tx;
	CfSrtpSession *rx;
	CfAudioStreamParams params;
	gboolean send;
	gboolean recv;
	gboolean muted;
	const char *digits;
	GBytes *packet;
	CfAudioStreamStats stats;
	GMainContext *main_context;
	GError *error;
} Job;

static void
on_stream_event (CfAudioStreamEvent event, char digit, gpointer user_data)
{
	CfMediaSession *self = CF_MEDIA_SESSION (user_data);

	if (self->stream == NULL)
		return;
	if (event == CF_AUDIO_STREAM_EVENT_DTMF) {
		char text[2] = { digit, '\0' };
		g_signal_emit (self, signals[SIGNAL_DTMF_RECEIVED], 0, text);
		return;
	}
	g_signal_emit (self,
		       signals[event == CF_AUDIO_STREAM_EVENT_TIMEOUT ? SIGNAL_MEDIA_TIMEOUT : SIGNAL_MEDIA_STARTED],
		       0);
}

typedef struct {
	CfMediaSession *self; /* a reference */
	GBytes *packet;
} Inband;

static void
free_inband (gpointer data)
{
	Inband *inband = data;

	g_object_unref (inband->self);
	g_bytes_unref (inband->packet);
	g_free (inband);
}

static gboolean
deliver_inband (gpointer data)
{
	Inband *inband = data;

	g_atomic_int_dec_and_test (&inband->self->inband_queued);
	g_signal_emit (inband->self, signals[SIGNAL_INBAND_PACKET], 0, inband->packet);
	return G_SOURCE_REMOVE;
}

/* At most this many in-band packets wait for the main thread: a flood of
 * them from the network is dropped here, not queued without bound. */
#define MAX_INBAND_QUEUED 64

/* Media thread: a packet that is neither RTP nor RTCP, to the main thread.
 * Only what can be a key agreement's: RFC 7983 §7 puts ZRTP at first byte
 * 16..19 (STUN 0..3 is libnice's, DTLS 20..63 is not ours). */
static void
on_inband_packet (const guint8 *data, gsize len, gpointer user_data)
{
	CfMediaSession *self = CF_MEDIA_SESSION (user_data);
	Inband *inband;

	if (len == 0 || data[0] < 16 || data[0] > 19 || len > CF_MEDIA_MAX_INBAND_PACKET)
		return;
	if (g_atomic_int_add (&self->inband_queued, 1) >= MAX_INBAND_QUEUED) {
		g_atomic_int_add (&self->inband_queued, -1);
		return;
	}
	inband = g_new0 (Inband, 1);

	inband->self = g_object_ref (self);
	inband->packet = g_bytes_new (data, len);
	g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT, deliver_inband, inband, free_inband);
}

static gboolean
deliver_connected (gpointer data)
{
	CfMediaSession *self = CF_MEDIA_SESSION (data);

	if (!self->transport_connected) {
		self->transport_connected = TRUE;
		g_signal_emit (self, signals[SIGNAL_TRANSPORT_CONNECTED], 0);
	}
	return G_SOURCE_REMOVE;
}

/* Media thread: the transport can send (ICE found a pair, or plain RTP got
 * the peer's address). */
static void
on_transport_state (CfIceSession *transport, guint state, gpointer user_data)
{
	CfMediaSession *self = CF_MEDIA_SESSION (user_data);

	if (state == CF_ICE_STATE_CONNECTED)
		g_main_context_invoke_full (self->main_context,
					    G_PRIORITY_DEFAULT,
					    deliver_connected,
					    g_object_ref (self),
					    g_object_unref);
}

/* Media thread; the task completes on the main context that made it. */
static void
on_gathered (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (GTask) task = user_data;
	GError *error = NULL;

	if (!cf_ice_session_gather_finish (CF_ICE_SESSION (source), result, &error)) {
		g_debug ("media transport: %s", error->message);
		g_task_return_error (task, error);
		return;
	}
	g_task_return_boolean (task, TRUE);
}

static gboolean
job_create_transport (gpointer data)
{
	Job *job = data;
	const CfMediaConfig *config = job->config;
	const char *own[] = { config->local_address, NULL };
	const char *const *addresses = config->local_addresses != NULL && config->local_addresses[0] != NULL
					       ? config->local_addresses
					       : own;
	GMainContext *context = g_main_context_get_thread_default ();

	if (config->ice) {
		CfIceConfig ice = {
			.local_addresses = addresses,
			.stun_server = config->stun_server,
			.turn_server = config->turn_server,
			.turn_username = config->turn_username,
			.turn_password = config->turn_password,
		};
		job->self->transport = cf_ice_session_new (context, config->controlling, &ice, &job->error);
	} else {
		job->self->transport = cf_ice_session_new_plain (context, addresses, NULL, &job->error);
	}
	if (job->self->transport != NULL) {
		g_signal_connect (job->self->transport, "state-changed", G_CALLBACK (on_transport_state), job->self);
		cf_ice_session_gather_async (job->self->transport, NULL, on_gathered, g_object_ref (job->task));
	}
	return G_SOURCE_REMOVE;
}

static gboolean
job_start (gpointer data)
{
	Job *job = data;
	CfMediaSession *self = job->self;

	if (job->remote_ufrag != NULL && self->ice) {
		if (!cf_ice_session_set_remote (self->transport,
						job->remote_ufrag,
						job->remote_pwd,
						job->remote_candidates,
						job->remote_lite,
						&job->error))
			return G_SOURCE_REMOVE;
	} else if (!cf_ice_session_set_remote_plain (self->transport, job->remote_address, job->remote_port, &job->error)) {
		return G_SOURCE_REMOVE;
	}
	self->stream = cf_audio_stream_new (self->transport,
					    g_steal_pointer (&job->tx),
					    g_steal_pointer (&job->rx),
					    &job->params,
					    job->main_context,
					    on_stream_event,
					    self,
					    &job->error);
	if (self->stream != NULL && self->inband_keying)
		cf_audio_stream_set_packet_func (self->stream, on_inband_packet, self);
	return G_SOURCE_REMOVE;
}

static gboolean
job_set_srtp (gpointer data)
{
	Job *job = data;

	if (job->self->stream != NULL)
		cf_audio_stream_set_srtp (job->self->stream, g_steal_pointer (&job->tx), g_steal_pointer (&job->rx));
	return G_SOURCE_REMOVE;
}

static gboolean
job_send_inband (gpointer data)
{
	Job *job = data;

	if (job->self->transport != NULL)
		cf_ice_session_send (job->self->transport,
				     g_bytes_get_data (job->packet, NULL),
				     g_bytes_get_size (job->packet),
				     NULL);
	return G_SOURCE_REMOVE;
}

static void
free_job (gpointer data)
{
	Job *job = data;

	g_object_unref (job->self);
	g_clear_pointer (&job->packet, g_bytes_unref);
	g_free (job);
}

static gboolean
job_directions (gpointer data)
{
	Job *job = data;

	if (job->self->stream != NULL)
		cf_audio_stream_set_directions (job->self->stream, job->send, job->recv);
	return G_SOURCE_REMOVE;
}

static gboolean
job_muted (gpointer data)
{
	Job *job = data;

	if (job->self->stream != NULL)
		cf_audio_stream_set_muted (job->self->stream, job->muted);
	return G_SOURCE_REMOVE;
}

static gboolean
job_dtmf (gpointer data)
{
	Job *job = data;

	if (job->self->stream == NULL) {
		g_set_error_literal (&job->error, CF_MEDIA_ERROR, 0, "no media is running");
		return G_SOURCE_REMOVE;
	}
	cf_audio_stream_send_dtmf (job->self->stream, job->digits, &job->error);
	return G_SOURCE_REMOVE;
}

static gboolean
job_stats (gpointer data)
{
	Job *job = data;

	if (job->self->stream != NULL)
		cf_audio_stream_get_stats (job->self->stream, &job->stats);
	return G_SOURCE_REMOVE;
}

static gboolean
job_stop (gpointer data)
{
	Job *job = data;
	CfMediaSession *self = job->self;

	g_clear_pointer (&self->stream, cf_audio_stream_free);
	if (self->transport != NULL)
		cf_ice_session_close (self->transport);
	g_clear_object (&self->transport);
	return G_SOURCE_REMOVE;
}

/* ---- main thread ---- */

void
cf_media_session_new_async (const CfMediaConfig *config,
			    GCancellable *cancellable,
			    GAsyncReadyCallback callback,
			    gpointer user_data)
{
	CfMediaSession *self = g_object_new (CF_TYPE_MEDIA_SESSION, NULL);
	g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
	Job job = { .self = self, .config = config, .task = task };

	g_object_unref (self); /* the task holds it */
	/* libnice's own debug output prints TURN credentials: keys never
	 * appear in our logs, so it stays off (CONFAB_LIBNICE_DEBUG=1 for
	 * a developer who knows what that shows). */
	if (g_getenv ("CONFAB_LIBNICE_DEBUG") == NULL)
		nice_debug_disable (TRUE);
	self->thread = cf_media_thread_get ();
	self->local_address = g_strdup (config->local_address);
	self->source = g_strdup (config->source);
	self->sink = g_strdup (config->sink);
	self->name_suffix = g_strdup (config->name_suffix);
	self->allow_plain = config->allow_plain;
	self->media_timeout = config->media_timeout;
	self->ice = config->ice;
	/* Gathering runs on the media thread: at once for plain RTP and host
	 * candidates; a STUN or TURN server that does not answer holds it up
	 * for libnice's few seconds, and the main loop goes on meanwhile. */
	cf_media_thread_invoke_sync (self->thread, job_create_transport, &job);
	if (self->transport == NULL)
		g_task_return_error (task, job.error);
}

CfMediaSession *
cf_media_session_new_finish (GAsyncResult *result, GError **error)
{
	CfMediaSession *self = g_task_get_source_object (G_TASK (result));

	if (!g_task_propagate_boolean (G_TASK (result), error))
		return NULL;
	if (self->ice && self->ice_ufrag == NULL) {
		self->ice_ufrag = g_strdup (cf_ice_session_get_local_ufrag (self->transport));
		self->ice_pwd = g_strdup (cf_ice_session_get_local_pwd (self->transport));
		self->ice_candidates = cf_ice_session_get_local_candidates (self->transport);
	}
	return g_object_ref (self);
}

guint16
cf_media_session_get_port (CfMediaSession *self)
{
	g_autofree char *address = NULL;
	guint16 port = 0;

	cf_ice_session_get_default_address (self->transport, &address, &port);
	return port;
}

static void
clear_crypto_attributes (CfSdpLocalMedia *audio)
{
	cf_sdp_attributes_remove (cf_sdp_local_media_get_attributes (audio), "crypto");
}

static gboolean
add_crypto (CfSdpLocalMedia *audio, const CfSdesCrypto *crypto)
{
	char *line = cf_sdes_crypto_print (crypto);
	gboolean ok = cf_sdp_attributes_add (cf_sdp_local_media_get_attributes (audio), "crypto", line);

	cf_sdes_secret_free (line);
	return ok;
}

static void
set_ice_attributes (CfMediaSession *self, CfSdpLocalMedia *audio, gboolean with_ice)
{
	CfSdpAttributes *attrs = cf_sdp_local_media_get_attributes (audio);

	cf_sdp_attributes_remove (attrs, CF_ICE_ATTR_UFRAG);
	cf_sdp_attributes_remove (attrs, CF_ICE_ATTR_PWD);
	cf_sdp_attributes_remove (attrs, CF_ICE_ATTR_CANDIDATE);
	if (!with_ice || !self->ice)
		return;
	cf_sdp_attributes_add (attrs, CF_ICE_ATTR_UFRAG, self->ice_ufrag);
	cf_sdp_attributes_add (attrs, CF_ICE_ATTR_PWD, self->ice_pwd);
	for (guint i = 0; self->ice_candidates[i] != NULL; i++)
		cf_sdp_attributes_add (attrs, CF_ICE_ATTR_CANDIDATE, self->ice_candidates[i]);
}

gboolean
cf_media_session_prepare_offer (CfMediaSession *self, CfSdpLocalMedia *audio, GError **error)
{
	static const CfSrtpSuite suites[] = {
		CF_SRTP_SUITE_AEAD_AES_128_GCM,
		CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
	};

	if (self->offered == NULL) {
		self->offered = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_sdes_crypto_free);
		for (guint i = 0; i < G_N_ELEMENTS (suites); i++) {
			CfSdesCrypto *c = cf_sdes_crypto_generate (i + 1, suites[i], error);
			if (c == NULL)
				return FALSE;
			g_ptr_array_add (self->offered, c);
		}
	}
	cf_sdp_local_media_set_port (audio, cf_media_session_get_port (self));
	cf_sdp_local_media_set_rtcp_mux (audio, TRUE);
	/* Best effort SRTP on RTP/AVP when plain RTP is acceptable, so that a
	 * peer without SRTP can still answer. */
	cf_sdp_local_media_set_proto (audio, self->allow_plain ? "RTP/AVP" : "RTP/SAVP");
	cf_sdp_local_media_accept_proto (audio, "RTP/SAVP");
	if (self->allow_plain)
		cf_sdp_local_media_accept_proto (audio, "RTP/AVP");
	clear_crypto_attributes (audio);
	for (guint i = 0; i < self->offered->len; i++)
		add_crypto (audio, g_ptr_array_index (self->offered, i));
	set_ice_attributes (self, audio, TRUE);
	return TRUE;
}

/* The first audio section of @sdp, or NULL. */
static CfSdpMedia *
find_audio (const CfSdpSession *sdp, guint *ret_index)
{
	CfSdpSession *s = (CfSdpSession *) sdp;

	for (guint i = 0; i < cf_sdp_session_get_n_media (s); i++) {
		CfSdpMedia *m = cf_sdp_session_get_media (s, i);
		if (g_str_equal (cf_sdp_media_get_media_type (m), "audio") && cf_sdp_media_get_port (m) != 0) {
			if (ret_index != NULL)
				*ret_index = i;
			return m;
		}
	}
	return NULL;
}

gboolean
cf_media_session_prepare_answer (CfMediaSession *self,
				 const CfSdpSession *offer,
				 CfSdpLocalMedia *audio,
				 GError **error)
{
	CfSdpMedia *m = find_audio (offer, NULL);
	g_auto (GStrv) offered = NULL;
	g_autoptr (GError) local_error = NULL;
	guint index = 0;

	cf_sdp_local_media_set_port (audio, cf_media_session_get_port (self));
	cf_sdp_local_media_set_rtcp_mux (audio, TRUE);
	cf_sdp_local_media_accept_proto (audio, "RTP/SAVP");
	cf_sdp_local_media_accept_proto (audio, "RTP/AVP");
	clear_crypto_attributes (audio);
	if (m == NULL)
		return TRUE; /* nothing to answer with keys: the negotiator rejects it */
	/* ICE in the answer only when the offer has it (RFC 8839 §4.2.2). */
	set_ice_attributes (self, audio, cf_sdp_attributes_has (cf_sdp_media_get_attributes (m), CF_ICE_ATTR_UFRAG));

	g_clear_pointer (&self->chosen_remote, cf_sdes_crypto_free);
	g_clear_pointer (&self->chosen_local, cf_sdes_crypto_free);
	offered = cf_sdp_attributes_lookup_all (cf_sdp_media_get_attributes (m), "crypto");
	if (offered[0] != NULL
	    && cf_sdes_select ((const char *const *) offered,
			       &self->chosen_remote,
			       &self->chosen_local,
			       &index,
			       &local_error)) {
		add_crypto (audio, self->chosen_local);
		return TRUE;
	}
	if (self->allow_plain && !g_str_equal (cf_sdp_media_get_proto (m), "RTP/SAVP"))
		return TRUE;
	if (self->inband_keying)
		return TRUE; /* ZRTP will key it */
	g_set_error (error,
		     CF_MEDIA_ERROR,
		     0,
		     "the offer has no usable SRTP key%s%s",
		     local_error != NULL ? ": " : " and plain RTP is not allowed",
		     local_error != NULL ? local_error->message : "");
	return FALSE;
}

/* Works out the SRTP sessions for the completed exchange. */
static gboolean
make_srtp (CfMediaSession *self,
	   CfSdpMedia *remote_audio,
	   gboolean local_offerer,
	   CfSrtpSession **ret_tx,
	   CfSrtpSession **ret_rx,
	   GError **error)
{
	g_autoptr (CfSdesCrypto) answer = NULL;
	const char *line;
	guint index = 0;

	*ret_tx = *ret_rx = NULL;
	if (!local_offerer) {
		if (self->chosen_local == NULL)
			goto plain;
		*ret_tx = cf_sdes_crypto_new_srtp_session (self->chosen_local, CF_SRTP_DIRECTION_OUTBOUND, error);
		*ret_rx = *ret_tx != NULL ? cf_sdes_crypto_new_srtp_session (self->chosen_remote, CF_SRTP_DIRECTION_INBOUND, error) : NULL;
		return *ret_rx != NULL;
	}
	line = cf_sdp_attributes_lookup (cf_sdp_media_get_attributes (remote_audio), "crypto");
	if (line == NULL)
		goto plain;
	if (!cf_sdes_find_answered ((CfSdesCrypto *const *) self->offered->pdata,
				    self->offered->len,
				    line,
				    &answer,
				    &index,
				    error))
		return FALSE;
	*ret_tx = cf_sdes_crypto_new_srtp_session (g_ptr_array_index (self->offered, index),
						   CF_SRTP_DIRECTION_OUTBOUND,
						   error);
	*ret_rx = *ret_tx != NULL ? cf_sdes_crypto_new_srtp_session (answer, CF_SRTP_DIRECTION_INBOUND, error) : NULL;
	return *ret_rx != NULL;

plain:
	if (!self->allow_plain) {
		g_set_error_literal (error, CF_MEDIA_ERROR, 0, "the peer sent no SRTP key and plain RTP is not allowed");
		return FALSE;
	}
	return TRUE;
}

/* The clock of the negotiated telephone-event (the same rate on both sides). */
static guint
te_clock_rate (const CfSdpStream *stream)
{
	for (guint i = 0; stream->telephone_event_pt >= 0 && i < stream->recv_codecs->len; i++) {
		const CfSdpCodec *c = g_ptr_array_index (stream->recv_codecs, i);
		if (g_ascii_strcasecmp (c->encoding, "telephone-event") == 0)
			return c->clock_rate;
	}
	return 8000;
}

gboolean
cf_media_session_apply (CfMediaSession *self,
			const CfSdpNegotiation *result,
			const CfSdpSession *remote,
			gboolean local_offerer,
			GError **error)
{
	const CfSdpStream *stream = cf_sdp_negotiation_find (result, "audio");
	CfSdpMedia *remote_audio;
	g_autofree char *recv_fmtp = NULL;
	g_auto (GStrv) remote_candidates = NULL;
	Job job = { .self = self };

	if (stream == NULL || stream->codec == NULL) {
		g_set_error_literal (error, CF_MEDIA_ERROR, 0, "no audio stream was agreed");
		return FALSE;
	}
	self->negotiated_send = stream->local_sends;
	self->negotiated_recv = stream->remote_sends;
	job.send = stream->local_sends && !self->held;
	job.recv = stream->remote_sends;
	if (self->stream != NULL) {
		cf_media_thread_invoke_sync (self->thread, job_directions, &job);
		return TRUE;
	}
	remote_audio = cf_sdp_session_get_media ((CfSdpSession *) remote, stream->index);
	if (stream->remote_address == NULL) {
		g_set_error_literal (error, CF_MEDIA_ERROR, 0, "the peer gave no media address");
		return FALSE;
	}
	if (self->inband_keying)
		self->encryption = CF_MEDIA_ENCRYPTION_INBAND;
	else if (!make_srtp (self, remote_audio, local_offerer, &job.tx, &job.rx, error))
		return FALSE;
	else
		self->encryption = job.tx != NULL ? CF_MEDIA_ENCRYPTION_SDES : CF_MEDIA_ENCRYPTION_NONE;
	self->dtmf = stream->telephone_event_pt >= 0;

	for (guint i = 0; i < stream->recv_codecs->len; i++) {
		const CfSdpCodec *c = g_ptr_array_index (stream->recv_codecs, i);
		if (c->pt == stream->recv_pt)
			recv_fmtp = g_strdup (c->fmtp);
	}
	job.remote_address = stream->remote_address;
	job.remote_port = stream->remote_port;
	{
		CfSdpAttributes *attrs = cf_sdp_media_get_attributes (remote_audio);
		CfSdpAttributes *session_attrs = cf_sdp_session_get_attributes ((CfSdpSession *) remote);

		job.remote_ufrag = cf_sdp_attributes_lookup (attrs, CF_ICE_ATTR_UFRAG);
		if (job.remote_ufrag == NULL)
			job.remote_ufrag = cf_sdp_attributes_lookup (session_attrs, CF_ICE_ATTR_UFRAG);
		job.remote_pwd = cf_sdp_attributes_lookup (attrs, CF_ICE_ATTR_PWD);
		if (job.remote_pwd == NULL)
			job.remote_pwd = cf_sdp_attributes_lookup (session_attrs, CF_ICE_ATTR_PWD);
		if (job.remote_pwd == NULL)
			job.remote_ufrag = NULL;
		remote_candidates = cf_sdp_attributes_lookup_all (attrs, CF_ICE_ATTR_CANDIDATE);
		job.remote_candidates = (const char *const *) remote_candidates;
		job.remote_lite = cf_sdp_attributes_has (session_attrs, CF_ICE_ATTR_LITE);
	}
	job.params = (CfAudioStreamParams) {
		.codec = stream->codec->encoding,
		.clock_rate = stream->codec->clock_rate,
		.channels = stream->codec->channels,
		.send_fmtp = stream->codec->fmtp,
		.recv_fmtp = recv_fmtp,
		.send_pt = stream->codec->pt,
		.recv_pt = stream->recv_pt,
		.te_send_pt = stream->telephone_event_pt,
		.te_recv_pt = stream->telephone_event_recv_pt,
		.te_clock_rate = te_clock_rate (stream),
		.send = job.send,
		.recv = job.recv,
		.source = self->source,
		.sink = self->sink,
		.name_suffix = self->name_suffix,
		.media_timeout = self->media_timeout,
		.keys_pending = self->inband_keying,
	};
	job.main_context = self->main_context;
	self->remote_ice = self->ice && job.remote_ufrag != NULL;
	cf_media_thread_invoke_sync (self->thread, job_start, &job);
	g_clear_pointer (&job.tx, cf_srtp_session_free);
	g_clear_pointer (&job.rx, cf_srtp_session_free);
	if (self->stream == NULL) {
		g_propagate_error (error, job.error);
		return FALSE;
	}
	return TRUE;
}

void
cf_media_session_set_inband_keying (CfMediaSession *self, gboolean inband)
{
	g_return_if_fail (self->stream == NULL);
	self->inband_keying = inband;
}

gboolean
cf_media_session_is_transport_connected (CfMediaSession *self)
{
	return self->transport_connected;
}

gboolean
cf_media_session_get_inband_keying (CfMediaSession *self)
{
	return self->inband_keying;
}

void
cf_media_session_send_inband (CfMediaSession *self, GBytes *packet)
{
	Job *job = g_new0 (Job, 1);

	job->self = g_object_ref (self);
	job->packet = g_bytes_ref (packet);
	cf_media_thread_invoke (self->thread, job_send_inband, job, free_job);
}

void
cf_media_session_set_srtp (CfMediaSession *self, CfSrtpSession *tx, CfSrtpSession *rx)
{
	Job job = { .self = self, .tx = tx, .rx = rx };

	cf_media_thread_invoke_sync (self->thread, job_set_srtp, &job);
	g_clear_pointer (&job.tx, cf_srtp_session_free);
	g_clear_pointer (&job.rx, cf_srtp_session_free);
}

void
cf_media_session_set_held (CfMediaSession *self, gboolean held)
{
	Job job = { .self = self };

	self->held = held;
	job.send = self->negotiated_send && !held;
	job.recv = self->negotiated_recv;
	cf_media_thread_invoke_sync (self->thread, job_directions, &job);
}

gboolean
cf_media_session_send_dtmf (CfMediaSession *self, const char *digits, GError **error)
{
	Job job = { .self = self, .digits = digits };

	cf_media_thread_invoke_sync (self->thread, job_dtmf, &job);
	if (job.error != NULL) {
		g_propagate_error (error, job.error);
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_media_session_uses_ice (CfMediaSession *self)
{
	return self->stream != NULL && self->remote_ice;
}

gboolean
cf_media_session_has_dtmf (CfMediaSession *self)
{
	return self->stream != NULL && self->dtmf;
}

void
cf_media_session_set_muted (CfMediaSession *self, gboolean muted)
{
	Job job = { .self = self, .muted = muted };

	cf_media_thread_invoke_sync (self->thread, job_muted, &job);
}

void
cf_media_session_stop (CfMediaSession *self)
{
	Job job = { .self = self };

	if (self->thread != NULL)
		cf_media_thread_invoke_sync (self->thread, job_stop, &job);
}

gboolean
cf_media_session_is_running (CfMediaSession *self)
{
	return self->stream != NULL;
}

CfMediaEncryption
cf_media_session_get_encryption (CfMediaSession *self)
{
	return self->encryption;
}

void
cf_media_session_get_stats (CfMediaSession *self, CfAudioStreamStats *ret_stats)
{
	Job job = { .self = self };

	cf_media_thread_invoke_sync (self->thread, job_stats, &job);
	*ret_stats = job.stats;
}

static void
cf_media_session_init (CfMediaSession *self)
{
	self->main_context = g_main_context_ref_thread_default ();
}

static void
cf_media_session_dispose (GObject *object)
{
	CfMediaSession *self = CF_MEDIA_SESSION (object);

	cf_media_session_stop (self);
	G_OBJECT_CLASS (cf_media_session_parent_class)->dispose (object);
}

static void
cf_media_session_finalize (GObject *object)
{
	CfMediaSession *self = CF_MEDIA_SESSION (object);

	g_clear_pointer (&self->thread, cf_media_thread_unref);
	g_clear_pointer (&self->main_context, g_main_context_unref);
	g_free (self->local_address);
	g_free (self->source);
	g_free (self->sink);
	g_free (self->name_suffix);
	g_clear_pointer (&self->offered, g_ptr_array_unref);
	g_clear_pointer (&self->chosen_remote, cf_sdes_crypto_free);
	g_clear_pointer (&self->chosen_local, cf_sdes_crypto_free);
	g_strfreev (self->ice_candidates);
	g_free (self->ice_ufrag);
	g_free (self->ice_pwd);
	G_OBJECT_CLASS (cf_media_session_parent_class)->finalize (object);
}

static void
cf_media_session_class_init (CfMediaSessionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_media_session_dispose;
	object_class->finalize = cf_media_session_finalize;

	signals[SIGNAL_MEDIA_STARTED] = g_signal_new ("media-started",
						      G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST,
						      0, NULL, NULL, NULL,
						      G_TYPE_NONE, 0);
	signals[SIGNAL_DTMF_RECEIVED] = g_signal_new ("dtmf-received",
						      G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST,
						      0, NULL, NULL, NULL,
						      G_TYPE_NONE, 1, G_TYPE_STRING);
	signals[SIGNAL_INBAND_PACKET] = g_signal_new ("inband-packet",
						      G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST,
						      0, NULL, NULL, NULL,
						      G_TYPE_NONE, 1, G_TYPE_BYTES);
	signals[SIGNAL_TRANSPORT_CONNECTED] = g_signal_new ("transport-connected",
							   G_TYPE_FROM_CLASS (klass),
							   G_SIGNAL_RUN_LAST,
							   0, NULL, NULL, NULL,
							   G_TYPE_NONE, 0);
	signals[SIGNAL_MEDIA_TIMEOUT] = g_signal_new ("media-timeout",
						      G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST,
						      0, NULL, NULL, NULL,
						      G_TYPE_NONE, 0);
}
