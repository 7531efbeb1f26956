/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The user PIN through PC/SC: wrong PINs count the tries down and block it, a right PIN
 * restores the tries, the counter and the blocked state survive an esc-vcard restart with
 * --state, and SET PIN over the secure channel unblocks.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "pcsc-personalise.h"
#include "th-pcsc.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"

#define GOOD_PIN  "1234"
#define WRONG_PIN "9999"
#define MAX_TRIES 3

static gchar *
state_path(ThPcscFixture *f)
{
	return g_build_filename(th_pcsc_get_dir(f->pcsc), "card.state", NULL);
}

static ThCard *
plug(ThPcscFixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *state = state_path(f);
	g_autoptr(ThCard) card = NULL;

	g_assert_nonnull(
	    th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", "3", "--state", state, NULL));
	g_assert_no_error(error);
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&card);
}

/* Restarts the card process with the same state file; returns a new connection. */
static ThCard *
restart(ThPcscFixture *f, ThCard *old)
{
	g_autoptr(GError) error = NULL;

	th_card_free(old);
	g_assert_true(th_pcsc_stop_card(f->pcsc, th_pcsc_get_card(f->pcsc, 0), &error));
	g_assert_no_error(error);
	return plug(f);
}

/* CREATE PIN 0 (MAX_TRIES) under the secure channel, or SET PIN if it exists. */
static void
set_pin(ThCard *card, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(value);
	g_autoptr(TokApdu) create = NULL;
	g_autoptr(TokApdu) set = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) ok = NULL;

	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, 0x03, &error));
	g_assert_no_error(error);
	create =
	    tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, MAX_TRIES, pin, NULL, &error);
	g_assert_no_error(error);
	response = th_card_transmit_secure(card, create, &error);
	g_assert_no_error(error);
	if (tok_apdu_response_get_sw(response) == 0x9000)
		return;
	g_assert_cmphex(tok_apdu_response_get_sw(response), ==, 0x9C10); /* exists */
	set = tok_coolkey_apdu_set_pin(0, pin, &error);
	g_assert_no_error(error);
	ok = th_card_command_secure(card, set, "SET PIN", &error);
	g_assert_no_error(error);
	th_card_close_secure_channel(card);
}

/* VERIFY PIN: TRUE with the 8-byte nonce, else FALSE with the card's error. */
static gboolean
verify(ThCard *card, const gchar *value, GError **error)
{
	g_autoptr(TokSecret) pin = tok_secret_new_from_text(value);
	g_autoptr(TokApdu) apdu = tok_coolkey_apdu_verify_pin(0, pin, error);
	g_autoptr(GBytes) nonce = NULL;

	g_assert_nonnull(apdu);
	nonce = th_card_command(card, apdu, "VERIFY PIN", error);
	if (nonce == NULL)
		return FALSE;
	g_assert_cmpuint(g_bytes_get_size(nonce), ==, TOK_COOLKEY_NONCE_SIZE);
	return TRUE;
}

static guint
tries_left(ThCard *card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) apdu = tok_coolkey_apdu_get_pin_tries(0, &error);
	g_autoptr(GBytes) data = th_card_command(card, apdu, "GET PIN TRIES", &error);
	guint8 tries = 0xFF;

	g_assert_no_error(error);
	g_assert_true(tok_coolkey_parse_pin_tries(g_bytes_get_data(data, NULL),
						  g_bytes_get_size(data),
						  &tries,
						  &error));
	g_assert_no_error(error);
	return tries;
}

static void
test_countdown_and_block(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;

	if (f->pcsc == NULL)
		return;
	card = plug(f);
	set_pin(card, GOOD_PIN);
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES);
	g_assert_true(verify(card, GOOD_PIN, &error));
	g_assert_no_error(error);

	/* a wrong PIN costs a try; the right one restores them */
	g_assert_false(verify(card, WRONG_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	g_clear_error(&error);
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES - 1);
	g_assert_true(verify(card, GOOD_PIN, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES);

	/* MAX_TRIES wrong PINs in a row: 2, 1, 0 tries left */
	for (guint i = 1; i <= MAX_TRIES; i++) {
		g_assert_false(verify(card, WRONG_PIN, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
		g_clear_error(&error);
		g_assert_cmpuint(tries_left(card), ==, MAX_TRIES - i);
	}
	/* blocked: even the right PIN is refused, and nothing is counted any more */
	g_assert_false(verify(card, GOOD_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_BLOCKED);
	g_clear_error(&error);
	g_assert_false(verify(card, WRONG_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_BLOCKED);
	g_clear_error(&error);
	g_assert_cmpuint(tries_left(card), ==, 0);

	/* a card reset (power cycle) does not unblock */
	g_assert_true(th_card_reset(card, &error));
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_no_error(error);
	g_assert_false(verify(card, GOOD_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_BLOCKED);
}

static void
test_blocked_survives_restart(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	ThCard *card;
	g_autofree gchar *state = NULL;

	if (f->pcsc == NULL)
		return;
	card = plug(f);
	set_pin(card, GOOD_PIN);
	for (guint i = 0; i < MAX_TRIES; i++) {
		g_assert_false(verify(card, WRONG_PIN, &error));
		g_clear_error(&error);
	}
	g_assert_false(verify(card, GOOD_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_BLOCKED);
	g_clear_error(&error);
	state = state_path(f);
	g_assert_true(g_file_test(state, G_FILE_TEST_IS_REGULAR));

	/* a new esc-vcard process on the same state file: still blocked */
	card = restart(f, card);
	g_assert_cmpuint(tries_left(card), ==, 0);
	g_assert_false(verify(card, GOOD_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_BLOCKED);
	g_clear_error(&error);

	/* SET PIN through the secure channel unblocks, with a new value, and that persists */
	set_pin(card, "5678");
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES);
	card = restart(f, card);
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES);
	g_assert_false(verify(card, GOOD_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	g_clear_error(&error);
	g_assert_true(verify(card, "5678", &error));
	g_assert_no_error(error);
	th_card_free(card);
}

static void
test_tries_survive_restart(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	ThCard *card;

	if (f->pcsc == NULL)
		return;
	card = plug(f);
	set_pin(card, GOOD_PIN);
	g_assert_false(verify(card, WRONG_PIN, &error));
	g_clear_error(&error);
	g_assert_false(verify(card, WRONG_PIN, &error));
	g_clear_error(&error);
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES - 2);

	/* a killed card (no clean exit) keeps the count too: the state file is written at once */
	g_assert_true(th_pcsc_card_kill(th_pcsc_get_card(f->pcsc, 0), SIGKILL, &error));
	g_assert_no_error(error);
	g_assert_true(th_pcsc_wait_card(f->pcsc, 0, FALSE, TH_PCSC_CARD_TIMEOUT_MS, &error));
	g_assert_no_error(error);
	th_card_free(card);
	card = plug(f);
	g_assert_cmpuint(tries_left(card), ==, MAX_TRIES - 2);
	g_assert_false(verify(card, WRONG_PIN, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	g_clear_error(&error);
	g_assert_cmpuint(tries_left(card), ==, 0);
	th_card_free(card);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/pcsc/pin/countdown-and-block", NULL, test_countdown_and_block);
	TH_PCSC_TEST_ADD("/pcsc/pin/blocked-survives-restart", NULL, test_blocked_survives_restart);
	TH_PCSC_TEST_ADD("/pcsc/pin/tries-survive-restart", NULL, test_tries_survive_restart);
	return g_test_run();
}
