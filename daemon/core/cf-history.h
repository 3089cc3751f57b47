/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "cf-state-db.h"

G_BEGIN_DECLS

/* Rows kept in the history; adding one more deletes the oldest. */
#define CF_HISTORY_MAX_ENTRIES 10000
/* Most entries one query returns. */
#define CF_HISTORY_MAX_QUERY 1000
/* Longest remote URI, remote name and call id stored, in bytes; longer
 * strings are cut at a character boundary. */
#define CF_HISTORY_MAX_STRING 2048

/* One ended call. Strings are never NULL in entries read from the history;
 * NULL strings given to cf_history_add() are stored as "". */
typedef struct {
	char *id;	   /* the call's id */
	char *remote_uri;  /* remote party's SIP URI */
	char *remote_name; /* remote display name, "" if none */
	char *direction;   /* "incoming" or "outgoing" */
	gint64 ring_time;  /* unix seconds when it started ringing, 0 if it never did */
	gint64 start_time; /* unix seconds when it was answered, 0 if it never was */
	gint64 end_time;   /* unix seconds when it ended */
	gint64 duration;   /* seconds answered, 0 if it never was */
	char *end_reason;  /* "local-hangup", "remote-hangup", "rejected", "busy", "no-answer",
			    * "cancelled", "unreachable", "failed", ...: lower-case letters,
			    * digits and '-', at most 64 */
	char *encryption;  /* "none", "unprotected-keys", "standard" or "end-to-end" */
} CfHistoryEntry;

#define CF_TYPE_HISTORY_ENTRY (cf_history_entry_get_type ())
GType cf_history_entry_get_type (void) G_GNUC_CONST;

/* (transfer full): an entry with every field zero/NULL. */
CfHistoryEntry *cf_history_entry_new (void);
/* (transfer full) */
CfHistoryEntry *cf_history_entry_copy (const CfHistoryEntry *entry);
void cf_history_entry_free (CfHistoryEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfHistoryEntry, cf_history_entry_free)

/* The entry as a{sv} for D-Bus: "id" s, "remote-uri" s, "remote-name" s,
 * "direction" s, "ring-time" t, "start-time" t, "end-time" t, "duration" u,
 * "end-reason" s, "encryption" s.
 * Returns: (transfer floating) */
GVariant *cf_history_entry_to_variant (const CfHistoryEntry *entry);
/* @entries: (element-type CfHistoryEntry)
 * Returns: (transfer floating): aa{sv}, in the order of @entries. */
GVariant *cf_history_entries_to_variant (GPtrArray *entries);

/* The call history, in the state database. Emits "changed" after an entry
 * is added or the history cleared. */
#define CF_TYPE_HISTORY (cf_history_get_type ())
G_DECLARE_FINAL_TYPE (CfHistory, cf_history, CF, HISTORY, GObject)

/* @db: (transfer none): an open state database; the history keeps a reference. */
CfHistory *cf_history_new (CfStateDb *db);

/* Rows kept, 1..CF_HISTORY_MAX_ENTRIES (the default). A smaller value takes
 * effect at the next cf_history_add(). */
void cf_history_set_max_entries (CfHistory *self, guint max_entries);
guint cf_history_get_max_entries (CfHistory *self);

/* Records an ended call, and deletes the oldest rows beyond the maximum, in
 * one transaction: when it returns TRUE the entry is on disk. Strings are
 * made valid UTF-8 and cut at CF_HISTORY_MAX_STRING bytes. A direction,
 * encryption or end reason outside the sets above, a negative time, or a
 * duration for a call never answered is refused with
 * CF_STATE_DB_ERROR_INVALID. @entry: (transfer none) */
gboolean cf_history_add (CfHistory *self, const CfHistoryEntry *entry, GError **error);

/* The last @limit entries (at most CF_HISTORY_MAX_QUERY), newest first:
 * in the order they were recorded, whatever the clock said.
 * Returns: (transfer full) (element-type CfHistoryEntry): the entries
 * (empty when @limit is 0), or NULL with @error set. */
GPtrArray *cf_history_get_recent (CfHistory *self, guint limit, GError **error);

/* The number of entries kept. */
gboolean cf_history_count (CfHistory *self, guint *ret_count, GError **error);

/* Deletes every entry. */
gboolean cf_history_clear (CfHistory *self, GError **error);

G_END_DECLS
