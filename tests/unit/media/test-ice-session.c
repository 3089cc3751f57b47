/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CfIceSession: two sessions in one process connect over 127.0.0.1 through
 * libnice (both roles), exchange datagrams; plain RTP/UDP sessions; the
 * fallback from ICE to a peer without ICE; failures and misuse.
 *
 * Every wait iterates a context of the test's own, and is guarded by a
 * watchdog that fails the test rather than let it hang; the watchdog is a
 * safety net, never the expected way out of a wait. */

#include <string.h>

#include <nice/interfaces.h>

#include "cf-ice-session.h"

#define WATCHDOG_SECONDS 25

static const char *const loopback4[] = {"127.0.0.1", NULL};

typedef struct {
	GMainContext *context;
	CfIceSession *session;
	GPtrArray *received; /* GBytes */
	GArray *states;	     /* CfIceState, in order */
	gboolean gather_done;
	GError *gather_error;
	guint notified;
} Side;

static void
on_receive (CfIceSession *session, guint8 *data, gsize len, gpointer user_data)
{
	Side *side = user_data;

	g_assert_true (session == side->session);
	g_assert_cmpuint (len, >, 0);
	g_ptr_array_add (side->received, g_bytes_new (data, len));
	/* The buffer is ours to change in place. */
	memset (data, 0, len);
}

static void
on_receive_notify (gpointer user_data)
{
	Side *side = user_data;

	side->notified++;
}

static void
on_state_changed (CfIceSession *session, guint state, gpointer user_data)
{
	Side *side = user_data;
	CfIceState value = (CfIceState)state;

	g_assert_true (session == side->session);
	g_assert_cmpint (cf_ice_session_get_state (session), ==, value);
	g_array_append_val (side->states, value);
}

static void
side_attach (Side *side, GMainContext *context, CfIceSession *session)
{
	side->context = context;
	side->session = session;
	side->received = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
	side->states = g_array_new (FALSE, FALSE, sizeof (CfIceState));
	g_signal_connect (session, "state-changed", G_CALLBACK (on_state_changed), side);
	cf_ice_session_set_receive_func (session, on_receive, side, on_receive_notify);
}

static void
side_init (Side *side, GMainContext *context, gboolean controlling, const CfIceConfig *config)
{
	g_autoptr (GError) error = NULL;
	CfIceSession *session = cf_ice_session_new (context, controlling, config, &error);

	g_assert_no_error (error);
	g_assert_nonnull (session);
	g_assert_false (cf_ice_session_is_plain (session));
	g_assert_cmpint (cf_ice_session_get_state (session), ==, CF_ICE_STATE_NEW);
	g_assert_cmpint (cf_ice_session_get_controlling (session), ==, controlling);
	side_attach (side, context, session);
}

static void
side_init_plain (Side *side, GMainContext *context)
{
	g_autoptr (GError) error = NULL;
	CfIceSession *session = cf_ice_session_new_plain (context, loopback4, NULL, &error);

	g_assert_no_error (error);
	g_assert_nonnull (session);
	g_assert_true (cf_ice_session_is_plain (session));
	side_attach (side, context, session);
}

/* Closes, lets libnice release its agent on the context, frees. */
static void
side_clear (Side *side)
{
	if (side->session != NULL) {
		cf_ice_session_close (side->session);
		g_clear_object (&side->session);
	}
	while (g_main_context_iteration (side->context, FALSE))
		;
	g_clear_pointer (&side->received, g_ptr_array_unref);
	g_clear_pointer (&side->states, g_array_unref);
	g_clear_error (&side->gather_error);
}

static gboolean
on_watchdog (gpointer user_data)
{
	gboolean *fired = user_data;

	*fired = TRUE;
	return G_SOURCE_REMOVE;
}

typedef gboolean (*Predicate) (gpointer data);

/* Iterates @context until @done; fails the test if the watchdog fires
 * first. */
static void
wait_for (GMainContext *context, Predicate done, gpointer data, const char *what)
{
	gboolean fired = FALSE;
	GSource *watchdog = g_timeout_source_new_seconds (WATCHDOG_SECONDS);

	g_source_set_callback (watchdog, on_watchdog, &fired, NULL);
	g_source_attach (watchdog, context);
	while (!done (data) && !fired)
		g_main_context_iteration (context, TRUE);
	g_source_destroy (watchdog);
	g_source_unref (watchdog);
	if (!done (data))
		g_error ("timed out waiting for %s", what);
}

static void
on_gathered (GObject *source, GAsyncResult *result, gpointer user_data)
{
	Side *side = user_data;

	g_assert_true (CF_ICE_SESSION (source) == side->session);
	cf_ice_session_gather_finish (side->session, result, &side->gather_error);
	side->gather_done = TRUE;
}

static gboolean
gather_done (gpointer data)
{
	return ((Side *)data)->gather_done;
}

static void
gather (Side *side)
{
	cf_ice_session_gather_async (side->session, NULL, on_gathered, side);
	wait_for (side->context, gather_done, side, "gathering");
}

/* Gathers and checks what the session offers for the SDP. */
static void
gather_loopback (Side *side)
{
	g_auto (GStrv) candidates = NULL;
	g_autofree char *address = NULL;
	guint16 port = 0;

	gather (side);
	g_assert_no_error (side->gather_error);

	g_assert_true (
		cf_ice_ufrag_validate (cf_ice_session_get_local_ufrag (side->session), NULL));
	g_assert_true (cf_ice_pwd_validate (cf_ice_session_get_local_pwd (side->session), NULL));

	/* Only 127.0.0.1 was allowed: one host candidate there. */
	candidates = cf_ice_session_get_local_candidates (side->session);
	g_assert_cmpuint (g_strv_length (candidates), ==, 1);
	for (guint i = 0; candidates[i] != NULL; i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceCandidate) candidate =
			cf_ice_candidate_parse (candidates[i], &error);

		g_assert_no_error (error);
		g_assert_cmpstr (candidate->address, ==, "127.0.0.1");
		g_assert_cmpuint (candidate->component, ==, 1);
		g_assert_cmpint (candidate->type, ==, CF_ICE_CANDIDATE_TYPE_HOST);
	}

	g_assert_true (cf_ice_session_get_default_address (side->session, &address, &port));
	g_assert_cmpstr (address, ==, "127.0.0.1");
	g_assert_cmpuint (port, >, 0);
}

static void
set_remote_from (Side *to, Side *from, gboolean remote_lite)
{
	g_autoptr (GError) error = NULL;
	g_auto (GStrv) candidates = cf_ice_session_get_local_candidates (from->session);

	g_assert_true (cf_ice_session_set_remote (to->session,
						  cf_ice_session_get_local_ufrag (from->session),
						  cf_ice_session_get_local_pwd (from->session),
						  (const char *const *)candidates,
						  remote_lite,
						  &error));
	g_assert_no_error (error);
	g_assert_cmpint (cf_ice_session_get_state (to->session), ==, CF_ICE_STATE_CHECKING);
}

typedef struct {
	Side *a;
	Side *b;
	CfIceState state;
} Pair;

static gboolean
both_in_state (gpointer data)
{
	Pair *pair = data;

	return cf_ice_session_get_state (pair->a->session) == pair->state
	       && cf_ice_session_get_state (pair->b->session) == pair->state;
}

static gboolean
both_received (gpointer data)
{
	Pair *pair = data;

	return pair->a->received->len >= 3 && pair->b->received->len >= 3;
}

static void
assert_received (Side *side, const char *prefix)
{
	for (guint i = 0; i < 3; i++) {
		g_autofree char *expected = g_strdup_printf ("%s %u", prefix, i);
		gsize size;
		const char *data = g_bytes_get_data (side->received->pdata[i], &size);

		g_assert_cmpmem (data, size, expected, strlen (expected));
	}
}

/* Both send three datagrams; each receives the other's, in order. */
static void
exchange (Side *a, Side *b)
{
	Pair pair = {a, b, CF_ICE_STATE_CONNECTED};

	for (guint i = 0; i < 3; i++) {
		g_autofree char *from_a = g_strdup_printf ("a to b %u", i);
		g_autofree char *from_b = g_strdup_printf ("b to a %u", i);
		g_autoptr (GError) error = NULL;

		g_assert_true (cf_ice_session_send (
			a->session, (const guint8 *)from_a, strlen (from_a), &error));
		g_assert_no_error (error);
		g_assert_true (cf_ice_session_send (
			b->session, (const guint8 *)from_b, strlen (from_b), &error));
		g_assert_no_error (error);
	}
	wait_for (a->context, both_received, &pair, "datagrams");
	assert_received (b, "a to b");
	assert_received (a, "b to a");
}

static void
assert_states (Side *side, const CfIceState *expected, guint n)
{
	g_assert_cmpuint (side->states->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpint (g_array_index (side->states, CfIceState, i), ==, expected[i]);
}

/* Each side's remote address is the other's default address. */
static void
assert_paired (Side *side, Side *peer)
{
	g_autofree char *remote = NULL;
	g_autofree char *peer_default = NULL;
	guint16 remote_port = 0;
	guint16 peer_port = 0;

	g_assert_true (cf_ice_session_get_remote_address (side->session, &remote, &remote_port));
	g_assert_true (
		cf_ice_session_get_default_address (peer->session, &peer_default, &peer_port));
	g_assert_cmpstr (remote, ==, peer_default);
	g_assert_cmpuint (remote_port, ==, peer_port);
}

static void
run_connect (gboolean a_controlling, gboolean b_controlling, gboolean a_says_b_is_lite)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	Side b = {0};
	Pair pair = {&a, &b, CF_ICE_STATE_CONNECTED};
	static const CfIceState checking_connected[] = {
		CF_ICE_STATE_CHECKING,
		CF_ICE_STATE_CONNECTED,
	};

	g_main_context_push_thread_default (context);
	side_init (&a, context, a_controlling, &config);
	side_init (&b, context, b_controlling, &config);
	gather_loopback (&a);
	gather_loopback (&b);

	set_remote_from (&a, &b, a_says_b_is_lite);
	set_remote_from (&b, &a, FALSE);
	if (a_says_b_is_lite)
		g_assert_true (cf_ice_session_get_controlling (a.session));

	wait_for (context, both_in_state, &pair, "both sides connected");
	assert_states (&a, checking_connected, G_N_ELEMENTS (checking_connected));
	assert_states (&b, checking_connected, G_N_ELEMENTS (checking_connected));
	assert_paired (&a, &b);
	assert_paired (&b, &a);

	exchange (&a, &b);

	/* Close: CLOSED once, the receive function's data released once. */
	cf_ice_session_close (a.session);
	cf_ice_session_close (a.session);
	g_assert_cmpint (cf_ice_session_get_state (a.session), ==, CF_ICE_STATE_CLOSED);
	g_assert_cmpint (
		g_array_index (a.states, CfIceState, a.states->len - 1), ==, CF_ICE_STATE_CLOSED);
	g_assert_cmpuint (a.states->len, ==, 3);
	g_assert_cmpuint (a.notified, ==, 1);
	g_assert_false (cf_ice_session_send (a.session, (const guint8 *)"x", 1, NULL));

	side_clear (&a);
	side_clear (&b);
	g_assert_cmpuint (b.notified, ==, 1);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static void
test_connect_a_controlling (void)
{
	run_connect (TRUE, FALSE, FALSE);
}

static void
test_connect_b_controlling (void)
{
	run_connect (FALSE, TRUE, FALSE);
}

/* A controlled side told that its peer is ICE lite takes control
 * (RFC 8445 §6.1.1); both controlling is a role conflict ICE resolves. */
static void
test_connect_remote_lite (void)
{
	run_connect (FALSE, TRUE, TRUE);
}

/* Unusable remote lines are skipped, the usable one connects. */
static void
test_connect_skips_unusable (void)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	Side b = {0};
	Pair pair = {&a, &b, CF_ICE_STATE_CONNECTED};
	g_auto (GStrv) b_candidates = NULL;
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	g_auto (GStrv) lines = NULL;
	g_autoptr (GError) error = NULL;

	g_main_context_push_thread_default (context);
	side_init (&a, context, TRUE, &config);
	side_init (&b, context, FALSE, &config);
	gather_loopback (&a);
	gather_loopback (&b);

	g_strv_builder_add (builder, "1 1 TCP 2128609279 127.0.0.1 9 typ host tcptype active");
	g_strv_builder_add (builder, "1 1 UDP 2122260223 1f4712db-ea17.local 54400 typ host");
	g_strv_builder_add (builder, "garbage");
	g_strv_builder_add (builder, "9 2 UDP 2130706430 127.0.0.1 9 typ host");
	b_candidates = cf_ice_session_get_local_candidates (b.session);
	g_strv_builder_addv (builder, (const char **)b_candidates);
	lines = g_strv_builder_end (builder);
	g_assert_true (cf_ice_session_set_remote (a.session,
						  cf_ice_session_get_local_ufrag (b.session),
						  cf_ice_session_get_local_pwd (b.session),
						  (const char *const *)lines,
						  FALSE,
						  &error));
	g_assert_no_error (error);
	set_remote_from (&b, &a, FALSE);

	wait_for (context, both_in_state, &pair, "both sides connected");
	exchange (&a, &b);

	side_clear (&a);
	side_clear (&b);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static gboolean
a_received_four (gpointer data)
{
	return ((Pair *)data)->a->received->len >= 4;
}

/* Once connected, libnice hands over only what comes from the validated
 * peer: a datagram from elsewhere to the same port is dropped, the peer's
 * next one (sent after it, so queued behind it) arrives. */
static void
test_connect_ignores_strangers (void)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	Side b = {0};
	Pair pair = {&a, &b, CF_ICE_STATE_CONNECTED};
	g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr (GSocketAddress) bind_address = g_inet_socket_address_new (loopback, 0);
	g_autoptr (GSocketAddress) a_address = NULL;
	g_autoptr (GSocket) stranger = NULL;
	g_autofree char *a_default = NULL;
	guint16 a_port = 0;
	g_autoptr (GError) error = NULL;
	const char *data;
	gsize size;

	g_main_context_push_thread_default (context);
	side_init (&a, context, TRUE, &config);
	side_init (&b, context, FALSE, &config);
	gather_loopback (&a);
	gather_loopback (&b);
	set_remote_from (&a, &b, FALSE);
	set_remote_from (&b, &a, FALSE);
	wait_for (context, both_in_state, &pair, "both sides connected");
	exchange (&a, &b);

	stranger = g_socket_new (
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
	g_assert_no_error (error);
	g_assert_true (g_socket_bind (stranger, bind_address, FALSE, &error));
	g_assert_no_error (error);
	g_assert_true (cf_ice_session_get_default_address (a.session, &a_default, &a_port));
	a_address = g_inet_socket_address_new_from_string (a_default, a_port);
	g_assert_cmpint (
		g_socket_send_to (stranger, a_address, "stranger", 8, NULL, &error), ==, 8);
	g_assert_no_error (error);
	g_assert_true (cf_ice_session_send (b.session, (const guint8 *)"peer", 4, &error));
	g_assert_no_error (error);

	wait_for (context, a_received_four, &pair, "the peer's datagram");
	g_assert_cmpuint (a.received->len, ==, 4);
	data = g_bytes_get_data (a.received->pdata[3], &size);
	g_assert_cmpmem (data, size, "peer", 4);

	g_socket_close (stranger, NULL);
	side_clear (&a);
	side_clear (&b);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static gboolean
both_checking (gpointer data)
{
	Pair *pair = data;

	return cf_ice_session_get_state (pair->a->session) == CF_ICE_STATE_CHECKING
	       && cf_ice_session_get_state (pair->b->session) == CF_ICE_STATE_CHECKING;
}

/* Credentials first, candidates later (as from a re-offer). */
static void
test_connect_candidates_later (void)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	Side b = {0};
	Pair pair = {&a, &b, CF_ICE_STATE_CONNECTED};
	g_auto (GStrv) a_candidates = NULL;
	g_auto (GStrv) b_candidates = NULL;
	g_autoptr (GError) error = NULL;

	g_main_context_push_thread_default (context);
	side_init (&a, context, TRUE, &config);
	side_init (&b, context, FALSE, &config);
	gather_loopback (&a);
	gather_loopback (&b);

	g_assert_true (cf_ice_session_set_remote (a.session,
						  cf_ice_session_get_local_ufrag (b.session),
						  cf_ice_session_get_local_pwd (b.session),
						  NULL,
						  FALSE,
						  &error));
	g_assert_no_error (error);
	g_assert_true (cf_ice_session_set_remote (b.session,
						  cf_ice_session_get_local_ufrag (a.session),
						  cf_ice_session_get_local_pwd (a.session),
						  NULL,
						  FALSE,
						  &error));
	g_assert_no_error (error);
	/* With nothing to check, nobody connects. */
	while (g_main_context_iteration (context, FALSE))
		;
	g_assert_true (both_checking (&pair));

	a_candidates = cf_ice_session_get_local_candidates (a.session);
	b_candidates = cf_ice_session_get_local_candidates (b.session);
	g_assert_true (cf_ice_session_add_remote_candidates (
		a.session, (const char *const *)b_candidates, &error));
	g_assert_no_error (error);
	g_assert_true (cf_ice_session_add_remote_candidates (
		b.session, (const char *const *)a_candidates, &error));
	g_assert_no_error (error);

	wait_for (context, both_in_state, &pair, "both sides connected");
	exchange (&a, &b);

	side_clear (&a);
	side_clear (&b);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static gboolean
is_failed (gpointer data)
{
	return cf_ice_session_get_state (((Side *)data)->session) == CF_ICE_STATE_FAILED;
}

/* A has a wrong password for B: A's checks are never answered (B cannot
 * check their integrity), so A fails. */
static void
test_wrong_password_fails (void)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	Side b = {0};
	g_auto (GStrv) b_candidates = NULL;
	g_autofree char *wrong_pwd = NULL;
	g_autoptr (GError) error = NULL;

	g_main_context_push_thread_default (context);
	side_init (&a, context, TRUE, &config);
	side_init (&b, context, FALSE, &config);
	gather_loopback (&a);
	gather_loopback (&b);

	wrong_pwd = g_strdup (cf_ice_session_get_local_pwd (b.session));
	wrong_pwd[0] = wrong_pwd[0] == 'x' ? 'y' : 'x';
	b_candidates = cf_ice_session_get_local_candidates (b.session);
	g_assert_true (cf_ice_session_set_remote (a.session,
						  cf_ice_session_get_local_ufrag (b.session),
						  wrong_pwd,
						  (const char *const *)b_candidates,
						  FALSE,
						  &error));
	g_assert_no_error (error);
	set_remote_from (&b, &a, FALSE);

	wait_for (context, is_failed, &a, "the side with the wrong password to fail");
	g_assert_cmpint (g_array_index (a.states, CfIceState, 0), ==, CF_ICE_STATE_CHECKING);
	g_assert_false (cf_ice_session_send (a.session, (const guint8 *)"x", 1, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	/* Nothing got through. */
	g_assert_cmpuint (a.received->len, ==, 0);
	g_assert_cmpuint (b.received->len, ==, 0);

	side_clear (&a);
	side_clear (&b);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

/* Two plain RTP/UDP sessions (RFC 3264, no ICE). */
static void
test_plain_exchange (void)
{
	GMainContext *context = g_main_context_new ();
	Side a = {0};
	Side b = {0};
	g_autofree char *a_address = NULL;
	g_autofree char *b_address = NULL;
	guint16 a_port = 0;
	guint16 b_port = 0;
	g_auto (GStrv) candidates = NULL;
	g_autoptr (GError) error = NULL;
	static const CfIceState connected[] = {CF_ICE_STATE_CONNECTED};

	g_main_context_push_thread_default (context);
	side_init_plain (&a, context);
	side_init_plain (&b, context);

	/* Not connected before the remote side is known. */
	g_assert_false (cf_ice_session_send (a.session, (const guint8 *)"x", 1, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);

	gather (&a);
	g_assert_no_error (a.gather_error);
	gather (&b);
	g_assert_no_error (b.gather_error);
	g_assert_null (cf_ice_session_get_local_ufrag (a.session));
	g_assert_null (cf_ice_session_get_local_pwd (a.session));
	candidates = cf_ice_session_get_local_candidates (a.session);
	g_assert_cmpuint (g_strv_length (candidates), ==, 0);

	g_assert_true (cf_ice_session_get_default_address (a.session, &a_address, &a_port));
	g_assert_true (cf_ice_session_get_default_address (b.session, &b_address, &b_port));
	g_assert_cmpstr (a_address, ==, "127.0.0.1");
	g_assert_cmpstr (b_address, ==, "127.0.0.1");
	g_assert_cmpuint (a_port, !=, b_port);

	/* ICE calls make no sense on a plain session. */
	g_assert_false (cf_ice_session_set_remote (
		a.session, "abcd", "abcdefghijklmnopqrstuv", NULL, FALSE, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);
	/* Another family than the socket's. */
	g_assert_false (cf_ice_session_set_remote_plain (a.session, "::1", b_port, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_UNSUPPORTED);
	g_clear_error (&error);

	g_assert_true (cf_ice_session_set_remote_plain (a.session, b_address, b_port, &error));
	g_assert_no_error (error);
	g_assert_true (cf_ice_session_set_remote_plain (b.session, a_address, a_port, &error));
	g_assert_no_error (error);
	assert_states (&a, connected, 1);
	assert_states (&b, connected, 1);
	assert_paired (&a, &b);
	assert_paired (&b, &a);

	exchange (&a, &b);

	side_clear (&a);
	side_clear (&b);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

/* A plain session picks its local address by a route lookup when none is
 * configured. */
static void
test_plain_route_lookup (void)
{
	GMainContext *context = g_main_context_new ();
	g_autoptr (GError) error = NULL;
	g_autoptr (CfIceSession) session = NULL;
	g_autoptr (CfIceSession) none = NULL;
	g_autoptr (CfIceSession) mismatch = NULL;
	g_autofree char *address = NULL;
	Side side = {0};

	session = cf_ice_session_new_plain (context, NULL, "127.0.0.1", &error);
	g_assert_no_error (error);
	side_attach (&side, context, g_object_ref (session));
	gather (&side);
	g_assert_no_error (side.gather_error);
	g_assert_true (cf_ice_session_get_default_address (session, &address, NULL));
	g_assert_cmpstr (address, ==, "127.0.0.1");
	side_clear (&side);

	none = cf_ice_session_new_plain (context, NULL, NULL, &error);
	g_assert_null (none);
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);

	mismatch = cf_ice_session_new_plain (context, loopback4, "::1", &error);
	g_assert_null (mismatch);
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_UNSUPPORTED);

	g_main_context_unref (context);
}

typedef struct {
	GSocket *socket;
	char buffer[64];
	gssize length;
	GSocketAddress *from;
} RawPeer;

static gboolean
on_raw_readable (GSocket *socket, GIOCondition condition, gpointer data)
{
	RawPeer *peer = data;

	if (peer->length <= 0)
		peer->length = g_socket_receive_from (
			peer->socket, &peer->from, peer->buffer, sizeof (peer->buffer), NULL, NULL);
	return G_SOURCE_CONTINUE;
}

static gboolean
raw_received (gpointer data)
{
	return ((RawPeer *)data)->length > 0;
}

static gboolean
side_received_one (gpointer data)
{
	return ((Side *)data)->received->len >= 1;
}

/* We offered ICE, the answer had none: the ICE session sends to the
 * answer's address from the address it advertised as default, and takes
 * what comes back. The peer here is a bare UDP socket (an old phone). */
static void
test_fallback_to_plain_peer (void)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	RawPeer peer = {0};
	GSource *peer_source;
	static const CfIceState connected[] = {CF_ICE_STATE_CONNECTED};
	g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr (GSocketAddress) bind_address = g_inet_socket_address_new (loopback, 0);
	g_autoptr (GSocketAddress) peer_address = NULL;
	g_autoptr (GSocketAddress) a_address = NULL;
	g_autofree char *default_address = NULL;
	g_autofree char *from = NULL;
	guint16 default_port = 0;
	g_autoptr (GError) error = NULL;
	gsize size;
	const char *data;

	g_main_context_push_thread_default (context);
	side_init (&a, context, TRUE, &config);
	gather_loopback (&a);
	g_assert_true (
		cf_ice_session_get_default_address (a.session, &default_address, &default_port));

	peer.socket = g_socket_new (
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
	g_assert_no_error (error);
	g_socket_set_blocking (peer.socket, FALSE);
	g_assert_true (g_socket_bind (peer.socket, bind_address, FALSE, &error));
	g_assert_no_error (error);
	peer_address = g_socket_get_local_address (peer.socket, &error);
	g_assert_no_error (error);
	peer_source = g_socket_create_source (peer.socket, G_IO_IN, NULL);
	g_source_set_callback (peer_source, G_SOURCE_FUNC (on_raw_readable), &peer, NULL);
	g_source_attach (peer_source, context);

	g_assert_true (cf_ice_session_set_remote_plain (
		a.session,
		"127.0.0.1",
		g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (peer_address)),
		&error));
	g_assert_no_error (error);
	g_assert_cmpint (cf_ice_session_get_state (a.session), ==, CF_ICE_STATE_CONNECTED);
	/* Straight to CONNECTED: no checks ran. */
	assert_states (&a, connected, G_N_ELEMENTS (connected));
	/* No ICE any more. */
	g_assert_false (cf_ice_session_add_remote_candidates (a.session, NULL, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);

	/* A to the peer: from the advertised default address and port. */
	g_assert_true (cf_ice_session_send (a.session, (const guint8 *)"rtp", 3, &error));
	g_assert_no_error (error);
	wait_for (context, raw_received, &peer, "the plain peer to receive");
	g_assert_cmpmem (peer.buffer, peer.length, "rtp", 3);
	from = g_inet_address_to_string (
		g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer.from)));
	g_assert_cmpstr (from, ==, default_address);
	g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (peer.from)),
			  ==,
			  default_port);

	/* The peer to A's SDP address. */
	a_address = g_inet_socket_address_new_from_string (default_address, default_port);
	g_assert_cmpint (g_socket_send_to (peer.socket, a_address, "back", 4, NULL, &error), ==, 4);
	g_assert_no_error (error);
	wait_for (context, side_received_one, &a, "the ICE side to receive");
	data = g_bytes_get_data (a.received->pdata[0], &size);
	g_assert_cmpmem (data, size, "back", 4);

	side_clear (&a);
	g_source_destroy (peer_source);
	g_source_unref (peer_source);
	g_clear_object (&peer.from);
	g_socket_close (peer.socket, NULL);
	g_clear_object (&peer.socket);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

/* With no local addresses libnice gathers from the host's interfaces,
 * leaving loopback out; on a host with nothing but loopback gathering
 * fails cleanly. */
static void
test_gather_all_interfaces (void)
{
	GMainContext *context = g_main_context_new ();
	Side side = {0};
	GList *interfaces = nice_interfaces_get_local_ips (FALSE);
	guint n_interfaces = g_list_length (interfaces);

	g_list_free_full (interfaces, g_free);
	g_main_context_push_thread_default (context);
	side_init (&side, context, TRUE, NULL);
	gather (&side);
	if (n_interfaces == 0) {
		g_test_message ("this host has only loopback");
		g_assert_error (side.gather_error, CF_ICE_ERROR, CF_ICE_ERROR_FAILED);
	} else {
		g_auto (GStrv) candidates = cf_ice_session_get_local_candidates (side.session);

		g_assert_no_error (side.gather_error);
		g_assert_cmpuint (g_strv_length (candidates), >=, 1);
		for (guint i = 0; candidates[i] != NULL; i++) {
			g_autoptr (GError) error = NULL;
			g_autoptr (CfIceCandidate) candidate = NULL;
			g_autoptr (GInetAddress) inet = NULL;

			candidate = cf_ice_candidate_parse (candidates[i], &error);
			g_assert_no_error (error);
			inet = g_inet_address_new_from_string (candidate->address);
			g_assert_nonnull (inet);
			g_assert_false (g_inet_address_get_is_loopback (inet));
		}
		g_assert_true (cf_ice_session_get_default_address (side.session, NULL, NULL));
	}
	side_clear (&side);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static void
test_bad_config (void)
{
	GMainContext *context = g_main_context_new ();
	static const char *const not_ip[] = {"localhost", NULL};
	static const char *const any[] = {"0.0.0.0", NULL};
	static const char *const multicast[] = {"224.0.0.1", NULL};
	static const char *const scoped[] = {"fe80::1%lo", NULL};
	const struct {
		CfIceConfig config;
		gint code;
	} cases[] = {
		{{.local_addresses = not_ip}, CF_ICE_ERROR_INVALID},
		{{.local_addresses = any}, CF_ICE_ERROR_INVALID},
		{{.local_addresses = multicast}, CF_ICE_ERROR_INVALID},
		{{.local_addresses = scoped}, CF_ICE_ERROR_INVALID},
		{{.stun_server = ""}, CF_ICE_ERROR_INVALID},
		{{.stun_server = "stun.example.org:0"}, CF_ICE_ERROR_INVALID},
		{{.stun_server = "stun.example.org:65536"}, CF_ICE_ERROR_INVALID},
		{{.stun_server = "stun.example.org:x"}, CF_ICE_ERROR_INVALID},
		{{.stun_server = "[::1"}, CF_ICE_ERROR_INVALID},
		{{.stun_server = "[192.0.2.1]:3478"}, CF_ICE_ERROR_INVALID},
		{{.stun_server = "bad_host:3478"}, CF_ICE_ERROR_INVALID},
		{{.turn_server = "192.0.2.1:3478"}, CF_ICE_ERROR_INVALID},
		{{.turn_server = "192.0.2.1:3478", .turn_username = "u"}, CF_ICE_ERROR_INVALID},
	};
	g_autoptr (GPtrArray) many = g_ptr_array_new ();

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceSession) session = NULL;

		session = cf_ice_session_new (context, TRUE, &cases[i].config, &error);
		g_assert_null (session);
		g_assert_error (error, CF_ICE_ERROR, cases[i].code);
	}

	for (guint i = 0; i <= CF_ICE_MAX_LOCAL_ADDRESSES; i++)
		g_ptr_array_add (many, (gpointer) "127.0.0.1");
	g_ptr_array_add (many, NULL);
	{
		const CfIceConfig config = {.local_addresses = (const char *const *)many->pdata};
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceSession) session =
			cf_ice_session_new (context, TRUE, &config, &error);

		g_assert_null (session);
		g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
	}

	/* Valid forms of servers are taken (nothing is contacted before
	 * gathering). */
	{
		static const char *const servers[] = {
			"stun.example.org",
			"stun.example.org:3479",
			"192.0.2.1:3478",
			"[2001:db8::1]:3478",
			"2001:db8::1",
		};

		for (guint i = 0; i < G_N_ELEMENTS (servers); i++) {
			const CfIceConfig config = {
				.local_addresses = loopback4,
				.stun_server = servers[i],
				.turn_server = servers[i],
				.turn_username = "user",
				.turn_password = "secret",
			};
			g_autoptr (GError) error = NULL;
			g_autoptr (CfIceSession) session =
				cf_ice_session_new (context, TRUE, &config, &error);

			g_assert_no_error (error);
			g_assert_nonnull (session);
			cf_ice_session_close (session);
		}
	}
	while (g_main_context_iteration (context, FALSE))
		;
	g_main_context_unref (context);
}

/* Operations out of sequence, bad remote parameters, limits. */
static void
test_misuse (void)
{
	GMainContext *context = g_main_context_new ();
	const CfIceConfig config = {.local_addresses = loopback4};
	Side a = {0};
	Side again = {0};
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) many = g_ptr_array_new ();

	g_main_context_push_thread_default (context);
	side_init (&a, context, TRUE, &config);

	/* Nothing before gathering. */
	g_assert_null (cf_ice_session_get_local_ufrag (a.session));
	g_assert_false (cf_ice_session_get_default_address (a.session, NULL, NULL));
	g_assert_false (cf_ice_session_get_remote_address (a.session, NULL, NULL));
	g_assert_false (cf_ice_session_set_remote (
		a.session, "abcd", "abcdefghijklmnopqrstuv", NULL, FALSE, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);
	g_assert_false (cf_ice_session_set_remote_plain (a.session, "127.0.0.1", 9, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);
	g_assert_false (cf_ice_session_send (a.session, (const guint8 *)"x", 1, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);

	gather_loopback (&a);

	/* Gathering twice. */
	again.context = context;
	again.session = a.session;
	cf_ice_session_gather_async (a.session, NULL, on_gathered, &again);
	wait_for (context, gather_done, &again, "the second gathering to be refused");
	g_assert_error (again.gather_error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&again.gather_error);

	/* Bad credentials. */
	g_assert_false (cf_ice_session_set_remote (
		a.session, "ab-d", "abcdefghijklmnopqrstuv", NULL, FALSE, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (
		cf_ice_session_set_remote (a.session, "abcd", "tooshort", NULL, FALSE, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);

	/* Too many candidates. */
	for (guint i = 0; i <= CF_ICE_MAX_REMOTE_CANDIDATES; i++)
		g_ptr_array_add (many, (gpointer) "1 1 UDP 1 127.0.0.1 9 typ host");
	g_ptr_array_add (many, NULL);
	g_assert_false (cf_ice_session_set_remote (a.session,
						   "abcd",
						   "abcdefghijklmnopqrstuv",
						   (const char *const *)many->pdata,
						   FALSE,
						   &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
	g_clear_error (&error);
	g_assert_cmpint (cf_ice_session_get_state (a.session), ==, CF_ICE_STATE_NEW);

	/* Bad plain remote addresses. */
	g_assert_false (cf_ice_session_set_remote_plain (a.session, "0.0.0.0", 9, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_ice_session_set_remote_plain (a.session, "host.example", 9, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_ice_session_set_remote_plain (a.session, "127.0.0.1", 0, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	/* No IPv6 host candidate to pair with. */
	g_assert_false (cf_ice_session_set_remote_plain (a.session, "::1", 9, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_UNSUPPORTED);
	g_clear_error (&error);

	/* Once only. */
	g_assert_true (cf_ice_session_set_remote (a.session,
						  "abcd",
						  "abcdefghijklmnopqrstuv",
						  (const char *const *)many->pdata + 1,
						  FALSE,
						  &error));
	g_assert_no_error (error);
	g_assert_false (cf_ice_session_set_remote (
		a.session, "abcd", "abcdefghijklmnopqrstuv", NULL, FALSE, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_clear_error (&error);
	/* The limit counts every candidate of the session. */
	g_assert_false (cf_ice_session_add_remote_candidates (
		a.session,
		(const char *const *)many->pdata + CF_ICE_MAX_REMOTE_CANDIDATES,
		&error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
	g_clear_error (&error);

	/* Sizes. */
	g_assert_false (cf_ice_session_send (a.session, (const guint8 *)"", 0, &error));
	g_assert_true (error != NULL);
	g_clear_error (&error);

	side_clear (&a);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

/* A UDP socket on 127.0.0.1 that never answers: a STUN server that keeps
 * gathering pending. (transfer full) */
static GSocket *
silent_server (char **ret_server)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr (GSocketAddress) bind_address = g_inet_socket_address_new (loopback, 0);
	g_autoptr (GSocketAddress) bound = NULL;
	GSocket *socket;

	socket = g_socket_new (
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
	g_assert_no_error (error);
	g_assert_true (g_socket_bind (socket, bind_address, FALSE, &error));
	g_assert_no_error (error);
	bound = g_socket_get_local_address (socket, &error);
	g_assert_no_error (error);
	*ret_server = g_strdup_printf (
		"127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
	return socket;
}

/* STUN and TURN servers that never answer: gathering still completes,
 * with the host candidate alone. */
static void
test_gather_dead_servers (void)
{
	GMainContext *context = g_main_context_new ();
	g_autofree char *server = NULL;
	g_autoptr (GSocket) dead = silent_server (&server);
	const CfIceConfig config = {
		.local_addresses = loopback4,
		.stun_server = server,
		.turn_server = server,
		.turn_username = "user",
		.turn_password = "secret",
	};
	Side side = {0};

	g_main_context_push_thread_default (context);
	side_init (&side, context, TRUE, &config);
	gather_loopback (&side);
	side_clear (&side);
	g_socket_close (dead, NULL);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static void
test_gather_cancel_and_close (void)
{
	GMainContext *context = g_main_context_new ();
	g_autofree char *server = NULL;
	g_autoptr (GSocket) stun = silent_server (&server);
	const CfIceConfig config = {.local_addresses = loopback4, .stun_server = server};
	g_autofree char *named_server = NULL;
	CfIceConfig named_config = config;
	g_autoptr (GCancellable) cancellable = g_cancellable_new ();
	Side a = {0};
	Side b = {0};

	named_server = g_strdup_printf ("localhost%s", strchr (server, ':'));
	named_config.stun_server = named_server;
	g_main_context_push_thread_default (context);

	/* Cancelled while libnice waits for the STUN server. */
	side_init (&a, context, TRUE, &config);
	cf_ice_session_gather_async (a.session, cancellable, on_gathered, &a);
	while (g_main_context_iteration (context, FALSE))
		;
	g_assert_false (a.gather_done);
	g_cancellable_cancel (cancellable);
	wait_for (context, gather_done, &a, "a cancelled gathering");
	g_assert_error (a.gather_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

	/* Closed while gathering, this time with a STUN server named by a
	 * host name: closed while resolving it or while waiting for it. */
	side_init (&b, context, TRUE, &named_config);
	cf_ice_session_gather_async (b.session, NULL, on_gathered, &b);
	while (g_main_context_iteration (context, FALSE))
		;
	g_assert_false (b.gather_done);
	cf_ice_session_close (b.session);
	wait_for (context, gather_done, &b, "a gathering cut by close");
	g_assert_error (b.gather_error, CF_ICE_ERROR, CF_ICE_ERROR_STATE);
	g_assert_cmpuint (b.notified, ==, 1);
	/* After close, a new receive function's data is released at once. */
	cf_ice_session_set_receive_func (b.session, on_receive, &b, on_receive_notify);
	g_assert_cmpuint (b.notified, ==, 2);

	side_clear (&a);
	side_clear (&b);
	g_socket_close (stun, NULL);
	g_main_context_pop_thread_default (context);
	g_main_context_unref (context);
}

static void
test_state_names (void)
{
	g_assert_cmpstr (cf_ice_state_to_string (CF_ICE_STATE_NEW), ==, "new");
	g_assert_cmpstr (cf_ice_state_to_string (CF_ICE_STATE_CHECKING), ==, "checking");
	g_assert_cmpstr (cf_ice_state_to_string (CF_ICE_STATE_CONNECTED), ==, "connected");
	g_assert_cmpstr (cf_ice_state_to_string (CF_ICE_STATE_FAILED), ==, "failed");
	g_assert_cmpstr (cf_ice_state_to_string (CF_ICE_STATE_CLOSED), ==, "closed");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/ice-session/state-names", test_state_names);
	g_test_add_func ("/confab/media/ice-session/connect/a-controlling",
			 test_connect_a_controlling);
	g_test_add_func ("/confab/media/ice-session/connect/b-controlling",
			 test_connect_b_controlling);
	g_test_add_func ("/confab/media/ice-session/connect/remote-lite", test_connect_remote_lite);
	g_test_add_func ("/confab/media/ice-session/connect/skips-unusable",
			 test_connect_skips_unusable);
	g_test_add_func ("/confab/media/ice-session/connect/ignores-strangers",
			 test_connect_ignores_strangers);
	g_test_add_func ("/confab/media/ice-session/connect/candidates-later",
			 test_connect_candidates_later);
	g_test_add_func ("/confab/media/ice-session/wrong-password-fails",
			 test_wrong_password_fails);
	g_test_add_func ("/confab/media/ice-session/plain/exchange", test_plain_exchange);
	g_test_add_func ("/confab/media/ice-session/plain/route-lookup", test_plain_route_lookup);
	g_test_add_func ("/confab/media/ice-session/plain/fallback", test_fallback_to_plain_peer);
	g_test_add_func ("/confab/media/ice-session/gather/all-interfaces",
			 test_gather_all_interfaces);
	g_test_add_func ("/confab/media/ice-session/gather/dead-servers", test_gather_dead_servers);
	g_test_add_func ("/confab/media/ice-session/gather/cancel-and-close",
			 test_gather_cancel_and_close);
	g_test_add_func ("/confab/media/ice-session/bad-config", test_bad_config);
	g_test_add_func ("/confab/media/ice-session/misuse", test_misuse);

	return g_test_run ();
}
