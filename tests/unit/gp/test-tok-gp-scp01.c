/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "gp-test-trace.h"
#include "tok-gp-scp01.h"

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
	g_assert_true(tok_gp_crypto_kcv_des(crypto,
					    tok_secret_get_data(key, NULL),
					    tok_secret_get_size(key),
					    kcv,
					    &error));
	g_assert_no_error(error);
	gp_test_assert_hex(kcv, 3, hex);
}

/* GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java,
 * testSessionKeys_SCP01: static keys 40..4F, all-zero challenges: S-ENC and S-MAC have KCV
 * FDDAF8, the DEK stays static (KCV 8BAF47). */
static void
test_session_keys_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(TokGpSessionKeys) sk = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 zero[8] = {0};

	sk = tok_gp_scp01_derive_session_keys(crypto, keys, zero, zero, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tok_gp_session_keys_get_scp(sk), ==, TOK_GP_SCP01);
	assert_kcv_des(crypto, tok_gp_session_keys_get_enc(sk), "FDDAF8");
	assert_kcv_des(crypto, tok_gp_session_keys_get_mac(sk), "FDDAF8");
	assert_kcv_des(crypto, tok_gp_session_keys_get_dek(sk), "8BAF47");
	g_assert_null(tok_gp_session_keys_get_rmac(sk));
}

/* Card traces recorded by the GlobalPlatform library, kaoh/globalplatform
 * globalplatform/src/scp01Test.c (OPGP_VISA_DEFAULT_KEY = 40..4F). */

/* scp01Test.c get_status(): no diversification, security level 01 (C-MAC only), three GET
 * STATUS commands `80 F2 xx 00 02 4F 00 00` with Le kept after the MAC. */
static void
test_trace_get_status_mac(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	const GpTraceCommand cmds[] = {
	    {"80F22000024F0000", "84F220000A4F00B4ADCE707ADF1D3D00"},
	    {"80F24000024F0000", "84F240000A4F0089A0484A80D9EDB800"},
	    {"80F28000024F0000", "84F280000A4F00183AC641D94785CB00"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP01,
	    .host_challenge = "10DBADDE5E94FCE1",
	    .response = "0000302300000055FF00 0101 F5571FE5ED3971F5 D2FFBE28469E141D",
	    .level = 0x01,
	    .external_authenticate = "8482010010 10674A7E0BAE4B33 8A9E421D068947FE",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp01Test.c get_status_mac_enc(): no diversification, key version FF, security level 03:
 * the data field 4F 00 travels as Lc || data || 80 00.. encrypted (one block). */
static void
test_trace_get_status_mac_enc(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	const GpTraceCommand cmds[] = {
	    {"80F21002024F0000", "84F2100210EF482121446322C0CD9A3CC2C8E89D8400"},
	    {"80F22002024F0000", "84F2200210EF482121446322C0A8C7D22E1EB71EBA00"},
	    {"80F24002024F0000", "84F2400210EF482121446322C0E066B55E2551AF3700"},
	    {"80F28002024F0000", "84F2800210EF482121446322C0E4C1A88C0341E10700"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP01,
	    .host_challenge = "C504EDBB64DD5829",
	    .response = "00005237000000470000 FF01 691FF128720F01AE B82C85804AB77640",
	    .level = 0x03,
	    .external_authenticate = "8482030010 D3C21BB2478977BD A01145D1C12BEDC5",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};
	gp_test_run_trace(crypto, keys, &t);
}

static TokGpKeySet *
visa2_keys(TokGpCrypto *crypto, const gchar *kdd_hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) master = gp_test_secret(DEFAULT_KEY);
	guint8 kdd[10];
	TokGpKeySet *keys;

	gp_test_hex_into(kdd_hex, kdd, sizeof(kdd));
	keys = tok_gp_key_set_derive(crypto,
				     TOK_GP_DIVERSIFY_VISA2,
				     TOK_GP_KEY_TYPE_DES3,
				     master,
				     kdd,
				     NULL,
				     0,
				     NULL,
				     TOK_GP_KEY_TYPE_DES3,
				     &error);
	g_assert_no_error(error);
	return keys;
}

/* scp01Test.c mutual_auth_visa2(): keys VISA2-diversified from 40..4F with the KDD of the
 * INITIALIZE UPDATE response, security level 01. */
static void
test_trace_visa2_mac(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = visa2_keys(crypto, "00004181116665F5B830");
	const GpTrace t = {
	    .scp = TOK_GP_SCP01,
	    .host_challenge = "5218A9EAE3863131",
	    .response = "00004181116665F5B830 0101 A67BE0F6BB2920AA D421FF3948F1304B",
	    .level = 0x01,
	    .external_authenticate = "8482010010 ED016D672E889366 2E38CF5736E6751A",
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp01Test.c install(): VISA2 keys, security level 03, three DELETE commands (the first and
 * third delete the same AID: same cipher text, chained MAC). */
static void
test_trace_visa2_mac_enc(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = visa2_keys(crypto, "00004181116665F5B830");
	const GpTraceCommand cmds[] = {
	    {"80E400000A4F08D0D1D2D3D4D5010100",
	     "84E4000018D1505A4FAA00491BFF5B83C169209CC82896216BDD2CB1B600"},
	    {"80E40000094F07D0D1D2D3D4D50100",
	     "84E4000018F375E789AA02A7D0FB9F5DC60381A7B54E1BF1115498939300"},
	    {"80E400000A4F08D0D1D2D3D4D5010100",
	     "84E4000018D1505A4FAA00491BFF5B83C169209CC8446373AABDA55ECE00"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP01,
	    .host_challenge = "6247DF18C5793FFE",
	    .response = "00004181116665F5B830 0101 EAD645A9EE5F2BD7 18BA203861260063",
	    .level = 0x03,
	    .external_authenticate = "8482030010 AB6DB8CAE9ADAEF6 75120B9E61F567E4",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* The Dogtag TPS wire forms of protocol.md 3.5 (worked structure "SET PIN 1234" and the
 * data-less SET LIFECYCLE under level 03, tps-common apdu/APDU.java secureMessage). The
 * cipher text and MAC values follow from the session keys; what is checked here is the
 * structure: lengths, Lc, and what the card recovers from them. */
static void
test_dogtag_wire_forms(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) resp =
	    gp_test_hex("0000302300000055FF00 0101 F5571FE5ED3971F5 D2FFBE28469E141D");
	g_autoptr(GBytes) hc = gp_test_hex("10DBADDE5E94FCE1");
	const guint8 set_pin[] = {0x84, 0x04, 0x00, 0x00, 0x04, 0x31, 0x32, 0x33, 0x34};
	const guint8 set_lifecycle[] = {0x84, 0xF0, 0x0F, 0x00};
	guint8 icv[8], mac[8], plain[8];
	g_autoptr(TokGpSession) host =
	    tok_gp_session_new_host(crypto,
				    TOK_GP_SCP01,
				    keys,
				    g_bytes_get_data(hc, NULL),
				    g_bytes_get_data(resp, NULL),
				    g_bytes_get_size(resp),
				    TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA,
				    &error);
	g_autoptr(GBytes) ea = NULL;
	g_autoptr(GBytes) w1 = NULL;
	g_autoptr(GBytes) w2 = NULL;
	TokGpSessionKeys *sk;
	const guint8 *d;

	g_assert_no_error(error);
	sk = tok_gp_session_get_session_keys(host);
	ea = tok_gp_session_external_authenticate(host, 0x03, &error);
	g_assert_no_error(error);
	/* SET PIN: 84 04 00 00 10 <8 cipher> <8 MAC>; the cipher is 04 31 32 33 34 80 00 00 */
	w1 = tok_gp_session_wrap(host, set_pin, sizeof(set_pin), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(w1), ==, 5 + 16);
	d = g_bytes_get_data(w1, NULL);
	gp_test_assert_hex(d, 5, "8404000010");
	g_assert_true(
	    tok_gp_crypto_des_cbc(crypto,
				  FALSE,
				  tok_secret_get_data(tok_gp_session_keys_get_enc(sk), NULL),
				  16,
				  (const guint8[8]){0},
				  d + 5,
				  8,
				  plain,
				  &error));
	gp_test_assert_hex(plain, 8, "0431323334800000");
	/* MAC over 84 04 00 00 0C 31 32 33 34 (+ padding), ICV = the EXTERNAL AUTHENTICATE MAC */
	for (guint i = 0; i < 8; i++)
		icv[i] = ((const guint8 *)g_bytes_get_data(ea, NULL))[13 + i];
	{
		const guint8 mac_input[] = {0x84, 0x04, 0x00, 0x00, 0x0C, 0x31, 0x32, 0x33, 0x34};
		g_assert_true(tok_gp_scp01_compute_mac(crypto,
						       tok_gp_session_keys_get_mac(sk),
						       icv,
						       mac_input,
						       sizeof(mac_input),
						       mac,
						       &error));
		g_assert_true(tok_gp_memeq(mac, d + 13, 8));
	}
	/* SET LIFECYCLE without data: 84 F0 0F 00 10 <8 cipher of 00 80 00..> <MAC over 84 F0 0F 00
	 * 08> */
	w2 = tok_gp_session_wrap(host, set_lifecycle, sizeof(set_lifecycle), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(w2), ==, 5 + 16);
	d = g_bytes_get_data(w2, NULL);
	gp_test_assert_hex(d, 5, "84F00F0010");
	g_assert_true(
	    tok_gp_crypto_des_cbc(crypto,
				  FALSE,
				  tok_secret_get_data(tok_gp_session_keys_get_enc(sk), NULL),
				  16,
				  (const guint8[8]){0},
				  d + 5,
				  8,
				  plain,
				  &error));
	gp_test_assert_hex(plain, 8, "0080000000000000");
	{
		const guint8 mac_input[] = {0x84, 0xF0, 0x0F, 0x00, 0x08};
		g_assert_true(tok_gp_scp01_compute_mac(crypto,
						       tok_gp_session_keys_get_mac(sk),
						       mac,
						       mac_input,
						       sizeof(mac_input),
						       icv,
						       &error));
		g_assert_true(tok_gp_memeq(icv, d + 13, 8));
	}
	g_assert_no_error(error);
}

static void
test_encrypt_padding(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) key = gp_test_secret(DEFAULT_KEY);
	g_autoptr(GError) error = NULL;
	guint8 data[32];

	for (guint i = 0; i < sizeof(data); i++)
		data[i] = (guint8)i;
	/* 1 + 7 bytes: one block, no padding; 1 + 8: two blocks */
	for (gsize n = 0; n <= 24; n++) {
		g_autoptr(GBytes) c = tok_gp_scp01_encrypt(crypto, key, data, n, &error);
		g_autoptr(GBytes) p = NULL;
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(c), ==, ((n + 1 + 7) / 8) * 8);
		p = tok_gp_scp01_decrypt(crypto,
					 key,
					 g_bytes_get_data(c, NULL),
					 g_bytes_get_size(c),
					 &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(p, data, n));
	}
}

static void
test_decrypt_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) key = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) short_key = gp_test_secret("4041424344454647");
	const guint8 block[16] = {0};
	guint8 plain[8], cipher[8];

	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp01_decrypt(crypto, key, block, 7, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp01_decrypt(crypto, key, block, 0, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	/* a length byte larger than the data */
	gp_test_hex_into("0931323334800000", plain, 8);
	g_assert_true(tok_gp_crypto_des_cbc(crypto,
					    TRUE,
					    tok_secret_get_data(key, NULL),
					    16,
					    block,
					    plain,
					    8,
					    cipher,
					    NULL));
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp01_decrypt(crypto, key, cipher, 8, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	/* padding where none is due (1 + 7 bytes fill the block) */
	gp_test_hex_into("0680000000000000", plain, 8);
	g_assert_true(tok_gp_crypto_des_cbc(crypto,
					    TRUE,
					    tok_secret_get_data(key, NULL),
					    16,
					    block,
					    plain,
					    8,
					    cipher,
					    NULL));
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp01_decrypt(crypto, key, cipher, 8, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) sk =
		    tok_gp_scp01_derive_session_key(crypto, short_key, block, block, &error);
		g_assert_null(sk);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) c = tok_gp_scp01_encrypt(crypto, key, block, 256, &error);
		g_assert_null(c);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) aes = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_AES);
		g_autoptr(TokGpSessionKeys) sk =
		    tok_gp_scp01_derive_session_keys(crypto, aes, block, block, &error);
		g_assert_null(sk);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp/scp01/session-keys/gpp", test_session_keys_gpp);
	g_test_add_func("/tok/gp/scp01/trace/get-status-mac", test_trace_get_status_mac);
	g_test_add_func("/tok/gp/scp01/trace/get-status-mac-enc", test_trace_get_status_mac_enc);
	g_test_add_func("/tok/gp/scp01/trace/visa2-mac", test_trace_visa2_mac);
	g_test_add_func("/tok/gp/scp01/trace/visa2-mac-enc", test_trace_visa2_mac_enc);
	g_test_add_func("/tok/gp/scp01/dogtag-wire-forms", test_dogtag_wire_forms);
	g_test_add_func("/tok/gp/scp01/encrypt/padding", test_encrypt_padding);
	g_test_add_func("/tok/gp/scp01/decrypt/errors", test_decrypt_errors);
	return g_test_run();
}
