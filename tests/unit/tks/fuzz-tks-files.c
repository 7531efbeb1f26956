/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target for the files the TKS reads from outside: the first byte picks the parser,
 * the rest is its input.
 *   0: a key store file image (opened with a fixed 32-byte key file key);
 *   1: a key list, sealed here with that key first, so the fuzzer reaches the list parser;
 *   2: a key share (tkstool combine);
 *   3: a wrapped key transfer file (tkstool import);
 *   4: a TKS configuration (GKeyFile).
 * Whatever parses must survive a round trip through its writer.
 */
#include "config.h"

#include "fuzz.h"
#include "tks-config.h"
#include "tks-key-share.h"
#include "tks-key-store-file.h"
#include "tks-key-transfer.h"
#include "tks-test-seal.h"

static const guint8 fuzz_key[32] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB,
				    0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
				    0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10};

static void
fuzz_store(const guint8 *data, gsize len)
{
	g_autoptr(TokSecret) key = tok_secret_new_from_data(fuzz_key, sizeof(fuzz_key));
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyStoreFile) store =
	    tks_key_store_file_new_from_data("/nonexistent/fuzz.keys", data, len, NULL, key, &error);
	g_autoptr(GPtrArray) keys = NULL;

	if (store == NULL) {
		g_assert_nonnull(error);
		return;
	}
	keys = tks_key_store_list_keys(TKS_KEY_STORE(store), &error);
	g_assert_no_error(error);
	for (guint i = 0; i < keys->len; i++) {
		TksKeyInfo *info = g_ptr_array_index(keys, i);
		TksDeriveParams p = {.method = TOK_GP_DIVERSIFY_NONE,
				     .result_type = tks_key_type_to_gp(tks_key_info_get_key_type(info))};
		g_autoptr(TokGpKeySet) set = tks_key_store_derive_card_keys(TKS_KEY_STORE(store),
									   tks_key_info_get_key_set(info),
									   tks_key_info_get_version(info),
									   &p,
									   &error);
		g_assert_no_error(error);
		g_assert_nonnull(set);
	}
}

static void
fuzz_share(const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyShare) share = tks_key_share_parse(data, len, &error);
	g_autoptr(GBytes) text = NULL;
	g_autoptr(TksKeyShare) again = NULL;

	if (share == NULL)
		return;
	text = tks_key_share_to_text(share);
	again = tks_key_share_parse(g_bytes_get_data(text, NULL), g_bytes_get_size(text), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(tks_key_share_get_kcv(share), 3, tks_key_share_get_kcv(again), 3);
	g_assert_cmpuint(tks_key_share_get_index(share), ==, tks_key_share_get_index(again));
}

static void
fuzz_transfer(const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(TksKeyInfo) info2 = NULL;
	g_autoptr(GBytes) wrapped2 = NULL;
	g_autofree gchar *text = NULL;
	guint8 tkcv[3];
	guint8 tkcv2[3];

	if (!tks_key_transfer_parse(data, len, &info, &wrapped, tkcv, &error))
		return;
	text = tks_key_transfer_to_text(info, wrapped, tkcv);
	g_assert_true(tks_key_transfer_parse((const guint8 *)text, strlen(text), &info2, &wrapped2, tkcv2, &error));
	g_assert_true(tks_key_info_equal(info, info2));
	g_assert_true(g_bytes_equal(wrapped, wrapped2));
}

static void
fuzz_config(const guint8 *data, gsize len)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(TksConfig) config = NULL;

	if (len > 8192 || !g_key_file_load_from_data(kf, (const gchar *)data, len, G_KEY_FILE_NONE, NULL))
		return;
	config = tks_config_new(kf, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 5) {
	case 0:
		fuzz_store(data + 1, size - 1);
		break;
	case 1: {
		g_autoptr(GBytes) file = tks_test_seal(fuzz_key, data + 1, size - 1);
		fuzz_store(g_bytes_get_data(file, NULL), g_bytes_get_size(file));
		break;
	}
	case 2:
		fuzz_share(data + 1, size - 1);
		break;
	case 3:
		fuzz_transfer(data + 1, size - 1);
		break;
	default:
		fuzz_config(data + 1, size - 1);
		break;
	}
	return 0;
}
