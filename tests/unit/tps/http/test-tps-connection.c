/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "tok-chunked-stream.h"
#include "tok-error.h"
#include "tps-connection.h"
#include "tps-error.h"

/* A connected socket pair: the TPS end wrapped in a TpsConnection, the client end written
 * and read directly. Socket buffers are large enough for the few small messages of each
 * test, so one thread can play both sides in turn. */
typedef struct {
	GIOStream *server;
	GIOStream *client;
	TokChunkedReader *reader; /* client side */
} Pair;

static void
pair_init(Pair *p)
{
	int fds[2];
	g_autoptr(GSocket) s0 = NULL;
	g_autoptr(GSocket) s1 = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
	s0 = g_socket_new_from_fd(fds[0], &error);
	g_assert_no_error(error);
	s1 = g_socket_new_from_fd(fds[1], &error);
	g_assert_no_error(error);
	p->server = G_IO_STREAM(g_socket_connection_factory_create_connection(s0));
	p->client = G_IO_STREAM(g_socket_connection_factory_create_connection(s1));
	p->reader = tok_chunked_reader_new(g_io_stream_get_input_stream(p->client), NULL, 0);
}

static void
pair_clear(Pair *p)
{
	g_clear_object(&p->reader);
	g_clear_object(&p->server);
	g_clear_object(&p->client);
}

static void
client_send_raw(Pair *p, const gchar *raw)
{
	g_autoptr(GError) error = NULL;
	gboolean ok = g_output_stream_write_all(g_io_stream_get_output_stream(p->client),
						raw,
						strlen(raw),
						NULL,
						NULL,
						&error);
	g_assert_no_error(error);
	g_assert_true(ok);
}

/* The client ends its request body / closes its sending side. */
static void
client_end_body(Pair *p)
{
	client_send_raw(p, "0\r\n\r\n");
}

static void
client_shutdown_write(Pair *p)
{
	g_autoptr(GError) error = NULL;
	GSocket *sock = g_socket_connection_get_socket(G_SOCKET_CONNECTION(p->client));
	g_assert_true(g_socket_shutdown(sock, FALSE, TRUE, &error));
	g_assert_no_error(error);
}

/* One chunk carrying @text. */
static void
client_send_chunk(Pair *p, const gchar *text)
{
	g_autofree gchar *chunk = g_strdup_printf("%zX\r\n%s\r\n", strlen(text), text);
	client_send_raw(p, chunk);
}

/* The next chunk the TPS sent, as text; NULL at the clean end of its body. */
static gchar *
client_read_chunk(Pair *p)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = tok_chunked_reader_read(p->reader, NULL, &error);

	g_assert_no_error(error);
	if (chunk == NULL)
		return NULL;
	return g_strndup(g_bytes_get_data(chunk, NULL), g_bytes_get_size(chunk));
}

static void
client_expect_chunk(Pair *p, const gchar *want)
{
	g_autofree gchar *got = client_read_chunk(p);
	g_assert_cmpstr(got, ==, want);
}

static void
client_expect_end(Pair *p)
{
	g_autofree gchar *got = client_read_chunk(p);
	g_assert_null(got);
	g_assert_true(tok_chunked_reader_is_finished(p->reader));
}

static TpsConnection *
pair_connection(Pair *p, gsize max_message_size, guint timeout)
{
	return tps_connection_new_for_stream(p->server, NULL, max_message_size, timeout, "test-client");
}

static void
test_read_begin_op(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	g_assert_cmpstr(tps_connection_get_client_address(c), ==, "test-client");
	g_assert_cmpint(tps_connection_get_operation(c), ==, TOK_TPS_OPERATION_UNDEFINED);
	client_send_chunk(&p, "s=53&msg_type=2&operation=1&extensions=tokenType%3DuserKey");
	msg = tps_connection_read(c, &error);
	g_assert_no_error(error);
	g_assert_nonnull(msg);
	g_assert_cmpint(tok_tps_message_get_msg_type(msg), ==, TOK_TPS_MSG_TYPE_BEGIN_OP);
	g_assert_cmpint(tps_connection_get_operation(c), ==, TOK_TPS_OPERATION_ENROLL);
	g_assert_false(g_cancellable_is_cancelled(tps_connection_get_cancellable(c)));

	/* the operation's own END_OP, then finish adds only the terminator */
	{
		g_autoptr(TokTpsMessage) end_op =
		    tok_tps_message_new_end_op(TOK_TPS_OPERATION_ENROLL, 0, 0, &error);
		g_assert_no_error(error);
		g_assert_true(tps_connection_write(c, end_op, &error));
		g_assert_no_error(error);
		g_assert_true(tps_connection_get_end_op_sent(c));
		/* nothing after END_OP */
		g_assert_false(tps_connection_write(c, end_op, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
		g_clear_error(&error);
	}
	client_end_body(&p);
	tps_connection_finish(c);
	tps_connection_finish(c); /* idempotent */
	client_expect_chunk(&p, "s=42&msg_type=13&operation=1&result=0&message=0");
	client_expect_end(&p);
	/* finished: no more reads */
	g_assert_null(tps_connection_read(c, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	pair_clear(&p);
}

static void
test_prefix(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *first = "21\r\ns=28&msg_type=15&current_state=10\r\n21\r\ns=2";
	g_autoptr(GBytes) prefix = g_bytes_new_static(first, strlen(first));

	pair_init(&p);
	c = tps_connection_new(g_io_stream_get_input_stream(p.server),
			       g_io_stream_get_output_stream(p.server),
			       prefix,
			       0,
			       0,
			       NULL);
	g_assert_cmpstr(tps_connection_get_client_address(c), ==, "unknown");
	client_send_raw(&p, "8&msg_type=15&current_state=20\r\n");
	msg = tps_connection_read(c, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tok_tps_message_get_msg_type(msg), ==, TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE);
	g_clear_pointer(&msg, tok_tps_message_unref);
	msg = tps_connection_read(c, &error);
	g_assert_no_error(error);
	{
		guint percent = 0;
		g_assert_true(tok_tps_message_get_status_update_response(msg, &percent, &error));
		g_assert_cmpuint(percent, ==, 20);
	}
	pair_clear(&p);
}

static void
test_transmit(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 select[] = {0x00, 0xA4, 0x04, 0x00, 0x00};
	g_autoptr(GBytes) apdu = g_bytes_new_static(select, sizeof(select));
	g_autoptr(TokApduResponse) resp = NULL;
	GBytes *data;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	/* the answer is queued before the request goes out: transmit blocks on it */
	client_send_chunk(&p, "s=41&msg_type=10&pdu_size=3&pdu_data=%01%90%00");
	resp = tps_connection_transmit(c, apdu, &error);
	g_assert_no_error(error);
	g_assert_nonnull(resp);
	g_assert_cmpuint(tok_apdu_response_get_sw(resp), ==, 0x9000);
	data = tok_apdu_response_get_data(resp);
	g_assert_cmpuint(g_bytes_get_size(data), ==, 1);
	g_assert_cmpuint(((const guint8 *)g_bytes_get_data(data, NULL))[0], ==, 0x01);
	/* protocol.md 1.10 literal */
	client_expect_chunk(&p, "s=46&msg_type=9&pdu_size=5&pdu_data=%00%A4%04%00%00");

	/* a response of another type */
	client_send_chunk(&p, "s=28&msg_type=15&current_state=10");
	g_clear_pointer(&resp, tok_apdu_response_unref);
	resp = tps_connection_transmit(c, apdu, &error);
	g_assert_null(resp);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "TOKEN_PDU_RESPONSE"));
	g_clear_error(&error);
	client_expect_chunk(&p, "s=46&msg_type=9&pdu_size=5&pdu_data=%00%A4%04%00%00");

	/* pdu_size that does not match the data */
	client_send_chunk(&p, "s=38&msg_type=10&pdu_size=3&pdu_data=%90%00");
	resp = tps_connection_transmit(c, apdu, &error);
	g_assert_null(resp);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_clear_error(&error);

	/* an APDU that cannot be a command */
	{
		const guint8 shorty[] = {0x00, 0xA4};
		g_autoptr(GBytes) bad = g_bytes_new_static(shorty, sizeof(shorty));
		resp = tps_connection_transmit(c, bad, &error);
		g_assert_null(resp);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	pair_clear(&p);
}

static void
test_malformed(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	client_send_chunk(&p, "s=53&msg_type=2&operation=5&extensions=tokenType%3DuserKey");
	msg = tps_connection_read(c, &error);
	g_assert_no_error(error);
	client_send_chunk(&p, "hello=world");
	g_clear_pointer(&msg, tok_tps_message_unref);
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "test-client"));
	g_clear_error(&error);
	/* a wrong s= length */
	client_send_chunk(&p, "s=99&msg_type=15&current_state=10");
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_clear_error(&error);
	/* the failure END_OP echoes the operation, with STATUS_ERROR_CONNECTION */
	client_end_body(&p);
	tps_connection_finish(c);
	client_expect_chunk(&p, "s=43&msg_type=13&operation=5&result=1&message=13");
	client_expect_end(&p);
	pair_clear(&p);
}

static void
test_bad_framing(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	client_send_raw(&p, "zz\r\nhello\r\n");
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_clear_error(&error);
	client_shutdown_write(&p);
	tps_connection_finish_with_status(c, TOK_TPS_STATUS_ERROR_BAD_STATUS);
	client_expect_chunk(&p, "s=42&msg_type=13&operation=0&result=1&message=9");
	client_expect_end(&p);
	pair_clear(&p);
}

static void
test_oversized(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *big = NULL;
	g_autofree gchar *body = NULL;

	pair_init(&p);
	c = pair_connection(&p, 100, 10);
	/* N above max_message_size, in a chunk the reader still accepts */
	body = g_strdup_printf("msg_type=15&current_state=10&pad=%0100d", 0);
	big = g_strdup_printf("s=%zu&%s", strlen(body), body);
	client_send_chunk(&p, big);
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_clear_error(&error);
	/* a chunk far above the limit: refused from its size line */
	client_send_raw(&p, "100000\r\n");
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_clear_error(&error);
	client_shutdown_write(&p);
	tps_connection_finish(c);
	client_expect_chunk(&p, "s=43&msg_type=13&operation=0&result=1&message=13");
	client_expect_end(&p);
	pair_clear(&p);
}

static void
test_body_ended(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	client_send_raw(&p, "0\r\n\r\n");
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_PROTOCOL);
	g_clear_error(&error);
	tps_connection_finish(c);
	client_expect_chunk(&p, "s=43&msg_type=13&operation=0&result=1&message=13");
	client_expect_end(&p);
	pair_clear(&p);
}

static void
test_disconnect(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(TokTpsMessage) req = NULL;
	g_autoptr(GError) error = NULL;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	/* the client goes away in the middle of a chunk */
	client_send_raw(&p, "1C\r\ns=28&msg_t");
	g_assert_true(g_io_stream_close(p.client, NULL, NULL));
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
	g_clear_error(&error);
	g_assert_true(g_cancellable_is_cancelled(tps_connection_get_cancellable(c)));
	/* later calls fail at once */
	req = tok_tps_message_new_login_request(FALSE, FALSE);
	g_assert_false(tps_connection_write(c, req, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
	g_clear_error(&error);
	msg = tps_connection_read(c, &error);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
	/* finish writes nothing and does not hang */
	tps_connection_finish(c);
	g_assert_false(tps_connection_get_end_op_sent(c));
	pair_clear(&p);
}

static void
test_write_to_gone_client(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) req = tok_tps_message_new_login_request(FALSE, FALSE);
	g_autoptr(GError) error = NULL;
	gboolean ok = TRUE;

	pair_init(&p);
	c = pair_connection(&p, 0, 10);
	g_assert_true(g_io_stream_close(p.client, NULL, NULL));
	/* the first write may still land in the socket buffer; a later one fails */
	for (guint i = 0; i < 10 && ok; i++)
		ok = tps_connection_write(c, req, &error);
	g_assert_false(ok);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
	g_assert_true(g_cancellable_is_cancelled(tps_connection_get_cancellable(c)));
	tps_connection_finish(c);
	pair_clear(&p);
}

static void
test_deadline(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	gint64 elapsed;

	pair_init(&p);
	c = pair_connection(&p, 0, 1);
	msg = tps_connection_read(c, &error);
	elapsed = g_get_monotonic_time() - start;
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_TIMEOUT);
	g_clear_error(&error);
	g_assert_cmpint(elapsed, >=, G_USEC_PER_SEC * 9 / 10);
	g_assert_cmpint(elapsed, <, 10 * G_USEC_PER_SEC);
	g_assert_true(tps_connection_get_timed_out(c));
	g_assert_true(g_cancellable_is_cancelled(tps_connection_get_cancellable(c)));
	/* the client still gets a failure END_OP and the end of the body */
	client_end_body(&p);
	tps_connection_finish(c);
	client_expect_chunk(&p, "s=43&msg_type=13&operation=0&result=1&message=13");
	client_expect_end(&p);
	pair_clear(&p);
}

/* finish is bounded even when the client neither reads nor closes */
static void
test_finish_bounded(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	gint64 start;

	pair_init(&p);
	c = pair_connection(&p, 0, 30);
	client_send_chunk(&p, "s=53&msg_type=2&operation=3&extensions=tokenType%3DuserKey");
	msg = tps_connection_read(c, &error);
	g_assert_no_error(error);
	/* the client's body is not finished and it keeps the connection open */
	start = g_get_monotonic_time();
	tps_connection_finish(c);
	g_assert_cmpint(g_get_monotonic_time() - start,
			<,
			(TPS_CONNECTION_FINISH_TIMEOUT_SECONDS + 3) * G_USEC_PER_SEC);
	client_expect_chunk(&p, "s=42&msg_type=13&operation=3&result=1&message=8");
	client_expect_end(&p);
	pair_clear(&p);
}

static gpointer
cancel_later_thread(gpointer data)
{
	TpsConnection *c = data;
	g_usleep(G_USEC_PER_SEC / 10);
	tps_connection_cancel(c);
	return NULL;
}

static void
test_cancel(void)
{
	Pair p = {0};
	g_autoptr(TpsConnection) c = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	GThread *thread;

	pair_init(&p);
	c = pair_connection(&p, 0, 0);
	thread = g_thread_new("cancel", cancel_later_thread, c);
	msg = tps_connection_read(c, &error);
	g_thread_join(thread);
	g_assert_null(msg);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
	g_assert_false(tps_connection_get_timed_out(c));
	pair_clear(&p);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/connection/read-begin-op", test_read_begin_op);
	g_test_add_func("/tps/connection/prefix", test_prefix);
	g_test_add_func("/tps/connection/transmit", test_transmit);
	g_test_add_func("/tps/connection/malformed", test_malformed);
	g_test_add_func("/tps/connection/bad-framing", test_bad_framing);
	g_test_add_func("/tps/connection/oversized", test_oversized);
	g_test_add_func("/tps/connection/body-ended", test_body_ended);
	g_test_add_func("/tps/connection/disconnect", test_disconnect);
	g_test_add_func("/tps/connection/write-to-gone-client", test_write_to_gone_client);
	g_test_add_func("/tps/connection/deadline", test_deadline);
	g_test_add_func("/tps/connection/finish-bounded", test_finish_bounded);
	g_test_add_func("/tps/connection/cancel", test_cancel);
	return g_test_run();
}
