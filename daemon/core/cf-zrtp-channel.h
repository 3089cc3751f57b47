/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* One ZRTP stream of a call, on the main thread: it binds the pure engine
 * (daemon/zrtp/cf-zrtp-engine.h) to the call's media session. Received
 * in-band packets go into the engine, the engine's packets go out on the media
 * transport, its retransmission deadlines become main-loop timeouts, and
 * when it reports secure the SRTP sessions are built from its keys and given
 * to the media session: until then no media packet leaves (R5).
 *
 * Signals: ::secure (the keys are in place; cf_zrtp_channel_get_result()),
 * ::failed (const char *reason: cf_zrtp_failure_to_string()). Each fires at
 * most once, and never after cf_zrtp_channel_stop(). */

#include <glib-object.h>

#include "cf-media-session.h"
#include "cf-zrtp-engine.h"

G_BEGIN_DECLS

#define CF_TYPE_ZRTP_CHANNEL (cf_zrtp_channel_get_type ())
G_DECLARE_FINAL_TYPE (CfZrtpChannel, cf_zrtp_channel, CF, ZRTP_CHANNEL, GObject)

/* @media: the call's media session, referenced; the caller sets it to
 * in-band keying once both sides agreed on ZRTP.
 * @config: copied where needed (the lookup function is kept). (transfer full) */
CfZrtpChannel *
cf_zrtp_channel_new (CfMediaSession *media, const CfZrtpEngineConfig *config, GError **error);

/* Our a=zrtp-hash value. (transfer full) */
char *cf_zrtp_channel_get_hash_attribute (CfZrtpChannel *self);
/* The peer's a=zrtp-hash value; FALSE if it does not parse. */
gboolean cf_zrtp_channel_set_peer_hash (CfZrtpChannel *self, const char *value);

/* Starts the key agreement: call once the media session runs. */
void cf_zrtp_channel_start (CfZrtpChannel *self);
/* Stops the timers and the packet flow; no more signals. */
void cf_zrtp_channel_stop (CfZrtpChannel *self);

gboolean cf_zrtp_channel_is_secure (CfZrtpChannel *self);
/* FALSE until ::secure. */
gboolean cf_zrtp_channel_get_result (CfZrtpChannel *self, CfZrtpResult *ret_result);
/* The retained secret to cache (DH mode, once secure). */
gboolean cf_zrtp_channel_get_new_rs1 (CfZrtpChannel *self, guint8 out[CF_ZRTP_HASH_LEN]);

G_END_DECLS
