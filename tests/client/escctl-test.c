/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "escctl-test.h"

#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pcsc-ca.h"
#include "th-util.h"
#include "tok-bytes.h"

/* ---- tpsd ----------------------------------------------------------------------------- */

gchar *
ect_tpsd_output(EctFixture *f)
{
	return f->tpsd != NULL ? th_tpsd_get_output(f->tpsd) : g_strdup("");
}

static void
ect_child_setup(gpointer user_data)
{
	const gchar *tty = user_data;

	/* no controlling terminal: escctl must never ask the person running the tests; or the
	 * test's pty as the controlling terminal */
	setsid();
	if (tty != NULL) {
		gint fd = open(tty, O_RDWR);
		if (fd >= 0)
			ioctl(fd, TIOCSCTTY, 0);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
ect_tpsd_start(EctFixture *f, const gchar *tpsd)
{
	g_autofree gchar *config = g_strconcat(ECT_TPSD_CONFIG, f->tpsd_extra_config, NULL);
	g_autoptr(GError) error = NULL;

	f->state_dir = ect_path(f, "tps-state");
	f->tpsd = th_tpsd_start(tpsd, f->state_dir, config, &error);
	if (f->tpsd == NULL) {
		g_test_message("%s", error->message);
		g_test_fail();
		return FALSE;
	}
	f->port = th_tpsd_get_port(f->tpsd);
	f->password = g_strdup(th_tpsd_get_password(f->tpsd));
	f->password_file = ect_write_file(f, "password", f->password);
	f->trust_file = g_strdup(th_tpsd_get_trust_file(f->tpsd));
	/* the certificate names localhost and 127.0.0.1 */
	f->url = g_strdup_printf("https://localhost:%u/tps/tps", f->port);
	f->phone_home = g_strdup_printf("https://localhost:%u/tps/phoneHome", f->port);
	return TRUE;
}

void
ect_assert_tpsd_alive(EctFixture *f)
{
	g_assert_nonnull(f->tpsd);
	g_assert_true(th_tpsd_is_alive(f->tpsd));
}

/* ---- fixture -------------------------------------------------------------------------- */

gboolean
ect_fixture_init(EctFixture *f, gboolean with_tpsd)
{
	const gchar *tpsd = g_getenv("TPS_TEST_TPSD");
	const gchar *escctl = g_getenv("ESCCTL");
	g_autoptr(GError) error = NULL;

	if (escctl == NULL || !g_file_test(escctl, G_FILE_TEST_IS_EXECUTABLE)) {
		g_test_skip("escctl is not built ($ESCCTL)");
		return FALSE;
	}
	if (with_tpsd && (tpsd == NULL || !g_file_test(tpsd, G_FILE_TEST_IS_EXECUTABLE))) {
		g_test_skip("tpsd is not built ($TPS_TEST_TPSD)");
		return FALSE;
	}
	if (!g_tls_backend_supports_tls(g_tls_backend_get_default())) {
		g_test_skip("no GIO TLS backend (glib-networking)");
		return FALSE;
	}
	if (!th_pcsc_check_available(&error)) {
		g_test_skip(error->message);
		return FALSE;
	}
	if (th_pcsc_card_program() == NULL) {
		g_test_skip("esc-vcard not found ($TH_ESC_VCARD)");
		return FALSE;
	}
	f->dir = g_dir_make_tmp("escctl-test-XXXXXX", &error);
	g_assert_no_error(error);
	if (with_tpsd && !ect_tpsd_start(f, tpsd))
		return FALSE;
	f->pcsc = th_pcsc_new(f->dir, &error);
	if (f->pcsc == NULL) {
		g_test_message("cannot start pcscd: %s", error->message);
		g_test_fail();
		return FALSE;
	}
	return TRUE;
}

void
ect_fixture_clear(EctFixture *f)
{
	g_clear_pointer(&f->pcsc, th_pcsc_free);
	g_clear_pointer(&f->tpsd, th_tpsd_free);
	if (f->dir != NULL && g_getenv("ECT_KEEP") == NULL)
		th_rm_rf(f->dir);
	else if (f->dir != NULL)
		g_test_message("kept %s", f->dir);
	g_clear_pointer(&f->dir, g_free);
	g_clear_pointer(&f->state_dir, g_free);
	g_clear_pointer(&f->trust_file, g_free);
	if (f->password != NULL)
		memset(f->password, 0, strlen(f->password));
	g_clear_pointer(&f->password, g_free);
	g_clear_pointer(&f->password_file, g_free);
	g_clear_pointer(&f->url, g_free);
	g_clear_pointer(&f->phone_home, g_free);
}

void
ect_setup_with_tpsd(EctFixture *f, gconstpointer data)
{
	if (!ect_fixture_init(f, TRUE))
		g_clear_pointer(&f->pcsc, th_pcsc_free);
}

void
ect_setup_without_tpsd(EctFixture *f, gconstpointer data)
{
	if (!ect_fixture_init(f, FALSE))
		g_clear_pointer(&f->pcsc, th_pcsc_free);
}

void
ect_teardown(EctFixture *f, gconstpointer data)
{
	ect_fixture_clear(f);
}

gchar *
ect_path(EctFixture *f, const gchar *name)
{
	return g_build_filename(f->dir, name, NULL);
}

gchar *
ect_write_file(EctFixture *f, const gchar *name, const gchar *text)
{
	gchar *path = ect_path(f, name);

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

gchar *
ect_random_cuid(void)
{
	guint8 cuid[10];

	g_assert_cmpint(RAND_bytes(cuid, sizeof(cuid)), ==, 1);
	return tok_hex_encode(cuid, sizeof(cuid), TRUE);
}

ThPcscCard *
ect_plug_card(EctFixture *f, guint slot, const gchar *tag, gboolean log_data, ...)
{
	g_autofree gchar *state_name = g_strdup_printf("card-%s.state", tag);
	g_autofree gchar *log_name = g_strdup_printf("card-%s.log", tag);
	g_autofree gchar *state = ect_path(f, state_name);
	g_autofree gchar *log = ect_path(f, log_name);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	ThPcscCard *card;
	const gchar *arg;
	va_list args;

	g_ptr_array_add(argv, (gpointer)th_pcsc_card_program());
	g_ptr_array_add(argv, (gpointer) "--state");
	g_ptr_array_add(argv, state);
	g_ptr_array_add(argv, (gpointer) "--log");
	g_ptr_array_add(argv, log);
	if (log_data)
		g_ptr_array_add(argv, (gpointer) "--log-data");
	va_start(args, log_data);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	card = th_pcsc_plug_card(f->pcsc, slot, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_assert_nonnull(card);
	return card;
}

/* ---- escctl --------------------------------------------------------------------------- */

struct _EctRun {
	GSubprocess *proc;
	gchar *command;
	gboolean done;
	gboolean timed_out;
	gchar *out;
	gchar *err;
	GError *error;
	guint timeout_id;
	gboolean quiet;
};

static void
ect_run_on_communicated(GObject *source, GAsyncResult *res, gpointer user_data)
{
	EctRun *run = user_data;

	g_subprocess_communicate_utf8_finish(G_SUBPROCESS(source), res, &run->out, &run->err, &run->error);
	run->done = TRUE;
}

static gboolean
ect_run_on_timeout(gpointer user_data)
{
	EctRun *run = user_data;

	run->timed_out = TRUE;
	run->timeout_id = 0;
	g_subprocess_force_exit(run->proc);
	return G_SOURCE_REMOVE;
}

EctRun *
ect_escctl_startv(EctFixture *f, const gchar *stdin_text, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) envp = th_pcsc_get_environ(f->pcsc);
	GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
	EctRun *run = g_new0(EctRun, 1);

	run->quiet = f->quiet;
	if (stdin_text != NULL)
		flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
	launcher = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_child_setup(launcher, ect_child_setup, (gpointer)f->tty, NULL);
	g_ptr_array_add(argv, (gpointer)g_getenv("ESCCTL"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	run->command = g_strjoinv(" ", (gchar **)argv->pdata);
	run->proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8_async(run->proc, stdin_text, NULL, ect_run_on_communicated, run);
	run->timeout_id = g_timeout_add(ECT_ESCCTL_TIMEOUT_MS, ect_run_on_timeout, run);
	return run;
}

EctRun *
ect_escctl_start(EctFixture *f, const gchar *stdin_text, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	const gchar *arg;
	va_list ap;

	va_start(ap, stdin_text);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	return ect_escctl_startv(f, stdin_text, (const gchar *const *)args->pdata);
}

gboolean
ect_run_is_done(EctRun *run)
{
	return run->done;
}

GSubprocess *
ect_run_get_subprocess(EctRun *run)
{
	return run->proc;
}

gint
ect_run_wait(EctRun *run, gchar **out, gchar **err)
{
	gint status;

	while (!run->done)
		g_main_context_iteration(NULL, TRUE);
	if (run->timeout_id != 0)
		g_source_remove(run->timeout_id);
	/* communicate returns at EOF of the pipes; the exit status may come a moment later */
	g_subprocess_wait(run->proc, NULL, NULL);
	g_assert_no_error(run->error);
	if (g_subprocess_get_if_exited(run->proc))
		status = g_subprocess_get_exit_status(run->proc);
	else
		status = 128 + g_subprocess_get_term_sig(run->proc);
	if (!run->quiet || status != 0)
		g_test_message("$ %s\n-> exit %d%s\n--- stdout:\n%s--- stderr:\n%s", run->command, status,
			       run->timed_out ? " (killed: timeout)" : "", run->out != NULL ? run->out : "",
			       run->err != NULL ? run->err : "");
	g_assert_false(run->timed_out);
	if (out != NULL)
		*out = g_steal_pointer(&run->out);
	if (err != NULL)
		*err = g_steal_pointer(&run->err);
	g_free(run->out);
	g_free(run->err);
	g_free(run->command);
	g_object_unref(run->proc);
	g_free(run);
	return status;
}

gint
ect_escctl(EctFixture *f, const gchar *stdin_text, gchar **out, gchar **err, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	const gchar *arg;
	va_list ap;

	va_start(ap, err);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(args, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(args, NULL);
	return ect_run_wait(ect_escctl_startv(f, stdin_text, (const gchar *const *)args->pdata), out, err);
}

JsonObject *
ect_parse_json(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	g_assert_nonnull(text);
	g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
	g_assert_no_error(error);
	root = json_parser_get_root(parser);
	g_assert_nonnull(root);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
	return json_object_ref(json_node_get_object(root));
}

const gchar *
ect_json_string(JsonObject *o, const gchar *member)
{
	return json_object_has_member(o, member) ? json_object_get_string_member(o, member) : NULL;
}

void
ect_assert_json_error(const gchar *out, const gchar *kind, gint exit_code)
{
	g_autoptr(JsonObject) o = ect_parse_json(out);
	JsonObject *e;

	g_assert_false(json_object_get_boolean_member(o, "success"));
	g_assert_cmpint(json_object_get_int_member(o, "exit-code"), ==, exit_code);
	g_assert_true(json_object_has_member(o, "error"));
	e = json_object_get_object_member(o, "error");
	g_assert_cmpstr(ect_json_string(e, "kind"), ==, kind);
	g_assert_cmpint(json_object_get_int_member(e, "exit-code"), ==, exit_code);
	g_assert_nonnull(ect_json_string(e, "message"));
}

/* ---- OpenSC --------------------------------------------------------------------------- */

gboolean
ect_pkcs11_sign(EctFixture *f, const gchar *pin, GBytes *message, GBytes **signature)
{
	g_autoptr(GBytes) digest_info = pcsc_sha256_digest_info(message);

	return th_pkcs11_sign(f->pcsc, ECT_PKCS11_TIMEOUT_MS, pin, digest_info, signature);
}

gboolean
ect_verify_with_pem(const gchar *pem, GBytes *message, GBytes *signature)
{
	g_autoptr(BIO) bio = BIO_new_mem_buf(pem, -1);
	g_autoptr(X509) cert = NULL;
	g_autoptr(GError) error = NULL;
	gboolean ok;

	g_assert_nonnull(bio);
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	g_assert_nonnull(cert);
	ok = pcsc_verify_rsa(X509_get0_pubkey(cert), "SHA256", message, signature, &error);
	if (!ok)
		g_test_message("signature check: %s", error->message);
	return ok;
}
