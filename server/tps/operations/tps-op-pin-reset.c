/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-applet-info.h"
#include "tps-error.h"
#include "tps-login.h"
#include "tps-op-common.h"
#include "tps-op-pin-reset.h"
#include "tps-secure-channel.h"
#include "tps-status.h"

static gboolean
tps_op_pin_reset_check_policy(TpsSession *s, GError **error)
{
	if (s->token->status != TPS_TOKEN_STATUS_ACTIVE) {
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE,
			    "token %s is %s, not ACTIVE",
			    s->cuid,
			    tps_token_status_to_string(s->token->status));
		return FALSE;
	}
	if (!s->profile->pin_reset_enable) {
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE,
			    "profile %s does not allow PIN resets",
			    s->profile->name);
		return FALSE;
	}
	if (!tps_token_policy_get(s->policy, TPS_TOKEN_POLICY_PIN_RESET)) {
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE,
			    "token %s: policy PIN_RESET=NO",
			    s->cuid);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_op_pin_reset_set_pin(TpsSession *s, TokSecret *pin, GError **error)
{
	g_autoptr(TokSecret) initial = tok_secret_new_from_text("password");
	g_autoptr(TokApdu) create = tok_coolkey_apdu_create_pin(TOK_COOLKEY_CLA_SECURE, 0, 0x7F, initial, NULL, error);
	g_autoptr(TokApdu) set = NULL;
	g_autoptr(TokApduResponse) created = NULL;
	g_autoptr(TokApduResponse) response = NULL;

	if (create == NULL)
		return FALSE;
	/* 9C10 when PIN 0 exists: ignored */
	created = tps_secure_channel_transmit(s, create, error);
	if (created == NULL)
		return FALSE;
	set = tok_coolkey_apdu_set_pin(0, pin, error);
	if (set == NULL)
		return FALSE;
	response = tps_secure_channel_transmit_ok(s, set, "SET PIN", error);
	return response != NULL;
}

gboolean
tps_op_pin_reset_run(TpsSession *s, GError **error)
{
	g_autoptr(TokSecret) pin = NULL;

	if (!tps_session_status_update(s, 10, "PROGRESS_START_PIN_RESET", error))
		return FALSE;
	if (!tps_applet_info_read(s, error))
		return FALSE;
	if (!tps_op_load_token(s, error))
		return FALSE;
	if (s->token == NULL) {
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN, "token %s is not known", s->cuid);
		return FALSE;
	}
	if (!tps_session_status_update(s, 15, "PROGRESS_PIN_RESET_RESOLVE_PROFILE", error))
		return FALSE;
	if (!tps_op_resolve_profile(s, TPS_RESOLVER_PIN_RESET, error))
		return FALSE;
	if (s->profile->auth_enable) {
		if (!tps_login_run(s, error))
			return FALSE;
		if (!tps_op_check_owner(s, error))
			return FALSE;
	}
	if (!tps_op_check_usable(s, error))
		return FALSE;
	if (!tps_op_pin_reset_check_policy(s, error))
		return FALSE;
	if (!tps_applet_info_read_version(s, error))
		return FALSE;
	if (!s->have_applet) {
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_NOT_PIN_RESETABLE, "token %s has no applet", s->cuid);
		return FALSE;
	}
	if (!tps_op_check_sym_keys(s, error))
		return FALSE;
	pin = tps_session_request_new_pin(s, s->profile->pin_min_len, s->profile->pin_max_len, error);
	if (pin == NULL)
		return FALSE;
	if (!tps_op_pin_reset_set_pin(s, pin, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_TOKEN_RESET_PIN_FAILED);
		return FALSE;
	}
	if (!tps_session_status_update(s, 100, "PROGRESS_PIN_RESET_COMPLETE", error))
		return FALSE;

	/* the record: key info, and a one-time reset when the policy says so */
	if (tps_token_policy_get(s->policy, TPS_TOKEN_POLICY_RESET_PIN_RESET_TO_NO)) {
		g_autoptr(TpsTokenPolicy) own = tps_token_policy_parse(s->token->policy, NULL, error);
		if (own == NULL) {
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
			return FALSE;
		}
		tps_token_policy_set(own, TPS_TOKEN_POLICY_PIN_RESET, FALSE);
		g_free(s->token->policy);
		s->token->policy = tps_token_policy_to_string(own);
	}
	if (!tps_op_save_token(s, error))
		return FALSE;
	tps_session_add_activity(s, TPS_ACTIVITY_PIN_RESET, TRUE, "PIN reset");
	return TRUE;
}
