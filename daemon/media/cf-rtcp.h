/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "cf-rtp.h"

G_BEGIN_DECLS

/* RTCP (RFC 3550 §6): compound packets with SR, RR, SDES, BYE, generic
 * feedback (RTPFB/PSFB, RFC 4585 §6.1) including PLI (RFC 4585 §6.3.1);
 * APP and unknown packet types are kept as opaque bodies. Plus the
 * receiver-side computations of RFC 3550 A.3 (fraction and cumulative lost)
 * and A.8 (interarrival jitter), and round-trip time from LSR/DLSR (§6.4.1).
 *
 * Pure: no I/O, no clock (times are passed in), debug logging at most.
 * cf_rtcp_compound_parse() takes remote input: every size and count is
 * bounded by the CF_RTCP_MAX_* limits, any violation is a CF_RTP_ERROR.
 *
 * Parsing is deliberately lenient about one thing: a compound need not start
 * with SR or RR (RFC 5506 reduced-size RTCP is used by WebRTC peers); the
 * caller checks cf_rtcp_compound_is_rfc3550 () if it wants RFC 3550 A.2.
 * Padding is accepted only in the last packet and must be a multiple of 4;
 * the model drops it, and the builder never pads (SRTCP needs none).
 *
 * None of these types is thread-safe. */

#define CF_RTCP_MAX_COMPOUND_SIZE 1500 /* bytes in a compound packet */
#define CF_RTCP_MAX_PACKETS	  32   /* packets in a compound */
#define CF_RTCP_MAX_REPORT_BLOCKS 31   /* the 5-bit RC field */
#define CF_RTCP_MAX_SDES_CHUNKS	  31   /* the 5-bit SC field */
#define CF_RTCP_MAX_SDES_ITEMS	  16   /* items in one SDES chunk */
#define CF_RTCP_MAX_SDES_LENGTH	  255  /* bytes in one SDES item (8-bit length) */
#define CF_RTCP_MAX_BYE_SOURCES	  31   /* the 5-bit SC field */
#define CF_RTCP_MAX_BYE_REASON	  255  /* bytes of a BYE reason (8-bit length) */
#define CF_RTCP_MAX_FMT		  31   /* the 5-bit FMT / subtype field */
#define CF_RTCP_HEADER_SIZE	  4
#define CF_RTCP_REPORT_BLOCK_SIZE 24

/* Packet types (PT). RTCP uses 192..223 (RFC 5761 §4). */
typedef enum {
	CF_RTCP_TYPE_SR = 200,
	CF_RTCP_TYPE_RR = 201,
	CF_RTCP_TYPE_SDES = 202,
	CF_RTCP_TYPE_BYE = 203,
	CF_RTCP_TYPE_APP = 204,
	CF_RTCP_TYPE_RTPFB = 205, /* transport-layer feedback (RFC 4585) */
	CF_RTCP_TYPE_PSFB = 206,  /* payload-specific feedback (RFC 4585) */
} CfRtcpType;

#define CF_RTCP_TYPE_MIN 192
#define CF_RTCP_TYPE_MAX 223

/* SDES item types (RFC 3550 §6.5). */
typedef enum {
	CF_RTCP_SDES_END = 0,
	CF_RTCP_SDES_CNAME = 1,
	CF_RTCP_SDES_NAME = 2,
	CF_RTCP_SDES_EMAIL = 3,
	CF_RTCP_SDES_PHONE = 4,
	CF_RTCP_SDES_LOC = 5,
	CF_RTCP_SDES_TOOL = 6,
	CF_RTCP_SDES_NOTE = 7,
	CF_RTCP_SDES_PRIV = 8,
} CfRtcpSdesType;

/* Feedback message types (FMT). */
#define CF_RTCP_RTPFB_NACK 1 /* generic NACK (RFC 4585 §6.2.1) */
#define CF_RTCP_PSFB_PLI   1 /* picture loss indication (RFC 4585 §6.3.1) */
#define CF_RTCP_PSFB_FIR   4 /* full intra request (RFC 5104 §4.3.1) */

/* TRUE if @data looks like RTCP rather than RTP on a multiplexed port
 * (RFC 5761 §4: the second octet is 192..223). */
gboolean cf_rtcp_is_rtcp (const guint8 *data, gsize len);

/* ---- Times ----------------------------------------------------------------- */

/* Seconds from 1900 (NTP) to 1970 (Unix). */
#define CF_RTCP_NTP_UNIX_OFFSET G_GUINT64_CONSTANT (2208988800)

/* A 64-bit NTP timestamp (32.32 fixed point seconds since 1900) from
 * microseconds since 1970 (g_get_real_time ()). */
guint64 cf_rtcp_ntp_from_unix_usec (gint64 usec);
/* The middle 32 bits of an NTP timestamp (16.16 fixed point seconds), the
 * unit of LSR, DLSR and round-trip times. */
guint32 cf_rtcp_ntp_to_compact (guint64 ntp);
/* A compact (1/65536 s) duration in microseconds. */
gint64 cf_rtcp_compact_to_usec (guint32 compact);

/* Round-trip time (RFC 3550 §6.4.1): @arrival is when the report block
 * arrived, compact NTP on the clock that stamped our sender reports; @lsr and
 * @dlsr come from the block. FALSE if @lsr is 0 (the peer has no SR from us)
 * or the result would be negative (clock steps); else *@ret_rtt (compact). */
gboolean cf_rtcp_round_trip_time (guint32 arrival, guint32 lsr, guint32 dlsr, guint32 *ret_rtt);

/* ---- Loss and jitter (RFC 3550 A.3, A.8) ----------------------------------- */

/* Cumulative number of packets lost: @expected - @received, clamped to the
 * signed 24 bits of a report block (0x7fffff, -0x800000). */
gint32 cf_rtcp_cumulative_lost (guint32 expected, guint32 received);
/* Fraction lost in an interval, in 1/256: 0 when nothing was expected or
 * nothing was lost (duplicates make the loss negative), at most 255. */
guint8 cf_rtcp_fraction_lost (guint32 expected_interval, guint32 received_interval);
/* One step of the interarrival jitter estimate J += (|D| - J) / 16, where @d
 * is the difference of relative transit times of two consecutive packets,
 * in timestamp units. Returns the new estimate. */
double cf_rtcp_jitter_update (double jitter, gint64 d);

/* ---- Packets ----------------------------------------------------------------- */

/* A report block (RFC 3550 §6.4.1). A plain value. */
typedef struct {
	guint32 ssrc;		/* the source this block reports on */
	guint8 fraction_lost;	/* in 1/256 since the previous report */
	gint32 cumulative_lost; /* signed 24 bits: -0x800000..0x7fffff */
	guint32 highest_seq;	/* extended highest sequence number received */
	guint32 jitter;		/* interarrival jitter, timestamp units */
	guint32 lsr;		/* last SR timestamp (compact NTP), 0: none */
	guint32 dlsr;		/* delay since that SR, 1/65536 s */
} CfRtcpReportBlock;

/* One SDES item. @value is 0..255 bytes, not NUL-terminated. */
typedef struct {
	guint8 type;   /* CfRtcpSdesType, never CF_RTCP_SDES_END */
	GBytes *value; /* (owned) */
} CfRtcpSdesItem;

/* (transfer full) Copies @len bytes of @value. */
CfRtcpSdesItem *cf_rtcp_sdes_item_new (guint8 type, const void *value, gsize len);
void cf_rtcp_sdes_item_free (CfRtcpSdesItem *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtcpSdesItem, cf_rtcp_sdes_item_free)

/* One SDES chunk: a source and its items, in order. */
typedef struct {
	guint32 ssrc;
	GPtrArray *items; /* (owned) (element-type CfRtcpSdesItem) */
} CfRtcpSdesChunk;

CfRtcpSdesChunk *cf_rtcp_sdes_chunk_new (guint32 ssrc);
void cf_rtcp_sdes_chunk_free (CfRtcpSdesChunk *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtcpSdesChunk, cf_rtcp_sdes_chunk_free)

/* One RTCP packet of a compound. Which fields mean something depends on
 * @type; the others are zero/NULL and ignored by the builder.
 *
 *   SR:          ssrc, ntp_timestamp, rtp_timestamp, packet_count,
 *                octet_count, report_blocks, data (profile extension)
 *   RR:          ssrc, report_blocks, data (profile extension)
 *   SDES:        chunks
 *   BYE:         sources, reason
 *   RTPFB, PSFB: fmt, ssrc (packet sender), media_ssrc, data (FCI)
 *   other (APP, XR, ...): fmt (the 5-bit count/subtype field as received),
 *                data (the whole body after the 4-byte header)
 *
 * @data is always a multiple of 4 bytes (NULL: empty). */
typedef struct {
	guint8 type;
	guint8 fmt;
	guint32 ssrc;
	guint64 ntp_timestamp;
	guint32 rtp_timestamp;
	guint32 packet_count;
	guint32 octet_count;
	guint n_report_blocks;
	CfRtcpReportBlock report_blocks[CF_RTCP_MAX_REPORT_BLOCKS];
	GPtrArray *chunks; /* (owned) (element-type CfRtcpSdesChunk), SDES only */
	guint n_sources;
	guint32 sources[CF_RTCP_MAX_BYE_SOURCES];
	GBytes *reason; /* (owned) (nullable) BYE reason, not NUL-terminated */
	guint32 media_ssrc;
	GBytes *data; /* (owned) (nullable) */
} CfRtcpPacket;

/* An empty packet of @type (192..223). (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new (guint8 type);
/* A sender report without report blocks. (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new_sr (guint32 ssrc,
				     guint64 ntp_timestamp,
				     guint32 rtp_timestamp,
				     guint32 packet_count,
				     guint32 octet_count);
/* A receiver report without report blocks. (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new_rr (guint32 ssrc);
/* An SDES packet with one chunk carrying CNAME @cname (at most 255 bytes:
 * longer is a programming error). (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new_sdes_cname (guint32 ssrc, const char *cname);
/* A BYE for @ssrc with an optional @reason (NULL: none; at most 255 bytes).
 * (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new_bye (guint32 ssrc, const char *reason);
/* A generic feedback packet (@type RTPFB or PSFB, @fmt 0..31) with @fci_len
 * bytes of FCI (a multiple of 4). (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new_feedback (guint8 type,
					   guint8 fmt,
					   guint32 sender_ssrc,
					   guint32 media_ssrc,
					   const guint8 *fci,
					   gsize fci_len);
/* A picture loss indication: PSFB, FMT 1, no FCI. (transfer full) */
CfRtcpPacket *cf_rtcp_packet_new_pli (guint32 sender_ssrc, guint32 media_ssrc);
/* (transfer full) */
CfRtcpPacket *cf_rtcp_packet_copy (const CfRtcpPacket *self);
void cf_rtcp_packet_free (CfRtcpPacket *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtcpPacket, cf_rtcp_packet_free)

/* Appends a report block to an SR or RR; FALSE when it has 31 already. */
gboolean cf_rtcp_packet_add_report_block (CfRtcpPacket *self, const CfRtcpReportBlock *block);
/* Appends an item to the SDES chunk of @ssrc (the last chunk if it is for
 * @ssrc, else a new one). FALSE (nothing added) if a limit would be exceeded:
 * CF_RTCP_MAX_SDES_CHUNKS, CF_RTCP_MAX_SDES_ITEMS, CF_RTCP_MAX_SDES_LENGTH,
 * or @type is CF_RTCP_SDES_END. */
gboolean cf_rtcp_packet_add_sdes_item (
	CfRtcpPacket *self, guint32 ssrc, guint8 type, const void *value, gsize len);
/* Appends a source to a BYE; FALSE when it has 31 already. */
gboolean cf_rtcp_packet_add_bye_source (CfRtcpPacket *self, guint32 ssrc);

/* The CNAME of @ssrc in an SDES packet as a new string; NULL if there is
 * none or it contains a NUL byte. (transfer full) */
char *cf_rtcp_packet_dup_cname (const CfRtcpPacket *self, guint32 ssrc);
/* TRUE for a PLI (PSFB with FMT 1). */
gboolean cf_rtcp_packet_is_pli (const CfRtcpPacket *self);
/* Compares the fields that mean something for the packets' type. */
gboolean cf_rtcp_packet_equal (const CfRtcpPacket *a, const CfRtcpPacket *b);

/* ---- Compound packets ----------------------------------------------------- */

typedef struct _CfRtcpCompound CfRtcpCompound;

/* An empty compound. (transfer full) */
CfRtcpCompound *cf_rtcp_compound_new (void);
/* Parses a compound RTCP packet (one or more RTCP packets back to back).
 * (transfer full) NULL with a CF_RTP_ERROR on malformed input. */
CfRtcpCompound *cf_rtcp_compound_parse (const guint8 *data, gsize len, GError **error);
void cf_rtcp_compound_free (CfRtcpCompound *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtcpCompound, cf_rtcp_compound_free)

guint cf_rtcp_compound_get_n_packets (const CfRtcpCompound *self);
/* (transfer none) @index < n_packets. */
const CfRtcpPacket *cf_rtcp_compound_get_packet (const CfRtcpCompound *self, guint index);
/* The first packet of @type, or NULL. (transfer none) */
const CfRtcpPacket *cf_rtcp_compound_find (const CfRtcpCompound *self, guint8 type);
/* Appends @packet. (transfer full: the compound owns it) Returns @packet,
 * which the caller may still fill in before building. */
CfRtcpPacket *cf_rtcp_compound_add (CfRtcpCompound *self, CfRtcpPacket *packet);
/* TRUE if the compound obeys RFC 3550 A.2: it starts with an SR or RR. */
gboolean cf_rtcp_compound_is_rfc3550 (const CfRtcpCompound *self);

/* Writes the compound into @buf (@size bytes); @ret_len (optional) gets its
 * length. Fails with CF_RTP_ERROR_INVALID for an empty compound or a packet
 * whose fields are out of range (type outside 192..223, fmt > 31, data not
 * a multiple of 4), CF_RTP_ERROR_LIMIT above a CF_RTCP_MAX_* limit, and
 * CF_RTP_ERROR_NO_SPACE if @size is too small. */
gboolean cf_rtcp_compound_write (
	const CfRtcpCompound *self, guint8 *buf, gsize size, gsize *ret_len, GError **error);
/* The same, into a new GBytes. (transfer full) NULL on error. */
GBytes *cf_rtcp_compound_build (const CfRtcpCompound *self, GError **error);
gboolean cf_rtcp_compound_equal (const CfRtcpCompound *a, const CfRtcpCompound *b);

/* ---- Receiver statistics --------------------------------------------------- */

/* What a receiver knows about one remote source (SSRC): sequence numbers
 * (RFC 3550 A.1), loss (A.3), jitter (A.8) and the last SR, turned into
 * report blocks. Feed it every RTP packet received from that SSRC; make a
 * new one when the SSRC changes. */
typedef struct _CfRtcpReceiverStats CfRtcpReceiverStats;

/* @min_sequential: see cf_rtp_seq_tracker_init () (RFC 3550 uses
 * CF_RTP_SEQ_MIN_SEQUENTIAL). (transfer full) */
CfRtcpReceiverStats *cf_rtcp_receiver_stats_new (guint32 ssrc, guint min_sequential);
void cf_rtcp_receiver_stats_free (CfRtcpReceiverStats *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfRtcpReceiverStats, cf_rtcp_receiver_stats_free)

guint32 cf_rtcp_receiver_stats_get_ssrc (const CfRtcpReceiverStats *self);

/* Feeds one received RTP packet: its sequence number, its RTP timestamp and
 * its arrival time in the same clock (timestamp units, any origin, modulo
 * 2^32). Returns TRUE if the packet counted (see cf_rtp_seq_tracker_update);
 * jitter is updated only for packets that count. @ret_extended (optional)
 * gets the extended sequence number of a counted packet. */
gboolean cf_rtcp_receiver_stats_add_packet (CfRtcpReceiverStats *self,
					    guint16 seq,
					    guint32 rtp_timestamp,
					    guint32 arrival,
					    guint32 *ret_extended);
/* Notes a sender report from this source: its NTP timestamp and when it
 * arrived (compact NTP, any local clock also used for @now below). */
void cf_rtcp_receiver_stats_add_sender_report (CfRtcpReceiverStats *self,
					       guint64 ntp_timestamp,
					       guint32 arrival);
/* Fills a report block for this source and starts a new reporting interval
 * (the fraction lost is since the previous call). @now is compact NTP on the
 * clock of cf_rtcp_receiver_stats_add_sender_report (). FALSE (nothing
 * changed) while the source is not valid yet: there is nothing to report. */
gboolean cf_rtcp_receiver_stats_make_report_block (CfRtcpReceiverStats *self,
						   guint32 now,
						   CfRtcpReportBlock *ret_block);

guint32 cf_rtcp_receiver_stats_get_received (const CfRtcpReceiverStats *self);
guint32 cf_rtcp_receiver_stats_get_expected (const CfRtcpReceiverStats *self);
gint32 cf_rtcp_receiver_stats_get_cumulative_lost (const CfRtcpReceiverStats *self);
/* The current jitter estimate in timestamp units (not truncated). */
double cf_rtcp_receiver_stats_get_jitter (const CfRtcpReceiverStats *self);
/* (transfer none) The sequence state, for the extended highest number etc. */
const CfRtpSeqTracker *cf_rtcp_receiver_stats_get_seq (const CfRtcpReceiverStats *self);

G_END_DECLS
