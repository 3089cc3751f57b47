/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp"

#include "cf-zrtp-channel.h"
#include "cf-zrtp-packet.h"

#include <sodium.h>
#include <string.h>

/* The whole agreement: the RFC's timers give up after about 4 s (Hello) and
 * 9 s (Commit, DHPart2, Confirm2), but a responder has no timer of its own
 * (RFC 6189 §6) and would wait for ever on an initiator that went silent. */
#define CF_ZRTP_CHANNEL_TIMEOUT_S 20

struct _CfZrtpChannel {
	GObject parent_instance;

	CfMediaSession *media;
	CfZrtpEngine *engine;
	gulong packet_handler;
	gulong connected_handler;
	guint timer;
	guint guard; /* CF_ZRTP_CHANNEL_TIMEOUT_S */
	gboolean started;
	gboolean stopped;
	gboolean secure;
};

enum {
	SIGNAL_SECURE,
	SIGNAL_FAILED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfZrtpChannel, cf_zrtp_channel, G_TYPE_OBJECT)

static void run (CfZrtpChannel *self);
static void on_transport_connected (CfMediaSession *media, gpointer user_data);

static gboolean
on_timer (gpointer user_data)
{
	CfZrtpChannel *self = CF_ZRTP_CHANNEL (user_data);

	self->timer = 0;
	cf_zrtp_engine_timeout (self->engine, g_get_monotonic_time ());
	run (self);
	return G_SOURCE_REMOVE;
}

/* The message type block of a ZRTP packet ("Hello   "), for debug logs. */
static void
log_packet (const char *direction, GBytes *packet)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (packet, &len);
	char type[9] = "?";

	if (len >= CF_ZRTP_PACKET_HEADER_LEN + CF_ZRTP_MESSAGE_HEADER_LEN) {
		for (guint i = 0; i < 8; i++) {
			guint8 c = data[CF_ZRTP_PACKET_HEADER_LEN + 4 + i];
			type[i] = g_ascii_isprint (c) ? (char)c : '.';
		}
		type[8] = '\0';
		g_strchomp (type);
	}
	g_debug ("ZRTP %s %s (%" G_GSIZE_FORMAT " bytes)", direction, type, len);
}

static gboolean
on_guard (gpointer user_data)
{
	CfZrtpChannel *self = CF_ZRTP_CHANNEL (user_data);

	self->guard = 0;
	if (self->secure || self->stopped)
		return G_SOURCE_REMOVE;
	g_info ("ZRTP did not complete in %d s", CF_ZRTP_CHANNEL_TIMEOUT_S);
	cf_zrtp_channel_stop (self);
	g_signal_emit (self,
		       signals[SIGNAL_FAILED],
		       0,
		       cf_zrtp_failure_to_string (CF_ZRTP_FAILURE_TIMEOUT));
	return G_SOURCE_REMOVE;
}

static gboolean
srtp_suite (const CfZrtpSrtpKeys *keys, CfSrtpSuite *ret_suite)
{
	if (keys->key_len == 16)
		*ret_suite = keys->hs32 ? CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32
					: CF_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80;
	else if (keys->key_len == 32)
		*ret_suite = keys->hs32 ? CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32
					: CF_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80;
	else
		return FALSE;
	return keys->salt_len == cf_srtp_suite_get_salt_length (*ret_suite);
}

static CfSrtpSession *
make_session (CfSrtpDirection direction,
	      CfSrtpSuite suite,
	      const guint8 *key,
	      const guint8 *salt,
	      const CfZrtpSrtpKeys *keys,
	      GError **error)
{
	guint8 key_salt[CF_SRTP_MAX_KEY_SALT_LENGTH];
	CfSrtpSession *session;

	memcpy (key_salt, key, keys->key_len);
	memcpy (key_salt + keys->key_len, salt, keys->salt_len);
	session = cf_srtp_session_new (
		direction, suite, key_salt, keys->key_len + keys->salt_len, NULL, 0, error);
	sodium_memzero (key_salt, sizeof key_salt);
	return session;
}

/* The engine says secure: SRTP from its keys, into the media session. */
static gboolean
install_keys (CfZrtpChannel *self, GError **error)
{
	g_autoptr (CfZrtpSrtpKeys) keys = cf_zrtp_engine_get_srtp_keys (self->engine);
	g_autoptr (CfSrtpSession) tx = NULL;
	g_autoptr (CfSrtpSession) rx = NULL;
	CfSrtpSuite suite;

	if (keys == NULL || !srtp_suite (keys, &suite)) {
		g_set_error_literal (
			error, CF_MEDIA_ERROR, 0, "the agreed SRTP keys have no SRTP suite");
		return FALSE;
	}
	tx = make_session (
		CF_SRTP_DIRECTION_OUTBOUND, suite, keys->tx_key, keys->tx_salt, keys, error);
	if (tx == NULL)
		return FALSE;
	rx = make_session (
		CF_SRTP_DIRECTION_INBOUND, suite, keys->rx_key, keys->rx_salt, keys, error);
	if (rx == NULL)
		return FALSE;
	cf_media_session_set_srtp (self->media, g_steal_pointer (&tx), g_steal_pointer (&rx));
	return TRUE;
}

/* Sends what the engine queued, handles its events, rearms the timer. */
static void
run (CfZrtpChannel *self)
{
	g_autoptr (GObject) keep = g_object_ref (G_OBJECT (self));
	GBytes *packet;
	CfZrtpEvent event;
	gint64 deadline;

	while ((packet = cf_zrtp_engine_pop_packet (self->engine)) != NULL) {
		if (!self->stopped) {
			log_packet ("->", packet);
			cf_media_session_send_inband (self->media, packet);
		}
		g_bytes_unref (packet);
	}
	while (!self->stopped && cf_zrtp_engine_pop_event (self->engine, &event)) {
		if (event.type == CF_ZRTP_EVENT_SECURE) {
			g_autoptr (GError) error = NULL;

			if (!install_keys (self, &error)) {
				g_warning ("ZRTP: %s", error->message);
				self->stopped = TRUE;
				g_signal_emit (self, signals[SIGNAL_FAILED], 0, "srtp");
				break;
			}
			self->secure = TRUE;
			g_clear_handle_id (&self->guard, g_source_remove);
			g_signal_emit (self, signals[SIGNAL_SECURE], 0);
		} else {
			const char *reason = cf_zrtp_failure_to_string (event.failure);

			g_info ("ZRTP failed: %s (error code 0x%x)", reason, event.error_code);
			self->stopped = TRUE;
			g_signal_emit (self, signals[SIGNAL_FAILED], 0, reason);
		}
	}
	if (self->timer != 0) {
		g_source_remove (self->timer);
		self->timer = 0;
	}
	deadline = cf_zrtp_engine_get_deadline (self->engine);
	if (!self->stopped && deadline >= 0) {
		gint64 wait_ms = (deadline - g_get_monotonic_time () + 999) / 1000;

		self->timer = g_timeout_add ((guint)CLAMP (wait_ms, 0, G_MAXINT), on_timer, self);
	}
}

static void
on_inband_packet (CfMediaSession *media, GBytes *packet, gpointer user_data)
{
	CfZrtpChannel *self = CF_ZRTP_CHANNEL (user_data);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (packet, &len);

	if (self->stopped || !self->started)
		return;
	log_packet ("<-", packet);
	/* A packet from the peer: the path works, whatever ICE says yet. */
	if (cf_zrtp_engine_get_state (self->engine) == CF_ZRTP_ENGINE_STATE_IDLE)
		on_transport_connected (self->media, self);
	cf_zrtp_engine_receive (self->engine, data, len, g_get_monotonic_time ());
	run (self);
}

CfZrtpChannel *
cf_zrtp_channel_new (CfMediaSession *media, const CfZrtpEngineConfig *config, GError **error)
{
	g_autoptr (CfZrtpChannel) self = g_object_new (CF_TYPE_ZRTP_CHANNEL, NULL);

	self->engine = cf_zrtp_engine_new (config, error);
	if (self->engine == NULL)
		return NULL;
	self->media = g_object_ref (media);
	return g_steal_pointer (&self);
}

char *
cf_zrtp_channel_get_hash_attribute (CfZrtpChannel *self)
{
	return cf_zrtp_engine_get_zrtp_hash_attribute (self->engine);
}

gboolean
cf_zrtp_channel_set_peer_hash (CfZrtpChannel *self, const char *value)
{
	return cf_zrtp_engine_set_peer_hello_hash (self->engine, value);
}

static void
on_transport_connected (CfMediaSession *media, gpointer user_data)
{
	CfZrtpChannel *self = CF_ZRTP_CHANNEL (user_data);

	g_clear_signal_handler (&self->connected_handler, self->media);
	if (self->stopped)
		return;
	cf_zrtp_engine_start (self->engine, g_get_monotonic_time ());
	run (self);
}

void
cf_zrtp_channel_start (CfZrtpChannel *self)
{
	if (self->started || self->stopped)
		return;
	self->started = TRUE;
	self->packet_handler = g_signal_connect (
		self->media, "inband-packet", G_CALLBACK (on_inband_packet), self);
	self->guard = g_timeout_add_seconds (CF_ZRTP_CHANNEL_TIMEOUT_S, on_guard, self);
	/* Our first Hello when it can get through: a Hello sent while ICE
	 * still checks is lost, and the next comes 50-200 ms later. A peer's
	 * Hello may come first: the engine takes it once started. */
	if (cf_media_session_is_transport_connected (self->media))
		on_transport_connected (self->media, self);
	else
		self->connected_handler = g_signal_connect (self->media,
							    "transport-connected",
							    G_CALLBACK (on_transport_connected),
							    self);
}

void
cf_zrtp_channel_stop (CfZrtpChannel *self)
{
	self->stopped = TRUE;
	g_clear_handle_id (&self->timer, g_source_remove);
	g_clear_handle_id (&self->guard, g_source_remove);
	g_clear_signal_handler (&self->packet_handler, self->media);
	g_clear_signal_handler (&self->connected_handler, self->media);
}

gboolean
cf_zrtp_channel_is_secure (CfZrtpChannel *self)
{
	return self->secure;
}

gboolean
cf_zrtp_channel_get_result (CfZrtpChannel *self, CfZrtpResult *ret_result)
{
	return self->secure && cf_zrtp_engine_get_result (self->engine, ret_result);
}

gboolean
cf_zrtp_channel_get_new_rs1 (CfZrtpChannel *self, guint8 out[CF_ZRTP_HASH_LEN])
{
	return self->secure && cf_zrtp_engine_get_new_rs1 (self->engine, out);
}

static void
cf_zrtp_channel_init (CfZrtpChannel *self)
{
}

static void
cf_zrtp_channel_dispose (GObject *object)
{
	CfZrtpChannel *self = CF_ZRTP_CHANNEL (object);

	if (self->media != NULL)
		cf_zrtp_channel_stop (self);
	g_clear_object (&self->media);
	G_OBJECT_CLASS (cf_zrtp_channel_parent_class)->dispose (object);
}

static void
cf_zrtp_channel_finalize (GObject *object)
{
	CfZrtpChannel *self = CF_ZRTP_CHANNEL (object);

	g_clear_pointer (&self->engine, cf_zrtp_engine_free);
	G_OBJECT_CLASS (cf_zrtp_channel_parent_class)->finalize (object);
}

static void
cf_zrtp_channel_class_init (CfZrtpChannelClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_zrtp_channel_dispose;
	object_class->finalize = cf_zrtp_channel_finalize;

	signals[SIGNAL_SECURE] = g_signal_new ("secure",
					       G_TYPE_FROM_CLASS (klass),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       0);
	signals[SIGNAL_FAILED] = g_signal_new ("failed",
					       G_TYPE_FROM_CLASS (klass),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       1,
					       G_TYPE_STRING);
}
