/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ThPcsc: a private pcscd + vpcd for one test, and virtual cards plugged into it
 * (test-infra.md part A, "recipe for CI").
 *
 * th_pcsc_new() starts `pcscd --foreground` inside a new mount + network namespace
 * (`unshare --mount --net`): DIR/run is bound over /run there, so the daemon's socket is
 * DIR/run/pcscd/pcscd.comm, and vpcd listens on the namespace's own loopback, where the
 * quickack route removes the 40 ms delayed-ACK stall of Debian's vpcd. Cards are vpcd
 * clients started inside that network namespace (`nsenter --target <pcscd> --net`), slot N
 * on port TH_PCSC_PORT + N (reader "Virtual PCD 00 0N").
 *
 * PC/SC clients of this process: libpcsclite reads PCSCLITE_CSOCK_NAME once and caches it, so
 * the harness points it at a per-process symbolic link and re-targets that link
 * (th_pcsc_activate()) at the instance the next SCardEstablishContext() should reach. A
 * context keeps talking to the daemon it was established with, so one process can hold
 * contexts to several instances at once. Child processes (opensc-tool, pkcs11-tool) get the
 * instance's own socket through th_pcsc_get_environ() / th_pcsc_run().
 *
 * Every wait has a timeout, and a daemon or card that died is reported with its exit status
 * and the last lines of its log instead of a hang. th_pcsc_free() always kills and reaps the
 * cards and pcscd and removes the directory; the children also get SIGKILL if the test
 * process dies (PR_SET_PDEATHSIG), so an aborted test leaves no daemons behind.
 *
 * Needs root (CAP_SYS_ADMIN for the namespaces), pcscd, vsmartcard-vpcd (libifdvpcd.so),
 * util-linux (unshare, nsenter) and iproute2: th_pcsc_check_available() says what is missing,
 * and the fixture helpers skip the test then. Not thread-safe: use an instance from the thread
 * that created it.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TH_PCSC_ERROR (th_pcsc_error_quark())
typedef enum {
	TH_PCSC_ERROR_UNAVAILABLE, /* a tool or a privilege is missing: skip, do not fail */
	TH_PCSC_ERROR_FAILED,	   /* could not set something up */
	TH_PCSC_ERROR_DIED,	   /* pcscd or a card exited */
	TH_PCSC_ERROR_TIMEOUT,	   /* a wait ran out of time */
} ThPcscError;

/* PC/SC failures: the GError code is the PC/SC return value (a LONG such as
 * SCARD_E_NO_SMARTCARD), cast to gint. */
#define TH_SCARD_ERROR (th_scard_error_quark())
/* The GError code of a PC/SC return value. */
#define TH_SCARD_CODE(rv) ((gint)(guint32)(rv))

GQuark
th_pcsc_error_quark(void);
GQuark
th_scard_error_quark(void);
/* Sets @error in TH_SCARD_ERROR from a PC/SC return value, with @what as context. */
void
th_scard_set_error(GError **error, glong rv, const gchar *what);

#define TH_PCSC_PORT		 35963 /* vpcd's port inside each private namespace */
#define TH_PCSC_SLOTS		 2     /* VPCDSLOTS of Debian's vpcd */
#define TH_PCSC_START_TIMEOUT_MS 10000
#define TH_PCSC_CARD_TIMEOUT_MS	 10000
#define TH_PCSC_STOP_TIMEOUT_MS	 5000
#define TH_PCSC_OPENSC_PKCS11	 "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
#define TH_PCSC_COOLKEY_PKCS11	 "/usr/lib/pkcs11/libcoolkeypk11.so"
#define TH_PCSC_VPCD_DRIVER	 "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

typedef struct _ThPcsc ThPcsc;
typedef struct _ThPcscCard ThPcscCard;

/* FALSE (TH_PCSC_ERROR_UNAVAILABLE, saying what is missing) when this process cannot run a
 * private pcscd: not root, no namespaces, or pcscd / vpcd / unshare / nsenter / ip missing. */
gboolean
th_pcsc_check_available(GError **error);
/* The esc-vcard program: $TH_ESC_VCARD if that is an executable file, else NULL. */
const gchar *
th_pcsc_card_program(void);

/* Starts pcscd in a fresh directory under @parent_dir (NULL: g_get_tmp_dir()), waits for its
 * socket and activates the instance (th_pcsc_activate()). Extra pcscd flags can be given in
 * $TH_PCSC_PCSCD_FLAGS (e.g. "-a -d" to log APDUs into DIR/pcscd.log). */
ThPcsc *
th_pcsc_new(const gchar *parent_dir, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Stops every card and pcscd (SIGTERM, then SIGKILL after TH_PCSC_STOP_TIMEOUT_MS), reaps
 * them and removes the directory (kept when $TH_PCSC_KEEP is set). NULL is fine. */
void
th_pcsc_free(ThPcsc *self);

const gchar *
th_pcsc_get_dir(ThPcsc *self);
/* DIR/run/pcscd/pcscd.comm */
const gchar *
th_pcsc_get_socket(ThPcsc *self);
/* "Virtual PCD 00 0N" */
gchar *
th_pcsc_get_reader_name(ThPcsc *self, guint slot) G_GNUC_WARN_UNUSED_RESULT;
/* pcscd's PID, 0 once it has exited. */
GPid
th_pcsc_get_pid(ThPcsc *self);
/* Makes the next SCardEstablishContext() of this process reach this instance. */
gboolean
th_pcsc_activate(ThPcsc *self, GError **error);
/* This process's environment with PCSCLITE_CSOCK_NAME set to this instance's socket. */
gchar **
th_pcsc_get_environ(ThPcsc *self) G_GNUC_WARN_UNUSED_RESULT;

/* Starts @argv (argv[0] a path or a program on PATH) in the namespace as the card in @slot,
 * with "--port <TH_PCSC_PORT + slot>" appended; its stdout and stderr go to
 * DIR/card-<slot>.log. The card is owned by @self. Fails if the slot has a running card. */
ThPcscCard *
th_pcsc_start_card(ThPcsc *self, guint slot, const gchar *const *argv, GError **error);
/* Waits until the reader of @slot reports a card (@present) or no card (!@present), with
 * SCardGetStatusChange; fails early if pcscd or the slot's card died (for @present). */
gboolean
th_pcsc_wait_card(ThPcsc *self, guint slot, gboolean present, guint timeout_ms, GError **error);
/* th_pcsc_start_card() + th_pcsc_wait_card(present, TH_PCSC_CARD_TIMEOUT_MS). */
ThPcscCard *
th_pcsc_plug_card(ThPcsc *self, guint slot, const gchar *const *argv, GError **error);
/* th_pcsc_plug_card() of esc-vcard (th_pcsc_card_program()) with the NULL-terminated
 * options that follow @error, e.g. (self, 0, &error, "--scp", "3", NULL). */
ThPcscCard *
th_pcsc_plug_vcard(ThPcsc *self, guint slot, GError **error, ...) G_GNUC_NULL_TERMINATED;
/* SIGTERM, reap (SIGKILL after the timeout), then wait for the reader to be empty. */
gboolean
th_pcsc_stop_card(ThPcsc *self, ThPcscCard *card, GError **error);
/* Sends @signum (e.g. SIGKILL) to the card or to pcscd and reaps it; no reader wait. */
gboolean
th_pcsc_card_kill(ThPcscCard *card, gint signum, GError **error);
gboolean
th_pcsc_kill_pcscd(ThPcsc *self, gint signum, GError **error);
/* TH_PCSC_ERROR_DIED if pcscd or any started card is no longer running (a card stopped with
 * th_pcsc_stop_card(), or replaced by a new card in its slot, does not count), with exit
 * status and log tail. */
gboolean
th_pcsc_check_alive(ThPcsc *self, GError **error);

/* The card in @slot, or NULL. */
ThPcscCard *
th_pcsc_get_card(ThPcsc *self, guint slot);
guint
th_pcsc_card_get_slot(ThPcscCard *card);
const gchar *
th_pcsc_card_get_log_path(ThPcscCard *card);
gboolean
th_pcsc_card_is_running(ThPcscCard *card);
/* The card's PID (nsenter execs it), 0 once it has exited. */
GPid
th_pcsc_card_get_pid(ThPcscCard *card);
/* TH_PCSC_ERROR_DIED with the exit status and log tail if the card is not running. */
gboolean
th_pcsc_card_check_alive(ThPcscCard *card, GError **error);

/* Runs @argv with this instance's environment, stdin from /dev/null, and collects its output;
 * kills it after @timeout_ms (TH_PCSC_ERROR_TIMEOUT). @exit_status: the exit code, or
 * 128 + signal. Output pointers may be NULL. */
gboolean
th_pcsc_run(ThPcsc *self,
	    const gchar *const *argv,
	    guint timeout_ms,
	    gint *exit_status,
	    gchar **stdout_text,
	    gchar **stderr_text,
	    GError **error);

/* The last @n_lines lines of a text file ("" if missing): for failure messages. */
gchar *
th_pcsc_log_tail(const gchar *path, guint n_lines) G_GNUC_WARN_UNUSED_RESULT;

/* ---- g_test fixture -------------------------------------------------------------------- */

typedef struct {
	ThPcsc *pcsc; /* NULL when the test was skipped */
} ThPcscFixture;

/* Skips the test (g_test_skip, with the reason) if the harness or esc-vcard is unavailable,
 * else starts pcscd (a failure to start is a test failure, not an abort). Use with
 * th_pcsc_fixture_teardown(); test functions return early when fixture->pcsc is NULL. */
void
th_pcsc_fixture_setup(ThPcscFixture *fixture, gconstpointer user_data);
void
th_pcsc_fixture_teardown(ThPcscFixture *fixture, gconstpointer user_data);
/* g_test_add() with that fixture; @fn is void fn(ThPcscFixture *, gconstpointer). */
#define TH_PCSC_TEST_ADD(path, data, fn)                                                           \
	g_test_add((path),                                                                         \
		   ThPcscFixture,                                                                  \
		   (data),                                                                         \
		   th_pcsc_fixture_setup,                                                          \
		   (fn),                                                                           \
		   th_pcsc_fixture_teardown)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ThPcsc, th_pcsc_free)

G_END_DECLS
