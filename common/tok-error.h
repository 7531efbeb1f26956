/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TOK_ERROR: the one error domain for card and protocol failures shared by client,
 * server and virtual card.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TOK_ERROR (tok_error_quark())

typedef enum {
	TOK_ERROR_FAILED,	     /* nothing more specific applies */
	TOK_ERROR_INVALID_DATA,	     /* malformed input */
	TOK_ERROR_TRUNCATED,	     /* input ends before a field does */
	TOK_ERROR_TOO_LARGE,	     /* input exceeds a size limit */
	TOK_ERROR_NOT_SUPPORTED,     /* valid but not implemented / instruction not supported */
	TOK_ERROR_PROTOCOL,	     /* unexpected message or step in an exchange */
	TOK_ERROR_CRYPTO,	     /* a cryptographic primitive failed */
	/* status words from the card, grouped by what the caller can do about them */
	TOK_ERROR_CARD,		     /* the card reported an error without more detail */
	TOK_ERROR_AUTH_FAILED,	     /* wrong PIN, wrong cryptogram, failed verification */
	TOK_ERROR_BLOCKED,	     /* PIN or identity blocked */
	TOK_ERROR_NOT_AUTHORIZED,    /* security status not satisfied / not allowed */
	TOK_ERROR_NOT_FOUND,	     /* applet, file, object or key not found */
	TOK_ERROR_EXISTS,	     /* object already exists */
	TOK_ERROR_NO_SPACE,	     /* card memory exhausted */
	TOK_ERROR_WRONG_LENGTH,	     /* Lc/Le or data length refused by the card */
	TOK_ERROR_INVALID_PARAMETER, /* P1/P2 or data field refused by the card */
} TokError;

GQuark
tok_error_quark(void);

const gchar *
tok_error_to_string(TokError code);

/* Sets @error from the OpenSSL error queue (which it empties), prefixed with @what. */
void
tok_error_set_openssl(GError **error, const gchar *what) TOK_NONNULL(2);

G_END_DECLS
