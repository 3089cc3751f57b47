/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The SIP stack below the user agent: one transport (UDP, TCP, TLS
 * listeners and connections) and the transaction table (RFC 3261 §17),
 * on the main context of the thread that created it.
 *
 * For the TU (dialogs and calls):
 *  - cf_sip_stack_send_request(): a request in a new client transaction; its
 *    responses, timeout or transport error come to a callback.
 *  - cf_sip_stack_cancel(): CANCEL of a pending INVITE (§9.1: sent once a
 *    provisional response has come).
 *  - ::request: a new incoming request, with the server transaction to answer
 *    through. A CANCEL that matches no INVITE is answered 481 here and not
 *    signalled, nor is one whose INVITE already has its final response
 *    (answered 200: it has no effect, §9.2); one that matches a pending
 *    INVITE is signalled with
 *    cf_sip_server_transaction_get_cancelled() set: the TU answers the CANCEL
 *    (200) and the INVITE (487).
 *  - After a 2xx, an INVITE server transaction stays 64*T1 in Accepted
 *    (RFC 6026) so that INVITE retransmissions never reach the TU twice.
 *  - ::ack and ::stray-response: ACKs that match no transaction (ACK for 2xx)
 *    and 2xx responses to INVITE that match none (retransmissions, forks):
 *    dialog business (§13.2.2.4, §13.3.1.4, §17.1.1.3).
 *  - cf_sip_stack_send_stateless() and cf_sip_stack_send_response_stateless():
 *    the ACK for a 2xx and 2xx retransmissions, outside any transaction.
 *
 * Signals:
 * ::request (CfSipServerTransaction *transaction, CfSipMessage *request)
 * ::ack (CfSipMessage *ack, const CfSipFlow *flow)
 * ::stray-response (CfSipMessage *response, const CfSipFlow *flow)
 * All arguments (transfer none): take a reference to keep one.
 *
 * Destinations (cf_sip_stack_resolve_async()): the host of the URI (its maddr
 * parameter if any), an IP literal or a name looked up with GResolver; port
 * from the URI or 5060 (5061 for TLS); transport from ;transport=, TLS for
 * sips:, else UDP. (No NAPTR/SRV, RFC 3263, yet: this is where it goes.)
 *
 * Limits: at most max_transactions (client and server together); beyond
 * that new requests are answered 503 and cf_sip_stack_send_request() fails
 * with CF_SIP_ERROR_LIMIT. Transactions are freed when they end (Timers D,
 * I, J, K, or at once on reliable transports).
 */

#include <gio/gio.h>

#include "cf-sip-client-transaction.h"
#include "cf-sip-message.h"
#include "cf-sip-server-transaction.h"
#include "cf-sip-transport.h"

G_BEGIN_DECLS

#define CF_SIP_DEFAULT_T1_MS 500
#define CF_SIP_DEFAULT_T2_MS 4000
#define CF_SIP_DEFAULT_T4_MS 5000
#define CF_SIP_DEFAULT_TIMER_D_MS 32000
#define CF_SIP_DEFAULT_MAX_TRANSACTIONS 1024

#define CF_TYPE_SIP_STACK (cf_sip_stack_get_type ())
G_DECLARE_FINAL_TYPE (CfSipStack, cf_sip_stack, CF, SIP_STACK, GObject)

CfSipStack *cf_sip_stack_new (void);

/* (transfer none): listen on it, configure TLS and limits through it. */
CfSipTransport *cf_sip_stack_get_transport (CfSipStack *self);

/* RFC 3261 timers in milliseconds; 0 keeps the current value. Timer D is
 * the INVITE client's wait for response retransmissions over UDP (32 s).
 * Applies to transactions created afterwards. */
void cf_sip_stack_set_timers (CfSipStack *self, guint t1_ms, guint t2_ms, guint t4_ms, guint timer_d_ms);
void cf_sip_stack_set_max_transactions (CfSipStack *self, guint max_transactions);
/* Client and server transactions alive now. */
guint cf_sip_stack_get_n_transactions (CfSipStack *self);

/* A new RFC 3261 branch: the magic cookie "z9hG4bK" and 128 random bits in
 * hex. (transfer full) */
char *cf_sip_new_branch (void);
/* A random token of 128 bits in hex, for tags and Call-IDs. (transfer full) */
char *cf_sip_new_token (void);

/* Resolves @uri (a sip: or sips: URI) to where requests for it go. */
void cf_sip_stack_resolve_async (CfSipStack *self,
				 const char *uri,
				 GCancellable *cancellable,
				 GAsyncReadyCallback callback,
				 gpointer user_data);
/* (transfer full) */
CfSipDestination *cf_sip_stack_resolve_finish (CfSipStack *self, GAsyncResult *result, GError **error);

/* Sends @request (without a Via of ours: the stack prepends the top one to
 * @request itself, with a new branch and rport, once it knows the transport)
 * in a new client transaction, towards @next_hop (nullable: the first
 * Route's URI, else the Request-URI). @func gets the responses (see
 * CfSipResponseFunc); @notify frees @user_data when the transaction is gone.
 *
 * When the next hop's host is an IP literal the request is sent before this
 * returns and a failure to send is returned here (CF_SIP_ERROR_TRANSPORT,
 * CF_SIP_ERROR_LIMIT, CF_SIP_ERROR_PARSE for a bad URI), and then @func is
 * never called and @notify is called before returning. A host name is
 * looked up first, and a failure comes to @func.
 *
 * Returns: (transfer full) the transaction (for cf_sip_stack_cancel()), or
 * NULL with @error set. */
CfSipClientTransaction *cf_sip_stack_send_request (CfSipStack *self,
						   CfSipMessage *request,
						   const char *next_hop,
						   CfSipResponseFunc func,
						   gpointer user_data,
						   GDestroyNotify notify,
						   GError **error);

/* Cancels the INVITE of @invite (RFC 3261 §9.1): builds the CANCEL and sends
 * it to the same destination with the same Via as soon as a provisional
 * response has come (at once if one has). @func gets the CANCEL's responses;
 * if the INVITE ends before a provisional response, the CANCEL is never
 * sent and @func gets G_IO_ERROR_CANCELLED. Fails with
 * G_IO_ERROR_INVALID_ARGUMENT when @invite is not a pending INVITE of this
 * stack, or already being cancelled.
 *
 * Returns: (transfer full) the CANCEL's client transaction. */
CfSipClientTransaction *cf_sip_stack_cancel (CfSipStack *self,
					     CfSipClientTransaction *invite,
					     CfSipResponseFunc func,
					     gpointer user_data,
					     GDestroyNotify notify,
					     GError **error);

/* Sends @request outside any transaction (the ACK for a 2xx, §13.2.2.4):
 * adds a top Via with a new branch, no retransmission, no response
 * expected. @next_hop as for cf_sip_stack_send_request(). Failures after
 * this returns (name lookup, connection) are only logged. */
gboolean cf_sip_stack_send_stateless (CfSipStack *self,
				      CfSipMessage *request,
				      const char *next_hop,
				      GError **error);

/* Sends @response outside any transaction back along @flow (a 2xx
 * retransmission, §13.3.1.4), as RFC 3261 §18.2.2 says. */
gboolean cf_sip_stack_send_response_stateless (CfSipStack *self,
					       CfSipMessage *response,
					       const CfSipFlow *flow,
					       GError **error);

G_END_DECLS
