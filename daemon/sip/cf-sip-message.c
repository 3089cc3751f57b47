/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SIP messages (RFC 3261 §7, §18.3, §20, §25): parser, stream framing and
 * printer.
 *
 * The parser makes one pass over the bytes: start line, header lines
 * (unfolded into one value each, list headers split into entries), body.
 * It then checks the headers the SIP layers themselves rely on (Via, From,
 * To, Call-ID, CSeq, Content-Length, Contact, Route, Record-Route) and the
 * Request-URI; other headers are kept as text and parsed on demand.
 *
 * Limits apply to the message as it would be printed (long names, one entry
 * per line, a Content-Length), so that whatever parses prints to something
 * that parses again. */

#define G_LOG_DOMAIN "cf-sip"

#include <string.h>

#include "cf-sip-message.h"
#include "cf-sip-util-private.h"

/* clang-format off */
G_DEFINE_QUARK (cf-sip-error-quark, cf_sip_error)
/* clang-format on */

typedef struct {
	char *name;	 /* canonical */
	char *value;	 /* NUL-terminated after value_len bytes */
	gsize value_len; /* may include NUL bytes (quoted-pairs) */
} CfSipHeader;

struct _CfSipMessage {
	gatomicrefcount ref_count;
	gboolean is_request;
	char *method;
	CfSipMethod method_id;
	char *request_uri;
	guint status;
	char *reason;
	GPtrArray *headers; /* CfSipHeader */
	char *body;	    /* never NULL; NUL-terminated after body_len */
	gsize body_len;
};

/* ---- methods and reason phrases ---- */

static const char *const method_names[] = {
	[CF_SIP_METHOD_UNKNOWN] = NULL,
	[CF_SIP_METHOD_INVITE] = "INVITE",
	[CF_SIP_METHOD_ACK] = "ACK",
	[CF_SIP_METHOD_BYE] = "BYE",
	[CF_SIP_METHOD_CANCEL] = "CANCEL",
	[CF_SIP_METHOD_OPTIONS] = "OPTIONS",
	[CF_SIP_METHOD_REGISTER] = "REGISTER",
	[CF_SIP_METHOD_MESSAGE] = "MESSAGE",
	[CF_SIP_METHOD_INFO] = "INFO",
	[CF_SIP_METHOD_UPDATE] = "UPDATE",
	[CF_SIP_METHOD_PRACK] = "PRACK",
	[CF_SIP_METHOD_REFER] = "REFER",
	[CF_SIP_METHOD_NOTIFY] = "NOTIFY",
	[CF_SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
};

CfSipMethod
cf_sip_method_from_string (const char *method)
{
	if (method == NULL)
		return CF_SIP_METHOD_UNKNOWN;
	/* Method names are case-sensitive (RFC 3261 §7.1). */
	for (guint i = 1; i < G_N_ELEMENTS (method_names); i++) {
		if (strcmp (method, method_names[i]) == 0)
			return (CfSipMethod)i;
	}
	return CF_SIP_METHOD_UNKNOWN;
}

const char *
cf_sip_method_to_string (CfSipMethod method)
{
	if ((guint)method >= G_N_ELEMENTS (method_names))
		return NULL;
	return method_names[method];
}

static const struct {
	guint status;
	const char *phrase;
} reason_phrases[] = {
	{100, "Trying"},
	{180, "Ringing"},
	{181, "Call Is Being Forwarded"},
	{182, "Queued"},
	{183, "Session Progress"},
	{199, "Early Dialog Terminated"},
	{200, "OK"},
	{202, "Accepted"},
	{204, "No Notification"},
	{300, "Multiple Choices"},
	{301, "Moved Permanently"},
	{302, "Moved Temporarily"},
	{305, "Use Proxy"},
	{380, "Alternative Service"},
	{400, "Bad Request"},
	{401, "Unauthorized"},
	{402, "Payment Required"},
	{403, "Forbidden"},
	{404, "Not Found"},
	{405, "Method Not Allowed"},
	{406, "Not Acceptable"},
	{407, "Proxy Authentication Required"},
	{408, "Request Timeout"},
	{410, "Gone"},
	{412, "Conditional Request Failed"},
	{413, "Request Entity Too Large"},
	{414, "Request-URI Too Long"},
	{415, "Unsupported Media Type"},
	{416, "Unsupported URI Scheme"},
	{417, "Unknown Resource-Priority"},
	{420, "Bad Extension"},
	{421, "Extension Required"},
	{422, "Session Interval Too Small"},
	{423, "Interval Too Brief"},
	{428, "Use Identity Header"},
	{429, "Provide Referrer Identity"},
	{433, "Anonymity Disallowed"},
	{436, "Bad Identity-Info"},
	{437, "Unsupported Certificate"},
	{438, "Invalid Identity Header"},
	{439, "First Hop Lacks Outbound Support"},
	{440, "Max-Breadth Exceeded"},
	{469, "Bad Info Package"},
	{470, "Consent Needed"},
	{480, "Temporarily Unavailable"},
	{481, "Call/Transaction Does Not Exist"},
	{482, "Loop Detected"},
	{483, "Too Many Hops"},
	{484, "Address Incomplete"},
	{485, "Ambiguous"},
	{486, "Busy Here"},
	{487, "Request Terminated"},
	{488, "Not Acceptable Here"},
	{489, "Bad Event"},
	{491, "Request Pending"},
	{493, "Undecipherable"},
	{494, "Security Agreement Required"},
	{500, "Server Internal Error"},
	{501, "Not Implemented"},
	{502, "Bad Gateway"},
	{503, "Service Unavailable"},
	{504, "Server Time-out"},
	{505, "Version Not Supported"},
	{513, "Message Too Large"},
	{580, "Precondition Failure"},
	{600, "Busy Everywhere"},
	{603, "Decline"},
	{604, "Does Not Exist Anywhere"},
	{606, "Not Acceptable"},
	{607, "Unwanted"},
};

const char *
cf_sip_reason_phrase (guint status)
{
	for (guint i = 0; i < G_N_ELEMENTS (reason_phrases); i++) {
		if (reason_phrases[i].status == status)
			return reason_phrases[i].phrase;
	}
	return "Unknown";
}

/* ---- header names ---- */

typedef struct {
	const char *name;
	char compact;
	gboolean list; /* comma-separated list: split into one entry per value */
} KnownHeader;

static const KnownHeader known_headers[] = {
	{"Accept", 0, TRUE},
	{"Accept-Contact", 'a', FALSE},
	{"Accept-Encoding", 0, TRUE},
	{"Accept-Language", 0, TRUE},
	{"Alert-Info", 0, FALSE},
	{"Allow", 0, TRUE},
	{"Allow-Events", 'u', TRUE},
	{"Authentication-Info", 0, FALSE},
	{"Authorization", 0, FALSE},
	{"Call-ID", 'i', FALSE},
	{"Call-Info", 0, FALSE},
	{"Contact", 'm', TRUE},
	{"Content-Disposition", 0, FALSE},
	{"Content-Encoding", 'e', TRUE},
	{"Content-Language", 0, FALSE},
	{"Content-Length", 'l', FALSE},
	{"Content-Type", 'c', FALSE},
	{"CSeq", 0, FALSE},
	{"Date", 0, FALSE},
	{"Error-Info", 0, FALSE},
	{"Event", 'o', FALSE},
	{"Expires", 0, FALSE},
	{"From", 'f', FALSE},
	{"Identity", 'y', FALSE},
	{"Identity-Info", 'n', FALSE},
	{"In-Reply-To", 0, TRUE},
	{"Max-Forwards", 0, FALSE},
	{"MIME-Version", 0, FALSE},
	{"Min-Expires", 0, FALSE},
	{"Min-SE", 0, FALSE},
	{"Organization", 0, FALSE},
	{"P-Asserted-Identity", 0, FALSE},
	{"P-Preferred-Identity", 0, FALSE},
	{"Path", 0, TRUE},
	{"Priority", 0, FALSE},
	{"Privacy", 0, FALSE},
	{"Proxy-Authenticate", 0, FALSE},
	{"Proxy-Authorization", 0, FALSE},
	{"Proxy-Require", 0, TRUE},
	{"RAck", 0, FALSE},
	{"Reason", 0, FALSE},
	{"Record-Route", 0, TRUE},
	{"Refer-To", 'r', FALSE},
	{"Referred-By", 'b', FALSE},
	{"Reject-Contact", 'j', FALSE},
	{"Replaces", 0, FALSE},
	{"Reply-To", 0, FALSE},
	{"Request-Disposition", 'd', FALSE},
	{"Require", 0, TRUE},
	{"Retry-After", 0, FALSE},
	{"Route", 0, TRUE},
	{"RSeq", 0, FALSE},
	{"Server", 0, FALSE},
	{"Service-Route", 0, TRUE},
	{"Session-Expires", 'x', FALSE},
	{"Subject", 's', FALSE},
	{"Subscription-State", 0, FALSE},
	{"Supported", 'k', TRUE},
	{"Timestamp", 0, FALSE},
	{"To", 't', FALSE},
	{"Unsupported", 0, TRUE},
	{"User-Agent", 0, FALSE},
	{"Via", 'v', TRUE},
	{"Warning", 0, FALSE},
	{"WWW-Authenticate", 0, FALSE},
};

static const KnownHeader *
lookup_header (const char *name, gsize len)
{
	for (guint i = 0; i < G_N_ELEMENTS (known_headers); i++) {
		const KnownHeader *h = &known_headers[i];

		if (len == 1 && h->compact != 0 && g_ascii_tolower (name[0]) == h->compact)
			return h;
		if (strlen (h->name) == len && g_ascii_strncasecmp (h->name, name, len) == 0)
			return h;
	}
	return NULL;
}

/* The canonical spelling of @name: (transfer none) either a static string or
 * @name itself. */
static const char *
canonical_name (const char *name)
{
	const KnownHeader *known = lookup_header (name, strlen (name));

	return known != NULL ? known->name : name;
}

static gboolean
header_is (const CfSipHeader *h, const char *canonical)
{
	return g_ascii_strcasecmp (h->name, canonical) == 0;
}

static void
header_free (CfSipHeader *h)
{
	g_free (h->name);
	g_free (h->value);
	g_free (h);
}

static CfSipHeader *
header_new (const char *name, const char *value, gsize value_len)
{
	CfSipHeader *h = g_new0 (CfSipHeader, 1);

	h->name = g_strdup (name);
	h->value = g_malloc (value_len + 1);
	memcpy (h->value, value, value_len);
	h->value[value_len] = '\0';
	h->value_len = value_len;
	return h;
}

/* ---- construction ---- */

static CfSipMessage *
message_new (void)
{
	CfSipMessage *msg = g_new0 (CfSipMessage, 1);

	g_atomic_ref_count_init (&msg->ref_count);
	msg->headers = g_ptr_array_new_with_free_func ((GDestroyNotify)header_free);
	msg->body = g_strdup ("");
	return msg;
}

CfSipMessage *
cf_sip_message_new_request (const char *method, const char *request_uri)
{
	CfSipMessage *msg;

	g_return_val_if_fail (method != NULL && cf_sip_is_token (method, strlen (method)), NULL);
	g_return_val_if_fail (request_uri != NULL && *request_uri != '\0', NULL);
	g_return_val_if_fail (strpbrk (request_uri, " \t\r\n") == NULL, NULL);

	msg = message_new ();
	msg->is_request = TRUE;
	msg->method = g_strdup (method);
	msg->method_id = cf_sip_method_from_string (method);
	msg->request_uri = g_strdup (request_uri);
	return msg;
}

CfSipMessage *
cf_sip_message_new_response (guint status, const char *reason)
{
	CfSipMessage *msg;

	g_return_val_if_fail (status >= 100 && status <= 699, NULL);
	g_return_val_if_fail (reason == NULL || strpbrk (reason, "\r\n") == NULL, NULL);

	msg = message_new ();
	msg->status = status;
	msg->reason = g_strdup (reason != NULL ? reason : cf_sip_reason_phrase (status));
	return msg;
}

CfSipMessage *
cf_sip_message_ref (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, NULL);

	g_atomic_ref_count_inc (&msg->ref_count);
	return msg;
}

void
cf_sip_message_unref (CfSipMessage *msg)
{
	if (msg == NULL)
		return;
	if (!g_atomic_ref_count_dec (&msg->ref_count))
		return;
	g_free (msg->method);
	g_free (msg->request_uri);
	g_free (msg->reason);
	g_ptr_array_unref (msg->headers);
	g_free (msg->body);
	g_free (msg);
}

/* ---- parsing helpers ---- */

static gboolean
set_error (GError **error, CfSipError code, const char *what)
{
	g_set_error (error, CF_SIP_ERROR, code, "%s", what);
	return FALSE;
}

/* Reads the line at *p up to LF (a CR before it is dropped). A CR anywhere
 * else is refused, and so is a NUL unless it follows a backslash (a
 * quoted-pair; @allow_nul). */
static gboolean
next_line (const char **p,
	   const char *end,
	   gboolean allow_nul,
	   const char **ret_line,
	   gsize *ret_len,
	   GError **error)
{
	const char *line = *p;
	const char *lf = memchr (line, '\n', end - line);
	const char *line_end;

	if (lf == NULL)
		return set_error (error, CF_SIP_ERROR_PARSE, "header section is not terminated");
	line_end = lf;
	if (line_end > line && line_end[-1] == '\r')
		line_end--;
	if (line_end - line > CF_SIP_MAX_LINE_LENGTH)
		return set_error (error, CF_SIP_ERROR_TOO_LARGE, "line too long");
	for (const char *c = line; c < line_end; c++) {
		if (*c == '\r')
			return set_error (error, CF_SIP_ERROR_PARSE, "bare CR in header section");
		if (*c == '\0' && (!allow_nul || c == line || c[-1] != '\\'))
			return set_error (error, CF_SIP_ERROR_PARSE, "NUL in header section");
	}
	*ret_line = line;
	*ret_len = line_end - line;
	*p = lf + 1;
	return TRUE;
}

static gboolean
parse_start_line (CfSipMessage *msg, const char *line, gsize len, GError **error)
{
	const char *end = line + len;

	if (len >= 8 && g_ascii_strncasecmp (line, "SIP/2.0 ", 8) == 0) {
		const char *p = line + 8;
		guint status;

		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		if (end - p < 3 || !g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1])
		    || !g_ascii_isdigit (p[2]) || (end - p > 3 && p[3] != ' '))
			return set_error (error, CF_SIP_ERROR_PARSE, "invalid status code");
		status = (guint)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		if (status < 100 || status > 699)
			return set_error (error, CF_SIP_ERROR_PARSE, "invalid status code");
		p += 3;
		/* A missing SP before an empty reason phrase is tolerated. */
		if (p < end)
			p++;
		msg->is_request = FALSE;
		msg->status = status;
		msg->reason = g_strndup (p, end - p);
		return TRUE;
	} else {
		/* Request-Line = Method SP Request-URI SP SIP-Version: exactly
		 * two SPs (RFC 4475 §3.1.2.8-10: no LWS in the URI, no extra
		 * or trailing SP). */
		const char *sp1 = memchr (line, ' ', len);
		const char *sp2;

		if (sp1 == NULL)
			return set_error (error, CF_SIP_ERROR_PARSE, "invalid start line");
		sp2 = memchr (sp1 + 1, ' ', end - sp1 - 1);
		if (sp2 == NULL || memchr (sp2 + 1, ' ', end - sp2 - 1) != NULL || sp2 == sp1 + 1
		    || !cf_sip_is_token (line, sp1 - line))
			return set_error (error, CF_SIP_ERROR_PARSE, "invalid request line");
		if (end - sp2 - 1 != 7 || g_ascii_strncasecmp (sp2 + 1, "SIP/2.0", 7) != 0)
			return set_error (error, CF_SIP_ERROR_PARSE, "unsupported SIP version");
		for (const char *c = sp1 + 1; c < sp2; c++) {
			if ((guchar)*c <= 0x20 || *c == 0x7f)
				return set_error (error, CF_SIP_ERROR_PARSE, "invalid Request-URI");
		}
		if (sp2 - sp1 - 1 > CF_SIP_MAX_URI_LENGTH)
			return set_error (error, CF_SIP_ERROR_TOO_LARGE, "Request-URI too long");
		msg->is_request = TRUE;
		msg->method = g_strndup (line, sp1 - line);
		msg->method_id = cf_sip_method_from_string (msg->method);
		msg->request_uri = g_strndup (sp1 + 1, sp2 - sp1 - 1);
		return TRUE;
	}
}

static gsize
canonical_line_length (const char *name, gsize value_len)
{
	return strlen (name) + 2 + value_len;
}

static gboolean
add_entry (CfSipMessage *msg, const char *name, const char *value, gsize len, GError **error)
{
	if (msg->headers->len >= CF_SIP_MAX_HEADERS)
		return set_error (error, CF_SIP_ERROR_TOO_LARGE, "too many headers");
	if (canonical_line_length (name, len) > CF_SIP_MAX_LINE_LENGTH)
		return set_error (error, CF_SIP_ERROR_TOO_LARGE, "header line too long");
	g_ptr_array_add (msg->headers, header_new (name, value, len));
	return TRUE;
}

/* Splits a list value at the commas outside quoted strings and <...>. */
static gboolean
add_list_entries (CfSipMessage *msg, const char *name, const char *value, gsize len, GError **error)
{
	const char *end = value + len;
	const char *start = value;
	gboolean in_quote = FALSE;
	gboolean in_angle = FALSE;

	if (len == 0)
		return add_entry (msg, name, value, 0, error);
	for (const char *q = value; q <= end; q++) {
		if (q < end) {
			if (in_quote) {
				if (*q == '\\' && q + 1 < end)
					q++;
				else if (*q == '"')
					in_quote = FALSE;
				continue;
			}
			if (*q == '"')
				in_quote = TRUE;
			else if (*q == '<')
				in_angle = TRUE;
			else if (*q == '>')
				in_angle = FALSE;
			if (*q != ',' || in_angle || in_quote)
				continue;
		}
		{
			const char *es = start;
			const char *ee = q;

			cf_sip_trim (&es, &ee);
			/* empty list elements are skipped */
			if (ee > es) {
				if (!add_entry (msg, name, es, ee - es, error))
					return FALSE;
			}
		}
		start = q + 1;
	}
	return TRUE;
}

static gboolean
add_header_line (
	CfSipMessage *msg, const char *name, gsize name_len, GString *value, GError **error)
{
	const KnownHeader *known = lookup_header (name, name_len);
	g_autofree char *unknown_name = NULL;
	const char *canon;
	const char *vs = value->str;
	const char *ve = value->str + value->len;

	if (known != NULL) {
		canon = known->name;
	} else {
		unknown_name = g_strndup (name, name_len);
		canon = unknown_name;
	}
	cf_sip_trim (&vs, &ve);
	if (known != NULL && known->list)
		return add_list_entries (msg, canon, vs, ve - vs, error);
	return add_entry (msg, canon, vs, ve - vs, error);
}

/* ---- validation of the headers the SIP layers rely on ---- */

static gboolean
check_call_id (const char *value, gsize len)
{
	/* callid = word [ "@" word ] */
	const char *at = memchr (value, '@', len);

	if (len == 0 || at == value || at == value + len - 1)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (value + i == at)
			continue;
		if (!cf_sip_is_word_char (value[i]))
			return FALSE;
	}
	return TRUE;
}

/* CSeq = 1*DIGIT LWS Method; the number must fit 32 bits (RFC 3261 §8.1.1.5). */
static gboolean
parse_cseq (const char *value,
	    gsize len,
	    guint32 *ret_number,
	    const char **ret_method,
	    gsize *ret_method_len)
{
	const char *p = value;
	const char *end = value + len;
	guint64 number = 0;

	if (p >= end || !g_ascii_isdigit (*p))
		return FALSE;
	while (p < end && g_ascii_isdigit (*p)) {
		number = number * 10 + (guint64)(*p - '0');
		if (number > G_MAXUINT32)
			return FALSE;
		p++;
	}
	if (p >= end || !cf_sip_is_wsp (*p))
		return FALSE;
	cf_sip_skip_wsp (&p, end);
	if (!cf_sip_is_token (p, end - p))
		return FALSE;
	if (ret_number != NULL)
		*ret_number = (guint32)number;
	if (ret_method != NULL)
		*ret_method = p;
	if (ret_method_len != NULL)
		*ret_method_len = end - p;
	return TRUE;
}

/* 1*DIGIT, at most @max */
static gboolean
parse_decimal (const char *value, gsize len, gsize max, gsize *ret_value)
{
	gsize v = 0;

	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit (value[i]))
			return FALSE;
		v = v * 10 + (gsize)(value[i] - '0');
		if (v > max)
			return FALSE;
	}
	*ret_value = v;
	return TRUE;
}

static gboolean
check_request_uri (const char *uri, GError **error)
{
	gsize len = strlen (uri);

	if ((len >= 4 && g_ascii_strncasecmp (uri, "sip:", 4) == 0)
	    || (len >= 5 && g_ascii_strncasecmp (uri, "sips:", 5) == 0)) {
		g_autoptr (CfSipUri) parsed = cf_sip_uri_parse_len (uri, len, error);

		if (parsed == NULL)
			return FALSE;
		/* RFC 3261 §19.1.5: headers are not allowed in a Request-URI
		 * (RFC 4475 §3.1.2.11). */
		if (parsed->headers != NULL)
			return set_error (error, CF_SIP_ERROR_PARSE, "headers in the Request-URI");
		return TRUE;
	}
	/* Other schemes (tel:, unknown ones) are for the UA to accept or
	 * refuse with 416; only their generic syntax is checked here. */
	return cf_sip_check_absolute_uri (uri, len, error);
}

static gboolean
validate_message (CfSipMessage *msg, GError **error)
{
	guint n_via = 0;
	guint n_from = 0;
	guint n_to = 0;
	guint n_call_id = 0;
	guint n_cseq = 0;
	guint n_contact = 0;
	gboolean contact_star = FALSE;

	for (guint i = 0; i < msg->headers->len; i++) {
		CfSipHeader *h = g_ptr_array_index (msg->headers, i);

		if (header_is (h, "Via")) {
			g_autoptr (CfSipVia) via =
				cf_sip_via_parse_len (h->value, h->value_len, error);

			if (via == NULL) {
				g_prefix_error_literal (error, "Via: ");
				return FALSE;
			}
			n_via++;
		} else if (header_is (h, "From") || header_is (h, "To") || header_is (h, "Contact")
			   || header_is (h, "Route") || header_is (h, "Record-Route")) {
			g_autoptr (CfSipNameAddr) na = NULL;

			na = cf_sip_name_addr_parse_full (h->value, h->value_len, TRUE, error);
			if (na == NULL) {
				g_prefix_error (error, "%s: ", h->name);
				return FALSE;
			}
			if (header_is (h, "Contact")) {
				n_contact++;
				contact_star = contact_star || na->star;
			} else if (na->star) {
				g_set_error (error,
					     CF_SIP_ERROR,
					     CF_SIP_ERROR_PARSE,
					     "%s: '*' is only allowed in Contact",
					     h->name);
				return FALSE;
			}
			if (header_is (h, "From"))
				n_from++;
			else if (header_is (h, "To"))
				n_to++;
		} else if (header_is (h, "Call-ID")) {
			if (!check_call_id (h->value, h->value_len))
				return set_error (error, CF_SIP_ERROR_PARSE, "invalid Call-ID");
			n_call_id++;
		} else if (header_is (h, "CSeq")) {
			const char *method;
			gsize method_len;

			if (!parse_cseq (h->value, h->value_len, NULL, &method, &method_len))
				return set_error (error, CF_SIP_ERROR_PARSE, "invalid CSeq");
			/* RFC 3261 §8.1.1.5, RFC 4475 §3.1.2.17 */
			if (msg->is_request
			    && (method_len != strlen (msg->method)
				|| memcmp (method, msg->method, method_len) != 0))
				return set_error (error,
						  CF_SIP_ERROR_PARSE,
						  "CSeq method does not match the request method");
			n_cseq++;
		}
	}
	/* Each of these identifies the transaction and dialog: two of them
	 * would let two layers pick different ones (RFC 4475 §3.3.8). */
	if (n_via == 0)
		return set_error (error, CF_SIP_ERROR_PARSE, "missing Via");
	if (n_from != 1)
		return set_error (error,
				  CF_SIP_ERROR_PARSE,
				  n_from == 0 ? "missing From" : "more than one From");
	if (n_to != 1)
		return set_error (
			error, CF_SIP_ERROR_PARSE, n_to == 0 ? "missing To" : "more than one To");
	if (n_call_id != 1)
		return set_error (error,
				  CF_SIP_ERROR_PARSE,
				  n_call_id == 0 ? "missing Call-ID" : "more than one Call-ID");
	if (n_cseq != 1)
		return set_error (error,
				  CF_SIP_ERROR_PARSE,
				  n_cseq == 0 ? "missing CSeq" : "more than one CSeq");
	if (contact_star && n_contact > 1)
		return set_error (error, CF_SIP_ERROR_PARSE, "Contact: '*' with other values");
	if (msg->is_request && !check_request_uri (msg->request_uri, error)) {
		g_prefix_error_literal (error, "Request-URI: ");
		return FALSE;
	}
	return TRUE;
}

/* ---- printing ---- */

static guint
count_digits (gsize n)
{
	guint digits = 1;

	while (n >= 10) {
		n /= 10;
		digits++;
	}
	return digits;
}

static gsize
start_line_length (CfSipMessage *msg)
{
	if (msg->is_request)
		return strlen (msg->method) + 1 + strlen (msg->request_uri) + 8;
	return 8 + 3 + 1 + strlen (msg->reason);
}

/* The size of the printed message, and its number of header lines. */
static gsize
printed_size (CfSipMessage *msg, guint *ret_n_lines)
{
	gsize size = start_line_length (msg) + 2;
	gboolean have_length = FALSE;
	guint n_lines = 0;

	for (guint i = 0; i < msg->headers->len; i++) {
		CfSipHeader *h = g_ptr_array_index (msg->headers, i);

		if (header_is (h, "Content-Length")) {
			if (have_length)
				continue;
			have_length = TRUE;
			size += canonical_line_length ("Content-Length",
						       count_digits (msg->body_len))
				+ 2;
		} else {
			size += canonical_line_length (h->name, h->value_len) + 2;
		}
		n_lines++;
	}
	if (!have_length) {
		size += canonical_line_length ("Content-Length", count_digits (msg->body_len)) + 2;
		n_lines++;
	}
	if (ret_n_lines != NULL)
		*ret_n_lines = n_lines;
	return size + 2 + msg->body_len;
}

char *
cf_sip_message_to_string (CfSipMessage *msg, gsize *ret_len)
{
	GString *str;
	gboolean have_length = FALSE;

	g_return_val_if_fail (msg != NULL, NULL);

	str = g_string_sized_new (printed_size (msg, NULL) + 1);
	if (msg->is_request)
		g_string_append_printf (str, "%s %s SIP/2.0\r\n", msg->method, msg->request_uri);
	else
		g_string_append_printf (str, "SIP/2.0 %03u %s\r\n", msg->status, msg->reason);
	for (guint i = 0; i < msg->headers->len; i++) {
		CfSipHeader *h = g_ptr_array_index (msg->headers, i);

		/* One Content-Length, where the first one was, matching the body. */
		if (header_is (h, "Content-Length")) {
			if (!have_length)
				g_string_append_printf (str,
							"Content-Length: %" G_GSIZE_FORMAT "\r\n",
							msg->body_len);
			have_length = TRUE;
			continue;
		}
		g_string_append (str, h->name);
		g_string_append (str, ": ");
		g_string_append_len (str, h->value, h->value_len);
		g_string_append (str, "\r\n");
	}
	if (!have_length)
		g_string_append_printf (
			str, "Content-Length: %" G_GSIZE_FORMAT "\r\n", msg->body_len);
	g_string_append (str, "\r\n");
	g_string_append_len (str, msg->body, msg->body_len);
	if (ret_len != NULL)
		*ret_len = str->len;
	return g_string_free (str, FALSE);
}

/* ---- the parser ---- */

CfSipMessage *
cf_sip_message_parse (const char *data, gsize len, GError **error)
{
	g_autoptr (CfSipMessage) msg = NULL;
	g_autoptr (GString) value = NULL;
	const char *p = data;
	const char *end = data + len;
	const char *line;
	gsize line_len;
	const char *name = NULL;
	gsize name_len = 0;
	guint n_lines = 0;
	guint n_length = 0;
	CfSipHeader *length = NULL;

	g_return_val_if_fail (data != NULL || len == 0, NULL);

	if (len > CF_SIP_MAX_MESSAGE_SIZE) {
		set_error (error, CF_SIP_ERROR_TOO_LARGE, "message too large");
		return NULL;
	}
	/* CRLFs before the start line are keep-alives (RFC 3261 §7.5). */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end) {
		set_error (error, CF_SIP_ERROR_PARSE, "empty message");
		return NULL;
	}

	msg = message_new ();
	if (!next_line (&p, end, FALSE, &line, &line_len, error)
	    || !parse_start_line (msg, line, line_len, error)) {
		g_prefix_error_literal (error, "start line: ");
		return NULL;
	}

	/* Header lines; a line starting with SP/HTAB continues the previous
	 * one, and the whole LWS becomes one SP (RFC 3261 §7.3.1). */
	value = g_string_new (NULL);
	for (;;) {
		if (!next_line (&p, end, TRUE, &line, &line_len, error))
			return NULL;
		if (line_len > 0 && cf_sip_is_wsp (line[0])) {
			const char *c = line;
			const char *ce = line + line_len;

			if (name == NULL) {
				set_error (error,
					   CF_SIP_ERROR_PARSE,
					   "continuation line without header");
				return NULL;
			}
			cf_sip_trim (&c, &ce);
			if (ce == c)
				continue;
			while (value->len > 0 && cf_sip_is_wsp (value->str[value->len - 1]))
				g_string_truncate (value, value->len - 1);
			if (value->len > 0)
				g_string_append_c (value, ' ');
			g_string_append_len (value, c, ce - c);
			if (name_len + 1 + value->len > CF_SIP_MAX_LINE_LENGTH) {
				set_error (error, CF_SIP_ERROR_TOO_LARGE, "header line too long");
				return NULL;
			}
			continue;
		}
		if (name != NULL && !add_header_line (msg, name, name_len, value, error))
			return NULL;
		if (line_len == 0)
			break;

		/* message-header = field-name SWS ":" field-value */
		{
			const char *c = line;
			const char *ce = line + line_len;

			while (c < ce && cf_sip_is_token_char (*c))
				c++;
			name = line;
			name_len = c - line;
			cf_sip_skip_wsp (&c, ce);
			if (name_len == 0 || c >= ce || *c != ':') {
				set_error (error, CF_SIP_ERROR_PARSE, "invalid header line");
				return NULL;
			}
			c++;
			if (++n_lines > CF_SIP_MAX_HEADERS) {
				set_error (error, CF_SIP_ERROR_TOO_LARGE, "too many headers");
				return NULL;
			}
			g_string_truncate (value, 0);
			g_string_append_len (value, c, ce - c);
		}
	}

	/* Body: Content-Length bytes; a datagram without one extends to
	 * its end. Bytes after the body are ignored (RFC 3261 §18.3). */
	for (guint i = 0; i < msg->headers->len; i++) {
		CfSipHeader *h = g_ptr_array_index (msg->headers, i);

		if (header_is (h, "Content-Length")) {
			length = h;
			n_length++;
		}
	}
	if (n_length > 1) {
		/* RFC 4475 §3.3.9: no way to know the body's length */
		set_error (error, CF_SIP_ERROR_PARSE, "more than one Content-Length");
		return NULL;
	}
	if (length != NULL) {
		gsize body_len;

		if (!parse_decimal (length->value, length->value_len, G_MAXUINT32, &body_len)) {
			set_error (error, CF_SIP_ERROR_PARSE, "invalid Content-Length");
			return NULL;
		}
		if (body_len > (gsize)(end - p)) {
			set_error (error,
				   CF_SIP_ERROR_PARSE,
				   "Content-Length larger than the message");
			return NULL;
		}
		msg->body_len = body_len;
		/* store it as it will be printed */
		g_free (length->value);
		length->value = g_strdup_printf ("%" G_GSIZE_FORMAT, body_len);
		length->value_len = strlen (length->value);
	} else {
		msg->body_len = end - p;
	}
	g_free (msg->body);
	msg->body = g_malloc (msg->body_len + 1);
	memcpy (msg->body, p, msg->body_len);
	msg->body[msg->body_len] = '\0';

	if (!validate_message (msg, error))
		return NULL;

	/* The limits hold for the printed form too. */
	{
		guint n_printed;

		if (printed_size (msg, &n_printed) > CF_SIP_MAX_MESSAGE_SIZE
		    || n_printed > CF_SIP_MAX_HEADERS
		    || start_line_length (msg) > CF_SIP_MAX_LINE_LENGTH) {
			set_error (error, CF_SIP_ERROR_TOO_LARGE, "message too large");
			return NULL;
		}
	}
	return g_steal_pointer (&msg);
}

/* ---- stream framing ---- */

static gboolean
is_content_length_name (const char *name, gsize len)
{
	return (len == 1 && g_ascii_tolower (name[0]) == 'l')
	       || (len == 14 && g_ascii_strncasecmp (name, "Content-Length", 14) == 0);
}

/* Finds the Content-Length value among the header lines [p, end) (the
 * start line excluded, the empty line included), unfolding it. */
static gboolean
find_content_length (const char *p, const char *end, gsize *ret_length, GError **error)
{
	g_autoptr (GString) value = NULL;
	gboolean in_length = FALSE;
	guint n = 0;

	while (p < end) {
		const char *lf = memchr (p, '\n', end - p);
		const char *line = p;
		const char *line_end = lf != NULL ? lf : end;

		p = lf != NULL ? lf + 1 : end;
		if (line_end > line && line_end[-1] == '\r')
			line_end--;
		if (line < line_end && cf_sip_is_wsp (*line)) {
			if (in_length) {
				g_string_append_c (value, ' ');
				g_string_append_len (value, line, line_end - line);
			}
			continue;
		}
		in_length = FALSE;
		if (line == line_end)
			continue;
		{
			const char *c = line;

			while (c < line_end && cf_sip_is_token_char (*c))
				c++;
			if (!is_content_length_name (line, c - line))
				continue;
			cf_sip_skip_wsp (&c, line_end);
			if (c >= line_end || *c != ':')
				continue;
			c++;
			if (++n > 1)
				return set_error (
					error, CF_SIP_ERROR_PARSE, "more than one Content-Length");
			in_length = TRUE;
			value = g_string_new_len (c, line_end - c);
		}
	}
	if (n == 0)
		return set_error (error, CF_SIP_ERROR_PARSE, "no Content-Length on a stream");
	{
		const char *vs = value->str;
		const char *ve = value->str + value->len;

		cf_sip_trim (&vs, &ve);
		if (!parse_decimal (vs, ve - vs, G_MAXUINT32, ret_length))
			return set_error (error, CF_SIP_ERROR_PARSE, "invalid Content-Length");
	}
	return TRUE;
}

gboolean
cf_sip_message_frame (const char *data, gsize len, gsize *ret_skip, gsize *ret_len, GError **error)
{
	const char *start;
	const char *end = data + len;
	const char *p;
	const char *first_lf;
	const char *headers_end = NULL;
	gsize skip = 0;
	gsize body_len;
	gsize headers_len;

	g_return_val_if_fail (data != NULL || len == 0, FALSE);

	while (skip < len && (data[skip] == '\r' || data[skip] == '\n'))
		skip++;
	/* Set even when more bytes are needed, so that keep-alives can be
	 * dropped and answered (RFC 5626 §4.4.1). */
	if (ret_skip != NULL)
		*ret_skip = skip;
	start = data + skip;

	/* the empty line ending the headers */
	p = start;
	first_lf = memchr (p, '\n', end - p);
	while (p < end) {
		const char *lf = memchr (p, '\n', end - p);
		const char *line_end;

		if (lf == NULL)
			break;
		line_end = lf;
		if (line_end > p && line_end[-1] == '\r')
			line_end--;
		if (line_end - p > CF_SIP_MAX_LINE_LENGTH)
			return set_error (error, CF_SIP_ERROR_TOO_LARGE, "line too long");
		if (line_end == p && p != start) {
			headers_end = lf + 1;
			break;
		}
		p = lf + 1;
	}
	if (headers_end == NULL) {
		if ((gsize)(end - start) > CF_SIP_MAX_MESSAGE_SIZE)
			return set_error (error, CF_SIP_ERROR_TOO_LARGE, "message too large");
		if ((gsize)(end - p) > CF_SIP_MAX_LINE_LENGTH)
			return set_error (error, CF_SIP_ERROR_TOO_LARGE, "line too long");
		return set_error (error, CF_SIP_ERROR_INCOMPLETE, "incomplete message");
	}
	headers_len = headers_end - start;
	if (headers_len > CF_SIP_MAX_MESSAGE_SIZE)
		return set_error (error, CF_SIP_ERROR_TOO_LARGE, "message too large");
	if (!find_content_length (first_lf + 1, headers_end, &body_len, error))
		return FALSE;
	if (body_len > CF_SIP_MAX_MESSAGE_SIZE - headers_len)
		return set_error (error, CF_SIP_ERROR_TOO_LARGE, "message too large");
	if (ret_len != NULL)
		*ret_len = headers_len + body_len;
	if ((gsize)(end - start) < headers_len + body_len)
		return set_error (error, CF_SIP_ERROR_INCOMPLETE, "incomplete message");
	return TRUE;
}

/* ---- accessors ---- */

gboolean
cf_sip_message_is_request (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, FALSE);

	return msg->is_request;
}

const char *
cf_sip_message_get_method (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, NULL);

	return msg->method;
}

CfSipMethod
cf_sip_message_get_method_id (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, CF_SIP_METHOD_UNKNOWN);

	return msg->method_id;
}

const char *
cf_sip_message_get_request_uri (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, NULL);

	return msg->request_uri;
}

void
cf_sip_message_set_request_uri (CfSipMessage *msg, const char *uri)
{
	g_return_if_fail (msg != NULL && msg->is_request);
	g_return_if_fail (uri != NULL && *uri != '\0' && strpbrk (uri, " \t\r\n") == NULL);

	g_free (msg->request_uri);
	msg->request_uri = g_strdup (uri);
}

guint
cf_sip_message_get_status (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, 0);

	return msg->status;
}

const char *
cf_sip_message_get_reason (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, NULL);

	return msg->reason;
}

guint
cf_sip_message_get_n_headers (CfSipMessage *msg)
{
	g_return_val_if_fail (msg != NULL, 0);

	return msg->headers->len;
}

void
cf_sip_message_get_header_at_len (CfSipMessage *msg,
				  guint index,
				  const char **ret_name,
				  const char **ret_value,
				  gsize *ret_len)
{
	CfSipHeader *h;

	g_return_if_fail (msg != NULL);
	g_return_if_fail (index < msg->headers->len);

	h = g_ptr_array_index (msg->headers, index);
	if (ret_name != NULL)
		*ret_name = h->name;
	if (ret_value != NULL)
		*ret_value = h->value;
	if (ret_len != NULL)
		*ret_len = h->value_len;
}

void
cf_sip_message_get_header_at (CfSipMessage *msg,
			      guint index,
			      const char **ret_name,
			      const char **ret_value)
{
	cf_sip_message_get_header_at_len (msg, index, ret_name, ret_value, NULL);
}

static CfSipHeader *
find_header (CfSipMessage *msg, const char *name, guint n, guint *ret_index)
{
	const char *canon = canonical_name (name);

	for (guint i = 0; i < msg->headers->len; i++) {
		CfSipHeader *h = g_ptr_array_index (msg->headers, i);

		if (!header_is (h, canon))
			continue;
		if (n-- == 0) {
			if (ret_index != NULL)
				*ret_index = i;
			return h;
		}
	}
	return NULL;
}

const char *
cf_sip_message_get_header_nth (CfSipMessage *msg, const char *name, guint n)
{
	CfSipHeader *h;

	g_return_val_if_fail (msg != NULL, NULL);
	g_return_val_if_fail (name != NULL, NULL);

	h = find_header (msg, name, n, NULL);
	return h != NULL ? h->value : NULL;
}

const char *
cf_sip_message_get_header (CfSipMessage *msg, const char *name)
{
	return cf_sip_message_get_header_nth (msg, name, 0);
}

guint
cf_sip_message_count_header (CfSipMessage *msg, const char *name)
{
	const char *canon;
	guint n = 0;

	g_return_val_if_fail (msg != NULL, 0);
	g_return_val_if_fail (name != NULL, 0);

	canon = canonical_name (name);
	for (guint i = 0; i < msg->headers->len; i++) {
		if (header_is (g_ptr_array_index (msg->headers, i), canon))
			n++;
	}
	return n;
}

static gboolean
valid_header_args (const char *name, const char *value)
{
	return name != NULL && cf_sip_is_token (name, strlen (name)) && value != NULL
	       && strpbrk (value, "\r\n") == NULL;
}

void
cf_sip_message_add_header (CfSipMessage *msg, const char *name, const char *value)
{
	g_return_if_fail (msg != NULL);
	g_return_if_fail (valid_header_args (name, value));

	g_ptr_array_add (msg->headers, header_new (canonical_name (name), value, strlen (value)));
}

void
cf_sip_message_prepend_header (CfSipMessage *msg, const char *name, const char *value)
{
	guint index = 0;

	g_return_if_fail (msg != NULL);
	g_return_if_fail (valid_header_args (name, value));

	if (find_header (msg, name, 0, &index) == NULL)
		index = 0;
	g_ptr_array_insert (msg->headers,
			    (gint)index,
			    header_new (canonical_name (name), value, strlen (value)));
}

void
cf_sip_message_set_header (CfSipMessage *msg, const char *name, const char *value)
{
	guint index;

	g_return_if_fail (msg != NULL);
	g_return_if_fail (valid_header_args (name, value));

	if (find_header (msg, name, 0, &index) == NULL) {
		cf_sip_message_add_header (msg, name, value);
		return;
	}
	cf_sip_message_remove_header (msg, name);
	g_ptr_array_insert (msg->headers,
			    (gint)index,
			    header_new (canonical_name (name), value, strlen (value)));
}

void
cf_sip_message_remove_header (CfSipMessage *msg, const char *name)
{
	const char *canon;

	g_return_if_fail (msg != NULL);
	g_return_if_fail (name != NULL);

	canon = canonical_name (name);
	for (guint i = msg->headers->len; i > 0; i--) {
		if (header_is (g_ptr_array_index (msg->headers, i - 1), canon))
			g_ptr_array_remove_index (msg->headers, i - 1);
	}
}

void
cf_sip_message_remove_header_nth (CfSipMessage *msg, const char *name, guint n)
{
	guint index;

	g_return_if_fail (msg != NULL);
	g_return_if_fail (name != NULL);

	if (find_header (msg, name, n, &index) != NULL)
		g_ptr_array_remove_index (msg->headers, index);
}

void
cf_sip_message_set_body (CfSipMessage *msg, const char *content_type, const char *body, gsize len)
{
	g_autofree char *length = NULL;

	g_return_if_fail (msg != NULL);
	g_return_if_fail (body != NULL || len == 0);

	g_free (msg->body);
	msg->body = g_malloc (len + 1);
	if (len > 0)
		memcpy (msg->body, body, len);
	msg->body[len] = '\0';
	msg->body_len = len;
	if (content_type != NULL)
		cf_sip_message_set_header (msg, "Content-Type", content_type);
	else
		cf_sip_message_remove_header (msg, "Content-Type");
	length = g_strdup_printf ("%" G_GSIZE_FORMAT, len);
	if (find_header (msg, "Content-Length", 0, NULL) != NULL)
		cf_sip_message_set_header (msg, "Content-Length", length);
}

const char *
cf_sip_message_get_body (CfSipMessage *msg, gsize *ret_len)
{
	g_return_val_if_fail (msg != NULL, NULL);

	if (ret_len != NULL)
		*ret_len = msg->body_len;
	return msg->body;
}

/* ---- convenience accessors ---- */

const char *
cf_sip_message_get_call_id (CfSipMessage *msg)
{
	return cf_sip_message_get_header (msg, "Call-ID");
}

gboolean
cf_sip_message_get_cseq (CfSipMessage *msg, guint32 *ret_number, const char **ret_method)
{
	CfSipHeader *h;
	guint32 number;
	const char *method;

	g_return_val_if_fail (msg != NULL, FALSE);

	h = find_header (msg, "CSeq", 0, NULL);
	if (h == NULL || !parse_cseq (h->value, h->value_len, &number, &method, NULL))
		return FALSE;
	if (ret_number != NULL)
		*ret_number = number;
	if (ret_method != NULL)
		*ret_method = method;
	return TRUE;
}

CfSipVia *
cf_sip_message_get_top_via (CfSipMessage *msg, GError **error)
{
	CfSipHeader *h;

	g_return_val_if_fail (msg != NULL, NULL);

	h = find_header (msg, "Via", 0, NULL);
	if (h == NULL) {
		set_error (error, CF_SIP_ERROR_PARSE, "no Via");
		return NULL;
	}
	return cf_sip_via_parse_len (h->value, h->value_len, error);
}

static CfSipNameAddr *
get_name_addr (CfSipMessage *msg, const char *name, gboolean any_scheme, GError **error)
{
	CfSipHeader *h;

	g_return_val_if_fail (msg != NULL, NULL);

	h = find_header (msg, name, 0, NULL);
	if (h == NULL) {
		g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "no %s", name);
		return NULL;
	}
	return cf_sip_name_addr_parse_full (h->value, h->value_len, any_scheme, error);
}

CfSipNameAddr *
cf_sip_message_get_from (CfSipMessage *msg, GError **error)
{
	return get_name_addr (msg, "From", FALSE, error);
}

CfSipNameAddr *
cf_sip_message_get_to (CfSipMessage *msg, GError **error)
{
	return get_name_addr (msg, "To", FALSE, error);
}

static char *
get_tag (CfSipMessage *msg, const char *name)
{
	/* Tags work whatever the URI scheme (tel:, ...). */
	g_autoptr (CfSipNameAddr) na = get_name_addr (msg, name, TRUE, NULL);

	if (na == NULL)
		return NULL;
	return g_strdup (cf_sip_params_get (na->params, "tag"));
}

char *
cf_sip_message_get_from_tag (CfSipMessage *msg)
{
	return get_tag (msg, "From");
}

char *
cf_sip_message_get_to_tag (CfSipMessage *msg)
{
	return get_tag (msg, "To");
}

char *
cf_sip_message_get_branch (CfSipMessage *msg)
{
	g_autoptr (CfSipVia) via = cf_sip_message_get_top_via (msg, NULL);

	if (via == NULL)
		return NULL;
	return g_strdup (cf_sip_params_get (via->params, "branch"));
}

CfSipMessage *
cf_sip_message_new_response_to (CfSipMessage *request,
				guint status,
				const char *reason,
				const char *to_tag)
{
	static const char *const copied[] = {"Via", "From", "To", "Call-ID", "CSeq"};
	CfSipMessage *response;

	g_return_val_if_fail (request != NULL && request->is_request, NULL);
	g_return_val_if_fail (status >= 100 && status <= 699, NULL);

	response = cf_sip_message_new_response (status, reason);
	for (guint i = 0; i < request->headers->len; i++) {
		CfSipHeader *h = g_ptr_array_index (request->headers, i);

		for (guint j = 0; j < G_N_ELEMENTS (copied); j++) {
			if (header_is (h, copied[j])) {
				g_ptr_array_add (response->headers,
						 header_new (h->name, h->value, h->value_len));
				break;
			}
		}
	}
	if (to_tag != NULL) {
		CfSipHeader *to = find_header (response, "To", 0, NULL);
		g_autofree char *tag = cf_sip_message_get_to_tag (response);

		if (to != NULL && tag == NULL) {
			GString *value = g_string_new_len (to->value, to->value_len);

			g_string_append_printf (value, ";tag=%s", to_tag);
			g_free (to->value);
			to->value_len = value->len;
			to->value = g_string_free (value, FALSE);
		}
	}
	return response;
}
