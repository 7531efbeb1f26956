/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscOperationDialog: runs one EscOperation (enroll, format, PIN reset) on a token and shows
 * it: real progress from the server's STATUS_UPDATEs, Cancel (also Escape), the login form
 * (EscLoginDialog) and the new-PIN dialog (EscPinDialog) when the server asks, and at the
 * end a result that says what happened and what to do next. A card pulled out during the
 * run ends it with "the card was removed"; the main window stays usable throughout.
 */
#pragma once

#include <adwaita.h>

#include "esc-application.h"

G_BEGIN_DECLS

#define ESC_TYPE_OPERATION_DIALOG (esc_operation_dialog_get_type())
G_DECLARE_FINAL_TYPE(EscOperationDialog, esc_operation_dialog, ESC, OPERATION_DIALOG, AdwWindow)

EscOperationDialog *
esc_operation_dialog_new(GtkWindow *parent, EscApplication *app, EscToken *token, EscOperationKind kind)
    G_GNUC_WARN_UNUSED_RESULT;
/* Shows the dialog and starts the operation (or shows why it cannot start). */
void
esc_operation_dialog_start(EscOperationDialog *self);

G_END_DECLS
