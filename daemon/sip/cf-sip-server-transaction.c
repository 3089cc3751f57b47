/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip-transaction"

#include "cf-sip-server-transaction.h"
#include "cf-sip-transaction-private.h"

struct _CfSipServerTransaction {
	GObject parent_instance;

	CfSipTransport *transport;
	GMainContext *context;
	CfSipMessage *request;
	CfSipMethod method;
	CfSipFlow *flow;
	char *key;
	CfSipTimers timers;
	CfSipServerTransactionState state;
	CfSipMessage *last_response;
	CfSipDestination *last_dest; /* where the last response went */
	CfSipServerTransaction *cancelled;

	GSource *timer_retransmit; /* G */
	guint retransmit_interval;
	GSource *timer_timeout;    /* H; for non-INVITE: the silent-TU guard */
	GSource *timer_end;        /* I, J or L */
	GSource *timer_trying;     /* the automatic 100 Trying */
};

enum {
	SIGNAL_FAILED,
	SIGNAL_TERMINATED,
	N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfSipServerTransaction, cf_sip_server_transaction, G_TYPE_OBJECT)

static const char *
state_name (CfSipServerTransactionState state)
{
	switch (state) {
	case CF_SIP_SERVER_TRANSACTION_TRYING:
		return "Trying";
	case CF_SIP_SERVER_TRANSACTION_PROCEEDING:
		return "Proceeding";
	case CF_SIP_SERVER_TRANSACTION_COMPLETED:
		return "Completed";
	case CF_SIP_SERVER_TRANSACTION_CONFIRMED:
		return "Confirmed";
	case CF_SIP_SERVER_TRANSACTION_ACCEPTED:
		return "Accepted";
	case CF_SIP_SERVER_TRANSACTION_TERMINATED:
		return "Terminated";
	}
	return "?";
}

static void
set_state (CfSipServerTransaction *self, CfSipServerTransactionState state)
{
	g_debug ("server transaction %s: %s -> %s", self->key, state_name (self->state),
		 state_name (state));
	self->state = state;
}

static void
timer_clear (GSource **source)
{
	if (*source == NULL)
		return;
	g_source_destroy (*source);
	g_clear_pointer (source, g_source_unref);
}

static GSource *
timer_start (CfSipServerTransaction *self, guint ms, GSourceFunc func)
{
	GSource *source = g_timeout_source_new (ms);

	g_source_set_callback (source, func, self, NULL);
	g_source_attach (source, self->context);
	return source;
}

static void
clear_timers (CfSipServerTransaction *self)
{
	timer_clear (&self->timer_retransmit);
	timer_clear (&self->timer_timeout);
	timer_clear (&self->timer_end);
	timer_clear (&self->timer_trying);
}

static gboolean
is_reliable (CfSipServerTransaction *self)
{
	return cf_sip_transport_kind_is_reliable (self->flow->kind);
}

static void
terminate (CfSipServerTransaction *self)
{
	g_autoptr(CfSipServerTransaction) keep = g_object_ref (self);

	if (self->state == CF_SIP_SERVER_TRANSACTION_TERMINATED)
		return;
	set_state (self, CF_SIP_SERVER_TRANSACTION_TERMINATED);
	clear_timers (self);
	g_signal_emit (self, signals[SIGNAL_TERMINATED], 0);
}

void
cf_sip_server_transaction_fail (CfSipServerTransaction *self, const GError *error)
{
	g_autoptr(CfSipServerTransaction) keep = g_object_ref (self);

	g_return_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self));
	if (self->state == CF_SIP_SERVER_TRANSACTION_TERMINATED)
		return;
	g_debug ("server transaction %s failed: %s", self->key, error->message);
	if (self->state == CF_SIP_SERVER_TRANSACTION_ACCEPTED) {
		/* RFC 6026 §7.1: tell the TU, keep absorbing retransmissions. */
		g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
		return;
	}
	clear_timers (self);
	g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
	terminate (self);
}

static gboolean
send_response (CfSipServerTransaction *self, CfSipMessage *response, GError **error)
{
	g_autoptr(CfSipDestination) dest = NULL;

	if (!cf_sip_transport_send_response (self->transport, response, self->flow, &dest, error))
		return FALSE;
	cf_sip_destination_free (self->last_dest);
	self->last_dest = g_steal_pointer (&dest);
	return TRUE;
}

/* Retransmits the last response; a failure ends the transaction. */
static gboolean
resend (CfSipServerTransaction *self)
{
	g_autoptr(GError) error = NULL;

	if (self->last_response == NULL)
		return TRUE;
	if (send_response (self, self->last_response, &error))
		return TRUE;
	cf_sip_server_transaction_fail (self, error);
	return FALSE;
}

static gboolean
on_timer_end (gpointer user_data)
{
	CfSipServerTransaction *self = user_data;

	g_clear_pointer (&self->timer_end, g_source_unref);
	terminate (self);
	return G_SOURCE_REMOVE;
}

static gboolean
on_timer_timeout (gpointer user_data)
{
	CfSipServerTransaction *self = user_data;
	g_autoptr(GError) error = NULL;

	g_clear_pointer (&self->timer_timeout, g_source_unref);
	if (self->method == CF_SIP_METHOD_INVITE) {
		/* Timer H: the ACK never came. */
		error = g_error_new_literal (CF_SIP_ERROR, CF_SIP_ERROR_TIMEOUT,
					     "no ACK for the final response (Timer H)");
		cf_sip_server_transaction_fail (self, error);
	} else {
		/* The TU never answered and the client gave up long ago
		 * (its Timer F): free the transaction. */
		g_debug ("server transaction %s: the TU did not answer in time", self->key);
		terminate (self);
	}
	return G_SOURCE_REMOVE;
}

static gboolean
on_timer_retransmit (gpointer user_data)
{
	CfSipServerTransaction *self = user_data;
	g_autoptr(CfSipServerTransaction) keep = g_object_ref (self);

	/* Timer G: in Completed, doubling up to T2. */
	g_clear_pointer (&self->timer_retransmit, g_source_unref);
	if (self->state != CF_SIP_SERVER_TRANSACTION_COMPLETED)
		return G_SOURCE_REMOVE;
	g_debug ("server transaction %s: retransmitting the final response", self->key);
	if (!resend (self))
		return G_SOURCE_REMOVE;
	self->retransmit_interval = MIN (self->retransmit_interval * 2, self->timers.t2);
	self->timer_retransmit = timer_start (self, self->retransmit_interval, on_timer_retransmit);
	return G_SOURCE_REMOVE;
}

static gboolean
on_timer_trying (gpointer user_data)
{
	CfSipServerTransaction *self = user_data;
	g_autoptr(CfSipMessage) trying = NULL;
	g_autoptr(GError) error = NULL;
	const char *timestamp;

	g_clear_pointer (&self->timer_trying, g_source_unref);
	if (self->state != CF_SIP_SERVER_TRANSACTION_PROCEEDING || self->last_response != NULL)
		return G_SOURCE_REMOVE;
	/* RFC 3261 §17.2.1, §8.2.6.1: 100 Trying, echoing any Timestamp. */
	trying = cf_sip_message_new_response_to (self->request, 100, NULL, NULL);
	timestamp = cf_sip_message_get_header (self->request, "Timestamp");
	if (timestamp != NULL)
		cf_sip_message_add_header (trying, "Timestamp", timestamp);
	if (!cf_sip_server_transaction_respond (self, trying, &error))
		g_debug ("server transaction %s: 100 Trying: %s", self->key, error->message);
	return G_SOURCE_REMOVE;
}

gboolean
cf_sip_server_transaction_respond (CfSipServerTransaction *self,
				   CfSipMessage *response,
				   GError **error)
{
	g_autoptr(CfSipServerTransaction) keep = NULL;
	g_autoptr(GError) local_error = NULL;
	guint status;

	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), FALSE);
	g_return_val_if_fail (response != NULL, FALSE);

	if (cf_sip_message_is_request (response)) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				     "a request is not a response");
		return FALSE;
	}
	status = cf_sip_message_get_status (response);
	if (status < 100 || status > 699) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad status %u", status);
		return FALSE;
	}
	if (self->state == CF_SIP_SERVER_TRANSACTION_ACCEPTED && status >= 200 && status < 300) {
		/* RFC 6026 §7.1: the TU's 2xx retransmissions go straight out. */
		if (!send_response (self, response, error))
			return FALSE;
		g_clear_pointer (&self->last_response, cf_sip_message_unref);
		self->last_response = cf_sip_message_ref (response);
		return TRUE;
	}
	if (self->state != CF_SIP_SERVER_TRANSACTION_TRYING &&
	    self->state != CF_SIP_SERVER_TRANSACTION_PROCEEDING) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			     "the transaction is %s: it sends no more responses",
			     state_name (self->state));
		return FALSE;
	}
	keep = g_object_ref (self);
	timer_clear (&self->timer_trying);
	if (!send_response (self, response, &local_error)) {
		g_debug ("server transaction %s: %s", self->key, local_error->message);
		g_propagate_error (error, g_steal_pointer (&local_error));
		terminate (self);
		return FALSE;
	}
	g_clear_pointer (&self->last_response, cf_sip_message_unref);
	self->last_response = cf_sip_message_ref (response);

	if (status < 200) {
		if (self->state == CF_SIP_SERVER_TRANSACTION_TRYING)
			set_state (self, CF_SIP_SERVER_TRANSACTION_PROCEEDING);
		return TRUE;
	}
	timer_clear (&self->timer_timeout);
	if (self->method == CF_SIP_METHOD_INVITE) {
		if (status < 300) {
			/* RFC 6026 §7.1, Timer L. The TU retransmits the 2xx
			 * until the ACK (§13.3.1.4). */
			set_state (self, CF_SIP_SERVER_TRANSACTION_ACCEPTED);
			self->timer_end = timer_start (self, 64 * self->timers.t1, on_timer_end);
			return TRUE;
		}
		set_state (self, CF_SIP_SERVER_TRANSACTION_COMPLETED);
		if (!is_reliable (self)) {
			self->retransmit_interval = self->timers.t1;
			self->timer_retransmit = timer_start (self, self->timers.t1, on_timer_retransmit);
		}
		self->timer_timeout = timer_start (self, 64 * self->timers.t1, on_timer_timeout);
		return TRUE;
	}
	set_state (self, CF_SIP_SERVER_TRANSACTION_COMPLETED);
	self->timer_end = timer_start (self, is_reliable (self) ? 0 : 64 * self->timers.t1, on_timer_end);
	return TRUE;
}

gboolean
cf_sip_server_transaction_respond_status (CfSipServerTransaction *self,
					  guint status,
					  const char *reason,
					  const char *to_tag,
					  GError **error)
{
	g_autoptr(CfSipMessage) response = NULL;

	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), FALSE);
	response = cf_sip_message_new_response_to (self->request, status, reason, to_tag);
	if (response == NULL) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			     "cannot build a %u response", status);
		return FALSE;
	}
	return cf_sip_server_transaction_respond (self, response, error);
}

void
cf_sip_server_transaction_receive (CfSipServerTransaction *self, CfSipMessage *request)
{
	g_autoptr(CfSipServerTransaction) keep = NULL;
	gboolean is_ack;

	g_return_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self));
	g_return_if_fail (request != NULL);

	keep = g_object_ref (self);
	is_ack = cf_sip_message_get_method_id (request) == CF_SIP_METHOD_ACK;
	if (self->method == CF_SIP_METHOD_INVITE && is_ack) {
		if (self->state != CF_SIP_SERVER_TRANSACTION_COMPLETED)
			return;
		set_state (self, CF_SIP_SERVER_TRANSACTION_CONFIRMED);
		timer_clear (&self->timer_retransmit);
		timer_clear (&self->timer_timeout);
		self->timer_end = timer_start (self, is_reliable (self) ? 0 : self->timers.t4, on_timer_end);
		return;
	}
	if (is_ack)
		return;
	/* A retransmission of the request. */
	switch (self->state) {
	case CF_SIP_SERVER_TRANSACTION_PROCEEDING:
	case CF_SIP_SERVER_TRANSACTION_COMPLETED:
		g_debug ("server transaction %s: request retransmitted", self->key);
		resend (self);
		break;
	case CF_SIP_SERVER_TRANSACTION_TRYING:
	case CF_SIP_SERVER_TRANSACTION_CONFIRMED:
	case CF_SIP_SERVER_TRANSACTION_ACCEPTED:
	case CF_SIP_SERVER_TRANSACTION_TERMINATED:
		break;
	}
}

gboolean
cf_sip_server_transaction_sent_to (CfSipServerTransaction *self,
				   CfSipTransportKind kind,
				   GInetSocketAddress *address)
{
	g_autoptr(CfSipDestination) dest = NULL;

	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), FALSE);
	if (self->last_dest == NULL)
		return FALSE;
	dest = cf_sip_destination_new (kind, address, NULL);
	return cf_sip_destination_equal (dest, self->last_dest);
}

void
cf_sip_server_transaction_set_cancelled (CfSipServerTransaction *self, CfSipServerTransaction *invite)
{
	g_return_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self));
	g_set_object (&self->cancelled, invite);
}

void
cf_sip_server_transaction_shutdown (CfSipServerTransaction *self)
{
	g_return_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self));
	clear_timers (self);
	self->state = CF_SIP_SERVER_TRANSACTION_TERMINATED;
	g_clear_object (&self->cancelled);
}

CfSipServerTransaction *
cf_sip_server_transaction_new (CfSipTransport *transport,
			       CfSipMessage *request,
			       const CfSipFlow *flow,
			       const char *key,
			       const CfSipTimers *timers)
{
	CfSipServerTransaction *self;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (transport), NULL);
	g_return_val_if_fail (request != NULL && flow != NULL && key != NULL && timers != NULL, NULL);

	self = g_object_new (CF_TYPE_SIP_SERVER_TRANSACTION, NULL);
	self->transport = g_object_ref (transport);
	self->request = cf_sip_message_ref (request);
	self->method = cf_sip_message_get_method_id (request);
	self->flow = cf_sip_flow_copy (flow);
	self->key = g_strdup (key);
	self->timers = *timers;
	if (self->method == CF_SIP_METHOD_INVITE) {
		self->state = CF_SIP_SERVER_TRANSACTION_PROCEEDING;
		self->timer_trying = timer_start (self, timers->timer_100, on_timer_trying);
	} else {
		self->state = CF_SIP_SERVER_TRANSACTION_TRYING;
		self->timer_timeout = timer_start (self, 64 * timers->t1, on_timer_timeout);
	}
	return self;
}

const char *
cf_sip_server_transaction_get_key (CfSipServerTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), NULL);
	return self->key;
}

CfSipMessage *
cf_sip_server_transaction_get_request (CfSipServerTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), NULL);
	return self->request;
}

CfSipMethod
cf_sip_server_transaction_get_method (CfSipServerTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), CF_SIP_METHOD_UNKNOWN);
	return self->method;
}

const CfSipFlow *
cf_sip_server_transaction_get_flow (CfSipServerTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), NULL);
	return self->flow;
}

CfSipServerTransactionState
cf_sip_server_transaction_get_state (CfSipServerTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), CF_SIP_SERVER_TRANSACTION_TERMINATED);
	return self->state;
}

CfSipServerTransaction *
cf_sip_server_transaction_get_cancelled (CfSipServerTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_SERVER_TRANSACTION (self), NULL);
	return self->cancelled;
}

static void
cf_sip_server_transaction_dispose (GObject *object)
{
	CfSipServerTransaction *self = CF_SIP_SERVER_TRANSACTION (object);

	clear_timers (self);
	g_clear_object (&self->cancelled);
	G_OBJECT_CLASS (cf_sip_server_transaction_parent_class)->dispose (object);
}

static void
cf_sip_server_transaction_finalize (GObject *object)
{
	CfSipServerTransaction *self = CF_SIP_SERVER_TRANSACTION (object);

	g_clear_object (&self->transport);
	g_main_context_unref (self->context);
	g_clear_pointer (&self->request, cf_sip_message_unref);
	g_clear_pointer (&self->last_response, cf_sip_message_unref);
	cf_sip_flow_free (self->flow);
	cf_sip_destination_free (self->last_dest);
	g_free (self->key);
	G_OBJECT_CLASS (cf_sip_server_transaction_parent_class)->finalize (object);
}

static void
cf_sip_server_transaction_class_init (CfSipServerTransactionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_sip_server_transaction_dispose;
	object_class->finalize = cf_sip_server_transaction_finalize;

	signals[SIGNAL_FAILED] = g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
					       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
	signals[SIGNAL_TERMINATED] = g_signal_new ("terminated", G_TYPE_FROM_CLASS (klass),
						   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						   G_TYPE_NONE, 0);
}

static void
cf_sip_server_transaction_init (CfSipServerTransaction *self)
{
	self->context = g_main_context_ref_thread_default ();
}
