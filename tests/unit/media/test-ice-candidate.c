/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ICE SDP attributes (RFC 8839): a=candidate parse/print, credentials,
 * ice-options, flag attributes. */

#include <string.h>

#include "cf-ice-candidate.h"

/* The candidate lines of RFC 8839's examples (§4.2.6 and Appendix A), as
 * a=candidate values, with the folded lines joined. */
static const char *const rfc8839_lines[] = {
	"1 1 UDP 2130706431 203.0.113.141 8998 typ host",
	"2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998",
	"1 1 UDP 2130706431 fe80::6676:baff:fe9c:ee4a 8998 typ host",
	"2 1 UDP 1694498815 2001:db8:8101:3a55:4858:a2a9:22ff:99b9 45664 typ srflx raddr "
	"fe80::6676:baff:fe9c:ee4a rport 8998",
};

static void
test_rfc8839_examples (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfIceCandidate) host = NULL;
	g_autoptr (CfIceCandidate) srflx = NULL;
	g_autoptr (CfIceCandidate) host6 = NULL;
	g_autoptr (CfIceCandidate) srflx6 = NULL;

	host = cf_ice_candidate_parse (rfc8839_lines[0], &error);
	g_assert_no_error (error);
	g_assert_cmpstr (host->foundation, ==, "1");
	g_assert_cmpuint (host->component, ==, 1);
	g_assert_cmpuint (host->priority, ==, 2130706431);
	g_assert_cmpstr (host->address, ==, "203.0.113.141");
	g_assert_cmpuint (host->port, ==, 8998);
	g_assert_cmpint (host->type, ==, CF_ICE_CANDIDATE_TYPE_HOST);
	g_assert_null (host->related_address);
	g_assert_cmpuint (g_strv_length (host->extensions), ==, 0);
	g_assert_false (cf_ice_candidate_is_ipv6 (host));

	srflx = cf_ice_candidate_parse (rfc8839_lines[1], &error);
	g_assert_no_error (error);
	g_assert_cmpstr (srflx->foundation, ==, "2");
	g_assert_cmpuint (srflx->priority, ==, 1694498815);
	g_assert_cmpstr (srflx->address, ==, "192.0.2.3");
	g_assert_cmpuint (srflx->port, ==, 45664);
	g_assert_cmpint (srflx->type, ==, CF_ICE_CANDIDATE_TYPE_SRFLX);
	g_assert_cmpstr (srflx->related_address, ==, "203.0.113.141");
	g_assert_cmpuint (srflx->related_port, ==, 8998);

	host6 = cf_ice_candidate_parse (rfc8839_lines[2], &error);
	g_assert_no_error (error);
	g_assert_cmpstr (host6->address, ==, "fe80::6676:baff:fe9c:ee4a");
	g_assert_true (cf_ice_candidate_is_ipv6 (host6));

	srflx6 = cf_ice_candidate_parse (rfc8839_lines[3], &error);
	g_assert_no_error (error);
	g_assert_cmpstr (srflx6->address, ==, "2001:db8:8101:3a55:4858:a2a9:22ff:99b9");
	g_assert_cmpstr (srflx6->related_address, ==, "fe80::6676:baff:fe9c:ee4a");
	g_assert_cmpuint (srflx6->related_port, ==, 8998);

	/* The RFC's credentials and options. */
	g_assert_true (cf_ice_ufrag_validate ("8hhY", &error));
	g_assert_no_error (error);
	g_assert_true (cf_ice_pwd_validate ("asd88fgpdd777uzjYhagZg", &error));
	g_assert_no_error (error);
}

/* Canonical lines print back exactly; parse(print(parse(x))) == parse(x). */
static void
test_round_trip (void)
{
	static const char *const lines[] = {
		"1 1 UDP 2130706431 203.0.113.141 8998 typ host",
		"2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998",
		"1 1 UDP 2130706431 fe80::6676:baff:fe9c:ee4a 8998 typ host",
		"3 1 UDP 1 198.51.100.7 3478 typ relay raddr 192.0.2.3 rport 45664",
		"a+/Z 2 UDP 2147483647 ::1 65535 typ prflx raddr :: rport 0",
		/* WebRTC writes extension attributes. */
		"842163049 1 UDP 1677729535 192.0.2.9 61665 typ srflx raddr 0.0.0.0 rport 0 "
		"generation 0 ufrag EsAw network-cost 999",
		"1 1 UDP 2122260223 192.0.2.1 61764 typ host generation 0 network-id 1",
		/* 32 ice-chars of foundation, the largest component. */
		"0123456789abcdefghijABCDEFGHIJ+/ 256 UDP 100 10.0.0.1 1 typ host",
	};

	for (guint i = 0; i < G_N_ELEMENTS (lines); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceCandidate) parsed = NULL;
		g_autoptr (CfIceCandidate) again = NULL;
		g_autoptr (CfIceCandidate) copy = NULL;
		g_autofree char *printed = NULL;

		parsed = cf_ice_candidate_parse (lines[i], &error);
		g_assert_no_error (error);
		printed = cf_ice_candidate_to_string (parsed);
		g_assert_cmpstr (printed, ==, lines[i]);
		again = cf_ice_candidate_parse (printed, &error);
		g_assert_no_error (error);
		g_assert_true (cf_ice_candidate_equal (parsed, again));
		copy = cf_ice_candidate_copy (parsed);
		g_assert_true (cf_ice_candidate_equal (parsed, copy));
	}
}

/* ABNF literals ignore case; runs of spaces are tolerated; the printer
 * writes the canonical form. */
static void
test_lenient_forms (void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"1 1 udp 2130706431 203.0.113.141 8998 typ host",
		 "1 1 UDP 2130706431 203.0.113.141 8998 typ host"},
		{"1 1 Udp 5 192.0.2.3 9 TYP SRFLX RADDR 192.0.2.4 RPORT 10",
		 "1 1 UDP 5 192.0.2.3 9 typ srflx raddr 192.0.2.4 rport 10"},
		{"  1  1 UDP 7 192.0.2.3 9 typ relay raddr 192.0.2.4 rport 10 x y  ",
		 "1 1 UDP 7 192.0.2.3 9 typ relay raddr 192.0.2.4 rport 10 x y"},
		/* A related address may be a host name (it is informational). */
		{"1 1 UDP 7 192.0.2.3 9 typ srflx raddr a1b2.local rport 10",
		 "1 1 UDP 7 192.0.2.3 9 typ srflx raddr a1b2.local rport 10"},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceCandidate) parsed = NULL;
		g_autofree char *printed = NULL;

		parsed = cf_ice_candidate_parse (cases[i].in, &error);
		g_assert_no_error (error);
		printed = cf_ice_candidate_to_string (parsed);
		g_assert_cmpstr (printed, ==, cases[i].out);
	}
}

static void
test_extensions (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfIceCandidate) candidate = NULL;
	g_autofree char *printed = NULL;

	candidate = cf_ice_candidate_parse ("1 1 UDP 9 192.0.2.1 5000 typ host generation 0 "
					    "ufrag EsAw",
					    &error);
	g_assert_no_error (error);
	g_assert_cmpstr (cf_ice_candidate_get_extension (candidate, "generation"), ==, "0");
	g_assert_cmpstr (cf_ice_candidate_get_extension (candidate, "ufrag"), ==, "EsAw");
	g_assert_null (cf_ice_candidate_get_extension (candidate, "network-id"));

	g_assert_true (cf_ice_candidate_add_extension (candidate, "network-id", "2"));
	g_assert_false (cf_ice_candidate_add_extension (candidate, "bad name", "1"));
	g_assert_false (cf_ice_candidate_add_extension (candidate, "x", ""));
	g_assert_false (cf_ice_candidate_add_extension (candidate, "x", "a\tb"));
	printed = cf_ice_candidate_to_string (candidate);
	g_assert_cmpstr (printed,
			 ==,
			 "1 1 UDP 9 192.0.2.1 5000 typ host generation 0 ufrag EsAw network-id 2");

	/* Up to the limit, and no further. */
	for (guint i = 3; i < CF_ICE_MAX_EXTENSIONS; i++)
		g_assert_true (cf_ice_candidate_add_extension (candidate, "k", "v"));
	g_assert_false (cf_ice_candidate_add_extension (candidate, "k", "v"));
	g_assert_cmpuint (g_strv_length (candidate->extensions), ==, 2 * CF_ICE_MAX_EXTENSIONS);
}

static void
test_new (void)
{
	g_autoptr (CfIceCandidate) made = NULL;
	g_autoptr (CfIceCandidate) parsed = NULL;
	g_autofree char *printed = NULL;

	made = cf_ice_candidate_new ("4",
				     1,
				     1694498815,
				     "192.0.2.3",
				     45664,
				     CF_ICE_CANDIDATE_TYPE_SRFLX,
				     "203.0.113.141",
				     8998);
	g_assert_nonnull (made);
	printed = cf_ice_candidate_to_string (made);
	g_assert_cmpstr (
		printed,
		==,
		"4 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998");
	parsed = cf_ice_candidate_parse (printed, NULL);
	g_assert_true (cf_ice_candidate_equal (made, parsed));
	cf_ice_candidate_free (NULL);
}

/* Bad arguments to the constructor are programming errors. */
static void
test_new_invalid (void)
{
	CfIceCandidate *made;

	g_test_expect_message ("cf-ice-candidate", G_LOG_LEVEL_CRITICAL, "*");
	made = cf_ice_candidate_new (
		"f-1", 1, 1, "192.0.2.1", 1, CF_ICE_CANDIDATE_TYPE_HOST, NULL, 0);
	g_test_assert_expected_messages ();
	g_assert_null (made);

	g_test_expect_message ("cf-ice-candidate", G_LOG_LEVEL_CRITICAL, "*");
	made = cf_ice_candidate_new (
		"f", 1, 1, "host.example", 1, CF_ICE_CANDIDATE_TYPE_HOST, NULL, 0);
	g_test_assert_expected_messages ();
	g_assert_null (made);

	g_test_expect_message ("cf-ice-candidate", G_LOG_LEVEL_CRITICAL, "*");
	made = cf_ice_candidate_new (
		"f", 0, 1, "192.0.2.1", 1, CF_ICE_CANDIDATE_TYPE_HOST, NULL, 0);
	g_test_assert_expected_messages ();
	g_assert_null (made);
}

/* Well-formed candidates we do not use: refused as UNSUPPORTED so the
 * caller can skip them. */
static void
test_unsupported (void)
{
	static const char *const lines[] = {
		/* RFC 6544 TCP candidates. */
		"1 1 TCP 2128609279 192.0.2.1 9 typ host tcptype active",
		"2 1 tcp 2124414975 192.0.2.1 50000 typ host tcptype passive",
		/* Another transport extension. */
		"1 1 SCTP 1 192.0.2.1 9 typ host",
		/* mDNS names (draft-ietf-mmusic-mdns-ice-candidates) and FQDNs. */
		"1 1 UDP 2122260223 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 54400 typ host",
		"1 1 UDP 2122260223 4a5b6c.LOCAL. 54400 typ host",
		"1 1 UDP 2122260223 media.example.org 54400 typ host",
		/* An extension candidate type. */
		"1 1 UDP 1 192.0.2.1 9 typ magic",
	};

	for (guint i = 0; i < G_N_ELEMENTS (lines); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceCandidate) parsed = cf_ice_candidate_parse (lines[i], &error);

		g_assert_null (parsed);
		g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_UNSUPPORTED);
	}
}

static void
test_malformed (void)
{
	static const char *const lines[] = {
		"",
		" ",
		"1 1 UDP 2130706431 203.0.113.141 8998 typ",
		"1 1 UDP 2130706431 203.0.113.141 8998",
		"1 1 UDP 2130706431 203.0.113.141 8998 type host",
		/* foundation */
		"f-1 1 UDP 1 192.0.2.1 9 typ host",
		"0123456789abcdefghijABCDEFGHIJ+/x 1 UDP 1 192.0.2.1 9 typ host",
		/* component */
		"1 0 UDP 1 192.0.2.1 9 typ host",
		"1 257 UDP 1 192.0.2.1 9 typ host",
		"1 0001 UDP 1 192.0.2.1 9 typ host",
		"1 -1 UDP 1 192.0.2.1 9 typ host",
		"1 x UDP 1 192.0.2.1 9 typ host",
		/* transport */
		"1 1 U(P 1 192.0.2.1 9 typ host",
		/* priority */
		"1 1 UDP 0 192.0.2.1 9 typ host",
		"1 1 UDP 2147483648 192.0.2.1 9 typ host",
		"1 1 UDP 99999999999 192.0.2.1 9 typ host",
		"1 1 UDP +1 192.0.2.1 9 typ host",
		"1 1 UDP 1.5 192.0.2.1 9 typ host",
		/* address */
		"1 1 UDP 1 192.0.2 9 typ host",
		"1 1 UDP 1 192.0.2.256 9 typ host",
		"1 1 UDP 1 1.2.3.4.5 9 typ host",
		"1 1 UDP 1 fe80::1%eth0 9 typ host",
		"1 1 UDP 1 fe80:::1 9 typ host",
		"1 1 UDP 1 [::1] 9 typ host",
		"1 1 UDP 1 bad_name.example 9 typ host",
		"1 1 UDP 1 a..b 9 typ host",
		/* port */
		"1 1 UDP 1 192.0.2.1 0 typ host",
		"1 1 UDP 1 192.0.2.1 65536 typ host",
		"1 1 UDP 1 192.0.2.1 123456 typ host",
		"1 1 UDP 1 192.0.2.1 -9 typ host",
		/* type */
		"1 1 UDP 1 192.0.2.1 9 typ ho(st",
		/* raddr / rport */
		"1 1 UDP 1 192.0.2.1 9 typ srflx raddr 192.0.2.2",
		"1 1 UDP 1 192.0.2.1 9 typ srflx raddr 192.0.2.2 rport",
		"1 1 UDP 1 192.0.2.1 9 typ srflx raddr 192.0.2.2 generation 0",
		"1 1 UDP 1 192.0.2.1 9 typ srflx rport 9",
		"1 1 UDP 1 192.0.2.1 9 typ srflx raddr 192.0.2.2 rport 65536",
		"1 1 UDP 1 192.0.2.1 9 typ srflx raddr 192.0.2.2.5 rport 1",
		"1 1 UDP 1 192.0.2.1 9 typ srflx raddr $$ rport 1",
		/* extensions */
		"1 1 UDP 1 192.0.2.1 9 typ host generation",
		"1 1 UDP 1 192.0.2.1 9 typ host a b c",
		/* control characters */
		"1 1 UDP 1 192.0.2.1 9 typ host\tgeneration 0",
		"1 1 UDP 1 192.0.2.1 9 typ host\r\n",
		"1 1 UDP 1 192.0.2.1 9 typ host x \x7f",
	};

	for (guint i = 0; i < G_N_ELEMENTS (lines); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfIceCandidate) parsed = cf_ice_candidate_parse (lines[i], &error);

		if (parsed != NULL)
			g_error ("accepted malformed candidate %u: \"%s\"", i, lines[i]);
		g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	}
}

static void
test_limits (void)
{
	g_autoptr (GString) line = g_string_new ("1 1 UDP 1 192.0.2.1 9 typ host");
	g_autoptr (GError) error = NULL;
	g_autoptr (CfIceCandidate) parsed = NULL;
	g_autoptr (CfIceCandidate) too_many = NULL;
	g_autoptr (CfIceCandidate) too_long = NULL;
	g_autofree char *long_line = NULL;

	/* Exactly CF_ICE_MAX_EXTENSIONS pairs is fine. */
	for (guint i = 0; i < CF_ICE_MAX_EXTENSIONS; i++)
		g_string_append_printf (line, " k%u v%u", i, i);
	parsed = cf_ice_candidate_parse (line->str, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (g_strv_length (parsed->extensions), ==, 2 * CF_ICE_MAX_EXTENSIONS);

	/* One more is refused. */
	g_string_append (line, " k v");
	too_many = cf_ice_candidate_parse (line->str, &error);
	g_assert_null (too_many);
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
	g_clear_error (&error);

	/* A line longer than the limit is refused before it is split. */
	long_line = g_strdup_printf (
		"1 1 UDP 1 192.0.2.1 9 typ host x %0*d", CF_ICE_MAX_CANDIDATE_LENGTH, 0);
	too_long = cf_ice_candidate_parse (long_line, &error);
	g_assert_null (too_long);
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
}

static void
test_credentials (void)
{
	g_autofree char *max_ufrag = g_strnfill (CF_ICE_MAX_CREDENTIAL, 'a');
	g_autofree char *long_ufrag = g_strnfill (CF_ICE_MAX_CREDENTIAL + 1, 'a');
	g_autofree char *min_pwd = g_strnfill (CF_ICE_MIN_PWD, 'Z');
	g_autofree char *short_pwd = g_strnfill (CF_ICE_MIN_PWD - 1, 'Z');
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_ice_ufrag_validate ("a+/9", NULL));
	g_assert_true (cf_ice_ufrag_validate (max_ufrag, NULL));
	g_assert_true (cf_ice_pwd_validate (min_pwd, NULL));
	g_assert_true (cf_ice_pwd_validate ("asd88fgpdd777uzjYhagZg+/", NULL));

	g_assert_false (cf_ice_ufrag_validate ("abc", &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_ice_ufrag_validate (long_ufrag, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
	g_clear_error (&error);
	g_assert_false (cf_ice_ufrag_validate (NULL, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	/* RFC 8839 §5.4: only ALPHA / DIGIT / "+" / "/". */
	g_assert_false (cf_ice_ufrag_validate ("ab-cd", NULL));
	g_assert_false (cf_ice_ufrag_validate ("ab=cd", NULL));
	g_assert_false (cf_ice_ufrag_validate ("ab cd", NULL));
	g_assert_false (cf_ice_ufrag_validate ("abcd\r\n", NULL));
	g_assert_false (cf_ice_ufrag_validate ("", NULL));

	g_assert_false (cf_ice_pwd_validate (short_pwd, &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_ice_pwd_validate ("asd88fgpdd777uzjYhagZg-", NULL));
	g_assert_false (cf_ice_pwd_validate ("asd88fgpdd777uzjYhagZ\xc3\xa9", NULL));
}

static void
test_options (void)
{
	g_autoptr (GError) error = NULL;
	g_auto (GStrv) options = NULL;
	g_auto (GStrv) spaced = NULL;
	g_autofree char *printed = NULL;
	static const char *const bad[] = {
		"",
		" ",
		"ice2,trickle",
		"google-ice",
		"ice2 \x01",
	};
	g_autoptr (GString) many = g_string_new (NULL);
	g_auto (GStrv) too_many = NULL;

	/* RFC 8839 §5.6's example. */
	options = cf_ice_options_parse ("ice2 rtp+ecn", &error);
	g_assert_no_error (error);
	g_assert_cmpuint (g_strv_length (options), ==, 2);
	g_assert_cmpstr (options[0], ==, "ice2");
	g_assert_cmpstr (options[1], ==, "rtp+ecn");
	printed = cf_ice_options_to_string ((const char *const *)options);
	g_assert_cmpstr (printed, ==, "ice2 rtp+ecn");

	spaced = cf_ice_options_parse ("trickle  ice2 ", &error);
	g_assert_no_error (error);
	g_assert_cmpuint (g_strv_length (spaced), ==, 2);

	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_auto (GStrv) parsed = cf_ice_options_parse (bad[i], &error);

		g_assert_null (parsed);
		g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
		g_clear_error (&error);
	}
	g_assert_null (cf_ice_options_parse (NULL, NULL));

	for (guint i = 0; i <= CF_ICE_MAX_OPTIONS; i++)
		g_string_append (many, "o ");
	too_many = cf_ice_options_parse (many->str, &error);
	g_assert_null (too_many);
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_LIMIT);
}

static void
test_flags (void)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_ice_flag_attribute_validate (CF_ICE_ATTR_END_OF_CANDIDATES, NULL, NULL));
	g_assert_true (cf_ice_flag_attribute_validate (CF_ICE_ATTR_LITE, NULL, NULL));
	g_assert_false (cf_ice_flag_attribute_validate (CF_ICE_ATTR_END_OF_CANDIDATES, "", &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_false (cf_ice_flag_attribute_validate (CF_ICE_ATTR_LITE, "yes", &error));
	g_assert_error (error, CF_ICE_ERROR, CF_ICE_ERROR_INVALID);
}

static void
test_types (void)
{
	CfIceCandidateType type;

	for (guint i = CF_ICE_CANDIDATE_TYPE_HOST; i <= CF_ICE_CANDIDATE_TYPE_RELAY; i++) {
		const char *name = cf_ice_candidate_type_to_string ((CfIceCandidateType)i);

		g_assert_true (cf_ice_candidate_type_from_string (name, &type));
		g_assert_cmpint (type, ==, i);
	}
	g_assert_true (cf_ice_candidate_type_from_string ("RELAY", &type));
	g_assert_cmpint (type, ==, CF_ICE_CANDIDATE_TYPE_RELAY);
	g_assert_false (cf_ice_candidate_type_from_string ("relayed", NULL));
	g_assert_false (cf_ice_candidate_type_from_string (NULL, NULL));
}

/* Mutations of valid lines never crash and never give a candidate that
 * prints to something that does not parse. */
static void
test_mutations (void)
{
	static const char alphabet[] = " 0:.a/+-\tUDPtypraddr9";
	GRand *rand = g_rand_new_with_seed (8839);

	for (guint round = 0; round < 20000; round++) {
		const char *base = rfc8839_lines[round % G_N_ELEMENTS (rfc8839_lines)];
		g_autofree char *line = g_strdup (base);
		gsize len = strlen (line);
		guint edits = 1 + g_rand_int_range (rand, 0, 4);
		g_autoptr (CfIceCandidate) parsed = NULL;
		g_autoptr (GError) error = NULL;

		for (guint e = 0; e < edits; e++) {
			gsize at = (gsize)g_rand_int_range (rand, 0, (gint32)len);

			if (g_rand_boolean (rand))
				line[at] =
					alphabet[g_rand_int_range (rand, 0, sizeof (alphabet) - 1)];
			else
				line[at] = (char)g_rand_int_range (rand, 1, 256);
		}
		parsed = cf_ice_candidate_parse (line, &error);
		if (parsed != NULL) {
			g_autofree char *printed = cf_ice_candidate_to_string (parsed);
			g_autoptr (CfIceCandidate) again = cf_ice_candidate_parse (printed, NULL);

			g_assert_nonnull (again);
			g_assert_true (cf_ice_candidate_equal (parsed, again));
		} else {
			g_assert_true (error->domain == CF_ICE_ERROR);
		}
	}
	g_rand_free (rand);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/ice-candidate/rfc8839-examples", test_rfc8839_examples);
	g_test_add_func ("/confab/media/ice-candidate/round-trip", test_round_trip);
	g_test_add_func ("/confab/media/ice-candidate/lenient-forms", test_lenient_forms);
	g_test_add_func ("/confab/media/ice-candidate/extensions", test_extensions);
	g_test_add_func ("/confab/media/ice-candidate/new", test_new);
	g_test_add_func ("/confab/media/ice-candidate/new-invalid", test_new_invalid);
	g_test_add_func ("/confab/media/ice-candidate/unsupported", test_unsupported);
	g_test_add_func ("/confab/media/ice-candidate/malformed", test_malformed);
	g_test_add_func ("/confab/media/ice-candidate/limits", test_limits);
	g_test_add_func ("/confab/media/ice-candidate/credentials", test_credentials);
	g_test_add_func ("/confab/media/ice-candidate/options", test_options);
	g_test_add_func ("/confab/media/ice-candidate/flags", test_flags);
	g_test_add_func ("/confab/media/ice-candidate/types", test_types);
	g_test_add_func ("/confab/media/ice-candidate/mutations", test_mutations);

	return g_test_run ();
}
