/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "tps-applet-info.h"
#include "tps-error.h"
#include "tps-status.h"

/* Sends @apdu; on 6Cxx sends it again with Le = xx (protocol.md 1.10.1). */
static TokApduResponse *
tps_applet_info_transmit_retry_le(TpsSession *s, TokApdu *apdu, GError **error)
{
	g_autoptr(TokApduResponse) response = tps_session_transmit(s, apdu, error);
	guint16 sw;

	if (response == NULL)
		return NULL;
	sw = tok_apdu_response_get_sw(response);
	if ((sw & 0xFF00) == TOK_SW_WRONG_LE_00) {
		gint le = (sw & 0xFF) == 0 ? 256 : (gint)(sw & 0xFF);
		g_autoptr(TokApdu) again = tok_apdu_new_with_le(apdu, le);

		g_clear_pointer(&response, tok_apdu_response_unref);
		response = tps_session_transmit(s, again, error);
	}
	return g_steal_pointer(&response);
}

static gboolean
tps_applet_info_aid_is_known(const guint8 *aid, gsize len)
{
	for (guint i = 0; i < TOK_GP_N_ISD_AIDS; i++) {
		const TokGpAid *known = tok_gp_isd_aids[i];
		if (known->len == len && memcmp(known->bytes, aid, len) == 0)
			return TRUE;
	}
	return FALSE;
}

gboolean
tps_applet_info_select_isd(TpsSession *s, GError **error)
{
	g_autoptr(TokApdu) apdu = tok_gp_apdu_select(s->isd.bytes, s->isd.len, TRUE, error);
	g_autoptr(TokApduResponse) response = NULL;

	if (apdu == NULL)
		return FALSE;
	response = tps_session_transmit_ok(s, apdu, "SELECT card manager", error);
	return response != NULL;
}

gboolean
tps_applet_info_select_applet(TpsSession *s, GError **error)
{
	g_autoptr(TokApdu) apdu = tok_coolkey_apdu_select();
	g_autoptr(TokApduResponse) response = tps_session_transmit_ok(s, apdu, "SELECT CoolKey applet", error);

	return response != NULL;
}

gboolean
tps_applet_info_read(TpsSession *s, GError **error)
{
	g_autoptr(TokApdu) select_default = tok_gp_apdu_select_default();
	g_autoptr(TokApdu) get_cplc = tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApdu) select_applet = tok_coolkey_apdu_select();
	g_autoptr(TokApdu) get_status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GError) local = NULL;
	TokGpFci fci = {0};

	/* the default-selected application's FCI names the card manager */
	response = tps_applet_info_transmit_retry_le(s, select_default, error);
	if (response == NULL)
		return FALSE;
	s->isd = *tok_gp_isd_aids[0];
	if (tok_apdu_response_get_sw(response) == TOK_SW_OK) {
		GBytes *data = tok_apdu_response_get_data(response);
		if (tok_gp_parse_select_fci(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &fci, &local) &&
		    tps_applet_info_aid_is_known(fci.aid, fci.aid_len)) {
			s->isd.len = fci.aid_len;
			for (guint i = 0; i < fci.aid_len; i++)
				s->isd.bytes[i] = fci.aid[i];
		}
	}
	g_clear_pointer(&response, tok_apdu_response_unref);
	if (!tps_applet_info_select_isd(s, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CREATE_CARDMGR);
		return FALSE;
	}

	/* CPLC -> CUID and MSN */
	response = tps_applet_info_transmit_retry_le(s, get_cplc, error);
	if (response == NULL)
		return FALSE;
	s->cplc = tok_cplc_parse_response(response, TOK_CPLC_PARSE_FLAG_ANY_HEADER, error);
	if (s->cplc == NULL) {
		g_prefix_error(error, "GET DATA CPLC: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CREATE_CARDMGR);
		return FALSE;
	}
	s->cuid = tok_cplc_get_cuid_hex(s->cplc);
	s->msn = tok_cplc_get_msn_hex(s->cplc);
	g_clear_pointer(&response, tok_apdu_response_unref);

	/* SELECT CoolKey (result ignored here) and GET STATUS */
	response = tps_session_transmit(s, select_applet, error);
	if (response == NULL)
		return FALSE;
	g_clear_pointer(&response, tok_apdu_response_unref);
	response = tps_session_transmit(s, get_status, error);
	if (response == NULL)
		return FALSE;
	s->have_status = FALSE;
	if (tok_apdu_response_get_sw(response) == TOK_SW_OK) {
		GBytes *data = tok_apdu_response_get_data(response);
		g_clear_error(&local);
		s->have_status = tok_coolkey_parse_status(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &s->status, &local);
		if (!s->have_status)
			g_debug("token %s: GET STATUS unreadable: %s", s->cuid, local->message);
	}
	return TRUE;
}

gboolean
tps_applet_info_read_version(TpsSession *s, GError **error)
{
	g_autoptr(TokApdu) select_applet = tok_coolkey_apdu_select();
	g_autoptr(TokApdu) get_build_id = tok_coolkey_apdu_get_build_id();
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GError) local = NULL;
	GBytes *data;
	guint32 build_id = 0;

	s->have_applet = FALSE;
	g_clear_pointer(&s->applet_version, g_free);
	response = tps_session_transmit(s, select_applet, error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) != TOK_SW_OK)
		return TRUE;
	g_clear_pointer(&response, tok_apdu_response_unref);
	response = tps_session_transmit(s, get_build_id, error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) != TOK_SW_OK)
		return TRUE;
	data = tok_apdu_response_get_data(response);
	if (!tok_coolkey_parse_build_id(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &build_id, &local)) {
		g_debug("token %s: GET BUILD ID unreadable: %s", s->cuid, local->message);
		return TRUE;
	}
	s->have_applet = TRUE;
	/* major.minor of the applet as GET STATUS reports it (0.0 without one, as tpsclient) */
	s->applet_version = tok_coolkey_format_applet_version(s->have_status ? s->status.applet_major : 0,
							      s->have_status ? s->status.applet_minor : 0,
							      build_id);
	return TRUE;
}

gboolean
tps_applet_info_read_lifecycle(TpsSession *s, GError **error)
{
	g_autoptr(TokApdu) select_applet = tok_coolkey_apdu_select();
	g_autoptr(TokApdu) get_lifecycle = tok_coolkey_apdu_get_lifecycle(FALSE);
	g_autoptr(TokApduResponse) response = NULL;
	TokCoolkeyLifecycle lc = {0};
	GBytes *data;

	s->lifecycle = TOK_COOLKEY_LIFECYCLE_UNKNOWN;
	response = tps_session_transmit(s, select_applet, error);
	if (response == NULL)
		return FALSE;
	g_clear_pointer(&response, tok_apdu_response_unref);
	response = tps_session_transmit(s, get_lifecycle, error);
	if (response == NULL)
		return FALSE;
	if (tok_apdu_response_get_sw(response) != TOK_SW_OK)
		return TRUE;
	data = tok_apdu_response_get_data(response);
	if (tok_coolkey_parse_lifecycle(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &lc, NULL))
		s->lifecycle = lc.state;
	return TRUE;
}

gboolean
tps_applet_info_detect_platform(TpsSession *s, GError **error)
{
	g_autoptr(TokApdu) get_crd = tok_gp_apdu_get_data(TOK_GP_TAG_CARD_RECOGNITION_DATA, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApdu) get_kit = tok_gp_apdu_get_data(TOK_GP_TAG_KEY_INFORMATION_TEMPLATE, TOK_GP_GET_DATA_LE);
	g_autoptr(TokApduResponse) crd = NULL;
	g_autoptr(TokApduResponse) kit = NULL;
	TokGpCardRecognition recognition = {0};
	TokGpKeyInfoTemplate *keys = NULL;
	gboolean parsed;
	GBytes *data;

	if (s->platform_known)
		return TRUE;
	if (!tps_applet_info_select_isd(s, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CREATE_CARDMGR);
		return FALSE;
	}
	crd = tps_session_transmit(s, get_crd, error);
	if (crd == NULL)
		return FALSE;
	kit = tps_session_transmit(s, get_kit, error);
	if (kit == NULL)
		return FALSE;
	s->platform_known = TRUE;
	s->scp = TOK_GP_SCP01;
	if (tok_apdu_response_get_sw(crd) != TOK_SW_OK || tok_apdu_response_get_sw(kit) != TOK_SW_OK)
		return TRUE;
	data = tok_apdu_response_get_data(kit);
	keys = g_new0(TokGpKeyInfoTemplate, 1);
	parsed = tok_gp_parse_key_information(g_bytes_get_data(data, NULL), g_bytes_get_size(data), keys, NULL);
	g_free(keys);
	if (!parsed)
		return TRUE;
	data = tok_apdu_response_get_data(crd);
	if (!tok_gp_parse_card_recognition_data(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &recognition, NULL))
		return TRUE;
	if (recognition.scp == TOK_GP_APDU_SCP02) {
		if (recognition.i != 0x15) {
			g_set_error(error,
				    TPS_STATUS_ERROR,
				    TOK_TPS_STATUS_ERROR_SECURE_CHANNEL,
				    "the card offers SCP02 with i=%02X; only i=15 is supported",
				    recognition.i);
			return FALSE;
		}
		s->scp = TOK_GP_SCP02;
	} else if (recognition.scp == TOK_GP_APDU_SCP03) {
		s->scp = TOK_GP_SCP03;
	}
	return TRUE;
}
