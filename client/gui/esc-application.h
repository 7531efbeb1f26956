/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscApplication: the `esc` desktop app (AdwApplication, id io.github.escproject.Esc). It owns
 * the token list (readers and cards, followed live), the settings (GSettings schema
 * io.github.escproject.Esc when installed; command-line overrides --tps-url / --ca-file for
 * tests and administrators), phone home, notifications for card events while the window is
 * hidden, and the app actions (preferences, diagnostics, about, quit).
 */
#pragma once

#include <adwaita.h>

#include "esc-core.h"

G_BEGIN_DECLS

#define ESC_APPLICATION_ID "io.github.escproject.Esc"

#define ESC_TYPE_APPLICATION (esc_application_get_type())
G_DECLARE_FINAL_TYPE(EscApplication, esc_application, ESC, APPLICATION, AdwApplication)

EscApplication *
esc_application_new(void) G_GNUC_WARN_UNUSED_RESULT;

/* The tokens of every reader (a GListModel of EscToken). */
EscTokenList *
esc_application_get_token_list(EscApplication *self);
/* NULL when the GSettings schema is not installed (then the defaults apply). */
GSettings *
esc_application_get_settings(EscApplication *self);

/* The TPS URL an operation on @token uses: --tps-url, else the token's phone-home Operation
 * URL, else the tps-url setting; NULL if there is none. */
gchar *
esc_application_dup_tps_url(EscApplication *self, EscToken *token) G_GNUC_WARN_UNUSED_RESULT;
/* TLS options with the extra CA file (--ca-file, else the ca-file setting); an error says
 * what is wrong with the file. */
EscTlsOptions *
esc_application_dup_tls_options(EscApplication *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The value of a boolean setting, or @fallback without a schema. */
gboolean
esc_application_get_boolean_setting(EscApplication *self, const gchar *key, gboolean fallback);

/* The last operation run (for the diagnostics report), NULL before the first. */
EscOperation *
esc_application_get_last_operation(EscApplication *self);
void
esc_application_set_last_operation(EscApplication *self, EscOperation *operation);

G_END_DECLS
