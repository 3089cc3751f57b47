/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIP client transactions (RFC 3261 §17.1): the INVITE state machine
 * (Calling, Proceeding, Completed, Terminated; Timers A, B, D; the ACK for a
 * non-2xx final response is sent here, a 2xx is passed up and ends the
 * transaction) and the non-INVITE one (Trying, Proceeding, Completed,
 * Terminated; Timers E, F, K). Retransmissions only over UDP.
 *
 * Made by CfSipStack (cf_sip_stack_send_request()), which owns them until
 * they end; the TU learns of responses and failures through the
 * CfSipResponseFunc it gave.
 */

#include <glib-object.h>

#include "cf-sip-message.h"
#include "cf-sip-transport.h"

G_BEGIN_DECLS

typedef enum {
	CF_SIP_CLIENT_TRANSACTION_CALLING,    /* INVITE sent, nothing heard yet */
	CF_SIP_CLIENT_TRANSACTION_TRYING,     /* non-INVITE sent, nothing heard yet */
	CF_SIP_CLIENT_TRANSACTION_PROCEEDING, /* a provisional response came */
	CF_SIP_CLIENT_TRANSACTION_COMPLETED,  /* a final response came; absorbing retransmissions */
	CF_SIP_CLIENT_TRANSACTION_TERMINATED,
} CfSipClientTransactionState;

#define CF_TYPE_SIP_CLIENT_TRANSACTION (cf_sip_client_transaction_get_type ())
G_DECLARE_FINAL_TYPE (CfSipClientTransaction,
		      cf_sip_client_transaction,
		      CF,
		      SIP_CLIENT_TRANSACTION,
		      GObject)

/* Called for every provisional response, then once for the final response
 * (@error NULL) or once with @error (CF_SIP_ERROR_TIMEOUT: Timer B/F fired;
 * CF_SIP_ERROR_TRANSPORT: the request could not be sent or resolved;
 * G_IO_ERROR_CANCELLED: a CANCEL that was never sent because the INVITE
 * ended first) and @response NULL. Never called again after a final
 * response or an error. Both arguments are (transfer none). */
typedef void (*CfSipResponseFunc) (CfSipClientTransaction *transaction,
				   CfSipMessage *response,
				   const GError *error,
				   gpointer user_data);

/* (transfer none) the request as sent (with our Via). */
CfSipMessage *cf_sip_client_transaction_get_request (CfSipClientTransaction *self);
CfSipMethod cf_sip_client_transaction_get_method (CfSipClientTransaction *self);
/* (transfer none) the top Via branch. */
const char *cf_sip_client_transaction_get_branch (CfSipClientTransaction *self);
CfSipClientTransactionState cf_sip_client_transaction_get_state (CfSipClientTransaction *self);
/* (transfer none) (nullable) where the request went; NULL while resolving. */
const CfSipDestination *cf_sip_client_transaction_get_destination (CfSipClientTransaction *self);
/* (transfer none) (nullable) the last response received. */
CfSipMessage *cf_sip_client_transaction_get_last_response (CfSipClientTransaction *self);

G_END_DECLS
