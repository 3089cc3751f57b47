/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-ice-session"

#include <string.h>

#include <nice/agent.h>

#include "cf-ice-session.h"

/* The one component of the stream (RTP and RTCP multiplexed). */
#define COMPONENT_ID 1
/* Datagrams read from a plain socket per wake-up, so that a flood cannot
 * starve the rest of the context. */
#define MAX_READS_PER_DISPATCH 64
/* Ta, the pacing of connectivity checks (RFC 8445 §14.2), in milliseconds. */
#define TA_MS 10

struct _CfIceSession {
	GObject parent_instance;

	GMainContext *context;
	gboolean plain;
	CfIceState state;
	gboolean closed;
	gboolean controlling;

	/* Receive function. */
	CfIceReceiveFunc receive_func;
	gpointer receive_data;
	GDestroyNotify receive_notify;

	/* ICE mode. */
	NiceAgent *agent;
	guint stream_id;
	gulong gathering_done_id;
	gulong state_changed_id;
	char *stun_host;
	guint16 stun_port;
	char *turn_host;
	guint16 turn_port;
	char *turn_username;
	char *turn_password;
	char *stun_ip; /* resolved */
	char *turn_ip; /* resolved */
	gboolean gather_started;
	gboolean gathered;
	GTask *gather_task;	/* pending gather_async */
	GSource *cancel_source; /* of the pending gather's cancellable */
	char *local_ufrag;
	char *local_pwd;
	GStrv local_candidates;
	char *default_address;
	guint16 default_port;
	gboolean remote_set;	  /* set_remote() or set_remote_plain() done */
	gboolean fallback;	  /* ICE session forced onto a non-ICE peer */
	gboolean local_ipv6_only; /* every configured local address is IPv6 */
	guint n_remote_candidates;

	/* Plain mode. */
	GSocket *socket;
	GSource *socket_source;
	GSocketAddress *remote; /* where plain datagrams go */
	guint8 *recv_buffer;	/* CF_ICE_MAX_DATAGRAM bytes */
};

enum {
	SIGNAL_STATE_CHANGED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CfIceSession, cf_ice_session, G_TYPE_OBJECT)

static const char *const state_names[] = {
	[CF_ICE_STATE_NEW] = "new",
	[CF_ICE_STATE_CHECKING] = "checking",
	[CF_ICE_STATE_CONNECTED] = "connected",
	[CF_ICE_STATE_FAILED] = "failed",
	[CF_ICE_STATE_CLOSED] = "closed",
};

const char *
cf_ice_state_to_string (CfIceState state)
{
	g_return_val_if_fail ((guint)state < G_N_ELEMENTS (state_names), NULL);
	return state_names[state];
}

static void
set_state (CfIceSession *self, CfIceState state)
{
	if (self->state == state)
		return;
	g_debug ("ICE session %p: %s -> %s",
		 (void *)self,
		 cf_ice_state_to_string (self->state),
		 cf_ice_state_to_string (state));
	self->state = state;
	g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (guint)state);
}

/* ---- Addresses ------------------------------------------------------------ */

/* An IP literal usable as a local or remote unicast address. (transfer full) */
static GInetAddress *
parse_unicast (const char *str, const char *what, GError **error)
{
	g_autoptr (GInetAddress) inet = NULL;

	if (str == NULL || strchr (str, '%') != NULL
	    || (inet = g_inet_address_new_from_string (str)) == NULL) {
		g_set_error (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "%s is not an IP address", what);
		return NULL;
	}
	if (g_inet_address_get_is_any (inet) || g_inet_address_get_is_multicast (inet)) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_INVALID,
			     "%s is not a unicast address",
			     what);
		return NULL;
	}
	return g_steal_pointer (&inet);
}

/* "host", "host:port", "[v6]:port", "v6" (a bare IPv6 literal) or "v4:port". */
static gboolean
parse_server (const char *str, const char *what, char **ret_host, guint16 *ret_port, GError **error)
{
	g_autofree char *host = NULL;
	const char *port_str = NULL;
	guint64 port = CF_ICE_DEFAULT_STUN_PORT;
	g_autoptr (GInetAddress) literal = NULL;

	if (str == NULL || *str == '\0' || strlen (str) > 261) {
		g_set_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid %s", what);
		return FALSE;
	}
	if (str[0] == '[') {
		const char *end = strchr (str, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':')) {
			g_set_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid %s", what);
			return FALSE;
		}
		host = g_strndup (str + 1, (gsize)(end - str - 1));
		if (end[1] == ':')
			port_str = end + 2;
		literal = g_inet_address_new_from_string (host);
		if (literal == NULL
		    || g_inet_address_get_family (literal) != G_SOCKET_FAMILY_IPV6) {
			g_set_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid %s", what);
			return FALSE;
		}
	} else {
		const char *colon = strchr (str, ':');

		if (colon != NULL && strchr (colon + 1, ':') != NULL) {
			/* A bare IPv6 literal. */
			host = g_strdup (str);
		} else if (colon != NULL) {
			host = g_strndup (str, (gsize)(colon - str));
			port_str = colon + 1;
		} else {
			host = g_strdup (str);
		}
		literal = g_inet_address_new_from_string (host);
		if (literal == NULL) {
			/* A host name: letters, digits, '-' and '.'. */
			if (*host == '\0'
			    || strspn (host,
				       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789-.")
				       != strlen (host)) {
				g_set_error (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "invalid %s",
					     what);
				return FALSE;
			}
		}
	}
	if (port_str != NULL) {
		if (!g_ascii_string_to_unsigned (port_str, 10, 1, G_MAXUINT16, &port, NULL)
		    || !g_ascii_isdigit (*port_str)) {
			g_set_error (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_INVALID,
				     "invalid port in %s",
				     what);
			return FALSE;
		}
	}
	*ret_host = g_steal_pointer (&host);
	*ret_port = (guint16)port;
	return TRUE;
}

/* ---- Receiving ------------------------------------------------------------ */

static void
deliver (CfIceSession *self, guint8 *data, gsize len)
{
	if (self->closed || self->receive_func == NULL || len == 0)
		return;
	self->receive_func (self, data, len, self->receive_data);
}

static void
on_nice_recv (NiceAgent *agent,
	      guint stream_id,
	      guint component_id,
	      guint len,
	      gchar *buf,
	      gpointer user_data)
{
	CfIceSession *self = CF_ICE_SESSION (user_data);

	if (stream_id != self->stream_id || component_id != COMPONENT_ID)
		return;
	deliver (self, (guint8 *)buf, len);
}

static gboolean
on_socket_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
	CfIceSession *self = CF_ICE_SESSION (user_data);
	g_autoptr (CfIceSession) hold = g_object_ref (self);

	for (guint i = 0; i < MAX_READS_PER_DISPATCH && !self->closed; i++) {
		g_autoptr (GError) error = NULL;
		gssize n;

		n = g_socket_receive_with_blocking (socket,
						    (char *)self->recv_buffer,
						    CF_ICE_MAX_DATAGRAM,
						    FALSE,
						    NULL,
						    &error);
		if (n < 0) {
			if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				g_debug ("ICE session %p: receive: %s",
					 (void *)self,
					 error->message);
			break;
		}
		deliver (self, self->recv_buffer, (gsize)n);
	}
	return G_SOURCE_CONTINUE;
}

/* ---- libnice events ------------------------------------------------------- */

static void
on_component_state_changed (
	NiceAgent *agent, guint stream_id, guint component_id, guint nice_state, gpointer user_data)
{
	CfIceSession *self = CF_ICE_SESSION (user_data);

	if (stream_id != self->stream_id || component_id != COMPONENT_ID || self->closed)
		return;
	g_debug ("ICE session %p: libnice component %s",
		 (void *)self,
		 nice_component_state_to_string (nice_state));
	/* Before the remote side is known libnice only reports gathering;
	 * in the fallback it runs no checks (it reports "connecting" on the
	 * way to "connected"). */
	if (!self->remote_set)
		return;
	if (self->fallback && nice_state == NICE_COMPONENT_STATE_CONNECTING)
		return;
	switch (nice_state) {
	case NICE_COMPONENT_STATE_CONNECTING:
		set_state (self, CF_ICE_STATE_CHECKING);
		break;
	case NICE_COMPONENT_STATE_CONNECTED:
	case NICE_COMPONENT_STATE_READY:
		set_state (self, CF_ICE_STATE_CONNECTED);
		break;
	case NICE_COMPONENT_STATE_FAILED:
		set_state (self, CF_ICE_STATE_FAILED);
		break;
	default:
		break;
	}
}

/* Highest priority first. */
static gint
compare_nice_candidates (gconstpointer a, gconstpointer b)
{
	const NiceCandidate *ca = a;
	const NiceCandidate *cb = b;

	if (ca->priority != cb->priority)
		return ca->priority > cb->priority ? -1 : 1;
	return 0;
}

/* The a=candidate value of a local libnice candidate, checked by our own
 * parser so that we never advertise what we would refuse. (transfer full) */
static char *
local_candidate_to_string (const NiceCandidate *candidate)
{
	g_autoptr (CfIceCandidate) parsed = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *line = NULL;
	char address[NICE_ADDRESS_STRING_LEN];
	char related[NICE_ADDRESS_STRING_LEN];
	CfIceCandidateType type;

	switch (candidate->type) {
	case NICE_CANDIDATE_TYPE_HOST:
		type = CF_ICE_CANDIDATE_TYPE_HOST;
		break;
	case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
		type = CF_ICE_CANDIDATE_TYPE_SRFLX;
		break;
	case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
		type = CF_ICE_CANDIDATE_TYPE_PRFLX;
		break;
	case NICE_CANDIDATE_TYPE_RELAYED:
		type = CF_ICE_CANDIDATE_TYPE_RELAY;
		break;
	default:
		return NULL;
	}
	nice_address_to_string (&candidate->addr, address);
	if (type != CF_ICE_CANDIDATE_TYPE_HOST && nice_address_is_valid (&candidate->base_addr)) {
		nice_address_to_string (&candidate->base_addr, related);
		line = g_strdup_printf ("%s %u UDP %" G_GUINT32_FORMAT
					" %s %u typ %s raddr %s rport %u",
					candidate->foundation,
					candidate->component_id,
					candidate->priority,
					address,
					nice_address_get_port (&candidate->addr),
					cf_ice_candidate_type_to_string (type),
					related,
					nice_address_get_port (&candidate->base_addr));
	} else {
		line = g_strdup_printf ("%s %u UDP %" G_GUINT32_FORMAT " %s %u typ %s",
					candidate->foundation,
					candidate->component_id,
					candidate->priority,
					address,
					nice_address_get_port (&candidate->addr),
					cf_ice_candidate_type_to_string (type));
	}
	parsed = cf_ice_candidate_parse (line, &error);
	if (parsed == NULL) {
		g_debug ("local candidate %s left out: %s", line, error->message);
		return NULL;
	}
	return cf_ice_candidate_to_string (parsed);
}

static void
finish_gather (CfIceSession *self, GError *error)
{
	g_autoptr (GTask) task = g_steal_pointer (&self->gather_task);

	if (self->cancel_source != NULL) {
		g_source_destroy (self->cancel_source);
		g_clear_pointer (&self->cancel_source, g_source_unref);
	}
	if (task == NULL) {
		g_clear_error (&error);
		return;
	}
	if (error != NULL)
		g_task_return_error (task, error);
	else
		g_task_return_boolean (task, TRUE);
}

static void
on_candidate_gathering_done (NiceAgent *agent, guint stream_id, gpointer user_data)
{
	CfIceSession *self = CF_ICE_SESSION (user_data);
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	GSList *candidates;
	const NiceCandidate *best_host4 = NULL;
	const NiceCandidate *best_host6 = NULL;
	const NiceCandidate *best;
	char address[NICE_ADDRESS_STRING_LEN];
	guint n = 0;

	/* Nobody waits any more (cancelled): nothing to record. */
	if (stream_id != self->stream_id || self->closed || self->gather_task == NULL)
		return;

	candidates = nice_agent_get_local_candidates (agent, stream_id, COMPONENT_ID);
	candidates = g_slist_sort (candidates, compare_nice_candidates);
	for (GSList *l = candidates; l != NULL; l = l->next) {
		const NiceCandidate *candidate = l->data;
		char *line;

		if (candidate->transport != NICE_CANDIDATE_TRANSPORT_UDP)
			continue;
		line = local_candidate_to_string (candidate);
		if (line == NULL)
			continue;
		g_strv_builder_add (builder, line);
		g_free (line);
		n++;
		if (candidate->type == NICE_CANDIDATE_TYPE_HOST) {
			const NiceCandidate **slot = nice_address_ip_version (&candidate->addr) == 6
							     ? &best_host6
							     : &best_host4;

			/* Sorted: the first one is the best. */
			if (*slot == NULL)
				*slot = candidate;
		}
	}
	best = best_host4 != NULL ? best_host4 : best_host6;
	if (best != NULL) {
		nice_address_to_string (&best->addr, address);
		self->default_address = g_strdup (address);
		self->default_port = (guint16)nice_address_get_port (&best->addr);
	}
	g_slist_free_full (candidates, (GDestroyNotify)nice_candidate_free);
	self->local_candidates = g_strv_builder_end (builder);

	if (!nice_agent_get_local_credentials (
		    agent, stream_id, &self->local_ufrag, &self->local_pwd)) {
		finish_gather (self,
			       g_error_new_literal (CF_ICE_ERROR,
						    CF_ICE_ERROR_FAILED,
						    "libnice has no local credentials"));
		return;
	}
	g_debug ("ICE session %p: gathered %u candidates", (void *)self, n);
	if (n == 0 || best == NULL) {
		finish_gather (self,
			       g_error_new_literal (CF_ICE_ERROR,
						    CF_ICE_ERROR_FAILED,
						    "no local host candidate was gathered"));
		return;
	}
	self->gathered = TRUE;
	finish_gather (self, NULL);
}

/* ---- Construction --------------------------------------------------------- */

static void
cf_ice_session_init (CfIceSession *self)
{
	self->state = CF_ICE_STATE_NEW;
}

static void
session_close (CfIceSession *self, gboolean announce)
{
	GDestroyNotify notify;
	gpointer data;

	if (self->closed)
		return;
	self->closed = TRUE;

	finish_gather (self,
		       g_error_new_literal (CF_ICE_ERROR, CF_ICE_ERROR_STATE, "session closed"));

	if (self->agent != NULL) {
		g_clear_signal_handler (&self->gathering_done_id, self->agent);
		g_clear_signal_handler (&self->state_changed_id, self->agent);
		if (self->stream_id != 0) {
			nice_agent_attach_recv (self->agent,
						self->stream_id,
						COMPONENT_ID,
						self->context,
						NULL,
						NULL);
			nice_agent_remove_stream (self->agent, self->stream_id);
			self->stream_id = 0;
		}
		/* The agent finishes on its context (TURN deallocations). */
		nice_agent_close_async (self->agent, NULL, NULL);
		g_clear_object (&self->agent);
	}
	if (self->socket_source != NULL) {
		g_source_destroy (self->socket_source);
		g_clear_pointer (&self->socket_source, g_source_unref);
	}
	if (self->socket != NULL) {
		g_socket_close (self->socket, NULL);
		g_clear_object (&self->socket);
	}

	notify = self->receive_notify;
	data = self->receive_data;
	self->receive_func = NULL;
	self->receive_data = NULL;
	self->receive_notify = NULL;
	if (notify != NULL)
		notify (data);

	if (announce) {
		set_state (self, CF_ICE_STATE_CLOSED);
	} else {
		self->state = CF_ICE_STATE_CLOSED;
	}
}

static void
cf_ice_session_dispose (GObject *object)
{
	CfIceSession *self = CF_ICE_SESSION (object);

	session_close (self, FALSE);
	G_OBJECT_CLASS (cf_ice_session_parent_class)->dispose (object);
}

static void
cf_ice_session_finalize (GObject *object)
{
	CfIceSession *self = CF_ICE_SESSION (object);

	g_free (self->stun_host);
	g_free (self->turn_host);
	g_free (self->turn_username);
	if (self->turn_password != NULL) {
		explicit_bzero (self->turn_password, strlen (self->turn_password));
		g_free (self->turn_password);
	}
	g_free (self->stun_ip);
	g_free (self->turn_ip);
	g_free (self->local_ufrag);
	g_free (self->local_pwd);
	g_strfreev (self->local_candidates);
	g_free (self->default_address);
	g_clear_object (&self->remote);
	g_free (self->recv_buffer);
	g_clear_pointer (&self->context, g_main_context_unref);
	G_OBJECT_CLASS (cf_ice_session_parent_class)->finalize (object);
}

static void
cf_ice_session_class_init (CfIceSessionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_ice_session_dispose;
	object_class->finalize = cf_ice_session_finalize;

	/* ::state-changed (guint state): a CfIceState, on the session's context. */
	signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed",
						      G_TYPE_FROM_CLASS (klass),
						      G_SIGNAL_RUN_LAST,
						      0,
						      NULL,
						      NULL,
						      NULL,
						      G_TYPE_NONE,
						      1,
						      G_TYPE_UINT);
}

CfIceSession *
cf_ice_session_new (GMainContext *context,
		    gboolean controlling,
		    const CfIceConfig *config,
		    GError **error)
{
	g_autoptr (CfIceSession) self = NULL;
	const char *const *local_addresses = config != NULL ? config->local_addresses : NULL;
	guint n_local = local_addresses != NULL ? g_strv_length ((char **)local_addresses) : 0;

	g_return_val_if_fail (context != NULL, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	self = g_object_new (CF_TYPE_ICE_SESSION, NULL);
	self->context = g_main_context_ref (context);
	self->controlling = controlling;

	if (n_local > CF_ICE_MAX_LOCAL_ADDRESSES) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "more than %d local addresses",
			     CF_ICE_MAX_LOCAL_ADDRESSES);
		return NULL;
	}
	self->local_ipv6_only = n_local > 0;
	for (guint i = 0; i < n_local; i++) {
		g_autoptr (GInetAddress) inet =
			parse_unicast (local_addresses[i], "local address", error);
		if (inet == NULL)
			return NULL;
		if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
			self->local_ipv6_only = FALSE;
	}
	if (config != NULL && config->stun_server != NULL
	    && !parse_server (
		    config->stun_server, "STUN server", &self->stun_host, &self->stun_port, error))
		return NULL;
	if (config != NULL && config->turn_server != NULL) {
		if (!parse_server (config->turn_server,
				   "TURN server",
				   &self->turn_host,
				   &self->turn_port,
				   error))
			return NULL;
		if (config->turn_username == NULL || *config->turn_username == '\0'
		    || config->turn_password == NULL) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "a TURN server needs a user name and a password");
			return NULL;
		}
		self->turn_username = g_strdup (config->turn_username);
		self->turn_password = g_strdup (config->turn_password);
	}

	self->agent = nice_agent_new_full (
		context, NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_REGULAR_NOMINATION);
	if (self->agent == NULL) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "libnice could not make an agent");
		return NULL;
	}
	/* Ta (RFC 8445 §14.2): checks go out one per Ta, and a call has few
	 * pairs; libnice's 20 ms made three ticks (first check, nomination, its
	 * answer) 60 ms of every call set-up. 10 ms is above RFC 8445's floor
	 * of 5 ms. */
	g_object_set (self->agent,
		      "stun-pacing-timer",
		      TA_MS,
		      "controlling-mode",
		      controlling,
		      "ice-tcp",
		      FALSE,
		      "ice-udp",
		      TRUE,
		      "upnp",
		      FALSE,
		      NULL);
	for (guint i = 0; i < n_local; i++) {
		NiceAddress address;

		nice_address_init (&address);
		if (!nice_address_set_from_string (&address, local_addresses[i])
		    || !nice_agent_add_local_address (self->agent, &address)) {
			g_set_error (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "libnice refused local address %s",
				     local_addresses[i]);
			return NULL;
		}
	}
	self->stream_id = nice_agent_add_stream (self->agent, 1);
	if (self->stream_id == 0) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_FAILED, "libnice could not add a stream");
		return NULL;
	}
	self->gathering_done_id = g_signal_connect (self->agent,
						    "candidate-gathering-done",
						    G_CALLBACK (on_candidate_gathering_done),
						    self);
	self->state_changed_id = g_signal_connect (self->agent,
						   "component-state-changed",
						   G_CALLBACK (on_component_state_changed),
						   self);
	if (!nice_agent_attach_recv (
		    self->agent, self->stream_id, COMPONENT_ID, context, on_nice_recv, self)) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "libnice could not attach the receive function");
		return NULL;
	}
	return g_steal_pointer (&self);
}

/* The local address the kernel would use to reach @remote. (transfer full) */
static GInetAddress *
route_lookup (GInetAddress *remote, GError **error)
{
	g_autoptr (GSocket) probe = NULL;
	g_autoptr (GSocketAddress) destination = NULL;
	g_autoptr (GSocketAddress) local = NULL;

	probe = g_socket_new (g_inet_address_get_family (remote),
			      G_SOCKET_TYPE_DATAGRAM,
			      G_SOCKET_PROTOCOL_UDP,
			      error);
	if (probe == NULL)
		return NULL;
	/* connect() on UDP only picks a route; nothing is sent. */
	destination = g_inet_socket_address_new (remote, 9);
	if (!g_socket_connect (probe, destination, NULL, error))
		return NULL;
	local = g_socket_get_local_address (probe, error);
	if (local == NULL)
		return NULL;
	return g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

CfIceSession *
cf_ice_session_new_plain (GMainContext *context,
			  const char *const *local_addresses,
			  const char *remote_address,
			  GError **error)
{
	g_autoptr (CfIceSession) self = NULL;
	g_autoptr (GInetAddress) remote = NULL;
	g_autoptr (GInetAddress) local = NULL;
	g_autoptr (GSocketAddress) bind_address = NULL;
	g_autoptr (GSocketAddress) bound = NULL;
	g_autoptr (GError) local_error = NULL;
	guint n_local = local_addresses != NULL ? g_strv_length ((char **)local_addresses) : 0;

	g_return_val_if_fail (context != NULL, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (n_local > CF_ICE_MAX_LOCAL_ADDRESSES) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "more than %d local addresses",
			     CF_ICE_MAX_LOCAL_ADDRESSES);
		return NULL;
	}
	if (remote_address != NULL) {
		remote = parse_unicast (remote_address, "remote address", error);
		if (remote == NULL)
			return NULL;
	}
	for (guint i = 0; i < n_local; i++) {
		g_autoptr (GInetAddress) inet =
			parse_unicast (local_addresses[i], "local address", error);
		if (inet == NULL)
			return NULL;
		if (local == NULL
		    && (remote == NULL
			|| g_inet_address_get_family (inet) == g_inet_address_get_family (remote)))
			local = g_steal_pointer (&inet);
	}
	if (local == NULL && n_local > 0) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_UNSUPPORTED,
				     "no local address of the remote address's family");
		return NULL;
	}
	if (local == NULL) {
		if (remote == NULL) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "no local address and no remote address to route to");
			return NULL;
		}
		local = route_lookup (remote, &local_error);
		if (local == NULL) {
			g_set_error (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "no route to the remote address: %s",
				     local_error->message);
			return NULL;
		}
	}

	self = g_object_new (CF_TYPE_ICE_SESSION, NULL);
	self->context = g_main_context_ref (context);
	self->plain = TRUE;
	self->socket = g_socket_new (g_inet_address_get_family (local),
				     G_SOCKET_TYPE_DATAGRAM,
				     G_SOCKET_PROTOCOL_UDP,
				     &local_error);
	bind_address = g_inet_socket_address_new (local, 0);
	if (self->socket == NULL || !g_socket_bind (self->socket, bind_address, FALSE, &local_error)
	    || (bound = g_socket_get_local_address (self->socket, &local_error)) == NULL) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_FAILED,
			     "binding the media socket: %s",
			     local_error->message);
		return NULL;
	}
	g_socket_set_blocking (self->socket, FALSE);
	self->default_address = g_inet_address_to_string (local);
	self->default_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
	self->recv_buffer = g_malloc (CF_ICE_MAX_DATAGRAM);
	self->socket_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
	g_source_set_callback (self->socket_source, G_SOURCE_FUNC (on_socket_readable), self, NULL);
	g_source_attach (self->socket_source, context);
	return g_steal_pointer (&self);
}

/* ---- Accessors ------------------------------------------------------------ */

gboolean
cf_ice_session_is_plain (CfIceSession *self)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	return self->plain;
}

CfIceState
cf_ice_session_get_state (CfIceSession *self)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), CF_ICE_STATE_CLOSED);
	return self->state;
}

gboolean
cf_ice_session_get_controlling (CfIceSession *self)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	return self->controlling;
}

const char *
cf_ice_session_get_local_ufrag (CfIceSession *self)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), NULL);
	return self->gathered ? self->local_ufrag : NULL;
}

const char *
cf_ice_session_get_local_pwd (CfIceSession *self)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), NULL);
	return self->gathered ? self->local_pwd : NULL;
}

char **
cf_ice_session_get_local_candidates (CfIceSession *self)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), NULL);
	if (!self->gathered || self->local_candidates == NULL)
		return g_new0 (char *, 1);
	return g_strdupv (self->local_candidates);
}

gboolean
cf_ice_session_get_default_address (CfIceSession *self, char **ret_address, guint16 *ret_port)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);

	if (!self->gathered || self->default_address == NULL)
		return FALSE;
	if (ret_address != NULL)
		*ret_address = g_strdup (self->default_address);
	if (ret_port != NULL)
		*ret_port = self->default_port;
	return TRUE;
}

gboolean
cf_ice_session_get_remote_address (CfIceSession *self, char **ret_address, guint16 *ret_port)
{
	NiceCandidate *local = NULL;
	NiceCandidate *remote = NULL;
	char address[NICE_ADDRESS_STRING_LEN];

	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);

	if (self->state != CF_ICE_STATE_CONNECTED)
		return FALSE;
	if (self->plain) {
		GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (self->remote);

		if (ret_address != NULL)
			*ret_address =
				g_inet_address_to_string (g_inet_socket_address_get_address (inet));
		if (ret_port != NULL)
			*ret_port = g_inet_socket_address_get_port (inet);
		return TRUE;
	}
	if (!nice_agent_get_selected_pair (
		    self->agent, self->stream_id, COMPONENT_ID, &local, &remote))
		return FALSE;
	nice_address_to_string (&remote->addr, address);
	if (ret_address != NULL)
		*ret_address = g_strdup (address);
	if (ret_port != NULL)
		*ret_port = (guint16)nice_address_get_port (&remote->addr);
	return TRUE;
}

/* ---- Gathering ------------------------------------------------------------ */

static void resolve_next (CfIceSession *self);

static gboolean
on_gather_cancelled (GCancellable *cancellable, gpointer user_data)
{
	CfIceSession *self = CF_ICE_SESSION (user_data);

	finish_gather (
		self,
		g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "gathering cancelled"));
	return G_SOURCE_REMOVE;
}

static void
start_nice_gathering (CfIceSession *self)
{
	if (self->stun_ip != NULL)
		g_object_set (self->agent,
			      "stun-server",
			      self->stun_ip,
			      "stun-server-port",
			      (guint)self->stun_port,
			      NULL);
	if (self->turn_ip != NULL
	    && !nice_agent_set_relay_info (self->agent,
					   self->stream_id,
					   COMPONENT_ID,
					   self->turn_ip,
					   self->turn_port,
					   self->turn_username,
					   self->turn_password,
					   NICE_RELAY_TYPE_TURN_UDP)) {
		finish_gather (self,
			       g_error_new_literal (CF_ICE_ERROR,
						    CF_ICE_ERROR_FAILED,
						    "libnice refused the TURN server"));
		return;
	}
	if (!nice_agent_gather_candidates (self->agent, self->stream_id)) {
		finish_gather (self,
			       g_error_new_literal (CF_ICE_ERROR,
						    CF_ICE_ERROR_FAILED,
						    "libnice could not gather candidates"));
	}
	/* on_candidate_gathering_done() completes the task. */
}

typedef struct {
	CfIceSession *self; /* a reference */
	gboolean turn;
} ResolveData;

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
	ResolveData *data = user_data;
	g_autoptr (CfIceSession) self = data->self;
	g_autoptr (GError) error = NULL;
	GList *addresses;
	GInetAddress *chosen;
	gboolean turn = data->turn;

	g_free (data);
	addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
	if (self->closed || self->gather_task == NULL) {
		g_resolver_free_addresses (addresses);
		return;
	}
	if (addresses == NULL) {
		finish_gather (self,
			       g_error_new (CF_ICE_ERROR,
					    CF_ICE_ERROR_FAILED,
					    "resolving the %s server: %s",
					    turn ? "TURN" : "STUN",
					    error->message));
		return;
	}
	/* A server we can reach from our candidates: IPv4 first (the usual
	 * case), IPv6 when we gather on IPv6 only. */
	chosen = addresses->data;
	for (GList *l = addresses; l != NULL; l = l->next) {
		GSocketFamily wanted =
			self->local_ipv6_only ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;

		if (g_inet_address_get_family (l->data) == wanted) {
			chosen = l->data;
			break;
		}
	}
	if (turn)
		self->turn_ip = g_inet_address_to_string (chosen);
	else
		self->stun_ip = g_inet_address_to_string (chosen);
	g_resolver_free_addresses (addresses);
	resolve_next (self);
}

/* Resolves the next server host that is not an IP literal, then gathers. */
static void
resolve_next (CfIceSession *self)
{
	g_autoptr (GResolver) resolver = NULL;
	const char *host = NULL;
	gboolean turn = FALSE;
	ResolveData *data;

	if (self->stun_host != NULL && self->stun_ip == NULL) {
		g_autoptr (GInetAddress) literal = g_inet_address_new_from_string (self->stun_host);

		if (literal != NULL)
			self->stun_ip = g_strdup (self->stun_host);
		else
			host = self->stun_host;
	}
	if (host == NULL && self->turn_host != NULL && self->turn_ip == NULL) {
		g_autoptr (GInetAddress) literal = g_inet_address_new_from_string (self->turn_host);

		if (literal != NULL) {
			self->turn_ip = g_strdup (self->turn_host);
		} else {
			host = self->turn_host;
			turn = TRUE;
		}
	}
	if (host == NULL) {
		start_nice_gathering (self);
		return;
	}
	data = g_new0 (ResolveData, 1);
	data->self = g_object_ref (self);
	data->turn = turn;
	resolver = g_resolver_get_default ();
	g_main_context_push_thread_default (self->context);
	g_resolver_lookup_by_name_async (
		resolver, host, g_task_get_cancellable (self->gather_task), on_resolved, data);
	g_main_context_pop_thread_default (self->context);
}

static gboolean
on_plain_gathered (gpointer user_data)
{
	CfIceSession *self = CF_ICE_SESSION (user_data);

	finish_gather (self, NULL);
	return G_SOURCE_REMOVE;
}

void
cf_ice_session_gather_async (CfIceSession *self,
			     GCancellable *cancellable,
			     GAsyncReadyCallback callback,
			     gpointer user_data)
{
	g_autoptr (GTask) task = NULL;

	g_return_if_fail (CF_IS_ICE_SESSION (self));

	/* The task completes on the session's context. */
	g_main_context_push_thread_default (self->context);
	task = g_task_new (self, cancellable, callback, user_data);
	g_main_context_pop_thread_default (self->context);
	g_task_set_source_tag (task, cf_ice_session_gather_async);

	if (self->closed || self->gather_started) {
		g_task_return_new_error (task,
					 CF_ICE_ERROR,
					 CF_ICE_ERROR_STATE,
					 self->closed ? "session closed" : "already gathering");
		return;
	}
	self->gather_started = TRUE;
	self->gather_task = g_steal_pointer (&task);
	if (cancellable != NULL) {
		self->cancel_source = g_cancellable_source_new (cancellable);
		g_source_set_callback (
			self->cancel_source, G_SOURCE_FUNC (on_gather_cancelled), self, NULL);
		g_source_attach (self->cancel_source, self->context);
	}

	if (self->plain) {
		GSource *idle = g_idle_source_new ();

		/* Nothing to gather: the socket is bound. */
		self->gathered = TRUE;
		g_source_set_callback (
			idle, on_plain_gathered, g_object_ref (self), g_object_unref);
		g_source_attach (idle, self->context);
		g_source_unref (idle);
		return;
	}
	resolve_next (self);
}

gboolean
cf_ice_session_gather_finish (CfIceSession *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
	return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Remote side ---------------------------------------------------------- */

static NiceCandidate *
to_nice_candidate (CfIceSession *self, const CfIceCandidate *candidate)
{
	NiceCandidateType type;
	NiceCandidate *nice;

	switch (candidate->type) {
	case CF_ICE_CANDIDATE_TYPE_SRFLX:
		type = NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE;
		break;
	case CF_ICE_CANDIDATE_TYPE_PRFLX:
		type = NICE_CANDIDATE_TYPE_PEER_REFLEXIVE;
		break;
	case CF_ICE_CANDIDATE_TYPE_RELAY:
		type = NICE_CANDIDATE_TYPE_RELAYED;
		break;
	case CF_ICE_CANDIDATE_TYPE_HOST:
	default:
		type = NICE_CANDIDATE_TYPE_HOST;
		break;
	}
	nice = nice_candidate_new (type);
	nice->transport = NICE_CANDIDATE_TRANSPORT_UDP;
	nice->stream_id = self->stream_id;
	nice->component_id = COMPONENT_ID;
	nice->priority = candidate->priority;
	g_strlcpy (nice->foundation, candidate->foundation, sizeof (nice->foundation));
	if (!nice_address_set_from_string (&nice->addr, candidate->address)) {
		nice_candidate_free (nice);
		return NULL;
	}
	nice_address_set_port (&nice->addr, candidate->port);
	return nice;
}

static gboolean
add_remote_candidates (CfIceSession *self, const char *const *candidates, GError **error)
{
	GSList *list = NULL;
	guint n_lines = candidates != NULL ? g_strv_length ((char **)candidates) : 0;
	guint n_usable = 0;
	gint added;

	/* Counting lines, not usable candidates, bounds the parsing work too. */
	if (n_lines > CF_ICE_MAX_REMOTE_CANDIDATES - self->n_remote_candidates) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "more than %d remote candidates",
			     CF_ICE_MAX_REMOTE_CANDIDATES);
		return FALSE;
	}
	self->n_remote_candidates += n_lines;

	for (guint i = 0; i < n_lines; i++) {
		g_autoptr (CfIceCandidate) candidate = NULL;
		g_autoptr (GError) local_error = NULL;
		NiceCandidate *nice;

		candidate = cf_ice_candidate_parse (candidates[i], &local_error);
		if (candidate == NULL) {
			g_debug ("ICE session %p: remote candidate %u skipped: %s",
				 (void *)self,
				 i,
				 local_error->message);
			continue;
		}
		if (candidate->component != COMPONENT_ID) {
			g_debug ("ICE session %p: remote candidate %u skipped: component %u",
				 (void *)self,
				 i,
				 candidate->component);
			continue;
		}
		nice = to_nice_candidate (self, candidate);
		if (nice == NULL)
			continue;
		list = g_slist_prepend (list, nice);
		n_usable++;
	}
	if (list == NULL)
		return TRUE;
	list = g_slist_reverse (list);
	added = nice_agent_set_remote_candidates (self->agent, self->stream_id, COMPONENT_ID, list);
	g_slist_free_full (list, (GDestroyNotify)nice_candidate_free);
	if (added < 0) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "libnice refused the remote candidates");
		return FALSE;
	}
	g_debug ("ICE session %p: %u of %u remote candidates usable, libnice took %d",
		 (void *)self,
		 n_usable,
		 n_lines,
		 added);
	return TRUE;
}

static gboolean
check_ice_ready_for_remote (CfIceSession *self, GError **error)
{
	if (self->closed || self->plain || !self->gathered || self->remote_set) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_STATE,
				     self->closed      ? "session closed"
				     : self->plain     ? "a plain session has no ICE"
				     : !self->gathered ? "candidates not gathered yet"
						       : "remote side already set");
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_ice_session_set_remote (CfIceSession *self,
			   const char *ufrag,
			   const char *pwd,
			   const char *const *candidates,
			   gboolean remote_lite,
			   GError **error)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (!check_ice_ready_for_remote (self, error))
		return FALSE;
	if (!cf_ice_ufrag_validate (ufrag, error) || !cf_ice_pwd_validate (pwd, error))
		return FALSE;
	if (candidates != NULL
	    && g_strv_length ((char **)candidates) > CF_ICE_MAX_REMOTE_CANDIDATES) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "more than %d remote candidates",
			     CF_ICE_MAX_REMOTE_CANDIDATES);
		return FALSE;
	}

	/* RFC 8445 §6.1.1: a full agent facing a lite one controls. */
	if (remote_lite && !self->controlling) {
		self->controlling = TRUE;
		g_object_set (self->agent, "controlling-mode", TRUE, NULL);
	}
	if (!nice_agent_set_remote_credentials (self->agent, self->stream_id, ufrag, pwd)) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "libnice refused the remote credentials");
		return FALSE;
	}
	self->remote_set = TRUE;
	set_state (self, CF_ICE_STATE_CHECKING);
	return add_remote_candidates (self, candidates, error);
}

gboolean
cf_ice_session_add_remote_candidates (CfIceSession *self,
				      const char *const *candidates,
				      GError **error)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (self->closed || self->plain || !self->remote_set || self->fallback) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_STATE,
				     "no ICE remote side to add candidates to");
		return FALSE;
	}
	return add_remote_candidates (self, candidates, error);
}

gboolean
cf_ice_session_set_remote_plain (CfIceSession *self,
				 const char *address,
				 guint16 port,
				 GError **error)
{
	g_autoptr (GInetAddress) inet = NULL;
	NiceCandidate *candidate;
	gboolean ok;

	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	inet = parse_unicast (address, "remote address", error);
	if (inet == NULL)
		return FALSE;
	if (port == 0) {
		g_set_error_literal (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "remote port 0");
		return FALSE;
	}

	if (self->plain) {
		if (self->closed) {
			g_set_error_literal (
				error, CF_ICE_ERROR, CF_ICE_ERROR_STATE, "session closed");
			return FALSE;
		}
		if (g_inet_address_get_family (inet) != g_socket_get_family (self->socket)) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_UNSUPPORTED,
					     "the remote address is not of the socket's family");
			return FALSE;
		}
		g_clear_object (&self->remote);
		self->remote = g_inet_socket_address_new (inet, port);
		self->remote_set = TRUE;
		set_state (self, CF_ICE_STATE_CONNECTED);
		return TRUE;
	}

	/* The ICE fallback: once, instead of set_remote(). */
	if (!check_ice_ready_for_remote (self, error))
		return FALSE;
	candidate = nice_candidate_new (NICE_CANDIDATE_TYPE_HOST);
	candidate->transport = NICE_CANDIDATE_TRANSPORT_UDP;
	candidate->stream_id = self->stream_id;
	candidate->component_id = COMPONENT_ID;
	candidate->priority = 1;
	g_strlcpy (candidate->foundation, "plain", sizeof (candidate->foundation));
	nice_address_set_from_string (&candidate->addr, address);
	nice_address_set_port (&candidate->addr, port);
	/* libnice emits the component state changes from inside. */
	self->remote_set = TRUE;
	self->fallback = TRUE;
	ok = nice_agent_set_selected_remote_candidate (
		self->agent, self->stream_id, COMPONENT_ID, candidate);
	nice_candidate_free (candidate);
	if (!ok) {
		self->remote_set = FALSE;
		self->fallback = FALSE;
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_UNSUPPORTED,
				     "no local host candidate of the remote address's family");
		return FALSE;
	}
	set_state (self, CF_ICE_STATE_CONNECTED);
	return TRUE;
}

/* ---- Data ----------------------------------------------------------------- */

void
cf_ice_session_set_receive_func (CfIceSession *self,
				 CfIceReceiveFunc func,
				 gpointer user_data,
				 GDestroyNotify notify)
{
	GDestroyNotify old_notify;
	gpointer old_data;

	g_return_if_fail (CF_IS_ICE_SESSION (self));

	old_notify = self->receive_notify;
	old_data = self->receive_data;
	if (self->closed) {
		/* Nothing will be received any more. */
		if (notify != NULL)
			notify (user_data);
		return;
	}
	self->receive_func = func;
	self->receive_data = user_data;
	self->receive_notify = notify;
	if (old_notify != NULL)
		old_notify (old_data);
}

gboolean
cf_ice_session_send (CfIceSession *self, const guint8 *data, gsize len, GError **error)
{
	g_return_val_if_fail (CF_IS_ICE_SESSION (self), FALSE);
	g_return_val_if_fail (data != NULL || len == 0, FALSE);

	if (self->state != CF_ICE_STATE_CONNECTED) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_STATE,
			     "cannot send: the session is %s",
			     cf_ice_state_to_string (self->state));
		return FALSE;
	}
	if (len == 0 || len > CF_ICE_MAX_DATAGRAM) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_INVALID,
			     "cannot send a datagram of %" G_GSIZE_FORMAT " bytes",
			     len);
		return FALSE;
	}
	if (self->plain) {
		g_autoptr (GError) local_error = NULL;
		gssize sent;

		/* No GError allocated on the media path when the caller wants none. */
		sent = g_socket_send_to (self->socket,
					 self->remote,
					 (const char *)data,
					 len,
					 NULL,
					 error != NULL ? &local_error : NULL);
		if (sent < 0) {
			if (error != NULL)
				g_set_error (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_FAILED,
					     "send: %s",
					     local_error->message);
			return FALSE;
		}
		return TRUE;
	}
	if (nice_agent_send (
		    self->agent, self->stream_id, COMPONENT_ID, (guint)len, (const char *)data)
	    < 0) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_FAILED,
				     "libnice could not send the datagram");
		return FALSE;
	}
	return TRUE;
}

void
cf_ice_session_close (CfIceSession *self)
{
	g_return_if_fail (CF_IS_ICE_SESSION (self));

	/* Keep self alive through the signal handlers. */
	g_object_ref (self);
	session_close (self, TRUE);
	g_object_unref (self);
}
