/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-tps-message.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-wire-encoding.h"

/* the longest field name or value quoted in an error message */
#define TOK_TPS_QUOTE_MAX 40

typedef struct {
	gchar *name;   /* printable ASCII without '&' and '=' */
	GBytes *value; /* the wire text (still encoded), wiped on free */
} TokTpsField;

struct _TokTpsMessage {
	gatomicrefcount refcount;
	TokTpsMsgType msg_type;
	GPtrArray *fields; /* of TokTpsField, in wire order, msg_type excluded */
};

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

static TokTpsMessage *
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

static GBytes *
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
static void
tok_tps_message_add(TokTpsMessage *msg, const gchar *name, GBytes *wire)
{
	TokTpsField *field = g_new0(TokTpsField, 1);
	field->name = g_strdup(name);
	field->value = wire;
	g_ptr_array_add(msg->fields, field);
}

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

/* A character a raw (unencoded) value may carry: printable ASCII except the separators. */
static gboolean
tok_tps_is_raw_char(guint8 c)
{
	return c >= 0x20 && c <= 0x7e && c != '&' && c != '=';
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

static gboolean
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

/* ---------------------------------------------------------------------------------------- */
/* encoding */

static gboolean
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

/* Plain decimal: digits only, no sign, no leading zero, at most @max. */
static gboolean
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

/* ---------------------------------------------------------------------------------------- */
/* parsing */

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
