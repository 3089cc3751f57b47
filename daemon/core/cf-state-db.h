/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define CF_STATE_DB_ERROR (cf_state_db_error_quark ())
GQuark cf_state_db_error_quark (void);

typedef enum {
	CF_STATE_DB_ERROR_IO,	   /* the file or its folder cannot be created, read or written */
	CF_STATE_DB_ERROR_CORRUPT, /* not an SQLite file, damaged, or not a Confab database */
	CF_STATE_DB_ERROR_TOO_NEW, /* written by a newer Confab: its schema is unknown here */
	CF_STATE_DB_ERROR_BUSY,	   /* locked by another process for longer than the busy timeout */
	CF_STATE_DB_ERROR_INVALID, /* a value given to the database was refused */
	CF_STATE_DB_ERROR_FAILED,  /* any other SQLite failure */
} CfStateDbError;

/* A prepared statement with automatic cleanup:
 *   g_autoptr (CfStateDbStmt) stmt = cf_state_db_prepare (db, "SELECT ...", error);
 * finalizes it when it goes out of scope. */
typedef sqlite3_stmt CfStateDbStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CfStateDbStmt, sqlite3_finalize)

/* The state database (DESIGN.md §6): call history, ZRTP cache, verified peers.
 * One per daemon, used from the main thread. SQLite in WAL mode with
 * synchronous=FULL: a transaction that has committed survives a crash of the
 * process and of the machine. The schema is versioned (PRAGMA user_version)
 * and brought up to date by ordered migrations when the file is opened. */
#define CF_TYPE_STATE_DB (cf_state_db_get_type ())
G_DECLARE_FINAL_TYPE (CfStateDb, cf_state_db, CF, STATE_DB, GObject)

/* Opens the database at @path, creating its folder (0700) and the file (0600)
 * when missing, and migrating the schema to the newest version. An existing
 * file readable by others is made 0600. A file from a newer Confab is refused
 * (CF_STATE_DB_ERROR_TOO_NEW) and left untouched; a file that is not a sound
 * Confab database is refused with CF_STATE_DB_ERROR_CORRUPT.
 * Returns: (transfer full): the database, or NULL with @error set. */
CfStateDb *cf_state_db_open (const char *path, GError **error);

/* The default path: $XDG_STATE_HOME/confab/confab.db. (transfer full) */
char *cf_state_db_default_path (void);

/* The schema version this code writes (the last migration). */
guint cf_state_db_get_latest_version (void);

/* (transfer none) */
const char *cf_state_db_get_path (CfStateDb *self);

/* The SQLite connection, for other core objects (history, ZRTP cache).
 * Do not close it. (transfer none) */
sqlite3 *cf_state_db_get_handle (CfStateDb *self);

/* Runs @sql (one or more statements, no parameters) as it is, outside any
 * implicit transaction. */
gboolean cf_state_db_exec (CfStateDb *self, const char *sql, GError **error);

typedef gboolean (*CfStateDbTransactionFunc) (CfStateDb *db, gpointer user_data, GError **error);

/* Runs @func inside a write transaction (BEGIN IMMEDIATE): committed when it
 * returns TRUE, rolled back when it returns FALSE (it must then set @error) or
 * when the commit fails. Nested calls become savepoints. */
gboolean cf_state_db_transaction (CfStateDb *self,
				  CfStateDbTransactionFunc func,
				  gpointer user_data,
				  GError **error);

/* Runs @sql (one or more statements, no parameters) in one transaction. */
gboolean cf_state_db_exec_in_transaction (CfStateDb *self, const char *sql, GError **error);

/* Prepares one statement.
 * Returns: (transfer full): the statement (free with sqlite3_finalize or
 * g_autoptr (CfStateDbStmt)), or NULL with @error set. */
CfStateDbStmt *cf_state_db_prepare (CfStateDb *self, const char *sql, GError **error);

/* Steps @stmt once. Returns TRUE with *@ret_row = TRUE when a row is ready,
 * TRUE with *@ret_row = FALSE when the statement is done, FALSE with @error
 * set on failure. @ret_row may be NULL for statements that return no rows. */
gboolean cf_state_db_step (CfStateDb *self, CfStateDbStmt *stmt, gboolean *ret_row, GError **error);

/* Turns an SQLite result code into a GError: returns TRUE for SQLITE_OK,
 * SQLITE_ROW and SQLITE_DONE; otherwise sets @error, prefixed by @what
 * (e.g. "binding the peer ZID"), and returns FALSE. */
gboolean cf_state_db_check (CfStateDb *self, int rc, const char *what, GError **error);

G_END_DECLS
