/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A throwaway certification authority for the PC/SC tests (OpenSSL 3 C API only): an EC P-256
 * CA key and self-signed certificate made per test, end-entity certificates for public keys
 * read from a card, and the signature checks the tests need. Nothing is written to disk.
 */
#pragma once

#include "tok-openssl-autoptr.h"

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

G_BEGIN_DECLS


typedef struct _PcscCa PcscCa;

PcscCa *
pcsc_ca_new(const gchar *common_name, GError **error) G_GNUC_WARN_UNUSED_RESULT;
void
pcsc_ca_free(PcscCa *ca);
/* Borrowed. */
X509 *
pcsc_ca_get_certificate(PcscCa *ca);
/* A DER certificate for @subject_key with subject CN=@common_name, issued by the CA for a
 * day, with digitalSignature key usage. */
GBytes *
pcsc_ca_issue(PcscCa *ca, EVP_PKEY *subject_key, const gchar *common_name, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* An RSA public key from big-endian @modulus and @exponent. */
EVP_PKEY *
pcsc_rsa_public_key(GBytes *modulus, GBytes *exponent, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* X509 from DER. */
X509 *
pcsc_x509_from_der(GBytes *der, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* RSA PKCS#1 v1.5 verification of @signature over @data hashed with @md ("SHA1",
 * "SHA256"): TOK_ERROR_AUTH_FAILED if it does not verify. */
gboolean
pcsc_verify_rsa(EVP_PKEY *key, const gchar *md, GBytes *data, GBytes *signature, GError **error);
/* DigestInfo(SHA-256(@data)): the input of a CKM_RSA_PKCS signature that verifies as
 * RSA-SHA256. */
GBytes *
pcsc_sha256_digest_info(GBytes *data) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PcscCa, pcsc_ca_free)

G_END_DECLS
