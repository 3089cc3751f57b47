/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One call: its state machine and its SIP session (the INVITE dialog, the
 * offer/answer, hold, chat). Created by CfUserAgent, which routes requests
 * and responses of the call's dialog to it.
 *
 * States: dialing -> ringing -> active <-> held -> ended (outgoing);
 *         incoming -> active <-> held -> ended (incoming).
 * Every change is announced with notify, so the D-Bus object mirrors it.
 */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
	CF_CALL_STATE_DIALING,
	CF_CALL_STATE_RINGING,
	CF_CALL_STATE_INCOMING,
	CF_CALL_STATE_ACTIVE,
	CF_CALL_STATE_HELD,
	CF_CALL_STATE_ENDED,
} CfCallState;

/* "dialing", "ringing", ... as on D-Bus. (transfer none) */
const char *cf_call_state_to_string (CfCallState state);

typedef enum {
	CF_CALL_DIRECTION_OUTGOING,
	CF_CALL_DIRECTION_INCOMING,
} CfCallDirection;

const char *cf_call_direction_to_string (CfCallDirection direction);

/* End reasons, as on D-Bus. */
#define CF_END_LOCAL_HANGUP "local-hangup"
#define CF_END_REMOTE_HANGUP "remote-hangup"
#define CF_END_REJECTED "rejected"
#define CF_END_BUSY "busy"
#define CF_END_NO_ANSWER "no-answer"
#define CF_END_CANCELLED "cancelled"
#define CF_END_UNREACHABLE "unreachable"
#define CF_END_FAILED "failed"
#define CF_END_MEDIA_TIMEOUT "media-timeout"
#define CF_END_MEDIA_FAILED "media-failed"
#define CF_END_E2EE_FAILED "e2ee-failed"       /* both wanted E2EE; ZRTP failed (R10) */
#define CF_END_E2EE_DOWNGRADE "e2ee-downgrade" /* a re-INVITE dropped a=zrtp-hash (R10) */

#define CF_CALL_MAX_MESSAGE_LENGTH 4000

#define CF_TYPE_CALL (cf_call_get_type ())
G_DECLARE_FINAL_TYPE (CfCall, cf_call, CF, CALL, GObject)

/* Properties (read-only, notify on change): "id" (guint), "state"
 * (CfCallState as guint), "end-reason" (string, "" until ended), "direction"
 * (guint), "remote-uri", "remote-name" (strings), "remote-held" (boolean),
 * "start-time" (guint64, µs since the epoch, 0 until answered), "ring-time"
 * (guint64, when it was created), "features" (GStrv).
 *
 * Signals: ::message-received (const char *text, guint64 time_us);
 * ::ended (): once, after State became ended (the user agent records history
 * and later drops the call). */

guint cf_call_get_id (CfCall *self);
CfCallState cf_call_get_state (CfCall *self);
const char *cf_call_get_end_reason (CfCall *self);
CfCallDirection cf_call_get_direction (CfCall *self);
const char *cf_call_get_remote_uri (CfCall *self);
const char *cf_call_get_remote_name (CfCall *self);
gboolean cf_call_get_remote_held (CfCall *self);
guint64 cf_call_get_start_time (CfCall *self);
guint64 cf_call_get_ring_time (CfCall *self);
guint64 cf_call_get_end_time (CfCall *self);
/* (transfer none) NULL-terminated */
const char *const *cf_call_get_features (CfCall *self);
/* Sends DTMF digits (RFC 4733 events) in an active call. ::dtmf-received
 * (const char *digit) tells the peer's. */
gboolean cf_call_send_dtmf (CfCall *self, const char *digits, GError **error);
/* The media statistics, a{sv}, updated once a second while media runs.
 * (transfer none) */
GVariant *cf_call_get_stats (CfCall *self);
/* The microphone is muted: silence is sent. Kept for the call's life. */
gboolean cf_call_get_muted (CfCall *self);
gboolean cf_call_set_muted (CfCall *self, gboolean muted, GError **error);
/* "", "none", "unprotected-keys", "standard", "end-to-end" (see the D-Bus
 * API). */
const char *cf_call_get_encryption (CfCall *self);

/* End-to-end encryption (R4-R7, DESIGN.md §3). Each has a GObject property
 * of the same name that notifies changes.
 * end-to-end-reason: why the call is not end-to-end: "local-disabled",
 * "remote-disabled", "admin-disabled", "compliance-recording",
 * "peer-unsupported", "negotiating" (ZRTP running), "failed", or "" once
 * end-to-end. (transfer none) */
const char *cf_call_get_end_to_end_reason (CfCall *self);
/* security-code: 20 digits in four groups ("" until end-to-end). */
const char *cf_call_get_security_code (CfCall *self);
/* sas: the RFC 6189 B32 rendering, 4 characters ("" until end-to-end). */
const char *cf_call_get_sas (CfCall *self);
/* verified: the user marked this peer verified and its keys did not change. */
gboolean cf_call_get_verified (CfCall *self);
/* key-continuity: "new", "continued", "mismatch" ("" until end-to-end). */
const char *cf_call_get_key_continuity (CfCall *self);
/* Marks the peer verified (or not) for this and later calls. Fails with
 * CF_ERROR_WRONG_STATE unless the call is end-to-end. */
gboolean cf_call_mark_verified (CfCall *self, gboolean verified, GError **error);

/* The user's actions. Each fails with CF_ERROR_WRONG_STATE when the state
 * does not allow it. Hold, Resume and SendMessage complete when the peer
 * answered. */
gboolean cf_call_answer (CfCall *self, GError **error);
gboolean cf_call_reject (CfCall *self, GError **error);
gboolean cf_call_hangup (CfCall *self, GError **error);

void cf_call_hold_async (CfCall *self, GAsyncReadyCallback callback, gpointer user_data);
gboolean cf_call_hold_finish (CfCall *self, GAsyncResult *result, GError **error);
void cf_call_resume_async (CfCall *self, GAsyncReadyCallback callback, gpointer user_data);
gboolean cf_call_resume_finish (CfCall *self, GAsyncResult *result, GError **error);
void cf_call_send_message_async (CfCall *self,
				 const char *text,
				 GAsyncReadyCallback callback,
				 gpointer user_data);
gboolean cf_call_send_message_finish (CfCall *self, GAsyncResult *result, GError **error);

G_END_DECLS
