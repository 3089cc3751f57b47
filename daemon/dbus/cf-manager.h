/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "cf-dbus-generated.h"
#include "cf-history.h"
#include "cf-policy.h"
#include "cf-settings.h"
#include "cf-user-agent.h"

G_BEGIN_DECLS

#define CF_MANAGER_OBJECT_PATH "/org/confab/Confab1"

/* The exported org.confab.Confab1.Manager object. It mirrors the user's
 * settings and the administrator's policy as D-Bus properties, writes a
 * client's change of EndToEndEncryption back to the settings, and exports
 * the user agent's calls through @object_manager. */
#define CF_TYPE_MANAGER (cf_manager_get_type ())
G_DECLARE_FINAL_TYPE (CfManager, cf_manager, CF, MANAGER, CfDBusManagerSkeleton)

/* (transfer full) the arguments are referenced; @history nullable. */
CfManager *cf_manager_new (CfSettings *settings,
			   CfPolicy *policy,
			   CfUserAgent *user_agent,
			   CfHistory *history,
			   GDBusObjectManagerServer *object_manager);

G_END_DECLS
