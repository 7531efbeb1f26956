/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TokGpSession: one GlobalPlatform secure channel session (SCP01, SCP02 or SCP03), on either
 * side of the card edge.
 *
 * Host side (TPS, TKS tools, tests): created from the INITIALIZE UPDATE response and either
 * the card's static keys or the session keys computed by the TKS; it checks the card
 * cryptogram, builds EXTERNAL AUTHENTICATE and then wraps every command APDU (C-MAC, and
 * C-DECRYPTION at security level 03) and checks R-MACs on responses (levels 1x).
 *
 * Card side (virtual card): created from the card's static keys and the INITIALIZE UPDATE
 * command; it produces the INITIALIZE UPDATE response, checks EXTERNAL AUTHENTICATE (MAC and
 * host cryptogram) and then unwraps every CLA 84 command, verifying its MAC and decrypting
 * it, and adds R-MACs to responses (levels 1x).
 *
 * Wire rules (protocol.md 3.5-3.7, section 10 item 6): the secure messaging bit 0x04 is set
 * in CLA; the MAC covers CLA INS P1 P2 Lc' and the data field, never Le; a command's Le byte
 * is kept after the MAC (TOK_GP_SESSION_FLAG_OMIT_LE drops it). Only short APDUs are
 * supported (wrapped data field up to 255 bytes).
 *
 * Security levels: 01 (C-MAC) and 03 (C-DECRYPTION + C-MAC) for all three protocols; 11 and
 * 13 (R-MAC) for SCP02 (i = 15, GP 2.1.1: R-MAC initiated by EXTERNAL AUTHENTICATE; input and
 * chaining in tok-gp-scp02.h) and for SCP03 when the implementation parameter i announces
 * R-MAC support; always only with an R-MAC session key. Level 10 (R-MAC alone) and the
 * BEGIN/END R-MAC SESSION commands are not supported.
 *
 * The SCP02 R-MAC covers the command as well as the response: at levels 11 and 13 each
 * command wrapped (host) or unwrapped (card) is to be answered through
 * tok_gp_session_unwrap_response() / tok_gp_session_wrap_response() before the next one, or
 * the R-MAC chain of the two sides diverges.
 *
 * Any verification failure on an authenticated session (wrong MAC, bad cipher text or
 * padding, malformed secure message) aborts it, as GP requires: the chaining state is left
 * where it was, the state becomes TOK_GP_SESSION_STATE_ABORTED and every later wrap or
 * unwrap fails with TOK_ERROR_NOT_AUTHORIZED until a new session is opened. Errors the caller
 * made (an APDU too long to wrap) do not abort.
 *
 * A session is not thread-safe; it never logs keys or data.
 */
#pragma once

#include <glib-object.h>

#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-macros.h"

G_BEGIN_DECLS

typedef enum {
	TOK_GP_SECURITY_C_MAC = 0x01,
	TOK_GP_SECURITY_C_DECRYPTION = 0x02,
	TOK_GP_SECURITY_R_MAC = 0x10,
} TokGpSecurityLevel;

typedef enum {
	TOK_GP_SESSION_FLAG_NONE = 0,
	/* Host, SCP01/SCP02 at level 03: also "encrypt" commands without data, as the Java TPS
	 * does (SCP01: the length byte 00 padded to one block; SCP02: one block 80 00..). The
	 * card side accepts both forms. */
	TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA = 1 << 0,
	/* Host: drop the Le byte of wrapped commands (tpsclient takes the last 8 bytes as MAC). */
	TOK_GP_SESSION_FLAG_OMIT_LE = 1 << 1,
} TokGpSessionFlags;

typedef enum {
	TOK_GP_SESSION_STATE_INITIALIZED,   /* INITIALIZE UPDATE done, EXTERNAL AUTHENTICATE due */
	TOK_GP_SESSION_STATE_AUTHENTICATED, /* secure messaging in force */
	TOK_GP_SESSION_STATE_ABORTED,       /* a security error: nothing more is accepted */
} TokGpSessionState;

typedef enum {
	TOK_GP_SESSION_SIDE_HOST,
	TOK_GP_SESSION_SIDE_CARD,
} TokGpSessionSide;

/* Card-side parameters of INITIALIZE UPDATE. Without @card_challenge the card challenge is
 * random, except for SCP03 with i & 0x10 (pseudo-random challenge, e.g. i = 70): then it is
 * derived from the static ENC key, @sequence_counter and @aid (required), and the response
 * carries the sequence counter (32 bytes). The caller keeps the counter: GP increments it for
 * every INITIALIZE UPDATE and resets it when the key set is replaced. */
typedef struct {
	TokGpScp scp;
	guint8 i_param;               /* SCP03 "i" (e.g. 0x70); ignored for SCP01/SCP02 */
	guint8 key_version;           /* the key set version reported and accepted in P1 */
	guint8 kdd[TOK_GP_KDD_SIZE];  /* key diversification data returned to the host */
	guint32 sequence_counter;     /* SCP02: 16 bits; SCP03 (pseudo-random challenge): 24 bits */
	const guint8 *card_challenge; /* NULL: generated; else 8 bytes (6 for SCP02) */
	const guint8 *aid;            /* SCP03 pseudo-random challenge: invoking AID, 5..16 bytes */
	gsize aid_len;
} TokGpCardParams;

#define TOK_TYPE_GP_SESSION (tok_gp_session_get_type())
G_DECLARE_FINAL_TYPE(TokGpSession, tok_gp_session, TOK, GP_SESSION, GObject)

/* ---- host side ---------------------------------------------------------------------- */

/* From the card's static keys: derives the session keys for @scp from @host_challenge
 * (8 bytes) and the INITIALIZE UPDATE response data @response (without SW), then checks the
 * card cryptogram: a mismatch (e.g. a wrong key set) is TOK_ERROR_AUTH_FAILED. */
TokGpSession *
tok_gp_session_new_host(TokGpCrypto *crypto,
			TokGpScp scp,
			const TokGpKeySet *static_keys,
			const guint8 *host_challenge,
			const guint8 *response,
			gsize response_len,
			TokGpSessionFlags flags,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 3);
/* The same with session keys computed elsewhere (the TPS gets them from the TKS). */
TokGpSession *
tok_gp_session_new_host_with_session_keys(TokGpCrypto *crypto,
					  TokGpSessionKeys *keys,
					  const guint8 *host_challenge,
					  const guint8 *response,
					  gsize response_len,
					  TokGpSessionFlags flags,
					  GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);
/* The EXTERNAL AUTHENTICATE command `84 82 <level> 00 10 <host cryptogram> <C-MAC>`. The
 * session then counts as authenticated; if the card refuses the command, drop the session. */
GBytes *
tok_gp_session_external_authenticate(TokGpSession *self,
				     guint8 security_level,
				     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Wraps a plain command APDU (short cases 1-4) for the card (a wiped GBytes). */
GBytes *
tok_gp_session_wrap(TokGpSession *self, const guint8 *apdu, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Checks and strips the R-MAC of a response (data || R-MAC || SW1 SW2) at levels with R-MAC;
 * returns data || SW1 SW2 (a wiped GBytes). Without R-MAC the response is returned unchanged.
 * SCP03 protects success and warning status words only; SCP02 every response, an error status
 * word without data. A missing or wrong R-MAC is TOK_ERROR_AUTH_FAILED and aborts the
 * session; SCP02 without a wrapped command awaiting its response is TOK_ERROR_PROTOCOL. */
GBytes *
tok_gp_session_unwrap_response(TokGpSession *self,
			       const guint8 *response,
			       gsize len,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* ---- card side ---------------------------------------------------------------------- */

/* Processes the INITIALIZE UPDATE command APDU `80 50 P1 P2 08 <host challenge> [Le]`.
 * P1 must be 00 or @params->key_version (else TOK_ERROR_NOT_FOUND). */
TokGpSession *
tok_gp_session_new_card(TokGpCrypto *crypto,
			const TokGpKeySet *static_keys,
			const TokGpCardParams *params,
			const guint8 *apdu,
			gsize len,
			GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3);
/* The INITIALIZE UPDATE response data (without SW). */
GBytes *
tok_gp_session_get_initialize_update_response(TokGpSession *self) TOK_NONNULL(1);
/* Verifies the EXTERNAL AUTHENTICATE command (C-MAC, host cryptogram, security level). On
 * failure the session is aborted. */
gboolean
tok_gp_session_check_external_authenticate(TokGpSession *self,
					   const guint8 *apdu,
					   gsize len,
					   GError **error) TOK_NONNULL(1);
/* Verifies and decrypts a wrapped command APDU; returns the plain APDU as a wiped GBytes: the
 * secure messaging bit 0x04 cleared in CLA (84 -> 80, as GP's SecureChannel.unwrap() does; a
 * command that comes out of this function was authenticated by the channel whatever its
 * CLA), the data field decrypted, Le kept. */
GBytes *
tok_gp_session_unwrap(TokGpSession *self, const guint8 *apdu, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Builds the response data || [R-MAC] || SW1 SW2. R-MAC at levels 1x: SCP03 for success and
 * warning status words only, SCP02 for every status word; the data of an error status word is
 * dropped. SCP02: once per unwrapped command (else TOK_ERROR_PROTOCOL), data up to
 * TOK_GP_SCP02_RMAC_MAX_DATA bytes (else TOK_ERROR_TOO_LARGE). */
GBytes *
tok_gp_session_wrap_response(TokGpSession *self,
			     const guint8 *data,
			     gsize len,
			     guint16 sw,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* ---- both sides --------------------------------------------------------------------- */

TokGpSessionSide
tok_gp_session_get_side(TokGpSession *self) TOK_NONNULL(1);
TokGpScp
tok_gp_session_get_scp(TokGpSession *self) TOK_NONNULL(1);
TokGpSessionState
tok_gp_session_get_state(TokGpSession *self) TOK_NONNULL(1);
/* The level of EXTERNAL AUTHENTICATE (0 before it). */
guint8
tok_gp_session_get_security_level(TokGpSession *self) TOK_NONNULL(1);
/* Borrowed. */
TokGpSessionKeys *
tok_gp_session_get_session_keys(TokGpSession *self) TOK_NONNULL(1);
/* Key diversification data (10 bytes) and key information (2 or 3 bytes) of the exchange. */
GBytes *
tok_gp_session_get_kdd(TokGpSession *self) TOK_NONNULL(1);
GBytes *
tok_gp_session_get_key_info(TokGpSession *self) TOK_NONNULL(1);
/* Cryptograms and challenges (8 bytes; the SCP02 card challenge has 6). */
GBytes *
tok_gp_session_get_card_challenge(TokGpSession *self) TOK_NONNULL(1);
gboolean
tok_gp_session_get_host_cryptogram(TokGpSession *self, guint8 out[8]) TOK_NONNULL(1, 2);
guint32
tok_gp_session_get_sequence_counter(TokGpSession *self) TOK_NONNULL(1);

G_END_DECLS
