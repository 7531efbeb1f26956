/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * HTTP/1.1 chunked transfer coding (RFC 9112 section 7.1) for the full-duplex ESC <-> TPS
 * exchange, where every chunk carries exactly one protocol message (protocol.md 1.1, 10.1).
 * Only the body framing lives here, not HTTP heads.
 *
 * TokChunkDecoder is a pure incremental decoder: feed it bytes as they arrive, in pieces of
 * any size, and pop complete chunks in order. It is strict: the size line is hex digits
 * (either case, leading zeros allowed), optionally followed by whitespace and `;`-extensions
 * that are ignored, then CRLF; the data is followed by CRLF; the terminating `0` chunk may
 * be followed by trailer lines (`name: value`) and ends with an empty line. Anything else,
 * including a single byte after the end, fails the decoder for good.
 *
 * Messages may carry PINs and passwords: chunk data is held in wiped memory.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* Largest chunk accepted by default: far above the ~10 kB a Dogtag message may reach. */
#define TOK_CHUNK_DEFAULT_MAX_SIZE (64 * 1024)
/* Largest max_chunk_size a decoder may be created with. */
#define TOK_CHUNK_MAX_SIZE_LIMIT (16 * 1024 * 1024)
/* Longest size line (digits, whitespace and extensions, without the CRLF). */
#define TOK_CHUNK_MAX_SIZE_LINE 256
/* Most hex digits in a size (leading zeros included). */
#define TOK_CHUNK_MAX_SIZE_DIGITS 16
/* Longest trailer section after the `0` size line: trailer lines and the final CRLF. */
#define TOK_CHUNK_MAX_TRAILER 4096

typedef struct _TokChunkDecoder TokChunkDecoder;

/* @max_chunk_size: largest chunk accepted (TOK_ERROR_TOO_LARGE above it); 0 for
 * TOK_CHUNK_DEFAULT_MAX_SIZE; at most TOK_CHUNK_MAX_SIZE_LIMIT. */
TokChunkDecoder *
tok_chunk_decoder_new(gsize max_chunk_size) G_GNUC_WARN_UNUSED_RESULT;
void
tok_chunk_decoder_free(TokChunkDecoder *decoder);

gsize
tok_chunk_decoder_get_max_chunk_size(const TokChunkDecoder *decoder) TOK_NONNULL(1);

/* Consumes @len bytes of the chunked body. Chunks completed before an error stay
 * available to tok_chunk_decoder_pop(). Once it has failed, the decoder keeps failing with
 * (a copy of) its first error. Errors: TOK_ERROR_INVALID_DATA for bad framing or data after
 * the end, TOK_ERROR_TOO_LARGE for a size, size line or trailer section above its limit. */
gboolean
tok_chunk_decoder_feed(TokChunkDecoder *decoder, const guint8 *data, gsize len, GError **error)
    TOK_NONNULL(1);

/* The oldest complete chunk not yet popped (never empty, a wiped GBytes), or NULL. */
GBytes *
tok_chunk_decoder_pop(TokChunkDecoder *decoder) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* How many complete chunks are waiting to be popped. */
guint
tok_chunk_decoder_get_n_pending(const TokChunkDecoder *decoder) TOK_NONNULL(1);

/* TRUE once the terminating chunk, any trailers and the final CRLF have been consumed. */
gboolean
tok_chunk_decoder_is_finished(const TokChunkDecoder *decoder) TOK_NONNULL(1);
gboolean
tok_chunk_decoder_has_failed(const TokChunkDecoder *decoder) TOK_NONNULL(1);

/* To call when the input has ended: TRUE if the body was complete, otherwise an error:
 * TOK_ERROR_TRUNCATED saying where the body stopped, or the decoder's earlier error. */
gboolean
tok_chunk_decoder_finish(TokChunkDecoder *decoder, GError **error) TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokChunkDecoder, tok_chunk_decoder_free)

/* One chunk `<HEX>\r\n<data>\r\n` with the size in uppercase hex, as ESC writes it (a wiped
 * GBytes). An empty chunk is refused (TOK_ERROR_INVALID_DATA): it would be the terminator. */
GBytes *
tok_chunk_encode(const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
GBytes *
tok_chunk_encode_bytes(GBytes *data, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The terminating chunk with an empty trailer section: `0\r\n\r\n`. */
GBytes *
tok_chunk_encode_terminator(void) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
