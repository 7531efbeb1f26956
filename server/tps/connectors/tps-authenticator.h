/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsAuthenticator: checks a user's password for LOGIN / EXTENDED_LOGIN (protocol.md 1.6, 6.5)
 * and describes the extended-login form. Implementations are blocking and thread-safe (called
 * from the sessions' worker threads). Implementations: TpsAuthenticatorFile
 * (tps-authenticator-file.h); LDAP can come later.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

/* One field of the extended-login form (EXTENDED_LOGIN_REQUEST required_parameter<i>). Boxed. */
typedef struct {
	gchar *id;	    /* "UID", "PASSWORD" */
	gchar *name;	    /* display name */
	gchar *description;
	gchar *type;	    /* "string" | "password" */
} TpsAuthField;

#define TPS_TYPE_AUTH_FIELD (tps_auth_field_get_type())
GType
tps_auth_field_get_type(void);
TpsAuthField *
tps_auth_field_new(const gchar *id, const gchar *name, const gchar *description, const gchar *type)
    G_GNUC_WARN_UNUSED_RESULT;
TpsAuthField *
tps_auth_field_copy(const TpsAuthField *field) G_GNUC_WARN_UNUSED_RESULT;
void
tps_auth_field_free(TpsAuthField *field);

#define TPS_TYPE_AUTHENTICATOR (tps_authenticator_get_type())
G_DECLARE_INTERFACE(TpsAuthenticator, tps_authenticator, TPS, AUTHENTICATOR, GObject)

struct _TpsAuthenticatorInterface {
	GTypeInterface parent_iface;

	gboolean (*get_ui)(TpsAuthenticator *a,
			   const gchar *locale,
			   gchar **title,
			   gchar **description,
			   GPtrArray **fields,
			   GError **error);
	gboolean (*authenticate)(TpsAuthenticator *a,
				 const gchar *user_id,
				 TokSecret *password,
				 GHashTable **attributes,
				 GError **error);
};

/* The extended-login form in @locale ("fr_FR.UTF-8", "de", NULL = "en"; falls back through the
 * locale's variants to "en"): @title, @description and @fields (of TpsAuthField, UID first,
 * then PASSWORD). Any out argument may be NULL. */
gboolean
tps_authenticator_get_ui(TpsAuthenticator *a,
			 const gchar *locale,
			 gchar **title,
			 gchar **description,
			 GPtrArray **fields,
			 GError **error);
/* TRUE if @password is @user_id's. @attributes (may be NULL) receives a new table of strings
 * ("uid", and "cn" when known). A wrong user or password is TPS_ERROR_AUTH with one message
 * for both (no user enumeration); a backend failure TPS_ERROR_BACKEND. */
gboolean
tps_authenticator_authenticate(TpsAuthenticator *a,
			       const gchar *user_id,
			       TokSecret *password,
			       GHashTable **attributes,
			       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsAuthField, tps_auth_field_free)

G_END_DECLS
