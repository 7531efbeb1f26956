/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-test-server.h"
#include "th-tpsd.h"
#include "th-util.h"

#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <string.h>

#define ESC_TEST_WAIT_US       (60 * G_TIME_SPAN_SECOND)
#define ESC_TEST_MAX_HEAD      16384

/* ---- server --------------------------------------------------------------------------- */

struct _EscTestServer {
	GTlsCertificate *certificate;
	EscTestServerFunc func;
	gpointer user_data;
	GThread *thread;
	GMainContext *context;
	GSocketService *service;
	guint16 port;
	gint quit;
	GMutex lock;
	GCond cond;
	gboolean started;
	guint n_running;
	guint n_done;
	guint n_handshake_failures;
	gchar *last_head;
};

static gchar *
esc_test_server_read_head(GInputStream *in)
{
	g_autoptr(GString) head = g_string_new(NULL);

	while (!g_str_has_suffix(head->str, "\r\n\r\n")) {
		gchar c;
		if (g_input_stream_read(in, &c, 1, NULL, NULL) != 1 || head->len > ESC_TEST_MAX_HEAD)
			return NULL;
		/* a TLS ClientHello (0x16) or other binary: not HTTP */
		if ((guchar)c >= 0x80 || ((guchar)c < 0x20 && c != '\r' && c != '\n'))
			return NULL;
		g_string_append_c(head, c);
	}
	return g_string_free(g_steal_pointer(&head), FALSE);
}

static gboolean
esc_test_server_run(GThreadedSocketService *service, GSocketConnection *connection, GObject *source, gpointer user_data)
{
	EscTestServer *server = user_data;
	g_autoptr(GIOStream) tls = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *head = NULL;
	GIOStream *stream = G_IO_STREAM(connection);

	g_mutex_lock(&server->lock);
	server->n_running++;
	g_mutex_unlock(&server->lock);
	if (server->certificate != NULL) {
		tls = g_tls_server_connection_new(G_IO_STREAM(connection), server->certificate, &error);
		g_assert_no_error(error);
		stream = tls;
		if (!g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, &error)) {
			g_debug("test server: handshake failed: %s", error->message);
			g_mutex_lock(&server->lock);
			server->n_handshake_failures++;
			g_mutex_unlock(&server->lock);
			stream = NULL;
		}
	}
	if (stream != NULL)
		head = esc_test_server_read_head(g_io_stream_get_input_stream(stream));
	if (head == NULL && stream != NULL && server->certificate == NULL)
		esc_test_server_write(stream, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
	if (head != NULL) {
		g_mutex_lock(&server->lock);
		g_free(server->last_head);
		server->last_head = g_strdup(head);
		g_mutex_unlock(&server->lock);
		if (server->func != NULL)
			server->func(server, stream, head, server->user_data);
	}
	g_io_stream_close(tls != NULL ? tls : G_IO_STREAM(connection), NULL, NULL);
	g_mutex_lock(&server->lock);
	server->n_running--;
	server->n_done++;
	g_cond_broadcast(&server->cond);
	g_mutex_unlock(&server->lock);
	return TRUE;
}

static gpointer
esc_test_server_thread(gpointer data)
{
	EscTestServer *server = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) effective = NULL;

	/* the service's accept sources attach to this thread's context */
	g_main_context_push_thread_default(server->context);
	server->service = g_threaded_socket_service_new(8);
	g_assert_true(g_socket_listener_add_address(G_SOCKET_LISTENER(server->service),
						    address,
						    G_SOCKET_TYPE_STREAM,
						    G_SOCKET_PROTOCOL_TCP,
						    NULL,
						    &effective,
						    &error));
	g_assert_no_error(error);
	g_signal_connect(server->service, "run", G_CALLBACK(esc_test_server_run), server);
	g_socket_service_start(server->service);
	g_mutex_lock(&server->lock);
	server->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	server->started = TRUE;
	g_cond_broadcast(&server->cond);
	g_mutex_unlock(&server->lock);
	while (!g_atomic_int_get(&server->quit))
		g_main_context_iteration(server->context, TRUE);
	g_socket_service_stop(server->service);
	g_socket_listener_close(G_SOCKET_LISTENER(server->service));
	g_main_context_pop_thread_default(server->context);
	return NULL;
}

EscTestServer *
esc_test_server_new(const gchar *pem_path, EscTestServerFunc func, gpointer user_data)
{
	EscTestServer *server = g_new0(EscTestServer, 1);
	g_autoptr(GError) error = NULL;

	g_mutex_init(&server->lock);
	g_cond_init(&server->cond);
	server->func = func;
	server->user_data = user_data;
	if (pem_path != NULL) {
		server->certificate = g_tls_certificate_new_from_file(pem_path, &error);
		g_assert_no_error(error);
	}
	server->context = g_main_context_new();
	server->thread = g_thread_new("esc-test-server", esc_test_server_thread, server);
	g_mutex_lock(&server->lock);
	while (!server->started)
		g_cond_wait(&server->cond, &server->lock);
	g_mutex_unlock(&server->lock);
	return server;
}

void
esc_test_server_free(EscTestServer *server)
{
	gint64 end = g_get_monotonic_time() + ESC_TEST_WAIT_US;

	if (server == NULL)
		return;
	g_atomic_int_set(&server->quit, 1);
	g_main_context_wakeup(server->context);
	g_thread_join(server->thread);
	/* handlers still running hold the server */
	g_mutex_lock(&server->lock);
	while (server->n_running > 0) {
		if (!g_cond_wait_until(&server->cond, &server->lock, end))
			break;
	}
	g_assert_cmpuint(server->n_running, ==, 0);
	g_mutex_unlock(&server->lock);
	g_clear_object(&server->service);
	g_main_context_unref(server->context);
	g_clear_object(&server->certificate);
	g_free(server->last_head);
	g_mutex_clear(&server->lock);
	g_cond_clear(&server->cond);
	g_free(server);
}

guint16
esc_test_server_get_port(EscTestServer *server)
{
	return server->port;
}

gchar *
esc_test_server_get_url(EscTestServer *server, const gchar *path)
{
	return g_strdup_printf("%s://127.0.0.1:%u%s", server->certificate != NULL ? "https" : "http", server->port, path);
}

void
esc_test_server_wait(EscTestServer *server, guint n)
{
	gint64 end = g_get_monotonic_time() + ESC_TEST_WAIT_US;

	g_mutex_lock(&server->lock);
	while (server->n_done < n) {
		if (!g_cond_wait_until(&server->cond, &server->lock, end))
			break;
	}
	g_assert_cmpuint(server->n_done, >=, n);
	g_mutex_unlock(&server->lock);
}

guint
esc_test_server_get_n_connections(EscTestServer *server)
{
	guint n;

	g_mutex_lock(&server->lock);
	n = server->n_done;
	g_mutex_unlock(&server->lock);
	return n;
}

guint
esc_test_server_get_n_handshake_failures(EscTestServer *server)
{
	guint n;

	g_mutex_lock(&server->lock);
	n = server->n_handshake_failures;
	g_mutex_unlock(&server->lock);
	return n;
}

gchar *
esc_test_server_dup_last_head(EscTestServer *server)
{
	gchar *head;

	g_mutex_lock(&server->lock);
	head = g_strdup(server->last_head);
	g_mutex_unlock(&server->lock);
	return head;
}

gboolean
esc_test_server_write(GIOStream *stream, const gchar *text)
{
	GOutputStream *out = g_io_stream_get_output_stream(stream);

	return g_output_stream_write_all(out, text, strlen(text), NULL, NULL, NULL) && g_output_stream_flush(out, NULL, NULL);
}

void
esc_test_server_wait_for_close(GIOStream *stream)
{
	guint8 buf[256];

	while (g_input_stream_read(g_io_stream_get_input_stream(stream), buf, sizeof(buf), NULL, NULL) > 0)
		;
}

/* ---- tpsd ----------------------------------------------------------------------------- */

/* ThTpsd (tests/harness/th-tpsd.h) in a state directory of its own, removed when stopped */
struct _EscTestTpsd {
	gchar *state_dir;
	ThTpsd *tpsd;
	gchar *url;
};

EscTestTpsd *
esc_test_tpsd_start(const gchar *config)
{
	const gchar *program = g_getenv("ESC_TEST_TPSD");
	g_autoptr(EscTestTpsd) tpsd = NULL;
	g_autoptr(GError) error = NULL;

	if (program == NULL || !g_file_test(program, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("tpsd is not built ($ESC_TEST_TPSD)");
		return NULL;
	}
	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend (glib-networking)");
		return NULL;
	}
	tpsd = g_new0(EscTestTpsd, 1);
	tpsd->state_dir = g_dir_make_tmp("esc-tpsd-XXXXXX", &error);
	g_assert_no_error(error);
	tpsd->tpsd = th_tpsd_start(program, tpsd->state_dir, config, &error);
	if (tpsd->tpsd == NULL) {
		g_test_message("%s", error->message);
		g_test_fail();
		return NULL;
	}
	tpsd->url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", th_tpsd_get_port(tpsd->tpsd));
	return g_steal_pointer(&tpsd);
}

void
esc_test_tpsd_stop(EscTestTpsd *tpsd)
{
	if (tpsd == NULL)
		return;
	g_clear_pointer(&tpsd->tpsd, th_tpsd_free);
	if (tpsd->state_dir != NULL && g_getenv("ESC_TEST_KEEP") == NULL)
		th_rm_rf(tpsd->state_dir);
	g_free(tpsd->state_dir);
	g_free(tpsd->url);
	g_free(tpsd);
}

guint16
esc_test_tpsd_get_port(EscTestTpsd *tpsd)
{
	return th_tpsd_get_port(tpsd->tpsd);
}

const gchar *
esc_test_tpsd_get_url(EscTestTpsd *tpsd)
{
	return tpsd->url;
}

const gchar *
esc_test_tpsd_get_trust_file(EscTestTpsd *tpsd)
{
	return th_tpsd_get_trust_file(tpsd->tpsd);
}

const gchar *
esc_test_tpsd_get_password(EscTestTpsd *tpsd)
{
	return th_tpsd_get_password(tpsd->tpsd);
}

gchar *
esc_test_tpsd_get_output(EscTestTpsd *tpsd)
{
	return th_tpsd_get_output(tpsd->tpsd);
}

gboolean
esc_test_tpsd_is_alive(EscTestTpsd *tpsd)
{
	return th_tpsd_is_alive(tpsd->tpsd);
}
