/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "gp-test-trace.h"
#include "tok-gp-scp02.h"

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
assert_kcv_des(TokGpCrypto *crypto, TokSecret *key, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	guint8 kcv[3];
	g_assert_nonnull(key);
	g_assert_true(tok_gp_crypto_kcv_des(crypto,
					    tok_secret_get_data(key, NULL),
					    tok_secret_get_size(key),
					    kcv,
					    &error));
	g_assert_no_error(error);
	gp_test_assert_hex(kcv, 3, hex);
}

/* GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java,
 * testSessionKeys_SCP02: static keys 40..4F, sequence counter 0000: S-ENC F2DCDD, C-MAC
 * 5FCC69, DEK 85272E, R-MAC 9F749A (key check values). */
static void
test_session_keys_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokGpSessionKeys) sk = NULL;
	g_autoptr(TokSecret) rmac = NULL;
	g_autoptr(GError) error = NULL;

	sk = tok_gp_scp02_derive_session_keys(crypto, keys, 0x0000, &error);
	g_assert_no_error(error);
	assert_kcv_des(crypto, tok_gp_session_keys_get_enc(sk), "F2DCDD");
	assert_kcv_des(crypto, tok_gp_session_keys_get_mac(sk), "5FCC69");
	assert_kcv_des(crypto, tok_gp_session_keys_get_dek(sk), "85272E");
	assert_kcv_des(crypto, tok_gp_session_keys_get_rmac(sk), "9F749A");
	/* one key at a time, as the Dogtag TKS computes them (derivationConstant 01 02) */
	rmac = tok_gp_scp02_derive_session_key(crypto,
					       tok_gp_key_set_get_key(keys, TOK_GP_KEY_MAC),
					       TOK_GP_SCP02_CONSTANT_R_MAC,
					       0x0000,
					       &error);
	g_assert_no_error(error);
	assert_kcv_des(crypto, rmac, "9F749A");
}

/* Card traces recorded by the GlobalPlatform library, kaoh/globalplatform
 * globalplatform/src/scp02Test.c (SCP02 i=15, OPGP_VISA_DEFAULT_KEY = 40..4F). */

/* scp02Test.c get_status_mac_only(): security level 01; the GET STATUS C-MAC uses the ICV
 * encrypted with single DES (K1). */
static void
test_trace_get_status_mac(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	const GpTraceCommand cmds[] = {
	    {"80F22002024F0000", "84F220020A4F00BB6E71C0EFCFCF0D00"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP02,
	    .host_challenge = "D5AD539A60CA5E72",
	    .response = "000074746E6E6E626262 0102 069F AA2A0591E733 67DD78794D04315E",
	    .level = 0x01,
	    .external_authenticate = "8482010010 7C799B3C771DBAE6 BEF49310977617BA",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp02Test.c install_mac_enc(): security level 03, two DELETE commands: MAC over the plain
 * data, then 3DES-CBC of the data padded with 80 00.. (always). */
static void
test_trace_delete_mac_enc(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	const GpTraceCommand cmds[] = {
	    {"80E400800A4F08D0D1D2D3D4D5010100",
	     "84E4008018BC146FA0403BE4BAD3BC089E4ABD8674DA7EFEA21047B85800"},
	    {"80E40080094F07D0D1D2D3D4D50100",
	     "84E4008018C2748C1669FAFC0E20C5253680388A4A49C9A6038D77B45700"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP02,
	    .host_challenge = "EBAA9E53C696281B",
	    .response = "000074746E6E6E626262 0102 06A1 5086BBEE58F4 67149061DA4B6EAE",
	    .level = 0x03,
	    .external_authenticate = "8482030010 05814C116071EB67 D8BA9D9879454564",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* osmocom/pysim tests/unittests/test_globalplatform.py, SCP02_Auth_Test and SCP02_Test:
 * distinct static keys ENC 10 01 02 .., MAC 10 11 02 .., DEK 10 21 02 .. (so the ENC -> S-ENC,
 * MAC -> C-MAC pairing is exercised), security level 01, then the four APDU cases (case 1
 * without data and Le: Lc = 08 and the MAC only). */
static void
test_trace_pysim(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) enc = gp_test_secret("100102030405060708090a0b0c0d0e0f");
	g_autoptr(TokSecret) mac = gp_test_secret("101102030405060708090a0b0c0d0e0f");
	g_autoptr(TokSecret) dek = gp_test_secret("102102030405060708090a0b0c0d0e0f");
	g_autoptr(TokGpKeySet) keys =
	    tok_gp_key_set_new(TOK_GP_KEY_TYPE_DES3, enc, mac, dek, &error);
	const GpTraceCommand cmds[] = {
	    {"80F22002", "84F220020814DB34FA4341DCA8"},
	    {"80ca006600", "84CA00660855ED7C5FF069512B00"},
	    {"80F220020a4f0212345c054f9f70c5", "84F22002124F0212345C054F9F70C58FC1B380C4228AF8"},
	    {"80f28002024f0000", "84F280020A4F003B95F09317DE6A4E00"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP02,
	    .host_challenge = "40A62C37FA6304F8",
	    .response = "00000000000000000000 7002 0001 6B4524ABEE7C F32EA3838BC148F3",
	    .level = 0x01,
	    .external_authenticate = "8482010010 BA6961667737C5BC EBECE14C7D6A4376",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};

	g_assert_no_error(error);
	gp_test_run_trace(crypto, keys, &t);
}

/* SCP02_Auth_Test.test_mutual_auth_fail_card_cryptogram: the same response with its last
 * byte changed to FF must be refused (card cryptogram mismatch). */
static void
test_pysim_bad_cryptogram(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) enc = gp_test_secret("100102030405060708090a0b0c0d0e0f");
	g_autoptr(TokSecret) mac = gp_test_secret("101102030405060708090a0b0c0d0e0f");
	g_autoptr(TokSecret) dek = gp_test_secret("102102030405060708090a0b0c0d0e0f");
	g_autoptr(TokGpKeySet) keys =
	    tok_gp_key_set_new(TOK_GP_KEY_TYPE_DES3, enc, mac, dek, &error);
	g_autoptr(GBytes) hc = gp_test_hex("40A62C37FA6304F8");
	g_autoptr(GBytes) resp =
	    gp_test_hex("00000000000000000000 7002 0001 6B4524ABEE7C F32EA3838BC148FF");
	g_autoptr(TokGpSession) host = tok_gp_session_new_host(crypto,
							       TOK_GP_SCP02,
							       keys,
							       g_bytes_get_data(hc, NULL),
							       g_bytes_get_data(resp, NULL),
							       g_bytes_get_size(resp),
							       TOK_GP_SESSION_FLAG_NONE,
							       &error);
	g_assert_null(host);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
}

/* The Java TPS "encrypts" commands without data under SCP02 level 03 (protocol.md 3.6): one
 * block 80 00.. of cipher text after a MAC over the plain header; the card accepts both this
 * and the plain form. */
static void
test_encrypt_empty(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) key = gp_test_secret(DEFAULT_KEY);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) c = tok_gp_scp02_encrypt(crypto, key, NULL, 0, &error);
	g_autoptr(GBytes) p = NULL;
	guint8 plain[8];

	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(c), ==, 8);
	g_assert_true(tok_gp_crypto_des_cbc(crypto,
					    FALSE,
					    tok_secret_get_data(key, NULL),
					    16,
					    (const guint8[8]){0},
					    g_bytes_get_data(c, NULL),
					    8,
					    plain,
					    &error));
	gp_test_assert_hex(plain, 8, "8000000000000000");
	p = tok_gp_scp02_decrypt(crypto, key, g_bytes_get_data(c, NULL), 8, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(p), ==, 0);
	/* 8 bytes of data get a whole extra block */
	{
		g_autoptr(GBytes) c16 = tok_gp_scp02_encrypt(crypto, key, plain, 8, &error);
		g_assert_cmpuint(g_bytes_get_size(c16), ==, 16);
	}
}

static void
test_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) key = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) bad = gp_test_secret("40414243");
	const guint8 zero[16] = {0};
	guint8 out[8], cipher[8];

	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp02_decrypt(crypto, key, zero, 12, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	/* no padding marker */
	g_assert_true(tok_gp_crypto_des_cbc(crypto,
					    TRUE,
					    tok_secret_get_data(key, NULL),
					    16,
					    zero,
					    zero,
					    8,
					    cipher,
					    NULL));
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp02_decrypt(crypto, key, cipher, 8, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_scp02_compute_mac(crypto, bad, zero, zero, 8, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_scp02_encrypt_icv(crypto, bad, zero, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) sk =
		    tok_gp_scp02_derive_session_key(crypto, bad, 0x0182, 1, &error);
		g_assert_null(sk);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(
		    tok_gp_scp02_card_cryptogram(crypto, bad, zero, 1, zero, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp/scp02/session-keys/gpp", test_session_keys_gpp);
	g_test_add_func("/tok/gp/scp02/trace/get-status-mac", test_trace_get_status_mac);
	g_test_add_func("/tok/gp/scp02/trace/delete-mac-enc", test_trace_delete_mac_enc);
	g_test_add_func("/tok/gp/scp02/trace/pysim", test_trace_pysim);
	g_test_add_func("/tok/gp/scp02/trace/pysim-bad-cryptogram", test_pysim_bad_cryptogram);
	g_test_add_func("/tok/gp/scp02/encrypt/empty", test_encrypt_empty);
	g_test_add_func("/tok/gp/scp02/errors", test_errors);
	return g_test_run();
}
