/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The harness itself: start and stop, card presence, dead cards and daemons are reported,
 * child commands get the instance's socket and a timeout, nothing outlives an aborted test. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>
#include <winscard.h>

#include "th-card.h"
#include "th-pcsc.h"

static gboolean
pid_alive(GPid pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

static void
test_start_stop(ThPcscFixture *f, gconstpointer data)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *reader0 = NULL;
	g_autofree gchar *reader1 = NULL;
	g_auto(GStrv) envp = NULL;
	GPid pid;

	if (f->pcsc == NULL)
		return;
	dir = g_strdup(th_pcsc_get_dir(f->pcsc));
	pid = th_pcsc_get_pid(f->pcsc);
	g_assert_cmpint(pid, >, 0);
	g_assert_true(g_file_test(th_pcsc_get_socket(f->pcsc), G_FILE_TEST_EXISTS));
	g_assert_true(g_str_has_prefix(th_pcsc_get_socket(f->pcsc), dir));
	reader0 = th_pcsc_get_reader_name(f->pcsc, 0);
	reader1 = th_pcsc_get_reader_name(f->pcsc, 1);
	g_assert_cmpstr(reader0, ==, "Virtual PCD 00 00");
	g_assert_cmpstr(reader1, ==, "Virtual PCD 00 01");
	envp = th_pcsc_get_environ(f->pcsc);
	g_assert_cmpstr(g_environ_getenv(envp, "PCSCLITE_CSOCK_NAME"),
			==,
			th_pcsc_get_socket(f->pcsc));
	g_assert_nonnull(g_getenv("PCSCLITE_CSOCK_NAME"));
	g_assert_null(th_pcsc_get_card(f->pcsc, 0));

	g_clear_pointer(&f->pcsc, th_pcsc_free);
	g_assert_false(pid_alive(pid));
	g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
}

static void
test_card_present_absent(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	ThPcscCard *card;
	gint64 start;

	if (f->pcsc == NULL)
		return;
	card = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	g_assert_nonnull(card);
	g_assert_true(th_pcsc_card_is_running(card));
	g_assert_true(th_pcsc_get_card(f->pcsc, 0) == card);
	g_assert_cmpuint(th_pcsc_card_get_slot(card), ==, 0);
	g_assert_true(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_no_error(error);

	/* slot 1 has no card: the wait ends with a timeout error, in time */
	start = g_get_monotonic_time();
	g_assert_false(th_pcsc_wait_card(f->pcsc, 1, TRUE, 300, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_TIMEOUT);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 3 * G_USEC_PER_SEC);
	g_clear_error(&error);
	g_assert_true(th_pcsc_wait_card(f->pcsc, 1, FALSE, 1000, &error));
	g_assert_no_error(error);

	/* a second card in a busy slot is refused */
	g_assert_null(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_FAILED);
	g_clear_error(&error);
	/* both slots at once */
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 1, &error, NULL));
	g_assert_no_error(error);

	/* stopping waits for the reader to be empty; a stopped card is not "dead" */
	g_assert_true(th_pcsc_stop_card(f->pcsc, card, &error));
	g_assert_no_error(error);
	g_assert_false(th_pcsc_card_is_running(card));
	g_assert_null(th_pcsc_get_card(f->pcsc, 0));
	g_assert_true(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_no_error(error);

	/* and the slot can be used again */
	card = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	g_assert_nonnull(card);
	g_assert_true(g_file_test(th_pcsc_card_get_log_path(card), G_FILE_TEST_EXISTS));
}

static void
test_card_died(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();

	if (f->pcsc == NULL)
		return;
	/* a card that exits at once is reported, with its status and log, long before the
	 * presence timeout */
	g_assert_null(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--no-such-option", NULL));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_assert_nonnull(strstr(error->message, "slot 0"));
	g_assert_nonnull(strstr(error->message, "exited with status"));
	g_assert_nonnull(strstr(error->message, "card-0.log"));
	g_assert_cmpint(g_get_monotonic_time() - start, <, TH_PCSC_CARD_TIMEOUT_MS * 1000 / 2);
	g_clear_error(&error);
	g_assert_false(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
}

static void
test_card_killed(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	ThPcscCard *card;

	if (f->pcsc == NULL)
		return;
	card = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	g_assert_true(th_pcsc_card_kill(card, SIGKILL, &error));
	g_assert_no_error(error);
	g_assert_false(th_pcsc_card_check_alive(card, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_assert_nonnull(strstr(error->message, "killed by signal 9"));
	g_clear_error(&error);
	/* waiting for its presence fails at once */
	g_assert_false(th_pcsc_wait_card(f->pcsc, 0, TRUE, 5000, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_clear_error(&error);
	/* pcscd notices the removal */
	g_assert_true(th_pcsc_wait_card(f->pcsc, 0, FALSE, TH_PCSC_CARD_TIMEOUT_MS, &error));
	g_assert_no_error(error);
}

static void
test_pcscd_killed(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	SCARDCONTEXT ctx = 0;
	LONG rv;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	g_assert_true(th_pcsc_kill_pcscd(f->pcsc, SIGKILL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(th_pcsc_get_pid(f->pcsc), ==, 0);
	g_assert_false(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_assert_nonnull(strstr(error->message, "pcscd was killed by signal 9"));
	g_clear_error(&error);
	g_assert_false(th_pcsc_wait_card(f->pcsc, 0, TRUE, 5000, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_clear_error(&error);
	/* a PC/SC client gets "no service", not a hang */
	g_assert_true(th_pcsc_activate(f->pcsc, &error));
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	g_assert_cmphex((guint32)rv, ==, (guint32)SCARD_E_NO_SERVICE);
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_null(card);
	g_assert_error(error, TH_SCARD_ERROR, TH_SCARD_CODE(SCARD_E_NO_SERVICE));
	g_clear_error(&error);
	/* starting a card is refused with the reason */
	g_assert_null(th_pcsc_plug_vcard(f->pcsc, 1, &error, NULL));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
}

static void
test_run(ThPcscFixture *f, gconstpointer data)
{
	const gchar *echo[] = {"sh",
			       "-c",
			       "echo \"$PCSCLITE_CSOCK_NAME\"; echo oops >&2; exit 3",
			       NULL};
	const gchar *slow[] = {"sleep", "30", NULL};
	const gchar *missing[] = {"/nonexistent/program", NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *want = NULL;
	gint status = -1;
	gint64 start;

	if (f->pcsc == NULL)
		return;
	g_assert_true(th_pcsc_run(f->pcsc, echo, 5000, &status, &out, &err, &error));
	g_assert_no_error(error);
	want = g_strconcat(th_pcsc_get_socket(f->pcsc), "\n", NULL);
	g_assert_cmpstr(out, ==, want);
	g_assert_cmpstr(err, ==, "oops\n");
	g_assert_cmpint(status, ==, 3);

	start = g_get_monotonic_time();
	g_assert_false(th_pcsc_run(f->pcsc, slow, 200, &status, NULL, NULL, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_TIMEOUT);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);
	g_clear_error(&error);

	g_assert_false(th_pcsc_run(f->pcsc, missing, 1000, &status, NULL, NULL, &error));
	g_assert_nonnull(error);
}

/* Where the aborting child (of @parent) says what it started. */
static gchar *
abort_info_path(GPid parent)
{
	g_autofree gchar *name = g_strdup_printf("th-test-abort-%d", (gint)parent);
	return g_build_filename(g_get_tmp_dir(), name, NULL);
}

/* A test that aborts leaves neither pcscd nor a card running, and its directory is swept by
 * the next harness. */
static void
test_abort_cleanup(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThPcsc) next = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree gchar *info_path = NULL;
	g_autofree gchar *info = NULL;
	GPid pcscd;
	GPid card;
	gint64 deadline;

	if (!th_pcsc_check_available(&error)) {
		g_test_skip(error->message);
		return;
	}
	if (th_pcsc_card_program() == NULL) {
		g_test_skip("esc-vcard not found");
		return;
	}
	if (g_test_subprocess()) {
		g_autoptr(ThPcsc) pcsc = th_pcsc_new(NULL, &error);
		g_autofree gchar *text = NULL;
		ThPcscCard *c;
		g_assert_no_error(error);
		c = th_pcsc_plug_vcard(pcsc, 0, &error, NULL);
		g_assert_no_error(error);
		g_assert_nonnull(c);
		text = g_strdup_printf("%s\n%d\n%d\n",
				       th_pcsc_get_dir(pcsc),
				       (gint)th_pcsc_get_pid(pcsc),
				       (gint)th_pcsc_card_get_pid(c));
		info_path = abort_info_path(getppid());
		g_assert_true(g_file_set_contents(info_path, text, -1, NULL));
		abort();
	}
	info_path = abort_info_path(getpid());
	g_test_trap_subprocess(NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_assert_true(g_file_get_contents(info_path, &info, NULL, NULL));
	g_unlink(info_path);
	lines = g_strsplit(info, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), >=, 3);
	pcscd = (GPid)g_ascii_strtoll(lines[1], NULL, 10);
	g_assert_cmpint(pcscd, >, 0);
	card = (GPid)g_ascii_strtoll(lines[2], NULL, 10);
	g_assert_cmpint(card, >, 0);
	/* PR_SET_PDEATHSIG: both die with the test process */
	deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while ((pid_alive(pcscd) || pid_alive(card)) && g_get_monotonic_time() < deadline)
		g_usleep(10000);
	g_assert_false(pid_alive(pcscd));
	g_assert_false(pid_alive(card));
	/* the next harness (here, or one of a concurrent test process) sweeps the directory */
	next = th_pcsc_new(NULL, &error);
	g_assert_no_error(error);
	g_assert_false(g_file_test(lines[0], G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/pcsc/harness/start-stop", NULL, test_start_stop);
	TH_PCSC_TEST_ADD("/pcsc/harness/card/present-absent", NULL, test_card_present_absent);
	TH_PCSC_TEST_ADD("/pcsc/harness/card/died", NULL, test_card_died);
	TH_PCSC_TEST_ADD("/pcsc/harness/card/killed", NULL, test_card_killed);
	TH_PCSC_TEST_ADD("/pcsc/harness/pcscd/killed", NULL, test_pcscd_killed);
	TH_PCSC_TEST_ADD("/pcsc/harness/run", NULL, test_run);
	g_test_add_func("/pcsc/harness/abort-cleanup", test_abort_cleanup);
	return g_test_run();
}
