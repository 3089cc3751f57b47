/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf-history.h"

typedef struct {
	char *tmp;
	char *path;
	CfStateDb *db;
	CfHistory *history;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;

	f->tmp = g_dir_make_tmp ("confab-history-XXXXXX", &error);
	g_assert_no_error (error);
	f->path = g_build_filename (f->tmp, "confab.db", NULL);
	f->db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	f->history = cf_history_new (f->db);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
	g_autoptr (GDir) dir = NULL;
	const char *name;

	g_clear_object (&f->history);
	g_clear_object (&f->db);
	dir = g_dir_open (f->tmp, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		g_autofree char *file = g_build_filename (f->tmp, name, NULL);
		g_assert_cmpint (g_unlink (file), ==, 0);
	}
	g_assert_cmpint (g_rmdir (f->tmp), ==, 0);
	g_free (f->tmp);
	g_free (f->path);
}

/* A plausible answered call, numbered @n. (transfer full) */
static CfHistoryEntry *
make_entry (guint n)
{
	CfHistoryEntry *e = cf_history_entry_new ();

	e->id = g_strdup_printf ("call-%u", n);
	e->remote_uri = g_strdup_printf ("sip:peer%u@example.org", n);
	e->remote_name = g_strdup_printf ("Peer %u", n);
	e->direction = g_strdup (n % 2 == 0 ? "incoming" : "outgoing");
	e->ring_time = 1700000000 + 100 * (gint64)n;
	e->start_time = e->ring_time + 5;
	e->end_time = e->start_time + n;
	e->duration = n;
	e->end_reason = g_strdup (n % 2 == 0 ? "remote-hangup" : "local-hangup");
	e->encryption = g_strdup (n % 3 == 0 ? "end-to-end" : "standard");
	return e;
}

static void
add_entry (CfHistory *history, guint n)
{
	g_autoptr (CfHistoryEntry) e = make_entry (n);
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_history_add (history, e, &error));
	g_assert_no_error (error);
}

static void
assert_entry_equal (const CfHistoryEntry *a, const CfHistoryEntry *b)
{
	g_assert_cmpstr (a->id, ==, b->id);
	g_assert_cmpstr (a->remote_uri, ==, b->remote_uri);
	g_assert_cmpstr (a->remote_name, ==, b->remote_name);
	g_assert_cmpstr (a->direction, ==, b->direction);
	g_assert_cmpint (a->ring_time, ==, b->ring_time);
	g_assert_cmpint (a->start_time, ==, b->start_time);
	g_assert_cmpint (a->end_time, ==, b->end_time);
	g_assert_cmpint (a->duration, ==, b->duration);
	g_assert_cmpstr (a->end_reason, ==, b->end_reason);
	g_assert_cmpstr (a->encryption, ==, b->encryption);
}

static guint
count (CfHistory *history)
{
	g_autoptr (GError) error = NULL;
	guint n = G_MAXUINT;

	g_assert_true (cf_history_count (history, &n, &error));
	g_assert_no_error (error);
	return n;
}

static GPtrArray *
recent (CfHistory *history, guint limit)
{
	g_autoptr (GError) error = NULL;
	GPtrArray *entries = cf_history_get_recent (history, limit, &error);

	g_assert_no_error (error);
	g_assert_nonnull (entries);
	return entries;
}

static void
test_add_and_query (Fixture *f, gconstpointer data)
{
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (GPtrArray) two = NULL;
	g_autoptr (GPtrArray) none = NULL;
	g_autoptr (CfHistoryEntry) missed = cf_history_entry_new ();
	g_autoptr (GError) error = NULL;

	g_assert_cmpuint (count (f->history), ==, 0);
	all = recent (f->history, 10);
	g_assert_cmpuint (all->len, ==, 0);
	g_clear_pointer (&all, g_ptr_array_unref);

	for (guint n = 1; n <= 3; n++)
		add_entry (f->history, n);
	/* an unanswered incoming call */
	missed->id = g_strdup ("call-missed");
	missed->remote_uri = g_strdup ("sip:carol@example.org");
	missed->remote_name = g_strdup ("");
	missed->direction = g_strdup ("incoming");
	missed->ring_time = 1700001000;
	missed->end_time = 1700001030;
	missed->end_reason = g_strdup ("no-answer");
	missed->encryption = g_strdup ("none");
	g_assert_true (cf_history_add (f->history, missed, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (count (f->history), ==, 4);

	/* newest first */
	all = recent (f->history, 10);
	g_assert_cmpuint (all->len, ==, 4);
	assert_entry_equal (g_ptr_array_index (all, 0), missed);
	for (guint n = 1; n <= 3; n++) {
		g_autoptr (CfHistoryEntry) expected = make_entry (n);
		assert_entry_equal (g_ptr_array_index (all, 4 - n), expected);
	}

	/* the limit keeps the newest */
	two = recent (f->history, 2);
	g_assert_cmpuint (two->len, ==, 2);
	assert_entry_equal (g_ptr_array_index (two, 0), g_ptr_array_index (all, 0));
	assert_entry_equal (g_ptr_array_index (two, 1), g_ptr_array_index (all, 1));

	none = recent (f->history, 0);
	g_assert_cmpuint (none->len, ==, 0);
}

/* Order is the order of recording, not of the clock. */
static void
test_order_ignores_clock (Fixture *f, gconstpointer data)
{
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (CfHistoryEntry) early = make_entry (50);

	add_entry (f->history, 60);
	/* recorded later, but the clock had gone back */
	early->end_time = 1000;
	early->start_time = 900;
	early->ring_time = 890;
	early->duration = 100;
	g_assert_true (cf_history_add (f->history, early, NULL));
	all = recent (f->history, 5);
	g_assert_cmpuint (all->len, ==, 2);
	assert_entry_equal (g_ptr_array_index (all, 0), early);
}

static void
test_reopen_keeps_entries (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (CfHistoryEntry) expected = make_entry (7);

	add_entry (f->history, 7);
	g_clear_object (&f->history);
	g_clear_object (&f->db);

	f->db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	f->history = cf_history_new (f->db);
	all = recent (f->history, 10);
	g_assert_cmpuint (all->len, ==, 1);
	assert_entry_equal (g_ptr_array_index (all, 0), expected);
}

static void
test_variant (Fixture *f, gconstpointer data)
{
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (GVariant) v = NULL;
	g_autoptr (GVariant) first = NULL;
	g_autoptr (CfHistoryEntry) expected = make_entry (4);
	const char *s = NULL;
	guint64 t = 0;
	guint32 u = 0;

	add_entry (f->history, 3);
	add_entry (f->history, 4);
	all = recent (f->history, 10);
	v = g_variant_ref_sink (cf_history_entries_to_variant (all));
	g_assert_cmpstr (g_variant_get_type_string (v), ==, "aa{sv}");
	g_assert_cmpuint (g_variant_n_children (v), ==, 2);

	first = g_variant_get_child_value (v, 0);
	g_assert_cmpuint (g_variant_n_children (first), ==, 10);
	g_assert_true (g_variant_lookup (first, "id", "&s", &s));
	g_assert_cmpstr (s, ==, expected->id);
	g_assert_true (g_variant_lookup (first, "remote-uri", "&s", &s));
	g_assert_cmpstr (s, ==, expected->remote_uri);
	g_assert_true (g_variant_lookup (first, "remote-name", "&s", &s));
	g_assert_cmpstr (s, ==, expected->remote_name);
	g_assert_true (g_variant_lookup (first, "direction", "&s", &s));
	g_assert_cmpstr (s, ==, expected->direction);
	g_assert_true (g_variant_lookup (first, "end-reason", "&s", &s));
	g_assert_cmpstr (s, ==, expected->end_reason);
	g_assert_true (g_variant_lookup (first, "encryption", "&s", &s));
	g_assert_cmpstr (s, ==, expected->encryption);
	g_assert_true (g_variant_lookup (first, "start-time", "t", &t));
	g_assert_cmpuint (t, ==, expected->start_time);
	g_assert_true (g_variant_lookup (first, "ring-time", "t", &t));
	g_assert_cmpuint (t, ==, expected->ring_time);
	g_assert_true (g_variant_lookup (first, "end-time", "t", &t));
	g_assert_cmpuint (t, ==, expected->end_time);
	g_assert_true (g_variant_lookup (first, "duration", "u", &u));
	g_assert_cmpuint (u, ==, expected->duration);
}

static void
test_row_cap (Fixture *f, gconstpointer data)
{
	g_autoptr (GPtrArray) all = NULL;

	g_assert_cmpuint (cf_history_get_max_entries (f->history), ==, CF_HISTORY_MAX_ENTRIES);
	cf_history_set_max_entries (f->history, 5);
	g_assert_cmpuint (cf_history_get_max_entries (f->history), ==, 5);
	for (guint n = 1; n <= 8; n++) {
		add_entry (f->history, n);
		g_assert_cmpuint (count (f->history), ==, MIN (n, 5));
	}
	/* the oldest went */
	all = recent (f->history, 100);
	g_assert_cmpuint (all->len, ==, 5);
	for (guint i = 0; i < all->len; i++) {
		g_autoptr (CfHistoryEntry) expected = make_entry (8 - i);
		assert_entry_equal (g_ptr_array_index (all, i), expected);
	}
	g_clear_pointer (&all, g_ptr_array_unref);

	/* lowering the cap trims at the next add */
	cf_history_set_max_entries (f->history, 2);
	add_entry (f->history, 9);
	all = recent (f->history, 100);
	g_assert_cmpuint (all->len, ==, 2);
	g_assert_cmpstr (((CfHistoryEntry *)g_ptr_array_index (all, 0))->id, ==, "call-9");
	g_assert_cmpstr (((CfHistoryEntry *)g_ptr_array_index (all, 1))->id, ==, "call-8");
}

/* Fills the table directly with @rows rows named "bulk-N", in one transaction. */
static void
bulk_fill (Fixture *f, guint rows)
{
	g_autoptr (GError) error = NULL;
	g_autofree char *sql = g_strdup_printf (
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %u) "
		"INSERT INTO call_history (call_id, remote_uri, remote_name, direction, ring_time,"
		" start_time, end_time, duration, end_reason, encryption) "
		"SELECT 'bulk-' || i, 'sip:bulk@example.org', '', 'outgoing', i, i, i, 0,"
		" 'local-hangup', 'standard' FROM n",
		rows);

	g_assert_true (cf_state_db_exec_in_transaction (f->db, sql, &error));
	g_assert_no_error (error);
}

static void
test_default_cap (Fixture *f, gconstpointer data)
{
	g_autoptr (GPtrArray) newest = NULL;
	g_autoptr (GPtrArray) page = NULL;
	g_autofree char *oldest_kept = NULL;

	bulk_fill (f, CF_HISTORY_MAX_ENTRIES);
	g_assert_cmpuint (count (f->history), ==, CF_HISTORY_MAX_ENTRIES);
	add_entry (f->history, 1);
	add_entry (f->history, 2);
	g_assert_cmpuint (count (f->history), ==, CF_HISTORY_MAX_ENTRIES);

	newest = recent (f->history, 1);
	g_assert_cmpstr (((CfHistoryEntry *)g_ptr_array_index (newest, 0))->id, ==, "call-2");
	/* bulk-1 and bulk-2 went, bulk-3 is the oldest left */
	oldest_kept = g_strdup_printf ("bulk-%u", 3);
	g_assert_cmpint (sqlite3_get_autocommit (cf_state_db_get_handle (f->db)), !=, 0);
	{
		g_autoptr (GError) error = NULL;
		g_autoptr (CfStateDbStmt) stmt = cf_state_db_prepare (
			f->db, "SELECT call_id FROM call_history ORDER BY id LIMIT 1", &error);
		gboolean row = FALSE;

		g_assert_no_error (error);
		g_assert_true (cf_state_db_step (f->db, stmt, &row, &error));
		g_assert_true (row);
		g_assert_cmpstr ((const char *)sqlite3_column_text (stmt, 0), ==, oldest_kept);
	}

	/* one query returns at most CF_HISTORY_MAX_QUERY */
	page = recent (f->history, G_MAXUINT);
	g_assert_cmpuint (page->len, ==, CF_HISTORY_MAX_QUERY);
	g_assert_cmpstr (((CfHistoryEntry *)g_ptr_array_index (page, 0))->id, ==, "call-2");
}

static void
test_long_strings (Fixture *f, gconstpointer data)
{
	g_autoptr (CfHistoryEntry) e = make_entry (1);
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (GString) name = g_string_new ("a");
	g_autoptr (GVariant) v = NULL;
	CfHistoryEntry *got;
	gsize len;

	g_free (e->remote_uri);
	e->remote_uri = g_strnfill (5 * CF_HISTORY_MAX_STRING, 'u');
	/* two-byte characters, one of them across the limit */
	while (name->len < 2 * CF_HISTORY_MAX_STRING)
		g_string_append (name, "\xc3\xa9"); /* é */
	g_free (e->remote_name);
	e->remote_name = g_strdup (name->str);
	g_free (e->id);
	e->id = g_strnfill (CF_HISTORY_MAX_STRING, 'i'); /* exactly the limit: kept whole */

	g_assert_true (cf_history_add (f->history, e, NULL));
	all = recent (f->history, 1);
	got = g_ptr_array_index (all, 0);

	g_assert_cmpuint (strlen (got->remote_uri), ==, CF_HISTORY_MAX_STRING);
	g_assert_true (g_str_has_prefix (e->remote_uri, got->remote_uri));

	len = strlen (got->remote_name);
	g_assert_cmpuint (len, <=, CF_HISTORY_MAX_STRING);
	g_assert_cmpuint (len, >=, CF_HISTORY_MAX_STRING - 1);
	g_assert_true (g_utf8_validate (got->remote_name, -1, NULL));
	g_assert_true (g_str_has_prefix (e->remote_name, got->remote_name));

	g_assert_cmpstr (got->id, ==, e->id);

	v = g_variant_ref_sink (cf_history_entry_to_variant (got));
	g_assert_true (g_variant_is_normal_form (v));
}

static void
test_invalid_utf8 (Fixture *f, gconstpointer data)
{
	g_autoptr (CfHistoryEntry) e = make_entry (1);
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (GVariant) v = NULL;
	CfHistoryEntry *got;

	g_free (e->remote_name);
	e->remote_name = g_strdup ("Bob \xff\xfe Smith \xc3");
	g_free (e->remote_uri);
	e->remote_uri = g_strnfill (CF_HISTORY_MAX_STRING, '\xff'); /* each byte grows to 3 */
	g_free (e->id);
	e->id = g_strdup ("\xed\xa0\x80"); /* a UTF-16 surrogate: not UTF-8 */

	g_assert_true (cf_history_add (f->history, e, NULL));
	all = recent (f->history, 1);
	got = g_ptr_array_index (all, 0);

	g_assert_true (g_utf8_validate (got->remote_name, -1, NULL));
	g_assert_true (g_str_has_prefix (got->remote_name, "Bob "));
	g_assert_nonnull (strstr (got->remote_name, " Smith "));
	g_assert_nonnull (strstr (got->remote_name, "\xef\xbf\xbd")); /* U+FFFD */

	g_assert_true (g_utf8_validate (got->remote_uri, -1, NULL));
	g_assert_cmpuint (strlen (got->remote_uri), <=, CF_HISTORY_MAX_STRING);
	g_assert_cmpuint (strlen (got->remote_uri), >, CF_HISTORY_MAX_STRING - 3);

	g_assert_true (g_utf8_validate (got->id, -1, NULL));

	/* and D-Bus takes it */
	v = g_variant_ref_sink (cf_history_entries_to_variant (all));
	g_assert_true (g_variant_is_normal_form (v));
}

/* Invalid UTF-8 written behind our back (another tool, a damaged disk) is
 * made valid on the way out, so the D-Bus reply can always be built. */
static void
test_invalid_utf8_in_file (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (GVariant) v = NULL;

	g_assert_true (cf_state_db_exec_in_transaction (
		f->db,
		"INSERT INTO call_history (call_id, remote_uri, remote_name, direction, ring_time,"
		" start_time, end_time, duration, end_reason, encryption) VALUES"
		" (CAST (x'ff00' AS TEXT), CAST (x'c0' AS TEXT), 'ok', 'incoming', 0, 0, 0, 0,"
		" 'failed', 'none')",
		&error));
	g_assert_no_error (error);
	all = recent (f->history, 10);
	g_assert_cmpuint (all->len, ==, 1);
	v = g_variant_ref_sink (cf_history_entries_to_variant (all));
	g_assert_true (g_variant_is_normal_form (v));
}

static void
test_null_strings (Fixture *f, gconstpointer data)
{
	g_autoptr (CfHistoryEntry) e = make_entry (1);
	g_autoptr (GPtrArray) all = NULL;
	CfHistoryEntry *got;

	g_clear_pointer (&e->remote_name, g_free);
	g_clear_pointer (&e->id, g_free);
	g_assert_true (cf_history_add (f->history, e, NULL));
	all = recent (f->history, 1);
	got = g_ptr_array_index (all, 0);
	g_assert_cmpstr (got->remote_name, ==, "");
	g_assert_cmpstr (got->id, ==, "");
	g_assert_cmpstr (got->remote_uri, ==, e->remote_uri);
}

static void
assert_refused (Fixture *f, CfHistoryEntry *e)
{
	g_autoptr (GError) error = NULL;

	g_assert_false (cf_history_add (f->history, e, &error));
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_INVALID);
	g_test_message ("%s", error->message);
}

static void
test_invalid_entries (Fixture *f, gconstpointer data)
{
	const char *bad_reasons[] = {"", "Remote-Hangup", "remote hangup", "bye\n", "x;DROP", NULL};
	g_autofree char *long_reason = g_strnfill (65, 'x');

	{
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		g_free (e->direction);
		e->direction = g_strdup ("sideways");
		assert_refused (f, e);
		g_clear_pointer (&e->direction, g_free);
		assert_refused (f, e);
	}
	{
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		g_free (e->encryption);
		e->encryption = g_strdup ("rot13");
		assert_refused (f, e);
		g_clear_pointer (&e->encryption, g_free);
		assert_refused (f, e);
	}
	for (guint i = 0; bad_reasons[i] != NULL; i++) {
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		g_free (e->end_reason);
		e->end_reason = g_strdup (bad_reasons[i]);
		assert_refused (f, e);
	}
	{
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		g_free (e->end_reason);
		e->end_reason = g_strdup (long_reason);
		assert_refused (f, e);
		g_clear_pointer (&e->end_reason, g_free);
		assert_refused (f, e);
	}
	{
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		e->end_time = -1;
		assert_refused (f, e);
	}
	{
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		e->duration = -5;
		assert_refused (f, e);
	}
	{
		/* never answered, yet a duration */
		g_autoptr (CfHistoryEntry) e = make_entry (3);
		e->start_time = 0;
		assert_refused (f, e);
	}
	g_assert_cmpuint (count (f->history), ==, 0);

	{
		/* a reason of exactly 64 characters is fine */
		g_autoptr (CfHistoryEntry) e = make_entry (1);
		g_free (e->end_reason);
		e->end_reason = g_strnfill (64, 'x');
		g_assert_true (cf_history_add (f->history, e, NULL));
	}
	g_assert_cmpuint (count (f->history), ==, 1);
}

static void
on_changed (CfHistory *history, guint *counter)
{
	(*counter)++;
}

static void
test_changed_and_clear (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfHistoryEntry) bad = make_entry (1);
	guint changed = 0;

	g_signal_connect (f->history, "changed", G_CALLBACK (on_changed), &changed);
	add_entry (f->history, 1);
	add_entry (f->history, 2);
	g_assert_cmpuint (changed, ==, 2);

	g_free (bad->direction);
	bad->direction = g_strdup ("nowhere");
	g_assert_false (cf_history_add (f->history, bad, NULL));
	g_assert_cmpuint (changed, ==, 2);

	g_assert_true (cf_history_clear (f->history, &error));
	g_assert_no_error (error);
	g_assert_cmpuint (changed, ==, 3);
	g_assert_cmpuint (count (f->history), ==, 0);
}

static void
test_entry_boxed (void)
{
	g_autoptr (CfHistoryEntry) e = make_entry (5);
	g_autoptr (CfHistoryEntry) copy = g_boxed_copy (CF_TYPE_HISTORY_ENTRY, e);

	g_assert_true (copy != e);
	g_assert_true (copy->remote_uri != e->remote_uri);
	assert_entry_equal (copy, e);
	cf_history_entry_free (NULL);
}

#define CRASH_ENTRY 42

/* What the crashing child still holds when it dies: kept reachable so that
 * valgrind, which checks the child too, does not count it as leaked. */
static volatile struct {
	CfStateDb *db;
	CfHistory *history;
	CfHistoryEntry *entry;
} crash_child_keep;

/* The child: records a call and dies at once, closing nothing. */
G_GNUC_NORETURN static void
crash_child (const char *path)
{
	crash_child_keep.entry = make_entry (CRASH_ENTRY);
	crash_child_keep.db = cf_state_db_open (path, NULL);
	if (crash_child_keep.db == NULL)
		_exit (2);
	crash_child_keep.history = cf_history_new (crash_child_keep.db);
	if (!cf_history_add (crash_child_keep.history, crash_child_keep.entry, NULL))
		_exit (3);
	_exit (0);
}

/* A child process records a call and dies without closing the database;
 * the parent opens it again and finds the call. */
static void
test_crash_keeps_entry (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) all = NULL;
	g_autoptr (CfHistoryEntry) expected = NULL;
	g_autofree char *wal = NULL;
	int status = 0;
	pid_t pid;

	/* nothing open in the parent while the child runs */
	g_clear_object (&f->history);
	g_clear_object (&f->db);

	pid = fork ();
	g_assert_cmpint (pid, >=, 0);
	if (pid == 0)
		crash_child (f->path); /* no GTest assertions in there */
	g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
	g_assert_true (WIFEXITED (status));
	g_assert_cmpint (WEXITSTATUS (status), ==, 0);
	/* the child never closed: its commit is in the WAL, not checkpointed */
	wal = g_strconcat (f->path, "-wal", NULL);
	g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
	expected = make_entry (CRASH_ENTRY);

	f->db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	f->history = cf_history_new (f->db);
	all = recent (f->history, 10);
	g_assert_cmpuint (all->len, ==, 1);
	assert_entry_equal (g_ptr_array_index (all, 0), expected);
}

typedef void (*FixtureFunc) (Fixture *f, gconstpointer data);

static void
add (const char *name, FixtureFunc func)
{
	g_autofree char *path = g_strconcat ("/confab/core/history/", name, NULL);

	g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	add ("add-and-query", test_add_and_query);
	add ("order-ignores-clock", test_order_ignores_clock);
	add ("reopen-keeps-entries", test_reopen_keeps_entries);
	add ("variant", test_variant);
	add ("row-cap", test_row_cap);
	add ("default-cap", test_default_cap);
	add ("long-strings", test_long_strings);
	add ("invalid-utf8", test_invalid_utf8);
	add ("invalid-utf8-in-file", test_invalid_utf8_in_file);
	add ("null-strings", test_null_strings);
	add ("invalid-entries", test_invalid_entries);
	add ("changed-and-clear", test_changed_and_clear);
	add ("crash-keeps-entry", test_crash_keeps_entry);
	g_test_add_func ("/confab/core/history/entry-boxed", test_entry_boxed);

	return g_test_run ();
}
