/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared lexical helpers of the SIP message parser (RFC 3261 §25.1):
 * character classes, quoted strings, ;name=value parameter lists. Private
 * to daemon/sip/. Every function works on an explicit byte range
 * [*p, end): input may contain NUL bytes and is never assumed terminated. */

#include "cf-sip-message.h"

G_BEGIN_DECLS

static inline gboolean
cf_sip_is_wsp (char c)
{
	return c == ' ' || c == '\t';
}

static inline void
cf_sip_skip_wsp (const char **p, const char *end)
{
	while (*p < end && cf_sip_is_wsp (**p))
		(*p)++;
}

/* token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
gboolean cf_sip_is_token_char (char c);
/* word (Call-ID) = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" /
 * "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" /
 * "?" / "{" / "}") */
gboolean cf_sip_is_word_char (char c);
/* unreserved = alphanum / mark */
gboolean cf_sip_is_unreserved (char c);
/* A hostname / IPv4 character (alphanum, "-", ".", and "_" which real
 * deployments use although RFC 1034 does not allow it). */
gboolean cf_sip_is_host_char (char c);
gboolean cf_sip_is_token (const char *s, gsize len);

/* Trims SP/HTAB on both sides of [*start, *end). */
void cf_sip_trim (const char **start, const char **end);

/* Parses a quoted-string at *p (which must point at the opening DQUOTE),
 * advancing *p past the closing DQUOTE. The unescaped content is appended to
 * @unescaped if non-NULL; escaped NUL characters are dropped from it (they
 * cannot be represented in a C string). With @allow_nul FALSE, an escaped
 * NUL is an error. */
gboolean cf_sip_parse_quoted_string (
	const char **p, const char *end, GString *unescaped, gboolean allow_nul, GError **error);

/* Parses an IPv6 reference "[...]" at *p (pointing at '['), advancing past
 * ']'. Returns the address without brackets. (transfer full) */
char *cf_sip_parse_ipv6_reference (const char **p, const char *end, GError **error);

/* Parses 1*DIGIT as a port number 1..65535. */
gboolean cf_sip_parse_port (const char **p, const char *end, guint16 *ret_port, GError **error);

/* ---- parameters ---- */

GPtrArray *cf_sip_params_new (void);
GPtrArray *cf_sip_params_copy (GPtrArray *params);
CfSipParam *cf_sip_params_find (GPtrArray *params, const char *name);
const char *cf_sip_params_get (GPtrArray *params, const char *name);
void cf_sip_params_set (GPtrArray *params, const char *name, const char *value);
gboolean cf_sip_params_remove (GPtrArray *params, const char *name);
/* Appends ";name=value" for each parameter. */
void cf_sip_params_append (GString *str, GPtrArray *params);

/* Parses header parameters: *( SEMI generic-param ) up to @end, where
 * generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string, SEMI and EQUAL allowing SP/HTAB around them. Quoted values
 * are stored with their quotes. Anything else up to @end is an error. */
gboolean
cf_sip_parse_header_params (const char **p, const char *end, GPtrArray *params, GError **error);

/* ---- URIs ---- */

/* Like cf_sip_uri_parse() on the bytes [text, text + len). */
CfSipUri *cf_sip_uri_parse_len (const char *text, gsize len, GError **error);

/* Checks the generic syntax of an absolute URI of any scheme (RFC 3261
 * absoluteURI): scheme ":" followed by URI characters, no LWS, no <>, no
 * DQUOTE. */
gboolean cf_sip_check_absolute_uri (const char *text, gsize len, GError **error);

/* ---- name-addr ---- */

/* Parses a name-addr / addr-spec from [text, text + len). With @any_scheme,
 * URIs of a scheme other than sip/sips are accepted after a generic syntax
 * check and give a CfSipNameAddr whose uri is NULL (internal use only: the
 * message parser validates From, To, Contact, Route this way). */
CfSipNameAddr *
cf_sip_name_addr_parse_full (const char *text, gsize len, gboolean any_scheme, GError **error);

/* Parses one Via value from [text, text + len). */
CfSipVia *cf_sip_via_parse_len (const char *text, gsize len, GError **error);

G_END_DECLS
