/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A single-producer single-consumer lock-free ring of audio samples.
 *
 * Samples are signed 16-bit native-endian integers (gint16): what Opus
 * (opus_encode/opus_decode), G.711 and the PipeWire streams
 * (SPA_AUDIO_FORMAT_S16) all use, so no conversion happens on either side.
 *
 * The capacity is a power of two, allocated once by cf_ring_buffer_new().
 * Exactly one thread writes (cf_ring_buffer_write*, cf_ring_buffer_writable)
 * and exactly one thread reads (cf_ring_buffer_read, cf_ring_buffer_readable)
 * at a time; the two may be different threads and run concurrently. Those
 * functions never allocate, lock, block, log or make a system call, so either
 * side may be a PipeWire realtime process callback. Indices are C11 atomics:
 * the producer publishes samples with a release store of its write index and
 * the consumer sees them after an acquire load of it (and the other way round
 * for the space the consumer frees).
 *
 * Writes and reads are partial: a write stores what fits and a read returns
 * what is there; both return the number of samples moved. Nothing is ever
 * overwritten.
 */

#include <glib.h>

G_BEGIN_DECLS

/* The largest capacity cf_ring_buffer_new() accepts: 2^24 samples (about
 * 350 s at 48 kHz). */
#define CF_RING_BUFFER_MAX_CAPACITY ((gsize)1 << 24)

typedef struct _CfRingBuffer CfRingBuffer;

/* (transfer full) A ring of @capacity samples, zeroed. @capacity must be a
 * power of two between 1 and CF_RING_BUFFER_MAX_CAPACITY (a programming
 * error otherwise: returns NULL with a critical). */
CfRingBuffer *cf_ring_buffer_new (gsize capacity);
/* Accepts NULL. Neither side may be using the ring any more. */
void cf_ring_buffer_free (CfRingBuffer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRingBuffer, cf_ring_buffer_free)

gsize cf_ring_buffer_get_capacity (const CfRingBuffer *self);

/* Producer side. Copies min(@n, free space) samples from @samples; returns
 * how many. */
gsize cf_ring_buffer_write (CfRingBuffer *self, const gint16 *samples, gsize n);
/* Producer side. Appends min(@n, free space) zero samples; returns how many. */
gsize cf_ring_buffer_write_silence (CfRingBuffer *self, gsize n);
/* Producer side: free space in samples (it only grows until the next write). */
gsize cf_ring_buffer_writable (CfRingBuffer *self);

/* Consumer side. Moves min(@n, available) samples into @samples, oldest
 * first; returns how many. */
gsize cf_ring_buffer_read (CfRingBuffer *self, gint16 *samples, gsize n);
/* Consumer side. Drops min(@n, available) of the oldest samples; returns how
 * many. */
gsize cf_ring_buffer_skip (CfRingBuffer *self, gsize n);
/* Consumer side: samples available (it only grows until the next read).
 * Also safe from the producer side, as an estimate. */
gsize cf_ring_buffer_readable (CfRingBuffer *self);

/* Empties the ring. Only while neither side is using it (for example before
 * the streams that feed it start). */
void cf_ring_buffer_reset (CfRingBuffer *self);

G_END_DECLS
