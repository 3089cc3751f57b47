/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A call's media, seen from the call (main thread): it owns the transport
 * and the audio stream on the media thread, puts the SRTP keys (SDES, RFC
 * 4568) into our offers and answers, and starts, changes and stops the
 * audio as the offer/answer exchanges complete.
 *
 * Transport: ICE (libnice) when configured and the peer offers or answers
 * it, else plain RTP/UDP on the call's local address (RFC 3264); rtcp-mux.
 * Encryption: SRTP with SDES keys: we offer AEAD_AES_128_GCM and
 * AES_CM_128_HMAC_SHA1_80 on RTP/SAVP; with allow_plain the offer is
 * RTP/AVP with the same a=crypto lines (best effort), and an answer or
 * offer without keys gives plain RTP.
 *
 * In-band keying (ZRTP, RFC 6189): with cf_media_session_set_inband_keying()
 * before the exchange that starts the media, no SDES key is needed, the
 * transport runs but nothing is sent and received RTP is dropped until
 * cf_media_session_set_srtp() gives the keys (R5: no media before the keys).
 * The key agreement's own packets go out with cf_media_session_send_inband()
 * and come in as ::inband-packet.
 *
 * Signals (main thread): ::media-started (the first packet arrived),
 * ::media-timeout (nothing arrived for media_timeout seconds while the peer
 * should be sending), ::dtmf-received (const char *digit), ::inband-packet
 * (GBytes *packet: received, neither RTP nor RTCP), ::transport-connected
 * (once: the transport can send, ICE found a working pair or plain RTP knows
 * the peer's address). */

#include <glib-object.h>

#include "cf-audio-stream.h"
#include "cf-sdp-negotiate.h"

G_BEGIN_DECLS

/* The largest in-band key agreement packet taken (ZRTP's limit is 3 KiB). */
#define CF_MEDIA_MAX_INBAND_PACKET 4096

#define CF_MEDIA_ERROR (cf_media_error_quark ())
GQuark cf_media_error_quark (void);

typedef struct {
	const char *local_address; /* an IP literal: where RTP is bound */
	/* ICE (RFC 8445): offer and accept it. Candidates are gathered on
	 * @local_addresses (NULL or empty: @local_address alone) and through
	 * the STUN and TURN servers. */
	gboolean ice;
	gboolean controlling;      /* we offer: the controlling agent */
	const char *const *local_addresses;
	const char *stun_server;
	const char *turn_server;
	const char *turn_username;
	const char *turn_password;
	const char *source;        /* PipeWire node names; NULL: the defaults */
	const char *sink;
	const char *name_suffix;   /* for our PipeWire node names, e.g. the call id */
	gboolean allow_plain;      /* plain RTP is acceptable */
	guint media_timeout;       /* seconds; 0: never */
} CfMediaConfig;

typedef enum {
	CF_MEDIA_ENCRYPTION_NONE, /* plain RTP */
	CF_MEDIA_ENCRYPTION_SDES, /* SRTP keyed by SDES */
	CF_MEDIA_ENCRYPTION_INBAND, /* SRTP keyed in the media path (ZRTP) */
} CfMediaEncryption;

#define CF_TYPE_MEDIA_SESSION (cf_media_session_get_type ())
G_DECLARE_FINAL_TYPE (CfMediaSession, cf_media_session, CF, MEDIA_SESSION, GObject)

/* Binds the RTP port and gathers the ICE candidates on the media thread;
 * @callback runs on the caller's thread-default main context when they are
 * there (cf_media_session_new_finish()). @config is used before this returns. */
void cf_media_session_new_async (const CfMediaConfig *config,
				 GCancellable *cancellable,
				 GAsyncReadyCallback callback,
				 gpointer user_data);
/* (transfer full) NULL and @error when the transport could not be made. */
CfMediaSession *cf_media_session_new_finish (GAsyncResult *result, GError **error);

guint16 cf_media_session_get_port (CfMediaSession *self);

/* Our side of an offer: the profile and a=crypto lines of @audio. */
gboolean cf_media_session_prepare_offer (CfMediaSession *self, CfSdpLocalMedia *audio, GError **error);

/* Our side of the answer to @offer: chooses one of its a=crypto lines and
 * puts ours in @audio. Fails (SIP 488) when the offer has no usable key and
 * plain RTP is not allowed. */
gboolean cf_media_session_prepare_answer (CfMediaSession *self,
					  const CfSdpSession *offer,
					  CfSdpLocalMedia *audio,
					  GError **error);

/* After an exchange completed: starts the audio with @result (the
 * negotiated streams) and @remote (the peer's description of it, the
 * answer if we offered, else the offer), or changes its directions when it
 * runs already (hold, resume). @local_offerer says who offered. */
gboolean cf_media_session_apply (CfMediaSession *self,
				 const CfSdpNegotiation *result,
				 const CfSdpSession *remote,
				 gboolean local_offerer,
				 GError **error);

/* Before the media starts: whether an in-band key agreement keys the SRTP.
 * Answering, set it before cf_media_session_prepare_answer(): an offer
 * without SDES keys is then acceptable. */
void cf_media_session_set_inband_keying (CfMediaSession *self, gboolean inband);
gboolean cf_media_session_get_inband_keying (CfMediaSession *self);
/* ::transport-connected was emitted. */
gboolean cf_media_session_is_transport_connected (CfMediaSession *self);
/* Sends one key-agreement packet on the media transport (asynchronously;
 * dropped while the transport cannot send). */
void cf_media_session_send_inband (CfMediaSession *self, GBytes *packet);
/* The keys of the in-band agreement: takes @tx and @rx (transfer full); the
 * audio starts flowing. */
void cf_media_session_set_srtp (CfMediaSession *self, CfSrtpSession *tx, CfSrtpSession *rx);

/* While we hold the call nothing is sent, whatever the SDP allows. */
void cf_media_session_set_held (CfMediaSession *self, gboolean held);
/* While muted, silence is sent in place of the microphone. */
void cf_media_session_set_muted (CfMediaSession *self, gboolean muted);
/* Sends DTMF digits as RFC 4733 events; fails when telephone-event was not
 * agreed, for a bad digit, or with too many queued. */
gboolean cf_media_session_send_dtmf (CfMediaSession *self, const char *digits, GError **error);
gboolean cf_media_session_has_dtmf (CfMediaSession *self);
/* The media runs over ICE (both sides do ICE), not plain RTP. */
gboolean cf_media_session_uses_ice (CfMediaSession *self);
/* Stops the audio and closes the transport. */
void cf_media_session_stop (CfMediaSession *self);

gboolean cf_media_session_is_running (CfMediaSession *self);
CfMediaEncryption cf_media_session_get_encryption (CfMediaSession *self);
void cf_media_session_get_stats (CfMediaSession *self, CfAudioStreamStats *ret_stats);

G_END_DECLS
