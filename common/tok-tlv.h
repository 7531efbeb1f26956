/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * BER-TLV (ISO 7816-4 / GlobalPlatform) reader and writer over (data, len).
 *
 * Reader: tags of 1-4 bytes (returned big-endian in a guint32: 0x6F, 0x9F7F, 0xBF0C01),
 * definite lengths in short form or long form with 1-4 length bytes (81 xx .. 84 xx xx xx xx),
 * constructed flag from bit 6 of the first tag byte. Indefinite lengths (80) and lengths past
 * the end of the enclosing data are rejected. Values are views into the caller's buffer,
 * valid as long as it is. Nesting is limited to TOK_TLV_MAX_DEPTH levels.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TOK_TLV_MAX_DEPTH     16 /* levels of nesting a reader descends before failing */
#define TOK_TLV_MAX_TAG_BYTES 4
#define TOK_TLV_MAX_LEN_BYTES 4 /* bytes after 8x in a long-form length */

typedef struct {
	guint32 tag;	     /* tag bytes, big-endian (e.g. 0x9F7F) */
	gboolean constructed; /* bit 6 of the first tag byte: the value is itself TLVs */
	const guint8 *value; /* view into the parsed buffer (NULL when len is 0) */
	gsize len;	     /* value length */
	gsize offset;	     /* offset of the tag in the buffer the TLV was read from */
	gsize total_len;     /* tag + length + value bytes */
	guint depth;	     /* 0 for the outermost level */
} TokTlv;

/* Iterates over the TLVs that follow each other in a buffer (or in a constructed value). */
typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
	guint depth;
} TokTlvIter;

/* Reads the one TLV at the start of (data, len); @rest_len (may be NULL) gets the number of
 * bytes after it. Fails with TOK_ERROR_TRUNCATED / TOK_ERROR_INVALID_DATA. */
gboolean
tok_tlv_read(const guint8 *data, gsize len, TokTlv *tlv, gsize *rest_len, GError **error)
    TOK_NONNULL(3);
/* Like tok_tlv_read(), but the TLV must cover (data, len) exactly. */
gboolean
tok_tlv_parse(const guint8 *data, gsize len, TokTlv *tlv, GError **error) TOK_NONNULL(3);

void
tok_tlv_iter_init(TokTlvIter *iter, const guint8 *data, gsize len) TOK_NONNULL(1);
/* Iterates the children of a constructed TLV; fails if @parent is primitive or the children
 * would be deeper than TOK_TLV_MAX_DEPTH. */
gboolean
tok_tlv_iter_init_children(TokTlvIter *iter, const TokTlv *parent, GError **error)
    TOK_NONNULL(1, 2);
/* TRUE while bytes are left. */
gboolean
tok_tlv_iter_has_next(const TokTlvIter *iter) TOK_NONNULL(1);
/* Reads the next TLV; FALSE with @error on malformed data (the iterator then stays put). */
gboolean
tok_tlv_iter_next(TokTlvIter *iter, TokTlv *tlv, GError **error) TOK_NONNULL(1, 2);

/* First TLV with @tag among the TLVs of (data, len), not descending. Every TLV before it must
 * be well formed. TOK_ERROR_NOT_FOUND if absent. */
gboolean
tok_tlv_find(const guint8 *data, gsize len, guint32 tag, TokTlv *tlv, GError **error)
    TOK_NONNULL(4);
/* First child of @parent (constructed) with @tag. TOK_ERROR_NOT_FOUND if absent. */
gboolean
tok_tlv_find_child(const TokTlv *parent, guint32 tag, TokTlv *tlv, GError **error)
    TOK_NONNULL(1, 3);
/* Depth-first search through (data, len) and every constructed value inside it. */
gboolean
tok_tlv_find_recursive(const guint8 *data, gsize len, guint32 tag, TokTlv *tlv, GError **error)
    TOK_NONNULL(4);

/* Called for each TLV in document order; return FALSE (with @error set) to stop. */
typedef gboolean (*TokTlvWalkFunc)(const TokTlv *tlv, gpointer user_data, GError **error);
/* Checks that (data, len) is a sequence of well-formed TLVs, descending into constructed ones,
 * calling @func (may be NULL) for each. */
gboolean
tok_tlv_walk(const guint8 *data, gsize len, TokTlvWalkFunc func, gpointer user_data, GError **error);

/* Writers. Tags are given as for the reader (0x6F, 0x9F7F); the length uses the shortest
 * BER form: xx (< 128), 81 xx, 82 xx xx, 83 .., 84 ... */
void
tok_tlv_append_tag(GByteArray *out, guint32 tag) TOK_NONNULL(1);
void
tok_tlv_append_length(GByteArray *out, guint32 len) TOK_NONNULL(1);
void
tok_tlv_append(GByteArray *out, guint32 tag, const guint8 *value, guint32 len) TOK_NONNULL(1);
void
tok_tlv_append_bytes(GByteArray *out, guint32 tag, GBytes *value) TOK_NONNULL(1, 3);

G_END_DECLS
