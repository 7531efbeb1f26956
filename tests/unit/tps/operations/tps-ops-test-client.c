/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <sys/socket.h>

#include "tok-chunked-stream.h"
#include "tok-error.h"
#include "tps-ops-test-client.h"
#include "tps-processor.h"

void
tps_ops_test_client_init(TpsOpsTestClient *client, VcardCard *card, TokTpsOperation operation)
{
	memset(client, 0, sizeof(*client));
	client->card = card;
	client->operation = operation;
	client->token_type = operation == TOK_TPS_OPERATION_RESET_PIN ? NULL : "userKey";
	client->status_update = TRUE;
	client->user = "alice";
	client->password = "alice password";
	client->new_pin = "123456";
	client->status_tasks = g_ptr_array_new_with_free_func(g_free);
}

void
tps_ops_test_client_clear(TpsOpsTestClient *client)
{
	g_clear_pointer(&client->status_tasks, g_ptr_array_unref);
}

typedef struct {
	TpsOpsTestClient *client;
	GIOStream *stream;
} ClientThread;

static void
client_send(TokChunkedWriter *writer, TokTpsMessage *msg)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encoded = tok_tps_message_encode(msg, &error);

	g_assert_no_error(error);
	/* the TPS may have hung up after a failure: not this client's problem */
	if (!tok_chunked_writer_write(writer, encoded, NULL, &error))
		g_test_message("client: write failed: %s", error->message);
}

static TokTpsMessage *
client_begin_op(TpsOpsTestClient *c)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ext = g_ptr_array_new();
	TokTpsMessage *msg;

	if (c->token_type != NULL) {
		g_ptr_array_add(ext, (gpointer) "tokenType");
		g_ptr_array_add(ext, (gpointer)c->token_type);
	}
	g_ptr_array_add(ext, (gpointer) "clientVersion");
	g_ptr_array_add(ext, (gpointer) "ESC 1.0.1");
	g_ptr_array_add(ext, (gpointer) "tokenATR");
	g_ptr_array_add(ext, (gpointer)VCARD_DEFAULT_ATR);
	g_ptr_array_add(ext, (gpointer) "statusUpdate");
	g_ptr_array_add(ext, (gpointer)(c->status_update ? "true" : "false"));
	if (c->extended_login) {
		g_ptr_array_add(ext, (gpointer) "extendedLoginRequest");
		g_ptr_array_add(ext, (gpointer) "true");
	}
	g_ptr_array_add(ext, NULL);
	msg = tok_tps_message_new_begin_op(c->operation,
					   (const gchar *const *)ext->pdata,
					   TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR,
					   &error);
	g_assert_no_error(error);
	return msg;
}

/* TOKEN_PDU_REQUEST: relay to the card, maybe tamper or vanish. FALSE: the client left. */
static gboolean
client_pdu(TpsOpsTestClient *c, TokChunkedWriter *writer, TokTpsMessage *msg, gboolean *saw_keygen)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) apdu = tok_tps_message_get_pdu(msg, &error);
	g_autoptr(GBytes) response = NULL;
	g_autoptr(TokTpsMessage) reply = NULL;
	const guint8 *cmd;
	gsize cmd_len = 0;

	g_assert_no_error(error);
	c->n_pdus++;
	cmd = g_bytes_get_data(apdu, &cmd_len);
	response = vcard_card_transmit(c->card, cmd, cmd_len, &error);
	g_assert_no_error(error);
	/* GENERATE KEY: RSA (0C) or ECC (0D) */
	if (cmd_len >= 2 && cmd[0] == 0x84 && (cmd[1] == 0x0C || cmd[1] == 0x0D)) {
		*saw_keygen = TRUE;
		if (c->vanish_at_keygen) {
			c->vanished = TRUE;
			return FALSE;
		}
	}
	if (c->flip_keygen_output && !c->flipped && *saw_keygen && cmd_len >= 2 && cmd[0] == 0x84 && cmd[1] == 0x56) {
		gsize len = g_bytes_get_size(response);
		g_autofree guint8 *copy = g_memdup2(g_bytes_get_data(response, NULL), len);

		/* pubBlobLen(2) 00 01 keySize(2) modLen(2): byte 20 is inside the modulus;
		 * pubBlobLen(2) 00 0A keySize(2) pointLen(2): inside the EC point's X */
		g_assert_cmpuint(len, >, 22);
		copy[20] ^= 0x01;
		g_bytes_unref(response);
		response = g_bytes_new(copy, len);
		c->flipped = TRUE;
	}
	reply = tok_tps_message_new_token_pdu_response(response, &error);
	g_assert_no_error(error);
	client_send(writer, reply);
	return TRUE;
}

static gpointer
client_thread(gpointer data)
{
	ClientThread *t = data;
	TpsOpsTestClient *c = t->client;
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(g_io_stream_get_output_stream(t->stream));
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(g_io_stream_get_input_stream(t->stream), NULL, 0);
	g_autoptr(TokTpsMessage) begin = client_begin_op(c);
	g_autoptr(GError) error = NULL;
	gboolean saw_keygen = FALSE;
	gboolean left = FALSE;

	client_send(writer, begin);
	while (!left) {
		g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, &error);
		g_autoptr(TokTpsMessage) msg = NULL;
		g_autoptr(TokTpsMessage) reply = NULL;

		if (chunk == NULL)
			break;
		msg = tok_tps_message_parse_bytes(chunk, 0, &error);
		g_assert_no_error(error);
		if (c->got_end_op) {
			c->messages_after_end_op = TRUE;
			continue;
		}
		switch (tok_tps_message_get_msg_type(msg)) {
		case TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST:
			left = !client_pdu(c, writer, msg, &saw_keygen);
			break;
		case TOK_TPS_MSG_TYPE_LOGIN_REQUEST: {
			g_autoptr(TokSecret) pw = tok_secret_new_from_text(c->password);
			c->n_logins++;
			g_assert_true(tok_tps_message_get_login_request(msg, NULL, NULL, &error));
			reply = tok_tps_message_new_login_response(c->user, pw, &error);
			g_assert_no_error(error);
			client_send(writer, reply);
			break;
		}
		case TOK_TPS_MSG_TYPE_EXTENDED_LOGIN_REQUEST: {
			g_autoptr(GPtrArray) params = NULL;
			g_autofree gchar *title = NULL;
			g_autofree gchar *description = NULL;
			g_autoptr(TokSecret) uid = tok_secret_new_from_text(c->user);
			g_autoptr(TokSecret) pw = tok_secret_new_from_text(c->password);
			const gchar *ids[] = {"UID", "PASSWORD"};
			TokSecret *values[] = {uid, pw};

			c->n_extended_logins++;
			g_assert_true(tok_tps_message_get_extended_login_request(msg, NULL, NULL, &title, &description, &params, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(params->len, ==, 2);
			g_assert_cmpstr(((TokTpsLoginParameter *)g_ptr_array_index(params, 0))->id, ==, "UID");
			g_assert_cmpstr(((TokTpsLoginParameter *)g_ptr_array_index(params, 1))->id, ==, "PASSWORD");
			reply = tok_tps_message_new_extended_login_response(ids, values, 2, &error);
			g_assert_no_error(error);
			client_send(writer, reply);
			break;
		}
		case TOK_TPS_MSG_TYPE_NEW_PIN_REQUEST: {
			g_autoptr(TokSecret) pin = tok_secret_new_from_text(c->new_pin);
			c->n_new_pins++;
			g_assert_true(tok_tps_message_get_new_pin_request(msg, &c->new_pin_min, &c->new_pin_max, &error));
			reply = tok_tps_message_new_new_pin_response(pin, &error);
			g_assert_no_error(error);
			client_send(writer, reply);
			break;
		}
		case TOK_TPS_MSG_TYPE_STATUS_UPDATE_REQUEST: {
			g_autofree gchar *task = NULL;
			guint percent = 0;
			g_assert_true(tok_tps_message_get_status_update_request(msg, &percent, &task, &error));
			g_assert_true(c->status_update);
			g_ptr_array_add(c->status_tasks, g_strdup_printf("%u:%s", percent, task));
			reply = tok_tps_message_new_status_update_response(percent, &error);
			g_assert_no_error(error);
			client_send(writer, reply);
			break;
		}
		case TOK_TPS_MSG_TYPE_END_OP:
			g_assert_true(tok_tps_message_get_end_op(msg, &c->end_operation, &c->end_result, &c->end_status, &error));
			c->got_end_op = TRUE;
			/* the end of the request body */
			if (!tok_chunked_writer_close(writer, NULL, &error)) {
				g_test_message("client: close failed: %s", error->message);
				g_clear_error(&error);
			}
			break;
		default:
			g_error("client: unexpected %s", tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
		}
	}
	g_clear_error(&error);
	g_io_stream_close(t->stream, NULL, NULL);
	return NULL;
}

TokTpsStatus
tps_ops_test_client_run(TpsOpsTestClient *client, gpointer ctx)
{
	g_autoptr(GError) error = NULL;
	int fds[2] = {-1, -1};
	g_autoptr(GSocket) server_socket = NULL;
	g_autoptr(GSocket) client_socket = NULL;
	g_autoptr(GSocketConnection) server_stream = NULL;
	g_autoptr(GSocketConnection) client_stream = NULL;
	g_autoptr(TpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) begin = NULL;
	ClientThread t = {client, NULL};
	GThread *thread;
	TokTpsStatus status;

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
	server_socket = g_socket_new_from_fd(fds[0], &error);
	g_assert_no_error(error);
	client_socket = g_socket_new_from_fd(fds[1], &error);
	g_assert_no_error(error);
	server_stream = g_socket_connection_factory_create_connection(server_socket);
	client_stream = g_socket_connection_factory_create_connection(client_socket);
	t.stream = G_IO_STREAM(client_stream);
	thread = g_thread_new("test-client", client_thread, &t);

	conn = tps_connection_new(g_io_stream_get_input_stream(G_IO_STREAM(server_stream)),
				  g_io_stream_get_output_stream(G_IO_STREAM(server_stream)),
				  NULL,
				  0,
				  120,
				  "test-client");
	begin = tps_connection_read(conn, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tok_tps_message_get_msg_type(begin), ==, TOK_TPS_MSG_TYPE_BEGIN_OP);
	status = tps_processor_run_full(ctx, conn, begin);
	tps_connection_finish(conn);
	g_thread_join(thread);
	return status;
}
