/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SIP messages: the RFC 4475 torture tests, print -> parse -> print round
 * trips, construction, header access, limits and stream framing. */

#include <string.h>

#include "cf-sip-message.h"

/* ---- helpers ---- */

static GBytes *
load_vector (const char *name)
{
	g_autofree char *path = g_strdup_printf ("%s/sip/%s.sip", CF_VECTORS_DIR, name);
	g_autoptr (GError) error = NULL;
	char *data = NULL;
	gsize len = 0;

	g_file_get_contents (path, &data, &len, &error);
	g_assert_no_error (error);
	return g_bytes_new_take (data, len);
}

static CfSipMessage *
parse_string (const char *text)
{
	g_autoptr (GError) error = NULL;
	CfSipMessage *msg = cf_sip_message_parse (text, strlen (text), &error);

	g_assert_no_error (error);
	g_assert_nonnull (msg);
	return msg;
}

static void
assert_refused (const char *data, gsize len, CfSipError code)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipMessage) msg = cf_sip_message_parse (data, len, &error);

	g_assert_null (msg);
	g_assert_error (error, CF_SIP_ERROR, (gint)code);
}

static guint
find_header_index (CfSipMessage *msg, const char *name, guint nth)
{
	for (guint i = 0; i < cf_sip_message_get_n_headers (msg); i++) {
		const char *n;

		cf_sip_message_get_header_at (msg, i, &n, NULL);
		if (g_ascii_strcasecmp (n, name) == 0 && nth-- == 0)
			return i;
	}
	g_assert_not_reached ();
}

static CfSipVia *
nth_via (CfSipMessage *msg, guint n)
{
	const char *value = cf_sip_message_get_header_nth (msg, "Via", n);
	g_autoptr (GError) error = NULL;
	CfSipVia *via;

	g_assert_nonnull (value);
	via = cf_sip_via_parse (value, &error);
	g_assert_no_error (error);
	return via;
}

static CfSipNameAddr *
nth_name_addr (CfSipMessage *msg, const char *name, guint n)
{
	const char *value = cf_sip_message_get_header_nth (msg, name, n);
	g_autoptr (GError) error = NULL;
	CfSipNameAddr *na;

	g_assert_nonnull (value);
	na = cf_sip_name_addr_parse (value, &error);
	g_assert_no_error (error);
	return na;
}

/* ---- per-vector checks (run on the parsed and on the reprinted message) ---- */

static void
check_wsinv (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) from = cf_sip_message_get_from (msg, NULL);
	g_autoptr (CfSipNameAddr) contact = nth_name_addr (msg, "m", 0);
	g_autoptr (CfSipVia) via0 = nth_via (msg, 0);
	g_autoptr (CfSipVia) via1 = nth_via (msg, 1);
	g_autoptr (CfSipVia) via2 = nth_via (msg, 2);
	g_autofree char *to_tag = cf_sip_message_get_to_tag (msg);
	g_autofree char *from_tag = cf_sip_message_get_from_tag (msg);
	g_autoptr (CfSipUri) ruri = cf_sip_uri_parse (cf_sip_message_get_request_uri (msg), NULL);
	const char *names[] = {"To",
			       "From",
			       "Max-Forwards",
			       "Call-ID",
			       "Content-Length",
			       "CSeq",
			       "Via",
			       "Subject",
			       "NewFangledHeader",
			       "UnknownHeaderWithUnusualValue",
			       "Content-Type",
			       "Route",
			       "Via",
			       "Via",
			       "Contact"};

	/* header names are canonical, in order, one entry per Via value */
	g_assert_cmpuint (cf_sip_message_get_n_headers (msg), ==, G_N_ELEMENTS (names));
	for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
		const char *name;

		cf_sip_message_get_header_at (msg, i, &name, NULL);
		g_assert_cmpstr (name, ==, names[i]);
	}
	/* unfolded values: LWS across a fold is one SP */
	g_assert_cmpstr (cf_sip_message_get_header (msg, "to"),
			 ==,
			 "sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n");
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "f"),
		==,
		"\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com> ; tag = 98asjd8");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "CSEQ"), ==, "0009 INVITE");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Max-Forwards"), ==, "0068");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "s"), ==, "");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "newfangledheader"),
			 ==,
			 "newfangled value continued newfangled value");
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "UnknownHeaderWithUnusualValue"), ==, ";;,,;;,;");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Route"),
			 ==,
			 "<sip:services.example.com;lr;unknownwith=value;unknown-no-value>");
	g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "Via", 0),
			 ==,
			 "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw");
	g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "Via", 1),
			 ==,
			 "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8");
	g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "Via", 2),
			 ==,
			 "SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239");
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "Contact"),
		==,
		"\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam = newvalue ;"
		" secondparam ; q = 0.33");

	g_assert_nonnull (ruri);
	g_assert_cmpstr (ruri->user, ==, "vivekg");
	g_assert_true (cf_sip_uri_has_param (ruri, "unknownparam"));
	g_assert_cmpstr (from->display_name, ==, "J Rosenberg \\\"");
	g_assert_cmpstr (from->uri->user, ==, "jdrosen");
	g_assert_cmpstr (from_tag, ==, "98asjd8");
	g_assert_cmpstr (to_tag, ==, "1918181833n");
	g_assert_cmpstr (via0->transport, ==, "UDP");
	g_assert_cmpstr (via0->host, ==, "192.0.2.2");
	g_assert_cmpstr (cf_sip_via_get_param (via0, "branch"), ==, "390skdjuw");
	g_assert_cmpstr (via1->transport, ==, "TCP");
	g_assert_cmpstr (via1->host, ==, "spindle.example.com");
	g_assert_cmpstr (cf_sip_via_get_param (via1, "branch"), ==, "z9hG4bK9ikj8");
	g_assert_cmpstr (via2->host, ==, "192.168.255.111");
	g_assert_cmpstr (cf_sip_via_get_param (via2, "branch"), ==, "z9hG4bK30239");
	g_assert_cmpstr (contact->display_name, ==, "Quoted string \"\"");
	g_assert_cmpstr (cf_sip_name_addr_get_param (contact, "newparam"), ==, "newvalue");
	g_assert_cmpstr (cf_sip_name_addr_get_param (contact, "secondparam"), ==, "");
	g_assert_cmpstr (cf_sip_name_addr_get_param (contact, "q"), ==, "0.33");
}

static void
check_intmeth (CfSipMessage *msg, GBytes *raw)
{
	static const char to_value[] = "\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" "
				       "<sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
				       "@example.com>";
	static const char utf8_value[] = "\xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb";
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, &error);
	g_autoptr (CfSipNameAddr) from = NULL;
	g_autoptr (CfSipUri) ruri = cf_sip_uri_parse (cf_sip_message_get_request_uri (msg), NULL);
	g_autoptr (CfSipVia) via = nth_via (msg, 0);
	const char *value;
	gsize len;

	g_assert_cmpint (cf_sip_message_get_method_id (msg), ==, CF_SIP_METHOD_UNKNOWN);
	/* the To display name has escaped BEL, NUL, DEL: the value keeps all
	 * its bytes */
	cf_sip_message_get_header_at_len (
		msg, find_header_index (msg, "To", 0), NULL, &value, &len);
	g_assert_cmpmem (value, len, to_value, sizeof to_value - 1);
	g_assert_no_error (error);
	g_assert_cmpstr (to->display_name, ==, "BEL:\x07 NUL: DEL:\x7f");
	g_assert_cmpstr (to->uri->user, ==, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	from = cf_sip_message_get_from (msg, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (from->display_name, ==, "token1~` token2'+_ token3*%!.-");
	g_assert_cmpstr (
		cf_sip_name_addr_get_param (from, "fromParam''~+*_!.-%"),
		==,
		"\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8"
		"\xd0\xb9\"");
	g_assert_cmpstr (cf_sip_name_addr_get_param (from, "tag"), ==, "_token~1'+`*%!-.");
	g_assert_nonnull (ruri);
	g_assert_cmpstr (ruri->user, ==, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
	g_assert_cmpstr (ruri->password, ==, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	g_assert_cmpstr (ruri->host, ==, "example.com");
	g_assert_cmpstr (cf_sip_via_get_param (via, "branch"), ==, "z9hG4bK-.!%66*_+`'~");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Max-Forwards"), ==, "255");
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "extensionHeader-!.%*+_`'~"), ==, utf8_value);
}

static void
check_esc01 (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipUri) ruri = cf_sip_uri_parse (cf_sip_message_get_request_uri (msg), NULL);
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, NULL);
	g_autoptr (CfSipNameAddr) from = cf_sip_message_get_from (msg, NULL);
	g_autoptr (CfSipNameAddr) contact = nth_name_addr (msg, "Contact", 0);
	g_autoptr (CfSipUri) user = cf_sip_uri_parse ("sip:user@example.com", NULL);

	g_assert_cmpstr (ruri->user, ==, "sips%3Auser%40example.com");
	g_assert_cmpstr (ruri->host, ==, "example.net");
	/* %HEX escapes are equivalent to the characters they encode */
	g_assert_cmpstr (to->uri->user, ==, "%75se%72");
	g_assert_true (cf_sip_uri_equal (to->uri, user));
	g_assert_cmpstr (from->uri->user, ==, "I%20have%20spaces");
	g_assert_cmpstr (contact->uri->user, ==, "cal%6Cer");
	g_assert_cmpstr (cf_sip_uri_get_param (contact->uri, "%6C%72"), ==, "");
	g_assert_cmpstr (cf_sip_uri_get_param (contact->uri, "n%61me"), ==, "v%61lue%25%34%31");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Content-Type"), ==, "application/sdp");
}

static void
check_escnull (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, NULL);
	g_autoptr (CfSipNameAddr) c0 = nth_name_addr (msg, "Contact", 0);
	g_autoptr (CfSipNameAddr) c1 = nth_name_addr (msg, "Contact", 1);

	g_assert_cmpstr (to->uri->user, ==, "null-%00-null");
	g_assert_cmpuint (cf_sip_message_count_header (msg, "m"), ==, 2);
	g_assert_cmpstr (c0->uri->user, ==, "%00");
	g_assert_cmpstr (c1->uri->user, ==, "%00%00");
	g_assert_false (cf_sip_uri_equal (c0->uri, c1->uri));
}

static void
check_esc02 (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, NULL);
	g_autofree char *branch = cf_sip_message_get_branch (msg);

	/* % is no escape in a method, a display name, a branch or a header name */
	g_assert_cmpint (cf_sip_message_get_method_id (msg), ==, CF_SIP_METHOD_UNKNOWN);
	g_assert_cmpstr (to->display_name, ==, "%Z%45");
	g_assert_cmpstr (branch, ==, "z9hG4bK209%fzsnel234");
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Contact"), ==, 2);
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "C%6Fntact"), ==, "<sip:alias2@host2.example.com>");
}

static void
check_lwsdisp (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) from = cf_sip_message_get_from (msg, NULL);

	g_assert_cmpstr (from->display_name, ==, "caller");
	g_assert_cmpstr (cf_sip_name_addr_get_param (from, "tag"), ==, "323");
}

static void
check_longreq (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, NULL);
	g_autoptr (CfSipNameAddr) from = cf_sip_message_get_from (msg, NULL);
	g_autoptr (CfSipVia) last = nth_via (msg, 33);

	for (guint i = 0; i < 33; i++) {
		g_autoptr (CfSipVia) via = nth_via (msg, i);
		g_autofree char *host = g_strdup_printf ("sip%u.example.com", 33 - i);

		g_assert_cmpstr (via->host, ==, host);
		g_assert_cmpstr (via->transport, ==, "TCP");
	}
	g_assert_cmpstr (last->host, ==, "host.example.com");
	g_assert_cmpstr (cf_sip_via_get_param (last, "received"), ==, "192.0.2.5");
	g_assert_cmpuint (strlen (cf_sip_via_get_param (last, "branch")), ==, 215);
	g_assert_cmpstr (to->display_name,
			 ==,
			 "I have a user name of extremeextremeextremeextremeextremeextremeextreme"
			 "extremeextremeextreme proportion");
	g_assert_cmpuint (to->uri->port, ==, 6000);
	g_assert_cmpuint (to->uri->params->len, ==, 3);
	{
		CfSipParam *p = g_ptr_array_index (to->uri->params, 1);

		g_assert_cmpuint (strlen (p->name), ==, 109);
		g_assert_cmpstr (p->value, ==, "shortvalue");
		g_assert_cmpstr (cf_sip_uri_get_param (to->uri, p->name), ==, "shortvalue");
	}
	g_assert_cmpuint (strlen (cf_sip_name_addr_get_param (from, "tag")), ==, 155);
	g_assert_cmpuint (from->params->len, ==, 3);
	{
		CfSipParam *p = g_ptr_array_index (from->params, 2);

		g_assert_cmpuint (strlen (p->name), ==, 106);
		g_assert_null (p->value);
	}
	/* an unknown header with a parameter-like value stays one value,
	 * whatever the case of its name */
	{
		g_autoptr (GString) name = g_string_new ("unknown-");

		for (guint i = 0; i < 20; i++)
			g_string_append (name, "LONG");
		g_string_append (name, "-name");
		g_assert_cmpuint (cf_sip_message_count_header (msg, name->str), ==, 1);
		g_assert_true (g_str_has_suffix (cf_sip_message_get_header (msg, name->str),
						 "long-parameter-value"));
		g_assert_nonnull (strstr (cf_sip_message_get_header (msg, name->str),
					  "long-value; unknown-long"));
		g_assert_nonnull (strstr (cf_sip_message_get_header (msg, name->str),
					  "long-parameter-name = unknown-long"));
	}
}

static void
check_dblreq (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) contact = nth_name_addr (msg, "Contact", 0);

	/* the octets after the Content-Length body are not a second message */
	g_assert_cmpint (cf_sip_message_get_method_id (msg), ==, CF_SIP_METHOD_REGISTER);
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Content-Length"), ==, "0");
	g_assert_cmpstr (contact->uri->host, ==, "host.example.com");
	g_assert_null (cf_sip_message_get_header (msg, "Content-Type"));
}

static void
check_semiuri (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipUri) ruri = cf_sip_uri_parse (cf_sip_message_get_request_uri (msg), NULL);
	const char *accept[] = {"application/sdp",
				"application/pkcs7-mime",
				"multipart/mixed",
				"multipart/signed",
				"message/sip",
				"message/sipfrag"};

	g_assert_cmpstr (ruri->user, ==, "user;par=u%40example.net");
	g_assert_cmpstr (ruri->host, ==, "example.com");
	g_assert_cmpuint (ruri->params->len, ==, 0);
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Accept"), ==, G_N_ELEMENTS (accept));
	for (guint i = 0; i < G_N_ELEMENTS (accept); i++)
		g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "Accept", i), ==, accept[i]);
}

static void
check_transports (CfSipMessage *msg, GBytes *raw)
{
	const char *transports[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};

	for (guint i = 0; i < G_N_ELEMENTS (transports); i++) {
		g_autoptr (CfSipVia) via = nth_via (msg, i);

		g_assert_cmpstr (via->transport, ==, transports[i]);
	}
	g_assert_cmpstr (
		cf_sip_message_get_call_id (msg), ==, "transports.kijh4akdnaqjkwendsasfdj");
}

static void
check_mpart01 (CfSipMessage *msg, GBytes *raw)
{
	gsize raw_len;
	const char *data = g_bytes_get_data (raw, &raw_len);
	const char *end_of_headers = g_strstr_len (data, raw_len, "\r\n\r\n");
	gsize body_len;
	const char *body = cf_sip_message_get_body (msg, &body_len);

	/* the binary part, NUL and CR octets included, comes out intact */
	g_assert_nonnull (end_of_headers);
	g_assert_cmpmem (body, body_len, end_of_headers + 4, raw_len - (end_of_headers + 4 - data));
	g_assert_nonnull (memchr (body, '\0', body_len));
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Content-Type"),
			 ==,
			 "multipart/mixed;boundary=7a9cbec02ceef655");
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "Date"), ==, "Sat, 15 Oct 2005 04:44:56 GMT");
}

static void
check_unreason (CfSipMessage *msg, GBytes *raw)
{
	g_assert_cmpstr (
		cf_sip_message_get_reason (msg),
		==,
		"= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5"
		"\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5"
		"\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c - \xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\xd1\x82"
		"\xd0\xbe\xd0\xb5");
}

static void
check_noreason (CfSipMessage *msg, GBytes *raw)
{
	g_assert_cmpstr (cf_sip_message_get_reason (msg), ==, "");
}

static void
check_badbranch (CfSipMessage *msg, GBytes *raw)
{
	g_autofree char *branch = cf_sip_message_get_branch (msg);

	g_assert_cmpstr (branch, ==, "z9hG4bK");
}

static void
check_unknown_scheme (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipUri) ruri = cf_sip_uri_parse (cf_sip_message_get_request_uri (msg), &error);

	/* the UA answers 416 Unsupported URI Scheme */
	g_assert_null (ruri);
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
}

static void
check_unksm2 (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, &error);
	g_autofree char *from_tag = cf_sip_message_get_from_tag (msg);
	g_autofree char *to_tag = cf_sip_message_get_to_tag (msg);

	g_assert_null (to);
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
	g_assert_cmpstr (from_tag, ==, "3234233");
	g_assert_null (to_tag);
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Contact"), ==, "<name:John_Smith>");
}

static void
check_bext01 (CfSipMessage *msg, GBytes *raw)
{
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Require"), ==, 2);
	g_assert_cmpstr (
		cf_sip_message_get_header_nth (msg, "Require", 1), ==, "nothingSupportsThisEither");
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Proxy-Require"), ==, 2);
}

static void
check_invut (CfSipMessage *msg, GBytes *raw)
{
	gsize len;
	const char *body = cf_sip_message_get_body (msg, &len);

	g_assert_cmpmem (body, len, "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n", 40);
	g_assert_cmpstr (cf_sip_message_get_header (msg, "c"), ==, "application/unknownformat");
}

static void
check_regaut01 (CfSipMessage *msg, GBytes *raw)
{
	/* Authorization is never split */
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Authorization"),
			 ==,
			 "NoOneKnowsThisScheme opaque-data=here");
}

static void
check_bcast (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipVia) via = nth_via (msg, 1);

	g_assert_cmpstr (via->host, ==, "255.255.255.255");
}

static void
check_zeromf (CfSipMessage *msg, GBytes *raw)
{
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Max-Forwards"), ==, "0");
}

static void
check_cparam01 (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) contact = nth_name_addr (msg, "Contact", 0);

	/* without <>, the parameter is the Contact's, not the URI's */
	g_assert_cmpuint (contact->uri->params->len, ==, 0);
	g_assert_cmpstr (cf_sip_name_addr_get_param (contact, "unknownparam"), ==, "");
}

static void
check_cparam02 (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) contact = nth_name_addr (msg, "Contact", 0);

	g_assert_cmpstr (cf_sip_uri_get_param (contact->uri, "unknownparam"), ==, "");
	g_assert_cmpuint (contact->params->len, ==, 0);
}

static void
check_regescrt (CfSipMessage *msg, GBytes *raw)
{
	g_autoptr (CfSipNameAddr) contact = nth_name_addr (msg, "Contact", 0);

	g_assert_cmpstr (contact->uri->headers, ==, "Route=%3Csip:sip.example.com%3E");
}

static void
check_sdp01 (CfSipMessage *msg, GBytes *raw)
{
	g_assert_cmpstr (cf_sip_message_get_header (msg, "Accept"), ==, "text/nobodyKnowsThis");
}

static void
check_inv2543 (CfSipMessage *msg, GBytes *raw)
{
	g_autofree char *branch = cf_sip_message_get_branch (msg);
	g_autoptr (CfSipNameAddr) to = cf_sip_message_get_to (msg, NULL);

	/* an RFC 2543 request: no branch, no Max-Forwards, no Content-Length
	 * (the datagram's end ends the body) */
	g_assert_null (branch);
	g_assert_null (cf_sip_message_get_header (msg, "Max-Forwards"));
	/* addr-spec form: RFC 3261 reads ;user=phone as a To parameter */
	g_assert_cmpstr (cf_sip_name_addr_get_param (to, "user"), ==, "phone");
	g_assert_null (cf_sip_uri_get_param (to->uri, "user"));
}

static void
check_baddate (CfSipMessage *msg, GBytes *raw)
{
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "Date"), ==, "Fri, 01 Jan 2010 16:00:00 EST");
}

/* ---- the vectors ---- */

typedef struct {
	const char *name;
	const char *section; /* RFC 4475 */
	gboolean parses;
	/* key fields when it parses */
	const char *method; /* NULL: a response */
	guint status;
	const char *request_uri;
	const char *call_id;
	guint32 cseq;
	const char *cseq_method;
	guint n_via;
	gsize body_len;
	void (*check) (CfSipMessage *msg, GBytes *raw);
} Vector;

#define REFUSED(n, s)                                                                              \
	{                                                                                          \
		n, s, FALSE, NULL, 0, NULL, NULL, 0, NULL, 0, 0, NULL                              \
	}

/* clang-format off */
static const Vector vectors[] = {
	/* §3.1.1: valid messages, all must parse */
	{ "wsinv", "3.1.1.1", TRUE, "INVITE", 0, "sip:vivekg@chair-dnrc.example.com;unknownparam",
	  "wsinv.ndaksdj@192.0.2.1", 9, "INVITE", 3, 150, check_wsinv },
	{ "intmeth", "3.1.1.2", TRUE, "!interesting-Method0123456789_*+`.%indeed'~", 0,
	  "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
	  "(doesn't-it)@example.com",
	  "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 139122385,
	  "!interesting-Method0123456789_*+`.%indeed'~", 1, 0, check_intmeth },
	{ "esc01", "3.1.1.3", TRUE, "INVITE", 0, "sip:sips%3Auser%40example.com@example.net",
	  "esc01.239409asdfakjkn23onasd0-3234", 234234, "INVITE", 1, 150, check_esc01 },
	{ "escnull", "3.1.1.4", TRUE, "REGISTER", 0, "sip:example.com",
	  "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 14398234, "REGISTER", 1, 0, check_escnull },
	{ "esc02", "3.1.1.5", TRUE, "RE%47IST%45R", 0, "sip:registrar.example.com",
	  "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344, "RE%47IST%45R", 1, 0, check_esc02 },
	{ "lwsdisp", "3.1.1.6", TRUE, "OPTIONS", 0, "sip:user@example.com",
	  "lwsdisp.1234abcd@funky.example.com", 60, "OPTIONS", 1, 0, check_lwsdisp },
	{ "longreq", "3.1.1.7", TRUE, "INVITE", 0, "sip:user@example.com",
	  "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
	  "reallyreallyreallyreallyreallyreallyreallyreallylongcallid",
	  3882340, "INVITE", 34, 150, check_longreq },
	{ "dblreq", "3.1.1.8", TRUE, "REGISTER", 0, "sip:example.com",
	  "dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8, "REGISTER", 1, 0, check_dblreq },
	{ "semiuri", "3.1.1.9", TRUE, "OPTIONS", 0, "sip:user;par=u%40example.net@example.com",
	  "semiuri.0ha0isndaksdj", 8, "OPTIONS", 1, 0, check_semiuri },
	{ "transports", "3.1.1.10", TRUE, "OPTIONS", 0, "sip:user@example.com",
	  "transports.kijh4akdnaqjkwendsasfdj", 60, "OPTIONS", 5, 0, check_transports },
	{ "mpart01", "3.1.1.11", TRUE, "MESSAGE", 0, "sip:kumiko@example.org",
	  "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1, "MESSAGE", 1, 553, check_mpart01 },
	{ "unreason", "3.1.1.12", TRUE, NULL, 200, NULL, "unreason.1234ksdfak3j2erwedfsASdf", 35,
	  "INVITE", 1, 154, check_unreason },
	{ "noreason", "3.1.1.13", TRUE, NULL, 100, NULL, "noreason.asndj203insdf99223ndf", 35,
	  "INVITE", 1, 0, check_noreason },

	/* §3.1.2: invalid messages. Each is refused with CF_SIP_ERROR_PARSE
	 * unless the entry says otherwise; a datagram that does not parse is
	 * dropped (no 400 can be built without a parsed Via). */
	/* Via with empty parameters and empty values; Contact with ";;;;" */
	REFUSED ("badinv01", "3.1.2.1"),
	/* Content-Length larger than the datagram (RFC 3261 §18.3) */
	REFUSED ("clerr", "3.1.2.2"),
	/* negative Content-Length */
	REFUSED ("ncl", "3.1.2.3"),
	/* CSeq number above 2**32-1 (a 400 in the RFC); Max-Forwards and
	 * Expires are not checked by the parser */
	REFUSED ("scalar02", "3.1.2.4"),
	/* response with a CSeq number above 2**32-1: dropped */
	REFUSED ("scalarlg", "3.1.2.5"),
	/* unterminated quote in To: no terminating quote is guessed */
	REFUSED ("quotbal", "3.1.2.6"),
	/* Request-URI in <> */
	REFUSED ("ltgtruri", "3.1.2.7"),
	/* LWS in the Request-URI */
	REFUSED ("lwsruri", "3.1.2.8"),
	/* several SPs between the start line's elements: the request line is
	 * read strictly (exactly two SPs) */
	REFUSED ("lwsstart", "3.1.2.9"),
	/* SP after SIP-Version: refused like lwsstart */
	REFUSED ("trws", "3.1.2.10"),
	/* escaped headers in the Request-URI (RFC 3261 §19.1.5) */
	REFUSED ("escruri", "3.1.2.11"),
	/* Decision: a non-GMT Date is accepted. The UA never interprets Date,
	 * and the RFC advises against refusing for a field the element does
	 * not use; the parser keeps it as text. */
	{ "baddate", "3.1.2.12", TRUE, "INVITE", 0, "sip:user@example.com",
	  "baddate.239423mnsadf3j23lj42--sedfnm234", 1392934, "INVITE", 1, 150, check_baddate },
	/* Contact addr-spec with a '?' outside <>: no <> are inferred */
	REFUSED ("regbadct", "3.1.2.13"),
	/* SP inside <> in To */
	REFUSED ("badaspec", "3.1.2.14"),
	/* unquoted display names with non-token characters */
	REFUSED ("baddn", "3.1.2.15"),
	/* SIP/7.0: only SIP/2.0 is parsed (no 505 can be sent) */
	REFUSED ("badvers", "3.1.2.16"),
	/* CSeq method differs from the request method */
	REFUSED ("mismatch01", "3.1.2.17"),
	/* unknown method, CSeq method differs: refused (the RFC prefers a 501,
	 * which needs a parsed request: the mismatch makes it ambiguous) */
	REFUSED ("mismatch02", "3.1.2.18"),
	/* status code 4294967301 */
	REFUSED ("bigcode", "3.1.2.19"),

	/* §3.2: transaction layer. Parses: the empty branch is the
	 * transaction layer's business. */
	{ "badbranch", "3.2.1", TRUE, "OPTIONS", 0, "sip:user@example.com",
	  "badbranch.sadonfo23i420jv0as0derf3j3n", 8, "OPTIONS", 1, 0, check_badbranch },

	/* §3.3: application layer. Decisions: */
	/* missing To, From, Call-ID, Max-Forwards: refused, the message can
	 * be neither matched to a transaction nor answered */
	REFUSED ("insuf", "3.3.1"),
	/* unknown Request-URI scheme: parses (generic URI syntax checked) so
	 * that the UA can answer 416 */
	{ "unkscm", "3.3.2", TRUE, "OPTIONS", 0, "nobodyKnowsThisScheme:totallyopaquecontent",
	  "unkscm.nasdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS", 1, 0, check_unknown_scheme },
	/* known but atypical scheme: same as unkscm */
	{ "novelsc", "3.3.3", TRUE, "OPTIONS", 0, "soap.beep://192.0.2.103:3002",
	  "novelsc.asdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS", 1, 0, check_unknown_scheme },
	/* unknown schemes in To, From, Contact: parses (generic URI syntax),
	 * the typed accessors refuse them, tags still work */
	{ "unksm2", "3.3.4", TRUE, "REGISTER", 0, "sip:example.com",
	  "unksm2.daksdj@hyphenated-host.example.com", 234902, "REGISTER", 1, 0, check_unksm2 },
	/* unknown Require / Proxy-Require: parses, the UA answers 420 */
	{ "bext01", "3.3.5", TRUE, "OPTIONS", 0, "sip:user@example.com", "bext01.0ha0isndaksdj", 8,
	  "OPTIONS", 1, 0, check_bext01 },
	/* unknown Content-Type: parses, the UA answers 415 */
	{ "invut", "3.3.6", TRUE, "INVITE", 0, "sip:user@example.com",
	  "invut.0ha0isndaksdjadsfij34n23d", 235448, "INVITE", 1, 40, check_invut },
	/* unknown authorization scheme: parses */
	{ "regaut01", "3.3.7", TRUE, "REGISTER", 0, "sip:example.com", "regaut01.0ha0isndaksdj",
	  9338, "REGISTER", 1, 0, check_regaut01 },
	/* two Call-IDs, CSeqs, Froms, Tos: refused; picking one would let two
	 * layers disagree about which transaction and dialog this is */
	REFUSED ("multi01", "3.3.8"),
	/* two Content-Lengths: refused, the body's length is unknowable */
	REFUSED ("mcl01", "3.3.9"),
	/* broadcast address in a Via: parses, transport's business */
	{ "bcast", "3.3.10", TRUE, NULL, 200, NULL, "bcast.0384840201234ksdfak3j2erwedfsASdf", 35,
	  "INVITE", 2, 154, check_bcast },
	/* Max-Forwards 0: parses, a UA may still answer an OPTIONS */
	{ "zeromf", "3.3.11", TRUE, "OPTIONS", 0, "sip:user@example.com",
	  "zeromf.jfasdlfnm2o2l43r5u0asdfas", 39234321, "OPTIONS", 1, 0, check_zeromf },
	/* Contact parameter outside <>: parses, it is a header parameter */
	{ "cparam01", "3.3.12", TRUE, "REGISTER", 0, "sip:example.com",
	  "cparam01.70710@saturn.example.com", 2, "REGISTER", 1, 0, check_cparam01 },
	{ "cparam02", "3.3.13", TRUE, "REGISTER", 0, "sip:example.com",
	  "cparam02.70710@saturn.example.com", 3, "REGISTER", 1, 0, check_cparam02 },
	/* escaped header in a Contact URI inside <>: well formed */
	{ "regescrt", "3.3.14", TRUE, "REGISTER", 0, "sip:example.com",
	  "regescrt.k345asrl3fdbv@192.0.2.1", 14398234, "REGISTER", 1, 0, check_regescrt },
	/* Accept without SDP: parses, the UA answers 406 or 488 */
	{ "sdp01", "3.3.15", TRUE, "INVITE", 0, "sip:user@example.com", "sdp01.ndaksdj9342dasdd", 8,
	  "INVITE", 1, 150, check_sdp01 },

	/* §3.4: RFC 2543 syntax: parses */
	{ "inv2543", "3.4.1", TRUE, "INVITE", 0, "sip:UserB@example.com",
	  "inv2543.1717@ift.client.example.com", 56, "INVITE", 1, 105, check_inv2543 },
};
/* clang-format on */

static void
check_key_fields (const Vector *v, CfSipMessage *msg, GBytes *raw)
{
	guint32 cseq = 0;
	const char *cseq_method = NULL;
	gsize body_len = 0;

	if (v->method != NULL) {
		g_assert_true (cf_sip_message_is_request (msg));
		g_assert_cmpstr (cf_sip_message_get_method (msg), ==, v->method);
		g_assert_cmpint (cf_sip_message_get_method_id (msg),
				 ==,
				 cf_sip_method_from_string (v->method));
		g_assert_cmpstr (cf_sip_message_get_request_uri (msg), ==, v->request_uri);
	} else {
		g_assert_false (cf_sip_message_is_request (msg));
		g_assert_cmpuint (cf_sip_message_get_status (msg), ==, v->status);
	}
	g_assert_cmpstr (cf_sip_message_get_call_id (msg), ==, v->call_id);
	g_assert_true (cf_sip_message_get_cseq (msg, &cseq, &cseq_method));
	g_assert_cmpuint (cseq, ==, v->cseq);
	g_assert_cmpstr (cseq_method, ==, v->cseq_method);
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Via"), ==, v->n_via);
	cf_sip_message_get_body (msg, &body_len);
	g_assert_cmpuint (body_len, ==, v->body_len);
	if (v->check != NULL)
		v->check (msg, raw);
}

static void
test_vector (gconstpointer data)
{
	const Vector *v = data;
	g_autoptr (GBytes) raw = load_vector (v->name);
	gsize len;
	const char *bytes = g_bytes_get_data (raw, &len);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipMessage) msg = cf_sip_message_parse (bytes, len, &error);
	g_autoptr (CfSipMessage) again = NULL;
	g_autofree char *printed = NULL;
	g_autofree char *reprinted = NULL;
	gsize printed_len;
	gsize reprinted_len;
	gsize skip = 99;
	gsize frame_len = 0;

	/* framing the raw bytes must not crash whatever the outcome */
	g_clear_error (&error);
	cf_sip_message_frame (bytes, len, &skip, &frame_len, &error);
	g_clear_error (&error);
	g_clear_pointer (&msg, cf_sip_message_unref);
	msg = cf_sip_message_parse (bytes, len, &error);

	if (!v->parses) {
		g_assert_null (msg);
		g_assert_nonnull (error);
		g_assert_true (g_error_matches (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE)
			       || g_error_matches (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE));
		g_test_message ("%s refused: %s", v->name, error->message);
		return;
	}
	g_assert_no_error (error);
	g_assert_nonnull (msg);
	check_key_fields (v, msg, raw);

	/* print -> parse -> print gives the same bytes, and the same fields */
	printed = cf_sip_message_to_string (msg, &printed_len);
	again = cf_sip_message_parse (printed, printed_len, &error);
	g_assert_no_error (error);
	check_key_fields (v, again, raw);
	reprinted = cf_sip_message_to_string (again, &reprinted_len);
	g_assert_cmpmem (reprinted, reprinted_len, printed, printed_len);

	/* the printed form is framed exactly, as it would be on TCP */
	g_assert_true (cf_sip_message_frame (printed, printed_len, &skip, &frame_len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (skip, ==, 0);
	g_assert_cmpuint (frame_len, ==, printed_len);
}

static void
test_vectors_complete (void)
{
	/* every file in the folder is in the table, and the other way round */
	g_autofree char *dir_path = g_build_filename (CF_VECTORS_DIR, "sip", NULL);
	g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
	const char *name;
	guint n = 0;

	g_assert_nonnull (dir);
	while ((name = g_dir_read_name (dir)) != NULL) {
		gboolean found = FALSE;

		if (!g_str_has_suffix (name, ".sip"))
			continue;
		for (guint i = 0; i < G_N_ELEMENTS (vectors); i++) {
			g_autofree char *file = g_strconcat (vectors[i].name, ".sip", NULL);

			found = found || strcmp (file, name) == 0;
		}
		g_assert_true (found);
		n++;
	}
	g_assert_cmpuint (n, ==, G_N_ELEMENTS (vectors));
	g_assert_cmpuint (n, ==, 49);
}

/* ---- construction and printing ---- */

static void
test_build_request (void)
{
	g_autoptr (CfSipMessage) msg = cf_sip_message_new_request ("INVITE", "sip:bob@biloxi.com");
	g_autoptr (CfSipMessage) parsed = NULL;
	g_autofree char *text = NULL;
	gsize len;
	const char *body;
	static const char expected[] =
		"INVITE sip:bob@biloxi.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
		"Max-Forwards: 70\r\n"
		"To: Bob <sip:bob@biloxi.com>\r\n"
		"From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
		"Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
		"CSeq: 314159 INVITE\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 4\r\n"
		"\r\n"
		"v=0\n";

	g_assert_true (cf_sip_message_is_request (msg));
	g_assert_cmpint (cf_sip_message_get_method_id (msg), ==, CF_SIP_METHOD_INVITE);
	cf_sip_message_add_header (
		msg, "v", "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds");
	cf_sip_message_add_header (msg, "max-forwards", "70");
	cf_sip_message_add_header (msg, "t", "Bob <sip:bob@biloxi.com>");
	cf_sip_message_add_header (msg, "From", "Alice <sip:alice@atlanta.com>;tag=1928301774");
	cf_sip_message_add_header (msg, "CALL-ID", "a84b4c76e66710@pc33.atlanta.com");
	cf_sip_message_add_header (msg, "CSeq", "314159 INVITE");
	cf_sip_message_set_body (msg, "application/sdp", "v=0\n", 4);
	text = cf_sip_message_to_string (msg, &len);
	g_assert_cmpstr (text, ==, expected);
	g_assert_cmpuint (len, ==, strlen (expected));

	parsed = parse_string (text);
	body = cf_sip_message_get_body (parsed, &len);
	g_assert_cmpmem (body, len, "v=0\n", 4);
	g_assert_cmpstr (cf_sip_message_get_header (parsed, "l"), ==, "4");

	/* the Content-Length follows the body, at its place */
	cf_sip_message_set_body (parsed, NULL, NULL, 0);
	g_assert_null (cf_sip_message_get_header (parsed, "Content-Type"));
	g_assert_cmpstr (cf_sip_message_get_header (parsed, "Content-Length"), ==, "0");
	g_clear_pointer (&text, g_free);
	text = cf_sip_message_to_string (parsed, NULL);
	g_assert_true (g_str_has_suffix (text, "CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n"));

	/* one Content-Length is printed, whatever was added */
	cf_sip_message_add_header (parsed, "l", "99");
	g_assert_cmpuint (cf_sip_message_count_header (parsed, "Content-Length"), ==, 2);
	g_clear_pointer (&text, g_free);
	text = cf_sip_message_to_string (parsed, &len);
	g_assert_nonnull (strstr (text, "Content-Length: 0\r\n"));
	g_assert_null (strstr (text, "99"));
	g_assert_cmpuint (len, ==, strlen (text));

	cf_sip_message_set_request_uri (parsed, "sip:bob@192.0.2.4");
	g_assert_cmpstr (cf_sip_message_get_request_uri (parsed), ==, "sip:bob@192.0.2.4");
}

static void
test_build_response (void)
{
	g_autoptr (CfSipMessage) request =
		parse_string ("INVITE sip:bob@biloxi.com SIP/2.0\r\n"
			      "Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1\r\n"
			      "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
			      "Max-Forwards: 69\r\n"
			      "Record-Route: <sip:server10.biloxi.com;lr>\r\n"
			      "To: Bob <sip:bob@biloxi.com>\r\n"
			      "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
			      "Call-ID: a84b4c76e66710\r\n"
			      "CSeq: 314159 INVITE\r\n"
			      "Contact: <sip:alice@pc33.atlanta.com>\r\n"
			      "Content-Length: 0\r\n\r\n");
	g_autoptr (CfSipMessage) ringing =
		cf_sip_message_new_response_to (request, 180, NULL, "a6c85cf");
	g_autoptr (CfSipMessage) ok = NULL;
	g_autoptr (CfSipMessage) parsed = NULL;
	g_autofree char *text = NULL;
	g_autofree char *to_tag = NULL;
	g_autofree char *branch = NULL;
	guint32 cseq;
	const char *method;

	text = cf_sip_message_to_string (ringing, NULL);
	g_assert_cmpstr (text,
			 ==,
			 "SIP/2.0 180 Ringing\r\n"
			 "Via: SIP/2.0/UDP server10.biloxi.com;branch=z9hG4bK4b43c2ff8.1\r\n"
			 "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
			 "To: Bob <sip:bob@biloxi.com>;tag=a6c85cf\r\n"
			 "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
			 "Call-ID: a84b4c76e66710\r\n"
			 "CSeq: 314159 INVITE\r\n"
			 "Content-Length: 0\r\n"
			 "\r\n");
	parsed = parse_string (text);
	to_tag = cf_sip_message_get_to_tag (parsed);
	g_assert_cmpstr (to_tag, ==, "a6c85cf");
	branch = cf_sip_message_get_branch (parsed);
	g_assert_cmpstr (branch, ==, "z9hG4bK4b43c2ff8.1");
	g_assert_true (cf_sip_message_get_cseq (parsed, &cseq, &method));
	g_assert_cmpuint (cseq, ==, 314159);
	g_assert_cmpstr (method, ==, "INVITE");

	/* an existing To tag is kept */
	g_clear_pointer (&to_tag, g_free);
	cf_sip_message_set_header (request, "To", "<sip:bob@biloxi.com>;tag=xyz");
	ok = cf_sip_message_new_response_to (request, 200, "Fine", "other");
	g_assert_cmpstr (cf_sip_message_get_reason (ok), ==, "Fine");
	to_tag = cf_sip_message_get_to_tag (ok);
	g_assert_cmpstr (to_tag, ==, "xyz");
	g_assert_cmpstr (cf_sip_reason_phrase (486), ==, "Busy Here");
	g_assert_cmpstr (cf_sip_reason_phrase (299), ==, "Unknown");
}

static void
test_new_response_to_non_request (void)
{
	if (g_test_subprocess ()) {
		g_autoptr (CfSipMessage) response = cf_sip_message_new_response (200, NULL);

		cf_sip_message_new_response_to (response, 200, NULL, NULL);
		return;
	}
	g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed ();
	g_test_trap_assert_stderr ("*CRITICAL*");
}

static void
test_methods (void)
{
	for (CfSipMethod m = CF_SIP_METHOD_INVITE; m <= CF_SIP_METHOD_SUBSCRIBE; m++)
		g_assert_cmpint (cf_sip_method_from_string (cf_sip_method_to_string (m)), ==, m);
	g_assert_null (cf_sip_method_to_string (CF_SIP_METHOD_UNKNOWN));
	g_assert_cmpint (cf_sip_method_from_string ("invite"), ==, CF_SIP_METHOD_UNKNOWN);
	g_assert_cmpint (cf_sip_method_from_string ("PUBLISH"), ==, CF_SIP_METHOD_UNKNOWN);
	g_assert_cmpint (cf_sip_method_from_string (NULL), ==, CF_SIP_METHOD_UNKNOWN);
}

/* ---- header access ---- */

#define MINIMAL_HEADERS                                                                            \
	"Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"                                                   \
	"From: <sip:a@h>;tag=1\r\n"                                                                \
	"To: <sip:b@h>\r\n"                                                                        \
	"Call-ID: x\r\n"

static void
test_headers (void)
{
	g_autoptr (CfSipMessage) msg =
		parse_string ("OPTIONS sip:h SIP/2.0\r\n" MINIMAL_HEADERS "CSeq: 1 OPTIONS\r\n"
			      "Supported: timer, 100rel,\treplaces\r\n"
			      "k: path\r\n"
			      "Contact: \"A, B\" <sip:a,b@h>;q=0.1, <sip:c@h>\r\n"
			      "Warning: 301 h \"a, b\", 399 h \"c\"\r\n"
			      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n"
			      "X-Custom: one\r\n"
			      "x-custom: two\r\n"
			      "\r\n");
	const char *name;
	const char *value;
	g_autofree char *text = NULL;

	g_assert_cmpuint (cf_sip_message_count_header (msg, "supported"), ==, 4);
	g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "k", 2), ==, "replaces");
	g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "Supported", 3), ==, "path");
	g_assert_null (cf_sip_message_get_header_nth (msg, "Supported", 4));
	/* commas inside quotes and <> do not split */
	g_assert_cmpuint (cf_sip_message_count_header (msg, "m"), ==, 2);
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "Contact"), ==, "\"A, B\" <sip:a,b@h>;q=0.1");
	/* only the documented list headers are split */
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Warning"), ==, 1);
	g_assert_cmpstr (cf_sip_message_get_header (msg, "www-authenticate"),
			 ==,
			 "Digest realm=\"r\", nonce=\"n\"");
	g_assert_cmpuint (cf_sip_message_count_header (msg, "X-CUSTOM"), ==, 2);
	cf_sip_message_get_header_at (msg, 0, &name, &value);
	g_assert_cmpstr (name, ==, "Via");

	/* editing */
	cf_sip_message_prepend_header (msg, "v", "SIP/2.0/TCP top;branch=z9hG4bK0");
	cf_sip_message_get_header_at (msg, 0, &name, &value);
	g_assert_cmpstr (name, ==, "Via");
	g_assert_cmpstr (value, ==, "SIP/2.0/TCP top;branch=z9hG4bK0");
	cf_sip_message_prepend_header (msg, "Route", "<sip:proxy;lr>");
	cf_sip_message_get_header_at (msg, 0, &name, &value);
	g_assert_cmpstr (name, ==, "Route");
	cf_sip_message_remove_header_nth (msg, "supported", 1);
	g_assert_cmpstr (cf_sip_message_get_header_nth (msg, "Supported", 1), ==, "replaces");
	cf_sip_message_set_header (msg, "Supported", "gruu");
	g_assert_cmpuint (cf_sip_message_count_header (msg, "Supported"), ==, 1);
	cf_sip_message_remove_header (msg, "x-custom");
	g_assert_null (cf_sip_message_get_header (msg, "X-Custom"));
	cf_sip_message_remove_header (msg, "Nothing");
	cf_sip_message_set_header (msg, "Subject", "hello");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "s"), ==, "hello");

	text = cf_sip_message_to_string (msg, NULL);
	g_assert_cmpstr (text,
			 ==,
			 "OPTIONS sip:h SIP/2.0\r\n"
			 "Route: <sip:proxy;lr>\r\n"
			 "Via: SIP/2.0/TCP top;branch=z9hG4bK0\r\n" MINIMAL_HEADERS
			 "CSeq: 1 OPTIONS\r\n"
			 "Supported: gruu\r\n"
			 "Contact: \"A, B\" <sip:a,b@h>;q=0.1\r\n"
			 "Contact: <sip:c@h>\r\n"
			 "Warning: 301 h \"a, b\", 399 h \"c\"\r\n"
			 "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n"
			 "Subject: hello\r\n"
			 "Content-Length: 0\r\n"
			 "\r\n");
}

static void
test_ref (void)
{
	CfSipMessage *msg = cf_sip_message_new_response (404, NULL);

	g_assert_cmpstr (cf_sip_message_get_reason (msg), ==, "Not Found");
	g_assert_true (cf_sip_message_ref (msg) == msg);
	cf_sip_message_unref (msg);
	g_assert_cmpuint (cf_sip_message_get_status (msg), ==, 404);
	cf_sip_message_unref (msg);
	cf_sip_message_unref (NULL);
}

/* ---- tolerated variations ---- */

static void
test_tolerated (void)
{
	/* bare LF line ends, HTAB folds, compact names, a leading CRLF, no SP
	 * after the status code, upper/lower case SIP version */
	g_autoptr (CfSipMessage) msg = parse_string ("\r\n\r\nsip/2.0 200\n"
						     "v:\tSIP/2.0/UDP h\n"
						     "\t;branch=z9hG4bK1\n"
						     "f: <sip:a@h>;tag=1\n"
						     "t: <sip:b@h>;tag=2\n"
						     "i: x@y\n"
						     "CSeq: 2\n"
						     "\t  INVITE   \n"
						     "l: 3\n"
						     "\n"
						     "abc");
	g_autoptr (CfSipVia) via = cf_sip_message_get_top_via (msg, NULL);
	g_autofree char *text = NULL;
	gsize len;

	g_assert_cmpuint (cf_sip_message_get_status (msg), ==, 200);
	g_assert_cmpstr (cf_sip_message_get_reason (msg), ==, "");
	g_assert_cmpstr (
		cf_sip_message_get_header (msg, "Via"), ==, "SIP/2.0/UDP h ;branch=z9hG4bK1");
	g_assert_cmpstr (cf_sip_via_get_param (via, "branch"), ==, "z9hG4bK1");
	g_assert_cmpstr (cf_sip_message_get_header (msg, "CSeq"), ==, "2 INVITE");
	cf_sip_message_get_body (msg, &len);
	g_assert_cmpuint (len, ==, 3);
	text = cf_sip_message_to_string (msg, NULL);
	g_assert_cmpstr (text,
			 ==,
			 "SIP/2.0 200 \r\n"
			 "Via: SIP/2.0/UDP h ;branch=z9hG4bK1\r\n"
			 "From: <sip:a@h>;tag=1\r\n"
			 "To: <sip:b@h>;tag=2\r\n"
			 "Call-ID: x@y\r\n"
			 "CSeq: 2 INVITE\r\n"
			 "Content-Length: 3\r\n"
			 "\r\n"
			 "abc");
}

/* ---- refused messages ---- */

#define REQ_START "OPTIONS sip:h SIP/2.0\r\n"
#define CSEQ_LINE "CSeq: 1 OPTIONS\r\n"

typedef struct {
	const char *what;
	const char *text;
	gsize len;
} Refused;

/* literal strings may hold NUL bytes */
#define R(what, text)                                                                              \
	{                                                                                          \
		what, text, sizeof (text) - 1                                                      \
	}

/* clang-format off */
static const Refused refused[] = {
	R ("empty", ""),
	R ("only CRLFs", "\r\n\r\n"),
	R ("no end of headers", REQ_START MINIMAL_HEADERS CSEQ_LINE),
	R ("no end of start line", "OPTIONS sip:h SIP/2.0"),
	R ("header without colon", REQ_START MINIMAL_HEADERS CSEQ_LINE "Bogus\r\n\r\n"),
	R ("empty header name", REQ_START MINIMAL_HEADERS CSEQ_LINE ": x\r\n\r\n"),
	R ("space in header name", REQ_START MINIMAL_HEADERS CSEQ_LINE "X Y: x\r\n\r\n"),
	R ("fold before the first header", REQ_START " x\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("bare CR", REQ_START MINIMAL_HEADERS CSEQ_LINE "X: a\rb\r\n\r\n"),
	R ("missing Via", REQ_START "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n"
	  CSEQ_LINE "\r\n"),
	R ("missing CSeq", REQ_START MINIMAL_HEADERS "\r\n"),
	R ("missing Call-ID", REQ_START "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\n"
	  CSEQ_LINE "\r\n"),
	R ("bad Call-ID", REQ_START MINIMAL_HEADERS "Call-ID: a b\r\n" CSEQ_LINE "\r\n"),
	R ("Call-ID with two @", REQ_START "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\n"
	  "Call-ID: a@b@c\r\n" CSEQ_LINE "\r\n"),
	R ("CSeq without method", REQ_START MINIMAL_HEADERS "CSeq: 1\r\n\r\n"),
	R ("CSeq 2**32", REQ_START MINIMAL_HEADERS "CSeq: 4294967296 OPTIONS\r\n\r\n"),
	R ("CSeq not a number", REQ_START MINIMAL_HEADERS "CSeq: one OPTIONS\r\n\r\n"),
	R ("lower-case CSeq method", REQ_START MINIMAL_HEADERS "CSeq: 1 options\r\n\r\n"),
	R ("bad Via", REQ_START "Via: SIP/2.0/UDP\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h>\r\n"
	  "Call-ID: x\r\n" CSEQ_LINE "\r\n"),
	R ("bad To", REQ_START "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: <sip:b@h\r\n"
	  "Call-ID: x\r\n" CSEQ_LINE "\r\n"),
	R ("To: *", REQ_START "Via: SIP/2.0/UDP h\r\nFrom: <sip:a@h>\r\nTo: *\r\n"
	  "Call-ID: x\r\n" CSEQ_LINE "\r\n"),
	R ("Contact: * and more", REQ_START MINIMAL_HEADERS CSEQ_LINE "Contact: *, <sip:a@h>\r\n\r\n"),
	R ("bad Route", REQ_START MINIMAL_HEADERS CSEQ_LINE "Route: <sip:a@h;;>\r\n\r\n"),
	R ("bad Content-Length", REQ_START MINIMAL_HEADERS CSEQ_LINE "Content-Length: 1x\r\n\r\nab"),
	R ("Content-Length list", REQ_START MINIMAL_HEADERS CSEQ_LINE "Content-Length: 2, 2\r\n\r\nab"),
	R ("Content-Length too large", REQ_START MINIMAL_HEADERS CSEQ_LINE
	  "Content-Length: 99999999999999999999\r\n\r\nab"),
	R ("NUL in a header", REQ_START MINIMAL_HEADERS CSEQ_LINE "X: a\0b\r\n\r\n"),
	R ("NUL in the start line", "OPTIONS sip:h\0 SIP/2.0\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("status 099", "SIP/2.0 099 No\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("status 700", "SIP/2.0 700 No\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("status 20", "SIP/2.0 20 No\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("status 200OK", "SIP/2.0 200OK\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("SIP/2.1", "SIP/2.1 200 OK\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("no version", "OPTIONS sip:h\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("bad method", "OPT(IONS sip:h SIP/2.0\r\n" MINIMAL_HEADERS "CSeq: 1 OPT(IONS\r\n\r\n"),
	R ("bad sip Request-URI", "OPTIONS sip:h;; SIP/2.0\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("Request-URI without scheme", "OPTIONS h SIP/2.0\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("Request-URI with a control", "OPTIONS sip:h\x01 SIP/2.0\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n"),
	R ("junk line after headers start", REQ_START MINIMAL_HEADERS CSEQ_LINE "\x01\r\n\r\n"),
};
/* clang-format on */

static void
test_refused (void)
{
	for (guint i = 0; i < G_N_ELEMENTS (refused); i++) {
		g_test_message ("%s", refused[i].what);
		assert_refused (refused[i].text, refused[i].len, CF_SIP_ERROR_PARSE);
	}
}

static void
test_nul_in_quoted_string (void)
{
	static const char text[] = REQ_START "Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
					     "From: \"a\\\0b\" <sip:a@h>;tag=1\r\n"
					     "To: <sip:b@h>\r\n"
					     "Call-ID: x\r\n" CSEQ_LINE "\r\n";
	g_autoptr (CfSipMessage) msg = cf_sip_message_parse (text, sizeof text - 1, NULL);
	g_autoptr (CfSipNameAddr) from = NULL;
	g_autoptr (CfSipMessage) again = NULL;
	g_autofree char *printed = NULL;
	g_autofree char *tag = NULL;
	const char *value;
	gsize len;
	gsize printed_len;

	g_assert_nonnull (msg);
	cf_sip_message_get_header_at_len (msg, 1, NULL, &value, &len);
	g_assert_cmpmem (value, len, "\"a\\\0b\" <sip:a@h>;tag=1", 22);
	/* the C string ends at the NUL; the typed accessor sees all of it */
	g_assert_cmpstr (cf_sip_message_get_header (msg, "From"), ==, "\"a\\");
	from = cf_sip_message_get_from (msg, NULL);
	g_assert_cmpstr (from->display_name, ==, "ab");
	tag = cf_sip_message_get_from_tag (msg);
	g_assert_cmpstr (tag, ==, "1");
	printed = cf_sip_message_to_string (msg, &printed_len);
	g_assert_nonnull (memchr (printed, '\0', printed_len));
	again = cf_sip_message_parse (printed, printed_len, NULL);
	g_assert_nonnull (again);
}

/* ---- limits ---- */

static GString *
minimal_request (void)
{
	return g_string_new (REQ_START MINIMAL_HEADERS CSEQ_LINE);
}

static void
test_limits (void)
{
	g_autoptr (GString) s = NULL;
	g_autoptr (CfSipMessage) msg = NULL;
	g_autoptr (GError) error = NULL;
	guint base;

	/* header entries: 128 in the printed form (Content-Length included) */
	s = minimal_request ();
	base = 6; /* 5 headers + the Content-Length the printer adds */
	for (guint i = base; i < CF_SIP_MAX_HEADERS; i++)
		g_string_append_printf (s, "X-%u: %u\r\n", i, i);
	g_string_append (s, "\r\n");
	msg = cf_sip_message_parse (s->str, s->len, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_sip_message_get_n_headers (msg), ==, CF_SIP_MAX_HEADERS - 1);
	g_clear_pointer (&msg, cf_sip_message_unref);
	g_string_insert (s, strlen (REQ_START), "X-one-more: 1\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* list headers count their entries */
	s = minimal_request ();
	g_string_append (s, "Supported: a");
	for (guint i = 0; i < CF_SIP_MAX_HEADERS; i++)
		g_string_append (s, ",a");
	g_string_append (s, "\r\n\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* header lines, even empty list values */
	s = minimal_request ();
	for (guint i = 0; i < CF_SIP_MAX_HEADERS; i++)
		g_string_append (s, "Supported: ,\r\n");
	g_string_append (s, "\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* one header line of CF_SIP_MAX_LINE_LENGTH, then one more byte */
	s = minimal_request ();
	g_string_append (s, "X-Long: ");
	for (guint i = strlen ("X-Long: "); i < CF_SIP_MAX_LINE_LENGTH; i++)
		g_string_append_c (s, 'a');
	g_string_append (s, "\r\n\r\n");
	msg = cf_sip_message_parse (s->str, s->len, &error);
	g_assert_no_error (error);
	g_clear_pointer (&msg, cf_sip_message_unref);
	g_string_insert_c (s, s->len - 4, 'a');
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* the same through folds */
	s = minimal_request ();
	g_string_append (s, "X-Folded: a");
	for (guint i = 0; i < CF_SIP_MAX_LINE_LENGTH / 4; i++)
		g_string_append (s, "\r\n a b");
	g_string_append (s, "\r\n\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* a compact name that the printer would make too long */
	s = minimal_request ();
	g_string_append (s, "s:");
	for (guint i = 2; i < CF_SIP_MAX_LINE_LENGTH; i++)
		g_string_append_c (s, 'a');
	g_string_append (s, "\r\n\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* message size, before and after printing */
	s = minimal_request ();
	g_string_append (s, "Content-Length: 65000\r\n\r\n");
	while (s->len < CF_SIP_MAX_MESSAGE_SIZE + 1)
		g_string_append_c (s, 'x');
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);
	s = minimal_request ();
	g_string_append (s, "\r\n");
	while (s->len < CF_SIP_MAX_MESSAGE_SIZE)
		g_string_append_c (s, 'x');
	/* no Content-Length: the printed form adds one and would be too large */
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_truncate (s, CF_SIP_MAX_MESSAGE_SIZE - 30);
	msg = cf_sip_message_parse (s->str, s->len, &error);
	g_assert_no_error (error);
	g_clear_pointer (&msg, cf_sip_message_unref);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* Request-URI length */
	s = g_string_new ("OPTIONS sip:");
	while (s->len < strlen ("OPTIONS ") + CF_SIP_MAX_URI_LENGTH + 1)
		g_string_append_c (s, 'h');
	g_string_append (s, " SIP/2.0\r\n" MINIMAL_HEADERS CSEQ_LINE "\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
	g_string_free (g_steal_pointer (&s), TRUE);

	/* parameters on a header value */
	s = g_string_new (REQ_START "Via: SIP/2.0/UDP h");
	for (guint i = 0; i <= CF_SIP_MAX_PARAMS; i++)
		g_string_append_printf (s, ";p%u", i);
	g_string_append (
		s, "\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ_LINE "\r\n");
	assert_refused (s->str, s->len, CF_SIP_ERROR_TOO_LARGE);
}

static void
test_long_inputs (void)
{
	/* Large inputs of repetitive structure parse in one pass (a quadratic
	 * parser would take minutes here; the test only checks the results). */
	g_autoptr (GString) s = minimal_request ();
	g_autoptr (CfSipMessage) msg = NULL;
	g_autoptr (GError) error = NULL;

	/* many whitespace-only continuation lines */
	g_string_append (s, "X-Folds: a");
	while (s->len < 60000)
		g_string_append (s, "\r\n ");
	g_string_append (s, "\r\n b\r\n\r\n");
	msg = cf_sip_message_parse (s->str, s->len, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (cf_sip_message_get_header (msg, "X-Folds"), ==, "a b");
	g_clear_pointer (&msg, cf_sip_message_unref);

	/* a long quoted display name full of escapes */
	g_string_assign (s,
			 REQ_START "Via: SIP/2.0/UDP h\r\nTo: <sip:b@h>\r\nCall-ID: x\r\n" CSEQ_LINE
				   "From: \"");
	for (guint i = 0; i < 2000; i++)
		g_string_append (s, "\\\"");
	g_string_append (s, "\" <sip:a@h>\r\n\r\n");
	msg = cf_sip_message_parse (s->str, s->len, &error);
	g_assert_no_error (error);
	g_clear_pointer (&msg, cf_sip_message_unref);

	/* a big body */
	g_string_assign (s, REQ_START MINIMAL_HEADERS CSEQ_LINE "Content-Length: 60000\r\n\r\n");
	for (guint i = 0; i < 60000; i++)
		g_string_append_c (s, (char)(i % 256));
	msg = cf_sip_message_parse (s->str, s->len, &error);
	g_assert_no_error (error);
}

/* ---- stream framing ---- */

static const char framed_one[] =
	"MESSAGE sip:bob@h SIP/2.0\r\n" MINIMAL_HEADERS "CSeq: 1 MESSAGE\r\n"
	"Content-Length: 5\r\n\r\nhello";
static const char framed_two[] = "SIP/2.0 200 OK\n" MINIMAL_HEADERS "CSeq: 1 MESSAGE\n"
				 "l :\n 0\n\n";

static void
test_frame (void)
{
	g_autoptr (GString) stream = g_string_new ("\r\n\r\n");
	g_autoptr (GError) error = NULL;
	gsize skip = 0;
	gsize len = 0;
	gsize first_end;

	g_string_append (stream, framed_one);
	g_string_append (stream, "\r\n");
	g_string_append (stream, framed_two);
	g_string_append (stream, "INVITE");

	g_assert_true (cf_sip_message_frame (stream->str, stream->len, &skip, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (skip, ==, 4);
	g_assert_cmpuint (len, ==, strlen (framed_one));
	{
		g_autoptr (CfSipMessage) msg =
			cf_sip_message_parse (stream->str + skip, len, &error);
		gsize body_len;
		const char *body;

		g_assert_no_error (error);
		body = cf_sip_message_get_body (msg, &body_len);
		g_assert_cmpmem (body, body_len, "hello", 5);
	}
	first_end = skip + len;
	g_assert_true (cf_sip_message_frame (
		stream->str + first_end, stream->len - first_end, &skip, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (skip, ==, 2);
	g_assert_cmpuint (len, ==, strlen (framed_two));
	{
		g_autoptr (CfSipMessage) msg =
			cf_sip_message_parse (stream->str + first_end + skip, len, &error);

		g_assert_no_error (error);
		g_assert_cmpuint (cf_sip_message_get_status (msg), ==, 200);
	}
	first_end += skip + len;
	skip = 99;
	g_assert_false (cf_sip_message_frame (
		stream->str + first_end, stream->len - first_end, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_INCOMPLETE);
	g_assert_cmpuint (skip, ==, 0);
	g_clear_error (&error);

	/* keep-alives only: incomplete, and counted so they can be dropped */
	g_assert_false (cf_sip_message_frame ("\r\n\r\n", 4, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_INCOMPLETE);
	g_assert_cmpuint (skip, ==, 4);
	g_clear_error (&error);
	g_assert_false (cf_sip_message_frame ("", 0, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_INCOMPLETE);
	g_clear_error (&error);
}

static void
test_frame_bytewise (void)
{
	/* every prefix of a message is incomplete, the whole one is framed */
	gsize total = strlen (framed_one);

	for (gsize i = 0; i <= total; i++) {
		g_autoptr (GError) error = NULL;
		gsize skip = 0;
		gsize len = 0;
		gboolean ok = cf_sip_message_frame (framed_one, i, &skip, &len, &error);

		if (i < total) {
			g_assert_false (ok);
			g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_INCOMPLETE);
		} else {
			g_assert_true (ok);
			g_assert_cmpuint (len, ==, total);
		}
	}
}

static void
test_frame_errors (void)
{
	g_autoptr (GString) s = NULL;
	g_autoptr (GError) error = NULL;
	gsize skip;
	gsize len;
	/* clang-format off */
	const Refused cases[] = {
		R ("no Content-Length", REQ_START MINIMAL_HEADERS CSEQ_LINE "\r\n"),
		R ("two Content-Lengths", REQ_START MINIMAL_HEADERS CSEQ_LINE
		  "Content-Length: 0\r\nl: 0\r\n\r\n"),
		R ("negative Content-Length", REQ_START MINIMAL_HEADERS CSEQ_LINE
		  "Content-Length: -1\r\n\r\n"),
		R ("Content-Length: five", REQ_START MINIMAL_HEADERS CSEQ_LINE
		  "Content-Length: five\r\n\r\n"),
	};
	/* clang-format on */

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_test_message ("%s", cases[i].what);
		g_assert_false (
			cf_sip_message_frame (cases[i].text, cases[i].len, &skip, &len, &error));
		g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
		g_clear_error (&error);
	}

	/* a body announced larger than the limit */
	s = g_string_new (REQ_START MINIMAL_HEADERS CSEQ_LINE "Content-Length: 70000\r\n\r\n");
	g_assert_false (cf_sip_message_frame (s->str, s->len, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	g_clear_error (&error);

	/* headers that never end */
	g_string_assign (s, REQ_START);
	while (s->len <= CF_SIP_MAX_MESSAGE_SIZE)
		g_string_append (s, "X-Header: value\r\n");
	g_assert_false (cf_sip_message_frame (s->str, s->len, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	g_clear_error (&error);

	/* headers that end too late */
	g_string_append (s, "\r\n");
	g_assert_false (cf_sip_message_frame (s->str, s->len, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	g_clear_error (&error);

	/* a line that never ends */
	g_string_assign (s, "OPTIONS sip:");
	while (s->len <= CF_SIP_MAX_LINE_LENGTH)
		g_string_append_c (s, 'h');
	g_assert_false (cf_sip_message_frame (s->str, s->len, &skip, &len, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	g_clear_error (&error);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS (vectors); i++) {
		g_autofree char *path =
			g_strdup_printf ("/confab/sip/message/rfc4475/%s", vectors[i].name);

		g_test_add_data_func (path, &vectors[i], test_vector);
	}
	g_test_add_func ("/confab/sip/message/rfc4475/complete", test_vectors_complete);
	g_test_add_func ("/confab/sip/message/build-request", test_build_request);
	g_test_add_func ("/confab/sip/message/build-response", test_build_response);
	g_test_add_func ("/confab/sip/message/response-to-response",
			 test_new_response_to_non_request);
	g_test_add_func ("/confab/sip/message/methods", test_methods);
	g_test_add_func ("/confab/sip/message/headers", test_headers);
	g_test_add_func ("/confab/sip/message/ref", test_ref);
	g_test_add_func ("/confab/sip/message/tolerated", test_tolerated);
	g_test_add_func ("/confab/sip/message/refused", test_refused);
	g_test_add_func ("/confab/sip/message/nul-in-quoted-string", test_nul_in_quoted_string);
	g_test_add_func ("/confab/sip/message/limits", test_limits);
	g_test_add_func ("/confab/sip/message/long-inputs", test_long_inputs);
	g_test_add_func ("/confab/sip/message/frame", test_frame);
	g_test_add_func ("/confab/sip/message/frame-bytewise", test_frame_bytewise);
	g_test_add_func ("/confab/sip/message/frame-errors", test_frame_errors);

	return g_test_run ();
}
