/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-status-word.h"

#include "tok-error.h"

/* What the low byte (or nibble) of a status-word family means in the error message. */
typedef enum {
	TOK_SW_DETAIL_NONE,
	TOK_SW_DETAIL_BYTES_AVAILABLE, /* 61xx */
	TOK_SW_DETAIL_TRIES_LEFT,      /* 63Cx */
	TOK_SW_DETAIL_EXPECTED_LE,     /* 6Cxx */
} TokSwDetail;

typedef struct {
	guint16 sw;   /* the status word, or the family with the variable bits zero */
	guint16 mask; /* 0xFFFF for one word; 0xFF00 / 0xFFF0 for families */
	TokError code;
	TokSwDetail detail;
	const gchar *text;
} TokSwEntry;

/* Single words first: the first entry whose masked value matches wins. */
static const TokSwEntry tok_sw_table[] = {
    /* ISO 7816-4 / GlobalPlatform */
    {TOK_SW_WARNING_NV_UNCHANGED, 0xFFFF, TOK_ERROR_CARD, TOK_SW_DETAIL_NONE,
     "warning, non-volatile memory unchanged"},
    {TOK_SW_SELECTED_FILE_INVALIDATED, 0xFFFF, TOK_ERROR_BLOCKED, TOK_SW_DETAIL_NONE,
     "selected application or file invalidated (locked)"},
    {0x6400, 0xFFFF, TOK_ERROR_CARD, TOK_SW_DETAIL_NONE,
     "execution error, non-volatile memory unchanged"},
    {TOK_SW_MEMORY_FAILURE, 0xFFFF, TOK_ERROR_CARD, TOK_SW_DETAIL_NONE, "memory failure"},
    {TOK_SW_WRONG_LENGTH, 0xFFFF, TOK_ERROR_WRONG_LENGTH, TOK_SW_DETAIL_NONE, "wrong length"},
    {TOK_SW_SECURE_MESSAGING_UNSUPPORTED, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "secure messaging not supported"},
    {TOK_SW_SECURITY_STATUS_NOT_SATISFIED, 0xFFFF, TOK_ERROR_NOT_AUTHORIZED, TOK_SW_DETAIL_NONE,
     "security status not satisfied"},
    {TOK_SW_AUTH_METHOD_BLOCKED, 0xFFFF, TOK_ERROR_BLOCKED, TOK_SW_DETAIL_NONE,
     "authentication method blocked"},
    {TOK_SW_REFERENCE_DATA_UNUSABLE, 0xFFFF, TOK_ERROR_NOT_AUTHORIZED, TOK_SW_DETAIL_NONE,
     "reference data not usable"},
    {TOK_SW_CONDITIONS_NOT_SATISFIED, 0xFFFF, TOK_ERROR_NOT_AUTHORIZED, TOK_SW_DETAIL_NONE,
     "conditions of use not satisfied"},
    {TOK_SW_SM_DATA_MISSING, 0xFFFF, TOK_ERROR_NOT_AUTHORIZED, TOK_SW_DETAIL_NONE,
     "expected secure messaging data objects missing"},
    {TOK_SW_SM_DATA_INCORRECT, 0xFFFF, TOK_ERROR_AUTH_FAILED, TOK_SW_DETAIL_NONE,
     "secure messaging data objects incorrect"},
    {TOK_SW_WRONG_DATA, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "incorrect data field"},
    {TOK_SW_FUNCTION_NOT_SUPPORTED, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "function not supported"},
    {TOK_SW_FILE_NOT_FOUND, 0xFFFF, TOK_ERROR_NOT_FOUND, TOK_SW_DETAIL_NONE,
     "application or file not found"},
    {0x6A83, 0xFFFF, TOK_ERROR_NOT_FOUND, TOK_SW_DETAIL_NONE, "record not found"},
    {TOK_SW_NOT_ENOUGH_MEMORY, 0xFFFF, TOK_ERROR_NO_SPACE, TOK_SW_DETAIL_NONE,
     "not enough memory space"},
    {TOK_SW_INCORRECT_P1P2, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "incorrect P1 P2"},
    {0x6A87, 0xFFFF, TOK_ERROR_WRONG_LENGTH, TOK_SW_DETAIL_NONE, "Lc inconsistent with P1 P2"},
    {TOK_SW_REFERENCED_DATA_NOT_FOUND, 0xFFFF, TOK_ERROR_NOT_FOUND, TOK_SW_DETAIL_NONE,
     "referenced data not found"},
    {TOK_SW_WRONG_P1P2, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "wrong parameters P1 P2"},
    {TOK_SW_INS_NOT_SUPPORTED, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "instruction not supported"},
    {TOK_SW_CLA_NOT_SUPPORTED, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "class not supported"},
    {TOK_SW_UNKNOWN, 0xFFFF, TOK_ERROR_CARD, TOK_SW_DETAIL_NONE, "no precise diagnosis"},

    /* CoolKey applet (protocol.md 4.3) */
    {TOK_SW_COOLKEY_NO_MEMORY_LEFT, 0xFFFF, TOK_ERROR_NO_SPACE, TOK_SW_DETAIL_NONE,
     "no memory left"},
    {TOK_SW_COOLKEY_AUTH_FAILED, 0xFFFF, TOK_ERROR_AUTH_FAILED, TOK_SW_DETAIL_NONE,
     "authentication failed"},
    {TOK_SW_COOLKEY_OPERATION_NOT_ALLOWED, 0xFFFF, TOK_ERROR_NOT_AUTHORIZED, TOK_SW_DETAIL_NONE,
     "operation not allowed"},
    {TOK_SW_COOLKEY_UNSUPPORTED_FEATURE, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "unsupported feature"},
    {TOK_SW_COOLKEY_UNAUTHORIZED, 0xFFFF, TOK_ERROR_NOT_AUTHORIZED, TOK_SW_DETAIL_NONE,
     "unauthorized"},
    {TOK_SW_COOLKEY_OBJECT_NOT_FOUND, 0xFFFF, TOK_ERROR_NOT_FOUND, TOK_SW_DETAIL_NONE,
     "object not found"},
    {TOK_SW_COOLKEY_OBJECT_EXISTS, 0xFFFF, TOK_ERROR_EXISTS, TOK_SW_DETAIL_NONE,
     "object exists"},
    {TOK_SW_COOLKEY_INCORRECT_ALG, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "incorrect algorithm"},
    {TOK_SW_COOLKEY_SIGNATURE_INVALID, 0xFFFF, TOK_ERROR_AUTH_FAILED, TOK_SW_DETAIL_NONE,
     "signature invalid"},
    {TOK_SW_COOLKEY_IDENTITY_BLOCKED, 0xFFFF, TOK_ERROR_BLOCKED, TOK_SW_DETAIL_NONE,
     "identity blocked"},
    {TOK_SW_COOLKEY_UNSPECIFIED_ERROR, 0xFFFF, TOK_ERROR_CARD, TOK_SW_DETAIL_NONE,
     "unspecified error"},
    {TOK_SW_COOLKEY_INVALID_PARAMETER, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "invalid parameter"},
    {TOK_SW_COOLKEY_INCORRECT_P1, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "incorrect P1"},
    {TOK_SW_COOLKEY_INCORRECT_P2, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "incorrect P2"},
    {TOK_SW_COOLKEY_SEQUENCE_END, 0xFFFF, TOK_ERROR_NOT_FOUND, TOK_SW_DETAIL_NONE,
     "sequence end (no more entries)"},
    {TOK_SW_COOLKEY_UNSUPPORTED_DIRECTION, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "unsupported direction"},
    {TOK_SW_COOLKEY_INVALID_DIRECTION, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "invalid direction"},
    {TOK_SW_COOLKEY_UNSUPPORTED_LOCATION, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "unsupported location"},
    {TOK_SW_COOLKEY_INVALID_LOCATION, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "invalid location"},
    {TOK_SW_COOLKEY_UNSUPPORTED_KEY_TYPE, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "unsupported key type"},
    {TOK_SW_COOLKEY_INVALID_KEY_TYPE, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "invalid key type"},
    {TOK_SW_COOLKEY_DATA_CHUNK_SIZE, 0xFFFF, TOK_ERROR_WRONG_LENGTH, TOK_SW_DETAIL_NONE,
     "data chunk size error"},
    {TOK_SW_COOLKEY_KEY_SIZE, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "key size error"},
    {TOK_SW_COOLKEY_UNSUPPORTED_CIPHER_MODE, 0xFFFF, TOK_ERROR_NOT_SUPPORTED, TOK_SW_DETAIL_NONE,
     "unsupported cipher mode"},
    {TOK_SW_COOLKEY_INVALID_CIPHER_MODE, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "invalid cipher mode"},
    {TOK_SW_COOLKEY_OUTPUT_BUFFER_SMALL, 0xFFFF, TOK_ERROR_WRONG_LENGTH, TOK_SW_DETAIL_NONE,
     "output buffer too small"},
    {TOK_SW_COOLKEY_INCONSISTENT_KEY_PAIR, 0xFFFF, TOK_ERROR_INVALID_PARAMETER,
     TOK_SW_DETAIL_NONE, "inconsistent key pairing"},
    {TOK_SW_COOLKEY_INPUT_BUFFER_SMALL, 0xFFFF, TOK_ERROR_WRONG_LENGTH, TOK_SW_DETAIL_NONE,
     "input buffer too small"},
    {TOK_SW_COOLKEY_BAD_WRAPPED_KEY, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "bad wrapped key (KEK or check value mismatch)"},
    {TOK_SW_COOLKEY_BAD_KEY_ALG, 0xFFFF, TOK_ERROR_INVALID_PARAMETER, TOK_SW_DETAIL_NONE,
     "bad algorithm for key"},
    {TOK_SW_COOLKEY_BAD_WRAPPED_PRIV_KEY, 0xFFFF, TOK_ERROR_INVALID_PARAMETER,
     TOK_SW_DETAIL_NONE, "bad wrapped private key"},
    {TOK_SW_COOLKEY_INTERNAL_ERROR, 0xFFFF, TOK_ERROR_CARD, TOK_SW_DETAIL_NONE,
     "applet internal error"},

    /* families */
    {TOK_SW_BYTES_REMAINING_00, 0xFF00, TOK_ERROR_PROTOCOL, TOK_SW_DETAIL_BYTES_AVAILABLE,
     "response bytes still available"},
    {TOK_SW_AUTH_FAILED_COUNTER_00, 0xFFF0, TOK_ERROR_AUTH_FAILED, TOK_SW_DETAIL_TRIES_LEFT,
     "verification failed"},
    {TOK_SW_WRONG_LE_00, 0xFF00, TOK_ERROR_WRONG_LENGTH, TOK_SW_DETAIL_EXPECTED_LE,
     "wrong Le field"},
};

static const TokSwEntry *
tok_status_word_lookup(guint16 sw)
{
	for (gsize i = 0; i < G_N_ELEMENTS(tok_sw_table); i++) {
		if ((sw & tok_sw_table[i].mask) == tok_sw_table[i].sw)
			return &tok_sw_table[i];
	}
	return NULL;
}

const gchar *
tok_status_word_describe(guint16 sw)
{
	const TokSwEntry *entry;

	if (sw == TOK_SW_OK)
		return "success";
	entry = tok_status_word_lookup(sw);
	return entry != NULL ? entry->text : "unknown status";
}

gint
tok_status_word_to_error_code(guint16 sw)
{
	const TokSwEntry *entry;

	if (sw == TOK_SW_OK)
		return TOK_ERROR_FAILED;
	entry = tok_status_word_lookup(sw);
	return entry != NULL ? (gint)entry->code : TOK_ERROR_CARD;
}

gboolean
tok_status_word_check(guint16 sw, GError **error)
{
	const TokSwEntry *entry;

	if (sw == TOK_SW_OK)
		return TRUE;
	entry = tok_status_word_lookup(sw);
	if (entry == NULL) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_CARD, "card error (SW %04X)", sw);
		return FALSE;
	}
	switch (entry->detail) {
	case TOK_SW_DETAIL_BYTES_AVAILABLE:
		/* 6100: 256 or more bytes */
		g_set_error(error,
			    TOK_ERROR,
			    entry->code,
			    "%s: %u more bytes, GET RESPONSE needed (SW %04X)",
			    entry->text,
			    (sw & 0xFF) == 0 ? 256u : (guint)(sw & 0xFF),
			    sw);
		break;
	case TOK_SW_DETAIL_TRIES_LEFT:
		g_set_error(error,
			    TOK_ERROR,
			    entry->code,
			    "%s, %u %s left (SW %04X)",
			    entry->text,
			    (guint)(sw & 0x0F),
			    (sw & 0x0F) == 1 ? "try" : "tries",
			    sw);
		break;
	case TOK_SW_DETAIL_EXPECTED_LE:
		g_set_error(error,
			    TOK_ERROR,
			    entry->code,
			    "%s: the card expects Le %u (SW %04X)",
			    entry->text,
			    (sw & 0xFF) == 0 ? 256u : (guint)(sw & 0xFF),
			    sw);
		break;
	case TOK_SW_DETAIL_NONE:
	default:
		g_set_error(error, TOK_ERROR, entry->code, "%s (SW %04X)", entry->text, sw);
		break;
	}
	return FALSE;
}
