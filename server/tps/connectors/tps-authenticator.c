/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-authenticator.h"
#include "tps-error.h"

G_DEFINE_INTERFACE(TpsAuthenticator, tps_authenticator, G_TYPE_OBJECT)

static void
tps_authenticator_default_init(TpsAuthenticatorInterface *iface)
{
}

G_DEFINE_BOXED_TYPE(TpsAuthField, tps_auth_field, tps_auth_field_copy, tps_auth_field_free)

TpsAuthField *
tps_auth_field_new(const gchar *id, const gchar *name, const gchar *description, const gchar *type)
{
	TpsAuthField *f = g_new0(TpsAuthField, 1);
	f->id = g_strdup(id);
	f->name = g_strdup(name);
	f->description = g_strdup(description);
	f->type = g_strdup(type);
	return f;
}

TpsAuthField *
tps_auth_field_copy(const TpsAuthField *field)
{
	if (field == NULL)
		return NULL;
	return tps_auth_field_new(field->id, field->name, field->description, field->type);
}

void
tps_auth_field_free(TpsAuthField *field)
{
	if (field == NULL)
		return;
	g_free(field->id);
	g_free(field->name);
	g_free(field->description);
	g_free(field->type);
	g_free(field);
}

gboolean
tps_authenticator_get_ui(TpsAuthenticator *a,
			 const gchar *locale,
			 gchar **title,
			 gchar **description,
			 GPtrArray **fields,
			 GError **error)
{
	TpsAuthenticatorInterface *iface;

	g_return_val_if_fail(TPS_IS_AUTHENTICATOR(a), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	iface = TPS_AUTHENTICATOR_GET_IFACE(a);
	if (iface->get_ui == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
				    "this authenticator has no extended-login form");
		return FALSE;
	}
	return iface->get_ui(a, locale, title, description, fields, error);
}

gboolean
tps_authenticator_authenticate(TpsAuthenticator *a,
			       const gchar *user_id,
			       TokSecret *password,
			       GHashTable **attributes,
			       GError **error)
{
	TpsAuthenticatorInterface *iface;

	g_return_val_if_fail(TPS_IS_AUTHENTICATOR(a), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	iface = TPS_AUTHENTICATOR_GET_IFACE(a);
	if (iface->authenticate == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "this authenticator cannot authenticate");
		return FALSE;
	}
	return iface->authenticate(a, user_id, password, attributes, error);
}
