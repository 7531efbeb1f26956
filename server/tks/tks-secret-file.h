/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Secrets that reach the TKS and tkstool from outside the process: key files (the file
 * store's 32-byte key, ceremony transport keys), passphrase files and passphrases typed at
 * the terminal without echo. Never from argv or the environment; read into TokSecret and
 * wiped buffers only; files written with mode 0600.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

/* Largest key/passphrase file accepted. */
#define TKS_SECRET_FILE_MAX 4096

/* A key of exactly @len bytes from @path: either @len raw bytes, or 2 x @len hex digits
 * (whitespace allowed between byte pairs, e.g. a trailing newline). Anything else is
 * TKS_ERROR_INVALID_DATA naming the file. */
TokSecret *
tks_secret_file_read_key(const gchar *path, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Writes @key as uppercase hex and a newline to a new file @path (mode 0600); an existing
 * file is TKS_ERROR_EXISTS (key files are never overwritten). */
gboolean
tks_secret_file_write_key(const gchar *path, TokSecret *key, GError **error) TOK_NONNULL(1, 2);
/* The first line of @path without its line ending; an empty passphrase is refused. */
TokSecret *
tks_secret_file_read_passphrase(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Prompts on the controlling terminal (/dev/tty) with echo off; with @confirm asks twice and
 * fails if the answers differ. TKS_ERROR_INVALID_ARGUMENT if there is no terminal. */
TokSecret *
tks_secret_prompt(const gchar *prompt, gboolean confirm, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Writes @data (@len bytes) to a new file @path with mode 0600, atomically (temporary file
 * + rename); with @overwrite an existing file is replaced, else it is TKS_ERROR_EXISTS. */
gboolean
tks_secret_file_write_data(const gchar *path,
			   const guint8 *data,
			   gsize len,
			   gboolean overwrite,
			   GError **error) TOK_NONNULL(1);

G_END_DECLS
