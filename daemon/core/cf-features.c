/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-features"

#include <gio/gio.h>

#include "cf-error.h"
#include "cf-features.h"

typedef struct {
	const char *name;	 /* the D-Bus name */
	const char *description; /* for error messages */
	gboolean r9;		 /* refused in an end-to-end call (DESIGN.md R9) */
} FeatureInfo;

/* Indexed by CfFeature. */
static const FeatureInfo features[] = {
	[CF_FEATURE_RECORD] = { "record", "recording", TRUE },
	[CF_FEATURE_CAPTIONS] = { "captions", "live captions and transcription", TRUE },
	[CF_FEATURE_TRANSFER] = { "transfer", "call transfer", TRUE },
	[CF_FEATURE_CONSULT_TRANSFER] = { "consult-transfer", "consult-then-transfer", TRUE },
	[CF_FEATURE_MERGE] = { "merge", "merging calls", TRUE },
	[CF_FEATURE_PARK] = { "park", "call park", TRUE },
	[CF_FEATURE_MOVE_TO_DEVICE] = { "move-to-device", "moving the call to another device",
					TRUE },
	[CF_FEATURE_ADD_PARTICIPANT] = { "add-participant", "adding a participant", TRUE },
	[CF_FEATURE_VIDEO] = { "video", "video", FALSE },
	[CF_FEATURE_SCREEN_SHARE] = { "screen-share", "screen sharing", FALSE },
	[CF_FEATURE_CHAT] = { "chat", "chat", FALSE },
	[CF_FEATURE_DTMF] = { "dtmf", "DTMF", FALSE },
};

G_STATIC_ASSERT (G_N_ELEMENTS (features) == CF_N_FEATURES);

static const FeatureInfo *
lookup (CfFeature feature)
{
	if ((guint)feature >= CF_N_FEATURES)
		return NULL;
	return &features[feature];
}

const char *
cf_feature_to_string (CfFeature feature)
{
	const FeatureInfo *info = lookup (feature);

	return info != NULL ? info->name : NULL;
}

gboolean
cf_feature_from_string (const char *name, CfFeature *ret_feature)
{
	g_return_val_if_fail (ret_feature != NULL, FALSE);

	if (name == NULL)
		return FALSE;
	for (guint i = 0; i < CF_N_FEATURES; i++) {
		if (g_str_equal (name, features[i].name)) {
			*ret_feature = (CfFeature)i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
cf_feature_is_refused_in_end_to_end (CfFeature feature)
{
	const FeatureInfo *info = lookup (feature);

	g_return_val_if_fail (info != NULL, FALSE);
	return info->r9;
}

gboolean
cf_features_check (CfFeature feature, gboolean end_to_end, GError **error)
{
	const FeatureInfo *info = lookup (feature);

	g_return_val_if_fail (info != NULL, FALSE);

	if (end_to_end && info->r9) {
		g_set_error (error,
			     CF_ERROR,
			     CF_ERROR_NOT_AVAILABLE_IN_END_TO_END,
			     "%s (%s) is not available in an end-to-end encrypted call",
			     info->description,
			     info->name);
		return FALSE;
	}
	return TRUE;
}

char **
cf_features_list (gboolean end_to_end, CfFeatureSet possible)
{
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

	for (guint i = 0; i < CF_N_FEATURES; i++) {
		if ((possible & CF_FEATURE_BIT (i)) == 0)
			continue;
		if (!cf_features_check ((CfFeature)i, end_to_end, NULL))
			continue;
		g_strv_builder_add (builder, features[i].name);
	}
	return g_strv_builder_end (builder);
}
