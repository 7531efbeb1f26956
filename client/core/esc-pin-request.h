/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscPinRequest: the TPS asks for the token's new PIN (NEW_PIN_REQUEST, protocol.md 1.6)
 * with a length range. NEW_PIN_RESPONSE carries the PIN raw, so it may not contain '&', '='
 * or anything but printable ASCII. EscOperation emits "new-pin-requested" with one of
 * these; the handler (or anyone later, on any thread, holding a reference) calls respond()
 * or cancel(); when the last reference goes without an answer, the operation gives up
 * (CANCELLED). The PIN is kept in wiped memory (TokSecret), never logged, and wiped as soon
 * as the operation has sent it.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define ESC_TYPE_PIN_REQUEST (esc_pin_request_get_type())
G_DECLARE_FINAL_TYPE(EscPinRequest, esc_pin_request, ESC, PIN_REQUEST, GObject)

/* A request for a PIN of @min_length to @max_length characters. */
EscPinRequest *
esc_pin_request_new(guint min_length, guint max_length) G_GNUC_WARN_UNUSED_RESULT;

guint
esc_pin_request_get_min_length(EscPinRequest *r) TOK_NONNULL(1);
guint
esc_pin_request_get_max_length(EscPinRequest *r) TOK_NONNULL(1);
/* FALSE + ESC_ERROR_INVALID_INPUT (a translated sentence) if @pin is outside the limits or
 * contains '&' or '=' or non-printable or non-ASCII characters. */
gboolean
esc_pin_request_check(EscPinRequest *r, const gchar *pin, GError **error) TOK_NONNULL(1, 2);
/* Sends @pin (copied into wiped memory; the operation checks it again and fails with
 * ESC_ERROR_INVALID_INPUT if it is not acceptable). Any thread; once. */
void
esc_pin_request_respond(EscPinRequest *r, const gchar *pin) TOK_NONNULL(1, 2);
/* The same from a secret (e.g. read from a file by escctl). */
void
esc_pin_request_respond_secret(EscPinRequest *r, TokSecret *pin) TOK_NONNULL(1, 2);
/* The operation fails with ESC_ERROR_CANCELLED. Any thread; once. */
void
esc_pin_request_cancel(EscPinRequest *r) TOK_NONNULL(1);
gboolean
esc_pin_request_is_answered(EscPinRequest *r) TOK_NONNULL(1);

G_END_DECLS
