/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The SDP attributes of ICE (RFC 8839 §5, end-of-candidates from RFC 8840
 * §9.1): a=candidate parse and print, a=ice-ufrag / a=ice-pwd validation,
 * a=ice-options. Pure: no I/O, no main loop, no libnice.
 *
 * Everything here reads remote input: every length and count is bounded by
 * the CF_ICE_MAX_* limits, and bad input is a CF_ICE_ERROR, never a crash.
 *
 * Candidate lines (RFC 8839 §5.1):
 *
 *   candidate-attribute = "candidate" ":" foundation SP component-id SP
 *                         transport SP priority SP connection-address SP
 *                         port SP cand-type [SP rel-addr] [SP rel-port]
 *                         *(SP extension-att-name SP extension-att-value)
 *
 * cf_ice_candidate_parse() takes the attribute VALUE (what follows
 * "candidate:", as the SDP layer stores it) and refuses a line in one of two
 * ways, so that the caller can tell "not for us" from "broken":
 *
 * - CF_ICE_ERROR_UNSUPPORTED: a well-formed candidate this implementation
 *   does not use, and that RFC 8839 §5.1 says to ignore: a transport other
 *   than UDP (TCP candidates, RFC 6544), a candidate type other than
 *   host/srflx/prflx/relay, or an address that is not an IP literal: a fully
 *   qualified domain name, or an mDNS name ("<uuid>.local",
 *   draft-ietf-mmusic-mdns-ice-candidates) that we do not resolve. Such
 *   lines are refused, not passed through: the caller skips them.
 * - CF_ICE_ERROR_INVALID / CF_ICE_ERROR_LIMIT: a malformed line.
 *
 * Names of the grammar are matched without regard to ASCII case (ABNF
 * literals are case-insensitive: "UDP" and "udp", "typ host" and "typ HOST");
 * the printer writes "UDP" and lowercase type names. Separators are single
 * spaces as the grammar says; runs of spaces are tolerated. Two choices
 * stricter than the grammar: "raddr" and "rport" come together or not at all
 * (as every implementation writes them), and extension names and values are
 * visible characters (no control characters).
 *
 * Addresses are kept as written (after validation), so that print(parse(x))
 * is x for every canonical line; IPv6 zone identifiers ("%eth0") are
 * refused. */

#define CF_ICE_ERROR (cf_ice_error_quark ())
GQuark cf_ice_error_quark (void);

typedef enum {
	CF_ICE_ERROR_INVALID,	  /* malformed attribute or argument */
	CF_ICE_ERROR_UNSUPPORTED, /* well-formed but not usable here: skip it */
	CF_ICE_ERROR_LIMIT,	  /* a CF_ICE_MAX_* limit was exceeded */
	CF_ICE_ERROR_STATE,	  /* an operation out of sequence (not connected, ...) */
	CF_ICE_ERROR_FAILED,	  /* libnice or the socket failed */
} CfIceError;

/* Hard limits on remote input. */
#define CF_ICE_MAX_CANDIDATE_LENGTH 1024 /* bytes of an a=candidate value */
#define CF_ICE_MAX_EXTENSIONS	    16	 /* extension name/value pairs per candidate */
#define CF_ICE_MAX_FOUNDATION	    32	 /* ice-chars of a foundation (RFC 8839 §5.1) */
#define CF_ICE_MAX_COMPONENT	    256	 /* largest component ID (RFC 8445 §5.1.1.1) */
#define CF_ICE_MAX_PRIORITY	    G_GUINT64_CONSTANT (0x7fffffff) /* 2^31 - 1 */
#define CF_ICE_MIN_UFRAG	    4	/* ice-chars of a=ice-ufrag (RFC 8839 §5.4) */
#define CF_ICE_MIN_PWD		    22	/* ice-chars of a=ice-pwd */
#define CF_ICE_MAX_CREDENTIAL	    256 /* ice-chars of either */
#define CF_ICE_MAX_OPTIONS	    16	/* tags of a=ice-options */
#define CF_ICE_MAX_OPTION_LENGTH    64	/* ice-chars of one ice-option tag */

/* SDP attribute names. */
#define CF_ICE_ATTR_CANDIDATE	      "candidate"
#define CF_ICE_ATTR_UFRAG	      "ice-ufrag"
#define CF_ICE_ATTR_PWD		      "ice-pwd"
#define CF_ICE_ATTR_OPTIONS	      "ice-options"
#define CF_ICE_ATTR_LITE	      "ice-lite"	  /* session level, no value */
#define CF_ICE_ATTR_MISMATCH	      "ice-mismatch"	  /* media level, no value */
#define CF_ICE_ATTR_END_OF_CANDIDATES "end-of-candidates" /* RFC 8840, no value */

typedef enum {
	CF_ICE_CANDIDATE_TYPE_HOST,
	CF_ICE_CANDIDATE_TYPE_SRFLX, /* server reflexive */
	CF_ICE_CANDIDATE_TYPE_PRFLX, /* peer reflexive */
	CF_ICE_CANDIDATE_TYPE_RELAY, /* relayed (TURN) */
} CfIceCandidateType;

/* "host", "srflx", "prflx" or "relay". (transfer none) */
const char *cf_ice_candidate_type_to_string (CfIceCandidateType type);
/* Parses one of the four names, ignoring ASCII case; FALSE otherwise. */
gboolean cf_ice_candidate_type_from_string (const char *str, CfIceCandidateType *ret_type);

/* One UDP candidate. A plain value: the strings belong to the struct. */
typedef struct {
	char *foundation; /* 1..32 ice-chars */
	guint component;  /* 1..256 */
	guint32 priority; /* 1..2^31-1 */
	char *address;	  /* IPv4 or IPv6 literal, as written */
	guint16 port;	  /* 1..65535 */
	CfIceCandidateType type;
	char *related_address; /* NULL when the line has no raddr */
	guint16 related_port;  /* meaningful only with related_address */
	char **extensions;     /* NULL-terminated name, value, name, value...; never NULL */
} CfIceCandidate;

/* (transfer full) A candidate from its parts, which are validated as the
 * parser validates them (a programming error otherwise: NULL with a
 * critical). @related_address may be NULL; no extensions. */
CfIceCandidate *cf_ice_candidate_new (const char *foundation,
				      guint component,
				      guint32 priority,
				      const char *address,
				      guint16 port,
				      CfIceCandidateType type,
				      const char *related_address,
				      guint16 related_port);
/* (transfer full) */
CfIceCandidate *cf_ice_candidate_copy (const CfIceCandidate *self);
/* Accepts NULL. */
void cf_ice_candidate_free (CfIceCandidate *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfIceCandidate, cf_ice_candidate_free)

/* Parses an a=candidate value (without "a=candidate:"). (transfer full)
 * NULL with CF_ICE_ERROR_UNSUPPORTED, _INVALID or _LIMIT; see above. */
CfIceCandidate *cf_ice_candidate_parse (const char *value, GError **error);
/* The a=candidate value. (transfer full) */
char *cf_ice_candidate_to_string (const CfIceCandidate *self);
/* TRUE if the candidate's address is IPv6. */
gboolean cf_ice_candidate_is_ipv6 (const CfIceCandidate *self);
/* The value of the first extension attribute called @name (compared
 * exactly), or NULL. (transfer none) */
const char *cf_ice_candidate_get_extension (const CfIceCandidate *self, const char *name);
/* Appends an extension attribute (copied). FALSE (and nothing added) if
 * @name or @value is empty or holds a space or control character, or the
 * candidate already has CF_ICE_MAX_EXTENSIONS. */
gboolean cf_ice_candidate_add_extension (CfIceCandidate *self, const char *name, const char *value);
/* TRUE if both describe the same candidate, field by field (addresses
 * compared as written, extensions in order). */
gboolean cf_ice_candidate_equal (const CfIceCandidate *a, const CfIceCandidate *b);

/* a=ice-ufrag (4..256 ice-chars) and a=ice-pwd (22..256 ice-chars), where
 * ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.4). NULL is invalid. */
gboolean cf_ice_ufrag_validate (const char *ufrag, GError **error);
gboolean cf_ice_pwd_validate (const char *pwd, GError **error);

/* a=ice-options (RFC 8839 §5.6): one or more ice-option tags (1*ice-char)
 * separated by spaces. (transfer full) NULL-terminated, never empty on
 * success. */
char **cf_ice_options_parse (const char *value, GError **error);
/* The a=ice-options value for @options (validated as the parser does);
 * NULL with a critical if one is not an ice-option tag or there are none.
 * (transfer full) */
char *cf_ice_options_to_string (const char *const *options);

/* A property attribute (a=ice-lite, a=ice-mismatch, a=end-of-candidates)
 * takes no value: FALSE with CF_ICE_ERROR_INVALID if @value is not NULL.
 * @name is used in the message only. */
gboolean cf_ice_flag_attribute_validate (const char *name, const char *value, GError **error);

G_END_DECLS
