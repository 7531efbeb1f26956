/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "vcard-test-util.h"

#include "vcard-private.h"

#define ZERO_NONCE "00 00 00 00 00 00 00 00"

static TokSecret *
test_pin(const gchar *text)
{
	return tok_secret_new_from_text(text);
}

/* CREATE PIN 0 (and optionally an object) through the secure channel. */
static void
test_applet_create_pin(VcardCard *card, TokGpSession *session, const gchar *pin, guint8 tries)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) secret = test_pin(pin);

	vt_secure_sw(card, session, tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, tries, secret, NULL, &error), 0x9000);
	g_assert_no_error(error);
}

static GBytes *
test_applet_verify(VcardCard *card, const gchar *pin, guint16 want_sw)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) secret = test_pin(pin);

	return vt_apdu_expect(card, tok_coolkey_apdu_verify_pin(0, secret, &error), want_sw);
}

static guint8
test_applet_tries(VcardCard *card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = vt_apdu_expect(card, tok_coolkey_apdu_get_pin_tries(0, &error), 0x9000);

	g_assert_cmpuint(g_bytes_get_size(data), ==, 1);
	return ((const guint8 *)g_bytes_get_data(data, NULL))[0];
}

/* test-infra.md A.4: what OpenSC's coolkey driver sends, answered as it needs. */
static void
test_applet_opensc_detection(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(GBytes) select = vt_hex_apdu(card, "00 A4 04 00 07 62 76 01 FF 00 00 00", 0x9000);
	g_autoptr(GBytes) none = vt_hex_apdu(card, "B0 3C 01 00", 0x6D00);
	g_autoptr(GBytes) lifecycle = vt_hex_apdu(card, "B0 F2 00 00 04", 0x9000);
	g_autoptr(GBytes) cm = NULL;
	g_autoptr(GBytes) cplc = NULL;

	g_assert_cmpuint(g_bytes_get_size(select), ==, 0);
	g_assert_cmpuint(g_bytes_get_size(none), ==, 0);
	/* life cycle 07 (installed), no PIN yet, protocol 1.1 */
	vt_assert_bytes_hex(lifecycle, "07 00 01 01");
	vt_select_applet(card);
	vt_hex_apdu_sw(card, "B0 58 00 00 0E", 0x9C12);
	cm = vt_hex_apdu(card, "00 A4 04 0C 07 A0 00 00 00 03 00 00", 0x9000);
	g_assert_cmpuint(g_bytes_get_size(cm), ==, 0);
	cplc = vt_hex_apdu(card, "80 CA 9F 7F 2D", 0x9000);
	g_assert_cmpuint(g_bytes_get_size(cplc), ==, 45);
	/* fabricator, type, 8 zero bytes, serial, batch, 20 zero bytes, MSN */
	vt_assert_bytes_hex(cplc, "9F 7F 2A 40 90 61 45 00 00 00 00 00 00 00 00 24 19 2D 2B C7 62"
				  " 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 02 03 04");
	/* the pkcs15 bind selects the applet again; a card with a z0 object */
	{
		g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) z0 = vt_hex("01 00 00 07 40 90 61 45 C7 62 24 19 2D 2B 00 00 00 0C 00 14 00 0C 00 00 07 43 4F 4F 4C 4B 45 59");
		g_autoptr(GBytes) entry = NULL;
		g_autoptr(GBytes) read = NULL;

		vt_select_applet(card);
		session = vt_open_channel(card, crypto, TOK_GP_SCP01);
		vt_secure_sw(card, session,
			     tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_COMBINED, (guint32)g_bytes_get_size(z0),
							    &TOK_COOLKEY_OBJECT_ACL_PKCS11, NULL, &error),
			     0x9000);
		vt_secure_sw(card, session, tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_COMBINED, 0, z0, NULL, &error),
			     0x9000);
		vt_select_applet(card);
		vt_hex_apdu_sw(card, "B0 3C 01 00", 0x6D00);
		entry = vt_hex_apdu(card, "B0 58 00 00 0E", 0x9000);
		vt_assert_bytes_hex(entry, "7A 30 00 00 00 00 00 20 FF FF 40 00 40 00");
		vt_hex_apdu_sw(card, "B0 58 01 00 0E", 0x9C12);
		/* READ OBJECT with the zero nonce and an Le, as OpenSC sends it */
		read = vt_hex_apdu(card, "B0 56 00 00 11 7A 30 00 00 00 00 00 00 20 " ZERO_NONCE " 20", 0x9000);
		g_assert_true(g_bytes_equal(read, z0));
		/* libcoolkeypk11 reads 255 bytes first: too many for this object */
		vt_hex_apdu_sw(card, "B0 56 00 00 11 7A 30 00 00 00 00 00 00 FF " ZERO_NONCE, 0x9C0F);
		g_assert_no_error(error);
	}
}

static void
test_applet_pin_blocking(void)
{
	gchar *dir = vt_tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "card.state", NULL);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);

	{
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP02, FALSE, path);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GBytes) nonce = NULL;

		vt_select_applet(card);
		session = vt_open_channel(card, crypto, TOK_GP_SCP02);
		test_applet_create_pin(card, session, "123456", 3);
		/* the PIN exists now */
		{
			g_autoptr(GError) error = NULL;
			g_autoptr(TokSecret) again = test_pin("654321");
			vt_secure_sw(card, session, tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 3, again, NULL, &error), 0x9C10);
		}
		g_assert_cmpuint(test_applet_tries(card), ==, 3);
		/* a wrong PIN counts down; a right one restores the counter */
		g_bytes_unref(test_applet_verify(card, "111111", 0x9C02));
		g_assert_cmpuint(test_applet_tries(card), ==, 2);
		nonce = test_applet_verify(card, "123456", 0x9000);
		g_assert_cmpuint(g_bytes_get_size(nonce), ==, 8);
		g_assert_cmpuint(test_applet_tries(card), ==, 3);
		g_bytes_unref(test_applet_verify(card, "111111", 0x9C02));
		g_bytes_unref(test_applet_verify(card, "22", 0x9C02)); /* too short: still a try */
		g_assert_cmpuint(test_applet_tries(card), ==, 1);
	}
	{
		/* the counter survived the restart */
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP02, FALSE, path);

		vt_select_applet(card);
		g_assert_cmpuint(test_applet_tries(card), ==, 1);
		g_bytes_unref(test_applet_verify(card, "111111", 0x9C02));
		g_assert_cmpuint(test_applet_tries(card), ==, 0);
		g_bytes_unref(test_applet_verify(card, "123456", 0x9C0C));
	}
	{
		/* still blocked after a save and a load; SET PIN through the channel unblocks */
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP02, FALSE, path);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) fresh = test_pin("24682468");

		vt_select_applet(card);
		g_bytes_unref(test_applet_verify(card, "123456", 0x9C0C));
		g_assert_cmpuint(test_applet_tries(card), ==, 0);
		session = vt_open_channel(card, crypto, TOK_GP_SCP02);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_pin(0, fresh, &error), 0x9000);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_pin(5, fresh, &error), 0x9C10);
		g_assert_no_error(error);
		g_assert_cmpuint(test_applet_tries(card), ==, 3);
		g_bytes_unref(test_applet_verify(card, "24682468", 0x9000));
		vt_hex_apdu_sw(card, "B0 42 07 00 04 31 32 33 34", 0x9C10);
		vt_hex_apdu_sw(card, "B0 42 00 01 04 31 32 33 34", 0x9C11);
	}
	vt_tmpdir_free(dir);
}

static void
test_applet_change_pin_logout(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) old_pin = test_pin("1234");
	g_autoptr(TokSecret) new_pin = test_pin("98765");
	g_autoptr(TokSecret) wrong = test_pin("0000");
	g_autoptr(GBytes) nonce = NULL;
	g_autoptr(GBytes) status = NULL;
	TokCoolkeyStatus st = {0};

	vt_select_applet(card);
	session = vt_open_channel(card, crypto, TOK_GP_SCP01);
	test_applet_create_pin(card, session, "1234", 5);
	nonce = test_applet_verify(card, "1234", 0x9000);
	status = vt_hex_apdu(card, "B0 3C 00 00 10", 0x9000);
	g_assert_true(tok_coolkey_parse_status(g_bytes_get_data(status, NULL), g_bytes_get_size(status), &st, &error));
	g_assert_cmphex(st.logged_in_identities, ==, 0x0001);
	g_assert_cmpuint(st.pin_count, ==, 1);
	/* one-byte lengths; the nonce may follow */
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_change_pin(0, wrong, new_pin, nonce, &error), 0x9C02));
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_change_pin(0, old_pin, new_pin, nonce, &error), 0x9000));
	g_bytes_unref(test_applet_verify(card, "1234", 0x9C02));
	g_bytes_unref(test_applet_verify(card, "98765", 0x9000));
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_change_pin(0, new_pin, old_pin, NULL, &error), 0x9000));
	vt_hex_apdu_sw(card, "B0 44 00 00 03 04 31 32", 0x9C0F);
	vt_hex_apdu_sw(card, "B0 44 00 00 0B 04 31 32 33 34 04 35 36 37 38 00", 0x9C0F);
	g_clear_pointer(&nonce, g_bytes_unref);
	nonce = test_applet_verify(card, "1234", 0x9000);
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_logout(0, nonce, &error), 0x9000));
	g_assert_no_error(error);
	g_clear_pointer(&status, g_bytes_unref);
	status = vt_hex_apdu(card, "B0 3C 00 00 10", 0x9000);
	g_assert_true(tok_coolkey_parse_status(g_bytes_get_data(status, NULL), g_bytes_get_size(status), &st, &error));
	g_assert_cmphex(st.logged_in_identities, ==, 0x0000);
	vt_hex_apdu_sw(card, "B0 61 06 00", 0x9C10);
}

/* Objects: ACLs against the identities of the nonce or the channel. */
static void
test_applet_objects(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP03);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) content = vt_hex("01 02 03 04 05 06 07 08 09 0A");
	const TokCoolkeyObjectAcl user_only = {TOK_COOLKEY_ACL_USER, TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_RA};
	g_autoptr(GBytes) read = NULL;
	g_autoptr(GBytes) nonce = NULL;
	g_autoptr(GBytes) entry = NULL;
	g_autoptr(GBytes) status = NULL;
	guint32 c1 = TOK_COOLKEY_OBJECT_ID('c', '1');
	guint32 k2 = TOK_COOLKEY_OBJECT_ID('k', '2');

	vt_select_applet(card);
	session = vt_open_channel(card, crypto, TOK_GP_SCP03);
	test_applet_create_pin(card, session, "4321", 3);
	vt_secure_sw(card, session, tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, c1, 10, &TOK_COOLKEY_OBJECT_ACL_PKCS11, NULL, &error), 0x9000);
	vt_secure_sw(card, session, tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE, c1, 0, content, NULL, &error), 0x9000);
	vt_secure_sw(card, session, tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, k2, 4, &user_only, NULL, &error), 0x9000);
	/* GET STATUS is not one of the applet's secure commands */
	vt_secure_sw(card, session, tok_apdu_new(0x84, 0x3C, 0x00, 0x00, NULL, 0x10), 0x6D00);
	/* anyone reads c1 with the zero nonce, but only the RA writes it */
	read = vt_hex_apdu(card, "B0 56 00 00 11 63 31 00 00 00 00 00 00 0A " ZERO_NONCE, 0x9000);
	g_assert_true(g_bytes_equal(read, content));
	vt_hex_apdu_sw(card, "B0 54 00 00 12 63 31 00 00 00 00 00 00 01 FF " ZERO_NONCE, 0x9C06);
	vt_hex_apdu_sw(card, "B0 56 00 00 09 63 31 00 00 00 00 00 00 0A", 0x9C06);		  /* no nonce */
	vt_hex_apdu_sw(card, "B0 56 00 00 11 63 31 00 00 00 00 00 00 0A 01 02 03 04 05 06 07 08", 0x9C06); /* wrong */
	vt_hex_apdu_sw(card, "B0 56 00 00 11 63 31 00 00 00 00 00 05 06 " ZERO_NONCE, 0x9C0F);	  /* past the end */
	vt_hex_apdu_sw(card, "B0 56 00 00 11 63 39 00 00 00 00 00 00 01 " ZERO_NONCE, 0x9C07);
	vt_hex_apdu_sw(card, "B0 56 01 00 11 63 31 00 00 00 00 00 00 01 " ZERO_NONCE, 0x9C10);
	vt_hex_apdu_sw(card, "B0 5A 00 00 16 63 32 00 00 00 00 00 10 FF FF 40 00 40 00 " ZERO_NONCE, 0x9C06);
	vt_hex_apdu_sw(card, "B0 52 00 00 0C 63 31 00 00 " ZERO_NONCE, 0x9C06);
	/* k2 (user read ACL): not with the zero nonce, yes with the PIN's nonce, not after LOGOUT */
	vt_hex_apdu_sw(card, "B0 56 00 00 11 6B 32 00 00 00 00 00 00 04 " ZERO_NONCE, 0x9C06);
	nonce = test_applet_verify(card, "4321", 0x9000);
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, k2, 0, 4, nonce, TRUE, &error), 0x9000));
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_logout(0, NULL, &error), 0x9000));
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, k2, 0, 4, nonce, FALSE, &error), 0x9C06));
	/* LIST OBJECTS in creation order, then 9C12 */
	entry = vt_hex_apdu(card, "B0 58 00 00 0E", 0x9000);
	vt_assert_bytes_hex(entry, "63 31 00 00 00 00 00 0A FF FF 40 00 40 00");
	g_clear_pointer(&entry, g_bytes_unref);
	entry = vt_hex_apdu(card, "B0 58 01 00 0E", 0x9000);
	vt_assert_bytes_hex(entry, "6B 32 00 00 00 00 00 04 00 01 40 00 40 00");
	vt_hex_apdu_sw(card, "B0 58 01 00 0E", 0x9C12);
	vt_hex_apdu_sw(card, "B0 58 02 00 0E", 0x9C10);
	vt_hex_apdu_sw(card, "B0 58 00 00 04", 0x6700);
	/* the RA re-creates c1: it is replaced (new size, zeroed), not refused */
	vt_secure_sw(card, session, tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, c1, 20, &TOK_COOLKEY_OBJECT_ACL_PKCS11, NULL, &error), 0x9000);
	g_clear_pointer(&read, g_bytes_unref);
	read = vt_hex_apdu(card, "B0 56 00 00 11 63 31 00 00 00 00 00 00 14 " ZERO_NONCE, 0x9000);
	g_assert_cmpuint(g_bytes_get_size(read), ==, 20);
	g_assert_cmpuint(((const guint8 *)g_bytes_get_data(read, NULL))[0], ==, 0);
	status = vt_hex_apdu(card, "B0 3C 00 00 10", 0x9000);
	vt_assert_bytes_hex(status, "01 01 01 04 00 00 40 00 00 00 3F E8 01 00 00 00");
	/* limits: 0x8000 bytes, more than the memory left, size 0, write past the end */
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0x5A, 0x00, 0x00, (const guint8 *)"\x63\x33\x00\x00\x00\x00\x80\x00\xFF\xFF\x40\x00\x40\x00", 14, TOK_APDU_NO_LE), 0x9C01);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0x5A, 0x00, 0x00, (const guint8 *)"\x63\x33\x00\x00\x00\x00\x7F\xFF\xFF\xFF\x40\x00\x40\x00", 14, TOK_APDU_NO_LE), 0x9C01);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0x5A, 0x00, 0x00, (const guint8 *)"\x63\x33\x00\x00\x00\x00\x00\x00\xFF\xFF\x40\x00\x40\x00", 14, TOK_APDU_NO_LE), 0x9C0F);
	vt_secure_sw(card, session, tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE, k2, 2, content, NULL, &error), 0x9C0F);
	/* DELETE through the channel; then it is gone */
	vt_secure_sw(card, session, tok_coolkey_apdu_delete_object(TOK_COOLKEY_CLA_SECURE, c1, TRUE, NULL, &error), 0x9000);
	vt_secure_sw(card, session, tok_coolkey_apdu_delete_object(TOK_COOLKEY_CLA_SECURE, c1, FALSE, NULL, &error), 0x9C07);
	vt_hex_apdu_sw(card, "B0 56 00 00 11 63 31 00 00 00 00 00 00 01 " ZERO_NONCE, 0x9C07);
	g_assert_no_error(error);
	/* the built-in ACLs are locked */
	g_clear_pointer(&read, g_bytes_unref);
	read = vt_hex_apdu(card, "B0 FA 00 00 07", 0x9000);
	vt_assert_bytes_hex(read, "40 00 40 00 40 00 00");
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xF8, 0x00, 0x00, (const guint8 *)"\xFF\xFF\xFF\xFF\xFF\xFF\x01", 7, TOK_APDU_NO_LE), 0x9C03);
}

static void
test_applet_information(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) info = NULL;
	g_autoptr(GBytes) random1 = NULL;
	g_autoptr(GBytes) random2 = NULL;
	g_autoptr(GBytes) pins = NULL;
	g_autoptr(GBytes) lc = NULL;
	g_autofree gchar *url = NULL;

	vt_select_applet(card);
	info = vt_apdu_expect(card, tok_coolkey_apdu_get_issuer_info(), 0x9000);
	url = tok_coolkey_parse_issuer_info(g_bytes_get_data(info, NULL), g_bytes_get_size(info), &error);
	g_assert_cmpstr(url, ==, "");
	vt_hex_apdu_sw(card, "B0 F6 00 00 10", 0x6700);
	session = vt_open_channel(card, crypto, TOK_GP_SCP01);
	vt_secure_sw(card, session, tok_coolkey_apdu_set_issuer_info("http://tps.example.com:8080/tps/phoneHome", &error), 0x9000);
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xF4, 0x00, 0x00, (const guint8 *)"abc", 3, TOK_APDU_NO_LE), 0x6700);
	g_clear_pointer(&info, g_bytes_unref);
	g_clear_pointer(&url, g_free);
	info = vt_apdu_expect(card, tok_coolkey_apdu_get_issuer_info(), 0x9000);
	url = tok_coolkey_parse_issuer_info(g_bytes_get_data(info, NULL), g_bytes_get_size(info), &error);
	g_assert_cmpstr(url, ==, "http://tps.example.com:8080/tps/phoneHome");
	/* SET LIFECYCLE: no data, an application-specific state */
	vt_secure_sw(card, session, tok_apdu_new_from_data(0x84, 0xF0, 0x0F, 0x00, (const guint8 *)"\x01", 1, TOK_APDU_NO_LE), 0x6700);
	vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(0x10), 0x9C0F);
	vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(TOK_COOLKEY_LIFECYCLE_PERSONALIZED), 0x9000);
	lc = vt_hex_apdu(card, "B0 F2 00 00 01", 0x9000);
	vt_assert_bytes_hex(lc, "0F");
	/* READ IOBUF is disabled in the 1.4 applet */
	vt_secure_sw(card, session, tok_coolkey_apdu_read_iobuf(16, 0, &error), 0x6D00);
	g_assert_no_error(error);
	random1 = vt_hex_apdu(card, "B0 72 00 00 10", 0x9000);
	random2 = vt_hex_apdu(card, "B0 72 00 00 10", 0x9000);
	g_assert_cmpuint(g_bytes_get_size(random1), ==, 16);
	g_assert_false(g_bytes_equal(random1, random2));
	pins = vt_hex_apdu(card, "B0 48 00 00 02", 0x9000);
	vt_assert_bytes_hex(pins, "00 00");
	vt_hex_apdu_sw(card, "B0 70 00 00", 0x6700);
	vt_hex_apdu_sw(card, "B0 71 00 00", 0x9000);
	vt_hex_apdu_sw(card, "B0 73 00 00 04 01 02 03 04", 0x9000);
	vt_hex_apdu_sw(card, "B0 3C 02 00 10", 0x9C10);
	vt_hex_apdu_sw(card, "B0 3C 00 01 10", 0x9C11);
	vt_hex_apdu_sw(card, "B0 4A 00 00 01", 0x9C10); /* no PIN 0 */
	vt_hex_apdu_sw(card, "B0 99 00 00", 0x6D00);
	/* SC-only commands are unknown in the clear */
	vt_hex_apdu_sw(card, "B0 04 00 00 04 31 32 33 34", 0x6D00);
	vt_hex_apdu_sw(card, "B0 F0 0F 00", 0x6D00);
	/* the applet answers any ISO command but SELECT, knows nothing of CLA 80 and C0 */
	vt_hex_apdu_sw(card, "00 B0 00 00 10", 0x9000);
	vt_hex_apdu_sw(card, "80 CA 00 66 2D", 0x6D00);
	vt_hex_apdu_sw(card, "C0 3C 00 00 10", 0x6E00);
}

/* Transient state goes on reset and power-off; persistent state does not. */
static void
test_applet_transient_reset(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP01);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) nonce = NULL;
	g_autoptr(GBytes) response = NULL;
	const TokCoolkeyObjectAcl user_only = {TOK_COOLKEY_ACL_USER, TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_RA};
	guint32 k2 = TOK_COOLKEY_OBJECT_ID('k', '2');
	const guint8 get_status[] = {0xB0, 0x3C, 0x00, 0x00, 0x10};

	vt_select_applet(card);
	session = vt_open_channel(card, crypto, TOK_GP_SCP01);
	test_applet_create_pin(card, session, "1111", 3);
	vt_secure_sw(card, session, tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, k2, 4, &user_only, NULL, &error), 0x9000);
	nonce = test_applet_verify(card, "1111", 0x9000);
	vcard_card_reset(card);
	/* the card manager is selected after a reset */
	vt_hex_apdu_sw(card, "B0 3C 00 00 10", 0x6E00);
	vt_select_applet(card);
	g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, k2, 0, 4, nonce, FALSE, &error), 0x9C06));
	/* the channel is gone too */
	vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(0x0F), 0x6982);
	vcard_card_power_off(card);
	g_assert_false(vcard_card_is_powered(card));
	response = vcard_card_transmit(card, get_status, sizeof(get_status), &error);
	g_assert_null(response);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	vcard_card_power_on(card);
	vt_select_applet(card);
	g_assert_cmpuint(test_applet_tries(card), ==, 3);
}

/* The state file: what is saved loads back the same; malformed files are refused. */
static void
test_applet_state_file(void)
{
	gchar *dir = vt_tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "card.state", NULL);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autofree gchar *saved = NULL;
	gsize saved_len = 0;

	{
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP03, FALSE, path);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) content = vt_hex("DE AD BE EF");
		g_autoptr(TokCoolkeyKeygenResult) result = NULL;
		const TokCoolkeyKeyPair pair = {0, 2, 0, 3};

		vt_select_applet(card);
		session = vt_open_channel(card, crypto, TOK_GP_SCP03);
		test_applet_create_pin(card, session, "password", 7);
		vt_secure_sw(card, session, tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID('c', '0'), 4,
									   &TOK_COOLKEY_OBJECT_ACL_PKCS11, NULL, &error),
			     0x9000);
		vt_secure_sw(card, session, tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID('c', '0'), 0, content, NULL, &error),
			     0x9000);
		result = vt_generate_key(card, session, crypto, TOK_GP_SCP03, tok_gp_key_set_get_key(vcard_card_get_key_set(card), TOK_GP_KEY_DEK),
					 &pair, 256, TRUE);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_issuer_info("https://tps/", &error), 0x9000);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(0x0F), 0x9000);
		g_bytes_unref(test_applet_verify(card, "wrong!", 0x9C02));
		g_assert_no_error(error);
	}
	g_assert_true(g_file_get_contents(path, &saved, &saved_len, NULL));
	{
		/* load and save again: the same text */
		g_autoptr(GError) error = NULL;
		g_autoptr(VcardState) state = vcard_state_load(path, &error);
		g_autofree gchar *again = NULL;
		gsize again_len = 0;

		g_assert_no_error(error);
		again = vcard_state_to_data(state, &again_len, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(again, ==, saved);
	}
	{
		g_autoptr(VcardCard) card = vt_card_new_full(TOK_GP_SCP01, TRUE, path);
		g_autoptr(GBytes) lc = NULL;
		g_autoptr(GBytes) keys = NULL;
		g_autoptr(GBytes) object = NULL;

		vt_select_applet(card);
		g_assert_cmpuint(test_applet_tries(card), ==, 6);
		lc = vt_hex_apdu(card, "B0 F2 00 00 04", 0x9000);
		vt_assert_bytes_hex(lc, "0F 01 01 01");
		keys = vt_hex_apdu(card, "B0 3A 00 00 0B", 0x9000);
		vt_assert_bytes_hex(keys, "02 0B 03 01 00 00 00 40 00 00 01");
		object = vt_hex_apdu(card, "B0 56 00 00 11 63 30 00 00 00 00 00 00 04 " ZERO_NONCE, 0x9000);
		vt_assert_bytes_hex(object, "DE AD BE EF");
	}
	{
		/* malformed files */
		const gchar *bad[] = {
		    "",
		    "[card]\nformat=2\n",
		    "not a key file",
		    "[nonsense]\n",
		};
		const gchar *edits[][2] = {
		    {"scp=3", "scp=4"},
		    {"key-type=aes", "key-type=des3"},
		    {"[applet]", "[applets]"},
		    {"max-tries=7", "max-tries=0"},
		    {"tries-left=6", "tries-left=8"},
		    {"type=11", "type=1"},
		    {"partner=3", "partner=30"},
		    {"size=4\n", "size=5\n"},
		    {"[pin 0]", "[pin 9]"},
		    {"[object 63300000]", "[object 6330000]"},
		    {"format=1", "format=x"},
		};

		for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(VcardState) state = vcard_state_load_from_data(bad[i], strlen(bad[i]), &error);
			g_assert_null(state);
			g_assert_nonnull(error);
		}
		for (guint i = 0; i < G_N_ELEMENTS(edits); i++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(VcardState) state = NULL;
			g_autoptr(GString) text = g_string_new(saved);

			g_test_message("edit %s -> %s", edits[i][0], edits[i][1]);
			g_assert_cmpuint(g_string_replace(text, edits[i][0], edits[i][1], 1), ==, 1);
			state = vcard_state_load_from_data(text->str, text->len, &error);
			g_assert_null(state);
			g_assert_true(error != NULL && (error->domain == TOK_ERROR || error->domain == G_KEY_FILE_ERROR));
		}
	}
	vt_tmpdir_free(dir);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/applet/opensc-detection", test_applet_opensc_detection);
	g_test_add_func("/vcard/applet/pin/blocking", test_applet_pin_blocking);
	g_test_add_func("/vcard/applet/pin/change-logout", test_applet_change_pin_logout);
	g_test_add_func("/vcard/applet/objects", test_applet_objects);
	g_test_add_func("/vcard/applet/information", test_applet_information);
	g_test_add_func("/vcard/applet/transient-reset", test_applet_transient_reset);
	g_test_add_func("/vcard/applet/state-file", test_applet_state_file);
	return g_test_run();
}
