/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-openssl-autoptr.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "tok-bytes.h"
#include "tok-coolkey-object.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "tps-applet-info.h"
#include "tps-error.h"
#include "tps-login.h"
#include "tps-op-common.h"
#include "tps-op-enroll.h"
#include "tps-op-format.h"
#include "tps-secure-channel.h"
#include "tps-status.h"

/* LIST OBJECTS entries read at most (the applet has far fewer objects) */
#define TPS_OP_ENROLL_MAX_OBJECTS 64
/* An uncompressed P-256 point: 04 || X || Y */
#define TPS_OP_ENROLL_P256_POINT_SIZE 65
/* GENERATE KEY ECC alg byte: no key check value (as for RSA) */
#define TPS_OP_ENROLL_ECC_ALG 0x80

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

/* One key of the profile once enrolled. */
typedef struct {
	const TpsProfileKey *key;
	TpsIssuedCert *cert;
	guint index; /* certificate cN */
	gchar *label;
	GBytes *ec_params; /* EC keys: DER namedCurve OID (CKA_EC_PARAMS) */
	GBytes *ec_point;  /* EC keys: DER OCTET STRING of the point (CKA_EC_POINT) */
} TpsEnrolledKey;

static void
tps_enrolled_key_free(TpsEnrolledKey *k)
{
	if (k == NULL)
		return;
	g_clear_pointer(&k->cert, tps_issued_cert_free);
	g_clear_pointer(&k->ec_params, g_bytes_unref);
	g_clear_pointer(&k->ec_point, g_bytes_unref);
	g_free(k->label);
	g_free(k);
}

static EVP_PKEY *
tps_op_enroll_rsa_key(const TokCoolkeyKeygenResult *result, GError **error)
{
	g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new();
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	g_autoptr(BIGNUM) n = NULL;
	g_autoptr(BIGNUM) e = NULL;
	EVP_PKEY *pkey = NULL;

	if (result->type != TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC || result->modulus == NULL || result->exponent == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "the key generation result is not an RSA key");
		return NULL;
	}
	if (g_bytes_get_size(result->modulus) * 8 != result->key_size || g_bytes_get_size(result->exponent) == 0 ||
	    g_bytes_get_size(result->exponent) > 8) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "RSA key of %u bits with a %" G_GSIZE_FORMAT "-byte modulus and a %" G_GSIZE_FORMAT "-byte exponent",
			    result->key_size,
			    g_bytes_get_size(result->modulus),
			    g_bytes_get_size(result->exponent));
		return NULL;
	}
	n = BN_bin2bn(g_bytes_get_data(result->modulus, NULL), (int)g_bytes_get_size(result->modulus), NULL);
	e = BN_bin2bn(g_bytes_get_data(result->exponent, NULL), (int)g_bytes_get_size(result->exponent), NULL);
	if (bld == NULL || ctx == NULL || n == NULL || e == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1) {
		tok_error_set_openssl(error, "RSA public key");
		return NULL;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		tok_error_set_openssl(error, "RSA public key");
		return NULL;
	}
	return pkey;
}

/* An EC P-256 public key from the card's uncompressed point (on the curve, or an error). */
static EVP_PKEY *
tps_op_enroll_ec_key(const TokCoolkeyKeygenResult *result, GError **error)
{
	g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new();
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	const guint8 *point;
	gsize point_len = 0;
	EVP_PKEY *pkey = NULL;

	if (result->type != TOK_COOLKEY_KEY_BLOB_EC_PUBLIC || result->ec_point == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "the key generation result is not an EC key");
		return NULL;
	}
	point = g_bytes_get_data(result->ec_point, &point_len);
	if (result->key_size != TPS_PROFILE_EC_P256_KEY_SIZE || point_len != TPS_OP_ENROLL_P256_POINT_SIZE || point[0] != 0x04) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "EC key of %u bits with a %" G_GSIZE_FORMAT "-byte point (a P-256 key has an uncompressed 65-byte point)",
			    result->key_size,
			    point_len);
		return NULL;
	}
	if (bld == NULL || ctx == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) != 1) {
		tok_error_set_openssl(error, "EC public key");
		return NULL;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		/* a point off the curve ends here: bad data from the card */
		g_autoptr(GError) local = NULL;
		tok_error_set_openssl(&local, "EC public key");
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "the card's P-256 point is not usable: %s", local->message);
		return NULL;
	}
	return pkey;
}

/* The public key of a key generation result, which must be of the profile's algorithm. */
static EVP_PKEY *
tps_op_enroll_public_key(const TokCoolkeyKeygenResult *result, TpsKeyAlgorithm alg, GError **error)
{
	if (alg == TPS_KEY_ALGORITHM_EC_P256)
		return tps_op_enroll_ec_key(result, error);
	return tps_op_enroll_rsa_key(result, error);
}

/* The proof of @result checked with its public key @pkey. */
static gboolean
tps_op_enroll_verify_with_key(const TokCoolkeyKeygenResult *result, EVP_PKEY *pkey, GBytes *challenge, GError **error)
{
	g_autoptr(EVP_MD_CTX) ctx = NULL;
	g_autoptr(GBytes) data = NULL;
	int rc;

	if (result->signature == NULL || g_bytes_get_size(result->signature) == 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED, "the key generation result has no proof");
		return FALSE;
	}
	data = tok_coolkey_keygen_result_get_proof_data(result, challenge);
	ctx = EVP_MD_CTX_new();
	/* RSA PKCS#1 v1.5 or ECDSA (DER signature), both over SHA-1 (protocol.md 4.5) */
	if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, "SHA1", NULL, NULL, pkey, NULL) != 1) {
		tok_error_set_openssl(error, "proof of possession");
		return FALSE;
	}
	rc = EVP_DigestVerify(ctx,
			      g_bytes_get_data(result->signature, NULL),
			      g_bytes_get_size(result->signature),
			      g_bytes_get_data(data, NULL),
			      g_bytes_get_size(data));
	if (rc != 1) {
		/* a wrong signature leaves OpenSSL errors behind: not ours to report */
		g_autoptr(GError) ignored = NULL;
		tok_error_set_openssl(&ignored, "");
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_AUTH_FAILED,
				    "the proof of possession of the generated key does not verify");
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_op_enroll_verify_proof_full(const TokCoolkeyKeygenResult *result,
				TpsKeyAlgorithm alg,
				GBytes *challenge,
				GError **error)
{
	g_autoptr(EVP_PKEY) pkey = tps_op_enroll_public_key(result, alg, error);

	return pkey != NULL && tps_op_enroll_verify_with_key(result, pkey, challenge, error);
}

gboolean
tps_op_enroll_verify_proof(const TokCoolkeyKeygenResult *result, GBytes *challenge, GError **error)
{
	return tps_op_enroll_verify_proof_full(result, TPS_KEY_ALGORITHM_RSA, challenge, error);
}

/* The SubjectPublicKeyInfo of a P-256 key (RFC 5480: id-ecPublicKey, namedCurve prime256v1,
 * the uncompressed point) that tps_op_enroll_ec_key() accepted: the same bytes i2d_PUBKEY()
 * gives, without an OpenSSL encoder lookup per key. */
static GBytes *
tps_op_enroll_spki_p256(GBytes *point)
{
	static const guint8 prefix[] = {
	    0x30, 0x59,								  /* SEQUENCE, 89 */
	    0x30, 0x13,								  /* SEQUENCE, 19 */
	    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,		  /* id-ecPublicKey */
	    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,	  /* prime256v1 */
	    0x03, 0x42, 0x00,							  /* BIT STRING, 66, 0 unused */
	};
	GByteArray *der = g_byte_array_sized_new(sizeof(prefix) + TPS_OP_ENROLL_P256_POINT_SIZE);

	g_byte_array_append(der, prefix, sizeof(prefix));
	tok_byte_array_append_bytes(der, point);
	return g_byte_array_free_to_bytes(der);
}

static GBytes *
tps_op_enroll_spki(EVP_PKEY *pkey, GError **error)
{
	unsigned char *der = NULL;
	int len;
	GBytes *bytes;

	len = i2d_PUBKEY(pkey, &der);
	if (len <= 0) {
		tok_error_set_openssl(error, "SubjectPublicKeyInfo");
		return NULL;
	}
	bytes = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	return bytes;
}

/* CKA_EC_PARAMS (the DER namedCurve OID of P-256) and CKA_EC_POINT (the point as a DER OCTET
 * STRING, as PKCS#11 2.20 has it) of an EC key generation result. */
static gboolean
tps_op_enroll_ec_attributes(const TokCoolkeyKeygenResult *result, GBytes **ec_params, GBytes **ec_point, GError **error)
{
	g_autoptr(GByteArray) point = g_byte_array_new();
	unsigned char *der = NULL;
	int len = i2d_ASN1_OBJECT(OBJ_nid2obj(NID_X9_62_prime256v1), &der);
	gsize point_len = g_bytes_get_size(result->ec_point);

	if (len <= 0) {
		tok_error_set_openssl(error, "EC parameters");
		return FALSE;
	}
	*ec_params = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	/* 65 bytes: short DER length */
	tok_byte_array_append_u8(point, 0x04);
	tok_byte_array_append_u8(point, (guint8)point_len);
	tok_byte_array_append_bytes(point, result->ec_point);
	*ec_point = g_byte_array_free_to_bytes(g_steal_pointer(&point));
	return TRUE;
}

/* LIST OBJECTS; the versions of an existing z0 are kept (object version + 1). */
static gboolean
tps_op_enroll_read_objects(TpsSession *s, guint16 *format_version, guint16 *object_version, gboolean *found, GError **error)
{
	*found = FALSE;
	for (guint i = 0; i < TPS_OP_ENROLL_MAX_OBJECTS; i++) {
		g_autoptr(TokApdu) list = tok_coolkey_apdu_list_objects(i == 0 ? TOK_COOLKEY_LIST_FIRST : TOK_COOLKEY_LIST_NEXT);
		g_autoptr(TokApduResponse) response = tps_session_transmit(s, list, error);
		g_autoptr(GError) local = NULL;
		TokCoolkeyObjectInfo info = {0};
		GBytes *data;

		if (response == NULL)
			return FALSE;
		if (tok_apdu_response_get_sw(response) != TOK_SW_OK)
			return TRUE; /* 9C12: end of the list */
		data = tok_apdu_response_get_data(response);
		if (!tok_coolkey_parse_object_entry(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &info, &local))
			return TRUE;
		if (info.object_id == TOK_COOLKEY_OBJECT_ID_COMBINED && info.size > 0 && info.size <= TOK_COOLKEY_MAX_OBJECT_SIZE) {
			g_autoptr(GPtrArray) plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE,
										    info.object_id,
										    0,
										    info.size,
										    NULL,
										    tps_secure_channel_trailing_le(s),
										    error);
			g_autoptr(GByteArray) buf = g_byte_array_new();
			g_autoptr(TokCoolkeyObjectSet) set = NULL;

			if (plan == NULL)
				return FALSE;
			for (guint j = 0; j < plan->len; j++) {
				g_autoptr(TokApduResponse) chunk = tps_secure_channel_transmit(s, g_ptr_array_index(plan, j), error);
				if (chunk == NULL)
					return FALSE;
				if (tok_apdu_response_get_sw(chunk) != TOK_SW_OK)
					return TRUE;
				tok_byte_array_append_bytes(buf, tok_apdu_response_get_data(chunk));
			}
			set = tok_coolkey_object_set_decode(buf->data, buf->len, NULL, &local);
			if (set == NULL) {
				g_debug("token %s: existing z0 unreadable: %s", s->cuid, local->message);
				return TRUE;
			}
			*format_version = tok_coolkey_object_set_get_format_version(set);
			*object_version = tok_coolkey_object_set_get_object_version(set);
			*found = TRUE;
			return TRUE;
		}
	}
	return TRUE;
}

/* GENERATE KEY (RSA 0C or ECC 0D), READ OBJECT FFFFFFFF, proof check; the SubjectPublicKeyInfo
 * (and, for EC keys, the PKCS#11 attributes into @ek). */
static GBytes *
tps_op_enroll_generate(TpsSession *s,
		       const TpsProfileKey *key,
		       GBytes *challenge,
		       GBytes *wrapped,
		       TpsEnrolledKey *ek,
		       GError **error)
{
	TokCoolkeyKeyPair pair = {(guint8)key->key_user, (guint8)key->private_key_number, (guint8)key->key_usage,
				  (guint8)key->public_key_number};
	gboolean trailing_le = tps_secure_channel_trailing_le(s);
	g_autoptr(TokApdu) generate = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GPtrArray) plan = NULL;
	g_autoptr(GByteArray) output = g_byte_array_new();
	g_autoptr(TokCoolkeyKeygenResult) result = NULL;
	g_autoptr(EVP_PKEY) pkey = NULL;
	GBytes *data;
	guint16 len = 0;

	if (key->alg == TPS_KEY_ALGORITHM_EC_P256)
		generate = tok_coolkey_apdu_generate_key_ecc(&pair, TPS_OP_ENROLL_ECC_ALG, (guint16)key->key_size, wrapped, NULL, trailing_le, error);
	else
		generate = tok_coolkey_apdu_generate_key_rsa(&pair, (guint16)key->key_size, wrapped, trailing_le, error);
	if (generate == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
		return NULL;
	}
	response = tps_secure_channel_transmit_ok(s, generate, "GENERATE KEY", error);
	if (response == NULL)
		return NULL;
	data = tok_apdu_response_get_data(response);
	if (!tok_coolkey_parse_generate_key_response(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &len, error))
		return NULL;
	if (len > TOK_COOLKEY_IOBUF_SIZE) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "key generation result of %u bytes", len);
		return NULL;
	}
	plan = tok_coolkey_apdu_read_object_plan(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_IOBUF, 0, len, NULL, trailing_le, error);
	if (plan == NULL)
		return NULL;
	for (guint i = 0; i < plan->len; i++) {
		g_autoptr(TokApduResponse) chunk = tps_secure_channel_transmit_ok(s, g_ptr_array_index(plan, i), "READ OBJECT", error);
		if (chunk == NULL)
			return NULL;
		tok_byte_array_append_bytes(output, tok_apdu_response_get_data(chunk));
	}
	if (output->len != len) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "read %u bytes of a %u-byte key generation result", output->len, len);
		return NULL;
	}
	result = tok_coolkey_keygen_result_parse(output->data, output->len, error);
	if (result == NULL)
		return NULL;
	if (result->key_size != key->key_size) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "asked for a %u-bit key, the card made one of %u", key->key_size, result->key_size);
		return NULL;
	}
	/* the key, once: its proof, then what the CA and z0 get */
	pkey = tps_op_enroll_public_key(result, key->alg, error);
	if (pkey == NULL || !tps_op_enroll_verify_with_key(result, pkey, challenge, error))
		return NULL;
	if (key->alg == TPS_KEY_ALGORITHM_EC_P256) {
		if (!tps_op_enroll_ec_attributes(result, &ek->ec_params, &ek->ec_point, error))
			return NULL;
		return tps_op_enroll_spki_p256(result->ec_point);
	}
	return tps_op_enroll_spki(pkey, error);
}

static guint
tps_op_enroll_cert_index(const TpsProfileKey *key)
{
	if (key->cert_attr_id != NULL && strlen(key->cert_attr_id) == 2 && g_ascii_isdigit(key->cert_attr_id[1]))
		return (guint)(key->cert_attr_id[1] - '0');
	return key->private_key_number / 2;
}

static gboolean
tps_op_enroll_keys(TpsSession *s, GPtrArray *enrolled, GError **error)
{
	g_autoptr(GBytes) cuid = g_bytes_new(s->cplc->cuid, sizeof(s->cplc->cuid));
	g_autoptr(GBytes) seed = NULL;
	g_autoptr(GBytes) challenge = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	const gchar *cn = NULL;
	TksEncryptDataRequest request = {0};
	guint n = s->profile->keys->len;

	/* one challenge for the whole enrollment, the one the TKS actually encrypted */
	seed = tks_service_compute_random_data(s->ctx->tks, TKS_ENCRYPT_DATA_SIZE, error);
	if (seed == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
		return FALSE;
	}
	request.key_set = s->key_set != NULL ? s->key_set : TPS_PROFILE_DEFAULT_KEY_SET;
	request.scp = tps_secure_channel_scp(s);
	request.key_info = s->key_info;
	request.kdd = s->kdd;
	request.cuid = cuid;
	request.data = seed;
	if (!tks_service_encrypt_data(s->ctx->tks, &request, &challenge, &wrapped, error)) {
		g_prefix_error(error, "TKS challenge: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
		return FALSE;
	}
	if (s->user_attributes != NULL)
		cn = g_hash_table_lookup(s->user_attributes, "cn");

	for (guint i = 0; i < n; i++) {
		const TpsProfileKey *key = g_ptr_array_index(s->profile->keys, i);
		TpsEnrolledKey *ek;
		g_autoptr(GBytes) spki = NULL;
		guint base = 15 + (70 * i) / n;

		if (key->server_keygen) {
			g_set_error(error,
				    TPS_STATUS_ERROR,
				    TOK_TPS_STATUS_ERROR_MISCONFIGURATION,
				    "profile %s key %s: only on-card key generation is supported",
				    s->profile->name,
				    key->name_in_profile);
			return FALSE;
		}
		if (!tps_session_status_update(s, base, "PROGRESS_KEY_GENERATION", error))
			return FALSE;
		ek = g_new0(TpsEnrolledKey, 1);
		ek->key = key;
		ek->index = tps_op_enroll_cert_index(key);
		g_ptr_array_add(enrolled, ek);
		spki = tps_op_enroll_generate(s, key, challenge, wrapped, ek, error);
		if (spki == NULL) {
			g_prefix_error(error, "%s key: ", key->name_in_profile);
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MAC_ENROLL_PDU);
			return FALSE;
		}
		if (!tps_session_status_update(s, base + 35 / n, "PROGRESS_ENROLL_CERT", error))
			return FALSE;
		ek->label = tps_session_expand_template(s, key->label);
		ek->cert = tps_ca_connector_enroll(s->ctx->ca, key->ca_profile_id, s->cuid, s->user_id, spki, cn, error);
		if (ek->cert == NULL) {
			g_prefix_error(error, "%s certificate: ", key->name_in_profile);
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CA_RESPONSE);
			return FALSE;
		}
		g_message("token %s: %s certificate %s issued", s->cuid, key->name_in_profile, ek->cert->serial);
	}
	return TRUE;
}

static GBytes *
tps_op_enroll_build_z0(TpsSession *s, GPtrArray *enrolled, guint16 format_version, guint16 object_version, GError **error)
{
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autofree gchar *token_name = tps_session_expand_template(s, s->profile->token_name_template);

	tok_coolkey_object_set_set_format_version(set, format_version);
	tok_coolkey_object_set_set_object_version(set, object_version);
	if (!tok_coolkey_object_set_set_cuid(set, s->cplc->cuid, sizeof(s->cplc->cuid), error))
		return NULL;
	if (!tok_coolkey_object_set_set_token_name(set, token_name, error))
		return NULL;
	for (guint i = 0; i < enrolled->len; i++) {
		TpsEnrolledKey *ek = g_ptr_array_index(enrolled, i);
		TokCoolkeyCertificateSpec spec = {0};

		spec.index = ek->index;
		spec.label = ek->label;
		spec.certificate = ek->cert->der;
		spec.key_type = ek->key->alg == TPS_KEY_ALGORITHM_EC_P256 ? TOK_CKK_EC : TOK_CKK_RSA;
		spec.ec_params = ek->ec_params;
		spec.ec_point = ek->ec_point;
		spec.usage = g_strcmp0(ek->key->name_in_profile, "encryption") == 0 ? TOK_COOLKEY_KEY_USAGE_ENCRYPTION
										    : TOK_COOLKEY_KEY_USAGE_SIGNING;
		if (!tok_coolkey_object_set_add_certificate(set, &spec, error))
			return NULL;
	}
	return tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, error);
}

static gboolean
tps_op_enroll_write_z0(TpsSession *s, GBytes *z0, GError **error)
{
	g_autoptr(TokApdu) create = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GPtrArray) writes = NULL;

	create = tok_coolkey_apdu_create_object(TOK_COOLKEY_CLA_SECURE,
						TOK_COOLKEY_OBJECT_ID_COMBINED,
						(guint32)g_bytes_get_size(z0),
						&TOK_COOLKEY_OBJECT_ACL_PKCS11,
						NULL,
						error);
	if (create == NULL)
		return FALSE;
	response = tps_secure_channel_transmit_ok(s, create, "CREATE OBJECT z0", error);
	if (response == NULL)
		return FALSE;
	writes = tok_coolkey_apdu_write_object_chunks(TOK_COOLKEY_CLA_SECURE, TOK_COOLKEY_OBJECT_ID_COMBINED, 0, z0, NULL, error);
	if (writes == NULL)
		return FALSE;
	for (guint i = 0; i < writes->len; i++) {
		g_autoptr(TokApduResponse) w = tps_secure_channel_transmit_ok(s, g_ptr_array_index(writes, i), "WRITE OBJECT z0", error);
		if (w == NULL)
			return FALSE;
	}
	return TRUE;
}

/* The card part after the PIN: keys, certificates, z0, issuer info, life cycle. */
static gboolean
tps_op_enroll_card(TpsSession *s, GPtrArray *enrolled, GError **error)
{
	guint16 format_version = 0x0100;
	guint16 object_version = 0;
	gboolean found = FALSE;
	g_autoptr(GBytes) z0 = NULL;
	guint8 random[2];

	if (!tps_op_enroll_read_objects(s, &format_version, &object_version, &found, error))
		return FALSE;
	if (found) {
		object_version = (guint16)(object_version + 1);
	} else {
		if (RAND_bytes(random, sizeof(random)) != 1) {
			tok_error_set_openssl(error, "object version");
			return FALSE;
		}
		object_version = (guint16)(((random[0] << 8) | random[1]) % 1000);
	}
	if ((object_version & 0xFF) == 0xFF)
		object_version = (guint16)(object_version + 1);
	if (!tps_session_status_update(s, 10, "PROGRESS_PROCESS_PROFILE", error))
		return FALSE;
	if (!tps_op_enroll_keys(s, enrolled, error))
		return FALSE;

	z0 = tps_op_enroll_build_z0(s, enrolled, format_version, object_version, error);
	if (z0 == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MAC_CERT_PDU);
		return FALSE;
	}
	/* a new channel for writing, as the Java TPS */
	if (!tps_secure_channel_open(s, 0x00, error))
		return FALSE;
	if (!tps_session_status_update(s, 92, "PROGRESS_WRITE_OBJECTS", error))
		return FALSE;
	if (!tps_op_enroll_write_z0(s, z0, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MAC_CERT_PDU);
		return FALSE;
	}
	if (!tps_session_status_update(s, 98, "PROGRESS_ISSUER_INFO", error))
		return FALSE;
	if (!tps_op_write_issuer_info(s, "enroll", error))
		return FALSE;
	if (!tps_session_status_update(s, 99, "PROGRESS_SET_LIFECYCLE", error))
		return FALSE;
	if (s->lifecycle != TOK_COOLKEY_LIFECYCLE_PERSONALIZED || s->applet_upgraded) {
		g_autoptr(TokApdu) apdu = tok_coolkey_apdu_set_lifecycle(TOK_COOLKEY_LIFECYCLE_PERSONALIZED);
		g_autoptr(TokApduResponse) response = tps_secure_channel_transmit_ok(s, apdu, "SET LIFECYCLE", error);
		if (response == NULL) {
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MAC_LIFECYCLE_PDU);
			return FALSE;
		}
		s->lifecycle = TOK_COOLKEY_LIFECYCLE_PERSONALIZED;
	}
	return TRUE;
}

/* Revokes what this session got from the CA (the enrollment failed). */
static void
tps_op_enroll_roll_back(TpsSession *s, GPtrArray *enrolled)
{
	for (guint i = 0; i < enrolled->len; i++) {
		TpsEnrolledKey *ek = g_ptr_array_index(enrolled, i);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *message = NULL;

		if (ek->cert == NULL)
			continue;
		if (!tps_ca_connector_revoke(s->ctx->ca, ek->cert->serial, TPS_CRL_REASON_CESSATION_OF_OPERATION, &error)) {
			message = g_strdup_printf("certificate %s of a failed enrollment not revoked: %s", ek->cert->serial, error->message);
			tps_session_add_activity(s, TPS_ACTIVITY_CERT_REVOCATION, FALSE, message);
			g_message("token %s: %s", s->cuid, message);
			continue;
		}
		message = g_strdup_printf("certificate %s of a failed enrollment revoked", ek->cert->serial);
		tps_session_add_activity(s, TPS_ACTIVITY_CERT_REVOCATION, TRUE, message);
	}
}

/* The token record: the new certificates, the owner, ACTIVE; older certificates of the token
 * (re-enrollment) are revoked as superseded, their keys are gone from the card. */
static gboolean
tps_op_enroll_record(TpsSession *s, GPtrArray *enrolled, GError **error)
{
	g_autoptr(GPtrArray) old = tps_token_db_list_certs(s->ctx->db, s->cuid, error);

	if (old == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPDATE_TOKENDB_FAILED);
		return FALSE;
	}
	for (guint i = 0; i < enrolled->len; i++) {
		TpsEnrolledKey *ek = g_ptr_array_index(enrolled, i);
		TpsCertRecord rec = {0};

		rec.serial = ek->cert->serial;
		rec.cuid = s->cuid;
		rec.user_id = s->user_id;
		rec.key_type = ek->key->name_in_profile;
		rec.status = (gchar *)TPS_CERT_STATUS_ACTIVE;
		rec.subject = ek->cert->subject;
		rec.issuer = ek->cert->issuer;
		rec.not_before = ek->cert->not_before;
		rec.not_after = ek->cert->not_after;
		rec.der = ek->cert->der;
		if (!tps_token_db_add_cert(s->ctx->db, &rec, error)) {
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPDATE_TOKENDB_FAILED);
			return FALSE;
		}
	}
	g_free(s->token->user_id);
	s->token->user_id = g_strdup(s->user_id);
	if (s->token->status != TPS_TOKEN_STATUS_ACTIVE)
		s->token->previous_status = s->token->status;
	s->token->status = TPS_TOKEN_STATUS_ACTIVE;
	g_free(s->token->token_type);
	s->token->token_type = g_strdup(s->token_type);
	g_free(s->token->applet_id);
	s->token->applet_id = g_strdup(s->applet_version);
	if (!tps_op_save_token(s, error))
		return FALSE;
	/* the certificates are recorded: a failure from here on must not revoke them */
	for (guint i = 0; i < enrolled->len; i++) {
		TpsEnrolledKey *ek = g_ptr_array_index(enrolled, i);
		g_clear_pointer(&ek->cert, tps_issued_cert_free);
	}
	for (guint i = 0; i < old->len; i++) {
		const TpsCertRecord *cert = g_ptr_array_index(old, i);
		g_autoptr(GError) local = NULL;
		g_autofree gchar *message = NULL;

		if (g_strcmp0(cert->status, TPS_CERT_STATUS_REVOKED) == 0)
			continue;
		if (!tps_ca_connector_revoke(s->ctx->ca, cert->serial, TPS_CRL_REASON_SUPERSEDED, &local) ||
		    !tps_token_db_set_cert_status(s->ctx->db, cert->serial, TPS_CERT_STATUS_REVOKED, &local)) {
			message = g_strdup_printf("superseded certificate %s not revoked: %s", cert->serial, local->message);
			tps_session_add_activity(s, TPS_ACTIVITY_CERT_REVOCATION, FALSE, message);
			g_message("token %s: %s", s->cuid, message);
			continue;
		}
		message = g_strdup_printf("certificate %s revoked (superseded by a new enrollment)", cert->serial);
		tps_session_add_activity(s, TPS_ACTIVITY_CERT_REVOCATION, TRUE, message);
	}
	return TRUE;
}

/* Login, ownership and state checks; the implicit format. */
static gboolean
tps_op_enroll_prepare(TpsSession *s, GError **error)
{
	gboolean format_first;

	if (!tps_login_run(s, error))
		return FALSE;
	if (!tps_op_check_owner(s, error))
		return FALSE;
	if (!tps_config_get_allow_multiple_active_tokens(s->ctx->config)) {
		g_autoptr(GPtrArray) tokens = tps_token_db_find_tokens_by_user(s->ctx->db, s->user_id, error);
		if (tokens == NULL) {
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_DB);
			return FALSE;
		}
		for (guint i = 0; i < tokens->len; i++) {
			const TpsTokenRecord *other = g_ptr_array_index(tokens, i);
			if (other->status == TPS_TOKEN_STATUS_ACTIVE && g_ascii_strcasecmp(other->cuid, s->cuid) != 0) {
				g_set_error(error,
					    TPS_STATUS_ERROR,
					    TOK_TPS_STATUS_ERROR_HAS_AT_LEAST_ONE_ACTIVE_TOKEN,
					    "user already has an active token (%s)",
					    other->cuid);
				return FALSE;
			}
		}
	}
	if (!tps_op_check_usable(s, error))
		return FALSE;
	if (s->token == NULL && !s->profile->allow_unknown_token) {
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN, "token %s is not known", s->cuid);
		return FALSE;
	}
	if (s->token != NULL && s->token->status == TPS_TOKEN_STATUS_ACTIVE &&
	    !tps_token_policy_get(s->policy, TPS_TOKEN_POLICY_RE_ENROLL)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_POLICY, "token %s: policy RE_ENROLL=NO", s->cuid);
		return FALSE;
	}
	/* unknown tokens and records the TPS never formatted (an earlier implicit format failed)
	 * are formatted first, 7:0 then 0:4; FORCE_FORMAT=YES always */
	format_first = s->token == NULL || s->token->status == TPS_TOKEN_STATUS_UNFORMATTED ||
		       tps_token_policy_get(s->policy, TPS_TOKEN_POLICY_FORCE_FORMAT);
	if (format_first) {
		if (!tps_op_format_token(s, error)) {
			g_prefix_error(error, "format before enrollment: ");
			return FALSE;
		}
	}
	return tps_op_check_transition(s, TPS_TOKEN_STATUS_ACTIVE, error);
}

static gboolean
tps_op_enroll_pin(TpsSession *s, GError **error)
{
	g_autoptr(TokSecret) pin = NULL;
	g_autoptr(TokSecret) initial = tok_secret_new_from_text("password");
	g_autoptr(TokApdu) create = NULL;
	g_autoptr(TokApdu) set = NULL;
	g_autoptr(TokApduResponse) created = NULL;
	g_autoptr(TokApduResponse) response = NULL;

	if (!s->profile->pin_reset_enable)
		return TRUE;
	pin = tps_session_request_new_pin(s, s->profile->pin_min_len, s->profile->pin_max_len, error);
	if (pin == NULL)
		return FALSE;
	/* CREATE PIN (9C10 if PIN 0 exists: ignored), then SET PIN */
	create = tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 0x7F, initial, NULL, error);
	if (create == NULL)
		return FALSE;
	created = tps_secure_channel_transmit(s, create, error);
	if (created == NULL)
		return FALSE;
	set = tok_coolkey_apdu_set_pin(0, pin, error);
	if (set == NULL)
		return FALSE;
	response = tps_secure_channel_transmit_ok(s, set, "SET PIN", error);
	if (response == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_TOKEN_RESET_PIN_FAILED);
		return FALSE;
	}
	return TRUE;
}

static void
tps_op_enroll_clear_key_slots(TpsSession *s)
{
	g_autoptr(GByteArray) slots = g_byte_array_new();
	g_autoptr(TokApdu) apdu = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < s->profile->keys->len; i++) {
		const TpsProfileKey *key = g_ptr_array_index(s->profile->keys, i);
		tok_byte_array_append_u8(slots, (guint8)key->private_key_number);
		tok_byte_array_append_u8(slots, (guint8)key->public_key_number);
	}
	apdu = tok_coolkey_apdu_clear_key_slots(slots->data, slots->len, &error);
	if (apdu != NULL)
		response = tps_secure_channel_transmit(s, apdu, &error);
	/* errors ignored, as the Java TPS does */
	if (response == NULL && error != NULL)
		g_debug("token %s: CLEAR KEY SLOTS: %s", s->cuid, error->message);
}

gboolean
tps_op_enroll_run(TpsSession *s, GError **error)
{
	g_autoptr(GPtrArray) enrolled = g_ptr_array_new_with_free_func((GDestroyNotify)tps_enrolled_key_free);
	gboolean ok;

	if (!tps_applet_info_read_lifecycle(s, error))
		return FALSE;
	if (!tps_applet_info_read(s, error))
		return FALSE;
	if (!tps_op_load_token(s, error))
		return FALSE;
	if (!tps_op_resolve_profile(s, TPS_RESOLVER_ENROLL, error))
		return FALSE;
	if (!tps_op_enroll_prepare(s, error))
		return FALSE;

	/* the applet: upgraded when enabled and the version differs */
	if (!s->applet_upgraded) {
		if (!tps_applet_info_read_version(s, error))
			return FALSE;
		if (!s->have_applet ||
		    (s->profile->applet_update_enroll && g_ascii_strcasecmp(s->applet_version, s->profile->applet_required_version) != 0)) {
			if (!tps_op_upgrade_applet(s, error))
				return FALSE;
		}
	}
	if (!tps_op_check_sym_keys(s, error))
		return FALSE;
	if (!tps_op_enroll_pin(s, error))
		return FALSE;

	ok = tps_op_enroll_card(s, enrolled, error) && tps_op_enroll_record(s, enrolled, error);
	if (!ok) {
		tps_op_enroll_roll_back(s, enrolled);
		return FALSE;
	}
	tps_op_enroll_clear_key_slots(s);
	if (!tps_session_status_update(s, 100, "PROGRESS_DONE_ENROLLMENT", error))
		return FALSE;
	tps_session_add_activity(s, TPS_ACTIVITY_ENROLLMENT, TRUE, "token enrolled");
	return TRUE;
}
