/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-error.h"
#include "tps-mapping-resolver.h"

#define CUID_LOW  "A0000000000000000000"
#define CUID_HIGH "A00000000000000000FF"

static TpsMappingParams
params_none(void)
{
	TpsMappingParams p = {.applet_major = -1, .applet_minor = -1};
	return p;
}

static gchar *
resolve_ok(TpsMappingResolver *r, const TpsMappingParams *p)
{
	g_autoptr(GError) error = NULL;
	gchar *target = tps_mapping_resolver_resolve(r, p, &error);
	g_assert_no_error(error);
	g_assert_nonnull(target);
	return target;
}

static void
assert_no_match(TpsMappingResolver *r, const TpsMappingParams *p)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *target = tps_mapping_resolver_resolve(r, p, &error);
	g_assert_null(target);
	g_assert_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND);
}

/* A resolver from key-file text holding [m0], [m1], ... in that order. */
static TpsMappingResolver *
resolver_from_text(const gchar *text)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) groups = NULL;
	TpsMappingResolver *r = tps_mapping_resolver_new(TPS_RESOLVER_ENROLL);

	g_assert_true(g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, &error));
	g_assert_no_error(error);
	groups = g_key_file_get_groups(kf, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		g_autoptr(TpsMapping) m = tps_mapping_new_from_key_file(kf, groups[i], i, &error);
		g_assert_no_error(error);
		g_assert_nonnull(m);
		tps_mapping_resolver_append(r, m);
	}
	return r;
}

static void
assert_target(TpsMappingResolver *r, const TpsMappingParams *p, const gchar *want)
{
	g_autofree gchar *target = resolve_ok(r, p);
	g_assert_cmpstr(target, ==, want);
}

static void
test_kind_strings(void)
{
	const gchar *names[] = {"enroll", "format", "pin-reset", "key-set"};
	TpsResolverKind kind = TPS_RESOLVER_ENROLL;

	for (guint i = 0; i < TPS_RESOLVER_KIND_COUNT; i++) {
		g_assert_cmpstr(tps_resolver_kind_to_string((TpsResolverKind)i), ==, names[i]);
		g_assert_true(tps_resolver_kind_from_string(names[i], &kind));
		g_assert_cmpint(kind, ==, i);
	}
	g_assert_false(tps_resolver_kind_from_string("pinReset", &kind));
	g_assert_false(tps_resolver_kind_from_string(NULL, &kind));
}

static void
test_default_enroll(void)
{
	g_autoptr(TpsMappingResolver) r = tps_mapping_resolver_new_default(TPS_RESOLVER_ENROLL);
	TpsMappingParams p = params_none();

	g_assert_cmpint(tps_mapping_resolver_get_kind(r), ==, TPS_RESOLVER_ENROLL);
	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(r), ==, 4);
	g_assert_null(tps_mapping_resolver_get_mapping(r, 4));
	/* 0: {major=1, tokenType=userKey} */
	p.applet_major = 1;
	p.token_type = "userKey";
	assert_target(r, &p, "userKey");
	/* 1: {major=1, tokenType=userKeyEC} (the built-in EC P-256 type) */
	p.token_type = "userKeyEC";
	assert_target(r, &p, "userKeyEC");
	/* 2: {tokenType=soKey} */
	p.token_type = "soKey";
	assert_target(r, &p, "soKey");
	p.applet_major = 0;
	assert_target(r, &p, "soKey");
	/* 3: {} → userKey, whatever the token says (userKeyEC needs applet major 1) */
	p.token_type = "userKeyEC";
	assert_target(r, &p, "userKey");
	p.token_type = "somethingElse";
	assert_target(r, &p, "userKey");
	p = params_none();
	assert_target(r, &p, "userKey");
}

static void
test_default_format(void)
{
	g_autoptr(TpsMappingResolver) r = tps_mapping_resolver_new_default(TPS_RESOLVER_FORMAT);
	const gchar *types[] = {"soCleanUserToken", "soUserKey", "soKey", "userKey", "userKeyEC", "soCleanSOToken", "cleanToken"};
	TpsMappingParams p = params_none();

	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(r), ==, 8);
	for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
		p.token_type = types[i];
		assert_target(r, &p, types[i]);
	}
	p.token_type = "unknownType";
	assert_target(r, &p, "userKey");
	p.token_type = NULL;
	assert_target(r, &p, "userKey");
}

static void
test_default_pin_reset(void)
{
	g_autoptr(TpsMappingResolver) r = tps_mapping_resolver_new_default(TPS_RESOLVER_PIN_RESET);
	TpsMappingParams p = params_none();

	g_assert_cmpuint(tps_mapping_resolver_get_n_mappings(r), ==, 1);
	assert_target(r, &p, "userKey");
	p.token_type = "soKey";
	assert_target(r, &p, "userKey");
}

static void
test_default_key_set(void)
{
	g_autoptr(TpsMappingResolver) r = tps_mapping_resolver_new_default(TPS_RESOLVER_KEY_SET);
	TpsMappingParams p = params_none();

	p.applet_major = 0;
	p.applet_minor = 0;
	assert_target(r, &p, "defKeySet");
	p.applet_major = 1;
	p.applet_minor = 1;
	assert_target(r, &p, "defKeySet");
	/* both versions must match */
	p.applet_minor = 0;
	assert_target(r, &p, "jForte");
	p.applet_major = 0;
	p.applet_minor = 1;
	assert_target(r, &p, "jForte");
	p = params_none();
	assert_target(r, &p, "jForte");
}

static void
test_order(void)
{
	g_autoptr(TpsMappingResolver) first = resolver_from_text("[a]\nfilter.tokenType=userKey\ntarget=first\n"
								 "[b]\ntarget=second\n");
	g_autoptr(TpsMappingResolver) swapped = resolver_from_text("[b]\ntarget=second\n"
								   "[a]\nfilter.tokenType=userKey\ntarget=first\n");
	TpsMappingParams p = params_none();

	p.token_type = "userKey";
	assert_target(first, &p, "first");
	/* the catch-all first: it wins although the later one matches too */
	assert_target(swapped, &p, "second");
	p.token_type = "other";
	assert_target(first, &p, "second");
}

static void
test_all_filters(void)
{
	g_autoptr(TpsMappingResolver) r = resolver_from_text("[m]\n"
							     "filter.appletMajorVersion=1\n"
							     "filter.appletMinorVersion=4\n"
							     "filter.tokenType=userKey\n"
							     "filter.keySet=defKeySet\n"
							     "filter.tokenATR=3BFF1400FF8131FE458025A00000005657534336353003FF\n"
							     "filter.tokenCUID.start=" CUID_LOW "\n"
							     "filter.tokenCUID.end=" CUID_HIGH "\n"
							     "target=all\n");
	TpsMappingParams good = {.applet_major = 1,
				 .applet_minor = 4,
				 .token_type = "userKey",
				 .key_set = "defKeySet",
				 .token_atr = "3BFF1400FF8131FE458025A00000005657534336353003FF",
				 .cuid = "A0000000000000000010"};
	TpsMappingParams p;

	assert_target(r, &good, "all");
	/* each filter alone failing skips the mapping */
	p = good;
	p.applet_major = 2;
	assert_no_match(r, &p);
	p = good;
	p.applet_minor = 5;
	assert_no_match(r, &p);
	p = good;
	p.token_type = "soKey";
	assert_no_match(r, &p);
	p = good;
	p.key_set = "jForte";
	assert_no_match(r, &p);
	p = good;
	p.token_atr = "3B00";
	assert_no_match(r, &p);
	p = good;
	p.cuid = "B0000000000000000000";
	assert_no_match(r, &p);
	/* a filter with a value needs the parameter: unknown never matches */
	p = good;
	p.applet_major = -1;
	assert_no_match(r, &p);
	p = good;
	p.applet_minor = -1;
	assert_no_match(r, &p);
	p = good;
	p.token_type = NULL;
	assert_no_match(r, &p);
	p = good;
	p.key_set = NULL;
	assert_no_match(r, &p);
	p = good;
	p.token_atr = NULL;
	assert_no_match(r, &p);
	p = good;
	p.cuid = NULL;
	assert_no_match(r, &p);
}

static void
test_empty_filter(void)
{
	/* empty values are absent filters: they always pass */
	g_autoptr(TpsMappingResolver) r = resolver_from_text("[m]\n"
							     "filter.appletMajorVersion=\n"
							     "filter.appletMinorVersion=\n"
							     "filter.tokenType=\n"
							     "filter.keySet=\n"
							     "filter.tokenATR=\n"
							     "filter.tokenCUID.start=\n"
							     "filter.tokenCUID.end=\n"
							     "target=any\n");
	const TpsMapping *m = tps_mapping_resolver_get_mapping(r, 0);
	TpsMappingParams p = params_none();
	TpsMappingParams full = {.applet_major = 7,
				 .applet_minor = 9,
				 .token_type = "x",
				 .key_set = "y",
				 .token_atr = "3B00",
				 .cuid = "not a cuid"};

	g_assert_cmpint(m->applet_major, ==, -1);
	g_assert_cmpint(m->applet_minor, ==, -1);
	g_assert_null(m->token_type);
	g_assert_null(m->key_set);
	g_assert_null(m->token_atr);
	g_assert_null(m->cuid_start);
	g_assert_null(m->cuid_end);
	assert_target(r, &p, "any");
	assert_target(r, &full, "any");
}

static void
test_exact_match(void)
{
	g_autoptr(TpsMappingResolver) r = resolver_from_text("[m]\nfilter.tokenType=userKey\nfilter.keySet=defKeySet\n"
							     "filter.tokenATR=3B02AB\nfilter.appletMajorVersion=1\ntarget=t\n");
	TpsMappingParams p = {.applet_major = 1, .applet_minor = -1, .token_type = "userKey", .key_set = "defKeySet", .token_atr = "3B02AB"};
	TpsMappingParams q;

	assert_target(r, &p, "t");
	/* no case folding, no prefixes, no trimming */
	q = p;
	q.token_type = "userkey";
	assert_no_match(r, &q);
	q = p;
	q.token_type = "userKey2";
	assert_no_match(r, &q);
	q = p;
	q.token_type = "user";
	assert_no_match(r, &q);
	q = p;
	q.key_set = "DEFKEYSET";
	assert_no_match(r, &q);
	q = p;
	q.token_atr = "3b02ab";
	assert_no_match(r, &q);
	q = p;
	q.token_atr = "3B02AB00";
	assert_no_match(r, &q);
	q = p;
	q.applet_major = 10;
	assert_no_match(r, &q);
}

static void
test_cuid_range(void)
{
	/* configured in lowercase: normalised, compared case-insensitively */
	g_autoptr(TpsMappingResolver) r = resolver_from_text("[m]\n"
							     "filter.tokenCUID.start=a0000000000000000000\n"
							     "filter.tokenCUID.end=a00000000000000000ff\n"
							     "target=range\n");
	g_autoptr(TpsMappingResolver) from = resolver_from_text("[m]\nfilter.tokenCUID.start=" CUID_HIGH "\ntarget=from\n");
	g_autoptr(TpsMappingResolver) upto = resolver_from_text("[m]\nfilter.tokenCUID.end=" CUID_LOW "\ntarget=upto\n");
	const TpsMapping *m = tps_mapping_resolver_get_mapping(r, 0);
	TpsMappingParams p = params_none();
	const gchar *inside[] = {CUID_LOW, CUID_HIGH, "A0000000000000000080", "a00000000000000000fe", "a00000000000000000FF"};
	const gchar *outside[] = {"9FFFFFFFFFFFFFFFFFFF",
				  "A0000000000000000100",
				  "A00000000000000000FF0", /* 21 digits */
				  "A000000000000000000",   /* 19 digits */
				  "A000000000000000000G",
				  "",
				  NULL};

	g_assert_cmpstr(m->cuid_start, ==, CUID_LOW);
	g_assert_cmpstr(m->cuid_end, ==, CUID_HIGH);
	for (guint i = 0; i < G_N_ELEMENTS(inside); i++) {
		p.cuid = inside[i];
		assert_target(r, &p, "range");
	}
	for (guint i = 0; i < G_N_ELEMENTS(outside); i++) {
		p.cuid = outside[i];
		assert_no_match(r, &p);
	}
	/* one-sided ranges, edges inclusive */
	p.cuid = CUID_HIGH;
	assert_target(from, &p, "from");
	p.cuid = "FFFFFFFFFFFFFFFFFFFF";
	assert_target(from, &p, "from");
	p.cuid = "A00000000000000000FE";
	assert_no_match(from, &p);
	p.cuid = CUID_LOW;
	assert_target(upto, &p, "upto");
	p.cuid = "00000000000000000000";
	assert_target(upto, &p, "upto");
	p.cuid = "A0000000000000000001";
	assert_no_match(upto, &p);
}

static void
test_no_match(void)
{
	g_autoptr(TpsMappingResolver) empty = tps_mapping_resolver_new(TPS_RESOLVER_FORMAT);
	g_autoptr(TpsMappingResolver) r = resolver_from_text("[a]\nfilter.tokenType=a\ntarget=a\n[b]\nfilter.tokenType=b\ntarget=b\n");
	TpsMappingParams p = params_none();

	assert_no_match(empty, &p);
	p.token_type = "c";
	assert_no_match(r, &p);
	p.token_type = "b";
	assert_target(r, &p, "b");
}

static void
test_parse_errors(void)
{
	const gchar *bad[][2] = {
	    {"[m]\nfilter.tokenType=a\n", "m.target: required"},
	    {"[m]\ntarget=\n", "m.target: empty value"},
	    {"[m]\ntarget=a/b\n", "m.target: expected a name"},
	    {"[m]\ntarget=t\nfilter.tokentype=a\n", "m.filter.tokentype: unknown key"},
	    {"[m]\ntarget=t\nfilter.msn=a\n", "m.filter.msn: unknown key"},
	    {"[m]\ntarget=t\nfilter.appletMajorVersion=256\n", "m.filter.appletMajorVersion: expected an integer from 0 to 255"},
	    {"[m]\ntarget=t\nfilter.appletMinorVersion=-1\n", "m.filter.appletMinorVersion: expected an integer"},
	    {"[m]\ntarget=t\nfilter.appletMajorVersion=one\n", "m.filter.appletMajorVersion: expected an integer"},
	    {"[m]\ntarget=t\nfilter.tokenATR=3b00\n", "m.filter.tokenATR: expected uppercase hex"},
	    {"[m]\ntarget=t\nfilter.tokenATR=3B0\n", "m.filter.tokenATR: expected an ATR of 2 to 33 bytes"},
	    {"[m]\ntarget=t\nfilter.tokenCUID.start=A000\n", "m.filter.tokenCUID.start: expected a CUID of 20 hex digits"},
	    {"[m]\ntarget=t\nfilter.tokenCUID.end=A000000000000000000Z\n", "m.filter.tokenCUID.end: expected a CUID"},
	    {"[m]\ntarget=t\nfilter.tokenCUID.start=" CUID_HIGH "\nfilter.tokenCUID.end=" CUID_LOW "\n",
	     "m.filter.tokenCUID.end: before filter.tokenCUID.start"},
	    {"[m]\ntarget=t\nfilter.tokenType=a b\n", "m.filter.tokenType: expected a name"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GKeyFile) kf = g_key_file_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsMapping) m = NULL;

		g_assert_true(g_key_file_load_from_data(kf, bad[i][0], -1, G_KEY_FILE_NONE, NULL));
		m = tps_mapping_new_from_key_file(kf, "m", 0, &error);
		g_assert_null(m);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		if (!g_str_has_prefix(error->message, bad[i][1]))
			g_error("case %u: got \"%s\", want \"%s...\"", i, error->message, bad[i][1]);
	}
	{
		g_autoptr(GKeyFile) kf = g_key_file_new();
		g_autoptr(GError) error = NULL;
		g_autoptr(TpsMapping) m = tps_mapping_new_from_key_file(kf, "absent", 0, &error);
		g_assert_null(m);
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
	}
}

static void
test_save_load(void)
{
	g_autoptr(TpsMappingResolver) r = resolver_from_text("[m]\n"
							     "filter.appletMajorVersion=1\n"
							     "filter.appletMinorVersion=0\n"
							     "filter.tokenType=userKey\n"
							     "filter.keySet=defKeySet\n"
							     "filter.tokenATR=3B02AB\n"
							     "filter.tokenCUID.start=" CUID_LOW "\n"
							     "filter.tokenCUID.end=" CUID_HIGH "\n"
							     "target=all\n");
	const TpsMapping *m = tps_mapping_resolver_get_mapping(r, 0);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsMapping) back = NULL;
	g_autoptr(TpsMapping) copy = tps_mapping_copy(m);

	tps_mapping_save_to_key_file(m, kf, "x");
	back = tps_mapping_new_from_key_file(kf, "x", 5, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->order, ==, 5);
	for (const TpsMapping *const *it = (const TpsMapping *const[]){back, copy, NULL}; *it != NULL; it++) {
		g_assert_cmpint((*it)->applet_major, ==, 1);
		g_assert_cmpint((*it)->applet_minor, ==, 0);
		g_assert_cmpstr((*it)->token_type, ==, "userKey");
		g_assert_cmpstr((*it)->key_set, ==, "defKeySet");
		g_assert_cmpstr((*it)->token_atr, ==, "3B02AB");
		g_assert_cmpstr((*it)->cuid_start, ==, CUID_LOW);
		g_assert_cmpstr((*it)->cuid_end, ==, CUID_HIGH);
		g_assert_cmpstr((*it)->target, ==, "all");
	}
	g_assert_true(G_TYPE_IS_BOXED(TPS_TYPE_MAPPING));
}

static void
test_cuid_valid(void)
{
	g_assert_true(tps_mapping_cuid_is_valid("40906145C76224192D2B"));
	g_assert_true(tps_mapping_cuid_is_valid("40906145c76224192d2b"));
	g_assert_false(tps_mapping_cuid_is_valid("40906145C76224192D2"));
	g_assert_false(tps_mapping_cuid_is_valid("4090-6145-C762-2419-2D2B"));
	g_assert_false(tps_mapping_cuid_is_valid(NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tps/mapping/kind-strings", test_kind_strings);
	g_test_add_func("/tps/mapping/default/enroll", test_default_enroll);
	g_test_add_func("/tps/mapping/default/format", test_default_format);
	g_test_add_func("/tps/mapping/default/pin-reset", test_default_pin_reset);
	g_test_add_func("/tps/mapping/default/key-set", test_default_key_set);
	g_test_add_func("/tps/mapping/rule/order", test_order);
	g_test_add_func("/tps/mapping/rule/all-filters", test_all_filters);
	g_test_add_func("/tps/mapping/rule/empty-filter", test_empty_filter);
	g_test_add_func("/tps/mapping/rule/exact-match", test_exact_match);
	g_test_add_func("/tps/mapping/rule/cuid-range", test_cuid_range);
	g_test_add_func("/tps/mapping/rule/no-match", test_no_match);
	g_test_add_func("/tps/mapping/parse/errors", test_parse_errors);
	g_test_add_func("/tps/mapping/parse/save-load", test_save_load);
	g_test_add_func("/tps/mapping/cuid-valid", test_cuid_valid);
	return g_test_run();
}
