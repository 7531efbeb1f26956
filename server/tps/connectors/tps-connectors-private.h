/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Private to server/tps/connectors: g_autoptr cleanups for the OpenSSL types used here, and
 * helpers shared by the CA connector files. Not included by any public header.
 */
#pragma once

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_KDF, EVP_KDF_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EVP_KDF_CTX, EVP_KDF_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_NAME, X509_NAME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_EXTENSION, X509_EXTENSION_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_CRL, X509_CRL_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(X509_REVOKED, X509_REVOKED_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ASN1_INTEGER, ASN1_INTEGER_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ASN1_ENUMERATED, ASN1_ENUMERATED_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ASN1_TIME, ASN1_TIME_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIO, BIO_free)

/* Sets a TPS_ERROR @code from the OpenSSL error queue (which it empties): "<what>: <detail>". */
void
tps_ca_set_openssl_error(GError **error, gint code, const gchar *what);

/* The DN form of TpsIssuedCert.subject/issuer: RFC 4514 order, ", " between RDNs
 * ("UID=alice, O=Token Key User"), UTF-8 kept. */
gchar *
tps_ca_name_to_string(const X509_NAME *name, GError **error);
/* Unix seconds of an ASN1_TIME. */
gboolean
tps_ca_time_to_unix(const ASN1_TIME *t, gint64 *out, GError **error);
/* Lowercase hex without leading zeros ("0" for zero) of a big-endian unsigned integer. */
gchar *
tps_ca_serial_to_string(const guint8 *data, gsize len);
/* The serial of a certificate in that form. */
gchar *
tps_ca_serial_from_asn1(const ASN1_INTEGER *serial, GError **error);

G_END_DECLS
