/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* AES in CFB mode with a 128-bit feedback (RFC 6189 §5.7: the encrypted part
 * of Confirm1/Confirm2 and SASrelay), from nettle. AES1 = 16-byte key, AES3 =
 * 32-byte key; the IV is the 16-byte CFB IV of the message. Any length of
 * data (CFB needs no padding). @in and @out may be the same buffer. The key
 * schedule is wiped before returning. */

#include <glib.h>

G_BEGIN_DECLS

/* FALSE (nothing written) when @key_len is not 16 or 32. */
gboolean cf_zrtp_cfb_encrypt (const guint8 *key,
			      gsize key_len,
			      const guint8 iv[16],
			      const guint8 *in,
			      guint8 *out,
			      gsize len);

gboolean cf_zrtp_cfb_decrypt (const guint8 *key,
			      gsize key_len,
			      const guint8 iv[16],
			      const guint8 *in,
			      guint8 *out,
			      gsize len);

G_END_DECLS
