/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confabctl: a thin command-line client of confabd, on the generated proxies. */

#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cf-dbus-generated.h"

#define CF_BUS_NAME "org.confab.Confab1"
#define CF_MANAGER_PATH "/org/confab/Confab1"
#define CF_IFACE_PREFIX "org.confab.Confab1."

/* Exit codes scripts can rely on. */
enum {
	EXIT_OK = 0,
	EXIT_DAEMON_ERROR = 1, /* the daemon refused or failed the request */
	EXIT_USAGE = 2,        /* bad command line */
	EXIT_UNAVAILABLE = 69, /* confabd is not running (EX_UNAVAILABLE) */
};

typedef struct {
	gboolean json;
	gboolean system;
	GDBusConnection *connection;
} Ctl;

typedef struct {
	const char *name;
	const char *args;
	const char *help;
	int (*run) (Ctl *ctl, int argc, char **argv);
} Command;

static void
print_json (JsonNode *node)
{
	g_autoptr (JsonGenerator) gen = json_generator_new ();
	g_autofree char *text = NULL;

	json_generator_set_root (gen, node);
	text = json_generator_to_data (gen, NULL);
	g_print ("%s\n", text);
}

static const char *
bus_name (Ctl *ctl)
{
	return ctl->system ? "system" : "session";
}

/* Connects and checks that confabd answers (this also starts it through
 * D-Bus activation where that is installed). */
static int
connect_daemon (Ctl *ctl)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) reply = NULL;

	ctl->connection = g_bus_get_sync (ctl->system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
	if (ctl->connection == NULL) {
		g_printerr ("confabctl: cannot connect to the %s bus: %s\n", bus_name (ctl), error->message);
		return EXIT_UNAVAILABLE;
	}
	reply = g_dbus_connection_call_sync (ctl->connection,
					     CF_BUS_NAME,
					     CF_MANAGER_PATH,
					     "org.freedesktop.DBus.Peer",
					     "Ping",
					     NULL,
					     NULL,
					     G_DBUS_CALL_FLAGS_NONE,
					     25000,
					     NULL,
					     &error);
	if (reply == NULL) {
		if (g_dbus_error_is_remote_error (error)) {
			g_autofree char *name = g_dbus_error_get_remote_error (error);
			if (g_str_equal (name, "org.freedesktop.DBus.Error.ServiceUnknown")
			    || g_str_equal (name, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
				g_printerr ("confabctl: confabd is not running on the %s bus "
					    "(nothing owns %s)\n",
					    bus_name (ctl),
					    CF_BUS_NAME);
				return EXIT_UNAVAILABLE;
			}
		}
		g_printerr ("confabctl: confabd does not answer: %s\n", error->message);
		return EXIT_UNAVAILABLE;
	}
	return EXIT_OK;
}

static CfDBusManager *
get_manager (Ctl *ctl, int *ret_code)
{
	g_autoptr (GError) error = NULL;
	CfDBusManager *manager;

	*ret_code = connect_daemon (ctl);
	if (*ret_code != EXIT_OK)
		return NULL;
	manager = cf_dbus_manager_proxy_new_sync (ctl->connection,
						  G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
						  CF_BUS_NAME,
						  CF_MANAGER_PATH,
						  NULL,
						  &error);
	if (manager == NULL) {
		g_printerr ("confabctl: %s\n", error->message);
		*ret_code = EXIT_DAEMON_ERROR;
	}
	return manager;
}

static const char *
describe_policy (const char *reason)
{
	if (g_str_equal (reason, "admin-disabled"))
		return "disabled by the administrator";
	if (g_str_equal (reason, "compliance-recording"))
		return "unavailable: calls are recorded for compliance";
	return "allowed";
}

static int
cmd_status (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (CfDBusManager) m = NULL;
	int code;

	if (argc != 0) {
		g_printerr ("confabctl: status takes no arguments\n");
		return EXIT_USAGE;
	}
	m = get_manager (ctl, &code);
	if (m == NULL)
		return code;

	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "version");
		json_builder_add_string_value (b, cf_dbus_manager_get_version (m));
		json_builder_set_member_name (b, "local_uri");
		json_builder_add_string_value (b, cf_dbus_manager_get_local_uri (m));
		json_builder_set_member_name (b, "end_to_end_encryption");
		json_builder_add_boolean_value (b, cf_dbus_manager_get_end_to_end_encryption (m));
		json_builder_set_member_name (b, "end_to_end_allowed");
		json_builder_add_boolean_value (b, cf_dbus_manager_get_end_to_end_allowed (m));
		json_builder_set_member_name (b, "policy_reason");
		json_builder_add_string_value (b, cf_dbus_manager_get_policy_reason (m));
		json_builder_set_member_name (b, "compliance_recording");
		json_builder_add_boolean_value (b, cf_dbus_manager_get_compliance_recording (m));
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		print_json (root);
		return EXIT_OK;
	}

	g_print ("Version:                %s\n", cf_dbus_manager_get_version (m));
	g_print ("Local URI:              %s\n",
		 *cf_dbus_manager_get_local_uri (m) ? cf_dbus_manager_get_local_uri (m) : "(none)");
	g_print ("End-to-end encryption:  %s\n",
		 cf_dbus_manager_get_end_to_end_encryption (m) ? "on" : "off");
	g_print ("Administrator policy:   end-to-end encryption %s\n",
		 describe_policy (cf_dbus_manager_get_policy_reason (m)));
	g_print ("Compliance recording:   %s\n",
		 cf_dbus_manager_get_compliance_recording (m) ? "yes" : "no");
	if (cf_dbus_manager_get_end_to_end_encryption (m) && !cf_dbus_manager_get_end_to_end_allowed (m))
		g_print ("Note: calls use standard encryption while the policy forbids end-to-end.\n");
	return EXIT_OK;
}

static gboolean
parse_on_off (const char *arg, gboolean *ret)
{
	if (g_str_equal (arg, "on") || g_str_equal (arg, "true") || g_str_equal (arg, "yes")) {
		*ret = TRUE;
		return TRUE;
	}
	if (g_str_equal (arg, "off") || g_str_equal (arg, "false") || g_str_equal (arg, "no")) {
		*ret = FALSE;
		return TRUE;
	}
	return FALSE;
}

static int
cmd_e2ee (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (CfDBusManager) m = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GVariant) reply = NULL;
	gboolean want = FALSE;
	gboolean on;
	int code;

	if (argc > 1 || (argc == 1 && !parse_on_off (argv[0], &want))) {
		g_printerr ("confabctl: usage: confabctl e2ee [on|off]\n");
		return EXIT_USAGE;
	}
	m = get_manager (ctl, &code);
	if (m == NULL)
		return code;

	if (argc == 1) {
		/* A synchronous Set, so that a refusal is reported and the exit code means it. */
		reply = g_dbus_connection_call_sync (ctl->connection,
						     CF_BUS_NAME,
						     CF_MANAGER_PATH,
						     "org.freedesktop.DBus.Properties",
						     "Set",
						     g_variant_new ("(ssv)",
								    CF_IFACE_PREFIX "Manager",
								    "EndToEndEncryption",
								    g_variant_new_boolean (want)),
						     NULL,
						     G_DBUS_CALL_FLAGS_NONE,
						     25000,
						     NULL,
						     &error);
		if (reply == NULL) {
			g_dbus_error_strip_remote_error (error);
			g_printerr ("confabctl: cannot change the setting: %s\n", error->message);
			return EXIT_DAEMON_ERROR;
		}
		on = want;
	} else {
		on = cf_dbus_manager_get_end_to_end_encryption (m);
	}

	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "end_to_end_encryption");
		json_builder_add_boolean_value (b, on);
		json_builder_set_member_name (b, "end_to_end_allowed");
		json_builder_add_boolean_value (b, cf_dbus_manager_get_end_to_end_allowed (m));
		json_builder_set_member_name (b, "policy_reason");
		json_builder_add_string_value (b, cf_dbus_manager_get_policy_reason (m));
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		print_json (root);
	} else {
		g_print ("%s\n", on ? "on" : "off");
		if (on && !cf_dbus_manager_get_end_to_end_allowed (m))
			g_printerr ("confabctl: note: end-to-end encryption is %s; calls use standard "
				    "encryption until the policy allows it\n",
				    describe_policy (cf_dbus_manager_get_policy_reason (m)));
	}
	return EXIT_OK;
}

/* ---- monitor ---- */

static char *
now_string (void)
{
	g_autoptr (GDateTime) now = g_date_time_new_now_local ();
	return g_date_time_format (now, "%H:%M:%S");
}

static const char *
short_iface (const char *iface)
{
	return g_str_has_prefix (iface, CF_IFACE_PREFIX) ? iface + strlen (CF_IFACE_PREFIX) : iface;
}

static void
monitor_print (Ctl *ctl,
	       const char *path,
	       const char *kind,
	       const char *name,
	       GVariant *value)
{
	g_autofree char *time = now_string ();

	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "time");
		json_builder_add_string_value (b, time);
		json_builder_set_member_name (b, "path");
		json_builder_add_string_value (b, path);
		json_builder_set_member_name (b, "event");
		json_builder_add_string_value (b, kind);
		json_builder_set_member_name (b, "name");
		json_builder_add_string_value (b, name);
		if (value != NULL) {
			json_builder_set_member_name (b, "value");
			json_builder_add_value (b, json_gvariant_serialize (value));
		}
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		print_json (root);
	} else {
		g_autofree char *text = value != NULL ? g_variant_print (value, FALSE) : NULL;
		g_print ("%s %s %s %s%s%s\n",
			 time,
			 path,
			 kind,
			 name,
			 text != NULL ? " = " : "",
			 text != NULL ? text : "");
	}
}

static void
on_signal (GDBusConnection *connection,
	   const char *sender,
	   const char *path,
	   const char *iface,
	   const char *signal,
	   GVariant *params,
	   gpointer user_data)
{
	Ctl *ctl = user_data;

	if (g_str_equal (iface, "org.freedesktop.DBus.Properties")
	    && g_str_equal (signal, "PropertiesChanged")) {
		const char *changed_iface;
		g_autoptr (GVariant) changed = NULL;
		g_autofree const char **invalidated = NULL;
		GVariantIter iter;
		const char *key;
		GVariant *value;

		g_variant_get (params, "(&s@a{sv}^a&s)", &changed_iface, &changed, &invalidated);
		g_variant_iter_init (&iter, changed);
		while (g_variant_iter_next (&iter, "{&sv}", &key, &value)) {
			g_autofree char *full = g_strdup_printf ("%s.%s", short_iface (changed_iface), key);
			monitor_print (ctl, path, "property", full, value);
			g_variant_unref (value);
		}
		return;
	}
	if (g_str_equal (iface, "org.freedesktop.DBus.ObjectManager")) {
		const char *object = NULL;
		g_variant_get_child (params, 0, "&o", &object);
		monitor_print (ctl,
			       object,
			       g_str_equal (signal, "InterfacesAdded") ? "added" : "removed",
			       "object",
			       NULL);
		return;
	}
	{
		g_autofree char *full = g_strdup_printf ("%s.%s", short_iface (iface), signal);
		monitor_print (ctl, path, "signal", full, params);
	}
}

static void
on_name_owner_changed (GDBusConnection *connection,
		       const char *sender,
		       const char *path,
		       const char *iface,
		       const char *signal,
		       GVariant *params,
		       gpointer user_data)
{
	Ctl *ctl = user_data;
	const char *name, *old_owner, *new_owner;

	g_variant_get (params, "(&s&s&s)", &name, &old_owner, &new_owner);
	monitor_print (ctl,
		       CF_MANAGER_PATH,
		       "daemon",
		       *new_owner != '\0' ? "started" : "stopped",
		       NULL);
}

static gboolean
on_interrupt (gpointer user_data)
{
	g_main_loop_quit (user_data);
	return G_SOURCE_REMOVE;
}

static int
cmd_monitor (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (GMainLoop) loop = NULL;
	int code;

	if (argc != 0) {
		g_printerr ("confabctl: monitor takes no arguments\n");
		return EXIT_USAGE;
	}
	code = connect_daemon (ctl);
	if (code != EXIT_OK)
		return code;

	g_dbus_connection_signal_subscribe (ctl->connection,
					    CF_BUS_NAME,
					    NULL,
					    NULL,
					    NULL,
					    NULL,
					    G_DBUS_SIGNAL_FLAGS_NONE,
					    on_signal,
					    ctl,
					    NULL);
	g_dbus_connection_signal_subscribe (ctl->connection,
					    "org.freedesktop.DBus",
					    "org.freedesktop.DBus",
					    "NameOwnerChanged",
					    "/org/freedesktop/DBus",
					    CF_BUS_NAME,
					    G_DBUS_SIGNAL_FLAGS_NONE,
					    on_name_owner_changed,
					    ctl,
					    NULL);
	/* Subscriptions are in place once the bus has answered a round trip. */
	{
		g_autoptr (GVariant) r = g_dbus_connection_call_sync (ctl->connection,
								      "org.freedesktop.DBus",
								      "/org/freedesktop/DBus",
								      "org.freedesktop.DBus.Peer",
								      "Ping",
								      NULL,
								      NULL,
								      G_DBUS_CALL_FLAGS_NONE,
								      -1,
								      NULL,
								      NULL);
	}
	if (!ctl->json)
		g_printerr ("Monitoring %s on the %s bus; press Ctrl-C to stop.\n", CF_BUS_NAME, bus_name (ctl));
	monitor_print (ctl, CF_MANAGER_PATH, "monitor", "ready", NULL);

	loop = g_main_loop_new (NULL, FALSE);
	g_unix_signal_add (SIGINT, on_interrupt, loop);
	g_unix_signal_add (SIGTERM, on_interrupt, loop);
	g_main_loop_run (loop);
	return EXIT_OK;
}

static const Command commands[] = {
	{ "status", "", "Show the daemon's settings and the administrator's policy", cmd_status },
	{ "e2ee", "[on|off]", "Show or change the end-to-end encrypted calls setting", cmd_e2ee },
	{ "monitor", "", "Print every property change and signal as it happens, until interrupted", cmd_monitor },
};

static char *
commands_help (void)
{
	GString *s = g_string_new ("Commands:\n");

	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		g_autofree char *usage = g_strdup_printf ("%s %s", commands[i].name, commands[i].args);
		g_string_append_printf (s, "  %-22s %s\n", usage, commands[i].help);
	}
	g_string_append (s,
			 "\nExit status:\n"
			 "  0   success\n"
			 "  1   the daemon refused or failed the request\n"
			 "  2   bad usage\n"
			 "  69  confabd is not running (or the bus is unreachable)\n");
	return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
	Ctl ctl = { 0 };
	gboolean opt_version = FALSE;
	g_autoptr (GOptionContext) context = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *help = NULL;
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &ctl.json, "Print JSON, for scripts", NULL },
		{ "system", 0, 0, G_OPTION_ARG_NONE, &ctl.system, "Talk to the daemon on the system bus", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print confabctl's version and exit", NULL },
		{ NULL },
	};
	int code = EXIT_USAGE;

	setlocale (LC_ALL, "");
	/* Logs go to stderr (or the journal); stdout is for output. */
	g_log_writer_default_set_use_stderr (TRUE);
	/* Line-buffered even into a pipe, so that monitor output arrives as it happens. */
	setvbuf (stdout, NULL, _IOLBF, 0);

	context = g_option_context_new ("COMMAND [ARGS...] - control the Confab call daemon");
	g_option_context_add_main_entries (context, entries, NULL);
	help = commands_help ();
	g_option_context_set_description (context, help);
	g_option_context_set_strict_posix (context, FALSE);
	if (!g_option_context_parse (context, &argc, &argv, &error)) {
		g_printerr ("confabctl: %s\nTry 'confabctl --help'.\n", error->message);
		return EXIT_USAGE;
	}
	if (opt_version) {
		g_print ("confabctl %s\n", PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (argc < 2) {
		g_printerr ("confabctl: no command given\nTry 'confabctl --help'.\n");
		return EXIT_USAGE;
	}
	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		if (g_str_equal (argv[1], commands[i].name)) {
			code = commands[i].run (&ctl, argc - 2, argv + 2);
			g_clear_object (&ctl.connection);
			return code;
		}
	}
	g_printerr ("confabctl: unknown command '%s'\nTry 'confabctl --help'.\n", argv[1]);
	return EXIT_USAGE;
}
