/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp-kdf"

#include "cf-zrtp-kdf.h"

#include <sodium.h>
#include <string.h>

static void
put_be32 (guint8 out[4], guint32 v)
{
	out[0] = (guint8)(v >> 24);
	out[1] = (guint8)(v >> 16);
	out[2] = (guint8)(v >> 8);
	out[3] = (guint8)v;
}

static void
hash_update_be32 (crypto_hash_sha256_state *st, guint32 v)
{
	guint8 be[4];

	put_be32 (be, v);
	crypto_hash_sha256_update (st, be, sizeof be);
}

gboolean
cf_zrtp_kdf (const guint8 *ki,
	     gsize ki_len,
	     const char *label,
	     const guint8 *context,
	     gsize context_len,
	     guint8 *out,
	     gsize out_len)
{
	crypto_auth_hmacsha256_state st;
	guint8 mac[crypto_auth_hmacsha256_BYTES];
	guint8 be[4];
	const guint8 zero = 0;

	g_return_val_if_fail (ki != NULL || ki_len == 0, FALSE);
	g_return_val_if_fail (label != NULL, FALSE);
	g_return_val_if_fail (context != NULL || context_len == 0, FALSE);
	g_return_val_if_fail (out != NULL, FALSE);
	g_return_val_if_fail (out_len > 0 && out_len <= CF_ZRTP_HASH_LEN, FALSE);

	crypto_auth_hmacsha256_init (&st, ki, ki_len);
	put_be32 (be, 1);
	crypto_auth_hmacsha256_update (&st, be, sizeof be);
	crypto_auth_hmacsha256_update (&st, (const guint8 *)label, strlen (label));
	crypto_auth_hmacsha256_update (&st, &zero, 1);
	if (context_len > 0)
		crypto_auth_hmacsha256_update (&st, context, context_len);
	put_be32 (be, (guint32)(out_len * 8));
	crypto_auth_hmacsha256_update (&st, be, sizeof be);
	crypto_auth_hmacsha256_final (&st, mac);

	memcpy (out, mac, out_len);
	sodium_memzero (mac, sizeof mac);
	sodium_memzero (&st, sizeof st);
	return TRUE;
}

void
cf_zrtp_kdf_context (const guint8 zidi[CF_ZRTP_ZID_LEN],
		     const guint8 zidr[CF_ZRTP_ZID_LEN],
		     const guint8 total_hash[CF_ZRTP_HASH_LEN],
		     guint8 out[CF_ZRTP_KDF_CONTEXT_LEN])
{
	memcpy (out, zidi, CF_ZRTP_ZID_LEN);
	memcpy (out + CF_ZRTP_ZID_LEN, zidr, CF_ZRTP_ZID_LEN);
	memcpy (out + 2 * CF_ZRTP_ZID_LEN, total_hash, CF_ZRTP_HASH_LEN);
}

static void
hash_update_opt (crypto_hash_sha256_state *st, const guint8 *data, gsize len)
{
	if (len > 0)
		crypto_hash_sha256_update (st, data, len);
}

void
cf_zrtp_total_hash (const guint8 *hello_r,
		    gsize hello_r_len,
		    const guint8 *commit,
		    gsize commit_len,
		    const guint8 *dhpart1,
		    gsize dhpart1_len,
		    const guint8 *dhpart2,
		    gsize dhpart2_len,
		    guint8 out[CF_ZRTP_HASH_LEN])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init (&st);
	hash_update_opt (&st, hello_r, hello_r_len);
	hash_update_opt (&st, commit, commit_len);
	hash_update_opt (&st, dhpart1, dhpart1_len);
	hash_update_opt (&st, dhpart2, dhpart2_len);
	crypto_hash_sha256_final (&st, out);
}

void
cf_zrtp_hvi (const guint8 *dhpart2,
	     gsize dhpart2_len,
	     const guint8 *hello_r,
	     gsize hello_r_len,
	     guint8 out[CF_ZRTP_HASH_LEN])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init (&st);
	hash_update_opt (&st, dhpart2, dhpart2_len);
	hash_update_opt (&st, hello_r, hello_r_len);
	crypto_hash_sha256_final (&st, out);
}

static void
hash_update_secret (crypto_hash_sha256_state *st, const guint8 *s, gsize len)
{
	if (s == NULL)
		len = 0;
	hash_update_be32 (st, (guint32)len);
	hash_update_opt (st, s, len);
}

void
cf_zrtp_s0_dh (const guint8 *dh_result,
	       gsize dh_result_len,
	       const guint8 zidi[CF_ZRTP_ZID_LEN],
	       const guint8 zidr[CF_ZRTP_ZID_LEN],
	       const guint8 total_hash[CF_ZRTP_HASH_LEN],
	       const guint8 *s1,
	       gsize s1_len,
	       const guint8 *s2,
	       gsize s2_len,
	       const guint8 *s3,
	       gsize s3_len,
	       guint8 s0[CF_ZRTP_HASH_LEN])
{
	static const char kdf_label[] = "ZRTP-HMAC-KDF";
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init (&st);
	hash_update_be32 (&st, 1);
	hash_update_opt (&st, dh_result, dh_result_len);
	crypto_hash_sha256_update (&st, (const guint8 *)kdf_label, strlen (kdf_label));
	crypto_hash_sha256_update (&st, zidi, CF_ZRTP_ZID_LEN);
	crypto_hash_sha256_update (&st, zidr, CF_ZRTP_ZID_LEN);
	crypto_hash_sha256_update (&st, total_hash, CF_ZRTP_HASH_LEN);
	hash_update_secret (&st, s1, s1_len);
	hash_update_secret (&st, s2, s2_len);
	hash_update_secret (&st, s3, s3_len);
	crypto_hash_sha256_final (&st, s0);
	sodium_memzero (&st, sizeof st);
}

void
cf_zrtp_s0_multistream (const guint8 zrtp_sess[CF_ZRTP_HASH_LEN],
			const guint8 *kdf_context,
			gsize kdf_context_len,
			guint8 s0[CF_ZRTP_HASH_LEN])
{
	cf_zrtp_kdf (zrtp_sess,
		     CF_ZRTP_HASH_LEN,
		     "ZRTP MSK",
		     kdf_context,
		     kdf_context_len,
		     s0,
		     CF_ZRTP_HASH_LEN);
}

CfZrtpKeys *
cf_zrtp_keys_derive (const guint8 s0[CF_ZRTP_HASH_LEN],
		     const guint8 *kdf_context,
		     gsize kdf_context_len,
		     gsize aes_key_len,
		     gsize srtp_salt_len)
{
	CfZrtpKeys *k;
	const guint8 *c = kdf_context;
	gsize cl = kdf_context_len;

	g_return_val_if_fail (s0 != NULL, NULL);
	g_return_val_if_fail (aes_key_len == 16 || aes_key_len == 32, NULL);
	g_return_val_if_fail (srtp_salt_len > 0 && srtp_salt_len <= CF_ZRTP_MAX_SALT_LEN, NULL);

	if (sodium_init () < 0)
		return NULL;
	k = sodium_malloc (sizeof *k);
	if (k == NULL)
		return NULL;
	sodium_memzero (k, sizeof *k);
	k->srtp_key_len = aes_key_len;
	k->srtp_salt_len = srtp_salt_len;

	cf_zrtp_kdf (
		s0, CF_ZRTP_HASH_LEN, "ZRTP Session Key", c, cl, k->zrtp_sess, CF_ZRTP_HASH_LEN);
	cf_zrtp_kdf (s0, CF_ZRTP_HASH_LEN, "SAS", c, cl, k->sashash, CF_ZRTP_HASH_LEN);
	k->sasvalue = ((guint32)k->sashash[0] << 24) | ((guint32)k->sashash[1] << 16)
		      | ((guint32)k->sashash[2] << 8) | (guint32)k->sashash[3];
	cf_zrtp_kdf (s0,
		     CF_ZRTP_HASH_LEN,
		     "Initiator SRTP master key",
		     c,
		     cl,
		     k->srtp_key_i,
		     aes_key_len);
	cf_zrtp_kdf (s0,
		     CF_ZRTP_HASH_LEN,
		     "Initiator SRTP master salt",
		     c,
		     cl,
		     k->srtp_salt_i,
		     srtp_salt_len);
	cf_zrtp_kdf (s0,
		     CF_ZRTP_HASH_LEN,
		     "Responder SRTP master key",
		     c,
		     cl,
		     k->srtp_key_r,
		     aes_key_len);
	cf_zrtp_kdf (s0,
		     CF_ZRTP_HASH_LEN,
		     "Responder SRTP master salt",
		     c,
		     cl,
		     k->srtp_salt_r,
		     srtp_salt_len);
	cf_zrtp_kdf (
		s0, CF_ZRTP_HASH_LEN, "Initiator HMAC key", c, cl, k->mac_key_i, CF_ZRTP_HASH_LEN);
	cf_zrtp_kdf (
		s0, CF_ZRTP_HASH_LEN, "Responder HMAC key", c, cl, k->mac_key_r, CF_ZRTP_HASH_LEN);
	cf_zrtp_kdf (s0, CF_ZRTP_HASH_LEN, "Initiator ZRTP key", c, cl, k->zrtp_key_i, aes_key_len);
	cf_zrtp_kdf (s0, CF_ZRTP_HASH_LEN, "Responder ZRTP key", c, cl, k->zrtp_key_r, aes_key_len);
	cf_zrtp_kdf (s0, CF_ZRTP_HASH_LEN, "retained secret", c, cl, k->rs1, CF_ZRTP_HASH_LEN);
	return k;
}

void
cf_zrtp_keys_free (CfZrtpKeys *keys)
{
	if (keys == NULL)
		return;
	/* sodium_free() also wipes, but say so explicitly */
	sodium_memzero (keys, sizeof *keys);
	sodium_free (keys);
}

void
cf_zrtp_hash_image (const guint8 in[CF_ZRTP_HASH_LEN], guint8 out[CF_ZRTP_HASH_LEN])
{
	crypto_hash_sha256 (out, in, CF_ZRTP_HASH_LEN);
}

void
cf_zrtp_hash_chain_init (CfZrtpHashChain *chain, const guint8 h0[CF_ZRTP_HASH_LEN])
{
	g_return_if_fail (chain != NULL);
	g_return_if_fail (h0 != NULL);

	memmove (chain->h[0], h0, CF_ZRTP_HASH_LEN);
	for (guint i = 1; i < G_N_ELEMENTS (chain->h); i++)
		cf_zrtp_hash_image (chain->h[i - 1], chain->h[i]);
}

void
cf_zrtp_hash_chain_clear (CfZrtpHashChain *chain)
{
	if (chain == NULL)
		return;
	sodium_memzero (chain, sizeof *chain);
}

void
cf_zrtp_message_mac (const guint8 key[CF_ZRTP_HASH_LEN],
		     const guint8 *msg,
		     gsize msg_len,
		     guint8 out[CF_ZRTP_MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	guint8 mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init (&st, key, CF_ZRTP_HASH_LEN);
	if (msg_len > 0)
		crypto_auth_hmacsha256_update (&st, msg, msg_len);
	crypto_auth_hmacsha256_final (&st, mac);
	memcpy (out, mac, CF_ZRTP_MAC_LEN);
	sodium_memzero (&st, sizeof st);
}

gboolean
cf_zrtp_message_mac_verify (const guint8 key[CF_ZRTP_HASH_LEN],
			    const guint8 *msg,
			    gsize msg_len,
			    const guint8 mac[CF_ZRTP_MAC_LEN])
{
	guint8 expect[CF_ZRTP_MAC_LEN];

	cf_zrtp_message_mac (key, msg, msg_len, expect);
	return sodium_memcmp (expect, mac, CF_ZRTP_MAC_LEN) == 0;
}
