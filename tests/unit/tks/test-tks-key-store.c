/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tks-key-store.c helpers (kinds, types, names, TksKeyInfo, RFC 5649 in software) and
 * tks-error.c (status code mapping).
 */
#include "config.h"

#include "tks-key-store.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"

static void
test_names_types(void)
{
	TksKeyType type = TKS_KEY_TYPE_DES3;
	TksKeyKind kind = TKS_KEY_KIND_MASTER;
	g_autofree gchar *long_name = g_strnfill(TKS_KEY_SET_NAME_MAX, 'k');
	g_autofree gchar *too_long = g_strnfill(TKS_KEY_SET_NAME_MAX + 1, 'k');

	g_assert_true(tks_key_type_from_string("AES256", &type));
	g_assert_cmpint(type, ==, TKS_KEY_TYPE_AES256);
	g_assert_false(tks_key_type_from_string("aes", &type));
	g_assert_false(tks_key_type_from_string(NULL, &type));
	g_assert_true(tks_key_kind_from_string("developer", &kind));
	g_assert_cmpint(kind, ==, TKS_KEY_KIND_DEVELOPER);
	g_assert_false(tks_key_kind_from_string("Developer", &kind));
	g_assert_cmpstr(tks_key_type_to_string(TKS_KEY_TYPE_AES128), ==, "aes128");
	g_assert_null(tks_key_type_to_string((TksKeyType)9));
	g_assert_null(tks_key_kind_to_string((TksKeyKind)9));
	g_assert_cmpuint(tks_key_value_length(TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3), ==, 16);
	g_assert_cmpuint(tks_key_value_length(TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_AES256), ==, 96);
	g_assert_cmpuint(tks_key_value_length((TksKeyKind)5, TKS_KEY_TYPE_AES256), ==, 0);
	g_assert_cmpuint(tks_key_value_length(TKS_KEY_KIND_MASTER, (TksKeyType)5), ==, 0);
	g_assert_cmpint(tks_key_type_to_gp(TKS_KEY_TYPE_AES128), ==, TOK_GP_KEY_TYPE_AES);
	g_assert_true(tks_key_set_name_is_valid("defKeySet"));
	g_assert_true(tks_key_set_name_is_valid("a.b-c_9"));
	g_assert_true(tks_key_set_name_is_valid(long_name));
	g_assert_false(tks_key_set_name_is_valid(too_long));
	g_assert_false(tks_key_set_name_is_valid(""));
	g_assert_false(tks_key_set_name_is_valid(NULL));
	g_assert_false(tks_key_set_name_is_valid("a#b"));
	{
		g_autoptr(GError) error = NULL;
		g_assert_true(tks_key_check_address("a", 0xFF, &error));
		g_assert_false(tks_key_check_address("a", 0x100, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		g_assert_false(tks_key_check_address("a\xff", 1, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_key_info(void)
{
	const guint8 kcvs[9] = {0x8B, 0xAF, 0x47, 1, 2, 3, 0xAA, 0xBB, 0xCC};
	g_autoptr(TksKeyInfo) a = tks_key_info_new("b", 2, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, kcvs);
	g_autoptr(TksKeyInfo) b = tks_key_info_copy(a);
	g_autoptr(TksKeyInfo) c = tks_key_info_new("b", 2, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, kcvs);
	g_autoptr(TksKeyInfo) d = tks_key_info_new("a", 9, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, kcvs);
	g_autoptr(TksKeyInfo) e = tks_key_info_new("b", 3, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, kcvs);
	g_autofree gchar *hex = tks_key_info_get_kcv_hex(a);
	g_autofree gchar *hex1 = tks_key_info_get_kcv_hex(c);

	g_assert_true(tks_key_info_equal(a, b));
	g_assert_false(tks_key_info_equal(a, c));
	g_assert_false(tks_key_info_equal(a, NULL));
	g_assert_true(tks_key_info_equal(NULL, NULL));
	g_assert_cmpstr(hex, ==, "8BAF47 010203 AABBCC");
	g_assert_cmpstr(hex1, ==, "8BAF47");
	g_assert_cmpmem(tks_key_info_get_kcv(a, 2), 3, kcvs + 6, 3);
	g_assert_null(tks_key_info_get_kcv(c, 1));
	g_assert_cmpint(tks_key_info_compare(d, c), <, 0);
	g_assert_cmpint(tks_key_info_compare(c, e), <, 0);
	g_assert_cmpint(tks_key_info_compare(c, c), ==, 0);
	g_assert_true(G_TYPE_IS_BOXED(TKS_TYPE_KEY_INFO));
}

static void
test_kcvs(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(&error);
	g_autoptr(TokSecret) dev = tok_secret_new(48);
	g_autoptr(TokSecret) shorter = tok_secret_new(47);
	guint8 out[9] = {0};
	const guint8 want[9] = {0x8B, 0xAF, 0x47, 0x8B, 0xAF, 0x47, 0x8B, 0xAF, 0x47};

	g_assert_no_error(error);
	for (guint i = 0; i < 48; i++)
		tok_secret_get_mutable_data(dev)[i] = (guint8)(0x40 + i % 16);
	g_assert_true(tks_key_value_compute_kcvs(crypto, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, dev, out, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(out, 9, want, 9);
	g_assert_false(tks_key_value_compute_kcvs(crypto, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, shorter, out, &error));
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
}

/* RFC 3394 section 2.2.2 unwrapping, written independently of OpenSSL's wrap modes, to check
 * that tks_key_wrap_pad() produces RFC 5649 (AIV A65959A6 || 32-bit length). */
static TokSecret *
reference_unwrap_5649(TokGpCrypto *crypto, TokSecret *kek, GBytes *wrapped)
{
	g_autoptr(GError) error = NULL;
	gsize len = g_bytes_get_size(wrapped);
	const guint8 *c = g_bytes_get_data(wrapped, NULL);
	guint n = (guint)(len / 8 - 1);
	guint8 a[8];
	g_autofree guint8 *r = g_malloc(n * 8);
	guint32 mli;

	for (guint i = 0; i < 8; i++)
		a[i] = c[i];
	for (guint i = 0; i < n * 8; i++)
		r[i] = c[8 + i];
	for (gint j = 5; j >= 0; j--) {
		for (guint i = n; i >= 1; i--) {
			guint64 t = (guint64)n * (guint64)j + i;
			guint8 b[16];
			for (guint k = 0; k < 8; k++)
				b[k] = a[k] ^ (guint8)(t >> (56 - 8 * k));
			for (guint k = 0; k < 8; k++)
				b[8 + k] = r[(i - 1) * 8 + k];
			g_assert_true(tok_gp_crypto_aes_ecb(crypto, FALSE, tok_secret_get_data(kek, NULL), 32, b, 16, b, &error));
			g_assert_no_error(error);
			for (guint k = 0; k < 8; k++) {
				a[k] = b[k];
				r[(i - 1) * 8 + k] = b[8 + k];
			}
		}
	}
	g_assert_cmphex(a[0], ==, 0xA6);
	g_assert_cmphex(a[1], ==, 0x59);
	g_assert_cmphex(a[2], ==, 0x59);
	g_assert_cmphex(a[3], ==, 0xA6);
	mli = ((guint32)a[4] << 24) | ((guint32)a[5] << 16) | ((guint32)a[6] << 8) | a[7];
	g_assert_cmpuint(mli, <=, n * 8);
	g_assert_cmpuint(mli, >, n * 8 - 8);
	for (guint i = mli; i < n * 8; i++)
		g_assert_cmphex(r[i], ==, 0);
	return tok_secret_new_from_data(r, mli);
}

static void
test_wrap_pad(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(&error);
	g_autoptr(TokSecret) kek = tok_secret_new_random(32, &error);
	const gsize lengths[] = {16, 20, 32, 48, 96};

	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(lengths); i++) {
		g_autoptr(TokSecret) value = tok_secret_new_random(lengths[i], &error);
		g_autoptr(GBytes) wrapped = tks_key_wrap_pad(kek, value, &error);
		g_autoptr(TokSecret) back = NULL;
		g_autoptr(TokSecret) ref = NULL;

		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(wrapped), ==, (lengths[i] + 7) / 8 * 8 + 8);
		back = tks_key_unwrap_pad(kek, wrapped, &error);
		g_assert_no_error(error);
		g_assert_true(tok_secret_equal(back, value));
		ref = reference_unwrap_5649(crypto, kek, wrapped);
		g_assert_true(tok_secret_equal(ref, value));
	}
	{
		g_autoptr(TokSecret) value = tok_secret_new(16);
		g_autoptr(TokSecret) too_big = tok_secret_new(TKS_KEY_VALUE_MAX + 1);
		g_autoptr(TokSecret) empty = tok_secret_new(0);
		g_autoptr(TokSecret) short_kek = tok_secret_new(16);
		g_autoptr(GBytes) wrapped = tks_key_wrap_pad(short_kek, value, &error);
		g_autoptr(GBytes) junk = g_bytes_new_static("0123456789abcdef01234567", 24);
		g_autoptr(GBytes) odd = g_bytes_new_static("0123456789abcdef0123", 20);
		g_autoptr(TokSecret) back = NULL;

		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		wrapped = tks_key_wrap_pad(kek, too_big, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		wrapped = tks_key_wrap_pad(kek, empty, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		back = tks_key_unwrap_pad(kek, junk, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE);
		g_clear_error(&error);
		back = tks_key_unwrap_pad(kek, odd, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
	}
}

static void
test_error_status(void)
{
	const struct {
		GQuark domain;
		gint code;
		guint status;
	} cases[] = {
	    {TKS_ERROR, TKS_ERROR_SESSION_KEY, 1},
	    {TKS_ERROR, TKS_ERROR_HOST_CRYPTOGRAM, 2},
	    {TKS_ERROR, TKS_ERROR_MISSING_PARAMETER, 3},
	    {TKS_ERROR, TKS_ERROR_KEY_INFO, 4},
	    {TKS_ERROR, TKS_ERROR_CARD_CRYPTOGRAM, 5},
	    {TKS_ERROR, TKS_ERROR_CONFIG, 6},
	    {TKS_ERROR, TKS_ERROR_NOT_FOUND, 4},
	    {TKS_ERROR, TKS_ERROR_CHECK_VALUE, 4},
	    {TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, 4},
	    {TKS_ERROR, TKS_ERROR_INVALID_DATA, 3},
	    {TKS_ERROR, TKS_ERROR_BACKEND, 1},
	    {TKS_ERROR, TKS_ERROR_FAILED, 1},
	    {TKS_ERROR, 999, 1},
	    {TOK_ERROR, TOK_ERROR_CRYPTO, 1},
	};
	g_assert_cmpuint(tks_error_to_status(NULL), ==, 0);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = g_error_new_literal(cases[i].domain, cases[i].code, "x");
		g_assert_cmpuint(tks_error_to_status(error), ==, cases[i].status);
	}
	g_assert_cmpstr(tks_error_to_string(TKS_ERROR_CARD_CRYPTOGRAM), ==, "card-cryptogram");
	g_assert_cmpstr(tks_error_to_string((TksError)999), ==, "unknown");
	{
		g_autoptr(GError) error = g_error_new_literal(TOK_ERROR, TOK_ERROR_CRYPTO, "boom");
		tks_error_convert(&error, TKS_ERROR_BACKEND);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_BACKEND);
		g_assert_cmpstr(error->message, ==, "boom");
		tks_error_convert(&error, TKS_ERROR_FAILED);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_BACKEND);
		tks_error_convert(NULL, TKS_ERROR_FAILED);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tks/key-store/names-types", test_names_types);
	g_test_add_func("/tks/key-store/key-info", test_key_info);
	g_test_add_func("/tks/key-store/kcvs", test_kcvs);
	g_test_add_func("/tks/key-store/wrap-pad", test_wrap_pad);
	g_test_add_func("/tks/error/status", test_error_status);
	return g_test_run();
}
