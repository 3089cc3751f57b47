/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-dbus"

#include "cf-call-object.h"
#include "cf-error.h"

struct _CfCallObject {
	CfDBusCallSkeleton parent_instance;
	CfCall *call;
};

static void cf_call_object_iface_init (CfDBusCallIface *iface);

G_DEFINE_TYPE_WITH_CODE (CfCallObject,
			 cf_call_object,
			 CF_DBUS_TYPE_CALL_SKELETON,
			 G_IMPLEMENT_INTERFACE (CF_DBUS_TYPE_CALL, cf_call_object_iface_init))

static void
sync_all (CfCallObject *self)
{
	CfDBusCall *iface = CF_DBUS_CALL (self);
	CfCall *call = self->call;

	g_object_freeze_notify (G_OBJECT (self));
	cf_dbus_call_set_state (iface, cf_call_state_to_string (cf_call_get_state (call)));
	cf_dbus_call_set_end_reason (iface, cf_call_get_end_reason (call));
	cf_dbus_call_set_direction (iface, cf_call_direction_to_string (cf_call_get_direction (call)));
	cf_dbus_call_set_remote_uri (iface, cf_call_get_remote_uri (call));
	cf_dbus_call_set_remote_name (iface, cf_call_get_remote_name (call));
	cf_dbus_call_set_remote_held (iface, cf_call_get_remote_held (call));
	cf_dbus_call_set_start_time (iface, cf_call_get_start_time (call));
	cf_dbus_call_set_features (iface, cf_call_get_features (call));
	cf_dbus_call_set_encryption (iface, cf_call_get_encryption (call));
	cf_dbus_call_set_end_to_end_reason (iface, cf_call_get_end_to_end_reason (call));
	cf_dbus_call_set_security_code (iface, cf_call_get_security_code (call));
	cf_dbus_call_set_sas (iface, cf_call_get_sas (call));
	cf_dbus_call_set_verified (iface, cf_call_get_verified (call));
	cf_dbus_call_set_key_continuity (iface, cf_call_get_key_continuity (call));
	cf_dbus_call_set_muted (iface, cf_call_get_muted (call));
	cf_dbus_call_set_stats (iface, cf_call_get_stats (call));
	g_object_thaw_notify (G_OBJECT (self));
}

static void
on_call_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	/* The skeleton only signals properties whose value changed. */
	sync_all (CF_CALL_OBJECT (user_data));
}

static void
on_dtmf_received (CfCall *call, const char *digit, gpointer user_data)
{
	cf_dbus_call_emit_dtmf_received (CF_DBUS_CALL (user_data), digit);
}

static void
on_message_received (CfCall *call, const char *text, guint64 time_us, gpointer user_data)
{
	cf_dbus_call_emit_message_received (CF_DBUS_CALL (user_data), text, time_us);
}

/* Replies to @invocation with @error, or with success through @complete. */
#define REPLY(invocation, ok, error, complete, iface)                        \
	G_STMT_START                                                         \
	{                                                                    \
		if (ok)                                                      \
			complete (iface, invocation);                        \
		else                                                         \
			g_dbus_method_invocation_return_gerror (invocation, error); \
	}                                                                    \
	G_STMT_END

static gboolean
handle_answer (CfDBusCall *iface, GDBusMethodInvocation *invocation, GVariant *options)
{
	CfCallObject *self = CF_CALL_OBJECT (iface);
	g_autoptr (GError) error = NULL;
	GVariantIter iter;
	const char *key;
	gboolean ok;

	g_variant_iter_init (&iter, options);
	if (g_variant_iter_next (&iter, "{&sv}", &key, NULL)) {
		g_dbus_method_invocation_return_error (invocation,
						       CF_ERROR,
						       CF_ERROR_INVALID_ARGUMENT,
						       "unknown option '%s'",
						       key);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	ok = cf_call_answer (self->call, &error);
	REPLY (invocation, ok, error, cf_dbus_call_complete_answer, iface);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_reject (CfDBusCall *iface, GDBusMethodInvocation *invocation)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = cf_call_reject (CF_CALL_OBJECT (iface)->call, &error);

	REPLY (invocation, ok, error, cf_dbus_call_complete_reject, iface);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send_dtmf (CfDBusCall *iface, GDBusMethodInvocation *invocation, const char *digits)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = cf_call_send_dtmf (CF_CALL_OBJECT (iface)->call, digits, &error);

	REPLY (invocation, ok, error, cf_dbus_call_complete_send_dtmf, iface);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_muted (CfDBusCall *iface, GDBusMethodInvocation *invocation, gboolean muted)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = cf_call_set_muted (CF_CALL_OBJECT (iface)->call, muted, &error);

	REPLY (invocation, ok, error, cf_dbus_call_complete_set_muted, iface);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_hangup (CfDBusCall *iface, GDBusMethodInvocation *invocation)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = cf_call_hangup (CF_CALL_OBJECT (iface)->call, &error);

	REPLY (invocation, ok, error, cf_dbus_call_complete_hangup, iface);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_mark_verified (CfDBusCall *iface, GDBusMethodInvocation *invocation, gboolean verified)
{
	g_autoptr (GError) error = NULL;
	gboolean ok = cf_call_mark_verified (CF_CALL_OBJECT (iface)->call, verified, &error);

	REPLY (invocation, ok, error, cf_dbus_call_complete_mark_verified, iface);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef gboolean (*FinishFunc) (CfCall *call, GAsyncResult *result, GError **error);

typedef struct {
	CfDBusCall *iface;
	GDBusMethodInvocation *invocation;
	FinishFunc finish;
} Pending;

static void
on_action_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
	Pending *p = user_data;
	g_autoptr (GError) error = NULL;

	if (p->finish (CF_CALL (source), result, &error))
		g_dbus_method_invocation_return_value (p->invocation, NULL);
	else
		g_dbus_method_invocation_return_gerror (p->invocation, error);
	g_object_unref (p->iface);
	g_free (p);
}

static Pending *
pending_new (CfDBusCall *iface, GDBusMethodInvocation *invocation, FinishFunc finish)
{
	Pending *p = g_new0 (Pending, 1);

	p->iface = g_object_ref (iface);
	p->invocation = invocation;
	p->finish = finish;
	return p;
}

static gboolean
handle_hold (CfDBusCall *iface, GDBusMethodInvocation *invocation)
{
	cf_call_hold_async (CF_CALL_OBJECT (iface)->call,
			    on_action_done,
			    pending_new (iface, invocation, cf_call_hold_finish));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_resume (CfDBusCall *iface, GDBusMethodInvocation *invocation)
{
	cf_call_resume_async (CF_CALL_OBJECT (iface)->call,
			      on_action_done,
			      pending_new (iface, invocation, cf_call_resume_finish));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_send_message (CfDBusCall *iface, GDBusMethodInvocation *invocation, const char *text)
{
	cf_call_send_message_async (CF_CALL_OBJECT (iface)->call,
				    text,
				    on_action_done,
				    pending_new (iface, invocation, cf_call_send_message_finish));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

char *
cf_call_object_path_for (CfCall *call)
{
	return g_strdup_printf ("/org/confab/Confab1/Call/%u", cf_call_get_id (call));
}

CfCallObject *
cf_call_object_new (CfCall *call)
{
	CfCallObject *self = g_object_new (CF_TYPE_CALL_OBJECT, NULL);

	self->call = g_object_ref (call);
	sync_all (self);
	g_signal_connect_object (call, "notify", G_CALLBACK (on_call_notify), self, 0);
	g_signal_connect_object (call, "dtmf-received", G_CALLBACK (on_dtmf_received), self, 0);
	g_signal_connect_object (call,
				 "message-received",
				 G_CALLBACK (on_message_received),
				 self,
				 0);
	return self;
}

CfCall *
cf_call_object_get_call (CfCallObject *self)
{
	return self->call;
}

static void
cf_call_object_init (CfCallObject *self)
{
}

static void
cf_call_object_finalize (GObject *object)
{
	CfCallObject *self = CF_CALL_OBJECT (object);

	g_clear_object (&self->call);
	G_OBJECT_CLASS (cf_call_object_parent_class)->finalize (object);
}

static void
cf_call_object_class_init (CfCallObjectClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cf_call_object_finalize;
}

static void
cf_call_object_iface_init (CfDBusCallIface *iface)
{
	iface->handle_answer = handle_answer;
	iface->handle_reject = handle_reject;
	iface->handle_hangup = handle_hangup;
	iface->handle_set_muted = handle_set_muted;
	iface->handle_mark_verified = handle_mark_verified;
	iface->handle_send_dtmf = handle_send_dtmf;
	iface->handle_hold = handle_hold;
	iface->handle_resume = handle_resume;
	iface->handle_send_message = handle_send_message;
}
