/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small pure helpers of the desktop app: the texts it shows for operation results and
 * progress steps, PIN strength, mnemonics for server-provided labels, the CN of a DN.
 * No widgets here, so the unit tests run without a display, except for the last section:
 * toasts and saving a file chosen in a dialog, shared by the app's windows.
 */
#pragma once

#include <adwaita.h>
#include <glib.h>

#include "esc-certificate.h"
#include "esc-operation.h"
#include "esc-token.h"

G_BEGIN_DECLS

/* 0 too short (below @min_length), 1 weak, 2 fair, 3 good, 4 strong. Reads @pin in place
 * (it may live in locked memory) and copies nothing. */
#define ESC_GUI_PIN_STRENGTH_MAX 4
guint
esc_gui_util_pin_strength(const gchar *pin, guint min_length);
/* Translated word for a strength: "Too short", "Weak", "Fair", "Good", "Strong". */
const gchar *
esc_gui_util_pin_strength_label(guint strength);

/* @label with one "_" inserted before a letter or digit whose lower case is not in @used (a
 * GArray of gunichar, updated): the first free one starting a word, else the first free one;
 * every "_" of @label doubled, for a GtkLabel with use-underline. Without a free character
 * the label gets no mnemonic. */
gchar *
esc_gui_util_mnemonic_label(const gchar *label, GArray *used) G_GNUC_WARN_UNUSED_RESULT;

/* The value of the first CN attribute of an RFC 2253 distinguished name, unescaped; NULL if
 * there is none. */
gchar *
esc_gui_util_dn_get_cn(const gchar *dn) G_GNUC_WARN_UNUSED_RESULT;

/* A sentence for a STATUS_UPDATE task name of the server ("PROGRESS_KEY_GENERATION" →
 * "Generating keys on the card"); unknown names give a generic one. Translated. */
const gchar *
esc_gui_util_task_label(const gchar *task);

/* Headings of an operation's result: "Enrollment Complete", "Enrollment Failed", ... */
const gchar *
esc_gui_util_result_heading(EscOperationKind kind, gboolean success);
/* What was done, for a successful operation: one or two sentences, translated. */
const gchar *
esc_gui_util_success_text(EscOperationKind kind);
/* What happened and what to do next, for a failed operation (by the error's code; the
 * error's own message is shown beside it as the detail). */
const gchar *
esc_gui_util_error_summary(const GError *error);
const gchar *
esc_gui_util_error_advice(const GError *error);
/* "Enrolling the smart card…" while an operation runs. */
const gchar *
esc_gui_util_running_text(EscOperationKind kind);

/* The owner of an enrolled token: the CN of its first certificate that has one; NULL. */
gchar *
esc_gui_util_token_owner(EscToken *token) G_GNUC_WARN_UNUSED_RESULT;
/* One line for the token's state: "Enrolled", "Blank (needs formatting)", "Busy…",
 * "Not readable: <error>"; translated. */
gchar *
esc_gui_util_token_status_text(EscToken *token) G_GNUC_WARN_UNUSED_RESULT;

/* TRUE if @url is an absolute http(s) URL with a host (what the server address accepts). */
gboolean
esc_gui_util_check_server_url(const gchar *url, GError **error);

/* ---- widgets ---- */

/* A toast showing @text as it is (plain text: markup in it is escaped). */
AdwToast *
esc_gui_util_toast_new(const gchar *text) G_GNUC_WARN_UNUSED_RESULT;
/* The response of a save chooser held in *@chooser: the chosen file on
 * GTK_RESPONSE_ACCEPT, else NULL; *@chooser is released either way. */
GFile *
esc_gui_util_chooser_take_file(GtkFileChooserNative **chooser, int response) G_GNUC_WARN_UNUSED_RESULT;
/* Writes @contents to @file (replacing it) in the background, then toasts "Saved as NAME" or
 * "Cannot save NAME: REASON" in @overlay. */
void
esc_gui_util_save_file(GFile *file, GBytes *contents, AdwToastOverlay *overlay);

G_END_DECLS
