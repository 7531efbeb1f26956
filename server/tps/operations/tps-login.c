/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-error.h"
#include "tps-login.h"
#include "tps-status.h"

#define TPS_LOGIN_USER_ID_MAX 255

/* A user id from a secret: UTF-8 text without control characters, 1..255 bytes. */
static gchar *
tps_login_user_id_from_secret(TokSecret *secret, GError **error)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(secret, &len);

	if (len == 0 || len > TPS_LOGIN_USER_ID_MAX || !g_utf8_validate((const gchar *)data, (gssize)len, NULL)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_AUTH, "the user id is empty, too long or not UTF-8");
		return NULL;
	}
	for (gsize i = 0; i < len; i++) {
		if (data[i] < 0x20 || data[i] == 0x7F) {
			g_set_error_literal(error, TPS_ERROR, TPS_ERROR_AUTH, "the user id has control characters");
			return NULL;
		}
	}
	return g_strndup((const gchar *)data, len);
}

static gboolean
tps_login_plain(TpsSession *s, gchar **user_id, TokSecret **password, GError **error)
{
	g_autoptr(TokTpsMessage) request = tok_tps_message_new_login_request(FALSE, FALSE);
	g_autoptr(TokTpsMessage) response = NULL;
	g_autofree gchar *name = NULL;
	g_autoptr(TokSecret) pw = NULL;
	g_autoptr(TokSecret) name_secret = NULL;

	if (!tps_session_write(s, request, error))
		return FALSE;
	response = tps_session_read_expect(s, TOK_TPS_MSG_TYPE_LOGIN_RESPONSE, error);
	if (response == NULL)
		return FALSE;
	if (!tok_tps_message_get_login_response(response, &name, &pw, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_LOGIN);
		return FALSE;
	}
	name_secret = tok_secret_new_from_text(name);
	*user_id = tps_login_user_id_from_secret(name_secret, error);
	if (*user_id == NULL)
		return FALSE;
	*password = g_steal_pointer(&pw);
	return TRUE;
}

static gboolean
tps_login_extended(TpsSession *s, gchar **user_id, TokSecret **password, GError **error)
{
	g_autofree gchar *title = NULL;
	g_autofree gchar *description = NULL;
	g_autoptr(GPtrArray) fields = NULL;
	g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func((GDestroyNotify)tok_tps_login_parameter_free);
	g_autoptr(TokTpsMessage) request = NULL;
	g_autoptr(TokTpsMessage) response = NULL;
	g_autoptr(TokSecret) uid = NULL;
	g_autoptr(TokSecret) pw = NULL;

	if (!tps_authenticator_get_ui(s->ctx->auth, s->locale, &title, &description, &fields, error)) {
		g_prefix_error(error, "login form: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
		return FALSE;
	}
	for (guint i = 0; i < fields->len; i++) {
		const TpsAuthField *field = g_ptr_array_index(fields, i);
		g_ptr_array_add(params, tok_tps_login_parameter_new(field->id, field->name, field->description, field->type, ""));
	}
	request = tok_tps_message_new_extended_login_request(FALSE,
							     FALSE,
							     title != NULL ? title : "",
							     description != NULL ? description : "",
							     params,
							     error);
	if (request == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
		return FALSE;
	}
	if (!tps_session_write(s, request, error))
		return FALSE;
	response = tps_session_read_expect(s, TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE, error);
	if (response == NULL)
		return FALSE;
	uid = tok_tps_message_lookup_extended_login_value(response, "UID", error);
	if (uid == NULL) {
		g_prefix_error(error, "EXTENDED_LOGIN_RESPONSE: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_LOGIN);
		return FALSE;
	}
	pw = tok_tps_message_lookup_extended_login_value(response, "PASSWORD", error);
	if (pw == NULL) {
		g_prefix_error(error, "EXTENDED_LOGIN_RESPONSE: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_LOGIN);
		return FALSE;
	}
	*user_id = tps_login_user_id_from_secret(uid, error);
	if (*user_id == NULL)
		return FALSE;
	*password = g_steal_pointer(&pw);
	return TRUE;
}

gboolean
tps_login_run(TpsSession *s, GError **error)
{
	g_autofree gchar *user_id = NULL;
	g_autoptr(TokSecret) password = NULL;
	g_autoptr(GHashTable) attributes = NULL;
	gboolean ok;
	gint64 cpu;

	if (s->extended_login)
		ok = tps_login_extended(s, &user_id, &password, error);
	else
		ok = tps_login_plain(s, &user_id, &password, error);
	if (!ok)
		return FALSE;
	cpu = tps_session_thread_cpu_us();
	ok = tps_authenticator_authenticate(s->ctx->auth, user_id, password, &attributes, error);
	s->password_cpu_us += tps_session_thread_cpu_us() - cpu;
	if (!ok) {
		/* one message for a wrong user and a wrong password */
		if (error != NULL && *error != NULL && (*error)->domain == TPS_ERROR && (*error)->code == TPS_ERROR_AUTH)
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_LOGIN);
		else
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_LDAP_CONN);
		return FALSE;
	}
	g_free(s->user_id);
	s->user_id = g_steal_pointer(&user_id);
	g_clear_pointer(&s->user_attributes, g_hash_table_unref);
	s->user_attributes = g_steal_pointer(&attributes);
	return TRUE;
}
