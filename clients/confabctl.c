/* SPDX-License-Identifier: GPL-3.0-or-later */
/* confabctl: a thin command-line client of confabd, on the generated proxies. */

#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf-dbus-generated.h"

#define CF_BUS_NAME "org.confab.Confab1"
#define CF_MANAGER_PATH "/org/confab/Confab1"
#define CF_IFACE_PREFIX "org.confab.Confab1."
#define CF_CALL_PATH_PREFIX "/org/confab/Confab1/Call/"

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
	gboolean unset; /* verify --unset */
	GDBusConnection *connection;
	GHashTable *announced; /* monitor: call path -> the security code last announced */
} Ctl;

typedef struct {
	const char *name;
	const char *args;
	const char *help;
	int (*run) (Ctl *ctl, int argc, char **argv); /* NULL: run_action (action) */
	int action;
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

/* ---- end-to-end encryption ---- */

#define CF_END_TO_END "end-to-end"

/* Why a call is not end-to-end encrypted (EndToEndReason), in words that
 * complete "not end-to-end encrypted: ...". */
static const char *
describe_end_to_end_reason (const char *reason)
{
	if (g_str_equal (reason, "local-disabled"))
		return "it is turned off here ('confabctl e2ee on' turns it on for the next call)";
	if (g_str_equal (reason, "remote-disabled"))
		return "the other side has not turned it on";
	if (g_str_equal (reason, "admin-disabled"))
		return "the administrator's policy does not allow it";
	if (g_str_equal (reason, "compliance-recording"))
		return "calls are recorded for compliance";
	if (g_str_equal (reason, "peer-unsupported"))
		return "the other side's phone does not support it";
	if (g_str_equal (reason, "negotiating"))
		return "the keys are still being agreed";
	if (g_str_equal (reason, "failed"))
		return "the key agreement failed";
	return reason;
}

/* KeyContinuity, in words. */
static const char *
describe_key_continuity (const char *continuity)
{
	if (g_str_equal (continuity, "new"))
		return "first end-to-end call with this peer: compare the code";
	if (g_str_equal (continuity, "continued"))
		return "the same keys as in the last call with this peer";
	if (g_str_equal (continuity, "mismatch"))
		return "WARNING: the peer's keys changed since the last call; someone may be in "
		       "the middle: compare the code";
	return continuity;
}

/* The lock on the shield, where the terminal can show it. */
static const char *
lock_symbol (void)
{
	return g_get_charset (NULL) ? "\xF0\x9F\x94\x92" /* U+1F512 LOCK */ : "[locked]";
}

#define KEY_MISMATCH_WARNING                                                                       \
	"the other side's keys do not match the last call with it: it lost them, or someone "      \
	"is in the middle; compare the security code"

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

/* A line for a person, beside the raw events: @text in text mode, an event
 * @kind named @name with @value (a string) in JSON. */
static void
monitor_note (Ctl *ctl,
	      const char *path,
	      const char *kind,
	      const char *name,
	      const char *value,
	      const char *text)
{
	g_autofree char *time = now_string ();

	if (ctl->json) {
		g_autoptr (GVariant) v = g_variant_ref_sink (g_variant_new_string (value));
		monitor_print (ctl, path, kind, name, v);
		return;
	}
	g_print ("%s %s\n", time, text);
}

/* (transfer full) a string property of the call at @path: from @changed
 * when it is there, else asked of the daemon; "" when it cannot be read. */
static char *
call_string_property (Ctl *ctl, const char *path, GVariant *changed, const char *name)
{
	g_autoptr (GVariant) reply = NULL;
	g_autoptr (GVariant) value = NULL;
	const char *text = NULL;

	if (g_variant_lookup (changed, name, "&s", &text))
		return g_strdup (text);
	reply = g_dbus_connection_call_sync (ctl->connection,
					     CF_BUS_NAME,
					     path,
					     "org.freedesktop.DBus.Properties",
					     "Get",
					     g_variant_new ("(ss)", CF_IFACE_PREFIX "Call", name),
					     G_VARIANT_TYPE ("(v)"),
					     G_DBUS_CALL_FLAGS_NONE,
					     25000,
					     NULL,
					     NULL);
	if (reply == NULL)
		return g_strdup ("");
	g_variant_get (reply, "(v)", &value);
	if (!g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
		return g_strdup ("");
	return g_variant_dup_string (value, NULL);
}

/* After a Call's PropertiesChanged: says when the call became end-to-end
 * encrypted (with its code, once per code) and warns when the peer's keys did
 * not match the last call. */
static void
monitor_end_to_end (Ctl *ctl, const char *path, GVariant *changed)
{
	const char *number = g_str_has_prefix (path, CF_CALL_PATH_PREFIX)
				     ? path + strlen (CF_CALL_PATH_PREFIX)
				     : path;
	const char *continuity = NULL;

	if (g_variant_lookup (changed, "Encryption", "&s", NULL)
	    || g_variant_lookup (changed, "SecurityCode", "&s", NULL)) {
		g_autofree char *encryption =
			call_string_property (ctl, path, changed, "Encryption");
		g_autofree char *code = call_string_property (ctl, path, changed, "SecurityCode");
		const char *announced = g_hash_table_lookup (ctl->announced, path);

		if (g_str_equal (encryption, CF_END_TO_END) && *code != '\0'
		    && g_strcmp0 (announced, code) != 0) {
			g_autofree char *text = g_strdup_printf (
				"call %s: end-to-end encrypted, security code %s", number, code);
			monitor_note (ctl, path, "end-to-end", "SecurityCode", code, text);
			g_hash_table_insert (
				ctl->announced, g_strdup (path), g_steal_pointer (&code));
		}
	}
	if (g_variant_lookup (changed, "KeyContinuity", "&s", &continuity)
	    && g_str_equal (continuity, "mismatch")) {
		g_autofree char *text =
			g_strdup_printf ("call %s: WARNING: %s", number, KEY_MISMATCH_WARNING);
		monitor_note (ctl, path, "warning", "KeyContinuity", continuity, text);
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
		if (g_str_equal (changed_iface, CF_IFACE_PREFIX "Call"))
			monitor_end_to_end (ctl, path, changed);
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
	ctl->announced = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

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
	g_clear_pointer (&ctl->announced, g_hash_table_unref);
	return EXIT_OK;
}


/* ---- calls ---- */

static GDBusObjectManager *
get_object_manager (Ctl *ctl, int *ret_code)
{
	g_autoptr (GError) error = NULL;
	GDBusObjectManager *om;

	*ret_code = connect_daemon (ctl);
	if (*ret_code != EXIT_OK)
		return NULL;
	om = cf_dbus_object_manager_client_new_sync (ctl->connection,
						     G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
						     CF_BUS_NAME,
						     CF_MANAGER_PATH,
						     NULL,
						     &error);
	if (om == NULL) {
		g_printerr ("confabctl: %s\n", error->message);
		*ret_code = EXIT_DAEMON_ERROR;
	}
	return om;
}

static gint
compare_calls (gconstpointer a, gconstpointer b)
{
	const char *pa = g_dbus_object_get_object_path (*(GDBusObject **) a);
	const char *pb = g_dbus_object_get_object_path (*(GDBusObject **) b);
	guint64 na = g_ascii_strtoull (pa + strlen (CF_CALL_PATH_PREFIX), NULL, 10);
	guint64 nb = g_ascii_strtoull (pb + strlen (CF_CALL_PATH_PREFIX), NULL, 10);

	return na < nb ? -1 : na > nb;
}

/* (transfer full) (element-type GDBusObject) the call objects, oldest first */
static GPtrArray *
list_calls (GDBusObjectManager *om)
{
	GList *objects = g_dbus_object_manager_get_objects (om);
	GPtrArray *calls = g_ptr_array_new_with_free_func (g_object_unref);

	for (GList *l = objects; l != NULL; l = l->next) {
		if (g_str_has_prefix (g_dbus_object_get_object_path (l->data), CF_CALL_PATH_PREFIX)
		    && cf_dbus_object_peek_call (CF_DBUS_OBJECT (l->data)) != NULL)
			g_ptr_array_add (calls, g_object_ref (l->data));
	}
	g_list_free_full (objects, g_object_unref);
	g_ptr_array_sort (calls, compare_calls);
	return calls;
}

static const char *
call_number (CfDBusCall *call)
{
	return g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)) + strlen (CF_CALL_PATH_PREFIX);
}

/* Finds the call named @spec (a number or a path); with @spec NULL, the one
 * call whose state is in @states (NULL-terminated; NULL: any live call).
 * (transfer full) */
static CfDBusCall *
find_call (GDBusObjectManager *om, const char *spec, const char *const *states, int *ret_code)
{
	g_autoptr (GPtrArray) calls = list_calls (om);
	CfDBusCall *found = NULL;
	guint matches = 0;

	*ret_code = EXIT_OK;
	for (guint i = 0; i < calls->len; i++) {
		CfDBusCall *call = cf_dbus_object_peek_call (CF_DBUS_OBJECT (g_ptr_array_index (calls, i)));
		const char *state = cf_dbus_call_get_state (call);

		if (spec != NULL) {
			const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));
			if (g_str_equal (spec, path) || g_str_equal (spec, call_number (call)))
				return g_object_ref (call);
			continue;
		}
		if (states != NULL ? g_strv_contains (states, state) : !g_str_equal (state, "ended")) {
			matches++;
			found = call;
		}
	}
	if (spec != NULL) {
		g_printerr ("confabctl: no call %s (see 'confabctl calls')\n", spec);
		*ret_code = EXIT_DAEMON_ERROR;
		return NULL;
	}
	if (matches != 1) {
		g_printerr ("confabctl: %s; name the call (see 'confabctl calls')\n",
			    matches == 0 ? "no call to act on" : "more than one call");
		*ret_code = matches == 0 ? EXIT_DAEMON_ERROR : EXIT_USAGE;
		return NULL;
	}
	return g_object_ref (found);
}

static int
report_error (const char *what, GError *error)
{
	g_autofree char *name = g_dbus_error_get_remote_error (error);

	g_dbus_error_strip_remote_error (error);
	g_printerr ("confabctl: %s: %s%s%s%s\n",
		    what,
		    error->message,
		    name != NULL ? " (" : "",
		    name != NULL ? name : "",
		    name != NULL ? ")" : "");
	return EXIT_DAEMON_ERROR;
}

static int
cmd_call (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (CfDBusManager) m = NULL;
	g_autoptr (GError) error = NULL;
	g_autofree char *path = NULL;
	int code;

	if (argc != 1) {
		g_printerr ("confabctl: usage: confabctl call URI\n");
		return EXIT_USAGE;
	}
	m = get_manager (ctl, &code);
	if (m == NULL)
		return code;
	if (!cf_dbus_manager_call_dial_sync (m,
					     argv[0],
					     g_variant_new ("a{sv}", NULL),
					     &path,
					     NULL,
					     &error))
		return report_error ("cannot call", error);
	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "call");
		json_builder_add_string_value (b, path + strlen (CF_CALL_PATH_PREFIX));
		json_builder_set_member_name (b, "path");
		json_builder_add_string_value (b, path);
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		print_json (root);
	} else {
		g_print ("%s\n", path + strlen (CF_CALL_PATH_PREFIX));
	}
	return EXIT_OK;
}

typedef enum {
	ACTION_ANSWER,
	ACTION_REJECT,
	ACTION_HANGUP,
	ACTION_HOLD,
	ACTION_RESUME,
	ACTION_MUTE,
	ACTION_UNMUTE,
} Action;

static int
run_action (Ctl *ctl, int argc, char **argv, Action action)
{
	static const char *const incoming[] = { "incoming", NULL };
	static const char *const active[] = { "active", NULL };
	static const char *const held[] = { "held", NULL };
	static const char *const names[] = { "answer", "reject", "hang up", "hold", "resume", "mute", "unmute" };
	const char *const *states[] = { incoming, incoming, NULL, active, held, NULL, NULL };
	g_autoptr (GDBusObjectManager) om = NULL;
	g_autoptr (CfDBusCall) call = NULL;
	g_autoptr (GError) error = NULL;
	gboolean ok = FALSE;
	int code;

	if (argc > 1) {
		g_printerr ("confabctl: usage: confabctl %s [CALL]\n", names[action]);
		return EXIT_USAGE;
	}
	om = get_object_manager (ctl, &code);
	if (om == NULL)
		return code;
	call = find_call (om, argc == 1 ? argv[0] : NULL, states[action], &code);
	if (call == NULL)
		return code;
	switch (action) {
	case ACTION_ANSWER:
		ok = cf_dbus_call_call_answer_sync (call, g_variant_new ("a{sv}", NULL), NULL, &error);
		break;
	case ACTION_REJECT:
		ok = cf_dbus_call_call_reject_sync (call, NULL, &error);
		break;
	case ACTION_HANGUP:
		ok = cf_dbus_call_call_hangup_sync (call, NULL, &error);
		break;
	case ACTION_HOLD:
		ok = cf_dbus_call_call_hold_sync (call, NULL, &error);
		break;
	case ACTION_RESUME:
		ok = cf_dbus_call_call_resume_sync (call, NULL, &error);
		break;
	case ACTION_MUTE:
	case ACTION_UNMUTE:
		ok = cf_dbus_call_call_set_muted_sync (call, action == ACTION_MUTE, NULL, &error);
		break;
	}
	if (!ok) {
		g_autofree char *what = g_strdup_printf ("cannot %s call %s", names[action], call_number (call));
		return report_error (what, error);
	}
	return EXIT_OK;
}

static void
add_call_json (JsonBuilder *b, CfDBusCall *call)
{
	json_builder_begin_object (b);
	json_builder_set_member_name (b, "call");
	json_builder_add_string_value (b, call_number (call));
	json_builder_set_member_name (b, "path");
	json_builder_add_string_value (b, g_dbus_proxy_get_object_path (G_DBUS_PROXY (call)));
	json_builder_set_member_name (b, "state");
	json_builder_add_string_value (b, cf_dbus_call_get_state (call));
	json_builder_set_member_name (b, "end_reason");
	json_builder_add_string_value (b, cf_dbus_call_get_end_reason (call));
	json_builder_set_member_name (b, "direction");
	json_builder_add_string_value (b, cf_dbus_call_get_direction (call));
	json_builder_set_member_name (b, "remote_uri");
	json_builder_add_string_value (b, cf_dbus_call_get_remote_uri (call));
	json_builder_set_member_name (b, "remote_name");
	json_builder_add_string_value (b, cf_dbus_call_get_remote_name (call));
	json_builder_set_member_name (b, "remote_held");
	json_builder_add_boolean_value (b, cf_dbus_call_get_remote_held (call));
	json_builder_set_member_name (b, "start_time");
	json_builder_add_int_value (b, (gint64) (cf_dbus_call_get_start_time (call) / G_USEC_PER_SEC));
	json_builder_set_member_name (b, "muted");
	json_builder_add_boolean_value (b, cf_dbus_call_get_muted (call));
	json_builder_set_member_name (b, "encryption");
	json_builder_add_string_value (b, cf_dbus_call_get_encryption (call));
	json_builder_set_member_name (b, "end_to_end_reason");
	json_builder_add_string_value (b, cf_dbus_call_get_end_to_end_reason (call));
	json_builder_set_member_name (b, "security_code");
	json_builder_add_string_value (b, cf_dbus_call_get_security_code (call));
	json_builder_set_member_name (b, "sas");
	json_builder_add_string_value (b, cf_dbus_call_get_sas (call));
	json_builder_set_member_name (b, "verified");
	json_builder_add_boolean_value (b, cf_dbus_call_get_verified (call));
	json_builder_set_member_name (b, "key_continuity");
	json_builder_add_string_value (b, cf_dbus_call_get_key_continuity (call));
	json_builder_set_member_name (b, "features");
	json_builder_begin_array (b);
	for (const char *const *f = cf_dbus_call_get_features (call); f != NULL && *f != NULL; f++)
		json_builder_add_string_value (b, *f);
	json_builder_end_array (b);
	json_builder_end_object (b);
}

static int
cmd_calls (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (GDBusObjectManager) om = NULL;
	g_autoptr (GPtrArray) calls = NULL;
	int code;

	if (argc != 0) {
		g_printerr ("confabctl: calls takes no arguments\n");
		return EXIT_USAGE;
	}
	om = get_object_manager (ctl, &code);
	if (om == NULL)
		return code;
	calls = list_calls (om);
	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		json_builder_begin_array (b);
		for (guint i = 0; i < calls->len; i++)
			add_call_json (b, cf_dbus_object_peek_call (CF_DBUS_OBJECT (g_ptr_array_index (calls, i))));
		json_builder_end_array (b);
		root = json_builder_get_root (b);
		print_json (root);
		return EXIT_OK;
	}
	if (calls->len == 0)
		g_print ("No calls.\n");
	for (guint i = 0; i < calls->len; i++) {
		CfDBusCall *call = cf_dbus_object_peek_call (CF_DBUS_OBJECT (g_ptr_array_index (calls, i)));
		g_print ("%-4s %-9s %-8s %s%s%s\n",
			 call_number (call),
			 cf_dbus_call_get_state (call),
			 cf_dbus_call_get_direction (call),
			 cf_dbus_call_get_remote_uri (call),
			 *cf_dbus_call_get_end_reason (call) ? "  " : "",
			 cf_dbus_call_get_end_reason (call));
	}
	return EXIT_OK;
}

static int
cmd_show (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (GDBusObjectManager) om = NULL;
	g_autoptr (CfDBusCall) call = NULL;
	g_autofree char *features = NULL;
	int code;

	if (argc > 1) {
		g_printerr ("confabctl: usage: confabctl show [CALL]\n");
		return EXIT_USAGE;
	}
	om = get_object_manager (ctl, &code);
	if (om == NULL)
		return code;
	call = find_call (om, argc == 1 ? argv[0] : NULL, NULL, &code);
	if (call == NULL)
		return code;
	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		add_call_json (b, call);
		root = json_builder_get_root (b);
		print_json (root);
		return EXIT_OK;
	}
	features = g_strjoinv (", ", (char **) cf_dbus_call_get_features (call));
	g_print ("Call:         %s\n", call_number (call));
	g_print ("State:        %s%s%s%s\n",
		 cf_dbus_call_get_state (call),
		 *cf_dbus_call_get_end_reason (call) ? " (" : "",
		 cf_dbus_call_get_end_reason (call),
		 *cf_dbus_call_get_end_reason (call) ? ")" : "");
	g_print ("Direction:    %s\n", cf_dbus_call_get_direction (call));
	g_print ("Remote:       %s%s%s%s\n",
		 *cf_dbus_call_get_remote_name (call) ? cf_dbus_call_get_remote_name (call) : "",
		 *cf_dbus_call_get_remote_name (call) ? " <" : "",
		 cf_dbus_call_get_remote_uri (call),
		 *cf_dbus_call_get_remote_name (call) ? ">" : "");
	if (cf_dbus_call_get_remote_held (call))
		g_print ("On hold:      by the other side\n");
	if (g_str_equal (cf_dbus_call_get_encryption (call), CF_END_TO_END)) {
		g_print ("Encryption:   %s %s\n", CF_END_TO_END, lock_symbol ());
		g_print ("Code:         %s\n", cf_dbus_call_get_security_code (call));
		g_print ("SAS:          %s (to compare with another ZRTP phone)\n",
			 cf_dbus_call_get_sas (call));
		g_print ("Verified:     %s\n",
			 cf_dbus_call_get_verified (call)
				 ? "yes"
				 : "no (compare the code, then 'confabctl verify')");
		if (*cf_dbus_call_get_key_continuity (call))
			g_print ("Keys:         %s (%s)\n",
				 cf_dbus_call_get_key_continuity (call),
				 describe_key_continuity (cf_dbus_call_get_key_continuity (call)));
	} else {
		if (*cf_dbus_call_get_encryption (call))
			g_print ("Encryption:   %s\n", cf_dbus_call_get_encryption (call));
		if (*cf_dbus_call_get_end_to_end_reason (call))
			g_print ("End-to-end:   %s: %s\n",
				 g_str_equal (cf_dbus_call_get_end_to_end_reason (call),
					      "negotiating")
					 ? "not yet"
					 : "no",
				 describe_end_to_end_reason (
					 cf_dbus_call_get_end_to_end_reason (call)));
	}
	if (cf_dbus_call_get_muted (call))
		g_print ("Muted:        yes\n");
	if (cf_dbus_call_get_start_time (call) != 0) {
		g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (cf_dbus_call_get_start_time (call) / G_USEC_PER_SEC);
		g_autofree char *text = g_date_time_format (t, "%Y-%m-%d %H:%M:%S");
		g_print ("Answered:     %s\n", text);
	}
	g_print ("Features:     %s\n", *features ? features : "(none)");
	return EXIT_OK;
}

typedef gboolean (*CallTextFunc) (CfDBusCall *call, const char *text, GCancellable *cancellable, GError **error);

/* "confabctl COMMAND CALL TEXT": one call, one string argument. */
static int
run_with_text (Ctl *ctl, int argc, char **argv, const char *usage, const char *failure, CallTextFunc func)
{
	g_autoptr (GDBusObjectManager) om = NULL;
	g_autoptr (CfDBusCall) call = NULL;
	g_autoptr (GError) error = NULL;
	int code;

	if (argc != 2) {
		g_printerr ("confabctl: usage: confabctl %s\n", usage);
		return EXIT_USAGE;
	}
	om = get_object_manager (ctl, &code);
	if (om == NULL)
		return code;
	call = find_call (om, argv[0], NULL, &code);
	if (call == NULL)
		return code;
	if (!func (call, argv[1], NULL, &error))
		return report_error (failure, error);
	return EXIT_OK;
}

static int
cmd_chat (Ctl *ctl, int argc, char **argv)
{
	return run_with_text (ctl, argc, argv, "chat CALL TEXT", "message not sent", cf_dbus_call_call_send_message_sync);
}

static int
cmd_dtmf (Ctl *ctl, int argc, char **argv)
{
	return run_with_text (ctl, argc, argv, "dtmf CALL DIGITS", "digits not sent", cf_dbus_call_call_send_dtmf_sync);
}

/* Finds the call named by argv (or the only live call) for code and verify. */
static CfDBusCall *
find_one_call (Ctl *ctl,
	       int argc,
	       char **argv,
	       const char *usage,
	       GDBusObjectManager **ret_om,
	       int *ret_code)
{
	if (argc > 1) {
		g_printerr ("confabctl: usage: confabctl %s\n", usage);
		*ret_code = EXIT_USAGE;
		return NULL;
	}
	*ret_om = get_object_manager (ctl, ret_code);
	if (*ret_om == NULL)
		return NULL;
	return find_call (*ret_om, argc == 1 ? argv[0] : NULL, NULL, ret_code);
}

static int
cmd_code (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (GDBusObjectManager) om = NULL;
	g_autoptr (CfDBusCall) call = NULL;
	const char *reason;
	int code;

	call = find_one_call (ctl, argc, argv, "code [CALL]", &om, &code);
	if (call == NULL)
		return code;
	if (!g_str_equal (cf_dbus_call_get_encryption (call), CF_END_TO_END)
	    || *cf_dbus_call_get_security_code (call) == '\0') {
		reason = cf_dbus_call_get_end_to_end_reason (call);
		if (*reason != '\0')
			g_printerr ("confabctl: call %s is not end-to-end encrypted%s: %s\n",
				    call_number (call),
				    g_str_equal (reason, "negotiating") ? " yet" : "",
				    describe_end_to_end_reason (reason));
		else
			g_printerr ("confabctl: call %s is not end-to-end encrypted%s\n",
				    call_number (call),
				    g_str_equal (cf_dbus_call_get_state (call), "ended")
					    ? ""
					    : " (yet)");
		return EXIT_DAEMON_ERROR;
	}
	if (ctl->json) {
		g_autoptr (JsonBuilder) b = json_builder_new ();
		g_autoptr (JsonNode) root = NULL;

		json_builder_begin_object (b);
		json_builder_set_member_name (b, "call");
		json_builder_add_string_value (b, call_number (call));
		json_builder_set_member_name (b, "security_code");
		json_builder_add_string_value (b, cf_dbus_call_get_security_code (call));
		json_builder_set_member_name (b, "sas");
		json_builder_add_string_value (b, cf_dbus_call_get_sas (call));
		json_builder_set_member_name (b, "verified");
		json_builder_add_boolean_value (b, cf_dbus_call_get_verified (call));
		json_builder_set_member_name (b, "key_continuity");
		json_builder_add_string_value (b, cf_dbus_call_get_key_continuity (call));
		json_builder_end_object (b);
		root = json_builder_get_root (b);
		print_json (root);
	} else {
		g_print ("Security code: %s\n", cf_dbus_call_get_security_code (call));
		g_print ("SAS:           %s\n", cf_dbus_call_get_sas (call));
	}
	if (g_str_equal (cf_dbus_call_get_key_continuity (call), "mismatch"))
		g_printerr ("confabctl: warning: call %s: %s\n",
			    call_number (call),
			    KEY_MISMATCH_WARNING);
	return EXIT_OK;
}

static int
cmd_verify (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (GDBusObjectManager) om = NULL;
	g_autoptr (CfDBusCall) call = NULL;
	g_autoptr (GError) error = NULL;
	int code;

	call = find_one_call (ctl, argc, argv, "verify [CALL] [--unset]", &om, &code);
	if (call == NULL)
		return code;
	if (!cf_dbus_call_call_mark_verified_sync (call, !ctl->unset, NULL, &error)) {
		g_autofree char *what = g_strdup_printf ("cannot %s call %s's peer",
							 ctl->unset ? "unmark" : "mark verified",
							 call_number (call));
		return report_error (what, error);
	}
	return EXIT_OK;
}

static int
cmd_history (Ctl *ctl, int argc, char **argv)
{
	g_autoptr (CfDBusManager) m = NULL;
	g_autoptr (GVariant) entries = NULL;
	g_autoptr (GError) error = NULL;
	guint64 limit = 20;
	GVariantIter iter;
	GVariant *entry;
	int code;

	if (argc > 1 || (argc == 1 && !g_ascii_string_to_unsigned (argv[0], 10, 1, 1000, &limit, NULL))) {
		g_printerr ("confabctl: usage: confabctl history [N]   (N: 1..1000)\n");
		return EXIT_USAGE;
	}
	m = get_manager (ctl, &code);
	if (m == NULL)
		return code;
	if (!cf_dbus_manager_call_get_history_sync (m, (guint) limit, &entries, NULL, &error))
		return report_error ("cannot read the history", error);
	if (ctl->json) {
		g_autoptr (JsonNode) root = json_gvariant_serialize (entries);
		print_json (root);
		return EXIT_OK;
	}
	if (g_variant_n_children (entries) == 0)
		g_print ("No calls yet.\n");
	g_variant_iter_init (&iter, entries);
	while ((entry = g_variant_iter_next_value (&iter)) != NULL) {
		g_autoptr (GVariantDict) d = g_variant_dict_new (entry);
		g_autoptr (GDateTime) t = NULL;
		g_autofree char *when = NULL;
		const char *uri = "", *direction = "", *reason = "";
		guint64 end_time = 0;
		guint32 duration = 0;

		g_variant_dict_lookup (d, "remote-uri", "&s", &uri);
		g_variant_dict_lookup (d, "direction", "&s", &direction);
		g_variant_dict_lookup (d, "end-reason", "&s", &reason);
		g_variant_dict_lookup (d, "end-time", "t", &end_time);
		g_variant_dict_lookup (d, "duration", "u", &duration);
		t = g_date_time_new_from_unix_local ((gint64) end_time);
		when = t != NULL ? g_date_time_format (t, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
		g_print ("%s  %-8s %5us  %-14s %s\n", when, direction, duration, reason, uri);
		g_variant_unref (entry);
	}
	return EXIT_OK;
}

static const Command commands[] = {
	{ "status", "", "Show the daemon's settings and the administrator's policy", cmd_status },
	{ "e2ee", "[on|off]", "Show or change the end-to-end encrypted calls setting", cmd_e2ee },
	{ "monitor", "", "Print every property change and signal as it happens, until interrupted", cmd_monitor },
	{ "call", "URI", "Call a SIP URI (prints the call's number)", cmd_call },
	{ "answer", "[CALL]", "Answer an incoming call (the only one if not named)", NULL, ACTION_ANSWER },
	{ "reject", "[CALL]", "Decline an incoming call", NULL, ACTION_REJECT },
	{ "hangup", "[CALL]", "End a call (cancels it while it rings)", NULL, ACTION_HANGUP },
	{ "hold", "[CALL]", "Put an active call on hold", NULL, ACTION_HOLD },
	{ "resume", "[CALL]", "Take a held call off hold", NULL, ACTION_RESUME },
	{ "mute", "[CALL]", "Mute the microphone in a call", NULL, ACTION_MUTE },
	{ "unmute", "[CALL]", "Unmute it", NULL, ACTION_UNMUTE },
	{ "calls", "", "List the calls", cmd_calls },
	{ "show", "[CALL]", "Show a call: its state, encryption and security code", cmd_show },
	{ "code", "[CALL]", "Print an end-to-end encrypted call's security code and SAS", cmd_code },
	{ "verify", "[CALL] [--unset]", "Mark the other party verified (after comparing codes), or not", cmd_verify },
	{ "chat", "CALL TEXT", "Send a chat message in a call (carried by signaling, not end-to-end)", cmd_chat },
	{ "dtmf", "CALL DIGITS", "Send DTMF digits (0-9 * # A-D) in a call", cmd_dtmf },
	{ "history", "[N]", "Show the last N calls (default 20)", cmd_history },
};

static char *
commands_help (void)
{
	GString *s = g_string_new ("Commands:\n");

	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		g_autofree char *usage = g_strdup_printf ("%s %s", commands[i].name, commands[i].args);
		g_string_append_printf (s, "  %-24s %s\n", usage, commands[i].help);
	}
	g_string_append (
		s,
		"\nEnd-to-end encryption:\n"
		"  A call is end-to-end encrypted when both people have turned it on ('e2ee on')\n"
		"  and their administrators allow it; otherwise it still has standard encryption,\n"
		"  and 'show' says why it is not end-to-end. In an end-to-end call 'show' and\n"
		"  'code' print the security code: compare it with the other person's (read it\n"
		"  aloud); it is the same on both sides exactly when no one is in the middle.\n"
		"  Then 'verify' remembers the other party as verified until its keys change.\n"
		"  The SAS is the same check for a person on another ZRTP phone. Chat is carried\n"
		"  by the signaling, never end-to-end.\n"
		"\nExit status:\n"
		"  0   success\n"
		"  1   the daemon refused or failed the request; 'code': the call is not\n"
		"      end-to-end encrypted\n"
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
		{ "unset", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &ctl.unset, "verify: remove the mark", NULL },
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
	if (ctl.unset && !g_str_equal (argv[1], "verify")) {
		g_printerr ("confabctl: --unset goes with verify only\nTry 'confabctl --help'.\n");
		return EXIT_USAGE;
	}
	for (guint i = 0; i < G_N_ELEMENTS (commands); i++) {
		if (g_str_equal (argv[1], commands[i].name)) {
			code = commands[i].run != NULL ? commands[i].run (&ctl, argc - 2, argv + 2)
							: run_action (&ctl, argc - 2, argv + 2, commands[i].action);
			g_clear_object (&ctl.connection);
			return code;
		}
	}
	g_printerr ("confabctl: unknown command '%s'\nTry 'confabctl --help'.\n", argv[1]);
	return EXIT_USAGE;
}
