/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Static card keys (ENC, MAC, DEK/KEK) and secure channel session keys, held as TokSecret.
 *
 * Card static keys come either from a developer/factory key set used as is, or from a master
 * key by one of the diversification methods of protocol.md 3.4 / 3.7:
 *  - VISA2:  key = 3DES-ECB(master, KDD[0,1,4..7] F0 0n KDD[0,1,4..7] 0F 0n), n = 1 ENC,
 *            2 MAC, 3 KEK [Dogtag tks KDF.getDiversificationData_VISA2];
 *  - EMV:    the same with KDD[4..9] [KDF.getDiversificationData_EMV];
 *  - NIST SP 800-108 counter KDF with HMAC-SHA256 keyed by the master key:
 *            HMAC(master, i || 04 || 00 || context || 01 80) for i = 1, 2; the first 48 bytes
 *            are ENC || MAC || KEK [NistSP800_108KDF.computeCardKeys];
 *  - GPKMC:  AES-CMAC(master, i 00 00 00 c 00 00 00 CUID[6..9] CUID[4..5] L) for each 16-byte
 *            block of the key, c = 1 ENC, 2 MAC, 3 KEK [NistSP800_108KDF.diversifyAESKey].
 * Triple DES results get odd DES parity; with an AES result type VISA2/EMV give the 16 raw
 * bytes as an AES-128 key (Dogtag's SCP03 "DES3 master, emv" profile).
 */
#pragma once

#include <glib-object.h>

#include "tok-gp-crypto.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TOK_GP_KDD_SIZE  10
#define TOK_GP_CUID_SIZE 10

typedef enum {
	TOK_GP_SCP01 = 1, /* implementation 05 (GP 2.0.1 / OP 2.0.1) */
	TOK_GP_SCP02 = 2, /* implementation 15 */
	TOK_GP_SCP03 = 3, /* implementation 70 (and 00/10/20/30/60) */
} TokGpScp;

typedef enum {
	TOK_GP_KEY_TYPE_DES3, /* two-key triple DES, 16 bytes */
	TOK_GP_KEY_TYPE_AES,  /* AES-128, -192 or -256 */
} TokGpKeyType;

typedef enum {
	TOK_GP_KEY_ENC,
	TOK_GP_KEY_MAC,
	TOK_GP_KEY_DEK, /* KEK in Dogtag's vocabulary */
} TokGpKeyUsage;

typedef enum {
	TOK_GP_DIVERSIFY_NONE,
	TOK_GP_DIVERSIFY_VISA2,
	TOK_GP_DIVERSIFY_EMV,
	TOK_GP_DIVERSIFY_NIST_SP800_108,
	TOK_GP_DIVERSIFY_GPKMC,
} TokGpDiversification;

/* TRUE if @scp is one of the three protocols. */
gboolean
tok_gp_scp_is_valid(TokGpScp scp);
/* "SCP01", "SCP02", "SCP03" or "unknown". */
const gchar *
tok_gp_scp_to_string(TokGpScp scp);

/* ---- static key sets ---------------------------------------------------------------- */

typedef struct _TokGpKeySet TokGpKeySet;
#define TOK_TYPE_GP_KEY_SET (tok_gp_key_set_get_type())
GType
tok_gp_key_set_get_type(void);

/* Takes references to the three keys; DES3 keys are 16 bytes, AES keys 16, 24 or 32 bytes
 * and all of the same length. */
TokGpKeySet *
tok_gp_key_set_new(TokGpKeyType type,
		   TokSecret *enc,
		   TokSecret *mac,
		   TokSecret *dek,
		   GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same @len key bytes for ENC, MAC and DEK. */
TokGpKeySet *
tok_gp_key_set_new_from_data(TokGpKeyType type, const guint8 *key, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* The developer / factory key set: 40 41 .. 4F for all three keys (DES3 or AES-128). */
TokGpKeySet *
tok_gp_key_set_new_default(TokGpKeyType type) G_GNUC_WARN_UNUSED_RESULT;
TokGpKeySet *
tok_gp_key_set_ref(TokGpKeySet *keys) TOK_NONNULL(1);
void
tok_gp_key_set_unref(TokGpKeySet *keys);

TokGpKeyType
tok_gp_key_set_get_key_type(const TokGpKeySet *keys) TOK_NONNULL(1);
gsize
tok_gp_key_set_get_key_length(const TokGpKeySet *keys) TOK_NONNULL(1);
/* Borrowed; never NULL. */
TokSecret *
tok_gp_key_set_get_key(const TokGpKeySet *keys, TokGpKeyUsage usage) TOK_NONNULL(1);
/* Constant-time equality of type and all three keys. */
gboolean
tok_gp_key_set_equal(const TokGpKeySet *a, const TokGpKeySet *b);
/* Key check value of one key: DES KCV for DES3 keys, AES KCV for AES keys. */
gboolean
tok_gp_key_set_get_kcv(const TokGpKeySet *keys,
		       TokGpCrypto *crypto,
		       TokGpKeyUsage usage,
		       guint8 out[TOK_GP_KCV_SIZE],
		       GError **error) TOK_NONNULL(1, 2, 4);

/* Card static keys from @master (16-byte DES3 master for VISA2/EMV/NIST, AES master for
 * GPKMC; any key for NONE, which returns @master for all three keys).
 * @kdd: the 10-byte key diversification data (VISA2, EMV; the NIST context by default);
 * @context/@context_len: NIST SP 800-108 context (KDD, or the CUID when configured so); if
 * NULL, @kdd is used; @cuid: the 10-byte CUID (GPKMC). @result_type: DES3, or AES for
 * VISA2/EMV results used as AES-128 keys (NONE and GPKMC keep the master's type). */
TokGpKeySet *
tok_gp_key_set_derive(TokGpCrypto *crypto,
		      TokGpDiversification method,
		      TokGpKeyType master_type,
		      TokSecret *master,
		      const guint8 *kdd,
		      const guint8 *context,
		      gsize context_len,
		      const guint8 *cuid,
		      TokGpKeyType result_type,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 4);

/* The 16-byte VISA2 / EMV diversification data for @usage (n = 1, 2, 3; EMV also accepts 4
 * for an R-MAC key via @usage_byte). */
void
tok_gp_diversification_data_visa2(const guint8 kdd[TOK_GP_KDD_SIZE],
				  guint8 usage_byte,
				  guint8 out[16]) TOK_NONNULL(1, 3);
void
tok_gp_diversification_data_emv(const guint8 kdd[TOK_GP_KDD_SIZE],
				guint8 usage_byte,
				guint8 out[16]) TOK_NONNULL(1, 3);

/* ---- session keys ------------------------------------------------------------------- */

typedef struct _TokGpSessionKeys TokGpSessionKeys;
#define TOK_TYPE_GP_SESSION_KEYS (tok_gp_session_keys_get_type())
GType
tok_gp_session_keys_get_type(void);

/* S-ENC, S-MAC (C-MAC), optional S-RMAC and DEK (SCP01/SCP03: the static DEK/KEK; SCP02:
 * the DEK session key). DES3 keys (SCP01/02) are 16 bytes, SCP03 keys 16, 24 or 32 bytes. */
TokGpSessionKeys *
tok_gp_session_keys_new(TokGpScp scp,
			TokSecret *enc,
			TokSecret *mac,
			TokSecret *rmac,
			TokSecret *dek,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokGpSessionKeys *
tok_gp_session_keys_ref(TokGpSessionKeys *keys) TOK_NONNULL(1);
void
tok_gp_session_keys_unref(TokGpSessionKeys *keys);
TokGpScp
tok_gp_session_keys_get_scp(const TokGpSessionKeys *keys) TOK_NONNULL(1);
/* Borrowed; NULL for a key that was not given (R-MAC, DEK). */
TokSecret *
tok_gp_session_keys_get_enc(const TokGpSessionKeys *keys) TOK_NONNULL(1);
TokSecret *
tok_gp_session_keys_get_mac(const TokGpSessionKeys *keys) TOK_NONNULL(1);
TokSecret *
tok_gp_session_keys_get_rmac(const TokGpSessionKeys *keys) TOK_NONNULL(1);
TokSecret *
tok_gp_session_keys_get_dek(const TokGpSessionKeys *keys) TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokGpKeySet, tok_gp_key_set_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokGpSessionKeys, tok_gp_session_keys_unref)

G_END_DECLS
