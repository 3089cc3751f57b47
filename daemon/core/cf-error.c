/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-core"

#include <gio/gio.h>

#include "cf-error.h"

static const GDBusErrorEntry cf_error_entries[] = {
	{ CF_ERROR_NOT_AVAILABLE_IN_END_TO_END, "org.confab.Confab1.Error.NotAvailableInEndToEnd" },
	{ CF_ERROR_POLICY_DENIED, "org.confab.Confab1.Error.PolicyDenied" },
	{ CF_ERROR_WRONG_STATE, "org.confab.Confab1.Error.WrongState" },
	{ CF_ERROR_INVALID_ARGUMENT, "org.confab.Confab1.Error.InvalidArgument" },
	{ CF_ERROR_NOT_FOUND, "org.confab.Confab1.Error.NotFound" },
	{ CF_ERROR_BUSY, "org.confab.Confab1.Error.Busy" },
	{ CF_ERROR_REJECTED, "org.confab.Confab1.Error.Rejected" },
	{ CF_ERROR_FAILED, "org.confab.Confab1.Error.Failed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (cf_error_entries) == CF_ERROR_LAST + 1);

GQuark
cf_error_quark (void)
{
	static gsize quark;

	g_dbus_error_register_error_domain ("cf-error-quark",
					    &quark,
					    cf_error_entries,
					    G_N_ELEMENTS (cf_error_entries));
	return (GQuark) quark;
}
