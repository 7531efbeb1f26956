/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Test helper: builds a TksKeyStoreFile image for a raw key file key around any plain text
 * (tks-key-store-file.h layout), so tests and the fuzz target reach the key list parser.
 */
#pragma once

#include <glib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "tok-bytes.h"

G_BEGIN_DECLS

/* Header for KDF 2 (raw key), zero salt, nonce 01..0C; then AES-256-GCM(@key32) || tag. */
static inline GBytes *
tks_test_seal(const guint8 *key32, const guint8 *plain, gsize len)
{
	GByteArray *out = g_byte_array_new();
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	guint8 nonce[12];
	guint8 tag[16];
	int outl = 0;
	int header_len;
	OSSL_PARAM params[2];

	for (guint i = 0; i < 12; i++)
		nonce[i] = (guint8)(i + 1);
	g_byte_array_append(out, (const guint8 *)"TKS-KEYS", 8);
	tok_byte_array_append_u16_be(out, 1);
	tok_byte_array_append_u8(out, 2);
	tok_byte_array_append_u8(out, 0);
	tok_byte_array_append_u32_be(out, 0);
	tok_byte_array_append_u32_be(out, 0);
	for (guint i = 0; i < 16; i++)
		tok_byte_array_append_u8(out, 0);
	g_byte_array_append(out, nonce, 12);
	header_len = (int)out->len;
	g_byte_array_set_size(out, out->len + (guint)len + 16);
	if (EVP_EncryptInit_ex2(ctx, cipher, key32, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &outl, out->data, header_len) != 1 ||
	    EVP_EncryptUpdate(ctx, out->data + header_len, &outl, plain, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out->data + header_len + outl, &outl) != 1)
		g_error("AES-256-GCM failed");
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, sizeof(tag));
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_CIPHER_CTX_get_params(ctx, params) != 1)
		g_error("AES-256-GCM tag failed");
	g_byte_array_set_size(out, (guint)header_len + (guint)len);
	g_byte_array_append(out, tag, sizeof(tag));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return g_byte_array_free_to_bytes(out);
}

G_END_DECLS
