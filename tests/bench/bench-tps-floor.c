/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The crypto floor of one ENROLL: the server-side cryptography the TPS cannot avoid, done
 * directly in a loop on one thread with the same libraries and keys as tpsd:
 *   - per secure channel: TKS random host challenge, session keys (card keys derived in the
 *     file key store), card cryptogram check, host cryptogram; the host session and the
 *     EXTERNAL AUTHENTICATE MAC (libtok-gp);
 *   - per wrapped command: C-DEC + C-MAC (and the response check) by the host session;
 *   - once: the TKS keygen challenge (random data + encrypt-data under the card's KEK);
 *   - per key: the proof-of-possession check (the TPS's own function) and the public key's
 *     DER encoding;
 *   - per certificate: what the local CA does with a key (decode, public key check) and the
 *     certificate it signs (tpsd's CA key, SHA-256, the same extensions);
 *   - once: the z0 object with both certificates, zlib-compressed.
 * The card's INITIALIZE UPDATE response comes from an in-process virtual card made like the
 * bench's tokens; the key generation results are made here like the card makes them.
 */
#include "config.h"

#include "tok-openssl-autoptr.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <glib/gstdio.h>

#include "bench-tps.h"
#include "tks-key-store-file.h"
#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-coolkey-object.h"
#include "tok-gp-apdu.h"
#include "tok-gp-session.h"
#include "tps-op-enroll.h"
#include "vcard-card.h"

#define BENCH_FLOOR_CUID "40906145BF0000000001"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
#define BENCH_FLOOR_CHALLENGE_LEN 16

typedef struct {
	TokGpCrypto *crypto;
	TksService *tks;
	GBytes *cuid;
	GBytes *host_challenge;
	GBytes *card_response;
	GBytes *kdd;
	GBytes *key_info;
	TokGpScp scp;
	TokGpSession *channel; /* authenticated, for the wrapped commands */
	GPtrArray *wrapped;    /* GBytes: plain commands whose wrapping has the recorded Lc */
	GBytes *challenge;
	TokCoolkeyKeygenResult *results[2];
	EVP_PKEY *keys[2];
	GBytes *spki[2];
	EVP_PKEY *ca_key;
	X509 *ca_cert;
	GBytes *certs[2];
	GBytes *ec_params;
	GBytes *ec_points[2];
	gboolean ec;
	GError *error; /* the first failure inside a timed loop */
} BenchFloorState;

void
bench_floor_free(BenchFloor *floor)
{
	if (floor == NULL)
		return;
	g_ptr_array_unref(floor->items);
	g_free(floor);
}

static void
bench_floor_item_free(BenchFloorItem *item)
{
	g_free(item->name);
	g_free(item);
}

static void
bench_floor_state_clear(BenchFloorState *st)
{
	g_clear_object(&st->crypto);
	g_clear_object(&st->tks);
	g_clear_pointer(&st->cuid, g_bytes_unref);
	g_clear_pointer(&st->host_challenge, g_bytes_unref);
	g_clear_pointer(&st->card_response, g_bytes_unref);
	g_clear_pointer(&st->kdd, g_bytes_unref);
	g_clear_pointer(&st->key_info, g_bytes_unref);
	g_clear_object(&st->channel);
	g_clear_pointer(&st->wrapped, g_ptr_array_unref);
	g_clear_pointer(&st->challenge, g_bytes_unref);
	for (guint i = 0; i < 2; i++) {
		g_clear_pointer(&st->results[i], tok_coolkey_keygen_result_free);
		g_clear_pointer(&st->keys[i], EVP_PKEY_free);
		g_clear_pointer(&st->spki[i], g_bytes_unref);
		g_clear_pointer(&st->certs[i], g_bytes_unref);
		g_clear_pointer(&st->ec_points[i], g_bytes_unref);
	}
	g_clear_pointer(&st->ec_params, g_bytes_unref);
	g_clear_pointer(&st->ca_key, EVP_PKEY_free);
	g_clear_pointer(&st->ca_cert, X509_free);
	g_clear_error(&st->error);
}

static gboolean
bench_floor_openssl_failed(const gchar *what, GError **error)
{
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s failed (OpenSSL)", what);
	return FALSE;
}

/* ---- the pieces, each one call ----------------------------------------------------------- */

static TokGpSessionFlags
bench_floor_session_flags(TokGpScp scp)
{
	/* as tps-secure-channel.c: SCP01/02 encrypt empty data; SCP01 without trailing Le */
	TokGpSessionFlags flags = TOK_GP_SESSION_FLAG_NONE;

	if (scp != TOK_GP_SCP03)
		flags |= TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA;
	if (scp == TOK_GP_SCP01)
		flags |= TOK_GP_SESSION_FLAG_OMIT_LE;
	return flags;
}

/* A secure channel: host challenge, TKS session keys + cryptograms, host session, EXTERNAL
 * AUTHENTICATE. Returns the authenticated session. */
static TokGpSession *
bench_floor_open_channel(BenchFloorState *st, GError **error)
{
	g_autoptr(GBytes) random = tks_service_compute_random_data(st->tks, TOK_GP_HOST_CHALLENGE_LEN, error);
	TksSessionRequest request = {0};
	g_autoptr(TksSessionResult) result = NULL;
	g_autoptr(TokGpSession) channel = NULL;
	g_autoptr(GBytes) ext_auth = NULL;
	guint8 host_cryptogram[8];

	if (random == NULL)
		return NULL;
	/* the card answered this challenge once: the TKS work does not depend on its value */
	request.key_set = "defKeySet";
	request.cuid = st->cuid;
	request.host_challenge = st->host_challenge;
	request.card_response = st->card_response;
	result = tks_service_compute_session_keys(st->tks, &request, error);
	if (result == NULL)
		return NULL;
	channel = tok_gp_session_new_host_with_session_keys(st->crypto,
							    tks_session_result_get_session_keys(result),
							    g_bytes_get_data(st->host_challenge, NULL),
							    g_bytes_get_data(st->card_response, NULL),
							    g_bytes_get_size(st->card_response),
							    bench_floor_session_flags(st->scp),
							    error);
	if (channel == NULL)
		return NULL;
	if (!tok_gp_session_get_host_cryptogram(channel, host_cryptogram) ||
	    memcmp(host_cryptogram, tks_session_result_get_host_cryptogram(result), sizeof(host_cryptogram)) != 0) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the TKS host cryptogram does not match");
		return NULL;
	}
	ext_auth = tok_gp_session_external_authenticate(channel, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC, error);
	if (ext_auth == NULL)
		return NULL;
	return g_steal_pointer(&channel);
}

static gboolean
bench_floor_step_channel(BenchFloorState *st, guint i, GError **error)
{
	g_autoptr(TokGpSession) channel = bench_floor_open_channel(st, error);

	return channel != NULL;
}

/* One wrapped command of the recorded list (round robin) and its response check. */
static gboolean
bench_floor_step_wrap(BenchFloorState *st, guint i, GError **error)
{
	GBytes *plain = g_ptr_array_index(st->wrapped, i % st->wrapped->len);
	static const guint8 ok[] = {0x90, 0x00};
	g_autoptr(GBytes) wrapped = tok_gp_session_wrap(st->channel, g_bytes_get_data(plain, NULL), g_bytes_get_size(plain), error);
	g_autoptr(GBytes) unwrapped = NULL;

	if (wrapped == NULL)
		return FALSE;
	unwrapped = tok_gp_session_unwrap_response(st->channel, ok, sizeof(ok), error);
	return unwrapped != NULL;
}

static gboolean
bench_floor_step_challenge(BenchFloorState *st, guint i, GError **error)
{
	g_autoptr(GBytes) seed = tks_service_compute_random_data(st->tks, BENCH_FLOOR_CHALLENGE_LEN, error);
	g_autoptr(GBytes) challenge = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	TksEncryptDataRequest request = {0};

	if (seed == NULL)
		return FALSE;
	request.key_set = "defKeySet";
	request.scp = st->scp;
	request.key_info = st->key_info;
	request.kdd = st->kdd;
	request.cuid = st->cuid;
	request.data = seed;
	return tks_service_encrypt_data(st->tks, &request, &challenge, &wrapped, error);
}

static gboolean
bench_floor_step_proof(BenchFloorState *st, guint i, GError **error)
{
	guint k = i % 2;
	unsigned char *der = NULL;
	int len;

	if (!tps_op_enroll_verify_proof_full(st->results[k],
					     st->ec ? TPS_KEY_ALGORITHM_EC_P256 : TPS_KEY_ALGORITHM_RSA,
					     st->challenge,
					     error))
		return FALSE;
	/* the SubjectPublicKeyInfo for the CA */
	len = i2d_PUBKEY(st->keys[k], &der);
	OPENSSL_free(der);
	return len > 0 || bench_floor_openssl_failed("SubjectPublicKeyInfo", error);
}

static gboolean
bench_floor_add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const gchar *value, GError **error)
{
	g_autoptr(X509_EXTENSION) ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1)
		return bench_floor_openssl_failed("certificate extension", error);
	return TRUE;
}

/* What the local CA does with one key: decode and check it, build, sign and encode the
 * certificate. */
static GBytes *
bench_floor_issue(BenchFloorState *st, guint k, GError **error)
{
	gsize spki_len = 0;
	const unsigned char *p = g_bytes_get_data(st->spki[k], &spki_len);
	g_autoptr(EVP_PKEY) pubkey = d2i_PUBKEY(NULL, &p, (long)spki_len);
	g_autoptr(EVP_PKEY_CTX) pctx = NULL;
	g_autoptr(X509) cert = X509_new();
	g_autoptr(X509_NAME) subject = X509_NAME_new();
	g_autoptr(BIGNUM) bn = NULL;
	g_autoptr(ASN1_INTEGER) sn = NULL;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	guint8 serial[16];
	X509V3_CTX ctx;
	const gchar *usage = k == 0 ? "critical,digitalSignature,nonRepudiation"
				    : (st->ec ? "critical,keyAgreement" : "critical,keyEncipherment,dataEncipherment");
	unsigned char *der = NULL;
	int len;
	GBytes *out;

	if (pubkey == NULL || (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pubkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(pctx) != 1) {
		bench_floor_openssl_failed("the public key check", error);
		return NULL;
	}
	if (RAND_bytes(serial, sizeof(serial)) != 1) {
		bench_floor_openssl_failed("serial", error);
		return NULL;
	}
	serial[0] &= 0x7F;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (cert == NULL || subject == NULL || bn == NULL || (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8, (const unsigned char *)"Token Key User", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(subject, "UID", MBSTRING_UTF8, (const unsigned char *)"bench001", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const unsigned char *)"Bench User 1", -1, -1, 0) != 1 ||
	    X509_set_version(cert, X509_VERSION_3) != 1 || X509_set_serialNumber(cert, sn) != 1 ||
	    X509_set_subject_name(cert, subject) != 1 || X509_set_issuer_name(cert, X509_get_subject_name(st->ca_cert)) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)now) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)(now + 1825 * 86400)) == NULL || X509_set_pubkey(cert, pubkey) != 1) {
		bench_floor_openssl_failed("building a certificate", error);
		return NULL;
	}
	X509V3_set_ctx(&ctx, st->ca_cert, cert, NULL, NULL, 0);
	if (!bench_floor_add_ext(cert, &ctx, NID_basic_constraints, "CA:FALSE", error) ||
	    !bench_floor_add_ext(cert, &ctx, NID_key_usage, usage, error) ||
	    !bench_floor_add_ext(cert, &ctx, NID_subject_key_identifier, "hash", error) ||
	    !bench_floor_add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always", error))
		return NULL;
	if (X509_sign(cert, st->ca_key, EVP_sha256()) <= 0) {
		bench_floor_openssl_failed("signing a certificate", error);
		return NULL;
	}
	len = i2d_X509(cert, &der);
	if (len <= 0) {
		bench_floor_openssl_failed("encoding a certificate", error);
		return NULL;
	}
	out = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	return out;
}

static gboolean
bench_floor_step_issue(BenchFloorState *st, guint i, GError **error)
{
	g_autoptr(GBytes) cert = bench_floor_issue(st, i % 2, error);

	return cert != NULL;
}

static gboolean
bench_floor_step_z0(BenchFloorState *st, guint i, GError **error)
{
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(GBytes) encoded = NULL;

	tok_coolkey_object_set_set_format_version(set, 0x0100);
	tok_coolkey_object_set_set_object_version(set, 1);
	if (!tok_coolkey_object_set_set_cuid(set, g_bytes_get_data(st->cuid, NULL), g_bytes_get_size(st->cuid), error) ||
	    !tok_coolkey_object_set_set_token_name(set, "Bench User 1", error))
		return FALSE;
	for (guint k = 0; k < 2; k++) {
		TokCoolkeyCertificateSpec spec = {0};

		spec.index = k + 1;
		spec.label = k == 0 ? "signing key for bench001" : "encryption key for bench001";
		spec.certificate = st->certs[k];
		spec.key_type = st->ec ? TOK_CKK_EC : TOK_CKK_RSA;
		spec.usage = k == 0 ? TOK_COOLKEY_KEY_USAGE_SIGNING : TOK_COOLKEY_KEY_USAGE_ENCRYPTION;
		spec.ec_params = st->ec ? st->ec_params : NULL;
		spec.ec_point = st->ec ? st->ec_points[k] : NULL;
		if (!tok_coolkey_object_set_add_certificate(set, &spec, error))
			return FALSE;
	}
	encoded = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, error);
	return encoded != NULL;
}

/* ---- setup ------------------------------------------------------------------------------- */

/* The INITIALIZE UPDATE response of a virtual card made like the bench's tokens. */
static gboolean
bench_floor_card_response(BenchFloorState *st, GError **error)
{
	g_autoptr(VcardCard) card = NULL;
	g_autoptr(TokApdu) init = NULL;
	g_autoptr(GBytes) encoded = NULL;
	g_autoptr(GBytes) response = NULL;
	const guint8 hc[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	TokGpInitUpdateResponse iu = {0};
	VcardCardConfig config;
	const guint8 *data;
	gsize len = 0;

	vcard_card_config_init(&config);
	config.scp = st->scp;
	config.has_cuid = TRUE;
	for (guint i = 0; i < 10; i++)
		config.cuid[i] = ((const guint8 *)g_bytes_get_data(st->cuid, NULL))[i];
	card = vcard_card_new(&config, error);
	if (card == NULL)
		return FALSE;
	vcard_card_power_on(card);
	init = tok_gp_apdu_initialize_update(0x00, 0x00, hc, sizeof(hc), error);
	if (init == NULL || (encoded = tok_apdu_encode(init, TOK_APDU_ENCODING_SHORT, error)) == NULL)
		return FALSE;
	response = vcard_card_transmit(card, g_bytes_get_data(encoded, NULL), g_bytes_get_size(encoded), error);
	if (response == NULL)
		return FALSE;
	data = g_bytes_get_data(response, &len);
	if (len < 2 || data[len - 2] != 0x90 || data[len - 1] != 0x00) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the virtual card refused INITIALIZE UPDATE");
		return FALSE;
	}
	st->host_challenge = g_bytes_new(hc, sizeof(hc));
	st->card_response = g_bytes_new(data, len - 2);
	if (!tok_gp_parse_initialize_update(data, len - 2, &iu, error))
		return FALSE;
	st->kdd = g_bytes_new(iu.kdd, sizeof(iu.kdd));
	return TRUE;
}

/* A key generation result as the card makes it: pubBlob and the SHA-1 proof over
 * pubBlob || challenge. */
static gboolean
bench_floor_keygen_result(BenchFloorState *st, guint k, GError **error)
{
	g_autoptr(GByteArray) blob = g_byte_array_new();
	g_autoptr(GByteArray) signed_data = g_byte_array_new();
	g_autoptr(GByteArray) result = g_byte_array_new();
	g_autoptr(EVP_MD_CTX) md = EVP_MD_CTX_new();
	g_autoptr(GByteArray) sig = g_byte_array_new();
	size_t sig_len = 0;
	EVP_PKEY *key;

	st->keys[k] = st->ec ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") : bench_keys_generate_rsa(2048);
	key = st->keys[k];
	if (key == NULL)
		return bench_floor_openssl_failed("key generation", error);
	tok_byte_array_append_u8(blob, 0x00);
	if (st->ec) {
		guint8 point[65];
		size_t point_len = 0;

		if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point, sizeof(point), &point_len) != 1 ||
		    point_len != sizeof(point))
			return bench_floor_openssl_failed("EC point", error);
		tok_byte_array_append_u8(blob, TOK_COOLKEY_KEY_BLOB_EC_PUBLIC);
		tok_byte_array_append_u16_be(blob, 256);
		tok_byte_array_append_u16_be(blob, (guint16)point_len);
		g_byte_array_append(blob, point, (guint)point_len);
		{
			g_autoptr(GByteArray) der = g_byte_array_new();
			tok_byte_array_append_u8(der, 0x04);
			tok_byte_array_append_u8(der, (guint8)point_len);
			g_byte_array_append(der, point, (guint)point_len);
			st->ec_points[k] = g_byte_array_free_to_bytes(g_steal_pointer(&der));
		}
	} else {
		g_autoptr(BIGNUM) n = NULL;
		g_autoptr(BIGNUM) e = NULL;
		guint8 modulus[256];
		guint8 exponent[8];
		int e_len;

		if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1 || EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
		    BN_bn2binpad(n, modulus, sizeof(modulus)) != (int)sizeof(modulus) || (e_len = BN_num_bytes(e)) > (int)sizeof(exponent) ||
		    BN_bn2bin(e, exponent) != e_len)
			return bench_floor_openssl_failed("RSA key", error);
		tok_byte_array_append_u8(blob, TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC);
		tok_byte_array_append_u16_be(blob, 2048);
		tok_byte_array_append_u16_be(blob, sizeof(modulus));
		g_byte_array_append(blob, modulus, sizeof(modulus));
		tok_byte_array_append_u16_be(blob, (guint16)e_len);
		g_byte_array_append(blob, exponent, (guint)e_len);
	}
	g_byte_array_append(signed_data, blob->data, blob->len);
	tok_byte_array_append_bytes(signed_data, st->challenge);
	if (md == NULL || EVP_DigestSignInit_ex(md, NULL, "SHA1", NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(md, NULL, &sig_len, signed_data->data, signed_data->len) != 1)
		return bench_floor_openssl_failed("proof signature", error);
	g_byte_array_set_size(sig, (guint)sig_len);
	if (EVP_DigestSign(md, sig->data, &sig_len, signed_data->data, signed_data->len) != 1)
		return bench_floor_openssl_failed("proof signature", error);
	tok_byte_array_append_u16_be(result, (guint16)blob->len);
	g_byte_array_append(result, blob->data, blob->len);
	tok_byte_array_append_u16_be(result, (guint16)sig_len);
	g_byte_array_append(result, sig->data, (guint)sig_len);
	st->results[k] = tok_coolkey_keygen_result_parse(result->data, result->len, error);
	if (st->results[k] == NULL)
		return FALSE;
	{
		unsigned char *der = NULL;
		int len = i2d_PUBKEY(key, &der);
		if (len <= 0)
			return bench_floor_openssl_failed("SubjectPublicKeyInfo", error);
		st->spki[k] = g_bytes_new(der, (gsize)len);
		OPENSSL_free(der);
	}
	return TRUE;
}

static gboolean
bench_floor_load_ca(BenchFloorState *st, const gchar *ca_dir, GError **error)
{
	g_autofree gchar *key_path = g_build_filename(ca_dir, "ca-key.pem", NULL);
	g_autofree gchar *cert_path = g_build_filename(ca_dir, "ca-cert.pem", NULL);
	g_autofree gchar *key_pem = NULL;
	g_autofree gchar *cert_pem = NULL;
	gsize key_len = 0;
	gsize cert_len = 0;
	g_autoptr(BIO) key_bio = NULL;
	g_autoptr(BIO) cert_bio = NULL;

	if (!g_file_get_contents(key_path, &key_pem, &key_len, error) || !g_file_get_contents(cert_path, &cert_pem, &cert_len, error))
		return FALSE;
	key_bio = BIO_new_mem_buf(key_pem, (int)key_len);
	cert_bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
	if (key_bio == NULL || cert_bio == NULL)
		return bench_floor_openssl_failed("BIO", error);
	st->ca_key = PEM_read_bio_PrivateKey(key_bio, NULL, NULL, NULL);
	st->ca_cert = PEM_read_bio_X509(cert_bio, NULL, NULL, NULL);
	OPENSSL_cleanse(key_pem, key_len);
	if (st->ca_key == NULL || st->ca_cert == NULL)
		return bench_floor_openssl_failed("reading tpsd's CA", error);
	return TRUE;
}

static gboolean
bench_floor_setup(BenchFloorState *st,
		  const BenchEnrollShape *shape,
		  GKeyFile *tks_config,
		  const gchar *ca_dir,
		  TokGpScp scp,
		  GError **error)
{
	g_autofree gchar *dir = g_dir_make_tmp("bench-tps-floor-XXXXXX", error);
	g_autofree gchar *store_path = NULL;
	g_autoptr(TokSecret) file_key = NULL;
	g_autoptr(TksKeyStoreFile) store = NULL;
	unsigned char *der = NULL;
	int len;

	if (dir == NULL)
		return FALSE;
	st->scp = scp;
	st->ec = shape->ec;
	st->crypto = tok_gp_crypto_new(error);
	if (st->crypto == NULL)
		return FALSE;
	/* a file key store like tpsd's (the developer key set is installed by the service) */
	store_path = g_build_filename(dir, "keys.tks", NULL);
	file_key = tok_secret_new_random(TKS_KEY_STORE_FILE_KEY_SIZE, error);
	if (file_key == NULL)
		return FALSE;
	store = tks_key_store_file_create(store_path, NULL, file_key, NULL, error);
	if (store == NULL)
		return FALSE;
	st->tks = tks_service_new(TKS_KEY_STORE(store), tks_config, error);
	(void)g_unlink(store_path);
	(void)g_rmdir(dir);
	if (st->tks == NULL)
		return FALSE;
	st->cuid = tok_hex_decode(BENCH_FLOOR_CUID, TOK_HEX_FLAG_NONE, error);
	if (st->cuid == NULL || !bench_floor_card_response(st, error))
		return FALSE;
	st->channel = bench_floor_open_channel(st, error);
	if (st->channel == NULL)
		return FALSE;
	st->key_info = tok_gp_session_get_key_info(st->channel);
	/* the plain commands: data of the length whose wrapping has the recorded Lc (8-byte
	 * padding with at least one byte, then an 8-byte MAC) */
	st->wrapped = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (guint i = 0; i < shape->wrapped_lc->len; i++) {
		guint lc = g_array_index(shape->wrapped_lc, guint, i);
		guint data_len = lc > 16 ? lc - 9 : 0;
		g_autoptr(GByteArray) apdu = g_byte_array_new();

		tok_byte_array_append_u8(apdu, 0x84);
		tok_byte_array_append_u8(apdu, 0x54);
		tok_byte_array_append_u8(apdu, 0x00);
		tok_byte_array_append_u8(apdu, 0x00);
		if (data_len > 0) {
			tok_byte_array_append_u8(apdu, (guint8)data_len);
			g_byte_array_set_size(apdu, apdu->len + data_len);
		}
		g_ptr_array_add(st->wrapped, g_byte_array_free_to_bytes(g_steal_pointer(&apdu)));
	}
	if (st->wrapped->len == 0) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the ENROLL had no wrapped command");
		return FALSE;
	}
	{
		guint8 challenge[BENCH_FLOOR_CHALLENGE_LEN];
		if (RAND_bytes(challenge, sizeof(challenge)) != 1)
			return bench_floor_openssl_failed("challenge", error);
		st->challenge = g_bytes_new(challenge, sizeof(challenge));
	}
	len = i2d_ASN1_OBJECT(OBJ_nid2obj(NID_X9_62_prime256v1), &der);
	if (len <= 0)
		return bench_floor_openssl_failed("EC parameters", error);
	st->ec_params = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	if (!bench_floor_load_ca(st, ca_dir, error))
		return FALSE;
	for (guint k = 0; k < 2; k++) {
		if (!bench_floor_keygen_result(st, k, error))
			return FALSE;
		st->certs[k] = bench_floor_issue(st, k, error);
		if (st->certs[k] == NULL)
			return FALSE;
	}
	return TRUE;
}

/* ---- measuring --------------------------------------------------------------------------- */

typedef gboolean (*BenchFloorStep)(BenchFloorState *st, guint i, GError **error);

/* CPU microseconds per call of @step, run for about @seconds of thread CPU time. */
static gdouble
bench_floor_time(BenchFloorState *st, BenchFloorStep step, gdouble seconds, GError **error)
{
	gint64 start = bench_thread_cpu_us();
	gint64 budget = (gint64)(seconds * G_USEC_PER_SEC);
	guint n = 0;

	/* one warm-up call */
	if (!step(st, 0, error))
		return -1;
	start = bench_thread_cpu_us();
	do {
		if (!step(st, n, error))
			return -1;
		n++;
	} while (bench_thread_cpu_us() - start < budget || n < 4);
	return (gdouble)(bench_thread_cpu_us() - start) / n;
}

static gboolean
bench_floor_add(BenchFloor *floor,
		BenchFloorState *st,
		const gchar *name,
		guint count,
		BenchFloorStep step,
		gdouble seconds,
		GError **error)
{
	BenchFloorItem *item;
	gdouble us = bench_floor_time(st, step, seconds, error);

	if (us < 0) {
		g_prefix_error(error, "%s: ", name);
		return FALSE;
	}
	item = g_new0(BenchFloorItem, 1);
	item->name = g_strdup(name);
	item->count = count;
	item->us_each = us;
	g_ptr_array_add(floor->items, item);
	floor->total_us += us * count;
	return TRUE;
}

BenchFloor *
bench_floor_measure(const BenchEnrollShape *shape,
		    GKeyFile *tks_config,
		    const gchar *ca_dir,
		    TokGpScp scp,
		    gdouble seconds_per_item,
		    GError **error)
{
	BenchFloorState st = {0};
	g_autoptr(BenchFloor) floor = g_new0(BenchFloor, 1);
	gboolean ok;

	floor->items = g_ptr_array_new_with_free_func((GDestroyNotify)bench_floor_item_free);
	ok = bench_floor_setup(&st, shape, tks_config, ca_dir, scp, error) &&
	     bench_floor_add(floor, &st, "secure channel (TKS keys + cryptograms)", shape->n_channels, bench_floor_step_channel, seconds_per_item, error) &&
	     bench_floor_add(floor, &st, "wrapped command (C-DEC + C-MAC)", shape->wrapped_lc->len, bench_floor_step_wrap, seconds_per_item, error) &&
	     bench_floor_add(floor, &st, "keygen challenge (TKS encrypt-data)", 1, bench_floor_step_challenge, seconds_per_item, error) &&
	     bench_floor_add(floor, &st, shape->ec ? "proof of possession (ECDSA P-256)" : "proof of possession (RSA-2048)", 2,
			     bench_floor_step_proof, seconds_per_item, error) &&
	     bench_floor_add(floor, &st, "CA key check + certificate signature", 2, bench_floor_step_issue, seconds_per_item, error) &&
	     bench_floor_add(floor, &st, "z0 object (zlib)", 1, bench_floor_step_z0, seconds_per_item, error);
	bench_floor_state_clear(&st);
	if (!ok)
		return NULL;
	return g_steal_pointer(&floor);
}
