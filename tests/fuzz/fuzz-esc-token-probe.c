/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `esc-token-probe`: the token probe of libesc-core against a card whose answers
 * are the input, in order, whatever the command: each answer is one length byte then that many
 * bytes (data || SW1 SW2); once the input is used up the card is "removed". Checks: the probe
 * either describes the token (a known status, a 20-digit CUID or none, certificates that are
 * X.509) or fails with ESC_ERROR_CARD / ESC_ERROR_CARD_REMOVED; never a crash or a leak.
 */
#include "config.h"

#include <stdlib.h>

#include "esc-certificate.h"
#include "esc-error.h"
#include "esc-token-probe.h"
#include "fuzz.h"

typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
} FuzzCard;

static void
fuzz_check(gboolean ok)
{
	if (!ok)
		abort();
}

static GBytes *
fuzz_card_transmit(GBytes *command, gpointer user_data, GError **error)
{
	FuzzCard *card = user_data;
	gsize n;

	if (card->pos >= card->len) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, "the card was removed");
		return NULL;
	}
	n = card->data[card->pos++];
	n = MIN(n, card->len - card->pos);
	card->pos += n;
	return g_bytes_new(card->data + card->pos - n, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzCard card = {data, size, 0};
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = esc_token_probe_run_with_transmit(fuzz_card_transmit, &card, NULL, &error);

	if (info == NULL) {
		fuzz_check(error != NULL);
		fuzz_check(g_error_matches(error, ESC_ERROR, ESC_ERROR_CARD) || g_error_matches(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED));
		return 0;
	}
	fuzz_check(error == NULL);
	fuzz_check(esc_token_info_get_status(info) > ESC_TOKEN_STATUS_UNKNOWN &&
		   esc_token_info_get_status(info) < ESC_TOKEN_STATUS_ERROR);
	fuzz_check(esc_token_info_get_cuid(info) == NULL || strlen(esc_token_info_get_cuid(info)) == 20);
	fuzz_check(esc_token_info_get_msn(info) == NULL || strlen(esc_token_info_get_msn(info)) == 8);
	for (guint i = 0; i < esc_token_info_get_certificates(info)->len; i++) {
		EscCertificate *cert = g_ptr_array_index(esc_token_info_get_certificates(info), i);
		fuzz_check(esc_certificate_get_subject(cert) != NULL);
		fuzz_check(g_utf8_validate(esc_certificate_get_label(cert), -1, NULL));
	}
	return 0;
}
