/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ESC_ERROR: the client's one error domain. Every failure libesc-core reports to escctl and the
 * GUI is an ESC_ERROR (or G_IO_ERROR_CANCELLED), so they can pick an exit code or a sentence
 * from the code alone; the message says what was wrong.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ESC_ERROR (esc_error_quark())

typedef enum {
	ESC_ERROR_FAILED,	     /* anything else */
	ESC_ERROR_CANCELLED,	     /* the user or caller cancelled (G_IO_ERROR_CANCELLED also accepted) */
	ESC_ERROR_NO_SERVICE,	     /* pcscd not running / not reachable */
	ESC_ERROR_NO_READER,	     /* the named reader does not exist */
	ESC_ERROR_NO_CARD,	     /* no card in the reader */
	ESC_ERROR_CARD_REMOVED,	     /* the card was pulled during the work */
	ESC_ERROR_CARD_CHANGED,	     /* after a reset/reinsert the card has another CUID */
	ESC_ERROR_CARD,		     /* the card answered with an unexpected status word / garbage */
	ESC_ERROR_UNSUPPORTED_CARD,  /* not a GlobalPlatform card we can talk to */
	ESC_ERROR_PCSC,		     /* other PC/SC failures (message names the SCARD_* code) */
	ESC_ERROR_CONNECT,	     /* TPS / phone-home server unreachable (refused, DNS, no route) */
	ESC_ERROR_TLS,		     /* TLS failure, in particular the server certificate is not trusted */
	ESC_ERROR_TIMEOUT,	     /* the server or the card did not answer in time */
	ESC_ERROR_PROTOCOL,	     /* the server sent something that is not the protocol */
	ESC_ERROR_SERVER,	     /* END_OP with result=1 (message from esc_status_text_describe()) */
	ESC_ERROR_AUTH,		     /* END_OP said the login failed (status 14 LOGIN error) */
	ESC_ERROR_INVALID_INPUT,     /* bad argument from the user (URL, PIN out of range, ...) */
} EscError;

#define ESC_ERROR_LAST ESC_ERROR_INVALID_INPUT

GQuark
esc_error_quark(void);

/* "card-removed", "no-service", ... (stable, for --json); "unknown" for other values. */
const gchar *
esc_error_to_string(EscError code);

/* The PC/SC return value @rv as an EscError code: SCARD_E_NO_SERVICE / SERVICE_STOPPED /
 * SCARD_F_COMM_ERROR (pcsc-lite: the socket to pcscd failed) → NO_SERVICE,
 * SCARD_E_UNKNOWN_READER / READER_UNAVAILABLE → NO_READER, SCARD_E_NO_SMARTCARD → NO_CARD, SCARD_W_REMOVED_CARD → CARD_REMOVED, SCARD_E_CANCELLED → CANCELLED,
 * SCARD_E_TIMEOUT → TIMEOUT, SCARD_E_CARD_UNSUPPORTED / SCARD_W_UNSUPPORTED_CARD /
 * SCARD_W_UNRESPONSIVE_CARD → UNSUPPORTED_CARD, anything else → PCSC. */
EscError
esc_error_code_from_pcsc(glong rv);

/* "SCARD_E_NO_SERVICE" etc., or NULL for a value that is not a known SCARD_* code. */
const gchar *
esc_error_pcsc_name(glong rv);

/* Maps a PC/SC LONG to an EscError code + "what: <SCARD_* name> (0x%08lX)" message.
 * @error may be NULL; @what may be NULL (no prefix). */
void
esc_error_set_pcsc(GError **error, glong rv, const gchar *what);

/* Turns a failure of a card answer (a TOK_ERROR from a parser or from the status-word table)
 * into ESC_ERROR_CARD, keeping the message and prefixing "@what: ". Errors that already are
 * ESC_ERROR or G_IO_ERROR_CANCELLED pass through unchanged (with the prefix). Takes @src. */
void
esc_error_propagate_card(GError **dest, GError *src, const gchar *what);

G_END_DECLS
