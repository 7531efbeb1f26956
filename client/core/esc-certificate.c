/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-certificate.h"

#include <glib/gi18n-lib.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "esc-error.h"
#include "tok-bytes.h"
#include "tok-openssl-autoptr.h"

struct _EscCertificate {
	GObject parent_instance;
	X509 *x509;
	GBytes *der;
	gchar *subject;
	gchar *issuer;
	gchar *serial;
	GDateTime *not_before;
	GDateTime *not_after;
	gchar *key_usage;
	gchar *key_description;
	gchar *sha256;
	gchar *sha1;
	gchar *common_name;
	gchar *label;
};

G_DEFINE_TYPE(EscCertificate, esc_certificate, G_TYPE_OBJECT)

static void
esc_certificate_finalize(GObject *object)
{
	EscCertificate *self = ESC_CERTIFICATE(object);

	g_clear_pointer(&self->x509, X509_free);
	g_clear_pointer(&self->der, g_bytes_unref);
	g_free(self->subject);
	g_free(self->issuer);
	g_free(self->serial);
	g_clear_pointer(&self->not_before, g_date_time_unref);
	g_clear_pointer(&self->not_after, g_date_time_unref);
	g_free(self->key_usage);
	g_free(self->key_description);
	g_free(self->sha256);
	g_free(self->sha1);
	g_free(self->common_name);
	g_free(self->label);
	G_OBJECT_CLASS(esc_certificate_parent_class)->finalize(object);
}

static void
esc_certificate_class_init(EscCertificateClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = esc_certificate_finalize;
}

static void
esc_certificate_init(EscCertificate *self)
{
}

/* "AA:BB:CC" */
static gchar *
esc_certificate_colon_hex(const guint8 *data, gsize len)
{
	GString *out = g_string_sized_new(len * 3);

	for (gsize i = 0; i < len; i++)
		g_string_append_printf(out, i == 0 ? "%02X" : ":%02X", data[i]);
	return g_string_free(out, FALSE);
}

static gchar *
esc_certificate_name_to_string(const X509_NAME *name, GError **error)
{
	g_autoptr(BIO) bio = BIO_new(BIO_s_mem());
	BUF_MEM *mem = NULL;

	if (bio == NULL || X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the certificate has a name that cannot be printed"));
		return NULL;
	}
	BIO_get_mem_ptr(bio, &mem);
	if (mem == NULL || !g_utf8_validate(mem->data, (gssize)mem->length, NULL)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the certificate has a name that is not UTF-8"));
		return NULL;
	}
	return g_strndup(mem->data, mem->length);
}

static GDateTime *
esc_certificate_time(const ASN1_TIME *time, const gchar *what, GError **error)
{
	struct tm tm = {0};

	if (time == NULL || ASN1_TIME_to_tm(time, &tm) != 1) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the certificate's %s date is not valid"), what);
		return NULL;
	}
	return g_date_time_new_utc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static gchar *
esc_certificate_key_usage_text(X509 *x509)
{
	static const struct {
		guint32 bit;
		const gchar *name;
	} usages[] = {
	    {KU_DIGITAL_SIGNATURE, "Digital Signature"},
	    {KU_NON_REPUDIATION, "Non Repudiation"},
	    {KU_KEY_ENCIPHERMENT, "Key Encipherment"},
	    {KU_DATA_ENCIPHERMENT, "Data Encipherment"},
	    {KU_KEY_AGREEMENT, "Key Agreement"},
	    {KU_KEY_CERT_SIGN, "Certificate Sign"},
	    {KU_CRL_SIGN, "CRL Sign"},
	    {KU_ENCIPHER_ONLY, "Encipher Only"},
	    {KU_DECIPHER_ONLY, "Decipher Only"},
	};
	GString *out = g_string_new(NULL);
	guint32 ku;

	if ((X509_get_extension_flags(x509) & EXFLAG_KUSAGE) == 0)
		return g_string_free(out, FALSE);
	ku = X509_get_key_usage(x509);
	for (guint i = 0; i < G_N_ELEMENTS(usages); i++) {
		if ((ku & usages[i].bit) == 0)
			continue;
		if (out->len > 0)
			g_string_append(out, ", ");
		g_string_append(out, usages[i].name);
	}
	return g_string_free(out, FALSE);
}

static gchar *
esc_certificate_key_text(X509 *x509)
{
	EVP_PKEY *key = X509_get0_pubkey(x509);
	gchar group[80] = {0};
	size_t group_len = 0;

	if (key == NULL)
		return g_strdup("unknown key");
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA:
		return g_strdup_printf("RSA %d bits", EVP_PKEY_get_bits(key));
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &group_len) == 1) {
			int nid = OBJ_sn2nid(group);
			const char *nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;
			return g_strdup_printf("EC %s", nist != NULL ? nist : group);
		}
		return g_strdup_printf("EC %d bits", EVP_PKEY_get_bits(key));
	case EVP_PKEY_ED25519:
		return g_strdup("Ed25519");
	case EVP_PKEY_ED448:
		return g_strdup("Ed448");
	case EVP_PKEY_DSA:
		return g_strdup_printf("DSA %d bits", EVP_PKEY_get_bits(key));
	default:
		return g_strdup_printf("%s %d bits", OBJ_nid2sn(EVP_PKEY_get_base_id(key)), EVP_PKEY_get_bits(key));
	}
}

static gchar *
esc_certificate_common_name(X509 *x509)
{
	const X509_NAME *name = X509_get_subject_name(x509);
	int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	X509_NAME_ENTRY *entry;
	unsigned char *utf8 = NULL;
	gchar *out = NULL;
	int len;

	if (idx < 0)
		return NULL;
	entry = X509_NAME_get_entry(name, idx);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
	if (len >= 0 && g_utf8_validate((const gchar *)utf8, len, NULL))
		out = g_strndup((const gchar *)utf8, (gsize)len);
	OPENSSL_free(utf8);
	return out;
}

static gchar *
esc_certificate_fingerprint(X509 *x509, const EVP_MD *md)
{
	guint8 digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (X509_digest(x509, md, digest, &len) != 1)
		return g_strdup("");
	return esc_certificate_colon_hex(digest, len);
}

EscCertificate *
esc_certificate_new_from_der(GBytes *der, GError **error)
{
	g_autoptr(EscCertificate) self = NULL;
	g_autoptr(X509) x509 = NULL;
	const guint8 *data;
	const guint8 *p;
	gsize len = 0;
	const ASN1_INTEGER *serial;

	g_return_val_if_fail(der != NULL, NULL);
	data = g_bytes_get_data(der, &len);
	if (len == 0 || len > ESC_CERTIFICATE_MAX_DER_SIZE) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("a certificate of %lu bytes is not accepted (1 to %u)"),
			    (gulong)len, ESC_CERTIFICATE_MAX_DER_SIZE);
		return NULL;
	}
	p = data;
	x509 = d2i_X509(NULL, &p, (long)len);
	if (x509 == NULL) {
		ERR_clear_error();
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the certificate is not DER X.509"));
		return NULL;
	}
	if ((gsize)(p - data) != len) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the certificate has trailing data (%lu bytes)"),
			    (gulong)(len - (gsize)(p - data)));
		return NULL;
	}
	self = g_object_new(ESC_TYPE_CERTIFICATE, NULL);
	self->der = g_bytes_ref(der);
	self->subject = esc_certificate_name_to_string(X509_get_subject_name(x509), error);
	if (self->subject == NULL)
		return NULL;
	self->issuer = esc_certificate_name_to_string(X509_get_issuer_name(x509), error);
	if (self->issuer == NULL)
		return NULL;
	serial = X509_get0_serialNumber(x509);
	self->serial = serial != NULL ? esc_certificate_colon_hex(ASN1_STRING_get0_data(serial), (gsize)ASN1_STRING_length(serial))
				      : g_strdup("");
	self->not_before = esc_certificate_time(X509_get0_notBefore(x509), "not-before", error);
	if (self->not_before == NULL)
		return NULL;
	self->not_after = esc_certificate_time(X509_get0_notAfter(x509), "not-after", error);
	if (self->not_after == NULL)
		return NULL;
	self->key_usage = esc_certificate_key_usage_text(x509);
	self->key_description = esc_certificate_key_text(x509);
	self->sha256 = esc_certificate_fingerprint(x509, EVP_sha256());
	self->sha1 = esc_certificate_fingerprint(x509, EVP_sha1());
	self->common_name = esc_certificate_common_name(x509);
	ERR_clear_error();
	self->x509 = g_steal_pointer(&x509);
	return g_steal_pointer(&self);
}

GBytes *
esc_certificate_get_der(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->der;
}

gchar *
esc_certificate_get_pem(EscCertificate *self)
{
	g_autoptr(BIO) bio = NULL;
	BUF_MEM *mem = NULL;

	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509(bio, self->x509) != 1) {
		ERR_clear_error();
		return g_strdup("");
	}
	BIO_get_mem_ptr(bio, &mem);
	return mem != NULL ? g_strndup(mem->data, mem->length) : g_strdup("");
}

const gchar *
esc_certificate_get_subject(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->subject;
}

const gchar *
esc_certificate_get_issuer(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->issuer;
}

const gchar *
esc_certificate_get_serial(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->serial;
}

GDateTime *
esc_certificate_get_not_before(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->not_before;
}

GDateTime *
esc_certificate_get_not_after(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->not_after;
}

const gchar *
esc_certificate_get_key_usage(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->key_usage;
}

const gchar *
esc_certificate_get_key_description(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->key_description;
}

const gchar *
esc_certificate_get_sha256_fingerprint(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->sha256;
}

const gchar *
esc_certificate_get_sha1_fingerprint(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	return self->sha1;
}

const gchar *
esc_certificate_get_label(EscCertificate *self)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), NULL);
	if (self->label != NULL)
		return self->label;
	if (self->common_name != NULL)
		return self->common_name;
	return self->subject;
}

void
esc_certificate_set_label(EscCertificate *self, const gchar *label)
{
	g_return_if_fail(ESC_IS_CERTIFICATE(self));
	g_clear_pointer(&self->label, g_free);
	if (label != NULL && label[0] != '\0' && g_utf8_validate(label, -1, NULL))
		self->label = g_strdup(label);
}

gboolean
esc_certificate_is_valid_at(EscCertificate *self, GDateTime *when)
{
	g_return_val_if_fail(ESC_IS_CERTIFICATE(self), FALSE);
	g_return_val_if_fail(when != NULL, FALSE);
	return g_date_time_compare(self->not_before, when) <= 0 && g_date_time_compare(when, self->not_after) <= 0;
}

gboolean
esc_certificate_is_valid_now(EscCertificate *self)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	return esc_certificate_is_valid_at(self, now);
}
