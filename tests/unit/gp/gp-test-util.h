/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Small helpers shared by the libtok-gp tests: hex literals in, hex assertions out.
 */
#pragma once

#include <glib.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-secret.h"

G_BEGIN_DECLS

/* Hex text (spaces allowed) to bytes; aborts the test on malformed text. */
static inline GBytes *
gp_test_hex(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	GBytes *bytes = tok_hex_decode(hex, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	g_assert_no_error(error);
	g_assert_nonnull(bytes);
	return bytes;
}

/* Decodes @hex into @out, which must hold exactly @len bytes. */
static inline void
gp_test_hex_into(const gchar *hex, guint8 *out, gsize len)
{
	g_autoptr(GBytes) bytes = gp_test_hex(hex);
	gsize n = 0;
	const guint8 *data = g_bytes_get_data(bytes, &n);
	g_assert_cmpuint(n, ==, len);
	for (gsize i = 0; i < n; i++)
		out[i] = data[i];
}

static inline TokSecret *
gp_test_secret(const gchar *hex)
{
	g_autoptr(GBytes) bytes = gp_test_hex(hex);
	gsize n = 0;
	const guint8 *data = g_bytes_get_data(bytes, &n);
	return tok_secret_new_from_data(data, n);
}

/* Compares @data with @hex and prints both on a mismatch. */
static inline void
gp_test_assert_hex(const guint8 *data, gsize len, const gchar *hex)
{
	g_autoptr(GBytes) want = gp_test_hex(hex);
	g_autofree gchar *got = tok_hex_encode(data, len, TRUE);
	g_autofree gchar *exp = tok_hex_encode_bytes(want, TRUE);
	g_assert_cmpstr(got, ==, exp);
}

static inline void
gp_test_assert_bytes_hex(GBytes *bytes, const gchar *hex)
{
	gsize len = 0;
	const guint8 *data;
	g_assert_nonnull(bytes);
	data = g_bytes_get_data(bytes, &len);
	gp_test_assert_hex(data, len, hex);
}

static inline void
gp_test_assert_secret_hex(const TokSecret *secret, const gchar *hex)
{
	gsize len = 0;
	const guint8 *data;
	g_assert_nonnull(secret);
	data = tok_secret_get_data(secret, &len);
	gp_test_assert_hex(data, len, hex);
}

G_END_DECLS
