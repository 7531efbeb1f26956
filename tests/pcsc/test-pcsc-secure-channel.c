/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * GlobalPlatform secure channels over PC/SC with esc-vcard cards of each protocol (SCP01,
 * SCP02, SCP03): commands wrapped by libtok-gp reach the applet; a wrong key set fails the
 * card cryptogram check on the host; a tampered MAC is refused by the card, which stays
 * usable; CLA 84 without a channel is refused.
 */
#include "config.h"

#include <string.h>

#include "pcsc-personalise.h"
#include "th-pcsc.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"

typedef struct {
	const gchar *scp; /* esc-vcard --scp */
	guint8 level;	  /* EXTERNAL AUTHENTICATE security level */
} ScCase;

static const ScCase sc_cases[] = {
    {"1", 0x03},
    {"1", 0x01},
    {"2", 0x03},
    {"2", 0x01},
    {"3", 0x03},
    {"3", 0x01},
};

static ThCard *
plug_and_select(ThPcscFixture *f, const gchar *scp)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;

	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--scp", scp, NULL));
	g_assert_no_error(error);
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_no_error(error);
	return g_steal_pointer(&card);
}

static gchar *
get_issuer_info(ThCard *card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) get = tok_coolkey_apdu_get_issuer_info();
	g_autoptr(GBytes) data = th_card_command(card, get, "GET ISSUER INFO", &error);
	gchar *url;

	g_assert_no_error(error);
	url = tok_coolkey_parse_issuer_info(g_bytes_get_data(data, NULL),
					    g_bytes_get_size(data),
					    &error);
	g_assert_no_error(error);
	return url;
}

static void
set_issuer_info(ThCard *card, const gchar *url)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) set = tok_coolkey_apdu_set_issuer_info(url, &error);
	g_autoptr(GBytes) data = NULL;

	g_assert_no_error(error);
	data = th_card_command_secure(card, set, "SET ISSUER INFO", &error);
	g_assert_no_error(error);
	g_assert_nonnull(data);
}

static void
assert_card_usable(ThCard *card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(GBytes) data = th_card_command(card, status, "GET STATUS", &error);
	TokCoolkeyStatus st;

	g_assert_no_error(error);
	g_assert_true(tok_coolkey_parse_status(g_bytes_get_data(data, NULL),
					       g_bytes_get_size(data),
					       &st,
					       &error));
	g_assert_no_error(error);
	g_assert_cmpuint(st.protocol_major, ==, 1);
}

static void
test_open(ThPcscFixture *f, gconstpointer data)
{
	const ScCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autofree gchar *url =
	    g_strdup_printf("https://tps.example.test/scp0%s/level%02X", c->scp, c->level);
	g_autofree gchar *back = NULL;
	g_autofree gchar *url2 = g_strconcat(url, "/again", NULL);
	g_autofree gchar *back2 = NULL;
	TokGpSession *session;

	if (f->pcsc == NULL)
		return;
	card = plug_and_select(f, c->scp);
	g_assert_true(th_card_begin_transaction(card, &error));
	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, c->level, &error));
	g_assert_no_error(error);
	session = th_card_get_session(card);
	g_assert_cmpint(tok_gp_session_get_scp(session),
			==,
			(gint)g_ascii_strtoll(c->scp, NULL, 10));
	g_assert_cmpint(tok_gp_session_get_state(session), ==, TOK_GP_SESSION_STATE_AUTHENTICATED);
	g_assert_cmpuint(tok_gp_session_get_security_level(session), ==, c->level);

	/* two wrapped commands in a row (MAC chaining), read back in the clear */
	set_issuer_info(card, url);
	back = get_issuer_info(card);
	g_assert_cmpstr(back, ==, url);
	set_issuer_info(card, url2);
	back2 = get_issuer_info(card);
	g_assert_cmpstr(back2, ==, url2);
	g_assert_true(th_card_end_transaction(card, &error));
	g_assert_no_error(error);

	/* a card reset ends the channel on the card: a new one opens */
	g_assert_true(th_card_reset(card, &error));
	g_assert_no_error(error);
	g_assert_null(th_card_get_session(card));
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, c->level, &error));
	g_assert_no_error(error);
	set_issuer_info(card, url);
}

static void
test_wrong_keys(ThPcscFixture *f, gconstpointer data)
{
	const ScCase *c = data;
	const guint8 wrong[16] = {0x11,
				  0x22,
				  0x33,
				  0x44,
				  0x55,
				  0x66,
				  0x77,
				  0x88,
				  0x99,
				  0xAA,
				  0xBB,
				  0xCC,
				  0xDD,
				  0xEE,
				  0xFF,
				  0x00};
	gboolean aes = g_strcmp0(c->scp, "3") == 0;
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	if (f->pcsc == NULL)
		return;
	card = plug_and_select(f, c->scp);
	before = get_issuer_info(card);
	keys = tok_gp_key_set_new_from_data(aes ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3,
					    wrong,
					    sizeof(wrong),
					    &error);
	g_assert_no_error(error);
	/* the card cryptogram does not match what these keys give */
	g_assert_false(th_card_open_secure_channel(card, keys, 0x00, c->level, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	g_assert_null(th_card_get_session(card));
	g_clear_error(&error);

	/* nothing changed, and the right keys still work */
	assert_card_usable(card);
	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, c->level, &error));
	g_assert_no_error(error);
	set_issuer_info(card, "https://tps.example.test/after-wrong-keys");
	after = get_issuer_info(card);
	g_assert_cmpstr(after, ==, "https://tps.example.test/after-wrong-keys");
	g_assert_cmpstr(before, !=, after);
}

static void
test_tampered_mac(ThPcscFixture *f, gconstpointer data)
{
	const ScCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(TokApdu) set = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GByteArray) tampered = g_byte_array_new();
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *last = NULL;

	if (f->pcsc == NULL)
		return;
	card = plug_and_select(f, c->scp);
	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, c->level, &error));
	g_assert_no_error(error);
	set_issuer_info(card, "https://tps.example.test/before");
	before = get_issuer_info(card);

	/* flip one bit of the last MAC byte of a correctly wrapped command */
	set = tok_coolkey_apdu_set_issuer_info("https://tps.example.test/tampered", &error);
	g_assert_no_error(error);
	wrapped = th_card_wrap(card, set, &error);
	g_assert_no_error(error);
	g_byte_array_append(tampered,
			    g_bytes_get_data(wrapped, NULL),
			    (guint)g_bytes_get_size(wrapped));
	tampered->data[tampered->len - 1] ^= 0x01;
	raw = th_card_transmit_raw(card, tampered->data, tampered->len, &error);
	g_assert_no_error(error);
	response = tok_apdu_response_parse_bytes(raw, &error);
	g_assert_no_error(error);
	g_test_message("tampered MAC answered with SW %04X", tok_apdu_response_get_sw(response));
	g_assert_cmphex(tok_apdu_response_get_sw(response), !=, 0x9000);
	g_assert_false(tok_apdu_response_check(response, "tampered SET ISSUER INFO", &error));
	g_assert_nonnull(error);
	g_clear_error(&error);

	/* nothing was written; the card answers, and a new channel works */
	after = get_issuer_info(card);
	g_assert_cmpstr(after, ==, before);
	assert_card_usable(card);
	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, c->level, &error));
	g_assert_no_error(error);
	set_issuer_info(card, "https://tps.example.test/after");
	last = get_issuer_info(card);
	g_assert_cmpstr(last, ==, "https://tps.example.test/after");
}

/* CLA 84 without a channel, and after the channel was dropped by a reset. */
static void
test_no_channel(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(TokApdu) set =
	    tok_coolkey_apdu_set_issuer_info("https://tps.example.test/x", &error);
	g_autoptr(GBytes) stale = NULL;
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) data_plain = NULL;

	if (f->pcsc == NULL)
		return;
	card = plug_and_select(f, "3");
	/* plain CLA 84, no MAC */
	data_plain = th_card_command(card, set, "SET ISSUER INFO", &error);
	g_assert_null(data_plain);
	g_assert_nonnull(error);
	g_clear_error(&error);

	/* a command wrapped for a channel the card no longer has */
	g_assert_true(th_card_open_secure_channel(card, NULL, 0x00, 0x03, &error));
	g_assert_no_error(error);
	stale = th_card_wrap(card, set, &error);
	g_assert_no_error(error);
	g_assert_true(th_card_reset(card, &error));
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_no_error(error);
	raw = th_card_transmit_raw(card,
				   g_bytes_get_data(stale, NULL),
				   g_bytes_get_size(stale),
				   &error);
	g_assert_no_error(error);
	response = tok_apdu_response_parse_bytes(raw, &error);
	g_assert_no_error(error);
	g_assert_cmphex(tok_apdu_response_get_sw(response), !=, 0x9000);
	assert_card_usable(card);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(sc_cases); i++) {
		const ScCase *c = &sc_cases[i];
		g_autofree gchar *base =
		    g_strdup_printf("/pcsc/secure-channel/scp0%s/level%02X", c->scp, c->level);
		g_autofree gchar *open = g_strconcat(base, "/open", NULL);
		g_autofree gchar *wrong = g_strconcat(base, "/wrong-keys", NULL);
		g_autofree gchar *tamper = g_strconcat(base, "/tampered-mac", NULL);

		TH_PCSC_TEST_ADD(open, c, test_open);
		if (c->level == 0x03) {
			TH_PCSC_TEST_ADD(wrong, c, test_wrong_keys);
		}
		TH_PCSC_TEST_ADD(tamper, c, test_tampered_mac);
	}
	TH_PCSC_TEST_ADD("/pcsc/secure-channel/no-channel", NULL, test_no_channel);
	return g_test_run();
}
