/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-error.h"
#include "tps-token-policy.h"

#define DEFAULT_TEXT "RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=NO;RESET_PIN_RESET_TO_NO=NO"

static void
test_default(void)
{
	g_autoptr(TpsTokenPolicy) p = tps_token_policy_new_default();
	g_autofree gchar *s = tps_token_policy_to_string(p);

	g_assert_cmpstr(s, ==, DEFAULT_TEXT);
	g_assert_true(tps_token_policy_get(p, TPS_TOKEN_POLICY_RE_ENROLL));
	g_assert_false(tps_token_policy_get(p, TPS_TOKEN_POLICY_RENEW));
	g_assert_false(tps_token_policy_get(p, TPS_TOKEN_POLICY_FORCE_FORMAT));
	g_assert_false(tps_token_policy_get(p, TPS_TOKEN_POLICY_PIN_RESET));
	g_assert_false(tps_token_policy_get(p, TPS_TOKEN_POLICY_RESET_PIN_RESET_TO_NO));
	g_assert_true(tps_token_policy_get(p, TPS_TOKEN_POLICY_RENEW_KEEP_OLD_ENC_CERTS));
	/* keys are case-insensitive; unknown keys are FALSE */
	g_assert_true(tps_token_policy_get(p, "re_enroll"));
	g_assert_false(tps_token_policy_get(p, "NO_SUCH_KEY"));
	g_assert_false(tps_token_policy_get(p, ""));
	g_assert_false(tps_token_policy_get(p, NULL));
	g_assert_true(tps_token_policy_is_known_key("Pin_Reset"));
	g_assert_false(tps_token_policy_is_known_key("PIN"));
}

static void
test_parse_defaults_text(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenPolicy) def = tps_token_policy_new_default();
	g_autoptr(TpsTokenPolicy) p = tps_token_policy_parse(DEFAULT_TEXT, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(tps_token_policy_equal(p, def));
}

/* A per-token override applies on top of the configured default set. */
static void
test_override(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTokenPolicy) base = NULL;
	g_autoptr(TpsTokenPolicy) token = NULL;
	g_autofree gchar *s = NULL;

	/* configured default: no re-enroll, renew */
	base = tps_token_policy_parse("RE_ENROLL=NO;RENEW=YES", NULL, &error);
	g_assert_no_error(error);
	g_assert_false(tps_token_policy_get(base, "RE_ENROLL"));
	g_assert_true(tps_token_policy_get(base, "RENEW"));
	g_assert_false(tps_token_policy_get(base, "PIN_RESET"));

	/* the token's record: PIN reset allowed, once (lowercase key and value, spaces) */
	token = tps_token_policy_parse(" pin_reset = yes ; Reset_Pin_Reset_To_No=Yes;", base, &error);
	g_assert_no_error(error);
	g_assert_false(tps_token_policy_get(token, "RE_ENROLL"));
	g_assert_true(tps_token_policy_get(token, "RENEW"));
	g_assert_true(tps_token_policy_get(token, "PIN_RESET"));
	g_assert_true(tps_token_policy_get(token, "RESET_PIN_RESET_TO_NO"));
	g_assert_false(tps_token_policy_get(token, "FORCE_FORMAT"));
	s = tps_token_policy_to_string(token);
	g_assert_cmpstr(s,
			==,
			"RE_ENROLL=NO;RENEW=YES;FORCE_FORMAT=NO;PIN_RESET=YES;"
			"RESET_PIN_RESET_TO_NO=YES");
	/* base untouched */
	g_assert_false(tps_token_policy_get(base, "PIN_RESET"));

	/* NULL or empty override: the base */
	{
		g_autoptr(TpsTokenPolicy) same = tps_token_policy_parse(NULL, base, &error);
		g_autoptr(TpsTokenPolicy) empty = tps_token_policy_parse("  ", base, &error);
		g_assert_no_error(error);
		g_assert_true(tps_token_policy_equal(same, base));
		g_assert_true(tps_token_policy_equal(empty, base));
	}
}

static void
test_set_and_round_trip(void)
{
	g_autoptr(TpsTokenPolicy) p = tps_token_policy_new_default();
	g_autoptr(TpsTokenPolicy) copy = NULL;
	g_autoptr(TpsTokenPolicy) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *s = NULL;

	tps_token_policy_set(p, "pin_reset", TRUE);
	tps_token_policy_set(p, TPS_TOKEN_POLICY_RE_ENROLL, FALSE);
	tps_token_policy_set(p, TPS_TOKEN_POLICY_RENEW_KEEP_OLD_ENC_CERTS, FALSE);
	copy = tps_token_policy_copy(p);
	g_assert_true(tps_token_policy_equal(copy, p));
	s = tps_token_policy_to_string(p);
	g_assert_cmpstr(s,
			==,
			"RE_ENROLL=NO;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;"
			"RESET_PIN_RESET_TO_NO=NO;RENEW_KEEP_OLD_ENC_CERTS=NO");
	back = tps_token_policy_parse(s, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(tps_token_policy_equal(back, p));

	/* every combination of the six switches round-trips */
	for (guint bits = 0; bits < 64; bits++) {
		const gchar *keys[] = {"RE_ENROLL", "RENEW", "FORCE_FORMAT", "PIN_RESET",
				       "RESET_PIN_RESET_TO_NO", "RENEW_KEEP_OLD_ENC_CERTS"};
		g_autoptr(TpsTokenPolicy) q = tps_token_policy_new_default();
		g_autoptr(TpsTokenPolicy) r = NULL;
		g_autofree gchar *t = NULL;
		for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
			tps_token_policy_set(q, keys[k], (bits >> k) & 1);
		t = tps_token_policy_to_string(q);
		r = tps_token_policy_parse(t, NULL, &error);
		g_assert_no_error(error);
		g_assert_true(tps_token_policy_equal(r, q));
		for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
			g_assert_cmpint(tps_token_policy_get(r, keys[k]), ==, (bits >> k) & 1);
	}
}

static void
test_parse_garbage(void)
{
	const struct {
		const gchar *text;
		const gchar *named; /* must appear in the message */
	} bad[] = {
	    {"RE_ENROLL", "RE_ENROLL"},
	    {"RE_ENROLL=", "RE_ENROLL"},
	    {"RE_ENROLL=MAYBE", "MAYBE"},
	    {"RE_ENROLL=TRUE", "TRUE"},
	    {"RE_ENROLL=1", "RE_ENROLL"},
	    {"FOO=YES", "FOO"},
	    {"=YES", "''"},
	    {"RE_ENROLL=YES;;RENEW=NO", "empty"},
	    {";", ";"},
	    {";RENEW=NO", "empty"},
	    {"RENEW=NO;;", "empty"},
	    {"RENEW=NO;renew=YES", "RENEW"},
	    {"RENEW=NO,PIN_RESET=YES", "RENEW"},
	    {"RENEW==NO", "=NO"},
	    {"PIN_RESET=YES=NO", "PIN_RESET"},
	    {"PIN RESET=YES", "PIN RESET"},
	    {"RENEW=N\xc3", "UTF-8"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTokenPolicy) p = tps_token_policy_parse(bad[i].text, NULL, &error);
		if (g_test_verbose())
			g_test_message("'%s': %s", bad[i].text, error != NULL ? error->message : "(ok)");
		g_assert_null(p);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		g_assert_nonnull(strstr(error->message, bad[i].named));
	}
	{
		g_autoptr(GString) s = g_string_new("RENEW=NO");
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTokenPolicy) p = NULL;
		while (s->len < 2000)
			g_string_append(s, ";RENEW=NO");
		p = tps_token_policy_parse(s->str, NULL, &error);
		g_assert_null(p);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	}
}

static void
test_parse_random(void)
{
	const gchar *parts[] = {"RE_ENROLL", "renew", "PIN_RESET", "=", ";", "YES", "no", " ",
				"X", "\xc3", "FORCE_FORMAT", "=YES"};
	for (guint round = 0; round < 20000; round++) {
		g_autoptr(GString) s = g_string_new(NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTokenPolicy) p = NULL;
		guint n = (guint)g_test_rand_int_range(0, 8);
		for (guint i = 0; i < n; i++)
			g_string_append(s, parts[g_test_rand_int_range(0, G_N_ELEMENTS(parts))]);
		p = tps_token_policy_parse(s->str, NULL, &error);
		if (p == NULL) {
			g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		} else {
			g_autofree gchar *t = tps_token_policy_to_string(p);
			g_autoptr(TpsTokenPolicy) back = tps_token_policy_parse(t, NULL, &error);
			g_assert_no_error(error);
			g_assert_true(tps_token_policy_equal(back, p));
		}
	}
}

static void
test_set_unknown_key(void)
{
	if (g_test_subprocess()) {
		g_autoptr(TpsTokenPolicy) p = tps_token_policy_new_default();
		tps_token_policy_set(p, "NO_SUCH_KEY", TRUE);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_failed();
	g_test_trap_assert_stderr("*CRITICAL*");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/token-policy/default", test_default);
	g_test_add_func("/tps/token-policy/parse/default-text", test_parse_defaults_text);
	g_test_add_func("/tps/token-policy/parse/override", test_override);
	g_test_add_func("/tps/token-policy/set-round-trip", test_set_and_round_trip);
	g_test_add_func("/tps/token-policy/parse/garbage", test_parse_garbage);
	g_test_add_func("/tps/token-policy/parse/random", test_parse_random);
	g_test_add_func("/tps/token-policy/set/unknown-key", test_set_unknown_key);
	return g_test_run();
}
