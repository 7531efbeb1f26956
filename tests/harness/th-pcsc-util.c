/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Process, file and client helpers of the harness, the availability check and the fixture. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <winscard.h>

#include "th-pcsc-private.h"

GQuark
th_pcsc_error_quark(void)
{
	return g_quark_from_static_string("th-pcsc-error-quark");
}

GQuark
th_scard_error_quark(void)
{
	return g_quark_from_static_string("th-scard-error-quark");
}

void
th_scard_set_error(GError **error, glong rv, const gchar *what)
{
	g_set_error(error,
		    TH_SCARD_ERROR,
		    TH_SCARD_CODE(rv),
		    "%s: %s (0x%08lX)",
		    what,
		    pcsc_stringify_error((LONG)rv),
		    (gulong)(guint32)rv);
}

/* ---- processes ----------------------------------------------------------------------- */

static void
th_pcsc_child_setup(gpointer user_data)
{
	/* Never outlive the test process, even when it aborts. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* @log_path: stdout goes there (appended when @append), else as @flags say. */
GSubprocess *
th_pcsc_spawn(const gchar *const *argv,
	      const gchar *log_path,
	      gboolean append,
	      gchar **envp,
	      GSubprocessFlags flags,
	      GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(flags);

	if (log_path != NULL && append) {
		gint fd = g_open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0) {
			g_set_error(error,
				    TH_PCSC_ERROR,
				    TH_PCSC_ERROR_FAILED,
				    "cannot open %s: %s",
				    log_path,
				    g_strerror(errno));
			return NULL;
		}
		g_subprocess_launcher_take_stdout_fd(launcher, fd);
	} else if (log_path != NULL) {
		g_subprocess_launcher_set_stdout_file_path(launcher, log_path);
	}
	if (envp != NULL)
		g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_child_setup(launcher, th_pcsc_child_setup, NULL, NULL);
	return g_subprocess_launcher_spawnv(launcher, argv, error);
}

gboolean
th_proc_running(GSubprocess *proc)
{
	/* GLib's worker thread reaps the child and clears the identifier. */
	return proc != NULL && g_subprocess_get_identifier(proc) != NULL;
}

GPid
th_proc_pid(GSubprocess *proc)
{
	const gchar *id = proc != NULL ? g_subprocess_get_identifier(proc) : NULL;
	return id != NULL ? (GPid)g_ascii_strtoll(id, NULL, 10) : 0;
}

/* Waits up to @timeout_ms for @proc to exit; TRUE if it has (its status is then known). */
gboolean
th_proc_wait(GSubprocess *proc, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	while (th_proc_running(proc)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(TH_PCSC_POLL_US / 2);
	}
	return g_subprocess_wait(proc, NULL, NULL);
}

/* SIGTERM (or @signum), then SIGKILL after the timeout; always reaps. */
void
th_proc_stop(GSubprocess *proc, gint signum)
{
	if (proc == NULL)
		return;
	g_subprocess_send_signal(proc, signum);
	if (!th_proc_wait(proc, TH_PCSC_STOP_TIMEOUT_MS)) {
		g_subprocess_force_exit(proc);
		g_subprocess_wait(proc, NULL, NULL);
	}
}

gchar *
th_proc_describe_exit(GSubprocess *proc)
{
	if (th_proc_running(proc))
		return g_strdup("is still running");
	if (g_subprocess_get_if_signaled(proc)) {
		gint sig = g_subprocess_get_term_sig(proc);
		return g_strdup_printf("was killed by signal %d (%s)", sig, g_strsignal(sig));
	}
	return g_strdup_printf("exited with status %d", g_subprocess_get_exit_status(proc));
}

gint
th_proc_status_code(GSubprocess *proc)
{
	if (g_subprocess_get_if_signaled(proc))
		return 128 + g_subprocess_get_term_sig(proc);
	return g_subprocess_get_exit_status(proc);
}

gchar *
th_pcsc_log_tail(const gchar *path, guint n_lines)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint n;
	guint first;

	if (path == NULL || !g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	g_strchomp(text);
	lines = g_strsplit(text, "\n", -1);
	n = g_strv_length(lines);
	first = n > n_lines ? n - n_lines : 0;
	return g_strjoinv("\n", lines + first);
}

void
th_pcsc_set_died(GError **error, const gchar *who, GSubprocess *proc, const gchar *log_path)
{
	g_autofree gchar *how = NULL;
	g_autofree gchar *tail = th_pcsc_log_tail(log_path, TH_PCSC_LOG_LINES);

	g_subprocess_wait(proc, NULL, NULL);
	how = th_proc_describe_exit(proc);
	g_set_error(error,
		    TH_PCSC_ERROR,
		    TH_PCSC_ERROR_DIED,
		    "%s %s; last lines of %s:\n%s",
		    who,
		    how,
		    log_path,
		    tail);
}

/* ---- files ----------------------------------------------------------------------------- */

static gboolean
th_pid_is_dead(const gchar *text)
{
	gint64 pid = text != NULL ? g_ascii_strtoll(text, NULL, 10) : 0;

	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Removes what earlier test processes that were killed left in @parent. */
void
th_pcsc_sweep_stale(const gchar *parent)
{
	g_autoptr(GDir) dir = NULL;
	const gchar *name;

	if (g_getenv("TH_PCSC_KEEP") != NULL)
		return; /* someone is looking at them */
	dir = g_dir_open(parent, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *owner_path = NULL;
		g_autofree gchar *owner = NULL;

		if (!g_str_has_prefix(name, TH_PCSC_DIR_PREFIX))
			continue;
		path = g_build_filename(parent, name, NULL);
		if (g_str_has_prefix(name, TH_PCSC_LINK_PREFIX)) {
			if (th_pid_is_dead(name + strlen(TH_PCSC_LINK_PREFIX)))
				th_rm_rf(path);
			continue;
		}
		owner_path = g_build_filename(path, "owner", NULL);
		if (g_file_get_contents(owner_path, &owner, NULL, NULL) && th_pid_is_dead(owner))
			th_rm_rf(path);
	}
}

/* ---- availability ---------------------------------------------------------------------- */

static gchar *
th_find_program(const gchar *name)
{
	const gchar *sbin[] = {"/usr/sbin", "/sbin", "/usr/bin"};
	gchar *path = g_find_program_in_path(name);

	for (guint i = 0; path == NULL && i < G_N_ELEMENTS(sbin); i++) {
		g_autofree gchar *candidate = g_build_filename(sbin[i], name, NULL);
		if (g_file_test(candidate, G_FILE_TEST_IS_EXECUTABLE))
			path = g_steal_pointer(&candidate);
	}
	return path;
}

gboolean
th_pcsc_check_available(GError **error)
{
	const gchar *programs[] = {"pcscd", "unshare", "nsenter", "ip", "sh"};
	const gchar *probe[] =
	    {"unshare", "--mount", "--net", "--propagation", "private", "true", NULL};
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error_local = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(programs); i++) {
		g_autofree gchar *path = th_find_program(programs[i]);
		if (path == NULL) {
			g_set_error(error,
				    TH_PCSC_ERROR,
				    TH_PCSC_ERROR_UNAVAILABLE,
				    "%s is not installed (packages pcscd, util-linux, iproute2)",
				    programs[i]);
			return FALSE;
		}
	}
	if (!g_file_test(TH_PCSC_VPCD_DRIVER, G_FILE_TEST_EXISTS)) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_UNAVAILABLE,
			    "vpcd is not installed: no %s (package vsmartcard-vpcd)",
			    TH_PCSC_VPCD_DRIVER);
		return FALSE;
	}
	if (geteuid() != 0) {
		g_set_error_literal(error,
				    TH_PCSC_ERROR,
				    TH_PCSC_ERROR_UNAVAILABLE,
				    "not root: a private pcscd needs mount and network namespaces");
		return FALSE;
	}
	th_pcsc_prepare_environ();
	proc = th_pcsc_spawn(probe,
			     NULL,
			     FALSE,
			     NULL,
			     G_SUBPROCESS_FLAGS_STDERR_SILENCE,
			     &error_local);
	if (proc == NULL || !th_proc_wait(proc, TH_PCSC_STOP_TIMEOUT_MS) ||
	    !g_subprocess_get_successful(proc)) {
		if (proc != NULL)
			th_proc_stop(proc, SIGKILL);
		g_set_error(
		    error,
		    TH_PCSC_ERROR,
		    TH_PCSC_ERROR_UNAVAILABLE,
		    "cannot create mount and network namespaces (unshare --mount --net): %s",
		    error_local != NULL ? error_local->message : "refused");
		return FALSE;
	}
	return TRUE;
}

const gchar *
th_pcsc_card_program(void)
{
	const gchar *path = g_getenv("TH_ESC_VCARD");

	if (path == NULL || !g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
		return NULL;
	return path;
}

/* ---- running clients ---------------------------------------------------------------------- */

typedef struct {
	GAsyncResult *result;
	gboolean timed_out;
} ThRunState;

static void
th_run_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
	ThRunState *state = user_data;
	state->result = g_object_ref(result);
}

static gboolean
th_run_timeout(gpointer user_data)
{
	ThRunState *state = user_data;
	state->timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

gboolean
th_pcsc_run(ThPcsc *self,
	    const gchar *const *argv,
	    guint timeout_ms,
	    gint *exit_status,
	    gchar **stdout_text,
	    gchar **stderr_text,
	    GError **error)
{
	g_auto(GStrv) envp = th_pcsc_get_environ(self);
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GSource) timeout = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	ThRunState state = {0};
	gboolean ok;

	proc = th_pcsc_spawn(argv,
			     NULL,
			     FALSE,
			     envp,
			     G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
			     error);
	if (proc == NULL) {
		g_prefix_error(error, "running %s: ", argv[0]);
		return FALSE;
	}
	g_main_context_push_thread_default(context);
	timeout = g_timeout_source_new(timeout_ms);
	g_source_set_callback(timeout, th_run_timeout, &state, NULL);
	g_source_attach(timeout, context);
	g_subprocess_communicate_utf8_async(proc, NULL, NULL, th_run_done, &state);
	while (state.result == NULL) {
		if (state.timed_out && th_proc_running(proc))
			g_subprocess_force_exit(proc); /* the pipes close, communicate finishes */
		g_main_context_iteration(context, TRUE);
	}
	g_source_destroy(timeout);
	ok = g_subprocess_communicate_utf8_finish(proc, state.result, &out, &err, error);
	g_object_unref(state.result);
	g_main_context_pop_thread_default(context);
	if (!ok) {
		g_prefix_error(error, "running %s: ", argv[0]);
		return FALSE;
	}
	g_subprocess_wait(proc, NULL, NULL);
	if (state.timed_out) {
		g_set_error(error,
			    TH_PCSC_ERROR,
			    TH_PCSC_ERROR_TIMEOUT,
			    "%s did not finish within %u ms; its output:\n%s%s",
			    argv[0],
			    timeout_ms,
			    out != NULL ? out : "",
			    err != NULL ? err : "");
		return FALSE;
	}
	if (exit_status != NULL)
		*exit_status = th_proc_status_code(proc);
	if (stdout_text != NULL)
		*stdout_text = g_steal_pointer(&out);
	if (stderr_text != NULL)
		*stderr_text = g_steal_pointer(&err);
	return TRUE;
}

/* ---- fixture --------------------------------------------------------------------------- */

void
th_pcsc_fixture_setup(ThPcscFixture *fixture, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;

	fixture->pcsc = NULL;
	if (!th_pcsc_check_available(&error)) {
		g_test_skip(error->message);
		return;
	}
	if (th_pcsc_card_program() == NULL) {
		g_test_skip("esc-vcard not found ($TH_ESC_VCARD is not an executable file)");
		return;
	}
	fixture->pcsc = th_pcsc_new(NULL, &error);
	if (fixture->pcsc == NULL) {
		g_test_message("cannot start pcscd: %s", error->message);
		g_test_fail();
	}
}

void
th_pcsc_fixture_teardown(ThPcscFixture *fixture, gconstpointer user_data)
{
	g_clear_pointer(&fixture->pcsc, th_pcsc_free);
}
