/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIP digest authentication (RFC 3261 §22, RFC 7616 digest, RFC 8760 SHA-256
 * for SIP), pure: it works on header VALUE strings and never on messages.
 *
 * Client side:
 *   1. a 401 / 407 carries one or more WWW-Authenticate / Proxy-Authenticate
 *      values; cf_sip_auth_challenge_choose() parses them and picks one, or
 *      a CfSipAuthSession remembers the chosen challenge of every realm;
 *   2. cf_sip_auth_credentials_new_for_challenge() computes the response and
 *      cf_sip_auth_credentials_to_string() prints the Authorization /
 *      Proxy-Authorization value.
 *
 * Server side (a test registrar): cf_sip_auth_challenge_new() +
 * cf_sip_auth_challenge_to_string() make the challenge,
 * cf_sip_auth_credentials_parse() + cf_sip_auth_verify() check the answer.
 *
 * Algorithms: MD5, MD5-sess, SHA-256, SHA-256-sess. SHA-512-256 is refused
 * as unsupported (GLib has no SHA-512/256). qop: "auth" and "auth-int", and
 * the RFC 2069 form without qop that RFC 3261 §22.4 keeps for compatibility.
 * The "userhash" and "charset" extensions of RFC 7616 are not implemented:
 * usernames are sent as they are.
 *
 * Secrets: passwords and HA1 values computed here are wiped from this
 * module's own buffers after use; the caller owns (and wipes) the password
 * strings it passes in. Nothing here logs a password, a digest or a
 * username.
 *
 * Hard limits on remote input: a header value is at most
 * CF_SIP_AUTH_MAX_VALUE_LENGTH bytes with at most CF_SIP_AUTH_MAX_PARAMS
 * parameters; at most CF_SIP_AUTH_MAX_CHALLENGES values are considered
 * together and a session keeps at most CF_SIP_AUTH_MAX_REALMS realms.
 */

#include <glib.h>

G_BEGIN_DECLS

#define CF_SIP_AUTH_ERROR (cf_sip_auth_error_quark ())
GQuark cf_sip_auth_error_quark (void);

typedef enum {
	CF_SIP_AUTH_ERROR_PARSE,	    /* malformed header value */
	CF_SIP_AUTH_ERROR_TOO_LARGE,	    /* a hard limit was exceeded */
	CF_SIP_AUTH_ERROR_UNSUPPORTED,	    /* scheme, algorithm or qop we cannot do */
	CF_SIP_AUTH_ERROR_INVALID_ARGUMENT, /* a local value cannot be used (control characters) */
	CF_SIP_AUTH_ERROR_DENIED,	    /* the credentials are wrong (or were rejected) */
	CF_SIP_AUTH_ERROR_STALE,	    /* right password, but not for the current nonce */
	CF_SIP_AUTH_ERROR_FAILED,	    /* no random bytes, counter exhausted */
} CfSipAuthError;

#define CF_SIP_AUTH_MAX_VALUE_LENGTH 4096 /* one header value, in bytes */
#define CF_SIP_AUTH_MAX_PARAMS	     32	  /* parameters in one header value */
#define CF_SIP_AUTH_MAX_CHALLENGES   32	  /* header values considered together */
#define CF_SIP_AUTH_MAX_REALMS	     8	  /* realms remembered by one session */

typedef enum {
	CF_SIP_AUTH_ALGORITHM_MD5,
	CF_SIP_AUTH_ALGORITHM_MD5_SESS,
	CF_SIP_AUTH_ALGORITHM_SHA256,
	CF_SIP_AUTH_ALGORITHM_SHA256_SESS,
} CfSipAuthAlgorithm;

/* "MD5", "MD5-sess", "SHA-256", "SHA-256-sess". (transfer none) */
const char *cf_sip_auth_algorithm_to_string (CfSipAuthAlgorithm algorithm);
/* Case-insensitive; fails with CF_SIP_AUTH_ERROR_UNSUPPORTED for any other
 * name. @ret_algorithm is untouched on failure. */
gboolean cf_sip_auth_algorithm_from_string (const char *name,
					    CfSipAuthAlgorithm *ret_algorithm,
					    GError **error);

typedef enum {
	CF_SIP_AUTH_QOP_NONE = 0,	   /* RFC 2069 compatibility: no qop */
	CF_SIP_AUTH_QOP_AUTH = 1 << 0,	   /* "auth" */
	CF_SIP_AUTH_QOP_AUTH_INT = 1 << 1, /* "auth-int": the body is protected too */
} CfSipAuthQop;

/* ---- challenges: WWW-Authenticate / Proxy-Authenticate ---- */

typedef struct {
	char *realm;		      /* unquoted and unescaped, never NULL */
	char *nonce;		      /* never NULL, never empty */
	char *opaque;		      /* nullable: absent; "" when given empty */
	char *domain;		      /* nullable: the space-separated URI list as given */
	CfSipAuthAlgorithm algorithm; /* MD5 when the parameter is absent */
	CfSipAuthQop qop;	      /* the options offered (flags); NONE: no qop parameter */
	gboolean stale;
} CfSipAuthChallenge;

/* Parses one WWW-Authenticate / Proxy-Authenticate value such as
 *   Digest realm="atlanta.com", qop="auth", nonce="84a4cc6f", algorithm=MD5
 * Scheme and parameter names are case-insensitive, values may be tokens or
 * quoted strings with \-escapes, unknown parameters are ignored, known ones
 * may appear only once. realm and nonce are required.
 * Errors: CF_SIP_AUTH_ERROR_PARSE, _TOO_LARGE, _UNSUPPORTED (another
 * scheme, an unknown algorithm, a qop list with neither auth nor auth-int).
 * (transfer full) */
CfSipAuthChallenge *cf_sip_auth_challenge_parse (const char *value, GError **error);

/* Parses every value of @values (NULL-terminated, as many headers of one
 * response) and returns the one to answer: among the parsable, supported
 * challenges (of @realm, if non-NULL), the strongest algorithm (SHA-256
 * family before MD5 family), and among equals the topmost.
 *
 * This is the "local policy" RFC 8760 §2.4 allows instead of always taking
 * the topmost supported value: the header order is not integrity-protected,
 * so following it would let anyone on the path pick MD5.
 *
 * Errors: CF_SIP_AUTH_ERROR_TOO_LARGE for more than
 * CF_SIP_AUTH_MAX_CHALLENGES values; otherwise, when none is usable, the
 * error of the first value (or _PARSE for an empty list / no such realm).
 * (transfer full) */
CfSipAuthChallenge *
cf_sip_auth_challenge_choose (const char *const *values, const char *realm, GError **error);

/* Server side: a challenge for @realm with a fresh random nonce (32 hex
 * digits) and qop="auth". The caller may change the fields afterwards
 * (e.g. set opaque, or stale = TRUE). Fails with CF_SIP_AUTH_ERROR_FAILED
 * when no random bytes are available, _INVALID_ARGUMENT for a realm with
 * control characters. (transfer full) */
CfSipAuthChallenge *
cf_sip_auth_challenge_new (const char *realm, CfSipAuthAlgorithm algorithm, GError **error);
CfSipAuthChallenge *cf_sip_auth_challenge_copy (const CfSipAuthChallenge *challenge);
void cf_sip_auth_challenge_free (CfSipAuthChallenge *challenge);
/* The header value: "Digest realm=\"...\", nonce=\"...\", ..., algorithm=SHA-256,
 * qop=\"auth\"". Quoted strings are escaped; CR and LF are never printed.
 * (transfer full) */
char *cf_sip_auth_challenge_to_string (const CfSipAuthChallenge *challenge);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipAuthChallenge, cf_sip_auth_challenge_free)

/* ---- credentials: Authorization / Proxy-Authorization ---- */

typedef struct {
	char *username; /* unquoted and unescaped */
	char *realm;
	char *nonce;
	char *uri;		      /* the digest-uri */
	char *response;		      /* lower-case hex: 32 digits (MD5) or 64 (SHA-256) */
	CfSipAuthAlgorithm algorithm; /* MD5 when the parameter is absent */
	char *cnonce;		      /* nullable; required when qop is set */
	char *opaque;		      /* nullable */
	CfSipAuthQop qop;	      /* exactly one of NONE, AUTH, AUTH_INT */
	guint32 nc;		      /* the nonce count; 0 when absent (qop NONE) */
} CfSipAuthCredentials;

/* Client side: answers @challenge for @username / @password, for a request
 * @method (e.g. "REGISTER") whose digest-uri is @uri (the Request-URI).
 * qop: "auth" when offered, else "auth-int" when offered (then @body /
 * @body_len are hashed; NULL = empty body), else the RFC 2069 form.
 * @nc is the nonce count (>= 1 when a qop is used). @cnonce NULL = a fresh
 * random one (RFC 7616 §3.4: the client nonce). The password is not kept.
 * Errors: CF_SIP_AUTH_ERROR_INVALID_ARGUMENT (control characters in
 * @username, @uri, @cnonce; a method that is not a token; nc 0 with qop),
 * _FAILED (no random bytes). (transfer full) */
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
					   GError **error);

/* Server side: parses an Authorization / Proxy-Authorization value.
 * username, realm, nonce, uri and response are required; with a qop, also
 * cnonce and nc (8 hex digits); the response must have the length of the
 * algorithm's digest. Errors: CF_SIP_AUTH_ERROR_PARSE, _TOO_LARGE,
 * _UNSUPPORTED (scheme, algorithm, qop, userhash=true). (transfer full) */
CfSipAuthCredentials *cf_sip_auth_credentials_parse (const char *value, GError **error);
CfSipAuthCredentials *cf_sip_auth_credentials_copy (const CfSipAuthCredentials *credentials);
void cf_sip_auth_credentials_free (CfSipAuthCredentials *credentials);
/* The header value, in this order: Digest username, realm, nonce, uri,
 * response, algorithm, cnonce, qop, nc, opaque (the last four when set).
 * Quoted strings are escaped; CR and LF are never printed. (transfer full) */
char *cf_sip_auth_credentials_to_string (const CfSipAuthCredentials *credentials);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipAuthCredentials, cf_sip_auth_credentials_free)

/* Server side: checks @credentials against @password for a request with
 * @method and (for auth-int) @body / @body_len (NULL = empty body).
 * If @challenge (the one the server sent; nullable) is given, the
 * credentials must also be for its realm, algorithm and opaque, use one of
 * its qop options (or none when it offered none), and its nonce.
 * The response is compared in constant time.
 * Errors: CF_SIP_AUTH_ERROR_DENIED (wrong password or not an answer to
 * @challenge), _STALE (right password but an older nonce: re-challenge with
 * stale=TRUE), _INVALID_ARGUMENT (qop without cnonce or nc).
 * Left to the caller: that credentials->uri is the Request-URI, that the
 * username is the expected one and that nc grows (replay). */
gboolean cf_sip_auth_verify (const CfSipAuthCredentials *credentials,
			     const CfSipAuthChallenge *challenge,
			     const char *password,
			     const char *method,
			     const char *body,
			     gsize body_len,
			     GError **error);

/* A fresh client nonce: 16 random bytes from getrandom(2) as 32 lower-case
 * hex digits. Fails with CF_SIP_AUTH_ERROR_FAILED. (transfer full) */
char *cf_sip_auth_new_cnonce (GError **error);

/* ---- a client's memory of challenges ---- */

/* A session keeps one username / password (a copy, wiped when freed) and,
 * per (realm, proxy or not), the last chosen challenge with its nonce count
 * and client nonce. Each cf_sip_auth_session_authorize() answers every
 * remembered challenge with the next nonce count, so later requests can
 * reuse a nonce without a new 401 (RFC 7616 §3.4, nc). A new challenge for a
 * realm replaces the old one and restarts its count at 1.
 *
 * The session does not count retries: the request's owner must give up
 * after one unsuccessful retry per challenge. */
typedef struct _CfSipAuthSession CfSipAuthSession;

/* (transfer full) */
CfSipAuthSession *cf_sip_auth_session_new (const char *username, const char *password);
void cf_sip_auth_session_free (CfSipAuthSession *session);

/* Takes the WWW-Authenticate (@proxy FALSE) or Proxy-Authenticate (@proxy
 * TRUE) values of one 401 / 407 (NULL-terminated) and remembers the chosen
 * challenge of each realm in them (see cf_sip_auth_challenge_choose()).
 * Fails, changing nothing, with CF_SIP_AUTH_ERROR_DENIED when a realm
 * re-challenges with the very nonce we already answered and stale is not
 * set (our password was refused), _TOO_LARGE when too many values or realms,
 * or the errors of cf_sip_auth_challenge_choose() when nothing is usable. */
gboolean cf_sip_auth_session_add_challenges (CfSipAuthSession *session,
					     gboolean proxy,
					     const char *const *values,
					     GError **error);

/* Credentials for a request (see cf_sip_auth_credentials_new_for_challenge()
 * for @method, @uri, @body): one Authorization value per remembered
 * WWW-Authenticate realm in @ret_authorization, one Proxy-Authorization
 * value per Proxy-Authenticate realm in @ret_proxy_authorization (each a
 * NULL-terminated array, possibly empty; transfer full; either pointer may
 * be NULL when not wanted). Each remembered nonce count grows by one.
 * Out-parameters are untouched on failure. */
gboolean cf_sip_auth_session_authorize (CfSipAuthSession *session,
					const char *method,
					const char *uri,
					const char *body,
					gsize body_len,
					GStrv *ret_authorization,
					GStrv *ret_proxy_authorization,
					GError **error);

/* Number of remembered realms. */
guint cf_sip_auth_session_get_n_realms (CfSipAuthSession *session);
/* Forgets every remembered challenge (e.g. after the account changed). */
void cf_sip_auth_session_clear (CfSipAuthSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipAuthSession, cf_sip_auth_session_free)

G_END_DECLS
