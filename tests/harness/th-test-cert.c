/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "th-test-cert.h"

#include <glib/gstdio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

void
th_test_cert_free(ThTestCert *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	if (c->cert_path != NULL)
		g_unlink(c->cert_path);
	if (c->pem_path != NULL)
		g_unlink(c->pem_path);
	g_free(c->cert_path);
	g_free(c->pem_path);
	g_free(c);
}

static void
th_test_cert_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	g_assert_nonnull(ext);
	g_assert_cmpint(X509_add_ext(cert, ext, -1), ==, 1);
	X509_EXTENSION_free(ext);
}

ThTestCert *
th_test_cert_new(const gchar *dir, const gchar *name, const gchar *cn, const gchar *san, ThTestCert *issuer, gboolean ca)
{
	return th_test_cert_new_full(dir, name, cn, san, issuer, ca, -3600, 86400);
}

ThTestCert *
th_test_cert_new_full(const gchar *dir,
		       const gchar *name,
		       const gchar *cn,
		       const gchar *san,
		       ThTestCert *issuer,
		       gboolean ca,
		       glong not_before,
		       glong not_after)
{
	g_autoptr(ThTestCert) c = g_new0(ThTestCert, 1);
	g_autoptr(BIO) bio = NULL;
	X509 *signer;
	X509_NAME *subject;
	BIGNUM *bn;
	guint8 serial[8];

	c->key = EVP_EC_gen("P-256");
	g_assert_nonnull(c->key);
	c->cert = X509_new();
	signer = issuer != NULL ? issuer->cert : c->cert;
	g_assert_cmpint(X509_set_version(c->cert, 2), ==, 1);
	g_assert_cmpint(RAND_bytes(serial, sizeof(serial)), ==, 1);
	serial[0] &= 0x7F;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	g_assert_nonnull(bn);
	g_assert_nonnull(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c->cert)));
	BN_free(bn);
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(c->cert), not_before));
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(c->cert), not_after));
	subject = X509_get_subject_name(c->cert);
	g_assert_cmpint(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const guchar *)cn, -1, -1, 0), ==, 1);
	g_assert_cmpint(X509_set_issuer_name(c->cert, X509_get_subject_name(signer)), ==, 1);
	g_assert_cmpint(X509_set_pubkey(c->cert, c->key), ==, 1);
	if (ca) {
		th_test_cert_add_ext(c->cert, signer, NID_basic_constraints, "critical,CA:TRUE");
		th_test_cert_add_ext(c->cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
		th_test_cert_add_ext(c->cert, signer, NID_subject_key_identifier, "hash");
	} else {
		th_test_cert_add_ext(c->cert, signer, NID_basic_constraints, "critical,CA:FALSE");
		th_test_cert_add_ext(c->cert, signer, NID_ext_key_usage, "serverAuth");
	}
	if (san != NULL)
		th_test_cert_add_ext(c->cert, signer, NID_subject_alt_name, san);
	g_assert_cmpint(X509_sign(c->cert, issuer != NULL ? issuer->key : c->key, EVP_sha256()), >, 0);

	c->cert_path = g_strdup_printf("%s/%s.crt", dir, name);
	c->pem_path = g_strdup_printf("%s/%s.pem", dir, name);
	bio = BIO_new_file(c->cert_path, "w");
	g_assert_nonnull(bio);
	g_assert_cmpint(PEM_write_bio_X509(bio, c->cert), ==, 1);
	g_clear_pointer(&bio, BIO_free);
	bio = BIO_new_file(c->pem_path, "w");
	g_assert_nonnull(bio);
	g_assert_cmpint(PEM_write_bio_X509(bio, c->cert), ==, 1);
	g_assert_cmpint(PEM_write_bio_PrivateKey(bio, c->key, NULL, NULL, 0, NULL, NULL), ==, 1);
	return g_steal_pointer(&c);
}
