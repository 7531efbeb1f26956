/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal helpers shared by th-pcsc.c and th-pcsc-util.c. */
#pragma once

#include "th-pcsc.h"
#include "th-util.h"

G_BEGIN_DECLS

#define TH_PCSC_POLL_US	      (10 * 1000)
#define TH_PCSC_STATUS_CHUNK  250 /* ms per SCardGetStatusChange, between liveness checks */
#define TH_PCSC_LOG_LINES     12
#define TH_PCSC_DIR_PREFIX    "th-pcsc-"
#define TH_PCSC_LINK_PREFIX   "th-pcsc-link-"
#define TH_PCSC_SOCKET_SUFFIX "run/pcscd/pcscd.comm"

/* Spawns @argv with PR_SET_PDEATHSIG(SIGKILL); @log_path: stdout goes there (appended when
 * @append), else as @flags say; @envp NULL: this process's environment. */
GSubprocess *
th_pcsc_spawn(const gchar *const *argv,
	      const gchar *log_path,
	      gboolean append,
	      gchar **envp,
	      GSubprocessFlags flags,
	      GError **error);
gboolean
th_proc_running(GSubprocess *proc);
GPid
th_proc_pid(GSubprocess *proc);
/* TRUE if @proc exited within @timeout_ms (its status is then known). */
gboolean
th_proc_wait(GSubprocess *proc, guint timeout_ms);
/* @signum, then SIGKILL after TH_PCSC_STOP_TIMEOUT_MS; always reaps. NULL is fine. */
void
th_proc_stop(GSubprocess *proc, gint signum);
gchar *
th_proc_describe_exit(GSubprocess *proc);
/* The exit code, or 128 + signal. */
gint
th_proc_status_code(GSubprocess *proc);
/* TH_PCSC_ERROR_DIED: "<who> exited with status N; last lines of <log>: ..." */
void
th_pcsc_set_died(GError **error, const gchar *who, GSubprocess *proc, const gchar *log_path);
/* Points PCSCLITE_CSOCK_NAME at this process's harness link (done early: setenv is best
 * called before GLib starts its worker threads). */
void
th_pcsc_prepare_environ(void);
/* Removes th-pcsc-* directories of test processes that no longer exist. */
void
th_pcsc_sweep_stale(const gchar *parent);

G_END_DECLS
