/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TokTpsMessage typed constructors (tok_tps_message_new_*). */
#include "config.h"

#include "tok-tps-message.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-tps-message-private.h"
#include "tok-wire-encoding.h"

/* ---------------------------------------------------------------------------------------- */
/* appending fields */

static void
tok_tps_message_add_uint(TokTpsMessage *msg, const gchar *name, guint value)
{
	g_autofree gchar *text = g_strdup_printf("%u", value);
	tok_tps_message_add(msg, name, tok_bytes_new_wiped((const guint8 *)text, strlen(text)));
}

/* @text goes on the wire as it is: callers have checked its characters. */
static void
tok_tps_message_add_raw(TokTpsMessage *msg, const gchar *name, const gchar *text)
{
	tok_tps_message_add(msg, name, tok_bytes_new_wiped((const guint8 *)text, strlen(text)));
}

static void
tok_tps_message_add_form_text(TokTpsMessage *msg, const gchar *name, const gchar *text)
{
	tok_tps_message_add(msg, name, tok_wire_encode_form_text(text));
}

static void
tok_tps_message_add_form_secret(TokTpsMessage *msg, const gchar *name, const TokSecret *secret)
{
	g_autoptr(GBytes) raw = tok_secret_to_wiped_bytes(secret);
	tok_tps_message_add(msg, name, tok_wire_encode_form(raw));
}

/* ---------------------------------------------------------------------------------------- */
/* checks of constructor arguments */

static gboolean
tok_tps_check_text(const gchar *what, const gchar *text, GError **error)
{
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "%s is not valid UTF-8", what);
		return FALSE;
	}
	return TRUE;
}

/* Text that is sent as a part of a '&'/'='-separated list, without its own encoding. */
static gboolean
tok_tps_check_list_part(const gchar *what, const gchar *text, GError **error)
{
	if (!tok_tps_check_text(what, text, error))
		return FALSE;
	if (strpbrk(text, "&=") != NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s \"%s\" contains '&' or '=', which this field cannot carry",
			    what,
			    text);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_tps_check_secret_text(const gchar *what, const TokSecret *secret, GError **error)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(secret, &len);
	/* g_utf8_validate_len() also refuses NUL bytes */
	if (len > 0 && !g_utf8_validate_len((const gchar *)data, len, NULL)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s is not valid UTF-8 text or contains a NUL byte",
			    what);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_tps_is_token_char(gchar c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

/* ---------------------------------------------------------------------------------------- */
/* constructors */

TokTpsMessage *
tok_tps_message_new_begin_op(TokTpsOperation operation,
			     const gchar *const *extensions,
			     TokTpsBeginOpFlags flags,
			     GError **error)
{
	g_autoptr(TokTpsMessage) msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_BEGIN_OP);
	g_autoptr(GString) joined = g_string_new(NULL);
	g_autoptr(GHashTable) keys = g_hash_table_new(g_str_hash, g_str_equal);

	if (operation < TOK_TPS_OPERATION_ENROLL || operation > TOK_TPS_OPERATION_LAST) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "BEGIN_OP needs an operation code 1..5, not %d",
			    (gint)operation);
		return NULL;
	}
	tok_tps_message_add_uint(msg, "operation", (guint)operation);
	if (extensions == NULL || extensions[0] == NULL)
		return g_steal_pointer(&msg);

	for (guint i = 0; extensions[i] != NULL; i += 2) {
		const gchar *key = extensions[i];
		const gchar *value = extensions[i + 1];
		if (value == NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "BEGIN_OP extension \"%s\" has no value",
				    key);
			return NULL;
		}
		if (!tok_tps_check_list_part("BEGIN_OP extension key", key, error) ||
		    !tok_tps_check_list_part("BEGIN_OP extension value", value, error))
			return NULL;
		if (key[0] == '\0' || value[0] == '\0') {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "BEGIN_OP extension \"%s\" has an empty key or value, which the "
				    "TPS cannot read",
				    key);
			return NULL;
		}
		if (!g_hash_table_add(keys, (gpointer)key)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "BEGIN_OP extension \"%s\" is given twice",
				    key);
			return NULL;
		}
		if (i > 0)
			g_string_append_c(joined, '&');
		g_string_append_printf(joined, "%s=%s", key, value);
	}
	if (flags & TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR)
		g_string_append_c(joined, '&');
	tok_tps_message_add_form_text(msg, "extensions", joined->str);
	return g_steal_pointer(&msg);
}

TokTpsMessage *
tok_tps_message_new_login_request(gboolean invalid_pw, gboolean blocked)
{
	TokTpsMessage *msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_LOGIN_REQUEST);
	tok_tps_message_add_uint(msg, "invalid_pw", invalid_pw ? 1 : 0);
	tok_tps_message_add_uint(msg, "blocked", blocked ? 1 : 0);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_login_response(const gchar *screen_name,
				   const TokSecret *password,
				   GError **error)
{
	TokTpsMessage *msg;

	if (!tok_tps_check_text("LOGIN_RESPONSE screen name", screen_name, error) ||
	    !tok_tps_check_secret_text("LOGIN_RESPONSE password", password, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_LOGIN_RESPONSE);
	tok_tps_message_add_form_text(msg, "screen_name", screen_name);
	tok_tps_message_add_form_secret(msg, "password", password);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_secureid_request(gboolean pin_required, gboolean next_value)
{
	TokTpsMessage *msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_SECUREID_REQUEST);
	tok_tps_message_add_uint(msg, "pin_required", pin_required ? 1 : 0);
	tok_tps_message_add_uint(msg, "next_value", next_value ? 1 : 0);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_secureid_response(const TokSecret *value, const TokSecret *pin, GError **error)
{
	TokTpsMessage *msg;

	if (!tok_tps_check_secret_text("SECUREID_RESPONSE value", value, error) ||
	    !tok_tps_check_secret_text("SECUREID_RESPONSE PIN", pin, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_SECUREID_RESPONSE);
	tok_tps_message_add_form_secret(msg, "value", value);
	tok_tps_message_add_form_secret(msg, "pin", pin);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_asq_request(const gchar *question, GError **error)
{
	TokTpsMessage *msg;

	if (!tok_tps_check_text("ASQ_REQUEST question", question, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_ASQ_REQUEST);
	tok_tps_message_add_form_text(msg, "question", question);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_asq_response(const TokSecret *answer, GError **error)
{
	TokTpsMessage *msg;

	if (!tok_tps_check_secret_text("ASQ_RESPONSE answer", answer, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_ASQ_RESPONSE);
	tok_tps_message_add_form_secret(msg, "answer", answer);
	return msg;
}

gboolean
tok_tps_check_pdu_size(TokTpsMsgType msg_type, gsize len, GError **error)
{
	gsize min = msg_type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST ? 4 : 2;

	if (len < min) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s carries %" G_GSIZE_FORMAT " APDU bytes, fewer than the minimum of "
			    "%" G_GSIZE_FORMAT,
			    tok_tps_msg_type_to_string(msg_type),
			    len,
			    min);
		return FALSE;
	}
	if (len > G_MAXINT || len > TOK_WIRE_ENCODE_MAX_INPUT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%s APDU of %" G_GSIZE_FORMAT " bytes is too large",
			    tok_tps_msg_type_to_string(msg_type),
			    len);
		return FALSE;
	}
	return TRUE;
}

TokTpsMessage *
tok_tps_message_new_token_pdu_request(GBytes *apdu, GError **error)
{
	TokTpsMessage *msg;
	gsize len = g_bytes_get_size(apdu);

	if (!tok_tps_check_pdu_size(TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST, len, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST);
	tok_tps_message_add_uint(msg, "pdu_size", (guint)len);
	tok_tps_message_add(msg, "pdu_data", tok_wire_encode_percent_hex(apdu));
	return msg;
}

TokTpsMessage *
tok_tps_message_new_token_pdu_response(GBytes *response, GError **error)
{
	TokTpsMessage *msg;
	gsize len = g_bytes_get_size(response);

	if (!tok_tps_check_pdu_size(TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE, len, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE);
	tok_tps_message_add_uint(msg, "pdu_size", (guint)len);
	tok_tps_message_add(msg, "pdu_data", tok_wire_encode_form(response));
	return msg;
}

TokTpsMessage *
tok_tps_message_new_new_pin_request(guint minimum_length, guint maximum_length, GError **error)
{
	TokTpsMessage *msg;

	if (minimum_length > maximum_length || maximum_length > G_MAXINT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "NEW_PIN_REQUEST length range %u..%u is empty or too large",
			    minimum_length,
			    maximum_length);
		return NULL;
	}
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST);
	tok_tps_message_add_uint(msg, "minimum_length", minimum_length);
	tok_tps_message_add_uint(msg, "maximum_length", maximum_length);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_new_pin_response(const TokSecret *pin, GError **error)
{
	TokTpsMessage *msg;
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(pin, &len);

	for (gsize i = 0; i < len; i++) {
		if (!tok_tps_is_raw_char(data[i])) {
			/* no offset or character: the message must not reveal anything of the PIN */
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "the new PIN contains '&', '=', a NUL, control or non-ASCII "
					    "character, which NEW_PIN_RESPONSE sends unencoded and the TPS "
					    "could not read back");
			return NULL;
		}
	}
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE);
	tok_tps_message_add(msg, "new_pin", tok_bytes_new_wiped(data, len));
	return msg;
}

TokTpsMessage *
tok_tps_message_new_end_op(TokTpsOperation operation,
			   guint result,
			   TokTpsStatus status,
			   GError **error)
{
	TokTpsMessage *msg;

	if ((guint)operation > TOK_TPS_OPERATION_LAST) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "END_OP operation code %u is not one of 0..5",
			    (guint)operation);
		return NULL;
	}
	if (result > 1) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "END_OP result %u is neither 0 (success) nor 1 (failure)",
			    result);
		return NULL;
	}
	if ((guint)status > G_MAXINT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "END_OP status code %u is out of range",
			    (guint)status);
		return NULL;
	}
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_END_OP);
	tok_tps_message_add_uint(msg, "operation", (guint)operation);
	tok_tps_message_add_uint(msg, "result", result);
	tok_tps_message_add_uint(msg, "message", (guint)status);
	return msg;
}

static gboolean
tok_tps_check_percent(const gchar *what, guint percent, GError **error)
{
	if (percent > 100) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s current_state %u is not a percentage 0..100",
			    what,
			    percent);
		return FALSE;
	}
	return TRUE;
}

TokTpsMessage *
tok_tps_message_new_status_update_request(guint percent,
					  const gchar *next_task_name,
					  GError **error)
{
	TokTpsMessage *msg;

	if (!tok_tps_check_percent("STATUS_UPDATE_REQUEST", percent, error))
		return NULL;
	if (next_task_name[0] == '\0') {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "STATUS_UPDATE_REQUEST needs a task name");
		return NULL;
	}
	for (gsize i = 0; next_task_name[i] != '\0'; i++) {
		if (!tok_tps_is_token_char(next_task_name[i])) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "STATUS_UPDATE_REQUEST task name has byte 0x%02X at offset "
				    "%" G_GSIZE_FORMAT ", outside [A-Za-z0-9_.-]",
				    (guint8)next_task_name[i],
				    i);
			return NULL;
		}
	}
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST);
	tok_tps_message_add_uint(msg, "current_state", percent);
	tok_tps_message_add_raw(msg, "next_task_name", next_task_name);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_status_update_response(guint percent, GError **error)
{
	TokTpsMessage *msg;

	if (!tok_tps_check_percent("STATUS_UPDATE_RESPONSE", percent, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE);
	tok_tps_message_add_uint(msg, "current_state", percent);
	return msg;
}

TokTpsMessage *
tok_tps_message_new_extended_login_request(gboolean invalid_pw,
					   gboolean blocked,
					   const gchar *title,
					   const gchar *description,
					   GPtrArray *params,
					   GError **error)
{
	g_autoptr(TokTpsMessage) msg = NULL;

	if (!tok_tps_check_text("EXTENDED_LOGIN_REQUEST title", title, error) ||
	    !tok_tps_check_text("EXTENDED_LOGIN_REQUEST description", description, error))
		return NULL;
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST);
	tok_tps_message_add_uint(msg, "invalid_pw", invalid_pw ? 1 : 0);
	tok_tps_message_add_uint(msg, "blocked", blocked ? 1 : 0);
	tok_tps_message_add_form_text(msg, "title", title);
	tok_tps_message_add_form_text(msg, "description", description);
	for (guint i = 0; i < params->len; i++) {
		const TokTpsLoginParameter *param = g_ptr_array_index(params, i);
		g_autofree gchar *name = NULL;
		g_autofree gchar *joined = NULL;

		if (param == NULL || param->id == NULL || param->id[0] == '\0') {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_REQUEST parameter %u has no id",
				    i);
			return NULL;
		}
		if (!tok_tps_check_list_part("login parameter id", param->id, error) ||
		    !tok_tps_check_list_part("login parameter name",
					     param->name != NULL ? param->name : "",
					     error) ||
		    !tok_tps_check_list_part("login parameter description",
					     param->desc != NULL ? param->desc : "",
					     error) ||
		    !tok_tps_check_list_part("login parameter type",
					     param->type != NULL ? param->type : "",
					     error) ||
		    !tok_tps_check_list_part("login parameter option",
					     param->option != NULL ? param->option : "",
					     error))
			return NULL;
		joined = g_strdup_printf("id=%s&name=%s&desc=%s&type=%s&option=%s",
					 param->id,
					 param->name != NULL ? param->name : "",
					 param->desc != NULL ? param->desc : "",
					 param->type != NULL ? param->type : "",
					 param->option != NULL ? param->option : "");
		name = g_strdup_printf("required_parameter%u", i);
		tok_tps_message_add_form_text(msg, name, joined);
	}
	return g_steal_pointer(&msg);
}

TokTpsMessage *
tok_tps_message_new_extended_login_response(const gchar *const *ids,
					    TokSecret *const *values,
					    guint n_values,
					    GError **error)
{
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	if (n_values == 0 || ids == NULL || values == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_RESPONSE needs at least one value");
		return NULL;
	}
	msg = tok_tps_message_new_empty(TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE);
	for (guint i = 0; i < n_values; i++) {
		g_autoptr(GBytes) encoded_id = NULL;
		g_autofree gchar *name = NULL;

		if (ids[i] == NULL || ids[i][0] == '\0' || values[i] == NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_RESPONSE entry %u has no id or no value",
				    i);
			return NULL;
		}
		if (!tok_tps_check_text("EXTENDED_LOGIN_RESPONSE id", ids[i], error) ||
		    !tok_tps_check_secret_text("EXTENDED_LOGIN_RESPONSE value", values[i], error))
			return NULL;
		if (g_strcmp0(ids[i], "s") == 0) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "EXTENDED_LOGIN_RESPONSE id \"s\" would clash with the "
					    "length prefix");
			return NULL;
		}
		if (!g_hash_table_add(seen, (gpointer)ids[i])) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_RESPONSE id \"%s\" is given twice",
				    ids[i]);
			return NULL;
		}
		encoded_id = tok_wire_encode_form_text(ids[i]);
		name = g_strndup(g_bytes_get_data(encoded_id, NULL), g_bytes_get_size(encoded_id));
		tok_tps_message_add_form_secret(msg, name, values[i]);
	}
	return g_steal_pointer(&msg);
}
