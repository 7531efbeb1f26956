/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The card's persistent state and its file: a GKeyFile (mode 0600, written atomically) with
 * the groups [card], [package], [applet], [pin N], [key N] and [object XXXXXXXX]. It holds
 * the card's keys, PINs and private keys in the clear, like the EEPROM of a real card.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "vcard-private.h"

#define VCARD_STATE_FORMAT   1
#define VCARD_STATE_MAX_SIZE (4 * 1024 * 1024)

/* ---- model ------------------------------------------------------------------------ */

void
vcard_pin_clear(VcardPin *pin)
{
	g_clear_pointer(&pin->value, tok_secret_unref);
	pin->defined = FALSE;
	pin->max_tries = 0;
	pin->tries_left = 0;
}

void
vcard_key_clear(VcardKey *key)
{
	g_clear_pointer(&key->pkey, EVP_PKEY_free);
	key->type = 0;
	key->size = 0;
	key->partner = VCARD_NO_PARTNER;
	key->acl = (TokCoolkeyKeyAcl){0, 0, 0};
}

VcardObject *
vcard_object_new(guint32 id, const TokCoolkeyObjectAcl *acl, gsize size)
{
	VcardObject *object = g_new0(VcardObject, 1);

	object->id = id;
	object->acl = *acl;
	object->data = g_byte_array_sized_new((guint)size);
	g_byte_array_set_size(object->data, (guint)size);
	for (gsize i = 0; i < size; i++)
		object->data->data[i] = 0;
	return object;
}

void
vcard_object_free(VcardObject *object)
{
	if (object == NULL)
		return;
	tok_byte_array_wipe_free(object->data);
	g_free(object);
}

VcardApplet *
vcard_applet_new(const TokGpAid *aid, guint8 major, guint8 minor, guint32 build_id, guint32 memory_size)
{
	VcardApplet *applet = g_new0(VcardApplet, 1);

	applet->aid = *aid;
	applet->major = major;
	applet->minor = minor;
	applet->build_id = build_id;
	applet->memory_size = memory_size;
	applet->lifecycle = TOK_COOLKEY_LIFECYCLE_SELECTABLE;
	applet->builtin_acl.create_object_acl = TOK_COOLKEY_ACL_RA;
	applet->builtin_acl.create_key_acl = TOK_COOLKEY_ACL_RA;
	applet->builtin_acl.create_pin_acl = TOK_COOLKEY_ACL_RA;
	applet->builtin_acl.enable_acl_change = 0;
	for (guint i = 0; i < VCARD_MAX_KEYS; i++)
		applet->keys[i].partner = VCARD_NO_PARTNER;
	applet->objects = g_ptr_array_new_with_free_func((GDestroyNotify)vcard_object_free);
	return applet;
}

void
vcard_applet_free(VcardApplet *applet)
{
	if (applet == NULL)
		return;
	for (guint i = 0; i < VCARD_MAX_PINS; i++)
		vcard_pin_clear(&applet->pins[i]);
	for (guint i = 0; i < VCARD_MAX_KEYS; i++)
		vcard_key_clear(&applet->keys[i]);
	g_ptr_array_unref(applet->objects);
	OPENSSL_cleanse(applet->issuer_info, sizeof(applet->issuer_info));
	g_free(applet);
}

guint32
vcard_applet_used_memory(const VcardApplet *applet)
{
	guint32 used = 0;

	for (guint i = 0; i < applet->objects->len; i++) {
		const VcardObject *object = g_ptr_array_index(applet->objects, i);
		used += object->data->len;
	}
	return used;
}

VcardObject *
vcard_applet_lookup_object(const VcardApplet *applet, guint32 id, guint *index)
{
	for (guint i = 0; i < applet->objects->len; i++) {
		VcardObject *object = g_ptr_array_index(applet->objects, i);
		if (object->id == id) {
			if (index != NULL)
				*index = i;
			return object;
		}
	}
	return NULL;
}

VcardState *
vcard_state_new(void)
{
	return g_new0(VcardState, 1);
}

void
vcard_state_free(VcardState *state)
{
	if (state == NULL)
		return;
	g_clear_pointer(&state->keys, tok_gp_key_set_unref);
	g_clear_pointer(&state->package_image, g_bytes_unref);
	g_clear_pointer(&state->applet, vcard_applet_free);
	g_free(state);
}

/* ---- writing ----------------------------------------------------------------------- */

static void
vcard_state_set_hex(GKeyFile *kf, const gchar *group, const gchar *key, const guint8 *data, gsize len)
{
	gchar *hex = tok_hex_encode(data, len, TRUE);

	g_key_file_set_string(kf, group, key, hex);
	OPENSSL_cleanse(hex, strlen(hex));
	g_free(hex);
}

static void
vcard_state_set_secret(GKeyFile *kf, const gchar *group, const gchar *key, const TokSecret *secret)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(secret, &len);

	vcard_state_set_hex(kf, group, key, data, len);
}

static void
vcard_state_set_base64(GKeyFile *kf, const gchar *group, const gchar *key, const guint8 *data, gsize len)
{
	gchar *text = g_base64_encode(data, len);

	g_key_file_set_string(kf, group, key, text);
	OPENSSL_cleanse(text, strlen(text));
	g_free(text);
}

static gboolean
vcard_state_write_key(GKeyFile *kf, guint slot, const VcardKey *key, GError **error)
{
	g_autofree gchar *group = g_strdup_printf("key %u", slot);
	gboolean private_key = key->type != TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC && key->type != VCARD_KEY_TYPE_EC_PUBLIC;
	unsigned char *der = NULL;
	int der_len;
	guint8 acl[6];

	der_len = private_key ? i2d_PrivateKey(key->pkey, &der) : i2d_PUBKEY(key->pkey, &der);
	if (der_len <= 0) {
		tok_error_set_openssl(error, "encoding a key for the state file");
		return FALSE;
	}
	acl[0] = (guint8)(key->acl.read_acl >> 8);
	acl[1] = (guint8)key->acl.read_acl;
	acl[2] = (guint8)(key->acl.write_acl >> 8);
	acl[3] = (guint8)key->acl.write_acl;
	acl[4] = (guint8)(key->acl.use_acl >> 8);
	acl[5] = (guint8)key->acl.use_acl;
	g_key_file_set_integer(kf, group, "type", key->type);
	g_key_file_set_integer(kf, group, "size", key->size);
	g_key_file_set_integer(kf, group, "partner", key->partner);
	vcard_state_set_hex(kf, group, "acl", acl, sizeof(acl));
	vcard_state_set_base64(kf, group, "der", der, (gsize)der_len);
	OPENSSL_clear_free(der, (size_t)der_len);
	return TRUE;
}

static gboolean
vcard_state_write_applet(GKeyFile *kf, const VcardApplet *applet, GError **error)
{
	g_autofree gchar *build = g_strdup_printf("%08x", applet->build_id);
	guint8 acl[TOK_COOLKEY_BUILTIN_ACL_SIZE] = {
	    (guint8)(applet->builtin_acl.create_object_acl >> 8), (guint8)applet->builtin_acl.create_object_acl,
	    (guint8)(applet->builtin_acl.create_key_acl >> 8),	  (guint8)applet->builtin_acl.create_key_acl,
	    (guint8)(applet->builtin_acl.create_pin_acl >> 8),	  (guint8)applet->builtin_acl.create_pin_acl,
	    applet->builtin_acl.enable_acl_change,
	};

	vcard_state_set_hex(kf, "applet", "aid", applet->aid.bytes, applet->aid.len);
	g_key_file_set_integer(kf, "applet", "major", applet->major);
	g_key_file_set_integer(kf, "applet", "minor", applet->minor);
	g_key_file_set_string(kf, "applet", "build-id", build);
	g_key_file_set_integer(kf, "applet", "memory-size", (gint)applet->memory_size);
	g_key_file_set_integer(kf, "applet", "lifecycle", applet->lifecycle);
	g_key_file_set_integer(kf, "applet", "pin-enabled", applet->pin_enabled);
	g_key_file_set_integer(kf, "applet", "writable", applet->writable);
	vcard_state_set_hex(kf, "applet", "issuer-info", applet->issuer_info, sizeof(applet->issuer_info));
	vcard_state_set_hex(kf, "applet", "builtin-acl", acl, sizeof(acl));
	for (guint i = 0; i < VCARD_MAX_PINS; i++) {
		const VcardPin *pin = &applet->pins[i];
		g_autofree gchar *group = NULL;

		if (!pin->defined)
			continue;
		group = g_strdup_printf("pin %u", i);
		vcard_state_set_secret(kf, group, "value", pin->value);
		g_key_file_set_integer(kf, group, "max-tries", pin->max_tries);
		g_key_file_set_integer(kf, group, "tries-left", pin->tries_left);
	}
	for (guint i = 0; i < VCARD_MAX_KEYS; i++) {
		if (applet->keys[i].type != 0 && !vcard_state_write_key(kf, i, &applet->keys[i], error))
			return FALSE;
	}
	for (guint i = 0; i < applet->objects->len; i++) {
		const VcardObject *object = g_ptr_array_index(applet->objects, i);
		g_autofree gchar *group = g_strdup_printf("object %08X", object->id);
		guint8 oacl[6] = {
		    (guint8)(object->acl.read_acl >> 8),   (guint8)object->acl.read_acl,
		    (guint8)(object->acl.write_acl >> 8),  (guint8)object->acl.write_acl,
		    (guint8)(object->acl.delete_acl >> 8), (guint8)object->acl.delete_acl,
		};

		vcard_state_set_hex(kf, group, "acl", oacl, sizeof(oacl));
		g_key_file_set_integer(kf, group, "size", (gint)object->data->len);
		vcard_state_set_base64(kf, group, "data", object->data->data, object->data->len);
	}
	return TRUE;
}

gchar *
vcard_state_to_data(const VcardState *state, gsize *len, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	TokGpKeyType type = tok_gp_key_set_get_key_type(state->keys);

	g_key_file_set_integer(kf, "card", "format", VCARD_STATE_FORMAT);
	vcard_state_set_hex(kf, "card", "cuid", state->cuid, sizeof(state->cuid));
	vcard_state_set_hex(kf, "card", "msn", state->msn, sizeof(state->msn));
	g_key_file_set_integer(kf, "card", "scp", (gint)state->scp);
	g_key_file_set_string(kf, "card", "key-type", type == TOK_GP_KEY_TYPE_AES ? "aes" : "des3");
	g_key_file_set_integer(kf, "card", "key-version", state->key_version);
	vcard_state_set_secret(kf, "card", "key-enc", tok_gp_key_set_get_key(state->keys, TOK_GP_KEY_ENC));
	vcard_state_set_secret(kf, "card", "key-mac", tok_gp_key_set_get_key(state->keys, TOK_GP_KEY_MAC));
	vcard_state_set_secret(kf, "card", "key-dek", tok_gp_key_set_get_key(state->keys, TOK_GP_KEY_DEK));
	g_key_file_set_int64(kf, "card", "sequence-counter", state->sequence_counter);
	if (state->has_package) {
		gsize image_len = 0;
		const guint8 *image = g_bytes_get_data(state->package_image, &image_len);

		vcard_state_set_hex(kf, "package", "aid", state->package_aid.bytes, state->package_aid.len);
		vcard_state_set_base64(kf, "package", "image", image, image_len);
	}
	if (state->applet != NULL && !vcard_state_write_applet(kf, state->applet, error))
		return NULL;
	return g_key_file_to_data(kf, len, error);
}

gboolean
vcard_state_save(const VcardState *state, const gchar *path, GError **error)
{
	gsize len = 0;
	gchar *data = vcard_state_to_data(state, &len, error);
	gboolean ok;

	if (data == NULL)
		return FALSE;
	ok = g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
	OPENSSL_cleanse(data, len);
	g_free(data);
	if (!ok)
		g_prefix_error(error, "cannot write the card state: ");
	return ok;
}

/* ---- reading ----------------------------------------------------------------------- */

static gboolean
vcard_state_get_int(GKeyFile *kf, const gchar *group, const gchar *key, gint64 min, gint64 max, gint64 *value, GError **error)
{
	g_autofree gchar *text = g_key_file_get_value(kf, group, key, error);

	if (text == NULL) {
		g_clear_error(error);
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] has no %s", group, key);
		return FALSE;
	}
	if (!g_ascii_string_to_signed(text, 10, min, max, value, NULL)) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s is not a number in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, group, key, min, max);
		return FALSE;
	}
	return TRUE;
}

/* Decodes hex text of exactly @want bytes (any length if @want is 0) into a new secret. */
static TokSecret *
vcard_state_get_secret(GKeyFile *kf, const gchar *group, const gchar *key, gsize want, GError **error)
{
	g_autofree gchar *text = g_key_file_get_value(kf, group, key, NULL);
	g_autoptr(TokSecret) secret = NULL;
	gsize n;
	guint8 *out;

	if (text == NULL || strlen(text) % 2 != 0 || (want != 0 && strlen(text) != 2 * want)) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s is missing or not %" G_GSIZE_FORMAT " bytes of hex", group, key, want);
		if (text != NULL)
			OPENSSL_cleanse(text, strlen(text));
		return NULL;
	}
	n = strlen(text) / 2;
	secret = tok_secret_new(n);
	out = tok_secret_get_mutable_data(secret);
	for (gsize i = 0; i < n; i++) {
		gint hi = g_ascii_xdigit_value(text[2 * i]);
		gint lo = g_ascii_xdigit_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(text, strlen(text));
			g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s is not hex", group, key);
			return NULL;
		}
		out[i] = (guint8)((hi << 4) | lo);
	}
	OPENSSL_cleanse(text, strlen(text));
	return g_steal_pointer(&secret);
}

static gboolean
vcard_state_get_hex(GKeyFile *kf, const gchar *group, const gchar *key, guint8 *out, gsize min, gsize max, gsize *len, GError **error)
{
	g_autoptr(TokSecret) secret = vcard_state_get_secret(kf, group, key, 0, error);
	gsize n = 0;
	const guint8 *data;

	if (secret == NULL)
		return FALSE;
	data = tok_secret_get_data(secret, &n);
	if (n < min || n > max) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s has %" G_GSIZE_FORMAT " bytes", group, key, n);
		return FALSE;
	}
	for (gsize i = 0; i < n; i++)
		out[i] = data[i];
	if (len != NULL)
		*len = n;
	return TRUE;
}

static GBytes *
vcard_state_get_base64(GKeyFile *kf, const gchar *group, const gchar *key, gsize max, GError **error)
{
	g_autofree gchar *text = g_key_file_get_value(kf, group, key, NULL);
	GBytes *bytes;
	guchar *data;
	gsize len = 0;
	gsize text_len;

	if (text == NULL || strlen(text) > (max / 3 + 1) * 4) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s is missing or too long", group, key);
		return NULL;
	}
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=') {
			g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s is not base64", group, key);
			return NULL;
		}
	}
	text_len = strlen(text);
	data = g_base64_decode_inplace(text, &len);
	if (len > max) {
		OPENSSL_cleanse(text, text_len);
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] %s is too long", group, key);
		return NULL;
	}
	bytes = tok_bytes_new_wiped(data, len);
	OPENSSL_cleanse(text, text_len);
	return bytes;
}

static gboolean
vcard_state_get_acl6(GKeyFile *kf, const gchar *group, guint16 acl[3], GError **error)
{
	guint8 raw[6];

	if (!vcard_state_get_hex(kf, group, "acl", raw, 6, 6, NULL, error))
		return FALSE;
	for (guint i = 0; i < 3; i++)
		acl[i] = (guint16)((raw[2 * i] << 8) | raw[2 * i + 1]);
	return TRUE;
}

static gboolean
vcard_state_read_key(GKeyFile *kf, const gchar *group, VcardApplet *applet, GError **error)
{
	guint64 slot = 0;
	gint64 type = 0, size = 0, partner = 0;
	guint16 acl[3];
	g_autoptr(GBytes) der = NULL;
	const unsigned char *p;
	gsize der_len = 0;
	g_autoptr(EVP_PKEY) pkey = NULL;
	gboolean rsa;
	VcardKey *key;

	if (!g_ascii_string_to_unsigned(group + 4, 10, 0, VCARD_MAX_KEYS - 1, &slot, NULL)) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: not a key slot 0-23", group);
		return FALSE;
	}
	key = &applet->keys[slot];
	if (!vcard_state_get_int(kf, group, "type", 1, 0x0B, &type, error) ||
	    !vcard_state_get_int(kf, group, "size", 256, 4096, &size, error) ||
	    !vcard_state_get_int(kf, group, "partner", 0, VCARD_NO_PARTNER, &partner, error) ||
	    !vcard_state_get_acl6(kf, group, acl, error))
		return FALSE;
	der = vcard_state_get_base64(kf, group, "der", 8192, error);
	if (der == NULL)
		return FALSE;
	if (partner != VCARD_NO_PARTNER && partner >= VCARD_MAX_KEYS) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: partner %" G_GINT64_FORMAT " is not a key slot", group, partner);
		return FALSE;
	}
	p = g_bytes_get_data(der, &der_len);
	rsa = type == TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC || type == TOK_COOLKEY_KEY_TYPE_RSA_PRIVATE_CRT;
	if (!rsa && type != VCARD_KEY_TYPE_EC_PUBLIC && type != VCARD_KEY_TYPE_EC_PRIVATE) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: key type %" G_GINT64_FORMAT " is not supported", group, type);
		return FALSE;
	}
	if (type == TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC || type == VCARD_KEY_TYPE_EC_PUBLIC)
		pkey = d2i_PUBKEY(NULL, &p, (long)der_len);
	else
		pkey = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
	if (pkey == NULL || EVP_PKEY_get_bits(pkey) != size ||
	    !EVP_PKEY_is_a(pkey, rsa ? "RSA" : "EC")) {
		tok_error_set_openssl(error, "state file key");
		g_prefix_error(error, "[%s]: ", group);
		return FALSE;
	}
	vcard_key_clear(key);
	key->type = (guint8)type;
	key->size = (guint16)size;
	key->partner = (guint8)partner;
	key->acl = (TokCoolkeyKeyAcl){acl[0], acl[1], acl[2]};
	key->pkey = g_steal_pointer(&pkey);
	return TRUE;
}

static gboolean
vcard_state_read_object(GKeyFile *kf, const gchar *group, VcardApplet *applet, GError **error)
{
	guint64 id = 0;
	gint64 size = 0;
	guint16 acl[3];
	g_autoptr(GBytes) data = NULL;
	TokCoolkeyObjectAcl oacl;
	VcardObject *object;

	if (strlen(group) != 15 || !g_ascii_string_to_unsigned(group + 7, 16, 0, G_MAXUINT32, &id, NULL)) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: not an object ID", group);
		return FALSE;
	}
	if (vcard_applet_lookup_object(applet, (guint32)id, NULL) != NULL || applet->objects->len >= VCARD_MAX_OBJECTS) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: duplicate object or too many objects", group);
		return FALSE;
	}
	if (!vcard_state_get_acl6(kf, group, acl, error) ||
	    !vcard_state_get_int(kf, group, "size", 1, TOK_COOLKEY_MAX_OBJECT_SIZE, &size, error))
		return FALSE;
	data = vcard_state_get_base64(kf, group, "data", TOK_COOLKEY_MAX_OBJECT_SIZE, error);
	if (data == NULL)
		return FALSE;
	if (g_bytes_get_size(data) != (gsize)size) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: data is not %" G_GINT64_FORMAT " bytes", group, size);
		return FALSE;
	}
	oacl = (TokCoolkeyObjectAcl){acl[0], acl[1], acl[2]};
	object = vcard_object_new((guint32)id, &oacl, (gsize)size);
	vcard_buffer_write(object->data, 0, g_bytes_get_data(data, NULL), (gsize)size);
	g_ptr_array_add(applet->objects, object);
	return TRUE;
}

static gboolean
vcard_state_read_pin(GKeyFile *kf, const gchar *group, VcardApplet *applet, GError **error)
{
	guint64 n = 0;
	gint64 max_tries = 0, tries_left = 0;
	g_autoptr(TokSecret) value = NULL;
	gsize len;
	VcardPin *pin;

	if (!g_ascii_string_to_unsigned(group + 4, 10, 0, VCARD_MAX_PINS - 1, &n, NULL)) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: not a PIN number 0-7", group);
		return FALSE;
	}
	if (!vcard_state_get_int(kf, group, "max-tries", 1, 255, &max_tries, error) ||
	    !vcard_state_get_int(kf, group, "tries-left", 0, max_tries, &tries_left, error))
		return FALSE;
	value = vcard_state_get_secret(kf, group, "value", 0, error);
	if (value == NULL)
		return FALSE;
	len = tok_secret_get_size(value);
	if (len < VCARD_PIN_MIN_SIZE || len > VCARD_PIN_MAX_SIZE) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s]: PIN of %" G_GSIZE_FORMAT " bytes", group, len);
		return FALSE;
	}
	pin = &applet->pins[n];
	vcard_pin_clear(pin);
	pin->defined = TRUE;
	pin->value = g_steal_pointer(&value);
	pin->max_tries = (guint8)max_tries;
	pin->tries_left = (guint8)tries_left;
	return TRUE;
}

static VcardApplet *
vcard_state_read_applet(GKeyFile *kf, GError **error)
{
	g_autoptr(VcardApplet) applet = NULL;
	g_autofree gchar *build = g_key_file_get_value(kf, "applet", "build-id", NULL);
	gint64 major = 0, minor = 0, memory = 0, lifecycle = 0, pin_enabled = 0, writable = 0;
	guint64 build_id = 0;
	guint8 aid[16], acl[TOK_COOLKEY_BUILTIN_ACL_SIZE];
	gsize aid_len = 0;
	TokGpAid gp_aid;

	if (!vcard_state_get_hex(kf, "applet", "aid", aid, 5, 16, &aid_len, error) ||
	    !vcard_state_get_int(kf, "applet", "major", 0, 255, &major, error) ||
	    !vcard_state_get_int(kf, "applet", "minor", 0, 255, &minor, error) ||
	    !vcard_state_get_int(kf, "applet", "memory-size", 0, VCARD_MAX_APPLET_MEMORY, &memory, error) ||
	    !vcard_state_get_int(kf, "applet", "lifecycle", 0, 255, &lifecycle, error) ||
	    !vcard_state_get_int(kf, "applet", "pin-enabled", 0, 1, &pin_enabled, error) ||
	    !vcard_state_get_int(kf, "applet", "writable", 0, 2, &writable, error))
		return NULL;
	if (build == NULL || strlen(build) != 8 || !g_ascii_string_to_unsigned(build, 16, 0, G_MAXUINT32, &build_id, NULL)) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[applet] build-id is not 8 hex digits");
		return NULL;
	}
	vcard_aid_set(&gp_aid, aid, aid_len);
	applet = vcard_applet_new(&gp_aid, (guint8)major, (guint8)minor, (guint32)build_id, (guint32)memory);
	applet->lifecycle = (guint8)lifecycle;
	applet->pin_enabled = (guint8)pin_enabled;
	applet->writable = (guint8)writable;
	if (!vcard_state_get_hex(kf, "applet", "issuer-info", applet->issuer_info, sizeof(applet->issuer_info), sizeof(applet->issuer_info), NULL, error) ||
	    !vcard_state_get_hex(kf, "applet", "builtin-acl", acl, sizeof(acl), sizeof(acl), NULL, error))
		return NULL;
	applet->builtin_acl.create_object_acl = (guint16)((acl[0] << 8) | acl[1]);
	applet->builtin_acl.create_key_acl = (guint16)((acl[2] << 8) | acl[3]);
	applet->builtin_acl.create_pin_acl = (guint16)((acl[4] << 8) | acl[5]);
	applet->builtin_acl.enable_acl_change = acl[6];
	return g_steal_pointer(&applet);
}

static gboolean
vcard_state_read_card(GKeyFile *kf, VcardState *state, GError **error)
{
	gint64 format = 0, scp = 0, version = 0, counter = 0;
	g_autofree gchar *type = g_key_file_get_value(kf, "card", "key-type", NULL);
	g_autoptr(TokSecret) enc = NULL, mac = NULL, dek = NULL;
	TokGpKeyType key_type;

	if (!vcard_state_get_int(kf, "card", "format", 1, 100, &format, error))
		return FALSE;
	if (format != VCARD_STATE_FORMAT) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED, "state file format %" G_GINT64_FORMAT " is not supported", format);
		return FALSE;
	}
	if (!vcard_state_get_hex(kf, "card", "cuid", state->cuid, 10, 10, NULL, error) ||
	    !vcard_state_get_hex(kf, "card", "msn", state->msn, 4, 4, NULL, error) ||
	    !vcard_state_get_int(kf, "card", "scp", 1, 3, &scp, error) ||
	    !vcard_state_get_int(kf, "card", "key-version", 1, 255, &version, error) ||
	    !vcard_state_get_int(kf, "card", "sequence-counter", 0, 0xFFFFFF, &counter, error))
		return FALSE;
	if (g_strcmp0(type, "des3") != 0 && g_strcmp0(type, "aes") != 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[card] key-type is not des3 or aes");
		return FALSE;
	}
	key_type = g_strcmp0(type, "aes") == 0 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
	if ((key_type == TOK_GP_KEY_TYPE_AES) != (scp == TOK_GP_SCP03)) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[card] key-type does not fit the protocol");
		return FALSE;
	}
	enc = vcard_state_get_secret(kf, "card", "key-enc", 0, error);
	mac = enc != NULL ? vcard_state_get_secret(kf, "card", "key-mac", 0, error) : NULL;
	dek = mac != NULL ? vcard_state_get_secret(kf, "card", "key-dek", 0, error) : NULL;
	if (dek == NULL)
		return FALSE;
	state->keys = tok_gp_key_set_new(key_type, enc, mac, dek, error);
	if (state->keys == NULL) {
		g_prefix_error(error, "[card] keys: ");
		return FALSE;
	}
	state->scp = (TokGpScp)scp;
	state->key_version = (guint8)version;
	state->sequence_counter = (guint32)counter;
	return TRUE;
}

VcardState *
vcard_state_load_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(VcardState) state = vcard_state_new();
	g_auto(GStrv) groups = NULL;

	if (len > VCARD_STATE_MAX_SIZE) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "state file of %" G_GSIZE_FORMAT " bytes", len);
		return NULL;
	}
	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, error)) {
		g_prefix_error(error, "state file: ");
		return NULL;
	}
	if (!vcard_state_read_card(kf, state, error))
		return NULL;
	groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		gboolean ok = TRUE;

		if (g_strcmp0(group, "card") == 0) {
			continue;
		} else if (g_strcmp0(group, "package") == 0) {
			guint8 aid[16];
			gsize aid_len = 0;

			ok = vcard_state_get_hex(kf, group, "aid", aid, 5, 16, &aid_len, error);
			if (ok) {
				vcard_aid_set(&state->package_aid, aid, aid_len);
				g_clear_pointer(&state->package_image, g_bytes_unref);
				state->package_image = vcard_state_get_base64(kf, group, "image", 65536, error);
				state->has_package = state->package_image != NULL;
				ok = state->has_package;
			}
		} else if (g_strcmp0(group, "applet") == 0) {
			g_clear_pointer(&state->applet, vcard_applet_free);
			state->applet = vcard_state_read_applet(kf, error);
			ok = state->applet != NULL;
		} else if (g_str_has_prefix(group, "pin ") || g_str_has_prefix(group, "key ") ||
			   g_str_has_prefix(group, "object ")) {
			if (state->applet == NULL) {
				g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "[%s] before [applet]", group);
				return NULL;
			}
			if (group[0] == 'p')
				ok = vcard_state_read_pin(kf, group, state->applet, error);
			else if (group[0] == 'k')
				ok = vcard_state_read_key(kf, group, state->applet, error);
			else
				ok = vcard_state_read_object(kf, group, state->applet, error);
		} else {
			g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "unknown group [%s]", group);
			return NULL;
		}
		if (!ok) {
			g_prefix_error(error, "state file: ");
			return NULL;
		}
	}
	if (state->applet != NULL) {
		if (vcard_applet_used_memory(state->applet) > state->applet->memory_size) {
			g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "state file: objects exceed the applet memory");
			return NULL;
		}
		for (guint i = 0; i < VCARD_MAX_PINS; i++) {
			if (state->applet->pins[i].defined)
				state->applet->pin_enabled = 1;
		}
	}
	return g_steal_pointer(&state);
}

VcardState *
vcard_state_load(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	VcardState *state;

	if (!g_file_get_contents(path, &data, &len, error))
		return NULL;
	state = vcard_state_load_from_data(data, len, error);
	OPENSSL_cleanse(data, len);
	if (state == NULL)
		g_prefix_error(error, "%s: ", path);
	return state;
}
