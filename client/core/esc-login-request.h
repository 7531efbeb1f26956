/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscLoginRequest: the TPS asks who the user is (protocol.md 1.6). A plain LOGIN_REQUEST (3)
 * always means two fields, "UID" (User ID) and "PASSWORD" (Password); an
 * EXTENDED_LOGIN_REQUEST (16) carries a title, a description and its own list of fields
 * (required_parameterN, each "id=..&name=..&desc=..&type=..&option=..").
 *
 * EscOperation emits "login-requested" with one of these; the handler (or anyone later, on
 * any thread, holding a reference) sets the values and calls respond(), or cancel(). When the
 * last reference goes without an answer, the operation gives up (CANCELLED). Values are kept
 * in wiped memory (TokSecret), never logged, and wiped as soon as the operation has sent them
 * (or on cancel()).
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tok-secret.h"
#include "tok-tps-message.h"

G_BEGIN_DECLS

#define ESC_LOGIN_REQUEST_MAX_FIELDS 32	   /* more required_parameterN are refused */
#define ESC_LOGIN_REQUEST_MAX_TEXT   4096 /* longest title, description, name or desc */

typedef enum {
	ESC_LOGIN_FIELD_STRING,
	ESC_LOGIN_FIELD_PASSWORD,
	ESC_LOGIN_FIELD_INTEGER,
	ESC_LOGIN_FIELD_BOOLEAN,
} EscLoginFieldType;

typedef struct {
	gchar *id;	    /* "UID", "PASSWORD": the key of the value in the response */
	gchar *label;	    /* what to show next to the entry */
	gchar *description; /* longer help text, may be "" */
	EscLoginFieldType type;
} EscLoginField;

#define ESC_TYPE_LOGIN_REQUEST (esc_login_request_get_type())
G_DECLARE_FINAL_TYPE(EscLoginRequest, esc_login_request, ESC, LOGIN_REQUEST, GObject)

/* From a LOGIN_REQUEST or EXTENDED_LOGIN_REQUEST the server sent (outside data: strict;
 * ESC_ERROR_PROTOCOL saying what is wrong; fuzz target "login-request"). Parameter ids must be
 * non-empty [A-Za-z0-9_.-] tokens, distinct; types "string", "password", "integer" or
 * "boolean" (empty: string); at most ESC_LOGIN_REQUEST_MAX_FIELDS; text valid UTF-8 of at most
 * ESC_LOGIN_REQUEST_MAX_TEXT bytes without control characters but newlines and tabs. */
EscLoginRequest *
esc_login_request_new_from_message(TokTpsMessage *msg, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

gboolean
esc_login_request_is_extended(EscLoginRequest *r) TOK_NONNULL(1);
/* NULL for plain LOGIN. */
const gchar *
esc_login_request_get_title(EscLoginRequest *r) TOK_NONNULL(1);
const gchar *
esc_login_request_get_description(EscLoginRequest *r) TOK_NONNULL(1);
/* The previous attempt failed. */
gboolean
esc_login_request_get_invalid_password(EscLoginRequest *r) TOK_NONNULL(1);
/* The server says the account is blocked. */
gboolean
esc_login_request_get_blocked(EscLoginRequest *r) TOK_NONNULL(1);
/* Plain LOGIN: 2 fields, ids "UID"/"PASSWORD", labels "User ID"/"Password". */
guint
esc_login_request_get_n_fields(EscLoginRequest *r) TOK_NONNULL(1);
/* NULL if @i is out of range. */
const EscLoginField *
esc_login_request_get_field(EscLoginRequest *r, guint i) TOK_NONNULL(1);

/* Values by field id (secrets copied into wiped memory; NULL clears). Any thread, before
 * respond() (ignored after). An unknown id is ignored (with a warning). */
void
esc_login_request_set_value(EscLoginRequest *r, const gchar *id, const gchar *value) TOK_NONNULL(1, 2);
/* The same from a secret (e.g. a password read from a file by escctl); NULL clears. */
void
esc_login_request_set_secret(EscLoginRequest *r, const gchar *id, TokSecret *value) TOK_NONNULL(1, 2);
/* Sends the values (fields without one are sent empty). Any thread; once. */
void
esc_login_request_respond(EscLoginRequest *r) TOK_NONNULL(1);
/* The operation fails with ESC_ERROR_CANCELLED. Any thread; once. */
void
esc_login_request_cancel(EscLoginRequest *r) TOK_NONNULL(1);
/* Responded or cancelled. */
gboolean
esc_login_request_is_answered(EscLoginRequest *r) TOK_NONNULL(1);

G_END_DECLS
