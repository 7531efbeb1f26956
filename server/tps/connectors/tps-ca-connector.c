/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/asn1.h>

#include "tok-error.h"
#include "tps-ca-connector.h"
#include "tps-connectors-private.h"
#include "tps-error.h"

/* the largest certificate we accept from anywhere */
#define TPS_CA_MAX_CERT_SIZE (64 * 1024)

G_DEFINE_INTERFACE(TpsCaConnector, tps_ca_connector, G_TYPE_OBJECT)

static void
tps_ca_connector_default_init(TpsCaConnectorInterface *iface)
{
}

G_DEFINE_BOXED_TYPE(TpsIssuedCert, tps_issued_cert, tps_issued_cert_copy, tps_issued_cert_free)

gboolean
tps_crl_reason_is_valid(guint reason)
{
	return reason <= TPS_CRL_REASON_CERTIFICATE_HOLD || reason == TPS_CRL_REASON_PRIVILEGE_WITHDRAWN ||
	       reason == TPS_CRL_REASON_AA_COMPROMISE;
}

const gchar *
tps_crl_reason_to_string(guint reason)
{
	switch (reason) {
	case TPS_CRL_REASON_UNSPECIFIED:
		return "unspecified";
	case TPS_CRL_REASON_KEY_COMPROMISE:
		return "keyCompromise";
	case TPS_CRL_REASON_CA_COMPROMISE:
		return "cACompromise";
	case TPS_CRL_REASON_AFFILIATION_CHANGED:
		return "affiliationChanged";
	case TPS_CRL_REASON_SUPERSEDED:
		return "superseded";
	case TPS_CRL_REASON_CESSATION_OF_OPERATION:
		return "cessationOfOperation";
	case TPS_CRL_REASON_CERTIFICATE_HOLD:
		return "certificateHold";
	case TPS_CRL_REASON_REMOVE_FROM_CRL:
		return "removeFromCRL";
	case TPS_CRL_REASON_PRIVILEGE_WITHDRAWN:
		return "privilegeWithdrawn";
	case TPS_CRL_REASON_AA_COMPROMISE:
		return "aACompromise";
	default:
		return "unknown";
	}
}

void
tps_ca_set_openssl_error(GError **error, gint code, const gchar *what)
{
	g_autoptr(GError) tmp = NULL;

	tok_error_set_openssl(&tmp, what);
	g_set_error_literal(error, TPS_ERROR, code, tmp->message);
}

gchar *
tps_ca_serial_to_string(const guint8 *data, gsize len)
{
	static const gchar digits[] = "0123456789abcdef";
	GString *s = g_string_new(NULL);

	for (gsize i = 0; i < len; i++) {
		guint8 hi = data[i] >> 4;
		guint8 lo = data[i] & 0x0f;
		if (s->len > 0 || hi != 0)
			g_string_append_c(s, digits[hi]);
		if (s->len > 0 || lo != 0)
			g_string_append_c(s, digits[lo]);
	}
	if (s->len == 0)
		g_string_append_c(s, '0');
	return g_string_free(s, FALSE);
}

gchar *
tps_ca_serial_from_asn1(const ASN1_INTEGER *serial, GError **error)
{
	g_autoptr(BIGNUM) bn = ASN1_INTEGER_to_BN(serial, NULL);
	g_autofree guint8 *buf = NULL;
	int n;

	if (bn == NULL) {
		tps_ca_set_openssl_error(error, TPS_ERROR_INVALID, "certificate serial number");
		return NULL;
	}
	if (BN_is_negative(bn)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "negative certificate serial number");
		return NULL;
	}
	n = BN_num_bytes(bn);
	buf = g_malloc0(MAX(n, 1));
	if (BN_bn2bin(bn, buf) != n) {
		tps_ca_set_openssl_error(error, TPS_ERROR_INVALID, "certificate serial number");
		return NULL;
	}
	return tps_ca_serial_to_string(buf, (gsize)n);
}

gchar *
tps_ca_name_to_string(const X509_NAME *name, GError **error)
{
	const unsigned long flags = (XN_FLAG_RFC2253 & ~(XN_FLAG_SEP_MASK | ASN1_STRFLGS_ESC_MSB)) |
				    XN_FLAG_SEP_CPLUS_SPC;
	g_autoptr(BIO) bio = BIO_new(BIO_s_mem());
	char *data = NULL;
	long len;

	if (bio == NULL || X509_NAME_print_ex(bio, name, 0, flags) < 0) {
		tps_ca_set_openssl_error(error, TPS_ERROR_BACKEND, "printing a distinguished name");
		return NULL;
	}
	len = BIO_get_mem_data(bio, &data);
	if (len < 0 || (len > 0 && data == NULL)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "printing a distinguished name failed");
		return NULL;
	}
	return g_strndup(data, (gsize)len);
}

gboolean
tps_ca_time_to_unix(const ASN1_TIME *t, gint64 *out, GError **error)
{
	struct tm tm = {0};
	g_autoptr(GDateTime) dt = NULL;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "invalid certificate time");
		return FALSE;
	}
	dt = g_date_time_new_utc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
				 tm.tm_sec);
	if (dt == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "certificate time out of range");
		return FALSE;
	}
	*out = g_date_time_to_unix(dt);
	return TRUE;
}

TpsIssuedCert *
tps_issued_cert_new_from_der(GBytes *der, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(der, &len);
	const unsigned char *p = data;
	g_autoptr(X509) x509 = NULL;

	if (len == 0 || len > TPS_CA_MAX_CERT_SIZE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "certificate of %" G_GSIZE_FORMAT " bytes (1 to %d allowed)", len,
			    TPS_CA_MAX_CERT_SIZE);
		return NULL;
	}
	x509 = d2i_X509(NULL, &p, (long)len);
	if (x509 == NULL) {
		tps_ca_set_openssl_error(error, TPS_ERROR_INVALID, "malformed certificate");
		return NULL;
	}
	if ((gsize)(p - data) != len) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "%" G_GSIZE_FORMAT " bytes after the certificate", len - (gsize)(p - data));
		return NULL;
	}
	return tps_issued_cert_new_from_x509(x509, der, error);
}

TpsIssuedCert *
tps_issued_cert_new_from_x509(X509 *x509, GBytes *der, GError **error)
{
	g_autoptr(TpsIssuedCert) cert = g_new0(TpsIssuedCert, 1);

	cert->serial = tps_ca_serial_from_asn1(X509_get0_serialNumber(x509), error);
	if (cert->serial == NULL)
		return NULL;
	cert->subject = tps_ca_name_to_string(X509_get_subject_name(x509), error);
	if (cert->subject == NULL)
		return NULL;
	cert->issuer = tps_ca_name_to_string(X509_get_issuer_name(x509), error);
	if (cert->issuer == NULL)
		return NULL;
	if (!tps_ca_time_to_unix(X509_get0_notBefore(x509), &cert->not_before, error) ||
	    !tps_ca_time_to_unix(X509_get0_notAfter(x509), &cert->not_after, error))
		return NULL;
	cert->der = g_bytes_ref(der);
	return g_steal_pointer(&cert);
}

TpsIssuedCert *
tps_issued_cert_copy(const TpsIssuedCert *cert)
{
	TpsIssuedCert *copy;

	if (cert == NULL)
		return NULL;
	copy = g_new0(TpsIssuedCert, 1);
	copy->serial = g_strdup(cert->serial);
	copy->der = cert->der != NULL ? g_bytes_ref(cert->der) : NULL;
	copy->subject = g_strdup(cert->subject);
	copy->not_before = cert->not_before;
	copy->not_after = cert->not_after;
	copy->issuer = g_strdup(cert->issuer);
	return copy;
}

void
tps_issued_cert_free(TpsIssuedCert *cert)
{
	if (cert == NULL)
		return;
	g_free(cert->serial);
	g_clear_pointer(&cert->der, g_bytes_unref);
	g_free(cert->subject);
	g_free(cert->issuer);
	g_free(cert);
}

TpsIssuedCert *
tps_ca_connector_enroll(TpsCaConnector *ca,
			const gchar *ca_profile_id,
			const gchar *cuid,
			const gchar *user_id,
			GBytes *spki_der,
			const gchar *subject_cn,
			GError **error)
{
	TpsCaConnectorInterface *iface;

	g_return_val_if_fail(TPS_IS_CA_CONNECTOR(ca), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	iface = TPS_CA_CONNECTOR_GET_IFACE(ca);
	if (iface->enroll == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "this CA connector cannot enroll");
		return NULL;
	}
	return iface->enroll(ca, ca_profile_id, cuid, user_id, spki_der, subject_cn, error);
}

gboolean
tps_ca_connector_revoke(TpsCaConnector *ca, const gchar *serial, guint reason, GError **error)
{
	TpsCaConnectorInterface *iface;

	g_return_val_if_fail(TPS_IS_CA_CONNECTOR(ca), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	iface = TPS_CA_CONNECTOR_GET_IFACE(ca);
	if (iface->revoke == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "this CA connector cannot revoke");
		return FALSE;
	}
	return iface->revoke(ca, serial, reason, error);
}

gboolean
tps_ca_connector_unrevoke(TpsCaConnector *ca, const gchar *serial, GError **error)
{
	TpsCaConnectorInterface *iface;

	g_return_val_if_fail(TPS_IS_CA_CONNECTOR(ca), FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	iface = TPS_CA_CONNECTOR_GET_IFACE(ca);
	if (iface->unrevoke == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "this CA connector cannot unrevoke");
		return FALSE;
	}
	return iface->unrevoke(ca, serial, error);
}

GBytes *
tps_ca_connector_get_crl(TpsCaConnector *ca, GError **error)
{
	TpsCaConnectorInterface *iface;

	g_return_val_if_fail(TPS_IS_CA_CONNECTOR(ca), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	iface = TPS_CA_CONNECTOR_GET_IFACE(ca);
	if (iface->get_crl == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "this CA connector has no CRL");
		return NULL;
	}
	return iface->get_crl(ca, error);
}

GBytes *
tps_ca_connector_get_ca_certificate(TpsCaConnector *ca, GError **error)
{
	TpsCaConnectorInterface *iface;

	g_return_val_if_fail(TPS_IS_CA_CONNECTOR(ca), NULL);
	g_return_val_if_fail(error == NULL || *error == NULL, NULL);
	iface = TPS_CA_CONNECTOR_GET_IFACE(ca);
	if (iface->get_ca_certificate == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
				    "this CA connector has no CA certificate");
		return NULL;
	}
	return iface->get_ca_certificate(ca, error);
}
