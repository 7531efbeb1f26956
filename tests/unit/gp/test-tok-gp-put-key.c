/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "gp-test-util.h"
#include "tok-gp-put-key.h"
#include "tok-gp-scp02.h"

#define DEFAULT_KEY "404142434445464748494A4B4C4D4E4F"
/* GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java:
 * testKeyEncryption_SCP01 (40..4F under the static DEK 40..4F, 3DES-ECB) */
#define GPP_SCP01_WRAPPED "B4BAA89A8CD0292B45210E1BC84B1C31"
/* ... testKeyEncryption_SCP02 (40..4F under the DEK session key of sequence counter 0000) */
#define GPP_SCP02_WRAPPED "EFBEE6C6D99D7B70BDE9D7E927F020AF"
/* ... testSessionKeys_SCP01 / _SCP03: key check values of 40..4F */
#define GPP_KCV_DES "8BAF47"
#define GPP_KCV_AES "504A77"
/* FIPS-197 Appendix C.1 / C.3: AES-128 / AES-256 of 00112233..FF under 000102.. */
#define FIPS197_PT    "00112233445566778899aabbccddeeff"
#define FIPS197_K128  "000102030405060708090a0b0c0d0e0f"
#define FIPS197_K256  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define FIPS197_CT128 "69c4e0d86a7b0430d8cdb78070b4c55a"
#define FIPS197_CT256 "8ea2b7ca516745bfeafc49904b496089"

static TokGpCrypto *
gp_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return crypto;
}

static TokGpKeySet *
key_set(TokGpKeyType type, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = gp_test_hex(hex);
	TokGpKeySet *keys = tok_gp_key_set_new_from_data(type,
							 g_bytes_get_data(b, NULL),
							 g_bytes_get_size(b),
							 &error);
	g_assert_no_error(error);
	return keys;
}

/* protocol.md 3.8 item 4: the 67-byte DES form; every byte from published values. */
static void
test_des_scp01_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpKeySet) new_keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokSecret) kek = gp_test_secret(DEFAULT_KEY);
	g_autoptr(GBytes) data = NULL;
	g_autoptr(TokGpKeySet) back = NULL;
	guint8 version = 0;

	data = tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP01, 0x02, new_keys, kek, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(data), ==, TOK_GP_PUT_KEY_DES_DATA_SIZE);
	gp_test_assert_bytes_hex(data,
				 "02"
				 "8110" GPP_SCP01_WRAPPED "03" GPP_KCV_DES "8110" GPP_SCP01_WRAPPED
				 "03" GPP_KCV_DES "8110" GPP_SCP01_WRAPPED "03" GPP_KCV_DES);
	back = tok_gp_put_key_parse_key_set_data(crypto,
						 TOK_GP_SCP01,
						 g_bytes_get_data(data, NULL),
						 g_bytes_get_size(data),
						 kek,
						 &version,
						 &error);
	g_assert_no_error(error);
	g_assert_cmphex(version, ==, 0x02);
	g_assert_true(tok_gp_key_set_equal(back, new_keys));
}

/* SCP02: the wrap key is the DEK session key (protocol.md 3.8; GlobalPlatformPro
 * testKeyEncryption_SCP02 for the cipher text). */
static void
test_des_scp02_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokSecret) dek =
	    tok_gp_scp02_derive_session_key(crypto,
					    tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK),
					    TOK_GP_SCP02_CONSTANT_DEK,
					    0x0000,
					    &error);
	g_autoptr(GBytes) data = NULL;

	g_assert_no_error(error);
	data = tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP02, 0x01, keys, dek, &error);
	g_assert_no_error(error);
	gp_test_assert_bytes_hex(data,
				 "01"
				 "8110" GPP_SCP02_WRAPPED "03" GPP_KCV_DES "8110" GPP_SCP02_WRAPPED
				 "03" GPP_KCV_DES "8110" GPP_SCP02_WRAPPED "03" GPP_KCV_DES);
}

/* protocol.md 3.8 item 5: `88 11 10 <AES-CBC(KEK, IV 0, key)> 03 <KCV>`. Cipher text from
 * FIPS-197 C.1; the KCV of 40..4F from GlobalPlatformPro. */
static void
test_aes128(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpKeySet) fips = key_set(TOK_GP_KEY_TYPE_AES, FIPS197_PT);
	g_autoptr(TokGpKeySet) dflt = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_AES);
	g_autoptr(TokSecret) kek = gp_test_secret(FIPS197_K128);
	g_autoptr(GBytes) a =
	    tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP03, 0x03, fips, kek, &error);
	g_autoptr(GBytes) b = NULL;
	g_autoptr(TokGpKeySet) back = NULL;
	const guint8 *d;
	guint8 kcv[3], version = 0;

	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(a), ==, 1 + 3 * 23);
	d = g_bytes_get_data(a, NULL);
	g_assert_true(tok_gp_key_set_get_kcv(fips, crypto, TOK_GP_KEY_ENC, kcv, &error));
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *kcv_hex = tok_hex_encode(kcv, 3, TRUE);
		gp_test_assert_hex(d + 1 + 23 * i, 20, "881110" FIPS197_CT128 "03");
		gp_test_assert_hex(d + 1 + 23 * i + 20, 3, kcv_hex);
	}
	b = tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP03, 0x03, dflt, kek, &error);
	g_assert_no_error(error);
	d = g_bytes_get_data(b, NULL);
	gp_test_assert_hex(d + 1, 3, "881110");
	gp_test_assert_hex(d + 1 + 20, 3, GPP_KCV_AES);
	back = tok_gp_put_key_parse_key_set_data(crypto,
						 TOK_GP_SCP03,
						 d,
						 g_bytes_get_size(b),
						 kek,
						 &version,
						 &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(back, dflt));
	g_assert_cmphex(version, ==, 0x03);
}

/* AES-256: `88 21 20`, two CBC blocks. The second half of the new key is chosen so that the
 * CBC input of block 2 is again the FIPS-197 plain text: both blocks are FIPS-197 C.3. */
static void
test_aes256(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) kek = gp_test_secret(FIPS197_K256);
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(TokGpKeySet) back = NULL;
	g_autoptr(GBytes) data = NULL;
	guint8 key[32], ct[16];

	gp_test_hex_into(FIPS197_PT, key, 16);
	gp_test_hex_into(FIPS197_CT256, ct, 16);
	for (guint i = 0; i < 16; i++)
		key[16 + i] = key[i] ^ ct[i];
	keys = tok_gp_key_set_new_from_data(TOK_GP_KEY_TYPE_AES, key, 32, &error);
	g_assert_no_error(error);
	data = tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP03, 0x04, keys, kek, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(data), ==, 1 + 3 * 39);
	gp_test_assert_hex((const guint8 *)g_bytes_get_data(data, NULL) + 1,
			   36,
			   "882120" FIPS197_CT256 FIPS197_CT256 "03");
	back = tok_gp_put_key_parse_key_set_data(crypto,
						 TOK_GP_SCP03,
						 g_bytes_get_data(data, NULL),
						 g_bytes_get_size(data),
						 kek,
						 NULL,
						 &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(back, keys));
}

/* The KEK-wrapped key generation challenge (TKS encryptData, protocol.md 3.9 / 4.5). */
static void
test_challenge(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) des_kek = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) des_chal = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) aes_kek = gp_test_secret(FIPS197_K128);
	g_autoptr(TokSecret) aes_chal = gp_test_secret(FIPS197_PT);
	g_autoptr(GBytes) w1 =
	    tok_gp_challenge_wrap(crypto, TOK_GP_SCP01, des_kek, des_chal, &error);
	g_autoptr(GBytes) w2 = NULL;
	g_autoptr(GBytes) w3 = NULL;
	g_autoptr(TokSecret) u1 = NULL;
	g_autoptr(TokSecret) u3 = NULL;

	g_assert_no_error(error);
	gp_test_assert_bytes_hex(w1, GPP_SCP01_WRAPPED);
	w2 = tok_gp_challenge_wrap(crypto, TOK_GP_SCP02, des_kek, des_chal, &error);
	gp_test_assert_bytes_hex(w2, GPP_SCP01_WRAPPED); /* SCP02: also the static KEK */
	w3 = tok_gp_challenge_wrap(crypto, TOK_GP_SCP03, aes_kek, aes_chal, &error);
	g_assert_no_error(error);
	gp_test_assert_bytes_hex(w3, FIPS197_CT128);
	u1 = tok_gp_challenge_unwrap(crypto,
				     TOK_GP_SCP01,
				     des_kek,
				     g_bytes_get_data(w1, NULL),
				     16,
				     &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal(u1, des_chal));
	u3 = tok_gp_challenge_unwrap(crypto,
				     TOK_GP_SCP03,
				     aes_kek,
				     g_bytes_get_data(w3, NULL),
				     16,
				     &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal(u3, aes_chal));
}

/* kek_wrapped_desKey + keycheck of server-side key generation (protocol.md 3.9, 4.6). */
static void
test_key_wrap_kcv(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) kek = gp_test_secret(DEFAULT_KEY);
	guint8 key[16], kcv[3];
	g_autoptr(GBytes) w = NULL;
	g_autoptr(TokSecret) k = NULL;

	gp_test_hex_into(DEFAULT_KEY, key, 16);
	gp_test_hex_into(GPP_KCV_DES, kcv, 3);
	w = tok_gp_key_wrap(crypto, TOK_GP_KEY_TYPE_DES3, kek, key, 16, &error);
	g_assert_no_error(error);
	gp_test_assert_bytes_hex(w, GPP_SCP01_WRAPPED);
	k = tok_gp_key_unwrap(crypto,
			      TOK_GP_KEY_TYPE_DES3,
			      kek,
			      g_bytes_get_data(w, NULL),
			      16,
			      TOK_GP_KEY_TYPE_DES3,
			      kcv,
			      &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(k, key, 16));
	kcv[2] ^= 1;
	{
		g_autoptr(GError) e2 = NULL;
		g_autoptr(TokSecret) k2 = tok_gp_key_unwrap(crypto,
							    TOK_GP_KEY_TYPE_DES3,
							    kek,
							    g_bytes_get_data(w, NULL),
							    16,
							    TOK_GP_KEY_TYPE_DES3,
							    kcv,
							    &e2);
		g_assert_null(k2);
		g_assert_error(e2, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
}

static void
expect_parse_error(TokGpCrypto *crypto, TokGpScp scp, const gchar *hex, TokSecret *kek, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = gp_test_hex(hex);
	g_autoptr(TokGpKeySet) keys =
	    tok_gp_put_key_parse_key_set_data(crypto,
					      scp,
					      g_bytes_get_data(data, NULL),
					      g_bytes_get_size(data),
					      kek,
					      NULL,
					      &error);
	g_assert_null(keys);
	g_assert_error(error, TOK_ERROR, code);
}

static void
test_parse_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) kek = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) wrong = gp_test_secret("404142434445464748494A4B4C4D4E40");
	const gchar *blk = "8110" GPP_SCP01_WRAPPED "03" GPP_KCV_DES;
	g_autofree gchar *good = g_strconcat("02", blk, blk, blk, NULL);
	g_autofree gchar *trailing = g_strconcat(good, "00", NULL);
	g_autofree gchar *short_ = g_strndup(good, strlen(good) - 2);
	g_autofree gchar *bad_type =
	    g_strconcat("02", blk, blk, "8210" GPP_SCP01_WRAPPED "03" GPP_KCV_DES, NULL);
	g_autofree gchar *bad_len = g_strconcat("02",
						blk,
						blk,
						"8108"
						"B4BAA89A8CD0292B"
						"03" GPP_KCV_DES,
						NULL);
	g_autofree gchar *bad_kcv_len = g_strconcat("02",
						    blk,
						    blk,
						    "8110" GPP_SCP01_WRAPPED "02"
						    "8BAF",
						    NULL);
	g_autofree gchar *bad_kcv = g_strconcat("02",
						blk,
						blk,
						"8110" GPP_SCP01_WRAPPED "03"
						"8BAF48",
						NULL);
	g_autofree gchar *gp_type =
	    g_strconcat("02", blk, "8010" GPP_SCP01_WRAPPED "03" GPP_KCV_DES, blk, NULL);

	expect_parse_error(crypto, TOK_GP_SCP01, good, wrong, TOK_ERROR_AUTH_FAILED);
	expect_parse_error(crypto, TOK_GP_SCP01, trailing, kek, TOK_ERROR_INVALID_DATA);
	expect_parse_error(crypto, TOK_GP_SCP01, short_, kek, TOK_ERROR_TRUNCATED);
	expect_parse_error(crypto, TOK_GP_SCP01, "", kek, TOK_ERROR_TRUNCATED);
	expect_parse_error(crypto, TOK_GP_SCP01, bad_type, kek, TOK_ERROR_INVALID_DATA);
	expect_parse_error(crypto, TOK_GP_SCP01, bad_len, kek, TOK_ERROR_INVALID_DATA);
	expect_parse_error(crypto, TOK_GP_SCP01, bad_kcv_len, kek, TOK_ERROR_INVALID_DATA);
	expect_parse_error(crypto, TOK_GP_SCP01, bad_kcv, kek, TOK_ERROR_AUTH_FAILED);
	expect_parse_error(crypto,
			   TOK_GP_SCP03,
			   good,
			   kek,
			   TOK_ERROR_INVALID_DATA); /* DES blocks for SCP03 */
	expect_parse_error(crypto, TOK_GP_SCP03, "03 881210 00", kek, TOK_ERROR_INVALID_DATA);
	expect_parse_error(crypto, (TokGpScp)7, good, kek, TOK_ERROR_INVALID_DATA);
	{
		/* the GP 2.1.1 DES key type 80 is accepted too */
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) data = gp_test_hex(gp_type);
		g_autoptr(TokGpKeySet) keys =
		    tok_gp_put_key_parse_key_set_data(crypto,
						      TOK_GP_SCP02,
						      g_bytes_get_data(data, NULL),
						      g_bytes_get_size(data),
						      kek,
						      NULL,
						      &error);
		g_assert_no_error(error);
		g_assert_nonnull(keys);
	}
}

static void
test_build_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) des = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokGpKeySet) aes = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_AES);
	g_autoptr(TokSecret) kek = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) kek8 = gp_test_secret("4041424344454647");
	g_autoptr(TokGpKeySet) aes192 =
	    key_set(TOK_GP_KEY_TYPE_AES, "404142434445464748494A4B4C4D4E4F5051525354555657");

	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) d =
		    tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP03, 1, des, kek, &error);
		g_assert_null(d);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) d =
		    tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP01, 1, aes, kek, &error);
		g_assert_null(d);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) d =
		    tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP01, 1, des, kek8, &error);
		g_assert_null(d);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) d =
		    tok_gp_put_key_build_key_set_data(crypto, TOK_GP_SCP03, 1, aes192, kek, &error);
		g_assert_null(d);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) w = tok_gp_key_wrap(crypto,
						      TOK_GP_KEY_TYPE_AES,
						      kek,
						      (const guint8 *)"0123456789",
						      10,
						      &error);
		g_assert_null(w);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) u = tok_gp_challenge_unwrap(crypto,
								 TOK_GP_SCP01,
								 kek,
								 (const guint8 *)"01234567890",
								 11,
								 &error);
		g_assert_null(u);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) chal = gp_test_secret(DEFAULT_KEY);
		g_autoptr(GBytes) w = tok_gp_challenge_wrap(crypto, (TokGpScp)0, kek, chal, &error);
		g_assert_null(w);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp/put-key/des/scp01-gpp", test_des_scp01_gpp);
	g_test_add_func("/tok/gp/put-key/des/scp02-gpp", test_des_scp02_gpp);
	g_test_add_func("/tok/gp/put-key/aes128", test_aes128);
	g_test_add_func("/tok/gp/put-key/aes256", test_aes256);
	g_test_add_func("/tok/gp/put-key/challenge", test_challenge);
	g_test_add_func("/tok/gp/put-key/key-wrap-kcv", test_key_wrap_kcv);
	g_test_add_func("/tok/gp/put-key/parse-errors", test_parse_errors);
	g_test_add_func("/tok/gp/put-key/build-errors", test_build_errors);
	return g_test_run();
}
