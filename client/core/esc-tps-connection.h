/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The client's side of the full-duplex ESC <-> TPS exchange (protocol.md 1.1, 1.2, 10.1):
 * one POST to the TPS URL over TCP or TLS, the request head written by hand, the response
 * head read and checked (HTTP 200, Transfer-Encoding: chunked), then one message per chunk
 * in both directions at once (TokChunkedReader / TokChunkedWriter).
 *
 * EscTlsOptions says whom to trust: the system trust store plus, optionally, the
 * certificates of a PEM file (a self-signed TPS certificate or the CA that issued it). A
 * server certificate is accepted when it chains to either, and its name (DNS name or IP
 * address) matches the host of the URL in both cases.
 *
 * EscTpsConnection is blocking: it runs on a card's worker thread (or a test's thread).
 * Every socket read and write gives up after the EscTlsOptions timeout; a cancelled
 * GCancellable stops it at once. Errors are ESC_ERROR: CONNECT (refused, DNS, no route,
 * connection lost), TLS (handshake, untrusted or misnamed certificate), TIMEOUT, PROTOCOL
 * (not HTTP 200 + chunked, bad framing, a chunk that is not a message), CANCELLED,
 * INVALID_INPUT (a bad URL).
 */
#pragma once

#include <gio/gio.h>

#include "tok-macros.h"
#include "tok-tps-message.h"

G_BEGIN_DECLS

#define ESC_TLS_OPTIONS_DEFAULT_TIMEOUT 60  /* seconds per socket read or write */
#define ESC_TPS_CONNECTION_DEFAULT_PATH "/tps/tps"
#define ESC_TPS_CONNECTION_MAX_HEAD	16384 /* largest HTTP response head accepted */
#define ESC_TPS_CONNECTION_MAX_MESSAGE	16384 /* largest server message (chunk) accepted */

/* ---- EscTlsOptions -------------------------------------------------------------------- */

typedef struct _EscTlsOptions EscTlsOptions;

#define ESC_TYPE_TLS_OPTIONS (esc_tls_options_get_type())
GType
esc_tls_options_get_type(void);

/* System trust store, host name checked, ESC_TLS_OPTIONS_DEFAULT_TIMEOUT. The setters may be
 * called from any thread; connections read the options when they open. */
EscTlsOptions *
esc_tls_options_new(void) G_GNUC_WARN_UNUSED_RESULT;
EscTlsOptions *
esc_tls_options_ref(EscTlsOptions *o) TOK_NONNULL(1);
void
esc_tls_options_unref(EscTlsOptions *o);
/* Extra trust anchors (PEM file with one or more certificates); they are added to the
 * system store, not replacing it. @path NULL removes them. FALSE + ESC_ERROR_INVALID_INPUT
 * when the file cannot be read or holds no certificate (the options are then unchanged). */
gboolean
esc_tls_options_set_ca_file(EscTlsOptions *o, const gchar *path, GError **error) TOK_NONNULL(1);
/* The file given to esc_tls_options_set_ca_file(), or NULL (a copy). */
gchar *
esc_tls_options_dup_ca_file(EscTlsOptions *o) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Per read/write and for connecting; 0 means the default (60). */
void
esc_tls_options_set_timeout(EscTlsOptions *o, guint seconds) TOK_NONNULL(1);
guint
esc_tls_options_get_timeout(EscTlsOptions *o) TOK_NONNULL(1);

/* ---- EscTpsConnection ----------------------------------------------------------------- */

#define ESC_TYPE_TPS_CONNECTION (esc_tps_connection_get_type())
G_DECLARE_FINAL_TYPE(EscTpsConnection, esc_tps_connection, ESC, TPS_CONNECTION, GObject)

/* Connects to @url (http:// or https://; an empty path means /tps/tps), verifies the server
 * certificate (https), writes the request head (POST, Host, Transfer-Encoding: chunked,
 * Content-Type: text/plain) and reads the response head. @tls NULL: default options. */
EscTpsConnection *
esc_tps_connection_open(const gchar *url, EscTlsOptions *tls, GCancellable *cancellable, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* @msg as one chunk, flushed. */
gboolean
esc_tps_connection_send(EscTpsConnection *self, TokTpsMessage *msg, GCancellable *cancellable, GError **error)
    TOK_NONNULL(1, 2);
/* The next server message; NULL without @error at the clean end of the response body. */
TokTpsMessage *
esc_tps_connection_receive(EscTpsConnection *self, GCancellable *cancellable, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Ends our request body (terminating chunk). The server may already be gone: errors are
 * returned but harmless. */
gboolean
esc_tps_connection_finish_request(EscTpsConnection *self, GCancellable *cancellable, GError **error)
    TOK_NONNULL(1);
/* Closes the connection (TLS close_notify, then the socket); idempotent, also on dispose.
 * A TPS seeing the connection close before END_OP rolls the operation back. */
void
esc_tps_connection_close(EscTpsConnection *self) TOK_NONNULL(1);
/* Changes the per read/write timeout of this connection (e.g. shorter once END_OP came). */
void
esc_tps_connection_set_timeout(EscTpsConnection *self, guint seconds) TOK_NONNULL(1);
/* "https://host:port/tps/tps" as connected to. */
const gchar *
esc_tps_connection_get_url(EscTpsConnection *self) TOK_NONNULL(1);

/* ---- plain HTTP GET (phone home) ------------------------------------------------------ */

/* GET @url (http or https, same trust rules and timeouts) and returns the body of a 200
 * answer (Content-Length, chunked or up to the close), at most @max_size bytes
 * (ESC_ERROR_PROTOCOL beyond). Other statuses: ESC_ERROR_PROTOCOL naming the status. */
GBytes *
esc_tps_connection_http_get(const gchar *url,
			    EscTlsOptions *tls,
			    gsize max_size,
			    GCancellable *cancellable,
			    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* @url for messages and reports: a user name and password in it ("https://user:pw@host/")
 * replaced by "(redacted)" ("https://(redacted)@host/"); the rest unchanged. Works on text
 * that is not a valid URL too. NULL for NULL. */
#define ESC_TPS_CONNECTION_REDACTED "(redacted)"
gchar *
esc_tps_connection_redact_url(const gchar *url) G_GNUC_WARN_UNUSED_RESULT;

/* Maps a GIO / TLS / TOK_ERROR @error met while talking to a server to an ESC_ERROR and
 * prefixes it with @what; ESC_ERROR errors pass through (prefixed). Takes @error. */
void
esc_tps_connection_propagate_error(GError **dest, GError *error, const gchar *what) TOK_NONNULL(3);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscTlsOptions, esc_tls_options_unref)

G_END_DECLS
