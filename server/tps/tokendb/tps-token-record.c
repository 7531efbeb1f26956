/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-error.h"
#include "tps-token-record.h"

/* Limits on what a database accepts, so that nothing unbounded reaches storage. */
#define TPS_RECORD_MAX_TEXT 4096
#define TPS_RECORD_MAX_MESSAGE 16384
#define TPS_RECORD_MAX_DER 65536
#define TPS_CERT_SERIAL_MAX 64 /* hex digits; RFC 5280 allows 20 octets */

G_DEFINE_BOXED_TYPE(TpsTokenRecord, tps_token_record, tps_token_record_copy, tps_token_record_free)
G_DEFINE_BOXED_TYPE(TpsCertRecord, tps_cert_record, tps_cert_record_copy, tps_cert_record_free)
G_DEFINE_BOXED_TYPE(TpsActivity, tps_activity, tps_activity_copy, tps_activity_free)

static const gchar *const tps_activity_operations[] = {
    TPS_ACTIVITY_ADD,
    TPS_ACTIVITY_FORMAT,
    TPS_ACTIVITY_ENROLLMENT,
    TPS_ACTIVITY_RECOVERY,
    TPS_ACTIVITY_RENEWAL,
    TPS_ACTIVITY_PIN_RESET,
    TPS_ACTIVITY_TOKEN_STATUS_CHANGE,
    TPS_ACTIVITY_TOKEN_MODIFY,
    TPS_ACTIVITY_DELETE,
    TPS_ACTIVITY_CERT_REVOCATION,
    TPS_ACTIVITY_CERT_UNREVOCATION,
    TPS_ACTIVITY_KEY_CHANGEOVER,
};

gchar *
tps_cuid_normalize(const gchar *cuid, GError **error)
{
	if (cuid == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "no CUID");
		return NULL;
	}
	for (gsize i = 0; i < TPS_CUID_LENGTH; i++) {
		if (!g_ascii_isxdigit(cuid[i])) {
			g_set_error(error,
				    TPS_ERROR,
				    TPS_ERROR_INVALID,
				    "CUID '%.40s' is not %d hex digits",
				    cuid,
				    TPS_CUID_LENGTH);
			return NULL;
		}
	}
	if (cuid[TPS_CUID_LENGTH] != '\0') {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "CUID '%.40s' is longer than %d hex digits",
			    cuid,
			    TPS_CUID_LENGTH);
		return NULL;
	}
	return g_ascii_strup(cuid, -1);
}

/* @value may be NULL; @what names the field in the error. */
static gboolean
tps_record_check_text(const gchar *value, const gchar *what, gsize max, GError **error)
{
	if (value == NULL)
		return TRUE;
	if (strlen(value) > max) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "%s is too long (more than %" G_GSIZE_FORMAT " bytes)",
			    what,
			    max);
		return FALSE;
	}
	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "%s is not valid UTF-8", what);
		return FALSE;
	}
	return TRUE;
}

TpsTokenRecord *
tps_token_record_new(void)
{
	TpsTokenRecord *rec = g_new0(TpsTokenRecord, 1);
	rec->status = TPS_TOKEN_STATUS_UNFORMATTED;
	rec->previous_status = TPS_TOKEN_STATUS_UNFORMATTED;
	return rec;
}

TpsTokenRecord *
tps_token_record_copy(const TpsTokenRecord *rec)
{
	TpsTokenRecord *copy = g_new0(TpsTokenRecord, 1);
	copy->cuid = g_strdup(rec->cuid);
	copy->user_id = g_strdup(rec->user_id);
	copy->status = rec->status;
	copy->previous_status = rec->previous_status;
	copy->reason = g_strdup(rec->reason);
	copy->token_type = g_strdup(rec->token_type);
	copy->applet_id = g_strdup(rec->applet_id);
	copy->key_info = g_strdup(rec->key_info);
	copy->policy = g_strdup(rec->policy);
	copy->created = rec->created;
	copy->modified = rec->modified;
	return copy;
}

void
tps_token_record_free(TpsTokenRecord *rec)
{
	if (rec == NULL)
		return;
	g_free(rec->cuid);
	g_free(rec->user_id);
	g_free(rec->reason);
	g_free(rec->token_type);
	g_free(rec->applet_id);
	g_free(rec->key_info);
	g_free(rec->policy);
	g_free(rec);
}

gboolean
tps_token_record_validate(const TpsTokenRecord *rec, GError **error)
{
	g_autofree gchar *cuid = tps_cuid_normalize(rec->cuid, error);
	if (cuid == NULL)
		return FALSE;
	if (!tps_token_status_is_valid((gint)rec->status)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "token %s: status %d is not a token status",
			    cuid,
			    (gint)rec->status);
		return FALSE;
	}
	if (!tps_token_status_is_valid((gint)rec->previous_status)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "token %s: previous status %d is not a token status",
			    cuid,
			    (gint)rec->previous_status);
		return FALSE;
	}
	if (!tps_record_check_text(rec->user_id, "user id", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->reason, "reason", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->token_type, "token type", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->applet_id, "applet id", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->key_info, "key info", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->policy, "policy", TPS_RECORD_MAX_TEXT, error)) {
		g_prefix_error(error, "token %s: ", cuid);
		return FALSE;
	}
	return TRUE;
}

TpsCertRecord *
tps_cert_record_new(void)
{
	return g_new0(TpsCertRecord, 1);
}

TpsCertRecord *
tps_cert_record_copy(const TpsCertRecord *rec)
{
	TpsCertRecord *copy = g_new0(TpsCertRecord, 1);
	copy->serial = g_strdup(rec->serial);
	copy->cuid = g_strdup(rec->cuid);
	copy->user_id = g_strdup(rec->user_id);
	copy->key_type = g_strdup(rec->key_type);
	copy->status = g_strdup(rec->status);
	copy->subject = g_strdup(rec->subject);
	copy->issuer = g_strdup(rec->issuer);
	copy->not_before = rec->not_before;
	copy->not_after = rec->not_after;
	copy->der = rec->der != NULL ? g_bytes_ref(rec->der) : NULL;
	return copy;
}

void
tps_cert_record_free(TpsCertRecord *rec)
{
	if (rec == NULL)
		return;
	g_free(rec->serial);
	g_free(rec->cuid);
	g_free(rec->user_id);
	g_free(rec->key_type);
	g_free(rec->status);
	g_free(rec->subject);
	g_free(rec->issuer);
	if (rec->der != NULL)
		g_bytes_unref(rec->der);
	g_free(rec);
}

gboolean
tps_cert_status_is_valid(const gchar *status)
{
	return g_strcmp0(status, TPS_CERT_STATUS_ACTIVE) == 0 ||
	       g_strcmp0(status, TPS_CERT_STATUS_REVOKED) == 0 ||
	       g_strcmp0(status, TPS_CERT_STATUS_ON_HOLD) == 0;
}

gchar *
tps_cert_serial_normalize(const gchar *serial, GError **error)
{
	const gchar *p = serial;
	gsize len;

	if (serial == NULL || serial[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty certificate serial");
		return NULL;
	}
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	len = strlen(p);
	if (len == 0 || len > TPS_CERT_SERIAL_MAX) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "certificate serial '%.72s' must have 1 to %d hex digits",
			    serial,
			    TPS_CERT_SERIAL_MAX);
		return NULL;
	}
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(p[i])) {
			g_set_error(error,
				    TPS_ERROR,
				    TPS_ERROR_INVALID,
				    "certificate serial '%.72s' is not hexadecimal",
				    serial);
			return NULL;
		}
	}
	while (p[0] == '0' && p[1] != '\0')
		p++;
	return g_ascii_strdown(p, -1);
}

gboolean
tps_cert_record_validate(const TpsCertRecord *rec, GError **error)
{
	g_autofree gchar *serial = tps_cert_serial_normalize(rec->serial, error);
	g_autofree gchar *cuid = NULL;

	if (serial == NULL)
		return FALSE;
	if (g_strcmp0(serial, rec->serial) != 0) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "certificate serial '%.72s' is not in canonical form (%s)",
			    rec->serial,
			    serial);
		return FALSE;
	}
	cuid = tps_cuid_normalize(rec->cuid, error);
	if (cuid == NULL) {
		g_prefix_error(error, "certificate %s: ", serial);
		return FALSE;
	}
	if (!tps_cert_status_is_valid(rec->status)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "certificate %s: status '%.32s' is not active, revoked or on-hold",
			    serial,
			    rec->status != NULL ? rec->status : "(none)");
		return FALSE;
	}
	if (rec->der != NULL && g_bytes_get_size(rec->der) > TPS_RECORD_MAX_DER) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "certificate %s: DER is larger than %d bytes",
			    serial,
			    TPS_RECORD_MAX_DER);
		return FALSE;
	}
	if (!tps_record_check_text(rec->user_id, "user id", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->key_type, "key type", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->subject, "subject", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(rec->issuer, "issuer", TPS_RECORD_MAX_TEXT, error)) {
		g_prefix_error(error, "certificate %s: ", serial);
		return FALSE;
	}
	return TRUE;
}

TpsActivity *
tps_activity_new(void)
{
	return g_new0(TpsActivity, 1);
}

TpsActivity *
tps_activity_copy(const TpsActivity *act)
{
	TpsActivity *copy = g_new0(TpsActivity, 1);
	copy->time = act->time;
	copy->operation = g_strdup(act->operation);
	copy->cuid = g_strdup(act->cuid);
	copy->user_id = g_strdup(act->user_id);
	copy->result = g_strdup(act->result);
	copy->client_address = g_strdup(act->client_address);
	copy->message = g_strdup(act->message);
	return copy;
}

void
tps_activity_free(TpsActivity *act)
{
	if (act == NULL)
		return;
	g_free(act->operation);
	g_free(act->cuid);
	g_free(act->user_id);
	g_free(act->result);
	g_free(act->client_address);
	g_free(act->message);
	g_free(act);
}

gboolean
tps_activity_operation_is_valid(const gchar *operation)
{
	if (operation == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(tps_activity_operations); i++) {
		if (g_strcmp0(operation, tps_activity_operations[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
tps_activity_validate(const TpsActivity *act, GError **error)
{
	if (!tps_activity_operation_is_valid(act->operation)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "activity operation '%.32s' is unknown",
			    act->operation != NULL ? act->operation : "(none)");
		return FALSE;
	}
	if (g_strcmp0(act->result, TPS_ACTIVITY_RESULT_SUCCESS) != 0 &&
	    g_strcmp0(act->result, TPS_ACTIVITY_RESULT_FAILURE) != 0) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "activity %s: result '%.32s' is not success or failure",
			    act->operation,
			    act->result != NULL ? act->result : "(none)");
		return FALSE;
	}
	if (act->cuid != NULL) {
		g_autofree gchar *cuid = tps_cuid_normalize(act->cuid, error);
		if (cuid == NULL) {
			g_prefix_error(error, "activity %s: ", act->operation);
			return FALSE;
		}
	}
	if (!tps_record_check_text(act->user_id, "user id", TPS_RECORD_MAX_TEXT, error) ||
	    !tps_record_check_text(act->client_address,
				   "client address",
				   TPS_RECORD_MAX_TEXT,
				   error) ||
	    !tps_record_check_text(act->message, "message", TPS_RECORD_MAX_MESSAGE, error)) {
		g_prefix_error(error, "activity %s: ", act->operation);
		return FALSE;
	}
	return TRUE;
}
