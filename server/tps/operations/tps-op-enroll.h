/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ENROLL (operation 1, protocol.md 1.10.3): the user logs in; the token must be theirs (or
 * nobody's), they may hold no other ACTIVE token (unless configured), the policy and the X:4
 * transition must allow it; unknown tokens, UNFORMATTED records and FORCE_FORMAT=YES are
 * formatted first (7:0 / X:0, then 0:4). Then: the applet upgrade when the version differs,
 * the key check, NEW_PIN (CREATE PIN + SET PIN), one TKS challenge, and per profile key an
 * on-card key generation (GENERATE KEY RSA 0C, or ECC 0D for ec-p256 keys) whose proof of
 * possession is VERIFIED (RSA PKCS#1 v1.5 or ECDSA, SHA-1 over pubBlob || challenge,
 * protocol.md 4.5) before the CA sees the key; EC keys get CKA_EC_PARAMS / CKA_EC_POINT in z0; the z0 object with every certificate, the issuer info, the life cycle, and the
 * token record (ACTIVE, owner, certificates).
 *
 * On failure no certificate issued in this session survives: they are revoked at the CA and
 * never recorded, and the token record keeps the state it had (FORMATTED after an implicit
 * format), so the enrollment can simply be tried again.
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

gboolean
tps_op_enroll_run(TpsSession *s, GError **error) TOK_NONNULL(1);

/* Verifies the proof of possession of a key generation result of algorithm @alg (RSA:
 * PKCS#1 v1.5 SHA-1; EC P-256: ECDSA SHA-1 with a DER signature; over pubBlob || challenge):
 * TOK_ERROR_AUTH_FAILED when the signature does not verify, TOK_ERROR_INVALID_DATA for a key
 * that is not of @alg or not usable (an EC point must be an uncompressed P-256 point on the
 * curve). */
gboolean
tps_op_enroll_verify_proof_full(const TokCoolkeyKeygenResult *result,
				TpsKeyAlgorithm alg,
				GBytes *challenge,
				GError **error) TOK_NONNULL(1, 3);
/* The same for an RSA key. */
gboolean
tps_op_enroll_verify_proof(const TokCoolkeyKeygenResult *result, GBytes *challenge, GError **error)
    TOK_NONNULL(1, 2);

G_END_DECLS
