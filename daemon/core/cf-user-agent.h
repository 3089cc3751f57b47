/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The user agent: the daemon's SIP identity. It owns the SIP stack (its
 * transports listen as [sip] listen says), makes outgoing calls, turns
 * incoming INVITEs into calls, routes in-dialog requests to their call,
 * answers OPTIONS, registers with the registrar when one is configured, and
 * records each call in the history when it ends.
 *
 * Signals:
 * ::call-added (CfCall *call): a new call, outgoing or incoming.
 * ::call-removed (CfCall *call): an ended call is dropped (a while after
 *   it ended, so that clients can read why).
 * Properties (notify): "registration" (string: none, registering,
 * registered, failed), "devices" (GStrv). */

#include <gio/gio.h>

#include "cf-call.h"
#include "cf-history.h"
#include "cf-policy.h"
#include "cf-settings.h"
#include "cf-zrtp-cache.h"

G_BEGIN_DECLS

#define CF_USER_AGENT_MAX_CALLS 32
#define CF_USER_AGENT_ENDED_LINGER_SECONDS 30

#define CF_TYPE_USER_AGENT (cf_user_agent_get_type ())
G_DECLARE_FINAL_TYPE (CfUserAgent, cf_user_agent, CF, USER_AGENT, GObject)

/* @history nullable (no history is written). */
CfUserAgent *cf_user_agent_new (CfSettings *settings, CfPolicy *policy, CfHistory *history);

/* ZRTP key continuity from @cache (referenced), and this installation's ZID
 * from it. Without it each run of the daemon has a new ZID and no cache. */
gboolean cf_user_agent_set_zrtp_cache (CfUserAgent *self, CfZrtpCache *cache, GError **error);

/* Opens the listeners and starts registering. Fails when a listener cannot
 * be opened (port in use, bad TLS files). */
gboolean cf_user_agent_start (CfUserAgent *self, GError **error);

/* Places a call to @uri. Fails with CF_ERROR_INVALID_ARGUMENT (not a SIP
 * URI) or CF_ERROR_BUSY (too many calls). (transfer none) the call, owned by
 * the user agent until ::call-removed. */
CfCall *cf_user_agent_dial (CfUserAgent *self, const char *uri, GError **error);

/* (transfer none) (element-type CfCall) the calls, ended ones included
 * until they are removed. */
GList *cf_user_agent_get_calls (CfUserAgent *self);

const char *cf_user_agent_get_registration (CfUserAgent *self);
const char *const *cf_user_agent_get_devices (CfUserAgent *self);
/* Our Contact URI for @transport (e.g. "sip:alice@127.0.0.1:5070;transport=tcp"). */
char *cf_user_agent_get_contact (CfUserAgent *self, const char *transport);

G_END_DECLS
