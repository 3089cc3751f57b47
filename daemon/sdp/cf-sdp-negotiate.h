/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cf-sdp.h"

G_BEGIN_DECLS

/* The offer/answer model (RFC 3264) on top of the SDP model.
 *
 * Three pieces:
 *
 * - CfSdpLocalMedia: what this side can do for one media stream (type,
 *   transport protocol, port, codecs in order of preference, wished
 *   direction, rtcp-mux, ptime, content, and extra attributes that later
 *   layers put into every offer and answer: ICE, SDES crypto, zrtp-hash...).
 *
 * - CfSdpNegotiator: the offer/answer state of one call (one SIP dialog):
 *   the local media streams, the o= line and its version, the m= line
 *   layout negotiated so far, and the offer in flight. It builds offers and
 *   answers and checks answers against the offer they answer. Codec
 *   negotiation is per m= line and codec-generic: audio now, video later.
 *
 * - CfSdpNegotiation: the result of one completed exchange, one CfSdpStream
 *   per m= line, from this side's point of view: chosen codec and payload
 *   types, telephone-event, peer address and port, directions both ways,
 *   rejected flag.
 *
 * Versions (RFC 3264 §8): every SDP the negotiator builds (offer or answer)
 * counts as sent. Its o= version is the previous one plus one when its
 * content differs from the SDP sent before, and the same when nothing
 * changed (a session refresh). So each re-INVITE that changes anything
 * (hold, resume, new port, new codec...) carries a new version. */

/* ---- Local media ---------------------------------------------------------- */

typedef struct _CfSdpLocalMedia CfSdpLocalMedia;

/* A stream of @type ("audio", "video"...) offered with @proto ("RTP/AVP",
 * "RTP/SAVP"...) on @port; no codecs yet; sendrecv. */
CfSdpLocalMedia *cf_sdp_local_media_new (const char *type, const char *proto, guint16 port);
/* The audio stream Confab offers: RTP/AVP, opus/48000/2 (dynamic payload
 * type, fmtp useinbandfec=1), PCMU/8000 (0), PCMA/8000 (8) and
 * telephone-event/8000 (dynamic, fmtp 0-16), in that order; sendrecv. */
CfSdpLocalMedia *cf_sdp_local_media_new_audio (guint16 port);
void cf_sdp_local_media_free (CfSdpLocalMedia *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpLocalMedia, cf_sdp_local_media_free)

const char *cf_sdp_local_media_get_media_type (const CfSdpLocalMedia *self);
/* The protocol put into new offers. */
const char *cf_sdp_local_media_get_proto (const CfSdpLocalMedia *self);
void cf_sdp_local_media_set_proto (CfSdpLocalMedia *self, const char *proto);
/* Also accept offered m= lines with @proto (answers repeat the offer's).
 * The offer protocol is always accepted. */
void cf_sdp_local_media_accept_proto (CfSdpLocalMedia *self, const char *proto);
gboolean cf_sdp_local_media_accepts_proto (const CfSdpLocalMedia *self, const char *proto);
guint16 cf_sdp_local_media_get_port (const CfSdpLocalMedia *self);
void cf_sdp_local_media_set_port (CfSdpLocalMedia *self, guint16 port);
/* An address for this stream's own c= line; NULL: the negotiator's
 * session-level address. */
void cf_sdp_local_media_set_address (CfSdpLocalMedia *self, const char *address);
/* What we want: sendrecv normally, sendonly or inactive to hold. */
CfSdpDirection cf_sdp_local_media_get_direction (const CfSdpLocalMedia *self);
void cf_sdp_local_media_set_direction (CfSdpLocalMedia *self, CfSdpDirection direction);
/* Offer a=rtcp-mux (and accept it in answers to offers that have it). */
void cf_sdp_local_media_set_rtcp_mux (CfSdpLocalMedia *self, gboolean rtcp_mux);
/* a=ptime; 0 for none. */
void cf_sdp_local_media_set_ptime (CfSdpLocalMedia *self, guint ptime);
/* a=content (RFC 4796), e.g. "slides"; NULL for none. A stream with a
 * content only answers offered m= lines with that content; one without
 * only answers m= lines without a=content or with "main". */
void cf_sdp_local_media_set_content (CfSdpLocalMedia *self, const char *content);
const char *cf_sdp_local_media_get_content (const CfSdpLocalMedia *self);

/* Appends a copy of @codec (preference order). A @codec->pt of
 * CF_SDP_PT_AUTO takes the lowest free dynamic payload type. FALSE (and
 * nothing added) when the payload type is taken or invalid, or none is free. */
gboolean cf_sdp_local_media_add_codec (CfSdpLocalMedia *self, const CfSdpCodec *codec);
guint cf_sdp_local_media_get_n_codecs (const CfSdpLocalMedia *self);
/* (transfer none) */
const CfSdpCodec *cf_sdp_local_media_get_codec (const CfSdpLocalMedia *self, guint index);
void cf_sdp_local_media_clear_codecs (CfSdpLocalMedia *self);
/* Attributes copied into this stream's m= section of every offer and
 * answer, after the ones the negotiator writes. (transfer none) */
CfSdpAttributes *cf_sdp_local_media_get_attributes (CfSdpLocalMedia *self);

/* ---- Results -------------------------------------------------------------- */

/* One m= line of a completed exchange, seen from this side. */
typedef struct {
	guint index;	   /* position of the m= line */
	char *media_type;  /* "audio", "video"... */
	char *proto;	   /* the offer's transport protocol */
	gint local_media;  /* index of the negotiator's CfSdpLocalMedia, -1 if none */
	gboolean rejected; /* port 0 on either side, or nothing in common */

	/* What we send: the first codec of the answer that both sides listed,
	 * with the payload type and fmtp of the PEER's description (the peer
	 * receives it). A stream of only telephone-event (RFC 4317 §2.4) has
	 * that here. NULL when rejected or not RTP. */
	CfSdpCodec *codec;
	/* The payload type of the same codec in OUR description. */
	guint recv_pt;
	/* What we may receive: every codec both sides listed, except
	 * telephone-event, with our payload types and fmtp, in the answer's
	 * order. (element-type CfSdpCodec) */
	GPtrArray *recv_codecs;
	/* telephone-event (RFC 4733) when both sides have it at the same rate:
	 * the payload type to send with (the peer's) and the one we receive
	 * (ours); -1 when not negotiated. */
	gint telephone_event_pt;
	gint telephone_event_recv_pt;

	/* Where to send: the peer's c= address (NULL if none) and port. */
	char *remote_address;
	guint16 remote_port;
	guint remote_ptime; /* the peer's a=ptime, 0 if none */
	gboolean rtcp_mux;  /* both sides have a=rtcp-mux */

	/* Directions as each description states them (session default applied). */
	CfSdpDirection local_direction;
	CfSdpDirection remote_direction;
	/* We may send media to the peer: not rejected, we send, the peer
	 * receives, and its address is not 0.0.0.0 or its port 0. */
	gboolean local_sends;
	/* The peer sends media to us: not rejected, it sends, we receive. */
	gboolean remote_sends;
	/* The peer holds us: it does not want our media (its direction is
	 * sendonly or inactive, or its address is 0.0.0.0). */
	gboolean remote_hold;
} CfSdpStream;

void cf_sdp_stream_free (CfSdpStream *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpStream, cf_sdp_stream_free)

typedef struct {
	GPtrArray *streams; /* (element-type CfSdpStream) one per m= line, in order */
	gboolean local_is_offerer;
	guint64 remote_version; /* the peer's o= version */
} CfSdpNegotiation;

void cf_sdp_negotiation_free (CfSdpNegotiation *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpNegotiation, cf_sdp_negotiation_free)

/* (transfer none) NULL if @index is out of range. */
const CfSdpStream *cf_sdp_negotiation_get_stream (const CfSdpNegotiation *self, guint index);
/* The first stream of @media_type that was not rejected, NULL if none.
 * (transfer none) */
const CfSdpStream *cf_sdp_negotiation_find (const CfSdpNegotiation *self, const char *media_type);

/* Works out the result of an exchange without any state: @offer and
 * @answer as sent; @local_is_offerer says which one is ours. When it is
 * the offer, @answer is remote input and is checked against it: a different
 * number of m= lines, a different media type or protocol on an m= line,
 * an accepted RTP m= line with no codec that was offered, or one without
 * a connection address give CF_SDP_ERROR_INCOMPATIBLE. Codecs an answer
 * adds beyond the offered ones are allowed (RFC 3264 §6.1) and ignored.
 * (transfer full) */
CfSdpNegotiation *cf_sdp_negotiation_new (const CfSdpSession *offer,
					  const CfSdpSession *answer,
					  gboolean local_is_offerer,
					  GError **error);

/* ---- Negotiator ----------------------------------------------------------- */

typedef struct _CfSdpNegotiator CfSdpNegotiator;

/* @username for o= ("-" if NULL); @address: this side's address for o=
 * and the session-level c= (IP6 when it contains ':'). The session id is
 * random and the first version 1; see cf_sdp_negotiator_set_origin(). */
CfSdpNegotiator *cf_sdp_negotiator_new (const char *username, const char *address);
void cf_sdp_negotiator_free (CfSdpNegotiator *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSdpNegotiator, cf_sdp_negotiator_free)

/* Sets the o= session id and the version of the first SDP (for tests and
 * for a call moved from another negotiator). */
void cf_sdp_negotiator_set_origin (CfSdpNegotiator *self, guint64 session_id, guint64 version);
guint64 cf_sdp_negotiator_get_session_id (const CfSdpNegotiator *self);
/* The version of the last SDP built (0 before the first). */
guint64 cf_sdp_negotiator_get_version (const CfSdpNegotiator *self);
const char *cf_sdp_negotiator_get_address (const CfSdpNegotiator *self);
void cf_sdp_negotiator_set_address (CfSdpNegotiator *self, const char *address);
/* Session-level attributes of every offer and answer. (transfer none) */
CfSdpAttributes *cf_sdp_negotiator_get_attributes (CfSdpNegotiator *self);

/* Adds a local stream (transfer full); returns its index. New streams are
 * appended to the next offer's m= lines. */
guint cf_sdp_negotiator_add_media (CfSdpNegotiator *self, CfSdpLocalMedia *media);
guint cf_sdp_negotiator_get_n_media (const CfSdpNegotiator *self);
/* (transfer none) */
CfSdpLocalMedia *cf_sdp_negotiator_get_media (CfSdpNegotiator *self, guint index);
/* The first local stream of @media_type, NULL if none. (transfer none) */
CfSdpLocalMedia *cf_sdp_negotiator_find_media (CfSdpNegotiator *self, const char *media_type);
/* Sets the wished direction of every local stream. */
void cf_sdp_negotiator_set_direction (CfSdpNegotiator *self, CfSdpDirection direction);

/* Builds an offer from the local streams: the m= lines negotiated so far
 * keep their positions (a line we do not use stays, rejected, with port 0),
 * streams not placed yet are appended. The offer is kept as pending until
 * cf_sdp_negotiator_process_answer() or cf_sdp_negotiator_cancel_offer();
 * a new call replaces it. (transfer full) */
CfSdpSession *cf_sdp_negotiator_create_offer (CfSdpNegotiator *self, GError **error);
gboolean cf_sdp_negotiator_has_pending_offer (const CfSdpNegotiator *self);
/* The offer was not answered (e.g. the re-INVITE failed): forget it; the
 * last completed exchange stays in force and the next SDP gets a new
 * version. */
void cf_sdp_negotiator_cancel_offer (CfSdpNegotiator *self);
/* Checks the peer's @answer against the pending offer (see
 * cf_sdp_negotiation_new()) and makes it the negotiated state. On error the
 * offer stays pending. (transfer full) */
CfSdpNegotiation *cf_sdp_negotiator_process_answer (CfSdpNegotiator *self,
						    const CfSdpSession *answer,
						    GError **error);

/* Answers the peer's @offer (RFC 3264 §6): the same number and order of m=
 * lines; each offered m= line is matched with an unused local stream of
 * the same media type, accepted protocol and content (the one it was
 * matched with before, if any); the answer lists the codecs both sides
 * have, in the offerer's order and with the offerer's payload types
 * (static 0 and 8 known without rtpmap), plus telephone-event if both have
 * it; m= lines with no matching stream or no common codec are rejected with
 * port 0. The direction is the offer's reversed, limited by our wish
 * (sendonly -> recvonly, recvonly -> sendonly, inactive -> inactive,
 * sendrecv -> our wish). Fails with CF_SDP_ERROR_NOT_ACCEPTABLE when the
 * offer has m= lines but none can be accepted (SIP 488), and with
 * CF_SDP_ERROR_STATE while our own offer is pending (glare, SIP 491).
 * @ret_result (optional) receives the negotiated result. (transfer full) */
CfSdpSession *cf_sdp_negotiator_create_answer (CfSdpNegotiator *self,
					       const CfSdpSession *offer,
					       CfSdpNegotiation **ret_result,
					       GError **error);

G_END_DECLS
