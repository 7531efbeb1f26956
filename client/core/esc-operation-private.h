/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Between EscOperation and its request objects (not installed, not for the UI): the
 * operation's thread waits for an answer; the answer is read from there.
 */
#pragma once

#include <gio/gio.h>

#include "esc-login-request.h"
#include "esc-pin-request.h"
#include "esc-request-channel.h"
#include "tok-secret.h"

G_BEGIN_DECLS

/* Blocks until the request is answered or @cancellable fires (then PENDING is returned). */
EscRequestState
esc_login_request_wait(EscLoginRequest *r, GCancellable *cancellable);
EscRequestState
esc_login_request_get_state(EscLoginRequest *r);
/* The value set for field @id, or NULL. */
TokSecret *
esc_login_request_dup_secret(EscLoginRequest *r, const gchar *id);
/* (transfer full) Where the answer arrives; outlives the request (see esc-request-channel.h). */
EscRequestChannel *
esc_login_request_get_channel(EscLoginRequest *r);

EscRequestState
esc_pin_request_wait(EscPinRequest *r, GCancellable *cancellable);
EscRequestState
esc_pin_request_get_state(EscPinRequest *r);
/* The PIN given to respond(), or NULL. */
TokSecret *
esc_pin_request_dup_pin(EscPinRequest *r);
/* The channel's id of the PIN. */
#define ESC_PIN_REQUEST_CHANNEL_ID "pin"
/* (transfer full) Where the answer arrives; outlives the request. */
EscRequestChannel *
esc_pin_request_get_channel(EscPinRequest *r);
/* As esc_pin_request_check() for a secret. */
gboolean
esc_pin_request_check_secret(EscPinRequest *r, const TokSecret *pin, GError **error);
/* The same check for the limits of a request. */
gboolean
esc_pin_request_check_range(guint min_length, guint max_length, const TokSecret *pin, GError **error);

G_END_DECLS
