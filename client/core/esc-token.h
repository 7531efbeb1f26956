/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscToken: one card in one reader, as the user interfaces show it. It owns the EscCard all
 * work on that card goes through, the result of the last probe (EscTokenInfo) and, once phone
 * home answered, the issuer's EscIssuerInfo.
 *
 * Properties (read-only, notify on the main context the token was created in; setters called
 * from another thread are applied there): "reader" (string), "atr" (GBytes), "status"
 * (EscTokenStatus, ESC_TYPE_TOKEN_STATUS), "info" (EscTokenInfo, NULL until probed), "busy"
 * (an operation or probe is running), "error" (string, last probe error), "issuer"
 * (EscIssuerInfo from phone home, NULL), "present" (FALSE once removed), "display-name".
 */
#pragma once

#include <gio/gio.h>

#include "esc-card.h"
#include "esc-issuer-info.h"
#include "esc-token-probe.h"

G_BEGIN_DECLS

#define ESC_TYPE_TOKEN (esc_token_get_type())
G_DECLARE_FINAL_TYPE(EscToken, esc_token, ESC, TOKEN, GObject)

/* @atr may be NULL (unknown until the card is connected). */
EscToken *
esc_token_new(const gchar *reader, GBytes *atr) G_GNUC_WARN_UNUSED_RESULT;
/* borrowed */
EscCard *
esc_token_get_card(EscToken *self);
const gchar *
esc_token_get_reader(EscToken *self);
/* borrowed; the monitor's ATR, or the probe's */
GBytes *
esc_token_get_atr(EscToken *self);
EscTokenStatus
esc_token_get_status(EscToken *self);
/* borrowed, may be NULL */
EscTokenInfo *
esc_token_get_info(EscToken *self);
/* "<issuer name> (…<last 8 CUID digits>)", or the issuer name, or the reader */
const gchar *
esc_token_get_display_name(EscToken *self);
/* the message of the last probe failure, NULL after a successful probe */
const gchar *
esc_token_get_error(EscToken *self);
gboolean
esc_token_get_present(EscToken *self);
/* EscTokenList: the card was removed. Probes then fail with ESC_ERROR_CARD_REMOVED. */
void
esc_token_set_present(EscToken *self, gboolean present);
gboolean
esc_token_get_busy(EscToken *self);
/* EscOperation sets it */
void
esc_token_set_busy(EscToken *self, gboolean busy);
/* borrowed, may be NULL */
EscIssuerInfo *
esc_token_get_issuer(EscToken *self);
void
esc_token_set_issuer(EscToken *self, EscIssuerInfo *issuer);
/* Re-reads the card (after an operation, and by EscTokenList after insertion): updates
 * info/status/error, emits notify. A failed probe sets status ESC_TOKEN_STATUS_ERROR and
 * "error" and is returned as the error. */
void
esc_token_refresh_async(EscToken *self, GCancellable *c, GAsyncReadyCallback cb, gpointer d);
gboolean
esc_token_refresh_finish(EscToken *self, GAsyncResult *res, GError **error);

G_END_DECLS
