/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sdp-negotiate"

#include <string.h>

#include "cf-sdp-negotiate.h"

static CfSdpSession *
parse_ok (const char *text)
{
	g_autoptr (GError) error = NULL;
	CfSdpSession *sdp = cf_sdp_session_parse (text, strlen (text), &error);

	g_assert_no_error (error);
	g_assert_nonnull (sdp);
	return sdp;
}

static CfSdpSession *
load_vector (const char *name)
{
	g_autofree char *path = g_build_filename (CF_SDP_VECTORS_DIR, name, NULL);
	g_autofree char *data = NULL;
	g_autoptr (GError) error = NULL;

	g_file_get_contents (path, &data, NULL, &error);
	g_assert_no_error (error);
	return parse_ok (data);
}

/* What goes over the wire: print and parse again. */
static CfSdpSession *
transmit (const CfSdpSession *sdp)
{
	g_autofree char *text = cf_sdp_session_print (sdp);

	return parse_ok (text);
}

/* transmit() that consumes @sdp. */
static CfSdpSession *
transmit_take (CfSdpSession *sdp)
{
	g_autoptr (CfSdpSession) owned = sdp;

	return transmit (owned);
}

static CfSdpNegotiator *
new_party (const char *name, const char *address, guint16 port)
{
	CfSdpNegotiator *n = cf_sdp_negotiator_new (name, address);

	cf_sdp_negotiator_set_origin (n, 1000, 1);
	cf_sdp_negotiator_add_media (n, cf_sdp_local_media_new_audio (port));
	return n;
}

/* The formats of m= line @index, space-separated. */
static char *
formats_of (const CfSdpSession *sdp, guint index)
{
	const CfSdpMedia *m = cf_sdp_session_peek_media (sdp, index);
	g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
	g_auto (GStrv) v = NULL;

	for (guint i = 0; i < cf_sdp_media_get_n_formats (m); i++)
		g_strv_builder_add (b, cf_sdp_media_get_format (m, i));
	v = g_strv_builder_end (b);
	return g_strjoinv (" ", v);
}

static void
test_offer_audio (void)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 49170);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) wire = NULL;
	g_autoptr (GPtrArray) codecs = NULL;
	g_autofree char *formats = NULL;
	const CfSdpMedia *m;
	const CfSdpCodec *c;

	offer = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	g_assert_true (cf_sdp_negotiator_has_pending_offer (alice));
	wire = transmit (offer);

	g_assert_cmpstr (cf_sdp_session_get_origin_username (wire), ==, "alice");
	g_assert_cmpstr (cf_sdp_session_get_origin_session_id (wire), ==, "1000");
	g_assert_cmpuint (cf_sdp_session_get_origin_version (wire), ==, 1);
	g_assert_cmpstr (cf_sdp_session_get_connection (wire)->address, ==, "192.0.2.1");
	g_assert_cmpstr (cf_sdp_session_get_connection (wire)->addrtype, ==, "IP4");
	g_assert_cmpuint (cf_sdp_session_get_n_media (wire), ==, 1);
	m = cf_sdp_session_peek_media (wire, 0);
	g_assert_cmpstr (cf_sdp_media_get_media_type (m), ==, "audio");
	g_assert_cmpuint (cf_sdp_media_get_port (m), ==, 49170);
	g_assert_cmpstr (cf_sdp_media_get_proto (m), ==, "RTP/AVP");
	/* Opus, PCMU, PCMA, telephone-event, in that order */
	formats = formats_of (wire, 0);
	g_assert_cmpstr (formats, ==, "96 0 8 97");
	codecs = cf_sdp_media_get_codecs (m);
	g_assert_cmpuint (codecs->len, ==, 4);
	c = g_ptr_array_index (codecs, 0);
	g_assert_cmpstr (c->encoding, ==, "opus");
	g_assert_cmpuint (c->clock_rate, ==, 48000);
	g_assert_cmpuint (c->channels, ==, 2);
	g_assert_cmpstr (c->fmtp, ==, "useinbandfec=1");
	c = g_ptr_array_index (codecs, 1);
	g_assert_cmpstr (c->encoding, ==, "PCMU");
	g_assert_cmpuint (c->pt, ==, 0);
	c = g_ptr_array_index (codecs, 2);
	g_assert_cmpstr (c->encoding, ==, "PCMA");
	g_assert_cmpuint (c->pt, ==, 8);
	c = g_ptr_array_index (codecs, 3);
	g_assert_cmpstr (c->encoding, ==, "telephone-event");
	g_assert_cmpuint (c->clock_rate, ==, 8000);
	g_assert_cmpstr (c->fmtp, ==, "0-16");
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (wire, 0), ==, CF_SDP_DIRECTION_SENDRECV);
	g_assert_true (cf_sdp_attributes_has (cf_sdp_media_peek_attributes (m), "sendrecv"));
	g_assert_false (cf_sdp_media_get_rtcp_mux (m));
}

/* Hold and IPv6 and the extras later layers add. */
static void
test_offer_options (void)
{
	g_autoptr (CfSdpNegotiator) n = cf_sdp_negotiator_new (NULL, "2001:db8::5");
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) offer = NULL;
	CfSdpLocalMedia *audio = cf_sdp_local_media_new_audio (5004);
	const CfSdpMedia *m;

	cf_sdp_local_media_set_direction (audio, CF_SDP_DIRECTION_SENDONLY);
	cf_sdp_local_media_set_rtcp_mux (audio, TRUE);
	cf_sdp_local_media_set_ptime (audio, 20);
	cf_sdp_local_media_set_proto (audio, "RTP/SAVP");
	cf_sdp_local_media_set_address (audio, "198.51.100.3");
	g_assert_true (cf_sdp_attributes_add (cf_sdp_local_media_get_attributes (audio),
					      "crypto",
					      "1 AES_CM_128_HMAC_SHA1_80 inline:AAAA"));
	g_assert_true (
		cf_sdp_attributes_add (cf_sdp_negotiator_get_attributes (n), "ice-lite", NULL));
	cf_sdp_negotiator_add_media (n, audio);

	offer = cf_sdp_negotiator_create_offer (n, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (cf_sdp_session_get_origin_username (offer), ==, "-");
	g_assert_cmpstr (cf_sdp_session_get_origin_address (offer)->addrtype, ==, "IP6");
	g_assert_cmpstr (cf_sdp_session_get_connection (offer)->address, ==, "2001:db8::5");
	g_assert_true (cf_sdp_attributes_has (cf_sdp_session_peek_attributes (offer), "ice-lite"));
	m = cf_sdp_session_peek_media (offer, 0);
	g_assert_cmpstr (cf_sdp_media_get_proto (m), ==, "RTP/SAVP");
	g_assert_cmpstr (cf_sdp_media_get_connection (m)->address, ==, "198.51.100.3");
	g_assert_cmpstr (cf_sdp_session_get_media_connection (offer, 0)->addrtype, ==, "IP4");
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (offer, 0), ==, CF_SDP_DIRECTION_SENDONLY);
	g_assert_true (cf_sdp_media_get_rtcp_mux (m));
	g_assert_cmpuint (cf_sdp_media_get_ptime (m), ==, 20);
	g_assert_true (g_str_has_prefix (
		cf_sdp_attributes_lookup (cf_sdp_media_peek_attributes (m), "crypto"), "1 AES_CM"));
}

static void
test_local_media (void)
{
	g_autoptr (CfSdpLocalMedia) lm = cf_sdp_local_media_new ("video", "RTP/AVPF", 6000);
	g_autoptr (CfSdpCodec) vp8 = cf_sdp_codec_new (CF_SDP_PT_AUTO, "VP8", 90000, 1, NULL);
	g_autoptr (CfSdpCodec) fixed = cf_sdp_codec_new (96, "H264", 90000, 1, NULL);
	g_autoptr (CfSdpCodec) bad = cf_sdp_codec_new (96, "bad/name", 90000, 1, NULL);

	g_assert_true (cf_sdp_local_media_add_codec (lm, vp8));
	g_assert_cmpuint (cf_sdp_local_media_get_codec (lm, 0)->pt, ==, 96);
	/* 96 is taken now */
	g_assert_false (cf_sdp_local_media_add_codec (lm, fixed));
	g_assert_false (cf_sdp_local_media_add_codec (lm, bad));
	for (guint i = 1; i < 32; i++)
		g_assert_true (cf_sdp_local_media_add_codec (lm, vp8));
	g_assert_cmpuint (cf_sdp_local_media_get_codec (lm, 31)->pt, ==, 127);
	/* all dynamic payload types are used */
	g_assert_false (cf_sdp_local_media_add_codec (lm, vp8));
	g_assert_cmpuint (cf_sdp_local_media_get_n_codecs (lm), ==, 32);
	g_assert_true (cf_sdp_local_media_accepts_proto (lm, "rtp/avpf"));
	g_assert_false (cf_sdp_local_media_accepts_proto (lm, "RTP/SAVPF"));
	cf_sdp_local_media_accept_proto (lm, "RTP/SAVPF");
	g_assert_true (cf_sdp_local_media_accepts_proto (lm, "RTP/SAVPF"));
	cf_sdp_local_media_clear_codecs (lm);
	g_assert_cmpuint (cf_sdp_local_media_get_n_codecs (lm), ==, 0);
}

/* Checks that @answer is a proper answer to @offer (RFC 3264 §6): same
 * m= lines in the same order; accepted lines list only offered formats, in
 * the offer's order. */
static void
assert_answer_fits (const CfSdpSession *offer, const CfSdpSession *answer)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpNegotiation) neg = NULL;

	g_assert_cmpuint (
		cf_sdp_session_get_n_media (answer), ==, cf_sdp_session_get_n_media (offer));
	for (guint i = 0; i < cf_sdp_session_get_n_media (offer); i++) {
		const CfSdpMedia *om = cf_sdp_session_peek_media (offer, i);
		const CfSdpMedia *am = cf_sdp_session_peek_media (answer, i);
		guint last = 0;

		g_assert_cmpstr (
			cf_sdp_media_get_media_type (am), ==, cf_sdp_media_get_media_type (om));
		g_assert_cmpstr (cf_sdp_media_get_proto (am), ==, cf_sdp_media_get_proto (om));
		if (cf_sdp_media_is_rejected (am))
			continue;
		for (guint f = 0; f < cf_sdp_media_get_n_formats (am); f++) {
			const char *format = cf_sdp_media_get_format (am, f);
			guint pos = G_MAXUINT;

			for (guint o = 0; o < cf_sdp_media_get_n_formats (om); o++) {
				if (g_str_equal (cf_sdp_media_get_format (om, o), format))
					pos = o;
			}
			g_assert_cmpuint (pos, !=, G_MAXUINT);
			g_assert_cmpuint (pos, >=, last);
			last = pos;
		}
	}
	/* and the offerer agrees */
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	g_assert_nonnull (neg);
}

/* The RFC 4317 offers, answered by Confab's audio stream. */
static void
test_answer_rfc4317 (void)
{
	static const struct {
		const char *offer;
		const char *formats[3]; /* per m= line; NULL: rejected */
		guint n_media;
		CfSdpError error; /* G_MAXINT: no error */
	} cases[] = {
		/* PCMU PCMA iLBC + H261 MPV: PCMU and PCMA, video rejected */
		{"rfc4317-2.1-offer.sdp", {"0 8", NULL}, 2, G_MAXINT},
		{"rfc4317-2.2-offer2.sdp", {"0", NULL}, 2, G_MAXINT},
		/* PCMU iLBC + telephone-event only (sendonly): the second line
		 * has no codec and there is one audio stream */
		{"rfc4317-2.4-offer.sdp", {"0", NULL}, 2, G_MAXINT},
		/* only iLBC */
		{"rfc4317-2.5-offer.sdp", {NULL}, 0, CF_SDP_ERROR_NOT_ACCEPTABLE},
		/* PCMU; then iLBC + telephone-event */
		{"rfc4317-2.6-offer.sdp", {"0", NULL}, 2, G_MAXINT},
		{"rfc4317-2.7-offer.sdp", {NULL}, 0, CF_SDP_ERROR_NOT_ACCEPTABLE},
		{"rfc4317-3.1-offer.sdp", {"0"}, 1, G_MAXINT},
		{"rfc4317-3.2-offer2.sdp", {NULL}, 0, CF_SDP_ERROR_NOT_ACCEPTABLE},
		{"rfc4317-3.2-answer2.sdp", {"0", NULL}, 2, G_MAXINT},
		{"rfc4317-4.2-offer.sdp", {"0"}, 1, G_MAXINT},
		{"rfc4317-4.2-offer2.sdp", {"0", NULL}, 2, G_MAXINT},
		/* no media at all: an empty answer */
		{"rfc4317-5.1-offer.sdp", {NULL}, 0, G_MAXINT},
		{"rfc4317-5.2-offer.sdp", {NULL}, 0, CF_SDP_ERROR_NOT_ACCEPTABLE},
	};

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
		g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 40000);
		g_autoptr (CfSdpSession) offer = load_vector (cases[i].offer);
		g_autoptr (CfSdpSession) answer = NULL;
		g_autoptr (CfSdpNegotiation) result = NULL;
		g_autoptr (GError) error = NULL;

		g_test_message ("%s", cases[i].offer);
		answer = cf_sdp_negotiator_create_answer (bob, offer, &result, &error);
		if (cases[i].error != G_MAXINT) {
			g_assert_error (error, CF_SDP_ERROR, (gint)cases[i].error);
			g_assert_null (answer);
			g_assert_null (result);
			/* nothing was sent */
			g_assert_cmpuint (cf_sdp_negotiator_get_version (bob), ==, 0);
			continue;
		}
		g_assert_no_error (error);
		g_assert_nonnull (result);
		g_assert_cmpuint (cf_sdp_negotiator_get_version (bob), ==, 1);
		answer = transmit_take (answer);
		g_assert_cmpuint (cf_sdp_session_get_n_media (answer), ==, cases[i].n_media);
		assert_answer_fits (offer, answer);
		for (guint m = 0; m < cases[i].n_media; m++) {
			const CfSdpMedia *am = cf_sdp_session_peek_media (answer, m);
			const CfSdpStream *s = cf_sdp_negotiation_get_stream (result, m);

			if (cases[i].formats[m] == NULL) {
				g_assert_true (cf_sdp_media_is_rejected (am));
				g_assert_true (s->rejected);
				g_assert_cmpint (s->local_media, ==, -1);
			} else {
				g_autofree char *formats = formats_of (answer, m);

				g_assert_cmpuint (cf_sdp_media_get_port (am), ==, 40000);
				g_assert_cmpstr (formats, ==, cases[i].formats[m]);
				g_assert_false (s->rejected);
				g_assert_cmpint (s->local_media, ==, 0);
				g_assert_cmpuint (s->codec->pt, ==, 0);
				g_assert_cmpstr (s->codec->encoding, ==, "PCMU");
				g_assert_cmpstr (s->remote_address, ==, "host.atlanta.example.com");
			}
		}
	}
}

/* The RFC 4317 answers, processed by the offerer. */
static void
test_result_rfc4317 (void)
{
	static const char *const sections[] = {
		"2.1",
		"2.2",
		"2.3",
		"2.4",
		"2.5",
		"2.6",
		"2.7",
		"2.8",
		"3.1",
		"3.2",
		"4.1",
		"4.2",
		"4.3",
		"5.1",
		"5.2",
		"5.3",
	};
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpNegotiation) neg = NULL;
	g_autoptr (GError) error = NULL;
	const CfSdpStream *s;

	/* Every exchange of the RFC is a valid one. */
	for (guint i = 0; i < G_N_ELEMENTS (sections); i++) {
		for (guint round = 1; round <= 2; round++) {
			g_autofree char *on = NULL;
			g_autofree char *an = NULL;
			g_autofree char *path = NULL;

			on = g_strdup_printf (
				"rfc4317-%s-offer%s.sdp", sections[i], round == 2 ? "2" : "");
			an = g_strdup_printf (
				"rfc4317-%s-answer%s.sdp", sections[i], round == 2 ? "2" : "");
			path = g_build_filename (CF_SDP_VECTORS_DIR, on, NULL);
			if (!g_file_test (path, G_FILE_TEST_EXISTS))
				continue;
			g_test_message ("%s / %s", on, an);
			g_clear_pointer (&offer, cf_sdp_session_free);
			g_clear_pointer (&answer, cf_sdp_session_free);
			g_clear_pointer (&neg, cf_sdp_negotiation_free);
			offer = load_vector (on);
			answer = load_vector (an);
			neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
			g_assert_no_error (error);
			g_clear_pointer (&neg, cf_sdp_negotiation_free);
			/* and seen from the answerer */
			neg = cf_sdp_negotiation_new (offer, answer, FALSE, &error);
			g_assert_no_error (error);
		}
	}

	/* 2.1: PCMU and MPV */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-2.1-offer.sdp");
	answer = load_vector ("rfc4317-2.1-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	g_assert_true (neg->local_is_offerer);
	g_assert_cmpuint (neg->remote_version, ==, 2808844564u);
	s = cf_sdp_negotiation_find (neg, "audio");
	g_assert_cmpuint (s->index, ==, 0);
	g_assert_cmpstr (s->codec->encoding, ==, "PCMU");
	g_assert_cmpuint (s->codec->pt, ==, 0);
	g_assert_cmpuint (s->recv_pt, ==, 0);
	g_assert_cmpuint (s->recv_codecs->len, ==, 1);
	g_assert_cmpint (s->telephone_event_pt, ==, -1);
	g_assert_cmpstr (s->remote_address, ==, "host.biloxi.example.com");
	g_assert_cmpuint (s->remote_port, ==, 49174);
	g_assert_true (s->local_sends);
	g_assert_true (s->remote_sends);
	g_assert_false (s->remote_hold);
	s = cf_sdp_negotiation_find (neg, "video");
	g_assert_cmpstr (s->codec->encoding, ==, "MPV");
	g_assert_cmpuint (s->codec->pt, ==, 32);
	g_assert_cmpuint (s->remote_port, ==, 49170);

	/* 2.2: video rejected */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-2.2-offer.sdp");
	answer = load_vector ("rfc4317-2.2-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 1);
	g_assert_true (s->rejected);
	g_assert_null (s->codec);
	g_assert_false (s->local_sends);
	g_assert_false (s->remote_sends);
	g_assert_null (cf_sdp_negotiation_find (neg, "video"));
	g_assert_null (cf_sdp_negotiation_get_stream (neg, 2));
	s = cf_sdp_negotiation_get_stream (neg, 0);
	g_assert_cmpuint (s->recv_codecs->len, ==, 2);

	/* 2.3: iLBC, which the answer calls 99 and the offer 97 */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-2.3-offer.sdp");
	answer = load_vector ("rfc4317-2.3-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 0);
	g_assert_cmpstr (s->codec->encoding, ==, "iLBC");
	g_assert_cmpuint (s->codec->pt, ==, 99);
	g_assert_cmpuint (s->recv_pt, ==, 97);
	s = cf_sdp_negotiation_get_stream (neg, 1);
	g_assert_cmpstr (s->codec->encoding, ==, "H261");

	/* 2.4: a stream of telephone-event only, sent one way */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-2.4-offer.sdp");
	answer = load_vector ("rfc4317-2.4-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 1);
	g_assert_false (s->rejected);
	g_assert_cmpstr (s->codec->encoding, ==, "telephone-event");
	g_assert_cmpint (s->telephone_event_pt, ==, 98);
	g_assert_cmpint (s->telephone_event_recv_pt, ==, 98);
	g_assert_cmpuint (s->recv_codecs->len, ==, 0);
	g_assert_cmpint (s->local_direction, ==, CF_SDP_DIRECTION_SENDONLY);
	g_assert_cmpint (s->remote_direction, ==, CF_SDP_DIRECTION_RECVONLY);
	g_assert_true (s->local_sends);
	g_assert_false (s->remote_sends);
	g_assert_false (s->remote_hold);
	/* the same exchange from Bob's side */
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	neg = cf_sdp_negotiation_new (offer, answer, FALSE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 1);
	g_assert_false (s->local_sends);
	g_assert_true (s->remote_sends);
	g_assert_true (s->remote_hold);
	g_assert_cmpstr (s->remote_address, ==, "host.atlanta.example.com");
	g_assert_cmpuint (s->remote_port, ==, 49172);

	/* 2.6: first stream rejected, iLBC with events on the second */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-2.6-offer.sdp");
	answer = load_vector ("rfc4317-2.6-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	g_assert_true (cf_sdp_negotiation_get_stream (neg, 0)->rejected);
	s = cf_sdp_negotiation_find (neg, "audio");
	g_assert_cmpuint (s->index, ==, 1);
	g_assert_cmpstr (s->codec->encoding, ==, "iLBC");
	g_assert_cmpint (s->telephone_event_pt, ==, 101);

	/* 2.8: video goes to another host */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-2.8-offer.sdp");
	answer = load_vector ("rfc4317-2.8-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	g_assert_cmpstr (cf_sdp_negotiation_get_stream (neg, 0)->remote_address,
			 ==,
			 "host.biloxi.example.com");
	g_assert_cmpstr (cf_sdp_negotiation_get_stream (neg, 1)->remote_address,
			 ==,
			 "otherhost.biloxi.example.com");

	/* 3.1: Bob answers on hold (sendonly) */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-3.1-offer.sdp");
	answer = load_vector ("rfc4317-3.1-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 0);
	g_assert_cmpstr (s->codec->encoding, ==, "iLBC");
	g_assert_false (s->local_sends);
	g_assert_true (s->remote_sends);
	g_assert_true (s->remote_hold);

	/* 5.2: Alice offers 0.0.0.0: Bob must not send */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-5.2-offer.sdp");
	answer = load_vector ("rfc4317-5.2-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, FALSE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 0);
	g_assert_false (s->local_sends);
	g_assert_true (s->remote_sends);
	g_assert_true (s->remote_hold);

	/* 5.3: Bob answers 0.0.0.0: Alice must not send */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-5.3-offer.sdp");
	answer = load_vector ("rfc4317-5.3-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (neg, 0);
	g_assert_false (s->local_sends);
	g_assert_true (s->remote_sends);
	g_assert_true (s->remote_hold);
	g_assert_cmpstr (s->remote_address, ==, "0.0.0.0");

	/* 5.1: no media */
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&neg, cf_sdp_negotiation_free);
	offer = load_vector ("rfc4317-5.1-offer.sdp");
	answer = load_vector ("rfc4317-5.1-answer.sdp");
	neg = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (neg->streams->len, ==, 0);
	g_assert_null (cf_sdp_negotiation_find (neg, "audio"));
}

/* A full exchange between two negotiators; returns the results of both. */
static void
exchange (CfSdpNegotiator *offerer,
	  CfSdpNegotiator *answerer,
	  CfSdpNegotiation **ret_offerer,
	  CfSdpNegotiation **ret_answerer,
	  guint64 *ret_offer_version,
	  guint64 *ret_answer_version)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpSession) offer_wire = NULL;
	g_autoptr (CfSdpSession) answer_wire = NULL;

	offer = cf_sdp_negotiator_create_offer (offerer, &error);
	g_assert_no_error (error);
	offer_wire = transmit (offer);
	answer = cf_sdp_negotiator_create_answer (answerer, offer_wire, ret_answerer, &error);
	g_assert_no_error (error);
	answer_wire = transmit (answer);
	assert_answer_fits (offer_wire, answer_wire);
	*ret_offerer = cf_sdp_negotiator_process_answer (offerer, answer_wire, &error);
	g_assert_no_error (error);
	g_assert_false (cf_sdp_negotiator_has_pending_offer (offerer));
	if (ret_offer_version != NULL)
		*ret_offer_version = cf_sdp_session_get_origin_version (offer_wire);
	if (ret_answer_version != NULL)
		*ret_answer_version = cf_sdp_session_get_origin_version (answer_wire);
}

static void
assert_flow (const CfSdpNegotiation *neg,
	     gboolean local_sends,
	     gboolean remote_sends,
	     gboolean remote_hold)
{
	const CfSdpStream *s = cf_sdp_negotiation_find (neg, "audio");

	g_assert_nonnull (s);
	g_assert_cmpint (s->local_sends, ==, local_sends);
	g_assert_cmpint (s->remote_sends, ==, remote_sends);
	g_assert_cmpint (s->remote_hold, ==, remote_hold);
}

static void
test_hold_resume (void)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
	g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
	CfSdpNegotiation *a = NULL, *b = NULL;
	guint64 ov = 0, av = 0;
	const CfSdpStream *s;

	/* Call: Opus both ways, telephone-event */
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpuint (ov, ==, 1);
	g_assert_cmpuint (av, ==, 1);
	assert_flow (a, TRUE, TRUE, FALSE);
	assert_flow (b, TRUE, TRUE, FALSE);
	s = cf_sdp_negotiation_find (a, "audio");
	g_assert_cmpstr (s->codec->encoding, ==, "opus");
	g_assert_cmpuint (s->codec->pt, ==, 96);
	g_assert_cmpstr (s->codec->fmtp, ==, "useinbandfec=1");
	g_assert_cmpint (s->telephone_event_pt, ==, 97);
	g_assert_cmpuint (s->recv_codecs->len, ==, 3);
	g_assert_cmpstr (s->remote_address, ==, "192.0.2.2");
	g_assert_cmpuint (s->remote_port, ==, 5000);
	g_assert_cmpint (s->local_media, ==, 0);
	s = cf_sdp_negotiation_find (b, "audio");
	g_assert_cmpstr (s->codec->encoding, ==, "opus");
	g_assert_cmpstr (s->remote_address, ==, "192.0.2.1");
	g_assert_cmpuint (s->remote_port, ==, 4000);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Alice holds: sendonly; Bob answers recvonly */
	cf_sdp_negotiator_set_direction (alice, CF_SDP_DIRECTION_SENDONLY);
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpuint (ov, ==, 2);
	g_assert_cmpuint (av, ==, 2);
	g_assert_cmpint (cf_sdp_negotiation_find (b, "audio")->local_direction,
			 ==,
			 CF_SDP_DIRECTION_RECVONLY);
	assert_flow (a, TRUE, FALSE, FALSE);
	assert_flow (b, FALSE, TRUE, TRUE);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* A session refresh changes nothing: same versions */
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpuint (ov, ==, 2);
	g_assert_cmpuint (av, ==, 2);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Inactive hold */
	cf_sdp_negotiator_set_direction (alice, CF_SDP_DIRECTION_INACTIVE);
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpuint (ov, ==, 3);
	g_assert_cmpuint (av, ==, 3);
	g_assert_cmpint (cf_sdp_negotiation_find (b, "audio")->local_direction,
			 ==,
			 CF_SDP_DIRECTION_INACTIVE);
	assert_flow (a, FALSE, FALSE, TRUE);
	assert_flow (b, FALSE, FALSE, TRUE);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Resume */
	cf_sdp_negotiator_set_direction (alice, CF_SDP_DIRECTION_SENDRECV);
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpuint (ov, ==, 4);
	g_assert_cmpuint (av, ==, 4);
	assert_flow (a, TRUE, TRUE, FALSE);
	assert_flow (b, TRUE, TRUE, FALSE);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Bob holds by offering sendonly; Alice answers recvonly */
	cf_sdp_negotiator_set_direction (bob, CF_SDP_DIRECTION_SENDONLY);
	exchange (bob, alice, &b, &a, &ov, &av);
	g_assert_cmpuint (ov, ==, 5);
	g_assert_cmpuint (av, ==, 5);
	assert_flow (a, FALSE, TRUE, TRUE);
	assert_flow (b, TRUE, FALSE, FALSE);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Alice, holding too, re-offers sendonly: Bob (sendonly) answers inactive */
	cf_sdp_negotiator_set_direction (alice, CF_SDP_DIRECTION_SENDONLY);
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpint (cf_sdp_negotiation_find (b, "audio")->local_direction,
			 ==,
			 CF_SDP_DIRECTION_INACTIVE);
	assert_flow (a, FALSE, FALSE, TRUE);
	assert_flow (b, FALSE, FALSE, TRUE);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Alice resumes (sendrecv) while Bob still holds: Bob answers sendonly */
	cf_sdp_negotiator_set_direction (alice, CF_SDP_DIRECTION_SENDRECV);
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpint (cf_sdp_negotiation_find (b, "audio")->local_direction,
			 ==,
			 CF_SDP_DIRECTION_SENDONLY);
	assert_flow (a, FALSE, TRUE, TRUE);
	assert_flow (b, TRUE, FALSE, FALSE);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Alice offers recvonly; Bob (sendonly) answers sendonly */
	cf_sdp_negotiator_set_direction (alice, CF_SDP_DIRECTION_RECVONLY);
	exchange (alice, bob, &a, &b, &ov, &av);
	g_assert_cmpint (cf_sdp_negotiation_find (b, "audio")->local_direction,
			 ==,
			 CF_SDP_DIRECTION_SENDONLY);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);
}

/* A rejected re-offer: the next offer gets a new version even if it is the
 * same. */
static void
test_cancel_offer (void)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
	g_autoptr (CfSdpSession) o1 = NULL;
	g_autoptr (CfSdpSession) o2 = NULL;
	g_autoptr (CfSdpSession) o3 = NULL;
	g_autoptr (GError) error = NULL;

	o1 = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	/* an unanswered offer replaced by the same one */
	o2 = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_sdp_session_get_origin_version (o2), ==, 1);
	cf_sdp_negotiator_cancel_offer (alice);
	g_assert_false (cf_sdp_negotiator_has_pending_offer (alice));
	o3 = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cf_sdp_session_get_origin_version (o3), ==, 2);
	g_assert_cmpuint (cf_sdp_negotiator_get_version (alice), ==, 2);
	g_assert_cmpuint (cf_sdp_negotiator_get_session_id (alice), ==, 1000);
}

static const char *const offer_head = "v=0\r\n"
				      "o=carol 77 77 IN IP4 198.51.100.9\r\n"
				      "s=-\r\n"
				      "c=IN IP4 198.51.100.9\r\n"
				      "t=0 0\r\n";

static CfSdpSession *
remote_offer (const char *media)
{
	g_autofree char *text = g_strconcat (offer_head, media, NULL);

	return parse_ok (text);
}

static void
answer_fails (const char *media, CfSdpError code)
{
	g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
	g_autoptr (CfSdpSession) offer = remote_offer (media);
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (GError) error = NULL;
	CfSdpNegotiation *result = NULL;

	g_test_message ("%s", media);
	answer = cf_sdp_negotiator_create_answer (bob, offer, &result, &error);
	g_assert_error (error, CF_SDP_ERROR, (gint)code);
	g_assert_null (answer);
	g_assert_null (result);
}

/* Answers @media with Confab's audio; returns the answer. */
static CfSdpSession *
answer_ok (CfSdpNegotiator *bob, const char *media, CfSdpNegotiation **ret_result)
{
	g_autoptr (CfSdpSession) offer = remote_offer (media);
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (GError) error = NULL;

	g_test_message ("%s", media);
	answer = cf_sdp_negotiator_create_answer (bob, offer, ret_result, &error);
	g_assert_no_error (error);
	answer = transmit_take (answer);
	assert_answer_fits (offer, answer);
	return g_steal_pointer (&answer);
}

static void
test_no_common_codec (void)
{
	answer_fails ("m=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n",
		      CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* Opus, but mono (RFC 7587 says opus/48000/2) */
	answer_fails ("m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000\r\n",
		      CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* PCMU at 16 kHz is not PCMU */
	answer_fails ("m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/16000\r\n",
		      CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* a dynamic payload type without rtpmap means nothing */
	answer_fails ("m=audio 4000 RTP/AVP 96\r\n", CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* telephone-event alone */
	answer_fails ("m=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n",
		      CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* video only */
	answer_fails ("m=video 4000 RTP/AVP 31\r\n", CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* a protocol we do not accept */
	answer_fails ("m=audio 4000 RTP/SAVP 0\r\n", CF_SDP_ERROR_NOT_ACCEPTABLE);
	answer_fails ("m=audio 4000 udp 0\r\n", CF_SDP_ERROR_NOT_ACCEPTABLE);
	/* no connection address */
	{
		g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
		g_autoptr (CfSdpSession) offer =
			parse_ok ("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"
				  "m=audio 4000 RTP/AVP 0\r\n");
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSdpSession) answer = NULL;

		answer = cf_sdp_negotiator_create_answer (bob, offer, NULL, &error);
		g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_NOT_ACCEPTABLE);
	}
}

static void
test_answer_codecs (void)
{
	g_autoptr (CfSdpNegotiator) bob = NULL;
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autofree char *formats = NULL;
	const CfSdpStream *s;
	const CfSdpMedia *m;

	/* Static payload types without rtpmap; the offerer's order */
	bob = new_party ("bob", "192.0.2.2", 5000);
	answer = answer_ok (bob, "m=audio 4000 RTP/AVP 8 18 0\r\n", &result);
	formats = formats_of (answer, 0);
	g_assert_cmpstr (formats, ==, "8 0");
	s = cf_sdp_negotiation_get_stream (result, 0);
	g_assert_cmpstr (s->codec->encoding, ==, "PCMA");
	g_assert_cmpuint (s->codec->pt, ==, 8);
	g_assert_cmpuint (s->recv_pt, ==, 8);
	g_assert_cmpint (s->telephone_event_pt, ==, -1);
	g_assert_cmpuint (s->remote_port, ==, 4000);
	g_assert_cmpstr (s->remote_address, ==, "198.51.100.9");
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&result, cf_sdp_negotiation_free);
	g_clear_pointer (&formats, g_free);
	g_clear_pointer (&bob, cf_sdp_negotiator_free);

	/* Case-insensitive names, the offerer's payload types, our fmtp;
	 * telephone-event once, at the rate we have */
	bob = new_party ("bob", "192.0.2.2", 5000);
	answer = answer_ok (bob,
			    "m=audio 4000 RTP/AVP 111 100 102 110 101\r\n"
			    "a=rtpmap:111 OPUS/48000/2\r\n"
			    "a=fmtp:111 minptime=10;useinbandfec=1;stereo=1\r\n"
			    "a=rtpmap:100 pcmu/8000\r\n"
			    "a=rtpmap:102 G722/8000\r\n"
			    "a=rtpmap:110 telephone-event/48000\r\n"
			    "a=rtpmap:101 telephone-event/8000\r\n"
			    "a=fmtp:101 0-15\r\n"
			    "a=rtcp-mux\r\n"
			    "a=ptime:30\r\n",
			    &result);
	formats = formats_of (answer, 0);
	g_assert_cmpstr (formats, ==, "111 100 101");
	m = cf_sdp_session_peek_media (answer, 0);
	g_assert_cmpstr (cf_sdp_media_get_fmtp (m, 111), ==, "useinbandfec=1");
	g_assert_cmpstr (cf_sdp_media_get_fmtp (m, 101), ==, "0-16");
	/* we did not ask for rtcp-mux */
	g_assert_false (cf_sdp_media_get_rtcp_mux (m));
	s = cf_sdp_negotiation_get_stream (result, 0);
	g_assert_cmpstr (s->codec->encoding, ==, "OPUS");
	g_assert_cmpuint (s->codec->pt, ==, 111);
	/* what the peer wants to receive */
	g_assert_cmpstr (s->codec->fmtp, ==, "minptime=10;useinbandfec=1;stereo=1");
	g_assert_cmpint (s->telephone_event_pt, ==, 101);
	g_assert_cmpint (s->telephone_event_recv_pt, ==, 101);
	g_assert_cmpuint (s->recv_codecs->len, ==, 2);
	g_assert_cmpuint (s->remote_ptime, ==, 30);
	g_assert_false (s->rtcp_mux);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&result, cf_sdp_negotiation_free);
	g_clear_pointer (&formats, g_free);

	/* Bob keeps the payload types in his own later offer (RFC 3264 §8.3.2) */
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSdpSession) offer = cf_sdp_negotiator_create_offer (bob, &error);
		g_autoptr (GPtrArray) codecs = NULL;

		g_assert_no_error (error);
		codecs = cf_sdp_media_get_codecs (cf_sdp_session_peek_media (offer, 0));
		g_assert_cmpuint (codecs->len, ==, 4);
		g_assert_cmpstr (
			((CfSdpCodec *)g_ptr_array_index (codecs, 0))->encoding, ==, "opus");
		g_assert_cmpuint (((CfSdpCodec *)g_ptr_array_index (codecs, 0))->pt, ==, 111);
		g_assert_cmpuint (((CfSdpCodec *)g_ptr_array_index (codecs, 3))->pt, ==, 101);
		/* the version moves on from the answer's */
		g_assert_cmpuint (cf_sdp_session_get_origin_version (offer), ==, 2);
	}
	g_clear_pointer (&bob, cf_sdp_negotiator_free);

	/* rtcp-mux when both want it */
	bob = new_party ("bob", "192.0.2.2", 5000);
	cf_sdp_local_media_set_rtcp_mux (cf_sdp_negotiator_find_media (bob, "audio"), TRUE);
	answer = answer_ok (bob, "m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n", &result);
	g_assert_true (cf_sdp_media_get_rtcp_mux (cf_sdp_session_peek_media (answer, 0)));
	g_assert_true (cf_sdp_negotiation_get_stream (result, 0)->rtcp_mux);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&result, cf_sdp_negotiation_free);
	g_clear_pointer (&bob, cf_sdp_negotiator_free);
	bob = new_party ("bob", "192.0.2.2", 5000);
	cf_sdp_local_media_set_rtcp_mux (cf_sdp_negotiator_find_media (bob, "audio"), TRUE);
	answer = answer_ok (bob, "m=audio 4000 RTP/AVP 0\r\n", &result);
	g_assert_false (cf_sdp_media_get_rtcp_mux (cf_sdp_session_peek_media (answer, 0)));
	g_assert_false (cf_sdp_negotiation_get_stream (result, 0)->rtcp_mux);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&result, cf_sdp_negotiation_free);
	g_clear_pointer (&bob, cf_sdp_negotiator_free);

	/* SRTP when accepted; session-level direction; media-level c= */
	bob = new_party ("bob", "192.0.2.2", 5000);
	cf_sdp_local_media_accept_proto (cf_sdp_negotiator_find_media (bob, "audio"), "RTP/SAVP");
	answer = answer_ok (bob,
			    "a=sendonly\r\n"
			    "m=audio 4000 RTP/SAVP 0\r\n"
			    "c=IN IP6 2001:db8::9\r\n",
			    &result);
	g_assert_cmpstr (
		cf_sdp_media_get_proto (cf_sdp_session_peek_media (answer, 0)), ==, "RTP/SAVP");
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (answer, 0), ==, CF_SDP_DIRECTION_RECVONLY);
	s = cf_sdp_negotiation_get_stream (result, 0);
	g_assert_cmpstr (s->proto, ==, "RTP/SAVP");
	g_assert_cmpstr (s->remote_address, ==, "2001:db8::9");
	g_assert_true (s->remote_hold);
	g_assert_true (s->remote_sends);
	g_assert_false (s->local_sends);
}

/* The second of two audio lines is rejected; unknown media types too; a
 * disabled line stays disabled. */
static void
test_answer_layout (void)
{
	g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpSession) reoffer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GError) error = NULL;
	const CfSdpMedia *m;

	answer = answer_ok (bob,
			    "m=audio 0 RTP/AVP 0\r\n"
			    "m=application 5000 TCP/BFCP *\r\n"
			    "m=audio 4000 RTP/AVP 18 8\r\n"
			    "m=audio 4002 RTP/AVP 0\r\n"
			    "m=video 4004 RTP/AVP 31\r\n",
			    &result);
	g_assert_cmpuint (cf_sdp_session_get_n_media (answer), ==, 5);
	g_assert_true (cf_sdp_media_is_rejected (cf_sdp_session_peek_media (answer, 0)));
	m = cf_sdp_session_peek_media (answer, 1);
	g_assert_true (cf_sdp_media_is_rejected (m));
	g_assert_cmpstr (cf_sdp_media_get_media_type (m), ==, "application");
	g_assert_cmpstr (cf_sdp_media_get_format (m, 0), ==, "*");
	g_assert_false (cf_sdp_media_is_rejected (cf_sdp_session_peek_media (answer, 2)));
	g_assert_true (cf_sdp_media_is_rejected (cf_sdp_session_peek_media (answer, 3)));
	g_assert_true (cf_sdp_media_is_rejected (cf_sdp_session_peek_media (answer, 4)));
	g_assert_cmpuint (cf_sdp_negotiation_find (result, "audio")->index, ==, 2);
	g_assert_cmpint (cf_sdp_negotiation_find (result, "audio")->local_media, ==, 0);

	/* Bob's own re-offer (hold) keeps the five lines, only his audio live */
	cf_sdp_negotiator_set_direction (bob, CF_SDP_DIRECTION_SENDONLY);
	reoffer = cf_sdp_negotiator_create_offer (bob, &error);
	g_assert_no_error (error);
	reoffer = transmit_take (reoffer);
	g_assert_cmpuint (cf_sdp_session_get_n_media (reoffer), ==, 5);
	for (guint i = 0; i < 5; i++) {
		m = cf_sdp_session_peek_media (reoffer, i);
		g_assert_cmpstr (
			cf_sdp_media_get_media_type (m),
			==,
			cf_sdp_media_get_media_type (cf_sdp_session_peek_media (answer, i)));
		g_assert_cmpint (cf_sdp_media_is_rejected (m), ==, i != 2);
	}
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (reoffer, 2), ==, CF_SDP_DIRECTION_SENDONLY);
	g_assert_cmpuint (cf_sdp_session_get_origin_version (reoffer), ==, 2);
}

/* A new stream when the session already has the most m= lines there may
 * be: it takes the place of one that is not used. */
static void
test_offer_full_layout (void)
{
	g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
	g_autoptr (CfSdpCodec) vp8 = cf_sdp_codec_new (CF_SDP_PT_AUTO, "VP8", 90000, 1, NULL);
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpSession) reoffer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) media = g_string_new ("m=audio 4000 RTP/AVP 0\r\n");
	CfSdpLocalMedia *camera = cf_sdp_local_media_new ("video", "RTP/AVP", 5002);

	for (guint i = 1; i < CF_SDP_MAX_MEDIA; i++)
		g_string_append_printf (media, "m=application %u TCP/BFCP *\r\n", 6000 + i);
	cf_sdp_local_media_add_codec (camera, vp8);
	cf_sdp_negotiator_add_media (bob, camera);
	answer = answer_ok (bob, media->str, &result);
	g_assert_cmpuint (cf_sdp_session_get_n_media (answer), ==, CF_SDP_MAX_MEDIA);

	reoffer = cf_sdp_negotiator_create_offer (bob, &error);
	g_assert_no_error (error);
	reoffer = transmit_take (reoffer);
	g_assert_cmpuint (cf_sdp_session_get_n_media (reoffer), ==, CF_SDP_MAX_MEDIA);
	g_assert_cmpstr (
		cf_sdp_media_get_media_type (cf_sdp_session_peek_media (reoffer, 0)), ==, "audio");
	g_assert_cmpstr (
		cf_sdp_media_get_media_type (cf_sdp_session_peek_media (reoffer, 1)), ==, "video");
	g_assert_cmpuint (cf_sdp_media_get_port (cf_sdp_session_peek_media (reoffer, 1)), ==, 5002);
	for (guint i = 2; i < CF_SDP_MAX_MEDIA; i++)
		g_assert_true (cf_sdp_media_is_rejected (cf_sdp_session_peek_media (reoffer, i)));
}

/* Two video streams (camera and slides) find their lines by a=content. */
static void
test_answer_content (void)
{
	g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
	g_autoptr (CfSdpCodec) vp8 = cf_sdp_codec_new (CF_SDP_PT_AUTO, "VP8", 90000, 1, NULL);
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	CfSdpLocalMedia *camera = cf_sdp_local_media_new ("video", "RTP/AVP", 5002);
	CfSdpLocalMedia *slides = cf_sdp_local_media_new ("video", "RTP/AVP", 5004);

	cf_sdp_local_media_add_codec (camera, vp8);
	cf_sdp_local_media_add_codec (slides, vp8);
	cf_sdp_local_media_set_content (slides, "slides");
	g_assert_cmpstr (cf_sdp_local_media_get_content (slides), ==, "slides");
	/* slides first, so that only content can tell them apart */
	cf_sdp_negotiator_add_media (bob, slides);
	cf_sdp_negotiator_add_media (bob, camera);

	answer = answer_ok (bob,
			    "m=audio 4000 RTP/AVP 0\r\n"
			    "m=video 4002 RTP/AVP 100\r\n"
			    "a=rtpmap:100 VP8/90000\r\n"
			    "m=video 4004 RTP/AVP 100\r\n"
			    "a=rtpmap:100 VP8/90000\r\n"
			    "a=content:slides\r\n",
			    &result);
	g_assert_cmpint (cf_sdp_negotiation_get_stream (result, 0)->local_media, ==, 0);
	g_assert_cmpint (cf_sdp_negotiation_get_stream (result, 1)->local_media, ==, 2);
	g_assert_cmpint (cf_sdp_negotiation_get_stream (result, 2)->local_media, ==, 1);
	g_assert_cmpuint (cf_sdp_media_get_port (cf_sdp_session_peek_media (answer, 1)), ==, 5002);
	g_assert_cmpuint (cf_sdp_media_get_port (cf_sdp_session_peek_media (answer, 2)), ==, 5004);
	g_assert_true (cf_sdp_media_has_content (cf_sdp_session_peek_media (answer, 2), "slides"));
	g_assert_null (cf_sdp_media_get_content (cf_sdp_session_peek_media (answer, 1)));
	g_assert_cmpuint (cf_sdp_negotiation_get_stream (result, 1)->codec->pt, ==, 100);
}

/* A video stream added to an audio call by a re-offer. */
static void
test_add_video (void)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
	g_autoptr (CfSdpNegotiator) bob = new_party ("bob", "192.0.2.2", 5000);
	g_autoptr (CfSdpCodec) vp8 = cf_sdp_codec_new (CF_SDP_PT_AUTO, "VP8", 90000, 1, NULL);
	CfSdpNegotiation *a = NULL, *b = NULL;
	CfSdpLocalMedia *video;
	const CfSdpStream *s;

	exchange (alice, bob, &a, &b, NULL, NULL);
	g_assert_cmpuint (a->streams->len, ==, 1);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Alice adds video; Bob has none: rejected */
	video = cf_sdp_local_media_new ("video", "RTP/AVP", 4002);
	cf_sdp_local_media_add_codec (video, vp8);
	cf_sdp_negotiator_add_media (alice, video);
	exchange (alice, bob, &a, &b, NULL, NULL);
	g_assert_cmpuint (a->streams->len, ==, 2);
	g_assert_true (cf_sdp_negotiation_get_stream (a, 1)->rejected);
	g_assert_false (cf_sdp_negotiation_get_stream (a, 0)->rejected);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Bob gets a camera: the same line is accepted on the next offer */
	video = cf_sdp_local_media_new ("video", "RTP/AVP", 5002);
	cf_sdp_local_media_add_codec (video, vp8);
	cf_sdp_negotiator_add_media (bob, video);
	exchange (alice, bob, &a, &b, NULL, NULL);
	g_assert_cmpuint (a->streams->len, ==, 2);
	s = cf_sdp_negotiation_find (a, "video");
	g_assert_nonnull (s);
	g_assert_cmpuint (s->index, ==, 1);
	g_assert_cmpstr (s->codec->encoding, ==, "VP8");
	g_assert_cmpint (s->local_media, ==, 1);
	g_assert_cmpuint (s->remote_port, ==, 5002);
	g_assert_cmpint (cf_sdp_negotiation_find (b, "video")->local_media, ==, 1);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);

	/* Bob re-offers: two lines, in the same order */
	exchange (bob, alice, &b, &a, NULL, NULL);
	g_assert_cmpuint (b->streams->len, ==, 2);
	g_assert_cmpstr (cf_sdp_negotiation_get_stream (b, 1)->media_type, ==, "video");
	g_assert_false (cf_sdp_negotiation_get_stream (b, 1)->rejected);
	cf_sdp_negotiation_free (a);
	cf_sdp_negotiation_free (b);
}

static void
process_fails (const char *answer_text, CfSdpError code)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) answer = parse_ok (answer_text);
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GError) error = NULL;

	g_test_message ("%s", answer_text);
	offer = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	result = cf_sdp_negotiator_process_answer (alice, answer, &error);
	g_assert_error (error, CF_SDP_ERROR, (gint)code);
	g_assert_null (result);
	/* the offer is still waiting for a proper answer */
	g_assert_true (cf_sdp_negotiator_has_pending_offer (alice));
}

#define ANSWER_HEAD "v=0\r\no=bob 9 9 IN IP4 192.0.2.2\r\ns=-\r\nc=IN IP4 192.0.2.2\r\nt=0 0\r\n"

static void
test_bad_answers (void)
{
	process_fails (ANSWER_HEAD, CF_SDP_ERROR_INCOMPATIBLE);
	process_fails (ANSWER_HEAD "m=audio 5000 RTP/AVP 0\r\nm=audio 0 RTP/AVP 0\r\n",
		       CF_SDP_ERROR_INCOMPATIBLE);
	process_fails (ANSWER_HEAD "m=video 5000 RTP/AVP 0\r\n", CF_SDP_ERROR_INCOMPATIBLE);
	process_fails (ANSWER_HEAD "m=audio 5000 RTP/SAVP 0\r\n", CF_SDP_ERROR_INCOMPATIBLE);
	/* codecs that were not offered */
	process_fails (ANSWER_HEAD "m=audio 5000 RTP/AVP 18\r\n", CF_SDP_ERROR_INCOMPATIBLE);
	process_fails (ANSWER_HEAD "m=audio 5000 RTP/AVP 96\r\na=rtpmap:96 iLBC/8000\r\n",
		       CF_SDP_ERROR_INCOMPATIBLE);
	process_fails (ANSWER_HEAD "m=audio 5000 RTP/AVP 96\r\na=rtpmap:96 opus/48000\r\n",
		       CF_SDP_ERROR_INCOMPATIBLE);
	process_fails (ANSWER_HEAD "m=audio 5000 RTP/AVP 96\r\n", CF_SDP_ERROR_INCOMPATIBLE);
	/* no address */
	process_fails ("v=0\r\no=bob 9 9 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n",
		       CF_SDP_ERROR_INCOMPATIBLE);

	/* an answer without an offer */
	{
		g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
		g_autoptr (CfSdpSession) answer =
			parse_ok (ANSWER_HEAD "m=audio 5000 RTP/AVP 0\r\n");
		g_autoptr (GError) error = NULL;
		g_autoptr (CfSdpNegotiation) result = NULL;

		result = cf_sdp_negotiator_process_answer (alice, answer, &error);
		g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_STATE);
		g_assert_null (result);
	}
}

/* Answers that are odd but fit. */
static void
test_odd_answers (void)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (CfSdpNegotiation) result = NULL;
	g_autoptr (GError) error = NULL;
	const CfSdpStream *s;

	/* A bad answer first, then a good one: the pending offer survives */
	offer = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	answer = parse_ok (ANSWER_HEAD "m=audio 5000 RTP/AVP 18\r\n");
	result = cf_sdp_negotiator_process_answer (alice, answer, &error);
	g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_INCOMPATIBLE);
	g_clear_error (&error);
	g_clear_pointer (&answer, cf_sdp_session_free);

	/* An extra codec (RFC 3264 §6.1 allows it), another payload type
	 * for Opus, telephone-event, a direction we did not offer */
	answer = parse_ok (ANSWER_HEAD "m=audio 5000 RTP/AVP 18 120 0 121\r\n"
				       "a=rtpmap:120 opus/48000/2\r\n"
				       "a=fmtp:120 stereo=0\r\n"
				       "a=rtpmap:121 telephone-event/8000\r\n"
				       "a=recvonly\r\n");
	result = cf_sdp_negotiator_process_answer (alice, answer, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (result, 0);
	g_assert_cmpstr (s->codec->encoding, ==, "opus");
	g_assert_cmpuint (s->codec->pt, ==, 120);
	g_assert_cmpstr (s->codec->fmtp, ==, "stereo=0");
	g_assert_cmpuint (s->recv_pt, ==, 96);
	g_assert_cmpuint (s->recv_codecs->len, ==, 2);
	g_assert_cmpint (s->telephone_event_pt, ==, 121);
	g_assert_cmpint (s->telephone_event_recv_pt, ==, 97);
	g_assert_true (s->local_sends);
	g_assert_false (s->remote_sends);
	g_assert_false (s->remote_hold);
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&result, cf_sdp_negotiation_free);

	/* Rejected by the peer: port 0 needs no codec or address */
	offer = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	answer =
		parse_ok ("v=0\r\no=bob 9 10 IN IP4 h\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 18\r\n");
	result = cf_sdp_negotiator_process_answer (alice, answer, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (result, 0);
	g_assert_true (s->rejected);
	g_assert_null (s->codec);
	g_assert_null (s->remote_address);
	g_assert_false (s->local_sends);
	g_assert_false (s->remote_sends);
	g_assert_null (cf_sdp_negotiation_find (result, "audio"));
	g_clear_pointer (&answer, cf_sdp_session_free);
	g_clear_pointer (&offer, cf_sdp_session_free);
	g_clear_pointer (&result, cf_sdp_negotiation_free);

	/* The same codec offered twice (other fmtp): the answer's payload
	 * type says which one */
	offer = parse_ok ("v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
			  "t=0 0\r\nm=audio 4000 RTP/AVP 96 111\r\n"
			  "a=rtpmap:96 opus/48000/2\r\n"
			  "a=rtpmap:111 opus/48000/2\r\n"
			  "a=fmtp:111 stereo=1\r\n");
	answer = parse_ok (ANSWER_HEAD "m=audio 5000 RTP/AVP 111\r\n"
				       "a=rtpmap:111 opus/48000/2\r\n");
	result = cf_sdp_negotiation_new (offer, answer, TRUE, &error);
	g_assert_no_error (error);
	s = cf_sdp_negotiation_get_stream (result, 0);
	g_assert_cmpuint (s->codec->pt, ==, 111);
	g_assert_cmpuint (s->recv_pt, ==, 111);
	g_assert_cmpstr (
		((CfSdpCodec *)g_ptr_array_index (s->recv_codecs, 0))->fmtp, ==, "stereo=1");
}

/* An offer while ours is pending (glare, SIP 491). */
static void
test_glare (void)
{
	g_autoptr (CfSdpNegotiator) alice = new_party ("alice", "192.0.2.1", 4000);
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (CfSdpSession) theirs = remote_offer ("m=audio 4000 RTP/AVP 0\r\n");
	g_autoptr (CfSdpSession) answer = NULL;
	g_autoptr (GError) error = NULL;

	offer = cf_sdp_negotiator_create_offer (alice, &error);
	g_assert_no_error (error);
	answer = cf_sdp_negotiator_create_answer (alice, theirs, NULL, &error);
	g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_STATE);
	g_assert_null (answer);
	g_clear_error (&error);
	cf_sdp_negotiator_cancel_offer (alice);
	answer = cf_sdp_negotiator_create_answer (alice, theirs, NULL, &error);
	g_assert_no_error (error);
	g_assert_nonnull (answer);
	/* the cancelled offer had version 1 */
	g_assert_cmpuint (cf_sdp_session_get_origin_version (answer), ==, 2);
}

/* Local mistakes give errors, not crashes. */
static void
test_local_errors (void)
{
	g_autoptr (CfSdpNegotiator) n = cf_sdp_negotiator_new ("me", "bad address");
	g_autoptr (CfSdpNegotiator) empty = cf_sdp_negotiator_new ("me", "192.0.2.1");
	g_autoptr (CfSdpSession) offer = NULL;
	g_autoptr (GError) error = NULL;

	cf_sdp_negotiator_add_media (n, cf_sdp_local_media_new_audio (4000));
	offer = cf_sdp_negotiator_create_offer (n, &error);
	g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_INVALID);
	g_assert_null (offer);
	g_clear_error (&error);
	cf_sdp_negotiator_set_address (n, "192.0.2.1");
	g_assert_cmpstr (cf_sdp_negotiator_get_address (n), ==, "192.0.2.1");
	offer = cf_sdp_negotiator_create_offer (n, &error);
	g_assert_no_error (error);
	g_clear_pointer (&offer, cf_sdp_session_free);

	/* a stream without codecs */
	cf_sdp_negotiator_add_media (empty, cf_sdp_local_media_new ("audio", "RTP/AVP", 4000));
	offer = cf_sdp_negotiator_create_offer (empty, &error);
	g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_INVALID);
	g_assert_null (offer);
	g_assert_cmpuint (cf_sdp_negotiator_get_n_media (empty), ==, 1);
	g_assert_nonnull (cf_sdp_negotiator_get_media (empty, 0));
	g_assert_null (cf_sdp_negotiator_find_media (empty, "video"));
	g_clear_error (&error);

	/* a stream address, a media type, a protocol that SDP cannot carry */
	{
		static const char *const bad[][3] = {
			{"audio", "RTP/AVP", "192.0.2.1 extra"},
			{"au dio", "RTP/AVP", NULL},
			{"audio", "RTP AVP", NULL},
			{"audio", "RTP//AVP", NULL},
		};
		g_autoptr (CfSdpCodec) pcmu = cf_sdp_codec_new_static (0);

		for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
			g_autoptr (CfSdpNegotiator) neg = cf_sdp_negotiator_new ("me", "192.0.2.1");
			CfSdpLocalMedia *lm = cf_sdp_local_media_new (bad[i][0], bad[i][1], 4000);
			g_autoptr (CfSdpSession) o = NULL;
			g_autoptr (GError) e = NULL;

			g_assert_true (cf_sdp_local_media_add_codec (lm, pcmu));
			cf_sdp_local_media_set_address (lm, bad[i][2]);
			cf_sdp_negotiator_add_media (neg, lm);
			o = cf_sdp_negotiator_create_offer (neg, &e);
			g_assert_error (e, CF_SDP_ERROR, CF_SDP_ERROR_INVALID);
			g_assert_null (o);
			g_assert_false (cf_sdp_negotiator_has_pending_offer (neg));
		}
	}
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/sdp/negotiate/offer/audio", test_offer_audio);
	g_test_add_func ("/confab/sdp/negotiate/offer/options", test_offer_options);
	g_test_add_func ("/confab/sdp/negotiate/offer/cancel", test_cancel_offer);
	g_test_add_func ("/confab/sdp/negotiate/offer/full-layout", test_offer_full_layout);
	g_test_add_func ("/confab/sdp/negotiate/local-media", test_local_media);
	g_test_add_func ("/confab/sdp/negotiate/answer/rfc4317", test_answer_rfc4317);
	g_test_add_func ("/confab/sdp/negotiate/answer/no-common-codec", test_no_common_codec);
	g_test_add_func ("/confab/sdp/negotiate/answer/codecs", test_answer_codecs);
	g_test_add_func ("/confab/sdp/negotiate/answer/layout", test_answer_layout);
	g_test_add_func ("/confab/sdp/negotiate/answer/content", test_answer_content);
	g_test_add_func ("/confab/sdp/negotiate/answer/glare", test_glare);
	g_test_add_func ("/confab/sdp/negotiate/result/rfc4317", test_result_rfc4317);
	g_test_add_func ("/confab/sdp/negotiate/result/bad-answers", test_bad_answers);
	g_test_add_func ("/confab/sdp/negotiate/result/odd-answers", test_odd_answers);
	g_test_add_func ("/confab/sdp/negotiate/hold-resume", test_hold_resume);
	g_test_add_func ("/confab/sdp/negotiate/add-video", test_add_video);
	g_test_add_func ("/confab/sdp/negotiate/local-errors", test_local_errors);

	return g_test_run ();
}
