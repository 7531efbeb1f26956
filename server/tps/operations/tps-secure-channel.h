/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TPS side of the GlobalPlatform secure channel (protocol.md 1.10.1, 3.3-3.7): a host
 * challenge from the TKS, INITIALIZE UPDATE, session keys from the TKS (which verifies the
 * card cryptogram), a libtok-gp host session on those keys, EXTERNAL AUTHENTICATE at level 03
 * (C-DECRYPTION + C-MAC); then every command is wrapped by that session. Under SCP01 the
 * trailing Le is left out unless the profile says otherwise (scp01_no_le_byte).
 *
 * Every failure while opening is TPS_STATUS_ERROR 17 (SECURE_CHANNEL).
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

/* Opens a channel with key version @key_version (0 = the card's current keys) on whatever
 * application is selected. Replaces an open channel. */
gboolean
tps_secure_channel_open(TpsSession *s, guint8 key_version, GError **error) TOK_NONNULL(1);
void
tps_secure_channel_close(TpsSession *s) TOK_NONNULL(1);
/* Wraps @apdu (plain, CLA 84) with the open channel and sends it; the response as the card
 * gave it (any SW). */
TokApduResponse *
tps_secure_channel_transmit(TpsSession *s, TokApdu *apdu, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);
/* The same, failing unless the SW is 9000 (@what names the command in the message). */
TokApduResponse *
tps_secure_channel_transmit_ok(TpsSession *s, TokApdu *apdu, const gchar *what, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3);
/* Whether READ OBJECT / GENERATE KEY carry a trailing Le under the open channel's protocol. */
gboolean
tps_secure_channel_trailing_le(TpsSession *s) TOK_NONNULL(1);
/* The key info of the open channel as hex ("0101"), for the token record. */
gchar *
tps_secure_channel_key_info_hex(TpsSession *s) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The card's current key version (key info byte 0) of the open channel. */
guint8
tps_secure_channel_key_version(TpsSession *s) TOK_NONNULL(1);
TokGpScp
tps_secure_channel_scp(TpsSession *s) TOK_NONNULL(1);

G_END_DECLS
