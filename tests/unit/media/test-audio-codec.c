/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The call audio codecs: Opus and G.711 behind one interface. Signals are
 * generated here, pushed through a codec, and the decoded audio measured:
 * its frequency, its SNR after aligning for the codec's delay (found by
 * cross-correlation), concealment and FEC. G.711 companding is checked
 * against the G.711 tables, fmtp parsing against RFC 7587 and bad input. */

#include <string.h>

#include <opus.h>

#include "cf-audio-codec.h"
#include "cf-g711-codec.h"
#include "cf-opus-codec.h"

#define RATE  CF_AUDIO_CODEC_SAMPLE_RATE
#define FRAME CF_AUDIO_CODEC_FRAME_SAMPLES

/* A little arithmetic. The unit tests link only the media library, which
 * does not need libm, so the few functions needed are here: accurate to
 * about 1e-14, plenty for measuring audio. */

static double
t_floor (double x)
{
	double t = (double)(gint64)x;

	return t > x ? t - 1.0 : t;
}

static double
t_sin (double x)
{
	double x2;
	double term;
	double sum;

	/* To [-pi, pi), then the Taylor series (error below pi^27 / 27!). */
	x -= 2.0 * G_PI * t_floor ((x + G_PI) / (2.0 * G_PI));
	x2 = x * x;
	term = x;
	sum = x;
	for (int k = 1; k <= 13; k++) {
		term *= -x2 / ((2.0 * k) * (2.0 * k + 1.0));
		sum += term;
	}
	return sum;
}

static double
t_cos (double x)
{
	return t_sin (x + G_PI / 2.0);
}

/* 10 log10(ratio), for ratio > 0. */
static double
t_db (double ratio)
{
	double ln = 0.0;
	double y;
	double y2;
	double term;

	g_assert_cmpfloat (ratio, >, 0.0);
	while (ratio >= 2.0) {
		ratio /= 2.0;
		ln += G_LN2;
	}
	while (ratio < 1.0) {
		ratio *= 2.0;
		ln -= G_LN2;
	}
	/* ln(r) = 2 atanh((r - 1) / (r + 1)), |y| < 1/3. */
	y = (ratio - 1.0) / (ratio + 1.0);
	y2 = y * y;
	term = y;
	for (int k = 0; k < 40; k++) {
		ln += 2.0 * term / (2 * k + 1);
		term *= y2;
	}
	return 10.0 * ln / G_LN10;
}

static gint16
to_sample (double v)
{
	if (v > 32767.0)
		return 32767;
	if (v < -32768.0)
		return -32768;
	return (gint16)(v >= 0.0 ? v + 0.5 : v - 0.5);
}

static void
fill_sine (gint16 *x, gsize n, gsize offset, double freq, double amplitude)
{
	for (gsize i = 0; i < n; i++)
		x[i] = to_sample (amplitude
				  * t_sin (2.0 * G_PI * freq * (double)(offset + i) / RATE));
}

/* A linear sweep from f0 to f1 over n samples: a signal whose
 * autocorrelation has one sharp peak, to measure delays with. */
static void
fill_chirp (gint16 *x, gsize n, double f0, double f1, double amplitude)
{
	double duration = (double)n / RATE;

	for (gsize i = 0; i < n; i++) {
		double t = (double)i / RATE;
		double phase = 2.0 * G_PI * (f0 * t + (f1 - f0) * t * t / (2.0 * duration));

		x[i] = to_sample (amplitude * t_sin (phase));
	}
}

/* Something like a voiced speech sound: a harmonic tone whose pitch
 * (100-220 Hz) and loudness keep moving. */
static void
fill_speechlike (gint16 *x, gsize n)
{
	double phase = 0.0;

	for (gsize i = 0; i < n; i++) {
		double t = (double)i / RATE;
		double f0 = 160.0 + 60.0 * t_sin (2.0 * G_PI * 3.0 * t);
		double env = 0.55 + 0.45 * t_sin (2.0 * G_PI * 4.0 * t);
		double v = 0.0;

		phase += 2.0 * G_PI * f0 / RATE;
		for (int h = 1; h <= 6; h++)
			v += t_sin (h * phase) / h;
		x[i] = to_sample (5000.0 * env * v);
	}
}

/* The power of x at freq (Goertzel). */
static double
goertzel (const gint16 *x, gsize n, double freq)
{
	double c = 2.0 * t_cos (2.0 * G_PI * freq / RATE);
	double s1 = 0.0;
	double s2 = 0.0;

	for (gsize i = 0; i < n; i++) {
		double s = x[i] + c * s1 - s2;

		s2 = s1;
		s1 = s;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* The frequency of the strongest tone in lo..hi Hz: the peak of the
 * Goertzel power, on a 1 Hz grid and then on a 0.02 Hz grid around it. */
static double
dominant_frequency (const gint16 *x, gsize n, double lo, double hi)
{
	double best = lo;
	double best_power = -1.0;
	double centre;

	for (double f = lo; f <= hi; f += 1.0) {
		double p = goertzel (x, n, f);

		if (p > best_power) {
			best_power = p;
			best = f;
		}
	}
	centre = best;
	for (double f = centre - 1.0; f <= centre + 1.0; f += 0.02) {
		double p = goertzel (x, n, f);

		if (p > best_power) {
			best_power = p;
			best = f;
		}
	}
	return best;
}

static double
energy (const gint16 *x, gsize n)
{
	double e = 0.0;

	for (gsize i = 0; i < n; i++)
		e += (double)x[i] * x[i];
	return e;
}

/* The lag (0..max_lag) of output behind input that maximises their cross
 * correlation over input[start, start + n). */
static gsize
find_delay (const gint16 *input, const gint16 *output, gsize start, gsize n, gsize max_lag)
{
	gsize best = 0;
	double best_c = 0.0;

	for (gsize lag = 0; lag <= max_lag; lag++) {
		double c = 0.0;

		for (gsize i = start; i < start + n; i++)
			c += (double)input[i] * output[i + lag];
		if (c > best_c) {
			best_c = c;
			best = lag;
		}
	}
	return best;
}

/* SNR in dB of output against input delayed by delay, over
 * input[start, start + n). */
static double
snr_db (const gint16 *input, const gint16 *output, gsize delay, gsize start, gsize n)
{
	double signal = 0.0;
	double noise = 0.0;

	for (gsize i = start; i < start + n; i++) {
		double d = (double)output[i + delay] - input[i];

		signal += (double)input[i] * input[i];
		noise += d * d;
	}
	if (noise == 0.0)
		return 200.0;
	return t_db (signal / noise);
}

/* Encodes and decodes n_frames of input through a fresh encoder and
 * decoder pair for the codec; every frame must make a packet. */
static void
run_codec (const char *name,
	   guint clock_rate,
	   guint channels,
	   const char *fmtp,
	   const gint16 *input,
	   gint16 *output,
	   gsize n_frames)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioEncoder) enc =
		cf_audio_encoder_new (name, clock_rate, channels, fmtp, &error);
	g_autoptr (CfAudioDecoder) dec = NULL;

	g_assert_no_error (error);
	dec = cf_audio_decoder_new (name, clock_rate, channels, fmtp, &error);
	g_assert_no_error (error);

	for (gsize f = 0; f < n_frames; f++) {
		guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
		gsize len = 0;

		g_assert_true (cf_audio_encoder_encode (
			enc, input + f * FRAME, FRAME, packet, sizeof (packet), &len, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (len, >, 0);
		g_assert_true (cf_audio_decoder_decode (
			dec, packet, len, output + f * FRAME, FRAME, &error));
		g_assert_no_error (error);
	}
}

/* The tone test: 250 ms of chirp (200-3400 Hz, inside every codec's band)
 * to measure the delay by cross-correlation, then a 440 Hz sine whose
 * frequency and SNR are measured once the codec has settled. */
#define TONE_HZ	       440.0
#define TONE_AMPLITUDE 10000.0 /* -10 dBFS */
#define TONE_FRAMES    64      /* 1.28 s */
#define CHIRP_SAMPLES  (RATE / 4)
#define MAX_DELAY      (RATE / 40) /* 25 ms: more than any codec here needs */
#define SETTLE_SAMPLES (RATE / 5)

typedef struct {
	const char *name;
	guint clock_rate;
	guint channels;
	const char *fmtp;
	gsize expected_delay; /* 0: Opus' lookahead, asked of libopus */
	gsize delay_tolerance;
	double snr_floor_db;
} ToneCase;

/* The delay of a libopus VOIP encoder at 48 kHz (the decoder adds none). */
static gsize
opus_lookahead (void)
{
	int err = 0;
	OpusEncoder *enc = opus_encoder_create (RATE, 1, OPUS_APPLICATION_VOIP, &err);
	opus_int32 lookahead = -1;

	g_assert_nonnull (enc);
	g_assert_cmpint (opus_encoder_ctl (enc, OPUS_GET_LOOKAHEAD (&lookahead)), ==, OPUS_OK);
	opus_encoder_destroy (enc);
	g_assert_cmpint (lookahead, >, 0);
	return (gsize)lookahead;
}

static void
test_codec_tone (gconstpointer data)
{
	const ToneCase *tc = data;
	const gsize n = TONE_FRAMES * FRAME;
	g_autofree gint16 *input = g_new0 (gint16, n);
	g_autofree gint16 *output = g_new0 (gint16, n);
	gsize delay;
	gsize expected;
	gsize start = CHIRP_SAMPLES + SETTLE_SAMPLES;
	gsize len = n - start - MAX_DELAY;
	double freq;
	double snr;

	fill_chirp (input, CHIRP_SAMPLES, 200.0, 3400.0, TONE_AMPLITUDE);
	fill_sine (input + CHIRP_SAMPLES, n - CHIRP_SAMPLES, 0, TONE_HZ, TONE_AMPLITUDE);
	run_codec (tc->name, tc->clock_rate, tc->channels, tc->fmtp, input, output, TONE_FRAMES);

	delay = find_delay (input, output, 0, CHIRP_SAMPLES, MAX_DELAY);
	freq = dominant_frequency (output + start + delay, len, 300.0, 600.0);
	snr = snr_db (input, output, delay, start, len);
	g_test_message ("%s: delay %" G_GSIZE_FORMAT " samples, %.2f Hz, SNR %.1f dB",
			tc->name,
			delay,
			freq,
			snr);

	expected = tc->expected_delay != 0 ? tc->expected_delay : opus_lookahead ();
	g_assert_cmpuint (delay, >=, expected - tc->delay_tolerance);
	g_assert_cmpuint (delay, <=, expected + tc->delay_tolerance);
	g_assert_cmpfloat_with_epsilon (freq, TONE_HZ, 2.0);
	g_assert_cmpfloat (snr, >, tc->snr_floor_db);
}

/* Floors, from measurements (libopus 1.3.1) with margin:
 * - Opus at 32 kb/s, VOIP: measured 17.0 dB on this tone (a perceptual
 *   codec: it keeps the spectrum, the waveform only roughly). Floor 12 dB.
 *   Delay measured 310 against a lookahead of 312: the codec's phase
 *   response blurs the correlation peak by a sample or two; 4 allowed.
 * - G.711 with the resampler: measured 37.2 dB (PCMU) and 37.6 dB (PCMA),
 *   the companding's ~38 dB for a loud tone. Floor 30 dB. The delay is
 *   exactly the documented CF_G711_CODEC_DELAY. */
static const ToneCase tone_opus = {"opus", 48000, 2, "useinbandfec=1", 0, 4, 12.0};
static const ToneCase tone_pcmu = {"PCMU", 8000, 1, NULL, CF_G711_CODEC_DELAY, 0, 30.0};
static const ToneCase tone_pcma = {"PCMA", 8000, 1, NULL, CF_G711_CODEC_DELAY, 0, 30.0};

/* G.711 companding. */

/* The positive half of G.711 Table 2a (µ-law), in 14-bit units, as the
 * table lists it from the top: 16 intervals of 256 from 4063 to 8158
 * (codes 0x80..0x8F, counting down from the top), of 128 from 2015
 * (0x90..), of 64 from 991, of 32 from 479, of 16 from 223, of 8 from 95,
 * of 4 from 31 (0xE0..0xEF), then 15 intervals of 2 from 1 to 30
 * (0xF0..0xFE) and 0 alone (0xFF). The decoder output is the middle of the
 * interval (0 for 0). Negative values: the same with the sign bit clear. */
static void
ulaw_reference (guint magnitude, guint8 *ret_code, gint *ret_value)
{
	static const guint start[8] = {1, 31, 95, 223, 479, 991, 2015, 4063};
	static const guint step[8] = {2, 4, 8, 16, 32, 64, 128, 256};

	if (magnitude > 8158)
		magnitude = 8158;
	if (magnitude == 0) {
		*ret_code = 0xFF;
		*ret_value = 0;
		return;
	}
	for (int s = 7; s >= 0; s--) {
		if (magnitude >= start[s]) {
			guint j = (magnitude - start[s]) / step[s]; /* from the bottom */

			/* codes count down as values go up */
			*ret_code = (guint8)(s == 0 ? 0xFE - j : 0xEF - 16 * (guint)(s - 1) - j);
			*ret_value = (gint)(start[s] + j * step[s] + step[s] / 2);
			return;
		}
	}
	g_assert_not_reached ();
}

/* The positive half of G.711 Table 1a (A-law), in 13-bit units: segments
 * of 16 intervals, steps 2, 2, 4, 8, 16, 32, 64, 128 from 0, 32, 64, 128,
 * 256, 512, 1024, 2048 up to 4096; outputs in the middle of the interval;
 * codes 0x80 + segment x 16 + interval, even bits inverted. */
static void
alaw_reference (guint magnitude, guint8 *ret_code, gint *ret_value)
{
	static const guint seg_start[8] = {0, 32, 64, 128, 256, 512, 1024, 2048};
	static const guint seg_step[8] = {2, 2, 4, 8, 16, 32, 64, 128};

	for (int s = 7; s >= 0; s--) {
		if (magnitude >= seg_start[s]) {
			guint q = (magnitude - seg_start[s]) / seg_step[s];

			*ret_code = (guint8)((0x80 | (guint)s << 4 | q) ^ 0x55);
			*ret_value = (gint)(seg_start[s] + q * seg_step[s] + seg_step[s] / 2);
			return;
		}
	}
	g_assert_not_reached ();
}

static void
test_g711_ulaw_table (void)
{
	/* Values read from G.711 Table 2a and its usual 16-bit scaling
	 * (14-bit value x 4): the code of some 14-bit inputs, and outputs. */
	static const struct {
		gint in14;
		guint8 code;
	} encode[] = {
		{8158, 0x80},
		{4063, 0x8F},
		{4062, 0x90},
		{2015, 0x9F},
		{991, 0xAF},
		{95, 0xDF},
		{94, 0xE0},
		{31, 0xEF},
		{30, 0xF0},
		{2, 0xFE},
		{1, 0xFE},
		{0, 0xFF},
		{-1, 0x7F},
		{-2, 0x7E},
		{-31, 0x70},
		{-32, 0x6F},
		{-8159, 0x00},
	};
	static const struct {
		guint8 code;
		gint16 out;
	} decode[] = {
		{0x80, 32124},
		{0x00, -32124},
		{0xFF, 0},
		{0x7F, 0},
		{0xFE, 8},
		{0xF0, 120},
		{0xEF, 132},
		{0x8F, 16764},
		{0x6F, -132},
	};

	for (gsize i = 0; i < G_N_ELEMENTS (encode); i++) {
		gint16 pcm = (gint16)(encode[i].in14 * 4);

		g_assert_cmphex (cf_g711_ulaw_from_linear (pcm), ==, encode[i].code);
	}
	for (gsize i = 0; i < G_N_ELEMENTS (decode); i++)
		g_assert_cmpint (cf_g711_ulaw_to_linear (decode[i].code), ==, decode[i].out);

	/* Every 16-bit input against the table built above. */
	for (gint v = -32768; v <= 32767; v++) {
		gboolean negative = v < 0;
		guint m = negative ? (guint)(-v - 1) >> 2 : (guint)v >> 2;
		guint8 code;
		gint value;

		ulaw_reference (m, &code, &value);
		if (negative)
			code &= 0x7F;
		g_assert_cmphex (cf_g711_ulaw_from_linear ((gint16)v), ==, code);
		g_assert_cmpint (
			cf_g711_ulaw_to_linear (code), ==, (negative ? -value : value) * 4);
	}
	/* Every code decodes to a value that encodes back to it (except
	 * -0, 0x7F, which decodes to 0 = +0, 0xFF). */
	for (guint c = 0; c < 256; c++) {
		guint8 back = cf_g711_ulaw_from_linear (cf_g711_ulaw_to_linear ((guint8)c));

		g_assert_cmphex (back, ==, c == 0x7F ? 0xFF : c);
	}
}

static void
test_g711_alaw_table (void)
{
	/* From G.711 Table 1a (13-bit values; 16-bit = x 8). */
	static const struct {
		gint in13;
		guint8 code;
	} encode[] = {
		{0, 0xD5},
		{1, 0xD5},
		{2, 0xD4},
		{31, 0xDA},
		{32, 0xC5},
		{63, 0xCA},
		{64, 0xF5},
		{2048, 0xA5},
		{4095, 0xAA},
		{-1, 0x55},
		{-2, 0x55},
		{-3, 0x54},
		{-4096, 0x2A},
	};
	static const struct {
		guint8 code;
		gint16 out;
	} decode[] = {
		{0xD5, 8},
		{0x55, -8},
		{0xAA, 32256},
		{0x2A, -32256},
		{0xD4, 24},
		{0xC5, 264},
		{0xF5, 528},
		{0xA5, 16896},
	};

	for (gsize i = 0; i < G_N_ELEMENTS (encode); i++) {
		gint16 pcm = (gint16)(encode[i].in13 * 8);

		g_assert_cmphex (cf_g711_alaw_from_linear (pcm), ==, encode[i].code);
	}
	for (gsize i = 0; i < G_N_ELEMENTS (decode); i++)
		g_assert_cmpint (cf_g711_alaw_to_linear (decode[i].code), ==, decode[i].out);

	for (gint v = -32768; v <= 32767; v++) {
		gboolean negative = v < 0;
		guint m = negative ? (guint)(-v - 1) >> 3 : (guint)v >> 3;
		guint8 code;
		gint value;

		alaw_reference (m, &code, &value);
		if (negative)
			code ^= 0x80;
		g_assert_cmphex (cf_g711_alaw_from_linear ((gint16)v), ==, code);
		g_assert_cmpint (
			cf_g711_alaw_to_linear (code), ==, (negative ? -value : value) * 8);
	}
	/* A-law has no -0: every code survives a round trip. */
	for (guint c = 0; c < 256; c++)
		g_assert_cmphex (
			cf_g711_alaw_from_linear (cf_g711_alaw_to_linear ((guint8)c)), ==, c);
}

/* The resampler is a low-pass filter, not sample dropping: a 3.4 kHz tone
 * (the top of the telephone band) passes within 0.5 dB; a 5 kHz tone,
 * which dropping 5 of 6 samples would alias to 3 kHz at full level, comes
 * out at least 50 dB down (the filter's stop band is about 60 dB). */
static double
g711_gain_db (double freq)
{
	const gsize n_frames = 25;
	const gsize n = n_frames * FRAME;
	g_autofree gint16 *input = g_new0 (gint16, n);
	g_autofree gint16 *output = g_new0 (gint16, n);
	const gsize start = 5 * FRAME;
	const gsize len = n - start - MAX_DELAY;

	double out;

	fill_sine (input, n, 0, freq, 16000.0);
	run_codec ("PCMU", 8000, 1, NULL, input, output, n_frames);
	out = energy (output + start + CF_G711_CODEC_DELAY, len);
	if (out == 0.0)
		return -200.0; /* below G.711's smallest step: silence */
	return t_db (out / energy (input + start, len));
}

static void
test_g711_resampler (void)
{
	double pass = g711_gain_db (3400.0);
	double mid = g711_gain_db (1000.0);
	double stop = g711_gain_db (5000.0);
	double far = g711_gain_db (9000.0);

	g_test_message ("gain: 1 kHz %.2f dB, 3.4 kHz %.2f dB, 5 kHz %.1f dB, 9 kHz %.1f dB",
			mid,
			pass,
			stop,
			far);
	g_assert_cmpfloat_with_epsilon (mid, 0.0, 0.5);
	g_assert_cmpfloat_with_epsilon (pass, 0.0, 0.5);
	g_assert_cmpfloat (stop, <, -50.0);
	g_assert_cmpfloat (far, <, -50.0);
}

/* fmtp. */

static void
test_fmtp_parse (void)
{
	g_autoptr (GError) error = NULL;
	CfOpusFmtp f;

	/* RFC 7587 §7, example 2. */
	g_assert_true (cf_opus_fmtp_parse ("maxplaybackrate=16000; sprop-maxcapturerate=16000; "
					   "maxaveragebitrate=20000; stereo=1; useinbandfec=1; "
					   "usedtx=0",
					   &f,
					   &error));
	g_assert_no_error (error);
	g_assert_cmpuint (f.maxplaybackrate, ==, 16000);
	g_assert_cmpuint (f.sprop_maxcapturerate, ==, 16000);
	g_assert_cmpuint (f.maxaveragebitrate, ==, 20000);
	g_assert_true (f.stereo);
	g_assert_false (f.sprop_stereo);
	g_assert_true (f.useinbandfec);
	g_assert_false (f.usedtx);
	g_assert_false (f.cbr);
	g_assert_cmpuint (f.ptime, ==, 20);
	g_assert_cmpuint (f.maxptime, ==, 120);

	/* Defaults (RFC 7587 §6.1). */
	for (guint i = 0; i < 3; i++) {
		const char *s = i == 0 ? NULL : i == 1 ? "" : " ; ;";

		g_assert_true (cf_opus_fmtp_parse (s, &f, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (f.maxplaybackrate, ==, 48000);
		g_assert_cmpuint (f.sprop_maxcapturerate, ==, 48000);
		g_assert_cmpuint (f.maxaveragebitrate, ==, 0);
		g_assert_cmpuint (f.ptime, ==, 20);
		g_assert_cmpuint (f.maxptime, ==, 120);
		g_assert_false (f.stereo || f.sprop_stereo || f.cbr || f.useinbandfec || f.usedtx);
	}

	/* Names are case-insensitive, unknown ones ignored, white space
	 * around items and '=' tolerated, a trailing ';' too. */
	g_assert_true (cf_opus_fmtp_parse ("StereO=1;x-foo=bar;minptime=10; sprop-stereo = 1 ;"
					   "CBR=1;usedtx=1;ptime=40;maxptime=60;",
					   &f,
					   &error));
	g_assert_no_error (error);
	g_assert_true (f.stereo);
	g_assert_true (f.sprop_stereo);
	g_assert_true (f.cbr);
	g_assert_true (f.usedtx);
	g_assert_cmpuint (f.ptime, ==, 40);
	g_assert_cmpuint (f.maxptime, ==, 60);

	/* Well-formed values out of range are ignored: defaults kept. */
	g_assert_true (cf_opus_fmtp_parse ("maxaveragebitrate=100;maxplaybackrate=96000;stereo=2;"
					   "maxptime=500;ptime=0;sprop-maxcapturerate=4000",
					   &f,
					   &error));
	g_assert_no_error (error);
	g_assert_cmpuint (f.maxaveragebitrate, ==, 0);
	g_assert_cmpuint (f.maxplaybackrate, ==, 48000);
	g_assert_false (f.stereo);
	g_assert_cmpuint (f.maxptime, ==, 120);
	g_assert_cmpuint (f.ptime, ==, 20);
	g_assert_cmpuint (f.sprop_maxcapturerate, ==, 48000);

	/* The RFC's bounds themselves are in range. */
	g_assert_true (
		cf_opus_fmtp_parse ("maxaveragebitrate=510000;maxplaybackrate=8000", &f, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (f.maxaveragebitrate, ==, 510000);
	g_assert_cmpuint (f.maxplaybackrate, ==, 8000);
}

static void
test_fmtp_malformed (void)
{
	static const char *const bad[] = {
		"useinbandfec",		   /* no '=' */
		"=1",			   /* no name */
		"useinbandfec=",	   /* no value */
		"useinbandfec= ;stereo=1", /* no value */
		"useinbandfec=yes",	   /* not a number */
		"stereo=-1",		   /* a sign */
		"stereo=+1",
		"stereo=0x1",
		"maxaveragebitrate=1234567890", /* 10 digits */
		"maxaveragebitrate=99999999999999999999999",
		"stereo=1;stereo=0", /* twice */
		"STEREO=1; stereo=1",
		"use inbandfec=1",  /* not a token */
		"useinbandfec=1 0", /* white space in a value */
		"a/b=1",
		"stereo=1\r\n", /* control bytes */
		"stereo=1\x01",
		"st\xc3\xa9reo=1", /* not ASCII */
		"x=\x7f",
	};
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) s = g_string_new (NULL);
	CfOpusFmtp f;

	for (gsize i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autofree char *escaped = g_strescape (bad[i], NULL);

		g_test_message ("fmtp \"%s\"", escaped);
		g_assert_false (cf_opus_fmtp_parse (bad[i], &f, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
		g_clear_error (&error);
	}

	/* Malformed is malformed for every codec, even one without
	 * parameters; unknown well-formed parameters are fine. */
	for (gsize i = 0; i < 3; i++) {
		const char *name = i == 0 ? "opus" : i == 1 ? "PCMU" : "PCMA";
		guint rate = i == 0 ? 48000 : 8000;
		CfAudioEncoder *enc = cf_audio_encoder_new (name, rate, 0, "a b=1", &error);
		CfAudioDecoder *dec;

		g_assert_null (enc);
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
		g_clear_error (&error);
		dec = cf_audio_decoder_new (name, rate, 0, "useinbandfec", &error);
		g_assert_null (dec);
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
		g_clear_error (&error);

		enc = cf_audio_encoder_new (name, rate, 0, "annexb=no;x=1", &error);
		g_assert_no_error (error);
		cf_audio_encoder_free (enc);
	}

	/* Exactly CF_AUDIO_CODEC_MAX_FMTP bytes is fine, one more is not. */
	while (s->len < CF_AUDIO_CODEC_MAX_FMTP)
		g_string_append_c (s, ' ');
	memcpy (s->str, "stereo=1", 8);
	g_assert_true (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_no_error (error);
	g_assert_true (f.stereo);
	g_string_append_c (s, ' ');
	g_assert_false (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
	g_clear_error (&error);

	/* A very long string is refused without reading all of it. */
	g_string_set_size (s, 0);
	for (guint i = 0; i < 100000; i++)
		g_string_append (s, "x=1;");
	g_assert_false (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
	g_clear_error (&error);

	/* CF_AUDIO_CODEC_MAX_FMTP_PARAMS parameters are fine, one more not. */
	g_string_set_size (s, 0);
	for (guint i = 0; i < CF_AUDIO_CODEC_MAX_FMTP_PARAMS; i++)
		g_string_append_printf (s, "p%u=1;", i);
	g_assert_true (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_no_error (error);
	g_string_append (s, "one-more=1");
	g_assert_false (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
	g_clear_error (&error);

	/* A name of CF_AUDIO_CODEC_MAX_FMTP_NAME bytes, and one longer. */
	g_string_set_size (s, 0);
	g_string_append_printf (s, "%0*d=1", CF_AUDIO_CODEC_MAX_FMTP_NAME, 7);
	g_assert_true (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_no_error (error);
	g_string_prepend_c (s, 'n');
	g_assert_false (cf_opus_fmtp_parse (s->str, &f, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_FMTP);
	g_clear_error (&error);
}

/* The generic splitter hands out trimmed, NUL-terminated pairs in order. */
static gboolean
on_collect (const char *name, const char *value, gpointer user_data, GError **error)
{
	g_string_append_printf (user_data, "[%s|%s]", name, value);
	return TRUE;
}

static gboolean
on_refuse (const char *name, const char *value, gpointer user_data, GError **error)
{
	guint *calls = user_data;

	if (++*calls == 2) {
		g_set_error_literal (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "refused");
		return FALSE;
	}
	return TRUE;
}

static void
test_fmtp_foreach (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) out = g_string_new (NULL);
	guint calls = 0;

	g_assert_true (cf_audio_codec_fmtp_foreach (
		"\ta=1 ;b.c = x-y;;  d_e=\"q\"  ", on_collect, out, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (out->str, ==, "[a|1][b.c|x-y][d_e|\"q\"]");

	/* The callback's error stops the walk and comes back as is. */
	g_assert_false (cf_audio_codec_fmtp_foreach ("a=1;b=2;c=3", on_refuse, &calls, &error));
	g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
	g_assert_cmpuint (calls, ==, 2);
}

/* Lookup and creation. */

static void
test_codec_lookup (void)
{
	static const struct {
		const char *name;
		guint rate;
		guint channels;
		gboolean ok;
		CfAudioCodecId id;
	} cases[] = {
		{"opus", 48000, 2, TRUE, CF_AUDIO_CODEC_OPUS},
		{"OPUS", 48000, 2, TRUE, CF_AUDIO_CODEC_OPUS},
		{"opus", 48000, 1, TRUE, CF_AUDIO_CODEC_OPUS},
		{"opus", 48000, 0, TRUE, CF_AUDIO_CODEC_OPUS},
		{"opus", 16000, 2, FALSE, 0},
		{"opus", 48000, 3, FALSE, 0},
		{"PCMU", 8000, 1, TRUE, CF_AUDIO_CODEC_PCMU},
		{"pcmu", 8000, 0, TRUE, CF_AUDIO_CODEC_PCMU},
		{"PCMA", 8000, 1, TRUE, CF_AUDIO_CODEC_PCMA},
		{"PCMA", 16000, 1, FALSE, 0},
		{"PCMU", 8000, 2, FALSE, 0},
		{"G722", 8000, 1, FALSE, 0},
		{"", 8000, 1, FALSE, 0},
		{NULL, 8000, 1, FALSE, 0},
	};

	for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfAudioEncoder) enc = NULL;
		g_autoptr (CfAudioDecoder) dec = NULL;
		CfAudioCodecId id = 99;

		g_assert_cmpint (
			cf_audio_codec_lookup (
				cases[i].name, cases[i].rate, cases[i].channels, &id, &error),
			==,
			cases[i].ok);
		enc = cf_audio_encoder_new (
			cases[i].name, cases[i].rate, cases[i].channels, NULL, NULL);
		dec = cf_audio_decoder_new (
			cases[i].name, cases[i].rate, cases[i].channels, NULL, NULL);
		if (!cases[i].ok) {
			g_assert_error (
				error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_UNSUPPORTED);
			g_assert_cmpint (id, ==, 99);
			g_assert_null (enc);
			g_assert_null (dec);
			continue;
		}
		g_assert_no_error (error);
		g_assert_cmpint (id, ==, cases[i].id);
		g_assert_nonnull (enc);
		g_assert_nonnull (dec);
		g_assert_cmpint (cf_audio_encoder_get_codec (enc), ==, id);
		g_assert_cmpint (cf_audio_decoder_get_codec (dec), ==, id);
		g_assert_cmpuint (cf_audio_encoder_get_clock_rate (enc), ==, cases[i].rate);
		g_assert_cmpuint (cf_audio_decoder_get_clock_rate (dec), ==, cases[i].rate);
		g_assert_cmpuint (
			cf_audio_encoder_get_frame_duration (enc), ==, cases[i].rate / 50);
		g_assert_cmpint (cf_audio_decoder_has_fec (dec), ==, id == CF_AUDIO_CODEC_OPUS);
		g_assert_cmpstr (cf_audio_codec_id_to_name (id),
				 ==,
				 id == CF_AUDIO_CODEC_OPUS   ? "opus"
				 : id == CF_AUDIO_CODEC_PCMU ? "PCMU"
							     : "PCMA");
	}
	cf_audio_encoder_free (NULL);
	cf_audio_decoder_free (NULL);
}

/* Encoder settings. */

static gsize
count_dtx_frames (CfAudioEncoder *enc, guint n_frames)
{
	g_autoptr (GError) error = NULL;
	gint16 silence[FRAME] = {0};
	gsize dtx = 0;

	for (guint f = 0; f < n_frames; f++) {
		guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
		gsize len = 99999;

		g_assert_true (cf_audio_encoder_encode (
			enc, silence, FRAME, packet, sizeof (packet), &len, &error));
		g_assert_no_error (error);
		g_assert_cmpuint (len, <=, sizeof (packet));
		if (len == 0)
			dtx++;
	}
	return dtx;
}

static void
test_opus_settings (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioEncoder) enc = NULL;
	g_autoptr (CfAudioEncoder) capped = NULL;
	g_autoptr (CfAudioEncoder) dtx = NULL;
	CfAudioEncoder *refused;

	enc = cf_audio_encoder_new ("opus", 48000, 2, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (enc), ==, CF_OPUS_DEFAULT_BITRATE);
	g_assert_false (cf_audio_encoder_get_fec (enc)); /* useinbandfec defaults to 0 */
	g_assert_false (cf_audio_encoder_get_dtx (enc));
	g_assert_true (cf_audio_encoder_set_bitrate (enc, 64000, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (enc), ==, 64000);
	g_assert_false (cf_audio_encoder_set_bitrate (enc, 5999, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_false (cf_audio_encoder_set_bitrate (enc, 510001, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (enc), ==, 64000);
	g_assert_true (cf_audio_encoder_set_packet_loss (enc, 100, &error));
	g_assert_true (cf_audio_encoder_set_packet_loss (enc, 0, &error));
	g_assert_false (cf_audio_encoder_set_packet_loss (enc, 101, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	/* DTX off: every frame is sent, even silence. */
	g_assert_cmpuint (count_dtx_frames (enc, 50), ==, 0);

	/* The receiver's maxaveragebitrate caps the default and any setting. */
	capped = cf_audio_encoder_new ("opus", 48000, 2, "maxaveragebitrate=20000", &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (capped), ==, 20000);
	g_assert_true (cf_audio_encoder_set_bitrate (capped, 64000, &error));
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (capped), ==, 20000);
	g_assert_true (cf_audio_encoder_set_bitrate (capped, 12000, &error));
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (capped), ==, 12000);

	/* usedtx=1: silence is mostly not sent; DTX can be turned off. */
	dtx = cf_audio_encoder_new ("opus", 48000, 2, "usedtx=1;useinbandfec=1", &error);
	g_assert_no_error (error);
	g_assert_true (cf_audio_encoder_get_dtx (dtx));
	g_assert_true (cf_audio_encoder_get_fec (dtx));
	g_assert_cmpuint (count_dtx_frames (dtx, 50), >, 25);
	g_assert_true (cf_audio_encoder_set_dtx (dtx, FALSE, &error));
	g_assert_false (cf_audio_encoder_get_dtx (dtx));
	g_assert_cmpuint (count_dtx_frames (dtx, 20), ==, 0);
	g_assert_true (cf_audio_encoder_set_dtx (dtx, TRUE, &error));
	g_assert_cmpuint (count_dtx_frames (dtx, 50), >, 25);
	g_assert_no_error (error);

	/* A receiver that takes at most 10 ms per packet cannot get 20 ms
	 * frames. */
	refused = cf_audio_encoder_new ("opus", 48000, 2, "maxptime=10", &error);
	g_assert_null (refused);
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_UNSUPPORTED);
	g_clear_error (&error);
}

/* What the receiver's fmtp asks for shows in the packets sent to it. */
static void
test_opus_fmtp_honoured (void)
{
	static const struct {
		const char *fmtp;
		int max_bandwidth;
		gboolean cbr;
	} cases[] = {
		{NULL, OPUS_BANDWIDTH_FULLBAND, FALSE},
		{"maxplaybackrate=8000", OPUS_BANDWIDTH_NARROWBAND, FALSE},
		{"maxplaybackrate=16000;stereo=1", OPUS_BANDWIDTH_WIDEBAND, FALSE},
		{"maxplaybackrate=24000", OPUS_BANDWIDTH_SUPERWIDEBAND, FALSE},
		{"cbr=1", OPUS_BANDWIDTH_FULLBAND, TRUE},
	};
	const gsize n_frames = 25;
	g_autofree gint16 *input = g_new0 (gint16, n_frames * FRAME);

	fill_speechlike (input, n_frames * FRAME);
	for (gsize c = 0; c < G_N_ELEMENTS (cases); c++) {
		g_autoptr (GError) error = NULL;
		g_autoptr (CfAudioEncoder) enc = NULL;
		gsize first_len = 0;
		gboolean all_same = TRUE;

		enc = cf_audio_encoder_new ("opus", 48000, 2, cases[c].fmtp, &error);
		g_assert_no_error (error);
		for (gsize f = 0; f < n_frames; f++) {
			guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
			gsize len;

			g_assert_true (cf_audio_encoder_encode (enc,
								input + f * FRAME,
								FRAME,
								packet,
								sizeof (packet),
								&len,
								&error));
			g_assert_no_error (error);
			g_assert_cmpuint (len, >, 0);
			/* Always mono, whatever stereo says. */
			g_assert_cmpint (opus_packet_get_nb_channels (packet), ==, 1);
			g_assert_cmpint (
				opus_packet_get_bandwidth (packet), <=, cases[c].max_bandwidth);
			if (f == 0)
				first_len = len;
			all_same = all_same && len == first_len;
		}
		/* Constant bitrate: every 20 ms packet is 32000 / 50 / 8 =
		 * 80 bytes; variable: not all alike. */
		g_assert_cmpint (all_same, ==, cases[c].cbr);
		if (cases[c].cbr)
			g_assert_cmpuint (first_len, ==, CF_OPUS_DEFAULT_BITRATE / 50 / 8);
	}
}

static void
test_g711_settings (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioEncoder) enc = cf_audio_encoder_new ("PCMA", 8000, 1, NULL, &error);

	g_assert_no_error (error);
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (enc), ==, 64000);
	g_assert_true (cf_audio_encoder_set_bitrate (enc, 32000, &error));
	g_assert_cmpuint (cf_audio_encoder_get_bitrate (enc), ==, 64000);
	g_assert_true (cf_audio_encoder_set_packet_loss (enc, 10, &error));
	g_assert_true (cf_audio_encoder_set_dtx (enc, TRUE, &error));
	g_assert_no_error (error);
	g_assert_false (cf_audio_encoder_get_dtx (enc));
	g_assert_false (cf_audio_encoder_get_fec (enc));
	g_assert_false (cf_audio_encoder_set_packet_loss (enc, 101, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_false (cf_audio_encoder_set_bitrate (enc, 0, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_cmpuint (count_dtx_frames (enc, 5), ==, 0);
}

/* Limits on what comes in. */

/* An Opus packet of frame_samples at 48 kHz, made by libopus directly. */
static gsize
make_opus_packet (int channels, int frame_samples, guint8 *packet, gsize size)
{
	int err = 0;
	OpusEncoder *enc = opus_encoder_create (RATE, channels, OPUS_APPLICATION_AUDIO, &err);
	g_autofree gint16 *pcm = g_new0 (gint16, (gsize)frame_samples * channels);
	opus_int32 n;

	g_assert_nonnull (enc);
	fill_sine (pcm, (gsize)frame_samples * channels, 0, 440.0, 5000.0);
	n = opus_encode (enc, pcm, frame_samples, packet, (opus_int32)size);
	g_assert_cmpint (n, >, 0);
	opus_encoder_destroy (enc);
	return (gsize)n;
}

static void
test_codec_limits (gconstpointer data)
{
	const char *name = data;
	gboolean opus = g_str_equal (name, "opus");
	guint rate = opus ? 48000 : 8000;
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioEncoder) enc =
		cf_audio_encoder_new (name, rate, opus ? 2 : 1, NULL, &error);
	g_autoptr (CfAudioDecoder) dec =
		cf_audio_decoder_new (name, rate, opus ? 2 : 1, NULL, &error);
	g_autofree guint8 *big = g_new0 (guint8, CF_AUDIO_CODEC_MAX_PACKET + 1);
	gint16 pcm[FRAME + 1];
	guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
	gsize len = 12345;

	g_assert_no_error (error);
	fill_sine (pcm, G_N_ELEMENTS (pcm), 0, 440.0, 5000.0);

	/* Frames of the wrong size, and missing buffers. */
	g_assert_false (cf_audio_encoder_encode (
		enc, pcm, FRAME - 1, packet, sizeof (packet), &len, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
	g_clear_error (&error);
	g_assert_false (cf_audio_encoder_encode (
		enc, pcm, FRAME + 1, packet, sizeof (packet), &len, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
	g_clear_error (&error);
	g_assert_false (
		cf_audio_encoder_encode (enc, NULL, FRAME, packet, sizeof (packet), &len, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	g_assert_false (
		cf_audio_encoder_encode (enc, pcm, FRAME, NULL, sizeof (packet), &len, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);
	if (!opus) {
		g_assert_false (cf_audio_encoder_encode (
			enc, pcm, FRAME, packet, CF_G711_FRAME_BYTES - 1, &len, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_NO_SPACE);
		g_clear_error (&error);
	}
	g_assert_cmpuint (len, ==, 12345); /* untouched on failure */

	g_assert_true (
		cf_audio_encoder_encode (enc, pcm, FRAME, packet, sizeof (packet), &len, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (len, >, 0);
	if (!opus)
		g_assert_cmpuint (len, ==, CF_G711_FRAME_BYTES);

	/* Too large, empty, missing. */
	g_assert_false (cf_audio_decoder_decode (
		dec, big, CF_AUDIO_CODEC_MAX_PACKET + 1, pcm, FRAME, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_TOO_LARGE);
	g_clear_error (&error);
	g_assert_false (cf_audio_decoder_recover (
		dec, big, CF_AUDIO_CODEC_MAX_PACKET + 1, pcm, FRAME, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_TOO_LARGE);
	g_clear_error (&error);
	g_assert_false (cf_audio_decoder_decode (dec, packet, 0, pcm, FRAME, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_CORRUPT);
	g_clear_error (&error);
	g_assert_false (cf_audio_decoder_decode (dec, NULL, 10, pcm, FRAME, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_CORRUPT);
	g_clear_error (&error);

	/* Output of the wrong size. */
	g_assert_false (cf_audio_decoder_decode (dec, packet, len, pcm, FRAME - 1, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
	g_clear_error (&error);
	g_assert_false (cf_audio_decoder_conceal (dec, pcm, FRAME + 1, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
	g_clear_error (&error);
	g_assert_false (cf_audio_decoder_conceal (dec, NULL, FRAME, &error));
	g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_INVALID_ARGUMENT);
	g_clear_error (&error);

	/* Payloads that are not one 20 ms frame. */
	if (opus) {
		static const guint8 invalid[] = {0x03, 0x00};	/* code 3, no frames */
		static const guint8 truncated[] = {0x01, 0x10}; /* code 1, odd length */
		guint8 other[CF_AUDIO_CODEC_MAX_PACKET];
		gsize other_len;

		other_len = make_opus_packet (1, 1920, other, sizeof (other)); /* 40 ms */
		g_assert_false (
			cf_audio_decoder_decode (dec, other, other_len, pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
		g_clear_error (&error);
		g_assert_false (
			cf_audio_decoder_recover (dec, other, other_len, pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
		g_clear_error (&error);
		other_len = make_opus_packet (1, 480, other, sizeof (other)); /* 10 ms */
		g_assert_false (
			cf_audio_decoder_decode (dec, other, other_len, pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
		g_clear_error (&error);
		g_assert_false (cf_audio_decoder_decode (
			dec, invalid, sizeof (invalid), pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_CORRUPT);
		g_clear_error (&error);
		g_assert_false (cf_audio_decoder_decode (
			dec, truncated, sizeof (truncated), pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_CORRUPT);
		g_clear_error (&error);
	} else {
		g_assert_false (cf_audio_decoder_decode (
			dec, packet, CF_G711_FRAME_BYTES - 1, pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
		g_clear_error (&error);
		g_assert_false (cf_audio_decoder_decode (
			dec, big, CF_G711_FRAME_BYTES * 2, pcm, FRAME, &error));
		g_assert_error (error, CF_AUDIO_CODEC_ERROR, CF_AUDIO_CODEC_ERROR_FRAME_SIZE);
		g_clear_error (&error);
	}

	/* Random bytes of every length never crash, and a refused packet
	 * leaves the decoder working. */
	for (gsize n = 1; n <= 200; n++) {
		gboolean ok;

		for (gsize i = 0; i < n; i++)
			big[i] = (guint8)g_test_rand_int ();
		ok = cf_audio_decoder_decode (dec, big, n, pcm, FRAME, &error);
		if (!opus)
			g_assert_cmpint (ok, ==, n == CF_G711_FRAME_BYTES);
		if (!ok) {
			g_assert_nonnull (error);
			g_assert_true (error->domain == CF_AUDIO_CODEC_ERROR);
			g_clear_error (&error);
		}
	}
	g_assert_true (cf_audio_decoder_decode (dec, packet, len, pcm, FRAME, &error));
	g_assert_no_error (error);
}

/* Packet loss concealment: a frame of the right size that continues the
 * signal better than silence would, for a while; G.711's fades to
 * silence. */
static void
test_codec_conceal (gconstpointer data)
{
	const char *name = data;
	gboolean opus = g_str_equal (name, "opus");
	guint rate = opus ? 48000 : 8000;
	const gsize n_frames = 30;
	const gsize lost = 20; /* frames 20.. are lost */
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioEncoder) enc = cf_audio_encoder_new (name, rate, 0, NULL, &error);
	g_autoptr (CfAudioDecoder) dec = cf_audio_decoder_new (name, rate, 0, NULL, &error);
	g_autofree gint16 *input = g_new0 (gint16, n_frames * FRAME);
	g_autofree gint16 *output = g_new0 (gint16, n_frames * FRAME);
	gsize delay;
	double err;
	double sig;

	g_assert_no_error (error);
	fill_chirp (input, 5 * FRAME, 200.0, 3400.0, TONE_AMPLITUDE);
	fill_sine (input + 5 * FRAME, (n_frames - 5) * FRAME, 0, TONE_HZ, TONE_AMPLITUDE);

	for (gsize f = 0; f < n_frames; f++) {
		guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
		gsize len;

		g_assert_true (cf_audio_encoder_encode (
			enc, input + f * FRAME, FRAME, packet, sizeof (packet), &len, &error));
		g_assert_no_error (error);
		if (f < lost) {
			g_assert_true (cf_audio_decoder_decode (
				dec, packet, len, output + f * FRAME, FRAME, &error));
		} else {
			/* Poisoned first: concealment must write all 960. */
			memset (output + f * FRAME, 0x55, FRAME * sizeof (gint16));
			g_assert_true (
				cf_audio_decoder_conceal (dec, output + f * FRAME, FRAME, &error));
		}
		g_assert_no_error (error);
	}

	delay = find_delay (input, output, 0, 4 * FRAME, MAX_DELAY);
	/* The first concealed frame, against what was sent. */
	err = 0.0;
	sig = 0.0;
	for (gsize i = lost * FRAME; i < (lost + 1) * FRAME; i++) {
		double d = (double)output[i] - input[i - delay];

		err += d * d;
		sig += (double)input[i - delay] * input[i - delay];
	}
	g_test_message ("%s: first concealed frame SNR %.1f dB", name, t_db (sig / err));
	g_assert_cmpfloat (err, <, sig);
	for (gsize i = lost * FRAME; i < n_frames * FRAME; i++)
		g_assert_cmpint (output[i], !=, 0x5555);

	if (!opus) {
		/* After 60 ms of loss and the filter's tail: silence. */
		gsize silent_from = (lost + 3) * FRAME + 2 * CF_G711_FILTER_DELAY;

		for (gsize i = silent_from; i < n_frames * FRAME; i++)
			g_assert_cmpint (output[i], ==, 0);
	} else {
		/* Opus' concealment also fades: the last frame is quieter
		 * than the signal. */
		g_assert_cmpfloat (energy (output + (n_frames - 1) * FRAME, FRAME),
				   <,
				   energy (input + (n_frames - 1) * FRAME, FRAME) / 10.0);
	}
}

/* recover() without FEC data (G.711, or Opus without useinbandfec)
 * still gives a frame. */
static void
test_g711_recover (void)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioDecoder) dec = cf_audio_decoder_new ("PCMU", 8000, 1, NULL, &error);
	guint8 packet[CF_G711_FRAME_BYTES];
	gint16 pcm[FRAME];

	g_assert_no_error (error);
	g_assert_false (cf_audio_decoder_has_fec (dec));
	memset (packet, 0xFF, sizeof (packet));
	g_assert_true (cf_audio_decoder_recover (dec, packet, sizeof (packet), pcm, FRAME, &error));
	g_assert_no_error (error);
	g_assert_true (cf_audio_decoder_decode (dec, packet, sizeof (packet), pcm, FRAME, &error));
	g_assert_no_error (error);
}

/* FEC: a speech-like signal (a harmonic tone whose pitch and loudness keep
 * moving, so that extrapolating the past goes wrong) is encoded with
 * useinbandfec=1 and 20 % loss announced. Two decoders get the same
 * packets except a few dropped ones: one conceals them, the other rebuilds
 * them from the next packet's FEC. The rebuilt frames are closer to what
 * was sent. */
static void
test_opus_fec (void)
{
	const gsize n_frames = 100;
	static const gsize dropped[] = {15, 22, 29, 36, 43, 50, 57, 64, 71, 78, 85, 92};
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioEncoder) enc = NULL;
	g_autoptr (CfAudioDecoder) plc = NULL;
	g_autoptr (CfAudioDecoder) fec = NULL;
	g_autoptr (CfAudioDecoder) clean = NULL;
	g_autofree gint16 *input = g_new0 (gint16, n_frames * FRAME);
	g_autofree gint16 *out_plc = g_new0 (gint16, n_frames * FRAME);
	g_autofree gint16 *out_fec = g_new0 (gint16, n_frames * FRAME);
	g_autofree gint16 *out_clean = g_new0 (gint16, n_frames * FRAME);
	g_autofree guint8 *packets = g_new0 (guint8, n_frames * CF_AUDIO_CODEC_MAX_PACKET);
	g_autofree gsize *lens = g_new0 (gsize, n_frames);
	gsize delay;
	double err_plc = 0.0;
	double err_fec = 0.0;
	double err_clean = 0.0;

	enc = cf_audio_encoder_new ("opus", 48000, 2, "useinbandfec=1", &error);
	g_assert_no_error (error);
	g_assert_true (cf_audio_encoder_get_fec (enc));
	g_assert_true (cf_audio_encoder_set_packet_loss (enc, 20, &error));
	plc = cf_audio_decoder_new ("opus", 48000, 2, NULL, &error);
	fec = cf_audio_decoder_new ("opus", 48000, 2, NULL, &error);
	clean = cf_audio_decoder_new ("opus", 48000, 2, NULL, &error);
	g_assert_no_error (error);

	/* A chirp first, to find the delay; then the speech-like signal. */
	fill_chirp (input, 5 * FRAME, 200.0, 3400.0, TONE_AMPLITUDE);
	fill_speechlike (input + 5 * FRAME, (n_frames - 5) * FRAME);
	for (gsize f = 0; f < n_frames; f++) {
		g_assert_true (cf_audio_encoder_encode (enc,
							input + f * FRAME,
							FRAME,
							packets + f * CF_AUDIO_CODEC_MAX_PACKET,
							CF_AUDIO_CODEC_MAX_PACKET,
							&lens[f],
							&error));
		g_assert_no_error (error);
		g_assert_cmpuint (lens[f], >, 0);
	}

	for (gsize f = 0; f < n_frames; f++) {
		const guint8 *packet = packets + f * CF_AUDIO_CODEC_MAX_PACKET;
		gboolean lost = FALSE;

		for (gsize d = 0; d < G_N_ELEMENTS (dropped); d++)
			lost = lost || dropped[d] == f;
		g_assert_true (cf_audio_decoder_decode (
			clean, packet, lens[f], out_clean + f * FRAME, FRAME, &error));
		if (lost) {
			g_assert_true (
				cf_audio_decoder_conceal (plc, out_plc + f * FRAME, FRAME, &error));
			g_assert_true (cf_audio_decoder_recover (
				fec,
				packets + (f + 1) * CF_AUDIO_CODEC_MAX_PACKET,
				lens[f + 1],
				out_fec + f * FRAME,
				FRAME,
				&error));
		} else {
			g_assert_true (cf_audio_decoder_decode (
				plc, packet, lens[f], out_plc + f * FRAME, FRAME, &error));
			g_assert_true (cf_audio_decoder_decode (
				fec, packet, lens[f], out_fec + f * FRAME, FRAME, &error));
		}
		g_assert_no_error (error);
	}

	/* The delay from the loss-free decode. */
	delay = find_delay (input, out_clean, 0, 4 * FRAME, MAX_DELAY);
	for (gsize d = 0; d < G_N_ELEMENTS (dropped); d++) {
		for (gsize i = dropped[d] * FRAME; i < (dropped[d] + 1) * FRAME; i++) {
			double want = input[i - delay];

			err_plc += (out_plc[i] - want) * (out_plc[i] - want);
			err_fec += (out_fec[i] - want) * (out_fec[i] - want);
			err_clean += (out_clean[i] - want) * (out_clean[i] - want);
		}
	}
	g_test_message ("delay %" G_GSIZE_FORMAT "; error energy over the lost frames: "
			"concealed %.3g, FEC %.3g, not lost %.3g (FEC %.1f dB better)",
			delay,
			err_plc,
			err_fec,
			err_clean,
			t_db (err_plc / err_fec));
	/* Measured (libopus 1.3.1): FEC 3.6 dB better than concealment over
	 * these 12 frames (-1.4 to 8.1 dB frame by frame: the encoder does
	 * not put FEC in every packet). Require 2 dB. */
	g_assert_cmpfloat (t_db (err_plc / err_fec), >, 2.0);
	/* And the rebuilt frames are not better than the real ones. */
	g_assert_cmpfloat (err_clean, <, err_fec);
}

/* Any receiver must take stereo (RFC 7587 §6.1, "stereo"): 20 ms frames
 * of stereo Opus decode to mono at 48 kHz, the channels mixed. */
static void
test_opus_stereo (void)
{
	const gsize n_frames = 10;
	int err = 0;
	OpusEncoder *stereo = opus_encoder_create (RATE, 2, OPUS_APPLICATION_AUDIO, &err);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfAudioDecoder) dec =
		cf_audio_decoder_new ("opus", 48000, 2, "sprop-stereo=1", &error);
	g_autofree gint16 *output = g_new0 (gint16, n_frames * FRAME);
	gint16 left[FRAME];
	gint16 right[FRAME];
	gint16 interleaved[2 * FRAME];
	gsize tail = 5 * FRAME;
	double freq;
	double rms_db;

	g_assert_no_error (error);
	g_assert_nonnull (stereo);
	g_assert_cmpint (opus_encoder_ctl (stereo, OPUS_SET_FORCE_CHANNELS (2)), ==, OPUS_OK);
	g_assert_cmpint (opus_encoder_ctl (stereo, OPUS_SET_BITRATE (96000)), ==, OPUS_OK);

	for (gsize f = 0; f < n_frames; f++) {
		guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
		opus_int32 len;

		/* Left loud, right half as loud, in phase: the mix is 3/4 of
		 * the left. */
		fill_sine (left, FRAME, f * FRAME, TONE_HZ, 12000.0);
		fill_sine (right, FRAME, f * FRAME, TONE_HZ, 6000.0);
		for (gsize i = 0; i < FRAME; i++) {
			interleaved[2 * i] = left[i];
			interleaved[2 * i + 1] = right[i];
		}
		len = opus_encode (stereo, interleaved, FRAME, packet, sizeof (packet));
		g_assert_cmpint (len, >, 0);
		g_assert_cmpint (opus_packet_get_nb_channels (packet), ==, 2);
		g_assert_true (cf_audio_decoder_decode (
			dec, packet, (gsize)len, output + f * FRAME, FRAME, &error));
		g_assert_no_error (error);
	}
	opus_encoder_destroy (stereo);

	freq = dominant_frequency (output + n_frames * FRAME - tail, tail, 300.0, 600.0);
	/* A sine of amplitude A has energy A^2 / 2 per sample. */
	rms_db = t_db (energy (output + n_frames * FRAME - tail, tail) / tail
		       / (9000.0 * 9000.0 / 2.0));
	g_test_message (
		"stereo to mono: %.2f Hz, level %.2f dB from the expected mix", freq, rms_db);
	g_assert_cmpfloat_with_epsilon (freq, TONE_HZ, 2.0);
	g_assert_cmpfloat_with_epsilon (rms_db, 0.0, 1.5);
}

/* No allocation per frame. The test executable wraps malloc, calloc and
 * realloc (glibc lets a program interpose them and exports the real ones
 * as __libc_*) to count calls while a flag is up. Not with AddressSanitizer,
 * which owns the allocator: skipped there. */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCATIONS 1
extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);

static volatile gboolean counting;
static volatile gsize allocations;

void *
malloc (size_t size)
{
	if (counting)
		allocations++;
	return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
	if (counting)
		allocations++;
	return __libc_calloc (n, size);
}

void *
realloc (void *ptr, size_t size)
{
	if (counting)
		allocations++;
	return __libc_realloc (ptr, size);
}
#endif

static void
test_codec_no_allocation (gconstpointer data)
{
#ifdef COUNT_ALLOCATIONS
	const char *name = data;
	guint rate = g_str_equal (name, "opus") ? 48000 : 8000;
	g_autoptr (CfAudioEncoder) enc = NULL;
	g_autoptr (CfAudioDecoder) dec = NULL;
	g_autofree gint16 *input = g_new0 (gint16, 50 * FRAME);
	gint16 pcm[FRAME];
	guint8 packet[CF_AUDIO_CODEC_MAX_PACKET];
	gsize len;
	gsize created;

	fill_speechlike (input, 30 * FRAME); /* then 20 frames of silence, for DTX */

	/* The counter works: creating the codecs allocates. */
	allocations = 0;
	counting = TRUE;
	enc = cf_audio_encoder_new (name, rate, 0, "useinbandfec=1;usedtx=1", NULL);
	dec = cf_audio_decoder_new (name, rate, 0, NULL, NULL);
	counting = FALSE;
	created = allocations;
	g_assert_nonnull (enc);
	g_assert_nonnull (dec);
	g_assert_true (cf_audio_encoder_set_packet_loss (enc, 20, NULL));
	if (created == 0) {
		g_test_skip ("malloc is not interposable here");
		return;
	}

	/* Encoding, decoding, concealing and recovering do not. */
	allocations = 0;
	counting = TRUE;
	for (gsize f = 0; f < 50; f++) {
		gboolean ok = cf_audio_encoder_encode (
			enc, input + f * FRAME, FRAME, packet, sizeof (packet), &len, NULL);

		if (ok && len == 0)
			ok = cf_audio_decoder_conceal (dec, pcm, FRAME, NULL);
		else if (ok && f % 5 == 0)
			ok = cf_audio_decoder_recover (dec, packet, len, pcm, FRAME, NULL)
			     && cf_audio_decoder_decode (dec, packet, len, pcm, FRAME, NULL);
		else if (ok && f % 7 == 0)
			ok = cf_audio_decoder_conceal (dec, pcm, FRAME, NULL);
		else if (ok)
			ok = cf_audio_decoder_decode (dec, packet, len, pcm, FRAME, NULL);
		if (!ok)
			break;
	}
	counting = FALSE;
	g_assert_cmpuint (allocations, ==, 0);
#else
	g_test_skip ("cannot count allocations with this allocator");
#endif
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/codec/lookup", test_codec_lookup);
	g_test_add_func ("/confab/media/codec/fmtp/parse", test_fmtp_parse);
	g_test_add_func ("/confab/media/codec/fmtp/malformed", test_fmtp_malformed);
	g_test_add_func ("/confab/media/codec/fmtp/foreach", test_fmtp_foreach);
	g_test_add_data_func ("/confab/media/codec/opus/tone", &tone_opus, test_codec_tone);
	g_test_add_data_func ("/confab/media/codec/pcmu/tone", &tone_pcmu, test_codec_tone);
	g_test_add_data_func ("/confab/media/codec/pcma/tone", &tone_pcma, test_codec_tone);
	g_test_add_func ("/confab/media/codec/opus/settings", test_opus_settings);
	g_test_add_func ("/confab/media/codec/opus/fmtp", test_opus_fmtp_honoured);
	g_test_add_func ("/confab/media/codec/opus/fec", test_opus_fec);
	g_test_add_func ("/confab/media/codec/opus/stereo", test_opus_stereo);
	g_test_add_data_func ("/confab/media/codec/opus/limits", "opus", test_codec_limits);
	g_test_add_data_func ("/confab/media/codec/pcmu/limits", "PCMU", test_codec_limits);
	g_test_add_data_func ("/confab/media/codec/opus/conceal", "opus", test_codec_conceal);
	g_test_add_data_func ("/confab/media/codec/pcmu/conceal", "PCMU", test_codec_conceal);
	g_test_add_data_func ("/confab/media/codec/pcma/limits", "PCMA", test_codec_limits);
	g_test_add_data_func ("/confab/media/codec/pcma/conceal", "PCMA", test_codec_conceal);
	g_test_add_func ("/confab/media/codec/g711/ulaw-table", test_g711_ulaw_table);
	g_test_add_func ("/confab/media/codec/g711/alaw-table", test_g711_alaw_table);
	g_test_add_func ("/confab/media/codec/g711/resampler", test_g711_resampler);
	g_test_add_func ("/confab/media/codec/g711/settings", test_g711_settings);
	g_test_add_func ("/confab/media/codec/g711/recover", test_g711_recover);
	g_test_add_data_func (
		"/confab/media/codec/opus/no-allocation", "opus", test_codec_no_allocation);
	g_test_add_data_func (
		"/confab/media/codec/pcmu/no-allocation", "PCMU", test_codec_no_allocation);

	return g_test_run ();
}
