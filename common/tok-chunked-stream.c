/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-chunked-stream.h"

#include <openssl/crypto.h>

#include "tok-chunked.h"
#include "tok-error.h"
#include "tok-secret.h"

/* -------------------------------------------------------------------------------------- */
/* TokChunkedReader */

struct _TokChunkedReader {
	GObject parent_instance;
	GInputStream *stream;
	GBytes *prefix; /* body bytes not yet given to the decoder */
	TokChunkDecoder *decoder;
	TokSecret *buffer; /* the read buffer: messages carry PINs, so it is wiped */
	gboolean eof;	   /* the stream has ended */
	gboolean pending;  /* an async read is under way */
};

G_DEFINE_TYPE(TokChunkedReader, tok_chunked_reader, G_TYPE_OBJECT)

static void
tok_chunked_reader_finalize(GObject *object)
{
	TokChunkedReader *self = TOK_CHUNKED_READER(object);

	g_clear_object(&self->stream);
	g_clear_pointer(&self->prefix, g_bytes_unref);
	g_clear_pointer(&self->decoder, tok_chunk_decoder_free);
	g_clear_pointer(&self->buffer, tok_secret_unref);
	G_OBJECT_CLASS(tok_chunked_reader_parent_class)->finalize(object);
}

static void
tok_chunked_reader_class_init(TokChunkedReaderClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = tok_chunked_reader_finalize;
}

static void
tok_chunked_reader_init(TokChunkedReader *self)
{
	self->buffer = tok_secret_new(TOK_CHUNKED_READER_READ_SIZE);
}

TokChunkedReader *
tok_chunked_reader_new(GInputStream *stream, GBytes *prefix, gsize max_chunk_size)
{
	TokChunkedReader *self;

	g_return_val_if_fail(G_IS_INPUT_STREAM(stream), NULL);
	g_return_val_if_fail(max_chunk_size <= TOK_CHUNK_MAX_SIZE_LIMIT, NULL);

	self = g_object_new(TOK_TYPE_CHUNKED_READER, NULL);
	self->stream = g_object_ref(stream);
	if (prefix != NULL && g_bytes_get_size(prefix) > 0)
		self->prefix = g_bytes_ref(prefix);
	self->decoder = tok_chunk_decoder_new(max_chunk_size);
	return self;
}

gboolean
tok_chunked_reader_is_finished(TokChunkedReader *self)
{
	g_return_val_if_fail(TOK_IS_CHUNKED_READER(self), FALSE);
	return tok_chunk_decoder_is_finished(self->decoder) &&
	       tok_chunk_decoder_get_n_pending(self->decoder) == 0;
}

/* Gives @len bytes of the read buffer to the decoder, then wipes them. A framing error is
 * kept by the decoder and reported once the chunks completed before it have been read. */
static void
tok_chunked_reader_feed_buffer(TokChunkedReader *self, gsize len)
{
	guint8 *buf = tok_secret_get_mutable_data(self->buffer);
	(void)tok_chunk_decoder_feed(self->decoder, buf, len, NULL);
	OPENSSL_cleanse(buf, len);
}

/* What the decoder holds already: TRUE with *@chunk set, or NULL at the clean end, when a
 * read can complete; TRUE with *@need_more when the stream must be read; FALSE on error. */
static gboolean
tok_chunked_reader_next(TokChunkedReader *self, GBytes **chunk, gboolean *need_more, GError **error)
{
	*need_more = FALSE;
	if (self->prefix != NULL) {
		g_autoptr(GBytes) prefix = g_steal_pointer(&self->prefix);
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(prefix, &len);
		(void)tok_chunk_decoder_feed(self->decoder, data, len, NULL);
	}
	*chunk = tok_chunk_decoder_pop(self->decoder);
	if (*chunk != NULL || tok_chunk_decoder_is_finished(self->decoder))
		return TRUE;
	if (tok_chunk_decoder_has_failed(self->decoder) || self->eof)
		return tok_chunk_decoder_finish(self->decoder, error);
	*need_more = TRUE;
	return TRUE;
}

static void
tok_chunked_reader_step(TokChunkedReader *self, GTask *task_owned);

static void
tok_chunked_reader_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	TokChunkedReader *self = g_task_get_source_object(task);
	g_autoptr(GError) error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &error);

	if (n < 0) {
		self->pending = FALSE;
		g_prefix_error(&error, "failed to read chunked body: ");
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (n == 0)
		self->eof = TRUE;
	else
		tok_chunked_reader_feed_buffer(self, (gsize)n);
	tok_chunked_reader_step(self, g_steal_pointer(&task));
}

static void
tok_chunked_reader_step(TokChunkedReader *self, GTask *task_owned)
{
	g_autoptr(GTask) task = task_owned;
	g_autoptr(GBytes) chunk = NULL;
	g_autoptr(GError) error = NULL;
	gboolean need_more = FALSE;

	if (!tok_chunked_reader_next(self, &chunk, &need_more, &error)) {
		self->pending = FALSE;
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (need_more) {
		GCancellable *cancellable = g_task_get_cancellable(task);
		g_input_stream_read_async(self->stream,
					  tok_secret_get_mutable_data(self->buffer),
					  TOK_CHUNKED_READER_READ_SIZE,
					  G_PRIORITY_DEFAULT,
					  cancellable,
					  tok_chunked_reader_read_cb,
					  g_steal_pointer(&task));
		return;
	}
	self->pending = FALSE;
	g_task_return_pointer(task, g_steal_pointer(&chunk), (GDestroyNotify)g_bytes_unref);
}

void
tok_chunked_reader_read_async(TokChunkedReader *self,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data)
{
	g_autoptr(GTask) task = NULL;

	g_return_if_fail(TOK_IS_CHUNKED_READER(self));
	g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, tok_chunked_reader_read_async);
	/* a chunk that was read must reach the caller even if it cancels meanwhile */
	g_task_set_check_cancellable(task, FALSE);
	if (self->pending) {
		g_task_return_new_error(task,
					TOK_ERROR,
					TOK_ERROR_PROTOCOL,
					"cannot read a chunk: another read is pending");
		return;
	}
	if (g_task_return_error_if_cancelled(task))
		return;
	self->pending = TRUE;
	tok_chunked_reader_step(self, g_steal_pointer(&task));
}

GBytes *
tok_chunked_reader_read_finish(TokChunkedReader *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(TOK_IS_CHUNKED_READER(self), NULL);
	g_return_val_if_fail(g_task_is_valid(result, self), NULL);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == tok_chunked_reader_read_async,
			     NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

GBytes *
tok_chunked_reader_read(TokChunkedReader *self, GCancellable *cancellable, GError **error)
{
	g_return_val_if_fail(TOK_IS_CHUNKED_READER(self), NULL);

	if (self->pending) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "cannot read a chunk: another read is pending");
		return NULL;
	}
	for (;;) {
		g_autoptr(GBytes) chunk = NULL;
		gboolean need_more = FALSE;
		gssize n;

		if (!tok_chunked_reader_next(self, &chunk, &need_more, error))
			return NULL;
		if (!need_more)
			return g_steal_pointer(&chunk);
		n = g_input_stream_read(self->stream,
					tok_secret_get_mutable_data(self->buffer),
					TOK_CHUNKED_READER_READ_SIZE,
					cancellable,
					error);
		if (n < 0) {
			g_prefix_error(error, "failed to read chunked body: ");
			return NULL;
		}
		if (n == 0)
			self->eof = TRUE;
		else
			tok_chunked_reader_feed_buffer(self, (gsize)n);
	}
}

/* -------------------------------------------------------------------------------------- */
/* TokChunkedWriter */

struct _TokChunkedWriter {
	GObject parent_instance;
	GOutputStream *stream;
	GQueue queue;	  /* GTask: waiting to be written, oldest first */
	GTask *current;	  /* being written, NULL when idle */
	gboolean closing; /* the terminator is queued or written: no more messages */
	GError *error;	  /* set once a chunk may have gone out in part: the body is broken */
};

G_DEFINE_TYPE(TokChunkedWriter, tok_chunked_writer, G_TYPE_OBJECT)

static void
tok_chunked_writer_finalize(GObject *object)
{
	TokChunkedWriter *self = TOK_CHUNKED_WRITER(object);

	/* queued and current tasks hold a reference on the writer: nothing is pending here */
	g_queue_clear_full(&self->queue, g_object_unref);
	g_clear_object(&self->current);
	g_clear_object(&self->stream);
	g_clear_error(&self->error);
	G_OBJECT_CLASS(tok_chunked_writer_parent_class)->finalize(object);
}

static void
tok_chunked_writer_class_init(TokChunkedWriterClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = tok_chunked_writer_finalize;
}

static void
tok_chunked_writer_init(TokChunkedWriter *self)
{
	g_queue_init(&self->queue);
}

TokChunkedWriter *
tok_chunked_writer_new(GOutputStream *stream)
{
	TokChunkedWriter *self;

	g_return_val_if_fail(G_IS_OUTPUT_STREAM(stream), NULL);

	self = g_object_new(TOK_TYPE_CHUNKED_WRITER, NULL);
	self->stream = g_object_ref(stream);
	return self;
}

/* The error every call gets once the body is broken. */
static GError *
tok_chunked_writer_broken_error(TokChunkedWriter *self)
{
	return g_error_new(self->error->domain,
			   self->error->code,
			   "chunked body unusable after an earlier write error: %s",
			   self->error->message);
}

/* Records that the body on the wire is broken, unless @error left it intact: a write
 * cancelled before any byte went out. After a failed flush (even a cancelled one) nobody
 * knows whether the peer got the message, so the exchange cannot go on. */
static void
tok_chunked_writer_note_error(TokChunkedWriter *self, const GError *error, gboolean sent_nothing)
{
	if (sent_nothing && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (self->error == NULL)
		self->error = g_error_copy(error);
}

static gboolean
tok_chunked_writer_check_open(TokChunkedWriter *self, GError **error)
{
	if (self->error != NULL) {
		g_propagate_error(error, tok_chunked_writer_broken_error(self));
		return FALSE;
	}
	if (self->closing) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "the chunked body is already closed");
		return FALSE;
	}
	return TRUE;
}

static void
tok_chunked_writer_kick(TokChunkedWriter *self);

static void
tok_chunked_writer_complete(TokChunkedWriter *self, GError *error_owned)
{
	g_autoptr(GTask) task = g_steal_pointer(&self->current);
	g_autoptr(GError) error = error_owned;

	if (error != NULL) {
		if (g_task_get_source_tag(task) == tok_chunked_writer_close_async &&
		    self->error == NULL)
			self->closing = FALSE; /* nothing went out: closing may be retried */
		g_task_return_error(task, g_steal_pointer(&error));
	} else {
		g_task_return_boolean(task, TRUE);
	}
	tok_chunked_writer_kick(self);
}

static void
tok_chunked_writer_flush_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(TokChunkedWriter) self = g_object_ref(TOK_CHUNKED_WRITER(user_data));
	g_autoptr(GError) error = NULL;

	if (!g_output_stream_flush_finish(G_OUTPUT_STREAM(source), res, &error)) {
		tok_chunked_writer_note_error(self, error, FALSE);
		g_prefix_error(&error, "failed to flush chunk: ");
		tok_chunked_writer_complete(self, g_steal_pointer(&error));
		return;
	}
	tok_chunked_writer_complete(self, NULL);
}

static void
tok_chunked_writer_write_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(TokChunkedWriter) self = g_object_ref(TOK_CHUNKED_WRITER(user_data));
	g_autoptr(GError) error = NULL;
	gsize written = 0;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, &written, &error)) {
		tok_chunked_writer_note_error(self, error, written == 0);
		g_prefix_error(&error, "failed to write chunk: ");
		tok_chunked_writer_complete(self, g_steal_pointer(&error));
		return;
	}
	g_output_stream_flush_async(self->stream,
				    G_PRIORITY_DEFAULT,
				    g_task_get_cancellable(self->current),
				    tok_chunked_writer_flush_cb,
				    self);
}

/* Starts the oldest queued write if none is under way. */
static void
tok_chunked_writer_kick(TokChunkedWriter *self)
{
	while (self->current == NULL && !g_queue_is_empty(&self->queue)) {
		g_autoptr(GTask) task = g_queue_pop_head(&self->queue);
		GBytes *chunk = g_task_get_task_data(task);

		if (self->error != NULL) {
			g_task_return_error(task, tok_chunked_writer_broken_error(self));
			continue;
		}
		if (g_cancellable_is_cancelled(g_task_get_cancellable(task))) {
			if (g_task_get_source_tag(task) == tok_chunked_writer_close_async)
				self->closing = FALSE;
			g_task_return_error_if_cancelled(task);
			continue;
		}
		self->current = g_steal_pointer(&task);
		g_output_stream_write_all_async(self->stream,
						g_bytes_get_data(chunk, NULL),
						g_bytes_get_size(chunk),
						G_PRIORITY_DEFAULT,
						g_task_get_cancellable(self->current),
						tok_chunked_writer_write_cb,
						self);
	}
}

static void
tok_chunked_writer_queue(TokChunkedWriter *self, GTask *task_owned, GBytes *chunk_owned)
{
	g_task_set_task_data(task_owned, chunk_owned, (GDestroyNotify)g_bytes_unref);
	g_queue_push_tail(&self->queue, task_owned);
	tok_chunked_writer_kick(self);
}

void
tok_chunked_writer_write_async(TokChunkedWriter *self,
			       GBytes *message,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autoptr(GBytes) chunk = NULL;
	g_autoptr(GError) error = NULL;

	g_return_if_fail(TOK_IS_CHUNKED_WRITER(self));
	g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, tok_chunked_writer_write_async);
	if (!tok_chunked_writer_check_open(self, &error)) {
		g_prefix_error(&error, "cannot write message: ");
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	chunk = tok_chunk_encode_bytes(message, &error);
	if (chunk == NULL) {
		g_prefix_error(&error, "cannot write message: ");
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	tok_chunked_writer_queue(self, g_steal_pointer(&task), g_steal_pointer(&chunk));
}

gboolean
tok_chunked_writer_write_finish(TokChunkedWriter *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(TOK_IS_CHUNKED_WRITER(self), FALSE);
	g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) ==
				 tok_chunked_writer_write_async,
			     FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

void
tok_chunked_writer_close_async(TokChunkedWriter *self,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autoptr(GError) error = NULL;

	g_return_if_fail(TOK_IS_CHUNKED_WRITER(self));
	g_return_if_fail(cancellable == NULL || G_IS_CANCELLABLE(cancellable));

	task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, tok_chunked_writer_close_async);
	if (!tok_chunked_writer_check_open(self, &error)) {
		g_prefix_error(&error, "cannot close: ");
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	self->closing = TRUE;
	tok_chunked_writer_queue(self, g_steal_pointer(&task), tok_chunk_encode_terminator());
}

gboolean
tok_chunked_writer_close_finish(TokChunkedWriter *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(TOK_IS_CHUNKED_WRITER(self), FALSE);
	g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
	g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) ==
				 tok_chunked_writer_close_async,
			     FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

/* Writes and flushes @chunk synchronously; FALSE (and the writer possibly broken) on error. */
static gboolean
tok_chunked_writer_put_sync(TokChunkedWriter *self,
			    GBytes *chunk,
			    GCancellable *cancellable,
			    GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gsize written = 0;

	if (!g_output_stream_write_all(self->stream,
				       g_bytes_get_data(chunk, NULL),
				       g_bytes_get_size(chunk),
				       &written,
				       cancellable,
				       &error_local)) {
		tok_chunked_writer_note_error(self, error_local, written == 0);
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "failed to write chunk: ");
		return FALSE;
	}
	if (!g_output_stream_flush(self->stream, cancellable, &error_local)) {
		tok_chunked_writer_note_error(self, error_local, FALSE);
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "failed to flush chunk: ");
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_chunked_writer_check_idle(TokChunkedWriter *self, GError **error)
{
	if (self->current != NULL || !g_queue_is_empty(&self->queue)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "asynchronous writes are pending");
		return FALSE;
	}
	return tok_chunked_writer_check_open(self, error);
}

gboolean
tok_chunked_writer_write(TokChunkedWriter *self,
			 GBytes *message,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr(GBytes) chunk = NULL;

	g_return_val_if_fail(TOK_IS_CHUNKED_WRITER(self), FALSE);

	if (!tok_chunked_writer_check_idle(self, error)) {
		g_prefix_error(error, "cannot write message: ");
		return FALSE;
	}
	chunk = tok_chunk_encode_bytes(message, error);
	if (chunk == NULL) {
		g_prefix_error(error, "cannot write message: ");
		return FALSE;
	}
	return tok_chunked_writer_put_sync(self, chunk, cancellable, error);
}

gboolean
tok_chunked_writer_close(TokChunkedWriter *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GBytes) chunk = tok_chunk_encode_terminator();

	g_return_val_if_fail(TOK_IS_CHUNKED_WRITER(self), FALSE);

	if (!tok_chunked_writer_check_idle(self, error)) {
		g_prefix_error(error, "cannot close: ");
		return FALSE;
	}
	self->closing = TRUE;
	if (!tok_chunked_writer_put_sync(self, chunk, cancellable, error)) {
		if (self->error == NULL)
			self->closing = FALSE;
		return FALSE;
	}
	return TRUE;
}
