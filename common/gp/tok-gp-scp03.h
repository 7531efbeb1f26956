/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SCP03 (GP 2.2 Amendment D v1.1.1; implementation 70 = pseudo-random card challenge, R-MAC
 * and R-ENCRYPTION support), protocol.md 3.7:
 *  - data derivation: NIST SP 800-108 counter KDF with AES-CMAC,
 *    input = 00 x 11 || constant || 00 || L(2, bits) || i || context;
 *  - session keys (context hc || cc, L = key bits): S-ENC 04 from ENC, S-MAC 06 and
 *    S-RMAC 07 from MAC; the static DEK is used as is;
 *  - cryptograms: S-MAC, constant 00 (card) / 01 (host), L = 64, context hc || cc;
 *  - pseudo-random card challenge: static ENC, constant 02, L = 64, context = sequence
 *    counter (3) || AID of the invoking application;
 *  - C-MAC: AES-CMAC(S-MAC, chaining value(16) || CLA INS P1 P2 Lc' || data as sent), the
 *    MAC is its first 8 bytes and the chaining value becomes the whole 16-byte output;
 *  - C-DECRYPTION: encrypt then MAC; IV = AES-ECB(S-ENC, counter as a 16-byte block), data
 *    padded 80 00.. always, AES-CBC; no encryption of an empty data field;
 *  - R-MAC: AES-CMAC(S-RMAC, chaining value || response data || SW1 SW2), first 8 bytes.
 */
#pragma once

#include <glib.h>

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-gp-scp01.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TOK_GP_SCP03_CONSTANT_CARD_CRYPTOGRAM 0x00
#define TOK_GP_SCP03_CONSTANT_HOST_CRYPTOGRAM 0x01
#define TOK_GP_SCP03_CONSTANT_CARD_CHALLENGE  0x02
#define TOK_GP_SCP03_CONSTANT_S_ENC           0x04
#define TOK_GP_SCP03_CONSTANT_S_MAC           0x06
#define TOK_GP_SCP03_CONSTANT_S_RMAC          0x07
#define TOK_GP_SCP03_CHAIN_SIZE               16

/* The GP data derivation scheme: @out_bits of output (64, 128, 192 or 256) from AES key
 * @key (16, 24 or 32 bytes), derivation @constant and @context (up to 64 bytes). */
gboolean
tok_gp_scp03_kdf(TokGpCrypto *crypto,
		 const guint8 *key,
		 gsize key_len,
		 guint8 constant,
		 guint16 out_bits,
		 const guint8 *context,
		 gsize context_len,
		 guint8 *out,
		 GError **error) TOK_NONNULL(1, 2, 8);

/* One session key (as long as @static_key) for @constant (04, 06 or 07). */
TokSecret *
tok_gp_scp03_derive_session_key(TokGpCrypto *crypto,
				TokSecret *static_key,
				guint8 constant,
				const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 4, 5);

/* S-ENC, S-MAC, S-RMAC and the static DEK. */
TokGpSessionKeys *
tok_gp_scp03_derive_session_keys(TokGpCrypto *crypto,
				 const TokGpKeySet *keys,
				 const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				 const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				 GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3, 4);

gboolean
tok_gp_scp03_card_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_mac,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error) TOK_NONNULL(1, 2, 3, 4, 5);
gboolean
tok_gp_scp03_host_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_mac,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error) TOK_NONNULL(1, 2, 3, 4, 5);

/* Pseudo-random card challenge from the static ENC key, the 24-bit @sequence_counter and
 * the AID (5..16 bytes) of the application that invoked the secure channel. */
gboolean
tok_gp_scp03_card_challenge(TokGpCrypto *crypto,
			    TokSecret *static_enc,
			    guint32 sequence_counter,
			    const guint8 *aid,
			    gsize aid_len,
			    guint8 out[TOK_GP_CHALLENGE_SIZE],
			    GError **error) TOK_NONNULL(1, 2, 6);

/* AES-CMAC(@key, @chain || @data): the C-MAC (first 8 bytes) and next chaining value (all
 * 16) for S-MAC, or the R-MAC for S-RMAC. */
gboolean
tok_gp_scp03_compute_mac(TokGpCrypto *crypto,
			 TokSecret *key,
			 const guint8 chain[TOK_GP_SCP03_CHAIN_SIZE],
			 const guint8 *data,
			 gsize len,
			 guint8 out[TOK_GP_SCP03_CHAIN_SIZE],
			 GError **error) TOK_NONNULL(1, 2, 3, 6);

/* C-DECRYPTION with the encryption counter value @counter (1 for the first command after
 * EXTERNAL AUTHENTICATE): the cipher text of the padded data field (0..255 bytes; empty data
 * gives an empty result, nothing is encrypted). */
GBytes *
tok_gp_scp03_encrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     guint32 counter,
		     const guint8 *data,
		     gsize len,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* The card side: decrypts and strips the padding; a bad padding is TOK_ERROR_AUTH_FAILED. */
GBytes *
tok_gp_scp03_decrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     guint32 counter,
		     const guint8 *data,
		     gsize len,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

G_END_DECLS
