/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-cplc.h"
#include "tok-error.h"
#include "tok-status-word.h"

/* A GET DATA 9F7F response with a distinct value in every field: CUID 40906145C76224192D2B
 * (fabricator 4090, type 6145, serial 24192D2B at resp[15..18], batch C762 at resp[19..20]),
 * MSN 01020304 at resp[41..44]. */
#define CPLC_BODY_HEX                                                                              \
	" 40 90 61 45 11 12 13 14 15 16 17 18 24 19 2D 2B C7 62 21 22 23 24"                       \
	" 25 26 27 28 29 2A 2B 2C 2D 2E 2F 30 31 32 33 34 01 02 03 04"
#define CPLC_HEX    "9F 7F 2A" CPLC_BODY_HEX
#define CPLC_SW_HEX CPLC_HEX " 90 00"

static const guint8 cuid_bytes[] = {0x40, 0x90, 0x61, 0x45, 0xC7, 0x62, 0x24, 0x19, 0x2D, 0x2B};
static const guint8 msn_bytes[] = {0x01, 0x02, 0x03, 0x04};

static GBytes *
hex_bytes(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	GBytes *b = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	return b;
}

static TokCplc *
parse_hex(const gchar *hex, TokCplcParseFlags flags, GError **error)
{
	g_autoptr(GBytes) b = hex_bytes(hex);
	return tok_cplc_parse(g_bytes_get_data(b, NULL), g_bytes_get_size(b), flags, error);
}

static void
expect_parse_error(const gchar *hex, TokCplcParseFlags flags, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCplc) cplc = parse_hex(hex, flags, &error);
	g_assert_null(cplc);
	g_assert_error(error, TOK_ERROR, code);
}

static void
test_parse_fields(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCplc) cplc = parse_hex(CPLC_SW_HEX, TOK_CPLC_PARSE_FLAG_NONE, &error);
	g_autofree gchar *hex = NULL;
	g_autofree gchar *hyphen = NULL;
	g_autofree gchar *msn = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(cplc);
	g_assert_cmpmem(cplc->cuid, sizeof(cplc->cuid), cuid_bytes, sizeof(cuid_bytes));
	g_assert_cmpmem(cplc->msn, sizeof(cplc->msn), msn_bytes, sizeof(msn_bytes));
	hex = tok_cplc_get_cuid_hex(cplc);
	hyphen = tok_cplc_get_cuid_hyphenated(cplc);
	msn = tok_cplc_get_msn_hex(cplc);
	g_assert_cmpstr(hex, ==, "40906145C76224192D2B");
	g_assert_cmpstr(hyphen, ==, "4090-6145-C762-2419-2D2B");
	g_assert_cmpstr(msn, ==, "01020304");

	g_assert_cmpmem(cplc->ic_fabricator, 2, "\x40\x90", 2);
	g_assert_cmpmem(cplc->ic_type, 2, "\x61\x45", 2);
	g_assert_cmpmem(cplc->os_id, 2, "\x11\x12", 2);
	g_assert_cmpmem(cplc->os_release_date, 2, "\x13\x14", 2);
	g_assert_cmpmem(cplc->os_release_level, 2, "\x15\x16", 2);
	g_assert_cmpmem(cplc->ic_fabrication_date, 2, "\x17\x18", 2);
	g_assert_cmpmem(cplc->ic_serial_number, 4, "\x24\x19\x2D\x2B", 4);
	g_assert_cmpmem(cplc->ic_batch_identifier, 2, "\xC7\x62", 2);
	g_assert_cmpmem(cplc->ic_module_fabricator, 2, "\x21\x22", 2);
	g_assert_cmpmem(cplc->ic_module_packaging_date, 2, "\x23\x24", 2);
	g_assert_cmpmem(cplc->icc_manufacturer, 2, "\x25\x26", 2);
	g_assert_cmpmem(cplc->ic_embedding_date, 2, "\x27\x28", 2);
	g_assert_cmpmem(cplc->ic_pre_personalizer, 2, "\x29\x2A", 2);
	g_assert_cmpmem(cplc->ic_pre_perso_equipment_date, 2, "\x2B\x2C", 2);
	g_assert_cmpmem(cplc->ic_pre_perso_equipment_id, 4, "\x2D\x2E\x2F\x30", 4);
	g_assert_cmpmem(cplc->ic_personalizer, 2, "\x31\x32", 2);
	g_assert_cmpmem(cplc->ic_personalization_date, 2, "\x33\x34", 2);
	g_assert_cmpmem(cplc->ic_perso_equipment_id, 4, "\x01\x02\x03\x04", 4);
}

static void
test_parse_forms(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCplc) with_sw = parse_hex(CPLC_SW_HEX, TOK_CPLC_PARSE_FLAG_NONE, &error);
	g_autoptr(TokCplc) without_sw = parse_hex(CPLC_HEX, TOK_CPLC_PARSE_FLAG_NONE, &error);
	/* tpsclient's reply: 01 00 01 where the header belongs */
	g_autoptr(TokCplc) tpsclient = NULL;
	g_autoptr(GBytes) b = hex_bytes(CPLC_SW_HEX);
	g_autoptr(GByteArray) other_header = g_byte_array_new();

	g_assert_no_error(error);
	g_assert_cmpmem(with_sw, sizeof(TokCplc), without_sw, sizeof(TokCplc));

	tok_byte_array_append_u8(other_header, 0x01);
	tok_byte_array_append_u8(other_header, 0x00);
	tok_byte_array_append_u8(other_header, 0x01);
	g_byte_array_append(other_header,
			    (const guint8 *)g_bytes_get_data(b, NULL) + 3,
			    (guint)g_bytes_get_size(b) - 3);
	tpsclient = tok_cplc_parse(other_header->data,
				   other_header->len,
				   TOK_CPLC_PARSE_FLAG_ANY_HEADER,
				   &error);
	g_assert_no_error(error);
	g_assert_cmpmem(tpsclient->cuid, TOK_CUID_SIZE, cuid_bytes, sizeof(cuid_bytes));
	{
		g_autoptr(TokCplc) strict = tok_cplc_parse(other_header->data,
							   other_header->len,
							   TOK_CPLC_PARSE_FLAG_NONE,
							   &error);
		g_assert_null(strict);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_parse_malformed(void)
{
	g_autoptr(GBytes) full = hex_bytes(CPLC_SW_HEX);
	const guint8 *p = g_bytes_get_data(full, NULL);
	g_autoptr(GError) error = NULL;

	/* wrong tag, wrong length byte */
	expect_parse_error("9F 7E 2A" CPLC_BODY_HEX " 90 00",
			   TOK_CPLC_PARSE_FLAG_NONE,
			   TOK_ERROR_INVALID_DATA);
	expect_parse_error("9F 7F 2B" CPLC_BODY_HEX " 90 00",
			   TOK_CPLC_PARSE_FLAG_NONE,
			   TOK_ERROR_INVALID_DATA);
	/* a 47-byte answer must end in 90 00 */
	expect_parse_error(CPLC_HEX " 6A 88", TOK_CPLC_PARSE_FLAG_NONE, TOK_ERROR_INVALID_DATA);
	expect_parse_error(CPLC_HEX " 90 01",
			   TOK_CPLC_PARSE_FLAG_ANY_HEADER,
			   TOK_ERROR_INVALID_DATA);
	/* wrong sizes */
	expect_parse_error(CPLC_HEX " 90", TOK_CPLC_PARSE_FLAG_NONE, TOK_ERROR_INVALID_DATA);
	expect_parse_error(CPLC_SW_HEX " 00", TOK_CPLC_PARSE_FLAG_NONE, TOK_ERROR_INVALID_DATA);
	expect_parse_error("6A 88", TOK_CPLC_PARSE_FLAG_NONE, TOK_ERROR_TRUNCATED);
	expect_parse_error("", TOK_CPLC_PARSE_FLAG_ANY_HEADER, TOK_ERROR_TRUNCATED);
	for (gsize len = 0; len < TOK_CPLC_RESPONSE_SIZE; len++) {
		g_autoptr(TokCplc) cplc =
		    tok_cplc_parse(p, len, TOK_CPLC_PARSE_FLAG_ANY_HEADER, &error);
		g_assert_null(cplc);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_clear_error(&error);
	}
	{
		g_autoptr(TokCplc) cplc =
		    tok_cplc_parse(NULL, 47, TOK_CPLC_PARSE_FLAG_NONE, &error);
		g_assert_null(cplc);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

static void
test_parse_response(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = hex_bytes(CPLC_HEX);
	g_autoptr(GBytes) data_sw = hex_bytes(CPLC_SW_HEX);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(TokApduResponse) ok = tok_apdu_response_new(data, TOK_SW_OK);
	g_autoptr(TokApduResponse) not_found =
	    tok_apdu_response_new(empty, TOK_SW_REFERENCED_DATA_NOT_FOUND);
	g_autoptr(TokApduResponse) doubled = tok_apdu_response_new(data_sw, TOK_SW_OK);
	g_autoptr(TokCplc) cplc = tok_cplc_parse_response(ok, TOK_CPLC_PARSE_FLAG_NONE, &error);

	g_assert_no_error(error);
	g_assert_cmpmem(cplc->cuid, TOK_CUID_SIZE, cuid_bytes, sizeof(cuid_bytes));
	{
		g_autoptr(TokCplc) bad =
		    tok_cplc_parse_response(not_found, TOK_CPLC_PARSE_FLAG_NONE, &error);
		g_assert_null(bad);
		g_assert_error(error,
			       TOK_ERROR,
			       tok_status_word_to_error_code(TOK_SW_REFERENCED_DATA_NOT_FOUND));
		g_clear_error(&error);
	}
	{
		/* the SW belongs in the response, not in its data */
		g_autoptr(TokCplc) bad =
		    tok_cplc_parse_response(doubled, TOK_CPLC_PARSE_FLAG_NONE, &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_build_round_trip(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCplc) built = tok_cplc_new_from_cuid(cuid_bytes,
							  sizeof(cuid_bytes),
							  msn_bytes,
							  sizeof(msn_bytes),
							  &error);
	g_autoptr(GBytes) blob = NULL;
	g_autoptr(GBytes) blob_sw = NULL;
	g_autoptr(TokCplc) back = NULL;
	g_autoptr(TokCplc) back_sw = NULL;
	const guint8 *p;
	gsize len = 0;

	g_assert_no_error(error);
	g_assert_cmpmem(built->cuid, TOK_CUID_SIZE, cuid_bytes, sizeof(cuid_bytes));
	g_assert_cmpmem(built->msn, TOK_MSN_SIZE, msn_bytes, sizeof(msn_bytes));

	blob = tok_cplc_encode(built, FALSE);
	blob_sw = tok_cplc_encode(built, TRUE);
	g_assert_cmpuint(g_bytes_get_size(blob), ==, TOK_CPLC_RESPONSE_SIZE);
	p = g_bytes_get_data(blob_sw, &len);
	g_assert_cmpuint(len, ==, TOK_CPLC_RESPONSE_SW_SIZE);
	/* the raw offsets of protocol.md 5.1 */
	g_assert_cmpmem(p, 3, "\x9F\x7F\x2A", 3);
	g_assert_cmpmem(p + 3, 4, cuid_bytes, 4);
	g_assert_cmpmem(p + 19, 2, cuid_bytes + 4, 2);
	g_assert_cmpmem(p + 15, 4, cuid_bytes + 6, 4);
	g_assert_cmpmem(p + 41, 4, msn_bytes, 4);
	g_assert_cmpmem(p + 45, 2, "\x90\x00", 2);

	back = tok_cplc_parse(g_bytes_get_data(blob, NULL),
			      g_bytes_get_size(blob),
			      TOK_CPLC_PARSE_FLAG_NONE,
			      &error);
	g_assert_no_error(error);
	back_sw = tok_cplc_parse(p, len, TOK_CPLC_PARSE_FLAG_NONE, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(back->cuid, TOK_CUID_SIZE, cuid_bytes, sizeof(cuid_bytes));
	g_assert_cmpmem(back->msn, TOK_MSN_SIZE, msn_bytes, sizeof(msn_bytes));
	g_assert_cmpmem(back_sw, sizeof(TokCplc), built, sizeof(TokCplc));
}

static void
test_encode_parsed(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) want = hex_bytes(CPLC_SW_HEX);
	g_autoptr(TokCplc) cplc = parse_hex(CPLC_SW_HEX, TOK_CPLC_PARSE_FLAG_NONE, &error);
	g_autoptr(GBytes) again = tok_cplc_encode(cplc, TRUE);
	g_autoptr(TokCplc) copy = g_boxed_copy(TOK_TYPE_CPLC, cplc);

	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(again, want));
	g_assert_cmpmem(copy, sizeof(TokCplc), cplc, sizeof(TokCplc));
}

static void
test_build_errors(void)
{
	g_autoptr(GError) error = NULL;
	TokCplc *cplc;

	cplc = tok_cplc_new_from_cuid(cuid_bytes, 9, msn_bytes, 4, &error);
	g_assert_null(cplc);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	cplc = tok_cplc_new_from_cuid(cuid_bytes, 10, msn_bytes, 5, &error);
	g_assert_null(cplc);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	cplc = tok_cplc_new_from_cuid(NULL, 10, msn_bytes, 4, &error);
	g_assert_null(cplc);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	cplc = tok_cplc_new_from_cuid(cuid_bytes, 10, NULL, 4, &error);
	g_assert_null(cplc);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_cuid_text(void)
{
	const gchar *bad[] = {"",
			      "40906145C76224192D2",
			      "40906145C76224192D2B0",
			      "40906145C76224192D2G",
			      "4090-6145-C762-2419-2D2",
			      "4090-6145-C762-24192-D2B",
			      "4090 6145 C762 2419 2D2B",
			      "40906-145-C762-2419-2D2B",
			      "4090-6145-C762-2419-2D2-"};
	guint8 cuid[TOK_CUID_SIZE] = {0};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *hex = tok_cuid_to_hex(cuid_bytes);
	g_autofree gchar *hyphen = tok_cuid_to_hyphenated(cuid_bytes);

	g_assert_cmpstr(hex, ==, "40906145C76224192D2B");
	g_assert_cmpstr(hyphen, ==, "4090-6145-C762-2419-2D2B");
	g_assert_true(tok_cuid_parse("40906145C76224192D2B", cuid, &error));
	g_assert_cmpmem(cuid, sizeof(cuid), cuid_bytes, sizeof(cuid_bytes));
	g_assert_true(tok_cuid_parse("4090-6145-c762-2419-2d2b", cuid, &error));
	g_assert_cmpmem(cuid, sizeof(cuid), cuid_bytes, sizeof(cuid_bytes));
	g_assert_true(tok_cuid_parse(hyphen, cuid, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(tok_cuid_parse(bad[i], cuid, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	g_assert_false(tok_cuid_parse(NULL, cuid, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_kdd(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCplc) cplc = parse_hex(CPLC_HEX, TOK_CPLC_PARSE_FLAG_NONE, &error);
	guint8 other[TOK_CUID_SIZE];

	g_assert_no_error(error);
	for (gsize i = 0; i < sizeof(other); i++)
		other[i] = cuid_bytes[i];
	other[9] ^= 0x01;

	g_assert_true(tok_cplc_cuid_matches_kdd(cplc, cuid_bytes, sizeof(cuid_bytes)));
	g_assert_false(tok_cplc_cuid_matches_kdd(cplc, other, sizeof(other)));
	g_assert_false(tok_cplc_cuid_matches_kdd(cplc, cuid_bytes, 9));
	g_assert_false(tok_cplc_cuid_matches_kdd(cplc, NULL, 10));
	g_assert_true(tok_cplc_check_kdd(cplc, cuid_bytes, sizeof(cuid_bytes), &error));
	g_assert_no_error(error);
	g_assert_false(tok_cplc_check_kdd(cplc, other, sizeof(other), &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_false(tok_cplc_check_kdd(cplc, cuid_bytes, 8, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/cplc/parse/fields", test_parse_fields);
	g_test_add_func("/tok/cplc/parse/forms", test_parse_forms);
	g_test_add_func("/tok/cplc/parse/malformed", test_parse_malformed);
	g_test_add_func("/tok/cplc/parse/response", test_parse_response);
	g_test_add_func("/tok/cplc/build/round-trip", test_build_round_trip);
	g_test_add_func("/tok/cplc/build/encode-parsed", test_encode_parsed);
	g_test_add_func("/tok/cplc/build/errors", test_build_errors);
	g_test_add_func("/tok/cplc/cuid-text", test_cuid_text);
	g_test_add_func("/tok/cplc/kdd", test_kdd);
	return g_test_run();
}
