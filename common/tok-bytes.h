/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bytes and hex helpers, and bounds-checked big-endian readers and writers.
 * Every parser of outside data reads through TokReader (or tok_read_*), never through
 * raw pointer arithmetic: a read past the end is a TOK_ERROR_TRUNCATED error.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

typedef enum {
	TOK_HEX_FLAG_NONE = 0,
	TOK_HEX_FLAG_ALLOW_SPACES = 1 << 0, /* ASCII whitespace between byte pairs is skipped */
} TokHexFlags;

/* Hex text of @data, uppercase when @uppercase. Never NULL. */
gchar *
tok_hex_encode(const guint8 *data, gsize len, gboolean uppercase) G_GNUC_WARN_UNUSED_RESULT;
gchar *
tok_hex_encode_bytes(GBytes *bytes, gboolean uppercase) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Strict decoder: even number of hex digits (either case), nothing else but allowed spaces. */
GBytes *
tok_hex_decode(const gchar *hex, TokHexFlags flags, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE if @bytes holds exactly @len bytes equal to @data. */
gboolean
tok_bytes_equal_data(GBytes *bytes, const guint8 *data, gsize len);

/* A read cursor over caller-owned memory; it never reads outside [data, data + len). */
typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
} TokReader;

void
tok_reader_init(TokReader *reader, const guint8 *data, gsize len) TOK_NONNULL(1);
/* @bytes must outlive the reader. */
void
tok_reader_init_bytes(TokReader *reader, GBytes *bytes) TOK_NONNULL(1, 2);
gsize
tok_reader_remaining(const TokReader *reader) TOK_NONNULL(1);
gboolean
tok_reader_read_u8(TokReader *reader, guint8 *value, GError **error) TOK_NONNULL(1, 2);
gboolean
tok_reader_read_u16_be(TokReader *reader, guint16 *value, GError **error) TOK_NONNULL(1, 2);
gboolean
tok_reader_read_u32_be(TokReader *reader, guint32 *value, GError **error) TOK_NONNULL(1, 2);
gboolean
tok_reader_read_u32_le(TokReader *reader, guint32 *value, GError **error) TOK_NONNULL(1, 2);
/* A view of the next @n bytes (valid while the underlying memory is). */
gboolean
tok_reader_read_view(TokReader *reader, gsize n, const guint8 **view, GError **error)
    TOK_NONNULL(1, 3);
/* A copy of the next @n bytes. */
GBytes *
tok_reader_read_bytes(TokReader *reader, gsize n, GError **error) TOK_NONNULL(1);
/* Copies the next @n bytes into @dst, which holds at least @n bytes. */
gboolean
tok_reader_read_into(TokReader *reader, guint8 *dst, gsize n, GError **error) TOK_NONNULL(1);
/* Splits off the next @n bytes as a reader of their own. */
gboolean
tok_reader_read_sub(TokReader *reader, gsize n, TokReader *sub, GError **error)
    TOK_NONNULL(1, 3);
gboolean
tok_reader_skip(TokReader *reader, gsize n, GError **error) TOK_NONNULL(1);
/* Fails with TOK_ERROR_INVALID_DATA if bytes are left over. */
gboolean
tok_reader_expect_end(const TokReader *reader, GError **error) TOK_NONNULL(1);

/* Stateless reads at @offset of a buffer of @len bytes. */
gboolean
tok_read_u8(const guint8 *data, gsize len, gsize offset, guint8 *value, GError **error)
    TOK_NONNULL(4);
gboolean
tok_read_u16_be(const guint8 *data, gsize len, gsize offset, guint16 *value, GError **error)
    TOK_NONNULL(4);
gboolean
tok_read_u32_be(const guint8 *data, gsize len, gsize offset, guint32 *value, GError **error)
    TOK_NONNULL(4);

/* Writers for building messages. */
void
tok_byte_array_append_u8(GByteArray *array, guint8 value) TOK_NONNULL(1);
void
tok_byte_array_append_u16_be(GByteArray *array, guint16 value) TOK_NONNULL(1);
void
tok_byte_array_append_u32_be(GByteArray *array, guint32 value) TOK_NONNULL(1);
void
tok_byte_array_append_u32_le(GByteArray *array, guint32 value) TOK_NONNULL(1);
void
tok_byte_array_append_bytes(GByteArray *array, GBytes *bytes) TOK_NONNULL(1, 2);

G_END_DECLS
