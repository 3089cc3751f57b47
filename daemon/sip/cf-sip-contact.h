/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cf-sip-transport.h"

G_BEGIN_DECLS

/* Our Contact URI for requests and responses exchanged with @dest: the
 * sent-by of the listener of the same transport (RFC 3261 §8.1.1.8), with
 * @user (nullable) and ;transport= for TCP and TLS, e.g.
 * "sip:alice@127.0.0.1:5070;transport=tcp". @ret_host (nullable) gets the
 * host alone. (transfer full) */
char *cf_sip_contact_for_destination (CfSipTransport *transport,
				      const CfSipDestination *dest,
				      const char *user,
				      char **ret_host,
				      GError **error);

G_END_DECLS
