/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A single-producer single-consumer lock-free ring of 16-bit samples. */

#define G_LOG_DOMAIN "cf-ring-buffer"

#include <stdatomic.h>
#include <string.h>

#include "cf-ring-buffer.h"

/* Helgrind does not model C11 atomics: tell it about the two release/acquire
 * pairs, so that `valgrind --tool=helgrind` checks the rest. The client
 * requests are a few no-op instructions outside valgrind: no call, no system
 * call. */
#if defined(__has_include)
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#define CF_HAPPENS_BEFORE(obj)	ANNOTATE_HAPPENS_BEFORE (obj)
#define CF_HAPPENS_AFTER(obj)	ANNOTATE_HAPPENS_AFTER (obj)
#define CF_ATOMIC_VARIABLE(var) ANNOTATE_BENIGN_RACE_SIZED (&(var), sizeof (var), "atomic")
#endif
#endif
#ifndef CF_HAPPENS_BEFORE
#define CF_HAPPENS_BEFORE(obj)	((void)0)
#define CF_HAPPENS_AFTER(obj)	((void)0)
#define CF_ATOMIC_VARIABLE(var) ((void)0)
#endif

/* Keeps the two indices on different cache lines, so that the producer's
 * stores don't keep invalidating the line the consumer reads, and back. */
#define CF_RING_CACHE_LINE 64

struct _CfRingBuffer {
	/* Both indices count samples since the last reset and wrap around at
	 * SIZE_MAX + 1, which the power-of-two capacity divides: the slot of
	 * index i is i & mask and the fill level is write_index - read_index. */
	atomic_size_t write_index; /* stored by the producer only */
	char pad1[CF_RING_CACHE_LINE - sizeof (atomic_size_t)];
	atomic_size_t read_index; /* stored by the consumer only */
	char pad2[CF_RING_CACHE_LINE - sizeof (atomic_size_t)];
	gsize capacity;
	gsize mask;
	gint16 *data; /* (owned) capacity samples */
};

CfRingBuffer *
cf_ring_buffer_new (gsize capacity)
{
	CfRingBuffer *self;

	g_return_val_if_fail (capacity > 0 && capacity <= CF_RING_BUFFER_MAX_CAPACITY, NULL);
	g_return_val_if_fail ((capacity & (capacity - 1)) == 0, NULL);

	self = g_new0 (CfRingBuffer, 1);
	self->capacity = capacity;
	self->mask = capacity - 1;
	self->data = g_new0 (gint16, capacity);
	atomic_init (&self->write_index, 0);
	atomic_init (&self->read_index, 0);
	CF_ATOMIC_VARIABLE (self->write_index);
	CF_ATOMIC_VARIABLE (self->read_index);
	return self;
}

void
cf_ring_buffer_free (CfRingBuffer *self)
{
	if (self == NULL)
		return;
	g_free (self->data);
	g_free (self);
}

gsize
cf_ring_buffer_get_capacity (const CfRingBuffer *self)
{
	return self->capacity;
}

/* Producer side: the slot to write next and how many may be written. The
 * acquire load pairs with the consumer's release store of read_index: the
 * consumer has finished copying out of the slots it gave back. */
static gsize
writable_from (CfRingBuffer *self, gsize *ret_write_index)
{
	gsize w = atomic_load_explicit (&self->write_index, memory_order_relaxed);
	gsize r = atomic_load_explicit (&self->read_index, memory_order_acquire);

	CF_HAPPENS_AFTER (&self->read_index);
	*ret_write_index = w;
	return self->capacity - (w - r);
}

gsize
cf_ring_buffer_writable (CfRingBuffer *self)
{
	gsize w;

	return writable_from (self, &w);
}

/* Copies (or, with @samples NULL, zeroes) @n slots from @w on, wrapping. */
static void
fill_slots (CfRingBuffer *self, gsize w, const gint16 *samples, gsize n)
{
	gsize offset = w & self->mask;
	gsize first = MIN (n, self->capacity - offset);

	if (samples != NULL) {
		memcpy (self->data + offset, samples, first * sizeof (gint16));
		memcpy (self->data, samples + first, (n - first) * sizeof (gint16));
	} else {
		memset (self->data + offset, 0, first * sizeof (gint16));
		memset (self->data, 0, (n - first) * sizeof (gint16));
	}
}

static gsize
write_internal (CfRingBuffer *self, const gint16 *samples, gsize n)
{
	gsize w;
	gsize space = writable_from (self, &w);

	n = MIN (n, space);
	if (n == 0)
		return 0;
	fill_slots (self, w, samples, n);
	/* Publishes the samples: pairs with the consumer's acquire load. */
	CF_HAPPENS_BEFORE (&self->write_index);
	atomic_store_explicit (&self->write_index, w + n, memory_order_release);
	return n;
}

gsize
cf_ring_buffer_write (CfRingBuffer *self, const gint16 *samples, gsize n)
{
	if (n == 0)
		return 0;
	return write_internal (self, samples, n);
}

gsize
cf_ring_buffer_write_silence (CfRingBuffer *self, gsize n)
{
	return write_internal (self, NULL, n);
}

/* Consumer side: the slot to read next and how many may be read. The acquire
 * load pairs with the producer's release store of write_index. */
static gsize
readable_from (CfRingBuffer *self, gsize *ret_read_index)
{
	gsize r = atomic_load_explicit (&self->read_index, memory_order_relaxed);
	gsize w = atomic_load_explicit (&self->write_index, memory_order_acquire);

	CF_HAPPENS_AFTER (&self->write_index);
	*ret_read_index = r;
	return w - r;
}

gsize
cf_ring_buffer_readable (CfRingBuffer *self)
{
	gsize r;

	return readable_from (self, &r);
}

static gsize
read_internal (CfRingBuffer *self, gint16 *samples, gsize n)
{
	gsize r;
	gsize avail = readable_from (self, &r);

	n = MIN (n, avail);
	if (n == 0)
		return 0;
	if (samples != NULL) {
		gsize offset = r & self->mask;
		gsize first = MIN (n, self->capacity - offset);

		memcpy (samples, self->data + offset, first * sizeof (gint16));
		memcpy (samples + first, self->data, (n - first) * sizeof (gint16));
	}
	/* Gives the slots back: pairs with the producer's acquire load. */
	CF_HAPPENS_BEFORE (&self->read_index);
	atomic_store_explicit (&self->read_index, r + n, memory_order_release);
	return n;
}

gsize
cf_ring_buffer_read (CfRingBuffer *self, gint16 *samples, gsize n)
{
	if (n == 0)
		return 0;
	return read_internal (self, samples, n);
}

gsize
cf_ring_buffer_skip (CfRingBuffer *self, gsize n)
{
	return read_internal (self, NULL, n);
}

void
cf_ring_buffer_reset (CfRingBuffer *self)
{
	atomic_store_explicit (&self->write_index, 0, memory_order_relaxed);
	atomic_store_explicit (&self->read_index, 0, memory_order_relaxed);
	atomic_thread_fence (memory_order_seq_cst);
}
