/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-status-word.h"
#include "tps-applet-info.h"
#include "tps-error.h"
#include "tps-op-common.h"
#include "tps-secure-channel.h"
#include "tps-status.h"

/* A CAP file is a few tens of kilobytes; LOAD allows 256 blocks of at most 255 bytes. */
#define TPS_OP_APPLET_FILE_MAX (256 * 255)

gboolean
tps_op_resolve_profile(TpsSession *s, TpsResolverKind kind, GError **error)
{
	TpsMappingResolver *resolver = tps_config_get_resolver(s->ctx->config, kind);
	TpsMappingParams params = {0};
	g_autofree gchar *token_type = NULL;
	TpsProfile *profile;

	params.applet_major = s->have_status ? s->status.protocol_major : -1;
	params.applet_minor = s->have_status ? s->status.protocol_minor : -1;
	params.token_type = s->ext_token_type;
	params.token_atr = s->ext_atr;
	params.key_set = s->ext_key_set;
	params.cuid = s->cuid;
	if (resolver == NULL) {
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_MAPPING_RESOLVER_FAILED,
			    "no %s mapping resolver",
			    tps_resolver_kind_to_string(kind));
		return FALSE;
	}
	token_type = tps_mapping_resolver_resolve(resolver, &params, error);
	if (token_type == NULL) {
		g_prefix_error(error, "%s mapping resolver: ", tps_resolver_kind_to_string(kind));
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MAPPING_RESOLVER_FAILED);
		return FALSE;
	}
	profile = tps_config_lookup_profile(s->ctx->config, token_type, error);
	if (profile == NULL) {
		g_prefix_error(error, "token type %s: ", token_type);
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
		return FALSE;
	}
	s->profile = profile;
	g_free(s->token_type);
	s->token_type = g_steal_pointer(&token_type);
	g_free(s->key_set);
	s->key_set = g_strdup(profile->key_set);
	return TRUE;
}

static gboolean
tps_op_load_policy(TpsSession *s, GError **error)
{
	const TpsTokenPolicy *base = tps_config_get_default_policy(s->ctx->config);

	g_clear_pointer(&s->policy, tps_token_policy_free);
	s->policy = tps_token_policy_parse(s->token != NULL ? s->token->policy : NULL, base, error);
	if (s->policy == NULL) {
		g_prefix_error(error, "token %s policy: ", s->cuid);
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_op_load_token(TpsSession *s, GError **error)
{
	g_autoptr(GError) local = NULL;

	g_clear_pointer(&s->token, tps_token_record_free);
	s->token = tps_token_db_get_token(s->ctx->db, s->cuid, &local);
	if (s->token == NULL) {
		if (!g_error_matches(local, TPS_ERROR, TPS_ERROR_NOT_FOUND)) {
			g_propagate_prefixed_error(error, g_steal_pointer(&local), "token %s: ", s->cuid);
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_DB);
			return FALSE;
		}
	}
	return tps_op_load_policy(s, error);
}

gboolean
tps_op_create_token(TpsSession *s, GError **error)
{
	g_autoptr(TpsTokenRecord) rec = tps_token_record_new();
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	rec->cuid = g_strdup(s->cuid);
	rec->status = TPS_TOKEN_STATUS_UNFORMATTED;
	rec->previous_status = TPS_TOKEN_STATUS_UNFORMATTED;
	rec->token_type = g_strdup(s->token_type);
	rec->applet_id = g_strdup(s->applet_version);
	rec->created = now;
	rec->modified = now;
	if (!tps_token_db_add_token(s->ctx->db, rec, error)) {
		g_prefix_error(error, "adding token %s: ", s->cuid);
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY);
		return FALSE;
	}
	tps_session_add_activity(s, TPS_ACTIVITY_ADD, TRUE, "token added by an operation");
	s->token_is_new = TRUE;
	if (!tps_op_load_token(s, error))
		return FALSE;
	if (s->token == NULL) {
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY, "token %s vanished after adding it", s->cuid);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_op_save_token(TpsSession *s, GError **error)
{
	s->token->modified = g_get_real_time() / G_USEC_PER_SEC;
	if (!tps_token_db_update_token(s->ctx->db, s->token, error)) {
		g_prefix_error(error, "updating token %s: ", s->cuid);
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPDATE_TOKENDB_FAILED);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_op_check_owner(TpsSession *s, GError **error)
{
	if (s->token == NULL || s->token->user_id == NULL || s->user_id == NULL)
		return TRUE;
	if (g_strcmp0(s->token->user_id, s->user_id) != 0) {
		/* no user names of others in what the client sees */
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_AUTHORIZED, "token %s belongs to another user", s->cuid);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_op_check_usable(TpsSession *s, GError **error)
{
	if (s->token == NULL)
		return TRUE;
	switch (s->token->status) {
	case TPS_TOKEN_STATUS_TERMINATED:
		g_set_error(error, TPS_STATUS_ERROR, TOK_TPS_STATUS_ERROR_TOKEN_TERMINATED, "token %s is terminated", s->cuid);
		return FALSE;
	case TPS_TOKEN_STATUS_PERM_LOST:
	case TPS_TOKEN_STATUS_DAMAGED:
	case TPS_TOKEN_STATUS_SUSPENDED:
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_NO_OPERATION_ON_LOST_TOKEN,
			    "token %s is %s",
			    s->cuid,
			    tps_token_status_to_string(s->token->status));
		return FALSE;
	case TPS_TOKEN_STATUS_FORMATTED:
	case TPS_TOKEN_STATUS_ACTIVE:
	case TPS_TOKEN_STATUS_UNFORMATTED:
		break;
	}
	return TRUE;
}

gboolean
tps_op_check_transition(TpsSession *s, TpsTokenStatus to, GError **error)
{
	TpsTokenStatus from = s->token != NULL ? s->token->status : TPS_TOKEN_STATUS_UNFORMATTED;

	if (!tps_token_status_check_operation_change(tps_config_get_operation_transitions(s->ctx->config), from, to, error)) {
		g_prefix_error(error, "token %s: ", s->cuid);
		return FALSE;
	}
	return TRUE;
}

static GBytes *
tps_op_read_applet_file(TpsSession *s, const gchar *version, GError **error)
{
	g_autofree gchar *name = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GMappedFile) mapped = NULL;
	gsize len;

	if (!tps_profile_applet_version_is_valid(version)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "applet version \"%s\" is not MAJOR.MINOR.BUILD", version);
		return NULL;
	}
	name = g_strdup_printf("%s.ijc", version);
	path = g_build_filename(s->profile->applet_directory, name, NULL);
	mapped = g_mapped_file_new(path, FALSE, error);
	if (mapped == NULL) {
		g_prefix_error(error, "applet file: ");
		return NULL;
	}
	len = g_mapped_file_get_length(mapped);
	if (len == 0 || len > TPS_OP_APPLET_FILE_MAX) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "applet file %s has %" G_GSIZE_FORMAT " bytes", path, len);
		return NULL;
	}
	return g_mapped_file_get_bytes(mapped);
}

/* A command whose failure the upgrade tolerates (DELETE of what is not there). */
static gboolean
tps_op_send_tolerant(TpsSession *s, TokApdu *apdu, GError **error)
{
	g_autoptr(TokApduResponse) response = NULL;

	if (apdu == NULL)
		return FALSE;
	response = tps_secure_channel_transmit(s, apdu, error);
	return response != NULL;
}

static gboolean
tps_op_upgrade_applet_inner(TpsSession *s, GBytes *image, GError **error)
{
	TokGpPlatform platform;
	gsize block_size;
	g_autoptr(TokApdu) del_instance = NULL;
	g_autoptr(TokApdu) del_package = NULL;
	g_autoptr(TokApdu) install_load = NULL;
	g_autoptr(TokApdu) install = NULL;
	g_autoptr(GPtrArray) blocks = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	const guint8 *sd_aid = NULL;
	gsize sd_aid_len = 0;
	TokGpScp scp;

	if (!tps_applet_info_detect_platform(s, error))
		return FALSE;
	if (!tps_applet_info_select_isd(s, error))
		return FALSE;
	if (!tps_secure_channel_open(s, 0x00, error))
		return FALSE;
	scp = tps_secure_channel_scp(s);
	platform = tok_gp_platform_for_scp((guint8)scp);
	if (platform == TOK_GP_PLATFORM_GP211) {
		sd_aid = s->isd.bytes;
		sd_aid_len = s->isd.len;
	}
	del_instance = tok_gp_apdu_delete(tok_gp_aid_coolkey_instance.bytes, tok_gp_aid_coolkey_instance.len, platform, error);
	if (!tps_op_send_tolerant(s, del_instance, error))
		return FALSE;
	del_package = tok_gp_apdu_delete(tok_gp_aid_coolkey_package.bytes, tok_gp_aid_coolkey_package.len, platform, error);
	if (!tps_op_send_tolerant(s, del_package, error))
		return FALSE;
	/* from here on the card has no applet */
	s->have_applet = FALSE;
	g_clear_pointer(&s->applet_version, g_free);

	install_load = tok_gp_apdu_install_for_load(tok_gp_aid_coolkey_package.bytes,
						    tok_gp_aid_coolkey_package.len,
						    sd_aid,
						    sd_aid_len,
						    g_bytes_get_size(image),
						    platform,
						    error);
	if (install_load == NULL)
		return FALSE;
	response = tps_secure_channel_transmit_ok(s, install_load, "INSTALL [for load]", error);
	if (response == NULL)
		return FALSE;
	g_clear_pointer(&response, tok_apdu_response_unref);
	block_size = tok_gp_load_block_size(TOK_GP_DEFAULT_CHANNEL_BLOCK_SIZE, (guint8)scp);
	blocks = tok_gp_apdu_load(g_bytes_get_data(image, NULL), g_bytes_get_size(image), block_size, error);
	if (blocks == NULL)
		return FALSE;
	for (guint i = 0; i < blocks->len; i++) {
		/* PROGRESS_APPLET_BLOCK between 10 and 90 % */
		guint percent = 10 + (80 * i) / blocks->len;
		if (!tps_session_status_update(s, percent, "PROGRESS_APPLET_BLOCK", error))
			return FALSE;
		response = tps_secure_channel_transmit_ok(s, g_ptr_array_index(blocks, i), "LOAD", error);
		if (response == NULL) {
			g_prefix_error(error, "block %u of %u: ", i, blocks->len);
			return FALSE;
		}
		g_clear_pointer(&response, tok_apdu_response_unref);
	}
	install = tok_gp_apdu_install_for_install(tok_gp_aid_coolkey_package.bytes,
						  tok_gp_aid_coolkey_package.len,
						  tok_gp_aid_coolkey_instance.bytes,
						  tok_gp_aid_coolkey_instance.len,
						  0x00,
						  TOK_GP_DEFAULT_INSTANCE_SIZE,
						  TOK_GP_DEFAULT_APPLET_MEMORY_SIZE,
						  platform,
						  error);
	if (install == NULL)
		return FALSE;
	response = tps_secure_channel_transmit_ok(s, install, "INSTALL [for install]", error);
	if (response == NULL)
		return FALSE;
	tps_secure_channel_close(s);
	if (!tps_applet_info_select_applet(s, error))
		return FALSE;
	return TRUE;
}

gboolean
tps_op_upgrade_applet(TpsSession *s, GError **error)
{
	const gchar *version = s->profile->applet_required_version;
	g_autoptr(GBytes) image = NULL;
	g_autoptr(TokApdu) get_status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(TokApduResponse) status = NULL;
	GBytes *data;

	image = tps_op_read_applet_file(s, version, error);
	if (image == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET);
		return FALSE;
	}
	if (!tps_op_upgrade_applet_inner(s, image, error)) {
		g_prefix_error(error, "applet %s: ", version);
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET);
		return FALSE;
	}
	/* the new applet's status and version */
	status = tps_session_transmit_ok(s, get_status, "GET STATUS", error);
	if (status == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET);
		return FALSE;
	}
	data = tok_apdu_response_get_data(status);
	s->have_status = tok_coolkey_parse_status(g_bytes_get_data(data, NULL), g_bytes_get_size(data), &s->status, error);
	if (!s->have_status || !tps_applet_info_read_version(s, error)) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_UPGRADE_APPLET);
		return FALSE;
	}
	if (!s->have_applet || g_ascii_strcasecmp(s->applet_version, version) != 0) {
		g_set_error(error,
			    TPS_STATUS_ERROR,
			    TOK_TPS_STATUS_ERROR_UPGRADE_APPLET,
			    "installed applet %s, the card reports %s",
			    version,
			    s->applet_version != NULL ? s->applet_version : "none");
		return FALSE;
	}
	s->applet_upgraded = TRUE;
	if (s->token != NULL) {
		g_free(s->token->applet_id);
		s->token->applet_id = g_strdup(s->applet_version);
	}
	g_message("token %s: applet %s installed", s->cuid, version);
	return TRUE;
}

gboolean
tps_op_write_issuer_info(TpsSession *s, const gchar *op, GError **error)
{
	const gchar *url;
	g_autoptr(TokApdu) apdu = NULL;
	g_autoptr(TokApduResponse) response = NULL;

	if (!s->profile->issuer_info_enable)
		return TRUE;
	url = s->profile->issuer_info_value;
	if (url == NULL || url[0] == '\0')
		url = tps_config_get_issuer_info(s->ctx->config, op, s->token_type);
	if (url == NULL)
		return TRUE;
	apdu = tok_coolkey_apdu_set_issuer_info(url, error);
	if (apdu == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_MISCONFIGURATION);
		return FALSE;
	}
	response = tps_secure_channel_transmit_ok(s, apdu, "SET ISSUER INFO", error);
	if (response == NULL) {
		tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_SECURE_CHANNEL);
		return FALSE;
	}
	return TRUE;
}

static void
tps_op_record_key_info(TpsSession *s)
{
	g_autofree gchar *hex = tps_secure_channel_key_info_hex(s);

	if (s->token == NULL || hex == NULL)
		return;
	g_free(s->token->key_info);
	s->token->key_info = g_steal_pointer(&hex);
}

static gboolean
tps_op_change_keys(TpsSession *s, guint8 required, GError **error)
{
	g_autoptr(GBytes) cuid = g_bytes_new(s->cplc->cuid, sizeof(s->cplc->cuid));
	g_autoptr(GByteArray) new_info = g_byte_array_new();
	g_autoptr(GBytes) new_key_info = NULL;
	g_autoptr(GBytes) key_set_data = NULL;
	g_autoptr(TokApdu) put_key = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	TksKeySetDataRequest request = {0};
	const guint8 *cur;
	gsize cur_len = 0;
	guint8 cur_version;
	TokGpScp scp;

	/* PUT KEY goes to the card manager, under its own channel with the current keys */
	if (!tps_applet_info_select_isd(s, error))
		return FALSE;
	if (!tps_secure_channel_open(s, 0x00, error))
		return FALSE;
	scp = tps_secure_channel_scp(s);
	cur = g_bytes_get_data(s->key_info, &cur_len);
	cur_version = cur_len > 0 ? cur[0] : 0;
	tok_byte_array_append_u8(new_info, required);
	if (scp == TOK_GP_SCP03 && cur_len >= 3) {
		tok_byte_array_append_u8(new_info, cur[1]);
		tok_byte_array_append_u8(new_info, cur[2]);
	} else {
		tok_byte_array_append_u8(new_info, 0x01);
	}
	new_key_info = g_byte_array_free_to_bytes(g_steal_pointer(&new_info));
	request.key_set = s->key_set != NULL ? s->key_set : TPS_PROFILE_DEFAULT_KEY_SET;
	request.scp = scp;
	request.new_key_info = new_key_info;
	request.current_key_info = s->key_info;
	request.kdd = s->kdd;
	request.cuid = cuid;
	request.sequence_counter = s->sequence_counter;
	key_set_data = tks_service_create_key_set_data(s->ctx->tks, &request, error);
	if (key_set_data == NULL) {
		g_prefix_error(error, "TKS key set data: ");
		return FALSE;
	}
	put_key = tok_gp_apdu_put_key(cur_version,
				      g_bytes_get_data(key_set_data, NULL),
				      g_bytes_get_size(key_set_data),
				      scp != TOK_GP_SCP01,
				      error);
	if (put_key == NULL)
		return FALSE;
	response = tps_secure_channel_transmit_ok(s, put_key, "PUT KEY", error);
	if (response == NULL)
		return FALSE;
	tps_secure_channel_close(s);
	if (!tps_applet_info_select_applet(s, error))
		return FALSE;
	if (!tps_secure_channel_open(s, required, error))
		return FALSE;
	return TRUE;
}

gboolean
tps_op_check_sym_keys(TpsSession *s, GError **error)
{
	guint required = s->profile->sym_keys_required_version;
	guint8 current;

	if (!tps_applet_info_select_applet(s, error))
		return FALSE;
	if (!tps_secure_channel_open(s, 0x00, error))
		return FALSE;
	current = tps_secure_channel_key_version(s);
	if (s->profile->sym_keys_update && required >= 1 && required <= 0xFF && current != required) {
		g_autofree gchar *message = NULL;
		g_message("token %s: key changeover from version %02X to %02X", s->cuid, current, required);
		if (!tps_op_change_keys(s, (guint8)required, error)) {
			g_prefix_error(error, "key changeover %02X -> %02X: ", current, required);
			tps_status_error_tag(error, TOK_TPS_STATUS_ERROR_KEY_CHANGE_OVER);
			tps_session_add_activity(s, TPS_ACTIVITY_KEY_CHANGEOVER, FALSE, error != NULL && *error != NULL ? (*error)->message : NULL);
			return FALSE;
		}
		message = g_strdup_printf("key version %02X -> %02X", current, required);
		tps_session_add_activity(s, TPS_ACTIVITY_KEY_CHANGEOVER, TRUE, message);
		/* the card now has other keys: the record must say so even if what follows fails */
		tps_op_record_key_info(s);
		if (s->token != NULL && !tps_op_save_token(s, error))
			return FALSE;
	}
	tps_op_record_key_info(s);
	return TRUE;
}
