/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/crypto.h>

#include "tks-config.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "tps-error.h"
#include "tps-secure-channel.h"
#include "tps-status.h"

static const gchar *
tps_secure_channel_key_set(TpsSession *s)
{
	if (s->key_set != NULL)
		return s->key_set;
	if (s->profile != NULL && s->profile->key_set != NULL && s->profile->key_set[0] != '\0')
		return s->profile->key_set;
	return TKS_CONFIG_DEFAULT_KEY_SET;
}

static gboolean
tps_secure_channel_scp01_no_le(TpsSession *s)
{
	/* default: no trailing Le under SCP01 (protocol.md 10.7) */
	return s->profile == NULL || s->profile->scp01_no_le_byte;
}

/* Sanity checks of protocol.md 3.3 before the TKS is asked. */
static gboolean
tps_secure_channel_check_card(TpsSession *s, const TokGpInitUpdateResponse *iu, GError **error)
{
	if (iu->key_version == 0x00) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "the card reports key version 00");
		return FALSE;
	}
	if (s->platform_known && (guint)iu->scp != (guint)s->scp) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "the card answers INITIALIZE UPDATE with SCP%02u, its recognition data says SCP%02u",
			    iu->scp,
			    (guint)s->scp);
		return FALSE;
	}
	if (iu->scp == TOK_GP_APDU_SCP02 && s->platform_known && iu->i != 0 && iu->i != 0x15) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL, "SCP02 with i=%02X is not supported", iu->i);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_secure_channel_open_inner(TpsSession *s, guint8 key_version, GError **error)
{
	g_autoptr(GBytes) host_challenge = NULL;
	g_autoptr(TokApdu) init = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) cuid = NULL;
	g_autoptr(TksSessionResult) result = NULL;
	g_autoptr(TokGpSession) channel = NULL;
	g_autoptr(GBytes) ext_auth = NULL;
	g_autoptr(TokApduResponse) ext_response = NULL;
	TokGpInitUpdateResponse iu = {0};
	TksSessionRequest request = {0};
	TokGpSessionFlags flags = TOK_GP_SESSION_FLAG_NONE;
	guint8 host_cryptogram[8];
	GBytes *card_data;
	const guint8 *card_bytes;
	gsize card_len = 0;

	host_challenge = tks_service_compute_random_data(s->ctx->tks, TOK_GP_HOST_CHALLENGE_LEN, error);
	if (host_challenge == NULL) {
		g_prefix_error(error, "host challenge: ");
		return FALSE;
	}
	init = tok_gp_apdu_initialize_update(key_version,
					     0x00,
					     g_bytes_get_data(host_challenge, NULL),
					     g_bytes_get_size(host_challenge),
					     error);
	if (init == NULL)
		return FALSE;
	response = tps_session_transmit_ok(s, init, "INITIALIZE UPDATE", error);
	if (response == NULL)
		return FALSE;
	card_data = tok_apdu_response_get_data(response);
	card_bytes = g_bytes_get_data(card_data, &card_len);
	if (!tok_gp_parse_initialize_update(card_bytes, card_len, &iu, error)) {
		g_prefix_error(error, "INITIALIZE UPDATE response: ");
		return FALSE;
	}
	if (!tps_secure_channel_check_card(s, &iu, error))
		return FALSE;

	/* the TKS verifies the card cryptogram and computes the host cryptogram */
	cuid = g_bytes_new(s->cplc->cuid, sizeof(s->cplc->cuid));
	request.key_set = tps_secure_channel_key_set(s);
	request.cuid = cuid;
	request.host_challenge = host_challenge;
	request.card_response = card_data;
	result = tks_service_compute_session_keys(s->ctx->tks, &request, error);
	if (result == NULL) {
		g_prefix_error(error, "TKS session keys: ");
		return FALSE;
	}
	if (iu.scp != TOK_GP_APDU_SCP03)
		flags |= TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA;
	if (iu.scp == TOK_GP_APDU_SCP01 && tps_secure_channel_scp01_no_le(s))
		flags |= TOK_GP_SESSION_FLAG_OMIT_LE;
	channel = tok_gp_session_new_host_with_session_keys(s->crypto,
							    tks_session_result_get_session_keys(result),
							    g_bytes_get_data(host_challenge, NULL),
							    card_bytes,
							    card_len,
							    flags,
							    error);
	if (channel == NULL)
		return FALSE;
	/* the TKS and our session must agree on the host cryptogram */
	if (!tok_gp_session_get_host_cryptogram(channel, host_cryptogram) ||
	    CRYPTO_memcmp(host_cryptogram, tks_session_result_get_host_cryptogram(result), sizeof(host_cryptogram)) != 0) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "the TKS host cryptogram does not match the session keys");
		return FALSE;
	}
	ext_auth = tok_gp_session_external_authenticate(channel, TOK_GP_SECURITY_LEVEL_C_DEC_C_MAC, error);
	if (ext_auth == NULL)
		return FALSE;
	ext_response = tps_connection_transmit(s->conn, ext_auth, error);
	if (ext_response == NULL)
		return FALSE;
	if (!tok_apdu_response_check(ext_response, "EXTERNAL AUTHENTICATE", error))
		return FALSE;

	g_clear_object(&s->channel);
	s->channel = g_steal_pointer(&channel);
	g_clear_pointer(&s->kdd, g_bytes_unref);
	s->kdd = g_bytes_new(iu.kdd, sizeof(iu.kdd));
	g_clear_pointer(&s->key_info, g_bytes_unref);
	s->key_info = tok_gp_session_get_key_info(s->channel);
	s->sequence_counter = (guint16)tok_gp_session_get_sequence_counter(s->channel);
	return TRUE;
}

gboolean
tps_secure_channel_open(TpsSession *s, guint8 key_version, GError **error)
{
	tps_secure_channel_close(s);
	if (s->cplc == NULL) {
		g_set_error_literal(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL, "secure channel before the card was identified");
		return FALSE;
	}
	if (!tps_secure_channel_open_inner(s, key_version, error)) {
		g_prefix_error(error, "secure channel: ");
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
		return FALSE;
	}
	return TRUE;
}

void
tps_secure_channel_close(TpsSession *s)
{
	g_clear_object(&s->channel);
}

TokApduResponse *
tps_secure_channel_transmit(TpsSession *s, TokApdu *apdu, GError **error)
{
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(GBytes) encoded = NULL;
	g_autoptr(GBytes) unwrapped = NULL;

	if (s->channel == NULL) {
		g_set_error_literal(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL, "no secure channel is open");
		return NULL;
	}
	plain = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, error);
	if (plain == NULL)
		return NULL;
	wrapped = tok_gp_session_wrap(s->channel, g_bytes_get_data(plain, NULL), g_bytes_get_size(plain), error);
	if (wrapped == NULL)
		return NULL;
	response = tps_connection_transmit(s->conn, wrapped, error);
	if (response == NULL)
		return NULL;
	encoded = tok_apdu_response_encode(response);
	unwrapped = tok_gp_session_unwrap_response(s->channel, g_bytes_get_data(encoded, NULL), g_bytes_get_size(encoded), error);
	if (unwrapped == NULL)
		return NULL;
	return tok_apdu_response_parse_bytes(unwrapped, error);
}

TokApduResponse *
tps_secure_channel_transmit_ok(TpsSession *s, TokApdu *apdu, const gchar *what, GError **error)
{
	g_autoptr(TokApduResponse) response = tps_secure_channel_transmit(s, apdu, error);

	if (response == NULL)
		return NULL;
	if (!tok_apdu_response_check(response, what, error))
		return NULL;
	return g_steal_pointer(&response);
}

TokGpScp
tps_secure_channel_scp(TpsSession *s)
{
	if (s->channel != NULL)
		return tok_gp_session_get_scp(s->channel);
	return s->platform_known ? s->scp : TOK_GP_SCP01;
}

gboolean
tps_secure_channel_trailing_le(TpsSession *s)
{
	return tps_secure_channel_scp(s) == TOK_GP_SCP01 && !tps_secure_channel_scp01_no_le(s);
}

gchar *
tps_secure_channel_key_info_hex(TpsSession *s)
{
	if (s->key_info == NULL)
		return NULL;
	return tok_hex_encode_bytes(s->key_info, TRUE);
}

guint8
tps_secure_channel_key_version(TpsSession *s)
{
	const guint8 *data;
	gsize len = 0;

	if (s->key_info == NULL)
		return 0;
	data = g_bytes_get_data(s->key_info, &len);
	return len > 0 ? data[0] : 0;
}
