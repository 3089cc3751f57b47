/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-util"

#include "cf-redact.h"

static gboolean show_personal;

void
cf_redact_set_show_personal (gboolean show)
{
	show_personal = show;
}

gboolean
cf_redact_get_show_personal (void)
{
	return show_personal;
}

const char *
cf_redact (const char *str)
{
	if (str == NULL)
		return "(null)";
	if (show_personal)
		return str;
	return "[personal info]";
}
