/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the ZRTP engine (RFC 6189 state machine).
 *
 * Two engines, A and B, run a real exchange on a fake clock; the input
 * decides, packet by packet, what the network does to what B sends to A:
 * deliver it, drop it, deliver it twice, flip bytes in it (with the CRC made
 * right again, so that the change reaches the protocol checks rather than
 * the CRC check), or put a packet made of input bytes in its place. Then the
 * clock moves on. Whatever happens, no crash, no hang (the loop is bounded),
 * and the invariant: when both end SECURE, each one's sending keys are the
 * other's receiving keys and the SAS hashes are equal. Anything else is a
 * bug: abort(). */
#define G_LOG_DOMAIN "fuzz-zrtp-engine"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf-zrtp-engine.h"
#include "cf-zrtp-packet.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_STEPS 400
#define STEP_US	  (20 * 1000)

typedef struct {
	const uint8_t *data;
	size_t size;
	size_t pos;
} Input;

static guint8
next (Input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static void
fix_crc (guint8 *pkt, gsize len)
{
	guint32 crc;

	if (len < CF_ZRTP_PACKET_HEADER_LEN + CF_ZRTP_CRC_LEN)
		return;
	crc = cf_zrtp_crc32c (pkt, len - CF_ZRTP_CRC_LEN);
	for (guint i = 0; i < 4; i++)
		pkt[len - CF_ZRTP_CRC_LEN + i] = (guint8)(crc >> (8 * i));
}

/* What the network does to one packet from B to A. */
static void
deliver (CfZrtpEngine *a, GBytes *pkt, Input *in, gint64 now)
{
	gsize len = 0;
	const guint8 *p = g_bytes_get_data (pkt, &len);
	g_autofree guint8 *copy = g_memdup2 (p, len);
	guint8 op = next (in);

	switch (op % 5) {
	case 0: /* as sent */
		cf_zrtp_engine_receive (a, p, len, now);
		break;
	case 1: /* lost */
		break;
	case 2: /* twice */
		cf_zrtp_engine_receive (a, p, len, now);
		cf_zrtp_engine_receive (a, p, len, now);
		break;
	case 3: /* bytes flipped, CRC made right */
		for (guint n = 1 + next (in) % 4; n > 0 && len > 0; n--)
			copy[next (in) % len] ^= (guint8)(1 + next (in) % 255);
		fix_crc (copy, len);
		cf_zrtp_engine_receive (a, copy, len, now);
		break;
	default: { /* the input's bytes in its place */
		gsize want = (gsize)next (in) * 4;
		gsize n = MIN (want, in->size - MIN (in->pos, in->size));
		g_autofree guint8 *forged = g_malloc (n + 1);

		memcpy (forged, in->data + in->pos, n);
		in->pos += n;
		fix_crc (forged, n);
		cf_zrtp_engine_receive (a, forged, n, now);
		break;
	}
	}
}

static CfZrtpEngine *
make (guint8 zid_byte, CfZrtpKeyAgreement ka)
{
	CfZrtpEngineConfig cfg = {0};

	memset (cfg.zid, zid_byte, sizeof cfg.zid);
	cfg.ssrc = zid_byte;
	cfg.n_key_agreements = 1;
	cfg.key_agreements[0] = ka;
	return cf_zrtp_engine_new (&cfg, NULL);
}

static void
check_keys (CfZrtpEngine *a, CfZrtpEngine *b)
{
	g_autoptr (CfZrtpSrtpKeys) ka = cf_zrtp_engine_get_srtp_keys (a);
	g_autoptr (CfZrtpSrtpKeys) kb = cf_zrtp_engine_get_srtp_keys (b);
	CfZrtpResult ra, rb;

	if (ka == NULL || kb == NULL || !cf_zrtp_engine_get_result (a, &ra)
	    || !cf_zrtp_engine_get_result (b, &rb))
		abort ();
	if (ka->key_len != kb->key_len || memcmp (ka->tx_key, kb->rx_key, ka->key_len) != 0
	    || memcmp (kb->tx_key, ka->rx_key, ka->key_len) != 0
	    || memcmp (ka->tx_salt, kb->rx_salt, ka->salt_len) != 0
	    || memcmp (ra.sashash, rb.sashash, sizeof ra.sashash) != 0) {
		g_printerr ("fuzz-zrtp-engine: both secure with different keys\n");
		abort ();
	}
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	Input in = {data, size, 0};
	/* X255 keeps the run fast; DH3k when the first byte says so. */
	CfZrtpKeyAgreement ka = size > 0 && data[0] % 8 == 0 ? CF_ZRTP_KA_DH3K : CF_ZRTP_KA_X255;
	g_autoptr (CfZrtpEngine) a = make (0xa1, ka);
	g_autoptr (CfZrtpEngine) b = make (0xb2, ka);
	gint64 now = 1000000;
	GBytes *pkt;
	CfZrtpEvent ev;

	if (a == NULL || b == NULL)
		abort ();
	next (&in);
	cf_zrtp_engine_start (a, now);
	cf_zrtp_engine_start (b, now);
	for (guint step = 0; step < MAX_STEPS; step++) {
		while ((pkt = cf_zrtp_engine_pop_packet (a)) != NULL) {
			gsize len = 0;
			const guint8 *p = g_bytes_get_data (pkt, &len);

			cf_zrtp_engine_receive (b, p, len, now);
			g_bytes_unref (pkt);
		}
		while ((pkt = cf_zrtp_engine_pop_packet (b)) != NULL) {
			deliver (a, pkt, &in, now);
			g_bytes_unref (pkt);
		}
		while (cf_zrtp_engine_pop_event (a, &ev) || cf_zrtp_engine_pop_event (b, &ev))
			;
		if (cf_zrtp_engine_get_state (a) >= CF_ZRTP_ENGINE_STATE_SECURE
		    && cf_zrtp_engine_get_state (b) >= CF_ZRTP_ENGINE_STATE_SECURE)
			break;
		now += STEP_US;
		if (cf_zrtp_engine_get_deadline (a) >= 0 && cf_zrtp_engine_get_deadline (a) <= now)
			cf_zrtp_engine_timeout (a, now);
		if (cf_zrtp_engine_get_deadline (b) >= 0 && cf_zrtp_engine_get_deadline (b) <= now)
			cf_zrtp_engine_timeout (b, now);
	}
	g_debug ("A %d, B %d after %" G_GINT64_FORMAT " ms",
		 cf_zrtp_engine_get_state (a),
		 cf_zrtp_engine_get_state (b),
		 (now - 1000000) / 1000);
	if (cf_zrtp_engine_get_state (a) == CF_ZRTP_ENGINE_STATE_SECURE
	    && cf_zrtp_engine_get_state (b) == CF_ZRTP_ENGINE_STATE_SECURE)
		check_keys (a, b);
	return 0;
}
