/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip-transport"

#include "cf-sip-transport.h"

#include <netinet/in.h>
#include <string.h>

/* A stream may hold one whole message plus this much of the next one. */
#define RECV_MARGIN 4096
#define RECV_CHUNK 16384
#define UDP_BUFFER_SIZE 65536
#define UDP_MAX_PAYLOAD 65507
/* How long an outbound connection may take to connect (and shake hands). */
#define CONNECT_TIMEOUT_MS (32 * 1000)
/* Datagrams read in one dispatch before other sources get a turn. */
#define UDP_READS_PER_DISPATCH 64
#define LISTEN_BACKLOG 128

typedef struct {
	CfSipTransport *transport; /* unowned: the transport owns the listener */
	CfSipTransportKind kind;
	GSocket *socket;
	GSocketService *service; /* TCP/TLS */
	GSource *source;         /* UDP */
	GInetSocketAddress *address;
} Listener;

struct _CfSipConnection {
	gint ref_count;
	guint serial;
	CfSipTransport *transport; /* unowned; NULL once closed */
	CfSipTransportKind kind;
	gboolean outbound;
	gboolean ready; /* connected and, for TLS, handshake done */
	GInetSocketAddress *remote;
	GInetSocketAddress *local; /* NULL until connected */
	char *key;
	char *tls_name;
	GSocketConnection *base;
	GIOStream *stream; /* base, or the GTlsConnection on top of it */
	GCancellable *cancellable;
	GByteArray *inbuf;
	/* Framing state, so that a peer dribbling bytes costs O(n), not O(n²):
	 * bytes known to hold no end of headers, and the length the message
	 * in the buffer needs once its headers were seen (0: unknown). */
	gsize scanned;
	gsize needed;
	guint8 *chunk;
	GQueue outq; /* GBytes */
	gsize queued_bytes;
	gboolean writing;
	gint64 last_activity;
	GSource *timer;
};

struct _CfSipTransport {
	GObject parent_instance;

	GPtrArray *listeners;     /* Listener */
	GQueue connections;       /* CfSipConnection, one reference each */
	GHashTable *conn_by_key;  /* key -> CfSipConnection (unowned) */
	GSocketClient *client;
	GTlsCertificate *certificate;
	GTlsDatabase *ca;
	char *advertised_host;
	guint max_connections;
	guint idle_timeout_ms;
	gsize max_queued_bytes;
	guint drop_datagrams;
	guint n_datagrams_sent;
	guint next_serial;
	guint8 *udp_buffer;
	gboolean disposing;
};

enum {
	SIGNAL_MESSAGE_RECEIVED,
	SIGNAL_SEND_FAILED,
	N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfSipTransport, cf_sip_transport, G_TYPE_OBJECT)

static void conn_close (CfSipConnection *conn, const GError *error);
static void conn_start_read (CfSipConnection *conn);
static void conn_flush (CfSipConnection *conn);

/* ---- small helpers ---- */

const char *
cf_sip_transport_kind_to_string (CfSipTransportKind kind)
{
	switch (kind) {
	case CF_SIP_TRANSPORT_UDP:
		return "UDP";
	case CF_SIP_TRANSPORT_TCP:
		return "TCP";
	case CF_SIP_TRANSPORT_TLS:
		return "TLS";
	}
	return "UDP";
}

gboolean
cf_sip_transport_kind_from_string (const char *text, CfSipTransportKind *ret_kind)
{
	CfSipTransportKind kind;

	if (text == NULL)
		return FALSE;
	if (g_ascii_strcasecmp (text, "udp") == 0)
		kind = CF_SIP_TRANSPORT_UDP;
	else if (g_ascii_strcasecmp (text, "tcp") == 0)
		kind = CF_SIP_TRANSPORT_TCP;
	else if (g_ascii_strcasecmp (text, "tls") == 0)
		kind = CF_SIP_TRANSPORT_TLS;
	else
		return FALSE;
	if (ret_kind != NULL)
		*ret_kind = kind;
	return TRUE;
}

gboolean
cf_sip_transport_kind_is_reliable (CfSipTransportKind kind)
{
	return kind != CF_SIP_TRANSPORT_UDP;
}

static guint16
default_port (CfSipTransportKind kind)
{
	return kind == CF_SIP_TRANSPORT_TLS ? 5061 : 5060;
}

char *
cf_sip_socket_address_to_string (GInetSocketAddress *address)
{
	GInetAddress *ip;
	g_autofree char *text = NULL;

	if (address == NULL)
		return g_strdup ("(none)");
	ip = g_inet_socket_address_get_address (address);
	text = g_inet_address_to_string (ip);
	if (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6)
		return g_strdup_printf ("[%s]:%u", text, g_inet_socket_address_get_port (address));
	return g_strdup_printf ("%s:%u", text, g_inet_socket_address_get_port (address));
}

static gboolean
same_socket_address (GInetSocketAddress *a, GInetSocketAddress *b)
{
	if (a == NULL || b == NULL)
		return FALSE;
	return g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b) &&
	       g_inet_address_equal (g_inet_socket_address_get_address (a),
				     g_inet_socket_address_get_address (b));
}

static GSocketFamily
address_family (GInetSocketAddress *address)
{
	return g_inet_address_get_family (g_inet_socket_address_get_address (address));
}

static char *
connection_key (CfSipTransportKind kind, GInetSocketAddress *remote)
{
	g_autofree char *addr = cf_sip_socket_address_to_string (remote);

	return g_strdup_printf ("%s %s", cf_sip_transport_kind_to_string (kind), addr);
}

/* ---- flows and destinations ---- */

CfSipFlow *
cf_sip_flow_copy (const CfSipFlow *flow)
{
	CfSipFlow *copy;

	if (flow == NULL)
		return NULL;
	copy = g_new0 (CfSipFlow, 1);
	copy->kind = flow->kind;
	copy->remote = flow->remote != NULL ? g_object_ref (flow->remote) : NULL;
	copy->local = flow->local != NULL ? g_object_ref (flow->local) : NULL;
	copy->connection = flow->connection != NULL ? cf_sip_connection_ref (flow->connection) : NULL;
	return copy;
}

void
cf_sip_flow_free (CfSipFlow *flow)
{
	if (flow == NULL)
		return;
	g_clear_object (&flow->remote);
	g_clear_object (&flow->local);
	g_clear_pointer (&flow->connection, cf_sip_connection_unref);
	g_free (flow);
}

CfSipDestination *
cf_sip_destination_new (CfSipTransportKind kind, GInetSocketAddress *address, const char *tls_name)
{
	CfSipDestination *dest;

	g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (address), NULL);
	dest = g_new0 (CfSipDestination, 1);
	dest->kind = kind;
	dest->address = g_object_ref (address);
	dest->tls_name = g_strdup (tls_name);
	return dest;
}

CfSipDestination *
cf_sip_destination_copy (const CfSipDestination *dest)
{
	if (dest == NULL)
		return NULL;
	return cf_sip_destination_new (dest->kind, dest->address, dest->tls_name);
}

void
cf_sip_destination_free (CfSipDestination *dest)
{
	if (dest == NULL)
		return;
	g_clear_object (&dest->address);
	g_free (dest->tls_name);
	g_free (dest);
}

gboolean
cf_sip_destination_equal (const CfSipDestination *a, const CfSipDestination *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->kind == b->kind && same_socket_address (a->address, b->address);
}

char *
cf_sip_destination_to_string (const CfSipDestination *dest)
{
	g_autofree char *addr = NULL;

	if (dest == NULL)
		return g_strdup ("(none)");
	addr = cf_sip_socket_address_to_string (dest->address);
	return g_strdup_printf ("%s %s", cf_sip_transport_kind_to_string (dest->kind), addr);
}

/* ---- listeners ---- */

static void
listener_free (Listener *listener)
{
	if (listener == NULL)
		return;
	if (listener->source != NULL) {
		g_source_destroy (listener->source);
		g_source_unref (listener->source);
	}
	if (listener->service != NULL) {
		g_socket_service_stop (listener->service);
		g_socket_listener_close (G_SOCKET_LISTENER (listener->service));
		g_object_unref (listener->service);
	}
	if (listener->socket != NULL) {
		g_socket_close (listener->socket, NULL);
		g_object_unref (listener->socket);
	}
	g_clear_object (&listener->address);
	g_free (listener);
}

/* The listener a message of @kind to/from @family goes out of; @local
 * (nullable) prefers the one bound to that exact address. */
static Listener *
find_listener (CfSipTransport *self, CfSipTransportKind kind, GSocketFamily family,
	       GInetSocketAddress *local)
{
	Listener *found = NULL;

	for (guint i = 0; i < self->listeners->len; i++) {
		Listener *listener = g_ptr_array_index (self->listeners, i);

		if (listener->kind != kind)
			continue;
		if (family != G_SOCKET_FAMILY_INVALID && address_family (listener->address) != family)
			continue;
		if (local != NULL && same_socket_address (local, listener->address))
			return listener;
		if (found == NULL)
			found = listener;
	}
	return found;
}

/* ---- connections ---- */

CfSipConnection *
cf_sip_connection_ref (CfSipConnection *conn)
{
	g_return_val_if_fail (conn != NULL, NULL);
	g_atomic_int_inc (&conn->ref_count);
	return conn;
}

void
cf_sip_connection_unref (CfSipConnection *conn)
{
	if (conn == NULL)
		return;
	if (!g_atomic_int_dec_and_test (&conn->ref_count))
		return;
	g_warn_if_fail (conn->transport == NULL);
	g_clear_object (&conn->remote);
	g_clear_object (&conn->local);
	g_free (conn->key);
	g_free (conn->tls_name);
	g_clear_object (&conn->base);
	g_clear_object (&conn->stream);
	g_clear_object (&conn->cancellable);
	g_clear_pointer (&conn->inbuf, g_byte_array_unref);
	g_free (conn->chunk);
	g_queue_clear_full (&conn->outq, (GDestroyNotify) g_bytes_unref);
	if (conn->timer != NULL) {
		g_source_destroy (conn->timer);
		g_source_unref (conn->timer);
	}
	g_free (conn);
}

gboolean
cf_sip_connection_is_open (CfSipConnection *conn)
{
	return conn != NULL && conn->transport != NULL;
}

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
	return callback (user_data);
}

static GSourceFuncs timer_funcs = {
	.dispatch = timer_dispatch,
};

static void
conn_touch (CfSipConnection *conn)
{
	CfSipTransport *self = conn->transport;

	if (self == NULL)
		return;
	conn->last_activity = g_get_monotonic_time ();
	if (conn->ready)
		g_source_set_ready_time (conn->timer,
					 conn->last_activity + (gint64) self->idle_timeout_ms * 1000);
}

static gboolean
on_conn_timer (gpointer user_data)
{
	CfSipConnection *conn = user_data;
	g_autoptr(GError) error = NULL;

	if (conn->ready)
		error = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
				     "connection %u idle for too long", conn->serial);
	else
		error = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
				     "connection %u: connecting timed out", conn->serial);
	g_debug ("%s", error->message);
	g_source_set_ready_time (conn->timer, -1);
	conn_close (conn, error);
	return G_SOURCE_CONTINUE;
}

static CfSipConnection *
conn_new (CfSipTransport *self, CfSipTransportKind kind, GInetSocketAddress *remote, gboolean outbound)
{
	CfSipConnection *conn = g_new0 (CfSipConnection, 1);

	conn->ref_count = 1;
	conn->serial = ++self->next_serial;
	conn->transport = self;
	conn->kind = kind;
	conn->outbound = outbound;
	conn->remote = g_object_ref (remote);
	conn->key = connection_key (kind, remote);
	conn->cancellable = g_cancellable_new ();
	conn->inbuf = g_byte_array_new ();
	conn->chunk = g_malloc (RECV_CHUNK);
	g_queue_init (&conn->outq);
	conn->last_activity = g_get_monotonic_time ();
	conn->timer = g_source_new (&timer_funcs, sizeof (GSource));
	g_source_set_callback (conn->timer, on_conn_timer, conn, NULL);
	g_source_set_ready_time (conn->timer, conn->last_activity + (gint64) CONNECT_TIMEOUT_MS * 1000);
	g_source_attach (conn->timer, g_main_context_get_thread_default ());

	/* The transport holds the reference returned here. */
	g_queue_push_tail (&self->connections, conn);
	g_hash_table_replace (self->conn_by_key, conn->key, conn);
	return conn;
}

/* Closes @conn; @error (nullable) says why, and is reported as ::send-failed
 * when messages were still waiting to go out. */
static void
conn_close (CfSipConnection *conn, const GError *error)
{
	CfSipTransport *self = conn->transport;
	gboolean lost;

	if (self == NULL)
		return;
	lost = !g_queue_is_empty (&conn->outq);
	g_debug ("connection %u (%s) closed%s%s", conn->serial, conn->key,
		 error != NULL ? ": " : "", error != NULL ? error->message : "");

	conn->transport = NULL;
	g_cancellable_cancel (conn->cancellable);
	if (conn->timer != NULL) {
		g_source_destroy (conn->timer);
		g_clear_pointer (&conn->timer, g_source_unref);
	}
	/* A ready connection is closed now, so that the peer sees it at once.
	 * One still connecting or shaking hands (in a worker thread, for TLS)
	 * is only cancelled: its socket closes when the cancelled operation
	 * lets go of it, and no thread is left using a closed descriptor. */
	if (conn->base != NULL && conn->ready)
		g_socket_close (g_socket_connection_get_socket (conn->base), NULL);
	g_clear_object (&conn->stream);
	g_clear_object (&conn->base);
	g_byte_array_set_size (conn->inbuf, 0);
	conn->scanned = conn->needed = 0;
	g_queue_clear_full (&conn->outq, (GDestroyNotify) g_bytes_unref);
	g_queue_init (&conn->outq);
	conn->queued_bytes = 0;

	if (g_hash_table_lookup (self->conn_by_key, conn->key) == conn)
		g_hash_table_remove (self->conn_by_key, conn->key);
	/* Another connection with the same peer may take over the key. */
	for (GList *l = self->connections.head; l != NULL; l = l->next) {
		CfSipConnection *other = l->data;

		if (other != conn && other->transport != NULL && g_strcmp0 (other->key, conn->key) == 0 &&
		    !g_hash_table_contains (self->conn_by_key, other->key))
			g_hash_table_replace (self->conn_by_key, other->key, other);
	}

	if (lost && !self->disposing) {
		g_autoptr(GError) lost_error = NULL;

		/* Whatever the cause, the TU sees a transport error. */
		if (error != NULL)
			lost_error = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT, "%s",
						  error->message);
		else
			lost_error = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
						  "connection to %s closed", conn->key);
		g_object_ref (self);
		g_queue_remove (&self->connections, conn);
		g_signal_emit (self, signals[SIGNAL_SEND_FAILED], 0, (guint) conn->kind, conn->remote,
			       lost_error);
		cf_sip_connection_unref (conn);
		g_object_unref (self);
		return;
	}
	g_queue_remove (&self->connections, conn);
	cf_sip_connection_unref (conn);
}

/* Makes room for one more connection: closes the oldest idle one. */
static gboolean
make_room (CfSipTransport *self)
{
	CfSipConnection *oldest = NULL;

	if (g_queue_get_length (&self->connections) < self->max_connections)
		return TRUE;
	for (GList *l = self->connections.head; l != NULL; l = l->next) {
		CfSipConnection *conn = l->data;

		if (!conn->ready || conn->writing || !g_queue_is_empty (&conn->outq))
			continue;
		if (oldest == NULL || conn->last_activity < oldest->last_activity)
			oldest = conn;
	}
	if (oldest == NULL)
		return FALSE;
	g_debug ("too many connections: closing the oldest idle one, %u (%s)", oldest->serial,
		 oldest->key);
	conn_close (oldest, NULL);
	return g_queue_get_length (&self->connections) < self->max_connections;
}

static void
conn_set_ready (CfSipConnection *conn)
{
	conn->ready = TRUE;
	conn_touch (conn);
	conn_start_read (conn);
	conn_flush (conn);
}

static void
on_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CfSipConnection) conn = user_data;
	g_autoptr(GError) error = NULL;
	GBytes *bytes;

	if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error)) {
		conn->writing = FALSE;
		conn_close (conn, error);
		return;
	}
	conn->writing = FALSE;
	if (conn->transport == NULL)
		return;
	bytes = g_queue_pop_head (&conn->outq);
	if (bytes != NULL) {
		conn->queued_bytes -= g_bytes_get_size (bytes);
		g_bytes_unref (bytes);
	}
	conn_touch (conn);
	conn_flush (conn);
}

static void
conn_flush (CfSipConnection *conn)
{
	GBytes *bytes;
	gsize size;
	const guint8 *data;

	if (conn->transport == NULL || !conn->ready || conn->writing)
		return;
	bytes = g_queue_peek_head (&conn->outq);
	if (bytes == NULL)
		return;
	data = g_bytes_get_data (bytes, &size);
	conn->writing = TRUE;
	g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->stream), data, size,
					 G_PRIORITY_DEFAULT, conn->cancellable, on_written,
					 cf_sip_connection_ref (conn));
}

static gboolean
conn_queue (CfSipConnection *conn, GBytes *bytes, GError **error)
{
	CfSipTransport *self = conn->transport;
	gsize size = g_bytes_get_size (bytes);

	if (conn->queued_bytes + size > self->max_queued_bytes) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT,
			     "output queue of the connection to %s is full", conn->key);
		return FALSE;
	}
	g_queue_push_tail (&conn->outq, g_bytes_ref (bytes));
	conn->queued_bytes += size;
	conn_flush (conn);
	return TRUE;
}

/* ---- receiving ---- */

static gboolean
is_header (const char *name, gsize len, const char *long_name, const char *compact)
{
	if (strlen (long_name) == len && g_ascii_strncasecmp (name, long_name, len) == 0)
		return TRUE;
	return compact != NULL && len == 1 && g_ascii_tolower (name[0]) == compact[0];
}

/* A 400 for a request that cf_sip_message_parse() refused, built from the raw
 * bytes, or NULL when it is not a request or lacks what a response needs
 * (Via, From, To, Call-ID, CSeq) or is an ACK (never answered). */
static GBytes *
build_bad_request_reply (const char *data, gsize len, const char *why)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GString) reply = NULL;
	g_autofree char *from = NULL;
	g_autofree char *to = NULL;
	g_autofree char *call_id = NULL;
	g_autofree char *cseq = NULL;
	g_autoptr(GPtrArray) vias = g_ptr_array_new_with_free_func (g_free);
	g_autofree char *reason = NULL;
	gsize pos = 0;
	gboolean first = TRUE;
	g_autofree char *start = NULL;

	/* Split into unfolded lines up to the blank line. */
	while (pos < len) {
		gsize end = pos;
		gsize next;
		g_autofree char *line = NULL;

		while (end < len && data[end] != '\n')
			end++;
		next = end < len ? end + 1 : end;
		if (end > pos && data[end - 1] == '\r')
			end--;
		if (end - pos > CF_SIP_MAX_LINE_LENGTH || memchr (data + pos, '\0', end - pos) != NULL)
			return NULL;
		line = g_strndup (data + pos, end - pos);
		pos = next;
		if (first) {
			start = g_steal_pointer (&line);
			first = FALSE;
			continue;
		}
		if (*line == '\0')
			break;
		if ((*line == ' ' || *line == '\t') && lines->len > 0) {
			char *prev = g_ptr_array_index (lines, lines->len - 1);

			if (strlen (prev) + strlen (line) > CF_SIP_MAX_LINE_LENGTH)
				return NULL;
			g_ptr_array_index (lines, lines->len - 1) =
				g_strconcat (prev, " ", g_strstrip (line), NULL);
			g_free (prev);
			continue;
		}
		if (lines->len >= CF_SIP_MAX_HEADERS * 2)
			return NULL;
		g_ptr_array_add (lines, g_steal_pointer (&line));
	}

	/* A request line: "METHOD uri SIP/2.0"; a response starts "SIP/". */
	if (start == NULL || g_ascii_strncasecmp (start, "SIP/", 4) == 0)
		return NULL;
	g_strstrip (start);
	if (!g_str_has_suffix (start, " SIP/2.0") || g_str_has_prefix (start, "ACK "))
		return NULL;
	for (const char *p = start; *p != ' '; p++) {
		if (!g_ascii_isalnum (*p) && strchr ("-.!%*_+`'~", *p) == NULL)
			return NULL;
	}

	for (guint i = 0; i < lines->len; i++) {
		const char *line = g_ptr_array_index (lines, i);
		const char *colon = strchr (line, ':');
		g_autofree char *value = NULL;
		gsize name_len;

		if (colon == NULL)
			continue;
		name_len = colon - line;
		while (name_len > 0 && (line[name_len - 1] == ' ' || line[name_len - 1] == '\t'))
			name_len--;
		value = g_strstrip (g_strdup (colon + 1));
		if (*value == '\0')
			continue;
		if (is_header (line, name_len, "Via", "v"))
			g_ptr_array_add (vias, g_steal_pointer (&value));
		else if (is_header (line, name_len, "From", "f") && from == NULL)
			from = g_steal_pointer (&value);
		else if (is_header (line, name_len, "To", "t") && to == NULL)
			to = g_steal_pointer (&value);
		else if (is_header (line, name_len, "Call-ID", "i") && call_id == NULL)
			call_id = g_steal_pointer (&value);
		else if (is_header (line, name_len, "CSeq", NULL) && cseq == NULL)
			cseq = g_steal_pointer (&value);
	}
	if (vias->len == 0 || from == NULL || to == NULL || call_id == NULL || cseq == NULL)
		return NULL;

	/* The reason phrase names the problem, without control characters. */
	reason = g_strdup_printf ("Bad Request (%s)", why);
	for (char *p = reason; *p != '\0'; p++) {
		if ((guchar) *p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	if (strlen (reason) > 200)
		reason[200] = '\0';

	reply = g_string_new (NULL);
	g_string_append_printf (reply, "SIP/2.0 400 %s\r\n", reason);
	for (guint i = 0; i < vias->len; i++)
		g_string_append_printf (reply, "Via: %s\r\n", (char *) g_ptr_array_index (vias, i));
	g_string_append_printf (reply, "From: %s\r\n", from);
	if (strstr (to, "tag=") == NULL)
		g_string_append_printf (reply, "To: %s;tag=%08x\r\n", to, g_random_int ());
	else
		g_string_append_printf (reply, "To: %s\r\n", to);
	g_string_append_printf (reply, "Call-ID: %s\r\n", call_id);
	g_string_append_printf (reply, "CSeq: %s\r\n", cseq);
	g_string_append (reply, "Content-Length: 0\r\n\r\n");
	return g_string_free_to_bytes (g_steal_pointer (&reply));
}

static gboolean send_bytes_udp (CfSipTransport *self,
				GBytes *bytes,
				GInetSocketAddress *to,
				GInetSocketAddress *local,
				GError **error);

/* RFC 3261 §18.2.1, RFC 3581 §4: received= and rport= on the top Via. */
static void
stamp_top_via (CfSipMessage *msg, GInetSocketAddress *source)
{
	g_autoptr(CfSipVia) via = cf_sip_message_get_top_via (msg, NULL);
	g_autoptr(GInetAddress) sent_by = NULL;
	g_autofree char *source_ip = NULL;
	g_autofree char *text = NULL;
	GInetAddress *source_addr = g_inet_socket_address_get_address (source);
	gboolean changed = FALSE;

	if (via == NULL)
		return;
	source_ip = g_inet_address_to_string (source_addr);
	if (via->host != NULL)
		sent_by = g_inet_address_new_from_string (via->host);
	if (cf_sip_via_has_param (via, "rport")) {
		g_autofree char *port = g_strdup_printf ("%u", g_inet_socket_address_get_port (source));

		cf_sip_via_set_param (via, "rport", port);
		cf_sip_via_set_param (via, "received", source_ip);
		changed = TRUE;
	} else if (sent_by == NULL || !g_inet_address_equal (sent_by, source_addr)) {
		cf_sip_via_set_param (via, "received", source_ip);
		changed = TRUE;
	}
	if (!changed)
		return;
	text = cf_sip_via_to_string (via);
	cf_sip_message_remove_header_nth (msg, "Via", 0);
	cf_sip_message_prepend_header (msg, "Via", text);
}

static void
handle_datagram_or_frame (CfSipTransport *self, const char *data, gsize len, const CfSipFlow *flow)
{
	g_autoptr(CfSipMessage) msg = NULL;
	g_autoptr(GError) error = NULL;

	msg = cf_sip_message_parse (data, len, &error);
	if (msg == NULL) {
		g_autoptr(GBytes) reply = build_bad_request_reply (data, len, error->message);
		g_autoptr(GError) send_error = NULL;

		g_debug ("dropped a malformed message from %s: %s%s",
			 flow->kind == CF_SIP_TRANSPORT_UDP ? "UDP" : "a stream", error->message,
			 reply != NULL ? " (answered 400)" : "");
		if (reply == NULL)
			return;
		if (flow->connection != NULL) {
			if (cf_sip_connection_is_open (flow->connection) &&
			    !conn_queue (flow->connection, reply, &send_error))
				g_debug ("could not answer 400: %s", send_error->message);
		} else if (!send_bytes_udp (self, reply, flow->remote, flow->local, &send_error)) {
			g_debug ("could not answer 400: %s", send_error->message);
		}
		return;
	}
	if (cf_sip_message_is_request (msg))
		stamp_top_via (msg, flow->remote);
	g_signal_emit (self, signals[SIGNAL_MESSAGE_RECEIVED], 0, msg, flow);
}

static gboolean
on_udp_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
	Listener *listener = user_data;
	g_autoptr(CfSipTransport) self = g_object_ref (listener->transport);
	g_autoptr(GInetSocketAddress) local = g_object_ref (listener->address);

	for (guint i = 0; i < UDP_READS_PER_DISPATCH; i++) {
		g_autoptr(GSocketAddress) from = NULL;
		g_autoptr(GError) error = NULL;
		gssize n;
		gsize skip = 0;
		CfSipFlow flow = { 0 };

		n = g_socket_receive_from (socket, &from, (char *) self->udp_buffer,
					   UDP_BUFFER_SIZE, NULL, &error);
		if (n < 0) {
			if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
				g_debug ("UDP receive: %s", error->message);
			break;
		}
		if (!G_IS_INET_SOCKET_ADDRESS (from))
			continue;
		/* CRLF keep-alives (RFC 5626 §3.5.1) carry nothing. */
		while (skip < (gsize) n && (self->udp_buffer[skip] == '\r' || self->udp_buffer[skip] == '\n'))
			skip++;
		if (skip == (gsize) n)
			continue;
		flow.kind = CF_SIP_TRANSPORT_UDP;
		flow.remote = G_INET_SOCKET_ADDRESS (from);
		flow.local = local;
		handle_datagram_or_frame (self, (const char *) self->udp_buffer + skip, n - skip, &flow);
		/* A handler may have disposed of the transport. */
		if (self->disposing)
			break;
	}
	return G_SOURCE_CONTINUE;
}

/* Whether @data[@from..@len) holds an empty line ("\n\n" or "\n\r\n"); NUL
 * bytes are data like any other. */
static gboolean
has_blank_line (const char *data, gsize from, gsize len)
{
	const char *p = data + from;
	const char *end = data + len;

	while (p < end && (p = memchr (p, '\n', end - p)) != NULL) {
		if (p + 1 < end && p[1] == '\n')
			return TRUE;
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return TRUE;
		p++;
	}
	return FALSE;
}

/* Frames and hands up every complete message in the buffer. Returns FALSE
 * when the connection was closed. */
static gboolean
conn_process (CfSipConnection *conn)
{
	while (conn->transport != NULL) {
		CfSipTransport *self = conn->transport;
		g_autoptr(GError) error = NULL;
		gsize skip = 0;
		gsize msg_len = 0;
		gsize crlf = 0;
		const char *data = (const char *) conn->inbuf->data;

		while (crlf < conn->inbuf->len && (data[crlf] == '\r' || data[crlf] == '\n'))
			crlf++;
		if (crlf > 0)
			g_byte_array_remove_range (conn->inbuf, 0, crlf);
		if (conn->inbuf->len == 0)
			return TRUE;
		data = (const char *) conn->inbuf->data;
		if (crlf > 0)
			conn->scanned = conn->needed = 0;

		/* Frame again only when it can succeed: the body is all there,
		 * or the new bytes may end the headers. */
		if (conn->inbuf->len <= CF_SIP_MAX_MESSAGE_SIZE + RECV_MARGIN) {
			if (conn->needed != 0 && conn->inbuf->len < conn->needed)
				return TRUE;
			if (conn->needed == 0 && conn->scanned > 0) {
				gsize from = conn->scanned > 3 ? conn->scanned - 3 : 0;
				if (!has_blank_line (data, from, conn->inbuf->len)) {
					conn->scanned = conn->inbuf->len;
					return TRUE;
				}
			}
		}

		if (!cf_sip_message_frame (data, conn->inbuf->len, &skip, &msg_len, &error)) {
			if (g_error_matches (error, CF_SIP_ERROR, CF_SIP_ERROR_INCOMPLETE)) {
				conn->scanned = conn->inbuf->len;
				conn->needed = msg_len != 0 ? skip + msg_len : 0;
				if (conn->inbuf->len <= CF_SIP_MAX_MESSAGE_SIZE + RECV_MARGIN)
					return TRUE;
				g_clear_error (&error);
				g_set_error (&error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE,
					     "message on connection %u too large", conn->serial);
			}
			g_prefix_error_literal (&error, "broken stream framing: ");
			conn_close (conn, error);
			return FALSE;
		}
		if (skip + msg_len > conn->inbuf->len || msg_len == 0) {
			g_autoptr(GError) bad = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_PARSE,
							     "broken stream framing");

			conn_close (conn, bad);
			return FALSE;
		}
		{
			g_autoptr(CfSipTransport) keep = g_object_ref (self);
			g_autoptr(CfSipConnection) keep_conn = cf_sip_connection_ref (conn);
			g_autoptr(GBytes) frame = g_bytes_new (data + skip, msg_len);
			CfSipFlow flow = {
				.kind = conn->kind,
				.remote = conn->remote,
				.local = conn->local,
				.connection = conn,
			};

			g_byte_array_remove_range (conn->inbuf, 0, skip + msg_len);
			conn->scanned = conn->needed = 0;
			handle_datagram_or_frame (self, g_bytes_get_data (frame, NULL), msg_len, &flow);
		}
	}
	return FALSE;
}

static void
on_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CfSipConnection) conn = user_data;
	g_autoptr(GError) error = NULL;
	gssize n;

	n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
	if (conn->transport == NULL)
		return;
	if (n < 0) {
		conn_close (conn, error);
		return;
	}
	if (n == 0) {
		conn_close (conn, NULL);
		return;
	}
	g_byte_array_append (conn->inbuf, conn->chunk, n);
	conn_touch (conn);
	if (!conn_process (conn))
		return;
	conn_start_read (conn);
}

static void
conn_start_read (CfSipConnection *conn)
{
	if (conn->transport == NULL)
		return;
	g_input_stream_read_async (g_io_stream_get_input_stream (conn->stream), conn->chunk, RECV_CHUNK,
				   G_PRIORITY_DEFAULT, conn->cancellable, on_read,
				   cf_sip_connection_ref (conn));
}

static void
on_handshake (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CfSipConnection) conn = user_data;
	g_autoptr(GError) error = NULL;

	if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error)) {
		if (conn->transport == NULL)
			return;
		g_prefix_error (&error, "TLS handshake with %s failed: ", conn->key);
		conn_close (conn, error);
		return;
	}
	if (conn->transport == NULL)
		return;
	g_debug ("connection %u (%s): TLS up", conn->serial, conn->key);
	conn_set_ready (conn);
}

static void
conn_start_tls (CfSipConnection *conn)
{
	CfSipTransport *self = conn->transport;
	g_autoptr(GError) error = NULL;
	GIOStream *tls;

	if (conn->outbound) {
		g_autoptr(GSocketConnectable) identity = NULL;

		/* The server must prove the name we looked up, or else the
		 * address itself (an IP subjectAltName; no SNI is sent). */
		if (conn->tls_name != NULL)
			identity = g_network_address_new (conn->tls_name,
							  g_inet_socket_address_get_port (conn->remote));
		else
			identity = G_SOCKET_CONNECTABLE (g_object_ref (conn->remote));
		tls = g_tls_client_connection_new (G_IO_STREAM (conn->base), identity, &error);
		if (tls != NULL && self->ca != NULL)
			g_tls_connection_set_database (G_TLS_CONNECTION (tls), self->ca);
	} else {
		tls = g_tls_server_connection_new (G_IO_STREAM (conn->base), self->certificate, &error);
	}
	if (tls == NULL) {
		g_prefix_error_literal (&error, "TLS: ");
		conn_close (conn, error);
		return;
	}
	conn->stream = tls;
	g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, conn->cancellable,
					  on_handshake, cf_sip_connection_ref (conn));
}

static void
conn_attach (CfSipConnection *conn, GSocketConnection *base)
{
	g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (base, NULL);

	conn->base = g_object_ref (base);
	if (G_IS_INET_SOCKET_ADDRESS (local))
		conn->local = G_INET_SOCKET_ADDRESS (g_steal_pointer (&local));
	if (conn->kind == CF_SIP_TRANSPORT_TLS) {
		conn_start_tls (conn);
		return;
	}
	conn->stream = G_IO_STREAM (g_object_ref (base));
	conn_set_ready (conn);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_autoptr(CfSipConnection) conn = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) base = NULL;

	base = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
	if (conn->transport == NULL)
		return;
	if (base == NULL) {
		g_prefix_error (&error, "connecting to %s: ", conn->key);
		conn_close (conn, error);
		return;
	}
	g_debug ("connection %u (%s): connected", conn->serial, conn->key);
	conn_attach (conn, base);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *base, GObject *source_object,
	     gpointer user_data)
{
	Listener *listener = user_data;
	CfSipTransport *self = listener->transport;
	g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (base, NULL);
	CfSipConnection *conn;

	if (!G_IS_INET_SOCKET_ADDRESS (remote))
		return FALSE;
	if (!make_room (self)) {
		g_debug ("too many connections: refusing one from a peer");
		g_socket_close (g_socket_connection_get_socket (base), NULL);
		return TRUE;
	}
	if (listener->kind == CF_SIP_TRANSPORT_TLS && self->certificate == NULL) {
		g_socket_close (g_socket_connection_get_socket (base), NULL);
		return TRUE;
	}
	conn = conn_new (self, listener->kind, G_INET_SOCKET_ADDRESS (remote), FALSE);
	g_debug ("connection %u (%s): accepted", conn->serial, conn->key);
	conn_attach (conn, base);
	return TRUE;
}

/* ---- public API ---- */

CfSipTransport *
cf_sip_transport_new (void)
{
	return g_object_new (CF_TYPE_SIP_TRANSPORT, NULL);
}

gboolean
cf_sip_transport_set_tls_files (CfSipTransport *self,
				const char *cert_file,
				const char *key_file,
				const char *ca_file,
				GError **error)
{
	g_autoptr(GTlsCertificate) certificate = NULL;
	g_autoptr(GTlsDatabase) ca = NULL;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), FALSE);
	if (cert_file != NULL) {
		certificate = g_tls_certificate_new_from_files (cert_file,
								key_file != NULL ? key_file : cert_file,
								error);
		if (certificate == NULL) {
			g_prefix_error (error, "TLS certificate %s: ", cert_file);
			return FALSE;
		}
	}
	if (ca_file != NULL) {
		ca = g_tls_file_database_new (ca_file, error);
		if (ca == NULL) {
			g_prefix_error (error, "TLS CA file %s: ", ca_file);
			return FALSE;
		}
	}
	g_set_object (&self->certificate, certificate);
	g_set_object (&self->ca, ca);
	return TRUE;
}

gboolean
cf_sip_transport_listen (CfSipTransport *self,
			 CfSipTransportKind kind,
			 const char *host,
			 guint16 port,
			 guint16 *ret_port,
			 GError **error)
{
	g_autoptr(GInetAddress) ip = NULL;
	g_autoptr(GSocketAddress) bind_address = NULL;
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) bound = NULL;
	GSocketFamily family;
	Listener *listener;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), FALSE);
	g_return_val_if_fail (host != NULL, FALSE);

	ip = g_inet_address_new_from_string (host);
	if (ip == NULL) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
			     "cannot listen on \"%s\": not an IP address", host);
		return FALSE;
	}
	if (kind == CF_SIP_TRANSPORT_TLS && self->certificate == NULL) {
		g_set_error_literal (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT,
				     "cannot listen on TLS without a certificate");
		return FALSE;
	}
	family = g_inet_address_get_family (ip);
	socket = g_socket_new (family,
			       kind == CF_SIP_TRANSPORT_UDP ? G_SOCKET_TYPE_DATAGRAM : G_SOCKET_TYPE_STREAM,
			       kind == CF_SIP_TRANSPORT_UDP ? G_SOCKET_PROTOCOL_UDP : G_SOCKET_PROTOCOL_TCP,
			       error);
	if (socket == NULL)
		return FALSE;
	/* "::" must not also take IPv4: that is what "0.0.0.0" is for. */
	if (family == G_SOCKET_FAMILY_IPV6 &&
	    !g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 1, error))
		return FALSE;
	bind_address = g_inet_socket_address_new (ip, port);
	/* Reuse (SO_REUSEADDR) only for streams: on UDP it would let two
	 * processes share a port. */
	if (!g_socket_bind (socket, bind_address, kind != CF_SIP_TRANSPORT_UDP, error)) {
		g_prefix_error (error, "cannot listen on %s %s:%u: ", cf_sip_transport_kind_to_string (kind),
				host, port);
		return FALSE;
	}
	bound = g_socket_get_local_address (socket, error);
	if (bound == NULL)
		return FALSE;
	g_socket_set_blocking (socket, FALSE);

	listener = g_new0 (Listener, 1);
	listener->transport = self;
	listener->kind = kind;
	listener->address = G_INET_SOCKET_ADDRESS (g_object_ref (bound));
	if (kind == CF_SIP_TRANSPORT_UDP) {
		listener->socket = g_steal_pointer (&socket);
		listener->source = g_socket_create_source (listener->socket, G_IO_IN, NULL);
		g_source_set_callback (listener->source, G_SOURCE_FUNC (on_udp_readable), listener, NULL);
		g_source_attach (listener->source, g_main_context_get_thread_default ());
	} else {
		g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
		if (!g_socket_listen (socket, error)) {
			listener_free (listener);
			return FALSE;
		}
		listener->service = g_socket_service_new ();
		if (!g_socket_listener_add_socket (G_SOCKET_LISTENER (listener->service), socket, NULL,
						   error)) {
			listener_free (listener);
			return FALSE;
		}
		listener->socket = g_steal_pointer (&socket);
		g_signal_connect (listener->service, "incoming", G_CALLBACK (on_incoming), listener);
		g_socket_service_start (listener->service);
	}
	g_ptr_array_add (self->listeners, listener);
	g_debug ("listening on %s %s:%u", cf_sip_transport_kind_to_string (kind), host,
		 g_inet_socket_address_get_port (listener->address));
	if (ret_port != NULL)
		*ret_port = g_inet_socket_address_get_port (listener->address);
	return TRUE;
}

guint16
cf_sip_transport_get_port (CfSipTransport *self, CfSipTransportKind kind, GSocketFamily family)
{
	Listener *listener;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), 0);
	listener = find_listener (self, kind, family, NULL);
	return listener != NULL ? g_inet_socket_address_get_port (listener->address) : 0;
}

void
cf_sip_transport_set_advertised_host (CfSipTransport *self, const char *host)
{
	g_return_if_fail (CF_IS_SIP_TRANSPORT (self));
	g_free (self->advertised_host);
	self->advertised_host = g_strdup (host);
}

gboolean
cf_sip_transport_get_sent_by (CfSipTransport *self,
			      const CfSipDestination *dest,
			      char **ret_host,
			      guint16 *ret_port,
			      GError **error)
{
	Listener *listener;
	GInetAddress *bound_ip;
	g_autofree char *host = NULL;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), FALSE);
	g_return_val_if_fail (dest != NULL, FALSE);

	listener = find_listener (self, dest->kind, address_family (dest->address), NULL);
	if (listener == NULL) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT, "no %s listener for %s",
			     cf_sip_transport_kind_to_string (dest->kind),
			     address_family (dest->address) == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4");
		return FALSE;
	}
	bound_ip = g_inet_socket_address_get_address (listener->address);
	if (self->advertised_host != NULL) {
		host = g_strdup (self->advertised_host);
	} else if (!g_inet_address_get_is_any (bound_ip)) {
		host = g_inet_address_to_string (bound_ip);
	} else {
		/* Ask the routing table which source address it would use. */
		g_autoptr(GSocket) probe = NULL;
		g_autoptr(GSocketAddress) local = NULL;

		probe = g_socket_new (address_family (dest->address), G_SOCKET_TYPE_DATAGRAM,
				      G_SOCKET_PROTOCOL_UDP, error);
		if (probe == NULL)
			return FALSE;
		if (!g_socket_connect (probe, G_SOCKET_ADDRESS (dest->address), NULL, error))
			return FALSE;
		local = g_socket_get_local_address (probe, error);
		if (local == NULL)
			return FALSE;
		host = g_inet_address_to_string (
			g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
	}
	if (ret_host != NULL)
		*ret_host = g_steal_pointer (&host);
	if (ret_port != NULL)
		*ret_port = g_inet_socket_address_get_port (listener->address);
	return TRUE;
}

gboolean
cf_sip_transport_fill_via (CfSipTransport *self,
			   CfSipMessage *request,
			   const CfSipDestination *dest,
			   GError **error)
{
	g_autofree char *host = NULL;
	g_autofree char *text = NULL;
	g_autoptr(CfSipVia) via = NULL;
	guint16 port = 0;

	if (!cf_sip_transport_get_sent_by (self, dest, &host, &port, error))
		return FALSE;
	if (cf_sip_message_get_header (request, "Via") == NULL) {
		if (strchr (host, ':') != NULL)
			text = g_strdup_printf ("SIP/2.0/%s [%s]:%u",
						cf_sip_transport_kind_to_string (dest->kind), host, port);
		else
			text = g_strdup_printf ("SIP/2.0/%s %s:%u",
						cf_sip_transport_kind_to_string (dest->kind), host, port);
		cf_sip_message_prepend_header (request, "Via", text);
		return TRUE;
	}
	via = cf_sip_message_get_top_via (request, error);
	if (via == NULL)
		return FALSE;
	g_free (via->transport);
	via->transport = g_strdup (cf_sip_transport_kind_to_string (dest->kind));
	g_free (via->host);
	via->host = g_steal_pointer (&host);
	via->port = port;
	text = cf_sip_via_to_string (via);
	cf_sip_message_remove_header_nth (request, "Via", 0);
	cf_sip_message_prepend_header (request, "Via", text);
	return TRUE;
}

static gboolean
send_bytes_udp (CfSipTransport *self,
		GBytes *bytes,
		GInetSocketAddress *to,
		GInetSocketAddress *local,
		GError **error)
{
	Listener *listener = find_listener (self, CF_SIP_TRANSPORT_UDP, address_family (to), local);
	gsize size;
	const char *data = g_bytes_get_data (bytes, &size);
	g_autoptr(GError) local_error = NULL;
	g_autofree char *addr = NULL;

	if (listener == NULL) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT, "no UDP listener for %s",
			     address_family (to) == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4");
		return FALSE;
	}
	if (size > UDP_MAX_PAYLOAD) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE,
			     "%" G_GSIZE_FORMAT " bytes do not fit in a datagram", size);
		return FALSE;
	}
	if (self->drop_datagrams > 0) {
		if (self->drop_datagrams != G_MAXUINT)
			self->drop_datagrams--;
		g_debug ("test aid: dropped an outgoing datagram");
		return TRUE;
	}
	if (g_socket_send_to (listener->socket, G_SOCKET_ADDRESS (to), data, size, NULL,
			      &local_error) < 0) {
		/* A full send buffer is a loss, as on the network. */
		if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_debug ("UDP send buffer full: datagram dropped");
			return TRUE;
		}
		addr = cf_sip_socket_address_to_string (to);
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT, "UDP send to %s: %s", addr,
			     local_error->message);
		return FALSE;
	}
	self->n_datagrams_sent++;
	return TRUE;
}

static gboolean
send_bytes (CfSipTransport *self, GBytes *bytes, const CfSipDestination *dest, GError **error)
{
	g_autofree char *key = NULL;
	CfSipConnection *conn;

	if (dest->kind == CF_SIP_TRANSPORT_UDP)
		return send_bytes_udp (self, bytes, dest->address, NULL, error);

	key = connection_key (dest->kind, dest->address);
	conn = g_hash_table_lookup (self->conn_by_key, key);
	if (conn != NULL)
		return conn_queue (conn, bytes, error);

	if (g_inet_address_get_is_any (g_inet_socket_address_get_address (dest->address)) ||
	    g_inet_socket_address_get_port (dest->address) == 0) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT, "cannot connect to %s", key);
		return FALSE;
	}
	if (!make_room (self)) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT,
			     "too many connections to open one to %s", key);
		return FALSE;
	}
	conn = conn_new (self, dest->kind, dest->address, TRUE);
	conn->tls_name = g_strdup (dest->tls_name);
	g_debug ("connection %u (%s): connecting", conn->serial, conn->key);
	if (!conn_queue (conn, bytes, error)) {
		conn_close (conn, NULL);
		return FALSE;
	}
	g_socket_client_connect_async (self->client, G_SOCKET_CONNECTABLE (dest->address),
				       conn->cancellable, on_connected, cf_sip_connection_ref (conn));
	return TRUE;
}

static GBytes *
message_to_bytes (CfSipMessage *msg, GError **error)
{
	gsize len = 0;
	char *text = cf_sip_message_to_string (msg, &len);

	if (text == NULL) {
		g_set_error_literal (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "cannot print message");
		return NULL;
	}
	if (len > CF_SIP_MAX_MESSAGE_SIZE) {
		g_free (text);
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE,
			     "message of %" G_GSIZE_FORMAT " bytes is too large", len);
		return NULL;
	}
	return g_bytes_new_take (text, len);
}

gboolean
cf_sip_transport_send (CfSipTransport *self,
		       CfSipMessage *msg,
		       const CfSipDestination *dest,
		       GError **error)
{
	g_autoptr(GBytes) bytes = NULL;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), FALSE);
	g_return_val_if_fail (msg != NULL && dest != NULL, FALSE);

	bytes = message_to_bytes (msg, error);
	if (bytes == NULL)
		return FALSE;
	return send_bytes (self, bytes, dest, error);
}

gboolean
cf_sip_transport_send_response (CfSipTransport *self,
				CfSipMessage *response,
				const CfSipFlow *flow,
				CfSipDestination **ret_dest,
				GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(CfSipVia) via = NULL;
	g_autoptr(GInetAddress) ip = NULL;
	g_autoptr(GSocketAddress) to = NULL;
	g_autoptr(CfSipDestination) dest = NULL;
	const char *received;
	const char *rport;
	guint16 port;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), FALSE);
	g_return_val_if_fail (response != NULL && flow != NULL, FALSE);

	bytes = message_to_bytes (response, error);
	if (bytes == NULL)
		return FALSE;

	/* Reliable: the connection the request came on, while it lasts. */
	if (flow->connection != NULL && cf_sip_connection_is_open (flow->connection)) {
		if (!conn_queue (flow->connection, bytes, error))
			return FALSE;
		if (ret_dest != NULL)
			*ret_dest = cf_sip_destination_new (flow->kind, flow->remote, NULL);
		return TRUE;
	}

	via = cf_sip_message_get_top_via (response, error);
	if (via == NULL) {
		g_prefix_error_literal (error, "response without a usable Via: ");
		return FALSE;
	}
	received = cf_sip_via_get_param (via, "received");
	rport = cf_sip_via_get_param (via, "rport");
	if (received != NULL)
		ip = g_inet_address_new_from_string (received);
	if (ip == NULL && via->host != NULL)
		ip = g_inet_address_new_from_string (via->host);
	if (ip == NULL)
		ip = g_object_ref (g_inet_socket_address_get_address (flow->remote));
	port = via->port != 0 ? via->port : default_port (flow->kind);
	if (flow->kind == CF_SIP_TRANSPORT_UDP && rport != NULL && *rport != '\0') {
		guint64 value = 0;

		if (g_ascii_string_to_unsigned (rport, 10, 1, G_MAXUINT16, &value, NULL))
			port = value;
	}
	to = g_inet_socket_address_new (ip, port);
	dest = cf_sip_destination_new (flow->kind, G_INET_SOCKET_ADDRESS (to), NULL);
	if (flow->kind == CF_SIP_TRANSPORT_UDP) {
		if (!send_bytes_udp (self, bytes, dest->address, flow->local, error))
			return FALSE;
	} else if (!send_bytes (self, bytes, dest, error)) {
		return FALSE;
	}
	if (ret_dest != NULL)
		*ret_dest = g_steal_pointer (&dest);
	return TRUE;
}

void
cf_sip_transport_set_limits (CfSipTransport *self,
			     guint max_connections,
			     guint idle_timeout_ms,
			     gsize max_queued_bytes)
{
	g_return_if_fail (CF_IS_SIP_TRANSPORT (self));
	self->max_connections = MAX (max_connections, 1);
	self->idle_timeout_ms = MAX (idle_timeout_ms, 1);
	self->max_queued_bytes = MAX (max_queued_bytes, 1);
	for (GList *l = self->connections.head; l != NULL; l = l->next)
		conn_touch (l->data);
}

guint
cf_sip_transport_get_n_connections (CfSipTransport *self)
{
	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), 0);
	return g_queue_get_length (&self->connections);
}

void
cf_sip_transport_test_drop_datagrams (CfSipTransport *self, guint n)
{
	g_return_if_fail (CF_IS_SIP_TRANSPORT (self));
	self->drop_datagrams = n;
}

guint
cf_sip_transport_test_get_n_datagrams_sent (CfSipTransport *self)
{
	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (self), 0);
	return self->n_datagrams_sent;
}

/* ---- GObject ---- */

static void
cf_sip_transport_dispose (GObject *object)
{
	CfSipTransport *self = CF_SIP_TRANSPORT (object);

	self->disposing = TRUE;
	while (!g_queue_is_empty (&self->connections))
		conn_close (g_queue_peek_head (&self->connections), NULL);
	g_ptr_array_set_size (self->listeners, 0);
	G_OBJECT_CLASS (cf_sip_transport_parent_class)->dispose (object);
}

static void
cf_sip_transport_finalize (GObject *object)
{
	CfSipTransport *self = CF_SIP_TRANSPORT (object);

	g_ptr_array_unref (self->listeners);
	g_hash_table_unref (self->conn_by_key);
	g_clear_object (&self->client);
	g_clear_object (&self->certificate);
	g_clear_object (&self->ca);
	g_free (self->advertised_host);
	g_free (self->udp_buffer);
	G_OBJECT_CLASS (cf_sip_transport_parent_class)->finalize (object);
}

static void
cf_sip_transport_class_init (CfSipTransportClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_sip_transport_dispose;
	object_class->finalize = cf_sip_transport_finalize;

	signals[SIGNAL_MESSAGE_RECEIVED] =
		g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
			      NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
	signals[SIGNAL_SEND_FAILED] =
		g_signal_new ("send-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
			      NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_INET_SOCKET_ADDRESS,
			      G_TYPE_POINTER);
}

static void
cf_sip_transport_init (CfSipTransport *self)
{
	self->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
	g_queue_init (&self->connections);
	self->conn_by_key = g_hash_table_new (g_str_hash, g_str_equal);
	self->client = g_socket_client_new ();
	g_socket_client_set_enable_proxy (self->client, FALSE);
	self->max_connections = CF_SIP_TRANSPORT_DEFAULT_MAX_CONNECTIONS;
	self->idle_timeout_ms = CF_SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_MS;
	self->max_queued_bytes = CF_SIP_TRANSPORT_DEFAULT_MAX_QUEUED_BYTES;
	self->udp_buffer = g_malloc (UDP_BUFFER_SIZE);
}
