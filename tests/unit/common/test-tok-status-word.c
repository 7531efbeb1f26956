/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tok-error.h"
#include "tok-status-word.h"

typedef struct {
	guint16 sw;
	gint code;
	const gchar *message;
} SwCase;

/* every constant of tok-status-word.h, with the code a caller acts on */
static const SwCase sw_cases[] = {
    {TOK_SW_WARNING_NV_UNCHANGED, TOK_ERROR_CARD, NULL},
    {TOK_SW_SELECTED_FILE_INVALIDATED, TOK_ERROR_BLOCKED, NULL},
    {TOK_SW_MEMORY_FAILURE, TOK_ERROR_CARD, "memory failure (SW 6581)"},
    {TOK_SW_WRONG_LENGTH, TOK_ERROR_WRONG_LENGTH, "wrong length (SW 6700)"},
    {TOK_SW_SECURE_MESSAGING_UNSUPPORTED, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_SECURITY_STATUS_NOT_SATISFIED, TOK_ERROR_NOT_AUTHORIZED,
     "security status not satisfied (SW 6982)"},
    {TOK_SW_AUTH_METHOD_BLOCKED, TOK_ERROR_BLOCKED, "authentication method blocked (SW 6983)"},
    {TOK_SW_REFERENCE_DATA_UNUSABLE, TOK_ERROR_NOT_AUTHORIZED, NULL},
    {TOK_SW_CONDITIONS_NOT_SATISFIED, TOK_ERROR_NOT_AUTHORIZED, NULL},
    {TOK_SW_SM_DATA_MISSING, TOK_ERROR_NOT_AUTHORIZED, NULL},
    {TOK_SW_SM_DATA_INCORRECT, TOK_ERROR_AUTH_FAILED, NULL},
    {TOK_SW_WRONG_DATA, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_FUNCTION_NOT_SUPPORTED, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_FILE_NOT_FOUND, TOK_ERROR_NOT_FOUND, "application or file not found (SW 6A82)"},
    {TOK_SW_NOT_ENOUGH_MEMORY, TOK_ERROR_NO_SPACE, NULL},
    {TOK_SW_INCORRECT_P1P2, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_REFERENCED_DATA_NOT_FOUND, TOK_ERROR_NOT_FOUND, "referenced data not found (SW 6A88)"},
    {TOK_SW_WRONG_P1P2, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_INS_NOT_SUPPORTED, TOK_ERROR_NOT_SUPPORTED, "instruction not supported (SW 6D00)"},
    {TOK_SW_CLA_NOT_SUPPORTED, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_UNKNOWN, TOK_ERROR_CARD, NULL},
    {TOK_SW_COOLKEY_NO_MEMORY_LEFT, TOK_ERROR_NO_SPACE, "no memory left (SW 9C01)"},
    {TOK_SW_COOLKEY_AUTH_FAILED, TOK_ERROR_AUTH_FAILED, "authentication failed (SW 9C02)"},
    {TOK_SW_COOLKEY_OPERATION_NOT_ALLOWED, TOK_ERROR_NOT_AUTHORIZED, NULL},
    {TOK_SW_COOLKEY_UNSUPPORTED_FEATURE, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_COOLKEY_UNAUTHORIZED, TOK_ERROR_NOT_AUTHORIZED, "unauthorized (SW 9C06)"},
    {TOK_SW_COOLKEY_OBJECT_NOT_FOUND, TOK_ERROR_NOT_FOUND, "object not found (SW 9C07)"},
    {TOK_SW_COOLKEY_OBJECT_EXISTS, TOK_ERROR_EXISTS, "object exists (SW 9C08)"},
    {TOK_SW_COOLKEY_INCORRECT_ALG, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_SIGNATURE_INVALID, TOK_ERROR_AUTH_FAILED, NULL},
    {TOK_SW_COOLKEY_IDENTITY_BLOCKED, TOK_ERROR_BLOCKED, "identity blocked (SW 9C0C)"},
    {TOK_SW_COOLKEY_UNSPECIFIED_ERROR, TOK_ERROR_CARD, NULL},
    {TOK_SW_COOLKEY_INVALID_PARAMETER, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_INCORRECT_P1, TOK_ERROR_INVALID_PARAMETER, "incorrect P1 (SW 9C10)"},
    {TOK_SW_COOLKEY_INCORRECT_P2, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_SEQUENCE_END, TOK_ERROR_NOT_FOUND, NULL},
    {TOK_SW_COOLKEY_UNSUPPORTED_DIRECTION, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_COOLKEY_INVALID_DIRECTION, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_UNSUPPORTED_LOCATION, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_COOLKEY_INVALID_LOCATION, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_UNSUPPORTED_KEY_TYPE, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_COOLKEY_INVALID_KEY_TYPE, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_DATA_CHUNK_SIZE, TOK_ERROR_WRONG_LENGTH, "data chunk size error (SW 9C19)"},
    {TOK_SW_COOLKEY_KEY_SIZE, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_UNSUPPORTED_CIPHER_MODE, TOK_ERROR_NOT_SUPPORTED, NULL},
    {TOK_SW_COOLKEY_INVALID_CIPHER_MODE, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_OUTPUT_BUFFER_SMALL, TOK_ERROR_WRONG_LENGTH, NULL},
    {TOK_SW_COOLKEY_INCONSISTENT_KEY_PAIR, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_INPUT_BUFFER_SMALL, TOK_ERROR_WRONG_LENGTH, NULL},
    {TOK_SW_COOLKEY_BAD_WRAPPED_KEY, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_BAD_KEY_ALG, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_BAD_WRAPPED_PRIV_KEY, TOK_ERROR_INVALID_PARAMETER, NULL},
    {TOK_SW_COOLKEY_INTERNAL_ERROR, TOK_ERROR_CARD, NULL},
    /* families */
    {0x6100, TOK_ERROR_PROTOCOL, NULL},
    {0x6110, TOK_ERROR_PROTOCOL, NULL},
    {0x63C0, TOK_ERROR_AUTH_FAILED, "verification failed, 0 tries left (SW 63C0)"},
    {0x63C1, TOK_ERROR_AUTH_FAILED, "verification failed, 1 try left (SW 63C1)"},
    {0x63C3, TOK_ERROR_AUTH_FAILED, "verification failed, 3 tries left (SW 63C3)"},
    {0x63CF, TOK_ERROR_AUTH_FAILED, "verification failed, 15 tries left (SW 63CF)"},
    {0x6C00, TOK_ERROR_WRONG_LENGTH, "wrong Le field: the card expects Le 256 (SW 6C00)"},
    {0x6C2D, TOK_ERROR_WRONG_LENGTH, "wrong Le field: the card expects Le 45 (SW 6C2D)"},
    /* unknown words */
    {0x1234, TOK_ERROR_CARD, "card error (SW 1234)"},
    {0x9C04, TOK_ERROR_CARD, "card error (SW 9C04)"},
    {0x6300, TOK_ERROR_CARD, "card error (SW 6300)"},
    {0x0000, TOK_ERROR_CARD, "card error (SW 0000)"},
    {0xFFFF, TOK_ERROR_CARD, "card error (SW FFFF)"},
};

static void
test_table(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(sw_cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *hexsw = g_strdup_printf("(SW %04X)", sw_cases[i].sw);

		g_test_message("SW %04X", sw_cases[i].sw);
		g_assert_false(tok_status_word_check(sw_cases[i].sw, &error));
		g_assert_error(error, TOK_ERROR, sw_cases[i].code);
		g_assert_cmpint(tok_status_word_to_error_code(sw_cases[i].sw), ==, sw_cases[i].code);
		g_assert_true(g_str_has_suffix(error->message, hexsw));
		if (sw_cases[i].message != NULL)
			g_assert_cmpstr(error->message, ==, sw_cases[i].message);
	}
}

static void
test_ok(void)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(tok_status_word_check(TOK_SW_OK, &error));
	g_assert_no_error(error);
	g_assert_true(tok_status_word_check(TOK_SW_OK, NULL));
	g_assert_cmpint(tok_status_word_to_error_code(TOK_SW_OK), ==, TOK_ERROR_FAILED);
	g_assert_cmpstr(tok_status_word_describe(TOK_SW_OK), ==, "success");
}

static void
test_describe(void)
{
	g_assert_cmpstr(tok_status_word_describe(0x9C02), ==, "authentication failed");
	g_assert_cmpstr(tok_status_word_describe(0x6A88), ==, "referenced data not found");
	g_assert_cmpstr(tok_status_word_describe(0x63C2), ==, "verification failed");
	g_assert_cmpstr(tok_status_word_describe(0x6C10), ==, "wrong Le field");
	g_assert_cmpstr(tok_status_word_describe(0x6120), ==, "response bytes still available");
	g_assert_cmpstr(tok_status_word_describe(0x1234), ==, "unknown status");
}

static void
test_every_word(void)
{
	/* every status word gives a description and a consistent error; none is an assertion */
	for (guint sw = 0; sw <= 0xFFFF; sw++) {
		g_autoptr(GError) error = NULL;
		const gchar *text = tok_status_word_describe((guint16)sw);
		gboolean ok = tok_status_word_check((guint16)sw, &error);

		g_assert_nonnull(text);
		g_assert_cmpint(ok, ==, sw == TOK_SW_OK);
		if (ok) {
			g_assert_no_error(error);
			continue;
		}
		g_assert_nonnull(error);
		g_assert_true(error->domain == TOK_ERROR);
		g_assert_cmpint(error->code, ==, tok_status_word_to_error_code((guint16)sw));
		g_assert_cmpint(error->code, !=, TOK_ERROR_FAILED);
		if (strcmp(text, "unknown status") != 0)
			g_assert_true(g_str_has_prefix(error->message, text));
		else
			g_assert_cmpint(error->code, ==, TOK_ERROR_CARD);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/status-word/table", test_table);
	g_test_add_func("/tok/status-word/ok", test_ok);
	g_test_add_func("/tok/status-word/describe", test_describe);
	g_test_add_func("/tok/status-word/every-word", test_every_word);
	return g_test_run();
}
