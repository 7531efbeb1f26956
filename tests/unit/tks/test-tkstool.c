/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tkstool end to end (GSubprocess): a master key through 3 shares and back, a wrong share
 * refused, export/import between two key stores, usage errors (exit 2) and failures (exit 1).
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

typedef struct {
	gchar *dir;
	gchar *pass;	/* passphrase file */
	gchar *store_a; /* passphrase store */
	gchar *store_b; /* key file store */
	gchar *store_key;
} Fixture;

typedef struct {
	gint status;
	gchar *out;
	gchar *err;
} Run;

static void
run_clear(Run *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Run, run_clear)

/* Runs tkstool with the NULL-terminated @args and @input on standard input. */
static void
run_tool(Run *r, const gchar *input, const gchar *first, ...)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	va_list ap;

	run_clear(r);
	g_ptr_array_add(argv, (gpointer)TKSTOOL_PATH);
	va_start(ap, first);
	for (const gchar *a = first; a != NULL; a = va_arg(ap, const gchar *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_newv((const gchar *const *)argv->pdata,
				 G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(proc, input != NULL ? input : "", NULL, &r->out, &r->err, &error));
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	r->status = g_subprocess_get_exit_status(proc);
	if (g_test_verbose())
		g_printerr("tkstool %s -> %d\n%s%s", first, r->status, r->out, r->err);
}

static void
assert_ok(const Run *r)
{
	if (r->status != 0)
		g_error("tkstool failed with %d: %s", r->status, r->err);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_auto(Run) r = {0};

	f->dir = g_dir_make_tmp("tkstool-XXXXXX", &error);
	g_assert_no_error(error);
	f->pass = g_build_filename(f->dir, "pass.txt", NULL);
	f->store_a = g_build_filename(f->dir, "a.keys", NULL);
	f->store_b = g_build_filename(f->dir, "b.keys", NULL);
	f->store_key = g_build_filename(f->dir, "b.key", NULL);
	g_assert_true(g_file_set_contents(f->pass, "ceremony passphrase\n", -1, &error));
	run_tool(&r, NULL, "init", "--store", f->store_a, "--passphrase-file", f->pass, NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "created an empty key file"));
	run_tool(&r, NULL, "transport-key", "new", "--out", f->store_key, NULL);
	assert_ok(&r);
	run_tool(&r, NULL, "init", "--store", f->store_b, "--key-file", f->store_key, NULL);
	assert_ok(&r);
}

static void
remove_tree(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			remove_tree(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	remove_tree(f->dir);
	g_free(f->dir);
	g_free(f->pass);
	g_free(f->store_a);
	g_free(f->store_b);
	g_free(f->store_key);
}

/* The "check value XXXXXX" at the end of tkstool's key line. */
static gchar *
kcv_of(const gchar *out)
{
	const gchar *p = g_strrstr(out, "check value ");
	g_assert_nonnull(p);
	return g_strndup(p + strlen("check value "), 6);
}

static void
test_shares(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_auto(Run) r = {0};
	g_autofree gchar *share_dir = g_build_filename(f->dir, "shares", NULL);
	g_autofree gchar *s1 = g_build_filename(share_dir, "share-1.txt", NULL);
	g_autofree gchar *s2 = g_build_filename(share_dir, "share-2.txt", NULL);
	g_autofree gchar *s3 = g_build_filename(share_dir, "share-3.txt", NULL);
	g_autofree gchar *kcv = NULL;
	g_autofree gchar *kcv2 = NULL;
	g_autofree gchar *text = NULL;
	GStatBuf st;

	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "defKeySet",
		 "--version", "02", "--type", "des3", "--shares", "3", "--share-dir", share_dir, NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "share 3 of 3: "));
	g_assert_nonnull(strstr(r.out, "generated key set defKeySet version 02: des3 master key, check value "));
	kcv = kcv_of(r.out);
	g_assert_cmpint(g_stat(s2, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_true(g_file_get_contents(s2, &text, NULL, &error));
	g_assert_nonnull(strstr(text, "share: 2/3\n"));
	/* the combined key is never printed: only shares and check values */
	g_assert_null(strstr(r.out, "value: "));

	/* the same master key in a second store, from the three shares */
	run_tool(&r, NULL, "combine", "--store", f->store_b, "--key-file", f->store_key, "--key-set", "defKeySet",
		 "--version", "02", "--share", s3, "--share", s1, "--share", s2, NULL);
	assert_ok(&r);
	kcv2 = kcv_of(r.out);
	g_assert_cmpstr(kcv, ==, kcv2);
	run_tool(&r, NULL, "list", "--store", f->store_b, "--key-file", f->store_key, NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "defKeySet"));
	g_assert_nonnull(strstr(r.out, kcv));

	/* a wrong share 2 is refused by name */
	{
		gchar *v = strstr(text, "value: ") + strlen("value: ");
		g_autofree gchar *bad = g_build_filename(f->dir, "share-2-typo.txt", NULL);
		/* a high-nibble digit: every bit of it is key material (bit 0 of each byte is DES
		 * parity, which check values ignore, so a low-nibble typo could go unnoticed) */
		g_assert_true(g_ascii_isxdigit(v[0]));
		v[0] = v[0] == '0' ? '8' : '0';
		g_assert_true(g_file_set_contents(bad, text, -1, &error));
		run_tool(&r, NULL, "combine", "--store", f->store_b, "--key-file", f->store_key, "--key-set", "other",
			 "--version", "02", "--share", s1, "--share", bad, "--share", s3, NULL);
		g_assert_cmpint(r.status, ==, 1);
		g_assert_nonnull(strstr(r.err, "share 2: check value does not match"));
	}
	/* a missing share */
	run_tool(&r, NULL, "combine", "--store", f->store_b, "--key-file", f->store_key, "--key-set", "other",
		 "--version", "02", "--share", s1, "--share", s3, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "3 shares"));
	/* the address is taken */
	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "defKeySet",
		 "--version", "2", "--shares", "2", NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "already exists"));
}

/* Shares printed on standard output, typed back on standard input. */
static void
test_shares_stdio(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autofree gchar *kcv = NULL;
	g_autofree gchar *kcv2 = NULL;
	g_autofree gchar *shares = NULL;

	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "aesSet",
		 "--version", "0x10", "--type", "aes256", "--shares", "2", NULL);
	assert_ok(&r);
	kcv = kcv_of(r.out);
	g_assert_nonnull(strstr(r.out, "# tkstool key share 1 of 2"));
	g_assert_nonnull(strstr(r.out, "# tkstool key share 2 of 2"));
	shares = g_strdup(r.out);
	run_tool(&r, shares, "combine", "--store", f->store_b, "--key-file", f->store_key, "--key-set", "aesSet",
		 "--version", "10", "--share", "-", "--share", "-", NULL);
	assert_ok(&r);
	kcv2 = kcv_of(r.out);
	g_assert_cmpstr(kcv, ==, kcv2);
	g_assert_nonnull(strstr(r.out, "aes256 master key"));
}

static void
test_export_import(Fixture *f, gconstpointer data)
{
	g_auto(Run) r = {0};
	g_autofree gchar *transport = g_build_filename(f->dir, "transport.key", NULL);
	g_autofree gchar *other = g_build_filename(f->dir, "other.key", NULL);
	g_autofree gchar *wrapped = g_build_filename(f->dir, "mk.wrapped", NULL);
	g_autofree gchar *kcv = NULL;
	g_autofree gchar *kcv2 = NULL;

	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "mk",
		 "--version", "03", "--type", "aes128", NULL);
	assert_ok(&r);
	kcv = kcv_of(r.out);
	run_tool(&r, NULL, "transport-key", "new", "--out", transport, NULL);
	assert_ok(&r);
	run_tool(&r, NULL, "transport-key", "new", "--out", other, NULL);
	assert_ok(&r);
	run_tool(&r, NULL, "export", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "mk",
		 "--version", "03", "--transport-key", transport, "--out", wrapped, NULL);
	assert_ok(&r);
	run_tool(&r, NULL, "import", "--store", f->store_b, "--key-file", f->store_key, "--in", wrapped,
		 "--transport-key", other, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "wrong transport key"));
	run_tool(&r, NULL, "import", "--store", f->store_b, "--key-file", f->store_key, "--in", wrapped,
		 "--transport-key", transport, NULL);
	assert_ok(&r);
	kcv2 = kcv_of(r.out);
	g_assert_cmpstr(kcv, ==, kcv2);
	run_tool(&r, NULL, "list", "--store", f->store_b, "--key-file", f->store_key, NULL);
	assert_ok(&r);
	g_assert_nonnull(strstr(r.out, "mk"));
	g_assert_nonnull(strstr(r.out, kcv));
	run_tool(&r, NULL, "delete", "--store", f->store_b, "--key-file", f->store_key, "--key-set", "mk", "--version", "03", NULL);
	assert_ok(&r);
	run_tool(&r, NULL, "delete", "--store", f->store_b, "--key-file", f->store_key, "--key-set", "mk", "--version", "03", NULL);
	g_assert_cmpint(r.status, ==, 1);
	run_tool(&r, NULL, "list", "--store", f->store_b, "--key-file", f->store_key, NULL);
	assert_ok(&r);
	g_assert_null(strstr(r.out, kcv));
}

static void
test_usage_and_failures(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_auto(Run) r = {0};
	g_autofree gchar *wrong = g_build_filename(f->dir, "wrong.txt", NULL);
	g_autofree gchar *missing = g_build_filename(f->dir, "missing.keys", NULL);

	run_tool(&r, NULL, NULL, NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "--help", NULL);
	g_assert_cmpint(r.status, ==, 0);
	g_assert_nonnull(strstr(r.out, "combine"));
	run_tool(&r, NULL, "dance", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "transport-key", "--out", "x", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "list", "--store", f->store_a, "--passphrase-file", f->pass, "extra", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "list", "--nonsense", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "list", "--shares", "2", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--version", "02", NULL);
	g_assert_cmpint(r.status, ==, 2);
	g_assert_nonnull(strstr(r.err, "--key-set is required"));
	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "k", "--version", "100", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "k", "--version", "00", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "k", "--version", "01", "--shares", "1", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "generate", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "k", "--version", "01", "--type", "rsa", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "combine", "--store", f->store_a, "--passphrase-file", f->pass, "--key-set", "k", "--version", "01", "--share", "x", NULL);
	g_assert_cmpint(r.status, ==, 2);
	run_tool(&r, NULL, "list", "--store", f->store_b, "--key-file", f->store_key, "--passphrase-file", f->pass, NULL);
	g_assert_cmpint(r.status, ==, 2);

	/* failures */
	g_assert_true(g_file_set_contents(wrong, "not the passphrase\n", -1, &error));
	run_tool(&r, NULL, "list", "--store", f->store_a, "--passphrase-file", wrong, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "wrong passphrase or damaged key file"));
	run_tool(&r, NULL, "list", "--store", missing, "--passphrase-file", f->pass, NULL);
	g_assert_cmpint(r.status, ==, 1);
	run_tool(&r, NULL, "init", "--store", f->store_a, "--passphrase-file", f->pass, NULL);
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "already exists"));
	run_tool(&r, NULL, "transport-key", "new", "--out", f->store_key, NULL);
	g_assert_cmpint(r.status, ==, 1);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/tks/tkstool/shares", Fixture, NULL, fixture_setup, test_shares, fixture_teardown);
	g_test_add("/tks/tkstool/shares-stdio", Fixture, NULL, fixture_setup, test_shares_stdio, fixture_teardown);
	g_test_add("/tks/tkstool/export-import", Fixture, NULL, fixture_setup, test_export_import, fixture_teardown);
	g_test_add("/tks/tkstool/usage-failures", Fixture, NULL, fixture_setup, test_usage_and_failures, fixture_teardown);
	return g_test_run();
}
