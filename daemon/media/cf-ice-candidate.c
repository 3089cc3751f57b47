/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-ice-candidate"

#include <string.h>

#include <gio/gio.h>

#include "cf-ice-candidate.h"

G_DEFINE_QUARK (cf - ice - error - quark, cf_ice_error)

/* Tokens of a candidate line: 8 fixed, raddr/rport, then the extensions. */
#define MAX_TOKENS (8 + 4 + 2 * CF_ICE_MAX_EXTENSIONS)

static const char *const type_names[] = {
	[CF_ICE_CANDIDATE_TYPE_HOST] = "host",
	[CF_ICE_CANDIDATE_TYPE_SRFLX] = "srflx",
	[CF_ICE_CANDIDATE_TYPE_PRFLX] = "prflx",
	[CF_ICE_CANDIDATE_TYPE_RELAY] = "relay",
};

const char *
cf_ice_candidate_type_to_string (CfIceCandidateType type)
{
	g_return_val_if_fail ((guint)type < G_N_ELEMENTS (type_names), NULL);
	return type_names[type];
}

gboolean
cf_ice_candidate_type_from_string (const char *str, CfIceCandidateType *ret_type)
{
	if (str == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS (type_names); i++) {
		if (g_ascii_strcasecmp (str, type_names[i]) == 0) {
			if (ret_type != NULL)
				*ret_type = (CfIceCandidateType)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* ---- Character classes ---------------------------------------------------- */

/* ice-char = ALPHA / DIGIT / "+" / "/" */
static gboolean
is_ice_char (char c)
{
	return g_ascii_isalnum (c) || c == '+' || c == '/';
}

/* 1*ice-char, at most @max long. */
static gboolean
is_ice_chars (const char *str, gsize min, gsize max)
{
	gsize len = 0;

	for (const char *p = str; *p != '\0'; p++, len++) {
		if (!is_ice_char (*p) || len >= max)
			return FALSE;
	}
	return len >= min;
}

/* token-char of RFC 8866 §9 (RFC 3261's token). */
static gboolean
is_token_char (char c)
{
	return g_ascii_isalnum (c) || strchr ("!#$%&'*+-.^_`{|}~", c) != NULL;
}

static gboolean
is_token (const char *str)
{
	if (*str == '\0')
		return FALSE;
	for (const char *p = str; *p != '\0'; p++) {
		if (!is_token_char (*p))
			return FALSE;
	}
	return TRUE;
}

/* Visible characters: no space, no control characters (bytes >= 0x80 are
 * allowed: byte-string of RFC 8866 is any octet but NUL, CR, LF). */
static gboolean
is_visible (const char *str)
{
	if (*str == '\0')
		return FALSE;
	for (const guchar *p = (const guchar *)str; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return FALSE;
	}
	return TRUE;
}

/* 1*@max_digits DIGIT, value <= @max. */
static gboolean
parse_number (const char *str, guint max_digits, guint64 max, guint64 *ret_value)
{
	guint64 value = 0;
	guint n = 0;

	for (const char *p = str; *p != '\0'; p++, n++) {
		if (!g_ascii_isdigit (*p) || n >= max_digits)
			return FALSE;
		value = value * 10 + (guint64)(*p - '0');
	}
	if (n == 0 || value > max)
		return FALSE;
	*ret_value = value;
	return TRUE;
}

/* ---- Addresses ------------------------------------------------------------ */

typedef enum {
	ADDRESS_INVALID,
	ADDRESS_IPV4,
	ADDRESS_IPV6,
	ADDRESS_FQDN,
	ADDRESS_MDNS,
} AddressKind;

/* A host name in the syntax of RFC 1123 (labels of letters, digits and '-',
 * separated by dots, an optional final dot), at most 253 characters. */
static gboolean
is_host_name (const char *str)
{
	gsize len = strlen (str);
	gsize label = 0;

	if (len == 0 || len > 254)
		return FALSE;
	for (const char *p = str; *p != '\0'; p++) {
		if (*p == '.') {
			/* No empty label, but a final dot is allowed. */
			if (label == 0)
				return FALSE;
			label = 0;
		} else if (g_ascii_isalnum (*p) || *p == '-') {
			if (++label > 63)
				return FALSE;
		} else {
			return FALSE;
		}
	}
	return TRUE;
}

static AddressKind
classify_address (const char *str)
{
	g_autoptr (GInetAddress) inet = NULL;
	gsize len;

	if (strchr (str, ':') != NULL) {
		/* IPv6; no zone identifiers in SDP. */
		if (strchr (str, '%') != NULL || strlen (str) > 45)
			return ADDRESS_INVALID;
		inet = g_inet_address_new_from_string (str);
		if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
			return ADDRESS_INVALID;
		return ADDRESS_IPV6;
	}
	if (strspn (str, "0123456789.") == strlen (str)) {
		if (strlen (str) > 15)
			return ADDRESS_INVALID;
		inet = g_inet_address_new_from_string (str);
		if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
			return ADDRESS_INVALID;
		return ADDRESS_IPV4;
	}
	if (!is_host_name (str))
		return ADDRESS_INVALID;
	len = strlen (str);
	if (str[len - 1] == '.')
		len--;
	if (len >= 6 && g_ascii_strncasecmp (str + len - 6, ".local", 6) == 0)
		return ADDRESS_MDNS;
	return ADDRESS_FQDN;
}

/* ---- Life cycle ----------------------------------------------------------- */

static CfIceCandidate *
candidate_alloc (void)
{
	CfIceCandidate *self = g_new0 (CfIceCandidate, 1);

	self->extensions = g_new0 (char *, 1);
	return self;
}

void
cf_ice_candidate_free (CfIceCandidate *self)
{
	if (self == NULL)
		return;
	g_free (self->foundation);
	g_free (self->address);
	g_free (self->related_address);
	g_strfreev (self->extensions);
	g_free (self);
}

CfIceCandidate *
cf_ice_candidate_new (const char *foundation,
		      guint component,
		      guint32 priority,
		      const char *address,
		      guint16 port,
		      CfIceCandidateType type,
		      const char *related_address,
		      guint16 related_port)
{
	CfIceCandidate *self;
	AddressKind kind;

	g_return_val_if_fail (foundation != NULL, NULL);
	g_return_val_if_fail (is_ice_chars (foundation, 1, CF_ICE_MAX_FOUNDATION), NULL);
	g_return_val_if_fail (component >= 1 && component <= CF_ICE_MAX_COMPONENT, NULL);
	g_return_val_if_fail (priority >= 1 && priority <= CF_ICE_MAX_PRIORITY, NULL);
	g_return_val_if_fail (address != NULL, NULL);
	kind = classify_address (address);
	g_return_val_if_fail (kind == ADDRESS_IPV4 || kind == ADDRESS_IPV6, NULL);
	g_return_val_if_fail (port != 0, NULL);
	g_return_val_if_fail ((guint)type < G_N_ELEMENTS (type_names), NULL);
	g_return_val_if_fail (related_address == NULL
				      || classify_address (related_address) != ADDRESS_INVALID,
			      NULL);

	self = candidate_alloc ();
	self->foundation = g_strdup (foundation);
	self->component = component;
	self->priority = priority;
	self->address = g_strdup (address);
	self->port = port;
	self->type = type;
	self->related_address = g_strdup (related_address);
	self->related_port = related_address != NULL ? related_port : 0;
	return self;
}

CfIceCandidate *
cf_ice_candidate_copy (const CfIceCandidate *self)
{
	CfIceCandidate *copy;

	g_return_val_if_fail (self != NULL, NULL);

	copy = g_new0 (CfIceCandidate, 1);
	copy->foundation = g_strdup (self->foundation);
	copy->component = self->component;
	copy->priority = self->priority;
	copy->address = g_strdup (self->address);
	copy->port = self->port;
	copy->type = self->type;
	copy->related_address = g_strdup (self->related_address);
	copy->related_port = self->related_port;
	copy->extensions = g_strdupv (self->extensions);
	return copy;
}

/* ---- Parser --------------------------------------------------------------- */

static gboolean
parse_address (const char *str, const char *what, char **ret_address, GError **error)
{
	switch (classify_address (str)) {
	case ADDRESS_IPV4:
	case ADDRESS_IPV6:
		*ret_address = g_strdup (str);
		return TRUE;
	case ADDRESS_MDNS:
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_UNSUPPORTED,
			     "%s is an mDNS name (not resolved)",
			     what);
		return FALSE;
	case ADDRESS_FQDN:
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_UNSUPPORTED,
			     "%s is a host name, not an IP address",
			     what);
		return FALSE;
	case ADDRESS_INVALID:
	default:
		g_set_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid %s", what);
		return FALSE;
	}
}

static gboolean
parse_port (
	const char *str, gboolean allow_zero, const char *what, guint16 *ret_port, GError **error)
{
	guint64 value;

	if (!parse_number (str, 5, G_MAXUINT16, &value) || (value == 0 && !allow_zero)) {
		g_set_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid %s", what);
		return FALSE;
	}
	*ret_port = (guint16)value;
	return TRUE;
}

CfIceCandidate *
cf_ice_candidate_parse (const char *value, GError **error)
{
	g_autoptr (CfIceCandidate) self = NULL;
	g_autoptr (GStrvBuilder) extensions = NULL;
	g_autofree char *copy = NULL;
	const char *tokens[MAX_TOKENS];
	guint n_tokens = 0;
	guint i;
	guint64 number;
	char *p;

	g_return_val_if_fail (value != NULL, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (strlen (value) > CF_ICE_MAX_CANDIDATE_LENGTH) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "candidate longer than %d bytes",
			     CF_ICE_MAX_CANDIDATE_LENGTH);
		return NULL;
	}
	for (const guchar *q = (const guchar *)value; *q != '\0'; q++) {
		if ((*q < 0x20 && *q != ' ') || *q == 0x7f) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "control character in candidate");
			return NULL;
		}
	}

	/* Split at runs of spaces. */
	copy = g_strdup (value);
	p = copy;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (n_tokens == MAX_TOKENS) {
			g_set_error (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_LIMIT,
				     "more than %d extension attributes in candidate",
				     CF_ICE_MAX_EXTENSIONS);
			return NULL;
		}
		tokens[n_tokens++] = p;
		while (*p != ' ' && *p != '\0')
			p++;
		if (*p == ' ')
			*p++ = '\0';
	}
	if (n_tokens < 8) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "candidate has too few fields");
		return NULL;
	}

	self = candidate_alloc ();

	/* foundation = 1*32ice-char */
	if (!is_ice_chars (tokens[0], 1, CF_ICE_MAX_FOUNDATION)) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid foundation");
		return NULL;
	}
	self->foundation = g_strdup (tokens[0]);

	/* component-id = 1*3DIGIT, 1..256 */
	if (!parse_number (tokens[1], 3, CF_ICE_MAX_COMPONENT, &number) || number == 0) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid component ID");
		return NULL;
	}
	self->component = (guint)number;

	/* transport = "UDP" / transport-extension */
	if (g_ascii_strcasecmp (tokens[2], "UDP") != 0) {
		if (!is_token (tokens[2])) {
			g_set_error_literal (
				error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid transport");
			return NULL;
		}
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_UNSUPPORTED,
			     "transport %s is not supported",
			     g_ascii_strcasecmp (tokens[2], "TCP") == 0 ? "TCP" : "other than UDP");
		return NULL;
	}

	/* priority = 1*10DIGIT, 1..2^31-1 (RFC 8445 §5.1.2) */
	if (!parse_number (tokens[3], 10, CF_ICE_MAX_PRIORITY, &number) || number == 0) {
		g_set_error_literal (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "invalid priority");
		return NULL;
	}
	self->priority = (guint32)number;

	/* connection-address SP port */
	if (!parse_address (tokens[4], "candidate address", &self->address, error))
		return NULL;
	if (!parse_port (tokens[5], FALSE, "candidate port", &self->port, error))
		return NULL;

	/* cand-type = "typ" SP candidate-types */
	if (g_ascii_strcasecmp (tokens[6], "typ") != 0) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "expected \"typ\" in candidate");
		return NULL;
	}
	if (!cf_ice_candidate_type_from_string (tokens[7], &self->type)) {
		if (!is_token (tokens[7])) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "invalid candidate type");
			return NULL;
		}
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_UNSUPPORTED, "unknown candidate type");
		return NULL;
	}
	i = 8;

	/* [SP rel-addr] [SP rel-port]: together here. */
	if (i < n_tokens && g_ascii_strcasecmp (tokens[i], "raddr") == 0) {
		if (i + 4 > n_tokens || g_ascii_strcasecmp (tokens[i + 2], "rport") != 0) {
			g_set_error_literal (
				error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "raddr without rport");
			return NULL;
		}
		if (classify_address (tokens[i + 1]) == ADDRESS_INVALID) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "invalid related address");
			return NULL;
		}
		self->related_address = g_strdup (tokens[i + 1]);
		if (!parse_port (tokens[i + 3], TRUE, "related port", &self->related_port, error))
			return NULL;
		i += 4;
	} else if (i < n_tokens && g_ascii_strcasecmp (tokens[i], "rport") == 0) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "rport without raddr");
		return NULL;
	}

	/* *(SP extension-att-name SP extension-att-value) */
	if ((n_tokens - i) % 2 != 0) {
		g_set_error_literal (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_INVALID,
				     "extension attribute without a value");
		return NULL;
	}
	if ((n_tokens - i) / 2 > CF_ICE_MAX_EXTENSIONS) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "more than %d extension attributes in candidate",
			     CF_ICE_MAX_EXTENSIONS);
		return NULL;
	}
	extensions = g_strv_builder_new ();
	for (; i < n_tokens; i++) {
		/* Control characters were refused above; spaces split tokens. */
		g_strv_builder_add (extensions, tokens[i]);
	}
	g_strfreev (self->extensions);
	self->extensions = g_strv_builder_end (extensions);

	return g_steal_pointer (&self);
}

/* ---- Printer and accessors ------------------------------------------------ */

char *
cf_ice_candidate_to_string (const CfIceCandidate *self)
{
	GString *str;

	g_return_val_if_fail (self != NULL, NULL);

	str = g_string_new (NULL);
	g_string_append_printf (str,
				"%s %u UDP %" G_GUINT32_FORMAT " %s %u typ %s",
				self->foundation,
				self->component,
				self->priority,
				self->address,
				(guint)self->port,
				cf_ice_candidate_type_to_string (self->type));
	if (self->related_address != NULL)
		g_string_append_printf (str,
					" raddr %s rport %u",
					self->related_address,
					(guint)self->related_port);
	for (guint i = 0; self->extensions[i] != NULL; i++)
		g_string_append_printf (str, " %s", self->extensions[i]);
	return g_string_free (str, FALSE);
}

gboolean
cf_ice_candidate_is_ipv6 (const CfIceCandidate *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return strchr (self->address, ':') != NULL;
}

const char *
cf_ice_candidate_get_extension (const CfIceCandidate *self, const char *name)
{
	g_return_val_if_fail (self != NULL, NULL);
	g_return_val_if_fail (name != NULL, NULL);

	for (guint i = 0; self->extensions[i] != NULL && self->extensions[i + 1] != NULL; i += 2) {
		if (strcmp (self->extensions[i], name) == 0)
			return self->extensions[i + 1];
	}
	return NULL;
}

gboolean
cf_ice_candidate_add_extension (CfIceCandidate *self, const char *name, const char *value)
{
	guint n;

	g_return_val_if_fail (self != NULL, FALSE);

	if (name == NULL || value == NULL || !is_visible (name) || !is_visible (value))
		return FALSE;
	n = g_strv_length (self->extensions);
	if (n / 2 >= CF_ICE_MAX_EXTENSIONS)
		return FALSE;
	self->extensions = g_renew (char *, self->extensions, n + 3);
	self->extensions[n] = g_strdup (name);
	self->extensions[n + 1] = g_strdup (value);
	self->extensions[n + 2] = NULL;
	return TRUE;
}

gboolean
cf_ice_candidate_equal (const CfIceCandidate *a, const CfIceCandidate *b)
{
	g_return_val_if_fail (a != NULL && b != NULL, FALSE);

	return g_str_equal (a->foundation, b->foundation) && a->component == b->component
	       && a->priority == b->priority && g_str_equal (a->address, b->address)
	       && a->port == b->port && a->type == b->type
	       && g_strcmp0 (a->related_address, b->related_address) == 0
	       && a->related_port == b->related_port
	       && g_strv_equal ((const char *const *)a->extensions,
				(const char *const *)b->extensions);
}

/* ---- Credentials, options, flags ------------------------------------------ */

static gboolean
validate_credential (const char *str, gsize min, const char *what, GError **error)
{
	if (str == NULL) {
		g_set_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "no %s", what);
		return FALSE;
	}
	if (strnlen (str, CF_ICE_MAX_CREDENTIAL + 1) > CF_ICE_MAX_CREDENTIAL) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_LIMIT,
			     "%s longer than %d characters",
			     what,
			     CF_ICE_MAX_CREDENTIAL);
		return FALSE;
	}
	if (!is_ice_chars (str, min, CF_ICE_MAX_CREDENTIAL)) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_INVALID,
			     "%s must be %" G_GSIZE_FORMAT " to %d characters of A-Z a-z 0-9 + /",
			     what,
			     min,
			     CF_ICE_MAX_CREDENTIAL);
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_ice_ufrag_validate (const char *ufrag, GError **error)
{
	return validate_credential (ufrag, CF_ICE_MIN_UFRAG, "ice-ufrag", error);
}

gboolean
cf_ice_pwd_validate (const char *pwd, GError **error)
{
	return validate_credential (pwd, CF_ICE_MIN_PWD, "ice-pwd", error);
}

char **
cf_ice_options_parse (const char *value, GError **error)
{
	g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
	g_auto (GStrv) tags = NULL;
	guint n = 0;

	if (value == NULL || *value == '\0') {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "empty ice-options");
		return NULL;
	}
	/* Bound the split: at most MAX_OPTIONS tags of MAX_OPTION_LENGTH. */
	if (strlen (value) > (gsize)CF_ICE_MAX_OPTIONS * (CF_ICE_MAX_OPTION_LENGTH + 1)) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT, "ice-options too long");
		return NULL;
	}
	tags = g_strsplit (value, " ", -1);
	for (guint i = 0; tags[i] != NULL; i++) {
		if (*tags[i] == '\0')
			continue; /* a run of spaces */
		if (!is_ice_chars (tags[i], 1, CF_ICE_MAX_OPTION_LENGTH)) {
			g_set_error_literal (error,
					     CF_ICE_ERROR,
					     CF_ICE_ERROR_INVALID,
					     "invalid ice-option tag");
			return NULL;
		}
		if (++n > CF_ICE_MAX_OPTIONS) {
			g_set_error (error,
				     CF_ICE_ERROR,
				     CF_ICE_ERROR_LIMIT,
				     "more than %d ice-options",
				     CF_ICE_MAX_OPTIONS);
			return NULL;
		}
		g_strv_builder_add (builder, tags[i]);
	}
	if (n == 0) {
		g_set_error_literal (
			error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID, "empty ice-options");
		return NULL;
	}
	return g_strv_builder_end (builder);
}

char *
cf_ice_options_to_string (const char *const *options)
{
	g_return_val_if_fail (options != NULL && options[0] != NULL, NULL);
	g_return_val_if_fail (g_strv_length ((char **)options) <= CF_ICE_MAX_OPTIONS, NULL);
	for (guint i = 0; options[i] != NULL; i++)
		g_return_val_if_fail (is_ice_chars (options[i], 1, CF_ICE_MAX_OPTION_LENGTH), NULL);
	return g_strjoinv (" ", (char **)options);
}

gboolean
cf_ice_flag_attribute_validate (const char *name, const char *value, GError **error)
{
	if (value != NULL) {
		g_set_error (error,
			     CF_ICE_ERROR,
			     CF_ICE_ERROR_INVALID,
			     "a=%s takes no value",
			     name != NULL ? name : "attribute");
		return FALSE;
	}
	return TRUE;
}
