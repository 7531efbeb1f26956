/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * escctl without a TPS: a private pcscd + vpcd with esc-vcard cards, and servers that are not
 * TPSs (tests/client/escctl-test.h).
 *
 *  - usage errors (exit 2), no card / no such reader (exit 3), several cards (exit 2, naming
 *    them), --reader, pcscd gone (exit 3);
 *  - a server that is down (exit 5, kind "connect");
 *  - a TLS server that answers garbage: not HTTP, or HTTP with a chunk that is no message
 *    (exit 5, kind "protocol");
 *  - a TLS server that accepts the request and never answers: --timeout 2, exit 5 within a few
 *    seconds, "did not answer" (kind "timeout");
 *  - monitor: events printed live as JSON lines while a card comes and goes; Ctrl-C ends it
 *    with exit 0.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "escctl-test.h"

#define SERVER_IO_TIMEOUT_S 60
#define MONITOR_TIMEOUT_S   60

/* ---- usage, readers ------------------------------------------------------------------- */

static void
test_usage(EctFixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	if (f->pcsc == NULL)
		return;
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, NULL), ==, 2);
	g_assert_nonnull(strstr(err, "No command given"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "frobnicate", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "Unknown command"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "list", "--pem", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "--pem"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "enroll", "--password-stdin", "--password-file", "/dev/null", NULL), ==, 2);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "--timeout", "0", "list", NULL), ==, 2);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "enroll", "--server", "ftp://example.org/", NULL), ==, 2);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "enroll", "--ca-file", "/nonexistent.pem", NULL), ==, 2);
	g_clear_pointer(&err, g_free);
	/* a password file that does not exist: said before anything runs */
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "--json", "format", "--password-file", "/nonexistent", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "/nonexistent"));
	ect_assert_json_error(out, "invalid-input", 2);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* --password-stdin with nothing on standard input */
	g_assert_cmpint(ect_escctl(f, "", NULL, &err, "format", "--password-stdin", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "ended before"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--version", NULL), ==, 0);
	g_assert_true(g_str_has_prefix(out, "escctl "));
}

static void
test_readers(EctFixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonObject) o = NULL;
	g_autoptr(GError) error = NULL;

	if (f->pcsc == NULL)
		return;
	/* no card anywhere */
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "--json", "info", NULL), ==, 3);
	g_assert_nonnull(strstr(err, "No reader has a card"));
	ect_assert_json_error(out, "no-card", 3);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "--reader", "No Such Reader", "certs", NULL), ==, 3);
	g_assert_nonnull(strstr(err, "There is no reader “No Such Reader”"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "--reader", "Virtual PCD 00 01", "certs", NULL), ==, 3);
	g_assert_nonnull(strstr(err, "There is no card in “Virtual PCD 00 01”"));
	g_clear_pointer(&err, g_free);

	/* two cards: escctl does not guess */
	ect_plug_card(f, 0, "a", FALSE, "--cuid", "11111111111111111111", NULL);
	ect_plug_card(f, 1, "b", FALSE, "--cuid", "22222222222222222222", "--blank", NULL);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "info", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "Several readers have a card"));
	g_assert_nonnull(strstr(err, "“Virtual PCD 00 00”"));
	g_assert_nonnull(strstr(err, "“Virtual PCD 00 01”"));
	g_assert_nonnull(strstr(err, "--reader"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "--reader", "Virtual PCD 00 01", "info", NULL), ==, 0);
	o = ect_parse_json(out);
	g_assert_cmpstr(ect_json_string(o, "reader"), ==, "Virtual PCD 00 01");
	g_assert_cmpstr(ect_json_string(o, "cuid"), ==, "22222222222222222222");
	g_assert_cmpstr(ect_json_string(o, "status"), ==, "blank");
	g_clear_pointer(&o, json_object_unref);
	g_clear_pointer(&out, g_free);
	/* certs of a token without certificates */
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--reader", "Virtual PCD 00 00", "certs", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "holds no certificates"));
	g_clear_pointer(&out, g_free);
	/* an empty password file */
	g_assert_cmpint(ect_escctl(f, NULL, NULL, &err, "--reader", "Virtual PCD 00 00", "format", "--password-file", "/dev/null",
				   NULL),
			==, 2);
	g_assert_nonnull(strstr(err, "empty"));
	g_clear_pointer(&err, g_free);
	/* no TPS known: the formatted card has no phone-home URL */
	g_assert_cmpint(ect_escctl(f, "pw\n", NULL, &err, "--reader", "Virtual PCD 00 00", "format", "--password-stdin", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "--server"));
	g_clear_pointer(&err, g_free);

	/* diagnose sees both */
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "diagnose", NULL), ==, 0);
	o = ect_parse_json(out);
	g_assert_true(json_object_has_member(o, "report"));
	g_assert_true(json_object_get_boolean_member(o, "settled"));
	g_assert_nonnull(strstr(out, "11111111111111111111"));
	g_assert_nonnull(strstr(out, "22222222222222222222"));
	g_clear_pointer(&o, json_object_unref);
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "diagnose", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "Virtual PCD 00 01"));
	g_clear_pointer(&out, g_free);

	/* pcscd gone */
	g_assert_true(th_pcsc_kill_pcscd(f->pcsc, SIGTERM, &error));
	g_assert_no_error(error);
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "--json", "list", NULL), ==, 3);
	g_assert_nonnull(strstr(err, "pcscd"));
	ect_assert_json_error(out, "no-service", 3);
}

/* ---- servers that are not a TPS ------------------------------------------------------- */

typedef enum {
	SERVER_DOWN,	    /* nothing listens */
	SERVER_NOT_HTTP,    /* TLS, then a line that is not HTTP */
	SERVER_BAD_MESSAGE, /* TLS, HTTP 200 chunked, a chunk that is no message */
	SERVER_STALL,	    /* TLS, reads the request, never answers */
} ServerKind;

typedef struct {
	ServerKind kind;
	GSocket *listener;
	GTlsCertificate *cert;
	GCancellable *cancellable;
	GThread *thread;
	gboolean served;
} TinyServer;

static gpointer
tiny_server_thread(gpointer data)
{
	TinyServer *s = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) socket = g_socket_accept(s->listener, s->cancellable, &error);
	g_autoptr(GSocketConnection) tcp = NULL;
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GString) head = g_string_new(NULL);
	GInputStream *in;
	GOutputStream *out;
	const gchar *reply = NULL;

	if (socket == NULL)
		return NULL;
	g_socket_set_timeout(socket, SERVER_IO_TIMEOUT_S);
	tcp = g_socket_connection_factory_create_connection(socket);
	tls = g_tls_server_connection_new(G_IO_STREAM(tcp), s->cert, &error);
	g_assert_no_error(error);
	if (!g_tls_connection_handshake(G_TLS_CONNECTION(tls), s->cancellable, &error)) {
		g_test_message("tiny server: handshake: %s", error->message);
		return NULL;
	}
	in = g_io_stream_get_input_stream(tls);
	out = g_io_stream_get_output_stream(tls);
	/* the request head (and whatever follows it in the same read) */
	while (strstr(head->str, "\r\n\r\n") == NULL && head->len < 65536) {
		gchar buf[1024];
		gssize n = g_input_stream_read(in, buf, sizeof(buf), s->cancellable, &error);
		if (n <= 0)
			return NULL;
		g_string_append_len(head, buf, n);
	}
	s->served = g_str_has_prefix(head->str, "POST /tps/tps HTTP/1.1\r\n");
	switch (s->kind) {
	case SERVER_NOT_HTTP:
		reply = "SSH-2.0-OpenSSH_9.2\r\nthis is not a web server\r\n\r\n";
		break;
	case SERVER_BAD_MESSAGE:
		reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
			"17\r\nthis is not a message!!\r\n";
		break;
	case SERVER_STALL:
	case SERVER_DOWN:
	default:
		break;
	}
	if (reply != NULL) {
		g_output_stream_write_all(out, reply, strlen(reply), NULL, s->cancellable, NULL);
		g_output_stream_flush(out, s->cancellable, NULL);
		/* then wait for the client to give up and close */
	}
	for (;;) {
		gchar buf[1024];
		gssize n = g_input_stream_read(in, buf, sizeof(buf), s->cancellable, NULL);
		if (n <= 0)
			break;
	}
	return NULL;
}

/* A self-signed certificate for 127.0.0.1 and localhost, made with the openssl command. */
static gchar *
make_server_certificate(EctFixture *f, gchar **key_path)
{
	g_autofree gchar *cert = ect_path(f, "tiny-server.crt");
	g_autofree gchar *key = ect_path(f, "tiny-server.key");
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
						       "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
						       "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
						       "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
						       "-keyout", key, "-out", cert, NULL);
	g_autofree gchar *err = NULL;

	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(proc, NULL, NULL, NULL, &err, &error));
	g_assert_no_error(error);
	if (g_subprocess_get_exit_status(proc) != 0)
		g_test_message("openssl req: %s", err);
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
	*key_path = g_steal_pointer(&key);
	return g_steal_pointer(&cert);
}

static guint16
tiny_server_start(TinyServer *s, EctFixture *f, ServerKind kind, gchar **ca_file)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autofree gchar *key = NULL;
	guint16 port;

	s->kind = kind;
	s->cancellable = g_cancellable_new();
	s->listener = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	g_assert_no_error(error);
	g_assert_true(g_socket_bind(s->listener, any, TRUE, &error));
	g_assert_no_error(error);
	bound = g_socket_get_local_address(s->listener, &error);
	g_assert_no_error(error);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	*ca_file = make_server_certificate(f, &key);
	if (kind == SERVER_DOWN) {
		/* the port was free a moment ago; nothing listens on it now */
		g_socket_close(s->listener, NULL);
		return port;
	}
	s->cert = g_tls_certificate_new_from_files(*ca_file, key, &error);
	g_assert_no_error(error);
	g_assert_true(g_socket_listen(s->listener, &error));
	g_assert_no_error(error);
	s->thread = g_thread_new("tiny-server", tiny_server_thread, s);
	return port;
}

static void
tiny_server_stop(TinyServer *s)
{
	g_cancellable_cancel(s->cancellable);
	if (s->thread != NULL)
		g_thread_join(s->thread);
	g_clear_object(&s->listener);
	g_clear_object(&s->cert);
	g_clear_object(&s->cancellable);
}

static void
test_bad_server(EctFixture *f, gconstpointer data)
{
	ServerKind kind = GPOINTER_TO_INT(data);
	TinyServer server = {0};
	g_autofree gchar *ca_file = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *password = NULL;
	gint64 start;
	gint status;

	if (f->pcsc == NULL)
		return;
	ect_plug_card(f, 0, "main", FALSE, NULL);
	password = ect_write_file(f, "password", "whatever\n");
	url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", tiny_server_start(&server, f, kind, &ca_file));
	start = g_get_monotonic_time();
	status = ect_escctl(f, NULL, &out, &err, "--json", "--timeout", "2", "format", "--server", url, "--ca-file", ca_file,
			    "--user", "demo", "--password-file", password, NULL);
	g_test_message("escctl took %.1f s", (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	g_assert_cmpint(status, ==, 5);
	switch (kind) {
	case SERVER_DOWN:
		ect_assert_json_error(out, "connect", 5);
		g_assert_nonnull(strstr(err, "Cannot connect to the server"));
		break;
	case SERVER_NOT_HTTP:
	case SERVER_BAD_MESSAGE:
		ect_assert_json_error(out, "protocol", 5);
		g_assert_true(server.served);
		break;
	case SERVER_STALL:
	default:
		ect_assert_json_error(out, "timeout", 5);
		g_assert_nonnull(strstr(err, "did not answer"));
		g_assert_true(server.served);
		/* --timeout 2: well before the default 60 s */
		g_assert_cmpint(g_get_monotonic_time() - start, <, 30 * G_USEC_PER_SEC);
		break;
	}
	tiny_server_stop(&server);
}

/* ---- monitor -------------------------------------------------------------------------- */

typedef struct {
	GDataInputStream *in;
	GPtrArray *lines;
	gboolean eof;
	gboolean pending;
} LineReader;

static void
line_reader_next(LineReader *r);

static void
on_line(GObject *source, GAsyncResult *res, gpointer user_data)
{
	LineReader *r = user_data;
	gchar *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(source), res, NULL, NULL);

	r->pending = FALSE;
	if (line == NULL) {
		r->eof = TRUE;
		return;
	}
	g_test_message("monitor: %s", line);
	g_ptr_array_add(r->lines, line);
	line_reader_next(r);
}

static void
line_reader_next(LineReader *r)
{
	r->pending = TRUE;
	g_data_input_stream_read_line_async(r->in, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

/* Waits for a JSON line with "event" @event (and @reader if not NULL). */
static void
wait_event(LineReader *r, const gchar *event, const gchar *reader)
{
	gint64 end = g_get_monotonic_time() + MONITOR_TIMEOUT_S * G_TIME_SPAN_SECOND;
	guint seen = 0;

	for (;;) {
		for (; seen < r->lines->len; seen++) {
			g_autoptr(JsonObject) o = ect_parse_json(g_ptr_array_index(r->lines, seen));
			if (g_strcmp0(ect_json_string(o, "event"), event) == 0 && (reader == NULL || g_strcmp0(ect_json_string(o, "reader"), reader) == 0))
				return;
		}
		g_assert_false(r->eof);
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		g_main_context_iteration(NULL, TRUE);
	}
}

static void
test_monitor(EctFixture *f, gconstpointer data)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) envp = NULL;
	LineReader r = {0};
	ThPcscCard *card;

	if (f->pcsc == NULL)
		return;
	envp = th_pcsc_get_environ(f->pcsc);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_subprocess_launcher_set_environ(launcher, envp);
	proc = g_subprocess_launcher_spawn(launcher, &error, g_getenv("ESCCTL"), "--json", "monitor", NULL);
	g_assert_no_error(error);
	r.in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	r.lines = g_ptr_array_new_with_free_func(g_free);
	line_reader_next(&r);

	wait_event(&r, "reader-added", "Virtual PCD 00 00");
	wait_event(&r, "reader-added", "Virtual PCD 00 01");
	card = ect_plug_card(f, 1, "monitor", FALSE, "--cuid", "33333333333333333333", NULL);
	wait_event(&r, "card-inserted", "Virtual PCD 00 01");
	wait_event(&r, "token-probed", "Virtual PCD 00 01");
	g_assert_nonnull(strstr(g_ptr_array_index(r.lines, r.lines->len - 1), "33333333333333333333"));
	g_assert_true(th_pcsc_stop_card(f->pcsc, card, &error));
	g_assert_no_error(error);
	wait_event(&r, "card-removed", "Virtual PCD 00 01");

	/* Ctrl-C ends it normally */
	g_subprocess_send_signal(proc, SIGINT);
	g_assert_true(g_subprocess_wait(proc, NULL, &error));
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_assert_cmpint(g_subprocess_get_exit_status(proc), ==, 0);
	while (r.pending)
		g_main_context_iteration(NULL, TRUE);
	g_clear_object(&r.in);
	g_ptr_array_unref(r.lines);
}

const char *
__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "intercept_tls_get_addr=0";
}

#define ADD(path, data, fn) g_test_add((path), EctFixture, (data), ect_setup_without_tpsd, (fn), ect_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	ADD("/client/escctl/usage", NULL, test_usage);
	ADD("/client/escctl/readers", NULL, test_readers);
	ADD("/client/escctl/server/down", GINT_TO_POINTER(SERVER_DOWN), test_bad_server);
	ADD("/client/escctl/server/not-http", GINT_TO_POINTER(SERVER_NOT_HTTP), test_bad_server);
	ADD("/client/escctl/server/bad-message", GINT_TO_POINTER(SERVER_BAD_MESSAGE), test_bad_server);
	ADD("/client/escctl/server/stall", GINT_TO_POINTER(SERVER_STALL), test_bad_server);
	ADD("/client/escctl/monitor", NULL, test_monitor);
	return g_test_run();
}
