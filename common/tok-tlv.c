/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-tlv.h"

#include "tok-bytes.h"
#include "tok-error.h"

static gboolean
tok_tlv_read_tag(TokReader *r, TokTlv *tlv, GError **error)
{
	guint8 b = 0;
	guint32 tag;

	if (!tok_reader_read_u8(r, &b, error)) {
		g_prefix_error(error, "TLV tag: ");
		return FALSE;
	}
	tag = b;
	tlv->constructed = (b & 0x20) != 0;
	if ((b & 0x1F) == 0x1F) {
		/* subsequent tag bytes: bit 8 set means another one follows */
		guint n = 1;
		do {
			if (!tok_reader_read_u8(r, &b, error)) {
				g_prefix_error(error, "TLV tag %X: ", tag);
				return FALSE;
			}
			if (n == 1 && b == 0x80) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "TLV tag %X%02X at offset %" G_GSIZE_FORMAT
					    " has a padded tag number",
					    tag,
					    b,
					    tlv->offset);
				return FALSE;
			}
			if (++n > TOK_TLV_MAX_TAG_BYTES) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "TLV tag at offset %" G_GSIZE_FORMAT
					    " is longer than %d bytes",
					    tlv->offset,
					    TOK_TLV_MAX_TAG_BYTES);
				return FALSE;
			}
			tag = (tag << 8) | b;
		} while ((b & 0x80) != 0);
	}
	tlv->tag = tag;
	return TRUE;
}

static gboolean
tok_tlv_read_length(TokReader *r, TokTlv *tlv, GError **error)
{
	guint8 b = 0;
	guint32 len = 0;

	if (!tok_reader_read_u8(r, &b, error)) {
		g_prefix_error(error, "TLV %X length: ", tlv->tag);
		return FALSE;
	}
	if (b < 0x80) {
		len = b;
	} else if (b == 0x80) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "TLV %X at offset %" G_GSIZE_FORMAT " has an indefinite length",
			    tlv->tag,
			    tlv->offset);
		return FALSE;
	} else {
		guint n = b & 0x7F;
		if (n > TOK_TLV_MAX_LEN_BYTES) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "TLV %X at offset %" G_GSIZE_FORMAT
				    " has a %u-byte length field (at most %d)",
				    tlv->tag,
				    tlv->offset,
				    n,
				    TOK_TLV_MAX_LEN_BYTES);
			return FALSE;
		}
		for (guint i = 0; i < n; i++) {
			if (!tok_reader_read_u8(r, &b, error)) {
				g_prefix_error(error, "TLV %X length: ", tlv->tag);
				return FALSE;
			}
			len = (len << 8) | b;
		}
	}
	if (len > tok_reader_remaining(r)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "TLV %X at offset %" G_GSIZE_FORMAT " has length %u but only %" G_GSIZE_FORMAT
			    " bytes follow",
			    tlv->tag,
			    tlv->offset,
			    len,
			    tok_reader_remaining(r));
		return FALSE;
	}
	tlv->len = len;
	return TRUE;
}

/* Reads one TLV at r->pos; on failure @tlv may be partly written but @r is unusable. */
static gboolean
tok_tlv_read_at(TokReader *r, guint depth, TokTlv *tlv, GError **error)
{
	const guint8 *view = NULL;

	tlv->offset = r->pos;
	tlv->depth = depth;
	tlv->value = NULL;
	tlv->len = 0;
	if (!tok_tlv_read_tag(r, tlv, error) || !tok_tlv_read_length(r, tlv, error))
		return FALSE;
	if (!tok_reader_read_view(r, tlv->len, &view, error))
		return FALSE;
	tlv->value = tlv->len > 0 ? view : NULL;
	tlv->total_len = r->pos - tlv->offset;
	return TRUE;
}

gboolean
tok_tlv_read(const guint8 *data, gsize len, TokTlv *tlv, gsize *rest_len, GError **error)
{
	TokReader r;
	TokTlv tmp = {0};

	tok_reader_init(&r, data, len);
	if (!tok_tlv_read_at(&r, 0, &tmp, error))
		return FALSE;
	*tlv = tmp;
	if (rest_len != NULL)
		*rest_len = tok_reader_remaining(&r);
	return TRUE;
}

gboolean
tok_tlv_parse(const guint8 *data, gsize len, TokTlv *tlv, GError **error)
{
	TokTlv tmp = {0};
	gsize rest = 0;

	if (!tok_tlv_read(data, len, &tmp, &rest, error))
		return FALSE;
	if (rest != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " unexpected bytes after TLV %X",
			    rest,
			    tmp.tag);
		return FALSE;
	}
	*tlv = tmp;
	return TRUE;
}

void
tok_tlv_iter_init(TokTlvIter *iter, const guint8 *data, gsize len)
{
	iter->data = data;
	iter->len = data != NULL ? len : 0;
	iter->pos = 0;
	iter->depth = 0;
}

gboolean
tok_tlv_iter_init_children(TokTlvIter *iter, const TokTlv *parent, GError **error)
{
	if (!parent->constructed) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "TLV %X is primitive, it has no children",
			    parent->tag);
		return FALSE;
	}
	if (parent->depth + 1 > TOK_TLV_MAX_DEPTH) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "TLV %X: nesting deeper than %d levels",
			    parent->tag,
			    TOK_TLV_MAX_DEPTH);
		return FALSE;
	}
	tok_tlv_iter_init(iter, parent->value, parent->len);
	iter->depth = parent->depth + 1;
	return TRUE;
}

gboolean
tok_tlv_iter_has_next(const TokTlvIter *iter)
{
	return iter->pos < iter->len;
}

gboolean
tok_tlv_iter_next(TokTlvIter *iter, TokTlv *tlv, GError **error)
{
	TokReader r;
	TokTlv tmp = {0};

	tok_reader_init(&r, iter->data, iter->len);
	r.pos = iter->pos;
	if (!tok_tlv_read_at(&r, iter->depth, &tmp, error))
		return FALSE;
	iter->pos = r.pos;
	*tlv = tmp;
	return TRUE;
}

static gboolean
tok_tlv_find_in_iter(TokTlvIter *iter, guint32 tag, gboolean recursive, TokTlv *tlv, GError **error)
{
	while (tok_tlv_iter_has_next(iter)) {
		TokTlv cur = {0};
		g_autoptr(GError) child_error = NULL;
		TokTlvIter children;

		if (!tok_tlv_iter_next(iter, &cur, error))
			return FALSE;
		if (cur.tag == tag) {
			*tlv = cur;
			return TRUE;
		}
		if (!recursive || !cur.constructed)
			continue;
		if (!tok_tlv_iter_init_children(&children, &cur, error))
			return FALSE;
		if (tok_tlv_find_in_iter(&children, tag, TRUE, tlv, &child_error))
			return TRUE;
		if (!g_error_matches(child_error, TOK_ERROR, TOK_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&child_error));
			return FALSE;
		}
	}
	g_set_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND, "no TLV with tag %X", tag);
	return FALSE;
}

gboolean
tok_tlv_find(const guint8 *data, gsize len, guint32 tag, TokTlv *tlv, GError **error)
{
	TokTlvIter iter;
	tok_tlv_iter_init(&iter, data, len);
	return tok_tlv_find_in_iter(&iter, tag, FALSE, tlv, error);
}

gboolean
tok_tlv_find_child(const TokTlv *parent, guint32 tag, TokTlv *tlv, GError **error)
{
	TokTlvIter iter;
	if (!tok_tlv_iter_init_children(&iter, parent, error))
		return FALSE;
	if (!tok_tlv_find_in_iter(&iter, tag, FALSE, tlv, error)) {
		g_prefix_error(error, "in TLV %X: ", parent->tag);
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_tlv_find_recursive(const guint8 *data, gsize len, guint32 tag, TokTlv *tlv, GError **error)
{
	TokTlvIter iter;
	tok_tlv_iter_init(&iter, data, len);
	return tok_tlv_find_in_iter(&iter, tag, TRUE, tlv, error);
}

static gboolean
tok_tlv_walk_iter(TokTlvIter *iter, TokTlvWalkFunc func, gpointer user_data, GError **error)
{
	while (tok_tlv_iter_has_next(iter)) {
		TokTlv cur = {0};
		TokTlvIter children;

		if (!tok_tlv_iter_next(iter, &cur, error))
			return FALSE;
		if (func != NULL && !func(&cur, user_data, error))
			return FALSE;
		if (!cur.constructed)
			continue;
		if (!tok_tlv_iter_init_children(&children, &cur, error))
			return FALSE;
		if (!tok_tlv_walk_iter(&children, func, user_data, error)) {
			g_prefix_error(error, "in TLV %X: ", cur.tag);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
tok_tlv_walk(const guint8 *data, gsize len, TokTlvWalkFunc func, gpointer user_data, GError **error)
{
	TokTlvIter iter;
	tok_tlv_iter_init(&iter, data, len);
	return tok_tlv_walk_iter(&iter, func, user_data, error);
}

void
tok_tlv_append_tag(GByteArray *out, guint32 tag)
{
	gboolean started = FALSE;

	for (gint shift = 24; shift > 0; shift -= 8) {
		guint8 b = (guint8)(tag >> shift);
		if (b != 0 || started) {
			tok_byte_array_append_u8(out, b);
			started = TRUE;
		}
	}
	tok_byte_array_append_u8(out, (guint8)tag);
}

void
tok_tlv_append_length(GByteArray *out, guint32 len)
{
	if (len < 0x80) {
		tok_byte_array_append_u8(out, (guint8)len);
	} else if (len <= 0xFF) {
		tok_byte_array_append_u8(out, 0x81);
		tok_byte_array_append_u8(out, (guint8)len);
	} else if (len <= 0xFFFF) {
		tok_byte_array_append_u8(out, 0x82);
		tok_byte_array_append_u16_be(out, (guint16)len);
	} else if (len <= 0xFFFFFF) {
		tok_byte_array_append_u8(out, 0x83);
		tok_byte_array_append_u8(out, (guint8)(len >> 16));
		tok_byte_array_append_u16_be(out, (guint16)len);
	} else {
		tok_byte_array_append_u8(out, 0x84);
		tok_byte_array_append_u32_be(out, len);
	}
}

void
tok_tlv_append(GByteArray *out, guint32 tag, const guint8 *value, guint32 len)
{
	g_return_if_fail(value != NULL || len == 0);
	tok_tlv_append_tag(out, tag);
	tok_tlv_append_length(out, len);
	if (len > 0)
		g_byte_array_append(out, value, len);
}

void
tok_tlv_append_bytes(GByteArray *out, guint32 tag, GBytes *value)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(value, &len);
	g_return_if_fail(len <= G_MAXUINT32);
	tok_tlv_append(out, tag, data, (guint32)len);
}
