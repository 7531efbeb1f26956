/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * End to end through the real PC/SC stack: personalise an esc-vcard card (libtok +
 * libtok-gp over SCardTransmit, pcsc-personalise.c), then let stock middleware use it:
 * pkcs11-tool with OpenSC's module and with CoolKey's lists the certificate and the keys,
 * logs in with the PIN and signs, and the signature verifies with the certificate's key.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <string.h>

#include "pcsc-personalise.h"
#include "th-pcsc.h"
#include "tok-bytes.h"
#include "tok-coolkey-object.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"

#define TEST_PIN	"246810"
#define TEST_ISSUER_URL "http://127.0.0.1:8080/tps/phoneHome"
#define PKCS11_TIMEOUT	60000

static gchar *
random_cuid(void)
{
	guint8 cuid[10];

	g_assert_cmpint(RAND_bytes(cuid, sizeof(cuid)), ==, 1);
	return tok_hex_encode(cuid, sizeof(cuid), TRUE);
}

/* Runs pkcs11-tool with @module and the NULL-terminated arguments; asserts exit 0. */
static gchar *
pkcs11_tool(ThPcsc *pcsc, const gchar *module, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *arg;
	gint status = -1;
	va_list args;

	g_ptr_array_add(argv, (gpointer) "pkcs11-tool");
	g_ptr_array_add(argv, (gpointer) "--module");
	g_ptr_array_add(argv, (gpointer)module);
	va_start(args, module);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(args);
	g_ptr_array_add(argv, NULL);
	g_assert_true(th_pcsc_run(pcsc,
				  (const gchar *const *)argv->pdata,
				  PKCS11_TIMEOUT,
				  &status,
				  &out,
				  &err,
				  &error));
	g_assert_no_error(error);
	if (status != 0)
		g_test_message("pkcs11-tool (%s) failed:\n%s%s", module, out, err);
	g_assert_cmpint(status, ==, 0);
	return g_steal_pointer(&out);
}

static void
check_with_module(ThPcsc *pcsc,
		  const gchar *module,
		  const PcscPersonaliseParams *params,
		  PcscPersonalisation *perso)
{
	g_autofree gchar *in_path = g_build_filename(th_pcsc_get_dir(pcsc), "to-sign.bin", NULL);
	g_autofree gchar *sig_path = g_build_filename(th_pcsc_get_dir(pcsc), "signature.bin", NULL);
	g_autofree gchar *slots = NULL;
	g_autofree gchar *public_objects = NULL;
	g_autofree gchar *all_objects = NULL;
	g_autofree gchar *signed_out = NULL;
	g_autofree gchar *sig = NULL;
	g_autofree gchar *cn = g_strdup_printf("CN=%s", params->common_name);
	g_autoptr(GBytes) message = g_bytes_new_static("the quick brown fox", 19);
	g_autoptr(GBytes) digest_info = pcsc_sha256_digest_info(message);
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(X509) cert = NULL;
	g_autoptr(GError) error = NULL;
	gsize sig_len = 0;

	g_test_message("checking the card with %s", module);
	slots = pkcs11_tool(pcsc, module, "--list-slots", NULL);
	g_assert_nonnull(strstr(slots, "token label"));

	/* without login: the certificate and the public key */
	public_objects = pkcs11_tool(pcsc, module, "--list-objects", NULL);
	g_assert_nonnull(strstr(public_objects, "Certificate Object"));
	g_assert_nonnull(strstr(public_objects, cn));
	/* OpenSC takes the modulus from the certificate; CoolKey reports 0 bits for a public
	 * key record without CKA_MODULUS (the TPS's z0 records carry none) */
	g_assert_nonnull(strstr(public_objects, "Public Key Object; RSA"));
	if (g_strcmp0(module, TH_PCSC_OPENSC_PKCS11) == 0)
		g_assert_nonnull(strstr(public_objects, "Public Key Object; RSA 2048 bits"));
	g_assert_nonnull(strstr(public_objects, "ID:"));

	/* with the PIN: the private key too */
	all_objects =
	    pkcs11_tool(pcsc, module, "--login", "--pin", params->pin, "--list-objects", NULL);
	g_assert_nonnull(strstr(all_objects, "Private Key Object; RSA"));
	g_assert_nonnull(strstr(all_objects, "Certificate Object"));

	/* sign DigestInfo(SHA-256(message)) with CKM_RSA_PKCS: an RSA-SHA256 signature */
	g_assert_true(g_file_set_contents(in_path,
					  g_bytes_get_data(digest_info, NULL),
					  (gssize)g_bytes_get_size(digest_info),
					  NULL));
	g_unlink(sig_path);
	signed_out = pkcs11_tool(pcsc,
				 module,
				 "--login",
				 "--pin",
				 params->pin,
				 "--sign",
				 "--mechanism",
				 "RSA-PKCS",
				 "--id",
				 "01",
				 "--input-file",
				 in_path,
				 "--output-file",
				 sig_path,
				 NULL);
	g_assert_true(g_file_get_contents(sig_path, &sig, &sig_len, NULL));
	g_assert_cmpuint(sig_len, ==, 256);
	signature = g_bytes_new(sig, sig_len);
	cert = pcsc_x509_from_der(perso->certificate, &error);
	g_assert_no_error(error);
	g_assert_true(
	    pcsc_verify_rsa(X509_get0_pubkey(cert), "SHA256", message, signature, &error));
	g_assert_no_error(error);
}

/* What the personaliser wrote, read back in the clear: life cycle, issuer info, the one
 * object z0 (anonymous READ OBJECT with the all-zero nonce) decoding to the certificate. */
static void
check_card_contents(ThPcsc *pcsc, const PcscPersonaliseParams *params, PcscPersonalisation *perso)
{
	const guint8 zero_nonce[TOK_COOLKEY_NONCE_SIZE] = {0};
	g_autoptr(GBytes) nonce = g_bytes_new(zero_nonce, sizeof(zero_nonce));
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = th_card_connect_slot(pcsc, 0, &error);
	g_autoptr(TokApdu) get_lc = tok_coolkey_apdu_get_lifecycle(FALSE);
	g_autoptr(TokApdu) get_issuer = tok_coolkey_apdu_get_issuer_info();
	g_autoptr(TokApdu) list_first = tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST);
	g_autoptr(TokApdu) list_next = tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_NEXT);
	g_autoptr(GBytes) lc = NULL;
	g_autoptr(GBytes) issuer = NULL;
	g_autoptr(GBytes) entry = NULL;
	g_autoptr(TokApduResponse) end = NULL;
	g_autoptr(GPtrArray) reads = NULL;
	g_autoptr(GByteArray) z0 = g_byte_array_new();
	g_autoptr(TokCoolkeyObjectSet) set = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autofree gchar *url = NULL;
	TokCoolkeyLifecycle lifecycle;
	TokCoolkeyObjectInfo info;

	g_assert_no_error(error);
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_no_error(error);
	lc = th_card_command(card, get_lc, "GET LIFECYCLE", &error);
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_parse_lifecycle(g_bytes_get_data(lc, NULL),
						  g_bytes_get_size(lc),
						  &lifecycle,
						  &error));
	g_assert_cmphex(lifecycle.state, ==, TOK_COOLKEY_LIFECYCLE_PERSONALIZED);
	issuer = th_card_command(card, get_issuer, "GET ISSUER INFO", &error);
	g_assert_no_error(error);
	url = tok_coolkey_parse_issuer_info(g_bytes_get_data(issuer, NULL),
					    g_bytes_get_size(issuer),
					    &error);
	g_assert_cmpstr(url, ==, params->issuer_url);

	entry = th_card_command(card, list_first, "LIST OBJECTS", &error);
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_parse_object_entry(g_bytes_get_data(entry, NULL),
						     g_bytes_get_size(entry),
						     &info,
						     &error));
	g_assert_cmphex(info.object_id, ==, TOK_COOLKEY_OBJECT_ID_COMBINED);
	g_assert_cmphex(info.acl.read_acl, ==, TOK_COOLKEY_ACL_ANYONE);
	g_assert_cmphex(info.acl.write_acl, ==, TOK_COOLKEY_ACL_RA);
	end = th_card_transmit(card, list_next, &error);
	g_assert_no_error(error);
	g_assert_cmphex(tok_apdu_response_get_sw(end), ==, 0x9C12); /* the only object */

	reads = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_CLEAR,
						  info.object_id,
						  0,
						  info.size,
						  nonce,
						  FALSE,
						  &error);
	g_assert_no_error(error);
	for (guint i = 0; i < reads->len; i++) {
		g_autoptr(GBytes) chunk =
		    th_card_command(card, g_ptr_array_index(reads, i), "READ OBJECT z0", &error);
		g_assert_no_error(error);
		tok_byte_array_append_bytes(z0, chunk);
	}
	set = tok_coolkey_object_set_decode(z0->data, z0->len, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(tok_coolkey_object_set_get_token_name(set), ==, params->token_name);
	g_assert_cmpuint(tok_coolkey_object_set_get_object_version(set), ==, perso->object_version);
	g_assert_true(g_bytes_equal(tok_coolkey_object_set_get_cuid(set), perso->cuid));
	g_assert_cmpuint(tok_coolkey_object_set_get_n_records(set), ==, 3);
	certs = tok_coolkey_object_set_get_certificates(set);
	g_assert_cmpuint(certs->len, ==, 1);
	g_assert_true(g_bytes_equal(g_ptr_array_index(certs, 0), perso->certificate));
}

static void
test_personalise(ThPcscFixture *f, gconstpointer data)
{
	const gchar *scp = data;
	const gchar *tools[] = {"pkcs11-tool"};
	const gchar *modules[] = {TH_PCSC_OPENSC_PKCS11, TH_PCSC_COOLKEY_PKCS11};
	g_autofree gchar *cuid = random_cuid();
	g_autofree gchar *token_name = g_strdup_printf("Test Token SCP0%s", scp);
	g_autofree gchar *common_name = g_strdup_printf("Test User %s", cuid);
	g_autofree gchar *cuid_hex = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(PcscCa) ca = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(PcscPersonalisation) perso = NULL;
	g_autoptr(X509) cert = NULL;
	PcscPersonaliseParams params = {
	    .pin = TEST_PIN,
	    .pin_tries = 5,
	    .token_name = token_name,
	    .common_name = common_name,
	    .issuer_url = TEST_ISSUER_URL,
	    .key_size = 2048,
	};

	if (f->pcsc == NULL)
		return;
	for (guint i = 0; i < G_N_ELEMENTS(tools); i++) {
		g_autofree gchar *path = g_find_program_in_path(tools[i]);
		if (path == NULL) {
			g_test_skip("pkcs11-tool is not installed (package opensc)");
			return;
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(modules); i++) {
		if (!g_file_test(modules[i], G_FILE_TEST_EXISTS)) {
			g_autofree gchar *msg = g_strdup_printf("%s is not installed", modules[i]);
			g_test_skip(msg);
			return;
		}
	}
	g_assert_nonnull(
	    th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", scp, "--cuid", cuid, NULL));
	g_assert_no_error(error);
	ca = pcsc_ca_new("Throwaway Test CA", &error);
	g_assert_no_error(error);
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);

	perso = pcsc_personalise(card, ca, &params, &error);
	g_assert_no_error(error);
	g_assert_nonnull(perso);
	g_assert_cmpint(perso->scp, ==, (gint)g_ascii_strtoll(scp, NULL, 10));
	cuid_hex = tok_hex_encode_bytes(perso->cuid, TRUE);
	g_assert_cmpstr(cuid_hex, ==, cuid);
	g_clear_pointer(&card, th_card_free);

	/* the certificate is the CA's and certifies the key the card generated */
	cert = pcsc_x509_from_der(perso->certificate, &error);
	g_assert_no_error(error);
	g_assert_cmpint(X509_verify(cert, X509_get0_pubkey(pcsc_ca_get_certificate(ca))), ==, 1);
	g_assert_cmpint(EVP_PKEY_eq(X509_get0_pubkey(cert), perso->public_key), ==, 1);

	check_card_contents(f->pcsc, &params, perso);
	for (guint i = 0; i < G_N_ELEMENTS(modules); i++)
		check_with_module(f->pcsc, modules[i], &params, perso);
	g_assert_true(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_no_error(error);
}

/* The personaliser stops at the secure channel when its key set is not the card's. */
static void
test_personalise_wrong_keys(ThPcscFixture *f, gconstpointer data)
{
	const guint8 wrong[16] = {0x01,
				  0x02,
				  0x03,
				  0x04,
				  0x05,
				  0x06,
				  0x07,
				  0x08,
				  0x09,
				  0x0A,
				  0x0B,
				  0x0C,
				  0x0D,
				  0x0E,
				  0x0F,
				  0x10};
	g_autoptr(GError) error = NULL;
	g_autoptr(PcscCa) ca = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(PcscPersonalisation) perso = NULL;
	PcscPersonaliseParams params = {
	    .pin = TEST_PIN,
	    .pin_tries = 5,
	    .token_name = "never",
	    .common_name = "never",
	    .issuer_url = TEST_ISSUER_URL,
	    .key_size = 2048,
	};

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "3", NULL));
	g_assert_no_error(error);
	ca = pcsc_ca_new("Throwaway Test CA", &error);
	g_assert_no_error(error);
	keys = tok_gp_key_set_new_from_data(TOK_GP_KEY_TYPE_AES, wrong, sizeof(wrong), &error);
	g_assert_no_error(error);
	params.keys = keys;
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	perso = pcsc_personalise(card, ca, &params, &error);
	g_assert_null(perso);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	g_assert_nonnull(strstr(error->message, "secure channel"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/pcsc/personalise/scp01", "1", test_personalise);
	TH_PCSC_TEST_ADD("/pcsc/personalise/scp02", "2", test_personalise);
	TH_PCSC_TEST_ADD("/pcsc/personalise/scp03", "3", test_personalise);
	TH_PCSC_TEST_ADD("/pcsc/personalise/wrong-keys", NULL, test_personalise_wrong_keys);
	return g_test_run();
}
