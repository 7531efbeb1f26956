/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Private to server/tks: g_autoptr cleanups for the OpenSSL 3 types the TKS uses.
 */
#pragma once

#include "tok-openssl-autoptr.h"

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "tks-error.h"
#include "tok-error.h"

G_BEGIN_DECLS


/* Random bytes from the DEFAULT library context's DRBG. The TKS never draws random numbers
 * from a private OSSL_LIB_CTX (TokGpCrypto's): OpenSSL 3.0 keeps per-thread DRBG state for
 * each context and does not remove it from other threads when the context is freed
 * (openssl/openssl#16778), so a TokGpCrypto used for random numbers in one thread and freed
 * in another (a GTask worker dropping the last reference) crashes the process at exit. */
static inline gboolean
tks_random_bytes(guint8 *out, gsize len, GError **error)
{
	if (len > G_MAXINT || RAND_bytes(out, (int)len) != 1) {
		tok_error_set_openssl(error, "random bytes");
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return FALSE;
	}
	return TRUE;
}

G_END_DECLS
