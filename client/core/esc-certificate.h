/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscCertificate: an X.509 certificate read from a token (immutable once made; the probe may
 * set its label before anyone else sees it). Every text form is computed once, at
 * construction, from OpenSSL's parse of the DER.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* DER certificates larger than this are refused (z0 objects are below 32 KiB anyway). */
#define ESC_CERTIFICATE_MAX_DER_SIZE 0x8000

#define ESC_TYPE_CERTIFICATE (esc_certificate_get_type())
G_DECLARE_FINAL_TYPE(EscCertificate, esc_certificate, ESC, CERTIFICATE, GObject)

/* Strict: exactly one DER certificate, no trailing bytes, at most ESC_CERTIFICATE_MAX_DER_SIZE;
 * ESC_ERROR_CARD otherwise (it came from a card). */
EscCertificate *
esc_certificate_new_from_der(GBytes *der, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Borrowed. */
GBytes *
esc_certificate_get_der(EscCertificate *self);
gchar *
esc_certificate_get_pem(EscCertificate *self) G_GNUC_WARN_UNUSED_RESULT;
/* RFC 2253 one line */
const gchar *
esc_certificate_get_subject(EscCertificate *self);
const gchar *
esc_certificate_get_issuer(EscCertificate *self);
/* hex, colon separated ("01:A2") */
const gchar *
esc_certificate_get_serial(EscCertificate *self);
/* borrowed, UTC */
GDateTime *
esc_certificate_get_not_before(EscCertificate *self);
GDateTime *
esc_certificate_get_not_after(EscCertificate *self);
/* "Digital Signature, Non Repudiation" or "" (no keyUsage extension) */
const gchar *
esc_certificate_get_key_usage(EscCertificate *self);
/* "RSA 2048 bits", "EC P-256", "EC secp256k1", "Ed25519", ... */
const gchar *
esc_certificate_get_key_description(EscCertificate *self);
/* AA:BB:... uppercase */
const gchar *
esc_certificate_get_sha256_fingerprint(EscCertificate *self);
const gchar *
esc_certificate_get_sha1_fingerprint(EscCertificate *self);
/* z0 CKA_LABEL if known, else the subject CN, else the subject. */
const gchar *
esc_certificate_get_label(EscCertificate *self);
/* For the probe: the CKA_LABEL from z0 (NULL or "": back to the CN). */
void
esc_certificate_set_label(EscCertificate *self, const gchar *label);
gboolean
esc_certificate_is_valid_now(EscCertificate *self);
/* Validity at @when (UTC or local, any GDateTime). */
gboolean
esc_certificate_is_valid_at(EscCertificate *self, GDateTime *when);

G_END_DECLS
