/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TksKeyStoreFile: the shared key store suite, plus what only the file store has (passphrase
 * and key file protection, persistence, damage detection, atomic writes, the factory).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "tks-key-store-file.h"
#include "tks-store-test-suite.h"
#include "tks-test-seal.h"
#include "tok-gp-crypto.h"

typedef struct {
	gchar *dir;
	guint counter;
	GMutex lock;
} StoreFactory;

static const guint8 test_file_key[32] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB,
					 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
					 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10};
static const TksScryptParams fast_scrypt = {.log2_n = 10, .r = 8, .p = 1};

static gchar *
factory_path(StoreFactory *f, const gchar *name)
{
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&f->lock);
	return g_strdup_printf("%s/%s-%u.keys", f->dir, name, ++f->counter);
}

static TksKeyStore *
make_file_store(gpointer data)
{
	StoreFactory *f = data;
	g_autofree gchar *path = factory_path(f, "suite");
	g_autoptr(TokSecret) key = tok_secret_new_from_data(test_file_key, sizeof(test_file_key));
	g_autoptr(GError) error = NULL;
	TksKeyStoreFile *store = tks_key_store_file_create(path, NULL, key, NULL, &error);
	g_assert_no_error(error);
	return TKS_KEY_STORE(store);
}

/* The suite again on stores reopened from disk after every creation (persistence). */
static TksKeyStore *
make_passphrase_store(gpointer data)
{
	StoreFactory *f = data;
	g_autofree gchar *path = factory_path(f, "pass");
	g_autoptr(TokSecret) pass = tok_secret_new_from_text("correct horse battery staple");
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyStoreFile) created = tks_key_store_file_create(path, pass, NULL, &fast_scrypt, &error);
	TksKeyStoreFile *store;

	g_assert_no_error(error);
	g_assert_nonnull(created);
	store = tks_key_store_file_open(path, pass, NULL, &error);
	g_assert_no_error(error);
	return TKS_KEY_STORE(store);
}

static void
test_passphrase(gconstpointer data)
{
	StoreFactory *f = (StoreFactory *)data;
	g_autofree gchar *path = factory_path(f, "pp");
	g_autoptr(TokSecret) pass = tok_secret_new_from_text("s3cret passphrase");
	g_autoptr(TokSecret) wrong = tok_secret_new_from_text("s3cret passphrasf");
	g_autoptr(TokSecret) key = tok_secret_new_from_data(test_file_key, sizeof(test_file_key));
	g_autoptr(TokSecret) value = tok_secret_new_from_data(test_file_key, 16);
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyStoreFile) store = tks_key_store_file_create(path, pass, NULL, &fast_scrypt, &error);
	g_autoptr(TksKeyStoreFile) reopened = NULL;
	g_autoptr(TksKeyStoreFile) bad = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	GStatBuf st;

	g_assert_no_error(error);
	g_assert_cmpstr(tks_key_store_file_get_path(store), ==, path);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	info = tks_key_store_import_key(TKS_KEY_STORE(store), "persist", 0x0A, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, value, &error);
	g_assert_no_error(error);

	reopened = tks_key_store_file_open(path, pass, NULL, &error);
	g_assert_no_error(error);
	keys = tks_key_store_list_keys(TKS_KEY_STORE(reopened), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 1);
	g_assert_true(tks_key_info_equal(g_ptr_array_index(keys, 0), info));

	bad = tks_key_store_file_open(path, wrong, NULL, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE);
	g_assert_nonnull(strstr(error->message, "wrong passphrase or damaged key file"));
	g_assert_null(bad);
	g_clear_error(&error);
	bad = tks_key_store_file_open(path, NULL, key, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE);
	g_assert_nonnull(strstr(error->message, "passphrase, not a key file"));
	g_clear_error(&error);
	bad = tks_key_store_file_create(path, pass, NULL, &fast_scrypt, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
	g_clear_error(&error);
	{
		g_autoptr(TokSecret) empty = tok_secret_new(0);
		g_autofree gchar *p2 = factory_path(f, "empty");
		bad = tks_key_store_file_create(p2, empty, NULL, &fast_scrypt, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
	{
		const TksScryptParams silly = {.log2_n = 30, .r = 8, .p = 1};
		g_autofree gchar *p2 = factory_path(f, "silly");
		bad = tks_key_store_file_create(p2, pass, NULL, &silly, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		bad = tks_key_store_file_create(p2, pass, key, NULL, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	}
}

static void
expect_open_error(const gchar *path, const guint8 *data, gsize len, TokSecret *pass, TokSecret *key, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyStoreFile) store = tks_key_store_file_new_from_data(path, data, len, pass, key, &error);
	g_assert_error(error, TKS_ERROR, code);
	g_assert_null(store);
}

static void
test_damaged(gconstpointer data)
{
	StoreFactory *f = (StoreFactory *)data;
	g_autofree gchar *path = factory_path(f, "dmg");
	g_autoptr(TokSecret) key = tok_secret_new_from_data(test_file_key, sizeof(test_file_key));
	g_autoptr(TokSecret) other = tok_secret_new(32);
	g_autoptr(TokSecret) value = tok_secret_new_from_data(test_file_key, 32);
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyStoreFile) store = tks_key_store_file_create(path, NULL, key, NULL, &error);
	g_autoptr(TksKeyInfo) info = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	g_assert_no_error(error);
	info = tks_key_store_import_key(TKS_KEY_STORE(store), "d", 1, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, value, &error);
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_cmpuint(len, ==, TKS_KEY_STORE_FILE_HEADER_SIZE + 4 + 1 + 1 + 4 + 32 + 16);

	/* wrong key file, flipped bits anywhere after the magic: the GCM tag fails */
	expect_open_error(path, (const guint8 *)contents, len, NULL, other, TKS_ERROR_WRONG_PASSPHRASE);
	{
		g_autoptr(TksKeyStoreFile) s = tks_key_store_file_new_from_data(path, (const guint8 *)contents, len, NULL, other, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE);
		g_autofree gchar *want = g_strdup_printf("key store %s: wrong key file or damaged key store file", path);
		g_assert_cmpstr(error->message, ==, want);
		g_assert_null(s);
		g_clear_error(&error);
	}
	for (gsize i = 12; i < len; i += 7) {
		if (i >= 11 && i < 20)
			continue; /* scrypt parameters: see below */
		contents[i] ^= 0x40;
		expect_open_error(path, (const guint8 *)contents, len, NULL, key, TKS_ERROR_WRONG_PASSPHRASE);
		contents[i] ^= 0x40;
	}
	/* truncations */
	for (gsize n = 0; n < len; n += 5) {
		g_autoptr(GError) e = NULL;
		g_autoptr(TksKeyStoreFile) s = tks_key_store_file_new_from_data(path, (const guint8 *)contents, n, NULL, key, &e);
		g_assert_nonnull(e);
		g_assert_true(e->domain == TKS_ERROR);
		g_assert_null(s);
	}
	contents[0] = 'X';
	expect_open_error(path, (const guint8 *)contents, len, NULL, key, TKS_ERROR_INVALID_DATA);
	contents[0] = 'T';
	contents[9] = 0x02; /* format version */
	expect_open_error(path, (const guint8 *)contents, len, NULL, key, TKS_ERROR_NOT_SUPPORTED);
	contents[9] = 0x01;
	contents[10] = 0x07; /* KDF */
	expect_open_error(path, (const guint8 *)contents, len, NULL, key, TKS_ERROR_INVALID_DATA);
	contents[10] = 0x01; /* scrypt, but no passphrase given */
	expect_open_error(path, (const guint8 *)contents, len, NULL, key, TKS_ERROR_WRONG_PASSPHRASE);
	{
		g_autoptr(TokSecret) pass = tok_secret_new_from_text("x");
		contents[11] = 40; /* log2(N) out of range */
		expect_open_error(path, (const guint8 *)contents, len, pass, NULL, TKS_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(TksKeyStoreFile) s = tks_key_store_file_open("/nonexistent/tks.keys", NULL, key, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
		g_assert_null(s);
	}
}

/* Well-sealed files whose key list is malformed. */
static void
test_bad_contents(gconstpointer data)
{
	StoreFactory *f = (StoreFactory *)data;
	g_autofree gchar *path = factory_path(f, "contents");
	g_autoptr(TokSecret) key = tok_secret_new_from_data(test_file_key, sizeof(test_file_key));
	const gchar *bad[] = {
	    "",
	    "00000001",
	    "00000002 02 6B31 01 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF 02 6B31 01 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 02 6B31 00 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 02 6B31 01 05 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 02 6B31 01 00 09 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 02 6B31 01 00 00 11 A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0",
	    "00000001 02 6B20 01 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 02 6B00 01 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 00 01 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF",
	    "00000001 02 6B31 01 00 00 10 A0A1A2A3A4A5A6A7A8A9AAABACADAEAF 00",
	    "FFFFFFFF",
	};
	const gchar *good = "00000001 02 6B31 01 01 00 30 404142434445464748494A4B4C4D4E4F404142434445464748494A4B4C4D4E4F"
			    "404142434445464748494A4B4C4D4E4F";

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) plain = tok_hex_decode(bad[i], TOK_HEX_FLAG_ALLOW_SPACES, &error);
		g_autoptr(GBytes) file = NULL;
		g_assert_no_error(error);
		file = tks_test_seal(test_file_key, g_bytes_get_data(plain, NULL), g_bytes_get_size(plain));
		expect_open_error(path, g_bytes_get_data(file, NULL), g_bytes_get_size(file), NULL, key, TKS_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) plain = tok_hex_decode(good, TOK_HEX_FLAG_ALLOW_SPACES, &error);
		g_autoptr(GBytes) file = tks_test_seal(test_file_key, g_bytes_get_data(plain, NULL), g_bytes_get_size(plain));
		g_autoptr(TksKeyStoreFile) store = tks_key_store_file_new_from_data(path, g_bytes_get_data(file, NULL), g_bytes_get_size(file), NULL, key, &error);
		g_autoptr(TksKeyInfo) info = NULL;
		g_autofree gchar *kcv = NULL;
		g_assert_no_error(error);
		info = tks_key_store_lookup_key(TKS_KEY_STORE(store), "k1", 1, &error);
		g_assert_no_error(error);
		g_assert_cmpint(tks_key_info_get_kind(info), ==, TKS_KEY_KIND_DEVELOPER);
		kcv = tks_key_info_get_kcv_hex(info);
		g_assert_cmpstr(kcv, ==, "8BAF47 8BAF47 8BAF47");
	}
}

/* Writes leave no temporary files behind; the factory opens what it created. */
static void
test_atomic_and_factory(gconstpointer data)
{
	StoreFactory *f = (StoreFactory *)data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("tks-atomic-XXXXXX", &error);
	g_autofree gchar *path = g_build_filename(dir, "store.keys", NULL);
	g_autofree gchar *spec = g_strconcat("file:", path, NULL);
	g_autofree gchar *key_path = g_build_filename(dir, "store.key", NULL);
	g_autoptr(TokSecret) key = tok_secret_new_from_data(test_file_key, sizeof(test_file_key));
	g_autoptr(TokSecret) value = tok_secret_new_from_data(test_file_key, 16);
	g_autoptr(TksKeyStore) store = NULL;
	g_autoptr(TksKeyStore) again = NULL;
	g_autoptr(GDir) d = NULL;
	guint n = 0;

	(void)f;
	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(key_path, (const gchar *)test_file_key, sizeof(test_file_key), &error));
	store = tks_key_store_open(spec, NULL, key_path, TKS_KEY_STORE_OPEN_CREATE, &error);
	g_assert_no_error(error);
	for (guint v = 1; v <= 5; v++) {
		g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, "a", v, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, value, &error);
		g_assert_no_error(error);
		g_assert_nonnull(info);
	}
	g_assert_true(tks_key_store_delete_key(store, "a", 3, &error));
	d = g_dir_open(dir, 0, &error);
	g_assert_no_error(error);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_assert_cmpuint(n, ==, 2);
	again = tks_key_store_open(path, NULL, key_path, TKS_KEY_STORE_OPEN_NONE, &error);
	g_assert_no_error(error);
	{
		g_autoptr(GPtrArray) keys = tks_key_store_list_keys(again, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(keys->len, ==, 4);
	}
	{
		g_autoptr(TksKeyStore) s = tks_key_store_open(path, NULL, key_path, TKS_KEY_STORE_OPEN_CREATE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
		g_clear_error(&error);
		s = tks_key_store_open(path, key, key_path, TKS_KEY_STORE_OPEN_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		s = tks_key_store_open("file:", key, NULL, TKS_KEY_STORE_OPEN_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
#ifndef TKS_HAVE_PKCS11_STORE
		s = tks_key_store_open("pkcs11:/usr/lib/softhsm/libsofthsm2.so?token=x", key, NULL, TKS_KEY_STORE_OPEN_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED);
		g_clear_error(&error);
#endif
	}
	g_unlink(path);
	g_unlink(key_path);
	g_rmdir(dir);
}

static void
remove_tree(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		g_unlink(p);
	}
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	StoreFactory factory = {0};
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_mutex_init(&factory.lock);
	factory.dir = g_dir_make_tmp("tks-file-store-XXXXXX", &error);
	g_assert_no_error(error);
	tks_store_test_suite_add("/tks/key-store/file", make_file_store, &factory);
	tks_store_test_suite_add("/tks/key-store/file-passphrase", make_passphrase_store, &factory);
	g_test_add_data_func("/tks/key-store/file/passphrase", &factory, test_passphrase);
	g_test_add_data_func("/tks/key-store/file/damaged", &factory, test_damaged);
	g_test_add_data_func("/tks/key-store/file/bad-contents", &factory, test_bad_contents);
	g_test_add_data_func("/tks/key-store/file/atomic-factory", &factory, test_atomic_and_factory);
	rc = g_test_run();
	remove_tree(factory.dir);
	g_free(factory.dir);
	g_mutex_clear(&factory.lock);
	return rc;
}
