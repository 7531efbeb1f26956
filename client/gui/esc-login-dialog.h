/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscLoginDialog: the server's login form, built from an EscLoginRequest: its title and
 * description and one labelled entry per field (text, password, number or check box) with
 * the server's labels, which the server gives in the user's locale (EscOperation sends the
 * "locale" extension). Log In answers the request (values go to wiped memory, the entries are
 * cleared); Cancel, Escape or closing cancel it.
 */
#pragma once

#include <adwaita.h>

#include "esc-core.h"

G_BEGIN_DECLS

#define ESC_TYPE_LOGIN_DIALOG (esc_login_dialog_get_type())
G_DECLARE_FINAL_TYPE(EscLoginDialog, esc_login_dialog, ESC, LOGIN_DIALOG, AdwWindow)

EscLoginDialog *
esc_login_dialog_new(GtkWindow *parent, EscLoginRequest *request) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
