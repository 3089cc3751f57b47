/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "cf-settings.h"

static void
test_defaults (void)
{
	g_autoptr (CfSettings) s = cf_settings_new (NULL);
	GPtrArray *listen = cf_settings_get_listen (s);
	CfListenSpec *udp;
	CfZrtpKeyAgreement ka[2];

	g_assert_false (cf_settings_get_end_to_end_encryption (s));
	g_assert_cmpuint (cf_settings_get_zrtp_key_agreements (s, ka), ==, 0);
	g_assert_false (cf_settings_get_auto_answer (s));
	g_assert_null (cf_settings_get_account_uri (s));
	g_assert_cmpuint (cf_settings_get_no_answer_timeout (s), ==, 60);
	g_assert_false (cf_settings_get_allow_plain_rtp (s));
	g_assert_cmpuint (cf_settings_get_media_timeout (s), ==, 30);
	g_assert_cmpuint (listen->len, ==, 2);
	udp = g_ptr_array_index (listen, 0);
	g_assert_cmpint (udp->transport, ==, CF_LISTEN_UDP);
	g_assert_cmpstr (udp->host, ==, "0.0.0.0");
	g_assert_cmpuint (udp->port, ==, 5060);
	g_assert_cmpuint (g_strv_length ((GStrv) cf_settings_get_warnings (s)), ==, 0);
}

static void
test_full (void)
{
	g_autoptr (CfSettings) s = cf_settings_new (NULL);
	g_autoptr (GError) error = NULL;
	GPtrArray *listen;
	CfListenSpec *spec;
	CfZrtpKeyAgreement ka[2];
	const char *data = "# a comment\n"
			   "[account]\n"
			   "uri = sip:alice@example.org\n"
			   "display-name = Alice Example\n"
			   "registrar = sip:example.org;transport=tls\n"
			   "username = alice\n"
			   "password-file = /run/credentials/confabd.service/sip-password\n"
			   "[sip]\n"
			   "listen = udp:127.0.0.1:5070, tcp:[::1]:5071, tls:127.0.0.1:0\n"
			   "tls-certificate = /etc/confab/cert.pem\n"
			   "tls-key = /etc/confab/key.pem\n"
			   "[media]\n"
			   "audio-source =\n"
			   "local-addresses = 127.0.0.1, ::1\n"
			   "stun-server = stun.example.org:3478\n"
			   "allow-plain-rtp = true\n"
			   "media-timeout = 12\n"
			   "[privacy]\n"
			   "end-to-end-encryption = true\n"
			   "zrtp-key-agreements = DH3K, x255\n"
			   "[calls]\n"
			   "auto-answer = yes\n"
			   "no-answer-timeout = 5\n";

	g_assert_true (cf_settings_load_from_data (s, data, -1, &error));
	g_assert_no_error (error);
	g_assert_true (cf_settings_get_end_to_end_encryption (s));
	g_assert_cmpuint (cf_settings_get_zrtp_key_agreements (s, ka), ==, 2);
	g_assert_cmpint (ka[0], ==, CF_ZRTP_KA_DH3K);
	g_assert_cmpint (ka[1], ==, CF_ZRTP_KA_X255);
	g_assert_true (cf_settings_get_auto_answer (s));
	g_assert_cmpuint (cf_settings_get_no_answer_timeout (s), ==, 5);
	g_assert_true (cf_settings_get_allow_plain_rtp (s));
	g_assert_cmpuint (cf_settings_get_media_timeout (s), ==, 12);
	g_assert_cmpstr (cf_settings_get_account_uri (s), ==, "sip:alice@example.org");
	g_assert_cmpstr (cf_settings_get_display_name (s), ==, "Alice Example");
	g_assert_cmpstr (cf_settings_get_registrar (s), ==, "sip:example.org;transport=tls");
	g_assert_null (cf_settings_get_audio_source (s));
	g_assert_cmpstr (cf_settings_get_stun_server (s), ==, "stun.example.org:3478");
	g_assert_cmpuint (g_strv_length ((GStrv) cf_settings_get_local_addresses (s)), ==, 2);
	g_assert_cmpstr (cf_settings_get_local_addresses (s)[1], ==, "::1");
	listen = cf_settings_get_listen (s);
	g_assert_cmpuint (listen->len, ==, 3);
	spec = g_ptr_array_index (listen, 1);
	g_assert_cmpint (spec->transport, ==, CF_LISTEN_TCP);
	g_assert_cmpstr (spec->host, ==, "::1");
	g_assert_cmpuint (spec->port, ==, 5071);
	spec = g_ptr_array_index (listen, 2);
	g_assert_cmpint (spec->transport, ==, CF_LISTEN_TLS);
	g_assert_cmpuint (spec->port, ==, 0);
}

static void
test_unknown_keys_warn (void)
{
	g_autoptr (CfSettings) s = cf_settings_new (NULL);
	g_autoptr (GError) error = NULL;
	const char *const *warnings;

	g_assert_true (cf_settings_load_from_data (s,
						   "[account]\nuri = sip:a@b\ncolour = blue\n"
						   "[gadgets]\nx = 1\n",
						   -1,
						   &error));
	g_assert_no_error (error);
	warnings = cf_settings_get_warnings (s);
	g_assert_cmpuint (g_strv_length ((GStrv) warnings), ==, 2);
	g_assert_nonnull (strstr (warnings[0], "colour"));
	g_assert_nonnull (strstr (warnings[1], "gadgets"));
}

typedef struct {
	const char *data;
	const char *expect; /* part of the message */
} BadCase;

static void
test_bad_values (void)
{
	static const BadCase cases[] = {
		{ "[privacy]\nend-to-end-encryption = maybe\n", "[privacy] end-to-end-encryption: 'maybe' is not a boolean" },
		{ "[calls]\nauto-answer = 2\n", "[calls] auto-answer" },
		{ "[calls]\nno-answer-timeout = 0\n", "no-answer-timeout" },
		{ "[calls]\nno-answer-timeout = 99999\n", "no-answer-timeout" },
		{ "[media]\nmedia-timeout = soon\n", "[media] media-timeout" },
		{ "[media]\nallow-plain-rtp = perhaps\n", "[media] allow-plain-rtp" },
		{ "[privacy]\nzrtp-key-agreements = X255, EC25\n", "'EC25' is not a ZRTP key agreement" },
		{ "[privacy]\nzrtp-key-agreements = X255, x255\n", "listed twice" },
		{ "[media]\nturn-server = 127.0.0.1:3478\nturn-username = u\n", "turn-password-file" },
		{ "[account]\nuri = alice@example.org\n", "not a SIP URI" },
		{ "[account]\nuri = sip:\n", "has no host" },
		{ "[account]\nuri = sip:a b@c\n", "not allowed" },
		{ "[account]\npassword-file = relative/path\n", "absolute path" },
		{ "[sip]\nlisten = sctp:0.0.0.0:5060\n", "unknown transport 'sctp'" },
		{ "[sip]\nlisten = udp:0.0.0.0:70000\n", "not a port number" },
		{ "[sip]\nlisten = udp:0.0.0.0\n", "not host:port" },
		{ "[sip]\nlisten = udp:[::1:5060\n", "[address]:port" },
		{ "[sip]\nlisten = udp\n", "transport:host:port" },
		{ "[sip]\nlisten = tls:0.0.0.0:5061\n", "tls-certificate" },
		{ "[sip]\ntls-certificate = /a.pem\n", "must be set together" },
		{ "[media]\nlocal-addresses = 127.0.0.1, eth0\n", "'eth0' is not an IP address" },
		{ "[media]\nstun-server = stun.example.org\n", "not host:port" },
		{ "[media]\nstun-server = stun.example.org:0\n", "not a port number" },
		{ "not a key file at all\n", "not a valid key file" },
		{ "[account]\ndisplay-name = a\\tb\n", "control character" },
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (CfSettings) s = cf_settings_new (NULL);
		g_autoptr (GError) error = NULL;

		g_test_message ("case %u: %s", i, cases[i].data);
		g_assert_false (cf_settings_load_from_data (s, cases[i].data, -1, &error));
		g_assert_error (error, CF_SETTINGS_ERROR, CF_SETTINGS_ERROR_INVALID);
		if (strstr (error->message, cases[i].expect) == NULL)
			g_error ("case %u: '%s' does not say '%s'", i, error->message, cases[i].expect);
		/* A refused load leaves the defaults. */
		g_assert_false (cf_settings_get_end_to_end_encryption (s));
	}
}

static void
test_too_large (void)
{
	g_autoptr (CfSettings) s = cf_settings_new (NULL);
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) big = g_string_new ("[account]\ndisplay-name = ");

	for (guint i = 0; i < 5000; i++)
		g_string_append (big, "x");
	g_string_append (big, "\n");
	g_assert_false (cf_settings_load_from_data (s, big->str, big->len, &error));
	g_assert_error (error, CF_SETTINGS_ERROR, CF_SETTINGS_ERROR_INVALID);
	g_clear_error (&error);

	while (big->len < 300 * 1024)
		g_string_append (big, "# filler filler filler filler filler filler filler\n");
	g_assert_false (cf_settings_load_from_data (s, big->str, big->len, &error));
	g_assert_error (error, CF_SETTINGS_ERROR, CF_SETTINGS_ERROR_INVALID);
}

static void
test_missing_file (void)
{
	g_autofree char *dir = g_dir_make_tmp ("cf-settings-XXXXXX", NULL);
	g_autofree char *path = g_build_filename (dir, "nothing", "confab.conf", NULL);
	g_autoptr (CfSettings) s = cf_settings_new (path);
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_settings_load (s, &error));
	g_assert_no_error (error);
	g_assert_false (cf_settings_get_end_to_end_encryption (s));
	g_rmdir (dir);
}

static void
on_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
	(*(guint *) user_data)++;
}

static void
test_save_keeps_comments (void)
{
	g_autofree char *dir = g_dir_make_tmp ("cf-settings-XXXXXX", NULL);
	g_autofree char *sub = g_build_filename (dir, "confab", NULL);
	g_autofree char *path = g_build_filename (sub, "confab.conf", NULL);
	g_autoptr (CfSettings) s = cf_settings_new (path);
	g_autoptr (CfSettings) again = cf_settings_new (path);
	g_autoptr (GError) error = NULL;
	g_autofree char *contents = NULL;
	GStatBuf st;
	guint notified = 0;

	g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
	g_assert_true (g_file_set_contents (path,
					    "# my phone\n[account]\nuri = sip:me@example.org\n",
					    -1,
					    NULL));
	g_assert_true (cf_settings_load (s, &error));
	g_signal_connect (s, "notify::end-to-end-encryption", G_CALLBACK (on_notify), &notified);
	g_assert_true (cf_settings_set_end_to_end_encryption (s, TRUE, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (notified, ==, 1);
	/* Setting the same value again changes nothing. */
	g_assert_true (cf_settings_set_end_to_end_encryption (s, TRUE, &error));
	g_assert_cmpuint (notified, ==, 1);

	g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
	g_assert_nonnull (strstr (contents, "# my phone"));
	g_assert_nonnull (strstr (contents, "end-to-end-encryption=true"));
	g_assert_cmpint (g_stat (path, &st), ==, 0);
	g_assert_cmpint (st.st_mode & 0777, ==, 0600);

	g_assert_true (cf_settings_load (again, &error));
	g_assert_true (cf_settings_get_end_to_end_encryption (again));
	g_assert_cmpstr (cf_settings_get_account_uri (again), ==, "sip:me@example.org");

	g_unlink (path);
	g_rmdir (sub);
	g_rmdir (dir);
}

static void
test_save_error (void)
{
	/* A file below a regular file cannot be written. */
	g_autofree char *dir = g_dir_make_tmp ("cf-settings-XXXXXX", NULL);
	g_autofree char *blocker = g_build_filename (dir, "blocker", NULL);
	g_autofree char *path = g_build_filename (blocker, "confab.conf", NULL);
	g_autoptr (CfSettings) s = cf_settings_new (path);
	g_autoptr (GError) error = NULL;

	g_assert_true (g_file_set_contents (blocker, "", -1, NULL));
	g_assert_false (cf_settings_set_end_to_end_encryption (s, TRUE, &error));
	g_assert_error (error, CF_SETTINGS_ERROR, CF_SETTINGS_ERROR_IO);
	/* The value still changed in memory: it applies to this run. */
	g_assert_true (cf_settings_get_end_to_end_encryption (s));
	g_unlink (blocker);
	g_rmdir (dir);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/confab/core/settings/defaults", test_defaults);
	g_test_add_func ("/confab/core/settings/full", test_full);
	g_test_add_func ("/confab/core/settings/unknown-keys", test_unknown_keys_warn);
	g_test_add_func ("/confab/core/settings/bad-values", test_bad_values);
	g_test_add_func ("/confab/core/settings/too-large", test_too_large);
	g_test_add_func ("/confab/core/settings/missing-file", test_missing_file);
	g_test_add_func ("/confab/core/settings/save", test_save_keeps_comments);
	g_test_add_func ("/confab/core/settings/save-error", test_save_error);
	return g_test_run ();
}
