/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-call"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "cf-call-private.h"

typedef char CfSecret;
#include "cf-error.h"
#include "cf-features.h"
#include "cf-redact.h"
#include "cf-media-session.h"
#include "cf-sdp-negotiate.h"
#include "cf-sip-auth.h"
#include "cf-sip-contact.h"
#include "cf-sip-dialog.h"
#include "cf-zrtp-channel.h"
#include "cf-zrtp-sas.h"

#define CF_SDP_ZRTP_HASH "zrtp-hash"
/* Why we do not offer end-to-end encryption, so that the other side can
 * say why (R6): local-disabled, admin-disabled or compliance-recording. */
#define CF_SDP_E2EE_REASON "x-confab-e2ee"

#define CF_USER_AGENT_STRING "Confab/" PACKAGE_VERSION
#define CF_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE"
#define CF_ACK_WAIT_MS (64 * CF_SIP_DEFAULT_T1_MS)

struct _CfCall {
	GObject parent_instance;

	guint id;
	CfCallState state;
	char *end_reason;
	CfCallDirection direction;
	char *remote_uri;
	char *remote_name;
	gboolean remote_held;
	gboolean muted;
	guint64 ring_time;
	guint64 start_time;
	guint64 end_time;
	GStrv features;

	CfSipStack *stack;
	CfSettings *settings;
	char *target_uri; /* outgoing: what was dialled */
	char *call_id;
	char *local_tag;
	char *contact; /* our Contact URI */
	CfSipDialog *dialog;
	CfSdpNegotiator *sdp;
	CfMediaSession *media;
	gboolean signaling_secure; /* the signaling to the peer's first hop is TLS */
	char *encryption;
	/* Incoming: what the answer agreed, applied to the media on Answer. */
	CfSdpNegotiation *pending_result;
	CfSdpSession *pending_remote;

	/* Outgoing INVITE. */
	char *offer; /* the SDP offer of the INVITE, sent again with credentials */
	guint32 invite_cseq;
	CfSipAuthSession *auth; /* nullable: digest credentials for 401/407 */
	gboolean auth_tried;
	gboolean savp_retry; /* a 488 to RTP/AVP with keys: offered RTP/SAVP again */
	CfSipMessage *invite;
	CfSipClientTransaction *invite_transaction;
	GCancellable *resolving;
	GCancellable *preparing; /* the media session is being made */
	char *media_host;	 /* our address in the SDP */
	gboolean ready;		 /* incoming: ringing, to be announced */
	gboolean cancelled;
	CfSipMessage *ack; /* the ACK for the last 2xx, sent again on a retransmitted 2xx */

	/* Incoming INVITE, and 2xx responses waiting for their ACK. */
	CfSipServerTransaction *invite_server;
	CfSdpSession *prepared_answer;
	CfSipMessage *ok;
	CfSipFlow *ok_flow;
	guint ok_timer;
	guint ok_interval;
	guint ok_elapsed;
	gboolean offer_in_ok; /* our 2xx carried an offer: the ACK carries the answer */

	/* Re-INVITE we sent (hold, resume). */
	CfSipClientTransaction *reinvite;
	GTask *reinvite_task;
	CfCallState reinvite_state; /* the state it leads to */

	guint no_answer_timer;
	guint stats_timer;
	GVariant *stats; /* a{sv} */
	CfAudioStreamStats last_stats;
	gint64 last_stats_time;
	char *codec;

	/* End-to-end encryption (ZRTP). */
	char *e2ee_local_reason;    /* "" or why we do not offer it */
	gboolean compliance_recording;
	CfZrtpCache *zrtp_cache;    /* nullable */
	guint8 zid[CF_ZRTP_ZID_LEN];
	CfZrtpChannel *zrtp;        /* we offer it, or it runs */
	gboolean e2ee_decided;      /* the peer's first SDP was seen */
	gboolean end_to_end;        /* ZRTP keys the media */
	char *e2ee_reason;
	char *security_code;
	char *sas;
	char *key_continuity;
	gboolean verified;
	guint8 peer_zid[CF_ZRTP_ZID_LEN];
};

enum {
	PROP_0,
	PROP_ID,
	PROP_STATE,
	PROP_END_REASON,
	PROP_DIRECTION,
	PROP_REMOTE_URI,
	PROP_REMOTE_NAME,
	PROP_REMOTE_HELD,
	PROP_START_TIME,
	PROP_FEATURES,
	PROP_ENCRYPTION,
	PROP_MUTED,
	PROP_STATS,
	PROP_END_TO_END_REASON,
	PROP_SECURITY_CODE,
	PROP_SAS,
	PROP_VERIFIED,
	PROP_KEY_CONTINUITY,
	N_PROPS,
};

enum {
	SIGNAL_MESSAGE_RECEIVED,
	SIGNAL_ENDED,
	SIGNAL_DTMF_RECEIVED,
	SIGNAL_READY,
	N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfCall, cf_call, G_TYPE_OBJECT)

static void send_bye (CfCall *self);
/* The BYE that ends a call whose end-to-end encryption failed or was
 * dropped says so (RFC 3326), so that the other side shows it too and not a
 * plain hang-up: the ZRTP Error message may arrive after the BYE, or never. */
#define CF_REASON_E2EE_FAILED "SIP;cause=488;text=\"e2ee-failed\""
#define CF_REASON_E2EE_DOWNGRADE "SIP;cause=488;text=\"e2ee-downgrade\""

static void send_bye_with_reason (CfCall *self, const char *reason);

static void send_invite (CfCall *self, CfSipMessage *challenge);
static gboolean on_stats_timer (gpointer user_data);

/* ---- logging: every message names the call, with a CALL_ID= field ---- */

G_GNUC_PRINTF (3, 4)
static void
call_log (CfCall *self, GLogLevelFlags level, const char *format, ...)
{
	g_autofree char *text = NULL;
	g_autofree char *message = NULL;
	g_autofree char *id = g_strdup_printf ("%u", self->id);
	va_list args;
	const GLogField fields[] = {
		{ "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
		{ "CALL_ID", id, -1 },
		{ "MESSAGE", NULL, -1 },
	};
	GLogField f[G_N_ELEMENTS (fields)];

	va_start (args, format);
	text = g_strdup_vprintf (format, args);
	va_end (args);
	message = g_strdup_printf ("call %u: %s", self->id, text);
	memcpy (f, fields, sizeof (fields));
	f[2].value = message;
	g_log_structured_array (level, f, G_N_ELEMENTS (f));
}

/* ---- names ---- */

const char *
cf_call_state_to_string (CfCallState state)
{
	switch (state) {
	case CF_CALL_STATE_DIALING:
		return "dialing";
	case CF_CALL_STATE_RINGING:
		return "ringing";
	case CF_CALL_STATE_INCOMING:
		return "incoming";
	case CF_CALL_STATE_ACTIVE:
		return "active";
	case CF_CALL_STATE_HELD:
		return "held";
	case CF_CALL_STATE_ENDED:
		return "ended";
	}
	return "unknown";
}

const char *
cf_call_direction_to_string (CfCallDirection direction)
{
	return direction == CF_CALL_DIRECTION_INCOMING ? "incoming" : "outgoing";
}

/* ---- state ---- */

static void
update_features (CfCall *self)
{
	CfFeatureSet possible = 0;
	g_auto (GStrv) features = NULL;

	if (self->state == CF_CALL_STATE_ACTIVE || self->state == CF_CALL_STATE_HELD)
		possible |= CF_FEATURE_BIT (CF_FEATURE_CHAT);
	if (self->state == CF_CALL_STATE_ACTIVE && self->media != NULL
	    && cf_media_session_has_dtmf (self->media))
		possible |= CF_FEATURE_BIT (CF_FEATURE_DTMF);
	features = cf_features_list (self->end_to_end, possible);
	if (g_strv_equal ((const char *const *) features, (const char *const *) self->features))
		return;
	g_strfreev (self->features);
	self->features = g_steal_pointer (&features);
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FEATURES]);
}

static void
set_state (CfCall *self, CfCallState state)
{
	if (self->state == state)
		return;
	call_log (self,
		  G_LOG_LEVEL_INFO,
		  "%s -> %s",
		  cf_call_state_to_string (self->state),
		  cf_call_state_to_string (state));
	self->state = state;
	if ((state == CF_CALL_STATE_ACTIVE || state == CF_CALL_STATE_HELD) && self->start_time == 0) {
		self->start_time = g_get_real_time ();
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_START_TIME]);
	}
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
	update_features (self);
}

static void
set_remote_held (CfCall *self, gboolean held)
{
	if (self->remote_held == held)
		return;
	self->remote_held = held;
	call_log (self, G_LOG_LEVEL_INFO, "the other side %s", held ? "holds the call" : "resumed");
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REMOTE_HELD]);
}

static void
stop_ok_retransmission (CfCall *self)
{
	g_clear_handle_id (&self->ok_timer, g_source_remove);
	g_clear_pointer (&self->ok, cf_sip_message_unref);
	g_clear_pointer (&self->ok_flow, cf_sip_flow_free);
}

static void
fail_reinvite_task (CfCall *self, const char *why)
{
	g_autoptr (GTask) task = g_steal_pointer (&self->reinvite_task);

	if (task != NULL)
		g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "%s", why);
}

static void set_e2ee_reason (CfCall *self, const char *reason);

/* The call is over: whatever comes later only cleans up. */
static void
end (CfCall *self, const char *reason)
{
	if (self->state == CF_CALL_STATE_ENDED)
		return;
	call_log (self, G_LOG_LEVEL_INFO, "ended: %s", reason);
	g_object_freeze_notify (G_OBJECT (self));
	g_free (self->end_reason);
	self->end_reason = g_strdup (reason);
	self->end_time = g_get_real_time ();
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_END_REASON]);
	/* It ended before the keys were agreed: end-to-end it never was. */
	if (g_strcmp0 (self->e2ee_reason, "negotiating") == 0 && self->zrtp != NULL && self->start_time != 0)
		set_e2ee_reason (self, "failed");
	set_state (self, CF_CALL_STATE_ENDED);
	set_remote_held (self, FALSE);
	g_object_thaw_notify (G_OBJECT (self));

	g_clear_handle_id (&self->no_answer_timer, g_source_remove);
	if (self->stats_timer != 0)
		on_stats_timer (self); /* the final figures */
	g_clear_handle_id (&self->stats_timer, g_source_remove);
	stop_ok_retransmission (self);
	if (self->resolving != NULL)
		g_cancellable_cancel (self->resolving);
	if (self->preparing != NULL)
		g_cancellable_cancel (self->preparing);
	fail_reinvite_task (self, "the call ended");
	if (self->zrtp != NULL)
		cf_zrtp_channel_stop (self->zrtp);
	if (self->media != NULL)
		cf_media_session_stop (self->media);
	g_signal_emit (self, signals[SIGNAL_ENDED], 0);
}

/* ---- helpers ---- */

static char *
make_contact (CfCall *self, const CfSipDestination *dest, char **ret_host, GError **error)
{
	const char *account = cf_settings_get_account_uri (self->settings);
	g_autoptr (CfSipUri) uri = account != NULL ? cf_sip_uri_parse (account, NULL) : NULL;

	return cf_sip_contact_for_destination (cf_sip_stack_get_transport (self->stack),
					       dest,
					       uri != NULL ? uri->user : NULL,
					       ret_host,
					       error);
}

static void on_media_timeout (CfMediaSession *media, gpointer user_data);
static void on_media_started (CfMediaSession *media, gpointer user_data);
static void on_dtmf_received (CfMediaSession *media, const char *digit, gpointer user_data);

/* The media session (it binds the RTP port our SDP names) and the SDP
 * negotiator of the call. */
/* The TURN password, from [media] turn-password-file. (transfer full)
 * Wipe it after use. */
static char *
read_turn_password (CfCall *self, GError **error)
{
	const char *path = cf_settings_get_turn_password_file (self->settings);
	char *password = NULL;
	gsize len = 0;

	if (cf_settings_get_turn_server (self->settings) == NULL || path == NULL)
		return NULL;
	if (!g_file_get_contents (path, &password, &len, error)) {
		g_prefix_error (error, "turn-password-file: ");
		return NULL;
	}
	g_strchomp (password);
	return password;
}

static void
wipe_free (char *secret)
{
	if (secret != NULL)
		explicit_bzero (secret, strlen (secret));
	g_free (secret);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSecret, wipe_free)

static CfSdpLocalMedia *local_audio (CfCall *self);
static void on_zrtp_secure (CfZrtpChannel *channel, gpointer user_data);
static void on_zrtp_failed (CfZrtpChannel *channel, const char *reason, gpointer user_data);

static void
set_string_property (CfCall *self, char **field, const char *value, guint prop)
{
	if (g_strcmp0 (*field, value) == 0)
		return;
	g_free (*field);
	*field = g_strdup (value);
	g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
set_e2ee_reason (CfCall *self, const char *reason)
{
	if (g_strcmp0 (self->e2ee_reason, reason) != 0)
		call_log (self, G_LOG_LEVEL_INFO, "end-to-end: %s", *reason ? reason : "on");
	set_string_property (self, &self->e2ee_reason, reason, PROP_END_TO_END_REASON);
}

/* Our side of E2EE in the SDP, before the first offer or answer: a=zrtp-hash
 * when R1-R3 allow it (DESIGN.md §3), else why not. */
static gboolean
prepare_e2ee (CfCall *self, GError **error)
{
	CfSdpAttributes *attrs = cf_sdp_local_media_get_attributes (cf_sdp_negotiator_find_media (self->sdp, "audio"));
	g_autofree char *hash = NULL;
	CfZrtpEngineConfig config = {
		.ssrc = g_random_int (),
		.client_id = "Confab " PACKAGE_VERSION,
		.lookup = self->zrtp_cache != NULL ? cf_zrtp_cache_lookup_func : NULL,
		.lookup_data = self->zrtp_cache,
	};

	if (self->compliance_recording)
		cf_sdp_attributes_add (attrs, "record", "on");
	if (*self->e2ee_local_reason != '\0') {
		cf_sdp_attributes_add (attrs, CF_SDP_E2EE_REASON, self->e2ee_local_reason);
		set_e2ee_reason (self, self->e2ee_local_reason);
		return TRUE;
	}
	memcpy (config.zid, self->zid, sizeof config.zid);
	config.n_key_agreements = cf_settings_get_zrtp_key_agreements (self->settings, config.key_agreements);
	self->zrtp = cf_zrtp_channel_new (self->media, &config, error);
	if (self->zrtp == NULL)
		return FALSE;
	g_signal_connect_object (self->zrtp, "secure", G_CALLBACK (on_zrtp_secure), self, 0);
	g_signal_connect_object (self->zrtp, "failed", G_CALLBACK (on_zrtp_failed), self, 0);
	hash = cf_zrtp_channel_get_hash_attribute (self->zrtp);
	cf_sdp_attributes_add (attrs, CF_SDP_ZRTP_HASH, hash);
	set_e2ee_reason (self, "negotiating");
	return TRUE;
}

/* An attribute of the first audio section of @sdp, or of the session. */
static const char *
remote_audio_attribute (const CfSdpSession *sdp, const char *name)
{
	CfSdpSession *s = (CfSdpSession *) sdp;
	const char *value;

	for (guint i = 0; i < cf_sdp_session_get_n_media (s); i++) {
		CfSdpMedia *m = cf_sdp_session_get_media (s, i);
		if (g_str_equal (cf_sdp_media_get_media_type (m), "audio") && cf_sdp_media_get_port (m) != 0) {
			value = cf_sdp_attributes_lookup (cf_sdp_media_get_attributes (m), name);
			if (value != NULL)
				return value;
			break;
		}
	}
	return cf_sdp_attributes_lookup (cf_sdp_session_get_attributes (s), name);
}

/* Why the peer's SDP has no a=zrtp-hash, from its point of view (R6). */
static const char *
remote_e2ee_reason (const CfSdpSession *remote)
{
	const char *why = remote_audio_attribute (remote, CF_SDP_E2EE_REASON);
	const char *record = remote_audio_attribute (remote, "record");

	if (g_strcmp0 (why, "admin-disabled") == 0)
		return "admin-disabled";
	if (g_strcmp0 (why, "compliance-recording") == 0 || g_strcmp0 (record, "on") == 0)
		return "compliance-recording";
	if (g_strcmp0 (why, "local-disabled") == 0)
		return "remote-disabled";
	return "peer-unsupported";
}

/* The peer's SDP (offer or answer). The first one decides whether ZRTP
 * keys the media (both advertised a=zrtp-hash: R4); a later one without
 * a=zrtp-hash in an end-to-end call is a downgrade: FALSE (R10). */
static gboolean
e2ee_remote_sdp (CfCall *self, const CfSdpSession *remote)
{
	const char *hash = remote_audio_attribute (remote, CF_SDP_ZRTP_HASH);

	if (self->e2ee_decided)
		return self->zrtp == NULL || hash != NULL;
	self->e2ee_decided = TRUE;
	if (self->zrtp != NULL && hash != NULL && cf_zrtp_channel_set_peer_hash (self->zrtp, hash)) {
		cf_media_session_set_inband_keying (self->media, TRUE);
		return TRUE;
	}
	if (self->zrtp != NULL) {
		/* The peer does not do it: standard encryption, and our answer
		 * does not pretend otherwise. */
		cf_sdp_attributes_remove (cf_sdp_local_media_get_attributes (local_audio (self)), CF_SDP_ZRTP_HASH);
		cf_zrtp_channel_stop (self->zrtp);
		g_clear_object (&self->zrtp);
		if (hash != NULL)
			call_log (self, G_LOG_LEVEL_WARNING, "the other side's a=zrtp-hash is malformed");
	}
	set_e2ee_reason (self, *self->e2ee_local_reason != '\0' ? self->e2ee_local_reason : remote_e2ee_reason (remote));
	return TRUE;
}

/* Makes the media session (it binds the RTP port our SDP names and gathers
 * the ICE candidates, on the media thread); @callback gets the call and
 * finishes with media_ready(). */
static void
start_media (CfCall *self, const char *host, GAsyncReadyCallback callback)
{
	g_autofree char *suffix = g_strdup_printf ("call%u", self->id);
	g_autoptr (GError) turn_error = NULL;
	g_autoptr (CfSecret) turn_password = read_turn_password (self, &turn_error);
	CfMediaConfig config = {
		.local_address = host,
		.ice = TRUE,
		/* RFC 8445 §6.1.1: the offerer controls. */
		.controlling = self->direction == CF_CALL_DIRECTION_OUTGOING,
		.local_addresses = cf_settings_get_local_addresses (self->settings),
		.stun_server = cf_settings_get_stun_server (self->settings),
		.turn_server = turn_password != NULL ? cf_settings_get_turn_server (self->settings) : NULL,
		.turn_username = cf_settings_get_turn_username (self->settings),
		.turn_password = turn_password,
		.source = cf_settings_get_audio_source (self->settings),
		.sink = cf_settings_get_audio_sink (self->settings),
		.name_suffix = suffix,
		.allow_plain = cf_settings_get_allow_plain_rtp (self->settings),
		.media_timeout = cf_settings_get_media_timeout (self->settings),
	};

	if (turn_error != NULL)
		call_log (self, G_LOG_LEVEL_WARNING, "no TURN relay: %s", turn_error->message);
	g_free (self->media_host);
	self->media_host = g_strdup (host);
	self->preparing = g_cancellable_new ();
	cf_media_session_new_async (&config, self->preparing, callback, g_object_ref (self));
}

/* The media session is there: the SDP negotiator of the call, and our side
 * of E2EE. FALSE without @error when the call ended meanwhile. */
static gboolean
media_ready (CfCall *self, GAsyncResult *result, GError **error)
{
	g_autoptr (CfMediaSession) media = cf_media_session_new_finish (result, error);

	g_clear_object (&self->preparing);
	if (self->state == CF_CALL_STATE_ENDED) {
		g_clear_error (error);
		return FALSE;
	}
	if (media == NULL)
		return FALSE;
	self->media = g_steal_pointer (&media);
	g_signal_connect_object (self->media, "media-timeout", G_CALLBACK (on_media_timeout), self, 0);
	g_signal_connect_object (self->media, "media-started", G_CALLBACK (on_media_started), self, 0);
	g_signal_connect_object (self->media, "dtmf-received", G_CALLBACK (on_dtmf_received), self, 0);
	self->sdp = cf_sdp_negotiator_new ("confab", self->media_host);
	cf_sdp_negotiator_add_media (self->sdp,
				     cf_sdp_local_media_new_audio (cf_media_session_get_port (self->media)));
	return prepare_e2ee (self, error);
}

static CfSdpLocalMedia *
local_audio (CfCall *self)
{
	return cf_sdp_negotiator_find_media (self->sdp, "audio");
}

/* An offer, with our SRTP keys. (transfer full) */
static CfSdpSession *
create_offer (CfCall *self, GError **error)
{
	if (!cf_media_session_prepare_offer (self->media, local_audio (self), error))
		return NULL;
	/* ZRTP runs on RTP/AVP (RFC 6189 §1): a ZRTP phone (linphonec) declines
	 * RTP/SAVP. Our SDES keys stay as a fallback; no key, no call. */
	if (*self->e2ee_local_reason == '\0') {
		cf_sdp_local_media_set_proto (local_audio (self), "RTP/AVP");
		cf_sdp_local_media_accept_proto (local_audio (self), "RTP/AVP");
	}
	/* A peer that speaks SRTP only refused keys on RTP/AVP (RFC 4568 §6
	 * keeps them to RTP/SAVP): the same keys on RTP/SAVP. */
	if (self->savp_retry)
		cf_sdp_local_media_set_proto (local_audio (self), "RTP/SAVP");
	return cf_sdp_negotiator_create_offer (self->sdp, error);
}

/* The answer to @offer, keyed from it. (transfer full) */
static CfSdpSession *
create_answer (CfCall *self, const CfSdpSession *offer, CfSdpNegotiation **ret_result, GError **error)
{
	e2ee_remote_sdp (self, offer);
	if (!cf_media_session_prepare_answer (self->media, offer, local_audio (self), error))
		return NULL;
	return cf_sdp_negotiator_create_answer (self->sdp, offer, ret_result, error);
}

static void
update_encryption (CfCall *self)
{
	const char *value = "";

	if (self->end_to_end) {
		value = "end-to-end";
	} else if (cf_media_session_is_running (self->media)
		   && cf_media_session_get_encryption (self->media) == CF_MEDIA_ENCRYPTION_INBAND) {
		value = ""; /* ZRTP is running: nothing flows yet */
	} else if (cf_media_session_is_running (self->media)) {
		if (cf_media_session_get_encryption (self->media) == CF_MEDIA_ENCRYPTION_NONE)
			value = "none";
		else
			/* SDES keys are only as safe as the signaling they crossed. */
			value = self->signaling_secure ? "standard" : "unprotected-keys";
	}
	if (g_strcmp0 (self->encryption, value) == 0)
		return;
	g_free (self->encryption);
	self->encryption = g_strdup (value);
	call_log (self, G_LOG_LEVEL_INFO, "encryption: %s", *value ? value : "(none yet)");
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ENCRYPTION]);
}

static void
set_sdp_body (CfSipMessage *msg, const CfSdpSession *sdp)
{
	g_autofree char *text = cf_sdp_session_print (sdp);

	cf_sip_message_set_body (msg, "application/sdp", text, strlen (text));
}

/* The SDP body of @msg, or NULL (no body, or not SDP). */
static CfSdpSession *
get_sdp_body (CfSipMessage *msg, GError **error)
{
	gsize len = 0;
	const char *body = cf_sip_message_get_body (msg, &len);
	const char *type = cf_sip_message_get_header (msg, "Content-Type");

	if (len == 0)
		return NULL;
	if (type == NULL || g_ascii_strncasecmp (type, "application/sdp", 15) != 0) {
		g_set_error (error, CF_ERROR, CF_ERROR_INVALID_ARGUMENT, "the body is not SDP");
		return NULL;
	}
	return cf_sdp_session_parse (body, len, error);
}

/* An exchange completed: @remote is the peer's SDP of it. Starts or
 * changes the media; FALSE (logged) when the media cannot run. */
static gboolean
apply_negotiation (CfCall *self, CfSdpNegotiation *result, const CfSdpSession *remote, gboolean local_offerer)
{
	const CfSdpStream *audio = cf_sdp_negotiation_find (result, "audio");
	g_autoptr (GError) error = NULL;

	if (audio != NULL) {
		call_log (self,
			  G_LOG_LEVEL_DEBUG,
			  "audio: %s/%u, we %s, they %s",
			  audio->codec != NULL ? audio->codec->encoding : "-",
			  audio->codec != NULL ? audio->codec->clock_rate : 0,
			  cf_sdp_direction_to_string (audio->local_direction),
			  cf_sdp_direction_to_string (audio->remote_direction));
		set_remote_held (self, audio->remote_hold);
	}
	if (!e2ee_remote_sdp (self, remote)) {
		call_log (self, G_LOG_LEVEL_WARNING, "the other side dropped end-to-end encryption: hanging up");
		send_bye_with_reason (self, CF_REASON_E2EE_DOWNGRADE);
		end (self, CF_END_E2EE_DOWNGRADE);
		return FALSE;
	}
	cf_media_session_set_muted (self->media, self->muted);
	if (!cf_media_session_apply (self->media, result, remote, local_offerer, &error)) {
		/* Not the SDP itself: its a=crypto lines hold keys. */
		call_log (self, G_LOG_LEVEL_WARNING, "media cannot start: %s", error->message);
		return FALSE;
	}
	if (self->zrtp != NULL)
		cf_zrtp_channel_start (self->zrtp);
	update_encryption (self);
	update_features (self);
	if (audio != NULL && audio->codec != NULL) {
		g_free (self->codec);
		self->codec = g_strdup_printf ("%s/%u", audio->codec->encoding, audio->codec->clock_rate);
	}
	if (self->stats_timer == 0) {
		self->last_stats_time = g_get_monotonic_time ();
		self->stats_timer = g_timeout_add_seconds (1, on_stats_timer, self);
	}
	return TRUE;
}

/* Once a second while the media runs: the Stats property (RFC 3550
 * receiver figures from the jitter buffer, rates from the byte counts). */
static gboolean
on_stats_timer (gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);
	CfAudioStreamStats now;
	gint64 t = g_get_monotonic_time ();
	double seconds = (t - self->last_stats_time) / (double) G_USEC_PER_SEC;
	guint64 expected;
	GVariantDict d;

	if (self->media == NULL || !cf_media_session_is_running (self->media))
		return G_SOURCE_CONTINUE;
	cf_media_session_get_stats (self->media, &now);
	expected = now.packets_received + now.lost;
	g_variant_dict_init (&d, NULL);
	g_variant_dict_insert (&d, "codec", "s", self->codec != NULL ? self->codec : "");
	g_variant_dict_insert (&d, "transport", "s", cf_media_session_uses_ice (self->media) ? "ice" : "rtp");
	g_variant_dict_insert (&d, "packets-sent", "t", now.packets_sent);
	g_variant_dict_insert (&d, "packets-received", "t", now.packets_received);
	g_variant_dict_insert (&d, "packets-lost", "t", now.lost);
	g_variant_dict_insert (&d, "packets-late", "t", now.late);
	g_variant_dict_insert (&d, "loss", "d", expected > 0 ? (double) now.lost / expected : 0.0);
	g_variant_dict_insert (&d, "jitter", "d", now.jitter_ms);
	g_variant_dict_insert (&d, "rtt", "d", now.rtt_ms);
	g_variant_dict_insert (&d, "playout-delay", "d", now.playout_delay_us / 1000.0);
	g_variant_dict_insert (&d, "srtp-forged", "t", now.srtp_forged);
	g_variant_dict_insert (&d, "srtp-replayed", "t", now.srtp_replayed);
	if (seconds > 0) {
		g_variant_dict_insert (&d, "bitrate-send", "u",
				       (guint32) ((now.bytes_sent - self->last_stats.bytes_sent) * 8 / seconds));
		g_variant_dict_insert (&d, "bitrate-receive", "u",
				       (guint32) ((now.bytes_received - self->last_stats.bytes_received) * 8 / seconds));
	}
	self->last_stats = now;
	self->last_stats_time = t;
	g_clear_pointer (&self->stats, g_variant_unref);
	self->stats = g_variant_ref_sink (g_variant_dict_end (&d));
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATS]);
	return G_SOURCE_CONTINUE;
}

/* The media failed at the start of the call: hang up. */
static void
fail_media (CfCall *self)
{
	if (self->state == CF_CALL_STATE_ENDED)
		return;
	send_bye (self);
	end (self, CF_END_MEDIA_FAILED);
}

static void
on_zrtp_secure (CfZrtpChannel *channel, gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);
	g_autoptr (GError) error = NULL;
	CfZrtpResult result;
	guint8 rs1[CF_ZRTP_HASH_LEN];
	CfZrtpCachedSecrets cached = { 0 };
	g_autofree char *code = NULL;
	g_autofree char *sas = NULL;
	const char *continuity;

	if (!cf_zrtp_channel_get_result (channel, &result))
		return;
	memcpy (self->peer_zid, result.peer_zid, sizeof self->peer_zid);
	continuity = result.continuity == CF_ZRTP_CONTINUITY_CONTINUED  ? "continued"
		     : result.continuity == CF_ZRTP_CONTINUITY_MISMATCH ? "mismatch"
									: "new";
	if (self->zrtp_cache != NULL && cf_zrtp_cache_lookup (self->zrtp_cache, result.peer_zid, &cached, NULL))
		self->verified = cached.verified;
	sodium_memzero (&cached, sizeof cached);
	if (result.continuity == CF_ZRTP_CONTINUITY_MISMATCH) {
		call_log (self,
			  G_LOG_LEVEL_WARNING,
			  "the other side's keys changed since the last call (ZRTP cache mismatch): "
			  "compare the security code again");
		self->verified = FALSE;
	}
	code = cf_zrtp_security_code (result.sashash);
	sas = strncmp (result.sas, "B256", 4) == 0 ? cf_zrtp_sas_b256 (result.sasvalue) : cf_zrtp_sas_b32 (result.sasvalue);
	call_log (self,
		  G_LOG_LEVEL_INFO,
		  "end-to-end encrypted (%s, %s, %s), key continuity %s",
		  result.multistream ? "Mult" : cf_zrtp_key_agreement_to_string (result.key_agreement),
		  result.cipher,
		  result.auth,
		  continuity);
	g_object_freeze_notify (G_OBJECT (self));
	self->end_to_end = TRUE;
	set_string_property (self, &self->security_code, code, PROP_SECURITY_CODE);
	set_string_property (self, &self->sas, sas, PROP_SAS);
	set_string_property (self, &self->key_continuity, continuity, PROP_KEY_CONTINUITY);
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_VERIFIED]);
	set_e2ee_reason (self, "");
	update_encryption (self);
	update_features (self);
	g_object_thaw_notify (G_OBJECT (self));

	/* The new retained secret (RFC 6189 §4.6.1), after the user was told:
	 * the write waits for the disk. A mismatch clears the verified mark. */
	if (self->zrtp_cache != NULL && cf_zrtp_channel_get_new_rs1 (channel, rs1)
	    && !cf_zrtp_cache_store_secret (self->zrtp_cache,
					    result.peer_zid,
					    rs1,
					    result.continuity == CF_ZRTP_CONTINUITY_MISMATCH,
					    &error))
		call_log (self, G_LOG_LEVEL_WARNING, "cannot keep the ZRTP secret: %s", error->message);
	sodium_memzero (rs1, sizeof rs1);
}

static void
on_zrtp_failed (CfZrtpChannel *channel, const char *reason, gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);

	if (self->state == CF_CALL_STATE_ENDED)
		return;
	/* R10: both asked for it; no silent fallback to standard encryption. */
	call_log (self, G_LOG_LEVEL_WARNING, "end-to-end encryption failed (%s): hanging up", reason);
	set_e2ee_reason (self, "failed");
	send_bye_with_reason (self, CF_REASON_E2EE_FAILED);
	end (self, CF_END_E2EE_FAILED);
}

static void
on_dtmf_received (CfMediaSession *media, const char *digit, gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);

	/* Digits can be PINs: never logged. */
	g_signal_emit (self, signals[SIGNAL_DTMF_RECEIVED], 0, digit);
}

/* The first packet arrived: Stats says so at once, then once a second. */
static void
on_media_started (CfMediaSession *media, gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);

	if (self->stats_timer == 0)
		return;
	g_source_remove (self->stats_timer);
	on_stats_timer (self);
	self->stats_timer = g_timeout_add_seconds (1, on_stats_timer, self);
}

static void
on_media_timeout (CfMediaSession *media, gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);

	if (self->state != CF_CALL_STATE_ACTIVE && self->state != CF_CALL_STATE_HELD)
		return;
	/* A phone that holds us with sendonly may well send nothing. */
	if (self->remote_held)
		return;
	call_log (self, G_LOG_LEVEL_WARNING, "no media from the other side: hanging up");
	send_bye (self);
	end (self, CF_END_MEDIA_TIMEOUT);
}

/* §12.1.1: a response that creates a dialog carries the request's
 * Record-Route, so that the caller learns the route set too. */
static void
copy_record_route (CfSipMessage *response, CfSipMessage *request)
{
	guint n = cf_sip_message_count_header (request, "Record-Route");

	for (guint i = 0; i < n; i++)
		cf_sip_message_add_header (response,
					   "Record-Route",
					   cf_sip_message_get_header_nth (request, "Record-Route", i));
}

static void
add_common_headers (CfSipMessage *msg)
{
	cf_sip_message_set_header (msg, "User-Agent", CF_USER_AGENT_STRING);
}

static void
respond (CfCall *self, CfSipServerTransaction *transaction, guint status, const char *reason)
{
	g_autoptr (GError) error = NULL;

	if (!cf_sip_server_transaction_respond_status (transaction, status, reason, self->local_tag, &error))
		call_log (self, G_LOG_LEVEL_DEBUG, "cannot answer %u: %s", status, error->message);
}

/* Fills @ok (a 2xx to an INVITE) with our Contact and SDP: the prepared
 * answer, or an offer when the INVITE had none. */
static gboolean
fill_ok (CfCall *self, CfSipMessage *ok, CfSdpSession *answer, GError **error)
{
	g_autofree char *contact = g_strdup_printf ("<%s>", self->contact);

	cf_sip_message_set_header (ok, "Contact", contact);
	cf_sip_message_set_header (ok, "Allow", CF_ALLOW);
	add_common_headers (ok);
	if (answer != NULL) {
		set_sdp_body (ok, answer);
		self->offer_in_ok = FALSE;
	} else {
		g_autoptr (CfSdpSession) offer = create_offer (self, error);
		if (offer == NULL)
			return FALSE;
		set_sdp_body (ok, offer);
		self->offer_in_ok = TRUE;
	}
	return TRUE;
}

/* RFC 3261 §13.3.1.4: the UAS sends its 2xx again (T1, doubling to T2)
 * until the ACK comes, and gives up after 64*T1. */
static gboolean
on_ok_timer (gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);
	g_autoptr (GError) error = NULL;

	self->ok_elapsed += self->ok_interval;
	if (self->ok_elapsed >= CF_ACK_WAIT_MS) {
		self->ok_timer = 0;
		call_log (self, G_LOG_LEVEL_WARNING, "no ACK for our 2xx: hanging up");
		stop_ok_retransmission (self);
		send_bye (self);
		end (self, CF_END_FAILED);
		return G_SOURCE_REMOVE;
	}
	if (!cf_sip_transport_kind_is_reliable (self->ok_flow->kind)
	    && !cf_sip_stack_send_response_stateless (self->stack, self->ok, self->ok_flow, &error))
		call_log (self, G_LOG_LEVEL_DEBUG, "2xx retransmission failed: %s", error->message);
	self->ok_interval = MIN (self->ok_interval * 2, CF_SIP_DEFAULT_T2_MS);
	self->ok_timer = g_timeout_add (self->ok_interval, on_ok_timer, self);
	return G_SOURCE_REMOVE;
}

/* Sends the 2xx @ok through @transaction and keeps it until the ACK. */
static gboolean
send_ok (CfCall *self, CfSipServerTransaction *transaction, CfSipMessage *ok, GError **error)
{
	if (!cf_sip_server_transaction_respond (transaction, ok, error))
		return FALSE;
	stop_ok_retransmission (self);
	self->ok = cf_sip_message_ref (ok);
	self->ok_flow = cf_sip_flow_copy (cf_sip_server_transaction_get_flow (transaction));
	self->ok_elapsed = 0;
	self->ok_interval = cf_sip_transport_kind_is_reliable (self->ok_flow->kind) ? CF_ACK_WAIT_MS
										  : CF_SIP_DEFAULT_T1_MS;
	self->ok_timer = g_timeout_add (self->ok_interval, on_ok_timer, self);
	return TRUE;
}

static void
on_bye_response (CfSipClientTransaction *transaction,
		 CfSipMessage *response,
		 const GError *error,
		 gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);

	if (error != NULL)
		call_log (self, G_LOG_LEVEL_DEBUG, "BYE: %s", error->message);
	else if (cf_sip_message_get_status (response) >= 200)
		call_log (self, G_LOG_LEVEL_DEBUG, "BYE: %u", cf_sip_message_get_status (response));
}

static CfSipClientTransaction *
send_in_dialog (CfCall *self, CfSipMessage *request, CfSipResponseFunc func, GError **error)
{
	g_autofree char *next_hop = cf_sip_dialog_dup_next_hop (self->dialog);

	add_common_headers (request);
	return cf_sip_stack_send_request (self->stack,
					  request,
					  next_hop,
					  func,
					  g_object_ref (self),
					  g_object_unref,
					  error);
}

static void
send_bye (CfCall *self)
{
	send_bye_with_reason (self, NULL);
}

static void
send_bye_with_reason (CfCall *self, const char *reason)
{
	g_autoptr (CfSipMessage) bye = NULL;
	g_autoptr (CfSipClientTransaction) t = NULL;
	g_autoptr (GError) error = NULL;

	if (self->dialog == NULL)
		return;
	bye = cf_sip_dialog_create_request (self->dialog, "BYE");
	if (reason != NULL)
		cf_sip_message_add_header (bye, "Reason", reason);
	t = send_in_dialog (self, bye, on_bye_response, &error);
	if (t == NULL)
		call_log (self, G_LOG_LEVEL_DEBUG, "cannot send BYE: %s", error->message);
}

static void
send_ack (CfCall *self, guint32 cseq, const CfSdpSession *body)
{
	g_autofree char *next_hop = cf_sip_dialog_dup_next_hop (self->dialog);
	g_autoptr (GError) error = NULL;

	g_clear_pointer (&self->ack, cf_sip_message_unref);
	self->ack = cf_sip_dialog_create_ack (self->dialog, cseq);
	add_common_headers (self->ack);
	if (body != NULL)
		set_sdp_body (self->ack, body);
	if (!cf_sip_stack_send_stateless (self->stack, self->ack, next_hop, &error))
		call_log (self, G_LOG_LEVEL_DEBUG, "cannot send ACK: %s", error->message);
}

/* ---- outgoing ---- */

static const char *
reason_for_status (guint status)
{
	switch (status) {
	case 486:
	case 600:
		return CF_END_BUSY;
	case 603:
		return CF_END_REJECTED;
	case 487:
		return CF_END_CANCELLED;
	case 408:
	case 480: /* "Temporarily Unavailable": what a callee's no-answer timeout sends */
		return CF_END_NO_ANSWER;
	case 404:
	case 410:
	case 484:
	case 503:
	case 604:
		return CF_END_UNREACHABLE;
	default:
		return CF_END_FAILED;
	}
}

/* A 2xx to our INVITE: the dialog is confirmed, and the ACK goes out. */
static void
on_invite_ok (CfCall *self, CfSipMessage *response)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) sdp = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	guint32 cseq = 0;
	gboolean ok = TRUE;

	if (self->dialog == NULL) {
		self->dialog = cf_sip_dialog_new_uac (self->invite, response, &error);
		if (self->dialog == NULL) {
			call_log (self, G_LOG_LEVEL_WARNING, "bad 2xx: %s", error->message);
			end (self, CF_END_FAILED);
			return;
		}
	} else if (self->ack != NULL) {
		/* Another 2xx (a fork); we keep the first dialog. */
		return;
	}
	cf_sip_message_get_cseq (self->invite, &cseq, NULL);

	sdp = get_sdp_body (response, &error);
	if (sdp != NULL)
		result = cf_sdp_negotiator_process_answer (self->sdp, sdp, &error);
	if (result == NULL) {
		call_log (self,
			  G_LOG_LEVEL_WARNING,
			  "unusable answer: %s",
			  error != NULL ? error->message : "the 2xx has no SDP");
		ok = FALSE;
	}
	send_ack (self, cseq, NULL);

	if (!ok || self->state == CF_CALL_STATE_ENDED) {
		/* Answered after we gave up, or with SDP we can't use. */
		send_bye (self);
		end (self, CF_END_FAILED);
		return;
	}
	g_clear_handle_id (&self->no_answer_timer, g_source_remove);
	set_state (self, CF_CALL_STATE_ACTIVE);
	if (!apply_negotiation (self, result, sdp, TRUE))
		fail_media (self);
}

/* Our RTP/AVP offer (with SDES keys, and a=zrtp-hash when we offer ZRTP)
 * was refused: a peer that speaks SRTP only (baresip srtp-mand) takes the
 * same offer on RTP/SAVP. Once. */
static gboolean
retry_with_savp (CfCall *self)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) offer = NULL;

	self->savp_retry = TRUE;
	cf_sdp_negotiator_cancel_offer (self->sdp);
	offer = create_offer (self, &error);
	if (offer == NULL) {
		call_log (self, G_LOG_LEVEL_WARNING, "cannot offer RTP/SAVP: %s", error->message);
		return FALSE;
	}
	call_log (self, G_LOG_LEVEL_INFO, "RTP/AVP refused (488): offering RTP/SAVP");
	g_free (self->offer);
	self->offer = cf_sdp_session_print (offer);
	self->auth_tried = FALSE;
	send_invite (self, NULL);
	return TRUE;
}

static void
on_invite_response (CfSipClientTransaction *transaction,
		    CfSipMessage *response,
		    const GError *error,
		    gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);
	guint status;

	if (error != NULL) {
		call_log (self, G_LOG_LEVEL_INFO, "INVITE failed: %s", error->message);
		end (self, CF_END_UNREACHABLE);
		return;
	}
	status = cf_sip_message_get_status (response);
	if (status < 200) {
		if (status > 100 && self->state == CF_CALL_STATE_DIALING)
			set_state (self, CF_CALL_STATE_RINGING);
		return;
	}
	if (status < 300) {
		on_invite_ok (self, response);
		return;
	}
	if ((status == 401 || status == 407) && self->auth != NULL && !self->auth_tried
	    && self->state != CF_CALL_STATE_ENDED && transaction == self->invite_transaction) {
		/* One try with credentials: a second challenge means they were refused. */
		self->auth_tried = TRUE;
		send_invite (self, response);
		return;
	}
	if (transaction != self->invite_transaction)
		return;
	if (status == 488 && !self->savp_retry && self->state != CF_CALL_STATE_ENDED && !self->cancelled
	    && g_str_equal (cf_sdp_local_media_get_proto (local_audio (self)), "RTP/AVP")
	    && retry_with_savp (self))
		return;
	call_log (self, G_LOG_LEVEL_INFO, "INVITE answered %u %s", status, cf_sip_message_get_reason (response));
	end (self, self->cancelled ? CF_END_CANCELLED : reason_for_status (status));
}

static void
on_cancel_response (CfSipClientTransaction *transaction,
		    CfSipMessage *response,
		    const GError *error,
		    gpointer user_data)
{
	if (error != NULL)
		call_log (CF_CALL (user_data), G_LOG_LEVEL_DEBUG, "CANCEL: %s", error->message);
}

static void
cancel_invite (CfCall *self)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipClientTransaction) t = NULL;

	self->cancelled = TRUE;
	if (self->invite_transaction == NULL)
		return;
	t = cf_sip_stack_cancel (self->stack,
				 self->invite_transaction,
				 on_cancel_response,
				 g_object_ref (self),
				 g_object_unref,
				 &error);
	if (t == NULL)
		call_log (self, G_LOG_LEVEL_DEBUG, "cannot CANCEL: %s", error->message);
}

static gboolean
on_no_answer (gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);

	self->no_answer_timer = 0;
	call_log (self, G_LOG_LEVEL_INFO, "no answer");
	if (self->direction == CF_CALL_DIRECTION_OUTGOING)
		cancel_invite (self);
	else if (self->invite_server != NULL)
		respond (self, self->invite_server, 480, "Temporarily Unavailable");
	end (self, CF_END_NO_ANSWER);
	return G_SOURCE_REMOVE;
}

static void
start_no_answer_timer (CfCall *self)
{
	self->no_answer_timer = g_timeout_add_seconds (cf_settings_get_no_answer_timeout (self->settings),
						       on_no_answer,
						       self);
}

static char *
local_identity (CfCall *self)
{
	const char *account = cf_settings_get_account_uri (self->settings);
	const char *name = cf_settings_get_display_name (self->settings);
	g_autofree char *uri = NULL;
	g_autofree char *escaped = NULL;

	if (account != NULL) {
		uri = g_strdup (account);
	} else {
		/* No account: our Contact without its transport is the best we have. */
		g_autoptr (CfSipUri) contact = cf_sip_uri_parse (self->contact, NULL);
		if (contact != NULL)
			g_clear_pointer (&contact->params, g_ptr_array_unref);
		if (contact != NULL)
			contact->params = g_ptr_array_new ();
		uri = contact != NULL ? cf_sip_uri_to_string (contact) : g_strdup (self->contact);
	}
	if (name == NULL)
		return g_strdup_printf ("<%s>;tag=%s", uri, self->local_tag);
	escaped = g_strescape (name, NULL);
	return g_strdup_printf ("\"%s\" <%s>;tag=%s", escaped, uri, self->local_tag);
}

/* Sends the INVITE (again, with credentials, after a 401/407: a new CSeq in
 * the same Call-ID and From tag, RFC 3261 §22.2). */
static void
send_invite (CfCall *self, CfSipMessage *challenge)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *from = local_identity (self);
	g_autofree char *to = g_strdup_printf ("<%s>", self->target_uri);
	g_autofree char *contact = g_strdup_printf ("<%s>", self->contact);
	g_autofree char *cseq = g_strdup_printf ("%u INVITE", ++self->invite_cseq);
	g_autoptr (CfSipMessage) invite = cf_sip_message_new_request ("INVITE", self->target_uri);

	cf_sip_message_add_header (invite, "Max-Forwards", "70");
	cf_sip_message_add_header (invite, "From", from);
	cf_sip_message_add_header (invite, "To", to);
	cf_sip_message_add_header (invite, "Call-ID", self->call_id);
	cf_sip_message_add_header (invite, "CSeq", cseq);
	cf_sip_message_add_header (invite, "Contact", contact);
	cf_sip_message_add_header (invite, "Allow", CF_ALLOW);
	add_common_headers (invite);
	cf_sip_message_set_body (invite, "application/sdp", self->offer, strlen (self->offer));

	if (challenge != NULL) {
		guint status = cf_sip_message_get_status (challenge);
		const char *header = status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
		guint n = MIN (cf_sip_message_count_header (challenge, header), 32);
		g_autofree const char **values = g_new0 (const char *, n + 1);
		g_auto (GStrv) authorization = NULL;
		g_auto (GStrv) proxy_authorization = NULL;

		for (guint i = 0; i < n; i++)
			values[i] = cf_sip_message_get_header_nth (challenge, header, i);
		if (!cf_sip_auth_session_add_challenges (self->auth, status == 407, values, &error)
		    || !cf_sip_auth_session_authorize (self->auth,
						       "INVITE",
						       self->target_uri,
						       self->offer,
						       strlen (self->offer),
						       &authorization,
						       &proxy_authorization,
						       &error)) {
			call_log (self, G_LOG_LEVEL_WARNING, "cannot authenticate: %s", error->message);
			end (self, CF_END_FAILED);
			return;
		}
		for (guint i = 0; authorization[i] != NULL; i++)
			cf_sip_message_add_header (invite, "Authorization", authorization[i]);
		for (guint i = 0; proxy_authorization[i] != NULL; i++)
			cf_sip_message_add_header (invite, "Proxy-Authorization", proxy_authorization[i]);
	}

	g_clear_object (&self->invite_transaction);
	g_clear_pointer (&self->invite, cf_sip_message_unref);
	self->invite_transaction = cf_sip_stack_send_request (self->stack,
							      invite,
							      NULL,
							      on_invite_response,
							      g_object_ref (self),
							      g_object_unref,
							      &error);
	if (self->invite_transaction == NULL) {
		call_log (self, G_LOG_LEVEL_INFO, "cannot send INVITE: %s", error->message);
		end (self, CF_END_UNREACHABLE);
		return;
	}
	/* The transaction's copy carries the Via the stack added: keep that one. */
	self->invite = cf_sip_message_ref (cf_sip_client_transaction_get_request (self->invite_transaction));
}

static void
on_outgoing_media_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (CfCall) self = CF_CALL (user_data);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) offer = NULL;

	if (!media_ready (self, result, &error) || (offer = create_offer (self, &error)) == NULL) {
		if (error != NULL) {
			call_log (self, G_LOG_LEVEL_WARNING, "cannot call: %s", error->message);
			end (self, CF_END_FAILED);
		}
		return;
	}
	self->offer = cf_sdp_session_print (offer);
	send_invite (self, NULL);
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (CfCall) self = CF_CALL (user_data);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipDestination) dest = NULL;
	g_autofree char *host = NULL;

	dest = cf_sip_stack_resolve_finish (CF_SIP_STACK (source), result, &error);
	g_clear_object (&self->resolving);
	if (self->state == CF_CALL_STATE_ENDED)
		return;
	if (dest == NULL) {
		call_log (self, G_LOG_LEVEL_INFO, "cannot resolve the target: %s", error->message);
		end (self, CF_END_UNREACHABLE);
		return;
	}
	self->signaling_secure = dest->kind == CF_SIP_TRANSPORT_TLS;
	self->contact = make_contact (self, dest, &host, &error);
	if (self->contact == NULL) {
		call_log (self, G_LOG_LEVEL_WARNING, "cannot call: %s", error->message);
		end (self, CF_END_FAILED);
		return;
	}
	start_media (self, host, on_outgoing_media_ready);
}

void
cf_call_start_outgoing (CfCall *self)
{
	call_log (self, G_LOG_LEVEL_INFO, "calling %s", cf_redact (self->target_uri));
	start_no_answer_timer (self);
	self->resolving = g_cancellable_new ();
	cf_sip_stack_resolve_async (self->stack,
				    self->target_uri,
				    self->resolving,
				    on_resolved,
				    g_object_ref (self));
}

static void
set_security (CfCall *self, const CfCallSecurity *security)
{
	self->e2ee_local_reason = g_strdup (security->local_reason != NULL ? security->local_reason : "local-disabled");
	self->compliance_recording = security->compliance_recording;
	self->zrtp_cache = security->cache != NULL ? g_object_ref (security->cache) : NULL;
	if (security->zid != NULL)
		memcpy (self->zid, security->zid, sizeof self->zid);
	else if (*self->e2ee_local_reason == '\0')
		randombytes_buf (self->zid, sizeof self->zid);
}

CfCall *
cf_call_new_outgoing (guint id,
		      CfSipStack *stack,
		      CfSettings *settings,
		      const char *uri,
		      const char *auth_username,
		      const char *auth_password,
		      const CfCallSecurity *security,
		      GError **error)
{
	g_autoptr (GError) local_error = NULL;
	g_autoptr (CfSipUri) parsed = NULL;
	CfCall *self;

	if (strlen (uri) > CF_SIP_MAX_URI_LENGTH
	    || (parsed = cf_sip_uri_parse (uri, &local_error)) == NULL) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_INVALID_ARGUMENT,
			     "'%s' is not a SIP URI: %s",
			     uri,
			     local_error != NULL ? local_error->message : "too long");
		return NULL;
	}
	self = g_object_new (CF_TYPE_CALL, NULL);
	self->id = id;
	self->direction = CF_CALL_DIRECTION_OUTGOING;
	self->state = CF_CALL_STATE_DIALING;
	self->stack = g_object_ref (stack);
	self->settings = g_object_ref (settings);
	self->target_uri = cf_sip_uri_to_string (parsed);
	self->remote_uri = g_strdup (self->target_uri);
	self->call_id = cf_sip_new_token ();
	self->local_tag = cf_sip_new_token ();
	if (auth_username != NULL && auth_password != NULL)
		self->auth = cf_sip_auth_session_new (auth_username, auth_password);
	set_security (self, security);
	return self;
}

/* ---- incoming ---- */

/* The media session of an incoming call is there: the answer to its offer
 * (or 488), then it rings (180) and is ready to be announced. */
static void
on_incoming_media_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr (CfCall) self = CF_CALL (user_data);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpNegotiation) negotiation = NULL;
	g_autoptr (CfSipMessage) ringing = NULL;
	g_autofree char *contact = NULL;
	CfSipMessage *invite;

	if (!media_ready (self, result, &error)) {
		if (error != NULL) {
			call_log (self, G_LOG_LEVEL_WARNING, "no media for the call: %s", error->message);
			respond (self, self->invite_server, 500, NULL);
			end (self, CF_END_FAILED);
		}
		return;
	}
	if (self->pending_remote != NULL) {
		self->prepared_answer = create_answer (self, self->pending_remote, &negotiation, &error);
		if (self->prepared_answer == NULL) {
			call_log (self, G_LOG_LEVEL_INFO, "offer refused: %s", error->message);
			respond (self, self->invite_server, 488, NULL);
			end (self, CF_END_FAILED);
			return;
		}
		/* The media starts when the user answers. */
		set_remote_held (self, cf_sdp_negotiation_find (negotiation, "audio") != NULL
					       && cf_sdp_negotiation_find (negotiation, "audio")->remote_hold);
		self->pending_result = g_steal_pointer (&negotiation);
	}

	invite = cf_sip_server_transaction_get_request (self->invite_server);
	ringing = cf_sip_message_new_response_to (invite, 180, NULL, self->local_tag);
	copy_record_route (ringing, invite);
	contact = g_strdup_printf ("<%s>", self->contact);
	cf_sip_message_set_header (ringing, "Contact", contact);
	add_common_headers (ringing);
	if (!cf_sip_server_transaction_respond (self->invite_server, ringing, &error))
		call_log (self, G_LOG_LEVEL_DEBUG, "cannot send 180: %s", error->message);
	call_log (self, G_LOG_LEVEL_INFO, "incoming from %s", cf_redact (self->remote_uri));
	start_no_answer_timer (self);
	self->ready = TRUE;
	g_signal_emit (self, signals[SIGNAL_READY], 0);
}

CfCall *
cf_call_new_incoming (guint id,
		      CfSipStack *stack,
		      CfSettings *settings,
		      CfSipServerTransaction *transaction,
		      const CfCallSecurity *security,
		      GError **error)
{
	g_autoptr (CfCall) self = g_object_new (CF_TYPE_CALL, NULL);
	CfSipMessage *invite = cf_sip_server_transaction_get_request (transaction);
	const CfSipFlow *flow = cf_sip_server_transaction_get_flow (transaction);
	g_autoptr (CfSipDestination) back = cf_sip_destination_new (flow->kind, flow->remote, NULL);
	g_autoptr (CfSipNameAddr) from = NULL;
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GError) local_error = NULL;
	g_autoptr (CfSipMessage) ringing = NULL;
	g_autofree char *host = NULL;
	g_autofree char *contact = NULL;

	self->id = id;
	self->direction = CF_CALL_DIRECTION_INCOMING;
	self->state = CF_CALL_STATE_INCOMING;
	self->stack = g_object_ref (stack);
	self->settings = g_object_ref (settings);
	self->call_id = g_strdup (cf_sip_message_get_call_id (invite));
	self->local_tag = cf_sip_new_token ();
	self->invite_server = g_object_ref (transaction);
	set_security (self, security);

	from = cf_sip_message_get_from (invite, &local_error);
	if (from == NULL || from->uri == NULL) {
		respond (self, transaction, 400, "Bad From");
		g_set_error (error, CF_ERROR, CF_ERROR_INVALID_ARGUMENT, "bad From");
		return NULL;
	}
	self->remote_uri = cf_sip_uri_to_string (from->uri);
	self->remote_name = g_strdup (from->display_name != NULL ? from->display_name : "");
	if (!g_utf8_validate (self->remote_name, -1, NULL)) {
		g_free (self->remote_name);
		self->remote_name = g_strdup ("");
	}

	self->signaling_secure = flow->kind == CF_SIP_TRANSPORT_TLS;
	self->contact = make_contact (self, back, &host, &local_error);
	if (self->contact == NULL) {
		respond (self, transaction, 500, NULL);
		g_propagate_error (error, g_steal_pointer (&local_error));
		return NULL;
	}
	self->dialog = cf_sip_dialog_new_uas (invite, self->local_tag, self->contact, &local_error);
	if (self->dialog == NULL) {
		respond (self, transaction, 400, NULL);
		g_propagate_error (error, g_steal_pointer (&local_error));
		return NULL;
	}

	offer = get_sdp_body (invite, &local_error);
	if (local_error != NULL) {
		respond (self, transaction, 400, "Bad SDP");
		g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "bad offer: ");
		return NULL;
	}
	/* The answer and the 180 once the media session is there. */
	self->pending_remote = g_steal_pointer (&offer);
	start_media (self, host, on_incoming_media_ready);
	return g_steal_pointer (&self);
}

gboolean
cf_call_answer (CfCall *self, GError **error)
{
	g_autoptr (CfSipMessage) ok = NULL;
	g_autoptr (GError) local_error = NULL;
	CfSipMessage *invite;

	if (self->state != CF_CALL_STATE_INCOMING) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_WRONG_STATE,
			     "only an incoming call can be answered (the call is %s)",
			     cf_call_state_to_string (self->state));
		return FALSE;
	}
	invite = cf_sip_server_transaction_get_request (self->invite_server);
	ok = cf_sip_message_new_response_to (invite, 200, NULL, self->local_tag);
	copy_record_route (ok, invite);
	if (!fill_ok (self, ok, self->prepared_answer, &local_error)
	    || !send_ok (self, self->invite_server, ok, &local_error)) {
		call_log (self, G_LOG_LEVEL_WARNING, "cannot answer: %s", local_error->message);
		end (self, CF_END_FAILED);
		g_set_error (error, CF_ERROR, CF_ERROR_FAILED, "cannot answer: %s", local_error->message);
		return FALSE;
	}
	g_clear_handle_id (&self->no_answer_timer, g_source_remove);
	g_clear_object (&self->invite_server);
	set_state (self, CF_CALL_STATE_ACTIVE);
	if (self->pending_result != NULL
	    && !apply_negotiation (self, self->pending_result, self->pending_remote, FALSE))
		fail_media (self);
	g_clear_pointer (&self->pending_result, cf_sdp_negotiation_free);
	g_clear_pointer (&self->pending_remote, cf_sdp_session_free);
	return TRUE;
}

gboolean
cf_call_reject (CfCall *self, GError **error)
{
	if (self->state != CF_CALL_STATE_INCOMING) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_WRONG_STATE,
			     "only an incoming call can be rejected (the call is %s)",
			     cf_call_state_to_string (self->state));
		return FALSE;
	}
	respond (self, self->invite_server, 603, "Decline");
	g_clear_object (&self->invite_server);
	end (self, CF_END_REJECTED);
	return TRUE;
}

gboolean
cf_call_hangup (CfCall *self, GError **error)
{
	switch (self->state) {
	case CF_CALL_STATE_DIALING:
	case CF_CALL_STATE_RINGING:
		cancel_invite (self);
		end (self, CF_END_CANCELLED);
		return TRUE;
	case CF_CALL_STATE_INCOMING:
		return cf_call_reject (self, error);
	case CF_CALL_STATE_ACTIVE:
	case CF_CALL_STATE_HELD:
		stop_ok_retransmission (self);
		send_bye (self);
		end (self, CF_END_LOCAL_HANGUP);
		return TRUE;
	case CF_CALL_STATE_ENDED:
		break;
	}
	g_set_error (error, CF_ERROR, CF_ERROR_WRONG_STATE, "the call has ended");
	return FALSE;
}

void
cf_call_terminate (CfCall *self)
{
	if (self->state != CF_CALL_STATE_ENDED)
		cf_call_hangup (self, NULL);
}

/* ---- hold and resume: re-INVITEs we send ---- */

static void
on_reinvite_response (CfSipClientTransaction *transaction,
		      CfSipMessage *response,
		      const GError *error,
		      gpointer user_data)
{
	CfCall *self = CF_CALL (user_data);
	g_autoptr (GTask) task = NULL;
	g_autoptr (GError) local_error = NULL;
	g_autoptr (CfSdpSession) sdp = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	guint32 cseq = 0;
	guint status;

	if (error == NULL && cf_sip_message_get_status (response) < 200)
		return;
	task = g_steal_pointer (&self->reinvite_task);
	g_clear_object (&self->reinvite);
	if (self->state == CF_CALL_STATE_ENDED) {
		if (error == NULL && cf_sip_message_get_status (response) < 300) {
			cf_sip_message_get_cseq (cf_sip_client_transaction_get_request (transaction), &cseq, NULL);
			send_ack (self, cseq, NULL);
		}
		return;
	}
	if (error != NULL) {
		/* §14.1: a timeout or transport failure of a re-INVITE ends the call. */
		cf_sdp_negotiator_cancel_offer (self->sdp);
		send_bye (self);
		end (self, CF_END_FAILED);
		if (task != NULL)
			g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "no answer from the other side");
		return;
	}
	status = cf_sip_message_get_status (response);
	if (status >= 300) {
		cf_sdp_negotiator_cancel_offer (self->sdp);
		cf_sdp_negotiator_set_direction (self->sdp,
						 self->state == CF_CALL_STATE_HELD ? CF_SDP_DIRECTION_SENDONLY
										   : CF_SDP_DIRECTION_SENDRECV);
		if (status == 481 || status == 408) {
			end (self, CF_END_FAILED);
		}
		if (task != NULL)
			g_task_return_new_error (task,
						 CF_ERROR,
						 status == 491 ? CF_ERROR_BUSY : CF_ERROR_REJECTED,
						 "the other side answered %u %s",
						 status,
						 cf_sip_message_get_reason (response));
		return;
	}

	cf_sip_message_get_cseq (cf_sip_client_transaction_get_request (transaction), &cseq, NULL);
	cf_sip_dialog_receive_refresh_response (self->dialog, response);
	send_ack (self, cseq, NULL);
	sdp = get_sdp_body (response, &local_error);
	if (sdp != NULL)
		result = cf_sdp_negotiator_process_answer (self->sdp, sdp, &local_error);
	if (result == NULL) {
		call_log (self,
			  G_LOG_LEVEL_WARNING,
			  "unusable answer to re-INVITE: %s",
			  local_error != NULL ? local_error->message : "no SDP");
		send_bye (self);
		end (self, CF_END_FAILED);
		if (task != NULL)
			g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "the other side's answer is unusable");
		return;
	}
	cf_media_session_set_held (self->media, self->reinvite_state == CF_CALL_STATE_HELD);
	if (!apply_negotiation (self, result, sdp, TRUE) && self->state == CF_CALL_STATE_ENDED) {
		if (task != NULL)
			g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "the call ended: %s", self->end_reason);
		return;
	}
	set_state (self, self->reinvite_state);
	if (task != NULL)
		g_task_return_boolean (task, TRUE);
}

static void
send_reinvite (CfCall *self, CfCallState from, CfCallState to, GTask *task)
{
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSipMessage) reinvite = NULL;
	g_autoptr (GError) error = NULL;
	gboolean hold = to == CF_CALL_STATE_HELD;

	if (self->state != from) {
		g_task_return_new_error (task,
					 CF_ERROR,
					 CF_ERROR_WRONG_STATE,
					 "the call is %s, not %s",
					 cf_call_state_to_string (self->state),
					 cf_call_state_to_string (from));
		return;
	}
	if (self->reinvite != NULL || self->ok != NULL) {
		g_task_return_new_error (task,
					 CF_ERROR,
					 CF_ERROR_BUSY,
					 "another change of the call is in progress");
		return;
	}
	cf_sdp_negotiator_set_direction (self->sdp,
					 hold ? CF_SDP_DIRECTION_SENDONLY : CF_SDP_DIRECTION_SENDRECV);
	offer = create_offer (self, &error);
	if (offer == NULL) {
		g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "%s", error->message);
		return;
	}
	reinvite = cf_sip_dialog_create_request (self->dialog, "INVITE");
	cf_sip_message_set_header (reinvite, "Allow", CF_ALLOW);
	set_sdp_body (reinvite, offer);
	self->reinvite = send_in_dialog (self, reinvite, on_reinvite_response, &error);
	if (self->reinvite == NULL) {
		cf_sdp_negotiator_cancel_offer (self->sdp);
		g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "%s", error->message);
		return;
	}
	call_log (self, G_LOG_LEVEL_INFO, "%s", hold ? "holding" : "resuming");
	self->reinvite_state = to;
	self->reinvite_task = g_object_ref (task);
}

void
cf_call_hold_async (CfCall *self, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

	g_task_set_source_tag (task, cf_call_hold_async);
	send_reinvite (self, CF_CALL_STATE_ACTIVE, CF_CALL_STATE_HELD, task);
}

gboolean
cf_call_hold_finish (CfCall *self, GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean (G_TASK (result), error);
}

void
cf_call_resume_async (CfCall *self, GAsyncReadyCallback callback, gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);

	g_task_set_source_tag (task, cf_call_resume_async);
	send_reinvite (self, CF_CALL_STATE_HELD, CF_CALL_STATE_ACTIVE, task);
}

gboolean
cf_call_resume_finish (CfCall *self, GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- chat ---- */

static void
on_message_response (CfSipClientTransaction *transaction,
		     CfSipMessage *response,
		     const GError *error,
		     gpointer user_data)
{
	GTask *task = G_TASK (user_data);
	guint status;

	if (error != NULL) {
		g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "not delivered: %s", error->message);
		return;
	}
	status = cf_sip_message_get_status (response);
	if (status < 200)
		return;
	if (status < 300)
		g_task_return_boolean (task, TRUE);
	else
		g_task_return_new_error (task,
					 CF_ERROR,
					 CF_ERROR_REJECTED,
					 "the other side refused the message: %u %s",
					 status,
					 cf_sip_message_get_reason (response));
}

void
cf_call_send_message_async (CfCall *self,
			    const char *text,
			    GAsyncReadyCallback callback,
			    gpointer user_data)
{
	g_autoptr (GTask) task = g_task_new (self, NULL, callback, user_data);
	g_autoptr (CfSipMessage) msg = NULL;
	g_autoptr (CfSipClientTransaction) t = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *next_hop = NULL;
	gsize len = strlen (text);

	if (self->state != CF_CALL_STATE_ACTIVE && self->state != CF_CALL_STATE_HELD) {
		g_task_return_new_error (task,
					 CF_ERROR,
					 CF_ERROR_WRONG_STATE,
					 "chat needs an established call (the call is %s)",
					 cf_call_state_to_string (self->state));
		return;
	}
	if (len == 0 || len > CF_CALL_MAX_MESSAGE_LENGTH || !g_utf8_validate (text, len, NULL)) {
		g_task_return_new_error (task,
					 CF_ERROR,
					 CF_ERROR_INVALID_ARGUMENT,
					 "a message is 1 to %d bytes of UTF-8",
					 CF_CALL_MAX_MESSAGE_LENGTH);
		return;
	}
	msg = cf_sip_dialog_create_request (self->dialog, "MESSAGE");
	cf_sip_message_set_body (msg, "text/plain;charset=UTF-8", text, len);
	add_common_headers (msg);
	next_hop = cf_sip_dialog_dup_next_hop (self->dialog);
	t = cf_sip_stack_send_request (self->stack,
				       msg,
				       next_hop,
				       on_message_response,
				       g_object_ref (task),
				       g_object_unref,
				       &error);
	if (t == NULL)
		g_task_return_new_error (task, CF_ERROR, CF_ERROR_FAILED, "not sent: %s", error->message);
}

gboolean
cf_call_send_message_finish (CfCall *self, GAsyncResult *result, GError **error)
{
	return g_task_propagate_boolean (G_TASK (result), error);
}

static void
receive_message (CfCall *self, CfSipServerTransaction *transaction, CfSipMessage *request)
{
	const char *type = cf_sip_message_get_header (request, "Content-Type");
	gsize len = 0;
	const char *body = cf_sip_message_get_body (request, &len);
	g_autofree char *text = NULL;

	if (type == NULL || g_ascii_strncasecmp (type, "text/plain", 10) != 0) {
		g_autoptr (CfSipMessage) r = cf_sip_message_new_response_to (request, 415, NULL, NULL);
		cf_sip_message_set_header (r, "Accept", "text/plain");
		cf_sip_server_transaction_respond (transaction, r, NULL);
		return;
	}
	if (len == 0 || len > CF_CALL_MAX_MESSAGE_LENGTH) {
		respond (self, transaction, len == 0 ? 400 : 413, NULL);
		return;
	}
	respond (self, transaction, 200, NULL);
	text = g_utf8_make_valid (body, len);
	call_log (self, G_LOG_LEVEL_DEBUG, "message received: %s", cf_redact (text));
	g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, text, (guint64) g_get_real_time ());
}

/* ---- requests from the other side ---- */

static void
receive_reinvite (CfSipServerTransaction *transaction, CfCall *self, CfSipMessage *request)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (CfSipMessage) ok = NULL;

	if (self->reinvite != NULL || self->ok != NULL) {
		/* §14.2: our own offer is pending (glare). */
		respond (self, transaction, 491, NULL);
		return;
	}
	offer = get_sdp_body (request, &error);
	if (error != NULL) {
		respond (self, transaction, 400, "Bad SDP");
		return;
	}
	if (offer != NULL && !e2ee_remote_sdp (self, offer)) {
		/* R10: a re-INVITE that drops end-to-end encryption ends the call. */
		call_log (self, G_LOG_LEVEL_WARNING, "the other side dropped end-to-end encryption: hanging up");
		respond (self, transaction, 488, "End-to-end encryption required");
		send_bye_with_reason (self, CF_REASON_E2EE_DOWNGRADE);
		end (self, CF_END_E2EE_DOWNGRADE);
		return;
	}
	if (offer != NULL) {
		answer = create_answer (self, offer, &result, &error);
		if (answer == NULL) {
			respond (self, transaction, 488, NULL);
			return;
		}
	}
	ok = cf_sip_message_new_response_to (request, 200, NULL, self->local_tag);
	if (!fill_ok (self, ok, answer, &error) || !send_ok (self, transaction, ok, &error)) {
		call_log (self, G_LOG_LEVEL_WARNING, "cannot answer a re-INVITE: %s", error->message);
		return;
	}
	if (result != NULL)
		apply_negotiation (self, result, offer, FALSE);
}

/* remote-hangup, or what the peer's Reason header says about end-to-end
 * encryption (only while we were doing it: R10 failures of the call). */
static const char *
bye_end_reason (CfCall *self, CfSipMessage *bye)
{
	const char *reason = cf_sip_message_get_header (bye, "Reason");

	if (reason == NULL || self->zrtp == NULL)
		return CF_END_REMOTE_HANGUP;
	if (strstr (reason, "\"e2ee-failed\"") != NULL) {
		set_e2ee_reason (self, "failed");
		return CF_END_E2EE_FAILED;
	}
	if (strstr (reason, "\"e2ee-downgrade\"") != NULL)
		return CF_END_E2EE_DOWNGRADE;
	return CF_END_REMOTE_HANGUP;
}

void
cf_call_handle_request (CfCall *self, CfSipServerTransaction *transaction)
{
	CfSipMessage *request = cf_sip_server_transaction_get_request (transaction);
	CfSipMethod method = cf_sip_message_get_method_id (request);
	g_autoptr (GError) error = NULL;

	if (self->dialog == NULL || self->state == CF_CALL_STATE_ENDED) {
		respond (self, transaction, 481, NULL);
		return;
	}
	if (!cf_sip_dialog_receive_request (self->dialog, request, &error)) {
		call_log (self, G_LOG_LEVEL_DEBUG, "%s", error->message);
		respond (self, transaction, 500, "CSeq Out Of Order");
		return;
	}
	switch (method) {
	case CF_SIP_METHOD_BYE:
		respond (self, transaction, 200, NULL);
		stop_ok_retransmission (self);
		end (self, bye_end_reason (self, request));
		return;
	case CF_SIP_METHOD_INVITE:
		if (self->state == CF_CALL_STATE_INCOMING) {
			respond (self, transaction, 491, NULL);
			return;
		}
		receive_reinvite (transaction, self, request);
		return;
	case CF_SIP_METHOD_MESSAGE:
		receive_message (self, transaction, request);
		return;
	case CF_SIP_METHOD_OPTIONS:
		respond (self, transaction, 200, NULL);
		return;
	default: {
		g_autoptr (CfSipMessage) r = cf_sip_message_new_response_to (request, 405, NULL, NULL);
		cf_sip_message_set_header (r, "Allow", CF_ALLOW);
		cf_sip_server_transaction_respond (transaction, r, NULL);
		return;
	}
	}
}

void
cf_call_handle_cancel (CfCall *self, CfSipServerTransaction *cancel)
{
	respond (self, cancel, 200, NULL);
	if (self->state != CF_CALL_STATE_INCOMING || self->invite_server == NULL)
		return;
	respond (self, self->invite_server, 487, NULL);
	g_clear_object (&self->invite_server);
	end (self, CF_END_CANCELLED);
}

void
cf_call_handle_ack (CfCall *self, CfSipMessage *ack)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;

	if (self->ok == NULL)
		return;
	stop_ok_retransmission (self);
	if (!self->offer_in_ok)
		return;
	/* Our 2xx carried the offer: the ACK must carry the answer. */
	self->offer_in_ok = FALSE;
	answer = get_sdp_body (ack, &error);
	if (answer != NULL)
		result = cf_sdp_negotiator_process_answer (self->sdp, answer, &error);
	if (result == NULL) {
		call_log (self,
			  G_LOG_LEVEL_WARNING,
			  "the ACK has no usable answer: %s",
			  error != NULL ? error->message : "no SDP");
		cf_sdp_negotiator_cancel_offer (self->sdp);
		send_bye (self);
		end (self, CF_END_FAILED);
		return;
	}
	if (!apply_negotiation (self, result, answer, TRUE))
		fail_media (self);
}

void
cf_call_handle_stray_response (CfCall *self, CfSipMessage *response)
{
	g_autofree char *next_hop = NULL;
	guint32 cseq = 0;
	guint32 acked = 0;

	/* A retransmitted 2xx to an INVITE we acknowledged: acknowledge again. */
	if (self->ack == NULL || self->dialog == NULL || cf_sip_message_get_status (response) / 100 != 2)
		return;
	cf_sip_message_get_cseq (response, &cseq, NULL);
	cf_sip_message_get_cseq (self->ack, &acked, NULL);
	if (cseq != acked)
		return;
	next_hop = cf_sip_dialog_dup_next_hop (self->dialog);
	cf_sip_stack_send_stateless (self->stack, self->ack, next_hop, NULL);
}

gboolean
cf_call_matches (CfCall *self, CfSipMessage *msg)
{
	g_autofree char *tag = NULL;

	if (self->dialog != NULL)
		return cf_sip_dialog_matches (self->dialog, msg);
	if (g_strcmp0 (cf_sip_message_get_call_id (msg), self->call_id) != 0)
		return FALSE;
	tag = cf_sip_message_is_request (msg) ? cf_sip_message_get_to_tag (msg)
					      : cf_sip_message_get_from_tag (msg);
	return g_strcmp0 (tag, self->local_tag) == 0;
}

gboolean
cf_call_has_invite_transaction (CfCall *self, CfSipServerTransaction *invite)
{
	return self->invite_server != NULL && self->invite_server == invite;
}

/* ---- GObject ---- */

gboolean
cf_call_is_ready (CfCall *self)
{
	return self->ready || self->direction == CF_CALL_DIRECTION_OUTGOING;
}

guint
cf_call_get_id (CfCall *self)
{
	return self->id;
}

CfCallState
cf_call_get_state (CfCall *self)
{
	return self->state;
}

const char *
cf_call_get_end_reason (CfCall *self)
{
	return self->end_reason != NULL ? self->end_reason : "";
}

CfCallDirection
cf_call_get_direction (CfCall *self)
{
	return self->direction;
}

const char *
cf_call_get_remote_uri (CfCall *self)
{
	return self->remote_uri != NULL ? self->remote_uri : "";
}

const char *
cf_call_get_remote_name (CfCall *self)
{
	return self->remote_name != NULL ? self->remote_name : "";
}

gboolean
cf_call_get_remote_held (CfCall *self)
{
	return self->remote_held;
}

guint64
cf_call_get_start_time (CfCall *self)
{
	return self->start_time;
}

guint64
cf_call_get_ring_time (CfCall *self)
{
	return self->ring_time;
}

guint64
cf_call_get_end_time (CfCall *self)
{
	return self->end_time;
}

gboolean
cf_call_send_dtmf (CfCall *self, const char *digits, GError **error)
{
	g_autoptr (GError) local_error = NULL;
	gsize len = strlen (digits);

	if (self->state != CF_CALL_STATE_ACTIVE) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_WRONG_STATE,
			     "DTMF needs an active call (the call is %s)",
			     cf_call_state_to_string (self->state));
		return FALSE;
	}
	if (len == 0 || len > 32 || strspn (digits, "0123456789*#ABCDabcd") != len) {
		g_set_error_literal (error,
				     CF_ERROR,
				     CF_ERROR_INVALID_ARGUMENT,
				     "DTMF digits are 1 to 32 of 0-9 * # A-D");
		return FALSE;
	}
	if (!cf_media_session_send_dtmf (self->media, digits, &local_error)) {
		g_set_error (error, CF_ERROR, CF_ERROR_FAILED, "%s", local_error->message);
		return FALSE;
	}
	return TRUE;
}

GVariant *
cf_call_get_stats (CfCall *self)
{
	if (self->stats == NULL)
		self->stats = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
	return self->stats;
}

gboolean
cf_call_get_muted (CfCall *self)
{
	return self->muted;
}

gboolean
cf_call_set_muted (CfCall *self, gboolean muted, GError **error)
{
	if (self->state == CF_CALL_STATE_ENDED) {
		g_set_error (error, CF_ERROR, CF_ERROR_WRONG_STATE, "the call has ended");
		return FALSE;
	}
	muted = !!muted;
	if (self->muted == muted)
		return TRUE;
	self->muted = muted;
	if (self->media != NULL)
		cf_media_session_set_muted (self->media, muted);
	call_log (self, G_LOG_LEVEL_INFO, "%s", muted ? "muted" : "unmuted");
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MUTED]);
	return TRUE;
}

const char *
cf_call_get_encryption (CfCall *self)
{
	return self->encryption != NULL ? self->encryption : "";
}

const char *
cf_call_get_end_to_end_reason (CfCall *self)
{
	return self->e2ee_reason != NULL ? self->e2ee_reason : "";
}

const char *
cf_call_get_security_code (CfCall *self)
{
	return self->security_code != NULL ? self->security_code : "";
}

const char *
cf_call_get_sas (CfCall *self)
{
	return self->sas != NULL ? self->sas : "";
}

gboolean
cf_call_get_verified (CfCall *self)
{
	return self->end_to_end && self->verified;
}

const char *
cf_call_get_key_continuity (CfCall *self)
{
	return self->key_continuity != NULL ? self->key_continuity : "";
}

gboolean
cf_call_mark_verified (CfCall *self, gboolean verified, GError **error)
{
	g_autoptr (GError) local_error = NULL;

	if (!self->end_to_end) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_WRONG_STATE,
			     "only an end-to-end encrypted call has a security code to verify");
		return FALSE;
	}
	verified = !!verified;
	if (self->zrtp_cache != NULL
	    && !cf_zrtp_cache_set_verified (self->zrtp_cache, self->peer_zid, verified, &local_error)) {
		g_set_error (error, CF_ERROR, CF_ERROR_FAILED, "cannot remember it: %s", local_error->message);
		return FALSE;
	}
	if (self->verified == verified)
		return TRUE;
	self->verified = verified;
	call_log (self, G_LOG_LEVEL_INFO, "the other side is %s", verified ? "verified" : "no longer verified");
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_VERIFIED]);
	return TRUE;
}

const char *const *
cf_call_get_features (CfCall *self)
{
	return (const char *const *) self->features;
}

static void
cf_call_init (CfCall *self)
{
	self->features = g_new0 (char *, 1);
	self->ring_time = g_get_real_time ();
}

static void
cf_call_dispose (GObject *object)
{
	CfCall *self = CF_CALL (object);

	g_clear_handle_id (&self->stats_timer, g_source_remove);
	g_clear_handle_id (&self->no_answer_timer, g_source_remove);
	stop_ok_retransmission (self);
	if (self->zrtp != NULL)
		cf_zrtp_channel_stop (self->zrtp);
	g_clear_object (&self->zrtp);
	G_OBJECT_CLASS (cf_call_parent_class)->dispose (object);
}

static void
cf_call_finalize (GObject *object)
{
	CfCall *self = CF_CALL (object);

	g_free (self->end_reason);
	g_free (self->remote_uri);
	g_free (self->remote_name);
	g_strfreev (self->features);
	g_clear_object (&self->stack);
	g_clear_object (&self->settings);
	g_free (self->target_uri);
	g_free (self->call_id);
	g_free (self->local_tag);
	g_free (self->contact);
	g_clear_pointer (&self->dialog, cf_sip_dialog_unref);
	g_clear_pointer (&self->sdp, cf_sdp_negotiator_free);
	g_clear_object (&self->media);
	g_free (self->encryption);
	g_free (self->codec);
	g_free (self->e2ee_local_reason);
	g_free (self->media_host);
	g_clear_object (&self->preparing);
	g_clear_object (&self->zrtp_cache);
	g_free (self->e2ee_reason);
	g_free (self->security_code);
	g_free (self->sas);
	g_free (self->key_continuity);
	g_clear_pointer (&self->stats, g_variant_unref);
	g_clear_pointer (&self->pending_result, cf_sdp_negotiation_free);
	g_clear_pointer (&self->pending_remote, cf_sdp_session_free);
	g_clear_pointer (&self->invite, cf_sip_message_unref);
	g_clear_object (&self->invite_transaction);
	g_clear_object (&self->resolving);
	g_free (self->offer);
	g_clear_pointer (&self->auth, cf_sip_auth_session_free);
	g_clear_pointer (&self->ack, cf_sip_message_unref);
	g_clear_object (&self->invite_server);
	g_clear_pointer (&self->prepared_answer, cf_sdp_session_free);
	g_clear_object (&self->reinvite);
	g_clear_object (&self->reinvite_task);
	G_OBJECT_CLASS (cf_call_parent_class)->finalize (object);
}

static void
cf_call_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CfCall *self = CF_CALL (object);

	switch (prop_id) {
	case PROP_ID:
		g_value_set_uint (value, self->id);
		break;
	case PROP_STATE:
		g_value_set_uint (value, self->state);
		break;
	case PROP_END_REASON:
		g_value_set_string (value, cf_call_get_end_reason (self));
		break;
	case PROP_DIRECTION:
		g_value_set_uint (value, self->direction);
		break;
	case PROP_REMOTE_URI:
		g_value_set_string (value, cf_call_get_remote_uri (self));
		break;
	case PROP_REMOTE_NAME:
		g_value_set_string (value, cf_call_get_remote_name (self));
		break;
	case PROP_REMOTE_HELD:
		g_value_set_boolean (value, self->remote_held);
		break;
	case PROP_START_TIME:
		g_value_set_uint64 (value, self->start_time);
		break;
	case PROP_FEATURES:
		g_value_set_boxed (value, self->features);
		break;
	case PROP_ENCRYPTION:
		g_value_set_string (value, cf_call_get_encryption (self));
		break;
	case PROP_END_TO_END_REASON:
		g_value_set_string (value, cf_call_get_end_to_end_reason (self));
		break;
	case PROP_SECURITY_CODE:
		g_value_set_string (value, cf_call_get_security_code (self));
		break;
	case PROP_SAS:
		g_value_set_string (value, cf_call_get_sas (self));
		break;
	case PROP_VERIFIED:
		g_value_set_boolean (value, cf_call_get_verified (self));
		break;
	case PROP_KEY_CONTINUITY:
		g_value_set_string (value, cf_call_get_key_continuity (self));
		break;
	case PROP_MUTED:
		g_value_set_boolean (value, self->muted);
		break;
	case PROP_STATS:
		g_value_set_variant (value, cf_call_get_stats (self));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
	}
}

static void
cf_call_class_init (CfCallClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	object_class->dispose = cf_call_dispose;
	object_class->finalize = cf_call_finalize;
	object_class->get_property = cf_call_get_property;

	props[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, flags);
	props[PROP_STATE] = g_param_spec_uint ("state", NULL, NULL, 0, CF_CALL_STATE_ENDED, 0, flags);
	props[PROP_END_REASON] = g_param_spec_string ("end-reason", NULL, NULL, "", flags);
	props[PROP_DIRECTION] = g_param_spec_uint ("direction", NULL, NULL, 0, 1, 0, flags);
	props[PROP_REMOTE_URI] = g_param_spec_string ("remote-uri", NULL, NULL, "", flags);
	props[PROP_REMOTE_NAME] = g_param_spec_string ("remote-name", NULL, NULL, "", flags);
	props[PROP_REMOTE_HELD] = g_param_spec_boolean ("remote-held", NULL, NULL, FALSE, flags);
	props[PROP_START_TIME] = g_param_spec_uint64 ("start-time", NULL, NULL, 0, G_MAXUINT64, 0, flags);
	props[PROP_FEATURES] = g_param_spec_boxed ("features", NULL, NULL, G_TYPE_STRV, flags);
	props[PROP_ENCRYPTION] = g_param_spec_string ("encryption", NULL, NULL, "", flags);
	props[PROP_MUTED] = g_param_spec_boolean ("muted", NULL, NULL, FALSE, flags);
	props[PROP_END_TO_END_REASON] = g_param_spec_string ("end-to-end-reason", NULL, NULL, "", flags);
	props[PROP_SECURITY_CODE] = g_param_spec_string ("security-code", NULL, NULL, "", flags);
	props[PROP_SAS] = g_param_spec_string ("sas", NULL, NULL, "", flags);
	props[PROP_VERIFIED] = g_param_spec_boolean ("verified", NULL, NULL, FALSE, flags);
	props[PROP_KEY_CONTINUITY] = g_param_spec_string ("key-continuity", NULL, NULL, "", flags);
	props[PROP_STATS] = g_param_spec_variant ("stats", NULL, NULL, G_VARIANT_TYPE_VARDICT, NULL, flags);
	g_object_class_install_properties (object_class, N_PROPS, props);

	signals[SIGNAL_MESSAGE_RECEIVED] = g_signal_new ("message-received",
							 G_TYPE_FROM_CLASS (klass),
							 G_SIGNAL_RUN_LAST,
							 0,
							 NULL,
							 NULL,
							 NULL,
							 G_TYPE_NONE,
							 2,
							 G_TYPE_STRING,
							 G_TYPE_UINT64);
	signals[SIGNAL_READY] = g_signal_new ("ready",
					      G_TYPE_FROM_CLASS (klass),
					      G_SIGNAL_RUN_LAST,
					      0, NULL, NULL, NULL,
					      G_TYPE_NONE, 0);
	signals[SIGNAL_DTMF_RECEIVED] = g_signal_new ("dtmf-received",
						      G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST,
						      0,
						      NULL,
						      NULL,
						      NULL,
						      G_TYPE_NONE,
						      1,
						      G_TYPE_STRING);
	signals[SIGNAL_ENDED] = g_signal_new ("ended",
					      G_TYPE_FROM_CLASS (klass),
					      G_SIGNAL_RUN_LAST,
					      0,
					      NULL,
					      NULL,
					      NULL,
					      G_TYPE_NONE,
					      0);
}
