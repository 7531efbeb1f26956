/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-secret.h"
#include "tok-tps-message.h"

/* ---- helpers ---- */

static gchar *
frame(const gchar *body)
{
	return g_strdup_printf("s=%" G_GSIZE_FORMAT "&%s", strlen(body), body);
}

static GBytes *
frame_bytes(const gchar *body, gsize body_len)
{
	g_autofree gchar *prefix = g_strdup_printf("s=%" G_GSIZE_FORMAT "&", body_len);
	GByteArray *out = g_byte_array_new();
	g_byte_array_append(out, (const guint8 *)prefix, (guint)strlen(prefix));
	g_byte_array_append(out, (const guint8 *)body, (guint)body_len);
	return g_byte_array_free_to_bytes(out);
}

static TokTpsMessage *
parse_ok(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_parse((const guint8 *)text, strlen(text), 0, &error);
	if (error != NULL)
		g_printerr("parsing %s: %s\n", text, error->message);
	g_assert_no_error(error);
	g_assert_nonnull(msg);
	return msg;
}

static void
assert_parse_error(const gchar *text, gsize len, gsize max_size, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = tok_tps_message_parse((const guint8 *)text, len, max_size, &error);
	if (msg != NULL)
		g_printerr("unexpectedly parsed: %.*s\n", (int)len, text);
	g_assert_null(msg);
	if (error != NULL && error->code != code)
		g_printerr("%.*s: %s\n", (int)MIN(len, 200), text, error->message);
	g_assert_error(error, TOK_ERROR, code);
	g_assert_cmpstr(error->message, !=, "");
}

static gchar *
encode_to_string(const TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_tps_message_encode(msg, &error);
	gsize len = 0;
	const gchar *data;

	g_assert_no_error(error);
	g_assert_nonnull(wire);
	data = g_bytes_get_data(wire, &len);
	return g_strndup(data, len);
}

static void
assert_encodes_to(const TokTpsMessage *msg, const gchar *want)
{
	g_autofree gchar *got = encode_to_string(msg);
	g_assert_cmpstr(got, ==, want);
}

/* @literal parses, re-encodes byte-exactly, and @built (from the typed constructor)
 * encodes to the same bytes. Returns the parsed message. */
static TokTpsMessage *
check_example(const gchar *literal, TokTpsMessage *built)
{
	TokTpsMessage *parsed = parse_ok(literal);

	g_assert_nonnull(built);
	g_assert_cmpint(tok_tps_message_get_msg_type(parsed), ==, tok_tps_message_get_msg_type(built));
	assert_encodes_to(parsed, literal);
	assert_encodes_to(built, literal);
	tok_tps_message_unref(built);
	return parsed;
}

static TokSecret *
secret(const gchar *text)
{
	return tok_secret_new_from_text(text);
}

static void
assert_secret(const TokSecret *s, const gchar *text)
{
	g_assert_nonnull(s);
	g_assert_true(tok_secret_equal_data(s, (const guint8 *)text, strlen(text)));
}

static GBytes *
bytes_of(const guint8 *data, gsize len)
{
	return g_bytes_new(data, len);
}

static TokTpsMessage *
begin_op(TokTpsOperation op, const gchar *const *exts, TokTpsBeginOpFlags flags)
{
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_new_begin_op(op, exts, flags, &error);
	g_assert_no_error(error);
	return msg;
}

static TokTpsMessage *
status_request(guint percent, const gchar *task)
{
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_new_status_update_request(percent, task, &error);
	g_assert_no_error(error);
	return msg;
}

static TokTpsMessage *
status_response(guint percent)
{
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_new_status_update_response(percent, &error);
	g_assert_no_error(error);
	return msg;
}

static TokTpsMessage *
end_op(TokTpsOperation op, guint result, TokTpsStatus status)
{
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_new_end_op(op, result, status, &error);
	g_assert_no_error(error);
	return msg;
}

static TokTpsMessage *
pdu_request(const guint8 *apdu, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = bytes_of(apdu, len);
	TokTpsMessage *msg = tok_tps_message_new_token_pdu_request(b, &error);
	g_assert_no_error(error);
	return msg;
}

static TokTpsMessage *
pdu_response(const guint8 *resp, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = bytes_of(resp, len);
	TokTpsMessage *msg = tok_tps_message_new_token_pdu_response(b, &error);
	g_assert_no_error(error);
	return msg;
}

static TokTpsMessage *
new_pin_request(guint min, guint max)
{
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_new_new_pin_request(min, max, &error);
	g_assert_no_error(error);
	return msg;
}

static const gchar *const ext_user_key[] = {"tokenType", "userKey", NULL};

/* ---- names ---- */

static void
test_names(void)
{
	const gchar *status_names[] = {
	    "STATUS_NO_ERROR",
	    "STATUS_ERROR_SNAC",
	    "STATUS_ERROR_SEC_INIT_UPDATE",
	    "STATUS_ERROR_CREATE_CARDMGR",
	    "STATUS_ERROR_MAC_RESET_PIN_PDU",
	    "STATUS_ERROR_MAC_CERT_PDU",
	    "STATUS_ERROR_MAC_LIFECYCLE_PDU",
	    "STATUS_ERROR_MAC_ENROLL_PDU",
	    "STATUS_ERROR_CANNOT_PERFORM_OPERATION",
	    "STATUS_ERROR_BAD_STATUS",
	    "STATUS_ERROR_CA_RESPONSE",
	    "STATUS_ERROR_READ_BUFFER_OVERFLOW",
	    "STATUS_ERROR_TOKEN_RESET_PIN_FAILED",
	    "STATUS_ERROR_CONNECTION",
	    "STATUS_ERROR_LOGIN",
	    "STATUS_ERROR_DB",
	    "STATUS_ERROR_UNKNOWN_TOKEN",
	    "STATUS_ERROR_SECURE_CHANNEL",
	    "STATUS_ERROR_MISCONFIGURATION",
	    "STATUS_ERROR_UPGRADE_APPLET",
	    "STATUS_ERROR_KEY_CHANGE_OVER",
	    "STATUS_ERROR_EXTERNAL_AUTH",
	    "STATUS_ERROR_MAPPING_RESOLVER_FAILED",
	    "STATUS_ERROR_MAPPING_RESOLVER_PARAMS_NOT_FOUND",
	    "STATUS_ERROR_PUBLISH",
	    "STATUS_ERROR_LDAP_CONN",
	    "STATUS_ERROR_DISABLED_TOKEN",
	    "STATUS_ERROR_NOT_PIN_RESETABLE",
	    "STATUS_ERROR_CONN_LOST",
	    "STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY",
	    "STATUS_ERROR_NO_SUCH_TOKEN_STATE",
	    "STATUS_ERROR_NO_SUCH_LOST_REASON",
	    "STATUS_ERROR_UNUSABLE_TOKEN_KEYCOMPROMISE",
	    "STATUS_ERROR_INACTIVE_TOKEN_NOT_FOUND",
	    "STATUS_ERROR_HAS_AT_LEAST_ONE_ACTIVE_TOKEN",
	    "STATUS_ERROR_TOKEN_TERMINATED",
	    "STATUS_RECOVERY_IS_PROCESSED",
	    "STATUS_ERROR_RECOVERY_FAILED",
	    "STATUS_ERROR_NO_OPERATION_ON_LOST_TOKEN",
	    "STATUS_ERROR_KEY_ARCHIVE_OFF",
	    "STATUS_ERROR_NO_TKS_CONNID",
	    "STATUS_ERROR_UPDATE_TOKENDB_FAILED",
	    "STATUS_ERROR_REVOKE_CERTIFICATES_FAILED",
	    "STATUS_ERROR_NOT_TOKEN_OWNER",
	    "STATUS_RENEWAL_IS_PROCESSED",
	    "STATUS_ERROR_CANNOT_ESTABLISH_COMMUNICATION",
	    "STATUS_ERROR_SYMKEY_256_UPGRADE",
	};
	const gchar *type_names[] = {
	    "UNKNOWN",
	    "ERROR",
	    "BEGIN_OP",
	    "LOGIN_REQUEST",
	    "LOGIN_RESPONSE",
	    "SECUREID_REQUEST",
	    "SECUREID_RESPONSE",
	    "ASQ_REQUEST",
	    "ASQ_RESPONSE",
	    "TOKEN_PDU_REQUEST",
	    "TOKEN_PDU_RESPONSE",
	    "NEW_PIN_REQUEST",
	    "NEW_PIN_RESPONSE",
	    "END_OP",
	    "STATUS_UPDATE_REQUEST",
	    "STATUS_UPDATE_RESPONSE",
	    "EXTENDED_LOGIN_REQUEST",
	    "EXTENDED_LOGIN_RESPONSE",
	};
	const gchar *op_names[] = {"UNDEFINED", "ENROLL", "UNBLOCK", "RESET_PIN", "RENEW", "FORMAT"};

	g_assert_cmpuint(G_N_ELEMENTS(status_names), ==, 47);
	for (guint i = 0; i < G_N_ELEMENTS(status_names); i++)
		g_assert_cmpstr(tok_tps_status_to_string((TokTpsStatus)i), ==, status_names[i]);
	g_assert_null(tok_tps_status_to_string((TokTpsStatus)47));
	g_assert_null(tok_tps_status_to_string((TokTpsStatus)G_MAXINT));
	g_assert_cmpint(TOK_TPS_STATUS_ERROR_RENEWAL_FAILED, ==, 37);
	g_assert_cmpint(TOK_TPS_STATUS_ERROR_LOGIN, ==, 14);
	g_assert_cmpint(TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE, ==, 27);

	for (guint i = 0; i < G_N_ELEMENTS(type_names); i++)
		g_assert_cmpstr(tok_tps_msg_type_to_string((TokTpsMsgType)i), ==, type_names[i]);
	g_assert_null(tok_tps_msg_type_to_string((TokTpsMsgType)18));
	g_assert_cmpint(TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST, ==, 9);
	g_assert_cmpint(TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE, ==, 17);

	for (guint i = 0; i < G_N_ELEMENTS(op_names); i++)
		g_assert_cmpstr(tok_tps_operation_to_string((TokTpsOperation)i), ==, op_names[i]);
	g_assert_null(tok_tps_operation_to_string((TokTpsOperation)6));
	g_assert_cmpint(TOK_TPS_OPERATION_FORMAT, ==, 5);
}

/* ---- the literal examples of protocol.md 1.7 and 1.10 ---- */

static void
test_example_pdu_response(void)
{
	const guint8 sw[] = {0x90, 0x00};
	g_autoptr(TokTpsMessage) msg =
	    check_example("s=38&msg_type=10&pdu_size=2&pdu_data=%90%00", pdu_response(sw, 2));
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(pdu, sw, sizeof(sw)));
}

/* The Java TokenPDUResponseMsg self-test: literal alnum bytes inside pdu_data. */
static void
test_example_pdu_response_java(void)
{
	const guint8 resp[] = {'R', 0xb3, 'F', 0x85, 0x90, 0x00};
	g_autoptr(TokTpsMessage) msg = check_example("s=46&msg_type=10&pdu_size=6&pdu_data=R%B3F%85%90%00",
						     pdu_response(resp, sizeof(resp)));
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(pdu, resp, sizeof(resp)));
}

static void
test_example_pdu_request(void)
{
	const guint8 select[] = {0x00, 0xa4, 0x04, 0x00, 0x00};
	g_autoptr(TokTpsMessage) msg = check_example("s=46&msg_type=9&pdu_size=5&pdu_data=%00%A4%04%00%00",
						     pdu_request(select, sizeof(select)));
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(pdu, select, sizeof(select)));
}

static void
test_example_login(void)
{
	g_autoptr(TokSecret) pw = secret("secret123");
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) req =
	    check_example("s=33&msg_type=3&invalid_pw=0&blocked=0",
			  tok_tps_message_new_login_request(FALSE, FALSE));
	g_autoptr(TokTpsMessage) resp = NULL;
	g_autoptr(TokSecret) got_pw = NULL;
	g_autofree gchar *name = NULL;
	gboolean invalid_pw = TRUE, blocked = TRUE;

	g_assert_true(tok_tps_message_get_login_request(req, &invalid_pw, &blocked, &error));
	g_assert_no_error(error);
	g_assert_false(invalid_pw);
	g_assert_false(blocked);

	resp = check_example("s=47&msg_type=4&screen_name=user1&password=secret123",
			     tok_tps_message_new_login_response("user1", pw, &error));
	g_assert_no_error(error);
	g_assert_true(tok_tps_message_get_login_response(resp, &name, &got_pw, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(name, ==, "user1");
	assert_secret(got_pw, "secret123");
}

static void
test_example_new_pin(void)
{
	g_autoptr(TokSecret) pin = secret("secret123");
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) req =
	    check_example("s=46&msg_type=11&minimum_length=4&maximum_length=10",
			  new_pin_request(4, 10));
	g_autoptr(TokTpsMessage) resp = NULL;
	g_autoptr(TokSecret) got = NULL;
	guint min = 0, max = 0;

	g_assert_true(tok_tps_message_get_new_pin_request(req, &min, &max, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(min, ==, 4);
	g_assert_cmpuint(max, ==, 10);

	resp = check_example("s=29&msg_type=12&new_pin=secret123",
			     tok_tps_message_new_new_pin_response(pin, &error));
	g_assert_no_error(error);
	got = tok_tps_message_get_new_pin(resp, &error);
	g_assert_no_error(error);
	assert_secret(got, "secret123");
}

static void
test_example_status_update(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) req = check_example(
	    "s=68&msg_type=14&current_state=10&next_task_name=PROGRESS_PROCESS_PROFILE",
	    status_request(10, "PROGRESS_PROCESS_PROFILE"));
	g_autoptr(TokTpsMessage) resp =
	    check_example("s=28&msg_type=15&current_state=10", status_response(10));
	g_autofree gchar *task = NULL;
	guint percent = 0;

	g_assert_true(tok_tps_message_get_status_update_request(req, &percent, &task, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(percent, ==, 10);
	g_assert_cmpstr(task, ==, "PROGRESS_PROCESS_PROFILE");
	percent = 0;
	g_assert_true(tok_tps_message_get_status_update_response(resp, &percent, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(percent, ==, 10);
}

static void
test_example_end_op(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg =
	    check_example("s=42&msg_type=13&operation=5&result=0&message=0",
			  end_op(TOK_TPS_OPERATION_FORMAT, 0, TOK_TPS_STATUS_NO_ERROR));
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
	TokTpsStatus status = TOK_TPS_STATUS_ERROR_DB;
	guint result = 7;

	g_assert_true(tok_tps_message_get_end_op(msg, &op, &result, &status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(op, ==, TOK_TPS_OPERATION_FORMAT);
	g_assert_cmpuint(result, ==, 0);
	g_assert_cmpint(status, ==, TOK_TPS_STATUS_NO_ERROR);
	op = TOK_TPS_OPERATION_UNDEFINED;
	g_assert_true(tok_tps_message_get_operation(msg, &op, &error));
	g_assert_cmpint(op, ==, TOK_TPS_OPERATION_FORMAT);
}

static void
test_example_begin_op(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg =
	    check_example("s=53&msg_type=2&operation=1&extensions=tokenType%3DuserKey",
			  begin_op(TOK_TPS_OPERATION_ENROLL, ext_user_key, TOK_TPS_BEGIN_OP_FLAG_NONE));
	g_auto(GStrv) exts = tok_tps_message_get_extensions(msg, &error);
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;

	g_assert_no_error(error);
	g_assert_true(tok_tps_message_get_operation(msg, &op, &error));
	g_assert_cmpint(op, ==, TOK_TPS_OPERATION_ENROLL);
	g_assert_cmpuint(g_strv_length(exts), ==, 2);
	g_assert_cmpstr(exts[0], ==, "tokenType");
	g_assert_cmpstr(exts[1], ==, "userKey");
	g_assert_cmpstr(tok_tps_extensions_lookup((const gchar *const *)exts, "tokenType"),
			==,
			"userKey");
	g_assert_null(tok_tps_extensions_lookup((const gchar *const *)exts, "statusUpdate"));
}

/* protocol.md 1.7: the BEGIN_OP exactly as ESC produces it (trailing %26 included). */
static void
test_example_begin_op_esc(void)
{
	const gchar *literal =
	    "s=204&msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%"
	    "2E1%26tokenATR%3D3BFF1400FF8131FE458025A00000005657534336353003003B%26statusUpdate%"
	    "3Dtrue%26extendedLoginRequest%3Dtrue%26";
	const gchar *const exts_in[] = {"tokenType",
					"userKey",
					"clientVersion",
					"ESC 1.0.1",
					"tokenATR",
					"3BFF1400FF8131FE458025A00000005657534336353003003B",
					"statusUpdate",
					"true",
					"extendedLoginRequest",
					"true",
					NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_auto(GStrv) exts = NULL;
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;

	g_assert_cmpuint(strlen(literal), ==, strlen("s=204&") + 204);
	msg = check_example(literal,
			    begin_op(TOK_TPS_OPERATION_FORMAT,
				     exts_in,
				     TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR));
	g_assert_true(tok_tps_message_get_operation(msg, &op, &error));
	g_assert_cmpint(op, ==, TOK_TPS_OPERATION_FORMAT);
	exts = tok_tps_message_get_extensions(msg, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(exts), ==, 10);
	for (guint i = 0; i < 10; i++)
		g_assert_cmpstr(exts[i], ==, exts_in[i]);
	g_assert_cmpstr(tok_tps_extensions_lookup((const gchar *const *)exts, "clientVersion"),
			==,
			"ESC 1.0.1");
	/* without the flag the trailing %26 goes */
	{
		g_autoptr(TokTpsMessage) plain =
		    begin_op(TOK_TPS_OPERATION_FORMAT, exts_in, TOK_TPS_BEGIN_OP_FLAG_NONE);
		g_autofree gchar *wire = encode_to_string(plain);
		g_assert_true(g_str_has_prefix(wire, "s=201&"));
		g_assert_true(g_str_has_suffix(wire, "extendedLoginRequest%3Dtrue"));
	}
}

/* The message sequences of protocol.md 1.10 (shown there without the s= prefix). */
static void
test_example_sequences(void)
{
	const guint8 select_isd[] = {0x00, 0xa4, 0x04, 0x00, 0x07, 0xa0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
	const guint8 cplc[] = {0x80, 0xca, 0x9f, 0x7f, 0x2d};
	const guint8 select_coolkey[] = {0x00, 0xa4, 0x04, 0x00, 0x07, 0x62, 0x76, 0x01, 0xff, 0x00, 0x00, 0x00, 0x00};
	const guint8 get_status[] = {0xb0, 0x3c, 0x00, 0x00, 0x10};
	const guint8 build_id[] = {0xb0, 0x70, 0x00, 0x00, 0x04};
	const guint8 lifecycle[] = {0xb0, 0xf2, 0x00, 0x00, 0x01};
	const gchar *const ext_pin_reset[] = {"clientVersion", "ESC 1.0.1", NULL};
	struct {
		const gchar *body;
		TokTpsMessage *msg;
	} seq[] = {
	    {"msg_type=2&operation=5&extensions=tokenType%3DuserKey",
	     begin_op(TOK_TPS_OPERATION_FORMAT, ext_user_key, TOK_TPS_BEGIN_OP_FLAG_NONE)},
	    {"msg_type=2&operation=3&extensions=clientVersion%3DESC+1%2E0%2E1",
	     begin_op(TOK_TPS_OPERATION_RESET_PIN, ext_pin_reset, TOK_TPS_BEGIN_OP_FLAG_NONE)},
	    {"msg_type=9&pdu_size=13&pdu_data=%00%A4%04%00%07%A0%00%00%00%03%00%00%00",
	     pdu_request(select_isd, sizeof(select_isd))},
	    {"msg_type=9&pdu_size=5&pdu_data=%80%CA%9F%7F%2D", pdu_request(cplc, sizeof(cplc))},
	    {"msg_type=9&pdu_size=13&pdu_data=%00%A4%04%00%07%62%76%01%FF%00%00%00%00",
	     pdu_request(select_coolkey, sizeof(select_coolkey))},
	    {"msg_type=9&pdu_size=5&pdu_data=%B0%3C%00%00%10",
	     pdu_request(get_status, sizeof(get_status))},
	    {"msg_type=9&pdu_size=5&pdu_data=%B0%70%00%00%04", pdu_request(build_id, sizeof(build_id))},
	    {"msg_type=9&pdu_size=5&pdu_data=%B0%F2%00%00%01",
	     pdu_request(lifecycle, sizeof(lifecycle))},
	    {"msg_type=3&invalid_pw=0&blocked=0", tok_tps_message_new_login_request(FALSE, FALSE)},
	    {"msg_type=11&minimum_length=4&maximum_length=10", new_pin_request(4, 10)},
	    {"msg_type=14&current_state=100&next_task_name=PROGRESS_DONE",
	     status_request(100, "PROGRESS_DONE")},
	    {"msg_type=15&current_state=100", status_response(100)},
	    {"msg_type=13&operation=5&result=0&message=0",
	     end_op(TOK_TPS_OPERATION_FORMAT, 0, TOK_TPS_STATUS_NO_ERROR)},
	    {"msg_type=2&operation=1&extensions=tokenType%3DuserKey",
	     begin_op(TOK_TPS_OPERATION_ENROLL, ext_user_key, TOK_TPS_BEGIN_OP_FLAG_NONE)},
	    {"msg_type=14&current_state=10&next_task_name=PROGRESS_PROCESS_PROFILE",
	     status_request(10, "PROGRESS_PROCESS_PROFILE")},
	    {"msg_type=14&current_state=92&next_task_name=PROGRESS_WRITE_OBJECTS",
	     status_request(92, "PROGRESS_WRITE_OBJECTS")},
	    {"msg_type=14&current_state=98&next_task_name=PROGRESS_ISSUER_INFO",
	     status_request(98, "PROGRESS_ISSUER_INFO")},
	    {"msg_type=14&current_state=99&next_task_name=PROGRESS_SET_LIFECYCLE",
	     status_request(99, "PROGRESS_SET_LIFECYCLE")},
	    {"msg_type=14&current_state=100&next_task_name=PROGRESS_DONE_ENROLLMENT",
	     status_request(100, "PROGRESS_DONE_ENROLLMENT")},
	    {"msg_type=13&operation=1&result=0&message=0",
	     end_op(TOK_TPS_OPERATION_ENROLL, 0, TOK_TPS_STATUS_NO_ERROR)},
	    {"msg_type=14&current_state=10&next_task_name=PROGRESS_START_PIN_RESET",
	     status_request(10, "PROGRESS_START_PIN_RESET")},
	    {"msg_type=14&current_state=15&next_task_name=PROGRESS_PIN_RESET_RESOLVE_PROFILE",
	     status_request(15, "PROGRESS_PIN_RESET_RESOLVE_PROFILE")},
	    {"msg_type=14&current_state=100&next_task_name=PROGRESS_PIN_RESET_COMPLETE",
	     status_request(100, "PROGRESS_PIN_RESET_COMPLETE")},
	    {"msg_type=13&operation=3&result=0&message=0",
	     end_op(TOK_TPS_OPERATION_RESET_PIN, 0, TOK_TPS_STATUS_NO_ERROR)},
	    /* failure: result=1 and a status code; 2 and 4 answer "not implemented" */
	    {"msg_type=13&operation=1&result=1&message=14",
	     end_op(TOK_TPS_OPERATION_ENROLL, 1, TOK_TPS_STATUS_ERROR_LOGIN)},
	    {"msg_type=13&operation=2&result=1&message=0",
	     end_op(TOK_TPS_OPERATION_UNBLOCK, 1, TOK_TPS_STATUS_NO_ERROR)},
	    {"msg_type=13&operation=3&result=1&message=27",
	     end_op(TOK_TPS_OPERATION_RESET_PIN, 1, TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE)},
	};

	for (guint i = 0; i < G_N_ELEMENTS(seq); i++) {
		g_autofree gchar *literal = frame(seq[i].body);
		g_autoptr(TokTpsMessage) parsed = check_example(literal, seq[i].msg);
		(void)parsed;
	}
}

/* The Java ExtendedLoginRequestMsg self-test values. The Java TPS encodes with URLEncoder
 * ('.' literal); we encode as ESC does ('.' as %2E); both parse to the same values. */
static void
test_example_extended_login(void)
{
	const gchar *ours =
	    "msg_type=16&invalid_pw=0&blocked=0&title=LDAP+Authentication"
	    "&description=This+authenticates+user+against+the+LDAP+directory%2E"
	    "&required_parameter0=id%3DUID%26name%3DLDAP+User+ID%26desc%3DLDAP+User+ID%26type%3D"
	    "string%26option%3D"
	    "&required_parameter1=id%3DPASSWORD%26name%3DLDAP+Password%26desc%3DLDAP+Password%26"
	    "type%3Dpassword%26option%3D";
	const gchar *java =
	    "msg_type=16&invalid_pw=0&blocked=0&title=LDAP+Authentication"
	    "&description=This+authenticates+user+against+the+LDAP+directory."
	    "&required_parameter0=id%3DUID%26name%3DLDAP+User+ID%26desc%3DLDAP+User+ID%26type%3D"
	    "string%26option%3D"
	    "&required_parameter1=id%3DPASSWORD%26name%3DLDAP+Password%26desc%3DLDAP+Password%26"
	    "type%3Dpassword%26option%3D";
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tok_tps_login_parameter_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ours_framed = frame(ours);
	g_autofree gchar *java_framed = frame(java);
	g_autoptr(TokTpsMessage) built = NULL;
	g_autoptr(TokTpsMessage) parsed = NULL;

	g_ptr_array_add(params,
			tok_tps_login_parameter_new("UID",
						    "LDAP User ID",
						    "LDAP User ID",
						    "string",
						    ""));
	g_ptr_array_add(params,
			tok_tps_login_parameter_new("PASSWORD",
						    "LDAP Password",
						    "LDAP Password",
						    "password",
						    NULL));
	built = tok_tps_message_new_extended_login_request(FALSE,
							   FALSE,
							   "LDAP Authentication",
							   "This authenticates user against the LDAP directory.",
							   params,
							   &error);
	g_assert_no_error(error);
	parsed = check_example(ours_framed, g_steal_pointer(&built));
	(void)parsed;

	for (guint v = 0; v < 2; v++) {
		g_autoptr(TokTpsMessage) msg = parse_ok(v == 0 ? ours_framed : java_framed);
		g_autoptr(GPtrArray) got = NULL;
		g_autofree gchar *title = NULL;
		g_autofree gchar *desc = NULL;
		gboolean invalid_pw = TRUE, blocked = TRUE;
		const TokTpsLoginParameter *p;

		g_assert_true(tok_tps_message_get_extended_login_request(msg,
									 &invalid_pw,
									 &blocked,
									 &title,
									 &desc,
									 &got,
									 &error));
		g_assert_no_error(error);
		g_assert_false(invalid_pw);
		g_assert_false(blocked);
		g_assert_cmpstr(title, ==, "LDAP Authentication");
		g_assert_cmpstr(desc, ==, "This authenticates user against the LDAP directory.");
		g_assert_cmpuint(got->len, ==, 2);
		p = g_ptr_array_index(got, 0);
		g_assert_cmpstr(p->id, ==, "UID");
		g_assert_cmpstr(p->name, ==, "LDAP User ID");
		g_assert_cmpstr(p->desc, ==, "LDAP User ID");
		g_assert_cmpstr(p->type, ==, "string");
		g_assert_cmpstr(p->option, ==, "");
		p = g_ptr_array_index(got, 1);
		g_assert_cmpstr(p->id, ==, "PASSWORD");
		g_assert_cmpstr(p->type, ==, "password");
		/* the login-request getter reads the flags of type 16 too */
		g_assert_true(tok_tps_message_get_login_request(msg, &invalid_pw, &blocked, &error));
		g_assert_no_error(error);
	}
}

static void
test_example_extended_login_response(void)
{
	const gchar *ids[] = {"UID", "PASSWORD"};
	g_autoptr(TokSecret) uid = secret("user1");
	g_autoptr(TokSecret) pw = secret("secret123");
	TokSecret *values[] = {uid, pw};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(TokSecret) got_pw = NULL;
	g_autoptr(TokSecret) missing = NULL;
	g_auto(GStrv) got_ids = NULL;
	g_autoptr(GPtrArray) got_values = NULL;

	msg = check_example("s=40&msg_type=17&UID=user1&PASSWORD=secret123",
			    tok_tps_message_new_extended_login_response(ids, values, 2, &error));
	g_assert_no_error(error);
	g_assert_true(
	    tok_tps_message_get_extended_login_response(msg, &got_ids, &got_values, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(got_ids), ==, 2);
	g_assert_cmpstr(got_ids[0], ==, "UID");
	g_assert_cmpstr(got_ids[1], ==, "PASSWORD");
	assert_secret(g_ptr_array_index(got_values, 0), "user1");
	assert_secret(g_ptr_array_index(got_values, 1), "secret123");
	got_pw = tok_tps_message_lookup_extended_login_value(msg, "PASSWORD", &error);
	g_assert_no_error(error);
	assert_secret(got_pw, "secret123");
	missing = tok_tps_message_lookup_extended_login_value(msg, "OTP", &error);
	g_assert_null(missing);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
}

/* ---- round trips of every type ---- */

static void
check_round_trip(TokTpsMessage *built)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_tps_message_encode(built, &error);
	g_autoptr(TokTpsMessage) parsed = NULL;
	g_autoptr(GBytes) wire2 = NULL;

	g_assert_no_error(error);
	parsed = tok_tps_message_parse_bytes(wire, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tok_tps_message_get_msg_type(parsed), ==, tok_tps_message_get_msg_type(built));
	g_assert_cmpuint(tok_tps_message_get_n_fields(parsed), ==, tok_tps_message_get_n_fields(built));
	for (guint i = 0; i < tok_tps_message_get_n_fields(built); i++)
		g_assert_cmpstr(tok_tps_message_get_field_name(parsed, i),
				==,
				tok_tps_message_get_field_name(built, i));
	g_assert_null(tok_tps_message_get_field_name(parsed, tok_tps_message_get_n_fields(parsed)));
	wire2 = tok_tps_message_encode(parsed, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(wire, wire2));
}

static void
test_round_trip(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *const exts[] = {"tokenType", "user Key/é", "statusUpdate", "true", NULL};
	const gchar *ids[] = {"UID", "PASSWORD", "one time code"};
	g_autoptr(TokSecret) uid = secret("jdoe@example.com");
	g_autoptr(TokSecret) pw = secret("p&ss=w%rd +é");
	g_autoptr(TokSecret) otp = secret("");
	TokSecret *values[] = {uid, pw, otp};
	g_autoptr(TokSecret) pin = secret("12 34%+!");
	g_autoptr(TokSecret) tokencode = secret("000123");
	g_autoptr(TokSecret) answer = secret("Rex & Fido");
	const guint8 apdu[] = {0x84, 0x82, 0x03, 0x00, 0x10, 0x00, 0x20, 0x41, 0x2b, 0x25, 0x26,
			       0x3d, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	const guint8 resp[] = {0x00, 0x00, 0x20, 0x2b, 0x61, 0x90, 0x00};
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tok_tps_login_parameter_free);
	g_autoptr(TokTpsMessage) m = NULL;

	g_ptr_array_add(params, tok_tps_login_parameter_new("UID", "Nom d'usager", "é", "string", ""));
	g_ptr_array_add(params, tok_tps_login_parameter_new("PIN", "PIN", "", "password", "x y"));

	/* 2 */
	m = begin_op(TOK_TPS_OPERATION_RESET_PIN, exts, TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR);
	check_round_trip(m);
	{
		g_auto(GStrv) got = tok_tps_message_get_extensions(m, &error);
		g_assert_no_error(error);
		g_assert_true(g_strv_equal((const gchar *const *)got, exts));
	}
	g_clear_pointer(&m, tok_tps_message_unref);
	m = begin_op(TOK_TPS_OPERATION_RENEW, NULL, TOK_TPS_BEGIN_OP_FLAG_NONE);
	check_round_trip(m);
	assert_encodes_to(m, "s=22&msg_type=2&operation=4");
	{
		g_auto(GStrv) got = tok_tps_message_get_extensions(m, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_strv_length(got), ==, 0);
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 3, 4 */
	m = tok_tps_message_new_login_request(TRUE, TRUE);
	check_round_trip(m);
	assert_encodes_to(m, "s=33&msg_type=3&invalid_pw=1&blocked=1");
	g_clear_pointer(&m, tok_tps_message_unref);
	m = tok_tps_message_new_login_response("J. Doe", pw, &error);
	g_assert_no_error(error);
	check_round_trip(m);
	assert_encodes_to(m,
			  "s=66&msg_type=4&screen_name=J%2E+Doe&password=p%26ss%3Dw%25rd+%2B%C3%A9");
	{
		g_autofree gchar *name = NULL;
		g_autoptr(TokSecret) got = NULL;
		g_assert_true(tok_tps_message_get_login_response(m, &name, &got, &error));
		g_assert_cmpstr(name, ==, "J. Doe");
		assert_secret(got, "p&ss=w%rd +é");
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 5, 6 */
	m = tok_tps_message_new_secureid_request(TRUE, FALSE);
	check_round_trip(m);
	assert_encodes_to(m, "s=38&msg_type=5&pin_required=1&next_value=0");
	{
		gboolean pin_required = FALSE, next_value = TRUE;
		g_assert_true(tok_tps_message_get_secureid_request(m, &pin_required, &next_value, &error));
		g_assert_true(pin_required);
		g_assert_false(next_value);
	}
	g_clear_pointer(&m, tok_tps_message_unref);
	m = tok_tps_message_new_secureid_response(tokencode, pin, &error);
	g_assert_no_error(error);
	check_round_trip(m);
	assert_encodes_to(m, "s=42&msg_type=6&value=000123&pin=12+34%25%2B%21");
	{
		g_autoptr(TokSecret) v = NULL;
		g_autoptr(TokSecret) p = NULL;
		g_assert_true(tok_tps_message_get_secureid_response(m, &v, &p, &error));
		assert_secret(v, "000123");
		assert_secret(p, "12 34%+!");
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 7, 8 */
	m = tok_tps_message_new_asq_request("Name of your first pet?", &error);
	g_assert_no_error(error);
	check_round_trip(m);
	{
		g_autofree gchar *q = tok_tps_message_get_asq_question(m, &error);
		g_assert_cmpstr(q, ==, "Name of your first pet?");
	}
	g_clear_pointer(&m, tok_tps_message_unref);
	m = tok_tps_message_new_asq_response(answer, &error);
	g_assert_no_error(error);
	check_round_trip(m);
	assert_encodes_to(m, "s=30&msg_type=8&answer=Rex+%26+Fido");
	{
		g_autoptr(TokSecret) a = tok_tps_message_get_asq_answer(m, &error);
		assert_secret(a, "Rex & Fido");
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 9, 10: binary with NUL bytes and characters the encodings treat specially */
	m = pdu_request(apdu, sizeof(apdu));
	check_round_trip(m);
	{
		g_autoptr(GBytes) got = tok_tps_message_get_pdu(m, &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(got, apdu, sizeof(apdu)));
	}
	g_clear_pointer(&m, tok_tps_message_unref);
	m = pdu_response(resp, sizeof(resp));
	check_round_trip(m);
	assert_encodes_to(m, "s=49&msg_type=10&pdu_size=7&pdu_data=%00%00+%2Ba%90%00");
	{
		g_autoptr(GBytes) got = tok_tps_message_get_pdu(m, &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(got, resp, sizeof(resp)));
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 11, 12 */
	m = new_pin_request(0, 0);
	check_round_trip(m);
	g_clear_pointer(&m, tok_tps_message_unref);
	m = tok_tps_message_new_new_pin_response(pin, &error);
	g_assert_no_error(error);
	check_round_trip(m);
	assert_encodes_to(m, "s=28&msg_type=12&new_pin=12 34%+!");
	{
		g_autoptr(TokSecret) got = tok_tps_message_get_new_pin(m, &error);
		assert_secret(got, "12 34%+!");
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 13: an END_OP may echo an undefined operation and carry a status newer than 1.8 */
	m = end_op(TOK_TPS_OPERATION_UNDEFINED, 1, (TokTpsStatus)1234);
	check_round_trip(m);
	{
		TokTpsOperation op = TOK_TPS_OPERATION_FORMAT;
		TokTpsStatus status = TOK_TPS_STATUS_NO_ERROR;
		guint result = 0;
		g_assert_true(tok_tps_message_get_end_op(m, &op, &result, &status, &error));
		g_assert_cmpint(op, ==, TOK_TPS_OPERATION_UNDEFINED);
		g_assert_cmpuint(result, ==, 1);
		g_assert_cmpint(status, ==, 1234);
		g_assert_null(tok_tps_status_to_string(status));
	}
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 14, 15 */
	m = status_request(0, "PROGRESS_APPLET_BLOCK");
	check_round_trip(m);
	g_clear_pointer(&m, tok_tps_message_unref);
	m = status_response(0);
	check_round_trip(m);
	g_clear_pointer(&m, tok_tps_message_unref);

	/* 16, 17 */
	m = tok_tps_message_new_extended_login_request(TRUE, FALSE, "Connexion", "", params, &error);
	g_assert_no_error(error);
	check_round_trip(m);
	{
		g_autoptr(GPtrArray) got = NULL;
		g_autofree gchar *title = NULL;
		g_autofree gchar *desc = NULL;
		gboolean invalid_pw = FALSE, blocked = TRUE;
		const TokTpsLoginParameter *p;

		g_assert_true(tok_tps_message_get_extended_login_request(m,
									 &invalid_pw,
									 &blocked,
									 &title,
									 &desc,
									 &got,
									 &error));
		g_assert_no_error(error);
		g_assert_true(invalid_pw);
		g_assert_false(blocked);
		g_assert_cmpstr(title, ==, "Connexion");
		g_assert_cmpstr(desc, ==, "");
		g_assert_cmpuint(got->len, ==, 2);
		p = g_ptr_array_index(got, 0);
		g_assert_cmpstr(p->name, ==, "Nom d'usager");
		g_assert_cmpstr(p->desc, ==, "é");
		p = g_ptr_array_index(got, 1);
		g_assert_cmpstr(p->id, ==, "PIN");
		g_assert_cmpstr(p->option, ==, "x y");
	}
	g_clear_pointer(&m, tok_tps_message_unref);
	m = tok_tps_message_new_extended_login_response(ids, values, 3, &error);
	g_assert_no_error(error);
	check_round_trip(m);
	{
		g_autoptr(TokSecret) code = tok_tps_message_lookup_extended_login_value(m,
										  "one time code",
										  &error);
		g_autoptr(TokSecret) p = tok_tps_message_lookup_extended_login_value(m,
										     "PASSWORD",
										     &error);
		g_assert_no_error(error);
		assert_secret(code, "");
		assert_secret(p, "p&ss=w%rd +é");
		g_assert_true(tok_tps_message_has_field(m, "one+time+code"));
	}
}

/* ---- parser leniency that is required ---- */

/* tpsclient sends pdu_data before pdu_size. */
static void
test_parse_pdu_field_order(void)
{
	const guint8 sw[] = {0x6a, 0x88};
	g_autoptr(TokTpsMessage) msg = parse_ok("s=38&msg_type=10&pdu_data=%6A%88&pdu_size=2");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(pdu, sw, sizeof(sw)));
	assert_encodes_to(msg, "s=38&msg_type=10&pdu_data=%6A%88&pdu_size=2");
	g_assert_cmpstr(tok_tps_message_get_field_name(msg, 0), ==, "pdu_data");
}

/* Unknown fields are kept and re-encoded, and do not disturb the typed getters. */
static void
test_parse_unknown_fields(void)
{
	const gchar *text = "s=57&msg_type=10&pdu_size=2&pdu_data=%90%00&future=yes&x_y=%41";
	const guint8 sw[] = {0x90, 0x00};
	g_autoptr(TokTpsMessage) msg = parse_ok(text);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);
	g_autoptr(GBytes) raw = tok_tps_message_dup_wire_value(msg, "x_y");
	g_autoptr(GBytes) none = tok_tps_message_dup_wire_value(msg, "nope");

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(pdu, sw, sizeof(sw)));
	g_assert_cmpuint(tok_tps_message_get_n_fields(msg), ==, 4);
	g_assert_true(tok_tps_message_has_field(msg, "future"));
	g_assert_false(tok_tps_message_has_field(msg, "s"));
	g_assert_true(tok_bytes_equal_data(raw, (const guint8 *)"%41", 3));
	g_assert_null(none);
	assert_encodes_to(msg, text);
}

/* ESC's trailing '&' in the extensions, and an empty extensions field. */
static void
test_parse_extensions(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *ok_bodies[] = {
	    "msg_type=2&operation=1&extensions=tokenType%3DuserKey%26",
	    "msg_type=2&operation=1&extensions=tokenType=userKey", /* '=' unencoded is fine too */
	    "msg_type=2&operation=1&extensions=tokenType%3duserKey",
	};

	for (guint i = 0; i < G_N_ELEMENTS(ok_bodies); i++) {
		g_autofree gchar *text = frame(ok_bodies[i]);
		g_autoptr(TokTpsMessage) msg = NULL;
		g_auto(GStrv) exts = NULL;

		/* the second one has two '=' in one field: a Java TPS would mangle it */
		if (i == 1) {
			assert_parse_error(text, strlen(text), 0, TOK_ERROR_INVALID_DATA);
			continue;
		}
		msg = parse_ok(text);
		exts = tok_tps_message_get_extensions(msg, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_strv_length(exts), ==, 2);
		g_assert_cmpstr(exts[1], ==, "userKey");
	}
	{
		g_autoptr(TokTpsMessage) msg = parse_ok("s=34&msg_type=2&operation=5&extensions=");
		g_auto(GStrv) exts = tok_tps_message_get_extensions(msg, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_strv_length(exts), ==, 0);
	}
}

/* The message size limit (CS.cfg tps.connection.maxMessageSize = 9999). */
static void
test_parse_max_size(void)
{
	g_autoptr(GString) body = g_string_new("msg_type=12&new_pin=");
	g_autofree gchar *at_limit = NULL;
	g_autofree gchar *over = NULL;

	while (body->len < TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE)
		g_string_append_c(body, '7');
	at_limit = frame(body->str);
	g_assert_true(g_str_has_prefix(at_limit, "s=9999&"));
	{
		g_autoptr(TokTpsMessage) msg = parse_ok(at_limit);
		g_assert_cmpint(tok_tps_message_get_msg_type(msg), ==, TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE);
	}
	g_string_append_c(body, '7');
	over = frame(body->str);
	assert_parse_error(over, strlen(over), 0, TOK_ERROR_TOO_LARGE);
	assert_parse_error(over, strlen(over), TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE, TOK_ERROR_TOO_LARGE);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokTpsMessage) msg =
		    tok_tps_message_parse((const guint8 *)over, strlen(over), 10000, &error);
		g_assert_no_error(error);
		g_assert_nonnull(msg);
	}
	/* a smaller limit */
	assert_parse_error("s=28&msg_type=15&current_state=10", 33, 27, TOK_ERROR_TOO_LARGE);
	assert_parse_error("s=28&msg_type=15&current_state=10", 33, 9, TOK_ERROR_TOO_LARGE);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokTpsMessage) msg =
		    tok_tps_message_parse((const guint8 *)"s=28&msg_type=15&current_state=10",
					  33,
					  28,
					  &error);
		g_assert_no_error(error);
		g_assert_nonnull(msg);
	}
}

/* ---- malformed input ---- */

static void
test_parse_bad_length(void)
{
	struct {
		const gchar *text;
		gint code;
	} cases[] = {
	    {"", TOK_ERROR_TRUNCATED},
	    {"s", TOK_ERROR_TRUNCATED},
	    {"s=", TOK_ERROR_TRUNCATED},
	    {"s=28", TOK_ERROR_TRUNCATED},
	    {"s=28&", TOK_ERROR_TRUNCATED},
	    {"x=28&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"S=28&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"ss=28&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=-28&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=+28&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s= 28&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=2a&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=0x1C&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=028&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"s=27&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA}, /* one byte too many */
	    {"s=29&msg_type=15&current_state=10", TOK_ERROR_TRUNCATED},	   /* one byte short */
	    {"s=28&msg_type=15&current_state=10&", TOK_ERROR_INVALID_DATA},
	    {"s=28&msg_type=15&current_state=10s=28&msg_type=15&current_state=10",
	     TOK_ERROR_INVALID_DATA},
	    {"s=0&", TOK_ERROR_INVALID_DATA},
	    {"s=10000&msg_type=15&current_state=10", TOK_ERROR_TOO_LARGE},
	    {"s=99999999999999999999999999&msg_type=15", TOK_ERROR_TOO_LARGE},
	    {"s=18446744073709551617&msg_type=15", TOK_ERROR_TOO_LARGE},
	    {"s=9999&msg_type=15&current_state=10", TOK_ERROR_TRUNCATED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_parse_error(cases[i].text, strlen(cases[i].text), 0, cases[i].code);
	/* a huge limit must not let the digits overflow */
	assert_parse_error("s=99999999999999999999999999&msg_type=15", 40, G_MAXSIZE, TOK_ERROR_TOO_LARGE);
	assert_parse_error("s=18446744073709551615&msg_type=15", 34, G_MAXSIZE, TOK_ERROR_TRUNCATED);
	/* NULL data */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokTpsMessage) msg = tok_tps_message_parse(NULL, 0, 0, &error);
		g_assert_null(msg);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

static void
test_parse_bad_body(void)
{
	struct {
		const gchar *body;
		gint code;
	} cases[] = {
	    /* framing of the fields */
	    {"", TOK_ERROR_INVALID_DATA},
	    {"pdu_size=2&msg_type=10&pdu_data=%90%00", TOK_ERROR_INVALID_DATA},
	    {"current_state=10", TOK_ERROR_INVALID_DATA},
	    {"&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type", TOK_ERROR_INVALID_DATA},
	    {"msg_type=", TOK_ERROR_INVALID_DATA},
	    {"msg_type=abc", TOK_ERROR_INVALID_DATA},
	    {"msg_type=015&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=-1", TOK_ERROR_INVALID_DATA},
	    {"msg_type=+15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=4294967296", TOK_ERROR_INVALID_DATA},
	    {"msg_type=99999999999999999999", TOK_ERROR_INVALID_DATA},
	    {"msg_type=0", TOK_ERROR_NOT_SUPPORTED},
	    {"msg_type=1", TOK_ERROR_NOT_SUPPORTED},
	    {"msg_type=18", TOK_ERROR_NOT_SUPPORTED},
	    {"msg_type=2147483647", TOK_ERROR_NOT_SUPPORTED},
	    {"msg_type=15&current_state=10&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=10&current_state=11", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&msg_type=15&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&s=28&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=10&&x=1", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=10&", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&=10&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=1=0", TOK_ERROR_INVALID_DATA},
	    /* required fields and integers */
	    {"msg_type=15", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=101", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=+1", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=-1", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=010", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=1%30", TOK_ERROR_INVALID_DATA},
	    {"msg_type=15&current_state=99999999999", TOK_ERROR_INVALID_DATA},
	    {"msg_type=3&invalid_pw=2&blocked=0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=3&invalid_pw=0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=5&pin_required=1&next_value=true", TOK_ERROR_INVALID_DATA},
	    {"msg_type=11&minimum_length=10&maximum_length=4", TOK_ERROR_INVALID_DATA},
	    {"msg_type=11&minimum_length=4&maximum_length=2147483648", TOK_ERROR_INVALID_DATA},
	    {"msg_type=13&operation=5&result=2&message=0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=13&operation=6&result=0&message=0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=13&operation=5&result=0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=13&operation=5&result=0&message=x", TOK_ERROR_INVALID_DATA},
	    {"msg_type=14&current_state=10", TOK_ERROR_INVALID_DATA},
	    {"msg_type=14&current_state=10&next_task_name=", TOK_ERROR_INVALID_DATA},
	    {"msg_type=14&current_state=10&next_task_name=%FF", TOK_ERROR_INVALID_DATA},
	    /* APDUs */
	    {"msg_type=10&pdu_size=2&pdu_data=%9", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=2&pdu_data=%9G%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=2&pdu_data=%G9%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=2&pdu_data=%90%", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=2&pdu_data=%90%0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=3&pdu_data=%90%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=1&pdu_data=%90%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=02&pdu_data=%90%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=1&pdu_data=%90", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=0&pdu_data=", TOK_ERROR_INVALID_DATA},
	    {"msg_type=9&pdu_size=3&pdu_data=%00%A4%04", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=2", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_data=%90%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=10&pdu_size=x&pdu_data=%90%00", TOK_ERROR_INVALID_DATA},
	    /* BEGIN_OP */
	    {"msg_type=2&operation=0", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=6", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&extensions=a%3Db", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=tokenType%3D", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=tokenType%3D%26", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=%3DuserKey", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=tokenType", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3Db%26%26c%3Dd", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=%26", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=%26a%3Db", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3Db%26%26", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3Db%26a%3Dc", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3Db%3Dc", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3D%FF", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3D%00", TOK_ERROR_INVALID_DATA},
	    {"msg_type=2&operation=1&extensions=a%3Db%2", TOK_ERROR_INVALID_DATA},
	    /* text fields: bad escapes, invalid UTF-8, NUL */
	    {"msg_type=4&screen_name=%FF&password=x", TOK_ERROR_INVALID_DATA},
	    {"msg_type=4&screen_name=a&password=%C3%28", TOK_ERROR_INVALID_DATA},
	    {"msg_type=4&screen_name=a%00b&password=x", TOK_ERROR_INVALID_DATA},
	    {"msg_type=4&screen_name=a&password=%", TOK_ERROR_INVALID_DATA},
	    {"msg_type=4&screen_name=user1", TOK_ERROR_INVALID_DATA},
	    {"msg_type=6&value=1234", TOK_ERROR_INVALID_DATA},
	    {"msg_type=6&value=1234&pin=%ED%A0%80", TOK_ERROR_INVALID_DATA},
	    {"msg_type=7&question=%C3", TOK_ERROR_INVALID_DATA},
	    {"msg_type=7", TOK_ERROR_INVALID_DATA},
	    {"msg_type=8&question=Rex", TOK_ERROR_INVALID_DATA}, /* the Java class's field name */
	    {"msg_type=12", TOK_ERROR_INVALID_DATA},
	    /* extended login */
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t", TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=%FF&description=d", TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter1=id%3DUID",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter01=id%3DUID",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameterX=id%3DUID",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter=id%3DUID",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter0=name%3DUID",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter0=id%3D",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter0=id%3DA%"
	     "26id%3DB",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter0=id%3DA%"
	     "26junk",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter0=id%3DA%"
	     "26%26name%3Dx",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=16&invalid_pw=0&blocked=0&title=t&description=d&required_parameter0=id%3DA&"
	     "required_parameter0=id%3DB",
	     TOK_ERROR_INVALID_DATA},
	    {"msg_type=17", TOK_ERROR_INVALID_DATA},
	    {"msg_type=17&UID=a&%55ID=b", TOK_ERROR_INVALID_DATA},
	    {"msg_type=17&UID=%FF", TOK_ERROR_INVALID_DATA},
	    {"msg_type=17&%00=a", TOK_ERROR_INVALID_DATA},
	    {"msg_type=17&%FF=a", TOK_ERROR_INVALID_DATA},
	    {"msg_type=17&%=a", TOK_ERROR_INVALID_DATA},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = frame(cases[i].body);
		assert_parse_error(text, strlen(text), 0, cases[i].code);
	}
}

/* NUL, control and non-ASCII bytes anywhere in a message. */
static void
test_parse_bad_bytes(void)
{
	static const gchar nul_pin[] = "msg_type=12&new_pin=12\0" "34";
	static const gchar nul_name[] = "msg_type=15&current_state\0=10";
	const gchar *bad[] = {
	    "msg_type=15&current_state=10\n",
	    "msg_type=15&current_state=10\r",
	    "msg_type=15\t&current_state=10",
	    "msg_type=12&new_pin=12\x7f",
	    "msg_type=12&new_pin=\xc3\xa9",
	    "msg_type=4&screen_name=caf\xc3\xa9&password=x",
	    "msg_type=4&screen_name=a&password=\x80",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GBytes) b = frame_bytes(bad[i], strlen(bad[i]));
		gsize len = 0;
		const gchar *data = g_bytes_get_data(b, &len);
		assert_parse_error(data, len, 0, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GBytes) b = frame_bytes(nul_pin, sizeof(nul_pin) - 1);
		gsize len = 0;
		const gchar *data = g_bytes_get_data(b, &len);
		assert_parse_error(data, len, 0, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GBytes) b = frame_bytes(nul_name, sizeof(nul_name) - 1);
		gsize len = 0;
		const gchar *data = g_bytes_get_data(b, &len);
		assert_parse_error(data, len, 0, TOK_ERROR_INVALID_DATA);
	}
	/* a NUL inside the s= digits */
	assert_parse_error("s=2\0008&msg_type=15&current_state=10", 34, 0, TOK_ERROR_INVALID_DATA);
}

/* ---- typed getters on the wrong type ---- */

static void
test_getters_wrong_type(void)
{
	g_autoptr(TokTpsMessage) msg = status_response(50);
	g_autoptr(TokTpsMessage) login = tok_tps_message_new_login_request(FALSE, FALSE);
	g_autoptr(GError) error = NULL;
	gboolean b = FALSE;
	guint u = 0;
	gchar *s = NULL;
	TokSecret *sec = NULL;
	TokSecret *sec2 = NULL;
	GPtrArray *arr = NULL;
	gchar **strv = NULL;
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
	TokTpsStatus status = TOK_TPS_STATUS_NO_ERROR;

#define EXPECT_PROTOCOL(call)                                                                      \
	do {                                                                                       \
		g_assert_false(call);                                                              \
		g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);                              \
		g_clear_error(&error);                                                             \
	} while (0)

	EXPECT_PROTOCOL(tok_tps_message_get_operation(msg, &op, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_extensions(msg, &error) != NULL);
	EXPECT_PROTOCOL(tok_tps_message_get_login_request(msg, &b, &b, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_login_response(msg, &s, &sec, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_secureid_request(msg, &b, &b, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_secureid_response(msg, &sec, &sec2, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_asq_question(msg, &error) != NULL);
	EXPECT_PROTOCOL(tok_tps_message_get_asq_answer(msg, &error) != NULL);
	EXPECT_PROTOCOL(tok_tps_message_get_pdu(msg, &error) != NULL);
	EXPECT_PROTOCOL(tok_tps_message_get_new_pin_request(msg, &u, &u, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_new_pin(msg, &error) != NULL);
	EXPECT_PROTOCOL(tok_tps_message_get_end_op(msg, &op, &u, &status, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_status_update_request(msg, &u, &s, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_status_update_response(login, &u, &error));
	EXPECT_PROTOCOL(
	    tok_tps_message_get_extended_login_request(msg, &b, &b, &s, &s, &arr, &error));
	EXPECT_PROTOCOL(tok_tps_message_get_extended_login_response(msg, &strv, &arr, &error));
	EXPECT_PROTOCOL(tok_tps_message_lookup_extended_login_value(msg, "UID", &error) != NULL);
#undef EXPECT_PROTOCOL
	/* out arguments untouched on failure */
	g_assert_null(s);
	g_assert_null(sec);
	g_assert_null(arr);
	g_assert_null(strv);
	g_assert_cmpuint(u, ==, 0);
	/* and the right getter still works */
	g_assert_true(tok_tps_message_get_status_update_response(msg, &u, &error));
	g_assert_cmpuint(u, ==, 50);
}

/* ---- constructor argument checks ---- */

static void
expect_invalid(TokTpsMessage *msg, GError *error)
{
	g_assert_null(msg);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_error_free(error);
}

#define EXPECT_INVALID(call)                                                                       \
	do {                                                                                       \
		TokTpsMessage *msg_ = (call);                                                      \
		expect_invalid(msg_, error);                                                       \
		error = NULL;                                                                      \
	} while (0)

static void
test_constructor_errors(void)
{
	const gchar *pins[] = {"12&34", "12=34", "12\n34", "\t", "caf\xc3\xa9", "\x7f"};
	const guint8 nul_pin[] = {'1', 0x00, '2'};
	const guint8 bad_utf8[] = {'a', 0xff};
	const guint8 short_apdu[] = {0x00, 0xa4, 0x04};
	const guint8 sw1[] = {0x90};
	GError *error = NULL;

	/* new_pin is raw: characters the TPS cannot read back are refused */
	for (guint i = 0; i < G_N_ELEMENTS(pins); i++) {
		g_autoptr(TokSecret) pin = secret(pins[i]);
		EXPECT_INVALID(tok_tps_message_new_new_pin_response(pin, &error));
	}
	{
		g_autoptr(TokSecret) pin = tok_secret_new_from_data(nul_pin, sizeof(nul_pin));
		TokTpsMessage *msg = tok_tps_message_new_new_pin_response(pin, &error);
		g_assert_null(msg);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		/* the message does not give the PIN away */
		g_assert_null(strstr(error->message, "1"));
		g_clear_error(&error);
	}

	/* BEGIN_OP */
	{
		const gchar *const eq_key[] = {"a=b", "c", NULL};
		const gchar *const amp_value[] = {"a", "b&c", NULL};
		const gchar *const empty_value[] = {"a", "", NULL};
		const gchar *const empty_key[] = {"", "b", NULL};
		const gchar *const odd[] = {"a", "b", "c", NULL};
		const gchar *const dup[] = {"a", "b", "a", "c", NULL};
		const gchar *const bad_text[] = {"a", "\xff", NULL};
		const gchar *const ok[] = {"a", "b", NULL};
		const gchar *const *bad[] = {eq_key, amp_value, empty_value, empty_key, odd, dup, bad_text};

		for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
			EXPECT_INVALID(tok_tps_message_new_begin_op(TOK_TPS_OPERATION_ENROLL,
								    bad[i],
								    TOK_TPS_BEGIN_OP_FLAG_NONE,
								    &error));
		}
		EXPECT_INVALID(tok_tps_message_new_begin_op(TOK_TPS_OPERATION_UNDEFINED,
							    ok,
							    TOK_TPS_BEGIN_OP_FLAG_NONE,
							    &error));
		EXPECT_INVALID(tok_tps_message_new_begin_op((TokTpsOperation)6,
							    ok,
							    TOK_TPS_BEGIN_OP_FLAG_NONE,
							    &error));
	}

	/* text and secrets must be UTF-8 */
	{
		g_autoptr(TokSecret) pw = secret("x");
		g_autoptr(TokSecret) bad_pw = tok_secret_new_from_data(bad_utf8, sizeof(bad_utf8));
		g_autoptr(TokSecret) nul_pw = tok_secret_new_from_data(nul_pin, sizeof(nul_pin));
		EXPECT_INVALID(tok_tps_message_new_login_response("\xff", pw, &error));
		EXPECT_INVALID(tok_tps_message_new_login_response("user", bad_pw, &error));
		EXPECT_INVALID(tok_tps_message_new_login_response("user", nul_pw, &error));
		EXPECT_INVALID(tok_tps_message_new_secureid_response(pw, bad_pw, &error));
		EXPECT_INVALID(tok_tps_message_new_secureid_response(bad_pw, pw, &error));
		EXPECT_INVALID(tok_tps_message_new_asq_request("\xc3", &error));
		EXPECT_INVALID(tok_tps_message_new_asq_response(bad_pw, &error));
	}

	/* APDUs */
	{
		g_autoptr(GBytes) a = bytes_of(short_apdu, sizeof(short_apdu));
		g_autoptr(GBytes) r = bytes_of(sw1, sizeof(sw1));
		EXPECT_INVALID(tok_tps_message_new_token_pdu_request(a, &error));
		EXPECT_INVALID(tok_tps_message_new_token_pdu_response(r, &error));
	}

	/* integers */
	EXPECT_INVALID(tok_tps_message_new_new_pin_request(5, 4, &error));
	EXPECT_INVALID(tok_tps_message_new_new_pin_request(0, (guint)G_MAXINT + 1, &error));
	EXPECT_INVALID(tok_tps_message_new_end_op(TOK_TPS_OPERATION_ENROLL, 2, 0, &error));
	EXPECT_INVALID(tok_tps_message_new_end_op((TokTpsOperation)6, 0, 0, &error));
	EXPECT_INVALID(tok_tps_message_new_status_update_response(101, &error));
	EXPECT_INVALID(tok_tps_message_new_status_update_request(101, "PROGRESS_DONE", &error));
	EXPECT_INVALID(tok_tps_message_new_status_update_request(10, "", &error));
	EXPECT_INVALID(tok_tps_message_new_status_update_request(10, "PROGRESS DONE", &error));
	EXPECT_INVALID(tok_tps_message_new_status_update_request(10, "A&B", &error));

	/* extended login request */
	{
		struct {
			const gchar *id, *name, *desc, *type, *option;
		} bad[] = {
		    {"", "n", "d", "string", ""},
		    {NULL, "n", "d", "string", ""},
		    {"U=ID", "n", "d", "string", ""},
		    {"UID", "a&b", "d", "string", ""},
		    {"UID", "n", "x=y", "string", ""},
		    {"UID", "n", "d", "str&ing", ""},
		    {"UID", "n", "d", "string", "a=b"},
		    {"UID", "\xff", "d", "string", ""},
		};
		for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autoptr(GPtrArray) params =
			    g_ptr_array_new_with_free_func((GDestroyNotify)tok_tps_login_parameter_free);
			g_ptr_array_add(params,
					tok_tps_login_parameter_new(bad[i].id,
								    bad[i].name,
								    bad[i].desc,
								    bad[i].type,
								    bad[i].option));
			EXPECT_INVALID(tok_tps_message_new_extended_login_request(FALSE,
										  FALSE,
										  "t",
										  "d",
										  params,
										  &error));
		}
		{
			g_autoptr(GPtrArray) params = g_ptr_array_new();
			EXPECT_INVALID(tok_tps_message_new_extended_login_request(FALSE,
										  FALSE,
										  "\xff",
										  "d",
										  params,
										  &error));
		}
	}

	/* extended login response */
	{
		g_autoptr(TokSecret) v = secret("v");
		g_autoptr(TokSecret) bad_v = tok_secret_new_from_data(bad_utf8, sizeof(bad_utf8));
		TokSecret *values[] = {v, v};
		TokSecret *bad_values[] = {bad_v};
		TokSecret *null_values[] = {NULL};
		const gchar *dup[] = {"UID", "UID"};
		const gchar *empty[] = {""};
		const gchar *s_id[] = {"s"};
		const gchar *uid[] = {"UID"};
		const gchar *null_id[] = {NULL};

		EXPECT_INVALID(tok_tps_message_new_extended_login_response(dup, values, 2, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(empty, values, 1, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(null_id, values, 1, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(s_id, values, 1, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(uid, bad_values, 1, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(uid, null_values, 1, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(uid, values, 0, &error));
		EXPECT_INVALID(tok_tps_message_new_extended_login_response(NULL, NULL, 1, &error));
	}
}

/* ---- logging ---- */

static void
test_log_string(void)
{
	g_autoptr(GError) error = NULL;
	struct {
		const gchar *body;
		const gchar *want;
		const gchar *secret;
	} cases[] = {
	    {"msg_type=4&screen_name=user1&password=secret%2B123",
	     "LOGIN_RESPONSE(4) screen_name=user1 password=<10 bytes>",
	     "secret"},
	    {"msg_type=12&new_pin=secret123", "NEW_PIN_RESPONSE(12) new_pin=<9 bytes>", "secret"},
	    {"msg_type=10&pdu_size=4&pdu_data=%12%34%90%00",
	     "TOKEN_PDU_RESPONSE(10) pdu_size=4 pdu_data=<4 bytes>",
	     "%12"},
	    {"msg_type=9&pdu_size=5&pdu_data=%00%A4%04%00%00",
	     "TOKEN_PDU_REQUEST(9) pdu_size=5 pdu_data=<5 bytes>",
	     "%A4"},
	    {"msg_type=17&UID=user1&PASSWORD=secret123&OTP=9876",
	     "EXTENDED_LOGIN_RESPONSE(17) UID=<5 bytes> PASSWORD=<9 bytes> OTP=<4 bytes>",
	     "secret"},
	    {"msg_type=6&value=123456&pin=secret", "SECUREID_RESPONSE(6) value=<6 bytes> pin=<6 bytes>",
	     "secret"},
	    {"msg_type=8&answer=secret", "ASQ_RESPONSE(8) answer=<6 bytes>", "secret"},
	    {"msg_type=15&current_state=10&password=secret",
	     "STATUS_UPDATE_RESPONSE(15) current_state=10 password=<6 bytes>",
	     "secret"},
	    {"msg_type=2&operation=1&extensions=tokenType%3DuserKey",
	     "BEGIN_OP(2) operation=1 extensions=tokenType%3DuserKey",
	     NULL},
	    {"msg_type=13&operation=1&result=1&message=14",
	     "END_OP(13) operation=1 result=1 message=14",
	     NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = frame(cases[i].body);
		g_autoptr(TokTpsMessage) msg = parse_ok(text);
		g_autofree gchar *log = tok_tps_message_to_log_string(msg);
		g_assert_cmpstr(log, ==, cases[i].want);
		g_assert_null(strchr(log, '\n'));
		if (cases[i].secret != NULL)
			g_assert_null(strstr(log, cases[i].secret));
	}
	/* built messages redact the same way */
	{
		g_autoptr(TokSecret) pw = secret("hunter2");
		g_autoptr(TokTpsMessage) msg = tok_tps_message_new_login_response("bob", pw, &error);
		g_autofree gchar *log = tok_tps_message_to_log_string(msg);
		g_assert_no_error(error);
		g_assert_cmpstr(log, ==, "LOGIN_RESPONSE(4) screen_name=bob password=<7 bytes>");
	}
}

/* ---- boxed types ---- */

static void
test_boxed(void)
{
	g_autoptr(TokTpsMessage) msg = tok_tps_message_new_login_request(TRUE, FALSE);
	g_autoptr(TokTpsMessage) copy = g_boxed_copy(TOK_TYPE_TPS_MESSAGE, msg);
	g_autoptr(TokTpsLoginParameter) p = tok_tps_login_parameter_new("UID", NULL, "d", NULL, NULL);
	g_autoptr(TokTpsLoginParameter) q = g_boxed_copy(TOK_TYPE_TPS_LOGIN_PARAMETER, p);

	g_assert_true(copy == msg); /* immutable, reference counted */
	g_assert_cmpint(tok_tps_message_get_msg_type(copy), ==, TOK_TPS_MSG_TYPE_LOGIN_REQUEST);
	g_boxed_free(TOK_TYPE_TPS_MESSAGE, g_steal_pointer(&copy));
	g_assert_true(q != p);
	g_assert_cmpstr(q->id, ==, "UID");
	g_assert_cmpstr(q->name, ==, "");
	g_assert_cmpstr(q->desc, ==, "d");
	g_assert_cmpstr(q->option, ==, "");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/tps-message/names", test_names);
	g_test_add_func("/tok/tps-message/example/pdu-response", test_example_pdu_response);
	g_test_add_func("/tok/tps-message/example/pdu-response-java", test_example_pdu_response_java);
	g_test_add_func("/tok/tps-message/example/pdu-request", test_example_pdu_request);
	g_test_add_func("/tok/tps-message/example/login", test_example_login);
	g_test_add_func("/tok/tps-message/example/new-pin", test_example_new_pin);
	g_test_add_func("/tok/tps-message/example/status-update", test_example_status_update);
	g_test_add_func("/tok/tps-message/example/end-op", test_example_end_op);
	g_test_add_func("/tok/tps-message/example/begin-op", test_example_begin_op);
	g_test_add_func("/tok/tps-message/example/begin-op-esc", test_example_begin_op_esc);
	g_test_add_func("/tok/tps-message/example/sequences", test_example_sequences);
	g_test_add_func("/tok/tps-message/example/extended-login", test_example_extended_login);
	g_test_add_func("/tok/tps-message/example/extended-login-response",
			test_example_extended_login_response);
	g_test_add_func("/tok/tps-message/round-trip", test_round_trip);
	g_test_add_func("/tok/tps-message/parse/pdu-field-order", test_parse_pdu_field_order);
	g_test_add_func("/tok/tps-message/parse/unknown-fields", test_parse_unknown_fields);
	g_test_add_func("/tok/tps-message/parse/extensions", test_parse_extensions);
	g_test_add_func("/tok/tps-message/parse/max-size", test_parse_max_size);
	g_test_add_func("/tok/tps-message/parse/bad-length", test_parse_bad_length);
	g_test_add_func("/tok/tps-message/parse/bad-body", test_parse_bad_body);
	g_test_add_func("/tok/tps-message/parse/bad-bytes", test_parse_bad_bytes);
	g_test_add_func("/tok/tps-message/getters/wrong-type", test_getters_wrong_type);
	g_test_add_func("/tok/tps-message/constructor-errors", test_constructor_errors);
	g_test_add_func("/tok/tps-message/log-string", test_log_string);
	g_test_add_func("/tok/tps-message/boxed", test_boxed);
	return g_test_run();
}
