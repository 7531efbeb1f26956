/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "tks-error.h"
#include "tks-secret-file.h"

typedef struct {
	gchar *dir;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	f->dir = g_dir_make_tmp("tks-secret-XXXXXX", &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(f->dir, name, NULL);
		g_unlink(p);
	}
	g_rmdir(f->dir);
	g_free(f->dir);
}

static gchar *
write_file(Fixture *f, const gchar *name, const gchar *data, gssize len)
{
	g_autoptr(GError) error = NULL;
	gchar *path = g_build_filename(f->dir, name, NULL);
	g_assert_true(g_file_set_contents(path, data, len, &error));
	return path;
}

static void
test_read_key(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const gchar raw[8] = {'\n', 1, 2, 3, 4, 5, 6, 7};
	g_autofree gchar *p_raw = write_file(f, "raw", raw, sizeof(raw));
	g_autofree gchar *p_hex = write_file(f, "hex", "0A01020304050607\n", -1);
	g_autofree gchar *p_spaced = write_file(f, "spaced", " 0a 01 02 03\n04 05 06 07 ", -1);
	const gchar *bad[] = {"0A0102030405060", "0A010203040506070", "0A01020304050G07", "0A 0 1020304050607", ""};
	g_autoptr(TokSecret) a = tks_secret_file_read_key(p_raw, 8, &error);
	g_autoptr(TokSecret) b = NULL;
	g_autoptr(TokSecret) c = NULL;

	g_assert_no_error(error);
	b = tks_secret_file_read_key(p_hex, 8, &error);
	g_assert_no_error(error);
	c = tks_secret_file_read_key(p_spaced, 8, &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(a, (const guint8 *)raw, 8));
	g_assert_true(tok_secret_equal(a, b));
	g_assert_true(tok_secret_equal(a, c));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *name = g_strdup_printf("bad%u", i);
		g_autofree gchar *p = write_file(f, name, bad[i], -1);
		g_autoptr(TokSecret) s = tks_secret_file_read_key(p, 8, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_assert_null(s);
		g_clear_error(&error);
	}
	{
		g_autofree gchar *missing = g_build_filename(f->dir, "missing", NULL);
		g_autoptr(TokSecret) s = tks_secret_file_read_key(missing, 8, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
		g_assert_null(s);
		g_clear_error(&error);
	}
	{
		g_autofree gchar *big = g_strnfill(TKS_SECRET_FILE_MAX + 1, 'A');
		g_autofree gchar *p = write_file(f, "big", big, -1);
		g_autoptr(TokSecret) s = tks_secret_file_read_key(p, 8, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_assert_null(s);
	}
}

static void
test_write_key(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(f->dir, "new.key", NULL);
	const guint8 bytes[4] = {0xDE, 0xAD, 0xBE, 0xEF};
	g_autoptr(TokSecret) key = tok_secret_new_from_data(bytes, sizeof(bytes));
	g_autoptr(TokSecret) back = NULL;
	g_autofree gchar *contents = NULL;
	GStatBuf st;

	g_assert_true(tks_secret_file_write_key(path, key, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &contents, NULL, &error));
	g_assert_cmpstr(contents, ==, "DEADBEEF\n");
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	back = tks_secret_file_read_key(path, 4, &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal(back, key));
	/* never overwritten */
	g_assert_false(tks_secret_file_write_key(path, key, &error));
	g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
	g_clear_error(&error);
	/* write_data may replace, atomically */
	g_assert_true(tks_secret_file_write_data(path, (const guint8 *)"x", 1, TRUE, &error));
	g_free(contents);
	g_assert_true(g_file_get_contents(path, &contents, NULL, &error));
	g_assert_cmpstr(contents, ==, "x");
	{
		g_autofree gchar *nodir = g_build_filename(f->dir, "no", "such", NULL);
		g_assert_false(tks_secret_file_write_data(nodir, (const guint8 *)"x", 1, TRUE, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_BACKEND);
	}
}

static void
test_passphrase(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *p1 = write_file(f, "p1", "my pass phrase\r\nsecond line\n", -1);
	g_autofree gchar *p2 = write_file(f, "p2", "no newline", -1);
	g_autofree gchar *p3 = write_file(f, "p3", "\nafter an empty line\n", -1);
	g_autofree gchar *p4 = write_file(f, "p4", "", 0);
	g_autoptr(TokSecret) a = tks_secret_file_read_passphrase(p1, &error);
	g_autoptr(TokSecret) b = NULL;
	g_autoptr(TokSecret) c = NULL;

	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(a, (const guint8 *)"my pass phrase", 14));
	b = tks_secret_file_read_passphrase(p2, &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(b, (const guint8 *)"no newline", 10));
	c = tks_secret_file_read_passphrase(p3, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	c = tks_secret_file_read_passphrase(p4, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/tks/secret-file/read-key", Fixture, NULL, fixture_setup, test_read_key, fixture_teardown);
	g_test_add("/tks/secret-file/write-key", Fixture, NULL, fixture_setup, test_write_key, fixture_teardown);
	g_test_add("/tks/secret-file/passphrase", Fixture, NULL, fixture_setup, test_passphrase, fixture_teardown);
	return g_test_run();
}
