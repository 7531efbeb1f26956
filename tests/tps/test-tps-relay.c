/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TpsTestRelay's HTTP and chunk client against a tiny scripted server (GThreadedSocketService,
 * TLS with certificates made here with OpenSSL): the request head, BEGIN_OP byte for byte as
 * ESC sends it (protocol.md 1.7), the answers to LOGIN / EXTENDED_LOGIN / NEW_PIN /
 * STATUS_UPDATE, APDU relaying, tampering, dropping the connection, the transcript, the
 * certificate check, and every failure: bad heads, early close, unexpected messages.
 *
 * The relay blocks, and the service accepts on the main context, so each relay run happens in
 * a thread of its own while the main thread iterates the main context.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "tok-bytes.h"
#include "tok-chunked-stream.h"
#include "tok-error.h"
#include "th-test-cert.h"
#include "tps-test-relay.h"

#define SERVER_WAIT_US (30 * G_TIME_SPAN_SECOND)

/* protocol.md 1.7: BEGIN_OP exactly as ESC produces it */
#define ESC_BEGIN_OP                                                                               \
	"s=204&msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1" \
	"%26tokenATR%3D3BFF1400FF8131FE458025A00000005657534336353003003B%26statusUpdate%3Dtrue%26"  \
	"extendedLoginRequest%3Dtrue%26"
#define ESC_ATR "3BFF1400FF8131FE458025A00000005657534336353003003B"

/* ---- the scripted server -------------------------------------------------------------- */

typedef struct _TestServer TestServer;
typedef void (*ServerScript)(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer);

struct _TestServer {
	GSocketService *service;
	guint16 port;
	GTlsCertificate *certificate; /* NULL: plain HTTP */
	const gchar *response_head;   /* NULL: 200 + chunked */
	ServerScript script;
	GMutex lock;
	GCond cond;
	gboolean done;
	gchar *request_head;
	GPtrArray *log; /* what the server saw, for the test to check */
};

static void
server_log(TestServer *server, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
server_log(TestServer *server, const gchar *format, ...)
{
	va_list args;
	gchar *line;

	va_start(args, format);
	line = g_strdup_vprintf(format, args);
	va_end(args);
	g_mutex_lock(&server->lock);
	g_ptr_array_add(server->log, line);
	g_mutex_unlock(&server->lock);
}

static void
server_send(TokChunkedWriter *writer, TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_tps_message_encode(msg, &error);

	g_assert_no_error(error);
	/* the client may be gone already: that is what some tests are about */
	if (!tok_chunked_writer_write(writer, wire, NULL, &error))
		g_debug("server write: %s", error->message);
}

static void
server_send_raw_chunk(TokChunkedWriter *writer, const gchar *text)
{
	g_autoptr(GBytes) chunk = g_bytes_new(text, strlen(text));

	g_assert_true(tok_chunked_writer_write(writer, chunk, NULL, NULL));
}

/* The next client message; NULL (logged as "end" or "error: ...") at the end. */
static TokTpsMessage *
server_read(TestServer *server, TokChunkedReader *reader)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, &error);
	TokTpsMessage *msg;

	if (chunk == NULL) {
		if (error != NULL)
			server_log(server, "error: %s %d", g_quark_to_string(error->domain), error->code);
		else
			server_log(server, "end");
		return NULL;
	}
	msg = tok_tps_message_parse_bytes(chunk, 0, &error);
	if (msg == NULL)
		server_log(server, "bad message: %.*s", (gint)g_bytes_get_size(chunk), (const gchar *)g_bytes_get_data(chunk, NULL));
	return msg;
}

static TokTpsMessage *
server_expect(TestServer *server, TokChunkedReader *reader, TokTpsMsgType type)
{
	g_autoptr(TokTpsMessage) msg = server_read(server, reader);

	g_assert_nonnull(msg);
	g_assert_cmpint(tok_tps_message_get_msg_type(msg), ==, type);
	return g_steal_pointer(&msg);
}

static void
server_expect_begin_op(TestServer *server, TokChunkedReader *reader)
{
	g_autoptr(TokTpsMessage) begin = server_expect(server, reader, TOK_TPS_MSG_TYPE_BEGIN_OP);

	g_assert_nonnull(begin);
}

static void
server_end_op(TokChunkedWriter *writer, TokTpsOperation op, guint result, TokTpsStatus status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) end = tok_tps_message_new_end_op(op, result, status, &error);

	g_assert_no_error(error);
	server_send(writer, end);
	if (!tok_chunked_writer_close(writer, NULL, &error))
		g_debug("server close: %s", error->message);
}

static void
server_pdu(TokChunkedWriter *writer, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) apdu = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_autoptr(TokTpsMessage) msg = NULL;

	g_assert_no_error(error);
	msg = tok_tps_message_new_token_pdu_request(apdu, &error);
	g_assert_no_error(error);
	server_send(writer, msg);
}

static gchar *
pdu_hex(TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);

	g_assert_no_error(error);
	return tok_hex_encode_bytes(pdu, TRUE);
}

static void
server_log_pdu(TestServer *server, TokTpsMessage *reply)
{
	g_autofree gchar *hex = pdu_hex(reply);

	server_log(server, "pdu %s", hex);
}

/* Reads the request head byte by byte (so no body byte is consumed). */
static gchar *
server_read_head(GInputStream *in)
{
	g_autoptr(GString) head = g_string_new(NULL);

	while (!g_str_has_suffix(head->str, "\r\n\r\n")) {
		gchar c;
		if (g_input_stream_read(in, &c, 1, NULL, NULL) != 1 || head->len > 8192)
			return NULL;
		g_string_append_c(head, c);
	}
	return g_string_free(g_steal_pointer(&head), FALSE);
}

static void
server_mark_done(TestServer *server)
{
	g_mutex_lock(&server->lock);
	server->done = TRUE;
	g_cond_signal(&server->cond);
	g_mutex_unlock(&server->lock);
}

static void
server_converse(TestServer *server, GIOStream *stream)
{
	g_autoptr(TokChunkedReader) reader = NULL;
	g_autoptr(TokChunkedWriter) writer = NULL;
	g_autofree gchar *head = server_read_head(g_io_stream_get_input_stream(stream));
	const gchar *response_head = server->response_head != NULL
					 ? server->response_head
					 : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n";

	g_mutex_lock(&server->lock);
	server->request_head = g_strdup(head);
	g_mutex_unlock(&server->lock);
	if (head == NULL)
		return;
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(stream),
				       response_head,
				       strlen(response_head),
				       NULL,
				       NULL,
				       NULL))
		return;
	if (server->script == NULL)
		return;
	reader = tok_chunked_reader_new(g_io_stream_get_input_stream(stream), NULL, 0);
	writer = tok_chunked_writer_new(g_io_stream_get_output_stream(stream));
	server->script(server, reader, writer);
}

static gboolean
server_run(GThreadedSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
	TestServer *server = user_data;
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GError) error = NULL;

	if (server->certificate == NULL) {
		server_converse(server, G_IO_STREAM(connection));
	} else {
		tls = g_tls_server_connection_new(G_IO_STREAM(connection), server->certificate, &error);
		g_assert_no_error(error);
		if (g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, &error))
			server_converse(server, tls);
		else
			server_log(server, "handshake failed");
	}
	g_io_stream_close(tls != NULL ? tls : G_IO_STREAM(connection), NULL, NULL);
	server_mark_done(server);
	return TRUE;
}

static void
server_wait(TestServer *server)
{
	gint64 end = g_get_monotonic_time() + SERVER_WAIT_US;

	g_mutex_lock(&server->lock);
	while (!server->done) {
		if (!g_cond_wait_until(&server->cond, &server->lock, end))
			break;
	}
	g_mutex_unlock(&server->lock);
	g_assert_true(server->done);
}

static const gchar *
server_last_log(TestServer *server)
{
	g_assert_cmpuint(server->log->len, >, 0);
	return g_ptr_array_index(server->log, server->log->len - 1);
}

/* ---- fixture -------------------------------------------------------------------------- */

typedef struct {
	gchar *dir;
	ThTestCert *ca;
	ThTestCert *leaf;	      /* issued by ca, CN=tpsd.example */
	ThTestCert *self;	      /* self-signed, CN=127.0.0.1 */
	ThTestCert *other;      /* self-signed, unrelated */
	gchar *response_head; /* owned copy when a test builds one */
	TestServer server;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;

	f->dir = g_dir_make_tmp("tps-relay-XXXXXX", &error);
	g_assert_no_error(error);
	f->ca = th_test_cert_new(f->dir, "ca", "Relay Test CA", NULL, NULL, TRUE);
	f->leaf = th_test_cert_new(f->dir, "leaf", "tpsd.example", NULL, f->ca, FALSE);
	f->self = th_test_cert_new(f->dir, "self", "127.0.0.1", NULL, NULL, FALSE);
	f->other = th_test_cert_new(f->dir, "other", "127.0.0.1", NULL, NULL, FALSE);

	g_mutex_init(&f->server.lock);
	g_cond_init(&f->server.cond);
	f->server.log = g_ptr_array_new_with_free_func(g_free);
	f->server.certificate = g_tls_certificate_new_from_file(f->self->pem_path, &error);
	g_assert_no_error(error);
	f->server.service = g_threaded_socket_service_new(4);
	g_assert_true(g_socket_listener_add_address(G_SOCKET_LISTENER(f->server.service),
						    address,
						    G_SOCKET_TYPE_STREAM,
						    G_SOCKET_PROTOCOL_TCP,
						    NULL,
						    &effective,
						    &error));
	g_assert_no_error(error);
	f->server.port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	g_signal_connect(f->server.service, "run", G_CALLBACK(server_run), &f->server);
	g_socket_service_start(f->server.service);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_socket_service_stop(f->server.service);
	g_socket_listener_close(G_SOCKET_LISTENER(f->server.service));
	g_clear_object(&f->server.service);
	g_clear_object(&f->server.certificate);
	g_ptr_array_unref(f->server.log);
	g_free(f->server.request_head);
	g_mutex_clear(&f->server.lock);
	g_cond_clear(&f->server.cond);
	/* each removes its files */
	g_clear_pointer(&f->ca, th_test_cert_free);
	g_clear_pointer(&f->leaf, th_test_cert_free);
	g_clear_pointer(&f->self, th_test_cert_free);
	g_clear_pointer(&f->other, th_test_cert_free);
	g_rmdir(f->dir);
	g_free(f->dir);
	g_free(f->response_head);
}

static gboolean
have_tls(void)
{
	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend (glib-networking)");
		return FALSE;
	}
	return TRUE;
}

/* ---- the relay in a thread ------------------------------------------------------------ */

typedef struct {
	TpsTestRelay *relay;
	TokTpsOperation operation;
	TpsTestRelayResult result;
	GError *error;
	gboolean ok;
	gint done;
} RelayJob;

static gpointer
relay_job_thread(gpointer data)
{
	RelayJob *job = data;

	job->ok = tps_test_relay_run(job->relay, job->operation, &job->result, &job->error);
	g_atomic_int_set(&job->done, 1);
	g_main_context_wakeup(NULL);
	return NULL;
}

/* Runs the relay in a thread while this one accepts connections; returns run()'s value. */
static gboolean
relay_run(TpsTestRelay *relay, TokTpsOperation operation, TpsTestRelayResult *result, GError **error)
{
	RelayJob job = {.relay = relay, .operation = operation};
	GThread *thread = g_thread_new("relay", relay_job_thread, &job);

	while (!g_atomic_int_get(&job.done))
		g_main_context_iteration(NULL, TRUE);
	g_thread_join(thread);
	*result = job.result;
	if (job.error != NULL)
		g_propagate_error(error, job.error);
	return job.ok;
}

/* Fake card: the response is INS || 90 00. */
static GBytes *
fake_card(GBytes *apdu, gpointer user_data, GError **error)
{
	const guint8 *data = g_bytes_get_data(apdu, NULL);
	guint8 response[3] = {data[1], 0x90, 0x00};
	guint *count = user_data;

	if (count != NULL)
		(*count)++;
	return g_bytes_new(response, sizeof(response));
}

static TpsTestRelay *
new_relay(Fixture *f, const gchar *trust_file)
{
	TpsTestRelay *relay = tps_test_relay_new("127.0.0.1", f->server.port, trust_file);

	tps_test_relay_set_transmit_func(relay, fake_card, NULL);
	tps_test_relay_set_timeout(relay, 20);
	return relay;
}

static gchar *
expected_request_head(Fixture *f)
{
	return g_strdup_printf("POST /tps/tps HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
			       "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n",
			       f->server.port);
}

static void
assert_transcript(TpsTestRelay *relay, const gchar *const *expected)
{
	GPtrArray *t = tps_test_relay_get_transcript(relay);
	g_autofree gchar *text = tps_test_relay_get_transcript_text(relay);

	g_test_message("transcript:\n%s", text);
	for (guint i = 0; expected[i] != NULL; i++) {
		g_assert_cmpuint(i, <, t->len);
		if (g_str_has_suffix(expected[i], "*")) {
			g_autofree gchar *prefix = g_strndup(expected[i], strlen(expected[i]) - 1);
			g_assert_true(g_str_has_prefix(g_ptr_array_index(t, i), prefix));
		} else
			g_assert_cmpstr(g_ptr_array_index(t, i), ==, expected[i]);
	}
	g_assert_cmpuint(t->len, ==, g_strv_length((gchar **)expected));
}

/* ---- scripts -------------------------------------------------------------------------- */

/* An ENROLL-like exchange with every kind of request. */
static void
script_enroll(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) begin = server_expect(server, reader, TOK_TPS_MSG_TYPE_BEGIN_OP);
	g_autoptr(TokTpsMessage) login = NULL;
	g_autoptr(TokTpsMessage) reply = NULL;
	g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func((GDestroyNotify)tok_tps_login_parameter_free);
	g_autoptr(TokSecret) uid = NULL;
	g_autoptr(TokSecret) password = NULL;
	g_autoptr(TokSecret) pin = NULL;
	g_auto(GStrv) ext = tok_tps_message_get_extensions(begin, &error);
	const gchar *want_ext[] = {"tokenType", "userKey", "clientVersion", "ESC 1.0.1", "tokenATR", "3B80800101",
				   "statusUpdate", "true", "extendedLoginRequest", "true", NULL};
	TokTpsOperation op = 0;
	guint percent = 0;

	g_assert_no_error(error);
	g_assert_true(tok_tps_message_get_operation(begin, &op, NULL));
	g_assert_cmpint(op, ==, TOK_TPS_OPERATION_ENROLL);
	g_assert_cmpstrv(ext, want_ext);

	g_ptr_array_add(params, tok_tps_login_parameter_new("UID", "LDAP User ID", "LDAP User ID", "string", ""));
	g_ptr_array_add(params, tok_tps_login_parameter_new("PASSWORD", "LDAP Password", "LDAP Password", "password", ""));
	login = tok_tps_message_new_extended_login_request(FALSE, FALSE, "LDAP Authentication", "Who are you", params, &error);
	g_assert_no_error(error);
	server_send(writer, login);
	reply = server_expect(server, reader, TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_RESPONSE);
	uid = tok_tps_message_lookup_extended_login_value(reply, "UID", &error);
	g_assert_no_error(error);
	password = tok_tps_message_lookup_extended_login_value(reply, "PASSWORD", &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(uid, (const guint8 *)"alice", 5));
	g_assert_true(tok_secret_equal_data(password, (const guint8 *)"pw 1&2=x", 8));
	g_clear_pointer(&reply, tok_tps_message_unref);

	server_pdu(writer, "00 A4 04 00 00");
	reply = server_expect(server, reader, TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE);
	server_log_pdu(server, reply);
	g_clear_pointer(&reply, tok_tps_message_unref);
	server_pdu(writer, "80 CA 9F 7F 2D");
	reply = server_expect(server, reader, TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE);
	server_log_pdu(server, reply);
	g_clear_pointer(&reply, tok_tps_message_unref);

	g_clear_pointer(&login, tok_tps_message_unref);
	login = tok_tps_message_new_new_pin_request(4, 10, &error);
	g_assert_no_error(error);
	server_send(writer, login);
	reply = server_expect(server, reader, TOK_TPS_MSG_TYPE_NEW_PIN_RESPONSE);
	pin = tok_tps_message_get_new_pin(reply, &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(pin, (const guint8 *)"123456", 6));
	g_clear_pointer(&reply, tok_tps_message_unref);

	g_clear_pointer(&login, tok_tps_message_unref);
	login = tok_tps_message_new_status_update_request(50, "PROGRESS_TEST", &error);
	g_assert_no_error(error);
	server_send(writer, login);
	reply = server_expect(server, reader, TOK_TPS_MSG_TYPE_STATUS_UPDATE_RESPONSE);
	g_assert_true(tok_tps_message_get_status_update_response(reply, &percent, NULL));
	g_assert_cmpuint(percent, ==, 50);

	server_end_op(writer, TOK_TPS_OPERATION_ENROLL, 0, TOK_TPS_STATUS_NO_ERROR);
	g_assert_null(server_read(server, reader)); /* logs "end": the client's terminating chunk */
}

static void
test_enroll_exchange(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *want_head = expected_request_head(f);
	TpsTestRelayResult result;
	guint card_calls = 0;
	const gchar *want[] = {
	    "C> msg_type=2&operation=1&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0%2E1%26"
	    "tokenATR%3D3B80800101%26statusUpdate%3Dtrue%26extendedLoginRequest%3Dtrue%26",
	    "S> msg_type=16&invalid_pw=0&blocked=0&title=LDAP+Authentication&description=Who+are+you&required_parameter0=*",
	    "C> msg_type=17&UID=(redacted)&PASSWORD=(redacted)",
	    "S> PDU 00A40400",
	    "C> PDU-RESPONSE 9000",
	    "S> PDU 80CA9F7F",
	    "C> PDU-RESPONSE 9000",
	    "S> msg_type=11&minimum_length=4&maximum_length=10",
	    "C> msg_type=12&new_pin=(redacted)",
	    "S> msg_type=14&current_state=50&next_task_name=PROGRESS_TEST",
	    "C> msg_type=15&current_state=50",
	    "S> msg_type=13&operation=1&result=0&message=0",
	    NULL,
	};

	if (!have_tls())
		return;
	f->server.script = script_enroll;
	relay = new_relay(f, f->self->cert_path);
	tps_test_relay_set_transmit_func(relay, fake_card, &card_calls);
	tps_test_relay_set_token_type(relay, "userKey");
	tps_test_relay_set_token_atr(relay, "3B80800101");
	tps_test_relay_set_status_update(relay, TRUE);
	tps_test_relay_set_extended_login(relay, TRUE);
	tps_test_relay_set_credentials(relay, "alice", "pw 1&2=x");
	tps_test_relay_set_new_pin(relay, "123456");
	g_assert_true(relay_run(relay, TOK_TPS_OPERATION_ENROLL, &result, &error));
	g_assert_no_error(error);
	server_wait(&f->server);

	g_assert_cmpstr(f->server.request_head, ==, want_head);
	g_assert_cmpuint(f->server.log->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 0), ==, "pdu A49000");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 1), ==, "pdu CA9000");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 2), ==, "end");

	g_assert_true(result.got_end_op);
	g_assert_true(result.clean_end);
	g_assert_false(result.dropped);
	g_assert_cmpint(result.operation, ==, TOK_TPS_OPERATION_ENROLL);
	g_assert_cmpuint(result.result, ==, 0);
	g_assert_cmpint(result.status, ==, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpuint(result.n_pdus, ==, 2);
	g_assert_cmpuint(card_calls, ==, 2);
	g_assert_cmpuint(result.n_status_updates, ==, 1);
	g_assert_cmpuint(result.new_pin_min, ==, 4);
	g_assert_cmpuint(result.new_pin_max, ==, 10);
	g_assert_true(result.extended_login_requested);
	g_assert_false(result.login_requested);
	assert_transcript(relay, want);
}

/* BEGIN_OP byte for byte as ESC (protocol.md 1.7), LOGIN_RESPONSE as the 1.10 literal. */
static void
script_login_failure(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	g_autoptr(GBytes) begin = tok_chunked_reader_read(reader, NULL, NULL);
	g_autoptr(GBytes) response = NULL;
	g_autoptr(TokTpsMessage) login = tok_tps_message_new_login_request(FALSE, FALSE);

	g_assert_nonnull(begin);
	server_log(server, "%.*s", (gint)g_bytes_get_size(begin), (const gchar *)g_bytes_get_data(begin, NULL));
	server_send(writer, login);
	response = tok_chunked_reader_read(reader, NULL, NULL);
	g_assert_nonnull(response);
	server_log(server, "%.*s", (gint)g_bytes_get_size(response), (const gchar *)g_bytes_get_data(response, NULL));
	server_end_op(writer, TOK_TPS_OPERATION_FORMAT, 1, TOK_TPS_STATUS_ERROR_LOGIN);
	g_assert_null(server_read(server, reader));
}

static void
test_esc_bytes_plain_http(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *want_head = expected_request_head(f);
	TpsTestRelayResult result;
	const gchar *esc_begin_op = ESC_BEGIN_OP;
	g_autofree gchar *first = g_strconcat("C> ", esc_begin_op + strlen("s=204&"), NULL);
	const gchar *want[] = {
	    first,
	    "S> msg_type=3&invalid_pw=0&blocked=0",
	    "C> msg_type=4&screen_name=(redacted)&password=(redacted)",
	    "S> msg_type=13&operation=5&result=1&message=14",
	    NULL,
	};

	g_clear_object(&f->server.certificate); /* plain HTTP */
	f->server.script = script_login_failure;
	relay = new_relay(f, NULL);
	tps_test_relay_set_token_type(relay, "userKey");
	tps_test_relay_set_token_atr(relay, ESC_ATR);
	tps_test_relay_set_status_update(relay, TRUE);
	tps_test_relay_set_extended_login(relay, TRUE);
	tps_test_relay_set_credentials(relay, "user1", "secret123");
	g_assert_true(relay_run(relay, TOK_TPS_OPERATION_FORMAT, &result, &error));
	g_assert_no_error(error);
	server_wait(&f->server);

	g_assert_cmpstr(f->server.request_head, ==, want_head);
	g_assert_cmpuint(f->server.log->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 0), ==, ESC_BEGIN_OP);
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 1), ==, "s=47&msg_type=4&screen_name=user1&password=secret123");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 2), ==, "end");
	g_assert_true(result.got_end_op);
	g_assert_true(result.login_requested);
	g_assert_cmpint(result.operation, ==, TOK_TPS_OPERATION_FORMAT);
	g_assert_cmpuint(result.result, ==, 1);
	g_assert_cmpint(result.status, ==, TOK_TPS_STATUS_ERROR_LOGIN);
	g_assert_cmpuint(result.n_pdus, ==, 0);
	assert_transcript(relay, want);
}

static void
script_minimal(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);

	server_end_op(writer, TOK_TPS_OPERATION_FORMAT, 0, TOK_TPS_STATUS_NO_ERROR);
	g_assert_null(server_read(server, reader));
}

/* The trust file is the issuer, the server's certificate names another host: accepted. */
static void
test_trust_issuer(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result;

	if (!have_tls())
		return;
	g_clear_object(&f->server.certificate);
	f->server.certificate = g_tls_certificate_new_from_file(f->leaf->pem_path, &error);
	g_assert_no_error(error);
	f->server.script = script_minimal;
	relay = new_relay(f, f->ca->cert_path);
	g_assert_true(relay_run(relay, TOK_TPS_OPERATION_FORMAT, &result, &error));
	g_assert_no_error(error);
	server_wait(&f->server);
	g_assert_true(result.got_end_op);
	g_assert_cmpuint(result.result, ==, 0);
	g_assert_true(result.clean_end);
}

static void
test_untrusted(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result;

	if (!have_tls())
		return;
	f->server.script = script_minimal;
	relay = new_relay(f, f->other->cert_path);
	g_assert_false(relay_run(relay, TOK_TPS_OPERATION_FORMAT, &result, &error));
	g_assert_error(error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
	g_assert_false(result.got_end_op);
	server_wait(&f->server);
	g_assert_cmpstr(server_last_log(&f->server), ==, "handshake failed");
}

static void
test_missing_trust_file(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *missing = g_build_filename(f->dir, "missing.crt", NULL);
	g_autofree gchar *empty = g_build_filename(f->dir, "empty.crt", NULL);
	TpsTestRelayResult result;

	if (!have_tls())
		return;
	relay = new_relay(f, missing);
	g_assert_false(relay_run(relay, TOK_TPS_OPERATION_FORMAT, &result, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_clear_error(&error);
	g_clear_pointer(&relay, tps_test_relay_free);

	g_assert_true(g_file_set_contents(empty, "no certificate here\n", -1, NULL));
	relay = new_relay(f, empty);
	g_assert_false(relay_run(relay, TOK_TPS_OPERATION_FORMAT, &result, &error));
	g_assert_nonnull(error);
	g_assert_true(g_str_has_prefix(error->message, "cannot load the trusted certificate"));
	g_unlink(empty);
}

static void
script_three_pdus(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);

	for (guint i = 0; i < 3; i++) {
		g_autoptr(TokTpsMessage) reply = NULL;

		server_pdu(writer, i == 0 ? "00 A4 04 00 00" : "B0 3C 00 00 10");
		reply = server_read(server, reader);
		if (reply == NULL)
			return;
		server_log_pdu(server, reply);
	}
	server_end_op(writer, TOK_TPS_OPERATION_ENROLL, 0, TOK_TPS_STATUS_NO_ERROR);
	g_assert_null(server_read(server, reader));
}

static void
test_drop_after_pdus(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result;

	if (!have_tls())
		return;
	f->server.script = script_three_pdus;
	relay = new_relay(f, f->self->cert_path);
	tps_test_relay_set_drop_after_pdus(relay, 2);
	g_assert_true(relay_run(relay, TOK_TPS_OPERATION_ENROLL, &result, &error));
	g_assert_no_error(error);
	server_wait(&f->server);
	g_assert_true(result.dropped);
	g_assert_false(result.got_end_op);
	g_assert_cmpuint(result.n_pdus, ==, 2);
	g_assert_cmpuint(f->server.log->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 0), ==, "pdu A49000");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 1), ==, "pdu 3C9000");
	/* the server saw the connection end without a terminating chunk */
	g_assert_true(g_str_has_prefix(g_ptr_array_index(f->server.log, 2), "error: "));
	/* and the last line of the transcript is the unanswered request */
	g_assert_cmpstr(g_ptr_array_index(tps_test_relay_get_transcript(relay), 5), ==, "S> PDU B03C0000");
	g_assert_cmpuint(tps_test_relay_get_transcript(relay)->len, ==, 6);
}

static GBytes *
tamper_second(guint index, GBytes *apdu, GBytes *response, gpointer user_data)
{
	const guint8 sw[] = {0x6A, 0x82};
	guint *calls = user_data;

	(*calls)++;
	if (index != 1)
		return NULL;
	g_assert_cmphex(((const guint8 *)g_bytes_get_data(apdu, NULL))[1], ==, 0x3C);
	g_assert_cmpuint(g_bytes_get_size(response), ==, 3);
	return g_bytes_new(sw, sizeof(sw));
}

static void
test_tamper(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result;
	guint calls = 0;

	if (!have_tls())
		return;
	f->server.script = script_three_pdus;
	relay = new_relay(f, f->self->cert_path);
	tps_test_relay_set_tamper_func(relay, tamper_second, &calls);
	g_assert_true(relay_run(relay, TOK_TPS_OPERATION_ENROLL, &result, &error));
	g_assert_no_error(error);
	server_wait(&f->server);
	g_assert_cmpuint(calls, ==, 3);
	g_assert_cmpuint(result.n_pdus, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 0), ==, "pdu A49000");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 1), ==, "pdu 6A82");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 2), ==, "pdu 3C9000");
	g_assert_cmpstr(g_ptr_array_index(tps_test_relay_get_transcript(relay), 4), ==, "C> PDU-RESPONSE 6A82");
}

/* ---- failures ------------------------------------------------------------------------- */

static void
script_new_pin(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);
	g_autoptr(TokTpsMessage) req = tok_tps_message_new_new_pin_request(4, 10, NULL);

	server_send(writer, req);
	g_assert_null(server_read(server, reader));
}

static void
script_login(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);
	g_autoptr(TokTpsMessage) req = tok_tps_message_new_login_request(FALSE, FALSE);

	server_send(writer, req);
	g_assert_null(server_read(server, reader));
}

static void
script_pdu_no_card(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);

	server_pdu(writer, "00 A4 04 00 00");
	g_assert_null(server_read(server, reader));
}

static void
script_close_after_begin(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);
}

static void
script_end_without_end_op(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);

	g_assert_true(tok_chunked_writer_close(writer, NULL, NULL));
	server_read(server, reader);
}

static void
script_client_message(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);
	g_autoptr(TokTpsMessage) msg = tok_tps_message_new_status_update_response(5, NULL);

	server_send(writer, msg);
	server_read(server, reader);
}

static void
script_garbage(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);

	server_send_raw_chunk(writer, "hello");
	server_read(server, reader);
}

static void
script_after_end_op(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	server_expect_begin_op(server, reader);
	g_autoptr(TokTpsMessage) end = tok_tps_message_new_end_op(TOK_TPS_OPERATION_ENROLL, 0, 0, NULL);
	g_autoptr(TokTpsMessage) more = tok_tps_message_new_status_update_request(100, "PROGRESS_DONE", NULL);

	server_send(writer, end);
	server_send(writer, more);
	server_read(server, reader);
}

typedef struct {
	const gchar *name;
	ServerScript script;
	GQuark (*domain)(void);
	gint code;
	const gchar *message_part;
} FailureCase;

static const FailureCase failure_cases[] = {
    {"new-pin-without-pin", script_new_pin, tok_error_quark, TOK_ERROR_PROTOCOL, "a new PIN"},
    {"login-without-credentials", script_login, tok_error_quark, TOK_ERROR_PROTOCOL, "a user id"},
    {"pdu-without-card", script_pdu_no_card, tok_error_quark, TOK_ERROR_PROTOCOL, "no card"},
    {"close-after-begin-op", script_close_after_begin, tok_error_quark, TOK_ERROR_TRUNCATED, "failed to read"},
    {"end-without-end-op", script_end_without_end_op, tok_error_quark, TOK_ERROR_TRUNCATED, "before END_OP"},
    {"client-message-from-server", script_client_message, tok_error_quark, TOK_ERROR_PROTOCOL, "STATUS_UPDATE_RESPONSE"},
    {"garbage-chunk", script_garbage, tok_error_quark, TOK_ERROR_INVALID_DATA, "not a message"},
    {"message-after-end-op", script_after_end_op, tok_error_quark, TOK_ERROR_PROTOCOL, "after END_OP"},
};

static void
test_failure(Fixture *f, gconstpointer data)
{
	const FailureCase *c = data;
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result;

	if (!have_tls())
		return;
	f->server.script = c->script;
	relay = new_relay(f, f->self->cert_path);
	if (c->script == script_pdu_no_card)
		tps_test_relay_set_transmit_func(relay, NULL, NULL);
	g_assert_false(relay_run(relay, TOK_TPS_OPERATION_ENROLL, &result, &error));
	g_assert_nonnull(error);
	g_test_message("%s: %s", c->name, error->message);
	g_assert_error(error, c->domain(), c->code);
	g_assert_nonnull(strstr(error->message, c->message_part));
	server_wait(&f->server);
}

/* ---- response heads ------------------------------------------------------------------- */

typedef struct {
	const gchar *name;
	const gchar *head; /* NULL: a 20 kB head */
	gint code;
} HeadCase;

static const HeadCase head_cases[] = {
    {"status-400", "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", TOK_ERROR_PROTOCOL},
    {"status-405", "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", TOK_ERROR_PROTOCOL},
    {"not-chunked", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", TOK_ERROR_PROTOCOL},
    {"not-http", "SSH-2.0-OpenSSH\r\n\r\n", TOK_ERROR_INVALID_DATA},
    {"cut-short", "HTTP/1.1 200 OK\r\nTransfer-Enc", TOK_ERROR_TRUNCATED},
    {"too-large", NULL, TOK_ERROR_TOO_LARGE},
};

static void
test_bad_head(Fixture *f, gconstpointer data)
{
	const HeadCase *c = data;
	g_autoptr(TpsTestRelay) relay = NULL;
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result;

	if (!have_tls())
		return;
	if (c->head == NULL) {
		g_autoptr(GString) big = g_string_new("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n");
		while (big->len < 20000)
			g_string_append(big, "X-Padding: 0123456789012345678901234567890123456789\r\n");
		g_string_append(big, "\r\n");
		f->response_head = g_string_free(g_steal_pointer(&big), FALSE);
		f->server.response_head = f->response_head;
	} else {
		f->server.response_head = c->head;
	}
	relay = new_relay(f, f->self->cert_path);
	g_assert_false(relay_run(relay, TOK_TPS_OPERATION_ENROLL, &result, &error));
	g_test_message("%s: %s", c->name, error->message);
	g_assert_error(error, TOK_ERROR, c->code);
	server_wait(&f->server);
}

static void
test_parse_response_head(void)
{
	const gchar *ok = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	const gchar *plain = "HTTP/1.0 500 Oops\r\nContent-Length: 3\r\n\r\n";
	const guint8 nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
	g_autoptr(GError) error = NULL;
	guint status = 0;
	gboolean chunked = FALSE;

	g_assert_true(tps_test_relay_parse_response_head((const guint8 *)ok, strlen(ok), &status, &chunked, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(status, ==, 200);
	g_assert_true(chunked);
	g_assert_true(tps_test_relay_parse_response_head((const guint8 *)plain, strlen(plain), &status, &chunked, &error));
	g_assert_cmpuint(status, ==, 500);
	g_assert_false(chunked);

	g_assert_false(tps_test_relay_parse_response_head((const guint8 *)"", 0, &status, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tps_test_relay_parse_response_head((const guint8 *)"garbage\r\n\r\n", 11, NULL, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tps_test_relay_parse_response_head(nul, sizeof(nul) - 1, NULL, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tps_test_relay_parse_response_head((const guint8 *)ok, TPS_TEST_RELAY_MAX_HEAD + 1, NULL, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

/* ---- the lower-level connection ------------------------------------------------------- */

static void
script_log_chunks(TestServer *server, TokChunkedReader *reader, TokChunkedWriter *writer)
{
	for (;;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, &error);

		if (chunk == NULL) {
			if (error != NULL)
				server_log(server, "error: %s %d", g_quark_to_string(error->domain), error->code);
			else
				server_log(server, "end");
			return;
		}
		server_log(server, "chunk %.*s", (gint)g_bytes_get_size(chunk), (const gchar *)g_bytes_get_data(chunk, NULL));
	}
}

typedef struct {
	TpsTestRelay *relay;
	gint done;
	gboolean raw; /* end with bad framing instead of the terminating chunk */
} ConnJob;

static gpointer
conn_job_thread(gpointer data)
{
	ConnJob *job = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTestRelayConn) conn = tps_test_relay_connect(job->relay, &error);
	g_autoptr(TokTpsMessage) msg = tok_tps_message_new_status_update_response(7, NULL);

	g_assert_no_error(error);
	g_assert_true(tps_test_relay_conn_send_chunk(conn, (const guint8 *)"garbage", 7, &error));
	g_assert_true(tps_test_relay_conn_send(conn, msg, &error));
	g_assert_no_error(error);
	if (job->raw)
		g_assert_true(tps_test_relay_conn_send_raw(conn, (const guint8 *)"zz\r\n", 4, &error));
	else
		g_assert_true(tps_test_relay_conn_send_end(conn, &error));
	g_assert_no_error(error);
	/* the server closes after the body: no message, and not a clean end */
	g_assert_null(tps_test_relay_conn_read(conn, &error));
	g_assert_nonnull(error);
	g_atomic_int_set(&job->done, 1);
	g_main_context_wakeup(NULL);
	return NULL;
}

static void
test_conn_raw(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsTestRelay) relay = NULL;
	ConnJob job = {.raw = GPOINTER_TO_INT(data)};
	GThread *thread;

	if (!have_tls())
		return;
	f->server.script = script_log_chunks;
	relay = new_relay(f, f->self->cert_path);
	job.relay = relay;
	thread = g_thread_new("conn", conn_job_thread, &job);
	while (!g_atomic_int_get(&job.done))
		g_main_context_iteration(NULL, TRUE);
	g_thread_join(thread);
	server_wait(&f->server);
	g_assert_cmpuint(f->server.log->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 0), ==, "chunk garbage");
	g_assert_cmpstr(g_ptr_array_index(f->server.log, 1), ==, "chunk s=27&msg_type=15&current_state=7");
	if (job.raw)
		g_assert_cmpstr(g_ptr_array_index(f->server.log, 2), ==, "error: tok-error-quark 1");
	else
		g_assert_cmpstr(g_ptr_array_index(f->server.log, 2), ==, "end");
	g_assert_cmpuint(tps_test_relay_get_transcript(relay)->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(tps_test_relay_get_transcript(relay), 0), ==, "C> msg_type=15&current_state=7");
}

/* ---- transcript lines ----------------------------------------------------------------- */

static void
test_transcript_lines(void)
{
	const guint8 apdu[] = {0x84, 0x82, 0x03, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	const guint8 resp[] = {0x01, 0x02, 0x63, 0xC2};
	g_autoptr(GBytes) apdu_bytes = g_bytes_new(apdu, sizeof(apdu));
	g_autoptr(GBytes) resp_bytes = g_bytes_new(resp, sizeof(resp));
	g_autoptr(TokSecret) password = tok_secret_new_from_text("hunter2");
	g_autoptr(TokSecret) pin = tok_secret_new_from_text("9876");
	g_autoptr(TokTpsMessage) req = tok_tps_message_new_token_pdu_request(apdu_bytes, NULL);
	g_autoptr(TokTpsMessage) rsp = tok_tps_message_new_token_pdu_response(resp_bytes, NULL);
	g_autoptr(TokTpsMessage) login = tok_tps_message_new_login_response("bob", password, NULL);
	g_autoptr(TokTpsMessage) new_pin = tok_tps_message_new_new_pin_response(pin, NULL);
	g_autoptr(TokTpsMessage) end = tok_tps_message_new_end_op(TOK_TPS_OPERATION_RESET_PIN, 1, 27, NULL);
	g_autofree gchar *l1 = tps_test_relay_transcript_line("S> ", req);
	g_autofree gchar *l2 = tps_test_relay_transcript_line("C> ", rsp);
	g_autofree gchar *l3 = tps_test_relay_transcript_line("C> ", login);
	g_autofree gchar *l4 = tps_test_relay_transcript_line("C> ", new_pin);
	g_autofree gchar *l5 = tps_test_relay_transcript_line("S> ", end);

	g_assert_cmpstr(l1, ==, "S> PDU 84820300");
	g_assert_cmpstr(l2, ==, "C> PDU-RESPONSE 63C2");
	g_assert_cmpstr(l3, ==, "C> msg_type=4&screen_name=(redacted)&password=(redacted)");
	g_assert_cmpstr(l4, ==, "C> msg_type=12&new_pin=(redacted)");
	g_assert_cmpstr(l5, ==, "S> msg_type=13&operation=3&result=1&message=27");
}

/* LeakSanitizer crashes walking the dynamic TLS of the dlopen()ed GnuTLS GIO module on this
 * glibc ("Tracer caught signal 11"); not intercepting __tls_get_addr avoids it. Options from
 * $ASAN_OPTIONS still apply on top. */
const char *
__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "intercept_tls_get_addr=0";
}

#define ADD(path, data, fn) g_test_add((path), Fixture, (data), fixture_setup, (fn), fixture_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/relay/parse-response-head", test_parse_response_head);
	g_test_add_func("/tps/relay/transcript-lines", test_transcript_lines);
	ADD("/tps/relay/exchange/enroll", NULL, test_enroll_exchange);
	ADD("/tps/relay/exchange/esc-bytes-plain-http", NULL, test_esc_bytes_plain_http);
	ADD("/tps/relay/exchange/drop-after-pdus", NULL, test_drop_after_pdus);
	ADD("/tps/relay/exchange/tamper", NULL, test_tamper);
	ADD("/tps/relay/tls/trust-issuer", NULL, test_trust_issuer);
	ADD("/tps/relay/tls/untrusted", NULL, test_untrusted);
	ADD("/tps/relay/tls/missing-trust-file", NULL, test_missing_trust_file);
	ADD("/tps/relay/conn/raw-chunks", GINT_TO_POINTER(FALSE), test_conn_raw);
	ADD("/tps/relay/conn/bad-framing", GINT_TO_POINTER(TRUE), test_conn_raw);
	for (guint i = 0; i < G_N_ELEMENTS(failure_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/tps/relay/failure/%s", failure_cases[i].name);
		ADD(path, &failure_cases[i], test_failure);
	}
	for (guint i = 0; i < G_N_ELEMENTS(head_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/tps/relay/head/%s", head_cases[i].name);
		ADD(path, &head_cases[i], test_bad_head);
	}
	return g_test_run();
}
