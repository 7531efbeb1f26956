/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-tlv.h"

static GBytes *
hex(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GBytes *b = tok_hex_decode(text, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	return b;
}

static void
assert_array_hex(GByteArray *array, const gchar *want)
{
	g_autofree gchar *got = tok_hex_encode(array->data, array->len, TRUE);
	g_autoptr(GBytes) w = hex(want);
	g_autofree gchar *exp = tok_hex_encode_bytes(w, TRUE);
	g_assert_cmpstr(got, ==, exp);
}

/* FCI of a GP card manager: 6F { 84 <ISD AID>, A5 { 9F 65 01 FF } } */
#define FCI_HEX "6F 10 84 08 A0 00 00 00 03 00 00 00 A5 04 9F 65 01 FF"

static void
test_read_simple(void)
{
	g_autoptr(GBytes) b = hex(FCI_HEX);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) error = NULL;
	TokTlv tlv = {0};
	gsize rest = 99;

	g_assert_true(tok_tlv_read(data, len, &tlv, &rest, &error));
	g_assert_no_error(error);
	g_assert_cmphex(tlv.tag, ==, 0x6F);
	g_assert_true(tlv.constructed);
	g_assert_cmpuint(tlv.len, ==, 0x10);
	g_assert_true(tlv.value == data + 2);
	g_assert_cmpuint(tlv.offset, ==, 0);
	g_assert_cmpuint(tlv.total_len, ==, len);
	g_assert_cmpuint(tlv.depth, ==, 0);
	g_assert_cmpuint(rest, ==, 0);
	g_assert_true(tok_tlv_parse(data, len, &tlv, &error));
	g_assert_no_error(error);
}

static void
test_read_tags(void)
{
	const struct {
		const gchar *hex;
		guint32 tag;
		gboolean constructed;
		gsize len;
	} cases[] = {
	    {"84 01 AA", 0x84, FALSE, 1},
	    {"9F 7F 02 01 02", 0x9F7F, FALSE, 2},
	    {"5F 2D 00", 0x5F2D, FALSE, 0},
	    {"BF 0C 00", 0xBF0C, TRUE, 0},
	    {"BF 81 01 00", 0xBF8101, TRUE, 0},
	    {"DF 81 82 03 01 00", 0xDF818203, FALSE, 1},
	    {"00 00", 0x00, FALSE, 0},
	    {"E0 00", 0xE0, TRUE, 0},
	    {"C0 04 01 01 80 10", 0xC0, FALSE, 4},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) b = hex(cases[i].hex);
		g_autoptr(GError) error = NULL;
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(b, &len);
		TokTlv tlv = {0};

		g_test_message("case %s", cases[i].hex);
		g_assert_true(tok_tlv_parse(data, len, &tlv, &error));
		g_assert_no_error(error);
		g_assert_cmphex(tlv.tag, ==, cases[i].tag);
		g_assert_cmpint(tlv.constructed, ==, cases[i].constructed);
		g_assert_cmpuint(tlv.len, ==, cases[i].len);
		if (tlv.len == 0)
			g_assert_null(tlv.value);
	}
}

static void
test_read_lengths(void)
{
	const struct {
		const gchar *prefix;
		gsize len;
	} cases[] = {
	    {"04 7F", 127},
	    {"04 81 80", 128},
	    {"04 81 FF", 255},
	    {"04 82 01 00", 256},
	    {"04 81 05", 5},	       /* non-minimal forms are valid BER */
	    {"04 83 00 00 03", 3},
	    {"04 84 00 00 01 02", 258},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) p = hex(cases[i].prefix);
		g_autoptr(GByteArray) a = g_byte_array_new();
		g_autoptr(GError) error = NULL;
		TokTlv tlv = {0};

		tok_byte_array_append_bytes(a, p);
		for (gsize j = 0; j < cases[i].len; j++)
			tok_byte_array_append_u8(a, (guint8)j);
		g_assert_true(tok_tlv_parse(a->data, a->len, &tlv, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(tlv.len, ==, cases[i].len);
		g_assert_cmpuint(tlv.total_len, ==, a->len);
		g_assert_true(tlv.value == a->data + g_bytes_get_size(p));
	}
}

static void
test_read_errors(void)
{
	const struct {
		const gchar *hex;
		gint code;
	} cases[] = {
	    {"", TOK_ERROR_TRUNCATED},
	    {"84", TOK_ERROR_TRUNCATED},			/* no length */
	    {"9F", TOK_ERROR_TRUNCATED},			/* multi-byte tag cut */
	    {"9F 81", TOK_ERROR_TRUNCATED},
	    {"9F 80 01 00", TOK_ERROR_INVALID_DATA},		/* padded tag number */
	    {"DF 81 82 83 04 00", TOK_ERROR_INVALID_DATA},	/* 5-byte tag */
	    {"30 80 04 00 00 00", TOK_ERROR_INVALID_DATA},	/* indefinite length */
	    {"04 85 00 00 00 00 01 AA", TOK_ERROR_INVALID_DATA}, /* 5 length bytes */
	    {"04 FF", TOK_ERROR_INVALID_DATA},
	    {"04 82 01", TOK_ERROR_TRUNCATED},			/* length field cut */
	    {"04 03 AA BB", TOK_ERROR_TRUNCATED},		/* value past the end */
	    {"04 81 80 00", TOK_ERROR_TRUNCATED},
	    {"04 84 FF FF FF FF 00", TOK_ERROR_TRUNCATED},
	    {"04 01 AA BB", TOK_ERROR_INVALID_DATA},		/* trailing byte (parse only) */
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) b = hex(cases[i].hex);
		g_autoptr(GError) error = NULL;
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(b, &len);
		TokTlv tlv = {.tag = 0x1234};

		g_test_message("case %s", cases[i].hex);
		g_assert_false(tok_tlv_parse(data, len, &tlv, &error));
		g_assert_error(error, TOK_ERROR, cases[i].code);
		g_assert_cmphex(tlv.tag, ==, 0x1234); /* untouched */
	}
	{
		g_autoptr(GError) error = NULL;
		TokTlv tlv = {0};
		g_assert_false(tok_tlv_read(NULL, 5, &tlv, NULL, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

static void
test_read_rest(void)
{
	g_autoptr(GBytes) b = hex("84 01 AA 85 00 FF");
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) error = NULL;
	TokTlv tlv = {0};
	gsize rest = 0;

	g_assert_true(tok_tlv_read(data, len, &tlv, &rest, &error));
	g_assert_cmpuint(rest, ==, 3);
	g_assert_true(tok_tlv_read(data, len, &tlv, NULL, &error));
	g_assert_no_error(error);
}

static void
test_iterate_children(void)
{
	g_autoptr(GBytes) b = hex(FCI_HEX);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) error = NULL;
	TokTlv fci = {0}, child = {0}, prop = {0}, inner = {0};
	TokTlvIter iter, iter2;
	guint n = 0;

	g_assert_true(tok_tlv_parse(data, len, &fci, &error));
	g_assert_true(tok_tlv_iter_init_children(&iter, &fci, &error));
	while (tok_tlv_iter_has_next(&iter)) {
		g_assert_true(tok_tlv_iter_next(&iter, &child, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(child.depth, ==, 1);
		if (n == 0) {
			g_assert_cmphex(child.tag, ==, 0x84);
			g_assert_cmpuint(child.len, ==, 8);
			g_assert_cmpuint(child.offset, ==, 0);
		} else {
			g_assert_cmphex(child.tag, ==, 0xA5);
			g_assert_true(child.constructed);
			g_assert_cmpuint(child.offset, ==, 10);
			prop = child;
		}
		n++;
	}
	g_assert_cmpuint(n, ==, 2);
	g_assert_true(tok_tlv_iter_init_children(&iter2, &prop, &error));
	g_assert_true(tok_tlv_iter_next(&iter2, &inner, &error));
	g_assert_cmphex(inner.tag, ==, 0x9F65);
	g_assert_cmpuint(inner.depth, ==, 2);
	g_assert_cmphex(inner.value[0], ==, 0xFF);
	g_assert_false(tok_tlv_iter_has_next(&iter2));

	/* a primitive TLV has no children */
	g_assert_false(tok_tlv_iter_init_children(&iter2, &inner, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_iterate_malformed(void)
{
	g_autoptr(GBytes) b = hex("84 01 AA 85 05 01");
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) error = NULL;
	TokTlvIter iter;
	TokTlv tlv = {0};
	gsize pos;

	tok_tlv_iter_init(&iter, data, len);
	g_assert_true(tok_tlv_iter_next(&iter, &tlv, &error));
	pos = iter.pos;
	g_assert_true(tok_tlv_iter_has_next(&iter));
	g_assert_false(tok_tlv_iter_next(&iter, &tlv, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_assert_cmpuint(iter.pos, ==, pos); /* stays put */
	g_assert_cmphex(tlv.tag, ==, 0x84);
}

static void
test_find(void)
{
	g_autoptr(GBytes) b = hex(FCI_HEX);
	g_autoptr(GBytes) list = hex("84 01 AA 85 02 BB CC 86 00");
	g_autoptr(GBytes) bad = hex("84 01 AA 85 09 BB 86 00");
	gsize len = 0, llen = 0, blen = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	const guint8 *ldata = g_bytes_get_data(list, &llen);
	const guint8 *bdata = g_bytes_get_data(bad, &blen);
	g_autoptr(GError) error = NULL;
	TokTlv fci = {0}, t = {0};

	g_assert_true(tok_tlv_find(ldata, llen, 0x85, &t, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(t.len, ==, 2);
	g_assert_cmphex(t.value[1], ==, 0xCC);
	g_assert_true(tok_tlv_find(ldata, llen, 0x86, &t, &error));
	g_assert_cmpuint(t.len, ==, 0);
	g_assert_false(tok_tlv_find(ldata, llen, 0x87, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* the TLV before the wanted one is malformed */
	g_assert_false(tok_tlv_find(bdata, blen, 0x86, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	/* but one before it is found */
	g_assert_true(tok_tlv_find(bdata, blen, 0x84, &t, &error));
	g_assert_no_error(error);

	/* not descending: 84 is inside 6F */
	g_assert_false(tok_tlv_find(data, len, 0x84, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(tok_tlv_parse(data, len, &fci, &error));
	g_assert_true(tok_tlv_find_child(&fci, 0x84, &t, &error));
	g_assert_cmpuint(t.len, ==, 8);
	g_assert_false(tok_tlv_find_child(&fci, 0x9F65, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(tok_tlv_find_recursive(data, len, 0x9F65, &t, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(t.depth, ==, 2);
	g_assert_cmpuint(t.len, ==, 1);
	g_assert_true(tok_tlv_find_recursive(data, len, 0x6F, &t, &error));
	g_assert_cmpuint(t.depth, ==, 0);
	g_assert_false(tok_tlv_find_recursive(data, len, 0x4F, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
}

static void
test_find_recursive_malformed_child(void)
{
	/* 6F holds a truncated child: the search must report it, not "not found" */
	g_autoptr(GBytes) b = hex("6F 03 84 05 AA 4F 01 BB");
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) error = NULL;
	TokTlv t = {0};

	g_assert_false(tok_tlv_find_recursive(data, len, 0x4F, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
}

static GByteArray *
nested(guint levels)
{
	/* 04 00 wrapped in @levels constructed 30 TLVs */
	GByteArray *a = g_byte_array_new();
	tok_tlv_append(a, 0x04, NULL, 0);
	for (guint i = 0; i < levels; i++) {
		GByteArray *outer = g_byte_array_new();
		tok_tlv_append(outer, 0x30, a->data, a->len);
		g_byte_array_unref(a);
		a = outer;
	}
	return a;
}

static gboolean
count_cb(const TokTlv *tlv, gpointer user_data, GError **error)
{
	guint *count = user_data;
	(*count)++;
	return TRUE;
}

static gboolean
stop_cb(const TokTlv *tlv, gpointer user_data, GError **error)
{
	if (tlv->tag == 0xA5) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_FAILED, "stop at A5");
		return FALSE;
	}
	return TRUE;
}

static void
test_walk(void)
{
	g_autoptr(GBytes) b = hex(FCI_HEX);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);
	g_autoptr(GError) error = NULL;
	guint count = 0;

	g_assert_true(tok_tlv_walk(data, len, count_cb, &count, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 4); /* 6F, 84, A5, 9F65 */
	g_assert_true(tok_tlv_walk(data, len, NULL, NULL, &error));
	g_assert_true(tok_tlv_walk(NULL, 0, NULL, NULL, &error));
	g_assert_false(tok_tlv_walk(data, len, stop_cb, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_FAILED);
	g_clear_error(&error);
	/* malformed inside a constructed value */
	{
		g_autoptr(GBytes) bad = hex("6F 04 A5 02 9F 65");
		gsize blen = 0;
		const guint8 *bdata = g_bytes_get_data(bad, &blen);
		g_assert_false(tok_tlv_walk(bdata, blen, NULL, NULL, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_assert_true(strstr(error->message, "6F") != NULL);
	}
}

static void
test_depth_limit(void)
{
	g_autoptr(GByteArray) ok = nested(TOK_TLV_MAX_DEPTH);
	g_autoptr(GByteArray) deep = nested(TOK_TLV_MAX_DEPTH + 1);
	g_autoptr(GError) error = NULL;
	guint count = 0;
	TokTlv t = {0};

	g_assert_true(tok_tlv_walk(ok->data, ok->len, count_cb, &count, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, TOK_TLV_MAX_DEPTH + 1);
	g_assert_true(tok_tlv_find_recursive(ok->data, ok->len, 0x04, &t, &error));
	g_assert_cmpuint(t.depth, ==, TOK_TLV_MAX_DEPTH);

	g_assert_false(tok_tlv_walk(deep->data, deep->len, NULL, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_assert_false(tok_tlv_find_recursive(deep->data, deep->len, 0x04, &t, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
}

static void
test_write_tag_length(void)
{
	const struct {
		guint32 tag;
		const gchar *hex;
	} tags[] = {
	    {0x00, "00"}, {0x6F, "6F"}, {0x9F7F, "9F 7F"}, {0xBF8101, "BF 81 01"}, {0xDF818203, "DF 81 82 03"},
	};
	const struct {
		guint32 len;
		const gchar *hex;
	} lens[] = {
	    {0, "00"},
	    {127, "7F"},
	    {128, "81 80"},
	    {255, "81 FF"},
	    {256, "82 01 00"},
	    {65535, "82 FF FF"},
	    {65536, "83 01 00 00"},
	    {0xFFFFFF, "83 FF FF FF"},
	    {0x1000000, "84 01 00 00 00"},
	    {0xFFFFFFFF, "84 FF FF FF FF"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(tags); i++) {
		g_autoptr(GByteArray) a = g_byte_array_new();
		tok_tlv_append_tag(a, tags[i].tag);
		assert_array_hex(a, tags[i].hex);
	}
	for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
		g_autoptr(GByteArray) a = g_byte_array_new();
		tok_tlv_append_length(a, lens[i].len);
		assert_array_hex(a, lens[i].hex);
	}
}

static void
test_write_round_trip(void)
{
	const guint32 sizes[] = {0, 1, 127, 128, 255, 256, 1000, 65535, 65536, 70000};
	const guint32 tags[] = {0x84, 0x9F7F, 0xC4, 0xBF8101};

	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		for (guint j = 0; j < G_N_ELEMENTS(tags); j++) {
			g_autofree guint8 *value = g_malloc0(MAX(sizes[i], 1));
			g_autoptr(GByteArray) a = g_byte_array_new();
			g_autoptr(GError) error = NULL;
			TokTlv t = {0};

			for (guint32 k = 0; k < sizes[i]; k++)
				value[k] = (guint8)(k * 7);
			tok_tlv_append(a, tags[j], value, sizes[i]);
			g_assert_true(tok_tlv_parse(a->data, a->len, &t, &error));
			g_assert_no_error(error);
			g_assert_cmphex(t.tag, ==, tags[j]);
			g_assert_cmpuint(t.len, ==, sizes[i]);
			if (sizes[i] > 0)
				g_assert_cmpmem(t.value, t.len, value, sizes[i]);
		}
	}
}

static void
test_write_bytes(void)
{
	g_autoptr(GBytes) aid = hex("62 76 01 FF 00 00");
	g_autoptr(GByteArray) a = g_byte_array_new();
	tok_tlv_append_bytes(a, 0x4F, aid);
	assert_array_hex(a, "4F 06 62 76 01 FF 00 00");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/tlv/read/simple", test_read_simple);
	g_test_add_func("/tok/tlv/read/tags", test_read_tags);
	g_test_add_func("/tok/tlv/read/lengths", test_read_lengths);
	g_test_add_func("/tok/tlv/read/errors", test_read_errors);
	g_test_add_func("/tok/tlv/read/rest", test_read_rest);
	g_test_add_func("/tok/tlv/iter/children", test_iterate_children);
	g_test_add_func("/tok/tlv/iter/malformed", test_iterate_malformed);
	g_test_add_func("/tok/tlv/find/basic", test_find);
	g_test_add_func("/tok/tlv/find/malformed-child", test_find_recursive_malformed_child);
	g_test_add_func("/tok/tlv/walk", test_walk);
	g_test_add_func("/tok/tlv/depth-limit", test_depth_limit);
	g_test_add_func("/tok/tlv/write/tag-length", test_write_tag_length);
	g_test_add_func("/tok/tlv/write/round-trip", test_write_round_trip);
	g_test_add_func("/tok/tlv/write/bytes", test_write_bytes);
	return g_test_run();
}
