/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "gp-test-util.h"
#include "tok-gp-keys.h"

#define DEFAULT_KEY "404142434445464748494A4B4C4D4E4F"

static TokGpCrypto *
gp_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return crypto;
}

static void
assert_kcvs(TokGpCrypto *crypto,
	    const TokGpKeySet *keys,
	    const gchar *enc,
	    const gchar *mac,
	    const gchar *dek)
{
	g_autoptr(GError) error = NULL;
	guint8 kcv[3];

	g_assert_true(tok_gp_key_set_get_kcv(keys, crypto, TOK_GP_KEY_ENC, kcv, &error));
	gp_test_assert_hex(kcv, 3, enc);
	g_assert_true(tok_gp_key_set_get_kcv(keys, crypto, TOK_GP_KEY_MAC, kcv, &error));
	gp_test_assert_hex(kcv, 3, mac);
	g_assert_true(tok_gp_key_set_get_kcv(keys, crypto, TOK_GP_KEY_DEK, kcv, &error));
	gp_test_assert_hex(kcv, 3, dek);
	g_assert_no_error(error);
}

static gboolean
has_odd_parity(const TokSecret *key)
{
	gsize len = 0;
	const guint8 *d = tok_secret_get_data(key, &len);
	for (gsize i = 0; i < len; i++) {
		guint ones = 0;
		for (guint b = 0; b < 8; b++)
			ones += (d[i] >> b) & 1;
		if (ones % 2 == 0)
			return FALSE;
	}
	return TRUE;
}

static TokGpKeySet *
derive(TokGpCrypto *crypto,
       TokGpDiversification method,
       TokGpKeyType master_type,
       const gchar *master_hex,
       const gchar *kdd_hex,
       TokGpKeyType result)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) master = gp_test_secret(master_hex);
	guint8 kdd[10];
	TokGpKeySet *keys;

	gp_test_hex_into(kdd_hex, kdd, 10);
	keys = tok_gp_key_set_derive(crypto,
				     method,
				     master_type,
				     master,
				     kdd,
				     NULL,
				     0,
				     kdd,
				     result,
				     &error);
	g_assert_no_error(error);
	g_assert_nonnull(keys);
	return keys;
}

/* The 16-byte diversification data of protocol.md 3.4 (Dogtag tks KDF.java
 * getDiversificationData_VISA2 / _EMV) for KDD 00 01 .. 09. */
static void
test_diversification_data(void)
{
	guint8 kdd[10], out[16];

	gp_test_hex_into("00010203040506070809", kdd, 10);
	tok_gp_diversification_data_visa2(kdd, 0x01, out);
	gp_test_assert_hex(out, 16, "00 01 04 05 06 07 F0 01 00 01 04 05 06 07 0F 01");
	tok_gp_diversification_data_visa2(kdd, 0x03, out);
	gp_test_assert_hex(out, 16, "00 01 04 05 06 07 F0 03 00 01 04 05 06 07 0F 03");
	tok_gp_diversification_data_emv(kdd, 0x02, out);
	gp_test_assert_hex(out, 16, "04 05 06 07 08 09 F0 02 04 05 06 07 08 09 0F 02");
}

/* GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java,
 * testDiversification_VISA2_SCP02 and testDiversification_EMV_SCP02 (also
 * tool/src/test/java/pro/javacard/gptool/TestPlaintextKeysProvider.java): master 40..4F,
 * KDD 00 01 .. 09, key check values of ENC, MAC, DEK. */
static void
test_visa2_emv_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) visa2 = derive(crypto,
					      TOK_GP_DIVERSIFY_VISA2,
					      TOK_GP_KEY_TYPE_DES3,
					      DEFAULT_KEY,
					      "00010203040506070809",
					      TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokGpKeySet) emv = derive(crypto,
					    TOK_GP_DIVERSIFY_EMV,
					    TOK_GP_KEY_TYPE_DES3,
					    DEFAULT_KEY,
					    "00010203040506070809",
					    TOK_GP_KEY_TYPE_DES3);

	assert_kcvs(crypto, visa2, "2BE598", "58DA38", "3C328E");
	assert_kcvs(crypto, emv, "C33013", "6F4CA6", "BB8179");
	/* triple DES results get odd parity (protocol.md 3.4) */
	g_assert_true(has_odd_parity(tok_gp_key_set_get_key(visa2, TOK_GP_KEY_ENC)));
	g_assert_true(has_odd_parity(tok_gp_key_set_get_key(emv, TOK_GP_KEY_DEK)));
	g_assert_cmpint(tok_gp_key_set_get_key_type(visa2), ==, TOK_GP_KEY_TYPE_DES3);
}

/* Dogtag's SCP03 "DES3 master, emv" profile: the 16 bytes of 3DES-ECB(master, D) become an
 * AES-128 key, without parity adjustment (StandardKDF.computeCardKey_SCP03_WithDES3). */
static void
test_emv_to_aes(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) des = derive(crypto,
					    TOK_GP_DIVERSIFY_EMV,
					    TOK_GP_KEY_TYPE_DES3,
					    DEFAULT_KEY,
					    "00010203040506070809",
					    TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokGpKeySet) aes = derive(crypto,
					    TOK_GP_DIVERSIFY_EMV,
					    TOK_GP_KEY_TYPE_DES3,
					    DEFAULT_KEY,
					    "00010203040506070809",
					    TOK_GP_KEY_TYPE_AES);
	g_autoptr(GError) error = NULL;
	guint8 data[16], raw[16], master[16];

	g_assert_cmpint(tok_gp_key_set_get_key_type(aes), ==, TOK_GP_KEY_TYPE_AES);
	g_assert_cmpuint(tok_gp_key_set_get_key_length(aes), ==, 16);
	gp_test_hex_into(DEFAULT_KEY, master, 16);
	gp_test_hex_into("00010203040506070809", raw, 10);
	tok_gp_diversification_data_emv(raw, 0x01, data);
	g_assert_true(tok_gp_crypto_des_ecb(crypto, TRUE, master, 16, data, 16, raw, &error));
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(tok_gp_key_set_get_key(aes, TOK_GP_KEY_ENC), raw, 16));
	tok_gp_des_set_odd_parity(raw, 16);
	g_assert_true(tok_secret_equal_data(tok_gp_key_set_get_key(des, TOK_GP_KEY_ENC), raw, 16));
}

/* NIST SP 800-108 card keys (Dogtag NistSP800_108KDF.computeCardKeys): HMAC-SHA256 counter
 * KDF, fixed input 04 00 || context || 01 80, 48 bytes ENC || MAC || KEK with odd parity.
 * The counter KDF itself is checked against NIST CAVP vectors in test-tok-gp-crypto.c; no
 * published vector of this Dogtag layout exists, so this checks the layout and the split. */
static void
test_nist_sp800_108(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) master = gp_test_secret("0123456789ABCDEFFEDCBA9876543210");
	g_autoptr(TokGpKeySet) by_kdd = NULL;
	g_autoptr(TokGpKeySet) by_cuid = NULL;
	guint8 kdd[10], cuid[10], fixed[15], out[48];
	const TokGpKeyUsage usages[3] = {TOK_GP_KEY_ENC, TOK_GP_KEY_MAC, TOK_GP_KEY_DEK};

	gp_test_hex_into("00000447001F0046A702", kdd, 10);
	gp_test_hex_into("47905037727197 0074A9", cuid, 10);
	by_kdd = tok_gp_key_set_derive(crypto,
				       TOK_GP_DIVERSIFY_NIST_SP800_108,
				       TOK_GP_KEY_TYPE_DES3,
				       master,
				       kdd,
				       NULL,
				       0,
				       NULL,
				       TOK_GP_KEY_TYPE_DES3,
				       &error);
	g_assert_no_error(error);
	fixed[0] = 0x04;
	fixed[1] = 0x00;
	for (guint i = 0; i < 10; i++)
		fixed[2 + i] = kdd[i];
	fixed[12] = 0x01;
	fixed[13] = 0x80;
	g_assert_true(tok_gp_crypto_kdf_counter(crypto,
						TOK_GP_PRF_HMAC_SHA256,
						tok_secret_get_data(master, NULL),
						16,
						NULL,
						0,
						fixed,
						14,
						out,
						48,
						&error));
	g_assert_no_error(error);
	tok_gp_des_set_odd_parity(out, 48);
	for (guint i = 0; i < 3; i++) {
		TokSecret *k = tok_gp_key_set_get_key(by_kdd, usages[i]);
		g_assert_true(tok_secret_equal_data(k, out + 16 * i, 16));
		g_assert_true(has_odd_parity(k));
	}
	/* nistSP800-108KdfUseCuidAsKdd: the CUID as context gives other keys */
	by_cuid = tok_gp_key_set_derive(crypto,
					TOK_GP_DIVERSIFY_NIST_SP800_108,
					TOK_GP_KEY_TYPE_DES3,
					master,
					kdd,
					cuid,
					10,
					NULL,
					TOK_GP_KEY_TYPE_DES3,
					&error);
	g_assert_no_error(error);
	g_assert_false(tok_gp_key_set_equal(by_kdd, by_cuid));
}

/* GPKMC (Dogtag NistSP800_108KDF.diversifyAESKey): AES-CMAC(master, i 00 00 00 c 00 00 00
 * CUID[6..9] CUID[4..5] L) per 16-byte block. As above the CMAC counter KDF is checked against
 * CAVP; this checks the input layout for AES-128 and the two blocks of AES-256. */
static void
test_gpkmc(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) m128 = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) m256 =
	    gp_test_secret("404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F");
	g_autoptr(TokGpKeySet) k128 = NULL;
	g_autoptr(TokGpKeySet) k256 = NULL;
	guint8 cuid[10], input[16], block[16];

	gp_test_hex_into("A0 01 92 03 04 05 06 07 08 C9", cuid, 10);
	k128 = tok_gp_key_set_derive(crypto,
				     TOK_GP_DIVERSIFY_GPKMC,
				     TOK_GP_KEY_TYPE_AES,
				     m128,
				     NULL,
				     NULL,
				     0,
				     cuid,
				     TOK_GP_KEY_TYPE_AES,
				     &error);
	g_assert_no_error(error);
	gp_test_hex_into("01 000000 02 00 0000 060708C9 0405 0080", input, 16);
	g_assert_true(tok_gp_crypto_aes_cmac(crypto,
					     tok_secret_get_data(m128, NULL),
					     16,
					     input,
					     16,
					     block,
					     &error));
	g_assert_true(
	    tok_secret_equal_data(tok_gp_key_set_get_key(k128, TOK_GP_KEY_MAC), block, 16));

	k256 = tok_gp_key_set_derive(crypto,
				     TOK_GP_DIVERSIFY_GPKMC,
				     TOK_GP_KEY_TYPE_AES,
				     m256,
				     NULL,
				     NULL,
				     0,
				     cuid,
				     TOK_GP_KEY_TYPE_AES,
				     &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tok_gp_key_set_get_key_length(k256), ==, 32);
	gp_test_hex_into("02 000000 03 00 0000 060708C9 0405 0100", input, 16);
	g_assert_true(tok_gp_crypto_aes_cmac(crypto,
					     tok_secret_get_data(m256, NULL),
					     32,
					     input,
					     16,
					     block,
					     &error));
	g_assert_no_error(error);
	g_assert_true(tok_gp_memeq(
	    tok_secret_get_data(tok_gp_key_set_get_key(k256, TOK_GP_KEY_DEK), NULL) + 16,
	    block,
	    16));
}

/* The developer key set of the TKS (protocol.md 3.4, TKS CS.cfg defKeySet). */
static void
test_default_and_none(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpKeySet) des = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokGpKeySet) aes = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_AES);
	g_autoptr(TokSecret) master = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokGpKeySet) none = tok_gp_key_set_derive(crypto,
							    TOK_GP_DIVERSIFY_NONE,
							    TOK_GP_KEY_TYPE_DES3,
							    master,
							    NULL,
							    NULL,
							    0,
							    NULL,
							    TOK_GP_KEY_TYPE_DES3,
							    &error);

	g_assert_no_error(error);
	gp_test_assert_secret_hex(tok_gp_key_set_get_key(des, TOK_GP_KEY_ENC), DEFAULT_KEY);
	gp_test_assert_secret_hex(tok_gp_key_set_get_key(des, TOK_GP_KEY_DEK), DEFAULT_KEY);
	g_assert_cmpint(tok_gp_key_set_get_key_type(aes), ==, TOK_GP_KEY_TYPE_AES);
	g_assert_true(tok_gp_key_set_equal(des, none));
	g_assert_false(tok_gp_key_set_equal(des, aes));
	g_assert_true(tok_gp_key_set_equal(NULL, NULL));
	g_assert_false(tok_gp_key_set_equal(des, NULL));
	g_assert_cmpstr(tok_gp_scp_to_string(TOK_GP_SCP02), ==, "SCP02");
	g_assert_cmpstr(tok_gp_scp_to_string((TokGpScp)9), ==, "unknown");
	g_assert_true(tok_gp_scp_is_valid(TOK_GP_SCP03));
	g_assert_false(tok_gp_scp_is_valid((TokGpScp)0));
	assert_kcvs(crypto, aes, "504A77", "504A77", "504A77");
}

static void
test_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) k16 = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) k24 =
	    gp_test_secret("404142434445464748494A4B4C4D4E4F5051525354555657");
	g_autoptr(TokSecret) k15 = gp_test_secret("404142434445464748494A4B4C4D4E");
	guint8 kdd[10] = {0};

	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k =
		    tok_gp_key_set_new(TOK_GP_KEY_TYPE_DES3, k16, k24, k16, &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k =
		    tok_gp_key_set_new(TOK_GP_KEY_TYPE_AES, k16, k24, k16, &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k =
		    tok_gp_key_set_new(TOK_GP_KEY_TYPE_AES, k16, NULL, k16, &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k =
		    tok_gp_key_set_new((TokGpKeyType)5, k16, k16, k16, &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k =
		    tok_gp_key_set_new_from_data(TOK_GP_KEY_TYPE_DES3, NULL, 16, &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 TOK_GP_DIVERSIFY_VISA2,
								 TOK_GP_KEY_TYPE_DES3,
								 k15,
								 kdd,
								 NULL,
								 0,
								 NULL,
								 TOK_GP_KEY_TYPE_DES3,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 TOK_GP_DIVERSIFY_VISA2,
								 TOK_GP_KEY_TYPE_DES3,
								 k16,
								 NULL,
								 NULL,
								 0,
								 NULL,
								 TOK_GP_KEY_TYPE_DES3,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 TOK_GP_DIVERSIFY_EMV,
								 TOK_GP_KEY_TYPE_AES,
								 k16,
								 kdd,
								 NULL,
								 0,
								 NULL,
								 TOK_GP_KEY_TYPE_AES,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 TOK_GP_DIVERSIFY_GPKMC,
								 TOK_GP_KEY_TYPE_DES3,
								 k16,
								 kdd,
								 NULL,
								 0,
								 kdd,
								 TOK_GP_KEY_TYPE_AES,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 TOK_GP_DIVERSIFY_GPKMC,
								 TOK_GP_KEY_TYPE_AES,
								 k16,
								 kdd,
								 NULL,
								 0,
								 NULL,
								 TOK_GP_KEY_TYPE_AES,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 TOK_GP_DIVERSIFY_NIST_SP800_108,
								 TOK_GP_KEY_TYPE_DES3,
								 k16,
								 NULL,
								 NULL,
								 0,
								 NULL,
								 TOK_GP_KEY_TYPE_DES3,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) k = tok_gp_key_set_derive(crypto,
								 (TokGpDiversification)42,
								 TOK_GP_KEY_TYPE_DES3,
								 k16,
								 kdd,
								 NULL,
								 0,
								 NULL,
								 TOK_GP_KEY_TYPE_DES3,
								 &error);
		g_assert_null(k);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpSessionKeys) s =
		    tok_gp_session_keys_new(TOK_GP_SCP01, k16, NULL, NULL, NULL, &error);
		g_assert_null(s);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpSessionKeys) s =
		    tok_gp_session_keys_new(TOK_GP_SCP02, k16, k24, NULL, NULL, &error);
		g_assert_null(s);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpSessionKeys) s =
		    tok_gp_session_keys_new((TokGpScp)4, k16, k16, NULL, NULL, &error);
		g_assert_null(s);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpSessionKeys) s =
		    tok_gp_session_keys_new(TOK_GP_SCP03, k24, k24, k24, NULL, &error);
		g_assert_no_error(error);
		g_assert_nonnull(tok_gp_session_keys_get_rmac(s));
		g_assert_null(tok_gp_session_keys_get_dek(s));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp/keys/diversification-data", test_diversification_data);
	g_test_add_func("/tok/gp/keys/visa2-emv/gpp", test_visa2_emv_gpp);
	g_test_add_func("/tok/gp/keys/emv-to-aes", test_emv_to_aes);
	g_test_add_func("/tok/gp/keys/nist-sp800-108", test_nist_sp800_108);
	g_test_add_func("/tok/gp/keys/gpkmc", test_gpkmc);
	g_test_add_func("/tok/gp/keys/default-and-none", test_default_and_none);
	g_test_add_func("/tok/gp/keys/errors", test_errors);
	return g_test_run();
}
