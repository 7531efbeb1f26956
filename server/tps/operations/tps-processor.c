/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-error.h"
#include "tps-op-enroll.h"
#include "tps-op-format.h"
#include "tps-op-pin-reset.h"
#include "tps-processor.h"
#include "tps-secure-channel.h"
#include "tps-status.h"

static const gchar *
tps_processor_activity_name(TokTpsOperation op)
{
	switch (op) {
	case TOK_TPS_OPERATION_ENROLL:
		return TPS_ACTIVITY_ENROLLMENT;
	case TOK_TPS_OPERATION_FORMAT:
		return TPS_ACTIVITY_FORMAT;
	case TOK_TPS_OPERATION_RESET_PIN:
		return TPS_ACTIVITY_PIN_RESET;
	case TOK_TPS_OPERATION_UNDEFINED:
	case TOK_TPS_OPERATION_UNBLOCK:
	case TOK_TPS_OPERATION_RENEW:
		break;
	}
	return NULL;
}

static void
tps_processor_end_op(TpsConnection *c, TokTpsOperation op, guint result, TokTpsStatus status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) end_op = tok_tps_message_new_end_op(op, result, status, &error);

	if (end_op == NULL || !tps_connection_write(c, end_op, &error))
		g_debug("END_OP not sent to %s: %s", tps_connection_get_client_address(c), error->message);
}

TokTpsStatus
tps_processor_run_full(TpsContext *ctx, TpsConnection *c, TokTpsMessage *begin_op)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsSession) s = NULL;
	TokTpsOperation op = TOK_TPS_OPERATION_UNDEFINED;
	TokTpsStatus status;
	gboolean ok = FALSE;
	const gchar *activity;
	gint64 cpu = tps_session_thread_cpu_us();

	/* the operation END_OP must echo, even when the rest of BEGIN_OP is unusable */
	if (!tok_tps_message_get_operation(begin_op, &op, NULL))
		op = TOK_TPS_OPERATION_UNDEFINED;
	s = tps_session_new(ctx, c, begin_op, &error);
	if (s != NULL) {
		switch (s->operation) {
		case TOK_TPS_OPERATION_FORMAT:
			ok = tps_op_format_run(s, &error);
			break;
		case TOK_TPS_OPERATION_ENROLL:
			ok = tps_op_enroll_run(s, &error);
			break;
		case TOK_TPS_OPERATION_RESET_PIN:
			ok = tps_op_pin_reset_run(s, &error);
			break;
		case TOK_TPS_OPERATION_UNDEFINED:
		case TOK_TPS_OPERATION_UNBLOCK:
		case TOK_TPS_OPERATION_RENEW:
			/* the Java TPS: not implemented, result 1 message 0 */
			g_message("%s: operation %s is not supported",
				  tps_connection_get_client_address(c),
				  tok_tps_operation_to_string(s->operation));
			tps_processor_end_op(c, op, 1, TOK_TPS_STATUS_NO_ERROR);
			return TOK_TPS_STATUS_NO_ERROR;
		}
	}
	activity = tps_processor_activity_name(op);
	if (ok) {
		/* what the operation cost this thread, and how much of it the password hash took
		 * (the TLS handshake ran before, on another thread) */
		g_message("%s: %s of token %s for %s done (CPU %.1f ms, password check %.1f ms)",
			  tps_connection_get_client_address(c),
			  tok_tps_operation_to_string(op),
			  s->cuid,
			  s->user_id != NULL ? s->user_id : "(no login)",
			  (gdouble)(tps_session_thread_cpu_us() - cpu) / 1000.0,
			  (gdouble)s->password_cpu_us / 1000.0);
		tps_processor_end_op(c, op, 0, TOK_TPS_STATUS_NO_ERROR);
		return TOK_TPS_STATUS_NO_ERROR;
	}
	status = tps_status_from_error(error);
	g_message("%s: %s of token %s failed with status %u (%s): %s",
		  tps_connection_get_client_address(c),
		  tok_tps_operation_to_string(op) != NULL ? tok_tps_operation_to_string(op) : "operation",
		  s != NULL && s->cuid != NULL ? s->cuid : "(unknown)",
		  (guint)status,
		  tok_tps_status_to_string(status) != NULL ? tok_tps_status_to_string(status) : "?",
		  error != NULL ? error->message : "no detail");
	if (s != NULL && activity != NULL && s->cuid != NULL)
		tps_session_add_activity(s, activity, FALSE, error != NULL ? error->message : NULL);
	tps_processor_end_op(c, op, 1, status);
	return status;
}

void
tps_processor_run(TpsContext *ctx, TpsConnection *c, TokTpsMessage *begin_op)
{
	(void)tps_processor_run_full(ctx, c, begin_op);
}
