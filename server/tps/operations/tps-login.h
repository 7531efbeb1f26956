/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Who is at the client (protocol.md 1.6): LOGIN_REQUEST / LOGIN_RESPONSE, or, when BEGIN_OP
 * carried extendedLoginRequest, EXTENDED_LOGIN_REQUEST with the authenticator's form (title,
 * description, UID then PASSWORD) and its response. One attempt, as the Java TPS: a wrong user
 * or password is TPS_ERROR_AUTH (END_OP 14). On success the session's user_id and
 * user_attributes are set.
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

gboolean
tps_login_run(TpsSession *s, GError **error) TOK_NONNULL(1);

G_END_DECLS
