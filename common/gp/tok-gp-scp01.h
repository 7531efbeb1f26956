/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SCP01 (GP 2.0.1 / Open Platform 2.0.1, implementation 05), as used by CoolKey cards, the
 * Dogtag TKS/TPS and tpsclient (protocol.md 3.5):
 *  - session key = 3DES-ECB(static key, cc[4..7] || hc[0..3] || cc[0..3] || hc[4..7]);
 *    S-ENC ("auth") from the ENC key, S-MAC from the MAC key; the static DEK/KEK is used as is;
 *  - cryptograms: full triple-DES CBC-MAC with S-ENC, ICV 0, 80-padding always:
 *    card = MAC(hc || cc), host = MAC(cc || hc);
 *  - C-MAC: the same MAC with S-MAC over CLA INS P1 P2 Lc' data (Lc' = len(data) + 8), ICV =
 *    the previous C-MAC, not encrypted;
 *  - C-DECRYPTION: 3DES-CBC (IV 0, S-ENC) of Lc || data, padded with 80 00.. only when that is
 *    not already a multiple of 8; the MAC is computed over the plain text first.
 */
#pragma once

#include <glib.h>

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TOK_GP_CHALLENGE_SIZE  8
#define TOK_GP_CRYPTOGRAM_SIZE 8
#define TOK_GP_MAC_SIZE        8

/* One session key from one static (16-byte DES3) key; odd DES parity is set. */
TokSecret *
tok_gp_scp01_derive_session_key(TokGpCrypto *crypto,
				TokSecret *static_key,
				const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3, 4);

/* S-ENC, S-MAC and the static DEK (no R-MAC key in SCP01). */
TokGpSessionKeys *
tok_gp_scp01_derive_session_keys(TokGpCrypto *crypto,
				 const TokGpKeySet *keys,
				 const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				 const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				 GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3, 4);

gboolean
tok_gp_scp01_card_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error) TOK_NONNULL(1, 2, 3, 4, 5);
gboolean
tok_gp_scp01_host_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error) TOK_NONNULL(1, 2, 3, 4, 5);

/* C-MAC over @data (the modified header and the plain data field) with ICV @icv. */
gboolean
tok_gp_scp01_compute_mac(TokGpCrypto *crypto,
			 TokSecret *s_mac,
			 const guint8 icv[TOK_GP_MAC_SIZE],
			 const guint8 *data,
			 gsize len,
			 guint8 out[TOK_GP_MAC_SIZE],
			 GError **error) TOK_NONNULL(1, 2, 3, 6);

/* C-DECRYPTION of a command data field (0..255 bytes): returns the cipher text (a wiped
 * GBytes, a multiple of 8 bytes). */
GBytes *
tok_gp_scp01_encrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* The card side: decrypts and checks the length byte and padding strictly; any mismatch is
 * TOK_ERROR_AUTH_FAILED. Returns the plain data field (a wiped GBytes, possibly empty). */
GBytes *
tok_gp_scp01_decrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

G_END_DECLS
