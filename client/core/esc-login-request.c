/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-login-request.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "esc-error.h"
#include "esc-operation-private.h"

struct _EscLoginRequest {
	GObject parent_instance;
	gboolean extended;
	gboolean invalid_password;
	gboolean blocked;
	gchar *title;
	gchar *description;
	GPtrArray *fields; /* EscLoginField */
	EscRequestChannel *channel; /* the state and the values (TokSecret by field id) */
};

G_DEFINE_FINAL_TYPE(EscLoginRequest, esc_login_request, G_TYPE_OBJECT)

static void
esc_login_field_free(gpointer data)
{
	EscLoginField *field = data;

	g_free(field->id);
	g_free(field->label);
	g_free(field->description);
	g_free(field);
}

static void
esc_login_request_finalize(GObject *object)
{
	EscLoginRequest *self = ESC_LOGIN_REQUEST(object);

	g_free(self->title);
	g_free(self->description);
	g_ptr_array_unref(self->fields);
	/* nobody can answer any more: an operation still waiting gives up */
	esc_request_channel_drop(self->channel);
	esc_request_channel_unref(self->channel);
	G_OBJECT_CLASS(esc_login_request_parent_class)->finalize(object);
}

static void
esc_login_request_class_init(EscLoginRequestClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = esc_login_request_finalize;
}

static void
esc_login_request_init(EscLoginRequest *self)
{
	self->fields = g_ptr_array_new_with_free_func(esc_login_field_free);
	self->channel = esc_request_channel_new();
}

static void
esc_login_request_add_field(EscLoginRequest *self,
			    const gchar *id,
			    const gchar *label,
			    const gchar *description,
			    EscLoginFieldType type)
{
	EscLoginField *field = g_new0(EscLoginField, 1);

	field->id = g_strdup(id);
	field->label = g_strdup(label);
	field->description = g_strdup(description);
	field->type = type;
	g_ptr_array_add(self->fields, field);
}

/* Text from the server: bounded, no control characters but newline and tab. */
static gboolean
esc_login_request_check_text(const gchar *text, const gchar *what, GError **error)
{
	gsize len = strlen(text);

	if (len > ESC_LOGIN_REQUEST_MAX_TEXT) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The login request’s %s is longer than %d bytes"), what,
			    ESC_LOGIN_REQUEST_MAX_TEXT);
		return FALSE;
	}
	if (!g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The login request’s %s is not UTF-8"), what);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)text[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The login request’s %s has control characters"), what);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
esc_login_request_check_id(const gchar *id, GError **error)
{
	if (id == NULL || id[0] == '\0') {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("A login parameter has no id"));
		return FALSE;
	}
	if (strlen(id) > 64) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("A login parameter id is longer than 64 characters"));
		return FALSE;
	}
	for (const gchar *c = id; *c != '\0'; c++) {
		if (!g_ascii_isalnum(*c) && *c != '_' && *c != '.' && *c != '-') {
			g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The login parameter id “%s” has characters other than letters, digits, _ . -"), id);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean
esc_login_request_parse_type(const gchar *type, EscLoginFieldType *out, GError **error)
{
	if (type == NULL || type[0] == '\0' || g_ascii_strcasecmp(type, "string") == 0)
		*out = ESC_LOGIN_FIELD_STRING;
	else if (g_ascii_strcasecmp(type, "password") == 0)
		*out = ESC_LOGIN_FIELD_PASSWORD;
	else if (g_ascii_strcasecmp(type, "integer") == 0)
		*out = ESC_LOGIN_FIELD_INTEGER;
	else if (g_ascii_strcasecmp(type, "boolean") == 0)
		*out = ESC_LOGIN_FIELD_BOOLEAN;
	else {
		g_autofree gchar *shown = g_strndup(type, 32);
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The login parameter type “%s” is not known"), shown);
		return FALSE;
	}
	return TRUE;
}

static gboolean
esc_login_request_parse_extended(EscLoginRequest *self, TokTpsMessage *msg, GError **error)
{
	g_autoptr(GPtrArray) params = NULL;
	g_autoptr(GError) local_error = NULL;

	if (!tok_tps_message_get_extended_login_request(msg,
							&self->invalid_password,
							&self->blocked,
							&self->title,
							&self->description,
							&params,
							&local_error)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("Invalid EXTENDED_LOGIN_REQUEST: %s"), local_error->message);
		return FALSE;
	}
	if (self->title == NULL)
		self->title = g_strdup("");
	if (self->description == NULL)
		self->description = g_strdup("");
	if (!esc_login_request_check_text(self->title, "title", error) ||
	    !esc_login_request_check_text(self->description, "description", error))
		return FALSE;
	if (params->len == 0) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The EXTENDED_LOGIN_REQUEST asks for nothing"));
		return FALSE;
	}
	if (params->len > ESC_LOGIN_REQUEST_MAX_FIELDS) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The EXTENDED_LOGIN_REQUEST asks for more than %d values"),
			    ESC_LOGIN_REQUEST_MAX_FIELDS);
		return FALSE;
	}
	for (guint i = 0; i < params->len; i++) {
		TokTpsLoginParameter *param = g_ptr_array_index(params, i);
		EscLoginFieldType type;

		if (!esc_login_request_check_id(param->id, error) ||
		    !esc_login_request_check_text(param->name != NULL ? param->name : "", "parameter name", error) ||
		    !esc_login_request_check_text(param->desc != NULL ? param->desc : "", "parameter description", error) ||
		    !esc_login_request_parse_type(param->type, &type, error))
			return FALSE;
		for (guint j = 0; j < self->fields->len; j++) {
			const EscLoginField *other = g_ptr_array_index(self->fields, j);
			if (g_strcmp0(other->id, param->id) == 0) {
				g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The login parameter “%s” is asked for twice"), param->id);
				return FALSE;
			}
		}
		esc_login_request_add_field(self,
					    param->id,
					    param->name != NULL && param->name[0] != '\0' ? param->name : param->id,
					    param->desc != NULL ? param->desc : "",
					    type);
	}
	return TRUE;
}

EscLoginRequest *
esc_login_request_new_from_message(TokTpsMessage *msg, GError **error)
{
	g_autoptr(EscLoginRequest) self = g_object_new(ESC_TYPE_LOGIN_REQUEST, NULL);
	g_autoptr(GError) local_error = NULL;

	switch (tok_tps_message_get_msg_type(msg)) {
	case TOK_TPS_MSG_TYPE_LOGIN_REQUEST:
		if (!tok_tps_message_get_login_request(msg, &self->invalid_password, &self->blocked, &local_error)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("Invalid LOGIN_REQUEST: %s"), local_error->message);
			return NULL;
		}
		/* TRANSLATORS: the label of the user name entry of the TPS login */
		esc_login_request_add_field(self, "UID", _("User ID"), "", ESC_LOGIN_FIELD_STRING);
		/* TRANSLATORS: the label of the password entry of the TPS login */
		esc_login_request_add_field(self, "PASSWORD", _("Password"), "", ESC_LOGIN_FIELD_PASSWORD);
		return g_steal_pointer(&self);
	case TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST:
		self->extended = TRUE;
		if (!esc_login_request_parse_extended(self, msg, error))
			return NULL;
		return g_steal_pointer(&self);
	default:
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_PROTOCOL,
			    _("%s is not a login request"),
			    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
		return NULL;
	}
}

gboolean
esc_login_request_is_extended(EscLoginRequest *r)
{
	return r->extended;
}

const gchar *
esc_login_request_get_title(EscLoginRequest *r)
{
	return r->title;
}

const gchar *
esc_login_request_get_description(EscLoginRequest *r)
{
	return r->description;
}

gboolean
esc_login_request_get_invalid_password(EscLoginRequest *r)
{
	return r->invalid_password;
}

gboolean
esc_login_request_get_blocked(EscLoginRequest *r)
{
	return r->blocked;
}

guint
esc_login_request_get_n_fields(EscLoginRequest *r)
{
	return r->fields->len;
}

const EscLoginField *
esc_login_request_get_field(EscLoginRequest *r, guint i)
{
	if (i >= r->fields->len)
		return NULL;
	return g_ptr_array_index(r->fields, i);
}

static gboolean
esc_login_request_has_field(EscLoginRequest *r, const gchar *id)
{
	for (guint i = 0; i < r->fields->len; i++) {
		const EscLoginField *field = g_ptr_array_index(r->fields, i);
		if (g_strcmp0(field->id, id) == 0)
			return TRUE;
	}
	return FALSE;
}

void
esc_login_request_set_secret(EscLoginRequest *r, const gchar *id, TokSecret *value)
{
	if (!esc_login_request_has_field(r, id)) {
		g_warning("the login request has no field “%s”", id);
		return;
	}
	esc_request_channel_set_secret(r->channel, id, value);
}

void
esc_login_request_set_value(EscLoginRequest *r, const gchar *id, const gchar *value)
{
	g_autoptr(TokSecret) secret = value != NULL ? tok_secret_new_from_text(value) : NULL;

	esc_login_request_set_secret(r, id, secret);
}

void
esc_login_request_respond(EscLoginRequest *r)
{
	esc_request_channel_answer(r->channel, ESC_REQUEST_RESPONDED, NULL, NULL);
}

void
esc_login_request_cancel(EscLoginRequest *r)
{
	esc_request_channel_answer(r->channel, ESC_REQUEST_CANCELLED, NULL, NULL);
	/* what was typed so far is not needed any more */
	esc_request_channel_clear_secrets(r->channel);
}

gboolean
esc_login_request_is_answered(EscLoginRequest *r)
{
	return esc_login_request_get_state(r) != ESC_REQUEST_PENDING;
}

EscRequestState
esc_login_request_get_state(EscLoginRequest *r)
{
	return esc_request_channel_get_state(r->channel);
}

EscRequestState
esc_login_request_wait(EscLoginRequest *r, GCancellable *cancellable)
{
	return esc_request_channel_wait(r->channel, cancellable);
}

TokSecret *
esc_login_request_dup_secret(EscLoginRequest *r, const gchar *id)
{
	return esc_request_channel_dup_secret(r->channel, id);
}

EscRequestChannel *
esc_login_request_get_channel(EscLoginRequest *r)
{
	return esc_request_channel_ref(r->channel);
}
