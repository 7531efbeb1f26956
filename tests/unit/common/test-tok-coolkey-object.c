/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>
#include <zlib.h>

#include "tok-bytes.h"
#include "tok-coolkey-object.h"
#include "tok-error.h"

/* A small z0, computed by hand from protocol.md 4.8 (uncompressed):
 * format 0x0100, object version 5, CUID 40 90 01 .. 08, token name "ab",
 * c1: fixed 0x91 (id 1, class 1, TOKEN), LABEL "L", CERTIFICATE_TYPE int 0, PRIVATE false;
 * k2: fixed 0x101B1 (id 1, class 3, TOKEN, PRIVATE, SIGN), KEY_TYPE int 0, SENSITIVE true. */
static const guint8 layout_z0[] = {
    /* header */
    0x01, 0x00,				/* formatVersion */
    0x00, 0x05,				/* objectVersion */
    0x40, 0x90, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* CUID */
    0x00, 0x00,				/* compression: none */
    0x00, 0x3F,				/* data size 63 */
    0x00, 0x14,				/* data offset 20 */
    /* data (offset 20) */
    0x00, 0x07, /* objectOffset = 5 + 2 */
    0x00, 0x02, /* objectCount */
    0x02,	/* tokenNameLen */
    0x61, 0x62, /* "ab" */
    /* record c1 (offset 27) */
    0x63, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x01, 0x4C, /* LABEL, string, len 1, "L" */
    0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, /* CERTIFICATE_TYPE, integer 0 */
    0x00, 0x00, 0x00, 0x02, 0x02,			/* PRIVATE, false */
    /* record k2 (offset 59) */
    0x6B, 0x32, 0x00, 0x00, 0x00, 0x01, 0x01, 0xB1, 0x00, 0x02,
    0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* KEY_TYPE, integer 0 */
    0x00, 0x00, 0x01, 0x03, 0x03,			/* SENSITIVE, true */
};

static const guint8 layout_cuid[] = {0x40, 0x90, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

static TokCoolkeyObjectSet *
build_layout_set(void)
{
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(TokCoolkeyRecord) c1 = NULL;
	g_autoptr(TokCoolkeyRecord) k2 = NULL;
	g_autoptr(GError) error = NULL;
	guint32 fixed = 0;

	tok_coolkey_object_set_set_object_version(set, 5);
	g_assert_true(
	    tok_coolkey_object_set_set_cuid(set, layout_cuid, sizeof(layout_cuid), &error));
	g_assert_true(tok_coolkey_object_set_set_token_name(set, "ab", &error));

	g_assert_true(tok_coolkey_fixed_attributes_build(1,
							 TOK_CKO_CERTIFICATE,
							 TOK_COOLKEY_FIXED_TOKEN,
							 &fixed,
							 &error));
	g_assert_cmphex(fixed, ==, 0x91);
	c1 = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('c', '1'), fixed);
	tok_coolkey_record_add_string(c1, TOK_CKA_LABEL, "L");
	tok_coolkey_record_add_integer(c1, TOK_CKA_CERTIFICATE_TYPE, TOK_CKC_X_509);
	tok_coolkey_record_add_bool(c1, TOK_CKA_PRIVATE, FALSE);
	g_assert_true(tok_coolkey_object_set_add_record(set, c1, &error));

	g_assert_true(tok_coolkey_fixed_attributes_build(1,
							 TOK_CKO_PRIVATE_KEY,
							 TOK_COOLKEY_FIXED_TOKEN |
							     TOK_COOLKEY_FIXED_PRIVATE |
							     TOK_COOLKEY_FIXED_SIGN,
							 &fixed,
							 &error));
	g_assert_cmphex(fixed, ==, 0x101B1);
	k2 = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('k', '2'), fixed);
	tok_coolkey_record_add_integer(k2, TOK_CKA_KEY_TYPE, TOK_CKK_RSA);
	tok_coolkey_record_add_bool(k2, TOK_CKA_SENSITIVE, TRUE);
	g_assert_true(tok_coolkey_object_set_add_record(set, k2, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&set);
}

static void
assert_bytes(GBytes *bytes, const guint8 *want, gsize want_len)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	g_assert_cmpmem(data, len, want, want_len);
}

static void
test_z0_layout(void)
{
	g_autoptr(TokCoolkeyObjectSet) set = build_layout_set();
	g_autoptr(TokCoolkeyObjectSet) back = NULL;
	g_autoptr(GBytes) z0 = NULL;
	g_autoptr(GError) error = NULL;
	TokCoolkeyCompression compression = TOK_COOLKEY_COMPRESSION_ZLIB;
	const guint8 *d;
	gsize len = 0;
	guint16 u16 = 0;
	guint32 u32 = 0;

	z0 = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_NONE, &error);
	g_assert_no_error(error);
	d = g_bytes_get_data(z0, &len);
	g_assert_cmpuint(len, ==, 83);

	/* header, field by field */
	g_assert_true(tok_read_u16_be(d, len, 0, &u16, NULL));
	g_assert_cmphex(u16, ==, 0x0100); /* formatVersion */
	g_assert_true(tok_read_u16_be(d, len, 2, &u16, NULL));
	g_assert_cmphex(u16, ==, 5); /* objectVersion */
	g_assert_cmpmem(d + 4, 10, layout_cuid, sizeof(layout_cuid));
	g_assert_true(tok_read_u16_be(d, len, 14, &u16, NULL));
	g_assert_cmphex(u16, ==, 0); /* compression */
	g_assert_true(tok_read_u16_be(d, len, 16, &u16, NULL));
	g_assert_cmpuint(u16, ==, len - 20); /* size of the data */
	g_assert_true(tok_read_u16_be(d, len, 18, &u16, NULL));
	g_assert_cmpuint(u16, ==, 20); /* offset */
	/* data header */
	g_assert_true(tok_read_u16_be(d, len, 20, &u16, NULL));
	g_assert_cmpuint(u16, ==, 7); /* objectOffset */
	g_assert_true(tok_read_u16_be(d, len, 22, &u16, NULL));
	g_assert_cmpuint(u16, ==, 2); /* objectCount */
	g_assert_cmpuint(d[24], ==, 2);
	g_assert_cmpmem(d + 25, 2, "ab", 2);
	/* first record at 20 + objectOffset */
	g_assert_true(tok_read_u32_be(d, len, 27, &u32, NULL));
	g_assert_cmphex(u32, ==, 0x63310000);
	g_assert_true(tok_read_u32_be(d, len, 31, &u32, NULL));
	g_assert_cmphex(u32, ==, 0x91);
	g_assert_true(tok_read_u16_be(d, len, 35, &u16, NULL));
	g_assert_cmpuint(u16, ==, 3);
	/* second record */
	g_assert_true(tok_read_u32_be(d, len, 59, &u32, NULL));
	g_assert_cmphex(u32, ==, 0x6B320000);
	g_assert_true(tok_read_u32_be(d, len, 63, &u32, NULL));
	g_assert_cmphex(u32, ==, 0x101B1);
	/* and every byte */
	assert_bytes(z0, layout_z0, sizeof(layout_z0));

	back = tok_coolkey_object_set_decode(layout_z0, sizeof(layout_z0), &compression, &error);
	g_assert_no_error(error);
	g_assert_cmpint(compression, ==, TOK_COOLKEY_COMPRESSION_NONE);
	g_assert_true(tok_coolkey_object_set_equal(set, back));
	g_assert_cmpstr(tok_coolkey_object_set_get_token_name(back), ==, "ab");
	g_assert_cmpuint(tok_coolkey_object_set_get_format_version(back), ==, 0x0100);
	g_assert_cmpuint(tok_coolkey_object_set_get_object_version(back), ==, 5);
	assert_bytes(tok_coolkey_object_set_get_cuid(back), layout_cuid, sizeof(layout_cuid));
	g_assert_cmpuint(tok_coolkey_object_set_get_n_records(back), ==, 2);
	{
		const TokCoolkeyRecord *c1 = tok_coolkey_object_set_get_record(back, 0);
		g_autofree gchar *name = tok_coolkey_record_get_object_name(c1);
		g_assert_cmpstr(name, ==, "c1");
		g_assert_cmpuint(tok_coolkey_record_get_n_attributes(c1), ==, 3);
		g_assert_cmpuint(tok_coolkey_record_get_attribute_type(c1, 2), ==, TOK_CKA_PRIVATE);
		g_assert_cmpint(tok_coolkey_record_get_attribute_data_type(c1, 2),
				==,
				TOK_COOLKEY_DATA_BOOL_FALSE);
		g_assert_cmpint(tok_coolkey_record_get_attribute_data_type(c1, 1),
				==,
				TOK_COOLKEY_DATA_INTEGER);
		assert_bytes(tok_coolkey_record_get_attribute_bytes(c1, 0), (const guint8 *)"L", 1);
		g_assert_null(tok_coolkey_record_get_attribute_bytes(c1, 1));
	}
}

static void
test_z0_round_trip(void)
{
	g_autoptr(TokCoolkeyObjectSet) set = build_layout_set();
	g_autoptr(TokCoolkeyRecord) big = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('d', '0'), 0);
	guint8 filler[600];
	const TokCoolkeyCompression modes[] = {TOK_COOLKEY_COMPRESSION_NONE,
					       TOK_COOLKEY_COMPRESSION_ZLIB};
	g_autoptr(GError) error = NULL;

	/* something compressible, and a UTF-8 label */
	for (guint i = 0; i < sizeof(filler); i++)
		filler[i] = (guint8)(i % 7);
	tok_coolkey_record_add_data(big, TOK_CKA_VALUE, filler, sizeof(filler));
	tok_coolkey_record_add_string(big, TOK_CKA_LABEL, "Zertifikat für Jürgen");
	tok_coolkey_record_add_data(big, TOK_CKA_SUBJECT, NULL, 0);
	g_assert_true(tok_coolkey_object_set_add_record(set, big, &error));
	g_assert_true(tok_coolkey_object_set_set_token_name(set, "Jürgen's token", &error));
	g_assert_no_error(error);

	for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
		g_autoptr(GBytes) z0 = tok_coolkey_object_set_encode(set, modes[m], &error);
		g_autoptr(TokCoolkeyObjectSet) back = NULL;
		g_autoptr(GBytes) again = NULL;
		TokCoolkeyCompression used = 99;
		const guint8 *d;
		gsize len = 0;

		g_assert_no_error(error);
		d = g_bytes_get_data(z0, &len);
		g_assert_cmpuint(d[15], ==, modes[m]);
		g_assert_cmpuint(((guint)d[16] << 8 | d[17]), ==, len - 20);
		if (modes[m] == TOK_COOLKEY_COMPRESSION_ZLIB) {
			/* a zlib header (CMF 0x78), and smaller than the plain form */
			g_assert_cmphex(d[20], ==, 0x78);
			g_assert_cmpuint(((guint)d[20] << 8 | d[21]) % 31, ==, 0);
			g_assert_cmpuint(len, <, 600);
		}
		back = tok_coolkey_object_set_decode_bytes(z0, &used, &error);
		g_assert_no_error(error);
		g_assert_cmpint(used, ==, modes[m]);
		g_assert_true(tok_coolkey_object_set_equal(set, back));
		/* encoding is deterministic */
		again = tok_coolkey_object_set_encode(back, modes[m], &error);
		g_assert_no_error(error);
		g_assert_true(g_bytes_equal(z0, again));
	}
}

static void
test_z0_empty(void)
{
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) z0 = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_NONE, &error);
	g_autoptr(TokCoolkeyObjectSet) back = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	const guint8 want[] = {0x01, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			       0x00, 0x00, 0x00, 0x05, 0x00, 0x14, 0x00, 0x05, 0x00, 0x00, 0x00};

	g_assert_no_error(error);
	assert_bytes(z0, want, sizeof(want));
	back = tok_coolkey_object_set_decode_bytes(z0, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_object_set_equal(set, back));
	certs = tok_coolkey_object_set_get_certificates(back);
	g_assert_cmpuint(certs->len, ==, 0);
}

/* --- certificates --- */

static GBytes *
make_certificate(EVP_PKEY *pkey, const gchar *cn)
{
	X509 *x509 = X509_new();
	X509_NAME *name = X509_NAME_new();
	guint8 *der = NULL;
	int der_len;
	GBytes *bytes;

	g_assert_nonnull(x509);
	g_assert_cmpint(X509_set_version(x509, X509_VERSION_3), ==, 1);
	g_assert_cmpint(ASN1_INTEGER_set(X509_get_serialNumber(x509), 42), ==, 1);
	g_assert_cmpint(
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const guint8 *)cn, -1, -1, 0),
	    ==,
	    1);
	g_assert_cmpint(X509_set_subject_name(x509, name), ==, 1);
	g_assert_cmpint(X509_set_issuer_name(x509, name), ==, 1);
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notBefore(x509), 0));
	g_assert_nonnull(X509_gmtime_adj(X509_getm_notAfter(x509), 3600));
	g_assert_cmpint(X509_set_pubkey(x509, pkey), ==, 1);
	g_assert_cmpint(X509_sign(x509, pkey, EVP_sha256()), >, 0);
	der_len = i2d_X509(x509, &der);
	g_assert_cmpint(der_len, >, 0);
	bytes = g_bytes_new(der, (gsize)der_len);
	OPENSSL_free(der);
	X509_NAME_free(name);
	X509_free(x509);
	return bytes;
}

/* DER of the namedCurve OID and DER OCTET STRING of the uncompressed point. */
static void
ec_params_and_point(EVP_PKEY *pkey, GBytes **params, GBytes **point)
{
	ASN1_OBJECT *oid = OBJ_txt2obj("1.2.840.10045.3.1.7", 1);
	guint8 *der = NULL;
	int der_len = i2d_ASN1_OBJECT(oid, &der);
	guint8 raw[133];
	gsize raw_len = 0;
	g_autoptr(GByteArray) wrapped = g_byte_array_new();

	g_assert_cmpint(der_len, >, 0);
	*params = g_bytes_new(der, (gsize)der_len);
	OPENSSL_free(der);
	ASN1_OBJECT_free(oid);

	g_assert_cmpint(EVP_PKEY_get_octet_string_param(pkey,
							OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
							raw,
							sizeof(raw),
							&raw_len),
			==,
			1);
	g_assert_cmpuint(raw_len, ==, 65);
	tok_byte_array_append_u8(wrapped, 0x04);
	tok_byte_array_append_u8(wrapped, (guint8)raw_len);
	g_byte_array_append(wrapped, raw, (guint)raw_len);
	*point = g_byte_array_free_to_bytes(g_steal_pointer(&wrapped));
}

static void
assert_record(const TokCoolkeyRecord *record, gchar type, gchar index, guint32 fixed)
{
	g_assert_cmphex(tok_coolkey_record_get_object_id(record),
			==,
			TOK_COOLKEY_OBJECT_ID(type, index));
	g_assert_cmphex(tok_coolkey_record_get_fixed_attributes(record), ==, fixed);
}

static guint32
integer_of(const TokCoolkeyRecord *record, guint32 type)
{
	gint idx = tok_coolkey_record_find_attribute(record, type);
	g_assert_cmpint(idx, >=, 0);
	g_assert_cmpint(tok_coolkey_record_get_attribute_data_type(record, (guint)idx),
			==,
			TOK_COOLKEY_DATA_INTEGER);
	return tok_coolkey_record_get_attribute_integer(record, (guint)idx);
}

static void
test_certificates(void)
{
	EVP_PKEY *rsa = EVP_RSA_gen(1024);
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	g_autoptr(GBytes) rsa_cert = NULL;
	g_autoptr(GBytes) ec_cert = NULL;
	g_autoptr(GBytes) ec_params = NULL;
	g_autoptr(GBytes) ec_point = NULL;
	g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
	g_autoptr(TokCoolkeyObjectSet) back = NULL;
	g_autoptr(GBytes) z0 = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autoptr(GError) error = NULL;
	TokCoolkeyCertificateSpec signing = {0};
	TokCoolkeyCertificateSpec encryption = {0};
	const TokCoolkeyRecord *r;

	g_assert_nonnull(rsa);
	g_assert_nonnull(ec);
	rsa_cert = make_certificate(rsa, "Jürgen Signing");
	ec_cert = make_certificate(ec, "Jürgen Encryption");
	ec_params_and_point(ec, &ec_params, &ec_point);

	signing.index = 1;
	signing.label = "Jürgen's Signing Certificate";
	signing.certificate = rsa_cert;
	signing.key_type = TOK_CKK_RSA;
	signing.usage = TOK_COOLKEY_KEY_USAGE_SIGNING;
	encryption.index = 2;
	encryption.label = "Encryption";
	encryption.certificate = ec_cert;
	encryption.key_type = TOK_CKK_EC;
	encryption.usage = TOK_COOLKEY_KEY_USAGE_ENCRYPTION;
	encryption.ec_params = ec_params;
	encryption.ec_point = ec_point;

	g_assert_true(tok_coolkey_object_set_set_token_name(set, "jdoe", &error));
	tok_coolkey_object_set_set_object_version(set, 17);
	g_assert_true(tok_coolkey_object_set_add_certificate(set, &signing, &error));
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_object_set_add_certificate(set, &encryption, &error));
	g_assert_no_error(error);

	z0 = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, &error);
	g_assert_no_error(error);
	back = tok_coolkey_object_set_decode_bytes(z0, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(tok_coolkey_object_set_equal(set, back));
	g_assert_cmpuint(tok_coolkey_object_set_get_n_records(back), ==, 6);

	/* order c1 k3 k2 c2 k5 k4, CKA_ID = cert index, capability bits of 4.8 */
	r = tok_coolkey_object_set_get_record(back, 0);
	assert_record(r, 'c', '1', 0x01 | 0x10 | 0x80);
	g_assert_cmpuint(tok_coolkey_record_get_n_attributes(r), ==, 2);
	g_assert_cmpuint(tok_coolkey_record_get_attribute_type(r, 0), ==, TOK_CKA_LABEL);
	assert_bytes(tok_coolkey_record_get_attribute_bytes(r, 0),
		     (const guint8 *)signing.label,
		     strlen(signing.label));
	g_assert_true(g_bytes_equal(tok_coolkey_record_lookup_bytes(r, TOK_CKA_VALUE), rsa_cert));
	r = tok_coolkey_object_set_get_record(back, 1);
	assert_record(r, 'k', '3', 0x01 | 0x20 | 0x80 | 0x40000 | 0x80000);
	g_assert_cmpuint(integer_of(r, TOK_CKA_KEY_TYPE), ==, TOK_CKK_RSA);
	g_assert_cmpuint(tok_coolkey_record_get_n_attributes(r), ==, 1);
	r = tok_coolkey_object_set_get_record(back, 2);
	assert_record(r, 'k', '2', 0x01 | 0x30 | 0x80 | 0x100 | 0x100000 | 0x10000 | 0x20000);
	g_assert_cmpuint(integer_of(r, TOK_CKA_KEY_TYPE), ==, TOK_CKK_RSA);
	r = tok_coolkey_object_set_get_record(back, 3);
	assert_record(r, 'c', '2', 0x02 | 0x10 | 0x80);
	r = tok_coolkey_object_set_get_record(back, 4);
	assert_record(r, 'k', '5', 0x02 | 0x20 | 0x80 | 0x1000 | 0x4000);
	g_assert_cmpuint(integer_of(r, TOK_CKA_KEY_TYPE), ==, TOK_CKK_EC);
	g_assert_true(g_bytes_equal(tok_coolkey_record_lookup_bytes(r, TOK_CKA_EC_PARAMS), ec_params));
	g_assert_true(g_bytes_equal(tok_coolkey_record_lookup_bytes(r, TOK_CKA_EC_POINT), ec_point));
	r = tok_coolkey_object_set_get_record(back, 5);
	assert_record(r, 'k', '4', 0x02 | 0x30 | 0x80 | 0x100 | 0x100000 | 0x2000 | 0x8000);
	g_assert_cmpuint(integer_of(r, TOK_CKA_KEY_TYPE), ==, TOK_CKK_EC);
	g_assert_true(g_bytes_equal(tok_coolkey_record_lookup_bytes(r, TOK_CKA_EC_PARAMS), ec_params));
	g_assert_null(tok_coolkey_record_lookup_bytes(r, TOK_CKA_EC_POINT));

	/* the client's view: both certificates, in order, and they parse */
	certs = tok_coolkey_object_set_get_certificates(back);
	g_assert_cmpuint(certs->len, ==, 2);
	g_assert_true(g_bytes_equal(g_ptr_array_index(certs, 0), rsa_cert));
	g_assert_true(g_bytes_equal(g_ptr_array_index(certs, 1), ec_cert));
	for (guint i = 0; i < certs->len; i++) {
		gsize len = 0;
		const guint8 *p = g_bytes_get_data(g_ptr_array_index(certs, i), &len);
		X509 *x509 = d2i_X509(NULL, &p, (long)len);
		g_assert_nonnull(x509);
		X509_free(x509);
	}

	/* re-enrolling the same index collides and adds nothing */
	g_assert_false(tok_coolkey_object_set_add_certificate(set, &signing, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_EXISTS);
	g_clear_error(&error);
	g_assert_cmpuint(tok_coolkey_object_set_get_n_records(set), ==, 6);
	/* after removing the old ones it goes in again (at the end) */
	g_assert_true(tok_coolkey_object_set_remove_record(set, TOK_COOLKEY_OBJECT_ID('c', '1')));
	g_assert_true(tok_coolkey_object_set_remove_record(set, TOK_COOLKEY_OBJECT_ID('k', '2')));
	g_assert_true(tok_coolkey_object_set_remove_record(set, TOK_COOLKEY_OBJECT_ID('k', '3')));
	g_assert_false(tok_coolkey_object_set_remove_record(set, TOK_COOLKEY_OBJECT_ID('k', '3')));
	g_assert_true(tok_coolkey_object_set_add_certificate(set, &signing, &error));
	g_assert_no_error(error);
	g_assert_nonnull(tok_coolkey_object_set_lookup_record(set, TOK_COOLKEY_OBJECT_ID('k', '2')));
	g_assert_null(tok_coolkey_object_set_lookup_record(set, TOK_COOLKEY_OBJECT_ID('k', '7')));

	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

static void
test_certificate_errors(void)
{
	const guint8 fake_der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	g_autoptr(GBytes) der = g_bytes_new_static(fake_der, sizeof(fake_der));
	g_autoptr(GBytes) empty = g_bytes_new_static(fake_der, 0);
	TokCoolkeyCertificateSpec spec = {
	    .index = 0,
	    .label = "x",
	    .certificate = der,
	    .key_type = TOK_CKK_RSA,
	    .usage = TOK_COOLKEY_KEY_USAGE_SIGNING,
	};
	struct {
		guint index;
		const gchar *label;
		GBytes *certificate;
		guint32 key_type;
		guint usage;
		GBytes *ec_params;
		GBytes *ec_point;
		gint code;
	} bad[] = {
	    {5, "x", der, TOK_CKK_RSA, 0, NULL, NULL, TOK_ERROR_INVALID_DATA},
	    {0, NULL, der, TOK_CKK_RSA, 0, NULL, NULL, TOK_ERROR_INVALID_DATA},
	    {0, "\xff", der, TOK_CKK_RSA, 0, NULL, NULL, TOK_ERROR_INVALID_DATA},
	    {0, "x", NULL, TOK_CKK_RSA, 0, NULL, NULL, TOK_ERROR_INVALID_DATA},
	    {0, "x", empty, TOK_CKK_RSA, 0, NULL, NULL, TOK_ERROR_INVALID_DATA},
	    {0, "x", der, 1 /* DSA */, 0, NULL, NULL, TOK_ERROR_NOT_SUPPORTED},
	    {0, "x", der, TOK_CKK_RSA, 7, NULL, NULL, TOK_ERROR_INVALID_DATA},
	    {0, "x", der, TOK_CKK_RSA, 0, der, NULL, TOK_ERROR_INVALID_DATA},
	    {0, "x", der, TOK_CKK_EC, 0, NULL, der, TOK_ERROR_INVALID_DATA},
	    {0, "x", der, TOK_CKK_EC, 0, der, NULL, TOK_ERROR_INVALID_DATA},
	};
	g_autoptr(GPtrArray) records = NULL;
	g_autoptr(GError) error = NULL;

	/* index 0 and 4 are the extremes: k0/k1 and k8/k9 */
	records = tok_coolkey_records_new_for_certificate(&spec, &error);
	g_assert_no_error(error);
	g_assert_cmphex(tok_coolkey_record_get_object_id(g_ptr_array_index(records, 2)),
			==,
			0x6B300000);
	g_clear_pointer(&records, g_ptr_array_unref);
	spec.index = 4;
	records = tok_coolkey_records_new_for_certificate(&spec, &error);
	g_assert_no_error(error);
	g_assert_cmphex(tok_coolkey_record_get_object_id(g_ptr_array_index(records, 1)),
			==,
			0x6B390000);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		TokCoolkeyCertificateSpec s = {
		    .index = bad[i].index,
		    .label = bad[i].label,
		    .certificate = bad[i].certificate,
		    .key_type = bad[i].key_type,
		    .usage = (TokCoolkeyKeyUsage)bad[i].usage,
		    .ec_params = bad[i].ec_params,
		    .ec_point = bad[i].ec_point,
		};
		g_autoptr(TokCoolkeyObjectSet) set = tok_coolkey_object_set_new();
		g_autoptr(GPtrArray) r = tok_coolkey_records_new_for_certificate(&s, &error);
		g_assert_null(r);
		g_assert_error(error, TOK_ERROR, bad[i].code);
		g_clear_error(&error);
		g_assert_false(tok_coolkey_object_set_add_certificate(set, &s, &error));
		g_assert_error(error, TOK_ERROR, bad[i].code);
		g_clear_error(&error);
		g_assert_cmpuint(tok_coolkey_object_set_get_n_records(set), ==, 0);
	}
}

/* --- stand-alone objects --- */

static void
test_old_round_trip(void)
{
	/* a certificate-attribute object as the TPS writes it in the old format */
	const guint8 want[] = {
	    0x00, 0x63, 0x31, 0x00, 0x00, 0x00, 0x2A,		  /* 00 "c1" attrDataLen 42 */
	    0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x4A, 0x44,	  /* LABEL "JD" */
	    0x00, 0x00, 0x01, 0x02, 0x00, 0x01, 0x01,		  /* ID 01 */
	    0x00, 0x00, 0x00, 0x80, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, /* CERTIFICATE_TYPE 0 LE */
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00, /* CLASS 1, little-endian */
	    0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01,		  /* TOKEN as a 1-byte string */
	};
	const guint8 one = 1;
	g_autoptr(TokCoolkeyRecord) record = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('c', '1'), 0);
	g_autoptr(TokCoolkeyRecord) back = NULL;
	g_autoptr(TokCoolkeyRecord) from_bool = NULL;
	g_autoptr(GBytes) old = NULL;
	g_autoptr(GBytes) old_bool = NULL;
	g_autoptr(GError) error = NULL;
	TokCoolkeyObjectFormat format = TOK_COOLKEY_OBJECT_FORMAT_NEW;

	tok_coolkey_record_add_string(record, TOK_CKA_LABEL, "JD");
	tok_coolkey_record_add_data(record, TOK_CKA_ID, &one, 1);
	tok_coolkey_record_add_integer(record, TOK_CKA_CERTIFICATE_TYPE, TOK_CKC_X_509);
	tok_coolkey_record_add_integer(record, TOK_CKA_CLASS, TOK_CKO_CERTIFICATE);
	tok_coolkey_record_add_data(record, TOK_CKA_TOKEN, &one, 1);
	old = tok_coolkey_record_encode_old(record, &error);
	g_assert_no_error(error);
	assert_bytes(old, want, sizeof(want));

	back = tok_coolkey_record_decode_object(want, sizeof(want), &format, &error);
	g_assert_no_error(error);
	g_assert_cmpint(format, ==, TOK_COOLKEY_OBJECT_FORMAT_OLD);
	g_assert_true(tok_coolkey_record_equal(record, back));
	g_assert_cmpuint(integer_of(back, TOK_CKA_CLASS), ==, TOK_CKO_CERTIFICATE);
	g_assert_cmpuint(tok_coolkey_record_get_class(back), ==, TOK_CKO_CERTIFICATE);

	/* a key type of EC comes out as 03 00 00 00 */
	{
		g_autoptr(TokCoolkeyRecord) k = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('k', '4'), 0);
		g_autoptr(GBytes) kb = NULL;
		const guint8 kwant[] = {0x00, 0x6B, 0x34, 0x00, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x01,
					0x00, 0x00, 0x04, 0x03, 0x00, 0x00, 0x00};
		tok_coolkey_record_add_integer(k, TOK_CKA_KEY_TYPE, TOK_CKK_EC);
		kb = tok_coolkey_record_encode_old(k, &error);
		g_assert_no_error(error);
		assert_bytes(kb, kwant, sizeof(kwant));
	}

	/* booleans become one-byte strings */
	from_bool = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('c', '1'), 0);
	tok_coolkey_record_add_string(from_bool, TOK_CKA_LABEL, "JD");
	tok_coolkey_record_add_data(from_bool, TOK_CKA_ID, &one, 1);
	tok_coolkey_record_add_integer(from_bool, TOK_CKA_CERTIFICATE_TYPE, TOK_CKC_X_509);
	tok_coolkey_record_add_integer(from_bool, TOK_CKA_CLASS, TOK_CKO_CERTIFICATE);
	tok_coolkey_record_add_bool(from_bool, TOK_CKA_TOKEN, TRUE);
	old_bool = tok_coolkey_record_encode_old(from_bool, &error);
	g_assert_no_error(error);
	assert_bytes(old_bool, want, sizeof(want));

	/* other integers have no old-format encoding */
	tok_coolkey_record_add_integer(from_bool, TOK_CKA_MODULUS, 7);
	g_clear_pointer(&old_bool, g_bytes_unref);
	old_bool = tok_coolkey_record_encode_old(from_bool, &error);
	g_assert_null(old_bool);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
}

static void
test_new_round_trip(void)
{
	g_autoptr(TokCoolkeyObjectSet) set = build_layout_set();
	const TokCoolkeyRecord *k2 = tok_coolkey_object_set_get_record(set, 1);
	g_autoptr(GBytes) enc = NULL;
	g_autoptr(TokCoolkeyRecord) back = NULL;
	g_autoptr(GError) error = NULL;
	TokCoolkeyObjectFormat format = TOK_COOLKEY_OBJECT_FORMAT_OLD;
	g_autoptr(GByteArray) trailing = g_byte_array_new();

	enc = tok_coolkey_record_encode_new(k2, &error);
	g_assert_no_error(error);
	/* 01 followed by the record exactly as inside z0 */
	{
		gsize len = 0;
		const guint8 *d = g_bytes_get_data(enc, &len);
		g_assert_cmpuint(d[0], ==, 0x01);
		g_assert_cmpmem(d + 1, len - 1, layout_z0 + 59, sizeof(layout_z0) - 59);
	}
	back = tok_coolkey_record_decode_object_bytes(enc, &format, &error);
	g_assert_no_error(error);
	g_assert_cmpint(format, ==, TOK_COOLKEY_OBJECT_FORMAT_NEW);
	g_assert_true(tok_coolkey_record_equal(k2, back));

	/* strict: no bytes after the last attribute */
	tok_byte_array_append_bytes(trailing, enc);
	tok_byte_array_append_u8(trailing, 0);
	g_clear_pointer(&back, tok_coolkey_record_free);
	back = tok_coolkey_record_decode_object(trailing->data, trailing->len, NULL, &error);
	g_assert_null(back);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
}

static void
expect_object_error(const guint8 *data, gsize len, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyRecord) record = tok_coolkey_record_decode_object(data, len, NULL, &error);
	g_assert_null(record);
	g_assert_error(error, TOK_ERROR, code);
	g_assert_nonnull(strstr(error->message, "object"));
}

static void
test_object_malformed(void)
{
	const guint8 short_header[] = {0x00, 0x63, 0x31, 0x00};
	const guint8 len_too_long[] = {0x00, 0x63, 0x31, 0x00, 0x00, 0x00, 0x09,
				       0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x41};
	const guint8 len_too_short[] = {0x00, 0x63, 0x31, 0x00, 0x00, 0x00, 0x06,
					0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x41};
	const guint8 attr_past_end[] = {0x00, 0x63, 0x31, 0x00, 0x00, 0x00, 0x07,
					0x00, 0x00, 0x00, 0x03, 0x00, 0x05, 0x41};
	const guint8 attr_header_cut[] = {0x00, 0x63, 0x31, 0x00, 0x00, 0x00, 0x03,
					  0x00, 0x00, 0x00};
	const guint8 class_3_bytes[] = {0x00, 0x63, 0x31, 0x00, 0x00, 0x00, 0x09,
					0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00};
	const guint8 unknown_kind[] = {0x02, 0x63, 0x31, 0x00, 0x00, 0x00, 0x00};
	const guint8 new_cut[] = {0x01, 0x6B, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91, 0x00, 0x01,
				  0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x04, 0x41};
	const guint8 new_bad_type[] = {0x01, 0x6B, 0x32, 0x00, 0x00, 0x00, 0x00, 0x00, 0x91,
				       0x00, 0x01, 0x00, 0x00, 0x00, 0x03, 0x07};
	g_autofree guint8 *huge = g_malloc0(1 + 4 + 2 + 65536);
	TokCoolkeyObjectFormat format = 77;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyRecord) record = NULL;

	expect_object_error(NULL, 0, TOK_ERROR_TRUNCATED);
	expect_object_error(short_header, sizeof(short_header), TOK_ERROR_TRUNCATED);
	expect_object_error(len_too_long, sizeof(len_too_long), TOK_ERROR_TRUNCATED);
	expect_object_error(len_too_short, sizeof(len_too_short), TOK_ERROR_INVALID_DATA);
	expect_object_error(attr_past_end, sizeof(attr_past_end), TOK_ERROR_TRUNCATED);
	expect_object_error(attr_header_cut, sizeof(attr_header_cut), TOK_ERROR_TRUNCATED);
	expect_object_error(class_3_bytes, sizeof(class_3_bytes), TOK_ERROR_INVALID_DATA);
	expect_object_error(unknown_kind, sizeof(unknown_kind), TOK_ERROR_INVALID_DATA);
	expect_object_error(new_cut, sizeof(new_cut), TOK_ERROR_TRUNCATED);
	expect_object_error(new_bad_type, sizeof(new_bad_type), TOK_ERROR_INVALID_DATA);
	expect_object_error(huge, 1 + 4 + 2 + 65536, TOK_ERROR_TOO_LARGE);

	/* the format is left alone on failure */
	record = tok_coolkey_record_decode_object(unknown_kind, sizeof(unknown_kind), &format, &error);
	g_assert_null(record);
	g_assert_cmpint(format, ==, 77);
}

/* --- fixedAttributes --- */

typedef struct {
	guint32 type;
	TokCoolkeyDataType data_type;
} ExpectedAttr;

static void
assert_expanded(const TokCoolkeyRecord *expanded,
		guint first,
		const ExpectedAttr *want,
		guint n_want)
{
	g_assert_cmpuint(tok_coolkey_record_get_n_attributes(expanded), ==, first + n_want);
	for (guint i = 0; i < n_want; i++) {
		g_assert_cmphex(tok_coolkey_record_get_attribute_type(expanded, first + i),
				==,
				want[i].type);
		g_assert_cmpint(tok_coolkey_record_get_attribute_data_type(expanded, first + i),
				==,
				want[i].data_type);
	}
}

static void
test_fixed_expand(void)
{
	const TokCoolkeyDataType F = TOK_COOLKEY_DATA_BOOL_FALSE;
	const TokCoolkeyDataType T = TOK_COOLKEY_DATA_BOOL_TRUE;
	const TokCoolkeyDataType S = TOK_COOLKEY_DATA_STRING;
	const TokCoolkeyDataType I = TOK_COOLKEY_DATA_INTEGER;
	/* data / certificate: TOKEN PRIVATE MODIFIABLE; here TOKEN and MODIFIABLE set */
	const ExpectedAttr data_cert[] = {
	    {TOK_CKA_ID, S},
	    {TOK_CKA_CLASS, I},
	    {TOK_CKA_TOKEN, T},
	    {TOK_CKA_PRIVATE, F},
	    {TOK_CKA_MODIFIABLE, T},
	};
	/* public key (0xC5F80) with TOKEN VERIFY VERIFY_RECOVER */
	const ExpectedAttr pub[] = {
	    {TOK_CKA_ID, S},
	    {TOK_CKA_CLASS, I},
	    {TOK_CKA_TOKEN, T},
	    {TOK_CKA_PRIVATE, F},
	    {TOK_CKA_MODIFIABLE, F},
	    {TOK_CKA_DERIVE, F},
	    {TOK_CKA_LOCAL, F},
	    {TOK_CKA_ENCRYPT, F},
	    {TOK_CKA_WRAP, F},
	    {TOK_CKA_VERIFY, T},
	    {TOK_CKA_VERIFY_RECOVER, T},
	};
	/* private key (0xF3AF80) with TOKEN PRIVATE SIGN SIGN_RECOVER SENSITIVE */
	const ExpectedAttr priv[] = {
	    {TOK_CKA_ID, S},
	    {TOK_CKA_CLASS, I},
	    {TOK_CKA_TOKEN, T},
	    {TOK_CKA_PRIVATE, T},
	    {TOK_CKA_MODIFIABLE, F},
	    {TOK_CKA_DERIVE, F},
	    {TOK_CKA_LOCAL, F},
	    {TOK_CKA_DECRYPT, F},
	    {TOK_CKA_UNWRAP, F},
	    {TOK_CKA_SIGN, T},
	    {TOK_CKA_SIGN_RECOVER, T},
	    {TOK_CKA_SENSITIVE, T},
	    {TOK_CKA_ALWAYS_SENSITIVE, F},
	    {TOK_CKA_EXTRACTABLE, F},
	    {TOK_CKA_NEVER_EXTRACTABLE, F},
	};
	/* secret key (0xF5FF80): every boolean but SIGN_RECOVER and VERIFY_RECOVER */
	const ExpectedAttr secret[] = {
	    {TOK_CKA_ID, S},
	    {TOK_CKA_CLASS, I},
	    {TOK_CKA_TOKEN, F},
	    {TOK_CKA_PRIVATE, F},
	    {TOK_CKA_MODIFIABLE, F},
	    {TOK_CKA_DERIVE, T},
	    {TOK_CKA_LOCAL, F},
	    {TOK_CKA_ENCRYPT, T},
	    {TOK_CKA_DECRYPT, T},
	    {TOK_CKA_WRAP, F},
	    {TOK_CKA_UNWRAP, F},
	    {TOK_CKA_SIGN, F},
	    {TOK_CKA_VERIFY, F},
	    {TOK_CKA_SENSITIVE, F},
	    {TOK_CKA_ALWAYS_SENSITIVE, F},
	    {TOK_CKA_EXTRACTABLE, F},
	    {TOK_CKA_NEVER_EXTRACTABLE, T},
	};
	const ExpectedAttr reserved[] = {
	    {TOK_CKA_ID, S},
	    {TOK_CKA_CLASS, I},
	};
	struct {
		guint32 fixed;
		const ExpectedAttr *want;
		guint n_want;
		guint8 id;
	} cases[] = {
	    {0x00000280 | 0x05, data_cert, G_N_ELEMENTS(data_cert), 5},
	    {0x00000290 | 0x0F, data_cert, G_N_ELEMENTS(data_cert), 15},
	    {0x000C00A1, pub, G_N_ELEMENTS(pub), 1},
	    {0x001301B2, priv, G_N_ELEMENTS(priv), 2},
	    {0x00803440, secret, G_N_ELEMENTS(secret), 0},
	    /* reserved class 5 with every bit set: only CKA_ID and CKA_CLASS */
	    {0xFFFFFFD3, reserved, G_N_ELEMENTS(reserved), 3},
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		g_autoptr(TokCoolkeyRecord) record =
		    tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('k', '0'), cases[c].fixed);
		g_autoptr(TokCoolkeyRecord) expanded = NULL;
		GBytes *id;

		tok_coolkey_record_add_string(record, TOK_CKA_LABEL, "explicit");
		expanded = tok_coolkey_record_expand(record);
		g_assert_cmpuint(tok_coolkey_record_get_attribute_type(expanded, 0), ==, TOK_CKA_LABEL);
		assert_expanded(expanded, 1, cases[c].want, cases[c].n_want);
		id = tok_coolkey_record_lookup_bytes(expanded, TOK_CKA_ID);
		assert_bytes(id, &cases[c].id, 1);
		g_assert_cmpuint(integer_of(expanded, TOK_CKA_CLASS), ==, (cases[c].fixed >> 4) & 7);
		g_assert_cmphex(tok_coolkey_record_get_fixed_attributes(expanded), ==, cases[c].fixed);
	}

	/* explicit attributes win over the bits: CKA_ID, CKA_CLASS, CKA_SIGN */
	{
		const guint8 id[] = {0xAB, 0xCD};
		g_autoptr(TokCoolkeyRecord) record =
		    tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('k', '2'), 0x001301B1);
		g_autoptr(TokCoolkeyRecord) expanded = NULL;
		gint idx;

		tok_coolkey_record_add_data(record, TOK_CKA_ID, id, sizeof(id));
		tok_coolkey_record_add_bool(record, TOK_CKA_SIGN, FALSE);
		tok_coolkey_record_add_integer(record, TOK_CKA_CLASS, TOK_CKO_SECRET_KEY);
		expanded = tok_coolkey_record_expand(record);
		/* 3 explicit + the 13 private-key booleans but SIGN */
		g_assert_cmpuint(tok_coolkey_record_get_n_attributes(expanded), ==, 3 + 12);
		assert_bytes(tok_coolkey_record_lookup_bytes(expanded, TOK_CKA_ID), id, sizeof(id));
		idx = tok_coolkey_record_find_attribute(expanded, TOK_CKA_SIGN);
		g_assert_cmpint(idx, ==, 1);
		g_assert_cmpint(tok_coolkey_record_get_attribute_data_type(expanded, (guint)idx),
				==,
				TOK_COOLKEY_DATA_BOOL_FALSE);
		g_assert_cmpuint(tok_coolkey_record_get_attribute_integer(expanded, (guint)idx), ==, 0);
		/* the mask still comes from the fixed class (private key): SIGN_RECOVER is
		 * there, ENCRYPT (secret-key only) is not */
		g_assert_cmpint(tok_coolkey_record_find_attribute(expanded, TOK_CKA_SIGN_RECOVER), >, 0);
		g_assert_cmpint(tok_coolkey_record_find_attribute(expanded, TOK_CKA_ENCRYPT), ==, -1);
		g_assert_cmpuint(tok_coolkey_record_get_class(expanded), ==, TOK_CKO_SECRET_KEY);
		g_assert_cmpuint(tok_coolkey_record_get_class(record), ==, TOK_CKO_SECRET_KEY);
	}
}

static void
test_fixed_build(void)
{
	guint32 fixed = 0xdeadbeef;
	g_autoptr(GError) error = NULL;

	g_assert_true(tok_coolkey_fixed_attributes_build(2,
							 TOK_CKO_PUBLIC_KEY,
							 TOK_COOLKEY_FIXED_TOKEN |
							     TOK_COOLKEY_FIXED_ENCRYPT |
							     TOK_COOLKEY_FIXED_WRAP,
							 &fixed,
							 &error));
	g_assert_no_error(error);
	g_assert_cmphex(fixed, ==, 0x50A2);
	g_assert_cmpuint(tok_coolkey_fixed_attributes_get_id(fixed), ==, 2);
	g_assert_cmpuint(tok_coolkey_fixed_attributes_get_class(fixed), ==, TOK_CKO_PUBLIC_KEY);
	g_assert_true(tok_coolkey_fixed_attributes_build(0, TOK_CKO_DATA, 0, &fixed, &error));
	g_assert_cmphex(fixed, ==, 0);
	g_assert_true(tok_coolkey_fixed_attributes_build(15,
							 TOK_CKO_SECRET_KEY,
							 (TokCoolkeyFixedFlags)0xF5FF80,
							 &fixed,
							 &error));
	g_assert_cmphex(fixed, ==, 0xF5FFCF);

	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(0), ==, 0x380);
	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(1), ==, 0x380);
	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(2), ==, 0xC5F80);
	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(3), ==, 0xF3AF80);
	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(4), ==, 0xF5FF80);
	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(5), ==, 0);
	g_assert_cmphex(tok_coolkey_fixed_attributes_class_mask(99), ==, 0);
	g_assert_cmphex(tok_coolkey_fixed_attributes_flag_for_type(TOK_CKA_TOKEN), ==, 0x80);
	g_assert_cmphex(tok_coolkey_fixed_attributes_flag_for_type(TOK_CKA_NEVER_EXTRACTABLE),
			==,
			0x800000);
	g_assert_cmphex(tok_coolkey_fixed_attributes_flag_for_type(TOK_CKA_LABEL), ==, 0);

	fixed = 0x1234;
	g_assert_false(tok_coolkey_fixed_attributes_build(16, TOK_CKO_DATA, 0, &fixed, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(tok_coolkey_fixed_attributes_build(0, 5, 0, &fixed, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* SIGN is not a certificate bit */
	g_assert_false(tok_coolkey_fixed_attributes_build(1,
							  TOK_CKO_CERTIFICATE,
							  TOK_COOLKEY_FIXED_SIGN,
							  &fixed,
							  &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* ENCRYPT is a public-key bit but not a private-key one */
	g_assert_false(tok_coolkey_fixed_attributes_build(1,
							  TOK_CKO_PRIVATE_KEY,
							  TOK_COOLKEY_FIXED_ENCRYPT,
							  &fixed,
							  &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_assert_cmphex(fixed, ==, 0x1234);
}

/* --- malformed z0 --- */

static void
expect_z0_error(const guint8 *data, gsize len, gint code, const gchar *what)
{
	g_autoptr(GError) error = NULL;
	TokCoolkeyCompression compression = 77;
	g_autoptr(TokCoolkeyObjectSet) set =
	    tok_coolkey_object_set_decode(data, len, &compression, &error);
	if (error != NULL)
		g_test_message("%s: %s", what, error->message);
	g_assert_null(set);
	g_assert_error(error, TOK_ERROR, code);
	g_assert_nonnull(strstr(error->message, "z0"));
	g_assert_cmpint(compression, ==, 77);
}

/* layout_z0 with byte @offset set to @value. */
static GByteArray *
layout_with(gsize offset, guint8 value)
{
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, layout_z0, sizeof(layout_z0));
	a->data[offset] = value;
	return a;
}

/* A zlib-compressed z0 around @data (as is, without checking it). */
static GByteArray *
wrap_zlib(const guint8 *data, gsize len)
{
	uLongf clen = compressBound((uLong)len);
	g_autofree guint8 *cbuf = g_malloc(clen);
	GByteArray *out = g_byte_array_new();

	g_assert_cmpint(compress2(cbuf, &clen, data, (uLong)len, 9), ==, Z_OK);
	g_byte_array_append(out, layout_z0, 14);
	tok_byte_array_append_u16_be(out, 1);
	tok_byte_array_append_u16_be(out, (guint16)clen);
	tok_byte_array_append_u16_be(out, 20);
	g_byte_array_append(out, cbuf, (guint)clen);
	return out;
}

static void
test_z0_malformed(void)
{
	const guint8 *data_block = layout_z0 + 20;
	const gsize data_len = sizeof(layout_z0) - 20;
	g_autoptr(GByteArray) a = NULL;

	expect_z0_error(NULL, 0, TOK_ERROR_TRUNCATED, "empty");
	expect_z0_error(layout_z0, 10, TOK_ERROR_TRUNCATED, "truncated header");
	expect_z0_error(layout_z0, 19, TOK_ERROR_TRUNCATED, "header one byte short");

	a = layout_with(19, 0x15);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "data offset 21");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(18, 0x01);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "data offset 0x114");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(15, 0x02);
	expect_z0_error(a->data, a->len, TOK_ERROR_NOT_SUPPORTED, "compression 2");
	g_clear_pointer(&a, g_byte_array_unref);
	/* size field larger / smaller than what follows */
	a = layout_with(17, 0x40);
	expect_z0_error(a->data, a->len, TOK_ERROR_TRUNCATED, "size 64 of 63");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(17, 0x3E);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "size 62 of 63");
	g_clear_pointer(&a, g_byte_array_unref);
	expect_z0_error(layout_z0, sizeof(layout_z0) - 1, TOK_ERROR_TRUNCATED, "object cut");
	/* data block */
	a = layout_with(21, 0x08);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "objectOffset 8");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(21, 0x04);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "objectOffset into the name");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(23, 0x03);
	expect_z0_error(a->data, a->len, TOK_ERROR_TRUNCATED, "objectCount 3 of 2");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(23, 0x01);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "objectCount 1 of 2");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(24, 0x50);
	expect_z0_error(a->data, a->len, TOK_ERROR_TRUNCATED, "token name past the end");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(25, 0xC3);
	a->data[26] = 0x28;
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "token name not UTF-8");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(26, 0x00);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "NUL in the token name");
	g_clear_pointer(&a, g_byte_array_unref);
	/* records */
	a = layout_with(43, 0xF0); /* c1 LABEL length 0x00F0 */
	expect_z0_error(a->data, a->len, TOK_ERROR_TRUNCATED, "attribute past the end");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(49, 0x04); /* c1 CERTIFICATE_TYPE data type 4 */
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "unknown data type");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(49, 0xFF);
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "data type 0xff");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(36, 0x04); /* c1 has 4 attributes: k2's header read as one */
	expect_z0_error(a->data, a->len, TOK_ERROR_TRUNCATED, "attribute count too large");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(60, 0x31); /* k2 renamed c1 */
	a->data[59] = 0x63;
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "duplicate object ID");
	g_clear_pointer(&a, g_byte_array_unref);
	a = layout_with(17, 0x3A); /* cut inside k2's last attribute */
	g_byte_array_set_size(a, a->len - 5);
	expect_z0_error(a->data, a->len, TOK_ERROR_TRUNCATED, "record cut");
	g_clear_pointer(&a, g_byte_array_unref);

	/* zlib */
	a = layout_with(15, 0x01); /* the plain data claimed to be zlib */
	expect_z0_error(a->data, a->len, TOK_ERROR_INVALID_DATA, "zlib garbage");
	g_clear_pointer(&a, g_byte_array_unref);
	a = wrap_zlib(data_block, data_len);
	{
		g_autoptr(GError) error = NULL;
		TokCoolkeyCompression c = TOK_COOLKEY_COMPRESSION_NONE;
		g_autoptr(TokCoolkeyObjectSet) ok = tok_coolkey_object_set_decode(a->data, a->len, &c, &error);
		g_autoptr(TokCoolkeyObjectSet) want = build_layout_set();
		g_assert_no_error(error);
		g_assert_cmpint(c, ==, TOK_COOLKEY_COMPRESSION_ZLIB);
		g_assert_true(tok_coolkey_object_set_equal(ok, want));
	}
	/* zlib stream cut short (size adjusted) */
	{
		g_autoptr(GByteArray) cut = g_byte_array_new();
		g_byte_array_append(cut, a->data, a->len - 3);
		cut->data[17] = (guint8)(cut->data[17] - 3);
		expect_z0_error(cut->data, cut->len, TOK_ERROR_TRUNCATED, "zlib stream cut");
	}
	/* bytes after the end of the zlib stream (size adjusted) */
	{
		g_autoptr(GByteArray) extra = g_byte_array_new();
		g_byte_array_append(extra, a->data, a->len);
		tok_byte_array_append_u8(extra, 0);
		extra->data[17] = (guint8)(extra->data[17] + 1);
		expect_z0_error(extra->data, extra->len, TOK_ERROR_INVALID_DATA, "after zlib");
	}
	/* a corrupted checksum */
	{
		g_autoptr(GByteArray) bad = g_byte_array_new();
		g_byte_array_append(bad, a->data, a->len);
		bad->data[bad->len - 1] ^= 0x55;
		expect_z0_error(bad->data, bad->len, TOK_ERROR_INVALID_DATA, "adler32");
	}
	g_clear_pointer(&a, g_byte_array_unref);
	/* a gzip stream is not what the TPS writes */
	{
		const guint8 gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
				     0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
		g_autoptr(GByteArray) g = wrap_zlib(data_block, 1);
		g_byte_array_set_size(g, 20);
		g->data[17] = sizeof(gz);
		g_byte_array_append(g, gz, sizeof(gz));
		expect_z0_error(g->data, g->len, TOK_ERROR_INVALID_DATA, "gzip");
	}
}

/* A data block of exactly @len bytes: no token name and one record with one string. */
static GByteArray *
big_data_block(gsize len)
{
	GByteArray *d = g_byte_array_new();
	gsize value_len = len - 5 - 10 - 7;
	tok_byte_array_append_u16_be(d, 5);
	tok_byte_array_append_u16_be(d, 1);
	tok_byte_array_append_u8(d, 0);
	tok_byte_array_append_u32_be(d, TOK_COOLKEY_OBJECT_ID('d', '0'));
	tok_byte_array_append_u32_be(d, 0);
	tok_byte_array_append_u16_be(d, 1);
	tok_byte_array_append_u32_be(d, TOK_CKA_VALUE);
	tok_byte_array_append_u8(d, TOK_COOLKEY_DATA_STRING);
	tok_byte_array_append_u16_be(d, (guint16)value_len);
	g_byte_array_set_size(d, (guint)len);
	memset(d->data + 22, 0x5A, value_len);
	return d;
}

static void
test_z0_limits(void)
{
	g_autoptr(GByteArray) block = big_data_block(TOK_COOLKEY_Z0_MAX_DATA);
	g_autoptr(GByteArray) z0 = wrap_zlib(block->data, block->len);
	g_autoptr(GByteArray) bomb = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokCoolkeyObjectSet) set = NULL;
	g_autoptr(GBytes) again = NULL;
	g_autofree guint8 *zeros = g_malloc0(1 << 20);
	g_autofree gchar *long_name = g_strnfill(256, 'n');
	g_autofree guint8 *huge = g_malloc0(20 + 65536);
	g_autoptr(TokCoolkeyRecord) fat = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('d', '1'), 0);
	g_autoptr(TokCoolkeyRecord) too_fat = tok_coolkey_record_new(TOK_COOLKEY_OBJECT_ID('d', '2'), 0);

	/* exactly at the inflate limit: fine, and it re-encodes compressed */
	set = tok_coolkey_object_set_decode(z0->data, z0->len, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(tok_coolkey_record_lookup_bytes(
			     tok_coolkey_object_set_get_record(set, 0),
			     TOK_CKA_VALUE)),
			 ==,
			 TOK_COOLKEY_Z0_MAX_DATA - 22);
	again = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, &error);
	g_assert_no_error(error);
	g_clear_pointer(&again, g_bytes_unref);
	/* but not uncompressed: the card object would be too large */
	again = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_NONE, &error);
	g_assert_null(again);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_clear_pointer(&set, tok_coolkey_object_set_free);

	/* one byte more: refused while inflating */
	g_clear_pointer(&block, g_byte_array_unref);
	g_clear_pointer(&z0, g_byte_array_unref);
	block = big_data_block(TOK_COOLKEY_Z0_MAX_DATA + 1);
	z0 = wrap_zlib(block->data, block->len);
	expect_z0_error(z0->data, z0->len, TOK_ERROR_TOO_LARGE, "one byte over");

	/* a decompression bomb: a megabyte of zeros in about a kilobyte */
	bomb = wrap_zlib(zeros, 1 << 20);
	g_assert_cmpuint(bomb->len, <, 1200);
	expect_z0_error(bomb->data, bomb->len, TOK_ERROR_TOO_LARGE, "bomb");

	/* input larger than a header can describe */
	expect_z0_error(huge, 20 + 65536, TOK_ERROR_TOO_LARGE, "huge");

	/* encoder limits */
	set = tok_coolkey_object_set_new();
	g_assert_false(tok_coolkey_object_set_set_token_name(set, long_name, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	long_name[255] = '\0';
	g_assert_true(tok_coolkey_object_set_set_token_name(set, long_name, &error));
	g_assert_false(tok_coolkey_object_set_set_token_name(set, "bad \xc3\x28", &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_cmpstr(tok_coolkey_object_set_get_token_name(set), ==, long_name);
	g_assert_false(tok_coolkey_object_set_set_cuid(set, layout_cuid, 9, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* a record too large uncompressed for a card object, fine compressed */
	tok_coolkey_record_add_data(fat, TOK_CKA_VALUE, zeros, TOK_COOLKEY_OBJECT_MAX_SIZE);
	g_assert_true(tok_coolkey_object_set_add_record(set, fat, &error));
	g_assert_false(tok_coolkey_object_set_add_record(set, fat, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_EXISTS);
	g_clear_error(&error);
	again = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_NONE, &error);
	g_assert_null(again);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	again = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, &error);
	g_assert_no_error(error);
	g_clear_pointer(&again, g_bytes_unref);
	/* a value too long for its length field */
	tok_coolkey_record_add_data(too_fat, TOK_CKA_VALUE, zeros, 65536);
	g_assert_true(tok_coolkey_object_set_add_record(set, too_fat, &error));
	again = tok_coolkey_object_set_encode(set, TOK_COOLKEY_COMPRESSION_ZLIB, &error);
	g_assert_null(again);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_assert_nonnull(strstr(error->message, "record 1 (d2)"));
	g_clear_error(&error);
	again = tok_coolkey_record_encode_new(too_fat, &error);
	g_assert_null(again);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	again = tok_coolkey_record_encode_old(too_fat, &error);
	g_assert_null(again);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
}

static void
test_record_accessors(void)
{
	g_autoptr(TokCoolkeyRecord) r = tok_coolkey_record_new(0x01020304, 0x91);
	g_autoptr(TokCoolkeyRecord) copy = NULL;
	g_autofree gchar *name = tok_coolkey_record_get_object_name(r);

	g_assert_cmpstr(name, ==, "01020304");
	g_assert_cmpint(tok_coolkey_record_get_object_type(r), ==, 0x01);
	g_assert_cmpuint(tok_coolkey_record_get_class(r), ==, TOK_CKO_CERTIFICATE);
	g_assert_cmpint(tok_coolkey_record_find_attribute(r, TOK_CKA_LABEL), ==, -1);
	g_assert_null(tok_coolkey_record_lookup_bytes(r, TOK_CKA_LABEL));
	tok_coolkey_record_add_integer(r, TOK_CKA_LABEL, 5); /* not a string */
	tok_coolkey_record_add_string(r, TOK_CKA_LABEL, "second");
	g_assert_cmpint(tok_coolkey_record_find_attribute(r, TOK_CKA_LABEL), ==, 0);
	assert_bytes(tok_coolkey_record_lookup_bytes(r, TOK_CKA_LABEL), (const guint8 *)"second", 6);
	tok_coolkey_record_add_bool(r, TOK_CKA_TOKEN, TRUE);
	g_assert_cmpuint(tok_coolkey_record_get_attribute_integer(r, 2), ==, 1);
	g_assert_cmpuint(tok_coolkey_record_get_attribute_integer(r, 1), ==, 0);

	copy = tok_coolkey_record_copy(r);
	g_assert_true(tok_coolkey_record_equal(r, copy));
	tok_coolkey_record_set_fixed_attributes(copy, 0x92);
	g_assert_false(tok_coolkey_record_equal(r, copy));
	tok_coolkey_record_set_fixed_attributes(copy, 0x91);
	tok_coolkey_record_add_bool(copy, TOK_CKA_PRIVATE, FALSE);
	g_assert_false(tok_coolkey_record_equal(r, copy));
	g_assert_false(tok_coolkey_record_equal(r, NULL));
	g_assert_true(tok_coolkey_record_equal(NULL, NULL));

	/* the boxed types copy deeply */
	{
		g_autoptr(TokCoolkeyObjectSet) set = build_layout_set();
		TokCoolkeyObjectSet *boxed = g_boxed_copy(TOK_TYPE_COOLKEY_OBJECT_SET, set);
		g_assert_true(tok_coolkey_object_set_equal(set, boxed));
		tok_coolkey_object_set_set_object_version(boxed, 6);
		g_assert_false(tok_coolkey_object_set_equal(set, boxed));
		g_boxed_free(TOK_TYPE_COOLKEY_OBJECT_SET, boxed);
		g_assert_cmpuint(tok_coolkey_object_set_get_object_version(set), ==, 5);
		g_assert_true(g_type_is_a(TOK_TYPE_COOLKEY_RECORD, G_TYPE_BOXED));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/coolkey-object/z0/layout", test_z0_layout);
	g_test_add_func("/tok/coolkey-object/z0/round-trip", test_z0_round_trip);
	g_test_add_func("/tok/coolkey-object/z0/empty", test_z0_empty);
	g_test_add_func("/tok/coolkey-object/z0/malformed", test_z0_malformed);
	g_test_add_func("/tok/coolkey-object/z0/limits", test_z0_limits);
	g_test_add_func("/tok/coolkey-object/certificate/two", test_certificates);
	g_test_add_func("/tok/coolkey-object/certificate/errors", test_certificate_errors);
	g_test_add_func("/tok/coolkey-object/old/round-trip", test_old_round_trip);
	g_test_add_func("/tok/coolkey-object/new/round-trip", test_new_round_trip);
	g_test_add_func("/tok/coolkey-object/object/malformed", test_object_malformed);
	g_test_add_func("/tok/coolkey-object/fixed/expand", test_fixed_expand);
	g_test_add_func("/tok/coolkey-object/fixed/build", test_fixed_build);
	g_test_add_func("/tok/coolkey-object/record/accessors", test_record_accessors);
	return g_test_run();
}
