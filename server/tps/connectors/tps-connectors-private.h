/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Private to server/tps/connectors: g_autoptr cleanups for the OpenSSL types used here, and
 * helpers shared by the CA connector files. Not included by any public header.
 */
#pragma once

#include "tok-openssl-autoptr.h"

#include <glib.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tps-ca-connector.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

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

/* TpsIssuedCert of a certificate already parsed (@der: its encoding, kept): what
 * tps_issued_cert_new_from_der() does after parsing, for a CA that has the X509 at hand. */
TpsIssuedCert *
tps_issued_cert_new_from_x509(X509 *x509, GBytes *der, GError **error);

G_END_DECLS
