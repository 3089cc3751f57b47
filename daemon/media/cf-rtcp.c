/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RTCP compound packets (RFC 3550 §6, RFC 4585 §6), loss and jitter (RFC 3550
 * A.3, A.8), receiver statistics. */
#define G_LOG_DOMAIN "cf-rtcp"

#include "cf-rtcp.h"

#include <string.h>

#define RTCP_VERSION	    2
#define SR_SENDER_INFO_SIZE 20

struct _CfRtcpCompound {
	GPtrArray *packets; /* (element-type CfRtcpPacket) */
};

struct _CfRtcpReceiverStats {
	guint32 ssrc;
	CfRtpSeqTracker seq;
	gboolean have_transit;
	guint32 transit; /* arrival - RTP timestamp of the last counted packet */
	double jitter;
	gboolean have_sr;
	guint32 lsr;	    /* compact NTP timestamp of the last SR */
	guint32 sr_arrival; /* when it arrived, compact */
};

static inline guint16
read16 (const guint8 *p)
{
	return (guint16)((p[0] << 8) | p[1]);
}

static inline guint32
read32 (const guint8 *p)
{
	return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static inline void
write16 (guint8 *p, guint16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
write32 (guint8 *p, guint32 v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline gsize
round4 (gsize n)
{
	return (n + 3) & ~(gsize)3;
}

static gsize
bytes_len (GBytes *bytes)
{
	return bytes != NULL ? g_bytes_get_size (bytes) : 0;
}

static const guint8 *
bytes_data (GBytes *bytes)
{
	return bytes != NULL ? g_bytes_get_data (bytes, NULL) : NULL;
}

gboolean
cf_rtcp_is_rtcp (const guint8 *data, gsize len)
{
	g_return_val_if_fail (data != NULL || len == 0, FALSE);

	return len >= CF_RTCP_HEADER_SIZE && data[1] >= CF_RTCP_TYPE_MIN
	       && data[1] <= CF_RTCP_TYPE_MAX;
}

/* ---- Times ------------------------------------------------------------------- */

guint64
cf_rtcp_ntp_from_unix_usec (gint64 usec)
{
	guint64 secs = (guint64)(usec / G_USEC_PER_SEC);
	guint64 frac = (guint64)(usec % G_USEC_PER_SEC);

	g_return_val_if_fail (usec >= 0, 0);

	/* frac * 2^32 / 10^6 fits in 64 bits: frac < 2^20. */
	return ((secs + CF_RTCP_NTP_UNIX_OFFSET) << 32) | ((frac << 32) / G_USEC_PER_SEC);
}

guint32
cf_rtcp_ntp_to_compact (guint64 ntp)
{
	return (guint32)(ntp >> 16);
}

gint64
cf_rtcp_compact_to_usec (guint32 compact)
{
	return (gint64)(((guint64)compact * G_USEC_PER_SEC) >> 16);
}

gboolean
cf_rtcp_round_trip_time (guint32 arrival, guint32 lsr, guint32 dlsr, guint32 *ret_rtt)
{
	guint32 since_sr;

	if (lsr == 0)
		return FALSE;
	since_sr = arrival - lsr;
	/* A - LSR is at most half the 32-bit space (9 hours), and includes
	 * the delay at the peer. */
	if (since_sr > G_MAXINT32 || since_sr < dlsr)
		return FALSE;
	if (ret_rtt != NULL)
		*ret_rtt = since_sr - dlsr;
	return TRUE;
}

/* ---- Loss and jitter ----------------------------------------------------------- */

gint32
cf_rtcp_cumulative_lost (guint32 expected, guint32 received)
{
	gint64 lost = (gint64)expected - (gint64)received;

	return (gint32)CLAMP (lost, -0x800000, 0x7fffff);
}

guint8
cf_rtcp_fraction_lost (guint32 expected_interval, guint32 received_interval)
{
	gint64 lost_interval = (gint64)expected_interval - (gint64)received_interval;
	gint64 fraction;

	if (expected_interval == 0 || lost_interval <= 0)
		return 0;
	fraction = (lost_interval << 8) / expected_interval;
	return (guint8)MIN (fraction, 255);
}

double
cf_rtcp_jitter_update (double jitter, gint64 d)
{
	double ad = d < 0 ? -(double)d : (double)d;

	return jitter + (ad - jitter) / 16.0;
}

/* ---- SDES items and chunks --------------------------------------------------------- */

CfRtcpSdesItem *
cf_rtcp_sdes_item_new (guint8 type, const void *value, gsize len)
{
	CfRtcpSdesItem *self;

	g_return_val_if_fail (value != NULL || len == 0, NULL);

	self = g_new0 (CfRtcpSdesItem, 1);
	self->type = type;
	self->value = g_bytes_new (value, len);
	return self;
}

void
cf_rtcp_sdes_item_free (CfRtcpSdesItem *self)
{
	if (self == NULL)
		return;
	g_clear_pointer (&self->value, g_bytes_unref);
	g_free (self);
}

CfRtcpSdesChunk *
cf_rtcp_sdes_chunk_new (guint32 ssrc)
{
	CfRtcpSdesChunk *self = g_new0 (CfRtcpSdesChunk, 1);

	self->ssrc = ssrc;
	self->items = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_rtcp_sdes_item_free);
	return self;
}

void
cf_rtcp_sdes_chunk_free (CfRtcpSdesChunk *self)
{
	if (self == NULL)
		return;
	g_clear_pointer (&self->items, g_ptr_array_unref);
	g_free (self);
}

static CfRtcpSdesChunk *
sdes_chunk_copy (const CfRtcpSdesChunk *chunk)
{
	CfRtcpSdesChunk *copy = cf_rtcp_sdes_chunk_new (chunk->ssrc);

	for (guint i = 0; i < chunk->items->len; i++) {
		const CfRtcpSdesItem *item = g_ptr_array_index (chunk->items, i);
		CfRtcpSdesItem *c = g_new0 (CfRtcpSdesItem, 1);

		c->type = item->type;
		c->value = item->value != NULL ? g_bytes_ref (item->value) : NULL;
		g_ptr_array_add (copy->items, c);
	}
	return copy;
}

/* ---- Packets --------------------------------------------------------------------- */

CfRtcpPacket *
cf_rtcp_packet_new (guint8 type)
{
	CfRtcpPacket *self;

	g_return_val_if_fail (type >= CF_RTCP_TYPE_MIN && type <= CF_RTCP_TYPE_MAX, NULL);

	self = g_new0 (CfRtcpPacket, 1);
	self->type = type;
	if (type == CF_RTCP_TYPE_SDES)
		self->chunks =
			g_ptr_array_new_with_free_func ((GDestroyNotify)cf_rtcp_sdes_chunk_free);
	return self;
}

CfRtcpPacket *
cf_rtcp_packet_new_sr (guint32 ssrc,
		       guint64 ntp_timestamp,
		       guint32 rtp_timestamp,
		       guint32 packet_count,
		       guint32 octet_count)
{
	CfRtcpPacket *self = cf_rtcp_packet_new (CF_RTCP_TYPE_SR);

	self->ssrc = ssrc;
	self->ntp_timestamp = ntp_timestamp;
	self->rtp_timestamp = rtp_timestamp;
	self->packet_count = packet_count;
	self->octet_count = octet_count;
	return self;
}

CfRtcpPacket *
cf_rtcp_packet_new_rr (guint32 ssrc)
{
	CfRtcpPacket *self = cf_rtcp_packet_new (CF_RTCP_TYPE_RR);

	self->ssrc = ssrc;
	return self;
}

CfRtcpPacket *
cf_rtcp_packet_new_sdes_cname (guint32 ssrc, const char *cname)
{
	g_autoptr (CfRtcpPacket) self = NULL;

	g_return_val_if_fail (cname != NULL, NULL);
	g_return_val_if_fail (strlen (cname) <= CF_RTCP_MAX_SDES_LENGTH, NULL);

	self = cf_rtcp_packet_new (CF_RTCP_TYPE_SDES);
	cf_rtcp_packet_add_sdes_item (self, ssrc, CF_RTCP_SDES_CNAME, cname, strlen (cname));
	return g_steal_pointer (&self);
}

CfRtcpPacket *
cf_rtcp_packet_new_bye (guint32 ssrc, const char *reason)
{
	CfRtcpPacket *self;

	g_return_val_if_fail (reason == NULL || strlen (reason) <= CF_RTCP_MAX_BYE_REASON, NULL);

	self = cf_rtcp_packet_new (CF_RTCP_TYPE_BYE);
	self->sources[0] = ssrc;
	self->n_sources = 1;
	if (reason != NULL)
		self->reason = g_bytes_new (reason, strlen (reason));
	return self;
}

CfRtcpPacket *
cf_rtcp_packet_new_feedback (guint8 type,
			     guint8 fmt,
			     guint32 sender_ssrc,
			     guint32 media_ssrc,
			     const guint8 *fci,
			     gsize fci_len)
{
	CfRtcpPacket *self;

	g_return_val_if_fail (type == CF_RTCP_TYPE_RTPFB || type == CF_RTCP_TYPE_PSFB, NULL);
	g_return_val_if_fail (fmt <= CF_RTCP_MAX_FMT, NULL);
	g_return_val_if_fail (fci != NULL || fci_len == 0, NULL);
	g_return_val_if_fail (fci_len % 4 == 0, NULL);

	self = cf_rtcp_packet_new (type);
	self->fmt = fmt;
	self->ssrc = sender_ssrc;
	self->media_ssrc = media_ssrc;
	if (fci_len > 0)
		self->data = g_bytes_new (fci, fci_len);
	return self;
}

CfRtcpPacket *
cf_rtcp_packet_new_pli (guint32 sender_ssrc, guint32 media_ssrc)
{
	return cf_rtcp_packet_new_feedback (
		CF_RTCP_TYPE_PSFB, CF_RTCP_PSFB_PLI, sender_ssrc, media_ssrc, NULL, 0);
}

CfRtcpPacket *
cf_rtcp_packet_copy (const CfRtcpPacket *self)
{
	CfRtcpPacket *copy;

	g_return_val_if_fail (self != NULL, NULL);

	copy = g_new0 (CfRtcpPacket, 1);
	*copy = *self;
	copy->chunks = NULL;
	if (self->chunks != NULL) {
		copy->chunks =
			g_ptr_array_new_with_free_func ((GDestroyNotify)cf_rtcp_sdes_chunk_free);
		for (guint i = 0; i < self->chunks->len; i++)
			g_ptr_array_add (copy->chunks,
					 sdes_chunk_copy (g_ptr_array_index (self->chunks, i)));
	}
	if (self->reason != NULL)
		copy->reason = g_bytes_ref (self->reason);
	if (self->data != NULL)
		copy->data = g_bytes_ref (self->data);
	return copy;
}

void
cf_rtcp_packet_free (CfRtcpPacket *self)
{
	if (self == NULL)
		return;
	g_clear_pointer (&self->chunks, g_ptr_array_unref);
	g_clear_pointer (&self->reason, g_bytes_unref);
	g_clear_pointer (&self->data, g_bytes_unref);
	g_free (self);
}

gboolean
cf_rtcp_packet_add_report_block (CfRtcpPacket *self, const CfRtcpReportBlock *block)
{
	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (block != NULL, FALSE);
	g_return_val_if_fail (self->type == CF_RTCP_TYPE_SR || self->type == CF_RTCP_TYPE_RR,
			      FALSE);

	if (self->n_report_blocks >= CF_RTCP_MAX_REPORT_BLOCKS)
		return FALSE;
	self->report_blocks[self->n_report_blocks++] = *block;
	return TRUE;
}

gboolean
cf_rtcp_packet_add_sdes_item (
	CfRtcpPacket *self, guint32 ssrc, guint8 type, const void *value, gsize len)
{
	CfRtcpSdesChunk *chunk = NULL;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (self->type == CF_RTCP_TYPE_SDES, FALSE);
	g_return_val_if_fail (value != NULL || len == 0, FALSE);

	if (type == CF_RTCP_SDES_END || len > CF_RTCP_MAX_SDES_LENGTH)
		return FALSE;
	if (self->chunks == NULL)
		self->chunks =
			g_ptr_array_new_with_free_func ((GDestroyNotify)cf_rtcp_sdes_chunk_free);
	if (self->chunks->len > 0) {
		chunk = g_ptr_array_index (self->chunks, self->chunks->len - 1);
		if (chunk->ssrc != ssrc)
			chunk = NULL;
	}
	if (chunk == NULL) {
		if (self->chunks->len >= CF_RTCP_MAX_SDES_CHUNKS)
			return FALSE;
		chunk = cf_rtcp_sdes_chunk_new (ssrc);
		g_ptr_array_add (self->chunks, chunk);
	}
	if (chunk->items->len >= CF_RTCP_MAX_SDES_ITEMS)
		return FALSE;
	g_ptr_array_add (chunk->items, cf_rtcp_sdes_item_new (type, value, len));
	return TRUE;
}

gboolean
cf_rtcp_packet_add_bye_source (CfRtcpPacket *self, guint32 ssrc)
{
	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (self->type == CF_RTCP_TYPE_BYE, FALSE);

	if (self->n_sources >= CF_RTCP_MAX_BYE_SOURCES)
		return FALSE;
	self->sources[self->n_sources++] = ssrc;
	return TRUE;
}

char *
cf_rtcp_packet_dup_cname (const CfRtcpPacket *self, guint32 ssrc)
{
	g_return_val_if_fail (self != NULL, NULL);

	if (self->type != CF_RTCP_TYPE_SDES || self->chunks == NULL)
		return NULL;
	for (guint i = 0; i < self->chunks->len; i++) {
		const CfRtcpSdesChunk *chunk = g_ptr_array_index (self->chunks, i);

		if (chunk->ssrc != ssrc)
			continue;
		for (guint j = 0; j < chunk->items->len; j++) {
			const CfRtcpSdesItem *item = g_ptr_array_index (chunk->items, j);
			gsize len = 0;
			const char *value;

			if (item->type != CF_RTCP_SDES_CNAME)
				continue;
			value = g_bytes_get_data (item->value, &len);
			if (len > 0 && memchr (value, '\0', len) != NULL)
				return NULL;
			return g_strndup (value != NULL ? value : "", len);
		}
	}
	return NULL;
}

gboolean
cf_rtcp_packet_is_pli (const CfRtcpPacket *self)
{
	g_return_val_if_fail (self != NULL, FALSE);
	return self->type == CF_RTCP_TYPE_PSFB && self->fmt == CF_RTCP_PSFB_PLI;
}

static gboolean
bytes_equal0 (GBytes *a, GBytes *b)
{
	gsize la = bytes_len (a), lb = bytes_len (b);

	return la == lb && (la == 0 || memcmp (bytes_data (a), bytes_data (b), la) == 0);
}

static gboolean
report_blocks_equal (const CfRtcpPacket *a, const CfRtcpPacket *b)
{
	if (a->n_report_blocks != b->n_report_blocks)
		return FALSE;
	for (guint i = 0; i < a->n_report_blocks && i < CF_RTCP_MAX_REPORT_BLOCKS; i++) {
		const CfRtcpReportBlock *x = &a->report_blocks[i];
		const CfRtcpReportBlock *y = &b->report_blocks[i];

		if (x->ssrc != y->ssrc || x->fraction_lost != y->fraction_lost
		    || x->cumulative_lost != y->cumulative_lost || x->highest_seq != y->highest_seq
		    || x->jitter != y->jitter || x->lsr != y->lsr || x->dlsr != y->dlsr)
			return FALSE;
	}
	return TRUE;
}

static gboolean
chunks_equal (GPtrArray *a, GPtrArray *b)
{
	guint la = a != NULL ? a->len : 0, lb = b != NULL ? b->len : 0;

	if (la != lb)
		return FALSE;
	for (guint i = 0; i < la; i++) {
		const CfRtcpSdesChunk *x = g_ptr_array_index (a, i);
		const CfRtcpSdesChunk *y = g_ptr_array_index (b, i);

		if (x->ssrc != y->ssrc || x->items->len != y->items->len)
			return FALSE;
		for (guint j = 0; j < x->items->len; j++) {
			const CfRtcpSdesItem *p = g_ptr_array_index (x->items, j);
			const CfRtcpSdesItem *q = g_ptr_array_index (y->items, j);

			if (p->type != q->type || !bytes_equal0 (p->value, q->value))
				return FALSE;
		}
	}
	return TRUE;
}

gboolean
cf_rtcp_packet_equal (const CfRtcpPacket *a, const CfRtcpPacket *b)
{
	g_return_val_if_fail (a != NULL, FALSE);
	g_return_val_if_fail (b != NULL, FALSE);

	if (a->type != b->type)
		return FALSE;
	switch (a->type) {
	case CF_RTCP_TYPE_SR:
		if (a->ntp_timestamp != b->ntp_timestamp || a->rtp_timestamp != b->rtp_timestamp
		    || a->packet_count != b->packet_count || a->octet_count != b->octet_count)
			return FALSE;
		G_GNUC_FALLTHROUGH;
	case CF_RTCP_TYPE_RR:
		return a->ssrc == b->ssrc && report_blocks_equal (a, b)
		       && bytes_equal0 (a->data, b->data);
	case CF_RTCP_TYPE_SDES:
		return chunks_equal (a->chunks, b->chunks);
	case CF_RTCP_TYPE_BYE:
		if (a->n_sources != b->n_sources || (a->reason == NULL) != (b->reason == NULL)
		    || !bytes_equal0 (a->reason, b->reason))
			return FALSE;
		for (guint i = 0; i < a->n_sources && i < CF_RTCP_MAX_BYE_SOURCES; i++) {
			if (a->sources[i] != b->sources[i])
				return FALSE;
		}
		return TRUE;
	case CF_RTCP_TYPE_RTPFB:
	case CF_RTCP_TYPE_PSFB:
		return a->fmt == b->fmt && a->ssrc == b->ssrc && a->media_ssrc == b->media_ssrc
		       && bytes_equal0 (a->data, b->data);
	default:
		return a->fmt == b->fmt && bytes_equal0 (a->data, b->data);
	}
}

/* ---- Parsing ------------------------------------------------------------------------ */

static void
read_report_block (const guint8 *p, CfRtcpReportBlock *block)
{
	guint32 lost = ((guint32)p[5] << 16) | ((guint32)p[6] << 8) | p[7];

	block->ssrc = read32 (p);
	block->fraction_lost = p[4];
	/* Sign-extend the 24-bit two's complement count. */
	block->cumulative_lost = (lost & 0x800000) ? (gint32)lost - 0x1000000 : (gint32)lost;
	block->highest_seq = read32 (p + 8);
	block->jitter = read32 (p + 12);
	block->lsr = read32 (p + 16);
	block->dlsr = read32 (p + 20);
}

static gboolean
parse_report (CfRtcpPacket *packet, guint count, const guint8 *body, gsize len, GError **error)
{
	gsize fixed = 4 + (packet->type == CF_RTCP_TYPE_SR ? SR_SENDER_INFO_SIZE : 0);
	gsize off;

	if (len < fixed + CF_RTCP_REPORT_BLOCK_SIZE * (gsize)count) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTCP %s truncated (%u report blocks in %" G_GSIZE_FORMAT " bytes)",
			     packet->type == CF_RTCP_TYPE_SR ? "SR" : "RR",
			     count,
			     len);
		return FALSE;
	}
	packet->ssrc = read32 (body);
	if (packet->type == CF_RTCP_TYPE_SR) {
		packet->ntp_timestamp = ((guint64)read32 (body + 4) << 32) | read32 (body + 8);
		packet->rtp_timestamp = read32 (body + 12);
		packet->packet_count = read32 (body + 16);
		packet->octet_count = read32 (body + 20);
	}
	off = fixed;
	for (guint i = 0; i < count; i++) {
		read_report_block (body + off, &packet->report_blocks[i]);
		off += CF_RTCP_REPORT_BLOCK_SIZE;
	}
	packet->n_report_blocks = count;
	if (off < len)
		packet->data = g_bytes_new (body + off, len - off);
	return TRUE;
}

static gboolean
parse_sdes (CfRtcpPacket *packet, guint count, const guint8 *body, gsize len, GError **error)
{
	gsize off = 0;

	for (guint i = 0; i < count; i++) {
		g_autoptr (CfRtcpSdesChunk) chunk = NULL;

		if (len - off < 4) {
			g_set_error_literal (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_INVALID,
					     "RTCP SDES truncated in a chunk's SSRC");
			return FALSE;
		}
		chunk = cf_rtcp_sdes_chunk_new (read32 (body + off));
		off += 4;
		for (;;) {
			guint8 type, ilen;

			if (off >= len) {
				g_set_error_literal (
					error,
					CF_RTP_ERROR,
					CF_RTP_ERROR_INVALID,
					"RTCP SDES chunk without its terminating null item");
				return FALSE;
			}
			type = body[off];
			if (type == CF_RTCP_SDES_END) {
				/* The null item, then null octets to the next
				 * 32-bit boundary (the body starts on one). */
				off = round4 (off + 1);
				if (off > len) {
					g_set_error_literal (
						error,
						CF_RTP_ERROR,
						CF_RTP_ERROR_INVALID,
						"RTCP SDES chunk padding runs past the packet");
					return FALSE;
				}
				break;
			}
			if (len - off < 2 || len - off - 2 < body[off + 1]) {
				g_set_error (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_INVALID,
					     "RTCP SDES item of type %u runs past the packet",
					     type);
				return FALSE;
			}
			ilen = body[off + 1];
			if (chunk->items->len >= CF_RTCP_MAX_SDES_ITEMS) {
				g_set_error (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_LIMIT,
					     "more than %d items in an RTCP SDES chunk",
					     CF_RTCP_MAX_SDES_ITEMS);
				return FALSE;
			}
			g_ptr_array_add (chunk->items,
					 cf_rtcp_sdes_item_new (type, body + off + 2, ilen));
			off += 2 + (gsize)ilen;
		}
		g_ptr_array_add (packet->chunks, g_steal_pointer (&chunk));
	}
	if (off != len) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "%" G_GSIZE_FORMAT " bytes after the last RTCP SDES chunk",
			     len - off);
		return FALSE;
	}
	return TRUE;
}

static gboolean
parse_bye (CfRtcpPacket *packet, guint count, const guint8 *body, gsize len, GError **error)
{
	gsize off = 4 * (gsize)count;

	if (len < off) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTCP BYE truncated (%u sources in %" G_GSIZE_FORMAT " bytes)",
			     count,
			     len);
		return FALSE;
	}
	for (guint i = 0; i < count; i++)
		packet->sources[i] = read32 (body + 4 * i);
	packet->n_sources = count;
	if (off < len) {
		guint8 rlen = body[off];

		if (len - off - 1 < rlen || round4 (off + 1 + rlen) != len) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTCP BYE reason of %u bytes does not fill the packet",
				     rlen);
			return FALSE;
		}
		packet->reason = g_bytes_new (body + off + 1, rlen);
	}
	return TRUE;
}

static gboolean
parse_feedback (CfRtcpPacket *packet, const guint8 *body, gsize len, GError **error)
{
	if (len < 8) {
		g_set_error_literal (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTCP feedback packet truncated");
		return FALSE;
	}
	packet->ssrc = read32 (body);
	packet->media_ssrc = read32 (body + 4);
	if (len > 8)
		packet->data = g_bytes_new (body + 8, len - 8);
	return TRUE;
}

/* Parses one packet's body (after the header, without padding). */
static CfRtcpPacket *
parse_packet (guint8 type, guint count, const guint8 *body, gsize len, GError **error)
{
	g_autoptr (CfRtcpPacket) packet = cf_rtcp_packet_new (type);
	gboolean ok = TRUE;

	switch (type) {
	case CF_RTCP_TYPE_SR:
	case CF_RTCP_TYPE_RR:
		ok = parse_report (packet, count, body, len, error);
		break;
	case CF_RTCP_TYPE_SDES:
		ok = parse_sdes (packet, count, body, len, error);
		break;
	case CF_RTCP_TYPE_BYE:
		ok = parse_bye (packet, count, body, len, error);
		break;
	case CF_RTCP_TYPE_RTPFB:
	case CF_RTCP_TYPE_PSFB:
		packet->fmt = count;
		ok = parse_feedback (packet, body, len, error);
		break;
	default:
		packet->fmt = count;
		if (len > 0)
			packet->data = g_bytes_new (body, len);
		break;
	}
	if (!ok)
		return NULL;
	return g_steal_pointer (&packet);
}

CfRtcpCompound *
cf_rtcp_compound_parse (const guint8 *data, gsize len, GError **error)
{
	g_autoptr (CfRtcpCompound) compound = NULL;
	gsize off = 0;

	g_return_val_if_fail (data != NULL || len == 0, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (len > CF_RTCP_MAX_COMPOUND_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_LIMIT,
			     "RTCP compound of %" G_GSIZE_FORMAT " bytes (limit %d)",
			     len,
			     CF_RTCP_MAX_COMPOUND_SIZE);
		return NULL;
	}
	if (len == 0) {
		g_set_error_literal (
			error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID, "empty RTCP packet");
		return NULL;
	}

	compound = cf_rtcp_compound_new ();
	while (off < len) {
		const guint8 *p = data + off;
		gsize plen, blen;
		guint8 type;
		guint count;
		CfRtcpPacket *packet;

		if (len - off < CF_RTCP_HEADER_SIZE) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTCP packet %u truncated in its header",
				     compound->packets->len);
			return NULL;
		}
		if ((p[0] >> 6) != RTCP_VERSION) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTCP packet %u has version %u",
				     compound->packets->len,
				     (guint)(p[0] >> 6));
			return NULL;
		}
		type = p[1];
		count = p[0] & 0x1f;
		plen = 4 * ((gsize)read16 (p + 2) + 1);
		if (type < CF_RTCP_TYPE_MIN || type > CF_RTCP_TYPE_MAX) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTCP packet %u has type %u",
				     compound->packets->len,
				     type);
			return NULL;
		}
		if (plen > len - off) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTCP packet %u of %" G_GSIZE_FORMAT
				     " bytes runs past the end",
				     compound->packets->len,
				     plen);
			return NULL;
		}
		blen = plen - CF_RTCP_HEADER_SIZE;
		if (p[0] & 0x20) {
			guint8 pad = blen > 0 ? p[plen - 1] : 0;

			if (off + plen != len) {
				g_set_error_literal (error,
						     CF_RTP_ERROR,
						     CF_RTP_ERROR_INVALID,
						     "RTCP padding before the last packet");
				return NULL;
			}
			if (pad == 0 || pad % 4 != 0 || pad > blen) {
				g_set_error (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_INVALID,
					     "RTCP padding count %u in a body of %" G_GSIZE_FORMAT
					     " bytes",
					     pad,
					     blen);
				return NULL;
			}
			blen -= pad;
		}
		if (compound->packets->len >= CF_RTCP_MAX_PACKETS) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_LIMIT,
				     "more than %d packets in an RTCP compound",
				     CF_RTCP_MAX_PACKETS);
			return NULL;
		}
		packet = parse_packet (type, count, p + CF_RTCP_HEADER_SIZE, blen, error);
		if (packet == NULL) {
			g_prefix_error (error, "RTCP packet %u: ", compound->packets->len);
			return NULL;
		}
		g_ptr_array_add (compound->packets, packet);
		off += plen;
	}
	return g_steal_pointer (&compound);
}

/* ---- Building ------------------------------------------------------------------------- */

static gsize
sdes_chunk_size (const CfRtcpSdesChunk *chunk)
{
	gsize size = 4;

	for (guint i = 0; i < chunk->items->len; i++) {
		const CfRtcpSdesItem *item = g_ptr_array_index (chunk->items, i);

		size += 2 + bytes_len (item->value);
	}
	/* At least one null octet, then to the next 32-bit boundary. */
	return round4 (size + 1);
}

/* Checks a packet and returns its size on the wire; 0 on error. */
static gsize
packet_size (const CfRtcpPacket *packet, GError **error)
{
	gsize size = CF_RTCP_HEADER_SIZE;

	if (packet->type < CF_RTCP_TYPE_MIN || packet->type > CF_RTCP_TYPE_MAX
	    || bytes_len (packet->data) % 4 != 0) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTCP packet of type %u with %" G_GSIZE_FORMAT " bytes of data",
			     packet->type,
			     bytes_len (packet->data));
		return 0;
	}
	if (bytes_len (packet->data) > CF_RTCP_MAX_COMPOUND_SIZE) {
		g_set_error_literal (
			error, CF_RTP_ERROR, CF_RTP_ERROR_LIMIT, "RTCP packet data too long");
		return 0;
	}
	switch (packet->type) {
	case CF_RTCP_TYPE_SR:
	case CF_RTCP_TYPE_RR:
		if (packet->n_report_blocks > CF_RTCP_MAX_REPORT_BLOCKS) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_LIMIT,
				     "%u report blocks (at most %d)",
				     packet->n_report_blocks,
				     CF_RTCP_MAX_REPORT_BLOCKS);
			return 0;
		}
		size += 4 + (packet->type == CF_RTCP_TYPE_SR ? SR_SENDER_INFO_SIZE : 0);
		size += CF_RTCP_REPORT_BLOCK_SIZE * (gsize)packet->n_report_blocks;
		size += bytes_len (packet->data);
		break;
	case CF_RTCP_TYPE_SDES: {
		guint n = packet->chunks != NULL ? packet->chunks->len : 0;

		if (n > CF_RTCP_MAX_SDES_CHUNKS) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_LIMIT,
				     "%u SDES chunks (at most %d)",
				     n,
				     CF_RTCP_MAX_SDES_CHUNKS);
			return 0;
		}
		for (guint i = 0; i < n; i++) {
			const CfRtcpSdesChunk *chunk = g_ptr_array_index (packet->chunks, i);

			if (chunk->items->len > CF_RTCP_MAX_SDES_ITEMS) {
				g_set_error (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_LIMIT,
					     "%u items in an SDES chunk (at most %d)",
					     chunk->items->len,
					     CF_RTCP_MAX_SDES_ITEMS);
				return 0;
			}
			for (guint j = 0; j < chunk->items->len; j++) {
				const CfRtcpSdesItem *item = g_ptr_array_index (chunk->items, j);

				if (item->type == CF_RTCP_SDES_END
				    || bytes_len (item->value) > CF_RTCP_MAX_SDES_LENGTH) {
					g_set_error (error,
						     CF_RTP_ERROR,
						     CF_RTP_ERROR_INVALID,
						     "SDES item of type %u and %" G_GSIZE_FORMAT
						     " bytes",
						     item->type,
						     bytes_len (item->value));
					return 0;
				}
			}
			size += sdes_chunk_size (chunk);
		}
		break;
	}
	case CF_RTCP_TYPE_BYE:
		if (packet->n_sources > CF_RTCP_MAX_BYE_SOURCES
		    || bytes_len (packet->reason) > CF_RTCP_MAX_BYE_REASON) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_LIMIT,
				     "BYE with %u sources and a reason of %" G_GSIZE_FORMAT
				     " bytes",
				     packet->n_sources,
				     bytes_len (packet->reason));
			return 0;
		}
		size += 4 * (gsize)packet->n_sources;
		if (packet->reason != NULL)
			size += round4 (1 + bytes_len (packet->reason));
		break;
	case CF_RTCP_TYPE_RTPFB:
	case CF_RTCP_TYPE_PSFB:
		size += 8 + bytes_len (packet->data);
		break;
	default:
		size += bytes_len (packet->data);
		break;
	}
	if (packet->type != CF_RTCP_TYPE_SR && packet->type != CF_RTCP_TYPE_RR
	    && packet->type != CF_RTCP_TYPE_SDES && packet->type != CF_RTCP_TYPE_BYE
	    && packet->fmt > CF_RTCP_MAX_FMT) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTCP FMT/subtype %u out of range",
			     packet->fmt);
		return 0;
	}
	return size;
}

static void
write_report_block (guint8 *p, const CfRtcpReportBlock *block)
{
	gint32 lost = CLAMP (block->cumulative_lost, -0x800000, 0x7fffff);
	guint32 wire = (guint32)lost & 0xffffff;

	write32 (p, block->ssrc);
	p[4] = block->fraction_lost;
	p[5] = (wire >> 16) & 0xff;
	p[6] = (wire >> 8) & 0xff;
	p[7] = wire & 0xff;
	write32 (p + 8, block->highest_seq);
	write32 (p + 12, block->jitter);
	write32 (p + 16, block->lsr);
	write32 (p + 20, block->dlsr);
}

static gsize
write_bytes (guint8 *p, GBytes *bytes)
{
	gsize len = bytes_len (bytes);

	if (len > 0)
		memcpy (p, bytes_data (bytes), len);
	return len;
}

/* Writes a checked packet of @size bytes at @p. */
static void
write_packet (guint8 *p, const CfRtcpPacket *packet, gsize size)
{
	guint count = 0;
	gsize off = CF_RTCP_HEADER_SIZE;

	memset (p, 0, size);
	switch (packet->type) {
	case CF_RTCP_TYPE_SR:
	case CF_RTCP_TYPE_RR:
		count = packet->n_report_blocks;
		write32 (p + off, packet->ssrc);
		off += 4;
		if (packet->type == CF_RTCP_TYPE_SR) {
			write32 (p + off, (guint32)(packet->ntp_timestamp >> 32));
			write32 (p + off + 4, (guint32)packet->ntp_timestamp);
			write32 (p + off + 8, packet->rtp_timestamp);
			write32 (p + off + 12, packet->packet_count);
			write32 (p + off + 16, packet->octet_count);
			off += SR_SENDER_INFO_SIZE;
		}
		for (guint i = 0; i < packet->n_report_blocks; i++) {
			write_report_block (p + off, &packet->report_blocks[i]);
			off += CF_RTCP_REPORT_BLOCK_SIZE;
		}
		off += write_bytes (p + off, packet->data);
		break;
	case CF_RTCP_TYPE_SDES:
		count = packet->chunks != NULL ? packet->chunks->len : 0;
		for (guint i = 0; i < count; i++) {
			const CfRtcpSdesChunk *chunk = g_ptr_array_index (packet->chunks, i);
			gsize start = off;

			write32 (p + off, chunk->ssrc);
			off += 4;
			for (guint j = 0; j < chunk->items->len; j++) {
				const CfRtcpSdesItem *item = g_ptr_array_index (chunk->items, j);

				p[off] = item->type;
				p[off + 1] = (guint8)bytes_len (item->value);
				off += 2;
				off += write_bytes (p + off, item->value);
			}
			/* The null item and padding are already zero. */
			off = start + sdes_chunk_size (chunk);
		}
		break;
	case CF_RTCP_TYPE_BYE:
		count = packet->n_sources;
		for (guint i = 0; i < packet->n_sources; i++) {
			write32 (p + off, packet->sources[i]);
			off += 4;
		}
		if (packet->reason != NULL) {
			p[off] = (guint8)bytes_len (packet->reason);
			write_bytes (p + off + 1, packet->reason);
			off += round4 (1 + bytes_len (packet->reason));
		}
		break;
	case CF_RTCP_TYPE_RTPFB:
	case CF_RTCP_TYPE_PSFB:
		count = packet->fmt;
		write32 (p + off, packet->ssrc);
		write32 (p + off + 4, packet->media_ssrc);
		off += 8;
		off += write_bytes (p + off, packet->data);
		break;
	default:
		count = packet->fmt;
		off += write_bytes (p + off, packet->data);
		break;
	}
	g_assert (off == size);
	p[0] = (RTCP_VERSION << 6) | (count & 0x1f);
	p[1] = packet->type;
	write16 (p + 2, (guint16)(size / 4 - 1));
}

static gboolean
compound_size (const CfRtcpCompound *self, gsize *ret_size, GError **error)
{
	gsize total = 0;

	if (self->packets->len == 0) {
		g_set_error_literal (
			error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID, "empty RTCP compound");
		return FALSE;
	}
	if (self->packets->len > CF_RTCP_MAX_PACKETS) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_LIMIT,
			     "%u packets in an RTCP compound (at most %d)",
			     self->packets->len,
			     CF_RTCP_MAX_PACKETS);
		return FALSE;
	}
	for (guint i = 0; i < self->packets->len; i++) {
		gsize size = packet_size (g_ptr_array_index (self->packets, i), error);

		if (size == 0) {
			g_prefix_error (error, "RTCP packet %u: ", i);
			return FALSE;
		}
		total += size;
	}
	if (total > CF_RTCP_MAX_COMPOUND_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_LIMIT,
			     "RTCP compound of %" G_GSIZE_FORMAT " bytes (limit %d)",
			     total,
			     CF_RTCP_MAX_COMPOUND_SIZE);
		return FALSE;
	}
	*ret_size = total;
	return TRUE;
}

gboolean
cf_rtcp_compound_write (
	const CfRtcpCompound *self, guint8 *buf, gsize size, gsize *ret_len, GError **error)
{
	gsize total = 0, off = 0;

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (buf != NULL || size == 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (!compound_size (self, &total, error))
		return FALSE;
	if (total > size) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_NO_SPACE,
			     "RTCP compound of %" G_GSIZE_FORMAT
			     " bytes does not fit in %" G_GSIZE_FORMAT,
			     total,
			     size);
		return FALSE;
	}
	for (guint i = 0; i < self->packets->len; i++) {
		const CfRtcpPacket *packet = g_ptr_array_index (self->packets, i);
		gsize psize = packet_size (packet, NULL);

		write_packet (buf + off, packet, psize);
		off += psize;
	}
	if (ret_len != NULL)
		*ret_len = total;
	return TRUE;
}

GBytes *
cf_rtcp_compound_build (const CfRtcpCompound *self, GError **error)
{
	g_autofree guint8 *buf = NULL;
	gsize total = 0;

	g_return_val_if_fail (self != NULL, NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	if (!compound_size (self, &total, error))
		return NULL;
	buf = g_malloc (total);
	if (!cf_rtcp_compound_write (self, buf, total, &total, error))
		return NULL;
	return g_bytes_new_take (g_steal_pointer (&buf), total);
}

/* ---- Compound ------------------------------------------------------------------------ */

CfRtcpCompound *
cf_rtcp_compound_new (void)
{
	CfRtcpCompound *self = g_new0 (CfRtcpCompound, 1);

	self->packets = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_rtcp_packet_free);
	return self;
}

void
cf_rtcp_compound_free (CfRtcpCompound *self)
{
	if (self == NULL)
		return;
	g_clear_pointer (&self->packets, g_ptr_array_unref);
	g_free (self);
}

guint
cf_rtcp_compound_get_n_packets (const CfRtcpCompound *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->packets->len;
}

const CfRtcpPacket *
cf_rtcp_compound_get_packet (const CfRtcpCompound *self, guint index)
{
	g_return_val_if_fail (self != NULL, NULL);
	g_return_val_if_fail (index < self->packets->len, NULL);
	return g_ptr_array_index (self->packets, index);
}

const CfRtcpPacket *
cf_rtcp_compound_find (const CfRtcpCompound *self, guint8 type)
{
	g_return_val_if_fail (self != NULL, NULL);

	for (guint i = 0; i < self->packets->len; i++) {
		const CfRtcpPacket *packet = g_ptr_array_index (self->packets, i);

		if (packet->type == type)
			return packet;
	}
	return NULL;
}

CfRtcpPacket *
cf_rtcp_compound_add (CfRtcpCompound *self, CfRtcpPacket *packet)
{
	g_return_val_if_fail (self != NULL, NULL);
	g_return_val_if_fail (packet != NULL, NULL);

	g_ptr_array_add (self->packets, packet);
	return packet;
}

gboolean
cf_rtcp_compound_is_rfc3550 (const CfRtcpCompound *self)
{
	const CfRtcpPacket *first;

	g_return_val_if_fail (self != NULL, FALSE);

	if (self->packets->len == 0)
		return FALSE;
	first = g_ptr_array_index (self->packets, 0);
	return first->type == CF_RTCP_TYPE_SR || first->type == CF_RTCP_TYPE_RR;
}

gboolean
cf_rtcp_compound_equal (const CfRtcpCompound *a, const CfRtcpCompound *b)
{
	g_return_val_if_fail (a != NULL, FALSE);
	g_return_val_if_fail (b != NULL, FALSE);

	if (a->packets->len != b->packets->len)
		return FALSE;
	for (guint i = 0; i < a->packets->len; i++) {
		if (!cf_rtcp_packet_equal (g_ptr_array_index (a->packets, i),
					   g_ptr_array_index (b->packets, i)))
			return FALSE;
	}
	return TRUE;
}

/* ---- Receiver statistics --------------------------------------------------------------- */

CfRtcpReceiverStats *
cf_rtcp_receiver_stats_new (guint32 ssrc, guint min_sequential)
{
	CfRtcpReceiverStats *self = g_new0 (CfRtcpReceiverStats, 1);

	self->ssrc = ssrc;
	cf_rtp_seq_tracker_init (&self->seq, min_sequential);
	return self;
}

void
cf_rtcp_receiver_stats_free (CfRtcpReceiverStats *self)
{
	g_free (self);
}

guint32
cf_rtcp_receiver_stats_get_ssrc (const CfRtcpReceiverStats *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->ssrc;
}

gboolean
cf_rtcp_receiver_stats_add_packet (CfRtcpReceiverStats *self,
				   guint16 seq,
				   guint32 rtp_timestamp,
				   guint32 arrival,
				   guint32 *ret_extended)
{
	guint32 transit;

	g_return_val_if_fail (self != NULL, FALSE);

	if (!cf_rtp_seq_tracker_update (&self->seq, seq, ret_extended))
		return FALSE;
	if (self->seq.received == 1) {
		/* The source was just validated or restarted: its timestamps
		 * start afresh (RFC 3550 A.1 "other initialization"). */
		self->have_transit = FALSE;
		self->jitter = 0;
	}
	/* RFC 3550 A.8: relative transit time, differences modulo 2^32. */
	transit = arrival - rtp_timestamp;
	if (self->have_transit)
		self->jitter = cf_rtcp_jitter_update (
			self->jitter, cf_rtp_timestamp_diff (transit, self->transit));
	self->transit = transit;
	self->have_transit = TRUE;
	return TRUE;
}

void
cf_rtcp_receiver_stats_add_sender_report (CfRtcpReceiverStats *self,
					  guint64 ntp_timestamp,
					  guint32 arrival)
{
	g_return_if_fail (self != NULL);

	self->have_sr = TRUE;
	self->lsr = cf_rtcp_ntp_to_compact (ntp_timestamp);
	self->sr_arrival = arrival;
}

gboolean
cf_rtcp_receiver_stats_make_report_block (CfRtcpReceiverStats *self,
					  guint32 now,
					  CfRtcpReportBlock *ret_block)
{
	CfRtpSeqTracker *s;
	guint32 expected, expected_interval, received_interval;
	CfRtcpReportBlock block = {0};

	g_return_val_if_fail (self != NULL, FALSE);
	g_return_val_if_fail (ret_block != NULL, FALSE);

	s = &self->seq;
	expected = cf_rtp_seq_tracker_get_expected (s);
	if (expected == 0 && s->received == 0)
		return FALSE;

	/* RFC 3550 A.3. */
	expected_interval = expected - s->expected_prior;
	s->expected_prior = expected;
	received_interval = s->received - s->received_prior;
	s->received_prior = s->received;

	block.ssrc = self->ssrc;
	block.fraction_lost = cf_rtcp_fraction_lost (expected_interval, received_interval);
	block.cumulative_lost = cf_rtcp_cumulative_lost (expected, s->received);
	block.highest_seq = cf_rtp_seq_tracker_get_extended_max (s);
	block.jitter = (guint32)self->jitter;
	if (self->have_sr) {
		block.lsr = self->lsr;
		block.dlsr = now - self->sr_arrival;
	}
	*ret_block = block;
	return TRUE;
}

guint32
cf_rtcp_receiver_stats_get_received (const CfRtcpReceiverStats *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->seq.received;
}

guint32
cf_rtcp_receiver_stats_get_expected (const CfRtcpReceiverStats *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return cf_rtp_seq_tracker_get_expected (&self->seq);
}

gint32
cf_rtcp_receiver_stats_get_cumulative_lost (const CfRtcpReceiverStats *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return cf_rtcp_cumulative_lost (cf_rtp_seq_tracker_get_expected (&self->seq),
					self->seq.received);
}

double
cf_rtcp_receiver_stats_get_jitter (const CfRtcpReceiverStats *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->jitter;
}

const CfRtpSeqTracker *
cf_rtcp_receiver_stats_get_seq (const CfRtcpReceiverStats *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return &self->seq;
}
