/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-manager"

#include "config.h"

#include "cf-call-object.h"
#include "cf-error.h"
#include "cf-manager.h"

struct _CfManager {
	CfDBusManagerSkeleton parent_instance;
	CfSettings *settings;
	CfPolicy *policy;
	CfUserAgent *user_agent;
	CfHistory *history; /* nullable */
	GDBusObjectManagerServer *object_manager;
};

static void cf_manager_iface_init (CfDBusManagerIface *iface);

G_DEFINE_TYPE_WITH_CODE (CfManager,
			 cf_manager,
			 CF_DBUS_TYPE_MANAGER_SKELETON,
			 G_IMPLEMENT_INTERFACE (CF_DBUS_TYPE_MANAGER, cf_manager_iface_init))

static void
sync_policy (CfManager *self)
{
	CfDBusManager *iface = CF_DBUS_MANAGER (self);

	cf_dbus_manager_set_end_to_end_allowed (iface, cf_policy_get_end_to_end_allowed (self->policy));
	cf_dbus_manager_set_policy_reason (iface, cf_policy_get_reason (self->policy));
	cf_dbus_manager_set_compliance_recording (iface,
						  cf_policy_get_compliance_recording (self->policy));
}

static void
on_policy_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	sync_policy (CF_MANAGER (user_data));
}

static void
on_settings_e2ee_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	CfManager *self = CF_MANAGER (user_data);
	gboolean on = cf_settings_get_end_to_end_encryption (self->settings);

	if (cf_dbus_manager_get_end_to_end_encryption (CF_DBUS_MANAGER (self)) != on)
		cf_dbus_manager_set_end_to_end_encryption (CF_DBUS_MANAGER (self), on);
}

/* A client wrote EndToEndEncryption (or we mirrored the settings): persist it. */
static void
on_property_e2ee_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	CfManager *self = CF_MANAGER (object);
	gboolean on = cf_dbus_manager_get_end_to_end_encryption (CF_DBUS_MANAGER (self));
	g_autoptr (GError) error = NULL;

	if (cf_settings_get_end_to_end_encryption (self->settings) == on)
		return;
	if (!cf_settings_set_end_to_end_encryption (self->settings, on, &error)) {
		g_warning ("end-to-end encryption turned %s, but the setting could not be saved: %s",
			   on ? "on" : "off",
			   error->message);
		return;
	}
	g_info ("end-to-end encryption turned %s by the user; it applies from the next call",
		on ? "on" : "off");
}

static void
sync_registration (CfManager *self)
{
	cf_dbus_manager_set_registration (CF_DBUS_MANAGER (self),
					  cf_user_agent_get_registration (self->user_agent));
	cf_dbus_manager_set_devices (CF_DBUS_MANAGER (self),
				     cf_user_agent_get_devices (self->user_agent));
}

static void
on_registration_changed (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	sync_registration (CF_MANAGER (user_data));
}

static void
on_call_added (CfUserAgent *ua, CfCall *call, gpointer user_data)
{
	CfManager *self = CF_MANAGER (user_data);
	g_autofree char *path = cf_call_object_path_for (call);
	g_autoptr (CfDBusObjectSkeleton) object = cf_dbus_object_skeleton_new (path);
	g_autoptr (CfCallObject) call_object = cf_call_object_new (call);

	cf_dbus_object_skeleton_set_call (object, CF_DBUS_CALL (call_object));
	g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
	if (cf_call_get_direction (call) == CF_CALL_DIRECTION_INCOMING)
		cf_dbus_manager_emit_incoming_call (CF_DBUS_MANAGER (self),
						    path,
						    cf_call_get_remote_uri (call));
}

static void
on_call_removed (CfUserAgent *ua, CfCall *call, gpointer user_data)
{
	CfManager *self = CF_MANAGER (user_data);
	g_autofree char *path = cf_call_object_path_for (call);

	g_dbus_object_manager_server_unexport (self->object_manager, path);
}

static gboolean
handle_dial (CfDBusManager *iface, GDBusMethodInvocation *invocation, const char *uri, GVariant *options)
{
	CfManager *self = CF_MANAGER (iface);
	g_autoptr (GError) error = NULL;
	g_autofree char *path = NULL;
	GVariantIter iter;
	const char *key;
	GVariant *value;
	CfCall *call;

	g_variant_iter_init (&iter, options);
	while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
		g_autoptr (GVariant) v = value;
		gboolean known = (g_str_equal (key, "video") && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
				 || (g_str_equal (key, "account") && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING));
		if (!known) {
			g_dbus_method_invocation_return_error (invocation,
							       CF_ERROR,
							       CF_ERROR_INVALID_ARGUMENT,
							       "unknown option '%s' or wrong type (video: b, account: s)",
							       key);
			return G_DBUS_METHOD_INVOCATION_HANDLED;
		}
	}
	call = cf_user_agent_dial (self->user_agent, uri, &error);
	if (call == NULL) {
		g_dbus_method_invocation_return_gerror (invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	path = cf_call_object_path_for (call);
	cf_dbus_manager_complete_dial (iface, invocation, path);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_get_history (CfDBusManager *iface, GDBusMethodInvocation *invocation, guint limit)
{
	CfManager *self = CF_MANAGER (iface);
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) entries = NULL;

	if (limit == 0 || limit > CF_HISTORY_MAX_QUERY) {
		g_dbus_method_invocation_return_error (invocation,
						       CF_ERROR,
						       CF_ERROR_INVALID_ARGUMENT,
						       "limit must be 1..%d",
						       CF_HISTORY_MAX_QUERY);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	if (self->history == NULL) {
		g_dbus_method_invocation_return_error_literal (invocation,
							       CF_ERROR,
							       CF_ERROR_FAILED,
							       "the state database is not available");
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	entries = cf_history_get_recent (self->history, limit, &error);
	if (entries == NULL) {
		g_dbus_method_invocation_return_error (invocation,
						       CF_ERROR,
						       CF_ERROR_FAILED,
						       "cannot read the history: %s",
						       error->message);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	cf_dbus_manager_complete_get_history (iface, invocation, cf_history_entries_to_variant (entries));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

CfManager *
cf_manager_new (CfSettings *settings,
		CfPolicy *policy,
		CfUserAgent *user_agent,
		CfHistory *history,
		GDBusObjectManagerServer *object_manager)
{
	CfManager *self = g_object_new (CF_TYPE_MANAGER, NULL);
	CfDBusManager *iface = CF_DBUS_MANAGER (self);

	self->settings = g_object_ref (settings);
	self->policy = g_object_ref (policy);
	self->user_agent = g_object_ref (user_agent);
	self->history = history != NULL ? g_object_ref (history) : NULL;
	self->object_manager = g_object_ref (object_manager);
	sync_registration (self);
	g_signal_connect_object (user_agent, "notify::registration", G_CALLBACK (on_registration_changed), self, 0);
	g_signal_connect_object (user_agent, "notify::devices", G_CALLBACK (on_registration_changed), self, 0);
	g_signal_connect_object (user_agent, "call-added", G_CALLBACK (on_call_added), self, 0);
	g_signal_connect_object (user_agent, "call-removed", G_CALLBACK (on_call_removed), self, 0);

	cf_dbus_manager_set_version (iface, PACKAGE_VERSION);
	cf_dbus_manager_set_local_uri (iface,
				       cf_settings_get_account_uri (settings) != NULL
					       ? cf_settings_get_account_uri (settings)
					       : "");
	cf_dbus_manager_set_end_to_end_encryption (iface,
						   cf_settings_get_end_to_end_encryption (settings));
	sync_policy (self);

	g_signal_connect_object (settings,
				 "notify::end-to-end-encryption",
				 G_CALLBACK (on_settings_e2ee_changed),
				 self,
				 0);
	g_signal_connect_object (policy, "notify", G_CALLBACK (on_policy_changed), self, 0);
	g_signal_connect (self,
			  "notify::end-to-end-encryption",
			  G_CALLBACK (on_property_e2ee_changed),
			  NULL);
	return self;
}

static void
cf_manager_init (CfManager *self)
{
}

static void
cf_manager_finalize (GObject *object)
{
	CfManager *self = CF_MANAGER (object);

	g_clear_object (&self->settings);
	g_clear_object (&self->policy);
	g_clear_object (&self->user_agent);
	g_clear_object (&self->history);
	g_clear_object (&self->object_manager);
	G_OBJECT_CLASS (cf_manager_parent_class)->finalize (object);
}

static void
cf_manager_class_init (CfManagerClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cf_manager_finalize;
}

static void
cf_manager_iface_init (CfDBusManagerIface *iface)
{
	iface->handle_dial = handle_dial;
	iface->handle_get_history = handle_get_history;
}
