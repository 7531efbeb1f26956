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

G_END_DECLS
