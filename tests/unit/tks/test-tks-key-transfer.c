/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-transfer.h"
#include "tok-bytes.h"

#define GOOD                                                                                       \
	"[tks-wrapped-key]\n"                                                                      \
	"key-set=defKeySet\n"                                                                      \
	"version=02\n"                                                                             \
	"kind=master\n"                                                                            \
	"type=des3\n"                                                                              \
	"check-values=A1B2C3\n"                                                                    \
	"wrapping=aes256-kwp\n"                                                                    \
	"transport-check-value=0C1D2E\n"                                                           \
	"wrapped=00112233445566778899AABBCCDDEEFF0011223344556677\n"

static gboolean
parse(const gchar *text, TksKeyInfo **info, GBytes **wrapped, guint8 tkcv[3], GError **error)
{
	return tks_key_transfer_parse((const guint8 *)text, strlen(text), info, wrapped, tkcv, error);
}

static void
test_round_trip(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(TksKeyInfo) info2 = NULL;
	g_autoptr(GBytes) wrapped2 = NULL;
	guint8 tkcv[3] = {0};
	guint8 tkcv2[3] = {0};
	const guint8 want_tkcv[3] = {0x0C, 0x1D, 0x2E};

	g_assert_true(parse(GOOD, &info, &wrapped, tkcv, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(tks_key_info_get_key_set(info), ==, "defKeySet");
	g_assert_cmpuint(tks_key_info_get_version(info), ==, 2);
	g_assert_cmpint(tks_key_info_get_kind(info), ==, TKS_KEY_KIND_MASTER);
	g_assert_cmpint(tks_key_info_get_key_type(info), ==, TKS_KEY_TYPE_DES3);
	g_assert_cmpuint(g_bytes_get_size(wrapped), ==, 24);
	g_assert_cmpmem(tkcv, 3, want_tkcv, 3);
	text = tks_key_transfer_to_text(info, wrapped, tkcv);
	g_assert_cmpstr(text, ==, GOOD);

	/* a developer key set has three check values */
	g_free(text);
	{
		const guint8 kcvs[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
		g_autoptr(TksKeyInfo) dev = tks_key_info_new("jForte", 0x01, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_AES256, kcvs);
		text = tks_key_transfer_to_text(dev, wrapped, tkcv);
		g_assert_nonnull(strstr(text, "check-values=010203 040506 070809\n"));
		g_assert_true(parse(text, &info2, &wrapped2, tkcv2, &error));
		g_assert_no_error(error);
		g_assert_true(tks_key_info_equal(info2, dev));
	}
}

static void
test_parse_errors(void)
{
	const struct {
		const gchar *from;
		const gchar *to;
	} edits[] = {
	    {"key-set=defKeySet", "key-set=def KeySet"},
	    {"version=02", "version=2"},
	    {"version=02", "version=00"},
	    {"version=02", "version=0x2"},
	    {"kind=master", "kind=slave"},
	    {"type=des3", "type=des"},
	    {"check-values=A1B2C3", "check-values=A1B2"},
	    {"check-values=A1B2C3", "check-values=A1B2C3 A1B2C3 A1B2C3"},
	    {"wrapping=aes256-kwp", "wrapping=aes128-kw"},
	    {"transport-check-value=0C1D2E", "transport-check-value=0C1D2E00"},
	    {"wrapped=00112233445566778899AABBCCDDEEFF0011223344556677", "wrapped=0011223344556677"},
	    {"wrapped=00112233445566778899AABBCCDDEEFF0011223344556677", "wrapped=00112233445566778899AABBCCDDEEFF00112233445566"},
	    {"wrapped=00112233445566778899AABBCCDDEEFF0011223344556677", "wrapped=zz112233445566778899AABBCCDDEEFF0011223344556677"},
	    {"type=des3\n", ""},
	    {"type=des3\n", "type=des3\ncolour=blue\n"},
	    {"[tks-wrapped-key]", "[other]"},
	    {"wrapped=", "[second]\nwrapped="},
	    {"[tks-wrapped-key]\n", "garbage without a group\n"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = NULL;
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(GString) text = g_string_new(GOOD);
		guint8 tkcv[3];

		g_assert_cmpuint(g_string_replace(text, edits[i].from, edits[i].to, 1), ==, 1);
		g_assert_false(parse(text->str, &info, &wrapped, tkcv, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_assert_null(info);
		g_assert_null(wrapped);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyInfo) info = NULL;
		g_autoptr(GBytes) wrapped = NULL;
		guint8 tkcv[3];
		g_autofree gchar *big = g_strnfill(TKS_KEY_TRANSFER_MAX + 1, '#');
		const guint8 nul[] = "[tks-wrapped-key]\n\0";

		g_assert_false(parse(big, &info, &wrapped, tkcv, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_clear_error(&error);
		g_assert_false(tks_key_transfer_parse(nul, sizeof(nul), &info, &wrapped, tkcv, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
		g_clear_error(&error);
		g_assert_false(tks_key_transfer_parse(NULL, 0, &info, &wrapped, tkcv, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tks/key-transfer/round-trip", test_round_trip);
	g_test_add_func("/tks/key-transfer/parse-errors", test_parse_errors);
	return g_test_run();
}
