/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stock OpenSC tools against esc-vcard through the private pcscd: the reader and ATR are
 * seen, and OpenSC's card detection says COOLKEY for a card of each secure channel protocol
 * (and not for a card without the applet).
 */
#include "config.h"

#include <string.h>

#include "th-pcsc.h"

static gboolean
have_opensc_tool(void)
{
	g_autofree gchar *path = g_find_program_in_path("opensc-tool");

	if (path == NULL) {
		g_test_skip("opensc-tool is not installed (package opensc)");
		return FALSE;
	}
	return TRUE;
}

/* opensc-tool with the instance's socket; returns stdout, asserts the exit status. */
static gchar *
opensc_tool(ThPcsc *pcsc, const gchar *option, gint want_status)
{
	const gchar *argv[] = {"opensc-tool", option, NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = -1;

	g_assert_true(th_pcsc_run(pcsc, argv, 30000, &status, &out, &err, &error));
	g_assert_no_error(error);
	if (status != want_status)
		g_test_message("opensc-tool %s: status %d\n%s%s", option, status, out, err);
	g_assert_cmpint(status, ==, want_status);
	return g_steal_pointer(&out);
}

static void
test_name(ThPcscFixture *f, gconstpointer data)
{
	const gchar *scp = data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = NULL;

	if (f->pcsc == NULL || !have_opensc_tool())
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", scp, NULL));
	g_assert_no_error(error);
	name = opensc_tool(f->pcsc, "--name", 0);
	g_assert_cmpstr(g_strstrip(name), ==, "COOLKEY");
}

static void
test_readers_and_atr(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *readers = NULL;
	g_autofree gchar *atr = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean slot0 = FALSE;
	gboolean slot1 = FALSE;

	if (f->pcsc == NULL || !have_opensc_tool())
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	readers = opensc_tool(f->pcsc, "--list-readers", 0);
	lines = g_strsplit(readers, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) w = g_strsplit_set(lines[i], " \t", -1);
		if (strstr(lines[i], "Virtual PCD 00 00") != NULL && g_strcmp0(w[0], "0") == 0)
			slot0 = strstr(lines[i], "Yes") != NULL;
		if (strstr(lines[i], "Virtual PCD 00 01") != NULL && g_strcmp0(w[0], "1") == 0)
			slot1 = strstr(lines[i], "No") != NULL;
	}
	if (!slot0 || !slot1)
		g_test_message("%s", readers);
	g_assert_true(slot0);
	g_assert_true(slot1);
	atr = opensc_tool(f->pcsc, "--atr", 0);
	g_assert_cmpstr(g_strstrip(atr), ==, "3b:80:80:01:01");
}

static void
test_blank(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = {"opensc-tool", "--name", NULL};
	g_autofree gchar *out = NULL;
	gint status = -1;

	if (f->pcsc == NULL || !have_opensc_tool())
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--blank", NULL));
	g_assert_no_error(error);
	g_assert_true(th_pcsc_run(f->pcsc, argv, 30000, &status, &out, NULL, &error));
	g_assert_no_error(error);
	g_assert_null(strstr(out, "COOLKEY"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/pcsc/opensc/name/scp01", "1", test_name);
	TH_PCSC_TEST_ADD("/pcsc/opensc/name/scp02", "2", test_name);
	TH_PCSC_TEST_ADD("/pcsc/opensc/name/scp03", "3", test_name);
	TH_PCSC_TEST_ADD("/pcsc/opensc/readers-and-atr", NULL, test_readers_and_atr);
	TH_PCSC_TEST_ADD("/pcsc/opensc/blank", NULL, test_blank);
	return g_test_run();
}
