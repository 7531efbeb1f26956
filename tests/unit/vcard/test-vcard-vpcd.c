/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The vpcd link: framing both ways, control messages, the end of the connection (clean and
 * in the middle of a frame), over a socket pair, over TCP, and through the esc-vcard program
 * (its exit status and APDU log).
 */
#include "config.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vcard-test-util.h"
#include "vcard-vpcd.h"

typedef struct {
	VcardCard *card;
	GSocket *socket;
	gboolean ok;
	GError *error;
} ServeData;

static gpointer
serve_thread(gpointer user_data)
{
	ServeData *d = user_data;

	d->ok = vcard_vpcd_serve(d->card, d->socket, &d->error);
	return NULL;
}

static void
write_all(int fd, const guint8 *data, gsize len)
{
	gsize done = 0;

	while (done < len) {
		gssize n = write(fd, data + done, len - done);
		g_assert_cmpint(n, >, 0);
		done += (gsize)n;
	}
}

static void
read_all(int fd, guint8 *data, gsize len)
{
	gsize done = 0;

	while (done < len) {
		gssize n = read(fd, data + done, len - done);
		g_assert_cmpint(n, >, 0);
		done += (gsize)n;
	}
}

/* Sends one frame; returns the reply payload (NULL when none is expected). */
static GBytes *
exchange(int fd, const gchar *hex, gboolean reply)
{
	g_autoptr(GBytes) payload = vt_hex(hex);
	guint8 header[2] = {(guint8)(g_bytes_get_size(payload) >> 8), (guint8)g_bytes_get_size(payload)};
	guint8 *body;
	gsize n;

	write_all(fd, header, 2);
	write_all(fd, g_bytes_get_data(payload, NULL), g_bytes_get_size(payload));
	if (!reply)
		return NULL;
	read_all(fd, header, 2);
	n = (gsize)((header[0] << 8) | header[1]);
	g_assert_cmpuint(n, >, 0);
	body = g_malloc(n);
	read_all(fd, body, n);
	return g_bytes_new_take(body, n);
}

static void
serve_start(ServeData *d, int *peer, GThread **thread)
{
	g_autoptr(GError) error = NULL;
	int fds[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
	d->card = vt_card_new(TOK_GP_SCP01);
	vcard_card_power_off(d->card);
	d->socket = g_socket_new_from_fd(fds[0], &error);
	g_assert_no_error(error);
	*peer = fds[1];
	*thread = g_thread_new("vpcd", serve_thread, d);
}

static void
serve_finish(ServeData *d, GThread *thread)
{
	g_thread_join(thread);
	g_clear_object(&d->socket);
	g_clear_object(&d->card);
}

static void
test_vpcd_session(void)
{
	ServeData d = {0};
	GThread *thread = NULL;
	int fd = -1;
	g_autoptr(GBytes) atr = NULL;
	g_autoptr(GBytes) select = NULL;
	g_autoptr(GBytes) status = NULL;
	g_autoptr(GBytes) isd = NULL;

	serve_start(&d, &fd, &thread);
	/* GET ATR is answered; power on is not */
	atr = exchange(fd, "04", TRUE);
	vt_assert_bytes_hex(atr, "3B 80 80 01 01");
	g_assert_null(exchange(fd, "01", FALSE));
	select = exchange(fd, "00 A4 04 00 07 62 76 01 FF 00 00 00", TRUE);
	vt_assert_bytes_hex(select, "90 00");
	status = exchange(fd, "B0 3C 01 00", TRUE);
	vt_assert_bytes_hex(status, "6D 00");
	/* reset and power off drop the selection: the card manager is selected again */
	g_assert_null(exchange(fd, "02", FALSE));
	g_assert_null(exchange(fd, "00", FALSE));
	g_assert_null(exchange(fd, "01", FALSE));
	g_assert_null(exchange(fd, "07", FALSE)); /* an unknown control byte is ignored */
	isd = exchange(fd, "B0 3C 00 00 10", TRUE);
	vt_assert_bytes_hex(isd, "6E 00");
	close(fd);
	serve_finish(&d, thread);
	g_assert_no_error(d.error);
	g_assert_true(d.ok);
}

static void
test_vpcd_truncated(void)
{
	ServeData d = {0};
	GThread *thread = NULL;
	int fd = -1;
	const guint8 partial[] = {0x00, 0x05, 0x00, 0xA4};

	serve_start(&d, &fd, &thread);
	write_all(fd, partial, sizeof(partial));
	close(fd);
	serve_finish(&d, thread);
	g_assert_false(d.ok);
	g_assert_error(d.error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&d.error);
}

static void
test_vpcd_empty_frame(void)
{
	ServeData d = {0};
	GThread *thread = NULL;
	int fd = -1;
	const guint8 empty[] = {0x00, 0x00};

	serve_start(&d, &fd, &thread);
	write_all(fd, empty, sizeof(empty));
	serve_finish(&d, thread);
	close(fd);
	g_assert_false(d.ok);
	g_assert_error(d.error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&d.error);
}

/* A listening socket on 127.0.0.1 and a free port, as vpcd has. */
static GSocket *
listen_local(guint16 *port)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	GSocket *listener = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(listener, address, TRUE, &error));
	g_assert_true(g_socket_listen(listener, &error));
	bound = g_socket_get_local_address(listener, &error);
	g_assert_no_error(error);
	*port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	return listener;
}

/* Accepts vpcd's peer; GSocket keeps its fds non-blocking, the helpers here block. */
static GSocket *
accept_blocking(GSocket *listener)
{
	g_autoptr(GError) error = NULL;
	GSocket *conn = g_socket_accept(listener, NULL, &error);
	int fd;

	g_assert_no_error(error);
	fd = g_socket_get_fd(conn);
	g_assert_cmpint(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK), ==, 0);
	return conn;
}

typedef struct {
	VcardCard *card;
	guint16 port;
	gboolean ok;
	GError *error;
} RunData;

static gpointer
run_thread(gpointer user_data)
{
	RunData *d = user_data;

	d->ok = vcard_vpcd_run(d->card, "127.0.0.1", d->port, 5000, &d->error);
	return NULL;
}

static void
test_vpcd_tcp(void)
{
	g_autoptr(GError) error = NULL;
	RunData d = {0};
	g_autoptr(GSocket) listener = listen_local(&d.port);
	g_autoptr(GSocket) conn = NULL;
	g_autoptr(GBytes) atr = NULL;
	g_autoptr(GBytes) response = NULL;
	GThread *thread;

	d.card = vt_card_new(TOK_GP_SCP02);
	thread = g_thread_new("vpcd-run", run_thread, &d);
	conn = accept_blocking(listener);
	atr = exchange(g_socket_get_fd(conn), "04", TRUE);
	vt_assert_bytes_hex(atr, "3B 80 80 01 01");
	g_assert_null(exchange(g_socket_get_fd(conn), "01", FALSE));
	response = exchange(g_socket_get_fd(conn), "80 CA 00 66 2D", TRUE);
	g_assert_cmpuint(g_bytes_get_size(response), >, 2);
	g_assert_true(g_socket_close(conn, &error));
	g_thread_join(thread);
	g_assert_no_error(d.error);
	g_assert_true(d.ok);
	g_clear_object(&d.card);
}

/* esc-vcard: exit 0 when vpcd closes, 1 on a framing error, 2 on bad options. */
static gint
run_esc_vcard(const gchar *const *extra, const gchar *frames_hex, gboolean close_mid_frame, gchar **err_out)
{
	const gchar *program = g_getenv("ESC_VCARD");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	guint16 port = 0;
	g_autoptr(GSocket) listener = listen_local(&port);
	GPid pid = 0;
	gint err_fd = -1;
	gint status = 0;
	g_autoptr(GIOChannel) channel = NULL;

	g_ptr_array_add(argv, g_strdup(program));
	g_ptr_array_add(argv, g_strdup("--port"));
	g_ptr_array_add(argv, g_strdup_printf("%u", port));
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(extra[i]));
	g_ptr_array_add(argv, NULL);
	g_assert_true(g_spawn_async_with_pipes(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL, NULL,
					       &err_fd, &error));
	g_assert_no_error(error);
	if (frames_hex != NULL) {
		g_autoptr(GSocket) conn = accept_blocking(listener);
		g_autoptr(GBytes) atr = NULL;
		g_autoptr(GBytes) response = NULL;

		atr = exchange(g_socket_get_fd(conn), "04", TRUE);
		vt_assert_bytes_hex(atr, "3B 80 80 01 01");
		response = exchange(g_socket_get_fd(conn), frames_hex, TRUE);
		vt_assert_bytes_hex(response, "90 00");
		if (close_mid_frame) {
			const guint8 partial[] = {0x00, 0x09, 0x00};
			write_all(g_socket_get_fd(conn), partial, sizeof(partial));
		}
		g_assert_true(g_socket_close(conn, &error));
	}
	channel = g_io_channel_unix_new(err_fd);
	g_io_channel_set_close_on_unref(channel, TRUE);
	g_assert_cmpint(g_io_channel_read_to_end(channel, err_out, NULL, &error), ==, G_IO_STATUS_NORMAL);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_spawn_close_pid(pid);
	g_assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_vpcd_program(void)
{
	gchar *dir = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *state = NULL;
	g_autofree gchar *trace = NULL;
	g_autofree gchar *err = NULL;

	if (g_getenv("ESC_VCARD") == NULL) {
		g_test_skip("ESC_VCARD is not set");
		return;
	}
	dir = vt_tmpdir_new();
	log = g_build_filename(dir, "apdu.log", NULL);
	state = g_build_filename(dir, "card.state", NULL);
	{
		const gchar *args[] = {"--log", log, "--state", state, "--scp", "2", NULL};
		g_assert_cmpint(run_esc_vcard(args, "00 A4 04 00 07 62 76 01 FF 00 00 00", FALSE, &err), ==, 0);
		g_assert_true(g_file_get_contents(log, &trace, NULL, NULL));
		/* the data field is redacted without --log-data */
		g_assert_nonnull(strstr(trace, "00 A4 04 00 07 <7 bytes>"));
		g_assert_nonnull(strstr(trace, "90 00"));
		g_assert_true(g_file_test(state, G_FILE_TEST_EXISTS));
	}
	{
		const gchar *args[] = {"--state", state, NULL};
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(run_esc_vcard(args, "00 A4 04 00 07 62 76 01 FF 00 00 00", TRUE, &err), ==, 1);
		g_assert_nonnull(strstr(err, "framing error"));
	}
	{
		const gchar *args[] = {"--scp", "7", NULL};
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(run_esc_vcard(args, NULL, FALSE, &err), ==, 2);
		g_assert_nonnull(strstr(err, "--scp"));
	}
	{
		const gchar *args[] = {"--state", state, "--cuid", "00010203040506070809", NULL};
		g_clear_pointer(&err, g_free);
		g_assert_cmpint(run_esc_vcard(args, NULL, FALSE, &err), ==, 1);
		g_assert_nonnull(strstr(err, "card.state"));
	}
	vt_tmpdir_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/vpcd/session", test_vpcd_session);
	g_test_add_func("/vcard/vpcd/truncated", test_vpcd_truncated);
	g_test_add_func("/vcard/vpcd/empty-frame", test_vpcd_empty_frame);
	g_test_add_func("/vcard/vpcd/tcp", test_vpcd_tcp);
	g_test_add_func("/vcard/vpcd/program", test_vpcd_program);
	return g_test_run();
}
