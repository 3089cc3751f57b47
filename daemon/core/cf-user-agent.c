/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-ua"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "cf-call-private.h"
#include "cf-error.h"
#include "cf-redact.h"
#include "cf-sip-auth.h"
#include "cf-sip-contact.h"
#include "cf-sip-stack.h"
#include "cf-strutil.h"
#include "cf-user-agent.h"

#define CF_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE"
#define CF_REGISTER_EXPIRES 600
#define CF_REGISTER_RETRY_SECONDS 30
#define CF_REGISTER_MAX_DEVICES 32
#define CF_PASSWORD_MAX 1024

struct _CfUserAgent {
	GObject parent_instance;

	CfSettings *settings;
	CfPolicy *policy;
	CfHistory *history; /* nullable */
	CfZrtpCache *zrtp_cache; /* nullable */
	guint8 zid[CF_ZRTP_ZID_LEN]; /* this installation's ZRTP ZID */
	CfSipStack *stack;
	GHashTable *calls; /* id -> CfCall */
	GHashTable *lingering; /* CfCall -> source id */
	guint next_id;

	/* Registration. */
	char *registration;
	GStrv devices;
	CfSipAuthSession *auth;
	char *auth_username;
	char *auth_password; /* wiped when freed */
	char *reg_call_id;
	char *reg_tag;
	guint32 reg_cseq;
	char *reg_contact;
	guint reg_timer;
	GCancellable *reg_resolving;
	gboolean reg_auth_retry;
};

enum {
	PROP_0,
	PROP_REGISTRATION,
	PROP_DEVICES,
	N_PROPS,
};

enum {
	SIGNAL_CALL_ADDED,
	SIGNAL_CALL_REMOVED,
	N_SIGNALS,
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfUserAgent, cf_user_agent, G_TYPE_OBJECT)

static void start_registration (CfUserAgent *self);

/* ---- calls ---- */

static CfCall *
find_call (CfUserAgent *self, CfSipMessage *msg)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init (&iter, self->calls);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		if (cf_call_matches (value, msg))
			return value;
	}
	return NULL;
}

static guint
count_live_calls (CfUserAgent *self)
{
	GHashTableIter iter;
	gpointer value;
	guint n = 0;

	g_hash_table_iter_init (&iter, self->calls);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		if (cf_call_get_state (value) != CF_CALL_STATE_ENDED)
			n++;
	}
	return n;
}

static gboolean
on_linger_done (gpointer user_data)
{
	CfCall *call = CF_CALL (user_data);
	CfUserAgent *self = g_object_get_data (G_OBJECT (call), "cf-user-agent");
	g_autoptr (CfCall) keep = g_object_ref (call);

	g_hash_table_remove (self->lingering, call);
	g_hash_table_remove (self->calls, GUINT_TO_POINTER (cf_call_get_id (call)));
	g_signal_emit (self, signals[SIGNAL_CALL_REMOVED], 0, call);
	return G_SOURCE_REMOVE;
}

static void
record_history (CfUserAgent *self, CfCall *call)
{
	g_autoptr (CfHistoryEntry) e = cf_history_entry_new ();
	g_autoptr (GError) error = NULL;

	if (self->history == NULL)
		return;
	e->id = g_strdup_printf ("%u", cf_call_get_id (call));
	e->remote_uri = g_strdup (cf_call_get_remote_uri (call));
	e->remote_name = g_strdup (cf_call_get_remote_name (call));
	e->direction = g_strdup (cf_call_direction_to_string (cf_call_get_direction (call)));
	e->ring_time = cf_call_get_ring_time (call) / G_USEC_PER_SEC;
	e->start_time = cf_call_get_start_time (call) / G_USEC_PER_SEC;
	e->end_time = cf_call_get_end_time (call) / G_USEC_PER_SEC;
	if (cf_call_get_start_time (call) != 0)
		e->duration = (cf_call_get_end_time (call) - cf_call_get_start_time (call)) / G_USEC_PER_SEC;
	e->end_reason = g_strdup (cf_call_get_end_reason (call));
	/* "" when no media ever ran: nothing was encrypted. */
	e->encryption = g_strdup (*cf_call_get_encryption (call) != '\0' ? cf_call_get_encryption (call) : "none");
	if (!cf_history_add (self->history, e, &error))
		g_warning ("call %u: not recorded in the history: %s", cf_call_get_id (call), error->message);
}

static void
on_call_ended (CfCall *call, gpointer user_data)
{
	CfUserAgent *self = CF_USER_AGENT (user_data);
	guint id;

	if (!cf_call_is_ready (call)) {
		/* Refused before it rang (488, 500) or cancelled meanwhile:
		 * never announced, nothing to remember. */
		g_hash_table_remove (self->calls, GUINT_TO_POINTER (cf_call_get_id (call)));
		return;
	}
	record_history (self, call);
	id = g_timeout_add_seconds (CF_USER_AGENT_ENDED_LINGER_SECONDS, on_linger_done, call);
	g_hash_table_insert (self->lingering, call, GUINT_TO_POINTER (id));
}

static void
on_call_ready (CfCall *call, gpointer user_data)
{
	CfUserAgent *self = CF_USER_AGENT (user_data);

	g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
	if (cf_settings_get_auto_answer (self->settings)) {
		g_autoptr (GError) error = NULL;

		if (!cf_call_answer (call, &error))
			g_warning ("call %u: cannot auto-answer: %s", cf_call_get_id (call), error->message);
	}
}

static void
add_call (CfUserAgent *self, CfCall *call)
{
	g_object_set_data (G_OBJECT (call), "cf-user-agent", self);
	g_hash_table_insert (self->calls, GUINT_TO_POINTER (cf_call_get_id (call)), g_object_ref (call));
	g_signal_connect_object (call, "ended", G_CALLBACK (on_call_ended), self, 0);
	if (cf_call_is_ready (call))
		g_signal_emit (self, signals[SIGNAL_CALL_ADDED], 0, call);
	else
		g_signal_connect_object (call, "ready", G_CALLBACK (on_call_ready), self, 0);
}

/* R1-R3, read as each call is set up. */
static void
get_security (CfUserAgent *self, CfCallSecurity *ret)
{
	const char *policy_reason = cf_policy_get_reason (self->policy);

	ret->compliance_recording = cf_policy_get_compliance_recording (self->policy);
	if (*policy_reason != '\0')
		ret->local_reason = policy_reason;
	else if (!cf_settings_get_end_to_end_encryption (self->settings))
		ret->local_reason = "local-disabled";
	else
		ret->local_reason = "";
	ret->cache = self->zrtp_cache;
	ret->zid = self->zid;
}

CfCall *
cf_user_agent_dial (CfUserAgent *self, const char *uri, GError **error)
{
	g_autoptr (CfCall) call = NULL;
	CfCallSecurity security;

	if (count_live_calls (self) >= CF_USER_AGENT_MAX_CALLS) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_BUSY,
			     "already %d calls",
			     CF_USER_AGENT_MAX_CALLS);
		return NULL;
	}
	get_security (self, &security);
	call = cf_call_new_outgoing (self->next_id,
				     self->stack,
				     self->settings,
				     uri,
				     self->auth_username,
				     self->auth_password,
				     &security,
				     error);
	if (call == NULL)
		return NULL;
	self->next_id++;
	add_call (self, call);
	cf_call_start_outgoing (call);
	return call;
}

GList *
cf_user_agent_get_calls (CfUserAgent *self)
{
	return g_hash_table_get_values (self->calls);
}

/* ---- requests ---- */

static void
respond (CfSipServerTransaction *transaction, guint status, const char *reason)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *tag = cf_sip_new_token ();

	if (!cf_sip_server_transaction_respond_status (transaction, status, reason, tag, &error))
		g_debug ("cannot answer %u: %s", status, error->message);
}

static void
respond_with_allow (CfSipServerTransaction *transaction, guint status)
{
	CfSipMessage *request = cf_sip_server_transaction_get_request (transaction);
	g_autofree char *tag = cf_sip_new_token ();
	g_autoptr (CfSipMessage) r = cf_sip_message_new_response_to (request, status, NULL, tag);

	cf_sip_message_set_header (r, "Allow", CF_ALLOW);
	cf_sip_message_set_header (r, "Accept", "application/sdp, text/plain");
	cf_sip_message_set_header (r, "User-Agent", "Confab/" PACKAGE_VERSION);
	cf_sip_server_transaction_respond (transaction, r, NULL);
}

static void
new_incoming_call (CfUserAgent *self, CfSipServerTransaction *transaction)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfCall) call = NULL;
	CfCallSecurity security;

	if (count_live_calls (self) >= CF_USER_AGENT_MAX_CALLS) {
		respond (transaction, 486, NULL);
		return;
	}
	get_security (self, &security);
	call = cf_call_new_incoming (self->next_id, self->stack, self->settings, transaction, &security, &error);
	if (call == NULL) {
		g_info ("incoming call refused: %s", error->message);
		return;
	}
	self->next_id++;
	add_call (self, call);
}

static void
on_request (CfSipStack *stack, CfSipServerTransaction *transaction, CfSipMessage *request, gpointer user_data)
{
	CfUserAgent *self = CF_USER_AGENT (user_data);
	CfSipMethod method = cf_sip_message_get_method_id (request);
	g_autofree char *to_tag = cf_sip_message_get_to_tag (request);
	CfSipServerTransaction *cancelled;
	CfCall *call;

	if (method == CF_SIP_METHOD_CANCEL) {
		GHashTableIter iter;
		gpointer value;

		cancelled = cf_sip_server_transaction_get_cancelled (transaction);
		g_hash_table_iter_init (&iter, self->calls);
		while (g_hash_table_iter_next (&iter, NULL, &value)) {
			if (cf_call_has_invite_transaction (value, cancelled)) {
				cf_call_handle_cancel (value, transaction);
				return;
			}
		}
		respond (transaction, 481, NULL);
		return;
	}

	if (to_tag != NULL) {
		call = find_call (self, request);
		if (call != NULL)
			cf_call_handle_request (call, transaction);
		else
			respond (transaction, 481, NULL);
		return;
	}

	switch (method) {
	case CF_SIP_METHOD_INVITE:
		new_incoming_call (self, transaction);
		return;
	case CF_SIP_METHOD_OPTIONS:
		respond_with_allow (transaction, 200);
		return;
	case CF_SIP_METHOD_MESSAGE:
		/* Chat is part of a call (R8): pager-mode messages are not taken. */
		respond (transaction, 403, "Chat Only Within Calls");
		return;
	case CF_SIP_METHOD_UNKNOWN:
		respond_with_allow (transaction, 501);
		return;
	default:
		respond_with_allow (transaction, 405);
		return;
	}
}

static void
on_ack (CfSipStack *stack, CfSipMessage *ack, const CfSipFlow *flow, gpointer user_data)
{
	CfCall *call = find_call (CF_USER_AGENT (user_data), ack);

	if (call != NULL)
		cf_call_handle_ack (call, ack);
}

static void
on_stray_response (CfSipStack *stack, CfSipMessage *response, const CfSipFlow *flow, gpointer user_data)
{
	CfCall *call = find_call (CF_USER_AGENT (user_data), response);

	if (call != NULL)
		cf_call_handle_stray_response (call, response);
}

/* ---- registration (RFC 3261 §10) ---- */

static void
set_registration (CfUserAgent *self, const char *state, GStrv devices)
{
	if (g_strcmp0 (self->registration, state) != 0) {
		g_info ("registration: %s", state);
		g_free (self->registration);
		self->registration = g_strdup (state);
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REGISTRATION]);
	}
	if (devices != NULL
	    && !g_strv_equal ((const char *const *) devices, (const char *const *) self->devices)) {
		g_strfreev (self->devices);
		self->devices = g_strdupv (devices);
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DEVICES]);
	}
}

static gboolean
on_register_timer (gpointer user_data)
{
	CfUserAgent *self = CF_USER_AGENT (user_data);

	self->reg_timer = 0;
	start_registration (self);
	return G_SOURCE_REMOVE;
}

static void
schedule_registration (CfUserAgent *self, guint seconds)
{
	g_clear_handle_id (&self->reg_timer, g_source_remove);
	self->reg_timer = g_timeout_add_seconds (MAX (seconds, 1), on_register_timer, self);
}

static void
registration_failed (CfUserAgent *self, const char *why)
{
	g_warning ("registration failed: %s; retrying in %d s", why, CF_REGISTER_RETRY_SECONDS);
	set_registration (self, "failed", NULL);
	schedule_registration (self, CF_REGISTER_RETRY_SECONDS);
}

/* The contacts of a 200 OK to REGISTER other than ours, and the expiry the
 * registrar granted ours. */
static GStrv
parse_bindings (CfUserAgent *self, CfSipMessage *response, guint *ret_expires)
{
	g_autoptr (GStrvBuilder) devices = g_strv_builder_new ();
	g_autoptr (CfSipUri) ours = cf_sip_uri_parse (self->reg_contact, NULL);
	guint n = cf_sip_message_count_header (response, "Contact");
	const char *expires_header = cf_sip_message_get_header (response, "Expires");
	guint64 expires = CF_REGISTER_EXPIRES;
	guint n_devices = 0;

	if (expires_header != NULL)
		g_ascii_string_to_unsigned (expires_header, 10, 0, G_MAXUINT32, &expires, NULL);
	for (guint i = 0; i < n; i++) {
		g_autoptr (CfSipNameAddr) na =
			cf_sip_name_addr_parse (cf_sip_message_get_header_nth (response, "Contact", i), NULL);
		const char *e;

		if (na == NULL || na->uri == NULL)
			continue;
		if (ours != NULL && cf_sip_uri_equal (na->uri, ours)) {
			e = cf_sip_name_addr_get_param (na, "expires");
			if (e != NULL)
				g_ascii_string_to_unsigned (e, 10, 0, G_MAXUINT32, &expires, NULL);
			continue;
		}
		if (n_devices++ < CF_REGISTER_MAX_DEVICES)
			cf_strv_builder_take (devices, cf_sip_uri_to_string (na->uri));
	}
	*ret_expires = (guint) MIN (expires, (guint64) G_MAXUINT32);
	return g_strv_builder_end (devices);
}

static void send_register (CfUserAgent *self, const char *registrar);

static void
on_register_response (CfSipClientTransaction *transaction,
		      CfSipMessage *response,
		      const GError *error,
		      gpointer user_data)
{
	CfUserAgent *self = CF_USER_AGENT (user_data);
	g_autoptr (GError) local_error = NULL;
	guint status;

	if (error != NULL) {
		registration_failed (self, error->message);
		return;
	}
	status = cf_sip_message_get_status (response);
	if (status < 200)
		return;
	if (status / 100 == 2) {
		g_auto (GStrv) devices = NULL;
		guint expires = 0;

		self->reg_auth_retry = FALSE;
		devices = parse_bindings (self, response, &expires);
		set_registration (self, "registered", devices);
		/* Refresh well before the binding expires. */
		schedule_registration (self, expires > 60 ? expires - expires / 5 : MAX (expires / 2, 1));
		return;
	}
	if ((status == 401 || status == 407) && self->auth != NULL && !self->reg_auth_retry) {
		const char *header = status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
		guint n = cf_sip_message_count_header (response, header);
		g_autoptr (GPtrArray) values = g_ptr_array_new ();

		for (guint i = 0; i < n; i++)
			g_ptr_array_add (values, (gpointer) cf_sip_message_get_header_nth (response, header, i));
		g_ptr_array_add (values, NULL);
		if (cf_sip_auth_session_add_challenges (self->auth,
							status == 407,
							(const char *const *) values->pdata,
							&local_error)) {
			self->reg_auth_retry = TRUE;
			send_register (self, cf_settings_get_registrar (self->settings));
			return;
		}
		registration_failed (self, local_error->message);
		return;
	}
	self->reg_auth_retry = FALSE;
	{
		g_autofree char *why = g_strdup_printf ("%u %s", status, cf_sip_message_get_reason (response));
		registration_failed (self, why);
	}
}

static void
send_register (CfUserAgent *self, const char *registrar)
{
	const char *aor = cf_settings_get_account_uri (self->settings);
	g_autoptr (CfSipMessage) req = NULL;
	g_autoptr (CfSipClientTransaction) t = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipUri) registrar_uri = cf_sip_uri_parse (registrar, NULL);
	g_autofree char *request_uri = NULL;
	g_autofree char *from = g_strdup_printf ("<%s>;tag=%s", aor, self->reg_tag);
	g_autofree char *to = g_strdup_printf ("<%s>", aor);
	g_autofree char *contact = g_strdup_printf ("<%s>", self->reg_contact);
	g_autofree char *cseq = NULL;
	g_autofree char *expires = g_strdup_printf ("%d", CF_REGISTER_EXPIRES);

	/* The Request-URI is the registrar's domain, without user (§10.2). */
	g_free (registrar_uri->user);
	registrar_uri->user = NULL;
	request_uri = cf_sip_uri_to_string (registrar_uri);
	cseq = g_strdup_printf ("%u REGISTER", ++self->reg_cseq);

	req = cf_sip_message_new_request ("REGISTER", request_uri);
	cf_sip_message_add_header (req, "Max-Forwards", "70");
	cf_sip_message_add_header (req, "From", from);
	cf_sip_message_add_header (req, "To", to);
	cf_sip_message_add_header (req, "Call-ID", self->reg_call_id);
	cf_sip_message_add_header (req, "CSeq", cseq);
	cf_sip_message_add_header (req, "Contact", contact);
	cf_sip_message_add_header (req, "Expires", expires);
	cf_sip_message_add_header (req, "Allow", CF_ALLOW);
	cf_sip_message_add_header (req, "User-Agent", "Confab/" PACKAGE_VERSION);
	if (self->auth != NULL && cf_sip_auth_session_get_n_realms (self->auth) > 0) {
		g_auto (GStrv) authorization = NULL;
		g_auto (GStrv) proxy_authorization = NULL;

		if (!cf_sip_auth_session_authorize (self->auth,
						    "REGISTER",
						    request_uri,
						    NULL,
						    0,
						    &authorization,
						    &proxy_authorization,
						    &error)) {
			registration_failed (self, error->message);
			return;
		}
		for (guint i = 0; authorization[i] != NULL; i++)
			cf_sip_message_add_header (req, "Authorization", authorization[i]);
		for (guint i = 0; proxy_authorization[i] != NULL; i++)
			cf_sip_message_add_header (req, "Proxy-Authorization", proxy_authorization[i]);
	}
	t = cf_sip_stack_send_request (self->stack, req, registrar, on_register_response, self, NULL, &error);
	if (t == NULL)
		registration_failed (self, error->message);
}

static void
on_registrar_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
	CfUserAgent *self = CF_USER_AGENT (user_data);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipDestination) dest = cf_sip_stack_resolve_finish (CF_SIP_STACK (source), result, &error);
	g_autoptr (CfSipUri) aor = NULL;

	if (dest == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g_clear_object (&self->reg_resolving);
	if (dest == NULL) {
		registration_failed (self, error->message);
		return;
	}
	aor = cf_sip_uri_parse (cf_settings_get_account_uri (self->settings), NULL);
	g_free (self->reg_contact);
	self->reg_contact = cf_sip_contact_for_destination (cf_sip_stack_get_transport (self->stack),
							    dest,
							    aor != NULL ? aor->user : NULL,
							    NULL,
							    &error);
	if (self->reg_contact == NULL) {
		registration_failed (self, error->message);
		return;
	}
	send_register (self, cf_settings_get_registrar (self->settings));
}

static void
start_registration (CfUserAgent *self)
{
	if (self->registration == NULL || g_str_equal (self->registration, "none")
	    || g_str_equal (self->registration, "failed"))
		set_registration (self, "registering", NULL);
	self->reg_auth_retry = FALSE;
	self->reg_resolving = g_cancellable_new ();
	cf_sip_stack_resolve_async (self->stack,
				    cf_settings_get_registrar (self->settings),
				    self->reg_resolving,
				    on_registrar_resolved,
				    self);
}

static gboolean
load_password (CfUserAgent *self, GError **error)
{
	const char *path = cf_settings_get_password_file (self->settings);
	const char *username = cf_settings_get_username (self->settings);
	g_autofree char *password = NULL;
	g_autoptr (CfSipUri) aor = NULL;
	gsize len = 0;

	if (path == NULL)
		return TRUE;
	if (!g_file_get_contents (path, &password, &len, error)) {
		g_prefix_error (error, "password-file: ");
		return FALSE;
	}
	if (len > CF_PASSWORD_MAX) {
		g_set_error (error, CF_ERROR, CF_ERROR_INVALID_ARGUMENT, "password-file: too long");
		return FALSE;
	}
	g_strchomp (password);
	if (username == NULL) {
		aor = cf_settings_get_account_uri (self->settings) != NULL
			      ? cf_sip_uri_parse (cf_settings_get_account_uri (self->settings), NULL)
			      : NULL;
		username = aor != NULL ? aor->user : NULL;
	}
	if (username == NULL) {
		memset (password, 0, strlen (password));
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_INVALID_ARGUMENT,
			     "password-file is set but there is no username");
		return FALSE;
	}
	self->auth = cf_sip_auth_session_new (username, password);
	self->auth_username = g_strdup (username);
	self->auth_password = g_steal_pointer (&password);
	return TRUE;
}

/* ---- life ---- */

static CfSipTransportKind
kind_of (CfListenTransport t)
{
	switch (t) {
	case CF_LISTEN_TCP:
		return CF_SIP_TRANSPORT_TCP;
	case CF_LISTEN_TLS:
		return CF_SIP_TRANSPORT_TLS;
	case CF_LISTEN_UDP:
	default:
		return CF_SIP_TRANSPORT_UDP;
	}
}

gboolean
cf_user_agent_start (CfUserAgent *self, GError **error)
{
	CfSipTransport *transport = cf_sip_stack_get_transport (self->stack);
	GPtrArray *listen = cf_settings_get_listen (self->settings);

	if (cf_settings_get_tls_certificate (self->settings) != NULL
	    || cf_settings_get_tls_ca (self->settings) != NULL) {
		if (!cf_sip_transport_set_tls_files (transport,
						     cf_settings_get_tls_certificate (self->settings),
						     cf_settings_get_tls_key (self->settings),
						     cf_settings_get_tls_ca (self->settings),
						     error))
			return FALSE;
	}
	for (guint i = 0; i < listen->len; i++) {
		CfListenSpec *spec = g_ptr_array_index (listen, i);
		guint16 port = 0;

		if (!cf_sip_transport_listen (transport, kind_of (spec->transport), spec->host, spec->port, &port, error)) {
			g_prefix_error (error,
					"cannot listen on %s:%s:%u: ",
					cf_listen_transport_to_string (spec->transport),
					spec->host,
					spec->port);
			return FALSE;
		}
		g_info ("listening on %s %s port %u",
			cf_listen_transport_to_string (spec->transport),
			spec->host,
			port);
	}
	if (!load_password (self, error))
		return FALSE;
	g_signal_connect_object (self->stack, "request", G_CALLBACK (on_request), self, 0);
	g_signal_connect_object (self->stack, "ack", G_CALLBACK (on_ack), self, 0);
	g_signal_connect_object (self->stack, "stray-response", G_CALLBACK (on_stray_response), self, 0);

	if (cf_settings_get_registrar (self->settings) != NULL) {
		if (cf_settings_get_account_uri (self->settings) == NULL) {
			g_set_error_literal (error,
					     CF_ERROR,
					     CF_ERROR_INVALID_ARGUMENT,
					     "a registrar needs [account] uri");
			return FALSE;
		}
		start_registration (self);
	}
	return TRUE;
}

const char *
cf_user_agent_get_registration (CfUserAgent *self)
{
	return self->registration;
}

const char *const *
cf_user_agent_get_devices (CfUserAgent *self)
{
	return (const char *const *) self->devices;
}

CfUserAgent *
cf_user_agent_new (CfSettings *settings, CfPolicy *policy, CfHistory *history)
{
	CfUserAgent *self = g_object_new (CF_TYPE_USER_AGENT, NULL);

	self->settings = g_object_ref (settings);
	self->policy = g_object_ref (policy);
	self->history = history != NULL ? g_object_ref (history) : NULL;
	return self;
}

gboolean
cf_user_agent_set_zrtp_cache (CfUserAgent *self, CfZrtpCache *cache, GError **error)
{
	guint8 zid[CF_ZRTP_ZID_LEN];

	if (!cf_zrtp_cache_get_local_zid (cache, zid, error))
		return FALSE;
	memcpy (self->zid, zid, sizeof zid);
	g_set_object (&self->zrtp_cache, cache);
	return TRUE;
}

static void
cf_user_agent_init (CfUserAgent *self)
{
	/* Without a state database: a ZID for this run, and no continuity. */
	randombytes_buf (self->zid, sizeof self->zid);
	self->stack = cf_sip_stack_new ();
	self->calls = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
	self->lingering = g_hash_table_new (g_direct_hash, g_direct_equal);
	self->next_id = 1;
	self->registration = g_strdup ("none");
	self->devices = g_new0 (char *, 1);
	self->reg_call_id = cf_sip_new_token ();
	self->reg_tag = cf_sip_new_token ();
}

static void
cf_user_agent_dispose (GObject *object)
{
	CfUserAgent *self = CF_USER_AGENT (object);
	GHashTableIter iter;
	gpointer key, value;

	if (self->reg_resolving != NULL)
		g_cancellable_cancel (self->reg_resolving);
	g_clear_object (&self->reg_resolving);
	g_clear_handle_id (&self->reg_timer, g_source_remove);
	if (self->calls != NULL) {
		/* A call that ends before it was announced leaves the table at
		 * once: terminate from a copy of it. */
		g_autoptr (GList) calls = g_hash_table_get_values (self->calls);

		g_list_foreach (calls, (GFunc) (void (*) (void)) g_object_ref, NULL);
		for (GList *l = calls; l != NULL; l = l->next) {
			cf_call_terminate (l->data);
			g_object_unref (l->data);
		}
	}
	if (self->lingering != NULL) {
		g_hash_table_iter_init (&iter, self->lingering);
		while (g_hash_table_iter_next (&iter, &key, &value))
			g_source_remove (GPOINTER_TO_UINT (value));
		g_clear_pointer (&self->lingering, g_hash_table_unref);
	}
	g_clear_pointer (&self->calls, g_hash_table_unref);
	if (self->stack != NULL)
		g_signal_handlers_disconnect_by_data (self->stack, self);
	G_OBJECT_CLASS (cf_user_agent_parent_class)->dispose (object);
}

static void
cf_user_agent_finalize (GObject *object)
{
	CfUserAgent *self = CF_USER_AGENT (object);

	g_clear_object (&self->stack);
	g_clear_object (&self->settings);
	g_clear_object (&self->policy);
	g_clear_object (&self->zrtp_cache);
	g_clear_object (&self->history);
	g_free (self->registration);
	g_strfreev (self->devices);
	g_clear_pointer (&self->auth, cf_sip_auth_session_free);
	g_free (self->auth_username);
	if (self->auth_password != NULL)
		explicit_bzero (self->auth_password, strlen (self->auth_password));
	g_free (self->auth_password);
	g_free (self->reg_call_id);
	g_free (self->reg_tag);
	g_free (self->reg_contact);
	G_OBJECT_CLASS (cf_user_agent_parent_class)->finalize (object);
}

static void
cf_user_agent_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CfUserAgent *self = CF_USER_AGENT (object);

	switch (prop_id) {
	case PROP_REGISTRATION:
		g_value_set_string (value, self->registration);
		break;
	case PROP_DEVICES:
		g_value_set_boxed (value, self->devices);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
	}
}

static void
cf_user_agent_class_init (CfUserAgentClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	object_class->dispose = cf_user_agent_dispose;
	object_class->finalize = cf_user_agent_finalize;
	object_class->get_property = cf_user_agent_get_property;

	props[PROP_REGISTRATION] = g_param_spec_string ("registration", NULL, NULL, "none", flags);
	props[PROP_DEVICES] = g_param_spec_boxed ("devices", NULL, NULL, G_TYPE_STRV, flags);
	g_object_class_install_properties (object_class, N_PROPS, props);

	signals[SIGNAL_CALL_ADDED] = g_signal_new ("call-added",
						   G_TYPE_FROM_CLASS (klass),
						   G_SIGNAL_RUN_LAST,
						   0,
						   NULL,
						   NULL,
						   NULL,
						   G_TYPE_NONE,
						   1,
						   CF_TYPE_CALL);
	signals[SIGNAL_CALL_REMOVED] = g_signal_new ("call-removed",
						     G_TYPE_FROM_CLASS (klass),
						     G_SIGNAL_RUN_LAST,
						     0,
						     NULL,
						     NULL,
						     NULL,
						     G_TYPE_NONE,
						     1,
						     CF_TYPE_CALL);
}
