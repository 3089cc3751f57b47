/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opus for calls (RFC 6716, RFC 7587): libopus behind the codec interface. */

#define G_LOG_DOMAIN "cf-opus-codec"

#include <string.h>

#include <opus.h>

#include "cf-opus-codec.h"

/* The pipeline's frame is exactly one 20 ms Opus frame at 48 kHz. */
G_STATIC_ASSERT (CF_AUDIO_CODEC_SAMPLE_RATE == CF_OPUS_CLOCK_RATE);
G_STATIC_ASSERT (CF_AUDIO_CODEC_FRAME_SAMPLES == CF_OPUS_CLOCK_RATE / 1000 * 20);

/* At most this many digits in a numeric fmtp value: 999999999 fits a guint. */
#define CF_OPUS_FMTP_MAX_DIGITS 9

void
cf_opus_fmtp_init (CfOpusFmtp *fmtp)
{
	g_return_if_fail (fmtp != NULL);

	memset (fmtp, 0, sizeof (*fmtp));
	fmtp->maxplaybackrate = 48000;
	fmtp->sprop_maxcapturerate = 48000;
	fmtp->maxptime = 120;
	fmtp->ptime = 20;
}

/* The parameters of RFC 7587 §6.1: where each lives, its range. */
typedef enum {
	CF_OPUS_PARAM_MAXPLAYBACKRATE,
	CF_OPUS_PARAM_SPROP_MAXCAPTURERATE,
	CF_OPUS_PARAM_MAXPTIME,
	CF_OPUS_PARAM_PTIME,
	CF_OPUS_PARAM_MAXAVERAGEBITRATE,
	CF_OPUS_PARAM_STEREO,
	CF_OPUS_PARAM_SPROP_STEREO,
	CF_OPUS_PARAM_CBR,
	CF_OPUS_PARAM_USEINBANDFEC,
	CF_OPUS_PARAM_USEDTX,
	CF_OPUS_N_PARAMS,
} CfOpusParam;

static const struct {
	const char *name;
	guint min;
	guint max;
} cf_opus_params[CF_OPUS_N_PARAMS] = {
	[CF_OPUS_PARAM_MAXPLAYBACKRATE] = {"maxplaybackrate", 8000, 48000},
	[CF_OPUS_PARAM_SPROP_MAXCAPTURERATE] = {"sprop-maxcapturerate", 8000, 48000},
	[CF_OPUS_PARAM_MAXPTIME] = {"maxptime", 3, 120},
	[CF_OPUS_PARAM_PTIME] = {"ptime", 3, 120},
	[CF_OPUS_PARAM_MAXAVERAGEBITRATE] = {"maxaveragebitrate",
					     CF_OPUS_MIN_BITRATE,
					     CF_OPUS_MAX_BITRATE},
	[CF_OPUS_PARAM_STEREO] = {"stereo", 0, 1},
	[CF_OPUS_PARAM_SPROP_STEREO] = {"sprop-stereo", 0, 1},
	[CF_OPUS_PARAM_CBR] = {"cbr", 0, 1},
	[CF_OPUS_PARAM_USEINBANDFEC] = {"useinbandfec", 0, 1},
	[CF_OPUS_PARAM_USEDTX] = {"usedtx", 0, 1},
};

typedef struct {
	CfOpusFmtp fmtp;
	gboolean seen[CF_OPUS_N_PARAMS];
} CfOpusFmtpParser;

static gboolean
parse_decimal (const char *name, const char *value, guint *ret_value, GError **error)
{
	guint v = 0;
	gsize i;

	for (i = 0; value[i] != '\0'; i++) {
		if (!g_ascii_isdigit (value[i])) {
			g_set_error (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_INVALID_FMTP,
				     "fmtp parameter %s: value is not a decimal integer",
				     name);
			return FALSE;
		}
		if (i >= CF_OPUS_FMTP_MAX_DIGITS) {
			g_set_error (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_INVALID_FMTP,
				     "fmtp parameter %s: value longer than %d digits",
				     name,
				     CF_OPUS_FMTP_MAX_DIGITS);
			return FALSE;
		}
		v = v * 10 + (guint)(value[i] - '0');
	}
	*ret_value = v;
	return TRUE;
}

static gboolean
on_opus_fmtp_param (const char *name, const char *value, gpointer user_data, GError **error)
{
	CfOpusFmtpParser *parser = user_data;
	CfOpusFmtp *f = &parser->fmtp;
	guint param;
	guint v;

	for (param = 0; param < CF_OPUS_N_PARAMS; param++) {
		if (g_ascii_strcasecmp (name, cf_opus_params[param].name) == 0)
			break;
	}
	if (param == CF_OPUS_N_PARAMS) {
		/* RFC 7587 §7.1: unknown parameters are ignored. */
		return TRUE;
	}
	if (parser->seen[param]) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_INVALID_FMTP,
			     "fmtp parameter %s given twice",
			     cf_opus_params[param].name);
		return FALSE;
	}
	parser->seen[param] = TRUE;
	if (!parse_decimal (cf_opus_params[param].name, value, &v, error))
		return FALSE;
	if (v < cf_opus_params[param].min || v > cf_opus_params[param].max) {
		g_debug ("fmtp parameter %s=%u out of range %u..%u: ignored",
			 cf_opus_params[param].name,
			 v,
			 cf_opus_params[param].min,
			 cf_opus_params[param].max);
		return TRUE;
	}

	switch ((CfOpusParam)param) {
	case CF_OPUS_PARAM_MAXPLAYBACKRATE:
		f->maxplaybackrate = v;
		break;
	case CF_OPUS_PARAM_SPROP_MAXCAPTURERATE:
		f->sprop_maxcapturerate = v;
		break;
	case CF_OPUS_PARAM_MAXPTIME:
		f->maxptime = v;
		break;
	case CF_OPUS_PARAM_PTIME:
		f->ptime = v;
		break;
	case CF_OPUS_PARAM_MAXAVERAGEBITRATE:
		f->maxaveragebitrate = v;
		break;
	case CF_OPUS_PARAM_STEREO:
		f->stereo = v == 1;
		break;
	case CF_OPUS_PARAM_SPROP_STEREO:
		f->sprop_stereo = v == 1;
		break;
	case CF_OPUS_PARAM_CBR:
		f->cbr = v == 1;
		break;
	case CF_OPUS_PARAM_USEINBANDFEC:
		f->useinbandfec = v == 1;
		break;
	case CF_OPUS_PARAM_USEDTX:
		f->usedtx = v == 1;
		break;
	case CF_OPUS_N_PARAMS:
	default:
		g_assert_not_reached ();
	}
	return TRUE;
}

gboolean
cf_opus_fmtp_parse (const char *fmtp, CfOpusFmtp *ret_fmtp, GError **error)
{
	CfOpusFmtpParser parser = {0};

	g_return_val_if_fail (ret_fmtp != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	cf_opus_fmtp_init (&parser.fmtp);
	if (!cf_audio_codec_fmtp_foreach (fmtp, on_opus_fmtp_param, &parser, error))
		return FALSE;
	*ret_fmtp = parser.fmtp;
	return TRUE;
}

/* The widest audio bandwidth a receiver playing at @rate Hz can use (RFC
 * 7587 §7.1; the Opus bandwidths of RFC 6716 §2: NB 4 kHz at 8 kHz
 * sampling, MB 6 kHz at 12, WB 8 kHz at 16, SWB 12 kHz at 24, FB 20 kHz at
 * 48). */
static opus_int32
max_bandwidth_for_rate (guint rate)
{
	if (rate < 12000)
		return OPUS_BANDWIDTH_NARROWBAND;
	if (rate < 16000)
		return OPUS_BANDWIDTH_MEDIUMBAND;
	if (rate < 24000)
		return OPUS_BANDWIDTH_WIDEBAND;
	if (rate < 48000)
		return OPUS_BANDWIDTH_SUPERWIDEBAND;
	return OPUS_BANDWIDTH_FULLBAND;
}

static gboolean
opus_check (int ret, const char *what, GError **error)
{
	if (ret >= 0)
		return TRUE;
	g_set_error (error,
		     CF_AUDIO_CODEC_ERROR,
		     CF_AUDIO_CODEC_ERROR_FAILED,
		     "opus: %s: %s",
		     what,
		     opus_strerror (ret));
	return FALSE;
}

/* Encoder. */

struct _CfOpusEncoder {
	OpusEncoder *enc; /* (owned) */
	CfOpusFmtp fmtp;  /* the receiver's parameters */
	guint bitrate;	  /* in use, after the maxaveragebitrate cap */
	guint packet_loss;
	gboolean dtx;
};

CfOpusEncoder *
cf_opus_encoder_new (const CfOpusFmtp *fmtp, GError **error)
{
	g_autoptr (CfOpusEncoder) self = NULL;
	opus_int32 bandwidth;
	int err = OPUS_OK;
	int ret;

	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	self = g_new0 (CfOpusEncoder, 1);
	if (fmtp != NULL)
		self->fmtp = *fmtp;
	else
		cf_opus_fmtp_init (&self->fmtp);

	if (self->fmtp.maxptime < CF_AUDIO_CODEC_FRAME_MS) {
		g_set_error (
			error,
			CF_AUDIO_CODEC_ERROR,
			CF_AUDIO_CODEC_ERROR_UNSUPPORTED,
			"opus: the receiver takes at most %u ms per packet, Confab sends %d ms",
			self->fmtp.maxptime,
			CF_AUDIO_CODEC_FRAME_MS);
		return NULL;
	}
	if (self->fmtp.ptime != CF_AUDIO_CODEC_FRAME_MS)
		g_debug ("receiver prefers %u ms packets, sending %d ms",
			 self->fmtp.ptime,
			 CF_AUDIO_CODEC_FRAME_MS);

	/* Mono: the pipeline is mono, stereo=1 is only a preference. */
	self->enc = opus_encoder_create (CF_OPUS_CLOCK_RATE, 1, OPUS_APPLICATION_VOIP, &err);
	if (self->enc == NULL || err != OPUS_OK) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_FAILED,
			     "opus: cannot create an encoder: %s",
			     opus_strerror (err));
		return NULL;
	}

	self->bitrate = CF_OPUS_DEFAULT_BITRATE;
	if (self->fmtp.maxaveragebitrate != 0 && self->bitrate > self->fmtp.maxaveragebitrate)
		self->bitrate = self->fmtp.maxaveragebitrate;
	self->dtx = self->fmtp.usedtx;

	ret = opus_encoder_ctl (self->enc, OPUS_SET_BITRATE ((opus_int32)self->bitrate));
	if (!opus_check (ret, "bitrate", error))
		return NULL;
	ret = opus_encoder_ctl (self->enc, OPUS_SET_VBR (self->fmtp.cbr ? 0 : 1));
	if (!opus_check (ret, "vbr", error))
		return NULL;
	ret = opus_encoder_ctl (self->enc, OPUS_SET_INBAND_FEC (self->fmtp.useinbandfec ? 1 : 0));
	if (!opus_check (ret, "in-band fec", error))
		return NULL;
	/* No loss known until the first RTCP report: then
	 * cf_opus_encoder_set_packet_loss(). */
	ret = opus_encoder_ctl (self->enc, OPUS_SET_PACKET_LOSS_PERC (0));
	if (!opus_check (ret, "packet loss", error))
		return NULL;
	ret = opus_encoder_ctl (self->enc, OPUS_SET_DTX (self->dtx ? 1 : 0));
	if (!opus_check (ret, "dtx", error))
		return NULL;
	bandwidth = max_bandwidth_for_rate (self->fmtp.maxplaybackrate);
	ret = opus_encoder_ctl (self->enc, OPUS_SET_MAX_BANDWIDTH (bandwidth));
	if (!opus_check (ret, "max bandwidth", error))
		return NULL;

	return g_steal_pointer (&self);
}

void
cf_opus_encoder_free (CfOpusEncoder *self)
{
	if (self == NULL)
		return;
	if (self->enc != NULL)
		opus_encoder_destroy (self->enc);
	g_free (self);
}

gboolean
cf_opus_encoder_encode (CfOpusEncoder *self,
			const gint16 *pcm,
			gsize n_samples,
			guint8 *packet,
			gsize packet_size,
			gsize *ret_len,
			GError **error)
{
	opus_int32 n;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (ret_len != NULL, FALSE);

	if (!cf_audio_codec_check_pcm (pcm, n_samples, error))
		return FALSE;
	if (packet == NULL) {
		g_set_error_literal (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT,
				     "no output buffer");
		return FALSE;
	}

	n = opus_encode (self->enc,
			 pcm,
			 CF_AUDIO_CODEC_FRAME_SAMPLES,
			 packet,
			 (opus_int32)MIN (packet_size, (gsize)CF_AUDIO_CODEC_MAX_PACKET));
	if (n < 0) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     n == OPUS_BUFFER_TOO_SMALL ? CF_AUDIO_CODEC_ERROR_NO_SPACE
							: CF_AUDIO_CODEC_ERROR_FAILED,
			     "opus: cannot encode: %s",
			     opus_strerror (n));
		return FALSE;
	}
	/* opus_encode(): "If the return value is 2 bytes or less, then the
	 * packet does not need to be transmitted (DTX)." Only with DTX on:
	 * without it every frame is sent, however small. */
	if (self->dtx && n <= 2)
		n = 0;
	*ret_len = (gsize)n;
	return TRUE;
}

gboolean
cf_opus_encoder_set_bitrate (CfOpusEncoder *self, guint bitrate, GError **error)
{
	guint capped = bitrate;

	g_return_val_if_fail (self != NULL, FALSE);

	if (bitrate < CF_OPUS_MIN_BITRATE || bitrate > CF_OPUS_MAX_BITRATE) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT,
			     "opus: bitrate %u out of range %d..%d",
			     bitrate,
			     CF_OPUS_MIN_BITRATE,
			     CF_OPUS_MAX_BITRATE);
		return FALSE;
	}
	/* RFC 7587 §7.1: the sender MUST NOT exceed maxaveragebitrate. */
	if (self->fmtp.maxaveragebitrate != 0 && capped > self->fmtp.maxaveragebitrate)
		capped = self->fmtp.maxaveragebitrate;
	if (!opus_check (opus_encoder_ctl (self->enc, OPUS_SET_BITRATE ((opus_int32)capped)),
			 "bitrate",
			 error))
		return FALSE;
	self->bitrate = capped;
	return TRUE;
}

guint
cf_opus_encoder_get_bitrate (const CfOpusEncoder *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->bitrate;
}

gboolean
cf_opus_encoder_set_packet_loss (CfOpusEncoder *self, guint percent, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (percent > 100) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT,
			     "opus: packet loss %u %% out of range 0..100",
			     percent);
		return FALSE;
	}
	if (!opus_check (
		    opus_encoder_ctl (self->enc, OPUS_SET_PACKET_LOSS_PERC ((opus_int32)percent)),
		    "packet loss",
		    error))
		return FALSE;
	self->packet_loss = percent;
	return TRUE;
}

guint
cf_opus_encoder_get_packet_loss (const CfOpusEncoder *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->packet_loss;
}

gboolean
cf_opus_encoder_set_dtx (CfOpusEncoder *self, gboolean enabled, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!opus_check (
		    opus_encoder_ctl (self->enc, OPUS_SET_DTX (enabled ? 1 : 0)), "dtx", error))
		return FALSE;
	self->dtx = enabled ? TRUE : FALSE;
	return TRUE;
}

gboolean
cf_opus_encoder_get_dtx (const CfOpusEncoder *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->dtx;
}

gboolean
cf_opus_encoder_get_fec (const CfOpusEncoder *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->fmtp.useinbandfec;
}

/* Decoder. */

struct _CfOpusDecoder {
	OpusDecoder *dec; /* (owned) mono: libopus downmixes stereo packets */
	CfOpusFmtp fmtp;  /* the sender's hints */
};

CfOpusDecoder *
cf_opus_decoder_new (const CfOpusFmtp *fmtp, GError **error)
{
	g_autoptr (CfOpusDecoder) self = NULL;
	int err = OPUS_OK;

	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	self = g_new0 (CfOpusDecoder, 1);
	if (fmtp != NULL)
		self->fmtp = *fmtp;
	else
		cf_opus_fmtp_init (&self->fmtp);

	/* Always 48 kHz mono whatever sprop-stereo and sprop-maxcapturerate
	 * say: they are hints (§7.1: "the receiver MUST be capable of
	 * receiving any signal"), and the pipeline is 48 kHz mono. */
	self->dec = opus_decoder_create (CF_OPUS_CLOCK_RATE, 1, &err);
	if (self->dec == NULL || err != OPUS_OK) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_FAILED,
			     "opus: cannot create a decoder: %s",
			     opus_strerror (err));
		return NULL;
	}
	return g_steal_pointer (&self);
}

void
cf_opus_decoder_free (CfOpusDecoder *self)
{
	if (self == NULL)
		return;
	if (self->dec != NULL)
		opus_decoder_destroy (self->dec);
	g_free (self);
}

static gboolean
check_output (gint16 *pcm, gsize n_samples, GError **error)
{
	if (pcm == NULL || n_samples != CF_AUDIO_CODEC_FRAME_SAMPLES) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     pcm == NULL ? CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT
					 : CF_AUDIO_CODEC_ERROR_FRAME_SIZE,
			     "output must be %d samples",
			     CF_AUDIO_CODEC_FRAME_SAMPLES);
		return FALSE;
	}
	return TRUE;
}

/* A payload must be one valid Opus packet (RFC 6716 §3) of exactly 20 ms.
 * Checked in full before the decoder sees it, so that a refused packet
 * leaves the decoder state untouched. */
static gboolean
check_packet (const guint8 *payload, gsize len, GError **error)
{
	unsigned char toc;
	const unsigned char *frames[48];
	opus_int16 sizes[48];
	int n_frames;
	int n_samples;

	if (!cf_audio_codec_check_payload (payload, len, error))
		return FALSE;

	n_frames = opus_packet_parse (payload, (opus_int32)len, &toc, frames, sizes, NULL);
	if (n_frames < 0) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_CORRUPT,
			     "opus: invalid packet: %s",
			     opus_strerror (n_frames));
		return FALSE;
	}
	n_samples = opus_packet_get_nb_samples (payload, (opus_int32)len, CF_OPUS_CLOCK_RATE);
	if (n_samples < 0) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_CORRUPT,
			     "opus: invalid packet: %s",
			     opus_strerror (n_samples));
		return FALSE;
	}
	if (n_samples != CF_AUDIO_CODEC_FRAME_SAMPLES) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_FRAME_SIZE,
			     "opus: packet of %d samples (%d.%d ms), expected %d (%d ms)",
			     n_samples,
			     n_samples / 48,
			     (n_samples % 48) * 10 / 48,
			     CF_AUDIO_CODEC_FRAME_SAMPLES,
			     CF_AUDIO_CODEC_FRAME_MS);
		return FALSE;
	}
	return TRUE;
}

static gboolean
decode (CfOpusDecoder *self,
	const guint8 *data,
	gsize len,
	gint16 *pcm,
	gboolean fec,
	GError **error)
{
	int n;

	n = opus_decode (
		self->dec, data, (opus_int32)len, pcm, CF_AUDIO_CODEC_FRAME_SAMPLES, fec ? 1 : 0);
	if (n < 0) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_CORRUPT,
			     "opus: cannot decode: %s",
			     opus_strerror (n));
		return FALSE;
	}
	if (n != CF_AUDIO_CODEC_FRAME_SAMPLES) {
		/* check_packet() makes this impossible: a safety net. */
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_FRAME_SIZE,
			     "opus: decoded %d samples, expected %d",
			     n,
			     CF_AUDIO_CODEC_FRAME_SAMPLES);
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_opus_decoder_decode (CfOpusDecoder *self,
			const guint8 *payload,
			gsize len,
			gint16 *pcm,
			gsize n_samples,
			GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!check_output (pcm, n_samples, error) || !check_packet (payload, len, error))
		return FALSE;
	return decode (self, payload, len, pcm, FALSE, error);
}

gboolean
cf_opus_decoder_conceal (CfOpusDecoder *self, gint16 *pcm, gsize n_samples, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!check_output (pcm, n_samples, error))
		return FALSE;
	/* No data: libopus' packet loss concealment for one frame. */
	return decode (self, NULL, 0, pcm, FALSE, error);
}

gboolean
cf_opus_decoder_recover (CfOpusDecoder *self,
			 const guint8 *next_payload,
			 gsize len,
			 gint16 *pcm,
			 gsize n_samples,
			 GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (!check_output (pcm, n_samples, error) || !check_packet (next_payload, len, error))
		return FALSE;
	/* decode_fec=1: the LBRR data of the next packet describe this frame;
	 * libopus conceals if there are none. */
	return decode (self, next_payload, len, pcm, TRUE, error);
}
