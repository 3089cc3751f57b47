/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-util"

#include "cf-strutil.h"

void
cf_strv_builder_take (GStrvBuilder *builder, char *str)
{
	g_strv_builder_add (builder, str);
	g_free (str);
}
