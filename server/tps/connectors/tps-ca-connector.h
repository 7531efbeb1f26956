/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsCaConnector: what the TPS asks of a certificate authority (enroll a token key, revoke and
 * unrevoke certificates, publish a CRL). Implementations are blocking and thread-safe: they
 * are called from the sessions' worker threads, never from a main loop.
 * Implementations: TpsCaLocal (tps-ca-local.h); a remote Dogtag CA can come later.
 */
#pragma once

#include <gio/gio.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* RFC 5280 CRLReason values (5.3.1). 7 is unused; 8 (removeFromCRL) is not a revocation
 * reason and is refused by tps_ca_connector_revoke(). */
typedef enum {
	TPS_CRL_REASON_UNSPECIFIED = 0,
	TPS_CRL_REASON_KEY_COMPROMISE = 1,
	TPS_CRL_REASON_CA_COMPROMISE = 2,
	TPS_CRL_REASON_AFFILIATION_CHANGED = 3,
	TPS_CRL_REASON_SUPERSEDED = 4,
	TPS_CRL_REASON_CESSATION_OF_OPERATION = 5,
	TPS_CRL_REASON_CERTIFICATE_HOLD = 6,
	TPS_CRL_REASON_REMOVE_FROM_CRL = 8,
	TPS_CRL_REASON_PRIVILEGE_WITHDRAWN = 9,
	TPS_CRL_REASON_AA_COMPROMISE = 10,
} TpsCrlReason;

/* TRUE for the reasons a certificate may be revoked with (0-6, 9, 10). */
gboolean
tps_crl_reason_is_valid(guint reason);
/* RFC 5280 name ("keyCompromise", "certificateHold", ...); "unknown" otherwise. */
const gchar *
tps_crl_reason_to_string(guint reason);

/* A certificate the CA issued. Boxed. */
typedef struct {
	gchar *serial;	 /* hex, lowercase, no leading zeros */
	GBytes *der;	 /* the certificate */
	gchar *subject;	 /* e.g. "UID=alice, O=Token Key User" */
	gint64 not_before, not_after; /* unix seconds */
	gchar *issuer;	 /* issuer DN in the same form as @subject (may be NULL) */
} TpsIssuedCert;

#define TPS_TYPE_ISSUED_CERT (tps_issued_cert_get_type())
GType
tps_issued_cert_get_type(void);
/* Fills every field from a DER certificate (serial, subject, issuer, validity); a malformed
 * certificate (or bytes after it) is TPS_ERROR_INVALID. For connectors and test fakes. */
TpsIssuedCert *
tps_issued_cert_new_from_der(GBytes *der, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TpsIssuedCert *
tps_issued_cert_copy(const TpsIssuedCert *cert) G_GNUC_WARN_UNUSED_RESULT;
void
tps_issued_cert_free(TpsIssuedCert *cert);

#define TPS_TYPE_CA_CONNECTOR (tps_ca_connector_get_type())
G_DECLARE_INTERFACE(TpsCaConnector, tps_ca_connector, TPS, CA_CONNECTOR, GObject)

struct _TpsCaConnectorInterface {
	GTypeInterface parent_iface;

	TpsIssuedCert *(*enroll)(TpsCaConnector *ca,
				 const gchar *ca_profile_id,
				 const gchar *cuid,
				 const gchar *user_id,
				 GBytes *spki_der,
				 const gchar *subject_cn,
				 GError **error);
	gboolean (*revoke)(TpsCaConnector *ca, const gchar *serial, guint reason, GError **error);
	gboolean (*unrevoke)(TpsCaConnector *ca, const gchar *serial, GError **error);
	GBytes *(*get_crl)(TpsCaConnector *ca, GError **error);
	GBytes *(*get_ca_certificate)(TpsCaConnector *ca, GError **error);
};

/* Issues a certificate for the public key @spki_der (a DER SubjectPublicKeyInfo) under the CA
 * profile @ca_profile_id (e.g. "caTokenUserSigningKeyEnrollment") for @user_id's token @cuid.
 * @subject_cn (may be NULL) adds a CN to the profile's subject. Unknown profile:
 * TPS_ERROR_NOT_FOUND; a malformed or unacceptable key or bad names: TPS_ERROR_INVALID; a CA
 * failure: TPS_ERROR_BACKEND. */
TpsIssuedCert *
tps_ca_connector_enroll(TpsCaConnector *ca,
			const gchar *ca_profile_id,
			const gchar *cuid,
			const gchar *user_id,
			GBytes *spki_der,
			const gchar *subject_cn,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Revokes @serial (lowercase or uppercase hex) with an RFC 5280 @reason (TpsCrlReason).
 * Unknown serial: TPS_ERROR_NOT_FOUND; reason 7, 8 or > 10: TPS_ERROR_INVALID. A certificate on
 * hold (reason 6) may be revoked again with another reason; revoking a certificate that is
 * already revoked otherwise succeeds and keeps its first reason and date. */
gboolean
tps_ca_connector_revoke(TpsCaConnector *ca, const gchar *serial, guint reason, GError **error);
/* Takes @serial off hold. Unknown serial: TPS_ERROR_NOT_FOUND; revoked for another reason than
 * certificateHold: TPS_ERROR_INVALID (permanent); a certificate that is not revoked: TRUE. */
gboolean
tps_ca_connector_unrevoke(TpsCaConnector *ca, const gchar *serial, GError **error);
/* A freshly signed CRL (DER) listing every revoked certificate. */
GBytes *
tps_ca_connector_get_crl(TpsCaConnector *ca, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The CA's certificate (DER). */
GBytes *
tps_ca_connector_get_ca_certificate(TpsCaConnector *ca, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsIssuedCert, tps_issued_cert_free)

G_END_DECLS
