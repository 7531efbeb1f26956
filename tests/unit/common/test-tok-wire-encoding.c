/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-wire-encoding.h"

static GBytes *
bytes_from_text(const gchar *text)
{
	return g_bytes_new(text, strlen(text));
}

static void
assert_bytes_text(GBytes *bytes, const gchar *want)
{
	gsize len = 0;
	const gchar *data = g_bytes_get_data(bytes, &len);
	g_autofree gchar *got = len > 0 ? g_strndup(data, len) : g_strdup("");
	g_assert_cmpstr(got, ==, want);
	g_assert_cmpuint(len, ==, strlen(want));
}

static void
test_percent_hex(void)
{
	const guint8 select[] = {0x00, 0xa4, 0x04, 0x00, 0x00};
	g_autoptr(GBytes) in = g_bytes_new(select, sizeof(select));
	g_autoptr(GBytes) out = tok_wire_encode_percent_hex(in);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) empty_out = tok_wire_encode_percent_hex(empty);
	g_autoptr(GBytes) back = NULL;
	g_autoptr(GError) error = NULL;

	/* protocol.md 1.10: PDU(00 A4 04 00 00) */
	assert_bytes_text(out, "%00%A4%04%00%00");
	assert_bytes_text(empty_out, "");
	/* even alnum bytes are escaped */
	{
		g_autoptr(GBytes) alpha = bytes_from_text("Az9 ");
		g_autoptr(GBytes) enc = tok_wire_encode_percent_hex(alpha);
		assert_bytes_text(enc, "%41%7A%39%20");
	}
	back = tok_wire_decode_form(out, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(back, select, sizeof(select)));
}

static void
test_hash_hex(void)
{
	const guint8 data[] = {0x01, 0xab, 0xff, 0x00, 0x23};
	g_autoptr(GBytes) in = g_bytes_new(data, sizeof(data));
	g_autoptr(GBytes) out = tok_wire_encode_hash_hex(in);
	g_autoptr(GBytes) back = NULL;
	g_autoptr(GBytes) lower_in = bytes_from_text("#ab#Cd");
	g_autoptr(GBytes) lower = NULL;
	g_autoptr(GBytes) empty_in = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) empty = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 want_lower[] = {0xab, 0xcd};

	assert_bytes_text(out, "#01#AB#FF#00#23");
	back = tok_wire_decode_hash_hex(out, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(back, data, sizeof(data)));

	lower = tok_wire_decode_hash_hex(lower_in, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(lower, want_lower, sizeof(want_lower)));

	empty = tok_wire_decode_hash_hex(empty_in, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(empty), ==, 0);
}

static void
test_hash_hex_bad(void)
{
	const gchar *bad[] = {"01", "#0", "#0G", "#G0", "#01#", "%01", "#01 ", " #01", "#01#0", "+"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) in = bytes_from_text(bad[i]);
		g_autoptr(GBytes) out = tok_wire_decode_hash_hex(in, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_form_encode(void)
{
	struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
	    {"ESC 1.0.1", "ESC+1%2E0%2E1"},
	    {"tokenType=userKey", "tokenType%3DuserKey"},
	    {"a&b", "a%26b"},
	    {"-_.*~+%", "%2D%5F%2E%2A%7E%2B%25"},
	    {"", ""},
	    {"caf\xc3\xa9", "caf%C3%A9"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) out = tok_wire_encode_form_text(cases[i].in);
		g_autoptr(GBytes) in = bytes_from_text(cases[i].in);
		g_autoptr(GBytes) out2 = tok_wire_encode_form(in);
		assert_bytes_text(out, cases[i].out);
		g_assert_true(g_bytes_equal(out, out2));
	}
	/* binary: the Java TokenPDUResponseMsg self-test value, NUL included */
	{
		const guint8 resp[] = {'R', 0xb3, 'F', 0x85, 0x90, 0x00};
		g_autoptr(GBytes) in = g_bytes_new(resp, sizeof(resp));
		g_autoptr(GBytes) out = tok_wire_encode_form(in);
		assert_bytes_text(out, "R%B3F%85%90%00");
	}
}

/* Every single byte: alnum literal, space '+', everything else %XX, and back. */
static void
test_form_every_byte(void)
{
	guint8 all[256];

	for (guint b = 0; b < 256; b++) {
		guint8 c = (guint8)b;
		g_autoptr(GBytes) in = g_bytes_new(&c, 1);
		g_autoptr(GBytes) out = tok_wire_encode_form(in);
		g_autoptr(GBytes) back = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *want = NULL;

		if (g_ascii_isalnum((gchar)c))
			want = g_strdup_printf("%c", c);
		else if (c == ' ')
			want = g_strdup("+");
		else
			want = g_strdup_printf("%%%02X", c);
		assert_bytes_text(out, want);
		back = tok_wire_decode_form(out, &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(back, &c, 1));
		all[b] = c;
	}
	/* and all of them at once, both encodings */
	{
		g_autoptr(GBytes) in = g_bytes_new(all, sizeof(all));
		g_autoptr(GBytes) form = tok_wire_encode_form(in);
		g_autoptr(GBytes) hex = tok_wire_encode_percent_hex(in);
		g_autoptr(GBytes) hash = tok_wire_encode_hash_hex(in);
		g_autoptr(GBytes) b1 = NULL;
		g_autoptr(GBytes) b2 = NULL;
		g_autoptr(GBytes) b3 = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_cmpuint(g_bytes_get_size(hex), ==, 768);
		b1 = tok_wire_decode_form(form, &error);
		g_assert_no_error(error);
		b2 = tok_wire_decode_form(hex, &error);
		g_assert_no_error(error);
		b3 = tok_wire_decode_hash_hex(hash, &error);
		g_assert_no_error(error);
		g_assert_true(g_bytes_equal(b1, in));
		g_assert_true(g_bytes_equal(b2, in));
		g_assert_true(g_bytes_equal(b3, in));
	}
}

static void
test_form_decode(void)
{
	struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
	    {"ESC+1%2E0%2E1", "ESC 1.0.1"},
	    {"ESC+1.0.1", "ESC 1.0.1"}, /* Java URLEncoder leaves '.' literal */
	    {"%3d%3D", "=="},		/* either case */
	    {"a b", "a b"},		/* a literal space is printable */
	    {"-_.*~!'()", "-_.*~!'()"},
	    {"", ""},
	    {"%25%2B", "%+"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) in = bytes_from_text(cases[i].in);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out = tok_wire_decode_form(in, &error);
		g_autofree gchar *text = tok_wire_decode_form_text(in, &error);
		g_assert_no_error(error);
		assert_bytes_text(out, cases[i].out);
		g_assert_cmpstr(text, ==, cases[i].out);
	}
	/* NUL bytes survive the binary decoder */
	{
		const guint8 want[] = {0x00, 0x90, 0x00};
		g_autoptr(GBytes) in = bytes_from_text("%00%90%00");
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out = tok_wire_decode_form(in, &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(out, want, sizeof(want)));
	}
	/* UTF-8 text */
	{
		g_autoptr(GBytes) in = bytes_from_text("caf%C3%A9");
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = tok_wire_decode_form_text(in, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(text, ==, "caf\xc3\xa9");
	}
}

static void
test_form_decode_bad(void)
{
	const gchar *bad[] = {"%", "%4", "%4G", "%G4", "abc%", "abc%2", "%%41", "% 41"};
	const gchar *bad_bytes[] = {"a\x01", "\x7f", "\x80", "caf\xc3\xa9", "\t", "a\nb"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GBytes) in = bytes_from_text(bad[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out = tok_wire_decode_form(in, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_bytes); i++) {
		g_autoptr(GBytes) in = bytes_from_text(bad_bytes[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out = tok_wire_decode_form(in, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	/* a raw NUL in the encoded text */
	{
		const guint8 nul[] = {'a', 0x00, 'b'};
		g_autoptr(GBytes) in = g_bytes_new(nul, sizeof(nul));
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) out = tok_wire_decode_form(in, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_form_decode_text_bad(void)
{
	/* decodes, but is not valid UTF-8 text or holds a NUL */
	const gchar *bad[] = {"%FF", "%C3", "%C3%28", "a%00b", "%ED%A0%80", "%C0%AF", "%00"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GBytes) in = bytes_from_text(bad[i]);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = tok_wire_decode_form_text(in, &error);
		g_autoptr(GBytes) raw = NULL;
		g_assert_null(text);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		/* the binary decoder takes them */
		g_clear_error(&error);
		raw = tok_wire_decode_form(in, &error);
		g_assert_no_error(error);
		g_assert_nonnull(raw);
	}
	/* and a broken escape stays an error there too */
	{
		g_autoptr(GBytes) in = bytes_from_text("%Z0");
		g_autoptr(GError) error = NULL;
		g_autofree gchar *text = tok_wire_decode_form_text(in, &error);
		g_assert_null(text);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/wire-encoding/percent-hex", test_percent_hex);
	g_test_add_func("/tok/wire-encoding/hash-hex", test_hash_hex);
	g_test_add_func("/tok/wire-encoding/hash-hex/bad", test_hash_hex_bad);
	g_test_add_func("/tok/wire-encoding/form/encode", test_form_encode);
	g_test_add_func("/tok/wire-encoding/form/every-byte", test_form_every_byte);
	g_test_add_func("/tok/wire-encoding/form/decode", test_form_decode);
	g_test_add_func("/tok/wire-encoding/form/decode/bad", test_form_decode_bad);
	g_test_add_func("/tok/wire-encoding/form/decode-text/bad", test_form_decode_text_bad);
	return g_test_run();
}
