/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* SIP messages (RFC 3261 §7, §20, §25): a parser and a printer, pure, with
 * hard limits on everything a remote peer controls.
 *
 * Parsing normalises what the wire allows to vary:
 *  - header names are stored in their canonical long form ("v" -> "Via",
 *    "call-id" -> "Call-ID"; unknown names keep their spelling), compared
 *    case-insensitively;
 *  - folded lines (CRLF followed by SP/HTAB) are unfolded to one SP;
 *  - headers whose grammar is a comma-separated list (Via, Contact, Route,
 *    Record-Route, Allow, Supported, Require, Proxy-Require, Unsupported,
 *    Accept, Accept-Encoding, Accept-Language, Content-Encoding, In-Reply-To,
 *    Allow-Events, Path, Service-Route) are split into one entry per value,
 *    respecting quoted strings and <...>; "Contact: *" stays one entry.
 *    Authorization-style headers are never split.
 *  - bare LF line endings are accepted as CRLF.
 *
 * The printer always writes CRLF, the long header names, one entry per line,
 * and a Content-Length that matches the body.
 */

#include <glib.h>

G_BEGIN_DECLS

#define CF_SIP_ERROR (cf_sip_error_quark ())
GQuark cf_sip_error_quark (void);

typedef enum {
	CF_SIP_ERROR_PARSE,	 /* malformed message or field */
	CF_SIP_ERROR_TOO_LARGE,	 /* a hard limit was exceeded */
	CF_SIP_ERROR_INCOMPLETE, /* stream framing: more bytes are needed */
	CF_SIP_ERROR_TRANSPORT,	 /* could not send or receive */
	CF_SIP_ERROR_TIMEOUT,	 /* a transaction timed out */
	CF_SIP_ERROR_AUTH,	 /* authentication could not be done */
	CF_SIP_ERROR_LIMIT,	 /* too much state (transactions, dialogs) */
} CfSipError;

/* Hard limits on remote input. */
#define CF_SIP_MAX_MESSAGE_SIZE (64 * 1024) /* whole message, headers + body */
#define CF_SIP_MAX_HEADERS	128	    /* header entries after splitting lists */
#define CF_SIP_MAX_LINE_LENGTH	8192	    /* one (unfolded) header line */
#define CF_SIP_MAX_URI_LENGTH	2048
#define CF_SIP_MAX_PARAMS	32 /* parameters on one URI or header value */

typedef enum {
	CF_SIP_METHOD_UNKNOWN = 0,
	CF_SIP_METHOD_INVITE,
	CF_SIP_METHOD_ACK,
	CF_SIP_METHOD_BYE,
	CF_SIP_METHOD_CANCEL,
	CF_SIP_METHOD_OPTIONS,
	CF_SIP_METHOD_REGISTER,
	CF_SIP_METHOD_MESSAGE,
	CF_SIP_METHOD_INFO,
	CF_SIP_METHOD_UPDATE,
	CF_SIP_METHOD_PRACK,
	CF_SIP_METHOD_REFER,
	CF_SIP_METHOD_NOTIFY,
	CF_SIP_METHOD_SUBSCRIBE,
} CfSipMethod;

CfSipMethod cf_sip_method_from_string (const char *method);
/* NULL for CF_SIP_METHOD_UNKNOWN. (transfer none) */
const char *cf_sip_method_to_string (CfSipMethod method);
/* The standard reason phrase for @status ("OK", "Ringing", ...) or "Unknown". */
const char *cf_sip_reason_phrase (guint status);

/* ---- parameters: ;name=value lists on URIs and header values ---- */

typedef struct {
	char *name;  /* as on the wire; looked up case-insensitively */
	char *value; /* NULL for a flag parameter such as ;lr; a quoted-string
		      * value of a header parameter keeps its quotes */
} CfSipParam;

void cf_sip_param_free (CfSipParam *param);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipParam, cf_sip_param_free)

/* ---- URIs (RFC 3261 §19.1) ---- */

typedef struct {
	char *scheme;	   /* "sip" or "sips" (lower case); other schemes are refused */
	char *user;	   /* nullable, still %-escaped as on the wire */
	char *password;	   /* nullable */
	char *host;	   /* a name, an IPv4 literal, or an IPv6 literal without brackets */
	guint16 port;	   /* 0: none given */
	GPtrArray *params; /* CfSipParam, in order */
	char *headers;	   /* nullable, the part after '?', as on the wire */
} CfSipUri;

/* (transfer full) Fails with CF_SIP_ERROR_PARSE, or CF_SIP_ERROR_TOO_LARGE
 * (longer than CF_SIP_MAX_URI_LENGTH, more than CF_SIP_MAX_PARAMS). The text
 * must be exactly the URI: no LWS, no <>. */
CfSipUri *cf_sip_uri_parse (const char *text, GError **error);
/* (transfer full) A URI with no parameters; @user nullable, @port 0 = none. */
CfSipUri *cf_sip_uri_new (const char *scheme, const char *user, const char *host, guint16 port);
CfSipUri *cf_sip_uri_copy (const CfSipUri *uri);
void cf_sip_uri_free (CfSipUri *uri);
/* (transfer full) "sip:user@[::1]:5060;transport=tcp" */
char *cf_sip_uri_to_string (const CfSipUri *uri);
/* Value of parameter @name (case-insensitive); "" for a flag; NULL if absent. */
const char *cf_sip_uri_get_param (const CfSipUri *uri, const char *name);
gboolean cf_sip_uri_has_param (const CfSipUri *uri, const char *name);
/* Replaces the value of an existing parameter (case-insensitive) or appends
 * one; @value NULL makes a flag. */
void cf_sip_uri_set_param (CfSipUri *uri, const char *name, const char *value);
/* Removes the first parameter @name; FALSE if there was none. */
gboolean cf_sip_uri_remove_param (CfSipUri *uri, const char *name);
/* RFC 3261 §19.1.4 comparison. */
gboolean cf_sip_uri_equal (const CfSipUri *a, const CfSipUri *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipUri, cf_sip_uri_free)

/* ---- name-addr / addr-spec with header params: From, To, Contact,
 *      Route, Record-Route, Refer-To, Referred-By ---- */

typedef struct {
	char *display_name; /* nullable, unquoted and unescaped */
	CfSipUri *uri;
	GPtrArray *params; /* CfSipParam: tag, expires, q, ... */
	gboolean star;	   /* "Contact: *" (uri is NULL then) */
} CfSipNameAddr;

/* (transfer full) Accepts name-addr ("Name" <uri>;params, Name <uri>) and
 * addr-spec (uri;params: everything after the first ';' is a header
 * parameter) forms, and "*". A URI whose scheme is not sip/sips is refused
 * with CF_SIP_ERROR_PARSE. Escaped NUL characters in a quoted display name
 * are dropped from display_name. */
CfSipNameAddr *cf_sip_name_addr_parse (const char *text, GError **error);
/* (transfer full) @uri: (transfer full) */
CfSipNameAddr *cf_sip_name_addr_new (const char *display_name, CfSipUri *uri);
CfSipNameAddr *cf_sip_name_addr_copy (const CfSipNameAddr *na);
void cf_sip_name_addr_free (CfSipNameAddr *na);
/* Always prints the <uri> form: "\"Alice\" <sip:alice@x>;tag=1" (transfer full) */
char *cf_sip_name_addr_to_string (const CfSipNameAddr *na);
const char *cf_sip_name_addr_get_param (const CfSipNameAddr *na, const char *name);
void cf_sip_name_addr_set_param (CfSipNameAddr *na, const char *name, const char *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipNameAddr, cf_sip_name_addr_free)

/* ---- Via (RFC 3261 §20.42) ---- */

typedef struct {
	char *protocol;	 /* "SIP/2.0" */
	char *transport; /* upper case: "UDP", "TCP", "TLS", ... */
	char *host;
	guint16 port;	   /* 0: none given */
	GPtrArray *params; /* CfSipParam: branch, received, rport, maddr, ttl */
} CfSipVia;

/* (transfer full) One Via value (no commas): "SIP / 2.0 / UDP host:port;params",
 * LWS allowed around "/", ":", ";" and "=". */
CfSipVia *cf_sip_via_parse (const char *text, GError **error);
/* (transfer full) "SIP/2.0", no parameters; @port 0 = none. */
CfSipVia *cf_sip_via_new (const char *transport, const char *host, guint16 port);
CfSipVia *cf_sip_via_copy (const CfSipVia *via);
void cf_sip_via_free (CfSipVia *via);
char *cf_sip_via_to_string (const CfSipVia *via);
const char *cf_sip_via_get_param (const CfSipVia *via, const char *name);
gboolean cf_sip_via_has_param (const CfSipVia *via, const char *name);
void cf_sip_via_set_param (CfSipVia *via, const char *name, const char *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipVia, cf_sip_via_free)

/* ---- messages ---- */

typedef struct _CfSipMessage CfSipMessage; /* reference counted */

/* (transfer full) Parses one whole message (a datagram, or one framed out of
 * a stream). Fails with CF_SIP_ERROR_PARSE or CF_SIP_ERROR_TOO_LARGE. The
 * message must have a start line, Via, From, To, Call-ID and CSeq (requests:
 * also a CSeq method equal to the request method, except for ACK/CANCEL rules
 * that belong to transactions), and a body no longer than Content-Length
 * says; for a datagram a missing Content-Length means "the rest", and bytes
 * after the Content-Length body are ignored (RFC 3261 §18.3).
 *
 * What is checked: the start line (exactly "METHOD SP URI SP SIP/2.0", or
 * "SIP/2.0 SP 3DIGIT SP reason"; a sip/sips Request-URI must parse and have
 * no headers, another scheme only needs the generic URI syntax, so that the
 * UA can answer 416); every Via value; exactly one From, To, Call-ID and CSeq
 * (CSeq number < 2**32); at most one Content-Length; every Contact, Route
 * and Record-Route value (name-addr syntax; URIs of other schemes than sip
 * and sips only for generic syntax). Other headers are kept as text. Leading
 * CRLFs are skipped. CR only in CRLF; NUL only as a quoted-pair.
 *
 * The limits hold for the message as it would be printed (long names, one
 * entry per line, with Content-Length), so that a parsed message always
 * prints to one that parses. */
CfSipMessage *cf_sip_message_parse (const char *data, gsize len, GError **error);

/* Stream framing (TCP/TLS, RFC 3261 §18.3): given the bytes received so far,
 * returns in @ret_len the length of the first complete message (headers,
 * blank line, Content-Length bytes of body). Leading CRLFs (keep-alives) are
 * counted in @ret_skip and are not part of the message. Returns FALSE with
 * CF_SIP_ERROR_INCOMPLETE when more bytes are needed (then @ret_skip is still
 * set, so that keep-alive CRLFs can be dropped and answered, RFC 5626
 * §4.4.1, and when the headers are complete but the body is not, @ret_len
 * is set to the length the message will have, so that a caller need not
 * frame again before that many bytes are there), with CF_SIP_ERROR_TOO_LARGE
 * or CF_SIP_ERROR_PARSE when the stream is broken (no Content-Length, two of
 * them, too long) and must be closed. The framed bytes are then given to
 * cf_sip_message_parse(). Each call scans the bytes from the start: O(len);
 * callers on streams avoid calling it again before it can succeed. */
gboolean
cf_sip_message_frame (const char *data, gsize len, gsize *ret_skip, gsize *ret_len, GError **error);

/* (transfer full) A message without headers: the caller adds them. */
CfSipMessage *cf_sip_message_new_request (const char *method, const char *request_uri);
/* (transfer full) @reason NULL = the standard phrase. */
CfSipMessage *cf_sip_message_new_response (guint status, const char *reason);
/* A response to @request per RFC 3261 §8.2.6: copies every Via, From, To,
 * Call-ID, CSeq (and Record-Route for 18x/2xx to INVITE... no: the caller
 * adds Record-Route when it wants). Adds ;tag=@to_tag to To if @to_tag is
 * non-NULL and To has no tag yet. @reason NULL = the standard phrase. */
CfSipMessage *cf_sip_message_new_response_to (CfSipMessage *request,
					      guint status,
					      const char *reason,
					      const char *to_tag);

CfSipMessage *cf_sip_message_ref (CfSipMessage *msg);
void cf_sip_message_unref (CfSipMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipMessage, cf_sip_message_unref)

gboolean cf_sip_message_is_request (CfSipMessage *msg);
/* Requests: */
const char *cf_sip_message_get_method (CfSipMessage *msg); /* as on the wire */
CfSipMethod cf_sip_message_get_method_id (CfSipMessage *msg);
const char *cf_sip_message_get_request_uri (CfSipMessage *msg);
void cf_sip_message_set_request_uri (CfSipMessage *msg, const char *uri);
/* Responses: */
guint cf_sip_message_get_status (CfSipMessage *msg);
const char *cf_sip_message_get_reason (CfSipMessage *msg);

/* Headers. @name is matched case-insensitively, and compact forms are
 * accepted ("v", "i", "f", "t", "m", "l", "c", "k", "s", "e", "o", "r", "b",
 * "u", "x", "y", and "a", "j", "d", "n"). Values are stored trimmed; values
 * returned are (transfer none), valid until the header is changed. The
 * setters take one entry (no comma splitting) and refuse CR/LF in values.
 * A parsed Content-Length, and one that cf_sip_message_set_body() finds, show
 * the body's length; the printer always writes the body's length, in place of
 * the first Content-Length, or last when there is none. */
guint cf_sip_message_get_n_headers (CfSipMessage *msg);
void cf_sip_message_get_header_at (CfSipMessage *msg,
				   guint index,
				   const char **ret_name,
				   const char **ret_value);
/* Like cf_sip_message_get_header_at(), also giving the value's length (nullable
 * out-parameters). A received value may contain NUL bytes, as a quoted-pair
 * inside a quoted string (RFC 4475 §3.1.1.2): the C-string accessors end
 * there, the printer writes the whole value. */
void cf_sip_message_get_header_at_len (CfSipMessage *msg,
				       guint index,
				       const char **ret_name,
				       const char **ret_value,
				       gsize *ret_len);
const char *cf_sip_message_get_header (CfSipMessage *msg, const char *name); /* first, or NULL */
const char *cf_sip_message_get_header_nth (CfSipMessage *msg, const char *name, guint n);
guint cf_sip_message_count_header (CfSipMessage *msg, const char *name);
void
cf_sip_message_add_header (CfSipMessage *msg, const char *name, const char *value); /* append */
/* before the first entry of that name, or at the top when there is none */
void cf_sip_message_prepend_header (CfSipMessage *msg, const char *name, const char *value);
void cf_sip_message_set_header (CfSipMessage *msg,
				const char *name,
				const char *value);			 /* replace all */
void cf_sip_message_remove_header (CfSipMessage *msg, const char *name); /* all entries */
void cf_sip_message_remove_header_nth (CfSipMessage *msg, const char *name, guint n);

/* Body. The bytes are copied. @content_type NULL removes Content-Type. */
void
cf_sip_message_set_body (CfSipMessage *msg, const char *content_type, const char *body, gsize len);
/* (transfer none) the body, not NUL-terminated in general; *ret_len its size */
const char *cf_sip_message_get_body (CfSipMessage *msg, gsize *ret_len);

/* Convenience accessors of the mandatory headers, parsed on demand.
 * Return FALSE / NULL when the header is absent or malformed. */
const char *cf_sip_message_get_call_id (CfSipMessage *msg);
/* @ret_method: (transfer none) */
gboolean cf_sip_message_get_cseq (CfSipMessage *msg, guint32 *ret_number, const char **ret_method);
/* (transfer full) */
CfSipVia *cf_sip_message_get_top_via (CfSipMessage *msg, GError **error);
CfSipNameAddr *cf_sip_message_get_from (CfSipMessage *msg, GError **error);
CfSipNameAddr *cf_sip_message_get_to (CfSipMessage *msg, GError **error);
/* (transfer full) the tag= parameter of From / To, or NULL */
char *cf_sip_message_get_from_tag (CfSipMessage *msg);
char *cf_sip_message_get_to_tag (CfSipMessage *msg);
/* The top Via's branch, or NULL. (transfer full) */
char *cf_sip_message_get_branch (CfSipMessage *msg);

/* (transfer full) the message on the wire, CRLF, with Content-Length. */
char *cf_sip_message_to_string (CfSipMessage *msg, gsize *ret_len);

G_END_DECLS
