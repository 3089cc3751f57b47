/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIP transports (RFC 3261 §18, RFC 3581): UDP, TCP and TLS listeners and
 * connections on the main context of the thread that created the transport.
 *
 * One CfSipTransport manages every listening socket and every stream
 * connection of a SIP stack. It frames and parses what it receives, answers
 * malformed requests with 400 when it can, stamps received=/rport= on the top
 * Via of requests, and hands each message up with the flow it came on
 * (::message-received). Sending reuses an open connection to the same peer
 * (whichever side opened it) or opens one, queueing until it is up.
 *
 * Hard limits: a bounded number of stream connections (the oldest idle one is
 * closed to make room, else the new one is refused), a receive buffer of
 * CF_SIP_MAX_MESSAGE_SIZE + a margin per connection, a bounded output queue
 * per connection, and an idle timeout (one timer per connection).
 */

#include <gio/gio.h>

#include "cf-sip-message.h"

G_BEGIN_DECLS

typedef enum {
	CF_SIP_TRANSPORT_UDP,
	CF_SIP_TRANSPORT_TCP,
	CF_SIP_TRANSPORT_TLS,
} CfSipTransportKind;

/* "UDP", "TCP", "TLS": the Via transport token. (transfer none) */
const char *cf_sip_transport_kind_to_string (CfSipTransportKind kind);
/* Accepts the Via token or the ;transport= value, case-insensitively. */
gboolean cf_sip_transport_kind_from_string (const char *text, CfSipTransportKind *ret_kind);
/* TRUE for TCP and TLS: no retransmissions needed (RFC 3261 §17). */
gboolean cf_sip_transport_kind_is_reliable (CfSipTransportKind kind);

/* A stream connection (TCP or TLS) of a transport. Opaque, reference
 * counted; a reference keeps the small record alive, not the socket: a
 * connection closed by either side stays closed. */
typedef struct _CfSipConnection CfSipConnection;

CfSipConnection *cf_sip_connection_ref (CfSipConnection *conn);
void cf_sip_connection_unref (CfSipConnection *conn);
gboolean cf_sip_connection_is_open (CfSipConnection *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipConnection, cf_sip_connection_unref)

/* Where a message came from: what a response must go back on. */
typedef struct {
	CfSipTransportKind kind;
	GInetSocketAddress *remote;  /* (owned) the peer's address and port */
	GInetSocketAddress *local;   /* (owned) our address (for UDP: the bound one) */
	CfSipConnection *connection; /* (owned) (nullable) TCP/TLS only */
} CfSipFlow;

CfSipFlow *cf_sip_flow_copy (const CfSipFlow *flow);
void cf_sip_flow_free (CfSipFlow *flow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipFlow, cf_sip_flow_free)

/* Where a request goes: the result of resolving a SIP URI. */
typedef struct {
	CfSipTransportKind kind;
	GInetSocketAddress *address; /* (owned) */
	char *tls_name;              /* (nullable) the name the TLS server must prove;
	                              * NULL: the address literal */
} CfSipDestination;

/* (transfer full) @tls_name nullable. */
CfSipDestination *cf_sip_destination_new (CfSipTransportKind kind,
					  GInetSocketAddress *address,
					  const char *tls_name);
CfSipDestination *cf_sip_destination_copy (const CfSipDestination *dest);
void cf_sip_destination_free (CfSipDestination *dest);
/* Same kind and same address and port. */
gboolean cf_sip_destination_equal (const CfSipDestination *a, const CfSipDestination *b);
/* (transfer full) "TLS 127.0.0.1:5061", "UDP [::1]:5060": for debug logs. */
char *cf_sip_destination_to_string (const CfSipDestination *dest);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipDestination, cf_sip_destination_free)

/* (transfer full) "127.0.0.1:5060" or "[::1]:5060". */
char *cf_sip_socket_address_to_string (GInetSocketAddress *address);

#define CF_SIP_TRANSPORT_DEFAULT_MAX_CONNECTIONS 256
#define CF_SIP_TRANSPORT_DEFAULT_IDLE_TIMEOUT_MS (180 * 1000)
#define CF_SIP_TRANSPORT_DEFAULT_MAX_QUEUED_BYTES (1024 * 1024)

#define CF_TYPE_SIP_TRANSPORT (cf_sip_transport_get_type ())
G_DECLARE_FINAL_TYPE (CfSipTransport, cf_sip_transport, CF, SIP_TRANSPORT, GObject)

/* Signals:
 *
 * ::message-received (CfSipMessage *msg, const CfSipFlow *flow): a well-formed
 *   message (requests with received=/rport= already on the top Via). Both
 *   arguments are (transfer none); copy/ref them to keep them.
 *
 * ::send-failed (CfSipTransportKind kind, GInetSocketAddress *remote,
 *   const GError *error): a connection to @remote could not be opened, or
 *   failed or closed with messages still queued: whatever was sent to that
 *   destination may be lost. Errors of a send that fail at once are
 *   returned by the send function instead. */

CfSipTransport *cf_sip_transport_new (void);

/* TLS: the server certificate and key (PEM files) presented by TLS listeners
 * and the CA file (PEM) that TLS servers we connect to must chain to. Each is
 * nullable: no certificate = TLS listening fails; no CA = the system's
 * trust store. Fails (and changes nothing) if a file cannot be loaded. */
gboolean cf_sip_transport_set_tls_files (CfSipTransport *self,
					 const char *cert_file,
					 const char *key_file,
					 const char *ca_file,
					 GError **error);

/* Listens on @host (an IPv4 or IPv6 literal; "0.0.0.0" / "::" for all) and
 * @port (0: a free one). @ret_port (nullable) gets the bound port. */
gboolean cf_sip_transport_listen (CfSipTransport *self,
				  CfSipTransportKind kind,
				  const char *host,
				  guint16 port,
				  guint16 *ret_port,
				  GError **error);

/* The bound port of the first listener of @kind (of @family if it is not
 * G_SOCKET_FAMILY_INVALID), or 0 if there is none. */
guint16 cf_sip_transport_get_port (CfSipTransport *self, CfSipTransportKind kind, GSocketFamily family);

/* Sets the host written in the Via sent-by of our requests (a name or an
 * address that peers can reach us at); NULL: the listening address, or when
 * that is a wildcard, the local address the system would use toward the
 * destination. */
void cf_sip_transport_set_advertised_host (CfSipTransport *self, const char *host);

/* RFC 3261 §18.1.1: the sent-by (host and port) a client puts in the top
 * Via of a request for @dest: the listening address of the same transport
 * kind and family. Fails when there is no such listener. */
gboolean cf_sip_transport_get_sent_by (CfSipTransport *self,
				       const CfSipDestination *dest,
				       char **ret_host,
				       guint16 *ret_port,
				       GError **error);

/* Rewrites the top Via of @request with the sent-by and transport for @dest,
 * keeping its parameters (branch, rport...). Adds "SIP/2.0/<T> host:port"
 * if @request has no Via. */
gboolean cf_sip_transport_fill_via (CfSipTransport *self,
				    CfSipMessage *request,
				    const CfSipDestination *dest,
				    GError **error);

/* Sends @msg to @dest: a datagram, or on an open connection to that peer, or
 * on a new one (queued until connected). Fails at once with
 * CF_SIP_ERROR_TRANSPORT (no socket, send error, connection refused at once),
 * CF_SIP_ERROR_LIMIT (too many connections, output queue full) or
 * CF_SIP_ERROR_TOO_LARGE; later failures come as ::send-failed. */
gboolean cf_sip_transport_send (CfSipTransport *self,
				CfSipMessage *msg,
				const CfSipDestination *dest,
				GError **error);

/* Sends @response to the request that came on @flow (RFC 3261 §18.2.2,
 * RFC 3581 §4): on the same connection while it is open, else to the
 * received/rport address (UDP) or a new connection to the top Via's
 * received + sent-by port (TCP/TLS). @ret_dest (nullable) gets where it went.
 */
gboolean cf_sip_transport_send_response (CfSipTransport *self,
					 CfSipMessage *response,
					 const CfSipFlow *flow,
					 CfSipDestination **ret_dest,
					 GError **error);

/* Limits. @max_connections: open stream connections (both directions);
 * @idle_timeout_ms: a connection with no traffic that long is closed;
 * @max_queued_bytes: output waiting on one connection. */
void cf_sip_transport_set_limits (CfSipTransport *self,
				  guint max_connections,
				  guint idle_timeout_ms,
				  gsize max_queued_bytes);
/* Open (or opening) stream connections. */
guint cf_sip_transport_get_n_connections (CfSipTransport *self);

/* Test aid, never for production: silently drop the next @n outgoing UDP
 * datagrams (G_MAXUINT: all of them, until called again with 0), as a lossy
 * network would. */
void cf_sip_transport_test_drop_datagrams (CfSipTransport *self, guint n);
/* Test aid: UDP datagrams handed to the network (dropped ones not counted). */
guint cf_sip_transport_test_get_n_datagrams_sent (CfSipTransport *self);

G_END_DECLS
