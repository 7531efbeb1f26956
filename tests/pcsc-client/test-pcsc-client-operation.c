/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscOperation on an EscToken of an EscTokenList, against a real pcscd + vpcd + esc-vcard and
 * a scripted TPS (tests/unit/client/esc-test-server.c) that asks for a login and then waits:
 *  - the card pulled while the user is asked: the run fails CARD_REMOVED at once (it does not
 *    wait for an answer nobody will give), the request is answered (cancelled), the token is
 *    no longer busy and the TPS sees the connection close;
 *  - an operation on that removed token fails CARD_REMOVED before it touches the reader (a new
 *    card may be there now) and never reaches the TPS;
 *  - the caller's cancellable still cancels a run waiting for the user (CANCELLED).
 */
#include "config.h"

#include <string.h>

#include "esc-error.h"
#include "esc-operation.h"
#include "esc-test-server.h"
#include "esc-token-list.h"
#include "pcsc-client-util.h"
#include "th-pcsc.h"
#include "tok-chunked-stream.h"

#define READER0 "Virtual PCD 00 00"
#define OK_HEAD "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
#define LOGIN_REQUEST "s=33&msg_type=3&invalid_pw=0&blocked=0"

/* A TPS that answers BEGIN_OP with a LOGIN_REQUEST, then waits for the client to go. */
static void
asking_tps(EscTestServer *server, GIOStream *stream, const gchar *head, gpointer user_data)
{
	g_autoptr(TokChunkedReader) reader = tok_chunked_reader_new(g_io_stream_get_input_stream(stream), NULL, 0);
	g_autoptr(TokChunkedWriter) writer = tok_chunked_writer_new(g_io_stream_get_output_stream(stream));
	g_autoptr(GBytes) begin = NULL;
	g_autoptr(GBytes) login = g_bytes_new_static(LOGIN_REQUEST, strlen(LOGIN_REQUEST));

	if (!esc_test_server_write(stream, OK_HEAD))
		return;
	begin = tok_chunked_reader_read(reader, NULL, NULL);
	if (begin == NULL || !tok_chunked_writer_write(writer, login, NULL, NULL))
		return;
	esc_test_server_wait_for_close(stream);
}

typedef struct {
	EscToken *token;
	EscLoginRequest *request; /* kept, never answered */
	GCancellable *cancel_on_request;
	gboolean done;
	gboolean ok;
	GError *error;
} Run;

static void
on_token_added(EscTokenList *list, EscToken *token, gpointer user_data)
{
	Run *run = user_data;

	g_set_object(&run->token, token);
}

static void
on_login(EscOperation *op, EscLoginRequest *request, gpointer user_data)
{
	Run *run = user_data;

	g_set_object(&run->request, request);
	if (run->cancel_on_request != NULL)
		g_cancellable_cancel(run->cancel_on_request);
}

static void
on_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Run *run = user_data;

	run->ok = esc_operation_run_finish(ESC_OPERATION(source), res, &run->error);
	run->done = TRUE;
}

static gboolean
run_has_request(gpointer data)
{
	return ((Run *)data)->request != NULL;
}

static gboolean
run_has_probed_token(gpointer data)
{
	Run *run = data;

	return run->token != NULL && esc_token_get_info(run->token) != NULL;
}

/* Ready for the next run (of the same token). */
static void
run_reset(Run *run)
{
	g_clear_object(&run->request);
	g_clear_error(&run->error);
	run->done = FALSE;
	run->ok = FALSE;
}

static void
run_clear(Run *run)
{
	run_reset(run);
	g_clear_object(&run->token);
}

static EscOperation *
new_op(EscToken *token, const gchar *url, Run *run)
{
	EscOperation *op = esc_operation_new(token, ESC_OPERATION_FORMAT);

	esc_operation_set_url(op, url);
	esc_operation_set_locale(op, NULL);
	g_signal_connect(op, "login-requested", G_CALLBACK(on_login), run);
	return op;
}

static void
test_removed_while_asking(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(EscTestServer) server = NULL;
	g_autoptr(EscTokenList) list = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	Run run = {0};
	ThPcscCard *vcard;
	gint64 removed_at;

	if (f->pcsc == NULL)
		return;
	server = esc_test_server_new(NULL, asking_tps, NULL);
	url = esc_test_server_get_url(server, "/tps/tps");
	list = esc_token_list_new();
	g_signal_connect(list, "token-added", G_CALLBACK(on_token_added), &run);
	g_assert_true(esc_token_list_start(list, &error));
	g_assert_no_error(error);

	/* pulled while the login is asked for */
	vcard = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	g_assert_true(pcsc_client_wait(run_has_probed_token, &run, PCSC_CLIENT_WAIT_MS));
	{
		g_autoptr(EscOperation) op = new_op(run.token, url, &run);

		esc_operation_run_async(op, NULL, on_done, &run);
		g_assert_true(pcsc_client_wait(run_has_request, &run, PCSC_CLIENT_WAIT_MS));
		g_assert_true(esc_token_get_busy(run.token));
		g_assert_false(run.done);
		g_assert_true(th_pcsc_stop_card(f->pcsc, vcard, &error));
		g_assert_no_error(error);
		removed_at = g_get_monotonic_time();
		g_assert_true(pcsc_client_wait_flag(&run.done, PCSC_CLIENT_WAIT_MS));
		g_test_message("%s, %" G_GINT64_FORMAT " ms after the removal", run.error != NULL ? run.error->message : "ok",
			       (g_get_monotonic_time() - removed_at) / 1000);
		g_assert_false(run.ok);
		g_assert_error(run.error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
		g_assert_nonnull(strstr(run.error->message, READER0));
		g_assert_true(esc_login_request_is_answered(run.request));
		g_assert_false(esc_token_get_present(run.token));
		g_assert_false(esc_token_get_busy(run.token));
		esc_test_server_wait(server, 1);
	}

	/* that token again: refused before the reader is touched, the TPS is not called */
	{
		g_autoptr(EscOperation) op = NULL;
		g_autoptr(EscToken) old = g_object_ref(run.token);

		run_clear(&run);
		op = new_op(old, url, &run);
		g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", "0102030405060708090A", NULL));
		g_assert_no_error(error);
		esc_operation_run_async(op, NULL, on_done, &run);
		g_assert_true(pcsc_client_wait_flag(&run.done, PCSC_CLIENT_WAIT_MS));
		g_assert_error(run.error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
		g_assert_false(esc_token_get_busy(old));
		g_assert_cmpuint(esc_operation_get_apdu_count(op), ==, 0);
		g_assert_cmpuint(esc_test_server_get_n_connections(server), ==, 1);
	}

	/* the new card's token, cancelled by the caller while the login is asked for */
	{
		g_autoptr(EscOperation) op = NULL;
		g_autoptr(GCancellable) cancellable = g_cancellable_new();

		run_reset(&run);
		g_assert_true(pcsc_client_wait(run_has_probed_token, &run, PCSC_CLIENT_WAIT_MS));
		op = new_op(run.token, url, &run);
		run.cancel_on_request = cancellable;
		esc_operation_run_async(op, cancellable, on_done, &run);
		g_assert_true(pcsc_client_wait_flag(&run.done, PCSC_CLIENT_WAIT_MS));
		g_test_message("%s", run.error != NULL ? run.error->message : "ok");
		g_assert_error(run.error, ESC_ERROR, ESC_ERROR_CANCELLED);
		g_assert_true(esc_login_request_is_answered(run.request));
		g_assert_true(esc_token_get_present(run.token));
		g_assert_false(esc_token_get_busy(run.token));
		esc_test_server_wait(server, 2);
	}
	run_clear(&run);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/esc/operation/card/removed-while-asking", NULL, test_removed_while_asking);
	return g_test_run();
}
