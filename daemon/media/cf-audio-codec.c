/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One interface over the call audio codecs: Opus and G.711. */

#define G_LOG_DOMAIN "cf-audio-codec"

#include <string.h>

#include "cf-audio-codec.h"
#include "cf-g711-codec.h"
#include "cf-opus-codec.h"

G_DEFINE_QUARK (cf - audio - codec - error - quark, cf_audio_codec_error)

static const struct {
	const char *name;
	guint clock_rate;
	guint max_channels;
} cf_audio_codecs[] = {
	[CF_AUDIO_CODEC_OPUS] = {"opus", CF_OPUS_CLOCK_RATE, 2},
	[CF_AUDIO_CODEC_PCMU] = {"PCMU", CF_G711_CLOCK_RATE, 1},
	[CF_AUDIO_CODEC_PCMA] = {"PCMA", CF_G711_CLOCK_RATE, 1},
};

gboolean
cf_audio_codec_lookup (
	const char *name, guint clock_rate, guint channels, CfAudioCodecId *ret_id, GError **error)
{
	guint id;

	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (name == NULL) {
		g_set_error_literal (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_UNSUPPORTED,
				     "no codec name");
		return FALSE;
	}
	for (id = 0; id < G_N_ELEMENTS (cf_audio_codecs); id++) {
		if (g_ascii_strcasecmp (name, cf_audio_codecs[id].name) == 0)
			break;
	}
	if (id == G_N_ELEMENTS (cf_audio_codecs)) {
		g_set_error_literal (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_UNSUPPORTED,
				     "unsupported audio codec");
		return FALSE;
	}
	if (clock_rate != cf_audio_codecs[id].clock_rate) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_UNSUPPORTED,
			     "%s: clock rate %u, expected %u",
			     cf_audio_codecs[id].name,
			     clock_rate,
			     cf_audio_codecs[id].clock_rate);
		return FALSE;
	}
	if (channels > cf_audio_codecs[id].max_channels) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_UNSUPPORTED,
			     "%s: %u channels, at most %u",
			     cf_audio_codecs[id].name,
			     channels,
			     cf_audio_codecs[id].max_channels);
		return FALSE;
	}
	if (ret_id != NULL)
		*ret_id = (CfAudioCodecId)id;
	return TRUE;
}

const char *
cf_audio_codec_id_to_name (CfAudioCodecId id)
{
	g_return_val_if_fail ((guint)id < G_N_ELEMENTS (cf_audio_codecs), NULL);
	return cf_audio_codecs[id].name;
}

guint
cf_audio_codec_id_get_clock_rate (CfAudioCodecId id)
{
	g_return_val_if_fail ((guint)id < G_N_ELEMENTS (cf_audio_codecs), 0);
	return cf_audio_codecs[id].clock_rate;
}

static gboolean
is_space (char c)
{
	return c == ' ' || c == '\t';
}

static gboolean
is_token_char (char c)
{
	return g_ascii_isalnum (c) || c == '-' || c == '_' || c == '.';
}

static gboolean
fmtp_error (GError **error, const char *message)
{
	g_set_error (error,
		     CF_AUDIO_CODEC_ERROR,
		     CF_AUDIO_CODEC_ERROR_INVALID_FMTP,
		     "malformed fmtp: %s",
		     message);
	return FALSE;
}

gboolean
cf_audio_codec_fmtp_foreach (const char *fmtp,
			     CfAudioCodecFmtpFunc func,
			     gpointer user_data,
			     GError **error)
{
	char buf[CF_AUDIO_CODEC_MAX_FMTP + 1];
	gsize len;
	gsize pos = 0;
	guint n_params = 0;

	g_return_val_if_fail (func != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (fmtp == NULL)
		return TRUE;
	len = strnlen (fmtp, CF_AUDIO_CODEC_MAX_FMTP + 1);
	if (len > CF_AUDIO_CODEC_MAX_FMTP) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_INVALID_FMTP,
			     "fmtp longer than %d bytes",
			     CF_AUDIO_CODEC_MAX_FMTP);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)fmtp[i];

		if ((c < 0x20 && c != '\t') || c >= 0x7f)
			return fmtp_error (error, "control or non-ASCII byte");
	}
	/* A copy to cut into NUL-terminated names and values in place. */
	memcpy (buf, fmtp, len);
	buf[len] = '\0';

	while (pos < len) {
		gsize start;
		gsize end;
		gsize eq;
		gsize name_end;
		gsize value_start;
		gsize value_end;

		/* One item: up to the next ';' or the end. */
		start = pos;
		end = start;
		while (end < len && buf[end] != ';')
			end++;
		pos = end + 1;

		while (start < end && is_space (buf[start]))
			start++;
		while (end > start && is_space (buf[end - 1]))
			end--;
		if (start == end)
			continue; /* an empty item: "a=1;;b=2", "a=1;" */

		if (++n_params > CF_AUDIO_CODEC_MAX_FMTP_PARAMS) {
			g_set_error (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_INVALID_FMTP,
				     "more than %d fmtp parameters",
				     CF_AUDIO_CODEC_MAX_FMTP_PARAMS);
			return FALSE;
		}

		eq = start;
		while (eq < end && buf[eq] != '=')
			eq++;
		if (eq == end)
			return fmtp_error (error, "a parameter without '='");

		name_end = eq;
		while (name_end > start && is_space (buf[name_end - 1]))
			name_end--;
		if (name_end == start)
			return fmtp_error (error, "a parameter without a name");
		if (name_end - start > CF_AUDIO_CODEC_MAX_FMTP_NAME)
			return fmtp_error (error, "a parameter name too long");
		for (gsize i = start; i < name_end; i++) {
			if (!is_token_char (buf[i]))
				return fmtp_error (error, "a parameter name that is not a token");
		}

		value_start = eq + 1;
		while (value_start < end && is_space (buf[value_start]))
			value_start++;
		value_end = end;
		if (value_start == value_end)
			return fmtp_error (error, "a parameter without a value");
		for (gsize i = value_start; i < value_end; i++) {
			if (is_space (buf[i]))
				return fmtp_error (error, "white space inside a value");
		}

		buf[name_end] = '\0';
		buf[value_end] = '\0';
		if (!func (buf + start, buf + value_start, user_data, error))
			return FALSE;
	}
	return TRUE;
}

gboolean
cf_audio_codec_check_pcm (const gint16 *pcm, gsize n_samples, GError **error)
{
	if (pcm == NULL) {
		g_set_error_literal (error,
				     CF_AUDIO_CODEC_ERROR,
				     CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT,
				     "no samples");
		return FALSE;
	}
	if (n_samples != CF_AUDIO_CODEC_FRAME_SAMPLES) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_FRAME_SIZE,
			     "frame of %" G_GSIZE_FORMAT " samples, expected %d",
			     n_samples,
			     CF_AUDIO_CODEC_FRAME_SAMPLES);
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_audio_codec_check_payload (const guint8 *payload, gsize len, GError **error)
{
	if (len > CF_AUDIO_CODEC_MAX_PACKET) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_TOO_LARGE,
			     "payload of %" G_GSIZE_FORMAT " bytes, at most %d",
			     len,
			     CF_AUDIO_CODEC_MAX_PACKET);
		return FALSE;
	}
	if (payload == NULL || len == 0) {
		g_set_error_literal (
			error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_CORRUPT, "empty payload");
		return FALSE;
	}
	return TRUE;
}

/* G.711 has no fmtp parameters: the string's syntax and limits are checked,
 * its contents ignored. */
static gboolean
on_ignored_fmtp_param (const char *name, const char *value, gpointer user_data, GError **error)
{
	return TRUE;
}

/* Encoder. */

struct _CfAudioEncoder {
	CfAudioCodecId id;
	CfOpusEncoder *opus; /* (owned) (nullable) for CF_AUDIO_CODEC_OPUS */
	CfG711Encoder *g711; /* (owned) (nullable) for PCMU and PCMA */
};

CfAudioEncoder *
cf_audio_encoder_new (
	const char *name, guint clock_rate, guint channels, const char *fmtp, GError **error)
{
	g_autoptr (CfAudioEncoder) self = NULL;
	CfAudioCodecId id;

	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (!cf_audio_codec_lookup (name, clock_rate, channels, &id, error))
		return NULL;

	self = g_new0 (CfAudioEncoder, 1);
	self->id = id;
	if (id == CF_AUDIO_CODEC_OPUS) {
		CfOpusFmtp params;

		if (!cf_opus_fmtp_parse (fmtp, &params, error))
			return NULL;
		self->opus = cf_opus_encoder_new (&params, error);
		if (self->opus == NULL)
			return NULL;
	} else {
		if (!cf_audio_codec_fmtp_foreach (fmtp, on_ignored_fmtp_param, NULL, error))
			return NULL;
		self->g711 = cf_g711_encoder_new (id == CF_AUDIO_CODEC_PCMU ? CF_G711_ULAW
									    : CF_G711_ALAW);
	}
	return g_steal_pointer (&self);
}

void
cf_audio_encoder_free (CfAudioEncoder *self)
{
	if (self == NULL)
		return;
	cf_opus_encoder_free (self->opus);
	cf_g711_encoder_free (self->g711);
	g_free (self);
}

CfAudioCodecId
cf_audio_encoder_get_codec (const CfAudioEncoder *self)
{
	g_return_val_if_fail (self != NULL, CF_AUDIO_CODEC_OPUS);
	return self->id;
}

guint
cf_audio_encoder_get_clock_rate (const CfAudioEncoder *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return cf_audio_codec_id_get_clock_rate (self->id);
}

guint
cf_audio_encoder_get_frame_duration (const CfAudioEncoder *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return cf_audio_codec_id_get_clock_rate (self->id) / 1000 * CF_AUDIO_CODEC_FRAME_MS;
}

gboolean
cf_audio_encoder_encode (CfAudioEncoder *self,
			 const gint16 *pcm,
			 gsize n_samples,
			 guint8 *packet,
			 gsize packet_size,
			 gsize *ret_len,
			 GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_encoder_encode (
			self->opus, pcm, n_samples, packet, packet_size, ret_len, error);
	return cf_g711_encoder_encode (
		self->g711, pcm, n_samples, packet, packet_size, ret_len, error);
}

gboolean
cf_audio_encoder_set_bitrate (CfAudioEncoder *self, guint bitrate, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_encoder_set_bitrate (self->opus, bitrate, error);
	if (bitrate < CF_OPUS_MIN_BITRATE || bitrate > CF_OPUS_MAX_BITRATE) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT,
			     "bitrate %u out of range %d..%d",
			     bitrate,
			     CF_OPUS_MIN_BITRATE,
			     CF_OPUS_MAX_BITRATE);
		return FALSE;
	}
	return TRUE; /* G.711: always 64 kb/s */
}

guint
cf_audio_encoder_get_bitrate (const CfAudioEncoder *self)
{
	g_return_val_if_fail (self != NULL, 0);

	if (self->opus != NULL)
		return cf_opus_encoder_get_bitrate (self->opus);
	return CF_G711_BITRATE;
}

gboolean
cf_audio_encoder_set_packet_loss (CfAudioEncoder *self, guint percent, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_encoder_set_packet_loss (self->opus, percent, error);
	if (percent > 100) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT,
			     "packet loss %u %% out of range 0..100",
			     percent);
		return FALSE;
	}
	return TRUE; /* G.711: no FEC */
}

gboolean
cf_audio_encoder_set_dtx (CfAudioEncoder *self, gboolean enabled, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_encoder_set_dtx (self->opus, enabled, error);
	return TRUE; /* G.711: no DTX */
}

gboolean
cf_audio_encoder_get_dtx (const CfAudioEncoder *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->opus != NULL && cf_opus_encoder_get_dtx (self->opus);
}

gboolean
cf_audio_encoder_get_fec (const CfAudioEncoder *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->opus != NULL && cf_opus_encoder_get_fec (self->opus);
}

/* Decoder. */

struct _CfAudioDecoder {
	CfAudioCodecId id;
	CfOpusDecoder *opus; /* (owned) (nullable) for CF_AUDIO_CODEC_OPUS */
	CfG711Decoder *g711; /* (owned) (nullable) for PCMU and PCMA */
};

CfAudioDecoder *
cf_audio_decoder_new (
	const char *name, guint clock_rate, guint channels, const char *fmtp, GError **error)
{
	g_autoptr (CfAudioDecoder) self = NULL;
	CfAudioCodecId id;

	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (!cf_audio_codec_lookup (name, clock_rate, channels, &id, error))
		return NULL;

	self = g_new0 (CfAudioDecoder, 1);
	self->id = id;
	if (id == CF_AUDIO_CODEC_OPUS) {
		CfOpusFmtp params;

		if (!cf_opus_fmtp_parse (fmtp, &params, error))
			return NULL;
		self->opus = cf_opus_decoder_new (&params, error);
		if (self->opus == NULL)
			return NULL;
	} else {
		if (!cf_audio_codec_fmtp_foreach (fmtp, on_ignored_fmtp_param, NULL, error))
			return NULL;
		self->g711 = cf_g711_decoder_new (id == CF_AUDIO_CODEC_PCMU ? CF_G711_ULAW
									    : CF_G711_ALAW);
	}
	return g_steal_pointer (&self);
}

void
cf_audio_decoder_free (CfAudioDecoder *self)
{
	if (self == NULL)
		return;
	cf_opus_decoder_free (self->opus);
	cf_g711_decoder_free (self->g711);
	g_free (self);
}

CfAudioCodecId
cf_audio_decoder_get_codec (const CfAudioDecoder *self)
{
	g_return_val_if_fail (self != NULL, CF_AUDIO_CODEC_OPUS);
	return self->id;
}

guint
cf_audio_decoder_get_clock_rate (const CfAudioDecoder *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return cf_audio_codec_id_get_clock_rate (self->id);
}

gboolean
cf_audio_decoder_has_fec (const CfAudioDecoder *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->opus != NULL;
}

gboolean
cf_audio_decoder_decode (CfAudioDecoder *self,
			 const guint8 *payload,
			 gsize len,
			 gint16 *pcm,
			 gsize n_samples,
			 GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_decoder_decode (self->opus, payload, len, pcm, n_samples, error);
	return cf_g711_decoder_decode (self->g711, payload, len, pcm, n_samples, error);
}

gboolean
cf_audio_decoder_conceal (CfAudioDecoder *self, gint16 *pcm, gsize n_samples, GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_decoder_conceal (self->opus, pcm, n_samples, error);
	return cf_g711_decoder_conceal (self->g711, pcm, n_samples, error);
}

gboolean
cf_audio_decoder_recover (CfAudioDecoder *self,
			  const guint8 *next_payload,
			  gsize len,
			  gint16 *pcm,
			  gsize n_samples,
			  GError **error)
{
	g_return_val_if_fail (self != NULL, FALSE);

	if (self->opus != NULL)
		return cf_opus_decoder_recover (
			self->opus, next_payload, len, pcm, n_samples, error);
	/* No FEC in G.711: check the payload as decode would, then conceal. */
	if (!cf_audio_codec_check_payload (next_payload, len, error))
		return FALSE;
	return cf_g711_decoder_conceal (self->g711, pcm, n_samples, error);
}
