/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz target for the SDP parser, printer and offer/answer code.
 *
 * Any input that parses must print, parse again and print the same text;
 * answering it as a remote offer must give an answer that parses and fits
 * the offer; processing it as the answer to our offer must not crash.
 * Anything else is a bug: abort(). */
#define G_LOG_DOMAIN "fuzz-sdp"

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cf-sdp-negotiate.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean ok, const char *what, const GError *error)
{
	if (ok)
		return;
	g_printerr ("fuzz-sdp: %s%s%s\n",
		    what,
		    error != NULL ? ": " : "",
		    error != NULL ? error->message : "");
	abort ();
}

static CfSdpNegotiator *
new_negotiator (const char *address)
{
	CfSdpNegotiator *n = cf_sdp_negotiator_new ("fuzz", address);
	g_autoptr (CfSdpCodec) vp8 = cf_sdp_codec_new (CF_SDP_PT_AUTO, "VP8", 90000, 1, NULL);
	CfSdpLocalMedia *audio = cf_sdp_local_media_new_audio (4000);
	CfSdpLocalMedia *camera = cf_sdp_local_media_new ("video", "RTP/AVP", 4002);
	CfSdpLocalMedia *slides = cf_sdp_local_media_new ("video", "RTP/AVP", 4004);

	cf_sdp_negotiator_set_origin (n, 1, 1);
	cf_sdp_local_media_accept_proto (audio, "RTP/SAVP");
	cf_sdp_local_media_set_rtcp_mux (audio, TRUE);
	cf_sdp_local_media_add_codec (camera, vp8);
	cf_sdp_local_media_add_codec (slides, vp8);
	cf_sdp_local_media_set_content (slides, "slides");
	cf_sdp_negotiator_add_media (n, audio);
	cf_sdp_negotiator_add_media (n, camera);
	cf_sdp_negotiator_add_media (n, slides);
	return n;
}

/* Print, parse again, print again: the same text. Returns the re-parsed copy. */
static CfSdpSession *
round_trip (const CfSdpSession *sdp, const char *what)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *first = cf_sdp_session_print (sdp);
	g_autofree char *second = NULL;
	CfSdpSession *again;

	again = cf_sdp_session_parse (first, strlen (first), &error);
	check (again != NULL, what, error);
	second = cf_sdp_session_print (again);
	check (g_str_equal (first, second), what, NULL);
	return again;
}

static void
fuzz_answerer (const CfSdpSession *offer)
{
	g_autoptr (CfSdpNegotiator) bob = new_negotiator ("192.0.2.2");
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpSession) wire = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (CfSdpNegotiation) seen_by_offerer = NULL;
	g_autoptr (CfSdpSession) reoffer = NULL;
	g_autoptr (GError) error = NULL;

	answer = cf_sdp_negotiator_create_answer (bob, offer, &result, &error);
	if (answer == NULL) {
		check (error != NULL && error->domain == CF_SDP_ERROR, "answer error", NULL);
		return;
	}
	check (result != NULL, "answer without result", NULL);
	check (cf_sdp_session_get_n_media (answer) == cf_sdp_session_get_n_media (offer),
	       "answer m= line count",
	       NULL);
	wire = round_trip (answer, "answer round trip");
	/* The offerer must accept our answer. */
	seen_by_offerer = cf_sdp_negotiation_new (offer, wire, TRUE, &error);
	check (seen_by_offerer != NULL, "our answer does not fit the offer", error);
	/* And our next offer (hold) must be well-formed too. */
	cf_sdp_negotiator_set_direction (bob, CF_SDP_DIRECTION_SENDONLY);
	reoffer = cf_sdp_negotiator_create_offer (bob, &error);
	check (reoffer != NULL, "re-offer", error);
	g_clear_pointer (&wire, cf_sdp_session_free);
	wire = round_trip (reoffer, "re-offer round trip");
	check (cf_sdp_session_get_n_media (wire) >= cf_sdp_session_get_n_media (offer),
	       "re-offer lost m= lines",
	       NULL);
}

static void
fuzz_offerer (const CfSdpSession *answer)
{
	g_autoptr (CfSdpNegotiator) alice = new_negotiator ("192.0.2.1");
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GError) error = NULL;

	offer = cf_sdp_negotiator_create_offer (alice, &error);
	check (offer != NULL, "offer", error);
	result = cf_sdp_negotiator_process_answer (alice, answer, &error);
	if (result == NULL) {
		check (error != NULL && error->domain == CF_SDP_ERROR, "answer check error", NULL);
		check (cf_sdp_negotiator_has_pending_offer (alice), "offer lost", NULL);
		return;
	}
	check (result->streams->len == cf_sdp_session_get_n_media (answer), "result size", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) sdp = NULL;
	g_autoptr (CfSdpSession) again = NULL;
	static gboolean initialized = FALSE;

	if (!initialized) {
		/* A critical is an API misuse inside the library: a bug. */
		g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
		initialized = TRUE;
	}

	sdp = cf_sdp_session_parse ((const char *)data, size, &error);
	if (sdp == NULL) {
		check (error != NULL && error->domain == CF_SDP_ERROR && error->message != NULL,
		       "parse failed without a CF_SDP_ERROR",
		       NULL);
		return 0;
	}
	again = round_trip (sdp, "round trip");
	fuzz_answerer (sdp);
	fuzz_offerer (sdp);
	return 0;
}
