/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-share.h"

#include <string.h>

#include "tks-error.h"
#include "tok-bytes.h"

#define TKS_SHARE_LINE_MAX 256

struct _TksKeyShare {
	gchar *key_set; /* NULL: unknown */
	guint version;	/* 0: unknown */
	gboolean has_type;
	TksKeyType type;
	guint index; /* 0: unknown */
	guint count; /* 0: unknown */
	TokSecret *value;
	guint8 kcv[TKS_KCV_SIZE];
	gboolean has_key_kcv;
	guint8 key_kcv[TKS_KCV_SIZE];
};

G_DEFINE_BOXED_TYPE(TksKeyShare, tks_key_share, tks_key_share_copy, tks_key_share_free)

void
tks_key_share_free(TksKeyShare *share)
{
	if (share == NULL)
		return;
	g_free(share->key_set);
	g_clear_pointer(&share->value, tok_secret_unref);
	g_free(share);
}

TksKeyShare *
tks_key_share_copy(const TksKeyShare *share)
{
	TksKeyShare *copy = g_new0(TksKeyShare, 1);
	*copy = *share;
	copy->key_set = g_strdup(share->key_set);
	copy->value = share->value != NULL ? tok_secret_ref(share->value) : NULL;
	return copy;
}

guint
tks_key_share_get_index(const TksKeyShare *share)
{
	return share->index;
}

guint
tks_key_share_get_count(const TksKeyShare *share)
{
	return share->count;
}

const guint8 *
tks_key_share_get_kcv(const TksKeyShare *share)
{
	return share->kcv;
}

/* The KCV of @len bytes at @data taken as one key of @type. */
static gboolean
tks_key_share_kcv(TokGpCrypto *crypto, TksKeyType type, const guint8 *data, gsize len, guint8 out[TKS_KCV_SIZE], GError **error)
{
	if (len != tks_key_type_get_key_length(type)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "a share of %" G_GSIZE_FORMAT " bytes cannot be part of a %s key",
			    len,
			    tks_key_type_to_string(type) != NULL ? tks_key_type_to_string(type) : "?");
		return FALSE;
	}
	if (!(type == TKS_KEY_TYPE_DES3 ? tok_gp_crypto_kcv_des(crypto, data, len, out, error)
					: tok_gp_crypto_kcv_aes(crypto, data, len, out, error))) {
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return FALSE;
	}
	return TRUE;
}

GPtrArray *
tks_key_share_split(TokGpCrypto *crypto,
		    TksKeyType type,
		    TokSecret *key,
		    guint count,
		    const gchar *key_set,
		    guint version,
		    GError **error)
{
	g_autoptr(GPtrArray) shares = g_ptr_array_new_with_free_func((GDestroyNotify)tks_key_share_free);
	gsize len = 0;
	const guint8 *kdata = tok_secret_get_data(key, &len);
	g_autoptr(TokSecret) last = NULL;
	guint8 key_kcv[TKS_KCV_SIZE];

	if (count < 2 || count > TKS_KEY_SHARE_MAX_COUNT) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "a key is split into 2..%d shares, not %u",
			    TKS_KEY_SHARE_MAX_COUNT,
			    count);
		return NULL;
	}
	if ((key_set != NULL && !tks_key_set_name_is_valid(key_set)) || version > 0xFF) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "invalid key set name or version");
		return NULL;
	}
	if (!tks_key_share_kcv(crypto, type, kdata, len, key_kcv, error))
		return NULL;
	last = tok_secret_new_from_data(kdata, len);
	for (guint i = 1; i <= count; i++) {
		TksKeyShare *share = g_new0(TksKeyShare, 1);
		g_ptr_array_add(shares, share);
		share->key_set = g_strdup(key_set);
		share->version = version;
		share->has_type = TRUE;
		share->type = type;
		share->index = i;
		share->count = count;
		share->has_key_kcv = TRUE;
		for (guint j = 0; j < TKS_KCV_SIZE; j++)
			share->key_kcv[j] = key_kcv[j];
		if (i < count) {
			guint8 *acc = tok_secret_get_mutable_data(last);
			const guint8 *r;
			share->value = tok_secret_new_random(len, error);
			if (share->value == NULL) {
				tks_error_convert(error, TKS_ERROR_BACKEND);
				return NULL;
			}
			r = tok_secret_get_data(share->value, NULL);
			for (gsize j = 0; j < len; j++)
				acc[j] ^= r[j];
		} else {
			share->value = tok_secret_ref(last);
		}
		if (!tks_key_share_kcv(crypto, type, tok_secret_get_data(share->value, NULL), len, share->kcv, error))
			return NULL;
	}
	return g_steal_pointer(&shares);
}

TokSecret *
tks_key_share_combine(TokGpCrypto *crypto, GPtrArray *shares, TksKeyType type, TksKeyType *out_type, GError **error)
{
	const TksKeyShare *first;
	g_autoptr(TokSecret) key = NULL;
	guint8 kcv[TKS_KCV_SIZE];
	gsize len;
	guint32 seen = 0;

	if (shares->len < 2 || shares->len > TKS_KEY_SHARE_MAX_COUNT) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "a key is rebuilt from 2..%d shares, not %u",
			    TKS_KEY_SHARE_MAX_COUNT,
			    shares->len);
		return NULL;
	}
	first = g_ptr_array_index(shares, 0);
	for (guint i = 0; i < shares->len; i++) {
		const TksKeyShare *s = g_ptr_array_index(shares, i);
		if (s->has_type) {
			type = s->type;
			break;
		}
	}
	len = tks_key_type_get_key_length(type);
	/* each share against its own check value first: that names the wrong share */
	for (guint i = 0; i < shares->len; i++) {
		const TksKeyShare *s = g_ptr_array_index(shares, i);
		guint number = s->index != 0 ? s->index : i + 1;
		gsize slen = tok_secret_get_size(s->value);

		if ((s->has_type && s->type != type) || slen != len) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "share %u: not a share of a %s key",
				    number,
				    tks_key_type_to_string(type));
			return NULL;
		}
		if (!tks_key_share_kcv(crypto, type, tok_secret_get_data(s->value, NULL), slen, kcv, error))
			return NULL;
		if (!tok_gp_memeq(kcv, s->kcv, TKS_KCV_SIZE)) {
			g_set_error(error, TKS_ERROR, TKS_ERROR_CHECK_VALUE, "share %u: check value does not match", number);
			return NULL;
		}
	}
	/* then the shares against each other */
	for (guint i = 0; i < shares->len; i++) {
		const TksKeyShare *s = g_ptr_array_index(shares, i);
		guint number = s->index != 0 ? s->index : i + 1;

		if (s->count != first->count || (s->count != 0 && s->count != shares->len)) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "share %u: the key was split into %u shares, %u given",
				    number,
				    s->count != 0 ? s->count : first->count,
				    shares->len);
			return NULL;
		}
		if (s->index != 0) {
			if (s->index > shares->len || (seen & (1u << s->index)) != 0) {
				g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "share %u is given twice or out of range", number);
				return NULL;
			}
			seen |= 1u << s->index;
		}
		if (g_strcmp0(s->key_set, first->key_set) != 0 || s->version != first->version ||
		    s->has_key_kcv != first->has_key_kcv ||
		    (s->has_key_kcv && !tok_gp_memeq(s->key_kcv, first->key_kcv, TKS_KCV_SIZE))) {
			g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "share %u belongs to another key", number);
			return NULL;
		}
	}
	key = tok_secret_new(len);
	for (guint i = 0; i < shares->len; i++) {
		const TksKeyShare *s = g_ptr_array_index(shares, i);
		const guint8 *v = tok_secret_get_data(s->value, NULL);
		guint8 *acc = tok_secret_get_mutable_data(key);
		for (gsize j = 0; j < len; j++)
			acc[j] ^= v[j];
	}
	if (first->has_key_kcv) {
		if (!tks_key_share_kcv(crypto, type, tok_secret_get_data(key, NULL), len, kcv, error))
			return NULL;
		if (!tok_gp_memeq(kcv, first->key_kcv, TKS_KCV_SIZE)) {
			g_set_error_literal(error,
					    TKS_ERROR,
					    TKS_ERROR_CHECK_VALUE,
					    "the combined key does not match its check value: a share is from another key");
			return NULL;
		}
	}
	if (out_type != NULL)
		*out_type = type;
	return g_steal_pointer(&key);
}

/* ---- text form ---------------------------------------------------------------------- */

static void
tks_append_str(GByteArray *out, const gchar *str)
{
	g_byte_array_append(out, (const guint8 *)str, (guint)strlen(str));
}

static void
tks_append_hex(GByteArray *out, const guint8 *data, gsize len, gboolean groups)
{
	const gchar digits[] = "0123456789ABCDEF";
	for (gsize i = 0; i < len; i++) {
		if (groups && i > 0 && i % 2 == 0)
			tok_byte_array_append_u8(out, ' ');
		tok_byte_array_append_u8(out, (guint8)digits[data[i] >> 4]);
		tok_byte_array_append_u8(out, (guint8)digits[data[i] & 0x0f]);
	}
}

GBytes *
tks_key_share_to_text(const TksKeyShare *share)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	gsize len = 0;
	const guint8 *v = tok_secret_get_data(share->value, &len);
	g_autofree gchar *head = NULL;

	if (share->count != 0)
		head = g_strdup_printf("# tkstool key share %u of %u: keep it secret, one custodian only\n",
				       share->index,
				       share->count);
	else
		head = g_strdup("# tkstool key share: keep it secret, one custodian only\n");
	tks_append_str(out, head);
	if (share->key_set != NULL) {
		tks_append_str(out, "key-set: ");
		tks_append_str(out, share->key_set);
		tks_append_str(out, "\n");
	}
	if (share->version != 0) {
		guint8 version = (guint8)share->version;
		tks_append_str(out, "version: ");
		tks_append_hex(out, &version, 1, FALSE);
		tks_append_str(out, "\n");
	}
	if (share->has_type) {
		tks_append_str(out, "type: ");
		tks_append_str(out, tks_key_type_to_string(share->type));
		tks_append_str(out, "\n");
	}
	if (share->count != 0) {
		g_autofree gchar *idx = g_strdup_printf("share: %u/%u\n", share->index, share->count);
		tks_append_str(out, idx);
	}
	tks_append_str(out, "value: ");
	tks_append_hex(out, v, len, TRUE);
	tks_append_str(out, "\ncheck-value: ");
	tks_append_hex(out, share->kcv, TKS_KCV_SIZE, FALSE);
	tks_append_str(out, "\n");
	if (share->has_key_kcv) {
		tks_append_str(out, "key-check-value: ");
		tks_append_hex(out, share->key_kcv, TKS_KCV_SIZE, FALSE);
		tks_append_str(out, "\n");
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

static gint
tks_share_hex_digit(gchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex with optional spaces between byte pairs into @out (at most @max bytes). */
static gboolean
tks_share_parse_hex(const gchar *text, GByteArray *out, gsize max)
{
	for (gsize i = 0; text[i] != '\0';) {
		gint hi, lo;
		if (text[i] == ' ' || text[i] == '\t') {
			i++;
			continue;
		}
		hi = tks_share_hex_digit(text[i]);
		lo = hi >= 0 ? tks_share_hex_digit(text[i + 1]) : -1;
		if (hi < 0 || lo < 0 || out->len >= max)
			return FALSE;
		tok_byte_array_append_u8(out, (guint8)((hi << 4) | lo));
		i += 2;
	}
	return TRUE;
}

static gboolean
tks_share_parse_kcv(const gchar *text, guint8 out[TKS_KCV_SIZE])
{
	g_autoptr(GByteArray) b = g_byte_array_new();
	if (!tks_share_parse_hex(text, b, TKS_KCV_SIZE) || b->len != TKS_KCV_SIZE)
		return FALSE;
	for (guint i = 0; i < TKS_KCV_SIZE; i++)
		out[i] = b->data[i];
	return TRUE;
}

static gboolean
tks_share_parse_uint(const gchar *text, guint base, guint max, guint *out)
{
	guint64 v = 0;
	if (!g_ascii_string_to_unsigned(text, base, 1, max, &v, NULL))
		return FALSE;
	*out = (guint)v;
	return TRUE;
}

/* One "name: value" line (NUL-terminated, trimmed). */
static gboolean
tks_key_share_parse_line(TksKeyShare *share, gchar *line, guint32 *seen, GError **error)
{
	const gchar *names[] = {"key-set", "version", "type", "share", "value", "check-value", "key-check-value"};
	gchar *colon = strchr(line, ':');
	gchar *value;
	guint which = G_N_ELEMENTS(names);
	gboolean ok = FALSE;

	if (colon == NULL) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "a line is not \"name: value\"");
		return FALSE;
	}
	*colon = '\0';
	value = g_strstrip(colon + 1);
	g_strstrip(line);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (g_strcmp0(line, names[i]) == 0)
			which = i;
	}
	if (which == G_N_ELEMENTS(names) || (*seen & (1u << which)) != 0) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_DATA,
			    "unknown or repeated field \"%s\"",
			    g_utf8_validate(line, -1, NULL) ? line : "?");
		return FALSE;
	}
	*seen |= 1u << which;
	switch (which) {
	case 0:
		ok = tks_key_set_name_is_valid(value);
		if (ok)
			share->key_set = g_strdup(value);
		break;
	case 1:
		ok = strlen(value) <= 2 && tks_share_parse_uint(value, 16, 0xFF, &share->version);
		break;
	case 2:
		ok = tks_key_type_from_string(value, &share->type);
		share->has_type = ok;
		break;
	case 3: {
		gchar *slash = strchr(value, '/');
		if (slash != NULL) {
			*slash = '\0';
			ok = tks_share_parse_uint(value, 10, TKS_KEY_SHARE_MAX_COUNT, &share->index) &&
			     tks_share_parse_uint(slash + 1, 10, TKS_KEY_SHARE_MAX_COUNT, &share->count) &&
			     share->count >= 2 && share->index <= share->count;
		}
		break;
	}
	case 4: {
		g_autoptr(TokWipedByteArray) b = g_byte_array_new();
		ok = tks_share_parse_hex(value, b, 32) && (b->len == 16 || b->len == 32);
		if (ok)
			share->value = tok_secret_new_from_data(b->data, b->len);
		break;
	}
	case 5:
		ok = tks_share_parse_kcv(value, share->kcv);
		break;
	default:
		ok = tks_share_parse_kcv(value, share->key_kcv);
		share->has_key_kcv = ok;
		break;
	}
	if (!ok) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "invalid %s", names[which]);
		return FALSE;
	}
	return TRUE;
}

TksKeyShare *
tks_key_share_parse(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(TksKeyShare) share = g_new0(TksKeyShare, 1);
	TokReader r;
	guint32 seen = 0;
	guint line_no = 0;

	if (data == NULL || len > TKS_KEY_SHARE_TEXT_MAX) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "a key share is at most 4096 bytes of text");
		return NULL;
	}
	tok_reader_init(&r, data, len);
	while (tok_reader_remaining(&r) > 0) {
		g_autoptr(TokWipedByteArray) line = g_byte_array_new();
		guint8 c = 0;

		line_no++;
		while (tok_reader_remaining(&r) > 0 && tok_reader_read_u8(&r, &c, NULL) && c != '\n') {
			if (c == '\0' || line->len >= TKS_SHARE_LINE_MAX) {
				g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "key share line %u is not text", line_no);
				return NULL;
			}
			tok_byte_array_append_u8(line, c);
		}
		tok_byte_array_append_u8(line, '\0');
		g_strstrip((gchar *)line->data);
		if (line->data[0] == '\0' || line->data[0] == '#')
			continue;
		if (!tks_key_share_parse_line(share, (gchar *)line->data, &seen, error)) {
			g_prefix_error(error, "key share line %u: ", line_no);
			return NULL;
		}
	}
	if (share->value == NULL || (seen & (1u << 5)) == 0) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "a key share needs a value and its check-value");
		return NULL;
	}
	if (share->has_type && tok_secret_get_size(share->value) != tks_key_type_get_key_length(share->type)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "the share value does not have the length of its type");
		return NULL;
	}
	return g_steal_pointer(&share);
}
