/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EscTokenPage: one token in detail (status, owner, issuer, reader, CUID, serial number,
 * applet version, server; its certificates, each opening EscCertificateDialog) and its
 * actions token.enroll, token.reset-pin and token.format, enabled only when they make sense
 * for the token (one place: esc_token_page_actions_update()). Format and a second
 * enrollment are confirmed first. Properties "title" and "subtitle" for the header bar.
 */
#pragma once

#include <adwaita.h>

#include "esc-core.h"

G_BEGIN_DECLS

#define ESC_TYPE_TOKEN_PAGE (esc_token_page_get_type())
G_DECLARE_FINAL_TYPE(EscTokenPage, esc_token_page, ESC, TOKEN_PAGE, AdwBin)

/* @token may be NULL (nothing shown). */
void
esc_token_page_set_token(EscTokenPage *self, EscToken *token);
EscToken *
esc_token_page_get_token(EscTokenPage *self);
/* As the page's buttons do: confirmation first where needed, then EscOperationDialog.
 * Does nothing when the action is disabled for the token. */
void
esc_token_page_start_operation(EscTokenPage *self, EscOperationKind kind);

G_END_DECLS
