/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PIN RESET (operation 3, protocol.md 1.10.4): the token must be known (16), the user logs in
 * and must own it (43); it must be ACTIVE, its profile must allow PIN resets and its policy
 * must say PIN_RESET=YES (else 27, NOT_PIN_RESETABLE). Then the key check, NEW_PIN with the
 * profile's length rules, CREATE PIN + SET PIN under the secure channel, and, with
 * RESET_PIN_RESET_TO_NO=YES, PIN_RESET=NO in the token's own policy (a one-time reset).
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

gboolean
tps_op_pin_reset_run(TpsSession *s, GError **error) TOK_NONNULL(1);

G_END_DECLS
