/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TPS operation processor: runs one operation (FORMAT, ENROLL, PIN RESET) for the client
 * of @c, from its BEGIN_OP to its END_OP. It always ends with END_OP (result 0 and status 0,
 * or result 1 and the status code of protocol.md 1.8 from tps_status_from_error()), records
 * the outcome in the activity log, and leaves the card and the token database consistent on
 * every failure path. UNBLOCK and RENEW are answered as the Java TPS does: END_OP result 1,
 * status 0. Blocking: call it from the session's worker thread.
 */
#pragma once

#include "tps-connection.h"
#include "tps-context.h"

G_BEGIN_DECLS

void
tps_processor_run(TpsContext *ctx, TpsConnection *c, TokTpsMessage *begin_op) TOK_NONNULL(1, 2, 3);

/* The same, returning the END_OP status it sent (or would have sent to a client that left):
 * for tests and logs. */
TokTpsStatus
tps_processor_run_full(TpsContext *ctx, TpsConnection *c, TokTpsMessage *begin_op) TOK_NONNULL(1, 2, 3);

G_END_DECLS
