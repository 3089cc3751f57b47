/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Helpers shared by the SIP transport and transaction tests: waiting on the
 * main context with a guard that fails the test instead of hanging, raw
 * UDP and TCP sockets on loopback, and test messages. */

#include <gio/gio.h>
#include <string.h>

#include "cf-sip-message.h"

#ifndef CF_TEST_DATA_DIR
#error "CF_TEST_DATA_DIR must be defined"
#endif

/* Generous: valgrind runs everything ten times slower. Only a hang reaches it. */
#define SIP_TEST_GUARD_SECONDS 120

static gboolean sip_test_guard_fired;

static inline gboolean
sip_test_on_guard (gpointer user_data)
{
	sip_test_guard_fired = TRUE;
	return G_SOURCE_REMOVE;
}

/* Iterates the default main context until @cond holds; fails the test if
 * the guard fires first. */
#define WAIT_UNTIL(cond)                                                                        \
	G_STMT_START                                                                            \
	{                                                                                       \
		guint wait_guard_id_ = g_timeout_add_seconds (SIP_TEST_GUARD_SECONDS,           \
							      sip_test_on_guard, NULL);         \
		sip_test_guard_fired = FALSE;                                                   \
		while (!(cond) && !sip_test_guard_fired)                                        \
			g_main_context_iteration (NULL, TRUE);                                  \
		if (!sip_test_guard_fired)                                                      \
			g_source_remove (wait_guard_id_);                                       \
		if (!(cond))                                                                    \
			g_error ("%s:%d: gave up waiting for %s", __FILE__, __LINE__, #cond);   \
	}                                                                                       \
	G_STMT_END

/* Runs the main context until nothing is pending (no waiting). */
static inline void
sip_test_drain (void)
{
	while (g_main_context_iteration (NULL, FALSE))
		;
}

static inline char *
sip_test_data_file (const char *name)
{
	return g_build_filename (CF_TEST_DATA_DIR, "tls", name, NULL);
}

static inline char *
sip_test_token (void)
{
	return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

/* A request with the mandatory headers and no Via. */
static inline CfSipMessage *
sip_test_request (const char *method, const char *uri)
{
	CfSipMessage *msg = cf_sip_message_new_request (method, uri);
	g_autofree char *tag = sip_test_token ();
	g_autofree char *from = g_strdup_printf ("<sip:alice@127.0.0.1>;tag=%s", tag);
	g_autofree char *to = g_strdup_printf ("<%s>", uri);
	g_autofree char *call_id = sip_test_token ();
	g_autofree char *cseq = g_strdup_printf ("1 %s", method);

	cf_sip_message_add_header (msg, "Max-Forwards", "70");
	cf_sip_message_add_header (msg, "From", from);
	cf_sip_message_add_header (msg, "To", to);
	cf_sip_message_add_header (msg, "Call-ID", call_id);
	cf_sip_message_add_header (msg, "CSeq", cseq);
	return msg;
}

/* ---- a raw UDP socket on 127.0.0.1 that collects what it receives ---- */

typedef struct {
	GSocket *socket;
	GSource *source;
	GPtrArray *datagrams; /* GBytes */
	guint16 port;
	GSocketAddress *last_from;
} RawUdp;

static inline gboolean
raw_udp_on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
	RawUdp *raw = user_data;
	char buffer[65536];

	for (;;) {
		g_autoptr(GSocketAddress) from = NULL;
		gssize n = g_socket_receive_from (socket, &from, buffer, sizeof (buffer), NULL, NULL);

		if (n < 0)
			break;
		g_ptr_array_add (raw->datagrams, g_bytes_new (buffer, n));
		g_set_object (&raw->last_from, from);
	}
	return G_SOURCE_CONTINUE;
}

static inline RawUdp *
raw_udp_new (void)
{
	RawUdp *raw = g_new0 (RawUdp, 1);
	g_autoptr(GInetAddress) ip = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new (ip, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;

	raw->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
				    G_SOCKET_PROTOCOL_UDP, &error);
	g_assert_no_error (error);
	g_socket_bind (raw->socket, address, FALSE, &error);
	g_assert_no_error (error);
	g_socket_set_blocking (raw->socket, FALSE);
	bound = g_socket_get_local_address (raw->socket, &error);
	g_assert_no_error (error);
	raw->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
	raw->datagrams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
	raw->source = g_socket_create_source (raw->socket, G_IO_IN, NULL);
	g_source_set_callback (raw->source, G_SOURCE_FUNC (raw_udp_on_readable), raw, NULL);
	g_source_attach (raw->source, NULL);
	return raw;
}

static inline void
raw_udp_send (RawUdp *raw, guint16 port, const char *text)
{
	g_autoptr(GInetAddress) ip = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) to = g_inet_socket_address_new (ip, port);
	g_autoptr(GError) error = NULL;

	g_socket_send_to (raw->socket, to, text, strlen (text), NULL, &error);
	g_assert_no_error (error);
}

/* The text of datagram @i, NUL-terminated. (transfer full) */
static inline char *
raw_udp_get (RawUdp *raw, guint i)
{
	gsize len;
	const char *data = g_bytes_get_data (g_ptr_array_index (raw->datagrams, i), &len);

	return g_strndup (data, len);
}

static inline void
raw_udp_free (RawUdp *raw)
{
	if (raw == NULL)
		return;
	g_source_destroy (raw->source);
	g_source_unref (raw->source);
	g_socket_close (raw->socket, NULL);
	g_object_unref (raw->socket);
	g_ptr_array_unref (raw->datagrams);
	g_clear_object (&raw->last_from);
	g_free (raw);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawUdp, raw_udp_free)

/* ---- a raw TCP client connected to 127.0.0.1:port ---- */

typedef struct {
	GSocketConnection *connection;
	GSocket *socket;
	GSource *source;
	GString *received;
	gboolean eof;
} RawTcp;

static inline gboolean
raw_tcp_on_readable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
	RawTcp *raw = user_data;
	char buffer[4096];
	gssize n;

	n = g_socket_receive (socket, buffer, sizeof (buffer), NULL, NULL);
	if (n > 0) {
		g_string_append_len (raw->received, buffer, n);
		return G_SOURCE_CONTINUE;
	}
	if (n == 0 || (condition & (G_IO_HUP | G_IO_ERR)) != 0) {
		raw->eof = TRUE;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static inline RawTcp *
raw_tcp_new (guint16 port)
{
	RawTcp *raw = g_new0 (RawTcp, 1);
	g_autoptr(GSocketClient) client = g_socket_client_new ();
	g_autoptr(GError) error = NULL;

	g_socket_client_set_enable_proxy (client, FALSE);
	raw->connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
	g_assert_no_error (error);
	raw->socket = g_socket_connection_get_socket (raw->connection);
	g_socket_set_blocking (raw->socket, FALSE);
	raw->received = g_string_new (NULL);
	raw->source = g_socket_create_source (raw->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback (raw->source, G_SOURCE_FUNC (raw_tcp_on_readable), raw, NULL);
	g_source_attach (raw->source, NULL);
	return raw;
}

static inline void
raw_tcp_send (RawTcp *raw, const char *text)
{
	g_autoptr(GError) error = NULL;
	gsize len = strlen (text);
	gsize done = 0;

	while (done < len) {
		gssize n = g_socket_send (raw->socket, text + done, len - done, NULL, &error);

		if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			g_clear_error (&error);
			g_main_context_iteration (NULL, FALSE);
			continue;
		}
		g_assert_no_error (error);
		done += n;
	}
}

static inline void
raw_tcp_free (RawTcp *raw)
{
	if (raw == NULL)
		return;
	g_source_destroy (raw->source);
	g_source_unref (raw->source);
	g_io_stream_close (G_IO_STREAM (raw->connection), NULL, NULL);
	g_object_unref (raw->connection);
	g_string_free (raw->received, TRUE);
	g_free (raw);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawTcp, raw_tcp_free)
