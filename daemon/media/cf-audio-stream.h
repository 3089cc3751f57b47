/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One call's audio, on the media thread: captured frames are encoded, put in
 * RTP, protected with SRTP and sent on the transport; received packets are
 * unprotected, parsed, queued in the jitter buffer, decoded and played.
 *
 * The capture device paces both directions: each captured 20 ms frame sends
 * one packet and plays one frame. Without PipeWire (no server, a failed
 * device) a 20 ms timer takes its place and silence is sent.
 *
 * Everything here runs on the media thread: create, change and free the
 * stream there (cf_media_thread_invoke_sync()). Events are delivered on the
 * main context given at creation. */

#include <glib.h>

#include "cf-ice-session.h"
#include "cf-srtp.h"

G_BEGIN_DECLS

typedef struct {
	const char *codec;     /* "opus", "PCMU", "PCMA" */
	guint clock_rate;
	guint channels;
	const char *send_fmtp; /* the peer's fmtp for what we send (nullable) */
	const char *recv_fmtp; /* ours, for what we receive (nullable) */
	guint send_pt;
	guint recv_pt;
	gint te_send_pt;       /* telephone-event (RFC 4733): the peer's PT, -1: none */
	gint te_recv_pt;       /* ours, -1: none */
	guint te_clock_rate;
	gboolean send;         /* we may send (not on hold) */
	gboolean recv;         /* the peer sends to us */
	const char *source;    /* PipeWire node names, NULL: defaults */
	const char *sink;
	const char *name_suffix; /* appended to our PipeWire node names */
	guint media_timeout;   /* seconds without a packet before ::timeout; 0: never */
	/* In-band keying (ZRTP): nothing is sent and received RTP is dropped
	 * until cf_audio_stream_set_srtp() gives the keys. */
	gboolean keys_pending;
} CfAudioStreamParams;

typedef struct {
	guint64 packets_sent;
	guint64 packets_received;
	guint64 bytes_sent;
	guint64 bytes_received;
	guint64 srtp_forged;   /* received packets that failed authentication */
	guint64 srtp_replayed; /* received packets dropped as replays */
	guint64 lost;
	guint64 late;
	guint32 jitter;        /* RFC 3550 interarrival jitter, in timestamp units */
	double jitter_ms;      /* the same in milliseconds */
	double rtt_ms;         /* round-trip time from the peer's RTCP reports, 0: none yet */
	gint64 playout_delay_us;
	gboolean device;       /* PipeWire capture and playback run */
} CfAudioStreamStats;

typedef enum {
	CF_AUDIO_STREAM_EVENT_FIRST_PACKET, /* media arrived for the first time */
	CF_AUDIO_STREAM_EVENT_TIMEOUT,      /* no media for media_timeout seconds */
	CF_AUDIO_STREAM_EVENT_DTMF,         /* the peer pressed a key (@digit) */
} CfAudioStreamEvent;

/* Called on the main context given at creation; @digit is the DTMF digit
 * for CF_AUDIO_STREAM_EVENT_DTMF, '\0' otherwise. */
typedef void (*CfAudioStreamEventFunc) (CfAudioStreamEvent event, char digit, gpointer user_data);

/* Called on the media thread for each received packet that is neither RTP
 * nor RTCP (RFC 7983 §7: first byte 0..3 is STUN, handled by libnice; ZRTP
 * starts with 0x10, version bits 0). @data is valid during the call only. */
typedef void (*CfAudioStreamPacketFunc) (const guint8 *data, gsize len, gpointer user_data);

typedef struct _CfAudioStream CfAudioStream;

/* (transfer full) Takes @tx and @rx (nullable: plain RTP). @transport is
 * referenced and must be CONNECTED or become so. */
CfAudioStream *cf_audio_stream_new (CfIceSession *transport,
				    CfSrtpSession *tx,
				    CfSrtpSession *rx,
				    const CfAudioStreamParams *params,
				    GMainContext *main_context,
				    CfAudioStreamEventFunc func,
				    gpointer user_data,
				    GError **error);
void cf_audio_stream_free (CfAudioStream *self);
/* Where non-RTP packets go (nullable @func: dropped). */
void cf_audio_stream_set_packet_func (CfAudioStream *self, CfAudioStreamPacketFunc func, gpointer user_data);
/* The keys of an in-band key agreement: takes @tx and @rx, and the stream
 * starts sending and playing. */
void cf_audio_stream_set_srtp (CfAudioStream *self, CfSrtpSession *tx, CfSrtpSession *rx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfAudioStream, cf_audio_stream_free)

/* Hold and resume: whether we send, and whether the peer does. */
void cf_audio_stream_set_directions (CfAudioStream *self, gboolean send, gboolean recv);
void cf_audio_stream_set_muted (CfAudioStream *self, gboolean muted);
/* Queues DTMF digits (0-9 * # A-D), 100 ms each, sent as RFC 4733 events
 * in place of audio. Fails when no telephone-event was negotiated, for a bad
 * digit, or when too many are queued. */
gboolean cf_audio_stream_send_dtmf (CfAudioStream *self, const char *digits, GError **error);
void cf_audio_stream_get_stats (CfAudioStream *self, CfAudioStreamStats *ret_stats);

G_END_DECLS
