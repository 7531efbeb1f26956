/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <winscard.h>

#include "esc-error.h"
#include "tok-error.h"

static void
test_to_string(void)
{
	g_assert_cmpstr(esc_error_to_string(ESC_ERROR_FAILED), ==, "failed");
	g_assert_cmpstr(esc_error_to_string(ESC_ERROR_CARD_REMOVED), ==, "card-removed");
	g_assert_cmpstr(esc_error_to_string(ESC_ERROR_NO_SERVICE), ==, "no-service");
	g_assert_cmpstr(esc_error_to_string(ESC_ERROR_INVALID_INPUT), ==, "invalid-input");
	g_assert_cmpstr(esc_error_to_string((EscError)(ESC_ERROR_LAST + 1)), ==, "unknown");
	g_assert_cmpstr(esc_error_to_string((EscError)-1), ==, "unknown");
	/* every code has its own name */
	for (gint a = 0; a <= ESC_ERROR_LAST; a++) {
		g_assert_cmpstr(esc_error_to_string(a), !=, "unknown");
		for (gint b = a + 1; b <= ESC_ERROR_LAST; b++)
			g_assert_cmpstr(esc_error_to_string(a), !=, esc_error_to_string(b));
	}
}

static void
test_pcsc_mapping(void)
{
	const struct {
		glong rv;
		EscError code;
	} cases[] = {
	    {SCARD_E_NO_SERVICE, ESC_ERROR_NO_SERVICE},
	    {SCARD_E_SERVICE_STOPPED, ESC_ERROR_NO_SERVICE},
	    {SCARD_E_UNKNOWN_READER, ESC_ERROR_NO_READER},
	    {SCARD_E_READER_UNAVAILABLE, ESC_ERROR_NO_READER},
	    {SCARD_E_NO_SMARTCARD, ESC_ERROR_NO_CARD},
	    {SCARD_W_REMOVED_CARD, ESC_ERROR_CARD_REMOVED},
	    {SCARD_E_CANCELLED, ESC_ERROR_CANCELLED},
	    {SCARD_E_TIMEOUT, ESC_ERROR_TIMEOUT},
	    {SCARD_W_UNRESPONSIVE_CARD, ESC_ERROR_UNSUPPORTED_CARD},
	    {SCARD_E_CARD_UNSUPPORTED, ESC_ERROR_UNSUPPORTED_CARD},
	    {SCARD_E_SHARING_VIOLATION, ESC_ERROR_PCSC},
	    {SCARD_W_RESET_CARD, ESC_ERROR_PCSC},
	    {SCARD_F_COMM_ERROR, ESC_ERROR_NO_SERVICE},
	    {SCARD_W_SECURITY_VIOLATION, ESC_ERROR_PCSC},
	    {0x12345678, ESC_ERROR_PCSC},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(esc_error_code_from_pcsc(cases[i].rv), ==, cases[i].code);
		esc_error_set_pcsc(&error, cases[i].rv, "SCardTransmit");
		g_assert_error(error, ESC_ERROR, (gint)cases[i].code);
		g_assert_true(g_str_has_prefix(error->message, "SCardTransmit: "));
	}
}

static void
test_pcsc_message(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) bare = NULL;
	g_autoptr(GError) unknown = NULL;

	esc_error_set_pcsc(&error, SCARD_E_NO_SERVICE, "cannot reach pcscd");
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	g_assert_cmpstr(error->message, ==, "cannot reach pcscd: SCARD_E_NO_SERVICE (0x8010001D)");
	esc_error_set_pcsc(&bare, SCARD_W_REMOVED_CARD, NULL);
	g_assert_cmpstr(bare->message, ==, "SCARD_W_REMOVED_CARD (0x80100069)");
	esc_error_set_pcsc(&unknown, 0x7F, "x");
	g_assert_error(unknown, ESC_ERROR, ESC_ERROR_PCSC);
	g_assert_cmpstr(unknown->message, ==, "x: unknown PC/SC error (0x0000007F)");
	/* NULL error: nothing to do, no crash */
	esc_error_set_pcsc(NULL, SCARD_E_NO_SERVICE, "x");
	g_assert_cmpstr(esc_error_pcsc_name(SCARD_E_UNKNOWN_READER), ==, "SCARD_E_UNKNOWN_READER");
	g_assert_null(esc_error_pcsc_name(0x1234));
}

static void
test_propagate_card(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) removed = NULL;
	g_autoptr(GError) cancelled = NULL;

	esc_error_propagate_card(&error, g_error_new(TOK_ERROR, TOK_ERROR_TRUNCATED, "short"), "GET STATUS");
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CARD);
	g_assert_cmpstr(error->message, ==, "GET STATUS: short");
	esc_error_propagate_card(&removed, g_error_new(ESC_ERROR, ESC_ERROR_CARD_REMOVED, "gone"), "GET STATUS");
	g_assert_error(removed, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
	g_assert_cmpstr(removed->message, ==, "GET STATUS: gone");
	esc_error_propagate_card(&cancelled, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, "stop"), NULL);
	g_assert_error(cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	/* NULL destination frees the source; NULL source does nothing */
	esc_error_propagate_card(NULL, g_error_new(TOK_ERROR, TOK_ERROR_FAILED, "x"), "x");
	esc_error_propagate_card(&error, NULL, "x");
	g_assert_cmpstr(error->message, ==, "GET STATUS: short");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/error/to-string", test_to_string);
	g_test_add_func("/esc/error/pcsc/mapping", test_pcsc_mapping);
	g_test_add_func("/esc/error/pcsc/message", test_pcsc_message);
	g_test_add_func("/esc/error/propagate-card", test_propagate_card);
	return g_test_run();
}
