/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TPS_ERROR: operation, policy and backend failures of the Token Processing System. Each code
 * maps to an END_OP status code (protocol.md 1.8) in exactly one place, the operations layer.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TPS_ERROR (tps_error_quark())

typedef enum {
	TPS_ERROR_FAILED,	 /* nothing more specific */
	TPS_ERROR_NOT_FOUND,	 /* token, certificate, user, profile, key set not found */
	TPS_ERROR_EXISTS,	 /* record already exists */
	TPS_ERROR_INVALID,	 /* malformed or out-of-range input (config value, request field) */
	TPS_ERROR_CONFIG,	 /* configuration error: stops the start with key and reason */
	TPS_ERROR_POLICY,	 /* refused by a token policy (RE_ENROLL, PIN_RESET, ...) */
	TPS_ERROR_TRANSITION,	 /* token state transition not allowed */
	TPS_ERROR_AUTH,		 /* authentication failed (wrong user or password) */
	TPS_ERROR_NOT_AUTHORIZED, /* authenticated, but not allowed for this (user, token) */
	TPS_ERROR_BACKEND,	 /* database, CA, KRA or TKS failed or unreachable */
	TPS_ERROR_PROTOCOL,	 /* the client or card broke the protocol */
	TPS_ERROR_TIMEOUT,	 /* session deadline passed */
	TPS_ERROR_DISCONNECTED,	 /* the client went away */
} TpsError;

GQuark
tps_error_quark(void);
const gchar *
tps_error_to_string(TpsError code);

G_END_DECLS
