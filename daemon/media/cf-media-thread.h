/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The media thread (DESIGN.md §4): one thread with its own GMainContext on
 * which ICE, RTP, SRTP and the codecs run, so that the main thread stays free
 * for D-Bus and SIP. Started on first use, stopped when the last reference
 * goes. Idle, it sleeps in poll(): no timers run without a call. */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CfMediaThread CfMediaThread;

/* The process's media thread, started if needed. (transfer full) */
CfMediaThread *cf_media_thread_get (void);
CfMediaThread *cf_media_thread_ref (CfMediaThread *self);
/* The last unref stops the thread and waits for it. */
void cf_media_thread_unref (CfMediaThread *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfMediaThread, cf_media_thread_unref)

/* (transfer none) the thread's context */
GMainContext *cf_media_thread_get_context (CfMediaThread *self);
gboolean cf_media_thread_is_current (CfMediaThread *self);

/* Runs @func (@data) on the media thread: at once when called from it, else
 * as soon as the thread gets to it. @notify (nullable) frees @data after. */
void cf_media_thread_invoke (CfMediaThread *self, GSourceFunc func, gpointer data, GDestroyNotify notify);

/* Runs @func (@data) on the media thread and waits until it returned. Never
 * call it from the media thread's own callbacks with a lock held that the
 * media thread may need. */
void cf_media_thread_invoke_sync (CfMediaThread *self, GSourceFunc func, gpointer data);

G_END_DECLS
