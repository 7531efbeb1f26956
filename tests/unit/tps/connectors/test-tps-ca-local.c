/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-openssl-autoptr.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

#include "tps-ca-index.h"
#include "tps-ca-local.h"
#include "tps-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

#define CA_SUBJECT "CN=ESC TPS Test CA, O=Example"
#define CUID "40906145C7620000A1B2"

typedef struct {
	gchar *dir;
	TpsCaConnector *ca;
	EVP_PKEY *ec_key; /* a token key */
} Fixture;

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

static GBytes *
spki_of(EVP_PKEY *key)
{
	int n = i2d_PUBKEY(key, NULL);
	guint8 *buf = g_malloc((gsize)n);
	unsigned char *p = buf;
	g_assert_cmpint(i2d_PUBKEY(key, &p), ==, n);
	return g_bytes_new_take(buf, (gsize)n);
}

static X509 *
x509_of(GBytes *der)
{
	gsize len = 0;
	const unsigned char *p = g_bytes_get_data(der, &len);
	X509 *x = d2i_X509(NULL, &p, (long)len);
	g_assert_nonnull(x);
	return x;
}

static X509_CRL *
crl_of(GBytes *der)
{
	gsize len = 0;
	const unsigned char *p = g_bytes_get_data(der, &len);
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	g_assert_nonnull(crl);
	return crl;
}

static X509 *
ca_cert(TpsCaConnector *ca)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) der = tps_ca_connector_get_ca_certificate(ca, &error);
	g_assert_no_error(error);
	return x509_of(der);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = g_dir_make_tmp("tps-ca-XXXXXX", &error);
	g_assert_no_error(error);
	f->dir = g_build_filename(tmp, "ca", NULL); /* created by the CA */
	f->ca = tps_ca_local_new_full(f->dir, CA_SUBJECT, 3650, TPS_CA_KEY_EC_P256, &error);
	g_assert_no_error(error);
	g_assert_nonnull(f->ca);
	f->ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	g_assert_nonnull(f->ec_key);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_autofree gchar *parent = g_path_get_dirname(f->dir);
	g_clear_object(&f->ca);
	EVP_PKEY_free(f->ec_key);
	remove_tree(parent);
	g_free(f->dir);
}

static TpsIssuedCert *
enroll(Fixture *f, const gchar *profile, EVP_PKEY *key, const gchar *user, const gchar *cn)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) spki = spki_of(key);
	TpsIssuedCert *cert = tps_ca_connector_enroll(f->ca, profile, CUID, user, spki, cn, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cert);
	return cert;
}

static void
check_issued(Fixture *f, const TpsIssuedCert *ic, EVP_PKEY *key, guint32 want_ku)
{
	g_autoptr(X509) ca = ca_cert(f->ca);
	g_autoptr(X509) x = x509_of(ic->der);
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsIssuedCert) again = tps_issued_cert_new_from_der(ic->der, &error);
	int idx;

	g_assert_no_error(error);
	/* signed by the CA, names chain */
	g_assert_cmpint(X509_verify(x, X509_get0_pubkey(ca)), ==, 1);
	g_assert_cmpint(X509_check_issued(ca, x), ==, X509_V_OK);
	g_assert_cmpint(EVP_PKEY_eq(X509_get0_pubkey(x), key), ==, 1);
	/* the subjectPublicKeyInfo is the one enrolled, byte for byte */
	{
		g_autoptr(GBytes) want = spki_of(key);
		unsigned char *got = NULL;
		int got_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &got);

		g_assert_cmpint(got_len, >, 0);
		g_assert_cmpmem(got, (gsize)got_len, g_bytes_get_data(want, NULL), g_bytes_get_size(want));
		OPENSSL_free(got);
	}
	/* key usage, critical */
	g_assert_cmpuint(X509_get_key_usage(x), ==, want_ku);
	idx = X509_get_ext_by_NID(x, NID_key_usage, -1);
	g_assert_cmpint(idx, >=, 0);
	g_assert_cmpint(X509_EXTENSION_get_critical(X509_get_ext(x, idx)), ==, 1);
	g_assert_false(X509_check_ca(x));
	g_assert_nonnull(X509_get0_subject_key_id(x));
	g_assert_nonnull(X509_get0_authority_key_id(x));
	/* the struct tells the truth about the DER */
	g_assert_cmpstr(again->serial, ==, ic->serial);
	g_assert_cmpstr(again->subject, ==, ic->subject);
	g_assert_cmpint(again->not_before, ==, ic->not_before);
	g_assert_cmpint(again->not_after, ==, ic->not_after);
	g_assert_cmpstr(ic->issuer, ==, "CN=ESC TPS Test CA, O=Example");
	g_assert_cmpint(ic->not_after - ic->not_before, ==, (gint64)1825 * 86400);
	g_assert_cmpint(ABS(ic->not_before - g_get_real_time() / G_USEC_PER_SEC), <, 300);
	g_assert_true(g_regex_match_simple("^[1-9a-f][0-9a-f]{0,39}$", ic->serial, 0, 0));
}

static void
test_enroll_signing(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) ic = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) copy = g_boxed_copy(TPS_TYPE_ISSUED_CERT, ic);

	g_assert_cmpstr(ic->subject, ==, "UID=alice, O=Token Key User");
	check_issued(f, ic, f->ec_key, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	g_assert_cmpstr(copy->serial, ==, ic->serial);
	g_assert_true(g_bytes_equal(copy->der, ic->der));
}

static void
test_enroll_encryption(Fixture *f, gconstpointer data)
{
	g_autoptr(EVP_PKEY) rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	g_autoptr(TpsIssuedCert) ic_rsa = enroll(f, TPS_CA_PROFILE_USER_ENCRYPTION, rsa, "bob", NULL);
	g_autoptr(TpsIssuedCert) ic_ec = enroll(f, TPS_CA_PROFILE_USER_ENCRYPTION, f->ec_key, "bob", NULL);
	g_autoptr(TpsIssuedCert) ic_sig = enroll(f, TPS_CA_PROFILE_USER_SIGNING, rsa, "bob", NULL);

	check_issued(f, ic_rsa, rsa, KU_KEY_ENCIPHERMENT | KU_DATA_ENCIPHERMENT);
	check_issued(f, ic_ec, f->ec_key, KU_KEY_AGREEMENT);
	check_issued(f, ic_sig, rsa, KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	g_assert_cmpstr(ic_rsa->subject, ==, "UID=bob, O=Token Key User");
}

static void
test_enroll_subject_cn(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) ic = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "jdoe", "Jöhn Doe");
	g_assert_cmpstr(ic->subject, ==, "CN=Jöhn Doe, UID=jdoe, O=Token Key User");
}

static void
test_serials_unique(Fixture *f, gconstpointer data)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; i < 25; i++) {
		g_autoptr(TpsIssuedCert) ic = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
		g_assert_false(g_hash_table_contains(seen, ic->serial));
		g_hash_table_add(seen, g_strdup(ic->serial));
	}
	g_assert_cmpuint(g_hash_table_size(seen), ==, 25);
}

static void
test_unknown_profile(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) spki = spki_of(f->ec_key);
	g_autoptr(TpsIssuedCert) ic =
	    tps_ca_connector_enroll(f->ca, "caServerCert", CUID, "alice", spki, NULL, &error);
	g_assert_null(ic);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "caServerCert"));
	g_clear_error(&error);
	ic = tps_ca_connector_enroll(f->ca, NULL, CUID, "alice", spki, NULL, &error);
	g_assert_null(ic);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
}

static void
test_bad_spki(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) good = spki_of(f->ec_key);
	gsize good_len = 0;
	const guint8 *good_data = g_bytes_get_data(good, &good_len);
	g_autoptr(EVP_PKEY) k256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
	g_autoptr(EVP_PKEY) small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
	g_autoptr(EVP_PKEY) ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	g_autoptr(GByteArray) trailing = g_byte_array_new();
	g_autoptr(GByteArray) off_curve = g_byte_array_new();
	GBytes *inputs[8];

	g_byte_array_append(trailing, good_data, (guint)good_len);
	g_byte_array_append(trailing, (const guint8 *)"\0", 1);
	/* P-256 SPKI ends with the 64 coordinate bytes: change y so the point leaves the curve */
	g_byte_array_append(off_curve, good_data, (guint)good_len);
	off_curve->data[off_curve->len - 1] ^= 0x01;

	inputs[0] = g_bytes_new_static("", 0);
	inputs[1] = g_bytes_new_static("garbage, not DER", 16);
	inputs[2] = g_bytes_new(good_data, good_len - 1); /* truncated */
	inputs[3] = g_byte_array_free_to_bytes(g_steal_pointer(&trailing));
	inputs[4] = spki_of(k256);
	inputs[5] = spki_of(small);
	inputs[6] = spki_of(ed);
	inputs[7] = g_byte_array_free_to_bytes(g_steal_pointer(&off_curve));
	for (guint i = 0; i < G_N_ELEMENTS(inputs); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsIssuedCert) ic = tps_ca_connector_enroll(f->ca, TPS_CA_PROFILE_USER_SIGNING, CUID,
								      "alice", inputs[i], NULL, &error);
		g_assert_null(ic);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_test_message("input %u: %s", i, error->message);
		g_bytes_unref(inputs[i]);
	}
	/* NULL key */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsIssuedCert) ic = tps_ca_connector_enroll(f->ca, TPS_CA_PROFILE_USER_SIGNING, CUID,
								      "alice", NULL, NULL, &error);
		g_assert_null(ic);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	}
	/* nothing was recorded */
	{
		g_autofree gchar *path = g_build_filename(f->dir, "index.txt", NULL);
		g_autofree gchar *text = NULL;
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		g_assert_cmpstr(text, ==, "esc-tps-ca-index 1\ncrl-number\t1\n");
	}
}

static void
test_bad_names(Fixture *f, gconstpointer data)
{
	g_autoptr(GBytes) spki = spki_of(f->ec_key);
	const struct {
		const gchar *cuid, *user, *cn;
	} cases[] = {
	    {CUID, "", NULL},
	    {CUID, NULL, NULL},
	    {CUID, "a\tb", NULL},
	    {CUID, "a\nb", NULL},
	    {CUID, "\xff\xfe", NULL},
	    {"", "alice", NULL},
	    {NULL, "alice", NULL},
	    {"40 90", "alice", NULL},
	    {CUID, "alice", ""},
	    {CUID, "alice", "0123456789012345678901234567890123456789012345678901234567890123456789"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsIssuedCert) ic = tps_ca_connector_enroll(f->ca, TPS_CA_PROFILE_USER_SIGNING,
								      cases[i].cuid, cases[i].user, spki,
								      cases[i].cn, &error);
		g_assert_null(ic);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	}
}

static gboolean
crl_lookup(TpsCaConnector *ca, const gchar *serial, gint *reason, guint64 *number)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) der = tps_ca_connector_get_crl(ca, &error);
	g_autoptr(X509_CRL) crl = NULL;
	g_autoptr(X509) cacert = ca_cert(ca);
	g_autoptr(ASN1_INTEGER) num = NULL;
	STACK_OF(X509_REVOKED) *revoked;
	int crit = 0;

	g_assert_no_error(error);
	crl = crl_of(der);
	g_assert_cmpint(X509_CRL_verify(crl, X509_get0_pubkey(cacert)), ==, 1);
	g_assert_cmpint(X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(cacert)), ==, 0);
	g_assert_cmpint(X509_CRL_get_version(crl), ==, 1);
	g_assert_nonnull(X509_CRL_get0_nextUpdate(crl));
	g_assert_cmpint(ASN1_TIME_compare(X509_CRL_get0_lastUpdate(crl), X509_CRL_get0_nextUpdate(crl)), <, 0);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL);
	g_assert_nonnull(num);
	g_assert_cmpint(ASN1_INTEGER_get_uint64(number, num), ==, 1);
	g_assert_cmpint(X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1), >=, 0);
	revoked = X509_CRL_get_REVOKED(crl);
	for (int i = 0; i < sk_X509_REVOKED_num(revoked); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(revoked, i);
		g_autoptr(BIGNUM) bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
		g_autofree gchar *hex = NULL;
		char *h = BN_bn2hex(bn);
		hex = g_ascii_strdown(h, -1);
		OPENSSL_free(h);
		while (hex[0] == '0' && hex[1] != '\0')
			memmove(hex, hex + 1, strlen(hex));
		if (g_strcmp0(hex, serial) == 0) {
			g_autoptr(ASN1_ENUMERATED) code = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
			*reason = code != NULL ? (gint)ASN1_ENUMERATED_get(code) : -1;
			return TRUE;
		}
	}
	return FALSE;
}
static void
test_revoke_crl(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) b = enroll(f, TPS_CA_PROFILE_USER_ENCRYPTION, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) c = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "carol", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *upper = g_ascii_strup(b->serial, -1);
	g_autofree gchar *padded = g_strconcat("000", c->serial, NULL);
	gint reason = 0;
	guint64 n1 = 0, n2 = 0;

	g_assert_false(crl_lookup(f->ca, a->serial, &reason, &n1));
	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, TPS_CRL_REASON_KEY_COMPROMISE, &error));
	g_assert_no_error(error);
	g_assert_true(tps_ca_connector_revoke(f->ca, upper, TPS_CRL_REASON_CERTIFICATE_HOLD, &error));
	g_assert_no_error(error);
	g_assert_true(tps_ca_connector_revoke(f->ca, padded, TPS_CRL_REASON_UNSPECIFIED, &error));
	g_assert_no_error(error);

	g_assert_true(crl_lookup(f->ca, a->serial, &reason, &n2));
	g_assert_cmpint(reason, ==, 1);
	g_assert_cmpuint(n2, ==, n1 + 4); /* each revocation published a CRL of its own */
	g_assert_true(crl_lookup(f->ca, b->serial, &reason, &n1));
	g_assert_cmpint(reason, ==, 6);
	g_assert_true(crl_lookup(f->ca, c->serial, &reason, &n1));
	g_assert_cmpint(reason, ==, -1); /* unspecified: no reasonCode (RFC 5280 5.3.1) */

	/* revoking again keeps the first reason; a hold may become permanent */
	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, TPS_CRL_REASON_SUPERSEDED, &error));
	g_assert_no_error(error);
	g_assert_true(crl_lookup(f->ca, a->serial, &reason, &n1));
	g_assert_cmpint(reason, ==, 1);

	/* unrevoke: hold lifted, permanent refused, valid is a no-op */
	g_assert_true(tps_ca_connector_unrevoke(f->ca, b->serial, &error));
	g_assert_no_error(error);
	g_assert_false(crl_lookup(f->ca, b->serial, &reason, &n1));
	g_assert_true(tps_ca_connector_unrevoke(f->ca, b->serial, &error));
	g_assert_no_error(error);
	g_assert_false(tps_ca_connector_unrevoke(f->ca, a->serial, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_true(crl_lookup(f->ca, a->serial, &reason, &n1));

	g_assert_true(tps_ca_connector_revoke(f->ca, b->serial, TPS_CRL_REASON_CERTIFICATE_HOLD, &error));
	g_assert_true(tps_ca_connector_revoke(f->ca, b->serial, TPS_CRL_REASON_AFFILIATION_CHANGED, &error));
	g_assert_no_error(error);
	g_assert_true(crl_lookup(f->ca, b->serial, &reason, &n1));
	g_assert_cmpint(reason, ==, 3);
	g_assert_false(tps_ca_connector_unrevoke(f->ca, b->serial, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
}

static void
test_revoke_errors(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	const guint bad_reasons[] = {7, 8, 11, 255, G_MAXUINT};
	const gchar *bad_serials[] = {"", "xyz", "12 34", "-1", "0x12",
				      "123456789012345678901234567890123456789012"};
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(bad_reasons); i++) {
		g_assert_false(tps_ca_connector_revoke(f->ca, a->serial, bad_reasons[i], &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_serials); i++) {
		g_assert_false(tps_ca_connector_revoke(f->ca, bad_serials[i], 1, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
		g_assert_false(tps_ca_connector_unrevoke(f->ca, bad_serials[i], &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	g_assert_false(tps_ca_connector_revoke(f->ca, NULL, 1, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(tps_ca_connector_revoke(f->ca, "1234", 1, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(tps_ca_connector_unrevoke(f->ca, "1234", &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	/* valid reasons 9 and 10 */
	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, 9, &error));
	g_assert_no_error(error);
}

static void
test_persistence(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) b = enroll(f, TPS_CA_PROFILE_USER_ENCRYPTION, f->ec_key, "alice", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cert1 = tps_ca_connector_get_ca_certificate(f->ca, &error);
	g_autoptr(GBytes) cert2 = NULL;
	g_autofree gchar *key_path = g_build_filename(f->dir, "ca-key.pem", NULL);
	g_autofree gchar *index_path = g_build_filename(f->dir, "index.txt", NULL);
	g_autofree gchar *index_text = NULL;
	g_autoptr(X509) ca = NULL;
	GStatBuf st;
	gint reason = 0;
	guint64 n1 = 0, n2 = 0;

	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, TPS_CRL_REASON_CERTIFICATE_HOLD, &error));
	g_assert_no_error(error);
	g_assert_true(crl_lookup(f->ca, a->serial, &reason, &n1));
	g_assert_cmpint(g_stat(key_path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(f->dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_assert_true(g_file_get_contents(index_path, &index_text, NULL, NULL));
	g_assert_nonnull(strstr(index_text, "\tR\t"));
	g_assert_nonnull(strstr(index_text, "\tcaTokenUserEncryptionKeyEnrollment\t" CUID "\talice\n"));

	/* reopen: same CA, same index, CRL numbers go on; subject and validity are ignored */
	g_clear_object(&f->ca);
	f->ca = tps_ca_local_new(f->dir, "CN=Other", 1, &error);
	g_assert_no_error(error);
	cert2 = tps_ca_connector_get_ca_certificate(f->ca, &error);
	g_assert_true(g_bytes_equal(cert1, cert2));
	ca = x509_of(cert2);
	g_assert_true(X509_check_ca(ca));
	g_assert_cmpint(X509_check_issued(ca, ca), ==, X509_V_OK);
	g_assert_cmpint(X509_verify(ca, X509_get0_pubkey(ca)), ==, 1);
	g_assert_true(crl_lookup(f->ca, a->serial, &reason, &n2));
	g_assert_cmpint(reason, ==, 6);
	g_assert_cmpuint(n2, ==, n1 + 1);
	g_assert_false(crl_lookup(f->ca, b->serial, &reason, &n2));
	g_assert_true(tps_ca_connector_unrevoke(f->ca, a->serial, &error));
	g_assert_no_error(error);
	g_assert_true(tps_ca_connector_revoke(f->ca, b->serial, 4, &error));
	g_assert_no_error(error);

	g_clear_object(&f->ca);
	f->ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_no_error(error);
	g_assert_false(crl_lookup(f->ca, a->serial, &reason, &n2));
	g_assert_true(crl_lookup(f->ca, b->serial, &reason, &n2));
	g_assert_cmpint(reason, ==, 4);
}

static void
test_damaged_index(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autofree gchar *path = g_build_filename(f->dir, "index.txt", NULL);
	g_autofree gchar *good = NULL;
	g_autofree gchar *line3 = NULL;
	g_autofree gchar *dup = NULL;
	g_autofree gchar *bad_field = NULL;
	const gchar *want[] = {"line 3: ", "line 4: serial", "line 3: 9 tab-separated",
			       "line 1: not \"esc-tps-ca-index 1\"", "CA index is empty",
			       "line 2: not \"crl-number"};
	gchar *variants[6];
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &good, &len, NULL));
	g_clear_object(&f->ca);
	line3 = g_strdup(strchr(strchr(good, '\n') + 1, '\n') + 1);
	dup = g_strconcat(good, line3, NULL);
	bad_field = g_strndup(good, len - 1);
	/* a NUL inside the last line: not a partial append, refused */
	variants[0] = g_strndup(good, len);
	variants[0][len - 3] = '\0';
	variants[1] = g_steal_pointer(&dup);
	variants[2] = g_strconcat(bad_field, "\textra\n", NULL);
	variants[3] = g_strconcat("esc-tps-ca-index 2", strchr(good, '\n'), NULL);
	variants[4] = g_strdup("");
	variants[5] = g_strdup("esc-tps-ca-index 1\ncrl-number\t-1\n");
	for (guint i = 0; i < G_N_ELEMENTS(variants); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsCaConnector) ca = NULL;
		g_assert_true(g_file_set_contents(path, variants[i], i == 0 ? (gssize)len : -1, NULL));
		ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
		g_assert_null(ca);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
		g_assert_nonnull(strstr(error->message, "index.txt"));
		if (strstr(error->message, want[i]) == NULL)
			g_error("variant %u: \"%s\" lacks \"%s\"", i, error->message, want[i]);
		g_free(variants[i]);
	}
	(void)a;
}

/* An issuance appends its line: a crash in the middle of that leaves a partial last line,
 * which opening drops (that certificate was never returned); the earlier ones stay. */
static void
test_torn_append(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) b = enroll(f, TPS_CA_PROFILE_USER_ENCRYPTION, f->ec_key, "bob", NULL);
	g_autoptr(TpsIssuedCert) c = NULL;
	g_autofree gchar *path = g_build_filename(f->dir, "index.txt", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *expect = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	const gchar *b_line;
	gint reason = 0;
	guint64 n = 0;

	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	b_line = strstr(text, b->serial);
	g_assert_nonnull(b_line);
	g_assert_nonnull(strstr(text, a->serial));
	g_assert_true(text[len - 1] == '\n');
	g_clear_object(&f->ca);

	/* every cut inside b's line (keeping at least its first byte, up to its newline) */
	for (gsize cut = (gsize)(b_line - text) + 1; cut < len; cut += 7) {
		g_autofree gchar *reopened = NULL;
		g_assert_true(g_file_set_contents(path, text, (gssize)cut, NULL));
		g_test_expect_message("TpsConnectors", G_LOG_LEVEL_WARNING, "*partial line*");
		f->ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
		g_test_assert_expected_messages();
		g_assert_no_error(error);
		g_assert_nonnull(f->ca);
		/* rewritten without the partial line */
		g_assert_true(g_file_get_contents(path, &reopened, NULL, NULL));
		g_assert_cmpstr(reopened, ==, expect = g_strndup(text, (gsize)(b_line - text)));
		g_clear_pointer(&expect, g_free);
		g_clear_object(&f->ca);
	}
	f->ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_no_error(error);
	/* b is unknown to the CA now, a is still there; issuance goes on appending */
	g_assert_false(tps_ca_connector_revoke(f->ca, b->serial, 1, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, 1, &error));
	g_assert_no_error(error);
	g_assert_true(crl_lookup(f->ca, a->serial, &reason, &n));
	c = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "carol", NULL);
	g_assert_true(g_file_get_contents(path, &after, &len, NULL));
	g_assert_nonnull(strstr(after, a->serial));
	g_assert_null(strstr(after, b->serial));
	g_assert_nonnull(strstr(after, c->serial));
	g_assert_true(g_str_has_suffix(after, "\tcarol\n"));
}

/* An issuance whose line cannot be appended fails (TPS_ERROR_BACKEND) and leaves no trace:
 * the next one works once the file is back. */
static void
test_append_fails(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) b = NULL;
	g_autoptr(TpsIssuedCert) c = NULL;
	g_autoptr(GBytes) spki = spki_of(f->ec_key);
	g_autofree gchar *path = g_build_filename(f->dir, "index.txt", NULL);
	g_autofree gchar *aside = g_build_filename(f->dir, "index.aside", NULL);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(path, &before, NULL, NULL));
	/* a directory in its place: even root cannot append to that */
	g_assert_cmpint(g_rename(path, aside), ==, 0);
	g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
	b = tps_ca_connector_enroll(f->ca, TPS_CA_PROFILE_USER_SIGNING, CUID, "bob", spki, NULL, &error);
	g_assert_null(b);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "index.txt"));
	g_clear_error(&error);
	g_assert_cmpint(g_rmdir(path), ==, 0);
	g_assert_cmpint(g_rename(aside, path), ==, 0);

	c = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "carol", NULL);
	g_assert_true(g_file_get_contents(path, &after, NULL, NULL));
	g_assert_true(g_str_has_prefix(after, before));
	g_assert_true(g_str_has_suffix(after, "\tcarol\n"));
	g_assert_null(strstr(after, "\tbob\n"));
	g_assert_nonnull(strstr(after, a->serial));
	g_clear_object(&f->ca);
	f->ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_no_error(error);
	g_assert_true(tps_ca_connector_revoke(f->ca, c->serial, 1, &error));
	g_assert_no_error(error);
}

static void
test_incomplete_dir(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cert = g_build_filename(f->dir, "ca-cert.pem", NULL);
	g_autofree gchar *key = g_build_filename(f->dir, "ca-key.pem", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsCaConnector) ca = NULL;
	g_autofree gchar *saved = NULL;

	g_clear_object(&f->ca);
	g_assert_true(g_file_get_contents(cert, &saved, NULL, NULL));
	g_assert_cmpint(g_unlink(cert), ==, 0);
	ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "ca-cert.pem is missing"));
	g_clear_error(&error);

	/* a certificate that does not belong to the key */
	{
		g_autofree gchar *tmp = g_dir_make_tmp("tps-ca2-XXXXXX", NULL);
		g_autofree gchar *other_dir = g_build_filename(tmp, "ca", NULL);
		g_autofree gchar *other_cert = g_build_filename(other_dir, "ca-cert.pem", NULL);
		g_autofree gchar *other = NULL;
		g_autoptr(TpsCaConnector) ca2 = tps_ca_local_new_full(other_dir, CA_SUBJECT, 10, TPS_CA_KEY_EC_P256, &error);
		g_assert_no_error(error);
		g_assert_nonnull(ca2);
		g_assert_true(g_file_get_contents(other_cert, &other, NULL, NULL));
		g_assert_true(g_file_set_contents(cert, other, -1, NULL));
		ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
		g_assert_null(ca);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
		g_assert_nonnull(strstr(error->message, "does not belong to the key"));
		g_clear_error(&error);
		remove_tree(tmp);
	}
	/* garbage certificate */
	g_assert_true(g_file_set_contents(cert, "not a certificate", -1, NULL));
	ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(cert, saved, -1, NULL));

	/* a key others can read */
	g_assert_cmpint(g_chmod(key, 0644), ==, 0);
	ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "make it 0600"));
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(key, 0600), ==, 0);
	ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_no_error(error);
	g_assert_nonnull(ca);
}

static void
test_create_errors(void)
{
	const gchar *subjects[] = {"", "CN", "CN=", "=x", "XX=y", "CN=a\\,b", "CN=a+O=b", "CN=\"q\""};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = g_dir_make_tmp("tps-ca3-XXXXXX", NULL);
	g_autofree gchar *dir = g_build_filename(tmp, "ca", NULL);
	g_autoptr(TpsCaConnector) ca = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++) {
		ca = tps_ca_local_new_full(dir, subjects[i], 10, TPS_CA_KEY_EC_P256, &error);
		g_assert_null(ca);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_clear_error(&error);
	}
	ca = tps_ca_local_new_full(dir, "CN=x", 0, TPS_CA_KEY_EC_P256, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	ca = tps_ca_local_new_full(dir, "CN=x", 36501, TPS_CA_KEY_EC_P256, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	ca = tps_ca_local_new_full(NULL, "CN=x", 1, TPS_CA_KEY_EC_P256, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	ca = tps_ca_local_new_full("/proc/nonexistent/ca", "CN=x", 1, TPS_CA_KEY_EC_P256, &error);
	g_assert_null(ca);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_clear_error(&error);
	remove_tree(tmp);
}

static void
test_rsa_ca(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = g_dir_make_tmp("tps-ca4-XXXXXX", NULL);
	g_autofree gchar *dir = g_build_filename(tmp, "ca", NULL);
	g_autoptr(TpsCaConnector) ca = tps_ca_local_new(dir, "CN=ESC TPS Local CA", 365, &error);
	g_autoptr(GBytes) der = NULL;
	g_autoptr(X509) x = NULL;
	g_autoptr(EVP_PKEY) key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	g_autoptr(GBytes) spki = spki_of(key);
	g_autoptr(TpsIssuedCert) ic = NULL;
	g_autoptr(X509) cert = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(tps_ca_local_get_dir(TPS_CA_LOCAL(ca)), ==, dir);
	der = tps_ca_connector_get_ca_certificate(ca, &error);
	x = x509_of(der);
	g_assert_true(EVP_PKEY_is_a(X509_get0_pubkey(x), "RSA"));
	g_assert_cmpint(EVP_PKEY_get_bits(X509_get0_pubkey(x)), ==, 3072);
	g_assert_cmpuint(X509_get_key_usage(x), ==, KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	/* certificates never outlive the CA */
	ic = tps_ca_connector_enroll(ca, TPS_CA_PROFILE_USER_SIGNING, CUID, "alice", spki, NULL, &error);
	g_assert_no_error(error);
	cert = x509_of(ic->der);
	g_assert_cmpint(X509_verify(cert, X509_get0_pubkey(x)), ==, 1);
	g_assert_cmpint(ASN1_TIME_compare(X509_get0_notAfter(cert), X509_get0_notAfter(x)), ==, 0);
	g_clear_object(&ca);
	remove_tree(tmp);
}

static void
test_index_round_trip(void)
{
	g_autoptr(TpsCaIndex) index = tps_ca_index_new();
	g_autoptr(TpsCaIndex) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *text2 = NULL;
	TpsCaIndexEntry *e = tps_ca_index_entry_new("1a", 1700000000, "p", "C", "user name");
	g_autofree gchar *norm = NULL;

	e->revoked = TRUE;
	e->revoked_at = 1600000000;
	e->reason = 6;
	g_assert_true(tps_ca_index_add(index, e, &error));
	g_assert_true(tps_ca_index_add(index, tps_ca_index_entry_new("ff", 0, "p", "C", "ü"), &error));
	g_assert_no_error(error);
	g_assert_false(tps_ca_index_add(index, tps_ca_index_entry_new("ff", 0, "p", "C", "u"), &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_false(tps_ca_index_add(index, tps_ca_index_entry_new("0f", 0, "p", "C", "u"), &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	g_assert_false(tps_ca_index_add(index, tps_ca_index_entry_new("f", 0, "p q", "C", "u"), &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	tps_ca_index_set_crl_number(index, 42);
	text = tps_ca_index_to_string(index);
	g_assert_cmpstr(text, ==,
			"esc-tps-ca-index 1\ncrl-number\t42\n"
			"1a\tR\t1700000000\t1600000000\t6\tp\tC\tuser name\n"
			"ff\tV\t0\t-\t-\tp\tC\tü\n");
	back = tps_ca_index_parse(text, strlen(text), &error);
	g_assert_no_error(error);
	text2 = tps_ca_index_to_string(back);
	g_assert_cmpstr(text, ==, text2);
	g_assert_cmpuint(tps_ca_index_get_crl_number(back), ==, 42);
	g_assert_true(tps_ca_index_lookup(back, "1a")->revoked);
	g_assert_true(tps_ca_index_remove(back, "1a"));
	g_assert_false(tps_ca_index_remove(back, "1a"));
	g_assert_null(tps_ca_index_lookup(back, "1a"));
	norm = tps_ca_index_normalize_serial("00AbC", &error);
	g_assert_cmpstr(norm, ==, "abc");
	g_clear_pointer(&norm, g_free);
	norm = tps_ca_index_normalize_serial("000", &error);
	g_assert_cmpstr(norm, ==, "0");
}

static void
test_index_parse_errors(void)
{
	const struct {
		const gchar *text;
		const gchar *want;
	} cases[] = {
	    {"esc-tps-ca-index 1\n", "no crl-number"},
	    {"esc-tps-ca-index 1\ncrl-number\t01\n", "line 2"},
	    {"esc-tps-ca-index 1\ncrl-number 1\n", "line 2"},
	    {"esc-tps-ca-index 1\ncrl-number\t99999999999999999999\n", "line 2"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tX\t0\t-\t-\tp\tc\tu\n", "line 3: status"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tV\t0\t5\t-\tp\tc\tu\n", "line 3: a valid"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tR\t0\t-\t1\tp\tc\tu\n", "line 3: revocation date"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tR\t0\t5\t7\tp\tc\tu\n", "line 3: revocation reason"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tR\t0\t5\t-\tp\tc\tu\n", "line 3: revocation reason"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\nA\tV\t0\t-\t-\tp\tc\tu\n", "line 3: serial"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tV\t-5\t-\t-\tp\tc\tu\n", "line 3: notAfter"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tV\t0\t-\t-\t\tc\tu\n", "line 3: empty CA profile"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tV\t0\t-\t-\tp\tc c\tu\n", "line 3: token CUID"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tV\t0\t-\t-\tp\tc\t\n", "line 3: empty user id"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n1\tV\t0\t-\t-\tp\tc\tu\x7f\n", "line 3: user id contains"},
	    {"esc-tps-ca-index 1\ncrl-number\t0\n\n", "line 3: 0 tab-separated"},
	    {"esc-tps-ca-index 1\r\ncrl-number\t0\n", "line 1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsCaIndex) index = tps_ca_index_parse(cases[i].text, strlen(cases[i].text), &error);
		g_assert_null(index);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
		if (strstr(error->message, cases[i].want) == NULL)
			g_error("case %u: \"%s\" lacks \"%s\"", i, error->message, cases[i].want);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsCaIndex) index = tps_ca_index_parse("esc-tps-ca-index 1\ncrl\0number\t0\n", 32, &error);
		g_assert_null(index);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
		g_assert_nonnull(strstr(error->message, "line 2: NUL"));
	}
}

static void
test_issued_cert_from_der(void)
{
	const guint8 junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	g_autoptr(GBytes) b = g_bytes_new_static(junk, sizeof(junk));
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsIssuedCert) ic = tps_issued_cert_new_from_der(b, &error);

	g_assert_null(ic);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_clear_error(&error);
	ic = tps_issued_cert_new_from_der(empty, &error);
	g_assert_null(ic);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	g_assert_true(tps_crl_reason_is_valid(0));
	g_assert_true(tps_crl_reason_is_valid(10));
	g_assert_false(tps_crl_reason_is_valid(7));
	g_assert_false(tps_crl_reason_is_valid(8));
	g_assert_cmpstr(tps_crl_reason_to_string(6), ==, "certificateHold");
	g_assert_cmpstr(tps_crl_reason_to_string(7), ==, "unknown");
}

typedef struct {
	Fixture *f;
	GPtrArray *serials;
} ThreadData;

static gpointer
thread_func(gpointer data)
{
	ThreadData *td = data;
	for (guint i = 0; i < 5; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) spki = spki_of(td->f->ec_key);
		g_autoptr(TpsIssuedCert) ic = tps_ca_connector_enroll(td->f->ca, TPS_CA_PROFILE_USER_SIGNING, CUID,
								      "alice", spki, NULL, &error);
		g_autoptr(GBytes) crl = NULL;
		g_assert_no_error(error);
		g_assert_true(tps_ca_connector_revoke(td->f->ca, ic->serial, 6, &error));
		g_assert_no_error(error);
		crl = tps_ca_connector_get_crl(td->f->ca, &error);
		g_assert_no_error(error);
		g_ptr_array_add(td->serials, g_strdup(ic->serial));
	}
	return NULL;
}

static void
test_threads(Fixture *f, gconstpointer data)
{
	ThreadData td[4];
	GThread *threads[4];
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(f->dir, "index.txt", NULL);
	g_autofree gchar *text = NULL;
	gsize len = 0;
	g_autoptr(TpsCaIndex) index = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
		td[i].f = f;
		td[i].serials = g_ptr_array_new_with_free_func(g_free);
		threads[i] = g_thread_new("ca", thread_func, &td[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
		g_thread_join(threads[i]);
	g_assert_true(g_file_get_contents(path, &text, &len, NULL));
	index = tps_ca_index_parse(text, len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tps_ca_index_get_entries(index)->len, ==, 20);
	/* the CRL of the new CA, one published per revocation, one per get_crl */
	g_assert_cmpuint(tps_ca_index_get_crl_number(index), ==, 41);
	for (guint i = 0; i < G_N_ELEMENTS(threads); i++) {
		for (guint j = 0; j < td[i].serials->len; j++) {
			TpsCaIndexEntry *e = tps_ca_index_lookup(index, g_ptr_array_index(td[i].serials, j));
			g_assert_nonnull(e);
			g_assert_true(e->revoked);
		}
		g_ptr_array_unref(td[i].serials);
	}
}

/* The published crl.der (and crl.pem, the same CRL): its number and revoked serials. */
static X509_CRL *
published_crl(Fixture *f, guint64 *number)
{
	g_autofree gchar *der_path = g_build_filename(f->dir, "crl.der", NULL);
	g_autofree gchar *pem_path = g_build_filename(f->dir, "crl.pem", NULL);
	g_autofree gchar *der = NULL;
	g_autofree gchar *pem = NULL;
	gsize der_len = 0, pem_len = 0;
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(X509) cacert = ca_cert(f->ca);
	g_autoptr(ASN1_INTEGER) num = NULL;
	X509_CRL *crl;
	X509_CRL *from_pem;
	BIO *bio;
	unsigned char *again = NULL;
	int again_len;
	GStatBuf st;

	g_assert_true(g_file_get_contents(der_path, &der, &der_len, NULL));
	g_assert_true(g_file_get_contents(pem_path, &pem, &pem_len, NULL));
	g_assert_cmpint(g_stat(der_path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0644);
	bytes = g_bytes_new(der, der_len);
	crl = crl_of(bytes);
	g_assert_cmpint(X509_CRL_verify(crl, X509_get0_pubkey(cacert)), ==, 1);
	num = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	g_assert_nonnull(num);
	g_assert_cmpint(ASN1_INTEGER_get_uint64(number, num), ==, 1);
	/* crl.pem holds the same CRL */
	g_assert_true(g_str_has_prefix(pem, "-----BEGIN X509 CRL-----\n"));
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	from_pem = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
	BIO_free(bio);
	g_assert_nonnull(from_pem);
	again_len = i2d_X509_CRL(from_pem, &again);
	g_assert_cmpmem(again, again_len, der, der_len);
	OPENSSL_free(again);
	X509_CRL_free(from_pem);
	return crl;
}

static gint
published_reason(X509_CRL *crl, const gchar *serial)
{
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl);

	for (int i = 0; i < sk_X509_REVOKED_num(revoked); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(revoked, i);
		g_autoptr(BIGNUM) bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
		char *h = BN_bn2hex(bn);
		g_autofree gchar *hex = g_ascii_strdown(h, -1);
		OPENSSL_free(h);
		while (hex[0] == '0' && hex[1] != '\0')
			memmove(hex, hex + 1, strlen(hex));
		if (g_strcmp0(hex, serial) == 0) {
			g_autoptr(ASN1_ENUMERATED) code = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
			return code != NULL ? (gint)ASN1_ENUMERATED_get(code) : 0;
		}
	}
	return -1;
}

static void
test_crl_published(Fixture *f, gconstpointer data)
{
	g_autoptr(TpsIssuedCert) a = enroll(f, TPS_CA_PROFILE_USER_SIGNING, f->ec_key, "alice", NULL);
	g_autoptr(TpsIssuedCert) b = enroll(f, TPS_CA_PROFILE_USER_ENCRYPTION, f->ec_key, "alice", NULL);
	g_autofree gchar *der_path = g_build_filename(f->dir, "crl.der", NULL);
	g_autofree gchar *pem_path = g_build_filename(f->dir, "crl.pem", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(X509_CRL) crl = NULL;
	guint64 n = 0;

	/* at creation: an empty CRL number 1; enrolling does not change it */
	crl = published_crl(f, &n);
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpint(MAX(0, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl))), ==, 0);
	g_clear_pointer(&crl, X509_CRL_free);

	/* revoke: published at once */
	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, TPS_CRL_REASON_CERTIFICATE_HOLD, &error));
	g_assert_no_error(error);
	crl = published_crl(f, &n);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpint(MAX(0, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl))), ==, 1);
	g_assert_cmpint(published_reason(crl, a->serial), ==, 6);
	g_clear_pointer(&crl, X509_CRL_free);
	g_assert_true(tps_ca_connector_revoke(f->ca, b->serial, TPS_CRL_REASON_KEY_COMPROMISE, &error));
	g_assert_no_error(error);
	crl = published_crl(f, &n);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpint(published_reason(crl, a->serial), ==, 6);
	g_assert_cmpint(published_reason(crl, b->serial), ==, 1);
	g_clear_pointer(&crl, X509_CRL_free);

	/* a revocation that changes nothing publishes nothing */
	g_assert_true(tps_ca_connector_revoke(f->ca, b->serial, TPS_CRL_REASON_SUPERSEDED, &error));
	g_assert_no_error(error);
	crl = published_crl(f, &n);
	g_assert_cmpuint(n, ==, 3);
	g_clear_pointer(&crl, X509_CRL_free);

	/* unrevoke: the hold is gone from the published CRL */
	g_assert_true(tps_ca_connector_unrevoke(f->ca, a->serial, &error));
	g_assert_no_error(error);
	crl = published_crl(f, &n);
	g_assert_cmpuint(n, ==, 4);
	g_assert_cmpint(published_reason(crl, a->serial), ==, -1);
	g_assert_cmpint(published_reason(crl, b->serial), ==, 1);
	g_assert_cmpint(MAX(0, sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl))), ==, 1);
	g_clear_pointer(&crl, X509_CRL_free);

	/* get_crl returns what it publishes */
	{
		g_autoptr(GBytes) got = tps_ca_connector_get_crl(f->ca, &error);
		g_autofree gchar *der = NULL;
		gsize len = 0;
		g_assert_no_error(error);
		g_assert_true(g_file_get_contents(der_path, &der, &len, NULL));
		g_assert_cmpmem(g_bytes_get_data(got, NULL), g_bytes_get_size(got), der, len);
	}

	/* reopened without the files: published again */
	g_clear_object(&f->ca);
	g_assert_cmpint(g_unlink(der_path), ==, 0);
	g_assert_cmpint(g_unlink(pem_path), ==, 0);
	f->ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_no_error(error);
	crl = published_crl(f, &n);
	g_assert_cmpuint(n, ==, 6);
	g_assert_cmpint(published_reason(crl, b->serial), ==, 1);
	g_clear_pointer(&crl, X509_CRL_free);

	/* a CRL that cannot be published undoes the revocation */
	g_assert_cmpint(g_unlink(der_path), ==, 0);
	g_assert_cmpint(g_mkdir(der_path, 0700), ==, 0);
	g_assert_false(tps_ca_connector_revoke(f->ca, a->serial, TPS_CRL_REASON_KEY_COMPROMISE, &error));
	g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "publishing the CRL"));
	g_assert_nonnull(strstr(error->message, a->serial));
	g_clear_error(&error);
	g_assert_cmpint(g_rmdir(der_path), ==, 0);
	g_assert_true(tps_ca_connector_unrevoke(f->ca, a->serial, &error)); /* not revoked: no-op */
	g_assert_no_error(error);
	g_assert_true(tps_ca_connector_revoke(f->ca, a->serial, TPS_CRL_REASON_CERTIFICATE_HOLD, &error));
	g_assert_no_error(error);
	crl = published_crl(f, &n);
	g_assert_cmpint(published_reason(crl, a->serial), ==, 6);
	/* and the index, reopened, agrees */
	g_clear_object(&f->ca);
	f->ca = tps_ca_local_new(f->dir, CA_SUBJECT, 3650, &error);
	g_assert_no_error(error);
	g_assert_true(tps_ca_connector_unrevoke(f->ca, a->serial, &error));
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add("/tps/ca-local/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
	ADD("enroll/signing", test_enroll_signing);
	ADD("enroll/encryption", test_enroll_encryption);
	ADD("enroll/subject-cn", test_enroll_subject_cn);
	ADD("enroll/serials-unique", test_serials_unique);
	ADD("enroll/unknown-profile", test_unknown_profile);
	ADD("enroll/bad-spki", test_bad_spki);
	ADD("enroll/bad-names", test_bad_names);
	ADD("revoke/crl", test_revoke_crl);
	ADD("revoke/errors", test_revoke_errors);
	ADD("persistence", test_persistence);
	ADD("open/damaged-index", test_damaged_index);
	ADD("open/torn-append", test_torn_append);
	ADD("enroll/append-fails", test_append_fails);
	ADD("open/incomplete", test_incomplete_dir);
	ADD("threads", test_threads);
	ADD("revoke/crl-published", test_crl_published);
#undef ADD
	g_test_add_func("/tps/ca-local/create/errors", test_create_errors);
	g_test_add_func("/tps/ca-local/create/rsa", test_rsa_ca);
	g_test_add_func("/tps/ca-local/index/round-trip", test_index_round_trip);
	g_test_add_func("/tps/ca-local/index/parse-errors", test_index_parse_errors);
	g_test_add_func("/tps/ca-local/issued-cert/from-der", test_issued_cert_from_der);
	return g_test_run();
}
