/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the user agent uses of a call: construction and message routing. */

#include "cf-call.h"
#include "cf-settings.h"
#include "cf-sip-stack.h"
#include "cf-zrtp-cache.h"

G_BEGIN_DECLS

/* What decides end-to-end encryption for a new call, read when the call is
 * set up (R1: a setting changed during a call affects the next one). */
typedef struct {
	/* "": the user wants E2EE and may have it; else why not:
	 * "local-disabled", "admin-disabled" or "compliance-recording". */
	const char *local_reason;
	gboolean compliance_recording; /* we record: a=record:on (RFC 7866) */
	CfZrtpCache *cache;	       /* nullable: no key continuity */
	const guint8 *zid;	       /* CF_ZRTP_ZID_LEN bytes: this installation's */
} CfCallSecurity;

/* An outgoing call to @uri; nothing is sent before cf_call_start_outgoing().
 * @auth_username and @auth_password (nullable) answer a 401/407 to the
 * INVITE once. Fails with CF_ERROR_INVALID_ARGUMENT when @uri is not a SIP
 * URI. */
CfCall *cf_call_new_outgoing (guint id,
			      CfSipStack *stack,
			      CfSettings *settings,
			      const char *uri,
			      const char *auth_username,
			      const char *auth_password,
			      const CfCallSecurity *security,
			      GError **error);
/* Resolves the target and sends the INVITE. */
void cf_call_start_outgoing (CfCall *self);

/* An incoming call from the INVITE of @transaction. What can be checked at
 * once is (a bad request: 400, and NULL with @error set); then the media
 * session is made, the offer answered, and the call rings (180) and emits
 * ::ready, or it answers 488 or 500 and ends without ever being ready. */
CfCall *cf_call_new_incoming (guint id,
			      CfSipStack *stack,
			      CfSettings *settings,
			      CfSipServerTransaction *transaction,
			      const CfCallSecurity *security,
			      GError **error);

/* An outgoing call is ready at once; an incoming one after ::ready. */
gboolean cf_call_is_ready (CfCall *self);
/* Does @msg belong to this call (its dialog, or before one exists, its
 * Call-ID and our tag)? */
gboolean cf_call_matches (CfCall *self, CfSipMessage *msg);
/* Is @invite the INVITE server transaction that created this call? */
gboolean cf_call_has_invite_transaction (CfCall *self, CfSipServerTransaction *invite);

/* Routing from the user agent. */
void cf_call_handle_request (CfCall *self, CfSipServerTransaction *transaction);
void cf_call_handle_cancel (CfCall *self, CfSipServerTransaction *cancel);
void cf_call_handle_ack (CfCall *self, CfSipMessage *ack);
void cf_call_handle_stray_response (CfCall *self, CfSipMessage *response);

/* Ends the call at shutdown: hangs up, cancels or declines as its state
 * needs (best effort: the daemon is going away). */
void cf_call_terminate (CfCall *self);

G_END_DECLS
