/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SIP URIs (RFC 3261 §19.1), name-addr and Via values. */

#include <string.h>

#include "cf-sip-message.h"

/* ---- URIs ---- */

typedef struct {
	const char *text;
	const char *scheme;
	const char *user;
	const char *password;
	const char *host;
	guint16 port;
	guint n_params;
	const char *headers;
} UriCase;

/* clang-format off */
static const UriCase uri_cases[] = {
	{ "sip:alice@atlanta.com", "sip", "alice", NULL, "atlanta.com", 0, 0, NULL },
	{ "SIP:Alice@AtLanTa.CoM:5060", "sip", "Alice", NULL, "AtLanTa.CoM", 5060, 0, NULL },
	{ "sips:bob@biloxi.com;transport=tcp;lr", "sips", "bob", NULL, "biloxi.com", 0, 2, NULL },
	{ "sip:alice:secretword@atlanta.com;transport=tcp", "sip", "alice", "secretword",
	  "atlanta.com", 0, 1, NULL },
	{ "sip:+1-212-555-1212:1234@gateway.com;user=phone", "sip", "+1-212-555-1212", "1234",
	  "gateway.com", 0, 1, NULL },
	{ "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", "sip", NULL, NULL,
	  "atlanta.com", 0, 1, "to=alice%40atlanta.com" },
	{ "sip:alice;day=tuesday@atlanta.com", "sip", "alice;day=tuesday", NULL, "atlanta.com", 0,
	  0, NULL },
	{ "sip:[2001:db8::10]:5070;maddr=[::1]", "sip", NULL, NULL, "2001:db8::10", 5070, 1, NULL },
	{ "sip:user@[::ffff:192.0.2.1]", "sip", "user", NULL, "::ffff:192.0.2.1", 0, 0, NULL },
	{ "sip:192.0.2.4:65535", "sip", NULL, NULL, "192.0.2.4", 65535, 0, NULL },
	{ "sip:user:@host", "sip", "user", "", "host", 0, 0, NULL },
	{ "sip:%61lice@host;%6C%72", "sip", "%61lice", NULL, "host", 0, 1, NULL },
	/* RFC 4475 §3.1.1.2 */
	{ "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
	  "(doesn't-it)@example.com",
	  "sip", "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
	  "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", "example.com", 0, 0, NULL },
	/* RFC 4475 §3.1.1.3 */
	{ "sip:sips%3Auser%40example.com@example.net", "sip", "sips%3Auser%40example.com", NULL,
	  "example.net", 0, 0, NULL },
	{ "sip:host?a=b&c=&d=e", "sip", NULL, NULL, "host", 0, 0, "a=b&c=&d=e" },
};
/* clang-format on */

static void
test_uri_parse (void)
{
	for (guint i = 0; i < G_N_ELEMENTS (uri_cases); i++) {
		const UriCase *c = &uri_cases[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipUri) uri = cf_sip_uri_parse (c->text, &error);

		g_test_message ("%s", c->text);
		g_assert_no_error (error);
		g_assert_nonnull (uri);
		g_assert_cmpstr (uri->scheme, ==, c->scheme);
		g_assert_cmpstr (uri->user, ==, c->user);
		g_assert_cmpstr (uri->password, ==, c->password);
		g_assert_cmpstr (uri->host, ==, c->host);
		g_assert_cmpuint (uri->port, ==, c->port);
		g_assert_cmpuint (uri->params->len, ==, c->n_params);
		g_assert_cmpstr (uri->headers, ==, c->headers);
	}
}

typedef struct {
	const char *text;
	CfSipError code;
} UriError;

static void
test_uri_errors (void)
{
	g_autoptr (GString) many_params = g_string_new ("sip:host");
	/* clang-format off */
	const UriError cases[] = {
		{ "", CF_SIP_ERROR_PARSE },
		{ "sip", CF_SIP_ERROR_PARSE },
		{ "sip:", CF_SIP_ERROR_PARSE },
		{ "tel:+12125551212", CF_SIP_ERROR_PARSE },
		{ "http://www.example.com", CF_SIP_ERROR_PARSE },
		{ "nobodyKnowsThisScheme:totallyopaquecontent", CF_SIP_ERROR_PARSE },
		{ "sip:user@", CF_SIP_ERROR_PARSE },
		{ "sip:@host", CF_SIP_ERROR_PARSE },
		{ "sip:user@example.com; lr", CF_SIP_ERROR_PARSE },
		{ " sip:user@example.com", CF_SIP_ERROR_PARSE },
		{ "<sip:user@example.com>", CF_SIP_ERROR_PARSE },
		{ "sip:host:0", CF_SIP_ERROR_PARSE },
		{ "sip:host:65536", CF_SIP_ERROR_PARSE },
		{ "sip:host:5060x", CF_SIP_ERROR_PARSE },
		{ "sip:host:", CF_SIP_ERROR_PARSE },
		{ "sip:host;", CF_SIP_ERROR_PARSE },
		{ "sip:host;a=", CF_SIP_ERROR_PARSE },
		{ "sip:host;;lr", CF_SIP_ERROR_PARSE },
		{ "sip:host?", CF_SIP_ERROR_PARSE },
		{ "sip:host?a", CF_SIP_ERROR_PARSE },
		{ "sip:host?=b", CF_SIP_ERROR_PARSE },
		{ "sip:us%4gr@host", CF_SIP_ERROR_PARSE },
		{ "sip:user@ho%41st", CF_SIP_ERROR_PARSE },
		{ "sip:[::1", CF_SIP_ERROR_PARSE },
		{ "sip:[]", CF_SIP_ERROR_PARSE },
		{ "sip:[192.0.2.1]", CF_SIP_ERROR_PARSE },
		{ "sip:[1:2:3:4:5:6:7:8:9]", CF_SIP_ERROR_PARSE },
		{ "sip:[::1]x", CF_SIP_ERROR_PARSE },
		{ "sip:a\"b@host", CF_SIP_ERROR_PARSE },
		{ "sip:host>", CF_SIP_ERROR_PARSE },
	};
	/* clang-format on */

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipUri) uri = cf_sip_uri_parse (cases[i].text, &error);

		g_test_message ("'%s'", cases[i].text);
		g_assert_null (uri);
		g_assert_error (error, CF_SIP_ERROR, (gint)cases[i].code);
	}

	/* hard limits */
	{
		g_autoptr (GString) s = g_string_new ("sip:");
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipUri) uri = NULL;

		while (s->len < CF_SIP_MAX_URI_LENGTH - 4)
			g_string_append_c (s, 'a');
		g_string_append (s, "@b.c");
		g_assert_cmpuint (s->len, ==, CF_SIP_MAX_URI_LENGTH);
		uri = cf_sip_uri_parse (s->str, &error);
		g_assert_no_error (error);
		g_assert_nonnull (uri);
		g_clear_pointer (&uri, cf_sip_uri_free);
		g_string_insert_c (s, 4, 'a');
		uri = cf_sip_uri_parse (s->str, &error);
		g_assert_null (uri);
		g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	}
	for (guint i = 0; i < CF_SIP_MAX_PARAMS; i++)
		g_string_append_printf (many_params, ";p%u", i);
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipUri) uri = cf_sip_uri_parse (many_params->str, &error);

		g_assert_no_error (error);
		g_assert_cmpuint (uri->params->len, ==, CF_SIP_MAX_PARAMS);
		g_clear_pointer (&uri, cf_sip_uri_free);
		g_string_append (many_params, ";one-more");
		uri = cf_sip_uri_parse (many_params->str, &error);
		g_assert_null (uri);
		g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	}
}

static void
test_uri_print (void)
{
	/* Canonical forms print as they were parsed. */
	/* clang-format off */
	const char *const same[] = {
		"sip:alice@atlanta.com",
		"sips:bob:pw@biloxi.com:5061;transport=tcp;lr",
		"sip:[2001:db8::10]:5070;maddr=[::1]",
		"sip:host?a=b&c=d",
		"sip:%61lice@host;%6C%72",
	};
	/* clang-format on */
	g_autoptr (CfSipUri) built = cf_sip_uri_new ("SIP", "bob", "::1", 5080);
	g_autofree char *built_text = NULL;

	for (guint i = 0; i < G_N_ELEMENTS (same); i++) {
		g_autoptr (CfSipUri) uri = cf_sip_uri_parse (same[i], NULL);
		g_autoptr (CfSipUri) copy = NULL;
		g_autofree char *text = NULL;
		g_autofree char *copy_text = NULL;

		g_assert_nonnull (uri);
		text = cf_sip_uri_to_string (uri);
		g_assert_cmpstr (text, ==, same[i]);
		copy = cf_sip_uri_copy (uri);
		copy_text = cf_sip_uri_to_string (copy);
		g_assert_cmpstr (copy_text, ==, same[i]);
		g_assert_true (cf_sip_uri_equal (uri, copy));
	}
	{
		g_autoptr (CfSipUri) uri = cf_sip_uri_parse ("SIP:Alice@Host", NULL);
		g_autofree char *text = cf_sip_uri_to_string (uri);

		g_assert_cmpstr (text, ==, "sip:Alice@Host");
	}
	cf_sip_uri_set_param (built, "transport", "tcp");
	built_text = cf_sip_uri_to_string (built);
	g_assert_cmpstr (built_text, ==, "sip:bob@[::1]:5080;transport=tcp");
}

static void
test_uri_params (void)
{
	g_autoptr (CfSipUri) uri = cf_sip_uri_parse ("sip:host;Transport=TCP;lr;x=1", NULL);
	g_autofree char *text = NULL;

	g_assert_nonnull (uri);
	g_assert_cmpstr (cf_sip_uri_get_param (uri, "transport"), ==, "TCP");
	g_assert_cmpstr (cf_sip_uri_get_param (uri, "LR"), ==, "");
	g_assert_null (cf_sip_uri_get_param (uri, "maddr"));
	g_assert_true (cf_sip_uri_has_param (uri, "lr"));
	g_assert_false (cf_sip_uri_has_param (uri, "l"));
	cf_sip_uri_set_param (uri, "TRANSPORT", "udp");
	cf_sip_uri_set_param (uri, "lr", NULL);
	cf_sip_uri_set_param (uri, "new", "v");
	g_assert_true (cf_sip_uri_remove_param (uri, "x"));
	g_assert_false (cf_sip_uri_remove_param (uri, "x"));
	text = cf_sip_uri_to_string (uri);
	g_assert_cmpstr (text, ==, "sip:host;Transport=udp;lr;new=v");
}

typedef struct {
	const char *a;
	const char *b;
	gboolean equal;
} UriPair;

static void
test_uri_equal (void)
{
	/* RFC 3261 §19.1.4 examples, then a few more. */
	/* clang-format off */
	const UriPair pairs[] = {
		{ "sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp", TRUE },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5", TRUE },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com;security=on", TRUE },
		{ "sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on", TRUE },
		{ "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
		  "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com", TRUE },
		{ "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
		  "sip:alice@atlanta.com?priority=urgent&subject=project%20x", TRUE },
		{ "SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP", FALSE },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:5060", FALSE },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp", FALSE },
		{ "sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp", FALSE },
		{ "sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting", FALSE },
		{ "sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4", FALSE },
		{ "sip:a@h", "sips:a@h", FALSE },
		{ "sip:a:pw@h", "sip:a@h", FALSE },
		{ "sip:a@h;x=1", "sip:a@h;x=2", FALSE },
		{ "sip:a@h;maddr=x", "sip:a@h", FALSE },
		{ "sip:a@h;lr", "sip:a@h;LR", TRUE },
		{ "sip:a%40b@h", "sip:a%40b@h", TRUE },
		{ "sip:a%3ab@h", "sip:a%3Ab@h", TRUE },
		{ "sip:[::1]", "sip:[0:0:0:0:0:0:0:1]", TRUE },
		{ "sip:[2001:DB8::1]", "sip:[2001:db8::1]", TRUE },
	};
	/* clang-format on */

	for (guint i = 0; i < G_N_ELEMENTS (pairs); i++) {
		g_autoptr (CfSipUri) a = cf_sip_uri_parse (pairs[i].a, NULL);
		g_autoptr (CfSipUri) b = cf_sip_uri_parse (pairs[i].b, NULL);

		g_test_message ("%s vs %s", pairs[i].a, pairs[i].b);
		g_assert_nonnull (a);
		g_assert_nonnull (b);
		g_assert_cmpint (cf_sip_uri_equal (a, b), ==, pairs[i].equal);
		g_assert_cmpint (cf_sip_uri_equal (b, a), ==, pairs[i].equal);
	}
}

/* ---- name-addr ---- */

typedef struct {
	const char *text;
	const char *display_name;
	const char *uri;
	const char *params; /* ";a=b;c" as printed */
	const char *printed;
} NameAddrCase;

/* clang-format off */
static const NameAddrCase name_addr_cases[] = {
	{ "<sip:alice@atlanta.com>", NULL, "sip:alice@atlanta.com", "",
	  "<sip:alice@atlanta.com>" },
	{ "sip:alice@atlanta.com;tag=1928301774", NULL, "sip:alice@atlanta.com", ";tag=1928301774",
	  "<sip:alice@atlanta.com>;tag=1928301774" },
	{ "\"Alice\" <sip:alice@atlanta.com>;tag=x", "Alice", "sip:alice@atlanta.com", ";tag=x",
	  "\"Alice\" <sip:alice@atlanta.com>;tag=x" },
	{ "Bob <sips:bob@biloxi.com;transport=tls> ;expires = 60 ; q=0.5", "Bob",
	  "sips:bob@biloxi.com;transport=tls", ";expires=60;q=0.5",
	  "\"Bob\" <sips:bob@biloxi.com;transport=tls>;expires=60;q=0.5" },
	/* RFC 4475 §3.1.1.1 */
	{ "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com> ; tag = 98asjd8",
	  "J Rosenberg \\\"", "sip:jdrosen@example.com", ";tag=98asjd8",
	  "\"J Rosenberg \\\\\\\"\" <sip:jdrosen@example.com>;tag=98asjd8" },
	/* RFC 4475 §3.1.1.6: no LWS before < */
	{ "caller<sip:caller@example.com>;tag=323", "caller", "sip:caller@example.com", ";tag=323",
	  "\"caller\" <sip:caller@example.com>;tag=323" },
	/* RFC 4475 §3.1.1.2 */
	{ "token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%="
	  "\"\xd1\x80\xd0\xb0\";tag=_token~1'+`*%!-.",
	  "token1~` token2'+_ token3*%!.-", "sip:mundane@example.com",
	  ";fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\";tag=_token~1'+`*%!-.", NULL },
	/* RFC 4475 §3.3.12 / §3.3.13: the parameter belongs to the header
	 * without <>, to the URI with them */
	{ "sip:+19725552222@gw1.example.net;unknownparam", NULL, "sip:+19725552222@gw1.example.net",
	  ";unknownparam", "<sip:+19725552222@gw1.example.net>;unknownparam" },
	{ "<sip:+19725552222@gw1.example.net;unknownparam>", NULL,
	  "sip:+19725552222@gw1.example.net;unknownparam", "", NULL },
	{ "<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", NULL,
	  "sip:user@example.com?Route=%3Csip:sip.example.com%3E", "", NULL },
	{ "\"\" <sip:a@b>", "", "sip:a@b", "", "\"\" <sip:a@b>" },
	{ "\"a,b;c\" <sip:a@b>;x=\"q;,\\\"\"", "a,b;c", "sip:a@b", ";x=\"q;,\\\"\"", NULL },
	{ "<sip:a@[::1]:5060>;received=2001:db8::1", NULL, "sip:a@[::1]:5060",
	  ";received=2001:db8::1", NULL },
	{ "*", NULL, NULL, "", "*" },
	{ "  *  ", NULL, NULL, "", "*" },
	{ "*bob <sip:b@c>", "*bob", "sip:b@c", "", "\"*bob\" <sip:b@c>" },
};
/* clang-format on */

static char *
params_to_string (GPtrArray *params)
{
	GString *s = g_string_new (NULL);

	for (guint i = 0; i < params->len; i++) {
		CfSipParam *p = g_ptr_array_index (params, i);

		g_string_append_printf (s, ";%s", p->name);
		if (p->value != NULL)
			g_string_append_printf (s, "=%s", p->value);
	}
	return g_string_free (s, FALSE);
}

static void
test_name_addr_parse (void)
{
	for (guint i = 0; i < G_N_ELEMENTS (name_addr_cases); i++) {
		const NameAddrCase *c = &name_addr_cases[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipNameAddr) na = cf_sip_name_addr_parse (c->text, &error);
		g_autoptr (CfSipNameAddr) again = NULL;
		g_autoptr (CfSipNameAddr) copy = NULL;
		g_autofree char *params = NULL;
		g_autofree char *printed = NULL;
		g_autofree char *printed_again = NULL;
		g_autofree char *printed_copy = NULL;

		g_test_message ("%s", c->text);
		g_assert_no_error (error);
		g_assert_nonnull (na);
		g_assert_cmpstr (na->display_name, ==, c->display_name);
		if (c->uri == NULL) {
			g_assert_true (na->star);
			g_assert_null (na->uri);
		} else {
			g_autofree char *uri = cf_sip_uri_to_string (na->uri);

			g_assert_false (na->star);
			g_assert_cmpstr (uri, ==, c->uri);
		}
		params = params_to_string (na->params);
		g_assert_cmpstr (params, ==, c->params);
		printed = cf_sip_name_addr_to_string (na);
		if (c->printed != NULL)
			g_assert_cmpstr (printed, ==, c->printed);
		/* the printed form parses to the same */
		again = cf_sip_name_addr_parse (printed, &error);
		g_assert_no_error (error);
		printed_again = cf_sip_name_addr_to_string (again);
		g_assert_cmpstr (printed_again, ==, printed);
		copy = cf_sip_name_addr_copy (na);
		printed_copy = cf_sip_name_addr_to_string (copy);
		g_assert_cmpstr (printed_copy, ==, printed);
	}
}

static void
test_name_addr_errors (void)
{
	/* clang-format off */
	const char *const cases[] = {
		"",
		"   ",
		"\"Mr. J. User <sip:j.user@example.com>",          /* RFC 4475 §3.1.2.6 */
		"\"Watson, Thomas\" < sip:t.watson@example.org >", /* §3.1.2.14 */
		"Bell, Alexander <sip:a.g.bell@example.com>;tag=43", /* §3.1.2.15 */
		"sip:user@example.com?Route=%3Csip:sip.example.com%3E", /* §3.1.2.13 */
		"\"Joe\" <sip:joe@example.org>;;;;",               /* §3.1.2.1 */
		"isbn:2983792873",                                 /* other schemes */
		"<http://www.example.com>;tag=3234233",
		"<sip:a@b",
		"<sip:a@b>x",
		"<sip:a@b>;tag=",
		"<sip:a@b>;=x",
		"<sip:a@b>;tag=\"x",
		"\"a\" sip:a@b",
		"<>",
		"sip:a@b, sip:c@d",
		"<sip:a@b>, <sip:c@d>",
		"\"a\x01\" <sip:a@b>",
	};
	/* clang-format on */

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipNameAddr) na = cf_sip_name_addr_parse (cases[i], &error);

		g_test_message ("'%s'", cases[i]);
		g_assert_null (na);
		g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
	}
}

static void
test_name_addr_build (void)
{
	g_autoptr (CfSipNameAddr) na = NULL;
	g_autoptr (CfSipNameAddr) parsed = NULL;
	g_autofree char *text = NULL;
	g_autoptr (GString) many = g_string_new ("<sip:a@b>");

	na = cf_sip_name_addr_new ("Quote \" back\\slash \x07 bell",
				   cf_sip_uri_new ("sip", "alice", "example.org", 0));
	cf_sip_name_addr_set_param (na, "tag", "abc");
	cf_sip_name_addr_set_param (na, "TAG", "def");
	g_assert_cmpstr (cf_sip_name_addr_get_param (na, "Tag"), ==, "def");
	g_assert_null (cf_sip_name_addr_get_param (na, "expires"));
	text = cf_sip_name_addr_to_string (na);
	g_assert_cmpstr (
		text,
		==,
		"\"Quote \\\" back\\\\slash \\\x07 bell\" <sip:alice@example.org>;tag=def");
	parsed = cf_sip_name_addr_parse (text, NULL);
	g_assert_nonnull (parsed);
	g_assert_cmpstr (parsed->display_name, ==, "Quote \" back\\slash \x07 bell");

	/* parameter limit */
	for (guint i = 0; i < CF_SIP_MAX_PARAMS + 1; i++)
		g_string_append_printf (many, ";p%u=%u", i, i);
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipNameAddr) big = cf_sip_name_addr_parse (many->str, &error);

		g_assert_null (big);
		g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_TOO_LARGE);
	}
}

/* ---- Via ---- */

typedef struct {
	const char *text;
	const char *protocol;
	const char *transport;
	const char *host;
	guint16 port;
	const char *params;
	const char *printed;
} ViaCase;

/* clang-format off */
static const ViaCase via_cases[] = {
	{ "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "SIP/2.0", "UDP",
	  "pc33.atlanta.com", 0, ";branch=z9hG4bK776asdhds",
	  "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds" },
	{ "SIP  /   2.0 /UDP 192.0.2.2;branch=390skdjuw", "SIP/2.0", "UDP", "192.0.2.2", 0,
	  ";branch=390skdjuw", "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw" },
	{ "SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8", "SIP/2.0",
	  "TCP", "spindle.example.com", 0, ";branch=z9hG4bK9ikj8",
	  "SIP/2.0/TCP spindle.example.com;branch=z9hG4bK9ikj8" },
	{ "sip/2.0/tls [2001:db8::9]:5061;rport;received=2001:db8::1", "SIP/2.0", "TLS",
	  "2001:db8::9", 5061, ";rport;received=2001:db8::1",
	  "SIP/2.0/TLS [2001:db8::9]:5061;rport;received=2001:db8::1" },
	{ "SIP/2.0/UDP 127.0.0.1 : 5070;branch=z9hG4bK-d87543-;rport", "SIP/2.0", "UDP",
	  "127.0.0.1", 5070, ";branch=z9hG4bK-d87543-;rport",
	  "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-d87543-;rport" },
	{ "SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en", "SIP/2.0", "UNKNOWN",
	  "t4.example.com", 0, ";branch=z9hG4bKasd0f3en", NULL },
	{ "SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw", "SIP/7.0", "UDP", "c.example.com", 0,
	  ";branch=z9hG4bKkdjuw", NULL },
	{ "SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234", "SIP/2.0", "TCP",
	  "host.example.com", 0, ";branch=z9hG4bK209%fzsnel234", NULL },
};
/* clang-format on */

static void
test_via_parse (void)
{
	for (guint i = 0; i < G_N_ELEMENTS (via_cases); i++) {
		const ViaCase *c = &via_cases[i];
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipVia) via = cf_sip_via_parse (c->text, &error);
		g_autoptr (CfSipVia) again = NULL;
		g_autoptr (CfSipVia) copy = NULL;
		g_autofree char *params = NULL;
		g_autofree char *printed = NULL;
		g_autofree char *printed_again = NULL;
		g_autofree char *printed_copy = NULL;

		g_test_message ("%s", c->text);
		g_assert_no_error (error);
		g_assert_cmpstr (via->protocol, ==, c->protocol);
		g_assert_cmpstr (via->transport, ==, c->transport);
		g_assert_cmpstr (via->host, ==, c->host);
		g_assert_cmpuint (via->port, ==, c->port);
		params = params_to_string (via->params);
		g_assert_cmpstr (params, ==, c->params);
		printed = cf_sip_via_to_string (via);
		g_assert_cmpstr (printed, ==, c->printed != NULL ? c->printed : c->text);
		again = cf_sip_via_parse (printed, &error);
		g_assert_no_error (error);
		printed_again = cf_sip_via_to_string (again);
		g_assert_cmpstr (printed_again, ==, printed);
		copy = cf_sip_via_copy (via);
		printed_copy = cf_sip_via_to_string (copy);
		g_assert_cmpstr (printed_copy, ==, printed);
	}
}

static void
test_via_errors (void)
{
	const char *const cases[] = {
		"",
		"SIP/2.0/UDP",
		"SIP/2.0/UDP ",
		"SIP/2.0 UDP host",
		"SIP/2.0/UDPhost",
		"SIP//UDP host",
		"SIP/2.0/UDP 192.0.2.15;;", /* RFC 4475 §3.1.2.1 */
		"SIP/2.0/UDP host;branch=",
		"SIP/2.0/UDP host:0",
		"SIP/2.0/UDP host:99999",
		"SIP/2.0/UDP host, SIP/2.0/UDP other",
		"SIP/2.0/UDP [::1",
		"SIP/2.0/UDP host;branch=a b",
		"SIP/2.0/UDP ho\"st",
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipVia) via = cf_sip_via_parse (cases[i], &error);

		g_test_message ("'%s'", cases[i]);
		g_assert_null (via);
		g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
	}
}

static void
test_via_build (void)
{
	g_autoptr (CfSipVia) via = cf_sip_via_new ("tcp", "192.0.2.1", 5060);
	g_autofree char *text = NULL;

	cf_sip_via_set_param (via, "branch", "z9hG4bKabc");
	cf_sip_via_set_param (via, "rport", NULL);
	g_assert_true (cf_sip_via_has_param (via, "RPORT"));
	g_assert_cmpstr (cf_sip_via_get_param (via, "rport"), ==, "");
	g_assert_cmpstr (cf_sip_via_get_param (via, "Branch"), ==, "z9hG4bKabc");
	g_assert_null (cf_sip_via_get_param (via, "received"));
	cf_sip_via_set_param (via, "rport", "5062");
	text = cf_sip_via_to_string (via);
	g_assert_cmpstr (text, ==, "SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKabc;rport=5062");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/sip/uri/parse", test_uri_parse);
	g_test_add_func ("/confab/sip/uri/errors", test_uri_errors);
	g_test_add_func ("/confab/sip/uri/print", test_uri_print);
	g_test_add_func ("/confab/sip/uri/params", test_uri_params);
	g_test_add_func ("/confab/sip/uri/equal", test_uri_equal);
	g_test_add_func ("/confab/sip/name-addr/parse", test_name_addr_parse);
	g_test_add_func ("/confab/sip/name-addr/errors", test_name_addr_errors);
	g_test_add_func ("/confab/sip/name-addr/build", test_name_addr_build);
	g_test_add_func ("/confab/sip/via/parse", test_via_parse);
	g_test_add_func ("/confab/sip/via/errors", test_via_errors);
	g_test_add_func ("/confab/sip/via/build", test_via_build);

	return g_test_run ();
}
