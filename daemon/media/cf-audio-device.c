/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A call's audio through PipeWire: a capture and a playback pw_stream on a
 * pw_thread_loop, exchanging samples with the media thread through rings. */

#define G_LOG_DOMAIN "cf-audio-device"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

#include "cf-audio-device.h"
#include "cf-ring-buffer.h"

/* Hang guard for the server's answers while starting and stopping: PipeWire
 * answers in milliseconds; a server that does not answer at all is an error. */
#define START_GUARD_SECONDS 10

/* Lets a group of nodes agree on a quantum no larger than one frame. */
#define NODE_LATENCY G_STRINGIFY (CF_AUDIO_FRAME_SAMPLES) "/" G_STRINGIFY (CF_AUDIO_RATE)

/* clang-format off */
G_DEFINE_QUARK (cf-audio-device-error-quark, cf_audio_device_error)
/* clang-format on */

typedef struct {
	CfAudioDevice *device;	  /* (unowned) */
	struct pw_stream *stream; /* (owned) (nullable) */
	struct spa_hook listener;
	enum pw_stream_state state; /* under the thread loop's lock */
	char *error;		    /* (owned) (nullable) under the lock */
} CfAudioStream;

struct _CfAudioDevice {
	GObject parent_instance;

	char *source;	   /* (nullable) */
	char *sink;	   /* (nullable) */
	char *name_suffix; /* (nullable) */
	char *remote;	   /* (nullable) */

	/* For the whole life of the device; the process callbacks use these
	 * and nothing else of it. */
	CfRingBuffer *capture_ring;  /* producer: capture callback */
	CfRingBuffer *playback_ring; /* consumer: playback callback */
	int capture_fd;		     /* eventfd, or -1 */
	atomic_bool muted;
	atomic_uint_least64_t playback_underruns;
	atomic_uint_least64_t capture_overruns;

	/* While started. */
	gboolean started;
	guint generation; /* counts starts, so a late ::failed of an old start is dropped */
	GMainContext *owner_context; /* (owned) (nullable) where ::failed goes */
	struct pw_thread_loop *loop; /* (owned) */
	struct pw_context *context;  /* (owned) */
	struct pw_core *core;	     /* (owned) */
	struct spa_hook core_listener;
	gboolean reporting; /* under the lock: started, failures go to ::failed */
	gboolean stopping;  /* under the lock: teardown, no more ::failed */
	gboolean failed;    /* under the lock: ::failed queued for this start */
	char *core_error;   /* (owned) (nullable) under the lock */
	int sync_seq;	    /* under the lock: the pw_core_sync() awaited */
	gboolean synced;    /* under the lock: its done came */
	CfAudioStream capture;
	CfAudioStream playback;
};

enum {
	SIGNAL_FAILED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CfAudioDevice, cf_audio_device, G_TYPE_OBJECT)

/* ---- realtime process callbacks: no allocation, no locks, no logging ---- */

static void
on_capture_process (void *data)
{
	CfAudioStream *s = data;
	CfAudioDevice *self = s->device;
	struct pw_buffer *b = pw_stream_dequeue_buffer (s->stream);
	struct spa_data *d;

	if (b == NULL)
		return;
	d = &b->buffer->datas[0];
	if (d->data != NULL && d->chunk != NULL) {
		guint32 offset = MIN (d->chunk->offset, d->maxsize);
		guint32 size = MIN (d->chunk->size, d->maxsize - offset);
		gsize n = size / sizeof (gint16);
		gsize done;

		if (atomic_load_explicit (&self->muted, memory_order_relaxed))
			done = cf_ring_buffer_write_silence (self->capture_ring, n);
		else
			done = cf_ring_buffer_write (
				self->capture_ring, SPA_PTROFF (d->data, offset, const gint16), n);
		if (done < n)
			atomic_fetch_add_explicit (
				&self->capture_overruns, n - done, memory_order_relaxed);
	}
	pw_stream_queue_buffer (s->stream, b);

	/* Wakes the media thread once a frame is there. After the write, so
	 * that the reader, who resets the fd before reading, never misses one. */
	if (self->capture_fd >= 0
	    && cf_ring_buffer_readable (self->capture_ring) >= CF_AUDIO_FRAME_SAMPLES) {
		guint64 one = 1;
		ssize_t r = write (self->capture_fd, &one, sizeof (one));

		(void)r; /* EAGAIN: the counter is saturated, the reader is awake anyway */
	}
}

static void
on_playback_process (void *data)
{
	CfAudioStream *s = data;
	CfAudioDevice *self = s->device;
	struct pw_buffer *b = pw_stream_dequeue_buffer (s->stream);
	struct spa_data *d;
	gsize n, got;
	gint16 *dst;

	if (b == NULL)
		return;
	d = &b->buffer->datas[0];
	if (d->data == NULL || d->chunk == NULL) {
		pw_stream_queue_buffer (s->stream, b);
		return;
	}
	dst = d->data;
	n = d->maxsize / sizeof (gint16);
	if (b->requested > 0)
		n = MIN (n, (gsize)b->requested);
	got = cf_ring_buffer_read (self->playback_ring, dst, n);
	if (got < n) {
		memset (dst + got, 0, (n - got) * sizeof (gint16));
		atomic_fetch_add_explicit (&self->playback_underruns, 1, memory_order_relaxed);
	}
	d->chunk->offset = 0;
	d->chunk->stride = sizeof (gint16);
	d->chunk->size = n * sizeof (gint16);
	pw_stream_queue_buffer (s->stream, b);
}

/* ---- the thread loop's thread (not realtime; called with the loop lock) ---- */

typedef struct {
	CfAudioDevice *device; /* (owned) */
	guint generation;
	char *message; /* (owned) */
} FailedEvent;

static void
failed_event_free (gpointer data)
{
	FailedEvent *ev = data;

	g_object_unref (ev->device);
	g_free (ev->message);
	g_free (ev);
}

/* On the owner's context. */
static gboolean
emit_failed (gpointer data)
{
	FailedEvent *ev = data;
	CfAudioDevice *self = ev->device;
	g_autoptr (GError) error = NULL;

	if (!self->started || self->generation != ev->generation)
		return G_SOURCE_REMOVE;
	g_debug ("PipeWire: %s", ev->message);
	error = g_error_new (
		CF_AUDIO_DEVICE_ERROR, CF_AUDIO_DEVICE_ERROR_FAILED, "PipeWire: %s", ev->message);
	g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
	return G_SOURCE_REMOVE;
}

/* Once started, the first failure is reported on the owner's context. While
 * starting, cf_audio_device_start() reads the state itself. */
static void
report_failure (CfAudioDevice *self, const char *message)
{
	FailedEvent *ev;
	GSource *source;

	pw_thread_loop_signal (self->loop, false);
	if (!self->reporting || self->stopping || self->failed)
		return;
	self->failed = TRUE;
	ev = g_new0 (FailedEvent, 1);
	ev->device = g_object_ref (self);
	ev->generation = self->generation;
	ev->message = g_strdup (message);
	/* An idle source, not g_main_context_invoke(): that would run
	 * emit_failed here, in PipeWire's thread and under its lock, whenever
	 * this thread can acquire the owner's context (the default one, say,
	 * while its thread is between iterations). */
	source = g_idle_source_new ();
	g_source_set_priority (source, G_PRIORITY_DEFAULT);
	g_source_set_callback (source, emit_failed, ev, failed_event_free);
	g_source_set_static_name (source, "[cf-audio-device] failed");
	g_source_attach (source, self->owner_context);
	g_source_unref (source);
}

static const char *
stream_label (CfAudioStream *s)
{
	return s == &s->device->capture ? "capture" : "playback";
}

static void
on_stream_state_changed (void *data,
			 enum pw_stream_state old,
			 enum pw_stream_state state,
			 const char *error)
{
	CfAudioStream *s = data;
	CfAudioDevice *self = s->device;

	s->state = state;
	if (state == PW_STREAM_STATE_ERROR) {
		g_autofree char *message = NULL;

		g_free (s->error);
		s->error = g_strdup (error != NULL ? error : "unknown error");
		message = g_strdup_printf ("%s stream failed: %s", stream_label (s), s->error);
		report_failure (self, message);
	} else if (state == PW_STREAM_STATE_UNCONNECTED) {
		g_autofree char *message =
			g_strdup_printf ("%s stream disconnected", stream_label (s));

		report_failure (self, message);
	} else {
		pw_thread_loop_signal (self->loop, false);
	}
}

static const struct pw_stream_events capture_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_stream_state_changed,
	.process = on_capture_process,
};

static const struct pw_stream_events playback_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_stream_state_changed,
	.process = on_playback_process,
};

static void
on_core_error (void *data, uint32_t id, int seq, int res, const char *message)
{
	CfAudioDevice *self = data;

	/* Errors on other objects (a stream's node) come to the stream too. */
	if (id != PW_ID_CORE)
		return;
	g_free (self->core_error);
	self->core_error =
		g_strdup_printf ("%s (%s)", message != NULL ? message : "error", g_strerror (-res));
	report_failure (self, self->core_error);
}

static void
on_core_done (void *data, uint32_t id, int seq)
{
	CfAudioDevice *self = data;

	if (id == PW_ID_CORE && seq == self->sync_seq) {
		self->synced = TRUE;
		pw_thread_loop_signal (self->loop, false);
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = on_core_done,
	.error = on_core_error,
};

/* ---- setup and teardown, on the owner's thread ---- */

static void
pipewire_init_once (void)
{
	static gsize initialized = 0;

	if (g_once_init_enter (&initialized)) {
		pw_init (NULL, NULL);
		g_once_init_leave (&initialized, 1);
	}
}

static char *
node_name (CfAudioDevice *self, const char *base)
{
	if (self->name_suffix != NULL)
		return g_strdup_printf ("%s-%s", base, self->name_suffix);
	return g_strdup (base);
}

/* With the loop lock held. */
static gboolean
stream_create (CfAudioDevice *self, CfAudioStream *s, enum pw_direction direction, GError **error)
{
	gboolean capture = direction == PW_DIRECTION_INPUT;
	const char *target = capture ? self->source : self->sink;
	g_autofree char *name = node_name (self, capture ? "confab-capture" : "confab-playback");
	struct pw_properties *props;
	guint8 pod_buffer[1024];
	struct spa_pod_builder builder = SPA_POD_BUILDER_INIT (pod_buffer, sizeof (pod_buffer));
	struct spa_audio_info_raw info =
		SPA_AUDIO_INFO_RAW_INIT (.format = SPA_AUDIO_FORMAT_S16,
					 .rate = CF_AUDIO_RATE,
					 .channels = CF_AUDIO_CHANNELS,
					 .position = {SPA_AUDIO_CHANNEL_MONO});
	const struct spa_pod *params[1];
	int res;

	/* clang-format off */
	props = pw_properties_new (
		PW_KEY_MEDIA_TYPE, "Audio",
		PW_KEY_MEDIA_CATEGORY, capture ? "Capture" : "Playback",
		PW_KEY_MEDIA_ROLE, "Communication",
		PW_KEY_NODE_NAME, name,
		PW_KEY_NODE_DESCRIPTION, capture ? "Confab call microphone" : "Confab call speaker",
		PW_KEY_NODE_LATENCY, NODE_LATENCY,
		NULL);
	/* clang-format on */
	if (target != NULL)
		pw_properties_set (props, PW_KEY_TARGET_OBJECT, target);

	s->device = self;
	s->state = PW_STREAM_STATE_CONNECTING;
	g_clear_pointer (&s->error, g_free);
	/* Takes props, even on failure. */
	s->stream = pw_stream_new (self->core, name, props);
	if (s->stream == NULL) {
		int errsv = errno;

		g_set_error (error,
			     CF_AUDIO_DEVICE_ERROR,
			     CF_AUDIO_DEVICE_ERROR_FAILED,
			     "Cannot create the PipeWire %s stream: %s",
			     stream_label (s),
			     g_strerror (errsv));
		return FALSE;
	}
	pw_stream_add_listener (
		s->stream, &s->listener, capture ? &capture_events : &playback_events, s);

	params[0] = spa_format_audio_raw_build (&builder, SPA_PARAM_EnumFormat, &info);
	res = pw_stream_connect (s->stream,
				 direction,
				 PW_ID_ANY,
				 PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS
					 | PW_STREAM_FLAG_RT_PROCESS,
				 params,
				 G_N_ELEMENTS (params));
	if (res < 0) {
		g_set_error (error,
			     CF_AUDIO_DEVICE_ERROR,
			     CF_AUDIO_DEVICE_ERROR_FAILED,
			     "Cannot connect the PipeWire %s stream: %s",
			     stream_label (s),
			     g_strerror (-res));
		return FALSE;
	}
	return TRUE;
}

/* With the loop lock held. Once destroyed, no callback touches the rings. */
static void
stream_destroy (CfAudioStream *s)
{
	if (s->stream != NULL) {
		spa_hook_remove (&s->listener);
		pw_stream_destroy (s->stream);
		s->stream = NULL;
	}
	g_clear_pointer (&s->error, g_free);
}

static gboolean
stream_settled (CfAudioStream *s)
{
	return s->state != PW_STREAM_STATE_CONNECTING;
}

/* With the lock: whether the streams made it, once both settled. */
static gboolean
check_streams (CfAudioDevice *self, GError **error)
{
	CfAudioStream *streams[] = {&self->capture, &self->playback};

	if (self->core_error != NULL) {
		g_set_error (error,
			     CF_AUDIO_DEVICE_ERROR,
			     CF_AUDIO_DEVICE_ERROR_FAILED,
			     "PipeWire: %s",
			     self->core_error);
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS (streams); i++) {
		CfAudioStream *s = streams[i];

		if (s->state == PW_STREAM_STATE_ERROR || s->state == PW_STREAM_STATE_UNCONNECTED) {
			g_set_error (error,
				     CF_AUDIO_DEVICE_ERROR,
				     CF_AUDIO_DEVICE_ERROR_FAILED,
				     "PipeWire %s stream failed: %s",
				     stream_label (s),
				     s->error != NULL ? s->error : "disconnected");
			return FALSE;
		}
	}
	return TRUE;
}

/* Tears down whatever start built; the loop must not be locked. */
static void
teardown (CfAudioDevice *self)
{
	if (self->loop != NULL) {
		pw_thread_loop_lock (self->loop);
		self->stopping = TRUE;
		stream_destroy (&self->capture);
		stream_destroy (&self->playback);
		/* A round trip: when it is done, the server has removed the
		 * nodes, so that stop leaves nothing behind. Not when the
		 * connection is already gone. */
		if (self->core != NULL && self->core_error == NULL) {
			self->synced = FALSE;
			self->sync_seq = pw_core_sync (self->core, PW_ID_CORE, 0);
			while (self->sync_seq >= 0 && !self->synced && self->core_error == NULL) {
				if (pw_thread_loop_timed_wait (self->loop, START_GUARD_SECONDS)
				    != 0)
					break;
			}
		}
		if (self->core != NULL) {
			spa_hook_remove (&self->core_listener);
			pw_core_disconnect (self->core);
			self->core = NULL;
		}
		pw_thread_loop_unlock (self->loop);
		pw_thread_loop_stop (self->loop);
	}
	g_clear_pointer (&self->context, pw_context_destroy);
	g_clear_pointer (&self->loop, pw_thread_loop_destroy);
	g_clear_pointer (&self->core_error, g_free);
	g_clear_pointer (&self->owner_context, g_main_context_unref);
	self->reporting = FALSE;
	self->stopping = FALSE;
	self->failed = FALSE;
	self->started = FALSE;
}

gboolean
cf_audio_device_start (CfAudioDevice *self, GError **error)
{
	g_autoptr (GError) local_error = NULL;
	struct pw_properties *props;
	g_autofree char *loop_name = NULL;
	gboolean ok;

	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (self->started)
		return TRUE;
	if (self->capture_fd < 0) {
		g_set_error_literal (error,
				     CF_AUDIO_DEVICE_ERROR,
				     CF_AUDIO_DEVICE_ERROR_FAILED,
				     "No event fd for the capture stream");
		return FALSE;
	}
	pipewire_init_once ();

	/* Nothing else uses the rings now: no stream, and the caller is the
	 * media side. */
	cf_ring_buffer_reset (self->capture_ring);
	cf_ring_buffer_reset (self->playback_ring);
	{
		guint64 count;
		ssize_t r = read (self->capture_fd, &count, sizeof (count));

		(void)r;
	}

	self->generation++;
	self->owner_context = g_main_context_ref_thread_default ();
	loop_name = node_name (self, "confab-audio");
	self->loop = pw_thread_loop_new (loop_name, NULL);
	if (self->loop == NULL) {
		int errsv = errno;

		g_set_error (error,
			     CF_AUDIO_DEVICE_ERROR,
			     CF_AUDIO_DEVICE_ERROR_FAILED,
			     "Cannot create the PipeWire thread loop: %s",
			     g_strerror (errsv));
		teardown (self);
		return FALSE;
	}
	/* client-rt.conf: realtime priority for the data thread, where it can
	 * be had. (pw_context_new takes props.) */
	/* clang-format off */
	props = pw_properties_new (
		PW_KEY_CONFIG_NAME, "client-rt.conf",
		PW_KEY_APP_NAME, "Confab",
		NULL);
	/* clang-format on */
	self->context = pw_context_new (pw_thread_loop_get_loop (self->loop), props, 0);
	if (self->context == NULL) {
		int errsv = errno;

		g_set_error (error,
			     CF_AUDIO_DEVICE_ERROR,
			     CF_AUDIO_DEVICE_ERROR_FAILED,
			     "Cannot create a PipeWire context: %s",
			     g_strerror (errsv));
		teardown (self);
		return FALSE;
	}
	if (pw_thread_loop_start (self->loop) < 0) {
		g_set_error_literal (error,
				     CF_AUDIO_DEVICE_ERROR,
				     CF_AUDIO_DEVICE_ERROR_FAILED,
				     "Cannot start the PipeWire thread");
		teardown (self);
		return FALSE;
	}

	pw_thread_loop_lock (self->loop);
	props = NULL;
	if (self->remote != NULL)
		props = pw_properties_new (PW_KEY_REMOTE_NAME, self->remote, NULL);
	self->core = pw_context_connect (self->context, props, 0);
	if (self->core == NULL) {
		int errsv = errno;

		pw_thread_loop_unlock (self->loop);
		g_set_error (error,
			     CF_AUDIO_DEVICE_ERROR,
			     CF_AUDIO_DEVICE_ERROR_NO_PIPEWIRE,
			     "No PipeWire server to connect to (%s%s): %s; is PipeWire running?",
			     self->remote != NULL ? "remote " : "the default remote",
			     self->remote != NULL ? self->remote : "",
			     g_strerror (errsv));
		teardown (self);
		return FALSE;
	}
	pw_core_add_listener (self->core, &self->core_listener, &core_events, self);

	ok = stream_create (self, &self->capture, PW_DIRECTION_INPUT, &local_error)
	     && stream_create (self, &self->playback, PW_DIRECTION_OUTPUT, &local_error);
	while (ok) {
		ok = check_streams (self, &local_error);
		if (!ok || (stream_settled (&self->capture) && stream_settled (&self->playback)))
			break;
		if (pw_thread_loop_timed_wait (self->loop, START_GUARD_SECONDS) != 0) {
			g_set_error (&local_error,
				     CF_AUDIO_DEVICE_ERROR,
				     CF_AUDIO_DEVICE_ERROR_FAILED,
				     "PipeWire did not create the streams");
			ok = FALSE;
		}
	}
	self->reporting = ok;
	pw_thread_loop_unlock (self->loop);
	if (!ok) {
		teardown (self);
		g_propagate_error (error, g_steal_pointer (&local_error));
		return FALSE;
	}
	self->started = TRUE;
	g_debug ("started (capture from %s, playback to %s)",
		 self->source != NULL ? self->source : "the default source",
		 self->sink != NULL ? self->sink : "the default sink");
	return TRUE;
}

void
cf_audio_device_stop (CfAudioDevice *self)
{
	g_return_if_fail (CF_IS_AUDIO_DEVICE (self));

	if (!self->started)
		return;
	teardown (self);
	g_debug ("stopped");
}

gboolean
cf_audio_device_is_started (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), FALSE);
	return self->started;
}

void
cf_audio_device_set_remote (CfAudioDevice *self, const char *remote)
{
	g_return_if_fail (CF_IS_AUDIO_DEVICE (self));
	g_free (self->remote);
	self->remote = g_strdup (remote);
}

void
cf_audio_device_set_muted (CfAudioDevice *self, gboolean muted)
{
	g_return_if_fail (CF_IS_AUDIO_DEVICE (self));
	atomic_store_explicit (&self->muted, muted != FALSE, memory_order_relaxed);
}

gboolean
cf_audio_device_get_muted (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), FALSE);
	return atomic_load_explicit (&self->muted, memory_order_relaxed);
}

int
cf_audio_device_get_capture_fd (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), -1);
	return self->capture_fd;
}

gboolean
cf_audio_device_read_capture_frame (CfAudioDevice *self, gint16 *frame)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), FALSE);
	g_return_val_if_fail (frame != NULL, FALSE);

	/* Reset the fd first: a frame that completes after this wakes the
	 * reader again. */
	if (self->capture_fd >= 0) {
		guint64 count;
		ssize_t r = read (self->capture_fd, &count, sizeof (count));

		(void)r; /* EAGAIN: nothing was signalled */
	}
	if (cf_ring_buffer_readable (self->capture_ring) < CF_AUDIO_FRAME_SAMPLES)
		return FALSE;
	return cf_ring_buffer_read (self->capture_ring, frame, CF_AUDIO_FRAME_SAMPLES)
	       == CF_AUDIO_FRAME_SAMPLES;
}

gsize
cf_audio_device_get_capture_queued (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), 0);
	return cf_ring_buffer_readable (self->capture_ring);
}

gsize
cf_audio_device_write_playback (CfAudioDevice *self, const gint16 *samples, gsize n_samples)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), 0);
	g_return_val_if_fail (samples != NULL || n_samples == 0, 0);
	return cf_ring_buffer_write (self->playback_ring, samples, n_samples);
}

gsize
cf_audio_device_get_playback_queued (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), 0);
	return cf_ring_buffer_readable (self->playback_ring);
}

guint64
cf_audio_device_get_playback_underruns (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), 0);
	return atomic_load_explicit (&self->playback_underruns, memory_order_relaxed);
}

guint64
cf_audio_device_get_capture_overruns (CfAudioDevice *self)
{
	g_return_val_if_fail (CF_IS_AUDIO_DEVICE (self), 0);
	return atomic_load_explicit (&self->capture_overruns, memory_order_relaxed);
}

static void
cf_audio_device_dispose (GObject *object)
{
	CfAudioDevice *self = CF_AUDIO_DEVICE (object);

	cf_audio_device_stop (self);
	G_OBJECT_CLASS (cf_audio_device_parent_class)->dispose (object);
}

static void
cf_audio_device_finalize (GObject *object)
{
	CfAudioDevice *self = CF_AUDIO_DEVICE (object);

	g_free (self->source);
	g_free (self->sink);
	g_free (self->name_suffix);
	g_free (self->remote);
	cf_ring_buffer_free (self->capture_ring);
	cf_ring_buffer_free (self->playback_ring);
	if (self->capture_fd >= 0)
		close (self->capture_fd);
	G_OBJECT_CLASS (cf_audio_device_parent_class)->finalize (object);
}

static void
cf_audio_device_class_init (CfAudioDeviceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_audio_device_dispose;
	object_class->finalize = cf_audio_device_finalize;

	signals[SIGNAL_FAILED] = g_signal_new ("failed",
					       G_TYPE_FROM_CLASS (klass),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       1,
					       G_TYPE_ERROR);
}

static void
cf_audio_device_init (CfAudioDevice *self)
{
	self->capture_ring = cf_ring_buffer_new (CF_AUDIO_RING_SAMPLES);
	self->playback_ring = cf_ring_buffer_new (CF_AUDIO_RING_SAMPLES);
	self->capture_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (self->capture_fd < 0)
		g_debug ("eventfd: %s", g_strerror (errno));
	atomic_init (&self->muted, false);
	atomic_init (&self->playback_underruns, 0);
	atomic_init (&self->capture_overruns, 0);
}

static char *
empty_to_null (const char *s)
{
	return s != NULL && *s != '\0' ? g_strdup (s) : NULL;
}

CfAudioDevice *
cf_audio_device_new (const char *source, const char *sink, const char *name_suffix)
{
	CfAudioDevice *self = g_object_new (CF_TYPE_AUDIO_DEVICE, NULL);

	self->source = empty_to_null (source);
	self->sink = empty_to_null (sink);
	self->name_suffix = empty_to_null (name_suffix);
	return self;
}
