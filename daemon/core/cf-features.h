/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The one place that decides which call features may be used (DESIGN.md R9,
 * §5 `Features`). Every feature of a call, when it is asked for and when the
 * call's `Features` property is computed, goes through here:
 *
 *   - Before doing a feature, call cf_features_check (feature, end_to_end,
 *     error) with end_to_end = the call's Encryption is "end-to-end"; do the
 *     feature only when it returns TRUE. It refuses the R9 features in an
 *     end-to-end encrypted call with CF_ERROR_NOT_AVAILABLE_IN_END_TO_END
 *     (D-Bus org.confab.Confab1.Error.NotAvailableInEndToEnd), whose message
 *     names the feature by its D-Bus name.
 *   - The call's `Features` property is cf_features_list (end_to_end, set),
 *     where set holds what the call could do right now if encryption did not
 *     matter (what is implemented, allowed by policy and possible in the
 *     call's state): the R9 features are removed from it in an end-to-end
 *     call.
 *
 * R9 features: each would let the media or the call leave the two
 * end-points' keys (a recording or transcript, a third party, another device
 * or a server holding the call): record, captions, transfer,
 * consult-transfer, merge, park, move-to-device, add-participant. The other
 * features (video, screen-share, chat, dtmf) work in every call.
 *
 * A new feature: add it to CfFeature (before CF_N_FEATURES), to the table in
 * cf-features.c with its D-Bus name and whether R9 covers it, and to
 * DESIGN.md §5. */
typedef enum {
	/* R9: unavailable in an end-to-end encrypted call */
	CF_FEATURE_RECORD,	     /* "record" */
	CF_FEATURE_CAPTIONS,	     /* "captions": live captions and transcription */
	CF_FEATURE_TRANSFER,	     /* "transfer" */
	CF_FEATURE_CONSULT_TRANSFER, /* "consult-transfer": consult, then transfer */
	CF_FEATURE_MERGE,	     /* "merge" */
	CF_FEATURE_PARK,	     /* "park" */
	CF_FEATURE_MOVE_TO_DEVICE,   /* "move-to-device": transfer to another device */
	CF_FEATURE_ADD_PARTICIPANT,  /* "add-participant" */
	/* available in every call */
	CF_FEATURE_VIDEO,	     /* "video" */
	CF_FEATURE_SCREEN_SHARE,     /* "screen-share" */
	CF_FEATURE_CHAT,	     /* "chat" */
	CF_FEATURE_DTMF,	     /* "dtmf" */
} CfFeature;

#define CF_N_FEATURES (CF_FEATURE_DTMF + 1)

/* A set of features: bit CF_FEATURE_BIT (f) is set for each feature f. */
typedef guint32 CfFeatureSet;
#define CF_FEATURE_BIT(feature) ((CfFeatureSet)1 << (feature))
#define CF_FEATURE_SET_ALL ((CfFeatureSet)((1u << CF_N_FEATURES) - 1))

G_STATIC_ASSERT (CF_N_FEATURES <= 32);

/* The D-Bus name ("record", "consult-transfer", ...), or NULL for a value
 * outside the enum. (transfer none) */
const char *cf_feature_to_string (CfFeature feature);

/* The feature named @name (its D-Bus name, exactly); FALSE for any other
 * string. *@ret_feature is untouched on failure. */
gboolean cf_feature_from_string (const char *name, CfFeature *ret_feature);

/* TRUE for the R9 features: refused in an end-to-end encrypted call. */
gboolean cf_feature_is_refused_in_end_to_end (CfFeature feature);

/* The rule: TRUE when @feature may be used in a call that is (@end_to_end)
 * or is not end-to-end encrypted. FALSE with CF_ERROR /
 * CF_ERROR_NOT_AVAILABLE_IN_END_TO_END for an R9 feature in an end-to-end
 * call, e.g. "recording (record) is not available in an end-to-end encrypted
 * call". Whether the feature is implemented or possible in the call's state
 * is the caller's business. */
gboolean cf_features_check (CfFeature feature, gboolean end_to_end, GError **error);

/* The `Features` property: the D-Bus names of the features in @possible
 * (what the call could do now), without the R9 ones when @end_to_end, in
 * enum order (the order of DESIGN.md §5). Bits beyond CF_N_FEATURES are
 * ignored.
 * Returns: (transfer full): a NULL-terminated array, never NULL. */
char **cf_features_list (gboolean end_to_end, CfFeatureSet possible);

G_END_DECLS
