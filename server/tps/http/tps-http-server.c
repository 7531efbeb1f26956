/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-http-server.h"

#include <libsoup/soup.h>

#include "tps-error.h"

#define TPS_HTTP_PATH_TPS	  "/tps/tps"
#define TPS_HTTP_PATH_PHONE_HOME "/tps/phoneHome"
#define TPS_HTTP_PATH_HEALTH	  "/health"
/* GSocket's default of 10 drops SYNs (a 1 s client retry) under a burst of short connections */
#define TPS_HTTP_LISTEN_BACKLOG 128

/* The response head of POST /tps/tps, written by the session thread itself: the body is the
 * chunked stream of server messages, and the connection ends with the session. */
static const gchar tps_http_session_head[] = "HTTP/1.1 200 OK\r\n"
					     "Content-Type: text/plain\r\n"
					     "Transfer-Encoding: chunked\r\n"
					     "Connection: close\r\n"
					     "Cache-Control: no-store\r\n"
					     "\r\n";

/* What the session threads share with the server; it outlives the server while sessions run
 * (a GAtomicRcBox: the last holder frees it, on whatever thread). */
typedef struct {
	TpsOperationFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
	gsize max_message_size;
	guint session_timeout;
	GMainContext *context; /* the server's: the sessions' deadlines fire there */
	gint n_sessions; /* atomic */
	GMutex lock;
	GPtrArray *connections; /* TpsConnection of running sessions, under lock */
} TpsHttpShared;

static void
tps_http_shared_clear(gpointer data)
{
	TpsHttpShared *shared = data;

	if (shared->destroy != NULL)
		shared->destroy(shared->user_data);
	g_ptr_array_unref(shared->connections);
	g_main_context_unref(shared->context);
	g_mutex_clear(&shared->lock);
}

static void
tps_http_shared_release(TpsHttpShared *shared)
{
	g_atomic_rc_box_release_full(shared, tps_http_shared_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsHttpShared, tps_http_shared_release)

struct _TpsHttpServer {
	GObject parent_instance;
	SoupServer *soup;
	GBytes *phone_home_xml;
	TpsHttpShared *shared;
	guint16 https_port;
	guint16 http_port;
};

G_DEFINE_TYPE(TpsHttpServer, tps_http_server, G_TYPE_OBJECT)

/* One session: owned by its worker thread. */
typedef struct {
	TpsHttpShared *shared;
	GIOStream *stream;
	gchar *client_address;
} TpsHttpSession;

static void
tps_http_session_free(TpsHttpSession *session)
{
	g_clear_pointer(&session->shared, tps_http_shared_release);
	g_clear_object(&session->stream);
	g_free(session->client_address);
	g_free(session);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsHttpSession, tps_http_session_free)

void
tps_http_server_stop(TpsHttpServer *s)
{
	g_autoptr(GPtrArray) running = NULL;

	g_return_if_fail(TPS_IS_HTTP_SERVER(s));

	if (s->soup != NULL)
		soup_server_disconnect(s->soup);
	s->https_port = 0;
	s->http_port = 0;
	g_mutex_lock(&s->shared->lock);
	running = g_ptr_array_new_with_free_func(g_object_unref);
	for (guint i = 0; i < s->shared->connections->len; i++)
		g_ptr_array_add(running, g_object_ref(g_ptr_array_index(s->shared->connections, i)));
	g_mutex_unlock(&s->shared->lock);
	for (guint i = 0; i < running->len; i++)
		tps_connection_cancel(g_ptr_array_index(running, i));
}

static void
tps_http_server_dispose(GObject *object)
{
	TpsHttpServer *self = TPS_HTTP_SERVER(object);

	if (self->shared != NULL)
		tps_http_server_stop(self);
	g_clear_object(&self->soup);
	G_OBJECT_CLASS(tps_http_server_parent_class)->dispose(object);
}

static void
tps_http_server_finalize(GObject *object)
{
	TpsHttpServer *self = TPS_HTTP_SERVER(object);

	g_clear_pointer(&self->phone_home_xml, g_bytes_unref);
	g_clear_pointer(&self->shared, tps_http_shared_release);
	G_OBJECT_CLASS(tps_http_server_parent_class)->finalize(object);
}

static void
tps_http_server_class_init(TpsHttpServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = tps_http_server_dispose;
	object_class->finalize = tps_http_server_finalize;
}

static void
tps_http_server_init(TpsHttpServer *self)
{
}

/* ----------------------------------------------------------------------------------------- */
/* the session thread */

static void
tps_http_session_register(TpsHttpShared *shared, TpsConnection *conn)
{
	g_mutex_lock(&shared->lock);
	g_ptr_array_add(shared->connections, g_object_ref(conn));
	g_mutex_unlock(&shared->lock);
}

static void
tps_http_session_unregister(TpsHttpShared *shared, TpsConnection *conn)
{
	g_mutex_lock(&shared->lock);
	(void)g_ptr_array_remove_fast(shared->connections, conn);
	g_mutex_unlock(&shared->lock);
}

/* Reads BEGIN_OP and runs the operation; the caller finishes the connection. */
static void
tps_http_session_run(TpsHttpSession *session, TpsConnection *conn)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) begin_op = tps_connection_read(conn, &error);
	TokTpsMsgType type;

	if (begin_op == NULL) {
		g_info("session of %s ends before BEGIN_OP: %s",
		       session->client_address,
		       error->message);
		if (g_error_matches(error, TPS_ERROR, TPS_ERROR_PROTOCOL))
			tps_connection_finish_with_status(conn, TOK_TPS_STATUS_ERROR_CONNECTION);
		return;
	}
	type = tok_tps_message_get_msg_type(begin_op);
	if (type != TOK_TPS_MSG_TYPE_BEGIN_OP) {
		g_info("session of %s: the first message is %s, not BEGIN_OP",
		       session->client_address,
		       tok_tps_msg_type_to_string(type));
		tps_connection_finish_with_status(conn, TOK_TPS_STATUS_ERROR_BAD_STATUS);
		return;
	}
	g_debug("session of %s: %s",
		session->client_address,
		tok_tps_operation_to_string(tps_connection_get_operation(conn)));
	session->shared->func(conn, begin_op, session->shared->user_data);
}

static gpointer
tps_http_session_thread(gpointer data)
{
	g_autoptr(TpsHttpSession) session = data;
	g_autoptr(TpsConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	GOutputStream *out = g_io_stream_get_output_stream(session->stream);

	/* a fresh connection's send buffer is empty: this does not block for long */
	if (!g_output_stream_write_all(out,
				       tps_http_session_head,
				       sizeof(tps_http_session_head) - 1,
				       NULL,
				       NULL,
				       &error) ||
	    !g_output_stream_flush(out, NULL, &error)) {
		g_info("cannot answer %s: %s", session->client_address, error->message);
		(void)g_io_stream_close(session->stream, NULL, NULL);
	} else {
		/* no watchdog thread per session: the deadlines are timeouts on the server's context */
		conn = tps_connection_new_for_stream_full(session->stream,
							  NULL,
							  session->shared->max_message_size,
							  session->shared->session_timeout,
							  session->client_address,
							  session->shared->context);
		tps_http_session_register(session->shared, conn);
		tps_http_session_run(session, conn);
		tps_connection_finish(conn);
		tps_http_session_unregister(session->shared, conn);
	}
	g_debug("session of %s ended", session->client_address);
	(void)g_atomic_int_add(&session->shared->n_sessions, -1);
	return NULL;
}

/* ----------------------------------------------------------------------------------------- */
/* handlers (main context) */

static void
tps_http_server_set_text(SoupServerMessage *msg, guint status, const gchar *text)
{
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg,
					 "text/plain; charset=utf-8",
					 SOUP_MEMORY_COPY,
					 text,
					 strlen(text));
}

/* POST /tps/tps, called right after the request head. */
static void
tps_http_server_tps_cb(SoupServer *soup,
		       SoupServerMessage *msg,
		       const char *path,
		       GHashTable *query,
		       gpointer user_data)
{
	TpsHttpServer *self = TPS_HTTP_SERVER(user_data);
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	g_autoptr(TpsHttpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	GThread *thread;

	if (g_strcmp0(path, TPS_HTTP_PATH_TPS) != 0) {
		tps_http_server_set_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
		return;
	}
	if (soup_server_message_get_method(msg) != SOUP_METHOD_POST) {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Allow",
					     "POST");
		tps_http_server_set_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "only POST\n");
		return;
	}
	if (soup_message_headers_get_encoding(headers) != SOUP_ENCODING_CHUNKED) {
		tps_http_server_set_text(msg,
					 SOUP_STATUS_BAD_REQUEST,
					 "Transfer-Encoding: chunked required\n");
		return;
	}

	session = g_new0(TpsHttpSession, 1);
	session->client_address = g_strdup(soup_server_message_get_remote_host(msg));
	if (session->client_address == NULL)
		session->client_address = g_strdup("unknown");
	session->stream = soup_server_message_steal_connection(msg);
	/* msg may be gone now */
	if (session->stream == NULL) {
		g_info("cannot take over the connection of %s", session->client_address);
		return;
	}
	session->shared = g_atomic_rc_box_acquire(self->shared);
	g_atomic_int_inc(&self->shared->n_sessions);
	thread = g_thread_try_new("tps-session", tps_http_session_thread, session, &error);
	if (thread == NULL) {
		g_warning("cannot start a session for %s: %s",
			  session->client_address,
			  error->message);
		(void)g_io_stream_close(session->stream, NULL, NULL);
		(void)g_atomic_int_add(&self->shared->n_sessions, -1);
		return;
	}
	/* the thread owns the session now; it runs detached */
	g_steal_pointer(&session);
	g_thread_unref(thread);
}

static void
tps_http_server_phone_home_cb(SoupServer *soup,
			      SoupServerMessage *msg,
			      const char *path,
			      GHashTable *query,
			      gpointer user_data)
{
	TpsHttpServer *self = TPS_HTTP_SERVER(user_data);

	if (g_strcmp0(path, TPS_HTTP_PATH_PHONE_HOME) != 0) {
		tps_http_server_set_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
		return;
	}
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg,
					 "application/xml",
					 SOUP_MEMORY_COPY,
					 g_bytes_get_data(self->phone_home_xml, NULL),
					 g_bytes_get_size(self->phone_home_xml));
}

static void
tps_http_server_health_cb(SoupServer *soup,
			  SoupServerMessage *msg,
			  const char *path,
			  GHashTable *query,
			  gpointer user_data)
{
	const char *method = soup_server_message_get_method(msg);

	if (g_strcmp0(path, TPS_HTTP_PATH_HEALTH) != 0) {
		tps_http_server_set_text(msg, SOUP_STATUS_NOT_FOUND, "not found\n");
		return;
	}
	if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Allow",
					     "GET, HEAD");
		tps_http_server_set_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "only GET\n");
		return;
	}
	tps_http_server_set_text(msg, SOUP_STATUS_OK, "ok");
}

/* Every response libsoup writes closes its connection: no idle keep-alive connection is
 * left for libsoup 3.2.3 to leak when the client drops it. */
static void
tps_http_server_request_started_cb(SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
	soup_message_headers_replace(soup_server_message_get_response_headers(msg),
				     "Connection",
				     "close");
}

TpsHttpServer *
tps_http_server_new(GTlsCertificate *certificate,
		    const gchar *phone_home_xml,
		    gsize max_message_size,
		    guint session_timeout,
		    TpsOperationFunc func,
		    gpointer user_data,
		    GDestroyNotify destroy)
{
	TpsHttpServer *self;

	g_return_val_if_fail(G_IS_TLS_CERTIFICATE(certificate), NULL);

	self = g_object_new(TPS_TYPE_HTTP_SERVER, NULL);
	self->shared = g_atomic_rc_box_new0(TpsHttpShared);
	self->shared->func = func;
	self->shared->user_data = user_data;
	self->shared->destroy = destroy;
	self->shared->max_message_size = max_message_size;
	self->shared->session_timeout = session_timeout;
	self->shared->context = g_main_context_ref_thread_default();
	g_mutex_init(&self->shared->lock);
	self->shared->connections = g_ptr_array_new_with_free_func(g_object_unref);
	self->phone_home_xml = g_bytes_new(phone_home_xml, strlen(phone_home_xml));

	self->soup = soup_server_new("tls-certificate", certificate, NULL);
	g_signal_connect(self->soup,
			 "request-started",
			 G_CALLBACK(tps_http_server_request_started_cb),
			 NULL);
	soup_server_add_early_handler(self->soup,
				      TPS_HTTP_PATH_TPS,
				      tps_http_server_tps_cb,
				      self,
				      NULL);
	soup_server_add_handler(self->soup,
				TPS_HTTP_PATH_PHONE_HOME,
				tps_http_server_phone_home_cb,
				self,
				NULL);
	soup_server_add_handler(self->soup,
				TPS_HTTP_PATH_HEALTH,
				tps_http_server_health_cb,
				self,
				NULL);
	return self;
}

/* Binds a listening socket on @address:@port; *@bound_port gets the actual port. */
static GSocket *
tps_http_server_bind(GInetAddress *address, guint16 port, guint16 *bound_port, GError **error)
{
	g_autoptr(GSocket) sock = NULL;
	g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(address, port);
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *where = g_inet_address_to_string(address);

	sock = g_socket_new(g_inet_address_get_family(address),
			    G_SOCKET_TYPE_STREAM,
			    G_SOCKET_PROTOCOL_TCP,
			    &error_local);
	if (sock != NULL)
		g_socket_set_listen_backlog(sock, TPS_HTTP_LISTEN_BACKLOG);
	if (sock == NULL || !g_socket_bind(sock, sa, TRUE, &error_local) ||
	    !g_socket_listen(sock, &error_local)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "cannot listen on %s port %u: %s",
			    where,
			    (guint)port,
			    error_local->message);
		return NULL;
	}
	local = g_socket_get_local_address(sock, &error_local);
	if (local == NULL || !G_IS_INET_SOCKET_ADDRESS(local)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "cannot read the port bound on %s: %s",
			    where,
			    error_local != NULL ? error_local->message : "not an inet address");
		return NULL;
	}
	*bound_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	return g_steal_pointer(&sock);
}

gboolean
tps_http_server_listen(TpsHttpServer *s,
		       const gchar *address,
		       guint16 https_port,
		       guint16 http_port,
		       GError **error)
{
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocket) https_sock = NULL;
	g_autoptr(GSocket) http_sock = NULL;
	g_autoptr(GError) error_local = NULL;
	guint16 https_bound = 0;
	guint16 http_bound = 0;

	g_return_val_if_fail(TPS_IS_HTTP_SERVER(s), FALSE);

	inet = g_inet_address_new_from_string(address);
	if (inet == NULL) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "listen address \"%s\" is not an IPv4 or IPv6 address",
			    address);
		return FALSE;
	}
	https_sock = tps_http_server_bind(inet, https_port, &https_bound, error);
	if (https_sock == NULL) {
		g_prefix_error(error, "HTTPS: ");
		return FALSE;
	}
	if (http_port != 0) {
		http_sock = tps_http_server_bind(inet, http_port, &http_bound, error);
		if (http_sock == NULL) {
			g_prefix_error(error, "plain HTTP: ");
			return FALSE;
		}
	}
	if (!soup_server_listen_socket(s->soup, https_sock, SOUP_SERVER_LISTEN_HTTPS, &error_local)) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "cannot serve HTTPS on %s port %u: %s",
			    address,
			    (guint)https_bound,
			    error_local->message);
		return FALSE;
	}
	if (http_sock != NULL && !soup_server_listen_socket(s->soup, http_sock, 0, &error_local)) {
		soup_server_disconnect(s->soup);
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_BACKEND,
			    "cannot serve plain HTTP on %s port %u: %s",
			    address,
			    (guint)http_bound,
			    error_local->message);
		return FALSE;
	}
	s->https_port = https_bound;
	s->http_port = http_bound;
	g_info("listening on %s: HTTPS port %u%s",
	       address,
	       (guint)https_bound,
	       http_bound != 0 ? ", plain HTTP too" : "");
	return TRUE;
}

guint16
tps_http_server_get_https_port(TpsHttpServer *s)
{
	g_return_val_if_fail(TPS_IS_HTTP_SERVER(s), 0);
	return s->https_port;
}

guint16
tps_http_server_get_http_port(TpsHttpServer *s)
{
	g_return_val_if_fail(TPS_IS_HTTP_SERVER(s), 0);
	return s->http_port;
}

guint
tps_http_server_get_n_sessions(TpsHttpServer *s)
{
	g_return_val_if_fail(TPS_IS_HTTP_SERVER(s), 0);
	return (guint)g_atomic_int_get(&s->shared->n_sessions);
}
