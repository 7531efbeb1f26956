/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tpsd for the TPS benchmark: started with a config and state directory of the bench, its
 * stdout read on a thread (the "listening on" line gives the port), its stderr (the log) in
 * STATE/tpsd.log; CPU time, RSS and threads read from /proc/<pid>. Also the small statistics
 * helpers of the bench.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-tps.h"

#define BENCH_TPSD_START_TIMEOUT_S 120
#define BENCH_TPSD_STOP_TIMEOUT_S  30
#define BENCH_TPSD_LISTENING	   "listening on https://"

struct _BenchTpsd {
	GSubprocess *proc;
	gchar *pid;
	gchar *log_path;
	guint16 port;
	GThread *reader;
	GMutex lock;
	GCond cond;
	gchar *listening; /* the "listening on" line */
	gboolean eof;
};

/* ---- statistics ------------------------------------------------------------------------ */

static gint
bench_compare_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

gdouble
bench_percentile(GArray *values, gdouble p)
{
	g_autoptr(GArray) sorted = NULL;
	gdouble rank;
	guint lo;
	guint hi;

	if (values == NULL || values->len == 0)
		return 0;
	sorted = g_array_sized_new(FALSE, FALSE, sizeof(gdouble), values->len);
	g_array_append_vals(sorted, values->data, values->len);
	g_array_sort(sorted, bench_compare_double);
	/* linear interpolation between the closest ranks */
	rank = p / 100.0 * (gdouble)(sorted->len - 1);
	lo = (guint)rank;
	hi = MIN(lo + 1, sorted->len - 1);
	return g_array_index(sorted, gdouble, lo) +
	       (rank - (gdouble)lo) * (g_array_index(sorted, gdouble, hi) - g_array_index(sorted, gdouble, lo));
}

gint64
bench_thread_cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gint64
bench_process_cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (gint64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

/* ---- tpsd ------------------------------------------------------------------------------ */

static gpointer
bench_tpsd_reader_thread(gpointer data)
{
	BenchTpsd *t = data;
	g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(t->proc));

	for (;;) {
		g_autofree gchar *line = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL);

		g_mutex_lock(&t->lock);
		if (line == NULL)
			t->eof = TRUE;
		else if (t->listening == NULL && strstr(line, BENCH_TPSD_LISTENING) != NULL)
			t->listening = g_strdup(line);
		g_cond_broadcast(&t->cond);
		g_mutex_unlock(&t->lock);
		if (line == NULL)
			return NULL;
	}
}

static void
bench_tpsd_child_setup(gpointer user_data)
{
	/* tpsd must not outlive a bench that crashes */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
bench_tpsd_free(BenchTpsd *t)
{
	if (t->reader != NULL)
		g_thread_join(t->reader);
	g_clear_object(&t->proc);
	g_free(t->pid);
	g_free(t->log_path);
	g_free(t->listening);
	g_mutex_clear(&t->lock);
	g_cond_clear(&t->cond);
	g_free(t);
}

BenchTpsd *
bench_tpsd_start(const gchar *tpsd_path, const gchar *config_path, const gchar *state_dir, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	BenchTpsd *t = g_new0(BenchTpsd, 1);
	gint64 end = g_get_monotonic_time() + BENCH_TPSD_START_TIMEOUT_S * G_TIME_SPAN_SECOND;
	const gchar *port_text;

	g_mutex_init(&t->lock);
	g_cond_init(&t->cond);
	t->log_path = g_build_filename(state_dir, "tpsd.log", NULL);
	g_subprocess_launcher_set_stderr_file_path(launcher, t->log_path);
	g_subprocess_launcher_set_child_setup(launcher, bench_tpsd_child_setup, NULL, NULL);
	/* no debug logging: tpsd logs as it would in production */
	g_subprocess_launcher_unsetenv(launcher, "G_MESSAGES_DEBUG");
	t->proc = g_subprocess_launcher_spawn(launcher,
					      error,
					      tpsd_path,
					      "--config",
					      config_path,
					      "--state-dir",
					      state_dir,
					      "--port",
					      "0",
					      NULL);
	if (t->proc == NULL) {
		g_prefix_error(error, "cannot start %s: ", tpsd_path);
		bench_tpsd_free(t);
		return NULL;
	}
	t->pid = g_strdup(g_subprocess_get_identifier(t->proc));
	t->reader = g_thread_new("tpsd-stdout", bench_tpsd_reader_thread, t);
	g_mutex_lock(&t->lock);
	while (t->listening == NULL && !t->eof) {
		if (!g_cond_wait_until(&t->cond, &t->lock, end))
			break;
	}
	g_mutex_unlock(&t->lock);
	if (t->listening == NULL) {
		g_autofree gchar *tail = bench_tpsd_log_tail(t, 20);
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FAILED,
			    "tpsd did not start listening within %d s; its log ends with:\n%s",
			    BENCH_TPSD_START_TIMEOUT_S,
			    tail);
		bench_tpsd_stop(t);
		return NULL;
	}
	/* "tpsd: listening on https://127.0.0.1:PORT/tps/tps (state in DIR)" */
	port_text = strchr(strstr(t->listening, BENCH_TPSD_LISTENING) + strlen(BENCH_TPSD_LISTENING), ':');
	t->port = port_text != NULL ? (guint16)g_ascii_strtoull(port_text + 1, NULL, 10) : 0;
	if (t->port == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no port in tpsd's line \"%s\"", t->listening);
		bench_tpsd_stop(t);
		return NULL;
	}
	return t;
}

static void
bench_tpsd_on_waited(GObject *source, GAsyncResult *res, gpointer user_data)
{
	gboolean *done = user_data;

	(void)g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	*done = TRUE;
}

static gboolean
bench_tpsd_on_timeout(gpointer user_data)
{
	gboolean *expired = user_data;

	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

void
bench_tpsd_stop(BenchTpsd *t)
{
	if (t == NULL)
		return;
	if (t->proc != NULL && g_subprocess_get_identifier(t->proc) != NULL) {
		g_autoptr(GMainContext) ctx = g_main_context_new();
		g_autoptr(GSource) timeout = g_timeout_source_new_seconds(BENCH_TPSD_STOP_TIMEOUT_S);
		gboolean done = FALSE;
		gboolean expired = FALSE;
		gboolean killed = FALSE;

		g_main_context_push_thread_default(ctx);
		g_subprocess_send_signal(t->proc, SIGTERM);
		g_subprocess_wait_async(t->proc, NULL, bench_tpsd_on_waited, &done);
		g_source_set_callback(timeout, bench_tpsd_on_timeout, &expired, NULL);
		g_source_attach(timeout, ctx);
		while (!done) {
			if (expired && !killed) {
				g_printerr("bench-tps: tpsd ignored SIGTERM for %d s, killed\n", BENCH_TPSD_STOP_TIMEOUT_S);
				g_subprocess_force_exit(t->proc);
				killed = TRUE;
			}
			g_main_context_iteration(ctx, TRUE);
		}
		g_source_destroy(timeout);
		g_main_context_pop_thread_default(ctx);
	}
	bench_tpsd_free(t);
}

guint16
bench_tpsd_get_port(BenchTpsd *t)
{
	return t->port;
}

const gchar *
bench_tpsd_get_pid(BenchTpsd *t)
{
	return t->pid;
}

static gchar *
bench_tpsd_read_proc(BenchTpsd *t, const gchar *name)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%s/%s", t->pid, name);
	gchar *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return text;
}

gint64
bench_tpsd_cpu_us(BenchTpsd *t)
{
	g_autofree gchar *text = bench_tpsd_read_proc(t, "stat");
	g_auto(GStrv) fields = NULL;
	const gchar *after;
	glong ticks = sysconf(_SC_CLK_TCK);
	guint64 utime;
	guint64 stime;

	if (text == NULL || ticks <= 0)
		return -1;
	/* "pid (comm) state ppid ...": comm may hold spaces; utime and stime are fields 14 and 15 */
	after = strrchr(text, ')');
	if (after == NULL)
		return -1;
	fields = g_strsplit(after + 2, " ", -1);
	if (g_strv_length(fields) < 13)
		return -1;
	utime = g_ascii_strtoull(fields[11], NULL, 10);
	stime = g_ascii_strtoull(fields[12], NULL, 10);
	return (gint64)((utime + stime) * G_USEC_PER_SEC / (guint64)ticks);
}

gint64
bench_tpsd_status_value(BenchTpsd *t, const gchar *field)
{
	g_autofree gchar *text = bench_tpsd_read_proc(t, "status");
	g_auto(GStrv) lines = NULL;
	gsize field_len = strlen(field);

	if (text == NULL)
		return -1;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (strncmp(lines[i], field, field_len) == 0 && lines[i][field_len] == ':')
			return (gint64)g_ascii_strtoll(lines[i] + field_len + 1, NULL, 10);
	}
	return -1;
}

gboolean
bench_tpsd_reset_peak(BenchTpsd *t, GError **error)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%s/clear_refs", t->pid);

	FILE *f = fopen(path, "w");
	gboolean ok;

	/* "5": reset the peak resident set size (proc(5)); written in place (not g_file_set_contents) */
	if (f == NULL) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot open %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	ok = fputs("5", f) >= 0;
	ok = fclose(f) == 0 && ok;
	if (!ok)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
	return ok;
}

gint64
bench_tpsd_log_size(BenchTpsd *t)
{
	GStatBuf st;

	return g_stat(t->log_path, &st) == 0 ? (gint64)st.st_size : 0;
}

gboolean
bench_tpsd_log_costs(BenchTpsd *t, gint64 offset, guint *n_done, gdouble *cpu_ms, gdouble *password_ms, GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gsize len = 0;

	*n_done = 0;
	*cpu_ms = 0;
	*password_ms = 0;
	if (!g_file_get_contents(t->log_path, &text, &len, error))
		return FALSE;
	if (offset < 0 || (gsize)offset > len)
		offset = 0;
	lines = g_strsplit(text + offset, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *cpu = strstr(lines[i], " done (CPU ");
		const gchar *pw = cpu != NULL ? strstr(cpu, ", password check ") : NULL;

		if (pw == NULL)
			continue;
		*cpu_ms += g_ascii_strtod(cpu + strlen(" done (CPU "), NULL);
		*password_ms += g_ascii_strtod(pw + strlen(", password check "), NULL);
		(*n_done)++;
	}
	return TRUE;
}

gchar *
bench_tpsd_log_tail(BenchTpsd *t, guint n)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	guint len;

	if (!g_file_get_contents(t->log_path, &text, NULL, NULL))
		return g_strdup("(no log)");
	lines = g_strsplit(text, "\n", -1);
	len = g_strv_length(lines);
	for (guint i = len > n ? len - n : 0; i < len; i++) {
		g_string_append(out, lines[i]);
		if (i + 1 < len)
			g_string_append_c(out, '\n');
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

GSubprocess *
bench_tpsd_perf_start(BenchTpsd *t, const gchar *output)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *perf = g_find_program_in_path("perf");
	GSubprocess *proc;

	if (perf == NULL) {
		g_printerr("bench-tps: perf is not installed, no profile\n");
		return NULL;
	}
	proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
				&error,
				perf,
				"record",
				/* libcrypto and GLib have no frame pointers: unwind with DWARF */
				"--call-graph",
				"dwarf,16384",
				"-F",
				"1999",
				"-o",
				output,
				"-p",
				t->pid,
				NULL);
	if (proc == NULL)
		g_printerr("bench-tps: cannot start perf: %s\n", error->message);
	/* perf needs a moment to attach to every thread */
	g_usleep(G_USEC_PER_SEC / 2);
	return proc;
}

void
bench_tpsd_perf_stop(GSubprocess *perf)
{
	g_autoptr(GError) error = NULL;

	if (perf == NULL)
		return;
	g_subprocess_send_signal(perf, SIGINT);
	if (!g_subprocess_wait(perf, NULL, &error))
		g_printerr("bench-tps: perf: %s\n", error->message);
	g_object_unref(perf);
}
