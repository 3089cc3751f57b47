/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp-cfb"

#include "cf-zrtp-cfb.h"

#include <nettle/aes.h>
#include <nettle/cfb.h>
#include <sodium.h>
#include <string.h>

/* nettle's cfb_encrypt/cfb_decrypt with a 16-byte block size is CFB with a
 * 128-bit feedback (CFB128, NIST SP 800-38A §6.3), what RFC 6189 §5.7
 * asks for. Both use the forward cipher only, so the encryption key
 * schedule serves both directions. They update @iv as they go: a copy is
 * passed. In-place operation (dst == src) is supported by nettle. The
 * keystream blocks nettle keeps on its stack while working are not ours
 * to wipe. */

typedef union {
	struct aes128_ctx aes128;
	struct aes256_ctx aes256;
} AesCtx;

static gboolean
cfb_crypt (gboolean encrypt,
	   const guint8 *key,
	   gsize key_len,
	   const guint8 iv[16],
	   const guint8 *in,
	   guint8 *out,
	   gsize len)
{
	AesCtx ctx;
	nettle_cipher_func *f;
	guint8 iv_copy[AES_BLOCK_SIZE];

	g_return_val_if_fail (key != NULL, FALSE);
	g_return_val_if_fail (iv != NULL, FALSE);
	g_return_val_if_fail (len == 0 || (in != NULL && out != NULL), FALSE);

	switch (key_len) {
	case AES128_KEY_SIZE:
		aes128_set_encrypt_key (&ctx.aes128, key);
		f = (nettle_cipher_func *)aes128_encrypt;
		break;
	case AES256_KEY_SIZE:
		aes256_set_encrypt_key (&ctx.aes256, key);
		f = (nettle_cipher_func *)aes256_encrypt;
		break;
	default:
		return FALSE;
	}
	if (len > 0) {
		memcpy (iv_copy, iv, AES_BLOCK_SIZE);
		if (encrypt)
			cfb_encrypt (&ctx, f, AES_BLOCK_SIZE, iv_copy, len, out, in);
		else
			cfb_decrypt (&ctx, f, AES_BLOCK_SIZE, iv_copy, len, out, in);
		sodium_memzero (iv_copy, sizeof iv_copy);
	}
	sodium_memzero (&ctx, sizeof ctx);
	return TRUE;
}

gboolean
cf_zrtp_cfb_encrypt (const guint8 *key,
		     gsize key_len,
		     const guint8 iv[16],
		     const guint8 *in,
		     guint8 *out,
		     gsize len)
{
	return cfb_crypt (TRUE, key, key_len, iv, in, out, len);
}

gboolean
cf_zrtp_cfb_decrypt (const guint8 *key,
		     gsize key_len,
		     const guint8 iv[16],
		     const guint8 *in,
		     guint8 *out,
		     gsize len)
{
	return cfb_crypt (FALSE, key, key_len, iv, in, out, len);
}
