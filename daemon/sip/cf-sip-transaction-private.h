/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What CfSipStack uses of the transactions and the TU never sees. Private to
 * daemon/sip/. */

#include "cf-sip-client-transaction.h"
#include "cf-sip-server-transaction.h"
#include "cf-sip-transport.h"

G_BEGIN_DECLS

/* RFC 3261 §17.1.1.1 timer values, in milliseconds. */
typedef struct {
	guint t1;      /* RTT estimate, 500 */
	guint t2;      /* maximum retransmit interval of non-INVITE requests and INVITE responses, 4000 */
	guint t4;      /* maximum time a message stays in the network, 5000 */
	guint timer_d; /* wait time for response retransmissions (INVITE client, UDP), 32000 */
	guint timer_100; /* INVITE server: 100 Trying when the TU is silent this long, 200 */
} CfSipTimers;

/* The magic cookie of RFC 3261 branches (§8.1.1.7). */
#define CF_SIP_BRANCH_COOKIE "z9hG4bK"

/* ---- client ---- */

/* @request already carries its Via with @branch (or gets it before
 * cf_sip_client_transaction_start()). @func is called as
 * CfSipResponseFunc says; @notify frees @user_data when the transaction is
 * finalized. */
CfSipClientTransaction *cf_sip_client_transaction_new (CfSipTransport *transport,
						       CfSipMessage *request,
						       const char *branch,
						       const CfSipTimers *timers,
						       CfSipResponseFunc func,
						       gpointer user_data,
						       GDestroyNotify notify);
/* The table key: "<branch> <METHOD>" (RFC 3261 §17.1.3). (transfer none) */
const char *cf_sip_client_transaction_get_key (CfSipClientTransaction *self);
/* Sends the request to @dest and starts the timers. On failure nothing was
 * sent and the state is unchanged. */
gboolean cf_sip_client_transaction_start (CfSipClientTransaction *self,
					  const CfSipDestination *dest,
					  GError **error);
gboolean cf_sip_client_transaction_is_started (CfSipClientTransaction *self);
/* A response that matched this transaction. */
void cf_sip_client_transaction_receive (CfSipClientTransaction *self, CfSipMessage *response);
/* A transport (or resolution) failure: reported to the TU unless a final
 * response was already passed up; the transaction terminates. */
void cf_sip_client_transaction_fail (CfSipClientTransaction *self, const GError *error);
/* Stops everything without telling the TU (the stack is going away). */
void cf_sip_client_transaction_shutdown (CfSipClientTransaction *self);

/* ---- server ---- */

CfSipServerTransaction *cf_sip_server_transaction_new (CfSipTransport *transport,
						       CfSipMessage *request,
						       const CfSipFlow *flow,
						       const char *key,
						       const CfSipTimers *timers);
/* (transfer none) */
const char *cf_sip_server_transaction_get_key (CfSipServerTransaction *self);
/* A retransmission of the request, or an ACK matching an INVITE transaction. */
void cf_sip_server_transaction_receive (CfSipServerTransaction *self, CfSipMessage *request);
void cf_sip_server_transaction_set_cancelled (CfSipServerTransaction *self,
					      CfSipServerTransaction *invite);
/* Did the last response go to @kind + @address? (for ::send-failed) */
gboolean cf_sip_server_transaction_sent_to (CfSipServerTransaction *self,
					    CfSipTransportKind kind,
					    GInetSocketAddress *address);
void cf_sip_server_transaction_fail (CfSipServerTransaction *self, const GError *error);
void cf_sip_server_transaction_shutdown (CfSipServerTransaction *self);

G_END_DECLS
