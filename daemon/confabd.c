/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confabd: the Confab call daemon. */
#define G_LOG_DOMAIN "confabd"

#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

#include "cf-error.h"
#include "cf-manager.h"
#include "cf-policy.h"
#include "cf-redact.h"
#include "cf-settings.h"
#include "cf-srtp.h"
#include "cf-state-db.h"
#include "cf-user-agent.h"

#define CF_BUS_NAME "org.confab.Confab1"

/* Exit codes (as systemd's): 0 success, 1 failure, 2 usage, 78 bad configuration. */
enum {
	EXIT_USAGE = 2,
	EXIT_CONFIG = 78,
};

typedef struct {
	GMainLoop *loop;
	GDBusConnection *connection;
	GDBusObjectManagerServer *object_manager;
	CfSettings *settings;
	CfPolicy *policy;
	CfStateDb *db;
	CfHistory *history;
	CfZrtpCache *zrtp_cache;
	CfUserAgent *user_agent;
	CfManager *manager;
	guint name_id;
	int exit_code;
} Daemon;

static void
daemon_clear (Daemon *d)
{
	if (d->name_id != 0)
		g_bus_unown_name (d->name_id);
	if (d->manager != NULL)
		g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (d->manager));
	g_clear_object (&d->manager);
	/* Ends the calls still up (BYE, CANCEL, decline) before the stack goes. */
	if (d->user_agent != NULL)
		g_object_run_dispose (G_OBJECT (d->user_agent));
	g_clear_object (&d->user_agent);
	g_clear_object (&d->history);
	g_clear_object (&d->zrtp_cache);
	g_clear_object (&d->db);
	g_clear_object (&d->object_manager);
	g_clear_object (&d->policy);
	g_clear_object (&d->settings);
	g_clear_object (&d->connection);
	g_clear_pointer (&d->loop, g_main_loop_unref);
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
	g_info ("ready: owns %s", name);
	sd_notify (0, "READY=1\nSTATUS=Ready, no calls");
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
	Daemon *d = user_data;

	if (connection == NULL)
		g_printerr ("confabd: lost the connection to the message bus\n");
	else
		g_printerr ("confabd: cannot own %s on this bus: is another confabd running?\n", name);
	d->exit_code = EXIT_FAILURE;
	g_main_loop_quit (d->loop);
}

static gboolean
on_sigterm (gpointer user_data)
{
	Daemon *d = user_data;

	g_info ("stopping");
	sd_notify (0, "STOPPING=1");
	g_main_loop_quit (d->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_sighup (gpointer user_data)
{
	Daemon *d = user_data;
	g_autoptr (GError) error = NULL;

	sd_notify (0, "RELOADING=1");
	if (!cf_policy_load (d->policy, &error))
		g_warning ("policy not reloaded, the previous one stays in force: %s", error->message);
	else
		g_info ("policy reloaded from %s", cf_policy_get_path (d->policy));
	sd_notify (0, "READY=1");
	return G_SOURCE_CONTINUE;
}

static void
print_warnings (const char *path, const char *const *warnings)
{
	for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
		g_warning ("%s: %s", path, warnings[i]);
}

static const char description[] =
	"confabd makes and takes one-on-one SIP calls with audio, video and screen\n"
	"sharing, encrypts every call, and end-to-end encrypts it (ZRTP) when both\n"
	"people turned that on and policy allows it. Everything it does is exported\n"
	"on D-Bus as org.confab.Confab1; use confabctl(1) or any D-Bus client.\n"
	"\n"
	"Files:\n"
	"  $XDG_CONFIG_HOME/confab/confab.conf   user settings (GKeyFile; see README.md)\n"
	"  /etc/confab/policy.conf               administrator's policy (see --policy)\n"
	"  $XDG_STATE_HOME/confab/confab.db      call history, key continuity cache\n"
	"  $XDG_DATA_HOME/confab/recordings/     recordings\n"
	"\n"
	"Signals:\n"
	"  SIGTERM, SIGINT   stop cleanly\n"
	"  SIGHUP            reload the policy file (it is also watched for changes)\n"
	"\n"
	"Environment:\n"
	"  DBUS_SESSION_BUS_ADDRESS, XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_DATA_HOME,\n"
	"  XDG_RUNTIME_DIR are honoured; G_MESSAGES_DEBUG=all shows debug messages.\n"
	"\n"
	"Exit status:\n"
	"  0 stopped cleanly, 1 failure (e.g. bus name already owned), 2 bad usage,\n"
	"  78 bad configuration or policy file.\n";

int
main (int argc, char **argv)
{
	Daemon d = { .exit_code = EXIT_SUCCESS };
	gboolean opt_system = FALSE;
	gboolean opt_verbose = FALSE;
	gboolean opt_version = FALSE;
	gboolean opt_personal = FALSE;
	g_autofree char *opt_config = NULL;
	g_autofree char *opt_policy = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GOptionContext) context = NULL;
	const GOptionEntry entries[] = {
		{ "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, "Use the system bus instead of the session bus", NULL },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config, "Read settings from FILE (default: $XDG_CONFIG_HOME/confab/confab.conf)", "FILE" },
		{ "policy", 'p', 0, G_OPTION_ARG_FILENAME, &opt_policy, "Read the administrator's policy from FILE (default: " CF_DEFAULT_POLICY_PATH ")", "FILE" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Log debug messages", NULL },
		{ "show-personal-info", 0, 0, G_OPTION_ARG_NONE, &opt_personal, "Show addresses and chat text in logs (redacted by default)", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL },
		{ NULL },
	};

	setlocale (LC_ALL, "");
	/* Logs go to stderr (or the journal); stdout is for output. */
	g_log_writer_default_set_use_stderr (TRUE);
	context = g_option_context_new ("- the Confab call daemon");
	g_option_context_add_main_entries (context, entries, NULL);
	g_option_context_set_description (context, description);
	if (!g_option_context_parse (context, &argc, &argv, &error)) {
		g_printerr ("confabd: %s\nTry 'confabd --help'.\n", error->message);
		return EXIT_USAGE;
	}
	if (argc > 1) {
		g_printerr ("confabd: unexpected argument '%s'\nTry 'confabd --help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	if (opt_version) {
		g_print ("confabd %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (opt_verbose)
		g_log_set_debug_enabled (TRUE);
	cf_redact_set_show_personal (opt_personal);

	/* Register the D-Bus error names before anything can fail with them. */
	(void) CF_ERROR;

	if (opt_config == NULL)
		opt_config = cf_settings_default_path ();
	d.settings = cf_settings_new (opt_config);
	if (!cf_settings_load (d.settings, &error)) {
		g_printerr ("confabd: bad configuration: %s\n", error->message);
		daemon_clear (&d);
		return EXIT_CONFIG;
	}
	print_warnings (opt_config, cf_settings_get_warnings (d.settings));

	d.policy = cf_policy_new (opt_policy != NULL ? opt_policy : CF_DEFAULT_POLICY_PATH);
	if (!cf_policy_load (d.policy, &error)) {
		g_printerr ("confabd: bad policy: %s\n", error->message);
		daemon_clear (&d);
		return EXIT_CONFIG;
	}
	print_warnings (cf_policy_get_path (d.policy), cf_policy_get_warnings (d.policy));
	if (!cf_policy_watch (d.policy, &error)) {
		g_warning ("policy changes will need SIGHUP: %s", error->message);
		g_clear_error (&error);
	}

	{
		g_autofree char *db_path = cf_state_db_default_path ();

		d.db = cf_state_db_open (db_path, &error);
		if (d.db == NULL) {
			g_printerr ("confabd: cannot open the state database: %s\n", error->message);
			daemon_clear (&d);
			return EXIT_FAILURE;
		}
		d.history = cf_history_new (d.db);
		d.zrtp_cache = cf_zrtp_cache_new (d.db);
	}
	cf_srtp_init_async ();
	d.user_agent = cf_user_agent_new (d.settings, d.policy, d.history);
	if (!cf_user_agent_set_zrtp_cache (d.user_agent, d.zrtp_cache, &error)) {
		g_printerr ("confabd: cannot read the ZRTP identity: %s\n", error->message);
		daemon_clear (&d);
		return EXIT_FAILURE;
	}
	if (!cf_user_agent_start (d.user_agent, &error)) {
		g_printerr ("confabd: cannot start SIP: %s\n", error->message);
		daemon_clear (&d);
		return EXIT_FAILURE;
	}

	d.connection = g_bus_get_sync (opt_system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
	if (d.connection == NULL) {
		g_printerr ("confabd: cannot connect to the %s bus: %s\n",
			    opt_system ? "system" : "session",
			    error->message);
		daemon_clear (&d);
		return EXIT_FAILURE;
	}
	g_dbus_connection_set_exit_on_close (d.connection, FALSE);

	d.loop = g_main_loop_new (NULL, FALSE);
	d.object_manager = g_dbus_object_manager_server_new (CF_MANAGER_OBJECT_PATH);
	g_dbus_object_manager_server_set_connection (d.object_manager, d.connection);
	d.manager = cf_manager_new (d.settings, d.policy, d.user_agent, d.history, d.object_manager);
	if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (d.manager),
					       d.connection,
					       CF_MANAGER_OBJECT_PATH,
					       &error)) {
		g_printerr ("confabd: cannot export %s: %s\n", CF_MANAGER_OBJECT_PATH, error->message);
		daemon_clear (&d);
		return EXIT_FAILURE;
	}

	g_unix_signal_add (SIGTERM, on_sigterm, &d);
	g_unix_signal_add (SIGINT, on_sigterm, &d);
	g_unix_signal_add (SIGHUP, on_sighup, &d);

	d.name_id = g_bus_own_name_on_connection (d.connection,
						  CF_BUS_NAME,
						  G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
						  on_name_acquired,
						  on_name_lost,
						  &d,
						  NULL);

	g_main_loop_run (d.loop);

	g_dbus_connection_flush_sync (d.connection, NULL, NULL);
	daemon_clear (&d);
	return d.exit_code;
}
