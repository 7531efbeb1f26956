/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TokTpsMessage typed getters (tok_tps_message_get_*) and the extension and extended-login
 * lookups. */
#include "config.h"

#include "tok-tps-message.h"

#include <string.h>

#include "tok-error.h"
#include "tok-tps-message-private.h"
#include "tok-wire-encoding.h"

/* ---------------------------------------------------------------------------------------- */
/* typed getters */

static gboolean
tok_tps_message_expect_type(const TokTpsMessage *msg,
			    TokTpsMsgType want1,
			    TokTpsMsgType want2,
			    GError **error)
{
	const gchar *got = tok_tps_msg_type_to_string(msg->msg_type);

	if (msg->msg_type == want1 || msg->msg_type == want2)
		return TRUE;
	if (want1 == want2) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "expected a %s message, got %s (%u)",
			    tok_tps_msg_type_to_string(want1),
			    got != NULL ? got : "?",
			    (guint)msg->msg_type);
	} else {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "expected a %s or %s message, got %s (%u)",
			    tok_tps_msg_type_to_string(want1),
			    tok_tps_msg_type_to_string(want2),
			    got != NULL ? got : "?",
			    (guint)msg->msg_type);
	}
	return FALSE;
}

static GBytes *
tok_tps_message_require(const TokTpsMessage *msg, const gchar *name, GError **error)
{
	GBytes *value = tok_tps_message_lookup(msg, name);
	if (value == NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s message has no %s field",
			    tok_tps_msg_type_to_string(msg->msg_type),
			    name);
	}
	return value;
}

static gboolean
tok_tps_message_get_uint(const TokTpsMessage *msg,
			 const gchar *name,
			 guint min,
			 guint max,
			 guint *out,
			 GError **error)
{
	GBytes *wire = tok_tps_message_require(msg, name, error);
	guint64 value = 0;
	gsize len = 0;
	const guint8 *data;

	if (wire == NULL)
		return FALSE;
	data = g_bytes_get_data(wire, &len);
	if (!tok_tps_parse_decimal(data, len, max, &value, error)) {
		g_prefix_error(error,
			       "%s field %s: ",
			       tok_tps_msg_type_to_string(msg->msg_type),
			       name);
		return FALSE;
	}
	if (value < min) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s field %s: %" G_GUINT64_FORMAT " is out of range (at least %u)",
			    tok_tps_msg_type_to_string(msg->msg_type),
			    name,
			    value,
			    min);
		return FALSE;
	}
	*out = (guint)value;
	return TRUE;
}

static gboolean
tok_tps_message_get_bool(const TokTpsMessage *msg,
			 const gchar *name,
			 gboolean *out,
			 GError **error)
{
	guint value = 0;
	if (!tok_tps_message_get_uint(msg, name, 0, 1, &value, error))
		return FALSE;
	*out = value == 1;
	return TRUE;
}

static gchar *
tok_tps_message_get_text(const TokTpsMessage *msg, const gchar *name, GError **error)
{
	GBytes *wire = tok_tps_message_require(msg, name, error);
	gchar *text;

	if (wire == NULL)
		return NULL;
	text = tok_wire_decode_form_text(wire, error);
	if (text == NULL) {
		g_prefix_error(error,
			       "%s field %s: ",
			       tok_tps_msg_type_to_string(msg->msg_type),
			       name);
	}
	return text;
}

/* Form-decodes @wire into a secret that must be UTF-8 text. */
static TokSecret *
tok_tps_decode_secret_text(GBytes *wire, GError **error)
{
	g_autoptr(GBytes) raw = tok_wire_decode_form(wire, error);
	gsize len = 0;
	const guint8 *data;

	if (raw == NULL)
		return NULL;
	data = g_bytes_get_data(raw, &len);
	if (len > 0 && !g_utf8_validate_len((const gchar *)data, len, NULL)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "decoded text is not valid UTF-8 or contains a NUL byte");
		return NULL;
	}
	return tok_secret_new_from_data(data, len);
}

static TokSecret *
tok_tps_message_get_secret_text(const TokTpsMessage *msg, const gchar *name, GError **error)
{
	GBytes *wire = tok_tps_message_require(msg, name, error);
	TokSecret *secret;

	if (wire == NULL)
		return NULL;
	secret = tok_tps_decode_secret_text(wire, error);
	if (secret == NULL) {
		g_prefix_error(error,
			       "%s field %s: ",
			       tok_tps_msg_type_to_string(msg->msg_type),
			       name);
	}
	return secret;
}

gboolean
tok_tps_message_get_operation(const TokTpsMessage *msg,
			      TokTpsOperation *operation,
			      GError **error)
{
	guint value = 0;
	guint min;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_BEGIN_OP,
					 TOK_TPS_MSG_TYPE_END_OP,
					 error))
		return FALSE;
	/* END_OP may echo an undefined operation (a failed BEGIN_OP); BEGIN_OP may not */
	min = msg->msg_type == TOK_TPS_MSG_TYPE_BEGIN_OP ? TOK_TPS_OPERATION_ENROLL
							 : TOK_TPS_OPERATION_UNDEFINED;
	if (!tok_tps_message_get_uint(msg, "operation", min, TOK_TPS_OPERATION_LAST, &value, error))
		return FALSE;
	if (operation != NULL)
		*operation = (TokTpsOperation)value;
	return TRUE;
}

/* Splits decoded extensions "k=v&k=v[&]" into key, value, ..., NULL. */
static gchar **
tok_tps_split_extensions(const gchar *decoded, GError **error)
{
	g_auto(GStrv) items = g_strsplit(decoded, "&", -1);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint n = g_strv_length(items);

	/* ESC ends the list with '&': one empty last item is tolerated */
	if (n > 1 && items[n - 1][0] == '\0')
		n--;
	for (guint i = 0; i < n; i++) {
		const gchar *item = items[i];
		const gchar *eq = strchr(item, '=');
		g_autofree gchar *key = NULL;

		if (item[0] == '\0') {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extension %u is empty",
				    i);
			return NULL;
		}
		if (eq == NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extension %u \"%.*s\" has no '='",
				    i,
				    TOK_TPS_QUOTE_MAX,
				    item);
			return NULL;
		}
		key = g_strndup(item, (gsize)(eq - item));
		if (key[0] == '\0') {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extension %u has an empty key",
				    i);
			return NULL;
		}
		if (eq[1] == '\0') {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extension \"%.*s\" has an empty value",
				    TOK_TPS_QUOTE_MAX,
				    key);
			return NULL;
		}
		if (strchr(eq + 1, '=') != NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extension \"%.*s\" has a second '='",
				    TOK_TPS_QUOTE_MAX,
				    key);
			return NULL;
		}
		if (g_hash_table_contains(keys, key)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "extension \"%.*s\" is given twice",
				    TOK_TPS_QUOTE_MAX,
				    key);
			return NULL;
		}
		g_strv_builder_add(builder, key);
		g_strv_builder_add(builder, eq + 1);
		g_hash_table_add(keys, g_steal_pointer(&key));
	}
	return g_strv_builder_end(builder);
}

gchar **
tok_tps_message_get_extensions(const TokTpsMessage *msg, GError **error)
{
	GBytes *wire;
	g_autofree gchar *decoded = NULL;
	gchar **extensions;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_BEGIN_OP,
					 TOK_TPS_MSG_TYPE_BEGIN_OP,
					 error))
		return NULL;
	wire = tok_tps_message_lookup(msg, "extensions");
	if (wire == NULL)
		return g_new0(gchar *, 1);
	decoded = tok_wire_decode_form_text(wire, error);
	if (decoded == NULL) {
		g_prefix_error(error, "BEGIN_OP field extensions: ");
		return NULL;
	}
	extensions = tok_tps_split_extensions(decoded, error);
	if (extensions == NULL) {
		g_prefix_error(error, "BEGIN_OP field extensions: ");
		return NULL;
	}
	return extensions;
}

const gchar *
tok_tps_extensions_lookup(const gchar *const *extensions, const gchar *key)
{
	if (extensions == NULL)
		return NULL;
	for (guint i = 0; extensions[i] != NULL && extensions[i + 1] != NULL; i += 2) {
		if (g_strcmp0(extensions[i], key) == 0)
			return extensions[i + 1];
	}
	return NULL;
}

gboolean
tok_tps_message_get_login_request(const TokTpsMessage *msg,
				  gboolean *invalid_pw,
				  gboolean *blocked,
				  GError **error)
{
	gboolean inv = FALSE;
	gboolean blk = FALSE;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_LOGIN_REQUEST,
					 TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST,
					 error))
		return FALSE;
	if (!tok_tps_message_get_bool(msg, "invalid_pw", &inv, error) ||
	    !tok_tps_message_get_bool(msg, "blocked", &blk, error))
		return FALSE;
	if (invalid_pw != NULL)
		*invalid_pw = inv;
	if (blocked != NULL)
		*blocked = blk;
	return TRUE;
}

gboolean
tok_tps_message_get_login_response(const TokTpsMessage *msg,
				   gchar **screen_name,
				   TokSecret **password,
				   GError **error)
{
	g_autofree gchar *name = NULL;
	g_autoptr(TokSecret) pw = NULL;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_LOGIN_RESPONSE,
					 TOK_TPS_MSG_TYPE_LOGIN_RESPONSE,
					 error))
		return FALSE;
	name = tok_tps_message_get_text(msg, "screen_name", error);
	if (name == NULL)
		return FALSE;
	pw = tok_tps_message_get_secret_text(msg, "password", error);
	if (pw == NULL)
		return FALSE;
	if (screen_name != NULL)
		*screen_name = g_steal_pointer(&name);
	if (password != NULL)
		*password = g_steal_pointer(&pw);
	return TRUE;
}

gboolean
tok_tps_message_get_secureid_request(const TokTpsMessage *msg,
				     gboolean *pin_required,
				     gboolean *next_value,
				     GError **error)
{
	gboolean pin = FALSE;
	gboolean next = FALSE;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_SECUREID_REQUEST,
					 TOK_TPS_MSG_TYPE_SECUREID_REQUEST,
					 error))
		return FALSE;
	if (!tok_tps_message_get_bool(msg, "pin_required", &pin, error) ||
	    !tok_tps_message_get_bool(msg, "next_value", &next, error))
		return FALSE;
	if (pin_required != NULL)
		*pin_required = pin;
	if (next_value != NULL)
		*next_value = next;
	return TRUE;
}

gboolean
tok_tps_message_get_secureid_response(const TokTpsMessage *msg,
				      TokSecret **value,
				      TokSecret **pin,
				      GError **error)
{
	g_autoptr(TokSecret) v = NULL;
	g_autoptr(TokSecret) p = NULL;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_SECUREID_RESPONSE,
					 TOK_TPS_MSG_TYPE_SECUREID_RESPONSE,
					 error))
		return FALSE;
	v = tok_tps_message_get_secret_text(msg, "value", error);
	if (v == NULL)
		return FALSE;
	p = tok_tps_message_get_secret_text(msg, "pin", error);
	if (p == NULL)
		return FALSE;
	if (value != NULL)
		*value = g_steal_pointer(&v);
	if (pin != NULL)
		*pin = g_steal_pointer(&p);
	return TRUE;
}

gchar *
tok_tps_message_get_asq_question(const TokTpsMessage *msg, GError **error)
{
	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_ASQ_REQUEST,
					 TOK_TPS_MSG_TYPE_ASQ_REQUEST,
					 error))
		return NULL;
	return tok_tps_message_get_text(msg, "question", error);
}

TokSecret *
tok_tps_message_get_asq_answer(const TokTpsMessage *msg, GError **error)
{
	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_ASQ_RESPONSE,
					 TOK_TPS_MSG_TYPE_ASQ_RESPONSE,
					 error))
		return NULL;
	return tok_tps_message_get_secret_text(msg, "answer", error);
}

GBytes *
tok_tps_message_get_pdu(const TokTpsMessage *msg, GError **error)
{
	GBytes *wire;
	g_autoptr(GBytes) pdu = NULL;
	guint size = 0;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST,
					 TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE,
					 error))
		return NULL;
	if (!tok_tps_message_get_uint(msg, "pdu_size", 0, G_MAXINT, &size, error))
		return NULL;
	wire = tok_tps_message_require(msg, "pdu_data", error);
	if (wire == NULL)
		return NULL;
	pdu = tok_wire_decode_form(wire, error);
	if (pdu == NULL) {
		g_prefix_error(error,
			       "%s field pdu_data: ",
			       tok_tps_msg_type_to_string(msg->msg_type));
		return NULL;
	}
	if (g_bytes_get_size(pdu) != size) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s pdu_size is %u but pdu_data holds %" G_GSIZE_FORMAT " bytes",
			    tok_tps_msg_type_to_string(msg->msg_type),
			    size,
			    g_bytes_get_size(pdu));
		return NULL;
	}
	if (!tok_tps_check_pdu_size(msg->msg_type, size, error))
		return NULL;
	return g_steal_pointer(&pdu);
}

gboolean
tok_tps_message_get_new_pin_request(const TokTpsMessage *msg,
				    guint *minimum_length,
				    guint *maximum_length,
				    GError **error)
{
	guint min = 0;
	guint max = 0;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST,
					 TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST,
					 error))
		return FALSE;
	if (!tok_tps_message_get_uint(msg, "minimum_length", 0, G_MAXINT, &min, error) ||
	    !tok_tps_message_get_uint(msg, "maximum_length", 0, G_MAXINT, &max, error))
		return FALSE;
	if (min > max) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "NEW_PIN_REQUEST minimum_length %u exceeds maximum_length %u",
			    min,
			    max);
		return FALSE;
	}
	if (minimum_length != NULL)
		*minimum_length = min;
	if (maximum_length != NULL)
		*maximum_length = max;
	return TRUE;
}

TokSecret *
tok_tps_message_get_new_pin(const TokTpsMessage *msg, GError **error)
{
	GBytes *wire;
	gsize len = 0;
	const guint8 *data;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE,
					 TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE,
					 error))
		return NULL;
	wire = tok_tps_message_require(msg, "new_pin", error);
	if (wire == NULL)
		return NULL;
	data = g_bytes_get_data(wire, &len);
	/* raw, not decoded (as the Java TPS); the parser has already refused anything else
	 * than printable ASCII without '&' and '=' */
	if (!tok_tps_check_wire_text(data, len)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "NEW_PIN_RESPONSE field new_pin has a character outside "
				    "printable ASCII");
		return NULL;
	}
	return tok_secret_new_from_data(data, len);
}

gboolean
tok_tps_message_get_end_op(const TokTpsMessage *msg,
			   TokTpsOperation *operation,
			   guint *result,
			   TokTpsStatus *status,
			   GError **error)
{
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
	guint res = 0;
	guint code = 0;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_END_OP,
					 TOK_TPS_MSG_TYPE_END_OP,
					 error))
		return FALSE;
	if (!tok_tps_message_get_operation(msg, &op, error) ||
	    !tok_tps_message_get_uint(msg, "result", 0, 1, &res, error) ||
	    !tok_tps_message_get_uint(msg, "message", 0, G_MAXINT, &code, error))
		return FALSE;
	if (operation != NULL)
		*operation = op;
	if (result != NULL)
		*result = res;
	if (status != NULL)
		*status = (TokTpsStatus)code;
	return TRUE;
}

gboolean
tok_tps_message_get_status_update_request(const TokTpsMessage *msg,
					  guint *percent,
					  gchar **next_task_name,
					  GError **error)
{
	guint pct = 0;
	g_autofree gchar *task = NULL;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST,
					 TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST,
					 error))
		return FALSE;
	if (!tok_tps_message_get_uint(msg, "current_state", 0, 100, &pct, error))
		return FALSE;
	task = tok_tps_message_get_text(msg, "next_task_name", error);
	if (task == NULL)
		return FALSE;
	if (task[0] == '\0') {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "STATUS_UPDATE_REQUEST field next_task_name is empty");
		return FALSE;
	}
	if (percent != NULL)
		*percent = pct;
	if (next_task_name != NULL)
		*next_task_name = g_steal_pointer(&task);
	return TRUE;
}

gboolean
tok_tps_message_get_status_update_response(const TokTpsMessage *msg,
					   guint *percent,
					   GError **error)
{
	guint pct = 0;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE,
					 TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE,
					 error))
		return FALSE;
	if (!tok_tps_message_get_uint(msg, "current_state", 0, 100, &pct, error))
		return FALSE;
	if (percent != NULL)
		*percent = pct;
	return TRUE;
}

#define TOK_TPS_REQUIRED_PARAMETER "required_parameter"

/* The index N of a "required_parameterN" field name, or -1 if @name is another field. */
static gint
tok_tps_required_parameter_index(const gchar *name, GError **error)
{
	const gchar *digits;
	guint64 index = 0;

	if (!g_str_has_prefix(name, TOK_TPS_REQUIRED_PARAMETER))
		return -1;
	digits = name + strlen(TOK_TPS_REQUIRED_PARAMETER);
	if (!tok_tps_parse_decimal((const guint8 *)digits, strlen(digits), 9999, &index, error)) {
		g_prefix_error(error,
			       "EXTENDED_LOGIN_REQUEST field name \"%.*s\": ",
			       TOK_TPS_QUOTE_MAX,
			       name);
		return -2;
	}
	return (gint)index;
}

/* Parses the decoded "id=..&name=..&desc=..&type=..&option=.." of one parameter. Split as
 * ESC does: on '&', then at the first '='. */
static TokTpsLoginParameter *
tok_tps_parse_login_parameter(const gchar *decoded, GError **error)
{
	g_auto(GStrv) items = g_strsplit(decoded, "&", -1);
	g_autoptr(TokTpsLoginParameter) param = tok_tps_login_parameter_new(NULL,
									      NULL,
									      NULL,
									      NULL,
									      NULL);
	gboolean seen[5] = {FALSE, FALSE, FALSE, FALSE, FALSE};

	for (guint i = 0; items[i] != NULL; i++) {
		const gchar *eq = strchr(items[i], '=');
		const gchar *keys[] = {"id", "name", "desc", "type", "option"};
		gchar **slots[] = {&param->id, &param->name, &param->desc, &param->type,
				   &param->option};
		g_autofree gchar *key = NULL;

		if (eq == NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "item %u \"%.*s\" has no '='",
				    i,
				    TOK_TPS_QUOTE_MAX,
				    items[i]);
			return NULL;
		}
		key = g_strndup(items[i], (gsize)(eq - items[i]));
		for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
			if (g_strcmp0(key, keys[k]) != 0)
				continue;
			if (seen[k]) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "key \"%s\" is given twice",
					    keys[k]);
				return NULL;
			}
			seen[k] = TRUE;
			g_free(*slots[k]);
			*slots[k] = g_strdup(eq + 1);
		}
		/* other keys: ignored, for forward compatibility */
	}
	if (param->id[0] == '\0') {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no id");
		return NULL;
	}
	return g_steal_pointer(&param);
}

gboolean
tok_tps_message_get_extended_login_request(const TokTpsMessage *msg,
					   gboolean *invalid_pw,
					   gboolean *blocked,
					   gchar **title,
					   gchar **description,
					   GPtrArray **params,
					   GError **error)
{
	gboolean inv = FALSE;
	gboolean blk = FALSE;
	g_autofree gchar *ttl = NULL;
	g_autofree gchar *desc = NULL;
	g_autoptr(GPtrArray) list = NULL;
	guint n_params = 0;

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST,
					 TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST,
					 error))
		return FALSE;
	if (!tok_tps_message_get_bool(msg, "invalid_pw", &inv, error) ||
	    !tok_tps_message_get_bool(msg, "blocked", &blk, error))
		return FALSE;
	ttl = tok_tps_message_get_text(msg, "title", error);
	if (ttl == NULL)
		return FALSE;
	desc = tok_tps_message_get_text(msg, "description", error);
	if (desc == NULL)
		return FALSE;

	/* count the parameters, then put each in its slot: the indexes must be 0..n-1 */
	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		gint index = tok_tps_required_parameter_index(field->name, error);
		if (index == -2)
			return FALSE;
		if (index >= 0)
			n_params++;
	}
	list = g_ptr_array_new_full(n_params, (GDestroyNotify)tok_tps_login_parameter_free);
	g_ptr_array_set_size(list, (gint)n_params);
	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		gint index = tok_tps_required_parameter_index(field->name, NULL);
		g_autofree gchar *decoded = NULL;
		TokTpsLoginParameter *param;

		if (index < 0)
			continue;
		if ((guint)index >= n_params || g_ptr_array_index(list, index) != NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_REQUEST parameters are not numbered 0..%u "
				    "(found %s)",
				    n_params - 1,
				    field->name);
			return FALSE;
		}
		decoded = tok_wire_decode_form_text(field->value, error);
		if (decoded == NULL) {
			g_prefix_error(error, "EXTENDED_LOGIN_REQUEST field %s: ", field->name);
			return FALSE;
		}
		param = tok_tps_parse_login_parameter(decoded, error);
		if (param == NULL) {
			g_prefix_error(error, "EXTENDED_LOGIN_REQUEST field %s: ", field->name);
			return FALSE;
		}
		g_ptr_array_index(list, index) = param;
	}

	if (invalid_pw != NULL)
		*invalid_pw = inv;
	if (blocked != NULL)
		*blocked = blk;
	if (title != NULL)
		*title = g_steal_pointer(&ttl);
	if (description != NULL)
		*description = g_steal_pointer(&desc);
	if (params != NULL)
		*params = g_steal_pointer(&list);
	return TRUE;
}

/* The decoded id of an EXTENDED_LOGIN_RESPONSE field. */
static gchar *
tok_tps_decode_login_id(const TokTpsField *field, GError **error)
{
	g_autoptr(GBytes) name = g_bytes_new(field->name, strlen(field->name));
	g_autofree gchar *id = tok_wire_decode_form_text(name, error);

	if (id == NULL) {
		g_prefix_error(error,
			       "EXTENDED_LOGIN_RESPONSE id \"%.*s\": ",
			       TOK_TPS_QUOTE_MAX,
			       field->name);
		return NULL;
	}
	if (id[0] == '\0') {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_RESPONSE has an empty id");
		return NULL;
	}
	return g_steal_pointer(&id);
}

gboolean
tok_tps_message_get_extended_login_response(const TokTpsMessage *msg,
					    gchar ***ids,
					    GPtrArray **values,
					    GError **error)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)tok_secret_unref);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	if (!tok_tps_message_expect_type(msg,
					 TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE,
					 TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE,
					 error))
		return FALSE;
	if (msg->fields->len == 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_RESPONSE carries no values");
		return FALSE;
	}
	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		g_autofree gchar *id = tok_tps_decode_login_id(field, error);
		TokSecret *secret;

		if (id == NULL)
			return FALSE;
		if (g_hash_table_contains(seen, id)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "EXTENDED_LOGIN_RESPONSE id \"%.*s\" is given twice",
				    TOK_TPS_QUOTE_MAX,
				    id);
			return FALSE;
		}
		secret = tok_tps_decode_secret_text(field->value, error);
		if (secret == NULL) {
			g_prefix_error(error,
				       "EXTENDED_LOGIN_RESPONSE value of \"%.*s\": ",
				       TOK_TPS_QUOTE_MAX,
				       id);
			return FALSE;
		}
		g_ptr_array_add(secrets, secret);
		g_strv_builder_add(builder, id);
		g_hash_table_add(seen, g_steal_pointer(&id));
	}
	if (ids != NULL)
		*ids = g_strv_builder_end(builder);
	if (values != NULL)
		*values = g_steal_pointer(&secrets);
	return TRUE;
}

TokSecret *
tok_tps_message_lookup_extended_login_value(const TokTpsMessage *msg,
					    const gchar *id,
					    GError **error)
{
	g_auto(GStrv) ids = NULL;
	g_autoptr(GPtrArray) values = NULL;

	if (!tok_tps_message_get_extended_login_response(msg, &ids, &values, error))
		return NULL;
	for (guint i = 0; ids[i] != NULL; i++) {
		if (g_strcmp0(ids[i], id) == 0)
			return tok_secret_ref(g_ptr_array_index(values, i));
	}
	g_set_error(error,
		    TOK_ERROR,
		    TOK_ERROR_NOT_FOUND,
		    "EXTENDED_LOGIN_RESPONSE has no value for \"%s\"",
		    id);
	return NULL;
}
