/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The desktop app's widget-free helpers (client/gui/esc-gui-util.c): PIN strength, mnemonics
 * for the server's field labels, the CN of a DN, server address checks, the texts of
 * operation results and progress steps. No display needed.
 */
#include "config.h"

#include <string.h>

#include "esc-error.h"
#include "esc-gui-util.h"

static void
test_pin_strength(void)
{
	/* shorter than the server's minimum */
	g_assert_cmpuint(esc_gui_util_pin_strength("", 4), ==, 0);
	g_assert_cmpuint(esc_gui_util_pin_strength(NULL, 4), ==, 0);
	g_assert_cmpuint(esc_gui_util_pin_strength("123", 4), ==, 0);
	g_assert_cmpuint(esc_gui_util_pin_strength("a9x", 4), ==, 0);
	/* trivial: all the same, straight runs, two distinct characters */
	g_assert_cmpuint(esc_gui_util_pin_strength("1111", 4), ==, 1);
	g_assert_cmpuint(esc_gui_util_pin_strength("123456", 4), ==, 1);
	g_assert_cmpuint(esc_gui_util_pin_strength("987654321", 4), ==, 1);
	g_assert_cmpuint(esc_gui_util_pin_strength("abcdefgh", 4), ==, 1);
	g_assert_cmpuint(esc_gui_util_pin_strength("12121212", 4), ==, 1);
	/* longer and more mixed is stronger */
	g_assert_cmpuint(esc_gui_util_pin_strength("2580", 4), ==, 1);
	g_assert_cmpuint(esc_gui_util_pin_strength("246813", 4), ==, 2);
	g_assert_cmpuint(esc_gui_util_pin_strength("24681357", 4), ==, 3);
	g_assert_cmpuint(esc_gui_util_pin_strength("k7m2p9", 4), ==, 3);
	g_assert_cmpuint(esc_gui_util_pin_strength("k7M2p9!x", 4), ==, 4);
	g_assert_cmpuint(esc_gui_util_pin_strength("246813579024", 4), ==, 4);
	/* repetitive long PINs lose a level */
	g_assert_cmpuint(esc_gui_util_pin_strength("1212121234", 4), <, esc_gui_util_pin_strength("1357924680", 4));
	/* a minimum above the length wins */
	g_assert_cmpuint(esc_gui_util_pin_strength("k7M2p9!x", 10), ==, 0);
	/* UTF-8 is counted in characters */
	g_assert_cmpuint(esc_gui_util_pin_strength("äöü", 4), ==, 0);
	g_assert_cmpuint(esc_gui_util_pin_strength("äöüß", 4), >=, 1);
}

static void
test_pin_strength_labels(void)
{
	for (guint i = 0; i <= ESC_GUI_PIN_STRENGTH_MAX; i++) {
		const gchar *label = esc_gui_util_pin_strength_label(i);
		g_assert_nonnull(label);
		g_assert_cmpstr(label, !=, "");
		for (guint j = 0; j < i; j++)
			g_assert_cmpstr(label, !=, esc_gui_util_pin_strength_label(j));
	}
	g_assert_cmpstr(esc_gui_util_pin_strength_label(0), ==, "Too short");
	g_assert_cmpstr(esc_gui_util_pin_strength_label(4), ==, "Strong");
}

static gchar *
mnemonic(const gchar *label, GArray *used)
{
	return esc_gui_util_mnemonic_label(label, used);
}

static void
test_mnemonic(void)
{
	g_autoptr(GArray) used = g_array_new(FALSE, FALSE, sizeof(gunichar));
	gchar *m;

	/* the login dialog's Cancel and Log In are taken */
	g_array_append_vals(used, (const gunichar[]){'c', 'l'}, 2);
	/* word starts first: LDAP (taken) → User */
	m = mnemonic("LDAP User ID", used);
	g_assert_cmpstr(m, ==, "LDAP _User ID");
	g_free(m);
	m = mnemonic("LDAP Password", used);
	g_assert_cmpstr(m, ==, "LDAP _Password");
	g_free(m);
	/* no free word start: the first free character */
	m = mnemonic("Pin Code", used);
	g_assert_cmpstr(m, ==, "P_in Code");
	g_free(m);
	/* underscores of the label are doubled (shown literally) */
	m = mnemonic("one_time_code", used);
	g_assert_cmpstr(m, ==, "_one__time__code");
	g_free(m);
	/* case-insensitive: "O" is taken by "one" now */
	m = mnemonic("OTP", used);
	g_assert_cmpstr(m, ==, "O_TP");
	g_free(m);
	/* non-ASCII letters */
	m = mnemonic("Ümlaut", used);
	g_assert_cmpstr(m, ==, "_Ümlaut");
	g_free(m);
	/* nothing left: no mnemonic at all */
	m = mnemonic("uu", used);
	g_assert_cmpstr(m, ==, "uu");
	g_free(m);
	m = mnemonic("", used);
	g_assert_cmpstr(m, ==, "");
	g_free(m);
	m = mnemonic(NULL, used);
	g_assert_cmpstr(m, ==, "");
	g_free(m);
	/* punctuation only */
	m = mnemonic("--", used);
	g_assert_cmpstr(m, ==, "--");
	g_free(m);
}

static void
test_dn_cn(void)
{
	struct {
		const gchar *dn;
		const gchar *cn;
	} cases[] = {
	    {"CN=Demo User,UID=demo,O=Example", "Demo User"},
	    {"UID=demo,CN=Demo User,O=Example", "Demo User"},
	    {"cn=lower case", "lower case"},
	    {"O=Example, CN=Spaced", "Spaced"},
	    {"CN=Doe\\, John,O=Example", "Doe, John"},
	    {"CN=Plus\\+Sign+UID=x", "Plus+Sign"},
	    {"CN=Hex\\41\\42", "HexAB"},
	    {"CN=Ünïcödé", "Ünïcödé"},
	    {"O=Example,OU=Tokens", NULL},
	    {"CN=,O=Example", NULL},
	    {"", NULL},
	    {"garbage without equals", NULL},
	    {"CN=trailing\\", "trailing\\"},
	    {"CN=\\FF\\FE", NULL}, /* not UTF-8 */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *cn = esc_gui_util_dn_get_cn(cases[i].dn);
		g_assert_cmpstr(cn, ==, cases[i].cn);
	}
	g_assert_null(esc_gui_util_dn_get_cn(NULL));
}

static void
test_server_url(void)
{
	const gchar *good[] = {"https://tps.example.com:8443/tps/tps", "http://127.0.0.1:8080/tps/tps",
			       "HTTPS://tps.example.com", "https://[::1]:8443/tps/tps"};
	const gchar *bad[] = {"", "tps.example.com", "ftp://tps.example.com/", "https://", "https:///tps/tps",
			      "not a url", "file:///etc/passwd", "https://exa mple.com/"};

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_true(esc_gui_util_check_server_url(good[i], &error));
		g_assert_no_error(error);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(esc_gui_util_check_server_url(bad[i], &error));
		g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
		g_assert_cmpstr(error->message, !=, "");
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(esc_gui_util_check_server_url(NULL, &error));
		g_assert_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT);
	}
}

static void
test_task_labels(void)
{
	const gchar *tasks[] = {"PROGRESS_APPLET_BLOCK",   "PROGRESS_DONE",	"PROGRESS_PROCESS_PROFILE",
				"PROGRESS_KEY_GENERATION", "PROGRESS_ENROLL_CERT", "PROGRESS_WRITE_OBJECTS",
				"PROGRESS_ISSUER_INFO",	   "PROGRESS_SET_LIFECYCLE", "PROGRESS_DONE_ENROLLMENT",
				"PROGRESS_START_PIN_RESET", "PROGRESS_PIN_RESET_RESOLVE_PROFILE",
				"PROGRESS_PIN_RESET_COMPLETE"};
	const gchar *generic = esc_gui_util_task_label("SOMETHING_NEW");

	g_assert_cmpstr(generic, ==, esc_gui_util_task_label(NULL));
	g_assert_cmpstr(generic, ==, esc_gui_util_task_label(""));
	for (gsize i = 0; i < G_N_ELEMENTS(tasks); i++) {
		/* every server task has a sentence of its own, never the server's constant */
		g_assert_cmpstr(esc_gui_util_task_label(tasks[i]), !=, generic);
		g_assert_null(strstr(esc_gui_util_task_label(tasks[i]), "PROGRESS_"));
	}
	g_assert_cmpstr(esc_gui_util_task_label("PROGRESS_KEY_GENERATION"), ==, "Generating keys on the card");
}

static void
test_result_texts(void)
{
	EscOperationKind kinds[] = {ESC_OPERATION_ENROLL, ESC_OPERATION_FORMAT, ESC_OPERATION_PIN_RESET};

	for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_assert_cmpstr(esc_gui_util_result_heading(kinds[i], TRUE), !=,
				esc_gui_util_result_heading(kinds[i], FALSE));
		g_assert_cmpstr(esc_gui_util_success_text(kinds[i]), !=, "");
		g_assert_cmpstr(esc_gui_util_running_text(kinds[i]), !=, "");
		for (gsize j = 0; j < i; j++) {
			g_assert_cmpstr(esc_gui_util_result_heading(kinds[i], TRUE), !=,
					esc_gui_util_result_heading(kinds[j], TRUE));
			g_assert_cmpstr(esc_gui_util_success_text(kinds[i]), !=, esc_gui_util_success_text(kinds[j]));
		}
	}
	g_assert_cmpstr(esc_gui_util_result_heading(ESC_OPERATION_ENROLL, TRUE), ==, "Enrollment Complete");
	g_assert_cmpstr(esc_gui_util_result_heading(ESC_OPERATION_PIN_RESET, TRUE), ==, "PIN Changed");
	g_assert_cmpstr(esc_gui_util_result_heading(ESC_OPERATION_FORMAT, FALSE), ==, "Format Failed");
	g_assert_cmpstr(esc_gui_util_result_heading(ESC_OPERATION_RENEW, TRUE), ==, "Operation Complete");
}

static void
test_error_texts(void)
{
	g_autoptr(GError) failed = g_error_new_literal(ESC_ERROR, ESC_ERROR_FAILED, "x");
	const gchar *generic_summary = esc_gui_util_error_summary(failed);
	const gchar *generic_advice = esc_gui_util_error_advice(failed);

	/* every specific code says something of its own: what happened, and what to do */
	for (gint code = ESC_ERROR_CANCELLED; code <= ESC_ERROR_LAST; code++) {
		g_autoptr(GError) error = g_error_new_literal(ESC_ERROR, code, "detail");
		g_assert_cmpstr(esc_gui_util_error_summary(error), !=, "");
		g_assert_cmpstr(esc_gui_util_error_advice(error), !=, "");
		if (code != ESC_ERROR_INVALID_INPUT)
			g_assert_cmpstr(esc_gui_util_error_summary(error), !=, generic_summary);
		g_assert_cmpstr(esc_gui_util_error_advice(error), !=, generic_advice);
	}
	{
		g_autoptr(GError) removed = g_error_new_literal(ESC_ERROR, ESC_ERROR_CARD_REMOVED, "x");
		g_autoptr(GError) connect = g_error_new_literal(ESC_ERROR, ESC_ERROR_CONNECT, "x");
		g_autoptr(GError) tls = g_error_new_literal(ESC_ERROR, ESC_ERROR_TLS, "x");
		g_autoptr(GError) cancelled = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
		g_autoptr(GError) other = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "x");

		g_assert_cmpstr(esc_gui_util_error_summary(removed), ==,
				"The smart card was removed before the operation was finished.");
		g_assert_cmpstr(esc_gui_util_error_summary(connect), ==, "The server cannot be reached.");
		g_assert_nonnull(strstr(esc_gui_util_error_advice(tls), "Preferences"));
		g_assert_cmpstr(esc_gui_util_error_summary(cancelled), ==, "The operation was cancelled.");
		g_assert_cmpstr(esc_gui_util_error_summary(other), ==, generic_summary);
		g_assert_cmpstr(esc_gui_util_error_summary(NULL), ==, generic_summary);
		g_assert_cmpstr(esc_gui_util_error_advice(NULL), ==, generic_advice);
	}
}

static void
test_token_texts(void)
{
	g_autoptr(EscToken) token = esc_token_new("Test Reader 00 00", NULL);
	g_autofree gchar *status = esc_gui_util_token_status_text(token);
	g_autofree gchar *owner = esc_gui_util_token_owner(token);

	/* not probed yet: no owner, the "reading" status */
	g_assert_cmpstr(status, ==, esc_token_status_to_label(ESC_TOKEN_STATUS_UNKNOWN));
	g_assert_null(owner);
	esc_token_set_busy(token, TRUE);
	{
		g_autofree gchar *busy = esc_gui_util_token_status_text(token);
		g_assert_cmpstr(busy, ==, "Busy…");
	}
}

int
main(int argc, char **argv)
{
	g_setenv("LANGUAGE", "C", TRUE);
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/esc/gui/util/pin-strength", test_pin_strength);
	g_test_add_func("/esc/gui/util/pin-strength/labels", test_pin_strength_labels);
	g_test_add_func("/esc/gui/util/mnemonic", test_mnemonic);
	g_test_add_func("/esc/gui/util/dn-cn", test_dn_cn);
	g_test_add_func("/esc/gui/util/server-url", test_server_url);
	g_test_add_func("/esc/gui/util/task-labels", test_task_labels);
	g_test_add_func("/esc/gui/util/result-texts", test_result_texts);
	g_test_add_func("/esc/gui/util/error-texts", test_error_texts);
	g_test_add_func("/esc/gui/util/token-texts", test_token_texts);
	return g_test_run();
}
