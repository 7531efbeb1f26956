/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "vcard-test-util.h"

#define ZERO_NONCE "00 00 00 00 00 00 00 00"

static const TokGpScp test_scps[] = {TOK_GP_SCP01, TOK_GP_SCP02, TOK_GP_SCP03};

typedef struct {
	VcardCard *card;
	TokGpCrypto *crypto;
	TokGpSession *session;
	TokGpScp scp;
} KeysFixture;

static void
keys_fixture_open(KeysFixture *f, TokGpScp scp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) pin = tok_secret_new_from_text("1234");

	f->scp = scp;
	f->card = vt_card_new(scp);
	f->crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	vt_select_applet(f->card);
	f->session = vt_open_channel(f->card, f->crypto, scp);
	vt_secure_sw(f->card, f->session, tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 5, pin, NULL, &error), 0x9000);
}

static void
keys_fixture_close(KeysFixture *f)
{
	g_clear_object(&f->session);
	g_clear_object(&f->crypto);
	g_clear_object(&f->card);
}

static TokSecret *
keys_kek(KeysFixture *f)
{
	return tok_gp_key_set_get_key(vcard_card_get_key_set(f->card), TOK_GP_KEY_DEK);
}

static GBytes *
keys_login(KeysFixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) pin = tok_secret_new_from_text("1234");

	return vt_apdu_expect(f->card, tok_coolkey_apdu_verify_pin(0, pin, &error), 0x9000);
}

static GBytes *
keys_crypt(KeysFixture *f, guint8 key, TokCoolkeyCryptMode mode, TokCoolkeyCryptDirection dir, GBytes *data, GBytes *nonce, guint16 want_sw)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) response = vt_apdu_expect(f->card,
						     tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_CLEAR, key, mode, dir, TOK_COOLKEY_DATA_LOCATION_APDU,
										    data, NULL, nonce, &error),
						     want_sw);

	g_assert_no_error(error);
	if (want_sw != 0x9000)
		return NULL;
	return tok_coolkey_parse_crypt_result(g_bytes_get_data(response, NULL), g_bytes_get_size(response), &error);
}

static EVP_PKEY_CTX *
keys_ctx(EVP_PKEY *pkey, gboolean encrypt, int padding)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

	g_assert_cmpint(encrypt ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_verify_init(ctx), ==, 1);
	g_assert_cmpint(EVP_PKEY_CTX_set_rsa_padding(ctx, padding), ==, 1);
	return ctx;
}

static void
test_keys_rsa_crypt(void)
{
	KeysFixture f = {0};
	const TokCoolkeyKeyPair pair = {0, 2, 0, 3};
	g_autoptr(TokCoolkeyKeygenResult) result = NULL;
	g_autoptr(EVP_PKEY) pub = NULL;
	g_autoptr(GBytes) nonce = NULL;
	g_autoptr(GBytes) digest_info = vt_hex("30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13");
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(GBytes) secret = vt_hex("00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF");
	g_autoptr(GBytes) keys1 = NULL;
	g_autoptr(GBytes) keys2 = NULL;
	g_autoptr(GByteArray) raw_in = g_byte_array_new();
	g_autoptr(GBytes) zero = g_bytes_new_static("\0\0\0\0\0\0\0\0", 8);
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GBytes) raw_out = NULL;
	g_autoptr(GError) error = NULL;

	keys_fixture_open(&f, TOK_GP_SCP01);
	result = vt_generate_key(f.card, f.session, f.crypto, f.scp, keys_kek(&f), &pair, 1024, FALSE);
	pub = vt_public_key(result);
	keys1 = vt_hex_apdu(f.card, "B0 3A 00 00 0B", 0x9000);
	vt_assert_bytes_hex(keys1, "02 03 03 04 00 00 00 40 00 00 01");
	keys2 = vt_hex_apdu(f.card, "B0 3A 01 00 0B", 0x9000);
	vt_assert_bytes_hex(keys2, "03 01 02 04 00 FF FF 40 00 FF FF");
	vt_hex_apdu_sw(f.card, "B0 3A 01 00 0B", 0x9C12);
	/* the owner (PIN 0) must be logged in */
	g_assert_null(keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, zero, 0x9C06));
	nonce = keys_login(&f);
	/* PKCS#1 v1.5 signature of a DigestInfo */
	signature = keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, nonce, 0x9000);
	g_assert_cmpuint(g_bytes_get_size(signature), ==, 128);
	{
		g_autoptr(EVP_PKEY_CTX) ctx = keys_ctx(pub, FALSE, RSA_PKCS1_PADDING);
		g_assert_cmpint(EVP_PKEY_verify(ctx, g_bytes_get_data(signature, NULL), 128, g_bytes_get_data(digest_info, NULL),
						g_bytes_get_size(digest_info)),
				==, 1);
	}
	/* PKCS#1 decryption */
	{
		g_autoptr(EVP_PKEY_CTX) ctx = keys_ctx(pub, TRUE, RSA_PKCS1_PADDING);
		guint8 cipher[128];
		size_t cipher_len = sizeof(cipher);
		g_autoptr(GBytes) in = NULL;
		g_autoptr(GBytes) plain = NULL;

		g_assert_cmpint(EVP_PKEY_encrypt(ctx, cipher, &cipher_len, g_bytes_get_data(secret, NULL), 16), ==, 1);
		in = g_bytes_new(cipher, cipher_len);
		plain = keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_DECRYPT, in, nonce, 0x9000);
		g_assert_true(g_bytes_equal(plain, secret));
	}
	/* OpenSC's raw operation: mode 00, direction 03, x^d mod n */
	tok_byte_array_append_u8(raw_in, 0x00);
	for (guint i = 1; i < 128; i++)
		tok_byte_array_append_u8(raw_in, (guint8)i);
	raw = g_bytes_new(raw_in->data, raw_in->len);
	raw_out = keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD, TOK_COOLKEY_CRYPT_DIR_ENCRYPT, raw, nonce, 0x9000);
	{
		g_autoptr(EVP_PKEY_CTX) ctx = keys_ctx(pub, TRUE, RSA_NO_PADDING);
		guint8 back[128];
		size_t back_len = sizeof(back);

		g_assert_cmpint(EVP_PKEY_encrypt(ctx, back, &back_len, g_bytes_get_data(raw_out, NULL), 128), ==, 1);
		g_assert_cmpmem(back, back_len, raw_in->data, raw_in->len);
	}
	/* the same through the I/O object (OpenSC: data of more than 200 bytes) */
	{
		g_autoptr(GByteArray) io = g_byte_array_new();
		g_autoptr(GBytes) io_bytes = NULL;
		g_autoptr(GPtrArray) writes = NULL;
		g_autoptr(GBytes) out_len = NULL;
		g_autoptr(GBytes) out = NULL;

		tok_byte_array_append_u16_be(io, 128);
		g_byte_array_append(io, raw_in->data, raw_in->len);
		io_bytes = g_bytes_new(io->data, io->len);
		writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF, 0, io_bytes, nonce, &error);
		g_assert_no_error(error);
		for (guint i = 0; i < writes->len; i++)
			g_bytes_unref(vt_apdu_expect(f.card, tok_apdu_ref(g_ptr_array_index(writes, i)), 0x9000));
		g_bytes_unref(vt_apdu_expect(f.card,
					     tok_coolkey_apdu_compute_crypt(TOK_COOLKEY_CLA_CLEAR, 2, TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD,
									    TOK_COOLKEY_CRYPT_DIR_ENCRYPT, TOK_COOLKEY_DATA_LOCATION_IOBUF, NULL,
									    NULL, nonce, &error),
					     0x9000));
		out_len = vt_apdu_expect(f.card, tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF, 0, 2, nonce, FALSE, &error), 0x9000);
		vt_assert_bytes_hex(out_len, "00 80");
		out = vt_apdu_expect(f.card, tok_coolkey_apdu_read_object(TOK_COOLKEY_CLA_CLEAR, TOK_COOLKEY_OBJECT_ID_IOBUF, 2, 128, nonce, FALSE, &error), 0x9000);
		g_assert_true(g_bytes_equal(out, raw_out));
	}
	/* errors: empty slot, steps, modes, directions, location, sizes */
	g_assert_null(keys_crypt(&f, 9, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, nonce, 0x9C10));
	g_assert_null(keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_DES_CBC, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, nonce, 0x9C1B));
	g_assert_null(keys_crypt(&f, 2, 0x05, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, nonce, 0x9C1C));
	g_assert_null(keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_VERIFY, digest_info, nonce, 0x9C13));
	g_assert_null(keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, nonce, 0x9C19));
	g_assert_null(keys_crypt(&f, 3, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_DECRYPT, digest_info, nonce, 0x9C14));
	{
		/* the public key encrypts for anyone */
		g_autoptr(GBytes) cipher = keys_crypt(&f, 3, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_ENCRYPT, secret, zero, 0x9000);
		g_autoptr(GBytes) plain = keys_crypt(&f, 2, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_DECRYPT, cipher, nonce, 0x9000);
		g_assert_true(g_bytes_equal(plain, secret));
	}
	{
		g_autofree gchar *nonce_hex = tok_hex_encode_bytes(nonce, TRUE);
		g_autofree gchar *p2_init = g_strdup_printf("B0 36 02 01 0F 01 01 01 00 02 AA BB %s", nonce_hex);
		g_autofree gchar *p2_bad = g_strdup_printf("B0 36 02 05 0F 01 01 01 00 02 AA BB %s", nonce_hex);
		g_autofree gchar *location = g_strdup_printf("B0 36 02 04 0F 01 01 03 00 02 AA BB %s", nonce_hex);
		g_autofree gchar *short_data = g_strdup_printf("B0 36 02 04 0F 01 01 01 00 05 AA BB %s", nonce_hex);

		vt_hex_apdu_sw(f.card, p2_init, 0x9C05);
		vt_hex_apdu_sw(f.card, p2_bad, 0x9C11);
		vt_hex_apdu_sw(f.card, location, 0x9C16);
		vt_hex_apdu_sw(f.card, short_data, 0x6700);
	}
	keys_fixture_close(&f);
}

static void
test_keys_ecc(void)
{
	for (guint i = 1; i < G_N_ELEMENTS(test_scps); i++) {
		KeysFixture f = {0};
		const TokCoolkeyKeyPair pair = {TOK_COOLKEY_KEY_OWNER_ANYONE, 4, 0, 5};
		g_autoptr(TokCoolkeyKeygenResult) result = NULL;
		g_autoptr(EVP_PKEY) pub = NULL;
		g_autoptr(EVP_PKEY) peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		g_autoptr(GBytes) hash = vt_hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F");
		g_autoptr(GBytes) zero = g_bytes_new_static("\0\0\0\0\0\0\0\0", 8);
		g_autoptr(GBytes) response = NULL;
		g_autoptr(GBytes) signature = NULL;
		g_autoptr(GBytes) point = NULL;
		g_autoptr(GBytes) shared = NULL;
		g_autoptr(GError) error = NULL;
		guint8 peer_point[65];
		size_t peer_point_len = 0;

		keys_fixture_open(&f, test_scps[i]);
		result = vt_generate_key(f.card, f.session, f.crypto, f.scp, keys_kek(&f), &pair, 256, TRUE);
		g_assert_cmpuint(g_bytes_get_size(result->ec_point), ==, 65);
		pub = vt_public_key(result);
		/* owner F: anyone may use the key (the zero nonce) */
		response = vt_apdu_expect(f.card, tok_coolkey_apdu_ecc_sign(TOK_COOLKEY_CLA_CLEAR, 4, TOK_COOLKEY_DATA_LOCATION_APDU, hash, zero, &error),
					  0x9000);
		signature = tok_coolkey_parse_crypt_result(g_bytes_get_data(response, NULL), g_bytes_get_size(response), &error);
		g_assert_no_error(error);
		{
			g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
			g_assert_cmpint(EVP_PKEY_verify_init(ctx), ==, 1);
			g_assert_cmpint(EVP_PKEY_verify(ctx, g_bytes_get_data(signature, NULL), g_bytes_get_size(signature), g_bytes_get_data(hash, NULL), 32),
					==, 1);
		}
		/* ECDH: both sides get the same secret */
		g_assert_cmpint(EVP_PKEY_get_octet_string_param(peer, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, peer_point, sizeof(peer_point), &peer_point_len), ==, 1);
		point = g_bytes_new(peer_point, peer_point_len);
		g_clear_pointer(&response, g_bytes_unref);
		response = vt_apdu_expect(f.card, tok_coolkey_apdu_ecc_key_agreement(TOK_COOLKEY_CLA_CLEAR, 4, TOK_COOLKEY_DATA_LOCATION_APDU, point, zero, &error),
					  0x9000);
		shared = tok_coolkey_parse_crypt_result(g_bytes_get_data(response, NULL), g_bytes_get_size(response), &error);
		g_assert_no_error(error);
		{
			g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL);
			guint8 secret[32];
			size_t secret_len = sizeof(secret);

			g_assert_cmpint(EVP_PKEY_derive_init(ctx), ==, 1);
			g_assert_cmpint(EVP_PKEY_derive_set_peer(ctx, pub), ==, 1);
			g_assert_cmpint(EVP_PKEY_derive(ctx, secret, &secret_len), ==, 1);
			g_assert_cmpmem(g_bytes_get_data(shared, NULL), g_bytes_get_size(shared), secret, secret_len);
		}
		/* an RSA operation on an EC key, an EC operation on the public half */
		g_assert_null(keys_crypt(&f, 4, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_SIGN, hash, zero, 0x9C18));
		g_bytes_unref(vt_apdu_expect(f.card, tok_coolkey_apdu_ecc_sign(TOK_COOLKEY_CLA_CLEAR, 5, TOK_COOLKEY_DATA_LOCATION_APDU, hash, zero, &error),
					     0x9C18));
		keys_fixture_close(&f);
	}
}

/* protocol.md 4.6: a PKCS#8 key under a DES3 key K, K under the card's transport key. */
static void
test_keys_import_encrypted(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_scps); i++) {
		KeysFixture f = {0};
		const TokCoolkeyKeyPair pair = {0, 4, 0, 5};
		g_autoptr(EVP_PKEY) pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
		PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
		unsigned char *der = NULL;
		int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
		g_autoptr(GByteArray) padded = g_byte_array_new();
		g_autoptr(GByteArray) blob = g_byte_array_new();
		g_autoptr(GBytes) blob_bytes = NULL;
		g_autoptr(TokSecret) k = tok_secret_new_random(16, NULL);
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(GBytes) kcv_bytes = NULL;
		g_autoptr(GBytes) bad_kcv = vt_hex("00 00 00");
		g_autoptr(GBytes) iv = vt_hex("01 02 03 04 05 06 07 08");
		g_autoptr(GPtrArray) writes = NULL;
		g_autoptr(GBytes) nonce = NULL;
		g_autoptr(GBytes) zeroed = NULL;
		g_autoptr(GBytes) digest_info = vt_hex("30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14 AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA");
		g_autoptr(GBytes) signature = NULL;
		g_autoptr(GError) error = NULL;
		TokSecret *transport;
		guint8 kcv[3];
		guint32 id = TOK_COOLKEY_OBJECT_ID_WRAPPED_KEY;
		guint8 pad;

		g_test_message("IMPORT KEY ENCRYPTED under SCP0%d", test_scps[i]);
		g_assert_cmpint(der_len, >, 0);
		keys_fixture_open(&f, test_scps[i]);
		transport = test_scps[i] == TOK_GP_SCP02 ? tok_gp_session_keys_get_dek(tok_gp_session_get_session_keys(f.session)) : keys_kek(&f);
		/* PKCS#5 padding, DES3-CBC with K */
		g_byte_array_append(padded, der, (guint)der_len);
		pad = (guint8)(8 - padded->len % 8);
		for (guint n = 0; n < pad; n++)
			tok_byte_array_append_u8(padded, pad);
		tok_byte_array_append_u8(blob, 0x01); /* encrypted */
		tok_byte_array_append_u8(blob, 0x09); /* RSA PKCS#8 pair */
		tok_byte_array_append_u16_be(blob, 1024);
		g_byte_array_set_size(blob, 4 + padded->len);
		g_assert_true(tok_gp_crypto_des_cbc(f.crypto, TRUE, tok_secret_get_data(k, NULL), 16, g_bytes_get_data(iv, NULL), padded->data,
						    padded->len, blob->data + 4, &error));
		blob_bytes = g_bytes_new(blob->data, blob->len);
		wrapped = tok_gp_key_wrap(f.crypto, test_scps[i] == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3, transport,
					  tok_secret_get_data(k, NULL), 16, &error);
		g_assert_no_error(error);
		g_assert_true(tok_gp_crypto_kcv_des(f.crypto, tok_secret_get_data(k, NULL), 16, kcv, &error));
		kcv_bytes = g_bytes_new(kcv, 3);
		vt_secure_sw(f.card, f.session,
			     tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE, id, (guint32)blob->len, &TOK_COOLKEY_OBJECT_ACL_RA_ONLY, NULL, &error),
			     0x9000);
		writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE, id, 0, blob_bytes, NULL, &error);
		for (guint n = 0; n < writes->len; n++)
			vt_secure_sw(f.card, f.session, tok_apdu_ref(g_ptr_array_index(writes, n)), 0x9000);
		/* a key check value that does not match K */
		vt_secure_sw(f.card, f.session, tok_coolkey_apdu_import_key_encrypted(&pair, id, TOK_COOLKEY_WRAP_ALG_DES3_KCV, wrapped, bad_kcv, iv, &error),
			     0x9C20);
		vt_secure_sw(f.card, f.session, tok_coolkey_apdu_import_key_encrypted(&pair, id, TOK_COOLKEY_WRAP_ALG_DES3_KCV, wrapped, kcv_bytes, iv, &error),
			     0x9000);
		g_assert_no_error(error);
		/* the blob is wiped after the import */
		zeroed = vt_secure_read_object(f.card, f.session, id, 16);
		vt_assert_bytes_hex(zeroed, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00");
		/* now a wiped blob is no key */
		vt_secure_sw(f.card, f.session, tok_coolkey_apdu_import_key_encrypted(&pair, id, TOK_COOLKEY_WRAP_ALG_DES3, wrapped, NULL, iv, &error),
			     0x9C22);
		/* the imported key signs as the original would */
		nonce = keys_login(&f);
		signature = keys_crypt(&f, 4, TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1, TOK_COOLKEY_CRYPT_DIR_SIGN, digest_info, nonce, 0x9000);
		{
			g_autoptr(EVP_PKEY_CTX) ctx = keys_ctx(pkey, FALSE, RSA_PKCS1_PADDING);
			g_assert_cmpint(EVP_PKEY_verify(ctx, g_bytes_get_data(signature, NULL), g_bytes_get_size(signature),
							g_bytes_get_data(digest_info, NULL), g_bytes_get_size(digest_info)),
					==, 1);
		}
		OPENSSL_free(der);
		PKCS8_PRIV_KEY_INFO_free(p8);
		keys_fixture_close(&f);
	}
}

/* SCP03 and the 1.5 applet's AES transport keys: AES-CBC (89) and AES key wrap with padding
 * (88) of the PKCS#8 blob. */
static void
test_keys_import_aes(void)
{
	const guint8 algs[] = {TOK_COOLKEY_WRAP_ALG_AES_CBC, TOK_COOLKEY_WRAP_ALG_AES_KWP};
	KeysFixture f = {0};

	keys_fixture_open(&f, TOK_GP_SCP03);
	for (guint i = 0; i < G_N_ELEMENTS(algs); i++) {
		const TokCoolkeyKeyPair pair = {0, (guint8)(6 + 2 * i), 0, (guint8)(7 + 2 * i)};
		g_autoptr(EVP_PKEY) pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
		unsigned char *der = NULL;
		int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
		g_autoptr(TokSecret) k = tok_secret_new_random(16, NULL);
		g_autoptr(GBytes) iv = vt_hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
		g_autoptr(GByteArray) plain = g_byte_array_new();
		g_autoptr(GByteArray) blob = g_byte_array_new();
		g_autoptr(GBytes) blob_bytes = NULL;
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(GBytes) kcv_bytes = NULL;
		g_autoptr(GPtrArray) writes = NULL;
		g_autoptr(GError) error = NULL;
		guint8 kcv[3];

		g_byte_array_append(plain, der, (guint)der_len);
		tok_byte_array_append_u8(blob, 0x01);
		tok_byte_array_append_u8(blob, 0x09);
		tok_byte_array_append_u16_be(blob, 256);
		if (algs[i] == TOK_COOLKEY_WRAP_ALG_AES_CBC) {
			while (plain->len % 16 != 0)
				tok_byte_array_append_u8(plain, 0x00);
			g_byte_array_set_size(blob, 4 + plain->len);
			g_assert_true(tok_gp_crypto_aes_cbc(f.crypto, TRUE, tok_secret_get_data(k, NULL), 16, g_bytes_get_data(iv, NULL),
							    plain->data, plain->len, blob->data + 4, &error));
		} else {
			EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
			EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-128-WRAP-PAD", NULL);
			int n = 0, m = 0;

			g_byte_array_set_size(blob, 4 + plain->len + 16);
			g_assert_cmpint(EVP_EncryptInit_ex2(ctx, cipher, tok_secret_get_data(k, NULL), NULL, NULL), ==, 1);
			g_assert_cmpint(EVP_EncryptUpdate(ctx, blob->data + 4, &n, plain->data, (int)plain->len), ==, 1);
			g_assert_cmpint(EVP_EncryptFinal_ex(ctx, blob->data + 4 + n, &m), ==, 1);
			g_byte_array_set_size(blob, 4 + n + m);
			EVP_CIPHER_free(cipher);
			EVP_CIPHER_CTX_free(ctx);
		}
		blob_bytes = g_bytes_new(blob->data, blob->len);
		wrapped = tok_gp_key_wrap(f.crypto, TOK_GP_KEY_TYPE_AES, keys_kek(&f), tok_secret_get_data(k, NULL), 16, &error);
		g_assert_true(tok_gp_crypto_kcv_aes(f.crypto, tok_secret_get_data(k, NULL), 16, kcv, &error));
		g_assert_no_error(error);
		kcv_bytes = g_bytes_new(kcv, 3);
		writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_IOBUF, 0, blob_bytes, NULL, &error);
		for (guint n = 0; n < writes->len; n++)
			vt_secure_sw(f.card, f.session, tok_apdu_ref(g_ptr_array_index(writes, n)), 0x9000);
		vt_secure_sw(f.card, f.session,
			     tok_coolkey_apdu_import_key_encrypted(&pair, TOK_COOLKEY_OBJECT_ID_IOBUF, algs[i], wrapped, kcv_bytes, iv, &error),
			     0x9000);
		g_assert_no_error(error);
		OPENSSL_free(der);
		PKCS8_PRIV_KEY_INFO_free(p8);
	}
	/* EC private keys (0B) in 6 and 8, their public halves (0A) in 7 and 9 */
	for (guint slot = 6; slot <= 9; slot++) {
		g_autoptr(GBytes) entry = vt_hex_apdu(f.card, slot == 6 ? "B0 3A 00 00 0B" : "B0 3A 01 00 0B", 0x9000);
		const guint8 *e = g_bytes_get_data(entry, NULL);

		g_assert_cmpuint(e[0], ==, slot);
		g_assert_cmphex(e[1], ==, slot % 2 == 0 ? 0x0B : 0x0A);
		g_assert_cmpuint(e[2], ==, slot % 2 == 0 ? slot + 1 : slot - 1);
	}
	vt_hex_apdu_sw(f.card, "B0 3A 01 00 0B", 0x9C12);
	keys_fixture_close(&f);
}

/* IMPORT KEY (32) of a clear PKCS#8 pair written to the I/O buffer. */
static void
test_keys_import_clear(void)
{
	KeysFixture f = {0};
	g_autoptr(EVP_PKEY) pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pkey);
	unsigned char *der = NULL;
	int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	g_autoptr(GByteArray) blob = g_byte_array_new();
	g_autoptr(GBytes) blob_bytes = NULL;
	g_autoptr(GPtrArray) writes = NULL;
	g_autoptr(GBytes) entry = NULL;
	g_autoptr(GError) error = NULL;
	const TokCoolkeyKeyAcl key_acl = {TOK_COOLKEY_ACL_NOBODY, TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_USER};
	const TokCoolkeyKeyAcl mate_acl = {TOK_COOLKEY_ACL_ANYONE, TOK_COOLKEY_ACL_RA, TOK_COOLKEY_ACL_ANYONE};

	keys_fixture_open(&f, TOK_GP_SCP02);
	tok_byte_array_append_u8(blob, 0x00);
	tok_byte_array_append_u8(blob, 0x09);
	tok_byte_array_append_u16_be(blob, 1024);
	g_byte_array_append(blob, der, (guint)der_len);
	blob_bytes = g_bytes_new(blob->data, blob->len);
	writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_IOBUF, 0, blob_bytes, NULL, &error);
	for (guint n = 0; n < writes->len; n++)
		vt_secure_sw(f.card, f.session, tok_apdu_ref(g_ptr_array_index(writes, n)), 0x9000);
	vt_secure_sw(f.card, f.session,
		     tok_coolkey_apdu_import_key(TOK_COOLKEY_CLA_SECURE, 6, 7, TOK_COOLKEY_OBJECT_ID_IOBUF, &key_acl, &mate_acl, NULL, &error), 0x9000);
	g_assert_no_error(error);
	entry = vt_hex_apdu(f.card, "B0 3A 00 00 0B", 0x9000);
	vt_assert_bytes_hex(entry, "06 03 07 04 00 00 00 40 00 00 01");
	/* the clear blob is gone from the I/O buffer */
	{
		g_autoptr(GBytes) io = vt_secure_read_object(f.card, f.session, TOK_COOLKEY_OBJECT_ID_IOBUF, 8);
		vt_assert_bytes_hex(io, "00 00 00 00 00 00 00 00");
	}
	/* a clear import of an unsupported blob type, and from a missing object */
	vt_secure_sw(f.card, f.session,
		     tok_coolkey_apdu_import_key(TOK_COOLKEY_CLA_SECURE, 8, 9, TOK_COOLKEY_OBJECT_ID_IOBUF, &key_acl, &mate_acl, NULL, &error), 0x9C17);
	vt_secure_sw(f.card, f.session,
		     tok_coolkey_apdu_import_key(TOK_COOLKEY_CLA_SECURE, 8, 9, TOK_COOLKEY_OBJECT_ID('k', '8'), &key_acl, &mate_acl, NULL, &error),
		     0x9C07);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	keys_fixture_close(&f);
}

static void
test_keys_clear_slots_and_errors(void)
{
	KeysFixture f = {0};
	const TokCoolkeyKeyPair sign = {0, 2, 0, 3};
	const TokCoolkeyKeyPair enc = {0, 4, 0, 5};
	const TokCoolkeyKeyPair same = {0, 6, 0, 6};
	const TokCoolkeyKeyPair cross = {0, 2, 0, 5};
	const TokCoolkeyKeyPair owner9 = {9, 6, 0, 7};
	g_autoptr(TokCoolkeyKeygenResult) r1 = NULL;
	g_autoptr(TokCoolkeyKeygenResult) r2 = NULL;
	g_autoptr(TokSecret) challenge = tok_secret_new_random(16, NULL);
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(GBytes) entry = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 keep_sign[] = {2, 3};

	keys_fixture_open(&f, TOK_GP_SCP01);
	r1 = vt_generate_key(f.card, f.session, f.crypto, f.scp, keys_kek(&f), &sign, 1024, FALSE);
	r2 = vt_generate_key(f.card, f.session, f.crypto, f.scp, keys_kek(&f), &enc, 1024, FALSE);
	wrapped = tok_gp_challenge_wrap(f.crypto, f.scp, keys_kek(&f), challenge, &error);
	g_assert_no_error(error);
	/* GENERATE KEY errors: key size, pairing, owner, length */
	vt_secure_sw(f.card, f.session, tok_coolkey_apdu_generate_key_rsa(&sign, 512, wrapped, FALSE, &error), 0x9C1A);
	vt_secure_sw(f.card, f.session, tok_coolkey_apdu_generate_key_rsa(&cross, 1024, wrapped, FALSE, &error), 0x9C1E);
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x0C, 0x06, 0x06, (const guint8 *)"\x80\x04\x00\x00\x00\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10\x00", 23, TOK_APDU_NO_LE), 0x9C1E);
	g_assert_cmpuint(same.private_key, ==, same.public_key);
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x0C, 0x96, 0x07, (const guint8 *)"\x80\x04\x00\x00\x00\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10\x00", 23, TOK_APDU_NO_LE), 0x9C10);
	g_assert_cmpuint(owner9.owner, ==, 9);
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x0C, 0x06, 0x07, (const guint8 *)"\x80\x04\x00\x00\x00\x0F\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x00", 22, TOK_APDU_NO_LE), 0x6700);
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x0C, 0x06, 0x07, (const guint8 *)"\x82\x04\x00\x00\x00\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F\x10\x00", 23, TOK_APDU_NO_LE), 0x9C09);
	/* in the clear, GENERATE KEY is unknown */
	vt_hex_apdu_sw(f.card, "B0 0C 06 07 17 80 04 00 00 00 10 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 00", 0x6D00);
	/* CLEAR KEY SLOTS: keep 2/3, the rest goes */
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x55, 0x00, 0x00, (const guint8 *)"\x02", 1, TOK_APDU_NO_LE), 0x9C0F);
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x55, 0x00, 0x00, (const guint8 *)"\x02\x05", 2, TOK_APDU_NO_LE), 0x9C1E);
	vt_secure_sw(f.card, f.session, tok_apdu_new_from_data(0x84, 0x55, 0x00, 0x00, (const guint8 *)"\x02\x30", 2, TOK_APDU_NO_LE), 0x9C0F);
	vt_secure_sw(f.card, f.session, tok_coolkey_apdu_clear_key_slots(keep_sign, sizeof(keep_sign), &error), 0x9000);
	g_assert_no_error(error);
	entry = vt_hex_apdu(f.card, "B0 3A 00 00 0B", 0x9000);
	g_assert_cmpuint(((const guint8 *)g_bytes_get_data(entry, NULL))[0], ==, 2);
	g_clear_pointer(&entry, g_bytes_unref);
	entry = vt_hex_apdu(f.card, "B0 3A 01 00 0B", 0x9000);
	g_assert_cmpuint(((const guint8 *)g_bytes_get_data(entry, NULL))[0], ==, 3);
	vt_hex_apdu_sw(f.card, "B0 3A 01 00 0B", 0x9C12);
	keys_fixture_close(&f);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/keys/rsa-crypt", test_keys_rsa_crypt);
	g_test_add_func("/vcard/keys/ecc", test_keys_ecc);
	g_test_add_func("/vcard/keys/import-encrypted", test_keys_import_encrypted);
	g_test_add_func("/vcard/keys/import-aes", test_keys_import_aes);
	g_test_add_func("/vcard/keys/import-clear", test_keys_import_clear);
	g_test_add_func("/vcard/keys/clear-slots-and-errors", test_keys_clear_slots_and_errors);
	return g_test_run();
}
