/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers of the virtual card tests: a powered card, APDUs in and status words out, and the
 * host side of a GlobalPlatform secure channel (libtok-gp) to talk to it like a TPS.
 */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-gp-put-key.h"
#include "tok-gp-session.h"

#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"
#include "tok-gp-apdu.h"
#include "tok-secret.h"
#include "vcard-card.h"
#include "vcard-openssl.h"

G_BEGIN_DECLS

static inline GBytes *
vt_hex(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	GBytes *bytes = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);

	g_assert_no_error(error);
	return bytes;
}

static inline void
vt_assert_bytes_hex(GBytes *bytes, const gchar *hex)
{
	g_autoptr(GBytes) want = vt_hex(hex);
	g_autofree gchar *got_text = tok_hex_encode_bytes(bytes, TRUE);
	g_autofree gchar *want_text = tok_hex_encode_bytes(want, TRUE);

	g_assert_cmpstr(got_text, ==, want_text);
}

/* A new powered card; @state_path may be NULL. */
static inline VcardCard *
vt_card_new_full(TokGpScp scp, gboolean blank, const gchar *state_path)
{
	g_autoptr(GError) error = NULL;
	VcardCardConfig config;
	VcardCard *card;

	vcard_card_config_init(&config);
	config.scp = scp;
	config.blank = blank;
	config.state_path = state_path;
	card = vcard_card_new(&config, &error);
	g_assert_no_error(error);
	vcard_card_power_on(card);
	return card;
}

static inline VcardCard *
vt_card_new(TokGpScp scp)
{
	return vt_card_new_full(scp, FALSE, NULL);
}

/* Sends raw APDU bytes; returns the response data (without SW) and the SW in @sw. */
static inline GBytes *
vt_transmit_raw(VcardCard *card, const guint8 *apdu, gsize len, guint16 *sw)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) response = vcard_card_transmit(card, apdu, len, &error);
	gsize n = 0;
	const guint8 *data;

	g_assert_no_error(error);
	data = g_bytes_get_data(response, &n);
	g_assert_cmpuint(n, >=, 2);
	*sw = (guint16)((data[n - 2] << 8) | data[n - 1]);
	return g_bytes_new(data, n - 2);
}

/* Sends APDU hex text and checks the status word; returns the response data. */
static inline GBytes *
vt_hex_apdu(VcardCard *card, const gchar *hex, guint16 want_sw)
{
	g_autoptr(GBytes) apdu = vt_hex(hex);
	guint16 sw = 0;
	GBytes *data = vt_transmit_raw(card, g_bytes_get_data(apdu, NULL), g_bytes_get_size(apdu), &sw);

	if (sw != want_sw)
		g_test_message("APDU %s answered %04X, expected %04X", hex, sw, want_sw);
	g_assert_cmphex(sw, ==, want_sw);
	return data;
}

static inline void
vt_hex_apdu_sw(VcardCard *card, const gchar *hex, guint16 want_sw)
{
	g_bytes_unref(vt_hex_apdu(card, hex, want_sw));
}

static inline GBytes *
vt_apdu(VcardCard *card, TokApdu *apdu, guint16 *sw)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encoded = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, &error);

	g_assert_no_error(error);
	return vt_transmit_raw(card, g_bytes_get_data(encoded, NULL), g_bytes_get_size(encoded), sw);
}

/* Sends @apdu (taking it) and checks the status word. */
static inline GBytes *
vt_apdu_expect(VcardCard *card, TokApdu *apdu, guint16 want_sw)
{
	g_autoptr(TokApdu) owned = apdu;
	guint16 sw = 0;
	GBytes *data;

	g_assert_nonnull(owned);
	data = vt_apdu(card, owned, &sw);
	g_assert_cmphex(sw, ==, want_sw);
	return data;
}

static inline void
vt_select_applet(VcardCard *card)
{
	vt_hex_apdu_sw(card, "00 A4 04 00 07 62 76 01 FF 00 00 00", 0x9000);
}

static inline void
vt_select_isd(VcardCard *card)
{
	g_bytes_unref(vt_hex_apdu(card, "00 A4 04 00 08 A0 00 00 00 03 00 00 00", 0x9000));
}

static inline TokGpKeySet *
vt_developer_keys(TokGpScp scp)
{
	return tok_gp_key_set_new_default(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3);
}

/* INITIALIZE UPDATE (P1 @key_version) with a fresh host challenge; the host session from
 * @keys, or NULL with @error when the card cryptogram does not verify. *@sw gets the SW of
 * INITIALIZE UPDATE. */
static inline TokGpSession *
vt_initialize_update(VcardCard *card,
		     TokGpCrypto *crypto,
		     TokGpScp scp,
		     TokGpKeySet *keys,
		     guint8 key_version,
		     guint16 *sw,
		     GError **error)
{
	guint8 challenge[8];
	g_autoptr(GError) local = NULL;
	g_autoptr(TokApdu) init = NULL;
	g_autoptr(GBytes) response = NULL;
	gsize len = 0;
	const guint8 *data;

	g_assert_true(tok_gp_crypto_random(crypto, challenge, sizeof(challenge), &local));
	init = tok_gp_apdu_initialize_update(key_version, 0x00, challenge, sizeof(challenge), &local);
	g_assert_no_error(local);
	response = vt_apdu(card, init, sw);
	if (*sw != 0x9000) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_CARD, "INITIALIZE UPDATE: %04X", *sw);
		return NULL;
	}
	data = g_bytes_get_data(response, &len);
	return tok_gp_session_new_host(crypto, scp, keys, challenge, data, len, TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA, error);
}

/* A secure channel at @level with the static @keys; asserts success. */
static inline TokGpSession *
vt_open_channel_with(VcardCard *card, TokGpCrypto *crypto, TokGpScp scp, TokGpKeySet *keys, guint8 key_version, guint8 level)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GBytes) ext = NULL;
	g_autoptr(GBytes) data = NULL;
	guint16 sw = 0;

	session = vt_initialize_update(card, crypto, scp, keys, key_version, &sw, &error);
	g_assert_no_error(error);
	ext = tok_gp_session_external_authenticate(session, level, &error);
	g_assert_no_error(error);
	data = vt_transmit_raw(card, g_bytes_get_data(ext, NULL), g_bytes_get_size(ext), &sw);
	g_assert_cmphex(sw, ==, 0x9000);
	return g_steal_pointer(&session);
}

static inline TokGpSession *
vt_open_channel(VcardCard *card, TokGpCrypto *crypto, TokGpScp scp)
{
	g_autoptr(TokGpKeySet) keys = vt_developer_keys(scp);

	return vt_open_channel_with(card, crypto, scp, keys, 0x00, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC);
}

/* Wraps @apdu (taken) with @session, sends it, checks the SW and returns the data. */
static inline GBytes *
vt_secure(VcardCard *card, TokGpSession *session, TokApdu *apdu, guint16 want_sw)
{
	g_autoptr(TokApdu) owned = apdu;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(GBytes) response = NULL;
	g_autoptr(GBytes) unwrapped = NULL;
	gsize n = 0;
	const guint8 *data;
	guint16 sw;

	g_assert_nonnull(owned);
	plain = tok_apdu_encode(owned, TOK_APDU_ENCODING_SHORT, &error);
	g_assert_no_error(error);
	wrapped = tok_gp_session_wrap(session, g_bytes_get_data(plain, NULL), g_bytes_get_size(plain), &error);
	g_assert_no_error(error);
	response = vcard_card_transmit(card, g_bytes_get_data(wrapped, NULL), g_bytes_get_size(wrapped), &error);
	g_assert_no_error(error);
	unwrapped = tok_gp_session_unwrap_response(session, g_bytes_get_data(response, NULL), g_bytes_get_size(response), &error);
	g_assert_no_error(error);
	data = g_bytes_get_data(unwrapped, &n);
	g_assert_cmpuint(n, >=, 2);
	sw = (guint16)((data[n - 2] << 8) | data[n - 1]);
	if (sw != want_sw)
		g_test_message("secure command %02X %02X answered %04X, expected %04X", tok_apdu_get_cla(owned),
			       tok_apdu_get_ins(owned), sw, want_sw);
	g_assert_cmphex(sw, ==, want_sw);
	return g_bytes_new(data, n - 2);
}

static inline void
vt_secure_sw(VcardCard *card, TokGpSession *session, TokApdu *apdu, guint16 want_sw)
{
	g_bytes_unref(vt_secure(card, session, apdu, want_sw));
}

/* A temporary state file path (the directory is removed by vt_tmpdir_free). */
static inline gchar *
vt_tmpdir_new(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("vcard-test-XXXXXX", &error);

	g_assert_no_error(error);
	return dir;
}

static inline void
vt_tmpdir_free(gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		g_unlink(path);
	}
	g_rmdir(dir);
	g_free(dir);
}

/* ---- keys ---------------------------------------------------------------------------- */

/* The public key of a key generation result (RSA modulus/exponent or EC P-256 point). */
static inline EVP_PKEY *
vt_public_key(const TokCoolkeyKeygenResult *result)
{
	g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new();
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = NULL;
	g_autoptr(BIGNUM) n = NULL;
	g_autoptr(BIGNUM) e = NULL;
	EVP_PKEY *pkey = NULL;

	if (result->type == TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC) {
		n = BN_bin2bn(g_bytes_get_data(result->modulus, NULL), (int)g_bytes_get_size(result->modulus), NULL);
		e = BN_bin2bn(g_bytes_get_data(result->exponent, NULL), (int)g_bytes_get_size(result->exponent), NULL);
		g_assert_cmpint(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), ==, 1);
		g_assert_cmpint(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), ==, 1);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		g_assert_cmpint(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0), ==, 1);
		g_assert_cmpint(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, g_bytes_get_data(result->ec_point, NULL),
								 g_bytes_get_size(result->ec_point)),
				==, 1);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	g_assert_cmpint(EVP_PKEY_fromdata_init(ctx), ==, 1);
	g_assert_cmpint(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), ==, 1);
	return pkey;
}

/* SHA-1 signature check (RSA PKCS#1 v1.5 or ECDSA). */
static inline gboolean
vt_verify_sha1(EVP_PKEY *pkey, GBytes *data, GBytes *signature)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();

	g_assert_cmpint(EVP_DigestVerifyInit_ex(ctx, NULL, "SHA1", NULL, NULL, pkey, NULL), ==, 1);
	return EVP_DigestVerify(ctx, g_bytes_get_data(signature, NULL), g_bytes_get_size(signature), g_bytes_get_data(data, NULL),
				g_bytes_get_size(data)) == 1;
}

/* Reads @size bytes of object @id through the secure channel. */
static inline GBytes *
vt_secure_read_object(VcardCard *card, TokGpSession *session, guint32 id, guint32 size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE, id, 0, size, NULL, FALSE, &error);
	g_autoptr(GByteArray) out = g_byte_array_new();

	g_assert_no_error(error);
	for (guint i = 0; i < plan->len; i++) {
		g_autoptr(GBytes) chunk = vt_secure(card, session, tok_apdu_ref(g_ptr_array_index(plan, i)), 0x9000);
		g_byte_array_append(out, g_bytes_get_data(chunk, NULL), (guint)g_bytes_get_size(chunk));
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* GENERATE KEY through the secure channel with a fresh challenge wrapped under the static
 * KEK @kek, reads the I/O buffer and checks the proof of possession. */
static inline TokCoolkeyKeygenResult *
vt_generate_key(VcardCard *card, TokGpSession *session, TokGpCrypto *crypto, TokGpScp scp, TokSecret *kek,
		const TokCoolkeyKeyPair *pair, guint16 bits, gboolean ecc)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) challenge = tok_secret_new_random(16, &error);
	g_autoptr(GBytes) wrapped = tok_gp_challenge_wrap(crypto, scp, kek, challenge, &error);
	g_autoptr(GBytes) len_bytes = NULL;
	g_autoptr(GBytes) output = NULL;
	g_autoptr(GBytes) challenge_bytes = NULL;
	g_autoptr(GBytes) proof_data = NULL;
	g_autoptr(EVP_PKEY) pub = NULL;
	TokCoolkeyKeygenResult *result;
	guint16 len = 0;

	g_assert_no_error(error);
	len_bytes = vt_secure(card, session,
			      ecc ? tok_coolkey_apdu_generate_key_ecc(pair, 0x80, bits, wrapped, NULL, FALSE, &error)
				  /* the Java TPS adds an Le 00 under SCP01 */
				  : tok_coolkey_apdu_generate_key_rsa(pair, bits, wrapped, scp == TOK_GP_SCP01, &error),
			      0x9000);
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_parse_generate_key_response(g_bytes_get_data(len_bytes, NULL), g_bytes_get_size(len_bytes), &len, &error));
	output = vt_secure_read_object(card, session, TOK_COOLKEY_OBJECT_ID_IOBUF, len);
	result = tok_coolkey_keygen_result_parse(g_bytes_get_data(output, NULL), g_bytes_get_size(output), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(result->key_size, ==, bits);
	g_assert_cmpint(result->type, ==, ecc ? TOK_COOLKEY_KEY_BLOB_EC_PUBLIC : TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC);
	/* the proof: SHA-1 signature over pubBlob || challenge, with the new private key */
	challenge_bytes = tok_secret_to_wiped_bytes(challenge);
	proof_data = tok_coolkey_keygen_result_get_proof_data(result, challenge_bytes);
	pub = vt_public_key(result);
	g_assert_true(vt_verify_sha1(pub, proof_data, result->signature));
	return result;
}

G_END_DECLS
