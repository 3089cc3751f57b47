/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Adds @str to @builder and frees it (g_strv_builder_take is GLib >= 2.80). */
void cf_strv_builder_take (GStrvBuilder *builder, char *str);

G_END_DECLS
