/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ThCard: a PC/SC client for tests: one SCARDCONTEXT + SCARDHANDLE (shared, T=1), APDUs as
 * TokApdu / TokApduResponse, transactions, and the host side of a GlobalPlatform secure
 * channel (libtok-gp) for CLA 84 commands.
 *
 * The context is established when the card is connected, so it reaches the pcscd instance
 * that th_pcsc_activate() selected at that moment. PC/SC failures are TH_SCARD_ERROR errors
 * whose code is the PC/SC return value; card status words are TOK_ERROR errors from the
 * status-word table. One thread at a time.
 */
#pragma once

#include <glib-object.h>

#include "th-pcsc.h"
#include "tok-apdu.h"
#include "tok-gp-keys.h"
#include "tok-gp-session.h"

G_BEGIN_DECLS

typedef struct _ThCard ThCard;

/* A new context and SCardConnect(@reader, shared, T=0|T=1). */
ThCard *
th_card_connect(const gchar *reader, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* th_pcsc_activate(@pcsc) + th_card_connect() to the reader of @slot. */
ThCard *
th_card_connect_slot(ThPcsc *pcsc, guint slot, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Ends a transaction left open, disconnects (SCARD_LEAVE_CARD) and releases the context. */
void
th_card_free(ThCard *self);

gboolean
th_card_begin_transaction(ThCard *self, GError **error);
gboolean
th_card_end_transaction(ThCard *self, GError **error);
/* SCardReconnect with SCARD_RESET_CARD: the card powers up again (applet and login state
 * reset); the secure channel is dropped. */
gboolean
th_card_reset(ThCard *self, GError **error);

/* One SCardTransmit of raw bytes; returns data || SW1 SW2. */
GBytes *
th_card_transmit_raw(ThCard *self, const guint8 *apdu, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* Encodes @apdu (short), transmits it and parses the response; 61xx is followed by GET
 * RESPONSE and 6Cxx by a resend with Le = xx. */
TokApduResponse *
th_card_transmit(ThCard *self, const TokApdu *apdu, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* th_card_transmit() that requires 9000 (TOK_ERROR from the status word otherwise, prefixed
 * with @what); returns the response data (empty, never NULL, on success). */
GBytes *
th_card_command(ThCard *self, const TokApdu *apdu, const gchar *what, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- secure channel ------------------------------------------------------------------ */

/* INITIALIZE UPDATE (key version @key_version, host challenge from RAND_bytes) on the
 * selected application, checks the card cryptogram with @keys (TOK_ERROR_AUTH_FAILED on a
 * mismatch), then EXTERNAL AUTHENTICATE at @security_level (01 or 03). The protocol is taken
 * from the card's key information; @keys NULL: its developer keys. Replaces any open
 * channel. */
gboolean
th_card_open_secure_channel(ThCard *self,
			    const TokGpKeySet *keys,
			    guint8 key_version,
			    guint8 security_level,
			    GError **error);
/* The open session, or NULL. Borrowed. */
TokGpSession *
th_card_get_session(ThCard *self);
/* The card's crypto provider (created by the first secure channel, else now). Borrowed. */
TokGpCrypto *
th_card_get_crypto(ThCard *self, GError **error);
void
th_card_close_secure_channel(ThCard *self);
/* @apdu wrapped for the card (CLA 84, MAC, maybe encrypted): for tampering tests. */
GBytes *
th_card_wrap(ThCard *self, const TokApdu *apdu, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Wraps @apdu (CLA 84 expected) with the open channel and transmits it. */
TokApduResponse *
th_card_transmit_secure(ThCard *self,
			const TokApdu *apdu,
			GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* th_card_transmit_secure() that requires 9000, as th_card_command(). */
GBytes *
th_card_command_secure(ThCard *self, const TokApdu *apdu, const gchar *what, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The developer key set of the protocol: 40..4F as two-key 3DES (SCP01, SCP02) or AES-128
 * (SCP03). */
TokGpKeySet *
th_card_default_keys(TokGpScp scp) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ThCard, th_card_free)

G_END_DECLS
