/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Token administration (agents, admins, the future admin CLI): the manual status change of a
 * token together with what it means for the token's certificates at the CA.
 */
#pragma once

#include "tps-context.h"

G_BEGIN_DECLS

/*
 * Changes the status of token @cuid to @to as tps_token_db_change_status() does (the
 * configured manual transitions of @ctx->config plus the automatic 3:0 / 3:4 return of a found
 * token; a token_status_change activity by @agent_user from @client_address), then applies the
 * change to the token's certificates at @ctx->ca:
 *   to SUSPENDED            active certificates put on hold (certificateHold, 6)
 *   SUSPENDED -> ACTIVE or FORMATTED (found again)   certificates on hold taken off hold
 *   to PERM_LOST            active and held certificates revoked, keyCompromise (1)
 *   to DAMAGED              active and held certificates revoked, unspecified (0)
 *   to TERMINATED           active and held certificates revoked, cessationOfOperation (5)
 *   other changes (6:7)     nothing
 * Each certificate gets a cert_revocation / cert_unrevocation activity and its record's status
 * ("on-hold", "revoked", "active"). When the CA (or the database) fails for a certificate, the
 * change is undone: holds and releases made by this call are reverted at the CA, the token's
 * status is set back (compare and set on the new status) and a failed token_status_change
 * activity is recorded; the error (the CA's code, usually TPS_ERROR_BACKEND) says that the
 * status change was rolled back. Permanent revocations already made stay (the certificate
 * records say so). Refused transition: TPS_ERROR_TRANSITION; unknown token: TPS_ERROR_NOT_FOUND.
 */
gboolean
tps_token_admin_change_status(TpsContext *ctx,
			      const gchar *cuid,
			      TpsTokenStatus to,
			      const gchar *reason,
			      const gchar *agent_user,
			      const gchar *client_address,
			      GError **error) TOK_NONNULL(1);

G_END_DECLS
