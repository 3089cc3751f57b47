/* SPDX-License-Identifier: GPL-3.0-or-later */
/* RTP packets (RFC 3550 §5.1), RFC 8285 header extensions, sequence
 * numbers (RFC 3550 A.1). */
#define G_LOG_DOMAIN "cf-rtp"

#include "cf-rtp.h"

#include <string.h>

G_DEFINE_QUARK (cf_rtp_error_quark, cf_rtp_error)

#define RTP_VERSION 2
#define RTP_SEQ_MOD (1u << 16)

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

void
cf_rtp_packet_init (CfRtpPacket *packet)
{
	g_return_if_fail (packet != NULL);
	memset (packet, 0, sizeof (*packet));
}

gboolean
cf_rtp_packet_parse (const guint8 *data, gsize len, CfRtpPacket *ret_packet, GError **error)
{
	CfRtpPacket p;
	gsize off;

	g_return_val_if_fail (data != NULL || len == 0, FALSE);
	g_return_val_if_fail (ret_packet != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (len > CF_RTP_MAX_PACKET_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_LIMIT,
			     "RTP packet of %" G_GSIZE_FORMAT " bytes (limit %d)",
			     len,
			     CF_RTP_MAX_PACKET_SIZE);
		return FALSE;
	}
	if (len < CF_RTP_HEADER_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTP packet of %" G_GSIZE_FORMAT " bytes is shorter than its header",
			     len);
		return FALSE;
	}
	if ((data[0] >> 6) != RTP_VERSION) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTP version %u",
			     (guint)(data[0] >> 6));
		return FALSE;
	}

	cf_rtp_packet_init (&p);
	p.marker = (data[1] & 0x80) != 0;
	p.payload_type = data[1] & 0x7f;
	p.sequence = read16 (data + 2);
	p.timestamp = read32 (data + 4);
	p.ssrc = read32 (data + 8);
	p.n_csrcs = data[0] & 0x0f;
	off = CF_RTP_HEADER_SIZE;

	if (len - off < 4 * (gsize)p.n_csrcs) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTP packet truncated in its CSRC list (%u CSRCs)",
			     p.n_csrcs);
		return FALSE;
	}
	for (guint i = 0; i < p.n_csrcs; i++) {
		p.csrcs[i] = read32 (data + off);
		off += 4;
	}

	if (data[0] & 0x10) {
		gsize ext_len;

		if (len - off < 4) {
			g_set_error_literal (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_INVALID,
					     "RTP packet truncated in its header extension header");
			return FALSE;
		}
		p.has_extension = TRUE;
		p.extension_profile = read16 (data + off);
		ext_len = 4 * (gsize)read16 (data + off + 2);
		off += 4;
		if (len - off < ext_len) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTP header extension of %" G_GSIZE_FORMAT
				     " bytes runs past the packet",
				     ext_len);
			return FALSE;
		}
		p.extension = ext_len > 0 ? data + off : NULL;
		p.extension_len = ext_len;
		off += ext_len;
	}

	p.payload_len = len - off;
	if (data[0] & 0x20) {
		guint8 pad = data[len - 1];

		if (pad == 0 || pad > p.payload_len) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTP padding count %u with %" G_GSIZE_FORMAT
				     " bytes after the header",
				     pad,
				     p.payload_len);
			return FALSE;
		}
		p.padding_len = pad;
		p.payload_len -= pad;
	}
	p.payload = p.payload_len > 0 ? data + off : NULL;

	*ret_packet = p;
	return TRUE;
}

gsize
cf_rtp_packet_get_size (const CfRtpPacket *packet)
{
	gsize size;

	g_return_val_if_fail (packet != NULL, 0);

	size = CF_RTP_HEADER_SIZE + 4 * (gsize)MIN (packet->n_csrcs, CF_RTP_MAX_CSRCS);
	if (packet->has_extension)
		size += 4 + packet->extension_len;
	return size + packet->payload_len + packet->padding_len;
}

static gboolean
check_packet (const CfRtpPacket *packet, GError **error)
{
	if (packet->payload_type > 127) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTP payload type %u out of range",
			     packet->payload_type);
		return FALSE;
	}
	if (packet->n_csrcs > CF_RTP_MAX_CSRCS) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "%u CSRCs (at most %d)",
			     packet->n_csrcs,
			     CF_RTP_MAX_CSRCS);
		return FALSE;
	}
	if (!packet->has_extension && packet->extension_len > 0) {
		g_set_error_literal (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTP header extension data without the X bit");
		return FALSE;
	}
	if (packet->extension_len % 4 != 0 || packet->extension_len / 4 > G_MAXUINT16) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTP header extension of %" G_GSIZE_FORMAT " bytes",
			     packet->extension_len);
		return FALSE;
	}
	if ((packet->extension_len > 0 && packet->extension == NULL)
	    || (packet->payload_len > 0 && packet->payload == NULL)) {
		g_set_error_literal (
			error, CF_RTP_ERROR, CF_RTP_ERROR_INVALID, "RTP packet data missing");
		return FALSE;
	}
	/* Each part is bounded before adding them up, so the sum cannot wrap. */
	if (packet->extension_len > CF_RTP_MAX_PACKET_SIZE
	    || packet->payload_len > CF_RTP_MAX_PACKET_SIZE
	    || cf_rtp_packet_get_size (packet) > CF_RTP_MAX_PACKET_SIZE) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_LIMIT,
			     "RTP packet larger than %d bytes",
			     CF_RTP_MAX_PACKET_SIZE);
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_rtp_packet_write (
	const CfRtpPacket *packet, guint8 *buf, gsize size, gsize *ret_len, GError **error)
{
	gsize total, off;

	g_return_val_if_fail (packet != NULL, FALSE);
	g_return_val_if_fail (buf != NULL || size == 0, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (!check_packet (packet, error))
		return FALSE;
	total = cf_rtp_packet_get_size (packet);
	if (total > size) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_NO_SPACE,
			     "RTP packet of %" G_GSIZE_FORMAT
			     " bytes does not fit in %" G_GSIZE_FORMAT,
			     total,
			     size);
		return FALSE;
	}

	buf[0] = (RTP_VERSION << 6) | (packet->padding_len > 0 ? 0x20 : 0)
		 | (packet->has_extension ? 0x10 : 0) | packet->n_csrcs;
	buf[1] = (packet->marker ? 0x80 : 0) | packet->payload_type;
	write16 (buf + 2, packet->sequence);
	write32 (buf + 4, packet->timestamp);
	write32 (buf + 8, packet->ssrc);
	off = CF_RTP_HEADER_SIZE;
	for (guint i = 0; i < packet->n_csrcs; i++) {
		write32 (buf + off, packet->csrcs[i]);
		off += 4;
	}
	if (packet->has_extension) {
		write16 (buf + off, packet->extension_profile);
		write16 (buf + off + 2, (guint16)(packet->extension_len / 4));
		off += 4;
		if (packet->extension_len > 0)
			memmove (buf + off, packet->extension, packet->extension_len);
		off += packet->extension_len;
	}
	if (packet->payload_len > 0)
		memmove (buf + off, packet->payload, packet->payload_len);
	off += packet->payload_len;
	if (packet->padding_len > 0) {
		memset (buf + off, 0, packet->padding_len - 1);
		off += packet->padding_len;
		buf[off - 1] = packet->padding_len;
	}
	g_assert (off == total);
	if (ret_len != NULL)
		*ret_len = total;
	return TRUE;
}

GBytes *
cf_rtp_packet_build (const CfRtpPacket *packet, GError **error)
{
	g_autofree guint8 *buf = NULL;
	gsize len = 0;

	g_return_val_if_fail (packet != NULL, NULL);

	if (!check_packet (packet, error))
		return NULL;
	len = cf_rtp_packet_get_size (packet);
	buf = g_malloc (len);
	if (!cf_rtp_packet_write (packet, buf, len, &len, error))
		return NULL;
	return g_bytes_new_take (g_steal_pointer (&buf), len);
}

/* ---- RFC 8285 ---------------------------------------------------------------- */

gboolean
cf_rtp_extension_profile_is_rfc8285 (guint16 profile)
{
	return profile == CF_RTP_EXTENSION_ONE_BYTE
	       || (profile & CF_RTP_EXTENSION_TWO_BYTE_MASK) == CF_RTP_EXTENSION_TWO_BYTE;
}

gboolean
cf_rtp_extension_parse (guint16 profile,
			const guint8 *data,
			gsize len,
			CfRtpExtensionElement *elements,
			guint max_elements,
			guint *ret_n,
			GError **error)
{
	gboolean one_byte = profile == CF_RTP_EXTENSION_ONE_BYTE;
	gsize i = 0;
	guint n = 0;

	g_return_val_if_fail (data != NULL || len == 0, FALSE);
	g_return_val_if_fail (elements != NULL || max_elements == 0, FALSE);
	g_return_val_if_fail (ret_n != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (!cf_rtp_extension_profile_is_rfc8285 (profile)) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_INVALID,
			     "RTP header extension profile 0x%04x is not RFC 8285",
			     profile);
		return FALSE;
	}
	while (i < len) {
		guint8 id;
		gsize hdr, elen;

		if (data[i] == 0) {
			/* A padding byte. */
			i++;
			continue;
		}
		if (one_byte) {
			id = data[i] >> 4;
			elen = (data[i] & 0x0f) + 1;
			hdr = 1;
			if (id == 15)
				break; /* reserved: stop here (RFC 8285 §4.2) */
			if (id == 0) {
				g_set_error (error,
					     CF_RTP_ERROR,
					     CF_RTP_ERROR_INVALID,
					     "RTP header extension element with ID 0 and length %u",
					     data[i] & 0x0f);
				return FALSE;
			}
		} else {
			if (len - i < 2) {
				g_set_error_literal (error,
						     CF_RTP_ERROR,
						     CF_RTP_ERROR_INVALID,
						     "RTP header extension element truncated");
				return FALSE;
			}
			id = data[i];
			elen = data[i + 1];
			hdr = 2;
		}
		if (len - i - hdr < elen) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_INVALID,
				     "RTP header extension element %u of %" G_GSIZE_FORMAT
				     " bytes runs past the extension",
				     id,
				     elen);
			return FALSE;
		}
		if (n >= max_elements) {
			g_set_error (error,
				     CF_RTP_ERROR,
				     CF_RTP_ERROR_LIMIT,
				     "more than %u RTP header extension elements",
				     max_elements);
			return FALSE;
		}
		elements[n].id = id;
		elements[n].len = (guint8)elen;
		elements[n].data = data + i + hdr;
		n++;
		i += hdr + elen;
	}
	*ret_n = n;
	return TRUE;
}

gboolean
cf_rtp_extension_write (const CfRtpExtensionElement *elements,
			guint n,
			guint8 *buf,
			gsize size,
			guint16 *ret_profile,
			gsize *ret_len,
			GError **error)
{
	gboolean one_byte = TRUE;
	gsize need = 0, off = 0;

	g_return_val_if_fail (elements != NULL || n == 0, FALSE);
	g_return_val_if_fail (buf != NULL || size == 0, FALSE);
	g_return_val_if_fail (ret_profile != NULL, FALSE);
	g_return_val_if_fail (ret_len != NULL, FALSE);
	g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

	if (n > CF_RTP_MAX_EXTENSION_ELEMENTS) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_LIMIT,
			     "%u RTP header extension elements (at most %d)",
			     n,
			     CF_RTP_MAX_EXTENSION_ELEMENTS);
		return FALSE;
	}
	for (guint i = 0; i < n; i++) {
		if (elements[i].id == 0 || (elements[i].len > 0 && elements[i].data == NULL)) {
			g_set_error_literal (
				error,
				CF_RTP_ERROR,
				CF_RTP_ERROR_INVALID,
				"RTP header extension element with ID 0 or without data");
			return FALSE;
		}
		if (elements[i].id > 14 || elements[i].len < 1 || elements[i].len > 16)
			one_byte = FALSE;
	}
	for (guint i = 0; i < n; i++)
		need += (one_byte ? 1 : 2) + elements[i].len;
	need = (need + 3) & ~(gsize)3;
	if (need > size) {
		g_set_error (error,
			     CF_RTP_ERROR,
			     CF_RTP_ERROR_NO_SPACE,
			     "RTP header extension of %" G_GSIZE_FORMAT
			     " bytes does not fit in %" G_GSIZE_FORMAT,
			     need,
			     size);
		return FALSE;
	}
	for (guint i = 0; i < n; i++) {
		if (one_byte) {
			buf[off++] = (guint8)((elements[i].id << 4) | (elements[i].len - 1));
		} else {
			buf[off++] = elements[i].id;
			buf[off++] = elements[i].len;
		}
		if (elements[i].len > 0)
			memmove (buf + off, elements[i].data, elements[i].len);
		off += elements[i].len;
	}
	memset (buf + off, 0, need - off);
	*ret_profile = one_byte ? CF_RTP_EXTENSION_ONE_BYTE : CF_RTP_EXTENSION_TWO_BYTE;
	*ret_len = need;
	return TRUE;
}

gboolean
cf_rtp_packet_find_extension (const CfRtpPacket *packet,
			      guint8 id,
			      const guint8 **ret_data,
			      gsize *ret_len)
{
	CfRtpExtensionElement elements[CF_RTP_MAX_EXTENSION_ELEMENTS];
	guint n = 0;

	g_return_val_if_fail (packet != NULL, FALSE);

	if (!packet->has_extension
	    || !cf_rtp_extension_parse (packet->extension_profile,
					packet->extension,
					packet->extension_len,
					elements,
					G_N_ELEMENTS (elements),
					&n,
					NULL))
		return FALSE;
	for (guint i = 0; i < n; i++) {
		if (elements[i].id != id)
			continue;
		if (ret_data != NULL)
			*ret_data = elements[i].data;
		if (ret_len != NULL)
			*ret_len = elements[i].len;
		return TRUE;
	}
	return FALSE;
}

/* ---- Sequence numbers ---------------------------------------------------------- */

gint32
cf_rtp_seq_diff (guint16 a, guint16 b)
{
	return (gint16)(guint16)(a - b);
}

gboolean
cf_rtp_seq_after (guint16 a, guint16 b)
{
	return cf_rtp_seq_diff (a, b) > 0;
}

gint64
cf_rtp_timestamp_diff (guint32 a, guint32 b)
{
	return (gint32)(guint32)(a - b);
}

void
cf_rtp_seq_tracker_init (CfRtpSeqTracker *self, guint min_sequential)
{
	g_return_if_fail (self != NULL);

	memset (self, 0, sizeof (*self));
	self->min_sequential = min_sequential;
	self->bad_seq = RTP_SEQ_MOD + 1;
}

/* init_seq() of RFC 3550 A.1. */
static void
seq_restart (CfRtpSeqTracker *self, guint16 seq)
{
	self->base_seq = seq;
	self->max_seq = seq;
	self->bad_seq = RTP_SEQ_MOD + 1; /* so seq == bad_seq is false */
	self->cycles = 0;
	self->received = 0;
	self->received_prior = 0;
	self->expected_prior = 0;
}

guint32
cf_rtp_seq_tracker_get_extended_max (const CfRtpSeqTracker *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->cycles + self->max_seq;
}

static guint32
seq_extend (const CfRtpSeqTracker *self, guint16 seq)
{
	return cf_rtp_seq_tracker_get_extended_max (self)
	       + (guint32)cf_rtp_seq_diff (seq, self->max_seq);
}

gboolean
cf_rtp_seq_tracker_update (CfRtpSeqTracker *self, guint16 seq, guint32 *ret_extended)
{
	guint16 udelta;

	g_return_val_if_fail (self != NULL, FALSE);

	if (!self->started) {
		self->started = TRUE;
		seq_restart (self, seq);
		if (self->min_sequential <= 1) {
			self->received = 1;
			if (ret_extended != NULL)
				*ret_extended = seq;
			return TRUE;
		}
		self->max_seq = (guint16)(seq - 1);
		self->probation = self->min_sequential;
	}

	udelta = (guint16)(seq - self->max_seq);
	if (self->probation > 0) {
		/* The source is valid only after min_sequential packets in
		 * sequence. 16-bit arithmetic: 65535 + 1 is 0. */
		if (seq == (guint16)(self->max_seq + 1)) {
			self->probation--;
			self->max_seq = seq;
			if (self->probation == 0) {
				seq_restart (self, seq);
				self->received++;
				if (ret_extended != NULL)
					*ret_extended = seq;
				return TRUE;
			}
		} else {
			self->probation = self->min_sequential - 1;
			self->max_seq = seq;
		}
		return FALSE;
	} else if (udelta < CF_RTP_SEQ_MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (seq < self->max_seq)
			self->cycles += RTP_SEQ_MOD; /* wrapped around */
		self->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - CF_RTP_SEQ_MAX_MISORDER) {
		/* A very large jump. */
		if (seq == self->bad_seq) {
			/* Two sequential packets: the other side restarted
			 * without telling us; resynchronise. */
			seq_restart (self, seq);
		} else {
			self->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
			return FALSE;
		}
	} else {
		/* A duplicate or a reordered packet: counted as A.1 does. */
	}
	self->received++;
	if (ret_extended != NULL)
		*ret_extended = seq_extend (self, seq);
	return TRUE;
}

guint32
cf_rtp_seq_tracker_get_expected (const CfRtpSeqTracker *self)
{
	g_return_val_if_fail (self != NULL, 0);

	if (!self->started || self->probation > 0)
		return 0;
	return cf_rtp_seq_tracker_get_extended_max (self) - self->base_seq + 1;
}
