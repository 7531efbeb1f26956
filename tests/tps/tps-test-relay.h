/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsTestRelay: a small ESC stand-in for the TPS integration tests. It opens a connection to
 * tpsd (HTTPS trusting one certificate file, or plain HTTP), writes the request head of ESC
 * (`POST /tps/tps HTTP/1.1`, Host, Transfer-Encoding: chunked, Content-Type: text/plain),
 * reads the response head, then plays the client's side of the full-duplex exchange: it
 * sends BEGIN_OP with the extensions ESC sends, relays every TOKEN_PDU_REQUEST to the card
 * (SCardTransmit inside one PC/SC transaction for the whole operation, or a test function),
 * answers LOGIN / EXTENDED_LOGIN / NEW_PIN / STATUS_UPDATE requests from values the test gave,
 * and returns the END_OP result and status.
 *
 * Test knobs: a tamper function that may replace any card response before it is sent (the
 * forged-proof test), dropping the connection when the (N+1)th APDU arrives (the disconnect
 * test; or at the first APDU with a given INS), and a lower-level connection API to put arbitrary bytes on the wire (the malformed
 * and oversized message tests).
 *
 * Every run records a transcript, one line per message in wire order: "C> " (client to TPS)
 * or "S> " (TPS to client), then the message without its "s=<N>&" prefix, except that
 *   - TOKEN_PDU_REQUEST is "S> PDU <CLA INS P1 P2 in hex>" (APDU data left out),
 *   - TOKEN_PDU_RESPONSE is "C> PDU-RESPONSE <SW in hex>" (response data left out),
 *   - the values of password, PASSWORD, UID, screen_name and new_pin are "(redacted)".
 * It is for comparing against the sequences of protocol.md 1.10 (see test-tps-operations.c).
 *
 * Blocking, one thread at a time; socket reads time out (tps_test_relay_set_timeout()).
 */
#pragma once

#include <gio/gio.h>

#include "th-card.h"
#include "tok-tps-message.h"

G_BEGIN_DECLS

#define TPS_TEST_RELAY_DEFAULT_TIMEOUT 120 /* seconds per socket read or write */
#define TPS_TEST_RELAY_MAX_HEAD	       16384 /* largest response head accepted */

/* A card for the relay: the response (data || SW1 SW2) to the command @apdu. */
typedef GBytes *(*TpsTestRelayTransmitFunc)(GBytes *apdu, gpointer user_data, GError **error);
/* Called for every relayed APDU (@index counts from 0) with the card's @response: return a
 * replacement response to send instead, or NULL to send @response unchanged. */
typedef GBytes *(*TpsTestRelayTamperFunc)(guint index,
					  GBytes *apdu,
					  GBytes *response,
					  gpointer user_data);

typedef struct {
	gboolean got_end_op;	  /* an END_OP arrived */
	TokTpsOperation operation; /* END_OP's operation */
	guint result;		  /* END_OP's result: 0 success, 1 failure */
	TokTpsStatus status;	  /* END_OP's message (protocol.md 1.8) */
	gboolean clean_end;	  /* the response body ended with the terminating chunk */
	gboolean dropped;	  /* the relay dropped the connection (drop_after_pdus) */
	guint n_pdus;		  /* APDUs relayed to the card */
	guint n_status_updates;	  /* STATUS_UPDATE_REQUESTs answered */
	guint new_pin_min, new_pin_max; /* the last NEW_PIN_REQUEST's limits */
	gboolean login_requested;	/* LOGIN_REQUEST (3) answered */
	gboolean extended_login_requested; /* EXTENDED_LOGIN_REQUEST (16) answered */
} TpsTestRelayResult;

typedef struct _TpsTestRelay TpsTestRelay;
typedef struct _TpsTestRelayConn TpsTestRelayConn;

/* A relay to @host:@port. @trust_file: PEM certificate(s) of the server or of its issuer;
 * the server's certificate must chain to one of them (its host name is not checked: tpsd's
 * self-made certificate names the machine, the tests connect to 127.0.0.1). NULL: plain
 * HTTP. */
TpsTestRelay *
tps_test_relay_new(const gchar *host, guint16 port, const gchar *trust_file)
    G_GNUC_WARN_UNUSED_RESULT;
void
tps_test_relay_free(TpsTestRelay *self);

/* The card: APDUs go to @card (not owned, must outlive the runs) with SCardTransmit, inside
 * one transaction per run. */
void
tps_test_relay_set_card(TpsTestRelay *self, ThCard *card);
/* Or a function (for tests without PC/SC). */
void
tps_test_relay_set_transmit_func(TpsTestRelay *self,
				 TpsTestRelayTransmitFunc func,
				 gpointer user_data);
/* "/tps/tps" by default. */
void
tps_test_relay_set_path(TpsTestRelay *self, const gchar *path);
/* BEGIN_OP extensions: tokenType (NULL: none; ESC sends it only for ENROLL and FORMAT, the
 * relay sends it whenever set), tokenATR (uppercase hex, NULL: none), statusUpdate, and
 * extendedLoginRequest=true when @extended_login. clientVersion=ESC 1.0.1 is always sent,
 * with ESC's trailing '&'. */
void
tps_test_relay_set_token_type(TpsTestRelay *self, const gchar *token_type);
void
tps_test_relay_set_token_atr(TpsTestRelay *self, const gchar *token_atr);
void
tps_test_relay_set_status_update(TpsTestRelay *self, gboolean status_update);
void
tps_test_relay_set_extended_login(TpsTestRelay *self, gboolean extended_login);
/* The answers: user and password for LOGIN / EXTENDED_LOGIN, the PIN for NEW_PIN. A request
 * the relay has no value for fails the run (TOK_ERROR_PROTOCOL). */
void
tps_test_relay_set_credentials(TpsTestRelay *self, const gchar *user_id, const gchar *password);
void
tps_test_relay_set_new_pin(TpsTestRelay *self, const gchar *pin);
void
tps_test_relay_set_tamper_func(TpsTestRelay *self, TpsTestRelayTamperFunc func, gpointer user_data);
/* 0 (default): never. N: when the TPS asks for APDU number N+1, close the connection without
 * answering it (result->dropped). */
void
tps_test_relay_set_drop_after_pdus(TpsTestRelay *self, guint n_pdus);
/* -1 (default): never. 0..255: when the TPS asks for the first APDU with this INS byte,
 * close the connection without relaying it (result->dropped). */
void
tps_test_relay_set_drop_at_ins(TpsTestRelay *self, gint ins);
void
tps_test_relay_set_timeout(TpsTestRelay *self, guint seconds);

/* Runs one operation. TRUE when an END_OP arrived (whatever its result) and the body ended
 * cleanly after it, or when the relay dropped the connection as asked; @result (may be NULL)
 * says what happened, also on failure. FALSE with @error on connection, TLS, HTTP, framing
 * or protocol errors (among them: the server closed before END_OP). */
gboolean
tps_test_relay_run(TpsTestRelay *self,
		   TokTpsOperation operation,
		   TpsTestRelayResult *result,
		   GError **error);

/* The transcript of the last run (or connection), one line per message. Borrowed. */
GPtrArray *
tps_test_relay_get_transcript(TpsTestRelay *self);
/* The lines joined with '\n'. */
gchar *
tps_test_relay_get_transcript_text(TpsTestRelay *self) G_GNUC_WARN_UNUSED_RESULT;
/* The transcript line for @msg sent in @direction ("C> " or "S> "). */
gchar *
tps_test_relay_transcript_line(const gchar *direction, TokTpsMessage *msg)
    G_GNUC_WARN_UNUSED_RESULT;

/* ---- lower level: one connection, past the HTTP heads -------------------------------- */

/* Connects, checks the certificate, writes the request head and reads the response head,
 * which must be "HTTP/1.1 200" with Transfer-Encoding: chunked: else TOK_ERROR_PROTOCOL
 * naming the status. Clears the transcript. */
TpsTestRelayConn *
tps_test_relay_connect(TpsTestRelay *self, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Closes (if still open) and frees. */
void
tps_test_relay_conn_free(TpsTestRelayConn *conn);
/* @msg as one chunk (recorded in the transcript). */
gboolean
tps_test_relay_conn_send(TpsTestRelayConn *conn, TokTpsMessage *msg, GError **error);
/* @data as one chunk, whatever it holds. */
gboolean
tps_test_relay_conn_send_chunk(TpsTestRelayConn *conn, const guint8 *data, gsize len, GError **error);
/* @data as is: no chunk framing. */
gboolean
tps_test_relay_conn_send_raw(TpsTestRelayConn *conn, const guint8 *data, gsize len, GError **error);
/* The terminating chunk. */
gboolean
tps_test_relay_conn_send_end(TpsTestRelayConn *conn, GError **error);
/* The next server message (recorded in the transcript); NULL without error at the clean end
 * of the response body. A chunk that is not a valid message fails (TOK_ERROR_*). */
TokTpsMessage *
tps_test_relay_conn_read(TpsTestRelayConn *conn, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Closes the connection at once (no terminating chunk, no TLS close_notify wait). */
void
tps_test_relay_conn_close(TpsTestRelayConn *conn);

/* Parses a response head (@data up to and including the empty line) with libsoup: the
 * status code, and whether Transfer-Encoding is chunked. TOK_ERROR_INVALID_DATA if it does
 * not parse. */
gboolean
tps_test_relay_parse_response_head(const guint8 *data,
				   gsize len,
				   guint *status_code,
				   gboolean *chunked,
				   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsTestRelay, tps_test_relay_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsTestRelayConn, tps_test_relay_conn_free)

G_END_DECLS
