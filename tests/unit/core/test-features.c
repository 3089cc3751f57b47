/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <string.h>

#include "cf-error.h"
#include "cf-features.h"

/* DESIGN.md §5 `Features`, in its order. */
static const char *const design_names[] = {
	"record", "captions",	   "transfer", "consult-transfer", "merge", "park",
	"move-to-device", "add-participant", "video", "screen-share", "chat", "dtmf",
};

/* DESIGN.md R9: recording, live captions and transcription, call transfer,
 * consult-then-transfer, call merge, call park, transfer to another device,
 * adding a participant. */
static const char *const r9_names[] = {
	"record", "captions", "transfer", "consult-transfer",
	"merge",  "park",     "move-to-device", "add-participant",
};

static gboolean
is_r9_name (const char *name)
{
	for (gsize i = 0; i < G_N_ELEMENTS (r9_names); i++) {
		if (g_str_equal (name, r9_names[i]))
			return TRUE;
	}
	return FALSE;
}

static void
test_names (void)
{
	CfFeature feature = CF_FEATURE_DTMF;

	g_assert_cmpuint (CF_N_FEATURES, ==, G_N_ELEMENTS (design_names));
	for (guint i = 0; i < CF_N_FEATURES; i++) {
		const char *name = cf_feature_to_string ((CfFeature)i);

		g_assert_cmpstr (name, ==, design_names[i]);
		g_assert_true (cf_feature_from_string (name, &feature));
		g_assert_cmpuint (feature, ==, i);
	}
	g_assert_null (cf_feature_to_string ((CfFeature)CF_N_FEATURES));

	/* exact names only; the out-parameter is untouched on failure */
	feature = CF_FEATURE_CHAT;
	g_assert_false (cf_feature_from_string ("Record", &feature));
	g_assert_false (cf_feature_from_string ("record ", &feature));
	g_assert_false (cf_feature_from_string ("", &feature));
	g_assert_false (cf_feature_from_string ("recording", &feature));
	g_assert_false (cf_feature_from_string (NULL, &feature));
	g_assert_cmpuint (feature, ==, CF_FEATURE_CHAT);
}

static void
test_r9_set (void)
{
	guint n_r9 = 0;

	for (guint i = 0; i < CF_N_FEATURES; i++) {
		const char *name = cf_feature_to_string ((CfFeature)i);
		gboolean refused = cf_feature_is_refused_in_end_to_end ((CfFeature)i);

		g_assert_cmpint (refused, ==, is_r9_name (name));
		n_r9 += refused;
	}
	g_assert_cmpuint (n_r9, ==, G_N_ELEMENTS (r9_names));
}

static void
test_check (void)
{
	for (guint i = 0; i < CF_N_FEATURES; i++) {
		g_autoptr (GError) error = NULL;
		CfFeature feature = (CfFeature)i;
		const char *name = cf_feature_to_string (feature);

		/* a standard call: everything */
		g_assert_true (cf_features_check (feature, FALSE, &error));
		g_assert_no_error (error);

		if (!is_r9_name (name)) {
			g_assert_true (cf_features_check (feature, TRUE, &error));
			g_assert_no_error (error);
			continue;
		}
		g_assert_false (cf_features_check (feature, TRUE, &error));
		g_assert_error (error, CF_ERROR, CF_ERROR_NOT_AVAILABLE_IN_END_TO_END);
		g_assert_nonnull (strstr (error->message, name));
		g_assert_nonnull (strstr (error->message, "end-to-end"));
		g_test_message ("%s", error->message);

		/* a NULL error is fine */
		g_assert_false (cf_features_check (feature, TRUE, NULL));
	}
}

static void
test_dbus_error_name (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *dbus_name = NULL;

	g_assert_false (cf_features_check (CF_FEATURE_RECORD, TRUE, &error));
	dbus_name = g_dbus_error_encode_gerror (error);
	g_assert_cmpstr (dbus_name, ==, "org.confab.Confab1.Error.NotAvailableInEndToEnd");
}

static void
assert_strv (char **got, const char *const *expected, gsize n_expected)
{
	g_assert_nonnull (got);
	g_assert_cmpuint (g_strv_length (got), ==, n_expected);
	for (gsize i = 0; i < n_expected; i++)
		g_assert_cmpstr (got[i], ==, expected[i]);
}

static void
test_list (void)
{
	static const char *const not_r9[] = { "video", "screen-share", "chat", "dtmf" };
	static const char *const some[] = { "record", "merge", "dtmf" };
	static const char *const some_e2e[] = { "dtmf" };
	CfFeatureSet some_set = CF_FEATURE_BIT (CF_FEATURE_DTMF)
				| CF_FEATURE_BIT (CF_FEATURE_MERGE)
				| CF_FEATURE_BIT (CF_FEATURE_RECORD);
	g_auto (GStrv) all = cf_features_list (FALSE, CF_FEATURE_SET_ALL);
	g_auto (GStrv) all_e2e = cf_features_list (TRUE, CF_FEATURE_SET_ALL);
	g_auto (GStrv) none = cf_features_list (FALSE, 0);
	g_auto (GStrv) none_e2e = cf_features_list (TRUE, 0);
	g_auto (GStrv) part = cf_features_list (FALSE, some_set);
	g_auto (GStrv) part_e2e = cf_features_list (TRUE, some_set);
	g_auto (GStrv) beyond = cf_features_list (FALSE, ~(CfFeatureSet)0);
	g_auto (GStrv) only_r9_e2e =
		cf_features_list (TRUE, CF_FEATURE_BIT (CF_FEATURE_PARK)
						| CF_FEATURE_BIT (CF_FEATURE_ADD_PARTICIPANT));

	assert_strv (all, design_names, G_N_ELEMENTS (design_names));
	assert_strv (all_e2e, not_r9, G_N_ELEMENTS (not_r9));
	assert_strv (none, NULL, 0);
	assert_strv (none_e2e, NULL, 0);
	assert_strv (part, some, G_N_ELEMENTS (some));
	assert_strv (part_e2e, some_e2e, G_N_ELEMENTS (some_e2e));
	assert_strv (beyond, design_names, G_N_ELEMENTS (design_names));
	assert_strv (only_r9_e2e, NULL, 0);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/core/features/names", test_names);
	g_test_add_func ("/confab/core/features/r9-set", test_r9_set);
	g_test_add_func ("/confab/core/features/check", test_check);
	g_test_add_func ("/confab/core/features/dbus-error-name", test_dbus_error_name);
	g_test_add_func ("/confab/core/features/list", test_list);

	return g_test_run ();
}
