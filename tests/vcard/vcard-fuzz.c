/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `vcard`. The first byte chooses what the rest is:
 *  'S'  a state file: loaded; what loads must save and load again to the same text;
 *  'I'  an applet image: parsed; what parses must rebuild to the same bytes;
 *  else card flags (bit 0 blank, bits 1-2 SCP 1-3 (0 = 1), bit 3 open a secure channel first
 *       and wrap every following CLA 84 command with it, bit 4 open it on the card manager
 *       rather than the CoolKey applet), then vpcd frames (2-byte length + payload) fed to a
 *       fresh card as vpcd would.
 * Key generation is skipped under the secure channel (RSA key generation is too slow to
 * fuzz; its parser is shared with the other key commands).
 */
#include "config.h"

#include <glib.h>

#include "../fuzz/fuzz.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-session.h"
#include "vcard-image.h"
#include "vcard-private.h"
#include "vcard-vpcd.h"

static GBytes *
vcard_fuzz_transmit(VcardCard *card, const guint8 *apdu, gsize len)
{
	g_autoptr(GError) error = NULL;
	GBytes *response = vcard_card_transmit(card, apdu, len, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(response), >=, 2);
	return response;
}

static guint16
vcard_fuzz_sw(GBytes *response)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(response, &len);

	return (guint16)((data[len - 2] << 8) | data[len - 1]);
}

/* SELECT CoolKey or the card manager, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE 03 with the
 * developer keys. */
static TokGpSession *
vcard_fuzz_open_channel(VcardCard *card, TokGpScp scp, gboolean isd)
{
	const guint8 select_applet[] = {0x00, 0xA4, 0x04, 0x00, 0x07, 0x62, 0x76, 0x01, 0xFF, 0x00, 0x00, 0x00};
	const guint8 select_isd[] = {0x00, 0xA4, 0x04, 0x00, 0x00};
	const guint8 *select = isd ? select_isd : select_applet;
	gsize select_len = isd ? sizeof(select_isd) : sizeof(select_applet);
	const guint8 init[] = {0x80, 0x50, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpCrypto) crypto = tok_gp_crypto_new(&error);
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3);
	g_autoptr(GBytes) r1 = vcard_fuzz_transmit(card, select, select_len);
	g_autoptr(GBytes) r2 = vcard_fuzz_transmit(card, init, sizeof(init));
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GBytes) ext = NULL;
	g_autoptr(GBytes) r3 = NULL;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(r2, &len);

	g_assert_no_error(error);
	g_assert_cmphex(vcard_fuzz_sw(r1), ==, 0x9000);
	g_assert_cmphex(vcard_fuzz_sw(r2), ==, 0x9000);
	session = tok_gp_session_new_host(crypto, scp, keys, init + 5, data, len - 2, TOK_GP_SESSION_FLAG_NONE, &error);
	g_assert_no_error(error);
	ext = tok_gp_session_external_authenticate(session, 0x03, &error);
	g_assert_no_error(error);
	r3 = vcard_fuzz_transmit(card, g_bytes_get_data(ext, NULL), g_bytes_get_size(ext));
	g_assert_cmphex(vcard_fuzz_sw(r3), ==, 0x9000);
	return g_steal_pointer(&session);
}

static void
vcard_fuzz_frames(const guint8 *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardCard) card = NULL;
	g_autoptr(TokGpSession) session = NULL;
	VcardCardConfig config;
	TokReader r;
	guint8 flags = 0;
	guint scp;

	tok_reader_init(&r, data, size);
	if (!tok_reader_read_u8(&r, &flags, NULL))
		return;
	scp = (flags >> 1) & 0x03;
	vcard_card_config_init(&config);
	config.blank = (flags & 0x01) != 0;
	config.scp = scp == 0 ? TOK_GP_SCP01 : (TokGpScp)scp;
	card = vcard_card_new(&config, &error);
	g_assert_no_error(error);
	vcard_card_power_on(card);
	if ((flags & 0x08) != 0 && (!config.blank || (flags & 0x10) != 0))
		session = vcard_fuzz_open_channel(card, config.scp, (flags & 0x10) != 0);
	while (tok_reader_remaining(&r) > 0) {
		g_autoptr(GBytes) reply = NULL;
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(GError) local = NULL;
		const guint8 *payload = NULL;
		guint16 n = 0;

		if (!tok_reader_read_u16_be(&r, &n, NULL) || !tok_reader_read_view(&r, n, &payload, NULL))
			return;
		if (session != NULL && n >= 4 && payload[0] == 0x84 && payload[1] != 0x0C && payload[1] != 0x0D &&
		    tok_gp_session_get_state(session) == TOK_GP_SESSION_STATE_AUTHENTICATED) {
			wrapped = tok_gp_session_wrap(session, payload, n, NULL);
			if (wrapped != NULL) {
				payload = g_bytes_get_data(wrapped, NULL);
				n = (guint16)g_bytes_get_size(wrapped);
			}
		} else if (session != NULL && n > 1 && (payload[1] == 0x0C || payload[1] == 0x0D)) {
			continue;
		}
		if (!vcard_vpcd_handle_frame(card, payload, n, &reply, &local)) {
			g_assert_error(local, TOK_ERROR, TOK_ERROR_PROTOCOL);
			return;
		}
		if (n > 1)
			g_assert_cmpuint(g_bytes_get_size(reply), >=, 2);
	}
}

static void
vcard_fuzz_state(const guint8 *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_autoptr(VcardState) state = vcard_state_load_from_data(text, strlen(text), NULL);
	g_autoptr(VcardState) again = NULL;
	g_autofree gchar *saved = NULL;
	g_autofree gchar *saved_again = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0, len_again = 0;

	if (state == NULL)
		return;
	saved = vcard_state_to_data(state, &len, &error);
	g_assert_no_error(error);
	again = vcard_state_load_from_data(saved, len, &error);
	g_assert_no_error(error);
	saved_again = vcard_state_to_data(again, &len_again, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(saved, ==, saved_again);
}

static void
vcard_fuzz_image(const guint8 *data, size_t size)
{
	g_autoptr(VcardImage) image = vcard_image_parse(data, size, NULL);
	g_autoptr(GBytes) rebuilt = NULL;
	g_autoptr(GError) error = NULL;

	if (image == NULL)
		return;
	rebuilt = vcard_image_build(image->version, image->payload, &error);
	g_assert_no_error(error);
	/* the AIDs are the CoolKey ones in every image we build */
	if (image->package_aid_len == 6 && image->package_aid[0] == 0x62 && image->applet_aid_len == 7 && image->applet_aid[0] == 0x62 &&
	    image->package_aid[3] == 0xFF && image->applet_aid[3] == 0xFF)
		g_assert_cmpuint(g_bytes_get_size(rebuilt), ==, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] == 'S')
		vcard_fuzz_state(data + 1, size - 1);
	else if (data[0] == 'I')
		vcard_fuzz_image(data + 1, size - 1);
	else
		vcard_fuzz_frames(data, size);
	return 0;
}
