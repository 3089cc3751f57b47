/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "cf-sip-dialog.h"

static CfSipMessage *
parse (const char *text)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GString) crlf = g_string_new (NULL);
	CfSipMessage *msg;

	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			g_string_append (crlf, "\r\n");
		else
			g_string_append_c (crlf, *p);
	}
	msg = cf_sip_message_parse (crlf->str, crlf->len, &error);
	g_assert_no_error (error);
	return msg;
}

/* @text with the first @from replaced by @to. (transfer full) */
static char *
replace (const char *text, const char *from, const char *to)
{
	GString *s = g_string_new (text);

	g_assert_cmpuint (g_string_replace (s, from, to, 1), ==, 1);
	return g_string_free (s, FALSE);
}

static const char invite_text[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
	"Max-Forwards: 70\n"
	"To: Bob <sip:bob@biloxi.example.com>\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
	"CSeq: 314159 INVITE\n"
	"Contact: <sip:alice@pc33.atlanta.example.com>\n"
	"Content-Length: 0\n\n";

static const char ok_text[] =
	"SIP/2.0 200 OK\n"
	"Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
	"Record-Route: <sip:p2.biloxi.example.com;lr>\n"
	"Record-Route: <sip:p1.atlanta.example.com;lr>\n"
	"To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
	"From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
	"Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
	"CSeq: 314159 INVITE\n"
	"Contact: <sip:bob@192.0.2.4>\n"
	"Content-Length: 0\n\n";

static void
test_uac (void)
{
	g_autoptr (CfSipMessage) invite = parse (invite_text);
	g_autoptr (CfSipMessage) ok = parse (ok_text);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipDialog) d = cf_sip_dialog_new_uac (invite, ok, &error);
	g_autoptr (CfSipMessage) bye = NULL;
	g_autoptr (CfSipMessage) ack = NULL;
	g_autofree char *hop = NULL;
	guint32 cseq = 0;
	const char *method = NULL;

	g_assert_no_error (error);
	g_assert_cmpstr (cf_sip_dialog_get_call_id (d), ==, "a84b4c76e66710@pc33.atlanta.example.com");
	g_assert_cmpstr (cf_sip_dialog_get_local_tag (d), ==, "1928301774");
	g_assert_cmpstr (cf_sip_dialog_get_remote_tag (d), ==, "a6c85cf");
	g_assert_cmpstr (cf_sip_dialog_get_remote_target (d), ==, "sip:bob@192.0.2.4");
	/* The UAC's route set is the Record-Route in reverse (§12.1.2). */
	g_assert_cmpuint (cf_sip_dialog_get_route_set (d)->len, ==, 2);
	g_assert_cmpstr (g_ptr_array_index (cf_sip_dialog_get_route_set (d), 0), ==, "<sip:p1.atlanta.example.com;lr>");
	hop = cf_sip_dialog_dup_next_hop (d);
	g_assert_cmpstr (hop, ==, "sip:p1.atlanta.example.com;lr");
	g_assert_true (cf_sip_dialog_matches (d, ok));

	bye = cf_sip_dialog_create_request (d, "BYE");
	g_assert_cmpstr (cf_sip_message_get_request_uri (bye), ==, "sip:bob@192.0.2.4");
	g_assert_cmpuint (cf_sip_message_count_header (bye, "Route"), ==, 2);
	g_assert_cmpstr (cf_sip_message_get_header_nth (bye, "Route", 1), ==, "<sip:p2.biloxi.example.com;lr>");
	g_assert_true (cf_sip_message_get_cseq (bye, &cseq, &method));
	g_assert_cmpuint (cseq, ==, 314160);
	g_assert_cmpstr (method, ==, "BYE");
	g_assert_nonnull (strstr (cf_sip_message_get_header (bye, "To"), "tag=a6c85cf"));
	g_assert_nonnull (strstr (cf_sip_message_get_header (bye, "From"), "tag=1928301774"));
	g_assert_null (cf_sip_message_get_header (bye, "Contact"));

	ack = cf_sip_dialog_create_ack (d, 314159);
	g_assert_true (cf_sip_message_get_cseq (ack, &cseq, &method));
	g_assert_cmpuint (cseq, ==, 314159);
	g_assert_cmpstr (method, ==, "ACK");
	/* ACK does not advance the local sequence. */
	g_assert_cmpuint (cf_sip_dialog_get_local_cseq (d), ==, 314160);
}

static void
test_uac_needs_tag_and_contact (void)
{
	g_autoptr (CfSipMessage) invite = parse (invite_text);
	g_autoptr (GError) error = NULL;
	g_autofree char *no_tag = replace (ok_text, ";tag=a6c85cf", "");
	g_autofree char *no_contact = replace (ok_text, "Contact: <sip:bob@192.0.2.4>\n", "");
	g_autoptr (CfSipMessage) untagged = parse (no_tag);
	g_autoptr (CfSipMessage) uncontacted = parse (no_contact);
	g_autoptr (CfSipDialog) d = NULL;

	d = cf_sip_dialog_new_uac (invite, untagged, &error);
	g_assert_null (d);
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
	g_clear_error (&error);
	d = cf_sip_dialog_new_uac (invite, uncontacted, &error);
	g_assert_null (d);
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
}

static void
test_uas (void)
{
	g_autoptr (CfSipMessage) invite = parse (invite_text);
	g_autoptr (GError) error = NULL;
	g_autoptr (CfSipDialog) d = cf_sip_dialog_new_uas (invite, "ourtag", "sip:bob@192.0.2.4", &error);
	g_autoptr (CfSipMessage) bye = NULL;
	g_autoptr (CfSipMessage) reinvite = NULL;
	g_autoptr (CfSipMessage) old = NULL;
	g_autofree char *reinvite_text = NULL;
	g_autofree char *hop = NULL;

	g_assert_no_error (error);
	g_assert_cmpstr (cf_sip_dialog_get_remote_tag (d), ==, "1928301774");
	g_assert_cmpstr (cf_sip_dialog_get_remote_target (d), ==, "sip:alice@pc33.atlanta.example.com");
	hop = cf_sip_dialog_dup_next_hop (d);
	g_assert_cmpstr (hop, ==, "sip:alice@pc33.atlanta.example.com");

	bye = cf_sip_dialog_create_request (d, "BYE");
	g_assert_cmpstr (cf_sip_message_get_request_uri (bye), ==, "sip:alice@pc33.atlanta.example.com");
	g_assert_nonnull (strstr (cf_sip_message_get_header (bye, "From"), "tag=ourtag"));
	g_assert_nonnull (strstr (cf_sip_message_get_header (bye, "To"), "tag=1928301774"));

	/* A re-INVITE from the peer: in dialog, higher CSeq, new target. */
	reinvite_text = g_strdup_printf ("INVITE sip:bob@192.0.2.4 SIP/2.0\n"
					 "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK2\n"
					 "To: Bob <sip:bob@biloxi.example.com>;tag=ourtag\n"
					 "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
					 "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\n"
					 "CSeq: 314160 INVITE\n"
					 "Contact: <sip:alice@198.51.100.7>\n"
					 "Content-Length: 0\n\n");
	reinvite = parse (reinvite_text);
	g_assert_true (cf_sip_dialog_matches (d, reinvite));
	g_assert_true (cf_sip_dialog_receive_request (d, reinvite, &error));
	g_assert_no_error (error);
	g_assert_cmpstr (cf_sip_dialog_get_remote_target (d), ==, "sip:alice@198.51.100.7");

	/* The same CSeq again is out of order. */
	old = parse (reinvite_text);
	g_assert_false (cf_sip_dialog_receive_request (d, old, &error));
	g_assert_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE);
}

static void
test_matches (void)
{
	g_autoptr (CfSipMessage) invite = parse (invite_text);
	g_autoptr (CfSipMessage) ok = parse (ok_text);
	g_autoptr (CfSipDialog) d = cf_sip_dialog_new_uac (invite, ok, NULL);
	/* Another dialog: same Call-ID, another remote tag (a fork). */
	g_autofree char *text = replace (ok_text, "a6c85cf", "ffffff0");
	g_autoptr (CfSipMessage) other = parse (text);
	g_assert_false (cf_sip_dialog_matches (d, other));
}

static void
test_strict_route (void)
{
	g_autoptr (CfSipMessage) invite = parse (invite_text);
	/* p1 is a strict router (no ;lr): it becomes the Request-URI. */
	g_autofree char *text = replace (ok_text, "sip:p1.atlanta.example.com;lr", "sip:p1.atlanta.example.com");
	g_autoptr (CfSipMessage) ok = parse (text);
	g_autoptr (CfSipDialog) d = NULL;
	g_autoptr (CfSipMessage) bye = NULL;

	d = cf_sip_dialog_new_uac (invite, ok, NULL);
	g_assert_nonnull (d);
	bye = cf_sip_dialog_create_request (d, "BYE");
	g_assert_cmpstr (cf_sip_message_get_request_uri (bye), ==, "sip:p1.atlanta.example.com");
	g_assert_cmpuint (cf_sip_message_count_header (bye, "Route"), ==, 2);
	g_assert_cmpstr (cf_sip_message_get_header_nth (bye, "Route", 1), ==, "<sip:bob@192.0.2.4>");
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/confab/sip/dialog/uac", test_uac);
	g_test_add_func ("/confab/sip/dialog/uac-needs-tag", test_uac_needs_tag_and_contact);
	g_test_add_func ("/confab/sip/dialog/uas", test_uas);
	g_test_add_func ("/confab/sip/dialog/matches", test_matches);
	g_test_add_func ("/confab/sip/dialog/strict-route", test_strict_route);
	return g_test_run ();
}
