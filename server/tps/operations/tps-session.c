/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <time.h>

#include "tok-error.h"
#include "tps-error.h"
#include "tps-session.h"
#include "tps-status.h"

gint64
tps_session_thread_cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

TpsSession *
tps_session_new(TpsContext *ctx, TpsConnection *conn, TokTpsMessage *begin_op, GError **error)
{
	g_autoptr(TpsSession) s = g_new0(TpsSession, 1);
	const gchar *value;

	s->ctx = ctx;
	s->conn = conn;
	s->lifecycle = TOK_COOLKEY_LIFECYCLE_UNKNOWN;
	if (!tok_tps_message_get_operation(begin_op, &s->operation, error)) {
		g_prefix_error(error, "BEGIN_OP: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CONNECTION);
		return NULL;
	}
	s->extensions = tok_tps_message_get_extensions(begin_op, error);
	if (s->extensions == NULL) {
		g_prefix_error(error, "BEGIN_OP extensions: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CONNECTION);
		return NULL;
	}
	value = tok_tps_extensions_lookup((const gchar *const *)s->extensions, "statusUpdate");
	s->status_update = g_strcmp0(value, "true") == 0;
	/* presence, any value (protocol.md 1.6) */
	s->extended_login = tok_tps_extensions_lookup((const gchar *const *)s->extensions, "extendedLoginRequest") != NULL;
	s->locale = tok_tps_extensions_lookup((const gchar *const *)s->extensions, "locale");
	if (s->locale == NULL)
		s->locale = "en";
	s->ext_token_type = tok_tps_extensions_lookup((const gchar *const *)s->extensions, "tokenType");
	s->ext_atr = tok_tps_extensions_lookup((const gchar *const *)s->extensions, "tokenATR");
	s->ext_key_set = tok_tps_extensions_lookup((const gchar *const *)s->extensions, "keySet");
	s->crypto = ctx->crypto != NULL ? g_object_ref(ctx->crypto) : tok_gp_crypto_new(error);
	if (s->crypto == NULL)
		return NULL;
	return g_steal_pointer(&s);
}

void
tps_session_free(TpsSession *s)
{
	if (s == NULL)
		return;
	g_strfreev(s->extensions);
	g_clear_object(&s->crypto);
	g_clear_pointer(&s->cplc, tok_cplc_free);
	g_free(s->cuid);
	g_free(s->msn);
	g_free(s->applet_version);
	g_clear_object(&s->channel);
	g_clear_pointer(&s->kdd, g_bytes_unref);
	g_clear_pointer(&s->key_info, g_bytes_unref);
	g_free(s->key_set);
	g_free(s->user_id);
	g_clear_pointer(&s->user_attributes, g_hash_table_unref);
	g_clear_pointer(&s->token, tps_token_record_free);
	g_free(s->token_type);
	g_clear_pointer(&s->policy, tps_token_policy_free);
	g_free(s);
}

TokTpsMessage *
tps_session_read_expect(TpsSession *s, TokTpsMsgType type, GError **error)
{
	g_autoptr(TokTpsMessage) msg = tps_connection_read(s->conn, error);
	TokTpsMsgType got;

	if (msg == NULL)
		return NULL;
	got = tok_tps_message_get_msg_type(msg);
	if (got != type) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "expected %s from the client, got %s",
			    tok_tps_msg_type_to_string(type),
			    tok_tps_msg_type_to_string(got));
		return NULL;
	}
	return g_steal_pointer(&msg);
}

gboolean
tps_session_write(TpsSession *s, TokTpsMessage *msg, GError **error)
{
	return tps_connection_write(s->conn, msg, error);
}

TokApduResponse *
tps_session_transmit(TpsSession *s, TokApdu *apdu, GError **error)
{
	g_autoptr(GBytes) encoded = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, error);

	if (encoded == NULL)
		return NULL;
	return tps_connection_transmit(s->conn, encoded, error);
}

TokApduResponse *
tps_session_transmit_ok(TpsSession *s, TokApdu *apdu, const gchar *what, GError **error)
{
	g_autoptr(TokApduResponse) response = tps_session_transmit(s, apdu, error);

	if (response == NULL)
		return NULL;
	if (!tok_apdu_response_check(response, what, error))
		return NULL;
	return g_steal_pointer(&response);
}

gboolean
tps_session_status_update(TpsSession *s, guint percent, const gchar *task, GError **error)
{
	g_autoptr(TokTpsMessage) request = NULL;
	g_autoptr(TokTpsMessage) response = NULL;

	if (!s->status_update)
		return TRUE;
	request = tok_tps_message_new_status_update_request(percent, task, error);
	if (request == NULL)
		return FALSE;
	if (!tps_session_write(s, request, error))
		return FALSE;
	response = tps_session_read_expect(s, TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE, error);
	if (response == NULL)
		return FALSE;
	/* the client echoes the percentage; only its form matters */
	return tok_tps_message_get_status_update_response(response, NULL, error);
}

TokSecret *
tps_session_request_new_pin(TpsSession *s, guint min_len, guint max_len, GError **error)
{
	g_autoptr(TokTpsMessage) request = tok_tps_message_new_new_pin_request(min_len, max_len, error);
	g_autoptr(TokTpsMessage) response = NULL;
	g_autoptr(TokSecret) pin = NULL;
	const guint8 *data;
	gsize len = 0;

	if (request == NULL)
		return NULL;
	if (!tps_session_write(s, request, error))
		return NULL;
	response = tps_session_read_expect(s, TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE, error);
	if (response == NULL)
		return NULL;
	pin = tok_tps_message_get_new_pin(response, error);
	if (pin == NULL)
		return NULL;
	data = tok_secret_get_data(pin, &len);
	if (len < min_len || len > max_len) {
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_TOKEN_RESET_PIN_FAILED,
			    "the new PIN has %" G_GSIZE_FORMAT " characters, %u to %u are required",
			    len,
			    min_len,
			    max_len);
		return NULL;
	}
	for (gsize i = 0; i < len; i++) {
		if (data[i] < 0x20 || data[i] > 0x7E) {
			g_set_error_literal(error,
					    TPS_STATUS_ERROR,
					    TOK_TPS_STATUS_ERROR_TOKEN_RESET_PIN_FAILED,
					    "the new PIN has a character that is not printable ASCII");
			return NULL;
		}
	}
	return g_steal_pointer(&pin);
}

void
tps_session_add_activity(TpsSession *s, const gchar *operation, gboolean success, const gchar *message)
{
	g_autoptr(GError) error = NULL;
	TpsActivity act = {0};

	act.time = g_get_real_time() / G_USEC_PER_SEC;
	act.operation = (gchar *)operation;
	act.cuid = s->cuid;
	act.user_id = s->user_id;
	act.result = (gchar *)(success ? "success" : "failure");
	act.client_address = (gchar *)tps_connection_get_client_address(s->conn);
	act.message = (gchar *)message;
	if (!tps_token_db_add_activity(s->ctx->db, &act, &error))
		g_message("token %s: activity %s not recorded: %s",
			  s->cuid != NULL ? s->cuid : "(unknown)",
			  operation,
			  error->message);
}

static const gchar *
tps_session_lookup_variable(TpsSession *s, const gchar *name)
{
	if (g_strcmp0(name, "userid") == 0)
		return s->user_id;
	if (g_strcmp0(name, "cuid") == 0)
		return s->cuid;
	if (g_strcmp0(name, "msn") == 0)
		return s->msn;
	if (g_strcmp0(name, "profileId") == 0)
		return s->token_type;
	if (g_str_has_prefix(name, "auth.") && s->user_attributes != NULL) {
		const gchar *v = g_hash_table_lookup(s->user_attributes, name + strlen("auth."));
		/* $auth.cn$ falls back to the user id, as a token label must not stay a template */
		if (v == NULL && g_strcmp0(name, "auth.cn") == 0)
			return s->user_id;
		return v;
	}
	if (g_strcmp0(name, "auth.cn") == 0)
		return s->user_id;
	return NULL;
}

gchar *
tps_session_expand_template(TpsSession *s, const gchar *template_text)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *p = template_text;

	if (p == NULL)
		return g_strdup("");
	while (*p != '\0') {
		const gchar *start = strchr(p, '$');
		const gchar *end;
		g_autofree gchar *name = NULL;
		const gchar *value;

		if (start == NULL) {
			g_string_append(out, p);
			break;
		}
		end = strchr(start + 1, '$');
		if (end == NULL) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, start - p);
		name = g_strndup(start + 1, (gsize)(end - start - 1));
		value = tps_session_lookup_variable(s, name);
		if (value != NULL) {
			g_string_append(out, value);
			p = end + 1;
		} else {
			/* keep the '$' text and go on after it */
			g_string_append_len(out, start, end - start);
			p = end;
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}
