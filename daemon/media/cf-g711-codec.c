/* SPDX-License-Identifier: GPL-3.0-or-later */
/* G.711 µ-law and A-law with a 48 kHz <-> 8 kHz polyphase FIR resampler and
 * a pitch-repeating concealment (see cf-g711-codec.h). */

#define G_LOG_DOMAIN "cf-g711-codec"

#include <string.h>

#include "cf-g711-codec.h"

#define CF_G711_RATIO 6 /* 48000 / 8000 */
G_STATIC_ASSERT (CF_AUDIO_CODEC_SAMPLE_RATE == CF_G711_RATIO * CF_G711_CLOCK_RATE);
G_STATIC_ASSERT (CF_AUDIO_CODEC_FRAME_SAMPLES == CF_G711_RATIO * CF_G711_FRAME_BYTES);

/* Taps per polyphase branch of the interpolator: the FIR padded with zeros
 * to a multiple of the ratio. */
#define CF_G711_BRANCH_TAPS ((CF_G711_FILTER_TAPS + CF_G711_RATIO - 1) / CF_G711_RATIO)

/* Kaiser's formula for the window parameter giving a stop-band
 * attenuation of A = 60 dB: beta = 0.1102 (A - 8.7). */
#define CF_G711_KAISER_BETA 5.6533

/* Concealment (see the header). */
#define CF_G711_PLC_HISTORY	(2 * CF_G711_FRAME_BYTES) /* 8 kHz samples kept: 40 ms */
#define CF_G711_PLC_WINDOW	CF_G711_FRAME_BYTES	  /* correlated over the last 20 ms */
#define CF_G711_PLC_MIN_LAG	20			  /* 2.5 ms, 400 Hz */
#define CF_G711_PLC_MAX_LAG	120			  /* 15 ms, 67 Hz */
#define CF_G711_PLC_FADE_FRAMES 3			  /* silent after 60 ms of loss */
G_STATIC_ASSERT (CF_G711_PLC_WINDOW + CF_G711_FRAME_BYTES <= CF_G711_PLC_HISTORY);
G_STATIC_ASSERT (CF_G711_PLC_WINDOW + CF_G711_PLC_MAX_LAG <= CF_G711_PLC_HISTORY);

/* Companding. */

/* The number of significant bits of @v > 0. */
static guint
bit_length (guint v)
{
	return (guint)(sizeof (guint) * 8) - (guint)__builtin_clz (v);
}

/* The magnitude of a 16-bit sample after dropping @shift bits, with
 * negative values mapped by one's complement (-1 -> 0), and whether it was
 * negative. */
static guint
magnitude (gint16 pcm, guint shift, gboolean *ret_negative)
{
	if (pcm >= 0) {
		*ret_negative = FALSE;
		return (guint)pcm >> shift;
	}
	*ret_negative = TRUE;
	return (guint)(-(gint)pcm - 1) >> shift;
}

guint8
cf_g711_ulaw_from_linear (gint16 pcm)
{
	gboolean negative;
	guint m = magnitude (pcm, 2, &negative);
	guint seg;
	guint q;

	/* 8158 is the top of the last interval (decision value 8159). */
	if (m > 8158)
		m = 8158;
	m += 33;		     /* in [33, 8191] */
	seg = bit_length (m) - 6;    /* [2^(s+5), 2^(s+6)) */
	q = (m >> (seg + 1)) & 0x0F; /* the 4 bits below the leading one */
	return (guint8) ~((negative ? 0x80 : 0x00) | (seg << 4) | q);
}

gint16
cf_g711_ulaw_to_linear (guint8 code)
{
	guint c = (guint8)~code;
	guint seg = (c >> 4) & 0x07;
	guint q = c & 0x0F;
	gint v = (gint)(((2 * q + 33) << seg) - 33) << 2;

	return (gint16)((c & 0x80) != 0 ? -v : v);
}

guint8
cf_g711_alaw_from_linear (gint16 pcm)
{
	gboolean negative;
	guint m = magnitude (pcm, 3, &negative); /* in [0, 4095] */
	guint seg;
	guint q;

	if (m < 32) {
		seg = 0;
		q = m >> 1;
	} else {
		seg = bit_length (m) - 5; /* [2^(s+4), 2^(s+5)) */
		q = (m >> seg) & 0x0F;
	}
	return (guint8)(((negative ? 0x00 : 0x80) | (seg << 4) | q) ^ 0x55);
}

gint16
cf_g711_alaw_to_linear (guint8 code)
{
	guint c = code ^ 0x55u;
	guint seg = (c >> 4) & 0x07;
	guint q = c & 0x0F;
	gint v;

	if (seg == 0)
		v = (gint)(2 * q + 1);
	else
		v = (gint)((2 * q + 33) << (seg - 1));
	v <<= 3;
	return (gint16)((c & 0x80) != 0 ? v : -v);
}

/* The resampling filter, designed once (see the header). */

static float cf_g711_filter[CF_G711_BRANCH_TAPS * CF_G711_RATIO]; /* zero-padded */

/* The zeroth-order modified Bessel function of the first kind, I0(x), from
 * its power series sum_k ((x/2)^2k / (k!)^2), given x^2: no square root
 * needed. */
static double
bessel_i0_of_square (double x2)
{
	double term = 1.0;
	double sum = 1.0;
	guint k;

	for (k = 1; k < 200 && term > 1e-15 * sum; k++) {
		term *= x2 / (4.0 * k * k);
		sum += term;
	}
	return sum;
}

/* sin(pi t / 6) for an integer t: exactly one of 12 values. */
static double
sin_pi_sixths (gint t)
{
	static const double values[12] = {
		0.0,
		0.5,
		0.86602540378443864676,
		1.0,
		0.86602540378443864676,
		0.5,
		0.0,
		-0.5,
		-0.86602540378443864676,
		-1.0,
		-0.86602540378443864676,
		-0.5,
	};

	return values[((t % 12) + 12) % 12];
}

static void
design_filter (void)
{
	const gint center = CF_G711_FILTER_DELAY;
	const double i0_beta = bessel_i0_of_square (CF_G711_KAISER_BETA * CF_G711_KAISER_BETA);
	double h[CF_G711_FILTER_TAPS];
	double sum = 0.0;
	gint k;

	for (k = 0; k < CF_G711_FILTER_TAPS; k++) {
		gint t = k - center;
		double r = (double)t / center;
		double window = bessel_i0_of_square (CF_G711_KAISER_BETA * CF_G711_KAISER_BETA
						     * (1.0 - r * r))
				/ i0_beta;
		/* The ideal low-pass at fc = Fs / 12 (4 kHz at 48 kHz):
		 * 2 fc/Fs sinc(2 fc/Fs t) = sin(pi t / 6) / (pi t). */
		double ideal = t == 0 ? 1.0 / 6.0 : sin_pi_sixths (t) / (G_PI * t);

		h[k] = ideal * window;
		sum += h[k];
	}
	/* Unity gain at DC. */
	for (k = 0; k < CF_G711_FILTER_TAPS; k++)
		cf_g711_filter[k] = (float)(h[k] / sum);
}

static void
ensure_filter (void)
{
	static gsize designed = 0;

	if (g_once_init_enter (&designed)) {
		design_filter ();
		g_once_init_leave (&designed, 1);
	}
}

static gint16
to_sample (float v)
{
	if (v >= 32767.0f)
		return 32767;
	if (v <= -32768.0f)
		return -32768;
	return (gint16)(v >= 0.0f ? v + 0.5f : v - 0.5f);
}

/* Encoder: decimator and compander. */

struct _CfG711Encoder {
	CfG711Law law;
	/* The last TAPS - 1 input samples, then the frame being encoded. */
	float input[CF_G711_FILTER_TAPS - 1 + CF_AUDIO_CODEC_FRAME_SAMPLES];
};

CfG711Encoder *
cf_g711_encoder_new (CfG711Law law)
{
	CfG711Encoder *self;

	g_return_val_if_fail (law == CF_G711_ULAW || law == CF_G711_ALAW, NULL);

	ensure_filter ();
	self = g_new0 (CfG711Encoder, 1);
	self->law = law;
	return self;
}

void
cf_g711_encoder_free (CfG711Encoder *self)
{
	g_free (self);
}

gboolean
cf_g711_encoder_encode (CfG711Encoder *self,
			const gint16 *pcm,
			gsize n_samples,
			guint8 *packet,
			gsize packet_size,
			gsize *ret_len,
			GError **error)
{
	float *x = self->input + CF_G711_FILTER_TAPS - 1; /* x[i] = this frame's sample i */
	gsize i;
	gsize m;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (ret_len != NULL, FALSE);

	if (!cf_audio_codec_check_pcm (pcm, n_samples, error))
		return FALSE;
	if (packet == NULL || packet_size < CF_G711_FRAME_BYTES) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     packet == NULL ? CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT
					    : CF_AUDIO_CODEC_ERROR_NO_SPACE,
			     "g711: the output needs %d bytes",
			     CF_G711_FRAME_BYTES);
		return FALSE;
	}

	for (i = 0; i < CF_AUDIO_CODEC_FRAME_SAMPLES; i++)
		x[i] = pcm[i];

	/* Output m is the filter's value at input 6m + 5, the newest of its
	 * group: y[m] = sum_k h[k] x[6m + 5 - k]. */
	for (m = 0; m < CF_G711_FRAME_BYTES; m++) {
		const float *newest = x + CF_G711_RATIO * m + CF_G711_RATIO - 1;
		float acc = 0.0f;
		gsize k;
		gint16 v;

		for (k = 0; k < CF_G711_FILTER_TAPS; k++)
			acc += cf_g711_filter[k] * newest[-(gssize)k];
		v = to_sample (acc);
		packet[m] = self->law == CF_G711_ULAW ? cf_g711_ulaw_from_linear (v)
						      : cf_g711_alaw_from_linear (v);
	}

	memmove (self->input,
		 self->input + CF_AUDIO_CODEC_FRAME_SAMPLES,
		 (CF_G711_FILTER_TAPS - 1) * sizeof (float));
	*ret_len = CF_G711_FRAME_BYTES;
	return TRUE;
}

/* Decoder: expander, concealment and interpolator. */

struct _CfG711Decoder {
	CfG711Law law;
	/* The last BRANCH_TAPS - 1 samples at 8 kHz, then the frame being
	 * interpolated. */
	float input[CF_G711_BRANCH_TAPS - 1 + CF_G711_FRAME_BYTES];
	/* The last 40 ms decoded (not concealed), oldest first. */
	float history[CF_G711_PLC_HISTORY];
	guint lost;	/* consecutive concealed frames */
	guint lag;	/* the pitch period repeated, samples at 8 kHz */
	guint position; /* where in that period the next concealed sample is */
};

CfG711Decoder *
cf_g711_decoder_new (CfG711Law law)
{
	CfG711Decoder *self;

	g_return_val_if_fail (law == CF_G711_ULAW || law == CF_G711_ALAW, NULL);

	ensure_filter ();
	self = g_new0 (CfG711Decoder, 1);
	self->law = law;
	return self;
}

void
cf_g711_decoder_free (CfG711Decoder *self)
{
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

/* Interpolates the 160 samples in the frame part of self->input to 960 at
 * 48 kHz: y[6m + p] = 6 sum_j h[p + 6j] x[m - j]. */
static void
interpolate (CfG711Decoder *self, gint16 *pcm)
{
	const float *x = self->input + CF_G711_BRANCH_TAPS - 1;
	gsize m;
	guint p;

	for (m = 0; m < CF_G711_FRAME_BYTES; m++) {
		for (p = 0; p < CF_G711_RATIO; p++) {
			const float *h = cf_g711_filter + p;
			float acc = 0.0f;
			gsize j;

			for (j = 0; j < CF_G711_BRANCH_TAPS; j++)
				acc += h[CF_G711_RATIO * j] * x[(gssize)m - (gssize)j];
			pcm[CF_G711_RATIO * m + p] = to_sample (acc * CF_G711_RATIO);
		}
	}
	memmove (self->input,
		 self->input + CF_G711_FRAME_BYTES,
		 (CF_G711_BRANCH_TAPS - 1) * sizeof (float));
}

gboolean
cf_g711_decoder_decode (CfG711Decoder *self,
			const guint8 *payload,
			gsize len,
			gint16 *pcm,
			gsize n_samples,
			GError **error)
{
	float *x = self->input + CF_G711_BRANCH_TAPS - 1;
	gsize i;

	g_return_val_if_fail (self != NULL, FALSE);

	if (!check_output (pcm, n_samples, error)
	    || !cf_audio_codec_check_payload (payload, len, error))
		return FALSE;
	if (len != CF_G711_FRAME_BYTES) {
		g_set_error (error,
			     CF_AUDIO_CODEC_ERROR,
			     CF_AUDIO_CODEC_ERROR_FRAME_SIZE,
			     "g711: payload of %" G_GSIZE_FORMAT " bytes, expected %d (%d ms)",
			     len,
			     CF_G711_FRAME_BYTES,
			     CF_AUDIO_CODEC_FRAME_MS);
		return FALSE;
	}

	for (i = 0; i < CF_G711_FRAME_BYTES; i++) {
		x[i] = self->law == CF_G711_ULAW ? cf_g711_ulaw_to_linear (payload[i])
						 : cf_g711_alaw_to_linear (payload[i]);
	}
	memmove (self->history,
		 self->history + CF_G711_FRAME_BYTES,
		 (CF_G711_PLC_HISTORY - CF_G711_FRAME_BYTES) * sizeof (float));
	memcpy (self->history + CF_G711_PLC_HISTORY - CF_G711_FRAME_BYTES,
		x,
		CF_G711_FRAME_BYTES * sizeof (float));
	self->lost = 0;

	interpolate (self, pcm);
	return TRUE;
}

/* The pitch lag of the end of the history: the lag in [MIN_LAG, MAX_LAG]
 * maximising the normalised correlation c(lag) / sqrt(e(lag)) of the last
 * WINDOW samples with those lag earlier (compared as c |c| / e, without
 * square roots), or the whole frame when no lag correlates positively. */
static guint
find_pitch (const float *history)
{
	const float *w = history + CF_G711_PLC_HISTORY - CF_G711_PLC_WINDOW;
	guint best = CF_G711_FRAME_BYTES;
	double best_c = 0.0;
	double best_e = 1.0;
	guint lag;

	for (lag = CF_G711_PLC_MIN_LAG; lag <= CF_G711_PLC_MAX_LAG; lag++) {
		double c = 0.0;
		double e = 0.0;
		gsize i;

		for (i = 0; i < CF_G711_PLC_WINDOW; i++) {
			double past = w[(gssize)i - (gssize)lag];

			c += (double)w[i] * past;
			e += past * past;
		}
		if (c <= 0.0 || e <= 0.0)
			continue;
		/* c^2 / e > best_c^2 / best_e */
		if (c * c * best_e > best_c * best_c * e) {
			best = lag;
			best_c = c;
			best_e = e;
		}
	}
	return best;
}

gboolean
cf_g711_decoder_conceal (CfG711Decoder *self, gint16 *pcm, gsize n_samples, GError **error)
{
	float *x = self->input + CF_G711_BRANCH_TAPS - 1;
	const float *period;
	float gain_start;
	float gain_end;
	gsize i;

	g_return_val_if_fail (self != NULL, FALSE);

	if (!check_output (pcm, n_samples, error))
		return FALSE;

	if (self->lost == 0) {
		self->lag = find_pitch (self->history);
		self->position = 0;
	}
	period = self->history + CF_G711_PLC_HISTORY - self->lag;
	gain_start = self->lost >= CF_G711_PLC_FADE_FRAMES
			     ? 0.0f
			     : 1.0f - (float)self->lost / CF_G711_PLC_FADE_FRAMES;
	gain_end = self->lost + 1 >= CF_G711_PLC_FADE_FRAMES
			   ? 0.0f
			   : 1.0f - (float)(self->lost + 1) / CF_G711_PLC_FADE_FRAMES;

	for (i = 0; i < CF_G711_FRAME_BYTES; i++) {
		float gain = gain_start + (gain_end - gain_start) * (float)i / CF_G711_FRAME_BYTES;

		x[i] = gain * period[self->position];
		self->position = (self->position + 1) % self->lag;
	}
	if (self->lost < G_MAXUINT)
		self->lost++;

	interpolate (self, pcm);
	return TRUE;
}
