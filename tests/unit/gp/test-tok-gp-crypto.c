/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "gp-test-util.h"
#include "tok-gp-crypto.h"

/* The NIST SP 800-38A / SP 800-38B example message (four blocks). */
#define NIST_MSG                                                                                   \
	"6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51"                        \
	"30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"

static TokGpCrypto *
gp_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	g_assert_nonnull(crypto);
	return crypto;
}

static void
check_cmac(TokGpCrypto *crypto, const gchar *key_hex, gsize msg_len, const gchar *tag_hex)
{
	g_autoptr(GBytes) key = gp_test_hex(key_hex);
	g_autoptr(GBytes) msg = gp_test_hex(NIST_MSG);
	g_autoptr(GError) error = NULL;
	guint8 tag[16];

	g_assert_true(tok_gp_crypto_aes_cmac(crypto,
					     g_bytes_get_data(key, NULL),
					     g_bytes_get_size(key),
					     g_bytes_get_data(msg, NULL),
					     msg_len,
					     tag,
					     &error));
	g_assert_no_error(error);
	gp_test_assert_hex(tag, sizeof(tag), tag_hex);
}

/* NIST SP 800-38B, Appendix D.1 (AES-128, examples 1-4) and D.3 (AES-256, examples 1-4). */
static void
test_cmac_sp800_38b(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	const gchar *k128 = "2b7e151628aed2a6abf7158809cf4f3c";
	const gchar *k256 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

	check_cmac(crypto, k128, 0, "bb1d6929e95937287fa37d129b756746");
	check_cmac(crypto, k128, 16, "070a16b46b4d4144f79bdd9dd04a287c");
	check_cmac(crypto, k128, 40, "dfa66747de9ae63030ca32611497c827");
	check_cmac(crypto, k128, 64, "51f0bebf7e3b9d92fc49741779363cfe");
	check_cmac(crypto, k256, 0, "028962f61b7bf89efc6b551f4667d983");
	check_cmac(crypto, k256, 16, "28a7023f452e8f82bd4bf28d8c37c35c");
	check_cmac(crypto, k256, 40, "aaf3d8f1de5640c232f5b169b9c911e6");
	check_cmac(crypto, k256, 64, "e1992190549f6ed5696a2c056c315410");
}

/* FIPS-197 Appendix C.1 (AES-128) and C.3 (AES-256). */
static void
test_aes_ecb_fips197(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 k[32], pt[16], ct[16], back[16];

	gp_test_hex_into("00112233445566778899aabbccddeeff", pt, 16);
	gp_test_hex_into("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", k, 32);
	g_assert_true(tok_gp_crypto_aes_ecb(crypto, TRUE, k, 16, pt, 16, ct, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(ct, 16, "69c4e0d86a7b0430d8cdb78070b4c55a");
	g_assert_true(tok_gp_crypto_aes_ecb(crypto, FALSE, k, 16, ct, 16, back, &error));
	gp_test_assert_hex(back, 16, "00112233445566778899aabbccddeeff");
	g_assert_true(tok_gp_crypto_aes_ecb(crypto, TRUE, k, 32, pt, 16, ct, &error));
	gp_test_assert_hex(ct, 16, "8ea2b7ca516745bfeafc49904b496089");
	g_assert_no_error(error);
}

/* NIST SP 800-38A, F.2.1 CBC-AES128.Encrypt and F.2.2 CBC-AES128.Decrypt. */
static void
test_aes_cbc_sp800_38a(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 k[16], iv[16], pt[64], ct[64], back[64];
	const gchar *expect = "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
			      "73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7";

	gp_test_hex_into("2b7e151628aed2a6abf7158809cf4f3c", k, 16);
	gp_test_hex_into("000102030405060708090a0b0c0d0e0f", iv, 16);
	gp_test_hex_into(NIST_MSG, pt, 64);
	g_assert_true(tok_gp_crypto_aes_cbc(crypto, TRUE, k, 16, iv, pt, 64, ct, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(ct, 64, expect);
	g_assert_true(tok_gp_crypto_aes_cbc(crypto, FALSE, k, 16, iv, ct, 64, back, &error));
	gp_test_assert_hex(back, 64, NIST_MSG);
	/* in place */
	g_assert_true(tok_gp_crypto_aes_cbc(crypto, TRUE, k, 16, iv, back, 64, back, &error));
	gp_test_assert_hex(back, 64, expect);
}

/* FIPS 81, Appendix B Table B1 (ECB) and Appendix C Table C1 (CBC): single DES, key
 * 0123456789abcdef, "Now is the time for all ". Single DES is computed as DES-EDE3 with
 * K1 = K2 = K3, so an 8-byte key, a 16-byte K K and a 24-byte K K K key all give it. */
static void
test_des_fips81(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 k[24], iv[8], pt[24], ct[24], back[24];

	gp_test_hex_into("0123456789abcdef0123456789abcdef0123456789abcdef", k, 24);
	gp_test_hex_into("1234567890abcdef", iv, 8);
	gp_test_hex_into("4e6f77206973207468652074696d6520666f7220616c6c20", pt, 24);
	for (gsize klen = 8; klen <= 24; klen += 8) {
		g_assert_true(tok_gp_crypto_des_ecb(crypto, TRUE, k, klen, pt, 24, ct, &error));
		g_assert_no_error(error);
		gp_test_assert_hex(ct, 24, "3fa40e8a984d4815 6a271787ab8883f9 893d51ec4b563b53");
		g_assert_true(tok_gp_crypto_des_ecb(crypto, FALSE, k, klen, ct, 24, back, &error));
		gp_test_assert_hex(back, 24, "4e6f77206973207468652074696d6520666f7220616c6c20");
		g_assert_true(tok_gp_crypto_des_cbc(crypto, TRUE, k, klen, iv, pt, 24, ct, &error));
		gp_test_assert_hex(ct, 24, "e5c7cdde872bf27c 43e934008c389c0f 683788499a7c05f6");
		g_assert_true(
		    tok_gp_crypto_des_cbc(crypto, FALSE, k, klen, iv, ct, 24, back, &error));
		gp_test_assert_hex(back, 24, "4e6f77206973207468652074696d6520666f7220616c6c20");
		g_assert_no_error(error);
	}
}

/* NIST SP 800-67 Rev. 1, Appendix B example (three-key TDEA, ECB):
 * "The qufck brown fox jump". */
static void
test_des3_sp800_67(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 k[24], pt[24], ct[24];

	gp_test_hex_into("0123456789abcdef 23456789abcdef01 456789abcdef0123", k, 24);
	gp_test_hex_into("5468652071756663 6b2062726f776e20 666f78206a756d70", pt, 24);
	g_assert_true(tok_gp_crypto_des_ecb(crypto, TRUE, k, 24, pt, 24, ct, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(ct, 24, "a826fd8ce53b855f cce21c8112256fe6 68d5c05dd9b6b900");
}

/* RFC 4231, test case 1. */
static void
test_hmac_rfc4231(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 key[20], tag[32];

	for (guint i = 0; i < sizeof(key); i++)
		key[i] = 0x0b;
	g_assert_true(tok_gp_crypto_hmac_sha256(crypto,
						key,
						sizeof(key),
						(const guint8 *)"Hi There",
						8,
						tag,
						&error));
	g_assert_no_error(error);
	gp_test_assert_hex(tag,
			   32,
			   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void
check_kdf(TokGpCrypto *crypto,
	  TokGpPrf prf,
	  const gchar *ki,
	  const gchar *before,
	  const gchar *after,
	  const gchar *ko)
{
	g_autoptr(GBytes) k = gp_test_hex(ki);
	g_autoptr(GBytes) b = gp_test_hex(before);
	g_autoptr(GBytes) a = gp_test_hex(after);
	g_autoptr(GBytes) want = gp_test_hex(ko);
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *out = g_malloc(g_bytes_get_size(want));

	g_assert_true(tok_gp_crypto_kdf_counter(crypto,
						prf,
						g_bytes_get_data(k, NULL),
						g_bytes_get_size(k),
						g_bytes_get_data(b, NULL),
						g_bytes_get_size(b),
						g_bytes_get_data(a, NULL),
						g_bytes_get_size(a),
						out,
						g_bytes_get_size(want),
						&error));
	g_assert_no_error(error);
	gp_test_assert_hex(out, g_bytes_get_size(want), ko);
}

/* NIST CAVP KBKDF (SP 800-108) counter mode vectors, KDFCTR_gen.rsp (CAVS 14.4) from
 * kbkdfvs.zip, mirrored in github.com/coruus/nist-testvectors
 * csrc.nist.gov/groups/STM/cavp/documents/KBKDF800-108/CounterMode.zip; RLEN=8_BITS groups. */
static void
test_kdf_cavp_hmac_sha256(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();

	/* [PRF=HMAC_SHA256] [CTRLOCATION=BEFORE_FIXED] [RLEN=8_BITS] COUNT=0 (L=128) */
	check_kdf(crypto,
		  TOK_GP_PRF_HMAC_SHA256,
		  "3edc6b5b8f7aadbd713732b482b8f979286e1ea3b8f8f99c30c884cfe3349b83",
		  "",
		  "98e9988bb4cc8b34d7922e1c68ad692ba2a1d9ae15149571675f17a77ad49e80c8d2a85e831a2644"
		  "5b1f0ff44d7084a17206b4896c8112daad18605a",
		  "6c037652990674a07844732d0ad985f9");
	/* COUNT=30 (L=320: two PRF blocks, as the 384-bit card key derivation needs) */
	check_kdf(
	    crypto,
	    TOK_GP_PRF_HMAC_SHA256,
	    "63a657fb6c5bacb9a124d3e7db8bbb7d42bfdfaf8f04cb6359cd888c70669652",
	    "",
	    "2697b6ec112cab4d6f1714c991c17d44fb36a0b6ef0b0f5451619ab248950f56f403215c78711aa563683c"
	    "ed05be7246f32574fa294f162dbbeb3dee",
	    "1992e75756fa64734d5caecc5f6420fcb28b8b90421eee97dc8b6140ce18518405688bea489d2aaa");
}

static void
test_kdf_cavp_cmac(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();

	/* [PRF=CMAC_AES128] [CTRLOCATION=BEFORE_FIXED] [RLEN=8_BITS] COUNT=0 and COUNT=10 */
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "dff1e50ac0b69dc40f1051d46c2b069c",
		  "",
		  "c16e6e02c5a3dcc8d78b9ac1306877761310455b4e41469951d9e6c2245a064b33fd8c3b01203a78"
		  "24485bf0a64060c4648b707d2607935699316ea5",
		  "8be8f0869b3c0ba97b71863d1b9f7813");
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "682e814d872397eba71170a693514904",
		  "",
		  "e323cdfa7873a0d72cd86ffb4468744f097db60498f7d0e3a43bafd2d1af675e4a88338723b12361"
		  "99705357c47bf1d89b2f4617a340980e6331625c",
		  "dac9b6ca405749cfb065a0f1e42c7c4224d3d5db32fdafe9dee6ca193316f2c7");
	/* [PRF=CMAC_AES256] [CTRLOCATION=BEFORE_FIXED] [RLEN=8_BITS] COUNT=10 */
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "5402c978955128558789bee7b571465174a60582a7640037387f99ac16683173",
		  "",
		  "5c7eb447481c2884a5398449eaecbb8b55f1f1981ba0fd187818d8b3581b430c3da52ab83d444e00"
		  "3625ff36fcbd160c67b18d85b6c9d00da1a15d15",
		  "f22a4686abe599c2194d21fc9071ffceb023dd9b24c13f05a3d44cfc77fec44a");
	/* [PRF=CMAC_AES128] [CTRLOCATION=MIDDLE_FIXED] [RLEN=8_BITS] COUNT=0 and COUNT=10
	 * (the SCP03 layout: label || i || context) */
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "b6e04abd1651f8794d4326f4c684e631",
		  "93612f7256c46a3d856d3e951e32dbf15fe11159d0b389ad38d603850fee6d18d22031435ed36ee2"
		  "0da76745fbea4b10fe1e",
		  "99322aae605a5f01e32b",
		  "dcb1db87a68762c6b3354779fa590bef");
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "a239154d967d7c9d852bd99589e1ac1c",
		  "5d4cefc0dd8e954fe0f1645f19f8fc4654f88fa08b42eb67be98db3a228cdff00f0f5287fe32fb9a"
		  "59f626d1984e33d6eacd",
		  "a3e27c1764932ce58625",
		  "f69af7108762cfb95a2282c12eb58d914a78369c8f4a91c7850c81c973f704e9");
	/* [PRF=CMAC_AES256] [CTRLOCATION=MIDDLE_FIXED] [RLEN=8_BITS] COUNT=0 and COUNT=10 */
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "701c0f5a65a42d07077d6eedf540ef9374bcb74cb89bfe017e5ca1e9df6b2b70",
		  "2ce10feb56dda9fdc95da5b5013f05f59d13a89b3a1ad4527bd00612190ac6613b007afdf00fbc92"
		  "0cc6e8d5fd9da9ae267d",
		  "86373a67ab86e7bde5b7",
		  "0ca10ea17fd28eaf660191fd983cb353");
	check_kdf(crypto,
		  TOK_GP_PRF_CMAC_AES,
		  "836906f21182b1866821ffda8a53191412cb9ca08062a5992ad71185de4b1471",
		  "b3a3dfeba7aca621b286a75685332e55301146fef2c27864952f7d1b48ad656e6e29b6dbb18f9428"
		  "06d3ea516c4597866857",
		  "291a54f2b01c4e85ab94",
		  "7563ef633a8357f84da03af31fd73eb1e0f1d39e127eaf49daf739801513df2a");
}

/* Key check values of the GlobalPlatform default key 40..4F: DES KCV 8BAF47 and AES KCV
 * 504A77, from GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/
 * TestPlaintextKeys.java (testSessionKeys_SCP01 and testSessionKeys_SCP03: the static DEK). */
static void
test_kcv_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 key[16], kcv[3];

	gp_test_hex_into("404142434445464748494A4B4C4D4E4F", key, 16);
	g_assert_true(tok_gp_crypto_kcv_des(crypto, key, 16, kcv, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(kcv, 3, "8BAF47");
	g_assert_true(tok_gp_crypto_kcv_aes(crypto, key, 16, kcv, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(kcv, 3, "504A77");
}

/* The two MAC constructions agree whenever the padded input is one block (then the retail MAC
 * is a single triple-DES block); their known answers are in the SCP01/SCP02 trace tests. */
static void
test_mac_one_block(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 key[16], icv[8], data[7], a[8], b[8];

	gp_test_hex_into("404142434445464748494A4B4C4D4E4F", key, 16);
	gp_test_hex_into("0102030405060708", icv, 8);
	gp_test_hex_into("84820100100102", data, 7);
	g_assert_true(tok_gp_crypto_des3_mac(crypto, key, icv, data, sizeof(data), a, &error));
	g_assert_true(tok_gp_crypto_retail_mac(crypto, key, icv, data, sizeof(data), b, &error));
	g_assert_no_error(error);
	g_assert_true(tok_gp_memeq(a, b, 8));
	/* with more than one block they differ (single DES in the chain) */
	g_assert_true(tok_gp_crypto_des3_mac(crypto, key, icv, key, 16, a, &error));
	g_assert_true(tok_gp_crypto_retail_mac(crypto, key, icv, key, 16, b, &error));
	g_assert_false(tok_gp_memeq(a, b, 8));
}

/* Odd parity as in Dogtag's parity table (base/tks/.../servlet/KDF.java parityTable). */
static void
test_parity(void)
{
	guint8 key[] = {0x00, 0x02, 0x06, 0x40, 0x44, 0x7e, 0xfe, 0xff, 0x31, 0xa3};
	tok_gp_des_set_odd_parity(key, sizeof(key));
	gp_test_assert_hex(key, sizeof(key), "01 02 07 40 45 7f fe fe 31 a2");
}

static void
test_pad80(void)
{
	g_autoptr(GByteArray) a = g_byte_array_new();
	gsize n = 0;
	const guint8 bad1[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	const guint8 bad2[] = {0x80,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00,
			       0x00};
	const guint8 bad3[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

	tok_gp_pad80(a, 8);
	gp_test_assert_hex(a->data, a->len, "8000000000000000");
	g_assert_true(tok_gp_unpad80(a->data, a->len, 8, &n));
	g_assert_cmpuint(n, ==, 0);
	g_byte_array_set_size(a, 0);
	g_byte_array_append(a, bad1, 8);
	tok_gp_pad80(a, 8);
	g_assert_cmpuint(a->len, ==, 16);
	g_assert_true(tok_gp_unpad80(a->data, a->len, 8, &n));
	g_assert_cmpuint(n, ==, 8);
	g_byte_array_set_size(a, 5);
	tok_gp_pad80(a, 16);
	gp_test_assert_hex(a->data, a->len, "0102030405 80 00000000000000000000");
	g_assert_true(tok_gp_unpad80(a->data, a->len, 16, &n));
	g_assert_cmpuint(n, ==, 5);

	g_assert_false(tok_gp_unpad80(bad1, sizeof(bad1), 8, &n)); /* no 80 */
	g_assert_false(tok_gp_unpad80(bad2, sizeof(bad2), 8, &n)); /* 80 not in the last block */
	g_assert_false(tok_gp_unpad80(bad3, sizeof(bad3), 8, &n)); /* all zero */
	g_assert_false(tok_gp_unpad80(bad1, 7, 8, &n));            /* not block aligned */
	g_assert_false(tok_gp_unpad80(NULL, 0, 8, &n));
}

static void
test_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	guint8 key[32] = {0}, buf[32] = {0}, out[32];

	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_des_ecb(crypto, TRUE, key, 12, buf, 8, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_des_ecb(crypto, TRUE, key, 16, buf, 7, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(
		    tok_gp_crypto_aes_cbc(crypto, TRUE, key, 20, buf, buf, 16, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_aes_ecb(crypto, TRUE, key, 16, buf, 15, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_aes_cmac(crypto, key, 8, buf, 16, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_aes_cmac(crypto,
						      key,
						      16,
						      buf,
						      TOK_GP_CRYPTO_MAX_INPUT + 1,
						      out,
						      &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_hmac_sha256(crypto, key, 0, buf, 16, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_kdf_counter(crypto,
							 TOK_GP_PRF_CMAC_AES,
							 key,
							 16,
							 NULL,
							 0,
							 buf,
							 4,
							 out,
							 0,
							 &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_kdf_counter(crypto,
							 TOK_GP_PRF_CMAC_AES,
							 key,
							 16,
							 NULL,
							 0,
							 buf,
							 4,
							 out,
							 16 * 256,
							 &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_kdf_counter(crypto,
							 (TokGpPrf)7,
							 key,
							 16,
							 NULL,
							 0,
							 buf,
							 4,
							 out,
							 16,
							 &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_crypto_kcv_aes(crypto, key, 15, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_random(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 a[32] = {0}, b[32] = {0};

	g_assert_true(tok_gp_crypto_random(crypto, a, sizeof(a), &error));
	g_assert_true(tok_gp_crypto_random(crypto, b, sizeof(b), &error));
	g_assert_no_error(error);
	g_assert_false(tok_gp_memeq(a, b, sizeof(a)));
	g_assert_true(tok_gp_crypto_random(crypto, NULL, 0, &error));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp/crypto/cmac/sp800-38b", test_cmac_sp800_38b);
	g_test_add_func("/tok/gp/crypto/aes/ecb-fips197", test_aes_ecb_fips197);
	g_test_add_func("/tok/gp/crypto/aes/cbc-sp800-38a", test_aes_cbc_sp800_38a);
	g_test_add_func("/tok/gp/crypto/des/fips81", test_des_fips81);
	g_test_add_func("/tok/gp/crypto/des/tdea-sp800-67", test_des3_sp800_67);
	g_test_add_func("/tok/gp/crypto/hmac/rfc4231", test_hmac_rfc4231);
	g_test_add_func("/tok/gp/crypto/kdf/cavp-hmac-sha256", test_kdf_cavp_hmac_sha256);
	g_test_add_func("/tok/gp/crypto/kdf/cavp-cmac", test_kdf_cavp_cmac);
	g_test_add_func("/tok/gp/crypto/kcv/gpp", test_kcv_gpp);
	g_test_add_func("/tok/gp/crypto/mac/one-block", test_mac_one_block);
	g_test_add_func("/tok/gp/crypto/parity", test_parity);
	g_test_add_func("/tok/gp/crypto/pad80", test_pad80);
	g_test_add_func("/tok/gp/crypto/errors", test_errors);
	g_test_add_func("/tok/gp/crypto/random", test_random);
	return g_test_run();
}
