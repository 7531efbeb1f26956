/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-config.h"
#include "tok-bytes.h"

static TksConfig *
load(const gchar *text, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (!g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, error))
		return NULL;
	return tks_config_new(kf, error);
}

static void
params_for(const TksKeySetConfig *ks, TokGpScp scp, TksKeyKind kind, guint8 version, TksDeriveParams *p)
{
	const guint8 kdd[10] = {0};
	const guint8 cuid[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	tks_key_set_config_derive_params(ks, scp, kind, version, kdd, cuid, p);
}

static void
test_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksConfig) config = tks_config_new(NULL, &error);
	const TksKeySetConfig *ks;
	TksDeriveParams p = {0};

	g_assert_no_error(error);
	g_assert_true(config->encrypt_data_random);
	ks = tks_config_get_key_set(config, "defKeySet");
	g_assert_nonnull(ks);
	g_assert_null(tks_config_get_key_set(config, "jForte"));
	g_assert_null(tks_config_get_key_set(config, NULL));
	g_assert_cmpstr(ks->developer_vendor, ==, "defKeySet");
	/* protocol.md 3.4/3.7: NIST SP 800-108 for SCP01/02 masters from version 00 on, EMV
	 * for SCP03, developer keys as they are (SCP03: EMV) */
	params_for(ks, TOK_GP_SCP01, TKS_KEY_KIND_MASTER, 0x01, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_NIST_SP800_108);
	g_assert_cmpint(p.result_type, ==, TOK_GP_KEY_TYPE_DES3);
	g_assert_false(p.context_is_cuid);
	g_assert_cmpuint(p.cuid[9], ==, 10);
	params_for(ks, TOK_GP_SCP02, TKS_KEY_KIND_DEVELOPER, 0x01, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_NONE);
	params_for(ks, TOK_GP_SCP03, TKS_KEY_KIND_MASTER, 0x02, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_EMV);
	g_assert_cmpint(p.result_type, ==, TOK_GP_KEY_TYPE_AES);
	params_for(ks, TOK_GP_SCP03, TKS_KEY_KIND_DEVELOPER, 0x01, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_EMV);
}

static void
test_options(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksConfig) config = load("[tks]\nencrypt-data-random=false\n"
					   "[key-set jForte]\n"
					   "[key-set v]\nnistSP800-108KdfOnKeyVersion=0A\nnistSP800-108KdfUseCuidAsKdd=true\n"
					   "developer-keys=jForte\nprot3.divers=gpkmc\nprot3.diversVer1Keys=none\n"
					   "[key-set o]\nscp01.divers=emv\nscp02.divers=none\ndeveloper-keys=none\n",
					   &error);
	const TksKeySetConfig *ks;
	TksDeriveParams p = {0};

	g_assert_no_error(error);
	g_assert_false(config->encrypt_data_random);
	g_assert_cmpstr(tks_config_get_key_set(config, "jForte")->developer_vendor, ==, "jForte");
	g_assert_null(tks_config_get_key_set(config, "defKeySet"));
	ks = tks_config_get_key_set(config, "v");
	g_assert_cmpstr(ks->developer_vendor, ==, "jForte");
	params_for(ks, TOK_GP_SCP01, TKS_KEY_KIND_MASTER, 0x09, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_VISA2);
	params_for(ks, TOK_GP_SCP02, TKS_KEY_KIND_MASTER, 0x0A, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_NIST_SP800_108);
	g_assert_true(p.context_is_cuid);
	params_for(ks, TOK_GP_SCP03, TKS_KEY_KIND_MASTER, 0x02, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_GPKMC);
	params_for(ks, TOK_GP_SCP03, TKS_KEY_KIND_DEVELOPER, 0x01, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_NONE);
	ks = tks_config_get_key_set(config, "o");
	g_assert_null(ks->developer_vendor);
	params_for(ks, TOK_GP_SCP01, TKS_KEY_KIND_MASTER, 0x02, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_EMV);
	params_for(ks, TOK_GP_SCP02, TKS_KEY_KIND_MASTER, 0x02, &p);
	g_assert_cmpint(p.method, ==, TOK_GP_DIVERSIFY_NONE);
}

static void
test_errors(void)
{
	const gchar *bad[] = {
	    "[tks]\ncolour=blue\n",
	    "[tks]\nencrypt-data-random=perhaps\n",
	    "[somewhere]\n",
	    "[key-set a b]\n",
	    "[key-set ]\n",
	    "[key-set k]\nunknown=1\n",
	    "[key-set k]\ndeveloper-keys=acme\n",
	    "[key-set k]\nnistSP800-108KdfOnKeyVersion=100\n",
	    "[key-set k]\nnistSP800-108KdfOnKeyVersion=zz\n",
	    "[key-set k]\nnistSP800-108KdfUseCuidAsKdd=yes\n",
	    "[key-set k]\nscp01.divers=gpkmc\n",
	    "[key-set k]\nscp02.divers=fancy\n",
	    "[key-set k]\nprot3.divers=nist-sp800-108\n",
	    "[key-set k]\nprot3.diversVer1Keys=gpkmc\n",
	    "[tks]\n",
	};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksConfig) config = load(bad[i], &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CONFIG);
		g_assert_null(config);
		g_assert_cmpuint(tks_error_to_status(error), ==, 6);
	}
}

static void
test_developer_keys(void)
{
	g_autoptr(TokSecret) def = tks_config_get_developer_keys("defKeySet");
	g_autoptr(TokSecret) jforte = tks_config_get_developer_keys("jForte");
	g_autoptr(TokSecret) none = tks_config_get_developer_keys("none");
	g_autofree gchar *hex = NULL;

	g_assert_null(none);
	g_assert_cmpuint(tok_secret_get_size(def), ==, 48);
	hex = tok_hex_encode(tok_secret_get_data(jforte, NULL), 48, TRUE);
	g_assert_cmpstr(hex, ==, "303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F"
				 "505152535455565758595A5B5C5D5E5F");
	g_free(hex);
	hex = tok_hex_encode(tok_secret_get_data(def, NULL), 16, TRUE);
	g_assert_cmpstr(hex, ==, "404142434445464748494A4B4C4D4E4F");
	g_assert_cmpstr(tks_diversification_to_string(TOK_GP_DIVERSIFY_GPKMC), ==, "gpkmc");
	g_assert_cmpstr(tks_diversification_to_string((TokGpDiversification)77), ==, "unknown");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tks/config/defaults", test_defaults);
	g_test_add_func("/tks/config/options", test_options);
	g_test_add_func("/tks/config/errors", test_errors);
	g_test_add_func("/tks/config/developer-keys", test_developer_keys);
	return g_test_run();
}
