/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-error.h"

G_DEFINE_QUARK(tks-error-quark, tks_error)

guint
tks_error_to_status(const GError *error)
{
	if (error == NULL)
		return 0;
	if (error->domain != TKS_ERROR)
		return 1;
	switch ((TksError)error->code) {
	case TKS_ERROR_SESSION_KEY:
	case TKS_ERROR_HOST_CRYPTOGRAM:
	case TKS_ERROR_MISSING_PARAMETER:
	case TKS_ERROR_KEY_INFO:
	case TKS_ERROR_CARD_CRYPTOGRAM:
	case TKS_ERROR_CONFIG:
		return (guint)error->code;
	case TKS_ERROR_NOT_FOUND:
	case TKS_ERROR_INVALID_ARGUMENT:
	case TKS_ERROR_CHECK_VALUE:
		return TKS_ERROR_KEY_INFO;
	case TKS_ERROR_INVALID_DATA:
		return TKS_ERROR_MISSING_PARAMETER;
	case TKS_ERROR_FAILED:
	case TKS_ERROR_EXISTS:
	case TKS_ERROR_WRONG_PASSPHRASE:
	case TKS_ERROR_NOT_SUPPORTED:
	case TKS_ERROR_BACKEND:
		break;
	}
	return 1;
}

const gchar *
tks_error_to_string(TksError code)
{
	switch (code) {
	case TKS_ERROR_FAILED:
		return "failed";
	case TKS_ERROR_SESSION_KEY:
		return "session-key";
	case TKS_ERROR_HOST_CRYPTOGRAM:
		return "host-cryptogram";
	case TKS_ERROR_MISSING_PARAMETER:
		return "missing-parameter";
	case TKS_ERROR_KEY_INFO:
		return "key-info";
	case TKS_ERROR_CARD_CRYPTOGRAM:
		return "card-cryptogram";
	case TKS_ERROR_CONFIG:
		return "config";
	case TKS_ERROR_NOT_FOUND:
		return "not-found";
	case TKS_ERROR_EXISTS:
		return "exists";
	case TKS_ERROR_INVALID_ARGUMENT:
		return "invalid-argument";
	case TKS_ERROR_WRONG_PASSPHRASE:
		return "wrong-passphrase";
	case TKS_ERROR_CHECK_VALUE:
		return "check-value";
	case TKS_ERROR_INVALID_DATA:
		return "invalid-data";
	case TKS_ERROR_NOT_SUPPORTED:
		return "not-supported";
	case TKS_ERROR_BACKEND:
		return "backend";
	}
	return "unknown";
}

void
tks_error_convert(GError **error, TksError code)
{
	if (error == NULL || *error == NULL || (*error)->domain == TKS_ERROR)
		return;
	(*error)->domain = TKS_ERROR;
	(*error)->code = (gint)code;
}
