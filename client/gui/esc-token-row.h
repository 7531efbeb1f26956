/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscTokenRow: one token in the main window's list: issuer and card serial, status and
 * owner, reader (how to tell physical cards apart), a spinner while it is busy.
 */
#pragma once

#include <gtk/gtk.h>

#include "esc-core.h"

G_BEGIN_DECLS

#define ESC_TYPE_TOKEN_ROW (esc_token_row_get_type())
G_DECLARE_FINAL_TYPE(EscTokenRow, esc_token_row, ESC, TOKEN_ROW, GtkListBoxRow)

EscTokenRow *
esc_token_row_new(EscToken *token) G_GNUC_WARN_UNUSED_RESULT;
EscToken *
esc_token_row_get_token(EscTokenRow *self);

G_END_DECLS
