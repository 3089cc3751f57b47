/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ZRTP packet and message codec (RFC 6189 §5). */
#define G_LOG_DOMAIN "cf-zrtp-packet"

#include "cf-zrtp-packet.h"

#include <string.h>

G_DEFINE_QUARK (cf-zrtp-error-quark, cf_zrtp_error)

static const char *const type_blocks[] = {
	[CF_ZRTP_MSG_HELLO] = "Hello   ",
	[CF_ZRTP_MSG_HELLO_ACK] = "HelloACK",
	[CF_ZRTP_MSG_COMMIT] = "Commit  ",
	[CF_ZRTP_MSG_DHPART1] = "DHPart1 ",
	[CF_ZRTP_MSG_DHPART2] = "DHPart2 ",
	[CF_ZRTP_MSG_CONFIRM1] = "Confirm1",
	[CF_ZRTP_MSG_CONFIRM2] = "Confirm2",
	[CF_ZRTP_MSG_CONF2ACK] = "Conf2ACK",
	[CF_ZRTP_MSG_ERROR] = "Error   ",
	[CF_ZRTP_MSG_ERROR_ACK] = "ErrorACK",
	[CF_ZRTP_MSG_GOCLEAR] = "GoClear ",
	[CF_ZRTP_MSG_CLEAR_ACK] = "ClearACK",
	[CF_ZRTP_MSG_SASRELAY] = "SASrelay",
	[CF_ZRTP_MSG_RELAY_ACK] = "RelayACK",
	[CF_ZRTP_MSG_PING] = "Ping    ",
	[CF_ZRTP_MSG_PING_ACK] = "PingACK ",
};

/* Fixed sizes in bytes, message header included (RFC 6189 §5.2-5.16). */
#define HELLO_FIXED_LEN (CF_ZRTP_MESSAGE_HEADER_LEN + 4 + 16 + 32 + 12 + 4 + CF_ZRTP_MAC_LEN)
#define COMMIT_ALGOS_LEN (5 * 4)
#define COMMIT_BASE_LEN (CF_ZRTP_MESSAGE_HEADER_LEN + 32 + 12 + COMMIT_ALGOS_LEN + CF_ZRTP_MAC_LEN)
#define DHPART_FIXED_LEN (CF_ZRTP_MESSAGE_HEADER_LEN + 32 + 4 * CF_ZRTP_ID_LEN + CF_ZRTP_MAC_LEN)
#define CONFIRM_FIXED_LEN (CF_ZRTP_MESSAGE_HEADER_LEN + CF_ZRTP_MAC_LEN + CF_ZRTP_CFB_IV_LEN)
#define ENCRYPTED_MIN_LEN 40

static gboolean
is_printable (const guint8 *p, gsize len)
{
	for (gsize i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return FALSE;
	return TRUE;
}

static guint32
get_be32 (const guint8 *p)
{
	return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* The CRC-32C goes on the wire least significant byte first, as SCTP sends it
 * (RFC 4960 Appendix B, which RFC 6189 §5 points to); GNU ZRTP and bzrtp do the same. */
static guint32
get_le32 (const guint8 *p)
{
	return ((guint32)p[3] << 24) | ((guint32)p[2] << 16) | ((guint32)p[1] << 8) | p[0];
}

static void
put_le32 (guint8 *p, guint32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void
put_be32 (guint8 *p, guint32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* CRC-32C, bitwise table built once (reflected polynomial 0x82f63b78). */
guint32
cf_zrtp_crc32c (const guint8 *data, gsize len)
{
	static guint32 table[256];
	static gsize table_ready = 0;
	guint32 crc = 0xffffffffu;

	if (g_once_init_enter (&table_ready)) {
		for (guint32 i = 0; i < 256; i++) {
			guint32 c = i;

			for (int k = 0; k < 8; k++)
				c = (c & 1) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
		g_once_init_leave (&table_ready, 1);
	}
	for (gsize i = 0; i < len; i++)
		crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}

const char *
cf_zrtp_message_type_to_block (CfZrtpMessageType type)
{
	if ((guint)type >= G_N_ELEMENTS (type_blocks))
		return NULL;
	return type_blocks[type];
}

CfZrtpMessage *
cf_zrtp_message_new (CfZrtpMessageType type)
{
	CfZrtpMessage *msg = g_new0 (CfZrtpMessage, 1);

	msg->type = type;
	if (type == CF_ZRTP_MSG_HELLO)
		memcpy (msg->hello.version, CF_ZRTP_VERSION, 4);
	else if (type == CF_ZRTP_MSG_PING)
		memcpy (msg->ping.version, CF_ZRTP_VERSION, 4);
	else if (type == CF_ZRTP_MSG_PING_ACK)
		memcpy (msg->ping_ack.version, CF_ZRTP_VERSION, 4);
	return msg;
}

void
cf_zrtp_message_free (CfZrtpMessage *msg)
{
	if (msg == NULL)
		return;
	switch (msg->type) {
	case CF_ZRTP_MSG_DHPART1:
	case CF_ZRTP_MSG_DHPART2:
		g_clear_pointer (&msg->dhpart.pv, g_bytes_unref);
		break;
	case CF_ZRTP_MSG_CONFIRM1:
	case CF_ZRTP_MSG_CONFIRM2:
	case CF_ZRTP_MSG_SASRELAY:
		g_clear_pointer (&msg->confirm.encrypted, g_bytes_unref);
		break;
	default:
		break;
	}
	g_clear_pointer (&msg->raw, g_bytes_unref);
	g_free (msg);
}

gsize
cf_zrtp_pv_length (const char *ka)
{
	static const struct {
		const char *name;
		gsize len;
	} table[] = {
		{ "DH3k", 384 }, { "DH2k", 256 }, { "EC25", 64 }, { "EC38", 96 },
		{ "EC52", 132 }, { "X255", 32 },  { "X448", 56 },
	};

	if (ka == NULL)
		return 0;
	for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
		if (strncmp (ka, table[i].name, 4) == 0)
			return table[i].len;
	return 0;
}

/* ---- parsing ---- */

static gboolean
malformed (GError **error, const char *type, const char *what)
{
	g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED, "ZRTP %s: %s", type, what);
	return FALSE;
}

static gboolean
get_algo (const guint8 *p, CfZrtpAlgo out, const char *type, GError **error)
{
	if (!is_printable (p, 4))
		return malformed (error, type, "algorithm name not printable ASCII");
	memcpy (out, p, 4);
	out[4] = '\0';
	return TRUE;
}

static gboolean
get_version (const guint8 *p, char out[5], const char *type, GError **error)
{
	if (!is_printable (p, 4))
		return malformed (error, type, "version not printable ASCII");
	memcpy (out, p, 4);
	out[4] = '\0';
	return TRUE;
}

static gboolean
parse_hello (CfZrtpHello *h, const guint8 *p, gsize len, GError **error)
{
	const guint8 *b = p + CF_ZRTP_MESSAGE_HEADER_LEN;
	guint counts[5];
	CfZrtpAlgo *lists[5] = { h->hash, h->cipher, h->auth, h->key_agreement, h->sas };
	gsize total = 0;

	if (len < HELLO_FIXED_LEN)
		return malformed (error, "Hello", "too short");
	if (!get_version (b, h->version, "Hello", error))
		return FALSE;
	b += 4;
	/* Informational only: kept as received, even with NULs in it. */
	memcpy (h->client_id, b, CF_ZRTP_CLIENT_ID_LEN);
	h->client_id[CF_ZRTP_CLIENT_ID_LEN] = '\0';
	b += CF_ZRTP_CLIENT_ID_LEN;
	memcpy (h->h3, b, CF_ZRTP_HASH_LEN);
	b += CF_ZRTP_HASH_LEN;
	memcpy (h->zid, b, CF_ZRTP_ZID_LEN);
	b += CF_ZRTP_ZID_LEN;
	/* |0|S|M|P| unused (8) | hc | cc | ac | kc | sc | */
	h->signature_capable = (b[0] & 0x40) != 0;
	h->mitm = (b[0] & 0x20) != 0;
	h->passive = (b[0] & 0x10) != 0;
	counts[0] = b[1] & 0x0f;
	counts[1] = b[2] >> 4;
	counts[2] = b[2] & 0x0f;
	counts[3] = b[3] >> 4;
	counts[4] = b[3] & 0x0f;
	b += 4;
	for (int i = 0; i < 5; i++) {
		if (counts[i] > CF_ZRTP_MAX_ALGOS)
			return malformed (error, "Hello", "more than 7 algorithms in a list");
		total += counts[i];
	}
	if (len != HELLO_FIXED_LEN + 4 * total)
		return malformed (error, "Hello", "length does not match the algorithm counts");
	for (int i = 0; i < 5; i++) {
		for (guint k = 0; k < counts[i]; k++) {
			if (!get_algo (b, lists[i][k], "Hello", error))
				return FALSE;
			b += 4;
		}
	}
	h->n_hash = counts[0];
	h->n_cipher = counts[1];
	h->n_auth = counts[2];
	h->n_key_agreement = counts[3];
	h->n_sas = counts[4];
	memcpy (h->mac, b, CF_ZRTP_MAC_LEN);
	return TRUE;
}

static gboolean
parse_commit (CfZrtpCommit *c, const guint8 *p, gsize len, GError **error)
{
	const guint8 *b = p + CF_ZRTP_MESSAGE_HEADER_LEN;
	gsize expect;

	if (len < COMMIT_BASE_LEN)
		return malformed (error, "Commit", "too short");
	memcpy (c->h2, b, CF_ZRTP_HASH_LEN);
	b += CF_ZRTP_HASH_LEN;
	memcpy (c->zid, b, CF_ZRTP_ZID_LEN);
	b += CF_ZRTP_ZID_LEN;
	if (!get_algo (b, c->hash, "Commit", error) ||
	    !get_algo (b + 4, c->cipher, "Commit", error) ||
	    !get_algo (b + 8, c->auth, "Commit", error) ||
	    !get_algo (b + 12, c->key_agreement, "Commit", error) ||
	    !get_algo (b + 16, c->sas, "Commit", error))
		return FALSE;
	b += COMMIT_ALGOS_LEN;
	if (memcmp (c->key_agreement, "Mult", 4) == 0) {
		c->mode = CF_ZRTP_COMMIT_MULTISTREAM;
		expect = COMMIT_BASE_LEN + CF_ZRTP_NONCE_LEN;
	} else if (memcmp (c->key_agreement, "Prsh", 4) == 0) {
		c->mode = CF_ZRTP_COMMIT_PRESHARED;
		expect = COMMIT_BASE_LEN + CF_ZRTP_NONCE_LEN + CF_ZRTP_ID_LEN;
	} else {
		c->mode = CF_ZRTP_COMMIT_DH;
		expect = COMMIT_BASE_LEN + CF_ZRTP_HASH_LEN;
	}
	if (len != expect)
		return malformed (error, "Commit", "length does not match the key agreement mode");
	switch (c->mode) {
	case CF_ZRTP_COMMIT_DH:
		memcpy (c->hvi, b, CF_ZRTP_HASH_LEN);
		b += CF_ZRTP_HASH_LEN;
		break;
	case CF_ZRTP_COMMIT_PRESHARED:
		memcpy (c->nonce, b, CF_ZRTP_NONCE_LEN);
		b += CF_ZRTP_NONCE_LEN;
		memcpy (c->key_id, b, CF_ZRTP_ID_LEN);
		b += CF_ZRTP_ID_LEN;
		break;
	case CF_ZRTP_COMMIT_MULTISTREAM:
		memcpy (c->nonce, b, CF_ZRTP_NONCE_LEN);
		b += CF_ZRTP_NONCE_LEN;
		break;
	}
	memcpy (c->mac, b, CF_ZRTP_MAC_LEN);
	return TRUE;
}

static gboolean
parse_dhpart (CfZrtpDhPart *d, const guint8 *p, gsize len, GError **error)
{
	const guint8 *b = p + CF_ZRTP_MESSAGE_HEADER_LEN;
	gsize pv_len;

	if (len < DHPART_FIXED_LEN + 4)
		return malformed (error, "DHPart", "too short");
	pv_len = len - DHPART_FIXED_LEN;
	memcpy (d->h1, b, CF_ZRTP_HASH_LEN);
	b += CF_ZRTP_HASH_LEN;
	memcpy (d->rs1_id, b, CF_ZRTP_ID_LEN);
	memcpy (d->rs2_id, b + 8, CF_ZRTP_ID_LEN);
	memcpy (d->aux_id, b + 16, CF_ZRTP_ID_LEN);
	memcpy (d->pbx_id, b + 24, CF_ZRTP_ID_LEN);
	b += 4 * CF_ZRTP_ID_LEN;
	d->pv = g_bytes_new (b, pv_len);
	b += pv_len;
	memcpy (d->mac, b, CF_ZRTP_MAC_LEN);
	return TRUE;
}

static gboolean
parse_confirm (CfZrtpConfirm *c, const guint8 *p, gsize len, GError **error)
{
	const guint8 *b = p + CF_ZRTP_MESSAGE_HEADER_LEN;

	if (len < CONFIRM_FIXED_LEN + ENCRYPTED_MIN_LEN)
		return malformed (error, "Confirm/SASrelay", "too short");
	memcpy (c->mac, b, CF_ZRTP_MAC_LEN);
	b += CF_ZRTP_MAC_LEN;
	memcpy (c->iv, b, CF_ZRTP_CFB_IV_LEN);
	b += CF_ZRTP_CFB_IV_LEN;
	c->encrypted = g_bytes_new (b, len - CONFIRM_FIXED_LEN);
	return TRUE;
}

static gboolean
expect_len (gsize len, gsize want, const char *type, GError **error)
{
	if (len != want)
		return malformed (error, type, "wrong length");
	return TRUE;
}

CfZrtpMessage *
cf_zrtp_message_parse (const guint8 *data, gsize len, GError **error)
{
	g_autoptr (CfZrtpMessage) msg = NULL;
	const guint8 *b;
	gsize words;
	guint type = G_N_ELEMENTS (type_blocks);
	gboolean ok = FALSE;

	if (data == NULL || len < CF_ZRTP_MESSAGE_HEADER_LEN) {
		malformed (error, "message", "shorter than the message header");
		return NULL;
	}
	if (len > CF_ZRTP_MAX_MESSAGE) {
		g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE,
			     "ZRTP message of %" G_GSIZE_FORMAT " bytes is too large", len);
		return NULL;
	}
	if (((data[0] << 8) | data[1]) != CF_ZRTP_PREAMBLE) {
		malformed (error, "message", "bad preamble");
		return NULL;
	}
	words = (data[2] << 8) | data[3];
	if (len % 4 != 0 || words * 4 != len) {
		malformed (error, "message", "length field does not match the message size");
		return NULL;
	}
	for (guint i = 0; i < G_N_ELEMENTS (type_blocks); i++) {
		if (memcmp (data + 4, type_blocks[i], 8) == 0) {
			type = i;
			break;
		}
	}
	if (type == G_N_ELEMENTS (type_blocks)) {
		g_set_error_literal (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_UNKNOWN_TYPE,
				     "ZRTP message: unknown message type");
		return NULL;
	}
	b = data + CF_ZRTP_MESSAGE_HEADER_LEN;
	msg = cf_zrtp_message_new (type);
	switch (msg->type) {
	case CF_ZRTP_MSG_HELLO:
		ok = parse_hello (&msg->hello, data, len, error);
		break;
	case CF_ZRTP_MSG_COMMIT:
		ok = parse_commit (&msg->commit, data, len, error);
		break;
	case CF_ZRTP_MSG_DHPART1:
	case CF_ZRTP_MSG_DHPART2:
		ok = parse_dhpart (&msg->dhpart, data, len, error);
		break;
	case CF_ZRTP_MSG_CONFIRM1:
	case CF_ZRTP_MSG_CONFIRM2:
	case CF_ZRTP_MSG_SASRELAY:
		ok = parse_confirm (&msg->confirm, data, len, error);
		break;
	case CF_ZRTP_MSG_HELLO_ACK:
	case CF_ZRTP_MSG_CONF2ACK:
	case CF_ZRTP_MSG_ERROR_ACK:
	case CF_ZRTP_MSG_CLEAR_ACK:
	case CF_ZRTP_MSG_RELAY_ACK:
		ok = expect_len (len, CF_ZRTP_MESSAGE_HEADER_LEN, type_blocks[type], error);
		break;
	case CF_ZRTP_MSG_ERROR:
		ok = expect_len (len, CF_ZRTP_MESSAGE_HEADER_LEN + 4, "Error", error);
		if (ok)
			msg->error_code = get_be32 (b);
		break;
	case CF_ZRTP_MSG_GOCLEAR:
		ok = expect_len (len, CF_ZRTP_MESSAGE_HEADER_LEN + CF_ZRTP_MAC_LEN, "GoClear",
				 error);
		if (ok)
			memcpy (msg->clear_mac, b, CF_ZRTP_MAC_LEN);
		break;
	case CF_ZRTP_MSG_PING:
		ok = expect_len (len, CF_ZRTP_MESSAGE_HEADER_LEN + 12, "Ping", error) &&
		     get_version (b, msg->ping.version, "Ping", error);
		if (ok)
			memcpy (msg->ping.endpoint_hash, b + 4, 8);
		break;
	case CF_ZRTP_MSG_PING_ACK:
		ok = expect_len (len, CF_ZRTP_MESSAGE_HEADER_LEN + 24, "PingACK", error) &&
		     get_version (b, msg->ping_ack.version, "PingACK", error);
		if (ok) {
			memcpy (msg->ping_ack.sender_endpoint_hash, b + 4, 8);
			memcpy (msg->ping_ack.received_endpoint_hash, b + 12, 8);
			msg->ping_ack.received_ssrc = get_be32 (b + 20);
		}
		break;
	}
	if (!ok)
		return NULL;
	msg->raw = g_bytes_new (data, len);
	return g_steal_pointer (&msg);
}

/* ---- encoding ---- */

static gboolean
invalid (GError **error, const char *what)
{
	g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_INVALID, "ZRTP encode: %s", what);
	return FALSE;
}

static gboolean
put_algo (GByteArray *out, const CfZrtpAlgo a, GError **error)
{
	if (strlen (a) != 4 || !is_printable ((const guint8 *)a, 4))
		return invalid (error, "algorithm name must be 4 printable characters");
	g_byte_array_append (out, (const guint8 *)a, 4);
	return TRUE;
}

static gboolean
put_version (GByteArray *out, const char v[5], GError **error)
{
	if (strnlen (v, 5) != 4 || !is_printable ((const guint8 *)v, 4))
		return invalid (error, "version must be 4 printable characters");
	g_byte_array_append (out, (const guint8 *)v, 4);
	return TRUE;
}

static gboolean
encode_hello (const CfZrtpHello *h, GByteArray *out, GError **error)
{
	guint counts[5] = { h->n_hash, h->n_cipher, h->n_auth, h->n_key_agreement, h->n_sas };
	const CfZrtpAlgo *lists[5] = { h->hash, h->cipher, h->auth, h->key_agreement, h->sas };
	guint8 client_id[CF_ZRTP_CLIENT_ID_LEN];
	gsize id_len = strnlen (h->client_id, sizeof h->client_id);
	guint8 flags[4];

	if (!put_version (out, h->version, error))
		return FALSE;
	/* The client identifier is padded with spaces to 16 bytes. */
	if (id_len > CF_ZRTP_CLIENT_ID_LEN)
		return invalid (error, "client identifier longer than 16 bytes");
	memset (client_id, ' ', sizeof client_id);
	memcpy (client_id, h->client_id, id_len);
	g_byte_array_append (out, client_id, sizeof client_id);
	g_byte_array_append (out, h->h3, CF_ZRTP_HASH_LEN);
	g_byte_array_append (out, h->zid, CF_ZRTP_ZID_LEN);
	for (int i = 0; i < 5; i++)
		if (counts[i] > CF_ZRTP_MAX_ALGOS)
			return invalid (error, "more than 7 algorithms in a Hello list");
	flags[0] = (h->signature_capable ? 0x40 : 0) | (h->mitm ? 0x20 : 0) |
		   (h->passive ? 0x10 : 0);
	flags[1] = counts[0];
	flags[2] = (counts[1] << 4) | counts[2];
	flags[3] = (counts[3] << 4) | counts[4];
	g_byte_array_append (out, flags, 4);
	for (int i = 0; i < 5; i++)
		for (guint k = 0; k < counts[i]; k++)
			if (!put_algo (out, lists[i][k], error))
				return FALSE;
	g_byte_array_append (out, h->mac, CF_ZRTP_MAC_LEN);
	return TRUE;
}

static gboolean
encode_commit (const CfZrtpCommit *c, GByteArray *out, GError **error)
{
	CfZrtpCommitMode mode = CF_ZRTP_COMMIT_DH;

	g_byte_array_append (out, c->h2, CF_ZRTP_HASH_LEN);
	g_byte_array_append (out, c->zid, CF_ZRTP_ZID_LEN);
	if (!put_algo (out, c->hash, error) || !put_algo (out, c->cipher, error) ||
	    !put_algo (out, c->auth, error) || !put_algo (out, c->key_agreement, error) ||
	    !put_algo (out, c->sas, error))
		return FALSE;
	if (strcmp (c->key_agreement, "Mult") == 0)
		mode = CF_ZRTP_COMMIT_MULTISTREAM;
	else if (strcmp (c->key_agreement, "Prsh") == 0)
		mode = CF_ZRTP_COMMIT_PRESHARED;
	if (mode != c->mode)
		return invalid (error, "Commit mode does not match its key agreement");
	switch (mode) {
	case CF_ZRTP_COMMIT_DH:
		g_byte_array_append (out, c->hvi, CF_ZRTP_HASH_LEN);
		break;
	case CF_ZRTP_COMMIT_MULTISTREAM:
		g_byte_array_append (out, c->nonce, CF_ZRTP_NONCE_LEN);
		break;
	case CF_ZRTP_COMMIT_PRESHARED:
		g_byte_array_append (out, c->nonce, CF_ZRTP_NONCE_LEN);
		g_byte_array_append (out, c->key_id, CF_ZRTP_ID_LEN);
		break;
	}
	g_byte_array_append (out, c->mac, CF_ZRTP_MAC_LEN);
	return TRUE;
}

static gboolean
put_opaque (GByteArray *out, GBytes *bytes, gsize min, const char *what, GError **error)
{
	gsize len = 0;
	const guint8 *p = bytes != NULL ? g_bytes_get_data (bytes, &len) : NULL;

	if (len < min || len % 4 != 0)
		return invalid (error, what);
	g_byte_array_append (out, p, len);
	return TRUE;
}

static gboolean
encode_dhpart (const CfZrtpDhPart *d, GByteArray *out, GError **error)
{
	g_byte_array_append (out, d->h1, CF_ZRTP_HASH_LEN);
	g_byte_array_append (out, d->rs1_id, CF_ZRTP_ID_LEN);
	g_byte_array_append (out, d->rs2_id, CF_ZRTP_ID_LEN);
	g_byte_array_append (out, d->aux_id, CF_ZRTP_ID_LEN);
	g_byte_array_append (out, d->pbx_id, CF_ZRTP_ID_LEN);
	if (!put_opaque (out, d->pv, 4, "DHPart public value must be a non-empty multiple of 4 bytes",
			 error))
		return FALSE;
	g_byte_array_append (out, d->mac, CF_ZRTP_MAC_LEN);
	return TRUE;
}

static gboolean
encode_confirm (const CfZrtpConfirm *c, GByteArray *out, GError **error)
{
	g_byte_array_append (out, c->mac, CF_ZRTP_MAC_LEN);
	g_byte_array_append (out, c->iv, CF_ZRTP_CFB_IV_LEN);
	return put_opaque (out, c->encrypted, ENCRYPTED_MIN_LEN,
			   "Confirm encrypted part must be a multiple of 4 bytes, at least 40", error);
}

gboolean
cf_zrtp_message_encode (CfZrtpMessage *msg, GError **error)
{
	g_autoptr (GByteArray) out = g_byte_array_sized_new (128);
	const char *block;
	guint8 header[4] = { CF_ZRTP_PREAMBLE >> 8, CF_ZRTP_PREAMBLE & 0xff, 0, 0 };
	guint8 word[4];
	gboolean ok = TRUE;

	g_return_val_if_fail (msg != NULL, FALSE);
	block = cf_zrtp_message_type_to_block (msg->type);
	if (block == NULL)
		return invalid (error, "unknown message type");
	g_byte_array_append (out, header, 4);
	g_byte_array_append (out, (const guint8 *)block, 8);
	switch (msg->type) {
	case CF_ZRTP_MSG_HELLO:
		ok = encode_hello (&msg->hello, out, error);
		break;
	case CF_ZRTP_MSG_COMMIT:
		ok = encode_commit (&msg->commit, out, error);
		break;
	case CF_ZRTP_MSG_DHPART1:
	case CF_ZRTP_MSG_DHPART2:
		ok = encode_dhpart (&msg->dhpart, out, error);
		break;
	case CF_ZRTP_MSG_CONFIRM1:
	case CF_ZRTP_MSG_CONFIRM2:
		ok = encode_confirm (&msg->confirm, out, error);
		break;
	case CF_ZRTP_MSG_HELLO_ACK:
	case CF_ZRTP_MSG_CONF2ACK:
	case CF_ZRTP_MSG_ERROR_ACK:
		break;
	case CF_ZRTP_MSG_ERROR:
		put_be32 (word, msg->error_code);
		g_byte_array_append (out, word, 4);
		break;
	case CF_ZRTP_MSG_PING:
		ok = put_version (out, msg->ping.version, error);
		g_byte_array_append (out, msg->ping.endpoint_hash, 8);
		break;
	case CF_ZRTP_MSG_PING_ACK:
		ok = put_version (out, msg->ping_ack.version, error);
		g_byte_array_append (out, msg->ping_ack.sender_endpoint_hash, 8);
		g_byte_array_append (out, msg->ping_ack.received_endpoint_hash, 8);
		put_be32 (word, msg->ping_ack.received_ssrc);
		g_byte_array_append (out, word, 4);
		break;
	case CF_ZRTP_MSG_GOCLEAR:
	case CF_ZRTP_MSG_CLEAR_ACK:
	case CF_ZRTP_MSG_SASRELAY:
	case CF_ZRTP_MSG_RELAY_ACK:
		g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_NOT_SUPPORTED,
			     "ZRTP encode: %s is parsed only", block);
		return FALSE;
	}
	if (!ok)
		return FALSE;
	if (out->len > CF_ZRTP_MAX_MESSAGE) {
		g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE,
			     "ZRTP encode: message of %u bytes is too large", out->len);
		return FALSE;
	}
	out->data[2] = (out->len / 4) >> 8;
	out->data[3] = (out->len / 4) & 0xff;
	g_clear_pointer (&msg->raw, g_bytes_unref);
	msg->raw = g_byte_array_free_to_bytes (g_steal_pointer (&out));
	return TRUE;
}

const guint8 *
cf_zrtp_message_hash_data (const CfZrtpMessage *msg, gsize *ret_len)
{
	if (msg == NULL || msg->raw == NULL)
		return NULL;
	return g_bytes_get_data (msg->raw, ret_len);
}

static gboolean
has_trailing_mac (CfZrtpMessageType type)
{
	return type == CF_ZRTP_MSG_HELLO || type == CF_ZRTP_MSG_COMMIT ||
	       type == CF_ZRTP_MSG_DHPART1 || type == CF_ZRTP_MSG_DHPART2;
}

const guint8 *
cf_zrtp_message_mac_data (const CfZrtpMessage *msg, gsize *ret_len)
{
	gsize len = 0;
	const guint8 *p;

	if (msg == NULL || msg->raw == NULL || !has_trailing_mac (msg->type))
		return NULL;
	p = g_bytes_get_data (msg->raw, &len);
	if (len < CF_ZRTP_MESSAGE_HEADER_LEN + CF_ZRTP_MAC_LEN)
		return NULL;
	if (ret_len != NULL)
		*ret_len = len - CF_ZRTP_MAC_LEN;
	return p;
}

gboolean
cf_zrtp_message_set_mac (CfZrtpMessage *msg, const guint8 mac[CF_ZRTP_MAC_LEN])
{
	guint8 *field;

	g_return_val_if_fail (msg != NULL && mac != NULL, FALSE);
	switch (msg->type) {
	case CF_ZRTP_MSG_HELLO:
		field = msg->hello.mac;
		break;
	case CF_ZRTP_MSG_COMMIT:
		field = msg->commit.mac;
		break;
	case CF_ZRTP_MSG_DHPART1:
	case CF_ZRTP_MSG_DHPART2:
		field = msg->dhpart.mac;
		break;
	default:
		return FALSE;
	}
	g_return_val_if_fail (msg->raw == NULL || g_bytes_get_size (msg->raw) >= CF_ZRTP_MAC_LEN,
			      FALSE);
	memcpy (field, mac, CF_ZRTP_MAC_LEN);
	if (msg->raw != NULL) {
		gsize len = 0;
		guint8 *copy = g_bytes_unref_to_data (g_steal_pointer (&msg->raw), &len);

		memcpy (copy + len - CF_ZRTP_MAC_LEN, mac, CF_ZRTP_MAC_LEN);
		msg->raw = g_bytes_new_take (copy, len);
	}
	return TRUE;
}

/* ---- packets ---- */

gboolean
cf_zrtp_packet_looks_like_zrtp (const guint8 *data, gsize len)
{
	return data != NULL && len >= CF_ZRTP_PACKET_HEADER_LEN && data[0] == 0x10 &&
	       get_be32 (data + 4) == CF_ZRTP_MAGIC_COOKIE;
}

GBytes *
cf_zrtp_packet_build (guint16 sequence, guint32 ssrc, const CfZrtpMessage *msg, GError **error)
{
	g_autoptr (GByteArray) out = NULL;
	const guint8 *body;
	gsize body_len = 0;
	guint8 header[CF_ZRTP_PACKET_HEADER_LEN] = { 0x10, 0x00, sequence >> 8, sequence & 0xff };
	guint8 crc[4];

	body = cf_zrtp_message_hash_data (msg, &body_len);
	if (body == NULL) {
		invalid (error, "message not encoded");
		return NULL;
	}
	if (body_len > CF_ZRTP_MAX_MESSAGE) {
		g_set_error_literal (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE,
				     "ZRTP encode: packet too large");
		return NULL;
	}
	put_be32 (header + 4, CF_ZRTP_MAGIC_COOKIE);
	put_be32 (header + 8, ssrc);
	out = g_byte_array_sized_new (CF_ZRTP_PACKET_HEADER_LEN + body_len + CF_ZRTP_CRC_LEN);
	g_byte_array_append (out, header, sizeof header);
	g_byte_array_append (out, body, body_len);
	put_le32 (crc, cf_zrtp_crc32c (out->data, out->len));
	g_byte_array_append (out, crc, sizeof crc);
	return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gboolean
cf_zrtp_packet_parse (const guint8 *data,
		      gsize len,
		      guint16 *ret_sequence,
		      guint32 *ret_ssrc,
		      CfZrtpMessage **ret_msg,
		      GError **error)
{
	g_autoptr (CfZrtpMessage) msg = NULL;
	gsize body_len;

	if (data == NULL || len < CF_ZRTP_PACKET_HEADER_LEN + CF_ZRTP_MESSAGE_HEADER_LEN +
					  CF_ZRTP_CRC_LEN)
		return malformed (error, "packet", "too short");
	if (len > CF_ZRTP_MAX_PACKET) {
		g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_TOO_LARGE,
			     "ZRTP packet of %" G_GSIZE_FORMAT " bytes is too large", len);
		return FALSE;
	}
	if (data[0] != 0x10 || data[1] != 0x00)
		return malformed (error, "packet", "first bytes are not 0x1000");
	if (get_be32 (data + 4) != CF_ZRTP_MAGIC_COOKIE)
		return malformed (error, "packet", "bad magic cookie");
	body_len = len - CF_ZRTP_PACKET_HEADER_LEN - CF_ZRTP_CRC_LEN;
	if (cf_zrtp_crc32c (data, len - CF_ZRTP_CRC_LEN) != get_le32 (data + len - CF_ZRTP_CRC_LEN))
		return malformed (error, "packet", "CRC-32C mismatch");
	msg = cf_zrtp_message_parse (data + CF_ZRTP_PACKET_HEADER_LEN, body_len, error);
	if (msg == NULL)
		return FALSE;
	if (ret_sequence != NULL)
		*ret_sequence = (data[2] << 8) | data[3];
	if (ret_ssrc != NULL)
		*ret_ssrc = get_be32 (data + 8);
	if (ret_msg != NULL)
		*ret_msg = g_steal_pointer (&msg);
	return TRUE;
}
