/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscPreferencesWindow: the settings of schema io.github.escproject.Esc: the fallback server
 * address (tps-url, for cards that name no server), extra CA certificates (ca-file),
 * offer-enroll and notify-on-card-events. A key an administrator locked (dconf lockdown:
 * g_settings_is_writable() is FALSE) is shown greyed out with a note.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define ESC_TYPE_PREFERENCES_WINDOW (esc_preferences_window_get_type())
G_DECLARE_FINAL_TYPE(EscPreferencesWindow, esc_preferences_window, ESC, PREFERENCES_WINDOW, AdwPreferencesWindow)

EscPreferencesWindow *
esc_preferences_window_new(GtkWindow *parent, GSettings *settings) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
