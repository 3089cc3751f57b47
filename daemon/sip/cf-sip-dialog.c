/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip"

#include <string.h>

#include "cf-sip-dialog.h"

struct _CfSipDialog {
	gatomicrefcount ref;
	char *call_id;
	char *local_tag;
	char *remote_tag;
	char *local_party;  /* our From (UAC) / To (UAS) value, with our tag */
	char *remote_party; /* their To (UAC) / From (UAS) value, with their tag */
	char *remote_target;
	char *local_contact; /* nullable */
	GPtrArray *route_set; /* char*, Route values in the order they are sent */
	guint32 local_cseq;
	guint32 remote_cseq;
	gboolean remote_cseq_set;
	gboolean secure;
};

static void
set_error (GError **error, const char *what)
{
	g_set_error (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "cannot make a dialog: %s", what);
}

/* The URI of the first Contact of @msg, or NULL. (transfer full) */
static char *
contact_uri (CfSipMessage *msg)
{
	const char *value = cf_sip_message_get_header (msg, "Contact");
	g_autoptr (CfSipNameAddr) na = NULL;

	if (value == NULL)
		return NULL;
	na = cf_sip_name_addr_parse (value, NULL);
	if (na == NULL || na->star || na->uri == NULL)
		return NULL;
	return cf_sip_uri_to_string (na->uri);
}

static GPtrArray *
record_route (CfSipMessage *msg, gboolean reverse)
{
	GPtrArray *routes = g_ptr_array_new_with_free_func (g_free);
	guint n = cf_sip_message_count_header (msg, "Record-Route");

	for (guint i = 0; i < n; i++) {
		guint index = reverse ? n - 1 - i : i;
		g_ptr_array_add (routes, g_strdup (cf_sip_message_get_header_nth (msg, "Record-Route", index)));
	}
	return routes;
}

static CfSipDialog *
dialog_alloc (void)
{
	CfSipDialog *d = g_new0 (CfSipDialog, 1);

	g_atomic_ref_count_init (&d->ref);
	return d;
}

CfSipDialog *
cf_sip_dialog_new_uac (CfSipMessage *invite, CfSipMessage *response, GError **error)
{
	g_autoptr (CfSipDialog) d = dialog_alloc ();
	guint32 cseq = 0;
	guint status = cf_sip_message_get_status (response);

	if (status < 101 || status > 299) {
		set_error (error, "not a 101..299 response");
		return NULL;
	}
	d->call_id = g_strdup (cf_sip_message_get_call_id (invite));
	d->local_tag = cf_sip_message_get_from_tag (invite);
	d->remote_tag = cf_sip_message_get_to_tag (response);
	if (d->call_id == NULL || d->local_tag == NULL || d->remote_tag == NULL) {
		set_error (error, "Call-ID or a tag is missing");
		return NULL;
	}
	if (!cf_sip_message_get_cseq (invite, &cseq, NULL)) {
		set_error (error, "no CSeq");
		return NULL;
	}
	d->local_cseq = cseq;
	d->local_party = g_strdup (cf_sip_message_get_header (invite, "From"));
	d->remote_party = g_strdup (cf_sip_message_get_header (response, "To"));
	d->local_contact = contact_uri (invite);
	d->remote_target = contact_uri (response);
	if (d->remote_target == NULL) {
		/* A provisional response need not carry a Contact; the 2xx must. */
		if (status >= 200) {
			set_error (error, "the 2xx has no Contact");
			return NULL;
		}
		d->remote_target = g_strdup (cf_sip_message_get_request_uri (invite));
	}
	d->route_set = record_route (response, TRUE);
	d->secure = g_str_has_prefix (cf_sip_message_get_request_uri (invite), "sips:");
	return g_steal_pointer (&d);
}

CfSipDialog *
cf_sip_dialog_new_uas (CfSipMessage *invite,
		       const char *local_tag,
		       const char *local_contact,
		       GError **error)
{
	g_autoptr (CfSipDialog) d = dialog_alloc ();
	g_autoptr (CfSipNameAddr) to = NULL;
	guint32 cseq = 0;

	d->call_id = g_strdup (cf_sip_message_get_call_id (invite));
	d->remote_tag = cf_sip_message_get_from_tag (invite);
	if (d->call_id == NULL || d->remote_tag == NULL || local_tag == NULL) {
		set_error (error, "Call-ID or a tag is missing");
		return NULL;
	}
	if (!cf_sip_message_get_cseq (invite, &cseq, NULL)) {
		set_error (error, "no CSeq");
		return NULL;
	}
	to = cf_sip_message_get_to (invite, error);
	if (to == NULL)
		return NULL;
	cf_sip_name_addr_set_param (to, "tag", local_tag);
	d->local_tag = g_strdup (local_tag);
	d->local_party = cf_sip_name_addr_to_string (to);
	d->remote_party = g_strdup (cf_sip_message_get_header (invite, "From"));
	d->remote_target = contact_uri (invite);
	if (d->remote_target == NULL) {
		set_error (error, "the INVITE has no Contact");
		return NULL;
	}
	d->local_contact = g_strdup (local_contact);
	d->route_set = record_route (invite, FALSE);
	d->remote_cseq = cseq;
	d->remote_cseq_set = TRUE;
	/* The local sequence starts anywhere below 2^31 (§12.1.1, §8.1.1.5). */
	d->local_cseq = g_random_int_range (1, 0x10000);
	d->secure = g_str_has_prefix (cf_sip_message_get_request_uri (invite), "sips:");
	return g_steal_pointer (&d);
}

CfSipDialog *
cf_sip_dialog_ref (CfSipDialog *dialog)
{
	g_atomic_ref_count_inc (&dialog->ref);
	return dialog;
}

void
cf_sip_dialog_unref (CfSipDialog *dialog)
{
	if (dialog == NULL || !g_atomic_ref_count_dec (&dialog->ref))
		return;
	g_free (dialog->call_id);
	g_free (dialog->local_tag);
	g_free (dialog->remote_tag);
	g_free (dialog->local_party);
	g_free (dialog->remote_party);
	g_free (dialog->remote_target);
	g_free (dialog->local_contact);
	g_clear_pointer (&dialog->route_set, g_ptr_array_unref);
	g_free (dialog);
}

const char *
cf_sip_dialog_get_call_id (CfSipDialog *dialog)
{
	return dialog->call_id;
}

const char *
cf_sip_dialog_get_local_tag (CfSipDialog *dialog)
{
	return dialog->local_tag;
}

const char *
cf_sip_dialog_get_remote_tag (CfSipDialog *dialog)
{
	return dialog->remote_tag;
}

const char *
cf_sip_dialog_get_remote_party (CfSipDialog *dialog)
{
	return dialog->remote_party;
}

const char *
cf_sip_dialog_get_remote_target (CfSipDialog *dialog)
{
	return dialog->remote_target;
}

GPtrArray *
cf_sip_dialog_get_route_set (CfSipDialog *dialog)
{
	return dialog->route_set;
}

gboolean
cf_sip_dialog_is_secure (CfSipDialog *dialog)
{
	return dialog->secure;
}

guint32
cf_sip_dialog_get_local_cseq (CfSipDialog *dialog)
{
	return dialog->local_cseq;
}

void
cf_sip_dialog_set_local_contact (CfSipDialog *dialog, const char *contact_uri_text)
{
	g_free (dialog->local_contact);
	dialog->local_contact = g_strdup (contact_uri_text);
}

/* The URI inside the first route, and whether it has ;lr. (transfer full) */
static char *
first_route_uri (CfSipDialog *dialog, gboolean *ret_loose)
{
	g_autoptr (CfSipNameAddr) na = NULL;

	*ret_loose = TRUE;
	if (dialog->route_set->len == 0)
		return NULL;
	na = cf_sip_name_addr_parse (g_ptr_array_index (dialog->route_set, 0), NULL);
	if (na == NULL || na->uri == NULL)
		return NULL;
	*ret_loose = cf_sip_uri_has_param (na->uri, "lr");
	return cf_sip_uri_to_string (na->uri);
}

char *
cf_sip_dialog_dup_next_hop (CfSipDialog *dialog)
{
	gboolean loose;
	char *route = first_route_uri (dialog, &loose);

	return route != NULL ? route : g_strdup (dialog->remote_target);
}

gboolean
cf_sip_dialog_confirm (CfSipDialog *dialog, CfSipMessage *response, GError **error)
{
	g_autofree char *tag = cf_sip_message_get_to_tag (response);
	g_autofree char *target = contact_uri (response);

	if (g_strcmp0 (tag, dialog->remote_tag) != 0) {
		set_error (error, "the 2xx comes from another dialog");
		return FALSE;
	}
	if (target == NULL) {
		set_error (error, "the 2xx has no Contact");
		return FALSE;
	}
	g_free (dialog->remote_target);
	dialog->remote_target = g_steal_pointer (&target);
	g_ptr_array_unref (dialog->route_set);
	dialog->route_set = record_route (response, TRUE);
	g_free (dialog->remote_party);
	dialog->remote_party = g_strdup (cf_sip_message_get_header (response, "To"));
	return TRUE;
}

gboolean
cf_sip_dialog_matches (CfSipDialog *dialog, CfSipMessage *msg)
{
	g_autofree char *from_tag = cf_sip_message_get_from_tag (msg);
	g_autofree char *to_tag = cf_sip_message_get_to_tag (msg);
	gboolean ours_from;

	if (g_strcmp0 (cf_sip_message_get_call_id (msg), dialog->call_id) != 0)
		return FALSE;
	/* Requests we receive and responses we send have the peer's tag in
	 * From; requests we send and responses we receive have ours. */
	ours_from = cf_sip_message_is_request (msg) ? FALSE : TRUE;
	if (ours_from)
		return g_strcmp0 (from_tag, dialog->local_tag) == 0
		       && g_strcmp0 (to_tag, dialog->remote_tag) == 0;
	return g_strcmp0 (from_tag, dialog->remote_tag) == 0
	       && g_strcmp0 (to_tag, dialog->local_tag) == 0;
}

static CfSipMessage *
build_request (CfSipDialog *dialog, const char *method, guint32 cseq)
{
	g_autoptr (CfSipMessage) req = NULL;
	g_autofree char *cseq_text = g_strdup_printf ("%u %s", cseq, method);
	gboolean loose;
	g_autofree char *route = first_route_uri (dialog, &loose);

	if (route != NULL && !loose) {
		/* Strict routing (§12.2.1.1): the first route becomes the
		 * Request-URI, the remote target goes last in Route. */
		g_autofree char *target = g_strdup_printf ("<%s>", dialog->remote_target);
		req = cf_sip_message_new_request (method, route);
		for (guint i = 1; i < dialog->route_set->len; i++)
			cf_sip_message_add_header (req, "Route", g_ptr_array_index (dialog->route_set, i));
		cf_sip_message_add_header (req, "Route", target);
	} else {
		req = cf_sip_message_new_request (method, dialog->remote_target);
		for (guint i = 0; i < dialog->route_set->len; i++)
			cf_sip_message_add_header (req, "Route", g_ptr_array_index (dialog->route_set, i));
	}
	cf_sip_message_add_header (req, "Max-Forwards", "70");
	cf_sip_message_add_header (req, "From", dialog->local_party);
	cf_sip_message_add_header (req, "To", dialog->remote_party);
	cf_sip_message_add_header (req, "Call-ID", dialog->call_id);
	cf_sip_message_add_header (req, "CSeq", cseq_text);
	return g_steal_pointer (&req);
}

CfSipMessage *
cf_sip_dialog_create_request (CfSipDialog *dialog, const char *method)
{
	CfSipMessage *req;
	CfSipMethod id = cf_sip_method_from_string (method);

	g_return_val_if_fail (id != CF_SIP_METHOD_ACK && id != CF_SIP_METHOD_CANCEL, NULL);

	dialog->local_cseq++;
	req = build_request (dialog, method, dialog->local_cseq);
	if (dialog->local_contact != NULL
	    && (id == CF_SIP_METHOD_INVITE || id == CF_SIP_METHOD_UPDATE || id == CF_SIP_METHOD_REFER
		|| id == CF_SIP_METHOD_SUBSCRIBE || id == CF_SIP_METHOD_NOTIFY)) {
		g_autofree char *contact = g_strdup_printf ("<%s>", dialog->local_contact);
		cf_sip_message_add_header (req, "Contact", contact);
	}
	return req;
}

CfSipMessage *
cf_sip_dialog_create_ack (CfSipDialog *dialog, guint32 cseq)
{
	return build_request (dialog, "ACK", cseq);
}

gboolean
cf_sip_dialog_receive_request (CfSipDialog *dialog, CfSipMessage *request, GError **error)
{
	CfSipMethod id = cf_sip_message_get_method_id (request);
	guint32 cseq = 0;

	if (!cf_sip_message_get_cseq (request, &cseq, NULL)) {
		g_set_error_literal (error, CF_SIP_ERROR, CF_SIP_ERROR_PARSE, "no valid CSeq");
		return FALSE;
	}
	if (id != CF_SIP_METHOD_ACK && id != CF_SIP_METHOD_CANCEL) {
		if (dialog->remote_cseq_set && cseq <= dialog->remote_cseq) {
			g_set_error (error,
				     CF_SIP_ERROR,
				     CF_SIP_ERROR_PARSE,
				     "CSeq %u is out of order (last %u)",
				     cseq,
				     dialog->remote_cseq);
			return FALSE;
		}
		dialog->remote_cseq = cseq;
		dialog->remote_cseq_set = TRUE;
	}
	if (id == CF_SIP_METHOD_INVITE || id == CF_SIP_METHOD_UPDATE) {
		g_autofree char *target = contact_uri (request);
		if (target != NULL) {
			g_free (dialog->remote_target);
			dialog->remote_target = g_steal_pointer (&target);
		}
	}
	return TRUE;
}

void
cf_sip_dialog_receive_refresh_response (CfSipDialog *dialog, CfSipMessage *response)
{
	g_autofree char *target = NULL;

	if (cf_sip_message_get_status (response) / 100 != 2)
		return;
	target = contact_uri (response);
	if (target != NULL) {
		g_free (dialog->remote_target);
		dialog->remote_target = g_steal_pointer (&target);
	}
}
