/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-media"

#include "cf-media-thread.h"

struct _CfMediaThread {
	gatomicrefcount ref;
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
};

G_LOCK_DEFINE_STATIC (current);
static CfMediaThread *current;

static gpointer
run (gpointer data)
{
	CfMediaThread *self = data;

	g_main_context_push_thread_default (self->context);
	g_main_loop_run (self->loop);
	g_main_context_pop_thread_default (self->context);
	return NULL;
}

CfMediaThread *
cf_media_thread_get (void)
{
	CfMediaThread *self;

	G_LOCK (current);
	if (current != NULL) {
		self = cf_media_thread_ref (current);
		G_UNLOCK (current);
		return self;
	}
	self = g_new0 (CfMediaThread, 1);
	g_atomic_ref_count_init (&self->ref);
	self->context = g_main_context_new ();
	self->loop = g_main_loop_new (self->context, FALSE);
	self->thread = g_thread_new ("cf-media", run, self);
	current = self;
	G_UNLOCK (current);
	return self;
}

CfMediaThread *
cf_media_thread_ref (CfMediaThread *self)
{
	g_atomic_ref_count_inc (&self->ref);
	return self;
}

static gboolean
quit (gpointer data)
{
	g_main_loop_quit (data);
	return G_SOURCE_REMOVE;
}

void
cf_media_thread_unref (CfMediaThread *self)
{
	if (self == NULL)
		return;
	G_LOCK (current);
	if (!g_atomic_ref_count_dec (&self->ref)) {
		G_UNLOCK (current);
		return;
	}
	if (current == self)
		current = NULL;
	G_UNLOCK (current);

	g_return_if_fail (g_thread_self () != self->thread);
	g_main_context_invoke (self->context, quit, self->loop);
	g_thread_join (self->thread);
	g_main_loop_unref (self->loop);
	g_main_context_unref (self->context);
	g_free (self);
}

GMainContext *
cf_media_thread_get_context (CfMediaThread *self)
{
	return self->context;
}

gboolean
cf_media_thread_is_current (CfMediaThread *self)
{
	return g_thread_self () == self->thread;
}

void
cf_media_thread_invoke (CfMediaThread *self, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
	g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, func, data, notify);
}

typedef struct {
	GSourceFunc func;
	gpointer data;
	GMutex mutex;
	GCond cond;
	gboolean done;
} SyncCall;

static gboolean
run_sync (gpointer data)
{
	SyncCall *call = data;

	call->func (call->data);
	g_mutex_lock (&call->mutex);
	call->done = TRUE;
	g_cond_signal (&call->cond);
	g_mutex_unlock (&call->mutex);
	return G_SOURCE_REMOVE;
}

void
cf_media_thread_invoke_sync (CfMediaThread *self, GSourceFunc func, gpointer data)
{
	SyncCall call = { .func = func, .data = data };

	if (cf_media_thread_is_current (self)) {
		func (data);
		return;
	}
	g_mutex_init (&call.mutex);
	g_cond_init (&call.cond);
	g_main_context_invoke (self->context, run_sync, &call);
	g_mutex_lock (&call.mutex);
	while (!call.done)
		g_cond_wait (&call.cond, &call.mutex);
	g_mutex_unlock (&call.mutex);
	g_mutex_clear (&call.mutex);
	g_cond_clear (&call.cond);
}
