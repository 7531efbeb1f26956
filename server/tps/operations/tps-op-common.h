/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Steps shared by FORMAT, ENROLL and PIN RESET (protocol.md 1.10, 5.3, 3.8, 6.1, 6.2): profile
 * resolution, the token record and its policy, the state and ownership checks, the applet
 * upgrade, the issuer info and the symmetric key check (with key changeover).
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

/* The mapping resolver of @kind picks the token type; its profile becomes the session's.
 * TPS_STATUS_ERROR 22 when nothing maps, 18 for a token type without profile. */
gboolean
tps_op_resolve_profile(TpsSession *s, TpsResolverKind kind, GError **error) TOK_NONNULL(1);
/* Reads the token record of the card (NULL when unknown) and its policy. DB failure: 15. */
gboolean
tps_op_load_token(TpsSession *s, GError **error) TOK_NONNULL(1);
/* Adds a record for an unknown card (UNFORMATTED, activity "add"). 29 on failure. */
gboolean
tps_op_create_token(TpsSession *s, GError **error) TOK_NONNULL(1);
/* Writes the session's token record back (modified = now). 41 on failure. */
gboolean
tps_op_save_token(TpsSession *s, GError **error) TOK_NONNULL(1);
/* A token owned by someone else than the logged-in user: TPS_ERROR_NOT_AUTHORIZED (43). */
gboolean
tps_op_check_owner(TpsSession *s, GError **error) TOK_NONNULL(1);
/* Refuses tokens no operation may touch: TERMINATED (35), lost or damaged (38). */
gboolean
tps_op_check_usable(TpsSession *s, GError **error) TOK_NONNULL(1);
/* The operation transition from the record's state to @to (tps.operations.allowedTransitions):
 * TPS_ERROR_TRANSITION (26) when refused. */
gboolean
tps_op_check_transition(TpsSession *s, TpsTokenStatus to, GError **error) TOK_NONNULL(1);
/* Deletes and reinstalls the CoolKey applet of the profile's required version from the applet
 * directory (protocol.md 5.3), under a secure channel on the card manager; ends with the new
 * applet selected and its version read. TPS_STATUS_ERROR 19 (17 for the channel). */
gboolean
tps_op_upgrade_applet(TpsSession *s, GError **error) TOK_NONNULL(1);
/* SET ISSUER INFO through the open channel when the profile enables it (@op: "format",
 * "enroll"). */
gboolean
tps_op_write_issuer_info(TpsSession *s, const gchar *op, GError **error) TOK_NONNULL(1, 2);
/* Selects the applet and opens the channel used for the rest of the operation; when the
 * profile asks for symmetric key update and the card's key version differs from the required
 * one, changes the keys over first (PUT KEY on the card manager, protocol.md 3.8; 20 on
 * failure). Records the key info in the session's token record (not saved). */
gboolean
tps_op_check_sym_keys(TpsSession *s, GError **error) TOK_NONNULL(1);

G_END_DECLS
