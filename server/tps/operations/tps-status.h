/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The END_OP status code of a failed operation (protocol.md 1.8): the one place where errors
 * of TPS_ERROR, TOK_ERROR, TKS_ERROR and GIO become a wire status code.
 *
 * A step of an operation that knows which status its failure must report (the secure channel:
 * 17, the applet upgrade: 19, the CA: 10, ...) tags the error with tps_status_error_tag(): the
 * error moves into TPS_STATUS_ERROR with the status as its code and keeps its message. An
 * error tagged once keeps its first status (the innermost step knows best).
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"
#include "tok-tps-message.h"

G_BEGIN_DECLS

#define TPS_STATUS_ERROR (tps_status_error_quark())
GQuark
tps_status_error_quark(void);

/* Moves *@error (if any) into TPS_STATUS_ERROR with @status, unless it is already there or
 * is TPS_ERROR_DISCONNECTED / TIMEOUT (a lost client is reported as such, 28) or
 * TPS_ERROR_PROTOCOL (the client broke the protocol, 13). Card misbehaviour is TOK_ERROR. */
void
tps_status_error_tag(GError **error, TokTpsStatus status);

/* The status code for @error: TPS_STATUS_ERROR codes as they are; TPS_ERROR_AUTH 14 (LOGIN),
 * NOT_AUTHORIZED 43 (NOT_TOKEN_OWNER), POLICY and TRANSITION 26 (DISABLED_TOKEN), NOT_FOUND 16
 * (UNKNOWN_TOKEN), CONFIG 18 (MISCONFIGURATION), BACKEND 15 (DB), EXISTS 29
 * (CREATE_TUS_TOKEN_ENTRY), PROTOCOL and INVALID 13 (CONNECTION), DISCONNECTED and TIMEOUT
 * 28 (CONN_LOST); any TKS_ERROR 17 (SECURE_CHANNEL); G_IO_ERROR cancelled / timed out /
 * closed 28; everything else (card errors included) 8 (CANNOT_PERFORM_OPERATION). Never 0:
 * a NULL error is 8 too. */
TokTpsStatus
tps_status_from_error(const GError *error);

G_END_DECLS
