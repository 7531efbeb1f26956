/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers of the libesc-core server-side tests (test-esc-issuer-info, test-esc-tps-connection,
 * test-esc-operation):
 *
 *  - certificates: ThTestCert (tests/harness/th-test-cert.h);
 *  - EscTestServer: a tiny HTTP or HTTPS server (GThreadedSocketService running on a thread
 *    and main context of its own, so a test may block in client calls) that reads the request
 *    head and hands the connection to a test function;
 *  - EscTestTpsd: tpsd ($ESC_TEST_TPSD) started on loopback HTTPS on port 0 in a fresh state
 *    folder, its "listening" line and demo password read from its output.
 */
#pragma once

#include <gio/gio.h>

#include "th-test-cert.h"

G_BEGIN_DECLS

/* ---- a scripted server ---------------------------------------------------------------- */

typedef struct _EscTestServer EscTestServer;

/* Runs on a service thread for each connection, after the TLS handshake and the request head
 * (without its body) were read. The connection is closed when it returns. */
typedef void (*EscTestServerFunc)(EscTestServer *server, GIOStream *stream, const gchar *request_head, gpointer user_data);

/* @pem_path: certificate + key (HTTPS), or NULL (HTTP). */
EscTestServer *
esc_test_server_new(const gchar *pem_path, EscTestServerFunc func, gpointer user_data);
void
esc_test_server_free(EscTestServer *server);
guint16
esc_test_server_get_port(EscTestServer *server);
/* "http(s)://127.0.0.1:PORT@path". */
gchar *
esc_test_server_get_url(EscTestServer *server, const gchar *path);
/* Waits (at most 60 s) until @n connections were handled completely. */
void
esc_test_server_wait(EscTestServer *server, guint n);
guint
esc_test_server_get_n_connections(EscTestServer *server);
/* Connections whose TLS handshake failed. */
guint
esc_test_server_get_n_handshake_failures(EscTestServer *server);
/* The last request head (a copy). */
gchar *
esc_test_server_dup_last_head(EscTestServer *server);

/* Writes @text (all of it) to @stream; FALSE if the peer is gone. */
gboolean
esc_test_server_write(GIOStream *stream, const gchar *text);
/* Blocks until the peer closes (or sends something, which is discarded until it closes). */
void
esc_test_server_wait_for_close(GIOStream *stream);

/* ---- tpsd ----------------------------------------------------------------------------- */

typedef struct _EscTestTpsd EscTestTpsd;

/* Starts tpsd with @config (text of a config file; NULL: embedded defaults). NULL with
 * g_test_skip() when $ESC_TEST_TPSD is not an executable or there is no TLS backend. */
EscTestTpsd *
esc_test_tpsd_start(const gchar *config);
void
esc_test_tpsd_stop(EscTestTpsd *tpsd);
guint16
esc_test_tpsd_get_port(EscTestTpsd *tpsd);
/* "https://127.0.0.1:PORT/tps/tps". */
const gchar *
esc_test_tpsd_get_url(EscTestTpsd *tpsd);
/* STATE/tls/server.crt. */
const gchar *
esc_test_tpsd_get_trust_file(EscTestTpsd *tpsd);
const gchar *
esc_test_tpsd_get_password(EscTestTpsd *tpsd);
/* Everything tpsd printed so far. */
gchar *
esc_test_tpsd_get_output(EscTestTpsd *tpsd);
/* tpsd still runs. */
gboolean
esc_test_tpsd_is_alive(EscTestTpsd *tpsd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscTestServer, esc_test_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscTestTpsd, esc_test_tpsd_stop)

G_END_DECLS
