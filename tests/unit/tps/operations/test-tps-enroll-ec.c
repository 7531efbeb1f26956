/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ENROLL with EC P-256 keys generated on the card (the built-in userKeyEC token type):
 *  - the proof-of-possession check of EC key generation results (ECDSA SHA-1 over
 *    pubBlob || challenge): a good proof, a wrong challenge, a forged signature, a point off
 *    the curve, a compressed point, a wrong key size, results of the other algorithm;
 *  - the processor in process against the virtual card (as test-tps-processor.c): ENROLL
 *    with tokenType=userKeyEC, then what the card and the database hold: EC P-256
 *    certificates with the EC key usages, z0 records with CKK_EC, CKA_EC_PARAMS and the
 *    certificate's point as CKA_EC_POINT, EC keys in the slots whose private half signs for
 *    the certificate's public key; FORMAT, then RSA again on the same token;
 *  - a forged EC key generation result is refused before the CA sees it.
 */
#include "config.h"

#include "tok-openssl-autoptr.h"

#include <glib/gstdio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "tks-key-store-file.h"
#include "tks-service.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-coolkey-object.h"
#include "tok-error.h"
#include "tps-authenticator-file.h"
#include "tps-ca-local.h"
#include "tps-context.h"
#include "tps-op-enroll.h"
#include "tps-ops-test-client.h"
#include "tps-processor.h"
#include "tps-token-db-sqlite.h"

#define TEST_CUID "40906145C7622419EC01"
#define TEST_PIN  "123456"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

/* ---- the proof check ------------------------------------------------------------------- */

typedef struct {
	EVP_PKEY *key;
	GBytes *challenge;
} ProofFixture;

/* pubBlobLen(2) pubBlob sigLen(2) sig, as the card writes it; @point (65 bytes) and @bits go
 * into the blob as given, the signature is by @key over blob || @challenge. */
static TokCoolkeyKeygenResult *
make_result(EVP_PKEY *key, guint8 blob_type, guint16 bits, const guint8 *point, gsize point_len, GBytes *challenge, gboolean forge_sig)
{
	g_autoptr(GByteArray) blob = g_byte_array_new();
	g_autoptr(GByteArray) signed_data = g_byte_array_new();
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(EVP_MD_CTX) md = EVP_MD_CTX_new();
	g_autoptr(GError) error = NULL;
	guint8 sig[256];
	size_t sig_len = sizeof(sig);
	TokCoolkeyKeygenResult *result;

	tok_byte_array_append_u8(blob, 0x00);
	tok_byte_array_append_u8(blob, blob_type);
	tok_byte_array_append_u16_be(blob, bits);
	if (blob_type == TOK_COOLKEY_KEY_BLOB_EC_PUBLIC) {
		tok_byte_array_append_u16_be(blob, (guint16)point_len);
		g_byte_array_append(blob, point, (guint)point_len);
	} else {
		g_autoptr(BIGNUM) n = NULL;
		g_autoptr(BIGNUM) e = NULL;
		guint8 buf[256];
		int len;

		g_assert_cmpint(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), ==, 1);
		g_assert_cmpint(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e), ==, 1);
		len = BN_bn2bin(n, buf);
		tok_byte_array_append_u16_be(blob, (guint16)len);
		g_byte_array_append(blob, buf, (guint)len);
		len = BN_bn2bin(e, buf);
		tok_byte_array_append_u16_be(blob, (guint16)len);
		g_byte_array_append(blob, buf, (guint)len);
	}
	g_byte_array_append(signed_data, blob->data, blob->len);
	tok_byte_array_append_bytes(signed_data, challenge);
	g_assert_nonnull(md);
	g_assert_cmpint(EVP_DigestSignInit_ex(md, NULL, "SHA1", NULL, NULL, key, NULL), ==, 1);
	g_assert_cmpint(EVP_DigestSign(md, sig, &sig_len, signed_data->data, signed_data->len), ==, 1);
	if (forge_sig)
		sig[sig_len / 2] ^= 0x01;
	tok_byte_array_append_u16_be(out, (guint16)blob->len);
	g_byte_array_append(out, blob->data, blob->len);
	tok_byte_array_append_u16_be(out, (guint16)sig_len);
	g_byte_array_append(out, sig, (guint)sig_len);
	result = tok_coolkey_keygen_result_parse(out->data, out->len, &error);
	g_assert_no_error(error);
	return result;
}

static void
ec_point(EVP_PKEY *key, guint8 point[65])
{
	size_t len = 0;

	g_assert_cmpint(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, 65, &len), ==, 1);
	g_assert_cmpuint(len, ==, 65);
}

static void
test_proof(void)
{
	g_autoptr(EVP_PKEY) key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_autoptr(EVP_PKEY) rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	g_autoptr(GBytes) challenge = g_bytes_new("0123456789ABCDEF", 16);
	g_autoptr(GBytes) other = g_bytes_new("0123456789ABCDEX", 16);
	guint8 point[65];
	guint8 bad[65];
	struct {
		const gchar *what;
		guint8 type;
		guint16 bits;
		const guint8 *point;
		gsize point_len;
		gboolean forge;
		GBytes *challenge;
		gint code;
	} cases[] = {
	    {"good", TOK_COOLKEY_KEY_BLOB_EC_PUBLIC, 256, point, 65, FALSE, challenge, -1},
	    {"other challenge", TOK_COOLKEY_KEY_BLOB_EC_PUBLIC, 256, point, 65, FALSE, other, TOK_ERROR_AUTH_FAILED},
	    {"forged signature", TOK_COOLKEY_KEY_BLOB_EC_PUBLIC, 256, point, 65, TRUE, challenge, TOK_ERROR_AUTH_FAILED},
	    {"point off the curve", TOK_COOLKEY_KEY_BLOB_EC_PUBLIC, 256, bad, 65, FALSE, challenge, TOK_ERROR_INVALID_DATA},
	    {"compressed point", TOK_COOLKEY_KEY_BLOB_EC_PUBLIC, 256, bad, 33, FALSE, challenge, TOK_ERROR_INVALID_DATA},
	    {"P-384 size", TOK_COOLKEY_KEY_BLOB_EC_PUBLIC, 384, point, 65, FALSE, challenge, TOK_ERROR_INVALID_DATA},
	};

	g_assert_nonnull(key);
	g_assert_nonnull(rsa);
	ec_point(key, point);
	for (guint i = 0; i < sizeof(bad); i++)
		bad[i] = point[i];
	bad[64] ^= 0x01; /* Y changed: no longer on the curve */
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokCoolkeyKeygenResult) result = NULL;
		guint8 compressed[33];
		const guint8 *p = cases[i].point;
		gboolean ok;

		if (cases[i].point_len == 33) {
			compressed[0] = (guint8)(0x02 | (point[64] & 1));
			for (guint k = 0; k < 32; k++)
				compressed[k + 1] = point[k + 1];
			p = compressed;
		}
		g_test_message("EC proof: %s", cases[i].what);
		result = make_result(key, cases[i].type, cases[i].bits, p, cases[i].point_len, challenge, cases[i].forge);
		ok = tps_op_enroll_verify_proof_full(result, TPS_KEY_ALGORITHM_EC_P256, cases[i].challenge, &error);
		if (cases[i].code < 0) {
			g_assert_no_error(error);
			g_assert_true(ok);
			/* an EC result is not an RSA one */
			g_assert_false(tps_op_enroll_verify_proof(result, challenge, &error));
			g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		} else {
			g_assert_false(ok);
			g_assert_error(error, TOK_ERROR, cases[i].code);
		}
	}
	/* an RSA result is not an EC one, and still verifies as RSA */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TokCoolkeyKeygenResult) result = make_result(rsa, TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC, 1024, NULL, 0, challenge, FALSE);

		g_assert_false(tps_op_enroll_verify_proof_full(result, TPS_KEY_ALGORITHM_EC_P256, challenge, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
		g_assert_true(tps_op_enroll_verify_proof_full(result, TPS_KEY_ALGORITHM_RSA, challenge, &error));
		g_assert_no_error(error);
	}
}

/* ---- the processor against the virtual card -------------------------------------------- */

typedef struct {
	gchar *dir;
	TpsContext ctx;
} Env;

static void
env_rm_rf(const gchar *path)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
		g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
		const gchar *name;
		while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			env_rm_rf(child);
		}
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}

static void
env_free(Env *env)
{
	g_clear_object(&env->ctx.config);
	g_clear_object(&env->ctx.tks);
	g_clear_object(&env->ctx.db);
	g_clear_object(&env->ctx.ca);
	g_clear_object(&env->ctx.auth);
	g_clear_object(&env->ctx.crypto);
	env_rm_rf(env->dir);
	g_free(env->dir);
	g_free(env);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Env, env_free)

/* The TPS of the embedded defaults (RSA-3072 local CA), small RSA keys for userKey, one
 * TokGpCrypto shared by the sessions as tpsd does. */
static Env *
env_new(void)
{
	g_autoptr(GError) error = NULL;
	Env *env = g_new0(Env, 1);
	g_autofree gchar *applets = g_test_build_filename(G_TEST_DIST, "..", "data", "applets", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *store_path = NULL;
	g_autofree gchar *ca_dir = NULL;
	g_autofree gchar *users = NULL;
	g_autoptr(TokSecret) file_key = NULL;
	g_autoptr(TksKeyStoreFile) store = NULL;
	g_autoptr(TokSecret) alice = tok_secret_new_from_text("alice password");

	env->dir = g_dir_make_tmp("tps-ec-XXXXXX", &error);
	g_assert_no_error(error);
	text = g_strdup_printf("[profile:userKey]\n"
			       "applet-directory=%s\n"
			       "key.signing.key-size=1024\n"
			       "key.encryption.key-size=1024\n"
			       "[profile:userKeyEC]\n"
			       "applet-directory=%s\n",
			       applets,
			       applets);
	env->ctx.config = tps_config_load_from_data(text, strlen(text), env->dir, &error);
	g_assert_no_error(error);
	file_key = tok_secret_new_random(TKS_KEY_STORE_FILE_KEY_SIZE, &error);
	g_assert_no_error(error);
	store_path = g_build_filename(env->dir, "keys.tks", NULL);
	store = tks_key_store_file_create(store_path, NULL, file_key, NULL, &error);
	g_assert_no_error(error);
	env->ctx.tks = tks_service_new(TKS_KEY_STORE(store), tps_config_get_tks_config(env->ctx.config), &error);
	g_assert_no_error(error);
	env->ctx.db = tps_token_db_sqlite_new(":memory:", &error);
	g_assert_no_error(error);
	ca_dir = g_build_filename(env->dir, "ca", NULL);
	env->ctx.ca = tps_ca_local_new_full(ca_dir, "CN=Test CA", 30, TPS_CA_KEY_EC_P256, &error);
	g_assert_no_error(error);
	users = g_build_filename(env->dir, "users", NULL);
	g_assert_true(tps_authenticator_file_add_user(users, "alice", alice, "Alice Example", &error));
	g_assert_no_error(error);
	env->ctx.auth = tps_authenticator_file_new(users, &error);
	g_assert_no_error(error);
	env->ctx.crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return env;
}

static VcardCard *
card_new(TokGpScp scp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cuid = tok_hex_decode(TEST_CUID, TOK_HEX_FLAG_NONE, &error);
	VcardCardConfig config;
	VcardCard *card;

	g_assert_no_error(error);
	vcard_card_config_init(&config);
	config.scp = scp;
	config.has_cuid = TRUE;
	for (guint i = 0; i < 10; i++)
		config.cuid[i] = ((const guint8 *)g_bytes_get_data(cuid, NULL))[i];
	card = vcard_card_new(&config, &error);
	g_assert_no_error(error);
	vcard_card_power_on(card);
	return card;
}

static TokTpsStatus
run_op(Env *env, VcardCard *card, TokTpsOperation op, const gchar *token_type, gboolean flip)
{
	TpsOpsTestClient client;
	TokTpsStatus status;

	tps_ops_test_client_init(&client, card, op);
	client.token_type = token_type;
	client.new_pin = TEST_PIN;
	client.flip_keygen_output = flip;
	status = tps_ops_test_client_run(&client, &env->ctx);
	g_assert_true(client.got_end_op);
	g_assert_cmpint(client.end_status, ==, status);
	if (flip)
		g_assert_true(client.flipped);
	tps_ops_test_client_clear(&client);
	return status;
}

/* One APDU in the clear; the response data, the SW checked. */
static GBytes *
card_apdu(VcardCard *card, TokApdu *apdu, guint16 want_sw)
{
	g_autoptr(TokApdu) owned = apdu;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) encoded = tok_apdu_encode(owned, TOK_APDU_ENCODING_SHORT, &error);
	g_autoptr(GBytes) response = NULL;
	gsize len = 0;
	const guint8 *data;

	g_assert_no_error(error);
	response = vcard_card_transmit(card, g_bytes_get_data(encoded, NULL), g_bytes_get_size(encoded), &error);
	g_assert_no_error(error);
	data = g_bytes_get_data(response, &len);
	g_assert_cmpuint(len, >=, 2);
	g_assert_cmphex((data[len - 2] << 8) | data[len - 1], ==, want_sw);
	return g_bytes_new(data, len - 2);
}

static TokCoolkeyObjectSet *
read_z0(VcardCard *card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) zero = g_bytes_new_static("\0\0\0\0\0\0\0\0", 8);
	g_autoptr(GBytes) entry = NULL;
	g_autoptr(GPtrArray) reads = NULL;
	g_autoptr(GByteArray) z0 = g_byte_array_new();
	TokCoolkeyObjectInfo info = {0};
	TokCoolkeyObjectSet *set;

	g_bytes_unref(card_apdu(card, tok_coolkey_apdu_select(), 0x9000));
	entry = card_apdu(card, tok_coolkey_apdu_list_objects(TOK_COOLKEY_LIST_FIRST), 0x9000);
	g_assert_true(tok_coolkey_parse_object_entry(g_bytes_get_data(entry, NULL), g_bytes_get_size(entry), &info, &error));
	g_assert_cmphex(info.object_id, ==, TOK_COOLKEY_OBJECT_ID_COMBINED);
	reads = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_CLEAR, info.object_id, 0, info.size, zero, FALSE, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < reads->len; i++) {
		g_autoptr(GBytes) chunk = card_apdu(card, tok_apdu_ref(g_ptr_array_index(reads, i)), 0x9000);
		tok_byte_array_append_bytes(z0, chunk);
	}
	set = tok_coolkey_object_set_decode(z0->data, z0->len, NULL, &error);
	g_assert_no_error(error);
	return set;
}

static const TokCoolkeyRecord *
find_record(TokCoolkeyObjectSet *set, gchar type, guint index)
{
	for (guint i = 0; i < tok_coolkey_object_set_get_n_records(set); i++) {
		const TokCoolkeyRecord *r = tok_coolkey_object_set_get_record(set, i);
		if (tok_coolkey_record_get_object_id(r) == TOK_COOLKEY_OBJECT_ID(type, '0' + index))
			return r;
	}
	return NULL;
}

static guint32
record_integer(const TokCoolkeyRecord *r, guint32 type)
{
	gint idx = tok_coolkey_record_find_attribute(r, type);

	g_assert_cmpint(idx, >=, 0);
	return tok_coolkey_record_get_attribute_integer(r, (guint)idx);
}

/* The certificate cN of z0: EC P-256 with @usage; its key records k(2N) and k(2N+1) say EC
 * with its curve and point; the card's private key k(2N) signs for it. */
static void
check_ec_certificate(VcardCard *card, TokCoolkeyObjectSet *set, guint n, guint usage_bits, GBytes *nonce)
{
	g_autoptr(GError) error = NULL;
	const TokCoolkeyRecord *cert_rec = find_record(set, 'c', n);
	const TokCoolkeyRecord *pub_rec = find_record(set, 'k', 2 * n + 1);
	const TokCoolkeyRecord *priv_rec = find_record(set, 'k', 2 * n);
	GBytes *der;
	GBytes *params;
	GBytes *point;
	const unsigned char *p;
	g_autoptr(X509) cert = NULL;
	EVP_PKEY *pub;
	guint8 want_point[65];
	size_t point_len = 0;
	gchar group[32] = {0};
	size_t group_len = 0;
	guint8 digest[32];
	g_autoptr(GBytes) digest_bytes = NULL;
	g_autoptr(GBytes) response = NULL;
	g_autoptr(GBytes) signature = NULL;
	g_autoptr(EVP_PKEY_CTX) vctx = NULL;
	const guint8 p256_oid[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};

	g_assert_nonnull(cert_rec);
	g_assert_nonnull(pub_rec);
	g_assert_nonnull(priv_rec);
	der = tok_coolkey_record_lookup_bytes(cert_rec, TOK_CKA_VALUE);
	g_assert_nonnull(der);
	p = g_bytes_get_data(der, NULL);
	cert = d2i_X509(NULL, &p, (long)g_bytes_get_size(der));
	g_assert_nonnull(cert);
	pub = X509_get0_pubkey(cert);
	g_assert_true(EVP_PKEY_is_a(pub, "EC"));
	g_assert_cmpint(EVP_PKEY_get_group_name(pub, group, sizeof(group), &group_len), ==, 1);
	g_assert_cmpstr(group, ==, "prime256v1");
	g_assert_cmphex(X509_get_key_usage(cert), ==, usage_bits);

	/* z0: CKK_EC, the curve's OID, the certificate's point wrapped in an OCTET STRING */
	g_assert_cmpuint(record_integer(pub_rec, TOK_CKA_KEY_TYPE), ==, TOK_CKK_EC);
	g_assert_cmpuint(record_integer(priv_rec, TOK_CKA_KEY_TYPE), ==, TOK_CKK_EC);
	params = tok_coolkey_record_lookup_bytes(pub_rec, TOK_CKA_EC_PARAMS);
	g_assert_nonnull(params);
	g_assert_cmpmem(g_bytes_get_data(params, NULL), g_bytes_get_size(params), p256_oid, sizeof(p256_oid));
	params = tok_coolkey_record_lookup_bytes(priv_rec, TOK_CKA_EC_PARAMS);
	g_assert_nonnull(params);
	g_assert_cmpmem(g_bytes_get_data(params, NULL), g_bytes_get_size(params), p256_oid, sizeof(p256_oid));
	g_assert_null(tok_coolkey_record_lookup_bytes(priv_rec, TOK_CKA_EC_POINT));
	point = tok_coolkey_record_lookup_bytes(pub_rec, TOK_CKA_EC_POINT);
	g_assert_nonnull(point);
	g_assert_cmpint(EVP_PKEY_get_octet_string_param(pub, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, want_point, sizeof(want_point), &point_len), ==, 1);
	g_assert_cmpuint(g_bytes_get_size(point), ==, 67);
	g_assert_cmphex(((const guint8 *)g_bytes_get_data(point, NULL))[0], ==, 0x04);
	g_assert_cmphex(((const guint8 *)g_bytes_get_data(point, NULL))[1], ==, 65);
	g_assert_cmpmem((const guint8 *)g_bytes_get_data(point, NULL) + 2, 65, want_point, point_len);

	/* the card's key 2N signs (ECC SIGN, libckyapplet's INS 37) what the certificate verifies */
	g_assert_cmpint(RAND_bytes(digest, sizeof(digest)), ==, 1);
	digest_bytes = g_bytes_new(digest, sizeof(digest));
	response = card_apdu(card,
			     tok_coolkey_apdu_ecc_sign(TOK_COOLKEY_CLA_CLEAR, (guint8)(2 * n), TOK_COOLKEY_DATA_LOCATION_APDU, digest_bytes, nonce, &error),
			     0x9000);
	g_assert_no_error(error);
	signature = tok_coolkey_parse_crypt_result(g_bytes_get_data(response, NULL), g_bytes_get_size(response), &error);
	g_assert_no_error(error);
	vctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	g_assert_cmpint(EVP_PKEY_verify_init(vctx), ==, 1);
	g_assert_cmpint(EVP_PKEY_verify(vctx, g_bytes_get_data(signature, NULL), g_bytes_get_size(signature), digest, sizeof(digest)), ==, 1);
}

static void
test_enroll(gconstpointer data)
{
	TokGpScp scp = GPOINTER_TO_INT(data);
	g_autoptr(Env) env = env_new();
	g_autoptr(VcardCard) card = card_new(scp);
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autoptr(TokCoolkeyObjectSet) set = NULL;
	g_autoptr(GBytes) nonce = NULL;
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(TEST_PIN);

	/* ENROLL of an unknown token with tokenType=userKeyEC: formatted, then EC keys */
	g_assert_cmpint(run_op(env, card, TOK_TPS_OPERATION_ENROLL, "userKeyEC", FALSE), ==, TOK_TPS_STATUS_NO_ERROR);
	rec = tps_token_db_get_token(env->ctx.db, TEST_CUID, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_ACTIVE);
	g_assert_cmpstr(rec->token_type, ==, "userKeyEC");
	g_assert_cmpstr(rec->user_id, ==, "alice");
	certs = tps_token_db_list_certs(env->ctx.db, TEST_CUID, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(certs->len, ==, 2);

	set = read_z0(card);
	g_assert_cmpuint(tok_coolkey_object_set_get_n_records(set), ==, 6);
	nonce = card_apdu(card, tok_coolkey_apdu_verify_pin(0, pin, &error), 0x9000);
	g_assert_no_error(error);
	/* c1 signing (digitalSignature, nonRepudiation), c2 encryption (keyAgreement) */
	check_ec_certificate(card, set, 1, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION, nonce);
	check_ec_certificate(card, set, 2, KU_KEY_AGREEMENT, nonce);

	/* FORMAT, then RSA keys on the same token */
	g_assert_cmpint(run_op(env, card, TOK_TPS_OPERATION_FORMAT, "userKeyEC", FALSE), ==, TOK_TPS_STATUS_NO_ERROR);
	g_assert_cmpint(run_op(env, card, TOK_TPS_OPERATION_ENROLL, "userKey", FALSE), ==, TOK_TPS_STATUS_NO_ERROR);
	g_clear_pointer(&set, tok_coolkey_object_set_free);
	set = read_z0(card);
	g_assert_cmpuint(record_integer(find_record(set, 'k', 3), TOK_CKA_KEY_TYPE), ==, TOK_CKK_RSA);
	g_assert_null(tok_coolkey_record_lookup_bytes(find_record(set, 'k', 3), TOK_CKA_EC_POINT));
}

/* A flipped byte of the card's point: not on the curve (or not the signed key): refused, no
 * certificate. */
static void
test_forged(void)
{
	g_autoptr(Env) env = env_new();
	g_autoptr(VcardCard) card = card_new(TOK_GP_SCP02);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autoptr(TpsTokenRecord) rec = NULL;

	g_assert_cmpint(run_op(env, card, TOK_TPS_OPERATION_ENROLL, "userKeyEC", TRUE), ==, TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU);
	certs = tps_token_db_list_certs(env->ctx.db, TEST_CUID, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(certs->len, ==, 0);
	rec = tps_token_db_get_token(env->ctx.db, TEST_CUID, &error);
	g_assert_no_error(error);
	g_assert_cmpint(rec->status, ==, TPS_TOKEN_STATUS_FORMATTED);
	/* and the token can be enrolled for real afterwards */
	g_assert_cmpint(run_op(env, card, TOK_TPS_OPERATION_ENROLL, "userKeyEC", FALSE), ==, TOK_TPS_STATUS_NO_ERROR);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/operations/enroll-ec/proof", test_proof);
	g_test_add_data_func("/tps/operations/enroll-ec/scp01", GINT_TO_POINTER(TOK_GP_SCP01), test_enroll);
	g_test_add_data_func("/tps/operations/enroll-ec/scp02", GINT_TO_POINTER(TOK_GP_SCP02), test_enroll);
	g_test_add_func("/tps/operations/enroll-ec/forged-proof", test_forged);
	return g_test_run();
}
