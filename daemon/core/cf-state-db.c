/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-state-db"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf-state-db.h"

GQuark
cf_state_db_error_quark (void)
{
	return g_quark_from_static_string ("cf-state-db-error-quark");
}

/* "Cnfb": marks the file as Confab's, so that a database of another program
 * found at our path is refused instead of being written into. */
#define CF_STATE_DB_APPLICATION_ID 0x436e6662

/* How long a statement waits for another connection's lock before failing
 * with CF_STATE_DB_ERROR_BUSY. */
#define CF_STATE_DB_BUSY_TIMEOUT_MS 5000

/* The schema, as ordered migrations: entry i brings the database from
 * version i to version i + 1 (PRAGMA user_version). Each runs in its own
 * transaction together with the user_version update, so a crash leaves the
 * database at the old version or at the new one, never in between.
 *
 * Never edit an entry that has been released: append a new one. */
static const char *const migrations[] = {
	/* version 1: call history (cf-history.c) */
	"PRAGMA application_id = 1131308642;" /* CF_STATE_DB_APPLICATION_ID */
	"CREATE TABLE call_history ("
	"  id INTEGER PRIMARY KEY,"
	"  call_id TEXT NOT NULL,"
	"  remote_uri TEXT NOT NULL,"
	"  remote_name TEXT NOT NULL,"
	"  direction TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),"
	"  ring_time INTEGER NOT NULL CHECK (ring_time >= 0),"
	"  start_time INTEGER NOT NULL CHECK (start_time >= 0),"
	"  end_time INTEGER NOT NULL CHECK (end_time >= 0),"
	"  duration INTEGER NOT NULL CHECK (duration >= 0),"
	"  end_reason TEXT NOT NULL,"
	"  encryption TEXT NOT NULL"
	");",
	/* version 2: ZRTP key continuity (cf-zrtp-cache.c, RFC 6189 §4.9):
	 * this installation's ZID (one row), and per peer ZID the retained
	 * secrets rs1 and rs2 and our SAS-verified flag. Times in unix seconds. */
	"CREATE TABLE zrtp_local ("
	"  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),"
	"  zid BLOB NOT NULL CHECK (typeof (zid) = 'blob' AND length (zid) = 12),"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE zrtp_cache ("
	"  zid BLOB PRIMARY KEY NOT NULL CHECK (typeof (zid) = 'blob' AND length (zid) = 12),"
	"  rs1 BLOB CHECK (rs1 IS NULL OR (typeof (rs1) = 'blob' AND length (rs1) = 32)),"
	"  rs2 BLOB CHECK (rs2 IS NULL OR (typeof (rs2) = 'blob' AND length (rs2) = 32)),"
	"  verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	") WITHOUT ROWID;",
};

G_STATIC_ASSERT (CF_STATE_DB_APPLICATION_ID == 1131308642);

struct _CfStateDb {
	GObject parent_instance;
	char *path;
	sqlite3 *db;
};

G_DEFINE_TYPE (CfStateDb, cf_state_db, G_TYPE_OBJECT)

static void
cf_state_db_finalize (GObject *object)
{
	CfStateDb *self = CF_STATE_DB (object);

	if (self->db != NULL) {
		/* close_v2: a statement someone forgot to finalize does not
		 * leave the connection open forever. The last connection to
		 * close checkpoints the WAL into the main file. */
		int rc = sqlite3_close_v2 (self->db);
		if (rc != SQLITE_OK)
			g_debug ("closing %s: %s", self->path, sqlite3_errstr (rc));
		self->db = NULL;
	}
	g_free (self->path);
	G_OBJECT_CLASS (cf_state_db_parent_class)->finalize (object);
}

static void
cf_state_db_class_init (CfStateDbClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->finalize = cf_state_db_finalize;
}

static void
cf_state_db_init (CfStateDb *self)
{
}

static CfStateDbError
error_code_for (int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return CF_STATE_DB_ERROR_CORRUPT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CF_STATE_DB_ERROR_BUSY;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_FULL:
	case SQLITE_NOLFS:
		return CF_STATE_DB_ERROR_IO;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return CF_STATE_DB_ERROR_INVALID;
	default:
		return CF_STATE_DB_ERROR_FAILED;
	}
}

static void
set_sqlite_error (sqlite3 *db, int rc, const char *what, GError **error)
{
	const char *generic = sqlite3_errstr (rc);
	const char *detail = db != NULL ? sqlite3_errmsg (db) : NULL;

	if (detail == NULL || g_str_equal (detail, generic))
		g_set_error (
			error, CF_STATE_DB_ERROR, error_code_for (rc), "%s: %s", what, generic);
	else
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     error_code_for (rc),
			     "%s: %s (%s)",
			     what,
			     detail,
			     generic);
}

gboolean
cf_state_db_check (CfStateDb *self, int rc, const char *what, GError **error)
{
	g_return_val_if_fail (CF_IS_STATE_DB (self), FALSE);

	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return TRUE;
	set_sqlite_error (self->db, rc, what != NULL ? what : "database", error);
	return FALSE;
}

const char *
cf_state_db_get_path (CfStateDb *self)
{
	g_return_val_if_fail (CF_IS_STATE_DB (self), NULL);
	return self->path;
}

sqlite3 *
cf_state_db_get_handle (CfStateDb *self)
{
	g_return_val_if_fail (CF_IS_STATE_DB (self), NULL);
	return self->db;
}

guint
cf_state_db_get_latest_version (void)
{
	return G_N_ELEMENTS (migrations);
}

char *
cf_state_db_default_path (void)
{
	return g_build_filename (g_get_user_state_dir (), "confab", "confab.db", NULL);
}

gboolean
cf_state_db_exec (CfStateDb *self, const char *sql, GError **error)
{
	char *message = NULL;
	int rc;

	g_return_val_if_fail (CF_IS_STATE_DB (self), FALSE);
	g_return_val_if_fail (sql != NULL, FALSE);

	rc = sqlite3_exec (self->db, sql, NULL, NULL, &message);
	if (rc != SQLITE_OK) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     error_code_for (rc),
			     "%s (%s)",
			     message != NULL ? message : sqlite3_errmsg (self->db),
			     sqlite3_errstr (rc));
		sqlite3_free (message);
		return FALSE;
	}
	return TRUE;
}

CfStateDbStmt *
cf_state_db_prepare (CfStateDb *self, const char *sql, GError **error)
{
	g_autoptr (CfStateDbStmt) stmt = NULL;
	const char *tail = NULL;
	int rc;

	g_return_val_if_fail (CF_IS_STATE_DB (self), NULL);
	g_return_val_if_fail (sql != NULL, NULL);

	rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, &tail);
	if (!cf_state_db_check (self, rc, "preparing a statement", error))
		return NULL;
	if (stmt == NULL) {
		g_set_error_literal (error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_INVALID,
				     "preparing a statement: no SQL statement given");
		return NULL;
	}
	for (; tail != NULL && *tail != '\0'; tail++) {
		if (!g_ascii_isspace (*tail) && *tail != ';') {
			g_set_error_literal (
				error,
				CF_STATE_DB_ERROR,
				CF_STATE_DB_ERROR_INVALID,
				"preparing a statement: more than one SQL statement given");
			return NULL;
		}
	}
	return g_steal_pointer (&stmt);
}

gboolean
cf_state_db_step (CfStateDb *self, CfStateDbStmt *stmt, gboolean *ret_row, GError **error)
{
	int rc;

	g_return_val_if_fail (CF_IS_STATE_DB (self), FALSE);
	g_return_val_if_fail (stmt != NULL, FALSE);

	rc = sqlite3_step (stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_sqlite_error (self->db, rc, "running a statement", error);
		return FALSE;
	}
	if (ret_row != NULL)
		*ret_row = (rc == SQLITE_ROW);
	return TRUE;
}

gboolean
cf_state_db_transaction (CfStateDb *self,
			 CfStateDbTransactionFunc func,
			 gpointer user_data,
			 GError **error)
{
	/* Outside a transaction: a real one, taking the write lock at once so
	 * that it never has to be upgraded (which could fail with BUSY).
	 * Inside one: a savepoint, released into the enclosing transaction. */
	g_autoptr (GError) local_error = NULL;
	const char *begin = "BEGIN IMMEDIATE";
	const char *commit = "COMMIT";
	const char *rollback = "ROLLBACK";
	gboolean nested;

	g_return_val_if_fail (CF_IS_STATE_DB (self), FALSE);
	g_return_val_if_fail (func != NULL, FALSE);

	nested = !sqlite3_get_autocommit (self->db);
	if (nested) {
		begin = "SAVEPOINT cf_nested";
		commit = "RELEASE cf_nested";
		rollback = "ROLLBACK TO cf_nested; RELEASE cf_nested";
	}
	if (!cf_state_db_exec (self, begin, error)) {
		g_prefix_error_literal (error, "starting a transaction: ");
		return FALSE;
	}
	if (func (self, user_data, &local_error)) {
		if (cf_state_db_exec (self, commit, &local_error))
			return TRUE;
		g_prefix_error_literal (&local_error, "committing a transaction: ");
	} else if (local_error == NULL) {
		g_set_error_literal (&local_error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_FAILED,
				     "transaction failed");
	}
	/* A failed COMMIT may have ended the transaction already. */
	if (nested || !sqlite3_get_autocommit (self->db)) {
		g_autoptr (GError) rollback_error = NULL;
		if (!cf_state_db_exec (self, rollback, &rollback_error))
			g_debug ("rolling back: %s", rollback_error->message);
	}
	g_propagate_error (error, g_steal_pointer (&local_error));
	return FALSE;
}

static gboolean
exec_func (CfStateDb *self, gpointer user_data, GError **error)
{
	return cf_state_db_exec (self, user_data, error);
}

gboolean
cf_state_db_exec_in_transaction (CfStateDb *self, const char *sql, GError **error)
{
	g_return_val_if_fail (sql != NULL, FALSE);
	return cf_state_db_transaction (self, exec_func, (gpointer)sql, error);
}

/* Runs a statement that returns one row and reads its first column. */
static gboolean
query_int (CfStateDb *self, const char *sql, gint64 *ret_value, GError **error)
{
	g_autoptr (CfStateDbStmt) stmt = cf_state_db_prepare (self, sql, error);
	gboolean row = FALSE;

	if (stmt == NULL || !cf_state_db_step (self, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_set_error (
			error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_FAILED, "%s: no result", sql);
		return FALSE;
	}
	*ret_value = sqlite3_column_int64 (stmt, 0);
	return TRUE;
}

/* (transfer full) */
static gboolean
query_text (CfStateDb *self, const char *sql, char **ret_value, GError **error)
{
	g_autoptr (CfStateDbStmt) stmt = cf_state_db_prepare (self, sql, error);
	gboolean row = FALSE;

	if (stmt == NULL || !cf_state_db_step (self, stmt, &row, error))
		return FALSE;
	if (!row) {
		g_set_error (
			error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_FAILED, "%s: no result", sql);
		return FALSE;
	}
	*ret_value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
	return TRUE;
}

static gboolean
migrate_one (CfStateDb *self, gpointer user_data, GError **error)
{
	guint target = GPOINTER_TO_UINT (user_data);
	g_autofree char *set_version = NULL;
	gint64 version = 0;

	/* Read again under the write lock: another process may have migrated
	 * the file since we looked. */
	if (!query_int (self, "PRAGMA user_version", &version, error))
		return FALSE;
	if (version >= target)
		return TRUE;
	if (version != target - 1) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_FAILED,
			     "schema version %" G_GINT64_FORMAT " cannot be migrated to %u",
			     version,
			     target);
		return FALSE;
	}
	if (!cf_state_db_exec (self, migrations[target - 1], error))
		return FALSE;
	set_version = g_strdup_printf ("PRAGMA user_version = %u", target);
	return cf_state_db_exec (self, set_version, error);
}

static gboolean
migrate (CfStateDb *self, gint64 from, GError **error)
{
	for (guint target = (guint)from + 1; target <= G_N_ELEMENTS (migrations); target++) {
		if (!cf_state_db_transaction (
			    self, migrate_one, GUINT_TO_POINTER (target), error)) {
			g_prefix_error (error, "migrating the schema to version %u: ", target);
			return FALSE;
		}
		g_debug ("%s: schema migrated to version %u", self->path, target);
	}
	return TRUE;
}

/* Refuses what is not (or not yet) a Confab database, and what a newer
 * Confab wrote; never changes such a file. */
static gboolean
check_identity (CfStateDb *self, gint64 *ret_version, GError **error)
{
	gint64 version = 0;
	gint64 app_id = 0;
	gint64 objects = 0;

	if (!query_int (self, "PRAGMA user_version", &version, error)
	    || !query_int (self, "PRAGMA application_id", &app_id, error)) {
		g_prefix_error_literal (error, "reading the header: ");
		return FALSE;
	}
	if (app_id != 0 && app_id != CF_STATE_DB_APPLICATION_ID) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_CORRUPT,
			     "not a Confab state database (application id 0x%08" G_GINT64_MODIFIER
			     "x)",
			     app_id);
		return FALSE;
	}
	if (app_id == 0) {
		/* Only an empty database may be new to us. */
		if (!query_int (self, "SELECT count(*) FROM sqlite_schema", &objects, error))
			return FALSE;
		if (version != 0 || objects != 0) {
			g_set_error_literal (error,
					     CF_STATE_DB_ERROR,
					     CF_STATE_DB_ERROR_CORRUPT,
					     "not a Confab state database (it holds another "
					     "program's data)");
			return FALSE;
		}
	}
	if (version < 0 || version > (gint64)G_N_ELEMENTS (migrations)) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_TOO_NEW,
			     "schema version %" G_GINT64_FORMAT
			     " is newer than this version of Confab knows (%u); "
			     "the file is left unchanged",
			     version,
			     (guint)G_N_ELEMENTS (migrations));
		return FALSE;
	}
	*ret_version = version;
	return TRUE;
}

static gboolean
check_integrity (CfStateDb *self, GError **error)
{
	g_autofree char *result = NULL;

	/* quick_check reads every page once: cheap for a database this size
	 * (the history is capped), and it finds a damaged file at start-up
	 * instead of in the middle of a call. */
	if (!query_text (self, "PRAGMA quick_check(1)", &result, error))
		return FALSE;
	if (g_strcmp0 (result, "ok") != 0) {
		if (result != NULL)
			g_strdelimit (result, "\n", ' ');
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_CORRUPT,
			     "the database is damaged: %s",
			     result != NULL ? result : "(no result)");
		return FALSE;
	}
	return TRUE;
}

static gboolean
configure (CfStateDb *self, GError **error)
{
	g_autofree char *mode = NULL;

	/* Write-ahead logging: readers don't block the writer, and a commit
	 * is one append to the -wal file. The mode is stored in the file. */
	if (!query_text (self, "PRAGMA journal_mode = WAL", &mode, error))
		return FALSE;
	if (g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0) {
		/* A file system without shared memory for the WAL index (some
		 * network file systems). The rollback journal with
		 * synchronous=FULL is just as crash-safe, only slower. */
		g_debug ("%s: WAL not available, journal mode is %s", self->path, mode);
	}

	/* "A crash loses nothing": with WAL, synchronous=NORMAL survives a
	 * crash of the process (the commit is in the -wal file in the page
	 * cache) but a power cut or kernel crash may roll back the last
	 * committed transactions, since the WAL is only synced at checkpoints.
	 * FULL syncs the WAL at every commit, so a committed call record or
	 * ZRTP secret is on disk when the commit returns. Writes are few (a
	 * handful per call), so the cost of one fsync each is negligible. */
	if (!cf_state_db_exec (self, "PRAGMA synchronous = FULL", error))
		return FALSE;
	if (!cf_state_db_exec (self, "PRAGMA foreign_keys = ON", error))
		return FALSE;
	/* Deleted rows (old ZRTP retained secrets among them) are overwritten
	 * with zeros, not left in free pages. */
	if (!cf_state_db_exec (self, "PRAGMA secure_delete = ON", error))
		return FALSE;
	return TRUE;
}

static gboolean
tighten_mode (const char *path, int fd, gboolean must_exist, GError **error)
{
	struct stat st;
	int rc = fd >= 0 ? fstat (fd, &st) : g_stat (path, &st);

	if (rc != 0) {
		int saved_errno = errno;
		if (!must_exist && saved_errno == ENOENT)
			return TRUE;
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_IO,
			     "cannot read the status of %s: %s",
			     path,
			     g_strerror (saved_errno));
		return FALSE;
	}
	if (!S_ISREG (st.st_mode)) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_IO,
			     "%s is not a regular file",
			     path);
		return FALSE;
	}
	if ((st.st_mode & 07777) == 0600)
		return TRUE;
	rc = fd >= 0 ? fchmod (fd, 0600) : g_chmod (path, 0600);
	if (rc != 0) {
		int saved_errno = errno;
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_IO,
			     "cannot make %s private (mode 0600): %s",
			     path,
			     g_strerror (saved_errno));
		return FALSE;
	}
	return TRUE;
}

/* Creates the folder (0700) and the file (0600) before SQLite opens it:
 * SQLite would create it 0644, and gives its -wal and -shm files the mode
 * of the main file. The database holds call history and key material. */
static gboolean
prepare_file (const char *path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname (path);
	g_autofree char *wal = g_strconcat (path, "-wal", NULL);
	g_autofree char *shm = g_strconcat (path, "-shm", NULL);
	gboolean ok;
	int fd;

	if (g_mkdir_with_parents (dir, 0700) != 0) {
		int saved_errno = errno;
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_IO,
			     "cannot create the folder %s: %s",
			     dir,
			     g_strerror (saved_errno));
		return FALSE;
	}
	fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		int saved_errno = errno;
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_IO,
			     "cannot open %s: %s",
			     path,
			     g_strerror (saved_errno));
		return FALSE;
	}
	ok = tighten_mode (path, fd, TRUE, error);
	close (fd);
	if (!ok)
		return FALSE;
	return tighten_mode (wal, -1, FALSE, error) && tighten_mode (shm, -1, FALSE, error);
}

static gboolean
open_connection (CfStateDb *self, GError **error)
{
	gint64 version = 0;
	int rc;

	rc = sqlite3_open_v2 (
		self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		set_sqlite_error (self->db, rc, "opening", error);
		return FALSE;
	}
	sqlite3_busy_timeout (self->db, CF_STATE_DB_BUSY_TIMEOUT_MS);
	/* No way for SQL to damage the file on purpose (writable_schema etc.). */
	sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config (self->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);

	return check_identity (self, &version, error) && check_integrity (self, error)
	       && configure (self, error) && migrate (self, version, error);
}

CfStateDb *
cf_state_db_open (const char *path, GError **error)
{
	g_autoptr (CfStateDb) self = NULL;

	g_return_val_if_fail (path != NULL && *path != '\0', NULL);
	g_return_val_if_fail (error == NULL || *error == NULL, NULL);

	self = g_object_new (CF_TYPE_STATE_DB, NULL);
	self->path = g_strdup (path);
	if (!prepare_file (path, error) || !open_connection (self, error)) {
		g_prefix_error (error, "state database %s: ", path);
		return NULL;
	}
	g_debug ("%s: open, schema version %u", path, cf_state_db_get_latest_version ());
	return g_steal_pointer (&self);
}
