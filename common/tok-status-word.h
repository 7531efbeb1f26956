/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Named status words (ISO 7816-4, GlobalPlatform, CoolKey applet) and the one table that
 * turns a status word into a GError (TOK_ERROR) and into a name for logs.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* ISO 7816-4 / GlobalPlatform */
#define TOK_SW_OK			 0x9000
#define TOK_SW_BYTES_REMAINING_00	 0x6100 /* 61xx: xx more bytes, GET RESPONSE */
#define TOK_SW_WARNING_NV_UNCHANGED	 0x6200
#define TOK_SW_SELECTED_FILE_INVALIDATED 0x6283
#define TOK_SW_AUTH_FAILED_COUNTER_00	 0x63C0 /* 63Cx: verification failed, x tries left */
#define TOK_SW_MEMORY_FAILURE		 0x6581
#define TOK_SW_WRONG_LENGTH		 0x6700
#define TOK_SW_SECURE_MESSAGING_UNSUPPORTED 0x6882
#define TOK_SW_SECURITY_STATUS_NOT_SATISFIED 0x6982
#define TOK_SW_AUTH_METHOD_BLOCKED	 0x6983
#define TOK_SW_REFERENCE_DATA_UNUSABLE	 0x6984
#define TOK_SW_CONDITIONS_NOT_SATISFIED	 0x6985
#define TOK_SW_SM_DATA_MISSING		 0x6987
#define TOK_SW_SM_DATA_INCORRECT	 0x6988
#define TOK_SW_WRONG_DATA		 0x6A80
#define TOK_SW_FUNCTION_NOT_SUPPORTED	 0x6A81
#define TOK_SW_FILE_NOT_FOUND		 0x6A82
#define TOK_SW_NOT_ENOUGH_MEMORY	 0x6A84
#define TOK_SW_INCORRECT_P1P2		 0x6A86
#define TOK_SW_REFERENCED_DATA_NOT_FOUND 0x6A88
#define TOK_SW_WRONG_P1P2		 0x6B00
#define TOK_SW_WRONG_LE_00		 0x6C00 /* 6Cxx: resend with Le = xx */
#define TOK_SW_INS_NOT_SUPPORTED	 0x6D00
#define TOK_SW_CLA_NOT_SUPPORTED	 0x6E00
#define TOK_SW_UNKNOWN			 0x6F00

/* CoolKey applet (protocol.md 4.3) */
#define TOK_SW_COOLKEY_NO_MEMORY_LEFT	  0x9C01
#define TOK_SW_COOLKEY_AUTH_FAILED	  0x9C02
#define TOK_SW_COOLKEY_OPERATION_NOT_ALLOWED 0x9C03
#define TOK_SW_COOLKEY_UNSUPPORTED_FEATURE 0x9C05
#define TOK_SW_COOLKEY_UNAUTHORIZED	  0x9C06
#define TOK_SW_COOLKEY_OBJECT_NOT_FOUND	  0x9C07
#define TOK_SW_COOLKEY_OBJECT_EXISTS	  0x9C08
#define TOK_SW_COOLKEY_INCORRECT_ALG	  0x9C09
#define TOK_SW_COOLKEY_SIGNATURE_INVALID  0x9C0B
#define TOK_SW_COOLKEY_IDENTITY_BLOCKED	  0x9C0C
#define TOK_SW_COOLKEY_UNSPECIFIED_ERROR  0x9C0D
#define TOK_SW_COOLKEY_INVALID_PARAMETER  0x9C0F
#define TOK_SW_COOLKEY_INCORRECT_P1	  0x9C10
#define TOK_SW_COOLKEY_INCORRECT_P2	  0x9C11
#define TOK_SW_COOLKEY_SEQUENCE_END	  0x9C12
#define TOK_SW_COOLKEY_UNSUPPORTED_DIRECTION 0x9C13
#define TOK_SW_COOLKEY_INVALID_DIRECTION  0x9C14
#define TOK_SW_COOLKEY_UNSUPPORTED_LOCATION 0x9C15
#define TOK_SW_COOLKEY_INVALID_LOCATION	  0x9C16
#define TOK_SW_COOLKEY_UNSUPPORTED_KEY_TYPE 0x9C17
#define TOK_SW_COOLKEY_INVALID_KEY_TYPE	  0x9C18
#define TOK_SW_COOLKEY_DATA_CHUNK_SIZE	  0x9C19
#define TOK_SW_COOLKEY_KEY_SIZE		  0x9C1A
#define TOK_SW_COOLKEY_UNSUPPORTED_CIPHER_MODE 0x9C1B
#define TOK_SW_COOLKEY_INVALID_CIPHER_MODE 0x9C1C
#define TOK_SW_COOLKEY_OUTPUT_BUFFER_SMALL 0x9C1D
#define TOK_SW_COOLKEY_INCONSISTENT_KEY_PAIR 0x9C1E
#define TOK_SW_COOLKEY_INPUT_BUFFER_SMALL 0x9C1F
#define TOK_SW_COOLKEY_BAD_WRAPPED_KEY	  0x9C20
#define TOK_SW_COOLKEY_BAD_KEY_ALG	  0x9C21
#define TOK_SW_COOLKEY_BAD_WRAPPED_PRIV_KEY 0x9C22
#define TOK_SW_COOLKEY_INTERNAL_ERROR	  0x9CFF

/* A static description for logs, e.g. "authentication failed" for 9C02 (the status word
 * itself is not part of it). Never NULL; unknown words give "unknown status". */
const gchar *
tok_status_word_describe(guint16 sw);
/* TRUE for 9000. Otherwise sets @error from the table: TOK_ERROR with the code that says what
 * the caller can do (AUTH_FAILED, BLOCKED, NOT_FOUND, ...) and a message "… (SW 9C02)". */
gboolean
tok_status_word_check(guint16 sw, GError **error);
/* The TokError code the table gives @sw (TOK_ERROR_FAILED for 9000, which is not an error). */
gint
tok_status_word_to_error_code(guint16 sw);

G_END_DECLS
