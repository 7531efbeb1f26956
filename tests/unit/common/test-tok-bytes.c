/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-bytes.h"
#include "tok-error.h"

static void
test_hex_round_trip(void)
{
	const guint8 data[] = {0x00, 0x01, 0xab, 0xCD, 0xff};
	g_autofree gchar *upper = tok_hex_encode(data, sizeof(data), TRUE);
	g_autofree gchar *lower = tok_hex_encode(data, sizeof(data), FALSE);
	g_autoptr(GBytes) back = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpstr(upper, ==, "0001ABCDFF");
	g_assert_cmpstr(lower, ==, "0001abcdff");
	back = tok_hex_decode(lower, TOK_HEX_FLAG_NONE, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(back, data, sizeof(data)));
}

static void
test_hex_empty(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = tok_hex_decode("", TOK_HEX_FLAG_NONE, &error);
	g_autofree gchar *s = tok_hex_encode(NULL, 0, TRUE);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(b), ==, 0);
	g_assert_cmpstr(s, ==, "");
}

static void
test_hex_bad(void)
{
	const gchar *bad[] = {"0", "0G", "12 34", "1 2", "zz", "123", "12\n"};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) b = tok_hex_decode(bad[i], TOK_HEX_FLAG_NONE, &error);
		g_assert_null(b);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) b = tok_hex_decode(NULL, TOK_HEX_FLAG_NONE, &error);
		g_assert_null(b);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_hex_spaces(void)
{
	const guint8 want[] = {0x84, 0x82, 0x03, 0x00};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = tok_hex_decode(" 84 82\n03\t00 ", TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_autoptr(GBytes) split = NULL;

	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(b, want, sizeof(want)));
	/* a space may separate bytes, never split one */
	split = tok_hex_decode("8 4", TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_null(split);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_reader_values(void)
{
	const guint8 data[] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x02, 0x03};
	TokReader r;
	guint8 u8 = 0;
	guint16 u16 = 0;
	guint32 u32 = 0;
	guint32 le = 0;
	const guint8 *view = NULL;
	g_autoptr(GError) error = NULL;

	tok_reader_init(&r, data, sizeof(data));
	g_assert_true(tok_reader_read_u8(&r, &u8, &error));
	g_assert_cmphex(u8, ==, 0x12);
	g_assert_true(tok_reader_read_u16_be(&r, &u16, &error));
	g_assert_cmphex(u16, ==, 0x3456);
	g_assert_true(tok_reader_read_u32_be(&r, &u32, &error));
	g_assert_cmphex(u32, ==, 0x789abcde);
	g_assert_cmpuint(tok_reader_remaining(&r), ==, 4);
	g_assert_true(tok_reader_read_u32_le(&r, &le, &error));
	g_assert_cmphex(le, ==, 0x030201f0);
	g_assert_true(tok_reader_expect_end(&r, &error));
	g_assert_no_error(error);

	tok_reader_init(&r, data, sizeof(data));
	g_assert_true(tok_reader_skip(&r, 9, &error));
	g_assert_true(tok_reader_read_view(&r, 2, &view, &error));
	g_assert_cmphex(view[0], ==, 0x02);
	g_assert_no_error(error);
}

static void
test_reader_truncated(void)
{
	const guint8 data[] = {0x01, 0x02, 0x03};
	TokReader r;
	guint32 u32 = 0xdeadbeef;
	guint16 u16 = 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = NULL;

	tok_reader_init(&r, data, sizeof(data));
	g_assert_false(tok_reader_read_u32_be(&r, &u32, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_assert_cmphex(u32, ==, 0xdeadbeef); /* untouched on failure */
	g_assert_cmpuint(r.pos, ==, 0);	      /* cursor untouched on failure */
	g_clear_error(&error);

	g_assert_true(tok_reader_read_u16_be(&r, &u16, &error));
	g_assert_false(tok_reader_read_u16_be(&r, &u16, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);

	/* huge sizes must not wrap around */
	b = tok_reader_read_bytes(&r, G_MAXSIZE, &error);
	g_assert_null(b);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_reader_skip(&r, G_MAXSIZE - 1, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);

	g_assert_false(tok_reader_expect_end(&r, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_reader_sub(void)
{
	const guint8 data[] = {0x02, 0xaa, 0xbb, 0xcc};
	TokReader r, sub;
	guint8 n = 0, v = 0;
	g_autoptr(GError) error = NULL;

	tok_reader_init(&r, data, sizeof(data));
	g_assert_true(tok_reader_read_u8(&r, &n, &error));
	g_assert_true(tok_reader_read_sub(&r, n, &sub, &error));
	g_assert_true(tok_reader_read_u8(&sub, &v, &error));
	g_assert_cmphex(v, ==, 0xaa);
	g_assert_true(tok_reader_read_u8(&sub, &v, &error));
	g_assert_false(tok_reader_read_u8(&sub, &v, &error)); /* sub stops at its own end */
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_true(tok_reader_read_u8(&r, &v, &error));
	g_assert_cmphex(v, ==, 0xcc);
}

static void
test_read_at(void)
{
	const guint8 data[] = {0x9f, 0x7f, 0x2a, 0x40};
	guint16 u16 = 0;
	guint8 u8 = 0;
	guint32 u32 = 0;
	g_autoptr(GError) error = NULL;

	g_assert_true(tok_read_u16_be(data, sizeof(data), 0, &u16, &error));
	g_assert_cmphex(u16, ==, 0x9f7f);
	g_assert_true(tok_read_u8(data, sizeof(data), 3, &u8, &error));
	g_assert_cmphex(u8, ==, 0x40);
	g_assert_false(tok_read_u8(data, sizeof(data), 4, &u8, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_read_u32_be(data, sizeof(data), 1, &u32, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_read_u16_be(data, sizeof(data), G_MAXSIZE, &u16, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_false(tok_read_u8(NULL, 10, 0, &u8, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
}

static void
test_writers(void)
{
	const guint8 want[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0b, 0x0a, 0x09, 0x08, 0xee};
	const guint8 tail[] = {0xee};
	g_autoptr(GByteArray) a = g_byte_array_new();
	g_autoptr(GBytes) t = g_bytes_new_static(tail, sizeof(tail));

	tok_byte_array_append_u8(a, 0x01);
	tok_byte_array_append_u16_be(a, 0x0203);
	tok_byte_array_append_u32_be(a, 0x04050607);
	tok_byte_array_append_u32_le(a, 0x08090a0b);
	tok_byte_array_append_bytes(a, t);
	g_assert_cmpmem(a->data, a->len, want, sizeof(want));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/bytes/hex/round-trip", test_hex_round_trip);
	g_test_add_func("/tok/bytes/hex/empty", test_hex_empty);
	g_test_add_func("/tok/bytes/hex/bad", test_hex_bad);
	g_test_add_func("/tok/bytes/hex/spaces", test_hex_spaces);
	g_test_add_func("/tok/bytes/reader/values", test_reader_values);
	g_test_add_func("/tok/bytes/reader/truncated", test_reader_truncated);
	g_test_add_func("/tok/bytes/reader/sub", test_reader_sub);
	g_test_add_func("/tok/bytes/read-at", test_read_at);
	g_test_add_func("/tok/bytes/writers", test_writers);
	return g_test_run();
}
