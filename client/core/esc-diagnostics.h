/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A report for support requests: the client and library versions (esc, GLib, OpenSSL,
 * pcsc-lite), the PC/SC service state, the readers with their ATR, each token's CUID, MSN,
 * applet version, life cycle, status, issuer and URLs, its certificates (subject, validity),
 * and the last operation's transcript (already redacted: no PIN, password or APDU data).
 */
#pragma once

#include <glib.h>

#include "esc-operation.h"
#include "esc-token-list.h"

G_BEGIN_DECLS

/* Plain text. @list / @last_op may be NULL. Call on the thread that owns @list. */
gchar *
esc_diagnostics_report(EscTokenList *list, EscOperation *last_op) G_GNUC_WARN_UNUSED_RESULT;
/* The same as one JSON object (UTF-8, keys: "esc", "libraries", "pcsc", "readers",
 * "tokens", "last_operation"). */
gchar *
esc_diagnostics_report_json(EscTokenList *list, EscOperation *last_op) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
