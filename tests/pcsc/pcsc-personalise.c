/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "pcsc-personalise.h"

#include "tok-gp-put-key.h"

#include "tok-bytes.h"
#include "tok-coolkey-object.h"
#include "tok-coolkey-apdu.h"
#include "tok-cplc.h"
#include "tok-error.h"
#include "tok-gp-apdu.h"

#define PCSC_SIGNING_CERT_INDEX 1 /* c1, private key k2, public key k3 */

void
pcsc_personalisation_free(PcscPersonalisation *result)
{
	if (result == NULL)
		return;
	g_clear_pointer(&result->cuid, g_bytes_unref);
	g_clear_pointer(&result->certificate, g_bytes_unref);
	g_clear_pointer(&result->public_key, EVP_PKEY_free);
	g_free(result);
}

GBytes *
pcsc_read_cuid(ThCard *card, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(TokApdu) select = tok_gp_apdu_select(tok_gp_aid_isd_gp211.bytes,
						       tok_gp_aid_isd_gp211.len,
						       TRUE,
						       &error_local);
	g_autoptr(TokApdu) get_data = tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) fci = NULL;
	g_autoptr(TokCplc) cplc = NULL;

	if (select == NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	fci = th_card_command(card, select, "SELECT card manager", error);
	if (fci == NULL)
		return NULL;
	response = th_card_transmit(card, get_data, error);
	if (response == NULL)
		return NULL;
	cplc = tok_cplc_parse_response(response, TOK_CPLC_PARSE_FLAG_NONE, error);
	if (cplc == NULL) {
		g_prefix_error(error, "GET DATA CPLC: ");
		return NULL;
	}
	return g_bytes_new(cplc->cuid, sizeof(cplc->cuid));
}

gboolean
pcsc_select_coolkey(ThCard *card, GError **error)
{
	g_autoptr(TokApdu) select = tok_coolkey_apdu_select();
	g_autoptr(GBytes) data = th_card_command(card, select, "SELECT CoolKey", error);

	return data != NULL;
}

/* CREATE PIN (9C10 if it exists is fine, as for the TPS) and SET PIN. */
static gboolean
pcsc_personalise_pin(ThCard *card, const PcscPersonaliseParams *params, GError **error)
{
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(params->pin);
	g_autoptr(TokApdu) create = tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE,
								0,
								params->pin_tries,
								pin,
								NULL,
								error);
	g_autoptr(TokApdu) set = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) data = NULL;

	if (create == NULL)
		return FALSE;
	response = th_card_transmit_secure(card, create, error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) != 0x9000 &&
	    tok_apdu_response_get_sw(response) != 0x9C10) {
		tok_apdu_response_check(response, "CREATE PIN", error);
		return FALSE;
	}
	set = tok_coolkey_apdu_set_pin(0, pin, error);
	if (set == NULL)
		return FALSE;
	data = th_card_command_secure(card, set, "SET PIN", error);
	return data != NULL;
}

/* The challenge wrapped with the card's static KEK, as the TKS's encryptData does
 * (protocol.md 3.9): 3DES-ECB (SCP01, SCP02) or AES-CBC with a zero IV (SCP03). */
static GBytes *
pcsc_wrap_challenge(ThCard *card, const TokGpKeySet *keys, TokSecret *challenge, GError **error)
{
	TokGpScp scp = tok_gp_session_get_scp(th_card_get_session(card));
	TokGpCrypto *crypto = th_card_get_crypto(card, error);
	g_autoptr(TokGpKeySet) default_keys = NULL;

	if (crypto == NULL)
		return NULL;
	if (keys == NULL)
		keys = default_keys = th_card_default_keys(scp);
	return tok_gp_challenge_wrap(crypto,
				     scp,
				     tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK),
				     challenge,
				     error);
}

/* GENERATE KEY, READ OBJECT of the I/O buffer, proof check: the public key. */
static EVP_PKEY *
pcsc_personalise_keygen(ThCard *card, const PcscPersonaliseParams *params, GError **error)
{
	const TokCoolkeyKeyPair pair = {.owner = 0, .private_key = 2, .usage = 0, .public_key = 3};
	g_autoptr(TokSecret) challenge = NULL;
	g_autoptr(GBytes) challenge_bytes = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(TokApdu) generate = NULL;
	g_autoptr(GBytes) length = NULL;
	g_autoptr(GPtrArray) reads = NULL;
	g_autoptr(GByteArray) blob = g_byte_array_new();
	g_autoptr(TokCoolkeyKeygenResult) result = NULL;
	g_autoptr(GBytes) proof_data = NULL;
	g_autoptr(EVP_PKEY) key = NULL;
	guint16 result_len = 0;

	challenge = tok_secret_new_random(TOK_COOLKEY_CHALLENGE_SIZE, error);
	if (challenge == NULL)
		return NULL;
	challenge_bytes = tok_secret_to_wiped_bytes(challenge);
	wrapped = pcsc_wrap_challenge(card, params->keys, challenge, error);
	if (wrapped == NULL)
		return NULL;
	generate =
	    tok_coolkey_apdu_generate_key_rsa(&pair, params->key_size, wrapped, FALSE, error);
	if (generate == NULL)
		return NULL;
	length = th_card_command_secure(card, generate, "GENERATE KEY", error);
	if (length == NULL)
		return NULL;
	if (!tok_coolkey_parse_generate_key_response(g_bytes_get_data(length, NULL),
						     g_bytes_get_size(length),
						     &result_len,
						     error))
		return NULL;
	reads = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE,
						  TOK_COOLKEY_OBJECT_ID_IOBUF,
						  0,
						  result_len,
						  NULL,
						  FALSE,
						  error);
	if (reads == NULL)
		return NULL;
	for (guint i = 0; i < reads->len; i++) {
		g_autoptr(GBytes) chunk = th_card_command_secure(card,
								 g_ptr_array_index(reads, i),
								 "READ OBJECT FFFFFFFF",
								 error);
		if (chunk == NULL)
			return NULL;
		tok_byte_array_append_bytes(blob, chunk);
	}
	result = tok_coolkey_keygen_result_parse(blob->data, blob->len, error);
	if (result == NULL)
		return NULL;
	if (result->type != TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC ||
	    result->key_size != params->key_size) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key generation returned blob type %02X of %u bits",
			    result->type,
			    result->key_size);
		return NULL;
	}
	key = pcsc_rsa_public_key(result->modulus, result->exponent, error);
	if (key == NULL)
		return NULL;
	if (EVP_PKEY_get_bits(key) != params->key_size) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "the generated modulus has %d bits, not %u",
			    EVP_PKEY_get_bits(key),
			    params->key_size);
		return NULL;
	}
	/* proof of possession: RSA-SHA1 over pubBlob || challenge (protocol.md 4.5) */
	proof_data = tok_coolkey_keygen_result_get_proof_data(result, challenge_bytes);
	if (!pcsc_verify_rsa(key, "SHA1", proof_data, result->signature, error)) {
		g_prefix_error(error, "proof of possession: ");
		return NULL;
	}
	return g_steal_pointer(&key);
}

/* CREATE OBJECT z0 + WRITE OBJECT in chunks. */
static gboolean
pcsc_personalise_write_z0(ThCard *card, GBytes *z0, GError **error)
{
	const TokCoolkeyObjectAcl acl = TOK_COOLKEY_OBJECT_ACL_PKCS11;
	g_autoptr(TokApdu) create = tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE,
								   TOK_COOLKEY_OBJECT_ID_COMBINED,
								   (guint32)g_bytes_get_size(z0),
								   &acl,
								   NULL,
								   error);
	g_autoptr(GBytes) done = NULL;
	g_autoptr(GPtrArray) writes = NULL;

	if (create == NULL)
		return FALSE;
	done = th_card_command_secure(card, create, "CREATE OBJECT z0", error);
	if (done == NULL)
		return FALSE;
	writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE,
						      TOK_COOLKEY_OBJECT_ID_COMBINED,
						      0,
						      z0,
						      NULL,
						      error);
	if (writes == NULL)
		return FALSE;
	for (guint i = 0; i < writes->len; i++) {
		g_autoptr(GBytes) ok = th_card_command_secure(card,
							      g_ptr_array_index(writes, i),
							      "WRITE OBJECT z0",
							      error);
		if (ok == NULL)
			return FALSE;
	}
	return TRUE;
}

static PcscPersonalisation *
pcsc_personalise_steps(ThCard *card,
		       PcscCa *ca,
		       const PcscPersonaliseParams *params,
		       GError **error)
{
	g_autoptr(PcscPersonalisation) out = g_new0(PcscPersonalisation, 1);
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(GBytes) z0 = NULL;
	g_autoptr(TokApdu) issuer = NULL;
	g_autoptr(TokApdu) lifecycle =
	    tok_coolkey_apdu_set_lifecycle(TOK_COOLKEY_LIFECYCLE_PERSONALIZED);
	g_autoptr(GBytes) done = NULL;
	TokCoolkeyCertificateSpec spec = {
	    .index = PCSC_SIGNING_CERT_INDEX,
	    .label = params->common_name,
	    .key_type = TOK_CKK_RSA,
	    .usage = TOK_COOLKEY_KEY_USAGE_SIGNING,
	};

	out->cuid = pcsc_read_cuid(card, error);
	if (out->cuid == NULL)
		return NULL;
	if (!pcsc_select_coolkey(card, error))
		return NULL;
	if (!th_card_open_secure_channel(card, params->keys, 0x00, 0x03, error)) {
		g_prefix_error(error, "secure channel: ");
		return NULL;
	}
	out->scp = tok_gp_session_get_scp(th_card_get_session(card));
	if (!pcsc_personalise_pin(card, params, error))
		return NULL;
	out->public_key = pcsc_personalise_keygen(card, params, error);
	if (out->public_key == NULL)
		return NULL;
	out->certificate = pcsc_ca_issue(ca, out->public_key, params->common_name, error);
	if (out->certificate == NULL)
		return NULL;

	/* z0: token name, CUID, a fresh object version, the three records of c1/k2/k3 */
	out->object_version = (guint16)g_random_int_range(1, 1000);
	tok_coolkey_object_set_set_object_version(set, out->object_version);
	spec.certificate = out->certificate;
	if (!tok_coolkey_object_set_set_cuid(set,
					     g_bytes_get_data(out->cuid, NULL),
					     g_bytes_get_size(out->cuid),
					     error) ||
	    !tok_coolkey_object_set_set_token_name(set, params->token_name, error) ||
	    !tok_coolkey_object_set_add_certificate(set, &spec, error))
		return NULL;
	z0 = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, error);
	if (z0 == NULL || !pcsc_personalise_write_z0(card, z0, error))
		return NULL;

	issuer = tok_coolkey_apdu_set_issuer_info(params->issuer_url, error);
	if (issuer == NULL)
		return NULL;
	done = th_card_command_secure(card, issuer, "SET ISSUER INFO", error);
	if (done == NULL)
		return NULL;
	g_bytes_unref(g_steal_pointer(&done));
	done = th_card_command_secure(card, lifecycle, "SET LIFECYCLE", error);
	if (done == NULL)
		return NULL;
	return g_steal_pointer(&out);
}

PcscPersonalisation *
pcsc_personalise(ThCard *card, PcscCa *ca, const PcscPersonaliseParams *params, GError **error)
{
	g_autoptr(PcscPersonalisation) out = NULL;

	if (!th_card_begin_transaction(card, error))
		return NULL;
	out = pcsc_personalise_steps(card, ca, params, error);
	th_card_close_secure_channel(card);
	if (!th_card_end_transaction(card, out != NULL ? error : NULL))
		return NULL;
	return g_steal_pointer(&out);
}
