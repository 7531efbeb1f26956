/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscReaderMonitor without a PC/SC service: not available before start(), the first finding
 * "service-changed"(FALSE) on the creator's main context (although the value was FALSE
 * already), no readers, and stop() returns at once although the thread waits for pcscd.
 * The live tests (readers, cards, pcscd restarts) are in tests/pcsc-client.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "esc-reader-monitor.h"

typedef struct {
	GMainLoop *loop;
	GThread *main_thread;
	guint service_false;
	guint other;
} State;

static void
on_service_changed(EscReaderMonitor *monitor, gboolean available, gpointer user_data)
{
	State *state = user_data;

	g_assert_true(g_thread_self() == state->main_thread);
	g_assert_false(available);
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	state->service_false++;
	g_main_loop_quit(state->loop);
}

static void
on_other(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	State *state = user_data;
	state->other++;
}

static gboolean
quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static void
test_no_service(void)
{
	g_autoptr(EscReaderMonitor) monitor = esc_reader_monitor_new();
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) readers = NULL;
	State state = {loop, g_thread_self(), 0, 0};
	gint64 start;
	guint timeout;

	g_signal_connect(monitor, "service-changed", G_CALLBACK(on_service_changed), &state);
	g_signal_connect(monitor, "reader-added", G_CALLBACK(on_other), &state);
	g_signal_connect(monitor, "card-inserted", G_CALLBACK(on_other), &state);
	/* not known before start */
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	g_assert_false(esc_reader_monitor_is_running(monitor));
	g_assert_true(esc_reader_monitor_start(monitor, &error));
	g_assert_no_error(error);
	g_assert_true(esc_reader_monitor_start(monitor, &error));
	g_assert_true(esc_reader_monitor_is_running(monitor));
	timeout = g_timeout_add_seconds(10, quit_loop, loop);
	g_main_loop_run(loop);
	g_source_remove(timeout);
	g_assert_cmpuint(state.service_false, ==, 1);
	/* the back-off goes on without more signals */
	g_timeout_add(1200, quit_loop, loop);
	g_main_loop_run(loop);
	g_assert_cmpuint(state.service_false, ==, 1);
	g_assert_cmpuint(state.other, ==, 0);
	readers = esc_reader_monitor_get_readers(monitor);
	g_assert_cmpuint(g_strv_length(readers), ==, 0);
	g_assert_null(esc_reader_monitor_get_atr(monitor, "Virtual PCD 00 00"));
	/* stop wakes the back-off wait */
	start = g_get_monotonic_time();
	esc_reader_monitor_stop(monitor);
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
	g_assert_false(esc_reader_monitor_is_running(monitor));
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	esc_reader_monitor_stop(monitor);
}

static void
test_dispose_running(void)
{
	EscReaderMonitor *monitor = esc_reader_monitor_new();
	g_autoptr(GError) error = NULL;
	gint64 start;

	g_assert_true(esc_reader_monitor_start(monitor, &error));
	start = g_get_monotonic_time();
	g_object_unref(monitor);
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
	/* events queued for the dead monitor are dropped with it */
	while (g_main_context_iteration(NULL, FALSE))
		;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *dir = g_dir_make_tmp("test-esc-monitor-XXXXXX", NULL);
	g_autofree gchar *sock = g_build_filename(dir, "no-pcscd.comm", NULL);
	int rc;

	g_setenv("PCSCLITE_CSOCK_NAME", sock, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/reader-monitor/no-service", test_no_service);
	g_test_add_func("/esc/reader-monitor/dispose-running", test_dispose_running);
	rc = g_test_run();
	g_rmdir(dir);
	return rc;
}
