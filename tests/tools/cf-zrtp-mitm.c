/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp-mitm"

/* A ZRTP man in the middle, for tests only (tests/integration/zrtp_relay.py
 * drives it): two CfZrtpEngines with ZIDs of their own, leg A towards one
 * phone and leg B towards the other. Each leg completes its own key agreement,
 * so each phone ends up with keys and a SAS shared with the MITM, not with
 * the other phone: the two SASes differ, and that is what the users compare.
 *
 * Line protocol (one line each way per item; packets hex-encoded):
 *   out at start:  "HASH A <a=zrtp-hash value>", "HASH B <value>", "READY"
 *   in:            "PEERHASH A|B <the phone's a=zrtp-hash value>"
 *                  "A|B <hex>": a ZRTP packet received from that phone
 *                  "QUIT"
 *   out:           "A|B <hex>": a packet to send to that phone
 *                  "SECURE\t<leg>\t<sas>\t<security code>"
 *                  "FAILED\t<leg>\t<reason>"
 * A leg's engine starts with the first packet from its phone.
 *
 * Options: --zid-a HEX, --zid-b HEX (24 hex digits): the ZID of a leg instead
 * of a random one, e.g. the other phone's, to impersonate it towards a cache
 * that knows that ZID. */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <sodium.h>

#include "cf-zrtp-engine.h"
#include "cf-zrtp-packet.h"
#include "cf-zrtp-sas.h"

#define LINE_MAX_LEN (2 * CF_ZRTP_MAX_PACKET + 64)

typedef struct {
	char name;
	CfZrtpEngine *engine;
	gboolean started;
	gboolean done;
} Leg;

static GBytes *parse_hex (const char *hex, GError **error);

static void
leg_clear (Leg *leg)
{
	g_clear_pointer (&leg->engine, cf_zrtp_engine_free);
}

/* @zid_hex: NULL for a random ZID. */
static gboolean
leg_init (Leg *leg, char name, const char *zid_hex, GError **error)
{
	CfZrtpEngineConfig config = {.ssrc = g_random_int (), .client_id = "MITM"};

	leg->name = name;
	randombytes_buf (config.zid, sizeof config.zid);
	if (zid_hex != NULL) {
		g_autoptr (GBytes) zid = parse_hex (zid_hex, error);

		if (zid == NULL)
			return FALSE;
		if (g_bytes_get_size (zid) != CF_ZRTP_ZID_LEN) {
			g_set_error (error,
				     CF_ZRTP_ERROR,
				     CF_ZRTP_ERROR_MALFORMED,
				     "a ZID is 24 hex digits");
			return FALSE;
		}
		memcpy (config.zid, g_bytes_get_data (zid, NULL), CF_ZRTP_ZID_LEN);
	}
	leg->engine = cf_zrtp_engine_new (&config, error);
	return leg->engine != NULL;
}

/* Writes the engine's queued packets and events to stdout. */
static void
leg_flush (Leg *leg)
{
	GBytes *packet;
	CfZrtpEvent event;

	while ((packet = cf_zrtp_engine_pop_packet (leg->engine)) != NULL) {
		gsize len = 0;
		const guint8 *data = g_bytes_get_data (packet, &len);
		GString *line = g_string_sized_new (2 * len + 4);

		g_string_append_printf (line, "%c ", leg->name);
		for (gsize i = 0; i < len; i++)
			g_string_append_printf (line, "%02x", data[i]);
		printf ("%s\n", line->str);
		g_string_free (line, TRUE);
		g_bytes_unref (packet);
	}
	while (cf_zrtp_engine_pop_event (leg->engine, &event)) {
		if (event.type == CF_ZRTP_EVENT_SECURE) {
			CfZrtpResult result;
			g_autofree char *sas = NULL;
			g_autofree char *code = NULL;

			if (!cf_zrtp_engine_get_result (leg->engine, &result))
				continue;
			sas = strncmp (result.sas, "B256", 4) == 0
				      ? cf_zrtp_sas_b256 (result.sasvalue)
				      : cf_zrtp_sas_b32 (result.sasvalue);
			code = cf_zrtp_security_code (result.sashash);
			printf ("SECURE\t%c\t%s\t%s\n", leg->name, sas, code);
		} else {
			printf ("FAILED\t%c\t%s\n",
				leg->name,
				cf_zrtp_failure_to_string (event.failure));
			leg->done = TRUE;
		}
	}
	fflush (stdout);
}

/* @hex: an even number of hex digits. (transfer full) NULL if not. */
static GBytes *
parse_hex (const char *hex, GError **error)
{
	gsize n = strlen (hex);
	g_autofree guint8 *data = NULL;

	if (n == 0 || n % 2 != 0 || n / 2 > CF_ZRTP_MAX_PACKET) {
		g_set_error (
			error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED, "bad packet length %zu", n);
		return NULL;
	}
	data = g_malloc (n / 2);
	for (gsize i = 0; i < n / 2; i++) {
		int hi = g_ascii_xdigit_value (hex[2 * i]);
		int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			g_set_error_literal (
				error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED, "not hex");
			return NULL;
		}
		data[i] = (guint8)(hi << 4 | lo);
	}
	return g_bytes_new_take (g_steal_pointer (&data), n / 2);
}

static Leg *
find_leg (Leg legs[2], const char *name)
{
	if (g_str_equal (name, "A"))
		return &legs[0];
	if (g_str_equal (name, "B"))
		return &legs[1];
	return NULL;
}

/* One command line. FALSE: quit. */
static gboolean
handle_line (Leg legs[2], char *line, GError **error)
{
	g_auto (GStrv) words = g_strsplit (line, " ", 3);
	Leg *leg;

	if (words[0] == NULL)
		return TRUE;
	if (g_str_equal (words[0], "QUIT"))
		return FALSE;
	if (g_str_equal (words[0], "PEERHASH") && words[1] != NULL && words[2] != NULL
	    && (leg = find_leg (legs, words[1])) != NULL) {
		if (!cf_zrtp_engine_set_peer_hello_hash (leg->engine, words[2]))
			g_set_error (
				error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED, "bad peer hash");
		leg_flush (leg);
		return TRUE;
	}
	leg = find_leg (legs, words[0]);
	if (leg != NULL && words[1] != NULL && words[2] == NULL) {
		g_autoptr (GBytes) packet = parse_hex (words[1], error);
		gsize len = 0;
		const guint8 *data;
		gint64 now = g_get_monotonic_time ();

		if (packet == NULL)
			return TRUE;
		data = g_bytes_get_data (packet, &len);
		if (!leg->started) {
			leg->started = TRUE;
			cf_zrtp_engine_start (leg->engine, now);
		}
		cf_zrtp_engine_receive (leg->engine, data, len, now);
		leg_flush (leg);
		return TRUE;
	}
	g_set_error (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_MALFORMED, "unknown command");
	return TRUE;
}

/* The poll timeout until the first engine deadline, in ms; -1: none. */
static int
next_timeout (Leg legs[2])
{
	gint64 now = g_get_monotonic_time ();
	gint64 first = -1;

	for (int i = 0; i < 2; i++) {
		gint64 d;

		if (!legs[i].started || legs[i].done)
			continue;
		d = cf_zrtp_engine_get_deadline (legs[i].engine);
		if (d >= 0 && (first < 0 || d < first))
			first = d;
	}
	if (first < 0)
		return -1;
	return (int)CLAMP ((first - now + 999) / 1000, 0, G_MAXINT);
}

static void
run_timers (Leg legs[2])
{
	gint64 now = g_get_monotonic_time ();

	for (int i = 0; i < 2; i++) {
		gint64 d;

		if (!legs[i].started || legs[i].done)
			continue;
		d = cf_zrtp_engine_get_deadline (legs[i].engine);
		if (d >= 0 && now >= d) {
			cf_zrtp_engine_timeout (legs[i].engine, now);
			leg_flush (&legs[i]);
		}
	}
}

int
main (int argc, char **argv)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GOptionContext) options =
		g_option_context_new ("- a ZRTP man in the middle for tests");
	g_autofree char *zid_a = NULL;
	g_autofree char *zid_b = NULL;
	GOptionEntry entries[] = {
		{"zid-a", 0, 0, G_OPTION_ARG_STRING, &zid_a, "ZID of leg A (24 hex digits)", "HEX"},
		{"zid-b", 0, 0, G_OPTION_ARG_STRING, &zid_b, "ZID of leg B (24 hex digits)", "HEX"},
		G_OPTION_ENTRY_NULL,
	};
	Leg legs[2] = {0};
	g_autoptr (GString) buffer = g_string_new (NULL);
	gboolean running = TRUE;

	g_option_context_add_main_entries (options, entries, NULL);
	if (!g_option_context_parse (options, &argc, &argv, &error)) {
		fprintf (stderr, "cf-zrtp-mitm: %s\n", error->message);
		return 2;
	}
	if (sodium_init () < 0) {
		fprintf (stderr, "cf-zrtp-mitm: libsodium does not initialise\n");
		return 1;
	}
	if (!leg_init (&legs[0], 'A', zid_a, &error) || !leg_init (&legs[1], 'B', zid_b, &error)) {
		fprintf (stderr, "cf-zrtp-mitm: %s\n", error->message);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		g_autofree char *hash = cf_zrtp_engine_get_zrtp_hash_attribute (legs[i].engine);

		printf ("HASH %c %s\n", legs[i].name, hash);
	}
	printf ("READY\n");
	fflush (stdout);

	while (running) {
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		char chunk[4096];
		char *nl;
		ssize_t n;
		int r = poll (&pfd, 1, next_timeout (legs));

		if (r < 0 && errno != EINTR) {
			fprintf (stderr, "cf-zrtp-mitm: poll: %s\n", g_strerror (errno));
			break;
		}
		run_timers (legs);
		if (r <= 0)
			continue;
		n = read (STDIN_FILENO, chunk, sizeof chunk);
		if (n <= 0)
			break;
		g_string_append_len (buffer, chunk, n);
		while (running && (nl = memchr (buffer->str, '\n', buffer->len)) != NULL) {
			g_autofree char *line = g_strndup (buffer->str, nl - buffer->str);

			g_string_erase (buffer, 0, nl - buffer->str + 1);
			g_strchomp (line);
			running = handle_line (legs, line, &error);
			if (error != NULL) {
				fprintf (stderr, "cf-zrtp-mitm: %s\n", error->message);
				g_clear_error (&error);
			}
		}
		if (buffer->len > LINE_MAX_LEN) {
			fprintf (stderr, "cf-zrtp-mitm: line too long\n");
			break;
		}
	}
	leg_clear (&legs[0]);
	leg_clear (&legs[1]);
	return 0;
}
