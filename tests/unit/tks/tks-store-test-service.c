/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TksService half of the shared key store test suite: every operation of protocol.md 3.9
 * against a simulated card (the card side of libtok-gp), over the store under test.
 */
#include "config.h"

#include "tks-service.h"
#include "tks-store-test-private.h"
#include "tok-gp-put-key.h"
#include "tok-gp-scp02.h"
#include "tok-gp-session.h"

#define M2   "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"
#define M3   "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
#define MAES "000102030405060708090A0B0C0D0E0F"
#define KDD  "00010203040506070809"
#define CUID "A00192030405060708C9"

static const gchar tks_test_config[] = "[key-set defKeySet]\n"
				       "[key-set visa]\n"
				       "nistSP800-108KdfOnKeyVersion=10\n"
				       "[key-set cuidctx]\n"
				       "nistSP800-108KdfUseCuidAsKdd=true\n"
				       "developer-keys=jForte\n"
				       "[key-set aes]\n"
				       "prot3.divers=gpkmc\n"
				       "developer-keys=none\n";

typedef struct {
	GMutex lock;
	GPtrArray *events; /* "EVENT|success|cuid|key set|version|reason" */
} AuditLog;

typedef struct {
	TksKeyStore *store;
	TksService *service;
	TokGpCrypto *crypto;
	AuditLog audit;
	guint8 kdd[10];
	guint8 cuid[10];
} Fixture;

static void
on_audit(TksService *service,
	 const gchar *event,
	 gboolean success,
	 const gchar *cuid,
	 const gchar *key_set,
	 guint version,
	 const gchar *reason,
	 gpointer user_data)
{
	AuditLog *log = user_data;
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&log->lock);
	g_ptr_array_add(log->events,
			g_strdup_printf("%s|%d|%s|%s|%02X|%s",
					event,
					success,
					cuid != NULL ? cuid : "-",
					key_set != NULL ? key_set : "-",
					version,
					reason != NULL ? reason : "-"));
}

static gboolean
fixture_setup(Fixture *f, gconstpointer tc)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();

	g_mutex_init(&f->audit.lock);
	f->audit.events = g_ptr_array_new_with_free_func(g_free);
	f->crypto = tks_store_test_crypto();
	tks_store_test_hex_into(KDD, f->kdd, 10);
	tks_store_test_hex_into(CUID, f->cuid, 10);
	f->store = tks_store_test_make(tc);
	if (f->store == NULL)
		return FALSE;
	tks_store_test_import(f->store, "defKeySet", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, M2);
	tks_store_test_import(f->store, "defKeySet", 0x03, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, M3);
	tks_store_test_import(f->store, "visa", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, M2);
	tks_store_test_import(f->store, "visa", 0x10, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, M2);
	tks_store_test_import(f->store, "cuidctx", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, M2);
	tks_store_test_import(f->store, "aes", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES128, MAES);
	g_assert_true(g_key_file_load_from_data(kf, tks_test_config, -1, G_KEY_FILE_NONE, &error));
	f->service = tks_service_new(f->store, kf, &error);
	g_assert_no_error(error);
	g_signal_connect(f->service, "audit-event", G_CALLBACK(on_audit), &f->audit);
	return TRUE;
}

static void
fixture_teardown(Fixture *f)
{
	g_clear_object(&f->service);
	g_clear_object(&f->store);
	g_clear_object(&f->crypto);
	g_ptr_array_unref(f->audit.events);
	g_mutex_clear(&f->audit.lock);
}

/* The last audit event, which must start with @prefix. */
static void
assert_last_event(Fixture *f, const gchar *prefix)
{
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&f->audit.lock);
	const gchar *last;
	g_assert_cmpuint(f->audit.events->len, >, 0);
	last = g_ptr_array_index(f->audit.events, f->audit.events->len - 1);
	if (!g_str_has_prefix(last, prefix))
		g_error("audit event \"%s\" does not start with \"%s\"", last, prefix);
	/* never key material: the masters' hex must not appear */
	g_assert_null(strstr(last, M2));
	g_assert_null(strstr(last, "A0A1A2A3"));
}

/* The card keys the configuration should give (computed with libtok-gp directly). */
static TokGpKeySet *
expected_keys(Fixture *f, const gchar *master_hex, TokGpKeyType mtype, TokGpDiversification method, TokGpKeyType result, gboolean cuid_ctx)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) master = tks_store_test_secret(master_hex);
	TokGpKeySet *keys = tok_gp_key_set_derive(f->crypto,
						  method,
						  mtype,
						  master,
						  f->kdd,
						  cuid_ctx ? f->cuid : f->kdd,
						  10,
						  f->cuid,
						  result,
						  &error);
	g_assert_no_error(error);
	return keys;
}

static TokGpKeySet *
developer_keys(Fixture *f, const gchar *enc, const gchar *mac, const gchar *kek, TokGpScp scp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) e = tks_store_test_secret(enc);
	g_autoptr(TokSecret) m = tks_store_test_secret(mac);
	g_autoptr(TokSecret) k = tks_store_test_secret(kek);
	TokGpKeySet *keys;

	if (scp != TOK_GP_SCP03) {
		keys = tok_gp_key_set_new(TOK_GP_KEY_TYPE_DES3, e, m, k, &error);
	} else {
		/* prot3.diversVer1Keys=emv: each developer key EMV-diversified into AES-128 */
		g_autoptr(TokGpKeySet) de = expected_keys(f, enc, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
		g_autoptr(TokGpKeySet) dm = expected_keys(f, mac, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
		g_autoptr(TokGpKeySet) dk = expected_keys(f, kek, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
		keys = tok_gp_key_set_new(TOK_GP_KEY_TYPE_AES,
					  tok_gp_key_set_get_key(de, TOK_GP_KEY_ENC),
					  tok_gp_key_set_get_key(dm, TOK_GP_KEY_MAC),
					  tok_gp_key_set_get_key(dk, TOK_GP_KEY_DEK),
					  &error);
	}
	g_assert_no_error(error);
	return keys;
}

/* A simulated card with @keys answers INITIALIZE UPDATE with @hc. */
static TokGpSession *
card_new(Fixture *f, TokGpScp scp, const TokGpKeySet *keys, guint8 version, GBytes *hc)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) iu = g_byte_array_new();
	const guint8 head[] = {0x80, 0x50, version, 0x00, 0x08};
	const guint8 cc[8] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7};
	TokGpCardParams params = {.scp = scp,
				  .i_param = scp == TOK_GP_SCP03 ? 0x70 : 0x00,
				  .key_version = version,
				  .sequence_counter = 0x002A,
				  .card_challenge = cc};
	TokGpSession *card;

	for (guint i = 0; i < 10; i++)
		params.kdd[i] = f->kdd[i];
	g_byte_array_append(iu, head, sizeof(head));
	g_byte_array_append(iu, g_bytes_get_data(hc, NULL), 8);
	card = tok_gp_session_new_card(f->crypto, keys, &params, iu->data, iu->len, &error);
	g_assert_no_error(error);
	return card;
}

/* Opens a channel between the TKS's session keys and a card holding @card_keys. */
static void
open_channel(Fixture *f, const gchar *key_set, TokGpScp scp, const TokGpKeySet *card_keys, guint8 version)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) hc = tks_service_compute_random_data(f->service, 8, &error);
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(GBytes) resp = NULL;
	g_autoptr(GBytes) cuid = g_bytes_new(f->cuid, 10);
	g_autoptr(GBytes) kdd = g_bytes_new(f->kdd, 10);
	g_autoptr(TksSessionResult) result = NULL;
	g_autoptr(GBytes) ea = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(GBytes) plain = NULL;
	const guint8 cmd[] = {0x80, 0xE2, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03};
	guint8 host_cryptogram[8];
	TksSessionRequest req = {.key_set = key_set, .cuid = cuid, .kdd = kdd, .host_challenge = hc};

	g_assert_no_error(error);
	card = card_new(f, scp, card_keys, version, hc);
	resp = tok_gp_session_get_initialize_update_response(card);
	req.card_response = resp;
	result = tks_service_compute_session_keys(f->service, &req, &error);
	g_assert_no_error(error);
	g_assert_nonnull(result);
	assert_last_event(f, TKS_AUDIT_COMPUTE_SESSION_KEY_SUCCESS "|1|" CUID "|");
	g_assert_cmpint(tks_session_result_get_scp(result), ==, scp);
	g_assert_cmpuint(tks_session_result_get_key_version(result), ==, version);

	host = tok_gp_session_new_host_with_session_keys(f->crypto,
							 tks_session_result_get_session_keys(result),
							 g_bytes_get_data(hc, NULL),
							 g_bytes_get_data(resp, NULL),
							 g_bytes_get_size(resp),
							 TOK_GP_SESSION_FLAG_NONE,
							 &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_session_get_host_cryptogram(host, host_cryptogram));
	g_assert_cmpmem(host_cryptogram, 8, tks_session_result_get_host_cryptogram(result), 8);
	ea = tok_gp_session_external_authenticate(host, 0x03, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_session_check_external_authenticate(card, g_bytes_get_data(ea, NULL), g_bytes_get_size(ea), &error));
	g_assert_no_error(error);
	wrapped = tok_gp_session_wrap(host, cmd, sizeof(cmd), &error);
	g_assert_no_error(error);
	plain = tok_gp_session_unwrap(card, g_bytes_get_data(wrapped, NULL), g_bytes_get_size(wrapped), &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(plain, NULL), g_bytes_get_size(plain), cmd, sizeof(cmd));
}

static void
test_session_keys(gconstpointer tc)
{
	Fixture f = {0};
	const TokGpScp scps[] = {TOK_GP_SCP01, TOK_GP_SCP02, TOK_GP_SCP03};

	if (!fixture_setup(&f, tc)) {
		fixture_teardown(&f);
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(scps); i++) {
		TokGpScp scp = scps[i];
		TokGpKeyType rt = scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
		TokGpDiversification master_method = scp == TOK_GP_SCP03 ? TOK_GP_DIVERSIFY_EMV : TOK_GP_DIVERSIFY_NIST_SP800_108;
		g_autoptr(TokGpKeySet) master = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, master_method, rt, FALSE);
		g_autoptr(TokGpKeySet) dev = developer_keys(&f, "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", scp);
		g_autoptr(TokGpKeySet) visa = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, scp == TOK_GP_SCP03 ? TOK_GP_DIVERSIFY_EMV : TOK_GP_DIVERSIFY_VISA2, rt, FALSE);
		g_autoptr(TokGpKeySet) visa10 = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, master_method, rt, FALSE);
		g_autoptr(TokGpKeySet) cuidctx = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, master_method, rt, scp != TOK_GP_SCP03);
		g_autoptr(TokGpKeySet) jforte = developer_keys(&f, "303132333435363738393A3B3C3D3E3F", "404142434445464748494A4B4C4D4E4F", "505152535455565758595A5B5C5D5E5F", scp);

		open_channel(&f, "defKeySet", scp, master, 0x02);
		open_channel(&f, "defKeySet", scp, dev, 0x01);
		open_channel(&f, "defKeySet", scp, dev, 0xFF);
		open_channel(&f, "visa", scp, visa, 0x02);
		open_channel(&f, "visa", scp, visa10, 0x10);
		open_channel(&f, "cuidctx", scp, cuidctx, 0x02);
		open_channel(&f, "cuidctx", scp, jforte, 0x01);
	}
	{
		g_autoptr(TokGpKeySet) gpkmc = expected_keys(&f, MAES, TOK_GP_KEY_TYPE_AES, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, FALSE);
		open_channel(&f, "aes", TOK_GP_SCP03, gpkmc, 0x02);
	}
	fixture_teardown(&f);
}

/* A session request built around a simulated card; the caller may spoil it. */
typedef struct {
	GBytes *hc;
	GBytes *resp;
	GBytes *cuid;
	GBytes *kdd;
	TokGpSession *card;
} Exchange;

static void
exchange_clear(Exchange *x)
{
	g_clear_pointer(&x->hc, g_bytes_unref);
	g_clear_pointer(&x->resp, g_bytes_unref);
	g_clear_pointer(&x->cuid, g_bytes_unref);
	g_clear_pointer(&x->kdd, g_bytes_unref);
	g_clear_object(&x->card);
}

static void
exchange_init(Fixture *f, Exchange *x, TokGpScp scp, const TokGpKeySet *keys, guint8 version)
{
	const guint8 hc[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	x->hc = g_bytes_new(hc, 8);
	x->cuid = g_bytes_new(f->cuid, 10);
	x->kdd = g_bytes_new(f->kdd, 10);
	x->card = card_new(f, scp, keys, version, x->hc);
	x->resp = tok_gp_session_get_initialize_update_response(x->card);
}

static void
expect_session_error(Fixture *f, const TksSessionRequest *req, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TksSessionResult) result = tks_service_compute_session_keys(f->service, req, &error);
	g_assert_error(error, TKS_ERROR, code);
	g_assert_null(result);
	assert_last_event(f, TKS_AUDIT_COMPUTE_SESSION_KEY_FAILURE "|0|");
}

static void
test_session_errors(gconstpointer tc)
{
	Fixture f = {0};
	Exchange x = {0};
	g_autoptr(TokGpKeySet) wrong = NULL;
	g_autoptr(TokGpKeySet) dev = NULL;

	if (!fixture_setup(&f, tc)) {
		fixture_teardown(&f);
		return;
	}
	/* a card with keys from another master: the card cryptogram does not match */
	wrong = expected_keys(&f, M3, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, FALSE);
	for (TokGpScp scp = TOK_GP_SCP01; scp <= TOK_GP_SCP02; scp++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksSessionResult) result = NULL;
		TksSessionRequest req = {0};

		exchange_init(&f, &x, scp, wrong, 0x02);
		req = (TksSessionRequest){.key_set = "defKeySet", .cuid = x.cuid, .host_challenge = x.hc, .card_response = x.resp};
		result = tks_service_compute_session_keys(f.service, &req, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CARD_CRYPTOGRAM);
		g_assert_cmpuint(tks_error_to_status(error), ==, 5);
		g_assert_nonnull(strstr(error->message, "card cryptogram"));
		assert_last_event(&f, TKS_AUDIT_COMPUTE_SESSION_KEY_FAILURE "|0|" CUID "|defKeySet|02|");
		exchange_clear(&x);
	}
	{
		g_autoptr(TokGpKeySet) aes_wrong = expected_keys(&f, M3, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
		TksSessionRequest req = {0};
		exchange_init(&f, &x, TOK_GP_SCP03, aes_wrong, 0x02);
		req = (TksSessionRequest){.key_set = "defKeySet", .cuid = x.cuid, .host_challenge = x.hc, .card_response = x.resp};
		expect_session_error(&f, &req, TKS_ERROR_CARD_CRYPTOGRAM);
		exchange_clear(&x);
	}

	dev = developer_keys(&f, "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", TOK_GP_SCP02);
	exchange_init(&f, &x, TOK_GP_SCP02, dev, 0x01);
	{
		TksSessionRequest good = {.key_set = "defKeySet", .cuid = x.cuid, .kdd = x.kdd, .host_challenge = x.hc, .card_response = x.resp};
		TksSessionRequest req = good;
		g_autoptr(GBytes) short_cuid = g_bytes_new(f.cuid, 9);
		g_autoptr(GBytes) other_kdd = g_bytes_new(f.cuid, 10);
		g_autoptr(GBytes) short_resp = g_bytes_new(g_bytes_get_data(x.resp, NULL), 27);
		const guint8 ki_dogtag[] = {0x01, 0x01};
		const guint8 ki_wrong[] = {0x02, 0x02};
		g_autoptr(GBytes) key_info_dogtag = g_bytes_new(ki_dogtag, 2);
		g_autoptr(GBytes) key_info_wrong = g_bytes_new(ki_wrong, 2);
		g_autoptr(GByteArray) bad_scp = g_byte_array_new();
		g_autoptr(GBytes) bad_scp_bytes = NULL;
		g_autoptr(GByteArray) bad_version = g_byte_array_new();
		g_autoptr(GBytes) bad_version_bytes = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(TksSessionResult) ok = NULL;

		/* Dogtag's TPS rewrites SCP02 key info 01 02 as 01 01: accepted */
		req.key_info = key_info_dogtag;
		ok = tks_service_compute_session_keys(f.service, &req, &error);
		g_assert_no_error(error);
		g_assert_nonnull(ok);

		req = good;
		req.key_set = "nope";
		expect_session_error(&f, &req, TKS_ERROR_CONFIG);
		req = good;
		req.cuid = short_cuid;
		expect_session_error(&f, &req, TKS_ERROR_MISSING_PARAMETER);
		req = good;
		req.cuid = NULL;
		expect_session_error(&f, &req, TKS_ERROR_MISSING_PARAMETER);
		req = good;
		req.host_challenge = short_cuid;
		expect_session_error(&f, &req, TKS_ERROR_MISSING_PARAMETER);
		req = good;
		req.card_response = short_resp;
		expect_session_error(&f, &req, TKS_ERROR_MISSING_PARAMETER);
		req = good;
		req.kdd = other_kdd;
		expect_session_error(&f, &req, TKS_ERROR_KEY_INFO);
		req = good;
		req.key_info = key_info_wrong;
		expect_session_error(&f, &req, TKS_ERROR_KEY_INFO);

		g_byte_array_append(bad_scp, g_bytes_get_data(x.resp, NULL), 28);
		bad_scp->data[11] = 0x04;
		bad_scp_bytes = g_bytes_new(bad_scp->data, bad_scp->len);
		req = good;
		req.card_response = bad_scp_bytes;
		req.kdd = NULL;
		expect_session_error(&f, &req, TKS_ERROR_KEY_INFO);

		/* key version 07 is not in the store; 00 is never valid */
		g_byte_array_append(bad_version, g_bytes_get_data(x.resp, NULL), 28);
		bad_version->data[10] = 0x07;
		bad_version_bytes = g_bytes_new(bad_version->data, bad_version->len);
		req = good;
		req.card_response = bad_version_bytes;
		expect_session_error(&f, &req, TKS_ERROR_KEY_INFO);
		g_clear_pointer(&bad_version_bytes, g_bytes_unref);
		bad_version->data[10] = 0x00;
		bad_version_bytes = g_bytes_new(bad_version->data, bad_version->len);
		req.card_response = bad_version_bytes;
		expect_session_error(&f, &req, TKS_ERROR_KEY_INFO);
	}
	exchange_clear(&x);
	fixture_teardown(&f);
}

static void
test_random_data(gconstpointer tc)
{
	Fixture f = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) a = NULL;
	g_autoptr(GBytes) b = NULL;
	g_autoptr(GBytes) bad = NULL;

	if (!fixture_setup(&f, tc)) {
		fixture_teardown(&f);
		return;
	}
	a = tks_service_compute_random_data(f.service, 16, &error);
	g_assert_no_error(error);
	assert_last_event(&f, TKS_AUDIT_COMPUTE_RANDOM_DATA_SUCCESS "|1|-|-|00|-");
	b = tks_service_compute_random_data(f.service, 16, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(a), ==, 16);
	g_assert_false(g_bytes_equal(a, b));
	bad = tks_service_compute_random_data(f.service, 0, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER);
	g_assert_cmpuint(tks_error_to_status(error), ==, 3);
	assert_last_event(&f, TKS_AUDIT_COMPUTE_RANDOM_DATA_FAILURE "|0|");
	g_clear_error(&error);
	bad = tks_service_compute_random_data(f.service, TKS_RANDOM_DATA_MAX + 1, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER);
	fixture_teardown(&f);
}

static void
check_encrypt(Fixture *f, TksService *service, TokGpScp scp, const gchar *key_set, guint8 version, const TokGpKeySet *card_keys, GBytes *given)
{
	g_autoptr(GError) error = NULL;
	const guint8 ki[] = {version, (guint8)scp};
	g_autoptr(GBytes) key_info = g_bytes_new(ki, 2);
	g_autoptr(GBytes) cuid = g_bytes_new(f->cuid, 10);
	g_autoptr(GBytes) kdd = g_bytes_new(f->kdd, 10);
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) encrypted = NULL;
	g_autoptr(TokSecret) clear = NULL;
	TksEncryptDataRequest req = {.key_set = key_set, .scp = scp, .key_info = key_info, .kdd = kdd, .cuid = cuid, .data = given};

	g_assert_true(tks_service_encrypt_data(service, &req, &data, &encrypted, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(data), ==, 16);
	if (given != NULL)
		g_assert_true(g_bytes_equal(data, given));
	clear = tok_gp_challenge_unwrap(f->crypto,
					scp,
					tok_gp_key_set_get_key(card_keys, TOK_GP_KEY_DEK),
					g_bytes_get_data(encrypted, NULL),
					g_bytes_get_size(encrypted),
					&error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal_data(clear, g_bytes_get_data(data, NULL), 16));
}

static void
test_encrypt_data(gconstpointer tc)
{
	Fixture f = {0};
	g_autoptr(TokGpKeySet) dev = NULL;
	g_autoptr(TokGpKeySet) aes = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(TksService) fixed = NULL;
	const guint8 chal[16] = {0xCA, 0xFE, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	g_autoptr(GBytes) given = g_bytes_new(chal, sizeof(chal));

	if (!fixture_setup(&f, tc)) {
		fixture_teardown(&f);
		return;
	}
	dev = developer_keys(&f, "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", TOK_GP_SCP01);
	aes = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
	/* isRandom: the TKS picks the challenge, whatever the TPS sent */
	check_encrypt(&f, f.service, TOK_GP_SCP01, "defKeySet", 0x01, dev, NULL);
	assert_last_event(&f, TKS_AUDIT_ENCRYPT_DATA_SUCCESS "|1|" CUID "|defKeySet|01|-");
	check_encrypt(&f, f.service, TOK_GP_SCP03, "defKeySet", 0x02, aes, NULL);
	/* with encrypt-data-random=false the TPS's data is used */
	g_assert_true(g_key_file_load_from_data(kf, "[tks]\nencrypt-data-random=false\n[key-set defKeySet]\n", -1, G_KEY_FILE_NONE, &error));
	fixed = tks_service_new(f.store, kf, &error);
	g_assert_no_error(error);
	check_encrypt(&f, fixed, TOK_GP_SCP01, "defKeySet", 0x01, dev, given);
	{
		const guint8 ki[] = {0x09, 0x01};
		g_autoptr(GBytes) key_info = g_bytes_new(ki, 2);
		g_autoptr(GBytes) cuid = g_bytes_new(f.cuid, 10);
		g_autoptr(GBytes) kdd = g_bytes_new(f.kdd, 10);
		g_autoptr(GBytes) data = NULL;
		g_autoptr(GBytes) enc = NULL;
		TksEncryptDataRequest req = {.key_set = "defKeySet", .scp = TOK_GP_SCP01, .key_info = key_info, .kdd = kdd, .cuid = cuid};

		g_assert_false(tks_service_encrypt_data(f.service, &req, &data, &enc, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_KEY_INFO);
		assert_last_event(&f, TKS_AUDIT_ENCRYPT_DATA_FAILURE "|0|" CUID "|defKeySet|09|");
		g_clear_error(&error);
		/* no data although the service is not random */
		g_assert_false(tks_service_encrypt_data(fixed, &req, &data, &enc, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER);
		g_clear_error(&error);
		req.scp = (TokGpScp)7;
		g_assert_false(tks_service_encrypt_data(f.service, &req, &data, &enc, &error));
		g_assert_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER);
	}
	fixture_teardown(&f);
}

static void
check_key_set_data(Fixture *f, TokGpScp scp, guint8 current, const TokGpKeySet *cur_keys, guint8 next, const TokGpKeySet *new_keys)
{
	g_autoptr(GError) error = NULL;
	const guint8 cur_ki[] = {current, (guint8)scp};
	const guint8 new_ki[] = {next, (guint8)scp};
	g_autoptr(GBytes) cki = g_bytes_new(cur_ki, 2);
	g_autoptr(GBytes) nki = g_bytes_new(new_ki, 2);
	g_autoptr(GBytes) cuid = g_bytes_new(f->cuid, 10);
	g_autoptr(GBytes) kdd = g_bytes_new(f->kdd, 10);
	g_autoptr(GBytes) data = NULL;
	g_autoptr(TokSecret) wrap = NULL;
	g_autoptr(TokGpKeySet) parsed = NULL;
	guint8 version = 0;
	TksKeySetDataRequest req = {.key_set = "defKeySet",
				    .scp = scp,
				    .new_key_info = nki,
				    .current_key_info = cki,
				    .kdd = kdd,
				    .cuid = cuid,
				    .sequence_counter = 0x002A};

	data = tks_service_create_key_set_data(f->service, &req, &error);
	g_assert_no_error(error);
	assert_last_event(f, TKS_AUDIT_DIVERSIFY_KEY_SUCCESS "|1|" CUID "|defKeySet|");
	if (scp == TOK_GP_SCP02)
		wrap = tok_gp_scp02_derive_session_key(f->crypto, tok_gp_key_set_get_key(cur_keys, TOK_GP_KEY_DEK), TOK_GP_SCP02_CONSTANT_DEK, 0x002A, &error);
	else
		wrap = tok_secret_ref(tok_gp_key_set_get_key(cur_keys, TOK_GP_KEY_DEK));
	g_assert_no_error(error);
	parsed = tok_gp_put_key_parse_key_set_data(f->crypto, scp, g_bytes_get_data(data, NULL), g_bytes_get_size(data), wrap, &version, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(version, ==, next);
	g_assert_true(tok_gp_key_set_equal(parsed, new_keys));
}

static void
test_key_set_data(gconstpointer tc)
{
	Fixture f = {0};

	if (!fixture_setup(&f, tc)) {
		fixture_teardown(&f);
		return;
	}
	for (TokGpScp scp = TOK_GP_SCP01; scp <= TOK_GP_SCP03; scp++) {
		TokGpKeyType rt = scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
		TokGpDiversification m = scp == TOK_GP_SCP03 ? TOK_GP_DIVERSIFY_EMV : TOK_GP_DIVERSIFY_NIST_SP800_108;
		g_autoptr(TokGpKeySet) dev = developer_keys(&f, "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", "404142434445464748494A4B4C4D4E4F", scp);
		g_autoptr(TokGpKeySet) k2 = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, m, rt, FALSE);
		g_autoptr(TokGpKeySet) k3 = expected_keys(&f, M3, TOK_GP_KEY_TYPE_DES3, m, rt, FALSE);

		/* developer keys -> version 02, then 02 -> 03 */
		check_key_set_data(&f, scp, 0x01, dev, 0x02, k2);
		check_key_set_data(&f, scp, 0x02, k2, 0x03, k3);
	}
	{
		g_autoptr(GError) error = NULL;
		const guint8 cur_ki[] = {0x02, 0x01};
		const guint8 new_ki[] = {0x44, 0x01};
		g_autoptr(GBytes) cki = g_bytes_new(cur_ki, 2);
		g_autoptr(GBytes) nki = g_bytes_new(new_ki, 2);
		g_autoptr(GBytes) cuid = g_bytes_new(f.cuid, 10);
		g_autoptr(GBytes) kdd = g_bytes_new(f.kdd, 10);
		TksKeySetDataRequest req = {.key_set = "defKeySet", .scp = TOK_GP_SCP01, .new_key_info = nki, .current_key_info = cki, .kdd = kdd, .cuid = cuid};
		g_autoptr(GBytes) data = tks_service_create_key_set_data(f.service, &req, &error);

		g_assert_error(error, TKS_ERROR, TKS_ERROR_KEY_INFO);
		g_assert_null(data);
		assert_last_event(&f, TKS_AUDIT_DIVERSIFY_KEY_FAILURE "|0|" CUID "|defKeySet|44|");
		g_clear_error(&error);
		req.new_key_info = cuid;
		data = tks_service_create_key_set_data(f.service, &req, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER);
	}
	fixture_teardown(&f);
}

/* ---- async -------------------------------------------------------------------------- */

static void
on_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	*(GAsyncResult **)user_data = g_object_ref(res);
}

static GAsyncResult *
wait_for(GAsyncResult **slot)
{
	while (*slot == NULL)
		g_main_context_iteration(NULL, TRUE);
	return *slot;
}

static void
test_async(gconstpointer tc)
{
	Fixture f = {0};
	Exchange x = {0};
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(GError) error = NULL;

	if (!fixture_setup(&f, tc)) {
		fixture_teardown(&f);
		return;
	}
	keys = expected_keys(&f, M2, TOK_GP_KEY_TYPE_DES3, TOK_GP_DIVERSIFY_EMV, TOK_GP_KEY_TYPE_AES, FALSE);
	exchange_init(&f, &x, TOK_GP_SCP03, keys, 0x02);
	{
		g_autoptr(GAsyncResult) res = NULL;
		g_autoptr(TksSessionResult) result = NULL;
		TksSessionRequest req = {.key_set = "defKeySet", .cuid = x.cuid, .host_challenge = x.hc, .card_response = x.resp};
		tks_service_compute_session_keys_async(f.service, &req, NULL, on_done, &res);
		result = tks_service_compute_session_keys_finish(f.service, wait_for(&res), &error);
		g_assert_no_error(error);
		g_assert_cmpint(tks_session_result_get_scp(result), ==, TOK_GP_SCP03);
	}
	{
		g_autoptr(GAsyncResult) res = NULL;
		g_autoptr(TksSessionResult) result = NULL;
		TksSessionRequest req = {.key_set = "nope", .cuid = x.cuid, .host_challenge = x.hc, .card_response = x.resp};
		tks_service_compute_session_keys_async(f.service, &req, NULL, on_done, &res);
		result = tks_service_compute_session_keys_finish(f.service, wait_for(&res), &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CONFIG);
		g_clear_error(&error);
	}
	{
		g_autoptr(GAsyncResult) res = NULL;
		g_autoptr(GBytes) data = NULL;
		tks_service_compute_random_data_async(f.service, 8, NULL, on_done, &res);
		data = tks_service_compute_random_data_finish(f.service, wait_for(&res), &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(data), ==, 8);
	}
	{
		g_autoptr(GAsyncResult) res = NULL;
		g_autoptr(GBytes) data = NULL;
		g_autoptr(GBytes) enc = NULL;
		const guint8 ki[] = {0x02, 0x03, 0x70};
		g_autoptr(GBytes) key_info = g_bytes_new(ki, 3);
		TksEncryptDataRequest req = {.key_set = "defKeySet", .scp = TOK_GP_SCP03, .key_info = key_info, .kdd = x.kdd, .cuid = x.cuid};
		tks_service_encrypt_data_async(f.service, &req, NULL, on_done, &res);
		g_assert_true(tks_service_encrypt_data_finish(f.service, wait_for(&res), &data, &enc, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(enc), ==, 16);
	}
	{
		g_autoptr(GAsyncResult) res = NULL;
		g_autoptr(GBytes) data = NULL;
		const guint8 cur[] = {0x01, 0x01};
		const guint8 next[] = {0x02, 0x01};
		g_autoptr(GBytes) cki = g_bytes_new(cur, 2);
		g_autoptr(GBytes) nki = g_bytes_new(next, 2);
		TksKeySetDataRequest req = {.key_set = "defKeySet", .scp = TOK_GP_SCP01, .new_key_info = nki, .current_key_info = cki, .kdd = x.kdd, .cuid = x.cuid};
		tks_service_create_key_set_data_async(f.service, &req, NULL, on_done, &res);
		data = tks_service_create_key_set_data_finish(f.service, wait_for(&res), &error);
		g_assert_no_error(error);
		g_assert_cmpuint(g_bytes_get_size(data), ==, TOK_GP_PUT_KEY_DES_DATA_SIZE);
	}
	exchange_clear(&x);
	fixture_teardown(&f);
}

void
tks_store_test_service_add(const gchar *prefix, TksStoreTestMakeFunc make_store, gpointer data)
{
	tks_store_test_add(prefix, "service/session-keys", make_store, data, test_session_keys);
	tks_store_test_add(prefix, "service/session-errors", make_store, data, test_session_errors);
	tks_store_test_add(prefix, "service/random-data", make_store, data, test_random_data);
	tks_store_test_add(prefix, "service/encrypt-data", make_store, data, test_encrypt_data);
	tks_store_test_add(prefix, "service/key-set-data", make_store, data, test_key_set_data);
	tks_store_test_add(prefix, "service/async", make_store, data, test_async);
}
