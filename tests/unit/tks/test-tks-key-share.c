/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-share.h"
#include "tok-bytes.h"

static TokGpCrypto *
new_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return crypto;
}

static TokSecret *
secret_hex(const gchar *hex)
{
	g_autoptr(GBytes) b = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, NULL);
	g_assert_nonnull(b);
	return tok_secret_new_from_data(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

/* Each share through its text form, as tkstool writes and reads them. */
static GPtrArray *
through_text(GPtrArray *shares)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tks_key_share_free);
	for (guint i = 0; i < shares->len; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) text = tks_key_share_to_text(g_ptr_array_index(shares, i));
		TksKeyShare *back = tks_key_share_parse(g_bytes_get_data(text, NULL), g_bytes_get_size(text), &error);
		g_assert_no_error(error);
		g_ptr_array_add(out, back);
	}
	return out;
}

static void
test_round_trip(void)
{
	g_autoptr(TokGpCrypto) crypto = new_crypto();
	const struct {
		TksKeyType type;
		const gchar *key;
		guint count;
	} cases[] = {
	    {TKS_KEY_TYPE_DES3, "404142434445464748494A4B4C4D4E4F", 3},
	    {TKS_KEY_TYPE_AES128, "000102030405060708090A0B0C0D0E0F", 2},
	    {TKS_KEY_TYPE_AES256, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 16},
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) key = secret_hex(cases[c].key);
		g_autoptr(GPtrArray) shares = tks_key_share_split(crypto, cases[c].type, key, cases[c].count, "ks", 0x02, &error);
		g_autoptr(GPtrArray) parsed = NULL;
		g_autoptr(TokSecret) back = NULL;
		TksKeyType type = TKS_KEY_TYPE_AES256;

		g_assert_no_error(error);
		g_assert_cmpuint(shares->len, ==, cases[c].count);
		for (guint i = 0; i < shares->len; i++) {
			g_assert_cmpuint(tks_key_share_get_index(g_ptr_array_index(shares, i)), ==, i + 1);
			g_assert_cmpuint(tks_key_share_get_count(g_ptr_array_index(shares, i)), ==, cases[c].count);
		}
		parsed = through_text(shares);
		/* order does not matter */
		g_ptr_array_add(parsed, g_ptr_array_steal_index(parsed, 0));
		back = tks_key_share_combine(crypto, parsed, TKS_KEY_TYPE_DES3, &type, &error);
		g_assert_no_error(error);
		g_assert_true(tok_secret_equal(back, key));
		g_assert_cmpint(type, ==, cases[c].type);
	}
}

static void
test_text_form(void)
{
	g_autoptr(TokGpCrypto) crypto = new_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) key = secret_hex("404142434445464748494A4B4C4D4E4F");
	g_autoptr(GPtrArray) shares = tks_key_share_split(crypto, TKS_KEY_TYPE_DES3, key, 2, "defKeySet", 0x0A, &error);
	g_autoptr(GBytes) text = tks_key_share_to_text(g_ptr_array_index(shares, 1));
	g_autofree gchar *str = g_strndup(g_bytes_get_data(text, NULL), g_bytes_get_size(text));
	g_auto(GStrv) lines = g_strsplit(str, "\n", -1);

	g_assert_no_error(error);
	g_assert_cmpstr(lines[0], ==, "# tkstool key share 2 of 2: keep it secret, one custodian only");
	g_assert_cmpstr(lines[1], ==, "key-set: defKeySet");
	g_assert_cmpstr(lines[2], ==, "version: 0A");
	g_assert_cmpstr(lines[3], ==, "type: des3");
	g_assert_cmpstr(lines[4], ==, "share: 2/2");
	/* eight groups of four hex digits */
	g_assert_true(g_str_has_prefix(lines[5], "value: "));
	g_assert_cmpuint(strlen(lines[5]), ==, strlen("value: ") + 8 * 4 + 7);
	g_assert_true(g_str_has_prefix(lines[6], "check-value: "));
	/* the whole key's KCV: 40..4F is the GP test key, 8BAF47 */
	g_assert_cmpstr(lines[7], ==, "key-check-value: 8BAF47");
}

static TksKeyShare *
parse_str(const gchar *text, GError **error)
{
	return tks_key_share_parse((const guint8 *)text, strlen(text), error);
}

static void
test_wrong_share(void)
{
	g_autoptr(TokGpCrypto) crypto = new_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) key = secret_hex("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
	g_autoptr(TokSecret) other = secret_hex("B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF");
	g_autoptr(GPtrArray) shares = tks_key_share_split(crypto, TKS_KEY_TYPE_DES3, key, 3, NULL, 0, &error);
	g_autoptr(GPtrArray) others = tks_key_share_split(crypto, TKS_KEY_TYPE_DES3, other, 3, NULL, 0, &error);
	g_autoptr(GPtrArray) set = NULL;
	g_autoptr(TokSecret) back = NULL;

	g_assert_no_error(error);
	/* a mistyped value in share 2 */
	{
		g_autoptr(GBytes) text = tks_key_share_to_text(g_ptr_array_index(shares, 1));
		g_autofree gchar *str = g_strndup(g_bytes_get_data(text, NULL), g_bytes_get_size(text));
		gchar *value = strstr(str, "value: ") + strlen("value: ");
		TksKeyShare *bad;
		value[0] = value[0] == '0' ? '1' : '0';
		bad = parse_str(str, &error);
		g_assert_no_error(error);
		set = through_text(shares);
		g_ptr_array_remove_index(set, 1);
		g_ptr_array_insert(set, 1, bad);
		back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
		g_assert_cmpstr(error->message, ==, "share 2: check value does not match");
		g_assert_null(back);
		g_clear_error(&error);
		g_clear_pointer(&set, g_ptr_array_unref);
	}
	/* share 2 of another key: its own KCV is fine, the combined key's is not */
	set = through_text(shares);
	g_ptr_array_remove_index(set, 1);
	g_ptr_array_insert(set, 1, tks_key_share_copy(g_ptr_array_index(others, 1)));
	back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_clear_pointer(&set, g_ptr_array_unref);
	/* the same, with the key check value line changed to match: caught after combining */
	{
		g_autoptr(GBytes) mine = tks_key_share_to_text(g_ptr_array_index(shares, 0));
		g_autoptr(GBytes) theirs = tks_key_share_to_text(g_ptr_array_index(others, 1));
		g_autofree gchar *m = g_strndup(g_bytes_get_data(mine, NULL), g_bytes_get_size(mine));
		g_autofree gchar *t = g_strndup(g_bytes_get_data(theirs, NULL), g_bytes_get_size(theirs));
		gchar *mk = strstr(m, "key-check-value: ");
		gchar *tk = strstr(t, "key-check-value: ");
		TksKeyShare *forged;
		for (guint i = 0; i < strlen("key-check-value: 000000"); i++)
			tk[i] = mk[i];
		forged = parse_str(t, &error);
		g_assert_no_error(error);
		set = through_text(shares);
		g_ptr_array_remove_index(set, 1);
		g_ptr_array_insert(set, 1, forged);
		back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
		g_assert_nonnull(strstr(error->message, "combined key does not match"));
		g_clear_error(&error);
		g_clear_pointer(&set, g_ptr_array_unref);
	}
	/* missing and repeated shares */
	set = through_text(shares);
	g_ptr_array_remove_index(set, 2);
	back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "3 shares"));
	g_clear_error(&error);
	g_ptr_array_add(set, tks_key_share_copy(g_ptr_array_index(set, 0)));
	back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_ptr_array_set_size(set, 1);
	back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
}

/* Shares typed by hand: no metadata, only value and check value (KCVs of the values). */
static void
test_minimal_shares(void)
{
	g_autoptr(TokGpCrypto) crypto = new_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) set = g_ptr_array_new_with_free_func((GDestroyNotify)tks_key_share_free);
	g_autoptr(TokSecret) back = NULL;
	guint8 kcv[2][3];
	const gchar *values[2] = {"404142434445464748494A4B4C4D4E4F", "00000000000000000000000000000000"};

	for (guint i = 0; i < 2; i++) {
		g_autoptr(TokSecret) v = secret_hex(values[i]);
		g_autofree gchar *hex = NULL;
		g_autofree gchar *text = NULL;
		g_assert_true(tok_gp_crypto_kcv_des(crypto, tok_secret_get_data(v, NULL), 16, kcv[i], &error));
		hex = tok_hex_encode(kcv[i], 3, FALSE);
		text = g_strdup_printf("\n  # typed\r\nvalue: %s\ncheck-value :  %s  \n", values[i], hex);
		g_ptr_array_add(set, parse_str(text, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(tks_key_share_get_index(g_ptr_array_index(set, i)), ==, 0);
	}
	back = tks_key_share_combine(crypto, set, TKS_KEY_TYPE_DES3, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(back, (const guint8 *)"@ABCDEFGHIJKLMNO", 16));
}

static void
test_parse_errors(void)
{
	const gchar *bad[] = {
	    "",
	    "value: 0011\ncheck-value: 000000\n",
	    "value: 404142434445464748494A4B4C4D4E4F\n",
	    "check-value: 000000\n",
	    "value: 404142434445464748494A4B4C4D4E4\ncheck-value: 000000\n",
	    "value: 404142434445464748494A4B4C4D4E4G\ncheck-value: 000000\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 0000\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nvalue: 00\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\ncolour: blue\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nno colon\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nshare: 3/2\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nshare: 1/1\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nshare: 0/2\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nshare: 1/17\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nversion: 100\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nversion: 00\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\ntype: des\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\ntype: aes256\n",
	    "value: 404142434445464748494A4B4C4D4E4F\ncheck-value: 000000\nkey-set: a b\n",
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyShare) share = parse_str(bad[i], &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_assert_null(share);
	}
	{
		g_autoptr(GError) error = NULL;
		const guint8 nul[] = "value: 40\0";
		g_autoptr(TksKeyShare) share = tks_key_share_parse(nul, sizeof(nul), &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_clear_error(&error);
		share = tks_key_share_parse(NULL, 0, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
	}
}

static void
test_split_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = new_crypto();
	g_autoptr(TokSecret) key = secret_hex("404142434445464748494A4B4C4D4E4F");
	const guint counts[] = {0, 1, 17};
	for (guint i = 0; i < G_N_ELEMENTS(counts); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) shares = tks_key_share_split(crypto, TKS_KEY_TYPE_DES3, key, counts[i], NULL, 0, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_assert_null(shares);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) shares = tks_key_share_split(crypto, TKS_KEY_TYPE_AES256, key, 2, NULL, 0, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		shares = tks_key_share_split(crypto, TKS_KEY_TYPE_DES3, key, 2, "bad name", 0, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tks/key-share/round-trip", test_round_trip);
	g_test_add_func("/tks/key-share/text-form", test_text_form);
	g_test_add_func("/tks/key-share/wrong-share", test_wrong_share);
	g_test_add_func("/tks/key-share/minimal", test_minimal_shares);
	g_test_add_func("/tks/key-share/parse-errors", test_parse_errors);
	g_test_add_func("/tks/key-share/split-errors", test_split_errors);
	return g_test_run();
}
