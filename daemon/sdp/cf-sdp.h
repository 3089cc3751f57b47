/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cf-sdp-codec.h"

G_BEGIN_DECLS

/* SDP (RFC 8866): a session description model, a parser and a printer.
 *
 * The model keeps every line it understands: v= (always 0), o=, s=, i=, u=,
 * e=, p=, c=, b=, t= with its r= lines, z=, k= and a= at session level, and
 * for each m= section: m=, i=, c=, b=, k= and a=. Attributes are stored
 * generically, in order, as a name and a value (NULL for a property
 * attribute such as a=rtcp-mux); typed helpers read and write the ones the
 * stack uses (rtpmap, fmtp, direction, rtcp-mux, ptime, content) and other
 * layers read the rest (candidate, ice-ufrag, ice-pwd, crypto, zrtp-hash,
 * ...) by name.
 *
 * cf_sdp_session_parse() takes remote input: every size and count it
 * controls is bounded by the CF_SDP_MAX_* limits below, and any violation
 * is a CF_SDP_ERROR, never a crash or an assertion. cf_sdp_session_print()
 * writes the canonical form (CRLF line ends, single spaces); what it prints
 * of a parsed description parses again to the same model.
 *
 * None of these types is thread-safe; copy a description to hand it to
 * another thread. */

#define CF_SDP_ERROR (cf_sdp_error_quark ())
GQuark cf_sdp_error_quark (void);

typedef enum {
	CF_SDP_ERROR_INVALID,	     /* malformed description (syntax, order, values) */
	CF_SDP_ERROR_LIMIT,	     /* a CF_SDP_MAX_* limit was exceeded */
	CF_SDP_ERROR_INCOMPATIBLE,   /* an answer that does not fit its offer */
	CF_SDP_ERROR_NOT_ACCEPTABLE, /* an offer with nothing we can accept (SIP 488) */
	CF_SDP_ERROR_STATE,	     /* an operation out of sequence (e.g. no offer pending) */
} CfSdpError;

/* Hard limits on remote input. */
#define CF_SDP_MAX_SIZE	       (64 * 1024) /* bytes in a whole description */
#define CF_SDP_MAX_LINE_LENGTH 4096	   /* bytes in one line, without its line end */
#define CF_SDP_MAX_MEDIA       16	   /* m= sections */
#define CF_SDP_MAX_ATTRIBUTES  128	   /* a= lines per section (session or media) */
#define CF_SDP_MAX_FORMATS     64	   /* formats on one m= line */
#define CF_SDP_MAX_BANDWIDTHS  16	   /* b= lines per section */
#define CF_SDP_MAX_TIMES       16	   /* t= lines, and r= lines per t= */
#define CF_SDP_MAX_CONTACTS    16	   /* e= lines, and p= lines */
#define CF_SDP_MAX_SESSION_ID  64	   /* digits in o= sess-id */

/* TRUE if @str is an SDP token (RFC 8866 §9): a media type, attribute
 * name, bandwidth type... */
gboolean cf_sdp_is_token (const char *str);
/* TRUE if @str is a transport protocol: tokens separated by '/'. */
gboolean cf_sdp_is_proto (const char *str);

/* Media direction (RFC 8866 §6.7, RFC 3264 §5.1), from the point of view of
 * the side whose description carries it. */
typedef enum {
	CF_SDP_DIRECTION_SENDRECV,
	CF_SDP_DIRECTION_SENDONLY,
	CF_SDP_DIRECTION_RECVONLY,
	CF_SDP_DIRECTION_INACTIVE,
} CfSdpDirection;

/* "sendrecv", "sendonly", "recvonly" or "inactive". (transfer none) */
const char *cf_sdp_direction_to_string (CfSdpDirection direction);
/* Parses one of the four names (case-insensitively); FALSE otherwise. */
gboolean cf_sdp_direction_from_string (const char *str, CfSdpDirection *ret_direction);
gboolean cf_sdp_direction_sends (CfSdpDirection direction);
gboolean cf_sdp_direction_receives (CfSdpDirection direction);
/* The direction that sends iff @send and receives iff @recv. */
CfSdpDirection cf_sdp_direction_make (gboolean send, gboolean recv);
/* The direction that puts a stream on hold (RFC 3264 §8.4): sendrecv ->
 * sendonly, recvonly -> inactive; the others stay as they are. */
CfSdpDirection cf_sdp_direction_hold (CfSdpDirection current);

/* ---- Connection data (c=) ------------------------------------------------ */

/* A plain value; the strings are owned by the struct. */
typedef struct {
	char *nettype;	/* "IN" */
	char *addrtype; /* "IP4" or "IP6" */
	char *address;	/* host name or address, multicast suffixes kept as written */
} CfSdpConnection;

/* Copies the strings. @addrtype NULL: "IP6" if @address contains ':', else "IP4". */
CfSdpConnection *
cf_sdp_connection_new (const char *nettype, const char *addrtype, const char *address);
CfSdpConnection *cf_sdp_connection_copy (const CfSdpConnection *self);
void cf_sdp_connection_free (CfSdpConnection *self);
/* TRUE for 0.0.0.0 and :: (RFC 3264 §8.4: send nothing there). */
gboolean cf_sdp_connection_is_unspecified (const CfSdpConnection *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpConnection, cf_sdp_connection_free)

/* ---- Attribute lists (a=) ------------------------------------------------ */

/* An ordered list of attributes. Names are compared case-insensitively. */
typedef struct _CfSdpAttributes CfSdpAttributes;

/* A free-standing list (the lists of sessions and media sections are part
 * of them and must not be freed). */
CfSdpAttributes *cf_sdp_attributes_new (void);
void cf_sdp_attributes_free (CfSdpAttributes *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpAttributes, cf_sdp_attributes_free)

guint cf_sdp_attributes_get_length (const CfSdpAttributes *self);
/* (transfer none); @index < length */
const char *cf_sdp_attributes_get_name (const CfSdpAttributes *self, guint index);
/* (transfer none) NULL for a property attribute (no ':'). */
const char *cf_sdp_attributes_get_value (const CfSdpAttributes *self, guint index);
gboolean cf_sdp_attributes_has (const CfSdpAttributes *self, const char *name);
/* The value of the first attribute called @name; NULL when there is none or
 * it has no value. (transfer none) */
const char *cf_sdp_attributes_lookup (const CfSdpAttributes *self, const char *name);
/* The values of all attributes called @name, in order ("" for those without a
 * value); never NULL. (transfer full) */
char **cf_sdp_attributes_lookup_all (const CfSdpAttributes *self, const char *name);
/* Appends a=@name or a=@name:@value (copied). @name must be a token and
 * @value must not contain CR, LF or NUL; returns FALSE (and adds nothing) if
 * not. */
gboolean cf_sdp_attributes_add (CfSdpAttributes *self, const char *name, const char *value);
/* Removes every attribute called @name; returns how many were removed. */
guint cf_sdp_attributes_remove (CfSdpAttributes *self, const char *name);
void cf_sdp_attributes_remove_index (CfSdpAttributes *self, guint index);
void cf_sdp_attributes_clear (CfSdpAttributes *self);
/* Appends copies of all of @from's attributes to @self. */
void cf_sdp_attributes_extend (CfSdpAttributes *self, const CfSdpAttributes *from);
/* The direction attribute (first of sendrecv/sendonly/recvonly/inactive), if any. */
gboolean cf_sdp_attributes_get_direction (const CfSdpAttributes *self,
					  CfSdpDirection *ret_direction);
/* Replaces all direction attributes with one for @direction. */
void cf_sdp_attributes_set_direction (CfSdpAttributes *self, CfSdpDirection direction);

/* ---- Media sections (m=) -------------------------------------------------- */

typedef struct _CfSdpMedia CfSdpMedia;

/* @type "audio", "video", ... (a token); @proto "RTP/AVP", "RTP/SAVP", ...
 * (tokens separated by '/'); no formats. NULL if @type or @proto is not
 * valid. */
CfSdpMedia *cf_sdp_media_new (const char *type, guint16 port, const char *proto);
CfSdpMedia *cf_sdp_media_copy (const CfSdpMedia *self);
void cf_sdp_media_free (CfSdpMedia *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpMedia, cf_sdp_media_free)

/* All getters return (transfer none) pointers into @self. */
const char *cf_sdp_media_get_media_type (const CfSdpMedia *self);
guint16 cf_sdp_media_get_port (const CfSdpMedia *self);
void cf_sdp_media_set_port (CfSdpMedia *self, guint16 port);
/* The "/<number of ports>" of the m= line; 1 when absent. */
guint16 cf_sdp_media_get_port_count (const CfSdpMedia *self);
void cf_sdp_media_set_port_count (CfSdpMedia *self, guint16 count);
const char *cf_sdp_media_get_proto (const CfSdpMedia *self);
void cf_sdp_media_set_proto (CfSdpMedia *self, const char *proto);
/* TRUE when proto is an RTP profile ("RTP/..." or ".../RTP/..."), in which
 * case the formats are RTP payload type numbers. */
gboolean cf_sdp_media_is_rtp (const CfSdpMedia *self);
/* TRUE when the section is rejected or disabled (port 0). */
gboolean cf_sdp_media_is_rejected (const CfSdpMedia *self);

guint cf_sdp_media_get_n_formats (const CfSdpMedia *self);
const char *cf_sdp_media_get_format (const CfSdpMedia *self, guint index);
gboolean cf_sdp_media_has_format (const CfSdpMedia *self, const char *format);
/* Appends @format (a token) unless it is there already; FALSE if invalid or
 * the section already has CF_SDP_MAX_FORMATS. */
gboolean cf_sdp_media_add_format (CfSdpMedia *self, const char *format);
void cf_sdp_media_clear_formats (CfSdpMedia *self);

/* i= (NULL when absent) */
const char *cf_sdp_media_get_info (const CfSdpMedia *self);
void cf_sdp_media_set_info (CfSdpMedia *self, const char *info);
/* The section's own c= (NULL when absent: the session's applies). */
const CfSdpConnection *cf_sdp_media_get_connection (const CfSdpMedia *self);
/* Copies @connection (NULL removes the line); FALSE (and nothing changed)
 * when its fields cannot be written into SDP (empty, white space...). */
gboolean cf_sdp_media_set_connection (CfSdpMedia *self, const CfSdpConnection *connection);
/* b=<type>:<value>; FALSE when there is no such line. */
gboolean cf_sdp_media_get_bandwidth (const CfSdpMedia *self, const char *type, guint64 *ret_value);
void cf_sdp_media_set_bandwidth (CfSdpMedia *self, const char *type, guint64 value);
/* k= (obsolete; kept for round trips; NULL when absent) */
const char *cf_sdp_media_get_key (const CfSdpMedia *self);

CfSdpAttributes *cf_sdp_media_get_attributes (CfSdpMedia *self);
const CfSdpAttributes *cf_sdp_media_peek_attributes (const CfSdpMedia *self);

/* Typed attribute helpers. */

/* The codec behind payload type @pt: from a=rtpmap, else (for a static
 * payload type of RFC 3551) from the static table; with its a=fmtp. NULL
 * when @pt is not known or not a format of this section. (transfer full) */
CfSdpCodec *cf_sdp_media_get_codec (const CfSdpMedia *self, guint pt);
/* The codecs of all formats of an RTP section, in m= line order; formats
 * that are not payload types or whose codec is unknown are skipped.
 * (transfer full) (element-type CfSdpCodec) */
GPtrArray *cf_sdp_media_get_codecs (const CfSdpMedia *self);
/* Adds the format, its a=rtpmap and (if any) its a=fmtp. */
gboolean cf_sdp_media_add_codec (CfSdpMedia *self, const CfSdpCodec *codec);
/* The parameters of a=fmtp:<pt> (NULL when absent). (transfer none) */
const char *cf_sdp_media_get_fmtp (const CfSdpMedia *self, guint pt);
/* The section's direction attribute, else @session_default (RFC 8866 §6.7:
 * a session-level direction applies to sections without one). */
CfSdpDirection cf_sdp_media_get_direction (const CfSdpMedia *self, CfSdpDirection session_default);
void cf_sdp_media_set_direction (CfSdpMedia *self, CfSdpDirection direction);
gboolean cf_sdp_media_get_rtcp_mux (const CfSdpMedia *self);
void cf_sdp_media_set_rtcp_mux (CfSdpMedia *self, gboolean rtcp_mux);
/* a=ptime in milliseconds; 0 when absent or malformed. */
guint cf_sdp_media_get_ptime (const CfSdpMedia *self);
/* 0 removes the attribute. */
void cf_sdp_media_set_ptime (CfSdpMedia *self, guint ptime);
/* a=content (RFC 4796), e.g. "slides" or "main,alt"; NULL when absent. */
const char *cf_sdp_media_get_content (const CfSdpMedia *self);
/* TRUE if a=content lists @content (e.g. "slides"), case-insensitively. */
gboolean cf_sdp_media_has_content (const CfSdpMedia *self, const char *content);
/* NULL removes the attribute. */
void cf_sdp_media_set_content (CfSdpMedia *self, const char *content);

/* ---- Session descriptions ------------------------------------------------ */

typedef struct _CfSdpSession CfSdpSession;

/* An empty description: o=- 0 0 IN IP4 0.0.0.0, s=-, t=0 0, no media. */
CfSdpSession *cf_sdp_session_new (void);
CfSdpSession *cf_sdp_session_copy (const CfSdpSession *self);
void cf_sdp_session_free (CfSdpSession *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpSession, cf_sdp_session_free)

/* Parses @len bytes of @data (remote input; need not be NUL-terminated).
 * Returns NULL and sets a CF_SDP_ERROR on bad input. (transfer full)
 *
 * Strict: v=0 first, then o= (six fields, a numeric sess-id, a 64-bit
 * sess-version), then s=; c= before t=; t= before z=, k= and m=; r= right
 * after t= or r=; i=, u=, c=, z= and k= at most once per section; a media
 * section holds only i=, c= (once), b=, k= and a=; ports 0..65535, port
 * counts 1..65535, numbers without signs; unknown type letters, NUL and CR
 * inside a line are errors (RFC 8866 §5).
 * Tolerant: CRLF or LF line ends, a last line without one, empty lines,
 * several or trailing spaces between the fields of structured lines, an
 * empty s=, a missing t= (read as "t=0 0"), unknown attributes (kept as
 * written), malformed values of known attributes (kept; the typed helper
 * ignores them). */
CfSdpSession *cf_sdp_session_parse (const char *data, gsize len, GError **error);
/* The canonical text, CRLF line ends. (transfer full) */
char *cf_sdp_session_print (const CfSdpSession *self);

/* o= */
const char *cf_sdp_session_get_origin_username (const CfSdpSession *self);
const char *cf_sdp_session_get_origin_session_id (const CfSdpSession *self);
guint64 cf_sdp_session_get_origin_version (const CfSdpSession *self);
const CfSdpConnection *cf_sdp_session_get_origin_address (const CfSdpSession *self);
/* @username: a non-empty string without spaces ("-" when there is none);
 * @session_id: digits. Returns FALSE (changing nothing) if invalid. */
gboolean cf_sdp_session_set_origin (CfSdpSession *self,
				    const char *username,
				    const char *session_id,
				    guint64 version,
				    const CfSdpConnection *address);
void cf_sdp_session_set_origin_version (CfSdpSession *self, guint64 version);

/* s= */
const char *cf_sdp_session_get_name (const CfSdpSession *self);
void cf_sdp_session_set_name (CfSdpSession *self, const char *name);
/* i=, u= (NULL when absent) */
const char *cf_sdp_session_get_info (const CfSdpSession *self);
void cf_sdp_session_set_info (CfSdpSession *self, const char *info);
const char *cf_sdp_session_get_uri (const CfSdpSession *self);
/* e= and p= lines. (transfer none) (element-type utf8) */
const GPtrArray *cf_sdp_session_get_emails (const CfSdpSession *self);
const GPtrArray *cf_sdp_session_get_phones (const CfSdpSession *self);
/* Session-level c= (NULL when absent). */
const CfSdpConnection *cf_sdp_session_get_connection (const CfSdpSession *self);
/* As cf_sdp_media_set_connection(). */
gboolean cf_sdp_session_set_connection (CfSdpSession *self, const CfSdpConnection *connection);
gboolean
cf_sdp_session_get_bandwidth (const CfSdpSession *self, const char *type, guint64 *ret_value);
void cf_sdp_session_set_bandwidth (CfSdpSession *self, const char *type, guint64 value);
/* t= lines (at least one; "t=0 0" when the description had none). */
guint cf_sdp_session_get_n_times (const CfSdpSession *self);
void cf_sdp_session_get_time (const CfSdpSession *self,
			      guint index,
			      guint64 *ret_start,
			      guint64 *ret_stop);
/* Replaces all t= (and r=) lines with one. */
void cf_sdp_session_set_time (CfSdpSession *self, guint64 start, guint64 stop);

CfSdpAttributes *cf_sdp_session_get_attributes (CfSdpSession *self);
const CfSdpAttributes *cf_sdp_session_peek_attributes (const CfSdpSession *self);
/* The session-level direction attribute, else sendrecv. */
CfSdpDirection cf_sdp_session_get_direction (const CfSdpSession *self);

guint cf_sdp_session_get_n_media (const CfSdpSession *self);
/* (transfer none) @index < n_media */
CfSdpMedia *cf_sdp_session_get_media (CfSdpSession *self, guint index);
const CfSdpMedia *cf_sdp_session_peek_media (const CfSdpSession *self, guint index);
/* Appends @media. (transfer full) FALSE (and frees @media) beyond
 * CF_SDP_MAX_MEDIA. */
gboolean cf_sdp_session_add_media (CfSdpSession *self, CfSdpMedia *media);
/* The direction of media section @index, the session default applied. */
CfSdpDirection cf_sdp_session_get_media_direction (const CfSdpSession *self, guint index);
/* The c= that applies to media section @index: its own, else the session's;
 * NULL when neither exists. (transfer none) */
const CfSdpConnection *cf_sdp_session_get_media_connection (const CfSdpSession *self, guint index);

G_END_DECLS
