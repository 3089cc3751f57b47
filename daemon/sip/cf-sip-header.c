/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Structured header values: name-addr / addr-spec (From, To, Contact, Route,
 * Record-Route, Refer-To, Referred-By; RFC 3261 §20.10, §25.1) and Via
 * (RFC 3261 §20.42). */

#define G_LOG_DOMAIN "cf-sip"

#include <string.h>

#include "cf-sip-message.h"
#include "cf-sip-util-private.h"

static gboolean
set_parse_error (GError **error, const char *what)
{
	g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "%s", what);
	return FALSE;
}

/* ---- name-addr ---- */

void
cf_sip_name_addr_free (CfSipNameAddr *na)
{
	if (na == NULL)
		return;
	g_free (na->display_name);
	cf_sip_uri_free (na->uri);
	g_clear_pointer (&na->params, g_ptr_array_unref);
	g_free (na);
}

CfSipNameAddr *
cf_sip_name_addr_new (const char *display_name, CfSipUri *uri)
{
	CfSipNameAddr *na;

	g_return_val_if_fail (uri != NULL, NULL);

	na = g_new0 (CfSipNameAddr, 1);
	na->display_name = g_strdup (display_name);
	na->uri = uri;
	na->params = cf_sip_params_new ();
	return na;
}

CfSipNameAddr *
cf_sip_name_addr_copy (const CfSipNameAddr *na)
{
	CfSipNameAddr *copy;

	if (na == NULL)
		return NULL;
	copy = g_new0 (CfSipNameAddr, 1);
	copy->display_name = g_strdup (na->display_name);
	copy->uri = cf_sip_uri_copy (na->uri);
	copy->params = cf_sip_params_copy (na->params);
	copy->star = na->star;
	return copy;
}

static gboolean
is_sip_scheme (const char *text, gsize len)
{
	return (len >= 4 && g_ascii_strncasecmp (text, "sip:", 4) == 0)
	       || (len >= 5 && g_ascii_strncasecmp (text, "sips:", 5) == 0);
}

CfSipNameAddr *
cf_sip_name_addr_parse_full (const char *text, gsize len, gboolean any_scheme, GError **error)
{
	g_autoptr (CfSipNameAddr) na = g_new0 (CfSipNameAddr, 1);
	const char *p = text;
	const char *end = text + len;
	const char *uri_start;
	const char *uri_end;

	na->params = cf_sip_params_new ();
	cf_sip_trim (&p, &end);
	if (p == end) {
		set_parse_error (error, "empty address");
		return NULL;
	}

	/* Contact: * */
	if (*p == '*') {
		const char *q = p + 1;

		cf_sip_skip_wsp (&q, end);
		if (q == end) {
			na->star = TRUE;
			return g_steal_pointer (&na);
		}
	}

	/* display-name = *(token LWS) / quoted-string */
	if (*p == '"') {
		g_autoptr (GString) display = g_string_new (NULL);

		if (!cf_sip_parse_quoted_string (&p, end, display, TRUE, error))
			return NULL;
		cf_sip_skip_wsp (&p, end);
		if (p >= end || *p != '<') {
			set_parse_error (error, "expected '<' after the display name");
			return NULL;
		}
		na->display_name = g_string_free (g_steal_pointer (&display), FALSE);
	} else {
		const char *lt = memchr (p, '<', end - p);

		if (lt != NULL) {
			const char *ds = p;
			const char *de = lt;

			cf_sip_trim (&ds, &de);
			for (const char *q = ds; q < de; q++) {
				if (!cf_sip_is_token_char (*q) && !cf_sip_is_wsp (*q)) {
					set_parse_error (error,
							 "invalid character in display name");
					return NULL;
				}
			}
			if (de > ds)
				na->display_name = g_strndup (ds, de - ds);
			p = lt;
		}
	}

	if (*p == '<') {
		/* LAQUOT addr-spec RAQUOT: no LWS inside the brackets */
		const char *gt;

		p++;
		gt = memchr (p, '>', end - p);
		if (gt == NULL) {
			set_parse_error (error, "unterminated '<'");
			return NULL;
		}
		uri_start = p;
		uri_end = gt;
		p = gt + 1;
	} else {
		/* addr-spec: header parameters start at the first ';', and a URI
		 * with a comma, question mark or semicolon must be in <>. */
		uri_start = p;
		while (p < end && !cf_sip_is_wsp (*p) && *p != ';')
			p++;
		uri_end = p;
		if (memchr (uri_start, ',', uri_end - uri_start) != NULL
		    || memchr (uri_start, '?', uri_end - uri_start) != NULL) {
			set_parse_error (error, "a URI with ',' or '?' must be enclosed in <>");
			return NULL;
		}
	}
	if (uri_end == uri_start) {
		set_parse_error (error, "empty URI");
		return NULL;
	}
	if (any_scheme && !is_sip_scheme (uri_start, uri_end - uri_start)) {
		if (!cf_sip_check_absolute_uri (uri_start, uri_end - uri_start, error))
			return NULL;
	} else {
		na->uri = cf_sip_uri_parse_len (uri_start, uri_end - uri_start, error);
		if (na->uri == NULL)
			return NULL;
	}
	if (!cf_sip_parse_header_params (&p, end, na->params, error))
		return NULL;
	return g_steal_pointer (&na);
}

CfSipNameAddr *
cf_sip_name_addr_parse (const char *text, GError **error)
{
	g_return_val_if_fail (text != NULL, NULL);

	return cf_sip_name_addr_parse_full (text, strlen (text), FALSE, error);
}

static void
append_quoted (GString *str, const char *s)
{
	g_string_append_c (str, '"');
	for (; *s != '\0'; s++) {
		guchar c = (guchar)*s;

		/* CR and LF cannot be written even as quoted-pair */
		if (c == '\r' || c == '\n')
			continue;
		if (c == '"' || c == '\\' || (c < 0x20 && c != '\t') || c == 0x7f)
			g_string_append_c (str, '\\');
		g_string_append_c (str, (char)c);
	}
	g_string_append_c (str, '"');
}

char *
cf_sip_name_addr_to_string (const CfSipNameAddr *na)
{
	GString *str;
	g_autofree char *uri = NULL;

	g_return_val_if_fail (na != NULL, NULL);
	g_return_val_if_fail (na->star || na->uri != NULL, NULL);

	if (na->star)
		return g_strdup ("*");
	str = g_string_new (NULL);
	if (na->display_name != NULL) {
		append_quoted (str, na->display_name);
		g_string_append_c (str, ' ');
	}
	uri = cf_sip_uri_to_string (na->uri);
	g_string_append_printf (str, "<%s>", uri);
	cf_sip_params_append (str, na->params);
	return g_string_free (str, FALSE);
}

const char *
cf_sip_name_addr_get_param (const CfSipNameAddr *na, const char *name)
{
	g_return_val_if_fail (na != NULL, NULL);
	g_return_val_if_fail (name != NULL, NULL);

	return cf_sip_params_get (na->params, name);
}

void
cf_sip_name_addr_set_param (CfSipNameAddr *na, const char *name, const char *value)
{
	g_return_if_fail (na != NULL);
	g_return_if_fail (name != NULL);

	if (na->params == NULL)
		na->params = cf_sip_params_new ();
	cf_sip_params_set (na->params, name, value);
}

/* ---- Via ---- */

void
cf_sip_via_free (CfSipVia *via)
{
	if (via == NULL)
		return;
	g_free (via->protocol);
	g_free (via->transport);
	g_free (via->host);
	g_clear_pointer (&via->params, g_ptr_array_unref);
	g_free (via);
}

CfSipVia *
cf_sip_via_new (const char *transport, const char *host, guint16 port)
{
	CfSipVia *via;

	g_return_val_if_fail (transport != NULL, NULL);
	g_return_val_if_fail (host != NULL, NULL);

	via = g_new0 (CfSipVia, 1);
	via->protocol = g_strdup ("SIP/2.0");
	via->transport = g_ascii_strup (transport, -1);
	via->host = g_strdup (host);
	via->port = port;
	via->params = cf_sip_params_new ();
	return via;
}

CfSipVia *
cf_sip_via_copy (const CfSipVia *via)
{
	CfSipVia *copy;

	if (via == NULL)
		return NULL;
	copy = g_new0 (CfSipVia, 1);
	copy->protocol = g_strdup (via->protocol);
	copy->transport = g_strdup (via->transport);
	copy->host = g_strdup (via->host);
	copy->port = via->port;
	copy->params = cf_sip_params_copy (via->params);
	return copy;
}

static gboolean
span_token (const char **p, const char *end, const char **ret_start, gsize *ret_len)
{
	const char *start = *p;

	while (*p < end && cf_sip_is_token_char (**p))
		(*p)++;
	*ret_start = start;
	*ret_len = *p - start;
	return *ret_len > 0;
}

/* SLASH = SWS "/" SWS */
static gboolean
skip_slash (const char **p, const char *end)
{
	cf_sip_skip_wsp (p, end);
	if (*p >= end || **p != '/')
		return FALSE;
	(*p)++;
	cf_sip_skip_wsp (p, end);
	return TRUE;
}

CfSipVia *
cf_sip_via_parse_len (const char *text, gsize len, GError **error)
{
	g_autoptr (CfSipVia) via = g_new0 (CfSipVia, 1);
	const char *p = text;
	const char *end = text + len;
	const char *name;
	const char *version;
	const char *transport;
	gsize name_len;
	gsize version_len;
	gsize transport_len;
	g_autofree char *protocol = NULL;

	via->params = cf_sip_params_new ();
	cf_sip_trim (&p, &end);

	/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
	if (!span_token (&p, end, &name, &name_len) || !skip_slash (&p, end)
	    || !span_token (&p, end, &version, &version_len) || !skip_slash (&p, end)
	    || !span_token (&p, end, &transport, &transport_len)) {
		set_parse_error (error, "invalid Via protocol");
		return NULL;
	}
	protocol = g_strdup_printf ("%.*s/%.*s", (int)name_len, name, (int)version_len, version);
	via->protocol = g_ascii_strup (protocol, -1);
	via->transport = g_ascii_strup (transport, transport_len);

	/* LWS sent-by, sent-by = host [ COLON port ] */
	if (p >= end || !cf_sip_is_wsp (*p)) {
		set_parse_error (error, "expected a host in Via");
		return NULL;
	}
	cf_sip_skip_wsp (&p, end);
	if (p < end && *p == '[') {
		via->host = cf_sip_parse_ipv6_reference (&p, end, error);
		if (via->host == NULL)
			return NULL;
	} else {
		const char *host = p;

		while (p < end && cf_sip_is_host_char (*p))
			p++;
		if (p == host) {
			set_parse_error (error, "expected a host in Via");
			return NULL;
		}
		via->host = g_strndup (host, p - host);
	}
	{
		const char *q = p;

		cf_sip_skip_wsp (&q, end);
		if (q < end && *q == ':') {
			q++;
			cf_sip_skip_wsp (&q, end);
			if (!cf_sip_parse_port (&q, end, &via->port, error))
				return NULL;
			p = q;
		}
	}
	if (!cf_sip_parse_header_params (&p, end, via->params, error))
		return NULL;
	return g_steal_pointer (&via);
}

CfSipVia *
cf_sip_via_parse (const char *text, GError **error)
{
	g_return_val_if_fail (text != NULL, NULL);

	return cf_sip_via_parse_len (text, strlen (text), error);
}

char *
cf_sip_via_to_string (const CfSipVia *via)
{
	GString *str;

	g_return_val_if_fail (via != NULL, NULL);

	str = g_string_new (NULL);
	g_string_append_printf (
		str, "%s/%s ", via->protocol != NULL ? via->protocol : "SIP/2.0", via->transport);
	if (strchr (via->host, ':') != NULL)
		g_string_append_printf (str, "[%s]", via->host);
	else
		g_string_append (str, via->host);
	if (via->port != 0)
		g_string_append_printf (str, ":%u", via->port);
	cf_sip_params_append (str, via->params);
	return g_string_free (str, FALSE);
}

const char *
cf_sip_via_get_param (const CfSipVia *via, const char *name)
{
	g_return_val_if_fail (via != NULL, NULL);
	g_return_val_if_fail (name != NULL, NULL);

	return cf_sip_params_get (via->params, name);
}

gboolean
cf_sip_via_has_param (const CfSipVia *via, const char *name)
{
	g_return_val_if_fail (via != NULL, FALSE);
	g_return_val_if_fail (name != NULL, FALSE);

	return cf_sip_params_find (via->params, name) != NULL;
}

void
cf_sip_via_set_param (CfSipVia *via, const char *name, const char *value)
{
	g_return_if_fail (via != NULL);
	g_return_if_fail (name != NULL);

	if (via->params == NULL)
		via->params = cf_sip_params_new ();
	cf_sip_params_set (via->params, name, value);
}
