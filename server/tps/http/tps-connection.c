/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-connection.h"

#include "tok-chunked-stream.h"
#include "tok-chunked.h"
#include "tok-error.h"
#include "tps-error.h"

/* Room for the "s=<N>&" prefix above max_message_size in one chunk. */
#define TPS_CONNECTION_CHUNK_OVERHEAD 32
/* At most this much is read and dropped before closing, so that the client is not reset
 * (and loses END_OP) because of request bytes the server never read. */
#define TPS_CONNECTION_DRAIN_LIMIT (64 * 1024)
#define TPS_CONNECTION_DRAIN_BLOCK 4096

struct _TpsConnection {
	GObject parent_instance;
	GIOStream *stream; /* nullable: closed by finish if set */
	GInputStream *in;
	GOutputStream *out;
	TokChunkedReader *reader;
	TokChunkedWriter *writer;
	gsize max_message_size;
	guint timeout_seconds;
	gchar *client_address;
	GCancellable *cancellable;	  /* the session's */
	GCancellable *finish_cancellable; /* bounds finish */
	/* a reference on the session cancellable's wakeup fd for the connection's life: every
	 * blocking read or write waits on it, and without a holder GIO creates and closes an
	 * eventfd for each wait */
	gboolean holds_pollfd;

	/* the deadline and the finish deadline fire from timeout sources on timer_context, or
	 * (timer_context NULL) from the watchdog thread */
	GMainContext *timer_context;
	GSource *deadline_source;  /* under lock */
	GSource *finish_source;	   /* under lock */
	GThread *watchdog;
	GMutex lock;
	GCond cond;
	gint64 deadline;	/* monotonic, 0 = none */
	gint64 finish_deadline; /* monotonic, 0 = not finishing */
	gboolean deadline_fired;
	gboolean finish_fired;
	gboolean stop;

	gint timed_out;	   /* atomic */
	gint cancelled;	   /* atomic: tps_connection_cancel() */
	gint disconnected; /* atomic: the client is gone */
	gboolean failed;   /* a protocol error happened */
	gboolean reader_broken; /* the chunked request body cannot be decoded any further */
	gboolean end_op_sent;
	gboolean finished;
	TokTpsOperation operation;
};

G_DEFINE_TYPE(TpsConnection, tps_connection, G_TYPE_OBJECT)

static void
tps_connection_stop_watchdog(TpsConnection *self)
{
	g_autoptr(GSource) deadline = NULL;
	g_autoptr(GSource) finish = NULL;

	g_mutex_lock(&self->lock);
	deadline = g_steal_pointer(&self->deadline_source);
	finish = g_steal_pointer(&self->finish_source);
	g_mutex_unlock(&self->lock);
	/* each holds a reference on the connection until destroyed */
	if (deadline != NULL)
		g_source_destroy(deadline);
	if (finish != NULL)
		g_source_destroy(finish);
	if (self->watchdog == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->stop = TRUE;
	g_cond_signal(&self->cond);
	g_mutex_unlock(&self->lock);
	g_thread_join(g_steal_pointer(&self->watchdog));
}

static void
tps_connection_dispose(GObject *object)
{
	TpsConnection *self = TPS_CONNECTION(object);

	tps_connection_stop_watchdog(self);
	g_clear_object(&self->reader);
	g_clear_object(&self->writer);
	g_clear_object(&self->stream);
	g_clear_object(&self->in);
	g_clear_object(&self->out);
	G_OBJECT_CLASS(tps_connection_parent_class)->dispose(object);
}

static void
tps_connection_finalize(GObject *object)
{
	TpsConnection *self = TPS_CONNECTION(object);

	if (self->holds_pollfd)
		g_cancellable_release_fd(self->cancellable);
	g_clear_object(&self->cancellable);
	g_clear_object(&self->finish_cancellable);
	g_clear_pointer(&self->timer_context, g_main_context_unref);
	g_free(self->client_address);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	G_OBJECT_CLASS(tps_connection_parent_class)->finalize(object);
}

static void
tps_connection_class_init(TpsConnectionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = tps_connection_dispose;
	object_class->finalize = tps_connection_finalize;
}

static void
tps_connection_init(TpsConnection *self)
{
	GPollFD pollfd;

	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->cancellable = g_cancellable_new();
	self->holds_pollfd = g_cancellable_make_pollfd(self->cancellable, &pollfd);
	self->finish_cancellable = g_cancellable_new();
	self->operation = TOK_TPS_OPERATION_UNDEFINED;
}

/* The watchdog thread: no reference on the connection, joined before it goes away. */
static gpointer
tps_connection_watchdog_thread(gpointer data)
{
	TpsConnection *self = data;

	g_mutex_lock(&self->lock);
	while (!self->stop) {
		gint64 now = g_get_monotonic_time();
		gint64 wake = G_MAXINT64;

		if (self->deadline != 0 && !self->deadline_fired && now >= self->deadline) {
			self->deadline_fired = TRUE;
			g_atomic_int_set(&self->timed_out, 1);
			g_mutex_unlock(&self->lock);
			g_cancellable_cancel(self->cancellable);
			g_mutex_lock(&self->lock);
			continue;
		}
		if (self->finish_deadline != 0 && !self->finish_fired &&
		    now >= self->finish_deadline) {
			self->finish_fired = TRUE;
			g_mutex_unlock(&self->lock);
			g_cancellable_cancel(self->finish_cancellable);
			g_mutex_lock(&self->lock);
			continue;
		}
		if (self->deadline != 0 && !self->deadline_fired)
			wake = MIN(wake, self->deadline);
		if (self->finish_deadline != 0 && !self->finish_fired)
			wake = MIN(wake, self->finish_deadline);
		if (wake == G_MAXINT64)
			g_cond_wait(&self->cond, &self->lock);
		else
			(void)g_cond_wait_until(&self->cond, &self->lock, wake);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

/* The timer context's deadline sources (the connection is alive: the source holds a ref). */
static gboolean
tps_connection_on_deadline(gpointer data)
{
	TpsConnection *self = data;

	g_mutex_lock(&self->lock);
	self->deadline_fired = TRUE;
	g_mutex_unlock(&self->lock);
	g_atomic_int_set(&self->timed_out, 1);
	g_cancellable_cancel(self->cancellable);
	return G_SOURCE_REMOVE;
}

static gboolean
tps_connection_on_finish_deadline(gpointer data)
{
	TpsConnection *self = data;

	g_mutex_lock(&self->lock);
	self->finish_fired = TRUE;
	g_mutex_unlock(&self->lock);
	g_cancellable_cancel(self->finish_cancellable);
	return G_SOURCE_REMOVE;
}

/* A timeout source on the timer context calling @func with a reference on @self. */
static GSource *
tps_connection_add_timer(TpsConnection *self, guint seconds, GSourceFunc func, const gchar *name)
{
	GSource *source = g_timeout_source_new(seconds * 1000);

	g_source_set_callback(source, func, g_object_ref(self), g_object_unref);
	g_source_set_static_name(source, name);
	g_source_attach(source, self->timer_context);
	return source;
}

static TpsConnection *
tps_connection_new_internal(GIOStream *stream,
			    GInputStream *in,
			    GOutputStream *out,
			    GBytes *prefix,
			    gsize max_message_size,
			    guint timeout_seconds,
			    const gchar *client_address,
			    GMainContext *timer_context)
{
	TpsConnection *self = g_object_new(TPS_TYPE_CONNECTION, NULL);
	g_autoptr(GError) error = NULL;
	gsize max_chunk;

	if (max_message_size == 0)
		max_message_size = TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE;
	max_message_size = MIN(max_message_size,
			       (gsize)TOK_CHUNK_MAX_SIZE_LIMIT - TPS_CONNECTION_CHUNK_OVERHEAD);
	max_chunk = max_message_size + TPS_CONNECTION_CHUNK_OVERHEAD;

	if (stream != NULL)
		self->stream = g_object_ref(stream);
	self->in = g_object_ref(in);
	self->out = g_object_ref(out);
	self->reader = tok_chunked_reader_new(in, prefix, max_chunk);
	self->writer = tok_chunked_writer_new(out);
	self->max_message_size = max_message_size;
	self->timeout_seconds = timeout_seconds;
	self->client_address = g_strdup(client_address != NULL ? client_address : "unknown");
	if (timeout_seconds > 0)
		self->deadline = g_get_monotonic_time() + (gint64)timeout_seconds * G_USEC_PER_SEC;
	if (timer_context != NULL) {
		GSource *deadline = NULL;

		self->timer_context = g_main_context_ref(timer_context);
		if (timeout_seconds > 0)
			deadline = tps_connection_add_timer(self, timeout_seconds, tps_connection_on_deadline, "tps-session-deadline");
		g_mutex_lock(&self->lock);
		self->deadline_source = deadline;
		g_mutex_unlock(&self->lock);
		return self;
	}
	self->watchdog = g_thread_try_new("tps-deadline", tps_connection_watchdog_thread, self, &error);
	if (self->watchdog == NULL)
		g_warning("session of %s runs without a deadline: cannot start its watchdog thread: %s",
			  self->client_address,
			  error->message);
	return self;
}

TpsConnection *
tps_connection_new(GInputStream *in,
		   GOutputStream *out,
		   GBytes *prefix,
		   gsize max_message_size,
		   guint timeout_seconds,
		   const gchar *client_address)
{
	g_return_val_if_fail(G_IS_INPUT_STREAM(in), NULL);
	g_return_val_if_fail(G_IS_OUTPUT_STREAM(out), NULL);
	return tps_connection_new_internal(NULL,
					   in,
					   out,
					   prefix,
					   max_message_size,
					   timeout_seconds,
					   client_address,
					   NULL);
}

TpsConnection *
tps_connection_new_for_stream(GIOStream *stream,
			      GBytes *prefix,
			      gsize max_message_size,
			      guint timeout_seconds,
			      const gchar *client_address)
{
	return tps_connection_new_for_stream_full(stream, prefix, max_message_size, timeout_seconds, client_address, NULL);
}

TpsConnection *
tps_connection_new_for_stream_full(GIOStream *stream,
				   GBytes *prefix,
				   gsize max_message_size,
				   guint timeout_seconds,
				   const gchar *client_address,
				   GMainContext *timer_context)
{
	g_return_val_if_fail(G_IS_IO_STREAM(stream), NULL);
	return tps_connection_new_internal(stream,
					   g_io_stream_get_input_stream(stream),
					   g_io_stream_get_output_stream(stream),
					   prefix,
					   max_message_size,
					   timeout_seconds,
					   client_address,
					   timer_context);
}

const gchar *
tps_connection_get_client_address(TpsConnection *c)
{
	g_return_val_if_fail(TPS_IS_CONNECTION(c), NULL);
	return c->client_address;
}

GCancellable *
tps_connection_get_cancellable(TpsConnection *c)
{
	g_return_val_if_fail(TPS_IS_CONNECTION(c), NULL);
	return c->cancellable;
}

TokTpsOperation
tps_connection_get_operation(TpsConnection *c)
{
	g_return_val_if_fail(TPS_IS_CONNECTION(c), TOK_TPS_OPERATION_UNDEFINED);
	return c->operation;
}

gboolean
tps_connection_get_end_op_sent(TpsConnection *c)
{
	g_return_val_if_fail(TPS_IS_CONNECTION(c), FALSE);
	return c->end_op_sent;
}

gboolean
tps_connection_get_timed_out(TpsConnection *c)
{
	g_return_val_if_fail(TPS_IS_CONNECTION(c), FALSE);
	return g_atomic_int_get(&c->timed_out) != 0;
}

void
tps_connection_cancel(TpsConnection *c)
{
	g_return_if_fail(TPS_IS_CONNECTION(c));
	g_atomic_int_set(&c->cancelled, 1);
	g_cancellable_cancel(c->cancellable);
}

/* Marks the client as gone and wakes everything waiting on the session. */
static void
tps_connection_set_disconnected(TpsConnection *self)
{
	g_atomic_int_set(&self->disconnected, 1);
	g_cancellable_cancel(self->cancellable);
}

/* Why the session cannot go on, or TRUE if it can. */
static gboolean
tps_connection_check_usable(TpsConnection *self, const gchar *what, GError **error)
{
	if (self->finished) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "cannot %s: the session with %s is finished",
			    what,
			    self->client_address);
		return FALSE;
	}
	if (g_atomic_int_get(&self->timed_out)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_TIMEOUT,
			    "cannot %s: the session deadline of %u s passed",
			    what,
			    self->timeout_seconds);
		return FALSE;
	}
	if (g_atomic_int_get(&self->disconnected)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_DISCONNECTED,
			    "cannot %s: the client %s is gone",
			    what,
			    self->client_address);
		return FALSE;
	}
	if (g_atomic_int_get(&self->cancelled) || g_cancellable_is_cancelled(self->cancellable)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_DISCONNECTED,
			    "cannot %s: the session with %s was cancelled",
			    what,
			    self->client_address);
		return FALSE;
	}
	return TRUE;
}

/* Turns a stream, framing or cancellation error met while doing @what into TPS_ERROR. */
static void
tps_connection_propagate_io_error(TpsConnection *self,
				  GError *src_owned,
				  const gchar *what,
				  GError **error)
{
	g_autoptr(GError) src = src_owned;

	if (g_error_matches(src, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		if (g_atomic_int_get(&self->timed_out)) {
			g_set_error(error,
				    TPS_ERROR,
				    TPS_ERROR_TIMEOUT,
				    "%s: the session deadline of %u s passed",
				    what,
				    self->timeout_seconds);
		} else if (g_atomic_int_get(&self->disconnected)) {
			g_set_error(error,
				    TPS_ERROR,
				    TPS_ERROR_DISCONNECTED,
				    "%s: the client %s is gone",
				    what,
				    self->client_address);
		} else {
			g_set_error(error,
				    TPS_ERROR,
				    TPS_ERROR_DISCONNECTED,
				    "%s: the session with %s was cancelled",
				    what,
				    self->client_address);
		}
		return;
	}
	if (src->domain == TOK_ERROR && src->code != TOK_ERROR_TRUNCATED) {
		/* bad chunk framing, a chunk above the limit, a misused reader or writer */
		self->failed = TRUE;
		self->reader_broken = TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "%s from %s: %s",
			    what,
			    self->client_address,
			    src->message);
		return;
	}
	/* the stream failed or ended in the middle of the body: the client is gone */
	tps_connection_set_disconnected(self);
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_DISCONNECTED,
		    "%s: the client %s is gone: %s",
		    what,
		    self->client_address,
		    src->message);
}

TokTpsMessage *
tps_connection_read(TpsConnection *c, GError **error)
{
	g_autoptr(GBytes) chunk = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;

	g_return_val_if_fail(TPS_IS_CONNECTION(c), NULL);

	if (!tps_connection_check_usable(c, "read a message", error))
		return NULL;
	chunk = tok_chunked_reader_read(c->reader, c->cancellable, &error_local);
	if (chunk == NULL) {
		if (error_local != NULL) {
			tps_connection_propagate_io_error(c,
							  g_steal_pointer(&error_local),
							  "failed to read a message",
							  error);
			return NULL;
		}
		c->failed = TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "failed to read a message: %s ended the request body",
			    c->client_address);
		return NULL;
	}
	msg = tok_tps_message_parse_bytes(chunk, c->max_message_size, &error_local);
	if (msg == NULL) {
		c->failed = TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "malformed message from %s (%" G_GSIZE_FORMAT " bytes): %s",
			    c->client_address,
			    g_bytes_get_size(chunk),
			    error_local->message);
		return NULL;
	}
	if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_BEGIN_OP &&
	    c->operation == TOK_TPS_OPERATION_UNDEFINED) {
		TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
		if (tok_tps_message_get_operation(msg, &op, NULL))
			c->operation = op;
	}
	if (g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE) {
		g_autofree gchar *text = tok_tps_message_to_log_string(msg);
		g_debug("%s > %s", c->client_address, text);
	}
	return g_steal_pointer(&msg);
}

gboolean
tps_connection_write(TpsConnection *c, TokTpsMessage *msg, GError **error)
{
	g_autoptr(GBytes) wire = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(TPS_IS_CONNECTION(c), FALSE);

	if (!tps_connection_check_usable(c, "write a message", error))
		return FALSE;
	if (c->end_op_sent) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "cannot write %s to %s: END_OP was sent already",
			    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)),
			    c->client_address);
		return FALSE;
	}
	wire = tok_tps_message_encode(msg, &error_local);
	if (wire == NULL) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "cannot encode %s: %s",
			    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)),
			    error_local->message);
		return FALSE;
	}
	if (g_log_writer_default_would_drop(G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) == FALSE) {
		g_autofree gchar *text = tok_tps_message_to_log_string(msg);
		g_debug("%s < %s", c->client_address, text);
	}
	if (!tok_chunked_writer_write(c->writer, wire, c->cancellable, &error_local)) {
		tps_connection_propagate_io_error(c,
						  g_steal_pointer(&error_local),
						  "failed to write a message",
						  error);
		return FALSE;
	}
	if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_END_OP)
		c->end_op_sent = TRUE;
	return TRUE;
}

TokApduResponse *
tps_connection_transmit(TpsConnection *c, GBytes *apdu, GError **error)
{
	g_autoptr(TokTpsMessage) request = NULL;
	g_autoptr(TokTpsMessage) response = NULL;
	g_autoptr(GBytes) pdu = NULL;
	g_autoptr(GError) error_local = NULL;
	TokApduResponse *apdu_response;
	TokTpsMsgType type;

	g_return_val_if_fail(TPS_IS_CONNECTION(c), NULL);

	request = tok_tps_message_new_token_pdu_request(apdu, &error_local);
	if (request == NULL) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_INVALID,
			    "cannot send APDU: %s",
			    error_local->message);
		return NULL;
	}
	if (!tps_connection_write(c, request, error))
		return NULL;
	response = tps_connection_read(c, error);
	if (response == NULL)
		return NULL;
	type = tok_tps_message_get_msg_type(response);
	if (type != TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE) {
		c->failed = TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "expected TOKEN_PDU_RESPONSE from %s, got %s",
			    c->client_address,
			    tok_tps_msg_type_to_string(type));
		return NULL;
	}
	pdu = tok_tps_message_get_pdu(response, &error_local);
	if (pdu == NULL) {
		c->failed = TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "bad TOKEN_PDU_RESPONSE from %s: %s",
			    c->client_address,
			    error_local->message);
		return NULL;
	}
	apdu_response = tok_apdu_response_parse_bytes(pdu, &error_local);
	if (apdu_response == NULL) {
		c->failed = TRUE;
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_PROTOCOL,
			    "bad card response from %s: %s",
			    c->client_address,
			    error_local->message);
		return NULL;
	}
	return apdu_response;
}

/* Reads and drops what the client still sends, up to the end of its body (or of the stream
 * once the body cannot be decoded), bounded in size and by the finish deadline, so that
 * closing with unread data does not reset the connection before the client has read END_OP. */
static void
tps_connection_drain(TpsConnection *self)
{
	gsize total = 0;

	if (!self->reader_broken) {
		while (total < TPS_CONNECTION_DRAIN_LIMIT) {
			g_autoptr(GBytes) chunk =
			    tok_chunked_reader_read(self->reader, self->finish_cancellable, NULL);
			if (chunk == NULL)
				return;
			total += g_bytes_get_size(chunk);
		}
		return;
	}
	{
		g_autofree guint8 *buf = g_malloc(TPS_CONNECTION_DRAIN_BLOCK);
		while (total < TPS_CONNECTION_DRAIN_LIMIT) {
			gssize n = g_input_stream_read(self->in,
						       buf,
						       TPS_CONNECTION_DRAIN_BLOCK,
						       self->finish_cancellable,
						       NULL);
			if (n <= 0)
				return;
			total += (gsize)n;
		}
	}
}

void
tps_connection_finish_with_status(TpsConnection *c, TokTpsStatus status)
{
	g_autoptr(GError) error = NULL;

	g_return_if_fail(TPS_IS_CONNECTION(c));

	if (c->finished)
		return;
	c->finished = TRUE;

	g_mutex_lock(&c->lock);
	c->finish_deadline =
	    g_get_monotonic_time() + (gint64)TPS_CONNECTION_FINISH_TIMEOUT_SECONDS * G_USEC_PER_SEC;
	g_cond_signal(&c->cond);
	g_mutex_unlock(&c->lock);
	if (c->timer_context != NULL) {
		GSource *finish = tps_connection_add_timer(c,
							   TPS_CONNECTION_FINISH_TIMEOUT_SECONDS,
							   tps_connection_on_finish_deadline,
							   "tps-session-finish-deadline");
		g_mutex_lock(&c->lock);
		c->finish_source = finish;
		g_mutex_unlock(&c->lock);
	}

	if (!g_atomic_int_get(&c->disconnected)) {
		gboolean ok = TRUE;

		if (!c->end_op_sent) {
			g_autoptr(TokTpsMessage) end_op =
			    tok_tps_message_new_end_op(c->operation, 1, status, &error);
			g_autoptr(GBytes) wire = NULL;

			if (end_op != NULL)
				wire = tok_tps_message_encode(end_op, &error);
			ok = wire != NULL && tok_chunked_writer_write(c->writer,
								      wire,
								      c->finish_cancellable,
								      &error);
			if (ok) {
				c->end_op_sent = TRUE;
				g_debug("%s < END_OP result=1 message=%u",
					c->client_address,
					(guint)status);
			} else {
				g_debug("cannot send END_OP to %s: %s",
					c->client_address,
					error->message);
			}
		}
		if (ok && !tok_chunked_writer_close(c->writer, c->finish_cancellable, &error)) {
			g_debug("cannot end the response to %s: %s",
				c->client_address,
				error->message);
			ok = FALSE;
		}
		g_clear_error(&error);
		if (ok && !tok_chunked_reader_is_finished(c->reader))
			tps_connection_drain(c);
	}

	if (c->stream != NULL) {
		if (!g_io_stream_close(c->stream, c->finish_cancellable, &error))
			g_debug("closing the connection to %s: %s",
				c->client_address,
				error->message);
	} else {
		if (!g_output_stream_close(c->out, c->finish_cancellable, &error))
			g_debug("closing the output to %s: %s",
				c->client_address,
				error->message);
		g_clear_error(&error);
		if (!g_input_stream_close(c->in, c->finish_cancellable, &error))
			g_debug("closing the input from %s: %s",
				c->client_address,
				error->message);
	}
	g_cancellable_cancel(c->cancellable);
	tps_connection_stop_watchdog(c);
}

void
tps_connection_finish(TpsConnection *c)
{
	g_return_if_fail(TPS_IS_CONNECTION(c));

	if (c->failed || g_atomic_int_get(&c->timed_out))
		tps_connection_finish_with_status(c, TOK_TPS_STATUS_ERROR_CONNECTION);
	else
		tps_connection_finish_with_status(c, TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION);
}
