/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The key store half of the shared TksKeyStore test suite (see tks-store-test-suite.h).
 */
#include "config.h"

#include <glib/gstdio.h>

#include "tks-key-transfer.h"
#include "tks-store-test-private.h"

#define MASTER_DES3   "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"
#define MASTER_AES128 "000102030405060708090A0B0C0D0E0F"
#define MASTER_AES256 "101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F"
#define DEV_40	      "404142434445464748494A4B4C4D4E4F"
#define DEV_DISTINCT  DEV_40 "505152535455565758595A5B5C5D5E5F" "606162636465666768696A6B6C6D6E6F"
#define KDD	      "00010203040506070809"
#define CUID	      "A00192030405060708C9"

/* ---- import, list, lookup, KCV ------------------------------------------------------ */

static TksKeyInfo *
find_info(GPtrArray *keys, const gchar *key_set, guint version)
{
	for (guint i = 0; i < keys->len; i++) {
		TksKeyInfo *info = g_ptr_array_index(keys, i);
		if (g_strcmp0(tks_key_info_get_key_set(info), key_set) == 0 && tks_key_info_get_version(info) == version)
			return info;
	}
	return NULL;
}

static void
test_import_list(gconstpointer tc)
{
	g_autoptr(TksKeyStore) store = tks_store_test_make(tc);
	g_autoptr(TokGpCrypto) crypto = tks_store_test_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(TksKeyInfo) looked = NULL;
	g_autofree gchar *dev_kcv = NULL;
	g_autofree gchar *aes_kcv = NULL;
	guint8 kcv[3];
	TksKeyInfo *info;

	if (store == NULL)
		return;
	tks_store_test_import(store, "ks1", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	tks_store_test_import(store, "ks1", 0x03, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, MASTER_AES128);
	tks_store_test_import(store, "ks-2.x_y", 0xFF, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, MASTER_AES256);
	tks_store_test_import(store, "defKeySet", 0x01, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, DEV_40 DEV_40 DEV_40);

	keys = tks_key_store_list_keys(store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 4);

	info = find_info(keys, "defKeySet", 0x01);
	g_assert_nonnull(info);
	g_assert_cmpint(tks_key_info_get_kind(info), ==, TKS_KEY_KIND_DEVELOPER);
	g_assert_cmpint(tks_key_info_get_key_type(info), ==, TKS_KEY_TYPE_DES3);
	/* the well-known check value of the GlobalPlatform test key 40..4F */
	dev_kcv = tks_key_info_get_kcv_hex(info);
	g_assert_cmpstr(dev_kcv, ==, "8BAF47 8BAF47 8BAF47");
	g_assert_null(tks_key_info_get_kcv(info, 3));

	info = find_info(keys, "ks1", 0x02);
	g_assert_nonnull(info);
	g_assert_cmpint(tks_key_info_get_kind(info), ==, TKS_KEY_KIND_MASTER);
	g_assert_null(tks_key_info_get_kcv(info, 1));
	{
		g_autoptr(TokSecret) v = tks_store_test_secret(MASTER_DES3);
		g_assert_true(tok_gp_crypto_kcv_des(crypto, tok_secret_get_data(v, NULL), 16, kcv, &error));
		g_assert_cmpmem(tks_key_info_get_kcv(info, 0), 3, kcv, 3);
	}
	info = find_info(keys, "ks-2.x_y", 0xFF);
	g_assert_nonnull(info);
	g_assert_cmpint(tks_key_info_get_key_type(info), ==, TKS_KEY_TYPE_AES256);
	{
		g_autoptr(TokSecret) v = tks_store_test_secret(MASTER_AES256);
		g_assert_true(tok_gp_crypto_kcv_aes(crypto, tok_secret_get_data(v, NULL), 32, kcv, &error));
		g_assert_cmpmem(tks_key_info_get_kcv(info, 0), 3, kcv, 3);
		aes_kcv = tok_hex_encode(kcv, 3, TRUE);
		g_free(dev_kcv);
		dev_kcv = tks_key_info_get_kcv_hex(info);
		g_assert_cmpstr(dev_kcv, ==, aes_kcv);
	}
	g_assert_nonnull(find_info(keys, "ks1", 0x03));

	looked = tks_key_store_lookup_key(store, "ks1", 0x02, &error);
	g_assert_no_error(error);
	g_assert_true(tks_key_info_equal(looked, find_info(keys, "ks1", 0x02)));
	g_assert_false(tks_key_info_equal(looked, find_info(keys, "ks1", 0x03)));
	{
		g_autofree gchar *desc = tks_key_store_describe(store);
		g_assert_nonnull(desc);
		g_assert_cmpstr(desc, !=, "");
	}
}

/* ---- argument and state errors ------------------------------------------------------ */

static void
test_errors(gconstpointer tc)
{
	g_autoptr(TksKeyStore) store = tks_store_test_make(tc);
	g_autoptr(TokSecret) value = tks_store_test_secret(MASTER_DES3);
	g_autoptr(TokSecret) short_transport = tks_store_test_secret(MASTER_AES128);
	g_autoptr(TokSecret) transport = tks_store_test_secret(MASTER_AES256);
	const gchar *bad_names[] = {"", "a b", "x/y", "k\xc3\xa9", "0123456789012345678901234567890123456789012345678901234567890123456789"};
	TksDeriveParams params = {.method = TOK_GP_DIVERSIFY_NIST_SP800_108, .result_type = TOK_GP_KEY_TYPE_DES3};

	if (store == NULL)
		return;
	tks_store_test_import(store, "ks", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	tks_store_test_import(store, "aes", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, MASTER_AES128);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, "ks", 1, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, value, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
		g_assert_null(info);
	}
	{
		/* a 16-byte value is not an AES-256 key nor a developer key set */
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, "ks", 2, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, value, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_assert_null(info);
		g_clear_error(&error);
		info = tks_key_store_import_key(store, "ks", 2, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, value, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		info = tks_key_store_import_key(store, "ks", 2, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, NULL, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	}
	for (guint v = 0; v <= 0x100; v += 0x100) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, "ks", v, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, value, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_assert_null(info);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_names); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, bad_names[i], 1, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, value, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_assert_null(info);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = tks_key_store_lookup_key(store, "ks", 9, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
		g_assert_null(info);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tks_key_store_delete_key(store, "nope", 1, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) keys = tks_key_store_derive_card_keys(store, "nope", 1, &params, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
		g_assert_null(keys);
		g_clear_error(&error);
		keys = tks_key_store_derive_card_keys(store, "ks", 1, NULL, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	}
	{
		g_autoptr(GError) error = NULL;
		TksDeriveParams bad = params;
		g_autoptr(TokGpKeySet) keys = NULL;
		bad.method = (TokGpDiversification)99;
		keys = tks_key_store_derive_card_keys(store, "ks", 1, &bad, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	}
	{
		/* derivations that do not fit the stored key */
		struct {
			const gchar *key_set;
			TokGpDiversification method;
			TokGpKeyType result;
		} cases[] = {
		    {"ks", TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES},
		    {"ks", TOK_GP_DIVERSIFY_NONE, TOK_GP_KEY_TYPE_AES},
		    {"aes", TOK_GP_DIVERSIFY_VISA2, TOK_GP_KEY_TYPE_DES3},
		    {"aes", TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES},
		};
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(GError) error = NULL;
			TksDeriveParams p = {.method = cases[i].method, .result_type = cases[i].result};
			g_autoptr(TokGpKeySet) keys = tks_key_store_derive_card_keys(store, cases[i].key_set, 1, &p, &error);
			g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED);
			g_assert_null(keys);
		}
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) wrapped = tks_key_store_export_wrapped(store, "ks", 1, short_transport, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_assert_null(wrapped);
		g_clear_error(&error);
		wrapped = tks_key_store_export_wrapped(store, "nope", 1, transport, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
	}
}

/* ---- generation, deletion ----------------------------------------------------------- */

static TokGpKeySet *
derive(TksKeyStore *store, const gchar *key_set, guint version, TokGpDiversification method, TokGpKeyType result, gboolean cuid_ctx)
{
	g_autoptr(GError) error = NULL;
	TksDeriveParams p = {.method = method, .result_type = result, .context_is_cuid = cuid_ctx};
	TokGpKeySet *keys;

	tks_store_test_hex_into(KDD, p.kdd, sizeof(p.kdd));
	tks_store_test_hex_into(CUID, p.cuid, sizeof(p.cuid));
	keys = tks_key_store_derive_card_keys(store, key_set, version, &p, &error);
	g_assert_no_error(error);
	g_assert_nonnull(keys);
	return keys;
}

static void
test_generate(gconstpointer tc)
{
	g_autoptr(TksKeyStore) store = tks_store_test_make(tc);
	g_autoptr(TksKeyStore) other = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(TksKeyInfo) again = NULL;
	g_autoptr(TksKeyInfo) looked = NULL;
	g_autoptr(TksKeyInfo) aes = NULL;
	g_autoptr(TksKeyInfo) moved = NULL;
	g_autoptr(TokGpKeySet) k1 = NULL;
	g_autoptr(TokGpKeySet) k2 = NULL;
	g_autoptr(TokGpKeySet) k3 = NULL;
	g_autoptr(TokSecret) transport = tok_secret_new_random(32, NULL);
	g_autoptr(GBytes) wrapped = NULL;

	if (store == NULL)
		return;
	info = tks_key_store_generate_key(store, "gen", 0x05, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tks_key_info_get_key_type(info), ==, TKS_KEY_TYPE_DES3);
	looked = tks_key_store_lookup_key(store, "gen", 0x05, &error);
	g_assert_no_error(error);
	g_assert_true(tks_key_info_equal(info, looked));
	again = tks_key_store_generate_key(store, "gen", 0x05, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
	g_assert_null(again);
	g_clear_error(&error);

	k1 = derive(store, "gen", 5, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
	k2 = derive(store, "gen", 5, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
	g_assert_true(tok_gp_key_set_equal(k1, k2));

	aes = tks_key_store_generate_key(store, "gen", 0x06, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, &error);
	g_assert_no_error(error);
	g_clear_pointer(&k2, tok_gp_key_set_unref);
	k2 = derive(store, "gen", 6, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, FALSE);
	g_assert_cmpuint(tok_gp_key_set_get_key_length(k2), ==, 16);

	/* a generated key moves to another store and derives the same card keys there */
	wrapped = tks_key_store_export_wrapped(store, "gen", 5, transport, &error);
	g_assert_no_error(error);
	other = tks_store_test_make(tc);
	moved = tks_key_store_import_wrapped(other, info, transport, wrapped, &error);
	g_assert_no_error(error);
	g_assert_true(tks_key_info_equal(moved, info));
	k3 = derive(other, "gen", 5, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
	g_assert_true(tok_gp_key_set_equal(k1, k3));
}

static void
test_delete(gconstpointer tc)
{
	g_autoptr(TksKeyStore) store = tks_store_test_make(tc);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(TksKeyInfo) info = NULL;

	if (store == NULL)
		return;
	tks_store_test_import(store, "del", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	tks_store_test_import(store, "del", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, MASTER_AES128);
	g_assert_true(tks_key_store_delete_key(store, "del", 0x01, &error));
	g_assert_no_error(error);
	keys = tks_key_store_list_keys(store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 1);
	g_assert_nonnull(find_info(keys, "del", 0x02));
	info = tks_key_store_lookup_key(store, "del", 0x01, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(tks_key_store_delete_key(store, "del", 0x01, &error));
	g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND);
	/* the address is free again */
	tks_store_test_import(store, "del", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, MASTER_AES256);
}

/* ---- derivation against libtok-gp ------------------------------------------------------ */

static void
check_derive(TksKeyStore *store,
	     TokGpCrypto *crypto,
	     const gchar *key_set,
	     const gchar *master_hex,
	     TokGpKeyType master_type,
	     TokGpDiversification method,
	     TokGpKeyType result,
	     gboolean cuid_ctx)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) master = tks_store_test_secret(master_hex);
	g_autoptr(TokGpKeySet) got = derive(store, key_set, 1, method, result, cuid_ctx);
	g_autoptr(TokGpKeySet) want = NULL;
	guint8 kdd[10], cuid[10];

	tks_store_test_hex_into(KDD, kdd, sizeof(kdd));
	tks_store_test_hex_into(CUID, cuid, sizeof(cuid));
	want = tok_gp_key_set_derive(crypto, method, master_type, master, kdd, cuid_ctx ? cuid : kdd, 10, cuid, result, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(got, want));
}

static void
test_derive(gconstpointer tc)
{
	g_autoptr(TksKeyStore) store = tks_store_test_make(tc);
	g_autoptr(TokGpCrypto) crypto = tks_store_test_crypto();
	const TokGpDiversification des_methods[] = {TOK_GP_DIVERSIFY_NONE,
						    TOK_GP_DIVERSIFY_VISA2,
						    TOK_GP_DIVERSIFY_EMV,
						    TOK_GP_DIVERSIFY_NIST_SP800_108};

	if (store == NULL)
		return;
	tks_store_test_import(store, "des", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	tks_store_test_import(store, "aes128", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, MASTER_AES128);
	tks_store_test_import(store, "aes256", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, MASTER_AES256);
	tks_store_test_import(store, "dev", 0x01, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, DEV_DISTINCT);

	for (guint i = 0; i < G_N_ELEMENTS(des_methods); i++)
		check_derive(store, crypto, "des", MASTER_DES3, TOK_GP_KEY_TYPE_DES3, des_methods[i], TOK_GP_KEY_TYPE_DES3, FALSE);
	check_derive(store, crypto, "des", MASTER_DES3, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, TRUE);
	check_derive(store, crypto, "des", MASTER_DES3, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
	check_derive(store, crypto, "des", MASTER_DES3, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_VISA2, TOK_GP_KEY_TYPE_AES, FALSE);
	check_derive(store, crypto, "aes128", MASTER_AES128, TOK_GP_KEY_TYPE_AES, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, FALSE);
	check_derive(store, crypto, "aes256", MASTER_AES256, TOK_GP_KEY_TYPE_AES, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, FALSE);
	check_derive(store, crypto, "aes128", MASTER_AES128, TOK_GP_KEY_TYPE_AES, TOK_GP_DIVERSIFY_NONE, TOK_GP_KEY_TYPE_AES, FALSE);
	check_derive(store, crypto, "aes256", MASTER_AES256, TOK_GP_KEY_TYPE_AES, TOK_GP_DIVERSIFY_NONE, TOK_GP_KEY_TYPE_AES, FALSE);

	/* NIST with the KDD and with the CUID as context differ */
	{
		g_autoptr(TokGpKeySet) a = derive(store, "des", 1, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
		g_autoptr(TokGpKeySet) b = derive(store, "des", 1, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, TRUE);
		g_assert_false(tok_gp_key_set_equal(a, b));
	}
	/* developer keys: each card key from its own component */
	{
		g_autoptr(TokGpKeySet) raw = derive(store, "dev", 1, TOK_GP_DIVERSIFY_NONE, TOK_GP_KEY_TYPE_DES3, FALSE);
		g_autoptr(TokGpKeySet) emv = derive(store, "dev", 1, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
		const gchar *parts[3] = {DEV_40, "505152535455565758595A5B5C5D5E5F", "606162636465666768696A6B6C6D6E6F"};
		const TokGpKeyUsage usages[3] = {TOK_GP_KEY_ENC, TOK_GP_KEY_MAC, TOK_GP_KEY_DEK};
		guint8 kdd[10];

		tks_store_test_hex_into(KDD, kdd, sizeof(kdd));
		for (guint i = 0; i < 3; i++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(TokSecret) part = tks_store_test_secret(parts[i]);
			g_autoptr(TokGpKeySet) want = tok_gp_key_set_derive(crypto,
									    TOK_GP_DIVERSIFY_EMV,
									    TOK_GP_KEY_TYPE_DES3,
									    part,
									    kdd,
									    NULL,
									    0,
									    NULL,
									    TOK_GP_KEY_TYPE_AES,
									    &error);
			g_assert_no_error(error);
			g_assert_true(tok_secret_equal(tok_gp_key_set_get_key(raw, usages[i]), part));
			g_assert_true(tok_secret_equal(tok_gp_key_set_get_key(emv, usages[i]), tok_gp_key_set_get_key(want, usages[i])));
		}
		g_assert_cmpint(tok_gp_key_set_get_key_type(emv), ==, TOK_GP_KEY_TYPE_AES);
	}
}

/* ---- wrapped export / import -------------------------------------------------------- */

static void
test_export_import(gconstpointer tc)
{
	g_autoptr(TksKeyStore) a = tks_store_test_make(tc);
	g_autoptr(TksKeyStore) b = NULL;
	g_autoptr(TokSecret) transport = tks_store_test_secret(MASTER_AES256);
	g_autoptr(TokSecret) wrong = tok_secret_new_random(32, NULL);
	struct {
		const gchar *key_set;
		TksKeyKind kind;
		TksKeyType type;
		const gchar *value;
	} keys[] = {
	    {"mk", TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3},
	    {"mk2", TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, MASTER_AES128},
	    {"mk3", TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, MASTER_AES256},
	    {"dev", TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, DEV_DISTINCT},
	};

	if (a == NULL)
		return;
	b = tks_store_test_make(tc);
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) value = tks_store_test_secret(keys[i].value);
		g_autoptr(TksKeyInfo) info = NULL;
		g_autoptr(TksKeyInfo) imported = NULL;
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(TokSecret) clear = NULL;
		g_autoptr(TokGpKeySet) ka = NULL;
		g_autoptr(TokGpKeySet) kb = NULL;

		tks_store_test_import(a, keys[i].key_set, 0x21, keys[i].kind, keys[i].type, keys[i].value);
		info = tks_key_store_lookup_key(a, keys[i].key_set, 0x21, &error);
		g_assert_no_error(error);
		wrapped = tks_key_store_export_wrapped(a, keys[i].key_set, 0x21, transport, &error);
		g_assert_no_error(error);
		/* RFC 5649: the value rounded up to 8 bytes, plus 8 */
		g_assert_cmpuint(g_bytes_get_size(wrapped), ==, tok_secret_get_size(value) + 8);
		/* the software reference unwraps what the store wrapped */
		clear = tks_key_unwrap_pad(transport, wrapped, &error);
		g_assert_no_error(error);
		g_assert_true(tok_secret_equal(clear, value));

		imported = tks_key_store_import_wrapped(b, info, wrong, wrapped, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
		g_assert_null(imported);
		g_clear_error(&error);
		imported = tks_key_store_import_wrapped(b, info, transport, wrapped, &error);
		g_assert_no_error(error);
		g_assert_true(tks_key_info_equal(imported, info));
		g_clear_pointer(&imported, tks_key_info_free);
		imported = tks_key_store_import_wrapped(b, info, transport, wrapped, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);

		if (keys[i].type == TKS_KEY_TYPE_DES3) {
			ka = derive(a, keys[i].key_set, 0x21, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
			kb = derive(b, keys[i].key_set, 0x21, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
		} else {
			ka = derive(a, keys[i].key_set, 0x21, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, FALSE);
			kb = derive(b, keys[i].key_set, 0x21, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, FALSE);
		}
		g_assert_true(tok_gp_key_set_equal(ka, kb));
	}
	/* software-wrapped keys import; damage and wrong check values are refused */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) value = tks_store_test_secret(MASTER_DES3);
		g_autoptr(GBytes) wrapped = tks_key_wrap_pad(transport, value, &error);
		g_autoptr(TksKeyInfo) src = tks_key_store_lookup_key(a, "mk", 0x21, &error);
		g_autoptr(TksKeyInfo) info = tks_key_info_new("sw", 0x07, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, tks_key_info_get_kcv(src, 0));
		const guint8 bad_kcv[3] = {0x00, 0x00, 0x00};
		g_autoptr(TksKeyInfo) bad_info = tks_key_info_new("sw", 0x08, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, bad_kcv);
		g_autoptr(TksKeyInfo) imported = NULL;
		g_autoptr(GByteArray) damaged = g_byte_array_new();
		g_autoptr(GBytes) damaged_bytes = NULL;

		g_assert_no_error(error);
		imported = tks_key_store_import_wrapped(b, bad_info, transport, wrapped, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
		g_assert_null(imported);
		g_clear_error(&error);
		g_byte_array_append(damaged, g_bytes_get_data(wrapped, NULL), (guint)g_bytes_get_size(wrapped));
		damaged->data[damaged->len - 1] ^= 0x01;
		damaged_bytes = g_bytes_new(damaged->data, damaged->len);
		imported = tks_key_store_import_wrapped(b, info, transport, damaged_bytes, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
		g_clear_error(&error);
		imported = tks_key_store_import_wrapped(b, info, transport, wrapped, &error);
		g_assert_no_error(error);
		g_assert_true(tks_key_info_equal(imported, info));
	}
}

/* The tkstool transfer file between two stores. */
static void
test_transfer_file(gconstpointer tc)
{
	g_autoptr(TksKeyStore) a = tks_store_test_make(tc);
	g_autoptr(TksKeyStore) b = NULL;
	g_autoptr(TokGpCrypto) crypto = tks_store_test_crypto();
	g_autoptr(TokSecret) transport = tok_secret_new_random(32, NULL);
	g_autoptr(TokSecret) wrong = tok_secret_new_random(32, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("tks-transfer-XXXXXX", &error);
	g_autofree gchar *path = NULL;
	g_autoptr(TksKeyInfo) out = NULL;
	g_autoptr(TksKeyInfo) in = NULL;

	g_assert_no_error(error);
	path = g_build_filename(dir, "mk.wrapped", NULL);
	if (a == NULL)
		return;
	b = tks_store_test_make(tc);
	tks_store_test_import(a, "mk", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	out = tks_key_transfer_export(a, crypto, "mk", 0x02, transport, path, &error);
	g_assert_no_error(error);
	/* never overwritten */
	{
		g_autoptr(TksKeyInfo) again = tks_key_transfer_export(a, crypto, "mk", 0x02, transport, path, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
		g_assert_null(again);
		g_clear_error(&error);
	}
	in = tks_key_transfer_import(b, crypto, path, wrong, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
	g_assert_nonnull(strstr(error->message, "wrong transport key"));
	g_clear_error(&error);
	in = tks_key_transfer_import(b, crypto, path, transport, &error);
	g_assert_no_error(error);
	g_assert_true(tks_key_info_equal(in, out));
	g_unlink(path);
	g_rmdir(dir);
}

/* ---- threads ------------------------------------------------------------------------ */

static gpointer
derive_thread(gpointer data)
{
	TksKeyStore *store = data;
	TokGpKeySet *first = derive(store, "mt", 1, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
	for (guint i = 0; i < 20; i++) {
		g_autoptr(TokGpKeySet) k = derive(store, "mt", 1, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
		g_assert_true(tok_gp_key_set_equal(first, k));
	}
	return first;
}

static void
test_threads(gconstpointer tc)
{
	g_autoptr(TksKeyStore) store = tks_store_test_make(tc);
	GThread *threads[4];
	g_autoptr(TokGpKeySet) first = NULL;

	if (store == NULL)
		return;
	tks_store_test_import(store, "mt", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		threads[i] = g_thread_new("derive", derive_thread, store);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
		g_autoptr(TokGpKeySet) k = g_thread_join(threads[i]);
		if (first == NULL)
			first = tok_gp_key_set_ref(k);
		g_assert_true(tok_gp_key_set_equal(first, k));
	}
}

/* ---- registration ------------------------------------------------------------------- */

static void
tks_store_test_run(gconstpointer data)
{
	const TksStoreTestCase *tc = data;
	tc->func(tc);
}

void
tks_store_test_add(const gchar *prefix,
		   const gchar *name,
		   TksStoreTestMakeFunc make_store,
		   gpointer data,
		   void (*func)(gconstpointer tc))
{
	TksStoreTestCase *tc = g_new0(TksStoreTestCase, 1);
	g_autofree gchar *path = g_strdup_printf("%s/%s", prefix, name);

	tc->make = make_store;
	tc->data = data;
	tc->func = func;
	g_test_add_data_func_full(path, tc, tks_store_test_run, g_free);
}

void
tks_store_test_suite_add(const gchar *prefix, TksStoreTestMakeFunc make_store, gpointer data)
{
	tks_store_test_add(prefix, "store/import-list", make_store, data, test_import_list);
	tks_store_test_add(prefix, "store/errors", make_store, data, test_errors);
	tks_store_test_add(prefix, "store/generate", make_store, data, test_generate);
	tks_store_test_add(prefix, "store/delete", make_store, data, test_delete);
	tks_store_test_add(prefix, "store/derive", make_store, data, test_derive);
	tks_store_test_add(prefix, "store/export-import", make_store, data, test_export_import);
	tks_store_test_add(prefix, "store/transfer-file", make_store, data, test_transfer_file);
	tks_store_test_add(prefix, "store/threads", make_store, data, test_threads);
	tks_store_test_service_add(prefix, make_store, data);
}
