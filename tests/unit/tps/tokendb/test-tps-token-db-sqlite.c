/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "tps-error.h"
#include "tps-token-db-sqlite.h"
#include "tps-token-db.h"

#define CUID_A "40906145C76224192D11"
#define CUID_B "40906145C76224192D22"
#define CUID_C "A0000000000000000001"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3, sqlite3_close)

/* A temporary directory holding one database file. */
typedef struct {
	gchar *dir;
	gchar *path;
} TmpDb;

static void
tmp_db_init(TmpDb *t)
{
	g_autoptr(GError) error = NULL;
	t->dir = g_dir_make_tmp("test-tps-tokendb-XXXXXX", &error);
	g_assert_no_error(error);
	t->path = g_build_filename(t->dir, "tokens.db", NULL);
}

static void
tmp_db_clear(TmpDb *t)
{
	const gchar *suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree gchar *p = g_strconcat(t->path, suffixes[i], NULL);
		g_unlink(p);
	}
	g_rmdir(t->dir);
	g_clear_pointer(&t->dir, g_free);
	g_clear_pointer(&t->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TmpDb, tmp_db_clear)

static TpsTokenDb *
open_memory(void)
{
	g_autoptr(GError) error = NULL;
	TpsTokenDb *db = tps_token_db_sqlite_new(":memory:", &error);
	g_assert_no_error(error);
	g_assert_nonnull(db);
	g_assert_cmpint(tps_token_db_sqlite_get_schema_version(TPS_TOKEN_DB_SQLITE(db)),
			==,
			TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION);
	return db;
}

static TpsTokenRecord *
make_token(const gchar *cuid, const gchar *user, TpsTokenStatus status)
{
	TpsTokenRecord *rec = tps_token_record_new();
	rec->cuid = g_strdup(cuid);
	rec->user_id = g_strdup(user);
	rec->status = status;
	rec->previous_status = status;
	rec->token_type = g_strdup("userKey");
	rec->applet_id = g_strdup("1.4.58768072");
	rec->key_info = g_strdup("0101");
	return rec;
}

static void
add_token(TpsTokenDb *db, const gchar *cuid, const gchar *user, TpsTokenStatus status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = make_token(cuid, user, status);
	g_assert_true(tps_token_db_add_token(db, rec, &error));
	g_assert_no_error(error);
}

static TpsCertRecord *
make_cert(const gchar *serial, const gchar *cuid, const gchar *key_type)
{
	const guint8 der[] = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x00, 0xff};
	TpsCertRecord *rec = tps_cert_record_new();
	rec->serial = g_strdup(serial);
	rec->cuid = g_strdup(cuid);
	rec->user_id = g_strdup("alice");
	rec->key_type = g_strdup(key_type);
	rec->status = g_strdup(TPS_CERT_STATUS_ACTIVE);
	rec->subject = g_strdup("UID=alice, O=Token Key User");
	rec->issuer = g_strdup("CN=ESC TPS Local CA");
	rec->not_before = 1700000000;
	rec->not_after = 1731536000;
	rec->der = g_bytes_new(der, sizeof(der));
	return rec;
}

/* ---------------------------------------------------------------------------------------- */

static void
test_token_crud(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(TpsTokenRecord) rec = make_token(CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	g_autoptr(TpsTokenRecord) got = NULL;
	g_autoptr(TpsTokenRecord) got2 = NULL;
	g_autoptr(GError) error = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	rec->reason = g_strdup("new card");
	rec->policy = g_strdup("PIN_RESET=YES");
	rec->previous_status = TPS_TOKEN_STATUS_FORMATTED;
	g_assert_true(tps_token_db_add_token(db, rec, &error));
	g_assert_no_error(error);

	/* lookup in any case */
	got = tps_token_db_get_token(db, "40906145c76224192d11", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(got->cuid, ==, CUID_A);
	g_assert_cmpstr(got->user_id, ==, "alice");
	g_assert_cmpint(got->status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpint(got->previous_status, ==, TPS_TOKEN_STATUS_FORMATTED);
	g_assert_cmpstr(got->reason, ==, "new card");
	g_assert_cmpstr(got->token_type, ==, "userKey");
	g_assert_cmpstr(got->applet_id, ==, "1.4.58768072");
	g_assert_cmpstr(got->key_info, ==, "0101");
	g_assert_cmpstr(got->policy, ==, "PIN_RESET=YES");
	g_assert_cmpint(got->created, >=, now);
	g_assert_cmpint(got->created, <=, now + 5);
	g_assert_cmpint(got->modified, ==, got->created);

	/* a CUID stored lowercase comes back uppercase */
	{
		g_autoptr(TpsTokenRecord) lower = make_token("a0000000000000000001", NULL,
							     TPS_TOKEN_STATUS_UNFORMATTED);
		g_autoptr(TpsTokenRecord) back = NULL;
		g_assert_true(tps_token_db_add_token(db, lower, &error));
		back = tps_token_db_get_token(db, CUID_C, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(back->cuid, ==, CUID_C);
		g_assert_null(back->user_id);
		g_assert_null(back->reason);
		g_assert_null(back->policy);
	}

	/* duplicate */
	g_assert_false(tps_token_db_add_token(db, rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_EXISTS);
	g_assert_nonnull(strstr(error->message, CUID_A));
	g_clear_error(&error);

	/* update: every field but created; modified = now */
	got->created = 1;
	got->modified = 2;
	g_free(got->user_id);
	got->user_id = NULL;
	got->status = TPS_TOKEN_STATUS_FORMATTED;
	got->previous_status = TPS_TOKEN_STATUS_ACTIVE;
	g_clear_pointer(&got->reason, g_free);
	g_free(got->key_info);
	got->key_info = g_strdup("0201");
	g_assert_true(tps_token_db_update_token(db, got, &error));
	g_assert_no_error(error);
	got2 = tps_token_db_get_token(db, CUID_A, &error);
	g_assert_no_error(error);
	g_assert_null(got2->user_id);
	g_assert_null(got2->reason);
	g_assert_cmpint(got2->status, ==, TPS_TOKEN_STATUS_FORMATTED);
	g_assert_cmpint(got2->previous_status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpstr(got2->key_info, ==, "0201");
	g_assert_cmpint(got2->created, >=, now);
	g_assert_cmpint(got2->modified, >=, now);

	/* delete */
	g_assert_true(tps_token_db_delete_token(db, CUID_A, &error));
	g_assert_no_error(error);
	g_assert_null(tps_token_db_get_token(db, CUID_A, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, CUID_A));
	g_clear_error(&error);
	g_assert_false(tps_token_db_delete_token(db, CUID_A, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(tps_token_db_update_token(db, got, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
}

static void
test_token_explicit_times(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(TpsTokenRecord) rec = make_token(CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	g_autoptr(TpsTokenRecord) got = NULL;
	g_autoptr(GError) error = NULL;
	rec->created = 1600000000;
	rec->modified = 1600000100;
	g_assert_true(tps_token_db_add_token(db, rec, &error));
	got = tps_token_db_get_token(db, CUID_A, &error);
	g_assert_no_error(error);
	g_assert_cmpint(got->created, ==, 1600000000);
	g_assert_cmpint(got->modified, ==, 1600000100);
}

static void
test_token_invalid(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(GError) error = NULL;
	const gchar *bad_cuids[] = {"", "123", "40906145C76224192D1Z", CUID_A "0", "' OR 1=1 --"};

	for (guint i = 0; i < G_N_ELEMENTS(bad_cuids); i++) {
		g_autoptr(TpsTokenRecord) rec = make_token(bad_cuids[i], NULL,
							   TPS_TOKEN_STATUS_FORMATTED);
		g_autoptr(TpsTokenRecord) got = NULL;
		g_autoptr(GPtrArray) certs = NULL;
		g_autoptr(GPtrArray) acts = NULL;
		g_assert_false(tps_token_db_add_token(db, rec, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
		got = tps_token_db_get_token(db, bad_cuids[i], &error);
		g_assert_null(got);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
		g_assert_false(tps_token_db_delete_token(db, bad_cuids[i], &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
		certs = tps_token_db_list_certs(db, bad_cuids[i], &error);
		g_assert_null(certs);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
		acts = tps_token_db_list_activity(db, bad_cuids[i], 0, &error);
		g_assert_null(acts);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	{
		g_autoptr(TpsTokenRecord) rec = make_token(CUID_A, NULL, TPS_TOKEN_STATUS_FORMATTED);
		rec->status = (TpsTokenStatus)5;
		g_assert_false(tps_token_db_add_token(db, rec, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	{
		g_autoptr(TpsTokenRecord) got = tps_token_db_get_token(db, NULL, &error);
		g_assert_null(got);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	{
		g_autoptr(GPtrArray) found = tps_token_db_find_tokens_by_user(db, NULL, &error);
		g_assert_null(found);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
}

static void
test_find_and_list(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) alice = NULL;
	g_autoptr(GPtrArray) nobody = NULL;
	g_autoptr(GPtrArray) all = NULL;

	add_token(db, CUID_C, "alice", TPS_TOKEN_STATUS_ACTIVE);
	add_token(db, CUID_B, "bob", TPS_TOKEN_STATUS_ACTIVE);
	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_SUSPENDED);
	add_token(db, "10000000000000000000", NULL, TPS_TOKEN_STATUS_UNFORMATTED);

	alice = tps_token_db_find_tokens_by_user(db, "alice", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(alice->len, ==, 2);
	g_assert_cmpstr(((TpsTokenRecord *)alice->pdata[0])->cuid, ==, CUID_A);
	g_assert_cmpstr(((TpsTokenRecord *)alice->pdata[1])->cuid, ==, CUID_C);
	g_assert_cmpint(((TpsTokenRecord *)alice->pdata[0])->status, ==, TPS_TOKEN_STATUS_SUSPENDED);
	nobody = tps_token_db_find_tokens_by_user(db, "mallory", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(nobody->len, ==, 0);
	all = tps_token_db_list_tokens(db, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 4);
	g_assert_cmpstr(((TpsTokenRecord *)all->pdata[0])->cuid, ==, "10000000000000000000");
}

static void
test_certs(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsCertRecord) sign = make_cert("1f", CUID_A, "signing");
	g_autoptr(TpsCertRecord) enc = make_cert("a", CUID_A, "encryption");
	g_autoptr(TpsCertRecord) other = make_cert("100", CUID_B, "signing");
	g_autoptr(TpsCertRecord) orphan = make_cert("200", CUID_C, "signing");
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(GPtrArray) list2 = NULL;
	g_autoptr(TpsCertRecord) got = NULL;
	TpsCertRecord *c;

	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	add_token(db, CUID_B, "bob", TPS_TOKEN_STATUS_ACTIVE);
	g_assert_true(tps_token_db_add_cert(db, sign, &error));
	g_assert_no_error(error);
	g_assert_true(tps_token_db_add_cert(db, enc, &error));
	g_assert_no_error(error);
	g_assert_true(tps_token_db_add_cert(db, other, &error));
	g_assert_no_error(error);

	/* no token */
	g_assert_false(tps_token_db_add_cert(db, orphan, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, CUID_C));
	g_clear_error(&error);
	/* duplicate serial */
	g_assert_false(tps_token_db_add_cert(db, enc, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_EXISTS);
	g_clear_error(&error);
	/* invalid record */
	g_free(orphan->serial);
	orphan->serial = g_strdup("0x200");
	g_assert_false(tps_token_db_add_cert(db, orphan, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);

	/* list in insertion order, all fields back */
	list = tps_token_db_list_certs(db, "40906145c76224192d11", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	c = list->pdata[0];
	g_assert_cmpstr(c->serial, ==, "1f");
	g_assert_cmpstr(c->cuid, ==, CUID_A);
	g_assert_cmpstr(c->user_id, ==, "alice");
	g_assert_cmpstr(c->key_type, ==, "signing");
	g_assert_cmpstr(c->status, ==, "active");
	g_assert_cmpstr(c->subject, ==, "UID=alice, O=Token Key User");
	g_assert_cmpstr(c->issuer, ==, "CN=ESC TPS Local CA");
	g_assert_cmpint(c->not_before, ==, 1700000000);
	g_assert_cmpint(c->not_after, ==, 1731536000);
	g_assert_true(g_bytes_equal(c->der, sign->der));
	g_assert_cmpstr(((TpsCertRecord *)list->pdata[1])->key_type, ==, "encryption");

	/* status changes, by serial in any form */
	g_assert_true(tps_token_db_set_cert_status(db, "0x001F", TPS_CERT_STATUS_REVOKED, &error));
	g_assert_no_error(error);
	got = tps_token_db_get_cert(db, "1F", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(got->status, ==, "revoked");
	g_assert_true(tps_token_db_set_cert_status(db, "1f", TPS_CERT_STATUS_ON_HOLD, &error));
	g_assert_false(tps_token_db_set_cert_status(db, "1f", "gone", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(tps_token_db_set_cert_status(db, "ffff", "revoked", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_null(tps_token_db_get_cert(db, "ffff", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_null(tps_token_db_get_cert(db, "xyz", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);

	/* delete the certificates of one token */
	g_assert_true(tps_token_db_delete_certs(db, CUID_A, &error));
	g_assert_no_error(error);
	list2 = tps_token_db_list_certs(db, CUID_A, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list2->len, ==, 0);
	g_assert_true(tps_token_db_delete_certs(db, CUID_A, &error)); /* none: fine */
	g_assert_no_error(error);
	{
		g_autoptr(GPtrArray) b = tps_token_db_list_certs(db, CUID_B, &error);
		g_assert_cmpuint(b->len, ==, 1);
	}
	/* deleting a token deletes its certificates */
	g_assert_true(tps_token_db_delete_token(db, CUID_B, &error));
	g_assert_no_error(error);
	g_assert_null(tps_token_db_get_cert(db, "100", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
}

static void
test_cert_no_der(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsCertRecord) a = make_cert("1", CUID_A, "signing");
	g_autoptr(TpsCertRecord) b = make_cert("2", CUID_A, "encryption");
	g_autoptr(TpsCertRecord) ga = NULL;
	g_autoptr(TpsCertRecord) gb = NULL;

	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	g_clear_pointer(&a->der, g_bytes_unref);
	g_bytes_unref(b->der);
	b->der = g_bytes_new(NULL, 0);
	g_assert_true(tps_token_db_add_cert(db, a, &error));
	g_assert_true(tps_token_db_add_cert(db, b, &error));
	g_assert_no_error(error);
	ga = tps_token_db_get_cert(db, "1", &error);
	gb = tps_token_db_get_cert(db, "2", &error);
	g_assert_no_error(error);
	g_assert_null(ga->der);
	g_assert_nonnull(gb->der);
	g_assert_cmpuint(g_bytes_get_size(gb->der), ==, 0);
}

static void
test_activity(void)
{
	const gchar *ops[] = {"add", "format", "enrollment", "recovery", "renewal", "pin_reset",
			      "token_status_change", "token_modify", "delete", "cert_revocation",
			      "cert_unrevocation", "key_changeover"};
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) last3 = NULL;
	g_autoptr(GPtrArray) for_b = NULL;

	/* every event name, with time, token, user, result and client address */
	for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
		g_autoptr(TpsActivity) act = tps_activity_new();
		act->time = 1700000000 + i;
		act->operation = g_strdup(ops[i]);
		act->cuid = g_strdup(i % 2 == 0 ? CUID_A : "40906145c76224192d22");
		act->user_id = g_strdup(i % 3 == 0 ? "alice" : "agent1");
		act->result = g_strdup(i % 4 == 3 ? "failure" : "success");
		act->client_address = g_strdup_printf("192.0.2.%u", i);
		act->message = g_strdup_printf("event %u", i);
		g_assert_true(tps_token_db_add_activity(db, act, &error));
		g_assert_no_error(error);
	}
	all = tps_token_db_list_activity(db, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, G_N_ELEMENTS(ops));
	/* newest first */
	for (guint i = 0; i < all->len; i++) {
		TpsActivity *a = all->pdata[i];
		guint n = G_N_ELEMENTS(ops) - 1 - i;
		g_autofree gchar *addr = g_strdup_printf("192.0.2.%u", n);
		g_autofree gchar *msg = g_strdup_printf("event %u", n);
		g_assert_cmpint(a->time, ==, 1700000000 + n);
		g_assert_cmpstr(a->operation, ==, ops[n]);
		g_assert_cmpstr(a->cuid, ==, n % 2 == 0 ? CUID_A : CUID_B);
		g_assert_cmpstr(a->user_id, ==, n % 3 == 0 ? "alice" : "agent1");
		g_assert_cmpstr(a->result, ==, n % 4 == 3 ? "failure" : "success");
		g_assert_cmpstr(a->client_address, ==, addr);
		g_assert_cmpstr(a->message, ==, msg);
	}
	last3 = tps_token_db_list_activity(db, NULL, 3, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(last3->len, ==, 3);
	g_assert_cmpstr(((TpsActivity *)last3->pdata[0])->operation, ==, "key_changeover");
	for_b = tps_token_db_list_activity(db, CUID_B, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(for_b->len, ==, G_N_ELEMENTS(ops) / 2);
	for (guint i = 0; i < for_b->len; i++)
		g_assert_cmpstr(((TpsActivity *)for_b->pdata[i])->cuid, ==, CUID_B);
	{
		g_autoptr(GPtrArray) b2 = tps_token_db_list_activity(db, CUID_B, 2, &error);
		g_assert_cmpuint(b2->len, ==, 2);
		g_assert_cmpstr(((TpsActivity *)b2->pdata[0])->operation, ==, "key_changeover");
		g_assert_cmpstr(((TpsActivity *)b2->pdata[1])->operation, ==, "cert_revocation");
	}
	{
		g_autoptr(GPtrArray) none = tps_token_db_list_activity(db, CUID_C, 0, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(none->len, ==, 0);
	}
}

static void
test_activity_now_and_invalid(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	TpsActivity *a;

	/* no token known (NULL CUID), time = now */
	g_assert_true(tps_token_db_log_activity(db, "enrollment", NULL, "bob", FALSE,
						 "2001:db8::1", "authentication failed", &error));
	g_assert_no_error(error);
	list = tps_token_db_list_activity(db, NULL, 0, &error);
	g_assert_cmpuint(list->len, ==, 1);
	a = list->pdata[0];
	g_assert_cmpint(a->time, >=, now);
	g_assert_cmpint(a->time, <=, now + 5);
	g_assert_null(a->cuid);
	g_assert_cmpstr(a->user_id, ==, "bob");
	g_assert_cmpstr(a->result, ==, "failure");
	g_assert_cmpstr(a->client_address, ==, "2001:db8::1");

	g_assert_false(tps_token_db_log_activity(db, "enroll", CUID_A, NULL, TRUE, NULL, NULL,
						  &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	{
		g_autoptr(TpsActivity) act = tps_activity_new();
		act->operation = g_strdup("format");
		act->result = g_strdup("maybe");
		g_assert_false(tps_token_db_add_activity(db, act, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* manual status changes */

static const guint8 manual_pairs[][2] = {
    {0, 1}, {0, 2}, {0, 3}, {0, 6}, {3, 2}, {3, 6}, {4, 1}, {4, 2}, {4, 3}, {4, 6}, {6, 7},
};

static gboolean
manual_listed(TpsTokenStatus from, TpsTokenStatus to)
{
	for (guint i = 0; i < G_N_ELEMENTS(manual_pairs); i++) {
		if (manual_pairs[i][0] == (guint8)from && manual_pairs[i][1] == (guint8)to)
			return TRUE;
	}
	return FALSE;
}

/* All 7 x 7 pairs through the database, each on a token of its own; a SUSPENDED token is
 * tried with both previous states (FORMATTED, ACTIVE). */
static void
test_change_status_all_pairs(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	guint n = 0;
	guint n_ok = 0;
	guint n_refused = 0;

	for (guint i = 0; i < TPS_TOKEN_STATUS_N_VALUES; i++) {
		for (guint j = 0; j < TPS_TOKEN_STATUS_N_VALUES; j++) {
			for (guint p = 0; p < 2; p++) {
				TpsTokenStatus from = tps_token_status_values[i];
				TpsTokenStatus to = tps_token_status_values[j];
				TpsTokenStatus prev = p == 0 ? TPS_TOKEN_STATUS_FORMATTED
							     : TPS_TOKEN_STATUS_ACTIVE;
				g_autofree gchar *cuid = g_strdup_printf("%020u", n++);
				g_autoptr(TpsTokenRecord) rec = make_token(cuid, "alice", from);
				g_autoptr(TpsTokenRecord) after = NULL;
				g_autoptr(GPtrArray) acts = NULL;
				g_autoptr(GError) error = NULL;
				TpsActivity *act;
				gboolean want = manual_listed(from, to);
				gboolean ok;

				if (from != TPS_TOKEN_STATUS_SUSPENDED && p == 1)
					continue;
				if (from == TPS_TOKEN_STATUS_SUSPENDED && to == prev)
					want = TRUE; /* the automatic 3:0 / 3:4 */
				rec->previous_status = prev;
				g_assert_true(tps_token_db_add_token(db, rec, &error));
				g_assert_no_error(error);

				ok = tps_token_db_change_status(db, manual, cuid, to, "test",
								"agent1", "198.51.100.9", &error);
				after = tps_token_db_get_token(db, cuid, NULL);
				acts = tps_token_db_list_activity(db, cuid, 0, NULL);
				g_assert_cmpuint(acts->len, ==, 1);
				act = acts->pdata[0];
				g_assert_cmpstr(act->operation, ==, "token_status_change");
				g_assert_cmpstr(act->user_id, ==, "agent1");
				g_assert_cmpstr(act->client_address, ==, "198.51.100.9");
				g_assert_cmpstr(act->cuid, ==, cuid);
				if (want) {
					g_assert_true(ok);
					g_assert_no_error(error);
					g_assert_cmpint(after->status, ==, to);
					g_assert_cmpint(after->previous_status, ==, from);
					g_assert_cmpstr(after->reason, ==, "test");
					g_assert_cmpstr(act->result, ==, "success");
					g_assert_nonnull(strstr(act->message,
								tps_token_status_to_string(to)));
					n_ok++;
				} else {
					g_autofree gchar *pair = g_strdup_printf("%d:%d", from, to);
					g_assert_false(ok);
					g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
					g_assert_nonnull(strstr(error->message, pair));
					g_assert_nonnull(strstr(error->message, cuid));
					g_assert_cmpint(after->status, ==, from);
					g_assert_cmpint(after->previous_status, ==, prev);
					g_assert_cmpstr(act->result, ==, "failure");
					g_assert_nonnull(strstr(act->message, pair));
					n_refused++;
				}
			}
		}
	}
	/* 11 manual pairs + 3:0 (previous FORMATTED) + 3:4 (previous ACTIVE); the 3:x pairs
	 * of the list are counted twice (two previous states) */
	g_assert_cmpuint(n_ok, ==, 11 + 2 + 2);
	g_assert_cmpuint(n_ok + n_refused, ==, 49 + 7);
}

/* ACTIVE -> SUSPENDED -> found again: back to ACTIVE only, then the previous is SUSPENDED. */
static void
test_change_status_suspend_and_return(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;
	g_autoptr(GPtrArray) acts = NULL;

	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	g_assert_true(tps_token_db_change_status(db, manual, CUID_A, TPS_TOKEN_STATUS_SUSPENDED,
						  "left on the train", "agent1", "10.0.0.1", &error));
	g_assert_no_error(error);
	rec = tps_token_db_get_token(db, CUID_A, &error);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_SUSPENDED);
	g_assert_cmpint(rec->previous_status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpstr(rec->reason, ==, "left on the train");
	g_clear_pointer(&rec, tps_token_record_free);

	/* found: it cannot become FORMATTED */
	g_assert_false(tps_token_db_change_status(db, manual, CUID_A, TPS_TOKEN_STATUS_FORMATTED,
						   NULL, "agent1", "10.0.0.1", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
	g_assert_nonnull(strstr(error->message, "3:0"));
	g_clear_error(&error);
	g_assert_true(tps_token_db_change_status(db, manual, CUID_A, TPS_TOKEN_STATUS_ACTIVE,
						  NULL, "agent1", "10.0.0.1", &error));
	g_assert_no_error(error);
	rec = tps_token_db_get_token(db, CUID_A, &error);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpint(rec->previous_status, ==, TPS_TOKEN_STATUS_SUSPENDED);
	g_assert_null(rec->reason);

	acts = tps_token_db_list_activity(db, CUID_A, 0, &error);
	g_assert_cmpuint(acts->len, ==, 3);
	g_assert_cmpstr(((TpsActivity *)acts->pdata[0])->result, ==, "success");
	g_assert_nonnull(strstr(((TpsActivity *)acts->pdata[0])->message, "has been found"));
	g_assert_cmpstr(((TpsActivity *)acts->pdata[1])->result, ==, "failure");
	g_assert_cmpstr(((TpsActivity *)acts->pdata[2])->result, ==, "success");
	g_assert_nonnull(strstr(((TpsActivity *)acts->pdata[2])->message, "left on the train"));
}

/* A configured list that removed a transition refuses it; one still there works. */
static void
test_change_status_configured_list(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(TpsTransitions) defaults = tps_transitions_new_default_manual();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTransitions) conf = tps_transitions_parse("4:3,3:6", defaults, &error);
	g_assert_no_error(error);

	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	g_assert_false(tps_token_db_change_status(db, conf, CUID_A, TPS_TOKEN_STATUS_TERMINATED,
						   NULL, "agent1", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
	g_clear_error(&error);
	g_assert_true(tps_token_db_change_status(db, conf, CUID_A, TPS_TOKEN_STATUS_SUSPENDED, NULL,
						  "agent1", NULL, &error));
	g_assert_no_error(error);
	/* 3:2 was removed as well, 3:6 kept; the automatic return is always there */
	g_assert_false(tps_token_db_change_status(db, conf, CUID_A, TPS_TOKEN_STATUS_PERM_LOST,
						   NULL, "agent1", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
	g_clear_error(&error);
	g_assert_true(tps_token_db_change_status(db, conf, CUID_A, TPS_TOKEN_STATUS_ACTIVE, NULL,
						  "agent1", NULL, &error));
	g_assert_no_error(error);
}

static void
test_change_status_missing_and_stale(void)
{
	g_autoptr(TpsTokenDb) db = open_memory();
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;
	TpsTokenDbInterface *iface = TPS_TOKEN_DB_GET_IFACE(db);

	g_assert_false(tps_token_db_change_status(db, manual, CUID_A, TPS_TOKEN_STATUS_DAMAGED,
						   NULL, "agent1", NULL, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* compare-and-set: a status that changed meanwhile is not overwritten */
	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	rec = tps_token_db_get_token(db, CUID_A, &error);
	rec->status = TPS_TOKEN_STATUS_DAMAGED;
	g_assert_false(iface->update_token_if_status(db, rec, TPS_TOKEN_STATUS_FORMATTED, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
	g_clear_error(&error);
	g_assert_true(iface->update_token_if_status(db, rec, TPS_TOKEN_STATUS_ACTIVE, &error));
	g_assert_no_error(error);
}

/* ---------------------------------------------------------------------------------------- */
/* files, migrations, damage */

static void
test_file_persistence_wal(void)
{
	g_auto(TmpDb) t = {NULL};
	g_autoptr(GError) error = NULL;
	tmp_db_init(&t);
	{
		g_autoptr(TpsTokenDb) db = tps_token_db_sqlite_new(t.path, &error);
		g_autoptr(TpsCertRecord) cert = make_cert("1234", CUID_A, "signing");
		g_assert_no_error(error);
		g_assert_cmpstr(tps_token_db_sqlite_get_path(TPS_TOKEN_DB_SQLITE(db)), ==, t.path);
		add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
		g_assert_true(tps_token_db_add_cert(db, cert, &error));
		g_assert_true(tps_token_db_log_activity(db, "enrollment", CUID_A, "alice", TRUE,
							 "127.0.0.1", NULL, &error));
		g_assert_no_error(error);
	}
	{
		g_autoptr(sqlite3) raw = NULL;
		sqlite3_stmt *stmt = NULL;
		g_assert_cmpint(sqlite3_open(t.path, &raw), ==, SQLITE_OK);
		g_assert_cmpint(sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &stmt, NULL), ==,
				SQLITE_OK);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
		g_assert_cmpstr((const gchar *)sqlite3_column_text(stmt, 0), ==, "wal");
		sqlite3_finalize(stmt);
		g_assert_cmpint(sqlite3_prepare_v2(raw, "SELECT version FROM schema_version", -1,
						   &stmt, NULL),
				==,
				SQLITE_OK);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
		g_assert_cmpint(sqlite3_column_int(stmt, 0), ==, TPS_TOKEN_DB_SQLITE_SCHEMA_VERSION);
		sqlite3_finalize(stmt);
	}
	{
		g_autoptr(TpsTokenDb) db = tps_token_db_sqlite_new(t.path, &error);
		g_autoptr(TpsTokenRecord) rec = NULL;
		g_autoptr(GPtrArray) certs = NULL;
		g_autoptr(GPtrArray) acts = NULL;
		g_assert_no_error(error);
		rec = tps_token_db_get_token(db, CUID_A, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(rec->user_id, ==, "alice");
		certs = tps_token_db_list_certs(db, CUID_A, &error);
		g_assert_cmpuint(certs->len, ==, 1);
		acts = tps_token_db_list_activity(db, CUID_A, 0, &error);
		g_assert_cmpuint(acts->len, ==, 1);
		g_assert_cmpstr(((TpsActivity *)acts->pdata[0])->client_address, ==, "127.0.0.1");
	}
}

static void
raw_exec(const gchar *path, const gchar *sql)
{
	g_autoptr(sqlite3) raw = NULL;
	gchar *err = NULL;
	g_assert_cmpint(sqlite3_open(path, &raw), ==, SQLITE_OK);
	if (sqlite3_exec(raw, sql, NULL, NULL, &err) != SQLITE_OK)
		g_error("raw SQL failed: %s", err);
}

/* The schema of version 1, frozen here as it was released. */
#define SCHEMA_V1                                                                                  \
	"CREATE TABLE schema_version (version INTEGER NOT NULL);"                                  \
	"INSERT INTO schema_version (version) VALUES (1);"                                         \
	"CREATE TABLE tokens (cuid TEXT PRIMARY KEY NOT NULL, user_id TEXT, status INTEGER NOT "   \
	"NULL, reason TEXT, token_type TEXT, applet_id TEXT, key_info TEXT, policy TEXT, created " \
	"INTEGER NOT NULL, modified INTEGER NOT NULL);"                                            \
	"CREATE TABLE certs (serial TEXT PRIMARY KEY NOT NULL, cuid TEXT NOT NULL, user_id TEXT, " \
	"key_type TEXT, status TEXT NOT NULL, subject TEXT, issuer TEXT, not_before INTEGER NOT "  \
	"NULL, not_after INTEGER NOT NULL, der BLOB);"                                             \
	"CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, "     \
	"operation TEXT NOT NULL, cuid TEXT, user_id TEXT, result TEXT NOT NULL, message TEXT);"

static void
test_migrate_v1(void)
{
	g_auto(TmpDb) t = {NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	g_autoptr(TpsTokenRecord) active = NULL;
	g_autoptr(TpsTokenRecord) susp_owned = NULL;
	g_autoptr(TpsTokenRecord) susp_free = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autoptr(GPtrArray) acts = NULL;
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();

	tmp_db_init(&t);
	raw_exec(t.path,
		 SCHEMA_V1
		 "INSERT INTO tokens VALUES ('" CUID_A "', 'alice', 4, NULL, 'userKey', "
		 "'1.4.58768072', '0101', 'PIN_RESET=YES', 1600000000, 1600000100);"
		 "INSERT INTO tokens VALUES ('" CUID_B "', 'bob', 3, 'lost', 'userKey', NULL, NULL, "
		 "NULL, 1600000000, 1600000200);"
		 "INSERT INTO tokens VALUES ('" CUID_C "', NULL, 3, NULL, NULL, NULL, NULL, NULL, "
		 "1600000000, 1600000300);"
		 "INSERT INTO certs VALUES ('1f', '" CUID_A "', 'alice', 'signing', 'active', "
		 "'UID=alice', 'CN=CA', 1600000000, 1700000000, x'3003020101');"
		 "INSERT INTO activity (time, operation, cuid, user_id, result, message) VALUES "
		 "(1600000100, 'enrollment', '" CUID_A "', 'alice', 'success', 'old entry');");

	db = tps_token_db_sqlite_new(t.path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tps_token_db_sqlite_get_schema_version(TPS_TOKEN_DB_SQLITE(db)), ==, 3);

	active = tps_token_db_get_token(db, CUID_A, &error);
	g_assert_no_error(error);
	g_assert_cmpint(active->status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpint(active->previous_status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpstr(active->policy, ==, "PIN_RESET=YES");
	g_assert_cmpint(active->created, ==, 1600000000);
	g_assert_cmpint(active->modified, ==, 1600000100);
	/* SUSPENDED tokens of v1 return to ACTIVE when owned, FORMATTED otherwise */
	susp_owned = tps_token_db_get_token(db, CUID_B, &error);
	g_assert_cmpint(susp_owned->status, ==, TPS_TOKEN_STATUS_SUSPENDED);
	g_assert_cmpint(susp_owned->previous_status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpstr(susp_owned->reason, ==, "lost");
	susp_free = tps_token_db_get_token(db, CUID_C, &error);
	g_assert_cmpint(susp_free->previous_status, ==, TPS_TOKEN_STATUS_FORMATTED);

	certs = tps_token_db_list_certs(db, CUID_A, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(certs->len, ==, 1);
	g_assert_cmpuint(g_bytes_get_size(((TpsCertRecord *)certs->pdata[0])->der), ==, 5);
	acts = tps_token_db_list_activity(db, NULL, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(acts->len, ==, 1);
	g_assert_null(((TpsActivity *)acts->pdata[0])->client_address);
	g_assert_cmpstr(((TpsActivity *)acts->pdata[0])->message, ==, "old entry");

	/* the migrated database works: the found token goes back to ACTIVE */
	g_assert_true(tps_token_db_change_status(db, manual, CUID_B, TPS_TOKEN_STATUS_ACTIVE, NULL,
						  "agent1", "10.1.1.1", &error));
	g_assert_no_error(error);
	g_clear_object(&db);

	/* the stored version and the indexes of v3 */
	{
		g_autoptr(sqlite3) raw = NULL;
		sqlite3_stmt *stmt = NULL;
		g_assert_cmpint(sqlite3_open(t.path, &raw), ==, SQLITE_OK);
		g_assert_cmpint(sqlite3_prepare_v2(raw,
						   "SELECT (SELECT version FROM schema_version), "
						   "(SELECT count(*) FROM sqlite_master WHERE type = "
						   "'index' AND name IN ('tokens_user_id', "
						   "'certs_cuid', 'activity_cuid'))",
						   -1, &stmt, NULL),
				==,
				SQLITE_OK);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
		g_assert_cmpint(sqlite3_column_int(stmt, 0), ==, 3);
		g_assert_cmpint(sqlite3_column_int(stmt, 1), ==, 3);
		sqlite3_finalize(stmt);
	}
	/* opening again does not migrate twice */
	db = tps_token_db_sqlite_new(t.path, &error);
	g_assert_no_error(error);
}

static void
expect_open_fails(const gchar *path, const gchar *fragment)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenDb) db = tps_token_db_sqlite_new(path, &error);
	g_assert_null(db);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	if (g_test_verbose())
		g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, path));
	if (fragment != NULL)
		g_assert_nonnull(strstr(error->message, fragment));
}

static void
test_newer_schema(void)
{
	g_auto(TmpDb) t = {NULL};
	tmp_db_init(&t);
	raw_exec(t.path, SCHEMA_V1 "UPDATE schema_version SET version = 42;");
	expect_open_fails(t.path, "newer");
}

static void
test_not_a_token_db(void)
{
	g_auto(TmpDb) t = {NULL};
	tmp_db_init(&t);
	raw_exec(t.path, "CREATE TABLE photos (id INTEGER);");
	expect_open_fails(t.path, "not a token database");
}

static void
test_bad_schema_version_table(void)
{
	g_auto(TmpDb) t = {NULL};
	tmp_db_init(&t);
	raw_exec(t.path, SCHEMA_V1 "INSERT INTO schema_version VALUES (2);");
	expect_open_fails(t.path, "damaged");
	tmp_db_clear(&t);
	tmp_db_init(&t);
	raw_exec(t.path, SCHEMA_V1 "DELETE FROM schema_version;");
	expect_open_fails(t.path, "damaged");
	tmp_db_clear(&t);
	tmp_db_init(&t);
	raw_exec(t.path, SCHEMA_V1 "UPDATE schema_version SET version = 'x';");
	expect_open_fails(t.path, "damaged");
}

static void
test_damaged_file(void)
{
	g_auto(TmpDb) t = {NULL};
	g_autoptr(GError) error = NULL;
	guint8 junk[4096];

	/* random bytes */
	tmp_db_init(&t);
	for (guint i = 0; i < sizeof(junk); i++)
		junk[i] = (guint8)g_test_rand_int_range(0, 256);
	g_assert_true(g_file_set_contents(t.path, (const gchar *)junk, sizeof(junk), &error));
	expect_open_fails(t.path, "damaged or not a database");
	tmp_db_clear(&t);

	/* a real token database whose schema page was overwritten */
	tmp_db_init(&t);
	{
		g_autoptr(TpsTokenDb) db = tps_token_db_sqlite_new(t.path, &error);
		g_assert_no_error(error);
		add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	}
	{
		gchar *contents = NULL;
		gsize len = 0;
		g_assert_true(g_file_get_contents(t.path, &contents, &len, &error));
		g_assert_cmpuint(len, >=, 4096);
		for (gsize i = 100; i < 4096; i++)
			contents[i] = (gchar)0xA5;
		g_assert_true(g_file_set_contents(t.path, contents, (gssize)len, &error));
		g_free(contents);
	}
	expect_open_fails(t.path, "damaged");
	tmp_db_clear(&t);

	/* a truncated header */
	tmp_db_init(&t);
	g_assert_true(g_file_set_contents(t.path, "SQLite format 3", -1, &error));
	expect_open_fails(t.path, NULL);
}

/* A stored status that is not a token status reads as a damaged database. */
static void
test_damaged_row(void)
{
	g_auto(TmpDb) t = {NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;
	g_autoptr(GPtrArray) all = NULL;

	tmp_db_init(&t);
	db = tps_token_db_sqlite_new(t.path, &error);
	g_assert_no_error(error);
	add_token(db, CUID_A, "alice", TPS_TOKEN_STATUS_ACTIVE);
	raw_exec(t.path, "UPDATE tokens SET status = 5");
	rec = tps_token_db_get_token(db, CUID_A, &error);
	g_assert_null(rec);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "damaged"));
	g_assert_nonnull(strstr(error->message, CUID_A));
	g_clear_error(&error);
	all = tps_token_db_list_tokens(db, &error);
	g_assert_null(all);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
}

static void
test_open_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenDb) db = tps_token_db_sqlite_new("", &error);
	g_assert_null(db);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	expect_open_fails("/nonexistent-dir-for-tps-test/sub/tokens.db", "cannot open");
}

/* ---------------------------------------------------------------------------------------- */

typedef struct {
	TpsTokenDb *db;
	guint thread;
} ThreadArgs;

#define N_THREADS 8
#define N_PER_THREAD 40

static gpointer
thread_worker(gpointer data)
{
	ThreadArgs *args = data;
	for (guint i = 0; i < N_PER_THREAD; i++) {
		g_autofree gchar *cuid = g_strdup_printf("%010u%010u", args->thread, i);
		g_autoptr(TpsTokenRecord) rec = make_token(cuid, "alice", TPS_TOKEN_STATUS_FORMATTED);
		g_autoptr(TpsTokenRecord) back = NULL;
		g_autoptr(GError) error = NULL;
		if (!tps_token_db_add_token(args->db, rec, &error))
			return g_strdup(error->message);
		if (!tps_token_db_log_activity(args->db, "add", cuid, "agent", TRUE, "::1", NULL,
					       &error))
			return g_strdup(error->message);
		back = tps_token_db_get_token(args->db, cuid, &error);
		if (back == NULL)
			return g_strdup(error->message);
	}
	return NULL;
}

static void
test_threads(void)
{
	g_auto(TmpDb) t = {NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenDb) db = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) acts = NULL;
	GThread *threads[N_THREADS];
	ThreadArgs args[N_THREADS];

	tmp_db_init(&t);
	db = tps_token_db_sqlite_new(t.path, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < N_THREADS; i++) {
		args[i].db = db;
		args[i].thread = i;
		threads[i] = g_thread_new("tokendb-test", thread_worker, &args[i]);
	}
	for (guint i = 0; i < N_THREADS; i++) {
		g_autofree gchar *msg = g_thread_join(threads[i]);
		g_assert_cmpstr(msg, ==, NULL);
	}
	all = tps_token_db_find_tokens_by_user(db, "alice", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, N_THREADS * N_PER_THREAD);
	acts = tps_token_db_list_activity(db, NULL, 0, &error);
	g_assert_cmpuint(acts->len, ==, N_THREADS * N_PER_THREAD);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/token-db-sqlite/token/crud", test_token_crud);
	g_test_add_func("/tps/token-db-sqlite/token/explicit-times", test_token_explicit_times);
	g_test_add_func("/tps/token-db-sqlite/token/invalid", test_token_invalid);
	g_test_add_func("/tps/token-db-sqlite/token/find-and-list", test_find_and_list);
	g_test_add_func("/tps/token-db-sqlite/cert/crud", test_certs);
	g_test_add_func("/tps/token-db-sqlite/cert/no-der", test_cert_no_der);
	g_test_add_func("/tps/token-db-sqlite/activity/events", test_activity);
	g_test_add_func("/tps/token-db-sqlite/activity/now-and-invalid",
			test_activity_now_and_invalid);
	g_test_add_func("/tps/token-db-sqlite/change-status/all-pairs",
			test_change_status_all_pairs);
	g_test_add_func("/tps/token-db-sqlite/change-status/suspend-and-return",
			test_change_status_suspend_and_return);
	g_test_add_func("/tps/token-db-sqlite/change-status/configured-list",
			test_change_status_configured_list);
	g_test_add_func("/tps/token-db-sqlite/change-status/missing-and-stale",
			test_change_status_missing_and_stale);
	g_test_add_func("/tps/token-db-sqlite/file/persistence-wal", test_file_persistence_wal);
	g_test_add_func("/tps/token-db-sqlite/migrate/v1", test_migrate_v1);
	g_test_add_func("/tps/token-db-sqlite/migrate/newer", test_newer_schema);
	g_test_add_func("/tps/token-db-sqlite/damaged/not-a-token-db", test_not_a_token_db);
	g_test_add_func("/tps/token-db-sqlite/damaged/schema-version", test_bad_schema_version_table);
	g_test_add_func("/tps/token-db-sqlite/damaged/file", test_damaged_file);
	g_test_add_func("/tps/token-db-sqlite/damaged/row", test_damaged_row);
	g_test_add_func("/tps/token-db-sqlite/open-errors", test_open_errors);
	g_test_add_func("/tps/token-db-sqlite/threads", test_threads);
	return g_test_run();
}
