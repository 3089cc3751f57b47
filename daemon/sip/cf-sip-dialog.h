/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* A SIP dialog (RFC 3261 §12): the state two user agents share for the life
 * of a call. Pure: it builds in-dialog requests and checks incoming ones; it
 * sends nothing. Vias are added by whoever sends.
 *
 * Created on the caller's side (UAC) from the INVITE and a 1xx-with-tag or
 * 2xx response, on the callee's side (UAS) from the INVITE and our To tag.
 */

#include <glib.h>

#include "cf-sip-message.h"

G_BEGIN_DECLS

typedef struct _CfSipDialog CfSipDialog; /* reference counted */

/* UAC (§12.1.2): @invite is the request we sent, @response a 101..299
 * response carrying a To tag. */
CfSipDialog *cf_sip_dialog_new_uac (CfSipMessage *invite, CfSipMessage *response, GError **error);

/* UAS (§12.1.1): @invite is the request we received, @local_tag the To tag
 * we answer with, @local_contact our Contact URI (for requests we send). */
CfSipDialog *cf_sip_dialog_new_uas (CfSipMessage *invite,
				    const char *local_tag,
				    const char *local_contact,
				    GError **error);

CfSipDialog *cf_sip_dialog_ref (CfSipDialog *dialog);
void cf_sip_dialog_unref (CfSipDialog *dialog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfSipDialog, cf_sip_dialog_unref)

const char *cf_sip_dialog_get_call_id (CfSipDialog *dialog);
const char *cf_sip_dialog_get_local_tag (CfSipDialog *dialog);
const char *cf_sip_dialog_get_remote_tag (CfSipDialog *dialog);
/* The peer's address of record (To for a UAC, From for a UAS), as a
 * name-addr string, and the URI alone. (transfer none) */
const char *cf_sip_dialog_get_remote_party (CfSipDialog *dialog);
/* The remote target: the peer's Contact URI, where requests go (§12.2.1.1). */
const char *cf_sip_dialog_get_remote_target (CfSipDialog *dialog);
/* (transfer none) (element-type utf8) the route set, Route header values in order */
GPtrArray *cf_sip_dialog_get_route_set (CfSipDialog *dialog);
/* The URI a request is sent towards: the first route, or the remote target
 * when there is no route set. (transfer full) */
char *cf_sip_dialog_dup_next_hop (CfSipDialog *dialog);
gboolean cf_sip_dialog_is_secure (CfSipDialog *dialog);
guint32 cf_sip_dialog_get_local_cseq (CfSipDialog *dialog);

/* Sets our Contact (UAC: it is taken from the INVITE; this overrides it). */
void cf_sip_dialog_set_local_contact (CfSipDialog *dialog, const char *contact_uri);

/* A UAC dialog made from a provisional response is confirmed by the 2xx
 * (§12.1.2, §13.2.2.4): the remote target and the route set are taken again
 * from @response, whose To tag must be the dialog's remote tag. */
gboolean cf_sip_dialog_confirm (CfSipDialog *dialog, CfSipMessage *response, GError **error);

/* Does @msg belong to this dialog (Call-ID and both tags, §12.2)? */
gboolean cf_sip_dialog_matches (CfSipDialog *dialog, CfSipMessage *msg);

/* A new in-dialog request (§12.2.1.1): Request-URI, Route, From/To with tags,
 * Call-ID, the next local CSeq, Max-Forwards, and Contact for INVITE/UPDATE/
 * REFER/SUBSCRIBE. ACK and CANCEL are not made here (see below). No Via. */
CfSipMessage *cf_sip_dialog_create_request (CfSipDialog *dialog, const char *method);

/* The ACK for a 2xx to the INVITE (or re-INVITE) whose CSeq was @cseq
 * (§13.2.2.4): same CSeq number, method ACK. No Via. */
CfSipMessage *cf_sip_dialog_create_ack (CfSipDialog *dialog, guint32 cseq);

/* Checks an incoming in-dialog request (§12.2.2): a CSeq lower than or equal
 * to the last one (except ACK and CANCEL) is out of order (the caller
 * answers 500); a target-refresh request (re-INVITE, UPDATE) updates the
 * remote target from its Contact. Returns FALSE with CF_SIP_ERROR_PARSE. */
gboolean cf_sip_dialog_receive_request (CfSipDialog *dialog, CfSipMessage *request, GError **error);

/* A 2xx to our target-refresh request updates the remote target. */
void cf_sip_dialog_receive_refresh_response (CfSipDialog *dialog, CfSipMessage *response);

G_END_DECLS
