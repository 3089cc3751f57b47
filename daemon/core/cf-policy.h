/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CF_POLICY_ERROR (cf_policy_error_quark ())
GQuark cf_policy_error_quark (void);

typedef enum {
	CF_POLICY_ERROR_INVALID,
	CF_POLICY_ERROR_IO,
} CfPolicyError;

#define CF_POLICY_DEFAULT_ARCHIVE "/var/lib/confab/compliance"

/* The administrator's policy (R2, R3), read from policy.conf. A missing file
 * allows end-to-end encryption: an unmanaged machine has no administrator.
 *
 * The file is watched; a change takes effect at once and is announced with
 * notify on the properties "end-to-end-allowed", "reason",
 * "compliance-recording" and "compliance-archive". A file that becomes
 * malformed leaves the previous policy in force, with a warning. */
#define CF_TYPE_POLICY (cf_policy_get_type ())
G_DECLARE_FINAL_TYPE (CfPolicy, cf_policy, CF, POLICY, GObject)

CfPolicy *cf_policy_new (const char *path);

/* Reads the file now. */
gboolean cf_policy_load (CfPolicy *self, GError **error);
/* Parses @data as the file's contents; on error the policy is unchanged. */
gboolean cf_policy_load_from_data (CfPolicy *self, const char *data, gssize len, GError **error);
/* Starts watching the file for changes (inotify; no polling). */
gboolean cf_policy_watch (CfPolicy *self, GError **error);

const char *cf_policy_get_path (CfPolicy *self);
gboolean cf_policy_get_end_to_end_allowed (CfPolicy *self);
/* "", "admin-disabled" or "compliance-recording" (transfer none) */
const char *cf_policy_get_reason (CfPolicy *self);
gboolean cf_policy_get_compliance_recording (CfPolicy *self);
const char *cf_policy_get_compliance_archive (CfPolicy *self);
/* Warnings about unknown keys from the last successful load. */
const char *const *cf_policy_get_warnings (CfPolicy *self);

G_END_DECLS
