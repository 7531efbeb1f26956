/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What escctl prints: exit codes and one-sentence error reports chosen from the error kind,
 * the progress of an operation (a bar on a terminal, plain lines otherwise) and the --json
 * document (one JSON object per run, built with json-glib).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* Exit codes (client-design.md, Part C). */
typedef enum {
	ESCCTL_EXIT_OK = 0,
	ESCCTL_EXIT_FAILED = 1,	       /* anything else */
	ESCCTL_EXIT_USAGE = 2,	       /* bad command line or input */
	ESCCTL_EXIT_NO_CARD = 3,       /* no PC/SC service, no reader, no card */
	ESCCTL_EXIT_CARD = 4,	       /* card error or card removed */
	ESCCTL_EXIT_SERVER = 5,	       /* cannot reach the server: connect, TLS, timeout, protocol */
	ESCCTL_EXIT_AUTH = 6,	       /* authentication failed */
	ESCCTL_EXIT_REFUSED = 7,       /* the server refused the operation (END_OP failure) */
	ESCCTL_EXIT_CANCELLED = 8,     /* cancelled (Ctrl-C, a question not answered) */
} EscctlExit;

/* The exit code for @error (ESC_ERROR, G_IO_ERROR_CANCELLED, G_OPTION_ERROR...). */
EscctlExit
escctl_exit_code_for_error(const GError *error) TOK_NONNULL(1);
/* The stable kind for --json: esc_error_to_string() for ESC_ERROR, "cancelled", "usage",
 * "failed". */
const gchar *
escctl_error_kind(const GError *error) TOK_NONNULL(1);
/* One sentence for a person: what kind of failure it was, then the details of @error
 * (translated). @timeout: the --timeout in force (for the "did not answer" sentence). */
gchar *
escctl_error_describe(const GError *error, guint timeout) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* ---- progress ----------------------------------------------------------------------- */

typedef struct _EscctlProgress EscctlProgress;

/* Progress to @stream: a redrawn bar when @stream is a terminal and @bar, else one line per
 * change. */
EscctlProgress *
escctl_progress_new(FILE *stream, gboolean bar) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
escctl_progress_free(EscctlProgress *self);
/* A STATUS_UPDATE: @percent 0-100 and the server's task name (e.g. PROGRESS_KEY_GENERATION). */
void
escctl_progress_update(EscctlProgress *self, guint percent, const gchar *task) TOK_NONNULL(1);
/* A free-form step ("Connecting to https://…"). */
void
escctl_progress_step(EscctlProgress *self, const gchar *text) TOK_NONNULL(1, 2);
/* Ends a bar line (before a question or the result). */
void
escctl_progress_break(EscctlProgress *self) TOK_NONNULL(1);
/* A person's words for a STATUS_UPDATE task name (translated), or @task itself. */
const gchar *
escctl_progress_task_label(const gchar *task) TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscctlProgress, escctl_progress_free)

/* ---- JSON --------------------------------------------------------------------------- */

/* json_builder_set_member_name + add_string_value, skipping NULL values. */
void
escctl_json_add_string(JsonBuilder *b, const gchar *name, const gchar *value) TOK_NONNULL(1, 2);
void
escctl_json_add_int(JsonBuilder *b, const gchar *name, gint64 value) TOK_NONNULL(1, 2);
void
escctl_json_add_bool(JsonBuilder *b, const gchar *name, gboolean value) TOK_NONNULL(1, 2);
/* The "error" member: {"kind", "message", "exit-code"}. */
void
escctl_json_add_error(JsonBuilder *b, const GError *error, guint timeout) TOK_NONNULL(1, 2);
/* Prints the builder's root (pretty) and a newline on stdout. */
void
escctl_json_print(JsonBuilder *b) TOK_NONNULL(1);

G_END_DECLS
