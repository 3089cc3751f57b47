/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "cf-state-db.h"
#include "cf-zrtp-engine.h"

G_BEGIN_DECLS

/* ZRTP key continuity (DESIGN.md §3, RFC 6189 §4.6.1, §4.9), in the state
 * database (schema version 2):
 *   - this installation's ZID: 12 random bytes (libsodium randombytes_buf),
 *     created on first use and kept for the life of the database;
 *   - per peer ZID: the retained secrets rs1 and rs2 (32 bytes each, either
 *     may be absent), our SAS-verified flag for that peer, and the times the
 *     row was created and last updated.
 *
 * Every write is one transaction: when a function returns TRUE the change is
 * on disk (the state database syncs each commit). Secrets are copied into the
 * caller's memory, temporaries are wiped with sodium_memzero, and nothing
 * here logs a secret (ZIDs appear in hex at debug level only). Deleted rows
 * are overwritten with zeros in the file (secure_delete).
 *
 * Main thread only, like the state database. */
#define CF_TYPE_ZRTP_CACHE (cf_zrtp_cache_get_type ())
G_DECLARE_FINAL_TYPE (CfZrtpCache, cf_zrtp_cache, CF, ZRTP_CACHE, GObject)

/* @db: (transfer none): an open state database; the cache keeps a
 * reference to it.
 * Returns: (transfer full) */
CfZrtpCache *cf_zrtp_cache_new (CfStateDb *db);

/* This installation's ZID, created (and committed) on first use.
 * @ret_zid is untouched on failure. */
gboolean cf_zrtp_cache_get_local_zid (CfZrtpCache *self,
				      guint8 ret_zid[CF_ZRTP_ZID_LEN],
				      GError **error);

/* What the cache holds for @peer_zid: @ret is cleared, then filled (known =
 * FALSE for a peer never seen). @ret is untouched on failure. Suitable for a
 * CfZrtpLookupFunc through cf_zrtp_cache_lookup_func(). */
gboolean cf_zrtp_cache_lookup (CfZrtpCache *self,
			       const guint8 peer_zid[CF_ZRTP_ZID_LEN],
			       CfZrtpCachedSecrets *ret,
			       GError **error);

/* A CfZrtpLookupFunc for CfZrtpEngineConfig.lookup, with the CfZrtpCache as
 * @user_data (transfer none; it must outlive the engine). A database failure
 * is logged at debug level and leaves @ret as the engine gave it (zeroed:
 * an unknown peer). */
void cf_zrtp_cache_lookup_func (const guint8 peer_zid[CF_ZRTP_ZID_LEN],
				CfZrtpCachedSecrets *ret,
				gpointer user_data);

/* After a successful key agreement (RFC 6189 §4.6.1): in one transaction,
 * rs2 = the old rs1 (absent if there was none) and rs1 = @new_rs1; creates
 * the row for a new peer (not verified). @clear_verified also clears the
 * verified flag (a cache mismatch, DESIGN.md §3); otherwise it is kept. */
gboolean cf_zrtp_cache_store_secret (CfZrtpCache *self,
				     const guint8 peer_zid[CF_ZRTP_ZID_LEN],
				     const guint8 new_rs1[CF_ZRTP_HASH_LEN],
				     gboolean clear_verified,
				     GError **error);

/* Sets or clears our SAS-verified flag for @peer_zid. Setting it for a peer
 * not in the cache fails with CF_ERROR_NOT_FOUND (there is no secret for the
 * flag to vouch for); clearing it for such a peer does nothing and succeeds. */
gboolean cf_zrtp_cache_set_verified (CfZrtpCache *self,
				     const guint8 peer_zid[CF_ZRTP_ZID_LEN],
				     gboolean verified,
				     GError **error);

/* Deletes what is cached for @peer_zid, or for every peer when @peer_zid is
 * NULL ("lose the cache": the next call with them is a `new` peer, and the
 * peer sees a mismatch). The local ZID is kept. */
gboolean cf_zrtp_cache_forget (CfZrtpCache *self,
			       const guint8 *peer_zid,
			       GError **error);

G_END_DECLS
