/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsCaLocal: a small certificate authority on OpenSSL 3 for the embedded defaults, kept in one
 * directory (created 0700 on first start):
 *   ca-key.pem   the CA private key, PKCS#8 PEM, mode 0600 (refused if group/other can read it)
 *   ca-cert.pem  the self-signed CA certificate
 *   index.txt    issued and revoked certificates and the CRL number (tps-ca-index.h)
 *   crl.der      the current CRL (DER) and crl.pem (PEM), mode 0644, for a web server or
 *   crl.pem      the admin tools to serve: written when the CA is created (or opened without
 *                them), after every revocation or unrevocation that changed the index, and
 *                on each tps_ca_connector_get_crl(); a revoke/unrevoke whose CRL cannot be
 *                published is undone and fails (TPS_ERROR_BACKEND)
 * Every file is written atomically (temporary file + rename), except that an issuance appends
 * its one line to index.txt and syncs it (fdatasync) before the certificate is returned; a
 * partial last line left by a crash in that append is dropped when the CA is opened (with a
 * warning; its certificate was never handed out). A directory with only some of
 * them is refused (TPS_ERROR_BACKEND naming the missing file) rather than silently re-created.
 *
 * Profiles (Dogtag's names, protocol.md 7.1): subject "UID=<user>, O=Token Key User" (plus
 * "CN=<subject_cn>" first when given), validity 1825 days (never past the CA's), SHA-256,
 * basicConstraints CA:FALSE, subject and authority key identifiers, and a critical keyUsage:
 *   caTokenUserSigningKeyEnrollment     digitalSignature, nonRepudiation
 *   caTokenUserEncryptionKeyEnrollment  keyEncipherment, dataEncipherment (RSA keys);
 *                                       keyAgreement for EC keys (RFC 5480 forbids the others)
 * Accepted public keys: RSA 1024-8192 bits, EC on P-256, P-384 or P-521, which pass OpenSSL's
 * public key check. Serial numbers: 127 random bits, unique in the index.
 * Thread-safe (one mutex).
 */
#pragma once

#include "tps-ca-connector.h"

G_BEGIN_DECLS

#define TPS_CA_PROFILE_USER_SIGNING "caTokenUserSigningKeyEnrollment"
#define TPS_CA_PROFILE_USER_ENCRYPTION "caTokenUserEncryptionKeyEnrollment"

typedef enum {
	TPS_CA_KEY_RSA_3072,
	TPS_CA_KEY_EC_P256,
} TpsCaKeyType;

#define TPS_TYPE_CA_LOCAL (tps_ca_local_get_type())
G_DECLARE_FINAL_TYPE(TpsCaLocal, tps_ca_local, TPS, CA_LOCAL, GObject)

/* Opens the CA in @dir, or creates it there (RSA-3072 key) when @dir holds none of its files.
 * @subject ("CN=ESC TPS Local CA, O=Example": comma-separated attr=value, no escapes) and
 * @validity_days (1-36500) are used only when creating; an existing CA keeps its own. */
TpsCaConnector *
tps_ca_local_new(const gchar *dir, const gchar *subject, guint validity_days, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Same, choosing the key type of a new CA. */
TpsCaConnector *
tps_ca_local_new_full(const gchar *dir,
		      const gchar *subject,
		      guint validity_days,
		      TpsCaKeyType key_type,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* nextUpdate of the CRLs = thisUpdate + @hours (default 24, 1-8760). */
void
tps_ca_local_set_crl_validity(TpsCaLocal *ca, guint hours);
const gchar *
tps_ca_local_get_dir(TpsCaLocal *ca);

G_END_DECLS
