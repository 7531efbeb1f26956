/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsTokenDbSqlite: the default token database, one SQLite file (WAL) with a versioned schema
 * migrated at open. One connection behind a mutex; prepared statements.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tps-token-db.h"

G_BEGIN_DECLS

/* Schema versions (table schema_version):
 *   1  tokens, certs, activity
 *   2  tokens.previous_status (the state a SUSPENDED token returns to), activity.client_address
 *   3  indexes on tokens.user_id, certs.cuid, activity.cuid */
#define TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION 3

#define TPS_TYPE_TOKEN_DB_SQLITE (tps_token_db_sqlite_get_type())
G_DECLARE_FINAL_TYPE(TpsTokenDbSqlite, tps_token_db_sqlite, TPS, TOKEN_DB_SQLITE, GObject)

/* Opens or creates the database at @path (":memory:" for a private in-memory one) and migrates
 * it to the current schema. A file that is not a token database, is damaged, or comes from a
 * newer version fails with TPS_ERROR_BACKEND naming the file. */
TpsTokenDb *
tps_token_db_sqlite_new(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The schema version of the open database (TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION after open). */
gint
tps_token_db_sqlite_get_schema_version(TpsTokenDbSqlite *self) TOK_NONNULL(1);
const gchar *
tps_token_db_sqlite_get_path(TpsTokenDbSqlite *self) TOK_NONNULL(1);

G_END_DECLS
