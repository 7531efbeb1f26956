/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "gp-test-trace.h"
#include "tok-gp-scp03.h"

#define DEFAULT_KEY "404142434445464748494A4B4C4D4E4F"
#define ISD_AID     "A000000151000000"

/* Static keys of the kaoh/globalplatform scp03Test.c traces. */
#define KAOH_ENC "F995D0A069335C7DF42E590317FFEA6D"
#define KAOH_MAC "58563362EC5A4541ABCD32B34B1EAE7D"
#define KAOH_DEK "0A02A6D687406DCFA09DC70B3EDB7E38"

static TokGpCrypto *
gp_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return crypto;
}

static TokGpKeySet *
kaoh_keys(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) enc = gp_test_secret(KAOH_ENC);
	g_autoptr(TokSecret) mac = gp_test_secret(KAOH_MAC);
	g_autoptr(TokSecret) dek = gp_test_secret(KAOH_DEK);
	TokGpKeySet *keys = tok_gp_key_set_new(TOK_GP_KEY_TYPE_AES, enc, mac, dek, &error);
	g_assert_no_error(error);
	return keys;
}

static void
assert_kcv_aes(TokGpCrypto *crypto, const guint8 *key, gsize len, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	guint8 kcv[3];
	g_assert_true(tok_gp_crypto_kcv_aes(crypto, key, len, kcv, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(kcv, 3, hex);
}

/* GlobalPlatformPro library/src/test/java/pro/javacard/gp/test/TestPlaintextKeys.java:
 * testSessionKeys_SCP03 derives with the 10-byte KDD 00..09 as the KDF context: S-ENC C25559,
 * S-MAC 0E12CC, S-RMAC 9ACB9C (AES key check values, static keys 40..4F); testScp3Kdf: the
 * counter KDF with block A = block B = 00 x 16, 16 bytes out: KCV BD8165. */
static void
test_kdf_gpp(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	guint8 key[16], kdd[10], out[16], zero[16] = {0};

	gp_test_hex_into(DEFAULT_KEY, key, 16);
	gp_test_hex_into("00010203040506070809", kdd, 10);
	g_assert_true(tok_gp_scp03_kdf(crypto,
				       key,
				       16,
				       TOK_GP_SCP03_CONSTANT_S_ENC,
				       128,
				       kdd,
				       10,
				       out,
				       &error));
	g_assert_no_error(error);
	assert_kcv_aes(crypto, out, 16, "C25559");
	g_assert_true(tok_gp_scp03_kdf(crypto,
				       key,
				       16,
				       TOK_GP_SCP03_CONSTANT_S_MAC,
				       128,
				       kdd,
				       10,
				       out,
				       &error));
	assert_kcv_aes(crypto, out, 16, "0E12CC");
	g_assert_true(tok_gp_scp03_kdf(crypto,
				       key,
				       16,
				       TOK_GP_SCP03_CONSTANT_S_RMAC,
				       128,
				       kdd,
				       10,
				       out,
				       &error));
	assert_kcv_aes(crypto, out, 16, "9ACB9C");
	g_assert_true(tok_gp_crypto_kdf_counter(crypto,
						TOK_GP_PRF_CMAC_AES,
						key,
						16,
						zero,
						16,
						zero,
						16,
						out,
						16,
						&error));
	g_assert_no_error(error);
	assert_kcv_aes(crypto, out, 16, "BD8165");
}

/* kaoh/globalplatform globalplatform/src/scp03Test.c mutual_auth(): the session keys are
 * given in the test (sessionEnc, sessionCMac, sessionRMac). */
static void
test_session_keys_kaoh(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = kaoh_keys();
	g_autoptr(TokGpSessionKeys) sk = NULL;
	g_autoptr(GError) error = NULL;
	guint8 hc[8], cc[8], crypt[8];

	gp_test_hex_into("9BD6BF878FB8E991", hc, 8);
	gp_test_hex_into("3C80C2CC87EB3A35", cc, 8);
	sk = tok_gp_scp03_derive_session_keys(crypto, keys, hc, cc, &error);
	g_assert_no_error(error);
	gp_test_assert_secret_hex(tok_gp_session_keys_get_enc(sk),
				  "D83EE38C9954C8078987A5E9EE6AB13C");
	gp_test_assert_secret_hex(tok_gp_session_keys_get_mac(sk),
				  "6FF37716E0413065E8DFD08BF1E9EC5E");
	gp_test_assert_secret_hex(tok_gp_session_keys_get_rmac(sk),
				  "0254C786E57ACA8982670C1C1A05FF12");
	gp_test_assert_secret_hex(tok_gp_session_keys_get_dek(sk), KAOH_DEK);
	/* the card cryptogram of that exchange's INITIALIZE UPDATE response, the host one of its
	 * EXTERNAL AUTHENTICATE */
	g_assert_true(tok_gp_scp03_card_cryptogram(crypto,
						   tok_gp_session_keys_get_mac(sk),
						   hc,
						   cc,
						   crypt,
						   &error));
	gp_test_assert_hex(crypt, 8, "E4EDBA35E629C336");
	g_assert_true(tok_gp_scp03_host_cryptogram(crypto,
						   tok_gp_session_keys_get_mac(sk),
						   hc,
						   cc,
						   crypt,
						   &error));
	gp_test_assert_hex(crypt, 8, "23EBFEDC579D22CD");
	g_assert_no_error(error);
}

/* scp03Test.c (i=70: pseudo-random card challenge over sequence counter || ISD AID
 * A000000151000000): card challenges 3C80C2CC87EB3A35 (counter 00001E, mutual_auth) and
 * C40932A6FEFEAEB2 (counter 000015, delete_application). */
static void
test_card_challenge_kaoh(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) enc = gp_test_secret(KAOH_ENC);
	g_autoptr(GError) error = NULL;
	guint8 aid[8], cc[8];

	gp_test_hex_into(ISD_AID, aid, 8);
	g_assert_true(tok_gp_scp03_card_challenge(crypto, enc, 0x1E, aid, 8, cc, &error));
	g_assert_no_error(error);
	gp_test_assert_hex(cc, 8, "3C80C2CC87EB3A35");
	g_assert_true(tok_gp_scp03_card_challenge(crypto, enc, 0x15, aid, 8, cc, &error));
	gp_test_assert_hex(cc, 8, "C40932A6FEFEAEB2");
	g_assert_false(tok_gp_scp03_card_challenge(crypto, enc, 0x1000000, aid, 8, cc, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_gp_scp03_card_challenge(crypto, enc, 1, aid, 4, cc, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

/* Card traces recorded by the GlobalPlatform library, kaoh/globalplatform
 * globalplatform/src/scp03Test.c, all at security level 03 (encrypt, then MAC; the
 * encryption counter starts at 1 after EXTERNAL AUTHENTICATE). */

/* scp03Test.c mutual_auth() */
static void
test_trace_mutual_auth(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = kaoh_keys();
	const GpTrace t = {
	    .scp = TOK_GP_SCP03,
	    .host_challenge = "9BD6BF878FB8E991",
	    .response = "00000000000000000000 300370 3C80C2CC87EB3A35 E4EDBA35E629C336 00001E",
	    .level = 0x03,
	    .external_authenticate = "8482030010 23EBFEDC579D22CD CDB6A25A5FF7891F",
	    .aid = ISD_AID,
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp03Test.c delete_application(): one DELETE of A0010001514143 4C, no Le */
static void
test_trace_delete(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = kaoh_keys();
	const GpTraceCommand cmds[] = {
	    {"80E400800A4F08A00100015141434C",
	     "84E4008018 29F06AEC3180B3EFE91FF662310B945D E0D5FE66AD67A5B6"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP03,
	    .host_challenge = "B2BDE1A2DC66BD56",
	    .response = "00000000000000000000 300370 C40932A6FEFEAEB2 E127185170F45FCA 000015",
	    .level = 0x03,
	    .external_authenticate = "8482030010 59D54D932423D29F 6313C970875F8C2F",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	    .aid = ISD_AID,
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp03Test.c get_status() */
static void
test_trace_get_status(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = kaoh_keys();
	const GpTraceCommand cmds[] = {
	    {"80F24002024F0000", "84F2400218 D18C9A7BB2B1B1C7ED1B24E1B1307CB9 D71A66ABC55CBC3A 00"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP03,
	    .host_challenge = "A6D40AEC55FE7986",
	    .response = "00000000000000000000 300370 B6E362D0F90F8101 C34B7B21A7455320 000025",
	    .level = 0x03,
	    .external_authenticate = "8482030010 3D958B36BB38AE58 96A559345F81471A",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	    .aid = ISD_AID,
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp03Test.c get_status_enc_mac(): four chained commands (counter 1..4). */
static void
test_trace_get_status_chain(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = kaoh_keys();
	const GpTraceCommand cmds[] = {
	    {"80F22002024F0000", "84F2200218705C4D16C7BAC5496AEE0ED9963222455472F3CFAC97BCCA00"},
	    {"80F24002024F0000", "84F240021834AF0FEDDAE7C07308600587E1B1E6EC87811520D9A6AAAD00"},
	    {"80F28002024F0000", "84F28002188D6CFE9EB359EACB9594D8EC161E45C10ED0138E34A10BF300"},
	    {"80F21002024F0000", "84F21002183D98B6DE9CBF3905EAE4FAF5E141C58DAB7013D1076745C700"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP03,
	    .host_challenge = "DA2390D378D94B0A",
	    .response = "00000000000000000000 300370 A7EFE2BFDB3A27A6 EAE3FF0EA0D17524 000085",
	    .level = 0x03,
	    .external_authenticate = "8482030010 953EEC5B4A81BF39 3ADC2ADFD638827A",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	    .aid = ISD_AID,
	};
	gp_test_run_trace(crypto, keys, &t);
}

/* scp03Test.c get_status_aes_192(): AES-192 keys, i=10. */
static void
test_trace_aes192(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) key =
	    gp_test_secret("DE2A3629CBC24E8D8869E82C8B4C0D874D88166B6F8A1C12");
	g_autoptr(TokGpKeySet) keys =
	    tok_gp_key_set_new(TOK_GP_KEY_TYPE_AES, key, key, key, &error);
	const GpTraceCommand cmds[] = {
	    {"80F22002024F0000", "84F2200218110C222888859059700E5D42AD65F41299B0BFFC03BF79A800"},
	};
	const GpTrace t = {
	    .scp = TOK_GP_SCP03,
	    .host_challenge = "4157115CAD7D2FE7",
	    .response = "00008301A8186727A822 020310 726B1E22EED4F4BB AB21001BFD4B6F02 000012",
	    .level = 0x03,
	    .external_authenticate = "8482030010 9B126D1B1557297F 3C06766CA9ACBD27",
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	    .aid = ISD_AID,
	};
	g_assert_no_error(error);
	gp_test_run_trace(crypto, keys, &t);
}

/* osmocom/pysim tests/unittests/test_globalplatform.py, classes
 * SCP03_Test_AES{128,192,256}_{11,03}: key sets 00 01 .. / 10 11 .. / 20 21 .. (ENC / MAC / DEK) of
 * 16, 24 and 32 bytes; security level 11 (C-MAC + R-MAC: the GET EID response carries an R-MAC made
 * with S-RMAC) and 03; each session wraps GET EID then the four APDU cases, in this order (test_04
 * .. test_06). */
typedef struct {
	const gchar *name;
	gsize key_len;
	const gchar *host_challenge;
	const gchar *response;
	guint8 level;
	const gchar *external_authenticate;
	const gchar *get_eid;
	const gchar *get_eid_rsp; /* level 11: with R-MAC */
	const gchar *cases[4];
} PysimVector;

static const PysimVector pysim_vectors[] = {
    {"AES128_11",
     16,
     "b13e5f938fc108c4",
     "00000000000000000000 300370 3eb51047495b249f 66c484c1d2ef1948 000002",
     0x11,
     "8482110010 7d5f5826a993ebc8 9eea24957fa0b3ce",
     "84e291000ebf3e035c015a558d036518a2829700",
     "bf3e125a1089882119900000000000000000000005 971be68992dbbdfa 9000",
     {"84f220020863a63f8959827fb2",
      "84ca006608a0c6a4a74166f7ce00",
      "84f22002124f0212345c054f9f70c52249b50272656536",
      "84f280020a4f00e91443f6dce6b8ed00"}},
    {"AES128_03",
     16,
     "8e1552d0513c60f3",
     "00000000000000000000 300370 30760cd2c47c1dd3 95065fe5ead8a9d7 000001",
     0x03,
     "8482030010 fd4721a14d9b0700 3c451d2f8ae6bb21",
     "84e2910018ca9c00f6713d79bc8baa642bdff51c3f6a4082d3bd9ad26c00",
     NULL,
     {"84f2200208c9811b11f1264cf1",
      "84ca006608e10ab60b3054798800",
      "84f22002184e2908bdb48b2315a55482e9e936ca122d6ecfae7d17416e",
      "84f28002180dd10a6b6193e5340b9e77d32d5a179cd710ac2773aefb2800"}},
    {"AES192_11",
     24,
     "7396430b768b085b",
     "00000000000000000000 310370 8cfc23522ffdbf1e 5df5542cac8fd866 000003",
     0x11,
     "8482110010 2145ed30b146f5db 252fb7e624cec244",
     "84e291000ebf3e035c015aff42cf801d14394400",
     "bf3e125a1089882119900000000000000000000005 162fbd33e04940a9 9000",
     {"84f22002084584e4f6784811ee",
      "84ca006608937776ebe190fa3000",
      "84f22002124f0212345c054f9f70c59a52bddf3040368c",
      "84f280020a4f009804b11411f7393d00"}},
    {"AES192_03",
     24,
     "69c65da8202bf19f",
     "00000000000000000000 310370 b570a67be3844671 7729d6dd3d2ec5b1 000001",
     0x03,
     "8482030010 65df4f1a356a8879 05466516d9e5b7c1",
     "84e2910018d2c6fb477c5d4afe4fd4d21f17eff10d3578ec1774a12a2d00",
     NULL,
     {"84f2200208964e188f0b1bb697",
      "84ca006608f0820035a41d3e1800",
      "84f220021806b076ed452cd1fa84f77f5c08a146aa77a9286757dea791",
      "84f2800218d06527e39222dce091fabdb8e9b898417a67a6852d3577db00"}},
    {"AES256_11",
     32,
     "11666d57866c6f54",
     "00000000000000000000 320370 53ea8847efa7674e 41498a4d66cf0dee 000003",
     0x11,
     "8482110010 2f2ad190eff2fafc 4908996d1cebd310",
     "84e291000ebf3e035c015af4b680372542b59d00",
     "bf3e125a1089882119900000000000000000000005 8012dd7f01f1c4c1 9000",
     {"84f2200208d618b7da68d5fe52",
      "84ca0066088f3e055db23ad5e500",
      "84f22002124f0212345c054f9f70c5b6e15cc42404915e",
      "84f280020a4f00aa124aa74afe7f7500"}},
    {"AES256_03",
     32,
     "c6066990fc426e1d",
     "00000000000000000000 320370 8682cd81bbd8919f 2de3f2664581f118 000001",
     0x03,
     "8482030010 77c493b632edadaf 865a1e64acc07ce9",
     "84e29100183ddaa60594963befaada3525b492ede23c2ab2c1ce3afe4400",
     NULL,
     {"84f2200208480ddc8e419da38d",
      "84ca0066083e9d6a6c0b2d732000",
      "84f22002183ebfef2da8b04af2a85f491f299b76973df76ff08a4031be",
      "84f2800218783fff80990f5585b1055010ea95094a26e4a8f1ef4b18e100"}},
};

static TokSecret *
pysim_key(guint8 first, gsize len)
{
	guint8 k[32];
	for (gsize i = 0; i < len; i++)
		k[i] = (guint8)(first + (i % 16));
	return tok_secret_new_from_data(k, len);
}

static void
test_trace_pysim(gconstpointer user_data)
{
	const PysimVector *v = user_data;
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) enc = pysim_key(0x00, v->key_len);
	g_autoptr(TokSecret) mac = pysim_key(0x10, v->key_len);
	g_autoptr(TokSecret) dek = pysim_key(0x20, v->key_len);
	g_autoptr(TokGpKeySet) keys =
	    tok_gp_key_set_new(TOK_GP_KEY_TYPE_AES, enc, mac, dek, &error);
	g_autofree gchar *eid_plain_rsp = NULL;
	GpTraceCommand cmds[5] = {
	    {"80E2910006BF3E035C015A00", v->get_eid, NULL, NULL},
	    {"80F22002", v->cases[0], NULL, NULL},
	    {"80ca006600", v->cases[1], NULL, NULL},
	    {"80F220020a4f0212345c054f9f70c5", v->cases[2], NULL, NULL},
	    {"80f28002024f0000", v->cases[3], NULL, NULL},
	};
	GpTrace t = {
	    .scp = TOK_GP_SCP03,
	    .host_challenge = v->host_challenge,
	    .response = v->response,
	    .level = v->level,
	    .external_authenticate = v->external_authenticate,
	    .commands = cmds,
	    .n_commands = G_N_ELEMENTS(cmds),
	};

	g_assert_no_error(error);
	if (v->get_eid_rsp != NULL) {
		eid_plain_rsp = g_strdup("bf3e125a1089882119900000000000000000000005 9000");
		cmds[0].rsp_plain = eid_plain_rsp;
		cmds[0].rsp_wrapped = v->get_eid_rsp;
	}
	gp_test_run_trace(crypto, keys, &t);
}

static void
test_encrypt(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) key = gp_test_secret(DEFAULT_KEY);
	g_autoptr(GError) error = NULL;
	guint8 data[40];

	for (guint i = 0; i < sizeof(data); i++)
		data[i] = (guint8)(i * 7);
	for (gsize n = 0; n <= sizeof(data); n++) {
		g_autoptr(GBytes) c = tok_gp_scp03_encrypt(crypto, key, 5, data, n, &error);
		g_autoptr(GBytes) p = NULL;
		g_autoptr(GBytes) other = NULL;
		g_assert_no_error(error);
		if (n == 0) {
			g_assert_cmpuint(g_bytes_get_size(c), ==, 0);
			continue;
		}
		g_assert_cmpuint(g_bytes_get_size(c), ==, (n / 16 + 1) * 16);
		p = tok_gp_scp03_decrypt(crypto,
					 key,
					 5,
					 g_bytes_get_data(c, NULL),
					 g_bytes_get_size(c),
					 &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(p, data, n));
		/* the counter is part of the IV */
		other = tok_gp_scp03_decrypt(crypto,
					     key,
					     6,
					     g_bytes_get_data(c, NULL),
					     g_bytes_get_size(c),
					     &error);
		if (other != NULL)
			g_assert_false(tok_bytes_equal_data(other, data, n));
		g_clear_error(&error);
	}
}

static void
test_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokSecret) key = gp_test_secret(DEFAULT_KEY);
	g_autoptr(TokSecret) bad = gp_test_secret("404142434445464748494A4B4C4D4E");
	const guint8 zero[32] = {0};
	guint8 out[32];

	{
		g_autoptr(GError) error = NULL;
		g_assert_false(
		    tok_gp_scp03_kdf(crypto, zero, 16, 0x04, 100, zero, 16, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(
		    tok_gp_scp03_kdf(crypto, zero, 16, 0x04, 128, zero, 65, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp03_decrypt(crypto, key, 1, zero, 15, &error);
		g_assert_null(p);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) p = tok_gp_scp03_decrypt(crypto, key, 1, zero, 16, &error);
		g_assert_null(p); /* garbage padding */
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokSecret) sk =
		    tok_gp_scp03_derive_session_key(crypto, bad, 0x04, zero, zero, &error);
		g_assert_null(sk);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(tok_gp_scp03_compute_mac(crypto, bad, zero, zero, 4, out, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) des = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
		g_autoptr(TokGpSessionKeys) sk =
		    tok_gp_scp03_derive_session_keys(crypto, des, zero, zero, &error);
		g_assert_null(sk);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/gp/scp03/kdf/gpp", test_kdf_gpp);
	g_test_add_func("/tok/gp/scp03/session-keys/kaoh", test_session_keys_kaoh);
	g_test_add_func("/tok/gp/scp03/card-challenge/kaoh", test_card_challenge_kaoh);
	g_test_add_func("/tok/gp/scp03/trace/mutual-auth", test_trace_mutual_auth);
	g_test_add_func("/tok/gp/scp03/trace/delete", test_trace_delete);
	g_test_add_func("/tok/gp/scp03/trace/get-status", test_trace_get_status);
	g_test_add_func("/tok/gp/scp03/trace/get-status-chain", test_trace_get_status_chain);
	g_test_add_func("/tok/gp/scp03/trace/aes192", test_trace_aes192);
	for (guint i = 0; i < G_N_ELEMENTS(pysim_vectors); i++) {
		g_autofree gchar *path =
		    g_strdup_printf("/tok/gp/scp03/trace/pysim-%s", pysim_vectors[i].name);
		g_test_add_data_func(path, &pysim_vectors[i], test_trace_pysim);
	}
	g_test_add_func("/tok/gp/scp03/encrypt", test_encrypt);
	g_test_add_func("/tok/gp/scp03/errors", test_errors);
	return g_test_run();
}
