/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Support for the end-to-end tests of the client (and the relay benchmark): tpsd on its
 * embedded defaults in a fresh state directory on loopback HTTPS (the default token policy
 * allows PIN reset), a private pcscd + vpcd with esc-vcard cards (tests/harness), escctl run
 * as a child process against them, its --json output parsed with json-glib, and OpenSC's
 * pkcs11-tool signing with the card.
 *
 * Programs: $ESCCTL (escctl), $TPS_TEST_TPSD (tpsd), $TH_ESC_VCARD (esc-vcard), set by meson.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "th-pcsc.h"
#include "th-pkcs11.h"
#include "th-tpsd.h"

G_BEGIN_DECLS

#define ECT_ESCCTL_TIMEOUT_MS	 300000 /* one escctl run (an ENROLL generates two RSA keys) */
#define ECT_PKCS11_TIMEOUT_MS	 120000
#define ECT_TPSD_CONFIG                                                                            \
	"[tokendb]\n"                                                                              \
	"default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;RESET_PIN_RESET_TO_NO=NO\n"

typedef struct {
	ThPcsc *pcsc;	   /* NULL when the test is skipped */
	gchar *dir;	   /* scratch directory of the test (tpsd state under it) */
	ThTpsd *tpsd;	   /* NULL when the test runs without tpsd */
	guint16 port;
	gchar *state_dir;
	gchar *trust_file;    /* tpsd's TLS certificate (PEM) */
	gchar *password;      /* the demo user's */
	gchar *password_file; /* holding it */
	gchar *url;	      /* https://localhost:PORT/tps/tps */
	gchar *phone_home;    /* https://localhost:PORT/tps/phoneHome */
	gboolean quiet;	      /* log escctl runs only when they fail */
	const gchar *tpsd_extra_config; /* more [tokendb] lines for tpsd, or NULL */
	const gchar *tty;		/* escctl's controlling terminal (a pty slave), or none */
} EctFixture;

/* The skip checks (tpsd, escctl, esc-vcard, PC/SC harness, TLS backend) and the scratch
 * directory; with @with_tpsd also tpsd. pcscd is started in all cases. Returns FALSE (the
 * test skipped or failed) when the test cannot go on. */
gboolean
ect_fixture_init(EctFixture *f, gboolean with_tpsd);
void
ect_fixture_clear(EctFixture *f);
/* Fixture setup/teardown for g_test_add: with tpsd (@data unused). */
void
ect_setup_with_tpsd(EctFixture *f, gconstpointer data);
void
ect_setup_without_tpsd(EctFixture *f, gconstpointer data);
void
ect_teardown(EctFixture *f, gconstpointer data);
/* tpsd's output so far, indented (for failure messages). */
gchar *
ect_tpsd_output(EctFixture *f) G_GNUC_WARN_UNUSED_RESULT;
void
ect_assert_tpsd_alive(EctFixture *f);
/* A path in the test's scratch directory. */
gchar *
ect_path(EctFixture *f, const gchar *name) G_GNUC_WARN_UNUSED_RESULT;
/* Writes @text to ect_path(@name) and returns that path. */
gchar *
ect_write_file(EctFixture *f, const gchar *name, const gchar *text) G_GNUC_WARN_UNUSED_RESULT;
/* 20 random hex digits. */
gchar *
ect_random_cuid(void) G_GNUC_WARN_UNUSED_RESULT;

/* esc-vcard in @slot with its state in ect_path("card-<tag>.state") and an APDU trace in
 * ect_path("card-<tag>.log") (with --log-data when @log_data), plus the NULL-terminated
 * extra options. Waits for the card. */
ThPcscCard *
ect_plug_card(EctFixture *f, guint slot, const gchar *tag, gboolean log_data, ...) G_GNUC_NULL_TERMINATED;

/* ---- escctl ------------------------------------------------------------------------- */

typedef struct _EctRun EctRun;

/* Starts escctl with the NULL-terminated arguments, the pcscd instance's environment, @stdin
 * text (NULL: /dev/null) and stdout / stderr captured. */
EctRun *
ect_escctl_start(EctFixture *f, const gchar *stdin_text, ...) G_GNUC_NULL_TERMINATED G_GNUC_WARN_UNUSED_RESULT;
EctRun *
ect_escctl_startv(EctFixture *f, const gchar *stdin_text, const gchar *const *args) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE once it has exited (iterates nothing). */
gboolean
ect_run_is_done(EctRun *run);
GSubprocess *
ect_run_get_subprocess(EctRun *run);
/* Iterates the main context until it exited (killed after ECT_ESCCTL_TIMEOUT_MS), logs the
 * command and its output with g_test_message, frees @run and returns the exit status (128 +
 * signal if killed). @out / @err may be NULL. */
gint
ect_run_wait(EctRun *run, gchar **out, gchar **err);
/* ect_escctl_start() + ect_run_wait(). */
gint
ect_escctl(EctFixture *f, const gchar *stdin_text, gchar **out, gchar **err, ...) G_GNUC_NULL_TERMINATED;

/* Parses @text as one JSON object (asserts it is). */
JsonObject *
ect_parse_json(const gchar *text) G_GNUC_WARN_UNUSED_RESULT;
/* @member of @o as a string, NULL when there is none. */
const gchar *
ect_json_string(JsonObject *o, const gchar *member);
/* @out is the JSON object of a failed run: success false, exit-code @exit_code, and an error
 * object with kind @kind, the same exit-code and a message. */
void
ect_assert_json_error(const gchar *out, const gchar *kind, gint exit_code);

/* ---- OpenSC ------------------------------------------------------------------------- */

/* pkcs11-tool: th_pkcs11_check_available() and th_pkcs11_tool(f->pcsc, ECT_PKCS11_TIMEOUT_MS,
 * ...) of tests/harness/th-pkcs11.h. */
/* Signs a message with key ID 01 after logging in with @pin (CKM_RSA_PKCS over a SHA-256
 * DigestInfo); the signature in *@signature. FALSE when pkcs11-tool failed (e.g. wrong PIN). */
gboolean
ect_pkcs11_sign(EctFixture *f, const gchar *pin, GBytes *message, GBytes **signature);
/* TRUE if @signature over @message verifies (RSA PKCS#1 v1.5, SHA-256) with the certificate in
 * @pem. */
gboolean
ect_verify_with_pem(const gchar *pem, GBytes *message, GBytes *signature);

G_END_DECLS
