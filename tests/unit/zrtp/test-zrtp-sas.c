/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of cf-zrtp-sas: B32 and B256 SAS renderings (RFC 6189 §5.1.6)
 * and the SecurityCode of DESIGN.md §3, against values worked out by hand. */
#include <string.h>

#include "cf-zrtp-sas.h"

static void
check_b32 (guint32 sasvalue, const char *want)
{
	g_autofree char *got = cf_zrtp_sas_b32 (sasvalue);

	g_assert_cmpstr (got, ==, want);
}

static void
test_b32 (void)
{
	/* z-base-32 index: y=0 b=1 n=2 d=3 ... x=15 ... 9=31 */
	check_b32 (0x00000000, "yyyy");
	check_b32 (0xffffffff, "9999");
	/* only the leftmost 20 bits count */
	check_b32 (0x00000fff, "yyyy");
	/* 20 bits 0x08421 = 00001 00001 00001 00001 */
	check_b32 (0x08421000, "bbbb");
	/* 20 bits 0x0045f = 0000 0000 0100 0101 1111 = 00000 00001 00010 11111
	 * = 0, 1, 2, 31 */
	check_b32 (0x0045f000, "ybn9");
	/* 20 bits 0xf8000 = 11111 00000 00000 00000 */
	check_b32 (0xf8000abc, "9yyy");
	/* 20 bits 0x0000f = 00000 00000 00000 01111 = 15 -> 'x' */
	check_b32 (0x0000f000, "yyyx");
}

static void
check_b256 (guint32 sasvalue, const char *want)
{
	g_autofree char *got = cf_zrtp_sas_b256 (sasvalue);

	g_assert_cmpstr (got, ==, want);
}

static void
test_b256 (void)
{
	check_b256 (0x00000000, "aardvark adroitness");
	check_b256 (0xffffffff, "Zulu Yucatan");
	/* first byte from the even list, second from the odd list */
	check_b256 (0x0102ffff, "absurd aftermath");
	check_b256 (0x0a0a0000, "allow Apollo");
	check_b256 (0xe5820000, "topmost Istanbul");
}

static void
test_pgp_words (void)
{
	g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

	/* 512 distinct words; even ones are two syllables, odd ones three,
	 * spot-checked at the ends of the list */
	for (guint b = 0; b < 256; b++) {
		for (guint odd = 0; odd < 2; odd++) {
			const char *w = cf_zrtp_pgp_word ((guint8)b, odd);

			g_assert_nonnull (w);
			g_assert_cmpuint (strlen (w), >, 0);
			g_assert_true (g_hash_table_add (seen, (gpointer)w));
		}
	}
	g_assert_cmpuint (g_hash_table_size (seen), ==, 512);
	g_assert_cmpstr (cf_zrtp_pgp_word (0x00, FALSE), ==, "aardvark");
	g_assert_cmpstr (cf_zrtp_pgp_word (0x00, TRUE), ==, "adroitness");
	g_assert_cmpstr (cf_zrtp_pgp_word (0xff, FALSE), ==, "Zulu");
	g_assert_cmpstr (cf_zrtp_pgp_word (0xff, TRUE), ==, "Yucatan");
	g_assert_cmpstr (cf_zrtp_pgp_word (0x80, FALSE), ==, "merit");
	g_assert_cmpstr (cf_zrtp_pgp_word (0x80, TRUE), ==, "intention");
}

static void
test_security_code (void)
{
	guint8 sashash[32];
	g_autofree char *code = NULL;
	g_autofree char *code2 = NULL;

	/*
	 * group 0: 00 00 00 00 2a = 42                         -> "00042"
	 * group 1: ff ff ff ff ff = 2^40 - 1 = 1099511627775   -> "27775"
	 * group 2: 00 00 01 86 9f = 0x1869f = 99999            -> "99999"
	 * group 3: 01 02 03 04 05 = 2^32 + 0x02030405
	 *        = 4294967296 + 33752069 = 4328719365          -> "19365"
	 * bytes 20..31 are not used.
	 */
	const guint8 head[20] = {0x00, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xff, 0xff, 0xff, 0xff,
				 0x00, 0x00, 0x01, 0x86, 0x9f, 0x01, 0x02, 0x03, 0x04, 0x05};

	memcpy (sashash, head, sizeof head);
	memset (sashash + 20, 0xee, 12);
	code = cf_zrtp_security_code (sashash);
	g_assert_cmpstr (code, ==, "00042 27775 99999 19365");
	g_assert_cmpuint (strlen (code), ==, CF_ZRTP_SECURITY_CODE_LEN);

	memset (sashash + 20, 0x11, 12);
	code2 = cf_zrtp_security_code (sashash);
	g_assert_cmpstr (code2, ==, code);

	/* 0x0186a0 = 100000 -> "00000"; all-zero -> zeros */
	g_clear_pointer (&code, g_free);
	memset (sashash, 0, sizeof sashash);
	sashash[17] = 0x01;
	sashash[18] = 0x86;
	sashash[19] = 0xa0;
	code = cf_zrtp_security_code (sashash);
	g_assert_cmpstr (code, ==, "00000 00000 00000 00000");

	/* byte 4 and byte 0 weigh 1 and 2^32 within group 0:
	 * 01 00 00 00 01 = 4294967297 -> "67297" */
	g_clear_pointer (&code, g_free);
	sashash[0] = 0x01;
	sashash[4] = 0x01;
	code = cf_zrtp_security_code (sashash);
	g_assert_cmpstr (code, ==, "67297 00000 00000 00000");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/zrtp/sas/b32", test_b32);
	g_test_add_func ("/confab/zrtp/sas/b256", test_b256);
	g_test_add_func ("/confab/zrtp/sas/pgp-words", test_pgp_words);
	g_test_add_func ("/confab/zrtp/sas/security-code", test_security_code);
	return g_test_run ();
}
