/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "th-tpsd.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

struct _ThTpsd {
	GSubprocess *process; /* NULL once stopped */
	GThread *reader;
	GMutex lock;
	GCond cond;
	GPtrArray *output; /* tpsd's lines (under @lock) */
	gboolean eof;	   /* its output is closed (under @lock) */
	gchar *state_dir;
	guint16 port;
	gchar *trust_file;
	gchar *password;
};

static gpointer
th_tpsd_reader_thread(gpointer data)
{
	ThTpsd *tpsd = data;
	g_autoptr(GDataInputStream) in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(tpsd->process));

	for (;;) {
		gchar *line = g_data_input_stream_read_line_utf8(in, NULL, NULL, NULL);

		g_mutex_lock(&tpsd->lock);
		if (line == NULL)
			tpsd->eof = TRUE;
		else
			g_ptr_array_add(tpsd->output, line);
		g_cond_broadcast(&tpsd->cond);
		g_mutex_unlock(&tpsd->lock);
		if (line == NULL)
			return NULL;
	}
}

static void
th_tpsd_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

gchar *
th_tpsd_get_output(ThTpsd *tpsd)
{
	g_autoptr(GString) text = g_string_new(NULL);

	g_mutex_lock(&tpsd->lock);
	for (guint i = 0; i < tpsd->output->len; i++)
		g_string_append_printf(text, "  %s\n", (const gchar *)g_ptr_array_index(tpsd->output, i));
	g_mutex_unlock(&tpsd->lock);
	return g_string_free(g_steal_pointer(&text), FALSE);
}

gchar *
th_tpsd_wait_line(ThTpsd *tpsd, const gchar *needle, guint timeout_s)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_TIME_SPAN_SECOND;
	guint seen = 0;
	gchar *found = NULL;

	g_mutex_lock(&tpsd->lock);
	for (;;) {
		for (; seen < tpsd->output->len && found == NULL; seen++) {
			const gchar *line = g_ptr_array_index(tpsd->output, seen);
			if (strstr(line, needle) != NULL)
				found = g_strdup(line);
		}
		if (found != NULL || tpsd->eof || !g_cond_wait_until(&tpsd->cond, &tpsd->lock, end))
			break;
	}
	g_mutex_unlock(&tpsd->lock);
	return found;
}

/* "tpsd: listening on https://HOST:PORT/tps/tps (state in DIR)" -> PORT (0 if none) */
static guint16
th_tpsd_parse_port(const gchar *line)
{
	const gchar *host = strstr(line, "https://");
	const gchar *path;
	const gchar *colon = NULL;
	gchar *end = NULL;
	guint64 port;

	if (host == NULL)
		return 0;
	host += strlen("https://");
	path = strchr(host, '/');
	if (path == NULL)
		return 0;
	for (const gchar *p = host; p < path; p++) {
		if (*p == ':')
			colon = p;
	}
	if (colon == NULL)
		return 0;
	port = g_ascii_strtoull(colon + 1, &end, 10);
	if (end != path || port == 0 || port > G_MAXUINT16)
		return 0;
	return (guint16)port;
}

/* "… with the password "XXXX" (shown only now)" -> XXXX */
static gchar *
th_tpsd_quoted_after(const gchar *line, const gchar *marker)
{
	const gchar *start = strstr(line, marker);
	const gchar *end;

	if (start == NULL)
		return NULL;
	start += strlen(marker);
	end = strchr(start, '"');
	return end != NULL ? g_strndup(start, (gsize)(end - start)) : NULL;
}

static gboolean
th_tpsd_spawn(ThTpsd *tpsd, const gchar *program, const gchar *config, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *stdbuf = g_find_program_in_path("stdbuf");

	if (stdbuf != NULL) {
		/* tpsd flushes its own lines; line-buffered stdio keeps its logs in order too */
		g_ptr_array_add(argv, g_strdup(stdbuf));
		g_ptr_array_add(argv, g_strdup("-oL"));
		g_ptr_array_add(argv, g_strdup("-eL"));
	}
	g_ptr_array_add(argv, g_strdup(program));
	if (config != NULL) {
		g_autofree gchar *path = g_build_filename(tpsd->state_dir, "tpsd.conf", NULL);

		if (g_mkdir_with_parents(tpsd->state_dir, 0700) != 0) {
			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot create tpsd's state directory %s: %s",
				    tpsd->state_dir, g_strerror(errno));
			return FALSE;
		}
		if (!g_file_set_contents(path, config, -1, error))
			return FALSE;
		g_ptr_array_add(argv, g_strdup("--config"));
		g_ptr_array_add(argv, g_steal_pointer(&path));
	}
	g_ptr_array_add(argv, g_strdup("--state-dir"));
	g_ptr_array_add(argv, g_strdup(tpsd->state_dir));
	g_ptr_array_add(argv, g_strdup("--port"));
	g_ptr_array_add(argv, g_strdup("0"));
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_child_setup(launcher, th_tpsd_child_setup, NULL, NULL);
	tpsd->process = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, error);
	if (tpsd->process == NULL) {
		g_prefix_error(error, "cannot start tpsd (%s): ", program);
		return FALSE;
	}
	tpsd->reader = g_thread_new("tpsd-output", th_tpsd_reader_thread, tpsd);
	return TRUE;
}

ThTpsd *
th_tpsd_start(const gchar *program, const gchar *state_dir, const gchar *config, GError **error)
{
	g_autoptr(ThTpsd) tpsd = NULL;
	g_autofree gchar *listening = NULL;
	g_autofree gchar *demo = NULL;

	g_return_val_if_fail(program != NULL && state_dir != NULL, NULL);
	tpsd = g_new0(ThTpsd, 1);
	g_mutex_init(&tpsd->lock);
	g_cond_init(&tpsd->cond);
	tpsd->output = g_ptr_array_new_with_free_func(g_free);
	tpsd->state_dir = g_strdup(state_dir);
	if (!th_tpsd_spawn(tpsd, program, config, error))
		return NULL;
	listening = th_tpsd_wait_line(tpsd, "listening on https://", TH_TPSD_START_TIMEOUT_S);
	if (listening == NULL) {
		g_autofree gchar *out = th_tpsd_get_output(tpsd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "tpsd did not start listening within %d s:\n%s",
			    TH_TPSD_START_TIMEOUT_S, out);
		return NULL;
	}
	tpsd->port = th_tpsd_parse_port(listening);
	if (tpsd->port == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no port in tpsd's line \"%s\"", listening);
		return NULL;
	}
	/* printed once, when tpsd creates a fresh state directory */
	demo = th_tpsd_wait_line(tpsd, "created the demo user \"demo\"", 5);
	if (demo != NULL)
		tpsd->password = th_tpsd_quoted_after(demo, "with the password \"");
	if (tpsd->password == NULL) {
		g_autofree gchar *out = th_tpsd_get_output(tpsd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "tpsd printed no demo user \"demo\" with its password:\n%s", out);
		return NULL;
	}
	tpsd->trust_file = g_build_filename(tpsd->state_dir, "tls", "server.crt", NULL);
	if (!g_file_test(tpsd->trust_file, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "tpsd's TLS certificate %s does not exist", tpsd->trust_file);
		return NULL;
	}
	return g_steal_pointer(&tpsd);
}

gboolean
th_tpsd_stop(ThTpsd *tpsd, GError **error)
{
	gint64 end = g_get_monotonic_time() + TH_TPSD_STOP_TIMEOUT_S * G_TIME_SPAN_SECOND;
	g_autoptr(GSubprocess) process = NULL;
	gboolean eof;

	if (tpsd->process == NULL)
		return TRUE;
	process = g_steal_pointer(&tpsd->process);
	g_subprocess_send_signal(process, SIGTERM);
	/* its output closes when it exits */
	g_mutex_lock(&tpsd->lock);
	while (!tpsd->eof && g_cond_wait_until(&tpsd->cond, &tpsd->lock, end))
		;
	eof = tpsd->eof;
	g_mutex_unlock(&tpsd->lock);
	if (!eof)
		g_subprocess_force_exit(process);
	g_subprocess_wait(process, NULL, NULL);
	g_thread_join(g_steal_pointer(&tpsd->reader));
	if (!eof) {
		g_autofree gchar *out = th_tpsd_get_output(tpsd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "tpsd ignored SIGTERM for %d s and was killed:\n%s",
			    TH_TPSD_STOP_TIMEOUT_S, out);
		return FALSE;
	}
	if (!g_subprocess_get_if_exited(process) || g_subprocess_get_exit_status(process) != 0) {
		g_autofree gchar *out = th_tpsd_get_output(tpsd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "tpsd did not exit cleanly (wait status %d):\n%s",
			    g_subprocess_get_status(process), out);
		return FALSE;
	}
	return TRUE;
}

void
th_tpsd_free(ThTpsd *tpsd)
{
	if (tpsd == NULL)
		return;
	if (tpsd->process != NULL) {
		g_autoptr(GError) ignored = NULL;
		th_tpsd_stop(tpsd, &ignored);
	}
	g_free(tpsd->state_dir);
	g_free(tpsd->trust_file);
	if (tpsd->password != NULL)
		memset(tpsd->password, 0, strlen(tpsd->password));
	g_free(tpsd->password);
	g_ptr_array_unref(tpsd->output);
	g_mutex_clear(&tpsd->lock);
	g_cond_clear(&tpsd->cond);
	g_free(tpsd);
}

guint16
th_tpsd_get_port(ThTpsd *tpsd)
{
	return tpsd->port;
}

const gchar *
th_tpsd_get_state_dir(ThTpsd *tpsd)
{
	return tpsd->state_dir;
}

const gchar *
th_tpsd_get_trust_file(ThTpsd *tpsd)
{
	return tpsd->trust_file;
}

const gchar *
th_tpsd_get_password(ThTpsd *tpsd)
{
	return tpsd->password;
}

gboolean
th_tpsd_is_alive(ThTpsd *tpsd)
{
	gboolean eof;

	if (tpsd->process == NULL)
		return FALSE;
	g_mutex_lock(&tpsd->lock);
	eof = tpsd->eof;
	g_mutex_unlock(&tpsd->lock);
	/* the identifier is the PID until the process has been reaped */
	return !eof && g_subprocess_get_identifier(tpsd->process) != NULL;
}
