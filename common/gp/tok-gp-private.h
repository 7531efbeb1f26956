/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal helpers shared by the libtok-gp modules (not installed, not API).
 */
#pragma once

#include "tok-openssl-autoptr.h"

#include <glib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tok-gp-crypto.h"
#include "tok-secret.h"

G_BEGIN_DECLS


/* A fixed-size scratch buffer for key material that is wiped when it goes out of scope. */
typedef struct {
	guint8 data[64];
} TokGpScratch;

static inline void
tok_gp_scratch_clear(TokGpScratch *scratch)
{
	OPENSSL_cleanse(scratch->data, sizeof(scratch->data));
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TokGpScratch, tok_gp_scratch_clear)

/* Copies @len bytes (loop, no memcpy in library code). */
static inline void
tok_gp_copy(guint8 *dst, const guint8 *src, gsize len)
{
	for (gsize i = 0; i < len; i++)
		dst[i] = src[i];
}

/* TRUE if @key is a 16-byte two-key triple-DES key; else "<scp> <what> key has N bytes,
 * expected 16" (TOK_ERROR_INVALID_DATA). */
gboolean
tok_gp_check_des3_key(TokSecret *key, const gchar *scp, const gchar *what, GError **error);

/* The C-DEC data field of SCP01 and SCP02 (protocol.md 10.6): @len ≤ 255 bytes of @data, after a
 * length byte when @length_prefix (SCP01), padded with 80 00.. always (@pad_always, SCP02) or only
 * up to a whole block (SCP01), encrypted with the 16-byte @s_enc in 3DES-CBC with a zero IV.
 * Errors name @scp. Returns wiped bytes. */
GBytes *
tok_gp_des3_encrypt_field(TokGpCrypto *crypto,
			  TokSecret *s_enc,
			  const gchar *scp,
			  gboolean length_prefix,
			  gboolean pad_always,
			  const guint8 *data,
			  gsize len,
			  GError **error);
/* The reverse up to the padding: @len must be whole blocks (≤ 256), decrypted with @s_enc into
 * a wiped array the caller unpads as its protocol says. Errors name @scp. */
GByteArray *
tok_gp_des3_decrypt_field(TokGpCrypto *crypto,
			  TokSecret *s_enc,
			  const gchar *scp,
			  const guint8 *data,
			  gsize len,
			  GError **error);

G_END_DECLS
