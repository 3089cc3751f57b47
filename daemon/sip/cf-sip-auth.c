/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip-auth"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "cf-sip-auth.h"

/* clang-format off */
G_DEFINE_QUARK (cf-sip-auth-error-quark, cf_sip_auth_error)
/* clang-format on */

#define MAX_DIGEST_SIZE 32			  /* SHA-256 */
#define MAX_HEX_SIZE	(2 * MAX_DIGEST_SIZE + 1) /* hex digits and NUL */
#define RANDOM_BYTES	16

/* ---- small helpers ---- */

static void
wipe (void *data, gsize len)
{
	if (data != NULL && len > 0)
		explicit_bzero (data, len);
}

/* Wipes and frees a NUL-terminated secret. */
static void
free_secret (char *secret)
{
	if (secret == NULL)
		return;
	wipe (secret, strlen (secret));
	g_free (secret);
}

/* RFC 3261 §25.1 token characters. */
static gboolean
is_token_char (char c)
{
	return g_ascii_isalnum (c) || (c != '\0' && strchr ("-.!%*_+`'~", c) != NULL);
}

static gboolean
is_ctl (char c)
{
	guchar u = (guchar) c;

	return u < 0x20 || u == 0x7f;
}

static gboolean
is_ws (char c)
{
	return c == ' ' || c == '\t';
}

static gboolean
has_ctl (const char *s)
{
	for (; *s != '\0'; s++) {
		if (is_ctl (*s))
			return TRUE;
	}
	return FALSE;
}

static gboolean
is_token (const char *s)
{
	if (*s == '\0')
		return FALSE;
	for (; *s != '\0'; s++) {
		if (!is_token_char (*s))
			return FALSE;
	}
	return TRUE;
}

static gboolean
check_local_string (const char *what, const char *value, GError **error)
{
	if (value == NULL || has_ctl (value)) {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_INVALID_ARGUMENT,
			     "%s is missing or has control characters",
			     what);
		return FALSE;
	}
	return TRUE;
}

static char *
random_hex (GError **error)
{
	guint8 bytes[RANDOM_BYTES];
	gsize off = 0;

	while (off < sizeof (bytes)) {
		ssize_t r = getrandom (bytes + off, sizeof (bytes) - off, 0);

		if (r < 0) {
			int saved_errno = errno;

			if (saved_errno == EINTR)
				continue;
			g_set_error (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_FAILED,
				     "no random bytes: %s",
				     g_strerror (saved_errno));
			return NULL;
		}
		off += (gsize) r;
	}

	{
		GString *hex = g_string_sized_new (2 * sizeof (bytes));

		for (gsize i = 0; i < sizeof (bytes); i++)
			g_string_append_printf (hex, "%02x", bytes[i]);
		wipe (bytes, sizeof (bytes));
		return g_string_free (hex, FALSE);
	}
}

char *
cf_sip_auth_new_cnonce (GError **error)
{
	return random_hex (error);
}

/* ---- algorithms ---- */

static const struct {
	CfSipAuthAlgorithm algorithm;
	const char *name;
} algorithm_names[] = {
	{ CF_SIP_AUTH_ALGORITHM_MD5, "MD5" },
	{ CF_SIP_AUTH_ALGORITHM_MD5_SESS, "MD5-sess" },
	{ CF_SIP_AUTH_ALGORITHM_SHA256, "SHA-256" },
	{ CF_SIP_AUTH_ALGORITHM_SHA256_SESS, "SHA-256-sess" },
};

const char *
cf_sip_auth_algorithm_to_string (CfSipAuthAlgorithm algorithm)
{
	for (gsize i = 0; i < G_N_ELEMENTS (algorithm_names); i++) {
		if (algorithm_names[i].algorithm == algorithm)
			return algorithm_names[i].name;
	}
	g_return_val_if_reached ("MD5");
}

gboolean
cf_sip_auth_algorithm_from_string (const char *name,
				   CfSipAuthAlgorithm *ret_algorithm,
				   GError **error)
{
	g_return_val_if_fail (name != NULL, FALSE);

	for (gsize i = 0; i < G_N_ELEMENTS (algorithm_names); i++) {
		if (g_ascii_strcasecmp (algorithm_names[i].name, name) == 0) {
			if (ret_algorithm != NULL)
				*ret_algorithm = algorithm_names[i].algorithm;
			return TRUE;
		}
	}
	g_set_error (error,
		     CF_SIP_AUTH_ERROR,
		     CF_SIP_AUTH_ERROR_UNSUPPORTED,
		     "digest algorithm '%.32s' is not supported",
		     name);
	return FALSE;
}

static gboolean
algorithm_is_sess (CfSipAuthAlgorithm algorithm)
{
	return algorithm == CF_SIP_AUTH_ALGORITHM_MD5_SESS
	       || algorithm == CF_SIP_AUTH_ALGORITHM_SHA256_SESS;
}

static GChecksumType
algorithm_checksum_type (CfSipAuthAlgorithm algorithm)
{
	if (algorithm == CF_SIP_AUTH_ALGORITHM_SHA256
	    || algorithm == CF_SIP_AUTH_ALGORITHM_SHA256_SESS)
		return G_CHECKSUM_SHA256;
	return G_CHECKSUM_MD5;
}

/* Number of hex digits in a digest of @algorithm. */
static gsize
algorithm_hex_len (CfSipAuthAlgorithm algorithm)
{
	return algorithm_checksum_type (algorithm) == G_CHECKSUM_SHA256 ? 64 : 32;
}

/* Local policy for choosing among challenges: bigger is stronger. */
static int
algorithm_strength (CfSipAuthAlgorithm algorithm)
{
	return algorithm_checksum_type (algorithm) == G_CHECKSUM_SHA256 ? 2 : 1;
}

static const char *
qop_to_string (CfSipAuthQop qop)
{
	switch (qop) {
	case CF_SIP_AUTH_QOP_AUTH:
		return "auth";
	case CF_SIP_AUTH_QOP_AUTH_INT:
		return "auth-int";
	case CF_SIP_AUTH_QOP_NONE:
	default:
		return NULL;
	}
}

/* ---- hashing (RFC 7616 §3.4.1-§3.4.3, RFC 2617 §3.2.2) ---- */

static void
update_str (GChecksum *checksum, const char *s)
{
	g_checksum_update (checksum, (const guchar *) s, (gssize) strlen (s));
}

/* Closes @checksum and writes its digest as lower-case hex to @out
 * (MAX_HEX_SIZE bytes). The checksum can be reset and reused afterwards. */
static void
finish_hex (GChecksum *checksum, char *out)
{
	static const char digits[] = "0123456789abcdef";
	guint8 digest[MAX_DIGEST_SIZE];
	gsize len = sizeof (digest);

	g_checksum_get_digest (checksum, digest, &len);
	for (gsize i = 0; i < len; i++) {
		out[2 * i] = digits[digest[i] >> 4];
		out[2 * i + 1] = digits[digest[i] & 0xf];
	}
	out[2 * len] = '\0';
	wipe (digest, sizeof (digest));
}

/* The request-digest (response) as lower-case hex in @out (MAX_HEX_SIZE).
 * @cnonce and @nc are used for qop and -sess; @body only for auth-int. */
static void
compute_response (CfSipAuthAlgorithm algorithm,
		  const char *username,
		  const char *realm,
		  const char *password,
		  const char *nonce,
		  const char *cnonce,
		  CfSipAuthQop qop,
		  guint32 nc,
		  const char *method,
		  const char *uri,
		  const char *body,
		  gsize body_len,
		  char *out)
{
	GChecksum *checksum = g_checksum_new (algorithm_checksum_type (algorithm));
	char ha1[MAX_HEX_SIZE];
	char ha2[MAX_HEX_SIZE];

	/* A1 = username ":" realm ":" passwd, fed in pieces so that no buffer
	 * of ours holds the password. */
	update_str (checksum, username);
	update_str (checksum, ":");
	update_str (checksum, realm);
	update_str (checksum, ":");
	update_str (checksum, password);
	finish_hex (checksum, ha1);

	if (algorithm_is_sess (algorithm)) {
		/* A1 = H(username ":" realm ":" passwd) ":" nonce ":" cnonce */
		g_checksum_reset (checksum);
		update_str (checksum, ha1);
		update_str (checksum, ":");
		update_str (checksum, nonce);
		update_str (checksum, ":");
		update_str (checksum, cnonce != NULL ? cnonce : "");
		finish_hex (checksum, ha1);
	}

	/* A2 = Method ":" digest-uri [ ":" H(entity-body) ] */
	g_checksum_reset (checksum);
	if (qop == CF_SIP_AUTH_QOP_AUTH_INT) {
		char body_hash[MAX_HEX_SIZE];

		g_checksum_update (checksum,
				   (const guchar *) (body != NULL ? body : ""),
				   body != NULL ? (gssize) body_len : 0);
		finish_hex (checksum, body_hash);
		g_checksum_reset (checksum);
		update_str (checksum, method);
		update_str (checksum, ":");
		update_str (checksum, uri);
		update_str (checksum, ":");
		update_str (checksum, body_hash);
	} else {
		update_str (checksum, method);
		update_str (checksum, ":");
		update_str (checksum, uri);
	}
	finish_hex (checksum, ha2);

	/* response = H(HA1 ":" nonce [":" nc ":" cnonce ":" qop] ":" HA2) */
	g_checksum_reset (checksum);
	update_str (checksum, ha1);
	update_str (checksum, ":");
	update_str (checksum, nonce);
	update_str (checksum, ":");
	if (qop != CF_SIP_AUTH_QOP_NONE) {
		char nc_hex[9];

		g_snprintf (nc_hex, sizeof (nc_hex), "%08x", nc);
		update_str (checksum, nc_hex);
		update_str (checksum, ":");
		update_str (checksum, cnonce != NULL ? cnonce : "");
		update_str (checksum, ":");
		update_str (checksum, qop_to_string (qop));
		update_str (checksum, ":");
	}
	update_str (checksum, ha2);
	finish_hex (checksum, out);

	wipe (ha1, sizeof (ha1));
	g_checksum_free (checksum);
}

/* Compares @len bytes without stopping at the first difference. */
static gboolean
equal_constant_time (const char *a, const char *b, gsize len)
{
	volatile guint8 diff = 0;

	for (gsize i = 0; i < len; i++)
		diff |= (guint8) (a[i] ^ b[i]);
	return diff == 0;
}

/* ---- parameter lists: scheme LWS name=value *(COMMA name=value) ---- */

typedef struct {
	char *name;  /* lower case */
	char *value; /* unquoted and unescaped */
} AuthParam;

static void
auth_param_clear (gpointer data)
{
	AuthParam *param = data;

	g_free (param->name);
	g_free (param->value);
}

static const char *
skip_ws (const char *p)
{
	while (is_ws (*p))
		p++;
	return p;
}

static gboolean
set_parse_error (GError **error, const char *what, const char *value, const char *p)
{
	g_set_error (error,
		     CF_SIP_AUTH_ERROR,
		     CF_SIP_AUTH_ERROR_PARSE,
		     "%s at offset %u",
		     what,
		     (guint) (p - value));
	return FALSE;
}

/* Parses the scheme ("Digest", case-insensitive) and the parameters of
 * @value into @params (AuthParam). */
static gboolean
parse_params (const char *value, GArray *params, GError **error)
{
	const char *p;
	const char *start;

	if (strnlen (value, CF_SIP_AUTH_MAX_VALUE_LENGTH + 1) > CF_SIP_AUTH_MAX_VALUE_LENGTH) {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_TOO_LARGE,
			     "authentication header value longer than %u bytes",
			     (guint) CF_SIP_AUTH_MAX_VALUE_LENGTH);
		return FALSE;
	}

	p = skip_ws (value);
	start = p;
	while (is_token_char (*p))
		p++;
	if (p == start)
		return set_parse_error (error, "expected an authentication scheme", value, p);
	if (p - start != 6 || g_ascii_strncasecmp (start, "Digest", 6) != 0) {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_UNSUPPORTED,
			     "authentication scheme '%.*s' is not supported",
			     (int) MIN (p - start, 32),
			     start);
		return FALSE;
	}
	if (*skip_ws (p) == '\0')
		return set_parse_error (error, "digest without parameters", value, p);
	if (!is_ws (*p))
		return set_parse_error (error, "expected a space after the scheme", value, p);

	for (;;) {
		AuthParam param = { NULL, NULL };
		const char *name_start;
		gsize name_len;

		p = skip_ws (p);
		if (params->len >= CF_SIP_AUTH_MAX_PARAMS) {
			g_set_error (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_TOO_LARGE,
				     "more than %u authentication parameters",
				     (guint) CF_SIP_AUTH_MAX_PARAMS);
			return FALSE;
		}

		name_start = p;
		while (is_token_char (*p))
			p++;
		if (p == name_start)
			return set_parse_error (error, "expected a parameter name", value, p);
		name_len = (gsize) (p - name_start);

		p = skip_ws (p);
		if (*p != '=')
			return set_parse_error (
				error, "expected '=' after a parameter name", value, p);
		p = skip_ws (p + 1);

		if (*p == '"') {
			GString *s = g_string_new (NULL);

			p++;
			for (;;) {
				char c = *p;

				if (c == '\0') {
					g_string_free (s, TRUE);
					return set_parse_error (
						error, "unterminated quoted string", value, p);
				}
				if (c == '"') {
					p++;
					break;
				}
				if (c == '\\') {
					p++;
					c = *p;
					if (c == '\0') {
						g_string_free (s, TRUE);
						return set_parse_error (
							error,
							"unterminated quoted string",
							value,
							p);
					}
				}
				if (is_ctl (c) && c != '\t') {
					g_string_free (s, TRUE);
					return set_parse_error (
						error,
						"control character in a quoted string",
						value,
						p);
				}
				g_string_append_c (s, c);
				p++;
			}
			param.value = g_string_free (s, FALSE);
		} else {
			const char *value_start = p;

			while (is_token_char (*p))
				p++;
			if (p == value_start)
				return set_parse_error (
					error, "expected a parameter value", value, p);
			param.value = g_strndup (value_start, (gsize) (p - value_start));
		}
		param.name = g_ascii_strdown (name_start, (gssize) name_len);
		g_array_append_val (params, param);

		p = skip_ws (p);
		if (*p == '\0')
			break;
		if (*p != ',')
			return set_parse_error (error, "expected ',' between parameters", value, p);
		p = skip_ws (p + 1);
		if (*p == '\0')
			return set_parse_error (error, "expected a parameter after ','", value, p);
	}
	return TRUE;
}

/* Looks up @name (lower case) in @params. Returns FALSE with an error if it
 * appears more than once; *@ret_value is NULL when it is absent. */
static gboolean
get_param (GArray *params, const char *name, const char **ret_value, GError **error)
{
	const char *found = NULL;

	for (guint i = 0; i < params->len; i++) {
		const AuthParam *param = &g_array_index (params, AuthParam, i);

		if (!g_str_equal (param->name, name))
			continue;
		if (found != NULL) {
			g_set_error (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_PARSE,
				     "parameter '%s' appears more than once",
				     name);
			return FALSE;
		}
		found = param->value;
	}
	*ret_value = found;
	return TRUE;
}

static gboolean
get_required_param (GArray *params, const char *name, const char **ret_value, GError **error)
{
	if (!get_param (params, name, ret_value, error))
		return FALSE;
	if (*ret_value == NULL) {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_PARSE,
			     "parameter '%s' is missing",
			     name);
		return FALSE;
	}
	return TRUE;
}

static GArray *
params_new (void)
{
	GArray *params = g_array_new (FALSE, TRUE, sizeof (AuthParam));

	g_array_set_clear_func (params, auth_param_clear);
	return params;
}

static void
append_quoted (GString *s, const char *value)
{
	g_string_append_c (s, '"');
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == '"' || *p == '\\')
			g_string_append_c (s, '\\');
		g_string_append_c (s, *p);
	}
	g_string_append_c (s, '"');
}

/* ---- challenges ---- */

void
cf_sip_auth_challenge_free (CfSipAuthChallenge *challenge)
{
	if (challenge == NULL)
		return;
	g_free (challenge->realm);
	g_free (challenge->nonce);
	g_free (challenge->opaque);
	g_free (challenge->domain);
	g_free (challenge);
}

CfSipAuthChallenge *
cf_sip_auth_challenge_copy (const CfSipAuthChallenge *challenge)
{
	CfSipAuthChallenge *copy;

	g_return_val_if_fail (challenge != NULL, NULL);

	copy = g_new0 (CfSipAuthChallenge, 1);
	copy->realm = g_strdup (challenge->realm);
	copy->nonce = g_strdup (challenge->nonce);
	copy->opaque = g_strdup (challenge->opaque);
	copy->domain = g_strdup (challenge->domain);
	copy->algorithm = challenge->algorithm;
	copy->qop = challenge->qop;
	copy->stale = challenge->stale;
	return copy;
}

/* qop-options: a quoted, comma-separated list of tokens. */
static gboolean
parse_qop_options (const char *value, CfSipAuthQop *ret_qop, GError **error)
{
	g_auto (GStrv) items = g_strsplit (value, ",", CF_SIP_AUTH_MAX_PARAMS);
	CfSipAuthQop qop = CF_SIP_AUTH_QOP_NONE;

	for (guint i = 0; items[i] != NULL; i++) {
		const char *item = g_strstrip (items[i]);

		if (g_ascii_strcasecmp (item, "auth") == 0)
			qop |= CF_SIP_AUTH_QOP_AUTH;
		else if (g_ascii_strcasecmp (item, "auth-int") == 0)
			qop |= CF_SIP_AUTH_QOP_AUTH_INT;
		/* others (e.g. a future "auth-conf") are ignored */
	}
	if (qop == CF_SIP_AUTH_QOP_NONE) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_UNSUPPORTED,
				     "qop offers neither auth nor auth-int");
		return FALSE;
	}
	*ret_qop = qop;
	return TRUE;
}

CfSipAuthChallenge *
cf_sip_auth_challenge_parse (const char *value, GError **error)
{
	g_autoptr (GArray) params = params_new ();
	g_autoptr (CfSipAuthChallenge) challenge = NULL;
	const char *realm, *nonce, *opaque, *domain, *algorithm, *qop, *stale;

	g_return_val_if_fail (value != NULL, NULL);

	if (!parse_params (value, params, error))
		return NULL;
	if (!get_required_param (params, "realm", &realm, error)
	    || !get_required_param (params, "nonce", &nonce, error)
	    || !get_param (params, "opaque", &opaque, error)
	    || !get_param (params, "domain", &domain, error)
	    || !get_param (params, "algorithm", &algorithm, error)
	    || !get_param (params, "qop", &qop, error)
	    || !get_param (params, "stale", &stale, error))
		return NULL;
	if (*nonce == '\0') {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_PARSE,
				     "parameter 'nonce' is empty");
		return NULL;
	}

	challenge = g_new0 (CfSipAuthChallenge, 1);
	challenge->realm = g_strdup (realm);
	challenge->nonce = g_strdup (nonce);
	challenge->opaque = g_strdup (opaque);
	challenge->domain = g_strdup (domain);
	challenge->algorithm = CF_SIP_AUTH_ALGORITHM_MD5;
	if (algorithm != NULL
	    && !cf_sip_auth_algorithm_from_string (algorithm, &challenge->algorithm, error))
		return NULL;
	if (qop != NULL && !parse_qop_options (qop, &challenge->qop, error))
		return NULL;
	/* RFC 7616 §3.3: any value other than "true" means FALSE */
	challenge->stale = stale != NULL && g_ascii_strcasecmp (stale, "true") == 0;
	return g_steal_pointer (&challenge);
}

CfSipAuthChallenge *
cf_sip_auth_challenge_new (const char *realm, CfSipAuthAlgorithm algorithm, GError **error)
{
	g_autoptr (CfSipAuthChallenge) challenge = NULL;
	g_autofree char *nonce = NULL;

	if (!check_local_string ("realm", realm, error))
		return NULL;
	nonce = random_hex (error);
	if (nonce == NULL)
		return NULL;

	challenge = g_new0 (CfSipAuthChallenge, 1);
	challenge->realm = g_strdup (realm);
	challenge->nonce = g_steal_pointer (&nonce);
	challenge->algorithm = algorithm;
	challenge->qop = CF_SIP_AUTH_QOP_AUTH;
	return g_steal_pointer (&challenge);
}

char *
cf_sip_auth_challenge_to_string (const CfSipAuthChallenge *challenge)
{
	GString *s;

	g_return_val_if_fail (challenge != NULL, NULL);

	s = g_string_new ("Digest realm=");
	append_quoted (s, challenge->realm != NULL ? challenge->realm : "");
	g_string_append (s, ", nonce=");
	append_quoted (s, challenge->nonce != NULL ? challenge->nonce : "");
	if (challenge->opaque != NULL) {
		g_string_append (s, ", opaque=");
		append_quoted (s, challenge->opaque);
	}
	if (challenge->domain != NULL) {
		g_string_append (s, ", domain=");
		append_quoted (s, challenge->domain);
	}
	g_string_append_printf (
		s, ", algorithm=%s", cf_sip_auth_algorithm_to_string (challenge->algorithm));
	if ((challenge->qop & CF_SIP_AUTH_QOP_AUTH) && (challenge->qop & CF_SIP_AUTH_QOP_AUTH_INT))
		g_string_append (s, ", qop=\"auth,auth-int\"");
	else if (challenge->qop & CF_SIP_AUTH_QOP_AUTH)
		g_string_append (s, ", qop=\"auth\"");
	else if (challenge->qop & CF_SIP_AUTH_QOP_AUTH_INT)
		g_string_append (s, ", qop=\"auth-int\"");
	if (challenge->stale)
		g_string_append (s, ", stale=TRUE");
	return g_string_free (s, FALSE);
}

/* Parses at most CF_SIP_AUTH_MAX_CHALLENGES @values into @ret_parsed
 * (CfSipAuthChallenge, NULL where a value was unusable), keeping the first
 * error in @ret_first_error. */
static gboolean
parse_challenges (const char *const *values,
		  GPtrArray **ret_parsed,
		  GError **ret_first_error,
		  GError **error)
{
	g_autoptr (GPtrArray) parsed = NULL;
	guint n = 0;

	g_return_val_if_fail (values != NULL, FALSE);

	while (values[n] != NULL) {
		if (++n > CF_SIP_AUTH_MAX_CHALLENGES) {
			g_set_error (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_TOO_LARGE,
				     "more than %u authentication challenges",
				     (guint) CF_SIP_AUTH_MAX_CHALLENGES);
			return FALSE;
		}
	}

	parsed = g_ptr_array_new_with_free_func ((GDestroyNotify) cf_sip_auth_challenge_free);
	for (guint i = 0; i < n; i++) {
		g_autoptr (GError) local_error = NULL;
		CfSipAuthChallenge *challenge =
			cf_sip_auth_challenge_parse (values[i], &local_error);

		if (challenge == NULL) {
			g_debug ("skipping challenge %u: %s", i, local_error->message);
			if (*ret_first_error == NULL)
				*ret_first_error = g_steal_pointer (&local_error);
		}
		g_ptr_array_add (parsed, challenge);
	}
	*ret_parsed = g_steal_pointer (&parsed);
	return TRUE;
}

/* Index in @parsed of the challenge to answer for @realm (NULL: any), or -1. */
static int
choose_index (GPtrArray *parsed, const char *realm)
{
	int best = -1;
	int best_strength = 0;

	for (guint i = 0; i < parsed->len; i++) {
		const CfSipAuthChallenge *challenge = g_ptr_array_index (parsed, i);

		if (challenge == NULL)
			continue;
		if (realm != NULL && !g_str_equal (challenge->realm, realm))
			continue;
		/* strictly stronger only: among equals the topmost stays */
		if (algorithm_strength (challenge->algorithm) > best_strength) {
			best = (int) i;
			best_strength = algorithm_strength (challenge->algorithm);
		}
	}
	return best;
}

static void
set_none_usable (GError **error, GError **first_error)
{
	if (*first_error != NULL) {
		g_propagate_prefixed_error (error,
					    g_steal_pointer (first_error),
					    "no usable authentication challenge: ");
		return;
	}
	g_set_error_literal (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_PARSE,
			     "no usable authentication challenge");
}

CfSipAuthChallenge *
cf_sip_auth_challenge_choose (const char *const *values, const char *realm, GError **error)
{
	g_autoptr (GPtrArray) parsed = NULL;
	g_autoptr (GError) first_error = NULL;
	int best;

	if (!parse_challenges (values, &parsed, &first_error, error))
		return NULL;
	best = choose_index (parsed, realm);
	if (best < 0) {
		set_none_usable (error, &first_error);
		return NULL;
	}
	return g_ptr_array_steal_index (parsed, (guint) best);
}

/* ---- credentials ---- */

void
cf_sip_auth_credentials_free (CfSipAuthCredentials *credentials)
{
	if (credentials == NULL)
		return;
	g_free (credentials->username);
	g_free (credentials->realm);
	g_free (credentials->nonce);
	g_free (credentials->uri);
	g_free (credentials->response);
	g_free (credentials->cnonce);
	g_free (credentials->opaque);
	g_free (credentials);
}

CfSipAuthCredentials *
cf_sip_auth_credentials_copy (const CfSipAuthCredentials *credentials)
{
	CfSipAuthCredentials *copy;

	g_return_val_if_fail (credentials != NULL, NULL);

	copy = g_new0 (CfSipAuthCredentials, 1);
	copy->username = g_strdup (credentials->username);
	copy->realm = g_strdup (credentials->realm);
	copy->nonce = g_strdup (credentials->nonce);
	copy->uri = g_strdup (credentials->uri);
	copy->response = g_strdup (credentials->response);
	copy->algorithm = credentials->algorithm;
	copy->cnonce = g_strdup (credentials->cnonce);
	copy->opaque = g_strdup (credentials->opaque);
	copy->qop = credentials->qop;
	copy->nc = credentials->nc;
	return copy;
}

CfSipAuthCredentials *
cf_sip_auth_credentials_new_for_challenge (const CfSipAuthChallenge *challenge,
					   const char *username,
					   const char *password,
					   const char *method,
					   const char *uri,
					   const char *body,
					   gsize body_len,
					   guint32 nc,
					   const char *cnonce,
					   GError **error)
{
	g_autoptr (CfSipAuthCredentials) credentials = NULL;
	char response[MAX_HEX_SIZE];
	CfSipAuthQop qop;

	g_return_val_if_fail (challenge != NULL, NULL);
	g_return_val_if_fail (challenge->realm != NULL && challenge->nonce != NULL, NULL);
	g_return_val_if_fail (password != NULL, NULL);

	if (!check_local_string ("username", username, error)
	    || !check_local_string ("digest-uri", uri, error))
		return NULL;
	if (method == NULL || !is_token (method)) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_INVALID_ARGUMENT,
				     "the method is not a token");
		return NULL;
	}

	if (challenge->qop & CF_SIP_AUTH_QOP_AUTH)
		qop = CF_SIP_AUTH_QOP_AUTH;
	else if (challenge->qop & CF_SIP_AUTH_QOP_AUTH_INT)
		qop = CF_SIP_AUTH_QOP_AUTH_INT;
	else
		qop = CF_SIP_AUTH_QOP_NONE;

	credentials = g_new0 (CfSipAuthCredentials, 1);
	if (qop != CF_SIP_AUTH_QOP_NONE || algorithm_is_sess (challenge->algorithm)) {
		if (qop != CF_SIP_AUTH_QOP_NONE && nc == 0) {
			g_set_error_literal (error,
					     CF_SIP_AUTH_ERROR,
					     CF_SIP_AUTH_ERROR_INVALID_ARGUMENT,
					     "the nonce count starts at 1");
			return NULL;
		}
		if (cnonce != NULL) {
			if (!check_local_string ("cnonce", cnonce, error))
				return NULL;
			if (*cnonce == '\0') {
				g_set_error_literal (error,
						     CF_SIP_AUTH_ERROR,
						     CF_SIP_AUTH_ERROR_INVALID_ARGUMENT,
						     "the cnonce is empty");
				return NULL;
			}
			credentials->cnonce = g_strdup (cnonce);
		} else {
			credentials->cnonce = random_hex (error);
			if (credentials->cnonce == NULL)
				return NULL;
		}
	}

	compute_response (challenge->algorithm,
			  username,
			  challenge->realm,
			  password,
			  challenge->nonce,
			  credentials->cnonce,
			  qop,
			  nc,
			  method,
			  uri,
			  body,
			  body_len,
			  response);

	credentials->username = g_strdup (username);
	credentials->realm = g_strdup (challenge->realm);
	credentials->nonce = g_strdup (challenge->nonce);
	credentials->uri = g_strdup (uri);
	credentials->response = g_strdup (response);
	credentials->algorithm = challenge->algorithm;
	credentials->opaque = g_strdup (challenge->opaque);
	credentials->qop = qop;
	credentials->nc = qop != CF_SIP_AUTH_QOP_NONE ? nc : 0;
	return g_steal_pointer (&credentials);
}

static gboolean
parse_nc (const char *value, guint32 *ret_nc, GError **error)
{
	guint32 nc = 0;

	if (strlen (value) != 8) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_PARSE,
				     "parameter 'nc' is not 8 hex digits");
		return FALSE;
	}
	for (guint i = 0; i < 8; i++) {
		if (!g_ascii_isxdigit (value[i])) {
			g_set_error_literal (error,
					     CF_SIP_AUTH_ERROR,
					     CF_SIP_AUTH_ERROR_PARSE,
					     "parameter 'nc' is not 8 hex digits");
			return FALSE;
		}
		nc = (nc << 4) | (guint32) g_ascii_xdigit_value (value[i]);
	}
	*ret_nc = nc;
	return TRUE;
}

CfSipAuthCredentials *
cf_sip_auth_credentials_parse (const char *value, GError **error)
{
	g_autoptr (GArray) params = params_new ();
	g_autoptr (CfSipAuthCredentials) credentials = NULL;
	const char *username, *realm, *nonce, *uri, *response, *algorithm, *cnonce, *opaque, *qop,
		*nc, *userhash;
	gsize hex_len;

	g_return_val_if_fail (value != NULL, NULL);

	if (!parse_params (value, params, error))
		return NULL;
	if (!get_required_param (params, "username", &username, error)
	    || !get_required_param (params, "realm", &realm, error)
	    || !get_required_param (params, "nonce", &nonce, error)
	    || !get_required_param (params, "uri", &uri, error)
	    || !get_required_param (params, "response", &response, error)
	    || !get_param (params, "algorithm", &algorithm, error)
	    || !get_param (params, "cnonce", &cnonce, error)
	    || !get_param (params, "opaque", &opaque, error)
	    || !get_param (params, "qop", &qop, error) || !get_param (params, "nc", &nc, error)
	    || !get_param (params, "userhash", &userhash, error))
		return NULL;

	if (userhash != NULL && g_ascii_strcasecmp (userhash, "true") == 0) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_UNSUPPORTED,
				     "userhash is not supported");
		return NULL;
	}

	credentials = g_new0 (CfSipAuthCredentials, 1);
	credentials->algorithm = CF_SIP_AUTH_ALGORITHM_MD5;
	if (algorithm != NULL
	    && !cf_sip_auth_algorithm_from_string (algorithm, &credentials->algorithm, error))
		return NULL;

	if (qop == NULL) {
		credentials->qop = CF_SIP_AUTH_QOP_NONE;
	} else if (g_ascii_strcasecmp (qop, "auth") == 0) {
		credentials->qop = CF_SIP_AUTH_QOP_AUTH;
	} else if (g_ascii_strcasecmp (qop, "auth-int") == 0) {
		credentials->qop = CF_SIP_AUTH_QOP_AUTH_INT;
	} else {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_UNSUPPORTED,
			     "qop '%.32s' is not supported",
			     qop);
		return NULL;
	}

	if (credentials->qop != CF_SIP_AUTH_QOP_NONE) {
		if (cnonce == NULL || *cnonce == '\0' || nc == NULL) {
			g_set_error_literal (error,
					     CF_SIP_AUTH_ERROR,
					     CF_SIP_AUTH_ERROR_PARSE,
					     "qop needs 'cnonce' and 'nc'");
			return NULL;
		}
		if (!parse_nc (nc, &credentials->nc, error))
			return NULL;
	}
	if (algorithm_is_sess (credentials->algorithm) && (cnonce == NULL || *cnonce == '\0')) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_PARSE,
				     "a -sess algorithm needs 'cnonce'");
		return NULL;
	}

	hex_len = algorithm_hex_len (credentials->algorithm);
	if (strlen (response) != hex_len) {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_PARSE,
			     "parameter 'response' is not %u hex digits",
			     (guint) hex_len);
		return NULL;
	}
	for (gsize i = 0; i < hex_len; i++) {
		if (!g_ascii_isxdigit (response[i])) {
			g_set_error (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_PARSE,
				     "parameter 'response' is not %u hex digits",
				     (guint) hex_len);
			return NULL;
		}
	}

	credentials->username = g_strdup (username);
	credentials->realm = g_strdup (realm);
	credentials->nonce = g_strdup (nonce);
	credentials->uri = g_strdup (uri);
	credentials->response = g_ascii_strdown (response, -1);
	credentials->cnonce = g_strdup (cnonce);
	credentials->opaque = g_strdup (opaque);
	return g_steal_pointer (&credentials);
}

char *
cf_sip_auth_credentials_to_string (const CfSipAuthCredentials *credentials)
{
	GString *s;

	g_return_val_if_fail (credentials != NULL, NULL);

	s = g_string_new ("Digest username=");
	append_quoted (s, credentials->username != NULL ? credentials->username : "");
	g_string_append (s, ", realm=");
	append_quoted (s, credentials->realm != NULL ? credentials->realm : "");
	g_string_append (s, ", nonce=");
	append_quoted (s, credentials->nonce != NULL ? credentials->nonce : "");
	g_string_append (s, ", uri=");
	append_quoted (s, credentials->uri != NULL ? credentials->uri : "");
	g_string_append (s, ", response=");
	append_quoted (s, credentials->response != NULL ? credentials->response : "");
	g_string_append_printf (
		s, ", algorithm=%s", cf_sip_auth_algorithm_to_string (credentials->algorithm));
	if (credentials->cnonce != NULL
	    && (credentials->qop != CF_SIP_AUTH_QOP_NONE
		|| algorithm_is_sess (credentials->algorithm))) {
		g_string_append (s, ", cnonce=");
		append_quoted (s, credentials->cnonce);
	}
	if (credentials->qop != CF_SIP_AUTH_QOP_NONE)
		g_string_append_printf (
			s, ", qop=%s, nc=%08x", qop_to_string (credentials->qop), credentials->nc);
	if (credentials->opaque != NULL) {
		g_string_append (s, ", opaque=");
		append_quoted (s, credentials->opaque);
	}
	return g_string_free (s, FALSE);
}

static gboolean
set_denied (GError **error, const char *why)
{
	g_set_error (
		error, CF_SIP_AUTH_ERROR, CF_SIP_AUTH_ERROR_DENIED, "credentials refused: %s", why);
	return FALSE;
}

gboolean
cf_sip_auth_verify (const CfSipAuthCredentials *credentials,
		    const CfSipAuthChallenge *challenge,
		    const char *password,
		    const char *method,
		    const char *body,
		    gsize body_len,
		    GError **error)
{
	char expected[MAX_HEX_SIZE];
	gsize hex_len;
	gboolean equal;

	g_return_val_if_fail (credentials != NULL, FALSE);
	g_return_val_if_fail (password != NULL, FALSE);
	g_return_val_if_fail (method != NULL, FALSE);

	if (credentials->username == NULL || credentials->realm == NULL
	    || credentials->nonce == NULL || credentials->uri == NULL
	    || credentials->response == NULL) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_INVALID_ARGUMENT,
				     "incomplete credentials");
		return FALSE;
	}
	if ((credentials->qop != CF_SIP_AUTH_QOP_NONE || algorithm_is_sess (credentials->algorithm))
	    && credentials->cnonce == NULL) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_INVALID_ARGUMENT,
				     "credentials without cnonce");
		return FALSE;
	}

	if (challenge != NULL) {
		if (g_strcmp0 (credentials->realm, challenge->realm) != 0)
			return set_denied (error, "another realm");
		if (credentials->algorithm != challenge->algorithm)
			return set_denied (error, "another algorithm");
		if (challenge->opaque != NULL && *challenge->opaque != '\0'
		    && g_strcmp0 (credentials->opaque, challenge->opaque) != 0)
			return set_denied (error, "another opaque");
		if (challenge->qop != CF_SIP_AUTH_QOP_NONE
		    && (credentials->qop & challenge->qop) == 0)
			return set_denied (error, "qop not offered");
		if (challenge->qop == CF_SIP_AUTH_QOP_NONE
		    && credentials->qop != CF_SIP_AUTH_QOP_NONE)
			return set_denied (error, "qop not offered");
	}

	hex_len = algorithm_hex_len (credentials->algorithm);
	if (strlen (credentials->response) != hex_len)
		return set_denied (error, "wrong response");

	compute_response (credentials->algorithm,
			  credentials->username,
			  credentials->realm,
			  password,
			  credentials->nonce,
			  credentials->cnonce,
			  credentials->qop,
			  credentials->nc,
			  method,
			  credentials->uri,
			  body,
			  body_len,
			  expected);
	equal = equal_constant_time (expected, credentials->response, hex_len);
	wipe (expected, sizeof (expected));
	if (!equal)
		return set_denied (error, "wrong response");

	if (challenge != NULL && g_strcmp0 (credentials->nonce, challenge->nonce) != 0) {
		g_set_error_literal (error,
				     CF_SIP_AUTH_ERROR,
				     CF_SIP_AUTH_ERROR_STALE,
				     "credentials for an older nonce");
		return FALSE;
	}
	return TRUE;
}

/* ---- sessions ---- */

typedef struct {
	gboolean proxy;
	CfSipAuthChallenge *challenge;
	char *cnonce;
	guint32 nc; /* the last nonce count used; 0: not answered yet */
} SessionEntry;

static void
session_entry_free (gpointer data)
{
	SessionEntry *entry = data;

	if (entry == NULL)
		return;
	cf_sip_auth_challenge_free (entry->challenge);
	g_free (entry->cnonce);
	g_free (entry);
}

struct _CfSipAuthSession {
	char *username;
	char *password;	    /* wiped when freed */
	GPtrArray *entries; /* SessionEntry, in the order the realms were learnt */
};

CfSipAuthSession *
cf_sip_auth_session_new (const char *username, const char *password)
{
	CfSipAuthSession *session;

	g_return_val_if_fail (username != NULL, NULL);
	g_return_val_if_fail (password != NULL, NULL);

	session = g_new0 (CfSipAuthSession, 1);
	session->username = g_strdup (username);
	session->password = g_strdup (password);
	session->entries = g_ptr_array_new_with_free_func (session_entry_free);
	return session;
}

void
cf_sip_auth_session_free (CfSipAuthSession *session)
{
	if (session == NULL)
		return;
	g_free (session->username);
	free_secret (session->password);
	g_ptr_array_unref (session->entries);
	g_free (session);
}

void
cf_sip_auth_session_clear (CfSipAuthSession *session)
{
	g_return_if_fail (session != NULL);

	g_ptr_array_set_size (session->entries, 0);
}

guint
cf_sip_auth_session_get_n_realms (CfSipAuthSession *session)
{
	g_return_val_if_fail (session != NULL, 0);

	return session->entries->len;
}

static SessionEntry *
session_find (CfSipAuthSession *session, gboolean proxy, const char *realm)
{
	for (guint i = 0; i < session->entries->len; i++) {
		SessionEntry *entry = g_ptr_array_index (session->entries, i);

		if (entry->proxy == proxy && g_str_equal (entry->challenge->realm, realm))
			return entry;
	}
	return NULL;
}

gboolean
cf_sip_auth_session_add_challenges (CfSipAuthSession *session,
				    gboolean proxy,
				    const char *const *values,
				    GError **error)
{
	g_autoptr (GPtrArray) parsed = NULL;
	g_autoptr (GError) first_error = NULL;
	g_autoptr (GPtrArray) chosen = NULL; /* SessionEntry, not yet in the session */
	guint n_new = 0;

	g_return_val_if_fail (session != NULL, FALSE);

	if (!parse_challenges (values, &parsed, &first_error, error))
		return FALSE;

	/* the best challenge of each realm, realms in the order they appear */
	chosen = g_ptr_array_new_with_free_func (session_entry_free);
	for (guint i = 0; i < parsed->len; i++) {
		const CfSipAuthChallenge *challenge = g_ptr_array_index (parsed, i);
		gboolean seen = FALSE;
		SessionEntry *entry;
		int best;

		if (challenge == NULL)
			continue;
		for (guint j = 0; j < chosen->len && !seen; j++) {
			entry = g_ptr_array_index (chosen, j);
			seen = g_str_equal (entry->challenge->realm, challenge->realm);
		}
		if (seen)
			continue;
		best = choose_index (parsed, challenge->realm);
		entry = g_new0 (SessionEntry, 1);
		entry->proxy = proxy;
		entry->challenge = cf_sip_auth_challenge_copy (g_ptr_array_index (parsed, best));
		g_ptr_array_add (chosen, entry);
	}
	if (chosen->len == 0) {
		set_none_usable (error, &first_error);
		return FALSE;
	}

	/* check everything before changing anything */
	for (guint i = 0; i < chosen->len; i++) {
		SessionEntry *entry = g_ptr_array_index (chosen, i);
		SessionEntry *old = session_find (session, proxy, entry->challenge->realm);

		if (old == NULL) {
			n_new++;
		} else if (old->nc > 0 && !entry->challenge->stale
			   && g_str_equal (old->challenge->nonce, entry->challenge->nonce)) {
			g_set_error_literal (error,
					     CF_SIP_AUTH_ERROR,
					     CF_SIP_AUTH_ERROR_DENIED,
					     "the credentials were rejected (re-challenged with "
					     "the same nonce)");
			return FALSE;
		}
		entry->cnonce = random_hex (error);
		if (entry->cnonce == NULL)
			return FALSE;
	}
	if (session->entries->len + n_new > CF_SIP_AUTH_MAX_REALMS) {
		g_set_error (error,
			     CF_SIP_AUTH_ERROR,
			     CF_SIP_AUTH_ERROR_TOO_LARGE,
			     "more than %u authentication realms",
			     (guint) CF_SIP_AUTH_MAX_REALMS);
		return FALSE;
	}

	for (guint i = 0; i < chosen->len; i++) {
		SessionEntry *entry = g_ptr_array_index (chosen, i);
		SessionEntry *old = session_find (session, proxy, entry->challenge->realm);

		g_debug ("%s challenge %u: %s",
			 old != NULL ? "replacing" : "adding",
			 i,
			 cf_sip_auth_algorithm_to_string (entry->challenge->algorithm));
		if (old != NULL) {
			cf_sip_auth_challenge_free (old->challenge);
			g_free (old->cnonce);
			old->challenge = g_steal_pointer (&entry->challenge);
			old->cnonce = g_steal_pointer (&entry->cnonce);
			old->nc = 0;
		} else {
			/* moved into the session: leave NULL behind in @chosen */
			g_ptr_array_add (session->entries, entry);
			g_ptr_array_index (chosen, i) = NULL;
		}
	}
	return TRUE;
}

gboolean
cf_sip_auth_session_authorize (CfSipAuthSession *session,
			       const char *method,
			       const char *uri,
			       const char *body,
			       gsize body_len,
			       GStrv *ret_authorization,
			       GStrv *ret_proxy_authorization,
			       GError **error)
{
	g_autoptr (GPtrArray) www = g_ptr_array_new_with_free_func (g_free);
	g_autoptr (GPtrArray) proxy = g_ptr_array_new_with_free_func (g_free);

	g_return_val_if_fail (session != NULL, FALSE);

	for (guint i = 0; i < session->entries->len; i++) {
		SessionEntry *entry = g_ptr_array_index (session->entries, i);
		g_autoptr (CfSipAuthCredentials) credentials = NULL;

		if (entry->nc == G_MAXUINT32) {
			g_set_error_literal (error,
					     CF_SIP_AUTH_ERROR,
					     CF_SIP_AUTH_ERROR_FAILED,
					     "nonce count exhausted");
			return FALSE;
		}
		credentials = cf_sip_auth_credentials_new_for_challenge (entry->challenge,
									 session->username,
									 session->password,
									 method,
									 uri,
									 body,
									 body_len,
									 entry->nc + 1,
									 entry->cnonce,
									 error);
		if (credentials == NULL)
			return FALSE;
		g_ptr_array_add (entry->proxy ? proxy : www,
				 cf_sip_auth_credentials_to_string (credentials));
	}

	for (guint i = 0; i < session->entries->len; i++) {
		SessionEntry *entry = g_ptr_array_index (session->entries, i);

		entry->nc++;
	}
	if (ret_authorization != NULL) {
		g_ptr_array_add (www, NULL);
		*ret_authorization = (GStrv) g_ptr_array_steal (www, NULL);
	}
	if (ret_proxy_authorization != NULL) {
		g_ptr_array_add (proxy, NULL);
		*ret_proxy_authorization = (GStrv) g_ptr_array_steal (proxy, NULL);
	}
	return TRUE;
}
