/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TokGpCrypto: the cryptographic primitives of the GlobalPlatform secure channels, on
 * OpenSSL 3 EVP / EVP_MAC only, inside a private OSSL_LIB_CTX owned by the object (the
 * process-wide default library context is never touched).
 *
 * Single DES is NOT taken from OpenSSL's legacy provider: it is computed as DES-EDE3 with
 * K1 = K2 = K3 (E(K, D(K, E(K, x))) = E(K, x)) in the default provider, which gives the same
 * result. Two-key triple DES keys (16 bytes) are used as K1 K2 K1.
 *
 * All buffers are caller-owned; outputs have the size stated for each function. Key bytes are
 * never logged. A TokGpCrypto may be shared between threads (every call uses its own cipher
 * or MAC context).
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TOK_GP_DES_BLOCK_SIZE 8
#define TOK_GP_AES_BLOCK_SIZE 16
#define TOK_GP_KCV_SIZE       3
/* Largest input accepted by the block cipher and MAC helpers. */
#define TOK_GP_CRYPTO_MAX_INPUT (1024 * 1024)

#define TOK_TYPE_GP_CRYPTO (tok_gp_crypto_get_type())
G_DECLARE_FINAL_TYPE(TokGpCrypto, tok_gp_crypto, TOK, GP_CRYPTO, GObject)

/* Creates a private library context with the default provider loaded into it. */
TokGpCrypto *
tok_gp_crypto_new(GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* DES family, ECB or CBC without padding; @len must be a multiple of 8. @key_len is 8
 * (single DES), 16 (two-key triple DES) or 24 (three-key triple DES). @in and @out may be
 * the same buffer. */
gboolean
tok_gp_crypto_des_ecb(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error) TOK_NONNULL(1, 3);
gboolean
tok_gp_crypto_des_cbc(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *iv,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error) TOK_NONNULL(1, 3, 5);

/* AES-128/192/256 (by @key_len 16, 24 or 32), ECB or CBC without padding; @len must be a
 * multiple of 16; @iv is 16 bytes. */
/* 3DES-CBC with a zero IV under the 16-byte key in @key (the SCP01/SCP02 session encryption);
 * @len is a multiple of 8 and @out holds @len bytes. */
gboolean
tok_gp_crypto_des3_cbc_zero_iv(TokGpCrypto *self,
			       gboolean encrypt,
			       TokSecret *key,
			       const guint8 *in,
			       gsize len,
			       guint8 *out,
			       GError **error) TOK_NONNULL(1, 3);

gboolean
tok_gp_crypto_aes_ecb(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error) TOK_NONNULL(1, 3);
gboolean
tok_gp_crypto_aes_cbc(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *iv,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error) TOK_NONNULL(1, 3, 5);

/* AES-CMAC (NIST SP 800-38B), full 16-byte tag. */
gboolean
tok_gp_crypto_aes_cmac(TokGpCrypto *self,
		       const guint8 *key,
		       gsize key_len,
		       const guint8 *data,
		       gsize len,
		       guint8 out[16],
		       GError **error) TOK_NONNULL(1, 2, 6);

/* HMAC-SHA256, 32-byte tag. */
gboolean
tok_gp_crypto_hmac_sha256(TokGpCrypto *self,
			  const guint8 *key,
			  gsize key_len,
			  const guint8 *data,
			  gsize len,
			  guint8 out[32],
			  GError **error) TOK_NONNULL(1, 2, 6);

typedef enum {
	TOK_GP_PRF_HMAC_SHA256,
	TOK_GP_PRF_CMAC_AES,
} TokGpPrf;

/* NIST SP 800-108 KDF in counter mode with a one-byte counter i = 1, 2, ...:
 * K(i) = PRF(key, @before || i || @after); the output is K(1) || K(2) ... cut to @out_len
 * (1..255 PRF blocks). With an empty @before this is CAVP's CTRLOCATION=BEFORE_FIXED,
 * otherwise MIDDLE_FIXED. */
gboolean
tok_gp_crypto_kdf_counter(TokGpCrypto *self,
			  TokGpPrf prf,
			  const guint8 *key,
			  gsize key_len,
			  const guint8 *before,
			  gsize before_len,
			  const guint8 *after,
			  gsize after_len,
			  guint8 *out,
			  gsize out_len,
			  GError **error) TOK_NONNULL(1, 3, 9);

/* ISO/IEC 9797-1 MAC algorithm 1 with two-key triple DES over every block ("full triple DES
 * CBC-MAC"), padding method 2 (80 00..) always applied, initial chaining value @icv (8 bytes).
 * Used for SCP01 C-MAC and for the SCP01/SCP02 cryptograms. */
gboolean
tok_gp_crypto_des3_mac(TokGpCrypto *self,
		       const guint8 *key16,
		       const guint8 *icv,
		       const guint8 *data,
		       gsize len,
		       guint8 out[8],
		       GError **error) TOK_NONNULL(1, 2, 3, 6);

/* ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC"): single DES with K1 over all blocks but the
 * last, two-key triple DES on the last; padding method 2 always; initial value @icv. SCP02. */
gboolean
tok_gp_crypto_retail_mac(TokGpCrypto *self,
			 const guint8 *key16,
			 const guint8 *icv,
			 const guint8 *data,
			 gsize len,
			 guint8 out[8],
			 GError **error) TOK_NONNULL(1, 2, 3, 6);

/* @len bytes from the DRBG of the private library context. */
gboolean
tok_gp_crypto_random(TokGpCrypto *self, guint8 *out, gsize len, GError **error) TOK_NONNULL(1);

/* Key check values: the first 3 bytes of DES-ECB(key, 00 x 8) (@key_len 8, 16 or 24), and of
 * AES-CBC(key, IV 0, 01 x 16) (GP 2.2 Amendment D). */
gboolean
tok_gp_crypto_kcv_des(TokGpCrypto *self,
		      const guint8 *key,
		      gsize key_len,
		      guint8 out[TOK_GP_KCV_SIZE],
		      GError **error) TOK_NONNULL(1, 2, 4);
gboolean
tok_gp_crypto_kcv_aes(TokGpCrypto *self,
		      const guint8 *key,
		      gsize key_len,
		      guint8 out[TOK_GP_KCV_SIZE],
		      GError **error) TOK_NONNULL(1, 2, 4);

/* Sets the low bit of every byte so that each byte has an odd number of one bits. */
void
tok_gp_des_set_odd_parity(guint8 *key, gsize len) TOK_NONNULL(1);

/* Appends ISO/IEC 9797-1 padding method 2 (80 then 00 up to a multiple of @block_size):
 * always at least one byte. */
void
tok_gp_pad80(GByteArray *array, guint block_size) TOK_NONNULL(1);

/* Length of @data without its method-2 padding: the last non-zero byte must be 80 and lie in
 * the last block of @block_size bytes. FALSE if the padding is missing or malformed. */
gboolean
tok_gp_unpad80(const guint8 *data, gsize len, guint block_size, gsize *unpadded_len) TOK_NONNULL(4);

/* Constant-time comparison of two buffers of @len bytes. */
gboolean
tok_gp_memeq(const guint8 *a, const guint8 *b, gsize len);

G_END_DECLS
