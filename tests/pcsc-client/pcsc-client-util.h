/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers of the libesc-core PC/SC tests: iterate the main context until a condition holds
 * (with a deadline, no sleeping), record EscReaderMonitor signals as text, and read a
 * thread's state and CPU time, or count a process's threads by name, from /proc.
 */
#pragma once

#include <gio/gio.h>

#include "esc-reader-monitor.h"
#include "tok-bytes.h"

#define PCSC_CLIENT_WAIT_MS 15000

typedef gboolean (*PcscClientCond)(gpointer data);

static inline gboolean
pcsc_client_fire(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

/* Iterates the thread-default main context until @cond(@data) or @timeout_ms passed. */
static inline gboolean
pcsc_client_wait(PcscClientCond cond, gpointer data, guint timeout_ms)
{
	gboolean fired = FALSE;
	guint id = g_timeout_add(timeout_ms, pcsc_client_fire, &fired);

	while (!cond(data) && !fired)
		g_main_context_iteration(NULL, TRUE);
	if (!fired)
		g_source_remove(id);
	return cond(data);
}

/* A condition for pcsc_client_wait(): the gboolean at @data (a callback's "done") is TRUE. */
static inline gboolean
pcsc_client_is_set(gpointer data)
{
	return *(gboolean *)data;
}

/* Iterates the thread-default main context until *@flag or @timeout_ms passed. */
static inline gboolean
pcsc_client_wait_flag(gboolean *flag, guint timeout_ms)
{
	return pcsc_client_wait(pcsc_client_is_set, flag, timeout_ms);
}

/* Runs the main context for @ms. */
static inline void
pcsc_client_run_for(guint ms)
{
	gboolean fired = FALSE;

	g_timeout_add(ms, pcsc_client_fire, &fired);
	while (!fired)
		g_main_context_iteration(NULL, TRUE);
}

/* ---- monitor events as text ---------------------------------------------------------------- */

typedef struct {
	GPtrArray *events; /* "reader-added:NAME", "card-inserted:NAME:ATR", "card-removed:NAME",
			      "reader-removed:NAME", "service:0|1" */
	GThread *thread;   /* where signals must arrive */
	gchar *wanted;	   /* for pcsc_client_wait_event() */
} PcscClientEvents;

static inline void
pcsc_client_events_add(PcscClientEvents *ev, gchar *text)
{
	g_assert_true(g_thread_self() == ev->thread);
	g_test_message("event %s", text);
	g_ptr_array_add(ev->events, text);
}

static inline void
pcsc_client_on_reader_added(EscReaderMonitor *m, const gchar *reader, gpointer data)
{
	pcsc_client_events_add(data, g_strdup_printf("reader-added:%s", reader));
}

static inline void
pcsc_client_on_reader_removed(EscReaderMonitor *m, const gchar *reader, gpointer data)
{
	pcsc_client_events_add(data, g_strdup_printf("reader-removed:%s", reader));
}

static inline void
pcsc_client_on_card_inserted(EscReaderMonitor *m, const gchar *reader, GBytes *atr, gpointer data)
{
	g_autofree gchar *hex = tok_hex_encode_bytes(atr, TRUE);
	pcsc_client_events_add(data, g_strdup_printf("card-inserted:%s:%s", reader, hex));
}

static inline void
pcsc_client_on_card_removed(EscReaderMonitor *m, const gchar *reader, gpointer data)
{
	pcsc_client_events_add(data, g_strdup_printf("card-removed:%s", reader));
}

static inline void
pcsc_client_on_service_changed(EscReaderMonitor *m, gboolean available, gpointer data)
{
	pcsc_client_events_add(data, g_strdup_printf("service:%d", available ? 1 : 0));
}

static inline PcscClientEvents *
pcsc_client_events_new(EscReaderMonitor *monitor)
{
	PcscClientEvents *ev = g_new0(PcscClientEvents, 1);

	ev->events = g_ptr_array_new_with_free_func(g_free);
	ev->thread = g_thread_self();
	g_signal_connect(monitor, "reader-added", G_CALLBACK(pcsc_client_on_reader_added), ev);
	g_signal_connect(monitor, "reader-removed", G_CALLBACK(pcsc_client_on_reader_removed), ev);
	g_signal_connect(monitor, "card-inserted", G_CALLBACK(pcsc_client_on_card_inserted), ev);
	g_signal_connect(monitor, "card-removed", G_CALLBACK(pcsc_client_on_card_removed), ev);
	g_signal_connect(monitor, "service-changed", G_CALLBACK(pcsc_client_on_service_changed), ev);
	return ev;
}

static inline void
pcsc_client_events_free(PcscClientEvents *ev)
{
	g_ptr_array_unref(ev->events);
	g_free(ev->wanted);
	g_free(ev);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PcscClientEvents, pcsc_client_events_free)

static inline gint
pcsc_client_events_index(PcscClientEvents *ev, const gchar *text)
{
	for (guint i = 0; i < ev->events->len; i++) {
		if (g_strcmp0(g_ptr_array_index(ev->events, i), text) == 0)
			return (gint)i;
	}
	return -1;
}

static inline gboolean
pcsc_client_events_has_wanted(gpointer data)
{
	PcscClientEvents *ev = data;
	return pcsc_client_events_index(ev, ev->wanted) >= 0;
}

/* Waits until @text was recorded; its index. */
static inline gint
pcsc_client_wait_event(PcscClientEvents *ev, const gchar *text)
{
	g_free(ev->wanted);
	ev->wanted = g_strdup(text);
	if (!pcsc_client_wait(pcsc_client_events_has_wanted, ev, PCSC_CLIENT_WAIT_MS)) {
		g_autofree gchar *all = NULL;
		g_ptr_array_add(ev->events, NULL);
		all = g_strjoinv(", ", (gchar **)ev->events->pdata);
		g_ptr_array_remove_index(ev->events, ev->events->len - 1);
		g_error("no event “%s” within %u ms; got: %s", text, PCSC_CLIENT_WAIT_MS, all);
	}
	return pcsc_client_events_index(ev, text);
}

/* ---- /proc ------------------------------------------------------------------------------- */

/* The state letter and utime+stime (clock ticks) of this process's thread named @name. */
static inline gboolean
pcsc_client_thread_stat(const gchar *name, gchar *state, guint64 *ticks)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
	const gchar *tid;

	if (dir == NULL)
		return FALSE;
	while ((tid = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *comm_path = g_build_filename("/proc/self/task", tid, "comm", NULL);
		g_autofree gchar *stat_path = g_build_filename("/proc/self/task", tid, "stat", NULL);
		g_autofree gchar *comm = NULL;
		g_autofree gchar *stat = NULL;
		g_auto(GStrv) fields = NULL;
		const gchar *after;

		if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
			continue;
		g_strchomp(comm);
		if (g_strcmp0(comm, name) != 0)
			continue;
		if (!g_file_get_contents(stat_path, &stat, NULL, NULL))
			return FALSE;
		/* "tid (comm) S ppid ...": fields after the closing parenthesis */
		after = strrchr(stat, ')');
		if (after == NULL)
			return FALSE;
		fields = g_strsplit(after + 2, " ", -1);
		if (g_strv_length(fields) < 13)
			return FALSE;
		*state = fields[0][0];
		/* utime and stime are fields 14 and 15 of stat: 11 and 12 after the state */
		*ticks = g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10);
		return TRUE;
	}
	return FALSE;
}

/* How many threads of this process are named @name (/proc/self/task/N/comm). */
static inline guint
pcsc_client_count_threads(const gchar *name)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
	const gchar *tid;
	guint n = 0;

	g_assert_nonnull(dir);
	while ((tid = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *comm_path = g_build_filename("/proc/self/task", tid, "comm", NULL);
		g_autofree gchar *comm = NULL;

		/* a thread that ended since the listing has no comm any more */
		if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
			continue;
		g_strchomp(comm);
		if (g_strcmp0(comm, name) == 0)
			n++;
	}
	return n;
}
