/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-error.h"
#include "tps-token-state.h"

/* The default lists, as (from, to) pairs. */
static const guint8 manual_pairs[][2] = {
    {0, 1}, {0, 2}, {0, 3}, {0, 6}, {3, 2}, {3, 6}, {4, 1}, {4, 2}, {4, 3}, {4, 6}, {6, 7},
};
static const guint8 operation_pairs[][2] = {{0, 0}, {0, 4}, {4, 4}, {4, 0}, {7, 0}};

static gboolean
pair_listed(const guint8 (*pairs)[2], gsize n, TpsTokenStatus from, TpsTokenStatus to)
{
	for (gsize i = 0; i < n; i++) {
		if (pairs[i][0] == (guint8)from && pairs[i][1] == (guint8)to)
			return TRUE;
	}
	return FALSE;
}

static void
test_status_names(void)
{
	const struct {
		TpsTokenStatus s;
		gint code;
		const gchar *name;
		const gchar *label;
	} want[] = {
	    {TPS_TOKEN_STATUS_FORMATTED, 0, "FORMATTED", "Formatted (uninitialized)"},
	    {TPS_TOKEN_STATUS_DAMAGED, 1, "DAMAGED", "Physically damaged"},
	    {TPS_TOKEN_STATUS_PERM_LOST, 2, "PERM_LOST", "Permanently lost"},
	    {TPS_TOKEN_STATUS_SUSPENDED, 3, "SUSPENDED", "Suspended (temporarily lost)"},
	    {TPS_TOKEN_STATUS_ACTIVE, 4, "ACTIVE", "Active"},
	    {TPS_TOKEN_STATUS_TERMINATED, 6, "TERMINATED", "Terminated"},
	    {TPS_TOKEN_STATUS_UNFORMATTED, 7, "UNFORMATTED", "Unformatted"},
	};
	g_assert_cmpuint(G_N_ELEMENTS(want), ==, TPS_TOKEN_STATUS_N_VALUES);
	for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
		g_autoptr(GError) error = NULL;
		TpsTokenStatus s = TPS_TOKEN_STATUS_UNFORMATTED;
		g_autofree gchar *code = g_strdup_printf("%d", want[i].code);
		g_autofree gchar *lower = g_ascii_strdown(want[i].name, -1);

		g_assert_cmpint((gint)want[i].s, ==, want[i].code);
		g_assert_cmpint((gint)tps_token_status_values[i], ==, want[i].code);
		g_assert_cmpstr(tps_token_status_to_string(want[i].s), ==, want[i].name);
		g_assert_cmpstr(tps_token_status_label(want[i].s), ==, want[i].label);
		g_assert_true(tps_token_status_is_valid(want[i].code));
		g_assert_true(tps_token_status_from_int(want[i].code, &s, &error));
		g_assert_no_error(error);
		g_assert_cmpint(s, ==, want[i].s);
		s = TPS_TOKEN_STATUS_UNFORMATTED;
		g_assert_true(tps_token_status_from_string(code, &s, &error));
		g_assert_cmpint(s, ==, want[i].s);
		s = TPS_TOKEN_STATUS_UNFORMATTED;
		g_assert_true(tps_token_status_from_string(lower, &s, &error));
		g_assert_no_error(error);
		g_assert_cmpint(s, ==, want[i].s);
	}
	g_assert_cmpstr(tps_token_status_to_string((TpsTokenStatus)5), ==, "INVALID");
	g_assert_cmpstr(tps_token_status_label((TpsTokenStatus)5), ==, "Invalid");
}

static void
test_status_invalid(void)
{
	const gint bad_ints[] = {5, -1, 8, 100, G_MININT, G_MAXINT};
	const gchar *bad_text[] = {"", "5", "8", "-1", "04", "TEMP_LOST_PERM_LOST", "ACTIVE ", "x"};
	for (guint i = 0; i < G_N_ELEMENTS(bad_ints); i++) {
		g_autoptr(GError) error = NULL;
		TpsTokenStatus s = TPS_TOKEN_STATUS_ACTIVE;
		g_assert_false(tps_token_status_is_valid(bad_ints[i]));
		g_assert_false(tps_token_status_from_int(bad_ints[i], &s, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		g_assert_cmpint(s, ==, TPS_TOKEN_STATUS_ACTIVE);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_text); i++) {
		g_autoptr(GError) error = NULL;
		TpsTokenStatus s = TPS_TOKEN_STATUS_ACTIVE;
		g_assert_false(tps_token_status_from_string(bad_text[i], &s, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	}
	{
		g_autoptr(GError) error = NULL;
		TpsTokenStatus s = TPS_TOKEN_STATUS_ACTIVE;
		g_assert_false(tps_token_status_from_string(NULL, &s, &error));
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
	}
}

static void
test_transition_labels(void)
{
	g_assert_cmpstr(tps_token_transition_label(TPS_TOKEN_STATUS_FORMATTED,
						   TPS_TOKEN_STATUS_DAMAGED),
			==,
			"This token has been physically damaged.");
	g_assert_cmpstr(tps_token_transition_label(TPS_TOKEN_STATUS_ACTIVE,
						   TPS_TOKEN_STATUS_SUSPENDED),
			==,
			"This token has been suspended (temporarily lost).");
	g_assert_cmpstr(tps_token_transition_label(TPS_TOKEN_STATUS_SUSPENDED,
						   TPS_TOKEN_STATUS_PERM_LOST),
			==,
			"This suspended (temporarily lost) token has become permanently lost.");
	g_assert_cmpstr(tps_token_transition_label(TPS_TOKEN_STATUS_SUSPENDED,
						   TPS_TOKEN_STATUS_ACTIVE),
			==,
			"This suspended (temporarily lost) token has been found.");
	g_assert_cmpstr(tps_token_transition_label(TPS_TOKEN_STATUS_SUSPENDED,
						   TPS_TOKEN_STATUS_FORMATTED),
			==,
			"This suspended (temporarily lost) token has been found.");
	g_assert_cmpstr(tps_token_transition_label(TPS_TOKEN_STATUS_TERMINATED,
						   TPS_TOKEN_STATUS_UNFORMATTED),
			==,
			"Reuse this token.");
	/* every manual transition and both automatic ones have a label */
	for (guint i = 0; i < G_N_ELEMENTS(manual_pairs); i++)
		g_assert_nonnull(tps_token_transition_label(manual_pairs[i][0], manual_pairs[i][1]));
	g_assert_null(tps_token_transition_label(TPS_TOKEN_STATUS_UNFORMATTED,
						 TPS_TOKEN_STATUS_ACTIVE));
	g_assert_null(tps_token_transition_label(TPS_TOKEN_STATUS_DAMAGED,
						 TPS_TOKEN_STATUS_FORMATTED));
}

/* All 7 x 7 pairs against one default list: exactly the listed ones are allowed. */
static void
check_all_pairs(const TpsTransitions *t, const guint8 (*pairs)[2], gsize n)
{
	guint n_allowed = 0;
	g_assert_cmpuint(tps_transitions_get_size(t), ==, n);
	for (guint i = 0; i < TPS_TOKEN_STATUS_N_VALUES; i++) {
		for (guint j = 0; j < TPS_TOKEN_STATUS_N_VALUES; j++) {
			TpsTokenStatus from = tps_token_status_values[i];
			TpsTokenStatus to = tps_token_status_values[j];
			gboolean want = pair_listed(pairs, n, from, to);
			if (g_test_verbose())
				g_test_message("%d:%d %s", from, to, want ? "allowed" : "refused");
			g_assert_cmpint(tps_transitions_allows(t, from, to), ==, want);
			n_allowed += want ? 1 : 0;
		}
	}
	g_assert_cmpuint(n_allowed, ==, n);
	/* codes outside the states are never allowed */
	g_assert_false(tps_transitions_allows(t, (TpsTokenStatus)5, TPS_TOKEN_STATUS_FORMATTED));
	g_assert_false(tps_transitions_allows(t, TPS_TOKEN_STATUS_FORMATTED, (TpsTokenStatus)5));
	g_assert_false(tps_transitions_allows(t, (TpsTokenStatus)9, (TpsTokenStatus)9));
	g_assert_false(tps_transitions_allows(t, (TpsTokenStatus)-1, TPS_TOKEN_STATUS_FORMATTED));
}

static void
test_default_manual(void)
{
	g_autoptr(TpsTransitions) t = tps_transitions_new_default_manual();
	g_autofree gchar *s = tps_transitions_to_string(t);
	check_all_pairs(t, manual_pairs, G_N_ELEMENTS(manual_pairs));
	g_assert_cmpstr(s, ==, "0:1,0:2,0:3,0:6,3:2,3:6,4:1,4:2,4:3,4:6,6:7");
	g_assert_false(tps_transitions_allows(NULL, TPS_TOKEN_STATUS_FORMATTED,
					      TPS_TOKEN_STATUS_DAMAGED));
}

static void
test_default_operations(void)
{
	g_autoptr(TpsTransitions) t = tps_transitions_new_default_operations();
	g_autofree gchar *s = tps_transitions_to_string(t);
	check_all_pairs(t, operation_pairs, G_N_ELEMENTS(operation_pairs));
	g_assert_cmpstr(s, ==, "0:0,0:4,4:4,4:0,7:0");
}

/* The manual rule (list + the automatic 3:0 / 3:4) for all pairs and every previous state. */
static void
test_manual_change_rule(void)
{
	g_autoptr(TpsTransitions) t = tps_transitions_new_default_manual();
	for (guint i = 0; i < TPS_TOKEN_STATUS_N_VALUES; i++) {
		for (guint j = 0; j < TPS_TOKEN_STATUS_N_VALUES; j++) {
			for (guint k = 0; k < TPS_TOKEN_STATUS_N_VALUES; k++) {
				TpsTokenStatus from = tps_token_status_values[i];
				TpsTokenStatus to = tps_token_status_values[j];
				TpsTokenStatus prev = tps_token_status_values[k];
				g_autoptr(GError) error = NULL;
				gboolean want = pair_listed(manual_pairs,
							    G_N_ELEMENTS(manual_pairs),
							    from,
							    to);
				gboolean got;
				if (from == TPS_TOKEN_STATUS_SUSPENDED &&
				    (to == TPS_TOKEN_STATUS_FORMATTED ||
				     to == TPS_TOKEN_STATUS_ACTIVE) &&
				    to == prev)
					want = TRUE;
				got = tps_token_status_check_manual_change(t, from, prev, to, &error);
				g_assert_cmpint(got, ==, want);
				if (want) {
					g_assert_no_error(error);
				} else {
					g_autofree gchar *pair = g_strdup_printf("%d:%d", from, to);
					g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
					g_assert_nonnull(strstr(error->message, pair));
				}
			}
		}
	}
}

static void
test_operation_change_rule(void)
{
	g_autoptr(TpsTransitions) t = tps_transitions_new_default_operations();
	for (guint i = 0; i < TPS_TOKEN_STATUS_N_VALUES; i++) {
		for (guint j = 0; j < TPS_TOKEN_STATUS_N_VALUES; j++) {
			TpsTokenStatus from = tps_token_status_values[i];
			TpsTokenStatus to = tps_token_status_values[j];
			g_autoptr(GError) error = NULL;
			gboolean want = pair_listed(operation_pairs,
						    G_N_ELEMENTS(operation_pairs),
						    from,
						    to);
			g_assert_cmpint(tps_token_status_check_operation_change(t, from, to, &error),
					==,
					want);
			if (want)
				g_assert_no_error(error);
			else
				g_assert_error(error, TPS_ERROR, TPS_ERROR_TRANSITION);
		}
	}
}

static void
test_parse_defaults_round_trip(void)
{
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(TpsTransitions) ops = tps_transitions_new_default_operations();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsTransitions) m2 = NULL;
	g_autoptr(TpsTransitions) o2 = NULL;
	g_autoptr(TpsTransitions) spaced = NULL;
	g_autoptr(TpsTransitions) copy = NULL;
	g_autofree gchar *ms = tps_transitions_to_string(manual);
	g_autofree gchar *os = tps_transitions_to_string(ops);
	g_autofree gchar *os2 = NULL;

	m2 = tps_transitions_parse(ms, manual, &error);
	g_assert_no_error(error);
	g_assert_true(tps_transitions_equal(m2, manual));
	o2 = tps_transitions_parse(os, ops, &error);
	g_assert_no_error(error);
	g_assert_true(tps_transitions_equal(o2, ops));
	os2 = tps_transitions_to_string(o2);
	g_assert_cmpstr(os2, ==, "0:0,0:4,4:4,4:0,7:0");
	/* spaces around items, any order */
	spaced = tps_transitions_parse("  7:0 , 4:0,4:4,0:4 ,0:0 ", ops, &error);
	g_assert_no_error(error);
	g_assert_true(tps_transitions_equal(spaced, ops));
	copy = tps_transitions_copy(spaced);
	g_assert_true(tps_transitions_equal(copy, ops));
	g_assert_false(tps_transitions_equal(copy, manual));
}

/* Configuration may remove transitions: every single default pair alone, and some subsets. */
static void
test_parse_remove(void)
{
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(TpsTransitions) ops = tps_transitions_new_default_operations();
	const struct {
		const TpsTransitions *defaults;
		const guint8 (*pairs)[2];
		gsize n;
	} lists[] = {
	    {manual, manual_pairs, G_N_ELEMENTS(manual_pairs)},
	    {ops, operation_pairs, G_N_ELEMENTS(operation_pairs)},
	};

	for (guint l = 0; l < G_N_ELEMENTS(lists); l++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) empty = tps_transitions_parse("", lists[l].defaults, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(tps_transitions_get_size(empty), ==, 0);
		check_all_pairs(empty, lists[l].pairs, 0);

		for (gsize i = 0; i < lists[l].n; i++) {
			g_autofree gchar *one = g_strdup_printf("%u:%u",
								lists[l].pairs[i][0],
								lists[l].pairs[i][1]);
			g_autoptr(TpsTransitions) t = tps_transitions_parse(one, lists[l].defaults, &error);
			g_autoptr(GString) rest = g_string_new(NULL);
			g_autoptr(TpsTransitions) without = NULL;
			g_autofree gchar *back = NULL;

			g_assert_no_error(error);
			check_all_pairs(t, &lists[l].pairs[i], 1);
			back = tps_transitions_to_string(t);
			g_assert_cmpstr(back, ==, one);

			/* the whole list minus this pair: it alone is refused now */
			for (gsize j = 0; j < lists[l].n; j++) {
				if (j == i)
					continue;
				g_string_append_printf(rest,
						       "%s%u:%u",
						       rest->len > 0 ? "," : "",
						       lists[l].pairs[j][0],
						       lists[l].pairs[j][1]);
			}
			without = tps_transitions_parse(rest->str, lists[l].defaults, &error);
			g_assert_no_error(error);
			g_assert_cmpuint(tps_transitions_get_size(without), ==, lists[l].n - 1);
			for (gsize j = 0; j < lists[l].n; j++) {
				g_assert_cmpint(tps_transitions_allows(without,
								       lists[l].pairs[j][0],
								       lists[l].pairs[j][1]),
						==,
						j != i);
			}
		}
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse("4:3,3:6", manual, &error);
		g_assert_no_error(error);
		g_assert_true(tps_transitions_allows(t, TPS_TOKEN_STATUS_ACTIVE,
						     TPS_TOKEN_STATUS_SUSPENDED));
		g_assert_true(tps_transitions_allows(t, TPS_TOKEN_STATUS_SUSPENDED,
						     TPS_TOKEN_STATUS_TERMINATED));
		g_assert_false(tps_transitions_allows(t, TPS_TOKEN_STATUS_ACTIVE,
						      TPS_TOKEN_STATUS_TERMINATED));
	}
}

/* Configuration can never add: every pair outside each default list is rejected, named. */
static void
test_parse_add_rejected(void)
{
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	g_autoptr(TpsTransitions) ops = tps_transitions_new_default_operations();
	const TpsTransitions *defaults[] = {manual, ops};
	guint n_rejected = 0;

	for (guint l = 0; l < G_N_ELEMENTS(defaults); l++) {
		for (guint i = 0; i < TPS_TOKEN_STATUS_N_VALUES; i++) {
			for (guint j = 0; j < TPS_TOKEN_STATUS_N_VALUES; j++) {
				TpsTokenStatus from = tps_token_status_values[i];
				TpsTokenStatus to = tps_token_status_values[j];
				g_autofree gchar *pair = g_strdup_printf("%d:%d", from, to);
				/* with a valid pair in front, so the bad one is not the first */
				g_autofree gchar *text = g_strdup_printf("%s,%s",
									 l == 0 ? "0:1" : "0:0",
									 pair);
				g_autoptr(GError) error = NULL;
				g_autoptr(TpsTransitions) t = NULL;
				if (tps_transitions_allows(defaults[l], from, to))
					continue;
				t = tps_transitions_parse(text, defaults[l], &error);
				g_assert_null(t);
				g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
				g_assert_nonnull(strstr(error->message, pair));
				g_assert_nonnull(strstr(error->message, "not in the default list"));
				g_assert_nonnull(strstr(error->message, tps_token_status_to_string(from)));
				n_rejected++;
			}
		}
	}
	g_assert_cmpuint(n_rejected, ==, (49 - 11) + (49 - 5));
	{
		/* the example of a pair Dogtag's own CS.cfg has but the default here lacks */
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse("0:1,7:4,4:1", manual, &error);
		g_assert_null(t);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		g_assert_cmpstr(error->message,
				==,
				"transition 7:4 (UNFORMATTED to ACTIVE) is not in the default list: "
				"configuration may remove transitions, never add one");
	}
	{
		/* without defaults anything valid goes */
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse("7:4,2:2", NULL, &error);
		g_assert_no_error(error);
		g_assert_true(tps_transitions_allows(t, TPS_TOKEN_STATUS_UNFORMATTED,
						     TPS_TOKEN_STATUS_ACTIVE));
	}
}

static void
test_parse_garbage(void)
{
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	const gchar *bad[] = {
	    "0-1",     "0:",	  ":1",	       "0:1,",	  ",0:1",      "0:1,,0:2", "0:5", "5:0",
	    "8:0",     "0:8",	  "a:b",       "00:1",	  "0:01",      "0:1:2",	   "0:1,0:1", "0 :1",
	    "0: 1",    ":",	  ",",	       "0:1;0:2", "-1:0",      "0:-1",	   "\xff:1", "0:1\xc3",
	    "+0:1",	  "0x0:1",     "٣:1",	  "0:1 0:2",
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse(bad[i], manual, &error);
		if (g_test_verbose())
			g_test_message("'%s': %s", bad[i], error != NULL ? error->message : "(ok)");
		g_assert_null(t);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	}
	{
		/* surrounding whitespace is stripped */
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse("\t0:1\n", manual, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(tps_transitions_get_size(t), ==, 1);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse(NULL, manual, &error);
		g_assert_null(t);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	}
	{
		/* far too long */
		g_autoptr(GString) s = g_string_new("0:1");
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = NULL;
		while (s->len < 10000)
			g_string_append(s, ",0:1");
		t = tps_transitions_parse(s->str, NULL, &error);
		g_assert_null(t);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	}
	{
		/* duplicates are named */
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = tps_transitions_parse("4:3,0:1,4:3", manual, &error);
		g_assert_null(t);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		g_assert_nonnull(strstr(error->message, "4:3"));
	}
}

/* Random strings over the list alphabet: never a crash, either a set or a CONFIG error. */
static void
test_parse_random(void)
{
	const gchar alphabet[] = "0123456789:,, \t;x\xc3";
	g_autoptr(TpsTransitions) manual = tps_transitions_new_default_manual();
	for (guint round = 0; round < 20000; round++) {
		gchar buf[24];
		guint len = (guint)g_test_rand_int_range(0, sizeof(buf));
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsTransitions) t = NULL;
		for (guint i = 0; i < len; i++)
			buf[i] = alphabet[g_test_rand_int_range(0, sizeof(alphabet) - 1)];
		buf[len] = '\0';
		t = tps_transitions_parse(buf, round % 2 == 0 ? manual : NULL, &error);
		if (t == NULL) {
			g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		} else {
			g_autofree gchar *s = tps_transitions_to_string(t);
			g_autoptr(TpsTransitions) back = tps_transitions_parse(s, NULL, &error);
			g_assert_no_error(error);
			g_assert_true(tps_transitions_equal(back, t));
		}
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/token-state/status/names", test_status_names);
	g_test_add_func("/tps/token-state/status/invalid", test_status_invalid);
	g_test_add_func("/tps/token-state/transition/labels", test_transition_labels);
	g_test_add_func("/tps/token-state/transitions/default-manual", test_default_manual);
	g_test_add_func("/tps/token-state/transitions/default-operations", test_default_operations);
	g_test_add_func("/tps/token-state/transitions/manual-rule", test_manual_change_rule);
	g_test_add_func("/tps/token-state/transitions/operation-rule", test_operation_change_rule);
	g_test_add_func("/tps/token-state/parse/round-trip", test_parse_defaults_round_trip);
	g_test_add_func("/tps/token-state/parse/remove", test_parse_remove);
	g_test_add_func("/tps/token-state/parse/add-rejected", test_parse_add_rejected);
	g_test_add_func("/tps/token-state/parse/garbage", test_parse_garbage);
	g_test_add_func("/tps/token-state/parse/random", test_parse_random);
	return g_test_run();
}
