/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cf-call.h"
#include "cf-dbus-generated.h"

G_BEGIN_DECLS

/* The exported org.confab.Confab1.Call of one CfCall: mirrors its properties
 * and turns method calls into the call's actions. */
#define CF_TYPE_CALL_OBJECT (cf_call_object_get_type ())
G_DECLARE_FINAL_TYPE (CfCallObject, cf_call_object, CF, CALL_OBJECT, CfDBusCallSkeleton)

/* (transfer full) @call is referenced. */
CfCallObject *cf_call_object_new (CfCall *call);
CfCall *cf_call_object_get_call (CfCallObject *self);
/* "/org/confab/Confab1/Call/N" (transfer full) */
char *cf_call_object_path_for (CfCall *call);

G_END_DECLS
