/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The value encodings of the Dogtag wire protocols (protocol.md 1.3 and 3.9):
 *
 *   percent-hex  every byte as %XX, uppercase    TPS->client APDUs, TKS->TPS binary values
 *   hash-hex     every byte as #XX, uppercase    TPS->TKS binary parameters
 *   form         [A-Za-z0-9] literal, space as +, every other byte %XX uppercase (ESC's
 *                URLEncode): client->TPS APDU responses and all text fields
 *
 * One strict decoder reads all the %-encodings (percent-hex is a subset of form): %XX in
 * either case, + as a space, any other printable ASCII character (0x20..0x7E) as itself.
 * A % not followed by two hex digits, or any byte outside printable ASCII, is an error.
 *
 * Everything is binary-safe (NUL bytes survive) and every returned GBytes is wiped on free,
 * because these values carry passwords and keys. Encoded output is ASCII text without a
 * terminating NUL.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* Largest input the encoders accept (their output is at most three times as long). */
#define TOK_WIRE_ENCODE_MAX_INPUT (G_MAXUINT / 4)

/* Every byte as %XX (uppercase hex). */
GBytes *
tok_wire_encode_percent_hex(GBytes *data) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Every byte as #XX (uppercase hex). */
GBytes *
tok_wire_encode_hash_hex(GBytes *data) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* ESC-style form encoding: alnum literal, space as +, everything else %XX (uppercase). */
GBytes *
tok_wire_encode_form(GBytes *data) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The same for a NUL-terminated string (its bytes without the terminator). */
GBytes *
tok_wire_encode_form_text(const gchar *text) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* The strict decoder of percent-hex and form encoded values (see above). */
GBytes *
tok_wire_decode_form(GBytes *encoded, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* As tok_wire_decode_form(), and the result must be valid UTF-8 without NUL bytes. The
 * string is not wiped: use tok_wire_decode_form() for secrets. */
gchar *
tok_wire_decode_form_text(GBytes *encoded, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Strict decoder of hash-hex: only #XX groups (hex digits in either case), nothing else. */
GBytes *
tok_wire_decode_hash_hex(GBytes *encoded, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

G_END_DECLS
