/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-settings"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cf-settings.h"
#include "cf-strutil.h"

G_DEFINE_QUARK (cf-settings-error-quark, cf_settings_error)

#define CF_SETTINGS_MAX_FILE_SIZE (256 * 1024)
#define CF_SETTINGS_MAX_VALUE_LEN 4096
#define CF_SETTINGS_MAX_LISTEN 16
#define CF_SETTINGS_DEFAULT_NO_ANSWER_TIMEOUT 60
#define CF_SETTINGS_MAX_NO_ANSWER_TIMEOUT 3600
#define CF_SETTINGS_DEFAULT_MEDIA_TIMEOUT 30

typedef enum {
	KIND_STRING,
	KIND_BOOL,
	KIND_SIP_URI,
	KIND_LISTEN,
	KIND_HOST_PORT,
	KIND_ADDRESSES,
	KIND_PATH,
	KIND_SECONDS,
	KIND_KEY_AGREEMENTS,
} Kind;

typedef struct {
	const char *group;
	const char *key;
	Kind kind;
} Key;

static const Key schema[] = {
	{ "account", "uri", KIND_SIP_URI },
	{ "account", "display-name", KIND_STRING },
	{ "account", "registrar", KIND_SIP_URI },
	{ "account", "username", KIND_STRING },
	{ "account", "password-file", KIND_PATH },
	{ "sip", "listen", KIND_LISTEN },
	{ "sip", "tls-certificate", KIND_PATH },
	{ "sip", "tls-key", KIND_PATH },
	{ "sip", "tls-ca", KIND_PATH },
	{ "media", "audio-source", KIND_STRING },
	{ "media", "audio-sink", KIND_STRING },
	{ "media", "video-source", KIND_STRING },
	{ "media", "local-addresses", KIND_ADDRESSES },
	{ "media", "stun-server", KIND_HOST_PORT },
	{ "media", "turn-server", KIND_HOST_PORT },
	{ "media", "turn-username", KIND_STRING },
	{ "media", "turn-password-file", KIND_PATH },
	{ "media", "allow-plain-rtp", KIND_BOOL },
	{ "media", "media-timeout", KIND_SECONDS },
	{ "privacy", "end-to-end-encryption", KIND_BOOL },
	{ "privacy", "zrtp-key-agreements", KIND_KEY_AGREEMENTS },
	{ "calls", "auto-answer", KIND_BOOL },
	{ "calls", "no-answer-timeout", KIND_SECONDS },
};

typedef struct {
	gboolean e2ee;
	char *account_uri;
	char *display_name;
	char *registrar;
	char *username;
	char *password_file;
	GPtrArray *listen; /* CfListenSpec */
	char *tls_certificate;
	char *tls_key;
	char *tls_ca;
	char *audio_source;
	char *audio_sink;
	char *video_source;
	GStrv local_addresses;
	char *stun_server;
	char *turn_server;
	char *turn_username;
	char *turn_password_file;
	gboolean auto_answer;
	guint no_answer_timeout;
	gboolean allow_plain_rtp;
	guint n_key_agreements; /* 0: the default order */
	CfZrtpKeyAgreement key_agreements[2];
	guint media_timeout;
	GStrv warnings;
} Values;

static void
values_free (Values *v)
{
	if (v == NULL)
		return;
	g_free (v->account_uri);
	g_free (v->display_name);
	g_free (v->registrar);
	g_free (v->username);
	g_free (v->password_file);
	g_clear_pointer (&v->listen, g_ptr_array_unref);
	g_free (v->tls_certificate);
	g_free (v->tls_key);
	g_free (v->tls_ca);
	g_free (v->audio_source);
	g_free (v->audio_sink);
	g_free (v->video_source);
	g_strfreev (v->local_addresses);
	g_free (v->stun_server);
	g_free (v->turn_server);
	g_free (v->turn_username);
	g_free (v->turn_password_file);
	g_strfreev (v->warnings);
	g_free (v);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Values, values_free)

struct _CfSettings {
	GObject parent_instance;
	char *path;
	GKeyFile *keyfile; /* what was read, comments kept, so a rewrite keeps them */
	Values *values;
};

enum {
	PROP_0,
	PROP_END_TO_END_ENCRYPTION,
	N_PROPS,
};

static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE (CfSettings, cf_settings, G_TYPE_OBJECT)

void
cf_listen_spec_free (CfListenSpec *spec)
{
	if (spec == NULL)
		return;
	g_free (spec->host);
	g_free (spec);
}

const char *
cf_listen_transport_to_string (CfListenTransport transport)
{
	switch (transport) {
	case CF_LISTEN_UDP:
		return "udp";
	case CF_LISTEN_TCP:
		return "tcp";
	case CF_LISTEN_TLS:
		return "tls";
	}
	return "unknown";
}

static gboolean
parse_port (const char *text, gboolean allow_zero, guint16 *ret_port, GError **error)
{
	guint64 port = 0;

	if (!g_ascii_string_to_unsigned (text, 10, allow_zero ? 0 : 1, 65535, &port, NULL)) {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "'%s' is not a port number (%s..65535)",
			     text,
			     allow_zero ? "0" : "1");
		return FALSE;
	}
	*ret_port = (guint16) port;
	return TRUE;
}

/* Splits "host:port" or "[v6]:port". */
static gboolean
split_host_port (const char *text,
		 gboolean allow_zero,
		 char **ret_host,
		 guint16 *ret_port,
		 GError **error)
{
	g_autofree char *host = NULL;
	const char *port_text;
	guint16 port;

	if (text[0] == '[') {
		const char *end = strchr (text, ']');
		if (end == NULL || end[1] != ':') {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' is not [address]:port",
				     text);
			return FALSE;
		}
		host = g_strndup (text + 1, end - text - 1);
		port_text = end + 2;
		if (!g_hostname_is_ip_address (host)) {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' is not an IPv6 address",
				     host);
			return FALSE;
		}
	} else {
		const char *colon = strrchr (text, ':');
		if (colon == NULL || colon == text || memchr (text, ':', colon - text) != NULL) {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' is not host:port",
				     text);
			return FALSE;
		}
		host = g_strndup (text, colon - text);
		port_text = colon + 1;
		for (const char *p = host; *p != '\0'; p++) {
			if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-') {
				g_set_error (error,
					     CF_SETTINGS_ERROR,
					     CF_SETTINGS_ERROR_INVALID,
					     "'%s' is not a host name or address",
					     host);
				return FALSE;
			}
		}
	}
	if (!parse_port (port_text, allow_zero, &port, error))
		return FALSE;
	*ret_host = g_steal_pointer (&host);
	*ret_port = port;
	return TRUE;
}

CfListenSpec *
cf_listen_spec_parse (const char *text, GError **error)
{
	g_autoptr (CfListenSpec) spec = g_new0 (CfListenSpec, 1);
	g_autofree char *stripped = g_strstrip (g_strdup (text));
	const char *colon = strchr (stripped, ':');
	g_autofree char *transport = NULL;

	if (colon == NULL) {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "'%s' is not transport:host:port",
			     stripped);
		return NULL;
	}
	transport = g_ascii_strdown (stripped, colon - stripped);
	if (g_str_equal (transport, "udp")) {
		spec->transport = CF_LISTEN_UDP;
	} else if (g_str_equal (transport, "tcp")) {
		spec->transport = CF_LISTEN_TCP;
	} else if (g_str_equal (transport, "tls")) {
		spec->transport = CF_LISTEN_TLS;
	} else {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "unknown transport '%s' (udp, tcp or tls)",
			     transport);
		return NULL;
	}
	if (!split_host_port (colon + 1, TRUE, &spec->host, &spec->port, error))
		return NULL;
	return g_steal_pointer (&spec);
}

static gboolean
check_sip_uri (const char *value, GError **error)
{
	const char *rest;

	if (g_str_has_prefix (value, "sip:"))
		rest = value + 4;
	else if (g_str_has_prefix (value, "sips:"))
		rest = value + 5;
	else {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "'%s' is not a SIP URI (sip:user@host or sips:user@host)",
			     value);
		return FALSE;
	}
	if (*rest == '\0' || *rest == '@' || g_str_has_suffix (rest, "@")) {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "'%s' has no host",
			     value);
		return FALSE;
	}
	for (const char *p = rest; *p != '\0'; p++) {
		if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p) || *p == '<' || *p == '>'
		    || *p == '"') {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' contains a character not allowed in a SIP URI",
				     value);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
parse_bool (const char *value, gboolean *ret, GError **error)
{
	g_autofree char *lower = g_ascii_strdown (value, -1);

	if (g_str_equal (lower, "true") || g_str_equal (lower, "yes") || g_str_equal (lower, "on")
	    || g_str_equal (lower, "1")) {
		*ret = TRUE;
		return TRUE;
	}
	if (g_str_equal (lower, "false") || g_str_equal (lower, "no") || g_str_equal (lower, "off")
	    || g_str_equal (lower, "0")) {
		*ret = FALSE;
		return TRUE;
	}
	g_set_error (error,
		     CF_SETTINGS_ERROR,
		     CF_SETTINGS_ERROR_INVALID,
		     "'%s' is not a boolean (true or false)",
		     value);
	return FALSE;
}

static gboolean
parse_listen (const char *value, GPtrArray **ret, GError **error)
{
	g_auto (GStrv) parts = g_strsplit (value, ",", -1);
	g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_listen_spec_free);

	for (guint i = 0; parts[i] != NULL; i++) {
		CfListenSpec *spec;

		if (*g_strstrip (parts[i]) == '\0')
			continue;
		if (specs->len >= CF_SETTINGS_MAX_LISTEN) {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "more than %d entries",
				     CF_SETTINGS_MAX_LISTEN);
			return FALSE;
		}
		spec = cf_listen_spec_parse (parts[i], error);
		if (spec == NULL)
			return FALSE;
		g_ptr_array_add (specs, spec);
	}
	*ret = g_steal_pointer (&specs);
	return TRUE;
}

static gboolean
parse_addresses (const char *value, GStrv *ret, GError **error)
{
	g_auto (GStrv) parts = g_strsplit (value, ",", -1);
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

	for (guint i = 0; parts[i] != NULL; i++) {
		const char *addr = g_strstrip (parts[i]);

		if (*addr == '\0')
			continue;
		if (!g_hostname_is_ip_address (addr)) {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' is not an IP address",
				     addr);
			return FALSE;
		}
		g_strv_builder_add (builder, addr);
	}
	*ret = g_strv_builder_end (builder);
	return TRUE;
}

static char *
nonempty_dup (const char *value)
{
	return (value != NULL && *value != '\0') ? g_strdup (value) : NULL;
}

/* Checks one value and stores it in @v. */
static gboolean
apply_value (Values *v, const Key *key, const char *value, GError **error)
{
	char **slot = NULL;

	if (strlen (value) > CF_SETTINGS_MAX_VALUE_LEN) {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "longer than %d characters",
			     CF_SETTINGS_MAX_VALUE_LEN);
		return FALSE;
	}

	switch (key->kind) {
	case KIND_BOOL: {
		gboolean b;
		if (!parse_bool (value, &b, error))
			return FALSE;
		if (g_str_equal (key->key, "end-to-end-encryption"))
			v->e2ee = b;
		else if (g_str_equal (key->key, "auto-answer"))
			v->auto_answer = b;
		else if (g_str_equal (key->key, "allow-plain-rtp"))
			v->allow_plain_rtp = b;
		return TRUE;
	}
	case KIND_SECONDS: {
		guint64 n;
		if (!g_ascii_string_to_unsigned (value, 10, 1, CF_SETTINGS_MAX_NO_ANSWER_TIMEOUT, &n, NULL)) {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' is not a number of seconds (1..%d)",
				     value,
				     CF_SETTINGS_MAX_NO_ANSWER_TIMEOUT);
			return FALSE;
		}
		if (g_str_equal (key->key, "media-timeout"))
			v->media_timeout = (guint) n;
		else
			v->no_answer_timeout = (guint) n;
		return TRUE;
	}
	case KIND_LISTEN: {
		GPtrArray *specs = NULL;
		if (!parse_listen (value, &specs, error))
			return FALSE;
		g_clear_pointer (&v->listen, g_ptr_array_unref);
		v->listen = specs;
		return TRUE;
	}
	case KIND_KEY_AGREEMENTS: {
		g_auto (GStrv) names = g_strsplit (value, ",", -1);
		guint n = 0;

		for (guint i = 0; names[i] != NULL; i++) {
			CfZrtpKeyAgreement ka;
			char *name = g_strstrip (names[i]);

			/* RFC 6189 spells them X255 and DH3k; DH3K as Linphone does too. */
			if (g_ascii_strcasecmp (name, "X255") == 0)
				ka = CF_ZRTP_KA_X255;
			else if (g_ascii_strcasecmp (name, "DH3k") == 0)
				ka = CF_ZRTP_KA_DH3K;
			else {
				g_set_error (error,
					     CF_SETTINGS_ERROR,
					     CF_SETTINGS_ERROR_INVALID,
					     "'%s' is not a ZRTP key agreement (X255, DH3k)",
					     name);
				return FALSE;
			}
			for (guint j = 0; j < n; j++) {
				if (v->key_agreements[j] == ka) {
					g_set_error (error,
						     CF_SETTINGS_ERROR,
						     CF_SETTINGS_ERROR_INVALID,
						     "%s is listed twice",
						     name);
					return FALSE;
				}
			}
			v->key_agreements[n++] = ka;
		}
		v->n_key_agreements = n;
		return TRUE;
	}
	case KIND_ADDRESSES: {
		GStrv addrs = NULL;
		if (!parse_addresses (value, &addrs, error))
			return FALSE;
		g_strfreev (v->local_addresses);
		v->local_addresses = addrs;
		return TRUE;
	}
	case KIND_SIP_URI:
		if (*value != '\0' && !check_sip_uri (value, error))
			return FALSE;
		break;
	case KIND_HOST_PORT:
		if (*value != '\0') {
			g_autofree char *host = NULL;
			guint16 port;
			if (!split_host_port (value, FALSE, &host, &port, error))
				return FALSE;
		}
		break;
	case KIND_PATH:
		if (*value != '\0' && !g_path_is_absolute (value)) {
			g_set_error (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "'%s' is not an absolute path",
				     value);
			return FALSE;
		}
		break;
	case KIND_STRING:
		for (const char *p = value; *p != '\0'; p++) {
			if (g_ascii_iscntrl (*p)) {
				g_set_error_literal (error,
						     CF_SETTINGS_ERROR,
						     CF_SETTINGS_ERROR_INVALID,
						     "contains a control character");
				return FALSE;
			}
		}
		break;
	}

	if (g_str_equal (key->group, "account")) {
		if (g_str_equal (key->key, "uri"))
			slot = &v->account_uri;
		else if (g_str_equal (key->key, "display-name"))
			slot = &v->display_name;
		else if (g_str_equal (key->key, "registrar"))
			slot = &v->registrar;
		else if (g_str_equal (key->key, "username"))
			slot = &v->username;
		else if (g_str_equal (key->key, "password-file"))
			slot = &v->password_file;
	} else if (g_str_equal (key->group, "sip")) {
		if (g_str_equal (key->key, "tls-certificate"))
			slot = &v->tls_certificate;
		else if (g_str_equal (key->key, "tls-key"))
			slot = &v->tls_key;
		else if (g_str_equal (key->key, "tls-ca"))
			slot = &v->tls_ca;
	} else if (g_str_equal (key->group, "media")) {
		if (g_str_equal (key->key, "audio-source"))
			slot = &v->audio_source;
		else if (g_str_equal (key->key, "audio-sink"))
			slot = &v->audio_sink;
		else if (g_str_equal (key->key, "video-source"))
			slot = &v->video_source;
		else if (g_str_equal (key->key, "stun-server"))
			slot = &v->stun_server;
		else if (g_str_equal (key->key, "turn-server"))
			slot = &v->turn_server;
		else if (g_str_equal (key->key, "turn-username"))
			slot = &v->turn_username;
		else if (g_str_equal (key->key, "turn-password-file"))
			slot = &v->turn_password_file;
	}
	g_assert (slot != NULL);
	g_free (*slot);
	*slot = nonempty_dup (value);
	return TRUE;
}

static const Key *
find_key (const char *group, const char *key)
{
	for (guint i = 0; i < G_N_ELEMENTS (schema); i++) {
		if (g_str_equal (schema[i].group, group) && g_str_equal (schema[i].key, key))
			return &schema[i];
	}
	return NULL;
}

static gboolean
group_known (const char *group)
{
	for (guint i = 0; i < G_N_ELEMENTS (schema); i++) {
		if (g_str_equal (schema[i].group, group))
			return TRUE;
	}
	return FALSE;
}

static Values *
values_new_defaults (void)
{
	Values *v = g_new0 (Values, 1);
	g_autoptr (CfListenSpec) udp = cf_listen_spec_parse ("udp:0.0.0.0:5060", NULL);
	g_autoptr (CfListenSpec) tcp = cf_listen_spec_parse ("tcp:0.0.0.0:5060", NULL);

	v->listen = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_listen_spec_free);
	g_ptr_array_add (v->listen, g_steal_pointer (&udp));
	g_ptr_array_add (v->listen, g_steal_pointer (&tcp));
	v->local_addresses = g_new0 (char *, 1);
	v->no_answer_timeout = CF_SETTINGS_DEFAULT_NO_ANSWER_TIMEOUT;
	v->media_timeout = CF_SETTINGS_DEFAULT_MEDIA_TIMEOUT;
	v->warnings = g_new0 (char *, 1);
	return v;
}

/* Cross-key checks, once every key is read. */
static gboolean
check_consistency (Values *v, GError **error)
{
	gboolean wants_tls = FALSE;

	for (guint i = 0; i < v->listen->len; i++) {
		CfListenSpec *spec = g_ptr_array_index (v->listen, i);
		if (spec->transport == CF_LISTEN_TLS)
			wants_tls = TRUE;
	}
	if (wants_tls && (v->tls_certificate == NULL || v->tls_key == NULL)) {
		g_set_error_literal (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "[sip] listen has a tls entry but tls-certificate or tls-key is not set");
		return FALSE;
	}
	if (v->turn_server != NULL && (v->turn_username == NULL || v->turn_password_file == NULL)) {
		g_set_error_literal (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "[media] turn-server needs turn-username and turn-password-file");
		return FALSE;
	}
	if ((v->tls_certificate == NULL) != (v->tls_key == NULL)) {
		g_set_error_literal (error,
				     CF_SETTINGS_ERROR,
				     CF_SETTINGS_ERROR_INVALID,
				     "[sip] tls-certificate and tls-key must be set together");
		return FALSE;
	}
	return TRUE;
}

static Values *
parse_keyfile (GKeyFile *kf, GError **error)
{
	g_autoptr (Values) v = values_new_defaults ();
	g_autoptr (GStrvBuilder) warnings = g_strv_builder_new ();
	g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);

	for (guint g = 0; groups[g] != NULL; g++) {
		g_auto (GStrv) keys = NULL;

		if (!group_known (groups[g])) {
			cf_strv_builder_take (warnings, g_strdup_printf ("unknown group [%s] ignored", groups[g]));
			continue;
		}
		keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);
		for (guint k = 0; keys != NULL && keys[k] != NULL; k++) {
			const Key *key = find_key (groups[g], keys[k]);
			g_autofree char *value = NULL;
			g_autoptr (GError) local_error = NULL;

			if (key == NULL) {
				cf_strv_builder_take (warnings,
						     g_strdup_printf ("unknown key '%s' in [%s] ignored",
								      keys[k],
								      groups[g]));
				continue;
			}
			value = g_key_file_get_string (kf, groups[g], keys[k], &local_error);
			if (value == NULL) {
				g_set_error (error,
					     CF_SETTINGS_ERROR,
					     CF_SETTINGS_ERROR_INVALID,
					     "[%s] %s: %s",
					     groups[g],
					     keys[k],
					     local_error->message);
				return NULL;
			}
			g_strstrip (value);
			if (!apply_value (v, key, value, &local_error)) {
				g_set_error (error,
					     CF_SETTINGS_ERROR,
					     CF_SETTINGS_ERROR_INVALID,
					     "[%s] %s: %s",
					     groups[g],
					     keys[k],
					     local_error->message);
				return NULL;
			}
		}
	}
	if (!check_consistency (v, error))
		return NULL;
	g_strfreev (v->warnings);
	v->warnings = g_strv_builder_end (warnings);
	return g_steal_pointer (&v);
}

static void
replace_values (CfSettings *self, Values *v, GKeyFile *kf)
{
	gboolean old_e2ee = self->values->e2ee;

	values_free (self->values);
	self->values = v;
	g_key_file_unref (self->keyfile);
	self->keyfile = g_key_file_ref (kf);
	if (old_e2ee != v->e2ee)
		g_object_notify_by_pspec (G_OBJECT (self), props[PROP_END_TO_END_ENCRYPTION]);
}

gboolean
cf_settings_load_from_data (CfSettings *self, const char *data, gssize len, GError **error)
{
	g_autoptr (GKeyFile) kf = g_key_file_new ();
	Values *v;

	g_return_val_if_fail (CF_IS_SETTINGS (self), FALSE);

	if (len < 0)
		len = strlen (data);
	if ((gsize) len > CF_SETTINGS_MAX_FILE_SIZE) {
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_INVALID,
			     "larger than %d bytes",
			     CF_SETTINGS_MAX_FILE_SIZE);
		return FALSE;
	}
	if (!g_key_file_load_from_data (kf,
					data,
					len,
					G_KEY_FILE_KEEP_COMMENTS,
					error)) {
		g_prefix_error_literal (error, "not a valid key file: ");
		if (error != NULL && *error != NULL) {
			(*error)->domain = CF_SETTINGS_ERROR;
			(*error)->code = CF_SETTINGS_ERROR_INVALID;
		}
		return FALSE;
	}
	v = parse_keyfile (kf, error);
	if (v == NULL)
		return FALSE;
	replace_values (self, v, kf);
	return TRUE;
}

gboolean
cf_settings_load (CfSettings *self, GError **error)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr (GError) local_error = NULL;

	g_return_val_if_fail (CF_IS_SETTINGS (self), FALSE);

	if (self->path == NULL)
		return TRUE;
	if (!g_file_get_contents (self->path, &data, &len, &local_error)) {
		if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_autoptr (GKeyFile) kf = g_key_file_new ();
			replace_values (self, values_new_defaults (), kf);
			return TRUE;
		}
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_IO,
			     "%s: %s",
			     self->path,
			     local_error->message);
		return FALSE;
	}
	if (!cf_settings_load_from_data (self, data, len, error)) {
		g_prefix_error (error, "%s: ", self->path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
save (CfSettings *self, GError **error)
{
	g_autofree char *dir = NULL;
	g_autofree char *data = NULL;
	gsize len = 0;

	if (self->path == NULL)
		return TRUE;
	dir = g_path_get_dirname (self->path);
	if (g_mkdir_with_parents (dir, 0700) < 0) {
		int saved_errno = errno;
		g_set_error (error,
			     CF_SETTINGS_ERROR,
			     CF_SETTINGS_ERROR_IO,
			     "cannot create %s: %s",
			     dir,
			     g_strerror (saved_errno));
		return FALSE;
	}
	data = g_key_file_to_data (self->keyfile, &len, NULL);
	/* Written to a temporary file, synced, then renamed over the old one. */
	if (!g_file_set_contents_full (self->path,
				       data,
				       len,
				       G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
				       0600,
				       error)) {
		if (error != NULL && *error != NULL) {
			(*error)->domain = CF_SETTINGS_ERROR;
			(*error)->code = CF_SETTINGS_ERROR_IO;
		}
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_settings_set_end_to_end_encryption (CfSettings *self, gboolean enabled, GError **error)
{
	g_return_val_if_fail (CF_IS_SETTINGS (self), FALSE);

	enabled = !!enabled;
	if (self->values->e2ee == enabled)
		return TRUE;
	self->values->e2ee = enabled;
	g_key_file_set_string (self->keyfile,
			       "privacy",
			       "end-to-end-encryption",
			       enabled ? "true" : "false");
	g_object_notify_by_pspec (G_OBJECT (self), props[PROP_END_TO_END_ENCRYPTION]);
	return save (self, error);
}

char *
cf_settings_default_path (void)
{
	return g_build_filename (g_get_user_config_dir (), "confab", "confab.conf", NULL);
}

CfSettings *
cf_settings_new (const char *path)
{
	CfSettings *self = g_object_new (CF_TYPE_SETTINGS, NULL);
	self->path = g_strdup (path);
	return self;
}

static void
cf_settings_init (CfSettings *self)
{
	self->keyfile = g_key_file_new ();
	self->values = values_new_defaults ();
}

static void
cf_settings_finalize (GObject *object)
{
	CfSettings *self = CF_SETTINGS (object);

	g_free (self->path);
	g_key_file_unref (self->keyfile);
	values_free (self->values);
	G_OBJECT_CLASS (cf_settings_parent_class)->finalize (object);
}

static void
cf_settings_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	CfSettings *self = CF_SETTINGS (object);

	switch (prop_id) {
	case PROP_END_TO_END_ENCRYPTION:
		g_value_set_boolean (value, self->values->e2ee);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
	}
}

static void
cf_settings_class_init (CfSettingsClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->finalize = cf_settings_finalize;
	object_class->get_property = cf_settings_get_property;

	props[PROP_END_TO_END_ENCRYPTION] =
		g_param_spec_boolean ("end-to-end-encryption",
				      NULL,
				      NULL,
				      FALSE,
				      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties (object_class, N_PROPS, props);
}

const char *const *
cf_settings_get_warnings (CfSettings *self)
{
	return (const char *const *) self->values->warnings;
}

const char *
cf_settings_get_path (CfSettings *self)
{
	return self->path;
}

gboolean
cf_settings_get_end_to_end_encryption (CfSettings *self)
{
	return self->values->e2ee;
}

#define GETTER(name, field)                              \
	const char *cf_settings_get_##name (CfSettings *self) \
	{                                                \
		return self->values->field;              \
	}

GETTER (account_uri, account_uri)
GETTER (display_name, display_name)
GETTER (registrar, registrar)
GETTER (username, username)
GETTER (password_file, password_file)
GETTER (tls_certificate, tls_certificate)
GETTER (tls_key, tls_key)
GETTER (tls_ca, tls_ca)
GETTER (audio_source, audio_source)
GETTER (audio_sink, audio_sink)
GETTER (video_source, video_source)
GETTER (stun_server, stun_server)
GETTER (turn_server, turn_server)
GETTER (turn_username, turn_username)
GETTER (turn_password_file, turn_password_file)

GPtrArray *
cf_settings_get_listen (CfSettings *self)
{
	return self->values->listen;
}

const char *const *
cf_settings_get_local_addresses (CfSettings *self)
{
	return (const char *const *) self->values->local_addresses;
}

gboolean
cf_settings_get_auto_answer (CfSettings *self)
{
	return self->values->auto_answer;
}

guint
cf_settings_get_no_answer_timeout (CfSettings *self)
{
	return self->values->no_answer_timeout;
}

guint
cf_settings_get_zrtp_key_agreements (CfSettings *self, CfZrtpKeyAgreement ret[2])
{
	memcpy (ret, self->values->key_agreements, sizeof self->values->key_agreements);
	return self->values->n_key_agreements;
}

gboolean
cf_settings_get_allow_plain_rtp (CfSettings *self)
{
	return self->values->allow_plain_rtp;
}

guint
cf_settings_get_media_timeout (CfSettings *self)
{
	return self->values->media_timeout;
}
