/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip-transaction"

#include "cf-sip-client-transaction.h"
#include "cf-sip-transaction-private.h"

struct _CfSipClientTransaction {
	GObject parent_instance;

	CfSipTransport *transport;
	GMainContext *context;
	CfSipMessage *request;
	CfSipMessage *ack; /* the ACK for a non-2xx final response */
	CfSipMessage *last_response;
	CfSipMethod method;
	char *branch;
	char *key;
	CfSipDestination *dest;
	CfSipTimers timers;
	CfSipClientTransactionState state;
	gboolean started;
	gboolean final_passed_up;

	GSource *timer_retransmit; /* A or E */
	guint retransmit_interval;
	GSource *timer_timeout;    /* B or F */
	GSource *timer_end;        /* D or K */

	CfSipResponseFunc func;
	gpointer user_data;
	GDestroyNotify notify;
};

enum {
	SIGNAL_TERMINATED,
	N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfSipClientTransaction, cf_sip_client_transaction, G_TYPE_OBJECT)

static const char *
state_name (CfSipClientTransactionState state)
{
	switch (state) {
	case CF_SIP_CLIENT_TRANSACTION_CALLING:
		return "Calling";
	case CF_SIP_CLIENT_TRANSACTION_TRYING:
		return "Trying";
	case CF_SIP_CLIENT_TRANSACTION_PROCEEDING:
		return "Proceeding";
	case CF_SIP_CLIENT_TRANSACTION_COMPLETED:
		return "Completed";
	case CF_SIP_CLIENT_TRANSACTION_TERMINATED:
		return "Terminated";
	}
	return "?";
}

static void
set_state (CfSipClientTransaction *self, CfSipClientTransactionState state)
{
	g_debug ("client transaction %s: %s -> %s", self->key, state_name (self->state),
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
timer_start (CfSipClientTransaction *self, guint ms, GSourceFunc func)
{
	GSource *source = g_timeout_source_new (ms);

	g_source_set_callback (source, func, self, NULL);
	g_source_attach (source, self->context);
	return source;
}

static gboolean
is_reliable (CfSipClientTransaction *self)
{
	return self->dest != NULL && cf_sip_transport_kind_is_reliable (self->dest->kind);
}

static void
terminate (CfSipClientTransaction *self)
{
	g_autoptr(CfSipClientTransaction) keep = g_object_ref (self);

	if (self->state == CF_SIP_CLIENT_TRANSACTION_TERMINATED)
		return;
	set_state (self, CF_SIP_CLIENT_TRANSACTION_TERMINATED);
	timer_clear (&self->timer_retransmit);
	timer_clear (&self->timer_timeout);
	timer_clear (&self->timer_end);
	g_signal_emit (self, signals[SIGNAL_TERMINATED], 0);
}

static void
pass_up (CfSipClientTransaction *self, CfSipMessage *response, const GError *error)
{
	g_autoptr(CfSipClientTransaction) keep = g_object_ref (self);

	if (self->final_passed_up)
		return;
	if (error != NULL || cf_sip_message_get_status (response) >= 200)
		self->final_passed_up = TRUE;
	if (self->func != NULL)
		self->func (self, response, error, self->user_data);
}

void
cf_sip_client_transaction_fail (CfSipClientTransaction *self, const GError *error)
{
	g_autoptr(CfSipClientTransaction) keep = g_object_ref (self);

	g_return_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self));
	if (self->state == CF_SIP_CLIENT_TRANSACTION_TERMINATED)
		return;
	g_debug ("client transaction %s failed: %s", self->key, error->message);
	if (self->state != CF_SIP_CLIENT_TRANSACTION_COMPLETED)
		pass_up (self, NULL, error);
	terminate (self);
}

static gboolean
send_or_fail (CfSipClientTransaction *self, CfSipMessage *msg)
{
	g_autoptr(GError) error = NULL;

	if (cf_sip_transport_send (self->transport, msg, self->dest, &error))
		return TRUE;
	cf_sip_client_transaction_fail (self, error);
	return FALSE;
}

/* RFC 3261 §17.1.1.3: the ACK for a non-2xx final response. */
static CfSipMessage *
build_ack (CfSipClientTransaction *self, CfSipMessage *response)
{
	CfSipMessage *ack;
	guint32 number = 0;
	const char *value;
	g_autofree char *cseq = NULL;

	ack = cf_sip_message_new_request ("ACK", cf_sip_message_get_request_uri (self->request));
	cf_sip_message_add_header (ack, "Via", cf_sip_message_get_header (self->request, "Via"));
	for (guint i = 0; (value = cf_sip_message_get_header_nth (self->request, "Route", i)) != NULL; i++)
		cf_sip_message_add_header (ack, "Route", value);
	cf_sip_message_add_header (ack, "Max-Forwards", "70");
	cf_sip_message_add_header (ack, "From", cf_sip_message_get_header (self->request, "From"));
	cf_sip_message_add_header (ack, "To", cf_sip_message_get_header (response, "To"));
	cf_sip_message_add_header (ack, "Call-ID", cf_sip_message_get_call_id (self->request));
	cf_sip_message_get_cseq (self->request, &number, NULL);
	cseq = g_strdup_printf ("%u ACK", number);
	cf_sip_message_add_header (ack, "CSeq", cseq);
	return ack;
}

static gboolean
on_timer_end (gpointer user_data)
{
	CfSipClientTransaction *self = user_data;

	g_clear_pointer (&self->timer_end, g_source_unref);
	terminate (self);
	return G_SOURCE_REMOVE;
}

static gboolean
on_timer_timeout (gpointer user_data)
{
	CfSipClientTransaction *self = user_data;
	g_autoptr(GError) error = NULL;

	g_clear_pointer (&self->timer_timeout, g_source_unref);
	error = g_error_new (CF_SIP_ERROR, CF_SIP_ERROR_TIMEOUT, "no response to %s (Timer %s)",
			     cf_sip_message_get_method (self->request),
			     self->method == CF_SIP_METHOD_INVITE ? "B" : "F");
	cf_sip_client_transaction_fail (self, error);
	return G_SOURCE_REMOVE;
}

static gboolean
on_timer_retransmit (gpointer user_data)
{
	CfSipClientTransaction *self = user_data;
	g_autoptr(CfSipClientTransaction) keep = g_object_ref (self);

	g_clear_pointer (&self->timer_retransmit, g_source_unref);
	if (self->method == CF_SIP_METHOD_INVITE) {
		/* Timer A: only in Calling, doubling each time. */
		if (self->state != CF_SIP_CLIENT_TRANSACTION_CALLING)
			return G_SOURCE_REMOVE;
		self->retransmit_interval *= 2;
	} else {
		/* Timer E: doubling up to T2 in Trying, T2 in Proceeding. */
		if (self->state == CF_SIP_CLIENT_TRANSACTION_TRYING)
			self->retransmit_interval = MIN (self->retransmit_interval * 2, self->timers.t2);
		else if (self->state == CF_SIP_CLIENT_TRANSACTION_PROCEEDING)
			self->retransmit_interval = self->timers.t2;
		else
			return G_SOURCE_REMOVE;
	}
	g_debug ("client transaction %s: retransmitting", self->key);
	if (!send_or_fail (self, self->request))
		return G_SOURCE_REMOVE;
	self->timer_retransmit = timer_start (self, self->retransmit_interval, on_timer_retransmit);
	return G_SOURCE_REMOVE;
}

gboolean
cf_sip_client_transaction_start (CfSipClientTransaction *self,
				 const CfSipDestination *dest,
				 GError **error)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), FALSE);
	g_return_val_if_fail (dest != NULL, FALSE);
	g_return_val_if_fail (!self->started, FALSE);

	if (self->state == CF_SIP_CLIENT_TRANSACTION_TERMINATED) {
		g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "transaction already ended");
		return FALSE;
	}
	self->dest = cf_sip_destination_copy (dest);
	if (!cf_sip_transport_send (self->transport, self->request, self->dest, error)) {
		g_clear_pointer (&self->dest, cf_sip_destination_free);
		return FALSE;
	}
	self->started = TRUE;
	if (!is_reliable (self)) {
		self->retransmit_interval = self->timers.t1;
		self->timer_retransmit = timer_start (self, self->timers.t1, on_timer_retransmit);
	}
	self->timer_timeout = timer_start (self, 64 * self->timers.t1, on_timer_timeout);
	return TRUE;
}

gboolean
cf_sip_client_transaction_is_started (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), FALSE);
	return self->started;
}

static void
receive_invite (CfSipClientTransaction *self, CfSipMessage *response, guint status)
{
	switch (self->state) {
	case CF_SIP_CLIENT_TRANSACTION_CALLING:
	case CF_SIP_CLIENT_TRANSACTION_PROCEEDING:
		timer_clear (&self->timer_retransmit);
		timer_clear (&self->timer_timeout);
		if (status < 200) {
			if (self->state == CF_SIP_CLIENT_TRANSACTION_CALLING)
				set_state (self, CF_SIP_CLIENT_TRANSACTION_PROCEEDING);
			pass_up (self, response, NULL);
		} else if (status < 300) {
			/* The 2xx goes up; its ACK and retransmissions are the TU's. */
			pass_up (self, response, NULL);
			terminate (self);
		} else {
			set_state (self, CF_SIP_CLIENT_TRANSACTION_COMPLETED);
			g_clear_pointer (&self->ack, cf_sip_message_unref);
			self->ack = build_ack (self, response);
			if (!send_or_fail (self, self->ack))
				return;
			if (is_reliable (self))
				self->timer_end = timer_start (self, 0, on_timer_end);
			else
				self->timer_end = timer_start (self, self->timers.timer_d, on_timer_end);
			pass_up (self, response, NULL);
		}
		break;
	case CF_SIP_CLIENT_TRANSACTION_COMPLETED:
		/* A retransmitted final response: ACK it again. */
		if (status >= 300 && self->ack != NULL)
			send_or_fail (self, self->ack);
		break;
	case CF_SIP_CLIENT_TRANSACTION_TRYING:
	case CF_SIP_CLIENT_TRANSACTION_TERMINATED:
		break;
	}
}

static void
receive_non_invite (CfSipClientTransaction *self, CfSipMessage *response, guint status)
{
	switch (self->state) {
	case CF_SIP_CLIENT_TRANSACTION_TRYING:
	case CF_SIP_CLIENT_TRANSACTION_PROCEEDING:
		if (status < 200) {
			if (self->state == CF_SIP_CLIENT_TRANSACTION_TRYING)
				set_state (self, CF_SIP_CLIENT_TRANSACTION_PROCEEDING);
			pass_up (self, response, NULL);
			break;
		}
		set_state (self, CF_SIP_CLIENT_TRANSACTION_COMPLETED);
		timer_clear (&self->timer_retransmit);
		timer_clear (&self->timer_timeout);
		self->timer_end = timer_start (self, is_reliable (self) ? 0 : self->timers.t4,
					       on_timer_end);
		pass_up (self, response, NULL);
		break;
	case CF_SIP_CLIENT_TRANSACTION_COMPLETED:
	case CF_SIP_CLIENT_TRANSACTION_CALLING:
	case CF_SIP_CLIENT_TRANSACTION_TERMINATED:
		/* Retransmissions are absorbed. */
		break;
	}
}

void
cf_sip_client_transaction_receive (CfSipClientTransaction *self, CfSipMessage *response)
{
	g_autoptr(CfSipClientTransaction) keep = NULL;
	guint status;

	g_return_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self));
	g_return_if_fail (response != NULL);

	if (!self->started || self->state == CF_SIP_CLIENT_TRANSACTION_TERMINATED)
		return;
	keep = g_object_ref (self);
	status = cf_sip_message_get_status (response);
	if (status < 100 || status > 699)
		return;
	if (status >= 200 || self->last_response == NULL ||
	    cf_sip_message_get_status (self->last_response) < 200) {
		g_clear_pointer (&self->last_response, cf_sip_message_unref);
		self->last_response = cf_sip_message_ref (response);
	}
	if (self->method == CF_SIP_METHOD_INVITE)
		receive_invite (self, response, status);
	else
		receive_non_invite (self, response, status);
}

void
cf_sip_client_transaction_shutdown (CfSipClientTransaction *self)
{
	g_return_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self));
	timer_clear (&self->timer_retransmit);
	timer_clear (&self->timer_timeout);
	timer_clear (&self->timer_end);
	self->final_passed_up = TRUE;
	self->state = CF_SIP_CLIENT_TRANSACTION_TERMINATED;
}

CfSipClientTransaction *
cf_sip_client_transaction_new (CfSipTransport *transport,
			       CfSipMessage *request,
			       const char *branch,
			       const CfSipTimers *timers,
			       CfSipResponseFunc func,
			       gpointer user_data,
			       GDestroyNotify notify)
{
	CfSipClientTransaction *self;

	g_return_val_if_fail (CF_IS_SIP_TRANSPORT (transport), NULL);
	g_return_val_if_fail (request != NULL && cf_sip_message_is_request (request), NULL);
	g_return_val_if_fail (branch != NULL && timers != NULL, NULL);

	self = g_object_new (CF_TYPE_SIP_CLIENT_TRANSACTION, NULL);
	self->transport = g_object_ref (transport);
	self->request = cf_sip_message_ref (request);
	self->method = cf_sip_message_get_method_id (request);
	self->branch = g_strdup (branch);
	self->key = g_strdup_printf ("%s %s", branch, cf_sip_message_get_method (request));
	self->timers = *timers;
	self->state = self->method == CF_SIP_METHOD_INVITE ? CF_SIP_CLIENT_TRANSACTION_CALLING
							   : CF_SIP_CLIENT_TRANSACTION_TRYING;
	self->func = func;
	self->user_data = user_data;
	self->notify = notify;
	return self;
}

const char *
cf_sip_client_transaction_get_key (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), NULL);
	return self->key;
}

CfSipMessage *
cf_sip_client_transaction_get_request (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), NULL);
	return self->request;
}

CfSipMethod
cf_sip_client_transaction_get_method (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), CF_SIP_METHOD_UNKNOWN);
	return self->method;
}

const char *
cf_sip_client_transaction_get_branch (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), NULL);
	return self->branch;
}

CfSipClientTransactionState
cf_sip_client_transaction_get_state (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), CF_SIP_CLIENT_TRANSACTION_TERMINATED);
	return self->state;
}

const CfSipDestination *
cf_sip_client_transaction_get_destination (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), NULL);
	return self->dest;
}

CfSipMessage *
cf_sip_client_transaction_get_last_response (CfSipClientTransaction *self)
{
	g_return_val_if_fail (CF_IS_SIP_CLIENT_TRANSACTION (self), NULL);
	return self->last_response;
}

static void
cf_sip_client_transaction_dispose (GObject *object)
{
	CfSipClientTransaction *self = CF_SIP_CLIENT_TRANSACTION (object);

	timer_clear (&self->timer_retransmit);
	timer_clear (&self->timer_timeout);
	timer_clear (&self->timer_end);
	if (self->notify != NULL) {
		GDestroyNotify notify = self->notify;

		self->notify = NULL;
		self->func = NULL;
		notify (self->user_data);
	}
	G_OBJECT_CLASS (cf_sip_client_transaction_parent_class)->dispose (object);
}

static void
cf_sip_client_transaction_finalize (GObject *object)
{
	CfSipClientTransaction *self = CF_SIP_CLIENT_TRANSACTION (object);

	g_clear_object (&self->transport);
	g_main_context_unref (self->context);
	g_clear_pointer (&self->request, cf_sip_message_unref);
	g_clear_pointer (&self->ack, cf_sip_message_unref);
	g_clear_pointer (&self->last_response, cf_sip_message_unref);
	g_free (self->branch);
	g_free (self->key);
	cf_sip_destination_free (self->dest);
	G_OBJECT_CLASS (cf_sip_client_transaction_parent_class)->finalize (object);
}

static void
cf_sip_client_transaction_class_init (CfSipClientTransactionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_sip_client_transaction_dispose;
	object_class->finalize = cf_sip_client_transaction_finalize;

	/* ::terminated: the transaction reached Terminated. For the stack. */
	signals[SIGNAL_TERMINATED] = g_signal_new ("terminated", G_TYPE_FROM_CLASS (klass),
						   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						   G_TYPE_NONE, 0);
}

static void
cf_sip_client_transaction_init (CfSipClientTransaction *self)
{
	self->context = g_main_context_ref_thread_default ();
}
