/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "vcard-test-util.h"

#include "tok-cplc.h"
#include "tok-gp-put-key.h"
#include "vcard-image.h"

#define TEST_PACKAGE_AID "\x62\x76\x01\xFF\x00\x00"

static const TokGpScp test_scps[] = {TOK_GP_SCP01, TOK_GP_SCP02, TOK_GP_SCP03};

/* ---- SELECT and GET DATA --------------------------------------------------------------- */

static void
test_isd_select(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) fci = vt_hex_apdu(card, "00 A4 04 00 00", 0x9000);
	g_autoptr(GBytes) none = NULL;
	g_autoptr(GBytes) status = NULL;
	TokGpFci parsed = {0};

	/* the empty SELECT: FCI with tag 84 = the ISD AID */
	g_assert_true(tok_gp_parse_select_fci(g_bytes_get_data(fci, NULL), g_bytes_get_size(fci), &parsed, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(parsed.aid, parsed.aid_len, VCARD_ISD_AID, VCARD_ISD_AID_LEN);
	vt_assert_bytes_hex(fci, "6F 10 84 08 A0 00 00 00 03 00 00 00 A5 04 9F 65 01 FF");
	/* OpenSC's gp_select_card_manager: partial AID, P2 0C: no data */
	none = vt_hex_apdu(card, "00 A4 04 0C 07 A0 00 00 00 03 00 00", 0x9000);
	g_assert_cmpuint(g_bytes_get_size(none), ==, 0);
	vt_hex_apdu_sw(card, "00 A4 04 00 07 A0 00 00 01 51 00 00", 0x6A82);
	vt_hex_apdu_sw(card, "00 A4 04 00 06 A0 00 00 00 01 01", 0x6A82); /* MUSCLE */
	vt_hex_apdu_sw(card, "00 A4 04 00 03 62 76 01", 0x6A82);	     /* too short to match */
	vt_hex_apdu_sw(card, "00 A4 00 00 02 3F 00", 0x6A86);
	vt_hex_apdu_sw(card, "00 A4 04 02 07 62 76 01 FF 00 00 00", 0x6A86);
	/* partial name of the applet, with Le */
	vt_hex_apdu_sw(card, "00 A4 04 00 05 62 76 01 FF 00 00", 0x9000);
	/* a failed SELECT leaves the applet selected */
	vt_hex_apdu_sw(card, "00 A4 04 00 07 A0 00 00 00 01 01 01", 0x6A82);
	status = vt_hex_apdu(card, "B0 3C 00 00 10", 0x9000);
	g_assert_cmpuint(g_bytes_get_size(status), ==, 16);
	/* malformed command APDUs get 6700 */
	vt_hex_apdu_sw(card, "00 A4 04", 0x6700);
	vt_hex_apdu_sw(card, "00 A4 04 00 05 62 76", 0x6700);
}

static void
test_isd_get_data_cplc(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(TokCplc) cplc = NULL;
	g_autofree gchar *cuid = NULL;
	g_autofree gchar *msn = NULL;

	vt_select_isd(card);
	data = vt_hex_apdu(card, "80 CA 9F 7F 2D", 0x9000);
	g_assert_cmpuint(g_bytes_get_size(data), ==, TOK_CPLC_RESPONSE_SIZE);
	cplc = tok_cplc_parse(g_bytes_get_data(data, NULL), g_bytes_get_size(data), TOK_CPLC_PARSE_FLAG_NONE, &error);
	g_assert_no_error(error);
	cuid = tok_cplc_get_cuid_hex(cplc);
	msn = tok_cplc_get_msn_hex(cplc);
	g_assert_cmpstr(cuid, ==, VCARD_DEFAULT_CUID);
	g_assert_cmpstr(msn, ==, VCARD_DEFAULT_MSN);
	/* KDD = CUID */
	g_assert_cmpmem(vcard_card_get_cuid(card), 10, cplc->cuid, 10);
	/* CoolKey selected: CLA 80 goes to the security domain, which knows only INIT UPDATE */
	vt_select_applet(card);
	vt_hex_apdu_sw(card, "80 CA 9F 7F 2D", 0x6D00);
}

static void
test_isd_get_data_platform(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_scps); i++) {
		g_autoptr(VcardCard) card = vt_card_new(test_scps[i]);
		g_autoptr(GError) error = NULL;
		TokGpCardRecognition crd = {0};
		TokGpKeyInfoTemplate kit = {0};

		vt_select_isd(card);
		if (test_scps[i] == TOK_GP_SCP01) {
			/* a GP 2.0.1 card: the TPS falls back to SCP01 */
			vt_hex_apdu_sw(card, "80 CA 00 66 2D", 0x6A88);
			vt_hex_apdu_sw(card, "80 CA 00 E0 2D", 0x6A88);
		} else {
			g_autoptr(GBytes) data = vt_hex_apdu(card, "80 CA 00 66 2D", 0x9000);
			g_autoptr(GBytes) keys = vt_hex_apdu(card, "80 CA 00 E0 2D", 0x9000);

			g_assert_true(tok_gp_parse_card_recognition_data(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &crd, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(crd.scp, ==, test_scps[i]);
			g_assert_cmphex(crd.i, ==, test_scps[i] == TOK_GP_SCP02 ? 0x15 : 0x70);
			g_assert_cmpmem(crd.gp_version, crd.gp_version_len, "\x02\x01\x01", 3);
			g_assert_true(tok_gp_parse_key_information(g_bytes_get_data(keys, NULL), g_bytes_get_size(keys), &kit, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(kit.n_keys, ==, 3);
			for (guint k = 0; k < 3; k++) {
				g_assert_cmpuint(kit.keys[k].id, ==, k + 1);
				g_assert_cmpuint(kit.keys[k].version, ==, 1);
				g_assert_cmpuint(kit.keys[k].n_components, ==, 1);
				g_assert_cmphex(kit.keys[k].components[0].type, ==, test_scps[i] == TOK_GP_SCP03 ? 0x88 : 0x80);
				g_assert_cmpuint(kit.keys[k].components[0].length, ==, 16);
			}
		}
		vt_hex_apdu_sw(card, "80 CA 00 42 00", 0x6A88);
		vt_hex_apdu_sw(card, "B0 3C 00 00 10", 0x6E00);
		vt_hex_apdu_sw(card, "80 F2 80 00 02 4F 00", 0x6D00);
	}
}

static void
test_isd_management_needs_channel(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP02);

	vt_select_isd(card);
	vt_hex_apdu_sw(card, "80 E4 00 00 09 4F 07 62 76 01 FF 00 00 00", 0x6982);
	vt_hex_apdu_sw(card, "80 E6 02 00 11 06 62 76 01 FF 00 00 00 00 06 EF 04 C6 02 1C 38 00", 0x6982);
	vt_hex_apdu_sw(card, "80 E8 80 00 02 C4 00", 0x6982);
	vt_hex_apdu_sw(card, "80 D8 01 81 01 02", 0x6982);
	/* CLA 84 without an open channel */
	vt_hex_apdu_sw(card, "84 E4 00 00 11 4F 07 62 76 01 FF 00 00 00 01 02 03 04 05 06 07 08", 0x6982);
	/* EXTERNAL AUTHENTICATE without INITIALIZE UPDATE */
	vt_hex_apdu_sw(card, "84 82 03 00 10 01 02 03 04 05 06 07 08 01 02 03 04 05 06 07 08", 0x6985);
	/* INITIALIZE UPDATE for a key version the card does not have */
	vt_hex_apdu_sw(card, "80 50 05 00 08 01 02 03 04 05 06 07 08", 0x6A88);
	vt_hex_apdu_sw(card, "80 50 00 00 04 01 02 03 04", 0x6700);
}

/* ---- applet life cycle -------------------------------------------------------------- */

static GBytes *
test_isd_read_image(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "..", "data", "applets", "1.4.58768072.ijc", NULL);
	gchar *contents = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_no_error(error);
	return g_bytes_new_take(contents, len);
}

static void
test_isd_delete_applet(VcardCard *card, TokGpSession *session, TokGpPlatform platform)
{
	g_autoptr(GError) error = NULL;

	vt_secure_sw(card, session, tok_gp_apdu_delete((const guint8 *)TOK_COOLKEY_AID, TOK_COOLKEY_AID_SIZE, platform, &error), 0x9000);
	vt_secure_sw(card, session, tok_gp_apdu_delete((const guint8 *)TEST_PACKAGE_AID, 6, platform, &error), 0x9000);
	g_assert_no_error(error);
}

/* INSTALL [for load] + LOAD (with @last_p1 on the last block) + INSTALL [for install]. */
static void
test_isd_load_install(VcardCard *card, TokGpSession *session, TokGpScp scp, GBytes *image, guint8 last_p1, guint16 install_sw)
{
	g_autoptr(GError) error = NULL;
	TokGpPlatform platform = tok_gp_platform_for_scp(scp);
	gsize len = g_bytes_get_size(image);
	g_autoptr(GPtrArray) blocks = NULL;
	const guint8 *sd = platform == TOK_GP_PLATFORM_GP211 ? (const guint8 *)VCARD_ISD_AID : NULL;
	gsize sd_len = platform == TOK_GP_PLATFORM_GP211 ? VCARD_ISD_AID_LEN : 0;

	vt_secure_sw(card, session,
		     tok_gp_apdu_install_for_load((const guint8 *)TEST_PACKAGE_AID, 6, sd, sd_len, len, platform, &error), 0x9000);
	g_assert_no_error(error);
	blocks = tok_gp_apdu_load(g_bytes_get_data(image, NULL), len, tok_gp_load_block_size(TOK_GP_DEFAULT_CHANNEL_BLOCK_SIZE, scp), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(blocks->len, >, 1);
	for (guint i = 0; i < blocks->len; i++) {
		TokApdu *block = g_ptr_array_index(blocks, i);
		if (i + 1 == blocks->len)
			vt_secure_sw(card, session,
				     tok_apdu_new(tok_apdu_get_cla(block), tok_apdu_get_ins(block), last_p1, tok_apdu_get_p2(block),
						  tok_apdu_get_data(block), tok_apdu_get_le(block)),
				     0x9000);
		else
			vt_secure_sw(card, session, tok_apdu_ref(block), 0x9000);
	}
	vt_secure_sw(card, session,
		     tok_gp_apdu_install_for_install((const guint8 *)TEST_PACKAGE_AID, 6, (const guint8 *)TOK_COOLKEY_AID,
						     TOK_COOLKEY_AID_SIZE, 0x00, TOK_GP_DEFAULT_INSTANCE_SIZE,
						     TOK_GP_DEFAULT_APPLET_MEMORY_SIZE, platform, &error),
		     install_sw);
	g_assert_no_error(error);
}

static void
test_isd_applet_upgrade(void)
{
	g_autoptr(GBytes) image = test_isd_read_image();

	for (guint i = 0; i < G_N_ELEMENTS(test_scps); i++) {
		TokGpScp scp = test_scps[i];
		g_autoptr(VcardCard) card = vt_card_new(scp);
		g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GBytes) build = NULL;
		g_autoptr(GBytes) status = NULL;
		g_autoptr(GError) error = NULL;
		g_autofree gchar *version = NULL;
		TokCoolkeyStatus st = {0};

		g_test_message("applet upgrade under SCP0%d", scp);
		vt_select_isd(card);
		session = vt_open_channel(card, crypto, scp);
		test_isd_delete_applet(card, session, tok_gp_platform_for_scp(scp));
		g_assert_null(vcard_card_get_applet_version(card));
		/* deleting again: not found */
		vt_secure_sw(card, session,
			     tok_gp_apdu_delete((const guint8 *)TOK_COOLKEY_AID, TOK_COOLKEY_AID_SIZE, tok_gp_platform_for_scp(scp), &error),
			     0x6A88);
		vt_hex_apdu_sw(card, "00 A4 04 00 07 62 76 01 FF 00 00 00", 0x6A82);
		vt_select_isd(card);
		g_clear_object(&session);
		session = vt_open_channel(card, crypto, scp);
		test_isd_load_install(card, session, scp, image, 0x80, 0x9000);
		version = vcard_card_get_applet_version(card);
		g_assert_cmpstr(version, ==, "1.4.58768072");
		vt_select_applet(card);
		build = vt_hex_apdu(card, "B0 70 00 00 04", 0x9000);
		vt_assert_bytes_hex(build, "58 76 80 72");
		status = vt_hex_apdu(card, "B0 3C 00 00 10", 0x9000);
		g_assert_true(tok_coolkey_parse_status(g_bytes_get_data(status, NULL), g_bytes_get_size(status), &st, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(st.applet_major, ==, 1);
		g_assert_cmpuint(st.applet_minor, ==, 4);
		/* the memory size of INSTALL's C9 parameters, nothing used yet */
		g_assert_cmpuint(st.total_object_memory, ==, TOK_GP_DEFAULT_APPLET_MEMORY_SIZE);
		g_assert_cmpuint(st.free_object_memory, ==, TOK_GP_DEFAULT_APPLET_MEMORY_SIZE);
		g_assert_cmpuint(st.pin_count, ==, 0);
		vt_hex_apdu_sw(card, "B0 F2 00 00 01", 0x9000);
	}
}

static void
test_isd_install_other_version(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) payload = vcard_image_default_payload("1.5.558cdcff", 3000, &error);
	g_autoptr(GBytes) image = vcard_image_build("1.5.558cdcff", payload, &error);
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP03);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GBytes) build = NULL;
	g_autoptr(GBytes) status = NULL;

	g_assert_no_error(error);
	vt_select_isd(card);
	session = vt_open_channel(card, crypto, TOK_GP_SCP03);
	test_isd_delete_applet(card, session, TOK_GP_PLATFORM_GP211);
	test_isd_load_install(card, session, TOK_GP_SCP03, image, 0x80, 0x9000);
	vt_select_applet(card);
	build = vt_hex_apdu(card, "B0 70 00 00 04", 0x9000);
	vt_assert_bytes_hex(build, "55 8C DC FF");
	status = vt_hex_apdu(card, "B0 3C 00 00 10", 0x9000);
	g_assert_cmpuint(((const guint8 *)g_bytes_get_data(status, NULL))[3], ==, 5);
}

static void
test_isd_install_refuses_bad_image(void)
{
	const gsize offsets[] = {0 /* magic */, 3000 /* payload: digest */, 6072 /* digest */};
	g_autoptr(GBytes) good = test_isd_read_image();

	for (guint i = 0; i < G_N_ELEMENTS(offsets); i++) {
		g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
		g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GByteArray) bad = g_byte_array_new();
		g_autoptr(GBytes) image = NULL;

		g_byte_array_append(bad, g_bytes_get_data(good, NULL), (guint)g_bytes_get_size(good));
		bad->data[offsets[i]] ^= 0x5A;
		image = g_byte_array_free_to_bytes(g_steal_pointer(&bad));
		vt_select_isd(card);
		session = vt_open_channel(card, crypto, TOK_GP_SCP01);
		test_isd_delete_applet(card, session, TOK_GP_PLATFORM_GP201);
		/* LOAD takes any bytes; INSTALL [for install] must parse them */
		test_isd_load_install(card, session, TOK_GP_SCP01, image, 0x80, 0x6A80);
		g_assert_null(vcard_card_get_applet_version(card));
		vt_hex_apdu_sw(card, "00 A4 04 00 07 62 76 01 FF 00 00 00", 0x6A82);
	}
}

/* The Java TPS sends the last block with P1 00 when the file fills its blocks exactly. */
static void
test_isd_load_last_block_p1_00(void)
{
	g_autoptr(GBytes) image = test_isd_read_image();
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP02);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autofree gchar *version = NULL;

	vt_select_isd(card);
	session = vt_open_channel(card, crypto, TOK_GP_SCP02);
	test_isd_delete_applet(card, session, TOK_GP_PLATFORM_GP211);
	test_isd_load_install(card, session, TOK_GP_SCP02, image, 0x00, 0x9000);
	version = vcard_card_get_applet_version(card);
	g_assert_cmpstr(version, ==, "1.4.58768072");
}

static void
test_isd_content_errors(void)
{
	g_autoptr(GBytes) image = test_isd_read_image();
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) c4 = vt_hex("C4 03 01 02 03");

	vt_select_isd(card);
	session = vt_open_channel(card, crypto, TOK_GP_SCP01);
	/* the package cannot go while its instance exists, unless P2 80 takes both */
	vt_secure_sw(card, session, tok_gp_apdu_delete((const guint8 *)TEST_PACKAGE_AID, 6, TOK_GP_PLATFORM_GP201, &error), 0x6985);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xE4, 0x00, 0x00, (const guint8 *)"\x4F\x08\xA0\x00\x00\x00\x03\x00\x00\x00", 10, TOK_APDU_NO_LE), 0x6985);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xE4, 0x00, 0x00, (const guint8 *)"\x5F\x01\x00", 3, TOK_APDU_NO_LE), 0x6A80);
	/* INSTALL [for load] while the package exists; LOAD without INSTALL [for load] */
	vt_secure_sw(card, session, tok_gp_apdu_install_for_load((const guint8 *)TEST_PACKAGE_AID, 6, NULL, 0, 100, TOK_GP_PLATFORM_GP201, &error), 0x6985);
	vt_secure_sw(card, session, tok_apdu_new(0x84, 0xE8, 0x80, 0x00, c4, TOK_APDU_NO_LE), 0x6985);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xE4, 0x00, 0x80, (const guint8 *)"\x4F\x06" TEST_PACKAGE_AID, 8, TOK_APDU_NO_LE), 0x9000);
	g_assert_null(vcard_card_get_applet_version(card));
	/* a wrong SD AID, a malformed INSTALL, block numbers out of order, a bad C4 block */
	vt_secure_sw(card, session,
		     tok_gp_apdu_install_for_load((const guint8 *)TEST_PACKAGE_AID, 6, (const guint8 *)"\xA0\x00\x00\x01\x51\x00\x00", 7, 100,
						  TOK_GP_PLATFORM_GP211, &error),
		     0x6A88);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xE6, 0x02, 0x00, (const guint8 *)"\x06\x62\x76\x01", 4, TOK_APDU_NO_LE), 0x6A80);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xE6, 0x03, 0x00, (const guint8 *)"\x00", 1, TOK_APDU_NO_LE), 0x6A86);
	vt_secure_sw(card, session, tok_gp_apdu_install_for_load((const guint8 *)TEST_PACKAGE_AID, 6, NULL, 0, 100, TOK_GP_PLATFORM_GP201, &error), 0x9000);
	vt_secure_sw(card, session, tok_apdu_new(0x84, 0xE8, 0x00, 0x01, c4, TOK_APDU_NO_LE), 0x6A86);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xE8, 0x80, 0x00, (const guint8 *)"\xC4\x05\x01", 3, TOK_APDU_NO_LE), 0x6A80);
	/* INSTALL [for install] of a package that is not there */
	vt_secure_sw(card, session,
		     tok_gp_apdu_install_for_install((const guint8 *)TEST_PACKAGE_AID, 6, (const guint8 *)TOK_COOLKEY_AID, TOK_COOLKEY_AID_SIZE,
						     0x00, 18000, 5000, TOK_GP_PLATFORM_GP201, &error),
		     0x6A88);
	g_assert_no_error(error);
	/* the load then works, and INSTALL twice is refused */
	test_isd_load_install(card, session, TOK_GP_SCP01, image, 0x80, 0x9000);
	vt_secure_sw(card, session,
		     tok_gp_apdu_install_for_install((const guint8 *)TEST_PACKAGE_AID, 6, (const guint8 *)TOK_COOLKEY_AID, TOK_COOLKEY_AID_SIZE,
						     0x00, 18000, 5000, TOK_GP_PLATFORM_GP201, &error),
		     0x6985);
}

/* ---- PUT KEY -------------------------------------------------------------------------- */

static TokGpKeySet *
test_isd_random_keys(TokGpCrypto *crypto, TokGpScp scp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) enc = tok_secret_new_random(16, &error);
	g_autoptr(TokSecret) mac = tok_secret_new_random(16, &error);
	g_autoptr(TokSecret) dek = tok_secret_new_random(16, &error);
	TokGpKeySet *keys;

	g_assert_no_error(error);
	keys = tok_gp_key_set_new(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3, enc, mac, dek, &error);
	g_assert_no_error(error);
	return keys;
}

static void
test_isd_put_key(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_scps); i++) {
		TokGpScp scp = test_scps[i];
		g_autoptr(VcardCard) card = vt_card_new(scp);
		g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
		g_autoptr(TokGpKeySet) old_keys = vt_developer_keys(scp);
		g_autoptr(TokGpKeySet) new_keys = test_isd_random_keys(crypto, scp);
		g_autoptr(TokGpKeySet) wrong = test_isd_random_keys(crypto, scp);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(TokGpSession) failed = NULL;
		g_autoptr(GBytes) data = NULL;
		g_autoptr(GBytes) bad_data = NULL;
		g_autoptr(GBytes) response = NULL;
		g_autoptr(GBytes) key_info = NULL;
		g_autoptr(GError) error = NULL;
		TokSecret *wrap_key;
		gboolean trailer = scp != TOK_GP_SCP01;
		guint16 sw = 0;
		guint8 kcv[3];

		g_test_message("PUT KEY under SCP0%d", scp);
		vt_select_isd(card);
		session = vt_open_channel(card, crypto, scp);
		/* SCP02 wraps with the DEK session key, SCP01/03 with the static KEK */
		wrap_key = scp == TOK_GP_SCP02 ? tok_gp_session_keys_get_dek(tok_gp_session_get_session_keys(session))
					       : tok_gp_key_set_get_key(old_keys, TOK_GP_KEY_DEK);
		/* a key set wrapped with the wrong key: the KCVs do not match */
		bad_data = tok_gp_put_key_build_key_set_data(crypto, scp, 2, new_keys, tok_gp_key_set_get_key(wrong, TOK_GP_KEY_DEK), &error);
		g_assert_no_error(error);
		vt_secure_sw(card, session, tok_gp_apdu_put_key(1, g_bytes_get_data(bad_data, NULL), g_bytes_get_size(bad_data), trailer, &error), 0x6A80);
		g_assert_cmpuint(vcard_card_get_key_version(card), ==, 1);
		data = tok_gp_put_key_build_key_set_data(crypto, scp, 2, new_keys, wrap_key, &error);
		g_assert_no_error(error);
		/* P1 must be the current version (or 00) */
		vt_secure_sw(card, session, tok_gp_apdu_put_key(3, g_bytes_get_data(data, NULL), g_bytes_get_size(data), trailer, &error), 0x6A88);
		response = vt_secure(card, session, tok_gp_apdu_put_key(1, g_bytes_get_data(data, NULL), g_bytes_get_size(data), trailer, &error), 0x9000);
		g_assert_no_error(error);
		/* new version, then the three KCVs */
		g_assert_cmpuint(g_bytes_get_size(response), ==, 10);
		g_assert_cmpuint(((const guint8 *)g_bytes_get_data(response, NULL))[0], ==, 2);
		g_assert_true(tok_gp_key_set_get_kcv(new_keys, crypto, TOK_GP_KEY_MAC, kcv, &error));
		g_assert_cmpmem((const guint8 *)g_bytes_get_data(response, NULL) + 4, 3, kcv, 3);
		g_assert_cmpuint(vcard_card_get_key_version(card), ==, 2);
		g_assert_true(tok_gp_key_set_equal(vcard_card_get_key_set(card), new_keys));
		/* the TPS re-selects the applet and opens a channel with the new keys */
		vt_select_applet(card);
		failed = vt_initialize_update(card, crypto, scp, old_keys, 0x01, &sw, &error);
		g_assert_null(failed);
		g_assert_cmphex(sw, ==, 0x6A88);
		g_clear_error(&error);
		/* the old keys are gone: the card cryptogram does not verify */
		failed = vt_initialize_update(card, crypto, scp, old_keys, 0x00, &sw, &error);
		g_assert_null(failed);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
		g_clear_object(&session);
		session = vt_open_channel_with(card, crypto, scp, new_keys, 0x02, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC);
		key_info = tok_gp_session_get_key_info(session);
		g_assert_cmpuint(((const guint8 *)g_bytes_get_data(key_info, NULL))[0], ==, 2);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(TOK_COOLKEY_LIFECYCLE_PERSONALIZED), 0x9000);
	}
}

/* ---- persistence -------------------------------------------------------------------- */

static void
test_isd_state_persists(void)
{
	gchar *dir = vt_tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "card.state", NULL);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpKeySet) new_keys = test_isd_random_keys(crypto, TOK_GP_SCP02);
	guint32 counter = 0;

	{
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP02, TRUE, path);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GBytes) image = test_isd_read_image();
		g_autoptr(GBytes) data = NULL;
		g_autoptr(GError) error = NULL;

		g_assert_null(vcard_card_get_applet_version(card));
		vt_hex_apdu_sw(card, "00 A4 04 00 07 62 76 01 FF 00 00 00", 0x6A82);
		session = vt_open_channel(card, crypto, TOK_GP_SCP02);
		test_isd_load_install(card, session, TOK_GP_SCP02, image, 0x80, 0x9000);
		data = tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP02, 5, new_keys,
							 tok_gp_session_keys_get_dek(tok_gp_session_get_session_keys(session)), &error);
		vt_secure_sw(card, session, tok_gp_apdu_put_key(1, g_bytes_get_data(data, NULL), g_bytes_get_size(data), TRUE, &error), 0x9000);
		/* new keys restart the sequence counter */
		vt_select_applet(card);
		g_clear_object(&session);
		session = vt_open_channel_with(card, crypto, TOK_GP_SCP02, new_keys, 0x05, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC);
		counter = tok_gp_session_get_sequence_counter(session);
		g_assert_cmpuint(counter, ==, 0);
	}
	{
		/* a restart: the factory settings (SCP01, blank) are ignored for an existing file */
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP01, TRUE, path);
		g_autoptr(TokGpSession) session = NULL;
		g_autofree gchar *version = vcard_card_get_applet_version(card);

		g_assert_cmpint(vcard_card_get_scp(card), ==, TOK_GP_SCP02);
		g_assert_cmpuint(vcard_card_get_key_version(card), ==, 5);
		g_assert_cmpstr(version, ==, "1.4.58768072");
		vt_select_applet(card);
		session = vt_open_channel_with(card, crypto, TOK_GP_SCP02, new_keys, 0x05, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC);
		/* the SCP02 sequence counter went on counting */
		g_assert_cmpuint(tok_gp_session_get_sequence_counter(session), ==, counter + 1);
	}
	{
		/* a CUID that contradicts the file is an error */
		g_autoptr(GError) error = NULL;
		g_autoptr(VcardCard) card = NULL;
		VcardCardConfig config;

		vcard_card_config_init(&config);
		config.state_path = path;
		config.has_cuid = TRUE;
		config.cuid[9] ^= 1;
		card = vcard_card_new(&config, &error);
		g_assert_null(card);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	vt_tmpdir_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/isd/select", test_isd_select);
	g_test_add_func("/vcard/isd/get-data/cplc", test_isd_get_data_cplc);
	g_test_add_func("/vcard/isd/get-data/platform", test_isd_get_data_platform);
	g_test_add_func("/vcard/isd/management-needs-channel", test_isd_management_needs_channel);
	g_test_add_func("/vcard/isd/applet/upgrade", test_isd_applet_upgrade);
	g_test_add_func("/vcard/isd/applet/other-version", test_isd_install_other_version);
	g_test_add_func("/vcard/isd/applet/bad-image", test_isd_install_refuses_bad_image);
	g_test_add_func("/vcard/isd/applet/last-block-p1-00", test_isd_load_last_block_p1_00);
	g_test_add_func("/vcard/isd/applet/errors", test_isd_content_errors);
	g_test_add_func("/vcard/isd/put-key", test_isd_put_key);
	g_test_add_func("/vcard/isd/state-persists", test_isd_state_persists);
	return g_test_run();
}
