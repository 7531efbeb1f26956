/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Key transport under the card's key-encryption key (protocol.md 3.8, 3.9, 4.5, 4.6):
 *  - PUT KEY key set data (P2 = 81: three keys ENC, MAC, DEK/KEK in this order):
 *      DES (SCP01/SCP02), 67 bytes: new version || 3 x (81 10 <3DES-ECB(wrap key, key)> 03 <KCV>),
 *        KCV = DES-ECB(key, 00 x 8)[0..2]; wrap key = the current static KEK (SCP01) or the
 *        DEK session key (SCP02);
 *      AES (SCP03): new version || 3 x (88 <n+1> <n> <AES-CBC(KEK, IV 0, key)> 03 <KCV>),
 *        n = 16 or 32 (`88 11 10` / `88 21 20`), KCV = AES-CBC(key, IV 0, 01 x 16)[0..2];
 *        wrap key = the current static KEK;
 *  - the KEK-wrapped challenge of on-card key generation (TKS encryptData): 3DES-ECB with the
 *    static KEK (SCP01/SCP02) or AES-CBC with IV 0 (SCP03);
 *  - the KEK-wrapped transport key of server-side key generation (kek_wrapped_desKey, with
 *    its key check value).
 * Each has its card-side counterpart, used by the virtual card. Results are wiped GBytes or
 * TokSecret.
 */
#pragma once

#include <glib.h>

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TOK_GP_PUT_KEY_DES_DATA_SIZE 67

/* Encrypts @len bytes (a multiple of the block size of @kek_type) under @kek: 3DES-ECB for a
 * DES3 KEK, AES-CBC with a zero IV for an AES KEK. */
GBytes *
tok_gp_key_wrap(TokGpCrypto *crypto,
		TokGpKeyType kek_type,
		TokSecret *kek,
		const guint8 *data,
		gsize len,
		GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3);
/* The inverse of tok_gp_key_wrap(); with @kcv (3 bytes) the result, taken as a key of
 * @key_type, must have that key check value (else TOK_ERROR_AUTH_FAILED). */
TokSecret *
tok_gp_key_unwrap(TokGpCrypto *crypto,
		  TokGpKeyType kek_type,
		  TokSecret *kek,
		  const guint8 *data,
		  gsize len,
		  TokGpKeyType key_type,
		  const guint8 *kcv,
		  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3);

/* The key set data of PUT KEY for @scp (DES form for SCP01/SCP02, AES form for SCP03). */
GBytes *
tok_gp_put_key_build_key_set_data(TokGpCrypto *crypto,
				  TokGpScp scp,
				  guint8 new_version,
				  const TokGpKeySet *new_keys,
				  TokSecret *wrap_key,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 4, 5);
/* The card side: parses the key set data strictly, unwraps the three keys and checks their
 * key check values (a mismatch, e.g. a wrong wrap key, is TOK_ERROR_AUTH_FAILED). */
TokGpKeySet *
tok_gp_put_key_parse_key_set_data(TokGpCrypto *crypto,
				  TokGpScp scp,
				  const guint8 *data,
				  gsize len,
				  TokSecret *wrap_key,
				  guint8 *new_version,
				  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 5);

/* The wrapped key generation challenge (16 bytes in Dogtag) under the static KEK. */
GBytes *
tok_gp_challenge_wrap(TokGpCrypto *crypto,
		      TokGpScp scp,
		      TokSecret *kek,
		      TokSecret *challenge,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3, 4);
TokSecret *
tok_gp_challenge_unwrap(TokGpCrypto *crypto,
			TokGpScp scp,
			TokSecret *kek,
			const guint8 *wrapped,
			gsize len,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3);

G_END_DECLS
