/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip-stack"

#include "cf-sip-stack.h"
#include "cf-sip-transaction-private.h"

#include <string.h>
#include <sys/random.h>

/* RFC 3261 §17.2.1: 100 Trying when the TU is silent this long. */
#define TIMER_100_MS 200

struct _CfSipStack {
	GObject parent_instance;

	CfSipTransport *transport;
	GHashTable *clients; /* key -> CfSipClientTransaction (owned) */
	GHashTable *servers; /* key -> CfSipServerTransaction (owned) */
	CfSipTimers timers;
	guint max_transactions;
	GResolver *resolver;
	GCancellable *cancellable; /* cancelled at dispose: name lookups */
};

enum {
	SIGNAL_REQUEST,
	SIGNAL_ACK,
	SIGNAL_STRAY_RESPONSE,
	N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfSipStack, cf_sip_stack, G_TYPE_OBJECT)

/* What the stack keeps for the TU of one client transaction. */
typedef struct {
	CfSipResponseFunc func;
	gpointer user_data;
	GDestroyNotify notify;
	CfSipClientTransaction *cancel; /* a CANCEL waiting for a provisional response */
} TuRecord;

static void
tu_record_free (TuRecord *rec)
{
	if (rec == NULL)
		return;
	if (rec->notify != NULL)
		rec->notify (rec->user_data);
	g_clear_object (&rec->cancel);
	g_free (rec);
}

/* ---- random tokens ---- */

static char *
random_hex (gsize n_bytes)
{
	guint8 bytes[32];
	gsize got = 0;
	GString *hex = g_string_sized_new (n_bytes * 2 + 8);

	g_assert (n_bytes <= sizeof (bytes));
	while (got < n_bytes) {
		gssize n = getrandom (bytes + got, n_bytes - got, 0);

		if (n <= 0)
			break;
		got += n;
	}
	/* getrandom() does not fail on Linux ≥ 3.17 once the pool is ready;
	 * should it, fall back to GLib's generator rather than to nothing. */
	for (; got < n_bytes; got++)
		bytes[got] = g_random_int_range (0, 256);
	for (gsize i = 0; i < n_bytes; i++)
		g_string_append_printf (hex, "%02x", bytes[i]);
	return g_string_free (hex, FALSE);
}

char *
cf_sip_new_branch (void)
{
	g_autofree char *hex = random_hex (16);

	return g_strconcat (CF_SIP_BRANCH_COOKIE, hex, NULL);
}

char *
cf_sip_new_token (void)
{
	return random_hex (16);
}

/* ---- destinations ---- */

typedef struct {
	CfSipTransportKind kind;
	char *host;
	guint16 port;
	gboolean is_literal;
} Target;

static void
target_clear (Target *target)
{
	g_clear_pointer (&target->host, g_free);
}

static gboolean
parse_target (const char *uri_text, Target *target, GError **error)
{
	g_autoptr(CfSipUri) uri = NULL;
	g_autoptr(GInetAddress) ip = NULL;
	const char *transport;
	const char *maddr;
	gboolean secure;

	uri = cf_sip_uri_parse (uri_text, error);
	if (uri == NULL) {
		g_prefix_error_literal (error, "next hop: ");
		return FALSE;
	}
	secure = g_ascii_strcasecmp (uri->scheme, "sips") == 0;
	transport = cf_sip_uri_get_param (uri, "transport");
	if (transport != NULL && *transport != '\0') {
		if (!cf_sip_transport_kind_from_string (transport, &target->kind)) {
			g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
				     "unsupported transport \"%s\"", transport);
			return FALSE;
		}
		if (secure && target->kind == CF_SIP_TRANSPORT_UDP) {
			g_set_error_literal (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
					     "a sips: URI cannot use UDP");
			return FALSE;
		}
		if (secure)
			target->kind = CF_SIP_TRANSPORT_TLS;
	} else {
		target->kind = secure ? CF_SIP_TRANSPORT_TLS : CF_SIP_TRANSPORT_UDP;
	}
	maddr = cf_sip_uri_get_param (uri, "maddr");
	target->host = g_strdup (maddr != NULL && *maddr != '\0' ? maddr : uri->host);
	if (target->host == NULL || *target->host == '\0') {
		g_set_error_literal (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "next hop without a host");
		return FALSE;
	}
	target->port = uri->port != 0 ? uri->port : (target->kind == CF_SIP_TRANSPORT_TLS ? 5061 : 5060);
	ip = g_inet_address_new_from_string (target->host);
	target->is_literal = ip != NULL;
	return TRUE;
}

static CfSipDestination *
target_to_destination (const Target *target, GInetAddress *ip)
{
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new (ip, target->port);

	return cf_sip_destination_new (target->kind, G_INET_SOCKET_ADDRESS (address),
				       target->is_literal ? NULL : target->host);
}

static CfSipDestination *
literal_destination (const Target *target)
{
	g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (target->host);

	return target_to_destination (target, ip);
}

/* The first address of a family we have a listener of that kind for. */
static CfSipDestination *
pick_address (CfSipStack *self, const Target *target, GList *addresses)
{
	GInetAddress *chosen = NULL;

	for (GList *l = addresses; l != NULL; l = l->next) {
		GInetAddress *ip = l->data;

		if (cf_sip_transport_get_port (self->transport, target->kind,
					       g_inet_address_get_family (ip)) != 0) {
			chosen = ip;
			break;
		}
	}
	if (chosen == NULL)
		chosen = addresses->data;
	return target_to_destination (target, chosen);
}

typedef struct {
	Target target;
} ResolveData;

static void
resolve_data_free (ResolveData *data)
{
	target_clear (&data->target);
	g_free (data);
}

static void
on_lookup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	ResolveData *data = g_task_get_task_data (task);
	CfSipStack *self = g_task_get_source_object (task);
	g_autoptr(GError) error = NULL;
	GList *addresses;

	addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
	if (addresses == NULL) {
		if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
			g_task_return_error (task, g_steal_pointer (&error));
			return;
		}
		g_task_return_new_error (task, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
					 "cannot resolve %s: %s", data->target.host, error->message);
		return;
	}
	g_task_return_pointer (task, pick_address (self, &data->target, addresses),
			       (GDestroyNotify) cf_sip_destination_free);
	g_resolver_free_addresses (addresses);
}

void
cf_sip_stack_resolve_async (CfSipStack *self,
			    const char *uri,
			    GCancellable *cancellable,
			    GAsyncReadyCallback callback,
			    gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autoptr(GError) error = NULL;
	ResolveData *data;

	g_return_if_fail (CF_IS_SIP_STACK (self));
	g_return_if_fail (uri != NULL);

	task = g_task_new (self, cancellable, callback, user_data);
	g_task_set_source_tag (task, cf_sip_stack_resolve_async);
	data = g_new0 (ResolveData, 1);
	g_task_set_task_data (task, data, (GDestroyNotify) resolve_data_free);
	if (!parse_target (uri, &data->target, &error)) {
		g_task_return_error (task, g_steal_pointer (&error));
		return;
	}
	if (data->target.is_literal) {
		g_task_return_pointer (task, literal_destination (&data->target),
				       (GDestroyNotify) cf_sip_destination_free);
		return;
	}
	g_resolver_lookup_by_name_async (self->resolver, data->target.host, cancellable,
					 on_lookup_done, g_steal_pointer (&task));
}

CfSipDestination *
cf_sip_stack_resolve_finish (CfSipStack *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail (g_task_is_valid (result, self), NULL);
	return g_task_propagate_pointer (G_TASK (result), error);
}

/* The URI a request goes towards: @next_hop, else the first Route, else the
 * Request-URI. (transfer full) */
static char *
next_hop_of (CfSipMessage *request, const char *next_hop, GError **error)
{
	const char *route;

	if (next_hop != NULL)
		return g_strdup (next_hop);
	route = cf_sip_message_get_header (request, "Route");
	if (route != NULL) {
		g_autoptr(CfSipNameAddr) na = cf_sip_name_addr_parse (route, error);

		if (na == NULL || na->uri == NULL) {
			g_prefix_error_literal (error, "Route: ");
			return NULL;
		}
		return cf_sip_uri_to_string (na->uri);
	}
	return g_strdup (cf_sip_message_get_request_uri (request));
}

/* Adds our top Via for @dest: "SIP/2.0/T host:port;branch=...;rport". */
static gboolean
add_via (CfSipStack *self, CfSipMessage *request, const CfSipDestination *dest, const char *branch,
	 GError **error)
{
	g_autofree char *host = NULL;
	g_autofree char *via = NULL;
	guint16 port = 0;

	if (!cf_sip_transport_get_sent_by (self->transport, dest, &host, &port, error))
		return FALSE;
	via = g_strdup_printf (strchr (host, ':') != NULL ? "SIP/2.0/%s [%s]:%u;branch=%s;rport"
							   : "SIP/2.0/%s %s:%u;branch=%s;rport",
			       cf_sip_transport_kind_to_string (dest->kind), host, port, branch);
	cf_sip_message_prepend_header (request, "Via", via);
	return TRUE;
}

/* ---- transactions ---- */

static guint
n_transactions (CfSipStack *self)
{
	return g_hash_table_size (self->clients) + g_hash_table_size (self->servers);
}

static void
on_client_terminated (CfSipClientTransaction *tr, gpointer user_data)
{
	CfSipStack *self = user_data;
	const char *key = cf_sip_client_transaction_get_key (tr);

	if (g_hash_table_lookup (self->clients, key) == tr)
		g_hash_table_remove (self->clients, key);
}

static void
on_server_terminated (CfSipServerTransaction *tr, gpointer user_data)
{
	CfSipStack *self = user_data;
	const char *key = cf_sip_server_transaction_get_key (tr);

	if (g_hash_table_lookup (self->servers, key) == tr)
		g_hash_table_remove (self->servers, key);
}

static void
add_client (CfSipStack *self, CfSipClientTransaction *tr)
{
	g_signal_connect_object (tr, "terminated", G_CALLBACK (on_client_terminated), self, 0);
	g_hash_table_replace (self->clients, g_strdup (cf_sip_client_transaction_get_key (tr)),
			      g_object_ref (tr));
}

static void
remove_client (CfSipStack *self, CfSipClientTransaction *tr)
{
	cf_sip_client_transaction_shutdown (tr);
	on_client_terminated (tr, self);
}

/* Adds the Via (a new one, or for a CANCEL the INVITE's) and sends. */
static gboolean
start_client (CfSipStack *self, CfSipClientTransaction *tr, const CfSipDestination *dest,
	      const char *fixed_via, GError **error)
{
	CfSipMessage *request = cf_sip_client_transaction_get_request (tr);

	if (fixed_via != NULL)
		cf_sip_message_prepend_header (request, "Via", fixed_via);
	else if (!add_via (self, request, dest, cf_sip_client_transaction_get_branch (tr), error))
		return FALSE;
	if (!cf_sip_client_transaction_start (tr, dest, error)) {
		cf_sip_message_remove_header_nth (request, "Via", 0);
		return FALSE;
	}
	return TRUE;
}

static void
on_client_response (CfSipClientTransaction *tr,
		    CfSipMessage *response,
		    const GError *error,
		    gpointer user_data)
{
	TuRecord *rec = user_data;

	if (rec->cancel != NULL) {
		g_autoptr(CfSipClientTransaction) cancel = g_steal_pointer (&rec->cancel);
		g_autoptr(GError) cancel_error = NULL;

		if (response != NULL && cf_sip_message_get_status (response) < 200) {
			/* §9.1: now the CANCEL may go, where the INVITE went. */
			CfSipStack *self = g_object_get_data (G_OBJECT (cancel), "cf-sip-stack");
			CfSipMessage *invite = cf_sip_client_transaction_get_request (tr);

			if (!start_client (self, cancel, cf_sip_client_transaction_get_destination (tr),
					   cf_sip_message_get_header (invite, "Via"), &cancel_error))
				cf_sip_client_transaction_fail (cancel, cancel_error);
		} else {
			cancel_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
							    "the INVITE ended before the CANCEL was sent");
			cf_sip_client_transaction_fail (cancel, cancel_error);
		}
	}
	if (rec->func != NULL)
		rec->func (tr, response, error, rec->user_data);
}

typedef struct {
	CfSipClientTransaction *tr; /* NULL: stateless */
	CfSipMessage *request;
} PendingSend;

static void
pending_send_free (PendingSend *pending)
{
	g_clear_object (&pending->tr);
	g_clear_pointer (&pending->request, cf_sip_message_unref);
	g_free (pending);
}

static gboolean
send_stateless_to (CfSipStack *self, CfSipMessage *request, const CfSipDestination *dest,
		   GError **error)
{
	g_autofree char *branch = cf_sip_new_branch ();

	if (!add_via (self, request, dest, branch, error))
		return FALSE;
	if (!cf_sip_transport_send (self->transport, request, dest, error)) {
		cf_sip_message_remove_header_nth (request, "Via", 0);
		return FALSE;
	}
	return TRUE;
}

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
	PendingSend *pending = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(CfSipDestination) dest = NULL;
	CfSipStack *self;

	dest = g_task_propagate_pointer (G_TASK (result), &error);
	if (dest == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		/* The stack is going away. */
		pending_send_free (pending);
		return;
	}
	self = CF_SIP_STACK (source);
	if (pending->tr == NULL) {
		if (dest == NULL || !send_stateless_to (self, pending->request, dest, &error))
			g_debug ("stateless %s not sent: %s",
				 cf_sip_message_get_method (pending->request), error->message);
	} else if (dest == NULL || !start_client (self, pending->tr, dest, NULL, &error)) {
		if (!g_error_matches (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT) &&
		    !g_error_matches (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT)) {
			g_autoptr(GError) wrapped = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
								 "%s", error->message);

			cf_sip_client_transaction_fail (pending->tr, wrapped);
		} else {
			cf_sip_client_transaction_fail (pending->tr, error);
		}
	}
	pending_send_free (pending);
}

CfSipClientTransaction *
cf_sip_stack_send_request (CfSipStack *self,
			   CfSipMessage *request,
			   const char *next_hop,
			   CfSipResponseFunc func,
			   gpointer user_data,
			   GDestroyNotify notify,
			   GError **error)
{
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autofree char *hop = NULL;
	g_autofree char *branch = NULL;
	Target target = { 0 };
	TuRecord *rec;
	CfSipMethod method;

	g_return_val_if_fail (CF_IS_SIP_STACK (self), NULL);
	g_return_val_if_fail (request != NULL && cf_sip_message_is_request (request), NULL);

	method = cf_sip_message_get_method_id (request);
	if (method == CF_SIP_METHOD_ACK || method == CF_SIP_METHOD_CANCEL) {
		if (notify != NULL)
			notify (user_data);
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			     "%s is not sent with cf_sip_stack_send_request()",
			     cf_sip_message_get_method (request));
		return NULL;
	}
	if (n_transactions (self) >= self->max_transactions) {
		if (notify != NULL)
			notify (user_data);
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT, "too many transactions (%u)",
			     self->max_transactions);
		return NULL;
	}
	hop = next_hop_of (request, next_hop, error);
	if (hop == NULL || !parse_target (hop, &target, error)) {
		target_clear (&target);
		if (notify != NULL)
			notify (user_data);
		return NULL;
	}

	rec = g_new0 (TuRecord, 1);
	rec->func = func;
	rec->user_data = user_data;
	rec->notify = notify;
	branch = cf_sip_new_branch ();
	tr = cf_sip_client_transaction_new (self->transport, request, branch, &self->timers,
					    on_client_response, rec, (GDestroyNotify) tu_record_free);
	g_object_set_data (G_OBJECT (tr), "cf-sip-stack", self);
	g_object_set_data (G_OBJECT (tr), "cf-sip-tu-record", rec);
	add_client (self, tr);

	if (target.is_literal) {
		g_autoptr(CfSipDestination) dest = literal_destination (&target);

		target_clear (&target);
		if (!start_client (self, tr, dest, NULL, error)) {
			/* The TU hears of it here, not through @func. */
			rec->func = NULL;
			remove_client (self, tr);
			return NULL;
		}
	} else {
		PendingSend *pending = g_new0 (PendingSend, 1);
		g_autofree char *uri = g_strdup (hop);

		target_clear (&target);
		pending->tr = g_object_ref (tr);
		cf_sip_stack_resolve_async (self, uri, self->cancellable, on_resolved, pending);
	}
	return g_steal_pointer (&tr);
}

/* RFC 3261 §9.1: the CANCEL for @invite (no Via yet: it gets the INVITE's). */
static CfSipMessage *
build_cancel (CfSipMessage *invite)
{
	CfSipMessage *cancel;
	guint32 number = 0;
	const char *value;
	g_autofree char *cseq = NULL;

	cancel = cf_sip_message_new_request ("CANCEL", cf_sip_message_get_request_uri (invite));
	for (guint i = 0; (value = cf_sip_message_get_header_nth (invite, "Route", i)) != NULL; i++)
		cf_sip_message_add_header (cancel, "Route", value);
	cf_sip_message_add_header (cancel, "Max-Forwards", "70");
	cf_sip_message_add_header (cancel, "From", cf_sip_message_get_header (invite, "From"));
	cf_sip_message_add_header (cancel, "To", cf_sip_message_get_header (invite, "To"));
	cf_sip_message_add_header (cancel, "Call-ID", cf_sip_message_get_call_id (invite));
	cf_sip_message_get_cseq (invite, &number, NULL);
	cseq = g_strdup_printf ("%u CANCEL", number);
	cf_sip_message_add_header (cancel, "CSeq", cseq);
	return cancel;
}

CfSipClientTransaction *
cf_sip_stack_cancel (CfSipStack *self,
		     CfSipClientTransaction *invite,
		     CfSipResponseFunc func,
		     gpointer user_data,
		     GDestroyNotify notify,
		     GError **error)
{
	g_autoptr(CfSipMessage) cancel_request = NULL;
	g_autoptr(CfSipClientTransaction) tr = NULL;
	CfSipClientTransactionState state;
	TuRecord *invite_rec = NULL;
	TuRecord *rec;
	const char *invite_key;
	gboolean pending;

	g_return_val_if_fail (CF_IS_SIP_STACK (self), NULL);
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (invite), NULL);

	invite_key = cf_sip_client_transaction_get_key (invite);
	state = cf_sip_client_transaction_get_state (invite);
	if (cf_sip_client_transaction_get_method (invite) != CF_SIP_METHOD_INVITE ||
	    g_hash_table_lookup (self->clients, invite_key) != invite ||
	    (state != CF_SIP_CLIENT_TRANSACTION_CALLING &&
	     state != CF_SIP_CLIENT_TRANSACTION_PROCEEDING)) {
		if (notify != NULL)
			notify (user_data);
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "not a pending INVITE transaction of this stack");
		return NULL;
	}
	invite_rec = g_object_get_data (G_OBJECT (invite), "cf-sip-tu-record");
	if (invite_rec != NULL && invite_rec->cancel != NULL) {
		if (notify != NULL)
			notify (user_data);
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "the INVITE is already being cancelled");
		return NULL;
	}
	if (n_transactions (self) >= self->max_transactions) {
		if (notify != NULL)
			notify (user_data);
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT, "too many transactions (%u)",
			     self->max_transactions);
		return NULL;
	}

	cancel_request = build_cancel (cf_sip_client_transaction_get_request (invite));
	rec = g_new0 (TuRecord, 1);
	rec->func = func;
	rec->user_data = user_data;
	rec->notify = notify;
	tr = cf_sip_client_transaction_new (self->transport, cancel_request,
					    cf_sip_client_transaction_get_branch (invite), &self->timers,
					    on_client_response, rec, (GDestroyNotify) tu_record_free);
	g_object_set_data (G_OBJECT (tr), "cf-sip-stack", self);
	if (g_hash_table_contains (self->clients, cf_sip_client_transaction_get_key (tr))) {
		rec->func = NULL;
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "the INVITE is already being cancelled");
		return NULL;
	}
	add_client (self, tr);

	pending = state == CF_SIP_CLIENT_TRANSACTION_CALLING ||
		  !cf_sip_client_transaction_is_started (invite);
	if (!pending) {
		const char *via = cf_sip_message_get_header (cf_sip_client_transaction_get_request (invite),
							     "Via");

		if (!start_client (self, tr, cf_sip_client_transaction_get_destination (invite), via,
				   error)) {
			rec->func = NULL;
			remove_client (self, tr);
			return NULL;
		}
		return g_steal_pointer (&tr);
	}
	/* Wait for a provisional response to the INVITE. Its Via is there
	 * once it has been sent; it is read when the CANCEL goes. */
	invite_rec = g_object_get_data (G_OBJECT (invite), "cf-sip-tu-record");
	g_return_val_if_fail (invite_rec != NULL, NULL);
	invite_rec->cancel = g_object_ref (tr);
	return g_steal_pointer (&tr);
}

gboolean
cf_sip_stack_send_stateless (CfSipStack *self,
			     CfSipMessage *request,
			     const char *next_hop,
			     GError **error)
{
	g_autofree char *hop = NULL;
	Target target = { 0 };
	PendingSend *pending;

	g_return_val_if_fail (CF_IS_SIP_STACK (self), FALSE);
	g_return_val_if_fail (request != NULL && cf_sip_message_is_request (request), FALSE);

	hop = next_hop_of (request, next_hop, error);
	if (hop == NULL || !parse_target (hop, &target, error)) {
		target_clear (&target);
		return FALSE;
	}
	if (target.is_literal) {
		g_autoptr(CfSipDestination) dest = literal_destination (&target);

		target_clear (&target);
		return send_stateless_to (self, request, dest, error);
	}
	target_clear (&target);
	pending = g_new0 (PendingSend, 1);
	pending->request = cf_sip_message_ref (request);
	cf_sip_stack_resolve_async (self, hop, self->cancellable, on_resolved, pending);
	return TRUE;
}

gboolean
cf_sip_stack_send_response_stateless (CfSipStack *self,
				      CfSipMessage *response,
				      const CfSipFlow *flow,
				      GError **error)
{
	g_return_val_if_fail (CF_IS_SIP_STACK (self), FALSE);
	g_return_val_if_fail (response != NULL && flow != NULL, FALSE);
	return cf_sip_transport_send_response (self->transport, response, flow, NULL, error);
}

/* ---- incoming ---- */

/* RFC 3261 §17.2.3 (branch with the magic cookie + sent-by + method, ACK
 * counting as INVITE), or for RFC 2543 peers the §17.2.3 fallback fields. */
static char *
server_key (CfSipMessage *request, const char *method)
{
	g_autoptr(CfSipVia) via = cf_sip_message_get_top_via (request, NULL);
	g_autofree char *host = NULL;
	const char *branch;
	guint16 port;

	if (via == NULL || via->host == NULL)
		return NULL;
	host = g_ascii_strdown (via->host, -1);
	port = via->port;
	if (port == 0)
		port = g_ascii_strcasecmp (via->transport != NULL ? via->transport : "", "TLS") == 0 ? 5061
												   : 5060;
	branch = cf_sip_via_get_param (via, "branch");
	if (branch != NULL && g_str_has_prefix (branch, CF_SIP_BRANCH_COOKIE))
		return g_strdup_printf ("%s %s:%u %s", branch, host, port, method);
	{
		g_autofree char *from_tag = cf_sip_message_get_from_tag (request);
		guint32 number = 0;

		cf_sip_message_get_cseq (request, &number, NULL);
		return g_strdup_printf ("2543 %s %s %s %u %s:%u %s %s",
					cf_sip_message_get_request_uri (request),
					from_tag != NULL ? from_tag : "",
					cf_sip_message_get_call_id (request), number, host, port,
					branch != NULL ? branch : "", method);
	}
}

static void
send_stateless_error (CfSipStack *self, CfSipMessage *request, const CfSipFlow *flow, guint status)
{
	g_autofree char *tag = cf_sip_new_token ();
	g_autoptr(CfSipMessage) response = NULL;
	g_autoptr(GError) error = NULL;

	response = cf_sip_message_new_response_to (request, status, NULL, tag);
	if (response == NULL)
		return;
	if (status == 503)
		cf_sip_message_add_header (response, "Retry-After", "5");
	if (!cf_sip_transport_send_response (self->transport, response, flow, NULL, &error))
		g_debug ("could not answer %u: %s", status, error->message);
}

static void
handle_response (CfSipStack *self, CfSipMessage *response, const CfSipFlow *flow)
{
	g_autofree char *branch = cf_sip_message_get_branch (response);
	g_autofree char *key = NULL;
	const char *method = NULL;
	guint32 number = 0;
	CfSipClientTransaction *tr;
	guint status = cf_sip_message_get_status (response);

	if (!cf_sip_message_get_cseq (response, &number, &method) || method == NULL)
		return;
	if (branch != NULL) {
		key = g_strdup_printf ("%s %s", branch, method);
		tr = g_hash_table_lookup (self->clients, key);
		if (tr != NULL) {
			g_autoptr(CfSipClientTransaction) keep = g_object_ref (tr);

			cf_sip_client_transaction_receive (tr, response);
			return;
		}
	}
	if (status >= 200 && status < 300 && g_strcmp0 (method, "INVITE") == 0) {
		g_signal_emit (self, signals[SIGNAL_STRAY_RESPONSE], 0, response, flow);
		return;
	}
	g_debug ("dropped a %u response that matches no transaction", status);
}

static void
handle_request (CfSipStack *self, CfSipMessage *request, const CfSipFlow *flow)
{
	g_autoptr(CfSipServerTransaction) tr = NULL;
	g_autofree char *key = NULL;
	CfSipMethod method = cf_sip_message_get_method_id (request);
	CfSipServerTransaction *found;

	key = server_key (request, method == CF_SIP_METHOD_ACK ? "INVITE"
							       : cf_sip_message_get_method (request));
	if (key == NULL)
		return;
	found = g_hash_table_lookup (self->servers, key);
	if (found != NULL && method == CF_SIP_METHOD_ACK &&
	    cf_sip_server_transaction_get_state (found) == CF_SIP_SERVER_TRANSACTION_ACCEPTED) {
		/* RFC 6026 §7.1: an ACK in Accepted is the TU's. */
		g_signal_emit (self, signals[SIGNAL_ACK], 0, request, flow);
		return;
	}
	if (found != NULL) {
		g_autoptr(CfSipServerTransaction) keep = g_object_ref (found);

		cf_sip_server_transaction_receive (found, request);
		return;
	}
	if (method == CF_SIP_METHOD_ACK) {
		g_signal_emit (self, signals[SIGNAL_ACK], 0, request, flow);
		return;
	}
	if (n_transactions (self) >= self->max_transactions) {
		g_debug ("too many transactions: answering %s with 503",
			 cf_sip_message_get_method (request));
		send_stateless_error (self, request, flow, 503);
		return;
	}
	tr = cf_sip_server_transaction_new (self->transport, request, flow, key, &self->timers);
	g_signal_connect_object (tr, "terminated", G_CALLBACK (on_server_terminated), self, 0);
	g_hash_table_replace (self->servers, g_strdup (key), g_object_ref (tr));

	if (method == CF_SIP_METHOD_CANCEL) {
		g_autofree char *invite_key = server_key (request, "INVITE");
		CfSipServerTransaction *invite = g_hash_table_lookup (self->servers, invite_key);

		if (invite == NULL) {
			g_autofree char *tag = cf_sip_new_token ();
			g_autoptr(GError) error = NULL;

			/* §9.2: nothing to cancel. */
			if (!cf_sip_server_transaction_respond_status (tr, 481, NULL, tag, &error))
				g_debug ("could not answer CANCEL: %s", error->message);
			return;
		}
		if (cf_sip_server_transaction_get_state (invite) != CF_SIP_SERVER_TRANSACTION_PROCEEDING) {
			g_autofree char *tag = cf_sip_new_token ();
			g_autoptr(GError) error = NULL;

			/* §9.2: the INVITE has its final response: the CANCEL
			 * has no effect, and gets a 200. */
			if (!cf_sip_server_transaction_respond_status (tr, 200, NULL, tag, &error))
				g_debug ("could not answer CANCEL: %s", error->message);
			return;
		}
		cf_sip_server_transaction_set_cancelled (tr, invite);
	}
	g_signal_emit (self, signals[SIGNAL_REQUEST], 0, tr, request);
}

static void
on_message_received (CfSipTransport *transport, CfSipMessage *msg, const CfSipFlow *flow,
		     gpointer user_data)
{
	CfSipStack *self = user_data;
	g_autoptr(CfSipStack) keep = g_object_ref (self);

	if (cf_sip_message_is_request (msg))
		handle_request (self, msg, flow);
	else
		handle_response (self, msg, flow);
}

static void
on_send_failed (CfSipTransport *transport, guint kind, GInetSocketAddress *address,
		const GError *error, gpointer user_data)
{
	CfSipStack *self = user_data;
	g_autoptr(CfSipStack) keep = g_object_ref (self);
	g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
	g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func (g_object_unref);
	g_autoptr(CfSipDestination) failed = cf_sip_destination_new (kind, address, NULL);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init (&iter, self->clients);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		const CfSipDestination *dest = cf_sip_client_transaction_get_destination (value);

		if (dest != NULL && cf_sip_destination_equal (dest, failed))
			g_ptr_array_add (clients, g_object_ref (value));
	}
	g_hash_table_iter_init (&iter, self->servers);
	while (g_hash_table_iter_next (&iter, NULL, &value)) {
		if (cf_sip_server_transaction_sent_to (value, kind, address))
			g_ptr_array_add (servers, g_object_ref (value));
	}
	for (guint i = 0; i < clients->len; i++)
		cf_sip_client_transaction_fail (g_ptr_array_index (clients, i), error);
	for (guint i = 0; i < servers->len; i++)
		cf_sip_server_transaction_fail (g_ptr_array_index (servers, i), error);
}

/* ---- public API ---- */

CfSipStack *
cf_sip_stack_new (void)
{
	return g_object_new (CF_TYPE_SIP_STACK, NULL);
}

CfSipTransport *
cf_sip_stack_get_transport (CfSipStack *self)
{
	g_return_val_if_fail (CF_IS_SIP_STACK (self), NULL);
	return self->transport;
}

void
cf_sip_stack_set_timers (CfSipStack *self, guint t1_ms, guint t2_ms, guint t4_ms, guint timer_d_ms)
{
	g_return_if_fail (CF_IS_SIP_STACK (self));
	if (t1_ms != 0)
		self->timers.t1 = t1_ms;
	if (t2_ms != 0)
		self->timers.t2 = t2_ms;
	if (t4_ms != 0)
		self->timers.t4 = t4_ms;
	if (timer_d_ms != 0)
		self->timers.timer_d = timer_d_ms;
}

void
cf_sip_stack_set_max_transactions (CfSipStack *self, guint max_transactions)
{
	g_return_if_fail (CF_IS_SIP_STACK (self));
	self->max_transactions = max_transactions;
}

guint
cf_sip_stack_get_n_transactions (CfSipStack *self)
{
	g_return_val_if_fail (CF_IS_SIP_STACK (self), 0);
	return n_transactions (self);
}

/* ---- GObject ---- */

static void
cf_sip_stack_dispose (GObject *object)
{
	CfSipStack *self = CF_SIP_STACK (object);
	GHashTableIter iter;
	gpointer value;

	g_cancellable_cancel (self->cancellable);
	if (self->transport != NULL)
		g_signal_handlers_disconnect_by_data (self->transport, self);
	if (self->clients != NULL) {
		g_hash_table_iter_init (&iter, self->clients);
		while (g_hash_table_iter_next (&iter, NULL, &value))
			cf_sip_client_transaction_shutdown (value);
		g_hash_table_remove_all (self->clients);
	}
	if (self->servers != NULL) {
		g_hash_table_iter_init (&iter, self->servers);
		while (g_hash_table_iter_next (&iter, NULL, &value))
			cf_sip_server_transaction_shutdown (value);
		g_hash_table_remove_all (self->servers);
	}
	g_clear_object (&self->transport);
	G_OBJECT_CLASS (cf_sip_stack_parent_class)->dispose (object);
}

static void
cf_sip_stack_finalize (GObject *object)
{
	CfSipStack *self = CF_SIP_STACK (object);

	g_hash_table_unref (self->clients);
	g_hash_table_unref (self->servers);
	g_clear_object (&self->resolver);
	g_clear_object (&self->cancellable);
	G_OBJECT_CLASS (cf_sip_stack_parent_class)->finalize (object);
}

static void
cf_sip_stack_class_init (CfSipStackClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_sip_stack_dispose;
	object_class->finalize = cf_sip_stack_finalize;

	signals[SIGNAL_REQUEST] = g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
						0, NULL, NULL, NULL, G_TYPE_NONE, 2,
						CF_TYPE_SIP_SERVER_TRANSACTION, G_TYPE_POINTER);
	signals[SIGNAL_ACK] = g_signal_new ("ack", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
					    NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
	signals[SIGNAL_STRAY_RESPONSE] = g_signal_new ("stray-response", G_TYPE_FROM_CLASS (klass),
						       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						       G_TYPE_NONE, 2, G_TYPE_POINTER,
						       G_TYPE_POINTER);
}

static void
cf_sip_stack_init (CfSipStack *self)
{
	self->transport = cf_sip_transport_new ();
	self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
	self->servers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
	self->timers.t1 = CF_SIP_DEFAULT_T1_MS;
	self->timers.t2 = CF_SIP_DEFAULT_T2_MS;
	self->timers.t4 = CF_SIP_DEFAULT_T4_MS;
	self->timers.timer_d = CF_SIP_DEFAULT_TIMER_D_MS;
	self->timers.timer_100 = TIMER_100_MS;
	self->max_transactions = CF_SIP_DEFAULT_MAX_TRANSACTIONS;
	self->resolver = g_resolver_get_default ();
	self->cancellable = g_cancellable_new ();
	g_signal_connect (self->transport, "message-received", G_CALLBACK (on_message_received), self);
	g_signal_connect (self->transport, "send-failed", G_CALLBACK (on_send_failed), self);
}
