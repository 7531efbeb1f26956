/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SCP02 (GP 2.1.1, implementation 15: explicit initiation, C-MAC on the modified APDU, ICV
 * zero, ICV encryption, three static keys), protocol.md 3.6:
 *  - session key = 3DES-CBC(static key, IV 0, constant(2) || sequence counter(2) || 00 x 12);
 *    S-ENC 01 82 from ENC, C-MAC 01 01 and R-MAC 01 02 from MAC, DEK 01 81 from DEK;
 *  - cryptograms: full triple-DES CBC-MAC with S-ENC, ICV 0, padding always:
 *    card = MAC(hc || seq || cc6), host = MAC(seq || cc6 || hc);
 *  - C-MAC: ISO 9797-1 MAC algorithm 3 (retail MAC) with the C-MAC key over CLA INS P1 P2 Lc'
 *    plain data; ICV 0 for EXTERNAL AUTHENTICATE, then single-DES-ECB(K1, previous C-MAC);
 *  - C-DECRYPTION: 3DES-CBC (IV 0, S-ENC) of the data padded with 80 00.. always, no length
 *    byte; the MAC is computed over the plain text first;
 *  - R-MAC (security levels 11 and 13, GP 2.1.1 E.4.5): retail MAC with the R-MAC session key
 *    over CLA' INS P1 P2 Lc <data> || Li <response data> || SW1 SW2, where CLA' is CLA without
 *    the secure messaging and logical channel bits (07) and Lc/data are those of the plain
 *    command (before C-MAC and C-DECRYPTION; Lc 00 when there is no data), Li the length of
 *    the response data; padding 80 00.. always, once; ICV = the previous R-MAC, for the first
 *    response the C-MAC of EXTERNAL AUTHENTICATE; no ICV encryption. Every response carries
 *    it (error status words too, without data). This is the rule of GlobalPlatformPro
 *    (SCP02Wrapper: CLA & ~07, Lc always; its ICV was the EXTERNAL AUTHENTICATE C-MAC until
 *    2019), kaoh/globalplatform (GP211_calculate_R_MAC, lastR_MAC set by EXTERNAL
 *    AUTHENTICATE) and skythen/scp02 (RMACSession); GlobalPlatformPro pads twice, the other
 *    two once.
 */
#pragma once

#include <glib.h>

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-gp-scp01.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TOK_GP_SCP02_CONSTANT_C_MAC      0x0101
#define TOK_GP_SCP02_CONSTANT_R_MAC      0x0102
#define TOK_GP_SCP02_CONSTANT_DEK        0x0181
#define TOK_GP_SCP02_CONSTANT_ENC        0x0182
#define TOK_GP_SCP02_CARD_CHALLENGE_SIZE 6
/* Response data that still fits a short response (256 bytes) once the R-MAC is added. */
#define TOK_GP_SCP02_RMAC_MAX_DATA 248

/* One session key from one static key (16-byte DES3); odd DES parity is set. */
TokSecret *
tok_gp_scp02_derive_session_key(TokGpCrypto *crypto,
				TokSecret *static_key,
				guint16 constant,
				guint16 sequence_counter,
				GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* S-ENC, C-MAC, R-MAC and the DEK session key. */
TokGpSessionKeys *
tok_gp_scp02_derive_session_keys(TokGpCrypto *crypto,
				 const TokGpKeySet *keys,
				 guint16 sequence_counter,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

gboolean
tok_gp_scp02_card_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint16 sequence_counter,
			     const guint8 card_challenge[TOK_GP_SCP02_CARD_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error) TOK_NONNULL(1, 2, 3, 5, 6);
gboolean
tok_gp_scp02_host_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint16 sequence_counter,
			     const guint8 card_challenge[TOK_GP_SCP02_CARD_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error) TOK_NONNULL(1, 2, 3, 5, 6);

/* Retail MAC with the C-MAC key and the given (already encrypted, if due) ICV. */
gboolean
tok_gp_scp02_compute_mac(TokGpCrypto *crypto,
			 TokSecret *s_mac,
			 const guint8 icv[TOK_GP_MAC_SIZE],
			 const guint8 *data,
			 gsize len,
			 guint8 out[TOK_GP_MAC_SIZE],
			 GError **error) TOK_NONNULL(1, 2, 3, 6);
/* ICV encryption: single-DES-ECB(K1 of the C-MAC key, @previous_mac). */
gboolean
tok_gp_scp02_encrypt_icv(TokGpCrypto *crypto,
			 TokSecret *s_mac,
			 const guint8 previous_mac[TOK_GP_MAC_SIZE],
			 guint8 out[TOK_GP_MAC_SIZE],
			 GError **error) TOK_NONNULL(1, 2, 3, 4);

/* The command half of the R-MAC input, CLA' INS P1 P2 Lc <data> (a wiped GBytes), from the
 * header CLA INS P1 P2 and the plain data field (0..255 bytes) of a command. */
GBytes *
tok_gp_scp02_rmac_command(const guint8 header[4],
			  const guint8 *data,
			  gsize len,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The R-MAC of @command (from tok_gp_scp02_rmac_command()) and its response: @data
 * (0..255 bytes, without R-MAC) and @sw, chained on @icv (the previous R-MAC). */
gboolean
tok_gp_scp02_compute_rmac(TokGpCrypto *crypto,
			  TokSecret *s_rmac,
			  const guint8 icv[TOK_GP_MAC_SIZE],
			  GBytes *command,
			  const guint8 *data,
			  gsize len,
			  guint16 sw,
			  guint8 out[TOK_GP_MAC_SIZE],
			  GError **error) TOK_NONNULL(1, 2, 3, 4, 8);

/* C-DECRYPTION of a data field (0..255 bytes; empty data gives one block 80 00..). */
GBytes *
tok_gp_scp02_encrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* The card side: decrypts and strips the padding; a bad padding is TOK_ERROR_AUTH_FAILED. */
GBytes *
tok_gp_scp02_decrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

G_END_DECLS
