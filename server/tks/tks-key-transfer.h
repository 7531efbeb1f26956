/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The file a key travels in between two TKS key stores (tkstool export / import): the key's
 * description and its value wrapped under a 32-byte AES-256 transport key with RFC 5649
 * (see tks-key-store.h). Text, GKeyFile syntax, one group, every field required:
 *
 *   [tks-wrapped-key]
 *   key-set=defKeySet
 *   version=02
 *   kind=master
 *   type=des3
 *   check-values=A1B2C3              (developer key sets: three, space-separated)
 *   wrapping=aes256-kwp
 *   transport-check-value=0C1D2E      (AES KCV of the transport key)
 *   wrapped=<hex>
 *
 * The wrapped value is not secret without the transport key, which travels separately.
 */
#pragma once

#include <glib.h>

#include "tks-key-store.h"
#include "tok-gp-crypto.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define TKS_KEY_TRANSFER_MAX 8192

/* The text form. */
gchar *
tks_key_transfer_to_text(const TksKeyInfo *info, GBytes *wrapped, const guint8 transport_kcv[TKS_KCV_SIZE])
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3);
/* Strict parser of the text form: TKS_ERROR_INVALID_DATA naming the bad field. */
gboolean
tks_key_transfer_parse(const guint8 *data,
		       gsize len,
		       TksKeyInfo **info,
		       GBytes **wrapped,
		       guint8 transport_kcv[TKS_KCV_SIZE],
		       GError **error) TOK_NONNULL(3, 4, 5);

/* Exports (@key_set, @version) of @store to a new file @path (mode 0600, never overwritten). */
TksKeyInfo *
tks_key_transfer_export(TksKeyStore *store,
			TokGpCrypto *crypto,
			const gchar *key_set,
			guint version,
			TokSecret *transport_key,
			const gchar *path,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 5, 6);
/* Imports the key in @path into @store; a transport key whose check value differs from the
 * file's is TKS_ERROR_CHECK_VALUE "wrong transport key" before anything is unwrapped. */
TksKeyInfo *
tks_key_transfer_import(TksKeyStore *store,
			TokGpCrypto *crypto,
			const gchar *path,
			TokSecret *transport_key,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3, 4);

G_END_DECLS
