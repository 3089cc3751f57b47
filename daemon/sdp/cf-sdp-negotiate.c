/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sdp-negotiate"

#include <string.h>

#include "cf-sdp-negotiate.h"

/* ---- Local media ------------------------------------------------------------ */

struct _CfSdpLocalMedia {
	char *type;
	char *proto;
	GPtrArray *accepted_protos; /* (element-type utf8) besides proto */
	guint16 port;
	char *address;
	CfSdpDirection direction;
	gboolean rtcp_mux;
	guint ptime;
	char *content;
	GPtrArray *codecs; /* (element-type CfSdpCodec) preference order */
	CfSdpAttributes *attributes;
};

CfSdpLocalMedia *
cf_sdp_local_media_new (const char *type, const char *proto, guint16 port)
{
	CfSdpLocalMedia *self;

	g_return_val_if_fail (type != NULL && proto != NULL, NULL);

	self = g_new0 (CfSdpLocalMedia, 1);
	self->type = g_strdup (type);
	self->proto = g_strdup (proto);
	self->accepted_protos = g_ptr_array_new_with_free_func (g_free);
	self->port = port;
	self->direction = CF_SDP_DIRECTION_SENDRECV;
	self->codecs = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_codec_free);
	self->attributes = cf_sdp_attributes_new ();
	return self;
}

CfSdpLocalMedia *
cf_sdp_local_media_new_audio (guint16 port)
{
	CfSdpLocalMedia *self = cf_sdp_local_media_new ("audio", "RTP/AVP", port);
	g_autoptr (CfSdpCodec) opus =
		cf_sdp_codec_new (CF_SDP_PT_AUTO, "opus", 48000, 2, "useinbandfec=1");
	g_autoptr (CfSdpCodec) pcmu = cf_sdp_codec_new (0, "PCMU", 8000, 1, NULL);
	g_autoptr (CfSdpCodec) pcma = cf_sdp_codec_new (8, "PCMA", 8000, 1, NULL);
	g_autoptr (CfSdpCodec) events =
		cf_sdp_codec_new (CF_SDP_PT_AUTO, "telephone-event", 8000, 1, "0-16");

	cf_sdp_local_media_add_codec (self, opus);
	cf_sdp_local_media_add_codec (self, pcmu);
	cf_sdp_local_media_add_codec (self, pcma);
	cf_sdp_local_media_add_codec (self, events);
	return self;
}

void
cf_sdp_local_media_free (CfSdpLocalMedia *self)
{
	if (self == NULL)
		return;
	g_free (self->type);
	g_free (self->proto);
	g_ptr_array_unref (self->accepted_protos);
	g_free (self->address);
	g_free (self->content);
	g_ptr_array_unref (self->codecs);
	cf_sdp_attributes_free (self->attributes);
	g_free (self);
}

const char *
cf_sdp_local_media_get_media_type (const CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->type;
}

const char *
cf_sdp_local_media_get_proto (const CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->proto;
}

void
cf_sdp_local_media_set_proto (CfSdpLocalMedia *self, const char *proto)
{
	g_return_if_fail (self != NULL && proto != NULL);
	g_free (self->proto);
	self->proto = g_strdup (proto);
}

void
cf_sdp_local_media_accept_proto (CfSdpLocalMedia *self, const char *proto)
{
	g_return_if_fail (self != NULL && proto != NULL);
	if (!cf_sdp_local_media_accepts_proto (self, proto))
		g_ptr_array_add (self->accepted_protos, g_strdup (proto));
}

gboolean
cf_sdp_local_media_accepts_proto (const CfSdpLocalMedia *self, const char *proto)
{
	g_return_val_if_fail (self != NULL && proto != NULL, FALSE);

	if (g_ascii_strcasecmp (self->proto, proto) == 0)
		return TRUE;
	for (guint i = 0; i < self->accepted_protos->len; i++) {
		if (g_ascii_strcasecmp (g_ptr_array_index (self->accepted_protos, i), proto) == 0)
			return TRUE;
	}
	return FALSE;
}

guint16
cf_sdp_local_media_get_port (const CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->port;
}

void
cf_sdp_local_media_set_port (CfSdpLocalMedia *self, guint16 port)
{
	g_return_if_fail (self != NULL);
	self->port = port;
}

void
cf_sdp_local_media_set_address (CfSdpLocalMedia *self, const char *address)
{
	g_return_if_fail (self != NULL);
	g_free (self->address);
	self->address = g_strdup (address);
}

CfSdpDirection
cf_sdp_local_media_get_direction (const CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, CF_SDP_DIRECTION_INACTIVE);
	return self->direction;
}

void
cf_sdp_local_media_set_direction (CfSdpLocalMedia *self, CfSdpDirection direction)
{
	g_return_if_fail (self != NULL);
	self->direction = direction;
}

void
cf_sdp_local_media_set_rtcp_mux (CfSdpLocalMedia *self, gboolean rtcp_mux)
{
	g_return_if_fail (self != NULL);
	self->rtcp_mux = rtcp_mux;
}

void
cf_sdp_local_media_set_ptime (CfSdpLocalMedia *self, guint ptime)
{
	g_return_if_fail (self != NULL);
	self->ptime = ptime;
}

void
cf_sdp_local_media_set_content (CfSdpLocalMedia *self, const char *content)
{
	g_return_if_fail (self != NULL);
	g_free (self->content);
	self->content = g_strdup (content);
}

const char *
cf_sdp_local_media_get_content (const CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->content;
}

static gboolean
local_media_pt_used (const CfSdpLocalMedia *self, guint pt, const CfSdpCodec *except)
{
	for (guint i = 0; i < self->codecs->len; i++) {
		const CfSdpCodec *c = g_ptr_array_index (self->codecs, i);

		if (c != except && c->pt == pt)
			return TRUE;
	}
	return FALSE;
}

gboolean
cf_sdp_local_media_add_codec (CfSdpLocalMedia *self, const CfSdpCodec *codec)
{
	g_autoptr (CfSdpCodec) copy = NULL;

	g_return_val_if_fail (self != NULL && codec != NULL, FALSE);

	if (codec->encoding == NULL || codec->encoding[0] == '\0'
	    || strpbrk (codec->encoding, " /\r\n") != NULL || codec->clock_rate == 0
	    || (codec->fmtp != NULL && strpbrk (codec->fmtp, "\r\n") != NULL))
		return FALSE;
	copy = cf_sdp_codec_copy (codec);
	if (codec->pt == CF_SDP_PT_AUTO) {
		copy->pt = CF_SDP_PT_AUTO;
		for (guint pt = CF_SDP_PT_DYNAMIC_MIN; pt <= CF_SDP_PT_MAX; pt++) {
			if (!local_media_pt_used (self, pt, NULL)) {
				copy->pt = pt;
				break;
			}
		}
		if (copy->pt == CF_SDP_PT_AUTO)
			return FALSE;
	} else if (codec->pt > CF_SDP_PT_MAX || local_media_pt_used (self, codec->pt, NULL)) {
		return FALSE;
	}
	g_ptr_array_add (self->codecs, g_steal_pointer (&copy));
	return TRUE;
}

guint
cf_sdp_local_media_get_n_codecs (const CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->codecs->len;
}

const CfSdpCodec *
cf_sdp_local_media_get_codec (const CfSdpLocalMedia *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->codecs->len, NULL);
	return g_ptr_array_index (self->codecs, index);
}

void
cf_sdp_local_media_clear_codecs (CfSdpLocalMedia *self)
{
	g_return_if_fail (self != NULL);
	g_ptr_array_set_size (self->codecs, 0);
}

CfSdpAttributes *
cf_sdp_local_media_get_attributes (CfSdpLocalMedia *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->attributes;
}

/* The local codec that @remote is, NULL if none. */
static CfSdpCodec *
local_media_find_codec (const CfSdpLocalMedia *self, const CfSdpCodec *remote)
{
	for (guint i = 0; i < self->codecs->len; i++) {
		CfSdpCodec *c = g_ptr_array_index (self->codecs, i);

		if (cf_sdp_codec_matches (c, remote))
			return c;
	}
	return NULL;
}

/* ---- Results ---------------------------------------------------------------- */

void
cf_sdp_stream_free (CfSdpStream *self)
{
	if (self == NULL)
		return;
	g_free (self->media_type);
	g_free (self->proto);
	cf_sdp_codec_free (self->codec);
	g_clear_pointer (&self->recv_codecs, g_ptr_array_unref);
	g_free (self->remote_address);
	g_free (self);
}

void
cf_sdp_negotiation_free (CfSdpNegotiation *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref (self->streams);
	g_free (self);
}

const CfSdpStream *
cf_sdp_negotiation_get_stream (const CfSdpNegotiation *self, guint index)
{
	g_return_val_if_fail (self != NULL, NULL);
	if (index >= self->streams->len)
		return NULL;
	return g_ptr_array_index (self->streams, index);
}

const CfSdpStream *
cf_sdp_negotiation_find (const CfSdpNegotiation *self, const char *media_type)
{
	g_return_val_if_fail (self != NULL && media_type != NULL, NULL);

	for (guint i = 0; i < self->streams->len; i++) {
		const CfSdpStream *s = g_ptr_array_index (self->streams, i);

		if (!s->rejected && g_ascii_strcasecmp (s->media_type, media_type) == 0)
			return s;
	}
	return NULL;
}

/* The offered codec that answers @answered: the one with the same payload
 * type if it is the same codec, else the first that is. */
static const CfSdpCodec *
find_offered_codec (const GPtrArray *offered, const CfSdpCodec *answered)
{
	const CfSdpCodec *first = NULL;

	for (guint i = 0; i < offered->len; i++) {
		const CfSdpCodec *c = g_ptr_array_index (offered, i);

		if (!cf_sdp_codec_matches (c, answered))
			continue;
		if (c->pt == answered->pt)
			return c;
		if (first == NULL)
			first = c;
	}
	return first;
}

G_GNUC_PRINTF (3, 4)
static void
set_incompatible (GError **error, guint index, const char *format, ...)
{
	va_list args;
	g_autofree char *message = NULL;

	va_start (args, format);
	message = g_strdup_vprintf (format, args);
	va_end (args);
	g_set_error (error,
		     CF_SDP_ERROR,
		     CF_SDP_ERROR_INCOMPATIBLE,
		     "answer does not fit the offer: m= line %u: %s",
		     index,
		     message);
}

/* Fills in the codecs of an accepted RTP stream; FALSE if none is common. */
static gboolean
stream_negotiate_codecs (CfSdpStream *stream,
			 const CfSdpMedia *offer_media,
			 const CfSdpMedia *answer_media,
			 gboolean local_is_offerer)
{
	g_autoptr (GPtrArray) offered = cf_sdp_media_get_codecs (offer_media);
	g_autoptr (GPtrArray) answered = cf_sdp_media_get_codecs (answer_media);
	const CfSdpCodec *events_remote = NULL;
	const CfSdpCodec *events_local = NULL;

	for (guint i = 0; i < answered->len; i++) {
		const CfSdpCodec *ac = g_ptr_array_index (answered, i);
		const CfSdpCodec *oc = find_offered_codec (offered, ac);
		const CfSdpCodec *local, *remote;

		if (oc == NULL) {
			g_debug ("m= line %u: ignoring %s/%u, which was not offered",
				 stream->index,
				 ac->encoding,
				 ac->clock_rate);
			continue;
		}
		local = local_is_offerer ? oc : ac;
		remote = local_is_offerer ? ac : oc;
		if (cf_sdp_codec_is_telephone_event (ac)) {
			if (events_remote == NULL) {
				events_remote = remote;
				events_local = local;
			}
			continue;
		}
		if (stream->codec == NULL) {
			stream->codec = cf_sdp_codec_copy (remote);
			stream->recv_pt = local->pt;
		}
		g_ptr_array_add (stream->recv_codecs, cf_sdp_codec_copy (local));
	}
	if (events_remote != NULL) {
		stream->telephone_event_pt = (gint)events_remote->pt;
		stream->telephone_event_recv_pt = (gint)events_local->pt;
		/* A stream of events only (RFC 4317 §2.4). */
		if (stream->codec == NULL) {
			stream->codec = cf_sdp_codec_copy (events_remote);
			stream->recv_pt = events_local->pt;
		}
	}
	return stream->codec != NULL;
}

CfSdpNegotiation *
cf_sdp_negotiation_new (const CfSdpSession *offer,
			const CfSdpSession *answer,
			gboolean local_is_offerer,
			GError **error)
{
	g_autoptr (CfSdpNegotiation) result = NULL;
	const CfSdpSession *local_sdp = local_is_offerer ? offer : answer;
	const CfSdpSession *remote_sdp = local_is_offerer ? answer : offer;
	guint n = cf_sdp_session_get_n_media (offer);

	g_return_val_if_fail (offer != NULL && answer != NULL, NULL);

	if (cf_sdp_session_get_n_media (answer) != n) {
		g_set_error (error,
			     CF_SDP_ERROR,
			     CF_SDP_ERROR_INCOMPATIBLE,
			     "answer has %u m= lines, the offer %u",
			     cf_sdp_session_get_n_media (answer),
			     n);
		return NULL;
	}

	result = g_new0 (CfSdpNegotiation, 1);
	result->streams = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_stream_free);
	result->local_is_offerer = local_is_offerer;
	result->remote_version = cf_sdp_session_get_origin_version (remote_sdp);

	for (guint i = 0; i < n; i++) {
		const CfSdpMedia *om = cf_sdp_session_peek_media (offer, i);
		const CfSdpMedia *am = cf_sdp_session_peek_media (answer, i);
		const CfSdpMedia *remote_media = local_is_offerer ? am : om;
		const CfSdpConnection *remote_conn;
		CfSdpStream *s = g_new0 (CfSdpStream, 1);
		gboolean unspecified;

		g_ptr_array_add (result->streams, s);
		s->index = i;
		s->media_type = g_strdup (cf_sdp_media_get_media_type (om));
		s->proto = g_strdup (cf_sdp_media_get_proto (om));
		s->local_media = -1;
		s->recv_codecs = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_codec_free);
		s->telephone_event_pt = -1;
		s->telephone_event_recv_pt = -1;
		s->local_direction = cf_sdp_session_get_media_direction (local_sdp, i);
		s->remote_direction = cf_sdp_session_get_media_direction (remote_sdp, i);

		if (g_ascii_strcasecmp (cf_sdp_media_get_media_type (om),
					cf_sdp_media_get_media_type (am))
		    != 0) {
			set_incompatible (error,
					  i,
					  "media type %s instead of %s",
					  cf_sdp_media_get_media_type (am),
					  s->media_type);
			return NULL;
		}
		s->rejected = cf_sdp_media_is_rejected (om) || cf_sdp_media_is_rejected (am);
		if (s->rejected)
			continue;
		if (g_ascii_strcasecmp (cf_sdp_media_get_proto (om), cf_sdp_media_get_proto (am))
		    != 0) {
			set_incompatible (error,
					  i,
					  "protocol %s instead of %s",
					  cf_sdp_media_get_proto (am),
					  s->proto);
			return NULL;
		}
		remote_conn = cf_sdp_session_get_media_connection (remote_sdp, i);
		if (remote_conn == NULL) {
			if (local_is_offerer) {
				set_incompatible (error, i, "no connection address");
				return NULL;
			}
			s->rejected = TRUE;
			continue;
		}
		if (cf_sdp_media_is_rtp (om)
		    && !stream_negotiate_codecs (s, om, am, local_is_offerer)) {
			if (local_is_offerer) {
				set_incompatible (error, i, "no codec that was offered");
				return NULL;
			}
			s->rejected = TRUE;
			continue;
		}
		s->remote_address = g_strdup (remote_conn->address);
		s->remote_port = cf_sdp_media_get_port (remote_media);
		s->remote_ptime = cf_sdp_media_get_ptime (remote_media);
		s->rtcp_mux = cf_sdp_media_get_rtcp_mux (om) && cf_sdp_media_get_rtcp_mux (am);

		unspecified = cf_sdp_connection_is_unspecified (remote_conn);
		s->local_sends = cf_sdp_direction_sends (s->local_direction)
				 && cf_sdp_direction_receives (s->remote_direction) && !unspecified;
		s->remote_sends = cf_sdp_direction_sends (s->remote_direction)
				  && cf_sdp_direction_receives (s->local_direction);
		s->remote_hold = !cf_sdp_direction_receives (s->remote_direction) || unspecified;
	}
	return g_steal_pointer (&result);
}

/* ---- Negotiator ----------------------------------------------------------- */

/* One m= line of the session as negotiated so far. */
typedef struct {
	char *media_type;
	char *proto;
	char *format; /* for a rejected line in a later offer */
	gint local;   /* local media index, -1 if none */
} Slot;

static void
slot_free (gpointer data)
{
	Slot *slot = data;

	g_free (slot->media_type);
	g_free (slot->proto);
	g_free (slot->format);
	g_free (slot);
}

static Slot *
slot_new (const CfSdpMedia *media, gint local)
{
	Slot *slot = g_new0 (Slot, 1);

	slot->media_type = g_strdup (cf_sdp_media_get_media_type (media));
	slot->proto = g_strdup (cf_sdp_media_get_proto (media));
	slot->format = g_strdup (
		cf_sdp_media_get_n_formats (media) > 0 ? cf_sdp_media_get_format (media, 0) : "0");
	slot->local = local;
	return slot;
}

struct _CfSdpNegotiator {
	char *username;
	char *address;
	guint64 session_id;
	guint64 first_version;
	guint64 version; /* of the last SDP built */
	gboolean built_any;
	char *last_sent; /* the last SDP built, printed; NULL after a cancel */
	CfSdpAttributes *attributes;
	GPtrArray *local;  /* (element-type CfSdpLocalMedia) */
	GPtrArray *layout; /* (element-type Slot) */
	CfSdpSession *pending_offer;
	GPtrArray *pending_layout;
};

CfSdpNegotiator *
cf_sdp_negotiator_new (const char *username, const char *address)
{
	CfSdpNegotiator *self;

	g_return_val_if_fail (address != NULL, NULL);

	self = g_new0 (CfSdpNegotiator, 1);
	/* o= username is a non-ws-string */
	if (username == NULL || username[0] == '\0' || strpbrk (username, " \t\r\n") != NULL)
		username = "-";
	self->username = g_strdup (username);
	self->address = g_strdup (address);
	/* A random id below 2^62, as many phones write it. */
	self->session_id = (((guint64)g_random_int () << 30) ^ g_random_int ())
			   & G_GUINT64_CONSTANT (0x3fffffffffffffff);
	self->first_version = 1;
	self->attributes = cf_sdp_attributes_new ();
	self->local = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_local_media_free);
	self->layout = g_ptr_array_new_with_free_func (slot_free);
	return self;
}

void
cf_sdp_negotiator_free (CfSdpNegotiator *self)
{
	if (self == NULL)
		return;
	g_free (self->username);
	g_free (self->address);
	g_free (self->last_sent);
	cf_sdp_attributes_free (self->attributes);
	g_ptr_array_unref (self->local);
	g_ptr_array_unref (self->layout);
	cf_sdp_session_free (self->pending_offer);
	g_clear_pointer (&self->pending_layout, g_ptr_array_unref);
	g_free (self);
}

void
cf_sdp_negotiator_set_origin (CfSdpNegotiator *self, guint64 session_id, guint64 version)
{
	g_return_if_fail (self != NULL);
	self->session_id = session_id;
	self->first_version = version;
	self->version = 0;
	self->built_any = FALSE;
	g_clear_pointer (&self->last_sent, g_free);
}

guint64
cf_sdp_negotiator_get_session_id (const CfSdpNegotiator *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->session_id;
}

guint64
cf_sdp_negotiator_get_version (const CfSdpNegotiator *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->built_any ? self->version : 0;
}

const char *
cf_sdp_negotiator_get_address (const CfSdpNegotiator *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->address;
}

void
cf_sdp_negotiator_set_address (CfSdpNegotiator *self, const char *address)
{
	g_return_if_fail (self != NULL && address != NULL);
	g_free (self->address);
	self->address = g_strdup (address);
}

CfSdpAttributes *
cf_sdp_negotiator_get_attributes (CfSdpNegotiator *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return self->attributes;
}

guint
cf_sdp_negotiator_add_media (CfSdpNegotiator *self, CfSdpLocalMedia *media)
{
	g_return_val_if_fail (self != NULL && media != NULL, 0);
	g_ptr_array_add (self->local, media);
	return self->local->len - 1;
}

guint
cf_sdp_negotiator_get_n_media (const CfSdpNegotiator *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->local->len;
}

CfSdpLocalMedia *
cf_sdp_negotiator_get_media (CfSdpNegotiator *self, guint index)
{
	g_return_val_if_fail (self != NULL && index < self->local->len, NULL);
	return g_ptr_array_index (self->local, index);
}

CfSdpLocalMedia *
cf_sdp_negotiator_find_media (CfSdpNegotiator *self, const char *media_type)
{
	g_return_val_if_fail (self != NULL && media_type != NULL, NULL);

	for (guint i = 0; i < self->local->len; i++) {
		CfSdpLocalMedia *lm = g_ptr_array_index (self->local, i);

		if (g_ascii_strcasecmp (lm->type, media_type) == 0)
			return lm;
	}
	return NULL;
}

void
cf_sdp_negotiator_set_direction (CfSdpNegotiator *self, CfSdpDirection direction)
{
	g_return_if_fail (self != NULL);

	for (guint i = 0; i < self->local->len; i++)
		cf_sdp_local_media_set_direction (g_ptr_array_index (self->local, i), direction);
}

gboolean
cf_sdp_negotiator_has_pending_offer (const CfSdpNegotiator *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->pending_offer != NULL;
}

void
cf_sdp_negotiator_cancel_offer (CfSdpNegotiator *self)
{
	g_return_if_fail (self != NULL);

	g_clear_pointer (&self->pending_offer, cf_sdp_session_free);
	g_clear_pointer (&self->pending_layout, g_ptr_array_unref);
	/* The peer may have seen the offer: never reuse its version. */
	g_clear_pointer (&self->last_sent, g_free);
}

/* o=, s=, c=, t= and the session attributes; NULL if the address or
 * username do not fit into SDP. */
static CfSdpSession *
negotiator_new_session (CfSdpNegotiator *self, GError **error)
{
	g_autoptr (CfSdpSession) sdp = cf_sdp_session_new ();
	g_autoptr (CfSdpConnection) conn = NULL;
	g_autofree char *id = g_strdup_printf ("%" G_GUINT64_FORMAT, self->session_id);

	conn = cf_sdp_connection_new ("IN", NULL, self->address);
	if (!cf_sdp_session_set_origin (sdp, self->username, id, 0, conn)) {
		g_set_error (error,
			     CF_SDP_ERROR,
			     CF_SDP_ERROR_INVALID,
			     "cannot describe local address '%s' in SDP",
			     self->address);
		return NULL;
	}
	cf_sdp_session_set_connection (sdp, conn);
	cf_sdp_attributes_extend (cf_sdp_session_get_attributes (sdp), self->attributes);
	return g_steal_pointer (&sdp);
}

/* The m= section for local stream @lm with @codecs (in that order). */
static CfSdpMedia *
negotiator_build_media (CfSdpLocalMedia *lm,
			const char *proto,
			const GPtrArray *codecs,
			CfSdpDirection direction,
			gboolean rtcp_mux,
			GError **error)
{
	g_autoptr (CfSdpMedia) media = NULL;

	if (!cf_sdp_is_token (lm->type) || !cf_sdp_is_proto (proto)) {
		g_set_error (error,
			     CF_SDP_ERROR,
			     CF_SDP_ERROR_INVALID,
			     "local stream '%s' '%s' cannot be described in SDP",
			     lm->type,
			     proto);
		return NULL;
	}
	media = cf_sdp_media_new (lm->type, lm->port, proto);
	if (codecs->len == 0) {
		g_set_error (error,
			     CF_SDP_ERROR,
			     CF_SDP_ERROR_INVALID,
			     "local %s stream has no codecs",
			     lm->type);
		return NULL;
	}
	if (lm->address != NULL) {
		g_autoptr (CfSdpConnection) conn = cf_sdp_connection_new ("IN", NULL, lm->address);

		if (!cf_sdp_media_set_connection (media, conn)) {
			g_set_error (error,
				     CF_SDP_ERROR,
				     CF_SDP_ERROR_INVALID,
				     "cannot describe local address '%s' in SDP",
				     lm->address);
			return NULL;
		}
	}
	for (guint i = 0; i < codecs->len; i++) {
		const CfSdpCodec *codec = g_ptr_array_index (codecs, i);

		if (!cf_sdp_media_add_codec (media, codec)) {
			g_set_error (error,
				     CF_SDP_ERROR,
				     CF_SDP_ERROR_INVALID,
				     "codec %s/%u cannot be described in SDP",
				     codec->encoding,
				     codec->clock_rate);
			return NULL;
		}
	}
	if (lm->ptime > 0)
		cf_sdp_media_set_ptime (media, lm->ptime);
	if (rtcp_mux)
		cf_sdp_media_set_rtcp_mux (media, TRUE);
	if (lm->content != NULL)
		cf_sdp_media_set_content (media, lm->content);
	cf_sdp_media_set_direction (media, direction);
	cf_sdp_attributes_extend (cf_sdp_media_get_attributes (media), lm->attributes);
	return g_steal_pointer (&media);
}

/* A rejected m= section (port 0) of @type and @proto with the given formats. */
static CfSdpMedia *
rejected_media (const char *type,
		const char *proto,
		const CfSdpMedia *formats_from,
		const char *format)
{
	CfSdpMedia *media = cf_sdp_media_new (type, 0, proto);

	if (formats_from != NULL) {
		for (guint i = 0; i < cf_sdp_media_get_n_formats (formats_from); i++)
			cf_sdp_media_add_format (media, cf_sdp_media_get_format (formats_from, i));
	} else {
		cf_sdp_media_add_format (media, format);
	}
	return media;
}

/* Sets the o= version of @sdp (RFC 3264 §8) and remembers it as sent. */
static void
negotiator_stamp (CfSdpNegotiator *self, CfSdpSession *sdp)
{
	if (!self->built_any) {
		self->version = self->first_version;
		self->built_any = TRUE;
	} else {
		g_autofree char *text = NULL;

		cf_sdp_session_set_origin_version (sdp, self->version);
		text = cf_sdp_session_print (sdp);
		if (self->last_sent == NULL || !g_str_equal (text, self->last_sent))
			self->version++;
	}
	cf_sdp_session_set_origin_version (sdp, self->version);
	g_free (self->last_sent);
	self->last_sent = cf_sdp_session_print (sdp);
}

/* The first m= line of @layout that no local stream uses, -1 if none. */
static gint
layout_find_free (const GPtrArray *layout)
{
	for (guint i = 0; i < layout->len; i++) {
		if (((const Slot *)g_ptr_array_index (layout, i))->local < 0)
			return (gint)i;
	}
	return -1;
}

CfSdpSession *
cf_sdp_negotiator_create_offer (CfSdpNegotiator *self, GError **error)
{
	g_autoptr (CfSdpSession) sdp = NULL;
	g_autoptr (GPtrArray) layout = g_ptr_array_new_with_free_func (slot_free);
	g_autoptr (GPtrArray) medias = NULL;
	g_autofree gboolean *placed = NULL;

	g_return_val_if_fail (self != NULL, NULL);

	sdp = negotiator_new_session (self, error);
	if (sdp == NULL)
		return NULL;
	medias = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_media_free);
	placed = g_new0 (gboolean, self->local->len + 1);

	/* RFC 3264 §8: the m= lines of the session keep their places. */
	for (guint i = 0; i < self->layout->len; i++) {
		const Slot *slot = g_ptr_array_index (self->layout, i);
		CfSdpMedia *media;
		gint local = slot->local;

		if (local >= 0 && !placed[local]) {
			CfSdpLocalMedia *lm = g_ptr_array_index (self->local, local);
			const char *proto = cf_sdp_local_media_accepts_proto (lm, slot->proto)
						    ? slot->proto
						    : lm->proto;

			media = negotiator_build_media (
				lm, proto, lm->codecs, lm->direction, lm->rtcp_mux, error);
			if (media == NULL)
				return NULL;
			placed[local] = TRUE;
		} else {
			media = rejected_media (slot->media_type, slot->proto, NULL, slot->format);
			local = -1;
		}
		g_ptr_array_add (layout, slot_new (media, local));
		g_ptr_array_add (medias, media);
	}
	/* New streams go at the end; when there is no room, into an unused
	 * line (RFC 3264 §8.1 allows reusing a line with port 0). */
	for (guint k = 0; k < self->local->len; k++) {
		CfSdpLocalMedia *lm = g_ptr_array_index (self->local, k);
		CfSdpMedia *media;
		gint reuse = -1;

		if (placed[k])
			continue;
		if (medias->len >= CF_SDP_MAX_MEDIA) {
			reuse = layout_find_free (layout);
			if (reuse < 0) {
				g_set_error (error,
					     CF_SDP_ERROR,
					     CF_SDP_ERROR_LIMIT,
					     "an offer cannot have more than %u m= lines",
					     CF_SDP_MAX_MEDIA);
				return NULL;
			}
		}
		media = negotiator_build_media (
			lm, lm->proto, lm->codecs, lm->direction, lm->rtcp_mux, error);
		if (media == NULL)
			return NULL;
		if (reuse < 0) {
			g_ptr_array_add (layout, slot_new (media, (gint)k));
			g_ptr_array_add (medias, media);
		} else {
			slot_free (g_ptr_array_index (layout, reuse));
			g_ptr_array_index (layout, reuse) = slot_new (media, (gint)k);
			cf_sdp_media_free (g_ptr_array_index (medias, reuse));
			g_ptr_array_index (medias, reuse) = media;
		}
	}
	for (guint i = 0; i < medias->len; i++)
		cf_sdp_session_add_media (sdp, g_steal_pointer (&g_ptr_array_index (medias, i)));

	negotiator_stamp (self, sdp);
	cf_sdp_session_free (self->pending_offer);
	self->pending_offer = cf_sdp_session_copy (sdp);
	g_clear_pointer (&self->pending_layout, g_ptr_array_unref);
	self->pending_layout = g_steal_pointer (&layout);
	return g_steal_pointer (&sdp);
}

CfSdpNegotiation *
cf_sdp_negotiator_process_answer (CfSdpNegotiator *self, const CfSdpSession *answer, GError **error)
{
	g_autoptr (CfSdpNegotiation) result = NULL;

	g_return_val_if_fail (self != NULL && answer != NULL, NULL);

	if (self->pending_offer == NULL) {
		g_set_error_literal (
			error, CF_SDP_ERROR, CF_SDP_ERROR_STATE, "an answer without an offer");
		return NULL;
	}
	result = cf_sdp_negotiation_new (self->pending_offer, answer, TRUE, error);
	if (result == NULL)
		return NULL;
	for (guint i = 0; i < result->streams->len; i++) {
		CfSdpStream *s = g_ptr_array_index (result->streams, i);
		const Slot *slot = g_ptr_array_index (self->pending_layout, i);

		s->local_media = slot->local;
	}
	g_ptr_array_unref (self->layout);
	self->layout = g_steal_pointer (&self->pending_layout);
	g_clear_pointer (&self->pending_offer, cf_sdp_session_free);
	return g_steal_pointer (&result);
}

/* Can local stream @lm answer the offered @om? */
static gboolean
local_media_fits (const CfSdpLocalMedia *lm, const CfSdpMedia *om)
{
	if (g_ascii_strcasecmp (lm->type, cf_sdp_media_get_media_type (om)) != 0)
		return FALSE;
	if (!cf_sdp_media_is_rtp (om)
	    || !cf_sdp_local_media_accepts_proto (lm, cf_sdp_media_get_proto (om)))
		return FALSE;
	if (lm->content != NULL)
		return cf_sdp_media_has_content (om, lm->content);
	return cf_sdp_media_get_content (om) == NULL || cf_sdp_media_has_content (om, "main");
}

/* The codecs to answer @om with: the offered ones we have, in the offer's
 * order and with its payload types, with our fmtp; telephone-event once.
 * Empty unless there is at least one codec besides telephone-event. */
static GPtrArray *
answer_codecs (const CfSdpLocalMedia *lm, const CfSdpMedia *om)
{
	g_autoptr (GPtrArray) offered = cf_sdp_media_get_codecs (om);
	GPtrArray *codecs = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_sdp_codec_free);
	gboolean have_events = FALSE, have_codec = FALSE;

	for (guint i = 0; i < offered->len; i++) {
		const CfSdpCodec *oc = g_ptr_array_index (offered, i);
		const CfSdpCodec *lc = local_media_find_codec (lm, oc);

		if (lc == NULL)
			continue;
		if (cf_sdp_codec_is_telephone_event (oc)) {
			if (have_events)
				continue;
			have_events = TRUE;
		} else {
			have_codec = TRUE;
		}
		g_ptr_array_add (
			codecs,
			cf_sdp_codec_new (
				oc->pt, oc->encoding, oc->clock_rate, oc->channels, lc->fmtp));
	}
	if (!have_codec)
		g_ptr_array_set_size (codecs, 0);
	return codecs;
}

/* After answering: take over the offerer's dynamic payload types for our
 * codecs, so that later offers keep the mapping (RFC 3264 §8.3.2). */
static void
local_media_learn_payload_types (CfSdpLocalMedia *lm, const GPtrArray *answered)
{
	for (guint i = 0; i < answered->len; i++) {
		const CfSdpCodec *ac = g_ptr_array_index (answered, i);
		CfSdpCodec *lc = local_media_find_codec (lm, ac);

		if (lc == NULL || lc->pt == ac->pt || lc->pt < CF_SDP_PT_DYNAMIC_MIN
		    || ac->pt < CF_SDP_PT_DYNAMIC_MIN || local_media_pt_used (lm, ac->pt, lc))
			continue;
		g_debug ("%s payload type %u -> %u", lc->encoding, lc->pt, ac->pt);
		lc->pt = ac->pt;
	}
}

CfSdpSession *
cf_sdp_negotiator_create_answer (CfSdpNegotiator *self,
				 const CfSdpSession *offer,
				 CfSdpNegotiation **ret_result,
				 GError **error)
{
	g_autoptr (CfSdpSession) sdp = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GPtrArray) layout = g_ptr_array_new_with_free_func (slot_free);
	g_autoptr (GPtrArray) chosen =
		g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
	g_autofree gboolean *used = NULL;
	guint n;
	gboolean accepted_any = FALSE, all_disabled = TRUE;

	g_return_val_if_fail (self != NULL && offer != NULL, NULL);

	if (self->pending_offer != NULL) {
		g_set_error_literal (error,
				     CF_SDP_ERROR,
				     CF_SDP_ERROR_STATE,
				     "an offer arrived while ours is pending");
		return NULL;
	}
	sdp = negotiator_new_session (self, error);
	if (sdp == NULL)
		return NULL;
	used = g_new0 (gboolean, self->local->len + 1);
	n = cf_sdp_session_get_n_media (offer);

	for (guint i = 0; i < n; i++) {
		const CfSdpMedia *om = cf_sdp_session_peek_media (offer, i);
		g_autoptr (GPtrArray) codecs = NULL;
		CfSdpMedia *media = NULL;
		gint local = -1;

		if (!cf_sdp_media_is_rejected (om))
			all_disabled = FALSE;
		if (!cf_sdp_media_is_rejected (om)
		    && cf_sdp_session_get_media_connection (offer, i) != NULL) {
			gint previous = -1;

			if (i < self->layout->len)
				previous =
					((const Slot *)g_ptr_array_index (self->layout, i))->local;
			/* The stream this line had before first, then any other. */
			for (gint k = -1; k < (gint)self->local->len && local < 0; k++) {
				gint candidate = k < 0 ? previous : k;
				CfSdpLocalMedia *lm;

				if (candidate < 0 || used[candidate])
					continue;
				lm = g_ptr_array_index (self->local, candidate);
				if (!local_media_fits (lm, om))
					continue;
				codecs = answer_codecs (lm, om);
				if (codecs->len > 0)
					local = candidate;
				else
					g_clear_pointer (&codecs, g_ptr_array_unref);
			}
		}
		if (local >= 0) {
			CfSdpLocalMedia *lm = g_ptr_array_index (self->local, local);
			CfSdpDirection offered = cf_sdp_session_get_media_direction (offer, i);
			/* RFC 3264 §6.1: the offer's direction reversed, as far as we want it. */
			CfSdpDirection direction = cf_sdp_direction_make (
				cf_sdp_direction_sends (lm->direction)
					&& cf_sdp_direction_receives (offered),
				cf_sdp_direction_receives (lm->direction)
					&& cf_sdp_direction_sends (offered));

			media = negotiator_build_media (lm,
							cf_sdp_media_get_proto (om),
							codecs,
							direction,
							lm->rtcp_mux
								&& cf_sdp_media_get_rtcp_mux (om),
							error);
			if (media == NULL)
				return NULL;
			used[local] = TRUE;
			accepted_any = TRUE;
			g_ptr_array_add (chosen, g_steal_pointer (&codecs));
		} else {
			media = rejected_media (cf_sdp_media_get_media_type (om),
						cf_sdp_media_get_proto (om),
						om,
						NULL);
			g_ptr_array_add (chosen, g_ptr_array_new ());
		}
		g_ptr_array_add (layout, slot_new (media, local));
		cf_sdp_session_add_media (sdp, media);
	}

	if (n > 0 && !accepted_any && !all_disabled) {
		g_set_error_literal (error,
				     CF_SDP_ERROR,
				     CF_SDP_ERROR_NOT_ACCEPTABLE,
				     "no offered media stream can be accepted");
		return NULL;
	}
	result = cf_sdp_negotiation_new (offer, sdp, FALSE, error);
	if (result == NULL)
		return NULL;

	/* Success: commit. */
	for (guint i = 0; i < n; i++) {
		const Slot *slot = g_ptr_array_index (layout, i);
		CfSdpStream *s = g_ptr_array_index (result->streams, i);

		s->local_media = slot->local;
		if (slot->local >= 0)
			local_media_learn_payload_types (
				g_ptr_array_index (self->local, slot->local),
				g_ptr_array_index (chosen, i));
	}
	negotiator_stamp (self, sdp);
	g_ptr_array_unref (self->layout);
	self->layout = g_steal_pointer (&layout);
	if (ret_result != NULL)
		*ret_result = g_steal_pointer (&result);
	return g_steal_pointer (&sdp);
}
