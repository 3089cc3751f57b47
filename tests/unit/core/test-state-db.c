/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf-state-db.h"

typedef struct {
	char *tmp;  /* a fresh folder */
	char *dir;  /* tmp/state/confab, not yet created */
	char *path; /* dir/confab.db */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;

	f->tmp = g_dir_make_tmp ("confab-state-db-XXXXXX", &error);
	g_assert_no_error (error);
	f->dir = g_build_filename (f->tmp, "state", "confab", NULL);
	f->path = g_build_filename (f->dir, "confab.db", NULL);
}

static void
remove_tree (const char *path)
{
	if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
		const char *name;

		while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
			g_autofree char *child = g_build_filename (path, name, NULL);
			remove_tree (child);
		}
		g_assert_cmpint (g_rmdir (path), ==, 0);
	} else {
		g_assert_cmpint (g_unlink (path), ==, 0);
	}
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
	remove_tree (f->tmp);
	g_free (f->tmp);
	g_free (f->dir);
	g_free (f->path);
}

static gint64
raw_int (sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	gint64 value;

	g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
	value = sqlite3_column_int64 (stmt, 0);
	sqlite3_finalize (stmt);
	return value;
}

static char *
raw_text (sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	char *value;

	g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
	value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
	sqlite3_finalize (stmt);
	return value;
}

/* Runs SQL on the file with a plain SQLite connection, bypassing CfStateDb. */
static void
raw_exec (const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static gint64
raw_file_int (const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	gint64 value;

	g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	value = raw_int (db, sql);
	g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
	return value;
}

static guint
file_mode (const char *path)
{
	struct stat st;

	g_assert_cmpint (g_stat (path, &st), ==, 0);
	return st.st_mode & 07777;
}

static void
test_create (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autofree char *mode = NULL;
	g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
	g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);
	sqlite3 *handle;

	g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_nonnull (db);
	g_assert_cmpstr (cf_state_db_get_path (db), ==, f->path);
	handle = cf_state_db_get_handle (db);
	g_assert_nonnull (handle);

	/* folder 0700, file and its WAL companions 0600 */
	g_assert_cmpuint (file_mode (f->dir), ==, 0700);
	g_assert_cmpuint (file_mode (f->path), ==, 0600);
	g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
	g_assert_cmpuint (file_mode (wal), ==, 0600);
	g_assert_cmpuint (file_mode (shm), ==, 0600);

	mode = raw_text (handle, "PRAGMA journal_mode");
	g_assert_cmpstr (mode, ==, "wal");
	g_assert_cmpint (raw_int (handle, "PRAGMA synchronous"), ==, 2); /* FULL */
	g_assert_cmpint (raw_int (handle, "PRAGMA foreign_keys"), ==, 1);
	g_assert_cmpuint (cf_state_db_get_latest_version (), >=, 1);
	g_assert_cmpint (
		raw_int (handle, "PRAGMA user_version"), ==, cf_state_db_get_latest_version ());
	g_assert_cmpint (raw_int (handle, "PRAGMA application_id"), !=, 0);
	g_assert_cmpint (raw_int (handle,
				  "SELECT count(*) FROM sqlite_schema "
				  "WHERE type = 'table' AND name = 'call_history'"),
			 ==,
			 1);
}

static void
test_reopen_keeps_data (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autoptr (CfStateDbStmt) stmt = NULL;
	gboolean row = FALSE;
	gint64 app_id;

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_true (cf_state_db_exec_in_transaction (db,
							"CREATE TABLE t (v TEXT);"
							"INSERT INTO t VALUES ('kept');",
							&error));
	g_assert_no_error (error);
	app_id = raw_int (cf_state_db_get_handle (db), "PRAGMA application_id");
	g_clear_object (&db);

	/* closed cleanly: the WAL was checkpointed into the file */
	g_assert_cmpint (raw_file_int (f->path, "SELECT count(*) FROM t"), ==, 1);

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_nonnull (db);
	g_assert_cmpint (raw_int (cf_state_db_get_handle (db), "PRAGMA user_version"),
			 ==,
			 cf_state_db_get_latest_version ());
	g_assert_cmpint (
		raw_int (cf_state_db_get_handle (db), "PRAGMA application_id"), ==, app_id);
	stmt = cf_state_db_prepare (db, "SELECT v FROM t", &error);
	g_assert_no_error (error);
	g_assert_true (cf_state_db_step (db, stmt, &row, &error));
	g_assert_no_error (error);
	g_assert_true (row);
	g_assert_cmpstr ((const char *)sqlite3_column_text (stmt, 0), ==, "kept");
	g_assert_true (cf_state_db_step (db, stmt, &row, &error));
	g_assert_false (row);
}

static void
test_permissions_tightened (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	int fd;

	/* An existing empty file, readable by everyone: used, and made private. */
	g_assert_cmpint (g_mkdir_with_parents (f->dir, 0755), ==, 0);
	fd = g_open (f->path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	g_assert_cmpint (fd, >=, 0);
	g_assert_cmpint (fchmod (fd, 0644), ==, 0);
	close (fd);
	g_assert_cmpuint (file_mode (f->path), ==, 0644);

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_nonnull (db);
	g_assert_cmpuint (file_mode (f->path), ==, 0600);
	g_assert_cmpint (raw_int (cf_state_db_get_handle (db), "PRAGMA user_version"),
			 ==,
			 cf_state_db_get_latest_version ());
}

static void
test_newer_version_refused (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autofree char *sql = NULL;
	guint newer = cf_state_db_get_latest_version () + 1;

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_clear_object (&db);

	sql = g_strdup_printf ("PRAGMA user_version = %u", newer);
	raw_exec (f->path, sql);

	db = cf_state_db_open (f->path, &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_TOO_NEW);
	g_assert_null (db);
	g_assert_nonnull (strstr (error->message, f->path));
	g_test_message ("%s", error->message);

	/* never downgraded */
	g_assert_cmpint (raw_file_int (f->path, "PRAGMA user_version"), ==, newer);
	g_assert_cmpint (
		raw_file_int (f->path,
			      "SELECT count(*) FROM sqlite_schema WHERE name = 'call_history'"),
		==,
		1);
}

static void
test_garbage_refused (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autoptr (GString) garbage = g_string_new (NULL);
	g_autofree char *after = NULL;
	gsize after_len = 0;

	while (garbage->len < 8192)
		g_string_append (garbage, "This is not an SQLite database, it is a text file.\n");
	g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
	g_assert_true (g_file_set_contents (f->path, garbage->str, garbage->len, &error));
	g_assert_no_error (error);

	db = cf_state_db_open (f->path, &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_CORRUPT);
	g_assert_null (db);
	g_test_message ("%s", error->message);
	g_clear_error (&error);

	/* left as it was, for the daemon to decide about */
	g_assert_true (g_file_get_contents (f->path, &after, &after_len, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (after, after_len, garbage->str, garbage->len);
}

static void
test_damaged_refused (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autofree char *contents = NULL;
	gsize len = 0;
	gint64 page_size;
	gint64 root;

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_true (
		cf_state_db_exec_in_transaction (db,
						 "CREATE TABLE t (v TEXT);"
						 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
						 "SELECT i + 1 FROM n WHERE i < 200) "
						 "INSERT INTO t SELECT printf('%0100d', i) FROM n;",
						 &error));
	g_assert_no_error (error);
	page_size = raw_int (cf_state_db_get_handle (db), "PRAGMA page_size");
	root = raw_int (cf_state_db_get_handle (db),
			"SELECT rootpage FROM sqlite_schema WHERE name = 't'");
	g_clear_object (&db);

	/* Overwrite the table's root page (a valid header, a broken b-tree). */
	g_assert_true (g_file_get_contents (f->path, &contents, &len, &error));
	g_assert_no_error (error);
	g_assert_cmpint (root, >, 1);
	g_assert_cmpuint (len, >=, (gsize)(root * page_size));
	memset (contents + (root - 1) * page_size, 0x5a, page_size);
	g_assert_true (g_file_set_contents (f->path, contents, len, &error));
	g_assert_no_error (error);

	db = cf_state_db_open (f->path, &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_CORRUPT);
	g_assert_null (db);
	g_test_message ("%s", error->message);
}

static void
test_foreign_refused (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;

	/* another program's database at our path */
	g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
	raw_exec (f->path, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');");
	db = cf_state_db_open (f->path, &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_CORRUPT);
	g_assert_null (db);
	g_clear_error (&error);
	g_assert_cmpint (raw_file_int (f->path, "SELECT count(*) FROM contacts"), ==, 1);
	g_assert_cmpint (raw_file_int (f->path, "PRAGMA user_version"), ==, 0);

	/* one that says whose it is */
	g_assert_cmpint (g_unlink (f->path), ==, 0);
	raw_exec (f->path, "PRAGMA application_id = 42;");
	db = cf_state_db_open (f->path, &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_CORRUPT);
	g_assert_null (db);
}

static gboolean
insert_then (CfStateDb *db, const char *value, gboolean succeed, GError **error)
{
	g_autoptr (CfStateDbStmt) stmt =
		cf_state_db_prepare (db, "INSERT INTO t VALUES (?)", error);

	if (stmt == NULL)
		return FALSE;
	if (!cf_state_db_check (
		    db, sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT), "binding", error))
		return FALSE;
	if (!cf_state_db_step (db, stmt, NULL, error))
		return FALSE;
	if (!succeed) {
		g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "gave up after %s", value);
		return FALSE;
	}
	return TRUE;
}

static gboolean
insert_a (CfStateDb *db, gpointer user_data, GError **error)
{
	return insert_then (db, "a", TRUE, error);
}

static gboolean
insert_b_and_fail (CfStateDb *db, gpointer user_data, GError **error)
{
	return insert_then (db, "b", FALSE, error);
}

static gboolean
insert_c_then_nested (CfStateDb *db, gpointer user_data, GError **error)
{
	g_autoptr (GError) inner = NULL;

	if (!insert_then (db, "c", TRUE, error))
		return FALSE;
	/* the inner one fails; the outer one goes on and commits */
	g_assert_false (cf_state_db_transaction (db, insert_b_and_fail, NULL, &inner));
	g_assert_error (inner, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	return cf_state_db_transaction (db, insert_a, NULL, error);
}

static gboolean
fail_silently (CfStateDb *db, gpointer user_data, GError **error)
{
	return FALSE;
}

static gint64
count_value (CfStateDb *db, const char *value)
{
	g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM t WHERE v = '%s'", value);
	return raw_int (cf_state_db_get_handle (db), sql);
}

static void
test_transaction (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_true (cf_state_db_exec (db, "CREATE TABLE t (v TEXT NOT NULL)", &error));
	g_assert_no_error (error);

	g_assert_true (cf_state_db_transaction (db, insert_a, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpint (count_value (db, "a"), ==, 1);

	/* rolled back, error passed on */
	g_assert_false (cf_state_db_transaction (db, insert_b_and_fail, NULL, &error));
	g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error (&error);
	g_assert_cmpint (count_value (db, "b"), ==, 0);
	g_assert_true (sqlite3_get_autocommit (cf_state_db_get_handle (db)));

	/* nested: savepoints */
	g_assert_true (cf_state_db_transaction (db, insert_c_then_nested, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpint (count_value (db, "c"), ==, 1);
	g_assert_cmpint (count_value (db, "b"), ==, 0);
	g_assert_cmpint (count_value (db, "a"), ==, 2);

	/* a function that fails without saying why still gets an error */
	g_assert_false (cf_state_db_transaction (db, fail_silently, NULL, &error));
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_FAILED);
	g_clear_error (&error);

	/* a failing statement rolls back the whole script */
	g_assert_false (cf_state_db_exec_in_transaction (db,
							 "INSERT INTO t VALUES ('d');"
							 "INSERT INTO t VALUES (NULL);",
							 &error));
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_INVALID);
	g_clear_error (&error);
	g_assert_cmpint (count_value (db, "d"), ==, 0);
	g_assert_true (sqlite3_get_autocommit (cf_state_db_get_handle (db)));
}

static void
test_prepare_errors (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autoptr (CfStateDbStmt) stmt = NULL;

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);

	stmt = cf_state_db_prepare (db, "SELEKT 1", &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_FAILED);
	g_assert_null (stmt);
	g_clear_error (&error);

	stmt = cf_state_db_prepare (db, "SELECT 1; SELECT 2", &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_INVALID);
	g_assert_null (stmt);
	g_clear_error (&error);

	stmt = cf_state_db_prepare (db, "  ", &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_INVALID);
	g_assert_null (stmt);
	g_clear_error (&error);

	stmt = cf_state_db_prepare (db, "SELECT 1;  ", &error);
	g_assert_no_error (error);
	g_assert_nonnull (stmt);

	g_assert_false (cf_state_db_check (db, SQLITE_BUSY, "testing", &error));
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_BUSY);
	g_assert_true (g_str_has_prefix (error->message, "testing: "));
	g_clear_error (&error);
	g_assert_true (cf_state_db_check (db, SQLITE_DONE, "testing", &error));
	g_assert_no_error (error);
}

static void
test_unwritable_folder (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autofree char *blocker = g_build_filename (f->tmp, "state", NULL);

	/* a file where the folder should be */
	g_assert_true (g_file_set_contents (blocker, "", 0, &error));
	g_assert_no_error (error);
	db = cf_state_db_open (f->path, &error);
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_IO);
	g_assert_null (db);
}

static void
test_default_path (void)
{
	g_autofree char *path = cf_state_db_default_path ();
	g_autofree char *expected =
		g_build_filename (g_get_user_state_dir (), "confab", "confab.db", NULL);

	g_assert_cmpstr (path, ==, expected);
}

/* What the crashing child still holds when it dies: kept reachable so that
 * valgrind, which checks the child too, does not count it as leaked. */
static CfStateDb *volatile crash_child_db;

/* The child: commits a row and dies at once, closing nothing. */
G_GNUC_NORETURN static void
crash_child (const char *path)
{
	crash_child_db = cf_state_db_open (path, NULL);
	if (crash_child_db == NULL)
		_exit (2);
	if (!cf_state_db_exec_in_transaction (
		    crash_child_db, "INSERT INTO t VALUES ('survived')", NULL))
		_exit (3);
	_exit (0);
}

/* A child process commits a row and dies without closing anything; the row
 * must be there when the file is opened again. */
static void
test_crash_keeps_commit (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (CfStateDb) db = NULL;
	g_autofree char *wal = NULL;
	int status = 0;
	pid_t pid;

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_true (cf_state_db_exec (db, "CREATE TABLE t (v TEXT NOT NULL)", &error));
	g_assert_no_error (error);
	g_clear_object (&db);

	pid = fork ();
	g_assert_cmpint (pid, >=, 0);
	if (pid == 0)
		crash_child (f->path); /* no GTest assertions in there */
	g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
	g_assert_true (WIFEXITED (status));
	g_assert_cmpint (WEXITSTATUS (status), ==, 0);

	/* not closed, so not checkpointed: the row is in the WAL only (a clean
	 * close checkpoints and removes it, as reopen-keeps-data shows) */
	wal = g_strconcat (f->path, "-wal", NULL);
	g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

	db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_cmpint (count_value (db, "survived"), ==, 1);
}

typedef void (*FixtureFunc) (Fixture *f, gconstpointer data);

static void
add (const char *name, FixtureFunc func)
{
	g_autofree char *path = g_strconcat ("/confab/core/state-db/", name, NULL);

	g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	add ("create", test_create);
	add ("reopen-keeps-data", test_reopen_keeps_data);
	add ("permissions-tightened", test_permissions_tightened);
	add ("newer-version-refused", test_newer_version_refused);
	add ("garbage-refused", test_garbage_refused);
	add ("damaged-refused", test_damaged_refused);
	add ("foreign-refused", test_foreign_refused);
	add ("transaction", test_transaction);
	add ("prepare-errors", test_prepare_errors);
	add ("unwritable-folder", test_unwritable_folder);
	add ("crash-keeps-commit", test_crash_keeps_commit);
	g_test_add_func ("/confab/core/state-db/default-path", test_default_path);

	return g_test_run ();
}
