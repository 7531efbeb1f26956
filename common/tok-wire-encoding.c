/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-wire-encoding.h"

#include <string.h>

#include "tok-error.h"
#include "tok-secret.h"

static const gchar tok_wire_hex_digits[] = "0123456789ABCDEF";

static gboolean
tok_wire_is_form_literal(guint8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void
tok_wire_append_escape(GByteArray *out, gchar marker, guint8 c)
{
	guint8 esc[3];

	esc[0] = (guint8)marker;
	esc[1] = (guint8)tok_wire_hex_digits[c >> 4];
	esc[2] = (guint8)tok_wire_hex_digits[c & 0x0f];
	g_byte_array_append(out, esc, sizeof(esc));
}

/* Every byte as <marker>XX. The output array is allocated at its final size up front so
 * that no copy of the (possibly secret) data is left behind by a reallocation. */
static GBytes *
tok_wire_encode_every_byte(GBytes *data, gchar marker)
{
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(data, &len);
	GByteArray *out;

	g_return_val_if_fail(len <= TOK_WIRE_ENCODE_MAX_INPUT, NULL);
	out = g_byte_array_sized_new((guint)(len * 3));
	for (gsize i = 0; i < len; i++)
		tok_wire_append_escape(out, marker, p[i]);
	return tok_bytes_new_wiped_take(out);
}

GBytes *
tok_wire_encode_percent_hex(GBytes *data)
{
	return tok_wire_encode_every_byte(data, '%');
}

GBytes *
tok_wire_encode_hash_hex(GBytes *data)
{
	return tok_wire_encode_every_byte(data, '#');
}

GBytes *
tok_wire_encode_form(GBytes *data)
{
	gsize len = 0;
	gsize out_len = 0;
	const guint8 *p = g_bytes_get_data(data, &len);
	GByteArray *out;

	g_return_val_if_fail(len <= TOK_WIRE_ENCODE_MAX_INPUT, NULL);
	for (gsize i = 0; i < len; i++)
		out_len += (tok_wire_is_form_literal(p[i]) || p[i] == ' ') ? 1 : 3;
	out = g_byte_array_sized_new((guint)out_len);
	for (gsize i = 0; i < len; i++) {
		if (tok_wire_is_form_literal(p[i])) {
			g_byte_array_append(out, &p[i], 1);
		} else if (p[i] == ' ') {
			const guint8 plus = '+';
			g_byte_array_append(out, &plus, 1);
		} else {
			tok_wire_append_escape(out, '%', p[i]);
		}
	}
	return tok_bytes_new_wiped_take(out);
}

GBytes *
tok_wire_encode_form_text(const gchar *text)
{
	g_autoptr(GBytes) bytes = g_bytes_new_static(text, strlen(text));
	return tok_wire_encode_form(bytes);
}

/* Reads the two hex digits after the escape marker at @pos. */
static gboolean
tok_wire_read_escape(const guint8 *p, gsize len, gsize pos, guint8 *value, GError **error)
{
	gint hi, lo;

	if (len - pos < 3) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "'%c' at offset %" G_GSIZE_FORMAT " is not followed by two hex digits",
			    p[pos],
			    pos);
		return FALSE;
	}
	hi = g_ascii_xdigit_value((gchar)p[pos + 1]);
	lo = g_ascii_xdigit_value((gchar)p[pos + 2]);
	if (hi < 0 || lo < 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "'%c' at offset %" G_GSIZE_FORMAT " is not followed by two hex digits",
			    p[pos],
			    pos);
		return FALSE;
	}
	*value = (guint8)((hi << 4) | lo);
	return TRUE;
}

GBytes *
tok_wire_decode_form(GBytes *encoded, GError **error)
{
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(encoded, &len);
	/* the decoded value is never longer than the encoded one: allocate once, so that
	 * no reallocation leaves an unwiped copy behind */
	g_autoptr(TokWipedByteArray) out = NULL;

	if (len > G_MAXUINT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "encoded value of %" G_GSIZE_FORMAT " bytes is too large",
			    len);
		return NULL;
	}
	out = g_byte_array_sized_new((guint)len);

	for (gsize i = 0; i < len; i++) {
		guint8 c = p[i];
		if (c == '%') {
			if (!tok_wire_read_escape(p, len, i, &c, error))
				return NULL;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		} else if (c < 0x20 || c > 0x7e) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "byte 0x%02X at offset %" G_GSIZE_FORMAT
				    " is not a printable ASCII character",
				    c,
				    i);
			return NULL;
		}
		g_byte_array_append(out, &c, 1);
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

gchar *
tok_wire_decode_form_text(GBytes *encoded, GError **error)
{
	g_autoptr(GBytes) raw = tok_wire_decode_form(encoded, error);
	const gchar *data;
	gsize len = 0;

	if (raw == NULL)
		return NULL;
	data = g_bytes_get_data(raw, &len);
	if (len > 0 && !g_utf8_validate_len(data, len, NULL)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "decoded text is not valid UTF-8 or contains a NUL byte");
		return NULL;
	}
	/* g_strndup(NULL, 0) would be NULL: an empty GBytes may have no data pointer */
	return len > 0 ? g_strndup(data, len) : g_strdup("");
}

GBytes *
tok_wire_decode_hash_hex(GBytes *encoded, GError **error)
{
	gsize len = 0;
	const guint8 *p = g_bytes_get_data(encoded, &len);
	g_autoptr(TokWipedByteArray) out = NULL;

	if (len > G_MAXUINT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "encoded value of %" G_GSIZE_FORMAT " bytes is too large",
			    len);
		return NULL;
	}
	out = g_byte_array_sized_new((guint)(len / 3));

	for (gsize i = 0; i < len; i += 3) {
		guint8 c = 0;
		if (p[i] != '#') {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "expected '#' at offset %" G_GSIZE_FORMAT ", found byte 0x%02X",
				    i,
				    p[i]);
			return NULL;
		}
		if (!tok_wire_read_escape(p, len, i, &c, error))
			return NULL;
		g_byte_array_append(out, &c, 1);
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}
