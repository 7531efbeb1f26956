/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `tps-processor`: the operation processor facing a hostile client and card.
 *
 * Input: byte 0 selects the operation (bits 0-1: 0 FORMAT, 1 ENROLL, 2 PIN RESET, 3 RENEW)
 * and the BEGIN_OP options (bit 2 statusUpdate=true, bit 3 extendedLoginRequest); then
 * records of a 2-byte big-endian length and that many bytes. A record starting with 'R' is a
 * card response (data || SW1 SW2) that the client wraps into a TOKEN_PDU_RESPONSE; any other
 * record is sent as it is, as one chunk (a raw client message). The client sends everything
 * at once, then the end of its body, and reads whatever the server says until it closes.
 *
 * The processor must end every session with END_OP (or a closed connection), never crash,
 * hang or leak. The TKS, CA, users (alice / "alice password") and token database are set up
 * once per process.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/socket.h>

#include "../../../fuzz/fuzz.h"
#include "tks-key-store-file.h"
#include "tok-chunked-stream.h"
#include "tps-authenticator-file.h"
#include "tps-ca-local.h"
#include "tps-processor.h"
#include "tps-token-db-sqlite.h"

#define FUZZ_MAX_INPUT	 (64 * 1024)
#define FUZZ_MAX_RECORDS 512

typedef struct {
	TpsContext ctx;
	gchar *dir;
} FuzzEnv;

static FuzzEnv *fuzz_env = NULL;

static GLogWriterOutput
fuzz_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	return G_LOG_WRITER_HANDLED;
}

static FuzzEnv *
fuzz_env_get(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) key = NULL;
	g_autoptr(TokSecret) pw = NULL;
	g_autoptr(TksKeyStoreFile) store = NULL;
	g_autofree gchar *store_path = NULL;
	g_autofree gchar *ca_dir = NULL;
	g_autofree gchar *users = NULL;
	g_autofree gchar *applets = NULL;
	g_autofree gchar *applet = NULL;
	g_autofree gchar *text = NULL;
	guint8 image[300] = {0};

	if (fuzz_env != NULL)
		return fuzz_env;
	if (g_getenv("FUZZ_TPS_VERBOSE") == NULL)
		g_log_set_writer_func(fuzz_log_writer, NULL, NULL);
	fuzz_env = g_new0(FuzzEnv, 1);
	fuzz_env->dir = g_dir_make_tmp("fuzz-tps-XXXXXX", &error);
	g_assert_no_error(error);
	/* an applet file, so that the upgrade path is reachable (its bytes do not matter) */
	applets = g_build_filename(fuzz_env->dir, "applets", NULL);
	g_assert_cmpint(g_mkdir(applets, 0700), ==, 0);
	applet = g_build_filename(applets, "1.4.58768072.ijc", NULL);
	g_assert_true(g_file_set_contents(applet, (const gchar *)image, sizeof(image), &error));
	text = g_strdup_printf("[profile:userKey]\napplet-directory=%s\nkey.signing.key-size=1024\nkey.encryption.key-size=1024\n",
			       applets);
	fuzz_env->ctx.config = tps_config_load_from_data(text, strlen(text), fuzz_env->dir, &error);
	g_assert_no_error(error);
	key = tok_secret_new_random(TKS_KEY_STORE_FILE_KEY_SIZE, &error);
	store_path = g_build_filename(fuzz_env->dir, "keys.tks", NULL);
	store = tks_key_store_file_create(store_path, NULL, key, NULL, &error);
	g_assert_no_error(error);
	fuzz_env->ctx.tks = tks_service_new(TKS_KEY_STORE(store), tps_config_get_tks_config(fuzz_env->ctx.config), &error);
	g_assert_no_error(error);
	fuzz_env->ctx.db = tps_token_db_sqlite_new(":memory:", &error);
	g_assert_no_error(error);
	ca_dir = g_build_filename(fuzz_env->dir, "ca", NULL);
	fuzz_env->ctx.ca = tps_ca_local_new_full(ca_dir, "CN=Fuzz CA", 30, TPS_CA_KEY_EC_P256, &error);
	g_assert_no_error(error);
	users = g_build_filename(fuzz_env->dir, "users", NULL);
	pw = tok_secret_new_from_text("alice password");
	g_assert_true(tps_authenticator_file_add_user(users, "alice", pw, "Alice", &error));
	fuzz_env->ctx.auth = tps_authenticator_file_new(users, &error);
	g_assert_no_error(error);
	return fuzz_env;
}

typedef struct {
	GIOStream *stream;
	GPtrArray *messages; /* GBytes */
} FuzzClient;

static gpointer
fuzz_client_writer(gpointer data)
{
	FuzzClient *c = data;
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(g_io_stream_get_output_stream(c->stream));

	for (guint i = 0; i < c->messages->len; i++) {
		if (!tok_chunked_writer_write(writer, g_ptr_array_index(c->messages, i), NULL, NULL))
			return NULL;
	}
	(void)tok_chunked_writer_close(writer, NULL, NULL);
	return NULL;
}

static gpointer
fuzz_client_reader(gpointer data)
{
	FuzzClient *c = data;
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(g_io_stream_get_input_stream(c->stream), NULL, 0);

	for (;;) {
		g_autoptr(GBytes) chunk = tok_chunked_reader_read(reader, NULL, NULL);
		if (chunk == NULL)
			break;
	}
	return NULL;
}

static GBytes *
fuzz_begin_op(guint8 flags)
{
	static const TokTpsOperation ops[] = {TOK_TPS_OPERATION_FORMAT, TOK_TPS_OPERATION_ENROLL,
					      TOK_TPS_OPERATION_RESET_PIN, TOK_TPS_OPERATION_RENEW};
	const gchar *ext[] = {"tokenType", "userKey", "statusUpdate", (flags & 4) ? "true" : "false", NULL, NULL, NULL};
	g_autoptr(TokTpsMessage) msg = NULL;

	if (flags & 8) {
		ext[4] = "extendedLoginRequest";
		ext[5] = "true";
	}
	msg = tok_tps_message_new_begin_op(ops[flags & 3], ext, TOK_TPS_BEGIN_OP_FLAG_NONE, NULL);
	g_assert_nonnull(msg);
	return tok_tps_message_encode(msg, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzEnv *env;
	g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GSocket) server_socket = NULL;
	g_autoptr(GSocket) client_socket = NULL;
	g_autoptr(GSocketConnection) server_stream = NULL;
	g_autoptr(GSocketConnection) client_stream = NULL;
	g_autoptr(TpsConnection) conn = NULL;
	g_autoptr(TokTpsMessage) begin = NULL;
	FuzzClient client = {0};
	GThread *writer;
	GThread *reader;
	int fds[2];
	gsize pos = 1;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	env = fuzz_env_get();
	g_ptr_array_add(messages, fuzz_begin_op(data[0]));
	while (pos + 2 <= size && messages->len < FUZZ_MAX_RECORDS) {
		gsize len = ((gsize)data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (len > 0 && data[pos] == 'R' && len >= 3) {
			g_autoptr(GBytes) response = g_bytes_new(data + pos + 1, len - 1);
			g_autoptr(TokTpsMessage) msg = tok_tps_message_new_token_pdu_response(response, NULL);
			if (msg != NULL)
				g_ptr_array_add(messages, tok_tps_message_encode(msg, NULL));
		} else if (len > 0) {
			g_ptr_array_add(messages, g_bytes_new(data + pos, len));
		}
		pos += len;
	}

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
	server_socket = g_socket_new_from_fd(fds[0], NULL);
	client_socket = g_socket_new_from_fd(fds[1], NULL);
	g_assert_nonnull(server_socket);
	g_assert_nonnull(client_socket);
	server_stream = g_socket_connection_factory_create_connection(server_socket);
	client_stream = g_socket_connection_factory_create_connection(client_socket);
	client.stream = G_IO_STREAM(client_stream);
	client.messages = messages;
	writer = g_thread_new("fuzz-writer", fuzz_client_writer, &client);
	reader = g_thread_new("fuzz-reader", fuzz_client_reader, &client);

	conn = tps_connection_new(g_io_stream_get_input_stream(G_IO_STREAM(server_stream)),
				  g_io_stream_get_output_stream(G_IO_STREAM(server_stream)),
				  NULL,
				  0,
				  30,
				  "fuzz");
	begin = tps_connection_read(conn, NULL);
	g_assert_nonnull(begin);
	tps_processor_run(&env->ctx, conn, begin);
	tps_connection_finish(conn);
	/* a client still writing or reading wakes up */
	(void)g_io_stream_close(G_IO_STREAM(server_stream), NULL, NULL);
	g_thread_join(writer);
	g_thread_join(reader);
	(void)g_io_stream_close(G_IO_STREAM(client_stream), NULL, NULL);
	return 0;
}
