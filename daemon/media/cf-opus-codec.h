/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Opus (RFC 6716) for calls, as RFC 7587 carries it over RTP: libopus at
 * 48 kHz, 20 ms frames, application VOIP.
 *
 * Encoder: always mono (every Opus receiver decodes mono, and the pipeline
 * is mono; stereo=1 is only a preference, RFC 7587 §6.1), variable bitrate
 * of CF_OPUS_DEFAULT_BITRATE unless changed, at most the peer's
 * maxaveragebitrate; in-band FEC when the peer said useinbandfec=1 (RFC
 * 7587 §3.3: FEC SHOULD NOT be sent to a receiver that cannot use it),
 * its amount driven by cf_opus_encoder_set_packet_loss(); DTX when the
 * peer said usedtx=1 or cf_opus_encoder_set_dtx() turns it on (off by
 * default); constant bitrate when it said cbr=1; audio bandwidth at most
 * what its maxplaybackrate can play (§7.1: a sender MUST NOT use a higher
 * one). Packets are 20 ms: a peer whose maxptime is below 20 is refused
 * (UNSUPPORTED), a ptime other than 20 is only a preference and ignored.
 *
 * Decoder: mono output at 48 kHz; stereo packets (which any peer may send,
 * whatever it declared) are downmixed by libopus. A payload must hold
 * exactly 20 ms. Packet loss concealment and FEC recovery are libopus'
 * (opus_decode() with no data, and with decode_fec=1).
 *
 * Errors are CF_AUDIO_CODEC_ERROR (cf-audio-codec.h). Not thread-safe;
 * encode, decode, conceal and recover never allocate. */

#include <glib.h>

#include "cf-audio-codec.h"

G_BEGIN_DECLS

#define CF_OPUS_CLOCK_RATE	48000
#define CF_OPUS_DEFAULT_BITRATE 32000  /* b/s: RFC 7587 §3.1.1's 28-40 kb/s for FB speech */
#define CF_OPUS_MIN_BITRATE	6000   /* b/s, RFC 7587 §3.1 */
#define CF_OPUS_MAX_BITRATE	510000 /* b/s */

/* The fmtp parameters of RFC 7587 §6.1 (the media type registration).
 * Defaults are the RFC's. */
typedef struct {
	guint maxplaybackrate;	    /* Hz, 8000..48000; 48000 */
	guint sprop_maxcapturerate; /* Hz, 8000..48000; 48000 */
	guint maxptime;		    /* ms, 3..120; 120 */
	guint ptime;		    /* ms, 3..120; 20 */
	guint maxaveragebitrate;    /* b/s, 6000..510000; 0 = not given */
	gboolean stereo;	    /* the receiver prefers stereo; FALSE */
	gboolean sprop_stereo;	    /* the sender is likely to send stereo; FALSE */
	gboolean cbr;		    /* the receiver prefers constant bitrate; FALSE */
	gboolean useinbandfec;	    /* the receiver can use in-band FEC; FALSE */
	gboolean usedtx;	    /* the receiver prefers DTX; FALSE */
} CfOpusFmtp;

/* Fills @fmtp with the RFC's defaults. */
void cf_opus_fmtp_init (CfOpusFmtp *fmtp);

/* Parses an a=fmtp parameter string (NULL or "" = all defaults) into
 * @ret_fmtp. Syntax and limits as cf_audio_codec_fmtp_foreach(); parameter
 * names are case-insensitive; unknown parameters are ignored (RFC 7587
 * §7.1). A known parameter's value must be a decimal integer of at most 9
 * digits and appear once, or the string is malformed (INVALID_FMTP). A
 * well-formed value outside the RFC's range is ignored and the default
 * kept (as §6.1 says for maxaveragebitrate; flags other than 0 and 1
 * likewise). @ret_fmtp is set only on success. */
gboolean cf_opus_fmtp_parse (const char *fmtp, CfOpusFmtp *ret_fmtp, GError **error);

/* Encoder. */

typedef struct _CfOpusEncoder CfOpusEncoder;

/* (transfer full) An encoder that sends to a receiver with @fmtp (NULL =
 * defaults). NULL with CF_AUDIO_CODEC_ERROR_UNSUPPORTED (maxptime < 20)
 * or _FAILED. */
CfOpusEncoder *cf_opus_encoder_new (const CfOpusFmtp *fmtp, GError **error);
/* Accepts NULL. */
void cf_opus_encoder_free (CfOpusEncoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfOpusEncoder, cf_opus_encoder_free)

/* As cf_audio_encoder_encode(): 960 samples in, one packet out, length 0
 * for a frame DTX leaves out. */
gboolean cf_opus_encoder_encode (CfOpusEncoder *self,
				 const gint16 *pcm,
				 gsize n_samples,
				 guint8 *packet,
				 gsize packet_size,
				 gsize *ret_len,
				 GError **error);
/* CF_OPUS_MIN_BITRATE..CF_OPUS_MAX_BITRATE, capped at maxaveragebitrate. */
gboolean cf_opus_encoder_set_bitrate (CfOpusEncoder *self, guint bitrate, GError **error);
guint cf_opus_encoder_get_bitrate (const CfOpusEncoder *self);
/* 0..100 (OPUS_SET_PACKET_LOSS_PERC). */
gboolean cf_opus_encoder_set_packet_loss (CfOpusEncoder *self, guint percent, GError **error);
guint cf_opus_encoder_get_packet_loss (const CfOpusEncoder *self);
gboolean cf_opus_encoder_set_dtx (CfOpusEncoder *self, gboolean enabled, GError **error);
gboolean cf_opus_encoder_get_dtx (const CfOpusEncoder *self);
gboolean cf_opus_encoder_get_fec (const CfOpusEncoder *self);

/* Decoder. */

typedef struct _CfOpusDecoder CfOpusDecoder;

/* (transfer full) A decoder for a sender with @fmtp (NULL = defaults; its
 * sprop-stereo and sprop-maxcapturerate are hints only: the output is
 * always 48 kHz mono). NULL with CF_AUDIO_CODEC_ERROR_FAILED. */
CfOpusDecoder *cf_opus_decoder_new (const CfOpusFmtp *fmtp, GError **error);
/* Accepts NULL. */
void cf_opus_decoder_free (CfOpusDecoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfOpusDecoder, cf_opus_decoder_free)

/* As cf_audio_decoder_decode(), _conceal() and _recover(). */
gboolean cf_opus_decoder_decode (CfOpusDecoder *self,
				 const guint8 *payload,
				 gsize len,
				 gint16 *pcm,
				 gsize n_samples,
				 GError **error);
gboolean
cf_opus_decoder_conceal (CfOpusDecoder *self, gint16 *pcm, gsize n_samples, GError **error);
gboolean cf_opus_decoder_recover (CfOpusDecoder *self,
				  const guint8 *next_payload,
				  gsize len,
				  gint16 *pcm,
				  gsize n_samples,
				  GError **error);

G_END_DECLS
