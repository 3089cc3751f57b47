/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-policy"

#include <gio/gio.h>
#include <string.h>

#include "cf-policy.h"
#include "cf-strutil.h"

G_DEFINE_QUARK (cf-policy-error-quark, cf_policy_error)

#define CF_POLICY_MAX_FILE_SIZE (64 * 1024)

struct _CfPolicy {
	GObject parent_instance;
	char *path;
	GFileMonitor *monitor;
	gboolean admin_disabled;
	gboolean compliance_recording;
	char *compliance_archive;
	GStrv warnings;
};

enum {
	PROP_0,
	PROP_END_TO_END_ALLOWED,
	PROP_REASON,
	PROP_COMPLIANCE_RECORDING,
	PROP_COMPLIANCE_ARCHIVE,
	N_PROPS,
};

static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE (CfPolicy, cf_policy, G_TYPE_OBJECT)

static void
set_invalid (GError **error, const char *key, const char *value, const char *expected)
{
	g_set_error (error,
		     CF_POLICY_ERROR,
		     CF_POLICY_ERROR_INVALID,
		     "[policy] %s: '%s' is not %s",
		     key,
		     value,
		     expected);
}

/* Applies the parsed values and notifies what changed. */
static void
apply (CfPolicy *self,
       gboolean admin_disabled,
       gboolean compliance_recording,
       const char *archive,
       GStrv warnings)
{
	gboolean old_allowed = cf_policy_get_end_to_end_allowed (self);
	g_autofree char *old_reason = g_strdup (cf_policy_get_reason (self));
	gboolean old_recording = self->compliance_recording;

	g_object_freeze_notify (G_OBJECT (self));
	self->admin_disabled = admin_disabled;
	self->compliance_recording = compliance_recording;
	if (g_strcmp0 (self->compliance_archive, archive) != 0) {
		g_free (self->compliance_archive);
		self->compliance_archive = g_strdup (archive);
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPLIANCE_ARCHIVE]);
	}
	g_strfreev (self->warnings);
	self->warnings = warnings;
	if (old_allowed != cf_policy_get_end_to_end_allowed (self))
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_END_TO_END_ALLOWED]);
	if (!g_str_equal (old_reason, cf_policy_get_reason (self)))
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REASON]);
	if (old_recording != compliance_recording)
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_COMPLIANCE_RECORDING]);
	g_object_thaw_notify (G_OBJECT (self));
}

gboolean
cf_policy_load_from_data (CfPolicy *self, const char *data, gssize len, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	g_autoptr (GStrvBuilder) warnings = g_strv_builder_new ();
	g_auto (GStrv) groups = NULL;
	gboolean admin_disabled = FALSE;
	gboolean recording = FALSE;
	g_autofree char *archive = g_strdup (CF_POLICY_DEFAULT_ARCHIVE);

	if (len < 0)
		len = strlen (data);
	if ((gsize) len > CF_POLICY_MAX_FILE_SIZE) {
		g_set_error (error,
			     CF_POLICY_ERROR,
			     CF_POLICY_ERROR_INVALID,
			     "larger than %d bytes",
			     CF_POLICY_MAX_FILE_SIZE);
		return FALSE;
	}
	if (!g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, error)) {
		g_prefix_error_literal (error, "not a valid key file: ");
		if (error != NULL && *error != NULL) {
			(*error)->domain = CF_POLICY_ERROR;
			(*error)->code = CF_POLICY_ERROR_INVALID;
		}
		return FALSE;
	}

	groups = g_key_file_get_groups (kf, NULL);
	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto (GStrv) keys = NULL;

		if (!g_str_equal (groups[g], "policy")) {
			cf_strv_builder_take (warnings, g_strdup_printf ("unknown group [%s] ignored", groups[g]));
			continue;
		}
		keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
		for (guint k = 0; keys[k] != NULL; k++) {
			g_autofree char *value = g_key_file_get_string (kf, "policy", keys[k], NULL);

			if (value == NULL) {
				set_invalid (error, keys[k], "", "a valid string");
				return FALSE;
			}
			g_strstrip (value);
			if (g_str_equal (keys[k], "end-to-end-encryption")) {
				if (g_str_equal (value, "allowed"))
					admin_disabled = FALSE;
				else if (g_str_equal (value, "disabled"))
					admin_disabled = TRUE;
				else {
					set_invalid (error, keys[k], value, "'allowed' or 'disabled'");
					return FALSE;
				}
			} else if (g_str_equal (keys[k], "compliance-recording")) {
				if (g_str_equal (value, "true"))
					recording = TRUE;
				else if (g_str_equal (value, "false"))
					recording = FALSE;
				else {
					set_invalid (error, keys[k], value, "'true' or 'false'");
					return FALSE;
				}
			} else if (g_str_equal (keys[k], "compliance-archive")) {
				if (!g_path_is_absolute (value)) {
					set_invalid (error, keys[k], value, "an absolute path");
					return FALSE;
				}
				g_free (archive);
				archive = g_steal_pointer (&value);
			} else {
				cf_strv_builder_take (warnings,
						     g_strdup_printf ("unknown key '%s' in [policy] ignored",
								      keys[k]));
			}
		}
	}

	apply (self, admin_disabled, recording, archive, g_strv_builder_end (warnings));
	return TRUE;
}

gboolean
cf_policy_load (CfPolicy *self, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr (GError) local_error = NULL;

	if (!g_file_get_contents (self->path, &data, &len, &local_error)) {
		if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			/* No policy file: no administrator, E2EE allowed. */
			apply (self, FALSE, FALSE, CF_POLICY_DEFAULT_ARCHIVE, g_new0 (char *, 1));
			return TRUE;
		}
		g_set_error (error,
			     CF_POLICY_ERROR,
			     CF_POLICY_ERROR_IO,
			     "%s: %s",
			     self->path,
			     local_error->message);
		return FALSE;
	}
	if (!cf_policy_load_from_data (self, data, len, error)) {
		g_prefix_error (error, "%s: ", self->path);
		return FALSE;
	}
	return TRUE;
}

static void
on_file_changed (GFileMonitor *monitor,
		 GFile *file,
		 GFile *other_file,
		 GFileMonitorEvent event,
		 gpointer user_data)
{
	CfPolicy *self = CF_POLICY (user_data);
	g_autoptr (GError) error = NULL;

	switch (event) {
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_MOVED_OUT:
	case G_FILE_MONITOR_EVENT_RENAMED:
	case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
		break;
	default:
		return;
	}
	if (!cf_policy_load (self, &error)) {
		g_warning ("policy not reloaded, the previous one stays in force: %s", error->message);
		return;
	}
	g_info ("policy reloaded from %s: end-to-end encryption %s%s%s",
		self->path,
		cf_policy_get_end_to_end_allowed (self) ? "allowed" : "not allowed",
		cf_policy_get_end_to_end_allowed (self) ? "" : ", ",
		cf_policy_get_reason (self));
}

gboolean
cf_policy_watch (CfPolicy *self, GError **error)
{
	g_autoptr (GFile) file = g_file_new_for_path (self->path);

	if (self->monitor != NULL)
		return TRUE;
	/* WATCH_MOVES so that an atomic replace (rename over) is seen. */
	self->monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
	if (self->monitor == NULL) {
		g_prefix_error (error, "cannot watch %s: ", self->path);
		return FALSE;
	}
	g_file_monitor_set_rate_limit (self->monitor, 100);
	g_signal_connect_object (self->monitor, "changed", G_CALLBACK (on_file_changed), self, 0);
	return TRUE;
}

CfPolicy *
cf_policy_new (const char *path)
{
	CfPolicy *self = g_object_new (CF_TYPE_POLICY, NULL);
	self->path = g_strdup (path);
	return self;
}

const char *
cf_policy_get_path (CfPolicy *self)
{
	return self->path;
}

gboolean
cf_policy_get_end_to_end_allowed (CfPolicy *self)
{
	return !self->admin_disabled && !self->compliance_recording;
}

const char *
cf_policy_get_reason (CfPolicy *self)
{
	/* Compliance recording is named first: it would forbid E2EE even if the
	 * administrator allowed it. */
	if (self->compliance_recording)
		return "compliance-recording";
	if (self->admin_disabled)
		return "admin-disabled";
	return "";
}

gboolean
cf_policy_get_compliance_recording (CfPolicy *self)
{
	return self->compliance_recording;
}

const char *
cf_policy_get_compliance_archive (CfPolicy *self)
{
	return self->compliance_archive;
}

const char *const *
cf_policy_get_warnings (CfPolicy *self)
{
	return (const char *const *) self->warnings;
}

static void
cf_policy_init (CfPolicy *self)
{
	self->compliance_archive = g_strdup (CF_POLICY_DEFAULT_ARCHIVE);
	self->warnings = g_new0 (char *, 1);
}

static void
cf_policy_finalize (GObject *object)
{
	CfPolicy *self = CF_POLICY (object);

	if (self->monitor != NULL)
		g_file_monitor_cancel (self->monitor);
	g_clear_object (&self->monitor);
	g_free (self->path);
	g_free (self->compliance_archive);
	g_strfreev (self->warnings);
	G_OBJECT_CLASS (cf_policy_parent_class)->finalize (object);
}

static void
cf_policy_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CfPolicy *self = CF_POLICY (object);

	switch (prop_id) {
	case PROP_END_TO_END_ALLOWED:
		g_value_set_boolean (value, cf_policy_get_end_to_end_allowed (self));
		break;
	case PROP_REASON:
		g_value_set_string (value, cf_policy_get_reason (self));
		break;
	case PROP_COMPLIANCE_RECORDING:
		g_value_set_boolean (value, self->compliance_recording);
		break;
	case PROP_COMPLIANCE_ARCHIVE:
		g_value_set_string (value, self->compliance_archive);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
	}
}

static void
cf_policy_class_init (CfPolicyClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);
	GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	object_class->finalize = cf_policy_finalize;
	object_class->get_property = cf_policy_get_property;

	props[PROP_END_TO_END_ALLOWED] =
		g_param_spec_boolean ("end-to-end-allowed", NULL, NULL, TRUE, flags);
	props[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, "", flags);
	props[PROP_COMPLIANCE_RECORDING] =
		g_param_spec_boolean ("compliance-recording", NULL, NULL, FALSE, flags);
	props[PROP_COMPLIANCE_ARCHIVE] =
		g_param_spec_string ("compliance-archive", NULL, NULL, NULL, flags);
	g_object_class_install_properties (object_class, N_PROPS, props);
}
