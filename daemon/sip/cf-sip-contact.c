/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-sip"

#include <string.h>

#include "cf-sip-contact.h"

char *
cf_sip_contact_for_destination (CfSipTransport *transport,
				const CfSipDestination *dest,
				const char *user,
				char **ret_host,
				GError **error)
{
	g_autofree char *host = NULL;
	g_autofree char *hostport = NULL;
	guint16 port = 0;
	const char *at = (user != NULL && *user != '\0') ? "@" : "";

	if (!cf_sip_transport_get_sent_by (transport, dest, &host, &port, error))
		return NULL;
	hostport = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%u", host, port)
					      : g_strdup_printf ("%s:%u", host, port);
	if (ret_host != NULL)
		*ret_host = g_strdup (host);
	if (*at == '\0')
		user = "";
	if (dest->kind == CF_SIP_TRANSPORT_UDP)
		return g_strdup_printf ("sip:%s%s%s", user, at, hostport);
	return g_strdup_printf ("sip:%s%s%s;transport=%s",
				user,
				at,
				hostport,
				dest->kind == CF_SIP_TRANSPORT_TCP ? "tcp" : "tls");
}
