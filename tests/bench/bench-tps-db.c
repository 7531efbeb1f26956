/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The token database at scale: a database made by the TPS's own code (schema and its
 * migrations), filled with generated token records in one transaction through one prepared
 * statement, then queried through TpsTokenDb exactly as the operations query it: tokens of a
 * user (ENROLL's one-active-token check), one token by CUID (every operation), and the manual
 * status change ACTIVE -> SUSPENDED (a compare-and-set update plus its activity record).
 */
#include "config.h"

#include <sqlite3.h>

#include <glib/gstdio.h>

#include "bench-tps.h"
#include "tps-token-db-sqlite.h"
#include "tps-token-db.h"
#include "tps-token-state.h"

#define BENCH_DB_TOKENS_PER_USER 2
#define BENCH_DB_APPLET		 "1.4.58768072"

void
bench_db_result_free(BenchDbResult *r)
{
	if (r == NULL)
		return;
	g_clear_pointer(&r->by_user_us, g_array_unref);
	g_clear_pointer(&r->by_cuid_us, g_array_unref);
	g_clear_pointer(&r->status_change_us, g_array_unref);
	g_free(r);
}

/* Token i: CUID 4090 6145 BD + i as 12 hex digits; user "user%07u" of i / 2. */
static void
bench_db_cuid(guint i, gchar out[21])
{
	g_snprintf(out, 21, "40906145BD%010X", i);
}

static void
bench_db_user(guint i, gchar out[16])
{
	g_snprintf(out, 16, "user%07u", i / BENCH_DB_TOKENS_PER_USER);
}

/* xorshift64*: a fixed, reproducible query order (not a secret) */
static guint64
bench_db_next(guint64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * G_GUINT64_CONSTANT(2685821657736338717);
}

static gboolean
bench_db_sqlite_failed(sqlite3 *db, gint rc, const gchar *what, GError **error)
{
	g_set_error(error,
		    G_IO_ERROR,
		    G_IO_ERROR_FAILED,
		    "%s: %s",
		    what,
		    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return FALSE;
}

static gboolean
bench_db_fill(const gchar *path, guint n, GError **error)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
	gboolean ok = TRUE;

	if (rc != SQLITE_OK) {
		bench_db_sqlite_failed(db, rc, "opening the database to fill it", error);
		sqlite3_close(db);
		return FALSE;
	}
	rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db,
					"INSERT INTO tokens (cuid, user_id, status, previous_status, reason, "
					"token_type, applet_id, key_info, policy, created, modified) "
					"VALUES (?1, ?2, ?3, ?4, NULL, 'userKey', '" BENCH_DB_APPLET "', '0101', NULL, ?5, ?5)",
					-1,
					&stmt,
					NULL);
	if (rc != SQLITE_OK)
		ok = bench_db_sqlite_failed(db, rc, "preparing the insert", error);
	for (guint i = 0; ok && i < n; i++) {
		gchar cuid[21];
		gchar user[16];
		/* mostly active tokens, a few formatted (no owner) */
		gboolean active = i % 10 != 9;

		bench_db_cuid(i, cuid);
		bench_db_user(i, user);
		sqlite3_bind_text(stmt, 1, cuid, -1, SQLITE_STATIC);
		if (active)
			sqlite3_bind_text(stmt, 2, user, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(stmt, 2);
		sqlite3_bind_int(stmt, 3, active ? TPS_TOKEN_STATUS_ACTIVE : TPS_TOKEN_STATUS_FORMATTED);
		sqlite3_bind_int(stmt, 4, TPS_TOKEN_STATUS_FORMATTED);
		sqlite3_bind_int64(stmt, 5, now);
		rc = sqlite3_step(stmt);
		if (rc != SQLITE_DONE)
			ok = bench_db_sqlite_failed(db, rc, "inserting a token", error);
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	if (ok) {
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			ok = bench_db_sqlite_failed(db, rc, "committing the tokens", error);
	} else {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return ok;
}

BenchDbResult *
bench_db_run(const gchar *path, guint n_records, guint n_queries, GError **error)
{
	g_autoptr(BenchDbResult) r = g_new0(BenchDbResult, 1);
	g_autoptr(TpsTokenDb) db = NULL;
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(GHashTable) changed = g_hash_table_new(g_direct_hash, g_direct_equal);
	guint64 state = G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
	gint64 start;
	GStatBuf st;

	r->n_records = n_records;
	r->by_user_us = g_array_new(FALSE, FALSE, sizeof(gdouble));
	r->by_cuid_us = g_array_new(FALSE, FALSE, sizeof(gdouble));
	r->status_change_us = g_array_new(FALSE, FALSE, sizeof(gdouble));
	if (n_records < BENCH_DB_TOKENS_PER_USER * 10) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "at least %d records", BENCH_DB_TOKENS_PER_USER * 10);
		return NULL;
	}

	/* the schema, by the TPS */
	db = tps_token_db_sqlite_new(path, error);
	if (db == NULL)
		return NULL;
	g_clear_object(&db);

	start = g_get_monotonic_time();
	if (!bench_db_fill(path, n_records, error))
		return NULL;
	r->load_seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;

	db = tps_token_db_sqlite_new(path, error);
	if (db == NULL)
		return NULL;
	for (guint q = 0; q < n_queries; q++) {
		/* an owned token (i % 10 != 9) and its user */
		guint i = (guint)(bench_db_next(&state) % n_records);
		gchar user[16];
		gchar cuid[21];
		g_autoptr(GPtrArray) tokens = NULL;
		g_autoptr(TpsTokenRecord) rec = NULL;
		gdouble us;

		if (i % 10 == 9)
			i--;
		bench_db_user(i, user);
		bench_db_cuid(i, cuid);

		start = g_get_monotonic_time();
		tokens = tps_token_db_find_tokens_by_user(db, user, error);
		us = (gdouble)(g_get_monotonic_time() - start);
		if (tokens == NULL)
			return NULL;
		if (tokens->len == 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no token of %s found", user);
			return NULL;
		}
		g_array_append_val(r->by_user_us, us);

		start = g_get_monotonic_time();
		rec = tps_token_db_get_token(db, cuid, error);
		us = (gdouble)(g_get_monotonic_time() - start);
		if (rec == NULL)
			return NULL;
		g_array_append_val(r->by_cuid_us, us);

		/* each token changes once (ACTIVE -> SUSPENDED) */
		if (rec->status != TPS_TOKEN_STATUS_ACTIVE || g_hash_table_contains(changed, GUINT_TO_POINTER(i)))
			continue;
		g_hash_table_add(changed, GUINT_TO_POINTER(i));
		start = g_get_monotonic_time();
		if (!tps_token_db_change_status(db, manual, cuid, TPS_TOKEN_STATUS_SUSPENDED, "bench", "bench-admin", "127.0.0.1", error))
			return NULL;
		us = (gdouble)(g_get_monotonic_time() - start);
		g_array_append_val(r->status_change_us, us);
	}
	g_clear_object(&db);
	r->file_bytes = g_stat(path, &st) == 0 ? (gint64)st.st_size : -1;
	return g_steal_pointer(&r);
}
