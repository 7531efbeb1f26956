/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscWindow: the main window. A sidebar lists the tokens of every reader (it follows
 * insertions and removals live); the content shows the selected token's page, or a status
 * page when there is no card or no smart card service. Offers to enroll an unenrolled card
 * (a toast; the offer-enroll setting turns it off).
 */
#pragma once

#include <adwaita.h>

#include "esc-application.h"

G_BEGIN_DECLS

#define ESC_TYPE_WINDOW (esc_window_get_type())
G_DECLARE_FINAL_TYPE(EscWindow, esc_window, ESC, WINDOW, AdwApplicationWindow)

EscWindow *
esc_window_new(EscApplication *application) G_GNUC_WARN_UNUSED_RESULT;
/* Selects @token in the list and shows its page. */
void
esc_window_show_token(EscWindow *self, EscToken *token);
void
esc_window_add_toast(EscWindow *self, AdwToast *toast);

G_END_DECLS
