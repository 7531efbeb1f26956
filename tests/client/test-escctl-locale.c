/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * escctl in German from the build tree's catalogues: ESC_LOCALEDIR=<build>/po with
 * LANG=C.UTF-8 LANGUAGE=de, on what needs no card service (--help, usage errors, secrets read
 * before anything runs) and on `escctl list` with no pcscd to reach. The exact sentences are
 * po/de.po's; the same command run in English shows that none of its sentences is left.
 * $ESCCTL is the escctl to run, $ESC_LOCALEDIR the catalogues (<dir>/de/LC_MESSAGES/esc.mo).
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

typedef struct {
	gchar *dir; /* scratch directory: files, and a pcscd socket path nobody listens on */
} LocaleFixture;

static void
locale_setup(LocaleFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("escctl-locale-XXXXXX", &error);
	g_assert_no_error(error);
}

static void
locale_teardown(LocaleFixture *f, gconstpointer data)
{
	g_autoptr(GFile) dir = g_file_new_for_path(f->dir);
	g_autoptr(GFileEnumerator) e = g_file_enumerate_children(dir, G_FILE_ATTRIBUTE_STANDARD_NAME, 0, NULL, NULL);
	GFileInfo *info;
	GFile *child;

	while (e != NULL && g_file_enumerator_iterate(e, &info, &child, NULL, NULL) && info != NULL)
		g_file_delete(child, NULL, NULL);
	g_file_delete(dir, NULL, NULL);
	g_free(f->dir);
}

/* Runs escctl with @args in German (@german) or English; returns the exit status. */
static gint
locale_run(LocaleFixture *f, gboolean german, const gchar *stdin_text, gchar **out, gchar **err, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
									    G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *socket = g_build_filename(f->dir, "no-pcscd.comm", NULL);

	g_ptr_array_add(argv, (gpointer)g_getenv("ESCCTL"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_cwd(launcher, f->dir);
	g_subprocess_launcher_unsetenv(launcher, "LC_ALL");
	g_subprocess_launcher_unsetenv(launcher, "LC_MESSAGES");
	g_subprocess_launcher_setenv(launcher, "LANG", "C.UTF-8", TRUE);
	if (german)
		g_subprocess_launcher_setenv(launcher, "LANGUAGE", "de", TRUE);
	else
		g_subprocess_launcher_unsetenv(launcher, "LANGUAGE");
	/* no card service: a socket path nobody listens on */
	g_subprocess_launcher_setenv(launcher, "PCSCLITE_CSOCK_NAME", socket, TRUE);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(proc, stdin_text != NULL ? stdin_text : "", NULL, out, err, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	return g_subprocess_get_exit_status(proc);
}

/* Every sentence of the English @english (each line's text after its option or command
 * column, when it has several words) is absent from @german. */
static void
assert_no_english_left(const gchar *english, const gchar *german)
{
	g_auto(GStrv) lines = g_strsplit(english, "\n", -1);
	guint checked = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *text = g_strstrip(lines[i]);
		const gchar *gap = strstr(text, "  ");

		/* "  -s, --server=URL   TPS URL (…)": the description after the widest gap */
		while (gap != NULL) {
			text = gap;
			while (*text == ' ')
				text++;
			gap = strstr(text, "  ");
		}
		if (strchr(text, ' ') == NULL)
			continue;
		if (strstr(german, text) != NULL)
			g_test_message("English text left in the German output: “%s”", text);
		g_assert_null(strstr(german, text));
		checked++;
	}
	g_assert_cmpuint(checked, >, 0);
}

static gboolean
locale_have_catalogue(void)
{
	const gchar *dir = g_getenv("ESC_LOCALEDIR");
	g_autofree gchar *mo = NULL;

	if (g_getenv("ESCCTL") == NULL || dir == NULL) {
		g_test_skip("ESCCTL or ESC_LOCALEDIR is not set (run through meson test)");
		return FALSE;
	}
	mo = g_build_filename(dir, "de", "LC_MESSAGES", "esc.mo", NULL);
	if (!g_file_test(mo, G_FILE_TEST_IS_REGULAR)) {
		g_test_skip("the German catalogue is not built");
		return FALSE;
	}
	return TRUE;
}

static void
test_help(LocaleFixture *f, gconstpointer data)
{
	const gchar *const args[] = {"--help", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *en_out = NULL;
	g_autofree gchar *en_err = NULL;

	if (!locale_have_catalogue())
		return;
	g_assert_cmpint(locale_run(f, TRUE, NULL, &out, &err, args), ==, 0);
	g_assert_cmpstr(err, ==, "");
	g_assert_nonnull(strstr(out, "\nBefehle:\n"));
	g_assert_nonnull(strstr(out, "  format     Das Token formatieren (löscht Schlüssel und Zertifikate)\n"));
	g_assert_nonnull(strstr(out, "  reset-pin  Eine neue PIN auf einem registrierten Token festlegen\n"));
	g_assert_nonnull(strstr(out, "--password-file=DATEI"));
	g_assert_nonnull(strstr(out, "Das Passwort aus der ersten Zeile von DATEI lesen\n"));
	g_assert_nonnull(strstr(out, "Nie Fragen auf dem Terminal stellen\n"));
	g_assert_nonnull(strstr(out, "Exit-Status: 0 erledigt, 1 fehlgeschlagen, 2 falscher Aufruf oder falsche Eingabe,\n"));
	/* the same help in English, none of whose sentences may be left */
	g_assert_cmpint(locale_run(f, FALSE, NULL, &en_out, &en_err, args), ==, 0);
	g_assert_nonnull(strstr(en_out, "\nCommands:\n"));
	assert_no_english_left(en_out, out);
}

static void
test_usage_error(LocaleFixture *f, gconstpointer data)
{
	const gchar *const args[] = {"frobnicate", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *en_err = NULL;

	if (!locale_have_catalogue())
		return;
	g_assert_cmpint(locale_run(f, TRUE, NULL, &out, &err, args), ==, 2);
	g_assert_cmpstr(err, ==, "Unbekannter Befehl „frobnicate“. Führen Sie „escctl --help“ aus, um die Befehle und Optionen zu sehen.\n");
	g_assert_cmpint(locale_run(f, FALSE, NULL, NULL, &en_err, args), ==, 2);
	assert_no_english_left(en_err, err);
}

/* `escctl list` with no pcscd: the German "no service" sentence, on stderr and in --json. */
static void
test_no_service(LocaleFixture *f, gconstpointer data)
{
	const gchar *const args[] = {"list", NULL};
	const gchar *const json_args[] = {"--json", "list", NULL};
	const gchar *sentence = "Der Smartcard-Dienst (pcscd) ist nicht verfügbar: der Smartcard-Dienst ist nicht erreichbar: "
				"SCARD_E_NO_SERVICE (0x8010001D)";
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *en_err = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *expected = g_strconcat(sentence, "\n", NULL);
	g_autofree gchar *json_message = g_strdup_printf("\"message\" : \"%s\"", sentence);

	if (!locale_have_catalogue())
		return;
	g_assert_cmpint(locale_run(f, TRUE, NULL, &out, &err, args), ==, 3);
	g_assert_cmpstr(out, ==, "");
	g_assert_cmpstr(err, ==, expected);
	g_assert_cmpint(locale_run(f, FALSE, NULL, NULL, &en_err, args), ==, 3);
	g_assert_nonnull(strstr(en_err, "The smart card service (pcscd) is not available: cannot reach the smart card service"));
	g_assert_null(strstr(err, "smart card"));
	g_assert_null(strstr(err, "The "));
	g_assert_null(strstr(err, "cannot"));
	g_clear_pointer(&err, g_free);
	/* the message is translated, the machine-readable kind is not */
	g_assert_cmpint(locale_run(f, TRUE, NULL, &json, &err, json_args), ==, 3);
	g_assert_nonnull(strstr(json, json_message));
	g_assert_nonnull(strstr(json, "\"kind\" : \"no-service\""));
}

/* Secrets read before anything runs: every message names the value in a whole sentence. */
static void
test_secrets(LocaleFixture *f, gconstpointer data)
{
	const gchar *const password_stdin[] = {"format", "--password-stdin", NULL};
	const gchar *const both_stdin[] = {"enroll", "--password-stdin", "--pin-stdin", NULL};
	g_autofree gchar *empty_file = g_build_filename(f->dir, "empty-pin", NULL);
	g_autofree gchar *pin_file_arg = g_strconcat("--pin-file=", empty_file, NULL);
	const gchar *const pin_file[] = {"enroll", pin_file_arg, NULL};
	g_autoptr(GError) error = NULL;
	gchar *err = NULL;

	if (!locale_have_catalogue())
		return;
	g_file_set_contents(empty_file, "\n", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(locale_run(f, TRUE, "", NULL, &err, password_stdin), ==, 2);
	g_assert_cmpstr(err, ==, "Die Standardeingabe endete, bevor das Passwort angegeben wurde.\n");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(locale_run(f, TRUE, "\n", NULL, &err, password_stdin), ==, 2);
	g_assert_cmpstr(err, ==, "Das Passwort ist leer.\n");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(locale_run(f, TRUE, "secret\n", NULL, &err, both_stdin), ==, 2);
	g_assert_cmpstr(err, ==, "Die Standardeingabe endete, bevor die PIN angegeben wurde.\n");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(locale_run(f, TRUE, "secret\n\n", NULL, &err, both_stdin), ==, 2);
	g_assert_cmpstr(err, ==, "Die PIN ist leer.\n");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(locale_run(f, TRUE, NULL, NULL, &err, pin_file), ==, 2);
	g_assert_cmpstr(err, ==, "Die PIN ist leer.\n");
	g_clear_pointer(&err, g_free);
	/* and in English, the same sentences */
	g_assert_cmpint(locale_run(f, FALSE, "secret\n\n", NULL, &err, both_stdin), ==, 2);
	g_assert_cmpstr(err, ==, "The PIN is empty.\n");
	g_clear_pointer(&err, g_free);
	g_assert_cmpint(locale_run(f, FALSE, "", NULL, &err, password_stdin), ==, 2);
	g_assert_cmpstr(err, ==, "Standard input ended before the password was given.\n");
	g_clear_pointer(&err, g_free);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/escctl/locale/help", LocaleFixture, NULL, locale_setup, test_help, locale_teardown);
	g_test_add("/escctl/locale/usage-error", LocaleFixture, NULL, locale_setup, test_usage_error, locale_teardown);
	g_test_add("/escctl/locale/no-service", LocaleFixture, NULL, locale_setup, test_no_service, locale_teardown);
	g_test_add("/escctl/locale/secrets", LocaleFixture, NULL, locale_setup, test_secrets, locale_teardown);
	return g_test_run();
}
