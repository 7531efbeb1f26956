/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A full personalisation of the virtual card the way a TPS does it, through the host side of
 * libtok-gp, for SCP01, SCP02 and SCP03; and what happens with wrong keys and broken MACs.
 */
#include "config.h"

#include <openssl/rsa.h>

#include "vcard-test-util.h"

#include "tok-cplc.h"
#include "tok-coolkey-object.h"

#define TEST_ISSUER_URL "https://tps.example.org:8443/tps/phoneHome"

static const TokGpScp test_scps[] = {TOK_GP_SCP01, TOK_GP_SCP02, TOK_GP_SCP03};

/* The TPS's platform detection on the card manager (protocol.md 3.2, 5.1). */
static TokGpScp
test_detect_platform(VcardCard *card, TokCplc **cplc)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GBytes) crd = NULL;
	TokGpCardRecognition recognition = {0};
	guint16 sw = 0;
	g_autoptr(GBytes) apdu = vt_hex("80 CA 00 66 2D");

	vt_hex_apdu_sw(card, "00 A4 04 00 07 A0 00 00 00 03 00 00", 0x9000);
	raw = vt_hex_apdu(card, "80 CA 9F 7F 2D", 0x9000);
	*cplc = tok_cplc_parse(g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), TOK_CPLC_PARSE_FLAG_NONE, &error);
	g_assert_no_error(error);
	crd = vt_transmit_raw(card, g_bytes_get_data(apdu, NULL), g_bytes_get_size(apdu), &sw);
	if (sw != 0x9000 ||
	    !tok_gp_parse_card_recognition_data(g_bytes_get_data(crd, NULL), g_bytes_get_size(crd), &recognition, NULL))
		return TOK_GP_SCP01;
	/* SCP02 only with i = 15 */
	if (recognition.scp == TOK_GP_SCP02 && recognition.i != 0x15)
		return TOK_GP_SCP01;
	return (TokGpScp)recognition.scp;
}

static GBytes *
test_build_z0(const TokCplc *cplc, GBytes *modulus)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(GBytes) certificate = vt_hex("30 82 00 04 30 00 30 00"); /* opaque to the card */
	TokCoolkeyCertificateSpec spec = {
	    .index = 1,
	    .label = "Signing Certificate",
	    .certificate = certificate,
	    .key_type = TOK_CKK_RSA,
	    .usage = TOK_COOLKEY_KEY_USAGE_SIGNING,
	};
	GBytes *encoded;

	g_assert_true(tok_coolkey_object_set_set_cuid(set, cplc->cuid, sizeof(cplc->cuid), &error));
	g_assert_true(tok_coolkey_object_set_set_token_name(set, "jdoe", &error));
	tok_coolkey_object_set_set_object_version(set, 17);
	g_assert_true(tok_coolkey_object_set_add_certificate(set, &spec, &error));
	g_assert_no_error(error);
	g_assert_nonnull(modulus);
	encoded = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, &error);
	g_assert_no_error(error);
	return encoded;
}

static void
test_personalize_one(TokGpScp scp)
{
	g_autoptr(VcardCard) card = vt_card_new(scp);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpKeySet) keys = vt_developer_keys(scp);
	g_autoptr(TokCplc) cplc = NULL;
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GBytes) kdd = NULL;
	g_autoptr(GBytes) ext = NULL;
	g_autoptr(GBytes) ext_data = NULL;
	g_autoptr(GBytes) build = NULL;
	g_autoptr(TokCoolkeyKeygenResult) result = NULL;
	g_autoptr(GBytes) z0 = NULL;
	g_autoptr(GPtrArray) writes = NULL;
	g_autoptr(TokSecret) pin = tok_secret_new_from_text("secret123");
	g_autoptr(GError) error = NULL;
	const TokCoolkeyKeyPair signing = {0, 2, 0, 3};
	guint16 sw = 0;

	g_test_message("personalisation under SCP0%d", scp);
	/* 1. what the card is: CUID from CPLC, protocol from the card recognition data */
	g_assert_cmpint(test_detect_platform(card, &cplc), ==, scp);
	/* 2. the applet and its version */
	vt_select_applet(card);
	build = vt_hex_apdu(card, "B0 70 00 00 04", 0x9000);
	vt_assert_bytes_hex(build, "58 76 80 72");
	vt_hex_apdu_sw(card, "B0 F2 00 00 01", 0x9000);
	/* 3. INITIALIZE UPDATE with a host challenge, EXTERNAL AUTHENTICATE level 03 */
	session = vt_initialize_update(card, crypto, scp, keys, 0x00, &sw, &error);
	g_assert_no_error(error);
	kdd = tok_gp_session_get_kdd(session);
	g_assert_true(tok_cplc_check_kdd(cplc, g_bytes_get_data(kdd, NULL), g_bytes_get_size(kdd), &error));
	ext = tok_gp_session_external_authenticate(session, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC, &error);
	g_assert_no_error(error);
	ext_data = vt_transmit_raw(card, g_bytes_get_data(ext, NULL), g_bytes_get_size(ext), &sw);
	g_assert_cmphex(sw, ==, 0x9000);
	/* 4. PIN: CREATE PIN, then SET PIN as a PIN reset would */
	vt_secure_sw(card, session, tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 15, pin, NULL, &error), 0x9000);
	vt_secure_sw(card, session, tok_coolkey_apdu_set_pin(0, pin, &error), 0x9000);
	/* 5. on-card RSA-2048 key generation with the proof of possession checked */
	result = vt_generate_key(card, session, crypto, scp, tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK), &signing, 2048, FALSE);
	g_assert_cmpuint(g_bytes_get_size(result->modulus), ==, 256);
	/* 6. CLEAR KEY SLOTS keeping the pair, the z0 object */
	vt_secure_sw(card, session, tok_coolkey_apdu_clear_key_slots((const guint8 *)"\x02\x03", 2, &error), 0x9000);
	z0 = test_build_z0(cplc, result->modulus);
	vt_secure_sw(card, session,
		     tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_COMBINED, (guint32)g_bytes_get_size(z0),
						    &TOK_COOLKEY_OBJECT_ACL_PKCS11, NULL, &error),
		     0x9000);
	writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_COMBINED, 0, z0, NULL, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < writes->len; i++)
		vt_secure_sw(card, session, tok_apdu_ref(g_ptr_array_index(writes, i)), 0x9000);
	/* 7. issuer info and life cycle */
	vt_secure_sw(card, session, tok_coolkey_apdu_set_issuer_info(TEST_ISSUER_URL, &error), 0x9000);
	vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(TOK_COOLKEY_LIFECYCLE_PERSONALIZED), 0x9000);
	g_assert_no_error(error);

	/* what a client (CoolKey, OpenSC) then finds, in the clear */
	{
		g_autoptr(GBytes) lc = vt_hex_apdu(card, "B0 F2 00 00 04", 0x9000);
		g_autoptr(GBytes) entry = vt_hex_apdu(card, "B0 58 00 00 0E", 0x9000);
		g_autoptr(GBytes) info = vt_apdu_expect(card, tok_coolkey_apdu_get_issuer_info(), 0x9000);
		g_autoptr(GPtrArray) reads = NULL;
		g_autoptr(GByteArray) read = g_byte_array_new();
		g_autoptr(TokCoolkeyObjectSet) set = NULL;
		g_autoptr(GBytes) zero = g_bytes_new_static("\0\0\0\0\0\0\0\0", 8);
		g_autofree gchar *url = NULL;
		TokCoolkeyObjectInfo object = {0};

		vt_assert_bytes_hex(lc, "0F 01 01 01");
		g_assert_true(tok_coolkey_parse_object_entry(g_bytes_get_data(entry, NULL), g_bytes_get_size(entry), &object, &error));
		g_assert_cmphex(object.object_id, ==, TOK_COOLKEY_OBJECT_ID_COMBINED);
		g_assert_cmpuint(object.size, ==, g_bytes_get_size(z0));
		vt_hex_apdu_sw(card, "B0 58 01 00 0E", 0x9C12);
		reads = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_CLEAR, object.object_id, 0, object.size, zero, FALSE, &error);
		g_assert_no_error(error);
		for (guint i = 0; i < reads->len; i++) {
			g_autoptr(GBytes) chunk = vt_apdu_expect(card, tok_apdu_ref(g_ptr_array_index(reads, i)), 0x9000);
			g_byte_array_append(read, g_bytes_get_data(chunk, NULL), (guint)g_bytes_get_size(chunk));
		}
		set = tok_coolkey_object_set_decode(read->data, read->len, NULL, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(tok_coolkey_object_set_get_token_name(set), ==, "jdoe");
		g_assert_cmpuint(tok_coolkey_object_set_get_n_records(set), ==, 3);
		url = tok_coolkey_parse_issuer_info(g_bytes_get_data(info, NULL), g_bytes_get_size(info), &error);
		g_assert_cmpstr(url, ==, TEST_ISSUER_URL);
	}
	/* the user signs with the new key (2048 bits: the result comes through the I/O object) */
	{
		g_autoptr(GBytes) nonce = vt_apdu_expect(card, tok_coolkey_apdu_verify_pin(0, pin, &error), 0x9000);
		g_autoptr(GBytes) digest_info = vt_hex("30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01");
		g_autoptr(GBytes) len = NULL;
		g_autoptr(GBytes) length = vt_hex("00 23");
		g_autoptr(GByteArray) signature = g_byte_array_new();
		g_autoptr(EVP_PKEY) pub = vt_public_key(result);
		g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
		guint16 sig_len = 0;

		g_bytes_unref(vt_apdu_expect(card,
					     tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_CLEAR, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1,
									    TOK_COOLKEY_CRYPT_DIR_SIGN, TOK_COOLKEY_DATA_LOCATION_APDU, digest_info,
									    NULL, nonce, &error),
					     0x9C1D));
		g_bytes_unref(vt_apdu_expect(card,
					     tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF, 0,
									   length, nonce, &error),
					     0x9000));
		g_bytes_unref(vt_apdu_expect(card, tok_coolkey_apdu_write_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF, 2, digest_info, nonce, &error),
					     0x9000));
		g_bytes_unref(vt_apdu_expect(card,
					     tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_CLEAR, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1,
									    TOK_COOLKEY_CRYPT_DIR_SIGN, TOK_COOLKEY_DATA_LOCATION_IOBUF, NULL, NULL,
									    nonce, &error),
					     0x9000));
		len = vt_apdu_expect(card, tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF, 0, 2, nonce, FALSE, &error), 0x9000);
		g_assert_true(tok_read_u16_be(g_bytes_get_data(len, NULL), 2, 0, &sig_len, &error));
		g_assert_cmpuint(sig_len, ==, 256);
		for (guint32 offset = 0; offset < sig_len; offset += 128) {
			g_autoptr(GBytes) chunk = vt_apdu_expect(card,
								 tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF,
											      2 + offset, 128, nonce, FALSE, &error),
								 0x9000);
			g_byte_array_append(signature, g_bytes_get_data(chunk, NULL), (guint)g_bytes_get_size(chunk));
		}
		g_assert_cmpint(EVP_PKEY_verify_init(ctx), ==, 1);
		g_assert_cmpint(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), ==, 1);
		g_assert_cmpint(EVP_PKEY_verify(ctx, signature->data, signature->len, g_bytes_get_data(digest_info, NULL), 35), ==, 1);
		g_assert_no_error(error);
	}
}

static void
test_personalize_scp01(void)
{
	test_personalize_one(TOK_GP_SCP01);
}

static void
test_personalize_scp02(void)
{
	test_personalize_one(TOK_GP_SCP02);
}

static void
test_personalize_scp03(void)
{
	test_personalize_one(TOK_GP_SCP03);
}

/* A host with the wrong keys sees the card cryptogram fail; the card goes on. */
static void
test_personalize_wrong_keys(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_scps); i++) {
		TokGpScp scp = test_scps[i];
		g_autoptr(VcardCard) card = vt_card_new(scp);
		g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
		g_autoptr(TokSecret) other = tok_secret_new_random(16, NULL);
		g_autoptr(TokGpKeySet) wrong = tok_gp_key_set_new(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3, other, other, other, NULL);
		g_autoptr(TokGpSession) failed = NULL;
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(GError) error = NULL;
		guint16 sw = 0;

		vt_select_applet(card);
		failed = vt_initialize_update(card, crypto, scp, wrong, 0x00, &sw, &error);
		g_assert_cmphex(sw, ==, 0x9000);
		g_assert_null(failed);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
		session = vt_open_channel(card, crypto, scp);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(0x0F), 0x9000);
	}
}

static GBytes *
test_tamper(GBytes *apdu)
{
	g_autoptr(GByteArray) copy = g_byte_array_new();

	g_byte_array_append(copy, g_bytes_get_data(apdu, NULL), (guint)g_bytes_get_size(apdu));
	copy->data[copy->len - 1] ^= 0x01;
	return g_byte_array_free_to_bytes(g_steal_pointer(&copy));
}

/* A changed MAC ends the session with an error SW; a new channel works. */
static void
test_personalize_tampered_mac(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_scps); i++) {
		TokGpScp scp = test_scps[i];
		g_autoptr(VcardCard) card = vt_card_new(scp);
		g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
		g_autoptr(TokGpKeySet) keys = vt_developer_keys(scp);
		g_autoptr(TokGpSession) session = NULL;
		g_autoptr(TokGpSession) bad_ext = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(TokApdu) plain = tok_coolkey_apdu_set_lifecycle(0x0F);
		g_autoptr(GBytes) encoded = tok_apdu_encode(plain, TOK_APDU_ENCODING_SHORT, NULL);
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(GBytes) tampered = NULL;
		g_autoptr(GBytes) ext = NULL;
		g_autoptr(GBytes) data = NULL;
		guint16 sw = 0;

		vt_select_applet(card);
		session = vt_open_channel(card, crypto, scp);
		wrapped = tok_gp_session_wrap(session, g_bytes_get_data(encoded, NULL), g_bytes_get_size(encoded), &error);
		g_assert_no_error(error);
		tampered = test_tamper(wrapped);
		data = vt_transmit_raw(card, g_bytes_get_data(tampered, NULL), g_bytes_get_size(tampered), &sw);
		g_assert_cmphex(sw, ==, 0x6982);
		/* the card dropped the session: even the genuine command is refused now */
		g_clear_pointer(&data, g_bytes_unref);
		data = vt_transmit_raw(card, g_bytes_get_data(wrapped, NULL), g_bytes_get_size(wrapped), &sw);
		g_assert_cmphex(sw, ==, 0x6982);
		/* a changed EXTERNAL AUTHENTICATE MAC: 6300 */
		bad_ext = vt_initialize_update(card, crypto, scp, keys, 0x00, &sw, &error);
		g_assert_no_error(error);
		ext = tok_gp_session_external_authenticate(bad_ext, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC, &error);
		g_clear_pointer(&tampered, g_bytes_unref);
		tampered = test_tamper(ext);
		g_clear_pointer(&data, g_bytes_unref);
		data = vt_transmit_raw(card, g_bytes_get_data(tampered, NULL), g_bytes_get_size(tampered), &sw);
		g_assert_cmphex(sw, ==, 0x6300);
		/* and the card is still fine with a new channel */
		g_clear_object(&session);
		session = vt_open_channel(card, crypto, scp);
		vt_secure_sw(card, session, tok_coolkey_apdu_set_lifecycle(0x0F), 0x9000);
	}
}

/* Level 01 (C-MAC only) works; the applet refuses R-MAC levels, the card manager takes them
 * under SCP03 and MACs its responses. */
static void
test_personalize_levels(void)
{
	g_autoptr(VcardCard) card = vt_card_new(TOK_GP_SCP03);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokGpKeySet) keys = vt_developer_keys(TOK_GP_SCP03);
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(TokGpSession) rmac = NULL;
	g_autoptr(GBytes) ext = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) cplc = NULL;
	g_autoptr(GError) error = NULL;
	guint16 sw = 0;

	vt_select_applet(card);
	session = vt_open_channel_with(card, crypto, TOK_GP_SCP03, keys, 0x00, TOK_GP_SECURITY_LEVEL_C_MAC);
	vt_secure_sw(card, session, tok_coolkey_apdu_set_issuer_info("http://level-01/", &error), 0x9000);
	rmac = vt_initialize_update(card, crypto, TOK_GP_SCP03, keys, 0x00, &sw, &error);
	g_assert_no_error(error);
	ext = tok_gp_session_external_authenticate(rmac, 0x13, &error);
	g_assert_no_error(error);
	data = vt_transmit_raw(card, g_bytes_get_data(ext, NULL), g_bytes_get_size(ext), &sw);
	g_assert_cmphex(sw, ==, 0x6985);
	vt_select_isd(card);
	g_clear_object(&rmac);
	rmac = vt_open_channel_with(card, crypto, TOK_GP_SCP03, keys, 0x00, 0x13);
	cplc = vt_secure(card, rmac, tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE), 0x9000);
	g_assert_cmpuint(g_bytes_get_size(cplc), ==, 45);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/personalize/scp01", test_personalize_scp01);
	g_test_add_func("/vcard/personalize/scp02", test_personalize_scp02);
	g_test_add_func("/vcard/personalize/scp03", test_personalize_scp03);
	g_test_add_func("/vcard/personalize/wrong-keys", test_personalize_wrong_keys);
	g_test_add_func("/vcard/personalize/tampered-mac", test_personalize_tampered_mac);
	g_test_add_func("/vcard/personalize/levels", test_personalize_levels);
	return g_test_run();
}
