/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "esc-certificate.h"
#include "esc-error.h"
#include "tok-openssl-autoptr.h"

typedef struct {
	const gchar *key_type; /* "RSA" or "EC" */
	const gchar *cn;       /* NULL: no CN in the subject */
	const gchar *key_usage; /* "digitalSignature,nonRepudiation" or NULL */
	glong not_before;	/* seconds from now */
	glong not_after;
	guint serial;
} CertSpec;

/* A self-signed certificate made now with OpenSSL. */
static GBytes *
make_cert(const CertSpec *spec)
{
	g_autoptr(EVP_PKEY) key = NULL;
	g_autoptr(X509) x509 = X509_new();
	X509_NAME *name = X509_get_subject_name(x509);
	unsigned char *der = NULL;
	int len;
	GBytes *out;

	if (g_strcmp0(spec->key_type, "RSA") == 0)
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_assert_nonnull(key);
	g_assert_cmpint(X509_set_version(x509, 2), ==, 1);
	g_assert_cmpint(ASN1_INTEGER_set(X509_get_serialNumber(x509), (long)spec->serial), ==, 1);
	g_assert_nonnull(X509_time_adj_ex(X509_getm_notBefore(x509), 0, spec->not_before, NULL));
	g_assert_nonnull(X509_time_adj_ex(X509_getm_notAfter(x509), 0, spec->not_after, NULL));
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"Example, Inc.", -1, -1, 0);
	if (spec->cn != NULL)
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)spec->cn, -1, -1, 0);
	g_assert_cmpint(X509_set_issuer_name(x509, name), ==, 1);
	g_assert_cmpint(X509_set_pubkey(x509, key), ==, 1);
	if (spec->key_usage != NULL) {
		X509V3_CTX ctx;
		g_autoptr(X509_EXTENSION) ext = NULL;

		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, x509, x509, NULL, NULL, 0);
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, spec->key_usage);
		g_assert_nonnull(ext);
		g_assert_cmpint(X509_add_ext(x509, ext, -1), ==, 1);
	}
	g_assert_cmpint(X509_sign(x509, key, EVP_sha256()), >, 0);
	len = i2d_X509(x509, &der);
	g_assert_cmpint(len, >, 0);
	out = g_bytes_new(der, (gsize)len);
	OPENSSL_free(der);
	return out;
}

static gchar *
sha256_colon(GBytes *der)
{
	g_autofree gchar *hex = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, der);
	g_autofree gchar *upper = g_ascii_strup(hex, -1);
	GString *out = g_string_new(NULL);

	for (gsize i = 0; upper[i] != '\0'; i += 2) {
		if (i > 0)
			g_string_append_c(out, ':');
		g_string_append_len(out, upper + i, 2);
	}
	return g_string_free(out, FALSE);
}

static void
test_rsa(void)
{
	const CertSpec spec = {"RSA", "Alice Example", "digitalSignature,nonRepudiation", -3600, 86400, 0x01A2};
	g_autoptr(GBytes) der = make_cert(&spec);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCertificate) cert = esc_certificate_new_from_der(der, &error);
	g_autofree gchar *fp = sha256_colon(der);
	g_autofree gchar *sha1 = g_compute_checksum_for_bytes(G_CHECKSUM_SHA1, der);
	g_autofree gchar *pem = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GDateTime) later = g_date_time_add_days(now, 2);
	g_autoptr(GDateTime) earlier = g_date_time_add_days(now, -1);

	g_assert_no_error(error);
	g_assert_nonnull(cert);
	g_assert_true(g_bytes_equal(esc_certificate_get_der(cert), der));
	g_assert_cmpstr(esc_certificate_get_subject(cert), ==, "CN=Alice Example,O=Example\\, Inc.");
	g_assert_cmpstr(esc_certificate_get_issuer(cert), ==, esc_certificate_get_subject(cert));
	g_assert_cmpstr(esc_certificate_get_serial(cert), ==, "01:A2");
	g_assert_cmpstr(esc_certificate_get_key_usage(cert), ==, "Digital Signature, Non Repudiation");
	g_assert_cmpstr(esc_certificate_get_key_description(cert), ==, "RSA 2048 bits");
	g_assert_cmpstr(esc_certificate_get_sha256_fingerprint(cert), ==, fp);
	g_assert_cmpuint(strlen(esc_certificate_get_sha1_fingerprint(cert)), ==, 20 * 3 - 1);
	g_assert_true(g_ascii_strncasecmp(esc_certificate_get_sha1_fingerprint(cert), sha1, 2) == 0);
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "Alice Example");
	g_assert_true(esc_certificate_is_valid_now(cert));
	g_assert_false(esc_certificate_is_valid_at(cert, later));
	g_assert_false(esc_certificate_is_valid_at(cert, earlier));
	g_assert_cmpint(g_date_time_get_utc_offset(esc_certificate_get_not_before(cert)), ==, 0);
	g_assert_cmpint(g_date_time_difference(esc_certificate_get_not_after(cert), esc_certificate_get_not_before(cert)) / G_TIME_SPAN_SECOND,
			==, 86400 + 3600);
	pem = esc_certificate_get_pem(cert);
	g_assert_true(g_str_has_prefix(pem, "-----BEGIN CERTIFICATE-----\n"));
	g_assert_true(g_str_has_suffix(pem, "-----END CERTIFICATE-----\n"));
	/* the label from z0 wins over the CN; clearing it falls back again */
	esc_certificate_set_label(cert, "Signing key");
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "Signing key");
	esc_certificate_set_label(cert, "");
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "Alice Example");
	esc_certificate_set_label(cert, "\xff\xfe");
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "Alice Example");
}

static void
test_ec_expired(void)
{
	const CertSpec spec = {"EC", NULL, NULL, -86400 * 10, -86400, 7};
	g_autoptr(GBytes) der = make_cert(&spec);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCertificate) cert = esc_certificate_new_from_der(der, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(esc_certificate_get_key_description(cert), ==, "EC P-256");
	g_assert_cmpstr(esc_certificate_get_key_usage(cert), ==, "");
	g_assert_cmpstr(esc_certificate_get_serial(cert), ==, "07");
	/* no CN: the label is the whole subject */
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "O=Example\\, Inc.");
	g_assert_false(esc_certificate_is_valid_now(cert));
}

static void
test_bad(void)
{
	const CertSpec spec = {"EC", "x", NULL, 0, 60, 1};
	g_autoptr(GBytes) der = make_cert(&spec);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(der, &len);
	g_autoptr(GByteArray) trailing = g_byte_array_new();
	g_autoptr(GBytes) trailing_bytes = NULL;
	g_autoptr(GBytes) truncated = g_bytes_new(data, len - 1);
	g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
	g_autoptr(GBytes) garbage = g_bytes_new_static("\x30\x03\x02\x01\x01", 5);
	g_autofree guint8 *big = g_malloc0(ESC_CERTIFICATE_MAX_DER_SIZE + 1);
	g_autoptr(GBytes) too_big = g_bytes_new(big, ESC_CERTIFICATE_MAX_DER_SIZE + 1);
	GBytes *bad[] = {NULL, truncated, empty, garbage, too_big};

	g_byte_array_append(trailing, data, (guint)len);
	g_byte_array_append(trailing, (const guint8 *)"\x00", 1);
	trailing_bytes = g_byte_array_free_to_bytes(g_steal_pointer(&trailing));
	bad[0] = trailing_bytes;
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(EscCertificate) cert = esc_certificate_new_from_der(bad[i], &error);

		g_assert_null(cert);
		g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(EscCertificate) cert = esc_certificate_new_from_der(trailing_bytes, &error);
		g_assert_null(cert);
		g_assert_nonnull(strstr(error->message, "trailing data (1 bytes)"));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/certificate/rsa", test_rsa);
	g_test_add_func("/esc/certificate/ec-expired", test_ec_expired);
	g_test_add_func("/esc/certificate/bad", test_bad);
	return g_test_run();
}
