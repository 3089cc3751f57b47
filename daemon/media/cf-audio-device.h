/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A call's audio through PipeWire: one capture stream (the microphone) and one
 * playback stream (the speaker), 48 kHz mono signed 16-bit, moved in 20 ms
 * frames (CF_AUDIO_FRAME_SAMPLES samples).
 *
 * The device holds no PipeWire connection until cf_audio_device_start(): it
 * then connects to the PipeWire server, creates the two streams and runs
 * them on a pw_thread_loop (PipeWire's own thread); cf_audio_device_stop()
 * tears all of it down again, so an idle daemon has no streams, no
 * connection and no thread. Start and stop may alternate any number of
 * times.
 *
 * The streams' realtime process callbacks only copy samples between
 * PipeWire's buffers and two lock-free rings (CfRingBuffer):
 *  - capture: what the source delivers is appended to the capture ring
 *    (zeros instead while muted). The media side pulls whole frames with
 *    cf_audio_device_read_capture_frame(), woken by the capture fd. Samples
 *    that do not fit (the media side fell behind by more than the ring) are
 *    dropped and counted (cf_audio_device_get_capture_overruns()).
 *  - playback: the media side pushes decoded samples with
 *    cf_audio_device_write_playback(); each process callback takes what the
 *    sink requested (pw_buffer.requested) and fills silence for what is
 *    missing, counting that cycle as an underrun
 *    (cf_audio_device_get_playback_underruns()).
 *
 * Threads: the device is used from one thread (the media thread): start,
 * stop, read and write; only the mute flag and the counters may be touched
 * from any thread. ::failed is emitted on the thread-default main context of
 * the thread that called cf_audio_device_start(). The process callbacks
 * never allocate, lock or log.
 *
 * Streams are identified in the PipeWire graph by media.role=Communication
 * and node.name confab-capture / confab-playback, followed by "-" and the
 * name suffix when one is given (for example the call's id).
 *
 * Signals:
 * ::failed (GError *error): a stream failed or the connection to PipeWire was
 * lost while started (PipeWire restarted, the node was destroyed). The
 * device stays started but silent until cf_audio_device_stop(); start it
 * again to reconnect. Emitted at most once per start.
 */

#include <glib-object.h>

G_BEGIN_DECLS

#define CF_AUDIO_RATE	  48000
#define CF_AUDIO_CHANNELS 1
/* One 20 ms frame at CF_AUDIO_RATE, mono. */
#define CF_AUDIO_FRAME_SAMPLES 960
/* Capacity of each ring, in samples: about 340 ms. */
#define CF_AUDIO_RING_SAMPLES 16384

#define CF_AUDIO_DEVICE_ERROR (cf_audio_device_error_quark ())
GQuark cf_audio_device_error_quark (void);

typedef enum {
	/* No PipeWire server to connect to (not running, wrong remote). */
	CF_AUDIO_DEVICE_ERROR_NO_PIPEWIRE,
	/* A stream could not be created, or failed or was lost. */
	CF_AUDIO_DEVICE_ERROR_FAILED,
} CfAudioDeviceError;

#define CF_TYPE_AUDIO_DEVICE (cf_audio_device_get_type ())
G_DECLARE_FINAL_TYPE (CfAudioDevice, cf_audio_device, CF, AUDIO_DEVICE, GObject)

/* (transfer full) A stopped device. @source and @sink: PipeWire node names
 * (the configuration's audio-source and audio-sink); NULL or "" = the
 * default source / sink. @name_suffix: appended to the node names, NULL or
 * "" for none. All copied. */
CfAudioDevice *cf_audio_device_new (const char *source, const char *sink, const char *name_suffix);

/* The PipeWire remote (socket name, as PIPEWIRE_REMOTE) to connect to; NULL
 * = PipeWire's default. Takes effect at the next start. */
void cf_audio_device_set_remote (CfAudioDevice *self, const char *remote);

/* Connects to PipeWire and starts both streams, after emptying both rings.
 * Blocks for the round trips that create the streams on the server. The
 * streams are linked to their source and sink by the session manager
 * afterwards: samples flow from then on. TRUE at once if already started.
 * Fails with CF_AUDIO_DEVICE_ERROR_NO_PIPEWIRE when no server answers and
 * CF_AUDIO_DEVICE_ERROR_FAILED when the server refuses a stream; the device
 * is then stopped. */
gboolean cf_audio_device_start (CfAudioDevice *self, GError **error);
/* Destroys the streams and the connection. Nothing if not started. */
void cf_audio_device_stop (CfAudioDevice *self);
gboolean cf_audio_device_is_started (CfAudioDevice *self);

/* While muted, capture delivers silence (the frames keep coming, so the
 * sender's timing does not change). Kept across stop and start. Any thread. */
void cf_audio_device_set_muted (CfAudioDevice *self, gboolean muted);
gboolean cf_audio_device_get_muted (CfAudioDevice *self);

/* A file descriptor that polls readable (G_IO_IN) when at least one capture
 * frame is waiting; valid for the device's life, across stop and start.
 * Watch it on the media thread's main context and, when it fires, call
 * cf_audio_device_read_capture_frame() until it returns FALSE. -1 if the
 * device could not make one (then start fails). (transfer none) */
int cf_audio_device_get_capture_fd (CfAudioDevice *self);

/* Moves the oldest CF_AUDIO_FRAME_SAMPLES captured samples into @frame, if
 * that many are waiting; else FALSE and nothing is read. Also resets the
 * capture fd's readiness. */
gboolean cf_audio_device_read_capture_frame (CfAudioDevice *self, gint16 *frame);
/* Captured samples waiting. */
gsize cf_audio_device_get_capture_queued (CfAudioDevice *self);

/* Queues @n_samples decoded samples for the speaker; returns how many fit
 * (the rest is dropped by the caller's choice: the ring never overwrites). */
gsize cf_audio_device_write_playback (CfAudioDevice *self, const gint16 *samples, gsize n_samples);
/* Samples queued for the speaker and not yet taken by PipeWire. */
gsize cf_audio_device_get_playback_queued (CfAudioDevice *self);

/* Process cycles since the device was created in which the speaker asked for
 * more than was queued (silence filled the gap). */
guint64 cf_audio_device_get_playback_underruns (CfAudioDevice *self);
/* Captured samples dropped since the device was created because the capture
 * ring was full. */
guint64 cf_audio_device_get_capture_overruns (CfAudioDevice *self);

G_END_DECLS
