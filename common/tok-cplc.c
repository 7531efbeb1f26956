/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-cplc.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"

#define TOK_CPLC_TAG_HI 0x9F
#define TOK_CPLC_TAG_LO 0x7F

TokCplc *
tok_cplc_copy(const TokCplc *cplc)
{
	TokCplc *copy = g_new0(TokCplc, 1);
	*copy = *cplc;
	return copy;
}

void
tok_cplc_free(TokCplc *cplc)
{
	g_free(cplc);
}

G_DEFINE_BOXED_TYPE(TokCplc, tok_cplc, tok_cplc_copy, tok_cplc_free)

/* The fields in wire order. */
static void
tok_cplc_append_fields(GByteArray *out, const TokCplc *c)
{
	g_byte_array_append(out, c->ic_fabricator, sizeof(c->ic_fabricator));
	g_byte_array_append(out, c->ic_type, sizeof(c->ic_type));
	g_byte_array_append(out, c->os_id, sizeof(c->os_id));
	g_byte_array_append(out, c->os_release_date, sizeof(c->os_release_date));
	g_byte_array_append(out, c->os_release_level, sizeof(c->os_release_level));
	g_byte_array_append(out, c->ic_fabrication_date, sizeof(c->ic_fabrication_date));
	g_byte_array_append(out, c->ic_serial_number, sizeof(c->ic_serial_number));
	g_byte_array_append(out, c->ic_batch_identifier, sizeof(c->ic_batch_identifier));
	g_byte_array_append(out, c->ic_module_fabricator, sizeof(c->ic_module_fabricator));
	g_byte_array_append(out, c->ic_module_packaging_date, sizeof(c->ic_module_packaging_date));
	g_byte_array_append(out, c->icc_manufacturer, sizeof(c->icc_manufacturer));
	g_byte_array_append(out, c->ic_embedding_date, sizeof(c->ic_embedding_date));
	g_byte_array_append(out, c->ic_pre_personalizer, sizeof(c->ic_pre_personalizer));
	g_byte_array_append(out,
			    c->ic_pre_perso_equipment_date,
			    sizeof(c->ic_pre_perso_equipment_date));
	g_byte_array_append(out,
			    c->ic_pre_perso_equipment_id,
			    sizeof(c->ic_pre_perso_equipment_id));
	g_byte_array_append(out, c->ic_personalizer, sizeof(c->ic_personalizer));
	g_byte_array_append(out, c->ic_personalization_date, sizeof(c->ic_personalization_date));
	g_byte_array_append(out, c->ic_perso_equipment_id, sizeof(c->ic_perso_equipment_id));
}

static gboolean
tok_cplc_read_fields(TokReader *r, TokCplc *c, GError **error)
{
	return tok_reader_read_into(r, c->ic_fabricator, sizeof(c->ic_fabricator), error) &&
	       tok_reader_read_into(r, c->ic_type, sizeof(c->ic_type), error) &&
	       tok_reader_read_into(r, c->os_id, sizeof(c->os_id), error) &&
	       tok_reader_read_into(r, c->os_release_date, sizeof(c->os_release_date), error) &&
	       tok_reader_read_into(r, c->os_release_level, sizeof(c->os_release_level), error) &&
	       tok_reader_read_into(r,
				    c->ic_fabrication_date,
				    sizeof(c->ic_fabrication_date),
				    error) &&
	       tok_reader_read_into(r, c->ic_serial_number, sizeof(c->ic_serial_number), error) &&
	       tok_reader_read_into(r,
				    c->ic_batch_identifier,
				    sizeof(c->ic_batch_identifier),
				    error) &&
	       tok_reader_read_into(r,
				    c->ic_module_fabricator,
				    sizeof(c->ic_module_fabricator),
				    error) &&
	       tok_reader_read_into(r,
				    c->ic_module_packaging_date,
				    sizeof(c->ic_module_packaging_date),
				    error) &&
	       tok_reader_read_into(r, c->icc_manufacturer, sizeof(c->icc_manufacturer), error) &&
	       tok_reader_read_into(r, c->ic_embedding_date, sizeof(c->ic_embedding_date), error) &&
	       tok_reader_read_into(r,
				    c->ic_pre_personalizer,
				    sizeof(c->ic_pre_personalizer),
				    error) &&
	       tok_reader_read_into(r,
				    c->ic_pre_perso_equipment_date,
				    sizeof(c->ic_pre_perso_equipment_date),
				    error) &&
	       tok_reader_read_into(r,
				    c->ic_pre_perso_equipment_id,
				    sizeof(c->ic_pre_perso_equipment_id),
				    error) &&
	       tok_reader_read_into(r, c->ic_personalizer, sizeof(c->ic_personalizer), error) &&
	       tok_reader_read_into(r,
				    c->ic_personalization_date,
				    sizeof(c->ic_personalization_date),
				    error) &&
	       tok_reader_read_into(r,
				    c->ic_perso_equipment_id,
				    sizeof(c->ic_perso_equipment_id),
				    error);
}

/* CUID = fabricator || type || batch || serial; MSN = personalization equipment ID. The one
 * place the derivation is written, for parsed and for built CPLCs alike. */
static gboolean
tok_cplc_derive_identity(TokCplc *c, GError **error)
{
	g_autoptr(GByteArray) id = g_byte_array_new();
	TokReader r;

	g_byte_array_append(id, c->ic_fabricator, sizeof(c->ic_fabricator));
	g_byte_array_append(id, c->ic_type, sizeof(c->ic_type));
	g_byte_array_append(id, c->ic_batch_identifier, sizeof(c->ic_batch_identifier));
	g_byte_array_append(id, c->ic_serial_number, sizeof(c->ic_serial_number));
	g_byte_array_append(id, c->ic_perso_equipment_id, sizeof(c->ic_perso_equipment_id));
	tok_reader_init(&r, id->data, id->len);
	return tok_reader_read_into(&r, c->cuid, sizeof(c->cuid), error) &&
	       tok_reader_read_into(&r, c->msn, sizeof(c->msn), error) &&
	       tok_reader_expect_end(&r, error);
}

static TokCplc *
tok_cplc_parse_internal(const guint8 *data,
			gsize len,
			gboolean allow_sw,
			TokCplcParseFlags flags,
			GError **error)
{
	g_autoptr(TokCplc) cplc = g_new0(TokCplc, 1);
	TokReader r;
	guint8 tag_hi = 0, tag_lo = 0, field_len = 0;

	if (data == NULL)
		len = 0;
	if (len < TOK_CPLC_RESPONSE_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "CPLC response has %" G_GSIZE_FORMAT " bytes, expected %u",
			    len,
			    (guint)(allow_sw ? TOK_CPLC_RESPONSE_SW_SIZE : TOK_CPLC_RESPONSE_SIZE));
		return NULL;
	}
	if (len != TOK_CPLC_RESPONSE_SIZE && !(allow_sw && len == TOK_CPLC_RESPONSE_SW_SIZE)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CPLC response has %" G_GSIZE_FORMAT " bytes, expected %s",
			    len,
			    allow_sw ? "45 or 47 (with SW)" : "45");
		return NULL;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_u8(&r, &tag_hi, error) || !tok_reader_read_u8(&r, &tag_lo, error) ||
	    !tok_reader_read_u8(&r, &field_len, error))
		return NULL;
	if ((flags & TOK_CPLC_PARSE_FLAG_ANY_HEADER) == 0 &&
	    (tag_hi != TOK_CPLC_TAG_HI || tag_lo != TOK_CPLC_TAG_LO ||
	     field_len != TOK_CPLC_DATA_SIZE)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CPLC response starts with %02X %02X %02X, not 9F 7F 2A",
			    tag_hi,
			    tag_lo,
			    field_len);
		return NULL;
	}
	if (!tok_cplc_read_fields(&r, cplc, error)) {
		g_prefix_error(error, "CPLC: ");
		return NULL;
	}
	if (len == TOK_CPLC_RESPONSE_SW_SIZE) {
		guint16 sw = 0;
		if (!tok_reader_read_u16_be(&r, &sw, error))
			return NULL;
		if (sw != 0x9000) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "CPLC response ends with SW %04X, not 9000",
				    sw);
			return NULL;
		}
	}
	if (!tok_reader_expect_end(&r, error) || !tok_cplc_derive_identity(cplc, error)) {
		g_prefix_error(error, "CPLC: ");
		return NULL;
	}
	return g_steal_pointer(&cplc);
}

TokCplc *
tok_cplc_parse(const guint8 *data, gsize len, TokCplcParseFlags flags, GError **error)
{
	return tok_cplc_parse_internal(data, len, TRUE, flags, error);
}

TokCplc *
tok_cplc_parse_response(const TokApduResponse *response, TokCplcParseFlags flags, GError **error)
{
	GBytes *data;

	if (!tok_apdu_response_check(response, "GET DATA CPLC", error))
		return NULL;
	data = tok_apdu_response_get_data(response);
	return tok_cplc_parse_internal(g_bytes_get_data(data, NULL),
				       g_bytes_get_size(data),
				       FALSE,
				       flags,
				       error);
}

TokCplc *
tok_cplc_new_from_cuid(const guint8 *cuid,
		       gsize cuid_len,
		       const guint8 *msn,
		       gsize msn_len,
		       GError **error)
{
	g_autoptr(TokCplc) cplc = g_new0(TokCplc, 1);
	TokReader r;

	if (cuid == NULL || cuid_len != TOK_CUID_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CUID has %" G_GSIZE_FORMAT " bytes, expected %u",
			    cuid != NULL ? cuid_len : 0,
			    (guint)TOK_CUID_SIZE);
		return NULL;
	}
	if (msn == NULL || msn_len != TOK_MSN_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "MSN has %" G_GSIZE_FORMAT " bytes, expected %u",
			    msn != NULL ? msn_len : 0,
			    (guint)TOK_MSN_SIZE);
		return NULL;
	}
	tok_reader_init(&r, cuid, cuid_len);
	if (!tok_reader_read_into(&r, cplc->ic_fabricator, sizeof(cplc->ic_fabricator), error) ||
	    !tok_reader_read_into(&r, cplc->ic_type, sizeof(cplc->ic_type), error) ||
	    !tok_reader_read_into(&r,
				  cplc->ic_batch_identifier,
				  sizeof(cplc->ic_batch_identifier),
				  error) ||
	    !tok_reader_read_into(&r,
				  cplc->ic_serial_number,
				  sizeof(cplc->ic_serial_number),
				  error))
		return NULL;
	tok_reader_init(&r, msn, msn_len);
	if (!tok_reader_read_into(&r,
				  cplc->ic_perso_equipment_id,
				  sizeof(cplc->ic_perso_equipment_id),
				  error))
		return NULL;
	if (!tok_cplc_derive_identity(cplc, error))
		return NULL;
	return g_steal_pointer(&cplc);
}

GBytes *
tok_cplc_encode(const TokCplc *cplc, gboolean with_sw)
{
	g_autoptr(GByteArray) out = g_byte_array_sized_new(TOK_CPLC_RESPONSE_SW_SIZE);

	tok_byte_array_append_u8(out, TOK_CPLC_TAG_HI);
	tok_byte_array_append_u8(out, TOK_CPLC_TAG_LO);
	tok_byte_array_append_u8(out, TOK_CPLC_DATA_SIZE);
	tok_cplc_append_fields(out, cplc);
	if (with_sw)
		tok_byte_array_append_u16_be(out, 0x9000);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

gchar *
tok_cuid_to_hex(const guint8 *cuid)
{
	return tok_hex_encode(cuid, TOK_CUID_SIZE, TRUE);
}

gchar *
tok_cuid_to_hyphenated(const guint8 *cuid)
{
	g_autofree gchar *hex = tok_cuid_to_hex(cuid);
	GString *out = g_string_sized_new(TOK_CUID_HYPHENATED_LENGTH + 1);

	for (gsize i = 0; i < TOK_CUID_HEX_LENGTH; i += 4) {
		if (i > 0)
			g_string_append_c(out, '-');
		g_string_append_len(out, hex + i, 4);
	}
	return g_string_free(out, FALSE);
}

gchar *
tok_cplc_get_cuid_hex(const TokCplc *cplc)
{
	return tok_cuid_to_hex(cplc->cuid);
}

gchar *
tok_cplc_get_cuid_hyphenated(const TokCplc *cplc)
{
	return tok_cuid_to_hyphenated(cplc->cuid);
}

gchar *
tok_cplc_get_msn_hex(const TokCplc *cplc)
{
	return tok_hex_encode(cplc->msn, TOK_MSN_SIZE, TRUE);
}

gboolean
tok_cuid_parse(const gchar *text, guint8 *cuid, GError **error)
{
	g_autoptr(GString) digits = NULL;
	g_autoptr(GBytes) raw = NULL;
	TokReader r;
	gsize len;

	if (text == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no CUID text");
		return FALSE;
	}
	len = strlen(text);
	if (len != TOK_CUID_HEX_LENGTH && len != TOK_CUID_HYPHENATED_LENGTH) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CUID text has %" G_GSIZE_FORMAT
			    " characters, expected 20 hex digits or the hyphenated form",
			    len);
		return FALSE;
	}
	digits = g_string_sized_new(TOK_CUID_HEX_LENGTH + 1);
	for (gsize i = 0; i < len; i++) {
		/* hyphenated: XXXX-XXXX-XXXX-XXXX-XXXX, a hyphen at every fifth position */
		gboolean hyphen_here = len == TOK_CUID_HYPHENATED_LENGTH && i % 5 == 4;
		if (hyphen_here != (text[i] == '-')) {
			g_set_error(
			    error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "CUID text has an unexpected character at position %" G_GSIZE_FORMAT,
			    i);
			return FALSE;
		}
		if (!hyphen_here)
			g_string_append_c(digits, text[i]);
	}
	raw = tok_hex_decode(digits->str, TOK_HEX_FLAG_NONE, error);
	if (raw == NULL) {
		g_prefix_error(error, "CUID: ");
		return FALSE;
	}
	tok_reader_init_bytes(&r, raw);
	return tok_reader_read_into(&r, cuid, TOK_CUID_SIZE, error) &&
	       tok_reader_expect_end(&r, error);
}

gboolean
tok_cplc_cuid_matches_kdd(const TokCplc *cplc, const guint8 *kdd, gsize kdd_len)
{
	return kdd != NULL && kdd_len == TOK_CUID_SIZE &&
	       memcmp(cplc->cuid, kdd, TOK_CUID_SIZE) == 0;
}

gboolean
tok_cplc_check_kdd(const TokCplc *cplc, const guint8 *kdd, gsize kdd_len, GError **error)
{
	if (kdd == NULL || kdd_len != TOK_CUID_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "KDD has %" G_GSIZE_FORMAT " bytes, expected %u",
			    kdd != NULL ? kdd_len : 0,
			    (guint)TOK_CUID_SIZE);
		return FALSE;
	}
	if (!tok_cplc_cuid_matches_kdd(cplc, kdd, kdd_len)) {
		g_autofree gchar *cuid_hex = tok_cplc_get_cuid_hex(cplc);
		g_autofree gchar *kdd_hex = tok_hex_encode(kdd, kdd_len, TRUE);
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "KDD %s does not match CUID %s",
			    kdd_hex,
			    cuid_hex);
		return FALSE;
	}
	return TRUE;
}
