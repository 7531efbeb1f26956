/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-test-server.h"

#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define ESC_TEST_WAIT_US       (60 * G_TIME_SPAN_SECOND)
#define ESC_TEST_MAX_HEAD      16384
#define ESC_TEST_TPSD_START_S  120
#define ESC_TEST_TPSD_STOP_S   20

/* ---- certificates --------------------------------------------------------------------- */

void
esc_test_cert_free(EscTestCert *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	if (c->cert_path != NULL)
		g_unlink(c->cert_path);
	if (c->pem_path != NULL)
		g_unlink(c->pem_path);
	g_free(c->cert_path);
	g_free(c->pem_path);
	g_free(c);
}

static void
esc_test_cert_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	g_assert_nonnull(ext);
	g_assert_cmpint(X509_add_ext(cert, ext, -1), ==, 1);
	X509_EXTENSION_free(ext);
}

EscTestCert *
esc_test_cert_new(const gchar *dir, const gchar *name, const gchar *cn, const gchar *san, EscTestCert *issuer, gboolean ca)
{
	return esc_test_cert_new_full(dir, name, cn, san, issuer, ca, -3600, 86400);
}

EscTestCert *
esc_test_cert_new_full(const gchar *dir,
		       const gchar *name,
		       const gchar *cn,
		       const gchar *san,
		       EscTestCert *issuer,
		       gboolean ca,
		       glong not_before,
		       glong not_after)
{
	g_autoptr(EscTestCert) c = g_new0(EscTestCert, 1);
	g_autoptr(BIO) bio = NULL;
	X509 *signer;
	X509_NAME *subject;
	BIGNUM *bn;
	guint8 serial[8];

	c->key = EVP_EC_gen("P-256");
	g_assert_nonnull(c->key);
	c->cert = X509_new();
	signer = issuer != NULL ? issuer->cert : c->cert;
	g_assert_cmpint(X509_set_version(c->cert, 2), ==, 1);
	g_assert_cmpint(RAND_bytes(serial, sizeof(serial)), ==, 1);
	serial[0] &= 0x7F;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	g_assert_nonnull(bn);
	g_assert_nonnull(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c->cert)));
	BN_free(bn);
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(c->cert), not_before));
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(c->cert), not_after));
	subject = X509_get_subject_name(c->cert);
	g_assert_cmpint(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const guchar *)cn, -1, -1, 0), ==, 1);
	g_assert_cmpint(X509_set_issuer_name(c->cert, X509_get_subject_name(signer)), ==, 1);
	g_assert_cmpint(X509_set_pubkey(c->cert, c->key), ==, 1);
	if (ca) {
		esc_test_cert_add_ext(c->cert, signer, NID_basic_constraints, "critical,CA:TRUE");
		esc_test_cert_add_ext(c->cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
		esc_test_cert_add_ext(c->cert, signer, NID_subject_key_identifier, "hash");
	} else {
		esc_test_cert_add_ext(c->cert, signer, NID_basic_constraints, "critical,CA:FALSE");
		esc_test_cert_add_ext(c->cert, signer, NID_ext_key_usage, "serverAuth");
	}
	if (san != NULL)
		esc_test_cert_add_ext(c->cert, signer, NID_subject_alt_name, san);
	g_assert_cmpint(X509_sign(c->cert, issuer != NULL ? issuer->key : c->key, EVP_sha256()), >, 0);

	c->cert_path = g_strdup_printf("%s/%s.crt", dir, name);
	c->pem_path = g_strdup_printf("%s/%s.pem", dir, name);
	bio = BIO_new_file(c->cert_path, "w");
	g_assert_nonnull(bio);
	g_assert_cmpint(PEM_write_bio_X509(bio, c->cert), ==, 1);
	g_clear_pointer(&bio, BIO_free);
	bio = BIO_new_file(c->pem_path, "w");
	g_assert_nonnull(bio);
	g_assert_cmpint(PEM_write_bio_X509(bio, c->cert), ==, 1);
	g_assert_cmpint(PEM_write_bio_PrivateKey(bio, c->key, NULL, NULL, 0, NULL, NULL), ==, 1);
	return g_steal_pointer(&c);
}

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

struct _EscTestTpsd {
	gchar *state_dir;
	GSubprocess *process;
	GThread *reader;
	GMutex lock;
	GCond cond;
	GPtrArray *output;
	gboolean eof;
	guint16 port;
	gchar *url;
	gchar *trust_file;
	gchar *password;
};

static gpointer
esc_test_tpsd_reader(gpointer data)
{
	EscTestTpsd *tpsd = data;
	g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(tpsd->process));

	for (;;) {
		gchar *line = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL);

		g_mutex_lock(&tpsd->lock);
		if (line == NULL)
			tpsd->eof = TRUE;
		else
			g_ptr_array_add(tpsd->output, line);
		g_cond_broadcast(&tpsd->cond);
		g_mutex_unlock(&tpsd->lock);
		if (line == NULL)
			return NULL;
	}
}

static gchar *
esc_test_tpsd_wait_line(EscTestTpsd *tpsd, const gchar *needle, guint timeout_s)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_TIME_SPAN_SECOND;
	guint seen = 0;
	gchar *found = NULL;

	g_mutex_lock(&tpsd->lock);
	for (;;) {
		for (; seen < tpsd->output->len && found == NULL; seen++) {
			const gchar *line = g_ptr_array_index(tpsd->output, seen);
			if (strstr(line, needle) != NULL)
				found = g_strdup(line);
		}
		if (found != NULL || tpsd->eof || !g_cond_wait_until(&tpsd->cond, &tpsd->lock, end))
			break;
	}
	g_mutex_unlock(&tpsd->lock);
	return found;
}

static void
esc_test_tpsd_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

gchar *
esc_test_tpsd_get_output(EscTestTpsd *tpsd)
{
	g_autoptr(GString) text = g_string_new(NULL);

	g_mutex_lock(&tpsd->lock);
	for (guint i = 0; i < tpsd->output->len; i++)
		g_string_append_printf(text, "  %s\n", (const gchar *)g_ptr_array_index(tpsd->output, i));
	g_mutex_unlock(&tpsd->lock);
	return g_string_free(g_steal_pointer(&text), FALSE);
}

EscTestTpsd *
esc_test_tpsd_start(const gchar *config)
{
	const gchar *program = g_getenv("ESC_TEST_TPSD");
	g_autoptr(EscTestTpsd) tpsd = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *stdbuf = g_find_program_in_path("stdbuf");
	g_autofree gchar *listening = NULL;
	g_autofree gchar *demo = NULL;
	const gchar *p;
	const gchar *q;

	if (program == NULL || !g_file_test(program, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("tpsd is not built ($ESC_TEST_TPSD)");
		return NULL;
	}
	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend (glib-networking)");
		return NULL;
	}
	tpsd = g_new0(EscTestTpsd, 1);
	g_mutex_init(&tpsd->lock);
	g_cond_init(&tpsd->cond);
	tpsd->output = g_ptr_array_new_with_free_func(g_free);
	tpsd->state_dir = g_dir_make_tmp("esc-tpsd-XXXXXX", &error);
	g_assert_no_error(error);
	if (stdbuf != NULL) {
		/* tpsd flushes its lines itself; stdbuf keeps its logs in order too */
		g_ptr_array_add(argv, g_strdup(stdbuf));
		g_ptr_array_add(argv, g_strdup("-oL"));
		g_ptr_array_add(argv, g_strdup("-eL"));
	}
	g_ptr_array_add(argv, g_strdup(program));
	if (config != NULL) {
		g_autofree gchar *path = g_build_filename(tpsd->state_dir, "tpsd.conf", NULL);
		g_assert_true(g_file_set_contents(path, config, -1, NULL));
		g_ptr_array_add(argv, g_strdup("--config"));
		g_ptr_array_add(argv, g_strdup(path));
	}
	g_ptr_array_add(argv, g_strdup("--state-dir"));
	g_ptr_array_add(argv, g_strdup(tpsd->state_dir));
	g_ptr_array_add(argv, g_strdup("--port"));
	g_ptr_array_add(argv, g_strdup("0"));
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_subprocess_launcher_set_child_setup(launcher, esc_test_tpsd_child_setup, NULL, NULL);
	tpsd->process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	tpsd->reader = g_thread_new("tpsd-output", esc_test_tpsd_reader, tpsd);
	listening = esc_test_tpsd_wait_line(tpsd, "listening on https://", ESC_TEST_TPSD_START_S);
	if (listening == NULL) {
		g_autofree gchar *out = esc_test_tpsd_get_output(tpsd);
		g_test_message("tpsd did not start:\n%s", out);
		g_test_fail();
		return NULL;
	}
	/* "tpsd: listening on https://127.0.0.1:PORT/tps/tps (state in DIR)" */
	p = strchr(strstr(listening, "https://") + strlen("https://"), ':');
	g_assert_nonnull(p);
	tpsd->port = (guint16)g_ascii_strtoull(p + 1, NULL, 10);
	g_assert_cmpuint(tpsd->port, >, 0);
	tpsd->url = g_strdup_printf("https://127.0.0.1:%u/tps/tps", tpsd->port);
	demo = esc_test_tpsd_wait_line(tpsd, "created the demo user", 5);
	g_assert_nonnull(demo);
	p = strstr(demo, "with the password \"");
	g_assert_nonnull(p);
	p += strlen("with the password \"");
	q = strchr(p, '"');
	g_assert_nonnull(q);
	tpsd->password = g_strndup(p, (gsize)(q - p));
	tpsd->trust_file = g_build_filename(tpsd->state_dir, "tls", "server.crt", NULL);
	g_assert_true(g_file_test(tpsd->trust_file, G_FILE_TEST_EXISTS));
	return g_steal_pointer(&tpsd);
}

static void
esc_test_rm_rf(const gchar *path)
{
	g_autoptr(GDir) dir = NULL;
	const gchar *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR) || g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_unlink(path);
		return;
	}
	dir = g_dir_open(path, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		esc_test_rm_rf(child);
	}
	g_rmdir(path);
}

void
esc_test_tpsd_stop(EscTestTpsd *tpsd)
{
	if (tpsd == NULL)
		return;
	if (tpsd->process != NULL) {
		gint64 end = g_get_monotonic_time() + ESC_TEST_TPSD_STOP_S * G_TIME_SPAN_SECOND;

		g_subprocess_send_signal(tpsd->process, SIGTERM);
		g_mutex_lock(&tpsd->lock);
		while (!tpsd->eof) {
			if (!g_cond_wait_until(&tpsd->cond, &tpsd->lock, end))
				break;
		}
		g_mutex_unlock(&tpsd->lock);
		if (!tpsd->eof)
			g_subprocess_force_exit(tpsd->process);
		g_subprocess_wait(tpsd->process, NULL, NULL);
		if (tpsd->reader != NULL)
			g_thread_join(tpsd->reader);
		g_clear_object(&tpsd->process);
	}
	if (tpsd->state_dir != NULL && g_getenv("ESC_TEST_KEEP") == NULL)
		esc_test_rm_rf(tpsd->state_dir);
	g_free(tpsd->state_dir);
	g_free(tpsd->url);
	g_free(tpsd->trust_file);
	if (tpsd->password != NULL)
		memset(tpsd->password, 0, strlen(tpsd->password));
	g_free(tpsd->password);
	g_ptr_array_unref(tpsd->output);
	g_mutex_clear(&tpsd->lock);
	g_cond_clear(&tpsd->cond);
	g_free(tpsd);
}

guint16
esc_test_tpsd_get_port(EscTestTpsd *tpsd)
{
	return tpsd->port;
}

const gchar *
esc_test_tpsd_get_url(EscTestTpsd *tpsd)
{
	return tpsd->url;
}

const gchar *
esc_test_tpsd_get_trust_file(EscTestTpsd *tpsd)
{
	return tpsd->trust_file;
}

const gchar *
esc_test_tpsd_get_password(EscTestTpsd *tpsd)
{
	return tpsd->password;
}

gboolean
esc_test_tpsd_is_alive(EscTestTpsd *tpsd)
{
	gboolean eof;

	g_mutex_lock(&tpsd->lock);
	eof = tpsd->eof;
	g_mutex_unlock(&tpsd->lock);
	return !eof && g_subprocess_get_identifier(tpsd->process) != NULL;
}
