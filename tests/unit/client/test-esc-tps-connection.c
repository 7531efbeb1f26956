/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscTlsOptions and EscTpsConnection against a tiny scripted HTTP/HTTPS server (certificates
 * made at run time): the request head, one message per chunk both ways, the trust rules (a CA
 * file with the issuing CA or the self-signed certificate itself; untrusted, misnamed,
 * not TLS), and every failure with its ESC_ERROR code: refused (CONNECT), bad certificate
 * (TLS), a server that stalls (TIMEOUT), garbage (PROTOCOL; at the status line, at once, even
 * without a line end), cancellation (CANCELLED), plus the plain GET used by phone home.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "esc-error.h"
#include "esc-test-server.h"
#include "esc-tps-connection.h"
#include "tok-chunked-stream.h"
#include "tok-error.h"

#define OK_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"

typedef enum {
	SCRIPT_ECHO,	      /* 200 chunked; END_OP for BEGIN_OP, then the end */
	SCRIPT_HEAD,	      /* writes the given text, then waits for the close */
	SCRIPT_STALL,	      /* reads the head, answers nothing until the client closes */
	SCRIPT_HEAD_THEN_STALL,
	SCRIPT_CLOSE,	      /* closes at once */
	SCRIPT_CLOSE_AFTER_TEXT, /* writes the given text and closes */
	SCRIPT_HEAD_SLOWLY,   /* writes the given text a byte at a time, then waits for the close */
} Script;

typedef struct {
	gchar *dir;
	ThTestCert *ca;
	ThTestCert *leaf;     /* issued by ca: IP:127.0.0.1, DNS:localhost */
	ThTestCert *self;     /* self-signed: IP:127.0.0.1 */
	ThTestCert *other;    /* self-signed, unrelated */
	ThTestCert *misnamed; /* self-signed: DNS:other.example */
	Script script;
	const gchar *text; /* SCRIPT_HEAD */
	GPtrArray *seen;   /* messages the echo server received (wire text) */
	GMutex lock;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend (glib-networking)");
		return;
	}
	f->dir = g_dir_make_tmp("esc-tps-conn-XXXXXX", &error);
	g_assert_no_error(error);
	f->ca = th_test_cert_new(f->dir, "ca", "ESC Test CA", NULL, NULL, TRUE);
	f->leaf = th_test_cert_new(f->dir, "leaf", "tps.example", "IP:127.0.0.1,DNS:localhost", f->ca, FALSE);
	f->self = th_test_cert_new(f->dir, "self", "127.0.0.1", "IP:127.0.0.1", NULL, FALSE);
	f->other = th_test_cert_new(f->dir, "other", "127.0.0.1", "IP:127.0.0.1", NULL, FALSE);
	f->misnamed = th_test_cert_new(f->dir, "misnamed", "other.example", "DNS:other.example", NULL, FALSE);
	f->seen = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&f->lock);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	if (f->dir == NULL)
		return;
	g_clear_pointer(&f->ca, th_test_cert_free);
	g_clear_pointer(&f->leaf, th_test_cert_free);
	g_clear_pointer(&f->self, th_test_cert_free);
	g_clear_pointer(&f->other, th_test_cert_free);
	g_clear_pointer(&f->misnamed, th_test_cert_free);
	g_rmdir(f->dir);
	g_free(f->dir);
	g_ptr_array_unref(f->seen);
	g_mutex_clear(&f->lock);
}

static void
server_func(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	Fixture *f = user_data;

	switch (f->script) {
	case SCRIPT_ECHO: {
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(g_io_stream_get_input_stream(stream), NULL, 0);
		g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(g_io_stream_get_output_stream(stream));

		if (!esc_test_server_write(stream, OK_HEAD))
			return;
		for (;;) {
			g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, NULL);
			g_autoptr(TokTpsMessage) msg = NULL;

			if (chunk == NULL)
				return;
			g_mutex_lock(&f->lock);
			g_ptr_array_add(f->seen, g_strndup(g_bytes_get_data(chunk, NULL), g_bytes_get_size(chunk)));
			g_mutex_unlock(&f->lock);
			msg = tok_tps_message_parse_bytes(chunk, 0, NULL);
			if (msg != NULL && tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_BEGIN_OP) {
				g_autoptr(TokTpsMessage) end = tok_tps_message_new_end_op(TOK_TPS_OPERATION_FORMAT, 0, 0, NULL);
				g_autoptr(GBytes) wire = tok_tps_message_encode(end, NULL);

				tok_chunked_writer_write(writer, wire, NULL, NULL);
				tok_chunked_writer_close(writer, NULL, NULL);
			}
		}
	}
	case SCRIPT_HEAD:
		if (esc_test_server_write(stream, f->text))
			esc_test_server_wait_for_close(stream);
		return;
	case SCRIPT_HEAD_THEN_STALL:
		if (esc_test_server_write(stream, OK_HEAD))
			esc_test_server_wait_for_close(stream);
		return;
	case SCRIPT_STALL:
		esc_test_server_wait_for_close(stream);
		return;
	case SCRIPT_CLOSE_AFTER_TEXT:
		esc_test_server_write(stream, f->text);
		return;
	case SCRIPT_HEAD_SLOWLY:
		for (const gchar *p = f->text; *p != '\0'; p++) {
			gchar one[2] = {*p, '\0'};

			if (!esc_test_server_write(stream, one))
				return;
			g_usleep(G_USEC_PER_SEC / 500);
		}
		esc_test_server_wait_for_close(stream);
		return;
	case SCRIPT_CLOSE:
	default:
		return;
	}
}

static EscTlsOptions *
tls_with_ca(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	EscTlsOptions *tls = esc_tls_options_new();

	if (path != NULL) {
		g_assert_true(esc_tls_options_set_ca_file(tls, path, &error));
		g_assert_no_error(error);
	}
	esc_tls_options_set_timeout(tls, 20);
	return tls;
}

static TokTpsMessage *
begin_op(void)
{
	const gchar *ext[] = {"tokenType", "userKey", NULL};
	g_autoptr(GError) error = NULL;
	TokTpsMessage *msg = tok_tps_message_new_begin_op(TOK_TPS_OPERATION_FORMAT, ext, TOK_TPS_BEGIN_OP_FLAG_NONE, &error);

	g_assert_no_error(error);
	return msg;
}

/* One BEGIN_OP → END_OP exchange with @url and @tls against the echo server. */
static void
exchange(Fixture *f, EscTestServer *server, const gchar *url, EscTlsOptions *tls)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) begin = begin_op();
	g_autoptr(TokTpsMessage) end = NULL;
	g_autoptr(TokTpsMessage) none = NULL;
	TokTpsStatus status = 1;
	guint result = 1;

	conn = esc_tps_connection_open(url, tls, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(conn);
	g_assert_true(esc_tps_connection_send(conn, begin, NULL, &error));
	g_assert_no_error(error);
	end = esc_tps_connection_receive(conn, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(end);
	g_assert_true(tok_tps_message_get_end_op(end, NULL, &result, &status, &error));
	g_assert_cmpuint(result, ==, 0);
	none = esc_tps_connection_receive(conn, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(none);
	g_assert_true(esc_tps_connection_finish_request(conn, NULL, &error));
	g_assert_no_error(error);
	esc_tps_connection_close(conn);
	esc_tps_connection_close(conn); /* idempotent */
	g_assert_true(esc_tps_connection_send(conn, begin, NULL, &error) == FALSE);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_FAILED);
	g_clear_object(&conn);
	esc_test_server_wait(server, 1);
	g_mutex_lock(&f->lock);
	g_assert_cmpuint(f->seen->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(f->seen, 0), ==, "s=53&msg_type=2&operation=5&extensions=tokenType%3DuserKey");
	g_mutex_unlock(&f->lock);
}

/* ---- options and URLs ----------------------------------------------------------------- */

static void
test_tls_options(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTlsOptions) tls = esc_tls_options_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *empty = NULL;
	g_autofree gchar *copy = NULL;

	if (f->dir == NULL)
		return;
	g_assert_cmpuint(esc_tls_options_get_timeout(tls), ==, ESC_TLS_OPTIONS_DEFAULT_TIMEOUT);
	esc_tls_options_set_timeout(tls, 5);
	g_assert_cmpuint(esc_tls_options_get_timeout(tls), ==, 5);
	esc_tls_options_set_timeout(tls, 0);
	g_assert_cmpuint(esc_tls_options_get_timeout(tls), ==, ESC_TLS_OPTIONS_DEFAULT_TIMEOUT);
	g_assert_null(esc_tls_options_dup_ca_file(tls));

	g_assert_false(esc_tls_options_set_ca_file(tls, "/nonexistent/ca.pem", &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_clear_error(&error);
	empty = g_build_filename(f->dir, "empty.pem", NULL);
	g_assert_true(g_file_set_contents(empty, "no certificate here\n", -1, NULL));
	g_assert_false(esc_tls_options_set_ca_file(tls, empty, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	g_assert_nonnull(strstr(error->message, empty));
	g_clear_error(&error);
	g_unlink(empty);
	g_assert_null(esc_tls_options_dup_ca_file(tls));

	g_assert_true(esc_tls_options_set_ca_file(tls, f->ca->cert_path, &error));
	g_assert_no_error(error);
	copy = esc_tls_options_dup_ca_file(tls);
	g_assert_cmpstr(copy, ==, f->ca->cert_path);
	g_assert_true(esc_tls_options_set_ca_file(tls, NULL, &error));
	g_assert_null(esc_tls_options_dup_ca_file(tls));

	/* boxed type */
	{
		EscTlsOptions *boxed = g_boxed_copy(ESC_TYPE_TLS_OPTIONS, tls);
		g_assert_true(boxed == tls);
		g_boxed_free(ESC_TYPE_TLS_OPTIONS, boxed);
	}
}

static void
test_url_invalid(Fixture *f, gconstpointer data)
{
	const gchar *bad[] = {
	    "",
	    "not a url",
	    "ftp://127.0.0.1/tps/tps",
	    "https:///tps/tps",
	    "https://127.0.0.1:0/tps/tps",
	    "https://127.0.0.1:99999/tps/tps",
	    "https://user:pw@127.0.0.1/tps/tps",
	    "https://[::1/tps/tps",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(EscTpsConnection) conn = esc_tps_connection_open(bad[i], NULL, NULL, &error);
		g_autoptr(GBytes) body = NULL;

		g_test_message("URL \"%s\": %s", bad[i], error != NULL ? error->message : "(accepted)");
		g_assert_null(conn);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
		g_clear_error(&error);
		body = esc_tps_connection_http_get(bad[i], NULL, 1024, NULL, &error);
		g_assert_null(body);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	}
}

/* ---- good exchanges ------------------------------------------------------------------- */

static void
test_exchange_ca_chain(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *head = NULL;
	g_autofree gchar *want = NULL;

	if (f->dir == NULL)
		return;
	server = esc_test_server_new(f->leaf->pem_path, server_func, f);
	tls = tls_with_ca(f->ca->cert_path);
	url = esc_test_server_get_url(server, "/tps/tps");
	exchange(f, server, url, tls);
	/* ESC's request head (protocol.md 1.1) */
	head = esc_test_server_dup_last_head(server);
	want = g_strdup_printf("POST /tps/tps HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nTransfer-Encoding: chunked\r\n"
			       "Content-Type: text/plain\r\n\r\n",
			       esc_test_server_get_port(server));
	g_assert_cmpstr(head, ==, want);
}

static void
test_exchange_self_signed(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autofree gchar *url = NULL;

	if (f->dir == NULL)
		return;
	server = esc_test_server_new(f->self->pem_path, server_func, f);
	tls = tls_with_ca(f->self->cert_path);
	url = esc_test_server_get_url(server, "/tps/tps");
	exchange(f, server, url, tls);
}

static void
test_exchange_localhost_default_path(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *head = NULL;

	if (f->dir == NULL)
		return;
	server = esc_test_server_new(f->leaf->pem_path, server_func, f);
	tls = tls_with_ca(f->ca->cert_path);
	/* no path: /tps/tps; the name "localhost" is in the certificate */
	url = g_strdup_printf("https://localhost:%u", esc_test_server_get_port(server));
	exchange(f, server, url, tls);
	head = esc_test_server_dup_last_head(server);
	g_assert_true(g_str_has_prefix(head, "POST /tps/tps HTTP/1.1\r\nHost: localhost:"));
}

static void
test_exchange_http(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *head = NULL;

	if (f->dir == NULL)
		return;
	server = esc_test_server_new(NULL, server_func, f);
	url = esc_test_server_get_url(server, "/nk_service?x=1");
	exchange(f, server, url, NULL);
	head = esc_test_server_dup_last_head(server);
	g_assert_true(g_str_has_prefix(head, "POST /nk_service?x=1 HTTP/1.1\r\n"));
}

/* ---- TLS failures --------------------------------------------------------------------- */

static void
expect_open_error(Fixture *f, const gchar *pem, const gchar *ca, gboolean https, EscError code, const gchar *needle)
{
	g_autoptr(EscTestServer) server = esc_test_server_new(pem, server_func, f);
	g_autoptr(EscTlsOptions) tls = tls_with_ca(ca);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = NULL;
	g_autofree gchar *url = g_strdup_printf("%s://127.0.0.1:%u/tps/tps", https ? "https" : "http", esc_test_server_get_port(server));

	conn = esc_tps_connection_open(url, tls, NULL, &error);
	g_test_message("%s", error != NULL ? error->message : "(no error)");
	g_assert_null(conn);
	g_assert_error(error, ESC_ERROR, (gint)code);
	if (needle != NULL)
		g_assert_nonnull(strstr(error->message, needle));
	g_assert_nonnull(strstr(error->message, url));
}

static void
test_tls_untrusted(Fixture *f, gconstpointer data)
{
	if (f->dir == NULL)
		return;
	/* another self-signed certificate as CA file */
	f->script = SCRIPT_ECHO;
	expect_open_error(f, f->self->pem_path, f->other->cert_path, TRUE, ESC_ERROR_TLS, "not trusted");
	/* no CA file: the system store does not know it either */
	expect_open_error(f, f->self->pem_path, NULL, TRUE, ESC_ERROR_TLS, "not trusted");
	/* the CA of another chain */
	expect_open_error(f, f->leaf->pem_path, f->other->cert_path, TRUE, ESC_ERROR_TLS, "not trusted");
}

static void
test_tls_wrong_host(Fixture *f, gconstpointer data)
{
	if (f->dir == NULL)
		return;
	/* trusted, but issued for other.example while we connect to 127.0.0.1 */
	expect_open_error(f, f->misnamed->pem_path, f->misnamed->cert_path, TRUE, ESC_ERROR_TLS, "another host name");
}

/* With a CA file the server's identity is checked as strictly as without: a certificate the
 * file's CA issued for another name, an expired one or one not valid yet, and a chain the
 * file does not anchor are refused, also by the plain GET of phone home; never a fallback to
 * an unverified connection. */
static void
test_tls_ca_file_checks(Fixture *f, gconstpointer data)
{
	g_autoptr(ThTestCert) misnamed_leaf = NULL;
	g_autoptr(ThTestCert) expired_leaf = NULL;
	g_autoptr(ThTestCert) future_leaf = NULL;
	g_autoptr(ThTestCert) other_ca = NULL;
	g_autoptr(ThTestCert) foreign_leaf = NULL;
	g_autoptr(ThTestCert) expired_self = NULL;
	struct {
		ThTestCert **server;
		ThTestCert **ca;
		const gchar *needle;
	} cases[] = {
	    {&misnamed_leaf, &f->ca, "another host name"},
	    {&expired_leaf, &f->ca, "expired"},
	    {&future_leaf, &f->ca, "not valid yet"},
	    {&foreign_leaf, &f->ca, "not trusted"},
	    {&expired_self, &expired_self, "expired"},
	    {&f->leaf, &f->self, "not trusted"},
	};

	if (f->dir == NULL)
		return;
	misnamed_leaf = th_test_cert_new(f->dir, "misnamed-leaf", "tps.example", "DNS:tps.example,IP:10.0.0.1", f->ca, FALSE);
	expired_leaf = th_test_cert_new_full(f->dir, "expired-leaf", "127.0.0.1", "IP:127.0.0.1", f->ca, FALSE, -7200, -3600);
	future_leaf = th_test_cert_new_full(f->dir, "future-leaf", "127.0.0.1", "IP:127.0.0.1", f->ca, FALSE, 3600, 7200);
	other_ca = th_test_cert_new(f->dir, "other-ca", "Other CA", NULL, NULL, TRUE);
	foreign_leaf = th_test_cert_new(f->dir, "foreign-leaf", "127.0.0.1", "IP:127.0.0.1", other_ca, FALSE);
	expired_self = th_test_cert_new_full(f->dir, "expired-self", "127.0.0.1", "IP:127.0.0.1", NULL, FALSE, -7200, -3600);
	f->script = SCRIPT_ECHO;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(EscTestServer) server = esc_test_server_new((*cases[i].server)->pem_path, server_func, f);
		g_autoptr(EscTlsOptions) tls = tls_with_ca((*cases[i].ca)->cert_path);
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) get_error = NULL;
		g_autoptr(EscTpsConnection) conn = NULL;
		g_autoptr(GBytes) body = NULL;
		g_autofree gchar *url = esc_test_server_get_url(server, "/tps/tps");

		conn = esc_tps_connection_open(url, tls, NULL, &error);
		g_test_message("case %u: %s", i, error != NULL ? error->message : "(no error)");
		g_assert_null(conn);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_TLS);
		g_assert_nonnull(strstr(error->message, cases[i].needle));
		body = esc_tps_connection_http_get(url, tls, 1000, NULL, &get_error);
		g_assert_null(body);
		g_assert_error(get_error, ESC_ERROR, ESC_ERROR_TLS);
		/* both handshakes failed: the server never got a request */
		esc_test_server_wait(server, 2);
		g_assert_cmpuint(esc_test_server_get_n_handshake_failures(server), ==, 2);
		g_mutex_lock(&f->lock);
		g_assert_cmpuint(f->seen->len, ==, 0);
		g_mutex_unlock(&f->lock);
	}
}

static void
test_tls_not_tls(Fixture *f, gconstpointer data)
{
	if (f->dir == NULL)
		return;
	f->script = SCRIPT_HEAD;
	f->text = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	/* https:// to a plain HTTP server */
	{
		g_autoptr(EscTestServer) server = esc_test_server_new(NULL, server_func, f);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", esc_test_server_get_port(server));
		g_autoptr(EscTlsOptions) tls = tls_with_ca(f->self->cert_path);
		g_autoptr(EscTpsConnection) conn = NULL;

		esc_tls_options_set_timeout(tls, 5);
		conn = esc_tps_connection_open(url, tls, NULL, &error);
		g_test_message("%s", error != NULL ? error->message : "(no error)");
		g_assert_null(conn);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_TLS);
	}
}

/* ---- connection failures -------------------------------------------------------------- */

static guint16
closed_port(void)
{
	g_autoptr(GSocket) socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	guint16 port;

	g_assert_true(g_socket_bind(socket, address, TRUE, NULL));
	bound = g_socket_get_local_address(socket, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	g_socket_close(socket, NULL);
	return port;
}

static void
test_refused(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", closed_port());
	g_autoptr(EscTpsConnection) conn = esc_tps_connection_open(url, NULL, NULL, &error);
	g_autoptr(GBytes) body = NULL;

	g_test_message("%s", error->message);
	g_assert_null(conn);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CONNECT);
	g_assert_nonnull(strstr(error->message, url));
	g_clear_error(&error);
	body = esc_tps_connection_http_get(url, NULL, 100, NULL, &error);
	g_assert_null(body);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CONNECT);
}

/* ---- file descriptors ------------------------------------------------------------------- */

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

static void
answer_404(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	esc_test_server_write(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
}

static void
answer_garbage(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	esc_test_server_write(stream, OK_HEAD "5\r\nhello\r\n0\r\n\r\n");
}

static void
answer_nothing(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
}

/* 200 failed connections of every kind (refused, untrusted, misnamed, not TLS, not 200,
 * closed at once, garbage) leave no file descriptor behind. */
static void
test_fd_leaks(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) untrusted = NULL;
	g_autoptr(EscTestServer) misnamed = NULL;
	g_autoptr(EscTestServer) plain_404 = NULL;
	g_autoptr(EscTestServer) tls_closing = NULL;
	g_autoptr(EscTestServer) tls_garbage = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autofree gchar *refused_url = NULL;
	g_autofree gchar *untrusted_url = NULL;
	g_autofree gchar *misnamed_url = NULL;
	g_autofree gchar *plain_url = NULL;
	g_autofree gchar *not_tls_url = NULL;
	g_autofree gchar *closing_url = NULL;
	g_autofree gchar *garbage_url = NULL;
	guint before = 0, after;
	guint n_tls_closing = 0, n_tls_garbage = 0, n_plain = 0, n_untrusted = 0, n_misnamed = 0;

	if (f->dir == NULL)
		return;
	tls = tls_with_ca(f->ca->cert_path);
	esc_tls_options_set_timeout(tls, 10);
	untrusted = esc_test_server_new(f->other->pem_path, answer_nothing, NULL);
	misnamed = esc_test_server_new(f->misnamed->pem_path, answer_nothing, NULL);
	plain_404 = esc_test_server_new(NULL, answer_404, NULL);
	tls_closing = esc_test_server_new(f->leaf->pem_path, answer_nothing, NULL);
	tls_garbage = esc_test_server_new(f->leaf->pem_path, answer_garbage, NULL);
	refused_url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", closed_port());
	untrusted_url = esc_test_server_get_url(untrusted, "/tps/tps");
	misnamed_url = esc_test_server_get_url(misnamed, "/tps/tps");
	plain_url = esc_test_server_get_url(plain_404, "/tps/tps");
	not_tls_url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", esc_test_server_get_port(plain_404));
	closing_url = esc_test_server_get_url(tls_closing, "/tps/tps");
	garbage_url = esc_test_server_get_url(tls_garbage, "/tps/tps");

	/* round 0 warms up (TLS backend, trust store): counted from round 1 on */
	for (guint round = 0; round <= 200; round++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(EscTpsConnection) conn = NULL;
		g_autoptr(GBytes) body = NULL;
		g_autoptr(TokTpsMessage) msg = NULL;
		EscError expected;

		if (round == 1) {
			esc_test_server_wait(tls_closing, n_tls_closing);
			esc_test_server_wait(tls_garbage, n_tls_garbage);
			esc_test_server_wait(plain_404, n_plain);
			esc_test_server_wait(untrusted, n_untrusted);
			esc_test_server_wait(misnamed, n_misnamed);
			before = count_fds();
		}
		switch (round % 8) {
		case 0:
			conn = esc_tps_connection_open(refused_url, tls, NULL, &error);
			expected = ESC_ERROR_CONNECT;
			break;
		case 1:
			conn = esc_tps_connection_open(untrusted_url, tls, NULL, &error);
			expected = ESC_ERROR_TLS;
			n_untrusted++;
			break;
		case 2:
			body = esc_tps_connection_http_get(misnamed_url, tls, 100, NULL, &error);
			expected = ESC_ERROR_TLS;
			n_misnamed++;
			break;
		case 3:
			conn = esc_tps_connection_open(plain_url, tls, NULL, &error);
			expected = ESC_ERROR_PROTOCOL;
			n_plain++;
			break;
		case 4:
			conn = esc_tps_connection_open(not_tls_url, tls, NULL, &error);
			expected = ESC_ERROR_TLS;
			n_plain++;
			break;
		case 5:
			conn = esc_tps_connection_open(closing_url, tls, NULL, &error);
			expected = ESC_ERROR_CONNECT;
			n_tls_closing++;
			break;
		case 6:
			/* the head is fine, the first message is not */
			conn = esc_tps_connection_open(garbage_url, tls, NULL, &error);
			g_assert_no_error(error);
			msg = esc_tps_connection_receive(conn, NULL, &error);
			g_assert_null(msg);
			g_clear_object(&conn);
			expected = ESC_ERROR_PROTOCOL;
			n_tls_garbage++;
			break;
		default:
			body = esc_tps_connection_http_get(plain_url, tls, 100, NULL, &error);
			expected = ESC_ERROR_PROTOCOL;
			n_plain++;
			break;
		}
		if (error == NULL || error->code != (gint)expected)
			g_test_message("round %u: %s", round, error != NULL ? error->message : "(no error)");
		g_assert_null(conn);
		g_assert_null(body);
		g_assert_error(error, ESC_ERROR, (gint)expected);
	}
	/* the test servers are done with their ends too */
	esc_test_server_wait(tls_closing, n_tls_closing);
	esc_test_server_wait(tls_garbage, n_tls_garbage);
	esc_test_server_wait(plain_404, n_plain);
	esc_test_server_wait(untrusted, n_untrusted);
	esc_test_server_wait(misnamed, n_misnamed);
	after = count_fds();
	g_test_message("file descriptors: %u before, %u after 200 failed connections", before, after);
	g_assert_cmpuint(after, ==, before);
}

static void
test_http_bad_heads(Fixture *f, gconstpointer data)
{
	const struct {
		const gchar *head;
		const gchar *needle;
	} cases[] = {
	    {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "404 Not Found"},
	    {"HTTP/1.1 405 Method Not Allowed\r\n\r\n", "405"},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "chunked"},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "chunked"},
	    {"garbage\r\n\r\n", "not HTTP"},
	    {"HTTP/1.1 2000 OK\r\n\r\n", "not HTTP"},
	    {"HTTP/1.1 200 OK\r\n bad continuation\r\n\r\n", "malformed"},
	    {"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed"},
	    {"HTTP/1.1 200 OK\r\nX: \001\r\n\r\n", "control"},
	    {"HTTP/1.1 200 OK\r\nX: \377\r\n\r\n", "binary"},
	};

	if (f->dir == NULL)
		return;
	f->script = SCRIPT_HEAD;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		f->text = cases[i].head;
		expect_open_error(f, f->self->pem_path, f->self->cert_path, TRUE, ESC_ERROR_PROTOCOL, cases[i].needle);
	}
}

/* A server that answers something other than HTTP and never ends a head (no blank line, maybe
 * no line end at all): the client fails PROTOCOL at the status line, well before its (long)
 * timeout; over TLS and plain TCP, for the TPS exchange and the GET of phone home. A status
 * line that arrives slowly, or is fine but stops, is not mistaken for garbage. */
static void
test_http_not_http_fails_fast(Fixture *f, gconstpointer data)
{
	const struct {
		const gchar *text;
		const gchar *needle;
	} cases[] = {
	    {"garbage without newline", "garbage without newline"},
	    {"HTTP/2 200 OK", "HTTP/2 200 OK"},
	    {"HTTP/1.1 OK 200", "HTTP/1.1 OK 200"},
	    {"HTTP/1.1 200OK", "HTTP/1.1 200OK"},
	    {"HTTP/1.1 200 OK\n", "HTTP/1.1 200 OK"},
	    {"HTTP/1.1 200\n", "HTTP/1.1 200"},
	    {"\r\n", "not HTTP"},
	    {"\001\002\003\004 binary", "????"},
	    {"SSH-2.0-OpenSSH_9.2", "SSH-2.0"},
	};

	if (f->dir == NULL)
		return;
	f->script = SCRIPT_HEAD;
	for (guint https = 0; https < 2; https++) {
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(EscTestServer) server = esc_test_server_new(https ? f->self->pem_path : NULL, server_func, f);
			g_autoptr(EscTlsOptions) tls = tls_with_ca(https ? f->self->cert_path : NULL);
			g_autoptr(GError) error = NULL;
			g_autoptr(EscTpsConnection) conn = NULL;
			g_autoptr(GBytes) body = NULL;
			g_autofree gchar *url = esc_test_server_get_url(server, "/tps/tps");
			gint64 start;

			esc_tls_options_set_timeout(tls, 60);
			f->text = cases[i].text;
			start = g_get_monotonic_time();
			conn = esc_tps_connection_open(url, tls, NULL, &error);
			g_test_message("%s", error != NULL ? error->message : "(no error)");
			g_assert_null(conn);
			g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
			g_assert_nonnull(strstr(error->message, "not HTTP"));
			g_assert_nonnull(strstr(error->message, cases[i].needle));
			g_assert_nonnull(strstr(error->message, url));
			g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_TIME_SPAN_SECOND);
			g_clear_error(&error);

			/* phone home's GET reads its head the same way */
			start = g_get_monotonic_time();
			body = esc_tps_connection_http_get(url, tls, 4096, NULL, &error);
			g_assert_null(body);
			g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
			g_assert_nonnull(strstr(error->message, cases[i].needle));
			g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_TIME_SPAN_SECOND);
		}
	}

	/* a good head that comes a byte at a time is read, not judged too early */
	{
		g_autoptr(EscTestServer) server = NULL;
		g_autoptr(EscTlsOptions) tls = tls_with_ca(f->self->cert_path);
		g_autoptr(GError) error = NULL;
		g_autoptr(EscTpsConnection) conn = NULL;
		g_autofree gchar *url = NULL;

		f->script = SCRIPT_HEAD_SLOWLY;
		f->text = OK_HEAD;
		server = esc_test_server_new(f->self->pem_path, server_func, f);
		url = esc_test_server_get_url(server, "/tps/tps");
		conn = esc_tps_connection_open(url, tls, NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(conn);
		esc_tps_connection_close(conn);
	}

	/* a status line that is right so far but stops: that is a timeout, not garbage */
	{
		const gchar *partial[] = {"HTTP/1.", "HTTP/1.1 20", "HTTP/1.1 200 OK\r\nTransfer-Enc"};

		f->script = SCRIPT_HEAD;
		for (guint i = 0; i < G_N_ELEMENTS(partial); i++) {
			g_autoptr(EscTestServer) server = NULL;
			g_autoptr(EscTlsOptions) tls = tls_with_ca(f->self->cert_path);
			g_autoptr(GError) error = NULL;
			g_autoptr(EscTpsConnection) conn = NULL;
			g_autofree gchar *url = NULL;

			esc_tls_options_set_timeout(tls, 1);
			f->text = partial[i];
			server = esc_test_server_new(f->self->pem_path, server_func, f);
			url = esc_test_server_get_url(server, "/tps/tps");
			conn = esc_tps_connection_open(url, tls, NULL, &error);
			g_test_message("%s", error != NULL ? error->message : "(no error)");
			g_assert_null(conn);
			g_assert_error(error, ESC_ERROR, ESC_ERROR_TIMEOUT);
		}
	}
}

static void
test_http_huge_head(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) head = g_string_new("HTTP/1.1 200 OK\r\n");

	if (f->dir == NULL)
		return;
	while (head->len < ESC_TPS_CONNECTION_MAX_HEAD + 4096)
		g_string_append(head, "X-Filler: 0123456789012345678901234567890123456789\r\n");
	f->script = SCRIPT_HEAD;
	f->text = head->str;
	expect_open_error(f, NULL, NULL, FALSE, ESC_ERROR_PROTOCOL, "bytes");
}

static void
test_close_before_head(Fixture *f, gconstpointer data)
{
	if (f->dir == NULL)
		return;
	f->script = SCRIPT_CLOSE;
	expect_open_error(f, f->self->pem_path, f->self->cert_path, TRUE, ESC_ERROR_CONNECT, "closed the connection");
}

/* Opens against a server that answers 200 chunked, then writes @body raw, and reads. */
static void
expect_receive_error(Fixture *f, const gchar *body, Script script, EscError code)
{
	g_autofree gchar *text = g_strconcat(OK_HEAD, body, NULL);
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = tls_with_ca(f->self->cert_path);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autofree gchar *url = NULL;

	f->script = script;
	f->text = text;
	server = esc_test_server_new(f->self->pem_path, server_func, f);
	url = esc_test_server_get_url(server, "/tps/tps");
	conn = esc_tps_connection_open(url, tls, NULL, &error);
	g_assert_no_error(error);
	msg = esc_tps_connection_receive(conn, NULL, &error);
	g_test_message("%s", error != NULL ? error->message : "(no error)");
	g_assert_null(msg);
	g_assert_error(error, ESC_ERROR, (gint)code);
	esc_tps_connection_close(conn);
}

static void
test_receive_garbage(Fixture *f, gconstpointer data)
{
	g_autoptr(GString) big = g_string_new(NULL);

	if (f->dir == NULL)
		return;
	/* bad chunk framing */
	expect_receive_error(f, "zz\r\nhello\r\n", SCRIPT_HEAD, ESC_ERROR_PROTOCOL);
	/* a chunk that is not a message */
	expect_receive_error(f, "5\r\nhello\r\n", SCRIPT_HEAD, ESC_ERROR_PROTOCOL);
	/* a message with a wrong length */
	expect_receive_error(f, "1E\r\ns=99&msg_type=13&operation=5&r\r\n", SCRIPT_HEAD, ESC_ERROR_PROTOCOL);
	/* a chunk larger than ESC_TPS_CONNECTION_MAX_MESSAGE */
	g_string_printf(big, "%X\r\n", ESC_TPS_CONNECTION_MAX_MESSAGE + 1);
	for (guint i = 0; i <= ESC_TPS_CONNECTION_MAX_MESSAGE; i++)
		g_string_append_c(big, 'a');
	g_string_append(big, "\r\n");
	expect_receive_error(f, big->str, SCRIPT_HEAD, ESC_ERROR_PROTOCOL);
	/* the server goes away in the middle of a chunk */
	expect_receive_error(f, "40\r\ns=42&msg_type=13", SCRIPT_CLOSE_AFTER_TEXT, ESC_ERROR_CONNECT);
}

static void
test_receive_clean_end(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autofree gchar *url = NULL;

	if (f->dir == NULL)
		return;
	f->script = SCRIPT_HEAD;
	f->text = OK_HEAD "0\r\n\r\n";
	server = esc_test_server_new(NULL, server_func, f);
	url = esc_test_server_get_url(server, "/tps/tps");
	conn = esc_tps_connection_open(url, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(esc_tps_connection_get_url(conn), ==, url);
	msg = esc_tps_connection_receive(conn, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(msg);
}

/* ---- timeouts and cancellation -------------------------------------------------------- */

static void
test_timeout(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autofree gchar *url = NULL;
	gint64 start;

	if (f->dir == NULL)
		return;
	tls = tls_with_ca(f->self->cert_path);
	esc_tls_options_set_timeout(tls, 1);

	/* no response head */
	f->script = SCRIPT_STALL;
	server = esc_test_server_new(f->self->pem_path, server_func, f);
	url = esc_test_server_get_url(server, "/tps/tps");
	start = g_get_monotonic_time();
	conn = esc_tps_connection_open(url, tls, NULL, &error);
	g_test_message("%s", error != NULL ? error->message : "(no error)");
	g_assert_null(conn);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_TIMEOUT);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_TIME_SPAN_SECOND);
	g_clear_error(&error);
	g_clear_pointer(&server, esc_test_server_free);
	g_clear_pointer(&url, g_free);

	/* a head, then nothing */
	f->script = SCRIPT_HEAD_THEN_STALL;
	server = esc_test_server_new(f->self->pem_path, server_func, f);
	url = esc_test_server_get_url(server, "/tps/tps");
	conn = esc_tps_connection_open(url, tls, NULL, &error);
	g_assert_no_error(error);
	start = g_get_monotonic_time();
	msg = esc_tps_connection_receive(conn, NULL, &error);
	g_test_message("%s", error != NULL ? error->message : "(no error)");
	g_assert_null(msg);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_TIMEOUT);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_TIME_SPAN_SECOND);
	esc_tps_connection_close(conn);
}

static gboolean
cancel_later(gpointer data)
{
	g_cancellable_cancel(data);
	return G_SOURCE_REMOVE;
}

static gpointer
cancel_thread(gpointer data)
{
	g_usleep(G_USEC_PER_SEC / 5);
	cancel_later(data);
	return NULL;
}

static void
test_cancel(Fixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	g_autofree gchar *url = NULL;
	GThread *thread;
	gint64 start;

	if (f->dir == NULL)
		return;
	tls = tls_with_ca(f->self->cert_path);
	f->script = SCRIPT_HEAD_THEN_STALL;
	server = esc_test_server_new(f->self->pem_path, server_func, f);
	url = esc_test_server_get_url(server, "/tps/tps");

	/* cancelled before: nothing happens */
	g_cancellable_cancel(cancelled);
	conn = esc_tps_connection_open(url, tls, cancelled, &error);
	g_assert_null(conn);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_clear_error(&error);

	/* cancelled while a read blocks */
	conn = esc_tps_connection_open(url, tls, cancellable, &error);
	g_assert_no_error(error);
	start = g_get_monotonic_time();
	thread = g_thread_new("cancel", cancel_thread, cancellable);
	msg = esc_tps_connection_receive(conn, cancellable, &error);
	g_thread_join(thread);
	g_assert_null(msg);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_TIME_SPAN_SECOND);
	esc_tps_connection_close(conn);
}

/* ---- GET ------------------------------------------------------------------------------ */

static void
test_http_get(Fixture *f, gconstpointer data)
{
	const struct {
		const gchar *answer;
		const gchar *body; /* NULL: error */
		EscError code;
	} cases[] = {
	    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "hello", 0},
	    {"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\nuntil the close", "until the close", 0},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", "abcde", 0},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", 0},
	    {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", NULL, ESC_ERROR_PROTOCOL},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", NULL, ESC_ERROR_PROTOCOL},
	    {"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", NULL, ESC_ERROR_CONNECT},
	    {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", NULL, ESC_ERROR_PROTOCOL},
	    {"HTTP/1.1 200 OK\r\n\r\n0123456789012345678901234567890123456789012345678901234567890123456789"
	     "0123456789012345678901234567890123456789",
	     NULL, ESC_ERROR_PROTOCOL},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n", NULL, ESC_ERROR_CONNECT},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", NULL, ESC_ERROR_PROTOCOL},
	};

	if (f->dir == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(EscTestServer) server = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) body = NULL;
		g_autofree gchar *url = NULL;
		g_autofree gchar *head = NULL;
		gboolean https = i % 2 == 0;
		g_autoptr(EscTlsOptions) tls = tls_with_ca(f->self->cert_path);

		f->script = SCRIPT_CLOSE_AFTER_TEXT;
		f->text = cases[i].answer;
		server = esc_test_server_new(https ? f->self->pem_path : NULL, server_func, f);
		url = esc_test_server_get_url(server, "/tps/phoneHome?x=1");
		body = esc_tps_connection_http_get(url, tls, 100, NULL, &error);
		g_test_message("case %u: %s", i, error != NULL ? error->message : "ok");
		if (cases[i].body != NULL) {
			g_assert_no_error(error);
			g_assert_cmpmem(g_bytes_get_data(body, NULL), g_bytes_get_size(body), cases[i].body, strlen(cases[i].body));
		} else {
			g_assert_null(body);
			g_assert_error(error, ESC_ERROR, (gint)cases[i].code);
		}
		esc_test_server_wait(server, 1);
		head = esc_test_server_dup_last_head(server);
		g_assert_true(g_str_has_prefix(head, "GET /tps/phoneHome?x=1 HTTP/1.1\r\nHost: 127.0.0.1:"));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("/esc/tps-connection/tls-options", test_tls_options);
	ADD("/esc/tps-connection/url/invalid", test_url_invalid);
	ADD("/esc/tps-connection/exchange/ca-chain", test_exchange_ca_chain);
	ADD("/esc/tps-connection/exchange/self-signed", test_exchange_self_signed);
	ADD("/esc/tps-connection/exchange/localhost-default-path", test_exchange_localhost_default_path);
	ADD("/esc/tps-connection/exchange/http", test_exchange_http);
	ADD("/esc/tps-connection/tls/untrusted", test_tls_untrusted);
	ADD("/esc/tps-connection/tls/wrong-host", test_tls_wrong_host);
	ADD("/esc/tps-connection/tls/not-tls", test_tls_not_tls);
	ADD("/esc/tps-connection/tls/ca-file-checks", test_tls_ca_file_checks);
	ADD("/esc/tps-connection/connect/fd-leaks", test_fd_leaks);
	ADD("/esc/tps-connection/connect/refused", test_refused);
	ADD("/esc/tps-connection/connect/closed-before-head", test_close_before_head);
	ADD("/esc/tps-connection/http/bad-heads", test_http_bad_heads);
	ADD("/esc/tps-connection/http/not-http-fails-fast", test_http_not_http_fails_fast);
	ADD("/esc/tps-connection/http/huge-head", test_http_huge_head);
	ADD("/esc/tps-connection/receive/garbage", test_receive_garbage);
	ADD("/esc/tps-connection/receive/clean-end", test_receive_clean_end);
	ADD("/esc/tps-connection/timeout", test_timeout);
	ADD("/esc/tps-connection/cancel", test_cancel);
	ADD("/esc/tps-connection/http-get", test_http_get);
#undef ADD
	return g_test_run();
}
