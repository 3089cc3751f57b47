/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-history"

#include <string.h>

#include "cf-history.h"

#define CF_HISTORY_MAX_REASON 64

struct _CfHistory {
	GObject parent_instance;
	CfStateDb *db;
	guint max_entries;
};

enum {
	SIGNAL_CHANGED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (CfHistory, cf_history, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (CfHistoryEntry, cf_history_entry, cf_history_entry_copy, cf_history_entry_free)

static const char *const directions[] = {"incoming", "outgoing", NULL};
static const char *const encryptions[] = {
	"none",
	"unprotected-keys",
	"standard",
	"end-to-end",
	NULL,
};

CfHistoryEntry *
cf_history_entry_new (void)
{
	return g_new0 (CfHistoryEntry, 1);
}

CfHistoryEntry *
cf_history_entry_copy (const CfHistoryEntry *entry)
{
	CfHistoryEntry *copy;

	g_return_val_if_fail (entry != NULL, NULL);

	copy = g_new0 (CfHistoryEntry, 1);
	copy->id = g_strdup (entry->id);
	copy->remote_uri = g_strdup (entry->remote_uri);
	copy->remote_name = g_strdup (entry->remote_name);
	copy->direction = g_strdup (entry->direction);
	copy->ring_time = entry->ring_time;
	copy->start_time = entry->start_time;
	copy->end_time = entry->end_time;
	copy->duration = entry->duration;
	copy->end_reason = g_strdup (entry->end_reason);
	copy->encryption = g_strdup (entry->encryption);
	return copy;
}

void
cf_history_entry_free (CfHistoryEntry *entry)
{
	if (entry == NULL)
		return;
	g_free (entry->id);
	g_free (entry->remote_uri);
	g_free (entry->remote_name);
	g_free (entry->direction);
	g_free (entry->end_reason);
	g_free (entry->encryption);
	g_free (entry);
}

static guint64
non_negative (gint64 value)
{
	return value > 0 ? (guint64)value : 0;
}

GVariant *
cf_history_entry_to_variant (const CfHistoryEntry *entry)
{
	GVariantBuilder builder;

	g_return_val_if_fail (entry != NULL, NULL);

	g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (entry->id ?: ""));
	g_variant_builder_add (
		&builder, "{sv}", "remote-uri", g_variant_new_string (entry->remote_uri ?: ""));
	g_variant_builder_add (
		&builder, "{sv}", "remote-name", g_variant_new_string (entry->remote_name ?: ""));
	g_variant_builder_add (
		&builder, "{sv}", "direction", g_variant_new_string (entry->direction ?: ""));
	g_variant_builder_add (&builder,
			       "{sv}",
			       "ring-time",
			       g_variant_new_uint64 (non_negative (entry->ring_time)));
	g_variant_builder_add (&builder,
			       "{sv}",
			       "start-time",
			       g_variant_new_uint64 (non_negative (entry->start_time)));
	g_variant_builder_add (&builder,
			       "{sv}",
			       "end-time",
			       g_variant_new_uint64 (non_negative (entry->end_time)));
	g_variant_builder_add (
		&builder,
		"{sv}",
		"duration",
		g_variant_new_uint32 ((guint32)MIN (non_negative (entry->duration), G_MAXUINT32)));
	g_variant_builder_add (
		&builder, "{sv}", "end-reason", g_variant_new_string (entry->end_reason ?: ""));
	g_variant_builder_add (
		&builder, "{sv}", "encryption", g_variant_new_string (entry->encryption ?: ""));
	return g_variant_builder_end (&builder);
}

GVariant *
cf_history_entries_to_variant (GPtrArray *entries)
{
	GVariantBuilder builder;

	g_return_val_if_fail (entries != NULL, NULL);

	g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
	for (guint i = 0; i < entries->len; i++)
		g_variant_builder_add_value (
			&builder, cf_history_entry_to_variant (g_ptr_array_index (entries, i)));
	return g_variant_builder_end (&builder);
}

/* Valid UTF-8 of at most @max bytes, cut at a character boundary; NULL
 * becomes "". Bounds the work on remote input: only the first @max bytes
 * are looked at. (transfer full) */
static char *
sanitize (const char *text, gsize max)
{
	g_autofree char *valid = NULL;
	gsize len;
	char *p;

	if (text == NULL)
		return g_strdup ("");
	len = strnlen (text, max + 1);
	if (len > max) {
		/* Cut before a character that would straddle the limit, rather
		 * than turn its first bytes into a replacement character. */
		len = max;
		while (len > 0 && ((guchar)text[len] & 0xc0) == 0x80)
			len--;
	}
	valid = g_utf8_make_valid (text, (gssize)len);
	/* Replacement characters (3 bytes each) may have made it longer. */
	for (p = valid; *p != '\0';) {
		const char *next = g_utf8_next_char (p);
		if ((gsize)(next - valid) > max)
			break;
		p = (char *)next;
	}
	*p = '\0';
	return g_steal_pointer (&valid);
}

static gboolean
check_reason (const char *reason, GError **error)
{
	gsize len = reason != NULL ? strnlen (reason, CF_HISTORY_MAX_REASON + 1) : 0;

	if (len == 0 || len > CF_HISTORY_MAX_REASON) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_INVALID,
			     "an end reason must have 1 to %d characters",
			     CF_HISTORY_MAX_REASON);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		char c = reason[i];
		if (!g_ascii_islower (c) && !g_ascii_isdigit (c) && c != '-') {
			g_set_error_literal (
				error,
				CF_STATE_DB_ERROR,
				CF_STATE_DB_ERROR_INVALID,
				"an end reason may only have lower-case letters, digits "
				"and '-'");
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
check_entry (const CfHistoryEntry *entry, GError **error)
{
	if (entry->direction == NULL || !g_strv_contains (directions, entry->direction)) {
		g_set_error_literal (error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_INVALID,
				     "the direction must be \"incoming\" or \"outgoing\"");
		return FALSE;
	}
	if (entry->encryption == NULL || !g_strv_contains (encryptions, entry->encryption)) {
		g_set_error_literal (error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_INVALID,
				     "the encryption must be \"none\", \"unprotected-keys\", "
				     "\"standard\" or \"end-to-end\"");
		return FALSE;
	}
	if (!check_reason (entry->end_reason, error))
		return FALSE;
	if (entry->ring_time < 0 || entry->start_time < 0 || entry->end_time < 0
	    || entry->duration < 0) {
		g_set_error_literal (error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_INVALID,
				     "times and durations cannot be negative");
		return FALSE;
	}
	if (entry->start_time == 0 && entry->duration != 0) {
		g_set_error_literal (error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_INVALID,
				     "a call that was never answered has no duration");
		return FALSE;
	}
	return TRUE;
}

static gboolean
bind_text (CfStateDb *db, CfStateDbStmt *stmt, int index, const char *text, GError **error)
{
	return cf_state_db_check (db,
				  sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT),
				  "binding a value",
				  error);
}

static gboolean
bind_int (CfStateDb *db, CfStateDbStmt *stmt, int index, gint64 value, GError **error)
{
	return cf_state_db_check (
		db, sqlite3_bind_int64 (stmt, index, value), "binding a value", error);
}

typedef struct {
	CfHistory *self;
	const CfHistoryEntry *entry; /* checked and sanitized */
} AddData;

static gboolean
add_in_transaction (CfStateDb *db, gpointer user_data, GError **error)
{
	AddData *data = user_data;
	const CfHistoryEntry *e = data->entry;
	g_autoptr (CfStateDbStmt) insert = NULL;
	g_autoptr (CfStateDbStmt) trim = NULL;

	insert = cf_state_db_prepare (db,
				      "INSERT INTO call_history (call_id, remote_uri, remote_name,"
				      " direction, ring_time, start_time, end_time, duration,"
				      " end_reason, encryption)"
				      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      error);
	if (insert == NULL)
		return FALSE;
	if (!bind_text (db, insert, 1, e->id, error)
	    || !bind_text (db, insert, 2, e->remote_uri, error)
	    || !bind_text (db, insert, 3, e->remote_name, error)
	    || !bind_text (db, insert, 4, e->direction, error)
	    || !bind_int (db, insert, 5, e->ring_time, error)
	    || !bind_int (db, insert, 6, e->start_time, error)
	    || !bind_int (db, insert, 7, e->end_time, error)
	    || !bind_int (db, insert, 8, e->duration, error)
	    || !bind_text (db, insert, 9, e->end_reason, error)
	    || !bind_text (db, insert, 10, e->encryption, error)
	    || !cf_state_db_step (db, insert, NULL, error))
		return FALSE;

	/* Everything older than the newest max_entries rows. Row ids only
	 * grow, so the id order is the order calls were recorded. */
	trim = cf_state_db_prepare (
		db,
		"DELETE FROM call_history WHERE id <= "
		"(SELECT id FROM call_history ORDER BY id DESC LIMIT 1 OFFSET ?)",
		error);
	if (trim == NULL)
		return FALSE;
	return bind_int (db, trim, 1, data->self->max_entries, error)
	       && cf_state_db_step (db, trim, NULL, error);
}

gboolean
cf_history_add (CfHistory *self, const CfHistoryEntry *entry, GError **error)
{
	g_autoptr (CfHistoryEntry) clean = NULL;
	AddData data;

	g_return_val_if_fail (CF_IS_HISTORY (self), FALSE);
	g_return_val_if_fail (entry != NULL, FALSE);

	if (!check_entry (entry, error)) {
		g_prefix_error_literal (error, "recording a call: ");
		return FALSE;
	}
	clean = cf_history_entry_copy (entry);
	g_free (clean->id);
	clean->id = sanitize (entry->id, CF_HISTORY_MAX_STRING);
	g_free (clean->remote_uri);
	clean->remote_uri = sanitize (entry->remote_uri, CF_HISTORY_MAX_STRING);
	g_free (clean->remote_name);
	clean->remote_name = sanitize (entry->remote_name, CF_HISTORY_MAX_STRING);

	data.self = self;
	data.entry = clean;
	if (!cf_state_db_transaction (self->db, add_in_transaction, &data, error)) {
		g_prefix_error_literal (error, "recording a call: ");
		return FALSE;
	}
	g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
	return TRUE;
}

/* A column as valid UTF-8, whatever the file holds. (transfer full) */
static char *
column_text (CfStateDbStmt *stmt, int column, gsize max)
{
	return sanitize ((const char *)sqlite3_column_text (stmt, column), max);
}

GPtrArray *
cf_history_get_recent (CfHistory *self, guint limit, GError **error)
{
	g_autoptr (GPtrArray) entries = NULL;
	g_autoptr (CfStateDbStmt) stmt = NULL;
	gboolean row = FALSE;

	g_return_val_if_fail (CF_IS_HISTORY (self), NULL);

	entries = g_ptr_array_new_with_free_func ((GDestroyNotify)cf_history_entry_free);
	if (limit == 0)
		return g_steal_pointer (&entries);
	stmt = cf_state_db_prepare (self->db,
				    "SELECT call_id, remote_uri, remote_name, direction, ring_time,"
				    " start_time, end_time, duration, end_reason, encryption"
				    " FROM call_history ORDER BY id DESC LIMIT ?",
				    error);
	if (stmt == NULL
	    || !bind_int (self->db, stmt, 1, MIN (limit, CF_HISTORY_MAX_QUERY), error)) {
		g_prefix_error_literal (error, "reading the call history: ");
		return NULL;
	}
	for (;;) {
		CfHistoryEntry *e;

		if (!cf_state_db_step (self->db, stmt, &row, error)) {
			g_prefix_error_literal (error, "reading the call history: ");
			return NULL;
		}
		if (!row)
			break;
		e = cf_history_entry_new ();
		e->id = column_text (stmt, 0, CF_HISTORY_MAX_STRING);
		e->remote_uri = column_text (stmt, 1, CF_HISTORY_MAX_STRING);
		e->remote_name = column_text (stmt, 2, CF_HISTORY_MAX_STRING);
		e->direction = column_text (stmt, 3, CF_HISTORY_MAX_REASON);
		e->ring_time = sqlite3_column_int64 (stmt, 4);
		e->start_time = sqlite3_column_int64 (stmt, 5);
		e->end_time = sqlite3_column_int64 (stmt, 6);
		e->duration = sqlite3_column_int64 (stmt, 7);
		e->end_reason = column_text (stmt, 8, CF_HISTORY_MAX_REASON);
		e->encryption = column_text (stmt, 9, CF_HISTORY_MAX_REASON);
		g_ptr_array_add (entries, e);
	}
	return g_steal_pointer (&entries);
}

gboolean
cf_history_count (CfHistory *self, guint *ret_count, GError **error)
{
	g_autoptr (CfStateDbStmt) stmt = NULL;
	gboolean row = FALSE;

	g_return_val_if_fail (CF_IS_HISTORY (self), FALSE);
	g_return_val_if_fail (ret_count != NULL, FALSE);

	stmt = cf_state_db_prepare (self->db, "SELECT count(*) FROM call_history", error);
	if (stmt == NULL || !cf_state_db_step (self->db, stmt, &row, error)) {
		g_prefix_error_literal (error, "counting the call history: ");
		return FALSE;
	}
	*ret_count = row ? (guint)CLAMP (sqlite3_column_int64 (stmt, 0), 0, G_MAXUINT) : 0;
	return TRUE;
}

gboolean
cf_history_clear (CfHistory *self, GError **error)
{
	g_return_val_if_fail (CF_IS_HISTORY (self), FALSE);

	if (!cf_state_db_exec_in_transaction (self->db, "DELETE FROM call_history", error)) {
		g_prefix_error_literal (error, "clearing the call history: ");
		return FALSE;
	}
	g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
	return TRUE;
}

void
cf_history_set_max_entries (CfHistory *self, guint max_entries)
{
	g_return_if_fail (CF_IS_HISTORY (self));
	g_return_if_fail (max_entries >= 1 && max_entries <= CF_HISTORY_MAX_ENTRIES);

	self->max_entries = max_entries;
}

guint
cf_history_get_max_entries (CfHistory *self)
{
	g_return_val_if_fail (CF_IS_HISTORY (self), 0);
	return self->max_entries;
}

static void
cf_history_dispose (GObject *object)
{
	CfHistory *self = CF_HISTORY (object);

	g_clear_object (&self->db);
	G_OBJECT_CLASS (cf_history_parent_class)->dispose (object);
}

static void
cf_history_class_init (CfHistoryClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = cf_history_dispose;

	/* After an entry was added or the history cleared. */
	signals[SIGNAL_CHANGED] = g_signal_new ("changed",
						G_TYPE_FROM_CLASS (klass),
						G_SIGNAL_RUN_LAST,
						0,
						NULL,
						NULL,
						NULL,
						G_TYPE_NONE,
						0);
}

static void
cf_history_init (CfHistory *self)
{
	self->max_entries = CF_HISTORY_MAX_ENTRIES;
}

CfHistory *
cf_history_new (CfStateDb *db)
{
	CfHistory *self;

	g_return_val_if_fail (CF_IS_STATE_DB (db), NULL);

	self = g_object_new (CF_TYPE_HISTORY, NULL);
	self->db = g_object_ref (db);
	return self;
}
