/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ESC <-> TPS messages in Dogtag's wire format (protocol.md section 1):
 *
 *     s=<N>&msg_type=<T>&<name>=<value>&...
 *
 * where N is the byte length of everything after "s=<N>&". A TokTpsMessage is an immutable
 * value: a message type and an ordered list of fields whose values are kept in their wire
 * form (already encoded), so a parsed message re-encodes to exactly the bytes it came from.
 * Field values are held in wiped memory; secrets come in and go out as TokSecret.
 *
 * Typed constructors emit the fields in the order of protocol.md 1.4 with the encodings of
 * 1.3: APDUs TPS->client every byte %XX; APDU responses and text form-encoded (ESC style);
 * new_pin raw; integers plain decimal; next_task_name raw (a [A-Za-z0-9_.-] token).
 * Typed getters validate what they return (type, presence, integer ranges, pdu_size,
 * UTF-8) and fail with TOK_ERROR_PROTOCOL when the message is of another type.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

/* CS.cfg tps.connection.maxMessageSize: the largest N accepted by default. */
#define TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE 9999

typedef enum {
	TOK_TPS_MSG_TYPE_UNKNOWN = 0, /* ESC internal, never on the wire */
	TOK_TPS_MSG_TYPE_ERROR = 1,   /* ESC internal, never on the wire */
	TOK_TPS_MSG_TYPE_BEGIN_OP = 2,
	TOK_TPS_MSG_TYPE_LOGIN_REQUEST = 3,
	TOK_TPS_MSG_TYPE_LOGIN_RESPONSE = 4,
	TOK_TPS_MSG_TYPE_SECUREID_REQUEST = 5,
	TOK_TPS_MSG_TYPE_SECUREID_RESPONSE = 6,
	TOK_TPS_MSG_TYPE_ASQ_REQUEST = 7,
	TOK_TPS_MSG_TYPE_ASQ_RESPONSE = 8,
	TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST = 9,
	TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE = 10,
	TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST = 11,
	TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE = 12,
	TOK_TPS_MSG_TYPE_END_OP = 13,
	TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST = 14,
	TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE = 15,
	TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST = 16,
	TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE = 17,
} TokTpsMsgType;

#define TOK_TPS_MSG_TYPE_LAST TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE

typedef enum {
	TOK_TPS_OPERATION_UNDEFINED = 0,
	TOK_TPS_OPERATION_ENROLL = 1,
	TOK_TPS_OPERATION_UNBLOCK = 2,
	TOK_TPS_OPERATION_RESET_PIN = 3,
	TOK_TPS_OPERATION_RENEW = 4,
	TOK_TPS_OPERATION_FORMAT = 5,
} TokTpsOperation;

#define TOK_TPS_OPERATION_LAST TOK_TPS_OPERATION_FORMAT

/* END_OP "message" status codes (protocol.md 1.8, Java TPS EndOpMsg.TPSStatus). */
typedef enum {
	TOK_TPS_STATUS_NO_ERROR = 0,
	TOK_TPS_STATUS_ERROR_SNAC = 1,
	TOK_TPS_STATUS_ERROR_SEC_INIT_UPDATE = 2,
	TOK_TPS_STATUS_ERROR_CREATE_CARDMGR = 3,
	TOK_TPS_STATUS_ERROR_MAC_RESET_PIN_PDU = 4,
	TOK_TPS_STATUS_ERROR_MAC_CERT_PDU = 5,
	TOK_TPS_STATUS_ERROR_MAC_LIFECYCLE_PDU = 6,
	TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU = 7,
	TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION = 8,
	TOK_TPS_STATUS_ERROR_BAD_STATUS = 9,
	TOK_TPS_STATUS_ERROR_CA_RESPONSE = 10,
	TOK_TPS_STATUS_ERROR_READ_BUFFER_OVERFLOW = 11,
	TOK_TPS_STATUS_ERROR_TOKEN_RESET_PIN_FAILED = 12,
	TOK_TPS_STATUS_ERROR_CONNECTION = 13,
	TOK_TPS_STATUS_ERROR_LOGIN = 14,
	TOK_TPS_STATUS_ERROR_DB = 15,
	TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN = 16,
	TOK_TPS_STATUS_ERROR_SECURE_CHANNEL = 17,
	TOK_TPS_STATUS_ERROR_MISCONFIGURATION = 18,
	TOK_TPS_STATUS_ERROR_UPGRADE_APPLET = 19,
	TOK_TPS_STATUS_ERROR_KEY_CHANGE_OVER = 20,
	TOK_TPS_STATUS_ERROR_EXTERNAL_AUTH = 21,
	TOK_TPS_STATUS_ERROR_MAPPING_RESOLVER_FAILED = 22,
	TOK_TPS_STATUS_ERROR_MAPPING_RESOLVER_PARAMS_NOT_FOUND = 23,
	TOK_TPS_STATUS_ERROR_PUBLISH = 24,
	TOK_TPS_STATUS_ERROR_LDAP_CONN = 25,
	TOK_TPS_STATUS_ERROR_DISABLED_TOKEN = 26,
	TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE = 27,
	TOK_TPS_STATUS_ERROR_CONN_LOST = 28,
	TOK_TPS_STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY = 29,
	TOK_TPS_STATUS_ERROR_NO_SUCH_TOKEN_STATE = 30,
	TOK_TPS_STATUS_ERROR_NO_SUCH_LOST_REASON = 31,
	TOK_TPS_STATUS_ERROR_UNUSABLE_TOKEN_KEYCOMPROMISE = 32,
	TOK_TPS_STATUS_ERROR_INACTIVE_TOKEN_NOT_FOUND = 33,
	TOK_TPS_STATUS_ERROR_HAS_AT_LEAST_ONE_ACTIVE_TOKEN = 34,
	TOK_TPS_STATUS_ERROR_TOKEN_TERMINATED = 35,
	TOK_TPS_STATUS_RECOVERY_IS_PROCESSED = 36,
	TOK_TPS_STATUS_ERROR_RECOVERY_FAILED = 37,
	TOK_TPS_STATUS_ERROR_RENEWAL_FAILED = 37, /* same value in the Java TPS */
	TOK_TPS_STATUS_ERROR_NO_OPERATION_ON_LOST_TOKEN = 38,
	TOK_TPS_STATUS_ERROR_KEY_ARCHIVE_OFF = 39,
	TOK_TPS_STATUS_ERROR_NO_TKS_CONNID = 40,
	TOK_TPS_STATUS_ERROR_UPDATE_TOKENDB_FAILED = 41,
	TOK_TPS_STATUS_ERROR_REVOKE_CERTIFICATES_FAILED = 42,
	TOK_TPS_STATUS_ERROR_NOT_TOKEN_OWNER = 43,
	TOK_TPS_STATUS_RENEWAL_IS_PROCESSED = 44,
	TOK_TPS_STATUS_ERROR_CANNOT_ESTABLISH_COMMUNICATION = 45,
	TOK_TPS_STATUS_ERROR_SYMKEY_256_UPGRADE = 46,
} TokTpsStatus;

#define TOK_TPS_STATUS_LAST TOK_TPS_STATUS_ERROR_SYMKEY_256_UPGRADE

/* "BEGIN_OP", "TOKEN_PDU_REQUEST", ... (0 "UNKNOWN", 1 "ERROR"); NULL if out of range. */
const gchar *
tok_tps_msg_type_to_string(TokTpsMsgType msg_type);
/* "ENROLL", "UNBLOCK", "RESET_PIN", "RENEW", "FORMAT" (0 "UNDEFINED"); NULL if out of range. */
const gchar *
tok_tps_operation_to_string(TokTpsOperation operation);
/* "STATUS_NO_ERROR", "STATUS_ERROR_LOGIN", ... (37 is "STATUS_ERROR_RECOVERY_FAILED");
 * NULL for codes this table does not know (a newer TPS may send them). */
const gchar *
tok_tps_status_to_string(TokTpsStatus status);

/* One parameter of an EXTENDED_LOGIN_REQUEST: what the client must ask the user for. */
typedef struct {
	gchar *id;     /* "UID", "PASSWORD": the key of the value in the response */
	gchar *name;   /* display name */
	gchar *desc;   /* description */
	gchar *type;   /* "string" or "password" */
	gchar *option; /* usually empty */
} TokTpsLoginParameter;

#define TOK_TYPE_TPS_LOGIN_PARAMETER (tok_tps_login_parameter_get_type())
GType
tok_tps_login_parameter_get_type(void);
/* NULL strings are stored as "". */
TokTpsLoginParameter *
tok_tps_login_parameter_new(const gchar *id,
			    const gchar *name,
			    const gchar *desc,
			    const gchar *type,
			    const gchar *option) G_GNUC_WARN_UNUSED_RESULT;
TokTpsLoginParameter *
tok_tps_login_parameter_copy(const TokTpsLoginParameter *param) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
void
tok_tps_login_parameter_free(TokTpsLoginParameter *param);

/* Looks @key up in a BEGIN_OP extension list (key, value, key, value, ..., NULL); NULL if
 * absent. */
const gchar *
tok_tps_extensions_lookup(const gchar *const *extensions, const gchar *key) TOK_NONNULL(2);

typedef enum {
	TOK_TPS_BEGIN_OP_FLAG_NONE = 0,
	/* Put a '&' after the last extension before URL-encoding, as ESC does (its trailing
	 * "%26"); the Java TPS ignores it. */
	TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR = 1 << 0,
} TokTpsBeginOpFlags;

typedef struct _TokTpsMessage TokTpsMessage;

#define TOK_TYPE_TPS_MESSAGE (tok_tps_message_get_type())
GType
tok_tps_message_get_type(void);

TokTpsMessage *
tok_tps_message_ref(TokTpsMessage *msg) TOK_NONNULL(1);
void
tok_tps_message_unref(TokTpsMessage *msg);

/* --- constructors (fields in the order of protocol.md 1.4) --- */

/* @extensions: NULL, or key, value, key, value, ..., NULL. Keys and values must be non-empty
 * UTF-8 without '&' or '='; without extensions the field is left out (as tpsclient does). */
TokTpsMessage *
tok_tps_message_new_begin_op(TokTpsOperation operation,
			     const gchar *const *extensions,
			     TokTpsBeginOpFlags flags,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokTpsMessage *
tok_tps_message_new_login_request(gboolean invalid_pw, gboolean blocked)
    G_GNUC_WARN_UNUSED_RESULT;
/* @password must be UTF-8 text without NUL bytes. */
TokTpsMessage *
tok_tps_message_new_login_response(const gchar *screen_name,
				   const TokSecret *password,
				   GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
TokTpsMessage *
tok_tps_message_new_secureid_request(gboolean pin_required, gboolean next_value)
    G_GNUC_WARN_UNUSED_RESULT;
/* Fields `value` then `pin` (tpsclient's order), both form-encoded UTF-8 text. */
TokTpsMessage *
tok_tps_message_new_secureid_response(const TokSecret *value,
				      const TokSecret *pin,
				      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
TokTpsMessage *
tok_tps_message_new_asq_request(const gchar *question, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Field `answer` (not the Java class's `question`). */
TokTpsMessage *
tok_tps_message_new_asq_response(const TokSecret *answer, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* A command APDU (at least CLA INS P1 P2); pdu_data is every byte %XX. */
TokTpsMessage *
tok_tps_message_new_token_pdu_request(GBytes *apdu, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Response data || SW1 || SW2 (at least the two SW bytes); pdu_size counts the SW. */
TokTpsMessage *
tok_tps_message_new_token_pdu_response(GBytes *response, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* @minimum_length <= @maximum_length <= G_MAXINT. */
TokTpsMessage *
tok_tps_message_new_new_pin_request(guint minimum_length, guint maximum_length, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* new_pin is sent raw: a PIN containing '&', '=', NUL, control or non-ASCII characters is
 * refused with TOK_ERROR_INVALID_DATA (the TPS could not read it back). */
TokTpsMessage *
tok_tps_message_new_new_pin_response(const TokSecret *pin, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* @result 0 (success) or 1 (failure); @status a code of 1.8 (or a newer one <= G_MAXINT). */
TokTpsMessage *
tok_tps_message_new_end_op(TokTpsOperation operation,
			   guint result,
			   TokTpsStatus status,
			   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* @percent 0..100; @next_task_name a non-empty [A-Za-z0-9_.-] token (sent raw). */
TokTpsMessage *
tok_tps_message_new_status_update_request(guint percent,
					  const gchar *next_task_name,
					  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(2);
TokTpsMessage *
tok_tps_message_new_status_update_response(guint percent, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* @params: TokTpsLoginParameter, emitted as required_parameter0.. in this order (the Java
 * TPS puts UID first). Each is sent as the form encoding of
 * "id=<id>&name=<name>&desc=<desc>&type=<type>&option=<option>", so its parts may not
 * contain '&' or '='; ids must be non-empty. */
TokTpsMessage *
tok_tps_message_new_extended_login_request(gboolean invalid_pw,
					   gboolean blocked,
					   const gchar *title,
					   const gchar *description,
					   GPtrArray *params,
					   GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(3, 4, 5);
/* One `<id>=<value>` pair per parameter, both form-encoded; ids non-empty and distinct,
 * values UTF-8 text without NUL bytes. */
TokTpsMessage *
tok_tps_message_new_extended_login_response(const gchar *const *ids,
					    TokSecret *const *values,
					    guint n_values,
					    GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* --- wire form --- */

/* "s=<N>&msg_type=<T>&..." in a wiped GBytes. Fails (TOK_ERROR_INVALID_DATA) only if a field
 * could not be read back by the peer, which the constructors already prevent. */
GBytes *
tok_tps_message_encode(const TokTpsMessage *msg, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Strict parser of one whole message. @max_size bounds N (0 means
 * TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE); N must be exactly the number of bytes after "s=<N>&".
 * msg_type must come first and be one of 2..17; field names are unique; every field the
 * type requires must be present and valid (the typed getter succeeds); unknown extra
 * fields are kept. Errors: TOK_ERROR_TRUNCATED (short), TOK_ERROR_TOO_LARGE (over
 * @max_size), TOK_ERROR_NOT_SUPPORTED (unknown msg_type), TOK_ERROR_INVALID_DATA. */
TokTpsMessage *
tok_tps_message_parse(const guint8 *data, gsize len, gsize max_size, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
TokTpsMessage *
tok_tps_message_parse_bytes(GBytes *bytes, gsize max_size, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* One line for logs: type name and fields, with pdu_data, password, PASSWORD, new_pin, pin,
 * value, answer and every EXTENDED_LOGIN_RESPONSE value replaced by their size. */
gchar *
tok_tps_message_to_log_string(const TokTpsMessage *msg) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* --- generic access --- */

TokTpsMsgType
tok_tps_message_get_msg_type(const TokTpsMessage *msg) TOK_NONNULL(1);
/* Fields after msg_type, in wire order. */
guint
tok_tps_message_get_n_fields(const TokTpsMessage *msg) TOK_NONNULL(1);
/* NULL if @index is out of range. */
const gchar *
tok_tps_message_get_field_name(const TokTpsMessage *msg, guint index) TOK_NONNULL(1);
gboolean
tok_tps_message_has_field(const TokTpsMessage *msg, const gchar *name) TOK_NONNULL(1, 2);
/* The still-encoded wire value of field @name (a new reference to wiped bytes), or NULL. */
GBytes *
tok_tps_message_dup_wire_value(const TokTpsMessage *msg, const gchar *name)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* --- typed getters: every out argument may be NULL; they are set only on success --- */

/* BEGIN_OP (2) or END_OP (13). */
gboolean
tok_tps_message_get_operation(const TokTpsMessage *msg,
			      TokTpsOperation *operation,
			      GError **error) TOK_NONNULL(1);
/* BEGIN_OP: the extensions URL-decoded once and split on '&' then '=' (an empty list if
 * the field is absent or empty), as key, value, key, value, ..., NULL. One trailing '&' is
 * tolerated; an empty key or value, a pair without '=' or a repeated key is an error. */
gchar **
tok_tps_message_get_extensions(const TokTpsMessage *msg, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* LOGIN_REQUEST (3) or EXTENDED_LOGIN_REQUEST (16). */
gboolean
tok_tps_message_get_login_request(const TokTpsMessage *msg,
				  gboolean *invalid_pw,
				  gboolean *blocked,
				  GError **error) TOK_NONNULL(1);
gboolean
tok_tps_message_get_login_response(const TokTpsMessage *msg,
				   gchar **screen_name,
				   TokSecret **password,
				   GError **error) TOK_NONNULL(1);
gboolean
tok_tps_message_get_secureid_request(const TokTpsMessage *msg,
				     gboolean *pin_required,
				     gboolean *next_value,
				     GError **error) TOK_NONNULL(1);
gboolean
tok_tps_message_get_secureid_response(const TokTpsMessage *msg,
				      TokSecret **value,
				      TokSecret **pin,
				      GError **error) TOK_NONNULL(1);
gchar *
tok_tps_message_get_asq_question(const TokTpsMessage *msg, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TokSecret *
tok_tps_message_get_asq_answer(const TokTpsMessage *msg, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* TOKEN_PDU_REQUEST (9) or TOKEN_PDU_RESPONSE (10): the decoded pdu_data (wiped), which
 * must be exactly pdu_size bytes (a request at least 4, a response at least 2). */
GBytes *
tok_tps_message_get_pdu(const TokTpsMessage *msg, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
gboolean
tok_tps_message_get_new_pin_request(const TokTpsMessage *msg,
				    guint *minimum_length,
				    guint *maximum_length,
				    GError **error) TOK_NONNULL(1);
TokSecret *
tok_tps_message_get_new_pin(const TokTpsMessage *msg, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
gboolean
tok_tps_message_get_end_op(const TokTpsMessage *msg,
			   TokTpsOperation *operation,
			   guint *result,
			   TokTpsStatus *status,
			   GError **error) TOK_NONNULL(1);
gboolean
tok_tps_message_get_status_update_request(const TokTpsMessage *msg,
					  guint *percent,
					  gchar **next_task_name,
					  GError **error) TOK_NONNULL(1);
gboolean
tok_tps_message_get_status_update_response(const TokTpsMessage *msg,
					   guint *percent,
					   GError **error) TOK_NONNULL(1);
/* @params: a new array of TokTpsLoginParameter, ordered by parameter index. */
gboolean
tok_tps_message_get_extended_login_request(const TokTpsMessage *msg,
					   gboolean *invalid_pw,
					   gboolean *blocked,
					   gchar **title,
					   gchar **description,
					   GPtrArray **params,
					   GError **error) TOK_NONNULL(1);
/* @ids: the decoded ids in wire order; @values: TokSecret in the same order. */
gboolean
tok_tps_message_get_extended_login_response(const TokTpsMessage *msg,
					    gchar ***ids,
					    GPtrArray **values,
					    GError **error) TOK_NONNULL(1);
/* The value for @id; TOK_ERROR_NOT_FOUND if the response has none. */
TokSecret *
tok_tps_message_lookup_extended_login_value(const TokTpsMessage *msg,
					    const gchar *id,
					    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokTpsMessage, tok_tps_message_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokTpsLoginParameter, tok_tps_login_parameter_free)

G_END_DECLS
