/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The GlobalPlatform card manager (issuer security domain): GET DATA (CPLC, card recognition
 * data, key information), PUT KEY and card content management (DELETE, INSTALL [for load],
 * LOAD, INSTALL [for install]) of the one applet package the card holds (protocol.md 3.2,
 * 3.8, 5.1, 5.3). INITIALIZE UPDATE / EXTERNAL AUTHENTICATE are handled by the card, which
 * shares the secure channel with the applet.
 */
#include "config.h"

#include "tok-bytes.h"
#include "tok-cplc.h"
#include "tok-error.h"
#include "tok-gp-put-key.h"
#include "tok-status-word.h"
#include "tok-tlv.h"
#include "vcard-image.h"
#include "vcard-private.h"

#define VCARD_ISD_LOAD_MAX (VCARD_IMAGE_MAX_SIZE + 8)

/* GlobalPlatform OIDs (1.2.840.114283.x) of the card recognition data */
static const guint8 vcard_oid_gp_rid[] = {0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B};

/* ---- GET DATA ------------------------------------------------------------------------ */

static void
vcard_isd_append_oid(GByteArray *out, guint32 tag, guint8 arc, const guint8 *suffix, gsize suffix_len)
{
	g_autoptr(GByteArray) oid = g_byte_array_new();
	g_autoptr(GByteArray) inner = g_byte_array_new();

	g_byte_array_append(oid, vcard_oid_gp_rid, sizeof(vcard_oid_gp_rid));
	tok_byte_array_append_u8(oid, arc);
	if (suffix_len > 0)
		g_byte_array_append(oid, suffix, (guint)suffix_len);
	tok_tlv_append(inner, 0x06, oid->data, oid->len);
	if (tag == 0x06)
		g_byte_array_append(out, inner->data, inner->len);
	else
		tok_tlv_append(out, tag, inner->data, inner->len);
}

/* 66 { 73 { 06 <GP>, 60 {06 <GP 2.1.1>}, 63 {06 <card id scheme>}, 64 {06 <SCP0x i>} } } */
static void
vcard_isd_card_recognition_data(VcardCard *self, GByteArray *out)
{
	g_autoptr(GByteArray) crd = g_byte_array_new();
	g_autoptr(GByteArray) outer = g_byte_array_new();
	const guint8 version[] = {0x02, 0x01, 0x01};
	guint8 scp[] = {(guint8)self->state->scp, self->state->scp == TOK_GP_SCP02 ? 0x15 : 0x70};

	vcard_isd_append_oid(crd, 0x06, 0x01, NULL, 0);
	vcard_isd_append_oid(crd, 0x60, 0x02, version, sizeof(version));
	vcard_isd_append_oid(crd, 0x63, 0x03, NULL, 0);
	vcard_isd_append_oid(crd, 0x64, 0x04, scp, sizeof(scp));
	tok_tlv_append(outer, 0x73, crd->data, crd->len);
	tok_tlv_append(out, 0x66, outer->data, outer->len);
}

/* E0 { C0 04 <id> <version> <type> <length> } for ENC, MAC, DEK */
static void
vcard_isd_key_information(VcardCard *self, GByteArray *out)
{
	g_autoptr(GByteArray) keys = g_byte_array_new();
	gboolean aes = tok_gp_key_set_get_key_type(self->state->keys) == TOK_GP_KEY_TYPE_AES;

	for (guint8 id = 1; id <= 3; id++) {
		const guint8 info[] = {id, self->state->key_version, aes ? 0x88 : 0x80,
				       (guint8)tok_gp_key_set_get_key_length(self->state->keys)};
		tok_tlv_append(keys, 0xC0, info, sizeof(info));
	}
	tok_tlv_append(out, 0xE0, keys->data, keys->len);
}

static guint16
vcard_isd_get_data(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	guint16 tag = (guint16)((cmd->p1 << 8) | cmd->p2);

	switch (tag) {
	case TOK_GP_TAG_CPLC: {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokCplc) cplc = tok_cplc_new_from_cuid(self->state->cuid, sizeof(self->state->cuid), self->state->msn,
								 sizeof(self->state->msn), &error);
		g_autoptr(GBytes) encoded = NULL;

		if (cplc == NULL) {
			vcard_card_log_error(self, "CPLC", error);
			return TOK_SW_UNKNOWN;
		}
		encoded = tok_cplc_encode(cplc, FALSE);
		tok_byte_array_append_bytes(out, encoded);
		return TOK_SW_OK;
	}
	case TOK_GP_TAG_CARD_RECOGNITION_DATA:
		/* a GP 2.0.1 card has none: the TPS then falls back to SCP01 (protocol.md 3.2) */
		if (self->state->scp == TOK_GP_SCP01)
			return TOK_SW_REFERENCED_DATA_NOT_FOUND;
		vcard_isd_card_recognition_data(self, out);
		return TOK_SW_OK;
	case TOK_GP_TAG_KEY_INFORMATION_TEMPLATE:
		if (self->state->scp == TOK_GP_SCP01)
			return TOK_SW_REFERENCED_DATA_NOT_FOUND;
		vcard_isd_key_information(self, out);
		return TOK_SW_OK;
	default:
		return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	}
}

/* ---- PUT KEY ------------------------------------------------------------------------- */

static guint16
vcard_isd_put_key(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpKeySet) keys = NULL;
	TokSecret *wrap_key = vcard_card_transport_key(self);
	guint8 new_version = 0;

	if (wrap_key == NULL)
		return TOK_SW_SECURITY_STATUS_NOT_SATISFIED;
	if (cmd->p2 != 0x81)
		return TOK_SW_INCORRECT_P1P2;
	if (cmd->p1 != 0x00 && cmd->p1 != self->state->key_version)
		return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	keys = tok_gp_put_key_parse_key_set_data(self->crypto, self->state->scp, cmd->data, cmd->len, wrap_key, &new_version, &error);
	if (keys == NULL) {
		vcard_card_log_error(self, "PUT KEY refused", error);
		return TOK_SW_WRONG_DATA;
	}
	if (new_version == 0x00 || new_version == 0xFF) {
		vcard_card_debug(self, "PUT KEY: key version %02X is reserved", new_version);
		return TOK_SW_WRONG_DATA;
	}
	tok_byte_array_append_u8(out, new_version);
	for (TokGpKeyUsage usage = TOK_GP_KEY_ENC; usage <= TOK_GP_KEY_DEK; usage++) {
		guint8 kcv[TOK_GP_KCV_SIZE];
		if (!tok_gp_key_set_get_kcv(keys, self->crypto, usage, kcv, &error)) {
			vcard_card_log_error(self, "PUT KEY", error);
			return TOK_SW_UNKNOWN;
		}
		g_byte_array_append(out, kcv, sizeof(kcv));
	}
	/* the old key set is gone; the running session keeps its session keys */
	g_clear_pointer(&self->state->keys, tok_gp_key_set_unref);
	self->state->keys = g_steal_pointer(&keys);
	self->state->key_version = new_version;
	/* new static keys restart the sequence counter (SCP02, SCP03 pseudo-random challenges) */
	self->state->sequence_counter = 0;
	self->dirty = TRUE;
	return TOK_SW_OK;
}

/* ---- card content management ------------------------------------------------------- */

static gboolean
vcard_isd_read_lv(TokReader *r, gsize min, gsize max, const guint8 **value, gsize *len)
{
	guint8 n = 0;

	if (!tok_reader_read_u8(r, &n, NULL) || n < min || n > max || !tok_reader_read_view(r, n, value, NULL))
		return FALSE;
	*len = n;
	return TRUE;
}

static void
vcard_isd_delete_applet(VcardCard *self)
{
	g_clear_pointer(&self->state->applet, vcard_applet_free);
	vcard_card_reset_applet_transient(self);
	self->dirty = TRUE;
}

static guint16
vcard_isd_delete(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	TokTlv tlv = {0};
	VcardApplet *applet = self->state->applet;

	if (cmd->p1 != 0x00 || (cmd->p2 != 0x00 && cmd->p2 != 0x80))
		return TOK_SW_INCORRECT_P1P2;
	if (!tok_tlv_read(cmd->data, cmd->len, &tlv, NULL, NULL) || tlv.tag != 0x4F || tlv.len < TOK_GP_AID_MIN_LEN ||
	    tlv.len > TOK_GP_AID_MAX_LEN)
		return TOK_SW_WRONG_DATA;
	if (applet != NULL && vcard_aid_equal(&applet->aid, tlv.value, tlv.len)) {
		vcard_isd_delete_applet(self);
	} else if (self->state->has_package && vcard_aid_equal(&self->state->package_aid, tlv.value, tlv.len)) {
		/* the instance belongs to the package: only "delete related objects" takes both */
		if (applet != NULL && cmd->p2 != 0x80)
			return TOK_SW_CONDITIONS_NOT_SATISFIED;
		if (applet != NULL)
			vcard_isd_delete_applet(self);
		self->state->has_package = FALSE;
		g_clear_pointer(&self->state->package_image, g_bytes_unref);
		self->dirty = TRUE;
	} else if (vcard_aid_is_isd(tlv.value, tlv.len)) {
		return TOK_SW_CONDITIONS_NOT_SATISFIED;
	} else {
		return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	}
	tok_byte_array_append_u8(out, 0x00);
	return TOK_SW_OK;
}

static guint16
vcard_isd_install_for_load(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	TokReader r;
	const guint8 *pkg = NULL, *sd = NULL, *hash = NULL, *params = NULL, *token = NULL;
	gsize pkg_len = 0, sd_len = 0, hash_len = 0, params_len = 0, token_len = 0;

	tok_reader_init(&r, cmd->data, cmd->len);
	if (!vcard_isd_read_lv(&r, TOK_GP_AID_MIN_LEN, TOK_GP_AID_MAX_LEN, &pkg, &pkg_len) ||
	    !vcard_isd_read_lv(&r, 0, TOK_GP_AID_MAX_LEN, &sd, &sd_len) || !vcard_isd_read_lv(&r, 0, 64, &hash, &hash_len) ||
	    !vcard_isd_read_lv(&r, 0, 255, &params, &params_len) || !vcard_isd_read_lv(&r, 0, 255, &token, &token_len) ||
	    tok_reader_remaining(&r) != 0)
		return TOK_SW_WRONG_DATA;
	if (params_len > 0 && !tok_tlv_walk(params, params_len, NULL, NULL, NULL))
		return TOK_SW_WRONG_DATA;
	if (sd_len > 0 && !vcard_aid_is_isd(sd, sd_len))
		return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	if (self->state->has_package) {
		/* this card has room for one load file */
		return vcard_aid_equal(&self->state->package_aid, pkg, pkg_len) ? TOK_SW_CONDITIONS_NOT_SATISFIED
									       : TOK_SW_NOT_ENOUGH_MEMORY;
	}
	g_clear_pointer(&self->load_buffer, tok_byte_array_wipe_free);
	self->load_buffer = g_byte_array_new();
	vcard_aid_set(&self->load_aid, pkg, pkg_len);
	self->load_next_block = 0;
	self->loading = TRUE;
	tok_byte_array_append_u8(out, 0x00);
	return TOK_SW_OK;
}

/* The load file is complete when the blocks form exactly one C4 TLV. */
static gboolean
vcard_isd_finish_load(VcardCard *self)
{
	TokTlv tlv = {0};

	if (!self->loading || self->load_buffer == NULL ||
	    !tok_tlv_parse(self->load_buffer->data, self->load_buffer->len, &tlv, NULL) || tlv.tag != 0xC4 ||
	    tlv.constructed)
		return FALSE;
	g_clear_pointer(&self->state->package_image, g_bytes_unref);
	self->state->package_image = g_bytes_new(tlv.value, tlv.len);
	self->state->package_aid = self->load_aid;
	self->state->has_package = TRUE;
	self->loading = FALSE;
	g_clear_pointer(&self->load_buffer, tok_byte_array_wipe_free);
	self->dirty = TRUE;
	return TRUE;
}

static guint16
vcard_isd_load(VcardCard *self, const VcardCommand *cmd)
{
	if (!self->loading)
		return TOK_SW_CONDITIONS_NOT_SATISFIED;
	if ((cmd->p1 != 0x00 && cmd->p1 != 0x80) || cmd->p2 != (guint8)self->load_next_block || self->load_next_block > 0xFF)
		return TOK_SW_INCORRECT_P1P2;
	if (cmd->len == 0)
		return TOK_SW_WRONG_LENGTH;
	if (self->load_buffer->len + cmd->len > VCARD_ISD_LOAD_MAX) {
		self->loading = FALSE;
		g_clear_pointer(&self->load_buffer, tok_byte_array_wipe_free);
		return TOK_SW_NOT_ENOUGH_MEMORY;
	}
	g_byte_array_append(self->load_buffer, cmd->data, (guint)cmd->len);
	self->load_next_block++;
	if (cmd->p1 == 0x80 && !vcard_isd_finish_load(self)) {
		vcard_card_debug(self, "LOAD: the blocks do not form one C4 load file data block");
		self->loading = FALSE;
		g_clear_pointer(&self->load_buffer, tok_byte_array_wipe_free);
		return TOK_SW_WRONG_DATA;
	}
	return TOK_SW_OK;
}

/* C9 applet parameters: issuerLen issuer memLen mem(2) (protocol.md 5.3 step 4). */
static void
vcard_isd_applet_params(const guint8 *params, gsize len, guint32 *memory, guint8 *issuer, gsize *issuer_len)
{
	TokTlv c9 = {0};
	TokReader r;
	guint8 n = 0;
	const guint8 *value = NULL;
	guint16 size = 0;

	if (!tok_tlv_find(params, len, 0xC9, &c9, NULL))
		return;
	tok_reader_init(&r, c9.value, c9.len);
	if (!tok_reader_read_u8(&r, &n, NULL) || !tok_reader_read_view(&r, n, &value, NULL))
		return;
	if (n > 0 && n < TOK_COOLKEY_ISSUER_INFO_SIZE) {
		for (guint i = 0; i < n; i++)
			issuer[i] = value[i];
		*issuer_len = n;
	}
	if (tok_reader_read_u8(&r, &n, NULL) && n == 2 && tok_reader_read_u16_be(&r, &size, NULL) && size > 0)
		*memory = MIN(size, VCARD_MAX_APPLET_MEMORY);
}

static guint16
vcard_isd_install_for_install(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardImage) image = NULL;
	TokReader r;
	const guint8 *pkg = NULL, *module = NULL, *instance = NULL, *privileges = NULL, *params = NULL, *token = NULL;
	gsize pkg_len = 0, module_len = 0, instance_len = 0, privileges_len = 0, params_len = 0, token_len = 0;
	guint8 issuer[TOK_COOLKEY_ISSUER_INFO_SIZE] = {0};
	gsize issuer_len = 0;
	guint32 memory = VCARD_DEFAULT_APPLET_MEMORY;
	TokGpAid aid;
	VcardApplet *applet;

	tok_reader_init(&r, cmd->data, cmd->len);
	if (!vcard_isd_read_lv(&r, TOK_GP_AID_MIN_LEN, TOK_GP_AID_MAX_LEN, &pkg, &pkg_len) ||
	    !vcard_isd_read_lv(&r, TOK_GP_AID_MIN_LEN, TOK_GP_AID_MAX_LEN, &module, &module_len) ||
	    !vcard_isd_read_lv(&r, TOK_GP_AID_MIN_LEN, TOK_GP_AID_MAX_LEN, &instance, &instance_len) ||
	    !vcard_isd_read_lv(&r, 1, 3, &privileges, &privileges_len) || !vcard_isd_read_lv(&r, 0, 255, &params, &params_len) ||
	    !vcard_isd_read_lv(&r, 0, 255, &token, &token_len) || tok_reader_remaining(&r) != 0)
		return TOK_SW_WRONG_DATA;
	if (params_len > 0 && !tok_tlv_walk(params, params_len, NULL, NULL, NULL))
		return TOK_SW_WRONG_DATA;
	/* a last LOAD block sent with P1 00 (the Java TPS does that when the file fills its
	 * blocks exactly) still completes the load file */
	if (self->loading)
		vcard_isd_finish_load(self);
	if (!self->state->has_package || !vcard_aid_equal(&self->state->package_aid, pkg, pkg_len))
		return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	if (self->state->applet != NULL)
		return TOK_SW_CONDITIONS_NOT_SATISFIED;
	image = vcard_image_parse(g_bytes_get_data(self->state->package_image, NULL), g_bytes_get_size(self->state->package_image), &error);
	if (image == NULL) {
		vcard_card_log_error(self, "INSTALL: the load file is not an applet image", error);
		return TOK_SW_WRONG_DATA;
	}
	if (module_len != image->applet_aid_len) {
		return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	}
	for (gsize i = 0; i < module_len; i++) {
		if (module[i] != image->applet_aid[i])
			return TOK_SW_REFERENCED_DATA_NOT_FOUND;
	}
	vcard_isd_applet_params(params, params_len, &memory, issuer, &issuer_len);
	vcard_aid_set(&aid, instance, instance_len);
	applet = vcard_applet_new(&aid, image->major, image->minor, image->build_id, memory);
	for (gsize i = 0; i < issuer_len; i++)
		applet->issuer_info[i] = issuer[i];
	self->state->applet = applet;
	vcard_card_reset_applet_transient(self);
	self->dirty = TRUE;
	tok_byte_array_append_u8(out, 0x00);
	return TOK_SW_OK;
}

static guint16
vcard_isd_install(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	if (cmd->p2 != 0x00)
		return TOK_SW_INCORRECT_P1P2;
	switch (cmd->p1) {
	case TOK_GP_INSTALL_FOR_LOAD:
		return vcard_isd_install_for_load(self, cmd, out);
	case 0x04: /* for install */
	case TOK_GP_INSTALL_FOR_INSTALL_AND_SELECTABLE:
		return vcard_isd_install_for_install(self, cmd, out);
	case 0x08: /* make selectable */
		return self->state->applet != NULL ? TOK_SW_OK : TOK_SW_REFERENCED_DATA_NOT_FOUND;
	default:
		return TOK_SW_INCORRECT_P1P2;
	}
}

guint16
vcard_isd_process(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	if (cmd->cla != TOK_GP_CLA_GP)
		return TOK_SW_CLA_NOT_SUPPORTED;
	switch (cmd->ins) {
	case TOK_GP_INS_GET_DATA:
		return vcard_isd_get_data(self, cmd, out);
	case TOK_GP_INS_PUT_KEY:
	case TOK_GP_INS_DELETE:
	case TOK_GP_INS_INSTALL:
	case TOK_GP_INS_LOAD:
		/* card content and key management only through the secure channel */
		if (!cmd->secure)
			return TOK_SW_SECURITY_STATUS_NOT_SATISFIED;
		break;
	default:
		return TOK_SW_INS_NOT_SUPPORTED;
	}
	switch (cmd->ins) {
	case TOK_GP_INS_PUT_KEY:
		return vcard_isd_put_key(self, cmd, out);
	case TOK_GP_INS_DELETE:
		return vcard_isd_delete(self, cmd, out);
	case TOK_GP_INS_INSTALL:
		return vcard_isd_install(self, cmd, out);
	default:
		return vcard_isd_load(self, cmd);
	}
}
