/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One ZRTP stream (RFC 6189) as a pure state machine; see cf-zrtp-engine.h.
 *
 * Roles: both ends send Hello; an end whose Hello was acknowledged (HelloACK
 * or the peer's Commit) and that holds the peer's Hello commits. When both
 * commit, §4.2 decides (the larger hvi, or nonce in Multistream mode, is the
 * initiator). A Commit received before ours makes us the responder.
 *
 * What is verified when (§9): the peer's Hello MAC once H2 is known (Commit,
 * or H1 from DHPart1, or H0 from Confirm1 in Multistream mode); the Commit's
 * MAC once H1 is known (DHPart2, or Confirm2 in Multistream mode); a DHPart's
 * MAC once H0 is known (Confirm). */
#define G_LOG_DOMAIN "cf-zrtp-engine"

#include "cf-zrtp-engine.h"

#include <sodium.h>
#include <string.h>

#include "cf-zrtp-cfb.h"
#include "cf-zrtp-packet.h"

/* §6 retransmission timers, in microseconds */
#define HELLO_T1_US	  (50 * 1000)
#define HELLO_CAP_US	  (200 * 1000)
#define HELLO_MAX_RETX	  20
#define T2_US		  (150 * 1000)
#define T2_CAP_US	  (1200 * 1000)
#define T2_MAX_RETX	  10
#define MAX_QUEUED	  64 /* packets waiting for pop_packet() */
#define MAX_EVENTS	  8
#define CONFIRM_PLAIN_LEN (CF_ZRTP_HASH_LEN + 8)
#define FOREVER		  0xffffffffu

/* RFC 6189 §5.9 error codes */
#define ERR_MALFORMED	0x10
#define ERR_VERSION	0x30
#define ERR_HASH_TYPE	0x51
#define ERR_CIPHER_TYPE 0x52
#define ERR_PK_TYPE	0x53
#define ERR_AUTH_TYPE	0x54
#define ERR_SAS_TYPE	0x55
#define ERR_NO_SECRET	0x56
#define ERR_BAD_PV	0x61
#define ERR_HVI		0x62
#define ERR_CONFIRM_MAC 0x70
#define ERR_EQUAL_ZID	0x90
#define ERR_TIMEOUT	0xb0
#define ERR_GOCLEAR	0x100

/* Confirm flags (§5.7): 0000EVAD */
#define FLAG_V 0x04

typedef enum {
	ROLE_NONE,
	ROLE_INITIATOR,
	ROLE_RESPONDER,
} Role;

/* Everything secret, in one sodium_malloc'd block. */
typedef struct {
	CfZrtpHashChain chain;		 /* ours: H0..H3 */
	guint8 ms_key[CF_ZRTP_HASH_LEN]; /* ZRTPSess of the call's DH stream */
	CfZrtpCachedSecrets cache;	 /* from the lookup */
	guint8 s1[CF_ZRTP_HASH_LEN];	 /* the matched retained secret */
} Secrets;

struct _CfZrtpEngine {
	/* configuration */
	guint8 zid[CF_ZRTP_ZID_LEN];
	guint32 ssrc;
	guint n_ka;
	CfZrtpKeyAgreement ka_pref[2];
	gboolean ms_configured;
	guint8 ms_peer_zid[CF_ZRTP_ZID_LEN];
	CfZrtpLookupFunc lookup;
	gpointer lookup_data;

	Secrets *sec;

	CfZrtpEngineState state;
	CfZrtpFailure failure;
	Role role;
	guint64 dropped;
	guint16 seq;

	CfZrtpMessage *hello; /* ours, with its MAC */
	guint8 hello_hash[CF_ZRTP_HASH_LEN];
	gboolean have_peer_hash;
	guint8 peer_hash[CF_ZRTP_HASH_LEN];

	CfZrtpMessage *peer_hello;
	gboolean hello_acked;

	/* what this exchange uses; the initiator's choice */
	gboolean ms_mode;
	CfZrtpKeyAgreement ka;
	CfZrtpAlgo cipher;
	CfZrtpAlgo auth;
	CfZrtpAlgo sas;

	CfZrtpDh *dh;
	CfZrtpMessage *own_commit;
	CfZrtpMessage *peer_commit;
	CfZrtpMessage *own_dhpart; /* DHPart2 (built for our Commit) or DHPart1 */
	CfZrtpMessage *peer_dhpart;
	CfZrtpMessage *own_confirm;
	CfZrtpMessage *peer_confirm;
	CfZrtpMessage *conf2ack;
	CfZrtpMessage *error_msg;

	CfZrtpKeys *keys;
	CfZrtpContinuity continuity;
	gboolean peer_verified;

	/* retransmission of one of the messages above (not owned) */
	CfZrtpMessage *rtx_msg;
	gint64 deadline;
	gint64 interval;
	gint64 cap;
	guint count;
	guint max;

	GQueue out;    /* GBytes */
	GQueue events; /* CfZrtpEvent */
};

static const char *const our_ciphers[] = {"AES1", "AES3"};
static const char *const our_auths[] = {"HS80", "HS32"};
static const char *const our_sas[] = {"B32 ", "B256"};

const char *
cf_zrtp_failure_to_string (CfZrtpFailure failure)
{
	switch (failure) {
	case CF_ZRTP_FAILURE_NONE:
		return "none";
	case CF_ZRTP_FAILURE_TIMEOUT:
		return "timeout";
	case CF_ZRTP_FAILURE_HELLO_HASH:
		return "hello-hash";
	case CF_ZRTP_FAILURE_HASH_CHAIN:
		return "hash-chain";
	case CF_ZRTP_FAILURE_COMMITMENT:
		return "commitment";
	case CF_ZRTP_FAILURE_CONFIRM_MAC:
		return "confirm-mac";
	case CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE:
		return "bad-public-value";
	case CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM:
		return "no-common-algorithm";
	case CF_ZRTP_FAILURE_PROTOCOL:
		return "protocol";
	case CF_ZRTP_FAILURE_PEER_ERROR:
		return "peer-error";
	}
	return "unknown";
}

void
cf_zrtp_srtp_keys_free (CfZrtpSrtpKeys *keys)
{
	if (keys == NULL)
		return;
	sodium_memzero (keys, sizeof *keys);
	sodium_free (keys);
}

/* ---- helpers ---- */

static gboolean
algo_eq (const char *a, const char *b)
{
	return strncmp (a, b, 4) == 0;
}

static gboolean
list_has (const CfZrtpAlgo *list, guint n, const char *name)
{
	for (guint i = 0; i < n && i < CF_ZRTP_MAX_ALGOS; i++)
		if (algo_eq (list[i], name))
			return TRUE;
	return FALSE;
}

/* A peer Hello offers @name when it lists it, or when it is mandatory to
 * implement and so always supported (§5.1.2 to §5.1.6). */
static gboolean
peer_offers (const CfZrtpAlgo *list, guint n, const char *name, const char *const *mandatory)
{
	if (list_has (list, n, name))
		return TRUE;
	for (guint i = 0; mandatory[i] != NULL; i++)
		if (algo_eq (mandatory[i], name))
			return TRUE;
	return FALSE;
}

static const char *const mandatory_hash[] = {"S256", NULL};
static const char *const mandatory_cipher[] = {"AES1", NULL};
static const char *const mandatory_auth[] = {"HS32", "HS80", NULL};
static const char *const mandatory_ka[] = {"DH3k", NULL};
static const char *const mandatory_sas[] = {"B32 ", NULL};

static gboolean
ka_from_name (const char *name, CfZrtpKeyAgreement *ret_ka)
{
	if (algo_eq (name, "X255")) {
		*ret_ka = CF_ZRTP_KA_X255;
		return TRUE;
	}
	if (algo_eq (name, "DH3k")) {
		*ret_ka = CF_ZRTP_KA_DH3K;
		return TRUE;
	}
	return FALSE;
}

static const char *
ka_name (CfZrtpKeyAgreement ka)
{
	return ka == CF_ZRTP_KA_X255 ? "X255" : "DH3k";
}

static void
set_algo (CfZrtpAlgo out, const char *name)
{
	memcpy (out, name, 4);
	out[4] = '\0';
}

static gsize
aes_key_len (const CfZrtpAlgo cipher)
{
	return algo_eq (cipher, "AES3") ? 32 : 16;
}

/* MAC(rs, label) truncated to 64 bits (§4.3.1). */
static void
secret_id (const guint8 rs[CF_ZRTP_HASH_LEN], const char *label, guint8 out[CF_ZRTP_ID_LEN])
{
	cf_zrtp_message_mac (rs, (const guint8 *)label, strlen (label), out);
}

static const guint8 *
raw_data (const CfZrtpMessage *msg, gsize *ret_len)
{
	*ret_len = 0;
	return cf_zrtp_message_hash_data (msg, ret_len);
}

static gboolean
same_raw (const CfZrtpMessage *a, const CfZrtpMessage *b)
{
	return a != NULL && b != NULL && a->raw != NULL && b->raw != NULL
	       && g_bytes_equal (a->raw, b->raw);
}

/* ---- output ---- */

static void
send_msg (CfZrtpEngine *self, const CfZrtpMessage *msg)
{
	g_autoptr (GError) error = NULL;
	GBytes *pkt = cf_zrtp_packet_build (self->seq, self->ssrc, msg, &error);

	if (pkt == NULL) {
		g_debug ("cannot build a packet: %s", error->message);
		return;
	}
	self->seq++;
	/* bzrtp drops sequence numbers <= the last one seen: never wrap to 0 */
	if (self->seq == 0)
		self->seq = 1;
	while (self->out.length >= MAX_QUEUED)
		g_bytes_unref (g_queue_pop_head (&self->out));
	g_queue_push_tail (&self->out, pkt);
}

static void
push_event (CfZrtpEngine *self, CfZrtpEventType type, CfZrtpFailure failure, guint32 code)
{
	CfZrtpEvent *ev;

	if (self->events.length >= MAX_EVENTS)
		return;
	ev = g_new0 (CfZrtpEvent, 1);
	ev->type = type;
	ev->failure = failure;
	ev->error_code = code;
	g_queue_push_tail (&self->events, ev);
}

static void
arm (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 first, gint64 cap, guint max, gint64 now)
{
	self->rtx_msg = msg;
	self->interval = first;
	self->cap = cap;
	self->max = max;
	self->count = 0;
	self->deadline = now + first;
}

static void
disarm (CfZrtpEngine *self)
{
	self->rtx_msg = NULL;
	self->deadline = -1;
}

static void
send_simple (CfZrtpEngine *self, CfZrtpMessageType type)
{
	g_autoptr (CfZrtpMessage) msg = cf_zrtp_message_new (type);

	if (cf_zrtp_message_encode (msg, NULL))
		send_msg (self, msg);
}

static void
wipe_keys (CfZrtpEngine *self)
{
	g_clear_pointer (&self->keys, cf_zrtp_keys_free);
	g_clear_pointer (&self->dh, cf_zrtp_dh_free);
	sodium_memzero (self->sec->s1, sizeof self->sec->s1);
}

/* Ends the stream. @code: the §5.9 code to send in an Error, 0 for none;
 * @retransmit: resend the Error until ErrorACK. */
static void
fail (CfZrtpEngine *self, CfZrtpFailure failure, guint32 code, gboolean retransmit, gint64 now)
{
	if (self->state == CF_ZRTP_ENGINE_STATE_FAILED)
		return;
	g_debug ("failed: %s (error 0x%x)", cf_zrtp_failure_to_string (failure), code);
	self->state = CF_ZRTP_ENGINE_STATE_FAILED;
	self->failure = failure;
	disarm (self);
	wipe_keys (self);
	if (code != 0) {
		g_clear_pointer (&self->error_msg, cf_zrtp_message_free);
		self->error_msg = cf_zrtp_message_new (CF_ZRTP_MSG_ERROR);
		self->error_msg->error_code = code;
		if (cf_zrtp_message_encode (self->error_msg, NULL)) {
			send_msg (self, self->error_msg);
			if (retransmit)
				arm (self, self->error_msg, T2_US, T2_CAP_US, T2_MAX_RETX, now);
		}
	}
	push_event (self, CF_ZRTP_EVENT_FAILED, failure, code);
}

/* ---- construction ---- */

static gboolean
build_hello (CfZrtpEngine *self, const char *client_id, GError **error)
{
	CfZrtpHello *h;
	guint8 mac[CF_ZRTP_MAC_LEN];
	const guint8 *data;
	gsize len = 0;

	self->hello = cf_zrtp_message_new (CF_ZRTP_MSG_HELLO);
	h = &self->hello->hello;
	memcpy (h->version, CF_ZRTP_VERSION, 5);
	g_strlcpy (h->client_id, client_id, sizeof h->client_id);
	memcpy (h->h3, self->sec->chain.h[3], CF_ZRTP_HASH_LEN);
	memcpy (h->zid, self->zid, CF_ZRTP_ZID_LEN);
	h->n_hash = 1;
	set_algo (h->hash[0], "S256");
	h->n_cipher = G_N_ELEMENTS (our_ciphers);
	for (guint i = 0; i < G_N_ELEMENTS (our_ciphers); i++)
		set_algo (h->cipher[i], our_ciphers[i]);
	h->n_auth = G_N_ELEMENTS (our_auths);
	for (guint i = 0; i < G_N_ELEMENTS (our_auths); i++)
		set_algo (h->auth[i], our_auths[i]);
	h->n_key_agreement = 0;
	for (guint i = 0; i < self->n_ka; i++)
		set_algo (h->key_agreement[h->n_key_agreement++], ka_name (self->ka_pref[i]));
	set_algo (h->key_agreement[h->n_key_agreement++], "Mult");
	h->n_sas = G_N_ELEMENTS (our_sas);
	for (guint i = 0; i < G_N_ELEMENTS (our_sas); i++)
		set_algo (h->sas[i], our_sas[i]);
	if (!cf_zrtp_message_encode (self->hello, error))
		return FALSE;
	data = cf_zrtp_message_mac_data (self->hello, &len);
	cf_zrtp_message_mac (self->sec->chain.h[2], data, len, mac);
	cf_zrtp_message_set_mac (self->hello, mac);
	data = raw_data (self->hello, &len);
	crypto_hash_sha256 (self->hello_hash, data, len);
	return TRUE;
}

CfZrtpEngine *
cf_zrtp_engine_new (const CfZrtpEngineConfig *config, GError **error)
{
	g_autoptr (CfZrtpEngine) self = NULL;
	const char *client_id;
	guint8 h0[CF_ZRTP_HASH_LEN];

	g_return_val_if_fail (config != NULL, NULL);

	client_id = config->client_id != NULL ? config->client_id : "Confab";
	if (strlen (client_id) > CF_ZRTP_CLIENT_ID_LEN) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "ZRTP client identifier longer than 16 characters");
		return NULL;
	}
	if (config->n_key_agreements > G_N_ELEMENTS (config->key_agreements)) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "more than 2 ZRTP key agreements");
		return NULL;
	}
	for (guint i = 0; i < config->n_key_agreements; i++) {
		CfZrtpKeyAgreement ka = config->key_agreements[i];

		if ((ka != CF_ZRTP_KA_X255 && ka != CF_ZRTP_KA_DH3K)
		    || (i == 1 && ka == config->key_agreements[0])) {
			g_set_error_literal (error,
					     CF_ZRTP_ERROR,
					     CF_ZRTP_ERROR_INVALID,
					     "bad ZRTP key agreement list");
			return NULL;
		}
	}
	if (config->multistream_session_key != NULL && config->multistream_peer_zid == NULL) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "ZRTP Multistream mode needs the peer ZID");
		return NULL;
	}
	if (sodium_init () < 0) {
		g_set_error_literal (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_INVALID,
				     "libsodium cannot be initialised");
		return NULL;
	}

	self = g_new0 (CfZrtpEngine, 1);
	self->deadline = -1;
	g_queue_init (&self->out);
	g_queue_init (&self->events);
	self->sec = sodium_malloc (sizeof *self->sec);
	if (self->sec == NULL) {
		g_set_error_literal (
			error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID, "out of secure memory");
		return NULL;
	}
	sodium_memzero (self->sec, sizeof *self->sec);

	memcpy (self->zid, config->zid, CF_ZRTP_ZID_LEN);
	self->ssrc = config->ssrc;
	if (config->n_key_agreements == 0) {
		self->n_ka = 2;
		self->ka_pref[0] = CF_ZRTP_KA_X255;
		self->ka_pref[1] = CF_ZRTP_KA_DH3K;
	} else {
		self->n_ka = config->n_key_agreements;
		memcpy (self->ka_pref, config->key_agreements, sizeof self->ka_pref);
	}
	if (config->multistream_session_key != NULL) {
		self->ms_configured = TRUE;
		memcpy (self->sec->ms_key, config->multistream_session_key, CF_ZRTP_HASH_LEN);
		memcpy (self->ms_peer_zid, config->multistream_peer_zid, CF_ZRTP_ZID_LEN);
	}
	self->lookup = config->lookup;
	self->lookup_data = config->lookup_data;
	/* The first sequence number is random but small: it must grow without
	 * wrapping during the exchange. */
	self->seq = (guint16)(1 + randombytes_uniform (0x3fff));

	randombytes_buf (h0, sizeof h0);
	cf_zrtp_hash_chain_init (&self->sec->chain, h0);
	sodium_memzero (h0, sizeof h0);
	if (!build_hello (self, client_id, error))
		return NULL;
	return g_steal_pointer (&self);
}

void
cf_zrtp_engine_free (CfZrtpEngine *self)
{
	if (self == NULL)
		return;
	g_queue_clear_full (&self->out, (GDestroyNotify)g_bytes_unref);
	g_queue_clear_full (&self->events, g_free);
	g_clear_pointer (&self->keys, cf_zrtp_keys_free);
	g_clear_pointer (&self->dh, cf_zrtp_dh_free);
	if (self->sec != NULL) {
		sodium_memzero (self->sec, sizeof *self->sec);
		sodium_free (self->sec);
	}
	cf_zrtp_message_free (self->hello);
	cf_zrtp_message_free (self->peer_hello);
	cf_zrtp_message_free (self->own_commit);
	cf_zrtp_message_free (self->peer_commit);
	cf_zrtp_message_free (self->own_dhpart);
	cf_zrtp_message_free (self->peer_dhpart);
	cf_zrtp_message_free (self->own_confirm);
	cf_zrtp_message_free (self->peer_confirm);
	cf_zrtp_message_free (self->conf2ack);
	cf_zrtp_message_free (self->error_msg);
	g_free (self);
}

void
cf_zrtp_engine_get_hello_hash (const CfZrtpEngine *self, guint8 out[CF_ZRTP_HASH_LEN])
{
	g_return_if_fail (self != NULL && out != NULL);
	memcpy (out, self->hello_hash, CF_ZRTP_HASH_LEN);
}

char *
cf_zrtp_engine_get_zrtp_hash_attribute (const CfZrtpEngine *self)
{
	char hex[2 * CF_ZRTP_HASH_LEN + 1];

	g_return_val_if_fail (self != NULL, NULL);
	sodium_bin2hex (hex, sizeof hex, self->hello_hash, CF_ZRTP_HASH_LEN);
	return g_strconcat (CF_ZRTP_VERSION, " ", hex, NULL);
}

static gboolean check_peer_hello_hash (CfZrtpEngine *self, gint64 now);

gboolean
cf_zrtp_engine_set_peer_hello_hash (CfZrtpEngine *self, const char *attribute_value)
{
	const char *hex;
	guint8 bin[CF_ZRTP_HASH_LEN];
	gsize bin_len = 0;
	gsize len;

	g_return_val_if_fail (self != NULL, FALSE);
	if (attribute_value == NULL)
		return FALSE;
	/* "1.10 <hex>" or only "<hex>" */
	len = strnlen (attribute_value, 256);
	if (len >= 256)
		return FALSE;
	hex = strrchr (attribute_value, ' ');
	hex = hex != NULL ? hex + 1 : attribute_value;
	if (strlen (hex) != 2 * CF_ZRTP_HASH_LEN)
		return FALSE;
	for (const char *p = hex; *p != '\0'; p++)
		if (!g_ascii_isxdigit (*p))
			return FALSE;
	if (sodium_hex2bin (bin, sizeof bin, hex, strlen (hex), NULL, &bin_len, NULL) != 0
	    || bin_len != CF_ZRTP_HASH_LEN)
		return FALSE;
	memcpy (self->peer_hash, bin, CF_ZRTP_HASH_LEN);
	self->have_peer_hash = TRUE;
	if (self->peer_hello != NULL)
		check_peer_hello_hash (self, 0);
	return TRUE;
}

void
cf_zrtp_engine_start (CfZrtpEngine *self, gint64 now_us)
{
	g_return_if_fail (self != NULL);
	if (self->state != CF_ZRTP_ENGINE_STATE_IDLE)
		return;
	self->state = CF_ZRTP_ENGINE_STATE_DISCOVERY;
	send_msg (self, self->hello);
	arm (self, self->hello, HELLO_T1_US, HELLO_CAP_US, HELLO_MAX_RETX, now_us);
}

/* ---- key agreement ---- */

static gboolean
check_peer_hello_hash (CfZrtpEngine *self, gint64 now)
{
	guint8 h[CF_ZRTP_HASH_LEN];
	const guint8 *data;
	gsize len;

	if (!self->have_peer_hash || self->peer_hello == NULL)
		return TRUE;
	data = raw_data (self->peer_hello, &len);
	crypto_hash_sha256 (h, data, len);
	if (sodium_memcmp (h, self->peer_hash, CF_ZRTP_HASH_LEN) != 0) {
		fail (self, CF_ZRTP_FAILURE_HELLO_HASH, 0, FALSE, now);
		return FALSE;
	}
	return TRUE;
}

/* Verifies the MAC of @msg keyed with @key. */
static gboolean
mac_ok (const CfZrtpMessage *msg, const guint8 key[CF_ZRTP_HASH_LEN])
{
	const guint8 *data;
	gsize len = 0;
	const guint8 *mac;

	data = cf_zrtp_message_mac_data (msg, &len);
	if (data == NULL)
		return FALSE;
	mac = data + len;
	return cf_zrtp_message_mac_verify (key, data, len, mac);
}

static void
sign (CfZrtpMessage *msg, const guint8 key[CF_ZRTP_HASH_LEN])
{
	const guint8 *data;
	gsize len = 0;
	guint8 mac[CF_ZRTP_MAC_LEN];

	data = cf_zrtp_message_mac_data (msg, &len);
	cf_zrtp_message_mac (key, data, len, mac);
	cf_zrtp_message_set_mac (msg, mac);
}

/* The key agreement (§4.1.2): the first one we have in common in our order
 * and in the peer's; when those differ, the faster of the two (X255 before
 * DH3k), so that both ends commit with the same one. */
static gboolean
choose_key_agreement (CfZrtpEngine *self, CfZrtpKeyAgreement *ret_ka)
{
	const CfZrtpHello *p = &self->peer_hello->hello;
	gboolean have_ours = FALSE, have_peers = FALSE;
	CfZrtpKeyAgreement ours = CF_ZRTP_KA_DH3K, peers = CF_ZRTP_KA_DH3K;

	for (guint i = 0; i < self->n_ka && !have_ours; i++) {
		if (peer_offers (p->key_agreement,
				 p->n_key_agreement,
				 ka_name (self->ka_pref[i]),
				 mandatory_ka)) {
			ours = self->ka_pref[i];
			have_ours = TRUE;
		}
	}
	if (!have_ours)
		return FALSE;
	for (guint i = 0; i < p->n_key_agreement && i < CF_ZRTP_MAX_ALGOS && !have_peers; i++) {
		CfZrtpKeyAgreement ka;

		if (ka_from_name (p->key_agreement[i], &ka)) {
			for (guint k = 0; k < self->n_ka; k++)
				if (self->ka_pref[k] == ka)
					have_peers = TRUE;
			if (have_peers)
				peers = ka;
		}
	}
	/* DH3k is implied when the peer does not list it */
	if (!have_peers)
		peers = CF_ZRTP_KA_DH3K;
	*ret_ka = ours == peers ? ours : CF_ZRTP_KA_X255;
	return TRUE;
}

/* The first of @ours (in our order) that the peer offers in @theirs, or
 * implies as mandatory, into @out. */
static gboolean
pick (const char *const *ours,
      gsize n_ours,
      const CfZrtpAlgo *theirs,
      guint n_theirs,
      const char *const *mandatory,
      CfZrtpAlgo out)
{
	for (gsize i = 0; i < n_ours; i++) {
		if (peer_offers (theirs, n_theirs, ours[i], mandatory)) {
			set_algo (out, ours[i]);
			return TRUE;
		}
	}
	return FALSE;
}

/* Our Hello's algorithms chosen in our order among what the peer offers
 * (we are the initiator). FALSE and an error code when nothing matches. */
static gboolean
choose_algorithms (CfZrtpEngine *self, guint32 *ret_code)
{
	const CfZrtpHello *p = &self->peer_hello->hello;

	if (!peer_offers (p->hash, p->n_hash, "S256", mandatory_hash)) {
		*ret_code = ERR_HASH_TYPE;
		return FALSE;
	}
	if (!pick (our_ciphers, G_N_ELEMENTS (our_ciphers), p->cipher, p->n_cipher, mandatory_cipher, self->cipher)) {
		*ret_code = ERR_CIPHER_TYPE;
		return FALSE;
	}
	if (!pick (our_auths, G_N_ELEMENTS (our_auths), p->auth, p->n_auth, mandatory_auth, self->auth)) {
		*ret_code = ERR_AUTH_TYPE;
		return FALSE;
	}
	if (!pick (our_sas, G_N_ELEMENTS (our_sas), p->sas, p->n_sas, mandatory_sas, self->sas)) {
		*ret_code = ERR_SAS_TYPE;
		return FALSE;
	}
	self->ms_mode =
		self->ms_configured && list_has (p->key_agreement, p->n_key_agreement, "Mult");
	if (!choose_key_agreement (self, &self->ka) && !self->ms_mode) {
		*ret_code = ERR_PK_TYPE;
		return FALSE;
	}
	return TRUE;
}

/* Builds our DHPart (1 or 2) for self->dh, with the hash image H1 and the
 * retained secret IDs for @label ("Initiator" or "Responder"). */
static gboolean
build_dhpart (CfZrtpEngine *self, CfZrtpMessageType type, const char *label)
{
	g_autoptr (CfZrtpMessage) msg = cf_zrtp_message_new (type);
	CfZrtpDhPart *d = &msg->dhpart;
	const CfZrtpCachedSecrets *c = &self->sec->cache;
	const guint8 *pv;
	gsize pv_len = 0;
	g_autoptr (GError) error = NULL;

	memcpy (d->h1, self->sec->chain.h[1], CF_ZRTP_HASH_LEN);
	if (c->known && c->has_rs1)
		secret_id (c->rs1, label, d->rs1_id);
	else
		randombytes_buf (d->rs1_id, CF_ZRTP_ID_LEN);
	if (c->known && c->has_rs2)
		secret_id (c->rs2, label, d->rs2_id);
	else
		randombytes_buf (d->rs2_id, CF_ZRTP_ID_LEN);
	randombytes_buf (d->aux_id, CF_ZRTP_ID_LEN);
	randombytes_buf (d->pbx_id, CF_ZRTP_ID_LEN);
	pv = cf_zrtp_dh_get_public (self->dh, &pv_len);
	d->pv = g_bytes_new (pv, pv_len);
	if (!cf_zrtp_message_encode (msg, &error)) {
		g_debug ("cannot encode a DHPart: %s", error->message);
		return FALSE;
	}
	sign (msg, self->sec->chain.h[0]);
	g_clear_pointer (&self->own_dhpart, cf_zrtp_message_free);
	self->own_dhpart = g_steal_pointer (&msg);
	return TRUE;
}

static gboolean
ensure_dh (CfZrtpEngine *self, CfZrtpKeyAgreement ka)
{
	g_autoptr (GError) error = NULL;

	if (self->dh != NULL && cf_zrtp_dh_get_key_agreement (self->dh) == ka)
		return TRUE;
	g_clear_pointer (&self->dh, cf_zrtp_dh_free);
	self->dh = cf_zrtp_dh_new (ka, &error);
	if (self->dh == NULL) {
		g_debug ("no key pair: %s", error->message);
		return FALSE;
	}
	return TRUE;
}

static void
fill_commit_algos (CfZrtpEngine *self, CfZrtpCommit *c)
{
	memcpy (c->h2, self->sec->chain.h[2], CF_ZRTP_HASH_LEN);
	memcpy (c->zid, self->zid, CF_ZRTP_ZID_LEN);
	set_algo (c->hash, "S256");
	set_algo (c->cipher, self->cipher);
	set_algo (c->auth, self->auth);
	set_algo (c->sas, self->sas);
}

/* Sends our Commit once we hold the peer's Hello and ours was acknowledged. */
static void
maybe_commit (CfZrtpEngine *self, gint64 now)
{
	g_autoptr (CfZrtpMessage) msg = NULL;
	CfZrtpCommit *c;
	guint32 code = 0;

	if (self->state != CF_ZRTP_ENGINE_STATE_DISCOVERY || self->role != ROLE_NONE
	    || self->peer_hello == NULL || !self->hello_acked || self->own_commit != NULL)
		return;
	if (!choose_algorithms (self, &code)) {
		fail (self, CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM, code, TRUE, now);
		return;
	}
	msg = cf_zrtp_message_new (CF_ZRTP_MSG_COMMIT);
	c = &msg->commit;
	fill_commit_algos (self, c);
	if (self->ms_mode) {
		set_algo (c->key_agreement, "Mult");
		c->mode = CF_ZRTP_COMMIT_MULTISTREAM;
		randombytes_buf (c->nonce, CF_ZRTP_NONCE_LEN);
	} else {
		const guint8 *d2, *hr;
		gsize d2_len, hr_len;

		if (!ensure_dh (self, self->ka)
		    || !build_dhpart (self, CF_ZRTP_MSG_DHPART2, "Initiator")) {
			fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
			return;
		}
		set_algo (c->key_agreement, ka_name (self->ka));
		c->mode = CF_ZRTP_COMMIT_DH;
		d2 = raw_data (self->own_dhpart, &d2_len);
		hr = raw_data (self->peer_hello, &hr_len);
		cf_zrtp_hvi (d2, d2_len, hr, hr_len, c->hvi);
	}
	if (!cf_zrtp_message_encode (msg, NULL)) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	sign (msg, self->sec->chain.h[1]);
	self->own_commit = g_steal_pointer (&msg);
	self->state = CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT;
	send_msg (self, self->own_commit);
	arm (self, self->own_commit, T2_US, T2_CAP_US, T2_MAX_RETX, now);
}

/* The shared secret s1 (§4.3.1): the initiator's rs1/rs2 against the
 * responder's rs1/rs2, in that order. @peer_ids: the peer's DHPart. The IDs
 * were computed with the peer's role as label. Sets self->continuity.
 * Returns whether s1 was found (in self->sec->s1). */
static gboolean
match_retained_secret (CfZrtpEngine *self, const CfZrtpDhPart *peer)
{
	const CfZrtpCachedSecrets *c = &self->sec->cache;
	const char *label = self->role == ROLE_INITIATOR ? "Responder" : "Initiator";
	const guint8 *ours[2] = {NULL, NULL};
	const guint8 *theirs[2] = {peer->rs1_id, peer->rs2_id};
	guint8 ids[2][CF_ZRTP_ID_LEN];

	if (c->known && c->has_rs1)
		ours[0] = c->rs1;
	if (c->known && c->has_rs2)
		ours[1] = c->rs2;
	for (guint i = 0; i < 2; i++)
		if (ours[i] != NULL)
			secret_id (ours[i], label, ids[i]);
	for (guint a = 0; a < 2; a++) {
		for (guint b = 0; b < 2; b++) {
			/* (initiator's, responder's) */
			guint mine = self->role == ROLE_INITIATOR ? a : b;
			guint peers = self->role == ROLE_INITIATOR ? b : a;

			if (ours[mine] == NULL)
				continue;
			if (sodium_memcmp (ids[mine], theirs[peers], CF_ZRTP_ID_LEN) == 0) {
				memcpy (self->sec->s1, ours[mine], CF_ZRTP_HASH_LEN);
				self->continuity = CF_ZRTP_CONTINUITY_CONTINUED;
				sodium_memzero (ids, sizeof ids);
				return TRUE;
			}
		}
	}
	sodium_memzero (ids, sizeof ids);
	self->continuity = ours[0] != NULL || ours[1] != NULL ? CF_ZRTP_CONTINUITY_MISMATCH
							      : CF_ZRTP_CONTINUITY_NEW;
	return FALSE;
}

static gboolean
derive (CfZrtpEngine *self, const guint8 *dh_result, gsize dh_len, gboolean have_s1)
{
	const guint8 *zidi = self->role == ROLE_INITIATOR ? self->zid : self->peer_hello->hello.zid;
	const guint8 *zidr = self->role == ROLE_INITIATOR ? self->peer_hello->hello.zid : self->zid;
	const CfZrtpMessage *hello_r =
		self->role == ROLE_INITIATOR ? self->peer_hello : self->hello;
	const CfZrtpMessage *commit =
		self->role == ROLE_INITIATOR ? self->own_commit : self->peer_commit;
	const CfZrtpMessage *d1 = NULL, *d2 = NULL;
	const guint8 *hr, *cm, *p1 = NULL, *p2 = NULL;
	gsize hr_len, cm_len, p1_len = 0, p2_len = 0;
	guint8 total[CF_ZRTP_HASH_LEN];
	guint8 ctx[CF_ZRTP_KDF_CONTEXT_LEN];
	guint8 s0[CF_ZRTP_HASH_LEN];

	hr = raw_data (hello_r, &hr_len);
	cm = raw_data (commit, &cm_len);
	if (!self->ms_mode) {
		d1 = self->role == ROLE_INITIATOR ? self->peer_dhpart : self->own_dhpart;
		d2 = self->role == ROLE_INITIATOR ? self->own_dhpart : self->peer_dhpart;
		p1 = raw_data (d1, &p1_len);
		p2 = raw_data (d2, &p2_len);
	}
	cf_zrtp_total_hash (hr, hr_len, cm, cm_len, p1, p1_len, p2, p2_len, total);
	cf_zrtp_kdf_context (zidi, zidr, total, ctx);
	if (self->ms_mode)
		cf_zrtp_s0_multistream (self->sec->ms_key, ctx, sizeof ctx, s0);
	else
		cf_zrtp_s0_dh (dh_result,
			       dh_len,
			       zidi,
			       zidr,
			       total,
			       have_s1 ? self->sec->s1 : NULL,
			       have_s1 ? CF_ZRTP_HASH_LEN : 0,
			       NULL,
			       0,
			       NULL,
			       0,
			       s0);
	g_clear_pointer (&self->keys, cf_zrtp_keys_free);
	self->keys = cf_zrtp_keys_derive (
		s0, ctx, sizeof ctx, aes_key_len (self->cipher), CF_ZRTP_SRTP_SALT_LEN);
	sodium_memzero (s0, sizeof s0);
	sodium_memzero (self->sec->s1, sizeof self->sec->s1);
	return self->keys != NULL;
}

/* Computes the DH result with the peer's DHPart and derives the keys. */
static gboolean
agree (CfZrtpEngine *self, gint64 now)
{
	const CfZrtpDhPart *peer = &self->peer_dhpart->dhpart;
	guint8 result[CF_ZRTP_DH_MAX_RESULT_LEN];
	gsize result_len = 0;
	gsize pv_len = 0;
	const guint8 *pv = g_bytes_get_data (peer->pv, &pv_len);
	gboolean have_s1;
	gboolean ok;

	if (pv_len != cf_zrtp_key_agreement_pv_length (self->ka)
	    || !cf_zrtp_dh_compute (self->dh, pv, pv_len, result, &result_len, NULL)) {
		fail (self, CF_ZRTP_FAILURE_BAD_PUBLIC_VALUE, ERR_BAD_PV, TRUE, now);
		return FALSE;
	}
	g_clear_pointer (&self->dh, cf_zrtp_dh_free);
	have_s1 = match_retained_secret (self, peer);
	ok = derive (self, result, result_len, have_s1);
	sodium_memzero (result, sizeof result);
	if (!ok) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return FALSE;
	}
	return TRUE;
}

/* Our Confirm1 (responder) or Confirm2 (initiator). */
static gboolean
build_confirm (CfZrtpEngine *self, CfZrtpMessageType type)
{
	g_autoptr (CfZrtpMessage) msg = cf_zrtp_message_new (type);
	gboolean initiator = self->role == ROLE_INITIATOR;
	const guint8 *key = initiator ? self->keys->zrtp_key_i : self->keys->zrtp_key_r;
	const guint8 *mackey = initiator ? self->keys->mac_key_i : self->keys->mac_key_r;
	guint8 plain[CONFIRM_PLAIN_LEN];
	guint8 enc[CONFIRM_PLAIN_LEN];
	gboolean verified = self->sec->cache.known && self->sec->cache.verified
			    && self->continuity != CF_ZRTP_CONTINUITY_MISMATCH;

	memcpy (plain, self->sec->chain.h[0], CF_ZRTP_HASH_LEN);
	plain[32] = 0;
	plain[33] = 0;
	plain[34] = 0; /* signature length 0 */
	plain[35] = verified ? FLAG_V : 0;
	/* cache expiration interval: forever */
	plain[36] = (guint8)(FOREVER >> 24);
	plain[37] = (guint8)(FOREVER >> 16);
	plain[38] = (guint8)(FOREVER >> 8);
	plain[39] = (guint8)FOREVER;
	randombytes_buf (msg->confirm.iv, CF_ZRTP_CFB_IV_LEN);
	if (!cf_zrtp_cfb_encrypt (
		    key, self->keys->srtp_key_len, msg->confirm.iv, plain, enc, sizeof plain)) {
		sodium_memzero (plain, sizeof plain);
		return FALSE;
	}
	sodium_memzero (plain, sizeof plain);
	cf_zrtp_message_mac (mackey, enc, sizeof enc, msg->confirm.mac);
	msg->confirm.encrypted = g_bytes_new (enc, sizeof enc);
	if (!cf_zrtp_message_encode (msg, NULL))
		return FALSE;
	g_clear_pointer (&self->own_confirm, cf_zrtp_message_free);
	self->own_confirm = g_steal_pointer (&msg);
	return TRUE;
}

/* Checks the peer's Confirm MAC, decrypts it and gives H0 and the flags. */
static gboolean
open_confirm (CfZrtpEngine *self,
	      const CfZrtpMessage *msg,
	      guint8 h0[CF_ZRTP_HASH_LEN],
	      guint8 *ret_flags,
	      gint64 now)
{
	gboolean from_initiator = self->role == ROLE_RESPONDER;
	const guint8 *key = from_initiator ? self->keys->zrtp_key_i : self->keys->zrtp_key_r;
	const guint8 *mackey = from_initiator ? self->keys->mac_key_i : self->keys->mac_key_r;
	gsize enc_len = 0;
	const guint8 *enc = g_bytes_get_data (msg->confirm.encrypted, &enc_len);
	guint8 plain[CONFIRM_PLAIN_LEN];

	if (enc_len < CONFIRM_PLAIN_LEN
	    || !cf_zrtp_message_mac_verify (mackey, enc, enc_len, msg->confirm.mac)) {
		fail (self, CF_ZRTP_FAILURE_CONFIRM_MAC, ERR_CONFIRM_MAC, TRUE, now);
		return FALSE;
	}
	/* Only the fixed part: a signature, if any, is not used. */
	if (!cf_zrtp_cfb_decrypt (
		    key, self->keys->srtp_key_len, msg->confirm.iv, enc, plain, sizeof plain)) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return FALSE;
	}
	memcpy (h0, plain, CF_ZRTP_HASH_LEN);
	*ret_flags = plain[35];
	sodium_memzero (plain, sizeof plain);
	return TRUE;
}

static void
become_secure (CfZrtpEngine *self)
{
	disarm (self);
	self->state = CF_ZRTP_ENGINE_STATE_SECURE;
	push_event (self, CF_ZRTP_EVENT_SECURE, CF_ZRTP_FAILURE_NONE, 0);
}

/* ---- message handlers ---- */

static void
on_hello (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 now)
{
	const CfZrtpHello *h = &msg->hello;

	if (self->peer_hello != NULL) {
		/* a retransmission: acknowledge it again, never re-process */
		if (same_raw (msg, self->peer_hello))
			send_simple (self, CF_ZRTP_MSG_HELLO_ACK);
		return;
	}
	if (self->state != CF_ZRTP_ENGINE_STATE_DISCOVERY
	    && self->state != CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT)
		return;
	if (strcmp (h->version, CF_ZRTP_VERSION) != 0) {
		/* A newer peer answers our version with a Hello of it (§4.1.1). */
		if (strcmp (h->version, CF_ZRTP_VERSION) > 0)
			return;
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, ERR_VERSION, TRUE, now);
		return;
	}
	if (memcmp (h->zid, self->zid, CF_ZRTP_ZID_LEN) == 0) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, ERR_EQUAL_ZID, TRUE, now);
		return;
	}
	self->peer_hello = cf_zrtp_message_new (CF_ZRTP_MSG_HELLO);
	self->peer_hello->hello = *h;
	self->peer_hello->raw = g_bytes_ref (msg->raw);
	if (!check_peer_hello_hash (self, now))
		return;
	if (self->ms_configured && memcmp (h->zid, self->ms_peer_zid, CF_ZRTP_ZID_LEN) != 0) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	sodium_memzero (&self->sec->cache, sizeof self->sec->cache);
	if (self->lookup != NULL && !self->ms_configured)
		self->lookup (h->zid, &self->sec->cache, self->lookup_data);
	send_simple (self, CF_ZRTP_MSG_HELLO_ACK);
	/* The peer hears us now (its Hello came through): our Hello at once
	 * rather than at the next retransmission, which may be 200 ms away. */
	if (!self->hello_acked)
		send_msg (self, self->hello);
	maybe_commit (self, now);
}

static void
on_hello_ack (CfZrtpEngine *self, gint64 now)
{
	if (self->state != CF_ZRTP_ENGINE_STATE_DISCOVERY || self->hello_acked)
		return;
	self->hello_acked = TRUE;
	if (self->rtx_msg == self->hello)
		disarm (self);
	maybe_commit (self, now);
}

/* Verifies H2 against the peer's H3 and the peer's Hello MAC with H2. */
static gboolean
check_h2 (CfZrtpEngine *self, const guint8 h2[CF_ZRTP_HASH_LEN], gint64 now)
{
	guint8 h3[CF_ZRTP_HASH_LEN];

	cf_zrtp_hash_image (h2, h3);
	if (sodium_memcmp (h3, self->peer_hello->hello.h3, CF_ZRTP_HASH_LEN) != 0
	    || !mac_ok (self->peer_hello, h2)) {
		fail (self, CF_ZRTP_FAILURE_HASH_CHAIN, 0, FALSE, now);
		return FALSE;
	}
	return TRUE;
}

/* The Commit's choices must be in our Hello (§4.1.2). */
static gboolean
check_commit_algorithms (CfZrtpEngine *self, const CfZrtpCommit *c, gint64 now)
{
	const CfZrtpHello *o = &self->hello->hello;
	guint32 code = 0;

	if (!list_has (o->hash, o->n_hash, c->hash))
		code = ERR_HASH_TYPE;
	else if (!list_has (o->cipher, o->n_cipher, c->cipher))
		code = ERR_CIPHER_TYPE;
	else if (!list_has (o->auth, o->n_auth, c->auth))
		code = ERR_AUTH_TYPE;
	else if (!list_has (o->key_agreement, o->n_key_agreement, c->key_agreement))
		code = ERR_PK_TYPE;
	else if (!list_has (o->sas, o->n_sas, c->sas))
		code = ERR_SAS_TYPE;
	if (code != 0) {
		fail (self, CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM, code, TRUE, now);
		return FALSE;
	}
	if (c->mode == CF_ZRTP_COMMIT_MULTISTREAM && !self->ms_configured) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, ERR_NO_SECRET, TRUE, now);
		return FALSE;
	}
	return TRUE;
}

/* §4.2: whether the peer's Commit wins over ours. */
static gboolean
peer_commit_wins (const CfZrtpCommit *ours, const CfZrtpCommit *theirs)
{
	gboolean our_dh = ours->mode == CF_ZRTP_COMMIT_DH;
	gboolean their_dh = theirs->mode == CF_ZRTP_COMMIT_DH;

	if (our_dh != their_dh)
		return their_dh; /* a DH Commit wins over a non-DH one */
	if (our_dh)
		return memcmp (theirs->hvi, ours->hvi, CF_ZRTP_HASH_LEN) > 0;
	return memcmp (theirs->nonce, ours->nonce, CF_ZRTP_NONCE_LEN) > 0;
}

static void
on_commit (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 now)
{
	const CfZrtpCommit *c = &msg->commit;

	if (self->peer_commit != NULL) {
		if (same_raw (msg, self->peer_commit)) {
			/* the initiator lost our reply: resend it */
			if (self->ms_mode && self->own_confirm != NULL)
				send_msg (self, self->own_confirm);
			else if (!self->ms_mode && self->own_dhpart != NULL)
				send_msg (self, self->own_dhpart);
		}
		return;
	}
	if (self->peer_hello == NULL || self->role != ROLE_NONE)
		return;
	if (self->state != CF_ZRTP_ENGINE_STATE_DISCOVERY
	    && self->state != CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT)
		return;
	if (c->mode == CF_ZRTP_COMMIT_PRESHARED)
		return; /* not offered in our Hello */
	if (memcmp (c->zid, self->peer_hello->hello.zid, CF_ZRTP_ZID_LEN) != 0)
		return; /* not from the endpoint whose Hello we hold */
	/* Contention: both committed. */
	if (self->own_commit != NULL && !peer_commit_wins (&self->own_commit->commit, c))
		return; /* we are the initiator; the peer will answer our Commit */
	if (!check_h2 (self, c->h2, now) || !check_commit_algorithms (self, c, now))
		return;

	self->role = ROLE_RESPONDER;
	self->hello_acked = TRUE;
	disarm (self);
	self->peer_commit = cf_zrtp_message_new (CF_ZRTP_MSG_COMMIT);
	self->peer_commit->commit = *c;
	self->peer_commit->raw = g_bytes_ref (msg->raw);
	set_algo (self->cipher, c->cipher);
	set_algo (self->auth, c->auth);
	set_algo (self->sas, c->sas);
	self->ms_mode = c->mode == CF_ZRTP_COMMIT_MULTISTREAM;

	if (self->ms_mode) {
		self->continuity = CF_ZRTP_CONTINUITY_CONTINUED;
		g_clear_pointer (&self->own_dhpart, cf_zrtp_message_free);
		if (!derive (self, NULL, 0, FALSE) || !build_confirm (self, CF_ZRTP_MSG_CONFIRM1)) {
			fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
			return;
		}
		self->state = CF_ZRTP_ENGINE_STATE_CONFIRMING;
		send_msg (self, self->own_confirm);
		return;
	}
	if (!ka_from_name (c->key_agreement, &self->ka)) {
		fail (self, CF_ZRTP_FAILURE_NO_COMMON_ALGORITHM, ERR_PK_TYPE, TRUE, now);
		return;
	}
	if (!ensure_dh (self, self->ka) || !build_dhpart (self, CF_ZRTP_MSG_DHPART1, "Responder")) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	self->state = CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT;
	send_msg (self, self->own_dhpart);
}

static CfZrtpMessage *
copy_message (const CfZrtpMessage *msg)
{
	/* re-parse: a deep copy that owns its GBytes */
	gsize len = 0;
	const guint8 *data = cf_zrtp_message_hash_data (msg, &len);

	return cf_zrtp_message_parse (data, len, NULL);
}

static void
on_dhpart1 (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 now)
{
	guint8 h2[CF_ZRTP_HASH_LEN];

	if (self->peer_dhpart != NULL || self->own_commit == NULL || self->ms_mode
	    || self->role == ROLE_RESPONDER || self->state != CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT)
		return;
	cf_zrtp_hash_image (msg->dhpart.h1, h2);
	if (!check_h2 (self, h2, now))
		return;
	self->role = ROLE_INITIATOR;
	self->peer_dhpart = copy_message (msg);
	if (self->peer_dhpart == NULL) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	if (!agree (self, now))
		return;
	self->state = CF_ZRTP_ENGINE_STATE_CONFIRMING;
	send_msg (self, self->own_dhpart);
	arm (self, self->own_dhpart, T2_US, T2_CAP_US, T2_MAX_RETX, now);
}

static void
on_dhpart2 (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 now)
{
	guint8 h2[CF_ZRTP_HASH_LEN];
	guint8 hvi[CF_ZRTP_HASH_LEN];
	const guint8 *d2, *hr;
	gsize d2_len, hr_len;

	if (self->peer_dhpart != NULL) {
		if (same_raw (msg, self->peer_dhpart) && self->own_confirm != NULL)
			send_msg (self, self->own_confirm);
		return;
	}
	if (self->role != ROLE_RESPONDER || self->ms_mode
	    || self->state != CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT)
		return;
	cf_zrtp_hash_image (msg->dhpart.h1, h2);
	if (sodium_memcmp (h2, self->peer_commit->commit.h2, CF_ZRTP_HASH_LEN) != 0
	    || !mac_ok (self->peer_commit, msg->dhpart.h1)) {
		fail (self, CF_ZRTP_FAILURE_HASH_CHAIN, 0, FALSE, now);
		return;
	}
	d2 = raw_data (msg, &d2_len);
	hr = raw_data (self->hello, &hr_len);
	cf_zrtp_hvi (d2, d2_len, hr, hr_len, hvi);
	if (sodium_memcmp (hvi, self->peer_commit->commit.hvi, CF_ZRTP_HASH_LEN) != 0) {
		fail (self, CF_ZRTP_FAILURE_COMMITMENT, ERR_HVI, TRUE, now);
		return;
	}
	self->peer_dhpart = copy_message (msg);
	if (self->peer_dhpart == NULL) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	if (!agree (self, now))
		return;
	if (!build_confirm (self, CF_ZRTP_MSG_CONFIRM1)) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	self->state = CF_ZRTP_ENGINE_STATE_CONFIRMING;
	send_msg (self, self->own_confirm);
}

static void
on_confirm1 (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 now)
{
	guint8 h0[CF_ZRTP_HASH_LEN];
	guint8 h1[CF_ZRTP_HASH_LEN];
	guint8 flags = 0;

	if (self->peer_confirm != NULL || self->own_commit == NULL || self->role == ROLE_RESPONDER)
		return;
	if (self->ms_mode) {
		/* Multistream: Confirm1 answers our Commit directly. */
		if (self->state != CF_ZRTP_ENGINE_STATE_KEY_AGREEMENT)
			return;
		self->role = ROLE_INITIATOR;
		self->continuity = CF_ZRTP_CONTINUITY_CONTINUED;
		if (!derive (self, NULL, 0, FALSE)) {
			fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
			return;
		}
	} else if (self->state != CF_ZRTP_ENGINE_STATE_CONFIRMING || self->keys == NULL) {
		return;
	}
	if (!open_confirm (self, msg, h0, &flags, now))
		return;
	cf_zrtp_hash_image (h0, h1);
	if (self->ms_mode) {
		guint8 h2[CF_ZRTP_HASH_LEN];

		cf_zrtp_hash_image (h1, h2);
		if (!check_h2 (self, h2, now))
			return;
	} else if (sodium_memcmp (h1, self->peer_dhpart->dhpart.h1, CF_ZRTP_HASH_LEN) != 0
		   || !mac_ok (self->peer_dhpart, h0)) {
		fail (self, CF_ZRTP_FAILURE_HASH_CHAIN, 0, FALSE, now);
		return;
	}
	sodium_memzero (h0, sizeof h0);
	self->peer_verified = (flags & FLAG_V) != 0;
	self->peer_confirm = copy_message (msg);
	self->state = CF_ZRTP_ENGINE_STATE_CONFIRMING;
	if (!build_confirm (self, CF_ZRTP_MSG_CONFIRM2)) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	send_msg (self, self->own_confirm);
	arm (self, self->own_confirm, T2_US, T2_CAP_US, T2_MAX_RETX, now);
}

static void
on_confirm2 (CfZrtpEngine *self, CfZrtpMessage *msg, gint64 now)
{
	guint8 h0[CF_ZRTP_HASH_LEN];
	guint8 h1[CF_ZRTP_HASH_LEN];
	guint8 flags = 0;

	if (self->peer_confirm != NULL) {
		if (same_raw (msg, self->peer_confirm) && self->conf2ack != NULL)
			send_msg (self, self->conf2ack);
		return;
	}
	if (self->role != ROLE_RESPONDER || self->state != CF_ZRTP_ENGINE_STATE_CONFIRMING
	    || self->keys == NULL)
		return;
	if (!open_confirm (self, msg, h0, &flags, now))
		return;
	cf_zrtp_hash_image (h0, h1);
	if (self->ms_mode) {
		guint8 h2[CF_ZRTP_HASH_LEN];

		cf_zrtp_hash_image (h1, h2);
		if (sodium_memcmp (h2, self->peer_commit->commit.h2, CF_ZRTP_HASH_LEN) != 0
		    || !mac_ok (self->peer_commit, h1)) {
			fail (self, CF_ZRTP_FAILURE_HASH_CHAIN, 0, FALSE, now);
			return;
		}
	} else if (sodium_memcmp (h1, self->peer_dhpart->dhpart.h1, CF_ZRTP_HASH_LEN) != 0
		   || !mac_ok (self->peer_dhpart, h0)) {
		fail (self, CF_ZRTP_FAILURE_HASH_CHAIN, 0, FALSE, now);
		return;
	}
	sodium_memzero (h0, sizeof h0);
	self->peer_verified = (flags & FLAG_V) != 0;
	self->peer_confirm = copy_message (msg);
	self->conf2ack = cf_zrtp_message_new (CF_ZRTP_MSG_CONF2ACK);
	if (self->peer_confirm == NULL || !cf_zrtp_message_encode (self->conf2ack, NULL)) {
		fail (self, CF_ZRTP_FAILURE_PROTOCOL, 0, FALSE, now);
		return;
	}
	send_msg (self, self->conf2ack);
	become_secure (self);
}

static void
on_conf2ack (CfZrtpEngine *self)
{
	if (self->role != ROLE_INITIATOR || self->state != CF_ZRTP_ENGINE_STATE_CONFIRMING
	    || self->peer_confirm == NULL)
		return;
	become_secure (self);
}

static void
on_error (CfZrtpEngine *self, const CfZrtpMessage *msg, gint64 now)
{
	send_simple (self, CF_ZRTP_MSG_ERROR_ACK);
	/* Unauthenticated: it cannot end a stream that is already secure. */
	if (self->state == CF_ZRTP_ENGINE_STATE_SECURE
	    || self->state == CF_ZRTP_ENGINE_STATE_FAILED)
		return;
	self->state = CF_ZRTP_ENGINE_STATE_FAILED;
	self->failure = CF_ZRTP_FAILURE_PEER_ERROR;
	disarm (self);
	wipe_keys (self);
	push_event (self, CF_ZRTP_EVENT_FAILED, CF_ZRTP_FAILURE_PEER_ERROR, msg->error_code);
}

static void
on_ping (CfZrtpEngine *self, const CfZrtpMessage *msg, guint32 ssrc)
{
	g_autoptr (CfZrtpMessage) ack = cf_zrtp_message_new (CF_ZRTP_MSG_PING_ACK);
	guint8 h[CF_ZRTP_HASH_LEN];

	/* our endpoint hash: hash(ZID) truncated to 64 bits */
	crypto_hash_sha256 (h, self->zid, CF_ZRTP_ZID_LEN);
	memcpy (ack->ping_ack.version, CF_ZRTP_VERSION, 5);
	memcpy (ack->ping_ack.sender_endpoint_hash, h, 8);
	memcpy (ack->ping_ack.received_endpoint_hash, msg->ping.endpoint_hash, 8);
	ack->ping_ack.received_ssrc = ssrc;
	if (cf_zrtp_message_encode (ack, NULL))
		send_msg (self, ack);
}

static void
on_goclear (CfZrtpEngine *self)
{
	g_autoptr (CfZrtpMessage) err = cf_zrtp_message_new (CF_ZRTP_MSG_ERROR);

	/* Confab never goes back to clear: refuse it and carry on (§5.9). */
	err->error_code = ERR_GOCLEAR;
	if (cf_zrtp_message_encode (err, NULL))
		send_msg (self, err);
}

void
cf_zrtp_engine_receive (CfZrtpEngine *self, const guint8 *packet, gsize len, gint64 now_us)
{
	g_autoptr (CfZrtpMessage) msg = NULL;
	g_autoptr (GError) error = NULL;
	guint32 ssrc = 0;

	g_return_if_fail (self != NULL);
	if (!cf_zrtp_packet_parse (packet, len, NULL, &ssrc, &msg, &error)) {
		self->dropped++;
		g_debug ("dropped a ZRTP packet: %s", error->message);
		return;
	}
	if (self->state == CF_ZRTP_ENGINE_STATE_IDLE)
		return; /* the peer retransmits until we start */
	if (self->state == CF_ZRTP_ENGINE_STATE_FAILED) {
		if (msg->type == CF_ZRTP_MSG_ERROR)
			send_simple (self, CF_ZRTP_MSG_ERROR_ACK);
		else if (msg->type == CF_ZRTP_MSG_ERROR_ACK && self->rtx_msg == self->error_msg)
			disarm (self);
		return;
	}
	switch (msg->type) {
	case CF_ZRTP_MSG_HELLO:
		on_hello (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_HELLO_ACK:
		on_hello_ack (self, now_us);
		break;
	case CF_ZRTP_MSG_COMMIT:
		on_commit (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_DHPART1:
		on_dhpart1 (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_DHPART2:
		on_dhpart2 (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_CONFIRM1:
		on_confirm1 (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_CONFIRM2:
		on_confirm2 (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_CONF2ACK:
		on_conf2ack (self);
		break;
	case CF_ZRTP_MSG_ERROR:
		on_error (self, msg, now_us);
		break;
	case CF_ZRTP_MSG_PING:
		on_ping (self, msg, ssrc);
		break;
	case CF_ZRTP_MSG_GOCLEAR:
		on_goclear (self);
		break;
	case CF_ZRTP_MSG_ERROR_ACK:
	case CF_ZRTP_MSG_CLEAR_ACK:
	case CF_ZRTP_MSG_SASRELAY:
	case CF_ZRTP_MSG_RELAY_ACK:
	case CF_ZRTP_MSG_PING_ACK:
		break;
	}
}

void
cf_zrtp_engine_timeout (CfZrtpEngine *self, gint64 now_us)
{
	g_return_if_fail (self != NULL);
	if (self->deadline < 0 || now_us < self->deadline || self->rtx_msg == NULL)
		return;
	if (self->count >= self->max) {
		CfZrtpMessage *was = self->rtx_msg;

		disarm (self);
		if (was == self->error_msg)
			return; /* the peer never acknowledged our Error: give up */
		/* No Error after Hello: the peer may not speak ZRTP at all. */
		fail (self,
		      CF_ZRTP_FAILURE_TIMEOUT,
		      was == self->hello ? 0 : ERR_TIMEOUT,
		      FALSE,
		      now_us);
		return;
	}
	send_msg (self, self->rtx_msg);
	self->count++;
	self->interval = MIN (self->interval * 2, self->cap);
	self->deadline = now_us + self->interval;
}

gint64
cf_zrtp_engine_get_deadline (const CfZrtpEngine *self)
{
	g_return_val_if_fail (self != NULL, -1);
	return self->deadline;
}

GBytes *
cf_zrtp_engine_pop_packet (CfZrtpEngine *self)
{
	g_return_val_if_fail (self != NULL, NULL);
	return g_queue_pop_head (&self->out);
}

gboolean
cf_zrtp_engine_pop_event (CfZrtpEngine *self, CfZrtpEvent *ret_event)
{
	g_autofree CfZrtpEvent *ev = NULL;

	g_return_val_if_fail (self != NULL, FALSE);
	ev = g_queue_pop_head (&self->events);
	if (ev == NULL)
		return FALSE;
	if (ret_event != NULL)
		*ret_event = *ev;
	return TRUE;
}

CfZrtpEngineState
cf_zrtp_engine_get_state (const CfZrtpEngine *self)
{
	g_return_val_if_fail (self != NULL, CF_ZRTP_ENGINE_STATE_FAILED);
	return self->state;
}

CfZrtpFailure
cf_zrtp_engine_get_failure (const CfZrtpEngine *self)
{
	g_return_val_if_fail (self != NULL, CF_ZRTP_FAILURE_NONE);
	return self->failure;
}

guint64
cf_zrtp_engine_get_dropped (const CfZrtpEngine *self)
{
	g_return_val_if_fail (self != NULL, 0);
	return self->dropped;
}

gboolean
cf_zrtp_engine_get_result (const CfZrtpEngine *self, CfZrtpResult *ret_result)
{
	CfZrtpResult r = {0};

	g_return_val_if_fail (self != NULL, FALSE);
	if (self->state != CF_ZRTP_ENGINE_STATE_SECURE || self->keys == NULL)
		return FALSE;
	r.initiator = self->role == ROLE_INITIATOR;
	r.multistream = self->ms_mode;
	r.key_agreement = self->ka;
	memcpy (r.cipher, self->cipher, 5);
	memcpy (r.auth, self->auth, 5);
	memcpy (r.sas, self->sas, 5);
	memcpy (r.peer_zid, self->peer_hello->hello.zid, CF_ZRTP_ZID_LEN);
	memcpy (r.sashash, self->keys->sashash, CF_ZRTP_HASH_LEN);
	r.sasvalue = self->keys->sasvalue;
	r.continuity = self->continuity;
	r.peer_verified = self->peer_verified;
	if (ret_result != NULL)
		*ret_result = r;
	sodium_memzero (&r, sizeof r);
	return TRUE;
}

CfZrtpSrtpKeys *
cf_zrtp_engine_get_srtp_keys (const CfZrtpEngine *self)
{
	CfZrtpSrtpKeys *k;
	gboolean initiator;

	g_return_val_if_fail (self != NULL, NULL);
	if (self->state != CF_ZRTP_ENGINE_STATE_SECURE || self->keys == NULL)
		return NULL;
	k = sodium_malloc (sizeof *k);
	if (k == NULL)
		return NULL;
	sodium_memzero (k, sizeof *k);
	initiator = self->role == ROLE_INITIATOR;
	k->key_len = self->keys->srtp_key_len;
	k->salt_len = CF_ZRTP_SRTP_SALT_LEN;
	k->hs32 = algo_eq (self->auth, "HS32");
	memcpy (k->tx_key, initiator ? self->keys->srtp_key_i : self->keys->srtp_key_r, k->key_len);
	memcpy (k->tx_salt,
		initiator ? self->keys->srtp_salt_i : self->keys->srtp_salt_r,
		k->salt_len);
	memcpy (k->rx_key, initiator ? self->keys->srtp_key_r : self->keys->srtp_key_i, k->key_len);
	memcpy (k->rx_salt,
		initiator ? self->keys->srtp_salt_r : self->keys->srtp_salt_i,
		k->salt_len);
	return k;
}

gboolean
cf_zrtp_engine_get_new_rs1 (const CfZrtpEngine *self, guint8 out[CF_ZRTP_HASH_LEN])
{
	g_return_val_if_fail (self != NULL && out != NULL, FALSE);
	if (self->state != CF_ZRTP_ENGINE_STATE_SECURE || self->keys == NULL || self->ms_mode)
		return FALSE;
	memcpy (out, self->keys->rs1, CF_ZRTP_HASH_LEN);
	return TRUE;
}

gboolean
cf_zrtp_engine_get_session_key (const CfZrtpEngine *self, guint8 out[CF_ZRTP_HASH_LEN])
{
	g_return_val_if_fail (self != NULL && out != NULL, FALSE);
	if (self->state != CF_ZRTP_ENGINE_STATE_SECURE || self->keys == NULL)
		return FALSE;
	/* Multistream streams keep the DH stream's ZRTPSess (§4.4.3). */
	memcpy (out, self->ms_mode ? self->sec->ms_key : self->keys->zrtp_sess, CF_ZRTP_HASH_LEN);
	return TRUE;
}
