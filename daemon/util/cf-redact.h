/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Personal data (numbers, URIs, chat text) is shown in logs only when the
 * user asked for it. */
void cf_redact_set_show_personal (gboolean show);
gboolean cf_redact_get_show_personal (void);

/* Returns @str itself when personal data may be logged, else a constant
 * placeholder. (transfer none) */
const char *cf_redact (const char *str);

G_END_DECLS
