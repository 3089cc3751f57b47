/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Audio codecs for calls behind one interface: Opus (RFC 7587) and G.711
 * PCMU/PCMA (RFC 3551 §4.5.14, ITU-T G.711).
 *
 * The daemon's audio pipeline is 48 kHz mono signed 16-bit, in frames of
 * 20 ms (CF_AUDIO_CODEC_FRAME_SAMPLES = 960 samples), whatever the codec.
 * An encoder takes one such frame and makes one RTP payload; a decoder takes
 * one RTP payload and makes one such frame. Any resampling (G.711 runs at
 * 8 kHz) and channel mapping (Opus is always signalled as stereo) happens
 * inside the codec objects.
 *
 * Both are created from what SDP negotiated for the payload type: the
 * encoding name of a=rtpmap (case-insensitive: "opus", "PCMU", "PCMA"), its
 * clock rate and channel count (0 = not given), and the a=fmtp parameter
 * string (or NULL). Pass the REMOTE party's fmtp to both: its receive
 * preferences (stereo, maxaveragebitrate, useinbandfec, usedtx,
 * maxplaybackrate, cbr, maxptime) shape what the encoder sends it, and its
 * sender hints (sprop-stereo, sprop-maxcapturerate) are what the decoder
 * may expect (RFC 7587 §7.1: the parameters are unidirectional).
 *
 * The decoder serves the jitter buffer's three cases (see
 * cf-jitter-buffer.h): decode a packet (PLAY), conceal a lost frame
 * (CONCEAL), and recover a lost frame from the in-band FEC of the packet
 * that follows it (FEC; codecs without FEC conceal instead).
 *
 * All buffers are allocated when an object is created; encoding, decoding
 * and concealing never allocate (except a GError on failure), never log and
 * never block. The objects are not thread-safe: one thread (the media
 * thread) uses each.
 *
 * Hard limits on remote input: a payload is at most CF_AUDIO_CODEC_MAX_PACKET
 * bytes and must hold exactly one 20 ms frame; an fmtp string is at most
 * CF_AUDIO_CODEC_MAX_FMTP bytes with at most CF_AUDIO_CODEC_MAX_FMTP_PARAMS
 * parameters. Anything else is refused with a CF_AUDIO_CODEC_ERROR. */

#include <glib.h>

G_BEGIN_DECLS

#define CF_AUDIO_CODEC_ERROR (cf_audio_codec_error_quark ())
GQuark cf_audio_codec_error_quark (void);

typedef enum {
	CF_AUDIO_CODEC_ERROR_UNSUPPORTED,      /* unknown codec, clock rate or channel count, or
						* parameters Confab cannot honour */
	CF_AUDIO_CODEC_ERROR_INVALID_FMTP,     /* a malformed or oversized fmtp string */
	CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT, /* a setting out of range, a NULL buffer */
	CF_AUDIO_CODEC_ERROR_FRAME_SIZE,       /* PCM not 960 samples, or a payload that is not
						* exactly one 20 ms frame */
	CF_AUDIO_CODEC_ERROR_TOO_LARGE,	       /* a payload larger than CF_AUDIO_CODEC_MAX_PACKET */
	CF_AUDIO_CODEC_ERROR_NO_SPACE,	       /* the output buffer is too small */
	CF_AUDIO_CODEC_ERROR_CORRUPT,	       /* a payload the decoder cannot decode */
	CF_AUDIO_CODEC_ERROR_FAILED,	       /* the codec library failed */
} CfAudioCodecError;

/* The pipeline's format: 48 kHz mono, 20 ms frames. */
#define CF_AUDIO_CODEC_SAMPLE_RATE   48000
#define CF_AUDIO_CODEC_FRAME_MS	     20
#define CF_AUDIO_CODEC_FRAME_SAMPLES 960

/* The largest RTP payload a decoder accepts and the most an encoder writes:
 * one datagram's worth (the jitter buffer's default max_payload). A 20 ms
 * Opus frame is at most 1275 bytes (RFC 6716 §3.4 R2) plus framing; a
 * 20 ms G.711 frame is 160 bytes. */
#define CF_AUDIO_CODEC_MAX_PACKET 1500

/* Limits on an a=fmtp parameter string (without the payload type). */
#define CF_AUDIO_CODEC_MAX_FMTP	       1024 /* bytes */
#define CF_AUDIO_CODEC_MAX_FMTP_PARAMS 32   /* name=value pairs */
#define CF_AUDIO_CODEC_MAX_FMTP_NAME   64   /* bytes in a parameter name */

typedef enum {
	CF_AUDIO_CODEC_OPUS, /* opus/48000/2, RFC 7587 */
	CF_AUDIO_CODEC_PCMU, /* PCMU/8000, G.711 µ-law */
	CF_AUDIO_CODEC_PCMA, /* PCMA/8000, G.711 A-law */
} CfAudioCodecId;

/* Finds the codec for an a=rtpmap entry: @name case-insensitively, and
 * checks @clock_rate (48000 for Opus, 8000 for G.711) and @channels (0 means
 * not given; Opus: 2 as RFC 7587 §7 requires, 1 and 0 accepted from sloppy
 * peers; G.711: 1 or 0). Returns FALSE with CF_AUDIO_CODEC_ERROR_UNSUPPORTED
 * otherwise; @ret_id is set only on success. */
gboolean cf_audio_codec_lookup (
	const char *name, guint clock_rate, guint channels, CfAudioCodecId *ret_id, GError **error);
/* (transfer none) The encoding name as SDP writes it: "opus", "PCMU", "PCMA". */
const char *cf_audio_codec_id_to_name (CfAudioCodecId id);
/* The RTP clock rate: 48000 or 8000. */
guint cf_audio_codec_id_get_clock_rate (CfAudioCodecId id);

/* Called by cf_audio_codec_fmtp_foreach() for each parameter. @name and
 * @value are NUL-terminated, trimmed, valid only during the call; @name is
 * a token (letters, digits, '-', '_', '.'), @value is non-empty printable
 * ASCII without ';' or white space. Return FALSE with @error set to stop. */
typedef gboolean (*CfAudioCodecFmtpFunc) (const char *name,
					  const char *value,
					  gpointer user_data,
					  GError **error);

/* Splits an fmtp parameter string "name=value; name=value" (RFC 8866 §6.15
 * format-specific parameters as media types write them: ';'-separated
 * pairs, white space around items ignored, empty items skipped) and calls
 * @func for each pair in order. @fmtp NULL or empty has no parameters.
 * Fails with CF_AUDIO_CODEC_ERROR_INVALID_FMTP on a string longer than
 * CF_AUDIO_CODEC_MAX_FMTP, with more than CF_AUDIO_CODEC_MAX_FMTP_PARAMS
 * pairs, with a control or non-ASCII byte, or with an item that is not
 * token=value; @func is then not called for the items after the error, but
 * may have been for those before it. Allocates nothing. */
gboolean cf_audio_codec_fmtp_foreach (const char *fmtp,
				      CfAudioCodecFmtpFunc func,
				      gpointer user_data,
				      GError **error);

/* Helpers for the codec implementations: check an input PCM frame (not
 * NULL, exactly CF_AUDIO_CODEC_FRAME_SAMPLES samples) and a received
 * payload (not NULL, not empty, at most CF_AUDIO_CODEC_MAX_PACKET bytes). */
gboolean cf_audio_codec_check_pcm (const gint16 *pcm, gsize n_samples, GError **error);
gboolean cf_audio_codec_check_payload (const guint8 *payload, gsize len, GError **error);

/* Encoder. */

typedef struct _CfAudioEncoder CfAudioEncoder;

/* (transfer full) An encoder for the negotiated codec (see the top of this
 * file for the arguments). NULL with CF_AUDIO_CODEC_ERROR_UNSUPPORTED,
 * _INVALID_FMTP or _FAILED. */
CfAudioEncoder *cf_audio_encoder_new (
	const char *name, guint clock_rate, guint channels, const char *fmtp, GError **error);
/* Accepts NULL. */
void cf_audio_encoder_free (CfAudioEncoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfAudioEncoder, cf_audio_encoder_free)

CfAudioCodecId cf_audio_encoder_get_codec (const CfAudioEncoder *self);
/* RTP clock rate, Hz. */
guint cf_audio_encoder_get_clock_rate (const CfAudioEncoder *self);
/* RTP timestamp increment per frame: 960 (Opus) or 160 (G.711). */
guint cf_audio_encoder_get_frame_duration (const CfAudioEncoder *self);

/* Encodes one frame: @pcm holds @n_samples (must be
 * CF_AUDIO_CODEC_FRAME_SAMPLES) 48 kHz mono samples; the payload goes into
 * @packet (@packet_size bytes; CF_AUDIO_CODEC_MAX_PACKET is always enough)
 * and its length into @ret_len. A length of 0 means discontinuous
 * transmission: send nothing for this frame, but advance the RTP timestamp
 * (only with DTX on). On failure @ret_len is untouched. */
gboolean cf_audio_encoder_encode (CfAudioEncoder *self,
				  const gint16 *pcm,
				  gsize n_samples,
				  guint8 *packet,
				  gsize packet_size,
				  gsize *ret_len,
				  GError **error);

/* Target bitrate in b/s, 6000..510000 (_INVALID_ARGUMENT otherwise), lowered
 * to the peer's maxaveragebitrate if it gave one. Fixed-rate codecs (G.711,
 * 64000) accept and ignore it. */
gboolean cf_audio_encoder_set_bitrate (CfAudioEncoder *self, guint bitrate, GError **error);
/* The target bitrate in use, b/s. */
guint cf_audio_encoder_get_bitrate (const CfAudioEncoder *self);
/* The packet loss the receiver reports (RTCP fraction lost), 0..100 %
 * (_INVALID_ARGUMENT otherwise): Opus spends more on in-band FEC as it
 * grows. Codecs without FEC accept and ignore it. */
gboolean cf_audio_encoder_set_packet_loss (CfAudioEncoder *self, guint percent, GError **error);
/* Discontinuous transmission (off unless the peer asked with usedtx=1).
 * Codecs without DTX (G.711) accept and ignore it. */
gboolean cf_audio_encoder_set_dtx (CfAudioEncoder *self, gboolean enabled, GError **error);
gboolean cf_audio_encoder_get_dtx (const CfAudioEncoder *self);
/* Whether the encoder adds in-band FEC (Opus when the peer said
 * useinbandfec=1). */
gboolean cf_audio_encoder_get_fec (const CfAudioEncoder *self);

/* Decoder. */

typedef struct _CfAudioDecoder CfAudioDecoder;

/* (transfer full) A decoder for the negotiated codec; NULL with
 * CF_AUDIO_CODEC_ERROR_UNSUPPORTED, _INVALID_FMTP or _FAILED. */
CfAudioDecoder *cf_audio_decoder_new (
	const char *name, guint clock_rate, guint channels, const char *fmtp, GError **error);
/* Accepts NULL. */
void cf_audio_decoder_free (CfAudioDecoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfAudioDecoder, cf_audio_decoder_free)

CfAudioCodecId cf_audio_decoder_get_codec (const CfAudioDecoder *self);
guint cf_audio_decoder_get_clock_rate (const CfAudioDecoder *self);
/* Whether cf_audio_decoder_recover() can use FEC (Opus); set the jitter
 * buffer's config.fec from it. */
gboolean cf_audio_decoder_has_fec (const CfAudioDecoder *self);

/* In all three, @pcm receives @n_samples (must be
 * CF_AUDIO_CODEC_FRAME_SAMPLES) 48 kHz mono samples. On failure its
 * contents are unspecified and the decoder state is as before the call:
 * conceal the frame instead. */

/* Decodes one received payload (PLAY). _TOO_LARGE, _FRAME_SIZE (not one
 * 20 ms frame; stereo Opus is downmixed, not refused) or _CORRUPT. */
gboolean cf_audio_decoder_decode (CfAudioDecoder *self,
				  const guint8 *payload,
				  gsize len,
				  gint16 *pcm,
				  gsize n_samples,
				  GError **error);
/* Makes up one lost frame (CONCEAL): Opus' packet loss concealment;
 * G.711 repeats the last pitch period and fades out (see
 * cf-g711-codec.h). */
gboolean
cf_audio_decoder_conceal (CfAudioDecoder *self, gint16 *pcm, gsize n_samples, GError **error);
/* Rebuilds one lost frame from the in-band FEC of @next_payload, the
 * payload of the frame after it (FEC). Decode @next_payload itself
 * normally afterwards. Without FEC data in it, or for a codec without FEC,
 * this conceals. Errors as cf_audio_decoder_decode(). */
gboolean cf_audio_decoder_recover (CfAudioDecoder *self,
				   const guint8 *next_payload,
				   gsize len,
				   gint16 *pcm,
				   gsize n_samples,
				   GError **error);

G_END_DECLS
