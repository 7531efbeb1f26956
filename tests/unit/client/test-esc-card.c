/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscCard without a PC/SC service (PCSCLITE_CSOCK_NAME points at nothing): jobs fail with
 * ESC_ERROR_NO_SERVICE, in order, sync and async, data is freed, cancellation is honoured;
 * the last reference dropped from a job's callback releases the job's data, the GTask and the
 * card on the caller's context, and dispose joins the worker thread there (the number of
 * "esc-card" threads in /proc/self/task is back to its baseline at once).
 * The tests with a real pcscd are in tests/pcsc-client.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "esc-card.h"
#include "esc-error.h"

static gboolean
job_never_runs(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	g_error("the job ran without a PC/SC service");
	return FALSE;
}

static void
test_no_service_sync(void)
{
	g_autoptr(EscCard) card = esc_card_new("Virtual PCD 00 00");
	g_autoptr(GError) error = NULL;

	g_assert_cmpstr(esc_card_get_reader(card), ==, "Virtual PCD 00 00");
	g_assert_false(esc_card_run_job_sync(card, TRUE, job_never_runs, NULL, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	g_assert_nonnull(strstr(error->message, "SCARD_E_NO_SERVICE"));
}

typedef struct {
	GMainLoop *loop;
	GPtrArray *order;
	guint pending;
	guint freed;
} AsyncState;

typedef struct {
	AsyncState *state;
	guint index;
} AsyncJob;

static void
async_job_free(gpointer data)
{
	AsyncJob *job = data;

	job->state->freed++;
	g_free(job);
}

static void
async_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	AsyncJob *job = user_data;
	AsyncState *state = job->state;
	g_autoptr(GError) error = NULL;

	g_assert_false(esc_card_run_job_finish(ESC_CARD(source), res, &error));
	if (job->index == 1)
		g_assert_error(error, ESC_ERROR, ESC_ERROR_CANCELLED);
	else
		g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	g_ptr_array_add(state->order, GUINT_TO_POINTER(job->index));
	if (--state->pending == 0)
		g_main_loop_quit(state->loop);
}

static void
test_no_service_async(void)
{
	g_autoptr(EscCard) card = esc_card_new("Virtual PCD 00 00");
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	g_autoptr(GCancellable) cancelled = g_cancellable_new();
	AsyncState state = {loop, order, 0, 0};
	/* callbacks hold the job structs, which data_free would free: keep separate copies */
	AsyncJob *cb_data[4];

	g_cancellable_cancel(cancelled);
	for (guint i = 0; i < 4; i++) {
		AsyncJob *job = g_new0(AsyncJob, 1);

		job->state = &state;
		job->index = i;
		cb_data[i] = g_new0(AsyncJob, 1);
		*cb_data[i] = *job;
		state.pending++;
		esc_card_run_job_async(card, i % 2 == 0, job_never_runs, job, async_job_free, i == 1 ? cancelled : NULL, async_done,
				       cb_data[i]);
	}
	g_main_loop_run(loop);
	g_assert_cmpuint(state.freed, ==, 4);
	g_assert_cmpuint(order->len, ==, 4);
	for (guint i = 0; i < 4; i++) {
		g_assert_cmpuint(GPOINTER_TO_UINT(g_ptr_array_index(order, i)), ==, i);
		g_free(cb_data[i]);
	}
}

/* ---- letting go of the card ------------------------------------------------------------ */

static guint
count_card_threads(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
	const gchar *tid;
	guint n = 0;

	g_assert_nonnull(dir);
	while ((tid = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename("/proc/self/task", tid, "comm", NULL);
		g_autofree gchar *comm = NULL;

		if (g_file_get_contents(path, &comm, NULL, NULL) && g_strcmp0(g_strchomp(comm), "esc-card") == 0)
			n++;
	}
	return n;
}

typedef struct {
	GThread *main_thread;
	GThread *freed_on;
	GThread *disposed_on;
	guint threads_at_dispose;
	gboolean done;
} ReleaseState;

static void
release_data_free(gpointer data)
{
	ReleaseState *s = data;

	s->freed_on = g_thread_self();
}

static void
release_card_gone(gpointer data, GObject *where_the_object_was)
{
	ReleaseState *s = data;

	s->threads_at_dispose = count_card_threads();
	s->disposed_on = g_thread_self();
}

static void
release_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ReleaseState *s = user_data;
	g_autoptr(GError) error = NULL;

	g_assert_false(esc_card_run_job_finish(ESC_CARD(source), res, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	s->done = TRUE;
	/* the caller's last reference */
	g_object_unref(source);
}

static gboolean
release_timeout(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

static void
test_release_from_callback(void)
{
	guint baseline = count_card_threads();

	for (guint round = 0; round < 20; round++) {
		ReleaseState s = {g_thread_self(), NULL, NULL, G_MAXUINT, FALSE};
		EscCard *card = esc_card_new("Virtual PCD 00 00");
		gboolean timed_out = FALSE;
		guint timeout_id;

		g_object_weak_ref(G_OBJECT(card), release_card_gone, &s);
		esc_card_run_job_async(card, round % 2 == 0, job_never_runs, &s, release_data_free, NULL, release_done, &s);
		timeout_id = g_timeout_add_seconds(10, release_timeout, &timed_out);
		while (s.disposed_on == NULL && !timed_out)
			g_main_context_iteration(NULL, TRUE);
		g_assert_false(timed_out);
		g_source_remove(timeout_id);
		g_assert_true(s.done);
		/* data_free, the GTask and the card: all on this thread */
		g_assert_true(s.freed_on == s.main_thread);
		g_assert_true(s.disposed_on == s.main_thread);
		/* dispose joined the worker thread before it went on. pthread_join() returns when the
		 * thread's exit clears its tid, a moment before the kernel drops it from
		 * /proc/self/task, so at dispose time it may still be listed: allow that one, then
		 * give the kernel a bounded moment to finish. */
		g_assert_cmpuint(s.threads_at_dispose, <=, baseline + 1);
		for (guint i = 0; i < 2000 && count_card_threads() != baseline; i++)
			g_usleep(1000);
		g_assert_cmpuint(count_card_threads(), ==, baseline);
	}
}

static GBytes *
fixed_transmit(GBytes *command, gpointer user_data, GError **error)
{
	return g_bytes_new(g_bytes_get_data(user_data, NULL), g_bytes_get_size(user_data));
}

static GBytes *
failing_transmit(GBytes *command, gpointer user_data, GError **error)
{
	g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, "gone");
	return NULL;
}

static void
test_transmit_full_errors(void)
{
	g_autoptr(GBytes) cmd = g_bytes_new_static("\x00\xA4\x04\x00", 4);
	g_autoptr(GBytes) one = g_bytes_new_static("\x90", 1);
	g_autoptr(GBytes) ok = g_bytes_new_static("\x01\x90\x00", 3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) r1 = esc_card_transmit_full(fixed_transmit, one, cmd, &error);
	g_autoptr(GBytes) r2 = NULL;
	g_autoptr(GBytes) r3 = NULL;

	g_assert_null(r1);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD);
	g_clear_error(&error);
	r2 = esc_card_transmit_full(failing_transmit, NULL, cmd, &error);
	g_assert_null(r2);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
	g_clear_error(&error);
	r3 = esc_card_transmit_full(fixed_transmit, ok, cmd, &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(r3, ok));
}

int
main(int argc, char **argv)
{
	g_autofree gchar *dir = g_dir_make_tmp("test-esc-card-XXXXXX", NULL);
	g_autofree gchar *sock = g_build_filename(dir, "no-pcscd.comm", NULL);
	int rc;

	/* before the first PC/SC call: libpcsclite reads it once */
	g_setenv("PCSCLITE_CSOCK_NAME", sock, TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/card/no-service/sync", test_no_service_sync);
	g_test_add_func("/esc/card/no-service/async-in-order", test_no_service_async);
	g_test_add_func("/esc/card/release/from-callback", test_release_from_callback);
	g_test_add_func("/esc/card/transmit-full/errors", test_transmit_full_errors);
	rc = g_test_run();
	g_rmdir(dir);
	return rc;
}
