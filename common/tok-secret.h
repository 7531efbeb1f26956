/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TokSecret: an immutable-size, reference-counted byte buffer for PINs, passwords and keys.
 * Its memory is wiped (OPENSSL_cleanse) when the last reference goes, comparisons are
 * constant-time, and it is never turned into a string, property or log line.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

typedef struct _TokSecret TokSecret;

#define TOK_TYPE_SECRET (tok_secret_get_type())
GType
tok_secret_get_type(void);

/* @len zero bytes. */
TokSecret *
tok_secret_new(gsize len) G_GNUC_WARN_UNUSED_RESULT;
TokSecret *
tok_secret_new_from_data(const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;
/* The bytes of @text without its terminating NUL (e.g. a PIN typed by a user). */
TokSecret *
tok_secret_new_from_text(const gchar *text) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* @len bytes from OpenSSL's CSPRNG. */
TokSecret *
tok_secret_new_random(gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

TokSecret *
tok_secret_ref(TokSecret *secret) TOK_NONNULL(1);
void
tok_secret_unref(TokSecret *secret);

gsize
tok_secret_get_size(const TokSecret *secret) TOK_NONNULL(1);
const guint8 *
tok_secret_get_data(const TokSecret *secret, gsize *len) TOK_NONNULL(1);
/* For filling a secret in place (e.g. decrypting into it); the size is fixed. */
guint8 *
tok_secret_get_mutable_data(TokSecret *secret) TOK_NONNULL(1);
/* Constant-time in the contents; secrets of different sizes are never equal. */
gboolean
tok_secret_equal(const TokSecret *a, const TokSecret *b);
gboolean
tok_secret_equal_data(const TokSecret *secret, const guint8 *data, gsize len) TOK_NONNULL(1);
/* A new secret holding the bytes [offset, offset + len) of @secret; NULL if out of range. */
TokSecret *
tok_secret_slice(const TokSecret *secret, gsize offset, gsize len) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

/* A GBytes holding a copy of @data that is wiped when the GBytes is freed: for buffers that
 * carry secrets through APIs that take GBytes (encoded messages, APDUs). */
GBytes *
tok_bytes_new_wiped(const guint8 *data, gsize len) G_GNUC_WARN_UNUSED_RESULT;
/* Same, taking ownership of a GByteArray (its storage is wiped on free). */
GBytes *
tok_bytes_new_wiped_take(GByteArray *array) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
GBytes *
tok_secret_to_wiped_bytes(const TokSecret *secret) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Wipes and frees a GByteArray (a g_autoptr-able cleanup for scratch buffers). */
void
tok_byte_array_wipe_free(GByteArray *array);

typedef GByteArray TokWipedByteArray;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokSecret, tok_secret_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokWipedByteArray, tok_byte_array_wipe_free)

G_END_DECLS
