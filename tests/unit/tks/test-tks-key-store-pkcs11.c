/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TksKeyStorePkcs11 on SoftHSM2: the shared key store suite, plus what only the PKCS#11 store
 * has (master keys that cannot be read, the export policy, PIN and module errors, the spec
 * parser, foreign and broken token objects, dropped sessions, several stores on one module).
 *
 * main() creates a private SoftHSM2 configuration in a temporary directory (SOFTHSM2_CONF),
 * an OpenSSL configuration that activates the default and legacy providers for SoftHSM
 * (OPENSSL_CONF, read by this process, which loads SoftHSM), and a pool of tokens with
 * softhsm2-util: SoftHSM only sees tokens that exist when the module is initialised, and
 * every store of the suite must be new and empty, so each store takes a token of its own.
 * Without softhsm2 the tests are skipped.
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmodule.h>
#include <p11-kit/pkcs11.h>

#include "tks-key-store-pkcs11.h"
#include "tks-store-test-suite.h"
#include "tok-bytes.h"
#include "tok-gp-crypto.h"

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define USER_PIN       "tks-user-pin"
#define SO_PIN	       "tks-so-pin"
#define N_TOKENS       48
#define MASTER_DES3    "A0A1A2A3A4A5A6A7A8A9AAABACADAEAF"
#define MASTER_AES256  "101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F"
#define DEV_40	       "404142434445464748494A4B4C4D4E4F"

typedef struct {
	gchar *dir;
	guint next; /* next unused token of the pool */
	GMutex lock;
} TokenPool;

static gchar *
pool_take(TokenPool *pool)
{
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&pool->lock);
	g_assert_cmpuint(pool->next, <, N_TOKENS);
	return g_strdup_printf("tks-%02u", pool->next++);
}

static TokSecret *
hex_secret(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = tok_hex_decode(hex, TOK_HEX_FLAG_NONE, &error);
	g_assert_no_error(error);
	return tok_secret_new_from_data(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static TksKeyStorePkcs11 *
open_store(const gchar *label, const gchar *pin, TksKeyStorePkcs11Flags flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) secret = tok_secret_new_from_text(pin);
	TksKeyStorePkcs11 *store = tks_key_store_pkcs11_new(SOFTHSM_MODULE, label, secret, flags, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	return store;
}

/* The suite's factory: a fresh token, opened through tks_key_store_open() with export=wrap
 * (the suite moves generated masters between stores). */
static TksKeyStore *
make_store(gpointer data)
{
	g_autofree gchar *label = pool_take(data);
	g_autofree gchar *spec = g_strdup_printf("pkcs11:%s?token=%s&export=wrap", SOFTHSM_MODULE, label);
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(USER_PIN);
	g_autoptr(GError) error = NULL;
	TksKeyStore *store = tks_key_store_open(spec, pin, NULL, TKS_KEY_STORE_OPEN_CREATE, &error);

	g_assert_no_error(error);
	g_assert_true(TKS_IS_KEY_STORE_PKCS11(store));
	return store;
}

static TksKeyInfo *
import(TksKeyStorePkcs11 *store, const gchar *key_set, guint version, TksKeyKind kind, TksKeyType type, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) value = hex_secret(hex);
	TksKeyInfo *info = tks_key_store_import_key(TKS_KEY_STORE(store), key_set, version, kind, type, value, &error);
	g_assert_no_error(error);
	return info;
}

static TokGpKeySet *
derive(TksKeyStorePkcs11 *store, const gchar *key_set, guint version, TokGpDiversification method, TokGpKeyType result,
       GError **error)
{
	TksDeriveParams p = {.method = method, .result_type = result};
	for (guint i = 0; i < TOK_GP_KDD_SIZE; i++) {
		p.kdd[i] = (guint8)i;
		p.cuid[i] = (guint8)(0xA0 + i);
	}
	return tks_key_store_derive_card_keys(TKS_KEY_STORE(store), key_set, version, &p, error);
}

/* ---- raw PKCS#11 access beside the store, to look at what it left on the token -------- */

typedef struct {
	GModule *module;
	CK_FUNCTION_LIST_PTR p11;
	CK_SESSION_HANDLE session;
} RawToken;

/* A second session on @label's token. The store has initialised the module and logged in
 * (login is per process and token), so this neither initialises nor logs in. */
static void
raw_open(RawToken *raw, const gchar *label)
{
	gpointer sym = NULL;
	CK_SLOT_ID slots[N_TOKENS + 4];
	CK_ULONG n = G_N_ELEMENTS(slots);
	gboolean found = FALSE;

	raw->module = g_module_open(SOFTHSM_MODULE, G_MODULE_BIND_LOCAL);
	g_assert_nonnull(raw->module);
	g_assert_true(g_module_symbol(raw->module, "C_GetFunctionList", &sym));
	g_assert_cmpint(((CK_C_GetFunctionList)sym)(&raw->p11), ==, CKR_OK);
	g_assert_cmpint(raw->p11->C_GetSlotList(CK_TRUE, slots, &n), ==, CKR_OK);
	for (CK_ULONG i = 0; i < n && !found; i++) {
		CK_TOKEN_INFO info;
		g_autofree gchar *tl = NULL;
		g_assert_cmpint(raw->p11->C_GetTokenInfo(slots[i], &info), ==, CKR_OK);
		tl = g_strchomp(g_strndup((const gchar *)info.label, sizeof(info.label)));
		if (g_strcmp0(tl, label) == 0) {
			g_assert_cmpint(raw->p11->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &raw->session), ==, CKR_OK);
			found = TRUE;
		}
	}
	g_assert_true(found);
}

static void
raw_close(RawToken *raw)
{
	(void)raw->p11->C_CloseSession(raw->session);
	g_module_close(raw->module);
}

/* The one object with @label and @id. */
static CK_OBJECT_HANDLE
raw_find(RawToken *raw, const gchar *label, const gchar *id)
{
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)label, strlen(label)}, {CKA_ID, (void *)id, strlen(id)}};
	CK_OBJECT_HANDLE h[2] = {CK_INVALID_HANDLE, CK_INVALID_HANDLE};
	CK_ULONG n = 0;

	g_assert_cmpint(raw->p11->C_FindObjectsInit(raw->session, tmpl, G_N_ELEMENTS(tmpl)), ==, CKR_OK);
	g_assert_cmpint(raw->p11->C_FindObjects(raw->session, h, 2, &n), ==, CKR_OK);
	g_assert_cmpint(raw->p11->C_FindObjectsFinal(raw->session), ==, CKR_OK);
	g_assert_cmpuint(n, ==, 1);
	return h[0];
}

static CK_BBOOL
raw_bool(RawToken *raw, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL value = 0xAA;
	CK_ATTRIBUTE attr = {type, &value, sizeof(value)};
	g_assert_cmpint(raw->p11->C_GetAttributeValue(raw->session, h, &attr, 1), ==, CKR_OK);
	return value;
}

/* Reads CKA_VALUE; returns the CK_RV. */
static CK_RV
raw_value(RawToken *raw, CK_OBJECT_HANDLE h, guint8 *buf, CK_ULONG *len)
{
	CK_ATTRIBUTE attr = {CKA_VALUE, buf, *len};
	CK_RV rv = raw->p11->C_GetAttributeValue(raw->session, h, &attr, 1);
	*len = attr.ulValueLen;
	return rv;
}

/* ---- tests -------------------------------------------------------------------------- */

static void
test_not_extractable(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TksKeyStorePkcs11) store = open_store(label, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	g_autoptr(TksKeyInfo) info = import(store, "mk", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	g_autoptr(TksKeyInfo) dev = import(store, "dev", 0x01, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_DES3, DEV_40 DEV_40 DEV_40);
	g_autoptr(TokSecret) transport = tok_secret_new_random(32, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(TokSecret) dev40 = hex_secret(DEV_40);
	RawToken raw = {0};
	CK_OBJECT_HANDLE master, hmac, devobj;
	guint8 buf[128];
	CK_ULONG len = sizeof(buf);

	g_assert_cmpint(tks_key_info_get_kind(info), ==, TKS_KEY_KIND_MASTER);
	g_assert_cmpint(tks_key_info_get_kind(dev), ==, TKS_KEY_KIND_DEVELOPER);
	raw_open(&raw, label);
	master = raw_find(&raw, "mk#01", TKS_KEY_STORE_PKCS11_ID_MASTER);
	hmac = raw_find(&raw, "mk#01", TKS_KEY_STORE_PKCS11_ID_MASTER_HMAC);
	g_assert_cmpint(raw_value(&raw, master, buf, &len), ==, CKR_ATTRIBUTE_SENSITIVE);
	g_assert_cmpuint(len, ==, CK_UNAVAILABLE_INFORMATION);
	len = sizeof(buf);
	g_assert_cmpint(raw_value(&raw, hmac, buf, &len), ==, CKR_ATTRIBUTE_SENSITIVE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_SENSITIVE), ==, CK_TRUE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_EXTRACTABLE), ==, CK_FALSE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_DECRYPT), ==, CK_FALSE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_WRAP), ==, CK_FALSE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_PRIVATE), ==, CK_TRUE);
	g_assert_cmpint(raw_bool(&raw, hmac, CKA_EXTRACTABLE), ==, CK_FALSE);
	/* developer keys are public: readable, ENC || MAC || KEK */
	devobj = raw_find(&raw, "dev#01", TKS_KEY_STORE_PKCS11_ID_DEVELOPER "des3");
	len = sizeof(buf);
	g_assert_cmpint(raw_value(&raw, devobj, buf, &len), ==, CKR_OK);
	g_assert_cmpuint(len, ==, 48);
	g_assert_cmpuint(buf[0], ==, 0x40);
	g_assert_cmpuint(buf[47], ==, 0x4F);
	raw_close(&raw);

	/* so the master cannot be exported, nor returned undiversified */
	wrapped = tks_key_store_export_wrapped(TKS_KEY_STORE(store), "mk", 0x01, transport, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED);
	g_assert_null(wrapped);
	g_assert_nonnull(strstr(error->message, "export=wrap"));
	g_clear_error(&error);
	keys = derive(store, "mk", 0x01, TOK_GP_DIVERSIFY_NONE, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED);
	g_assert_null(keys);
	g_clear_error(&error);
	/* while the developer set can */
	wrapped = tks_key_store_export_wrapped(TKS_KEY_STORE(store), "dev", 0x01, transport, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(wrapped), ==, 56);
	keys = derive(store, "dev", 0x01, TOK_GP_DIVERSIFY_NONE, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	g_assert_true(tok_secret_equal(tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK), dev40));
}

/* A master generated inside the token without export=wrap: a local, never extractable key
 * with no HMAC twin, so VISA2/EMV/GPKMC work and NIST SP 800-108 is refused clearly. */
static void
test_generate_local(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TksKeyStorePkcs11) store = open_store(label, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyInfo) des = tks_key_store_generate_key(TKS_KEY_STORE(store), "gen", 0x02, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, &error);
	g_autoptr(TksKeyInfo) aes = NULL;
	g_autoptr(TksKeyInfo) looked = NULL;
	g_autoptr(TksKeyInfo) dev = NULL;
	g_autoptr(TokGpKeySet) k1 = NULL;
	g_autoptr(TokGpKeySet) k2 = NULL;
	g_autoptr(TokGpKeySet) nist = NULL;
	RawToken raw = {0};
	CK_OBJECT_HANDLE master;
	CK_ATTRIBUTE tmpl[] = {{CKA_LABEL, (void *)"gen#02", 6}};
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 0;

	g_assert_no_error(error);
	looked = tks_key_store_lookup_key(TKS_KEY_STORE(store), "gen", 0x02, &error);
	g_assert_no_error(error);
	g_assert_true(tks_key_info_equal(des, looked));
	k1 = derive(store, "gen", 0x02, TOK_GP_DIVERSIFY_VISA2, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	k2 = derive(store, "gen", 0x02, TOK_GP_DIVERSIFY_VISA2, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(k1, k2));
	nist = derive(store, "gen", 0x02, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED);
	g_assert_nonnull(strstr(error->message, "master-hmac"));
	g_assert_null(nist);
	g_clear_error(&error);

	raw_open(&raw, label);
	master = raw_find(&raw, "gen#02", TKS_KEY_STORE_PKCS11_ID_MASTER);
	g_assert_cmpint(raw_bool(&raw, master, CKA_LOCAL), ==, CK_TRUE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_NEVER_EXTRACTABLE), ==, CK_TRUE);
	g_assert_cmpint(raw_bool(&raw, master, CKA_ALWAYS_SENSITIVE), ==, CK_TRUE);
	g_assert_cmpint(raw.p11->C_FindObjectsInit(raw.session, tmpl, 1), ==, CKR_OK);
	g_assert_cmpint(raw.p11->C_FindObjects(raw.session, found, G_N_ELEMENTS(found), &n), ==, CKR_OK);
	g_assert_cmpint(raw.p11->C_FindObjectsFinal(raw.session), ==, CKR_OK);
	g_assert_cmpuint(n, ==, 1);
	raw_close(&raw);

	aes = tks_key_store_generate_key(TKS_KEY_STORE(store), "gen", 0x03, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, &error);
	g_assert_no_error(error);
	g_clear_pointer(&k1, tok_gp_key_set_unref);
	k1 = derive(store, "gen", 0x03, TOK_GP_DIVERSIFY_GPKMC, TOK_GP_KEY_TYPE_AES, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tok_gp_key_set_get_key_length(k1), ==, 32);
	dev = tks_key_store_generate_key(TKS_KEY_STORE(store), "gen", 0x04, TKS_KEY_KIND_DEVELOPER, TKS_KEY_TYPE_AES128, &error);
	g_assert_no_error(error);
	g_assert_cmpint(tks_key_info_get_kind(dev), ==, TKS_KEY_KIND_DEVELOPER);
	g_assert_nonnull(tks_key_info_get_kcv(dev, 2));
}

/* With export=wrap a generated DES3 master gets its HMAC key, and the NIST keys derived in
 * the token are those of the exported value in software. */
static void
test_generate_exportable(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TksKeyStorePkcs11) store = open_store(label, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_EXPORTABLE);
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(NULL);
	g_autoptr(TokSecret) transport = tok_secret_new_random(32, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyInfo) info = tks_key_store_generate_key(TKS_KEY_STORE(store), "gx", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, &error);
	g_autoptr(TokGpKeySet) got = NULL;
	g_autoptr(TokGpKeySet) want = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(TokSecret) clear = NULL;
	guint8 kdd[TOK_GP_KDD_SIZE];
	guint8 kcv[3];

	g_assert_no_error(error);
	got = derive(store, "gx", 0x01, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	wrapped = tks_key_store_export_wrapped(TKS_KEY_STORE(store), "gx", 0x01, transport, &error);
	g_assert_no_error(error);
	clear = tks_key_unwrap_pad(transport, wrapped, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tok_secret_get_size(clear), ==, 16);
	g_assert_true(tok_gp_crypto_kcv_des(crypto, tok_secret_get_data(clear, NULL), 16, kcv, &error));
	g_assert_cmpmem(kcv, 3, tks_key_info_get_kcv(info, 0), 3);
	for (guint i = 0; i < TOK_GP_KDD_SIZE; i++)
		kdd[i] = (guint8)i;
	want = tok_gp_key_set_derive(crypto, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, clear, kdd, NULL, 0, NULL,
				     TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(got, want));
}

static void
test_wrong_pin(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TokSecret) wrong = tok_secret_new_from_text("not-the-pin");
	g_autoptr(GError) error = NULL;
	g_autoptr(TksKeyStorePkcs11) store = tks_key_store_pkcs11_new(SOFTHSM_MODULE, label, wrong, TKS_KEY_STORE_PKCS11_FLAG_NONE, &error);

	g_assert_error(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE);
	g_assert_null(store);
	g_assert_nonnull(strstr(error->message, "CKR_PIN_INCORRECT"));
	g_assert_nonnull(strstr(error->message, label));
	g_clear_error(&error);
	/* no PIN for a token that needs one */
	store = tks_key_store_pkcs11_new(SOFTHSM_MODULE, label, NULL, TKS_KEY_STORE_PKCS11_FLAG_NONE, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE);
	g_assert_null(store);
	g_clear_error(&error);
	/* the right PIN still works (nothing got locked) */
	store = open_store(label, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	g_assert_nonnull(store);
}

static void
test_bad_module(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(USER_PIN);
	const gchar *modules[] = {"/nonexistent/libnope-pkcs11.so", "libz.so.1", ""};

	for (guint i = 0; i < G_N_ELEMENTS(modules); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyStorePkcs11) store = tks_key_store_pkcs11_new(modules[i], label, pin, TKS_KEY_STORE_PKCS11_FLAG_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CONFIG);
		g_assert_null(store);
		if (*modules[i] != '\0')
			g_assert_nonnull(strstr(error->message, modules[i]));
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyStorePkcs11) store = tks_key_store_pkcs11_new(SOFTHSM_MODULE, "no-such-token", pin, TKS_KEY_STORE_PKCS11_FLAG_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CONFIG);
		g_assert_null(store);
		g_assert_nonnull(strstr(error->message, "no token labelled \"no-such-token\""));
		g_clear_error(&error);
		store = tks_key_store_pkcs11_new(SOFTHSM_MODULE, "a-label-longer-than-thirty-two-bytes", pin, TKS_KEY_STORE_PKCS11_FLAG_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CONFIG);
	}
}

static void
test_spec(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(USER_PIN);
	g_autofree gchar *good = g_strdup_printf("pkcs11:%s?token=%s&export=none", SOFTHSM_MODULE, label);
	g_autofree gchar *escaped = g_strdup_printf("pkcs11:%%2Fusr%%2Flib%%2Fsofthsm%%2Flibsofthsm2.so?token=%s", label);
	const gchar *bad[] = {
	    "pkcs11:" SOFTHSM_MODULE,
	    "pkcs11:" SOFTHSM_MODULE "?token=",
	    "pkcs11:" SOFTHSM_MODULE "?export=wrap",
	    "pkcs11:" SOFTHSM_MODULE "?token=x&slot=1",
	    "pkcs11:" SOFTHSM_MODULE "?token=x&export=yes",
	    "pkcs11:" SOFTHSM_MODULE "?token=%ZZ",
	    "pkcs11:?token=x",
	    "pkcs12:" SOFTHSM_MODULE "?token=x",
	};

	for (guint i = 0; i < 2; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyStore) store = tks_key_store_open(i == 0 ? good : escaped, pin, NULL, TKS_KEY_STORE_OPEN_NONE, &error);
		g_autofree gchar *desc = NULL;
		g_assert_no_error(error);
		desc = tks_key_store_describe(store);
		g_assert_nonnull(strstr(desc, label));
		g_assert_nonnull(strstr(desc, SOFTHSM_MODULE));
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TksKeyStore) store = tks_key_store_pkcs11_open(bad[i], pin, TKS_KEY_STORE_OPEN_NONE, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_CONFIG);
		g_assert_null(store);
	}
	{
		g_autofree gchar *label_hex = tks_key_store_pkcs11_label("defKeySet", 0x0A);
		g_assert_cmpstr(label_hex, ==, "defKeySet#0A");
	}
	g_assert_cmpstr(tks_key_store_pkcs11_rv_to_string(CKR_PIN_INCORRECT), ==, "CKR_PIN_INCORRECT");
	g_assert_cmpstr(tks_key_store_pkcs11_rv_to_string(CKR_OK), ==, "CKR_OK");
	g_assert_cmpstr(tks_key_store_pkcs11_rv_to_string(CKR_UNWRAPPING_KEY_HANDLE_INVALID), ==, "CKR_UNWRAPPING_KEY_HANDLE_INVALID");
	g_assert_null(tks_key_store_pkcs11_rv_to_string(0x12345678UL));
}

/* Objects that are not ours are ignored; ours that do not form a key are reported. */
static void
test_foreign_objects(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TksKeyStorePkcs11) store = open_store(label, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	g_autoptr(TksKeyInfo) info = import(store, "ok", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_AES256, MASTER_AES256);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(TksKeyInfo) broken = NULL;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE gen = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE;
	guint8 value[32] = {0};
	const struct {
		const gchar *label;
		const gchar *id;
	} objects[] = {
	    {"ok#01", "someone-else"},		  /* our label, foreign ID */
	    {"not a key label", "master"},	  /* our ID, foreign label */
	    {"ok#1", "master"},			  /* one hex digit */
	    {"ok#00", "master"},		  /* version 0 */
	    {"bad#05", "master-hmac"},		  /* a twin without its master */
	    {"dup#06", "developer-aes128"},	  /* wrong length for the type */
	};
	RawToken raw = {0};

	raw_open(&raw, label);
	for (guint i = 0; i < G_N_ELEMENTS(objects); i++) {
		CK_ATTRIBUTE tmpl[] = {
		    {CKA_CLASS, &cls, sizeof(cls)},
		    {CKA_KEY_TYPE, &gen, sizeof(gen)},
		    {CKA_TOKEN, &yes, sizeof(yes)},
		    {CKA_PRIVATE, &yes, sizeof(yes)},
		    {CKA_LABEL, (void *)objects[i].label, strlen(objects[i].label)},
		    {CKA_ID, (void *)objects[i].id, strlen(objects[i].id)},
		    {CKA_VALUE, value, sizeof(value)},
		};
		CK_OBJECT_HANDLE h;
		g_assert_cmpint(raw.p11->C_CreateObject(raw.session, tmpl, G_N_ELEMENTS(tmpl), &h), ==, CKR_OK);
	}
	raw_close(&raw);

	keys = tks_key_store_list_keys(TKS_KEY_STORE(store), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 1);
	g_assert_true(tks_key_info_equal(g_ptr_array_index(keys, 0), info));
	broken = tks_key_store_lookup_key(TKS_KEY_STORE(store), "bad", 0x05, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
	g_assert_null(broken);
	g_clear_error(&error);
	broken = tks_key_store_lookup_key(TKS_KEY_STORE(store), "dup", 0x06, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* the address is taken until the broken objects are deleted */
	{
		g_autoptr(TokSecret) v = hex_secret(MASTER_DES3);
		g_autoptr(TksKeyInfo) again = tks_key_store_import_key(TKS_KEY_STORE(store), "bad", 0x05, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, v, &error);
		g_assert_error(error, TKS_ERROR, TKS_ERROR_EXISTS);
		g_clear_error(&error);
		g_assert_true(tks_key_store_delete_key(TKS_KEY_STORE(store), "bad", 0x05, &error));
		g_assert_no_error(error);
		again = tks_key_store_import_key(TKS_KEY_STORE(store), "bad", 0x05, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, v, &error);
		g_assert_no_error(error);
	}
	/* the foreign object with our label survived the listing and is still there */
	raw_open(&raw, label);
	(void)raw_find(&raw, "ok#01", "someone-else");
	raw_close(&raw);
}

/* The token drops every session: the call that notices fails with the CKR_ name, the next
 * one reconnects and logs in again. */
static void
test_session_lost(gconstpointer data)
{
	g_autofree gchar *label = pool_take((TokenPool *)data);
	g_autoptr(TksKeyStorePkcs11) store = open_store(label, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	g_autoptr(TksKeyInfo) info = import(store, "s", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	g_autoptr(TksKeyInfo) failed = NULL;
	g_autoptr(TksKeyInfo) again = NULL;
	g_autoptr(GError) error = NULL;
	CK_SESSION_INFO si;
	RawToken raw = {0};

	raw_open(&raw, label);
	g_assert_cmpint(raw.p11->C_GetSessionInfo(raw.session, &si), ==, CKR_OK);
	g_assert_cmpint(raw.p11->C_CloseAllSessions(si.slotID), ==, CKR_OK);
	g_module_close(raw.module);

	failed = tks_key_store_lookup_key(TKS_KEY_STORE(store), "s", 0x01, &error);
	g_assert_error(error, TKS_ERROR, TKS_ERROR_BACKEND);
	g_assert_nonnull(strstr(error->message, "CKR_SESSION_HANDLE_INVALID"));
	g_assert_null(failed);
	g_clear_error(&error);
	again = tks_key_store_lookup_key(TKS_KEY_STORE(store), "s", 0x01, &error);
	g_assert_no_error(error);
	g_assert_true(tks_key_info_equal(info, again));
}

/* Several stores on one module: initialised once, finalised with the last; keys persist on
 * the token across store handles. */
static void
test_shared_module(gconstpointer data)
{
	g_autofree gchar *label_a = pool_take((TokenPool *)data);
	g_autofree gchar *label_b = pool_take((TokenPool *)data);
	TksKeyStorePkcs11 *a = open_store(label_a, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	TksKeyStorePkcs11 *b = open_store(label_b, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	TksKeyStorePkcs11 *a2 = NULL;
	g_autoptr(TksKeyInfo) ia = import(a, "p", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	g_autoptr(TksKeyInfo) ib = import(b, "p", 0x01, TKS_KEY_KIND_MASTER, TKS_KEY_TYPE_DES3, MASTER_DES3);
	g_autoptr(TokGpKeySet) ka = derive(a, "p", 0x01, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, NULL);
	g_autoptr(TokGpKeySet) kb = NULL;
	g_autoptr(TokGpKeySet) ka2 = NULL;
	g_autoptr(GPtrArray) keys = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(tks_key_info_equal(ia, ib));
	g_object_unref(a);
	kb = derive(b, "p", 0x01, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(ka, kb));
	a2 = open_store(label_a, USER_PIN, TKS_KEY_STORE_PKCS11_FLAG_NONE);
	g_object_unref(b);
	keys = tks_key_store_list_keys(TKS_KEY_STORE(a2), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(keys->len, ==, 1);
	ka2 = derive(a2, "p", 0x01, TOK_GP_DIVERSIFY_NIST_SP800_108, TOK_GP_KEY_TYPE_DES3, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_key_set_equal(ka, ka2));
	g_object_unref(a2);
}

static void
test_skip(void)
{
	g_test_skip("softhsm2 is not installed (" SOFTHSM_MODULE ", softhsm2-util)");
}

/* ---- SoftHSM2 set-up ---------------------------------------------------------------- */

static void
write_file(const gchar *dir, const gchar *name, const gchar *contents)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_assert_true(g_file_set_contents(path, contents, -1, &error));
	g_assert_no_error(error);
}

static void
softhsm_setup(TokenPool *pool)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tokens = NULL;
	g_autofree gchar *conf = NULL;

	pool->dir = g_dir_make_tmp("tks-pkcs11-XXXXXX", &error);
	g_assert_no_error(error);
	tokens = g_build_filename(pool->dir, "tokens", NULL);
	g_assert_cmpint(g_mkdir(tokens, 0700), ==, 0);
	conf = g_strdup_printf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
			       "slots.removable = false\n",
			       tokens);
	write_file(pool->dir, "softhsm2.conf", conf);
	write_file(pool->dir, "openssl.cnf",
		   "openssl_conf = openssl_init\n[openssl_init]\nproviders = provider_sect\n"
		   "[provider_sect]\ndefault = default_sect\nlegacy = legacy_sect\n"
		   "[default_sect]\nactivate = 1\n[legacy_sect]\nactivate = 1\n");
	g_free(conf);
	conf = g_build_filename(pool->dir, "softhsm2.conf", NULL);
	g_setenv("SOFTHSM2_CONF", conf, TRUE);
	g_free(conf);
	conf = g_build_filename(pool->dir, "openssl.cnf", NULL);
	g_setenv("OPENSSL_CONF", conf, TRUE);
	for (guint i = 0; i < N_TOKENS; i++) {
		g_autofree gchar *label = g_strdup_printf("tks-%02u", i);
		g_autofree gchar *err = NULL;
		g_autoptr(GSubprocess) p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
							    &error,
							    "softhsm2-util", "--init-token", "--free", "--label", label,
							    "--pin", USER_PIN, "--so-pin", SO_PIN, NULL);
		g_assert_no_error(error);
		g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error));
		g_assert_no_error(error);
		if (!g_subprocess_get_successful(p))
			g_error("softhsm2-util --init-token failed: %s", err);
	}
}

static void
remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			remove_tree(child);
		else
			g_unlink(child);
	}
	g_rmdir(path);
}

int
main(int argc, char **argv)
{
	TokenPool pool = {0};
	g_autofree gchar *util = g_find_program_in_path("softhsm2-util");
	int rc;

	g_test_init(&argc, &argv, NULL);
	if (util == NULL || !g_file_test(SOFTHSM_MODULE, G_FILE_TEST_EXISTS)) {
		g_test_add_func("/tks/key-store/pkcs11/skipped", test_skip);
		return g_test_run();
	}
	g_mutex_init(&pool.lock);
	softhsm_setup(&pool);
	tks_store_test_suite_add("/tks/key-store/pkcs11", make_store, &pool);
	g_test_add_data_func("/tks/key-store/pkcs11/not-extractable", &pool, test_not_extractable);
	g_test_add_data_func("/tks/key-store/pkcs11/generate-local", &pool, test_generate_local);
	g_test_add_data_func("/tks/key-store/pkcs11/generate-exportable", &pool, test_generate_exportable);
	g_test_add_data_func("/tks/key-store/pkcs11/wrong-pin", &pool, test_wrong_pin);
	g_test_add_data_func("/tks/key-store/pkcs11/bad-module", &pool, test_bad_module);
	g_test_add_data_func("/tks/key-store/pkcs11/spec", &pool, test_spec);
	g_test_add_data_func("/tks/key-store/pkcs11/foreign-objects", &pool, test_foreign_objects);
	g_test_add_data_func("/tks/key-store/pkcs11/session-lost", &pool, test_session_lost);
	g_test_add_data_func("/tks/key-store/pkcs11/shared-module", &pool, test_shared_module);
	rc = g_test_run();
	remove_tree(pool.dir);
	g_free(pool.dir);
	g_mutex_clear(&pool.lock);
	return rc;
}
