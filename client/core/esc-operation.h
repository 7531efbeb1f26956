/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscOperation: one FORMAT / ENROLL / PIN RESET run against a TPS (protocol.md 1). It opens
 * an EscTpsConnection, sends BEGIN_OP with the extensions ESC sends, relays every
 * TOKEN_PDU_REQUEST verbatim to the card and answers TOKEN_PDU_RESPONSE, asks the user
 * through "login-requested" / "new-pin-requested", echoes STATUS_UPDATE_REQUESTs (emitting
 * "progress") and ends with END_OP's result.
 *
 * With an EscToken or EscCard, the whole relay loop is ONE esc_card_run_job job with a PC/SC
 * transaction; signals are then emitted on the main context the operation was created in
 * (always from a source of that context, never on the worker), while the card's worker
 * thread waits for the answers (woken by cancellation too). A cancel or a card removal
 * mid-operation closes the TPS connection (the TPS then rolls back). With an EscToken, the
 * token turning not present (EscTokenList saw the card go) ends the run at once with
 * CARD_REMOVED, also while it waits for the server or for the user; a token that is not
 * present any more is refused before the reader is touched (another card may be in it).
 *
 * A login or PIN request must be answered or cancelled: a handler that answers later keeps a
 * reference on it. A request that everyone let go of unanswered ends the run (CANCELLED,
 * "dropped without an answer") instead of leaving it waiting forever.
 *
 * Errors (ESC_ERROR): CONNECT / TLS / TIMEOUT / PROTOCOL (the server), CARD_REMOVED /
 * CARD_CHANGED / CARD / PCSC (the card), CANCELLED, INVALID_INPUT (no URL, a bad PIN),
 * AUTH (END_OP status 14: the login failed), SERVER (any other END_OP failure; message
 * esc_status_text_describe() + " (code N)").
 */
#pragma once

#include <gio/gio.h>

#include "esc-card.h"
#include "esc-login-request.h"
#include "esc-pin-request.h"
#include "esc-token.h"
#include "esc-tps-connection.h"
#include "tok-macros.h"
#include "tok-tps-message.h"

G_BEGIN_DECLS

/* values = TokTpsOperation */
typedef enum {
	ESC_OPERATION_ENROLL = 1,
	ESC_OPERATION_UNBLOCK = 2, /* not implemented by the Java TPS (END_OP failure) */
	ESC_OPERATION_PIN_RESET = 3,
	ESC_OPERATION_RENEW = 4,   /* not implemented by the Java TPS (END_OP failure) */
	ESC_OPERATION_FORMAT = 5,
} EscOperationKind;

#define ESC_TYPE_OPERATION_KIND (esc_operation_kind_get_type())
GType
esc_operation_kind_get_type(void);
/* "enroll", "unblock", "pin-reset", "renew", "format"; NULL if out of range. */
const gchar *
esc_operation_kind_to_string(EscOperationKind k);
/* The reverse ("reset-pin" is accepted too); FALSE if unknown. */
gboolean
esc_operation_kind_from_string(const gchar *text, EscOperationKind *k) TOK_NONNULL(1);
/* Translated: "Enroll", "Unblock", "Reset PIN", "Renew", "Format". */
const gchar *
esc_operation_kind_to_label(EscOperationKind k);

/* "clientVersion" sent in BEGIN_OP, as ESC sends it (the Java TPS does not read it). */
#define ESC_OPERATION_CLIENT_VERSION "ESC 1.0.1"

#define ESC_TYPE_OPERATION (esc_operation_get_type())
G_DECLARE_FINAL_TYPE(EscOperation, esc_operation, ESC, OPERATION, GObject)

/* The URL and token type default to the token's phone-home answer (EscToken:issuer). */
EscOperation *
esc_operation_new(EscToken *token, EscOperationKind kind) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Or without EscToken (tests, benchmark): a card (its ATR is read in the job). */
EscOperation *
esc_operation_new_for_card(EscCard *card, EscOperationKind kind) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Or with neither: only esc_operation_run_with_transmit[_async]() can run it. */
EscOperation *
esc_operation_new_detached(EscOperationKind kind) G_GNUC_WARN_UNUSED_RESULT;

EscOperationKind
esc_operation_get_kind(EscOperation *self) TOK_NONNULL(1);
/* Borrowed; NULL for esc_operation_new_for_card() / _detached(). */
EscToken *
esc_operation_get_token(EscOperation *self) TOK_NONNULL(1);

/* The TPS URL; else the token's phone-home Operation URL. */
void
esc_operation_set_url(EscOperation *self, const gchar *tps_url) TOK_NONNULL(1);
/* The URL the run uses (set, or from phone home), NULL if none. */
const gchar *
esc_operation_get_url(EscOperation *self) TOK_NONNULL(1);
void
esc_operation_set_tls_options(EscOperation *self, EscTlsOptions *tls) TOK_NONNULL(1);
/* Sent for ENROLL and FORMAT; else phone-home TokenType; else none. */
void
esc_operation_set_token_type(EscOperation *self, const gchar *token_type) TOK_NONNULL(1);
/* extendedLoginRequest=true in BEGIN_OP (the TPS then describes its login form); default TRUE. */
void
esc_operation_set_extended_login(EscOperation *self, gboolean extended) TOK_NONNULL(1);
/* statusUpdate=true in BEGIN_OP (the TPS then sends progress); default TRUE. */
void
esc_operation_set_status_update(EscOperation *self, gboolean status_update) TOK_NONNULL(1);
/* "locale" extension; default: the first of g_get_language_names() that is a plain
 * language[_TERRITORY] ("C" → none sent). NULL or "" sends none. */
void
esc_operation_set_locale(EscOperation *self, const gchar *locale) TOK_NONNULL(1);

/* signals (main context of the creator for run_async/run_sync; the calling thread for
 * run_with_transmit):
 *   "progress" (guint percent, const gchar *task)          STATUS_UPDATE (task: server's name)
 *   "login-requested" (EscLoginRequest *request)           answer now or later, must answer or cancel
 *   "new-pin-requested" (EscPinRequest *request)
 *   "log" (const gchar *line)                              redacted transcript line */
void
esc_operation_run_async(EscOperation *self,
			GCancellable *cancellable,
			GAsyncReadyCallback callback,
			gpointer user_data) TOK_NONNULL(1);
gboolean
esc_operation_run_finish(EscOperation *self, GAsyncResult *res, GError **error) TOK_NONNULL(1, 2);
/* Blocking variant: the signals are emitted on the calling thread while it waits (it
 * iterates the main context the operation was created in, which this thread must be able to
 * own: call it from the thread that created the operation; ESC_ERROR_FAILED otherwise). */
gboolean
esc_operation_run_sync(EscOperation *self, GCancellable *cancellable, GError **error) TOK_NONNULL(1);

/* Card-agnostic core loop, blocking, on the calling thread: APDUs go to @transmit (raw
 * command → data||SW). Signals are then emitted directly on the calling thread and the
 * request handlers must answer synchronously (else the run fails CANCELLED). @atr: the
 * card's ATR for the tokenATR extension (NULL: none sent). */
typedef GBytes *(*EscTransmitFunc)(GBytes *command, gpointer user_data, GError **error);
gboolean
esc_operation_run_with_transmit(EscOperation *self,
				EscTransmitFunc transmit,
				gpointer user_data,
				GBytes *atr,
				GCancellable *cancellable,
				GError **error) TOK_NONNULL(1, 2);
/* The same loop in a worker thread, with the signals marshalled to the caller's
 * thread-default main context as in run_async (requests may be answered later). @transmit
 * is called on the worker thread; @user_data must outlive the run. */
void
esc_operation_run_with_transmit_async(EscOperation *self,
				      EscTransmitFunc transmit,
				      gpointer user_data,
				      GBytes *atr,
				      GCancellable *cancellable,
				      GAsyncReadyCallback callback,
				      gpointer callback_data) TOK_NONNULL(1, 2);
gboolean
esc_operation_run_with_transmit_finish(EscOperation *self, GAsyncResult *res, GError **error)
    TOK_NONNULL(1, 2);

/* END_OP message code; (gint) -1 before (or without) END_OP. */
TokTpsStatus
esc_operation_get_status(EscOperation *self) TOK_NONNULL(1);
/* END_OP result (0 success, 1 failure); -1 before. */
gint
esc_operation_get_result(EscOperation *self) TOK_NONNULL(1);
/* APDUs relayed in the last run. */
guint
esc_operation_get_apdu_count(EscOperation *self) TOK_NONNULL(1);
/* The transcript keeps at most this many lines: beyond, the first and the last half and one
 * line "… (N lines left out) …" in the middle. */
#define ESC_OPERATION_MAX_TRANSCRIPT 10000
/* Lines "C> ..."/"S> ..." like tests/tps/tps-test-relay.h: TOKEN_PDU_REQUEST as
 * "S> PDU <CLA INS P1 P2>", TOKEN_PDU_RESPONSE as "C> PDU-RESPONSE <SW>", the values of
 * password, PASSWORD, UID, screen_name, new_pin (and every EXTENDED_LOGIN_RESPONSE value) as
 * "(redacted)". Borrowed; read it from the thread that runs the operation, or after. */
GPtrArray *
esc_operation_get_transcript(EscOperation *self) TOK_NONNULL(1);
/* The transcript joined with '\n'. */
gchar *
esc_operation_get_transcript_text(EscOperation *self) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The transcript line for @msg sent in @direction ("C> " or "S> "). */
gchar *
esc_operation_transcript_line(const gchar *direction, TokTpsMessage *msg) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);

G_END_DECLS
