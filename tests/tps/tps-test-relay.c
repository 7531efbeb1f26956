/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-test-relay.h"

#include <libsoup/soup.h>
#include <string.h>

#include "tok-bytes.h"
#include "tok-chunked-stream.h"
#include "tok-chunked.h"
#include "tok-error.h"
#include "tok-secret.h"

#define TPS_TEST_RELAY_HEAD_READ 1024
#define TPS_TEST_RELAY_REDACTED	 "(redacted)"

struct _TpsTestRelay {
	gchar *host;
	guint16 port;
	gchar *trust_file;
	gchar *path;
	ThCard *card;
	TpsTestRelayTransmitFunc transmit_func;
	gpointer transmit_data;
	gchar *token_type;
	gchar *token_atr;
	gboolean status_update;
	gboolean extended_login;
	TokSecret *user_id;
	TokSecret *password;
	TokSecret *new_pin;
	TpsTestRelayTamperFunc tamper_func;
	gpointer tamper_data;
	guint drop_after_pdus;
	gint drop_at_ins;
	guint timeout;
	GPtrArray *transcript;
};

struct _TpsTestRelayConn {
	TpsTestRelay *relay;
	GSocketConnection *socket_conn;
	GIOStream *stream; /* the TLS connection, or socket_conn */
	TokChunkedReader *reader;
	TokChunkedWriter *writer;
	gboolean closed;
};

TpsTestRelay *
tps_test_relay_new(const gchar *host, guint16 port, const gchar *trust_file)
{
	TpsTestRelay *self = g_new0(TpsTestRelay, 1);

	self->host = g_strdup(host);
	self->port = port;
	self->trust_file = g_strdup(trust_file);
	self->path = g_strdup("/tps/tps");
	self->timeout = TPS_TEST_RELAY_DEFAULT_TIMEOUT;
	self->drop_at_ins = -1;
	self->transcript = g_ptr_array_new_with_free_func(g_free);
	return self;
}

void
tps_test_relay_free(TpsTestRelay *self)
{
	if (self == NULL)
		return;
	g_free(self->host);
	g_free(self->trust_file);
	g_free(self->path);
	g_free(self->token_type);
	g_free(self->token_atr);
	g_clear_pointer(&self->user_id, tok_secret_unref);
	g_clear_pointer(&self->password, tok_secret_unref);
	g_clear_pointer(&self->new_pin, tok_secret_unref);
	g_ptr_array_unref(self->transcript);
	g_free(self);
}

void
tps_test_relay_set_card(TpsTestRelay *self, ThCard *card)
{
	self->card = card;
	self->transmit_func = NULL;
	self->transmit_data = NULL;
}

void
tps_test_relay_set_transmit_func(TpsTestRelay *self, TpsTestRelayTransmitFunc func, gpointer user_data)
{
	self->card = NULL;
	self->transmit_func = func;
	self->transmit_data = user_data;
}

void
tps_test_relay_set_path(TpsTestRelay *self, const gchar *path)
{
	g_free(self->path);
	self->path = g_strdup(path);
}

void
tps_test_relay_set_token_type(TpsTestRelay *self, const gchar *token_type)
{
	g_free(self->token_type);
	self->token_type = g_strdup(token_type);
}

void
tps_test_relay_set_token_atr(TpsTestRelay *self, const gchar *token_atr)
{
	g_free(self->token_atr);
	self->token_atr = g_strdup(token_atr);
}

void
tps_test_relay_set_status_update(TpsTestRelay *self, gboolean status_update)
{
	self->status_update = status_update;
}

void
tps_test_relay_set_extended_login(TpsTestRelay *self, gboolean extended_login)
{
	self->extended_login = extended_login;
}

static void
tps_test_relay_replace_secret(TokSecret **slot, const gchar *text)
{
	g_clear_pointer(slot, tok_secret_unref);
	if (text != NULL)
		*slot = tok_secret_new_from_text(text);
}

void
tps_test_relay_set_credentials(TpsTestRelay *self, const gchar *user_id, const gchar *password)
{
	tps_test_relay_replace_secret(&self->user_id, user_id);
	tps_test_relay_replace_secret(&self->password, password);
}

void
tps_test_relay_set_new_pin(TpsTestRelay *self, const gchar *pin)
{
	tps_test_relay_replace_secret(&self->new_pin, pin);
}

void
tps_test_relay_set_tamper_func(TpsTestRelay *self, TpsTestRelayTamperFunc func, gpointer user_data)
{
	self->tamper_func = func;
	self->tamper_data = user_data;
}

void
tps_test_relay_set_drop_after_pdus(TpsTestRelay *self, guint n_pdus)
{
	self->drop_after_pdus = n_pdus;
}

void
tps_test_relay_set_drop_at_ins(TpsTestRelay *self, gint ins)
{
	self->drop_at_ins = ins;
}

void
tps_test_relay_set_timeout(TpsTestRelay *self, guint seconds)
{
	self->timeout = seconds;
}

GPtrArray *
tps_test_relay_get_transcript(TpsTestRelay *self)
{
	return self->transcript;
}

gchar *
tps_test_relay_get_transcript_text(TpsTestRelay *self)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < self->transcript->len; i++) {
		if (i > 0)
			g_string_append_c(text, '\n');
		g_string_append(text, g_ptr_array_index(self->transcript, i));
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* ---- transcript ----------------------------------------------------------------------- */

static gboolean
tps_test_relay_is_secret_field(const gchar *name)
{
	const gchar *secret[] = {"password", "PASSWORD", "UID", "screen_name", "new_pin", "pin", "value", "answer"};

	for (guint i = 0; i < G_N_ELEMENTS(secret); i++) {
		if (g_strcmp0(name, secret[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

gchar *
tps_test_relay_transcript_line(const gchar *direction, TokTpsMessage *msg)
{
	TokTpsMsgType type = tok_tps_message_get_msg_type(msg);
	g_autoptr(GString) line = g_string_new(direction);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = NULL;
	g_auto(GStrv) pairs = NULL;
	g_autofree gchar *text = NULL;
	const gchar *body;

	if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST || type == TOK_TPS_MSG_TYPE_TOKEN_PDU_RESPONSE) {
		g_autoptr(GBytes) pdu = tok_tps_message_get_pdu(msg, &error);
		const guint8 *data;
		gsize len = 0;

		if (pdu == NULL) {
			g_string_append_printf(line, "PDU (unreadable: %s)", error->message);
			return g_string_free(g_steal_pointer(&line), FALSE);
		}
		data = g_bytes_get_data(pdu, &len);
		if (type == TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST && len >= 4)
			g_string_append_printf(line, "PDU %02X%02X%02X%02X", data[0], data[1], data[2], data[3]);
		else if (len >= 2)
			g_string_append_printf(line, "PDU-RESPONSE %02X%02X", data[len - 2], data[len - 1]);
		return g_string_free(g_steal_pointer(&line), FALSE);
	}

	wire = tok_tps_message_encode(msg, &error);
	if (wire == NULL) {
		g_string_append_printf(line, "(unencodable: %s)", error->message);
		return g_string_free(g_steal_pointer(&line), FALSE);
	}
	text = g_strndup(g_bytes_get_data(wire, NULL), g_bytes_get_size(wire));
	body = strchr(text, '&');
	body = body != NULL ? body + 1 : text;
	pairs = g_strsplit(body, "&", -1);
	for (guint i = 0; pairs[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(pairs[i], "=", 2);

		if (i > 0)
			g_string_append_c(line, '&');
		if (kv[0] != NULL && kv[1] != NULL && tps_test_relay_is_secret_field(kv[0]))
			g_string_append_printf(line, "%s=%s", kv[0], TPS_TEST_RELAY_REDACTED);
		else
			g_string_append(line, pairs[i]);
	}
	/* the wire text may hold a password: wipe it */
	for (gchar *p = text; *p != '\0'; p++)
		*p = '\0';
	for (guint i = 0; pairs[i] != NULL; i++) {
		for (gchar *p = pairs[i]; *p != '\0'; p++)
			*p = '\0';
	}
	return g_string_free(g_steal_pointer(&line), FALSE);
}

static void
tps_test_relay_record(TpsTestRelay *self, const gchar *direction, TokTpsMessage *msg)
{
	g_ptr_array_add(self->transcript, tps_test_relay_transcript_line(direction, msg));
}

/* ---- HTTP heads ----------------------------------------------------------------------- */

gboolean
tps_test_relay_parse_response_head(const guint8 *data,
				   gsize len,
				   guint *status_code,
				   gboolean *chunked,
				   GError **error)
{
	g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new(SOUP_MESSAGE_HEADERS_RESPONSE);
	g_autofree gchar *text = NULL;
	g_autofree gchar *reason = NULL;
	SoupHTTPVersion version;
	guint code = 0;

	if (len == 0 || len > TPS_TEST_RELAY_MAX_HEAD) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "response head of %" G_GSIZE_FORMAT " bytes (1 to %d allowed)",
			    len,
			    TPS_TEST_RELAY_MAX_HEAD);
		return FALSE;
	}
	if (memchr(data, '\0', len) != NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "response head contains a NUL byte");
		return FALSE;
	}
	text = g_strndup((const gchar *)data, len);
	if (!soup_headers_parse_response(text, (int)len, headers, &version, &code, &reason)) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "response head does not parse as HTTP/1.x");
		return FALSE;
	}
	if (status_code != NULL)
		*status_code = code;
	if (chunked != NULL)
		*chunked = soup_message_headers_get_encoding(headers) == SOUP_ENCODING_CHUNKED;
	return TRUE;
}

/* Index just past the first "\r\n\r\n" in @data, or 0. */
static gsize
tps_test_relay_find_head_end(const guint8 *data, gsize len)
{
	for (gsize i = 3; i < len; i++) {
		if (data[i - 3] == '\r' && data[i - 2] == '\n' && data[i - 1] == '\r' && data[i] == '\n')
			return i + 1;
	}
	return 0;
}

/* Reads the response head; the body bytes read with it come back in @prefix. */
static gboolean
tps_test_relay_read_head(TpsTestRelayConn *conn, GBytes **prefix, GError **error)
{
	GInputStream *in = g_io_stream_get_input_stream(conn->stream);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 block[TPS_TEST_RELAY_HEAD_READ];
	gsize head_len = 0;
	guint status = 0;
	gboolean chunked = FALSE;

	while (head_len == 0) {
		gssize n;

		if (buf->len > TPS_TEST_RELAY_MAX_HEAD) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "response head longer than %d bytes",
				    TPS_TEST_RELAY_MAX_HEAD);
			return FALSE;
		}
		n = g_input_stream_read(in, block, sizeof(block), NULL, error);
		if (n < 0) {
			g_prefix_error(error, "failed to read the response head: ");
			return FALSE;
		}
		if (n == 0) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "server closed the connection after %u bytes of response head",
				    buf->len);
			return FALSE;
		}
		g_byte_array_append(buf, block, (guint)n);
		head_len = tps_test_relay_find_head_end(buf->data, buf->len);
	}
	if (!tps_test_relay_parse_response_head(buf->data, head_len, &status, &chunked, error))
		return FALSE;
	if (status != 200) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "server answered HTTP %u, not 200", status);
		return FALSE;
	}
	if (!chunked) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "server's response is not Transfer-Encoding: chunked");
		return FALSE;
	}
	*prefix = g_bytes_new(buf->data + head_len, buf->len - head_len);
	return TRUE;
}

/* ---- connection ----------------------------------------------------------------------- */

static gboolean
tps_test_relay_accept_certificate(GTlsConnection *tls,
				  GTlsCertificate *peer,
				  GTlsCertificateFlags errors,
				  gpointer user_data)
{
	GList *anchors = user_data;

	for (GList *l = anchors; l != NULL; l = l->next) {
		GTlsCertificateFlags flags;

		if (g_tls_certificate_is_same(peer, l->data))
			return TRUE;
		/* the chain must verify up to this anchor; only the name may differ */
		flags = g_tls_certificate_verify(peer, NULL, l->data);
		if ((flags & ~G_TLS_CERTIFICATE_BAD_IDENTITY) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
tps_test_relay_free_anchors(gpointer data, GClosure *closure)
{
	g_list_free_full(data, g_object_unref);
}

void
tps_test_relay_conn_close(TpsTestRelayConn *conn)
{
	if (conn->closed || conn->socket_conn == NULL)
		return;
	conn->closed = TRUE;
	g_socket_close(g_socket_connection_get_socket(conn->socket_conn), NULL);
}

void
tps_test_relay_conn_free(TpsTestRelayConn *conn)
{
	if (conn == NULL)
		return;
	tps_test_relay_conn_close(conn);
	g_clear_object(&conn->reader);
	g_clear_object(&conn->writer);
	if (conn->stream != G_IO_STREAM(conn->socket_conn))
		g_clear_object(&conn->stream);
	g_clear_object(&conn->socket_conn);
	g_free(conn);
}

TpsTestRelayConn *
tps_test_relay_connect(TpsTestRelay *self, GError **error)
{
	g_autoptr(TpsTestRelayConn) conn = g_new0(TpsTestRelayConn, 1);
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GString) head = g_string_new(NULL);
	g_autoptr(GBytes) prefix = NULL;
	GList *anchors = NULL;

	g_ptr_array_set_size(self->transcript, 0);
	conn->relay = self;
	if (self->trust_file != NULL) {
		anchors = g_tls_certificate_list_new_from_file(self->trust_file, error);
		if (anchors == NULL) {
			if (error != NULL && *error == NULL)
				g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "%s holds no certificate", self->trust_file);
			g_prefix_error(error, "cannot load the trusted certificate: ");
			return NULL;
		}
	}
	g_socket_client_set_timeout(client, self->timeout);
	g_socket_client_set_enable_proxy(client, FALSE);
	conn->socket_conn = g_socket_client_connect_to_host(client, self->host, self->port, NULL, error);
	if (conn->socket_conn == NULL) {
		g_list_free_full(anchors, g_object_unref);
		g_prefix_error(error, "cannot connect to %s:%u: ", self->host, self->port);
		return NULL;
	}
	conn->stream = G_IO_STREAM(conn->socket_conn);
	if (self->trust_file != NULL) {
		g_autoptr(GSocketConnectable) identity = g_network_address_new(self->host, self->port);
		GIOStream *tls;

		tls = g_tls_client_connection_new(G_IO_STREAM(conn->socket_conn), identity, error);
		if (tls == NULL) {
			g_list_free_full(anchors, g_object_unref);
			g_prefix_error(error, "cannot start TLS: ");
			return NULL;
		}
		conn->stream = tls;
		/* no system trust store: only the given certificates decide */
		g_tls_connection_set_database(G_TLS_CONNECTION(tls), NULL);
		g_signal_connect_data(tls,
				      "accept-certificate",
				      G_CALLBACK(tps_test_relay_accept_certificate),
				      anchors,
				      tps_test_relay_free_anchors,
				      0);
		if (!g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, error)) {
			g_prefix_error(error, "TLS handshake with %s:%u failed: ", self->host, self->port);
			return NULL;
		}
	}

	g_string_append_printf(head, "POST %s HTTP/1.1\r\n", self->path);
	g_string_append_printf(head, "Host: %s:%u\r\n", self->host, self->port);
	g_string_append(head, "Transfer-Encoding: chunked\r\n");
	g_string_append(head, "Content-Type: text/plain\r\n\r\n");
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(conn->stream),
				       head->str,
				       head->len,
				       NULL,
				       NULL,
				       error)) {
		g_prefix_error(error, "failed to write the request head: ");
		return NULL;
	}
	if (!tps_test_relay_read_head(conn, &prefix, error))
		return NULL;
	conn->reader = tok_chunked_reader_new(g_io_stream_get_input_stream(conn->stream), prefix, 0);
	conn->writer = tok_chunked_writer_new(g_io_stream_get_output_stream(conn->stream));
	return g_steal_pointer(&conn);
}

gboolean
tps_test_relay_conn_send_raw(TpsTestRelayConn *conn, const guint8 *data, gsize len, GError **error)
{
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(conn->stream), data, len, NULL, NULL, error) ||
	    !g_output_stream_flush(g_io_stream_get_output_stream(conn->stream), NULL, error)) {
		g_prefix_error(error, "failed to send %" G_GSIZE_FORMAT " raw bytes: ", len);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_test_relay_conn_send_chunk(TpsTestRelayConn *conn, const guint8 *data, gsize len, GError **error)
{
	g_autoptr(GBytes) chunk = g_bytes_new(data, len);

	if (!tok_chunked_writer_write(conn->writer, chunk, NULL, error)) {
		g_prefix_error(error, "failed to send a chunk of %" G_GSIZE_FORMAT " bytes: ", len);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_test_relay_conn_send(TpsTestRelayConn *conn, TokTpsMessage *msg, GError **error)
{
	g_autoptr(GBytes) wire = tok_tps_message_encode(msg, error);

	if (wire == NULL)
		return FALSE;
	tps_test_relay_record(conn->relay, "C> ", msg);
	if (!tok_chunked_writer_write(conn->writer, wire, NULL, error)) {
		g_prefix_error(error,
			       "failed to send %s: ",
			       tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_test_relay_conn_send_end(TpsTestRelayConn *conn, GError **error)
{
	if (!tok_chunked_writer_close(conn->writer, NULL, error)) {
		g_prefix_error(error, "failed to send the terminating chunk: ");
		return FALSE;
	}
	return TRUE;
}

TokTpsMessage *
tps_test_relay_conn_read(TpsTestRelayConn *conn, GError **error)
{
	g_autoptr(GBytes) chunk = NULL;
	g_autoptr(TokTpsMessage) msg = NULL;
	GError *local_error = NULL;

	chunk = tok_chunked_reader_read(conn->reader, NULL, &local_error);
	if (chunk == NULL) {
		if (local_error != NULL)
			g_propagate_prefixed_error(error, local_error, "failed to read a server message: ");
		return NULL;
	}
	msg = tok_tps_message_parse_bytes(chunk, 0, error);
	if (msg == NULL) {
		g_prefix_error(error, "server sent a chunk that is not a message: ");
		return NULL;
	}
	tps_test_relay_record(conn->relay, "S> ", msg);
	return g_steal_pointer(&msg);
}

/* ---- one operation -------------------------------------------------------------------- */

static GBytes *
tps_test_relay_transmit(TpsTestRelay *self, GBytes *apdu, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(apdu, &len);

	if (self->card != NULL)
		return th_card_transmit_raw(self->card, data, len, error);
	if (self->transmit_func != NULL)
		return self->transmit_func(apdu, self->transmit_data, error);
	g_set_error_literal(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "the TPS sent an APDU but the relay has no card");
	return NULL;
}

static gboolean
tps_test_relay_answer_pdu(TpsTestRelay *self,
			  TpsTestRelayConn *conn,
			  TokTpsMessage *request,
			  TpsTestRelayResult *result,
			  GError **error)
{
	g_autoptr(GBytes) apdu = tok_tps_message_get_pdu(request, error);
	g_autoptr(GBytes) response = NULL;
	g_autoptr(GBytes) replacement = NULL;
	g_autoptr(TokTpsMessage) reply = NULL;

	if (apdu == NULL)
		return FALSE;
	response = tps_test_relay_transmit(self, apdu, error);
	if (response == NULL) {
		g_prefix_error(error, "APDU %u: ", result->n_pdus);
		return FALSE;
	}
	if (self->tamper_func != NULL)
		replacement = self->tamper_func(result->n_pdus, apdu, response, self->tamper_data);
	reply = tok_tps_message_new_token_pdu_response(replacement != NULL ? replacement : response, error);
	if (reply == NULL)
		return FALSE;
	result->n_pdus++;
	return tps_test_relay_conn_send(conn, reply, error);
}

static TokSecret *
tps_test_relay_need(TokSecret *value, const gchar *what, GError **error)
{
	if (value == NULL) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "the TPS asked for %s, which the test did not give", what);
		return NULL;
	}
	return value;
}

static gboolean
tps_test_relay_answer_login(TpsTestRelay *self, TpsTestRelayConn *conn, GError **error)
{
	g_autoptr(TokTpsMessage) reply = NULL;
	g_autofree gchar *user = NULL;
	gsize len = 0;
	const guint8 *data;

	if (tps_test_relay_need(self->user_id, "a user id", error) == NULL ||
	    tps_test_relay_need(self->password, "a password", error) == NULL)
		return FALSE;
	data = tok_secret_get_data(self->user_id, &len);
	user = g_strndup((const gchar *)data, len);
	reply = tok_tps_message_new_login_response(user, self->password, error);
	if (reply == NULL)
		return FALSE;
	return tps_test_relay_conn_send(conn, reply, error);
}

static gboolean
tps_test_relay_answer_extended_login(TpsTestRelay *self,
				     TpsTestRelayConn *conn,
				     TokTpsMessage *request,
				     GError **error)
{
	g_autoptr(GPtrArray) params = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	g_autoptr(GPtrArray) values = g_ptr_array_new();
	g_autoptr(TokTpsMessage) reply = NULL;

	if (!tok_tps_message_get_extended_login_request(request, NULL, NULL, NULL, NULL, &params, error))
		return FALSE;
	for (guint i = 0; i < params->len; i++) {
		TokTpsLoginParameter *param = g_ptr_array_index(params, i);
		TokSecret *value;

		if (g_strcmp0(param->id, "UID") == 0)
			value = tps_test_relay_need(self->user_id, "UID", error);
		else if (g_strcmp0(param->id, "PASSWORD") == 0)
			value = tps_test_relay_need(self->password, "PASSWORD", error);
		else {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "the TPS asked for login parameter \"%s\", which the relay does not know",
				    param->id);
			return FALSE;
		}
		if (value == NULL)
			return FALSE;
		g_ptr_array_add(ids, param->id);
		g_ptr_array_add(values, value);
	}
	g_ptr_array_add(ids, NULL);
	reply = tok_tps_message_new_extended_login_response((const gchar *const *)ids->pdata,
							    (TokSecret *const *)values->pdata,
							    values->len,
							    error);
	if (reply == NULL)
		return FALSE;
	return tps_test_relay_conn_send(conn, reply, error);
}

static gboolean
tps_test_relay_answer_new_pin(TpsTestRelay *self,
			      TpsTestRelayConn *conn,
			      TokTpsMessage *request,
			      TpsTestRelayResult *result,
			      GError **error)
{
	g_autoptr(TokTpsMessage) reply = NULL;

	if (!tok_tps_message_get_new_pin_request(request, &result->new_pin_min, &result->new_pin_max, error))
		return FALSE;
	if (tps_test_relay_need(self->new_pin, "a new PIN", error) == NULL)
		return FALSE;
	reply = tok_tps_message_new_new_pin_response(self->new_pin, error);
	if (reply == NULL)
		return FALSE;
	return tps_test_relay_conn_send(conn, reply, error);
}

static gboolean
tps_test_relay_answer_status(TpsTestRelayConn *conn, TokTpsMessage *request, GError **error)
{
	g_autoptr(TokTpsMessage) reply = NULL;
	guint percent = 0;

	if (!tok_tps_message_get_status_update_request(request, &percent, NULL, error))
		return FALSE;
	reply = tok_tps_message_new_status_update_response(percent, error);
	if (reply == NULL)
		return FALSE;
	return tps_test_relay_conn_send(conn, reply, error);
}

static TokTpsMessage *
tps_test_relay_begin_op(TpsTestRelay *self, TokTpsOperation operation, GError **error)
{
	g_autoptr(GPtrArray) ext = g_ptr_array_new();

	if (self->token_type != NULL) {
		g_ptr_array_add(ext, (gpointer) "tokenType");
		g_ptr_array_add(ext, self->token_type);
	}
	g_ptr_array_add(ext, (gpointer) "clientVersion");
	g_ptr_array_add(ext, (gpointer) "ESC 1.0.1");
	if (self->token_atr != NULL) {
		g_ptr_array_add(ext, (gpointer) "tokenATR");
		g_ptr_array_add(ext, self->token_atr);
	}
	g_ptr_array_add(ext, (gpointer) "statusUpdate");
	g_ptr_array_add(ext, (gpointer)(self->status_update ? "true" : "false"));
	if (self->extended_login) {
		g_ptr_array_add(ext, (gpointer) "extendedLoginRequest");
		g_ptr_array_add(ext, (gpointer) "true");
	}
	g_ptr_array_add(ext, NULL);
	return tok_tps_message_new_begin_op(operation,
					    (const gchar *const *)ext->pdata,
					    TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR,
					    error);
}

/* After END_OP: the body must end cleanly. */
static gboolean
tps_test_relay_finish(TpsTestRelayConn *conn, TpsTestRelayResult *result, GError **error)
{
	g_autoptr(TokTpsMessage) extra = NULL;
	GError *local_error = NULL;

	/* our side of the body ends too; the server may already be gone */
	if (!tps_test_relay_conn_send_end(conn, &local_error)) {
		g_debug("%s", local_error->message);
		g_clear_error(&local_error);
	}
	extra = tps_test_relay_conn_read(conn, &local_error);
	if (extra != NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "server sent %s after END_OP",
			    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(extra)));
		return FALSE;
	}
	if (local_error != NULL) {
		g_propagate_prefixed_error(error, local_error, "after END_OP: ");
		return FALSE;
	}
	result->clean_end = TRUE;
	return TRUE;
}

static gboolean
tps_test_relay_is_ins(TokTpsMessage *request, gint ins)
{
	g_autoptr(GBytes) apdu = NULL;

	if (ins < 0)
		return FALSE;
	apdu = tok_tps_message_get_pdu(request, NULL);
	return apdu != NULL && g_bytes_get_size(apdu) >= 2 &&
	       ((const guint8 *)g_bytes_get_data(apdu, NULL))[1] == (guint8)ins;
}

static gboolean
tps_test_relay_converse(TpsTestRelay *self,
			TpsTestRelayConn *conn,
			TokTpsOperation operation,
			TpsTestRelayResult *result,
			GError **error)
{
	g_autoptr(TokTpsMessage) begin = tps_test_relay_begin_op(self, operation, error);

	if (begin == NULL || !tps_test_relay_conn_send(conn, begin, error))
		return FALSE;
	for (;;) {
		g_autoptr(TokTpsMessage) msg = NULL;
		GError *local_error = NULL;
		gboolean ok;

		msg = tps_test_relay_conn_read(conn, &local_error);
		if (msg == NULL) {
			if (local_error != NULL)
				g_propagate_error(error, local_error);
			else
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_TRUNCATED,
					    "server ended the exchange before END_OP (after %u APDUs)",
					    result->n_pdus);
			return FALSE;
		}
		switch (tok_tps_message_get_msg_type(msg)) {
		case TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST:
			if ((self->drop_after_pdus > 0 && result->n_pdus >= self->drop_after_pdus) ||
			    tps_test_relay_is_ins(msg, self->drop_at_ins)) {
				tps_test_relay_conn_close(conn);
				result->dropped = TRUE;
				return TRUE;
			}
			ok = tps_test_relay_answer_pdu(self, conn, msg, result, error);
			break;
		case TOK_TPS_MSG_TYPE_LOGIN_REQUEST:
			result->login_requested = TRUE;
			ok = tps_test_relay_answer_login(self, conn, error);
			break;
		case TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST:
			result->extended_login_requested = TRUE;
			ok = tps_test_relay_answer_extended_login(self, conn, msg, error);
			break;
		case TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST:
			ok = tps_test_relay_answer_new_pin(self, conn, msg, result, error);
			break;
		case TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST:
			result->n_status_updates++;
			ok = tps_test_relay_answer_status(conn, msg, error);
			break;
		case TOK_TPS_MSG_TYPE_END_OP:
			if (!tok_tps_message_get_end_op(msg, &result->operation, &result->result, &result->status, error))
				return FALSE;
			result->got_end_op = TRUE;
			return tps_test_relay_finish(conn, result, error);
		default:
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "server sent %s, which a client never receives",
				    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
			return FALSE;
		}
		if (!ok)
			return FALSE;
	}
}

gboolean
tps_test_relay_run(TpsTestRelay *self, TokTpsOperation operation, TpsTestRelayResult *result, GError **error)
{
	g_autoptr(TpsTestRelayConn) conn = NULL;
	TpsTestRelayResult local_result = {0};
	TpsTestRelayResult *res = result != NULL ? result : &local_result;
	gboolean ok;

	*res = (TpsTestRelayResult){0};
	conn = tps_test_relay_connect(self, error);
	if (conn == NULL)
		return FALSE;
	if (self->card != NULL && !th_card_begin_transaction(self->card, error)) {
		g_prefix_error(error, "cannot begin the PC/SC transaction: ");
		return FALSE;
	}
	ok = tps_test_relay_converse(self, conn, operation, res, error);
	if (self->card != NULL) {
		g_autoptr(GError) end_error = NULL;
		if (!th_card_end_transaction(self->card, &end_error))
			g_debug("ending the PC/SC transaction: %s", end_error->message);
	}
	return ok;
}
