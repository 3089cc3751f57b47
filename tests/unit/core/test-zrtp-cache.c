/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf-error.h"
#include "cf-zrtp-cache.h"

typedef struct {
	char *tmp;  /* a fresh folder */
	char *path; /* tmp/confab.db */
	CfStateDb *db;
	CfZrtpCache *cache;
} Fixture;

static void
open_cache (Fixture *f)
{
	g_autoptr (GError) error = NULL;

	f->db = cf_state_db_open (f->path, &error);
	g_assert_no_error (error);
	g_assert_nonnull (f->db);
	f->cache = cf_zrtp_cache_new (f->db);
	g_assert_nonnull (f->cache);
}

static void
close_cache (Fixture *f)
{
	g_clear_object (&f->cache);
	g_assert_finalize_object (f->db);
	f->db = NULL;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;

	g_assert_cmpint (sodium_init (), >=, 0);
	f->tmp = g_dir_make_tmp ("confab-zrtp-cache-XXXXXX", &error);
	g_assert_no_error (error);
	f->path = g_build_filename (f->tmp, "confab.db", NULL);
	open_cache (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
	g_autoptr (GDir) dir = NULL;
	const char *name;

	if (f->db != NULL)
		close_cache (f);
	dir = g_dir_open (f->tmp, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
		g_autofree char *child = g_build_filename (f->tmp, name, NULL);
		g_assert_cmpint (g_unlink (child), ==, 0);
	}
	g_assert_cmpint (g_rmdir (f->tmp), ==, 0);
	g_free (f->tmp);
	g_free (f->path);
}

static void
random_bytes (guint8 *buf, gsize len)
{
	randombytes_buf (buf, len);
}

static gint64
raw_int (CfStateDb *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	gint64 value;

	g_assert_cmpint (
		sqlite3_prepare_v2 (cf_state_db_get_handle (db), sql, -1, &stmt, NULL), ==, SQLITE_OK);
	g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
	value = sqlite3_column_int64 (stmt, 0);
	sqlite3_finalize (stmt);
	return value;
}

static void
lookup_ok (Fixture *f, const guint8 *zid, CfZrtpCachedSecrets *ret)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_zrtp_cache_lookup (f->cache, zid, ret, &error));
	g_assert_no_error (error);
}

static void
store_ok (Fixture *f, const guint8 *zid, const guint8 *rs1, gboolean clear_verified)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_zrtp_cache_store_secret (f->cache, zid, rs1, clear_verified, &error));
	g_assert_no_error (error);
}

static void
set_verified_ok (Fixture *f, const guint8 *zid, gboolean verified)
{
	g_autoptr (GError) error = NULL;

	g_assert_true (cf_zrtp_cache_set_verified (f->cache, zid, verified, &error));
	g_assert_no_error (error);
}

static void
test_schema (Fixture *f, gconstpointer data)
{
	g_assert_cmpuint (cf_state_db_get_latest_version (), >=, 2);
	g_assert_cmpint (raw_int (f->db,
				  "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
				  "AND name IN ('zrtp_local', 'zrtp_cache')"),
			 ==,
			 2);
	/* the schema refuses what the code must never write */
	g_assert_cmpint (sqlite3_exec (cf_state_db_get_handle (f->db),
				       "INSERT INTO zrtp_cache (zid, created, updated) "
				       "VALUES (x'0011', 0, 0)",
				       NULL,
				       NULL,
				       NULL),
			 ==,
			 SQLITE_CONSTRAINT);
	g_assert_cmpint (sqlite3_exec (cf_state_db_get_handle (f->db),
				       "INSERT INTO zrtp_cache (zid, rs1, created, updated) "
				       "VALUES (x'000102030405060708090a0b', x'00', 0, 0)",
				       NULL,
				       NULL,
				       NULL),
			 ==,
			 SQLITE_CONSTRAINT);
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM zrtp_cache"), ==, 0);
}

/* A version 1 file (call history only) gains the cache and keeps its rows. */
static void
test_migrate_from_v1 (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	guint8 zid[CF_ZRTP_ZID_LEN];

	g_assert_true (cf_state_db_exec (f->db,
					 "DROP TABLE zrtp_local; DROP TABLE zrtp_cache;"
					 "INSERT INTO call_history (call_id, remote_uri, "
					 "remote_name, direction, ring_time, start_time, end_time, "
					 "duration, end_reason, encryption) VALUES ('c', "
					 "'sip:a@b', '', 'incoming', 0, 0, 1, 0, 'busy', 'none');"
					 "PRAGMA user_version = 1;",
					 &error));
	g_assert_no_error (error);
	close_cache (f);

	open_cache (f);
	g_assert_cmpint (raw_int (f->db, "PRAGMA user_version"),
			 ==,
			 cf_state_db_get_latest_version ());
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM call_history"), ==, 1);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, zid, &error));
	g_assert_no_error (error);
}

static void
test_local_zid (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	static const guint8 zeros[CF_ZRTP_ZID_LEN] = { 0 };
	guint8 first[CF_ZRTP_ZID_LEN];
	guint8 again[CF_ZRTP_ZID_LEN];
	guint8 reopened[CF_ZRTP_ZID_LEN];
	guint8 other[CF_ZRTP_ZID_LEN];
	g_autofree char *other_path = g_build_filename (f->tmp, "other.db", NULL);
	g_autoptr (CfStateDb) other_db = NULL;
	g_autoptr (CfZrtpCache) other_cache = NULL;

	/* nothing until first use */
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM zrtp_local"), ==, 0);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, first, &error));
	g_assert_no_error (error);
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM zrtp_local"), ==, 1);
	g_assert_cmpint (raw_int (f->db, "SELECT length (zid) FROM zrtp_local"), ==, 12);
	g_assert_true (memcmp (first, zeros, sizeof zeros) != 0);

	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, again, &error));
	g_assert_cmpmem (again, sizeof again, first, sizeof first);

	/* a new cache object on the same file, then a reopened file */
	g_clear_object (&f->cache);
	f->cache = cf_zrtp_cache_new (f->db);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, again, &error));
	g_assert_cmpmem (again, sizeof again, first, sizeof first);
	close_cache (f);
	open_cache (f);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, reopened, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (reopened, sizeof reopened, first, sizeof first);
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM zrtp_local"), ==, 1);

	/* another installation: another ZID */
	other_db = cf_state_db_open (other_path, &error);
	g_assert_no_error (error);
	other_cache = cf_zrtp_cache_new (other_db);
	g_assert_true (cf_zrtp_cache_get_local_zid (other_cache, other, &error));
	g_assert_no_error (error);
	g_assert_true (memcmp (other, first, sizeof first) != 0);
}

static void
test_lookup_unknown (Fixture *f, gconstpointer data)
{
	CfZrtpCachedSecrets ret;
	guint8 zid[CF_ZRTP_ZID_LEN];

	random_bytes (zid, sizeof zid);
	/* garbage in: everything cleared */
	memset (&ret, 0xa5, sizeof ret);
	lookup_ok (f, zid, &ret);
	g_assert_false (ret.known);
	g_assert_false (ret.has_rs1);
	g_assert_false (ret.has_rs2);
	g_assert_false (ret.verified);
	for (gsize i = 0; i < CF_ZRTP_HASH_LEN; i++) {
		g_assert_cmpuint (ret.rs1[i], ==, 0);
		g_assert_cmpuint (ret.rs2[i], ==, 0);
	}
}

static void
test_store_rotates (Fixture *f, gconstpointer data)
{
	CfZrtpCachedSecrets ret;
	guint8 zid[CF_ZRTP_ZID_LEN];
	guint8 other_zid[CF_ZRTP_ZID_LEN];
	guint8 first[CF_ZRTP_HASH_LEN];
	guint8 second[CF_ZRTP_HASH_LEN];
	guint8 third[CF_ZRTP_HASH_LEN];

	random_bytes (zid, sizeof zid);
	memcpy (other_zid, zid, sizeof zid);
	other_zid[11] ^= 1; /* one bit apart */
	random_bytes (first, sizeof first);
	random_bytes (second, sizeof second);
	random_bytes (third, sizeof third);

	store_ok (f, zid, first, FALSE);
	lookup_ok (f, zid, &ret);
	g_assert_true (ret.known);
	g_assert_true (ret.has_rs1);
	g_assert_false (ret.has_rs2);
	g_assert_false (ret.verified);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, first, sizeof first);

	store_ok (f, zid, second, FALSE);
	lookup_ok (f, zid, &ret);
	g_assert_true (ret.has_rs1);
	g_assert_true (ret.has_rs2);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, second, sizeof second);
	g_assert_cmpmem (ret.rs2, sizeof ret.rs2, first, sizeof first);

	store_ok (f, zid, third, FALSE);
	lookup_ok (f, zid, &ret);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, third, sizeof third);
	g_assert_cmpmem (ret.rs2, sizeof ret.rs2, second, sizeof second);

	/* peers are kept apart */
	lookup_ok (f, other_zid, &ret);
	g_assert_false (ret.known);
	store_ok (f, other_zid, first, FALSE);
	lookup_ok (f, other_zid, &ret);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, first, sizeof first);
	g_assert_false (ret.has_rs2);
	lookup_ok (f, zid, &ret);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, third, sizeof third);
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM zrtp_cache"), ==, 2);

	/* and survive a reopen */
	close_cache (f);
	open_cache (f);
	lookup_ok (f, zid, &ret);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, third, sizeof third);
	g_assert_cmpmem (ret.rs2, sizeof ret.rs2, second, sizeof second);
}

static void
test_verified (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	CfZrtpCachedSecrets ret;
	guint8 zid[CF_ZRTP_ZID_LEN];
	guint8 unknown[CF_ZRTP_ZID_LEN];
	guint8 rs[CF_ZRTP_HASH_LEN];

	random_bytes (zid, sizeof zid);
	random_bytes (unknown, sizeof unknown);
	random_bytes (rs, sizeof rs);

	/* no secret: nothing to vouch for */
	g_assert_false (cf_zrtp_cache_set_verified (f->cache, unknown, TRUE, &error));
	g_assert_error (error, CF_ERROR, CF_ERROR_NOT_FOUND);
	g_clear_error (&error);
	set_verified_ok (f, unknown, FALSE);
	lookup_ok (f, unknown, &ret);
	g_assert_false (ret.known);

	store_ok (f, zid, rs, FALSE);
	set_verified_ok (f, zid, TRUE);
	lookup_ok (f, zid, &ret);
	g_assert_true (ret.verified);

	/* a continued call keeps the flag */
	rs[0] ^= 0xff;
	store_ok (f, zid, rs, FALSE);
	lookup_ok (f, zid, &ret);
	g_assert_true (ret.verified);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, rs, sizeof rs);

	/* a mismatch clears it */
	rs[1] ^= 0xff;
	store_ok (f, zid, rs, TRUE);
	lookup_ok (f, zid, &ret);
	g_assert_false (ret.verified);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, rs, sizeof rs);

	/* set, survives a reopen, cleared by hand */
	set_verified_ok (f, zid, TRUE);
	close_cache (f);
	open_cache (f);
	lookup_ok (f, zid, &ret);
	g_assert_true (ret.verified);
	set_verified_ok (f, zid, FALSE);
	lookup_ok (f, zid, &ret);
	g_assert_false (ret.verified);
	g_assert_true (ret.known);
	g_assert_true (ret.has_rs1);
}

static void
test_forget (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	CfZrtpCachedSecrets ret;
	guint8 local_before[CF_ZRTP_ZID_LEN];
	guint8 local_after[CF_ZRTP_ZID_LEN];
	guint8 a[CF_ZRTP_ZID_LEN];
	guint8 b[CF_ZRTP_ZID_LEN];
	guint8 c[CF_ZRTP_ZID_LEN];
	guint8 rs[CF_ZRTP_HASH_LEN];

	random_bytes (a, sizeof a);
	random_bytes (b, sizeof b);
	random_bytes (c, sizeof c);
	random_bytes (rs, sizeof rs);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, local_before, &error));
	store_ok (f, a, rs, FALSE);
	store_ok (f, b, rs, FALSE);
	store_ok (f, c, rs, FALSE);

	g_assert_true (cf_zrtp_cache_forget (f->cache, a, &error));
	g_assert_no_error (error);
	lookup_ok (f, a, &ret);
	g_assert_false (ret.known);
	lookup_ok (f, b, &ret);
	g_assert_true (ret.known);
	/* forgetting an unknown peer is not an error */
	g_assert_true (cf_zrtp_cache_forget (f->cache, a, &error));
	g_assert_no_error (error);

	/* after forgetting, the next secret starts a new history */
	store_ok (f, a, rs, FALSE);
	lookup_ok (f, a, &ret);
	g_assert_false (ret.has_rs2);

	g_assert_true (cf_zrtp_cache_forget (f->cache, NULL, &error));
	g_assert_no_error (error);
	g_assert_cmpint (raw_int (f->db, "SELECT count(*) FROM zrtp_cache"), ==, 0);
	lookup_ok (f, c, &ret);
	g_assert_false (ret.known);

	/* the installation keeps its ZID */
	close_cache (f);
	open_cache (f);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, local_after, &error));
	g_assert_cmpmem (local_after, sizeof local_after, local_before, sizeof local_before);
}

static void
test_lookup_func (Fixture *f, gconstpointer data)
{
	CfZrtpLookupFunc func = cf_zrtp_cache_lookup_func;
	CfZrtpCachedSecrets ret;
	guint8 zid[CF_ZRTP_ZID_LEN];
	guint8 rs[CF_ZRTP_HASH_LEN];

	random_bytes (zid, sizeof zid);
	random_bytes (rs, sizeof rs);

	memset (&ret, 0, sizeof ret);
	func (zid, &ret, f->cache);
	g_assert_false (ret.known);

	store_ok (f, zid, rs, FALSE);
	memset (&ret, 0, sizeof ret);
	func (zid, &ret, f->cache);
	g_assert_true (ret.known);
	g_assert_true (ret.has_rs1);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, rs, sizeof rs);
}

/* What the crashing child still holds when it dies: kept reachable so that
 * valgrind, which checks the child too, does not count it as leaked. */
static CfStateDb *volatile crash_child_db;
static CfZrtpCache *volatile crash_child_cache;

/* The child: stores a secret (committed), starts another change it never
 * commits, and dies at once, closing nothing. No GTest assertions here. */
G_GNUC_NORETURN static void
crash_child (const char *path, const guint8 *zid, const guint8 *rs)
{
	crash_child_db = cf_state_db_open (path, NULL);
	if (crash_child_db == NULL)
		_exit (2);
	crash_child_cache = cf_zrtp_cache_new (crash_child_db);
	if (!cf_zrtp_cache_store_secret (crash_child_cache, zid, rs, FALSE, NULL))
		_exit (3);
	if (!cf_state_db_exec (crash_child_db,
			       "BEGIN IMMEDIATE;"
			       "UPDATE zrtp_cache SET rs1 = zeroblob (32), rs2 = NULL, verified = 1;"
			       "DELETE FROM zrtp_local;",
			       NULL))
		_exit (4);
	_exit (0);
}

/* Committed secrets survive a crash; an uncommitted change does not appear. */
static void
test_crash (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	CfZrtpCachedSecrets ret;
	guint8 local_before[CF_ZRTP_ZID_LEN];
	guint8 local_after[CF_ZRTP_ZID_LEN];
	guint8 zid[CF_ZRTP_ZID_LEN];
	guint8 first[CF_ZRTP_HASH_LEN];
	guint8 second[CF_ZRTP_HASH_LEN];
	g_autofree char *wal = NULL; /* made after the fork: the child leaks nothing */
	int status = 0;
	pid_t pid;

	random_bytes (zid, sizeof zid);
	random_bytes (first, sizeof first);
	random_bytes (second, sizeof second);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, local_before, &error));
	g_assert_no_error (error);
	store_ok (f, zid, first, FALSE);
	close_cache (f);

	pid = fork ();
	g_assert_cmpint (pid, >=, 0);
	if (pid == 0)
		crash_child (f->path, zid, second);
	g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
	g_assert_true (WIFEXITED (status));
	g_assert_cmpint (WEXITSTATUS (status), ==, 0);
	/* not closed, so not checkpointed: the commit is in the WAL only */
	wal = g_strconcat (f->path, "-wal", NULL);
	g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

	open_cache (f);
	lookup_ok (f, zid, &ret);
	g_assert_true (ret.known);
	g_assert_false (ret.verified);
	g_assert_true (ret.has_rs2);
	g_assert_cmpmem (ret.rs1, sizeof ret.rs1, second, sizeof second);
	g_assert_cmpmem (ret.rs2, sizeof ret.rs2, first, sizeof first);
	g_assert_true (cf_zrtp_cache_get_local_zid (f->cache, local_after, &error));
	g_assert_no_error (error);
	g_assert_cmpmem (local_after, sizeof local_after, local_before, sizeof local_before);
}

/* A row the schema should have refused (written with the CHECKs off): a
 * clean error, and the caller's struct untouched. */
static void
test_damaged_row (Fixture *f, gconstpointer data)
{
	g_autoptr (GError) error = NULL;
	CfZrtpCachedSecrets ret;
	CfZrtpCachedSecrets before;
	static const guint8 zid[CF_ZRTP_ZID_LEN] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };

	g_assert_cmpint (sqlite3_exec (cf_state_db_get_handle (f->db),
				       "PRAGMA ignore_check_constraints = ON;"
				       "INSERT INTO zrtp_cache (zid, rs1, created, updated) "
				       "VALUES (x'000102030405060708090a0b', x'0102', 0, 0);"
				       "PRAGMA ignore_check_constraints = OFF;",
				       NULL,
				       NULL,
				       NULL),
			 ==,
			 SQLITE_OK);
	memset (&ret, 0x5a, sizeof ret);
	memcpy (&before, &ret, sizeof ret);
	g_assert_false (cf_zrtp_cache_lookup (f->cache, zid, &ret, &error));
	g_assert_error (error, CF_STATE_DB_ERROR, CF_STATE_DB_ERROR_CORRUPT);
	g_assert_cmpmem (&ret, sizeof ret, &before, sizeof before);
}

/* Everything logged while the test runs, at every level. */
static GString *captured_log;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (captured_log != NULL && g_str_equal (fields[i].key, "MESSAGE")) {
			if (fields[i].length < 0)
				g_string_append (captured_log, fields[i].value);
			else
				g_string_append_len (
					captured_log, fields[i].value, fields[i].length);
			g_string_append_c (captured_log, '\n');
		}
	}
	/* what the test turned on for itself is not repeated on stderr */
	if (captured_log != NULL && (level & G_LOG_LEVEL_DEBUG) != 0)
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_default (level, fields, n_fields, data);
}

static gboolean
contains_bytes (const GString *haystack, const guint8 *needle, gsize len)
{
	for (gsize i = 0; i + len <= haystack->len; i++) {
		if (memcmp (haystack->str + i, needle, len) == 0)
			return TRUE;
	}
	return FALSE;
}

static char *
to_hex (const guint8 *data, gsize len)
{
	GString *hex = g_string_new (NULL);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf (hex, "%02x", data[i]);
	return g_string_free (hex, FALSE);
}

/* At debug level the ZIDs appear, the secrets never (in hex or raw). */
static void
test_no_secrets_in_logs (Fixture *f, gconstpointer data)
{
	CfZrtpCachedSecrets ret;
	guint8 zid[CF_ZRTP_ZID_LEN];
	guint8 first[CF_ZRTP_HASH_LEN];
	guint8 second[CF_ZRTP_HASH_LEN];
	g_autofree char *zid_hex = NULL;
	g_autofree char *first_hex = NULL;
	g_autofree char *second_hex = NULL;
	g_autofree char *first_half = NULL;
	gboolean was_enabled = g_log_get_debug_enabled ();

	random_bytes (zid, sizeof zid);
	random_bytes (first, sizeof first);
	random_bytes (second, sizeof second);
	zid_hex = to_hex (zid, sizeof zid);
	first_hex = to_hex (first, sizeof first);
	second_hex = to_hex (second, sizeof second);
	first_half = to_hex (first, 8);

	captured_log = g_string_new (NULL);
	g_log_set_debug_enabled (TRUE);
	store_ok (f, zid, first, FALSE);
	store_ok (f, zid, second, TRUE);
	set_verified_ok (f, zid, TRUE);
	lookup_ok (f, zid, &ret);
	g_assert_true (cf_zrtp_cache_forget (f->cache, zid, NULL));
	g_log_set_debug_enabled (was_enabled);

	g_assert_nonnull (strstr (captured_log->str, zid_hex)); /* the capture works */
	g_assert_null (strstr (captured_log->str, first_hex));
	g_assert_null (strstr (captured_log->str, second_hex));
	g_assert_null (strstr (captured_log->str, first_half));
	g_assert_false (contains_bytes (captured_log, first, 8));
	g_assert_false (contains_bytes (captured_log, second, 8));
	g_string_free (g_steal_pointer (&captured_log), TRUE);
}

typedef void (*FixtureFunc) (Fixture *f, gconstpointer data);

static void
add (const char *name, FixtureFunc func)
{
	g_autofree char *path = g_strconcat ("/confab/core/zrtp-cache/", name, NULL);

	g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main (int argc, char **argv)
{
	g_log_set_writer_func (capture_writer, NULL, NULL);
	g_test_init (&argc, &argv, NULL);

	add ("schema", test_schema);
	add ("migrate-from-v1", test_migrate_from_v1);
	add ("local-zid", test_local_zid);
	add ("lookup-unknown", test_lookup_unknown);
	add ("store-rotates", test_store_rotates);
	add ("verified", test_verified);
	add ("forget", test_forget);
	add ("lookup-func", test_lookup_func);
	add ("crash", test_crash);
	add ("damaged-row", test_damaged_row);
	add ("no-secrets-in-logs", test_no_secrets_in_logs);

	return g_test_run ();
}
