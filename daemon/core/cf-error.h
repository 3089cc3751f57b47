/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The errors a D-Bus client can see, registered as org.confab.Confab1.Error.* */
typedef enum {
	CF_ERROR_NOT_AVAILABLE_IN_END_TO_END, /* NotAvailableInEndToEnd (R9) */
	CF_ERROR_POLICY_DENIED,               /* PolicyDenied */
	CF_ERROR_WRONG_STATE,                 /* WrongState */
	CF_ERROR_INVALID_ARGUMENT,            /* InvalidArgument */
	CF_ERROR_NOT_FOUND,                   /* NotFound */
	CF_ERROR_BUSY,                        /* Busy */
	CF_ERROR_REJECTED,                    /* Rejected */
	CF_ERROR_FAILED,                      /* Failed */
} CfError;

#define CF_ERROR_LAST CF_ERROR_FAILED
#define CF_ERROR (cf_error_quark ())
GQuark cf_error_quark (void);

G_END_DECLS
