/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-certificate.h"
#include "esc-error.h"
#include "esc-test-script.h"
#include "esc-token-probe.h"
#include "vcard-card.h"

/* ---- against the in-process virtual card --------------------------------------------------- */

static GBytes *
vcard_transmit(GBytes *command, gpointer user_data, GError **error)
{
	return vcard_card_transmit(user_data, g_bytes_get_data(command, NULL), g_bytes_get_size(command), error);
}

static VcardCard *
make_vcard(gboolean blank)
{
	g_autoptr(GError) error = NULL;
	VcardCardConfig config;
	VcardCard *card;

	vcard_card_config_init(&config);
	config.blank = blank;
	config.has_cuid = TRUE;
	for (guint i = 0; i < 10; i++)
		config.cuid[i] = (guint8)(0xA0 + i);
	config.has_msn = TRUE;
	config.msn[0] = 0xDE;
	config.msn[1] = 0xAD;
	config.msn[2] = 0xBE;
	config.msn[3] = 0xEF;
	card = vcard_card_new(&config, &error);
	g_assert_no_error(error);
	vcard_card_power_on(card);
	return card;
}

static void
test_vcard_blank(void)
{
	g_autoptr(VcardCard) card = make_vcard(TRUE);
	g_autoptr(GBytes) atr = vcard_card_get_atr(card);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = esc_token_probe_run_with_transmit(vcard_transmit, card, atr, &error);

	g_assert_no_error(error);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_BLANK);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, "A0A1A2A3A4A5A6A7A8A9");
	g_assert_cmpuint(g_bytes_get_size(esc_token_info_get_cuid_bytes(info)), ==, 10);
	g_assert_cmpstr(esc_token_info_get_msn(info), ==, "DEADBEEF");
	g_assert_true(g_bytes_equal(esc_token_info_get_atr(info), atr));
	g_assert_null(esc_token_info_get_applet_version(info));
	g_assert_cmpuint(esc_token_info_get_life_cycle(info), ==, 0xF0);
	g_assert_null(esc_token_info_get_issuer_url(info));
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 0);
}

static void
test_vcard_formatted(void)
{
	g_autoptr(VcardCard) card = make_vcard(FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = esc_token_probe_run_with_transmit(vcard_transmit, card, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_FORMATTED);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, "A0A1A2A3A4A5A6A7A8A9");
	g_assert_cmpstr(esc_token_info_get_applet_version(info), ==, "1.4");
	g_assert_nonnull(esc_token_info_get_protocol_version(info));
	g_assert_cmpuint(esc_token_info_get_life_cycle(info), ==, 0x07);
	g_assert_null(esc_token_info_get_issuer_url(info));
	g_assert_null(esc_token_info_get_token_name(info));
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 0);
	g_assert_cmpuint(g_bytes_get_size(esc_token_info_get_atr(info)), ==, 0);
}

/* ---- scripted card -------------------------------------------------------------------------- */

static void
test_scripted_enrolled(void)
{
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GBytes) cert_der = esc_test_make_certificate("Alice Example");
	g_autoptr(GBytes) z0 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = NULL;
	EscCertificate *cert;

	esc_test_script_enrolled(script, cert_der, &z0);
	info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, ESC_TEST_CUID);
	g_assert_cmpstr(esc_token_info_get_msn(info), ==, ESC_TEST_MSN);
	g_assert_cmpstr(esc_token_info_get_applet_version(info), ==, "1.4");
	g_assert_cmpstr(esc_token_info_get_protocol_version(info), ==, "1.1");
	g_assert_cmpuint(esc_token_info_get_life_cycle(info), ==, 0x0F);
	g_assert_cmpstr(esc_token_info_get_issuer_url(info), ==, ESC_TEST_ISSUER_URL);
	g_assert_cmpstr(esc_token_info_get_token_name(info), ==, "Alice's token");
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 1);
	cert = g_ptr_array_index(esc_token_info_get_certificates(info), 0);
	g_assert_true(g_bytes_equal(esc_certificate_get_der(cert), cert_der));
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "Signing cert");
	g_assert_cmpstr(esc_certificate_get_subject(cert), ==, "CN=Alice Example");
	/* z0 was read in chunks of at most 0xD0 bytes, with the all-zero nonce */
	g_assert_cmpuint(g_bytes_get_size(z0), >, 0xD0);
	g_assert_true(esc_test_script_was_sent_prefix(script, "B0560000117A30000000000000D00000000000000000"));
}

static void
test_scripted_unsupported(void)
{
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);

	g_assert_no_error(error);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_UNSUPPORTED);
	g_assert_null(esc_token_info_get_cuid(info));
	g_assert_null(esc_token_info_get_msn(info));
	g_assert_null(esc_token_info_get_applet_version(info));
	/* it tried every card manager AID, the default application, GET DATA, the applet */
	g_assert_cmpuint(script->sent->len, ==, TOK_GP_N_ISD_AIDS + 3);
}

static void
test_scripted_z0_needs_login(void)
{
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GBytes) cert_der = esc_test_make_certificate("x");
	g_autoptr(GBytes) entry = esc_test_object_entry(TOK_COOLKEY_OBJECT_ID_Z0, 300, TOK_COOLKEY_ACL_USER);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = NULL;

	esc_test_script_enrolled(script, cert_der, NULL);
	esc_test_script_set(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), entry, TOK_SW_OK);
	info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 0);
	g_assert_false(esc_test_script_was_sent_prefix(script, "B056"));
}

static void
test_scripted_lifecycle_fallback(void)
{
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GBytes) cert_der = esc_test_make_certificate("x");
	g_autoptr(GBytes) one = g_bytes_new_static("\x07", 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = NULL;
	g_autoptr(EscTokenInfo) unknown = NULL;

	/* the 4-byte form is refused, the 1-byte form says 07: certificates of an enrollment
	 * that did not finish do not make the card enrolled */
	esc_test_script_enrolled(script, cert_der, NULL);
	esc_test_script_set_sw(script, tok_coolkey_apdu_get_lifecycle(TRUE), 0x6700);
	esc_test_script_set(script, tok_coolkey_apdu_get_lifecycle(FALSE), one, TOK_SW_OK);
	info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(esc_token_info_get_life_cycle(info), ==, 0x07);
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 1);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_FORMATTED);

	/* neither form: unknown (F0), as the TPS; with certificates that is enrolled */
	esc_test_script_set_sw(script, tok_coolkey_apdu_get_lifecycle(FALSE), 0x6D00);
	unknown = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(esc_token_info_get_life_cycle(unknown), ==, 0xF0);
	g_assert_cmpint(esc_token_info_get_status(unknown), ==, ESC_TOKEN_STATUS_ENROLLED);
}

static void
test_scripted_no_issuer_info(void)
{
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GBytes) cert_der = esc_test_make_certificate("x");
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = NULL;
	g_autoptr(EscTokenInfo) info2 = NULL;
	guint8 zeros[TOK_COOLKEY_ISSUER_INFO_SIZE] = {0};
	g_autoptr(GBytes) blank = g_bytes_new(zeros, sizeof(zeros));

	esc_test_script_enrolled(script, cert_der, NULL);
	esc_test_script_set_sw(script, tok_coolkey_apdu_get_issuer_info(), 0x6D00);
	info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(esc_token_info_get_issuer_url(info));
	esc_test_script_set(script, tok_coolkey_apdu_get_issuer_info(), blank, TOK_SW_OK);
	info2 = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(esc_token_info_get_issuer_url(info2));
}

/* 61xx is followed with GET RESPONSE, 6Cxx with a resend */
static void
test_scripted_get_response(void)
{
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GBytes) cmd = tok_hex_decode("00B0000000", TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GBytes) cmd2 = tok_hex_decode("00CA010000", TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GBytes) cmd3 = tok_hex_decode("00CA020000", TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GBytes) bad = tok_hex_decode("0102", TOK_HEX_FLAG_NONE, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(GBytes) reply2 = NULL;
	g_autoptr(GBytes) reply3 = NULL;
	g_autoptr(GBytes) reply4 = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *hex2 = NULL;

	esc_test_script_set_hex(script, "00B0000000", "6C05");
	esc_test_script_set_hex(script, "00B0000005", "0102030405 9000");
	reply = esc_card_transmit_full(esc_test_script_transmit, script, cmd, &error);
	g_assert_no_error(error);
	hex = tok_hex_encode_bytes(reply, TRUE);
	g_assert_cmpstr(hex, ==, "01020304059000");

	esc_test_script_set_hex(script, "00CA010000", "AABB 6102");
	esc_test_script_set_hex(script, "00C0000002", "CCDD 6A82");
	reply2 = esc_card_transmit_full(esc_test_script_transmit, script, cmd2, &error);
	g_assert_no_error(error);
	hex2 = tok_hex_encode_bytes(reply2, TRUE);
	g_assert_cmpstr(hex2, ==, "AABBCCDD6A82");

	/* a card that keeps saying 61xx is cut off */
	esc_test_script_set_hex(script, "00CA020000", "AA 6101");
	esc_test_script_set_hex(script, "00C0000001", "BB 6101");
	reply3 = esc_card_transmit_full(esc_test_script_transmit, script, cmd3, &error);
	g_assert_null(reply3);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD);
	g_clear_error(&error);

	/* a command that cannot be re-encoded after 6Cxx */
	esc_test_script_set_hex(script, "0102", "6C10");
	reply4 = esc_card_transmit_full(esc_test_script_transmit, script, bad, &error);
	g_assert_null(reply4);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_FAILED);
}

typedef void (*BreakFunc)(EscTestScript *script, GBytes *z0);

static void
break_cplc(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) short_cplc = g_bytes_new_static("\x9F\x7F\x2A\x01", 4);
	esc_test_script_set(script, tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE), short_cplc, TOK_SW_OK);
}

static void
break_status_sw(EscTestScript *script, GBytes *z0)
{
	esc_test_script_set_sw(script, tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL), 0x6D00);
}

static void
break_status_data(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) data = g_bytes_new_static("\x01\x01\x01\x04", 4);
	esc_test_script_set(script, tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL), data, TOK_SW_OK);
}

static void
break_lifecycle(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) data = g_bytes_new_static("\x0F\x01\x01", 3);
	esc_test_script_set(script, tok_coolkey_apdu_get_lifecycle(TRUE), data, TOK_SW_OK);
}

static void
break_issuer(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) data = g_bytes_new_static("http://x\0", 9);
	esc_test_script_set(script, tok_coolkey_apdu_get_issuer_info(), data, TOK_SW_OK);
}

static void
break_issuer_text(EscTestScript *script, GBytes *z0)
{
	guint8 buf[TOK_COOLKEY_ISSUER_INFO_SIZE] = {0};
	g_autoptr(GBytes) data = NULL;

	buf[0] = 'h';
	buf[1] = 0x01; /* not printable */
	data = g_bytes_new(buf, sizeof(buf));
	esc_test_script_set(script, tok_coolkey_apdu_get_issuer_info(), data, TOK_SW_OK);
}

static void
break_list_entry(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) data = g_bytes_new_static("\x7A\x30\x00\x00\x00", 5);
	esc_test_script_set(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), data, TOK_SW_OK);
}

static void
break_list_sw(EscTestScript *script, GBytes *z0)
{
	esc_test_script_set_sw(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), 0x6A82);
}

static void
break_list_endless(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) entry = esc_test_object_entry(TOK_COOLKEY_OBJECT_ID('c', '1'), 10, TOK_COOLKEY_ACL_ANYONE);
	esc_test_script_set(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_NEXT), entry, TOK_SW_OK);
}

static void
break_z0_size(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) entry = esc_test_object_entry(TOK_COOLKEY_OBJECT_ID_Z0, 5, TOK_COOLKEY_ACL_ANYONE);
	esc_test_script_set(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), entry, TOK_SW_OK);
}

static void
break_read_short(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) shorter = g_bytes_new_from_bytes(z0, 0, g_bytes_get_size(z0) - 1);
	/* the last chunk comes back one byte short */
	esc_test_script_set_object(script, TOK_COOLKEY_OBJECT_ID_Z0, z0);
	{
		static const guint8 zero[TOK_COOLKEY_NONCE_SIZE] = {0};
		g_autoptr(GBytes) nonce = g_bytes_new_static(zero, sizeof(zero));
		gsize size = g_bytes_get_size(z0);
		guint32 last = (guint32)((size - 1) / 0xD0 * 0xD0);
		g_autoptr(GBytes) tail = g_bytes_new_from_bytes(shorter, last, g_bytes_get_size(shorter) - last);
		esc_test_script_set(script,
				    tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_Z0, last, (guint)(size - last),
								 nonce, FALSE, NULL),
				    tail,
				    TOK_SW_OK);
	}
}

static void
break_read_sw(EscTestScript *script, GBytes *z0)
{
	static const guint8 zero[TOK_COOLKEY_NONCE_SIZE] = {0};
	g_autoptr(GBytes) nonce = g_bytes_new_static(zero, sizeof(zero));

	esc_test_script_set_sw(script,
			       tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_Z0, 0, 0xD0, nonce, FALSE, NULL),
			       0x9C06);
}

static void
break_z0_content(EscTestScript *script, GBytes *z0)
{
	/* same size, but the compression field says 7 */
	g_autoptr(GByteArray) bad = g_byte_array_new();
	g_autoptr(GBytes) bad_bytes = NULL;

	tok_byte_array_append_bytes(bad, z0);
	bad->data[15] = 7;
	bad_bytes = g_byte_array_free_to_bytes(g_steal_pointer(&bad));
	esc_test_script_set_object(script, TOK_COOLKEY_OBJECT_ID_Z0, bad_bytes);
}

static void
break_certificate(EscTestScript *script, GBytes *z0)
{
	g_autoptr(GBytes) junk = g_bytes_new_static("\x30\x03\x02\x01\x01", 5);
	g_autoptr(GBytes) bad_z0 = esc_test_make_z0(junk, "junk");
	g_autoptr(GBytes) entry = esc_test_object_entry(TOK_COOLKEY_OBJECT_ID_Z0, (guint32)g_bytes_get_size(bad_z0), TOK_COOLKEY_ACL_ANYONE);

	esc_test_script_set(script, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), entry, TOK_SW_OK);
	esc_test_script_set_object(script, TOK_COOLKEY_OBJECT_ID_Z0, bad_z0);
}

static void
break_short_answer(EscTestScript *script, GBytes *z0)
{
	g_autoptr(TokApdu) apdu = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(GBytes) raw = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, NULL);
	g_autofree gchar *hex = tok_hex_encode_bytes(raw, TRUE);

	esc_test_script_set_hex(script, hex, "90");
}

typedef struct {
	const gchar *name;
	BreakFunc func;
	const gchar *message; /* a part of the error message */
} BreakCase;

static const BreakCase break_cases[] = {
    {"cplc", break_cplc, "CPLC"},
    {"status-sw", break_status_sw, "GET STATUS: the card answered"},
    {"status-data", break_status_data, "GET STATUS: the answer does not parse"},
    {"lifecycle", break_lifecycle, "GET LIFE CYCLE"},
    {"issuer-length", break_issuer, "GET ISSUER INFO"},
    {"issuer-text", break_issuer_text, "GET ISSUER INFO"},
    {"list-entry", break_list_entry, "LIST OBJECTS: an entry"},
    {"list-sw", break_list_sw, "LIST OBJECTS: the card answered"},
    {"list-endless", break_list_endless, "more than 128 objects"},
    {"z0-size", break_z0_size, "impossible size"},
    {"read-short", break_read_short, "READ OBJECT z0"},
    {"read-sw", break_read_sw, "READ OBJECT z0: the card answered"},
    {"z0-content", break_z0_content, "z0 does not parse"},
    {"certificate", break_certificate, "certificate c1 in z0"},
    {"short-answer", break_short_answer, "less than a status word"},
};

static void
test_scripted_broken(gconstpointer data)
{
	const BreakCase *bc = data;
	g_autoptr(EscTestScript) script = esc_test_script_new();
	g_autoptr(GBytes) cert_der = esc_test_make_certificate("Alice");
	g_autoptr(GBytes) z0 = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = NULL;

	esc_test_script_enrolled(script, cert_der, &z0);
	bc->func(script, z0);
	info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
	g_assert_null(info);
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD);
	if (strstr(error->message, bc->message) == NULL)
		g_error("“%s” does not say “%s”", error->message, bc->message);
}

/* a card pulled at any step: ESC_ERROR_CARD_REMOVED comes through, named by the step */
static void
test_scripted_removed(void)
{
	g_autoptr(GBytes) cert_der = esc_test_make_certificate("Alice");
	guint total;

	{
		g_autoptr(EscTestScript) script = esc_test_script_new();
		g_autoptr(EscTokenInfo) info = NULL;

		esc_test_script_enrolled(script, cert_der, NULL);
		info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, NULL);
		g_assert_nonnull(info);
		total = script->sent->len;
	}
	for (guint n = 0; n < total; n++) {
		g_autoptr(EscTestScript) script = esc_test_script_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(EscTokenInfo) info = NULL;

		esc_test_script_enrolled(script, cert_der, NULL);
		script->fail_after = (gint)n;
		info = esc_token_probe_run_with_transmit(esc_test_script_transmit, script, NULL, &error);
		g_assert_null(info);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
		g_assert_true(g_str_has_suffix(error->message, "the card was removed from reader “script”"));
		g_assert_cmpstr(error->message, !=, "the card was removed from reader “script”");
	}
}

static void
test_decide_status(void)
{
	g_assert_cmpint(esc_token_probe_decide_status(FALSE, FALSE, 0xF0, FALSE, 0), ==, ESC_TOKEN_STATUS_UNSUPPORTED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, FALSE, 0xF0, FALSE, 0), ==, ESC_TOKEN_STATUS_BLANK);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0x07, FALSE, 0), ==, ESC_TOKEN_STATUS_FORMATTED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0x0F, FALSE, 0), ==, ESC_TOKEN_STATUS_FORMATTED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0x0F, FALSE, 2), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpint(esc_token_probe_decide_status(FALSE, TRUE, 0x0F, FALSE, 1), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0xF0, FALSE, 1), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0x07, FALSE, 1), ==, ESC_TOKEN_STATUS_FORMATTED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0x0F, TRUE, 0), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpint(esc_token_probe_decide_status(TRUE, TRUE, 0x07, TRUE, 0), ==, ESC_TOKEN_STATUS_FORMATTED);
}

static void
test_status_names(void)
{
	g_autoptr(GEnumClass) klass = g_type_class_ref(ESC_TYPE_TOKEN_STATUS);

	for (gint s = ESC_TOKEN_STATUS_UNKNOWN; s <= ESC_TOKEN_STATUS_ERROR; s++) {
		GEnumValue *value = g_enum_get_value(klass, s);

		g_assert_nonnull(value);
		g_assert_cmpstr(value->value_nick, ==, esc_token_status_to_string(s));
		g_assert_cmpstr(esc_token_status_to_label(s), !=, "");
	}
	g_assert_cmpstr(esc_token_status_to_string(ESC_TOKEN_STATUS_BLANK), ==, "blank");
	g_assert_cmpstr(esc_token_status_to_string(ESC_TOKEN_STATUS_ENROLLED), ==, "enrolled");
	g_assert_cmpstr(esc_token_status_to_label(ESC_TOKEN_STATUS_BLANK), ==, "Blank (needs formatting)");
	g_assert_cmpstr(esc_token_status_to_string((EscTokenStatus)99), ==, "unknown");
	g_assert_true(G_TYPE_IS_BOXED(ESC_TYPE_TOKEN_INFO));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/token-probe/vcard/blank", test_vcard_blank);
	g_test_add_func("/esc/token-probe/vcard/formatted", test_vcard_formatted);
	g_test_add_func("/esc/token-probe/scripted/enrolled", test_scripted_enrolled);
	g_test_add_func("/esc/token-probe/scripted/unsupported", test_scripted_unsupported);
	g_test_add_func("/esc/token-probe/scripted/z0-needs-login", test_scripted_z0_needs_login);
	g_test_add_func("/esc/token-probe/scripted/lifecycle-fallback", test_scripted_lifecycle_fallback);
	g_test_add_func("/esc/token-probe/scripted/no-issuer-info", test_scripted_no_issuer_info);
	g_test_add_func("/esc/token-probe/scripted/get-response", test_scripted_get_response);
	g_test_add_func("/esc/token-probe/scripted/removed", test_scripted_removed);
	for (guint i = 0; i < G_N_ELEMENTS(break_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/esc/token-probe/scripted/broken/%s", break_cases[i].name);
		g_test_add_data_func(path, &break_cases[i], test_scripted_broken);
	}
	g_test_add_func("/esc/token-probe/decide-status", test_decide_status);
	g_test_add_func("/esc/token-probe/status-names", test_status_names);
	return g_test_run();
}
