/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscDiagnosticsWindow: the diagnostics page, the core's report (esc_diagnostics_report():
 * versions, PC/SC service, readers, tokens, the last operation's redacted transcript) for
 * helpdesk requests, with Copy (clipboard), Save (a text file) and Refresh.
 */
#pragma once

#include <adwaita.h>

#include "esc-application.h"

G_BEGIN_DECLS

#define ESC_TYPE_DIAGNOSTICS_WINDOW (esc_diagnostics_window_get_type())
G_DECLARE_FINAL_TYPE(EscDiagnosticsWindow, esc_diagnostics_window, ESC, DIAGNOSTICS_WINDOW, AdwWindow)

EscDiagnosticsWindow *
esc_diagnostics_window_new(GtkWindow *parent, EscApplication *app) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
