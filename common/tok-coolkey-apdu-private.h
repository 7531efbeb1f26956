/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Helpers shared by tok-coolkey-apdu.c (command builders) and tok-coolkey-response.c
 * (response parsers). Not API.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Printable UTF-8: what SET ISSUER INFO writes and GET ISSUER INFO accepts. */
gboolean
tok_coolkey_check_issuer_text(const gchar *text, gsize len, GError **error);

G_END_DECLS
