/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-applet-info.h"
#include "tps-error.h"
#include "tps-op-common.h"
#include "tps-op-format.h"
#include "tps-login.h"
#include "tps-secure-channel.h"
#include "tps-status.h"

/* Revokes the token's certificates at the CA (reason of the profile) and drops their records. */
static gboolean
tps_op_format_revoke_certs(TpsSession *s, GError **error)
{
	g_autoptr(GPtrArray) certs = tps_token_db_list_certs(s->ctx->db, s->cuid, error);

	if (certs == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_DB);
		return FALSE;
	}
	if (s->profile->revoke_certs_on_format) {
		for (guint i = 0; i < certs->len; i++) {
			const TpsCertRecord *cert = g_ptr_array_index(certs, i);
			g_autofree gchar *message = NULL;

			if (g_strcmp0(cert->status, TPS_CERT_STATUS_REVOKED) == 0)
				continue;
			if (!tps_ca_connector_revoke(s->ctx->ca, cert->serial, s->profile->revoke_reason, error)) {
				g_prefix_error(error, "revoking certificate %s: ", cert->serial);
				tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_REVOKE_CERTIFICATES_FAILED);
				tps_session_add_activity(s, TPS_ACTIVITY_CERT_REVOCATION, FALSE, error != NULL && *error != NULL ? (*error)->message : NULL);
				return FALSE;
			}
			if (!tps_token_db_set_cert_status(s->ctx->db, cert->serial, TPS_CERT_STATUS_REVOKED, error)) {
				tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPDATE_TOKENDB_FAILED);
				return FALSE;
			}
			message = g_strdup_printf("certificate %s revoked (reason %u) by FORMAT", cert->serial, s->profile->revoke_reason);
			tps_session_add_activity(s, TPS_ACTIVITY_CERT_REVOCATION, TRUE, message);
		}
	}
	if (certs->len > 0 && !tps_token_db_delete_certs(s->ctx->db, s->cuid, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPDATE_TOKENDB_FAILED);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_op_format_token(TpsSession *s, GError **error)
{
	if (!tps_op_check_transition(s, TPS_TOKEN_STATUS_FORMATTED, error))
		return FALSE;
	if (s->token == NULL && !tps_op_create_token(s, error))
		return FALSE;

	/* the applet: FORMAT reinstalls it (protocol.md 5.3) */
	if (!tps_applet_info_read_version(s, error))
		return FALSE;
	if (!s->have_applet && !s->profile->applet_empty_token_ok) {
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET, "token %s has no applet", s->cuid);
		return FALSE;
	}
	if (s->profile->applet_update_format || !s->have_applet) {
		if (!tps_op_upgrade_applet(s, error))
			return FALSE;
	}

	/* issuer info on a channel of its own, then the key check (and changeover) */
	if (s->profile->issuer_info_enable) {
		if (!tps_applet_info_select_applet(s, error))
			return FALSE;
		if (!tps_secure_channel_open(s, 0x00, error))
			return FALSE;
		if (!tps_op_write_issuer_info(s, "format", error))
			return FALSE;
	}
	/* (inside ENROLL the progress goes on) */
	if (s->operation == TOK_TPS_OPERATION_FORMAT && !tps_session_status_update(s, 100, "PROGRESS_DONE", error))
		return FALSE;
	if (!tps_op_check_sym_keys(s, error))
		return FALSE;

	/* the record: certificates revoked, no owner, FORMATTED */
	if (!tps_op_format_revoke_certs(s, error))
		return FALSE;
	g_clear_pointer(&s->token->user_id, g_free);
	s->token->previous_status = s->token->status;
	s->token->status = TPS_TOKEN_STATUS_FORMATTED;
	g_free(s->token->token_type);
	s->token->token_type = g_strdup(s->token_type);
	g_free(s->token->applet_id);
	s->token->applet_id = g_strdup(s->applet_version);
	if (!tps_op_save_token(s, error))
		return FALSE;
	tps_session_add_activity(s, TPS_ACTIVITY_FORMAT, TRUE, "token formatted");
	return TRUE;
}

gboolean
tps_op_format_run(TpsSession *s, GError **error)
{
	if (!tps_applet_info_read(s, error))
		return FALSE;
	if (!tps_op_load_token(s, error))
		return FALSE;
	if (!tps_op_resolve_profile(s, TPS_RESOLVER_FORMAT, error))
		return FALSE;
	if (s->token == NULL && !s->profile->allow_unknown_token) {
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_UNKNOWN_TOKEN, "token %s is not known", s->cuid);
		return FALSE;
	}
	if (s->profile->auth_enable) {
		if (!tps_login_run(s, error))
			return FALSE;
		if (!tps_op_check_owner(s, error))
			return FALSE;
	}
	if (!tps_op_check_usable(s, error))
		return FALSE;
	return tps_op_format_token(s, error);
}
