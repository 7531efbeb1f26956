/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-error.h"

G_DEFINE_QUARK(tps-error-quark, tps_error)

const gchar *
tps_error_to_string(TpsError code)
{
	switch (code) {
	case TPS_ERROR_FAILED:
		return "failed";
	case TPS_ERROR_NOT_FOUND:
		return "not-found";
	case TPS_ERROR_EXISTS:
		return "exists";
	case TPS_ERROR_INVALID:
		return "invalid";
	case TPS_ERROR_CONFIG:
		return "config";
	case TPS_ERROR_POLICY:
		return "policy";
	case TPS_ERROR_TRANSITION:
		return "transition";
	case TPS_ERROR_AUTH:
		return "auth";
	case TPS_ERROR_NOT_AUTHORIZED:
		return "not-authorized";
	case TPS_ERROR_BACKEND:
		return "backend";
	case TPS_ERROR_PROTOCOL:
		return "protocol";
	case TPS_ERROR_TIMEOUT:
		return "timeout";
	case TPS_ERROR_DISCONNECTED:
		return "disconnected";
	}
	return "unknown";
}
