/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIP server transactions (RFC 3261 §17.2): the INVITE state machine
 * (Proceeding, Completed, Confirmed, Terminated; Timers G, H, I; a 100 Trying
 * is sent for the TU if it has not answered within 200 ms) and the
 * non-INVITE one (Trying, Proceeding, Completed, Terminated; Timer J).
 * Request retransmissions are absorbed or answered with the last response;
 * the ACK for a non-2xx final response is absorbed.
 *
 * After a 2xx the INVITE server transaction does what RFC 6026 (which
 * updates RFC 3261 §17.2.1) says: it waits in Accepted for 64*T1 (Timer L),
 * absorbing retransmissions of the INVITE so that the TU does not see them
 * as new requests, and passing more 2xx from the TU to the transport:
 * retransmitting the 2xx until the ACK comes is the TU's job (§13.3.1.4),
 * with cf_sip_server_transaction_respond() or
 * cf_sip_stack_send_response_stateless(). The ACK for a 2xx goes to the TU
 * (CfSipStack::ack).
 *
 * A non-INVITE request the TU leaves unanswered for 64*T1 (the client has
 * given up by then, its Timer F) ends its transaction without a response.
 *
 * Made by CfSipStack for each new request (CfSipStack::request), which owns
 * them until they end. The TU answers with cf_sip_server_transaction_respond().
 *
 * Signals:
 * ::failed (const GError *error): Timer H fired (CF_SIP_ERROR_TIMEOUT: no ACK
 *   came for our non-2xx final response) or a response could not be
 *   delivered (CF_SIP_ERROR_TRANSPORT). The transaction is terminated.
 * ::terminated: the transaction reached Terminated (for any reason).
 */

#include <glib-object.h>

#include "cf-sip-message.h"
#include "cf-sip-transport.h"

G_BEGIN_DECLS

typedef enum {
	CF_SIP_SERVER_TRANSACTION_TRYING,     /* non-INVITE: nothing sent yet */
	CF_SIP_SERVER_TRANSACTION_PROCEEDING, /* INVITE from the start; a provisional was sent */
	CF_SIP_SERVER_TRANSACTION_COMPLETED,  /* a final response was sent */
	CF_SIP_SERVER_TRANSACTION_CONFIRMED,  /* INVITE: the ACK came */
	CF_SIP_SERVER_TRANSACTION_ACCEPTED,   /* INVITE: a 2xx was sent (RFC 6026) */
	CF_SIP_SERVER_TRANSACTION_TERMINATED,
} CfSipServerTransactionState;

#define CF_TYPE_SIP_SERVER_TRANSACTION (cf_sip_server_transaction_get_type ())
G_DECLARE_FINAL_TYPE (CfSipServerTransaction,
		      cf_sip_server_transaction,
		      CF,
		      SIP_SERVER_TRANSACTION,
		      GObject)

/* (transfer none) the request (its top Via carries received=/rport=). */
CfSipMessage *cf_sip_server_transaction_get_request (CfSipServerTransaction *self);
CfSipMethod cf_sip_server_transaction_get_method (CfSipServerTransaction *self);
/* (transfer none) where the request came from. */
const CfSipFlow *cf_sip_server_transaction_get_flow (CfSipServerTransaction *self);
CfSipServerTransactionState cf_sip_server_transaction_get_state (CfSipServerTransaction *self);
/* For a CANCEL: the INVITE server transaction it cancels (RFC 3261 §9.2).
 * (transfer none) (nullable) */
CfSipServerTransaction *cf_sip_server_transaction_get_cancelled (CfSipServerTransaction *self);

/* Sends @response (made with cf_sip_message_new_response_to() from the
 * request) through the transaction. Fails with CF_SIP_ERROR_TRANSPORT when
 * it cannot be sent (the transaction then ends), or with
 * G_IO_ERROR_INVALID_ARGUMENT when @response is not a response or the
 * transaction already sent its final response (but in Accepted, more 2xx
 * may be sent: retransmissions). */
gboolean cf_sip_server_transaction_respond (CfSipServerTransaction *self,
					    CfSipMessage *response,
					    GError **error);

/* Builds the response to the request (@reason NULL: the standard phrase;
 * @to_tag nullable: added to To if it has none) and sends it. */
gboolean cf_sip_server_transaction_respond_status (CfSipServerTransaction *self,
						   guint status,
						   const char *reason,
						   const char *to_tag,
						   GError **error);

G_END_DECLS
