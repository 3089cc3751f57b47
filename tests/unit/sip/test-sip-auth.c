/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sip-auth"

#include <string.h>

#include "cf-sip-auth.h"

/* ---- RFC vectors ---- */

/* RFC 2617 §3.5: the challenge and the Authorization of the example. */
static void
test_rfc2617 (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) challenge = NULL;
	g_autoptr (CfSipAuthCredentials) credentials = NULL;
	g_autoptr (CfSipAuthCredentials) parsed = NULL;
	g_autofree char *value = NULL;

	challenge = cf_sip_auth_challenge_parse ("Digest realm=\"testrealm@host.com\", "
						 "qop=\"auth,auth-int\", "
						 "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
						 "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
						 &error);
	g_assert_no_error (error);
	g_assert_cmpstr (challenge->realm, ==, "testrealm@host.com");
	g_assert_cmpint (challenge->qop, ==, CF_SIP_AUTH_QOP_AUTH | CF_SIP_AUTH_QOP_AUTH_INT);
	g_assert_cmpint (challenge->algorithm, ==, CF_SIP_AUTH_ALGORITHM_MD5);

	credentials = cf_sip_auth_credentials_new_for_challenge (challenge,
								 "Mufasa",
								 "Circle Of Life",
								 "GET",
								 "/dir/index.html",
								 NULL,
								 0,
								 1,
								 "0a4f113b",
								 &error);
	g_assert_no_error (error);
	g_assert_cmpint (credentials->qop, ==, CF_SIP_AUTH_QOP_AUTH);
	g_assert_cmpstr (credentials->response, ==, "6629fae49393a05397450978507c4ef1");

	value = cf_sip_auth_credentials_to_string (credentials);
	g_assert_cmpstr (value,
			 ==,
			 "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
			 "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
			 "response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, "
			 "cnonce=\"0a4f113b\", qop=auth, nc=00000001, "
			 "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"");

	/* the RFC's own Authorization value (unfolded), checked by the server side */
	parsed = cf_sip_auth_credentials_parse ("Digest username=\"Mufasa\", "
						"realm=\"testrealm@host.com\", "
						"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
						"uri=\"/dir/index.html\", qop=auth, nc=00000001, "
						"cnonce=\"0a4f113b\", "
						"response=\"6629fae49393a05397450978507c4ef1\", "
						"opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
						&error);
	g_assert_no_error (error);
	g_assert_cmpuint (parsed->nc, ==, 1);
	g_assert_true (
		cf_sip_auth_verify (parsed, challenge, "Circle Of Life", "GET", NULL, 0, &error));
	g_assert_no_error (error);
	g_assert_false (
		cf_sip_auth_verify (parsed, challenge, "Circle of Life", "GET", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
}

#define RFC7616_NONCE  "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define RFC7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RFC7616_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"

/* RFC 7616 §3.9.1: the same request answered with SHA-256 and with MD5. */
static void
check_rfc7616 (const char *algorithm, const char *expected_response)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) challenge = NULL;
	g_autoptr (CfSipAuthCredentials) credentials = NULL;
	g_autoptr (CfSipAuthCredentials) parsed = NULL;
	g_autofree char *www = NULL;
	g_autofree char *authorization = NULL;
	g_autofree char *printed = NULL;

	www = g_strdup_printf ("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
			       "algorithm=%s, nonce=\"" RFC7616_NONCE "\", "
			       "opaque=\"" RFC7616_OPAQUE "\"",
			       algorithm);
	challenge = cf_sip_auth_challenge_parse (www, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (challenge->nonce, ==, RFC7616_NONCE);
	g_assert_cmpstr (challenge->opaque, ==, RFC7616_OPAQUE);
	g_assert_cmpint (challenge->qop, ==, CF_SIP_AUTH_QOP_AUTH | CF_SIP_AUTH_QOP_AUTH_INT);

	credentials = cf_sip_auth_credentials_new_for_challenge (challenge,
								 "Mufasa",
								 "Circle of Life",
								 "GET",
								 "/dir/index.html",
								 NULL,
								 0,
								 1,
								 RFC7616_CNONCE,
								 &error);
	g_assert_no_error (error);
	g_assert_cmpstr (credentials->response, ==, expected_response);

	/* the RFC's Authorization, unfolded */
	authorization = g_strdup_printf ("Digest username=\"Mufasa\", "
					 "realm=\"http-auth@example.org\", "
					 "uri=\"/dir/index.html\", algorithm=%s, "
					 "nonce=\"" RFC7616_NONCE "\", nc=00000001, "
					 "cnonce=\"" RFC7616_CNONCE "\", qop=auth, "
					 "response=\"%s\", opaque=\"" RFC7616_OPAQUE "\"",
					 algorithm,
					 expected_response);
	parsed = cf_sip_auth_credentials_parse (authorization, &error);
	g_assert_no_error (error);
	g_assert_cmpint (parsed->algorithm, ==, challenge->algorithm);
	g_assert_true (
		cf_sip_auth_verify (parsed, challenge, "Circle of Life", "GET", NULL, 0, &error));
	g_assert_no_error (error);
	/* RFC 2617's capital O is a different password (RFC 7616 erratum 4495) */
	g_assert_false (
		cf_sip_auth_verify (parsed, challenge, "Circle Of Life", "GET", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	/* another method: the response covers it */
	g_assert_false (
		cf_sip_auth_verify (parsed, challenge, "Circle of Life", "PUT", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);

	/* what we print parses back to the same credentials */
	printed = cf_sip_auth_credentials_to_string (credentials);
	g_clear_pointer (&parsed, cf_sip_auth_credentials_free);
	parsed = cf_sip_auth_credentials_parse (printed, NULL);
	g_assert_nonnull (parsed);
	g_assert_cmpstr (parsed->response, ==, expected_response);
	g_assert_cmpstr (parsed->cnonce, ==, RFC7616_CNONCE);
	g_assert_cmpstr (parsed->opaque, ==, RFC7616_OPAQUE);
	g_assert_cmpuint (parsed->nc, ==, 1);
}

static void
test_rfc7616_md5 (void)
{
	check_rfc7616 ("MD5", "8ca523f5e9506fed4657c9700eebdbec");
}

static void
test_rfc7616_sha256 (void)
{
	check_rfc7616 ("SHA-256",
		       "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

/* ---- the formulas of RFC 7616 §3.4.1-§3.4.3, computed here independently,
 *      for what the RFCs give no example of: -sess, auth-int, no qop ---- */

static char *
h (GChecksumType type, const char *s)
{
	return g_compute_checksum_for_string (type, s, -1);
}

static char *
expected_response (GChecksumType type,
		   gboolean sess,
		   const char *qop, /* NULL: RFC 2069 form */
		   const char *user,
		   const char *realm,
		   const char *password,
		   const char *nonce,
		   const char *cnonce,
		   const char *nc,
		   const char *method,
		   const char *uri,
		   const char *body)
{
	g_autofree char *a1 = g_strdup_printf ("%s:%s:%s", user, realm, password);
	g_autofree char *ha1 = h (type, a1);
	g_autofree char *a2 = NULL;
	g_autofree char *ha2 = NULL;
	g_autofree char *kd = NULL;

	if (sess) {
		g_autofree char *sess_a1 = g_strdup_printf ("%s:%s:%s", ha1, nonce, cnonce);

		g_free (ha1);
		ha1 = h (type, sess_a1);
	}
	if (g_strcmp0 (qop, "auth-int") == 0) {
		g_autofree char *hbody = h (type, body);

		a2 = g_strdup_printf ("%s:%s:%s", method, uri, hbody);
	} else {
		a2 = g_strdup_printf ("%s:%s", method, uri);
	}
	ha2 = h (type, a2);
	if (qop != NULL)
		kd = g_strdup_printf ("%s:%s:%s:%s:%s:%s", ha1, nonce, nc, cnonce, qop, ha2);
	else
		kd = g_strdup_printf ("%s:%s:%s", ha1, nonce, ha2);
	return h (type, kd);
}

static void
test_formulas (void)
{
	static const struct {
		const char *algorithm;
		GChecksumType type;
		gboolean sess;
	} algorithms[] = {
		{ "MD5", G_CHECKSUM_MD5, FALSE },
		{ "MD5-sess", G_CHECKSUM_MD5, TRUE },
		{ "SHA-256", G_CHECKSUM_SHA256, FALSE },
		{ "SHA-256-sess", G_CHECKSUM_SHA256, TRUE },
	};
	static const char *const qops[] = { "auth", "auth-int", NULL };
	const char *body = "v=0\r\no=bob 2890844527 2890844527 IN IP4 127.0.0.1\r\n";

	for (gsize a = 0; a < G_N_ELEMENTS (algorithms); a++) {
		for (gsize q = 0; q < G_N_ELEMENTS (qops); q++) {
			g_autoptr (GError) error = NULL;
			g_autoptr (CfSipAuthChallenge) challenge = NULL;
			g_autoptr (CfSipAuthCredentials) credentials = NULL;
			g_autofree char *www = NULL;
			g_autofree char *expected = NULL;

			www = g_strdup_printf (
				"Digest realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b1\", "
				"algorithm=%s%s%s%s",
				algorithms[a].algorithm,
				qops[q] != NULL ? ", qop=\"" : "",
				qops[q] != NULL ? qops[q] : "",
				qops[q] != NULL ? "\"" : "");
			challenge = cf_sip_auth_challenge_parse (www, &error);
			g_assert_no_error (error);
			credentials =
				cf_sip_auth_credentials_new_for_challenge (challenge,
									   "bob",
									   "zanzibar",
									   "INVITE",
									   "sip:bob@biloxi.com",
									   body,
									   strlen (body),
									   0x1a,
									   "0a4f113b",
									   &error);
			g_assert_no_error (error);
			expected = expected_response (algorithms[a].type,
						      algorithms[a].sess,
						      qops[q],
						      "bob",
						      "biloxi.com",
						      "zanzibar",
						      "dcd98b7102dd2f0e8b1",
						      "0a4f113b",
						      "0000001a",
						      "INVITE",
						      "sip:bob@biloxi.com",
						      body);
			g_assert_cmpstr (credentials->response, ==, expected);
			g_assert_true (cf_sip_auth_verify (credentials,
							   challenge,
							   "zanzibar",
							   "INVITE",
							   body,
							   strlen (body),
							   &error));
			g_assert_no_error (error);
		}
	}
}

/* ---- challenge parsing ---- */

static void
test_challenge_parse_rfc3261 (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) challenge = NULL;

	/* RFC 3261 §20.44 */
	challenge = cf_sip_auth_challenge_parse ("Digest realm=\"atlanta.com\", "
						 "domain=\"sip:boxesbybob.com\", qop=\"auth\", "
						 "nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", "
						 "opaque=\"\", stale=FALSE, algorithm=MD5",
						 &error);
	g_assert_no_error (error);
	g_assert_cmpstr (challenge->realm, ==, "atlanta.com");
	g_assert_cmpstr (challenge->domain, ==, "sip:boxesbybob.com");
	g_assert_cmpstr (challenge->nonce, ==, "f84f1cec41e6cbe5aea9c8e88d359");
	g_assert_cmpstr (challenge->opaque, ==, "");
	g_assert_false (challenge->stale);
	g_assert_cmpint (challenge->qop, ==, CF_SIP_AUTH_QOP_AUTH);
	g_assert_cmpint (challenge->algorithm, ==, CF_SIP_AUTH_ALGORITHM_MD5);
}

static void
test_challenge_parse_odd (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) c1 = NULL;
	g_autoptr (CfSipAuthChallenge) c2 = NULL;
	g_autoptr (CfSipAuthChallenge) c3 = NULL;

	/* odd spacing and case, tokens and quoted strings, unknown parameters */
	c1 = cf_sip_auth_challenge_parse (
		" \tdIgEsT \t REALM = \"a\" ,NONCE=\"n\",ALGORITHM=sha-256-SESS,"
		"  qop = auth-int , Stale=true,foo=bar,  x=\"y, z=w\" ,"
		"charset=UTF-8 \t",
		&error);
	g_assert_no_error (error);
	g_assert_cmpstr (c1->realm, ==, "a");
	g_assert_cmpstr (c1->nonce, ==, "n");
	g_assert_null (c1->opaque);
	g_assert_null (c1->domain);
	g_assert_cmpint (c1->algorithm, ==, CF_SIP_AUTH_ALGORITHM_SHA256_SESS);
	g_assert_cmpint (c1->qop, ==, CF_SIP_AUTH_QOP_AUTH_INT);
	g_assert_true (c1->stale);

	/* escaped quotes and backslashes; a quoted algorithm; unknown qop values ignored */
	c2 = cf_sip_auth_challenge_parse ("Digest realm=\"a \\\"quoted\\\" realm\\\\x\", "
					  "nonce=\"a\\,b\", algorithm=\"SHA-256\", "
					  "qop=\"auth-conf, AUTH\", stale=maybe",
					  &error);
	g_assert_no_error (error);
	g_assert_cmpstr (c2->realm, ==, "a \"quoted\" realm\\x");
	g_assert_cmpstr (c2->nonce, ==, "a,b");
	g_assert_cmpint (c2->algorithm, ==, CF_SIP_AUTH_ALGORITHM_SHA256);
	g_assert_cmpint (c2->qop, ==, CF_SIP_AUTH_QOP_AUTH);
	g_assert_false (c2->stale);

	/* no algorithm and no qop: MD5 in the RFC 2069 form */
	c3 = cf_sip_auth_challenge_parse ("Digest nonce=\"1\",realm=\"r\"", &error);
	g_assert_no_error (error);
	g_assert_cmpint (c3->algorithm, ==, CF_SIP_AUTH_ALGORITHM_MD5);
	g_assert_cmpint (c3->qop, ==, CF_SIP_AUTH_QOP_NONE);
}

static char *
make_with_params (guint n_params)
{
	GString *s = g_string_new ("Digest realm=\"r\", nonce=\"n\"");

	for (guint i = 2; i < n_params; i++)
		g_string_append_printf (s, ", p%u=%u", i, i);
	return g_string_free (s, FALSE);
}

static char *
make_with_length (gsize len)
{
	GString *s = g_string_new ("Digest realm=\"r\", nonce=\"");

	while (s->len < len - 1)
		g_string_append_c (s, 'x');
	g_string_append_c (s, '"');
	g_assert_cmpuint (s->len, ==, len);
	return g_string_free (s, FALSE);
}

static void
test_challenge_limits (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *max_params = make_with_params (CF_SIP_AUTH_MAX_PARAMS);
	g_autofree char *too_many = make_with_params (CF_SIP_AUTH_MAX_PARAMS + 1);
	g_autofree char *max_len = make_with_length (CF_SIP_AUTH_MAX_VALUE_LENGTH);
	g_autofree char *too_long = make_with_length (CF_SIP_AUTH_MAX_VALUE_LENGTH + 1);
	CfSipAuthChallenge *challenge;

	challenge = cf_sip_auth_challenge_parse (max_params, &error);
	g_assert_no_error (error);
	cf_sip_auth_challenge_free (challenge);

	challenge = cf_sip_auth_challenge_parse (max_len, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (strlen (challenge->nonce), ==, CF_SIP_AUTH_MAX_VALUE_LENGTH - 26);
	cf_sip_auth_challenge_free (challenge);

	g_assert_null (cf_sip_auth_challenge_parse (too_many, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_TOO_LARGE);
	g_clear_error (&error);

	g_assert_null (cf_sip_auth_challenge_parse (too_long, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_TOO_LARGE);
	g_clear_error (&error);

	g_assert_null (cf_sip_auth_credentials_parse (too_long, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_TOO_LARGE);
}

static void
test_challenge_errors (void)
{
	static const struct {
		const char *value;
		CfSipAuthError code;
	} cases[] = {
		{ "", CF_SIP_AUTH_ERROR_PARSE },
		{ "   ", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest   ", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", nonce=\"n", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", nonce=\"n\\", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r, nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", nonce=\"\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", nonce=\"n\", realm=\"s\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", NONCE=\"n\", nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", nonce=\"n\",", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\",, nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm \"r\", nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=, nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\" nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\x01\", nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\r\n\", nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\",\r\n nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Digestrealm=\"r\", nonce=\"n\"", CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ "Digest,realm=\"r\", nonce=\"n\"", CF_SIP_AUTH_ERROR_PARSE },
		{ "Basic realm=\"r\"", CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ "Bearer realm=\"r\", nonce=\"n\"", CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
		  CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ "Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5",
		  CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ "Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"",
		  CF_SIP_AUTH_ERROR_UNSUPPORTED },
	};

	for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipAuthChallenge) challenge = NULL;

		g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].value);
		challenge = cf_sip_auth_challenge_parse (cases[i].value, &error);
		g_assert_null (challenge);
		g_assert_error (error, CF_SIP_AUTH_ERROR, (int) cases[i].code);
	}
}

static void
test_challenge_print (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) challenge = NULL;
	g_autoptr (CfSipAuthChallenge) copy = NULL;
	g_autoptr (CfSipAuthChallenge) reparsed = NULL;
	g_autofree char *printed = NULL;

	challenge = cf_sip_auth_challenge_new ("a \"b\" \\c", CF_SIP_AUTH_ALGORITHM_SHA256, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (strlen (challenge->nonce), ==, 32);
	g_assert_cmpint (challenge->qop, ==, CF_SIP_AUTH_QOP_AUTH);
	challenge->opaque = g_strdup ("");
	challenge->domain = g_strdup ("sip:a sip:b");
	challenge->qop |= CF_SIP_AUTH_QOP_AUTH_INT;
	challenge->stale = TRUE;

	copy = cf_sip_auth_challenge_copy (challenge);
	printed = cf_sip_auth_challenge_to_string (copy);
	g_assert_true (g_str_has_prefix (printed, "Digest realm=\"a \\\"b\\\" \\\\c\", nonce=\""));
	reparsed = cf_sip_auth_challenge_parse (printed, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (reparsed->realm, ==, challenge->realm);
	g_assert_cmpstr (reparsed->nonce, ==, challenge->nonce);
	g_assert_cmpstr (reparsed->opaque, ==, "");
	g_assert_cmpstr (reparsed->domain, ==, "sip:a sip:b");
	g_assert_cmpint (reparsed->algorithm, ==, CF_SIP_AUTH_ALGORITHM_SHA256);
	g_assert_cmpint (reparsed->qop, ==, CF_SIP_AUTH_QOP_AUTH | CF_SIP_AUTH_QOP_AUTH_INT);
	g_assert_true (reparsed->stale);

	/* a realm that could break the header is refused */
	g_assert_null (
		cf_sip_auth_challenge_new ("a\r\nVia: x", CF_SIP_AUTH_ALGORITHM_MD5, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);

	/* two fresh nonces differ */
	{
		g_autoptr (CfSipAuthChallenge) other = NULL;

		other = cf_sip_auth_challenge_new ("r", CF_SIP_AUTH_ALGORITHM_MD5, NULL);
		g_assert_nonnull (other);
		g_assert_cmpstr (other->nonce, !=, challenge->nonce);
	}
}

static void
test_algorithm_names (void)
{
	static const CfSipAuthAlgorithm all[] = {
		CF_SIP_AUTH_ALGORITHM_MD5,
		CF_SIP_AUTH_ALGORITHM_MD5_SESS,
		CF_SIP_AUTH_ALGORITHM_SHA256,
		CF_SIP_AUTH_ALGORITHM_SHA256_SESS,
	};
	g_autoptr (GError) error = NULL;
	CfSipAuthAlgorithm algorithm = CF_SIP_AUTH_ALGORITHM_SHA256;

	for (gsize i = 0; i < G_N_ELEMENTS (all); i++) {
		g_autofree char *lower =
			g_ascii_strdown (cf_sip_auth_algorithm_to_string (all[i]), -1);

		g_assert_true (cf_sip_auth_algorithm_from_string (lower, &algorithm, &error));
		g_assert_no_error (error);
		g_assert_cmpint (algorithm, ==, all[i]);
	}
	g_assert_cmpstr (
		cf_sip_auth_algorithm_to_string (CF_SIP_AUTH_ALGORITHM_SHA256), ==, "SHA-256");
	g_assert_false (cf_sip_auth_algorithm_from_string ("SHA256x", &algorithm, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_UNSUPPORTED);
	g_assert_cmpint (algorithm, ==, CF_SIP_AUTH_ALGORITHM_SHA256_SESS); /* untouched */
}

/* ---- choosing ---- */

static void
check_choice (const char *const *values, const char *realm, const char *expected_nonce)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) chosen = NULL;

	chosen = cf_sip_auth_challenge_choose (values, realm, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (chosen->nonce, ==, expected_nonce);
}

static void
test_choose (void)
{
	const char *md5_first[] = {
		"Digest realm=\"r\", nonce=\"md5\", algorithm=MD5, qop=\"auth\"",
		"Digest realm=\"r\", nonce=\"sha\", algorithm=SHA-256, qop=\"auth\"",
		NULL,
	};
	const char *sha_first[] = {
		"Digest realm=\"r\", nonce=\"sha\", algorithm=SHA-256",
		"Digest realm=\"r\", nonce=\"md5\"",
		NULL,
	};
	const char *equals[] = {
		"Digest realm=\"r\", nonce=\"one\", algorithm=MD5",
		"Digest realm=\"r\", nonce=\"two\", algorithm=MD5-sess",
		NULL,
	};
	const char *skipping[] = {
		"Basic realm=\"r\"",
		"Digest realm=\"r\", nonce=\"x\", algorithm=SHA-512-256",
		"Digest realm=\"r\", nonce=\"broken",
		"Digest realm=\"r\", nonce=\"md5\"",
		NULL,
	};
	const char *realms[] = {
		"Digest realm=\"a\", nonce=\"a-sha\", algorithm=SHA-256",
		"Digest realm=\"b\", nonce=\"b-md5\"",
		"Digest realm=\"b\", nonce=\"b-sha\", algorithm=SHA-256-sess",
		NULL,
	};
	const char *unusable[] = {
		"Basic realm=\"r\"",
		"Digest realm=\"r\", nonce=\"x\", algorithm=SHA-512-256",
		NULL,
	};
	const char *none[] = { NULL };
	g_autoptr (GPtrArray) many = g_ptr_array_new ();
	g_autoptr (GError) error = NULL;

	check_choice (md5_first, NULL, "sha");
	check_choice (sha_first, NULL, "sha");
	check_choice (equals, NULL, "one");
	check_choice (skipping, NULL, "md5");
	check_choice (realms, NULL, "a-sha");
	check_choice (realms, "b", "b-sha");

	g_assert_null (cf_sip_auth_challenge_choose (realms, "c", &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_PARSE);
	g_clear_error (&error);

	/* the first value's error says why */
	g_assert_null (cf_sip_auth_challenge_choose (unusable, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_UNSUPPORTED);
	g_clear_error (&error);

	g_assert_null (cf_sip_auth_challenge_choose (none, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_PARSE);
	g_clear_error (&error);

	for (guint i = 0; i < CF_SIP_AUTH_MAX_CHALLENGES; i++)
		g_ptr_array_add (many, (gpointer) "Digest realm=\"r\", nonce=\"n\"");
	g_ptr_array_add (many, NULL);
	check_choice ((const char *const *) many->pdata, NULL, "n");
	g_ptr_array_insert (many, 0, (gpointer) "Digest realm=\"r\", nonce=\"n\"");
	g_assert_null (
		cf_sip_auth_challenge_choose ((const char *const *) many->pdata, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_TOO_LARGE);
}

/* ---- credentials ---- */

static void
test_credentials_parse (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthCredentials) credentials = NULL;
	g_autoptr (CfSipAuthCredentials) copy = NULL;

	/* RFC 3261 §20.7, RFC 2069 form; upper-case hex is accepted */
	credentials =
		cf_sip_auth_credentials_parse ("Digest username=\"Alice\", realm=\"atlanta.com\", "
					       "nonce=\"84a4cc6f3082121f32b42a2187831a9e\", "
					       "uri=\"sip:alice@atlanta.com\", "
					       "response=\"7587245234B3434CC3412213E5F113A5\"",
					       &error);
	g_assert_no_error (error);
	g_assert_cmpstr (credentials->username, ==, "Alice");
	g_assert_cmpstr (credentials->uri, ==, "sip:alice@atlanta.com");
	g_assert_cmpstr (credentials->response, ==, "7587245234b3434cc3412213e5f113a5");
	g_assert_cmpint (credentials->algorithm, ==, CF_SIP_AUTH_ALGORITHM_MD5);
	g_assert_cmpint (credentials->qop, ==, CF_SIP_AUTH_QOP_NONE);
	g_assert_cmpuint (credentials->nc, ==, 0);
	g_assert_null (credentials->cnonce);

	copy = cf_sip_auth_credentials_copy (credentials);
	g_assert_cmpstr (copy->response, ==, credentials->response);
	g_assert_cmpstr (copy->nonce, ==, credentials->nonce);
}

static void
test_credentials_errors (void)
{
#define CRED_BASE "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:r\""
#define MD5_HEX	  "0123456789abcdef0123456789abcdef"
	static const struct {
		const char *value;
		CfSipAuthError code;
	} cases[] = {
		{ CRED_BASE, CF_SIP_AUTH_ERROR_PARSE },
		{ "Digest realm=\"r\", nonce=\"n\", uri=\"sip:r\", response=\"" MD5_HEX "\"",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"0123\"", CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", algorithm=SHA-256",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"0123456789abcdef0123456789abcdeg\"",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", qop=auth, nc=00000001",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", qop=auth, cnonce=\"c\"",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", qop=auth, cnonce=\"c\", nc=0000001",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", qop=auth, cnonce=\"c\", nc=0000000g",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", algorithm=MD5-sess",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", response=\"" MD5_HEX "\"",
		  CF_SIP_AUTH_ERROR_PARSE },
		{ CRED_BASE ", response=\"" MD5_HEX "\", qop=auth-conf, cnonce=\"c\", nc=00000001",
		  CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ CRED_BASE ", response=\"" MD5_HEX "\", userhash=true",
		  CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ CRED_BASE ", response=\"" MD5_HEX "\", algorithm=SHA-512-256",
		  CF_SIP_AUTH_ERROR_UNSUPPORTED },
		{ "Basic dXNlcjpwYXNz", CF_SIP_AUTH_ERROR_UNSUPPORTED },
	};

	for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSipAuthCredentials) credentials = NULL;

		g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i].value);
		credentials = cf_sip_auth_credentials_parse (cases[i].value, &error);
		g_assert_null (credentials);
		g_assert_error (error, CF_SIP_AUTH_ERROR, (int) cases[i].code);
	}
#undef CRED_BASE
#undef MD5_HEX
}

static void
test_credentials_arguments (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) challenge = NULL;
	g_autoptr (CfSipAuthCredentials) credentials = NULL;
	g_autoptr (CfSipAuthCredentials) parsed = NULL;
	g_autofree char *value = NULL;

	challenge = cf_sip_auth_challenge_parse ("Digest realm=\"r\", nonce=\"n\", qop=\"auth\"",
						 &error);
	g_assert_no_error (error);

	/* CR / LF could inject a header: refused */
	g_assert_null (cf_sip_auth_credentials_new_for_challenge (
		challenge, "u\r\nX: y", "p", "REGISTER", "sip:r", NULL, 0, 1, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_null (cf_sip_auth_credentials_new_for_challenge (
		challenge, "u", "p", "REGISTER", "sip:r\n", NULL, 0, 1, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_null (cf_sip_auth_credentials_new_for_challenge (
		challenge, "u", "p", "REG ISTER", "sip:r", NULL, 0, 1, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_null (cf_sip_auth_credentials_new_for_challenge (
		challenge, "u", "p", "REGISTER", "sip:r", NULL, 0, 0, NULL, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_null (cf_sip_auth_credentials_new_for_challenge (
		challenge, "u", "p", "REGISTER", "sip:r", NULL, 0, 1, "", &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);

	/* quotes and backslashes are escaped and come back unchanged */
	credentials = cf_sip_auth_credentials_new_for_challenge (challenge,
								 "a\"b\\c",
								 "p\"w",
								 "REGISTER",
								 "sip:r",
								 NULL,
								 0,
								 0xffffffff,
								 NULL,
								 &error);
	g_assert_no_error (error);
	g_assert_cmpuint (strlen (credentials->cnonce), ==, 32);
	value = cf_sip_auth_credentials_to_string (credentials);
	g_assert_nonnull (strstr (value, "username=\"a\\\"b\\\\c\""));
	g_assert_nonnull (strstr (value, "nc=ffffffff"));
	parsed = cf_sip_auth_credentials_parse (value, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (parsed->username, ==, "a\"b\\c");
	g_assert_cmpuint (parsed->nc, ==, 0xffffffff);
	g_assert_true (cf_sip_auth_verify (parsed, challenge, "p\"w", "REGISTER", NULL, 0, &error));
	g_assert_no_error (error);

	/* structs filled by hand: the printers never write CR or LF */
	g_free (parsed->username);
	parsed->username = g_strdup ("u\r\nContact: <sip:evil>");
	g_free (challenge->realm);
	challenge->realm = g_strdup ("r\n\rVia: x");
	{
		g_autofree char *printed_credentials = cf_sip_auth_credentials_to_string (parsed);
		g_autofree char *printed_challenge = cf_sip_auth_challenge_to_string (challenge);

		g_assert_null (strpbrk (printed_credentials, "\r\n"));
		g_assert_nonnull (
			strstr (printed_credentials, "username=\"uContact: <sip:evil>\""));
		g_assert_null (strpbrk (printed_challenge, "\r\n"));
		g_assert_true (g_str_has_prefix (printed_challenge, "Digest realm=\"rVia: x\""));
	}
}

/* ---- round trips: server challenge -> client -> server verify ---- */

static void
test_round_trip (void)
{
	static const CfSipAuthAlgorithm algorithms[] = {
		CF_SIP_AUTH_ALGORITHM_MD5,
		CF_SIP_AUTH_ALGORITHM_MD5_SESS,
		CF_SIP_AUTH_ALGORITHM_SHA256,
		CF_SIP_AUTH_ALGORITHM_SHA256_SESS,
	};
	static const CfSipAuthQop qops[] = {
		CF_SIP_AUTH_QOP_AUTH,
		CF_SIP_AUTH_QOP_AUTH_INT,
		CF_SIP_AUTH_QOP_NONE,
	};
	const char *body = "v=0\r\ns=-\r\n";
	const char *other_body = "v=0\r\ns=x\r\n";

	for (gsize a = 0; a < G_N_ELEMENTS (algorithms); a++) {
		for (gsize q = 0; q < G_N_ELEMENTS (qops); q++) {
			g_autoptr (GError) error = NULL;
			g_autoptr (CfSipAuthChallenge) server = NULL;
			g_autoptr (CfSipAuthChallenge) client = NULL;
			g_autoptr (CfSipAuthCredentials) answer = NULL;
			g_autoptr (CfSipAuthCredentials) received = NULL;
			g_autofree char *www = NULL;
			g_autofree char *authorization = NULL;
			gboolean body_matters = qops[q] == CF_SIP_AUTH_QOP_AUTH_INT;

			server = cf_sip_auth_challenge_new ("example.org", algorithms[a], &error);
			g_assert_no_error (error);
			server->qop = qops[q];
			server->opaque = g_strdup ("op\"aque");
			www = cf_sip_auth_challenge_to_string (server);

			client = cf_sip_auth_challenge_parse (www, &error);
			g_assert_no_error (error);
			answer = cf_sip_auth_credentials_new_for_challenge (client,
									    "alice",
									    "s3cret",
									    "INVITE",
									    "sip:bob@example.org",
									    body,
									    strlen (body),
									    1,
									    NULL,
									    &error);
			g_assert_no_error (error);
			g_assert_cmpint (answer->qop, ==, qops[q]);
			authorization = cf_sip_auth_credentials_to_string (answer);

			received = cf_sip_auth_credentials_parse (authorization, &error);
			g_assert_no_error (error);
			g_assert_cmpstr (received->opaque, ==, "op\"aque");
			g_assert_true (cf_sip_auth_verify (
				received, server, "s3cret", "INVITE", body, strlen (body), &error));
			g_assert_no_error (error);
			/* without the challenge: only the password is checked */
			g_assert_true (cf_sip_auth_verify (
				received, NULL, "s3cret", "INVITE", body, strlen (body), &error));
			g_assert_no_error (error);

			g_assert_false (cf_sip_auth_verify (received,
							    server,
							    "s3cret!",
							    "INVITE",
							    body,
							    strlen (body),
							    &error));
			g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
			g_clear_error (&error);
			g_assert_false (cf_sip_auth_verify (
				received, server, "", "INVITE", body, strlen (body), &error));
			g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
			g_clear_error (&error);
			g_assert_cmpint (cf_sip_auth_verify (received,
							     server,
							     "s3cret",
							     "INVITE",
							     other_body,
							     strlen (other_body),
							     &error),
					 ==,
					 !body_matters);
			if (body_matters)
				g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
			else
				g_assert_no_error (error);
		}
	}
}

static void
test_verify_checks_challenge (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthChallenge) server = NULL;
	g_autoptr (CfSipAuthChallenge) newer = NULL;
	g_autoptr (CfSipAuthChallenge) other = NULL;
	g_autoptr (CfSipAuthCredentials) answer = NULL;
	g_autoptr (CfSipAuthCredentials) tampered = NULL;

	server = cf_sip_auth_challenge_new ("example.org", CF_SIP_AUTH_ALGORITHM_SHA256, &error);
	g_assert_no_error (error);
	server->opaque = g_strdup ("o1");
	answer = cf_sip_auth_credentials_new_for_challenge (
		server, "alice", "pw", "REGISTER", "sip:example.org", NULL, 0, 1, NULL, &error);
	g_assert_no_error (error);

	/* the server moved on to a new nonce: right password -> stale, wrong -> denied */
	newer = cf_sip_auth_challenge_copy (server);
	g_free (newer->nonce);
	newer->nonce = g_strdup ("a-newer-nonce");
	g_assert_false (cf_sip_auth_verify (answer, newer, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_STALE);
	g_clear_error (&error);
	g_assert_false (cf_sip_auth_verify (answer, newer, "pW", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);

	/* another realm */
	other = cf_sip_auth_challenge_copy (server);
	g_free (other->realm);
	other->realm = g_strdup ("example.com");
	g_assert_false (cf_sip_auth_verify (answer, other, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	g_clear_pointer (&other, cf_sip_auth_challenge_free);

	/* another algorithm */
	other = cf_sip_auth_challenge_copy (server);
	other->algorithm = CF_SIP_AUTH_ALGORITHM_SHA256_SESS;
	g_assert_false (cf_sip_auth_verify (answer, other, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	g_clear_pointer (&other, cf_sip_auth_challenge_free);

	/* another opaque */
	other = cf_sip_auth_challenge_copy (server);
	g_free (other->opaque);
	other->opaque = g_strdup ("o2");
	g_assert_false (cf_sip_auth_verify (answer, other, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	g_clear_pointer (&other, cf_sip_auth_challenge_free);

	/* a qop the server did not offer */
	other = cf_sip_auth_challenge_copy (server);
	other->qop = CF_SIP_AUTH_QOP_AUTH_INT;
	g_assert_false (cf_sip_auth_verify (answer, other, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	g_clear_pointer (&other, cf_sip_auth_challenge_free);

	/* a downgrade to the RFC 2069 form when the server asked for qop */
	other = cf_sip_auth_challenge_copy (server);
	other->qop = CF_SIP_AUTH_QOP_NONE;
	g_clear_pointer (&tampered, cf_sip_auth_credentials_free);
	tampered = cf_sip_auth_credentials_new_for_challenge (
		other, "alice", "pw", "REGISTER", "sip:example.org", NULL, 0, 1, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpint (tampered->qop, ==, CF_SIP_AUTH_QOP_NONE);
	g_assert_true (cf_sip_auth_verify (tampered, other, "pw", "REGISTER", NULL, 0, &error));
	g_assert_no_error (error);
	g_assert_false (cf_sip_auth_verify (tampered, server, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	/* and a qop when the server offered none */
	g_assert_false (cf_sip_auth_verify (answer, other, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);

	/* a changed nonce count, digest-uri or response byte breaks the response */
	g_clear_pointer (&tampered, cf_sip_auth_credentials_free);
	tampered = cf_sip_auth_credentials_copy (answer);
	tampered->nc = 2;
	g_assert_false (cf_sip_auth_verify (tampered, server, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	g_clear_pointer (&tampered, cf_sip_auth_credentials_free);
	tampered = cf_sip_auth_credentials_copy (answer);
	g_free (tampered->uri);
	tampered->uri = g_strdup ("sip:example.com");
	g_assert_false (cf_sip_auth_verify (tampered, server, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);
	for (gsize i = 0; i < 64; i += 21) {
		g_clear_pointer (&tampered, cf_sip_auth_credentials_free);
		tampered = cf_sip_auth_credentials_copy (answer);
		tampered->response[i] = tampered->response[i] == '0' ? '1' : '0';
		g_assert_false (
			cf_sip_auth_verify (tampered, server, "pw", "REGISTER", NULL, 0, &error));
		g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
		g_clear_error (&error);
	}
	g_clear_pointer (&tampered, cf_sip_auth_credentials_free);
	tampered = cf_sip_auth_credentials_copy (answer);
	tampered->response[10] = '\0';
	g_assert_false (cf_sip_auth_verify (tampered, server, "pw", "REGISTER", NULL, 0, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
	g_clear_error (&error);

	/* and the untouched answer still passes */
	g_assert_true (cf_sip_auth_verify (answer, server, "pw", "REGISTER", NULL, 0, &error));
	g_assert_no_error (error);
}

static void
test_cnonce (void)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *a = cf_sip_auth_new_cnonce (&error);
	g_autofree char *b = cf_sip_auth_new_cnonce (&error);

	g_assert_no_error (error);
	g_assert_cmpuint (strlen (a), ==, 32);
	for (const char *p = a; *p != '\0'; p++)
		g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_isupper (*p));
	g_assert_cmpstr (a, !=, b);
}

/* ---- sessions ---- */

static CfSipAuthCredentials *
parse_one (GStrv values)
{
	g_autoptr (GError) error = NULL;
	CfSipAuthCredentials *credentials;

	g_assert_nonnull (values);
	g_assert_cmpuint (g_strv_length (values), ==, 1);
	credentials = cf_sip_auth_credentials_parse (values[0], &error);
	g_assert_no_error (error);
	return credentials;
}

static void
test_session (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthSession) session = cf_sip_auth_session_new ("alice", "pw");
	g_autoptr (CfSipAuthChallenge) registrar_md5 = NULL;
	g_autoptr (CfSipAuthChallenge) registrar = NULL;
	g_autoptr (CfSipAuthChallenge) proxy = NULL;
	g_auto (GStrv) www = NULL;
	g_auto (GStrv) pxy = NULL;
	g_autoptr (CfSipAuthCredentials) first = NULL;
	g_autoptr (CfSipAuthCredentials) second = NULL;
	g_autoptr (CfSipAuthCredentials) third = NULL;
	g_autoptr (CfSipAuthCredentials) via_proxy = NULL;
	g_autofree char *v_md5 = NULL;
	g_autofree char *v_sha = NULL;
	g_autofree char *v_proxy = NULL;
	g_autofree char *first_cnonce = NULL;

	/* nothing remembered: no credentials */
	g_assert_true (cf_sip_auth_session_authorize (
		session, "REGISTER", "sip:example.org", NULL, 0, &www, &pxy, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (g_strv_length (www), ==, 0);
	g_assert_cmpuint (g_strv_length (pxy), ==, 0);
	g_clear_pointer (&www, g_strfreev);
	g_clear_pointer (&pxy, g_strfreev);

	/* a 401 offering MD5 then SHA-256: SHA-256 is answered */
	registrar_md5 =
		cf_sip_auth_challenge_new ("example.org", CF_SIP_AUTH_ALGORITHM_MD5, &error);
	registrar = cf_sip_auth_challenge_new ("example.org", CF_SIP_AUTH_ALGORITHM_SHA256, &error);
	g_assert_no_error (error);
	v_md5 = cf_sip_auth_challenge_to_string (registrar_md5);
	v_sha = cf_sip_auth_challenge_to_string (registrar);
	{
		const char *values[] = { v_md5, v_sha, NULL };

		g_assert_true (cf_sip_auth_session_add_challenges (session, FALSE, values, &error));
		g_assert_no_error (error);
	}
	g_assert_cmpuint (cf_sip_auth_session_get_n_realms (session), ==, 1);

	/* the nonce is reused with a growing nonce count and the same cnonce */
	g_assert_true (cf_sip_auth_session_authorize (
		session, "REGISTER", "sip:example.org", NULL, 0, &www, NULL, &error));
	g_assert_no_error (error);
	first = parse_one (www);
	g_clear_pointer (&www, g_strfreev);
	g_assert_cmpint (first->algorithm, ==, CF_SIP_AUTH_ALGORITHM_SHA256);
	g_assert_cmpuint (first->nc, ==, 1);
	g_assert_true (cf_sip_auth_verify (first, registrar, "pw", "REGISTER", NULL, 0, &error));
	g_assert_no_error (error);

	g_assert_true (cf_sip_auth_session_authorize (
		session, "OPTIONS", "sip:example.org", NULL, 0, &www, NULL, &error));
	g_assert_no_error (error);
	second = parse_one (www);
	g_clear_pointer (&www, g_strfreev);
	g_assert_cmpuint (second->nc, ==, 2);
	g_assert_cmpstr (second->cnonce, ==, first->cnonce);
	g_assert_cmpstr (second->nonce, ==, registrar->nonce);
	g_assert_true (cf_sip_auth_verify (second, registrar, "pw", "OPTIONS", NULL, 0, &error));
	g_assert_no_error (error);

	/* re-challenged with the nonce we answered, not stale: our password was refused,
	 * and nothing changes */
	{
		const char *values[] = { v_sha, NULL };

		g_assert_false (
			cf_sip_auth_session_add_challenges (session, FALSE, values, &error));
		g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED);
		g_clear_error (&error);
	}
	g_assert_cmpuint (cf_sip_auth_session_get_n_realms (session), ==, 1);

	/* a proxy realm joins; its count is separate */
	proxy = cf_sip_auth_challenge_new ("proxy.example.org", CF_SIP_AUTH_ALGORITHM_MD5, &error);
	g_assert_no_error (error);
	v_proxy = cf_sip_auth_challenge_to_string (proxy);
	{
		const char *values[] = { v_proxy, NULL };

		g_assert_true (cf_sip_auth_session_add_challenges (session, TRUE, values, &error));
		g_assert_no_error (error);
	}
	g_assert_cmpuint (cf_sip_auth_session_get_n_realms (session), ==, 2);
	g_assert_true (cf_sip_auth_session_authorize (
		session, "INVITE", "sip:bob@example.org", "v=0\r\n", 5, &www, &pxy, &error));
	g_assert_no_error (error);
	third = parse_one (www);
	via_proxy = parse_one (pxy);
	g_clear_pointer (&www, g_strfreev);
	g_clear_pointer (&pxy, g_strfreev);
	g_assert_cmpuint (third->nc, ==, 3);
	g_assert_cmpuint (via_proxy->nc, ==, 1);
	g_assert_true (cf_sip_auth_verify (via_proxy, proxy, "pw", "INVITE", NULL, 0, &error));
	g_assert_no_error (error);

	/* the registrar's nonce expires: stale=TRUE with a new nonce restarts the count */
	first_cnonce = g_strdup (first->cnonce);
	g_free (registrar->nonce);
	registrar->nonce = g_strdup ("fresh-nonce");
	registrar->stale = TRUE;
	g_free (v_sha);
	v_sha = cf_sip_auth_challenge_to_string (registrar);
	{
		const char *values[] = { v_sha, NULL };

		g_assert_true (cf_sip_auth_session_add_challenges (session, FALSE, values, &error));
		g_assert_no_error (error);
	}
	g_clear_pointer (&first, cf_sip_auth_credentials_free);
	g_assert_true (cf_sip_auth_session_authorize (
		session, "REGISTER", "sip:example.org", NULL, 0, &www, NULL, &error));
	g_assert_no_error (error);
	first = parse_one (www);
	g_clear_pointer (&www, g_strfreev);
	g_assert_cmpstr (first->nonce, ==, "fresh-nonce");
	g_assert_cmpuint (first->nc, ==, 1);
	g_assert_cmpstr (first->cnonce, !=, first_cnonce);
	g_assert_true (cf_sip_auth_verify (first, registrar, "pw", "REGISTER", NULL, 0, &error));
	g_assert_no_error (error);

	/* a bad method leaves the counts alone */
	g_assert_false (cf_sip_auth_session_authorize (
		session, "", "sip:example.org", NULL, 0, &www, &pxy, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_null (www);
	g_assert_null (pxy);
	g_clear_pointer (&first, cf_sip_auth_credentials_free);
	g_assert_true (cf_sip_auth_session_authorize (
		session, "REGISTER", "sip:example.org", NULL, 0, &www, NULL, &error));
	g_assert_no_error (error);
	first = parse_one (www);
	g_clear_pointer (&www, g_strfreev);
	g_assert_cmpuint (first->nc, ==, 2);

	cf_sip_auth_session_clear (session);
	g_assert_cmpuint (cf_sip_auth_session_get_n_realms (session), ==, 0);
}

static void
test_session_limits (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipAuthSession) session = cf_sip_auth_session_new ("alice", "pw");
	g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
	const char *bad[] = { "Basic realm=\"x\"", NULL };

	/* several realms in one response: one entry each */
	for (guint i = 0; i < CF_SIP_AUTH_MAX_REALMS; i++)
		g_ptr_array_add (values, g_strdup_printf ("Digest realm=\"r%u\", nonce=\"n\"", i));
	g_ptr_array_add (values, NULL);
	g_assert_true (cf_sip_auth_session_add_challenges (
		session, TRUE, (const char *const *) values->pdata, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (cf_sip_auth_session_get_n_realms (session), ==, CF_SIP_AUTH_MAX_REALMS);

	/* one more realm is too many */
	g_ptr_array_set_size (values, 0);
	g_ptr_array_add (values, g_strdup ("Digest realm=\"another\", nonce=\"n\""));
	g_ptr_array_add (values, NULL);
	g_assert_false (cf_sip_auth_session_add_challenges (
		session, TRUE, (const char *const *) values->pdata, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_TOO_LARGE);
	g_clear_error (&error);
	g_assert_cmpuint (cf_sip_auth_session_get_n_realms (session), ==, CF_SIP_AUTH_MAX_REALMS);

	/* nothing usable */
	g_assert_false (cf_sip_auth_session_add_challenges (session, FALSE, bad, &error));
	g_assert_error (error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/sip/auth/rfc2617", test_rfc2617);
	g_test_add_func ("/confab/sip/auth/rfc7616/md5", test_rfc7616_md5);
	g_test_add_func ("/confab/sip/auth/rfc7616/sha256", test_rfc7616_sha256);
	g_test_add_func ("/confab/sip/auth/formulas", test_formulas);
	g_test_add_func ("/confab/sip/auth/algorithm/names", test_algorithm_names);
	g_test_add_func ("/confab/sip/auth/challenge/parse-rfc3261", test_challenge_parse_rfc3261);
	g_test_add_func ("/confab/sip/auth/challenge/parse-odd", test_challenge_parse_odd);
	g_test_add_func ("/confab/sip/auth/challenge/limits", test_challenge_limits);
	g_test_add_func ("/confab/sip/auth/challenge/errors", test_challenge_errors);
	g_test_add_func ("/confab/sip/auth/challenge/print", test_challenge_print);
	g_test_add_func ("/confab/sip/auth/challenge/choose", test_choose);
	g_test_add_func ("/confab/sip/auth/credentials/parse", test_credentials_parse);
	g_test_add_func ("/confab/sip/auth/credentials/errors", test_credentials_errors);
	g_test_add_func ("/confab/sip/auth/credentials/arguments", test_credentials_arguments);
	g_test_add_func ("/confab/sip/auth/round-trip", test_round_trip);
	g_test_add_func ("/confab/sip/auth/verify/challenge", test_verify_checks_challenge);
	g_test_add_func ("/confab/sip/auth/cnonce", test_cnonce);
	g_test_add_func ("/confab/sip/auth/session", test_session);
	g_test_add_func ("/confab/sip/auth/session/limits", test_session_limits);

	return g_test_run ();
}
