/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The vpcd link (vsmartcard's virtual PC/SC reader driver, test-infra.md A.2): the card is
 * the TCP client; every message both ways is a 2-byte big-endian length and that many bytes.
 * From vpcd, one byte is a control message (00 power off, 01 power on, 02 reset, 04 get ATR,
 * only the last one answered, with the ATR), anything longer a command APDU answered with
 * data || SW1 SW2.
 */
#pragma once

#include <gio/gio.h>

#include "tok-macros.h"
#include "vcard-card.h"

G_BEGIN_DECLS

#define VCARD_VPCD_POWER_OFF 0x00
#define VCARD_VPCD_POWER_ON  0x01
#define VCARD_VPCD_RESET     0x02
#define VCARD_VPCD_GET_ATR   0x04

/* Handles one frame from vpcd. Returns TRUE and sets @reply to the payload to send back (or
 * NULL when nothing is answered); FALSE with @error for an empty frame (a framing error) or
 * when the card cannot go on. */
gboolean
vcard_vpcd_handle_frame(VcardCard *card, const guint8 *payload, gsize len, GBytes **reply, GError **error)
    TOK_NONNULL(1, 4);

/* Serves vpcd on a connected socket until vpcd closes it (TRUE) or a framing or I/O error
 * happens (FALSE with @error). TCP_QUICKACK is set before every receive (Debian's vpcd sends
 * the length and the payload in two segments: without it every APDU waits for a delayed ACK). */
gboolean
vcard_vpcd_serve(VcardCard *card, GSocket *socket, GError **error) TOK_NONNULL(1, 2);

/* Connects to vpcd at @host:@port, retrying for @connect_timeout_ms while it is not listening
 * yet, then serves it as vcard_vpcd_serve() does. */
gboolean
vcard_vpcd_run(VcardCard *card, const gchar *host, guint16 port, guint connect_timeout_ms, GError **error)
    TOK_NONNULL(1, 2);

G_END_DECLS
