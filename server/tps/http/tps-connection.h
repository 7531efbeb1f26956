/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsConnection: the message channel of one client session, past the HTTP heads
 * (protocol.md 1.1, 10.1): one TokTpsMessage per chunk in each direction over the full-duplex
 * chunked exchange of POST /tps/tps. Blocking; used from the session's worker thread only,
 * except tps_connection_get_cancellable() and tps_connection_cancel() which any thread may call.
 *
 * Every session has a deadline (timeout_seconds after creation, 0 = none) and a GCancellable
 * that fires when the deadline passes, when the client goes away (a failed read or write)
 * and on tps_connection_cancel(). The deadlines (the session's and finish's) fire from
 * timeout sources on a timer main context when one is given (the HTTP server gives its own:
 * no thread per session besides the session's), else from a watchdog thread owned by the
 * connection, so no main loop is needed.
 */
#pragma once

#include <gio/gio.h>

#include "tok-apdu.h"
#include "tok-macros.h"
#include "tok-tps-message.h"

G_BEGIN_DECLS

/* How long tps_connection_finish() may take to send END_OP and the terminating chunk and to
 * close, after the deadline or not. */
#define TPS_CONNECTION_FINISH_TIMEOUT_SECONDS 5

#define TPS_TYPE_CONNECTION (tps_connection_get_type())
G_DECLARE_FINAL_TYPE(TpsConnection, tps_connection, TPS, CONNECTION, GObject)

/* Test/relay constructor: over any stream pair already past the HTTP heads. @prefix: body
 * bytes already read from @in (may be NULL). @max_message_size: largest N of "s=<N>&" (0 for
 * TOK_TPS_MESSAGE_DEFAULT_MAX_SIZE). @timeout_seconds: session deadline, 0 = none.
 * tps_connection_finish() closes both streams. */
TpsConnection *
tps_connection_new(GInputStream *in,
		   GOutputStream *out,
		   GBytes *prefix,
		   gsize max_message_size,
		   guint timeout_seconds,
		   const gchar *client_address) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* The same over a whole GIOStream (e.g. a connection stolen from the HTTP server), which
 * tps_connection_finish() closes. */
TpsConnection *
tps_connection_new_for_stream(GIOStream *stream,
			      GBytes *prefix,
			      gsize max_message_size,
			      guint timeout_seconds,
			      const gchar *client_address) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The same, the deadlines firing from timeout sources attached to @timer_context (which some
 * thread must iterate while the session runs; NULL: a watchdog thread as above). */
TpsConnection *
tps_connection_new_for_stream_full(GIOStream *stream,
				   GBytes *prefix,
				   gsize max_message_size,
				   guint timeout_seconds,
				   const gchar *client_address,
				   GMainContext *timer_context) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Reads the next client message within the session deadline. Errors (TPS_ERROR): a malformed
 * or oversized message, bad chunk framing or a request body ended by the client →
 * PROTOCOL; client gone → DISCONNECTED; deadline → TIMEOUT; after tps_connection_cancel()
 * → DISCONNECTED. The first BEGIN_OP read sets the operation END_OP will echo. */
TokTpsMessage *
tps_connection_read(TpsConnection *c, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Sends @msg as one chunk and flushes it. Errors as for reading; after END_OP was sent
 * nothing more may be written (PROTOCOL). */
gboolean
tps_connection_write(TpsConnection *c, TokTpsMessage *msg, GError **error) TOK_NONNULL(1, 2);
/* Convenience: TOKEN_PDU_REQUEST with @apdu, then reads the TOKEN_PDU_RESPONSE (another
 * message type, or a pdu_size that does not match the data → PROTOCOL). */
TokApduResponse *
tps_connection_transmit(TpsConnection *c, GBytes *apdu, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);

const gchar *
tps_connection_get_client_address(TpsConnection *c) TOK_NONNULL(1);
/* Fires on the deadline, on client disconnect and on tps_connection_cancel(). */
GCancellable *
tps_connection_get_cancellable(TpsConnection *c) TOK_NONNULL(1);
/* The operation of the BEGIN_OP read so far (UNDEFINED before). */
TokTpsOperation
tps_connection_get_operation(TpsConnection *c) TOK_NONNULL(1);
/* TRUE once an END_OP message has been written. */
gboolean
tps_connection_get_end_op_sent(TpsConnection *c) TOK_NONNULL(1);
/* TRUE once the deadline has passed. */
gboolean
tps_connection_get_timed_out(TpsConnection *c) TOK_NONNULL(1);
/* Any thread: ends the session (server shutdown); blocked reads and writes fail. */
void
tps_connection_cancel(TpsConnection *c) TOK_NONNULL(1);

/* Sends END_OP (if not sent yet, and the client is still there) with result 1 and @status,
 * echoing the BEGIN_OP operation, then the terminating chunk, then closes; bounded by
 * TPS_CONNECTION_FINISH_TIMEOUT_SECONDS. Idempotent. */
void
tps_connection_finish_with_status(TpsConnection *c, TokTpsStatus status) TOK_NONNULL(1);
/* The same with the status matching how the session went: STATUS_ERROR_CONNECTION after a
 * protocol error or the deadline, STATUS_ERROR_CANNOT_PERFORM_OPERATION otherwise. */
void
tps_connection_finish(TpsConnection *c) TOK_NONNULL(1);

G_END_DECLS
