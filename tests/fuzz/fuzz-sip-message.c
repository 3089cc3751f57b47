/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target of the SIP message parser, framer and printer, and of the URI,
 * name-addr and Via parsers. Invariants checked (abort() when broken):
 *  - a message that parses prints to bytes that parse again, and printing
 *    that gives the same bytes;
 *  - a framed message lies within the input;
 *  - a URI, name-addr or Via that parses prints to text that parses again
 *    and prints the same. */

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf-sip-message.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok)
{
	if (!ok)
		abort ();
}

static void
fuzz_uri (const char *text)
{
	g_autoptr (CfSipUri) uri = cf_sip_uri_parse (text, NULL);
	g_autoptr (CfSipUri) again = NULL;
	g_autoptr (CfSipUri) copy = NULL;
	g_autofree char *printed = NULL;
	g_autofree char *reprinted = NULL;

	if (uri == NULL)
		return;
	printed = cf_sip_uri_to_string (uri);
	again = cf_sip_uri_parse (printed, NULL);
	check (again != NULL);
	reprinted = cf_sip_uri_to_string (again);
	check (strcmp (printed, reprinted) == 0);
	check (cf_sip_uri_equal (uri, again));
	copy = cf_sip_uri_copy (uri);
	check (cf_sip_uri_equal (copy, uri));
	(void)cf_sip_uri_get_param (uri, "transport");
}

static void
fuzz_name_addr (const char *text)
{
	g_autoptr (CfSipNameAddr) na = cf_sip_name_addr_parse (text, NULL);
	g_autoptr (CfSipNameAddr) again = NULL;
	g_autofree char *printed = NULL;
	g_autofree char *reprinted = NULL;

	if (na == NULL)
		return;
	printed = cf_sip_name_addr_to_string (na);
	again = cf_sip_name_addr_parse (printed, NULL);
	check (again != NULL);
	reprinted = cf_sip_name_addr_to_string (again);
	check (strcmp (printed, reprinted) == 0);
	if (na->uri != NULL) {
		g_autofree char *uri = cf_sip_uri_to_string (na->uri);

		fuzz_uri (uri);
	}
}

static void
fuzz_via (const char *text)
{
	g_autoptr (CfSipVia) via = cf_sip_via_parse (text, NULL);
	g_autoptr (CfSipVia) again = NULL;
	g_autofree char *printed = NULL;
	g_autofree char *reprinted = NULL;

	if (via == NULL)
		return;
	printed = cf_sip_via_to_string (via);
	again = cf_sip_via_parse (printed, NULL);
	check (again != NULL);
	reprinted = cf_sip_via_to_string (again);
	check (strcmp (printed, reprinted) == 0);
}

/* Every line of the input, from after its first ':' (or whole), through
 * the value parsers: they see what a header value can hold. */
static void
fuzz_values (const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *end = p + size;
	guint n = 0;

	while (p < end && n++ < 64) {
		const char *eol = memchr (p, '\n', end - p);
		const char *line_end = eol != NULL ? eol : end;
		const char *colon = memchr (p, ':', line_end - p);
		g_autofree char *line = g_strndup (p, line_end - p);
		g_autofree char *value = NULL;

		g_strchomp (line);
		fuzz_uri (line);
		if (colon != NULL) {
			value = g_strndup (colon + 1, line_end - colon - 1);
			g_strchomp (value);
			fuzz_name_addr (value);
			fuzz_via (value);
		}
		p = line_end + 1;
	}
}

static void
fuzz_parsed (CfSipMessage *msg)
{
	g_autoptr (CfSipMessage) again = NULL;
	g_autofree char *printed = NULL;
	g_autofree char *reprinted = NULL;
	gsize printed_len;
	gsize reprinted_len;
	gsize skip = 0;
	gsize len = 0;
	guint32 cseq;
	const char *method;

	printed = cf_sip_message_to_string (msg, &printed_len);
	again = cf_sip_message_parse (printed, printed_len, NULL);
	check (again != NULL);
	reprinted = cf_sip_message_to_string (again, &reprinted_len);
	check (printed_len == reprinted_len && memcmp (printed, reprinted, printed_len) == 0);
	/* a printed message is framed whole */
	check (cf_sip_message_frame (printed, printed_len, &skip, &len, NULL));
	check (skip == 0 && len == printed_len);

	/* what the parser validated is there for the typed accessors */
	check (cf_sip_message_get_call_id (msg) != NULL);
	check (cf_sip_message_get_cseq (msg, &cseq, &method));
	{
		g_autoptr (CfSipVia) via = cf_sip_message_get_top_via (msg, NULL);
		g_autofree char *branch = cf_sip_message_get_branch (msg);
		g_autofree char *from_tag = cf_sip_message_get_from_tag (msg);
		g_autofree char *to_tag = cf_sip_message_get_to_tag (msg);
		g_autoptr (CfSipNameAddr) from = cf_sip_message_get_from (msg, NULL);
		g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, NULL);

		check (via != NULL);
	}
	for (guint i = 0; i < cf_sip_message_get_n_headers (msg); i++) {
		const char *name;
		const char *value;

		cf_sip_message_get_header_at (msg, i, &name, &value);
		fuzz_name_addr (value);
		fuzz_via (value);
	}
	if (cf_sip_message_is_request (msg)) {
		g_autoptr (CfSipMessage) response =
			cf_sip_message_new_response_to (msg, 200, NULL, "totag");
		g_autofree char *text = NULL;
		gsize text_len;
		g_autoptr (CfSipMessage) parsed = NULL;
		g_autoptr (GError) error = NULL;

		fuzz_uri (cf_sip_message_get_request_uri (msg));
		text = cf_sip_message_to_string (response, &text_len);
		/* the added tag may push a request at the limits over them */
		parsed = cf_sip_message_parse (text, text_len, &error);
		check (parsed != NULL
		       || g_error_matches (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE));
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (CfSipMessage) msg = NULL;
	gsize skip = 0;
	gsize len = 0;

	msg = cf_sip_message_parse ((const char *)data, size, NULL);
	if (msg != NULL)
		fuzz_parsed (msg);

	if (cf_sip_message_frame ((const char *)data, size, &skip, &len, NULL)) {
		g_autoptr (CfSipMessage) framed = NULL;

		check (skip + len <= size);
		framed = cf_sip_message_parse ((const char *)data + skip, len, NULL);
		if (framed != NULL)
			fuzz_parsed (framed);
	}

	fuzz_values (data, size);
	return 0;
}
