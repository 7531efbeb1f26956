/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-tps-message.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-tps-message-private.h"
#include "tok-wire-encoding.h"

G_DEFINE_BOXED_TYPE(TokTpsMessage, tok_tps_message, tok_tps_message_ref, tok_tps_message_unref)
G_DEFINE_BOXED_TYPE(TokTpsLoginParameter,
		    tok_tps_login_parameter,
		    tok_tps_login_parameter_copy,
		    tok_tps_login_parameter_free)

typedef struct {
	const gchar *name;
	const gchar *required[5]; /* fields the parser insists on, NULL-terminated */
} TokTpsMsgTypeInfo;

static const TokTpsMsgTypeInfo tok_tps_msg_type_info[] = {
    [TOK_TPS_MSG_TYPE_UNKNOWN] = {"UNKNOWN", {NULL}},
    [TOK_TPS_MSG_TYPE_ERROR] = {"ERROR", {NULL}},
    [TOK_TPS_MSG_TYPE_BEGIN_OP] = {"BEGIN_OP", {"operation", NULL}},
    [TOK_TPS_MSG_TYPE_LOGIN_REQUEST] = {"LOGIN_REQUEST", {"invalid_pw", "blocked", NULL}},
    [TOK_TPS_MSG_TYPE_LOGIN_RESPONSE] = {"LOGIN_RESPONSE", {"screen_name", "password", NULL}},
    [TOK_TPS_MSG_TYPE_SECUREID_REQUEST] = {"SECUREID_REQUEST",
					   {"pin_required", "next_value", NULL}},
    [TOK_TPS_MSG_TYPE_SECUREID_RESPONSE] = {"SECUREID_RESPONSE", {"value", "pin", NULL}},
    [TOK_TPS_MSG_TYPE_ASQ_REQUEST] = {"ASQ_REQUEST", {"question", NULL}},
    [TOK_TPS_MSG_TYPE_ASQ_RESPONSE] = {"ASQ_RESPONSE", {"answer", NULL}},
    [TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST] = {"TOKEN_PDU_REQUEST", {"pdu_size", "pdu_data", NULL}},
    [TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE] = {"TOKEN_PDU_RESPONSE",
					     {"pdu_size", "pdu_data", NULL}},
    [TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST] = {"NEW_PIN_REQUEST",
					  {"minimum_length", "maximum_length", NULL}},
    [TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE] = {"NEW_PIN_RESPONSE", {"new_pin", NULL}},
    [TOK_TPS_MSG_TYPE_END_OP] = {"END_OP", {"operation", "result", "message", NULL}},
    [TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST] = {"STATUS_UPDATE_REQUEST",
						{"current_state", "next_task_name", NULL}},
    [TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE] = {"STATUS_UPDATE_RESPONSE",
						 {"current_state", NULL}},
    [TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST] = {"EXTENDED_LOGIN_REQUEST",
						 {"invalid_pw", "blocked", "title", "description",
						  NULL}},
    [TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE] = {"EXTENDED_LOGIN_RESPONSE", {NULL}},
};

static const gchar *const tok_tps_operation_names[] = {
    "UNDEFINED",
    "ENROLL",
    "UNBLOCK",
    "RESET_PIN",
    "RENEW",
    "FORMAT",
};

static const gchar *const tok_tps_status_names[] = {
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

G_STATIC_ASSERT(G_N_ELEMENTS(tok_tps_msg_type_info) == TOK_TPS_MSG_TYPE_LAST + 1);
G_STATIC_ASSERT(G_N_ELEMENTS(tok_tps_operation_names) == TOK_TPS_OPERATION_LAST + 1);
G_STATIC_ASSERT(G_N_ELEMENTS(tok_tps_status_names) == TOK_TPS_STATUS_LAST + 1);

/* fields whose values never appear in a log line (besides every EXTENDED_LOGIN_RESPONSE
 * value) */
static const gchar *const tok_tps_redacted_fields[] = {
    "pdu_data",
    "password",
    "PASSWORD",
    "new_pin",
    "pin",
    "value",
    "answer",
};

const gchar *
tok_tps_msg_type_to_string(TokTpsMsgType msg_type)
{
	if ((guint)msg_type > TOK_TPS_MSG_TYPE_LAST)
		return NULL;
	return tok_tps_msg_type_info[msg_type].name;
}

const gchar *
tok_tps_operation_to_string(TokTpsOperation operation)
{
	if ((guint)operation > TOK_TPS_OPERATION_LAST)
		return NULL;
	return tok_tps_operation_names[operation];
}

const gchar *
tok_tps_status_to_string(TokTpsStatus status)
{
	if ((guint)status > TOK_TPS_STATUS_LAST)
		return NULL;
	return tok_tps_status_names[status];
}

/* ---------------------------------------------------------------------------------------- */
/* login parameters, extension lists */

TokTpsLoginParameter *
tok_tps_login_parameter_new(const gchar *id,
			    const gchar *name,
			    const gchar *desc,
			    const gchar *type,
			    const gchar *option)
{
	TokTpsLoginParameter *param = g_new0(TokTpsLoginParameter, 1);
	param->id = g_strdup(id != NULL ? id : "");
	param->name = g_strdup(name != NULL ? name : "");
	param->desc = g_strdup(desc != NULL ? desc : "");
	param->type = g_strdup(type != NULL ? type : "");
	param->option = g_strdup(option != NULL ? option : "");
	return param;
}

TokTpsLoginParameter *
tok_tps_login_parameter_copy(const TokTpsLoginParameter *param)
{
	return tok_tps_login_parameter_new(param->id,
					   param->name,
					   param->desc,
					   param->type,
					   param->option);
}

void
tok_tps_login_parameter_free(TokTpsLoginParameter *param)
{
	if (param == NULL)
		return;
	g_free(param->id);
	g_free(param->name);
	g_free(param->desc);
	g_free(param->type);
	g_free(param->option);
	g_free(param);
}

/* ---------------------------------------------------------------------------------------- */
/* the value type */

static void
tok_tps_field_free(gpointer data)
{
	TokTpsField *field = data;
	g_free(field->name);
	g_bytes_unref(field->value);
	g_free(field);
}

TokTpsMessage *
tok_tps_message_new_empty(TokTpsMsgType msg_type)
{
	TokTpsMessage *msg = g_new0(TokTpsMessage, 1);
	g_atomic_ref_count_init(&msg->refcount);
	msg->msg_type = msg_type;
	msg->fields = g_ptr_array_new_with_free_func(tok_tps_field_free);
	return msg;
}

TokTpsMessage *
tok_tps_message_ref(TokTpsMessage *msg)
{
	g_atomic_ref_count_inc(&msg->refcount);
	return msg;
}

void
tok_tps_message_unref(TokTpsMessage *msg)
{
	if (msg == NULL)
		return;
	if (!g_atomic_ref_count_dec(&msg->refcount))
		return;
	g_ptr_array_unref(msg->fields);
	g_free(msg);
}

TokTpsMsgType
tok_tps_message_get_msg_type(const TokTpsMessage *msg)
{
	return msg->msg_type;
}

guint
tok_tps_message_get_n_fields(const TokTpsMessage *msg)
{
	return msg->fields->len;
}

const gchar *
tok_tps_message_get_field_name(const TokTpsMessage *msg, guint index)
{
	const TokTpsField *field;
	if (index >= msg->fields->len)
		return NULL;
	field = g_ptr_array_index(msg->fields, index);
	return field->name;
}

GBytes *
tok_tps_message_lookup(const TokTpsMessage *msg, const gchar *name)
{
	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		if (g_strcmp0(field->name, name) == 0)
			return field->value;
	}
	return NULL;
}

gboolean
tok_tps_message_has_field(const TokTpsMessage *msg, const gchar *name)
{
	return tok_tps_message_lookup(msg, name) != NULL;
}

GBytes *
tok_tps_message_dup_wire_value(const TokTpsMessage *msg, const gchar *name)
{
	GBytes *value = tok_tps_message_lookup(msg, name);
	return value != NULL ? g_bytes_ref(value) : NULL;
}

/* Appends a field, taking @wire. */
void
tok_tps_message_add(TokTpsMessage *msg, const gchar *name, GBytes *wire)
{
	TokTpsField *field = g_new0(TokTpsField, 1);
	field->name = g_strdup(name);
	field->value = wire;
	g_ptr_array_add(msg->fields, field);
}

/* ---------------------------------------------------------------------------------------- */
/* encoding */

/* A character a raw (unencoded) value may carry: printable ASCII except the separators. */
gboolean
tok_tps_is_raw_char(guint8 c)
{
	return c >= 0x20 && c <= 0x7e && c != '&' && c != '=';
}

gboolean
tok_tps_check_wire_text(const guint8 *data, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (!tok_tps_is_raw_char(data[i]))
			return FALSE;
	}
	return TRUE;
}

GBytes *
tok_tps_message_encode(const TokTpsMessage *msg, GError **error)
{
	g_autofree gchar *type_text = g_strdup_printf("msg_type=%u", (guint)msg->msg_type);
	g_autofree gchar *prefix = NULL;
	GByteArray *out;
	gsize body_len = strlen(type_text);
	gsize total;

	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(field->value, &len);
		gsize name_len = strlen(field->name);

		if (name_len == 0 || !tok_tps_check_wire_text((const guint8 *)field->name, name_len)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "cannot encode %s: field name \"%.*s\" is empty or has a "
				    "character outside printable ASCII, '&' or '='",
				    tok_tps_msg_type_to_string(msg->msg_type),
				    TOK_TPS_QUOTE_MAX,
				    field->name);
			return NULL;
		}
		if (!tok_tps_check_wire_text(data, len)) {
			/* the value is not quoted: it may be a PIN */
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "cannot encode %s: the value of %s contains '&', '=', a NUL, control "
				    "or non-ASCII character",
				    tok_tps_msg_type_to_string(msg->msg_type),
				    field->name);
			return NULL;
		}
		body_len += 1 + name_len + 1 + len;
	}
	prefix = g_strdup_printf("s=%" G_GSIZE_FORMAT "&", body_len);
	total = strlen(prefix) + body_len;
	if (total > G_MAXUINT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "encoded %s of %" G_GSIZE_FORMAT " bytes is too large",
			    tok_tps_msg_type_to_string(msg->msg_type),
			    total);
		return NULL;
	}

	/* allocated at the final size: no reallocation leaves unwiped copies of secrets */
	out = g_byte_array_sized_new((guint)total);
	g_byte_array_append(out, (const guint8 *)prefix, (guint)strlen(prefix));
	g_byte_array_append(out, (const guint8 *)type_text, (guint)strlen(type_text));
	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		tok_byte_array_append_u8(out, '&');
		g_byte_array_append(out, (const guint8 *)field->name, (guint)strlen(field->name));
		tok_byte_array_append_u8(out, '=');
		tok_byte_array_append_bytes(out, field->value);
	}
	return tok_bytes_new_wiped_take(out);
}

gchar *
tok_tps_message_to_log_string(const TokTpsMessage *msg)
{
	GString *str = g_string_new(NULL);
	const gchar *type_name = tok_tps_msg_type_to_string(msg->msg_type);

	g_string_append_printf(str,
			       "%s(%u)",
			       type_name != NULL ? type_name : "?",
			       (guint)msg->msg_type);
	for (guint i = 0; i < msg->fields->len; i++) {
		const TokTpsField *field = g_ptr_array_index(msg->fields, i);
		gboolean redact = msg->msg_type == TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE;
		gsize len = 0;
		const gchar *data = g_bytes_get_data(field->value, &len);

		for (guint j = 0; !redact && j < G_N_ELEMENTS(tok_tps_redacted_fields); j++)
			redact = g_strcmp0(field->name, tok_tps_redacted_fields[j]) == 0;
		g_string_append_printf(str, " %s=", field->name);
		if (!redact) {
			g_string_append_len(str, data, (gssize)len);
		} else if (g_strcmp0(field->name, "new_pin") == 0) {
			g_string_append_printf(str, "<%" G_GSIZE_FORMAT " bytes>", len);
		} else {
			g_autoptr(GBytes) decoded = tok_wire_decode_form(field->value, NULL);
			if (decoded != NULL)
				g_string_append_printf(str,
						       "<%" G_GSIZE_FORMAT " bytes>",
						       g_bytes_get_size(decoded));
			else
				g_string_append_printf(str,
						       "<%" G_GSIZE_FORMAT " bytes, malformed>",
						       len);
		}
	}
	return g_string_free(str, FALSE);
}

/* ---------------------------------------------------------------------------------------- */
/* parsing */

/* Plain decimal: digits only, no sign, no leading zero, at most @max. */
gboolean
tok_tps_parse_decimal(const guint8 *data, gsize len, guint64 max, guint64 *out, GError **error)
{
	guint64 value = 0;

	if (len == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "empty number");
		return FALSE;
	}
	if (len > 10) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "number of %" G_GSIZE_FORMAT " digits is out of range",
			    len);
		return FALSE;
	}
	if (len > 1 && data[0] == '0') {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "number has a leading zero");
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isdigit(data[i])) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "byte 0x%02X at offset %" G_GSIZE_FORMAT " of a number is not a "
				    "decimal digit",
				    data[i],
				    i);
			return FALSE;
		}
		value = value * 10 + (guint64)(data[i] - '0');
	}
	if (value > max) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%" G_GUINT64_FORMAT " is out of range (at most %" G_GUINT64_FORMAT ")",
			    value,
			    max);
		return FALSE;
	}
	*out = value;
	return TRUE;
}

/* Runs the typed getter of the message's type: a parsed message is one they accept. */
static gboolean
tok_tps_message_validate(const TokTpsMessage *msg, GError **error)
{
	switch (msg->msg_type) {
	case TOK_TPS_MSG_TYPE_BEGIN_OP: {
		g_auto(GStrv) extensions = NULL;
		if (!tok_tps_message_get_operation(msg, NULL, error))
			return FALSE;
		extensions = tok_tps_message_get_extensions(msg, error);
		return extensions != NULL;
	}
	case TOK_TPS_MSG_TYPE_LOGIN_REQUEST:
		return tok_tps_message_get_login_request(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_LOGIN_RESPONSE:
		return tok_tps_message_get_login_response(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_SECUREID_REQUEST:
		return tok_tps_message_get_secureid_request(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_SECUREID_RESPONSE:
		return tok_tps_message_get_secureid_response(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_ASQ_REQUEST: {
		g_autofree gchar *question = tok_tps_message_get_asq_question(msg, error);
		return question != NULL;
	}
	case TOK_TPS_MSG_TYPE_ASQ_RESPONSE: {
		g_autoptr(TokSecret) answer = tok_tps_message_get_asq_answer(msg, error);
		return answer != NULL;
	}
	case TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST:
	case TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE: {
		g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, error);
		return pdu != NULL;
	}
	case TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST:
		return tok_tps_message_get_new_pin_request(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE: {
		g_autoptr(TokSecret) pin = tok_tps_message_get_new_pin(msg, error);
		return pin != NULL;
	}
	case TOK_TPS_MSG_TYPE_END_OP:
		return tok_tps_message_get_end_op(msg, NULL, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST:
		return tok_tps_message_get_status_update_request(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE:
		return tok_tps_message_get_status_update_response(msg, NULL, error);
	case TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST:
		return tok_tps_message_get_extended_login_request(msg,
								  NULL,
								  NULL,
								  NULL,
								  NULL,
								  NULL,
								  error);
	case TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE:
		return tok_tps_message_get_extended_login_response(msg, NULL, NULL, error);
	case TOK_TPS_MSG_TYPE_UNKNOWN:
	case TOK_TPS_MSG_TYPE_ERROR:
	default:
		break;
	}
	g_set_error(error,
		    TOK_ERROR,
		    TOK_ERROR_NOT_SUPPORTED,
		    "msg_type %u is not a wire message",
		    (guint)msg->msg_type);
	return FALSE;
}

/* Reads "s=<N>&" and checks that exactly N bytes follow; sets @body and @body_len. */
static gboolean
tok_tps_parse_length_prefix(const guint8 *data,
			    gsize len,
			    gsize max_size,
			    const guint8 **body,
			    gsize *body_len,
			    GError **error)
{
	gsize max_digits = 0;
	gsize n = 0;
	gsize pos;

	for (gsize m = max_size; m > 0; m /= 10)
		max_digits++;
	if (len < 2) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "message of %" G_GSIZE_FORMAT " bytes ends before its \"s=\" prefix",
			    len);
		return FALSE;
	}
	if (data[0] != 's' || data[1] != '=') {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "message does not start with \"s=\"");
		return FALSE;
	}
	for (pos = 2; pos < len && data[pos] != '&'; pos++) {
		guint digit;
		if (!g_ascii_isdigit(data[pos])) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "byte 0x%02X at offset %" G_GSIZE_FORMAT " of the s= length is "
				    "not a decimal digit",
				    data[pos],
				    pos);
			return FALSE;
		}
		if (pos - 2 >= max_digits) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "s= length has more than the %" G_GSIZE_FORMAT " digits of the "
				    "size limit %" G_GSIZE_FORMAT,
				    max_digits,
				    max_size);
			return FALSE;
		}
		digit = (guint)(data[pos] - '0');
		if (n > (G_MAXSIZE - digit) / 10) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_TOO_LARGE,
					    "s= length overflows");
			return FALSE;
		}
		n = n * 10 + digit;
	}
	if (pos == 2) {
		if (pos == len) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_TRUNCATED,
					    "message ends after \"s=\"");
		} else {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "s= length is empty");
		}
		return FALSE;
	}
	if (pos == len) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "message ends inside the s= length (no '&')");
		return FALSE;
	}
	if (pos - 2 > 1 && data[2] == '0') {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "s= length has a leading zero");
		return FALSE;
	}
	if (n > max_size) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %" G_GSIZE_FORMAT,
			    n,
			    max_size);
		return FALSE;
	}
	pos++; /* the '&' */
	if (len - pos < n) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "s=%" G_GSIZE_FORMAT " announces %" G_GSIZE_FORMAT " bytes but only "
			    "%" G_GSIZE_FORMAT " follow",
			    n,
			    n,
			    len - pos);
		return FALSE;
	}
	if (len - pos > n) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "s=%" G_GSIZE_FORMAT " announces %" G_GSIZE_FORMAT " bytes but "
			    "%" G_GSIZE_FORMAT " follow",
			    n,
			    n,
			    len - pos);
		return FALSE;
	}
	*body = data + pos;
	*body_len = n;
	return TRUE;
}

/* Adds one "name=value" pair at @offset (of the whole message) to @msg. */
static gboolean
tok_tps_parse_pair(TokTpsMessage *msg,
		   GHashTable *names,
		   const guint8 *pair,
		   gsize len,
		   gsize offset,
		   GError **error)
{
	const guint8 *eq = memchr(pair, '=', len);
	g_autofree gchar *name = NULL;
	gsize name_len;

	if (len == 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "empty field at offset %" G_GSIZE_FORMAT,
			    offset);
		return FALSE;
	}
	if (eq == NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "field at offset %" G_GSIZE_FORMAT " has no '='",
			    offset);
		return FALSE;
	}
	name_len = (gsize)(eq - pair);
	if (name_len == 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "field at offset %" G_GSIZE_FORMAT " has an empty name",
			    offset);
		return FALSE;
	}
	name = g_strndup((const gchar *)pair, name_len);
	if (memchr(eq + 1, '=', len - name_len - 1) != NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "field %.*s at offset %" G_GSIZE_FORMAT " has a second '='",
			    TOK_TPS_QUOTE_MAX,
			    name,
			    offset);
		return FALSE;
	}
	if (g_strcmp0(name, "s") == 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "field name \"s\" at offset %" G_GSIZE_FORMAT " is reserved for the "
			    "length prefix",
			    offset);
		return FALSE;
	}
	if (g_hash_table_contains(names, name)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "duplicate field %.*s at offset %" G_GSIZE_FORMAT,
			    TOK_TPS_QUOTE_MAX,
			    name,
			    offset);
		return FALSE;
	}
	g_hash_table_add(names, g_strdup(name));
	tok_tps_message_add(msg, name, tok_bytes_new_wiped(eq + 1, len - name_len - 1));
	return TRUE;
}

/* The msg_type of the first pair, which must be "msg_type=<T>" with T of 2..17. */
static gboolean
tok_tps_parse_msg_type(const guint8 *pair, gsize len, TokTpsMsgType *msg_type, GError **error)
{
	const gchar prefix[] = "msg_type=";
	gsize prefix_len = sizeof(prefix) - 1;
	guint64 value = 0;

	if (len < prefix_len || strncmp((const gchar *)pair, prefix, prefix_len) != 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "the first field after s= is not msg_type");
		return FALSE;
	}
	if (!tok_tps_parse_decimal(pair + prefix_len, len - prefix_len, G_MAXINT, &value, error)) {
		g_prefix_error(error, "msg_type: ");
		return FALSE;
	}
	if (value < TOK_TPS_MSG_TYPE_BEGIN_OP || value > TOK_TPS_MSG_TYPE_LAST) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "unknown msg_type %" G_GUINT64_FORMAT " (2..17 are known)",
			    value);
		return FALSE;
	}
	*msg_type = (TokTpsMsgType)value;
	return TRUE;
}

TokTpsMessage *
tok_tps_message_parse(const guint8 *data, gsize len, gsize max_size, GError **error)
{
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GHashTable) names = NULL;
	const guint8 *body = NULL;
	gsize body_len = 0;
	gsize body_offset;
	gsize start = 0;
	TokTpsMsgType msg_type = TOK_TPS_MSG_TYPE_UNKNOWN;
	const TokTpsMsgTypeInfo *info;

	if (data == NULL && len > 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no message data");
		return NULL;
	}
	if (max_size == 0)
		max_size = TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE;
	if (!tok_tps_parse_length_prefix(data, len, max_size, &body, &body_len, error))
		return NULL;
	body_offset = (gsize)(body - data);

	for (gsize i = 0; i < body_len; i++) {
		if (body[i] < 0x20 || body[i] > 0x7e) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "byte 0x%02X at offset %" G_GSIZE_FORMAT " is not printable ASCII",
				    body[i],
				    body_offset + i);
			return NULL;
		}
	}

	names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (gsize i = 0; i <= body_len; i++) {
		if (i < body_len && body[i] != '&')
			continue;
		if (msg == NULL) {
			if (!tok_tps_parse_msg_type(body, i, &msg_type, error))
				return NULL;
			msg = tok_tps_message_new_empty(msg_type);
			g_hash_table_add(names, g_strdup("msg_type"));
		} else if (!tok_tps_parse_pair(msg,
					       names,
					       body + start,
					       i - start,
					       body_offset + start,
					       error)) {
			return NULL;
		}
		start = i + 1;
	}

	info = &tok_tps_msg_type_info[msg->msg_type];
	for (guint i = 0; info->required[i] != NULL; i++) {
		if (!g_hash_table_contains(names, info->required[i])) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "%s message lacks the required field %s",
				    info->name,
				    info->required[i]);
			return NULL;
		}
	}
	if (!tok_tps_message_validate(msg, error)) {
		g_prefix_error(error, "invalid %s message: ", info->name);
		return NULL;
	}
	return g_steal_pointer(&msg);
}

TokTpsMessage *
tok_tps_message_parse_bytes(GBytes *bytes, gsize max_size, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return tok_tps_message_parse(data, len, max_size, error);
}
