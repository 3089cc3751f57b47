/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the ZRTP packet codec (RFC 6189 §5).
 *
 * The input is tried both as a whole packet (header, message, CRC) and as a
 * bare message, since a CRC would hide most mutations of the message from the
 * parser. Anything that parses must re-encode to the same bytes (a Hello may
 * differ only in its ignored flag bits, and then must encode stably), go
 * through a packet and back unchanged, and give MAC ranges inside the
 * message. Parse-only types must refuse to encode. Anything else is a bug:
 * abort(). */
#define G_LOG_DOMAIN "fuzz-zrtp"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf-zrtp-packet.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok, const char *what, const GError *error)
{
	if (ok)
		return;
	g_printerr ("fuzz-zrtp: %s%s%s\n",
		    what,
		    error != NULL ? ": " : "",
		    error != NULL ? error->message : "");
	abort ();
}

static gboolean
is_parse_only (CfZrtpMessageType type)
{
	return type == CF_ZRTP_MSG_GOCLEAR || type == CF_ZRTP_MSG_CLEAR_ACK ||
	       type == CF_ZRTP_MSG_SASRELAY || type == CF_ZRTP_MSG_RELAY_ACK;
}

static void
check_message (CfZrtpMessage *msg, const guint8 *data, gsize size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GBytes) first = NULL;
	g_autoptr (GBytes) pkt = NULL;
	g_autoptr (CfZrtpMessage) again = NULL;
	const guint8 *p, *mac;
	gsize len = 0, mac_len = 0;

	check (msg->raw != NULL && g_bytes_get_size (msg->raw) == size &&
		       memcmp (g_bytes_get_data (msg->raw, NULL), data, size) == 0,
	       "raw is not the input",
	       NULL);
	mac = cf_zrtp_message_mac_data (msg, &mac_len);
	if (mac != NULL)
		check (mac_len + CF_ZRTP_MAC_LEN == size, "MAC range", NULL);
	if (is_parse_only (msg->type)) {
		check (!cf_zrtp_message_encode (msg, &error) &&
			       g_error_matches (error, CF_ZRTP_ERROR, CF_ZRTP_ERROR_NOT_SUPPORTED),
		       "parse-only type encoded",
		       NULL);
		return;
	}
	check (cf_zrtp_message_encode (msg, &error), "re-encode", error);
	if (msg->type != CF_ZRTP_MSG_HELLO)
		check (g_bytes_get_size (msg->raw) == size &&
			       memcmp (g_bytes_get_data (msg->raw, NULL), data, size) == 0,
		       "re-encoded bytes differ",
		       NULL);
	first = g_bytes_ref (msg->raw);
	pkt = cf_zrtp_packet_build (1, 2, msg, &error);
	check (pkt != NULL, "packet build", error);
	p = g_bytes_get_data (pkt, &len);
	check (cf_zrtp_packet_parse (p, len, NULL, NULL, &again, &error), "packet re-parse", error);
	check (again->type == msg->type, "type changed", NULL);
	check (cf_zrtp_message_encode (again, &error), "second encode", error);
	check (g_bytes_equal (first, again->raw), "encoding not stable", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	static gboolean initialized = FALSE;

	if (!initialized) {
		/* A critical is an API misuse inside the library: a bug. */
		g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
		initialized = TRUE;
	}

	{
		g_autoptr (GError) error = NULL;
		g_autoptr (CfZrtpMessage) msg = NULL;

		if (cf_zrtp_packet_parse (data, size, NULL, NULL, &msg, &error)) {
			check (size >= 16, "packet too small", NULL);
			check_message (msg, data + CF_ZRTP_PACKET_HEADER_LEN, size - 16);
		} else {
			check (error != NULL && error->domain == CF_ZRTP_ERROR && msg == NULL,
			       "packet parse failed without a CF_ZRTP_ERROR",
			       NULL);
		}
	}
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (CfZrtpMessage) msg = cf_zrtp_message_parse (data, size, &error);

		if (msg != NULL)
			check_message (msg, data, size);
		else
			check (error != NULL && error->domain == CF_ZRTP_ERROR,
			       "message parse failed without a CF_ZRTP_ERROR",
			       NULL);
	}
	return 0;
}
