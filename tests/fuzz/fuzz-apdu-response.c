/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every parser of card bytes: command APDUs, response APDUs, the BER-TLV walker and the
 * GlobalPlatform response parsers all get the same input, and round trips are checked.
 */
#include "config.h"

#include <glib.h>

#include "fuzz.h"
#include "tok-apdu.h"
#include "tok-error.h"
#include "tok-gp-apdu.h"
#include "tok-status-word.h"
#include "tok-tlv.h"

static void
fuzz_command(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) apdu = tok_apdu_parse(data, size, &error);
	g_autoptr(GBytes) again = NULL;
	g_autofree gchar *hidden = NULL;
	g_autofree gchar *shown = NULL;
	gboolean extended;

	if (apdu == NULL) {
		g_assert_nonnull(error);
		g_assert_true(error->domain == TOK_ERROR);
		return;
	}
	/* the parsed value re-encodes to exactly the input in the form it came in */
	extended = size > 5 && data[4] == 0x00;
	again = tok_apdu_encode(apdu,
				extended ? TOK_APDU_ENCODING_EXTENDED : TOK_APDU_ENCODING_SHORT,
				&error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(again, NULL), g_bytes_get_size(again), data, size);
	hidden = tok_apdu_to_string(apdu, FALSE);
	shown = tok_apdu_to_string(apdu, TRUE);
	g_assert_nonnull(hidden);
	g_assert_nonnull(shown);
}

static void
fuzz_response(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApduResponse) response = tok_apdu_response_parse(data, size, &error);
	g_autoptr(GBytes) again = NULL;

	if (response == NULL) {
		g_assert_nonnull(error);
		return;
	}
	again = tok_apdu_response_encode(response);
	g_assert_cmpmem(g_bytes_get_data(again, NULL), g_bytes_get_size(again), data, size);
	if (!tok_apdu_response_check(response, "fuzz", &error)) {
		g_assert_nonnull(error);
		g_assert_cmpint(error->code, ==, tok_status_word_to_error_code(tok_apdu_response_get_sw(response)));
	}
	g_assert_nonnull(tok_status_word_describe(tok_apdu_response_get_sw(response)));
}

static gboolean
fuzz_tlv_cb(const TokTlv *tlv, gpointer user_data, GError **error)
{
	gsize *total = user_data;
	g_assert_cmpuint(tlv->depth, <=, TOK_TLV_MAX_DEPTH);
	g_assert_true(tlv->len == 0 || tlv->value != NULL);
	*total += tlv->len;
	return TRUE;
}

static void
fuzz_tlv(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	gsize total = 0;
	TokTlv tlv = {0};

	if (tok_tlv_walk(data, size, fuzz_tlv_cb, &total, &error)) {
		g_autoptr(GByteArray) rebuilt = g_byte_array_new();
		TokTlvIter iter;

		/* re-encoding a well-formed top level with minimal lengths never makes it longer */
		tok_tlv_iter_init(&iter, data, size);
		while (tok_tlv_iter_has_next(&iter)) {
			g_assert_true(tok_tlv_iter_next(&iter, &tlv, NULL));
			tok_tlv_append(rebuilt, tlv.tag, tlv.value, (guint32)tlv.len);
		}
		g_assert_cmpuint(rebuilt->len, <=, size);
	}
	g_clear_error(&error);
	if (tok_tlv_find_recursive(data, size, 0x84, &tlv, &error))
		g_assert_cmphex(tlv.tag, ==, 0x84);
	g_clear_error(&error);
	(void)tok_tlv_parse(data, size, &tlv, NULL);
}

static void
fuzz_gp(const uint8_t *data, size_t size)
{
	TokGpFci fci = {0};
	TokGpInitUpdateResponse iu = {0};
	TokGpCardRecognition crd = {0};
	g_autofree TokGpKeyInfoTemplate *kit = g_new0(TokGpKeyInfoTemplate, 1);
	g_autoptr(GError) error = NULL;

	if (tok_gp_parse_select_fci(data, size, &fci, &error))
		g_assert_true(fci.aid_len >= TOK_GP_AID_MIN_LEN && fci.aid_len <= TOK_GP_AID_MAX_LEN);
	g_clear_error(&error);
	if (tok_gp_parse_initialize_update(data, size, &iu, &error))
		g_assert_true(iu.scp >= 1 && iu.scp <= 3);
	g_clear_error(&error);
	(void)tok_gp_parse_card_recognition_data(data, size, &crd, &error);
	g_clear_error(&error);
	if (tok_gp_parse_key_information(data, size, kit, &error))
		g_assert_cmpuint(kit->n_keys, <=, TOK_GP_KEY_INFO_MAX_KEYS);
	g_clear_error(&error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the parsers also see the data part of a response (without SW1 SW2) */
	fuzz_command(data, size);
	fuzz_response(data, size);
	fuzz_tlv(data, size);
	fuzz_gp(data, size);
	if (size >= 2) {
		fuzz_tlv(data, size - 2);
		fuzz_gp(data, size - 2);
	}
	return 0;
}
