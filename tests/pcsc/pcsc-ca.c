/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-openssl-autoptr.h"

#include "pcsc-ca.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "tok-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

struct _PcscCa {
	EVP_PKEY *key;
	X509 *cert;
	guint64 next_serial;
};

static gboolean
pcsc_ca_add_ext(X509 *cert, X509 *issuer, int nid, const gchar *value, GError **error)
{
	X509V3_CTX ctx;
	g_autoptr(X509_EXTENSION) ext = NULL;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL || X509_add_ext(cert, ext, -1) != 1) {
		tok_error_set_openssl(error, "adding a certificate extension");
		return FALSE;
	}
	return TRUE;
}

/* A certificate skeleton: version 3, serial, validity now .. +1 day, subject CN. */
static X509 *
pcsc_ca_new_cert(guint64 serial, EVP_PKEY *key, const gchar *common_name, GError **error)
{
	g_autoptr(X509) cert = X509_new();
	X509_NAME *name;

	if (cert == NULL || X509_set_version(cert, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600) == NULL ||
	    X509_set_pubkey(cert, key) != 1) {
		tok_error_set_openssl(error, "building a certificate");
		return NULL;
	}
	name = X509_get_subject_name(cert);
	if (X509_NAME_add_entry_by_txt(name,
				       "CN",
				       MBSTRING_UTF8,
				       (const unsigned char *)common_name,
				       -1,
				       -1,
				       0) != 1) {
		tok_error_set_openssl(error, "building a certificate subject");
		return NULL;
	}
	return g_steal_pointer(&cert);
}

PcscCa *
pcsc_ca_new(const gchar *common_name, GError **error)
{
	g_autoptr(PcscCa) ca = g_new0(PcscCa, 1);

	ca->next_serial = 2;
	ca->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (ca->key == NULL) {
		tok_error_set_openssl(error, "CA key generation");
		return NULL;
	}
	ca->cert = pcsc_ca_new_cert(1, ca->key, common_name, error);
	if (ca->cert == NULL)
		return NULL;
	if (X509_set_issuer_name(ca->cert, X509_get_subject_name(ca->cert)) != 1) {
		tok_error_set_openssl(error, "CA issuer name");
		return NULL;
	}
	if (!pcsc_ca_add_ext(ca->cert,
			     ca->cert,
			     NID_basic_constraints,
			     "critical,CA:TRUE",
			     error) ||
	    !pcsc_ca_add_ext(ca->cert,
			     ca->cert,
			     NID_key_usage,
			     "critical,keyCertSign,cRLSign",
			     error) ||
	    !pcsc_ca_add_ext(ca->cert, ca->cert, NID_subject_key_identifier, "hash", error))
		return NULL;
	if (X509_sign(ca->cert, ca->key, EVP_sha256()) <= 0) {
		tok_error_set_openssl(error, "self-signing the CA certificate");
		return NULL;
	}
	return g_steal_pointer(&ca);
}

void
pcsc_ca_free(PcscCa *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	g_free(ca);
}

X509 *
pcsc_ca_get_certificate(PcscCa *ca)
{
	return ca->cert;
}

GBytes *
pcsc_ca_issue(PcscCa *ca, EVP_PKEY *subject_key, const gchar *common_name, GError **error)
{
	g_autoptr(X509) cert = pcsc_ca_new_cert(ca->next_serial++, subject_key, common_name, error);
	unsigned char *der = NULL;
	int len;
	GBytes *out;

	if (cert == NULL)
		return NULL;
	if (X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) != 1) {
		tok_error_set_openssl(error, "certificate issuer name");
		return NULL;
	}
	if (!pcsc_ca_add_ext(cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE", error) ||
	    !pcsc_ca_add_ext(cert, ca->cert, NID_key_usage, "critical,digitalSignature", error) ||
	    !pcsc_ca_add_ext(cert, ca->cert, NID_authority_key_identifier, "keyid", error))
		return NULL;
	if (X509_sign(cert, ca->key, EVP_sha256()) <= 0) {
		tok_error_set_openssl(error, "signing the certificate");
		return NULL;
	}
	len = i2d_X509(cert, &der);
	if (len <= 0) {
		tok_error_set_openssl(error, "encoding the certificate");
		return NULL;
	}
	out = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	return out;
}

EVP_PKEY *
pcsc_rsa_public_key(GBytes *modulus, GBytes *exponent, GError **error)
{
	g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new();
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	g_autoptr(BIGNUM) n = NULL;
	g_autoptr(BIGNUM) e = NULL;
	EVP_PKEY *key = NULL;
	gsize n_len;
	gsize e_len;
	const guint8 *n_data = g_bytes_get_data(modulus, &n_len);
	const guint8 *e_data = g_bytes_get_data(exponent, &e_len);

	n = BN_bin2bn(n_data, (int)n_len, NULL);
	e = BN_bin2bn(e_data, (int)e_len, NULL);
	if (bld == NULL || ctx == NULL || n == NULL || e == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		tok_error_set_openssl(error, "building the RSA public key");
		return NULL;
	}
	return key;
}

X509 *
pcsc_x509_from_der(GBytes *der, GError **error)
{
	gsize len;
	const unsigned char *p = g_bytes_get_data(der, &len);
	X509 *cert = d2i_X509(NULL, &p, (long)len);

	if (cert == NULL)
		tok_error_set_openssl(error, "parsing the certificate");
	return cert;
}

gboolean
pcsc_verify_rsa(EVP_PKEY *key, const gchar *md, GBytes *data, GBytes *signature, GError **error)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rv;

	if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
		tok_error_set_openssl(error, "RSA verification setup");
		return FALSE;
	}
	rv = EVP_DigestVerify(ctx,
			      g_bytes_get_data(signature, NULL),
			      g_bytes_get_size(signature),
			      g_bytes_get_data(data, NULL),
			      g_bytes_get_size(data));
	if (rv != 1) {
		g_autoptr(GError) detail = NULL;
		tok_error_set_openssl(&detail, "EVP_DigestVerify");
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "RSA-%s signature (%" G_GSIZE_FORMAT " bytes) does not verify: %s",
			    md,
			    g_bytes_get_size(signature),
			    detail->message);
		return FALSE;
	}
	return TRUE;
}

GBytes *
pcsc_sha256_digest_info(GBytes *data)
{
	/* DER of DigestInfo { AlgorithmIdentifier { sha256, NULL }, OCTET STRING (32) } */
	static const guint8 prefix[] = {0x30,
					0x31,
					0x30,
					0x0d,
					0x06,
					0x09,
					0x60,
					0x86,
					0x48,
					0x01,
					0x65,
					0x03,
					0x04,
					0x02,
					0x01,
					0x05,
					0x00,
					0x04,
					0x20};
	guint8 hash[32];
	unsigned int hash_len = sizeof(hash);
	GByteArray *out = g_byte_array_new();

	EVP_Digest(g_bytes_get_data(data, NULL),
		   g_bytes_get_size(data),
		   hash,
		   &hash_len,
		   EVP_sha256(),
		   NULL);
	g_byte_array_append(out, prefix, sizeof(prefix));
	g_byte_array_append(out, hash, hash_len);
	return g_byte_array_free_to_bytes(out);
}
