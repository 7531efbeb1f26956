/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-coolkey-object.h"

#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "tok-bytes.h"
#include "tok-error.h"

/* --- fixedAttributes --- */

#define TOK_COOLKEY_FIXED_FIRST_BOOL 7
#define TOK_COOLKEY_FIXED_LAST_BOOL  23

/* CKA_* type of each boolean bit, indexed by bit number - 7 (CoolKey object.cpp order). */
static const guint32 tok_coolkey_fixed_bool_types[] = {
    TOK_CKA_TOKEN,
    TOK_CKA_PRIVATE,
    TOK_CKA_MODIFIABLE,
    TOK_CKA_DERIVE,
    TOK_CKA_LOCAL,
    TOK_CKA_ENCRYPT,
    TOK_CKA_DECRYPT,
    TOK_CKA_WRAP,
    TOK_CKA_UNWRAP,
    TOK_CKA_SIGN,
    TOK_CKA_SIGN_RECOVER,
    TOK_CKA_VERIFY,
    TOK_CKA_VERIFY_RECOVER,
    TOK_CKA_SENSITIVE,
    TOK_CKA_ALWAYS_SENSITIVE,
    TOK_CKA_EXTRACTABLE,
    TOK_CKA_NEVER_EXTRACTABLE,
};

/* Valid boolean bits per 3-bit class (data, certificate, public, private, secret, reserved). */
static const guint32 tok_coolkey_fixed_class_masks[8] = {
    0x00000380,
    0x00000380,
    0x000C5F80,
    0x00F3AF80,
    0x00F5FF80,
    0,
    0,
    0,
};

guint8
tok_coolkey_fixed_attributes_get_id(guint32 fixed_attributes)
{
	return (guint8)(fixed_attributes & 0x0F);
}

guint8
tok_coolkey_fixed_attributes_get_class(guint32 fixed_attributes)
{
	return (guint8)((fixed_attributes >> 4) & 0x07);
}

guint32
tok_coolkey_fixed_attributes_class_mask(guint klass)
{
	if (klass >= G_N_ELEMENTS(tok_coolkey_fixed_class_masks))
		return 0;
	return tok_coolkey_fixed_class_masks[klass];
}

guint32
tok_coolkey_fixed_attributes_flag_for_type(guint32 cka_type)
{
	for (guint i = 0; i < G_N_ELEMENTS(tok_coolkey_fixed_bool_types); i++) {
		if (tok_coolkey_fixed_bool_types[i] == cka_type)
			return 1u << (i + TOK_COOLKEY_FIXED_FIRST_BOOL);
	}
	return 0;
}

gboolean
tok_coolkey_fixed_attributes_build(guint id,
				   guint klass,
				   TokCoolkeyFixedFlags flags,
				   guint32 *fixed_attributes,
				   GError **error)
{
	guint32 mask;

	if (id > 0x0F) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "fixedAttributes: CKA_ID %u does not fit in 4 bits",
			    id);
		return FALSE;
	}
	if (klass > TOK_CKO_SECRET_KEY) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "fixedAttributes: object class %u is not one of 0-4",
			    klass);
		return FALSE;
	}
	mask = tok_coolkey_fixed_attributes_class_mask(klass);
	if (((guint32)flags & ~mask) != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "fixedAttributes: flags 0x%06x are not valid for object class %u "
			    "(mask 0x%06x)",
			    (guint)((guint32)flags & ~mask),
			    klass,
			    (guint)mask);
		return FALSE;
	}
	*fixed_attributes = (guint32)id | ((guint32)klass << 4) | (guint32)flags;
	return TRUE;
}

/* --- records --- */

typedef struct {
	guint32 type;
	TokCoolkeyDataType data_type;
	guint32 integer; /* INTEGER only */
	GBytes *bytes;	 /* STRING only */
} TokCoolkeyAttribute;

struct _TokCoolkeyRecord {
	guint32 object_id;
	guint32 fixed_attributes;
	GArray *attributes; /* of TokCoolkeyAttribute */
};

G_DEFINE_BOXED_TYPE(TokCoolkeyRecord,
		    tok_coolkey_record,
		    tok_coolkey_record_copy,
		    tok_coolkey_record_free)

static void
tok_coolkey_attribute_clear(gpointer data)
{
	TokCoolkeyAttribute *attr = data;
	g_clear_pointer(&attr->bytes, g_bytes_unref);
}

TokCoolkeyRecord *
tok_coolkey_record_new(guint32 object_id, guint32 fixed_attributes)
{
	TokCoolkeyRecord *record = g_new0(TokCoolkeyRecord, 1);
	record->object_id = object_id;
	record->fixed_attributes = fixed_attributes;
	record->attributes = g_array_new(FALSE, TRUE, sizeof(TokCoolkeyAttribute));
	g_array_set_clear_func(record->attributes, tok_coolkey_attribute_clear);
	return record;
}

static void
tok_coolkey_record_append(TokCoolkeyRecord *record,
			  guint32 type,
			  TokCoolkeyDataType data_type,
			  guint32 integer,
			  GBytes *bytes)
{
	TokCoolkeyAttribute attr = {
	    .type = type,
	    .data_type = data_type,
	    .integer = integer,
	    .bytes = bytes != NULL ? g_bytes_ref(bytes) : NULL,
	};
	g_array_append_val(record->attributes, attr);
}

TokCoolkeyRecord *
tok_coolkey_record_copy(const TokCoolkeyRecord *record)
{
	TokCoolkeyRecord *copy = tok_coolkey_record_new(record->object_id, record->fixed_attributes);
	for (guint i = 0; i < record->attributes->len; i++) {
		const TokCoolkeyAttribute *attr =
		    &g_array_index(record->attributes, TokCoolkeyAttribute, i);
		tok_coolkey_record_append(copy, attr->type, attr->data_type, attr->integer, attr->bytes);
	}
	return copy;
}

void
tok_coolkey_record_free(TokCoolkeyRecord *record)
{
	if (record == NULL)
		return;
	g_array_unref(record->attributes);
	g_free(record);
}

gboolean
tok_coolkey_record_equal(const TokCoolkeyRecord *a, const TokCoolkeyRecord *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->object_id != b->object_id || a->fixed_attributes != b->fixed_attributes ||
	    a->attributes->len != b->attributes->len)
		return FALSE;
	for (guint i = 0; i < a->attributes->len; i++) {
		const TokCoolkeyAttribute *x = &g_array_index(a->attributes, TokCoolkeyAttribute, i);
		const TokCoolkeyAttribute *y = &g_array_index(b->attributes, TokCoolkeyAttribute, i);
		if (x->type != y->type || x->data_type != y->data_type || x->integer != y->integer)
			return FALSE;
		if (x->data_type == TOK_COOLKEY_DATA_STRING && !g_bytes_equal(x->bytes, y->bytes))
			return FALSE;
	}
	return TRUE;
}

guint32
tok_coolkey_record_get_object_id(const TokCoolkeyRecord *record)
{
	return record->object_id;
}

guint32
tok_coolkey_record_get_fixed_attributes(const TokCoolkeyRecord *record)
{
	return record->fixed_attributes;
}

void
tok_coolkey_record_set_fixed_attributes(TokCoolkeyRecord *record, guint32 fixed_attributes)
{
	record->fixed_attributes = fixed_attributes;
}

gchar
tok_coolkey_record_get_object_type(const TokCoolkeyRecord *record)
{
	return (gchar)(record->object_id >> 24);
}

gchar *
tok_coolkey_record_get_object_name(const TokCoolkeyRecord *record)
{
	return tok_coolkey_object_id_to_string(record->object_id);
}

void
tok_coolkey_record_add_bytes(TokCoolkeyRecord *record, guint32 type, GBytes *value)
{
	tok_coolkey_record_append(record, type, TOK_COOLKEY_DATA_STRING, 0, value);
}

void
tok_coolkey_record_add_data(TokCoolkeyRecord *record, guint32 type, const guint8 *data, gsize len)
{
	g_autoptr(GBytes) bytes = g_bytes_new(data, data != NULL ? len : 0);
	tok_coolkey_record_add_bytes(record, type, bytes);
}

void
tok_coolkey_record_add_string(TokCoolkeyRecord *record, guint32 type, const gchar *value)
{
	tok_coolkey_record_add_data(record, type, (const guint8 *)value, strlen(value));
}

void
tok_coolkey_record_add_integer(TokCoolkeyRecord *record, guint32 type, guint32 value)
{
	tok_coolkey_record_append(record, type, TOK_COOLKEY_DATA_INTEGER, value, NULL);
}

void
tok_coolkey_record_add_bool(TokCoolkeyRecord *record, guint32 type, gboolean value)
{
	tok_coolkey_record_append(record,
				  type,
				  value ? TOK_COOLKEY_DATA_BOOL_TRUE : TOK_COOLKEY_DATA_BOOL_FALSE,
				  0,
				  NULL);
}

guint
tok_coolkey_record_get_n_attributes(const TokCoolkeyRecord *record)
{
	return record->attributes->len;
}

gint
tok_coolkey_record_find_attribute(const TokCoolkeyRecord *record, guint32 type)
{
	for (guint i = 0; i < record->attributes->len; i++) {
		if (g_array_index(record->attributes, TokCoolkeyAttribute, i).type == type)
			return (gint)i;
	}
	return -1;
}

static const TokCoolkeyAttribute *
tok_coolkey_record_attribute(const TokCoolkeyRecord *record, guint idx)
{
	g_return_val_if_fail(idx < record->attributes->len, NULL);
	return &g_array_index(record->attributes, TokCoolkeyAttribute, idx);
}

guint32
tok_coolkey_record_get_attribute_type(const TokCoolkeyRecord *record, guint idx)
{
	const TokCoolkeyAttribute *attr = tok_coolkey_record_attribute(record, idx);
	return attr != NULL ? attr->type : 0;
}

TokCoolkeyDataType
tok_coolkey_record_get_attribute_data_type(const TokCoolkeyRecord *record, guint idx)
{
	const TokCoolkeyAttribute *attr = tok_coolkey_record_attribute(record, idx);
	return attr != NULL ? attr->data_type : TOK_COOLKEY_DATA_STRING;
}

GBytes *
tok_coolkey_record_get_attribute_bytes(const TokCoolkeyRecord *record, guint idx)
{
	const TokCoolkeyAttribute *attr = tok_coolkey_record_attribute(record, idx);
	return attr != NULL ? attr->bytes : NULL;
}

guint32
tok_coolkey_record_get_attribute_integer(const TokCoolkeyRecord *record, guint idx)
{
	const TokCoolkeyAttribute *attr = tok_coolkey_record_attribute(record, idx);
	if (attr == NULL)
		return 0;
	switch (attr->data_type) {
	case TOK_COOLKEY_DATA_INTEGER:
		return attr->integer;
	case TOK_COOLKEY_DATA_BOOL_TRUE:
		return 1;
	case TOK_COOLKEY_DATA_BOOL_FALSE:
	case TOK_COOLKEY_DATA_STRING:
	default:
		return 0;
	}
}

GBytes *
tok_coolkey_record_lookup_bytes(const TokCoolkeyRecord *record, guint32 type)
{
	for (guint i = 0; i < record->attributes->len; i++) {
		const TokCoolkeyAttribute *attr =
		    &g_array_index(record->attributes, TokCoolkeyAttribute, i);
		if (attr->type == type && attr->data_type == TOK_COOLKEY_DATA_STRING)
			return attr->bytes;
	}
	return NULL;
}

guint32
tok_coolkey_record_get_class(const TokCoolkeyRecord *record)
{
	gint idx = tok_coolkey_record_find_attribute(record, TOK_CKA_CLASS);
	if (idx >= 0 && tok_coolkey_record_get_attribute_data_type(record, (guint)idx) ==
			    TOK_COOLKEY_DATA_INTEGER)
		return tok_coolkey_record_get_attribute_integer(record, (guint)idx);
	return tok_coolkey_fixed_attributes_get_class(record->fixed_attributes);
}

TokCoolkeyRecord *
tok_coolkey_record_expand(const TokCoolkeyRecord *record)
{
	TokCoolkeyRecord *expanded = tok_coolkey_record_copy(record);
	guint8 id = tok_coolkey_fixed_attributes_get_id(record->fixed_attributes);
	guint8 klass = tok_coolkey_fixed_attributes_get_class(record->fixed_attributes);
	/* the mask comes from the fixed class even if CKA_CLASS is explicit (as CoolKey does) */
	guint32 mask = tok_coolkey_fixed_attributes_class_mask(klass);

	if (tok_coolkey_record_find_attribute(record, TOK_CKA_ID) < 0)
		tok_coolkey_record_add_data(expanded, TOK_CKA_ID, &id, 1);
	if (tok_coolkey_record_find_attribute(record, TOK_CKA_CLASS) < 0)
		tok_coolkey_record_add_integer(expanded, TOK_CKA_CLASS, klass);
	for (guint bit = TOK_COOLKEY_FIXED_FIRST_BOOL; bit <= TOK_COOLKEY_FIXED_LAST_BOOL; bit++) {
		guint32 type = tok_coolkey_fixed_bool_types[bit - TOK_COOLKEY_FIXED_FIRST_BOOL];
		if ((mask & (1u << bit)) == 0)
			continue;
		if (tok_coolkey_record_find_attribute(record, type) >= 0)
			continue;
		tok_coolkey_record_add_bool(expanded,
					    type,
					    (record->fixed_attributes & (1u << bit)) != 0);
	}
	return expanded;
}

/* --- record encoding --- */

static gboolean
tok_coolkey_attribute_append_to(const TokCoolkeyAttribute *attr, GByteArray *out, GError **error)
{
	tok_byte_array_append_u32_be(out, attr->type);
	tok_byte_array_append_u8(out, (guint8)attr->data_type);
	switch (attr->data_type) {
	case TOK_COOLKEY_DATA_STRING: {
		gsize len = g_bytes_get_size(attr->bytes);
		if (len > G_MAXUINT16) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "value of %" G_GSIZE_FORMAT " bytes exceeds the 65535 a "
				    "length field holds",
				    len);
			return FALSE;
		}
		tok_byte_array_append_u16_be(out, (guint16)len);
		tok_byte_array_append_bytes(out, attr->bytes);
		return TRUE;
	}
	case TOK_COOLKEY_DATA_INTEGER:
		tok_byte_array_append_u32_be(out, attr->integer);
		return TRUE;
	case TOK_COOLKEY_DATA_BOOL_FALSE:
	case TOK_COOLKEY_DATA_BOOL_TRUE:
		return TRUE;
	default:
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown attribute data type %u",
			    (guint)attr->data_type);
		return FALSE;
	}
}

static void
tok_coolkey_prefix_record_error(GError **error, guint idx, guint32 object_id)
{
	g_autofree gchar *name = tok_coolkey_object_id_to_string(object_id);
	g_prefix_error(error, "record %u (%s): ", idx, name);
}

gboolean
tok_coolkey_record_append_to(const TokCoolkeyRecord *record, GByteArray *out, GError **error)
{
	guint start = out->len;

	if (record->attributes->len > G_MAXUINT16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%u attributes exceed the 65535 a count field holds",
			    record->attributes->len);
		return FALSE;
	}
	tok_byte_array_append_u32_be(out, record->object_id);
	tok_byte_array_append_u32_be(out, record->fixed_attributes);
	tok_byte_array_append_u16_be(out, (guint16)record->attributes->len);
	for (guint i = 0; i < record->attributes->len; i++) {
		const TokCoolkeyAttribute *attr =
		    &g_array_index(record->attributes, TokCoolkeyAttribute, i);
		if (!tok_coolkey_attribute_append_to(attr, out, error)) {
			g_prefix_error(error, "attribute %u (type 0x%x): ", i, attr->type);
			g_byte_array_set_size(out, start);
			return FALSE;
		}
	}
	return TRUE;
}

GBytes *
tok_coolkey_record_encode_new(const TokCoolkeyRecord *record, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();

	tok_byte_array_append_u8(out, TOK_COOLKEY_OBJECT_FORMAT_NEW);
	if (!tok_coolkey_record_append_to(record, out, error))
		return NULL;
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static gboolean
tok_coolkey_type_is_le_ulong(guint32 type)
{
	return type == TOK_CKA_CLASS || type == TOK_CKA_CERTIFICATE_TYPE || type == TOK_CKA_KEY_TYPE;
}

GBytes *
tok_coolkey_record_encode_old(const TokCoolkeyRecord *record, GError **error)
{
	g_autoptr(GByteArray) attrs = g_byte_array_new();
	g_autoptr(GByteArray) out = g_byte_array_new();

	for (guint i = 0; i < record->attributes->len; i++) {
		const TokCoolkeyAttribute *attr =
		    &g_array_index(record->attributes, TokCoolkeyAttribute, i);
		tok_byte_array_append_u32_be(attrs, attr->type);
		switch (attr->data_type) {
		case TOK_COOLKEY_DATA_STRING: {
			gsize len = g_bytes_get_size(attr->bytes);
			if (len > G_MAXUINT16) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_TOO_LARGE,
					    "old-format object: attribute %u (type 0x%x): value of "
					    "%" G_GSIZE_FORMAT " bytes exceeds 65535",
					    i,
					    attr->type,
					    len);
				return NULL;
			}
			tok_byte_array_append_u16_be(attrs, (guint16)len);
			tok_byte_array_append_bytes(attrs, attr->bytes);
			break;
		}
		case TOK_COOLKEY_DATA_INTEGER:
			if (!tok_coolkey_type_is_le_ulong(attr->type)) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_NOT_SUPPORTED,
					    "old-format object: attribute %u (type 0x%x): the old "
					    "format has integers only for CKA_CLASS, "
					    "CKA_CERTIFICATE_TYPE and CKA_KEY_TYPE",
					    i,
					    attr->type);
				return NULL;
			}
			tok_byte_array_append_u16_be(attrs, 4);
			tok_byte_array_append_u32_le(attrs, attr->integer);
			break;
		case TOK_COOLKEY_DATA_BOOL_FALSE:
		case TOK_COOLKEY_DATA_BOOL_TRUE:
			tok_byte_array_append_u16_be(attrs, 1);
			tok_byte_array_append_u8(attrs,
						 attr->data_type == TOK_COOLKEY_DATA_BOOL_TRUE ? 1 : 0);
			break;
		default:
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "old-format object: attribute %u (type 0x%x): unknown data "
				    "type %u",
				    i,
				    attr->type,
				    (guint)attr->data_type);
			return NULL;
		}
		if (attrs->len > G_MAXUINT16) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "old-format object: attribute data exceeds 65535 bytes at "
				    "attribute %u",
				    i);
			return NULL;
		}
	}
	tok_byte_array_append_u8(out, TOK_COOLKEY_OBJECT_FORMAT_OLD);
	tok_byte_array_append_u32_be(out, record->object_id);
	tok_byte_array_append_u16_be(out, (guint16)attrs->len);
	g_byte_array_append(out, attrs->data, attrs->len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* --- record decoding --- */

/* One z0-style record (objectID fixedAttributes count attributes) from @reader. */
static TokCoolkeyRecord *
tok_coolkey_record_read(TokReader *reader, GError **error)
{
	guint32 object_id = 0;
	guint32 fixed = 0;
	guint16 count = 0;
	g_autoptr(TokCoolkeyRecord) record = NULL;

	if (!tok_reader_read_u32_be(reader, &object_id, error) ||
	    !tok_reader_read_u32_be(reader, &fixed, error) ||
	    !tok_reader_read_u16_be(reader, &count, error)) {
		g_prefix_error(error, "record header: ");
		return NULL;
	}
	record = tok_coolkey_record_new(object_id, fixed);
	for (guint i = 0; i < count; i++) {
		guint32 type = 0;
		guint8 data_type = 0;
		gboolean ok = FALSE;

		if (!tok_reader_read_u32_be(reader, &type, error) ||
		    !tok_reader_read_u8(reader, &data_type, error)) {
			g_prefix_error(error, "attribute %u of %u: ", i, (guint)count);
			return NULL;
		}
		switch (data_type) {
		case TOK_COOLKEY_DATA_STRING: {
			guint16 len = 0;
			g_autoptr(GBytes) value = NULL;
			if (tok_reader_read_u16_be(reader, &len, error))
				value = tok_reader_read_bytes(reader, len, error);
			if (value != NULL) {
				tok_coolkey_record_add_bytes(record, type, value);
				ok = TRUE;
			}
			break;
		}
		case TOK_COOLKEY_DATA_INTEGER: {
			guint32 value = 0;
			ok = tok_reader_read_u32_be(reader, &value, error);
			if (ok)
				tok_coolkey_record_add_integer(record, type, value);
			break;
		}
		case TOK_COOLKEY_DATA_BOOL_FALSE:
		case TOK_COOLKEY_DATA_BOOL_TRUE:
			tok_coolkey_record_add_bool(record,
						    type,
						    data_type == TOK_COOLKEY_DATA_BOOL_TRUE);
			ok = TRUE;
			break;
		default:
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "unknown data type %u",
				    (guint)data_type);
			break;
		}
		if (!ok) {
			g_prefix_error(error, "attribute %u of %u (type 0x%x): ", i, (guint)count, type);
			return NULL;
		}
	}
	return g_steal_pointer(&record);
}

static TokCoolkeyRecord *
tok_coolkey_record_read_old(TokReader *reader, GError **error)
{
	guint32 object_id = 0;
	guint16 attr_len = 0;
	TokReader attrs;
	g_autoptr(TokCoolkeyRecord) record = NULL;

	if (!tok_reader_read_u32_be(reader, &object_id, error) ||
	    !tok_reader_read_u16_be(reader, &attr_len, error)) {
		g_prefix_error(error, "header: ");
		return NULL;
	}
	if (!tok_reader_read_sub(reader, attr_len, &attrs, error)) {
		g_prefix_error(error, "attribute data: ");
		return NULL;
	}
	if (!tok_reader_expect_end(reader, error)) {
		g_prefix_error(error, "after %u bytes of attribute data: ", (guint)attr_len);
		return NULL;
	}
	record = tok_coolkey_record_new(object_id, 0);
	for (guint i = 0; tok_reader_remaining(&attrs) > 0; i++) {
		guint32 type = 0;
		guint16 len = 0;
		if (!tok_reader_read_u32_be(&attrs, &type, error) ||
		    !tok_reader_read_u16_be(&attrs, &len, error)) {
			g_prefix_error(error, "attribute %u header: ", i);
			return NULL;
		}
		if (tok_coolkey_type_is_le_ulong(type)) {
			guint32 value = 0;
			if (len != 4) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "attribute %u (type 0x%x): integer of %u bytes, not 4",
					    i,
					    type,
					    (guint)len);
				return NULL;
			}
			if (!tok_reader_read_u32_le(&attrs, &value, error)) {
				g_prefix_error(error, "attribute %u (type 0x%x): ", i, type);
				return NULL;
			}
			tok_coolkey_record_add_integer(record, type, value);
		} else {
			g_autoptr(GBytes) value = tok_reader_read_bytes(&attrs, len, error);
			if (value == NULL) {
				g_prefix_error(error, "attribute %u (type 0x%x): ", i, type);
				return NULL;
			}
			tok_coolkey_record_add_bytes(record, type, value);
		}
	}
	return g_steal_pointer(&record);
}

TokCoolkeyRecord *
tok_coolkey_record_decode_object(const guint8 *data,
				 gsize len,
				 TokCoolkeyObjectFormat *format,
				 GError **error)
{
	TokReader reader;
	guint8 kind = 0;
	g_autoptr(TokCoolkeyRecord) record = NULL;

	if (len > 1 + 4 + 2 + G_MAXUINT16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "CoolKey object of %" G_GSIZE_FORMAT " bytes is larger than any valid one",
			    len);
		return NULL;
	}
	tok_reader_init(&reader, data, len);
	if (!tok_reader_read_u8(&reader, &kind, error)) {
		g_prefix_error(error, "CoolKey object: ");
		return NULL;
	}
	switch (kind) {
	case TOK_COOLKEY_OBJECT_FORMAT_OLD:
		record = tok_coolkey_record_read_old(&reader, error);
		if (record == NULL) {
			g_prefix_error(error, "old-format CoolKey object: ");
			return NULL;
		}
		break;
	case TOK_COOLKEY_OBJECT_FORMAT_NEW:
		record = tok_coolkey_record_read(&reader, error);
		if (record == NULL || !tok_reader_expect_end(&reader, error)) {
			g_prefix_error(error, "new-format CoolKey object: ");
			return NULL;
		}
		break;
	default:
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CoolKey object: unknown format byte 0x%02x (00 old, 01 new)",
			    kind);
		return NULL;
	}
	if (format != NULL)
		*format = (TokCoolkeyObjectFormat)kind;
	return g_steal_pointer(&record);
}

TokCoolkeyRecord *
tok_coolkey_record_decode_object_bytes(GBytes *bytes,
				       TokCoolkeyObjectFormat *format,
				       GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return tok_coolkey_record_decode_object(data, len, format, error);
}

/* --- the object set --- */

struct _TokCoolkeyObjectSet {
	guint16 format_version;
	guint16 object_version;
	GBytes *cuid;	  /* TOK_COOLKEY_CUID_SIZE bytes */
	gchar *token_name; /* valid UTF-8, <= 255 bytes */
	GPtrArray *records; /* of TokCoolkeyRecord, unique object IDs */
};

G_DEFINE_BOXED_TYPE(TokCoolkeyObjectSet,
		    tok_coolkey_object_set,
		    tok_coolkey_object_set_copy,
		    tok_coolkey_object_set_free)

TokCoolkeyObjectSet *
tok_coolkey_object_set_new(void)
{
	static const guint8 zero_cuid[TOK_COOLKEY_CUID_SIZE] = {0};
	TokCoolkeyObjectSet *set = g_new0(TokCoolkeyObjectSet, 1);
	set->format_version = 0x0100;
	set->object_version = 0;
	set->cuid = g_bytes_new_static(zero_cuid, sizeof(zero_cuid));
	set->token_name = g_strdup("");
	set->records = g_ptr_array_new_with_free_func((GDestroyNotify)tok_coolkey_record_free);
	return set;
}

TokCoolkeyObjectSet *
tok_coolkey_object_set_copy(const TokCoolkeyObjectSet *set)
{
	TokCoolkeyObjectSet *copy = tok_coolkey_object_set_new();
	copy->format_version = set->format_version;
	copy->object_version = set->object_version;
	g_bytes_unref(copy->cuid);
	copy->cuid = g_bytes_ref(set->cuid);
	g_free(copy->token_name);
	copy->token_name = g_strdup(set->token_name);
	for (guint i = 0; i < set->records->len; i++)
		g_ptr_array_add(copy->records, tok_coolkey_record_copy(g_ptr_array_index(set->records, i)));
	return copy;
}

void
tok_coolkey_object_set_free(TokCoolkeyObjectSet *set)
{
	if (set == NULL)
		return;
	g_bytes_unref(set->cuid);
	g_free(set->token_name);
	g_ptr_array_unref(set->records);
	g_free(set);
}

gboolean
tok_coolkey_object_set_equal(const TokCoolkeyObjectSet *a, const TokCoolkeyObjectSet *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->format_version != b->format_version || a->object_version != b->object_version ||
	    !g_bytes_equal(a->cuid, b->cuid) || g_strcmp0(a->token_name, b->token_name) != 0 ||
	    a->records->len != b->records->len)
		return FALSE;
	for (guint i = 0; i < a->records->len; i++) {
		if (!tok_coolkey_record_equal(g_ptr_array_index(a->records, i),
					      g_ptr_array_index(b->records, i)))
			return FALSE;
	}
	return TRUE;
}

guint16
tok_coolkey_object_set_get_format_version(const TokCoolkeyObjectSet *set)
{
	return set->format_version;
}

void
tok_coolkey_object_set_set_format_version(TokCoolkeyObjectSet *set, guint16 version)
{
	set->format_version = version;
}

guint16
tok_coolkey_object_set_get_object_version(const TokCoolkeyObjectSet *set)
{
	return set->object_version;
}

void
tok_coolkey_object_set_set_object_version(TokCoolkeyObjectSet *set, guint16 version)
{
	set->object_version = version;
}

GBytes *
tok_coolkey_object_set_get_cuid(const TokCoolkeyObjectSet *set)
{
	return set->cuid;
}

gboolean
tok_coolkey_object_set_set_cuid(TokCoolkeyObjectSet *set,
				const guint8 *cuid,
				gsize len,
				GError **error)
{
	if (cuid == NULL || len != TOK_COOLKEY_CUID_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CUID of %" G_GSIZE_FORMAT " bytes, not %d",
			    cuid != NULL ? len : 0,
			    TOK_COOLKEY_CUID_SIZE);
		return FALSE;
	}
	g_bytes_unref(set->cuid);
	set->cuid = g_bytes_new(cuid, len);
	return TRUE;
}

const gchar *
tok_coolkey_object_set_get_token_name(const TokCoolkeyObjectSet *set)
{
	return set->token_name;
}

static gboolean
tok_coolkey_check_token_name(const gchar *name, gsize len, GError **error)
{
	if (len > TOK_COOLKEY_TOKEN_NAME_MAX) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "token name of %" G_GSIZE_FORMAT " bytes exceeds %d",
			    len,
			    TOK_COOLKEY_TOKEN_NAME_MAX);
		return FALSE;
	}
	/* with an explicit length, an embedded NUL is invalid too */
	if (len > 0 && !g_utf8_validate(name, (gssize)len, NULL)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "token name is not valid UTF-8");
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_coolkey_object_set_set_token_name(TokCoolkeyObjectSet *set, const gchar *name, GError **error)
{
	if (!tok_coolkey_check_token_name(name, strlen(name), error))
		return FALSE;
	g_free(set->token_name);
	set->token_name = g_strdup(name);
	return TRUE;
}

guint
tok_coolkey_object_set_get_n_records(const TokCoolkeyObjectSet *set)
{
	return set->records->len;
}

const TokCoolkeyRecord *
tok_coolkey_object_set_get_record(const TokCoolkeyObjectSet *set, guint idx)
{
	g_return_val_if_fail(idx < set->records->len, NULL);
	return g_ptr_array_index(set->records, idx);
}

static gint
tok_coolkey_object_set_find(const TokCoolkeyObjectSet *set, guint32 object_id)
{
	for (guint i = 0; i < set->records->len; i++) {
		const TokCoolkeyRecord *record = g_ptr_array_index(set->records, i);
		if (record->object_id == object_id)
			return (gint)i;
	}
	return -1;
}

const TokCoolkeyRecord *
tok_coolkey_object_set_lookup_record(const TokCoolkeyObjectSet *set, guint32 object_id)
{
	gint idx = tok_coolkey_object_set_find(set, object_id);
	return idx >= 0 ? g_ptr_array_index(set->records, (guint)idx) : NULL;
}

gboolean
tok_coolkey_object_set_add_record(TokCoolkeyObjectSet *set,
				  const TokCoolkeyRecord *record,
				  GError **error)
{
	if (tok_coolkey_object_set_find(set, record->object_id) >= 0) {
		g_autofree gchar *name = tok_coolkey_object_id_to_string(record->object_id);
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_EXISTS,
			    "the object set already has a record %s",
			    name);
		return FALSE;
	}
	g_ptr_array_add(set->records, tok_coolkey_record_copy(record));
	return TRUE;
}

gboolean
tok_coolkey_object_set_remove_record(TokCoolkeyObjectSet *set, guint32 object_id)
{
	gint idx = tok_coolkey_object_set_find(set, object_id);
	if (idx < 0)
		return FALSE;
	g_ptr_array_remove_index(set->records, (guint)idx);
	return TRUE;
}

/* --- z0 encoding --- */

static GBytes *
tok_coolkey_deflate(const guint8 *data, gsize len, GError **error)
{
	uLongf out_len = compressBound((uLong)len);
	g_autoptr(GByteArray) out = g_byte_array_sized_new((guint)out_len);
	int rc;

	g_byte_array_set_size(out, (guint)out_len);
	rc = compress2(out->data, &out_len, data, (uLong)len, Z_DEFAULT_COMPRESSION);
	if (rc != Z_OK) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_FAILED,
			    "zlib compression failed: %s",
			    zError(rc));
		return NULL;
	}
	g_byte_array_set_size(out, (guint)out_len);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static GBytes *
tok_coolkey_object_set_encode_data(const TokCoolkeyObjectSet *set, GError **error)
{
	gsize name_len = strlen(set->token_name);
	g_autoptr(GByteArray) data = g_byte_array_new();

	if (set->records->len > G_MAXUINT16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%u records exceed the 65535 objectCount holds",
			    set->records->len);
		return NULL;
	}
	if (!tok_coolkey_check_token_name(set->token_name, name_len, error))
		return NULL;
	tok_byte_array_append_u16_be(data, (guint16)(5 + name_len));
	tok_byte_array_append_u16_be(data, (guint16)set->records->len);
	tok_byte_array_append_u8(data, (guint8)name_len);
	g_byte_array_append(data, (const guint8 *)set->token_name, (guint)name_len);
	for (guint i = 0; i < set->records->len; i++) {
		const TokCoolkeyRecord *record = g_ptr_array_index(set->records, i);
		if (!tok_coolkey_record_append_to(record, data, error)) {
			tok_coolkey_prefix_record_error(error, i, record->object_id);
			return NULL;
		}
		if (data->len > TOK_COOLKEY_Z0_MAX_DATA) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "z0 data exceeds %d bytes at record %u",
				    TOK_COOLKEY_Z0_MAX_DATA,
				    i);
			return NULL;
		}
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&data));
}

GBytes *
tok_coolkey_object_set_encode(const TokCoolkeyObjectSet *set,
			      TokCoolkeyCompression compression,
			      GError **error)
{
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(GByteArray) out = NULL;
	gsize payload_len;

	if (compression != TOK_COOLKEY_COMPRESSION_NONE &&
	    compression != TOK_COOLKEY_COMPRESSION_ZLIB) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "z0: unknown compression type %u",
			    (guint)compression);
		return NULL;
	}
	data = tok_coolkey_object_set_encode_data(set, error);
	if (data == NULL) {
		g_prefix_error(error, "z0: ");
		return NULL;
	}
	if (compression == TOK_COOLKEY_COMPRESSION_ZLIB) {
		gsize len = 0;
		const guint8 *raw = g_bytes_get_data(data, &len);
		payload = tok_coolkey_deflate(raw, len, error);
		if (payload == NULL) {
			g_prefix_error(error, "z0: ");
			return NULL;
		}
	} else {
		payload = g_bytes_ref(data);
	}
	payload_len = g_bytes_get_size(payload);
	if (TOK_COOLKEY_Z0_HEADER_SIZE + payload_len > TOK_COOLKEY_OBJECT_MAX_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "z0: object of %" G_GSIZE_FORMAT " bytes exceeds the %d a card "
			    "object holds",
			    TOK_COOLKEY_Z0_HEADER_SIZE + payload_len,
			    TOK_COOLKEY_OBJECT_MAX_SIZE);
		return NULL;
	}
	out = g_byte_array_sized_new((guint)(TOK_COOLKEY_Z0_HEADER_SIZE + payload_len));
	tok_byte_array_append_u16_be(out, set->format_version);
	tok_byte_array_append_u16_be(out, set->object_version);
	tok_byte_array_append_bytes(out, set->cuid);
	tok_byte_array_append_u16_be(out, (guint16)compression);
	tok_byte_array_append_u16_be(out, (guint16)payload_len);
	tok_byte_array_append_u16_be(out, TOK_COOLKEY_Z0_HEADER_SIZE);
	tok_byte_array_append_bytes(out, payload);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* --- z0 decoding --- */

static GBytes *
tok_coolkey_inflate_run(z_stream *zs, gsize limit, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();

	for (;;) {
		guint old = out->len;
		/* room for one byte past the limit, to tell "exactly at" from "over" */
		guint room = (guint)MIN((gsize)4096, limit + 1 - old);
		int rc;

		g_byte_array_set_size(out, old + room);
		zs->next_out = out->data + old;
		zs->avail_out = room;
		rc = inflate(zs, Z_NO_FLUSH);
		g_byte_array_set_size(out, old + room - zs->avail_out);
		if (out->len > limit) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "zlib data inflates past %" G_GSIZE_FORMAT " bytes",
				    limit);
			return NULL;
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_OK)
			continue;
		if (rc == Z_BUF_ERROR) {
			/* output room was available, so the input ran out */
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "zlib stream ends early after %lu input bytes",
				    (unsigned long)zs->total_in);
			return NULL;
		}
		if (rc == Z_MEM_ERROR) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_FAILED,
					    "out of memory while inflating");
			return NULL;
		}
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "corrupt zlib stream at input byte %lu: %s",
			    (unsigned long)zs->total_in,
			    zs->msg != NULL ? zs->msg : zError(rc));
		return NULL;
	}
	if (zs->avail_in != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%u bytes follow the end of the zlib stream",
			    (guint)zs->avail_in);
		return NULL;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

static GBytes *
tok_coolkey_inflate(const guint8 *data, gsize len, gsize limit, GError **error)
{
	z_stream zs = {0};
	GBytes *result;
	int rc;

	rc = inflateInit(&zs);
	if (rc != Z_OK) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_FAILED,
			    "cannot start inflating: %s",
			    zError(rc));
		return NULL;
	}
	zs.next_in = data;
	zs.avail_in = (uInt)len;
	result = tok_coolkey_inflate_run(&zs, limit, error);
	inflateEnd(&zs);
	return result;
}

static TokCoolkeyObjectSet *
tok_coolkey_object_set_decode_data(TokReader *reader, GError **error)
{
	guint16 object_offset = 0;
	guint16 object_count = 0;
	guint8 name_len = 0;
	const guint8 *name = NULL;
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();

	if (!tok_reader_read_u16_be(reader, &object_offset, error) ||
	    !tok_reader_read_u16_be(reader, &object_count, error) ||
	    !tok_reader_read_u8(reader, &name_len, error)) {
		g_prefix_error(error, "data header: ");
		return NULL;
	}
	if (!tok_reader_read_view(reader, name_len, &name, error)) {
		g_prefix_error(error, "token name of %u bytes: ", (guint)name_len);
		return NULL;
	}
	if (object_offset != 5 + (guint)name_len) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "objectOffset %u does not follow the %u-byte token name (expected %u)",
			    (guint)object_offset,
			    (guint)name_len,
			    5 + (guint)name_len);
		return NULL;
	}
	if (!tok_coolkey_check_token_name((const gchar *)name, name_len, error))
		return NULL;
	g_free(set->token_name);
	set->token_name = g_strndup((const gchar *)name, name_len);

	for (guint i = 0; i < object_count; i++) {
		g_autoptr(TokCoolkeyRecord) record = NULL;
		gsize at = reader->pos;

		if (tok_reader_remaining(reader) == 0) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TRUNCATED,
				    "objectCount is %u but the data ends after %u records",
				    (guint)object_count,
				    i);
			return NULL;
		}
		record = tok_coolkey_record_read(reader, error);
		if (record == NULL) {
			g_prefix_error(error,
				       "record %u of %u at offset %" G_GSIZE_FORMAT ": ",
				       i,
				       (guint)object_count,
				       at);
			return NULL;
		}
		if (tok_coolkey_object_set_find(set, record->object_id) >= 0) {
			g_autofree gchar *rname = tok_coolkey_object_id_to_string(record->object_id);
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "record %u: object ID %s appears twice",
				    i,
				    rname);
			return NULL;
		}
		g_ptr_array_add(set->records, g_steal_pointer(&record));
	}
	if (tok_reader_remaining(reader) != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " bytes follow the %u records objectCount announces",
			    tok_reader_remaining(reader),
			    (guint)object_count);
		return NULL;
	}
	return g_steal_pointer(&set);
}

TokCoolkeyObjectSet *
tok_coolkey_object_set_decode(const guint8 *data,
			      gsize len,
			      TokCoolkeyCompression *compression,
			      GError **error)
{
	TokReader reader;
	TokReader block;
	guint16 format_version = 0;
	guint16 object_version = 0;
	const guint8 *cuid = NULL;
	guint16 comp_type = 0;
	guint16 comp_size = 0;
	guint16 comp_offset = 0;
	const guint8 *payload = NULL;
	g_autoptr(GBytes) inflated = NULL;
	g_autoptr(TokCoolkeyObjectSet) set = NULL;

	if (len > TOK_COOLKEY_Z0_HEADER_SIZE + G_MAXUINT16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "z0: %" G_GSIZE_FORMAT " bytes is more than the header can describe",
			    len);
		return NULL;
	}
	tok_reader_init(&reader, data, len);
	if (!tok_reader_read_u16_be(&reader, &format_version, error) ||
	    !tok_reader_read_u16_be(&reader, &object_version, error) ||
	    !tok_reader_read_view(&reader, TOK_COOLKEY_CUID_SIZE, &cuid, error) ||
	    !tok_reader_read_u16_be(&reader, &comp_type, error) ||
	    !tok_reader_read_u16_be(&reader, &comp_size, error) ||
	    !tok_reader_read_u16_be(&reader, &comp_offset, error)) {
		g_prefix_error(error, "z0 header: ");
		return NULL;
	}
	if (comp_offset != TOK_COOLKEY_Z0_HEADER_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "z0 header: data offset is %u, not %d",
			    (guint)comp_offset,
			    TOK_COOLKEY_Z0_HEADER_SIZE);
		return NULL;
	}
	if (comp_type != TOK_COOLKEY_COMPRESSION_NONE && comp_type != TOK_COOLKEY_COMPRESSION_ZLIB) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "z0 header: unknown compression type %u",
			    (guint)comp_type);
		return NULL;
	}
	if (!tok_reader_read_view(&reader, comp_size, &payload, error)) {
		g_prefix_error(error, "z0: data of %u bytes announced: ", (guint)comp_size);
		return NULL;
	}
	if (!tok_reader_expect_end(&reader, error)) {
		g_prefix_error(error, "z0: after the %u data bytes announced: ", (guint)comp_size);
		return NULL;
	}
	if (comp_type == TOK_COOLKEY_COMPRESSION_ZLIB) {
		inflated = tok_coolkey_inflate(payload, comp_size, TOK_COOLKEY_Z0_MAX_DATA, error);
		if (inflated == NULL) {
			g_prefix_error(error, "z0: ");
			return NULL;
		}
		tok_reader_init_bytes(&block, inflated);
	} else {
		tok_reader_init(&block, payload, comp_size);
	}
	set = tok_coolkey_object_set_decode_data(&block, error);
	if (set == NULL) {
		g_prefix_error(error, "z0 data: ");
		return NULL;
	}
	set->format_version = format_version;
	set->object_version = object_version;
	g_bytes_unref(set->cuid);
	set->cuid = g_bytes_new(cuid, TOK_COOLKEY_CUID_SIZE);
	if (compression != NULL)
		*compression = (TokCoolkeyCompression)comp_type;
	return g_steal_pointer(&set);
}

TokCoolkeyObjectSet *
tok_coolkey_object_set_decode_bytes(GBytes *bytes,
				    TokCoolkeyCompression *compression,
				    GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return tok_coolkey_object_set_decode(data, len, compression, error);
}

/* --- enrolled certificates --- */

#define TOK_COOLKEY_CERT_INDEX_MAX 4 /* keys k(2N), k(2N+1) must stay within k0-k9 */

static gboolean
tok_coolkey_check_value(GBytes *value, const gchar *what, GError **error)
{
	gsize len = value != NULL ? g_bytes_get_size(value) : 0;
	if (len == 0) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no %s", what);
		return FALSE;
	}
	if (len > G_MAXUINT16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%s of %" G_GSIZE_FORMAT " bytes exceeds 65535",
			    what,
			    len);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_coolkey_check_certificate_spec(const TokCoolkeyCertificateSpec *spec, GError **error)
{
	if (spec->index > TOK_COOLKEY_CERT_INDEX_MAX) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "certificate index %u: CoolKey key numbers stop at 9, so the index "
			    "is at most %d",
			    spec->index,
			    TOK_COOLKEY_CERT_INDEX_MAX);
		return FALSE;
	}
	if (spec->label == NULL || !g_utf8_validate(spec->label, -1, NULL) ||
	    strlen(spec->label) > G_MAXUINT16) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "certificate label missing, too long or not UTF-8");
		return FALSE;
	}
	if (!tok_coolkey_check_value(spec->certificate, "certificate", error))
		return FALSE;
	if (spec->usage != TOK_COOLKEY_KEY_USAGE_SIGNING &&
	    spec->usage != TOK_COOLKEY_KEY_USAGE_ENCRYPTION) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown key usage %u",
			    (guint)spec->usage);
		return FALSE;
	}
	if (spec->key_type == TOK_CKK_EC) {
		if (!tok_coolkey_check_value(spec->ec_params, "EC parameters", error) ||
		    !tok_coolkey_check_value(spec->ec_point, "EC point", error))
			return FALSE;
	} else if (spec->key_type == TOK_CKK_RSA) {
		if (spec->ec_params != NULL || spec->ec_point != NULL) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "EC parameters or point given for an RSA key");
			return FALSE;
		}
	} else {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "key type %u is neither RSA nor EC",
			    (guint)spec->key_type);
		return FALSE;
	}
	return TRUE;
}

GPtrArray *
tok_coolkey_records_new_for_certificate(const TokCoolkeyCertificateSpec *spec, GError **error)
{
	gboolean signing = spec->usage == TOK_COOLKEY_KEY_USAGE_SIGNING;
	TokCoolkeyFixedFlags cert_flags = TOK_COOLKEY_FIXED_TOKEN;
	TokCoolkeyFixedFlags pub_flags =
	    TOK_COOLKEY_FIXED_TOKEN |
	    (signing ? TOK_COOLKEY_FIXED_VERIFY | TOK_COOLKEY_FIXED_VERIFY_RECOVER
		     : TOK_COOLKEY_FIXED_ENCRYPT | TOK_COOLKEY_FIXED_WRAP);
	TokCoolkeyFixedFlags priv_flags =
	    TOK_COOLKEY_FIXED_TOKEN | TOK_COOLKEY_FIXED_PRIVATE | TOK_COOLKEY_FIXED_SENSITIVE |
	    (signing ? TOK_COOLKEY_FIXED_SIGN | TOK_COOLKEY_FIXED_SIGN_RECOVER
		     : TOK_COOLKEY_FIXED_DECRYPT | TOK_COOLKEY_FIXED_UNWRAP);
	guint32 cert_fixed = 0;
	guint32 pub_fixed = 0;
	guint32 priv_fixed = 0;
	TokCoolkeyRecord *cert;
	TokCoolkeyRecord *pub;
	TokCoolkeyRecord *priv;
	GPtrArray *records;

	if (!tok_coolkey_check_certificate_spec(spec, error))
		return NULL;
	if (!tok_coolkey_fixed_attributes_build(spec->index,
						TOK_CKO_CERTIFICATE,
						cert_flags,
						&cert_fixed,
						error) ||
	    !tok_coolkey_fixed_attributes_build(spec->index,
						TOK_CKO_PUBLIC_KEY,
						pub_flags,
						&pub_fixed,
						error) ||
	    !tok_coolkey_fixed_attributes_build(spec->index,
						TOK_CKO_PRIVATE_KEY,
						priv_flags,
						&priv_fixed,
						error))
		return NULL;

	cert = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('c', '0' + spec->index), cert_fixed);
	tok_coolkey_record_add_string(cert, TOK_CKA_LABEL, spec->label);
	tok_coolkey_record_add_bytes(cert, TOK_CKA_VALUE, spec->certificate);

	pub = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('k', '0' + 2 * spec->index + 1),
				     pub_fixed);
	tok_coolkey_record_add_integer(pub, TOK_CKA_KEY_TYPE, spec->key_type);
	priv = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('k', '0' + 2 * spec->index),
				      priv_fixed);
	tok_coolkey_record_add_integer(priv, TOK_CKA_KEY_TYPE, spec->key_type);
	if (spec->key_type == TOK_CKK_EC) {
		tok_coolkey_record_add_bytes(pub, TOK_CKA_EC_PARAMS, spec->ec_params);
		tok_coolkey_record_add_bytes(pub, TOK_CKA_EC_POINT, spec->ec_point);
		tok_coolkey_record_add_bytes(priv, TOK_CKA_EC_PARAMS, spec->ec_params);
	}

	records = g_ptr_array_new_with_free_func((GDestroyNotify)tok_coolkey_record_free);
	g_ptr_array_add(records, cert);
	g_ptr_array_add(records, pub);
	g_ptr_array_add(records, priv);
	return records;
}

gboolean
tok_coolkey_object_set_add_certificate(TokCoolkeyObjectSet *set,
				       const TokCoolkeyCertificateSpec *spec,
				       GError **error)
{
	g_autoptr(GPtrArray) records = tok_coolkey_records_new_for_certificate(spec, error);

	if (records == NULL)
		return FALSE;
	for (guint i = 0; i < records->len; i++) {
		const TokCoolkeyRecord *record = g_ptr_array_index(records, i);
		if (tok_coolkey_object_set_find(set, record->object_id) >= 0) {
			g_autofree gchar *name = tok_coolkey_object_id_to_string(record->object_id);
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_EXISTS,
				    "certificate %u: the object set already has a record %s",
				    spec->index,
				    name);
			return FALSE;
		}
	}
	for (guint i = 0; i < records->len; i++)
		g_ptr_array_add(set->records, tok_coolkey_record_copy(g_ptr_array_index(records, i)));
	return TRUE;
}

GPtrArray *
tok_coolkey_object_set_get_certificates(const TokCoolkeyObjectSet *set)
{
	GPtrArray *certs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

	for (guint i = 0; i < set->records->len; i++) {
		const TokCoolkeyRecord *record = g_ptr_array_index(set->records, i);
		GBytes *der;
		if (tok_coolkey_record_get_object_type(record) != 'c' ||
		    tok_coolkey_record_get_class(record) != TOK_CKO_CERTIFICATE)
			continue;
		der = tok_coolkey_record_lookup_bytes(record, TOK_CKA_VALUE);
		if (der != NULL && g_bytes_get_size(der) > 0)
			g_ptr_array_add(certs, g_bytes_ref(der));
	}
	return certs;
}
