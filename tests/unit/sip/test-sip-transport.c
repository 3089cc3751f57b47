/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CfSipTransport on loopback: UDP, TCP, TLS, malformed input, limits. */

#include "cf-sip-transport.h"
#include "sip-net-test.h"

typedef struct {
	CfSipTransport *transport;
	GPtrArray *messages; /* CfSipMessage */
	GPtrArray *flows;    /* CfSipFlow */
	guint n_failed;
	GError *last_failure;
} Peer;

static void
on_message (CfSipTransport *transport, CfSipMessage *msg, const CfSipFlow *flow, gpointer user_data)
{
	Peer *peer = user_data;

	g_ptr_array_add (peer->messages, cf_sip_message_ref (msg));
	g_ptr_array_add (peer->flows, cf_sip_flow_copy (flow));
}

static void
on_send_failed (CfSipTransport *transport, guint kind, GInetSocketAddress *remote,
		const GError *error, gpointer user_data)
{
	Peer *peer = user_data;

	peer->n_failed++;
	g_clear_error (&peer->last_failure);
	peer->last_failure = g_error_copy (error);
}

static Peer *
peer_new (const char *ca_name)
{
	Peer *peer = g_new0 (Peer, 1);
	g_autofree char *cert = sip_test_data_file ("server.pem");
	g_autofree char *key = sip_test_data_file ("server-key.pem");
	g_autofree char *ca = sip_test_data_file (ca_name != NULL ? ca_name : "ca.pem");
	g_autoptr(GError) error = NULL;

	peer->transport = cf_sip_transport_new ();
	peer->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_sip_message_unref);
	peer->flows = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_sip_flow_free);
	cf_sip_transport_set_tls_files (peer->transport, cert, key, ca, &error);
	g_assert_no_error (error);
	g_signal_connect (peer->transport, "message-received", G_CALLBACK (on_message), peer);
	g_signal_connect (peer->transport, "send-failed", G_CALLBACK (on_send_failed), peer);
	return peer;
}

static guint16
peer_listen (Peer *peer, CfSipTransportKind kind, const char *host)
{
	g_autoptr(GError) error = NULL;
	guint16 port = 0;

	g_assert_true (cf_sip_transport_listen (peer->transport, kind, host, 0, &port, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (port, !=, 0);
	g_assert_cmpuint (cf_sip_transport_get_port (peer->transport, kind, G_SOCKET_FAMILY_INVALID), ==,
			  port);
	return port;
}

static void
peer_free (Peer *peer)
{
	if (peer == NULL)
		return;
	g_object_unref (peer->transport);
	g_ptr_array_unref (peer->messages);
	g_ptr_array_unref (peer->flows);
	g_clear_error (&peer->last_failure);
	g_free (peer);
	sip_test_drain ();
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static CfSipDestination *
dest_new (CfSipTransportKind kind, const char *host, guint16 port)
{
	g_autoptr(GInetAddress) ip = g_inet_address_new_from_string (host);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new (ip, port);

	return cf_sip_destination_new (kind, G_INET_SOCKET_ADDRESS (address), NULL);
}

/* An OPTIONS from @from with a top Via for @dest (rport asked). */
static CfSipMessage *
options_for (Peer *from, const CfSipDestination *dest, const char *uri)
{
	CfSipMessage *msg = sip_test_request ("OPTIONS", uri);
	g_autofree char *host = NULL;
	g_autofree char *via = NULL;
	g_autofree char *branch = sip_test_token ();
	g_autoptr(GError) error = NULL;
	guint16 port = 0;

	g_assert_true (cf_sip_transport_get_sent_by (from->transport, dest, &host, &port, &error));
	g_assert_no_error (error);
	if (strchr (host, ':') != NULL)
		via = g_strdup_printf ("SIP/2.0/%s [%s]:%u;branch=z9hG4bK%s;rport",
				       cf_sip_transport_kind_to_string (dest->kind), host, port, branch);
	else
		via = g_strdup_printf ("SIP/2.0/%s %s:%u;branch=z9hG4bK%s;rport",
				       cf_sip_transport_kind_to_string (dest->kind), host, port, branch);
	cf_sip_message_add_header (msg, "Via", via);
	return msg;
}

/* A sends OPTIONS to B over @kind; B answers 200 along the flow it came on. */
static void
exchange (CfSipTransportKind kind, const char *host)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(CfSipDestination) dest = NULL;
	g_autoptr(CfSipMessage) request = NULL;
	g_autoptr(CfSipMessage) response = NULL;
	g_autoptr(CfSipVia) via = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *uri = NULL;
	CfSipMessage *got;
	const CfSipFlow *flow;
	guint16 a_port;
	guint16 b_port;
	g_autofree char *a_rport = NULL;

	a_port = peer_listen (a, kind, host);
	b_port = peer_listen (b, kind, host);
	dest = dest_new (kind, host, b_port);
	uri = g_strdup_printf (strchr (host, ':') ? "sip:bob@[%s]:%u" : "sip:bob@%s:%u", host, b_port);
	request = options_for (a, dest, uri);

	g_assert_true (cf_sip_transport_send (a->transport, request, dest, &error));
	g_assert_no_error (error);
	WAIT_UNTIL (b->messages->len == 1);

	got = g_ptr_array_index (b->messages, 0);
	flow = g_ptr_array_index (b->flows, 0);
	g_assert_true (cf_sip_message_is_request (got));
	g_assert_cmpstr (cf_sip_message_get_method (got), ==, "OPTIONS");
	g_assert_cmpstr (cf_sip_message_get_call_id (got), ==, cf_sip_message_get_call_id (request));
	g_assert_cmpint (flow->kind, ==, kind);
	g_assert_nonnull (flow->local);
	g_assert_cmpuint (g_inet_socket_address_get_port (flow->local), ==, b_port);
	if (kind == CF_SIP_TRANSPORT_UDP) {
		g_assert_null (flow->connection);
		g_assert_cmpuint (g_inet_socket_address_get_port (flow->remote), ==, a_port);
	} else {
		g_assert_nonnull (flow->connection);
		g_assert_true (cf_sip_connection_is_open (flow->connection));
	}
	/* RFC 3581: rport gets the source port, and received is added. */
	via = cf_sip_message_get_top_via (got, &error);
	g_assert_no_error (error);
	a_rport = g_strdup_printf ("%u", g_inet_socket_address_get_port (flow->remote));
	g_assert_cmpstr (cf_sip_via_get_param (via, "rport"), ==, a_rport);
	g_assert_nonnull (cf_sip_via_get_param (via, "received"));

	response = cf_sip_message_new_response_to (got, 200, NULL, "b-tag");
	g_assert_true (cf_sip_transport_send_response (b->transport, response, flow, NULL, &error));
	g_assert_no_error (error);
	WAIT_UNTIL (a->messages->len == 1);
	got = g_ptr_array_index (a->messages, 0);
	g_assert_false (cf_sip_message_is_request (got));
	g_assert_cmpuint (cf_sip_message_get_status (got), ==, 200);
	g_assert_cmpstr (cf_sip_message_get_call_id (got), ==, cf_sip_message_get_call_id (request));

	if (kind != CF_SIP_TRANSPORT_UDP) {
		/* The response came back on the connection A opened: one each. */
		g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 1);
		g_assert_cmpuint (cf_sip_transport_get_n_connections (b->transport), ==, 1);
		flow = g_ptr_array_index (a->flows, 0);
		g_assert_cmpuint (g_inet_socket_address_get_port (flow->remote), ==, b_port);

		/* A second request reuses that connection, and B's answer too. */
		g_clear_pointer (&request, cf_sip_message_unref);
		request = options_for (a, dest, uri);
		g_assert_true (cf_sip_transport_send (a->transport, request, dest, &error));
		WAIT_UNTIL (b->messages->len == 2);
		g_assert_true (g_ptr_array_index (b->flows, 1) != NULL);
		g_assert_true (((CfSipFlow *) g_ptr_array_index (b->flows, 1))->connection ==
			       ((CfSipFlow *) g_ptr_array_index (b->flows, 0))->connection);
		g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 1);
		g_assert_cmpuint (cf_sip_transport_get_n_connections (b->transport), ==, 1);
	}
	g_assert_cmpuint (a->n_failed, ==, 0);
	g_assert_cmpuint (b->n_failed, ==, 0);
}

static void
test_udp (void)
{
	exchange (CF_SIP_TRANSPORT_UDP, "127.0.0.1");
}

static void
test_tcp (void)
{
	exchange (CF_SIP_TRANSPORT_TCP, "127.0.0.1");
}

static void
test_tls (void)
{
	exchange (CF_SIP_TRANSPORT_TLS, "127.0.0.1");
}

static gboolean
have_ipv6_loopback (void)
{
	g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_DATAGRAM,
						  G_SOCKET_PROTOCOL_UDP, NULL);
	g_autoptr(GInetAddress) ip = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new (ip, 0);

	return socket != NULL && g_socket_bind (socket, address, FALSE, NULL);
}

static void
test_ipv6 (void)
{
	if (!have_ipv6_loopback ()) {
		g_test_skip ("no IPv6 loopback here");
		return;
	}
	exchange (CF_SIP_TRANSPORT_UDP, "::1");
	exchange (CF_SIP_TRANSPORT_TCP, "::1");
	exchange (CF_SIP_TRANSPORT_TLS, "::1");
}

/* A client that trusts another CA refuses B's certificate: the message is
 * lost and reported, and nothing reaches B. */
static void
test_tls_wrong_ca (void)
{
	g_autoptr(Peer) a = peer_new ("other-ca.pem");
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(CfSipDestination) dest = NULL;
	g_autoptr(CfSipMessage) request = NULL;
	g_autoptr(GError) error = NULL;

	peer_listen (a, CF_SIP_TRANSPORT_TLS, "127.0.0.1");
	dest = dest_new (CF_SIP_TRANSPORT_TLS, "127.0.0.1", peer_listen (b, CF_SIP_TRANSPORT_TLS, "127.0.0.1"));
	request = options_for (a, dest, "sip:bob@127.0.0.1");
	g_assert_true (cf_sip_transport_send (a->transport, request, dest, &error));
	g_assert_no_error (error);
	WAIT_UNTIL (a->n_failed == 1);
	g_assert_error (a->last_failure, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 0);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 0);
	g_assert_cmpuint (b->messages->len, ==, 0);
}

/* Nobody listens: the connection is refused and reported. */
static void
test_tcp_refused (void)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(CfSipDestination) dest = NULL;
	g_autoptr(CfSipMessage) request = NULL;
	g_autoptr(GError) error = NULL;
	guint16 port;

	peer_listen (a, CF_SIP_TRANSPORT_TCP, "127.0.0.1");
	/* A port that was free a moment ago. */
	port = peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1");
	g_clear_pointer (&b, peer_free);
	dest = dest_new (CF_SIP_TRANSPORT_TCP, "127.0.0.1", port);
	request = options_for (a, dest, "sip:bob@127.0.0.1");
	g_assert_true (cf_sip_transport_send (a->transport, request, dest, &error));
	WAIT_UNTIL (a->n_failed == 1);
	g_assert_error (a->last_failure, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 0);
}

static const char *malformed_request_fmt =
	"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKbad1\r\n"
	"From: <sip:alice@127.0.0.1>;tag=a1\r\n"
	"To: <sip:bob@127.0.0.1>\r\n"
	"Call-ID: %s\r\n"
	"CSeq: 1 INVITE\r\n" /* not the request's method */
	"Max-Forwards: 70\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char *no_call_id_request_fmt =
	"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKbad2\r\n"
	"From: <sip:alice@127.0.0.1>;tag=a1\r\n"
	"To: <sip:bob@127.0.0.1>\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static const char *good_request_fmt =
	"OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
	"Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK%s\r\n"
	"From: <sip:alice@127.0.0.1>;tag=a1\r\n"
	"To: <sip:bob@127.0.0.1>\r\n"
	"Call-ID: %s\r\n"
	"CSeq: 1 OPTIONS\r\n"
	"Max-Forwards: 70\r\n"
	"Content-Length: 0\r\n"
	"\r\n";

static char *
good_request (const char *transport, guint16 port, const char *call_id)
{
	g_autofree char *branch = sip_test_token ();

	return g_strdup_printf (good_request_fmt, transport, port, branch, call_id);
}

/* A malformed request with what a response needs is answered 400; one
 * without (no Call-ID) is dropped; B's TU sees neither. */
static void
test_malformed_request_udp (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawUdp) raw = raw_udp_new ();
	g_autofree char *bad = NULL;
	g_autofree char *no_call_id = NULL;
	g_autofree char *good = NULL;
	g_autofree char *reply = NULL;
	g_autoptr(CfSipMessage) parsed = NULL;
	g_autoptr(CfSipMessage) response = NULL;
	g_autoptr(GError) error = NULL;
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_UDP, "127.0.0.1");

	bad = g_strdup_printf (malformed_request_fmt, raw->port, "bad-call");
	raw_udp_send (raw, port, bad);
	WAIT_UNTIL (raw->datagrams->len == 1);
	reply = raw_udp_get (raw, 0);
	parsed = cf_sip_message_parse (reply, strlen (reply), &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_sip_message_get_status (parsed), ==, 400);
	g_assert_cmpstr (cf_sip_message_get_call_id (parsed), ==, "bad-call");
	g_assert_cmpuint (b->messages->len, ==, 0);

	/* Dropped: the next datagram B sends answers the good request that
	 * followed it. */
	no_call_id = g_strdup_printf (no_call_id_request_fmt, raw->port);
	raw_udp_send (raw, port, no_call_id);
	good = good_request ("UDP", raw->port, "good-call");
	raw_udp_send (raw, port, good);
	WAIT_UNTIL (b->messages->len == 1);
	g_assert_cmpstr (cf_sip_message_get_call_id (g_ptr_array_index (b->messages, 0)), ==, "good-call");
	response = cf_sip_message_new_response_to (g_ptr_array_index (b->messages, 0), 200, NULL, "t");
	g_assert_true (cf_sip_transport_send_response (b->transport, response,
						       g_ptr_array_index (b->flows, 0), NULL, &error));
	WAIT_UNTIL (raw->datagrams->len == 2);
	g_clear_pointer (&reply, g_free);
	reply = raw_udp_get (raw, 1);
	g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200"));
	g_assert_nonnull (strstr (reply, "good-call"));
}

/* A malformed response never reaches the TU; a good one after it does. */
static void
test_malformed_response_udp (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawUdp) raw = raw_udp_new ();
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_UDP, "127.0.0.1");
	const char *bad = "SIP/2.0 200 OK\r\n"
			  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n"
			  "To: <sip:bob@127.0.0.1>;tag=b\r\n"
			  "Call-ID: bad-response\r\n"
			  "CSeq: 1 OPTIONS\r\n"
			  "Content-Length: 0\r\n\r\n"; /* no From */
	const char *good = "SIP/2.0 200 OK\r\n"
			   "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n"
			   "From: <sip:alice@127.0.0.1>;tag=a\r\n"
			   "To: <sip:bob@127.0.0.1>;tag=b\r\n"
			   "Call-ID: good-response\r\n"
			   "CSeq: 1 OPTIONS\r\n"
			   "Content-Length: 0\r\n\r\n";

	raw_udp_send (raw, port, "\r\n\r\n"); /* a keep-alive: nothing */
	raw_udp_send (raw, port, bad);
	raw_udp_send (raw, port, "this is not SIP at all");
	raw_udp_send (raw, port, good);
	WAIT_UNTIL (b->messages->len == 1);
	g_assert_cmpstr (cf_sip_message_get_call_id (g_ptr_array_index (b->messages, 0)), ==,
			 "good-response");
	g_assert_cmpuint (raw->datagrams->len, ==, 0);
}

/* Garbage on one TCP connection closes it; the listener keeps serving. */
static void
test_tcp_garbage (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawTcp) bad = NULL;
	g_autoptr(RawTcp) good = NULL;
	g_autofree char *request = NULL;
	g_autofree char *malformed = NULL;
	g_autoptr(CfSipMessage) response = NULL;
	g_autoptr(GError) error = NULL;
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1");

	bad = raw_tcp_new (port);
	good = raw_tcp_new (port);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 2);

	/* Framed but malformed: 400 on the same connection, which stays. */
	malformed = g_strdup_printf (malformed_request_fmt, 5060, "tcp-bad-call");
	raw_tcp_send (good, malformed);
	WAIT_UNTIL (strstr (good->received->str, "\r\n\r\n") != NULL);
	g_assert_true (g_str_has_prefix (good->received->str, "SIP/2.0 400"));
	g_assert_nonnull (strstr (good->received->str, "tcp-bad-call"));
	g_string_truncate (good->received, 0);

	/* Not SIP at all: no Content-Length, not even a request line. */
	raw_tcp_send (bad, "\r\n\r\nHELLO THERE\r\nwhat: ever\r\n\r\n");
	WAIT_UNTIL (bad->eof);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 1);
	g_assert_cmpuint (b->messages->len, ==, 0);

	/* A keep-alive, then a request, on the other connection. */
	request = good_request ("TCP", 5060, "tcp-good-call");
	raw_tcp_send (good, "\r\n\r\n");
	raw_tcp_send (good, request);
	WAIT_UNTIL (b->messages->len == 1);
	response = cf_sip_message_new_response_to (g_ptr_array_index (b->messages, 0), 200, NULL, "t");
	g_assert_true (cf_sip_transport_send_response (b->transport, response,
						       g_ptr_array_index (b->flows, 0), NULL, &error));
	g_assert_no_error (error);
	WAIT_UNTIL (strstr (good->received->str, "tcp-good-call") != NULL);
	g_assert_true (g_str_has_prefix (good->received->str, "SIP/2.0 200"));
	g_assert_false (good->eof);
}

/* Plain text on a TLS listener fails the handshake: closed, nothing up. */
static void
test_tls_garbage (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawTcp) raw = NULL;
	g_autofree char *request = NULL;
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_TLS, "127.0.0.1");

	raw = raw_tcp_new (port);
	request = good_request ("TLS", 5061, "plain-on-tls");
	raw_tcp_send (raw, request);
	WAIT_UNTIL (raw->eof);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 0);
	g_assert_cmpuint (b->messages->len, ==, 0);
}

/* A transport that goes away with connections still connecting or shaking
 * hands leaves nothing behind (checked under valgrind) and the peer sees
 * the connection end. */
static void
test_dispose_busy (void)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(CfSipDestination) to_tls = NULL;
	g_autoptr(CfSipDestination) to_tcp = NULL;
	g_autoptr(CfSipMessage) request = NULL;
	g_autoptr(GError) error = NULL;

	peer_listen (a, CF_SIP_TRANSPORT_TLS, "127.0.0.1");
	peer_listen (a, CF_SIP_TRANSPORT_TCP, "127.0.0.1");
	to_tls = dest_new (CF_SIP_TRANSPORT_TLS, "127.0.0.1", peer_listen (b, CF_SIP_TRANSPORT_TLS, "127.0.0.1"));
	to_tcp = dest_new (CF_SIP_TRANSPORT_TCP, "127.0.0.1", peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1"));
	request = options_for (a, to_tls, "sip:bob@127.0.0.1");
	g_assert_true (cf_sip_transport_send (a->transport, request, to_tls, &error));
	g_assert_true (cf_sip_transport_send (a->transport, request, to_tcp, &error));
	g_assert_no_error (error);
	/* Let B accept both and start its side of the handshake. */
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 2);
	g_clear_pointer (&a, peer_free);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 0);
	g_assert_cmpuint (b->n_failed, ==, 0);
}

/* A stream that never completes a message within the size limit is closed. */
static void
test_tcp_oversized (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawTcp) raw = NULL;
	g_autoptr(GString) big = g_string_new ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n");
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1");

	raw = raw_tcp_new (port);
	while (big->len < CF_SIP_MAX_MESSAGE_SIZE + 16384)
		g_string_append (big, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	raw_tcp_send (raw, big->str);
	WAIT_UNTIL (raw->eof);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 0);
	g_assert_cmpuint (b->messages->len, ==, 0);
}

/* At the connection limit the oldest idle connection makes room. */
static void
test_connection_limit (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawTcp) first = NULL;
	g_autoptr(RawTcp) second = NULL;
	g_autoptr(RawTcp) third = NULL;
	g_autofree char *request = NULL;
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1");

	cf_sip_transport_set_limits (b->transport, 2, CF_SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_MS,
				     CF_SIP_TRANSPORT_DEFAULT_MAX_QUEUED_BYTES);
	first = raw_tcp_new (port);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 1);
	second = raw_tcp_new (port);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 2);
	/* The second one is busier (more recent) than the first. */
	request = good_request ("TCP", 5060, "limit-call");
	raw_tcp_send (second, request);
	WAIT_UNTIL (b->messages->len == 1);

	third = raw_tcp_new (port);
	WAIT_UNTIL (first->eof);
	g_assert_false (second->eof);
	g_assert_cmpuint (cf_sip_transport_get_n_connections (b->transport), ==, 2);
	g_clear_pointer (&request, g_free);
	request = good_request ("TCP", 5060, "third-call");
	raw_tcp_send (third, request);
	WAIT_UNTIL (b->messages->len == 2);
	g_assert_cmpstr (cf_sip_message_get_call_id (g_ptr_array_index (b->messages, 1)), ==, "third-call");
}

/* Outbound: with every slot busy connecting, a new connection is refused at
 * once; a full output queue too. */
static void
test_outbound_limits (void)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(Peer) c = peer_new (NULL);
	g_autoptr(CfSipDestination) to_b = NULL;
	g_autoptr(CfSipDestination) to_c = NULL;
	g_autoptr(CfSipMessage) request = NULL;
	g_autoptr(GError) error = NULL;

	peer_listen (a, CF_SIP_TRANSPORT_TCP, "127.0.0.1");
	to_b = dest_new (CF_SIP_TRANSPORT_TCP, "127.0.0.1", peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1"));
	to_c = dest_new (CF_SIP_TRANSPORT_TCP, "127.0.0.1", peer_listen (c, CF_SIP_TRANSPORT_TCP, "127.0.0.1"));

	cf_sip_transport_set_limits (a->transport, 1, CF_SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_MS, 100);
	request = options_for (a, to_b, "sip:bob@127.0.0.1");
	/* Larger than the queue allows. */
	g_assert_false (cf_sip_transport_send (a->transport, request, to_b, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT);
	g_clear_error (&error);
	g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 0);

	cf_sip_transport_set_limits (a->transport, 1, CF_SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_MS,
				     CF_SIP_TRANSPORT_DEFAULT_MAX_QUEUED_BYTES);
	g_assert_true (cf_sip_transport_send (a->transport, request, to_b, &error));
	g_assert_no_error (error);
	g_assert_false (cf_sip_transport_send (a->transport, request, to_c, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT);
	g_clear_error (&error);
	WAIT_UNTIL (b->messages->len == 1);

	/* Once idle, the connection to B gives way to one to C. */
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 1);
	g_assert_true (cf_sip_transport_send (a->transport, request, to_c, &error));
	g_assert_no_error (error);
	WAIT_UNTIL (c->messages->len == 1);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 0);
	g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 1);
}

/* Idle connections close by themselves, on both sides. */
static void
test_idle_timeout (void)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(CfSipDestination) dest = NULL;
	g_autoptr(CfSipMessage) request = NULL;
	g_autoptr(GError) error = NULL;

	peer_listen (a, CF_SIP_TRANSPORT_TCP, "127.0.0.1");
	dest = dest_new (CF_SIP_TRANSPORT_TCP, "127.0.0.1", peer_listen (b, CF_SIP_TRANSPORT_TCP, "127.0.0.1"));
	cf_sip_transport_set_limits (b->transport, 10, 50, CF_SIP_TRANSPORT_DEFAULT_MAX_QUEUED_BYTES);
	request = options_for (a, dest, "sip:bob@127.0.0.1");
	g_assert_true (cf_sip_transport_send (a->transport, request, dest, &error));
	WAIT_UNTIL (b->messages->len == 1);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (b->transport) == 0);
	WAIT_UNTIL (cf_sip_transport_get_n_connections (a->transport) == 0);
	g_assert_cmpuint (a->n_failed, ==, 0);
}

/* The test aid drops outgoing datagrams; the counter counts the others. */
static void
test_drop_datagrams (void)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(CfSipDestination) dest = NULL;
	g_autoptr(CfSipMessage) first = NULL;
	g_autoptr(CfSipMessage) second = NULL;
	g_autoptr(GError) error = NULL;

	peer_listen (a, CF_SIP_TRANSPORT_UDP, "127.0.0.1");
	dest = dest_new (CF_SIP_TRANSPORT_UDP, "127.0.0.1", peer_listen (b, CF_SIP_TRANSPORT_UDP, "127.0.0.1"));
	first = options_for (a, dest, "sip:bob@127.0.0.1");
	second = options_for (a, dest, "sip:bob@127.0.0.1");
	cf_sip_transport_test_drop_datagrams (a->transport, 1);
	g_assert_true (cf_sip_transport_send (a->transport, first, dest, &error));
	g_assert_cmpuint (cf_sip_transport_test_get_n_datagrams_sent (a->transport), ==, 0);
	g_assert_true (cf_sip_transport_send (a->transport, second, dest, &error));
	g_assert_cmpuint (cf_sip_transport_test_get_n_datagrams_sent (a->transport), ==, 1);
	WAIT_UNTIL (b->messages->len == 1);
	g_assert_cmpstr (cf_sip_message_get_call_id (g_ptr_array_index (b->messages, 0)), ==,
			 cf_sip_message_get_call_id (second));
}

/* received= only when the sent-by is not the source; no rport= unless asked. */
static void
test_via_received (void)
{
	g_autoptr(Peer) b = peer_new (NULL);
	g_autoptr(RawUdp) raw = raw_udp_new ();
	guint16 port = peer_listen (b, CF_SIP_TRANSPORT_UDP, "127.0.0.1");
	g_autofree char *same = NULL;
	const char *other = "OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
			    "Via: SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKother\r\n"
			    "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
			    "To: <sip:bob@127.0.0.1>\r\n"
			    "Call-ID: other-host\r\n"
			    "CSeq: 1 OPTIONS\r\n"
			    "Content-Length: 0\r\n\r\n";
	g_autoptr(CfSipVia) via0 = NULL;
	g_autoptr(CfSipVia) via1 = NULL;

	same = good_request ("UDP", raw->port, "same-host");
	raw_udp_send (raw, port, same);
	raw_udp_send (raw, port, other);
	WAIT_UNTIL (b->messages->len == 2);
	via0 = cf_sip_message_get_top_via (g_ptr_array_index (b->messages, 0), NULL);
	via1 = cf_sip_message_get_top_via (g_ptr_array_index (b->messages, 1), NULL);
	g_assert_nonnull (via0);
	g_assert_nonnull (via1);
	g_assert_null (cf_sip_via_get_param (via0, "received"));
	g_assert_false (cf_sip_via_has_param (via0, "rport"));
	g_assert_cmpstr (cf_sip_via_get_param (via1, "received"), ==, "127.0.0.1");
	g_assert_false (cf_sip_via_has_param (via1, "rport"));
	g_assert_cmpstr (via1->host, ==, "192.0.2.7");
}

static void
test_fill_via (void)
{
	g_autoptr(Peer) a = peer_new (NULL);
	g_autoptr(CfSipDestination) dest = dest_new (CF_SIP_TRANSPORT_TCP, "127.0.0.1", 5060);
	g_autoptr(CfSipMessage) request = sip_test_request ("OPTIONS", "sip:bob@127.0.0.1");
	g_autoptr(CfSipVia) via = NULL;
	g_autoptr(GError) error = NULL;
	guint16 port;

	/* No listener of that kind: no sent-by. */
	g_assert_false (cf_sip_transport_fill_via (a->transport, request, dest, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_clear_error (&error);

	port = peer_listen (a, CF_SIP_TRANSPORT_TCP, "0.0.0.0");
	cf_sip_message_add_header (request, "Via", "SIP/2.0/UDP placeholder;branch=z9hG4bKkeep;rport");
	g_assert_true (cf_sip_transport_fill_via (a->transport, request, dest, &error));
	g_assert_no_error (error);
	via = cf_sip_message_get_top_via (request, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (via->transport, ==, "TCP");
	/* The wildcard listener gives the address the system would use. */
	g_assert_cmpstr (via->host, ==, "127.0.0.1");
	g_assert_cmpuint (via->port, ==, port);
	g_assert_cmpstr (cf_sip_via_get_param (via, "branch"), ==, "z9hG4bKkeep");
	g_assert_cmpuint (cf_sip_message_count_header (request, "Via"), ==, 1);

	cf_sip_transport_set_advertised_host (a->transport, "sip.example.org");
	g_clear_pointer (&via, cf_sip_via_free);
	g_assert_true (cf_sip_transport_fill_via (a->transport, request, dest, &error));
	via = cf_sip_message_get_top_via (request, &error);
	g_assert_cmpstr (via->host, ==, "sip.example.org");
}

static void
test_kind_strings (void)
{
	CfSipTransportKind kind = CF_SIP_TRANSPORT_UDP;

	g_assert_true (cf_sip_transport_kind_from_string ("tls", &kind));
	g_assert_cmpint (kind, ==, CF_SIP_TRANSPORT_TLS);
	g_assert_true (cf_sip_transport_kind_from_string ("TCP", &kind));
	g_assert_cmpint (kind, ==, CF_SIP_TRANSPORT_TCP);
	g_assert_false (cf_sip_transport_kind_from_string ("sctp", &kind));
	g_assert_cmpint (kind, ==, CF_SIP_TRANSPORT_TCP);
	g_assert_cmpstr (cf_sip_transport_kind_to_string (CF_SIP_TRANSPORT_UDP), ==, "UDP");
	g_assert_false (cf_sip_transport_kind_is_reliable (CF_SIP_TRANSPORT_UDP));
	g_assert_true (cf_sip_transport_kind_is_reliable (CF_SIP_TRANSPORT_TLS));
}

static void
test_listen_errors (void)
{
	g_autoptr(CfSipTransport) transport = cf_sip_transport_new ();
	g_autoptr(GError) error = NULL;
	g_autofree char *missing = sip_test_data_file ("missing.pem");

	g_assert_false (cf_sip_transport_listen (transport, CF_SIP_TRANSPORT_UDP, "not-an-ip", 0, NULL,
						 &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_clear_error (&error);
	/* TLS without a certificate */
	g_assert_false (cf_sip_transport_listen (transport, CF_SIP_TRANSPORT_TLS, "127.0.0.1", 0, NULL,
						 &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_clear_error (&error);
	g_assert_false (cf_sip_transport_set_tls_files (transport, missing, missing, NULL, &error));
	g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/sip/transport/kind", test_kind_strings);
	g_test_add_func ("/confab/sip/transport/listen-errors", test_listen_errors);
	g_test_add_func ("/confab/sip/transport/udp", test_udp);
	g_test_add_func ("/confab/sip/transport/tcp", test_tcp);
	g_test_add_func ("/confab/sip/transport/tls", test_tls);
	g_test_add_func ("/confab/sip/transport/ipv6", test_ipv6);
	g_test_add_func ("/confab/sip/transport/tls-wrong-ca", test_tls_wrong_ca);
	g_test_add_func ("/confab/sip/transport/tcp-refused", test_tcp_refused);
	g_test_add_func ("/confab/sip/transport/malformed-request-udp", test_malformed_request_udp);
	g_test_add_func ("/confab/sip/transport/malformed-response-udp", test_malformed_response_udp);
	g_test_add_func ("/confab/sip/transport/tcp-garbage", test_tcp_garbage);
	g_test_add_func ("/confab/sip/transport/tcp-oversized", test_tcp_oversized);
	g_test_add_func ("/confab/sip/transport/tls-garbage", test_tls_garbage);
	g_test_add_func ("/confab/sip/transport/dispose-busy", test_dispose_busy);
	g_test_add_func ("/confab/sip/transport/connection-limit", test_connection_limit);
	g_test_add_func ("/confab/sip/transport/outbound-limits", test_outbound_limits);
	g_test_add_func ("/confab/sip/transport/idle-timeout", test_idle_timeout);
	g_test_add_func ("/confab/sip/transport/drop-datagrams", test_drop_datagrams);
	g_test_add_func ("/confab/sip/transport/via-received", test_via_received);
	g_test_add_func ("/confab/sip/transport/fill-via", test_fill_via);

	return g_test_run ();
}
