/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * Renderings of the short authentication string (RFC 6189 §5.1.6) and of
 * Confab's SecurityCode (DESIGN.md §3). Pure; no key material is kept.
 */

#define CF_ZRTP_SAS_B32_LEN	  4  /* characters */
#define CF_ZRTP_SECURITY_CODE_LEN 23 /* "ddddd ddddd ddddd ddddd" */

/* B32: the leftmost 20 bits of @sasvalue, 5 bits per character, most
 * significant first, in the z-base-32 alphabet.
 * Returns: (transfer full) 4 characters, NUL-terminated. */
char *cf_zrtp_sas_b32 (guint32 sasvalue);

/* B256: the leftmost 16 bits of @sasvalue as two PGP words, the first byte
 * from the even (two-syllable) list, the second from the odd (three-syllable)
 * list, separated by one space.
 * Returns: (transfer full). */
char *cf_zrtp_sas_b256 (guint32 sasvalue);

/* The PGP word for @byte: @odd selects the three-syllable list.
 * Returns: (transfer none) a static string. */
const char *cf_zrtp_pgp_word (guint8 byte, gboolean odd);

/* SecurityCode: four groups of five digits separated by single spaces;
 * group i (0..3) = the big-endian 40-bit integer of sashash bytes 5i..5i+4,
 * mod 100000, zero-padded. @sashash: the 32-byte sashash (only bytes 0..19
 * are used).
 * Returns: (transfer full). */
char *cf_zrtp_security_code (const guint8 sashash[32]);

G_END_DECLS
