/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-coolkey-apdu.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-coolkey-apdu-private.h"
#include "tok-error.h"

/* --- object IDs, key numbering, versions ---------------------------------------------- */

static gboolean
tok_coolkey_is_name_char(guint8 c)
{
	/* printable ASCII without space: the characters of "c1", "z0", "C2" style names */
	return c > 0x20 && c < 0x7F;
}

gboolean
tok_coolkey_object_id_from_string(const gchar *text, guint32 *object_id, GError **error)
{
	gsize len;

	if (text == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no object ID text");
		return FALSE;
	}
	len = strlen(text);
	if (len == 2) {
		if (!tok_coolkey_is_name_char((guint8)text[0]) ||
		    !tok_coolkey_is_name_char((guint8)text[1])) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "object name must be two printable ASCII characters");
			return FALSE;
		}
		*object_id = TOK_COOLKEY_OBJECT_ID(text[0], text[1]);
		return TRUE;
	}
	if (len == 8) {
		g_autoptr(GBytes) raw = tok_hex_decode(text, TOK_HEX_FLAG_NONE, error);
		guint32 value = 0;
		if (raw == NULL) {
			g_prefix_error(error, "object ID: ");
			return FALSE;
		}
		if (!tok_read_u32_be(g_bytes_get_data(raw, NULL),
				     g_bytes_get_size(raw),
				     0,
				     &value,
				     error))
			return FALSE;
		*object_id = value;
		return TRUE;
	}
	g_set_error(error,
		    TOK_ERROR,
		    TOK_ERROR_INVALID_DATA,
		    "object ID text has %" G_GSIZE_FORMAT
		    " characters, expected a 2-character name or 8 hex digits",
		    len);
	return FALSE;
}

gchar *
tok_coolkey_object_id_to_string(guint32 object_id)
{
	guint8 type = (guint8)(object_id >> 24);
	guint8 digit = (guint8)(object_id >> 16);

	if ((object_id & 0xFFFF) == 0 && tok_coolkey_is_name_char(type) &&
	    tok_coolkey_is_name_char(digit))
		return g_strdup_printf("%c%c", (gchar)type, (gchar)digit);
	return g_strdup_printf("%08X", object_id);
}

gboolean
tok_coolkey_object_id_for_index(gchar type, guint idx, guint32 *object_id, GError **error)
{
	if (!tok_coolkey_is_name_char((guint8)type)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "object type 0x%02X is not a printable character",
			    (guint8)type);
		return FALSE;
	}
	if (idx > TOK_COOLKEY_MAX_PKCS11_INDEX) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "object index %u is not a single digit",
			    idx);
		return FALSE;
	}
	*object_id = TOK_COOLKEY_OBJECT_ID(type, '0' + idx);
	return TRUE;
}

gboolean
tok_coolkey_object_id_get_index(guint32 object_id, guint *idx, GError **error)
{
	guint8 c = (guint8)(object_id >> 16);

	if ((object_id & 0xFFFF) != 0 || c < '0' || c > '9') {
		g_autofree gchar *name = tok_coolkey_object_id_to_string(object_id);
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "object ID %s has no index digit",
			    name);
		return FALSE;
	}
	*idx = (guint)(c - '0');
	return TRUE;
}

gboolean
tok_coolkey_cert_key_numbers(guint cert_index,
			     guint8 *private_key,
			     guint8 *public_key,
			     GError **error)
{
	if (cert_index > TOK_COOLKEY_MAX_PKCS11_INDEX / 2) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "certificate index %u needs key slots beyond k%u",
			    cert_index,
			    (guint)TOK_COOLKEY_MAX_PKCS11_INDEX);
		return FALSE;
	}
	*private_key = (guint8)(2 * cert_index);
	*public_key = (guint8)(2 * cert_index + 1);
	return TRUE;
}

guint8
tok_coolkey_key_cka_id(guint8 key_number)
{
	return key_number / 2;
}

gboolean
tok_coolkey_key_pair_pack(const TokCoolkeyKeyPair *pair, guint8 *p1, guint8 *p2, GError **error)
{
	if (pair->owner >= TOK_COOLKEY_MAX_PINS && pair->owner != TOK_COOLKEY_KEY_OWNER_ANYONE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key owner %u is neither a PIN (0-%u) nor 15 (anyone)",
			    pair->owner,
			    (guint)TOK_COOLKEY_MAX_PINS - 1);
		return FALSE;
	}
	if (pair->usage > 0x0F) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key usage %u does not fit in a nibble",
			    pair->usage);
		return FALSE;
	}
	if (pair->private_key > 0x0F || pair->public_key > 0x0F) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key slots %u/%u do not fit in a nibble",
			    pair->private_key,
			    pair->public_key);
		return FALSE;
	}
	if (pair->private_key == pair->public_key) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "private and public key share slot %u",
			    pair->private_key);
		return FALSE;
	}
	*p1 = (guint8)((pair->owner << 4) | pair->private_key);
	*p2 = (guint8)((pair->usage << 4) | pair->public_key);
	return TRUE;
}

gchar *
tok_coolkey_format_applet_version(guint8 applet_major, guint8 applet_minor, guint32 build_id)
{
	return g_strdup_printf("%u.%u.%08x", applet_major, applet_minor, build_id);
}

/* --- command builders ------------------------------------------------------------------ */

static gboolean
tok_coolkey_check_cla(TokCoolkeyCla cla, GError **error)
{
	if (cla != TOK_COOLKEY_CLA_CLEAR && cla != TOK_COOLKEY_CLA_SECURE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CLA 0x%02X is neither B0 (clear) nor 84 (secure channel)",
			    (guint)cla);
		return FALSE;
	}
	return TRUE;
}

/* Data fields are allocated once, large enough for the biggest one (CHANGE PIN with two
 * 255-byte PINs and a nonce) before its size is checked, so that a PIN is never left behind
 * in memory freed by a reallocation; the TokWipedByteArray wipes the one buffer. */
#define TOK_COOLKEY_BODY_RESERVE (2 * (1 + TOK_APDU_SHORT_MAX_DATA) + TOK_COOLKEY_NONCE_SIZE)

static GByteArray *
tok_coolkey_body_new(void)
{
	return g_byte_array_sized_new(TOK_COOLKEY_BODY_RESERVE);
}

/* The one place APDUs with data are made: appends the nonce, checks the short-APDU size.
 * Takes @data, which is wiped afterwards (it may hold a PIN). */
static TokApdu *
tok_coolkey_build(guint8 cla,
		  guint8 ins,
		  guint8 p1,
		  guint8 p2,
		  TokWipedByteArray *data,
		  GBytes *nonce,
		  gint le,
		  GError **error)
{
	g_autoptr(TokWipedByteArray) body = data != NULL ? data : tok_coolkey_body_new();

	if (nonce != NULL) {
		if (cla == TOK_COOLKEY_CLA_SECURE) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "INS %02X: a nonce cannot be sent through the secure channel",
				    ins);
			return NULL;
		}
		if (g_bytes_get_size(nonce) != TOK_COOLKEY_NONCE_SIZE) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "INS %02X: nonce has %" G_GSIZE_FORMAT " bytes, expected %u",
				    ins,
				    g_bytes_get_size(nonce),
				    (guint)TOK_COOLKEY_NONCE_SIZE);
			return NULL;
		}
		tok_byte_array_append_bytes(body, nonce);
	}
	if (body->len > TOK_APDU_SHORT_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "INS %02X: data field of %u bytes exceeds %u",
			    ins,
			    body->len,
			    (guint)TOK_APDU_SHORT_MAX_DATA);
		return NULL;
	}
	/* tok_apdu_new_from_data() keeps its own (wiped) copy; @body is wiped on return */
	return tok_apdu_new_from_data(cla,
				      ins,
				      p1,
				      p2,
				      body->len > 0 ? body->data : NULL,
				      body->len,
				      le);
}

/* For commands that cannot fail. */
static TokApdu *
tok_coolkey_build_simple(guint8 ins, guint8 p1, guint8 p2, gint le)
{
	return tok_apdu_new(TOK_COOLKEY_CLA_CLEAR, ins, p1, p2, NULL, le);
}

static gboolean
tok_coolkey_check_pin_number(guint8 pin_number, GError **error)
{
	if (pin_number >= TOK_COOLKEY_MAX_PINS) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "PIN number %u is not below %u",
			    pin_number,
			    (guint)TOK_COOLKEY_MAX_PINS);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_coolkey_check_key_number(guint8 key_number, GError **error)
{
	if (key_number >= TOK_COOLKEY_MAX_KEYS) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key number %u is not below %u",
			    key_number,
			    (guint)TOK_COOLKEY_MAX_KEYS);
		return FALSE;
	}
	return TRUE;
}

/* PINs are 1..255 bytes and never appear in error messages. */
static gboolean
tok_coolkey_check_pin(const TokSecret *pin, const gchar *what, GError **error)
{
	gsize len = tok_secret_get_size(pin);
	if (len == 0 || len > TOK_APDU_SHORT_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    len == 0 ? TOK_ERROR_INVALID_DATA : TOK_ERROR_TOO_LARGE,
			    "%s must be 1-%u bytes long",
			    what,
			    (guint)TOK_APDU_SHORT_MAX_DATA);
		return FALSE;
	}
	return TRUE;
}

static void
tok_coolkey_append_secret(GByteArray *array, const TokSecret *secret)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(secret, &len);
	if (len > 0)
		g_byte_array_append(array, data, (guint)len);
}

TokApdu *
tok_coolkey_apdu_select(void)
{
	return tok_apdu_new_from_data(0x00,
				      0xA4,
				      0x04,
				      0x00,
				      (const guint8 *)TOK_COOLKEY_AID,
				      TOK_COOLKEY_AID_SIZE,
				      TOK_APDU_SHORT_MAX_LE);
}

TokApdu *
tok_coolkey_apdu_get_status(TokCoolkeyStatusKind kind)
{
	guint8 p1 = kind == TOK_COOLKEY_STATUS_MEMORY ? TOK_COOLKEY_STATUS_MEMORY
						      : TOK_COOLKEY_STATUS_GENERAL;
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_STATUS,
					p1,
					0x00,
					TOK_COOLKEY_STATUS_SIZE);
}

TokApdu *
tok_coolkey_apdu_get_build_id(void)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_BUILD_ID,
					0x00,
					0x00,
					TOK_COOLKEY_BUILD_ID_SIZE);
}

TokApdu *
tok_coolkey_apdu_get_lifecycle(gboolean extended)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_LIFECYCLE,
					0x00,
					0x00,
					extended ? 4 : 1);
}

TokApdu *
tok_coolkey_apdu_set_lifecycle(guint8 state)
{
	return tok_apdu_new(TOK_COOLKEY_CLA_SECURE,
			    TOK_COOLKEY_INS_SET_LIFECYCLE,
			    state,
			    0x00,
			    NULL,
			    TOK_APDU_NO_LE);
}

TokApdu *
tok_coolkey_apdu_get_issuer_info(void)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_ISSUER_INFO,
					0x00,
					0x00,
					TOK_COOLKEY_ISSUER_INFO_SIZE);
}

/* Printable UTF-8: what SET ISSUER INFO writes and GET ISSUER INFO accepts. */
gboolean
tok_coolkey_check_issuer_text(const gchar *text, gsize len, GError **error)
{
	const gchar *end = NULL;

	if (!g_utf8_validate(text, (gssize)len, &end)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "issuer info is not valid UTF-8 at byte %" G_GSIZE_FORMAT,
			    (gsize)(end - text));
		return FALSE;
	}
	for (const gchar *p = text; p < text + len; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (!g_unichar_isprint(c)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "issuer info has the non-printable character U+%04X at byte "
				    "%" G_GSIZE_FORMAT,
				    c,
				    (gsize)(p - text));
			return FALSE;
		}
	}
	return TRUE;
}

TokApdu *
tok_coolkey_apdu_set_issuer_info(const gchar *url, GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();
	gsize len;

	if (url == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no issuer URL");
		return NULL;
	}
	len = strlen(url);
	if (len >= TOK_COOLKEY_ISSUER_INFO_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "issuer URL of %" G_GSIZE_FORMAT
			    " bytes does not fit in %u bytes with its NUL",
			    len,
			    (guint)TOK_COOLKEY_ISSUER_INFO_SIZE);
		return NULL;
	}
	if (!tok_coolkey_check_issuer_text(url, len, error))
		return NULL;
	g_byte_array_append(data, (const guint8 *)url, (guint)len);
	while (data->len < TOK_COOLKEY_ISSUER_INFO_SIZE)
		tok_byte_array_append_u8(data, 0x00);
	return tok_coolkey_build(TOK_COOLKEY_CLA_SECURE,
				 TOK_COOLKEY_INS_SET_ISSUER_INFO,
				 0x00,
				 0x00,
				 g_steal_pointer(&data),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_list_objects(TokCoolkeyListSeq seq)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_LIST_OBJECTS,
					seq == TOK_COOLKEY_LIST_NEXT ? 0x01 : 0x00,
					0x00,
					TOK_COOLKEY_OBJECT_ENTRY_SIZE);
}

TokApdu *
tok_coolkey_apdu_list_pins(void)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_LIST_PINS, 0x00, 0x00, 2);
}

TokApdu *
tok_coolkey_apdu_list_keys(TokCoolkeyListSeq seq)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_LIST_KEYS,
					seq == TOK_COOLKEY_LIST_NEXT ? 0x01 : 0x00,
					0x00,
					TOK_COOLKEY_KEY_ENTRY_SIZE);
}

TokApdu *
tok_coolkey_apdu_get_pin_tries(guint8 pin_number, GError **error)
{
	if (!tok_coolkey_check_pin_number(pin_number, error))
		return NULL;
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_PIN_TRIES, pin_number, 0x00, 1);
}

TokApdu *
tok_coolkey_apdu_get_builtin_acl(void)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_BUILTIN_ACL,
					0x00,
					0x00,
					TOK_COOLKEY_BUILTIN_ACL_SIZE);
}

TokApdu *
tok_coolkey_apdu_get_random(guint n, GError **error)
{
	if (n == 0 || n > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    n == 0 ? TOK_ERROR_INVALID_DATA : TOK_ERROR_TOO_LARGE,
			    "GET RANDOM of %u bytes: must be 1-255",
			    n);
		return NULL;
	}
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_GET_RANDOM, 0x00, 0x00, (gint)n);
}

TokApdu *
tok_coolkey_apdu_seed_random(GBytes *seed, GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (seed == NULL || g_bytes_get_size(seed) == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "empty random seed");
		return NULL;
	}
	tok_byte_array_append_bytes(data, seed);
	return tok_coolkey_build(TOK_COOLKEY_CLA_CLEAR,
				 TOK_COOLKEY_INS_SEED_RANDOM,
				 0x00,
				 0x00,
				 g_steal_pointer(&data),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_nop(void)
{
	return tok_coolkey_build_simple(TOK_COOLKEY_INS_NOP, 0x00, 0x00, TOK_APDU_NO_LE);
}

TokApdu *
tok_coolkey_apdu_verify_pin(guint8 pin_number, const TokSecret *pin, GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_pin_number(pin_number, error) ||
	    !tok_coolkey_check_pin(pin, "PIN", error))
		return NULL;
	tok_coolkey_append_secret(data, pin);
	return tok_coolkey_build(TOK_COOLKEY_CLA_CLEAR,
				 TOK_COOLKEY_INS_VERIFY_PIN,
				 pin_number,
				 0x00,
				 g_steal_pointer(&data),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_logout(guint8 identity, GBytes *nonce, GError **error)
{
	if (identity > TOK_COOLKEY_IDENTITY_DEFAULT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "identity %u is not 0-15",
			    identity);
		return NULL;
	}
	return tok_coolkey_build(TOK_COOLKEY_CLA_CLEAR,
				 TOK_COOLKEY_INS_LOGOUT,
				 identity,
				 0x00,
				 NULL,
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_create_pin(TokCoolkeyCla cla,
			    guint8 pin_number,
			    guint8 max_tries,
			    const TokSecret *pin,
			    GBytes *nonce,
			    GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error) ||
	    !tok_coolkey_check_pin_number(pin_number, error) ||
	    !tok_coolkey_check_pin(pin, "PIN", error))
		return NULL;
	if (max_tries == 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "a PIN needs at least one try");
		return NULL;
	}
	tok_coolkey_append_secret(data, pin);
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_CREATE_PIN,
				 pin_number,
				 max_tries,
				 g_steal_pointer(&data),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_change_pin(guint8 pin_number,
			    const TokSecret *old_pin,
			    const TokSecret *new_pin,
			    GBytes *nonce,
			    GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_pin_number(pin_number, error) ||
	    !tok_coolkey_check_pin(old_pin, "old PIN", error) ||
	    !tok_coolkey_check_pin(new_pin, "new PIN", error))
		return NULL;
	tok_byte_array_append_u8(data, (guint8)tok_secret_get_size(old_pin));
	tok_coolkey_append_secret(data, old_pin);
	tok_byte_array_append_u8(data, (guint8)tok_secret_get_size(new_pin));
	tok_coolkey_append_secret(data, new_pin);
	return tok_coolkey_build(TOK_COOLKEY_CLA_CLEAR,
				 TOK_COOLKEY_INS_CHANGE_PIN,
				 pin_number,
				 0x00,
				 g_steal_pointer(&data),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_set_pin(guint8 pin_number, const TokSecret *pin, GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_pin_number(pin_number, error) ||
	    !tok_coolkey_check_pin(pin, "PIN", error))
		return NULL;
	tok_coolkey_append_secret(data, pin);
	return tok_coolkey_build(TOK_COOLKEY_CLA_SECURE,
				 TOK_COOLKEY_INS_SET_PIN,
				 pin_number,
				 0x00,
				 g_steal_pointer(&data),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_create_object(TokCoolkeyCla cla,
			       guint32 object_id,
			       guint32 size,
			       const TokCoolkeyObjectAcl *acl,
			       GBytes *nonce,
			       GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error))
		return NULL;
	if (size == 0 || size > TOK_COOLKEY_MAX_OBJECT_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    size == 0 ? TOK_ERROR_INVALID_DATA : TOK_ERROR_TOO_LARGE,
			    "object size %u is not 1-0x%X",
			    size,
			    (guint)TOK_COOLKEY_MAX_OBJECT_SIZE);
		return NULL;
	}
	tok_byte_array_append_u32_be(data, object_id);
	tok_byte_array_append_u32_be(data, size);
	tok_byte_array_append_u16_be(data, acl->read_acl);
	tok_byte_array_append_u16_be(data, acl->write_acl);
	tok_byte_array_append_u16_be(data, acl->delete_acl);
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_CREATE_OBJECT,
				 0x00,
				 0x00,
				 g_steal_pointer(&data),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_delete_object(TokCoolkeyCla cla,
			       guint32 object_id,
			       gboolean zero_contents,
			       GBytes *nonce,
			       GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error))
		return NULL;
	tok_byte_array_append_u32_be(data, object_id);
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_DELETE_OBJECT,
				 0x00,
				 zero_contents ? 0x01 : 0x00,
				 g_steal_pointer(&data),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

static gboolean
tok_coolkey_check_range(guint32 offset, gsize len, GError **error)
{
	if (len > G_MAXUINT32 || offset > G_MAXUINT32 - (guint32)len) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%" G_GSIZE_FORMAT " bytes at offset %u run past 2^32",
			    len,
			    offset);
		return FALSE;
	}
	return TRUE;
}

TokApdu *
tok_coolkey_apdu_read_object(TokCoolkeyCla cla,
			     guint32 object_id,
			     guint32 offset,
			     guint len,
			     GBytes *nonce,
			     gboolean trailing_le,
			     GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error))
		return NULL;
	if (len == 0 || len > TOK_COOLKEY_MAX_CHUNK) {
		g_set_error(error,
			    TOK_ERROR,
			    len == 0 ? TOK_ERROR_INVALID_DATA : TOK_ERROR_TOO_LARGE,
			    "READ OBJECT of %u bytes: must be 1-0x%X",
			    len,
			    (guint)TOK_COOLKEY_MAX_CHUNK);
		return NULL;
	}
	if (!tok_coolkey_check_range(offset, len, error))
		return NULL;
	tok_byte_array_append_u32_be(data, object_id);
	tok_byte_array_append_u32_be(data, offset);
	tok_byte_array_append_u8(data, (guint8)len);
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_READ_OBJECT,
				 0x00,
				 0x00,
				 g_steal_pointer(&data),
				 nonce,
				 trailing_le ? TOK_APDU_SHORT_MAX_LE : TOK_APDU_NO_LE,
				 error);
}

GPtrArray *
tok_coolkey_apdu_read_object_plan(TokCoolkeyCla cla,
				  guint32 object_id,
				  guint32 offset,
				  guint32 size,
				  GBytes *nonce,
				  gboolean trailing_le,
				  GError **error)
{
	g_autoptr(GPtrArray) plan = g_ptr_array_new_with_free_func((GDestroyNotify)tok_apdu_unref);

	if (!tok_coolkey_check_cla(cla, error) || !tok_coolkey_check_range(offset, size, error))
		return NULL;
	for (guint32 done = 0; done < size;) {
		guint chunk = MIN(size - done, (guint32)TOK_COOLKEY_MAX_CHUNK);
		TokApdu *apdu = tok_coolkey_apdu_read_object(cla,
							     object_id,
							     offset + done,
							     chunk,
							     nonce,
							     trailing_le,
							     error);
		if (apdu == NULL) {
			g_prefix_error(error, "chunk at offset %u: ", offset + done);
			return NULL;
		}
		g_ptr_array_add(plan, apdu);
		done += chunk;
	}
	return g_steal_pointer(&plan);
}

static TokApdu *
tok_coolkey_write_object_data(TokCoolkeyCla cla,
			      guint32 object_id,
			      guint32 offset,
			      const guint8 *chunk,
			      gsize len,
			      GBytes *nonce,
			      GError **error)
{
	g_autoptr(TokWipedByteArray) data = tok_coolkey_body_new();

	if (len == 0 || len > TOK_COOLKEY_MAX_CHUNK) {
		g_set_error(error,
			    TOK_ERROR,
			    len == 0 ? TOK_ERROR_INVALID_DATA : TOK_ERROR_TOO_LARGE,
			    "WRITE OBJECT of %" G_GSIZE_FORMAT " bytes: must be 1-0x%X",
			    len,
			    (guint)TOK_COOLKEY_MAX_CHUNK);
		return NULL;
	}
	if (!tok_coolkey_check_range(offset, len, error))
		return NULL;
	tok_byte_array_append_u32_be(data, object_id);
	tok_byte_array_append_u32_be(data, offset);
	tok_byte_array_append_u8(data, (guint8)len);
	g_byte_array_append(data, chunk, (guint)len);
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_WRITE_OBJECT,
				 0x00,
				 0x00,
				 g_steal_pointer(&data),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_write_object(TokCoolkeyCla cla,
			      guint32 object_id,
			      guint32 offset,
			      GBytes *data,
			      GBytes *nonce,
			      GError **error)
{
	gsize len = 0;
	const guint8 *chunk = g_bytes_get_data(data, &len);

	if (!tok_coolkey_check_cla(cla, error))
		return NULL;
	return tok_coolkey_write_object_data(cla, object_id, offset, chunk, len, nonce, error);
}

GPtrArray *
tok_coolkey_apdu_write_object_chunks(TokCoolkeyCla cla,
				     guint32 object_id,
				     guint32 offset,
				     GBytes *data,
				     GBytes *nonce,
				     GError **error)
{
	g_autoptr(GPtrArray) chunks =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tok_apdu_unref);
	TokReader reader;

	if (!tok_coolkey_check_cla(cla, error))
		return NULL;
	if (g_bytes_get_size(data) == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "nothing to write");
		return NULL;
	}
	if (!tok_coolkey_check_range(offset, g_bytes_get_size(data), error))
		return NULL;
	tok_reader_init_bytes(&reader, data);
	while (tok_reader_remaining(&reader) > 0) {
		gsize n = MIN(tok_reader_remaining(&reader), (gsize)TOK_COOLKEY_MAX_CHUNK);
		guint32 at = offset + (guint32)reader.pos;
		const guint8 *chunk = NULL;
		TokApdu *apdu;

		if (!tok_reader_read_view(&reader, n, &chunk, error))
			return NULL;
		apdu = tok_coolkey_write_object_data(cla, object_id, at, chunk, n, nonce, error);
		if (apdu == NULL) {
			g_prefix_error(error, "chunk at offset %u: ", at);
			return NULL;
		}
		g_ptr_array_add(chunks, apdu);
	}
	return g_steal_pointer(&chunks);
}

/* len || bytes, the length in @width bytes (1 or 2, big-endian), checked to fit */
static gboolean
tok_coolkey_append_lv(GByteArray *array, guint width, GBytes *bytes, const gchar *what, GError **error)
{
	gsize len = bytes != NULL ? g_bytes_get_size(bytes) : 0;
	if (len > (width == 1 ? G_MAXUINT8 : G_MAXUINT16)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%s of %" G_GSIZE_FORMAT " bytes is too long",
			    what,
			    len);
		return FALSE;
	}
	if (width == 1)
		tok_byte_array_append_u8(array, (guint8)len);
	else
		tok_byte_array_append_u16_be(array, (guint16)len);
	if (len > 0)
		tok_byte_array_append_bytes(array, bytes);
	return TRUE;
}

static gboolean
tok_coolkey_check_location(TokCoolkeyDataLocation location, GBytes *data, GError **error)
{
	if (location != TOK_COOLKEY_DATA_LOCATION_APDU &&
	    location != TOK_COOLKEY_DATA_LOCATION_IOBUF) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "data location 0x%02X is neither APDU (01) nor I/O object (02)",
			    (guint)location);
		return FALSE;
	}
	if (location == TOK_COOLKEY_DATA_LOCATION_APDU &&
	    (data == NULL || g_bytes_get_size(data) == 0)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "no input data in the APDU");
		return FALSE;
	}
	return TRUE;
}

TokApdu *
tok_coolkey_apdu_compute_crypt(TokCoolkeyCla cla,
			       guint8 key_number,
			       TokCoolkeyCryptMode mode,
			       TokCoolkeyCryptDirection direction,
			       TokCoolkeyDataLocation location,
			       GBytes *data,
			       GBytes *signature,
			       GBytes *nonce,
			       GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error) ||
	    !tok_coolkey_check_key_number(key_number, error) ||
	    !tok_coolkey_check_location(location, data, error))
		return NULL;
	if (direction < TOK_COOLKEY_CRYPT_DIR_SIGN || direction > TOK_COOLKEY_CRYPT_DIR_DECRYPT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "cipher direction 0x%02X is not 01-04",
			    (guint)direction);
		return NULL;
	}
	if (signature != NULL && direction != TOK_COOLKEY_CRYPT_DIR_VERIFY) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "a signature is only sent to verify");
		return NULL;
	}
	tok_byte_array_append_u8(body, (guint8)mode);
	tok_byte_array_append_u8(body, (guint8)direction);
	tok_byte_array_append_u8(body, (guint8)location);
	if (!tok_coolkey_append_lv(body, 2, data, "COMPUTE CRYPT input", error))
		return NULL;
	if (signature != NULL && g_bytes_get_size(signature) > 0 &&
	    !tok_coolkey_append_lv(body, 2, signature, "COMPUTE CRYPT signature", error))
		return NULL;
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_COMPUTE_CRYPT,
				 key_number,
				 TOK_COOLKEY_CRYPT_ONE_STEP,
				 g_steal_pointer(&body),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

static TokApdu *
tok_coolkey_ecc_one_step(TokCoolkeyCla cla,
			 guint8 ins,
			 guint8 key_number,
			 TokCoolkeyDataLocation location,
			 GBytes *data,
			 GBytes *nonce,
			 GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error) ||
	    !tok_coolkey_check_key_number(key_number, error) ||
	    !tok_coolkey_check_location(location, data, error))
		return NULL;
	tok_byte_array_append_u8(body, (guint8)location);
	if (!tok_coolkey_append_lv(body, 2, data, "ECC input", error))
		return NULL;
	return tok_coolkey_build(cla,
				 ins,
				 key_number,
				 TOK_COOLKEY_CRYPT_ONE_STEP,
				 g_steal_pointer(&body),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_ecc_sign(TokCoolkeyCla cla,
			  guint8 key_number,
			  TokCoolkeyDataLocation location,
			  GBytes *data,
			  GBytes *nonce,
			  GError **error)
{
	return tok_coolkey_ecc_one_step(cla,
					TOK_COOLKEY_INS_ECC_SIGN,
					key_number,
					location,
					data,
					nonce,
					error);
}

TokApdu *
tok_coolkey_apdu_ecc_key_agreement(TokCoolkeyCla cla,
				   guint8 key_number,
				   TokCoolkeyDataLocation location,
				   GBytes *peer_point,
				   GBytes *nonce,
				   GError **error)
{
	return tok_coolkey_ecc_one_step(cla,
					TOK_COOLKEY_INS_ECC_KEY_AGREEMENT,
					key_number,
					location,
					peer_point,
					nonce,
					error);
}

TokApdu *
tok_coolkey_apdu_import_key(TokCoolkeyCla cla,
			    guint8 key_number,
			    guint8 mate_key_number,
			    guint32 object_id,
			    const TokCoolkeyKeyAcl *key_acl,
			    const TokCoolkeyKeyAcl *mate_acl,
			    GBytes *nonce,
			    GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();

	if (!tok_coolkey_check_cla(cla, error) ||
	    !tok_coolkey_check_key_number(key_number, error) ||
	    !tok_coolkey_check_key_number(mate_key_number, error))
		return NULL;
	tok_byte_array_append_u32_be(body, object_id);
	tok_byte_array_append_u16_be(body, key_acl->read_acl);
	tok_byte_array_append_u16_be(body, key_acl->write_acl);
	tok_byte_array_append_u16_be(body, key_acl->use_acl);
	if (mate_acl != NULL) {
		tok_byte_array_append_u16_be(body, mate_acl->read_acl);
		tok_byte_array_append_u16_be(body, mate_acl->write_acl);
		tok_byte_array_append_u16_be(body, mate_acl->use_acl);
	}
	return tok_coolkey_build(cla,
				 TOK_COOLKEY_INS_IMPORT_KEY,
				 key_number,
				 mate_key_number,
				 g_steal_pointer(&body),
				 nonce,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_import_key_encrypted(const TokCoolkeyKeyPair *pair,
				      guint32 object_id,
				      TokCoolkeyWrapAlg alg,
				      GBytes *wrapped_key,
				      GBytes *kcv,
				      GBytes *iv,
				      GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();
	guint8 p1 = 0, p2 = 0;

	if (!tok_coolkey_key_pair_pack(pair, &p1, &p2, error))
		return NULL;
	if (g_bytes_get_size(wrapped_key) == 0 || g_bytes_get_size(iv) == 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "IMPORT KEY ENCRYPTED needs a wrapped key and an IV");
		return NULL;
	}
	tok_byte_array_append_u32_be(body, object_id);
	tok_byte_array_append_u8(body, (guint8)alg);
	if (!tok_coolkey_append_lv(body, 1, wrapped_key, "wrapped key", error) ||
	    !tok_coolkey_append_lv(body, 1, kcv, "key check value", error) ||
	    !tok_coolkey_append_lv(body, 1, iv, "IV", error))
		return NULL;
	return tok_coolkey_build(TOK_COOLKEY_CLA_SECURE,
				 TOK_COOLKEY_INS_IMPORT_KEY_ENCRYPTED,
				 p1,
				 p2,
				 g_steal_pointer(&body),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

static TokApdu *
tok_coolkey_generate_key(guint8 ins,
			 const TokCoolkeyKeyPair *pair,
			 guint8 alg,
			 guint16 key_size,
			 GBytes *wrapped_challenge,
			 GBytes *kcv,
			 gboolean trailing_le,
			 GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();
	guint8 p1 = 0, p2 = 0;

	if (!tok_coolkey_key_pair_pack(pair, &p1, &p2, error))
		return NULL;
	if (key_size == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "key size 0");
		return NULL;
	}
	if (g_bytes_get_size(wrapped_challenge) == 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "no wrapped challenge");
		return NULL;
	}
	tok_byte_array_append_u8(body, alg);
	tok_byte_array_append_u16_be(body, key_size);
	tok_byte_array_append_u8(body, 0x00); /* option */
	tok_byte_array_append_u8(body, 0x00); /* type */
	if (!tok_coolkey_append_lv(body, 1, wrapped_challenge, "wrapped challenge", error) ||
	    !tok_coolkey_append_lv(body, 1, kcv, "key check value", error))
		return NULL;
	return tok_coolkey_build(TOK_COOLKEY_CLA_SECURE,
				 ins,
				 p1,
				 p2,
				 g_steal_pointer(&body),
				 NULL,
				 trailing_le ? TOK_APDU_SHORT_MAX_LE : TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_generate_key_rsa(const TokCoolkeyKeyPair *pair,
				  guint16 key_size,
				  GBytes *wrapped_challenge,
				  gboolean trailing_le,
				  GError **error)
{
	if (g_bytes_get_size(wrapped_challenge) != TOK_COOLKEY_CHALLENGE_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "wrapped challenge has %" G_GSIZE_FORMAT " bytes, expected %u",
			    g_bytes_get_size(wrapped_challenge),
			    (guint)TOK_COOLKEY_CHALLENGE_SIZE);
		return NULL;
	}
	if (key_size % 8 != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "RSA key size %u is not a whole number of bytes",
			    key_size);
		return NULL;
	}
	return tok_coolkey_generate_key(TOK_COOLKEY_INS_GENERATE_KEY,
					pair,
					TOK_COOLKEY_KEYGEN_ALG_RSA,
					key_size,
					wrapped_challenge,
					NULL,
					trailing_le,
					error);
}

TokApdu *
tok_coolkey_apdu_generate_key_ecc(const TokCoolkeyKeyPair *pair,
				  guint8 alg,
				  guint16 key_size,
				  GBytes *wrapped_challenge,
				  GBytes *kcv,
				  gboolean trailing_le,
				  GError **error)
{
	return tok_coolkey_generate_key(TOK_COOLKEY_INS_GENERATE_KEY_ECC,
					pair,
					alg,
					key_size,
					wrapped_challenge,
					kcv,
					trailing_le,
					error);
}

TokApdu *
tok_coolkey_apdu_read_iobuf(guint len, guint16 offset, GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();

	if (len == 0 || len > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    len == 0 ? TOK_ERROR_INVALID_DATA : TOK_ERROR_TOO_LARGE,
			    "READ IOBUF of %u bytes: must be 1-255",
			    len);
		return NULL;
	}
	tok_byte_array_append_u16_be(body, offset);
	return tok_coolkey_build(TOK_COOLKEY_CLA_SECURE,
				 TOK_COOLKEY_INS_READ_IOBUF,
				 (guint8)len,
				 0x00,
				 g_steal_pointer(&body),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_clear_key_slots(const guint8 *key_numbers, gsize n_key_numbers, GError **error)
{
	g_autoptr(TokWipedByteArray) body = tok_coolkey_body_new();
	TokReader reader;

	if (key_numbers == NULL || n_key_numbers == 0 || n_key_numbers % 2 != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CLEAR KEY SLOTS needs (private, public) pairs, got %" G_GSIZE_FORMAT
			    " key numbers",
			    key_numbers != NULL ? n_key_numbers : 0);
		return NULL;
	}
	tok_reader_init(&reader, key_numbers, n_key_numbers);
	while (tok_reader_remaining(&reader) > 0) {
		guint8 key = 0;
		if (!tok_reader_read_u8(&reader, &key, error))
			return NULL;
		if (!tok_coolkey_check_key_number(key, error))
			return NULL;
		tok_byte_array_append_u8(body, key);
	}
	return tok_coolkey_build(TOK_COOLKEY_CLA_SECURE,
				 TOK_COOLKEY_INS_CLEAR_KEY_SLOTS,
				 0x00,
				 0x00,
				 g_steal_pointer(&body),
				 NULL,
				 TOK_APDU_NO_LE,
				 error);
}

TokApdu *
tok_coolkey_apdu_set_builtin_acl(const TokCoolkeyBuiltinAcl *acl)
{
	g_autoptr(GByteArray) body = g_byte_array_new();

	tok_byte_array_append_u16_be(body, acl->create_object_acl);
	tok_byte_array_append_u16_be(body, acl->create_key_acl);
	tok_byte_array_append_u16_be(body, acl->create_pin_acl);
	tok_byte_array_append_u8(body, acl->enable_acl_change);
	return tok_apdu_new_from_data(TOK_COOLKEY_CLA_SECURE,
				      TOK_COOLKEY_INS_SET_BUILTIN_ACL,
				      0x00,
				      0x00,
				      body->data,
				      body->len,
				      TOK_APDU_NO_LE);
}
