/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SIP URIs (RFC 3261 §19.1, §25.1) and the lexical helpers shared by the
 * message parser: character classes, quoted strings, parameter lists. */

#define G_LOG_DOMAIN "cf-sip"

#include <gio/gio.h>
#include <string.h>

#include "cf-sip-message.h"
#include "cf-sip-util-private.h"

/* ---- character classes (RFC 3261 §25.1) ---- */

static gboolean
char_in (char c, const char *set)
{
	return c != '\0' && strchr (set, c) != NULL;
}

gboolean
cf_sip_is_token_char (char c)
{
	return g_ascii_isalnum (c) || char_in (c, "-.!%*_+`'~");
}

gboolean
cf_sip_is_word_char (char c)
{
	return g_ascii_isalnum (c) || char_in (c, "-.!%*_+`'~()<>:\\\"/[]?{}");
}

gboolean
cf_sip_is_unreserved (char c)
{
	return g_ascii_isalnum (c) || char_in (c, "-_.!~*'()");
}

gboolean
cf_sip_is_host_char (char c)
{
	return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_';
}

gboolean
cf_sip_is_token (const char *s, gsize len)
{
	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!cf_sip_is_token_char (s[i]))
			return FALSE;
	}
	return TRUE;
}

void
cf_sip_trim (const char **start, const char **end)
{
	while (*start < *end && cf_sip_is_wsp (**start))
		(*start)++;
	while (*end > *start && cf_sip_is_wsp ((*end)[-1]))
		(*end)--;
}

static gboolean
set_parse_error (GError **error, const char *what)
{
	g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "%s", what);
	return FALSE;
}

gboolean
cf_sip_parse_quoted_string (
	const char **p, const char *end, GString *unescaped, gboolean allow_nul, GError **error)
{
	const char *q = *p;

	if (q >= end || *q != '"')
		return set_parse_error (error, "expected a quoted string");
	q++;
	while (q < end) {
		guchar c = (guchar)*q;

		if (c == '"') {
			*p = q + 1;
			return TRUE;
		}
		if (c == '\\') {
			/* quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
			guchar e;

			if (q + 1 >= end)
				break;
			e = (guchar)q[1];
			if (e == '\n' || e == '\r' || e > 0x7f)
				return set_parse_error (error, "invalid escape in quoted string");
			if (e == '\0' && !allow_nul)
				return set_parse_error (error, "escaped NUL in quoted string");
			if (unescaped != NULL && e != '\0')
				g_string_append_c (unescaped, (char)e);
			q += 2;
			continue;
		}
		/* qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return set_parse_error (error, "control character in quoted string");
		if (unescaped != NULL)
			g_string_append_c (unescaped, (char)c);
		q++;
	}
	return set_parse_error (error, "unterminated quoted string");
}

char *
cf_sip_parse_ipv6_reference (const char **p, const char *end, GError **error)
{
	const char *start = *p + 1;
	const char *close;
	g_autofree char *addr = NULL;

	if (*p >= end || **p != '[') {
		set_parse_error (error, "expected an IPv6 reference");
		return NULL;
	}
	close = memchr (start, ']', end - start);
	if (close == NULL || close == start || close - start > 45) {
		set_parse_error (error, "invalid IPv6 reference");
		return NULL;
	}
	for (const char *c = start; c < close; c++) {
		if (!g_ascii_isxdigit (*c) && *c != ':' && *c != '.') {
			set_parse_error (error, "invalid IPv6 reference");
			return NULL;
		}
	}
	addr = g_strndup (start, close - start);
	if (strchr (addr, ':') == NULL || !g_hostname_is_ip_address (addr)) {
		set_parse_error (error, "invalid IPv6 address");
		return NULL;
	}
	*p = close + 1;
	return g_steal_pointer (&addr);
}

gboolean
cf_sip_parse_port (const char **p, const char *end, guint16 *ret_port, GError **error)
{
	const char *q = *p;
	guint port = 0;

	if (q >= end || !g_ascii_isdigit (*q))
		return set_parse_error (error, "invalid port");
	while (q < end && g_ascii_isdigit (*q)) {
		port = port * 10 + (guint)(*q - '0');
		if (port > 65535)
			return set_parse_error (error, "port out of range");
		q++;
	}
	if (port == 0)
		return set_parse_error (error, "port out of range");
	*p = q;
	*ret_port = (guint16)port;
	return TRUE;
}

/* ---- parameters ---- */

void
cf_sip_param_free (CfSipParam *param)
{
	if (param == NULL)
		return;
	g_free (param->name);
	g_free (param->value);
	g_free (param);
}

static CfSipParam *
param_new_len (const char *name, gsize name_len, const char *value, gssize value_len)
{
	CfSipParam *param = g_new0 (CfSipParam, 1);

	param->name = g_strndup (name, name_len);
	if (value != NULL)
		param->value = value_len < 0 ? g_strdup (value) : g_strndup (value, value_len);
	return param;
}

GPtrArray *
cf_sip_params_new (void)
{
	return g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sip_param_free);
}

GPtrArray *
cf_sip_params_copy (GPtrArray *params)
{
	GPtrArray *copy = cf_sip_params_new ();

	for (guint i = 0; params != NULL && i < params->len; i++) {
		CfSipParam *param = g_ptr_array_index (params, i);

		g_ptr_array_add (
			copy, param_new_len (param->name, strlen (param->name), param->value, -1));
	}
	return copy;
}

CfSipParam *
cf_sip_params_find (GPtrArray *params, const char *name)
{
	for (guint i = 0; params != NULL && i < params->len; i++) {
		CfSipParam *param = g_ptr_array_index (params, i);

		if (g_ascii_strcasecmp (param->name, name) == 0)
			return param;
	}
	return NULL;
}

const char *
cf_sip_params_get (GPtrArray *params, const char *name)
{
	CfSipParam *param = cf_sip_params_find (params, name);

	if (param == NULL)
		return NULL;
	return param->value != NULL ? param->value : "";
}

void
cf_sip_params_set (GPtrArray *params, const char *name, const char *value)
{
	CfSipParam *param = cf_sip_params_find (params, name);

	if (param != NULL) {
		g_free (param->value);
		param->value = g_strdup (value);
		return;
	}
	g_ptr_array_add (params, param_new_len (name, strlen (name), value, -1));
}

gboolean
cf_sip_params_remove (GPtrArray *params, const char *name)
{
	for (guint i = 0; params != NULL && i < params->len; i++) {
		CfSipParam *param = g_ptr_array_index (params, i);

		if (g_ascii_strcasecmp (param->name, name) == 0) {
			g_ptr_array_remove_index (params, i);
			return TRUE;
		}
	}
	return FALSE;
}

void
cf_sip_params_append (GString *str, GPtrArray *params)
{
	for (guint i = 0; params != NULL && i < params->len; i++) {
		CfSipParam *param = g_ptr_array_index (params, i);

		g_string_append_c (str, ';');
		g_string_append (str, param->name);
		if (param->value != NULL) {
			g_string_append_c (str, '=');
			g_string_append (str, param->value);
		}
	}
}

static gboolean
is_gen_value_char (char c)
{
	/* token, plus what a host adds: an IPv6 address with or without
	 * brackets (received=, maddr=) */
	return cf_sip_is_token_char (c) || c == ':' || c == '[' || c == ']';
}

gboolean
cf_sip_parse_header_params (const char **p, const char *end, GPtrArray *params, GError **error)
{
	const char *q = *p;

	for (;;) {
		const char *name;
		const char *value = NULL;
		gsize name_len;
		gsize value_len = 0;

		cf_sip_skip_wsp (&q, end);
		if (q >= end)
			break;
		if (*q != ';')
			return set_parse_error (error, "unexpected character after value");
		q++;
		cf_sip_skip_wsp (&q, end);
		name = q;
		while (q < end && cf_sip_is_token_char (*q))
			q++;
		name_len = q - name;
		if (name_len == 0)
			return set_parse_error (error, "empty parameter");
		cf_sip_skip_wsp (&q, end);
		if (q < end && *q == '=') {
			q++;
			cf_sip_skip_wsp (&q, end);
			value = q;
			if (q < end && *q == '"') {
				if (!cf_sip_parse_quoted_string (&q, end, NULL, FALSE, error))
					return FALSE;
			} else {
				while (q < end && is_gen_value_char (*q))
					q++;
			}
			value_len = q - value;
			if (value_len == 0)
				return set_parse_error (error, "empty parameter value");
		}
		if (params->len >= CF_SIP_MAX_PARAMS) {
			g_set_error (error,
				     CF_SIP_ERROR,
				     CF_SIP_ERROR_TOO_LARGE,
				     "more than %d parameters",
				     CF_SIP_MAX_PARAMS);
			return FALSE;
		}
		g_ptr_array_add (params, param_new_len (name, name_len, value, value_len));
	}
	*p = q;
	return TRUE;
}

/* ---- URIs ---- */

/* user = 1*( unreserved / escaped / user-unreserved ) */
static gboolean
is_user_char (char c)
{
	return cf_sip_is_unreserved (c) || char_in (c, "&=+$,;?/");
}

/* password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
static gboolean
is_password_char (char c)
{
	return cf_sip_is_unreserved (c) || char_in (c, "&=+$,");
}

/* paramchar = param-unreserved / unreserved / escaped */
static gboolean
is_paramchar (char c)
{
	return cf_sip_is_unreserved (c) || char_in (c, "[]/:&+$");
}

/* hname / hvalue = *( hnv-unreserved / unreserved / escaped ) */
static gboolean
is_hnv_char (char c)
{
	return cf_sip_is_unreserved (c) || char_in (c, "[]/?:+$");
}

/* Spans characters accepted by @ok or escapes (% HEX HEX). */
static gboolean
span_escaped (const char **p, const char *end, gboolean (*ok) (char), GError **error)
{
	const char *q = *p;

	while (q < end) {
		if (*q == '%') {
			if (end - q < 3 || !g_ascii_isxdigit (q[1]) || !g_ascii_isxdigit (q[2]))
				return set_parse_error (error, "invalid escape in URI");
			q += 3;
		} else if (ok (*q)) {
			q++;
		} else {
			break;
		}
	}
	*p = q;
	return TRUE;
}

void
cf_sip_uri_free (CfSipUri *uri)
{
	if (uri == NULL)
		return;
	g_free (uri->scheme);
	g_free (uri->user);
	g_free (uri->password);
	g_free (uri->host);
	g_clear_pointer (&uri->params, g_ptr_array_unref);
	g_free (uri->headers);
	g_free (uri);
}

CfSipUri *
cf_sip_uri_new (const char *scheme, const char *user, const char *host, guint16 port)
{
	CfSipUri *uri;

	g_return_val_if_fail (scheme != NULL, NULL);
	g_return_val_if_fail (host != NULL, NULL);

	uri = g_new0 (CfSipUri, 1);
	uri->scheme = g_ascii_strdown (scheme, -1);
	uri->user = g_strdup (user);
	uri->host = g_strdup (host);
	uri->port = port;
	uri->params = cf_sip_params_new ();
	return uri;
}

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static gsize
scheme_length (const char *text, gsize len)
{
	gsize i = 0;

	if (len == 0 || !g_ascii_isalpha (text[0]))
		return 0;
	while (i < len && (g_ascii_isalnum (text[i]) || char_in (text[i], "+-.")))
		i++;
	if (i >= len || text[i] != ':')
		return 0;
	return i;
}

CfSipUri *
cf_sip_uri_parse_len (const char *text, gsize len, GError **error)
{
	g_autoptr (CfSipUri) uri = NULL;
	const char *end = text + len;
	const char *p;
	const char *at;
	gsize scheme_len;

	if (len > CF_SIP_MAX_URI_LENGTH) {
		g_set_error (error,
			     CF_SIP_ERROR,
			     CF_SIP_ERROR_TOO_LARGE,
			     "URI longer than %d bytes",
			     CF_SIP_MAX_URI_LENGTH);
		return NULL;
	}
	scheme_len = scheme_length (text, len);
	if (scheme_len == 0) {
		set_parse_error (error, "URI has no scheme");
		return NULL;
	}
	uri = g_new0 (CfSipUri, 1);
	uri->params = cf_sip_params_new ();
	uri->scheme = g_ascii_strdown (text, scheme_len);
	if (strcmp (uri->scheme, "sip") != 0 && strcmp (uri->scheme, "sips") != 0) {
		set_parse_error (error, "unsupported URI scheme");
		return NULL;
	}
	p = text + scheme_len + 1;

	/* userinfo: neither user nor password may contain a raw "@", so the
	 * first one ends the userinfo. */
	at = memchr (p, '@', end - p);
	if (at != NULL) {
		const char *user = p;
		const char *q = p;

		if (!span_escaped (&q, at, is_user_char, error))
			return NULL;
		if (q == user) {
			set_parse_error (error, "empty user in URI");
			return NULL;
		}
		uri->user = g_strndup (user, q - user);
		if (q < at && *q == ':') {
			const char *password = ++q;

			if (!span_escaped (&q, at, is_password_char, error))
				return NULL;
			uri->password = g_strndup (password, q - password);
		}
		if (q != at) {
			set_parse_error (error, "invalid character in URI user part");
			return NULL;
		}
		p = at + 1;
	}

	/* hostport */
	if (p < end && *p == '[') {
		uri->host = cf_sip_parse_ipv6_reference (&p, end, error);
		if (uri->host == NULL)
			return NULL;
	} else {
		const char *host = p;

		while (p < end && cf_sip_is_host_char (*p))
			p++;
		if (p == host) {
			set_parse_error (error, "URI has no host");
			return NULL;
		}
		uri->host = g_strndup (host, p - host);
	}
	if (p < end && *p == ':') {
		p++;
		if (!cf_sip_parse_port (&p, end, &uri->port, error))
			return NULL;
	}

	/* uri-parameters */
	while (p < end && *p == ';') {
		const char *name = ++p;
		const char *value = NULL;
		gsize value_len = 0;
		gsize name_len;

		if (!span_escaped (&p, end, is_paramchar, error))
			return NULL;
		name_len = p - name;
		if (name_len == 0) {
			set_parse_error (error, "empty URI parameter");
			return NULL;
		}
		if (p < end && *p == '=') {
			value = ++p;
			if (!span_escaped (&p, end, is_paramchar, error))
				return NULL;
			value_len = p - value;
			if (value_len == 0) {
				set_parse_error (error, "empty URI parameter value");
				return NULL;
			}
		}
		if (uri->params->len >= CF_SIP_MAX_PARAMS) {
			g_set_error (error,
				     CF_SIP_ERROR,
				     CF_SIP_ERROR_TOO_LARGE,
				     "more than %d URI parameters",
				     CF_SIP_MAX_PARAMS);
			return NULL;
		}
		g_ptr_array_add (uri->params, param_new_len (name, name_len, value, value_len));
	}

	/* headers = "?" header *( "&" header ), header = hname "=" hvalue */
	if (p < end && *p == '?') {
		const char *headers = ++p;

		for (;;) {
			const char *hname = p;

			if (!span_escaped (&p, end, is_hnv_char, error))
				return NULL;
			if (p == hname || p >= end || *p != '=') {
				set_parse_error (error, "invalid URI header");
				return NULL;
			}
			p++;
			if (!span_escaped (&p, end, is_hnv_char, error))
				return NULL;
			if (p >= end || *p != '&')
				break;
			p++;
		}
		uri->headers = g_strndup (headers, p - headers);
	}
	if (p != end) {
		set_parse_error (error, "invalid character in URI");
		return NULL;
	}
	return g_steal_pointer (&uri);
}

CfSipUri *
cf_sip_uri_parse (const char *text, GError **error)
{
	g_return_val_if_fail (text != NULL, NULL);

	return cf_sip_uri_parse_len (text, strlen (text), error);
}

/* uric = reserved / unreserved / escaped, plus "[" "]" (RFC 2732) and "#" */
static gboolean
is_uric (char c)
{
	return cf_sip_is_unreserved (c) || char_in (c, ";/?:@&=+$,[]#");
}

gboolean
cf_sip_check_absolute_uri (const char *text, gsize len, GError **error)
{
	gsize scheme_len = scheme_length (text, len);
	const char *p = text + scheme_len + 1;
	const char *end = text + len;

	if (len > CF_SIP_MAX_URI_LENGTH) {
		g_set_error (error,
			     CF_SIP_ERROR,
			     CF_SIP_ERROR_TOO_LARGE,
			     "URI longer than %d bytes",
			     CF_SIP_MAX_URI_LENGTH);
		return FALSE;
	}
	if (scheme_len == 0)
		return set_parse_error (error, "URI has no scheme");
	if (!span_escaped (&p, end, is_uric, error))
		return FALSE;
	if (p != end || p == text + scheme_len + 1)
		return set_parse_error (error, "invalid character in URI");
	return TRUE;
}

CfSipUri *
cf_sip_uri_copy (const CfSipUri *uri)
{
	CfSipUri *copy;

	if (uri == NULL)
		return NULL;
	copy = g_new0 (CfSipUri, 1);
	copy->scheme = g_strdup (uri->scheme);
	copy->user = g_strdup (uri->user);
	copy->password = g_strdup (uri->password);
	copy->host = g_strdup (uri->host);
	copy->port = uri->port;
	copy->params = cf_sip_params_copy (uri->params);
	copy->headers = g_strdup (uri->headers);
	return copy;
}

char *
cf_sip_uri_to_string (const CfSipUri *uri)
{
	GString *str;

	g_return_val_if_fail (uri != NULL, NULL);

	str = g_string_new (uri->scheme);
	g_string_append_c (str, ':');
	if (uri->user != NULL) {
		g_string_append (str, uri->user);
		if (uri->password != NULL) {
			g_string_append_c (str, ':');
			g_string_append (str, uri->password);
		}
		g_string_append_c (str, '@');
	}
	if (uri->host != NULL && strchr (uri->host, ':') != NULL)
		g_string_append_printf (str, "[%s]", uri->host);
	else
		g_string_append (str, uri->host != NULL ? uri->host : "");
	if (uri->port != 0)
		g_string_append_printf (str, ":%u", uri->port);
	cf_sip_params_append (str, uri->params);
	if (uri->headers != NULL) {
		g_string_append_c (str, '?');
		g_string_append (str, uri->headers);
	}
	return g_string_free (str, FALSE);
}

const char *
cf_sip_uri_get_param (const CfSipUri *uri, const char *name)
{
	g_return_val_if_fail (uri != NULL, NULL);
	g_return_val_if_fail (name != NULL, NULL);

	return cf_sip_params_get (uri->params, name);
}

gboolean
cf_sip_uri_has_param (const CfSipUri *uri, const char *name)
{
	g_return_val_if_fail (uri != NULL, FALSE);
	g_return_val_if_fail (name != NULL, FALSE);

	return cf_sip_params_find (uri->params, name) != NULL;
}

void
cf_sip_uri_set_param (CfSipUri *uri, const char *name, const char *value)
{
	g_return_if_fail (uri != NULL);
	g_return_if_fail (name != NULL);

	if (uri->params == NULL)
		uri->params = cf_sip_params_new ();
	cf_sip_params_set (uri->params, name, value);
}

gboolean
cf_sip_uri_remove_param (CfSipUri *uri, const char *name)
{
	g_return_val_if_fail (uri != NULL, FALSE);
	g_return_val_if_fail (name != NULL, FALSE);

	return cf_sip_params_remove (uri->params, name);
}

/* ---- comparison (RFC 3261 §19.1.4) ---- */

/* Characters other than those in the reserved set are equivalent to their
 * %HEX HEX encoding: decodes those, and upper-cases the hex digits of the
 * escapes that remain. */
static char *
normalize_escapes (const char *s, gboolean fold_case)
{
	GString *out;

	if (s == NULL)
		return NULL;
	out = g_string_sized_new (strlen (s));
	for (const char *p = s; *p != '\0'; p++) {
		if (p[0] == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2])) {
			char c = (char)(g_ascii_xdigit_value (p[1]) * 16
					+ g_ascii_xdigit_value (p[2]));

			if (c != '\0' && !char_in (c, ";/?:@&=+$,%"))
				g_string_append_c (out, fold_case ? g_ascii_tolower (c) : c);
			else
				g_string_append_printf (out,
							"%%%c%c",
							g_ascii_toupper (p[1]),
							g_ascii_toupper (p[2]));
			p += 2;
		} else {
			g_string_append_c (out, fold_case ? g_ascii_tolower (*p) : *p);
		}
	}
	return g_string_free (out, FALSE);
}

static gboolean
escaped_equal (const char *a, const char *b, gboolean fold_case)
{
	g_autofree char *na = normalize_escapes (a, fold_case);
	g_autofree char *nb = normalize_escapes (b, fold_case);

	return g_strcmp0 (na, nb) == 0;
}

static gboolean
host_equal (const char *a, const char *b)
{
	g_autoptr (GInetAddress) ia = NULL;
	g_autoptr (GInetAddress) ib = NULL;

	if (g_ascii_strcasecmp (a, b) == 0)
		return TRUE;
	ia = g_inet_address_new_from_string (a);
	ib = g_inet_address_new_from_string (b);
	return ia != NULL && ib != NULL && g_inet_address_equal (ia, ib);
}

static gboolean
param_value_equal (const CfSipParam *a, const CfSipParam *b)
{
	return escaped_equal (
		a->value != NULL ? a->value : "", b->value != NULL ? b->value : "", TRUE);
}

static gboolean
params_equal (GPtrArray *a, GPtrArray *b)
{
	static const char *const must_match[] = {"user", "ttl", "method", "maddr", "transport"};

	for (guint i = 0; i < G_N_ELEMENTS (must_match); i++) {
		CfSipParam *pa = cf_sip_params_find (a, must_match[i]);
		CfSipParam *pb = cf_sip_params_find (b, must_match[i]);

		if ((pa == NULL) != (pb == NULL))
			return FALSE;
	}
	/* Any parameter present in both must match. Of a repeated parameter,
	 * the first one counts, as for cf_sip_uri_get_param(). */
	for (guint i = 0; a != NULL && i < a->len; i++) {
		CfSipParam *pa = g_ptr_array_index (a, i);
		CfSipParam *pb = cf_sip_params_find (b, pa->name);

		if (cf_sip_params_find (a, pa->name) != pa)
			continue;
		if (pb != NULL && !param_value_equal (pa, pb))
			return FALSE;
	}
	return TRUE;
}

/* Splits "a=1&b=2" into a sorted array of normalized "name=value" strings,
 * names case-folded. */
static GPtrArray *
split_headers (const char *headers)
{
	GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
	g_auto (GStrv) parts = NULL;

	if (headers == NULL)
		return out;
	parts = g_strsplit (headers, "&", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		char *eq = strchr (parts[i], '=');
		g_autofree char *name = NULL;
		g_autofree char *value = NULL;

		if (eq == NULL)
			continue;
		*eq = '\0';
		name = normalize_escapes (parts[i], TRUE);
		value = normalize_escapes (eq + 1, FALSE);
		g_ptr_array_add (out, g_strconcat (name, "=", value, NULL));
	}
	return out;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
	return strcmp (*(const char *const *)a, *(const char *const *)b);
}

static gboolean
headers_equal (const char *a, const char *b)
{
	g_autoptr (GPtrArray) ha = split_headers (a);
	g_autoptr (GPtrArray) hb = split_headers (b);

	if (ha->len != hb->len)
		return FALSE;
	g_ptr_array_sort (ha, compare_strings);
	g_ptr_array_sort (hb, compare_strings);
	for (guint i = 0; i < ha->len; i++) {
		if (strcmp (g_ptr_array_index (ha, i), g_ptr_array_index (hb, i)) != 0)
			return FALSE;
	}
	return TRUE;
}

gboolean
cf_sip_uri_equal (const CfSipUri *a, const CfSipUri *b)
{
	g_return_val_if_fail (a != NULL, FALSE);
	g_return_val_if_fail (b != NULL, FALSE);

	if (g_ascii_strcasecmp (a->scheme, b->scheme) != 0)
		return FALSE;
	/* userinfo is case-sensitive */
	if (!escaped_equal (a->user, b->user, FALSE)
	    || !escaped_equal (a->password, b->password, FALSE))
		return FALSE;
	if (a->port != b->port || !host_equal (a->host, b->host))
		return FALSE;
	return params_equal (a->params, b->params) && params_equal (b->params, a->params)
	       && headers_equal (a->headers, b->headers);
}
