/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target "tps-message": tok_tps_message_parse() on any input. A message that parses
 * must re-encode to exactly the input, re-parse to the same fields, satisfy its own typed
 * getter, and survive a rebuild through the typed constructor. Every getter is called on
 * every message (the wrong-type ones must fail cleanly). The input is also fed to the
 * value decoders of tok-wire-encoding, whose results must survive an encode/decode trip.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "tok-error.h"
#include "tok-secret.h"
#include "tok-tps-message.h"
#include "tok-wire-encoding.h"

static void
fuzz_check_wire_encoding(const uint8_t *data, size_t size)
{
	g_autoptr(GBytes) input = g_bytes_new(data, size);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) form = tok_wire_decode_form(input, &error);
	g_autoptr(GBytes) hash = NULL;
	g_autofree gchar *text = NULL;

	if (form != NULL) {
		g_autoptr(GBytes) enc = tok_wire_encode_form(form);
		g_autoptr(GBytes) hex = tok_wire_encode_percent_hex(form);
		g_autoptr(GBytes) back1 = tok_wire_decode_form(enc, NULL);
		g_autoptr(GBytes) back2 = tok_wire_decode_form(hex, NULL);
		g_assert_nonnull(back1);
		g_assert_nonnull(back2);
		g_assert_true(g_bytes_equal(back1, form));
		g_assert_true(g_bytes_equal(back2, form));
	} else {
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
	text = tok_wire_decode_form_text(input, &error);
	if (text != NULL) {
		g_assert_nonnull(form);
		g_assert_true(g_utf8_validate(text, -1, NULL));
		g_assert_cmpuint(strlen(text), ==, g_bytes_get_size(form));
	} else {
		g_assert_nonnull(error);
		g_clear_error(&error);
	}
	hash = tok_wire_decode_hash_hex(input, &error);
	if (hash != NULL) {
		g_autoptr(GBytes) enc = tok_wire_encode_hash_hex(hash);
		g_autoptr(GBytes) back = tok_wire_decode_hash_hex(enc, NULL);
		g_assert_nonnull(back);
		g_assert_true(g_bytes_equal(back, hash));
	} else {
		g_assert_nonnull(error);
	}
}

/* Calls every typed getter; returns whether the one for the message's own type succeeded. */
static gboolean
fuzz_call_getters(const TokTpsMessage *msg)
{
	TokTpsMsgType type = tok_tps_message_get_msg_type(msg);
	gboolean own_ok = FALSE;
	gboolean ok;

	{
		g_autoptr(GError) error = NULL;
		TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
		ok = tok_tps_message_get_operation(msg, &op, &error);
		g_assert_true(ok == (error == NULL));
		if (ok)
			g_assert_nonnull(tok_tps_operation_to_string(op));
	}
	{
		g_autoptr(GError) error = NULL;
		g_auto(GStrv) exts = tok_tps_message_get_extensions(msg, &error);
		g_assert_true((exts != NULL) == (error == NULL));
		if (exts != NULL) {
			g_assert_cmpuint(g_strv_length(exts) % 2, ==, 0);
			(void)tok_tps_extensions_lookup((const gchar *const *)exts, "tokenType");
		}
		if (type == TOK_TPS_MSG_TYPE_BEGIN_OP)
			own_ok = exts != NULL;
	}
	{
		g_autoptr(GError) error = NULL;
		gboolean a = FALSE, b = FALSE;
		ok = tok_tps_message_get_login_request(msg, &a, &b, &error);
		g_assert_true(ok == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_LOGIN_REQUEST)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *name = NULL;
		g_autoptr(TokSecret) pw = NULL;
		ok = tok_tps_message_get_login_response(msg, &name, &pw, &error);
		g_assert_true(ok == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_LOGIN_RESPONSE)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		gboolean a = FALSE, b = FALSE;
		ok = tok_tps_message_get_secureid_request(msg, &a, &b, &error);
		g_assert_true(ok == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_SECUREID_REQUEST)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) v = NULL;
		g_autoptr(TokSecret) p = NULL;
		ok = tok_tps_message_get_secureid_response(msg, &v, &p, &error);
		g_assert_true(ok == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_SECUREID_RESPONSE)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *q = tok_tps_message_get_asq_question(msg, &error);
		g_assert_true((q != NULL) == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_ASQ_REQUEST)
			own_ok = q != NULL;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) a = tok_tps_message_get_asq_answer(msg, &error);
		g_assert_true((a != NULL) == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_ASQ_RESPONSE)
			own_ok = a != NULL;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);
		g_assert_true((pdu != NULL) == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST ||
		    type == TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE)
			own_ok = pdu != NULL;
	}
	{
		g_autoptr(GError) error = NULL;
		guint min = 0, max = 0;
		ok = tok_tps_message_get_new_pin_request(msg, &min, &max, &error);
		g_assert_true(ok == (error == NULL));
		if (ok)
			g_assert_cmpuint(min, <=, max);
		if (type == TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) pin = tok_tps_message_get_new_pin(msg, &error);
		g_assert_true((pin != NULL) == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE)
			own_ok = pin != NULL;
	}
	{
		g_autoptr(GError) error = NULL;
		TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
		TokTpsStatus status = TOK_TPS_STATUS_NO_ERROR;
		guint result = 0;
		ok = tok_tps_message_get_end_op(msg, &op, &result, &status, &error);
		g_assert_true(ok == (error == NULL));
		if (ok) {
			g_assert_cmpuint(result, <=, 1);
			(void)tok_tps_status_to_string(status);
		}
		if (type == TOK_TPS_MSG_TYPE_END_OP)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *task = NULL;
		guint pct = 0;
		ok = tok_tps_message_get_status_update_request(msg, &pct, &task, &error);
		g_assert_true(ok == (error == NULL));
		if (ok)
			g_assert_cmpuint(pct, <=, 100);
		if (type == TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		guint pct = 0;
		ok = tok_tps_message_get_status_update_response(msg, &pct, &error);
		g_assert_true(ok == (error == NULL));
		if (type == TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *title = NULL;
		g_autofree gchar *desc = NULL;
		g_autoptr(GPtrArray) params = NULL;
		gboolean a = FALSE, b = FALSE;
		ok = tok_tps_message_get_extended_login_request(msg, &a, &b, &title, &desc, &params, &error);
		g_assert_true(ok == (error == NULL));
		if (ok) {
			for (guint i = 0; i < params->len; i++) {
				const TokTpsLoginParameter *p = g_ptr_array_index(params, i);
				g_assert_nonnull(p);
				g_assert_cmpstr(p->id, !=, "");
			}
		}
		if (type == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST)
			own_ok = ok;
	}
	{
		g_autoptr(GError) error = NULL;
		g_auto(GStrv) ids = NULL;
		g_autoptr(GPtrArray) values = NULL;
		ok = tok_tps_message_get_extended_login_response(msg, &ids, &values, &error);
		g_assert_true(ok == (error == NULL));
		if (ok) {
			g_autoptr(TokSecret) first = NULL;
			g_assert_cmpuint(g_strv_length(ids), ==, values->len);
			first = tok_tps_message_lookup_extended_login_value(msg, ids[0], &error);
			g_assert_no_error(error);
			g_assert_true(tok_secret_equal(first, g_ptr_array_index(values, 0)));
		}
		if (type == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE)
			own_ok = ok;
	}
	return own_ok;
}

/* Encodes @msg, parses it back and checks the wire form is unchanged. */
static void
fuzz_check_reparse(const TokTpsMessage *msg, GBytes *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_tps_message_encode(msg, &error);
	g_autoptr(TokTpsMessage) again = NULL;
	g_autoptr(GBytes) wire2 = NULL;

	g_assert_no_error(error);
	if (want != NULL)
		g_assert_true(g_bytes_equal(wire, want));
	again = tok_tps_message_parse_bytes(wire, G_MAXSIZE, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tok_tps_message_get_msg_type(again), ==, tok_tps_message_get_msg_type(msg));
	g_assert_cmpuint(tok_tps_message_get_n_fields(again), ==, tok_tps_message_get_n_fields(msg));
	for (guint i = 0; i < tok_tps_message_get_n_fields(msg); i++) {
		const gchar *name = tok_tps_message_get_field_name(msg, i);
		g_autoptr(GBytes) v1 = tok_tps_message_dup_wire_value(msg, name);
		g_autoptr(GBytes) v2 = tok_tps_message_dup_wire_value(again, name);
		g_assert_cmpstr(name, ==, tok_tps_message_get_field_name(again, i));
		g_assert_true(g_bytes_equal(v1, v2));
	}
	wire2 = tok_tps_message_encode(again, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(wire, wire2));
}

/* Rebuilds the message through its typed constructor (where the parsed values always fit
 * the constructor's rules) and checks the typed values survive. */
static void
fuzz_check_rebuild(const TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) rebuilt = NULL;

	switch (tok_tps_message_get_msg_type(msg)) {
	case TOK_TPS_MSG_TYPE_BEGIN_OP: {
		TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
		g_auto(GStrv) exts = tok_tps_message_get_extensions(msg, &error);
		g_auto(GStrv) exts2 = NULL;
		g_assert_no_error(error);
		g_assert_true(tok_tps_message_get_operation(msg, &op, &error));
		rebuilt = tok_tps_message_new_begin_op(op,
						       (const gchar *const *)exts,
						       TOK_TPS_BEGIN_OP_FLAG_NONE,
						       &error);
		g_assert_no_error(error);
		exts2 = tok_tps_message_get_extensions(rebuilt, &error);
		g_assert_no_error(error);
		g_assert_true(g_strv_equal((const gchar *const *)exts, (const gchar *const *)exts2));
		break;
	}
	case TOK_TPS_MSG_TYPE_LOGIN_RESPONSE: {
		g_autofree gchar *name = NULL;
		g_autofree gchar *name2 = NULL;
		g_autoptr(TokSecret) pw = NULL;
		g_autoptr(TokSecret) pw2 = NULL;
		g_assert_true(tok_tps_message_get_login_response(msg, &name, &pw, &error));
		rebuilt = tok_tps_message_new_login_response(name, pw, &error);
		g_assert_no_error(error);
		g_assert_true(tok_tps_message_get_login_response(rebuilt, &name2, &pw2, &error));
		g_assert_cmpstr(name, ==, name2);
		g_assert_true(tok_secret_equal(pw, pw2));
		break;
	}
	case TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST:
	case TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE: {
		g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);
		g_autoptr(GBytes) pdu2 = NULL;
		g_assert_no_error(error);
		if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST)
			rebuilt = tok_tps_message_new_token_pdu_request(pdu, &error);
		else
			rebuilt = tok_tps_message_new_token_pdu_response(pdu, &error);
		g_assert_no_error(error);
		pdu2 = tok_tps_message_get_pdu(rebuilt, &error);
		g_assert_no_error(error);
		g_assert_true(g_bytes_equal(pdu, pdu2));
		break;
	}
	case TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE: {
		g_autoptr(TokSecret) pin = tok_tps_message_get_new_pin(msg, &error);
		g_autoptr(TokSecret) pin2 = NULL;
		g_assert_no_error(error);
		rebuilt = tok_tps_message_new_new_pin_response(pin, &error);
		/* the parser takes '+', '%' and spaces raw, like the Java TPS; so does this */
		g_assert_no_error(error);
		pin2 = tok_tps_message_get_new_pin(rebuilt, &error);
		g_assert_no_error(error);
		g_assert_true(tok_secret_equal(pin, pin2));
		break;
	}
	case TOK_TPS_MSG_TYPE_END_OP: {
		TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
		TokTpsStatus status = TOK_TPS_STATUS_NO_ERROR;
		guint result = 0;
		g_assert_true(tok_tps_message_get_end_op(msg, &op, &result, &status, &error));
		rebuilt = tok_tps_message_new_end_op(op, result, status, &error);
		g_assert_no_error(error);
		break;
	}
	default:
		break;
	}
	if (rebuilt != NULL)
		fuzz_check_reparse(rebuilt, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GBytes) input = NULL;
	g_autofree gchar *log = NULL;

	fuzz_check_wire_encoding(data, size);

	msg = tok_tps_message_parse(data, size, 0, &error);
	if (msg == NULL) {
		g_assert_nonnull(error);
		g_assert_true(error->domain == TOK_ERROR);
		return 0;
	}
	g_assert_no_error(error);

	/* the wire form is kept: re-encoding gives back the exact input */
	input = g_bytes_new(data, size);
	fuzz_check_reparse(msg, input);
	g_assert_true(fuzz_call_getters(msg));
	fuzz_check_rebuild(msg);

	log = tok_tps_message_to_log_string(msg);
	g_assert_nonnull(log);
	g_assert_null(strchr(log, '\n'));
	return 0;
}
