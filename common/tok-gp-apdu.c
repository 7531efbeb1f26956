/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-apdu.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-tlv.h"

const TokGpAid tok_gp_aid_coolkey_instance = {7, {0x62, 0x76, 0x01, 0xFF, 0x00, 0x00, 0x00}};
const TokGpAid tok_gp_aid_coolkey_package = {6, {0x62, 0x76, 0x01, 0xFF, 0x00, 0x00}};
const TokGpAid tok_gp_aid_coolkey_old_instance = {6, {0xA0, 0x00, 0x00, 0x00, 0x01, 0x01}};
const TokGpAid tok_gp_aid_coolkey_old_package = {5, {0xA0, 0x00, 0x00, 0x00, 0x01}};
const TokGpAid tok_gp_aid_card_manager = {7, {0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00}};
const TokGpAid tok_gp_aid_isd_gp211 = {8, {0xA0, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00}};
const TokGpAid tok_gp_aid_isd_gp = {7, {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00}};
const TokGpAid *const tok_gp_isd_aids[TOK_GP_N_ISD_AIDS] = {
    &tok_gp_aid_card_manager,
    &tok_gp_aid_isd_gp211,
    &tok_gp_aid_isd_gp,
};

/* 1.2.840.114283 (globalPlatform) arcs of the Card Recognition Data */
static const guint8 tok_gp_oid_card_mgmt[] = {0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x02};
static const guint8 tok_gp_oid_scp[] = {0x2A, 0x86, 0x48, 0x86, 0xFC, 0x6B, 0x04};

#define TOK_GP_TAG_FCI		 0x6F
#define TOK_GP_TAG_DF_NAME	 0x84
#define TOK_GP_TAG_AID		 0x4F
#define TOK_GP_TAG_LOAD_FILE	 0xC4
#define TOK_GP_TAG_CRD		 0x66
#define TOK_GP_TAG_CRD_INNER	 0x73
#define TOK_GP_TAG_CARD_MGMT	 0x60
#define TOK_GP_TAG_SCP		 0x64
#define TOK_GP_TAG_OID		 0x06
#define TOK_GP_TAG_KEY_INFO	 0xC0
#define TOK_GP_LOAD_LAST_BLOCK	 0x80
#define TOK_GP_DELETE_RELATED	 0x80
#define TOK_GP_PUT_KEY_MULTIPLE	 0x81
#define TOK_GP_INSTALL_LEN_EXTRA 24
#define TOK_GP_MAX_LOAD_BLOCKS	 256

TokGpPlatform
tok_gp_platform_for_scp(guint8 scp)
{
	return (scp == TOK_GP_APDU_SCP02 || scp == TOK_GP_APDU_SCP03) ? TOK_GP_PLATFORM_GP211
							    : TOK_GP_PLATFORM_GP201;
}

gsize
tok_gp_load_block_size(gsize channel_block_size, guint8 scp)
{
	gsize overhead = scp == TOK_GP_APDU_SCP01 ? 16 : 8;
	if (channel_block_size <= overhead)
		return 0;
	return MIN(channel_block_size - overhead, (gsize)TOK_APDU_SHORT_MAX_DATA);
}

static gboolean
tok_gp_check_aid(const guint8 *aid, gsize len, const gchar *what, GError **error)
{
	if (aid == NULL || len < TOK_GP_AID_MIN_LEN || len > TOK_GP_AID_MAX_LEN) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s AID of %" G_GSIZE_FORMAT " bytes, expected %d to %d",
			    what,
			    aid != NULL ? len : 0,
			    TOK_GP_AID_MIN_LEN,
			    TOK_GP_AID_MAX_LEN);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_gp_check_fixed(const guint8 *data, gsize len, gsize want, const gchar *what, GError **error)
{
	if (data == NULL || len != want) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s of %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
			    what,
			    data != NULL ? len : 0,
			    want);
		return FALSE;
	}
	return TRUE;
}

/* length byte + value; the callers have checked len <= 255 */
static void
tok_gp_append_lv(GByteArray *out, const guint8 *value, gsize len)
{
	tok_byte_array_append_u8(out, (guint8)len);
	if (len > 0)
		g_byte_array_append(out, value, (guint)len);
}

static TokApdu *
tok_gp_apdu_from_array(guint8 cla, guint8 ins, guint8 p1, guint8 p2, GByteArray *data, gint le)
{
	return tok_apdu_new_from_data(cla, ins, p1, p2, data->data, data->len, le);
}

TokApdu *
tok_gp_apdu_select(const guint8 *aid, gsize aid_len, gboolean with_le, GError **error)
{
	if (!tok_gp_check_aid(aid, aid_len, "SELECT", error))
		return NULL;
	return tok_apdu_new_from_data(TOK_GP_CLA_ISO,
				      TOK_GP_INS_SELECT,
				      0x04,
				      0x00,
				      aid,
				      aid_len,
				      with_le ? TOK_APDU_SHORT_MAX_LE : TOK_APDU_NO_LE);
}

TokApdu *
tok_gp_apdu_select_default(void)
{
	return tok_apdu_new(TOK_GP_CLA_ISO,
			    TOK_GP_INS_SELECT,
			    0x04,
			    0x00,
			    NULL,
			    TOK_APDU_SHORT_MAX_LE);
}

TokApdu *
tok_gp_apdu_get_data(guint16 tag, guint8 le)
{
	return tok_apdu_new(TOK_GP_CLA_GP,
			    TOK_GP_INS_GET_DATA,
			    (guint8)(tag >> 8),
			    (guint8)tag,
			    NULL,
			    le == 0 ? TOK_APDU_SHORT_MAX_LE : le);
}

TokApdu *
tok_gp_apdu_initialize_update(guint8 key_version,
			      guint8 key_index,
			      const guint8 *host_challenge,
			      gsize host_challenge_len,
			      GError **error)
{
	if (!tok_gp_check_fixed(host_challenge,
				host_challenge_len,
				TOK_GP_HOST_CHALLENGE_LEN,
				"INITIALIZE UPDATE host challenge",
				error))
		return NULL;
	return tok_apdu_new_from_data(TOK_GP_CLA_GP,
				      TOK_GP_INS_INITIALIZE_UPDATE,
				      key_version,
				      key_index,
				      host_challenge,
				      host_challenge_len,
				      TOK_APDU_NO_LE);
}

TokApdu *
tok_gp_apdu_external_authenticate(guint8 security_level,
				  const guint8 *host_cryptogram,
				  gsize host_cryptogram_len,
				  GError **error)
{
	const guint8 known = TOK_GP_SECURITY_LEVEL_C_MAC | TOK_GP_SECURITY_LEVEL_C_DEC |
			     TOK_GP_SECURITY_LEVEL_R_MAC | TOK_GP_SECURITY_LEVEL_R_ENC;

	if ((security_level & ~known) != 0 ||
	    ((security_level & TOK_GP_SECURITY_LEVEL_C_DEC) &&
	     !(security_level & TOK_GP_SECURITY_LEVEL_C_MAC)) ||
	    ((security_level & TOK_GP_SECURITY_LEVEL_R_ENC) &&
	     !(security_level & TOK_GP_SECURITY_LEVEL_R_MAC))) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "EXTERNAL AUTHENTICATE: invalid security level %02X",
			    security_level);
		return NULL;
	}
	if (!tok_gp_check_fixed(host_cryptogram,
				host_cryptogram_len,
				TOK_GP_CRYPTOGRAM_LEN,
				"EXTERNAL AUTHENTICATE host cryptogram",
				error))
		return NULL;
	return tok_apdu_new_from_data(TOK_GP_CLA_SECURE,
				      TOK_GP_INS_EXTERNAL_AUTHENTICATE,
				      security_level,
				      0x00,
				      host_cryptogram,
				      host_cryptogram_len,
				      TOK_APDU_NO_LE);
}

TokApdu *
tok_gp_apdu_put_key(guint8 current_key_version,
		    const guint8 *key_set_data,
		    gsize key_set_data_len,
		    gboolean trailer_le,
		    GError **error)
{
	if (key_set_data == NULL || key_set_data_len == 0 ||
	    key_set_data_len > TOK_APDU_SHORT_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "PUT KEY: key set data of %" G_GSIZE_FORMAT " bytes, expected 1 to %d",
			    key_set_data != NULL ? key_set_data_len : 0,
			    TOK_APDU_SHORT_MAX_DATA);
		return NULL;
	}
	return tok_apdu_new_from_data(TOK_GP_CLA_SECURE,
				      TOK_GP_INS_PUT_KEY,
				      current_key_version == 0xFF ? 0x00 : current_key_version,
				      TOK_GP_PUT_KEY_MULTIPLE,
				      key_set_data,
				      key_set_data_len,
				      trailer_le ? TOK_APDU_SHORT_MAX_LE : TOK_APDU_NO_LE);
}

TokApdu *
tok_gp_apdu_delete(const guint8 *aid, gsize aid_len, TokGpPlatform platform, GError **error)
{
	g_autoptr(GByteArray) data = NULL;
	gboolean gp211 = platform == TOK_GP_PLATFORM_GP211;

	if (!tok_gp_check_aid(aid, aid_len, "DELETE", error))
		return NULL;
	data = g_byte_array_new();
	tok_byte_array_append_u8(data, TOK_GP_TAG_AID);
	tok_gp_append_lv(data, aid, aid_len);
	return tok_gp_apdu_from_array(TOK_GP_CLA_SECURE,
				      TOK_GP_INS_DELETE,
				      0x00,
				      gp211 ? TOK_GP_DELETE_RELATED : 0x00,
				      data,
				      gp211 ? TOK_APDU_SHORT_MAX_LE : TOK_APDU_NO_LE);
}

TokApdu *
tok_gp_apdu_install_for_load(const guint8 *package_aid,
			     gsize package_aid_len,
			     const guint8 *sd_aid,
			     gsize sd_aid_len,
			     gsize load_file_len,
			     TokGpPlatform platform,
			     GError **error)
{
	g_autoptr(GByteArray) data = NULL;
	gsize declared;

	if (!tok_gp_check_aid(package_aid, package_aid_len, "INSTALL [for load] package", error))
		return NULL;
	if (sd_aid == NULL)
		sd_aid_len = 0;
	if (sd_aid_len != 0 &&
	    !tok_gp_check_aid(sd_aid, sd_aid_len, "INSTALL [for load] security domain", error))
		return NULL;
	if (load_file_len == 0 ||
	    load_file_len > G_MAXUINT16 - TOK_GP_INSTALL_LEN_EXTRA - sd_aid_len) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "INSTALL [for load]: load file of %" G_GSIZE_FORMAT
			    " bytes cannot be declared",
			    load_file_len);
		return NULL;
	}
	declared = load_file_len + TOK_GP_INSTALL_LEN_EXTRA + sd_aid_len;

	data = g_byte_array_new();
	tok_gp_append_lv(data, package_aid, package_aid_len);
	tok_gp_append_lv(data, sd_aid, sd_aid_len);
	tok_byte_array_append_u8(data, 0x00); /* no load file data block hash */
	/* load parameters: EF 04 C6 02 <non-volatile code space> */
	tok_byte_array_append_u8(data, 0x06);
	tok_byte_array_append_u8(data, 0xEF);
	tok_byte_array_append_u8(data, 0x04);
	tok_byte_array_append_u8(data, 0xC6);
	tok_byte_array_append_u8(data, 0x02);
	tok_byte_array_append_u16_be(data, (guint16)declared);
	tok_byte_array_append_u8(data, 0x00); /* no load token */
	return tok_gp_apdu_from_array(TOK_GP_CLA_SECURE,
				      TOK_GP_INS_INSTALL,
				      TOK_GP_INSTALL_FOR_LOAD,
				      0x00,
				      data,
				      platform == TOK_GP_PLATFORM_GP211 ? TOK_APDU_SHORT_MAX_LE
									: TOK_APDU_NO_LE);
}

GPtrArray *
tok_gp_apdu_load(const guint8 *load_file, gsize load_file_len, gsize block_size, GError **error)
{
	g_autoptr(GByteArray) image = NULL;
	g_autoptr(GPtrArray) apdus = NULL;
	TokReader r;
	gsize n_blocks;

	if (load_file == NULL || load_file_len == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "LOAD: empty load file");
		return NULL;
	}
	if (block_size == 0 || block_size > TOK_APDU_SHORT_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "LOAD: block size %" G_GSIZE_FORMAT " is not 1 to %d",
			    block_size,
			    TOK_APDU_SHORT_MAX_DATA);
		return NULL;
	}
	/* the image can never need more than 256 blocks of 255 bytes; check before allocating */
	if (load_file_len > TOK_GP_MAX_LOAD_BLOCKS * block_size) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "LOAD: load file of %" G_GSIZE_FORMAT " bytes needs more than %d blocks of %"
			    G_GSIZE_FORMAT " bytes",
			    load_file_len,
			    TOK_GP_MAX_LOAD_BLOCKS,
			    block_size);
		return NULL;
	}

	image = g_byte_array_sized_new((guint)load_file_len + 4);
	tok_byte_array_append_u8(image, TOK_GP_TAG_LOAD_FILE);
	tok_tlv_append_length(image, (guint32)load_file_len);
	g_byte_array_append(image, load_file, (guint)load_file_len);

	n_blocks = (image->len + block_size - 1) / block_size;
	if (n_blocks > TOK_GP_MAX_LOAD_BLOCKS) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "LOAD: %u-byte image needs %" G_GSIZE_FORMAT " blocks (at most %d)",
			    image->len,
			    n_blocks,
			    TOK_GP_MAX_LOAD_BLOCKS);
		return NULL;
	}

	apdus = g_ptr_array_new_full((guint)n_blocks, (GDestroyNotify)tok_apdu_unref);
	tok_reader_init(&r, image->data, image->len);
	for (gsize i = 0; i < n_blocks; i++) {
		const guint8 *block = NULL;
		gsize n = MIN(block_size, tok_reader_remaining(&r));
		gboolean last = i + 1 == n_blocks;

		if (!tok_reader_read_view(&r, n, &block, error))
			return NULL;
		g_ptr_array_add(apdus,
				tok_apdu_new_from_data(TOK_GP_CLA_SECURE,
						       TOK_GP_INS_LOAD,
						       last ? TOK_GP_LOAD_LAST_BLOCK : 0x00,
						       (guint8)i,
						       block,
						       n,
						       TOK_APDU_NO_LE));
	}
	return g_steal_pointer(&apdus);
}

TokApdu *
tok_gp_apdu_install_for_install(const guint8 *package_aid,
				gsize package_aid_len,
				const guint8 *instance_aid,
				gsize instance_aid_len,
				guint8 privileges,
				guint16 instance_size,
				guint16 applet_memory_size,
				TokGpPlatform platform,
				GError **error)
{
	g_autoptr(GByteArray) data = NULL;
	g_autoptr(GByteArray) params = NULL;

	if (!tok_gp_check_aid(package_aid, package_aid_len, "INSTALL [for install] package", error) ||
	    !tok_gp_check_aid(instance_aid,
			      instance_aid_len,
			      "INSTALL [for install] instance",
			      error))
		return NULL;

	/* install parameters: EF 04 C8 02 <volatile data space>, C9 <applet-specific> */
	params = g_byte_array_new();
	tok_byte_array_append_u8(params, 0xEF);
	tok_byte_array_append_u8(params, 0x04);
	tok_byte_array_append_u8(params, 0xC8);
	tok_byte_array_append_u8(params, 0x02);
	tok_byte_array_append_u16_be(params, instance_size);
	tok_byte_array_append_u8(params, 0xC9);
	tok_byte_array_append_u8(params, 0x04);
	tok_byte_array_append_u8(params, 0x00); /* issuer info length: written later by the TPS */
	tok_byte_array_append_u8(params, 0x02); /* memory size length */
	tok_byte_array_append_u16_be(params, applet_memory_size);

	data = g_byte_array_new();
	tok_gp_append_lv(data, package_aid, package_aid_len);
	tok_gp_append_lv(data, instance_aid, instance_aid_len); /* module AID */
	tok_gp_append_lv(data, instance_aid, instance_aid_len); /* application AID */
	tok_gp_append_lv(data, &privileges, 1);
	tok_gp_append_lv(data, params->data, params->len);
	tok_byte_array_append_u8(data, 0x00); /* no install token */
	return tok_gp_apdu_from_array(TOK_GP_CLA_SECURE,
				      TOK_GP_INS_INSTALL,
				      TOK_GP_INSTALL_FOR_INSTALL_AND_SELECTABLE,
				      0x00,
				      data,
				      platform == TOK_GP_PLATFORM_GP211 ? TOK_APDU_SHORT_MAX_LE
									: TOK_APDU_NO_LE);
}

gboolean
tok_gp_parse_select_fci(const guint8 *data, gsize len, TokGpFci *out, GError **error)
{
	TokTlv fci = {0};
	TokTlv aid = {0};
	TokReader r;
	TokGpFci tmp = {0};

	if (!tok_tlv_parse(data, len, &fci, error)) {
		g_prefix_error(error, "SELECT response: ");
		return FALSE;
	}
	if (fci.tag != TOK_GP_TAG_FCI || !fci.constructed) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SELECT response: tag %X is not an FCI template (6F)",
			    fci.tag);
		return FALSE;
	}
	if (!tok_tlv_find_child(&fci, TOK_GP_TAG_DF_NAME, &aid, error)) {
		g_prefix_error(error, "SELECT response: ");
		return FALSE;
	}
	if (aid.len < TOK_GP_AID_MIN_LEN || aid.len > TOK_GP_AID_MAX_LEN) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SELECT response: AID (tag 84) of %" G_GSIZE_FORMAT
			    " bytes, expected %d to %d",
			    aid.len,
			    TOK_GP_AID_MIN_LEN,
			    TOK_GP_AID_MAX_LEN);
		return FALSE;
	}
	tok_reader_init(&r, aid.value, aid.len);
	if (!tok_reader_read_into(&r, tmp.aid, aid.len, error))
		return FALSE;
	tmp.aid_len = (guint8)aid.len;
	*out = tmp;
	return TRUE;
}

gboolean
tok_gp_parse_initialize_update(const guint8 *data,
			       gsize len,
			       TokGpInitUpdateResponse *out,
			       GError **error)
{
	TokGpInitUpdateResponse tmp = {0};
	TokReader r;

	if (data == NULL)
		len = 0;
	if (len != 28 && len != 29 && len != 32) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "INITIALIZE UPDATE response of %" G_GSIZE_FORMAT
			    " bytes, expected 28, 29 or 32",
			    len);
		return FALSE;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_into(&r, tmp.kdd, sizeof(tmp.kdd), error) ||
	    !tok_reader_read_u8(&r, &tmp.key_version, error) ||
	    !tok_reader_read_u8(&r, &tmp.scp, error))
		return FALSE;

	if (len == 28 && tmp.scp == TOK_GP_APDU_SCP01) {
		tmp.card_challenge_len = 8;
	} else if (len == 28 && tmp.scp == TOK_GP_APDU_SCP02) {
		tmp.sequence_counter_len = 2;
		tmp.card_challenge_len = 6;
		if (!tok_reader_read_into(&r, tmp.sequence_counter, 2, error))
			return FALSE;
	} else if (len != 28 && tmp.scp == TOK_GP_APDU_SCP03) {
		tmp.card_challenge_len = 8;
		if (!tok_reader_read_u8(&r, &tmp.i, error))
			return FALSE;
	} else {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "INITIALIZE UPDATE response of %" G_GSIZE_FORMAT
			    " bytes does not fit SCP %02X",
			    len,
			    tmp.scp);
		return FALSE;
	}
	if (!tok_reader_read_into(&r, tmp.card_challenge, tmp.card_challenge_len, error) ||
	    !tok_reader_read_into(&r, tmp.card_cryptogram, sizeof(tmp.card_cryptogram), error))
		return FALSE;
	if (len == 32) {
		tmp.sequence_counter_len = 3;
		if (!tok_reader_read_into(&r, tmp.sequence_counter, 3, error))
			return FALSE;
	}
	if (!tok_reader_expect_end(&r, error))
		return FALSE;
	*out = tmp;
	return TRUE;
}

/* The value of the OID (tag 06) that is the only content of the constructed @parent. */
static gboolean
tok_gp_crd_oid(const TokTlv *parent, TokTlv *oid, GError **error)
{
	TokTlvIter iter;

	if (!tok_tlv_iter_init_children(&iter, parent, error) ||
	    !tok_tlv_iter_next(&iter, oid, error))
		return FALSE;
	if (oid->tag != TOK_GP_TAG_OID || tok_tlv_iter_has_next(&iter)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "TLV %X does not hold exactly one OID",
			    parent->tag);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_gp_oid_has_prefix(const TokTlv *oid, const guint8 *prefix, gsize prefix_len)
{
	if (oid->len < prefix_len)
		return FALSE;
	for (gsize i = 0; i < prefix_len; i++) {
		if (oid->value[i] != prefix[i])
			return FALSE;
	}
	return TRUE;
}

static gboolean
tok_gp_parse_crd_inner(const TokTlv *crd, TokGpCardRecognition *out, GError **error)
{
	TokTlv scp = {0};
	TokTlv mgmt = {0};
	TokTlv oid = {0};
	TokReader r;
	g_autoptr(GError) local_error = NULL;
	const gsize prefix_len = sizeof(tok_gp_oid_scp);

	/* Secure Channel Protocol: {globalPlatform 4 <scp> <i>} */
	if (!tok_tlv_find_child(crd, TOK_GP_TAG_SCP, &scp, error) || !tok_gp_crd_oid(&scp, &oid, error))
		return FALSE;
	if (oid.len != prefix_len + 2 || !tok_gp_oid_has_prefix(&oid, tok_gp_oid_scp, prefix_len)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "tag 64 does not hold a GlobalPlatform SCP OID");
		return FALSE;
	}
	tok_reader_init(&r, oid.value, oid.len);
	if (!tok_reader_skip(&r, prefix_len, error) || !tok_reader_read_u8(&r, &out->scp, error) ||
	    !tok_reader_read_u8(&r, &out->i, error))
		return FALSE;

	/* Card management type and version: {globalPlatform 2 <v>...} (optional) */
	out->gp_version_len = 0;
	if (!tok_tlv_find_child(crd, TOK_GP_TAG_CARD_MGMT, &mgmt, &local_error)) {
		if (g_error_matches(local_error, TOK_ERROR, TOK_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	if (!tok_gp_crd_oid(&mgmt, &oid, error))
		return FALSE;
	if (oid.len <= sizeof(tok_gp_oid_card_mgmt) ||
	    oid.len > sizeof(tok_gp_oid_card_mgmt) + sizeof(out->gp_version) ||
	    !tok_gp_oid_has_prefix(&oid, tok_gp_oid_card_mgmt, sizeof(tok_gp_oid_card_mgmt))) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "tag 60 does not hold a GlobalPlatform card management OID");
		return FALSE;
	}
	tok_reader_init(&r, oid.value, oid.len);
	out->gp_version_len = (guint8)(oid.len - sizeof(tok_gp_oid_card_mgmt));
	if (!tok_reader_skip(&r, sizeof(tok_gp_oid_card_mgmt), error) ||
	    !tok_reader_read_into(&r, out->gp_version, out->gp_version_len, error))
		return FALSE;
	return TRUE;
}

gboolean
tok_gp_parse_card_recognition_data(const guint8 *data,
				   gsize len,
				   TokGpCardRecognition *out,
				   GError **error)
{
	TokTlv outer = {0};
	TokTlv crd = {0};
	TokGpCardRecognition tmp = {0};

	if (!tok_tlv_parse(data, len, &outer, error) || !tok_tlv_walk(data, len, NULL, NULL, error)) {
		g_prefix_error(error, "Card Recognition Data: ");
		return FALSE;
	}
	/* 66 { 73 { ... } }, or the 73 template alone */
	if (outer.tag == TOK_GP_TAG_CRD && outer.constructed) {
		if (!tok_tlv_find_child(&outer, TOK_GP_TAG_CRD_INNER, &crd, error)) {
			g_prefix_error(error, "Card Recognition Data: ");
			return FALSE;
		}
	} else if (outer.tag == TOK_GP_TAG_CRD_INNER) {
		crd = outer;
	} else {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "Card Recognition Data: unexpected tag %X",
			    outer.tag);
		return FALSE;
	}
	if (!crd.constructed) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "Card Recognition Data: tag 73 is not constructed");
		return FALSE;
	}
	if (!tok_gp_parse_crd_inner(&crd, &tmp, error)) {
		g_prefix_error(error, "Card Recognition Data: ");
		return FALSE;
	}
	*out = tmp;
	return TRUE;
}

static gboolean
tok_gp_parse_key_info_entry(const TokTlv *entry, TokGpKeyInfo *key, GError **error)
{
	TokReader r;

	if (entry->tag != TOK_GP_TAG_KEY_INFO) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unexpected tag %X (expected C0)",
			    entry->tag);
		return FALSE;
	}
	if (entry->len < 4 || entry->len % 2 != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key information of %" G_GSIZE_FORMAT
			    " bytes (expected id, version and type/length pairs)",
			    entry->len);
		return FALSE;
	}
	if ((entry->len - 2) / 2 > TOK_GP_KEY_INFO_MAX_COMPONENTS) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "key information with %" G_GSIZE_FORMAT " components (at most %d)",
			    (entry->len - 2) / 2,
			    TOK_GP_KEY_INFO_MAX_COMPONENTS);
		return FALSE;
	}
	tok_reader_init(&r, entry->value, entry->len);
	if (!tok_reader_read_u8(&r, &key->id, error) || !tok_reader_read_u8(&r, &key->version, error))
		return FALSE;
	key->n_components = 0;
	while (tok_reader_remaining(&r) > 0) {
		TokGpKeyComponent *c = &key->components[key->n_components];
		if (!tok_reader_read_u8(&r, &c->type, error) ||
		    !tok_reader_read_u8(&r, &c->length, error))
			return FALSE;
		if (c->type == 0xFF) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_NOT_SUPPORTED,
				    "key %02X: extended key information format is not supported",
				    key->id);
			return FALSE;
		}
		key->n_components++;
	}
	return TRUE;
}

gboolean
tok_gp_parse_key_information(const guint8 *data,
			     gsize len,
			     TokGpKeyInfoTemplate *out,
			     GError **error)
{
	TokTlv tmpl = {0};
	TokTlvIter iter;
	g_autofree TokGpKeyInfoTemplate *tmp = g_new0(TokGpKeyInfoTemplate, 1);

	if (!tok_tlv_parse(data, len, &tmpl, error)) {
		g_prefix_error(error, "Key Information Template: ");
		return FALSE;
	}
	if (tmpl.tag != TOK_GP_TAG_KEY_INFORMATION_TEMPLATE || !tmpl.constructed) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "Key Information Template: unexpected tag %X (expected E0)",
			    tmpl.tag);
		return FALSE;
	}
	if (!tok_tlv_iter_init_children(&iter, &tmpl, error))
		return FALSE;
	while (tok_tlv_iter_has_next(&iter)) {
		TokTlv entry = {0};

		if (tmp->n_keys >= TOK_GP_KEY_INFO_MAX_KEYS) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "Key Information Template: more than %d keys",
				    TOK_GP_KEY_INFO_MAX_KEYS);
			return FALSE;
		}
		if (!tok_tlv_iter_next(&iter, &entry, error) ||
		    !tok_gp_parse_key_info_entry(&entry, &tmp->keys[tmp->n_keys], error)) {
			g_prefix_error(error, "Key Information Template entry %u: ", tmp->n_keys);
			return FALSE;
		}
		tmp->n_keys++;
	}
	*out = *tmp;
	return TRUE;
}
