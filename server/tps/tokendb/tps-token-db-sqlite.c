/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sqlite3.h>

#include "tps-error.h"
#include "tps-token-db-sqlite.h"

/* Prepared statements, prepared once on first use and reset after each. */
typedef enum {
	STMT_GET_TOKEN,
	STMT_ADD_TOKEN,
	STMT_UPDATE_TOKEN,
	STMT_UPDATE_TOKEN_IF_STATUS,
	STMT_DELETE_TOKEN,
	STMT_FIND_TOKENS_BY_USER,
	STMT_LIST_TOKENS,
	STMT_ADD_CERT,
	STMT_GET_CERT,
	STMT_LIST_CERTS,
	STMT_SET_CERT_STATUS,
	STMT_DELETE_CERTS,
	STMT_ADD_ACTIVITY,
	STMT_LIST_ACTIVITY,
	STMT_LIST_ACTIVITY_CUID,
	STMT_N,
} TpsSqliteStmt;

#define TOKEN_COLUMNS                                                                              \
	"cuid, user_id, status, previous_status, reason, token_type, applet_id, key_info, policy, " \
	"created, modified"
#define CERT_COLUMNS                                                                               \
	"serial, cuid, user_id, key_type, status, subject, issuer, not_before, not_after, der"
#define ACTIVITY_COLUMNS "time, operation, cuid, user_id, result, client_address, message"

static const gchar *const tps_sqlite_stmt_sql[STMT_N] = {
    [STMT_GET_TOKEN] = "SELECT " TOKEN_COLUMNS " FROM tokens WHERE cuid = ?1",
    [STMT_ADD_TOKEN] = "INSERT INTO tokens (" TOKEN_COLUMNS
		       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [STMT_UPDATE_TOKEN] = "UPDATE tokens SET user_id = ?2, status = ?3, previous_status = ?4, "
			  "reason = ?5, token_type = ?6, applet_id = ?7, key_info = ?8, "
			  "policy = ?9, modified = ?10 WHERE cuid = ?1",
    [STMT_UPDATE_TOKEN_IF_STATUS] =
	"UPDATE tokens SET user_id = ?2, status = ?3, previous_status = ?4, "
	"reason = ?5, token_type = ?6, applet_id = ?7, key_info = ?8, "
	"policy = ?9, modified = ?10 WHERE cuid = ?1 AND status = ?11",
    [STMT_DELETE_TOKEN] = "DELETE FROM tokens WHERE cuid = ?1",
    [STMT_FIND_TOKENS_BY_USER] = "SELECT " TOKEN_COLUMNS
				 " FROM tokens WHERE user_id = ?1 ORDER BY cuid",
    [STMT_LIST_TOKENS] = "SELECT " TOKEN_COLUMNS " FROM tokens ORDER BY cuid",
    [STMT_ADD_CERT] = "INSERT INTO certs (" CERT_COLUMNS
		      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [STMT_GET_CERT] = "SELECT " CERT_COLUMNS " FROM certs WHERE serial = ?1",
    [STMT_LIST_CERTS] = "SELECT " CERT_COLUMNS " FROM certs WHERE cuid = ?1 ORDER BY rowid",
    [STMT_SET_CERT_STATUS] = "UPDATE certs SET status = ?2 WHERE serial = ?1",
    [STMT_DELETE_CERTS] = "DELETE FROM certs WHERE cuid = ?1",
    [STMT_ADD_ACTIVITY] = "INSERT INTO activity (" ACTIVITY_COLUMNS
			  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_LIST_ACTIVITY] = "SELECT " ACTIVITY_COLUMNS
			   " FROM activity ORDER BY time DESC, id DESC LIMIT ?1",
    [STMT_LIST_ACTIVITY_CUID] = "SELECT " ACTIVITY_COLUMNS " FROM activity WHERE cuid = ?1 "
				"ORDER BY time DESC, id DESC LIMIT ?2",
};

struct _TpsTokenDbSqlite {
	GObject parent_instance;
	GMutex mutex; /* guards everything below */
	sqlite3 *db;
	gchar *path;
	gint schema_version;
	sqlite3_stmt *stmts[STMT_N];
};

static void
tps_token_db_sqlite_iface_init(TpsTokenDbInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TpsTokenDbSqlite,
			tps_token_db_sqlite,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(TPS_TYPE_TOKEN_DB, tps_token_db_sqlite_iface_init))

/* A statement in use: reset and its bindings cleared when it goes out of scope. */
typedef struct {
	sqlite3_stmt *stmt;
} TpsSqliteStmtUse;

static void
tps_sqlite_stmt_use_clear(TpsSqliteStmtUse *use)
{
	if (use->stmt != NULL) {
		sqlite3_reset(use->stmt);
		sqlite3_clear_bindings(use->stmt);
		use->stmt = NULL;
	}
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TpsSqliteStmtUse, tps_sqlite_stmt_use_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

static gint64
tps_sqlite_now(void)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

static gboolean
tps_sqlite_code_is_damage(gint rc)
{
	gint primary = rc & 0xff;
	return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

/* The one place an SQLite failure becomes a GError. */
static void
tps_sqlite_set_error(TpsTokenDbSqlite *self, GError **error, gint rc, const gchar *what)
{
	const gchar *msg = self->db != NULL ? sqlite3_errmsg(self->db) : sqlite3_errstr(rc);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_EXISTS, "%s: already exists", what);
		return;
	}
	if (tps_sqlite_code_is_damage(rc)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "token database %s is damaged or not a database: %s: %s",
			    self->path,
			    what,
			    msg);
		return;
	}
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_BACKEND,
		    "token database %s: %s: %s",
		    self->path,
		    what,
		    msg);
}

static gboolean
tps_sqlite_exec(TpsTokenDbSqlite *self, const gchar *sql, const gchar *what, GError **error)
{
	gint rc = sqlite3_exec(self->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		tps_sqlite_set_error(self, error, rc, what);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_sqlite_stmt_get(TpsTokenDbSqlite *self,
		    TpsSqliteStmt which,
		    TpsSqliteStmtUse *use,
		    GError **error)
{
	if (self->stmts[which] == NULL) {
		gint rc = sqlite3_prepare_v3(self->db,
					     tps_sqlite_stmt_sql[which],
					     -1,
					     SQLITE_PREPARE_PERSISTENT,
					     &self->stmts[which],
					     NULL);
		if (rc != SQLITE_OK) {
			tps_sqlite_set_error(self, error, rc, "cannot prepare a statement");
			return FALSE;
		}
	}
	use->stmt = self->stmts[which];
	return TRUE;
}

static void
tps_sqlite_bind_text(sqlite3_stmt *stmt, gint idx, const gchar *value)
{
	if (value == NULL)
		sqlite3_bind_null(stmt, idx);
	else
		sqlite3_bind_text(stmt, idx, value, -1, SQLITE_TRANSIENT);
}

static gchar *
tps_sqlite_column_text(sqlite3_stmt *stmt, gint col)
{
	if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
		return NULL;
	return g_strdup((const gchar *)sqlite3_column_text(stmt, col));
}

/* Steps a statement that returns no row. */
static gboolean
tps_sqlite_step_done(TpsTokenDbSqlite *self, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
	gint rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		tps_sqlite_set_error(self, error, rc, what);
		return FALSE;
	}
	return TRUE;
}

/* ---------------------------------------------------------------------------------------- */
/* schema and migrations */

static gboolean
tps_sqlite_migrate_to_v1(TpsTokenDbSqlite *self, GError **error)
{
	return tps_sqlite_exec(self,
			       "CREATE TABLE schema_version (version INTEGER NOT NULL);"
			       "INSERT INTO schema_version (version) VALUES (0);"
			       "CREATE TABLE tokens ("
			       " cuid TEXT PRIMARY KEY NOT NULL,"
			       " user_id TEXT,"
			       " status INTEGER NOT NULL,"
			       " reason TEXT,"
			       " token_type TEXT,"
			       " applet_id TEXT,"
			       " key_info TEXT,"
			       " policy TEXT,"
			       " created INTEGER NOT NULL,"
			       " modified INTEGER NOT NULL);"
			       "CREATE TABLE certs ("
			       " serial TEXT PRIMARY KEY NOT NULL,"
			       " cuid TEXT NOT NULL,"
			       " user_id TEXT,"
			       " key_type TEXT,"
			       " status TEXT NOT NULL,"
			       " subject TEXT,"
			       " issuer TEXT,"
			       " not_before INTEGER NOT NULL,"
			       " not_after INTEGER NOT NULL,"
			       " der BLOB);"
			       "CREATE TABLE activity ("
			       " id INTEGER PRIMARY KEY AUTOINCREMENT,"
			       " time INTEGER NOT NULL,"
			       " operation TEXT NOT NULL,"
			       " cuid TEXT,"
			       " user_id TEXT,"
			       " result TEXT NOT NULL,"
			       " message TEXT);",
			       "cannot create schema version 1",
			       error);
}

static gboolean
tps_sqlite_migrate_to_v2(TpsTokenDbSqlite *self, GError **error)
{
	/* A SUSPENDED token of a v1 database has no recorded previous state: assume ACTIVE when
	 * it has an owner, FORMATTED otherwise (the only two ways into SUSPENDED). */
	return tps_sqlite_exec(self,
			       "ALTER TABLE tokens ADD COLUMN previous_status INTEGER NOT NULL "
			       "DEFAULT 7;"
			       "UPDATE tokens SET previous_status = CASE WHEN status = 3 THEN "
			       "(CASE WHEN user_id IS NULL THEN 0 ELSE 4 END) ELSE status END;"
			       "ALTER TABLE activity ADD COLUMN client_address TEXT;",
			       "cannot migrate to schema version 2",
			       error);
}

static gboolean
tps_sqlite_migrate_to_v3(TpsTokenDbSqlite *self, GError **error)
{
	return tps_sqlite_exec(self,
			       "CREATE INDEX tokens_user_id ON tokens (user_id);"
			       "CREATE INDEX certs_cuid ON certs (cuid);"
			       "CREATE INDEX activity_cuid ON activity (cuid, time);",
			       "cannot migrate to schema version 3",
			       error);
}

typedef gboolean (*TpsSqliteMigration)(TpsTokenDbSqlite *self, GError **error);

/* Index i migrates version i to i + 1. */
static const TpsSqliteMigration tps_sqlite_migrations[TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION] = {
    tps_sqlite_migrate_to_v1,
    tps_sqlite_migrate_to_v2,
    tps_sqlite_migrate_to_v3,
};

/* The stored schema version, 0 for an empty database. */
static gboolean
tps_sqlite_read_version(TpsTokenDbSqlite *self, gint *version, GError **error)
{
	g_autoptr(sqlite3_stmt) tables = NULL;
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint n_tables = 0;
	gint n_rows = 0;
	gboolean bad_type = FALSE;
	gint rc;

	rc = sqlite3_prepare_v2(self->db,
				"SELECT count(*), coalesce(sum(name = 'schema_version'), 0) "
				"FROM sqlite_master WHERE type = 'table'",
				-1,
				&tables,
				NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(tables);
	if (rc != SQLITE_ROW) {
		tps_sqlite_set_error(self, error, rc, "cannot read the schema");
		return FALSE;
	}
	n_tables = sqlite3_column_int(tables, 0);
	n_rows = sqlite3_column_int(tables, 1);
	if (n_tables == 0) {
		*version = 0;
		return TRUE;
	}
	if (n_rows == 0) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "%s is not a token database (it has tables but no schema_version)",
			    self->path);
		return FALSE;
	}

	rc = sqlite3_prepare_v2(self->db, "SELECT version FROM schema_version", -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		tps_sqlite_set_error(self, error, rc, "cannot read the schema version");
		return FALSE;
	}
	n_rows = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 0) != SQLITE_INTEGER)
			bad_type = TRUE;
		*version = sqlite3_column_int(stmt, 0);
		n_rows++;
	}
	if (rc != SQLITE_DONE) {
		tps_sqlite_set_error(self, error, rc, "cannot read the schema version");
		return FALSE;
	}
	if (n_rows != 1 || bad_type) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "token database %s is damaged: table schema_version must hold exactly "
			    "one integer",
			    self->path);
		return FALSE;
	}
	if (*version < 1) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "token database %s is damaged: schema version %d",
			    self->path,
			    *version);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_sqlite_migrate_one(TpsTokenDbSqlite *self, gint from, GError **error)
{
	g_autofree gchar *sql = NULL;
	if (!tps_sqlite_exec(self, "BEGIN IMMEDIATE", "cannot start a migration", error))
		return FALSE;
	sql = g_strdup_printf("UPDATE schema_version SET version = %d", from + 1);
	if (!tps_sqlite_migrations[from](self, error) ||
	    !tps_sqlite_exec(self, sql, "cannot store the schema version", error) ||
	    !tps_sqlite_exec(self, "COMMIT", "cannot commit a migration", error)) {
		sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
		g_prefix_error(error, "migration from schema version %d failed: ", from);
		return FALSE;
	}
	g_debug("token database %s migrated to schema version %d", self->path, from + 1);
	return TRUE;
}

static gboolean
tps_sqlite_create_or_migrate(TpsTokenDbSqlite *self, GError **error)
{
	gint version = 0;
	if (!tps_sqlite_read_version(self, &version, error))
		return FALSE;
	if (version > TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "token database %s has schema version %d, newer than this program's %d",
			    self->path,
			    version,
			    TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION);
		return FALSE;
	}
	for (gint v = version; v < TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION; v++) {
		if (!tps_sqlite_migrate_one(self, v, error))
			return FALSE;
	}
	self->schema_version = TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION;
	return TRUE;
}

static gboolean
tps_sqlite_open(TpsTokenDbSqlite *self, GError **error)
{
	gboolean memory = g_strcmp0(self->path, ":memory:") == 0;
	gint rc = sqlite3_open_v2(self->path,
				  &self->db,
				  SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				      SQLITE_OPEN_FULLMUTEX,
				  NULL);
	if (rc != SQLITE_OK) {
		tps_sqlite_set_error(self, error, rc, "cannot open");
		return FALSE;
	}
	sqlite3_extended_result_codes(self->db, 1);
	sqlite3_busy_timeout(self->db, 5000);
	/* the first statement reads the file header: a damaged file fails here */
	if (!memory && !tps_sqlite_exec(self,
					"PRAGMA journal_mode = WAL",
					"cannot read the file header (switching to WAL)",
					error))
		return FALSE;
	if (!tps_sqlite_exec(self,
			     "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON",
			     "cannot set options",
			     error))
		return FALSE;
	return tps_sqlite_create_or_migrate(self, error);
}

/* ---------------------------------------------------------------------------------------- */
/* rows */

static TpsTokenRecord *
tps_sqlite_token_from_row(TpsTokenDbSqlite *self, sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(TpsTokenRecord) rec = tps_token_record_new();
	gint status = sqlite3_column_int(stmt, 2);
	gint previous = sqlite3_column_int(stmt, 3);

	rec->cuid = tps_sqlite_column_text(stmt, 0);
	rec->user_id = tps_sqlite_column_text(stmt, 1);
	if (!tps_token_status_is_valid(status) || !tps_token_status_is_valid(previous)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "token database %s is damaged: token %s has status %d, previous status %d",
			    self->path,
			    rec->cuid != NULL ? rec->cuid : "(null)",
			    status,
			    previous);
		return NULL;
	}
	rec->status = (TpsTokenStatus)status;
	rec->previous_status = (TpsTokenStatus)previous;
	rec->reason = tps_sqlite_column_text(stmt, 4);
	rec->token_type = tps_sqlite_column_text(stmt, 5);
	rec->applet_id = tps_sqlite_column_text(stmt, 6);
	rec->key_info = tps_sqlite_column_text(stmt, 7);
	rec->policy = tps_sqlite_column_text(stmt, 8);
	rec->created = sqlite3_column_int64(stmt, 9);
	rec->modified = sqlite3_column_int64(stmt, 10);
	return g_steal_pointer(&rec);
}

static TpsCertRecord *
tps_sqlite_cert_from_row(sqlite3_stmt *stmt)
{
	TpsCertRecord *rec = tps_cert_record_new();
	rec->serial = tps_sqlite_column_text(stmt, 0);
	rec->cuid = tps_sqlite_column_text(stmt, 1);
	rec->user_id = tps_sqlite_column_text(stmt, 2);
	rec->key_type = tps_sqlite_column_text(stmt, 3);
	rec->status = tps_sqlite_column_text(stmt, 4);
	rec->subject = tps_sqlite_column_text(stmt, 5);
	rec->issuer = tps_sqlite_column_text(stmt, 6);
	rec->not_before = sqlite3_column_int64(stmt, 7);
	rec->not_after = sqlite3_column_int64(stmt, 8);
	if (sqlite3_column_type(stmt, 9) != SQLITE_NULL) {
		const void *blob = sqlite3_column_blob(stmt, 9);
		gint n = sqlite3_column_bytes(stmt, 9);
		rec->der = g_bytes_new(blob, n > 0 ? (gsize)n : 0);
	}
	return rec;
}

static TpsActivity *
tps_sqlite_activity_from_row(sqlite3_stmt *stmt)
{
	TpsActivity *act = tps_activity_new();
	act->time = sqlite3_column_int64(stmt, 0);
	act->operation = tps_sqlite_column_text(stmt, 1);
	act->cuid = tps_sqlite_column_text(stmt, 2);
	act->user_id = tps_sqlite_column_text(stmt, 3);
	act->result = tps_sqlite_column_text(stmt, 4);
	act->client_address = tps_sqlite_column_text(stmt, 5);
	act->message = tps_sqlite_column_text(stmt, 6);
	return act;
}

/* Runs a token query to the end. */
static GPtrArray *
tps_sqlite_collect_tokens(TpsTokenDbSqlite *self, sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)tps_token_record_free);
	gint rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		TpsTokenRecord *rec = tps_sqlite_token_from_row(self, stmt, error);
		if (rec == NULL)
			return NULL;
		g_ptr_array_add(out, rec);
	}
	if (rc != SQLITE_DONE) {
		tps_sqlite_set_error(self, error, rc, "cannot list tokens");
		return NULL;
	}
	return g_steal_pointer(&out);
}

static void
tps_sqlite_bind_token(sqlite3_stmt *stmt, const TpsTokenRecord *rec, const gchar *cuid)
{
	tps_sqlite_bind_text(stmt, 1, cuid);
	tps_sqlite_bind_text(stmt, 2, rec->user_id);
	sqlite3_bind_int(stmt, 3, (gint)rec->status);
	sqlite3_bind_int(stmt, 4, (gint)rec->previous_status);
	tps_sqlite_bind_text(stmt, 5, rec->reason);
	tps_sqlite_bind_text(stmt, 6, rec->token_type);
	tps_sqlite_bind_text(stmt, 7, rec->applet_id);
	tps_sqlite_bind_text(stmt, 8, rec->key_info);
	tps_sqlite_bind_text(stmt, 9, rec->policy);
}

/* ---------------------------------------------------------------------------------------- */
/* tokens */

static TpsTokenRecord *
tps_sqlite_get_token_locked(TpsTokenDbSqlite *self, const gchar *cuid_in, GError **error)
{
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *cuid = tps_cuid_normalize(cuid_in, error);
	gint rc;

	if (cuid == NULL)
		return NULL;
	if (!tps_sqlite_stmt_get(self, STMT_GET_TOKEN, &use, error))
		return NULL;
	tps_sqlite_bind_text(use.stmt, 1, cuid);
	rc = sqlite3_step(use.stmt);
	if (rc == SQLITE_DONE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND, "token %s not found", cuid);
		return NULL;
	}
	if (rc != SQLITE_ROW) {
		g_autofree gchar *what = g_strdup_printf("cannot read token %s", cuid);
		tps_sqlite_set_error(self, error, rc, what);
		return NULL;
	}
	return tps_sqlite_token_from_row(self, use.stmt, error);
}

static TpsTokenRecord *
tps_sqlite_get_token(TpsTokenDb *db, const gchar *cuid, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	return tps_sqlite_get_token_locked(self, cuid, error);
}

static gboolean
tps_sqlite_add_token(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *cuid = NULL;
	g_autofree gchar *what = NULL;
	gint64 created = rec->created != 0 ? rec->created : tps_sqlite_now();
	gint64 modified = rec->modified != 0 ? rec->modified : created;

	if (!tps_token_record_validate(rec, error))
		return FALSE;
	cuid = g_ascii_strup(rec->cuid, -1);
	if (!tps_sqlite_stmt_get(self, STMT_ADD_TOKEN, &use, error))
		return FALSE;
	tps_sqlite_bind_token(use.stmt, rec, cuid);
	sqlite3_bind_int64(use.stmt, 10, created);
	sqlite3_bind_int64(use.stmt, 11, modified);
	what = g_strdup_printf("cannot add token %s", cuid);
	return tps_sqlite_step_done(self, use.stmt, what, error);
}

/* Missing token → TPS_ERROR_NOT_FOUND; status changed meanwhile → TPS_ERROR_TRANSITION. */
static gboolean
tps_sqlite_update_token_common(TpsTokenDbSqlite *self,
			       const TpsTokenRecord *rec,
			       gboolean check_status,
			       TpsTokenStatus expected,
			       GError **error)
{
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *cuid = NULL;
	g_autofree gchar *what = NULL;
	g_autoptr(TpsTokenRecord) current = NULL;

	if (!tps_token_record_validate(rec, error))
		return FALSE;
	cuid = g_ascii_strup(rec->cuid, -1);
	if (!tps_sqlite_stmt_get(self,
				 check_status ? STMT_UPDATE_TOKEN_IF_STATUS : STMT_UPDATE_TOKEN,
				 &use,
				 error))
		return FALSE;
	tps_sqlite_bind_token(use.stmt, rec, cuid);
	sqlite3_bind_int64(use.stmt, 10, tps_sqlite_now());
	if (check_status)
		sqlite3_bind_int(use.stmt, 11, (gint)expected);
	what = g_strdup_printf("cannot update token %s", cuid);
	if (!tps_sqlite_step_done(self, use.stmt, what, error))
		return FALSE;
	if (sqlite3_changes(self->db) > 0)
		return TRUE;
	tps_sqlite_stmt_use_clear(&use);
	current = tps_sqlite_get_token_locked(self, cuid, error);
	if (current == NULL)
		return FALSE;
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_TRANSITION,
		    "token %s: status is %s now, not %s (changed meanwhile)",
		    cuid,
		    tps_token_status_to_string(current->status),
		    tps_token_status_to_string(expected));
	return FALSE;
}

static gboolean
tps_sqlite_update_token(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	return tps_sqlite_update_token_common(self, rec, FALSE, rec->status, error);
}

static gboolean
tps_sqlite_update_token_if_status(TpsTokenDb *db,
				  const TpsTokenRecord *rec,
				  TpsTokenStatus expected,
				  GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	return tps_sqlite_update_token_common(self, rec, TRUE, expected, error);
}

static gboolean
tps_sqlite_delete_certs_locked(TpsTokenDbSqlite *self, const gchar *cuid, GError **error)
{
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *what = NULL;
	if (!tps_sqlite_stmt_get(self, STMT_DELETE_CERTS, &use, error))
		return FALSE;
	tps_sqlite_bind_text(use.stmt, 1, cuid);
	what = g_strdup_printf("cannot delete the certificates of token %s", cuid);
	return tps_sqlite_step_done(self, use.stmt, what, error);
}

static gboolean
tps_sqlite_delete_token_in_transaction(TpsTokenDbSqlite *self, const gchar *cuid, GError **error)
{
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *what = NULL;

	if (!tps_sqlite_delete_certs_locked(self, cuid, error))
		return FALSE;
	if (!tps_sqlite_stmt_get(self, STMT_DELETE_TOKEN, &use, error))
		return FALSE;
	tps_sqlite_bind_text(use.stmt, 1, cuid);
	what = g_strdup_printf("cannot delete token %s", cuid);
	if (!tps_sqlite_step_done(self, use.stmt, what, error))
		return FALSE;
	if (sqlite3_changes(self->db) == 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND, "token %s not found", cuid);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_sqlite_delete_token(TpsTokenDb *db, const gchar *cuid_in, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_autofree gchar *cuid = tps_cuid_normalize(cuid_in, error);

	if (cuid == NULL)
		return FALSE;
	if (!tps_sqlite_exec(self, "BEGIN IMMEDIATE", "cannot start a transaction", error))
		return FALSE;
	if (!tps_sqlite_delete_token_in_transaction(self, cuid, error) ||
	    !tps_sqlite_exec(self, "COMMIT", "cannot commit", error)) {
		sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	return TRUE;
}

static GPtrArray *
tps_sqlite_find_tokens_by_user(TpsTokenDb *db, const gchar *user_id, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};

	if (user_id == NULL || user_id[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "no user id to look for");
		return NULL;
	}
	if (!tps_sqlite_stmt_get(self, STMT_FIND_TOKENS_BY_USER, &use, error))
		return NULL;
	tps_sqlite_bind_text(use.stmt, 1, user_id);
	return tps_sqlite_collect_tokens(self, use.stmt, error);
}

static GPtrArray *
tps_sqlite_list_tokens(TpsTokenDb *db, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};

	if (!tps_sqlite_stmt_get(self, STMT_LIST_TOKENS, &use, error))
		return NULL;
	return tps_sqlite_collect_tokens(self, use.stmt, error);
}

/* ---------------------------------------------------------------------------------------- */
/* certificates */

static gboolean
tps_sqlite_add_cert_in_transaction(TpsTokenDbSqlite *self,
				   const TpsCertRecord *rec,
				   const gchar *cuid,
				   GError **error)
{
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autoptr(TpsTokenRecord) token = NULL;
	g_autofree gchar *what = NULL;

	token = tps_sqlite_get_token_locked(self, cuid, error);
	if (token == NULL) {
		g_prefix_error(error, "cannot add certificate %s: ", rec->serial);
		return FALSE;
	}
	if (!tps_sqlite_stmt_get(self, STMT_ADD_CERT, &use, error))
		return FALSE;
	tps_sqlite_bind_text(use.stmt, 1, rec->serial);
	tps_sqlite_bind_text(use.stmt, 2, cuid);
	tps_sqlite_bind_text(use.stmt, 3, rec->user_id);
	tps_sqlite_bind_text(use.stmt, 4, rec->key_type);
	tps_sqlite_bind_text(use.stmt, 5, rec->status);
	tps_sqlite_bind_text(use.stmt, 6, rec->subject);
	tps_sqlite_bind_text(use.stmt, 7, rec->issuer);
	sqlite3_bind_int64(use.stmt, 8, rec->not_before);
	sqlite3_bind_int64(use.stmt, 9, rec->not_after);
	if (rec->der != NULL) {
		gsize n = 0;
		const guint8 *data = g_bytes_get_data(rec->der, &n);
		sqlite3_bind_blob64(use.stmt, 10, data != NULL ? (const void *)data : "", n, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(use.stmt, 10);
	}
	what = g_strdup_printf("cannot add certificate %s", rec->serial);
	return tps_sqlite_step_done(self, use.stmt, what, error);
}

static gboolean
tps_sqlite_add_cert(TpsTokenDb *db, const TpsCertRecord *rec, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_autofree gchar *cuid = NULL;

	if (!tps_cert_record_validate(rec, error))
		return FALSE;
	cuid = g_ascii_strup(rec->cuid, -1);
	if (!tps_sqlite_exec(self, "BEGIN IMMEDIATE", "cannot start a transaction", error))
		return FALSE;
	if (!tps_sqlite_add_cert_in_transaction(self, rec, cuid, error) ||
	    !tps_sqlite_exec(self, "COMMIT", "cannot commit", error)) {
		sqlite3_exec(self->db, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	return TRUE;
}

static TpsCertRecord *
tps_sqlite_get_cert(TpsTokenDb *db, const gchar *serial_in, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *serial = tps_cert_serial_normalize(serial_in, error);
	gint rc;

	if (serial == NULL)
		return NULL;
	if (!tps_sqlite_stmt_get(self, STMT_GET_CERT, &use, error))
		return NULL;
	tps_sqlite_bind_text(use.stmt, 1, serial);
	rc = sqlite3_step(use.stmt);
	if (rc == SQLITE_DONE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND, "certificate %s not found", serial);
		return NULL;
	}
	if (rc != SQLITE_ROW) {
		g_autofree gchar *what = g_strdup_printf("cannot read certificate %s", serial);
		tps_sqlite_set_error(self, error, rc, what);
		return NULL;
	}
	return tps_sqlite_cert_from_row(use.stmt);
}

static GPtrArray *
tps_sqlite_list_certs(TpsTokenDb *db, const gchar *cuid_in, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autoptr(GPtrArray) out = NULL;
	g_autofree gchar *cuid = tps_cuid_normalize(cuid_in, error);
	gint rc;

	if (cuid == NULL)
		return NULL;
	if (!tps_sqlite_stmt_get(self, STMT_LIST_CERTS, &use, error))
		return NULL;
	tps_sqlite_bind_text(use.stmt, 1, cuid);
	out = g_ptr_array_new_with_free_func((GDestroyNotify)tps_cert_record_free);
	while ((rc = sqlite3_step(use.stmt)) == SQLITE_ROW)
		g_ptr_array_add(out, tps_sqlite_cert_from_row(use.stmt));
	if (rc != SQLITE_DONE) {
		g_autofree gchar *what = g_strdup_printf("cannot list the certificates of %s", cuid);
		tps_sqlite_set_error(self, error, rc, what);
		return NULL;
	}
	return g_steal_pointer(&out);
}

static gboolean
tps_sqlite_set_cert_status(TpsTokenDb *db,
			   const gchar *serial_in,
			   const gchar *status,
			   GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *serial = tps_cert_serial_normalize(serial_in, error);
	g_autofree gchar *what = NULL;

	if (serial == NULL)
		return FALSE;
	if (!tps_cert_status_is_valid(status)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "certificate %s: status '%.32s' is not active, revoked or on-hold",
			    serial,
			    status != NULL ? status : "(none)");
		return FALSE;
	}
	if (!tps_sqlite_stmt_get(self, STMT_SET_CERT_STATUS, &use, error))
		return FALSE;
	tps_sqlite_bind_text(use.stmt, 1, serial);
	tps_sqlite_bind_text(use.stmt, 2, status);
	what = g_strdup_printf("cannot set the status of certificate %s", serial);
	if (!tps_sqlite_step_done(self, use.stmt, what, error))
		return FALSE;
	if (sqlite3_changes(self->db) == 0) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND, "certificate %s not found", serial);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_sqlite_delete_certs(TpsTokenDb *db, const gchar *cuid_in, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_autofree gchar *cuid = tps_cuid_normalize(cuid_in, error);
	if (cuid == NULL)
		return FALSE;
	return tps_sqlite_delete_certs_locked(self, cuid, error);
}

/* ---------------------------------------------------------------------------------------- */
/* activity */

static gboolean
tps_sqlite_add_activity(TpsTokenDb *db, const TpsActivity *act, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autofree gchar *cuid = NULL;

	if (!tps_activity_validate(act, error))
		return FALSE;
	if (act->cuid != NULL)
		cuid = g_ascii_strup(act->cuid, -1);
	if (!tps_sqlite_stmt_get(self, STMT_ADD_ACTIVITY, &use, error))
		return FALSE;
	sqlite3_bind_int64(use.stmt, 1, act->time != 0 ? act->time : tps_sqlite_now());
	tps_sqlite_bind_text(use.stmt, 2, act->operation);
	tps_sqlite_bind_text(use.stmt, 3, cuid);
	tps_sqlite_bind_text(use.stmt, 4, act->user_id);
	tps_sqlite_bind_text(use.stmt, 5, act->result);
	tps_sqlite_bind_text(use.stmt, 6, act->client_address);
	tps_sqlite_bind_text(use.stmt, 7, act->message);
	return tps_sqlite_step_done(self, use.stmt, "cannot record an activity", error);
}

static GPtrArray *
tps_sqlite_list_activity(TpsTokenDb *db, const gchar *cuid_in, guint limit, GError **error)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(db);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->mutex);
	g_auto(TpsSqliteStmtUse) use = {NULL};
	g_autoptr(GPtrArray) out = NULL;
	g_autofree gchar *cuid = NULL;
	gint64 sql_limit = limit == 0 ? -1 : (gint64)limit;
	gint rc;

	if (cuid_in != NULL) {
		cuid = tps_cuid_normalize(cuid_in, error);
		if (cuid == NULL)
			return NULL;
		if (!tps_sqlite_stmt_get(self, STMT_LIST_ACTIVITY_CUID, &use, error))
			return NULL;
		tps_sqlite_bind_text(use.stmt, 1, cuid);
		sqlite3_bind_int64(use.stmt, 2, sql_limit);
	} else {
		if (!tps_sqlite_stmt_get(self, STMT_LIST_ACTIVITY, &use, error))
			return NULL;
		sqlite3_bind_int64(use.stmt, 1, sql_limit);
	}
	out = g_ptr_array_new_with_free_func((GDestroyNotify)tps_activity_free);
	while ((rc = sqlite3_step(use.stmt)) == SQLITE_ROW)
		g_ptr_array_add(out, tps_sqlite_activity_from_row(use.stmt));
	if (rc != SQLITE_DONE) {
		tps_sqlite_set_error(self, error, rc, "cannot list the activity log");
		return NULL;
	}
	return g_steal_pointer(&out);
}

/* ---------------------------------------------------------------------------------------- */

static void
tps_token_db_sqlite_iface_init(TpsTokenDbInterface *iface)
{
	iface->get_token = tps_sqlite_get_token;
	iface->add_token = tps_sqlite_add_token;
	iface->update_token = tps_sqlite_update_token;
	iface->update_token_if_status = tps_sqlite_update_token_if_status;
	iface->delete_token = tps_sqlite_delete_token;
	iface->find_tokens_by_user = tps_sqlite_find_tokens_by_user;
	iface->list_tokens = tps_sqlite_list_tokens;
	iface->add_cert = tps_sqlite_add_cert;
	iface->get_cert = tps_sqlite_get_cert;
	iface->list_certs = tps_sqlite_list_certs;
	iface->set_cert_status = tps_sqlite_set_cert_status;
	iface->delete_certs = tps_sqlite_delete_certs;
	iface->add_activity = tps_sqlite_add_activity;
	iface->list_activity = tps_sqlite_list_activity;
}

static void
tps_token_db_sqlite_finalize(GObject *object)
{
	TpsTokenDbSqlite *self = TPS_TOKEN_DB_SQLITE(object);
	for (guint i = 0; i < STMT_N; i++)
		sqlite3_finalize(self->stmts[i]);
	if (self->db != NULL)
		sqlite3_close(self->db);
	g_free(self->path);
	g_mutex_clear(&self->mutex);
	G_OBJECT_CLASS(tps_token_db_sqlite_parent_class)->finalize(object);
}

static void
tps_token_db_sqlite_class_init(TpsTokenDbSqliteClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = tps_token_db_sqlite_finalize;
}

static void
tps_token_db_sqlite_init(TpsTokenDbSqlite *self)
{
	g_mutex_init(&self->mutex);
}

TpsTokenDb *
tps_token_db_sqlite_new(const gchar *path, GError **error)
{
	g_autoptr(TpsTokenDbSqlite) self = NULL;

	if (path == NULL || path[0] == '\0') {
		g_set_error_literal(error,
				    TPS_ERROR,
				    TPS_ERROR_INVALID,
				    "no token database path given");
		return NULL;
	}
	self = g_object_new(TPS_TYPE_TOKEN_DB_SQLITE, NULL);
	self->path = g_strdup(path);
	if (!tps_sqlite_open(self, error))
		return NULL;
	return TPS_TOKEN_DB(g_steal_pointer(&self));
}

gint
tps_token_db_sqlite_get_schema_version(TpsTokenDbSqlite *self)
{
	g_return_val_if_fail(TPS_IS_TOKEN_DB_SQLITE(self), 0);
	return self->schema_version;
}

const gchar *
tps_token_db_sqlite_get_path(TpsTokenDbSqlite *self)
{
	g_return_val_if_fail(TPS_IS_TOKEN_DB_SQLITE(self), NULL);
	return self->path;
}
