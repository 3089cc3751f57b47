/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* G.711 for calls: PCMU (µ-law) and PCMA (A-law), RTP clock 8000 Hz, one
 * byte per sample, 20 ms = 160 bytes per payload (RFC 3551 §4.5.14).
 *
 * Companding follows ITU-T G.711 (11/88) Tables 1 and 2, written from the
 * standard's definition (segments, intervals, decision and output values):
 *   µ-law works on 14-bit linear values (the 16-bit sample >> 2). The
 *   magnitude, clipped to 8158, plus 33 lies in [2^(s+5), 2^(s+6)) for the
 *   segment s = 0..7; the 4 bits below its leading one are the interval q.
 *   Output value: ((2q + 33) << s) - 33, the middle of the interval. The
 *   octet is sign (1 = negative), s, q, all bits inverted.
 *   A-law works on 13-bit linear values (>> 3). Magnitudes below 32 are
 *   segment 0 with q = m >> 1; above, s = 1..7 with m in [2^(s+4),
 *   2^(s+5)) and q the 4 bits below the leading one. Output value: 2q + 1
 *   in segment 0, (2q + 33) << (s - 1) above. The octet is sign (1 =
 *   positive), s, q, with the even bits inverted (XOR 0x55).
 *   Negative inputs are mapped to magnitudes by one's complement (-1 is
 *   magnitude 0), so the quantiser is symmetric: the G.711 tables give the
 *   negative decision values as the mirror of the positive ones. Decoded
 *   values are scaled back to 16 bits (<< 2, << 3).
 *
 * Resampling 48 kHz <-> 8 kHz (ratio 6) uses one linear-phase low-pass
 * FIR, CF_G711_FILTER_TAPS taps, designed at creation as a Kaiser-windowed
 * sinc: cut-off 4 kHz (half the 8 kHz rate, the -6 dB point), Kaiser
 * beta 5.653 (Kaiser's formula for 60 dB stop-band attenuation), so the
 * pass band reaches 3.4 kHz (the telephone band; ripple 0.011 dB) and the
 * stop band starts at 4.6 kHz (attenuation at least 58.9 dB: far below
 * G.711's quantisation noise, about 38 dB under a loud tone). The
 * decimator filters the 48 kHz signal and keeps every 6th output
 * (polyphase: only the kept outputs are computed); the interpolator puts 5
 * zeros between 8 kHz samples and filters with the same FIR times 6
 * (polyphase: 6 branches of 25 taps). Each filter delays by (TAPS - 1) / 2
 * = 72 samples at 48 kHz, 1.5 ms; the decimator keeps the newest sample of
 * each 6, which saves 5: through both, CF_G711_CODEC_DELAY = 139 samples,
 * 2.9 ms. Aliasing from 4.0-4.6 kHz lands at 3.4-4.0 kHz, above the
 * telephone band.
 *
 * Packet loss concealment (G.711 has no FEC), in the spirit of G.711
 * Appendix I but simpler: the decoder keeps the last 40 ms it decoded at
 * 8 kHz and finds its pitch, the lag of 20..120 samples (2.5-15 ms,
 * 67-400 Hz) with the best normalised autocorrelation over the last 20 ms
 * (the whole 20 ms when nothing correlates). A lost frame repeats the last
 * pitch period, continuing where the previous concealed frame stopped, and
 * fades linearly: the k-th consecutive lost frame (from 0) ramps the gain
 * from 1 - k/3 to 1 - (k+1)/3, so 60 ms of loss fade to silence and stay
 * silent. Concealed samples go through the interpolator like decoded ones,
 * so the output stays continuous. The next decoded frame starts afresh.
 *
 * Errors are CF_AUDIO_CODEC_ERROR (cf-audio-codec.h). Not thread-safe;
 * encode, decode and conceal never allocate. */

#include <glib.h>

#include "cf-audio-codec.h"

G_BEGIN_DECLS

#define CF_G711_CLOCK_RATE   8000
#define CF_G711_FRAME_BYTES  160 /* 20 ms at 8 kHz */
#define CF_G711_BITRATE	     64000
#define CF_G711_FILTER_TAPS  145
#define CF_G711_FILTER_DELAY ((CF_G711_FILTER_TAPS - 1) / 2) /* 48 kHz samples, each filter */
/* 48 kHz samples from encoder input to decoder output. */
#define CF_G711_CODEC_DELAY (2 * CF_G711_FILTER_DELAY - 5)

typedef enum {
	CF_G711_ULAW, /* PCMU */
	CF_G711_ALAW, /* PCMA */
} CfG711Law;

/* Companding of one sample, 16-bit linear <-> G.711 octet. */
guint8 cf_g711_ulaw_from_linear (gint16 pcm);
gint16 cf_g711_ulaw_to_linear (guint8 code);
guint8 cf_g711_alaw_from_linear (gint16 pcm);
gint16 cf_g711_alaw_to_linear (guint8 code);

/* Encoder. */

typedef struct _CfG711Encoder CfG711Encoder;

/* (transfer full) Cannot fail. */
CfG711Encoder *cf_g711_encoder_new (CfG711Law law);
/* Accepts NULL. */
void cf_g711_encoder_free (CfG711Encoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfG711Encoder, cf_g711_encoder_free)

/* As cf_audio_encoder_encode(): 960 samples at 48 kHz in, 160 bytes out
 * (@packet_size at least CF_G711_FRAME_BYTES, _NO_SPACE otherwise). */
gboolean cf_g711_encoder_encode (CfG711Encoder *self,
				 const gint16 *pcm,
				 gsize n_samples,
				 guint8 *packet,
				 gsize packet_size,
				 gsize *ret_len,
				 GError **error);

/* Decoder. */

typedef struct _CfG711Decoder CfG711Decoder;

/* (transfer full) Cannot fail. */
CfG711Decoder *cf_g711_decoder_new (CfG711Law law);
/* Accepts NULL. */
void cf_g711_decoder_free (CfG711Decoder *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfG711Decoder, cf_g711_decoder_free)

/* As cf_audio_decoder_decode(): @len must be CF_G711_FRAME_BYTES
 * (_FRAME_SIZE otherwise, _TOO_LARGE above CF_AUDIO_CODEC_MAX_PACKET). */
gboolean cf_g711_decoder_decode (CfG711Decoder *self,
				 const guint8 *payload,
				 gsize len,
				 gint16 *pcm,
				 gsize n_samples,
				 GError **error);
/* As cf_audio_decoder_conceal(), with the concealment described above. */
gboolean
cf_g711_decoder_conceal (CfG711Decoder *self, gint16 *pcm, gsize n_samples, GError **error);

G_END_DECLS
