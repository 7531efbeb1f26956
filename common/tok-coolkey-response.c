/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CoolKey applet response parsers (tok_coolkey_parse_*) and the key generation result. */
#include "config.h"

#include "tok-coolkey-apdu.h"

#include "tok-bytes.h"
#include "tok-coolkey-apdu-private.h"
#include "tok-error.h"

/* --- response parsers ------------------------------------------------------------------ */

/* Fixed-size records: every field read through the reader, nothing may be left over. */
static gboolean
tok_coolkey_expect_size(const guint8 *data,
			gsize len,
			gsize want,
			const gchar *what,
			TokReader *reader,
			GError **error)
{
	if (data == NULL)
		len = 0;
	if (len != want) {
		g_set_error(error,
			    TOK_ERROR,
			    len < want ? TOK_ERROR_TRUNCATED : TOK_ERROR_INVALID_DATA,
			    "%s response has %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
			    what,
			    len,
			    want);
		return FALSE;
	}
	tok_reader_init(reader, data, len);
	return TRUE;
}

gboolean
tok_coolkey_parse_status(const guint8 *data, gsize len, TokCoolkeyStatus *status, GError **error)
{
	TokReader r;
	TokCoolkeyStatus tmp = {0};

	if (!tok_coolkey_expect_size(data, len, TOK_COOLKEY_STATUS_SIZE, "GET STATUS", &r, error))
		return FALSE;
	if (!tok_reader_read_u8(&r, &tmp.protocol_major, error) ||
	    !tok_reader_read_u8(&r, &tmp.protocol_minor, error) ||
	    !tok_reader_read_u8(&r, &tmp.applet_major, error) ||
	    !tok_reader_read_u8(&r, &tmp.applet_minor, error) ||
	    !tok_reader_read_u32_be(&r, &tmp.total_object_memory, error) ||
	    !tok_reader_read_u32_be(&r, &tmp.free_object_memory, error) ||
	    !tok_reader_read_u8(&r, &tmp.pin_count, error) ||
	    !tok_reader_read_u8(&r, &tmp.key_count, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.logged_in_identities, error) ||
	    !tok_reader_expect_end(&r, error)) {
		g_prefix_error(error, "GET STATUS: ");
		return FALSE;
	}
	*status = tmp;
	return TRUE;
}

gboolean
tok_coolkey_parse_build_id(const guint8 *data, gsize len, guint32 *build_id, GError **error)
{
	TokReader r;
	guint32 value = 0;

	if (!tok_coolkey_expect_size(data,
				     len,
				     TOK_COOLKEY_BUILD_ID_SIZE,
				     "GET BUILD ID",
				     &r,
				     error))
		return FALSE;
	if (!tok_reader_read_u32_be(&r, &value, error)) {
		g_prefix_error(error, "GET BUILD ID: ");
		return FALSE;
	}
	*build_id = value;
	return TRUE;
}

gboolean
tok_coolkey_parse_lifecycle(const guint8 *data,
			    gsize len,
			    TokCoolkeyLifecycle *lifecycle,
			    GError **error)
{
	TokReader r;
	TokCoolkeyLifecycle tmp = {0};
	guint8 flags = 0;

	if (data == NULL)
		len = 0;
	if (len != 1 && len != 4) {
		g_set_error(error,
			    TOK_ERROR,
			    len == 0 || len == 2 || len == 3 ? TOK_ERROR_TRUNCATED
							     : TOK_ERROR_INVALID_DATA,
			    "GET LIFECYCLE response has %" G_GSIZE_FORMAT " bytes, expected 1 or 4",
			    len);
		return FALSE;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_u8(&r, &tmp.state, error)) {
		g_prefix_error(error, "GET LIFECYCLE: ");
		return FALSE;
	}
	if (len == 4) {
		if (!tok_reader_read_u8(&r, &flags, error) ||
		    !tok_reader_read_u8(&r, &tmp.protocol_major, error) ||
		    !tok_reader_read_u8(&r, &tmp.protocol_minor, error)) {
			g_prefix_error(error, "GET LIFECYCLE: ");
			return FALSE;
		}
		/* pinEnabled (0/1) + isWritable (0/2) */
		if (flags > 0x03) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "GET LIFECYCLE: flags byte 0x%02X is not pinEnabled + writable",
				    flags);
			return FALSE;
		}
		tmp.extended = TRUE;
		tmp.pin_enabled = (flags & 0x01) != 0;
		tmp.writable = (flags & 0x02) != 0;
	}
	*lifecycle = tmp;
	return TRUE;
}

gboolean
tok_coolkey_parse_object_entry(const guint8 *data,
			       gsize len,
			       TokCoolkeyObjectInfo *info,
			       GError **error)
{
	TokReader r;
	TokCoolkeyObjectInfo tmp = {0};

	if (!tok_coolkey_expect_size(data,
				     len,
				     TOK_COOLKEY_OBJECT_ENTRY_SIZE,
				     "LIST OBJECTS",
				     &r,
				     error))
		return FALSE;
	if (!tok_reader_read_u32_be(&r, &tmp.object_id, error) ||
	    !tok_reader_read_u32_be(&r, &tmp.size, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.acl.read_acl, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.acl.write_acl, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.acl.delete_acl, error)) {
		g_prefix_error(error, "LIST OBJECTS: ");
		return FALSE;
	}
	*info = tmp;
	return TRUE;
}

gboolean
tok_coolkey_parse_key_entry(const guint8 *data, gsize len, TokCoolkeyKeyInfo *info, GError **error)
{
	TokReader r;
	TokCoolkeyKeyInfo tmp = {0};

	if (!tok_coolkey_expect_size(data, len, TOK_COOLKEY_KEY_ENTRY_SIZE, "LIST KEYS", &r, error))
		return FALSE;
	if (!tok_reader_read_u8(&r, &tmp.key_number, error) ||
	    !tok_reader_read_u8(&r, &tmp.key_type, error) ||
	    !tok_reader_read_u8(&r, &tmp.key_partner, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.key_size, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.acl.read_acl, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.acl.write_acl, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.acl.use_acl, error)) {
		g_prefix_error(error, "LIST KEYS: ");
		return FALSE;
	}
	if (tmp.key_number >= TOK_COOLKEY_MAX_KEYS) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "LIST KEYS: key number %u is not below %u",
			    tmp.key_number,
			    (guint)TOK_COOLKEY_MAX_KEYS);
		return FALSE;
	}
	if (tmp.key_partner != TOK_COOLKEY_NO_PARTNER &&
	    (tmp.key_partner >= TOK_COOLKEY_MAX_KEYS || tmp.key_partner == tmp.key_number)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "LIST KEYS: key %u has the invalid partner %u",
			    tmp.key_number,
			    tmp.key_partner);
		return FALSE;
	}
	*info = tmp;
	return TRUE;
}

gboolean
tok_coolkey_parse_pin_list(const guint8 *data, gsize len, guint16 *mask, GError **error)
{
	TokReader r;
	guint16 value = 0;

	if (!tok_coolkey_expect_size(data, len, 2, "LIST PINS", &r, error))
		return FALSE;
	if (!tok_reader_read_u16_be(&r, &value, error)) {
		g_prefix_error(error, "LIST PINS: ");
		return FALSE;
	}
	*mask = value;
	return TRUE;
}

gboolean
tok_coolkey_parse_pin_tries(const guint8 *data, gsize len, guint8 *tries, GError **error)
{
	TokReader r;
	guint8 value = 0;

	if (!tok_coolkey_expect_size(data, len, 1, "GET PIN TRIES", &r, error))
		return FALSE;
	if (!tok_reader_read_u8(&r, &value, error)) {
		g_prefix_error(error, "GET PIN TRIES: ");
		return FALSE;
	}
	*tries = value;
	return TRUE;
}

gboolean
tok_coolkey_parse_builtin_acl(const guint8 *data,
			      gsize len,
			      TokCoolkeyBuiltinAcl *acl,
			      GError **error)
{
	TokReader r;
	TokCoolkeyBuiltinAcl tmp = {0};

	if (!tok_coolkey_expect_size(data,
				     len,
				     TOK_COOLKEY_BUILTIN_ACL_SIZE,
				     "GET BUILTIN ACL",
				     &r,
				     error))
		return FALSE;
	if (!tok_reader_read_u16_be(&r, &tmp.create_object_acl, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.create_key_acl, error) ||
	    !tok_reader_read_u16_be(&r, &tmp.create_pin_acl, error) ||
	    !tok_reader_read_u8(&r, &tmp.enable_acl_change, error)) {
		g_prefix_error(error, "GET BUILTIN ACL: ");
		return FALSE;
	}
	*acl = tmp;
	return TRUE;
}

gchar *
tok_coolkey_parse_issuer_info(const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	const guint8 *view = NULL;
	gsize text_len = 0;

	if (!tok_coolkey_expect_size(data,
				     len,
				     TOK_COOLKEY_ISSUER_INFO_SIZE,
				     "GET ISSUER INFO",
				     &r,
				     error))
		return NULL;
	if (!tok_reader_read_view(&r, TOK_COOLKEY_ISSUER_INFO_SIZE, &view, error))
		return NULL;
	while (text_len < TOK_COOLKEY_ISSUER_INFO_SIZE && view[text_len] != 0x00)
		text_len++;
	if (text_len == TOK_COOLKEY_ISSUER_INFO_SIZE) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "GET ISSUER INFO: no NUL ends the URL");
		return NULL;
	}
	if (!tok_coolkey_check_issuer_text((const gchar *)view, text_len, error)) {
		g_prefix_error(error, "GET ISSUER INFO: ");
		return NULL;
	}
	return g_strndup((const gchar *)view, text_len);
}

GBytes *
tok_coolkey_parse_nonce(const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	const guint8 *view = NULL;

	if (!tok_coolkey_expect_size(data, len, TOK_COOLKEY_NONCE_SIZE, "VERIFY PIN", &r, error))
		return NULL;
	if (!tok_reader_read_view(&r, TOK_COOLKEY_NONCE_SIZE, &view, error))
		return NULL;
	return tok_bytes_new_wiped(view, TOK_COOLKEY_NONCE_SIZE);
}

GBytes *
tok_coolkey_parse_crypt_result(const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	guint16 n = 0;
	const guint8 *view = NULL;

	tok_reader_init(&r, data, len);
	if (!tok_reader_read_u16_be(&r, &n, error) || !tok_reader_read_view(&r, n, &view, error) ||
	    !tok_reader_expect_end(&r, error)) {
		g_prefix_error(error, "COMPUTE CRYPT result: ");
		return NULL;
	}
	return tok_bytes_new_wiped(view, n);
}

gboolean
tok_coolkey_parse_generate_key_response(const guint8 *data,
					gsize len,
					guint16 *result_len,
					GError **error)
{
	TokReader r;
	guint16 value = 0;

	if (!tok_coolkey_expect_size(data, len, 2, "GENERATE KEY", &r, error))
		return FALSE;
	if (!tok_reader_read_u16_be(&r, &value, error)) {
		g_prefix_error(error, "GENERATE KEY: ");
		return FALSE;
	}
	if (value == 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "GENERATE KEY: the card reports an empty result");
		return FALSE;
	}
	*result_len = value;
	return TRUE;
}

/* --- key generation output ----------------------------------------------------------- */

static TokCoolkeyKeygenResult *
tok_coolkey_keygen_result_new(void)
{
	return g_new0(TokCoolkeyKeygenResult, 1);
}

static GBytes *
tok_coolkey_bytes_ref0(GBytes *bytes)
{
	return bytes != NULL ? g_bytes_ref(bytes) : NULL;
}

TokCoolkeyKeygenResult *
tok_coolkey_keygen_result_copy(const TokCoolkeyKeygenResult *result)
{
	TokCoolkeyKeygenResult *copy = tok_coolkey_keygen_result_new();
	copy->type = result->type;
	copy->key_size = result->key_size;
	copy->pub_blob = tok_coolkey_bytes_ref0(result->pub_blob);
	copy->modulus = tok_coolkey_bytes_ref0(result->modulus);
	copy->exponent = tok_coolkey_bytes_ref0(result->exponent);
	copy->ec_point = tok_coolkey_bytes_ref0(result->ec_point);
	copy->signature = tok_coolkey_bytes_ref0(result->signature);
	return copy;
}

void
tok_coolkey_keygen_result_free(TokCoolkeyKeygenResult *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->pub_blob, g_bytes_unref);
	g_clear_pointer(&result->modulus, g_bytes_unref);
	g_clear_pointer(&result->exponent, g_bytes_unref);
	g_clear_pointer(&result->ec_point, g_bytes_unref);
	g_clear_pointer(&result->signature, g_bytes_unref);
	g_free(result);
}

G_DEFINE_BOXED_TYPE(TokCoolkeyKeygenResult,
		    tok_coolkey_keygen_result,
		    tok_coolkey_keygen_result_copy,
		    tok_coolkey_keygen_result_free)

/* len(2) || value with a non-empty value */
static GBytes *
tok_coolkey_read_lv16(TokReader *reader, const gchar *what, GError **error)
{
	guint16 n = 0;
	GBytes *value;

	if (!tok_reader_read_u16_be(reader, &n, error)) {
		g_prefix_error(error, "%s length: ", what);
		return NULL;
	}
	if (n == 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "empty %s at offset %" G_GSIZE_FORMAT,
			    what,
			    reader->pos - 2);
		return NULL;
	}
	value = tok_reader_read_bytes(reader, n, error);
	if (value == NULL)
		g_prefix_error(error, "%s: ", what);
	return value;
}

static gboolean
tok_coolkey_parse_pub_blob(TokCoolkeyKeygenResult *result, GError **error)
{
	TokReader r;
	guint8 encoding = 0, type = 0;

	tok_reader_init_bytes(&r, result->pub_blob);
	if (!tok_reader_read_u8(&r, &encoding, error) || !tok_reader_read_u8(&r, &type, error) ||
	    !tok_reader_read_u16_be(&r, &result->key_size, error))
		return FALSE;
	if (encoding != 0x00) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key blob encoding 0x%02X is not plaintext (00)",
			    encoding);
		return FALSE;
	}
	if (result->key_size == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "key size 0");
		return FALSE;
	}
	switch (type) {
	case TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC:
		result->modulus = tok_coolkey_read_lv16(&r, "modulus", error);
		if (result->modulus == NULL)
			return FALSE;
		result->exponent = tok_coolkey_read_lv16(&r, "exponent", error);
		if (result->exponent == NULL)
			return FALSE;
		break;
	case TOK_COOLKEY_KEY_BLOB_EC_PUBLIC:
		result->ec_point = tok_coolkey_read_lv16(&r, "EC point", error);
		if (result->ec_point == NULL)
			return FALSE;
		break;
	default:
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "key blob type 0x%02X is neither RSA (01) nor EC (0A) public key",
			    type);
		return FALSE;
	}
	result->type = (TokCoolkeyKeyBlobType)type;
	return tok_reader_expect_end(&r, error);
}

TokCoolkeyKeygenResult *
tok_coolkey_keygen_result_parse(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(TokCoolkeyKeygenResult) result = tok_coolkey_keygen_result_new();
	TokReader r;

	tok_reader_init(&r, data, len);
	result->pub_blob = tok_coolkey_read_lv16(&r, "public key blob", error);
	if (result->pub_blob == NULL) {
		g_prefix_error(error, "key generation result: ");
		return NULL;
	}
	if (!tok_coolkey_parse_pub_blob(result, error)) {
		g_prefix_error(error, "key generation result: public key blob: ");
		return NULL;
	}
	result->signature = tok_coolkey_read_lv16(&r, "proof signature", error);
	if (result->signature == NULL || !tok_reader_expect_end(&r, error)) {
		g_prefix_error(error, "key generation result: ");
		return NULL;
	}
	return g_steal_pointer(&result);
}

GBytes *
tok_coolkey_keygen_result_get_proof_data(const TokCoolkeyKeygenResult *result, GBytes *challenge)
{
	g_autoptr(GByteArray) data = g_byte_array_new();

	if (result->pub_blob != NULL)
		tok_byte_array_append_bytes(data, result->pub_blob);
	tok_byte_array_append_bytes(data, challenge);
	return g_byte_array_free_to_bytes(g_steal_pointer(&data));
}
