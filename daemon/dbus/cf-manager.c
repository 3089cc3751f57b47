/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-manager"

#include "config.h"

#include "cf-manager.h"

struct _CfManager {
	CfDBusManagerSkeleton parent_instance;
	CfSettings *settings;
	CfPolicy *policy;
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

CfManager *
cf_manager_new (CfSettings *settings, CfPolicy *policy)
{
	CfManager *self = g_object_new (CF_TYPE_MANAGER, NULL);
	CfDBusManager *iface = CF_DBUS_MANAGER (self);

	self->settings = g_object_ref (settings);
	self->policy = g_object_ref (policy);

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
}
