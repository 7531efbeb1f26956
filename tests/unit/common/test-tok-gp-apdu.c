/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-apdu.h"

static GBytes *
hex(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GBytes *b = tok_hex_decode(text, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	return b;
}

/* the automatic (short) wire form of @apdu equals @want */
static void
assert_apdu(const TokApdu *apdu, const gchar *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wire = NULL;
	g_autoptr(GBytes) w = hex(want);
	g_autofree gchar *got = NULL;
	g_autofree gchar *exp = tok_hex_encode_bytes(w, TRUE);

	g_assert_nonnull(apdu);
	wire = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, &error);
	g_assert_no_error(error);
	got = tok_hex_encode_bytes(wire, TRUE);
	g_assert_cmpstr(got, ==, exp);
}

static const guint8 host_challenge[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};

static void
test_aid_constants(void)
{
	g_assert_cmpuint(tok_gp_aid_coolkey_instance.len, ==, 7);
	g_assert_cmpmem(tok_gp_aid_coolkey_instance.bytes, 7, "\x62\x76\x01\xFF\x00\x00\x00", 7);
	g_assert_cmpuint(tok_gp_aid_coolkey_package.len, ==, 6);
	g_assert_cmpmem(tok_gp_aid_coolkey_package.bytes, 6, "\x62\x76\x01\xFF\x00\x00", 6);
	g_assert_cmpmem(tok_gp_aid_coolkey_old_instance.bytes, tok_gp_aid_coolkey_old_instance.len,
			"\xA0\x00\x00\x00\x01\x01", 6);
	g_assert_cmpmem(tok_gp_aid_coolkey_old_package.bytes, tok_gp_aid_coolkey_old_package.len,
			"\xA0\x00\x00\x00\x01", 5);
	g_assert_cmpmem(tok_gp_aid_card_manager.bytes, tok_gp_aid_card_manager.len,
			"\xA0\x00\x00\x00\x03\x00\x00", 7);
	g_assert_cmpmem(tok_gp_aid_isd_gp211.bytes, tok_gp_aid_isd_gp211.len,
			"\xA0\x00\x00\x00\x03\x00\x00\x00", 8);
	g_assert_cmpmem(tok_gp_aid_isd_gp.bytes, tok_gp_aid_isd_gp.len, "\xA0\x00\x00\x01\x51\x00\x00", 7);
	g_assert_true(tok_gp_isd_aids[0] == &tok_gp_aid_card_manager);
	g_assert_true(tok_gp_isd_aids[1] == &tok_gp_aid_isd_gp211);
	g_assert_true(tok_gp_isd_aids[2] == &tok_gp_aid_isd_gp);
}

static void
test_helpers(void)
{
	g_assert_cmpint(tok_gp_platform_for_scp(TOK_GP_APDU_SCP01), ==, TOK_GP_PLATFORM_GP201);
	g_assert_cmpint(tok_gp_platform_for_scp(TOK_GP_APDU_SCP02), ==, TOK_GP_PLATFORM_GP211);
	g_assert_cmpint(tok_gp_platform_for_scp(TOK_GP_APDU_SCP03), ==, TOK_GP_PLATFORM_GP211);
	g_assert_cmpint(tok_gp_platform_for_scp(0x00), ==, TOK_GP_PLATFORM_GP201);
	g_assert_cmpuint(tok_gp_load_block_size(TOK_GP_DEFAULT_CHANNEL_BLOCK_SIZE, TOK_GP_APDU_SCP01), ==, 208);
	g_assert_cmpuint(tok_gp_load_block_size(TOK_GP_DEFAULT_CHANNEL_BLOCK_SIZE, TOK_GP_APDU_SCP02), ==, 216);
	g_assert_cmpuint(tok_gp_load_block_size(TOK_GP_DEFAULT_CHANNEL_BLOCK_SIZE, TOK_GP_APDU_SCP03), ==, 216);
	g_assert_cmpuint(tok_gp_load_block_size(242, TOK_GP_APDU_SCP01), ==, 226);
	g_assert_cmpuint(tok_gp_load_block_size(16, TOK_GP_APDU_SCP01), ==, 0);
	g_assert_cmpuint(tok_gp_load_block_size(8, TOK_GP_APDU_SCP02), ==, 0);
	g_assert_cmpuint(tok_gp_load_block_size(4000, TOK_GP_APDU_SCP02), ==, 255);
}

static void
test_select(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) def = tok_gp_apdu_select_default();
	g_autoptr(TokApdu) isd = tok_gp_apdu_select(tok_gp_aid_card_manager.bytes, tok_gp_aid_card_manager.len, TRUE, &error);
	g_autoptr(TokApdu) ck = tok_gp_apdu_select(tok_gp_aid_coolkey_instance.bytes, tok_gp_aid_coolkey_instance.len, TRUE, &error);
	g_autoptr(TokApdu) ck_nole = tok_gp_apdu_select(tok_gp_aid_coolkey_instance.bytes, tok_gp_aid_coolkey_instance.len, FALSE, &error);
	g_autoptr(TokApdu) retry = tok_apdu_new_with_le(def, 0x1C);

	g_assert_no_error(error);
	assert_apdu(def, "00 A4 04 00 00");
	assert_apdu(isd, "00 A4 04 00 07 A0 00 00 00 03 00 00 00");
	assert_apdu(ck, "00 A4 04 00 07 62 76 01 FF 00 00 00 00");
	assert_apdu(ck_nole, "00 A4 04 00 07 62 76 01 FF 00 00 00");
	/* after 6C 1C the TPS re-sends with Le = 1C */
	assert_apdu(retry, "00 A4 04 00 1C");
}

static void
test_select_errors(void)
{
	const guint8 aid[17] = {0xA0};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) a = tok_gp_apdu_select(aid, 4, TRUE, &error);

	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_select(aid, 17, TRUE, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_select(NULL, 7, TRUE, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_select(aid, 16, FALSE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(a);
}

static void
test_get_data(void)
{
	g_autoptr(TokApdu) cplc = tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApdu) crd = tok_gp_apdu_get_data(TOK_GP_TAG_CARD_RECOGNITION_DATA, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApdu) kit = tok_gp_apdu_get_data(TOK_GP_TAG_KEY_INFORMATION_TEMPLATE, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApdu) le256 = tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, 0x00);

	assert_apdu(cplc, "80 CA 9F 7F 2D");
	assert_apdu(crd, "80 CA 00 66 2D");
	assert_apdu(kit, "80 CA 00 E0 2D");
	assert_apdu(le256, "80 CA 9F 7F 00");
	g_assert_cmpint(tok_apdu_get_le(le256), ==, 256);
}

static void
test_initialize_update(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) a = tok_gp_apdu_initialize_update(0x00, 0x00, host_challenge, 8, &error);
	g_autoptr(TokApdu) b = tok_gp_apdu_initialize_update(0x02, 0x01, host_challenge, 8, &error);
	g_autoptr(TokApdu) bad = NULL;

	g_assert_no_error(error);
	assert_apdu(a, "80 50 00 00 08 11 22 33 44 55 66 77 88");
	g_assert_cmpint(tok_apdu_get_le(a), ==, TOK_APDU_NO_LE);
	assert_apdu(b, "80 50 02 01 08 11 22 33 44 55 66 77 88");
	bad = tok_gp_apdu_initialize_update(0, 0, host_challenge, 7, &error);
	g_assert_null(bad);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	bad = tok_gp_apdu_initialize_update(0, 0, NULL, 8, &error);
	g_assert_null(bad);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_external_authenticate(void)
{
	const guint8 good[] = {0x00, 0x01, 0x03, 0x11, 0x13, 0x33};
	const guint8 bad[] = {0x02, 0x04, 0x08, 0x20, 0x22, 0x40, 0x80, 0x21};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) a = tok_gp_apdu_external_authenticate(TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC, host_challenge, 8, &error);

	g_assert_no_error(error);
	assert_apdu(a, "84 82 03 00 08 11 22 33 44 55 66 77 88");
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(TokApdu) x = tok_gp_apdu_external_authenticate(good[i], host_challenge, 8, &error);
		g_assert_no_error(error);
		g_assert_cmphex(tok_apdu_get_p1(x), ==, good[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(TokApdu) x = tok_gp_apdu_external_authenticate(bad[i], host_challenge, 8, &error);
		g_assert_null(x);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	{
		g_autoptr(TokApdu) x = tok_gp_apdu_external_authenticate(0x03, host_challenge, 16, &error);
		g_assert_null(x);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_put_key(void)
{
	g_autoptr(GByteArray) ksd = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) a = NULL;
	g_autoptr(TokApdu) b = NULL;
	g_autoptr(TokApdu) c = NULL;
	g_autoptr(GBytes) wire = NULL;
	const guint8 *w;

	/* SCP01 key set data: version, then 3 x (81 10 <16> 03 <kcv 3>) = 67 bytes */
	tok_byte_array_append_u8(ksd, 0x02);
	for (guint k = 0; k < 3; k++) {
		tok_byte_array_append_u8(ksd, 0x81);
		tok_byte_array_append_u8(ksd, 0x10);
		for (guint i = 0; i < 16; i++)
			tok_byte_array_append_u8(ksd, (guint8)(k * 16 + i));
		tok_byte_array_append_u8(ksd, 0x03);
		tok_byte_array_append_u8(ksd, 0xAA);
		tok_byte_array_append_u8(ksd, 0xBB);
		tok_byte_array_append_u8(ksd, (guint8)k);
	}
	g_assert_cmpuint(ksd->len, ==, 67);

	a = tok_gp_apdu_put_key(0x01, ksd->data, ksd->len, FALSE, &error);
	g_assert_no_error(error);
	wire = tok_apdu_encode(a, TOK_APDU_ENCODING_SHORT, &error);
	w = g_bytes_get_data(wire, NULL);
	g_assert_cmpuint(g_bytes_get_size(wire), ==, 5 + 67);
	g_assert_cmpmem(w, 5, "\x84\xD8\x01\x81\x43", 5);
	g_assert_cmpmem(w + 5, 67, ksd->data, 67);

	/* factory keys (FF) are replaced with P1 00; trailer Le for SCP02/03 */
	b = tok_gp_apdu_put_key(0xFF, ksd->data, ksd->len, TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmphex(tok_apdu_get_p1(b), ==, 0x00);
	g_assert_cmphex(tok_apdu_get_p2(b), ==, 0x81);
	g_assert_cmpint(tok_apdu_get_le(b), ==, 256);
	g_clear_pointer(&wire, g_bytes_unref);
	wire = tok_apdu_encode(b, TOK_APDU_ENCODING_SHORT, &error);
	g_assert_cmpuint(g_bytes_get_size(wire), ==, 5 + 67 + 1);
	g_assert_cmphex(((const guint8 *)g_bytes_get_data(wire, NULL))[72], ==, 0x00);

	c = tok_gp_apdu_put_key(0x01, ksd->data, 0, FALSE, &error);
	g_assert_null(c);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	{
		g_autofree guint8 *big = g_malloc0(256);
		c = tok_gp_apdu_put_key(0x01, big, 256, FALSE, &error);
		g_assert_null(c);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_delete(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) inst201 = tok_gp_apdu_delete(tok_gp_aid_coolkey_instance.bytes, tok_gp_aid_coolkey_instance.len, TOK_GP_PLATFORM_GP201, &error);
	g_autoptr(TokApdu) pkg201 = tok_gp_apdu_delete(tok_gp_aid_coolkey_package.bytes, tok_gp_aid_coolkey_package.len, TOK_GP_PLATFORM_GP201, &error);
	g_autoptr(TokApdu) inst211 = tok_gp_apdu_delete(tok_gp_aid_coolkey_instance.bytes, tok_gp_aid_coolkey_instance.len, TOK_GP_PLATFORM_GP211, &error);
	g_autoptr(TokApdu) bad = NULL;

	g_assert_no_error(error);
	assert_apdu(inst201, "84 E4 00 00 09 4F 07 62 76 01 FF 00 00 00");
	assert_apdu(pkg201, "84 E4 00 00 08 4F 06 62 76 01 FF 00 00");
	assert_apdu(inst211, "84 E4 00 80 09 4F 07 62 76 01 FF 00 00 00 00");
	bad = tok_gp_apdu_delete(tok_gp_aid_coolkey_instance.bytes, 3, TOK_GP_PLATFORM_GP201, &error);
	g_assert_null(bad);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
test_install_for_load(void)
{
	g_autoptr(GError) error = NULL;
	/* protocol.md 5.3 worked example: GP201, package 627601FF0000, 7200-byte file */
	g_autoptr(TokApdu) gp201 = tok_gp_apdu_install_for_load(tok_gp_aid_coolkey_package.bytes,
								 tok_gp_aid_coolkey_package.len,
								 NULL,
								 0,
								 7200,
								 TOK_GP_PLATFORM_GP201,
								 &error);
	g_autoptr(TokApdu) gp211 = tok_gp_apdu_install_for_load(tok_gp_aid_coolkey_package.bytes,
								 tok_gp_aid_coolkey_package.len,
								 tok_gp_aid_isd_gp211.bytes,
								 tok_gp_aid_isd_gp211.len,
								 7200,
								 TOK_GP_PLATFORM_GP211,
								 &error);
	g_autoptr(GBytes) example = hex("06 62 76 01 FF 00 00 00 00 06 EF 04 C6 02 1C 38 00");

	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(tok_apdu_get_data(gp201), example));
	assert_apdu(gp201, "84 E6 02 00 11 06 62 76 01 FF 00 00 00 00 06 EF 04 C6 02 1C 38 00");
	/* 7200 + 24 + 8 = 7232 = 0x1C40 */
	assert_apdu(gp211,
		    "84 E6 02 00 19 06 62 76 01 FF 00 00 08 A0 00 00 00 03 00 00 00 00 06 EF 04 C6 02 1C 40 00 00");
}

static void
test_install_for_load_errors(void)
{
	const guint8 *pkg = tok_gp_aid_coolkey_package.bytes;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) a = NULL;

	a = tok_gp_apdu_install_for_load(pkg, 6, NULL, 0, 0, TOK_GP_PLATFORM_GP201, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	/* 65535 - 24 fits exactly, one more does not */
	a = tok_gp_apdu_install_for_load(pkg, 6, NULL, 0, 65535 - 24, TOK_GP_PLATFORM_GP201, &error);
	g_assert_no_error(error);
	g_assert_nonnull(a);
	g_clear_pointer(&a, tok_apdu_unref);
	a = tok_gp_apdu_install_for_load(pkg, 6, NULL, 0, 65535 - 23, TOK_GP_PLATFORM_GP201, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	a = tok_gp_apdu_install_for_load(pkg, 2, NULL, 0, 100, TOK_GP_PLATFORM_GP201, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_install_for_load(pkg, 6, pkg, 3, 100, TOK_GP_PLATFORM_GP211, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
check_load(gsize file_len, gsize block_size, const gchar *prefix_hex, guint want_blocks)
{
	g_autofree guint8 *file = g_malloc(file_len);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) apdus = NULL;
	g_autoptr(GByteArray) joined = g_byte_array_new();
	g_autoptr(GByteArray) image = g_byte_array_new();
	g_autoptr(GBytes) prefix = hex(prefix_hex);

	for (gsize i = 0; i < file_len; i++)
		file[i] = (guint8)(i * 13 + 1);
	tok_byte_array_append_bytes(image, prefix);
	g_byte_array_append(image, file, (guint)file_len);

	apdus = tok_gp_apdu_load(file, file_len, block_size, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(apdus->len, ==, want_blocks);
	for (guint i = 0; i < apdus->len; i++) {
		TokApdu *a = g_ptr_array_index(apdus, i);
		gboolean last = i + 1 == apdus->len;
		GBytes *data = tok_apdu_get_data(a);

		g_assert_cmphex(tok_apdu_get_cla(a), ==, 0x84);
		g_assert_cmphex(tok_apdu_get_ins(a), ==, 0xE8);
		g_assert_cmphex(tok_apdu_get_p1(a), ==, last ? 0x80 : 0x00);
		g_assert_cmphex(tok_apdu_get_p2(a), ==, i);
		g_assert_cmpint(tok_apdu_get_le(a), ==, TOK_APDU_NO_LE);
		if (!last)
			g_assert_cmpuint(g_bytes_get_size(data), ==, block_size);
		else
			g_assert_cmpuint(g_bytes_get_size(data), <=, block_size);
		tok_byte_array_append_bytes(joined, data);
	}
	g_assert_cmpmem(joined->data, joined->len, image->data, image->len);
}

static void
test_load(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) small = NULL;
	const guint8 file[] = {0x01, 0x02, 0x03};

	/* C4 + BER length: short, 81 xx, 82 xx xx */
	check_load(10, 5, "C4 0A", 3);		/* 12 bytes: 5 + 5 + 2 */
	check_load(8, 5, "C4 08", 2);		/* 10 bytes: exact multiple, last still P1 80 */
	check_load(127, 208, "C4 7F", 1);
	check_load(200, 208, "C4 81 C8", 1);	/* 203 bytes */
	check_load(206, 208, "C4 81 CE", 2);	/* 209 bytes */
	check_load(255, 216, "C4 81 FF", 2);
	check_load(300, 208, "C4 82 01 2C", 2);
	check_load(7200, 208, "C4 82 1C 20", 35); /* 7204 bytes */
	check_load(255 * 256 - 4, 255, "C4 82 FE FC", 256);

	small = tok_gp_apdu_load(file, sizeof(file), 208, &error);
	g_assert_no_error(error);
	{
		g_autoptr(GBytes) wire = tok_apdu_encode(g_ptr_array_index(small, 0), TOK_APDU_ENCODING_SHORT, &error);
		g_autoptr(GBytes) want = hex("84 E8 80 00 05 C4 03 01 02 03");
		g_assert_true(g_bytes_equal(wire, want));
	}
}

static void
test_load_errors(void)
{
	g_autofree guint8 *file = g_malloc0(70000);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) a = NULL;

	a = tok_gp_apdu_load(file, 0, 208, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_load(NULL, 10, 208, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_load(file, 10, 0, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	a = tok_gp_apdu_load(file, 10, 256, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* 257 blocks: the prefix pushes it over */
	a = tok_gp_apdu_load(file, 255 * 256 - 3, 255, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	a = tok_gp_apdu_load(file, 70000, 255, &error);
	g_assert_null(a);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
}

static void
test_install_for_install(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) gp201 = tok_gp_apdu_install_for_install(tok_gp_aid_coolkey_package.bytes,
								    tok_gp_aid_coolkey_package.len,
								    tok_gp_aid_coolkey_instance.bytes,
								    tok_gp_aid_coolkey_instance.len,
								    0x00,
								    TOK_GP_DEFAULT_INSTANCE_SIZE,
								    TOK_GP_DEFAULT_APPLET_MEMORY_SIZE,
								    TOK_GP_PLATFORM_GP201,
								    &error);
	g_autoptr(TokApdu) gp211 = tok_gp_apdu_install_for_install(tok_gp_aid_coolkey_package.bytes,
								    tok_gp_aid_coolkey_package.len,
								    tok_gp_aid_coolkey_instance.bytes,
								    tok_gp_aid_coolkey_instance.len,
								    0x00,
								    TOK_GP_DEFAULT_INSTANCE_SIZE,
								    TOK_GP_DEFAULT_APPLET_MEMORY_SIZE,
								    TOK_GP_PLATFORM_GP211,
								    &error);
	g_autoptr(TokApdu) bad = NULL;
	const gchar *body = "06 62 76 01 FF 00 00"
			    " 07 62 76 01 FF 00 00 00"
			    " 07 62 76 01 FF 00 00 00"
			    " 01 00"
			    " 0C EF 04 C8 02 46 50 C9 04 00 02 13 88"
			    " 00";
	g_autofree gchar *want201 = g_strdup_printf("84 E6 0C 00 27 %s", body);
	g_autofree gchar *want211 = g_strdup_printf("84 E6 0C 00 27 %s 00", body);

	g_assert_no_error(error);
	assert_apdu(gp201, want201);
	assert_apdu(gp211, want211);

	bad = tok_gp_apdu_install_for_install(tok_gp_aid_coolkey_package.bytes, 6, NULL, 0, 0, 1, 1, TOK_GP_PLATFORM_GP201, &error);
	g_assert_null(bad);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	bad = tok_gp_apdu_install_for_install(NULL, 6, tok_gp_aid_coolkey_instance.bytes, 7, 0, 1, 1, TOK_GP_PLATFORM_GP201, &error);
	g_assert_null(bad);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
parse_fci_expect(const gchar *text, gint code)
{
	g_autoptr(GBytes) b = hex(text);
	g_autoptr(GError) error = NULL;
	TokGpFci fci = {.aid_len = 99};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_test_message("FCI %s", text);
	g_assert_false(tok_gp_parse_select_fci(data, len, &fci, &error));
	g_assert_error(error, TOK_ERROR, code);
	g_assert_cmpuint(fci.aid_len, ==, 99);
}

static void
test_parse_fci(void)
{
	g_autoptr(GBytes) b = hex("6F 10 84 08 A0 00 00 00 03 00 00 00 A5 04 9F 65 01 FF");
	g_autoptr(GBytes) b2 = hex("6F 1A A5 0F 73 09 06 07 2A 86 48 86 FC 6B 01 9F 65 01 FF 84 07 A0 00 00 00 03 00 00");
	g_autoptr(GError) error = NULL;
	TokGpFci fci = {0};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_assert_true(tok_gp_parse_select_fci(data, len, &fci, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(fci.aid, fci.aid_len, tok_gp_aid_isd_gp211.bytes, tok_gp_aid_isd_gp211.len);

	/* 84 after the proprietary template */
	data = g_bytes_get_data(b2, &len);
	g_assert_true(tok_gp_parse_select_fci(data, len, &fci, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(fci.aid, fci.aid_len, tok_gp_aid_card_manager.bytes, tok_gp_aid_card_manager.len);

	parse_fci_expect("", TOK_ERROR_TRUNCATED);
	parse_fci_expect("6F 05 84 03", TOK_ERROR_TRUNCATED);
	parse_fci_expect("6F 04 A5 02 9F 65", TOK_ERROR_NOT_FOUND);	/* A5 not inspected, no 84 */
	parse_fci_expect("6F 00", TOK_ERROR_NOT_FOUND);
	parse_fci_expect("6F 04 A5 02 88 00", TOK_ERROR_NOT_FOUND);
	parse_fci_expect("6F 05 84 03 A0 00 00", TOK_ERROR_INVALID_DATA); /* AID too short */
	parse_fci_expect("6F 13 84 11 A0 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00", TOK_ERROR_INVALID_DATA);
	parse_fci_expect("6E 07 84 05 A0 00 00 00 03", TOK_ERROR_INVALID_DATA); /* not 6F */
	parse_fci_expect("84 05 A0 00 00 00 03", TOK_ERROR_INVALID_DATA);
	parse_fci_expect("6F 07 84 05 A0 00 00 00 03 90", TOK_ERROR_INVALID_DATA); /* trailing byte */
	parse_fci_expect("6F 80 84 05 A0 00 00 00 03 00 00", TOK_ERROR_INVALID_DATA); /* indefinite */
	/* tpsclient answers SELECT with a bare 90 00: no data at all */
	{
		g_autoptr(GError) e = NULL;
		g_assert_false(tok_gp_parse_select_fci(NULL, 0, &fci, &e));
		g_assert_error(e, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

static void
test_parse_fci_truncated_child(void)
{
	/* a truncated child inside 6F is reported as such, not as "not found" */
	g_autoptr(GBytes) b = hex("6F 04 A5 02 9F 65");
	g_autoptr(GError) error = NULL;
	TokGpFci fci = {0};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_assert_false(tok_gp_parse_select_fci(data, len, &fci, &error));
	/* A5 02 {9F 65} is well formed as A5's value; its content is not inspected */
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_FOUND);
	g_clear_error(&error);
	{
		g_autoptr(GBytes) b2 = hex("6F 04 84 05 A0 00");
		data = g_bytes_get_data(b2, &len);
		g_assert_false(tok_gp_parse_select_fci(data, len, &fci, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

#define KDD "00 01 02 03 04 05 06 07 08 09"

static void
test_parse_init_update(void)
{
	g_autoptr(GError) error = NULL;
	TokGpInitUpdateResponse r = {0};
	g_autoptr(GBytes) scp01 = hex(KDD " 01 01 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7");
	g_autoptr(GBytes) scp02 = hex(KDD " 20 02 00 2A C0 C1 C2 C3 C4 C5 E0 E1 E2 E3 E4 E5 E6 E7");
	g_autoptr(GBytes) scp03 = hex(KDD " 30 03 70 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7");
	g_autoptr(GBytes) scp03s = hex(KDD " 30 03 70 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7 00 00 2A");
	const guint8 kdd[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	const guint8 cc[] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7};
	const guint8 crypt[] = {0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7};
	gsize len = 0;
	const guint8 *data;

	data = g_bytes_get_data(scp01, &len);
	g_assert_cmpuint(len, ==, 28);
	g_assert_true(tok_gp_parse_initialize_update(data, len, &r, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(r.kdd, 10, kdd, 10);
	g_assert_cmphex(r.key_version, ==, 0x01);
	g_assert_cmphex(r.scp, ==, 0x01);
	g_assert_cmphex(r.i, ==, 0x00);
	g_assert_cmpuint(r.sequence_counter_len, ==, 0);
	g_assert_cmpmem(r.card_challenge, r.card_challenge_len, cc, 8);
	g_assert_cmpmem(r.card_cryptogram, 8, crypt, 8);

	data = g_bytes_get_data(scp02, &len);
	g_assert_true(tok_gp_parse_initialize_update(data, len, &r, &error));
	g_assert_no_error(error);
	g_assert_cmphex(r.key_version, ==, 0x20);
	g_assert_cmphex(r.scp, ==, 0x02);
	g_assert_cmpmem(r.sequence_counter, r.sequence_counter_len, "\x00\x2A", 2);
	g_assert_cmpmem(r.card_challenge, r.card_challenge_len, cc, 6);
	g_assert_cmpmem(r.card_cryptogram, 8, crypt, 8);

	data = g_bytes_get_data(scp03, &len);
	g_assert_cmpuint(len, ==, 29);
	g_assert_true(tok_gp_parse_initialize_update(data, len, &r, &error));
	g_assert_no_error(error);
	g_assert_cmphex(r.scp, ==, 0x03);
	g_assert_cmphex(r.i, ==, 0x70);
	g_assert_cmpuint(r.sequence_counter_len, ==, 0);
	g_assert_cmpmem(r.card_challenge, r.card_challenge_len, cc, 8);
	g_assert_cmpmem(r.card_cryptogram, 8, crypt, 8);

	data = g_bytes_get_data(scp03s, &len);
	g_assert_cmpuint(len, ==, 32);
	g_assert_true(tok_gp_parse_initialize_update(data, len, &r, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(r.sequence_counter, r.sequence_counter_len, "\x00\x00\x2A", 3);
	g_assert_cmpmem(r.card_cryptogram, 8, crypt, 8);
}

static void
test_parse_init_update_errors(void)
{
	const gchar *bad[] = {
	    "",
	    KDD " 01 01 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6",		/* 27 */
	    KDD " 01 01 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7 00 00",	/* 30 */
	    KDD " 01 03 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7",		/* SCP03 in 28 */
	    KDD " 01 00 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7",		/* SCP 00 */
	    KDD " 01 02 70 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7",	/* SCP02 in 29 */
	    KDD " 01 01 70 C0 C1 C2 C3 C4 C5 C6 C7 E0 E1 E2 E3 E4 E5 E6 E7 00 00 01", /* SCP01 in 32 */
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GBytes) b = hex(bad[i]);
		g_autoptr(GError) error = NULL;
		TokGpInitUpdateResponse r = {.key_version = 0x55};
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(b, &len);

		g_test_message("case %u", i);
		g_assert_false(tok_gp_parse_initialize_update(data, len, &r, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_assert_cmphex(r.key_version, ==, 0x55);
	}
	{
		g_autoptr(GError) error = NULL;
		TokGpInitUpdateResponse r = {0};
		g_assert_false(tok_gp_parse_initialize_update(NULL, 28, &r, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

/* GP 2.1.1 card, SCP02 i=15 */
#define CRD_SCP02                                                                                  \
	"66 4C 73 4A 06 07 2A 86 48 86 FC 6B 01 60 0C 06 0A 2A 86 48 86 FC 6B 02 02 01 01 63 09 06 07 " \
	"2A 86 48 86 FC 6B 03 64 0B 06 09 2A 86 48 86 FC 6B 04 02 15 65 0B 06 09 2B 85 10 86 48 64 02 " \
	"01 03 66 0C 06 0A 2B 06 01 04 01 2A 02 6E 01 02"
/* SCP03 i=70, no card management tag, the 73 template alone */
#define CRD_SCP03 "73 16 06 07 2A 86 48 86 FC 6B 01 64 0B 06 09 2A 86 48 86 FC 6B 04 03 70"

static void
test_parse_card_recognition(void)
{
	g_autoptr(GBytes) b = hex(CRD_SCP02);
	g_autoptr(GBytes) b3 = hex(CRD_SCP03);
	g_autoptr(GError) error = NULL;
	TokGpCardRecognition crd = {0};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_assert_true(tok_gp_parse_card_recognition_data(data, len, &crd, &error));
	g_assert_no_error(error);
	g_assert_cmphex(crd.scp, ==, 0x02);
	g_assert_cmphex(crd.i, ==, 0x15);
	g_assert_cmpmem(crd.gp_version, crd.gp_version_len, "\x02\x01\x01", 3);
	g_assert_cmpint(tok_gp_platform_for_scp(crd.scp), ==, TOK_GP_PLATFORM_GP211);

	data = g_bytes_get_data(b3, &len);
	g_assert_true(tok_gp_parse_card_recognition_data(data, len, &crd, &error));
	g_assert_no_error(error);
	g_assert_cmphex(crd.scp, ==, 0x03);
	g_assert_cmphex(crd.i, ==, 0x70);
	g_assert_cmpuint(crd.gp_version_len, ==, 0);
}

static void
crd_expect(const gchar *text, gint code)
{
	g_autoptr(GBytes) b = hex(text);
	g_autoptr(GError) error = NULL;
	TokGpCardRecognition crd = {.scp = 0x77};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_test_message("CRD %s", text);
	g_assert_false(tok_gp_parse_card_recognition_data(data, len, &crd, &error));
	g_assert_error(error, TOK_ERROR, code);
	g_assert_cmphex(crd.scp, ==, 0x77);
}

static void
test_parse_card_recognition_errors(void)
{
	/* tpsclient answers every GET DATA with its CPLC: must fail cleanly (-> SCP01) */
	crd_expect("9F 7F 2A 40 90 61 45 C7 62 24 19 2D 2B 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
		   TOK_ERROR_INVALID_DATA);
	crd_expect("", TOK_ERROR_TRUNCATED);
	crd_expect("66 4C 73 4A 06 07", TOK_ERROR_TRUNCATED);
	crd_expect("66 02 74 00", TOK_ERROR_NOT_FOUND);			 /* no 73 */
	crd_expect("66 0B 73 09 06 07 2A 86 48 86 FC 6B 01", TOK_ERROR_NOT_FOUND); /* no 64 */
	crd_expect("66 02 73 00", TOK_ERROR_NOT_FOUND);
	crd_expect("66 02 93 00", TOK_ERROR_NOT_FOUND);			 /* 93: primitive, not 73 */
	crd_expect("73 0D 64 0B 06 09 2A 86 48 86 FC 6B 05 02 15", TOK_ERROR_INVALID_DATA); /* wrong arc */
	crd_expect("73 0C 64 0A 06 08 2A 86 48 86 FC 6B 04 02", TOK_ERROR_INVALID_DATA);	 /* no i */
	crd_expect("73 0E 64 0C 06 0A 2A 86 48 86 FC 6B 04 02 15 00", TOK_ERROR_INVALID_DATA);
	crd_expect("73 0D 64 0B 04 09 2A 86 48 86 FC 6B 04 02 15", TOK_ERROR_INVALID_DATA); /* not an OID */
	crd_expect("73 0F 64 0D 06 09 2A 86 48 86 FC 6B 04 02 15 06 00", TOK_ERROR_INVALID_DATA); /* 2 OIDs */
	crd_expect("73 02 64 00", TOK_ERROR_TRUNCATED); /* empty 64 */
	/* bad card management tag */
	crd_expect("73 17 64 0B 06 09 2A 86 48 86 FC 6B 04 02 15 60 08 06 06 2A 86 48 86 FC 6B",
		   TOK_ERROR_INVALID_DATA);
	crd_expect("73 14 64 0B 06 09 2A 86 48 86 FC 6B 04 02 15 60 05 06 03 2A 86 48",
		   TOK_ERROR_INVALID_DATA);
	/* malformed TLV after the useful ones */
	crd_expect("73 11 64 0B 06 09 2A 86 48 86 FC 6B 04 02 15 65 02 06 05", TOK_ERROR_TRUNCATED);
	/* indefinite length */
	crd_expect("66 80 73 00 00 00", TOK_ERROR_INVALID_DATA);
	crd_expect("64 0B 06 09 2A 86 48 86 FC 6B 04 02 15", TOK_ERROR_INVALID_DATA);
}

static void
test_parse_key_information(void)
{
	g_autoptr(GBytes) b = hex("E0 12 C0 04 01 01 80 10 C0 04 02 01 80 10 C0 04 03 01 80 10");
	g_autoptr(GBytes) aes = hex("E0 0C C0 04 01 30 88 10 C0 04 02 30 88 10");
	g_autoptr(GBytes) multi = hex("E0 08 C0 06 01 FF 80 10 88 20");
	g_autoptr(GBytes) empty = hex("E0 00");
	g_autoptr(GError) error = NULL;
	TokGpKeyInfoTemplate kit = {0};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_assert_true(tok_gp_parse_key_information(data, len, &kit, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(kit.n_keys, ==, 3);
	for (guint i = 0; i < 3; i++) {
		g_assert_cmphex(kit.keys[i].id, ==, i + 1);
		g_assert_cmphex(kit.keys[i].version, ==, 0x01);
		g_assert_cmpuint(kit.keys[i].n_components, ==, 1);
		g_assert_cmphex(kit.keys[i].components[0].type, ==, 0x80);
		g_assert_cmpuint(kit.keys[i].components[0].length, ==, 16);
	}

	data = g_bytes_get_data(aes, &len);
	g_assert_true(tok_gp_parse_key_information(data, len, &kit, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(kit.n_keys, ==, 2);
	g_assert_cmphex(kit.keys[1].version, ==, 0x30);
	g_assert_cmphex(kit.keys[1].components[0].type, ==, 0x88);

	data = g_bytes_get_data(multi, &len);
	g_assert_true(tok_gp_parse_key_information(data, len, &kit, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(kit.n_keys, ==, 1);
	g_assert_cmphex(kit.keys[0].version, ==, 0xFF);
	g_assert_cmpuint(kit.keys[0].n_components, ==, 2);
	g_assert_cmphex(kit.keys[0].components[1].type, ==, 0x88);
	g_assert_cmpuint(kit.keys[0].components[1].length, ==, 0x20);

	data = g_bytes_get_data(empty, &len);
	g_assert_true(tok_gp_parse_key_information(data, len, &kit, &error));
	g_assert_cmpuint(kit.n_keys, ==, 0);
}

static void
kit_expect(const gchar *text, gint code)
{
	g_autoptr(GBytes) b = hex(text);
	g_autoptr(GError) error = NULL;
	TokGpKeyInfoTemplate kit = {.n_keys = 77};
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(b, &len);

	g_test_message("KIT %s", text);
	g_assert_false(tok_gp_parse_key_information(data, len, &kit, &error));
	g_assert_error(error, TOK_ERROR, code);
	g_assert_cmpuint(kit.n_keys, ==, 77);
}

static void
test_parse_key_information_errors(void)
{
	g_autoptr(GByteArray) many = g_byte_array_new();

	kit_expect("", TOK_ERROR_TRUNCATED);
	kit_expect("E0 06 C0 04 01 01 80", TOK_ERROR_TRUNCATED);
	kit_expect("E0 05 C0 04 01 01 80", TOK_ERROR_TRUNCATED);
	kit_expect("E1 06 C0 04 01 01 80 10", TOK_ERROR_INVALID_DATA);	 /* not E0 */
	kit_expect("C0 04 01 01 80 10", TOK_ERROR_INVALID_DATA);
	kit_expect("E0 06 C1 04 01 01 80 10", TOK_ERROR_INVALID_DATA);	 /* not C0 */
	kit_expect("E0 05 C0 03 01 01 80", TOK_ERROR_INVALID_DATA);	 /* odd */
	kit_expect("E0 04 C0 02 01 01", TOK_ERROR_INVALID_DATA);	 /* no component */
	kit_expect("E0 06 C0 04 01 01 FF 80", TOK_ERROR_NOT_SUPPORTED);	 /* extended format */
	kit_expect("E0 0E C0 0C 01 01 80 10 80 10 80 10 80 10 80 10", TOK_ERROR_TOO_LARGE);
	kit_expect("E0 06 C0 04 01 01 80 10 00", TOK_ERROR_INVALID_DATA); /* trailing */

	/* 33 keys */
	tok_byte_array_append_u8(many, 0xE0);
	tok_byte_array_append_u8(many, 0x81);
	tok_byte_array_append_u8(many, 33 * 6);
	for (guint i = 0; i < 33; i++) {
		const guint8 entry[] = {0xC0, 0x04, (guint8)i, 0x01, 0x80, 0x10};
		g_byte_array_append(many, entry, sizeof(entry));
	}
	{
		g_autoptr(GError) error = NULL;
		TokGpKeyInfoTemplate kit = {0};
		g_assert_false(tok_gp_parse_key_information(many->data, many->len, &kit, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp-apdu/aid-constants", test_aid_constants);
	g_test_add_func("/tok/gp-apdu/helpers", test_helpers);
	g_test_add_func("/tok/gp-apdu/select", test_select);
	g_test_add_func("/tok/gp-apdu/select/errors", test_select_errors);
	g_test_add_func("/tok/gp-apdu/get-data", test_get_data);
	g_test_add_func("/tok/gp-apdu/initialize-update", test_initialize_update);
	g_test_add_func("/tok/gp-apdu/external-authenticate", test_external_authenticate);
	g_test_add_func("/tok/gp-apdu/put-key", test_put_key);
	g_test_add_func("/tok/gp-apdu/delete", test_delete);
	g_test_add_func("/tok/gp-apdu/install-for-load", test_install_for_load);
	g_test_add_func("/tok/gp-apdu/install-for-load/errors", test_install_for_load_errors);
	g_test_add_func("/tok/gp-apdu/load", test_load);
	g_test_add_func("/tok/gp-apdu/load/errors", test_load_errors);
	g_test_add_func("/tok/gp-apdu/install-for-install", test_install_for_install);
	g_test_add_func("/tok/gp-apdu/parse/fci", test_parse_fci);
	g_test_add_func("/tok/gp-apdu/parse/fci-truncated-child", test_parse_fci_truncated_child);
	g_test_add_func("/tok/gp-apdu/parse/initialize-update", test_parse_init_update);
	g_test_add_func("/tok/gp-apdu/parse/initialize-update/errors", test_parse_init_update_errors);
	g_test_add_func("/tok/gp-apdu/parse/card-recognition", test_parse_card_recognition);
	g_test_add_func("/tok/gp-apdu/parse/card-recognition/errors", test_parse_card_recognition_errors);
	g_test_add_func("/tok/gp-apdu/parse/key-information", test_parse_key_information);
	g_test_add_func("/tok/gp-apdu/parse/key-information/errors", test_parse_key_information_errors);
	return g_test_run();
}
