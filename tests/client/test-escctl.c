/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * escctl end to end, on the real path: a private pcscd + vpcd with esc-vcard cards, tpsd on
 * loopback HTTPS with its embedded defaults (plus PIN reset allowed), escctl as a child
 * process (tests/client/escctl-test.h).
 *
 *  - FORMAT (--server), ENROLL (phone home: the issuer URL FORMAT wrote on the card), PIN RESET;
 *    `escctl certs` lists the two certificates; OpenSC's pkcs11-tool signs with the card and
 *    the signature verifies with the signing certificate escctl printed; after PIN RESET only
 *    the new PIN works; --json of list, info, certs and the operations parsed and checked;
 *  - a wrong password: exit 6, "… the user name or password is wrong … (code 14)";
 *  - a CA file of another CA: exit 5, "not trusted";
 *  - the card pulled mid-ENROLL (when it starts generating a key): exit 4, "removed"; the
 *    card plugged again (same state) enrolls;
 *  - Ctrl-C mid-ENROLL: exit 8 "Cancelled"; the next ENROLL works;
 *  - everything asked on a terminal (a pty): the server's login form, the password without
 *    echo, the new PIN checked and asked twice; the terminal echoes again afterwards.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "escctl-test.h"
#include "pcsc-ca.h"

#define FIRST_PIN  "123456"
#define SECOND_PIN "654321"
#define CUT_TIMEOUT_S 120

/* ---- FORMAT, ENROLL, PIN RESET -------------------------------------------------------- */

static void
test_lifecycle(EctFixture *f, gconstpointer data)
{
	g_autofree gchar *cuid = ect_random_cuid();
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *stdin_text = NULL;
	g_autofree gchar *pin_file = NULL;
	g_autoptr(JsonObject) o = NULL;
	g_autoptr(GBytes) message = g_bytes_new_static("escctl enrolled this key", 24);
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(GBytes) bad_signature = NULL;
	JsonArray *readers;
	JsonArray *certs;
	JsonObject *r0;
	JsonObject *issuer;
	guint verified = 0;

	if (f->pcsc == NULL || !th_pkcs11_check_available())
		return;
	ect_plug_card(f, 0, "main", FALSE, "--cuid", cuid, NULL);

	/* list: the formatted card in slot 0, nothing in slot 1 */
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "list", NULL), ==, 0);
	o = ect_parse_json(out);
	g_assert_cmpstr(ect_json_string(o, "command"), ==, "list");
	g_assert_true(json_object_get_boolean_member(o, "success"));
	readers = json_object_get_array_member(o, "readers");
	g_assert_cmpuint(json_array_get_length(readers), ==, 2);
	r0 = json_array_get_object_element(readers, 0);
	g_assert_cmpstr(ect_json_string(r0, "reader"), ==, "Virtual PCD 00 00");
	g_assert_true(json_object_get_boolean_member(r0, "card-present"));
	g_assert_cmpstr(ect_json_string(r0, "cuid"), ==, cuid);
	g_assert_cmpstr(ect_json_string(r0, "atr"), ==, "3B80800101");
	g_assert_false(json_object_get_boolean_member(json_array_get_object_element(readers, 1), "card-present"));
	g_clear_pointer(&o, json_object_unref);
	g_clear_pointer(&out, g_free);

	/* the same in words */
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "list", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "Virtual PCD 00 00: "));
	g_assert_nonnull(strstr(out, cuid));
	g_assert_nonnull(strstr(out, "Virtual PCD 00 01: no card"));
	g_clear_pointer(&out, g_free);

	/* FORMAT with --server; the progress comes on stderr */
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "format", "--server", f->url, "--ca-file", f->trust_file, "--user", "demo",
				   "--password-file", f->password_file, NULL),
			==, 0);
	g_assert_nonnull(strstr(out, "is formatted"));
	g_assert_nonnull(strstr(err, "Progress: 100%"));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	/* info: FORMAT wrote the phone-home URL, which names this TPS */
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "info", "--ca-file", f->trust_file, NULL), ==, 0);
	o = ect_parse_json(out);
	g_assert_cmpstr(ect_json_string(o, "status"), ==, "formatted");
	g_assert_cmpstr(ect_json_string(o, "issuer-url"), ==, f->phone_home);
	g_assert_cmpint(json_object_get_int_member(o, "certificate-count"), ==, 0);
	g_assert_true(json_object_has_member(o, "issuer"));
	issuer = json_object_get_object_member(o, "issuer");
	g_assert_cmpstr(ect_json_string(issuer, "operation-url"), ==, f->url);
	g_assert_cmpstr(ect_json_string(issuer, "token-type"), ==, "userKey");
	g_assert_nonnull(ect_json_string(issuer, "name"));
	g_clear_pointer(&o, json_object_unref);
	g_clear_pointer(&out, g_free);

	/* ENROLL through phone home, password and PIN from standard input */
	stdin_text = g_strdup_printf("%s\n%s\n", f->password, FIRST_PIN);
	g_assert_cmpint(ect_escctl(f, stdin_text, &out, &err, "--json", "enroll", "--ca-file", f->trust_file, "--user", "demo",
				   "--password-stdin", "--pin-stdin", NULL),
			==, 0);
	o = ect_parse_json(out);
	g_assert_true(json_object_get_boolean_member(o, "success"));
	g_assert_cmpstr(ect_json_string(o, "operation"), ==, "enroll");
	g_assert_cmpstr(ect_json_string(o, "url"), ==, f->url);
	g_assert_cmpstr(ect_json_string(o, "cuid"), ==, cuid);
	g_assert_cmpint(json_object_get_int_member(o, "status"), ==, 0);
	g_assert_cmpint(json_object_get_int_member(o, "apdu-count"), >, 10);
	g_assert_nonnull(strstr(err, "Progress: 100%"));
	g_clear_pointer(&o, json_object_unref);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	/* certs: the two certificates, for the demo user */
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "certs", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "Certificate 1:"));
	g_assert_nonnull(strstr(out, "Certificate 2:"));
	g_assert_null(strstr(out, "Certificate 3:"));
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "certs", "--pem", NULL), ==, 0);
	o = ect_parse_json(out);
	certs = json_object_get_array_member(o, "certificates");
	g_assert_cmpuint(json_array_get_length(certs), ==, 2);
	for (guint i = 0; i < 2; i++) {
		JsonObject *c = json_array_get_object_element(certs, i);
		g_assert_nonnull(strstr(ect_json_string(c, "subject"), "demo"));
		g_assert_true(json_object_get_boolean_member(c, "valid-now"));
		g_assert_cmpstr(ect_json_string(c, "key"), ==, "RSA 2048 bits");
		g_assert_true(g_str_has_prefix(ect_json_string(c, "pem"), "-----BEGIN CERTIFICATE-----"));
	}

	/* OpenSC signs with the card; the signature verifies with the signing certificate */
	g_assert_true(ect_pkcs11_sign(f, FIRST_PIN, message, &signature));
	for (guint i = 0; i < 2; i++) {
		JsonObject *c = json_array_get_object_element(certs, i);
		if (ect_verify_with_pem(ect_json_string(c, "pem"), message, signature))
			verified++;
	}
	g_assert_cmpuint(verified, ==, 1);

	/* PIN RESET, new PIN from a file */
	pin_file = ect_write_file(f, "new-pin", SECOND_PIN "\n");
	g_clear_pointer(&out, g_free);
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "reset-pin", "--ca-file", f->trust_file, "--user", "demo",
				   "--password-file", f->password_file, "--pin-file", pin_file, NULL),
			==, 0);
	{
		g_autoptr(JsonObject) r = ect_parse_json(out);
		g_assert_true(json_object_get_boolean_member(r, "success"));
		g_assert_cmpstr(ect_json_string(r, "operation"), ==, "pin-reset");
		g_assert_cmpint(json_object_get_int_member(r, "status"), ==, 0);
	}
	g_clear_pointer(&signature, g_bytes_unref);
	g_assert_true(ect_pkcs11_sign(f, SECOND_PIN, message, &signature));
	g_assert_false(ect_pkcs11_sign(f, FIRST_PIN, message, &bad_signature));
	ect_assert_tpsd_alive(f);
}

/* ---- refusals ------------------------------------------------------------------------- */

static void
test_wrong_password(EctFixture *f, gconstpointer data)
{
	g_autofree gchar *wrong = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(JsonObject) o = NULL;

	if (f->pcsc == NULL)
		return;
	ect_plug_card(f, 0, "main", FALSE, NULL);
	wrong = ect_write_file(f, "wrong-password", "not the password\n");
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "--json", "format", "--server", f->url, "--ca-file", f->trust_file, "--user",
				   "demo", "--password-file", wrong, NULL),
			==, 6);
	g_assert_nonnull(strstr(err, "the user name or password is wrong"));
	g_assert_nonnull(strstr(err, "(code 14)"));
	ect_assert_json_error(out, "auth", 6);
	o = ect_parse_json(out);
	g_assert_cmpint(json_object_get_int_member(o, "status"), ==, 14);
	g_assert_cmpstr(ect_json_string(o, "status-name"), ==, "STATUS_ERROR_LOGIN");
	ect_assert_tpsd_alive(f);
}

static void
test_untrusted(EctFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PcscCa) other = pcsc_ca_new("Some Other CA", &error);
	g_autofree gchar *other_pem = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(BIO) bio = NULL;

	if (f->pcsc == NULL)
		return;
	g_assert_no_error(error);
	other_pem = ect_path(f, "other-ca.pem");
	bio = BIO_new_file(other_pem, "w");
	g_assert_nonnull(bio);
	g_assert_cmpint(PEM_write_bio_X509(bio, pcsc_ca_get_certificate(other)), ==, 1);
	g_clear_pointer(&bio, BIO_free);
	ect_plug_card(f, 0, "main", FALSE, NULL);
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "--json", "format", "--server", f->url, "--ca-file", other_pem, "--user",
				   "demo", "--password-file", f->password_file, NULL),
			==, 5);
	g_assert_nonnull(strstr(err, "not trusted"));
	ect_assert_json_error(out, "tls", 5);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* phone home is checked the same way */
	g_assert_cmpint(ect_escctl(f, NULL, &out, &err, "format", "--phone-home", f->phone_home, "--ca-file", other_pem, "--user",
				   "demo", "--password-file", f->password_file, NULL),
			==, 5);
	g_assert_nonnull(strstr(err, "not trusted"));
}

/* ---- the card pulled, Ctrl-C ---------------------------------------------------------- */

typedef struct {
	gchar *path;
	const gchar *needle;
	gboolean seen;
} LogWatch;

static void
log_watch_check(LogWatch *w)
{
	g_autofree gchar *text = NULL;

	if (!w->seen && g_file_get_contents(w->path, &text, NULL, NULL))
		w->seen = strstr(text, w->needle) != NULL;
}

static void
on_log_changed(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
	log_watch_check(user_data);
}

/* Runs escctl (the NULL-terminated @args) and, as soon as the card in slot 0 logs a command
 * starting with @needle, calls @action. Returns escctl's exit status. */
static gint
run_and_interrupt(EctFixture *f, const gchar *log_name, const gchar *needle, void (*action)(EctFixture *, EctRun *),
		  gchar **err, const gchar *const *args)
{
	g_autofree gchar *path = ect_path(f, log_name);
	g_autoptr(GFile) file = g_file_new_for_path(path);
	g_autoptr(GError) error = NULL;
	g_autoptr(GFileMonitor) monitor = g_file_monitor_file(file, G_FILE_MONITOR_NONE, NULL, &error);
	LogWatch watch = {.path = path, .needle = needle};
	gint64 end = g_get_monotonic_time() + CUT_TIMEOUT_S * G_TIME_SPAN_SECOND;
	EctRun *run;

	g_assert_no_error(error);
	g_file_monitor_set_rate_limit(monitor, 0);
	g_signal_connect(monitor, "changed", G_CALLBACK(on_log_changed), &watch);
	run = ect_escctl_startv(f, NULL, args);
	while (!watch.seen && !ect_run_is_done(run) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	log_watch_check(&watch);
	g_assert_true(watch.seen);
	g_test_message("the card received %s: interrupting", needle);
	if (!ect_run_is_done(run))
		action(f, run);
	g_signal_handlers_disconnect_by_data(monitor, &watch);
	return ect_run_wait(run, NULL, err);
}

static void
pull_card(EctFixture *f, EctRun *run)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(th_pcsc_stop_card(f->pcsc, th_pcsc_get_card(f->pcsc, 0), &error));
	g_assert_no_error(error);
}

static void
press_ctrl_c(EctFixture *f, EctRun *run)
{
	g_subprocess_send_signal(ect_run_get_subprocess(run), SIGINT);
}

/* " > 84 0C" in esc-vcard's trace: GENERATE KEY under the secure channel. */
#define KEYGEN_NEEDLE " > 84 0C "

static void
test_card_pulled(EctFixture *f, gconstpointer data)
{
	g_autofree gchar *cuid = ect_random_cuid();
	g_autofree gchar *pin_file = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *out = NULL;
	g_autoptr(JsonObject) o = NULL;
	gint status;

	if (f->pcsc == NULL)
		return;
	ect_plug_card(f, 0, "pulled", FALSE, "--cuid", cuid, NULL);
	pin_file = ect_write_file(f, "pin", FIRST_PIN "\n");
	{
		const gchar *const args[] = {"enroll", "--server", f->url, "--ca-file", f->trust_file, "--user", "demo",
					     "--password-file", f->password_file, "--pin-file", pin_file, NULL};
		status = run_and_interrupt(f, "card-pulled.log", KEYGEN_NEEDLE, pull_card, &err, args);
	}
	g_assert_cmpint(status, ==, 4);
	g_assert_nonnull(strstr(err, "removed"));
	g_clear_pointer(&err, g_free);

	/* plugged again (the same card: its state file), a second ENROLL goes through */
	ect_plug_card(f, 0, "pulled", FALSE, NULL);
	g_assert_cmpint(ect_escctl(f, NULL, NULL, NULL, "enroll", "--server", f->url, "--ca-file", f->trust_file, "--user", "demo",
				   "--password-file", f->password_file, "--pin-file", pin_file, NULL),
			==, 0);
	g_assert_cmpint(ect_escctl(f, NULL, &out, NULL, "--json", "certs", NULL), ==, 0);
	o = ect_parse_json(out);
	g_assert_cmpstr(json_object_get_string_member(o, "cuid"), ==, cuid);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "certificates")), ==, 2);
	ect_assert_tpsd_alive(f);
}

static void
test_cancel(EctFixture *f, gconstpointer data)
{
	g_autofree gchar *pin_file = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	if (f->pcsc == NULL)
		return;
	ect_plug_card(f, 0, "cancel", FALSE, NULL);
	pin_file = ect_write_file(f, "pin", FIRST_PIN "\n");
	{
		const gchar *const args[] = {"enroll", "--server", f->url, "--ca-file", f->trust_file, "--user", "demo",
					     "--password-file", f->password_file, "--pin-file", pin_file, NULL};
		status = run_and_interrupt(f, "card-cancel.log", KEYGEN_NEEDLE, press_ctrl_c, &err, args);
	}
	g_assert_cmpint(status, ==, 8);
	g_assert_nonnull(strstr(err, "Cancelled"));
	/* the card and the TPS are fine: the next ENROLL works */
	g_assert_cmpint(ect_escctl(f, NULL, NULL, NULL, "enroll", "--server", f->url, "--ca-file", f->trust_file, "--user", "demo",
				   "--password-file", f->password_file, "--pin-file", pin_file, NULL),
			==, 0);
	ect_assert_tpsd_alive(f);
}

/* ---- questions on the terminal ------------------------------------------------------- */

typedef struct {
	gint master;
	GString *seen; /* everything escctl wrote to the terminal */
	gsize consumed; /* what the test has matched so far */
	guint watch;	/* the reading source, 0 once it ended (EIO when the slave closes) */
} Pty;

static gboolean
on_pty_input(gint fd, GIOCondition condition, gpointer user_data)
{
	Pty *pty = user_data;
	gchar buf[512];
	gssize n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		g_string_append_len(pty->seen, buf, n);
		return G_SOURCE_CONTINUE;
	}
	if (n < 0 && errno == EAGAIN)
		return G_SOURCE_CONTINUE;
	pty->watch = 0;
	return G_SOURCE_REMOVE;
}

/* Waits until the terminal shows @needle after what was matched before. */
static void
pty_expect(Pty *pty, EctRun *run, const gchar *needle)
{
	gint64 end = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
	const gchar *at;

	while ((at = strstr(pty->seen->str + pty->consumed, needle)) == NULL) {
		if (ect_run_is_done(run) || g_get_monotonic_time() > end) {
			g_test_message("terminal so far:\n%s", pty->seen->str);
			g_assert_not_reached();
		}
		g_main_context_iteration(NULL, TRUE);
	}
	pty->consumed = (gsize)(at - pty->seen->str) + strlen(needle);
}

static void
pty_type(Pty *pty, const gchar *line)
{
	g_autofree gchar *text = g_strdup_printf("%s\n", line);

	g_assert_cmpint(write(pty->master, text, strlen(text)), ==, (gssize)strlen(text));
}

/* ENROLL with everything asked on the terminal: the server's login form (user echoed, password
 * not), the new PIN checked against the server's limits and asked twice. */
static void
test_prompts(EctFixture *f, gconstpointer data)
{
	Pty pty = {.seen = g_string_new(NULL)};
	g_autofree gchar *slave = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *out = NULL;
	EctRun *run;

	if (f->pcsc == NULL)
		return;
	ect_plug_card(f, 0, "tty", FALSE, NULL);
	pty.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	g_assert_cmpint(pty.master, >=, 0);
	g_assert_cmpint(grantpt(pty.master), ==, 0);
	g_assert_cmpint(unlockpt(pty.master), ==, 0);
	slave = g_strdup(ptsname(pty.master));
	g_assert_nonnull(slave);
	g_assert_true(g_unix_set_fd_nonblocking(pty.master, TRUE, NULL));
	pty.watch = g_unix_fd_add(pty.master, G_IO_IN, on_pty_input, &pty);
	f->tty = slave;
	run = ect_escctl_start(f, NULL, "enroll", "--server", f->url, "--ca-file", f->trust_file, NULL);
	f->tty = NULL;

	/* the TPS's extended login form */
	pty_expect(&pty, run, "LDAP Authentication");
	pty_expect(&pty, run, "LDAP User ID: ");
	pty_type(&pty, "demo");
	pty_expect(&pty, run, "demo");	/* echoed */
	pty_expect(&pty, run, "LDAP Password: ");
	pty_type(&pty, f->password);
	/* the new PIN: too short, then two that differ, then good */
	pty_expect(&pty, run, "New PIN for the token (4 to 10 characters): ");
	pty_type(&pty, "12");
	pty_expect(&pty, run, "New PIN for the token (4 to 10 characters): ");
	pty_type(&pty, "1234");
	pty_expect(&pty, run, "Repeat the new PIN: ");
	pty_type(&pty, "9999");
	pty_expect(&pty, run, "differ");
	pty_expect(&pty, run, "New PIN for the token (4 to 10 characters): ");
	pty_type(&pty, FIRST_PIN);
	pty_expect(&pty, run, "Repeat the new PIN: ");
	pty_type(&pty, FIRST_PIN);
	g_assert_cmpint(ect_run_wait(run, &out, &err), ==, 0);
	g_test_message("terminal:\n%s", pty.seen->str);
	g_assert_nonnull(strstr(out, "is enrolled"));
	/* neither the password nor a PIN was echoed; the terminal is back to echoing */
	g_assert_null(strstr(pty.seen->str, f->password));
	g_assert_null(strstr(pty.seen->str, FIRST_PIN));
	g_assert_null(strstr(pty.seen->str, "9999"));
	{
		struct termios t;
		gint fd = open(slave, O_RDWR | O_NOCTTY);
		g_assert_cmpint(fd, >=, 0);
		g_assert_cmpint(tcgetattr(fd, &t), ==, 0);
		g_assert_true((t.c_lflag & ECHO) != 0);
		close(fd);
	}
	if (pty.watch != 0)
		g_source_remove(pty.watch);
	close(pty.master);
	g_string_free(pty.seen, TRUE);
	g_assert_true(th_pkcs11_tool(f->pcsc, ECT_PKCS11_TIMEOUT_MS, NULL, "--login", "--pin", FIRST_PIN, "--list-objects", NULL) == 0);
}

/* LeakSanitizer crashes walking the dynamic TLS of the dlopen()ed GnuTLS GIO module; see
 * tests/tps/test-tps-operations.c. */
const char *
__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "intercept_tls_get_addr=0";
}

#define ADD(path, fn) g_test_add((path), EctFixture, NULL, ect_setup_with_tpsd, (fn), ect_teardown)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	ADD("/client/escctl/format-enroll-pin-reset", test_lifecycle);
	ADD("/client/escctl/refused/wrong-password", test_wrong_password);
	ADD("/client/escctl/refused/untrusted-server", test_untrusted);
	ADD("/client/escctl/card-pulled-mid-enroll", test_card_pulled);
	ADD("/client/escctl/cancel-mid-enroll", test_cancel);
	ADD("/client/escctl/questions-on-the-terminal", test_prompts);
	return g_test_run();
}
