/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ISO 7816-4 command and response APDUs as immutable values.
 *
 * A command holds CLA INS P1 P2, a data field (possibly empty) and an expected response
 * length Le: TOK_APDU_NO_LE for none, 1..65536 otherwise (256 is encoded "00" in short form,
 * 65536 is "0000" in extended form). Encoding picks the case (1-4) from data and Le.
 * Data fields are held in wiped GBytes (they carry PINs and keys).
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TOK_APDU_NO_LE		    (-1)
#define TOK_APDU_SHORT_MAX_DATA	    255
#define TOK_APDU_SHORT_MAX_LE	    256
#define TOK_APDU_EXTENDED_MAX_DATA  65535
#define TOK_APDU_EXTENDED_MAX_LE    65536
#define TOK_APDU_RESPONSE_MAX_DATA  65536

typedef enum {
	TOK_APDU_ENCODING_AUTO,	    /* short if it fits, else extended */
	TOK_APDU_ENCODING_SHORT,    /* fails if data > 255 or Le > 256 */
	TOK_APDU_ENCODING_EXTENDED, /* always extended length fields (where there are any) */
} TokApduEncoding;

typedef struct _TokApdu TokApdu;
#define TOK_TYPE_APDU (tok_apdu_get_type())
GType
tok_apdu_get_type(void);

/* @data may be NULL (no data field); @le is TOK_APDU_NO_LE or 1..65536. */
TokApdu *
tok_apdu_new(guint8 cla, guint8 ins, guint8 p1, guint8 p2, GBytes *data, gint le)
    G_GNUC_WARN_UNUSED_RESULT;
TokApdu *
tok_apdu_new_from_data(guint8 cla,
		       guint8 ins,
		       guint8 p1,
		       guint8 p2,
		       const guint8 *data,
		       gsize len,
		       gint le) G_GNUC_WARN_UNUSED_RESULT;
/* A copy of @apdu with another Le (e.g. to resend after 6Cxx); @le as for tok_apdu_new(). */
TokApdu *
tok_apdu_new_with_le(const TokApdu *apdu, gint le) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TokApdu *
tok_apdu_ref(TokApdu *apdu) TOK_NONNULL(1);
void
tok_apdu_unref(TokApdu *apdu);

guint8
tok_apdu_get_cla(const TokApdu *apdu) TOK_NONNULL(1);
guint8
tok_apdu_get_ins(const TokApdu *apdu) TOK_NONNULL(1);
guint8
tok_apdu_get_p1(const TokApdu *apdu) TOK_NONNULL(1);
guint8
tok_apdu_get_p2(const TokApdu *apdu) TOK_NONNULL(1);
/* Never NULL: an APDU without data has an empty GBytes. */
GBytes *
tok_apdu_get_data(const TokApdu *apdu) TOK_NONNULL(1);
gint
tok_apdu_get_le(const TokApdu *apdu) TOK_NONNULL(1);

/* The wire form (a wiped GBytes). */
GBytes *
tok_apdu_encode(const TokApdu *apdu, TokApduEncoding encoding, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Parses a command APDU in any of the short or extended cases 1-4; the lengths must account
 * for every byte exactly. */
TokApdu *
tok_apdu_parse(const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokApdu *
tok_apdu_parse_bytes(GBytes *bytes, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* "B0 3C 00 00 10" style text, with the data field shown only when @show_data is TRUE
 * (otherwise "<n bytes>"): for logs, which must not carry PINs or keys. */
gchar *
tok_apdu_to_string(const TokApdu *apdu, gboolean show_data) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

typedef struct _TokApduResponse TokApduResponse;
#define TOK_TYPE_APDU_RESPONSE (tok_apdu_response_get_type())
GType
tok_apdu_response_get_type(void);

TokApduResponse *
tok_apdu_response_new(GBytes *data, guint16 sw) G_GNUC_WARN_UNUSED_RESULT;
TokApduResponse *
tok_apdu_response_ref(TokApduResponse *response) TOK_NONNULL(1);
void
tok_apdu_response_unref(TokApduResponse *response);
/* Response data without SW1 SW2 (never NULL). */
GBytes *
tok_apdu_response_get_data(const TokApduResponse *response) TOK_NONNULL(1);
guint16
tok_apdu_response_get_sw(const TokApduResponse *response) TOK_NONNULL(1);
/* data || SW1 || SW2 (a wiped GBytes). */
GBytes *
tok_apdu_response_encode(const TokApduResponse *response) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* At least SW1 SW2, at most 65536 data bytes before them. */
TokApduResponse *
tok_apdu_response_parse(const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
TokApduResponse *
tok_apdu_response_parse_bytes(GBytes *bytes, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* TRUE for 9000; otherwise the GError of the status word table (tok-status-word.h),
 * prefixed with @what if not NULL. */
gboolean
tok_apdu_response_check(const TokApduResponse *response, const gchar *what, GError **error)
    TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokApdu, tok_apdu_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TokApduResponse, tok_apdu_response_unref)

G_END_DECLS
