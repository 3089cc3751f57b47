/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of cf-zrtp-engine: two engines (or more) joined by a test
 * "network" that moves packets between them, can drop, tamper with or watch
 * them, and advances a fake clock to the next retransmission deadline. No
 * sleeps, no wall clock. */
#include <sodium.h>
#include <string.h>

#include "cf-zrtp-engine.h"
#include "cf-zrtp-packet.h"

/* ---- the test network ---- */

typedef struct _Net Net;

/* Sees each packet from engine @from (0 or 1) of message type @type; returns
 * the packet to deliver (transfer full; may be @pkt itself) or NULL to drop. */
typedef GBytes *(*Filter) (Net *net, int from, CfZrtpMessageType type, GBytes *pkt);

struct _Net {
	CfZrtpEngine *e[2];
	gint64 now;
	Filter filter;
	gpointer data;
	/* per sender, per message type: packets sent and packets dropped */
	guint sent[2][CF_ZRTP_MSG_PING_ACK + 1];
	guint dropped[2][CF_ZRTP_MSG_PING_ACK + 1];
	/* what the filter asks for in the simple cases */
	int drop_from;		     /* -1: either side */
	CfZrtpMessageType drop_type; /* with drop_count */
	guint drop_count;	     /* how many more to drop; G_MAXUINT: all */
	GPtrArray *captured;	     /* every packet, when non-NULL */
};

static CfZrtpMessageType
packet_type (GBytes *pkt)
{
	g_autoptr (CfZrtpMessage) msg = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (pkt, &len);

	g_assert_true (cf_zrtp_packet_parse (data, len, NULL, NULL, &msg, NULL));
	return msg->type;
}

static GBytes *
drop_filter (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	if (net->drop_count > 0 && type == net->drop_type
	    && (net->drop_from < 0 || net->drop_from == from)) {
		if (net->drop_count != G_MAXUINT)
			net->drop_count--;
		g_bytes_unref (pkt);
		return NULL;
	}
	return pkt;
}

static void
net_init (Net *net, CfZrtpEngine *a, CfZrtpEngine *b)
{
	memset (net, 0, sizeof *net);
	net->e[0] = a;
	net->e[1] = b;
	net->now = 1000000;
	net->drop_from = -1;
	net->filter = drop_filter;
}

/* Moves packets until nothing is in flight and no timer is armed. */
static void
net_run (Net *net)
{
	for (guint round = 0; round < 10000; round++) {
		gboolean moved = FALSE;
		gint64 next = -1;

		for (int i = 0; i < 2; i++) {
			GBytes *pkt;

			while ((pkt = cf_zrtp_engine_pop_packet (net->e[i])) != NULL) {
				CfZrtpMessageType type = packet_type (pkt);
				gsize len = 0;
				const guint8 *data;

				moved = TRUE;
				net->sent[i][type]++;
				if (net->captured != NULL)
					g_ptr_array_add (net->captured, g_bytes_ref (pkt));
				if (net->filter != NULL)
					pkt = net->filter (net, i, type, pkt);
				if (pkt == NULL) {
					net->dropped[i][type]++;
					continue;
				}
				data = g_bytes_get_data (pkt, &len);
				cf_zrtp_engine_receive (net->e[1 - i], data, len, net->now);
				g_bytes_unref (pkt);
			}
		}
		if (moved)
			continue;
		for (int i = 0; i < 2; i++) {
			gint64 d = cf_zrtp_engine_get_deadline (net->e[i]);

			if (d >= 0 && (next < 0 || d < next))
				next = d;
		}
		if (next < 0)
			return;
		g_assert_cmpint (next, >=, net->now);
		net->now = next;
		for (int i = 0; i < 2; i++) {
			gint64 d = cf_zrtp_engine_get_deadline (net->e[i]);

			if (d >= 0 && d <= net->now)
				cf_zrtp_engine_timeout (net->e[i], net->now);
		}
	}
	g_assert_not_reached ();
}

static void
net_start (Net *net)
{
	cf_zrtp_engine_start (net->e[0], net->now);
	cf_zrtp_engine_start (net->e[1], net->now);
	net_run (net);
}

/* ---- engines ---- */

typedef struct {
	gboolean has;
	guint8 peer_zid[CF_ZRTP_ZID_LEN];
	CfZrtpCachedSecrets secrets;
	guint calls;
} Cache;

static void
cache_lookup (const guint8 peer_zid[CF_ZRTP_ZID_LEN], CfZrtpCachedSecrets *ret, gpointer data)
{
	Cache *c = data;

	c->calls++;
	if (c->has && memcmp (c->peer_zid, peer_zid, CF_ZRTP_ZID_LEN) == 0)
		*ret = c->secrets;
}

/* Stores the stream's new rs1 as the RFC says: rs2 = old rs1 (§4.6.1). */
static void
cache_update (Cache *c, CfZrtpEngine *e)
{
	CfZrtpResult r;
	guint8 rs1[CF_ZRTP_HASH_LEN];

	g_assert_true (cf_zrtp_engine_get_result (e, &r));
	g_assert_true (cf_zrtp_engine_get_new_rs1 (e, rs1));
	c->has = TRUE;
	memcpy (c->peer_zid, r.peer_zid, CF_ZRTP_ZID_LEN);
	c->secrets.known = TRUE;
	if (c->secrets.has_rs1) {
		c->secrets.has_rs2 = TRUE;
		memcpy (c->secrets.rs2, c->secrets.rs1, CF_ZRTP_HASH_LEN);
	}
	c->secrets.has_rs1 = TRUE;
	memcpy (c->secrets.rs1, rs1, CF_ZRTP_HASH_LEN);
}

static void
fill_zid (guint8 zid[CF_ZRTP_ZID_LEN], guint8 tag)
{
	for (guint i = 0; i < CF_ZRTP_ZID_LEN; i++)
		zid[i] = (guint8)(tag + i);
}

static CfZrtpEngine *
engine_new_full (guint8 tag,
		 int ka, /* -1: default list */
		 Cache *cache,
		 const guint8 *ms_key,
		 const guint8 *ms_peer_zid)
{
	CfZrtpEngineConfig cfg = {0};
	g_autoptr (GError) error = NULL;
	CfZrtpEngine *e;

	fill_zid (cfg.zid, tag);
	cfg.ssrc = 0x1000u + tag;
	if (ka >= 0) {
		cfg.n_key_agreements = 1;
		cfg.key_agreements[0] = (CfZrtpKeyAgreement)ka;
	}
	cfg.lookup = cache != NULL ? cache_lookup : NULL;
	cfg.lookup_data = cache;
	cfg.multistream_session_key = ms_key;
	cfg.multistream_peer_zid = ms_peer_zid;
	e = cf_zrtp_engine_new (&cfg, &error);
	g_assert_no_error (error);
	g_assert_nonnull (e);
	return e;
}

/* An engine that prefers DH3k to X255 */
static CfZrtpEngine *
engine_new_dh3k_first (guint8 tag)
{
	CfZrtpEngineConfig cfg = {0};
	g_autoptr (GError) error = NULL;
	CfZrtpEngine *e;

	fill_zid (cfg.zid, tag);
	cfg.n_key_agreements = 2;
	cfg.key_agreements[0] = CF_ZRTP_KA_DH3K;
	cfg.key_agreements[1] = CF_ZRTP_KA_X255;
	e = cf_zrtp_engine_new (&cfg, &error);
	g_assert_no_error (error);
	return e;
}

static CfZrtpEngine *
engine_new (guint8 tag, int ka)
{
	return engine_new_full (tag, ka, NULL, NULL, NULL);
}

static void
assert_event (CfZrtpEngine *e, CfZrtpEventType type, CfZrtpFailure failure)
{
	CfZrtpEvent ev;

	g_assert_true (cf_zrtp_engine_pop_event (e, &ev));
	g_assert_cmpint (ev.type, ==, type);
	g_assert_cmpint (ev.failure, ==, failure);
	g_assert_false (cf_zrtp_engine_pop_event (e, &ev));
}

static void
assert_failed (CfZrtpEngine *e, CfZrtpFailure failure, guint32 code)
{
	CfZrtpEvent ev;

	g_assert_cmpint (cf_zrtp_engine_get_state (e), ==, CF_ZRTP_ENGINE_STATE_FAILED);
	g_assert_cmpstr (cf_zrtp_failure_to_string (cf_zrtp_engine_get_failure (e)),
			 ==,
			 cf_zrtp_failure_to_string (failure));
	g_assert_true (cf_zrtp_engine_pop_event (e, &ev));
	g_assert_cmpint (ev.type, ==, CF_ZRTP_EVENT_FAILED);
	g_assert_cmpint (ev.failure, ==, failure);
	g_assert_cmphex (ev.error_code, ==, code);
	g_assert_null (cf_zrtp_engine_get_srtp_keys (e));
}

/* Both SECURE with the same SAS and crossed SRTP keys; returns A's result. */
static CfZrtpResult
assert_secure_pair (CfZrtpEngine *a, CfZrtpEngine *b)
{
	CfZrtpResult ra, rb;
	g_autoptr (CfZrtpSrtpKeys) ka = NULL;
	g_autoptr (CfZrtpSrtpKeys) kb = NULL;
	guint8 sa[CF_ZRTP_HASH_LEN], sb[CF_ZRTP_HASH_LEN];

	g_assert_cmpint (cf_zrtp_engine_get_state (a), ==, CF_ZRTP_ENGINE_STATE_SECURE);
	g_assert_cmpint (cf_zrtp_engine_get_state (b), ==, CF_ZRTP_ENGINE_STATE_SECURE);
	assert_event (a, CF_ZRTP_EVENT_SECURE, CF_ZRTP_FAILURE_NONE);
	assert_event (b, CF_ZRTP_EVENT_SECURE, CF_ZRTP_FAILURE_NONE);
	g_assert_true (cf_zrtp_engine_get_result (a, &ra));
	g_assert_true (cf_zrtp_engine_get_result (b, &rb));
	g_assert_true (ra.initiator != rb.initiator);
	g_assert_cmpint (ra.multistream, ==, rb.multistream);
	g_assert_cmpmem (ra.sashash, CF_ZRTP_HASH_LEN, rb.sashash, CF_ZRTP_HASH_LEN);
	g_assert_cmpuint (ra.sasvalue, ==, rb.sasvalue);
	g_assert_cmpuint (ra.sasvalue,
			  ==,
			  ((guint32)ra.sashash[0] << 24) | ((guint32)ra.sashash[1] << 16)
				  | ((guint32)ra.sashash[2] << 8) | ra.sashash[3]);
	g_assert_cmpstr (ra.cipher, ==, rb.cipher);
	g_assert_cmpstr (ra.auth, ==, rb.auth);
	g_assert_cmpstr (ra.sas, ==, rb.sas);
	if (!ra.multistream)
		g_assert_cmpint (ra.key_agreement, ==, rb.key_agreement);

	ka = cf_zrtp_engine_get_srtp_keys (a);
	kb = cf_zrtp_engine_get_srtp_keys (b);
	g_assert_nonnull (ka);
	g_assert_nonnull (kb);
	g_assert_cmpuint (ka->key_len, ==, kb->key_len);
	g_assert_cmpuint (ka->salt_len, ==, CF_ZRTP_SRTP_SALT_LEN);
	g_assert_cmpmem (ka->tx_key, ka->key_len, kb->rx_key, kb->key_len);
	g_assert_cmpmem (ka->rx_key, ka->key_len, kb->tx_key, kb->key_len);
	g_assert_cmpmem (ka->tx_salt, ka->salt_len, kb->rx_salt, kb->salt_len);
	g_assert_cmpmem (ka->rx_salt, ka->salt_len, kb->tx_salt, kb->salt_len);
	g_assert_true (memcmp (ka->tx_key, ka->rx_key, ka->key_len) != 0);

	g_assert_true (cf_zrtp_engine_get_session_key (a, sa));
	g_assert_true (cf_zrtp_engine_get_session_key (b, sb));
	g_assert_cmpmem (sa, sizeof sa, sb, sizeof sb);
	return ra;
}

/* ---- tests: a full DH exchange ---- */

static GBytes *
hold_hello_ack_filter (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	/* the side @drop_from never acknowledges a Hello: the other side cannot
	 * commit and becomes the responder */
	if (type == CF_ZRTP_MSG_HELLO_ACK && from == net->drop_from) {
		g_bytes_unref (pkt);
		return NULL;
	}
	return pkt;
}

static void
run_dh (CfZrtpKeyAgreement ka, int initiator)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, ka);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, ka);
	Net net;
	CfZrtpResult ra, rb;
	guint8 rs_a[CF_ZRTP_HASH_LEN], rs_b[CF_ZRTP_HASH_LEN];
	guint8 zid_b[CF_ZRTP_ZID_LEN];

	net_init (&net, a, b);
	net.filter = hold_hello_ack_filter;
	net.drop_from = initiator; /* the initiator does not ack: the other cannot commit */
	net_start (&net);
	ra = assert_secure_pair (a, b);
	g_assert_true (cf_zrtp_engine_get_result (b, &rb));
	g_assert_true (ra.initiator == (initiator == 0));
	/* exactly one Commit was sent: no contention */
	g_assert_cmpuint (net.sent[initiator][CF_ZRTP_MSG_COMMIT], ==, 1);
	g_assert_cmpuint (net.sent[1 - initiator][CF_ZRTP_MSG_COMMIT], ==, 0);
	g_assert_cmpuint (net.sent[initiator][CF_ZRTP_MSG_DHPART2], ==, 1);
	g_assert_cmpuint (net.sent[1 - initiator][CF_ZRTP_MSG_DHPART1], ==, 1);
	g_assert_false (ra.multistream);
	g_assert_cmpint (ra.key_agreement, ==, ka);
	g_assert_cmpstr (ra.cipher, ==, "AES1");
	g_assert_cmpstr (ra.auth, ==, "HS80");
	g_assert_cmpstr (ra.sas, ==, "B32 ");
	g_assert_cmpint (ra.continuity, ==, CF_ZRTP_CONTINUITY_NEW);
	g_assert_cmpint (rb.continuity, ==, CF_ZRTP_CONTINUITY_NEW);
	g_assert_false (ra.peer_verified);
	fill_zid (zid_b, 0x20);
	g_assert_cmpmem (ra.peer_zid, CF_ZRTP_ZID_LEN, zid_b, CF_ZRTP_ZID_LEN);
	g_assert_true (cf_zrtp_engine_get_new_rs1 (a, rs_a));
	g_assert_true (cf_zrtp_engine_get_new_rs1 (b, rs_b));
	g_assert_cmpmem (rs_a, sizeof rs_a, rs_b, sizeof rs_b);
	g_assert_cmpint (cf_zrtp_engine_get_deadline (a), ==, -1);
	g_assert_cmpint (cf_zrtp_engine_get_deadline (b), ==, -1);
	g_assert_cmpuint (cf_zrtp_engine_get_dropped (a), ==, 0);
	g_assert_cmpuint (cf_zrtp_engine_get_dropped (b), ==, 0);
}

static void
test_x255_a_initiates (void)
{
	run_dh (CF_ZRTP_KA_X255, 0);
}

static void
test_x255_b_initiates (void)
{
	run_dh (CF_ZRTP_KA_X255, 1);
}

static void
test_dh3k_a_initiates (void)
{
	run_dh (CF_ZRTP_KA_DH3K, 0);
}

static void
test_dh3k_b_initiates (void)
{
	run_dh (CF_ZRTP_KA_DH3K, 1);
}

/* Default lists on both sides: X255 first. A offering only DH3k: DH3k. */
static void
test_preference (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (CfZrtpEngine) c = engine_new (0x30, CF_ZRTP_KA_DH3K);
	g_autoptr (CfZrtpEngine) d = engine_new (0x40, -1);
	Net net;
	CfZrtpResult r;

	net_init (&net, a, b);
	net_start (&net);
	r = assert_secure_pair (a, b);
	g_assert_cmpint (r.key_agreement, ==, CF_ZRTP_KA_X255);

	net_init (&net, c, d);
	net_start (&net);
	r = assert_secure_pair (c, d);
	g_assert_cmpint (r.key_agreement, ==, CF_ZRTP_KA_DH3K);

	/* first choices differ: the faster one, X255, whoever initiates (§4.1.2) */
	for (int initiator = 0; initiator < 2; initiator++) {
		g_autoptr (CfZrtpEngine) e = engine_new_dh3k_first (0x50);
		g_autoptr (CfZrtpEngine) f = engine_new (0x60, -1);

		net_init (&net, e, f);
		net.filter = hold_hello_ack_filter;
		net.drop_from = initiator;
		net_start (&net);
		r = assert_secure_pair (e, f);
		g_assert_true (r.initiator == (initiator == 0));
		g_assert_cmpint (r.key_agreement, ==, CF_ZRTP_KA_X255);
	}
}

/* X255 only against DH3k only: nothing in common, whoever tries. */
static void
test_no_common_key_agreement (void)
{
	for (int initiator = -1; initiator < 2; initiator++) {
		g_autoptr (CfZrtpEngine) a = engine_new (0x10, CF_ZRTP_KA_X255);
		g_autoptr (CfZrtpEngine) b = engine_new (0x20, CF_ZRTP_KA_DH3K);
		CfZrtpEngine *e[2] = {a, b};
		Net net;
		int first;

		net_init (&net, a, b);
		if (initiator >= 0) {
			net.filter = hold_hello_ack_filter;
			net.drop_from = initiator;
		}
		net_start (&net);
		/* the one that finds out says so with Error 0x53, the other hears it */
		first = cf_zrtp_engine_get_failure (a) == CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM ? 0
											      : 1;
		assert_failed (e[first], CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM, 0x53);
		assert_failed (e[1 - first], CF_ZRTP_FAILURE_PEER_ERROR, 0x53);
	}
}

/* Both commit at once (the plain exchange does that): one initiator. */
static void
test_contention (void)
{
	for (guint i = 0; i < 8; i++) {
		g_autoptr (CfZrtpEngine) a = engine_new (0x10, CF_ZRTP_KA_X255);
		g_autoptr (CfZrtpEngine) b = engine_new (0x20, CF_ZRTP_KA_X255);
		Net net;

		net_init (&net, a, b);
		net_start (&net);
		g_assert_cmpuint (net.sent[0][CF_ZRTP_MSG_COMMIT], >=, 1);
		g_assert_cmpuint (net.sent[1][CF_ZRTP_MSG_COMMIT], >=, 1);
		/* the loser answers with DHPart1, the winner never does */
		g_assert_true ((net.sent[0][CF_ZRTP_MSG_DHPART1] == 0)
			       != (net.sent[1][CF_ZRTP_MSG_DHPART1] == 0));
		assert_secure_pair (a, b);
	}
}

/* ---- a=zrtp-hash ---- */

static void
test_hello_hash_ok (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autofree char *attr_a = cf_zrtp_engine_get_zrtp_hash_attribute (a);
	g_autofree char *attr_b = cf_zrtp_engine_get_zrtp_hash_attribute (b);
	g_autofree char *upper = NULL;
	guint8 h[CF_ZRTP_HASH_LEN];
	char hex[2 * CF_ZRTP_HASH_LEN + 1];
	Net net;

	cf_zrtp_engine_get_hello_hash (a, h);
	sodium_bin2hex (hex, sizeof hex, h, sizeof h);
	g_assert_true (g_str_has_prefix (attr_a, "1.10 "));
	g_assert_cmpstr (attr_a + 5, ==, hex);
	g_assert_cmpstr (attr_a, !=, attr_b);

	/* B knows A's hash before the Hello, A learns B's afterwards */
	g_assert_true (cf_zrtp_engine_set_peer_hello_hash (b, attr_a));
	net_init (&net, a, b);
	net_start (&net);
	assert_secure_pair (a, b);
	g_assert_true (cf_zrtp_engine_set_peer_hello_hash (a, attr_b));
	g_assert_cmpint (cf_zrtp_engine_get_state (a), ==, CF_ZRTP_ENGINE_STATE_SECURE);
	/* the bare 64 hex digits, in upper case, are accepted too */
	upper = g_ascii_strup (attr_b + 5, -1);
	g_assert_true (cf_zrtp_engine_set_peer_hello_hash (a, upper));
	g_assert_cmpint (cf_zrtp_engine_get_state (a), ==, CF_ZRTP_ENGINE_STATE_SECURE);
}

static void
test_hello_hash_bad (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (CfZrtpEngine) c = engine_new (0x30, -1);
	g_autoptr (CfZrtpEngine) d = engine_new (0x40, -1);
	g_autofree char *attr_c = cf_zrtp_engine_get_zrtp_hash_attribute (c);
	g_autofree char *attr_b = cf_zrtp_engine_get_zrtp_hash_attribute (b);
	g_autofree char *wrong = g_strdup (attr_b);
	Net net;

	/* values that do not parse change nothing */
	g_assert_false (cf_zrtp_engine_set_peer_hello_hash (a, NULL));
	g_assert_false (cf_zrtp_engine_set_peer_hello_hash (a, "1.10 abcd"));
	g_assert_false (cf_zrtp_engine_set_peer_hello_hash (a, ""));
	wrong[10] = 'z';
	g_assert_false (cf_zrtp_engine_set_peer_hello_hash (a, wrong));

	/* B expects C's Hello and gets A's */
	g_assert_true (cf_zrtp_engine_set_peer_hello_hash (b, attr_c));
	net_init (&net, a, b);
	net_start (&net);
	assert_failed (b, CF_ZRTP_FAILURE_HELLO_HASH, 0);
	g_assert_cmpint (cf_zrtp_engine_get_state (a), !=, CF_ZRTP_ENGINE_STATE_SECURE);

	/* a wrong hash learnt after the exchange ends a secure stream */
	net_init (&net, c, d);
	net_start (&net);
	assert_secure_pair (c, d);
	g_assert_true (cf_zrtp_engine_set_peer_hello_hash (d, attr_b));
	assert_failed (d, CF_ZRTP_FAILURE_HELLO_HASH, 0);
}

/* ---- loss and retransmission ---- */

typedef struct {
	CfZrtpMessageType type;
	int from; /* -1: whichever sends it first */
} LossCase;

static void
test_loss (gconstpointer data)
{
	const LossCase *lc = data;
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, CF_ZRTP_KA_X255);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, CF_ZRTP_KA_X255);
	Net net;
	guint total_dropped = 0;

	net_init (&net, a, b);
	net.drop_type = lc->type;
	net.drop_from = lc->from;
	net.drop_count = 1;
	net_start (&net);
	for (int i = 0; i < 2; i++)
		total_dropped += net.dropped[i][lc->type];
	g_assert_cmpuint (total_dropped, ==, 1);
	assert_secure_pair (a, b);
	/* the lost message (or the one it answers) went again */
	g_assert_cmpuint (net.sent[0][lc->type] + net.sent[1][lc->type], >=, 2);
}

static GBytes *
drop_all_from_b (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	if (from == 1) {
		g_bytes_unref (pkt);
		return NULL;
	}
	return pkt;
}

static void
test_timeout_hello (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	Net net;
	gint64 t0;

	/* nothing from B reaches A (B hears A) */
	net_init (&net, a, b);
	net.filter = drop_all_from_b;
	t0 = net.now;
	net_start (&net);
	assert_failed (a, CF_ZRTP_FAILURE_TIMEOUT, 0);
	/* first Hello and 20 retransmissions, 50 ms doubling to 200 ms */
	g_assert_cmpuint (net.sent[0][CF_ZRTP_MSG_HELLO], ==, 21);
	g_assert_cmpint (net.now - t0, ==, 50000 + 100000 + 19 * 200000);
	g_assert_cmpint (cf_zrtp_engine_get_deadline (a), ==, -1);
}

static GBytes *
drop_all_from_b_after_hello (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	if (from == 1 && type != CF_ZRTP_MSG_HELLO) {
		g_bytes_unref (pkt);
		return NULL;
	}
	return pkt;
}

static void
test_timeout_commit (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	Net net;

	/* only B's Hello reaches A: A's Hello is never acknowledged, A never
	 * commits and gives up after its Hello retransmissions (B's Commit is
	 * lost too) */
	net_init (&net, a, b);
	net.filter = drop_all_from_b_after_hello;
	cf_zrtp_engine_start (a, net.now);
	cf_zrtp_engine_start (b, net.now);
	net_run (&net);
	assert_failed (a, CF_ZRTP_FAILURE_TIMEOUT, 0);
	g_assert_cmpuint (net.sent[0][CF_ZRTP_MSG_COMMIT], ==, 0);
}

static GBytes *
drop_dhpart1 (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	if (type == CF_ZRTP_MSG_DHPART1 || (type == CF_ZRTP_MSG_HELLO_ACK && from == 0)) {
		g_bytes_unref (pkt);
		return NULL;
	}
	return pkt;
}

static void
test_timeout_dhpart (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	Net net;

	net_init (&net, a, b);
	net.filter = drop_dhpart1;
	net_start (&net);
	/* A resent its Commit 10 times, then gave up and said so */
	g_assert_cmpuint (net.sent[0][CF_ZRTP_MSG_COMMIT], ==, 11);
	assert_failed (a, CF_ZRTP_FAILURE_TIMEOUT, 0xb0);
	assert_failed (b, CF_ZRTP_FAILURE_PEER_ERROR, 0xb0);
}

/* ---- tampering ---- */

typedef void (*Tamper) (CfZrtpMessage *msg);

typedef struct {
	CfZrtpMessageType type;
	Tamper tamper;
	int victim; /* the engine that must detect it */
	CfZrtpFailure failure;
	guint32 code;
	CfZrtpKeyAgreement ka; /* X255 unless said */
} TamperCase;

static GBytes *
rebuild (GBytes *pkt, Tamper tamper)
{
	g_autoptr (CfZrtpMessage) msg = NULL;
	g_autoptr (GError) error = NULL;
	guint16 seq = 0;
	guint32 ssrc = 0;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (pkt, &len);
	GBytes *out;

	g_assert_true (cf_zrtp_packet_parse (data, len, &seq, &ssrc, &msg, NULL));
	tamper (msg);
	g_assert_true (cf_zrtp_message_encode (msg, &error));
	g_assert_no_error (error);
	out = cf_zrtp_packet_build (seq, ssrc, msg, &error);
	g_assert_no_error (error);
	g_bytes_unref (pkt);
	return out;
}

static GBytes *
tamper_filter (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	const TamperCase *tc = net->data;

	/* A initiates (B's HelloACKs held back), no contention */
	if (type == CF_ZRTP_MSG_HELLO_ACK && from == 0) {
		g_bytes_unref (pkt);
		return NULL;
	}
	if (type == tc->type && net->drop_count > 0) {
		net->drop_count--;
		return rebuild (pkt, tc->tamper);
	}
	return pkt;
}

static void
flip_pv (CfZrtpMessage *msg)
{
	gsize len = 0;
	g_autofree guint8 *pv = g_bytes_unref_to_data (msg->dhpart.pv, &len);

	pv[len / 2] ^= 0x01;
	msg->dhpart.pv = g_bytes_new (pv, len);
}

/* pv = 0 (X255: a low-order point; DH3k: refused) */
static void
zero_pv (CfZrtpMessage *msg)
{
	gsize len = g_bytes_get_size (msg->dhpart.pv);

	g_bytes_unref (msg->dhpart.pv);
	msg->dhpart.pv = g_bytes_new_take (g_malloc0 (len), len);
}

/* pv = 1 as a big-endian number (DH3k refuses it) */
static void
one_pv (CfZrtpMessage *msg)
{
	gsize len = g_bytes_get_size (msg->dhpart.pv);
	guint8 *pv = g_malloc0 (len);

	pv[len - 1] = 1;
	g_bytes_unref (msg->dhpart.pv);
	msg->dhpart.pv = g_bytes_new_take (pv, len);
}

/* a pv of the wrong length for the key agreement */
static void
short_pv (CfZrtpMessage *msg)
{
	g_autoptr (GBytes) old = msg->dhpart.pv;

	msg->dhpart.pv = g_bytes_new_from_bytes (old, 0, g_bytes_get_size (old) - 4);
}

static void
flip_h1 (CfZrtpMessage *msg)
{
	msg->dhpart.h1[0] ^= 0x80;
}

static void
flip_rs1_id (CfZrtpMessage *msg)
{
	msg->dhpart.rs1_id[3] ^= 0x01;
}

static void
flip_hvi (CfZrtpMessage *msg)
{
	msg->commit.hvi[31] ^= 0x01;
}

static void
change_cipher (CfZrtpMessage *msg)
{
	memcpy (msg->commit.cipher, "AES2", 5);
}

static void
flip_hello_client (CfZrtpMessage *msg)
{
	msg->hello.client_id[0] ^= 0x01;
}

static void
flip_confirm (CfZrtpMessage *msg)
{
	gsize len = 0;
	g_autofree guint8 *enc = g_bytes_unref_to_data (msg->confirm.encrypted, &len);

	enc[5] ^= 0x20;
	msg->confirm.encrypted = g_bytes_new (enc, len);
}

static void
flip_confirm_mac (CfZrtpMessage *msg)
{
	msg->confirm.mac[0] ^= 0x01;
}

static void
run_tamper (const TamperCase *tc, Cache *ca, Cache *cb)
{
	g_autoptr (CfZrtpEngine) a = engine_new_full (0x10, tc->ka, ca, NULL, NULL);
	g_autoptr (CfZrtpEngine) b = engine_new_full (0x20, tc->ka, cb, NULL, NULL);
	CfZrtpEngine *e[2] = {a, b};
	Net net;

	net_init (&net, a, b);
	net.filter = tamper_filter;
	net.data = (gpointer)tc;
	net.drop_count = 1;
	net_start (&net);
	g_assert_cmpuint (net.drop_count, ==, 0);
	assert_failed (e[tc->victim], tc->failure, tc->code);
	if (tc->code != 0)
		assert_failed (e[1 - tc->victim], CF_ZRTP_FAILURE_PEER_ERROR, tc->code);
	else
		g_assert_cmpint (cf_zrtp_engine_get_state (e[1 - tc->victim]),
				 !=,
				 CF_ZRTP_ENGINE_STATE_SECURE);
}

static void
test_tamper (gconstpointer data)
{
	run_tamper (data, NULL, NULL);
}

static GBytes *
bad_crc_filter (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	if (type == net->drop_type && net->drop_count > 0) {
		gsize len = 0;
		guint8 *copy = g_bytes_unref_to_data (pkt, &len);

		net->drop_count--;
		copy[len - 1] ^= 0x55;
		return g_bytes_new_take (copy, len);
	}
	return pkt;
}

/* A bad CRC is corruption on the way: dropped, counted, recovered. */
static void
test_bad_crc (void)
{
	static const CfZrtpMessageType types[] = {
		CF_ZRTP_MSG_HELLO,
		CF_ZRTP_MSG_COMMIT,
		CF_ZRTP_MSG_DHPART1,
		CF_ZRTP_MSG_DHPART2,
		CF_ZRTP_MSG_CONFIRM1,
		CF_ZRTP_MSG_CONFIRM2,
	};

	for (guint i = 0; i < G_N_ELEMENTS (types); i++) {
		g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
		g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
		Net net;

		net_init (&net, a, b);
		net.filter = bad_crc_filter;
		net.drop_type = types[i];
		net.drop_count = 1;
		net_start (&net);
		g_assert_cmpuint (net.drop_count, ==, 0);
		g_assert_cmpuint (
			cf_zrtp_engine_get_dropped (a) + cf_zrtp_engine_get_dropped (b), ==, 1);
		assert_secure_pair (a, b);
	}
}

/* ---- a man in the middle ---- */

static void
test_mitm (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) m1 = engine_new (0x50, -1);
	g_autoptr (CfZrtpEngine) m2 = engine_new (0x60, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autofree char *attr_b = cf_zrtp_engine_get_zrtp_hash_attribute (b);
	g_autoptr (CfZrtpEngine) a2 = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) m3 = engine_new (0x50, -1);
	Net n1, n2;
	CfZrtpResult r1, r2;

	net_init (&n1, a, m1);
	net_init (&n2, m2, b);
	net_start (&n1);
	net_start (&n2);
	r1 = assert_secure_pair (a, m1);
	r2 = assert_secure_pair (m2, b);
	/* each leg completes, but A and B read different codes */
	g_assert_true (memcmp (r1.sashash, r2.sashash, CF_ZRTP_HASH_LEN) != 0);

	/* with B's a=zrtp-hash from signalling, A refuses the man in the middle */
	g_assert_true (cf_zrtp_engine_set_peer_hello_hash (a2, attr_b));
	net_init (&n1, a2, m3);
	net_start (&n1);
	assert_failed (a2, CF_ZRTP_FAILURE_HELLO_HASH, 0);
}

/* ---- the cache: continuity ---- */

static void
run_cached (Cache *ca, Cache *cb, CfZrtpContinuity want_a, CfZrtpContinuity want_b, int initiator)
{
	g_autoptr (CfZrtpEngine) a = engine_new_full (0x10, -1, ca, NULL, NULL);
	g_autoptr (CfZrtpEngine) b = engine_new_full (0x20, -1, cb, NULL, NULL);
	Net net;
	CfZrtpResult ra, rb;

	net_init (&net, a, b);
	net.filter = hold_hello_ack_filter;
	net.drop_from = initiator;
	net_start (&net);
	ra = assert_secure_pair (a, b);
	g_assert_true (cf_zrtp_engine_get_result (b, &rb));
	g_assert_cmpint (ra.continuity, ==, want_a);
	g_assert_cmpint (rb.continuity, ==, want_b);
	g_assert_true (ra.peer_verified
		       == (cb->secrets.verified && want_b == CF_ZRTP_CONTINUITY_CONTINUED));
	g_assert_true (rb.peer_verified
		       == (ca->secrets.verified && want_a == CF_ZRTP_CONTINUITY_CONTINUED));
	cache_update (ca, a);
	cache_update (cb, b);
}

static void
test_cache_continued (void)
{
	Cache ca = {0}, cb = {0};
	Cache saved;
	guint8 rs1_before[CF_ZRTP_HASH_LEN];

	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_NEW, CF_ZRTP_CONTINUITY_NEW, 0);
	g_assert_cmpuint (ca.calls, ==, 1);
	g_assert_cmpmem (ca.secrets.rs1, CF_ZRTP_HASH_LEN, cb.secrets.rs1, CF_ZRTP_HASH_LEN);
	memcpy (rs1_before, ca.secrets.rs1, CF_ZRTP_HASH_LEN);

	/* both hold rs1: continued, in both roles; B has verified A */
	cb.secrets.verified = TRUE;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 0);
	g_assert_true (ca.secrets.has_rs2);
	g_assert_cmpmem (ca.secrets.rs2, CF_ZRTP_HASH_LEN, rs1_before, CF_ZRTP_HASH_LEN);
	g_assert_true (memcmp (ca.secrets.rs1, rs1_before, CF_ZRTP_HASH_LEN) != 0);
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 1);

	/* A misses an update (its rs1 is B's rs2 next time): still continued */
	saved = ca;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 0);
	ca = saved;
	g_assert_cmpmem (ca.secrets.rs1, CF_ZRTP_HASH_LEN, cb.secrets.rs2, CF_ZRTP_HASH_LEN);
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 1);
	/* now B misses one */
	saved = cb;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 1);
	cb = saved;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 0);
	/* the newest secrets agree again */
	g_assert_cmpmem (ca.secrets.rs1, CF_ZRTP_HASH_LEN, cb.secrets.rs1, CF_ZRTP_HASH_LEN);
}

/* The matched secret goes into s0: both caches hold the same rs1, but B's
 * rs1IDr is changed on the way in DHPart1, so A (initiator) finds no match
 * and leaves s1 out while B uses it. The keys differ and A finds Confirm1's
 * MAC wrong (before it could find DHPart1's MAC wrong). */
static void
test_cache_s1_in_s0 (void)
{
	static const TamperCase tc = {
		CF_ZRTP_MSG_DHPART1, flip_rs1_id, 0, CF_ZRTP_FAILURE_CONFIRM_MAC, 0x70};
	Cache ca = {0}, cb = {0};

	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_NEW, CF_ZRTP_CONTINUITY_NEW, 0);
	run_tamper (&tc, &ca, &cb);
	/* the same exchange untouched: continued */
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 0);
}

/* One side loses its cache; an impostor with other secrets. */
static void
test_cache_lost (void)
{
	Cache ca = {0}, cb = {0};
	Cache empty = {0};

	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_NEW, CF_ZRTP_CONTINUITY_NEW, 0);
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_CONTINUED, CF_ZRTP_CONTINUITY_CONTINUED, 1);
	/* B loses its cache: NEW for B, MISMATCH for A, in both roles */
	cb = empty;
	ca.secrets.verified = TRUE;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_MISMATCH, CF_ZRTP_CONTINUITY_NEW, 0);
	cb = empty;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_MISMATCH, CF_ZRTP_CONTINUITY_NEW, 1);
	/* a cache with other secrets for B (an impostor with B's ZID) */
	randombytes_buf (cb.secrets.rs1, CF_ZRTP_HASH_LEN);
	randombytes_buf (cb.secrets.rs2, CF_ZRTP_HASH_LEN);
	cb.secrets.has_rs2 = TRUE;
	run_cached (&ca, &cb, CF_ZRTP_CONTINUITY_MISMATCH, CF_ZRTP_CONTINUITY_MISMATCH, 0);
}

/* ---- Multistream ---- */

static void
run_multistream (int initiator)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (CfZrtpEngine) a2 = NULL;
	g_autoptr (CfZrtpEngine) b2 = NULL;
	g_autoptr (CfZrtpSrtpKeys) k1 = NULL;
	g_autoptr (CfZrtpSrtpKeys) k2 = NULL;
	guint8 sess_a[CF_ZRTP_HASH_LEN], sess_b[CF_ZRTP_HASH_LEN], sess2[CF_ZRTP_HASH_LEN];
	guint8 zid_a[CF_ZRTP_ZID_LEN], zid_b[CF_ZRTP_ZID_LEN];
	guint8 rs1[CF_ZRTP_HASH_LEN];
	Net net;
	CfZrtpResult r;

	net_init (&net, a, b);
	net_start (&net);
	assert_secure_pair (a, b);
	g_assert_true (cf_zrtp_engine_get_session_key (a, sess_a));
	g_assert_true (cf_zrtp_engine_get_session_key (b, sess_b));
	fill_zid (zid_a, 0x10);
	fill_zid (zid_b, 0x20);

	a2 = engine_new_full (0x10, -1, NULL, sess_a, zid_b);
	b2 = engine_new_full (0x20, -1, NULL, sess_b, zid_a);
	net_init (&net, a2, b2);
	if (initiator >= 0) {
		net.filter = hold_hello_ack_filter;
		net.drop_from = initiator;
	}
	net_start (&net);
	r = assert_secure_pair (a2, b2);
	g_assert_true (r.multistream);
	g_assert_cmpint (r.continuity, ==, CF_ZRTP_CONTINUITY_CONTINUED);
	if (initiator >= 0)
		g_assert_true (r.initiator == (initiator == 0));
	/* no DH: no DHPart at all; Confirm1 answers the Commit */
	g_assert_cmpuint (net.sent[0][CF_ZRTP_MSG_DHPART1] + net.sent[1][CF_ZRTP_MSG_DHPART1]
				  + net.sent[0][CF_ZRTP_MSG_DHPART2]
				  + net.sent[1][CF_ZRTP_MSG_DHPART2],
			  ==,
			  0);
	g_assert_false (cf_zrtp_engine_get_new_rs1 (a2, rs1));
	g_assert_true (cf_zrtp_engine_get_session_key (a2, sess2));
	g_assert_cmpmem (sess2, sizeof sess2, sess_a, sizeof sess_a);

	k1 = cf_zrtp_engine_get_srtp_keys (a);
	k2 = cf_zrtp_engine_get_srtp_keys (a2);
	g_assert_true (memcmp (k1->tx_key, k2->tx_key, k1->key_len) != 0);
	g_assert_true (memcmp (k1->rx_key, k2->rx_key, k1->key_len) != 0);
	g_assert_true (memcmp (k1->tx_salt, k2->tx_salt, k1->salt_len) != 0);
}

static void
test_multistream_contention (void)
{
	run_multistream (-1);
}

static void
test_multistream_a (void)
{
	run_multistream (0);
}

static void
test_multistream_b (void)
{
	run_multistream (1);
}

/* Multistream with a wrong session key: the Confirm MAC tells. */
static void
test_multistream_wrong_key (void)
{
	guint8 k1[CF_ZRTP_HASH_LEN], k2[CF_ZRTP_HASH_LEN];
	guint8 zid_a[CF_ZRTP_ZID_LEN], zid_b[CF_ZRTP_ZID_LEN];
	g_autoptr (CfZrtpEngine) a = NULL;
	g_autoptr (CfZrtpEngine) b = NULL;
	Net net;

	randombytes_buf (k1, sizeof k1);
	randombytes_buf (k2, sizeof k2);
	fill_zid (zid_a, 0x10);
	fill_zid (zid_b, 0x20);
	a = engine_new_full (0x10, -1, NULL, k1, zid_b);
	b = engine_new_full (0x20, -1, NULL, k2, zid_a);
	net_init (&net, a, b);
	net.filter = hold_hello_ack_filter;
	net.drop_from = 0;
	net_start (&net);
	/* B (responder) sent Confirm1 under its key; A cannot verify it */
	assert_failed (a, CF_ZRTP_FAILURE_CONFIRM_MAC, 0x70);
	assert_failed (b, CF_ZRTP_FAILURE_PEER_ERROR, 0x70);
}

/* ---- other messages ---- */

static GBytes *
make_packet (CfZrtpMessage *msg, guint16 seq)
{
	g_autoptr (GError) error = NULL;
	GBytes *pkt;

	g_assert_true (cf_zrtp_message_encode (msg, &error));
	pkt = cf_zrtp_packet_build (seq, 0x4242, msg, &error);
	g_assert_no_error (error);
	return pkt;
}

static void
feed (CfZrtpEngine *e, GBytes *pkt, gint64 now)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data (pkt, &len);

	cf_zrtp_engine_receive (e, data, len, now);
}

/* Pops every queued packet and returns the last one of @type (or NULL). */
static CfZrtpMessage *
pop_of_type (CfZrtpEngine *e, CfZrtpMessageType type)
{
	CfZrtpMessage *found = NULL;
	GBytes *pkt;

	while ((pkt = cf_zrtp_engine_pop_packet (e)) != NULL) {
		CfZrtpMessage *msg = NULL;
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (pkt, &len);

		g_assert_true (cf_zrtp_packet_parse (data, len, NULL, NULL, &msg, NULL));
		if (msg->type == type) {
			cf_zrtp_message_free (found);
			found = msg;
		} else {
			cf_zrtp_message_free (msg);
		}
		g_bytes_unref (pkt);
	}
	return found;
}

static void
test_peer_error (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpMessage) err = cf_zrtp_message_new (CF_ZRTP_MSG_ERROR);
	g_autoptr (CfZrtpMessage) ack = NULL;
	g_autoptr (GBytes) pkt = NULL;

	cf_zrtp_engine_start (a, 0);
	err->error_code = 0x52;
	pkt = make_packet (err, 7);
	feed (a, pkt, 10);
	assert_failed (a, CF_ZRTP_FAILURE_PEER_ERROR, 0x52);
	ack = pop_of_type (a, CF_ZRTP_MSG_ERROR_ACK);
	g_assert_nonnull (ack);
	g_assert_cmpint (cf_zrtp_engine_get_deadline (a), ==, -1);
	/* a retransmitted Error is acknowledged again, no second event */
	feed (a, pkt, 20);
	g_clear_pointer (&ack, cf_zrtp_message_free);
	ack = pop_of_type (a, CF_ZRTP_MSG_ERROR_ACK);
	g_assert_nonnull (ack);
	g_assert_false (cf_zrtp_engine_pop_event (a, NULL));
}

/* An Error (unauthenticated) cannot end a secure stream. */
static void
test_error_after_secure (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (CfZrtpMessage) err = cf_zrtp_message_new (CF_ZRTP_MSG_ERROR);
	g_autoptr (GBytes) pkt = NULL;
	Net net;

	net_init (&net, a, b);
	net_start (&net);
	assert_secure_pair (a, b);
	err->error_code = 0x10;
	pkt = make_packet (err, 7);
	feed (a, pkt, net.now);
	g_assert_cmpint (cf_zrtp_engine_get_state (a), ==, CF_ZRTP_ENGINE_STATE_SECURE);
	g_assert_false (cf_zrtp_engine_pop_event (a, NULL));
}

static void
test_ping_goclear (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpMessage) ping = cf_zrtp_message_new (CF_ZRTP_MSG_PING);
	g_autoptr (CfZrtpMessage) ack = NULL;
	g_autoptr (CfZrtpMessage) err = NULL;
	g_autoptr (GBytes) pkt = NULL;
	g_autoptr (GBytes) goclear = NULL;
	guint8 zid[CF_ZRTP_ZID_LEN], h[32];
	/* GoClear is parse-only in the codec: build it by hand */
	guint8 gc[CF_ZRTP_PACKET_HEADER_LEN + 20 + CF_ZRTP_CRC_LEN] = {
		0x10, 0x00, 0x00, 0x09, 0x5a, 0x52, 0x54, 0x50, 0,   0,	  0x42, 0x42,
		0x50, 0x5a, 0x00, 0x05, 'G',  'o',  'C',  'l',	'e', 'a', 'r',	' ',
	};
	guint32 crc;

	cf_zrtp_engine_start (a, 0);
	ack = pop_of_type (a, CF_ZRTP_MSG_HELLO);
	g_assert_nonnull (ack);
	g_clear_pointer (&ack, cf_zrtp_message_free);

	memcpy (ping->ping.version, "1.10", 5);
	memset (ping->ping.endpoint_hash, 0xab, 8);
	pkt = make_packet (ping, 3);
	feed (a, pkt, 1);
	ack = pop_of_type (a, CF_ZRTP_MSG_PING_ACK);
	g_assert_nonnull (ack);
	g_assert_cmpstr (ack->ping_ack.version, ==, "1.10");
	g_assert_cmpmem (ack->ping_ack.received_endpoint_hash, 8, ping->ping.endpoint_hash, 8);
	g_assert_cmphex (ack->ping_ack.received_ssrc, ==, 0x4242);
	fill_zid (zid, 0x10);
	crypto_hash_sha256 (h, zid, sizeof zid);
	g_assert_cmpmem (ack->ping_ack.sender_endpoint_hash, 8, h, 8);

	crc = cf_zrtp_crc32c (gc, sizeof gc - 4);
	gc[sizeof gc - 4] = (guint8)crc;
	gc[sizeof gc - 3] = (guint8)(crc >> 8);
	gc[sizeof gc - 2] = (guint8)(crc >> 16);
	gc[sizeof gc - 1] = (guint8)(crc >> 24);
	goclear = g_bytes_new (gc, sizeof gc);
	feed (a, goclear, 2);
	err = pop_of_type (a, CF_ZRTP_MSG_ERROR);
	g_assert_nonnull (err);
	g_assert_cmphex (err->error_code, ==, 0x100);
	g_assert_cmpint (cf_zrtp_engine_get_state (a), ==, CF_ZRTP_ENGINE_STATE_DISCOVERY);
	g_assert_cmpuint (cf_zrtp_engine_get_dropped (a), ==, 0);
}

/* Our own Hello looped back: equal ZIDs. */
static void
test_equal_zid (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x10, -1);
	Net net;

	net_init (&net, a, b);
	net_start (&net);
	assert_failed (a, CF_ZRTP_FAILURE_PROTOCOL, 0x90);
	assert_failed (b, CF_ZRTP_FAILURE_PROTOCOL, 0x90);
}

static void
test_bad_config (void)
{
	CfZrtpEngineConfig cfg = {0};
	g_autoptr (GError) error = NULL;
	CfZrtpEngine *e;
	guint8 key[CF_ZRTP_HASH_LEN] = {0};

	cfg.client_id = "a client id that is too long";
	e = cf_zrtp_engine_new (&cfg, &error);
	g_assert_null (e);
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	g_clear_error (&error);

	cfg.client_id = NULL;
	cfg.n_key_agreements = 2;
	cfg.key_agreements[0] = cfg.key_agreements[1] = CF_ZRTP_KA_X255;
	e = cf_zrtp_engine_new (&cfg, &error);
	g_assert_null (e);
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	g_clear_error (&error);

	cfg.n_key_agreements = 0;
	cfg.multistream_session_key = key;
	e = cf_zrtp_engine_new (&cfg, &error);
	g_assert_null (e);
	g_assert_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID);
	g_clear_error (&error);

	cfg.multistream_session_key = NULL;
	cfg.client_id = "0123456789abcdef";
	e = cf_zrtp_engine_new (&cfg, &error);
	g_assert_no_error (error);
	g_assert_cmpint (cf_zrtp_engine_get_state (e), ==, CF_ZRTP_ENGINE_STATE_IDLE);
	g_assert_cmpint (cf_zrtp_engine_get_deadline (e), ==, -1);
	g_assert_null (cf_zrtp_engine_pop_packet (e));
	g_assert_false (cf_zrtp_engine_get_result (e, NULL));
	g_assert_false (cf_zrtp_engine_get_session_key (e, key));
	g_assert_null (cf_zrtp_engine_get_srtp_keys (e));
	cf_zrtp_engine_free (e);
	cf_zrtp_engine_free (NULL);
	cf_zrtp_srtp_keys_free (NULL);
	g_assert_cmpstr (cf_zrtp_failure_to_string (CF_ZRTP_FAILURE_COMMITMENT), ==, "commitment");
}

/* ---- hostile input ---- */

static void
test_garbage (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (CfZrtpEngine) c = engine_new (0x30, -1);
	g_autoptr (CfZrtpEngine) d = engine_new (0x40, -1);
	g_autoptr (GPtrArray) captured =
		g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
	g_autoptr (GRand) rand = g_rand_new_with_seed (6189);
	guint64 fed = 0;
	Net net, n2;

	/* a real exchange, every packet kept */
	net_init (&net, a, b);
	net.captured = captured;
	net_start (&net);
	assert_secure_pair (a, b);
	g_assert_cmpuint (captured->len, >=, 8);

	/* C and D start; C gets garbage before D's packets */
	net_init (&n2, c, d);
	cf_zrtp_engine_start (c, n2.now);
	cf_zrtp_engine_start (d, n2.now);
	for (guint i = 0; i < 2000; i++) {
		guint8 buf[CF_ZRTP_MAX_PACKET + 64];
		gsize len = g_rand_int_range (rand, 0, sizeof buf);

		for (gsize k = 0; k < len; k++)
			buf[k] = (guint8)g_rand_int (rand);
		/* half of them look like ZRTP at first sight */
		if (i % 2 == 0 && len >= 12) {
			buf[0] = 0x10;
			buf[1] = 0x00;
			buf[4] = 0x5a;
			buf[5] = 0x52;
			buf[6] = 0x54;
			buf[7] = 0x50;
		}
		cf_zrtp_engine_receive (c, buf, len, n2.now);
		fed++;
	}
	cf_zrtp_engine_receive (c, NULL, 0, n2.now);
	fed++;
	/* every real packet cut short, and with its CRC fixed so the message
	 * parser sees the truncated message */
	for (guint i = 0; i < captured->len; i++) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (captured->pdata[i], &len);

		for (gsize cut = 0; cut < len; cut++) {
			cf_zrtp_engine_receive (c, data, cut, n2.now);
			fed++;
		}
	}
	g_assert_cmpuint (cf_zrtp_engine_get_dropped (c), ==, fed);
	for (guint i = 0; i < captured->len; i++) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (captured->pdata[i], &len);

		for (gsize cut = CF_ZRTP_PACKET_HEADER_LEN; cut + 4 < len; cut += 4) {
			g_autofree guint8 *copy = g_memdup2 (data, cut + 4);
			guint32 crc;

			/* message length field still says the full length */
			crc = cf_zrtp_crc32c (copy, cut);
			copy[cut] = (guint8)crc;
			copy[cut + 1] = (guint8)(crc >> 8);
			copy[cut + 2] = (guint8)(crc >> 16);
			copy[cut + 3] = (guint8)(crc >> 24);
			cf_zrtp_engine_receive (c, copy, cut + 4, n2.now);
			fed++;
		}
	}
	g_assert_cmpuint (cf_zrtp_engine_get_dropped (c), ==, fed);
	/* nothing of that moved C: it still completes with D */
	g_assert_cmpint (cf_zrtp_engine_get_state (c), ==, CF_ZRTP_ENGINE_STATE_DISCOVERY);
	g_assert_false (cf_zrtp_engine_pop_event (c, NULL));
	net_run (&n2);
	assert_secure_pair (c, d);

	/* the other exchange's packets, whole, into a finished stream: ignored */
	for (guint i = 0; i < captured->len; i++)
		feed (c, captured->pdata[i], n2.now);
	g_assert_cmpint (cf_zrtp_engine_get_state (c), ==, CF_ZRTP_ENGINE_STATE_SECURE);
}

/* Real packets with bytes of the message body changed and the CRC made right
 * again, so that they reach the message parser and the state machine: fed to
 * engines at each stage of an exchange (as initiator and as responder).
 * Nothing may crash or go SECURE with something else than its real peer. */
static void
test_mutations (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (GPtrArray) captured =
		g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
	g_autoptr (GRand) rand = g_rand_new_with_seed (4711);
	Net net;

	net_init (&net, a, b);
	net.captured = captured;
	net_start (&net);
	assert_secure_pair (a, b);

	for (guint round = 0; round < 40; round++) {
		g_autoptr (CfZrtpEngine) x = engine_new (0x30, -1);
		g_autoptr (CfZrtpEngine) y = engine_new (0x40, -1);
		CfZrtpResult rx, ry;
		Net n2;

		/* stop the exchange of X and Y after @round % 8 packet moves */
		net_init (&n2, x, y);
		n2.filter = hold_hello_ack_filter;
		n2.drop_from = round % 2;
		cf_zrtp_engine_start (x, n2.now);
		cf_zrtp_engine_start (y, n2.now);
		for (guint step = 0; step < round % 8; step++) {
			for (int i = 0; i < 2; i++) {
				g_autoptr (GBytes) pkt = cf_zrtp_engine_pop_packet (n2.e[i]);

				if (pkt != NULL && packet_type (pkt) != CF_ZRTP_MSG_HELLO_ACK)
					feed (n2.e[1 - i], pkt, n2.now);
			}
		}
		for (guint k = 0; k < 200; k++) {
			GBytes *orig = captured->pdata[g_rand_int_range (rand, 0, captured->len)];
			gsize len = 0;
			const guint8 *data = g_bytes_get_data (orig, &len);
			g_autofree guint8 *copy = g_memdup2 (data, len);
			guint flips = g_rand_int_range (rand, 1, 4);
			guint32 crc;

			if (len <= 28)
				continue; /* no body: HelloACK, Conf2ACK */

			for (guint f = 0; f < flips; f++) {
				gsize at = g_rand_int_range (rand, 24, len - 4);

				copy[at] ^= (guint8)g_rand_int_range (rand, 1, 256);
			}
			crc = cf_zrtp_crc32c (copy, len - 4);
			copy[len - 4] = (guint8)crc;
			copy[len - 3] = (guint8)(crc >> 8);
			copy[len - 2] = (guint8)(crc >> 16);
			copy[len - 1] = (guint8)(crc >> 24);
			cf_zrtp_engine_receive (x, copy, len, n2.now);
			cf_zrtp_engine_receive (y, copy, len, n2.now);
		}
		/* let the two finish whatever state they are in */
		net_run (&n2);
		if (cf_zrtp_engine_get_result (x, &rx)) {
			guint8 zid_y[CF_ZRTP_ZID_LEN];

			fill_zid (zid_y, 0x40);
			g_assert_cmpmem (rx.peer_zid, CF_ZRTP_ZID_LEN, zid_y, CF_ZRTP_ZID_LEN);
			g_assert_true (cf_zrtp_engine_get_result (y, &ry));
			g_assert_cmpmem (
				rx.sashash, CF_ZRTP_HASH_LEN, ry.sashash, CF_ZRTP_HASH_LEN);
		}
	}
}

static GBytes *
mutate_filter (Net *net, int from, CfZrtpMessageType type, GBytes *pkt)
{
	GRand *rand = net->data;
	gsize len = 0;
	guint8 *copy;
	guint32 crc;

	if (g_bytes_get_size (pkt) <= 28 || g_rand_int_range (rand, 0, 4) != 0)
		return pkt;
	copy = g_bytes_unref_to_data (pkt, &len);
	copy[g_rand_int_range (rand, 24, len - 4)] ^= (guint8)g_rand_int_range (rand, 1, 256);
	crc = cf_zrtp_crc32c (copy, len - 4);
	copy[len - 4] = (guint8)crc;
	copy[len - 3] = (guint8)(crc >> 8);
	copy[len - 2] = (guint8)(crc >> 16);
	copy[len - 1] = (guint8)(crc >> 24);
	return g_bytes_new_take (copy, len);
}

/* One packet in four changed on the way (CRC made right): the exchange may
 * fail, but when both ends are SECURE they hold the same keys. */
static void
test_mutations_in_flight (void)
{
	g_autoptr (GRand) rand = g_rand_new_with_seed (1234);
	guint secure = 0, failed = 0;

	for (guint round = 0; round < 60; round++) {
		g_autoptr (CfZrtpEngine) x =
			engine_new (0x30, round % 3 == 0 ? CF_ZRTP_KA_DH3K : -1);
		g_autoptr (CfZrtpEngine) y =
			engine_new (0x40, round % 3 == 0 ? CF_ZRTP_KA_DH3K : -1);
		gboolean sx, sy;
		Net net;

		net_init (&net, x, y);
		net.filter = mutate_filter;
		net.data = rand;
		net_start (&net);
		sx = cf_zrtp_engine_get_state (x) == CF_ZRTP_ENGINE_STATE_SECURE;
		sy = cf_zrtp_engine_get_state (y) == CF_ZRTP_ENGINE_STATE_SECURE;
		if (sx && sy) {
			assert_secure_pair (x, y);
			secure++;
		} else {
			failed++;
		}
	}
	/* most exchanges meet a change (each does with probability > 0.8) */
	g_test_message ("%u secure, %u failed", secure, failed);
	g_assert_cmpuint (failed, >, 0);
}

/* Replayed messages of the other side, into a fresh engine mid-exchange:
 * a Commit that does not belong to the Hello is refused, not obeyed. */
static void
test_foreign_messages (void)
{
	g_autoptr (CfZrtpEngine) a = engine_new (0x10, -1);
	g_autoptr (CfZrtpEngine) b = engine_new (0x20, -1);
	g_autoptr (CfZrtpEngine) b2 = engine_new (0x20, -1);
	g_autoptr (GPtrArray) captured =
		g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
	g_autoptr (CfZrtpEngine) c = engine_new (0x30, -1);
	Net net;

	net_init (&net, a, b);
	net.captured = captured;
	net_start (&net);
	assert_secure_pair (a, b);
	/* C gets B2's Hello (same ZID as B, new hash chain), then B's old
	 * Commit, DHParts and Confirms: the chain does not match H3 */
	cf_zrtp_engine_start (c, 0);
	cf_zrtp_engine_start (b2, 0);
	{
		g_autoptr (GBytes) hello = cf_zrtp_engine_pop_packet (b2);

		feed (c, hello, 1);
	}
	for (guint i = 0; i < captured->len; i++) {
		GBytes *pkt = captured->pdata[i];

		if (packet_type (pkt) != CF_ZRTP_MSG_HELLO)
			feed (c, pkt, 2);
	}
	g_assert_cmpint (cf_zrtp_engine_get_state (c), !=, CF_ZRTP_ENGINE_STATE_SECURE);
}

int
main (int argc, char **argv)
{
	static const LossCase loss[] = {
		{CF_ZRTP_MSG_HELLO, 0},
		{CF_ZRTP_MSG_HELLO, 1},
		{CF_ZRTP_MSG_HELLO_ACK, 0},
		{CF_ZRTP_MSG_HELLO_ACK, 1},
		{CF_ZRTP_MSG_COMMIT, 0},
		{CF_ZRTP_MSG_COMMIT, 1},
		{CF_ZRTP_MSG_DHPART1, -1},
		{CF_ZRTP_MSG_DHPART2, -1},
		{CF_ZRTP_MSG_CONFIRM1, -1},
		{CF_ZRTP_MSG_CONFIRM2, -1},
		{CF_ZRTP_MSG_CONF2ACK, -1},
	};
	static const char *const loss_names[] = {
		"hello-a",
		"hello-b",
		"helloack-a",
		"helloack-b",
		"commit-a",
		"commit-b",
		"dhpart1",
		"dhpart2",
		"confirm1",
		"confirm2",
		"conf2ack",
	};
	static const TamperCase tamper[] = {
		/* DHPart2's pv: hvi no longer matches (B, responder) */
		{CF_ZRTP_MSG_DHPART2, flip_pv, 1, CF_ZRTP_FAILURE_COMMITMENT, 0x62},
		/* DHPart2's retained secret ID: also under the hvi */
		{CF_ZRTP_MSG_DHPART2, flip_rs1_id, 1, CF_ZRTP_FAILURE_COMMITMENT, 0x62},
		/* DHPart2's H1: does not hash to the Commit's H2 */
		{CF_ZRTP_MSG_DHPART2, flip_h1, 1, CF_ZRTP_FAILURE_HASH_CHAIN, 0},
		/* the Commit's hvi: its MAC (keyed by H1) is wrong */
		{CF_ZRTP_MSG_COMMIT, flip_hvi, 1, CF_ZRTP_FAILURE_HASH_CHAIN, 0},
		/* the Commit asks for a cipher B never offered */
		{CF_ZRTP_MSG_COMMIT, change_cipher, 1, CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM, 0x52},
		/* DHPart1's H1 does not lead to B's H3 (A, initiator) */
		{CF_ZRTP_MSG_DHPART1, flip_h1, 0, CF_ZRTP_FAILURE_HASH_CHAIN, 0},
		/* DHPart1's pv: its MAC (keyed by H0) fails at Confirm1 */
		{CF_ZRTP_MSG_DHPART1, flip_pv, 0, CF_ZRTP_FAILURE_CONFIRM_MAC, 0x70},
		/* A's Hello changed: B finds its MAC (keyed by H2) wrong at the Commit */
		{CF_ZRTP_MSG_HELLO, flip_hello_client, 1, CF_ZRTP_FAILURE_HASH_CHAIN, 0},
		{CF_ZRTP_MSG_CONFIRM1, flip_confirm, 0, CF_ZRTP_FAILURE_CONFIRM_MAC, 0x70},
		{CF_ZRTP_MSG_CONFIRM1, flip_confirm_mac, 0, CF_ZRTP_FAILURE_CONFIRM_MAC, 0x70},
		{CF_ZRTP_MSG_CONFIRM2, flip_confirm, 1, CF_ZRTP_FAILURE_CONFIRM_MAC, 0x70},
		/* public values refused (§4.4.1.1): error 0x61 */
		{CF_ZRTP_MSG_DHPART1, zero_pv, 0, CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE, 0x61},
		{CF_ZRTP_MSG_DHPART1, short_pv, 0, CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE, 0x61},
		{CF_ZRTP_MSG_DHPART1,
		 zero_pv,
		 0,
		 CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE,
		 0x61,
		 CF_ZRTP_KA_DH3K},
		{CF_ZRTP_MSG_DHPART1,
		 one_pv,
		 0,
		 CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE,
		 0x61,
		 CF_ZRTP_KA_DH3K},
	};
	static const char *const tamper_names[] = {
		"dhpart2-pv",
		"dhpart2-rs1id",
		"dhpart2-h1",
		"commit-hvi",
		"commit-cipher",
		"dhpart1-h1",
		"dhpart1-pv",
		"hello",
		"confirm1",
		"confirm1-mac",
		"confirm2",
		"dhpart1-pv-zero",
		"dhpart1-pv-short",
		"dhpart1-pv-zero-dh3k",
		"dhpart1-pv-one-dh3k",
	};

	g_test_init (&argc, &argv, NULL);
	g_assert_cmpint (sodium_init (), >=, 0);

	g_test_add_func ("/confab/zrtp/engine/dh/x255-a-initiates", test_x255_a_initiates);
	g_test_add_func ("/confab/zrtp/engine/dh/x255-b-initiates", test_x255_b_initiates);
	g_test_add_func ("/confab/zrtp/engine/dh/dh3k-a-initiates", test_dh3k_a_initiates);
	g_test_add_func ("/confab/zrtp/engine/dh/dh3k-b-initiates", test_dh3k_b_initiates);
	g_test_add_func ("/confab/zrtp/engine/dh/preference", test_preference);
	g_test_add_func ("/confab/zrtp/engine/dh/contention", test_contention);
	g_test_add_func ("/confab/zrtp/engine/dh/no-common-key-agreement",
			 test_no_common_key_agreement);
	g_test_add_func ("/confab/zrtp/engine/zrtp-hash/match", test_hello_hash_ok);
	g_test_add_func ("/confab/zrtp/engine/zrtp-hash/mismatch", test_hello_hash_bad);
	G_STATIC_ASSERT (G_N_ELEMENTS (loss) == G_N_ELEMENTS (loss_names));
	for (guint i = 0; i < G_N_ELEMENTS (loss); i++) {
		g_autofree char *path =
			g_strdup_printf ("/confab/zrtp/engine/loss/%s", loss_names[i]);

		g_test_add_data_func (path, &loss[i], test_loss);
	}
	g_test_add_func ("/confab/zrtp/engine/loss/timeout-hello", test_timeout_hello);
	g_test_add_func ("/confab/zrtp/engine/loss/timeout-no-ack", test_timeout_commit);
	g_test_add_func ("/confab/zrtp/engine/loss/timeout-commit", test_timeout_dhpart);
	G_STATIC_ASSERT (G_N_ELEMENTS (tamper) == G_N_ELEMENTS (tamper_names));
	for (guint i = 0; i < G_N_ELEMENTS (tamper); i++) {
		g_autofree char *path =
			g_strdup_printf ("/confab/zrtp/engine/tamper/%s", tamper_names[i]);

		g_test_add_data_func (path, &tamper[i], test_tamper);
	}
	g_test_add_func ("/confab/zrtp/engine/tamper/bad-crc", test_bad_crc);
	g_test_add_func ("/confab/zrtp/engine/mitm", test_mitm);
	g_test_add_func ("/confab/zrtp/engine/cache/continued", test_cache_continued);
	g_test_add_func ("/confab/zrtp/engine/cache/lost", test_cache_lost);
	g_test_add_func ("/confab/zrtp/engine/cache/s1-in-s0", test_cache_s1_in_s0);
	g_test_add_func ("/confab/zrtp/engine/multistream/contention", test_multistream_contention);
	g_test_add_func ("/confab/zrtp/engine/multistream/a-initiates", test_multistream_a);
	g_test_add_func ("/confab/zrtp/engine/multistream/b-initiates", test_multistream_b);
	g_test_add_func ("/confab/zrtp/engine/multistream/wrong-key", test_multistream_wrong_key);
	g_test_add_func ("/confab/zrtp/engine/peer-error", test_peer_error);
	g_test_add_func ("/confab/zrtp/engine/error-after-secure", test_error_after_secure);
	g_test_add_func ("/confab/zrtp/engine/ping-goclear", test_ping_goclear);
	g_test_add_func ("/confab/zrtp/engine/equal-zid", test_equal_zid);
	g_test_add_func ("/confab/zrtp/engine/config", test_bad_config);
	g_test_add_func ("/confab/zrtp/engine/garbage", test_garbage);
	g_test_add_func ("/confab/zrtp/engine/mutations", test_mutations);
	g_test_add_func ("/confab/zrtp/engine/mutations-in-flight", test_mutations_in_flight);
	g_test_add_func ("/confab/zrtp/engine/foreign-messages", test_foreign_messages);
	return g_test_run ();
}
