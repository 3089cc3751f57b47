/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lock-free SPSC sample ring: single-threaded behaviour, then two threads. */

#include "cf-ring-buffer.h"

static void
test_ring_new (void)
{
	g_autoptr (CfRingBuffer) ring = cf_ring_buffer_new (8);
	gint16 out[8];

	g_assert_nonnull (ring);
	g_assert_cmpuint (cf_ring_buffer_get_capacity (ring), ==, 8);
	g_assert_cmpuint (cf_ring_buffer_readable (ring), ==, 0);
	g_assert_cmpuint (cf_ring_buffer_writable (ring), ==, 8);
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, G_N_ELEMENTS (out)), ==, 0);
	g_assert_cmpuint (cf_ring_buffer_skip (ring, 3), ==, 0);
	cf_ring_buffer_free (NULL);
}

/* A capacity that is not a power of two in range is a programming error:
 * NULL and a critical, no crash. */
static void
test_ring_bad_capacity (gconstpointer data)
{
	gsize capacity = GPOINTER_TO_SIZE (data);
	CfRingBuffer *ring;

	g_test_expect_message ("cf-ring-buffer", G_LOG_LEVEL_CRITICAL, "*");
	ring = cf_ring_buffer_new (capacity);
	g_test_assert_expected_messages ();
	g_assert_null (ring);
}

static void
test_ring_fifo_and_wrap (void)
{
	g_autoptr (CfRingBuffer) ring = cf_ring_buffer_new (8);
	gint16 in[16];
	gint16 out[16];
	gint16 next_in = 0;
	gint16 next_out = 0;

	/* Every fill level and every start offset: write k, read k, many times
	 * round the ring. */
	for (guint round = 0; round < 40; round++) {
		gsize k = 1 + round % 8;

		for (gsize i = 0; i < k; i++)
			in[i] = next_in++;
		g_assert_cmpuint (cf_ring_buffer_write (ring, in, k), ==, k);
		g_assert_cmpuint (cf_ring_buffer_readable (ring), ==, k);
		g_assert_cmpuint (cf_ring_buffer_writable (ring), ==, 8 - k);
		g_assert_cmpuint (cf_ring_buffer_read (ring, out, G_N_ELEMENTS (out)), ==, k);
		for (gsize i = 0; i < k; i++)
			g_assert_cmpint (out[i], ==, next_out++);
		g_assert_cmpuint (cf_ring_buffer_readable (ring), ==, 0);
	}
}

static void
test_ring_full_and_partial (void)
{
	g_autoptr (CfRingBuffer) ring = cf_ring_buffer_new (4);
	const gint16 in[6] = {1, 2, 3, 4, 5, 6};
	gint16 out[6] = {0};

	/* A write stores what fits and never overwrites. */
	g_assert_cmpuint (cf_ring_buffer_write (ring, in, 6), ==, 4);
	g_assert_cmpuint (cf_ring_buffer_writable (ring), ==, 0);
	g_assert_cmpuint (cf_ring_buffer_write (ring, in + 4, 2), ==, 0);
	g_assert_cmpuint (cf_ring_buffer_write_silence (ring, 2), ==, 0);

	/* A read returns what is there, oldest first. */
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, 3), ==, 3);
	g_assert_cmpint (out[0], ==, 1);
	g_assert_cmpint (out[1], ==, 2);
	g_assert_cmpint (out[2], ==, 3);
	g_assert_cmpuint (cf_ring_buffer_write (ring, in + 4, 2), ==, 2);
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, 6), ==, 3);
	g_assert_cmpint (out[0], ==, 4);
	g_assert_cmpint (out[1], ==, 5);
	g_assert_cmpint (out[2], ==, 6);
	g_assert_cmpuint (cf_ring_buffer_write (ring, in, 0), ==, 0);
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, 0), ==, 0);
}

static void
test_ring_silence_skip_reset (void)
{
	g_autoptr (CfRingBuffer) ring = cf_ring_buffer_new (8);
	const gint16 in[4] = {7, 8, 9, 10};
	gint16 out[8];

	/* Silence really is zeros, even in slots that held samples before. */
	g_assert_cmpuint (cf_ring_buffer_write (ring, in, 4), ==, 4);
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, 4), ==, 4);
	g_assert_cmpuint (cf_ring_buffer_write (ring, in, 4), ==, 4);
	g_assert_cmpuint (cf_ring_buffer_write_silence (ring, 100), ==, 4);
	g_assert_cmpuint (cf_ring_buffer_skip (ring, 3), ==, 3);
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, 8), ==, 5);
	g_assert_cmpint (out[0], ==, 10);
	for (guint i = 1; i < 5; i++)
		g_assert_cmpint (out[i], ==, 0);

	g_assert_cmpuint (cf_ring_buffer_write (ring, in, 4), ==, 4);
	cf_ring_buffer_reset (ring);
	g_assert_cmpuint (cf_ring_buffer_readable (ring), ==, 0);
	g_assert_cmpuint (cf_ring_buffer_writable (ring), ==, 8);
	g_assert_cmpuint (cf_ring_buffer_write (ring, in + 2, 2), ==, 2);
	g_assert_cmpuint (cf_ring_buffer_read (ring, out, 8), ==, 2);
	g_assert_cmpint (out[0], ==, 9);
	g_assert_cmpint (out[1], ==, 10);
}

/* ---- two threads ---- */

/* Enough samples to go round a small ring tens of thousands of times, and the
 * 16-bit sample values round their range several times (so the check below
 * compares a running counter modulo 2^16). */
#define THREADED_RING_CAPACITY 256
#define THREADED_TOTAL_SAMPLES (1u << 21)

typedef struct {
	CfRingBuffer *ring;
	guint seed;
} ThreadedTest;

/* Chunk sizes vary so that reads and writes straddle the wrap point at every
 * offset and see every fill level. */
static gsize
next_chunk (GRand *rand)
{
	return (gsize)g_rand_int_range (rand, 1, THREADED_RING_CAPACITY + 40);
}

static gpointer
producer_thread (gpointer data)
{
	ThreadedTest *t = data;
	g_autoptr (GRand) rand = g_rand_new_with_seed (t->seed);
	gint16 chunk[THREADED_RING_CAPACITY + 40];
	guint32 sent = 0;

	while (sent < THREADED_TOTAL_SAMPLES) {
		gsize want = next_chunk (rand);
		gsize n = MIN (want, THREADED_TOTAL_SAMPLES - sent);
		gsize done = 0;

		for (gsize i = 0; i < n; i++)
			chunk[i] = (gint16)(guint16)(sent + i);
		while (done < n) {
			gsize w = cf_ring_buffer_write (t->ring, chunk + done, n - done);

			if (w == 0)
				g_thread_yield ();
			done += w;
		}
		sent += n;
	}
	return NULL;
}

static void
test_ring_two_threads (void)
{
	g_autoptr (CfRingBuffer) ring = cf_ring_buffer_new (THREADED_RING_CAPACITY);
	ThreadedTest t = {ring, g_test_rand_int ()};
	g_autoptr (GRand) rand = g_rand_new_with_seed (t.seed + 1);
	gint16 chunk[THREADED_RING_CAPACITY + 40];
	guint32 received = 0;
	guint32 empty_reads = 0;
	GThread *producer;

	producer = g_thread_new ("producer", producer_thread, &t);
	while (received < THREADED_TOTAL_SAMPLES) {
		gsize n = cf_ring_buffer_read (ring, chunk, next_chunk (rand));

		if (n == 0) {
			empty_reads++;
			g_thread_yield ();
			continue;
		}
		g_assert_cmpuint (received + n, <=, THREADED_TOTAL_SAMPLES);
		/* Every sample once, in order: the counter the producer wrote. */
		for (gsize i = 0; i < n; i++) {
			if (chunk[i] != (gint16)(guint16)(received + i))
				g_error ("sample %" G_GUINT32_FORMAT ": got %d, expected %d",
					 (guint32)(received + i),
					 chunk[i],
					 (gint16)(guint16)(received + i));
		}
		received += n;
	}
	g_thread_join (producer);
	/* Nothing more arrives after the last sample. */
	g_assert_cmpuint (cf_ring_buffer_readable (ring), ==, 0);
	g_assert_cmpuint (received, ==, THREADED_TOTAL_SAMPLES);
	g_test_message ("%" G_GUINT32_FORMAT " empty reads", empty_reads);
}

int
main (int argc, char **argv)
{
	const gsize bad[] = {0, 3, 6, 1000, CF_RING_BUFFER_MAX_CAPACITY * 2};

	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/media/ring-buffer/new", test_ring_new);
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_autofree char *path =
			g_strdup_printf ("/confab/media/ring-buffer/bad-capacity/%u", i);

		g_test_add_data_func (path, GSIZE_TO_POINTER (bad[i]), test_ring_bad_capacity);
	}
	g_test_add_func ("/confab/media/ring-buffer/fifo-and-wrap", test_ring_fifo_and_wrap);
	g_test_add_func ("/confab/media/ring-buffer/full-and-partial", test_ring_full_and_partial);
	g_test_add_func ("/confab/media/ring-buffer/silence-skip-reset",
			 test_ring_silence_skip_reset);
	g_test_add_func ("/confab/media/ring-buffer/two-threads", test_ring_two_threads);

	return g_test_run ();
}
