/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CoolKey applet (protocol.md 4): command routing by CLA (B0 clear with nonce
 * authentication where the applet requires it, commands unwrapped from the secure channel
 * as the RA identity, 00 answered 9000), PINs with retry counters, objects with ACLs,
 * listings, status, life cycle, issuer information and the built-in ACLs. The key commands
 * are in vcard-applet-keys.c.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "vcard-private.h"

#define VCARD_ACL_RA	  TOK_COOLKEY_ACL_FOR(TOK_COOLKEY_IDENTITY_RA)
#define VCARD_ACL_DEFAULT TOK_COOLKEY_ACL_FOR(TOK_COOLKEY_IDENTITY_DEFAULT)

static VcardApplet *
vcard_applet(VcardCard *self)
{
	return self->state->applet;
}

static gboolean
vcard_applet_is_iobuf(guint32 id)
{
	return id == TOK_COOLKEY_OBJECT_ID_IOBUF || id == TOK_COOLKEY_OBJECT_ID_IOBUF_ALT;
}

/* ---- identities ---------------------------------------------------------------------- */

static void
vcard_applet_logout_one(VcardCard *self, guint8 id)
{
	if (self->login_count[id] > 0)
		self->login_count[id]--;
	if (self->login_count[id] != 0)
		return;
	self->nonce_ids &= (guint16) ~(1u << id);
	if (self->nonce_ids == 0)
		OPENSSL_cleanse(self->nonce, sizeof(self->nonce));
}

static void
vcard_applet_logout_identity(VcardCard *self, guint8 id)
{
	self->login_count[id] = 0;
	vcard_applet_logout_one(self, id);
}

static gboolean
vcard_applet_login(VcardCard *self, guint8 id)
{
	gboolean zero = TRUE;

	for (guint i = 0; i < sizeof(self->nonce); i++)
		zero = zero && self->nonce[i] == 0;
	while (zero) {
		if (RAND_bytes(self->nonce, sizeof(self->nonce)) != 1)
			return FALSE;
		for (guint i = 0; i < sizeof(self->nonce); i++)
			zero = zero && self->nonce[i] == 0;
	}
	self->nonce_ids |= (guint16)(1u << id);
	if (self->login_count[id] < G_MAXUINT16)
		self->login_count[id]++;
	return TRUE;
}

/* The last 8 bytes of the data are the nonce: zeros for the default identity, else the one
 * VERIFY PIN returned; they are stripped from @cmd. */
static guint16
vcard_applet_check_nonce(VcardCard *self, VcardCommand *cmd)
{
	const guint8 *nonce;
	gboolean zero = TRUE;

	if (cmd->len < TOK_COOLKEY_NONCE_SIZE)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	nonce = cmd->data + cmd->len - TOK_COOLKEY_NONCE_SIZE;
	for (guint i = 0; i < TOK_COOLKEY_NONCE_SIZE; i++)
		zero = zero && nonce[i] == 0;
	if (zero)
		self->authenticated = VCARD_ACL_DEFAULT;
	else if (self->nonce_ids != 0 && CRYPTO_memcmp(nonce, self->nonce, TOK_COOLKEY_NONCE_SIZE) == 0)
		self->authenticated = self->nonce_ids;
	else
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	cmd->len -= TOK_COOLKEY_NONCE_SIZE;
	return TOK_SW_OK;
}

/* ---- PINs ---------------------------------------------------------------------------- */

static gboolean
vcard_applet_pin_size_ok(gsize len)
{
	return len >= VCARD_PIN_MIN_SIZE && len <= VCARD_PIN_MAX_SIZE;
}

static VcardPin *
vcard_applet_pin(VcardCard *self, guint8 n)
{
	if (n >= VCARD_MAX_PINS || !vcard_applet(self)->pins[n].defined)
		return NULL;
	return &vcard_applet(self)->pins[n];
}

/* OwnerPIN.check(): a try is used up unless the PIN matches, which restores all tries. */
static guint16
vcard_applet_check_pin(VcardCard *self, guint8 n, VcardPin *pin, const guint8 *value, gsize len)
{
	if (pin->tries_left == 0)
		return TOK_SW_COOLKEY_IDENTITY_BLOCKED;
	if (!vcard_applet_pin_size_ok(len) || !tok_secret_equal_data(pin->value, value, len)) {
		pin->tries_left--;
		self->dirty = TRUE;
		vcard_applet_logout_identity(self, n);
		return TOK_SW_COOLKEY_AUTH_FAILED;
	}
	if (pin->tries_left != pin->max_tries) {
		pin->tries_left = pin->max_tries;
		self->dirty = TRUE;
	}
	return TOK_SW_OK;
}

static void
vcard_applet_set_pin_value(VcardCard *self, VcardPin *pin, const guint8 *value, gsize len)
{
	g_clear_pointer(&pin->value, tok_secret_unref);
	pin->value = tok_secret_new_from_data(value, len);
	pin->tries_left = pin->max_tries;
	self->dirty = TRUE;
}

static guint16
vcard_applet_verify_pin(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardPin *pin = vcard_applet_pin(self, cmd->p1);
	guint16 sw;

	if (pin == NULL)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	sw = vcard_applet_check_pin(self, cmd->p1, pin, cmd->data, cmd->len);
	if (sw != TOK_SW_OK)
		return sw;
	if (!vcard_applet_login(self, cmd->p1))
		return TOK_SW_COOLKEY_INTERNAL_ERROR;
	g_byte_array_append(out, self->nonce, sizeof(self->nonce));
	return TOK_SW_OK;
}

/* oldLen(1) old newLen(1) new [nonce]: one-byte lengths, as the 1.4 applet reads them */
static guint16
vcard_applet_change_pin(VcardCard *self, const VcardCommand *cmd)
{
	VcardPin *pin = vcard_applet_pin(self, cmd->p1);
	TokReader r;
	guint8 old_len = 0, new_len = 0;
	const guint8 *old_pin = NULL, *new_pin = NULL;
	gsize rest;
	guint16 sw;

	if (pin == NULL)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (cmd->len < 4 || !tok_reader_read_u8(&r, &old_len, NULL) || !tok_reader_read_view(&r, old_len, &old_pin, NULL) ||
	    !tok_reader_read_u8(&r, &new_len, NULL) || !tok_reader_read_view(&r, new_len, &new_pin, NULL) ||
	    !vcard_applet_pin_size_ok(old_len) || !vcard_applet_pin_size_ok(new_len))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	rest = tok_reader_remaining(&r);
	if (rest != 0 && rest != TOK_COOLKEY_NONCE_SIZE)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	sw = vcard_applet_check_pin(self, cmd->p1, pin, old_pin, old_len);
	if (sw != TOK_SW_OK)
		return sw;
	vcard_applet_set_pin_value(self, pin, new_pin, new_len);
	vcard_applet_logout_identity(self, cmd->p1);
	return TOK_SW_OK;
}

/* SET PIN (secure channel): reset and unblock without the old PIN */
static guint16
vcard_applet_set_pin(VcardCard *self, const VcardCommand *cmd)
{
	VcardPin *pin = vcard_applet_pin(self, cmd->p1);

	if (pin == NULL)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	if (!vcard_applet_pin_size_ok(cmd->len))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	vcard_applet_set_pin_value(self, pin, cmd->data, cmd->len);
	vcard_applet_logout_identity(self, cmd->p1);
	return TOK_SW_OK;
}

static guint16
vcard_applet_create_pin(VcardCard *self, const VcardCommand *cmd)
{
	VcardApplet *applet = vcard_applet(self);
	VcardPin *pin;

	if ((self->authenticated & applet->builtin_acl.create_pin_acl) == 0)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	if (cmd->p1 >= VCARD_MAX_PINS || applet->pins[cmd->p1].defined)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 == 0 || !vcard_applet_pin_size_ok(cmd->len))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	pin = &applet->pins[cmd->p1];
	pin->defined = TRUE;
	pin->max_tries = cmd->p2;
	vcard_applet_set_pin_value(self, pin, cmd->data, cmd->len);
	applet->pin_enabled = 1;
	return TOK_SW_OK;
}

static guint16
vcard_applet_logout(VcardCard *self, const VcardCommand *cmd)
{
	if (vcard_applet_pin(self, cmd->p1) == NULL)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	vcard_applet_logout_one(self, cmd->p1);
	return TOK_SW_OK;
}

static guint16
vcard_applet_list_pins(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	guint16 mask = 0;

	if (cmd->p1 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	if (cmd->le != TOK_APDU_NO_LE && cmd->le < 2)
		return TOK_SW_WRONG_LENGTH;
	for (guint i = 0; i < VCARD_MAX_PINS; i++) {
		if (vcard_applet(self)->pins[i].defined)
			mask |= (guint16)(1u << i);
	}
	tok_byte_array_append_u16_be(out, mask);
	return TOK_SW_OK;
}

static guint16
vcard_applet_get_pin_tries(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardPin *pin = vcard_applet_pin(self, cmd->p1);

	if (pin == NULL)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	tok_byte_array_append_u8(out, pin->tries_left);
	return TOK_SW_OK;
}

/* ---- objects ------------------------------------------------------------------------- */

static guint16
vcard_applet_create_object(VcardCard *self, const VcardCommand *cmd)
{
	VcardApplet *applet = vcard_applet(self);
	TokReader r;
	guint32 id = 0, size = 0;
	guint16 acl[3] = {0};
	TokCoolkeyObjectAcl oacl;
	guint index = 0;

	if ((self->authenticated & applet->builtin_acl.create_object_acl) == 0)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	if (cmd->len != 14)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (cmd->p1 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u32_be(&r, &id, NULL) || !tok_reader_read_u32_be(&r, &size, NULL) ||
	    !tok_reader_read_u16_be(&r, &acl[0], NULL) || !tok_reader_read_u16_be(&r, &acl[1], NULL) ||
	    !tok_reader_read_u16_be(&r, &acl[2], NULL))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (size > TOK_COOLKEY_MAX_OBJECT_SIZE)
		return TOK_SW_COOLKEY_NO_MEMORY_LEFT;
	if (size == 0)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (vcard_applet_is_iobuf(id)) {
		if (size > VCARD_IOBUF_SIZE)
			return TOK_SW_COOLKEY_NO_MEMORY_LEFT;
		self->iobuf_size = size;
		return TOK_SW_OK;
	}
	if (vcard_applet_lookup_object(applet, id, &index) != NULL) {
		/* the RA re-creates: the old object goes (protocol.md 4.2) */
		if ((self->authenticated & VCARD_ACL_RA) == 0)
			return TOK_SW_COOLKEY_OBJECT_EXISTS;
		g_ptr_array_remove_index(applet->objects, index);
		self->dirty = TRUE;
	}
	if (applet->objects->len >= VCARD_MAX_OBJECTS || vcard_applet_used_memory(applet) + size > applet->memory_size)
		return TOK_SW_COOLKEY_NO_MEMORY_LEFT;
	oacl = (TokCoolkeyObjectAcl){acl[0], acl[1], acl[2]};
	g_ptr_array_add(applet->objects, vcard_object_new(id, &oacl, size));
	self->dirty = TRUE;
	return TOK_SW_OK;
}

static guint16
vcard_applet_delete_object(VcardCard *self, const VcardCommand *cmd)
{
	VcardApplet *applet = vcard_applet(self);
	VcardObject *object;
	guint32 id = 0;
	guint index = 0;

	if (cmd->p1 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0 && cmd->p2 != 1)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	if (cmd->len != 4 || !tok_read_u32_be(cmd->data, cmd->len, 0, &id, NULL))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (vcard_applet_is_iobuf(id)) {
		self->iobuf_size = 0;
		return TOK_SW_OK;
	}
	object = vcard_applet_lookup_object(applet, id, &index);
	if (object == NULL)
		return TOK_SW_COOLKEY_OBJECT_NOT_FOUND;
	if ((object->acl.delete_acl & self->authenticated) == 0)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	/* the contents are always wiped here, whatever P2 asks */
	g_ptr_array_remove_index(applet->objects, index);
	self->dirty = TRUE;
	return TOK_SW_OK;
}

static guint16
vcard_applet_read_object(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardObject *object;
	TokReader r;
	guint32 id = 0, offset = 0;
	guint8 size = 0;
	const guint8 *source;
	gsize available;

	if (cmd->p1 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (cmd->len != 9 || !tok_reader_read_u32_be(&r, &id, NULL) || !tok_reader_read_u32_be(&r, &offset, NULL) ||
	    !tok_reader_read_u8(&r, &size, NULL) || offset > TOK_COOLKEY_MAX_OBJECT_SIZE)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (vcard_applet_is_iobuf(id)) {
		source = self->iobuf->data;
		available = self->iobuf_size;
	} else {
		object = vcard_applet_lookup_object(vcard_applet(self), id, NULL);
		if (object == NULL)
			return TOK_SW_COOLKEY_OBJECT_NOT_FOUND;
		if ((object->acl.read_acl & self->authenticated) == 0)
			return TOK_SW_COOLKEY_UNAUTHORIZED;
		source = object->data->data;
		available = object->data->len;
	}
	if ((gsize)offset + size > available)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	g_byte_array_append(out, source + offset, size);
	return TOK_SW_OK;
}

static guint16
vcard_applet_write_object(VcardCard *self, const VcardCommand *cmd)
{
	VcardObject *object;
	TokReader r;
	guint32 id = 0, offset = 0;
	guint8 size = 0;
	const guint8 *data = NULL;

	if (cmd->p1 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u32_be(&r, &id, NULL) || !tok_reader_read_u32_be(&r, &offset, NULL) ||
	    !tok_reader_read_u8(&r, &size, NULL) || !tok_reader_read_view(&r, size, &data, NULL) ||
	    tok_reader_remaining(&r) != 0 || offset > TOK_COOLKEY_MAX_OBJECT_SIZE)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (vcard_applet_is_iobuf(id)) {
		if (!vcard_buffer_write(self->iobuf, offset, data, size))
			return TOK_SW_COOLKEY_INVALID_PARAMETER;
		self->iobuf_size = (gsize)offset + size;
		return TOK_SW_OK;
	}
	object = vcard_applet_lookup_object(vcard_applet(self), id, NULL);
	if (object == NULL)
		return TOK_SW_COOLKEY_OBJECT_NOT_FOUND;
	if ((object->acl.write_acl & self->authenticated) == 0)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	if (!vcard_buffer_write(object->data, offset, data, size))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	self->dirty = TRUE;
	return TOK_SW_OK;
}

static guint16
vcard_applet_list_objects(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);
	const VcardObject *object;

	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	if (cmd->le != TOK_APDU_NO_LE && cmd->le < TOK_COOLKEY_OBJECT_ENTRY_SIZE)
		return TOK_SW_WRONG_LENGTH;
	if (cmd->p1 == TOK_COOLKEY_LIST_FIRST)
		self->object_iter = 0;
	else if (cmd->p1 != TOK_COOLKEY_LIST_NEXT)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (self->object_iter >= applet->objects->len)
		return TOK_SW_COOLKEY_SEQUENCE_END;
	object = g_ptr_array_index(applet->objects, self->object_iter++);
	tok_byte_array_append_u32_be(out, object->id);
	tok_byte_array_append_u32_be(out, object->data->len);
	tok_byte_array_append_u16_be(out, object->acl.read_acl);
	tok_byte_array_append_u16_be(out, object->acl.write_acl);
	tok_byte_array_append_u16_be(out, object->acl.delete_acl);
	return TOK_SW_OK;
}

static guint16
vcard_applet_list_keys(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);
	const VcardKey *key;

	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	if (cmd->le != TOK_APDU_NO_LE && cmd->le < TOK_COOLKEY_KEY_ENTRY_SIZE)
		return TOK_SW_WRONG_LENGTH;
	if (cmd->p1 == TOK_COOLKEY_LIST_FIRST)
		self->key_iter = 0;
	else if (cmd->p1 != TOK_COOLKEY_LIST_NEXT)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	while (self->key_iter < VCARD_MAX_KEYS && applet->keys[self->key_iter].type == 0)
		self->key_iter++;
	if (self->key_iter >= VCARD_MAX_KEYS)
		return TOK_SW_COOLKEY_SEQUENCE_END;
	key = &applet->keys[self->key_iter];
	tok_byte_array_append_u8(out, (guint8)self->key_iter);
	tok_byte_array_append_u8(out, key->type);
	tok_byte_array_append_u8(out, key->partner);
	tok_byte_array_append_u16_be(out, key->size);
	tok_byte_array_append_u16_be(out, key->acl.read_acl);
	tok_byte_array_append_u16_be(out, key->acl.write_acl);
	tok_byte_array_append_u16_be(out, key->acl.use_acl);
	self->key_iter++;
	return TOK_SW_OK;
}

/* ---- status and card information ----------------------------------------------------- */

static guint16
vcard_applet_get_status(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);
	guint8 pins = 0, keys = 0;
	guint32 used = vcard_applet_used_memory(applet);

	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	/* P1 01 is the memory variant the 1.4 applet does not have: OpenSC tells CoolKey from
	 * a MUSCLE applet (9C10) by exactly this 6D00 */
	if (cmd->p1 == TOK_COOLKEY_STATUS_MEMORY)
		return TOK_SW_INS_NOT_SUPPORTED;
	if (cmd->p1 != TOK_COOLKEY_STATUS_GENERAL)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	for (guint i = 0; i < VCARD_MAX_PINS; i++)
		pins += applet->pins[i].defined ? 1 : 0;
	for (guint i = 0; i < VCARD_MAX_KEYS; i++)
		keys += applet->keys[i].type != 0 ? 1 : 0;
	tok_byte_array_append_u8(out, VCARD_PROTOCOL_MAJOR);
	tok_byte_array_append_u8(out, VCARD_PROTOCOL_MINOR);
	tok_byte_array_append_u8(out, applet->major);
	tok_byte_array_append_u8(out, applet->minor);
	tok_byte_array_append_u32_be(out, applet->memory_size);
	tok_byte_array_append_u32_be(out, used > applet->memory_size ? 0 : applet->memory_size - used);
	tok_byte_array_append_u8(out, pins);
	tok_byte_array_append_u8(out, keys);
	tok_byte_array_append_u16_be(out, self->nonce_ids);
	return TOK_SW_OK;
}

static guint16
vcard_applet_get_lifecycle(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);

	tok_byte_array_append_u8(out, applet->lifecycle);
	if (cmd->le == 1)
		return TOK_SW_OK;
	tok_byte_array_append_u8(out, (guint8)(applet->pin_enabled + applet->writable));
	tok_byte_array_append_u8(out, VCARD_PROTOCOL_MAJOR);
	tok_byte_array_append_u8(out, VCARD_PROTOCOL_MINOR);
	return TOK_SW_OK;
}

static guint16
vcard_applet_set_lifecycle(VcardCard *self, const VcardCommand *cmd)
{
	if (cmd->len != 0)
		return TOK_SW_WRONG_LENGTH;
	/* application-specific life-cycle states: b1-b3 set, b8 clear (07, 0F, ... 7F) */
	if ((cmd->p1 & 0x07) != 0x07 || (cmd->p1 & 0x80) != 0)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	vcard_applet(self)->lifecycle = cmd->p1;
	self->dirty = TRUE;
	return TOK_SW_OK;
}

static guint16
vcard_applet_issuer_info(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);

	if (cmd->ins == TOK_COOLKEY_INS_GET_ISSUER_INFO) {
		if (cmd->le != TOK_COOLKEY_ISSUER_INFO_SIZE)
			return TOK_SW_WRONG_LENGTH;
		g_byte_array_append(out, applet->issuer_info, sizeof(applet->issuer_info));
		return TOK_SW_OK;
	}
	if (cmd->len != TOK_COOLKEY_ISSUER_INFO_SIZE)
		return TOK_SW_WRONG_LENGTH;
	for (guint i = 0; i < TOK_COOLKEY_ISSUER_INFO_SIZE; i++)
		applet->issuer_info[i] = cmd->data[i];
	self->dirty = TRUE;
	return TOK_SW_OK;
}

static guint16
vcard_applet_builtin_acl(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);
	TokCoolkeyBuiltinAcl *acl = &applet->builtin_acl;

	if (cmd->ins == TOK_COOLKEY_INS_GET_BUILTIN_ACL) {
		if (cmd->le != TOK_APDU_NO_LE && cmd->le < TOK_COOLKEY_BUILTIN_ACL_SIZE)
			return TOK_SW_WRONG_LENGTH;
		tok_byte_array_append_u16_be(out, acl->create_object_acl);
		tok_byte_array_append_u16_be(out, acl->create_key_acl);
		tok_byte_array_append_u16_be(out, acl->create_pin_acl);
		tok_byte_array_append_u8(out, acl->enable_acl_change);
		return TOK_SW_OK;
	}
	if (cmd->len != TOK_COOLKEY_BUILTIN_ACL_SIZE)
		return TOK_SW_WRONG_LENGTH;
	/* by default the applet is locked down */
	if (acl->enable_acl_change == 0)
		return TOK_SW_COOLKEY_OPERATION_NOT_ALLOWED;
	acl->create_object_acl = (guint16)((cmd->data[0] << 8) | cmd->data[1]);
	acl->create_key_acl = (guint16)((cmd->data[2] << 8) | cmd->data[3]);
	acl->create_pin_acl = (guint16)((cmd->data[4] << 8) | cmd->data[5]);
	acl->enable_acl_change = cmd->data[6];
	applet->writable = (acl->create_object_acl & 0xFF) != 0 && (acl->create_key_acl & 0xFF) != 0 ? 2 : 0;
	self->dirty = TRUE;
	return TOK_SW_OK;
}

static guint16
vcard_applet_misc(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	VcardApplet *applet = vcard_applet(self);

	switch (cmd->ins) {
	case TOK_COOLKEY_INS_GET_BUILD_ID:
		if (cmd->le == TOK_APDU_NO_LE || cmd->le < TOK_COOLKEY_BUILD_ID_SIZE)
			return TOK_SW_WRONG_LENGTH;
		tok_byte_array_append_u32_be(out, applet->build_id);
		return TOK_SW_OK;
	case TOK_COOLKEY_INS_GET_RANDOM: {
		guint8 *buf;

		if (cmd->le == TOK_APDU_NO_LE)
			return TOK_SW_WRONG_LENGTH;
		g_byte_array_set_size(out, (guint)cmd->le);
		buf = out->data;
		if (RAND_bytes(buf, cmd->le) != 1)
			return TOK_SW_COOLKEY_INTERNAL_ERROR;
		return TOK_SW_OK;
	}
	case TOK_COOLKEY_INS_SEED_RANDOM:
	case TOK_COOLKEY_INS_NOP:
	default:
		/* OpenSSL's DRBG needs no seed from outside */
		return TOK_SW_OK;
	}
}

/* ---- routing ----------------------------------------------------------------------- */

static gboolean
vcard_applet_needs_nonce(guint8 ins)
{
	switch (ins) {
	case TOK_COOLKEY_INS_IMPORT_KEY:
	case TOK_COOLKEY_INS_COMPUTE_CRYPT:
	case TOK_COOLKEY_INS_ECC_SIGN:
	case TOK_COOLKEY_INS_ECC_KEY_AGREEMENT:
	case TOK_COOLKEY_INS_CREATE_PIN:
	case TOK_COOLKEY_INS_CREATE_OBJECT:
	case TOK_COOLKEY_INS_DELETE_OBJECT:
	case TOK_COOLKEY_INS_READ_OBJECT:
	case TOK_COOLKEY_INS_WRITE_OBJECT:
		return TRUE;
	default:
		return FALSE;
	}
}

/* What the applet accepts through the secure channel (protocol.md 4.2). */
static gboolean
vcard_applet_secure_ins(guint8 ins)
{
	switch (ins) {
	case TOK_COOLKEY_INS_CLEAR_KEY_SLOTS:
	case TOK_COOLKEY_INS_SET_PIN:
	case TOK_COOLKEY_INS_GENERATE_KEY:
	case TOK_COOLKEY_INS_GENERATE_KEY_ECC:
	case TOK_COOLKEY_INS_IMPORT_KEY_ENCRYPTED:
	case TOK_COOLKEY_INS_READ_IOBUF:
	case TOK_COOLKEY_INS_SET_LIFECYCLE:
	case TOK_COOLKEY_INS_SET_ISSUER_INFO:
	case TOK_COOLKEY_INS_SET_BUILTIN_ACL:
	case TOK_COOLKEY_INS_CREATE_OBJECT:
	case TOK_COOLKEY_INS_WRITE_OBJECT:
	case TOK_COOLKEY_INS_DELETE_OBJECT:
	case TOK_COOLKEY_INS_READ_OBJECT:
	case TOK_COOLKEY_INS_IMPORT_KEY:
	case TOK_COOLKEY_INS_COMPUTE_CRYPT:
	case TOK_COOLKEY_INS_CREATE_PIN:
		return TRUE;
	default:
		return FALSE;
	}
}

static guint16
vcard_applet_secure(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	switch (cmd->ins) {
	case TOK_COOLKEY_INS_CLEAR_KEY_SLOTS:
		return vcard_applet_clear_key_slots(self, cmd);
	case TOK_COOLKEY_INS_SET_PIN:
		return vcard_applet_set_pin(self, cmd);
	case TOK_COOLKEY_INS_GENERATE_KEY:
	case TOK_COOLKEY_INS_GENERATE_KEY_ECC:
		return vcard_applet_generate_key(self, cmd, out);
	case TOK_COOLKEY_INS_IMPORT_KEY_ENCRYPTED:
		return vcard_applet_import_key_encrypted(self, cmd);
	case TOK_COOLKEY_INS_SET_LIFECYCLE:
		return vcard_applet_set_lifecycle(self, cmd);
	case TOK_COOLKEY_INS_SET_ISSUER_INFO:
		return vcard_applet_issuer_info(self, cmd, out);
	case TOK_COOLKEY_INS_SET_BUILTIN_ACL:
		return vcard_applet_builtin_acl(self, cmd, out);
	case TOK_COOLKEY_INS_READ_IOBUF:
	default:
		/* READ IOBUF is disabled in the 1.4 applet */
		return TOK_SW_INS_NOT_SUPPORTED;
	}
}

guint16
vcard_applet_process(VcardCard *self, const VcardCommand *in, GByteArray *out)
{
	VcardCommand cmd = *in;

	if (cmd.secure) {
		if (!vcard_applet_secure_ins(cmd.ins))
			return TOK_SW_INS_NOT_SUPPORTED;
		self->authenticated = VCARD_ACL_RA;
	} else if (cmd.cla == TOK_GP_CLA_ISO) {
		/* the applet answers any ISO command but SELECT with 9000 */
		return TOK_SW_OK;
	} else if (cmd.cla == TOK_GP_CLA_GP) {
		/* forwarded to the security domain, which knows only INITIALIZE UPDATE */
		return TOK_SW_INS_NOT_SUPPORTED;
	} else if (cmd.cla != TOK_COOLKEY_CLA_CLEAR) {
		return TOK_SW_CLA_NOT_SUPPORTED;
	} else if (vcard_applet_needs_nonce(cmd.ins)) {
		guint16 sw = vcard_applet_check_nonce(self, &cmd);
		if (sw != TOK_SW_OK)
			return sw;
	}
	switch (cmd.ins) {
	case TOK_COOLKEY_INS_VERIFY_PIN:
		return cmd.secure ? TOK_SW_INS_NOT_SUPPORTED : vcard_applet_verify_pin(self, &cmd, out);
	case TOK_COOLKEY_INS_CHANGE_PIN:
		return vcard_applet_change_pin(self, &cmd);
	case TOK_COOLKEY_INS_CREATE_PIN:
		return vcard_applet_create_pin(self, &cmd);
	case TOK_COOLKEY_INS_LOGOUT:
		return vcard_applet_logout(self, &cmd);
	case TOK_COOLKEY_INS_LIST_PINS:
		return vcard_applet_list_pins(self, &cmd, out);
	case TOK_COOLKEY_INS_GET_PIN_TRIES:
		return vcard_applet_get_pin_tries(self, &cmd, out);
	case TOK_COOLKEY_INS_CREATE_OBJECT:
		return vcard_applet_create_object(self, &cmd);
	case TOK_COOLKEY_INS_DELETE_OBJECT:
		return vcard_applet_delete_object(self, &cmd);
	case TOK_COOLKEY_INS_READ_OBJECT:
		return vcard_applet_read_object(self, &cmd, out);
	case TOK_COOLKEY_INS_WRITE_OBJECT:
		return vcard_applet_write_object(self, &cmd);
	case TOK_COOLKEY_INS_LIST_OBJECTS:
		return vcard_applet_list_objects(self, &cmd, out);
	case TOK_COOLKEY_INS_LIST_KEYS:
		return vcard_applet_list_keys(self, &cmd, out);
	case TOK_COOLKEY_INS_GET_STATUS:
		return vcard_applet_get_status(self, &cmd, out);
	case TOK_COOLKEY_INS_GET_LIFECYCLE:
		return vcard_applet_get_lifecycle(self, &cmd, out);
	case TOK_COOLKEY_INS_GET_ISSUER_INFO:
		return vcard_applet_issuer_info(self, &cmd, out);
	case TOK_COOLKEY_INS_GET_BUILTIN_ACL:
		return vcard_applet_builtin_acl(self, &cmd, out);
	case TOK_COOLKEY_INS_GET_BUILD_ID:
	case TOK_COOLKEY_INS_GET_RANDOM:
	case TOK_COOLKEY_INS_SEED_RANDOM:
	case TOK_COOLKEY_INS_NOP:
		return vcard_applet_misc(self, &cmd, out);
	case TOK_COOLKEY_INS_IMPORT_KEY:
		return vcard_applet_import_key(self, &cmd);
	case TOK_COOLKEY_INS_COMPUTE_CRYPT:
		return vcard_applet_compute_crypt(self, &cmd, out);
	case TOK_COOLKEY_INS_ECC_SIGN:
	case TOK_COOLKEY_INS_ECC_KEY_AGREEMENT:
		return vcard_applet_ecc(self, &cmd, out);
	default:
		if (cmd.secure)
			return vcard_applet_secure(self, &cmd, out);
		return TOK_SW_INS_NOT_SUPPORTED;
	}
}
