/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CfSipStack: client and server transactions (RFC 3261 §17) between two
 * stacks on loopback, and against raw sockets where a peer must misbehave. */

#include "cf-sip-stack.h"
#include "sip-net-test.h"

/* ---- a stack with UDP, TCP and TLS listeners on 127.0.0.1 ---- */

typedef struct {
	CfSipStack *stack;
	CfSipTransport *transport;
	guint16 port[3]; /* by CfSipTransportKind */
	GPtrArray *requests; /* CfSipServerTransaction, in order of arrival */
	GPtrArray *acks;     /* CfSipMessage */
	GPtrArray *strays;   /* CfSipMessage */
	guint auto_status;   /* answer every non-INVITE request with this (0: don't) */
	guint n_failed;      /* ::failed of server transactions */
	GError *failure;
} Peer;

static void
on_server_failed (CfSipServerTransaction *tr, const GError *error, gpointer user_data)
{
	Peer *peer = user_data;

	peer->n_failed++;
	g_clear_error (&peer->failure);
	peer->failure = g_error_copy (error);
}

static void
on_request (CfSipStack *stack, CfSipServerTransaction *tr, CfSipMessage *request, gpointer user_data)
{
	Peer *peer = user_data;

	g_ptr_array_add (peer->requests, g_object_ref (tr));
	g_signal_connect (tr, "failed", G_CALLBACK (on_server_failed), peer);
	if (peer->auto_status != 0 && cf_sip_server_transaction_get_method (tr) != CF_SIP_METHOD_INVITE) {
		g_autoptr(GError) error = NULL;

		g_assert_true (cf_sip_server_transaction_respond_status (tr, peer->auto_status, NULL,
									"auto", &error));
		g_assert_no_error (error);
	}
}

static void
on_ack (CfSipStack *stack, CfSipMessage *ack, const CfSipFlow *flow, gpointer user_data)
{
	Peer *peer = user_data;

	g_ptr_array_add (peer->acks, cf_sip_message_ref (ack));
}

static void
on_stray (CfSipStack *stack, CfSipMessage *response, const CfSipFlow *flow, gpointer user_data)
{
	Peer *peer = user_data;

	g_ptr_array_add (peer->strays, cf_sip_message_ref (response));
}

static Peer *
peer_new_with_ca (const char *ca_name)
{
	Peer *peer = g_new0 (Peer, 1);
	g_autofree char *cert = sip_test_data_file ("server.pem");
	g_autofree char *key = sip_test_data_file ("server-key.pem");
	g_autofree char *ca = sip_test_data_file (ca_name);
	g_autoptr(GError) error = NULL;

	peer->stack = cf_sip_stack_new ();
	peer->transport = cf_sip_stack_get_transport (peer->stack);
	cf_sip_transport_set_tls_files (peer->transport, cert, key, ca, &error);
	g_assert_no_error (error);
	for (CfSipTransportKind kind = CF_SIP_TRANSPORT_UDP; kind <= CF_SIP_TRANSPORT_TLS; kind++) {
		cf_sip_transport_listen (peer->transport, kind, "127.0.0.1", 0, &peer->port[kind], &error);
		g_assert_no_error (error);
	}
	peer->requests = g_ptr_array_new_with_free_func (g_object_unref);
	peer->acks = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_sip_message_unref);
	peer->strays = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_sip_message_unref);
	g_signal_connect (peer->stack, "request", G_CALLBACK (on_request), peer);
	g_signal_connect (peer->stack, "ack", G_CALLBACK (on_ack), peer);
	g_signal_connect (peer->stack, "stray-response", G_CALLBACK (on_stray), peer);
	return peer;
}

static Peer *
peer_new (void)
{
	return peer_new_with_ca ("ca.pem");
}

static void
peer_free (Peer *peer)
{
	if (peer == NULL)
		return;
	for (guint i = 0; i < peer->requests->len; i++)
		g_signal_handlers_disconnect_by_data (g_ptr_array_index (peer->requests, i), peer);
	g_object_unref (peer->stack);
	g_ptr_array_unref (peer->requests);
	g_ptr_array_unref (peer->acks);
	g_ptr_array_unref (peer->strays);
	g_clear_error (&peer->failure);
	g_free (peer);
	sip_test_drain ();
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Peer, peer_free)

static char *
uri_of (Peer *peer, CfSipTransportKind kind)
{
	if (kind == CF_SIP_TRANSPORT_UDP)
		return g_strdup_printf ("sip:bob@127.0.0.1:%u", peer->port[kind]);
	if (kind == CF_SIP_TRANSPORT_TCP)
		return g_strdup_printf ("sip:bob@127.0.0.1:%u;transport=tcp", peer->port[kind]);
	return g_strdup_printf ("sips:bob@127.0.0.1:%u", peer->port[kind]);
}

static CfSipServerTransaction *
request_at (Peer *peer, guint i)
{
	return g_ptr_array_index (peer->requests, i);
}

/* ---- what a client transaction reports ---- */
/* Declare an Outcome before the peers: a stack that goes away frees the
 * transactions it still holds, and their GDestroyNotify touches the Outcome. */

typedef struct {
	GArray *statuses; /* guint, every response passed up */
	GError *error;
	gboolean done;    /* final response or error */
	gboolean freed;   /* the GDestroyNotify ran */
	CfSipMessage *final;
} Outcome;

static Outcome *
outcome_new (void)
{
	Outcome *outcome = g_new0 (Outcome, 1);

	outcome->statuses = g_array_new (FALSE, FALSE, sizeof (guint));
	return outcome;
}

static void
outcome_free (Outcome *outcome)
{
	if (outcome == NULL)
		return;
	g_array_unref (outcome->statuses);
	g_clear_error (&outcome->error);
	g_clear_pointer (&outcome->final, cf_sip_message_unref);
	g_free (outcome);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Outcome, outcome_free)

static void
on_response (CfSipClientTransaction *tr, CfSipMessage *response, const GError *error, gpointer user_data)
{
	Outcome *outcome = user_data;

	g_assert_false (outcome->done);
	if (error != NULL) {
		outcome->error = g_error_copy (error);
		outcome->done = TRUE;
		return;
	}
	g_assert_nonnull (response);
	g_array_append_val (outcome->statuses, *&(guint){ cf_sip_message_get_status (response) });
	if (cf_sip_message_get_status (response) >= 200) {
		outcome->done = TRUE;
		outcome->final = cf_sip_message_ref (response);
	}
}

static void
on_outcome_freed (gpointer user_data)
{
	Outcome *outcome = user_data;

	outcome->freed = TRUE;
}

static guint
status_at (Outcome *outcome, guint i)
{
	g_assert_cmpuint (i, <, outcome->statuses->len);
	return g_array_index (outcome->statuses, guint, i);
}

static CfSipClientTransaction *
send_request (Peer *from, CfSipMessage *request, Outcome *outcome)
{
	g_autoptr(GError) error = NULL;
	CfSipClientTransaction *tr;

	tr = cf_sip_stack_send_request (from->stack, request, NULL, on_response, outcome,
					on_outcome_freed, &error);
	g_assert_no_error (error);
	g_assert_nonnull (tr);
	return tr;
}

/* ---- OPTIONS over each transport ---- */

static void
options (CfSipTransportKind kind)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, kind);
	g_autoptr(CfSipMessage) request = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(CfSipVia) via = NULL;
	g_autofree char *branch = NULL;

	b->auto_status = 200;
	tr = send_request (a, request, outcome);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 1);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==, CF_SIP_CLIENT_TRANSACTION_TRYING);
	g_assert_cmpint (cf_sip_client_transaction_get_destination (tr)->kind, ==, kind);

	/* The stack added the top Via: our listener, a fresh branch, rport. */
	via = cf_sip_message_get_top_via (request, NULL);
	g_assert_nonnull (via);
	g_assert_cmpstr (via->transport, ==, cf_sip_transport_kind_to_string (kind));
	g_assert_cmpstr (via->host, ==, "127.0.0.1");
	g_assert_cmpuint (via->port, ==, a->port[kind]);
	g_assert_true (cf_sip_via_has_param (via, "rport"));
	branch = cf_sip_message_get_branch (request);
	g_assert_true (g_str_has_prefix (branch, "z9hG4bK"));
	g_assert_cmpstr (branch, ==, cf_sip_client_transaction_get_branch (tr));

	WAIT_UNTIL (outcome->done);
	g_assert_no_error (outcome->error);
	g_assert_cmpuint (outcome->statuses->len, ==, 1);
	g_assert_cmpuint (status_at (outcome, 0), ==, 200);
	g_assert_cmpuint (b->requests->len, ==, 1);
	g_assert_cmpint (cf_sip_server_transaction_get_flow (request_at (b, 0))->kind, ==, kind);

	if (kind != CF_SIP_TRANSPORT_UDP) {
		/* The response came back on A's connection; Timers J and K are 0. */
		g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 1);
		g_assert_cmpuint (cf_sip_transport_get_n_connections (b->transport), ==, 1);
		WAIT_UNTIL (cf_sip_stack_get_n_transactions (a->stack) == 0);
		WAIT_UNTIL (cf_sip_stack_get_n_transactions (b->stack) == 0);
	} else {
		g_assert_cmpuint (cf_sip_transport_get_n_connections (a->transport), ==, 0);
		g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==,
				 CF_SIP_CLIENT_TRANSACTION_COMPLETED);
	}
	g_clear_object (&tr);
	if (kind != CF_SIP_TRANSPORT_UDP)
		g_assert_true (outcome->freed);
}

static void
test_options_udp (void)
{
	options (CF_SIP_TRANSPORT_UDP);
}

static void
test_options_tcp (void)
{
	options (CF_SIP_TRANSPORT_TCP);
}

static void
test_options_tls (void)
{
	options (CF_SIP_TRANSPORT_TLS);
}

/* Over UDP Timers K and J free both sides (shrunk timers). */
static void
test_cleanup_udp (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) request = sip_test_request ("OPTIONS", uri);
	CfSipClientTransaction *tr;

	cf_sip_stack_set_timers (a->stack, 10, 40, 50, 0);
	cf_sip_stack_set_timers (b->stack, 10, 40, 50, 0);
	b->auto_status = 200;
	tr = send_request (a, request, outcome);
	g_object_unref (tr);
	WAIT_UNTIL (outcome->done);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 1);
	WAIT_UNTIL (cf_sip_stack_get_n_transactions (a->stack) == 0);
	WAIT_UNTIL (cf_sip_stack_get_n_transactions (b->stack) == 0);
	g_assert_true (outcome->freed);
	g_assert_cmpuint (b->requests->len, ==, 1);
	g_assert_cmpint (cf_sip_server_transaction_get_state (request_at (b, 0)), ==,
			 CF_SIP_SERVER_TRANSACTION_TERMINATED);
}

/* ---- INVITE ---- */

/* 100 (sent by the server transaction after 200 ms of TU silence), 180, 200;
 * the 2xx ends the client transaction, and puts the server one in Accepted
 * (RFC 6026), through which B's TU retransmits it: A's TU gets that as a
 * stray response. The ACK for it goes outside any transaction and reaches
 * B's TU. */
static void
invite_flow (CfSipTransportKind kind)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, kind);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipMessage) ack = NULL;
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(GError) error = NULL;
	CfSipServerTransaction *server;

	tr = send_request (a, invite, outcome);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==, CF_SIP_CLIENT_TRANSACTION_CALLING);
	WAIT_UNTIL (b->requests->len == 1);
	server = request_at (b, 0);
	g_assert_cmpint (cf_sip_server_transaction_get_method (server), ==, CF_SIP_METHOD_INVITE);
	g_assert_cmpint (cf_sip_server_transaction_get_state (server), ==,
			 CF_SIP_SERVER_TRANSACTION_PROCEEDING);

	WAIT_UNTIL (outcome->statuses->len == 1);
	g_assert_cmpuint (status_at (outcome, 0), ==, 100);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==,
			 CF_SIP_CLIENT_TRANSACTION_PROCEEDING);

	g_assert_true (cf_sip_server_transaction_respond_status (server, 180, NULL, "b-tag", &error));
	g_assert_no_error (error);
	WAIT_UNTIL (outcome->statuses->len == 2);
	g_assert_cmpuint (status_at (outcome, 1), ==, 180);

	g_assert_true (cf_sip_server_transaction_respond_status (server, 200, NULL, "b-tag", &error));
	g_assert_no_error (error);
	g_assert_cmpint (cf_sip_server_transaction_get_state (server), ==,
			 CF_SIP_SERVER_TRANSACTION_ACCEPTED);
	WAIT_UNTIL (outcome->done);
	g_assert_no_error (outcome->error);
	g_assert_cmpuint (status_at (outcome, 2), ==, 200);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==,
			 CF_SIP_CLIENT_TRANSACTION_TERMINATED);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 0);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (b->stack), ==, 1);

	g_assert_true (cf_sip_server_transaction_respond_status (server, 200, NULL, "b-tag", &error));
	g_assert_no_error (error);
	WAIT_UNTIL (a->strays->len == 1);
	g_assert_cmpuint (cf_sip_message_get_status (g_ptr_array_index (a->strays, 0)), ==, 200);
	g_assert_cmpuint (outcome->statuses->len, ==, 3);

	/* The ACK for the 2xx, built by the TU (here by hand). */
	ack = cf_sip_message_new_request ("ACK", uri);
	cf_sip_message_add_header (ack, "Max-Forwards", "70");
	cf_sip_message_add_header (ack, "From", cf_sip_message_get_header (invite, "From"));
	cf_sip_message_add_header (ack, "To", cf_sip_message_get_header (outcome->final, "To"));
	cf_sip_message_add_header (ack, "Call-ID", cf_sip_message_get_call_id (invite));
	cf_sip_message_add_header (ack, "CSeq", "1 ACK");
	g_assert_true (cf_sip_stack_send_stateless (a->stack, ack, NULL, &error));
	g_assert_no_error (error);
	WAIT_UNTIL (b->acks->len == 1);
	g_assert_cmpstr (cf_sip_message_get_call_id (g_ptr_array_index (b->acks, 0)), ==,
			 cf_sip_message_get_call_id (invite));
	g_assert_cmpuint (b->requests->len, ==, 1);
}

/* RFC 6026 Accepted: a retransmitted INVITE after the 2xx is absorbed (the
 * TU never sees it twice), a CANCEL gets 200 and has no effect (§9.2);
 * Timer L then ends the transaction. */
static void
test_invite_accepted (void)
{
	g_autoptr(Peer) b = peer_new ();
	g_autoptr(RawUdp) raw = raw_udp_new ();
	g_autofree char *invite = NULL;
	g_autofree char *options = NULL;
	g_autofree char *cancel = NULL;
	g_autofree char *reply = NULL;
	g_autoptr(GError) error = NULL;
	CfSipServerTransaction *server;

	/* Timer L = 64*T1 = 3.2 s: what follows the 2xx comes long before. */
	cf_sip_stack_set_timers (b->stack, 50, 200, 50, 0);
	invite = g_strdup_printf ("INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKaccepted\r\n"
				  "From: <sip:alice@127.0.0.1>;tag=r\r\n"
				  "To: <sip:bob@127.0.0.1>\r\n"
				  "Call-ID: accepted\r\n"
				  "CSeq: 1 INVITE\r\n"
				  "Max-Forwards: 70\r\n"
				  "Content-Length: 0\r\n\r\n",
				  raw->port);
	options = g_strdup_printf ("OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n"
				   "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKaccepted2\r\n"
				   "From: <sip:alice@127.0.0.1>;tag=r\r\n"
				   "To: <sip:bob@127.0.0.1>\r\n"
				   "Call-ID: accepted-options\r\n"
				   "CSeq: 1 OPTIONS\r\n"
				   "Max-Forwards: 70\r\n"
				   "Content-Length: 0\r\n\r\n",
				   raw->port);
	cancel = g_strdup_printf ("CANCEL sip:bob@127.0.0.1 SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKaccepted\r\n"
				  "From: <sip:alice@127.0.0.1>;tag=r\r\n"
				  "To: <sip:bob@127.0.0.1>\r\n"
				  "Call-ID: accepted\r\n"
				  "CSeq: 1 CANCEL\r\n"
				  "Max-Forwards: 70\r\n"
				  "Content-Length: 0\r\n\r\n",
				  raw->port);
	raw_udp_send (raw, b->port[CF_SIP_TRANSPORT_UDP], invite);
	WAIT_UNTIL (b->requests->len == 1);
	server = request_at (b, 0);
	g_assert_true (cf_sip_server_transaction_respond_status (server, 200, NULL, "b", &error));
	g_assert_no_error (error);
	WAIT_UNTIL (raw->datagrams->len == 1);

	/* The INVITE again, a CANCEL, then an OPTIONS: only the OPTIONS reaches
	 * the TU, and only the CANCEL is answered. */
	raw_udp_send (raw, b->port[CF_SIP_TRANSPORT_UDP], invite);
	raw_udp_send (raw, b->port[CF_SIP_TRANSPORT_UDP], cancel);
	raw_udp_send (raw, b->port[CF_SIP_TRANSPORT_UDP], options);
	WAIT_UNTIL (b->requests->len == 2);
	g_assert_cmpint (cf_sip_server_transaction_get_method (request_at (b, 1)), ==,
			 CF_SIP_METHOD_OPTIONS);
	WAIT_UNTIL (raw->datagrams->len == 2);
	reply = raw_udp_get (raw, 1);
	g_assert_true (g_str_has_prefix (reply, "SIP/2.0 200"));
	g_assert_nonnull (strstr (reply, "CANCEL"));
	g_assert_cmpint (cf_sip_server_transaction_get_state (server), ==,
			 CF_SIP_SERVER_TRANSACTION_ACCEPTED);

	WAIT_UNTIL (cf_sip_server_transaction_get_state (server) == CF_SIP_SERVER_TRANSACTION_TERMINATED);
	g_assert_cmpuint (b->n_failed, ==, 0);
}

static void
test_invite_udp (void)
{
	invite_flow (CF_SIP_TRANSPORT_UDP);
}

static void
test_invite_tls (void)
{
	invite_flow (CF_SIP_TRANSPORT_TLS);
}

/* CANCEL after 180: 200 for the CANCEL, 487 for the INVITE, whose ACK the
 * server transaction absorbs. */
static void
test_cancel (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Outcome) cancel_outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(CfSipClientTransaction) cancel = NULL;
	g_autoptr(GError) error = NULL;
	CfSipServerTransaction *server_invite;
	CfSipServerTransaction *server_cancel;
	CfSipMessage *cancel_request;
	g_autofree char *invite_branch = NULL;
	g_autofree char *cancel_branch = NULL;

	tr = send_request (a, invite, outcome);
	WAIT_UNTIL (b->requests->len == 1);
	server_invite = request_at (b, 0);
	g_assert_true (cf_sip_server_transaction_respond_status (server_invite, 180, NULL, "b-tag",
								 &error));
	WAIT_UNTIL (outcome->statuses->len == 1);
	g_assert_cmpuint (status_at (outcome, 0), ==, 180);

	cancel = cf_sip_stack_cancel (a->stack, tr, on_response, cancel_outcome, on_outcome_freed,
				      &error);
	g_assert_no_error (error);
	g_assert_nonnull (cancel);
	/* Twice is refused. */
	g_assert_null (cf_sip_stack_cancel (a->stack, tr, NULL, NULL, NULL, &error));
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);

	WAIT_UNTIL (b->requests->len == 2);
	server_cancel = request_at (b, 1);
	cancel_request = cf_sip_server_transaction_get_request (server_cancel);
	g_assert_cmpint (cf_sip_server_transaction_get_method (server_cancel), ==, CF_SIP_METHOD_CANCEL);
	g_assert_true (cf_sip_server_transaction_get_cancelled (server_cancel) == server_invite);
	/* §9.1: same branch, Call-ID, CSeq number, one Via. */
	invite_branch = cf_sip_message_get_branch (invite);
	cancel_branch = cf_sip_message_get_branch (cancel_request);
	g_assert_cmpstr (invite_branch, ==, cancel_branch);
	g_assert_cmpstr (cf_sip_message_get_call_id (cancel_request), ==, cf_sip_message_get_call_id (invite));
	g_assert_cmpuint (cf_sip_message_count_header (cancel_request, "Via"), ==, 1);

	g_assert_true (cf_sip_server_transaction_respond_status (server_cancel, 200, NULL, "b-tag",
								 &error));
	g_assert_true (cf_sip_server_transaction_respond_status (server_invite, 487, NULL, "b-tag",
								 &error));
	g_assert_no_error (error);
	WAIT_UNTIL (cancel_outcome->done && outcome->done);
	g_assert_no_error (cancel_outcome->error);
	g_assert_cmpuint (status_at (cancel_outcome, 0), ==, 200);
	g_assert_no_error (outcome->error);
	g_assert_cmpuint (status_at (outcome, 1), ==, 487);

	/* The INVITE client transaction ACKed the 487 itself; B's INVITE server
	 * transaction took it (Confirmed), and B's TU never saw it. */
	WAIT_UNTIL (cf_sip_server_transaction_get_state (server_invite) ==
		    CF_SIP_SERVER_TRANSACTION_CONFIRMED);
	g_assert_cmpuint (b->acks->len, ==, 0);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==,
			 CF_SIP_CLIENT_TRANSACTION_COMPLETED);
}

/* A CANCEL asked for before any provisional response waits for one (§9.1). */
static void
test_cancel_early (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Outcome) cancel_outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_TCP);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(CfSipClientTransaction) cancel = NULL;
	g_autoptr(GError) error = NULL;
	CfSipServerTransaction *server_invite;

	tr = send_request (a, invite, outcome);
	cancel = cf_sip_stack_cancel (a->stack, tr, on_response, cancel_outcome, on_outcome_freed,
				      &error);
	g_assert_no_error (error);
	g_assert_null (cf_sip_client_transaction_get_destination (cancel));
	WAIT_UNTIL (b->requests->len == 1);
	server_invite = request_at (b, 0);

	/* Only once the automatic 100 Trying reached A does the CANCEL go. */
	WAIT_UNTIL (b->requests->len == 2);
	g_assert_cmpuint (outcome->statuses->len, ==, 1);
	g_assert_cmpuint (status_at (outcome, 0), ==, 100);
	g_assert_true (cf_sip_server_transaction_get_cancelled (request_at (b, 1)) == server_invite);
	g_assert_true (cf_sip_server_transaction_respond_status (request_at (b, 1), 200, NULL, NULL,
								 &error));
	g_assert_true (cf_sip_server_transaction_respond_status (server_invite, 487, NULL, "t", &error));
	WAIT_UNTIL (cancel_outcome->done && outcome->done);
	g_assert_cmpuint (status_at (cancel_outcome, 0), ==, 200);
	g_assert_cmpuint (status_at (outcome, 1), ==, 487);
	/* Over TCP, everything ends at once. */
	WAIT_UNTIL (cf_sip_stack_get_n_transactions (a->stack) == 0);
	WAIT_UNTIL (cf_sip_stack_get_n_transactions (b->stack) == 0);
}

/* A CANCEL waiting for a provisional response is dropped when the INVITE
 * ends first; a CANCEL that matches nothing is answered 481 by the stack. */
static void
test_cancel_unsent_and_481 (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Outcome) cancel_outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(RawUdp) raw = raw_udp_new ();
	g_autofree char *uri = g_strdup_printf ("sip:bob@127.0.0.1:%u", raw->port);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(CfSipClientTransaction) cancel = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CfSipMessage) got = NULL;
	g_autoptr(CfSipMessage) busy = NULL;
	g_autofree char *text = NULL;
	g_autofree char *busy_text = NULL;
	g_autofree char *stray_cancel = NULL;
	g_autofree char *reply = NULL;

	tr = send_request (a, invite, outcome);
	cancel = cf_sip_stack_cancel (a->stack, tr, on_response, cancel_outcome, on_outcome_freed,
				      &error);
	g_assert_no_error (error);
	WAIT_UNTIL (raw->datagrams->len == 1);
	text = raw_udp_get (raw, 0);
	got = cf_sip_message_parse (text, strlen (text), &error);
	g_assert_no_error (error);
	busy = cf_sip_message_new_response_to (got, 486, NULL, "raw");
	busy_text = cf_sip_message_to_string (busy, NULL);
	raw_udp_send (raw, a->port[CF_SIP_TRANSPORT_UDP], busy_text);
	WAIT_UNTIL (outcome->done && cancel_outcome->done);
	g_assert_cmpuint (status_at (outcome, 0), ==, 486);
	g_assert_error (cancel_outcome->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	/* The raw peer got the INVITE and the ACK, never a CANCEL. */
	WAIT_UNTIL (raw->datagrams->len == 2);
	g_clear_pointer (&text, g_free);
	text = raw_udp_get (raw, 1);
	g_assert_true (g_str_has_prefix (text, "ACK "));

	/* A CANCEL for an INVITE A never saw. */
	stray_cancel = g_strdup_printf ("CANCEL sip:alice@127.0.0.1 SIP/2.0\r\n"
					"Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKnothing\r\n"
					"From: <sip:bob@127.0.0.1>;tag=r\r\n"
					"To: <sip:alice@127.0.0.1>\r\n"
					"Call-ID: no-such-call\r\n"
					"CSeq: 1 CANCEL\r\n"
					"Max-Forwards: 70\r\n"
					"Content-Length: 0\r\n\r\n",
					raw->port);
	raw_udp_send (raw, a->port[CF_SIP_TRANSPORT_UDP], stray_cancel);
	WAIT_UNTIL (raw->datagrams->len == 3);
	reply = raw_udp_get (raw, 2);
	g_assert_true (g_str_has_prefix (reply, "SIP/2.0 481"));
	g_assert_cmpuint (a->requests->len, ==, 0);
}

/* A non-2xx final response: the client transaction sends the ACK; B's
 * server transaction absorbs it (no ::ack); Timer I then ends it. */
static void
test_invite_rejected (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(GError) error = NULL;
	CfSipServerTransaction *server;

	cf_sip_stack_set_timers (a->stack, 20, 80, 50, 100);
	cf_sip_stack_set_timers (b->stack, 20, 80, 50, 100);
	tr = send_request (a, invite, outcome);
	WAIT_UNTIL (b->requests->len == 1);
	server = request_at (b, 0);
	g_assert_true (cf_sip_server_transaction_respond_status (server, 486, NULL, "b", &error));
	g_assert_no_error (error);
	g_assert_cmpint (cf_sip_server_transaction_get_state (server), ==,
			 CF_SIP_SERVER_TRANSACTION_COMPLETED);
	/* Too late for anything else. */
	g_assert_false (cf_sip_server_transaction_respond_status (server, 200, NULL, "b", &error));
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);

	WAIT_UNTIL (outcome->done);
	g_assert_cmpuint (status_at (outcome, outcome->statuses->len - 1), ==, 486);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr), ==,
			 CF_SIP_CLIENT_TRANSACTION_COMPLETED);
	WAIT_UNTIL (cf_sip_server_transaction_get_state (server) == CF_SIP_SERVER_TRANSACTION_CONFIRMED ||
		    cf_sip_server_transaction_get_state (server) == CF_SIP_SERVER_TRANSACTION_TERMINATED);
	/* Timers D (A) and I (B) end both. */
	WAIT_UNTIL (cf_sip_stack_get_n_transactions (a->stack) == 0);
	WAIT_UNTIL (cf_sip_stack_get_n_transactions (b->stack) == 0);
	g_assert_cmpuint (b->acks->len, ==, 0);
	g_assert_cmpuint (b->n_failed, ==, 0);
}

/* ---- UDP retransmissions and timers ---- */

/* The first datagrams are lost: Timer E retransmits and it completes. */
static void
test_retransmit_request (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) request = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;

	cf_sip_stack_set_timers (a->stack, 20, 80, 50, 0);
	b->auto_status = 200;
	cf_sip_transport_test_drop_datagrams (a->transport, 2);
	tr = send_request (a, request, outcome);
	WAIT_UNTIL (outcome->done);
	g_assert_no_error (outcome->error);
	g_assert_cmpuint (status_at (outcome, 0), ==, 200);
	g_assert_cmpuint (b->requests->len, ==, 1);
	g_assert_cmpuint (cf_sip_transport_test_get_n_datagrams_sent (a->transport), >=, 1);
}

/* The INVITE's first datagram is lost: Timer A retransmits it. */
static void
test_retransmit_invite (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(GError) error = NULL;

	cf_sip_stack_set_timers (a->stack, 20, 80, 50, 100);
	cf_sip_transport_test_drop_datagrams (a->transport, 1);
	tr = send_request (a, invite, outcome);
	WAIT_UNTIL (b->requests->len == 1);
	g_assert_true (cf_sip_server_transaction_respond_status (request_at (b, 0), 603, NULL, "b",
								 &error));
	WAIT_UNTIL (outcome->done);
	g_assert_cmpuint (status_at (outcome, outcome->statuses->len - 1), ==, 603);
	g_assert_cmpuint (b->requests->len, ==, 1);
}

/* The server's final response is lost: the client's retransmission makes
 * the server transaction send it again; the TU sees the request once. */
static void
test_retransmit_response (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) request = sip_test_request ("MESSAGE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;

	cf_sip_stack_set_timers (a->stack, 20, 80, 50, 0);
	b->auto_status = 202;
	cf_sip_transport_test_drop_datagrams (b->transport, 1);
	tr = send_request (a, request, outcome);
	WAIT_UNTIL (outcome->done);
	g_assert_no_error (outcome->error);
	g_assert_cmpuint (status_at (outcome, 0), ==, 202);
	g_assert_cmpuint (b->requests->len, ==, 1);
	g_assert_cmpuint (cf_sip_transport_test_get_n_datagrams_sent (b->transport), ==, 1);
	g_assert_cmpuint (cf_sip_transport_test_get_n_datagrams_sent (a->transport), >=, 2);
}

/* Everything is lost: Timer F (non-INVITE) and Timer B (INVITE) fire. */
static void
test_timeouts (void)
{
	g_autoptr(Outcome) outcome_f = outcome_new ();
	g_autoptr(Outcome) outcome_b = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) options = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr_f = NULL;
	g_autoptr(CfSipClientTransaction) tr_b = NULL;

	cf_sip_stack_set_timers (a->stack, 5, 20, 20, 0);
	cf_sip_transport_test_drop_datagrams (a->transport, G_MAXUINT);
	tr_f = send_request (a, options, outcome_f);
	tr_b = send_request (a, invite, outcome_b);
	WAIT_UNTIL (outcome_f->done && outcome_b->done);
	g_assert_error (outcome_f->error, CF_SIP_ERROR, CF_SIP_ERROR_TIMEOUT);
	g_assert_error (outcome_b->error, CF_SIP_ERROR, CF_SIP_ERROR_TIMEOUT);
	g_assert_cmpuint (outcome_f->statuses->len, ==, 0);
	g_assert_cmpuint (outcome_b->statuses->len, ==, 0);
	g_assert_cmpint (cf_sip_client_transaction_get_state (tr_f), ==,
			 CF_SIP_CLIENT_TRANSACTION_TERMINATED);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 0);
	g_assert_cmpuint (b->requests->len, ==, 0);
	g_assert_cmpuint (cf_sip_transport_test_get_n_datagrams_sent (a->transport), ==, 0);
}

/* Timer G retransmits a non-2xx final response to a peer that does not ACK;
 * Timer H then gives up and tells the TU. */
static void
test_timer_g_h (void)
{
	g_autoptr(Peer) b = peer_new ();
	g_autoptr(RawUdp) raw = raw_udp_new ();
	g_autofree char *invite = NULL;
	g_autofree char *first = NULL;
	g_autofree char *later = NULL;
	g_autoptr(GError) error = NULL;
	CfSipServerTransaction *server;

	cf_sip_stack_set_timers (b->stack, 10, 40, 50, 0);
	invite = g_strdup_printf ("INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bKtimerg\r\n"
				  "From: <sip:alice@127.0.0.1>;tag=r\r\n"
				  "To: <sip:bob@127.0.0.1>\r\n"
				  "Call-ID: timer-g\r\n"
				  "CSeq: 7 INVITE\r\n"
				  "Max-Forwards: 70\r\n"
				  "Content-Length: 0\r\n\r\n",
				  raw->port);
	raw_udp_send (raw, b->port[CF_SIP_TRANSPORT_UDP], invite);
	WAIT_UNTIL (b->requests->len == 1);
	server = request_at (b, 0);
	g_assert_true (cf_sip_server_transaction_respond_status (server, 480, NULL, "b", &error));
	g_assert_no_error (error);

	/* The original and at least three retransmissions, all the same. */
	WAIT_UNTIL (raw->datagrams->len >= 4);
	first = raw_udp_get (raw, 0);
	later = raw_udp_get (raw, 3);
	g_assert_true (g_str_has_prefix (first, "SIP/2.0 480"));
	g_assert_cmpstr (first, ==, later);

	/* A retransmitted INVITE is answered with the same response again, and
	 * never reaches the TU. */
	raw_udp_send (raw, b->port[CF_SIP_TRANSPORT_UDP], invite);

	WAIT_UNTIL (b->n_failed == 1);
	g_assert_error (b->failure, CF_SIP_ERROR, CF_SIP_ERROR_TIMEOUT);
	g_assert_cmpint (cf_sip_server_transaction_get_state (server), ==,
			 CF_SIP_SERVER_TRANSACTION_TERMINATED);
	g_assert_cmpuint (b->requests->len, ==, 1);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (b->stack), ==, 0);
}

/* Retransmissions of a 2xx (the TU's job) and of the INVITE after it are
 * not the transaction's: a second 200 reaches A's TU as a stray response. */
static void
test_stray_2xx (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(RawUdp) raw = raw_udp_new ();
	g_autofree char *uri = g_strdup_printf ("sip:bob@127.0.0.1:%u", raw->port);
	g_autoptr(CfSipMessage) invite = sip_test_request ("INVITE", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CfSipMessage) got = NULL;
	g_autoptr(CfSipMessage) ok = NULL;
	g_autofree char *text = NULL;
	g_autofree char *ok_text = NULL;

	tr = send_request (a, invite, outcome);
	WAIT_UNTIL (raw->datagrams->len == 1);
	text = raw_udp_get (raw, 0);
	got = cf_sip_message_parse (text, strlen (text), &error);
	g_assert_no_error (error);
	ok = cf_sip_message_new_response_to (got, 200, NULL, "raw");
	ok_text = cf_sip_message_to_string (ok, NULL);
	raw_udp_send (raw, a->port[CF_SIP_TRANSPORT_UDP], ok_text);
	WAIT_UNTIL (outcome->done);
	g_assert_cmpuint (status_at (outcome, 0), ==, 200);
	g_assert_cmpuint (a->strays->len, ==, 0);
	raw_udp_send (raw, a->port[CF_SIP_TRANSPORT_UDP], ok_text);
	WAIT_UNTIL (a->strays->len == 1);
	g_assert_cmpuint (cf_sip_message_get_status (g_ptr_array_index (a->strays, 0)), ==, 200);
	g_assert_cmpuint (outcome->statuses->len, ==, 1);
	/* No ACK from the transaction for a 2xx. */
	g_assert_cmpuint (raw->datagrams->len, ==, 1);
}

/* A malformed response never reaches the transaction; the good one does. */
static void
test_malformed_response (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(RawUdp) raw = raw_udp_new ();
	g_autofree char *uri = g_strdup_printf ("sip:bob@127.0.0.1:%u", raw->port);
	g_autoptr(CfSipMessage) request = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CfSipMessage) got = NULL;
	g_autoptr(CfSipMessage) ok = NULL;
	g_autofree char *text = NULL;
	g_autofree char *ok_text = NULL;
	g_autofree char *bad_text = NULL;
	g_autofree char *branch = NULL;

	tr = send_request (a, request, outcome);
	WAIT_UNTIL (raw->datagrams->len == 1);
	text = raw_udp_get (raw, 0);
	got = cf_sip_message_parse (text, strlen (text), &error);
	g_assert_no_error (error);
	branch = cf_sip_message_get_branch (got);
	/* Right branch, but no Call-ID. */
	bad_text = g_strdup_printf ("SIP/2.0 500 Broken\r\n"
				    "Via: %s\r\n"
				    "From: %s\r\n"
				    "To: <sip:bob@127.0.0.1>;tag=x\r\n"
				    "CSeq: 1 OPTIONS\r\n"
				    "Content-Length: 0\r\n\r\n",
				    cf_sip_message_get_header (got, "Via"),
				    cf_sip_message_get_header (got, "From"));
	raw_udp_send (raw, a->port[CF_SIP_TRANSPORT_UDP], bad_text);
	ok = cf_sip_message_new_response_to (got, 200, NULL, "raw");
	ok_text = cf_sip_message_to_string (ok, NULL);
	raw_udp_send (raw, a->port[CF_SIP_TRANSPORT_UDP], ok_text);
	WAIT_UNTIL (outcome->done);
	g_assert_cmpuint (outcome->statuses->len, ==, 1);
	g_assert_cmpuint (status_at (outcome, 0), ==, 200);
}

/* ---- transport errors ---- */

static void
test_transport_errors (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Outcome) never = outcome_new ();
	g_autoptr(Peer) a = peer_new_with_ca ("other-ca.pem");
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *tls_uri = uri_of (b, CF_SIP_TRANSPORT_TLS);
	g_autoptr(CfSipMessage) tls_request = sip_test_request ("OPTIONS", tls_uri);
	g_autoptr(CfSipMessage) bad_uri = sip_test_request ("OPTIONS", "sip:bob@127.0.0.1;transport=sctp");
	g_autoptr(CfSipMessage) no_listener = sip_test_request ("OPTIONS", "sip:bob@[::1]:5999");
	g_autoptr(CfSipClientTransaction) tr = NULL;
	g_autoptr(GError) error = NULL;

	/* The TLS server's certificate is not from the CA A trusts. */
	b->auto_status = 200;
	tr = send_request (a, tls_request, outcome);
	WAIT_UNTIL (outcome->done);
	g_assert_error (outcome->error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_assert_cmpuint (b->requests->len, ==, 0);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 0);

	/* Failures found at once are returned, and the callback never runs. */
	g_assert_null (cf_sip_stack_send_request (a->stack, bad_uri, NULL, on_response, never,
						  on_outcome_freed, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_clear_error (&error);
	g_assert_true (never->freed);
	never->freed = FALSE;
	g_assert_null (cf_sip_stack_send_request (a->stack, no_listener, NULL, on_response, never,
						  on_outcome_freed, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_clear_error (&error);
	g_assert_true (never->freed);
	g_assert_false (never->done);
	g_assert_cmpuint (cf_sip_message_count_header (no_listener, "Via"), ==, 0);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 0);
}

/* ---- limits ---- */

static void
test_transaction_limit (void)
{
	g_autoptr(Outcome) outcome1 = outcome_new ();
	g_autoptr(Outcome) outcome2 = outcome_new ();
	g_autoptr(Outcome) outcome3 = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = uri_of (b, CF_SIP_TRANSPORT_UDP);
	g_autoptr(CfSipMessage) r1 = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipMessage) r2 = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipMessage) r3 = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipMessage) r4 = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipClientTransaction) t1 = NULL;
	g_autoptr(CfSipClientTransaction) t2 = NULL;
	g_autoptr(CfSipClientTransaction) t3 = NULL;
	g_autoptr(GError) error = NULL;

	/* B holds two unanswered requests; the third gets 503. */
	cf_sip_stack_set_max_transactions (b->stack, 2);
	t1 = send_request (a, r1, outcome1);
	WAIT_UNTIL (b->requests->len == 1);
	t2 = send_request (a, r2, outcome2);
	WAIT_UNTIL (b->requests->len == 2);
	t3 = send_request (a, r3, outcome3);
	WAIT_UNTIL (outcome3->done);
	g_assert_cmpuint (status_at (outcome3, 0), ==, 503);
	g_assert_cmpuint (b->requests->len, ==, 2);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (b->stack), ==, 2);

	/* A allows three at a time: the fourth send fails at once. */
	cf_sip_stack_set_max_transactions (a->stack, 3);
	g_assert_cmpuint (cf_sip_stack_get_n_transactions (a->stack), ==, 3);
	g_assert_null (cf_sip_stack_send_request (a->stack, r4, NULL, on_response, NULL,
						  NULL, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_LIMIT);
	g_clear_error (&error);

	g_assert_true (cf_sip_server_transaction_respond_status (request_at (b, 0), 200, NULL, "b",
								 &error));
	g_assert_true (cf_sip_server_transaction_respond_status (request_at (b, 1), 200, NULL, "b",
								 &error));
	WAIT_UNTIL (outcome1->done && outcome2->done);
}

/* ---- misc ---- */

static void
test_branch (void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < 1000; i++) {
		char *branch = cf_sip_new_branch ();

		g_assert_true (g_str_has_prefix (branch, "z9hG4bK"));
		g_assert_cmpuint (strlen (branch), ==, 7 + 32);
		g_assert_false (g_hash_table_contains (seen, branch));
		g_hash_table_add (seen, branch);
	}
}

typedef struct {
	CfSipDestination *dest;
	GError *error;
	gboolean done;
} ResolveResult;

static void
on_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
	ResolveResult *res = user_data;

	res->dest = cf_sip_stack_resolve_finish (CF_SIP_STACK (source), result, &res->error);
	res->done = TRUE;
}

static void
resolve (CfSipStack *stack, const char *uri, ResolveResult *res)
{
	memset (res, 0, sizeof (*res));
	cf_sip_stack_resolve_async (stack, uri, NULL, on_resolved, res);
	WAIT_UNTIL (res->done);
}

static void
check_resolve (CfSipStack *stack, const char *uri, CfSipTransportKind kind, const char *address,
	       guint16 port)
{
	ResolveResult res;
	g_autofree char *text = NULL;

	resolve (stack, uri, &res);
	g_assert_no_error (res.error);
	g_assert_cmpint (res.dest->kind, ==, kind);
	g_assert_cmpuint (g_inet_socket_address_get_port (res.dest->address), ==, port);
	text = g_inet_address_to_string (g_inet_socket_address_get_address (res.dest->address));
	if (address != NULL)
		g_assert_cmpstr (text, ==, address);
	cf_sip_destination_free (res.dest);
}

static void
test_resolve (void)
{
	g_autoptr(CfSipStack) stack = cf_sip_stack_new ();
	ResolveResult res;

	check_resolve (stack, "sip:bob@127.0.0.1", CF_SIP_TRANSPORT_UDP, "127.0.0.1", 5060);
	check_resolve (stack, "sip:bob@127.0.0.1:5080;transport=tcp", CF_SIP_TRANSPORT_TCP, "127.0.0.1",
		       5080);
	check_resolve (stack, "sip:bob@127.0.0.1;transport=TLS", CF_SIP_TRANSPORT_TLS, "127.0.0.1", 5061);
	check_resolve (stack, "sips:bob@[::1]", CF_SIP_TRANSPORT_TLS, "::1", 5061);
	check_resolve (stack, "sip:bob@example.invalid;maddr=127.0.0.2", CF_SIP_TRANSPORT_UDP,
		       "127.0.0.2", 5060);
	/* A name, looked up (in /etc/hosts). */
	check_resolve (stack, "sip:bob@localhost:5090", CF_SIP_TRANSPORT_UDP, NULL, 5090);

	resolve (stack, "sips:bob@127.0.0.1;transport=udp", &res);
	g_assert_error (res.error, CF_SIP_ERROR, CF_SIP_ERROR_TRANSPORT);
	g_clear_error (&res.error);
	resolve (stack, "mailto:bob@127.0.0.1", &res);
	g_assert_nonnull (res.error);
	g_clear_error (&res.error);
	sip_test_drain ();
}

/* A request towards a host name goes once the name is looked up. */
static void
test_options_by_name (void)
{
	g_autoptr(Outcome) outcome = outcome_new ();
	g_autoptr(Peer) a = peer_new ();
	g_autoptr(Peer) b = peer_new ();
	g_autofree char *uri = g_strdup_printf ("sip:bob@localhost:%u;transport=tcp",
						b->port[CF_SIP_TRANSPORT_TCP]);
	g_autoptr(CfSipMessage) request = sip_test_request ("OPTIONS", uri);
	g_autoptr(CfSipClientTransaction) tr = NULL;

	b->auto_status = 200;
	tr = send_request (a, request, outcome);
	g_assert_null (cf_sip_client_transaction_get_destination (tr));
	WAIT_UNTIL (outcome->done);
	/* Of the addresses of localhost, the IPv4 one is taken: that is the
	 * family A has a TCP listener for. */
	g_assert_no_error (outcome->error);
	g_assert_cmpuint (status_at (outcome, 0), ==, 200);
	g_assert_cmpstr (cf_sip_client_transaction_get_destination (tr)->tls_name, ==, "localhost");
	g_assert_cmpuint (b->requests->len, ==, 1);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/sip/transaction/branch", test_branch);
	g_test_add_func ("/confab/sip/transaction/resolve", test_resolve);
	g_test_add_func ("/confab/sip/transaction/options/udp", test_options_udp);
	g_test_add_func ("/confab/sip/transaction/options/tcp", test_options_tcp);
	g_test_add_func ("/confab/sip/transaction/options/tls", test_options_tls);
	g_test_add_func ("/confab/sip/transaction/options/by-name", test_options_by_name);
	g_test_add_func ("/confab/sip/transaction/cleanup-udp", test_cleanup_udp);
	g_test_add_func ("/confab/sip/transaction/invite/udp", test_invite_udp);
	g_test_add_func ("/confab/sip/transaction/invite/tls", test_invite_tls);
	g_test_add_func ("/confab/sip/transaction/invite/rejected", test_invite_rejected);
	g_test_add_func ("/confab/sip/transaction/invite/accepted", test_invite_accepted);
	g_test_add_func ("/confab/sip/transaction/cancel/after-180", test_cancel);
	g_test_add_func ("/confab/sip/transaction/cancel/early", test_cancel_early);
	g_test_add_func ("/confab/sip/transaction/cancel/unsent-and-481", test_cancel_unsent_and_481);
	g_test_add_func ("/confab/sip/transaction/retransmit/request", test_retransmit_request);
	g_test_add_func ("/confab/sip/transaction/retransmit/invite", test_retransmit_invite);
	g_test_add_func ("/confab/sip/transaction/retransmit/response", test_retransmit_response);
	g_test_add_func ("/confab/sip/transaction/timeouts", test_timeouts);
	g_test_add_func ("/confab/sip/transaction/timer-g-h", test_timer_g_h);
	g_test_add_func ("/confab/sip/transaction/stray-2xx", test_stray_2xx);
	g_test_add_func ("/confab/sip/transaction/malformed-response", test_malformed_response);
	g_test_add_func ("/confab/sip/transaction/transport-errors", test_transport_errors);
	g_test_add_func ("/confab/sip/transaction/limit", test_transaction_limit);

	return g_test_run ();
}
