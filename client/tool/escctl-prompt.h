/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Secrets and answers for escctl: read from a file or from standard input (scripts), or asked
 * on the controlling terminal (/dev/tty), without echo for passwords and PINs.
 *
 * Every value is a TokSecret holding the text and a terminating NUL (escctl_secret_text()),
 * wiped when freed; line buffers are allocated once at their maximum size so that no copy is
 * left behind by a reallocation.
 *
 * A terminal prompt does not block the main loop: the answer is read when the terminal has
 * input (a GSource on the tty's file descriptor) while escctl_prompt_ask() iterates the
 * thread-default main context, so Ctrl-C (a g_unix_signal_add() handler that calls
 * escctl_prompt_restore() and cancels) still works with echo off, and the terminal is
 * always restored.
 */
#pragma once

#include <gio/gio.h>

#include "tok-secret.h"

G_BEGIN_DECLS

#define ESCCTL_PROMPT_MAX_LINE 1024 /* longest answer, password or file line accepted */

/* The text of a secret made here (NUL-terminated; do not copy it into ordinary strings). */
const gchar *
escctl_secret_text(TokSecret *secret) TOK_NONNULL(1);
/* The length of that text. */
gsize
escctl_secret_length(TokSecret *secret) TOK_NONNULL(1);
/* A secret holding @text (for values given on the command line, e.g. a user name). */
TokSecret *
escctl_secret_new_from_text(const gchar *text) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* What a value read here is, so that every error message is a whole sentence naming it. */
typedef enum {
	ESCCTL_SECRET_PASSWORD,
	ESCCTL_SECRET_PIN,
	ESCCTL_SECRET_ANSWER,
} EscctlSecretKind;

/* The first line of @path (without its line end). The file must be a regular file of at most
 * ESCCTL_PROMPT_MAX_LINE bytes; an empty first line is an error (G_IO_ERROR_INVALID_DATA). */
TokSecret *
escctl_secret_read_file(const gchar *path, EscctlSecretKind kind, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* The next line of file descriptor @fd (standard input), read byte by byte so that the
 * following line stays for the next call. EOF before any byte is an error. Blocking: call it
 * before any main loop runs. */
TokSecret *
escctl_secret_read_fd_line(gint fd, EscctlSecretKind kind, GError **error) G_GNUC_WARN_UNUSED_RESULT;

typedef struct _EscctlPrompt EscctlPrompt;

EscctlPrompt *
escctl_prompt_new(void) G_GNUC_WARN_UNUSED_RESULT;
void
escctl_prompt_free(EscctlPrompt *self);
/* TRUE when a controlling terminal can be opened for questions. */
gboolean
escctl_prompt_is_available(EscctlPrompt *self) TOK_NONNULL(1);
/* Writes @text to the terminal (e.g. an explanation before a question). */
void
escctl_prompt_print(EscctlPrompt *self, const gchar *text) TOK_NONNULL(1, 2);
/* Asks @question on the terminal (echo off when @secret) and returns the answer line. Fails
 * with G_IO_ERROR_NOT_FOUND when there is no terminal, G_IO_ERROR_CANCELLED when
 * @cancellable is cancelled meanwhile, G_IO_ERROR_CLOSED on end of input (Ctrl-D). */
TokSecret *
escctl_prompt_ask(EscctlPrompt *self,
		  const gchar *question,
		  gboolean secret,
		  GCancellable *cancellable,
		  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* Puts the terminal back as it was (echo on) if a secret question is open: for signal
 * handlers. Safe at any time. */
void
escctl_prompt_restore(EscctlPrompt *self) TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscctlPrompt, escctl_prompt_free)

G_END_DECLS
