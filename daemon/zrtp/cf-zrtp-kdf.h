/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * ZRTP key derivation (RFC 6189 §4.4, §4.5), pure functions on byte arrays.
 * Hash is S256 (SHA-256), the only one Confab negotiates; the KDF's PRF is
 * HMAC-SHA-256. Lengths given in bytes unless the name says bits.
 *
 * Key material: functions write into caller buffers; CfZrtpKeys lives in
 * sodium_malloc'd memory and is wiped on free. Nothing here logs a key.
 */

#define CF_ZRTP_HASH_LEN	32 /* S256 output, "negotiated hash length" */
#define CF_ZRTP_ZID_LEN		12
#define CF_ZRTP_MAC_LEN		8 /* message MAC: HMAC-SHA-256 truncated to 64 bits */
#define CF_ZRTP_KDF_CONTEXT_LEN (2 * CF_ZRTP_ZID_LEN + CF_ZRTP_HASH_LEN)
#define CF_ZRTP_MAX_KEY_LEN	32 /* AES3: 256-bit key */
#define CF_ZRTP_MAX_SALT_LEN	32
#define CF_ZRTP_SRTP_SALT_LEN	14 /* RFC 6189 §4.5.3: 112 bits */

/* RFC 6189 §4.5.1: KDF(KI, Label, Context, L) =
 * HMAC-SHA-256(KI, 0x00000001 || Label || 0x00 || Context || L as 32-bit BE),
 * truncated to the leftmost @out_len bytes (L = 8 * @out_len bits).
 * @label: NUL-terminated, the NUL is not part of it (the 0x00 separator follows).
 * @out_len: 1..CF_ZRTP_HASH_LEN. Returns FALSE (and writes nothing) otherwise. */
gboolean cf_zrtp_kdf (const guint8 *ki,
		      gsize ki_len,
		      const char *label,
		      const guint8 *context,
		      gsize context_len,
		      guint8 *out,
		      gsize out_len);

/* KDF_Context = ZIDi || ZIDr || total_hash (RFC 6189 §4.4.1.4). */
void cf_zrtp_kdf_context (const guint8 zidi[CF_ZRTP_ZID_LEN],
			  const guint8 zidr[CF_ZRTP_ZID_LEN],
			  const guint8 total_hash[CF_ZRTP_HASH_LEN],
			  guint8 out[CF_ZRTP_KDF_CONTEXT_LEN]);

/* total_hash = hash(Hello of responder || Commit || DHPart1 || DHPart2)
 * (RFC 6189 §4.4.1.4); the messages as sent on the wire, ZRTP header to MAC. */
void cf_zrtp_total_hash (const guint8 *hello_r,
			 gsize hello_r_len,
			 const guint8 *commit,
			 gsize commit_len,
			 const guint8 *dhpart1,
			 gsize dhpart1_len,
			 const guint8 *dhpart2,
			 gsize dhpart2_len,
			 guint8 out[CF_ZRTP_HASH_LEN]);

/* hvi = hash(initiator's DHPart2 || responder's Hello) (RFC 6189 §4.4.1.1). */
void cf_zrtp_hvi (const guint8 *dhpart2,
		  gsize dhpart2_len,
		  const guint8 *hello_r,
		  gsize hello_r_len,
		  guint8 out[CF_ZRTP_HASH_LEN]);

/* DH mode s0 (RFC 6189 §4.4.1.4):
 * s0 = hash(0x00000001 || DHResult || "ZRTP-HMAC-KDF" || ZIDi || ZIDr ||
 *           total_hash || len(s1) || s1 || len(s2) || s2 || len(s3) || s3)
 * where len() is a 32-bit big-endian byte count; a NULL secret has length 0. */
void cf_zrtp_s0_dh (const guint8 *dh_result,
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
		    guint8 s0[CF_ZRTP_HASH_LEN]);

/* Multistream mode s0 = KDF(ZRTPSess, "ZRTP MSK", KDF_Context, hash length)
 * (RFC 6189 §4.4.3.2). */
void cf_zrtp_s0_multistream (const guint8 zrtp_sess[CF_ZRTP_HASH_LEN],
			     const guint8 *kdf_context,
			     gsize kdf_context_len,
			     guint8 s0[CF_ZRTP_HASH_LEN]);

/* Everything derived from s0 (RFC 6189 §4.5.2, §4.5.3). */
typedef struct {
	guint8 zrtp_sess[CF_ZRTP_HASH_LEN]; /* "ZRTP Session Key" */
	guint8 sashash[CF_ZRTP_HASH_LEN];   /* "SAS", 256 bits */
	guint32 sasvalue;		    /* leftmost 32 bits of sashash */
	gsize srtp_key_len;		    /* negotiated AES key length, bytes */
	gsize srtp_salt_len;
	guint8 srtp_key_i[CF_ZRTP_MAX_KEY_LEN];
	guint8 srtp_key_r[CF_ZRTP_MAX_KEY_LEN];
	guint8 srtp_salt_i[CF_ZRTP_MAX_SALT_LEN];
	guint8 srtp_salt_r[CF_ZRTP_MAX_SALT_LEN];
	guint8 mac_key_i[CF_ZRTP_HASH_LEN];	/* "Initiator HMAC key" */
	guint8 mac_key_r[CF_ZRTP_HASH_LEN];	/* "Responder HMAC key" */
	guint8 zrtp_key_i[CF_ZRTP_MAX_KEY_LEN]; /* "Initiator ZRTP key", srtp_key_len bytes */
	guint8 zrtp_key_r[CF_ZRTP_MAX_KEY_LEN];
	guint8 rs1[CF_ZRTP_HASH_LEN]; /* new retained secret */
} CfZrtpKeys;

/* Derives all keys from @s0 and @kdf_context. @aes_key_len: 16 (AES1) or 32
 * (AES3), used for the SRTP master keys and the ZRTP (Confirm) keys;
 * @srtp_salt_len: 1..CF_ZRTP_MAX_SALT_LEN (CF_ZRTP_SRTP_SALT_LEN per RFC).
 * Returns: (transfer full) keys in sodium_malloc'd memory, or NULL on bad
 * lengths or when secure memory is exhausted. Free with cf_zrtp_keys_free(). */
CfZrtpKeys *cf_zrtp_keys_derive (const guint8 s0[CF_ZRTP_HASH_LEN],
				 const guint8 *kdf_context,
				 gsize kdf_context_len,
				 gsize aes_key_len,
				 gsize srtp_salt_len);

/* Wipes and frees @keys; accepts NULL. */
void cf_zrtp_keys_free (CfZrtpKeys *keys);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfZrtpKeys, cf_zrtp_keys_free)

/* Hash images (RFC 6189 §9): H0 is 256 random bits, H(i) = hash(H(i-1)).
 * Hello carries H3, Commit H2, DHPart1/2 H1, Confirm1/2 H0. */
typedef struct {
	guint8 h[4][CF_ZRTP_HASH_LEN];
} CfZrtpHashChain;

/* Fills @chain->h[0] = @h0 and h[1..3]. */
void cf_zrtp_hash_chain_init (CfZrtpHashChain *chain, const guint8 h0[CF_ZRTP_HASH_LEN]);

/* Wipes @chain (it holds unrevealed images). */
void cf_zrtp_hash_chain_clear (CfZrtpHashChain *chain);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CfZrtpHashChain, cf_zrtp_hash_chain_clear)

/* out = hash(in): one step of the chain, used to check a revealed image. */
void cf_zrtp_hash_image (const guint8 in[CF_ZRTP_HASH_LEN], guint8 out[CF_ZRTP_HASH_LEN]);

/* The MAC closing Hello, Commit and DHPart1/2: HMAC-SHA-256 keyed with the
 * hash image the sender reveals in its next message, over the message up to
 * (not including) the MAC field, truncated to 64 bits. */
void cf_zrtp_message_mac (const guint8 key[CF_ZRTP_HASH_LEN],
			  const guint8 *msg,
			  gsize msg_len,
			  guint8 out[CF_ZRTP_MAC_LEN]);

/* Constant-time check of @mac against cf_zrtp_message_mac(). */
gboolean cf_zrtp_message_mac_verify (const guint8 key[CF_ZRTP_HASH_LEN],
				     const guint8 *msg,
				     gsize msg_len,
				     const guint8 mac[CF_ZRTP_MAC_LEN]);

G_END_DECLS
