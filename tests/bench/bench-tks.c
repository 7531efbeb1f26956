/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark (meson test --benchmark): secure-channel openings per second as the TKS does them
 * (card static keys derived in the key store, session keys, card cryptogram checked, host
 * cryptogram) for SCP01, SCP02 and SCP03 and each key store, against a simulated card
 * response; the same work done directly with libtok-gp in memory is the baseline, measured in
 * the same run. Prints ops/s and the TKS/baseline ratio.
 *
 * Key stores: the file store always; the PKCS#11 store when this build has it, on a SoftHSM2
 * token created for the run (or the one named by TKS_BENCH_PKCS11_SPEC with the PIN in
 * TKS_BENCH_PKCS11_PIN). TKS_BENCH_SECONDS sets the time per measurement (default 0.5).
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "tks-key-store-file.h"
#include "tks-service.h"
#include "tok-bytes.h"
#include "tok-gp-session.h"

#define MASTER "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"

typedef struct {
	TokGpScp scp;
	TokGpDiversification method;
	TokGpKeyType result;
	GBytes *hc;
	GBytes *resp;
} Scenario;

static const guint8 bench_kdd[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
static const guint8 bench_cuid[10] = {0xA0, 0x01, 0x92, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xC9};

static TokSecret *
master_secret(void)
{
	g_autoptr(GBytes) b = tok_hex_decode(MASTER, TOK_HEX_FLAG_NONE, NULL);
	return tok_secret_new_from_data(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

/* The card's INITIALIZE UPDATE response for @s, from the card side of libtok-gp. */
static void
scenario_init(TokGpCrypto *crypto, Scenario *s)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) master = master_secret();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_derive(crypto, s->method, TOK_GP_KEY_TYPE_DES3, master, bench_kdd, NULL, 0, bench_cuid, s->result, &error);
	const guint8 iu[] = {0x80, 0x50, 0x02, 0x00, 0x08, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
	const guint8 cc[8] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7};
	TokGpCardParams params = {.scp = s->scp,
				  .i_param = s->scp == TOK_GP_SCP03 ? 0x70 : 0x00,
				  .key_version = 0x02,
				  .sequence_counter = 7,
				  .card_challenge = cc};
	g_autoptr(TokGpSession) card = NULL;

	g_assert_no_error(error);
	for (guint i = 0; i < 10; i++)
		params.kdd[i] = bench_kdd[i];
	card = tok_gp_session_new_card(crypto, keys, &params, iu, sizeof(iu), &error);
	g_assert_no_error(error);
	s->hc = g_bytes_new(iu + 5, 8);
	s->resp = tok_gp_session_get_initialize_update_response(card);
}

static gdouble
bench_seconds(void)
{
	const gchar *env = g_getenv("TKS_BENCH_SECONDS");
	gdouble v = env != NULL ? g_ascii_strtod(env, NULL) : 0.5;
	return v > 0 ? v : 0.5;
}

/* Openings per second through the TKS. */
static gdouble
run_tks(TksService *service, const Scenario *s)
{
	g_autoptr(GBytes) cuid = g_bytes_new(bench_cuid, 10);
	TksSessionRequest req = {.key_set = "defKeySet", .cuid = cuid, .host_challenge = s->hc, .card_response = s->resp};
	gint64 start = g_get_monotonic_time();
	gint64 end = start + (gint64)(bench_seconds() * G_USEC_PER_SEC);
	guint64 n = 0;

	while (g_get_monotonic_time() < end) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksSessionResult) result = tks_service_compute_session_keys(service, &req, &error);
		g_assert_no_error(error);
		g_assert_nonnull(result);
		n++;
	}
	return (gdouble)n * G_USEC_PER_SEC / (gdouble)(g_get_monotonic_time() - start);
}

/* The same work in memory with libtok-gp: derive, session keys + card cryptogram check,
 * host cryptogram. */
static gdouble
run_baseline(TokGpCrypto *crypto, const Scenario *s)
{
	g_autoptr(TokSecret) master = master_secret();
	gint64 start = g_get_monotonic_time();
	gint64 end = start + (gint64)(bench_seconds() * G_USEC_PER_SEC);
	guint64 n = 0;

	while (g_get_monotonic_time() < end) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TokGpKeySet) keys = tok_gp_key_set_derive(crypto, s->method, TOK_GP_KEY_TYPE_DES3, master, bench_kdd, NULL, 0, bench_cuid, s->result, &error);
		g_autoptr(TokGpSession) host = tok_gp_session_new_host(crypto,
								       s->scp,
								       keys,
								       g_bytes_get_data(s->hc, NULL),
								       g_bytes_get_data(s->resp, NULL),
								       g_bytes_get_size(s->resp),
								       TOK_GP_SESSION_FLAG_NONE,
								       &error);
		guint8 host_cryptogram[8];
		g_assert_no_error(error);
		g_assert_true(tok_gp_session_get_host_cryptogram(host, host_cryptogram));
		n++;
	}
	return (gdouble)n * G_USEC_PER_SEC / (gdouble)(g_get_monotonic_time() - start);
}

#ifdef TKS_HAVE_PKCS11_STORE
static const gchar *
softhsm_module(void)
{
	const gchar *paths[] = {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"};
	for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
		if (g_file_test(paths[i], G_FILE_TEST_EXISTS))
			return paths[i];
	}
	return NULL;
}

/* A SoftHSM2 token of our own in @dir; NULL if SoftHSM2 is not installed. */
static TksKeyStore *
open_pkcs11_store(const gchar *dir)
{
	g_autoptr(GError) error = NULL;
	const gchar *spec_env = g_getenv("TKS_BENCH_PKCS11_SPEC");
	const gchar *pin_env = g_getenv("TKS_BENCH_PKCS11_PIN");
	g_autofree gchar *spec = NULL;
	g_autoptr(TokSecret) pin = NULL;
	TksKeyStore *store;

	if (spec_env != NULL) {
		spec = g_strdup(spec_env);
		pin = tok_secret_new_from_text(pin_env != NULL ? pin_env : "");
	} else {
		g_autofree gchar *conf = g_build_filename(dir, "softhsm2.conf", NULL);
		g_autofree gchar *tokens = g_build_filename(dir, "tokens", NULL);
		g_autofree gchar *conf_text = g_strdup_printf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", tokens);
		g_autoptr(GSubprocess) proc = NULL;
		const gchar *module = softhsm_module();
		g_autofree gchar *util = g_find_program_in_path("softhsm2-util");

		if (module == NULL || util == NULL)
			return NULL;
		g_assert_cmpint(g_mkdir(tokens, 0700), ==, 0);
		g_assert_true(g_file_set_contents(conf, conf_text, -1, &error));
		g_setenv("SOFTHSM2_CONF", conf, TRUE);
		proc = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "softhsm2-util", "--init-token", "--free",
					"--label", "tksbench", "--pin", "1234", "--so-pin", "5678", NULL);
		g_assert_no_error(error);
		g_assert_true(g_subprocess_wait_check(proc, NULL, &error));
		spec = g_strdup_printf("pkcs11:%s?token=tksbench", module);
		pin = tok_secret_new_from_text("1234");
	}
	store = tks_key_store_open(spec, pin, NULL, TKS_KEY_STORE_OPEN_NONE, &error);
	if (store == NULL)
		g_printerr("# PKCS#11 key store %s not measured: %s\n", spec, error->message);
	return store;
}
#endif

static void
remove_tree(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			remove_tree(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(&error);
	g_autofree gchar *dir = g_dir_make_tmp("tks-bench-XXXXXX", &error);
	g_autofree gchar *path = NULL;
	g_autoptr(TokSecret) file_key = tok_secret_new_random(32, &error);
	g_autoptr(TokSecret) master = master_secret();
	g_autoptr(GPtrArray) stores = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	Scenario scenarios[] = {
	    {.scp = TOK_GP_SCP01, .method = TOK_GP_DIVERSIFY_NIST_SP800_108, .result = TOK_GP_KEY_TYPE_DES3},
	    {.scp = TOK_GP_SCP02, .method = TOK_GP_DIVERSIFY_NIST_SP800_108, .result = TOK_GP_KEY_TYPE_DES3},
	    {.scp = TOK_GP_SCP03, .method = TOK_GP_DIVERSIFY_EMV, .result = TOK_GP_KEY_TYPE_AES},
	};

	g_assert_no_error(error);
	path = g_build_filename(dir, "bench.keys", NULL);
	g_ptr_array_add(stores, tks_key_store_file_create(path, NULL, file_key, NULL, &error));
	g_assert_no_error(error);
	g_ptr_array_add(names, (gpointer) "file");
#ifdef TKS_HAVE_PKCS11_STORE
	{
		TksKeyStore *p11 = open_pkcs11_store(dir);
		if (p11 != NULL) {
			g_ptr_array_add(stores, p11);
			g_ptr_array_add(names, (gpointer) "pkcs11");
		}
	}
#endif
	for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++)
		scenario_init(crypto, &scenarios[i]);

	g_print("%-6s %-8s %14s %14s %7s\n", "SCP", "store", "TKS open/s", "in-memory/s", "ratio");
	for (guint st = 0; st < stores->len; st++) {
		TksKeyStore *store = g_ptr_array_index(stores, st);
		g_autoptr(TksService) service = NULL;
		g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, "defKeySet", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, master, &error);

		g_assert_no_error(error);
		g_assert_nonnull(info);
		service = tks_service_new(store, NULL, &error);
		g_assert_no_error(error);
		for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++) {
			gdouble tks = run_tks(service, &scenarios[i]);
			gdouble base = run_baseline(crypto, &scenarios[i]);
			g_print("%-6s %-8s %14.0f %14.0f %7.2f\n",
				tok_gp_scp_to_string(scenarios[i].scp),
				(const gchar *)g_ptr_array_index(names, st),
				tks,
				base,
				base > 0 ? tks / base : 0.0);
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(scenarios); i++) {
		g_bytes_unref(scenarios[i].hc);
		g_bytes_unref(scenarios[i].resp);
	}
	g_ptr_array_set_size(stores, 0);
	remove_tree(dir);
	return 0;
}
