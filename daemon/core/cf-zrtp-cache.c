/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "cf-zrtp-cache"

#include <sodium.h>
#include <string.h>

#include "cf-error.h"
#include "cf-zrtp-cache.h"

G_STATIC_ASSERT (CF_ZRTP_ZID_LEN == 12);
G_STATIC_ASSERT (CF_ZRTP_HASH_LEN == 32);

struct _CfZrtpCache {
	GObject parent_instance;
	CfStateDb *db;
	/* The local ZID once read or created: it never changes afterwards. */
	gboolean have_local_zid;
	guint8 local_zid[CF_ZRTP_ZID_LEN];
};

G_DEFINE_TYPE (CfZrtpCache, cf_zrtp_cache, G_TYPE_OBJECT)

static void
cf_zrtp_cache_finalize (GObject *object)
{
	CfZrtpCache *self = CF_ZRTP_CACHE (object);

	g_clear_object (&self->db);
	G_OBJECT_CLASS (cf_zrtp_cache_parent_class)->finalize (object);
}

static void
cf_zrtp_cache_class_init (CfZrtpCacheClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->finalize = cf_zrtp_cache_finalize;
}

static void
cf_zrtp_cache_init (CfZrtpCache *self)
{
}

CfZrtpCache *
cf_zrtp_cache_new (CfStateDb *db)
{
	CfZrtpCache *self;

	g_return_val_if_fail (CF_IS_STATE_DB (db), NULL);

	self = g_object_new (CF_TYPE_ZRTP_CACHE, NULL);
	self->db = g_object_ref (db);
	return self;
}

/* For debug logs: a ZID is an identifier, not a secret. */
static void
zid_to_hex (const guint8 zid[CF_ZRTP_ZID_LEN], char ret_hex[2 * CF_ZRTP_ZID_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (gsize i = 0; i < CF_ZRTP_ZID_LEN; i++) {
		ret_hex[2 * i] = digits[zid[i] >> 4];
		ret_hex[2 * i + 1] = digits[zid[i] & 0x0f];
	}
	ret_hex[2 * CF_ZRTP_ZID_LEN] = '\0';
}

static gint64
now_seconds (void)
{
	return g_get_real_time () / G_USEC_PER_SEC;
}

/* Binds @len bytes at @data without SQLite copying them: @data must live
 * until the statement has been stepped (always the case here). */
static gboolean
bind_blob (CfStateDb *db, CfStateDbStmt *stmt, int index, const guint8 *data, gsize len,
	   const char *what, GError **error)
{
	return cf_state_db_check (
		db, sqlite3_bind_blob (stmt, index, data, (int)len, SQLITE_STATIC), what, error);
}

/* Copies a BLOB column of exactly @len bytes into @ret_data; *@ret_present
 * is FALSE for NULL. Any other length or type is a damaged database (the
 * schema's CHECKs forbid it). */
static gboolean
read_blob (CfStateDbStmt *stmt, int column, guint8 *ret_data, gsize len, gboolean *ret_present,
	   GError **error)
{
	const void *data;

	if (sqlite3_column_type (stmt, column) == SQLITE_NULL) {
		*ret_present = FALSE;
		return TRUE;
	}
	data = sqlite3_column_blob (stmt, column);
	if (sqlite3_column_type (stmt, column) != SQLITE_BLOB || data == NULL
	    || (gsize)sqlite3_column_bytes (stmt, column) != len) {
		g_set_error (error,
			     CF_STATE_DB_ERROR,
			     CF_STATE_DB_ERROR_CORRUPT,
			     "ZRTP cache: column %s is not a %" G_GSIZE_FORMAT "-byte value",
			     sqlite3_column_name (stmt, column),
			     len);
		return FALSE;
	}
	memcpy (ret_data, data, len);
	*ret_present = TRUE;
	return TRUE;
}

static gboolean
read_local_zid (CfStateDb *db, guint8 ret_zid[CF_ZRTP_ZID_LEN], gboolean *ret_found,
		GError **error)
{
	g_autoptr (CfStateDbStmt) stmt =
		cf_state_db_prepare (db, "SELECT zid FROM zrtp_local WHERE id = 1", error);
	gboolean row = FALSE;

	if (stmt == NULL || !cf_state_db_step (db, stmt, &row, error))
		return FALSE;
	if (!row) {
		*ret_found = FALSE;
		return TRUE;
	}
	if (!read_blob (stmt, 0, ret_zid, CF_ZRTP_ZID_LEN, ret_found, error))
		return FALSE;
	if (!*ret_found) {
		g_set_error_literal (error,
				     CF_STATE_DB_ERROR,
				     CF_STATE_DB_ERROR_CORRUPT,
				     "ZRTP cache: the local ZID is empty");
		return FALSE;
	}
	return TRUE;
}

/* In a write transaction, so that two daemons opening a new database at
 * once agree on one ZID. */
static gboolean
ensure_local_zid (CfStateDb *db, gpointer user_data, GError **error)
{
	guint8 *ret_zid = user_data;
	g_autoptr (CfStateDbStmt) stmt = NULL;
	guint8 zid[CF_ZRTP_ZID_LEN];
	gboolean found = FALSE;

	if (!read_local_zid (db, ret_zid, &found, error))
		return FALSE;
	if (found)
		return TRUE;

	randombytes_buf (zid, sizeof zid);
	stmt = cf_state_db_prepare (
		db, "INSERT INTO zrtp_local (id, zid, created) VALUES (1, ?1, ?2)", error);
	if (stmt == NULL || !bind_blob (db, stmt, 1, zid, sizeof zid, "binding the ZID", error)
	    || !cf_state_db_check (
		    db, sqlite3_bind_int64 (stmt, 2, now_seconds ()), "binding the time", error)
	    || !cf_state_db_step (db, stmt, NULL, error))
		return FALSE;
	memcpy (ret_zid, zid, sizeof zid);
	return TRUE;
}

gboolean
cf_zrtp_cache_get_local_zid (CfZrtpCache *self, guint8 ret_zid[CF_ZRTP_ZID_LEN], GError **error)
{
	guint8 zid[CF_ZRTP_ZID_LEN];
	char hex[2 * CF_ZRTP_ZID_LEN + 1];

	g_return_val_if_fail (CF_IS_ZRTP_CACHE (self), FALSE);
	g_return_val_if_fail (ret_zid != NULL, FALSE);

	if (!self->have_local_zid) {
		if (sodium_init () < 0) {
			g_set_error_literal (error,
					     CF_STATE_DB_ERROR,
					     CF_STATE_DB_ERROR_FAILED,
					     "ZRTP cache: libsodium cannot be initialised");
			return FALSE;
		}
		if (!cf_state_db_transaction (self->db, ensure_local_zid, zid, error)) {
			g_prefix_error_literal (error, "ZRTP cache: reading the local ZID: ");
			return FALSE;
		}
		memcpy (self->local_zid, zid, sizeof zid);
		self->have_local_zid = TRUE;
		zid_to_hex (zid, hex);
		g_debug ("local ZID %s", hex);
	}
	memcpy (ret_zid, self->local_zid, CF_ZRTP_ZID_LEN);
	return TRUE;
}

gboolean
cf_zrtp_cache_lookup (CfZrtpCache *self,
		      const guint8 peer_zid[CF_ZRTP_ZID_LEN],
		      CfZrtpCachedSecrets *ret,
		      GError **error)
{
	g_autoptr (CfStateDbStmt) stmt = NULL;
	CfZrtpCachedSecrets found;
	char hex[2 * CF_ZRTP_ZID_LEN + 1];
	gboolean row = FALSE;
	gboolean ok;

	g_return_val_if_fail (CF_IS_ZRTP_CACHE (self), FALSE);
	g_return_val_if_fail (peer_zid != NULL, FALSE);
	g_return_val_if_fail (ret != NULL, FALSE);

	stmt = cf_state_db_prepare (
		self->db, "SELECT rs1, rs2, verified FROM zrtp_cache WHERE zid = ?1", error);
	if (stmt == NULL
	    || !bind_blob (self->db, stmt, 1, peer_zid, CF_ZRTP_ZID_LEN, "binding the ZID", error)
	    || !cf_state_db_step (self->db, stmt, &row, error)) {
		g_prefix_error_literal (error, "ZRTP cache: looking up a peer: ");
		return FALSE;
	}

	memset (&found, 0, sizeof found);
	ok = TRUE;
	if (row) {
		found.known = TRUE;
		ok = read_blob (stmt, 0, found.rs1, sizeof found.rs1, &found.has_rs1, error)
		     && read_blob (stmt, 1, found.rs2, sizeof found.rs2, &found.has_rs2, error);
		found.verified = sqlite3_column_int64 (stmt, 2) != 0;
	}
	/* The statement's copy of the row goes with it; ours is wiped below. */
	sqlite3_reset (stmt);
	if (ok)
		memcpy (ret, &found, sizeof found);
	sodium_memzero (&found, sizeof found);
	if (!ok) {
		g_prefix_error_literal (error, "ZRTP cache: looking up a peer: ");
		return FALSE;
	}

	zid_to_hex (peer_zid, hex);
	g_debug ("peer %s: %s%s%s%s",
		 hex,
		 ret->known ? "known" : "not cached",
		 ret->has_rs1 ? ", rs1" : "",
		 ret->has_rs2 ? ", rs2" : "",
		 ret->verified ? ", verified" : "");
	return TRUE;
}

void
cf_zrtp_cache_lookup_func (const guint8 peer_zid[CF_ZRTP_ZID_LEN],
			   CfZrtpCachedSecrets *ret,
			   gpointer user_data)
{
	g_autoptr (GError) error = NULL;

	g_return_if_fail (CF_IS_ZRTP_CACHE (user_data));

	if (!cf_zrtp_cache_lookup (CF_ZRTP_CACHE (user_data), peer_zid, ret, &error))
		g_debug ("%s", error->message);
}

typedef struct {
	const guint8 *peer_zid;
	const guint8 *new_rs1;
	gboolean clear_verified;
} StoreData;

static gboolean
store_secret_func (CfStateDb *db, gpointer user_data, GError **error)
{
	StoreData *data = user_data;
	/* In DO UPDATE, a bare column is the row's old value: rs2 takes the
	 * old rs1 while rs1 takes the new one, in one statement. */
	g_autoptr (CfStateDbStmt) stmt = cf_state_db_prepare (
		db,
		"INSERT INTO zrtp_cache (zid, rs1, rs2, verified, created, updated) "
		"VALUES (?1, ?2, NULL, 0, ?3, ?3) "
		"ON CONFLICT (zid) DO UPDATE SET rs2 = rs1, rs1 = excluded.rs1, "
		"verified = CASE WHEN ?4 THEN 0 ELSE verified END, updated = excluded.updated",
		error);

	return stmt != NULL
	       && bind_blob (db, stmt, 1, data->peer_zid, CF_ZRTP_ZID_LEN, "binding the ZID", error)
	       && bind_blob (db, stmt, 2, data->new_rs1, CF_ZRTP_HASH_LEN, "binding rs1", error)
	       && cf_state_db_check (
		       db, sqlite3_bind_int64 (stmt, 3, now_seconds ()), "binding the time", error)
	       && cf_state_db_check (db,
				     sqlite3_bind_int (stmt, 4, data->clear_verified ? 1 : 0),
				     "binding the flag",
				     error)
	       && cf_state_db_step (db, stmt, NULL, error);
}

gboolean
cf_zrtp_cache_store_secret (CfZrtpCache *self,
			    const guint8 peer_zid[CF_ZRTP_ZID_LEN],
			    const guint8 new_rs1[CF_ZRTP_HASH_LEN],
			    gboolean clear_verified,
			    GError **error)
{
	StoreData data = { peer_zid, new_rs1, clear_verified };
	char hex[2 * CF_ZRTP_ZID_LEN + 1];

	g_return_val_if_fail (CF_IS_ZRTP_CACHE (self), FALSE);
	g_return_val_if_fail (peer_zid != NULL, FALSE);
	g_return_val_if_fail (new_rs1 != NULL, FALSE);

	if (!cf_state_db_transaction (self->db, store_secret_func, &data, error)) {
		g_prefix_error_literal (error, "ZRTP cache: storing a retained secret: ");
		return FALSE;
	}
	zid_to_hex (peer_zid, hex);
	g_debug ("peer %s: new retained secret stored%s",
		 hex,
		 clear_verified ? ", verified flag cleared" : "");
	return TRUE;
}

typedef struct {
	const guint8 *peer_zid;
	gboolean verified;
} VerifiedData;

static gboolean
set_verified_func (CfStateDb *db, gpointer user_data, GError **error)
{
	VerifiedData *data = user_data;
	g_autoptr (CfStateDbStmt) stmt = cf_state_db_prepare (
		db, "UPDATE zrtp_cache SET verified = ?2, updated = ?3 WHERE zid = ?1", error);

	if (stmt == NULL
	    || !bind_blob (db, stmt, 1, data->peer_zid, CF_ZRTP_ZID_LEN, "binding the ZID", error)
	    || !cf_state_db_check (
		    db, sqlite3_bind_int (stmt, 2, data->verified ? 1 : 0), "binding the flag", error)
	    || !cf_state_db_check (
		    db, sqlite3_bind_int64 (stmt, 3, now_seconds ()), "binding the time", error)
	    || !cf_state_db_step (db, stmt, NULL, error))
		return FALSE;
	if (data->verified && sqlite3_changes (cf_state_db_get_handle (db)) == 0) {
		g_set_error_literal (error,
				     CF_ERROR,
				     CF_ERROR_NOT_FOUND,
				     "no retained secret is cached for this peer");
		return FALSE;
	}
	return TRUE;
}

gboolean
cf_zrtp_cache_set_verified (CfZrtpCache *self,
			    const guint8 peer_zid[CF_ZRTP_ZID_LEN],
			    gboolean verified,
			    GError **error)
{
	VerifiedData data = { peer_zid, verified };
	char hex[2 * CF_ZRTP_ZID_LEN + 1];

	g_return_val_if_fail (CF_IS_ZRTP_CACHE (self), FALSE);
	g_return_val_if_fail (peer_zid != NULL, FALSE);

	if (!cf_state_db_transaction (self->db, set_verified_func, &data, error)) {
		g_prefix_error_literal (error, "ZRTP cache: setting the verified flag: ");
		return FALSE;
	}
	zid_to_hex (peer_zid, hex);
	g_debug ("peer %s: %s", hex, verified ? "verified" : "not verified");
	return TRUE;
}

static gboolean
forget_func (CfStateDb *db, gpointer user_data, GError **error)
{
	const guint8 *peer_zid = user_data;
	g_autoptr (CfStateDbStmt) stmt = NULL;

	if (peer_zid == NULL)
		return cf_state_db_exec (db, "DELETE FROM zrtp_cache", error);
	stmt = cf_state_db_prepare (db, "DELETE FROM zrtp_cache WHERE zid = ?1", error);
	return stmt != NULL
	       && bind_blob (db, stmt, 1, peer_zid, CF_ZRTP_ZID_LEN, "binding the ZID", error)
	       && cf_state_db_step (db, stmt, NULL, error);
}

gboolean
cf_zrtp_cache_forget (CfZrtpCache *self, const guint8 *peer_zid, GError **error)
{
	char hex[2 * CF_ZRTP_ZID_LEN + 1];

	g_return_val_if_fail (CF_IS_ZRTP_CACHE (self), FALSE);

	if (!cf_state_db_transaction (self->db, forget_func, (gpointer)peer_zid, error)) {
		g_prefix_error_literal (error, "ZRTP cache: forgetting: ");
		return FALSE;
	}
	if (peer_zid != NULL) {
		zid_to_hex (peer_zid, hex);
		g_debug ("peer %s: forgotten", hex);
	} else {
		g_debug ("every peer forgotten");
	}
	return TRUE;
}
