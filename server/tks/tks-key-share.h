/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Key shares for key ceremonies (tkstool): a master key is split into N shares (2..16), all
 * of which are needed to rebuild it: shares 1..N-1 are random, share N = key XOR the others.
 * Each share carries its own key check value (the KCV of the share taken as a key of the
 * key's type), so a mistyped or wrong share is caught as "share I: check value does not
 * match", and the KCV of the whole key, so a share of another key is caught after combining.
 *
 * Text form (one share per file or terminal paste; '#' comments and blank lines ignored):
 *   key-set: defKeySet            (optional)
 *   version: 02                   (optional, hex)
 *   type: des3                    (optional: des3, aes128, aes256)
 *   share: 2/3                    (optional: index / count)
 *   value: 0123 4567 89AB ...     (required: hex, spaces allowed between byte pairs)
 *   check-value: A1B2C3           (required)
 *   key-check-value: D4E5F6       (optional)
 * The text of a share is a secret: it is returned as a wiped GBytes, never logged.
 */
#pragma once

#include <glib-object.h>

#include "tks-key-store.h"
#include "tok-gp-crypto.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TKS_KEY_SHARE_MAX_COUNT 16
#define TKS_KEY_SHARE_TEXT_MAX	4096

typedef struct _TksKeyShare TksKeyShare;
#define TKS_TYPE_KEY_SHARE (tks_key_share_get_type())
GType
tks_key_share_get_type(void);

void
tks_key_share_free(TksKeyShare *share);
TksKeyShare *
tks_key_share_copy(const TksKeyShare *share) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* 1-based index and count; 0 when the share text did not say. */
guint
tks_key_share_get_index(const TksKeyShare *share) TOK_NONNULL(1);
guint
tks_key_share_get_count(const TksKeyShare *share) TOK_NONNULL(1);
/* The share's key check value (3 bytes, borrowed). */
const guint8 *
tks_key_share_get_kcv(const TksKeyShare *share) TOK_NONNULL(1);

/* Splits @key (a single key of @type) into @count shares (TksKeyShare, element free
 * function set). @key_set and @version (0: unknown) are recorded in the shares. */
GPtrArray *
tks_key_share_split(TokGpCrypto *crypto,
		    TksKeyType type,
		    TokSecret *key,
		    guint count,
		    const gchar *key_set,
		    guint version,
		    GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3);

/* Rebuilds the key from @shares (TksKeyShare). @type: the key type when no share names it
 * (a share's own type wins; shares must agree). Fails with TKS_ERROR_CHECK_VALUE
 * "share I: check value does not match" for a wrong share, and for a combined key whose KCV
 * differs from the recorded one; TKS_ERROR_INVALID_ARGUMENT for missing, repeated or
 * inconsistent shares. */
TokSecret *
tks_key_share_combine(TokGpCrypto *crypto,
		      GPtrArray *shares,
		      TksKeyType type,
		      TksKeyType *out_type,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* The text form (a wiped GBytes, NUL-terminated text without the NUL). */
GBytes *
tks_key_share_to_text(const TksKeyShare *share) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Strict parser of the text form (at most TKS_KEY_SHARE_TEXT_MAX bytes). */
TksKeyShare *
tks_key_share_parse(const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TksKeyShare, tks_key_share_free)

G_END_DECLS
