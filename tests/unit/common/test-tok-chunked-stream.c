/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tok-bytes.h"
#include "tok-chunked-stream.h"
#include "tok-chunked.h"
#include "tok-error.h"

#define TEST_TIMEOUT_SECONDS 20

#define MSG_BEGIN_OP                                                                               \
	"s=204&msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0"  \
	"%2E1%26tokenATR%3D3BFF1400FF8131FE458025A00000005657534336353003003B%26statusUpdate%3D"   \
	"true%26extendedLoginRequest%3Dtrue%26"
#define MSG_PDU_RESPONSE "s=38&msg_type=10&pdu_size=2&pdu_data=%90%00"
#define MSG_LOGIN	 "s=47&msg_type=4&screen_name=user1&password=secret123"
#define BODY_ESC                                                                                   \
	"D2\r\n" MSG_BEGIN_OP "\r\n"                                                               \
	"2B\r\n" MSG_PDU_RESPONSE "\r\n"                                                           \
	"34\r\n" MSG_LOGIN "\r\n"                                                                  \
	"0\r\n\r\n"

static const gchar *const body_messages[] = {MSG_BEGIN_OP, MSG_PDU_RESPONSE, MSG_LOGIN};

/* ---- main loop helpers: iterate until a condition holds, fail the test on a timeout ---- */

static gboolean
timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static void
run_until_flag(const gboolean *done)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add_seconds(TEST_TIMEOUT_SECONDS, timeout_cb, &timed_out);

	while (!*done && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (timed_out) {
		g_test_message("timed out after %u s: deadlock?", (guint)TEST_TIMEOUT_SECONDS);
		g_assert_not_reached();
	}
	g_source_remove(id);
}

static void
got_result_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

static void
wait_result(GAsyncResult **res)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add_seconds(TEST_TIMEOUT_SECONDS, timeout_cb, &timed_out);

	while (*res == NULL && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (timed_out) {
		g_test_message("timed out after %u s waiting for a result",
			       (guint)TEST_TIMEOUT_SECONDS);
		g_assert_not_reached();
	}
	g_source_remove(id);
}

static GBytes *
read_chunk(TokChunkedReader *reader, GCancellable *cancellable, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	tok_chunked_reader_read_async(reader, cancellable, got_result_cb, &res);
	wait_result(&res);
	return tok_chunked_reader_read_finish(reader, res, error);
}

static gboolean
write_message(TokChunkedWriter *writer, const gchar *text, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GBytes) msg = g_bytes_new(text, strlen(text));
	tok_chunked_writer_write_async(writer, msg, NULL, got_result_cb, &res);
	wait_result(&res);
	return tok_chunked_writer_write_finish(writer, res, error);
}

static gboolean
close_writer(TokChunkedWriter *writer, GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;
	tok_chunked_writer_close_async(writer, NULL, got_result_cb, &res);
	wait_result(&res);
	return tok_chunked_writer_close_finish(writer, res, error);
}

static void
assert_chunk(GBytes *chunk, const gchar *want)
{
	g_assert_nonnull(chunk);
	g_assert_cmpmem(g_bytes_get_data(chunk, NULL), g_bytes_get_size(chunk), want, strlen(want));
}

static GInputStream *
memory_input(const gchar *data, gsize len)
{
	return g_memory_input_stream_new_from_data(g_memdup2(data, len), (gssize)len, g_free);
}

/* ---- connected stream pairs ---- */

typedef enum {
	TRANSPORT_SOCKETPAIR,
	TRANSPORT_TCP,
} Transport;

static void
make_socketpair(GIOStream **a, GIOStream **b)
{
	int fds[2] = {-1, -1};
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) sa = NULL;
	g_autoptr(GSocket) sb = NULL;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	sa = g_socket_new_from_fd(fds[0], &error);
	g_assert_no_error(error);
	sb = g_socket_new_from_fd(fds[1], &error);
	g_assert_no_error(error);
	*a = G_IO_STREAM(g_socket_connection_factory_create_connection(sa));
	*b = G_IO_STREAM(g_socket_connection_factory_create_connection(sb));
}

static void
make_tcp_pair(GIOStream **a, GIOStream **b)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;
	g_autoptr(GAsyncResult) accept_res = NULL;
	g_autoptr(GAsyncResult) connect_res = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_socket_listener_add_address(listener,
						    any_port,
						    G_SOCKET_TYPE_STREAM,
						    G_SOCKET_PROTOCOL_TCP,
						    NULL,
						    &effective,
						    &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective)), >, 0);
	g_socket_listener_accept_async(listener, NULL, got_result_cb, &accept_res);
	g_socket_client_connect_async(client,
				      G_SOCKET_CONNECTABLE(effective),
				      NULL,
				      got_result_cb,
				      &connect_res);
	wait_result(&accept_res);
	wait_result(&connect_res);
	*a = G_IO_STREAM(g_socket_client_connect_finish(client, connect_res, &error));
	g_assert_no_error(error);
	*b = G_IO_STREAM(g_socket_listener_accept_finish(listener, accept_res, NULL, &error));
	g_assert_no_error(error);
	g_socket_listener_close(listener);
}

static void
make_pair(Transport transport, GIOStream **a, GIOStream **b)
{
	if (transport == TRANSPORT_TCP)
		make_tcp_pair(a, b);
	else
		make_socketpair(a, b);
}

/* One side of a connection: a reader and a writer over the two halves of one stream. */
typedef struct {
	GIOStream *conn;
	TokChunkedReader *reader;
	TokChunkedWriter *writer;
} Peer;

static void
peer_init(Peer *peer, GIOStream *conn)
{
	peer->conn = conn;
	peer->reader = tok_chunked_reader_new(g_io_stream_get_input_stream(conn), NULL, 0);
	peer->writer = tok_chunked_writer_new(g_io_stream_get_output_stream(conn));
}

static void
peer_clear(Peer *peer)
{
	g_clear_object(&peer->reader);
	g_clear_object(&peer->writer);
	g_clear_object(&peer->conn);
}

/* ---- reader over memory streams ---- */

static void
test_reader_memory(void)
{
	g_autoptr(GInputStream) in = memory_input(BODY_ESC, strlen(BODY_ESC));
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 0);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(body_messages); i++) {
		g_autoptr(GBytes) chunk = read_chunk(reader, NULL, &error);
		g_assert_no_error(error);
		assert_chunk(chunk, body_messages[i]);
		/* the memory stream gave the whole body at once: the end is known with the last
		 * chunk */
		g_assert_cmpint(tok_chunked_reader_is_finished(reader),
				==,
				i + 1 == G_N_ELEMENTS(body_messages));
	}
	for (guint i = 0; i < 2; i++) {
		g_autoptr(GBytes) end = read_chunk(reader, NULL, &error);
		g_assert_no_error(error);
		g_assert_null(end);
		g_assert_true(tok_chunked_reader_is_finished(reader));
	}
}

static void
test_reader_sync(void)
{
	g_autoptr(GInputStream) in = memory_input(BODY_ESC, strlen(BODY_ESC));
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 0);
	g_autoptr(GInputStream) in2 = memory_input(BODY_ESC, 20);
	g_autoptr(TokChunkedReader) reader2 = tok_chunked_reader_new(in2, NULL, 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) end = NULL;
	g_autoptr(GBytes) none = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(body_messages); i++) {
		g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, &error);
		g_assert_no_error(error);
		assert_chunk(chunk, body_messages[i]);
	}
	end = tok_chunked_reader_read(reader, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(end);

	none = tok_chunked_reader_read(reader2, NULL, &error);
	g_assert_null(none);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
}

/* A server that took over the connection after the HTTP head may hold body bytes already. */
static void
test_reader_prefix(void)
{
	const gchar *body = BODY_ESC;
	gsize len = strlen(body);
	gsize splits[] = {1, 4, 30, 214, len - 1, len};

	for (guint s = 0; s < G_N_ELEMENTS(splits); s++) {
		g_autoptr(GBytes) prefix = g_bytes_new(body, splits[s]);
		g_autoptr(GInputStream) in = memory_input(body + splits[s], len - splits[s]);
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, prefix, 0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) end = NULL;

		for (guint i = 0; i < G_N_ELEMENTS(body_messages); i++) {
			g_autoptr(GBytes) chunk = read_chunk(reader, NULL, &error);
			g_assert_no_error(error);
			assert_chunk(chunk, body_messages[i]);
		}
		end = read_chunk(reader, NULL, &error);
		g_assert_no_error(error);
		g_assert_null(end);
	}
	{
		/* bad framing in the prefix: the complete chunk first, then the error */
		g_autoptr(GBytes) prefix = g_bytes_new_static("1\r\na\r\nZZ", 8);
		g_autoptr(GInputStream) in = memory_input("", 0);
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, prefix, 0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) chunk = read_chunk(reader, NULL, &error);
		g_autoptr(GBytes) none = NULL;

		g_assert_no_error(error);
		assert_chunk(chunk, "a");
		none = read_chunk(reader, NULL, &error);
		g_assert_null(none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_reader_truncated(void)
{
	const gchar *inputs[] = {
	    "",		      /* nothing at all */
	    "2B\r\ns=38&msg", /* inside a chunk */
	    "2B",	      /* inside a size line */
	    "0\r\n",	      /* inside the trailer section */
	};
	for (guint i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_autoptr(GInputStream) in = memory_input(inputs[i], strlen(inputs[i]));
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) again = NULL;
		g_autoptr(GBytes) chunk = read_chunk(reader, NULL, &error);
		g_autoptr(GBytes) chunk2 = NULL;

		g_assert_null(chunk);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		chunk2 = read_chunk(reader, NULL, &again);
		g_assert_null(chunk2);
		g_assert_error(again, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
	{
		/* complete chunks, then the end of the stream without the terminator */
		const gchar *body = "2B\r\n" MSG_PDU_RESPONSE "\r\n";
		g_autoptr(GInputStream) in = memory_input(body, strlen(body));
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) chunk = read_chunk(reader, NULL, &error);
		g_autoptr(GBytes) none = NULL;

		g_assert_no_error(error);
		assert_chunk(chunk, MSG_PDU_RESPONSE);
		none = read_chunk(reader, NULL, &error);
		g_assert_null(none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_assert_false(tok_chunked_reader_is_finished(reader));
	}
}

static void
test_reader_bad_framing(void)
{
	{
		g_autoptr(GInputStream) in = memory_input("1\r\naX", 5);
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) none = read_chunk(reader, NULL, &error);
		g_assert_null(none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		/* data after the terminator */
		const gchar *body = "1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
		g_autoptr(GInputStream) in = memory_input(body, strlen(body));
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) chunk = read_chunk(reader, NULL, &error);
		g_autoptr(GBytes) none = NULL;

		g_assert_no_error(error);
		assert_chunk(chunk, "a");
		none = read_chunk(reader, NULL, &error);
		g_assert_null(none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		/* a chunk above the reader's limit */
		const gchar *body = "11\r\n0123456789abcdefg\r\n0\r\n\r\n";
		g_autoptr(GInputStream) in = memory_input(body, strlen(body));
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, NULL, 16);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) none = read_chunk(reader, NULL, &error);
		g_assert_null(none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	}
}

/* ---- writer ---- */

static void
test_writer_memory(void)
{
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(out);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) written = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(body_messages); i++) {
		g_assert_true(write_message(writer, body_messages[i], &error));
		g_assert_no_error(error);
	}
	g_assert_true(close_writer(writer, &error));
	g_assert_no_error(error);
	/* the writer leaves the stream open */
	g_assert_false(g_output_stream_is_closed(out));
	g_assert_true(g_output_stream_close(out, NULL, &error));
	written = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
	g_assert_cmpmem(g_bytes_get_data(written, NULL),
			g_bytes_get_size(written),
			BODY_ESC,
			strlen(BODY_ESC));

	/* nothing after the terminator */
	g_assert_false(write_message(writer, MSG_LOGIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_false(close_writer(writer, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
}

static void
test_writer_sync(void)
{
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(out);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GBytes) written = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(body_messages); i++) {
		g_autoptr(GBytes) msg =
		    g_bytes_new_static(body_messages[i], strlen(body_messages[i]));
		g_assert_true(tok_chunked_writer_write(writer, msg, NULL, &error));
		g_assert_no_error(error);
	}
	g_assert_false(tok_chunked_writer_write(writer, empty, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_true(tok_chunked_writer_close(writer, NULL, &error));
	g_assert_no_error(error);
	g_assert_false(tok_chunked_writer_close(writer, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_assert_true(g_output_stream_close(out, NULL, NULL));
	written = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
	g_assert_cmpmem(g_bytes_get_data(written, NULL),
			g_bytes_get_size(written),
			BODY_ESC,
			strlen(BODY_ESC));
}

typedef struct {
	GArray *order;	   /* indices of completed writes, in completion order */
	GPtrArray *errors; /* GError or NULL per index */
	guint n_done;
	guint n_expected;
	gboolean all_done;
} OrderState;

typedef struct {
	OrderState *state;
	guint index;
	gboolean is_close;
} OrderCall;

static void
order_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autofree OrderCall *call = user_data;
	GError *error = NULL;

	if (call->is_close)
		tok_chunked_writer_close_finish(TOK_CHUNKED_WRITER(source), res, &error);
	else
		tok_chunked_writer_write_finish(TOK_CHUNKED_WRITER(source), res, &error);
	g_array_append_val(call->state->order, call->index);
	g_ptr_array_index(call->state->errors, call->index) = error;
	call->state->n_done++;
	call->state->all_done = call->state->n_done == call->state->n_expected;
}

static void
order_state_clear(OrderState *state)
{
	for (guint i = 0; i < state->errors->len; i++)
		g_clear_error((GError **)&g_ptr_array_index(state->errors, i));
	g_array_unref(state->order);
	g_ptr_array_unref(state->errors);
}

/* Writes queued while others are pending go out in call order, each with its own result;
 * a refused message (empty) and a cancelled one do not disturb the others. */
static void
test_writer_order(void)
{
	const guint n = 24;
	g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(out);
	g_autoptr(GByteArray) want = g_byte_array_new();
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	g_autoptr(GBytes) term = tok_chunk_encode_terminator();
	g_autoptr(GBytes) written = NULL;
	g_autoptr(GError) late_error = NULL;
	OrderState state = {g_array_new(FALSE, FALSE, sizeof(guint)),
			    g_ptr_array_new(),
			    0,
			    n + 1,
			    FALSE};

	g_ptr_array_set_size(state.errors, n + 1);
	for (guint i = 0; i < n; i++) {
		OrderCall *call = g_new0(OrderCall, 1);
		g_autofree gchar *text =
		    i == 7 ? g_strdup("") : g_strdup_printf("msg_type=15&current_state=%u", i);
		g_autoptr(GBytes) msg = g_bytes_new(text, strlen(text));

		call->state = &state;
		call->index = i;
		tok_chunked_writer_write_async(writer,
					       msg,
					       i == 11 ? cancelled : NULL,
					       order_cb,
					       call);
		if (i != 7 && i != 11) {
			g_autoptr(GBytes) chunk = tok_chunk_encode_bytes(msg, NULL);
			tok_byte_array_append_bytes(want, chunk);
		}
	}
	{
		OrderCall *call = g_new0(OrderCall, 1);
		call->state = &state;
		call->index = n;
		call->is_close = TRUE;
		tok_chunked_writer_close_async(writer, NULL, order_cb, call);
		tok_byte_array_append_bytes(want, term);
	}
	/* cancelled while queued behind the first writes: nothing of it goes out */
	g_cancellable_cancel(cancelled);
	/* refused at once: the body is closing */
	g_assert_false(write_message(writer, "late", &late_error));
	g_assert_error(late_error, TOK_ERROR, TOK_ERROR_PROTOCOL);

	run_until_flag(&state.all_done);
	g_assert_cmpuint(state.n_done, ==, n + 1);
	/* completion order: the refused empty message completes first (it never queued), then
	 * every queued call in order */
	g_assert_cmpuint(g_array_index(state.order, guint, 0), ==, 7);
	for (guint i = 1, expect = 0; i < state.order->len; i++, expect++) {
		if (expect == 7)
			expect++;
		g_assert_cmpuint(g_array_index(state.order, guint, i), ==, expect);
	}
	for (guint i = 0; i <= n; i++) {
		GError *error = g_ptr_array_index(state.errors, i);
		if (i == 7)
			g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		else if (i == 11)
			g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
		else
			g_assert_no_error(error);
	}
	g_assert_true(g_output_stream_close(out, NULL, NULL));
	written = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
	g_assert_cmpmem(g_bytes_get_data(written, NULL),
			g_bytes_get_size(written),
			want->data,
			want->len);
	order_state_clear(&state);
}

/* A chunk written in part breaks the body: that call and every later one fail. */
static void
test_writer_broken(void)
{
	g_autofree guint8 *buf = g_malloc0(10);
	g_autoptr(GOutputStream) out = g_memory_output_stream_new(buf, 10, NULL, NULL);
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(out);
	g_autoptr(GError) error = NULL;

	g_assert_true(write_message(writer, "a", &error)); /* 6 bytes: "1\r\na\r\n" */
	g_assert_no_error(error);
	g_assert_false(write_message(writer, "hello", &error)); /* 10 bytes: only 4 fit */
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_clear_error(&error);
	g_assert_false(write_message(writer, "b", &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_assert_nonnull(strstr(error->message, "earlier write error"));
	g_clear_error(&error);
	g_assert_false(close_writer(writer, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_clear_error(&error);
	{
		g_autoptr(GBytes) msg = g_bytes_new_static("c", 1);
		g_assert_false(tok_chunked_writer_write(writer, msg, NULL, &error));
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	}
}

/* ---- over real connections ---- */

#define PING_PONG_ROUNDS 64

typedef struct {
	Peer client;
	Peer server;
	guint client_sent;
	guint client_received;
	guint server_received;
	gboolean done;
	GError *error;
} PingPong;

static void
ping_pong_fail(PingPong *pp, GError *error)
{
	if (pp->error == NULL)
		pp->error = error;
	else
		g_error_free(error);
	pp->done = TRUE;
}

static gchar *
ping_text(guint i)
{
	return g_strdup_printf("msg_type=10&pdu_size=2&pdu_data=%%90%%00&n=%u", i);
}

static gchar *
pong_text(guint i)
{
	return g_strdup_printf("msg_type=9&pdu_size=5&pdu_data=%%00%%A4%%04%%00%%00&n=%u", i);
}

static void
ping_pong_written_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	PingPong *pp = user_data;
	GError *error = NULL;
	if (!tok_chunked_writer_write_finish(TOK_CHUNKED_WRITER(source), res, &error))
		ping_pong_fail(pp, error);
}

static void
ping_pong_send(PingPong *pp, TokChunkedWriter *writer, gchar *text_owned)
{
	g_autoptr(GBytes) msg = g_bytes_new_take(text_owned, strlen(text_owned));
	tok_chunked_writer_write_async(writer, msg, NULL, ping_pong_written_cb, pp);
}

static void
ping_pong_server_read_cb(GObject *source, GAsyncResult *res, gpointer user_data);
static void
ping_pong_client_read_cb(GObject *source, GAsyncResult *res, gpointer user_data);

static void
ping_pong_server_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	PingPong *pp = user_data;
	GError *error = NULL;
	g_autoptr(GBytes) chunk =
	    tok_chunked_reader_read_finish(TOK_CHUNKED_READER(source), res, &error);
	g_autofree gchar *want = ping_text(pp->server_received);

	if (chunk == NULL) {
		ping_pong_fail(pp,
			       error != NULL ? error
					     : g_error_new_literal(TOK_ERROR,
								   TOK_ERROR_FAILED,
								   "server: unexpected end"));
		return;
	}
	if (!tok_bytes_equal_data(chunk, (const guint8 *)want, strlen(want))) {
		ping_pong_fail(pp,
			       g_error_new(TOK_ERROR,
					   TOK_ERROR_FAILED,
					   "server: wrong message %u",
					   pp->server_received));
		return;
	}
	/* answer while the client's body is still open, then wait for the next one */
	ping_pong_send(pp, pp->server.writer, pong_text(pp->server_received));
	pp->server_received++;
	if (pp->server_received < PING_PONG_ROUNDS)
		tok_chunked_reader_read_async(pp->server.reader,
					      NULL,
					      ping_pong_server_read_cb,
					      pp);
}

static void
ping_pong_client_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	PingPong *pp = user_data;
	GError *error = NULL;
	g_autoptr(GBytes) chunk =
	    tok_chunked_reader_read_finish(TOK_CHUNKED_READER(source), res, &error);
	g_autofree gchar *want = pong_text(pp->client_received);

	if (chunk == NULL) {
		ping_pong_fail(pp,
			       error != NULL ? error
					     : g_error_new_literal(TOK_ERROR,
								   TOK_ERROR_FAILED,
								   "client: unexpected end"));
		return;
	}
	if (!tok_bytes_equal_data(chunk, (const guint8 *)want, strlen(want))) {
		ping_pong_fail(pp,
			       g_error_new(TOK_ERROR,
					   TOK_ERROR_FAILED,
					   "client: wrong message %u",
					   pp->client_received));
		return;
	}
	pp->client_received++;
	if (pp->client_received == PING_PONG_ROUNDS) {
		pp->done = TRUE;
		return;
	}
	ping_pong_send(pp, pp->client.writer, ping_text(pp->client_sent++));
	tok_chunked_reader_read_async(pp->client.reader, NULL, ping_pong_client_read_cb, pp);
}

/* Full duplex: each message is answered on the other half of the connection while both
 * bodies stay open; one buffered-until-close side would deadlock here. */
static void
test_duplex_ping_pong(gconstpointer user_data)
{
	Transport transport = GPOINTER_TO_INT(user_data);
	PingPong pp = {0};
	GIOStream *a = NULL;
	GIOStream *b = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) end_c = NULL;
	g_autoptr(GBytes) end_s = NULL;

	make_pair(transport, &a, &b);
	peer_init(&pp.client, a);
	peer_init(&pp.server, b);

	tok_chunked_reader_read_async(pp.server.reader, NULL, ping_pong_server_read_cb, &pp);
	tok_chunked_reader_read_async(pp.client.reader, NULL, ping_pong_client_read_cb, &pp);
	ping_pong_send(&pp, pp.client.writer, ping_text(pp.client_sent++));
	run_until_flag(&pp.done);
	g_assert_no_error(pp.error);
	g_assert_cmpuint(pp.client_received, ==, PING_PONG_ROUNDS);
	g_assert_cmpuint(pp.server_received, ==, PING_PONG_ROUNDS);
	g_assert_false(tok_chunked_reader_is_finished(pp.client.reader));
	g_assert_false(tok_chunked_reader_is_finished(pp.server.reader));

	/* END_OP, then both bodies end cleanly */
	g_assert_true(
	    write_message(pp.server.writer, "msg_type=13&operation=5&result=0&message=0", &error));
	g_assert_true(close_writer(pp.server.writer, &error));
	g_assert_true(close_writer(pp.client.writer, &error));
	g_assert_no_error(error);
	{
		g_autoptr(GBytes) end_op = read_chunk(pp.client.reader, NULL, &error);
		g_assert_no_error(error);
		assert_chunk(end_op, "msg_type=13&operation=5&result=0&message=0");
	}
	end_c = read_chunk(pp.client.reader, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(end_c);
	end_s = read_chunk(pp.server.reader, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(end_s);

	peer_clear(&pp.client);
	peer_clear(&pp.server);
}

typedef struct {
	TokChunkedReader *reader;
	guint n_expected;
	guint n_read;
	const gchar *prefix;
	gboolean done;
	GError *error;
} Drain;

static void
drain_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Drain *d = user_data;
	g_autoptr(GBytes) chunk = tok_chunked_reader_read_finish(d->reader, res, &d->error);
	g_autofree gchar *want = NULL;

	if (chunk == NULL) {
		d->done = TRUE; /* the end (or an error) */
		return;
	}
	want = g_strdup_printf("%s%u", d->prefix, d->n_read);
	if (!tok_bytes_equal_data(chunk, (const guint8 *)want, strlen(want))) {
		d->error = g_error_new(TOK_ERROR, TOK_ERROR_FAILED, "wrong chunk %u", d->n_read);
		d->done = TRUE;
		return;
	}
	d->n_read++;
	tok_chunked_reader_read_async(d->reader, NULL, drain_read_cb, d);
}

typedef struct {
	guint n_expected;
	guint n_ok;
	guint n_failed;
	gboolean done;
} WriteCount;

static void
count_write_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	WriteCount *wc = user_data;
	gboolean ok = g_task_get_source_tag(G_TASK(res)) == tok_chunked_writer_close_async
			  ? tok_chunked_writer_close_finish(TOK_CHUNKED_WRITER(source), res, NULL)
			  : tok_chunked_writer_write_finish(TOK_CHUNKED_WRITER(source), res, NULL);
	if (ok)
		wc->n_ok++;
	else
		wc->n_failed++;
	wc->done = wc->n_ok + wc->n_failed == wc->n_expected;
}

/* Both sides queue all their messages at once and read at the same time: the two
 * directions of one connection flow together. */
static void
test_duplex_concurrent(gconstpointer user_data)
{
	const guint n = 80;
	Transport transport = GPOINTER_TO_INT(user_data);
	Peer a_peer = {0};
	Peer b_peer = {0};
	GIOStream *a = NULL;
	GIOStream *b = NULL;
	Drain da = {0};
	Drain db = {0};
	WriteCount wa = {n + 1, 0, 0, FALSE};
	WriteCount wb = {n + 1, 0, 0, FALSE};

	make_pair(transport, &a, &b);
	peer_init(&a_peer, a);
	peer_init(&b_peer, b);
	da.reader = a_peer.reader;
	da.prefix = "from-b-";
	db.reader = b_peer.reader;
	db.prefix = "from-a-";
	tok_chunked_reader_read_async(a_peer.reader, NULL, drain_read_cb, &da);
	tok_chunked_reader_read_async(b_peer.reader, NULL, drain_read_cb, &db);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *ta = g_strdup_printf("from-a-%u", i);
		g_autofree gchar *tb = g_strdup_printf("from-b-%u", i);
		g_autoptr(GBytes) ma = g_bytes_new(ta, strlen(ta));
		g_autoptr(GBytes) mb = g_bytes_new(tb, strlen(tb));
		tok_chunked_writer_write_async(a_peer.writer, ma, NULL, count_write_cb, &wa);
		tok_chunked_writer_write_async(b_peer.writer, mb, NULL, count_write_cb, &wb);
	}
	tok_chunked_writer_close_async(a_peer.writer, NULL, count_write_cb, &wa);
	tok_chunked_writer_close_async(b_peer.writer, NULL, count_write_cb, &wb);
	run_until_flag(&da.done);
	run_until_flag(&db.done);
	run_until_flag(&wa.done);
	run_until_flag(&wb.done);
	g_assert_no_error(da.error);
	g_assert_no_error(db.error);
	g_assert_cmpuint(da.n_read, ==, n);
	g_assert_cmpuint(db.n_read, ==, n);
	g_assert_cmpuint(wa.n_ok, ==, n + 1);
	g_assert_cmpuint(wb.n_ok, ==, n + 1);
	g_assert_cmpuint(wa.n_failed + wb.n_failed, ==, 0);
	peer_clear(&a_peer);
	peer_clear(&b_peer);
}

/* The peer goes away in the middle of a chunk, or between chunks: TRUNCATED. */
static void
test_peer_closes(gconstpointer user_data)
{
	Transport transport = GPOINTER_TO_INT(user_data);

	for (guint variant = 0; variant < 2; variant++) {
		Peer reader_peer = {0};
		GIOStream *a = NULL;
		g_autoptr(GIOStream) b = NULL;
		g_autoptr(TokChunkedWriter) writer = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) none = NULL;

		make_pair(transport, &a, &b);
		peer_init(&reader_peer, a);
		writer = tok_chunked_writer_new(g_io_stream_get_output_stream(b));
		g_assert_true(write_message(writer, MSG_LOGIN, &error));
		g_assert_no_error(error);
		if (variant == 0) {
			const gchar *part = "2B\r\ns=38&msg";
			g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(b),
								part,
								strlen(part),
								NULL,
								NULL,
								&error));
			g_assert_no_error(error);
		}
		g_assert_true(g_io_stream_close(b, NULL, &error));
		g_assert_no_error(error);
		{
			g_autoptr(GBytes) chunk = read_chunk(reader_peer.reader, NULL, &error);
			g_assert_no_error(error);
			assert_chunk(chunk, MSG_LOGIN);
		}
		none = read_chunk(reader_peer.reader, NULL, &error);
		g_assert_null(none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_test_message("%s", error->message);
		peer_clear(&reader_peer);
	}
}

static gboolean
cancel_idle_cb(gpointer user_data)
{
	g_cancellable_cancel(G_CANCELLABLE(user_data));
	return G_SOURCE_REMOVE;
}

/* A pending read is cancelled without losing anything; a second concurrent read is refused. */
static void
test_reader_cancel(void)
{
	Peer pa = {0};
	Peer pb = {0};
	GIOStream *a = NULL;
	GIOStream *b = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) none = NULL;
	g_autoptr(GBytes) none2 = NULL;

	make_socketpair(&a, &b);
	peer_init(&pa, a);
	peer_init(&pb, b);

	tok_chunked_reader_read_async(pa.reader, cancellable, got_result_cb, &res);
	/* only one read at a time */
	none2 = read_chunk(pa.reader, NULL, &error);
	g_assert_null(none2);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	{
		g_autoptr(GBytes) sync_none = tok_chunked_reader_read(pa.reader, NULL, &error);
		g_assert_null(sync_none);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
		g_clear_error(&error);
	}
	g_assert_null(res); /* still waiting: no data */
	g_idle_add(cancel_idle_cb, cancellable);
	wait_result(&res);
	none = tok_chunked_reader_read_finish(pa.reader, res, &error);
	g_assert_null(none);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_clear_error(&error);

	/* the reader still works */
	g_assert_true(write_message(pb.writer, MSG_PDU_RESPONSE, &error));
	g_assert_true(write_message(pb.writer, MSG_LOGIN, &error));
	g_assert_no_error(error);
	{
		g_autoptr(GBytes) chunk = read_chunk(pa.reader, NULL, &error);
		g_assert_no_error(error);
		assert_chunk(chunk, MSG_PDU_RESPONSE);
	}
	{
		/* an already-cancelled read consumes nothing */
		g_autoptr(GBytes) chunk = read_chunk(pa.reader, cancellable, &error);
		g_assert_null(chunk);
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
		g_clear_error(&error);
	}
	{
		g_autoptr(GBytes) chunk = read_chunk(pa.reader, NULL, &error);
		g_assert_no_error(error);
		assert_chunk(chunk, MSG_LOGIN);
	}
	peer_clear(&pa);
	peer_clear(&pb);
}

typedef struct {
	TokChunkedReader *reader;
	GBytes *chunk;
	GError *error;
	gboolean done;
} OneRead;

static void
one_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	OneRead *r = user_data;
	r->chunk = tok_chunked_reader_read_finish(r->reader, res, &r->error);
	r->done = TRUE;
}

typedef struct {
	gboolean ok;
	GError *error;
	gboolean done;
} OneWrite;

static void
one_write_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	OneWrite *w = user_data;
	w->ok = tok_chunked_writer_write_finish(TOK_CHUNKED_WRITER(source), res, &w->error);
	w->done = TRUE;
}

/* Chunks up to the reader's limit cross a socket while the reader drains it (larger than
 * the socket buffers); one byte more is refused. */
static void
test_large_chunks(void)
{
	gsize sizes[] = {TOK_CHUNK_DEFAULT_MAX_SIZE, TOK_CHUNK_DEFAULT_MAX_SIZE + 1};
	for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
		Peer pa = {0};
		Peer pb = {0};
		GIOStream *a = NULL;
		GIOStream *b = NULL;
		g_autofree guint8 *data = g_malloc(sizes[s]);
		g_autoptr(GBytes) msg = NULL;
		OneRead r = {0};
		OneWrite w = {0};

		for (gsize i = 0; i < sizes[s]; i++)
			data[i] = (guint8)(i * 13 + s);
		msg = g_bytes_new(data, sizes[s]);
		make_socketpair(&a, &b);
		peer_init(&pa, a);
		peer_init(&pb, b);
		r.reader = pa.reader;
		tok_chunked_reader_read_async(pa.reader, NULL, one_read_cb, &r);
		tok_chunked_writer_write_async(pb.writer, msg, NULL, one_write_cb, &w);
		run_until_flag(&r.done);
		if (s == 0) {
			run_until_flag(&w.done);
			g_assert_no_error(w.error);
			g_assert_true(w.ok);
			g_assert_no_error(r.error);
			g_assert_true(g_bytes_equal(r.chunk, msg));
		} else {
			g_assert_null(r.chunk);
			g_assert_error(r.error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
			/* the writer may still be blocked on a full socket: hang up */
			g_assert_true(g_io_stream_close(pa.conn, NULL, NULL));
			run_until_flag(&w.done);
			g_clear_error(&w.error);
		}
		g_clear_pointer(&r.chunk, g_bytes_unref);
		g_clear_error(&r.error);
		peer_clear(&pa);
		peer_clear(&pb);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/chunked-stream/reader/memory", test_reader_memory);
	g_test_add_func("/tok/chunked-stream/reader/sync", test_reader_sync);
	g_test_add_func("/tok/chunked-stream/reader/prefix", test_reader_prefix);
	g_test_add_func("/tok/chunked-stream/reader/truncated", test_reader_truncated);
	g_test_add_func("/tok/chunked-stream/reader/bad-framing", test_reader_bad_framing);
	g_test_add_func("/tok/chunked-stream/reader/cancel", test_reader_cancel);
	g_test_add_func("/tok/chunked-stream/writer/memory", test_writer_memory);
	g_test_add_func("/tok/chunked-stream/writer/sync", test_writer_sync);
	g_test_add_func("/tok/chunked-stream/writer/order", test_writer_order);
	g_test_add_func("/tok/chunked-stream/writer/broken", test_writer_broken);
	g_test_add_data_func("/tok/chunked-stream/duplex/ping-pong/socketpair",
			     GINT_TO_POINTER(TRANSPORT_SOCKETPAIR),
			     test_duplex_ping_pong);
	g_test_add_data_func("/tok/chunked-stream/duplex/ping-pong/tcp",
			     GINT_TO_POINTER(TRANSPORT_TCP),
			     test_duplex_ping_pong);
	g_test_add_data_func("/tok/chunked-stream/duplex/concurrent/socketpair",
			     GINT_TO_POINTER(TRANSPORT_SOCKETPAIR),
			     test_duplex_concurrent);
	g_test_add_data_func("/tok/chunked-stream/duplex/concurrent/tcp",
			     GINT_TO_POINTER(TRANSPORT_TCP),
			     test_duplex_concurrent);
	g_test_add_data_func("/tok/chunked-stream/peer-closes/socketpair",
			     GINT_TO_POINTER(TRANSPORT_SOCKETPAIR),
			     test_peer_closes);
	g_test_add_data_func("/tok/chunked-stream/peer-closes/tcp",
			     GINT_TO_POINTER(TRANSPORT_TCP),
			     test_peer_closes);
	g_test_add_func("/tok/chunked-stream/large-chunks", test_large_chunks);
	return g_test_run();
}
