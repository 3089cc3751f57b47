/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sdp"

#include <string.h>

#include "cf-sdp.h"

/* Parses @text (NUL-terminated) and asserts success. */
static CfSdpSession *
parse_ok (const char *text)
{
	g_autoptr (GError) error = NULL;
	CfSdpSession *sdp = cf_sdp_session_parse (text, strlen (text), &error);

	g_assert_no_error (error);
	g_assert_nonnull (sdp);
	return sdp;
}

/* print -> parse -> print gives the same text. */
static void
assert_round_trip (const CfSdpSession *sdp)
{
	g_autofree char *first = cf_sdp_session_print (sdp);
	g_autoptr (CfSdpSession) again = parse_ok (first);
	g_autofree char *second = cf_sdp_session_print (again);
	g_autoptr (CfSdpSession) copy = cf_sdp_session_copy (sdp);
	g_autofree char *third = cf_sdp_session_print (copy);

	g_assert_cmpstr (first, ==, second);
	g_assert_cmpstr (first, ==, third);
}

/* Every RFC 4317 vector is canonical (CRLF, single spaces): it must parse
 * and print back byte for byte. */
static void
test_rfc4317_vectors (void)
{
	g_autoptr (GDir) dir = NULL;
	g_autoptr (GError) error = NULL;
	const char *name;
	guint n = 0;

	dir = g_dir_open (CF_SDP_VECTORS_DIR, 0, &error);
	g_assert_no_error (error);
	while ((name = g_dir_read_name (dir)) != NULL) {
		g_autofree char *path = NULL;
		g_autofree char *data = NULL;
		g_autofree char *printed = NULL;
		g_autoptr (CfSdpSession) sdp = NULL;
		gsize len;

		if (!g_str_has_prefix (name, "rfc4317-") || !g_str_has_suffix (name, ".sdp"))
			continue;
		path = g_build_filename (CF_SDP_VECTORS_DIR, name, NULL);
		g_file_get_contents (path, &data, &len, &error);
		g_assert_no_error (error);
		g_test_message ("%s", name);
		sdp = cf_sdp_session_parse (data, len, &error);
		g_assert_no_error (error);
		printed = cf_sdp_session_print (sdp);
		g_assert_cmpstr (printed, ==, data);
		assert_round_trip (sdp);
		n++;
	}
	/* RFC 4317 has 54 descriptions (sections 2 to 5). */
	g_assert_cmpuint (n, ==, 54);
}

static char *
read_vector (const char *name)
{
	g_autofree char *path = g_build_filename (CF_SDP_VECTORS_DIR, name, NULL);
	g_autoptr (GError) error = NULL;
	char *data = NULL;

	g_file_get_contents (path, &data, NULL, &error);
	g_assert_no_error (error);
	return data;
}

static void
test_parse_fields (void)
{
	g_autofree char *text = read_vector ("rfc4317-2.8-answer.sdp");
	g_autoptr (CfSdpSession) sdp = parse_ok (text);
	const CfSdpConnection *c;
	const CfSdpMedia *audio, *video;
	guint64 start = 1, stop = 1;

	g_assert_cmpstr (cf_sdp_session_get_origin_username (sdp), ==, "bob");
	g_assert_cmpstr (cf_sdp_session_get_origin_session_id (sdp), ==, "2808844564");
	g_assert_cmpuint (cf_sdp_session_get_origin_version (sdp), ==, 2808844564u);
	c = cf_sdp_session_get_origin_address (sdp);
	g_assert_cmpstr (c->nettype, ==, "IN");
	g_assert_cmpstr (c->addrtype, ==, "IP4");
	g_assert_cmpstr (c->address, ==, "host.biloxi.example.com");
	/* RFC 4317 §1: the s= line holds a single space. */
	g_assert_cmpstr (cf_sdp_session_get_name (sdp), ==, " ");
	g_assert_cmpstr (
		cf_sdp_session_get_connection (sdp)->address, ==, "host.biloxi.example.com");
	g_assert_cmpuint (cf_sdp_session_get_n_times (sdp), ==, 1);
	cf_sdp_session_get_time (sdp, 0, &start, &stop);
	g_assert_cmpuint (start, ==, 0);
	g_assert_cmpuint (stop, ==, 0);

	g_assert_cmpuint (cf_sdp_session_get_n_media (sdp), ==, 2);
	audio = cf_sdp_session_peek_media (sdp, 0);
	video = cf_sdp_session_peek_media (sdp, 1);
	g_assert_cmpstr (cf_sdp_media_get_media_type (audio), ==, "audio");
	g_assert_cmpuint (cf_sdp_media_get_port (audio), ==, 49174);
	g_assert_cmpuint (cf_sdp_media_get_port_count (audio), ==, 1);
	g_assert_cmpstr (cf_sdp_media_get_proto (audio), ==, "RTP/AVP");
	g_assert_true (cf_sdp_media_is_rtp (audio));
	g_assert_cmpuint (cf_sdp_media_get_n_formats (audio), ==, 1);
	g_assert_cmpstr (cf_sdp_media_get_format (audio, 0), ==, "0");
	g_assert_null (cf_sdp_media_get_connection (audio));
	g_assert_cmpstr (cf_sdp_session_get_media_connection (sdp, 0)->address,
			 ==,
			 "host.biloxi.example.com");

	g_assert_cmpstr (cf_sdp_media_get_media_type (video), ==, "video");
	g_assert_cmpuint (cf_sdp_media_get_port (video), ==, 49172);
	g_assert_cmpstr (
		cf_sdp_media_get_connection (video)->address, ==, "otherhost.biloxi.example.com");
	g_assert_cmpstr (cf_sdp_session_get_media_connection (sdp, 1)->address,
			 ==,
			 "otherhost.biloxi.example.com");
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (sdp, 1), ==, CF_SDP_DIRECTION_SENDRECV);
}

/* LF line ends, a last line without one, and empty lines are accepted; the
 * print is canonical. */
static void
test_parse_line_ends (void)
{
	const char *lf = "v=0\n"
			 "o=- 1 2 IN IP4 192.0.2.1\n"
			 "s=-\n"
			 "c=IN IP4 192.0.2.1\n"
			 "\n"
			 "t=0 0\n"
			 "m=audio 4000 RTP/AVP 0\n"
			 "a=sendrecv";
	const char *canonical = "v=0\r\n"
				"o=- 1 2 IN IP4 192.0.2.1\r\n"
				"s=-\r\n"
				"c=IN IP4 192.0.2.1\r\n"
				"t=0 0\r\n"
				"m=audio 4000 RTP/AVP 0\r\n"
				"a=sendrecv\r\n";
	g_autoptr (CfSdpSession) sdp = parse_ok (lf);
	g_autofree char *printed = cf_sdp_session_print (sdp);

	g_assert_cmpstr (printed, ==, canonical);
}

/* Extra spaces and explicit defaults are accepted and printed canonically. */
static void
test_parse_tolerant (void)
{
	const char *text = "v=0 \r\n"
			   "o=jdoe  3724394400 3724394405 IN IP4 198.51.100.1 \r\n"
			   "s=Call to John Smith\r\n"
			   "i=SDP Offer #1\r\n"
			   "u=http://www.jdoe.example.com/home.html\r\n"
			   "e=Jane Doe <jane@jdoe.example.com>\r\n"
			   "p=+1 617 555-6011\r\n"
			   "c=IN IP4 198.51.100.1\r\n"
			   "b=AS:128\r\n"
			   "t=0 0\r\n"
			   "r=604800 3600 0 90000\r\n"
			   "z=2882844526 -1h 2898848070 0\r\n"
			   "a=recvonly\r\n"
			   "m=audio 49170/1 RTP/AVP 0\r\n"
			   "i=voice\r\n"
			   "b=TIAS:64000\r\n"
			   "m=video 51372/2 RTP/AVP 99\r\n"
			   "c=IN IP6 2001:db8::2\r\n"
			   "a=rtpmap:99 h263-1998/90000\r\n";
	g_autoptr (CfSdpSession) sdp = parse_ok (text);
	g_autofree char *printed = cf_sdp_session_print (sdp);
	const CfSdpMedia *audio = cf_sdp_session_peek_media (sdp, 0);
	const CfSdpMedia *video = cf_sdp_session_peek_media (sdp, 1);
	guint64 bw = 0;

	g_assert_cmpstr (cf_sdp_session_get_origin_username (sdp), ==, "jdoe");
	g_assert_cmpuint (cf_sdp_session_get_origin_version (sdp), ==, 3724394405u);
	g_assert_cmpstr (cf_sdp_session_get_info (sdp), ==, "SDP Offer #1");
	g_assert_cmpstr (cf_sdp_session_get_uri (sdp), ==, "http://www.jdoe.example.com/home.html");
	g_assert_cmpuint (cf_sdp_session_get_emails (sdp)->len, ==, 1);
	g_assert_cmpuint (cf_sdp_session_get_phones (sdp)->len, ==, 1);
	g_assert_true (cf_sdp_session_get_bandwidth (sdp, "AS", &bw));
	g_assert_cmpuint (bw, ==, 128);
	g_assert_false (cf_sdp_session_get_bandwidth (sdp, "CT", NULL));
	g_assert_true (cf_sdp_media_get_bandwidth (audio, "TIAS", &bw));
	g_assert_cmpuint (bw, ==, 64000);
	g_assert_cmpstr (cf_sdp_media_get_info (audio), ==, "voice");
	g_assert_cmpuint (cf_sdp_media_get_port_count (audio), ==, 1);
	g_assert_cmpuint (cf_sdp_media_get_port_count (video), ==, 2);
	g_assert_cmpstr (cf_sdp_media_get_connection (video)->addrtype, ==, "IP6");
	/* The session-level direction applies to both sections. */
	g_assert_cmpint (cf_sdp_session_get_direction (sdp), ==, CF_SDP_DIRECTION_RECVONLY);
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (sdp, 0), ==, CF_SDP_DIRECTION_RECVONLY);
	g_assert_cmpint (
		cf_sdp_session_get_media_direction (sdp, 1), ==, CF_SDP_DIRECTION_RECVONLY);

	g_assert_true (
		strstr (printed, "v=0\r\no=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\n"));
	g_assert_true (
		strstr (printed, "\r\nm=audio 49170 RTP/AVP 0\r\ni=voice\r\nb=TIAS:64000\r\n"));
	g_assert_true (strstr (printed, "\r\nm=video 51372/2 RTP/AVP 99\r\n"));
	g_assert_true (strstr (printed, "\r\nt=0 0\r\nr=604800 3600 0 90000\r\nz=2882844526"));
	assert_round_trip (sdp);
}

static void
test_attributes (void)
{
	const char *text = "v=0\r\n"
			   "o=- 42 1 IN IP4 192.0.2.1\r\n"
			   "s=-\r\n"
			   "c=IN IP4 192.0.2.1\r\n"
			   "t=0 0\r\n"
			   "a=ice-options:trickle\r\n"
			   "a=x-unknown\r\n"
			   "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 101 13\r\n"
			   "a=rtpmap:111 opus/48000/2\r\n"
			   "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
			   "a=rtpmap:101 telephone-event/8000\r\n"
			   "a=fmtp:101 0-15\r\n"
			   "a=ice-ufrag:F7gI\r\n"
			   "a=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
			   "a=candidate:1 1 UDP 2130706431 192.0.2.1 50000 typ host\r\n"
			   "a=candidate:2 1 UDP 1694498815 198.51.100.7 50002 typ srflx raddr "
			   "192.0.2.1 rport 50000\r\n"
			   "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
			   "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
			   "a=zrtp-hash:1.10 "
			   "fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df\r\n"
			   "a=rtcp-mux\r\n"
			   "a=ptime:20\r\n"
			   "a=content:main,alt\r\n"
			   "a=sendonly\r\n"
			   "a=X-Vendor:Some value: with colons \r\n";
	g_autoptr (CfSdpSession) sdp = parse_ok (text);
	g_autofree char *printed = cf_sdp_session_print (sdp);
	CfSdpMedia *m = cf_sdp_session_get_media (sdp, 0);
	CfSdpAttributes *attrs = cf_sdp_media_get_attributes (m);
	g_auto (GStrv) candidates = NULL;
	g_autoptr (CfSdpCodec) opus = NULL;
	g_autoptr (CfSdpCodec) pcma = NULL;
	g_autoptr (CfSdpCodec) cn = NULL;
	g_autoptr (GPtrArray) codecs = NULL;
	CfSdpDirection dir;

	/* Unknown attributes and values are kept verbatim. */
	g_assert_cmpstr (printed, ==, text);

	g_assert_true (cf_sdp_attributes_has (cf_sdp_session_peek_attributes (sdp), "x-unknown"));
	g_assert_null (
		cf_sdp_attributes_lookup (cf_sdp_session_peek_attributes (sdp), "x-unknown"));
	g_assert_cmpstr (
		cf_sdp_attributes_lookup (cf_sdp_session_peek_attributes (sdp), "ice-options"),
		==,
		"trickle");

	g_assert_cmpstr (cf_sdp_attributes_lookup (attrs, "ice-ufrag"), ==, "F7gI");
	g_assert_cmpstr (cf_sdp_attributes_lookup (attrs, "ICE-PWD"), ==, "x9cml/YzichV2+XlhiMu8g");
	g_assert_true (g_str_has_prefix (cf_sdp_attributes_lookup (attrs, "crypto"),
					 "1 AES_CM_128_HMAC_SHA1_80 inline:"));
	g_assert_true (
		g_str_has_prefix (cf_sdp_attributes_lookup (attrs, "zrtp-hash"), "1.10 fe30"));
	g_assert_cmpstr (
		cf_sdp_attributes_lookup (attrs, "x-vendor"), ==, "Some value: with colons ");
	candidates = cf_sdp_attributes_lookup_all (attrs, "candidate");
	g_assert_cmpuint (g_strv_length (candidates), ==, 2);
	g_assert_true (g_str_has_prefix (candidates[1], "2 1 UDP 1694498815"));

	g_assert_cmpstr (cf_sdp_media_get_proto (m), ==, "UDP/TLS/RTP/SAVPF");
	g_assert_true (cf_sdp_media_is_rtp (m));
	opus = cf_sdp_media_get_codec (m, 111);
	g_assert_nonnull (opus);
	g_assert_cmpstr (opus->encoding, ==, "opus");
	g_assert_cmpuint (opus->clock_rate, ==, 48000);
	g_assert_cmpuint (opus->channels, ==, 2);
	g_assert_cmpstr (opus->fmtp, ==, "minptime=10;useinbandfec=1");
	/* Static payload types need no rtpmap. */
	pcma = cf_sdp_media_get_codec (m, 8);
	g_assert_nonnull (pcma);
	g_assert_cmpstr (pcma->encoding, ==, "PCMA");
	g_assert_cmpuint (pcma->clock_rate, ==, 8000);
	g_assert_cmpuint (pcma->channels, ==, 1);
	g_assert_null (pcma->fmtp);
	cn = cf_sdp_media_get_codec (m, 13);
	g_assert_cmpstr (cn->encoding, ==, "CN");
	/* Not a format of this section. */
	g_assert_null (cf_sdp_media_get_codec (m, 9));
	codecs = cf_sdp_media_get_codecs (m);
	g_assert_cmpuint (codecs->len, ==, 5);
	g_assert_cmpuint (((CfSdpCodec *)g_ptr_array_index (codecs, 3))->pt, ==, 101);
	g_assert_cmpstr (cf_sdp_media_get_fmtp (m, 101), ==, "0-15");
	g_assert_null (cf_sdp_media_get_fmtp (m, 0));

	g_assert_true (cf_sdp_media_get_rtcp_mux (m));
	g_assert_cmpuint (cf_sdp_media_get_ptime (m), ==, 20);
	g_assert_cmpstr (cf_sdp_media_get_content (m), ==, "main,alt");
	g_assert_true (cf_sdp_media_has_content (m, "alt"));
	g_assert_true (cf_sdp_media_has_content (m, "MAIN"));
	g_assert_false (cf_sdp_media_has_content (m, "slides"));
	g_assert_cmpint (cf_sdp_media_get_direction (m, CF_SDP_DIRECTION_SENDRECV),
			 ==,
			 CF_SDP_DIRECTION_SENDONLY);

	/* Editing */
	cf_sdp_media_set_direction (m, CF_SDP_DIRECTION_INACTIVE);
	g_assert_true (cf_sdp_attributes_get_direction (attrs, &dir));
	g_assert_cmpint (dir, ==, CF_SDP_DIRECTION_INACTIVE);
	g_assert_false (cf_sdp_attributes_has (attrs, "sendonly"));
	cf_sdp_media_set_rtcp_mux (m, FALSE);
	g_assert_false (cf_sdp_media_get_rtcp_mux (m));
	cf_sdp_media_set_ptime (m, 40);
	g_assert_cmpuint (cf_sdp_media_get_ptime (m), ==, 40);
	cf_sdp_media_set_ptime (m, 0);
	g_assert_false (cf_sdp_attributes_has (attrs, "ptime"));
	cf_sdp_media_set_content (m, "slides");
	g_assert_true (cf_sdp_media_has_content (m, "slides"));
	g_assert_cmpuint (cf_sdp_attributes_remove (attrs, "candidate"), ==, 2);
	g_assert_false (cf_sdp_attributes_has (attrs, "candidate"));
	g_assert_true (
		cf_sdp_attributes_add (attrs, "candidate", "3 1 UDP 1 192.0.2.9 9 typ host"));
	g_assert_false (cf_sdp_attributes_add (attrs, "bad name", NULL));
	g_assert_false (cf_sdp_attributes_add (attrs, "x", "line\r\nbreak"));
	g_assert_cmpstr (
		cf_sdp_attributes_get_name (attrs, cf_sdp_attributes_get_length (attrs) - 1),
		==,
		"candidate");
	assert_round_trip (sdp);
}

/* A description built with the API prints as expected and parses back. */
static void
test_build (void)
{
	g_autoptr (CfSdpSession) sdp = cf_sdp_session_new ();
	g_autoptr (CfSdpConnection) conn = cf_sdp_connection_new ("IN", NULL, "2001:db8::1");
	g_autoptr (CfSdpCodec) opus = cf_sdp_codec_new (96, "opus", 48000, 2, "useinbandfec=1");
	g_autoptr (CfSdpCodec) pcmu = cf_sdp_codec_new_static (0);
	g_autoptr (CfSdpCodec) bad = cf_sdp_codec_new (200, "x", 8000, 1, NULL);
	g_autoptr (CfSdpSession) parsed = NULL;
	g_autofree char *printed = NULL;
	CfSdpMedia *m = cf_sdp_media_new ("audio", 5004, "RTP/AVP");
	const char *expected = "v=0\r\n"
			       "o=alice 7 3 IN IP6 2001:db8::1\r\n"
			       "s=-\r\n"
			       "c=IN IP6 2001:db8::1\r\n"
			       "t=0 0\r\n"
			       "m=audio 5004 RTP/AVP 96 0\r\n"
			       "a=rtpmap:96 opus/48000/2\r\n"
			       "a=fmtp:96 useinbandfec=1\r\n"
			       "a=rtpmap:0 PCMU/8000\r\n"
			       "a=ptime:20\r\n"
			       "a=rtcp-mux\r\n"
			       "a=sendonly\r\n";

	g_assert_cmpstr (conn->addrtype, ==, "IP6");
	g_assert_false (cf_sdp_session_set_origin (sdp, "two words", "7", 3, conn));
	g_assert_false (cf_sdp_session_set_origin (sdp, "alice", "x7", 3, conn));
	g_assert_true (cf_sdp_session_set_origin (sdp, "alice", "7", 3, conn));
	g_assert_true (cf_sdp_session_set_connection (sdp, conn));
	{
		g_autoptr (CfSdpConnection) bad_conn = cf_sdp_connection_new ("IN", "IP4", "a b");

		g_assert_false (cf_sdp_session_set_connection (sdp, bad_conn));
		g_assert_false (cf_sdp_media_set_connection (m, bad_conn));
		g_assert_null (cf_sdp_media_get_connection (m));
		g_assert_cmpstr (cf_sdp_session_get_connection (sdp)->address, ==, "2001:db8::1");
	}
	g_assert_true (cf_sdp_is_token ("x-vendor"));
	g_assert_false (cf_sdp_is_token ("a:b"));
	g_assert_false (cf_sdp_is_token (""));
	g_assert_true (cf_sdp_is_proto ("UDP/TLS/RTP/SAVPF"));
	g_assert_false (cf_sdp_is_proto ("RTP/"));
	g_assert_true (cf_sdp_media_add_codec (m, opus));
	g_assert_true (cf_sdp_media_add_codec (m, pcmu));
	g_assert_false (cf_sdp_media_add_codec (m, bad));
	cf_sdp_media_set_ptime (m, 20);
	cf_sdp_media_set_rtcp_mux (m, TRUE);
	cf_sdp_media_set_direction (m, CF_SDP_DIRECTION_SENDONLY);
	g_assert_true (cf_sdp_session_add_media (sdp, m));

	printed = cf_sdp_session_print (sdp);
	g_assert_cmpstr (printed, ==, expected);
	parsed = parse_ok (printed);
	g_assert_cmpuint (cf_sdp_session_get_n_media (parsed), ==, 1);
	assert_round_trip (parsed);

	/* The media limit holds for built descriptions too. */
	for (guint i = 1; i < CF_SDP_MAX_MEDIA; i++)
		g_assert_true (
			cf_sdp_session_add_media (sdp, cf_sdp_media_new ("audio", 0, "RTP/AVP")));
	g_assert_false (cf_sdp_session_add_media (sdp, cf_sdp_media_new ("audio", 0, "RTP/AVP")));
}

static void
test_codec (void)
{
	guint pt = 0, rate = 0, channels = 0;
	char *encoding = NULL;
	g_autoptr (CfSdpCodec) a = cf_sdp_codec_new (0, "pcmu", 8000, 0, NULL);
	g_autoptr (CfSdpCodec) b = cf_sdp_codec_new_static (0);
	g_autoptr (CfSdpCodec) opus1 = cf_sdp_codec_new (96, "opus", 48000, 1, NULL);
	g_autoptr (CfSdpCodec) opus2 = cf_sdp_codec_new (111, "OPUS", 48000, 2, NULL);
	g_autoptr (CfSdpCodec) opus3 = cf_sdp_codec_new (100, "opus", 48000, 2, "stereo=1");
	g_autofree char *rtpmap = NULL;
	const char *bad[] = {
		"",
		"96",
		"96 opus",
		"96 opus/",
		"96 /48000",
		"128 opus/48000",
		"-1 opus/48000",
		"96 opus/0",
		"96 opus/48000/0",
		"96 opus/48000/256",
		"96 opus/99999999999999999999",
		"96 opus/48000/2/1",
		"96 op us/48000",
		"96opus/48000",
	};

	g_assert_true (
		cf_sdp_codec_parse_rtpmap ("96 opus/48000/2", &pt, &encoding, &rate, &channels));
	g_assert_cmpuint (pt, ==, 96);
	g_assert_cmpstr (encoding, ==, "opus");
	g_assert_cmpuint (rate, ==, 48000);
	g_assert_cmpuint (channels, ==, 2);
	g_clear_pointer (&encoding, g_free);
	g_assert_true (
		cf_sdp_codec_parse_rtpmap ("0 PCMU/8000 ", &pt, &encoding, &rate, &channels));
	g_assert_cmpuint (pt, ==, 0);
	g_assert_cmpuint (channels, ==, 1);
	g_clear_pointer (&encoding, g_free);
	for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
		g_test_message ("rtpmap '%s'", bad[i]);
		g_assert_false (
			cf_sdp_codec_parse_rtpmap (bad[i], &pt, &encoding, &rate, &channels));
		g_assert_null (encoding);
	}

	g_assert_true (cf_sdp_codec_parse_pt ("0", &pt));
	g_assert_cmpuint (pt, ==, 0);
	g_assert_true (cf_sdp_codec_parse_pt ("127", &pt));
	g_assert_cmpuint (pt, ==, 127);
	g_assert_false (cf_sdp_codec_parse_pt ("128", &pt));
	g_assert_false (cf_sdp_codec_parse_pt ("08", &pt));
	g_assert_false (cf_sdp_codec_parse_pt ("+8", &pt));
	g_assert_false (cf_sdp_codec_parse_pt ("", &pt));
	g_assert_false (cf_sdp_codec_parse_pt ("webrtc-datachannel", &pt));

	g_assert_true (cf_sdp_codec_matches (a, b));
	g_assert_false (cf_sdp_codec_matches (opus1, opus2));
	g_assert_true (cf_sdp_codec_matches (opus2, opus3));
	g_assert_null (cf_sdp_codec_new_static (96));
	rtpmap = cf_sdp_codec_to_rtpmap (opus3);
	g_assert_cmpstr (rtpmap, ==, "100 opus/48000/2");
}

static void
test_directions (void)
{
	CfSdpDirection d = CF_SDP_DIRECTION_INACTIVE;

	for (CfSdpDirection i = CF_SDP_DIRECTION_SENDRECV; i <= CF_SDP_DIRECTION_INACTIVE; i++) {
		g_assert_true (cf_sdp_direction_from_string (cf_sdp_direction_to_string (i), &d));
		g_assert_cmpint (d, ==, i);
		g_assert_cmpint (cf_sdp_direction_make (cf_sdp_direction_sends (i),
							cf_sdp_direction_receives (i)),
				 ==,
				 i);
	}
	g_assert_false (cf_sdp_direction_from_string ("sendrecv2", &d));
	g_assert_cmpint (
		cf_sdp_direction_hold (CF_SDP_DIRECTION_SENDRECV), ==, CF_SDP_DIRECTION_SENDONLY);
	g_assert_cmpint (
		cf_sdp_direction_hold (CF_SDP_DIRECTION_RECVONLY), ==, CF_SDP_DIRECTION_INACTIVE);
	g_assert_cmpint (
		cf_sdp_direction_hold (CF_SDP_DIRECTION_SENDONLY), ==, CF_SDP_DIRECTION_SENDONLY);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static void
assert_parse_fails (const char *what, const char *data, gsize len, CfSdpError code)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) sdp = NULL;

	g_test_message ("%s", what);
	sdp = cf_sdp_session_parse (data, len, &error);
	g_assert_null (sdp);
	g_assert_error (error, CF_SDP_ERROR, (gint)code);
	g_assert_nonnull (error->message);
}

static void
test_malformed (void)
{
	static const struct {
		const char *what;
		const char *text;
	} cases[] = {
		{"empty", ""},
		{"only line ends", "\r\n\r\n"},
		{"missing v=", "o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"},
		{"v=1", "v=1\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"},
		{"only v=", "v=0\r\n"},
		{"missing s=", "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n"},
		{"s= before o=", "v=0\r\ns=-\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n"},
		{"o= short", "v=0\r\no=- 1 1 IN IP4\r\ns=-\r\nt=0 0\r\n"},
		{"o= long", "v=0\r\no=- 1 1 IN IP4 a b\r\ns=-\r\nt=0 0\r\n"},
		{"o= bad sess-id", "v=0\r\no=- 1x 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"},
		{"o= bad version", "v=0\r\no=- 1 -1 IN IP4 h\r\ns=-\r\nt=0 0\r\n"},
		{"o= version > 2^64", "v=0\r\no=- 1 18446744073709551616 IN IP4 h\r\ns=-\r\n"},
		{"repeated v=", HEAD "v=0\r\n"},
		{"repeated s=", HEAD "s=x\r\n"},
		{"unknown type letter", HEAD "x=1\r\n"},
		{"upper-case type letter", HEAD "A=sendrecv\r\n"},
		{"space before =", HEAD "a =sendrecv\r\n"},
		{"no =", HEAD "sendrecv\r\n"},
		{"lone letter", HEAD "a\r\n"},
		{"c= after t=", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\nc=IN IP4 h\r\n"},
		{"two c=", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nc=IN IP4 h\r\n"},
		{"c= short", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4\r\nt=0 0\r\n"},
		{"t= bad", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=now 0\r\n"},
		{"t= huge", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=99999999999999999999 0\r\n"},
		{"r= without t=", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nr=1 2 3\r\n"},
		{"t= after z=", "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nz=1 2\r\nt=0 0\r\n"},
		{"repeated i=", HEAD "i=a\r\ni=b\r\n"},
		{"b= no colon", HEAD "b=AS\r\n"},
		{"b= not a number", HEAD "b=AS:fast\r\n"},
		{"b= repeated", HEAD "b=AS:1\r\nb=AS:2\r\n"},
		{"m= before s=", "v=0\r\no=- 1 1 IN IP4 h\r\nm=audio 1 RTP/AVP 0\r\n"},
		{"m= no formats", HEAD "m=audio 4000 RTP/AVP\r\n"},
		{"m= port 65536", HEAD "m=audio 65536 RTP/AVP 0\r\n"},
		{"m= port huge", HEAD "m=audio 99999999999999999999999 RTP/AVP 0\r\n"},
		{"m= port negative", HEAD "m=audio -1 RTP/AVP 0\r\n"},
		{"m= port not a number", HEAD "m=audio http RTP/AVP 0\r\n"},
		{"m= port count 0", HEAD "m=audio 4000/0 RTP/AVP 0\r\n"},
		{"m= port count huge", HEAD "m=audio 4000/70000 RTP/AVP 0\r\n"},
		{"m= empty port count", HEAD "m=audio 4000/ RTP/AVP 0\r\n"},
		{"m= bad proto", HEAD "m=audio 4000 RTP//AVP 0\r\n"},
		{"m= bad media", HEAD "m=au:dio 4000 RTP/AVP 0\r\n"},
		{"m= repeated format", HEAD "m=audio 4000 RTP/AVP 0 8 0\r\n"},
		{"m= bad format", HEAD "m=audio 4000 RTP/AVP 0 (8)\r\n"},
		{"t= in media", HEAD "m=audio 4000 RTP/AVP 0\r\nt=0 0\r\n"},
		{"o= in media", HEAD "m=audio 4000 RTP/AVP 0\r\no=- 1 1 IN IP4 h\r\n"},
		{"two c= in media", HEAD "m=audio 4 RTP/AVP 0\r\nc=IN IP4 h\r\nc=IN IP4 h\r\n"},
		{"bad attribute name", HEAD "a=:value\r\n"},
		{"attribute name with space", HEAD "a=send recv\r\n"},
		{"empty attribute", HEAD "a=\r\n"},
		{"CR inside a line", HEAD "a=tool:x\ry\r\n"},
	};
	const char nul[] = HEAD "a=tool:x\0y\r\n";

	for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
		assert_parse_fails (
			cases[i].what, cases[i].text, strlen (cases[i].text), CF_SDP_ERROR_INVALID);
	assert_parse_fails ("NUL inside a line", nul, sizeof nul - 1, CF_SDP_ERROR_INVALID);
}

/* Builds HEAD plus @n_media m= lines, each with @n_formats formats and
 * @n_attrs attributes, padded to @pad bytes if larger. */
static char *
make_big (guint n_media, guint n_formats, guint n_attrs, gsize pad)
{
	GString *s = g_string_new (HEAD);

	for (guint m = 0; m < n_media; m++) {
		g_string_append_printf (s, "m=audio %u RTP/AVP", 4000 + 2 * m);
		for (guint f = 0; f < n_formats; f++)
			g_string_append_printf (s, " %u", f);
		g_string_append (s, "\r\n");
		for (guint a = 0; a < n_attrs; a++)
			g_string_append_printf (s, "a=x-%u:%u\r\n", a, a);
	}
	while (s->len < pad)
		g_string_append (s, "a=x-padding:0123456789012345678901234567890123456789\r\n");
	return g_string_free (s, FALSE);
}

static void
assert_limit (const char *what, char *text, gboolean ok)
{
	g_autofree char *owned = text;
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) sdp = NULL;

	g_test_message ("%s", what);
	sdp = cf_sdp_session_parse (owned, strlen (owned), &error);
	if (ok) {
		g_assert_no_error (error);
		g_assert_nonnull (sdp);
		assert_round_trip (sdp);
	} else {
		g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_LIMIT);
		g_assert_null (sdp);
	}
}

static void
test_limits (void)
{
	g_autofree char *long_attr = g_strnfill (CF_SDP_MAX_LINE_LENGTH - 2, 'x');
	g_autofree char *too_long = g_strnfill (CF_SDP_MAX_LINE_LENGTH - 1, 'x');
	g_autofree char *long_id = g_strnfill (CF_SDP_MAX_SESSION_ID + 1, '1');

	assert_limit ("16 media", make_big (CF_SDP_MAX_MEDIA, 1, 0, 0), TRUE);
	assert_limit ("17 media", make_big (CF_SDP_MAX_MEDIA + 1, 1, 0, 0), FALSE);
	assert_limit ("64 formats", make_big (1, CF_SDP_MAX_FORMATS, 0, 0), TRUE);
	assert_limit ("65 formats", make_big (1, CF_SDP_MAX_FORMATS + 1, 0, 0), FALSE);
	assert_limit ("128 attributes", make_big (1, 1, CF_SDP_MAX_ATTRIBUTES, 0), TRUE);
	assert_limit ("129 attributes", make_big (1, 1, CF_SDP_MAX_ATTRIBUTES + 1, 0), FALSE);
	/* Session-level attributes count separately (padding goes there when
	 * there is no media). */
	assert_limit ("129 session attributes", make_big (0, 0, 0, 129 * 56), FALSE);
	assert_limit (
		"line of the maximum length", g_strdup_printf (HEAD "a=%s\r\n", long_attr), TRUE);
	assert_limit ("line too long", g_strdup_printf (HEAD "a=%s\r\n", too_long), FALSE);
	assert_limit ("sess-id too long",
		      g_strdup_printf ("v=0\r\no=- %s 1 IN IP4 h\r\ns=-\r\n", long_id),
		      FALSE);
}

/* HEAD followed by @n copies of @line. */
static char *
repeat_lines (const char *head, const char *format, guint n)
{
	GString *s = g_string_new (head);

	for (guint i = 0; i < n; i++)
		g_string_append_printf (s, format, i);
	return g_string_free (s, FALSE);
}

static void
test_limits_counts (void)
{
	const char *v_o_s = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\n";
	const char *with_t = "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nt=0 0\r\n";
	const char *with_m = HEAD "m=audio 4000 RTP/AVP 0\r\n";

	assert_limit ("16 b=", repeat_lines (v_o_s, "b=X-%u:1\r\n", CF_SDP_MAX_BANDWIDTHS), TRUE);
	assert_limit (
		"17 b=", repeat_lines (v_o_s, "b=X-%u:1\r\n", CF_SDP_MAX_BANDWIDTHS + 1), FALSE);
	assert_limit ("17 b= in media",
		      repeat_lines (with_m, "b=X-%u:1\r\n", CF_SDP_MAX_BANDWIDTHS + 1),
		      FALSE);
	assert_limit ("16 t=", repeat_lines (v_o_s, "t=%u 0\r\n", CF_SDP_MAX_TIMES), TRUE);
	assert_limit ("17 t=", repeat_lines (v_o_s, "t=%u 0\r\n", CF_SDP_MAX_TIMES + 1), FALSE);
	assert_limit ("16 r=", repeat_lines (with_t, "r=%u 1 0\r\n", CF_SDP_MAX_TIMES), TRUE);
	assert_limit ("17 r=", repeat_lines (with_t, "r=%u 1 0\r\n", CF_SDP_MAX_TIMES + 1), FALSE);
	assert_limit (
		"16 e=", repeat_lines (v_o_s, "e=%u@example.com\r\n", CF_SDP_MAX_CONTACTS), TRUE);
	assert_limit ("17 e=",
		      repeat_lines (v_o_s, "e=%u@example.com\r\n", CF_SDP_MAX_CONTACTS + 1),
		      FALSE);
	assert_limit ("17 p=", repeat_lines (v_o_s, "p=+%u\r\n", CF_SDP_MAX_CONTACTS + 1), FALSE);
}

/* 64 KiB exactly parses; one byte more does not. */
static void
test_limit_size (void)
{
	GString *s = g_string_new (HEAD);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSdpSession) sdp = NULL;
	guint m = 0;

	/* 16 media sections of 64 attributes of about 60 bytes */
	while (s->len < CF_SDP_MAX_SIZE - 100 && m < CF_SDP_MAX_MEDIA) {
		g_string_append_printf (s, "m=audio %u RTP/AVP 0\r\n", 4000 + 2 * m++);
		for (guint a = 0; a < 70 && s->len < CF_SDP_MAX_SIZE - 100; a++)
			g_string_append_printf (s, "a=x-%u:%052u\r\n", a, a);
	}
	g_string_append (s, "a=x-fill:");
	while (s->len < CF_SDP_MAX_SIZE - 2)
		g_string_append_c (s, 'z');
	g_string_append (s, "\r\n");
	g_assert_cmpuint (s->len, ==, CF_SDP_MAX_SIZE);
	sdp = cf_sdp_session_parse (s->str, s->len, &error);
	g_assert_no_error (error);
	g_assert_nonnull (sdp);
	g_clear_pointer (&sdp, cf_sdp_session_free);

	g_string_append_c (s, '\n');
	sdp = cf_sdp_session_parse (s->str, s->len, &error);
	g_assert_error (error, CF_SDP_ERROR, CF_SDP_ERROR_LIMIT);
	g_assert_null (sdp);
	g_string_free (s, TRUE);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	g_test_add_func ("/confab/sdp/parse/rfc4317", test_rfc4317_vectors);
	g_test_add_func ("/confab/sdp/parse/fields", test_parse_fields);
	g_test_add_func ("/confab/sdp/parse/line-ends", test_parse_line_ends);
	g_test_add_func ("/confab/sdp/parse/tolerant", test_parse_tolerant);
	g_test_add_func ("/confab/sdp/parse/malformed", test_malformed);
	g_test_add_func ("/confab/sdp/parse/limits", test_limits);
	g_test_add_func ("/confab/sdp/parse/limit-size", test_limit_size);
	g_test_add_func ("/confab/sdp/parse/limit-counts", test_limits_counts);
	g_test_add_func ("/confab/sdp/attributes", test_attributes);
	g_test_add_func ("/confab/sdp/print/build", test_build);
	g_test_add_func ("/confab/sdp/codec", test_codec);
	g_test_add_func ("/confab/sdp/direction", test_directions);

	return g_test_run ();
}
