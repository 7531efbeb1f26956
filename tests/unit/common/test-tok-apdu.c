/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-error.h"

static GBytes *
hex(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GBytes *b = tok_hex_decode(text, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	return b;
}

static void
assert_bytes_hex(GBytes *bytes, const gchar *want)
{
	g_autoptr(GBytes) w = hex(want);
	g_autofree gchar *got = tok_hex_encode_bytes(bytes, TRUE);
	g_autofree gchar *exp = tok_hex_encode_bytes(w, TRUE);
	g_assert_cmpstr(got, ==, exp);
}

static void
assert_encodes(const TokApdu *apdu, TokApduEncoding encoding, const gchar *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_apdu_encode(apdu, encoding, &error);
	g_assert_no_error(error);
	g_assert_nonnull(wire);
	assert_bytes_hex(wire, want);
}

static GBytes *
filled(gsize len, guint8 start)
{
	g_autoptr(GByteArray) a = g_byte_array_sized_new((guint)len);
	for (gsize i = 0; i < len; i++) {
		guint8 b = (guint8)(start + i);
		g_byte_array_append(a, &b, 1);
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&a));
}

static void
test_encode_case1(void)
{
	g_autoptr(TokApdu) apdu = tok_apdu_new(0x84, 0xF0, 0x0F, 0x00, NULL, TOK_APDU_NO_LE);
	assert_encodes(apdu, TOK_APDU_ENCODING_AUTO, "84 F0 0F 00");
	assert_encodes(apdu, TOK_APDU_ENCODING_SHORT, "84 F0 0F 00");
	/* no length fields at all, so extended is the same */
	assert_encodes(apdu, TOK_APDU_ENCODING_EXTENDED, "84 F0 0F 00");
	g_assert_cmpuint(g_bytes_get_size(tok_apdu_get_data(apdu)), ==, 0);
	g_assert_cmpint(tok_apdu_get_le(apdu), ==, TOK_APDU_NO_LE);
}

static void
test_encode_case2_short(void)
{
	g_autoptr(TokApdu) status = tok_apdu_new(0xB0, 0x3C, 0x00, 0x00, NULL, 16);
	g_autoptr(TokApdu) select = tok_apdu_new(0x00, 0xA4, 0x04, 0x00, NULL, 256);
	g_autoptr(TokApdu) one = tok_apdu_new(0xB0, 0xF2, 0x00, 0x00, NULL, 1);

	assert_encodes(status, TOK_APDU_ENCODING_AUTO, "B0 3C 00 00 10");
	assert_encodes(select, TOK_APDU_ENCODING_AUTO, "00 A4 04 00 00");
	assert_encodes(select, TOK_APDU_ENCODING_SHORT, "00 A4 04 00 00");
	assert_encodes(one, TOK_APDU_ENCODING_SHORT, "B0 F2 00 00 01");
}

static void
test_encode_case2_extended(void)
{
	g_autoptr(TokApdu) a = tok_apdu_new(0x00, 0xB0, 0x00, 0x00, NULL, 257);
	g_autoptr(TokApdu) max = tok_apdu_new(0x00, 0xB0, 0x00, 0x00, NULL, 65536);
	g_autoptr(TokApdu) small = tok_apdu_new(0xB0, 0x3C, 0x00, 0x00, NULL, 16);
	g_autoptr(TokApdu) s256 = tok_apdu_new(0x00, 0xA4, 0x04, 0x00, NULL, 256);

	assert_encodes(a, TOK_APDU_ENCODING_AUTO, "00 B0 00 00 00 01 01");
	assert_encodes(max, TOK_APDU_ENCODING_AUTO, "00 B0 00 00 00 00 00");
	assert_encodes(small, TOK_APDU_ENCODING_EXTENDED, "B0 3C 00 00 00 00 10");
	assert_encodes(s256, TOK_APDU_ENCODING_EXTENDED, "00 A4 04 00 00 01 00");
}

static void
test_encode_case3(void)
{
	const guint8 aid[] = {0x62, 0x76, 0x01, 0xFF, 0x00, 0x00, 0x00};
	g_autoptr(TokApdu) a = tok_apdu_new_from_data(0x00, 0xA4, 0x04, 0x00, aid, sizeof(aid), TOK_APDU_NO_LE);
	g_autoptr(GBytes) big = filled(300, 0);
	g_autoptr(TokApdu) b = tok_apdu_new(0x84, 0xE8, 0x00, 0x00, big, TOK_APDU_NO_LE);
	g_autoptr(GBytes) max = filled(255, 1);
	g_autoptr(TokApdu) c = tok_apdu_new(0x84, 0xE8, 0x80, 0x01, max, TOK_APDU_NO_LE);
	g_autoptr(GBytes) wire = NULL;

	assert_encodes(a, TOK_APDU_ENCODING_AUTO, "00 A4 04 00 07 62 76 01 FF 00 00 00");
	assert_encodes(a, TOK_APDU_ENCODING_EXTENDED, "00 A4 04 00 00 00 07 62 76 01 FF 00 00 00");

	wire = tok_apdu_encode(b, TOK_APDU_ENCODING_AUTO, NULL);
	g_assert_cmpuint(g_bytes_get_size(wire), ==, 4 + 3 + 300);
	{
		const guint8 *w = g_bytes_get_data(wire, NULL);
		g_assert_cmphex(w[4], ==, 0x00);
		g_assert_cmphex(w[5], ==, 0x01);
		g_assert_cmphex(w[6], ==, 0x2C);
		g_assert_cmphex(w[7], ==, 0x00);
		g_assert_cmphex(w[306], ==, (guint8)299);
	}
	g_clear_pointer(&wire, g_bytes_unref);
	wire = tok_apdu_encode(c, TOK_APDU_ENCODING_SHORT, NULL);
	g_assert_cmpuint(g_bytes_get_size(wire), ==, 4 + 1 + 255);
	g_assert_cmphex(((const guint8 *)g_bytes_get_data(wire, NULL))[4], ==, 0xFF);
}

static void
test_encode_case4(void)
{
	const guint8 aid[] = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00};
	const guint8 two[] = {0xAA, 0xBB};
	g_autoptr(TokApdu) a = tok_apdu_new_from_data(0x00, 0xA4, 0x04, 0x00, aid, 7, 256);
	g_autoptr(TokApdu) ext = tok_apdu_new_from_data(0x00, 0x2A, 0x80, 0x86, two, 2, 500);
	g_autoptr(TokApdu) extmax = tok_apdu_new_from_data(0x00, 0x2A, 0x80, 0x86, two, 2, 65536);
	g_autoptr(GBytes) big = filled(256, 0);
	g_autoptr(TokApdu) bigdata = tok_apdu_new(0x00, 0x2A, 0x80, 0x86, big, 1);
	g_autoptr(GBytes) wire = NULL;

	assert_encodes(a, TOK_APDU_ENCODING_AUTO, "00 A4 04 00 07 A0 00 00 00 03 00 00 00");
	assert_encodes(a, TOK_APDU_ENCODING_EXTENDED, "00 A4 04 00 00 00 07 A0 00 00 00 03 00 00 01 00");
	assert_encodes(ext, TOK_APDU_ENCODING_AUTO, "00 2A 80 86 00 00 02 AA BB 01 F4");
	assert_encodes(extmax, TOK_APDU_ENCODING_AUTO, "00 2A 80 86 00 00 02 AA BB 00 00");
	wire = tok_apdu_encode(bigdata, TOK_APDU_ENCODING_AUTO, NULL);
	g_assert_cmpuint(g_bytes_get_size(wire), ==, 4 + 3 + 256 + 2);
	{
		const guint8 *w = g_bytes_get_data(wire, NULL);
		g_assert_cmphex(w[4], ==, 0x00);
		g_assert_cmphex(w[5], ==, 0x01);
		g_assert_cmphex(w[6], ==, 0x00);
		g_assert_cmphex(w[263], ==, 0x00);
		g_assert_cmphex(w[264], ==, 0x01);
	}
}

static void
test_encode_short_too_large(void)
{
	g_autoptr(GBytes) big = filled(256, 0);
	g_autoptr(TokApdu) a = tok_apdu_new(0x00, 0xD6, 0x00, 0x00, big, TOK_APDU_NO_LE);
	g_autoptr(TokApdu) b = tok_apdu_new(0x00, 0xB0, 0x00, 0x00, NULL, 257);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = tok_apdu_encode(a, TOK_APDU_ENCODING_SHORT, &error);

	g_assert_null(wire);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	wire = tok_apdu_encode(b, TOK_APDU_ENCODING_SHORT, &error);
	g_assert_null(wire);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	wire = tok_apdu_encode(b, (TokApduEncoding)42, &error);
	g_assert_null(wire);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

typedef struct {
	const gchar *hex;
	TokApduEncoding encoding; /* the form the bytes are in */
	guint8 cla, ins, p1, p2;
	gsize nc;
	gint le;
} ParseCase;

static void
test_parse_round_trip(void)
{
	const ParseCase cases[] = {
	    /* Dogtag TPS quirks (protocol.md 1.6): an Lc-looking byte without data is Le */
	    {"B0 3C 00 00 10", TOK_APDU_ENCODING_SHORT, 0xB0, 0x3C, 0x00, 0x00, 0, 16},
	    {"00 A4 04 00 00", TOK_APDU_ENCODING_SHORT, 0x00, 0xA4, 0x04, 0x00, 0, 256},
	    {"B0 70 00 00 04", TOK_APDU_ENCODING_SHORT, 0xB0, 0x70, 0x00, 0x00, 0, 4},
	    {"B0 F6 00 00 E0", TOK_APDU_ENCODING_SHORT, 0xB0, 0xF6, 0x00, 0x00, 0, 224},
	    {"80 CA 9F 7F 2D", TOK_APDU_ENCODING_SHORT, 0x80, 0xCA, 0x9F, 0x7F, 0, 0x2D},
	    {"B0 71 00 00", TOK_APDU_ENCODING_SHORT, 0xB0, 0x71, 0x00, 0x00, 0, TOK_APDU_NO_LE},
	    {"00 A4 04 00 07 A0 00 00 00 03 00 00 00", TOK_APDU_ENCODING_SHORT, 0x00, 0xA4, 0x04, 0x00, 7, 256},
	    {"00 A4 04 00 07 62 76 01 FF 00 00 00 00", TOK_APDU_ENCODING_SHORT, 0x00, 0xA4, 0x04, 0x00, 7, 256},
	    {"00 A4 04 00 07 62 76 01 FF 00 00 00", TOK_APDU_ENCODING_SHORT, 0x00, 0xA4, 0x04, 0x00, 7, TOK_APDU_NO_LE},
	    {"80 50 00 00 08 01 02 03 04 05 06 07 08", TOK_APDU_ENCODING_SHORT, 0x80, 0x50, 0x00, 0x00, 8, TOK_APDU_NO_LE},
	    {"84 82 03 00 10 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 00", TOK_APDU_ENCODING_SHORT,
	     0x84, 0x82, 0x03, 0x00, 16, TOK_APDU_NO_LE},
	    {"84 56 00 00 09 FF FF FF FF 00 00 00 00 D0 00", TOK_APDU_ENCODING_SHORT, 0x84, 0x56, 0x00, 0x00, 9, 256},
	    {"84 56 00 00 09 FF FF FF FF 00 00 00 00 D0 10", TOK_APDU_ENCODING_SHORT, 0x84, 0x56, 0x00, 0x00, 9, 16},
	    /* extended forms */
	    {"00 B0 00 00 00 01 01", TOK_APDU_ENCODING_EXTENDED, 0x00, 0xB0, 0x00, 0x00, 0, 257},
	    {"00 B0 00 00 00 00 00", TOK_APDU_ENCODING_EXTENDED, 0x00, 0xB0, 0x00, 0x00, 0, 65536},
	    {"00 B0 00 00 00 00 10", TOK_APDU_ENCODING_EXTENDED, 0x00, 0xB0, 0x00, 0x00, 0, 16},
	    {"00 2A 80 86 00 00 02 AA BB", TOK_APDU_ENCODING_EXTENDED, 0x00, 0x2A, 0x80, 0x86, 2, TOK_APDU_NO_LE},
	    {"00 2A 80 86 00 00 02 AA BB 01 F4", TOK_APDU_ENCODING_EXTENDED, 0x00, 0x2A, 0x80, 0x86, 2, 500},
	    {"00 2A 80 86 00 00 02 AA BB 00 00", TOK_APDU_ENCODING_EXTENDED, 0x00, 0x2A, 0x80, 0x86, 2, 65536},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) wire = hex(cases[i].hex);
		g_autoptr(GError) error = NULL;
		g_autoptr(TokApdu) apdu = tok_apdu_parse_bytes(wire, &error);
		g_autoptr(GBytes) back = NULL;

		g_test_message("case %u: %s", i, cases[i].hex);
		g_assert_no_error(error);
		g_assert_nonnull(apdu);
		g_assert_cmphex(tok_apdu_get_cla(apdu), ==, cases[i].cla);
		g_assert_cmphex(tok_apdu_get_ins(apdu), ==, cases[i].ins);
		g_assert_cmphex(tok_apdu_get_p1(apdu), ==, cases[i].p1);
		g_assert_cmphex(tok_apdu_get_p2(apdu), ==, cases[i].p2);
		g_assert_cmpuint(g_bytes_get_size(tok_apdu_get_data(apdu)), ==, cases[i].nc);
		g_assert_cmpint(tok_apdu_get_le(apdu), ==, cases[i].le);
		back = tok_apdu_encode(apdu, cases[i].encoding, &error);
		g_assert_no_error(error);
		g_assert_true(g_bytes_equal(back, wire));
	}
}

static void
test_parse_extended_large(void)
{
	g_autoptr(GByteArray) a = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) apdu = NULL;
	g_autoptr(GBytes) back = NULL;
	const guint8 hdr[] = {0x00, 0xD6, 0x00, 0x00, 0x00, 0xFF, 0xFF};
	const guint8 le[] = {0x00, 0x00};

	g_byte_array_append(a, hdr, sizeof(hdr));
	for (guint i = 0; i < 65535; i++) {
		guint8 b = (guint8)i;
		g_byte_array_append(a, &b, 1);
	}
	g_byte_array_append(a, le, sizeof(le));
	apdu = tok_apdu_parse(a->data, a->len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(tok_apdu_get_data(apdu)), ==, 65535);
	g_assert_cmpint(tok_apdu_get_le(apdu), ==, 65536);
	back = tok_apdu_encode(apdu, TOK_APDU_ENCODING_AUTO, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(back, a->data, a->len));
	/* one byte more is not a valid APDU */
	{
		const guint8 extra = 0x00;
		g_autoptr(TokApdu) bad = NULL;
		g_byte_array_append(a, &extra, 1);
		bad = tok_apdu_parse(a->data, a->len, &error);
		g_assert_null(bad);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_parse_errors(void)
{
	const struct {
		const gchar *hex;
		gint code;
	} cases[] = {
	    {"", TOK_ERROR_TRUNCATED},
	    {"00", TOK_ERROR_TRUNCATED},
	    {"00 A4", TOK_ERROR_TRUNCATED},
	    {"00 A4 04", TOK_ERROR_TRUNCATED},
	    /* short Lc larger than the data */
	    {"00 A4 04 00 07 A0 00", TOK_ERROR_TRUNCATED},
	    {"00 A4 04 00 FF 01", TOK_ERROR_TRUNCATED},
	    /* short Lc smaller than the data: more than one Le byte left over */
	    {"00 A4 04 00 02 AA BB CC DD", TOK_ERROR_INVALID_DATA},
	    {"00 A4 04 00 01 AA BB CC", TOK_ERROR_INVALID_DATA},
	    /* extended marker without a complete length */
	    {"00 A4 04 00 00 01", TOK_ERROR_TRUNCATED},
	    /* extended Lc 0 followed by bytes ("Lc 0" is never valid) */
	    {"00 A4 04 00 00 00 00 01", TOK_ERROR_INVALID_DATA},
	    {"00 A4 04 00 00 00 00 01 02", TOK_ERROR_INVALID_DATA},
	    /* extended Lc larger than the data */
	    {"00 A4 04 00 00 00 02 AA", TOK_ERROR_TRUNCATED},
	    {"00 A4 04 00 00 01 00 AA", TOK_ERROR_TRUNCATED},
	    /* a 1-byte Le after an extended Lc */
	    {"00 A4 04 00 00 00 02 AA BB CC", TOK_ERROR_INVALID_DATA},
	    /* three bytes after the data */
	    {"00 A4 04 00 00 00 02 AA BB CC DD EE", TOK_ERROR_INVALID_DATA},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) wire = hex(cases[i].hex);
		g_autoptr(GError) error = NULL;
		g_autoptr(TokApdu) apdu = tok_apdu_parse_bytes(wire, &error);
		g_test_message("case %u: %s", i, cases[i].hex);
		g_assert_null(apdu);
		g_assert_error(error, TOK_ERROR, cases[i].code);
		g_assert_nonnull(error->message);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokApdu) apdu = tok_apdu_parse(NULL, 10, &error);
		g_assert_null(apdu);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
	{
		/* NULL error is fine */
		const guint8 bad[] = {0x00, 0xA4};
		g_assert_null(tok_apdu_parse(bad, sizeof(bad), NULL));
	}
}

static void
test_parse_every_short_length(void)
{
	/* a header + n bytes: valid exactly for the cases of ISO 7816-4 5.1 */
	guint8 buf[4 + 1 + 255 + 1] = {0x00, 0xDA, 0x01, 0x02};

	for (guint lc = 1; lc <= 255; lc++) {
		for (guint extra = 0; extra <= 3; extra++) {
			gsize len = 5 + lc + extra;
			g_autoptr(GError) error = NULL;
			g_autoptr(TokApdu) apdu = NULL;

			if (len > sizeof(buf))
				continue;
			buf[4] = (guint8)lc;
			apdu = tok_apdu_parse(buf, len, &error);
			if (extra <= 1) {
				g_assert_no_error(error);
				g_assert_cmpuint(g_bytes_get_size(tok_apdu_get_data(apdu)), ==, lc);
				g_assert_cmpint(tok_apdu_get_le(apdu), ==, extra == 0 ? TOK_APDU_NO_LE : 256);
			} else {
				g_assert_null(apdu);
				g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
			}
		}
	}
}

static void
test_to_string(void)
{
	const guint8 pin[] = {'1', '2', '3', '4'};
	g_autoptr(TokApdu) set_pin = tok_apdu_new_from_data(0x84, 0x04, 0x00, 0x00, pin, sizeof(pin), TOK_APDU_NO_LE);
	g_autoptr(TokApdu) status = tok_apdu_new(0xB0, 0x3C, 0x00, 0x00, NULL, 16);
	g_autoptr(TokApdu) lifecycle = tok_apdu_new(0x84, 0xF0, 0x0F, 0x00, NULL, TOK_APDU_NO_LE);
	g_autoptr(TokApdu) select = tok_apdu_new_from_data(0x00, 0xA4, 0x04, 0x00, pin, 2, 256);
	g_autofree gchar *hidden = tok_apdu_to_string(set_pin, FALSE);
	g_autofree gchar *shown = tok_apdu_to_string(set_pin, TRUE);
	g_autofree gchar *s2 = tok_apdu_to_string(status, FALSE);
	g_autofree gchar *s1 = tok_apdu_to_string(lifecycle, FALSE);
	g_autofree gchar *s4 = tok_apdu_to_string(select, FALSE);

	g_assert_cmpstr(hidden, ==, "84 04 00 00 04 <4 bytes>");
	g_assert_null(strstr(hidden, "31"));
	g_assert_cmpstr(shown, ==, "84 04 00 00 04 31 32 33 34");
	g_assert_cmpstr(s2, ==, "B0 3C 00 00 10");
	g_assert_cmpstr(s1, ==, "84 F0 0F 00");
	g_assert_cmpstr(s4, ==, "00 A4 04 00 02 <2 bytes> 00");
}

static void
test_new_with_le_and_boxed(void)
{
	const guint8 aid[] = {0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00};
	g_autoptr(TokApdu) a = tok_apdu_new_from_data(0x00, 0xA4, 0x04, 0x00, aid, sizeof(aid), 256);
	g_autoptr(TokApdu) b = tok_apdu_new_with_le(a, 0x1C);
	TokApdu *copy;

	assert_encodes(b, TOK_APDU_ENCODING_AUTO, "00 A4 04 00 07 A0 00 00 00 03 00 00 1C");
	assert_encodes(a, TOK_APDU_ENCODING_AUTO, "00 A4 04 00 07 A0 00 00 00 03 00 00 00");
	g_assert_true(G_TYPE_IS_BOXED(TOK_TYPE_APDU));
	g_assert_true(G_TYPE_IS_BOXED(TOK_TYPE_APDU_RESPONSE));
	copy = g_boxed_copy(TOK_TYPE_APDU, a);
	g_assert_true(copy == a);
	g_boxed_free(TOK_TYPE_APDU, copy);
	tok_apdu_unref(NULL);
	tok_apdu_response_unref(NULL);
}

static void
test_response_parse(void)
{
	g_autoptr(GBytes) ok = hex("90 00");
	g_autoptr(GBytes) fci = hex("6F 03 84 01 AA 90 00");
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApduResponse) r1 = tok_apdu_response_parse_bytes(ok, &error);
	g_autoptr(TokApduResponse) r2 = NULL;
	g_autoptr(GBytes) back = NULL;

	g_assert_no_error(error);
	g_assert_cmphex(tok_apdu_response_get_sw(r1), ==, 0x9000);
	g_assert_cmpuint(g_bytes_get_size(tok_apdu_response_get_data(r1)), ==, 0);
	g_assert_true(tok_apdu_response_check(r1, "select", &error));
	g_assert_no_error(error);

	r2 = tok_apdu_response_parse_bytes(fci, &error);
	g_assert_no_error(error);
	g_assert_cmphex(tok_apdu_response_get_sw(r2), ==, 0x9000);
	assert_bytes_hex(tok_apdu_response_get_data(r2), "6F 03 84 01 AA");
	back = tok_apdu_response_encode(r2);
	g_assert_true(g_bytes_equal(back, fci));
}

static void
test_response_new_encode(void)
{
	g_autoptr(GBytes) data = hex("01 02 03");
	g_autoptr(TokApduResponse) r = tok_apdu_response_new(data, 0x6A82);
	g_autoptr(TokApduResponse) empty = tok_apdu_response_new(NULL, 0x9C12);
	g_autoptr(GBytes) w1 = tok_apdu_response_encode(r);
	g_autoptr(GBytes) w2 = tok_apdu_response_encode(empty);

	assert_bytes_hex(w1, "01 02 03 6A 82");
	assert_bytes_hex(w2, "9C 12");
	g_assert_nonnull(tok_apdu_response_get_data(empty));
}

static void
test_response_errors(void)
{
	g_autoptr(GError) error = NULL;
	const guint8 one[] = {0x90};
	g_autoptr(TokApduResponse) r = tok_apdu_response_parse(one, sizeof(one), &error);
	g_autofree guint8 *big = g_malloc0(65536 + 3);
	g_autoptr(TokApduResponse) max = NULL;

	g_assert_null(r);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	r = tok_apdu_response_parse(NULL, 0, &error);
	g_assert_null(r);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);

	/* 65536 data bytes + SW is the largest response */
	big[65536] = 0x90;
	max = tok_apdu_response_parse(big, 65536 + 2, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(tok_apdu_response_get_data(max)), ==, 65536);
	g_assert_cmphex(tok_apdu_response_get_sw(max), ==, 0x9000);
	r = tok_apdu_response_parse(big, 65536 + 3, &error);
	g_assert_null(r);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
}

static void
test_response_check(void)
{
	g_autoptr(TokApduResponse) r = tok_apdu_response_new(NULL, 0x9C02);
	g_autoptr(TokApduResponse) r2 = tok_apdu_response_new(NULL, 0x6A82);
	g_autoptr(GError) error = NULL;

	g_assert_false(tok_apdu_response_check(r, "VERIFY PIN", &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	g_assert_cmpstr(error->message, ==, "VERIFY PIN: authentication failed (SW 9C02)");
	g_clear_error(&error);
	g_assert_false(tok_apdu_response_check(r2, NULL, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
	g_assert_cmpstr(error->message, ==, "application or file not found (SW 6A82)");
	g_assert_false(tok_apdu_response_check(r2, "x", NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/apdu/encode/case1", test_encode_case1);
	g_test_add_func("/tok/apdu/encode/case2-short", test_encode_case2_short);
	g_test_add_func("/tok/apdu/encode/case2-extended", test_encode_case2_extended);
	g_test_add_func("/tok/apdu/encode/case3", test_encode_case3);
	g_test_add_func("/tok/apdu/encode/case4", test_encode_case4);
	g_test_add_func("/tok/apdu/encode/short-too-large", test_encode_short_too_large);
	g_test_add_func("/tok/apdu/parse/round-trip", test_parse_round_trip);
	g_test_add_func("/tok/apdu/parse/extended-large", test_parse_extended_large);
	g_test_add_func("/tok/apdu/parse/errors", test_parse_errors);
	g_test_add_func("/tok/apdu/parse/every-short-length", test_parse_every_short_length);
	g_test_add_func("/tok/apdu/to-string", test_to_string);
	g_test_add_func("/tok/apdu/new-with-le", test_new_with_le_and_boxed);
	g_test_add_func("/tok/apdu/response/parse", test_response_parse);
	g_test_add_func("/tok/apdu/response/new-encode", test_response_new_encode);
	g_test_add_func("/tok/apdu/response/errors", test_response_errors);
	g_test_add_func("/tok/apdu/response/check", test_response_check);
	return g_test_run();
}
