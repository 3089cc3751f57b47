/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cf-media-thread.h"

static gboolean
record_thread (gpointer data)
{
	*(GThread **) data = g_thread_self ();
	return G_SOURCE_REMOVE;
}

static void
test_runs_elsewhere (void)
{
	g_autoptr (CfMediaThread) t = cf_media_thread_get ();
	GThread *seen = NULL;

	g_assert_false (cf_media_thread_is_current (t));
	cf_media_thread_invoke_sync (t, record_thread, &seen);
	g_assert_nonnull (seen);
	g_assert_true (seen != g_thread_self ());
	g_assert_true (g_main_context_is_owner (cf_media_thread_get_context (t)) == FALSE);
}

static void
test_shared (void)
{
	g_autoptr (CfMediaThread) a = cf_media_thread_get ();
	g_autoptr (CfMediaThread) b = cf_media_thread_get ();
	GThread *ta = NULL, *tb = NULL;

	g_assert_true (a == b);
	cf_media_thread_invoke_sync (a, record_thread, &ta);
	cf_media_thread_invoke_sync (b, record_thread, &tb);
	g_assert_true (ta == tb);
}

typedef struct {
	GMutex lock;
	guint count;
} Counter;

static gboolean
count_one (gpointer data)
{
	Counter *c = data;

	g_mutex_lock (&c->lock);
	c->count++;
	g_mutex_unlock (&c->lock);
	return G_SOURCE_REMOVE;
}

static void
test_async_then_stop (void)
{
	Counter c = { 0 };
	CfMediaThread *t = cf_media_thread_get ();

	g_mutex_init (&c.lock);
	for (guint i = 0; i < 1000; i++)
		cf_media_thread_invoke (t, count_one, &c, NULL);
	/* A sync call after them runs after them: the context is FIFO. */
	cf_media_thread_invoke_sync (t, count_one, &c);
	g_assert_cmpuint (c.count, ==, 1001);
	cf_media_thread_unref (t);
	/* A new one starts after the last one stopped. */
	t = cf_media_thread_get ();
	cf_media_thread_invoke_sync (t, count_one, &c);
	g_assert_cmpuint (c.count, ==, 1002);
	cf_media_thread_unref (t);
	g_mutex_clear (&c.lock);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/confab/media/thread/runs-elsewhere", test_runs_elsewhere);
	g_test_add_func ("/confab/media/thread/shared", test_shared);
	g_test_add_func ("/confab/media/thread/async-then-stop", test_async_then_stop);
	return g_test_run ();
}
