/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-tps-connection.h"
#include "esc-tps-connection-private.h"

#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "esc-error.h"
#include "tok-chunked-stream.h"
#include "tok-error.h"
#include "tok-secret.h"

#define ESC_TPS_CONNECTION_HEAD_READ 1024
#define ESC_HTTP_BODY_READ	     4096

/* ---- EscTlsOptions -------------------------------------------------------------------- */

struct _EscTlsOptions {
	gatomicrefcount ref;
	GMutex lock;
	gchar *ca_file;
	GTlsDatabase *ca_db; /* the anchors of ca_file */
	GList *ca_certs;     /* the same certificates, for an exact match */
	guint timeout;
};

G_DEFINE_BOXED_TYPE(EscTlsOptions, esc_tls_options, esc_tls_options_ref, esc_tls_options_unref)

EscTlsOptions *
esc_tls_options_new(void)
{
	EscTlsOptions *o = g_new0(EscTlsOptions, 1);

	g_atomic_ref_count_init(&o->ref);
	g_mutex_init(&o->lock);
	o->timeout = ESC_TLS_OPTIONS_DEFAULT_TIMEOUT;
	return o;
}

EscTlsOptions *
esc_tls_options_ref(EscTlsOptions *o)
{
	g_atomic_ref_count_inc(&o->ref);
	return o;
}

void
esc_tls_options_unref(EscTlsOptions *o)
{
	if (o == NULL || !g_atomic_ref_count_dec(&o->ref))
		return;
	g_free(o->ca_file);
	g_clear_object(&o->ca_db);
	g_list_free_full(o->ca_certs, g_object_unref);
	g_mutex_clear(&o->lock);
	g_free(o);
}

gboolean
esc_tls_options_set_ca_file(EscTlsOptions *o, const gchar *path, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GTlsDatabase) db = NULL;
	GList *certs = NULL;

	if (path == NULL) {
		g_mutex_lock(&o->lock);
		g_clear_pointer(&o->ca_file, g_free);
		g_clear_object(&o->ca_db);
		g_list_free_full(g_steal_pointer(&o->ca_certs), g_object_unref);
		g_mutex_unlock(&o->lock);
		return TRUE;
	}
	certs = g_tls_certificate_list_new_from_file(path, &local_error);
	if (certs == NULL) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_INVALID_INPUT,
			    _("Cannot use %s as CA file: %s"),
			    path,
			    local_error != NULL ? local_error->message : _("it holds no PEM certificate"));
		return FALSE;
	}
	db = g_tls_file_database_new(path, &local_error);
	if (db == NULL) {
		g_list_free_full(certs, g_object_unref);
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_INVALID_INPUT,
			    _("Cannot use %s as CA file: %s"),
			    path,
			    local_error->message);
		return FALSE;
	}
	g_mutex_lock(&o->lock);
	g_free(o->ca_file);
	o->ca_file = g_strdup(path);
	g_set_object(&o->ca_db, db);
	g_list_free_full(o->ca_certs, g_object_unref);
	o->ca_certs = certs;
	g_mutex_unlock(&o->lock);
	return TRUE;
}

gchar *
esc_tls_options_dup_ca_file(EscTlsOptions *o)
{
	gchar *path;

	g_mutex_lock(&o->lock);
	path = g_strdup(o->ca_file);
	g_mutex_unlock(&o->lock);
	return path;
}

void
esc_tls_options_set_timeout(EscTlsOptions *o, guint seconds)
{
	g_mutex_lock(&o->lock);
	o->timeout = seconds > 0 ? seconds : ESC_TLS_OPTIONS_DEFAULT_TIMEOUT;
	g_mutex_unlock(&o->lock);
}

guint
esc_tls_options_get_timeout(EscTlsOptions *o)
{
	guint timeout;

	g_mutex_lock(&o->lock);
	timeout = o->timeout;
	g_mutex_unlock(&o->lock);
	return timeout;
}

/* ---- errors --------------------------------------------------------------------------- */

static EscError
esc_tps_connection_error_code(const GError *error)
{
	if (error->domain == ESC_ERROR)
		return (EscError)error->code;
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return ESC_ERROR_CANCELLED;
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return ESC_ERROR_TIMEOUT;
	if (g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_EOF))
		return ESC_ERROR_CONNECT; /* the peer went away without close_notify */
	if (error->domain == G_TLS_ERROR)
		return ESC_ERROR_TLS;
	if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR)
		return ESC_ERROR_CONNECT;
	if (g_error_matches(error, TOK_ERROR, TOK_ERROR_TRUNCATED))
		return ESC_ERROR_CONNECT; /* the stream ended in the middle of the body */
	if (error->domain == TOK_ERROR)
		return ESC_ERROR_PROTOCOL;
	return ESC_ERROR_FAILED;
}

void
esc_tps_connection_propagate_error(GError **dest, GError *error, const gchar *what)
{
	EscError code;

	if (error == NULL)
		return;
	code = esc_tps_connection_error_code(error);
	if (dest != NULL) {
		if (code == ESC_ERROR_CANCELLED)
			g_set_error(dest, ESC_ERROR, code, "%s: %s", what, _("Cancelled"));
		else
			g_set_error(dest, ESC_ERROR, code, "%s: %s", what, error->message);
	}
	g_error_free(error);
}

/* ---- URLs ----------------------------------------------------------------------------- */

gchar *
esc_tps_connection_redact_url(const gchar *url)
{
	const gchar *authority;
	const gchar *at = NULL;
	gsize len;

	if (url == NULL)
		return NULL;
	/* textually, so that a URL that does not even parse is cleaned too */
	authority = strstr(url, "://");
	authority = authority != NULL ? authority + 3 : url;
	len = strcspn(authority, "/?#");
	for (gsize i = 0; i < len; i++) {
		if (authority[i] == '@')
			at = authority + i;
	}
	if (at == NULL)
		return g_strdup(url);
	return g_strdup_printf("%.*s" ESC_TPS_CONNECTION_REDACTED "%s", (gint)(authority - url), url, at);
}

typedef struct {
	gboolean tls;
	gchar *host; /* without brackets */
	guint16 port;
	gchar *target; /* path and query, encoded */
	gchar *url;    /* normalised, for messages */
} EscHttpTarget;

static void
esc_http_target_free(EscHttpTarget *t)
{
	if (t == NULL)
		return;
	g_free(t->host);
	g_free(t->target);
	g_free(t->url);
	g_free(t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscHttpTarget, esc_http_target_free)

static gboolean
esc_http_is_request_target(const gchar *text)
{
	for (const gchar *p = text; *p != '\0'; p++) {
		if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7F)
			return FALSE;
	}
	return TRUE;
}

static EscHttpTarget *
esc_http_target_new(const gchar *url, const gchar *default_path, GError **error)
{
	g_autoptr(EscHttpTarget) t = g_new0(EscHttpTarget, 1);
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GError) local_error = NULL;
	const gchar *scheme;
	const gchar *path;
	const gchar *query;
	gint port;
	/* a password in the URL's user part stays out of every message */
	g_autofree gchar *shown = esc_tps_connection_redact_url(url);

	uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, &local_error);
	if (uri == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not a valid URL: %s"), shown, local_error->message);
		return NULL;
	}
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "https") == 0)
		t->tls = TRUE;
	else if (g_ascii_strcasecmp(scheme, "http") != 0) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not an http:// or https:// URL"), shown);
		return NULL;
	}
	if (g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0') {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The URL “%s” names no host"), shown);
		return NULL;
	}
	if (g_uri_get_userinfo(uri) != NULL) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_INVALID_INPUT,
			    _("The URL “%s” carries a user name or password, which is not supported"),
			    shown);
		return NULL;
	}
	port = g_uri_get_port(uri);
	if (port == 0 || port > G_MAXUINT16) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The URL “%s” has an invalid port"), shown);
		return NULL;
	}
	t->port = port < 0 ? (t->tls ? 443 : 80) : (guint16)port;
	t->host = g_strdup(g_uri_get_host(uri));
	path = g_uri_get_path(uri);
	/* "https://tps.example" and "https://tps.example/" mean the default path */
	if (path == NULL || path[0] == '\0' || g_strcmp0(path, "/") == 0)
		path = default_path;
	query = g_uri_get_query(uri);
	t->target = query != NULL ? g_strdup_printf("%s?%s", path, query) : g_strdup(path);
	if (t->target[0] != '/' || !esc_http_is_request_target(t->target) || !esc_http_is_request_target(t->host)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The URL “%s” has characters that cannot be sent"), shown);
		return NULL;
	}
	t->url = g_strdup_printf("%s://%s%s%s:%u%s",
				 t->tls ? "https" : "http",
				 strchr(t->host, ':') != NULL ? "[" : "",
				 t->host,
				 strchr(t->host, ':') != NULL ? "]" : "",
				 t->port,
				 t->target);
	return g_steal_pointer(&t);
}

static gchar *
esc_http_target_host_header(const EscHttpTarget *t)
{
	if (strchr(t->host, ':') != NULL)
		return g_strdup_printf("[%s]:%u", t->host, t->port);
	return g_strdup_printf("%s:%u", t->host, t->port);
}

/* ---- TLS verification ----------------------------------------------------------------- */

typedef struct {
	GTlsDatabase *ca_db;	       /* the extra anchors, or NULL */
	GList *ca_certs;	       /* borrowed from the options snapshot */
	GSocketConnectable *identity;
	GTlsCertificateFlags errors;   /* what the last check found */
	gboolean checked;
} EscTlsCheck;

static GTlsCertificateFlags
esc_tls_check_with_anchors(EscTlsCheck *check, GTlsCertificate *peer)
{
	g_autoptr(GError) error = NULL;
	GTlsCertificateFlags flags;
	GTlsCertificateFlags identity_flags;

	flags = g_tls_database_verify_chain(check->ca_db,
					    peer,
					    G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
					    check->identity,
					    NULL,
					    G_TLS_DATABASE_VERIFY_NONE,
					    NULL,
					    &error);
	if (error != NULL) {
		g_debug("verifying the chain with the CA file failed: %s", error->message);
		flags |= G_TLS_CERTIFICATE_GENERIC_ERROR;
	}
	/* a self-signed server certificate given as the CA file itself */
	if ((flags & G_TLS_CERTIFICATE_UNKNOWN_CA) != 0) {
		for (GList *l = check->ca_certs; l != NULL; l = l->next) {
			if (g_tls_certificate_is_same(peer, l->data)) {
				flags = g_tls_certificate_verify(peer, check->identity, l->data);
				break;
			}
		}
	}
	/* the name is checked whatever the backend's database does with @identity */
	identity_flags = g_tls_certificate_verify(peer, check->identity, NULL);
	flags |= identity_flags & G_TLS_CERTIFICATE_BAD_IDENTITY;
	return flags;
}

static gboolean
esc_tls_check_accept(GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors, gpointer user_data)
{
	EscTlsCheck *check = user_data;

	check->checked = TRUE;
	check->errors = errors;
	/* the system store refused it: the CA file may still vouch for it, name included */
	if (check->ca_db == NULL)
		return FALSE;
	check->errors = esc_tls_check_with_anchors(check, peer);
	return check->errors == 0;
}

static gchar *
esc_tls_describe_flags(GTlsCertificateFlags flags)
{
	g_autoptr(GPtrArray) parts = g_ptr_array_new();
	g_autofree gchar *joined = NULL;

	if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
		g_ptr_array_add(parts, (gpointer)_("it is not issued by a trusted authority (give the server's CA certificate as CA file)"));
	if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
		g_ptr_array_add(parts, (gpointer)_("it was issued for another host name"));
	if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
		g_ptr_array_add(parts, (gpointer)_("it is not valid yet"));
	if (flags & G_TLS_CERTIFICATE_EXPIRED)
		g_ptr_array_add(parts, (gpointer)_("it has expired"));
	if (flags & G_TLS_CERTIFICATE_REVOKED)
		g_ptr_array_add(parts, (gpointer)_("it has been revoked"));
	if (flags & G_TLS_CERTIFICATE_INSECURE)
		g_ptr_array_add(parts, (gpointer)_("it uses an insecure algorithm"));
	if (parts->len == 0)
		g_ptr_array_add(parts, (gpointer)_("it could not be verified"));
	g_ptr_array_add(parts, NULL);
	joined = g_strjoinv(", ", (gchar **)parts->pdata);
	return g_steal_pointer(&joined);
}

/* ---- connecting ----------------------------------------------------------------------- */

typedef struct {
	GSocketConnection *socket_conn;
	GIOStream *stream; /* the TLS connection, or socket_conn */
} EscHttpLink;

static void
esc_http_link_clear(EscHttpLink *link)
{
	if (link->stream != NULL && link->stream != G_IO_STREAM(link->socket_conn))
		g_object_unref(link->stream);
	link->stream = NULL;
	g_clear_object(&link->socket_conn);
}

static void
esc_http_link_close(EscHttpLink *link)
{
	g_autoptr(GError) error = NULL;

	if (link->socket_conn == NULL)
		return;
	if (link->stream != G_IO_STREAM(link->socket_conn) && !g_io_stream_is_closed(link->stream)) {
		/* close_notify; a peer that is gone makes this fail, which is fine */
		if (!g_io_stream_close(link->stream, NULL, &error))
			g_debug("closing TLS: %s", error->message);
	}
	if (!g_io_stream_is_closed(G_IO_STREAM(link->socket_conn)))
		g_io_stream_close(G_IO_STREAM(link->socket_conn), NULL, NULL);
}

static gboolean
esc_http_link_open(EscHttpLink *link,
		   const EscHttpTarget *target,
		   EscTlsOptions *tls,
		   GCancellable *cancellable,
		   GError **error)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnectable) identity = g_network_address_new(target->host, target->port);
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GTlsDatabase) ca_db = NULL;
	GList *ca_certs = NULL;
	GSocket *socket;
	guint timeout;

	g_mutex_lock(&tls->lock);
	timeout = tls->timeout;
	if (tls->ca_db != NULL)
		ca_db = g_object_ref(tls->ca_db);
	ca_certs = g_list_copy_deep(tls->ca_certs, (GCopyFunc)(void (*)(void))g_object_ref, NULL);
	g_mutex_unlock(&tls->lock);

	g_socket_client_set_enable_proxy(client, FALSE);
	g_socket_client_set_timeout(client, timeout);
	link->socket_conn = g_socket_client_connect(client, identity, cancellable, &local_error);
	if (link->socket_conn == NULL) {
		g_list_free_full(ca_certs, g_object_unref);
		esc_tps_connection_propagate_error(error,
						   g_steal_pointer(&local_error),
						   _("Cannot connect to the server"));
		g_prefix_error(error, "%s: ", target->url);
		return FALSE;
	}
	socket = g_socket_connection_get_socket(link->socket_conn);
	g_socket_set_timeout(socket, timeout);
	if (!g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, &local_error)) {
		g_debug("TCP_NODELAY: %s", local_error->message);
		g_clear_error(&local_error);
	}
	link->stream = G_IO_STREAM(link->socket_conn);
	if (target->tls) {
		EscTlsCheck check = {.ca_db = ca_db, .ca_certs = ca_certs, .identity = identity};
		g_autoptr(GTlsDatabase) system_db = NULL;
		GIOStream *conn = g_tls_client_connection_new(G_IO_STREAM(link->socket_conn), identity, &local_error);
		gulong handler;
		gboolean ok;

		if (conn == NULL) {
			g_list_free_full(ca_certs, g_object_unref);
			g_set_error(error, ESC_ERROR, ESC_ERROR_TLS, _("Cannot start TLS with %s: %s"), target->url, local_error->message);
			return FALSE;
		}
		link->stream = conn;
		/* the system trust store decides first; the handler adds the CA file */
		system_db = g_tls_backend_get_default_database(g_tls_backend_get_default());
		g_tls_connection_set_database(G_TLS_CONNECTION(conn), system_db);
		/* a truncated body is caught by the chunked framing */
		g_tls_connection_set_require_close_notify(G_TLS_CONNECTION(conn), FALSE);
		handler = g_signal_connect(conn, "accept-certificate", G_CALLBACK(esc_tls_check_accept), &check);
		ok = g_tls_connection_handshake(G_TLS_CONNECTION(conn), cancellable, &local_error);
		g_signal_handler_disconnect(conn, handler);
		g_list_free_full(ca_certs, g_object_unref);
		if (!ok) {
			if (g_error_matches(local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) && check.checked) {
				g_autofree gchar *why = esc_tls_describe_flags(check.errors);
				g_set_error(error,
					    ESC_ERROR,
					    ESC_ERROR_TLS,
					    _("The certificate of %s is not trusted: %s"),
					    target->url,
					    why);
			} else {
				g_autofree gchar *what = g_strdup_printf(_("TLS handshake with %s failed"), target->url);
				EscError code = esc_tps_connection_error_code(local_error);

				/* a peer closing during the handshake is a TLS failure, not a lost line */
				if (code == ESC_ERROR_CONNECT && local_error->domain == G_TLS_ERROR)
					code = ESC_ERROR_TLS;
				g_set_error(error, ESC_ERROR, code, "%s: %s", what,
					    code == ESC_ERROR_CANCELLED ? _("Cancelled") : local_error->message);
			}
			return FALSE;
		}
	}
	return TRUE;
}

/* ---- HTTP heads ----------------------------------------------------------------------- */

void
esc_tps_connection_head_free(EscHttpHead *head)
{
	if (head == NULL)
		return;
	g_free(head->reason);
	g_ptr_array_unref(head->names);
	g_ptr_array_unref(head->values);
	g_free(head);
}

static gboolean
esc_http_is_token_char(gchar c)
{
	return g_ascii_isalnum(c) || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

#define ESC_HTTP_PRINTABLE \
	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"

/* A reason phrase holds tabs and printable ASCII only (RFC 9110 allows no other control). */
static gboolean
esc_http_is_reason_text(const gchar *text)
{
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p != '\t' && !g_ascii_isprint(*p))
			return FALSE;
	}
	return TRUE;
}

/* All values of header @name joined with ", " (as HTTP allows), or NULL. */
gchar *
esc_tps_connection_head_get(const EscHttpHead *head, const gchar *name)
{
	g_autoptr(GString) value = NULL;

	for (guint i = 0; i < head->names->len; i++) {
		if (g_strcmp0(g_ptr_array_index(head->names, i), name) != 0)
			continue;
		if (value == NULL)
			value = g_string_new(g_ptr_array_index(head->values, i));
		else
			g_string_append_printf(value, ", %s", (const gchar *)g_ptr_array_index(head->values, i));
	}
	return value != NULL ? g_string_free(g_steal_pointer(&value), FALSE) : NULL;
}

/* A strict parser of "HTTP/1.x NNN reason\r\n(Name: value\r\n)*\r\n" (@len includes the
 * empty line). */
EscHttpHead *
esc_tps_connection_head_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(EscHttpHead) head = g_new0(EscHttpHead, 1);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	const gchar *status_line;
	guint n_lines;

	head->names = g_ptr_array_new_with_free_func(g_free);
	head->values = g_ptr_array_new_with_free_func(g_free);
	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\0' || (guchar)data[i] >= 0x80) {
			g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer is not HTTP (binary data in the head)"));
			return NULL;
		}
	}
	if (len < 4 || strncmp(data + len - 4, "\r\n\r\n", 4) != 0) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer is not HTTP (no end of head)"));
		return NULL;
	}
	text = g_strndup(data, len - 4);
	lines = g_strsplit(text, "\r\n", -1);
	n_lines = g_strv_length(lines);
	/* a head of nothing but the empty line has no status line at all */
	status_line = lines[0] != NULL ? lines[0] : "";
	if (!g_str_has_prefix(status_line, "HTTP/1.") || !g_ascii_isdigit(status_line[7]) || status_line[8] != ' ' ||
	    !g_ascii_isdigit(status_line[9]) || !g_ascii_isdigit(status_line[10]) || !g_ascii_isdigit(status_line[11]) ||
	    (status_line[12] != ' ' && status_line[12] != '\0') || !esc_http_is_reason_text(status_line + 12)) {
		g_autofree gchar *shown = g_strndup(status_line, 40);

		/* printable only: the line goes into a message */
		g_strcanon(shown, ESC_HTTP_PRINTABLE, '?');
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer is not HTTP (status line “%s”)"), shown);
		return NULL;
	}
	head->status = (guint)g_ascii_digit_value(status_line[9]) * 100 + (guint)g_ascii_digit_value(status_line[10]) * 10 +
		       (guint)g_ascii_digit_value(status_line[11]);
	head->reason = g_strdup(status_line[12] == ' ' ? status_line + 13 : "");
	if (head->status < 100) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server answered with the invalid HTTP status %u"), head->status);
		return NULL;
	}
	if (n_lines - 1 > ESC_TPS_CONNECTION_MAX_HEADERS) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer has more than %d header lines"), ESC_TPS_CONNECTION_MAX_HEADERS);
		return NULL;
	}
	for (guint i = 1; i < n_lines; i++) {
		const gchar *line = lines[i];
		const gchar *colon = strchr(line, ':');
		g_autofree gchar *value = NULL;

		if (colon == NULL || colon == line) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer has a malformed header line (%u)"), i);
			return NULL;
		}
		for (const gchar *p = line; p < colon; p++) {
			if (!esc_http_is_token_char(*p)) {
				g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer has a malformed header name (line %u)"), i);
				return NULL;
			}
		}
		for (const gchar *p = colon + 1; *p != '\0'; p++) {
			if ((guchar)*p < 0x20 && *p != '\t') {
				g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer has a control character in a header (line %u)"), i);
				return NULL;
			}
		}
		value = g_strstrip(g_strdup(colon + 1));
		g_ptr_array_add(head->names, g_ascii_strdown(line, colon - line));
		g_ptr_array_add(head->values, g_steal_pointer(&value));
	}
	return g_steal_pointer(&head);
}

/* TRUE if the last transfer coding is "chunked" (and the only one: no compression). */
gboolean
esc_tps_connection_head_is_chunked(const EscHttpHead *head)
{
	g_autofree gchar *te = esc_tps_connection_head_get(head, "transfer-encoding");

	return te != NULL && g_ascii_strcasecmp(te, "chunked") == 0;
}

gssize
esc_tps_connection_find_head_end(const guint8 *data, gsize len)
{
	for (gsize i = 0; i + 3 < len; i++) {
		if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
			return (gssize)(i + 4);
	}
	return -1;
}

/* Whether the @len bytes read so far can still begin a response: the first line must read
 * "HTTP/1.x NNN", then a space and a reason or the end of the line, ended by CRLF. Every byte
 * is judged as soon as it is read (the first 13 bytes decide even without a line end), so
 * garbage fails at once instead of when the head is complete: a server that is not HTTP may
 * never send the blank line that ends one, and the client would wait for the timeout. The
 * full parse of the head comes later (esc_tps_connection_head_parse()). */
gboolean
esc_tps_connection_check_status_start(const guint8 *data, gsize len, GError **error)
{
	/* '#': a digit */
	static const gchar pattern[] = "HTTP/1.# ###";
	const gsize pattern_len = sizeof(pattern) - 1;
	gsize line_len = 0;
	gboolean complete = FALSE;
	gboolean ok = TRUE;
	g_autoptr(GString) shown = NULL;

	while (line_len < len && !complete) {
		complete = data[line_len] == '\n';
		line_len++;
	}
	for (gsize i = 0; ok && i < MIN(line_len, pattern_len); i++)
		ok = pattern[i] == '#' ? g_ascii_isdigit(data[i]) : data[i] == (guint8)pattern[i];
	if (ok && line_len > pattern_len)
		ok = data[pattern_len] == ' ' || data[pattern_len] == '\r';
	if (ok && complete)
		ok = line_len >= pattern_len + 2 && data[line_len - 2] == '\r';
	if (ok)
		return TRUE;
	/* what came, printable and short, for the message */
	shown = g_string_new(NULL);
	for (gsize i = 0; i < MIN(line_len, (gsize)40); i++) {
		if (data[i] == '\r' || data[i] == '\n')
			break;
		g_string_append_c(shown, g_ascii_isprint(data[i]) ? (gchar)data[i] : '?');
	}
	g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The server's answer is not HTTP (status line “%s”)"), shown->str);
	return FALSE;
}

/* Writes @head, then reads and parses the response head; @rest gets the body bytes read
 * with it. */
static EscHttpHead *
esc_http_exchange_heads(EscHttpLink *link,
			const EscHttpTarget *target,
			const gchar *request_head,
			GBytes **rest,
			GCancellable *cancellable,
			GError **error)
{
	GOutputStream *out = g_io_stream_get_output_stream(link->stream);
	GInputStream *in = g_io_stream_get_input_stream(link->stream);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	g_autoptr(GError) local_error = NULL;
	g_autoptr(EscHttpHead) head = NULL;
	guint8 block[ESC_TPS_CONNECTION_HEAD_READ];
	gssize head_len = -1;

	if (!g_output_stream_write_all(out, request_head, strlen(request_head), NULL, cancellable, &local_error) ||
	    !g_output_stream_flush(out, cancellable, &local_error)) {
		g_autofree gchar *what = g_strdup_printf(_("Cannot send the request to %s"), target->url);
		esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), what);
		return NULL;
	}
	while (head_len < 0) {
		gssize n;

		if (buf->len > ESC_TPS_CONNECTION_MAX_HEAD) {
			g_set_error(error,
				    ESC_ERROR,
				    ESC_ERROR_PROTOCOL,
				    _("The answer of %s is not HTTP (no end of head within %d bytes)"),
				    target->url,
				    ESC_TPS_CONNECTION_MAX_HEAD);
			return NULL;
		}
		n = g_input_stream_read(in, block, sizeof(block), cancellable, &local_error);
		if (n < 0) {
			g_autofree gchar *what = g_strdup_printf(_("No answer from %s"), target->url);
			esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), what);
			return NULL;
		}
		if (n == 0) {
			g_set_error(error,
				    ESC_ERROR,
				    buf->len == 0 ? ESC_ERROR_CONNECT : ESC_ERROR_PROTOCOL,
				    _("%s closed the connection without an HTTP answer"),
				    target->url);
			return NULL;
		}
		g_byte_array_append(buf, block, (guint)n);
		if (!esc_tps_connection_check_status_start(buf->data, buf->len, error)) {
			g_prefix_error(error, "%s: ", target->url);
			return NULL;
		}
		head_len = esc_tps_connection_find_head_end(buf->data, buf->len);
	}
	if ((gsize)head_len > ESC_TPS_CONNECTION_MAX_HEAD) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_PROTOCOL,
			    _("The answer of %s has a head longer than %d bytes"),
			    target->url,
			    ESC_TPS_CONNECTION_MAX_HEAD);
		return NULL;
	}
	head = esc_tps_connection_head_parse((const gchar *)buf->data, (gsize)head_len, error);
	if (head == NULL) {
		g_prefix_error(error, "%s: ", target->url);
		return NULL;
	}
	*rest = g_bytes_new(buf->data + head_len, buf->len - (gsize)head_len);
	return g_steal_pointer(&head);
}

static void
esc_http_set_status_error(GError **error, const EscHttpTarget *target, const EscHttpHead *head)
{
	g_set_error(error,
		    ESC_ERROR,
		    ESC_ERROR_PROTOCOL,
		    _("%s answered HTTP %u %s instead of 200 OK"),
		    target->url,
		    head->status,
		    head->reason);
}

/* ---- EscTpsConnection ----------------------------------------------------------------- */

struct _EscTpsConnection {
	GObject parent_instance;
	gchar *url;
	EscHttpLink link;
	TokChunkedReader *reader;
	TokChunkedWriter *writer;
	gboolean closed;
};

G_DEFINE_FINAL_TYPE(EscTpsConnection, esc_tps_connection, G_TYPE_OBJECT)

static void
esc_tps_connection_dispose(GObject *object)
{
	EscTpsConnection *self = ESC_TPS_CONNECTION(object);

	esc_tps_connection_close(self);
	g_clear_object(&self->reader);
	g_clear_object(&self->writer);
	esc_http_link_clear(&self->link);
	G_OBJECT_CLASS(esc_tps_connection_parent_class)->dispose(object);
}

static void
esc_tps_connection_finalize(GObject *object)
{
	EscTpsConnection *self = ESC_TPS_CONNECTION(object);

	g_free(self->url);
	G_OBJECT_CLASS(esc_tps_connection_parent_class)->finalize(object);
}

static void
esc_tps_connection_class_init(EscTpsConnectionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = esc_tps_connection_dispose;
	object_class->finalize = esc_tps_connection_finalize;
}

static void
esc_tps_connection_init(EscTpsConnection *self)
{
}

EscTpsConnection *
esc_tps_connection_open(const gchar *url, EscTlsOptions *tls, GCancellable *cancellable, GError **error)
{
	g_autoptr(EscTpsConnection) self = NULL;
	g_autoptr(EscHttpTarget) target = NULL;
	g_autoptr(EscTlsOptions) options = tls != NULL ? esc_tls_options_ref(tls) : esc_tls_options_new();
	g_autoptr(EscHttpHead) head = NULL;
	g_autoptr(GBytes) rest = NULL;
	g_autoptr(GString) request = g_string_new(NULL);
	g_autofree gchar *host = NULL;

	target = esc_http_target_new(url, ESC_TPS_CONNECTION_DEFAULT_PATH, error);
	if (target == NULL)
		return NULL;
	self = g_object_new(ESC_TYPE_TPS_CONNECTION, NULL);
	self->url = g_strdup(target->url);
	if (!esc_http_link_open(&self->link, target, options, cancellable, error))
		return NULL;
	host = esc_http_target_host_header(target);
	g_string_append_printf(request, "POST %s HTTP/1.1\r\n", target->target);
	g_string_append_printf(request, "Host: %s\r\n", host);
	g_string_append(request, "Transfer-Encoding: chunked\r\n");
	g_string_append(request, "Content-Type: text/plain\r\n\r\n");
	head = esc_http_exchange_heads(&self->link, target, request->str, &rest, cancellable, error);
	if (head == NULL)
		return NULL;
	if (head->status != 200) {
		esc_http_set_status_error(error, target, head);
		return NULL;
	}
	if (!esc_tps_connection_head_is_chunked(head)) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_PROTOCOL,
			    _("%s did not answer with Transfer-Encoding: chunked (is it a TPS?)"),
			    target->url);
		return NULL;
	}
	self->reader = tok_chunked_reader_new(g_io_stream_get_input_stream(self->link.stream),
					      rest,
					      ESC_TPS_CONNECTION_MAX_MESSAGE);
	self->writer = tok_chunked_writer_new(g_io_stream_get_output_stream(self->link.stream));
	return g_steal_pointer(&self);
}

void
esc_tps_connection_set_timeout(EscTpsConnection *self, guint seconds)
{
	if (self->link.socket_conn != NULL)
		g_socket_set_timeout(g_socket_connection_get_socket(self->link.socket_conn), seconds);
}

const gchar *
esc_tps_connection_get_url(EscTpsConnection *self)
{
	return self->url;
}

static gboolean
esc_tps_connection_check_open(EscTpsConnection *self, GError **error)
{
	if (self->closed || self->writer == NULL) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_FAILED, "the TPS connection is closed");
		return FALSE;
	}
	return TRUE;
}

gboolean
esc_tps_connection_send(EscTpsConnection *self, TokTpsMessage *msg, GCancellable *cancellable, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GBytes) wire = NULL;

	if (!esc_tps_connection_check_open(self, error))
		return FALSE;
	wire = tok_tps_message_encode(msg, &local_error);
	if (wire == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("Cannot encode %s: %s"),
			    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)), local_error->message);
		return FALSE;
	}
	if (!tok_chunked_writer_write(self->writer, wire, cancellable, &local_error)) {
		g_autofree gchar *what = g_strdup_printf(_("Cannot send %s to %s"),
							 tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)),
							 self->url);
		esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), what);
		return FALSE;
	}
	return TRUE;
}

TokTpsMessage *
esc_tps_connection_receive(EscTpsConnection *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GBytes) chunk = NULL;
	TokTpsMessage *msg;

	if (!esc_tps_connection_check_open(self, error))
		return NULL;
	chunk = tok_chunked_reader_read(self->reader, cancellable, &local_error);
	if (chunk == NULL) {
		if (local_error != NULL) {
			g_autofree gchar *what = g_strdup_printf(_("Cannot read from %s"), self->url);
			esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), what);
		}
		return NULL;
	}
	msg = tok_tps_message_parse_bytes(chunk, ESC_TPS_CONNECTION_MAX_MESSAGE, &local_error);
	if (msg == NULL) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_PROTOCOL,
			    _("%s sent something that is not a TPS message: %s"),
			    self->url,
			    local_error->message);
		return NULL;
	}
	return msg;
}

gboolean
esc_tps_connection_finish_request(EscTpsConnection *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GError) local_error = NULL;

	if (!esc_tps_connection_check_open(self, error))
		return FALSE;
	if (!tok_chunked_writer_close(self->writer, cancellable, &local_error)) {
		esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), _("Cannot end the request body"));
		return FALSE;
	}
	return TRUE;
}

void
esc_tps_connection_close(EscTpsConnection *self)
{
	if (self->closed)
		return;
	self->closed = TRUE;
	esc_http_link_close(&self->link);
}

/* ---- plain HTTP GET ------------------------------------------------------------------- */

static void
esc_http_set_too_large_error(GError **error, const EscHttpTarget *target, gsize max_size)
{
	/* the number is formatted apart: a G_GSIZE_FORMAT would cut the message for xgettext */
	g_autofree gchar *limit = g_strdup_printf("%" G_GSIZE_FORMAT, max_size);

	/* TRANSLATORS: "The answer of <server> is larger than <n> bytes" */
	g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The answer of %s is larger than %s bytes"), target->url, limit);
}

static gboolean
esc_http_read_body(GInputStream *in,
		   const EscHttpTarget *target,
		   const EscHttpHead *head,
		   GBytes *rest,
		   gsize max_size,
		   GByteArray *body,
		   GCancellable *cancellable,
		   GError **error)
{
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *length_text = esc_tps_connection_head_get(head, "content-length");
	guint64 length = G_MAXUINT64;
	guint8 block[ESC_HTTP_BODY_READ];

	if (esc_tps_connection_head_is_chunked(head)) {
		g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(in, rest, max_size);

		for (;;) {
			g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, cancellable, &local_error);

			if (chunk == NULL)
				break;
			if (body->len + g_bytes_get_size(chunk) > max_size) {
				esc_http_set_too_large_error(error, target, max_size);
				return FALSE;
			}
			g_byte_array_append(body, g_bytes_get_data(chunk, NULL), (guint)g_bytes_get_size(chunk));
		}
		if (local_error != NULL) {
			g_autofree gchar *what = g_strdup_printf(_("Cannot read the answer of %s"), target->url);
			esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), what);
			return FALSE;
		}
		return TRUE;
	}
	if (length_text != NULL) {
		if (length_text[0] == '\0' || !g_ascii_string_to_unsigned(length_text, 10, 0, G_MAXUINT64, &length, NULL)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("%s sent an invalid Content-Length"), target->url);
			return FALSE;
		}
		if (length > max_size) {
			esc_http_set_too_large_error(error, target, max_size);
			return FALSE;
		}
	}
	g_byte_array_append(body, g_bytes_get_data(rest, NULL), (guint)g_bytes_get_size(rest));
	while (body->len < length) {
		gssize n;

		if (body->len > max_size)
			break;
		n = g_input_stream_read(in, block, sizeof(block), cancellable, &local_error);
		if (n < 0) {
			g_autofree gchar *what = g_strdup_printf(_("Cannot read the answer of %s"), target->url);
			esc_tps_connection_propagate_error(error, g_steal_pointer(&local_error), what);
			return FALSE;
		}
		if (n == 0) {
			if (length != G_MAXUINT64) {
				g_autofree gchar *expected = g_strdup_printf("%" G_GUINT64_FORMAT, length);

				/* TRANSLATORS: "<server> closed the connection after <n> of <m> bytes" */
				g_set_error(error, ESC_ERROR, ESC_ERROR_CONNECT, _("%s closed the connection after %u of %s bytes"),
					    target->url, body->len, expected);
				return FALSE;
			}
			break;
		}
		g_byte_array_append(body, block, (guint)n);
	}
	if (body->len > max_size) {
		esc_http_set_too_large_error(error, target, max_size);
		return FALSE;
	}
	if (length != G_MAXUINT64 && body->len != length) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("%s sent more than its Content-Length"), target->url);
		return FALSE;
	}
	return TRUE;
}

GBytes *
esc_tps_connection_http_get(const gchar *url,
			    EscTlsOptions *tls,
			    gsize max_size,
			    GCancellable *cancellable,
			    GError **error)
{
	g_autoptr(EscHttpTarget) target = NULL;
	g_autoptr(EscTlsOptions) options = tls != NULL ? esc_tls_options_ref(tls) : esc_tls_options_new();
	g_autoptr(EscHttpHead) head = NULL;
	g_autoptr(GBytes) rest = NULL;
	g_autoptr(GString) request = g_string_new(NULL);
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autofree gchar *host = NULL;
	EscHttpLink link = {NULL, NULL};
	gboolean ok;

	target = esc_http_target_new(url, "/", error);
	if (target == NULL)
		return NULL;
	if (!esc_http_link_open(&link, target, options, cancellable, error)) {
		esc_http_link_clear(&link);
		return NULL;
	}
	host = esc_http_target_host_header(target);
	g_string_append_printf(request, "GET %s HTTP/1.1\r\n", target->target);
	g_string_append_printf(request, "Host: %s\r\n", host);
	g_string_append(request, "Accept: text/xml, application/xml\r\n");
	g_string_append(request, "Connection: close\r\n\r\n");
	head = esc_http_exchange_heads(&link, target, request->str, &rest, cancellable, error);
	if (head == NULL) {
		esc_http_link_close(&link);
		esc_http_link_clear(&link);
		return NULL;
	}
	if (head->status != 200) {
		esc_http_set_status_error(error, target, head);
		esc_http_link_close(&link);
		esc_http_link_clear(&link);
		return NULL;
	}
	ok = esc_http_read_body(g_io_stream_get_input_stream(link.stream), target, head, rest, max_size, body, cancellable, error);
	esc_http_link_close(&link);
	esc_http_link_clear(&link);
	if (!ok)
		return NULL;
	return g_byte_array_free_to_bytes(g_steal_pointer(&body));
}
