/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-error.h"
#include "tps-token-record.h"

static void
test_cuid(void)
{
	const gchar *bad[] = {"", "4090", "40906145C76224192D1", "40906145C76224192D1111",
			      "40906145C76224192D1G", "40906145C76224192D1 ", " 40906145C76224192D11",
			      "0x906145C76224192D11"};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *up = tps_cuid_normalize("40906145c76224192d11", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(up, ==, "40906145C76224192D11");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autofree gchar *c = tps_cuid_normalize(bad[i], &e);
		g_assert_null(c);
		g_assert_error(e, TPS_ERROR, TPS_ERROR_INVALID);
	}
	{
		g_autoptr(GError) e = NULL;
		g_autofree gchar *c = tps_cuid_normalize(NULL, &e);
		g_assert_null(c);
		g_assert_error(e, TPS_ERROR, TPS_ERROR_INVALID);
	}
}

static void
test_serial(void)
{
	const struct {
		const gchar *in, *out;
	} good[] = {{"1", "1"}, {"0", "0"}, {"000", "0"}, {"00AbC", "abc"}, {"0x0F", "f"},
		    {"0X10", "10"}};
	const gchar *bad[] = {"", "0x", "g", "12 3", "-1",
			      "11111111111111111111111111111111111111111111111111111111111111111"};
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *s = tps_cert_serial_normalize(good[i].in, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(s, ==, good[i].out);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *s = tps_cert_serial_normalize(bad[i], &error);
		g_assert_null(s);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	}
}

static void
test_token_record(void)
{
	g_autoptr(TpsTokenRecord) rec = tps_token_record_new();
	g_autoptr(TpsTokenRecord) copy = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_UNFORMATTED);
	g_assert_cmpint(rec->previous_status, ==, TPS_TOKEN_STATUS_UNFORMATTED);
	g_assert_false(tps_token_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);

	rec->cuid = g_strdup("40906145C76224192D11");
	rec->user_id = g_strdup("alice");
	rec->token_type = g_strdup("userKey");
	rec->policy = g_strdup("PIN_RESET=YES");
	rec->created = 1700000000;
	g_assert_true(tps_token_record_validate(rec, &error));
	g_assert_no_error(error);
	copy = tps_token_record_copy(rec);
	g_assert_cmpstr(copy->cuid, ==, rec->cuid);
	g_assert_true(copy->cuid != rec->cuid);
	g_assert_cmpstr(copy->user_id, ==, "alice");
	g_assert_cmpstr(copy->policy, ==, "PIN_RESET=YES");
	g_assert_null(copy->reason);
	g_assert_cmpint(copy->created, ==, 1700000000);

	rec->status = (TpsTokenStatus)5;
	g_assert_false(tps_token_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "40906145C76224192D11"));
	g_clear_error(&error);
	rec->status = TPS_TOKEN_STATUS_ACTIVE;
	rec->previous_status = (TpsTokenStatus)9;
	g_assert_false(tps_token_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	rec->previous_status = TPS_TOKEN_STATUS_FORMATTED;
	g_free(rec->reason);
	rec->reason = g_strnfill(5000, 'x');
	g_assert_false(tps_token_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "reason"));
	g_clear_error(&error);
	g_free(rec->reason);
	rec->reason = g_strdup("bad \xff utf-8");
	g_assert_false(tps_token_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
}

static void
test_cert_record(void)
{
	const guint8 der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	g_autoptr(TpsCertRecord) rec = tps_cert_record_new();
	g_autoptr(TpsCertRecord) copy = NULL;
	g_autoptr(GError) error = NULL;

	rec->serial = g_strdup("1a");
	rec->cuid = g_strdup("40906145C76224192D11");
	rec->status = g_strdup(TPS_CERT_STATUS_ACTIVE);
	rec->der = g_bytes_new(der, sizeof(der));
	g_assert_true(tps_cert_record_validate(rec, &error));
	g_assert_no_error(error);
	copy = tps_cert_record_copy(rec);
	g_assert_true(g_bytes_equal(copy->der, rec->der));
	g_assert_cmpstr(copy->serial, ==, "1a");

	g_assert_true(tps_cert_status_is_valid("active"));
	g_assert_true(tps_cert_status_is_valid("revoked"));
	g_assert_true(tps_cert_status_is_valid("on-hold"));
	g_assert_false(tps_cert_status_is_valid("ACTIVE"));
	g_assert_false(tps_cert_status_is_valid(NULL));

	/* serial not canonical */
	g_free(rec->serial);
	rec->serial = g_strdup("001A");
	g_assert_false(tps_cert_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "canonical"));
	g_clear_error(&error);
	g_free(rec->serial);
	rec->serial = g_strdup("1a");
	/* bad status */
	g_free(rec->status);
	rec->status = g_strdup("valid");
	g_assert_false(tps_cert_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_free(rec->status);
	rec->status = g_strdup("revoked");
	/* bad CUID */
	g_free(rec->cuid);
	rec->cuid = g_strdup("1234");
	g_assert_false(tps_cert_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_assert_nonnull(strstr(error->message, "certificate 1a"));
	g_clear_error(&error);
	g_free(rec->cuid);
	rec->cuid = g_strdup("40906145C76224192D11");
	/* oversized DER */
	g_bytes_unref(rec->der);
	rec->der = g_bytes_new_take(g_malloc0(70000), 70000);
	g_assert_false(tps_cert_record_validate(rec, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
}

static void
test_activity(void)
{
	const gchar *ops[] = {"add", "format", "enrollment", "recovery", "renewal", "pin_reset",
			      "token_status_change", "token_modify", "delete", "cert_revocation",
			      "cert_unrevocation", "key_changeover"};
	const gchar *bad_ops[] = {"", "ADD", "enroll", "cert_restoration ", "foo"};
	g_autoptr(TpsActivity) act = tps_activity_new();
	g_autoptr(TpsActivity) copy = NULL;
	g_autoptr(GError) error = NULL;

	act->result = g_strdup("success");
	act->client_address = g_strdup("192.0.2.7");
	for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
		g_assert_true(tps_activity_operation_is_valid(ops[i]));
		g_free(act->operation);
		act->operation = g_strdup(ops[i]);
		g_assert_true(tps_activity_validate(act, &error));
		g_assert_no_error(error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_ops); i++) {
		g_assert_false(tps_activity_operation_is_valid(bad_ops[i]));
		g_free(act->operation);
		act->operation = g_strdup(bad_ops[i]);
		g_assert_false(tps_activity_validate(act, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	g_free(act->operation);
	act->operation = g_strdup("format");
	g_free(act->result);
	act->result = g_strdup("ok");
	g_assert_false(tps_activity_validate(act, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_free(act->result);
	act->result = g_strdup("failure");
	act->cuid = g_strdup("nothex");
	g_assert_false(tps_activity_validate(act, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_free(act->cuid);
	act->cuid = g_strdup("40906145C76224192D11");
	act->message = g_strnfill(20000, 'm');
	g_assert_false(tps_activity_validate(act, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_free(act->message);
	act->message = g_strdup("done");
	g_assert_true(tps_activity_validate(act, &error));
	copy = tps_activity_copy(act);
	g_assert_cmpstr(copy->client_address, ==, "192.0.2.7");
	g_assert_cmpstr(copy->message, ==, "done");
	g_assert_cmpstr(copy->result, ==, "failure");
}

static void
test_boxed_types(void)
{
	g_autoptr(TpsTokenRecord) rec = tps_token_record_new();
	TpsTokenRecord *copy = NULL;
	g_assert_true(G_TYPE_IS_BOXED(TPS_TYPE_TOKEN_RECORD));
	g_assert_true(G_TYPE_IS_BOXED(TPS_TYPE_CERT_RECORD));
	g_assert_true(G_TYPE_IS_BOXED(TPS_TYPE_ACTIVITY));
	rec->cuid = g_strdup("40906145C76224192D11");
	copy = g_boxed_copy(TPS_TYPE_TOKEN_RECORD, rec);
	g_assert_cmpstr(copy->cuid, ==, rec->cuid);
	g_boxed_free(TPS_TYPE_TOKEN_RECORD, copy);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/token-record/cuid", test_cuid);
	g_test_add_func("/tps/token-record/serial", test_serial);
	g_test_add_func("/tps/token-record/token", test_token_record);
	g_test_add_func("/tps/token-record/cert", test_cert_record);
	g_test_add_func("/tps/token-record/activity", test_activity);
	g_test_add_func("/tps/token-record/boxed", test_boxed_types);
	return g_test_run();
}
