/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "tok-chunked-stream.h"
#include "tok-error.h"
#include "tps-error.h"
#include "tps-http-server.h"

#define PHONE_HOME_XML                                                                             \
	"<ServiceInfo>\n<IssuerName>Test</IssuerName>\n<Services>\n"                               \
	"<Operation>https://127.0.0.1:8443/tps/tps</Operation>\n<UI></UI>\n"                       \
	"<EnrolledTokenBrowserURL></EnrolledTokenBrowserURL>\n<EnrolledTokenURL></EnrolledTokenURL>\n" \
	"<TokenType>userKey</TokenType>\n</Services>\n</ServiceInfo>\n"

/* ----------------------------------------------------------------------------------------- */
/* test certificate: EC P-256, self-signed, SAN IP:127.0.0.1, made with OpenSSL at run time */

static gchar *
bio_to_string(BIO *bio)
{
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	return g_strndup(data, (gsize)len);
}

static GTlsCertificate *
make_test_certificate(void)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x509 = X509_new();
	X509_NAME *name;
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	BIO *bio = BIO_new(BIO_s_mem());
	g_autofree gchar *cert_pem = NULL;
	g_autofree gchar *key_pem = NULL;
	g_autofree gchar *pem = NULL;
	g_autoptr(GError) error = NULL;
	GTlsCertificate *cert;

	g_assert_nonnull(pkey);
	g_assert_nonnull(x509);
	g_assert_cmpint(X509_set_version(x509, 2), ==, 1);
	g_assert_cmpint(ASN1_INTEGER_set(X509_get_serialNumber(x509), 1), ==, 1);
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(x509), -3600));
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(x509), 3600));
	g_assert_cmpint(X509_set_pubkey(x509, pkey), ==, 1);
	name = X509_get_subject_name(x509);
	g_assert_cmpint(X509_NAME_add_entry_by_txt(name,
						   "CN",
						   MBSTRING_ASC,
						   (const unsigned char *)"tps-test",
						   -1,
						   -1,
						   0),
			==,
			1);
	g_assert_cmpint(X509_set_issuer_name(x509, name), ==, 1);
	X509V3_set_ctx(&ctx, x509, x509, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
	g_assert_nonnull(ext);
	g_assert_cmpint(X509_add_ext(x509, ext, -1), ==, 1);
	X509_EXTENSION_free(ext);
	g_assert_cmpint(X509_sign(x509, pkey, EVP_sha256()), >, 0);

	g_assert_cmpint(PEM_write_bio_X509(bio, x509), ==, 1);
	cert_pem = bio_to_string(bio);
	g_assert_cmpint(BIO_reset(bio), ==, 1);
	g_assert_cmpint(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), ==, 1);
	key_pem = bio_to_string(bio);
	BIO_free(bio);
	X509_free(x509);
	EVP_PKEY_free(pkey);

	pem = g_strconcat(cert_pem, key_pem, NULL);
	cert = g_tls_certificate_new_from_pem(pem, -1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cert);
	return cert;
}

/* ----------------------------------------------------------------------------------------- */
/* running blocking clients in threads while the main context serves */

typedef void (*ClientFunc)(gpointer data);

typedef struct {
	ClientFunc func;
	gpointer data;
	gint done;
} ClientThread;

static gpointer
client_thread_main(gpointer user_data)
{
	ClientThread *ct = user_data;
	ct->func(ct->data);
	g_atomic_int_set(&ct->done, 1);
	g_main_context_wakeup(NULL);
	return NULL;
}

/* Runs @n_threads copies of @func (each with data[i]) and serves until all are done. */
static void
run_clients(ClientFunc func, gpointer *data, guint n_threads)
{
	g_autofree ClientThread *cts = g_new0(ClientThread, n_threads);
	g_autofree GThread **threads = g_new0(GThread *, n_threads);

	for (guint i = 0; i < n_threads; i++) {
		cts[i].func = func;
		cts[i].data = data[i];
		threads[i] = g_thread_new("test-client", client_thread_main, &cts[i]);
	}
	for (guint i = 0; i < n_threads; i++) {
		while (!g_atomic_int_get(&cts[i].done))
			g_main_context_iteration(NULL, TRUE);
		g_thread_join(threads[i]);
	}
}

static void
run_client(ClientFunc func, gpointer data)
{
	run_clients(func, &data, 1);
}

/* Serves until @server has no session left (or fails after 20 s). */
static void
wait_no_sessions(TpsHttpServer *server)
{
	gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (tps_http_server_get_n_sessions(server) > 0) {
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		g_main_context_iteration(NULL, FALSE);
		g_usleep(1000);
	}
}

/* ----------------------------------------------------------------------------------------- */
/* the client side: GSocketClient (+TLS), hand-written HTTP heads, TokChunkedReader/Writer */

static gboolean
accept_test_certificate_cb(GTlsConnection *conn,
			   GTlsCertificate *peer,
			   GTlsCertificateFlags errors,
			   gpointer user_data)
{
	/* pinned: exactly the server's self-signed test certificate */
	return g_tls_certificate_is_same(peer, G_TLS_CERTIFICATE(user_data));
}

static void
client_event_cb(GSocketClient *client,
		GSocketClientEvent event,
		GSocketConnectable *connectable,
		GIOStream *connection,
		gpointer user_data)
{
	if (event == G_SOCKET_CLIENT_CONNECTED) {
		/* small writes (TLS handshake, heads, messages) must not wait for delayed ACKs */
		GSocket *sock = g_socket_connection_get_socket(G_SOCKET_CONNECTION(connection));
		g_assert_true(g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL));
		return;
	}
	if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING || user_data == NULL)
		return;
	/* no system CA store (slow to consult for every connection): the pin below decides */
	g_tls_connection_set_database(G_TLS_CONNECTION(connection), NULL);
	g_signal_connect(connection,
			 "accept-certificate",
			 G_CALLBACK(accept_test_certificate_cb),
			 user_data);
}

/* A connection to the server: TLS (pinned to @cert) when @cert is set, plain otherwise. */
static GIOStream *
client_connect(guint16 port, GTlsCertificate *cert, GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();

	g_socket_client_set_timeout(client, 30);
	/* loopback only; and libproxy (C++) does not get along with ASan here */
	g_socket_client_set_enable_proxy(client, FALSE);
	g_socket_client_set_tls(client, cert != NULL);
	g_signal_connect(client, "event", G_CALLBACK(client_event_cb), cert);
	return G_IO_STREAM(g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, error));
}

/* Closes the TCP socket under @stream (GSocketClient returns a GSocketConnection, which
 * wraps the TLS connection when there is one): no TLS close_notify, no FIN ordering. */
static void
client_drop(GIOStream *stream)
{
	GSocket *sock = g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream));
	g_assert_true(g_socket_close(sock, NULL));
}

static void
client_write(GIOStream *stream, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GOutputStream *out = g_io_stream_get_output_stream(stream);
	g_assert_true(g_output_stream_write_all(out, text, strlen(text), NULL, NULL, &error));
	g_assert_no_error(error);
}

/* Reads the response head byte by byte (nothing of the body is consumed). */
static gchar *
client_read_head(GIOStream *stream)
{
	g_autoptr(GString) head = g_string_new(NULL);
	GInputStream *in = g_io_stream_get_input_stream(stream);

	while (!g_str_has_suffix(head->str, "\r\n\r\n")) {
		g_autoptr(GError) error = NULL;
		gchar c = 0;
		gssize n = g_input_stream_read(in, &c, 1, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpint(n, ==, 1);
		g_string_append_c(head, c);
		g_assert_cmpuint(head->len, <, 16384);
	}
	return g_string_free(g_steal_pointer(&head), FALSE);
}

/* Everything until the server closes. */
static gchar *
client_read_all(GIOStream *stream)
{
	g_autoptr(GString) all = g_string_new(NULL);
	GInputStream *in = g_io_stream_get_input_stream(stream);

	for (;;) {
		g_autoptr(GError) error = NULL;
		gchar buf[4096];
		gssize n = g_input_stream_read(in, buf, sizeof(buf), NULL, &error);
		if (n < 0 && g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_EOF))
			break; /* a close without close_notify */
		g_assert_no_error(error);
		if (n == 0)
			break;
		g_string_append_len(all, buf, n);
	}
	return g_string_free(g_steal_pointer(&all), FALSE);
}

/* One whole request/response on a fresh connection (the server closes it). */
static gchar *
http_request(guint16 port, GTlsCertificate *cert, const gchar *request)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOStream) stream = client_connect(port, cert, &error);
	g_assert_no_error(error);
	client_write(stream, request);
	return client_read_all(stream);
}

/* A /tps/tps session seen from the client. */
typedef struct {
	GIOStream *stream;
	TokChunkedReader *reader;
	TokChunkedWriter *writer;
} Session;

static void
session_open(Session *s, guint16 port, GTlsCertificate *cert)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *head = NULL;

	s->stream = client_connect(port, cert, &error);
	g_assert_no_error(error);
	client_write(s->stream,
		     "POST /tps/tps HTTP/1.1\r\n"
		     "Host: 127.0.0.1\r\n"
		     "Transfer-Encoding: chunked\r\n"
		     "Content-Type: text/plain\r\n"
		     "\r\n");
	head = client_read_head(s->stream);
	g_assert_true(g_str_has_prefix(head, "HTTP/1.1 200 OK\r\n"));
	g_assert_nonnull(strstr(head, "Transfer-Encoding: chunked\r\n"));
	s->reader = tok_chunked_reader_new(g_io_stream_get_input_stream(s->stream), NULL, 0);
	s->writer = tok_chunked_writer_new(g_io_stream_get_output_stream(s->stream));
}

static void
session_close(Session *s)
{
	g_clear_object(&s->reader);
	g_clear_object(&s->writer);
	if (s->stream != NULL)
		(void)g_io_stream_close(s->stream, NULL, NULL);
	g_clear_object(&s->stream);
}

static void
session_send_text(Session *s, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = g_bytes_new(text, strlen(text));
	g_assert_true(tok_chunked_writer_write(s->writer, b, NULL, &error));
	g_assert_no_error(error);
}

static void
session_send(Session *s, TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_tps_message_encode(msg, &error);
	g_assert_no_error(error);
	g_assert_true(tok_chunked_writer_write(s->writer, wire, NULL, &error));
	g_assert_no_error(error);
}

static void
session_send_begin_op(Session *s, TokTpsOperation op)
{
	const gchar *ext[] = {"tokenType", "userKey", "statusUpdate", "false", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = tok_tps_message_new_begin_op(op, ext, 0, &error);
	g_assert_no_error(error);
	session_send(s, msg);
}

/* The next server message (NULL at the clean end of the body). */
static TokTpsMessage *
session_read(Session *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = tok_chunked_reader_read(s->reader, NULL, &error);
	TokTpsMessage *msg;

	g_assert_no_error(error);
	if (chunk == NULL)
		return NULL;
	msg = tok_tps_message_parse_bytes(chunk, 0, &error);
	g_assert_no_error(error);
	return msg;
}

/* Expects END_OP with these values, then the end of the body; ends the request too. */
static void
session_expect_end_op(Session *s, TokTpsOperation op, guint result, TokTpsStatus status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = session_read(s);
	g_autoptr(TokTpsMessage) after = NULL;
	TokTpsOperation got_op = 0;
	guint got_result = 0;
	TokTpsStatus got_status = 0;

	g_assert_nonnull(msg);
	g_assert_true(tok_tps_message_get_end_op(msg, &got_op, &got_result, &got_status, &error));
	g_assert_no_error(error);
	g_assert_cmpint(got_op, ==, op);
	g_assert_cmpuint(got_result, ==, result);
	g_assert_cmpint(got_status, ==, status);
	after = session_read(s);
	g_assert_null(after);
	g_assert_true(tok_chunked_reader_is_finished(s->reader));
	/* a polite client ends its body: the server may have closed already */
	(void)tok_chunked_writer_close(s->writer, NULL, NULL);
}

/* ----------------------------------------------------------------------------------------- */
/* the operation funcs */

#define PING_PONG_ROUNDS 8

typedef struct {
	GMutex lock;
	GCond cond;
	gint active;	 /* sessions inside the func now */
	gint max_active; /* most at once */
	gint completed;	 /* funcs that ran to the end without error */
	gint wait_for;	 /* if > 0: hold each func until this many are active (or 10 s) */
	GError *last_error;
	gboolean cancellable_fired;
	gint rounds;
} OpState;

static void
op_state_init(OpState *st)
{
	g_mutex_init(&st->lock);
	g_cond_init(&st->cond);
	st->rounds = PING_PONG_ROUNDS;
}

static void
op_state_clear(OpState *st)
{
	g_clear_error(&st->last_error);
	g_mutex_clear(&st->lock);
	g_cond_clear(&st->cond);
}

static void
op_state_fail(OpState *st, TpsConnection *c, GError *error)
{
	g_mutex_lock(&st->lock);
	g_clear_error(&st->last_error);
	st->last_error = g_error_copy(error);
	st->cancellable_fired = g_cancellable_is_cancelled(tps_connection_get_cancellable(c));
	g_mutex_unlock(&st->lock);
}

static void
op_state_leave(OpState *st, gboolean completed)
{
	g_mutex_lock(&st->lock);
	st->active--;
	if (completed)
		st->completed++;
	g_mutex_unlock(&st->lock);
}

/* Echo: rounds of TOKEN_PDU_REQUEST 80 50 00 <i> 00, each answered with <i> 90 00. */
static void
op_ping_pong(TpsConnection *c, TokTpsMessage *begin_op, gpointer user_data)
{
	OpState *st = user_data;
	TokTpsOperation op = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) end_op = NULL;

	g_assert_true(tok_tps_message_get_operation(begin_op, &op, NULL));
	g_assert_cmpint(tps_connection_get_operation(c), ==, op);
	g_assert_nonnull(tps_connection_get_client_address(c));

	g_mutex_lock(&st->lock);
	st->active++;
	st->max_active = MAX(st->max_active, st->active);
	g_cond_broadcast(&st->cond);
	if (st->wait_for > 0) {
		gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		while (st->active < st->wait_for && st->max_active < st->wait_for)
			if (!g_cond_wait_until(&st->cond, &st->lock, end))
				break;
	}
	g_mutex_unlock(&st->lock);

	for (gint i = 0; i < st->rounds; i++) {
		const guint8 cmd[] = {0x80, 0x50, 0x00, (guint8)i, 0x00};
		g_autoptr(GBytes) apdu = g_bytes_new(cmd, sizeof(cmd));
		g_autoptr(TokApduResponse) resp = tps_connection_transmit(c, apdu, &error);
		GBytes *data;

		if (resp == NULL) {
			op_state_fail(st, c, error);
			op_state_leave(st, FALSE);
			return;
		}
		data = tok_apdu_response_get_data(resp);
		g_assert_cmpuint(tok_apdu_response_get_sw(resp), ==, 0x9000);
		g_assert_cmpuint(g_bytes_get_size(data), ==, 1);
		g_assert_cmpuint(((const guint8 *)g_bytes_get_data(data, NULL))[0], ==, (guint8)i);
	}
	end_op = tok_tps_message_new_end_op(op, 0, TOK_TPS_STATUS_NO_ERROR, &error);
	g_assert_no_error(error);
	if (!tps_connection_write(c, end_op, &error)) {
		op_state_fail(st, c, error);
		op_state_leave(st, FALSE);
		return;
	}
	op_state_leave(st, TRUE);
}

/* Reads one message after BEGIN_OP and records how that failed (deadline, disconnect). */
static void
op_read_one(TpsConnection *c, TokTpsMessage *begin_op, gpointer user_data)
{
	OpState *st = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;

	g_mutex_lock(&st->lock);
	st->active++;
	st->max_active = MAX(st->max_active, st->active);
	g_mutex_unlock(&st->lock);
	msg = tps_connection_read(c, &error);
	if (msg == NULL) {
		op_state_fail(st, c, error);
		op_state_leave(st, FALSE);
		return;
	}
	op_state_leave(st, TRUE);
}

/* ----------------------------------------------------------------------------------------- */
/* fixture */

typedef struct {
	GTlsCertificate *cert;
	TpsHttpServer *server;
	OpState st;
	guint16 port;
	guint16 http_port;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->cert = make_test_certificate();
	op_state_init(&f->st);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	if (f->server != NULL) {
		wait_no_sessions(f->server);
		g_clear_object(&f->server);
	}
	/* let libsoup finish closing its connections */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_clear_object(&f->cert);
	op_state_clear(&f->st);
}

/* A free TCP port on 127.0.0.1 (bound and released: fine for a test). */
static guint16
free_port(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) sock =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) local = NULL;

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(sock, sa, TRUE, &error));
	g_assert_no_error(error);
	local = g_socket_get_local_address(sock, &error);
	g_assert_no_error(error);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
}

static void
fixture_start(Fixture *f,
	      gsize max_message_size,
	      guint session_timeout,
	      TpsOperationFunc func,
	      gboolean plain_http)
{
	g_autoptr(GError) error = NULL;

	f->server = tps_http_server_new(f->cert,
					PHONE_HOME_XML,
					max_message_size,
					session_timeout,
					func,
					&f->st,
					NULL);
	g_assert_true(tps_http_server_listen(f->server,
					     "127.0.0.1",
					     0,
					     plain_http ? free_port() : 0,
					     &error));
	g_assert_no_error(error);
	f->port = tps_http_server_get_https_port(f->server);
	f->http_port = tps_http_server_get_http_port(f->server);
	g_assert_cmpuint(f->port, !=, 0);
	g_assert_cmpuint(tps_http_server_get_n_sessions(f->server), ==, 0);
}

/* ----------------------------------------------------------------------------------------- */
/* tests */

typedef struct {
	Fixture *f;
	guint16 port;
	GTlsCertificate *cert; /* NULL: plain HTTP */
	TokTpsOperation op;
} PingPongClient;

static void
client_ping_pong(gpointer data)
{
	PingPongClient *pc = data;
	Session s = {0};

	session_open(&s, pc->port, pc->cert);
	session_send_begin_op(&s, pc->op);
	for (gint i = 0; i < PING_PONG_ROUNDS; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokTpsMessage) req = session_read(&s);
		g_autoptr(GBytes) pdu = NULL;
		g_autoptr(TokTpsMessage) resp = NULL;
		const guint8 want[] = {0x80, 0x50, 0x00, (guint8)i, 0x00};
		guint8 answer[] = {(guint8)i, 0x90, 0x00};
		g_autoptr(GBytes) answer_bytes = g_bytes_new(answer, sizeof(answer));

		g_assert_nonnull(req);
		g_assert_cmpint(tok_tps_message_get_msg_type(req), ==, TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST);
		pdu = tok_tps_message_get_pdu(req, &error);
		g_assert_no_error(error);
		g_assert_cmpmem(g_bytes_get_data(pdu, NULL), g_bytes_get_size(pdu), want, sizeof(want));
		resp = tok_tps_message_new_token_pdu_response(answer_bytes, &error);
		g_assert_no_error(error);
		session_send(&s, resp);
	}
	session_expect_end_op(&s, pc->op, 0, TOK_TPS_STATUS_NO_ERROR);
	session_close(&s);
}

static void
test_ping_pong(Fixture *f, gconstpointer data)
{
	PingPongClient pc = {f, 0, f->cert, TOK_TPS_OPERATION_FORMAT};

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	pc.port = f->port;
	run_client(client_ping_pong, &pc);
	wait_no_sessions(f->server);
	g_assert_no_error(f->st.last_error);
	g_assert_cmpint(f->st.completed, ==, 1);
	/* and again, on a new connection */
	pc.op = TOK_TPS_OPERATION_ENROLL;
	run_client(client_ping_pong, &pc);
	wait_no_sessions(f->server);
	g_assert_cmpint(f->st.completed, ==, 2);
}

typedef struct {
	guint16 port;
	GTlsCertificate *cert;
	const gchar *request;
	gchar *response;
} RawClient;

static void
client_raw(gpointer data)
{
	RawClient *rc = data;
	rc->response = http_request(rc->port, rc->cert, rc->request);
}

/* One request on its own connection; returns the whole response. */
static gchar *
fixture_request(Fixture *f, gboolean plain, const gchar *request)
{
	RawClient rc = {plain ? f->http_port : f->port, plain ? NULL : f->cert, request, NULL};
	run_client(client_raw, &rc);
	return rc.response;
}

static void
assert_status(const gchar *response, const gchar *status_line)
{
	if (!g_str_has_prefix(response, status_line))
		g_error("expected \"%s\", got \"%s\"", status_line, response);
	/* nothing is kept alive (libsoup 3.2.3 leaks idle keep-alive connections) */
	g_assert_nonnull(strstr(response, "Connection: close\r\n"));
}

static void
test_bad_requests(Fixture *f, gconstpointer data)
{
	g_autofree gchar *r1 = NULL;
	g_autofree gchar *r2 = NULL;
	g_autofree gchar *r3 = NULL;
	g_autofree gchar *r4 = NULL;
	g_autofree gchar *r5 = NULL;

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	/* POST without chunked framing */
	r1 = fixture_request(f,
			     FALSE,
			     "POST /tps/tps HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
	assert_status(r1, "HTTP/1.1 400 ");
	/* other methods */
	r2 = fixture_request(f, FALSE, "GET /tps/tps HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r2, "HTTP/1.1 405 ");
	g_assert_nonnull(strstr(r2, "Allow: POST\r\n"));
	r3 = fixture_request(
	    f,
	    FALSE,
	    "PUT /tps/tps HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
	assert_status(r3, "HTTP/1.1 405 ");
	/* unknown paths */
	r4 = fixture_request(f, FALSE, "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r4, "HTTP/1.1 404 ");
	r5 = fixture_request(f,
			     FALSE,
			     "DELETE /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r5, "HTTP/1.1 405 ");
	g_assert_cmpint(f->st.max_active, ==, 0);
	g_assert_cmpuint(tps_http_server_get_n_sessions(f->server), ==, 0);
}

static void
test_phone_home_health(Fixture *f, gconstpointer data)
{
	g_autofree gchar *r1 = NULL;
	g_autofree gchar *r2 = NULL;
	g_autofree gchar *r3 = NULL;

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	r1 = fixture_request(f, FALSE, "GET /tps/phoneHome HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r1, "HTTP/1.1 200 ");
	g_assert_nonnull(strstr(r1, "Content-Type: application/xml\r\n"));
	g_assert_true(g_str_has_suffix(r1, "\r\n\r\n" PHONE_HOME_XML));
	/* ESC adds ?cuid=...; the query is ignored */
	r2 = fixture_request(f,
			     FALSE,
			     "GET /tps/phoneHome?cuid=40906145C76224192D2B HTTP/1.1\r\n"
			     "Host: 127.0.0.1\r\n\r\n");
	assert_status(r2, "HTTP/1.1 200 ");
	g_assert_true(g_str_has_suffix(r2, "\r\n\r\n" PHONE_HOME_XML));
	r3 = fixture_request(f, FALSE, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r3, "HTTP/1.1 200 ");
	g_assert_true(g_str_has_suffix(r3, "\r\n\r\nok"));
}

typedef struct {
	guint16 port;
	gboolean got_http;
} PlainProbe;

/* Speaks plain HTTP to a port: did an HTTP response come back? */
static void
client_plain_probe(gpointer data)
{
	PlainProbe *pp = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOStream) stream = client_connect(pp->port, NULL, &error);
	GInputStream *in;
	gchar buf[64] = {0};
	gssize n;

	if (stream == NULL)
		return;
	client_write(stream, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	in = g_io_stream_get_input_stream(stream);
	n = g_input_stream_read(in, buf, sizeof(buf) - 1, NULL, NULL);
	pp->got_http = n > 0 && g_str_has_prefix(buf, "HTTP/");
}

static void
test_plain_http_off(Fixture *f, gconstpointer data)
{
	PlainProbe pp = {0};
	g_autofree gchar *r1 = NULL;

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	g_assert_cmpuint(tps_http_server_get_http_port(f->server), ==, 0);
	/* the HTTPS port does not answer plain HTTP */
	pp.port = f->port;
	run_client(client_plain_probe, &pp);
	g_assert_false(pp.got_http);
	/* and still serves HTTPS */
	r1 = fixture_request(f, FALSE, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r1, "HTTP/1.1 200 ");
}

static void
test_plain_http_on(Fixture *f, gconstpointer data)
{
	PingPongClient pc = {f, 0, NULL, TOK_TPS_OPERATION_RESET_PIN};
	g_autofree gchar *r1 = NULL;
	g_autofree gchar *r2 = NULL;

	fixture_start(f, 0, 30, op_ping_pong, TRUE);
	g_assert_cmpuint(f->http_port, !=, 0);
	g_assert_cmpuint(f->http_port, !=, f->port);
	r1 = fixture_request(f, TRUE, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r1, "HTTP/1.1 200 ");
	r2 = fixture_request(f, TRUE, "GET /tps/phoneHome HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r2, "HTTP/1.1 200 ");
	/* a whole session over plain HTTP (tpsclient) */
	pc.port = f->http_port;
	run_client(client_ping_pong, &pc);
	wait_no_sessions(f->server);
	g_assert_cmpint(f->st.completed, ==, 1);
}

static void
test_listen_errors(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsHttpServer) other = NULL;

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	other = tps_http_server_new(f->cert, PHONE_HOME_XML, 0, 30, op_ping_pong, &f->st, NULL);
	g_assert_false(tps_http_server_listen(other, "not-an-address", 0, 0, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	g_clear_error(&error);
	/* the port is taken */
	g_assert_false(tps_http_server_listen(other, "127.0.0.1", f->port, 0, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_clear_error(&error);
	g_assert_false(tps_http_server_listen(other, "127.0.0.1", 0, f->port, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_cmpuint(tps_http_server_get_https_port(other), ==, 0);
	g_assert_cmpuint(tps_http_server_get_http_port(other), ==, 0);
}

typedef struct {
	guint16 port;
	GTlsCertificate *cert;
	const gchar *first; /* raw text of the first chunk */
	gsize pad;	    /* or, if not 0: a first chunk of this many bytes */
	TokTpsStatus want_status;
} BadFirstClient;

static void
client_bad_first(gpointer data)
{
	BadFirstClient *bc = data;
	Session s = {0};

	session_open(&s, bc->port, bc->cert);
	if (bc->pad > 0) {
		/* the size line and the start of the data: the server stops at the size */
		g_autofree gchar *fill = g_strnfill(100, 'a');
		g_autofree gchar *start = g_strdup_printf("%zX\r\n%s", bc->pad, fill);
		client_write(s.stream, start);
	} else {
		session_send_text(&s, bc->first);
	}
	session_expect_end_op(&s, TOK_TPS_OPERATION_UNDEFINED, 1, bc->want_status);
	session_close(&s);
}

static void
test_malformed_first(Fixture *f, gconstpointer data)
{
	BadFirstClient bc = {0};
	g_autofree gchar *r1 = NULL;

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	bc.port = f->port;
	bc.cert = f->cert;
	bc.first = "this is not a message";
	bc.want_status = TOK_TPS_STATUS_ERROR_CONNECTION;
	run_client(client_bad_first, &bc);
	/* a good message, but not BEGIN_OP */
	bc.first = "s=38&msg_type=10&pdu_size=2&pdu_data=%90%00";
	bc.want_status = TOK_TPS_STATUS_ERROR_BAD_STATUS;
	run_client(client_bad_first, &bc);
	/* s= larger than the message */
	bc.first = "s=99&msg_type=2&operation=1";
	bc.want_status = TOK_TPS_STATUS_ERROR_CONNECTION;
	run_client(client_bad_first, &bc);
	wait_no_sessions(f->server);
	g_assert_cmpint(f->st.max_active, ==, 0);
	/* the server keeps serving */
	r1 = fixture_request(f, FALSE, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	assert_status(r1, "HTTP/1.1 200 ");
}

static void
test_oversized(Fixture *f, gconstpointer data)
{
	BadFirstClient bc = {0};
	PingPongClient pc = {f, 0, f->cert, TOK_TPS_OPERATION_FORMAT};
	g_autofree gchar *body = NULL;
	g_autofree gchar *msg = NULL;

	fixture_start(f, 256, 30, op_ping_pong, FALSE);
	bc.port = f->port;
	bc.cert = f->cert;
	/* a well-formed BEGIN_OP whose s= is above max_message_size */
	body = g_strdup_printf("msg_type=2&operation=1&extensions=tokenType%%3D%0300d", 7);
	msg = g_strdup_printf("s=%zu&%s", strlen(body), body);
	bc.first = msg;
	bc.want_status = TOK_TPS_STATUS_ERROR_CONNECTION;
	run_client(client_bad_first, &bc);
	/* a chunk far above the limit: refused from its size line */
	bc.pad = 200000;
	run_client(client_bad_first, &bc);
	wait_no_sessions(f->server);
	g_assert_cmpint(f->st.max_active, ==, 0);
	/* the server keeps serving sessions */
	pc.port = f->port;
	run_client(client_ping_pong, &pc);
	wait_no_sessions(f->server);
	g_assert_cmpint(f->st.completed, ==, 1);
}

static void
client_vanish(gpointer data)
{
	PingPongClient *pc = data;
	Session s = {0};
	g_autoptr(TokTpsMessage) req = NULL;

	session_open(&s, pc->port, pc->cert);
	session_send_begin_op(&s, TOK_TPS_OPERATION_ENROLL);
	req = session_read(&s);
	g_assert_nonnull(req);
	g_assert_cmpint(tok_tps_message_get_msg_type(req), ==, TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST);
	/* gone without a word: the TCP socket is closed under the TLS layer */
	client_drop(s.stream);
	g_clear_object(&s.reader);
	g_clear_object(&s.writer);
	g_clear_object(&s.stream);
}

static void
test_disconnect(Fixture *f, gconstpointer data)
{
	PingPongClient pc = {f, 0, f->cert, TOK_TPS_OPERATION_ENROLL};

	fixture_start(f, 0, 30, op_ping_pong, FALSE);
	pc.port = f->port;
	run_client(client_vanish, &pc);
	wait_no_sessions(f->server);
	g_assert_error(f->st.last_error, TPS_ERROR, TPS_ERROR_DISCONNECTED);
	g_assert_true(f->st.cancellable_fired);
	g_assert_cmpint(f->st.completed, ==, 0);
	g_assert_cmpint(f->st.active, ==, 0);
	/* the next session works */
	run_client(client_ping_pong, &pc);
	wait_no_sessions(f->server);
	g_assert_cmpint(f->st.completed, ==, 1);
}

static void
client_idle_after_begin_op(gpointer data)
{
	PingPongClient *pc = data;
	Session s = {0};
	gint64 start;

	session_open(&s, pc->port, pc->cert);
	start = g_get_monotonic_time();
	session_send_begin_op(&s, TOK_TPS_OPERATION_FORMAT);
	/* the client says nothing more; the deadline (1 s) ends the session */
	session_expect_end_op(&s, TOK_TPS_OPERATION_FORMAT, 1, TOK_TPS_STATUS_ERROR_CONNECTION);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
	session_close(&s);
}

static void
test_deadline(Fixture *f, gconstpointer data)
{
	PingPongClient pc = {f, 0, f->cert, TOK_TPS_OPERATION_FORMAT};

	fixture_start(f, 0, 1, op_read_one, FALSE);
	pc.port = f->port;
	run_client(client_idle_after_begin_op, &pc);
	wait_no_sessions(f->server);
	g_assert_error(f->st.last_error, TPS_ERROR, TPS_ERROR_TIMEOUT);
	g_assert_true(f->st.cancellable_fired);
}

#define N_CONCURRENT 20

static void
test_concurrent(Fixture *f, gconstpointer data)
{
	PingPongClient pcs[N_CONCURRENT];
	gpointer ptrs[N_CONCURRENT];

	fixture_start(f, 0, 60, op_ping_pong, FALSE);
	f->st.wait_for = N_CONCURRENT;
	for (guint i = 0; i < N_CONCURRENT; i++) {
		pcs[i] = (PingPongClient){f, f->port, f->cert, TOK_TPS_OPERATION_ENROLL};
		ptrs[i] = &pcs[i];
	}
	run_clients(client_ping_pong, ptrs, N_CONCURRENT);
	wait_no_sessions(f->server);
	g_assert_no_error(f->st.last_error);
	g_assert_cmpint(f->st.max_active, ==, N_CONCURRENT);
	g_assert_cmpint(f->st.completed, ==, N_CONCURRENT);
}

/* ----------------------------------------------------------------------------------------- */
/* steadiness: thousands of dropped connections leave no fd and no memory behind */

static guint
count_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	guint n = 0;

	g_assert_nonnull(dir);
	while (g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

/* Resident memory, after giving freed heap pages back (what is left is in use). */
static gsize
rss_bytes(void)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) fields = NULL;

	(void)malloc_trim(0);
	g_assert_true(g_file_get_contents("/proc/self/statm", &text, NULL, NULL));
	fields = g_strsplit(text, " ", -1);
	g_assert_cmpuint(g_strv_length(fields), >=, 2);
	return (gsize)g_ascii_strtoull(fields[1], NULL, 10) * (gsize)sysconf(_SC_PAGESIZE);
}

typedef struct {
	Fixture *f;
	guint first;
	guint count;
} SteadyClient;

/* Connection @i: mostly an idle keep-alive connection after one GET (HTTPS or plain HTTP),
 * dropped by the client; every 10th one dropped in the middle of a request head; every 50th
 * a /tps/tps session dropped in the middle of BEGIN_OP. */
static void
client_steady(gpointer data)
{
	SteadyClient *sc = data;

	for (guint i = sc->first; i < sc->first + sc->count; i++) {
		gboolean tls = i % 2 == 0;
		guint16 port = tls ? sc->f->port : sc->f->http_port;
		g_autoptr(GError) error = NULL;
		g_autoptr(GIOStream) stream =
		    client_connect(port, tls ? sc->f->cert : NULL, &error);

		g_assert_no_error(error);
		if (i % 50 == 7) {
			g_autofree gchar *head = NULL;
			client_write(stream,
				     "POST /tps/tps HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				     "Transfer-Encoding: chunked\r\n\r\n");
			head = client_read_head(stream);
			client_write(stream, "35\r\ns=53&msg_type=2&oper");
		} else if (i % 10 == 3) {
			client_write(stream, "GET /health HTTP/1.1\r\nHost: 127.");
		} else {
			g_autofree gchar *head = NULL;
			client_write(stream,
				     "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				     "Connection: keep-alive\r\n\r\n");
			head = client_read_head(stream);
			g_assert_true(g_str_has_prefix(head, "HTTP/1.1 200 "));
		}
		/* dropped: no close_notify, no more bytes */
		client_drop(stream);
	}
}

#define STEADY_THREADS 4

static void
run_steady(Fixture *f, guint first, guint per_thread)
{
	SteadyClient scs[STEADY_THREADS];
	gpointer ptrs[STEADY_THREADS];

	for (guint t = 0; t < STEADY_THREADS; t++) {
		scs[t] = (SteadyClient){f, first + t * per_thread, per_thread};
		ptrs[t] = &scs[t];
	}
	run_clients(client_steady, ptrs, STEADY_THREADS);
}

/* Serves until the fd count is at most @bound (or 20 s passed); returns the count. */
static guint
settle_fds(Fixture *f, guint bound)
{
	gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	guint n = count_fds();

	while ((n > bound || tps_http_server_get_n_sessions(f->server) > 0) &&
	       g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(10000);
		n = count_fds();
	}
	return n;
}

#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif

static void
test_steady(Fixture *f, gconstpointer data)
{
	guint fds_before;
	guint fds_after;
	gsize rss_before;
	gsize rss_after;
	/* 88 % of them (2006) idle keep-alive connections, the rest dropped mid-request */
	guint total = 2280;

	fixture_start(f, 0, 30, op_ping_pong, TRUE);
	/* warm up: TLS backend, thread pools, malloc arenas */
	run_steady(f, 0, 50);
	fds_before = settle_fds(f, 0);
	rss_before = rss_bytes();

	run_steady(f, 1000, total / STEADY_THREADS);
	fds_after = settle_fds(f, fds_before + 2);
	rss_after = rss_bytes();
	g_test_message("fds %u -> %u, RSS %zu kB -> %zu kB",
		       fds_before,
		       fds_after,
		       rss_before / 1024,
		       rss_after / 1024);
	g_assert_cmpuint(tps_http_server_get_n_sessions(f->server), ==, 0);
	g_assert_cmpuint(fds_after, <=, fds_before + 2);
#ifndef TEST_UNDER_ASAN
	/* the libsoup 3.2.3 leak costs ~25 kB per connection: 50 MB here */
	g_assert_cmpuint(rss_after, <, rss_before + 8 * 1024 * 1024);
#endif
	/* and the server still works */
	{
		PingPongClient pc = {f, f->port, f->cert, TOK_TPS_OPERATION_FORMAT};
		run_client(client_ping_pong, &pc);
		wait_no_sessions(f->server);
	}
}

/* The tests, each with a fresh certificate and server. */
static const struct {
	const gchar *path;
	void (*func)(Fixture *f, gconstpointer data);
} tests[] = {
    {"/tps/http/ping-pong", test_ping_pong},
    {"/tps/http/bad-requests", test_bad_requests},
    {"/tps/http/phone-home-health", test_phone_home_health},
    {"/tps/http/plain-http/off", test_plain_http_off},
    {"/tps/http/plain-http/on", test_plain_http_on},
    {"/tps/http/listen-errors", test_listen_errors},
    {"/tps/http/malformed-first", test_malformed_first},
    {"/tps/http/oversized", test_oversized},
    {"/tps/http/disconnect", test_disconnect},
    {"/tps/http/deadline", test_deadline},
    {"/tps/http/concurrent", test_concurrent},
    {"/tps/http/steady", test_steady},
};

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(tests); i++)
		g_test_add(tests[i].path, Fixture, NULL, fixture_setup, tests[i].func, fixture_teardown);
	return g_test_run();
}
