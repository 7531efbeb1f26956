/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ThTpsd: tpsd started for one test, on loopback HTTPS on a port of its choosing (--port 0),
 * in a state directory the test provides. th_tpsd_start() waits for its
 * "tpsd: listening on https://HOST:PORT/tps/tps" line and for the demo user it creates on a
 * fresh state directory, and reads the port, the demo password and the TLS certificate's
 * path (STATE/tls/server.crt) from there. A reader thread collects everything tpsd prints
 * (stdout + stderr) for failure messages. The child gets SIGKILL if the test process dies
 * (PR_SET_PDEATHSIG). Use an instance from one thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TH_TPSD_START_TIMEOUT_S 120 /* until "listening on" (the first start makes keys) */
#define TH_TPSD_STOP_TIMEOUT_S	20  /* from SIGTERM until it is killed */

typedef struct _ThTpsd ThTpsd;

/* Starts tpsd (@program) with --state-dir @state_dir --port 0 and, when @config is not NULL,
 * --config STATE/tpsd.conf holding @config. Fails (G_IO_ERROR) when tpsd cannot be started,
 * exits or says nothing of listening within TH_TPSD_START_TIMEOUT_S (the message then holds
 * its output), or when the demo user, password or certificate is missing. */
ThTpsd *
th_tpsd_start(const gchar *program, const gchar *state_dir, const gchar *config, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* SIGTERM, then SIGKILL after TH_TPSD_STOP_TIMEOUT_S; reaps it. FALSE with @error when it
 * had to be killed or did not exit with status 0 (the message holds its output). Does
 * nothing when it is already stopped. */
gboolean
th_tpsd_stop(ThTpsd *tpsd, GError **error);
/* Stops it (quietly) if still running, wipes the password and frees. The state directory
 * is left to the caller. */
void
th_tpsd_free(ThTpsd *tpsd);

guint16
th_tpsd_get_port(ThTpsd *tpsd);
const gchar *
th_tpsd_get_state_dir(ThTpsd *tpsd);
/* STATE/tls/server.crt: the PEM certificate to trust (it names localhost and 127.0.0.1). */
const gchar *
th_tpsd_get_trust_file(ThTpsd *tpsd);
/* The demo user's password, printed once by tpsd when it created the user. */
const gchar *
th_tpsd_get_password(ThTpsd *tpsd);
/* Everything tpsd printed so far, each line indented by two spaces. */
gchar *
th_tpsd_get_output(ThTpsd *tpsd) G_GNUC_WARN_UNUSED_RESULT;
/* The first line tpsd printed that contains @needle (a copy), waiting up to @timeout_s
 * seconds for it; NULL when tpsd closed its output or the time ran out. */
gchar *
th_tpsd_wait_line(ThTpsd *tpsd, const gchar *needle, guint timeout_s) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE while tpsd runs (its output is open and it has not been reaped). */
gboolean
th_tpsd_is_alive(ThTpsd *tpsd);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ThTpsd, th_tpsd_free)

G_END_DECLS
