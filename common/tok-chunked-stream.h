/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The two halves of the full-duplex chunked ESC <-> TPS exchange (protocol.md 1.1, 10.1):
 * TokChunkedReader yields the peer's chunks (one message each) as they arrive, and
 * TokChunkedWriter sends one chunk per message and flushes it at once. Both run on the
 * caller's main context and never block it; a reader and a writer over the two halves of
 * one connection work at the same time.
 *
 * Neither object closes its stream: the caller owns the connection (the HTTP head before
 * the body and the connection's life are not their business).
 */
#pragma once

#include <gio/gio.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* Bytes asked from the input stream per read. */
#define TOK_CHUNKED_READER_READ_SIZE 8192

#define TOK_TYPE_CHUNKED_READER (tok_chunked_reader_get_type())
G_DECLARE_FINAL_TYPE(TokChunkedReader, tok_chunked_reader, TOK, CHUNKED_READER, GObject)

/* @prefix: body bytes already read from @stream by someone else (e.g. by the HTTP server
 * that parsed the head), decoded before anything read from @stream; may be NULL.
 * @max_chunk_size: as for tok_chunk_decoder_new() (0 for the default). */
TokChunkedReader *
tok_chunked_reader_new(GInputStream *stream,
		       GBytes *prefix,
		       gsize max_chunk_size) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Reads the next chunk. One read at a time: a second one while a read is pending fails
 * with TOK_ERROR_PROTOCOL. A cancelled read consumes nothing; the reader stays usable. */
void
tok_chunked_reader_read_async(TokChunkedReader *self,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data) TOK_NONNULL(1);
/* The next chunk (a wiped GBytes, never empty), or NULL: without @error set at the clean
 * end of the body (and on every later read), with it on failure: TOK_ERROR_TRUNCATED if the
 * stream ended before the terminating chunk, TOK_ERROR_INVALID_DATA / TOK_ERROR_TOO_LARGE
 * for bad framing, or the stream's own error (G_IO_ERROR_CANCELLED...). Chunks complete
 * before a framing error are still returned first. */
GBytes *
tok_chunked_reader_read_finish(TokChunkedReader *self,
			       GAsyncResult *result,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* Blocking variant, for tools and tests only; not to be mixed with a pending async read. */
GBytes *
tok_chunked_reader_read(TokChunkedReader *self,
			GCancellable *cancellable,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* TRUE once the terminating chunk has been decoded and every chunk before it returned:
 * the next read returns the end. */
gboolean
tok_chunked_reader_is_finished(TokChunkedReader *self) TOK_NONNULL(1);

#define TOK_TYPE_CHUNKED_WRITER (tok_chunked_writer_get_type())
G_DECLARE_FINAL_TYPE(TokChunkedWriter, tok_chunked_writer, TOK, CHUNKED_WRITER, GObject)

TokChunkedWriter *
tok_chunked_writer_new(GOutputStream *stream) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Writes @message as one chunk and flushes the stream. Calls made while earlier ones are
 * pending are queued and written in call order, each reporting its own result. An empty
 * message is refused (TOK_ERROR_INVALID_DATA), as is any write after close
 * (TOK_ERROR_PROTOCOL). A write cancelled before any of its bytes went out leaves the writer
 * usable; once a chunk may have been written in part, or its flush failed, the writer has
 * failed and every later call gets that error. */
void
tok_chunked_writer_write_async(TokChunkedWriter *self,
			       GBytes *message,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data) TOK_NONNULL(1, 2);
gboolean
tok_chunked_writer_write_finish(TokChunkedWriter *self, GAsyncResult *result, GError **error)
    TOK_NONNULL(1, 2);
/* Queues the terminating chunk `0\r\n\r\n` after the pending writes and flushes. */
void
tok_chunked_writer_close_async(TokChunkedWriter *self,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data) TOK_NONNULL(1);
gboolean
tok_chunked_writer_close_finish(TokChunkedWriter *self, GAsyncResult *result, GError **error)
    TOK_NONNULL(1, 2);
/* Blocking variants, for tools and tests only; they fail while async calls are pending. */
gboolean
tok_chunked_writer_write(TokChunkedWriter *self,
			 GBytes *message,
			 GCancellable *cancellable,
			 GError **error) TOK_NONNULL(1, 2);
gboolean
tok_chunked_writer_close(TokChunkedWriter *self, GCancellable *cancellable, GError **error)
    TOK_NONNULL(1);

G_END_DECLS
