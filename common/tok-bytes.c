/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-bytes.h"

#include <string.h>

#include "tok-error.h"

gchar *
tok_hex_encode(const guint8 *data, gsize len, gboolean uppercase)
{
	const gchar *digits = uppercase ? "0123456789ABCDEF" : "0123456789abcdef";
	gchar *out = g_malloc(len * 2 + 1);

	for (gsize i = 0; i < len; i++) {
		out[i * 2] = digits[data[i] >> 4];
		out[i * 2 + 1] = digits[data[i] & 0x0f];
	}
	out[len * 2] = '\0';
	return out;
}

gchar *
tok_hex_encode_bytes(GBytes *bytes, gboolean uppercase)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return tok_hex_encode(data, len, uppercase);
}

GBytes *
tok_hex_decode(const gchar *hex, TokHexFlags flags, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	gint hi = -1;

	if (hex == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no hex text");
		return NULL;
	}
	for (gsize i = 0; hex[i] != '\0'; i++) {
		gint v = g_ascii_xdigit_value(hex[i]);
		if (v < 0) {
			if ((flags & TOK_HEX_FLAG_ALLOW_SPACES) && g_ascii_isspace(hex[i]) && hi < 0)
				continue;
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "invalid hex digit at position %" G_GSIZE_FORMAT,
				    i);
			return NULL;
		}
		if (hi < 0) {
			hi = v;
		} else {
			guint8 b = (guint8)((hi << 4) | v);
			g_byte_array_append(out, &b, 1);
			hi = -1;
		}
	}
	if (hi >= 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "odd number of hex digits");
		return NULL;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

gboolean
tok_bytes_equal_data(GBytes *bytes, const guint8 *data, gsize len)
{
	gsize blen = 0;
	const guint8 *bdata;

	if (bytes == NULL)
		return FALSE;
	bdata = g_bytes_get_data(bytes, &blen);
	if (blen != len)
		return FALSE;
	return len == 0 || memcmp(bdata, data, len) == 0;
}

void
tok_reader_init(TokReader *reader, const guint8 *data, gsize len)
{
	reader->data = data;
	reader->len = data != NULL ? len : 0;
	reader->pos = 0;
}

void
tok_reader_init_bytes(TokReader *reader, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	tok_reader_init(reader, data, len);
}

gsize
tok_reader_remaining(const TokReader *reader)
{
	return reader->len - reader->pos;
}

static gboolean
tok_reader_check(const TokReader *reader, gsize n, GError **error)
{
	if (n > tok_reader_remaining(reader)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "need %" G_GSIZE_FORMAT " bytes at offset %" G_GSIZE_FORMAT
			    ", only %" G_GSIZE_FORMAT " left",
			    n,
			    reader->pos,
			    tok_reader_remaining(reader));
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_reader_read_u8(TokReader *reader, guint8 *value, GError **error)
{
	if (!tok_reader_check(reader, 1, error))
		return FALSE;
	*value = reader->data[reader->pos];
	reader->pos += 1;
	return TRUE;
}

gboolean
tok_reader_read_u16_be(TokReader *reader, guint16 *value, GError **error)
{
	if (!tok_reader_check(reader, 2, error))
		return FALSE;
	*value = (guint16)((reader->data[reader->pos] << 8) | reader->data[reader->pos + 1]);
	reader->pos += 2;
	return TRUE;
}

gboolean
tok_reader_read_u32_be(TokReader *reader, guint32 *value, GError **error)
{
	const guint8 *p;
	if (!tok_reader_check(reader, 4, error))
		return FALSE;
	p = reader->data + reader->pos;
	*value = ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
	reader->pos += 4;
	return TRUE;
}

gboolean
tok_reader_read_u32_le(TokReader *reader, guint32 *value, GError **error)
{
	const guint8 *p;
	if (!tok_reader_check(reader, 4, error))
		return FALSE;
	p = reader->data + reader->pos;
	*value = ((guint32)p[3] << 24) | ((guint32)p[2] << 16) | ((guint32)p[1] << 8) | p[0];
	reader->pos += 4;
	return TRUE;
}

gboolean
tok_reader_read_view(TokReader *reader, gsize n, const guint8 **view, GError **error)
{
	if (!tok_reader_check(reader, n, error))
		return FALSE;
	*view = reader->data + reader->pos;
	reader->pos += n;
	return TRUE;
}

GBytes *
tok_reader_read_bytes(TokReader *reader, gsize n, GError **error)
{
	const guint8 *view = NULL;
	if (!tok_reader_read_view(reader, n, &view, error))
		return NULL;
	return g_bytes_new(view, n);
}

gboolean
tok_reader_read_into(TokReader *reader, guint8 *dst, gsize n, GError **error)
{
	const guint8 *view = NULL;
	if (!tok_reader_read_view(reader, n, &view, error))
		return FALSE;
	if (n > 0)
		memcpy(dst, view, n);
	return TRUE;
}

gboolean
tok_reader_read_sub(TokReader *reader, gsize n, TokReader *sub, GError **error)
{
	const guint8 *view = NULL;
	if (!tok_reader_read_view(reader, n, &view, error))
		return FALSE;
	tok_reader_init(sub, view, n);
	return TRUE;
}

gboolean
tok_reader_skip(TokReader *reader, gsize n, GError **error)
{
	if (!tok_reader_check(reader, n, error))
		return FALSE;
	reader->pos += n;
	return TRUE;
}

gboolean
tok_reader_expect_end(const TokReader *reader, GError **error)
{
	if (tok_reader_remaining(reader) != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " unexpected trailing bytes at offset %" G_GSIZE_FORMAT,
			    tok_reader_remaining(reader),
			    reader->pos);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_read_at(const guint8 *data, gsize len, gsize offset, TokReader *reader, GError **error)
{
	if (offset > len || data == NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "offset %" G_GSIZE_FORMAT " is past the end of %" G_GSIZE_FORMAT " bytes",
			    offset,
			    data != NULL ? len : 0);
		return FALSE;
	}
	tok_reader_init(reader, data, len);
	reader->pos = offset;
	return TRUE;
}

gboolean
tok_read_u8(const guint8 *data, gsize len, gsize offset, guint8 *value, GError **error)
{
	TokReader r;
	return tok_read_at(data, len, offset, &r, error) && tok_reader_read_u8(&r, value, error);
}

gboolean
tok_read_u16_be(const guint8 *data, gsize len, gsize offset, guint16 *value, GError **error)
{
	TokReader r;
	return tok_read_at(data, len, offset, &r, error) && tok_reader_read_u16_be(&r, value, error);
}

gboolean
tok_read_u32_be(const guint8 *data, gsize len, gsize offset, guint32 *value, GError **error)
{
	TokReader r;
	return tok_read_at(data, len, offset, &r, error) && tok_reader_read_u32_be(&r, value, error);
}

void
tok_byte_array_append_u8(GByteArray *array, guint8 value)
{
	g_byte_array_append(array, &value, 1);
}

void
tok_byte_array_append_u16_be(GByteArray *array, guint16 value)
{
	guint8 buf[2] = {(guint8)(value >> 8), (guint8)value};
	g_byte_array_append(array, buf, sizeof(buf));
}

void
tok_byte_array_append_u32_be(GByteArray *array, guint32 value)
{
	guint8 buf[4] = {(guint8)(value >> 24), (guint8)(value >> 16), (guint8)(value >> 8), (guint8)value};
	g_byte_array_append(array, buf, sizeof(buf));
}

void
tok_byte_array_append_u32_le(GByteArray *array, guint32 value)
{
	guint8 buf[4] = {(guint8)value, (guint8)(value >> 8), (guint8)(value >> 16), (guint8)(value >> 24)};
	g_byte_array_append(array, buf, sizeof(buf));
}

void
tok_byte_array_append_bytes(GByteArray *array, GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	if (len > 0)
		g_byte_array_append(array, data, (guint)len);
}
