/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared between the two halves of the key store test suite (store tests, service tests).
 */
#pragma once

#include <glib.h>

#include "tks-key-store.h"
#include "tks-store-test-suite.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"
#include "tok-secret.h"

G_BEGIN_DECLS

typedef struct {
	TksStoreTestMakeFunc make;
	gpointer data;
	void (*func)(gconstpointer tc);
} TksStoreTestCase;

/* A new empty store from the case's factory; NULL if the test was skipped. */
static inline TksKeyStore *
tks_store_test_make(gconstpointer user_data)
{
	const TksStoreTestCase *tc = user_data;
	return tc->make(tc->data);
}

static inline TokSecret *
tks_store_test_secret(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	return tok_secret_new_from_data(g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static inline void
tks_store_test_hex_into(const gchar *hex, guint8 *out, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(b), ==, len);
	for (gsize i = 0; i < len; i++)
		out[i] = ((const guint8 *)g_bytes_get_data(b, NULL))[i];
}

static inline TokGpCrypto *
tks_store_test_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return crypto;
}

/* Imports @hex at (@key_set, @version) and checks the returned info. */
static inline void
tks_store_test_import(TksKeyStore *store, const gchar *key_set, guint version, TksKeyKind kind, TksKeyType type, const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) value = tks_store_test_secret(hex);
	g_autoptr(TksKeyInfo) info = tks_key_store_import_key(store, key_set, version, kind, type, value, &error);
	g_assert_no_error(error);
	g_assert_nonnull(info);
	g_assert_cmpstr(tks_key_info_get_key_set(info), ==, key_set);
	g_assert_cmpuint(tks_key_info_get_version(info), ==, version);
}

/* Registers the service half of the suite. */
void
tks_store_test_service_add(const gchar *prefix, TksStoreTestMakeFunc make_store, gpointer data);
/* Registers one test. */
void
tks_store_test_add(const gchar *prefix,
		   const gchar *name,
		   TksStoreTestMakeFunc make_store,
		   gpointer data,
		   void (*func)(gconstpointer tc));

G_END_DECLS
