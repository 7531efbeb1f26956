/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string.h>

#include "tok-error.h"

static void
test_error_names(void)
{
	g_assert_cmpstr(tok_error_to_string(TOK_ERROR_TRUNCATED), ==, "truncated");
	g_assert_cmpstr(tok_error_to_string(TOK_ERROR_AUTH_FAILED), ==, "auth-failed");
	g_assert_cmpstr(tok_error_to_string(TOK_ERROR_INVALID_PARAMETER), ==, "invalid-parameter");
	g_assert_cmpstr(tok_error_to_string((TokError)999), ==, "unknown");
	/* every code has its own name */
	for (gint a = TOK_ERROR_FAILED; a <= TOK_ERROR_INVALID_PARAMETER; a++) {
		g_assert_cmpstr(tok_error_to_string((TokError)a), !=, "unknown");
		for (gint b = a + 1; b <= TOK_ERROR_INVALID_PARAMETER; b++)
			g_assert_cmpstr(tok_error_to_string((TokError)a),
					!=,
					tok_error_to_string((TokError)b));
	}
}

static void
test_error_openssl(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) empty = NULL;
	EVP_CIPHER *cipher;

	/* provoke a real OpenSSL error: an algorithm no provider offers */
	cipher = EVP_CIPHER_fetch(NULL, "NO-SUCH-CIPHER-TOK", NULL);
	g_assert_null(cipher);
	tok_error_set_openssl(&error, "failed to fetch cipher");
	g_assert_error(error, TOK_ERROR, TOK_ERROR_CRYPTO);
	g_assert_true(g_str_has_prefix(error->message, "failed to fetch cipher: "));
	g_assert_nonnull(strstr(error->message, "unsupported"));
	/* the queue was consumed */
	g_assert_cmpuint(ERR_peek_error(), ==, 0);
	tok_error_set_openssl(&empty, "nothing queued");
	g_assert_cmpstr(empty->message, ==, "nothing queued: no detail from OpenSSL");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/error/names", test_error_names);
	g_test_add_func("/tok/error/openssl", test_error_openssl);
	return g_test_run();
}
