/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-error.h"

#include <openssl/err.h>

G_DEFINE_QUARK(tok-error-quark, tok_error)

const gchar *
tok_error_to_string(TokError code)
{
	switch (code) {
	case TOK_ERROR_FAILED:
		return "failed";
	case TOK_ERROR_INVALID_DATA:
		return "invalid-data";
	case TOK_ERROR_TRUNCATED:
		return "truncated";
	case TOK_ERROR_TOO_LARGE:
		return "too-large";
	case TOK_ERROR_NOT_SUPPORTED:
		return "not-supported";
	case TOK_ERROR_PROTOCOL:
		return "protocol";
	case TOK_ERROR_CRYPTO:
		return "crypto";
	case TOK_ERROR_CARD:
		return "card";
	case TOK_ERROR_AUTH_FAILED:
		return "auth-failed";
	case TOK_ERROR_BLOCKED:
		return "blocked";
	case TOK_ERROR_NOT_AUTHORIZED:
		return "not-authorized";
	case TOK_ERROR_NOT_FOUND:
		return "not-found";
	case TOK_ERROR_EXISTS:
		return "exists";
	case TOK_ERROR_NO_SPACE:
		return "no-space";
	case TOK_ERROR_WRONG_LENGTH:
		return "wrong-length";
	case TOK_ERROR_INVALID_PARAMETER:
		return "invalid-parameter";
	}
	return "unknown";
}

void
tok_error_set_openssl(GError **error, const gchar *what)
{
	g_autoptr(GString) detail = g_string_new(NULL);
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		gchar buf[256];
		ERR_error_string_n(e, buf, sizeof(buf));
		if (detail->len > 0)
			g_string_append(detail, "; ");
		g_string_append(detail, buf);
	}
	if (detail->len == 0)
		g_string_append(detail, "no detail from OpenSSL");
	g_set_error(error, TOK_ERROR, TOK_ERROR_CRYPTO, "%s: %s", what, detail->str);
}
