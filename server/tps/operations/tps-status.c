/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>

#include "tks-error.h"
#include "tps-error.h"
#include "tps-status.h"

G_DEFINE_QUARK(tps-status-error-quark, tps_status_error)

void
tps_status_error_tag(GError **error, TokTpsStatus status)
{
	if (error == NULL || *error == NULL)
		return;
	if ((*error)->domain == TPS_STATUS_ERROR)
		return;
	/* a lost client, a passed deadline or a client breaking the protocol is what happened,
	 * whatever the step */
	if (g_error_matches(*error, TPS_ERROR, TPS_ERROR_DISCONNECTED) || g_error_matches(*error, TPS_ERROR, TPS_ERROR_TIMEOUT) ||
	    g_error_matches(*error, TPS_ERROR, TPS_ERROR_PROTOCOL))
		return;
	(*error)->domain = TPS_STATUS_ERROR;
	(*error)->code = (gint)status;
}

static TokTpsStatus
tps_status_from_tps_error(gint code)
{
	switch ((TpsError)code) {
	case TPS_ERROR_AUTH:
		return TOK_TPS_STATUS_ERROR_LOGIN;
	case TPS_ERROR_NOT_AUTHORIZED:
		return TOK_TPS_STATUS_ERROR_NOT_TOKEN_OWNER;
	case TPS_ERROR_POLICY:
	case TPS_ERROR_TRANSITION:
		return TOK_TPS_STATUS_ERROR_DISABLED_TOKEN;
	case TPS_ERROR_NOT_FOUND:
		return TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN;
	case TPS_ERROR_CONFIG:
		return TOK_TPS_STATUS_ERROR_MISCONFIGURATION;
	case TPS_ERROR_BACKEND:
		return TOK_TPS_STATUS_ERROR_DB;
	case TPS_ERROR_EXISTS:
		return TOK_TPS_STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY;
	case TPS_ERROR_PROTOCOL:
	case TPS_ERROR_INVALID:
		return TOK_TPS_STATUS_ERROR_CONNECTION;
	case TPS_ERROR_DISCONNECTED:
	case TPS_ERROR_TIMEOUT:
		return TOK_TPS_STATUS_ERROR_CONN_LOST;
	case TPS_ERROR_FAILED:
		break;
	}
	return TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION;
}

TokTpsStatus
tps_status_from_error(const GError *error)
{
	if (error == NULL)
		return TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION;
	if (error->domain == TPS_STATUS_ERROR) {
		if (error->code <= 0)
			return TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION;
		return (TokTpsStatus)error->code;
	}
	if (error->domain == TPS_ERROR)
		return tps_status_from_tps_error(error->code);
	if (error->domain == TKS_ERROR)
		return TOK_TPS_STATUS_ERROR_SECURE_CHANNEL;
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
		return TOK_TPS_STATUS_ERROR_CONN_LOST;
	return TOK_TPS_STATUS_ERROR_CANNOT_PERFORM_OPERATION;
}
