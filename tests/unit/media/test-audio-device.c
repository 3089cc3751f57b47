/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CfAudioDevice against a real, headless PipeWire.
 *
 * Needs the server that tests/pipewire/pw_harness.py starts (meson runs this
 * test through it, in suite 'integration'): lab_sink (a null sink, the
 * default sink), lab_mic_in → lab_loopmic (a loopback: what is played into
 * the sink comes out of the source, the default source), and pw-play,
 * pw-record and pw-dump. Sound is checked by its content: Goertzel's
 * algorithm for the share of energy at a frequency, zero crossings for the
 * frequency itself. Every wait is for an event (a capture frame, a process
 * exiting, a signal) under a hang guard that is no expectation.
 */

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "cf-audio-device.h"

#define GUARD_SECONDS  60
#define TONE_HZ	       440.0
#define OTHER_HZ       660.0
#define TONE_AMPLITUDE 16383 /* half of full scale */
#define SOURCE	       "lab_loopmic"
#define SINK	       "lab_sink"
#define MIC_IN	       "lab_mic_in"

/* ---- signal analysis ---- */

/* |X(freq)|^2 of the block by Goertzel's recurrence. */
static double
goertzel_power (const gint16 *x, gsize n, double freq)
{
	double coeff = 2.0 * cos (2.0 * G_PI * freq / CF_AUDIO_RATE);
	double s1 = 0.0, s2 = 0.0;

	for (gsize i = 0; i < n; i++) {
		double s0 = x[i] + coeff * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/* The share of the block's energy at @freq: about 1 for a pure tone at
 * @freq, about 0 without such a component (Parseval: a sine of amplitude A
 * over n samples has |X|^2 = (A n / 2)^2 and energy A^2 n / 2). */
static double
tone_ratio (const gint16 *x, gsize n, double freq)
{
	double energy = 0.0;

	for (gsize i = 0; i < n; i++)
		energy += (double)x[i] * x[i];
	if (energy == 0.0)
		return 0.0;
	return 2.0 * goertzel_power (x, n, freq) / ((double)n * energy);
}

static double
rms (const gint16 *x, gsize n)
{
	double energy = 0.0;

	for (gsize i = 0; i < n; i++)
		energy += (double)x[i] * x[i];
	return n > 0 ? sqrt (energy / n) : 0.0;
}

/* Frequency from rising zero crossings, linearly interpolated; 0 if fewer
 * than two. */
static double
zero_crossing_frequency (const gint16 *x, gsize n)
{
	double first = -1.0, last = -1.0;
	guint crossings = 0;

	for (gsize i = 1; i < n; i++) {
		if (x[i - 1] < 0 && x[i] >= 0) {
			double t = (double)(i - 1) + (double)-x[i - 1] / (x[i] - x[i - 1]);

			if (crossings == 0)
				first = t;
			last = t;
			crossings++;
		}
	}
	if (crossings < 2)
		return 0.0;
	return (crossings - 1) * (double)CF_AUDIO_RATE / (last - first);
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the zero-crossing frequencies of the signal's 20 ms frames.
 * Per frame, so that a quantum the unprivileged lab server drops now and
 * then (no realtime scheduling in a test container: an xrun shows as a jump
 * of phase, which the pw-record path has too) spoils one estimate, not all. */
static double
median_frame_frequency (const gint16 *x, gsize n)
{
	gsize n_frames = n / CF_AUDIO_FRAME_SAMPLES;
	g_autofree double *f = g_new0 (double, MAX (n_frames, 1));

	if (n_frames == 0)
		return 0.0;
	for (gsize i = 0; i < n_frames; i++)
		f[i] = zero_crossing_frequency (x + i * CF_AUDIO_FRAME_SAMPLES,
						CF_AUDIO_FRAME_SAMPLES);
	qsort (f, n_frames, sizeof (double), compare_double);
	return f[n_frames / 2];
}

/* Phase jumps in what should be a pure TONE_HZ sine: samples that the
 * sine's recurrence x[i] = 2 cos(w) x[i-1] - x[i-2] does not predict. For
 * the log: they tell a dropped quantum from a wrong signal. */
static guint
count_discontinuities (const gint16 *x, gsize n)
{
	double c = 2.0 * cos (2.0 * G_PI * TONE_HZ / CF_AUDIO_RATE);
	guint count = 0;

	for (gsize i = 2; i < n; i++) {
		if (fabs (c * x[i - 1] - x[i - 2] - x[i]) > TONE_AMPLITUDE / 50.0)
			count++;
	}
	return count;
}

/* A 20 ms frame of the test tone: loud, at TONE_HZ, not at OTHER_HZ. */
static gboolean
frame_has_tone (const gint16 *frame)
{
	return rms (frame, CF_AUDIO_FRAME_SAMPLES) > TONE_AMPLITUDE / 8.0
	       && tone_ratio (frame, CF_AUDIO_FRAME_SAMPLES, TONE_HZ) > 0.8
	       && tone_ratio (frame, CF_AUDIO_FRAME_SAMPLES, OTHER_HZ) < 0.05;
}

static gboolean
frame_is_silent (const gint16 *frame)
{
	for (guint i = 0; i < CF_AUDIO_FRAME_SAMPLES; i++) {
		if (frame[i] != 0)
			return FALSE;
	}
	return TRUE;
}

static void
fill_tone (gint16 *x, gsize n, guint64 first_index)
{
	for (gsize i = 0; i < n; i++) {
		double t = (double)(first_index + i) / CF_AUDIO_RATE;

		x[i] = (gint16)lround (TONE_AMPLITUDE * sin (2.0 * G_PI * TONE_HZ * t));
	}
}

/* The analysis must tell the tone from others and from silence, or the
 * tests below could not fail. */
static void
test_analysis (void)
{
	gint16 frame[CF_AUDIO_FRAME_SAMPLES];
	gint16 tone[CF_AUDIO_RATE];

	fill_tone (frame, G_N_ELEMENTS (frame), 0);
	g_assert_true (frame_has_tone (frame));
	g_assert_false (frame_is_silent (frame));
	for (guint i = 0; i < G_N_ELEMENTS (frame); i++)
		frame[i] = (gint16)lround (TONE_AMPLITUDE
					   * sin (2.0 * G_PI * OTHER_HZ * i / CF_AUDIO_RATE));
	g_assert_false (frame_has_tone (frame));
	for (guint i = 0; i < G_N_ELEMENTS (frame); i++)
		frame[i] = (gint16)lround (TONE_AMPLITUDE
					   * sin (2.0 * G_PI * 2 * TONE_HZ * i / CF_AUDIO_RATE));
	g_assert_false (frame_has_tone (frame));
	memset (frame, 0, sizeof (frame));
	g_assert_false (frame_has_tone (frame));
	g_assert_true (frame_is_silent (frame));

	fill_tone (tone, G_N_ELEMENTS (tone), 0);
	g_assert_cmpfloat_with_epsilon (
		zero_crossing_frequency (tone, G_N_ELEMENTS (tone)), TONE_HZ, 0.01);
	g_assert_cmpfloat_with_epsilon (
		median_frame_frequency (tone, G_N_ELEMENTS (tone)), TONE_HZ, 0.5);
	g_assert_cmpuint (count_discontinuities (tone, G_N_ELEMENTS (tone)), ==, 0);
	/* One quantum of 512 samples missing: a jump of phase. */
	memmove (tone + 10000, tone + 10512, (G_N_ELEMENTS (tone) - 10512) * sizeof (gint16));
	g_assert_cmpuint (count_discontinuities (tone, G_N_ELEMENTS (tone) - 512), >, 0);
	g_assert_cmpfloat_with_epsilon (
		median_frame_frequency (tone, G_N_ELEMENTS (tone) - 512), TONE_HZ, 0.5);
}

/* ---- WAV files (mono, 16-bit, 48 kHz) ---- */

static void
put_le32 (GByteArray *b, guint32 v)
{
	guint32 le = GUINT32_TO_LE (v);

	g_byte_array_append (b, (const guint8 *)&le, 4);
}

static void
put_le16 (GByteArray *b, guint16 v)
{
	guint16 le = GUINT16_TO_LE (v);

	g_byte_array_append (b, (const guint8 *)&le, 2);
}

static char *
write_tone_wav (const char *dir, double seconds)
{
	guint32 n = (guint32)(seconds * CF_AUDIO_RATE);
	g_autofree gint16 *samples = g_new (gint16, n);
	g_autoptr (GByteArray) b = g_byte_array_new ();
	g_autoptr (GError) error = NULL;
	char *path = g_build_filename (dir, "tone.wav", NULL);

	fill_tone (samples, n, 0);
	g_byte_array_append (b, (const guint8 *)"RIFF", 4);
	put_le32 (b, 36 + n * 2);
	g_byte_array_append (b, (const guint8 *)"WAVEfmt ", 8);
	put_le32 (b, 16);
	put_le16 (b, 1); /* PCM */
	put_le16 (b, 1); /* mono */
	put_le32 (b, CF_AUDIO_RATE);
	put_le32 (b, CF_AUDIO_RATE * 2);
	put_le16 (b, 2);
	put_le16 (b, 16);
	g_byte_array_append (b, (const guint8 *)"data", 4);
	put_le32 (b, n * 2);
	for (guint32 i = 0; i < n; i++)
		put_le16 (b, (guint16)samples[i]);
	g_file_set_contents (path, (const char *)b->data, b->len, &error);
	g_assert_no_error (error);
	return path;
}

static guint32
get_le32 (const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint16
get_le16 (const guint8 *p)
{
	return (guint16)(p[0] | p[1] << 8);
}

/* (transfer full) The samples of a mono 16-bit 48 kHz WAV file. */
static GArray *
read_wav (const char *path)
{
	g_autofree char *contents = NULL;
	gsize len = 0;
	g_autoptr (GError) error = NULL;
	const guint8 *p;
	gsize pos = 12;
	gboolean have_fmt = FALSE;
	GArray *samples = g_array_new (FALSE, FALSE, sizeof (gint16));

	g_file_get_contents (path, &contents, &len, &error);
	g_assert_no_error (error);
	p = (const guint8 *)contents;
	g_assert_cmpuint (len, >=, 12);
	g_assert_true (memcmp (p, "RIFF", 4) == 0 && memcmp (p + 8, "WAVE", 4) == 0);
	while (pos + 8 <= len) {
		guint32 size = get_le32 (p + pos + 4);
		gsize body = pos + 8;
		gsize avail = MIN ((gsize)size, len - body);

		if (memcmp (p + pos, "fmt ", 4) == 0) {
			g_assert_cmpuint (avail, >=, 16);
			g_assert_cmpuint (get_le16 (p + body), ==, 1);
			g_assert_cmpuint (get_le16 (p + body + 2), ==, 1);
			g_assert_cmpuint (get_le32 (p + body + 4), ==, CF_AUDIO_RATE);
			g_assert_cmpuint (get_le16 (p + body + 14), ==, 16);
			have_fmt = TRUE;
		} else if (memcmp (p + pos, "data", 4) == 0) {
			g_assert_true (have_fmt);
			for (gsize i = 0; i + 1 < avail; i += 2) {
				gint16 s = (gint16)get_le16 (p + body + i);

				g_array_append_val (samples, s);
			}
			break;
		}
		pos = body + size + (size & 1);
	}
	return samples;
}

/* ---- the PipeWire graph (pw-dump) ---- */

static JsonNode *
pw_dump (void)
{
	const char *argv[] = {"pw-dump", "-N", NULL};
	g_autofree char *out = NULL;
	g_autoptr (GError) error = NULL;
	int status = 0;
	JsonNode *root;

	g_spawn_sync (NULL,
		      (char **)argv,
		      NULL,
		      G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
		      NULL,
		      NULL,
		      &out,
		      NULL,
		      &status,
		      &error);
	g_assert_no_error (error);
	g_spawn_check_wait_status (status, &error);
	g_assert_no_error (error);
	root = json_from_string (out, &error);
	g_assert_no_error (error);
	g_assert_true (JSON_NODE_HOLDS_ARRAY (root));
	return root;
}

static JsonObject *
find_node (JsonArray *objects, const char *name)
{
	for (guint i = 0; i < json_array_get_length (objects); i++) {
		JsonObject *o = json_array_get_object_element (objects, i);
		JsonObject *info, *props;

		if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", ""),
			       "PipeWire:Interface:Node")
		    != 0)
			continue;
		info = json_object_get_object_member (o, "info");
		props = info != NULL ? json_object_get_object_member (info, "props") : NULL;
		if (props != NULL
		    && g_strcmp0 (
			       json_object_get_string_member_with_default (props, "node.name", ""),
			       name)
			       == 0)
			return o;
	}
	return NULL;
}

static const char *
node_prop (JsonObject *node, const char *key)
{
	JsonObject *props = json_object_get_object_member (
		json_object_get_object_member (node, "info"), "props");

	return json_object_get_string_member_with_default (props, key, NULL);
}

/* Whether a link goes from node @from to node @to. */
static gboolean
linked (JsonArray *objects, JsonObject *from, JsonObject *to)
{
	gint64 from_id = json_object_get_int_member (from, "id");
	gint64 to_id = json_object_get_int_member (to, "id");

	for (guint i = 0; i < json_array_get_length (objects); i++) {
		JsonObject *o = json_array_get_object_element (objects, i);
		JsonObject *info;

		if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", ""),
			       "PipeWire:Interface:Link")
		    != 0)
			continue;
		info = json_object_get_object_member (o, "info");
		if (json_object_get_int_member_with_default (info, "output-node-id", -1) == from_id
		    && json_object_get_int_member_with_default (info, "input-node-id", -1) == to_id)
			return TRUE;
	}
	return FALSE;
}

/* Our two nodes exist with their names and role, and are linked from
 * @source and to @sink. */
static void
assert_graph (const char *capture_name, const char *playback_name)
{
	g_autoptr (JsonNode) root = pw_dump ();
	JsonArray *objects = json_node_get_array (root);
	JsonObject *capture = find_node (objects, capture_name);
	JsonObject *playback = find_node (objects, playback_name);
	JsonObject *source = find_node (objects, SOURCE);
	JsonObject *sink = find_node (objects, SINK);

	g_assert_nonnull (capture);
	g_assert_nonnull (playback);
	g_assert_nonnull (source);
	g_assert_nonnull (sink);
	g_assert_cmpstr (node_prop (capture, "media.role"), ==, "Communication");
	g_assert_cmpstr (node_prop (playback, "media.role"), ==, "Communication");
	g_assert_cmpstr (node_prop (capture, "media.class"), ==, "Stream/Input/Audio");
	g_assert_cmpstr (node_prop (playback, "media.class"), ==, "Stream/Output/Audio");
	g_assert_true (linked (objects, source, capture));
	g_assert_true (linked (objects, playback, sink));
}

static void
assert_no_node (const char *name)
{
	g_autoptr (JsonNode) root = pw_dump ();

	g_assert_null (find_node (json_node_get_array (root), name));
}

/* ---- the test's main loop ---- */

typedef struct Test Test;
typedef void (*FrameFunc) (Test *t, const gint16 *frame);

struct Test {
	CfAudioDevice *dev;
	guint watch;
	FrameFunc on_frame;
	guint frames;	     /* frames read since the watch started */
	gboolean done;	     /* what the current wait waits for */
	const char *failure; /* (nullable) set by a frame handler that saw something wrong */

	/* capture analysis */
	guint run;	 /* consecutive frames that matched */
	GArray *samples; /* the samples of the current run */

	/* playback */
	guint64 written; /* tone samples queued so far */
	guint64 tone_samples;
	guint64 underruns_mark;
	guint phase;
	guint after_drain;

	GSubprocess *player;
	gboolean player_exited;
	GError *failed_error;
	GThread *thread; /* the test's */
	char *tmpdir;
};

static gboolean
on_guard (gpointer data)
{
	gboolean *expired = data;

	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

/* Runs the main context until t->done (or a failure a handler found). */
static void
wait_done (Test *t, const char *what)
{
	gboolean expired = FALSE;
	guint guard = g_timeout_add_seconds (GUARD_SECONDS, on_guard, &expired);

	while (!t->done && t->failure == NULL && !expired)
		g_main_context_iteration (NULL, TRUE);
	if (expired)
		g_error ("gave up waiting for %s", what);
	g_source_remove (guard);
	if (t->failure != NULL)
		g_error ("while waiting for %s: %s", what, t->failure);
}

static gboolean
on_capture_ready (int fd, GIOCondition condition, gpointer data)
{
	Test *t = data;
	gint16 frame[CF_AUDIO_FRAME_SAMPLES];

	while (cf_audio_device_read_capture_frame (t->dev, frame)) {
		t->frames++;
		if (t->on_frame != NULL)
			t->on_frame (t, frame);
	}
	return G_SOURCE_CONTINUE;
}

static void
watch_capture (Test *t, FrameFunc on_frame)
{
	t->on_frame = on_frame;
	t->frames = 0;
	t->run = 0;
	t->done = FALSE;
	g_array_set_size (t->samples, 0);
	if (t->watch == 0)
		t->watch = g_unix_fd_add (
			cf_audio_device_get_capture_fd (t->dev), G_IO_IN, on_capture_ready, t);
}

static void
unwatch_capture (Test *t)
{
	g_clear_handle_id (&t->watch, g_source_remove);
	t->on_frame = NULL;
}

static void
on_failed (CfAudioDevice *dev, GError *error, gpointer data)
{
	Test *t = data;

	/* On the thread that started the device, never PipeWire's. */
	g_assert_true (g_thread_self () == t->thread);
	g_assert_null (t->failed_error);
	t->failed_error = g_error_copy (error);
	t->done = TRUE;
}

static void
test_setup (Test *t, const char *source, const char *sink, const char *suffix)
{
	g_autoptr (GError) error = NULL;

	t->thread = g_thread_self ();
	t->dev = cf_audio_device_new (source, sink, suffix);
	t->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
	t->tmpdir = g_dir_make_tmp ("confab-audio-XXXXXX", &error);
	g_assert_no_error (error);
	g_signal_connect (t->dev, "failed", G_CALLBACK (on_failed), t);
}

static void
on_player_exited (GObject *source, GAsyncResult *result, gpointer data)
{
	Test *t = data;

	g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
	t->player_exited = TRUE;
}

static void
test_teardown (Test *t)
{
	unwatch_capture (t);
	if (t->player != NULL) {
		g_subprocess_force_exit (t->player);
		while (!t->player_exited)
			g_main_context_iteration (NULL, TRUE);
		g_clear_object (&t->player);
	}
	g_clear_object (&t->dev);
	g_clear_pointer (&t->samples, g_array_unref);
	g_clear_error (&t->failed_error);
	if (t->tmpdir != NULL) {
		g_autoptr (GDir) dir = g_dir_open (t->tmpdir, 0, NULL);
		const char *name;

		while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
			g_autofree char *path = g_build_filename (t->tmpdir, name, NULL);

			g_unlink (path);
		}
		g_rmdir (t->tmpdir);
		g_clear_pointer (&t->tmpdir, g_free);
	}
}

/* Plays @seconds of the tone into the virtual microphone, in the background. */
static void
play_tone_into_mic (Test *t, double seconds)
{
	g_autofree char *wav = write_tone_wav (t->tmpdir, seconds);
	g_autoptr (GError) error = NULL;

	t->player_exited = FALSE;
	t->player = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
				      &error,
				      "pw-play",
				      "--target",
				      MIC_IN,
				      wav,
				      NULL);
	g_assert_no_error (error);
	g_subprocess_wait_async (t->player, NULL, on_player_exited, t);
}

static void
start_device (Test *t)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_audio_device_start (t->dev, &error));
	g_assert_no_error (error);
	g_assert_true (cf_audio_device_is_started (t->dev));
}

/* Frames flow both ways: a few capture frames, and playback cycles since
 * t->underruns_mark (with nothing queued, each cycle is an underrun). */
#define FLOW_FRAMES 5

static void
on_frame_count (Test *t, const gint16 *frame)
{
	if (t->frames >= FLOW_FRAMES
	    && cf_audio_device_get_playback_underruns (t->dev) > t->underruns_mark)
		t->done = TRUE;
}

/* ---- capture ---- */

#define TONE_RUN_FRAMES 25 /* half a second of tone */

static void
on_frame_expect_tone (Test *t, const gint16 *frame)
{
	if (t->done)
		return;
	if (frame_has_tone (frame)) {
		t->run++;
		g_array_append_vals (t->samples, frame, CF_AUDIO_FRAME_SAMPLES);
	} else {
		t->run = 0;
		g_array_set_size (t->samples, 0);
	}
	if (t->run >= TONE_RUN_FRAMES)
		t->done = TRUE;
	else if (t->player_exited)
		t->failure = "the player finished before the capture had the tone";
}

static void
test_capture (void)
{
	Test t = {0};
	double freq;

	test_setup (&t, SOURCE, SINK, "capture");
	start_device (&t);
	watch_capture (&t, on_frame_expect_tone);
	play_tone_into_mic (&t, 5.0);
	wait_done (&t, "half a second of the tone from " SOURCE);

	/* The frames carry the tone itself, not just energy near it. */
	freq = median_frame_frequency ((const gint16 *)t.samples->data, t.samples->len);
	g_test_message (
		"captured %.3f Hz after %u frames; %u samples off the sine, %" G_GUINT64_FORMAT
		" samples overrun",
		freq,
		t.frames,
		count_discontinuities ((const gint16 *)t.samples->data, t.samples->len),
		cf_audio_device_get_capture_overruns (t.dev));
	g_assert_cmpfloat_with_epsilon (freq, TONE_HZ, 0.5);
	test_teardown (&t);
}

/* ---- capture overrun ---- */

/* Wakes on the capture fd like a media thread would, but reads nothing. */
static gboolean
on_capture_ready_no_read (int fd, GIOCondition condition, gpointer data)
{
	Test *t = data;
	guint64 count;
	ssize_t r = read (fd, &count, sizeof (count));

	g_assert_true (r == sizeof (count) || r < 0);
	if (cf_audio_device_get_capture_overruns (t->dev) > 0)
		t->done = TRUE;
	return G_SOURCE_CONTINUE;
}

/* A media side that falls behind by more than the ring: new samples are
 * dropped and counted, what is queued stays, and reading resumes. */
static void
test_capture_overrun (void)
{
	Test t = {0};
	gint16 frame[CF_AUDIO_FRAME_SAMPLES];
	guint queued_frames = 0;
	guint watch;

	test_setup (&t, SOURCE, SINK, "overrun");
	start_device (&t);
	g_assert_cmpuint (cf_audio_device_get_capture_overruns (t.dev), ==, 0);
	watch = g_unix_fd_add (
		cf_audio_device_get_capture_fd (t.dev), G_IO_IN, on_capture_ready_no_read, &t);
	wait_done (&t, "a capture overrun");
	g_source_remove (watch);

	g_assert_cmpuint (cf_audio_device_get_capture_queued (t.dev), ==, CF_AUDIO_RING_SAMPLES);
	while (cf_audio_device_read_capture_frame (t.dev, frame))
		queued_frames++;
	g_assert_cmpuint (queued_frames, ==, CF_AUDIO_RING_SAMPLES / CF_AUDIO_FRAME_SAMPLES);

	t.underruns_mark = cf_audio_device_get_playback_underruns (t.dev);
	watch_capture (&t, on_frame_count);
	wait_done (&t, "capture frames after the overrun");
	test_teardown (&t);
}

/* ---- playback ---- */

enum {
	PLAY_WAIT_LINKED,
	PLAY_TONE,
	PLAY_DRAIN,
	PLAY_AFTER,
};

/* The capture stream's frames serve as the clock: each one tops up the
 * playback ring, as the media thread does with decoded frames. */
static void
on_frame_feed_playback (Test *t, const gint16 *frame)
{
	guint64 underruns = cf_audio_device_get_playback_underruns (t->dev);

	switch (t->phase) {
	case PLAY_WAIT_LINKED:
		/* Process callbacks run (filling silence): the stream is linked. */
		if (underruns > 0)
			t->phase = PLAY_TONE;
		break;
	case PLAY_TONE: {
		gint16 chunk[CF_AUDIO_FRAME_SAMPLES];

		while (t->written < t->tone_samples) {
			gsize n = MIN (G_N_ELEMENTS (chunk), t->tone_samples - t->written);
			gsize done;

			fill_tone (chunk, n, t->written);
			done = cf_audio_device_write_playback (t->dev, chunk, n);
			t->written += done;
			if (done < n)
				break;
		}
		if (t->written == t->tone_samples) {
			t->underruns_mark = underruns;
			t->phase = PLAY_DRAIN;
		}
		break;
	}
	case PLAY_DRAIN:
		/* Everything was taken, and a later cycle found the ring empty. */
		if (cf_audio_device_get_playback_queued (t->dev) == 0
		    && underruns > t->underruns_mark) {
			t->after_drain = 0;
			t->phase = PLAY_AFTER;
		}
		break;
	case PLAY_AFTER:
		/* A margin of audio time for the monitor to reach the recorder. */
		if (++t->after_drain == 25)
			t->done = TRUE;
		break;
	default:
		g_assert_not_reached ();
	}
}

typedef struct {
	gboolean streaming;
	gboolean exited;
	GString *output;
} Recorder;

static void
on_recorder_line (GObject *source, GAsyncResult *result, gpointer data)
{
	Recorder *r = data;
	g_autofree char *line = g_data_input_stream_read_line_finish (
		G_DATA_INPUT_STREAM (source), result, NULL, NULL);

	if (line == NULL) {
		r->exited = TRUE;
		return;
	}
	g_string_append_printf (r->output, "%s\n", line);
	if (strstr (line, "-> streaming") != NULL)
		r->streaming = TRUE;
	g_data_input_stream_read_line_async (
		G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL, on_recorder_line, r);
}

static void
test_playback (void)
{
	Test t = {0};
	Recorder rec = {FALSE, FALSE, g_string_new (NULL)};
	g_autoptr (GError) error = NULL;
	g_autofree char *wav = NULL;
	g_autoptr (GSubprocess) recorder = NULL;
	g_autoptr (GDataInputStream) out = NULL;
	g_autoptr (GArray) recorded = NULL;
	gboolean expired = FALSE;
	guint guard;
	gsize first = 0, last = 0;
	gboolean any = FALSE;
	gint16 peak = 0;
	const gint16 *x;
	gsize span;
	double freq, energy = 0.0, tone_length;
	guint tone_frames = 0;

	test_setup (&t, SOURCE, SINK, "playback");
	wav = g_build_filename (t.tmpdir, "recorded.wav", NULL);

	/* Record lab_sink's monitor (stdbuf: pw-record's -v lines as they come). */
	recorder =
		g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
				  &error,
				  "stdbuf",
				  "-oL",
				  "pw-record",
				  "-v",
				  "--target",
				  SINK,
				  "-P",
				  "{ stream.capture.sink = true }",
				  "--rate",
				  "48000",
				  "--channels",
				  "1",
				  "--format",
				  "s16",
				  wav,
				  NULL);
	g_assert_no_error (error);
	out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (recorder));
	g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, on_recorder_line, &rec);
	guard = g_timeout_add_seconds (GUARD_SECONDS, on_guard, &expired);
	while (!rec.streaming && !rec.exited && !expired)
		g_main_context_iteration (NULL, TRUE);
	if (!rec.streaming)
		g_error ("pw-record did not stream:\n%s", rec.output->str);
	g_source_remove (guard);

	/* One second of tone: 440 whole periods. */
	start_device (&t);
	t.tone_samples = CF_AUDIO_RATE;
	t.phase = PLAY_WAIT_LINKED;
	watch_capture (&t, on_frame_feed_playback);
	wait_done (&t, "the tone to be played");
	unwatch_capture (&t);

	/* SIGINT: pw-record completes the WAV header (and exits with 1). */
	g_subprocess_send_signal (recorder, SIGINT);
	g_subprocess_wait (recorder, NULL, &error);
	g_assert_no_error (error);
	while (!rec.exited)
		g_main_context_iteration (NULL, TRUE);

	/* The recording holds the tone that was written: its frequency, its
	 * level, and about its length, measured by its energy (a sine of
	 * amplitude A has A^2 / 2 per sample), so that silence around it does
	 * not count. The margin is for quanta the unprivileged lab server may
	 * drop or delay (no realtime scheduling in a test container), about 1%
	 * each; a stream that lost or repeated buffers, or filled in silence
	 * while samples were queued, is far outside it. */
	recorded = read_wav (wav);
	x = (const gint16 *)recorded->data;
	for (gsize i = 0; i < recorded->len; i++) {
		energy += (double)x[i] * x[i];
		peak = MAX (peak, ABS (x[i]));
		if (ABS (x[i]) > TONE_AMPLITUDE / 2) {
			if (!any)
				first = i;
			any = TRUE;
			last = i;
		}
	}
	g_assert_true (any);
	span = last + 1 - first;
	tone_length = energy / ((double)TONE_AMPLITUDE * TONE_AMPLITUDE / 2.0);
	for (gsize i = first; i + CF_AUDIO_FRAME_SAMPLES <= last + 1; i += CF_AUDIO_FRAME_SAMPLES)
		tone_frames += frame_has_tone (x + i);
	freq = median_frame_frequency (x + first, span);
	g_test_message ("recorded %u samples: tone span %" G_GSIZE_FORMAT ", energy of %.0f tone "
			"samples, %.3f Hz, peak %d, %u samples off the sine, %u frames of tone",
			recorded->len,
			span,
			tone_length,
			freq,
			peak,
			count_discontinuities (x + first, span),
			tone_frames);
	g_assert_cmpfloat (tone_length, >, t.tone_samples * 0.9);
	g_assert_cmpfloat (tone_length, <, t.tone_samples * 1.1);
	g_assert_cmpfloat_with_epsilon (freq, TONE_HZ, 0.5);
	g_assert_cmpint (peak, >, TONE_AMPLITUDE * 9 / 10);
	g_assert_cmpint (peak, <, TONE_AMPLITUDE * 11 / 10);
	/* Nine frames in ten have the tone; a dropped quantum spoils one or two. */
	g_assert_cmpuint (tone_frames * 10, >=, (span / CF_AUDIO_FRAME_SAMPLES) * 9);
	g_assert_cmpuint (cf_audio_device_get_playback_underruns (t.dev), >, t.underruns_mark);

	g_string_free (rec.output, TRUE);
	test_teardown (&t);
}

/* ---- mute ---- */

enum {
	MUTE_TONE,
	MUTE_SILENT,
	MUTE_TONE_AGAIN,
};

#define MUTE_RUN_FRAMES 10
/* Frames captured before the mute took effect: what was queued and what a
 * process cycle was writing at that moment. */
#define MUTE_LATE_FRAMES 100

static void
on_frame_mute (Test *t, const gint16 *frame)
{
	if (t->done)
		return;
	switch (t->phase) {
	case MUTE_TONE:
	case MUTE_TONE_AGAIN:
		t->run = frame_has_tone (frame) ? t->run + 1 : 0;
		if (t->run >= MUTE_RUN_FRAMES) {
			t->done = TRUE;
		} else if (t->phase == MUTE_TONE_AGAIN && t->frames > MUTE_LATE_FRAMES) {
			t->failure = "no tone after unmuting";
		}
		break;
	case MUTE_SILENT:
		if (frame_is_silent (frame)) {
			t->run++;
		} else if (t->run > 0) {
			t->failure = "sound after silence while muted";
		} else if (t->frames > MUTE_LATE_FRAMES) {
			t->failure = "no silence while muted";
		}
		if (t->run >= MUTE_RUN_FRAMES)
			t->done = TRUE;
		break;
	default:
		g_assert_not_reached ();
	}
	if (!t->done && t->player_exited && t->failure == NULL)
		t->failure = "the player finished too early";
}

static void
test_mute (void)
{
	Test t = {0};

	test_setup (&t, SOURCE, SINK, "mute");
	g_assert_false (cf_audio_device_get_muted (t.dev));
	start_device (&t);
	play_tone_into_mic (&t, 10.0);

	t.phase = MUTE_TONE;
	watch_capture (&t, on_frame_mute);
	wait_done (&t, "the tone");

	cf_audio_device_set_muted (t.dev, TRUE);
	g_assert_true (cf_audio_device_get_muted (t.dev));
	t.phase = MUTE_SILENT;
	watch_capture (&t, on_frame_mute);
	wait_done (&t, "silence while muted");

	cf_audio_device_set_muted (t.dev, FALSE);
	g_assert_false (cf_audio_device_get_muted (t.dev));
	t.phase = MUTE_TONE_AGAIN;
	watch_capture (&t, on_frame_mute);
	wait_done (&t, "the tone after unmuting");

	test_teardown (&t);
}

/* ---- start and stop ---- */

/* Empty names: the default source and sink. Each start makes new streams
 * that are linked and run; each stop takes them out of the graph. */
static void
test_start_stop (void)
{
	Test t = {0};
	g_autoptr (GError) error = NULL;

	test_setup (&t, "", NULL, "startstop");
	g_assert_false (cf_audio_device_is_started (t.dev));
	cf_audio_device_stop (t.dev); /* stopped: nothing */
	g_assert_cmpint (cf_audio_device_get_capture_fd (t.dev), >=, 0);

	for (guint round = 0; round < 3; round++) {
		g_test_message ("round %u", round);
		start_device (&t);
		g_assert_true (cf_audio_device_start (t.dev, &error)); /* started: nothing */
		g_assert_no_error (error);

		t.underruns_mark = cf_audio_device_get_playback_underruns (t.dev);
		watch_capture (&t, on_frame_count);
		wait_done (&t, "capture frames and playback cycles");
		unwatch_capture (&t);
		assert_graph ("confab-capture-startstop", "confab-playback-startstop");

		cf_audio_device_stop (t.dev);
		g_assert_false (cf_audio_device_is_started (t.dev));
		cf_audio_device_stop (t.dev);
		assert_no_node ("confab-capture-startstop");
		assert_no_node ("confab-playback-startstop");
	}
	g_assert_null (t.failed_error);
	test_teardown (&t);
}

/* No suffix: the bare names. Dropping the last reference stops. */
static void
test_names (void)
{
	Test t = {0};

	test_setup (&t, SOURCE, SINK, NULL);
	start_device (&t);
	watch_capture (&t, on_frame_count);
	wait_done (&t, "capture frames and playback cycles");
	unwatch_capture (&t);
	assert_graph ("confab-capture", "confab-playback");
	test_teardown (&t);
	assert_no_node ("confab-capture");
	assert_no_node ("confab-playback");
}

/* ---- errors ---- */

static void
test_no_such_remote (void)
{
	g_autoptr (CfAudioDevice) dev = cf_audio_device_new (NULL, NULL, "noremote");
	g_autoptr (GError) error = NULL;

	cf_audio_device_set_remote (dev, "confab-test-no-such-pipewire");
	g_assert_false (cf_audio_device_start (dev, &error));
	g_assert_error (error, CF_AUDIO_DEVICE_ERROR, CF_AUDIO_DEVICE_ERROR_NO_PIPEWIRE);
	g_test_message ("%s", error->message);
	g_assert_nonnull (strstr (error->message, "confab-test-no-such-pipewire"));
	g_assert_false (cf_audio_device_is_started (dev));
	g_clear_error (&error);

	/* The same device, pointed at the running server, works. */
	cf_audio_device_set_remote (dev, NULL);
	g_assert_true (cf_audio_device_start (dev, &error));
	g_assert_no_error (error);
	cf_audio_device_stop (dev);
}

/* Last: stops the harness's PipeWire. A started device reports the loss
 * once with ::failed; after that no PipeWire is running and start fails
 * cleanly. */
static void
test_pipewire_exits (void)
{
	const char *pid_text = g_getenv ("CF_TEST_PIPEWIRE_PID");
	Test t = {0};
	g_autoptr (GError) error = NULL;
	gint64 pid;

	if (pid_text == NULL || !g_ascii_string_to_signed (pid_text, 10, 1, G_MAXINT, &pid, NULL)) {
		g_test_skip ("CF_TEST_PIPEWIRE_PID is not set (run through pw_harness.py)");
		return;
	}
	test_setup (&t, SOURCE, SINK, "exits");
	start_device (&t);
	watch_capture (&t, on_frame_count);
	wait_done (&t, "capture frames and playback cycles");
	unwatch_capture (&t);

	if (t.failed_error != NULL)
		g_error ("failed before PipeWire was stopped: %s", t.failed_error->message);
	t.done = FALSE;
	g_assert_cmpint (kill ((pid_t)pid, SIGTERM), ==, 0);
	wait_done (&t, "::failed");
	g_assert_error (t.failed_error, CF_AUDIO_DEVICE_ERROR, CF_AUDIO_DEVICE_ERROR_FAILED);
	g_test_message ("%s", t.failed_error->message);
	g_assert_true (cf_audio_device_is_started (t.dev));
	cf_audio_device_stop (t.dev);
	g_assert_false (cf_audio_device_is_started (t.dev));

	g_assert_false (cf_audio_device_start (t.dev, &error));
	g_assert_error (error, CF_AUDIO_DEVICE_ERROR, CF_AUDIO_DEVICE_ERROR_NO_PIPEWIRE);
	g_test_message ("%s", error->message);
	g_assert_false (cf_audio_device_is_started (t.dev));
	test_teardown (&t);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/audio-device/analysis", test_analysis);
	g_test_add_func ("/confab/media/audio-device/capture", test_capture);
	g_test_add_func ("/confab/media/audio-device/capture-overrun", test_capture_overrun);
	g_test_add_func ("/confab/media/audio-device/playback", test_playback);
	g_test_add_func ("/confab/media/audio-device/mute", test_mute);
	g_test_add_func ("/confab/media/audio-device/start-stop", test_start_stop);
	g_test_add_func ("/confab/media/audio-device/names", test_names);
	g_test_add_func ("/confab/media/audio-device/no-such-remote", test_no_such_remote);
	g_test_add_func ("/confab/media/audio-device/pipewire-exits", test_pipewire_exits);

	return g_test_run ();
}
