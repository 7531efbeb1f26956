/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * FORMAT (operation 5, protocol.md 1.10.2): identify the card, resolve the token type, log the
 * user in when the profile asks for it, check ownership and the X:0 transition, reinstall the
 * applet, write the issuer info, open the channel with the required keys (key changeover),
 * revoke the token's certificates at the CA and reset the token record: no owner, no
 * certificates, FORMATTED.
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

gboolean
tps_op_format_run(TpsSession *s, GError **error) TOK_NONNULL(1);
/* The card and record part of FORMAT, after the card was identified, the profile resolved and
 * the user checked: also what ENROLL runs for unknown tokens and FORCE_FORMAT. */
gboolean
tps_op_format_token(TpsSession *s, GError **error) TOK_NONNULL(1);

G_END_DECLS
