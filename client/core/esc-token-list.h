/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscTokenList: the tokens present now, as a GListModel of EscToken, fed by an
 * EscReaderMonitor it owns. A card inserted → a new EscToken appended and probed (then
 * phoned home through the EscIssuerCache, if one is set and a URL is known: the card's
 * issuer info or the fallback URL); a card removed → the token is marked not present (its
 * probes fail with CARD_REMOVED; running operations fail on their next APDU) and removed
 * from the list. Everything happens on the main context the list was created in.
 *
 * Signals: "token-added" (EscToken*), "token-removed" (EscToken*), "service-changed"
 * (gboolean), "token-probed" (EscToken*: its probe finished, successfully or not).
 */
#pragma once

#include <gio/gio.h>

#include "esc-issuer-info.h"
#include "esc-reader-monitor.h"
#include "esc-token.h"

G_BEGIN_DECLS

#define ESC_TYPE_TOKEN_LIST (esc_token_list_get_type())
G_DECLARE_FINAL_TYPE(EscTokenList, esc_token_list, ESC, TOKEN_LIST, GObject)

EscTokenList *
esc_token_list_new(void) G_GNUC_WARN_UNUSED_RESULT;
/* Starts the reader monitor. */
gboolean
esc_token_list_start(EscTokenList *self, GError **error);
/* borrowed */
EscReaderMonitor *
esc_token_list_get_monitor(EscTokenList *self);
/* borrowed, NULL if no token in @reader */
EscToken *
esc_token_list_find_by_reader(EscTokenList *self, const gchar *reader);
/* Phone home: when set, each probed token with an issuer URL (or the fallback URL) is phoned
 * home through this cache and esc_token_set_issuer() is called with the result. */
void
esc_token_list_set_issuer_cache(EscTokenList *self, EscIssuerCache *cache);
void
esc_token_list_set_fallback_phone_home_url(EscTokenList *self, const gchar *url);
/* The last phone-home failure of @token's card, NULL if none (for diagnostics). */
const gchar *
esc_token_list_get_phone_home_error(EscTokenList *self, EscToken *token);

G_END_DECLS
