/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsHttpServer: the TPS's HTTPS front (libsoup 3 + glib-networking TLS).
 *
 *  - POST /tps/tps: the full-duplex chunked exchange of protocol.md 1.1. The request must be
 *    chunked (else 400); other methods get 405. Right after the request head the server takes
 *    the connection over (soup_server_message_steal_connection), and a new worker thread
 *    (the session's only thread: its deadlines are timeouts on the server's main context)
 *    writes "HTTP/1.1 200 OK" with Transfer-Encoding: chunked, reads BEGIN_OP (anything else
 *    first → END_OP with STATUS_ERROR_BAD_STATUS; a malformed or oversized message → END_OP
 *    with STATUS_ERROR_CONNECTION), calls the operation func, then sends END_OP if the func
 *    did not, ends the chunked body and closes the connection.
 *  - GET /tps/phoneHome: the phone-home XML (application/xml; any method, query ignored).
 *  - GET /health: 200 "ok".
 *
 * Every other response carries "Connection: close": libsoup 3.2.3 leaks each keep-alive
 * connection that a client closes while idle (test-infra.md Part B 4.3), so the server keeps
 * no idle connection at all.
 *
 * The server lives on the thread-default main context of its creator, which it never blocks.
 */
#pragma once

#include <gio/gio.h>

#include "tok-macros.h"
#include "tok-tps-message.h"
#include "tps-connection.h"

G_BEGIN_DECLS

/* Runs in the session's worker thread after BEGIN_OP was read. It should end with END_OP;
 * the server sends a failure END_OP if it did not. */
typedef void (*TpsOperationFunc)(TpsConnection *connection,
				 TokTpsMessage *begin_op,
				 gpointer user_data);

#define TPS_TYPE_HTTP_SERVER (tps_http_server_get_type())
G_DECLARE_FINAL_TYPE(TpsHttpServer, tps_http_server, TPS, HTTP_SERVER, GObject)

/* @certificate: the server's TLS certificate with its private key. @max_message_size: as for
 * tps_connection_new(). @session_timeout: seconds per session, 0 = none. @destroy frees
 * @user_data when the server goes away. */
TpsHttpServer *
tps_http_server_new(GTlsCertificate *certificate,
		    const gchar *phone_home_xml,
		    gsize max_message_size,
		    guint session_timeout,
		    TpsOperationFunc func,
		    gpointer user_data,
		    GDestroyNotify destroy) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 5);
/* Listens for HTTPS on @address:@https_port (0 = any free port) and, if @http_port is not 0,
 * for plain HTTP on @address:@http_port (0 = no plain HTTP). Fails (TPS_ERROR_CONFIG for a
 * bad address, TPS_ERROR_BACKEND if a port cannot be bound) without listening anywhere. */
gboolean
tps_http_server_listen(TpsHttpServer *s,
		       const gchar *address,
		       guint16 https_port,
		       guint16 http_port,
		       GError **error) TOK_NONNULL(1, 2);
/* The actual ports (useful when 0 was asked); 0 when not listening. */
guint16
tps_http_server_get_https_port(TpsHttpServer *s) TOK_NONNULL(1);
guint16
tps_http_server_get_http_port(TpsHttpServer *s) TOK_NONNULL(1);
/* Sessions whose worker thread is running (any thread may ask). */
guint
tps_http_server_get_n_sessions(TpsHttpServer *s) TOK_NONNULL(1);
/* Stops listening and cancels the running sessions (they end on their own threads). */
void
tps_http_server_stop(TpsHttpServer *s) TOK_NONNULL(1);

G_END_DECLS
