/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "cf-policy.h"

static void
test_missing_file_allows (void)
{
	g_autoptr (CfPolicy) p = cf_policy_new ("/nonexistent/confab/policy.conf");
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_policy_load (p, &error));
	g_assert_no_error (error);
	g_assert_true (cf_policy_get_end_to_end_allowed (p));
	g_assert_cmpstr (cf_policy_get_reason (p), ==, "");
	g_assert_false (cf_policy_get_compliance_recording (p));
}

static void
test_values (void)
{
	struct {
		const char *data;
		gboolean allowed;
		const char *reason;
		gboolean recording;
	} cases[] = {
		{ "", TRUE, "", FALSE },
		{ "[policy]\nend-to-end-encryption = allowed\n", TRUE, "", FALSE },
		{ "[policy]\nend-to-end-encryption = disabled\n", FALSE, "admin-disabled", FALSE },
		{ "[policy]\ncompliance-recording = true\n", FALSE, "compliance-recording", TRUE },
		{ "[policy]\nend-to-end-encryption = disabled\ncompliance-recording = true\n",
		  FALSE, "compliance-recording", TRUE },
		{ "[policy]\nend-to-end-encryption = allowed\ncompliance-recording = false\n",
		  TRUE, "", FALSE },
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (CfPolicy) p = cf_policy_new ("/unused");
		g_autoptr (GError) error = NULL;

		g_assert_true (cf_policy_load_from_data (p, cases[i].data, -1, &error));
		g_assert_no_error (error);
		g_assert_cmpint (cf_policy_get_end_to_end_allowed (p), ==, cases[i].allowed);
		g_assert_cmpstr (cf_policy_get_reason (p), ==, cases[i].reason);
		g_assert_cmpint (cf_policy_get_compliance_recording (p), ==, cases[i].recording);
	}
}

static void
test_archive (void)
{
	g_autoptr (CfPolicy) p = cf_policy_new ("/unused");
	g_autoptr (GError) error = NULL;

	g_assert_cmpstr (cf_policy_get_compliance_archive (p), ==, CF_POLICY_DEFAULT_ARCHIVE);
	g_assert_true (cf_policy_load_from_data (p,
						 "[policy]\ncompliance-recording = true\n"
						 "compliance-archive = /srv/archive\n",
						 -1,
						 &error));
	g_assert_cmpstr (cf_policy_get_compliance_archive (p), ==, "/srv/archive");
}

static void
test_bad (void)
{
	const char *cases[] = {
		"[policy]\nend-to-end-encryption = maybe\n",
		"[policy]\nend-to-end-encryption = true\n",
		"[policy]\ncompliance-recording = yes please\n",
		"[policy]\ncompliance-archive = relative\n",
		"garbage without a group\n",
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (CfPolicy) p = cf_policy_new ("/unused");
		g_autoptr (GError) error = NULL;

		/* Start from a disabled policy: a refused file must leave it in force. */
		g_assert_true (cf_policy_load_from_data (p, "[policy]\nend-to-end-encryption=disabled\n", -1, NULL));
		g_assert_false (cf_policy_load_from_data (p, cases[i], -1, &error));
		g_assert_error (error, CF_POLICY_ERROR, CF_POLICY_ERROR_INVALID);
		g_assert_false (cf_policy_get_end_to_end_allowed (p));
		g_assert_cmpstr (cf_policy_get_reason (p), ==, "admin-disabled");
	}
}

static void
test_unknown_key_warns (void)
{
	g_autoptr (CfPolicy) p = cf_policy_new ("/unused");

	g_assert_true (cf_policy_load_from_data (p, "[policy]\nfoo = bar\n[other]\n", -1, NULL));
	g_assert_cmpuint (g_strv_length ((GStrv) cf_policy_get_warnings (p)), ==, 2);
	g_assert_true (cf_policy_get_end_to_end_allowed (p));
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	g_ptr_array_add (user_data, g_strdup (pspec->name));
}

static gboolean
ptr_array_has (GPtrArray *a, const char *s)
{
	return g_ptr_array_find_with_equal_func (a, s, g_str_equal, NULL);
}

static void
test_notify_only_changes (void)
{
	g_autoptr (CfPolicy) p = cf_policy_new ("/unused");
	g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

	g_signal_connect (p, "notify", G_CALLBACK (on_notify), seen);
	g_assert_true (cf_policy_load_from_data (p, "[policy]\nend-to-end-encryption = allowed\n", -1, NULL));
	g_assert_cmpuint (seen->len, ==, 0);
	g_assert_true (cf_policy_load_from_data (p, "[policy]\nend-to-end-encryption = disabled\n", -1, NULL));
	g_assert_true (ptr_array_has (seen, "end-to-end-allowed"));
	g_assert_true (ptr_array_has (seen, "reason"));
	g_assert_false (ptr_array_has (seen, "compliance-recording"));
}

static gboolean
on_timeout (gpointer user_data)
{
	*(gboolean *) user_data = TRUE;
	return G_SOURCE_REMOVE;
}

static void
test_watch (void)
{
	g_autofree char *dir = g_dir_make_tmp ("cf-policy-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "policy.conf", NULL);
	g_autoptr (CfPolicy) p = cf_policy_new (path);
	g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GError) error = NULL;
	gboolean timed_out = FALSE;
	guint guard;

	g_assert_true (cf_policy_load (p, &error));
	g_assert_true (cf_policy_watch (p, &error));
	g_assert_no_error (error);
	g_signal_connect (p, "notify", G_CALLBACK (on_notify), seen);

	/* Written atomically (rename over), as editors and tools do. */
	g_assert_true (g_file_set_contents (path, "[policy]\ncompliance-recording = true\n", -1, NULL));
	/* A guard against a hang, not a time bound on the result. */
	guard = g_timeout_add_seconds (30, on_timeout, &timed_out);
	while (!ptr_array_has (seen, "compliance-recording") && !timed_out)
		g_main_context_iteration (NULL, TRUE);
	g_assert_false (timed_out);
	g_source_remove (guard);
	g_assert_false (cf_policy_get_end_to_end_allowed (p));
	g_assert_cmpstr (cf_policy_get_reason (p), ==, "compliance-recording");

	/* Removing the file: no administrator, allowed again. */
	g_ptr_array_set_size (seen, 0);
	g_unlink (path);
	guard = g_timeout_add_seconds (30, on_timeout, &timed_out);
	while (!ptr_array_has (seen, "end-to-end-allowed") && !timed_out)
		g_main_context_iteration (NULL, TRUE);
	g_assert_false (timed_out);
	g_source_remove (guard);
	g_assert_true (cf_policy_get_end_to_end_allowed (p));
	g_rmdir (dir);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/confab/core/policy/missing-file", test_missing_file_allows);
	g_test_add_func ("/confab/core/policy/values", test_values);
	g_test_add_func ("/confab/core/policy/archive", test_archive);
	g_test_add_func ("/confab/core/policy/bad", test_bad);
	g_test_add_func ("/confab/core/policy/unknown-key", test_unknown_key_warns);
	g_test_add_func ("/confab/core/policy/notify", test_notify_only_changes);
	g_test_add_func ("/confab/core/policy/watch", test_watch);
	return g_test_run ();
}
