/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscPinDialog: the new PIN the server asks for (EscPinRequest): entered twice, checked
 * against the server's length rules and the wire's character rules as it is typed, with a
 * strength hint. The PIN stays in the password entries' locked memory until it is handed to
 * the request (wiped memory); the entries are cleared then. Cancel, Escape or closing cancel
 * the request.
 */
#pragma once

#include <adwaita.h>

#include "esc-core.h"

G_BEGIN_DECLS

#define ESC_TYPE_PIN_DIALOG (esc_pin_dialog_get_type())
G_DECLARE_FINAL_TYPE(EscPinDialog, esc_pin_dialog, ESC, PIN_DIALOG, AdwWindow)

EscPinDialog *
esc_pin_dialog_new(GtkWindow *parent, EscPinRequest *request) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
