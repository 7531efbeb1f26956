/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-error.h"
#include "tps-token-db.h"

G_DEFINE_INTERFACE(TpsTokenDb, tps_token_db, G_TYPE_OBJECT)

static void
tps_token_db_default_init(TpsTokenDbInterface *iface)
{
}

static gboolean
tps_token_db_unsupported(TpsTokenDb *db, const gchar *what, GError **error)
{
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_FAILED,
		    "token database %s does not implement %s",
		    G_OBJECT_TYPE_NAME(db),
		    what);
	return FALSE;
}

TpsTokenRecord *
tps_token_db_get_token(TpsTokenDb *db, const gchar *cuid, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), NULL);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->get_token == NULL) {
		tps_token_db_unsupported(db, "get_token", error);
		return NULL;
	}
	return iface->get_token(db, cuid, error);
}

gboolean
tps_token_db_add_token(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->add_token == NULL)
		return tps_token_db_unsupported(db, "add_token", error);
	return iface->add_token(db, rec, error);
}

gboolean
tps_token_db_update_token(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->update_token == NULL)
		return tps_token_db_unsupported(db, "update_token", error);
	return iface->update_token(db, rec, error);
}

gboolean
tps_token_db_delete_token(TpsTokenDb *db, const gchar *cuid, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->delete_token == NULL)
		return tps_token_db_unsupported(db, "delete_token", error);
	return iface->delete_token(db, cuid, error);
}

GPtrArray *
tps_token_db_find_tokens_by_user(TpsTokenDb *db, const gchar *user_id, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), NULL);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->find_tokens_by_user == NULL) {
		tps_token_db_unsupported(db, "find_tokens_by_user", error);
		return NULL;
	}
	return iface->find_tokens_by_user(db, user_id, error);
}

GPtrArray *
tps_token_db_list_tokens(TpsTokenDb *db, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), NULL);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->list_tokens == NULL) {
		tps_token_db_unsupported(db, "list_tokens", error);
		return NULL;
	}
	return iface->list_tokens(db, error);
}

gboolean
tps_token_db_add_cert(TpsTokenDb *db, const TpsCertRecord *rec, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->add_cert == NULL)
		return tps_token_db_unsupported(db, "add_cert", error);
	return iface->add_cert(db, rec, error);
}

TpsCertRecord *
tps_token_db_get_cert(TpsTokenDb *db, const gchar *serial, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), NULL);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->get_cert == NULL) {
		tps_token_db_unsupported(db, "get_cert", error);
		return NULL;
	}
	return iface->get_cert(db, serial, error);
}

GPtrArray *
tps_token_db_list_certs(TpsTokenDb *db, const gchar *cuid, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), NULL);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->list_certs == NULL) {
		tps_token_db_unsupported(db, "list_certs", error);
		return NULL;
	}
	return iface->list_certs(db, cuid, error);
}

gboolean
tps_token_db_set_cert_status(TpsTokenDb *db,
			     const gchar *serial,
			     const gchar *status,
			     GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->set_cert_status == NULL)
		return tps_token_db_unsupported(db, "set_cert_status", error);
	return iface->set_cert_status(db, serial, status, error);
}

gboolean
tps_token_db_delete_certs(TpsTokenDb *db, const gchar *cuid, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->delete_certs == NULL)
		return tps_token_db_unsupported(db, "delete_certs", error);
	return iface->delete_certs(db, cuid, error);
}

gboolean
tps_token_db_add_activity(TpsTokenDb *db, const TpsActivity *act, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->add_activity == NULL)
		return tps_token_db_unsupported(db, "add_activity", error);
	return iface->add_activity(db, act, error);
}

GPtrArray *
tps_token_db_list_activity(TpsTokenDb *db, const gchar *cuid, guint limit, GError **error)
{
	TpsTokenDbInterface *iface;
	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), NULL);
	iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->list_activity == NULL) {
		tps_token_db_unsupported(db, "list_activity", error);
		return NULL;
	}
	return iface->list_activity(db, cuid, limit, error);
}

gboolean
tps_token_db_log_activity(TpsTokenDb *db,
			  const gchar *operation,
			  const gchar *cuid,
			  const gchar *user_id,
			  gboolean success,
			  const gchar *client_address,
			  const gchar *message,
			  GError **error)
{
	TpsActivity act = {
	    .time = 0,
	    .operation = (gchar *)operation,
	    .cuid = (gchar *)cuid,
	    .user_id = (gchar *)user_id,
	    .result = (gchar *)(success ? TPS_ACTIVITY_RESULT_SUCCESS : TPS_ACTIVITY_RESULT_FAILURE),
	    .client_address = (gchar *)client_address,
	    .message = (gchar *)message,
	};
	return tps_token_db_add_activity(db, &act, error);
}

static gboolean
tps_token_db_store_if_status(TpsTokenDb *db,
			     const TpsTokenRecord *rec,
			     TpsTokenStatus expected,
			     GError **error)
{
	TpsTokenDbInterface *iface = TPS_TOKEN_DB_GET_IFACE(db);
	if (iface->update_token_if_status != NULL)
		return iface->update_token_if_status(db, rec, expected, error);
	return tps_token_db_update_token(db, rec, error);
}

gboolean
tps_token_db_change_status(TpsTokenDb *db,
			   const TpsTransitions *manual,
			   const gchar *cuid,
			   TpsTokenStatus to,
			   const gchar *reason,
			   const gchar *user,
			   const gchar *client_address,
			   GError **error)
{
	g_autoptr(TpsTokenRecord) rec = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *message = NULL;
	const gchar *label = NULL;
	TpsTokenStatus from;

	g_return_val_if_fail(TPS_IS_TOKEN_DB(db), FALSE);

	rec = tps_token_db_get_token(db, cuid, error);
	if (rec == NULL) {
		g_prefix_error(error, "cannot change the status of token %s: ", cuid);
		return FALSE;
	}
	from = rec->status;
	if (!tps_token_status_check_manual_change(manual,
						  from,
						  rec->previous_status,
						  to,
						  &error_local)) {
		g_autoptr(GError) error_log = NULL;
		g_autofree gchar *refused = g_strdup_printf("status change refused: %s",
							    error_local->message);
		if (!tps_token_db_log_activity(db,
					       TPS_ACTIVITY_TOKEN_STATUS_CHANGE,
					       rec->cuid,
					       user,
					       FALSE,
					       client_address,
					       refused,
					       &error_log))
			g_warning("token %s: refused status change not recorded: %s",
				  rec->cuid,
				  error_log->message);
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "token %s: ",
					   rec->cuid);
		return FALSE;
	}

	rec->previous_status = from;
	rec->status = to;
	g_free(rec->reason);
	rec->reason = g_strdup(reason);
	if (!tps_token_db_store_if_status(db, rec, from, error)) {
		g_prefix_error(error, "cannot change the status of token %s: ", rec->cuid);
		return FALSE;
	}

	label = tps_token_transition_label(from, to);
	message = g_strdup_printf("%s to %s%s%s%s%s",
				  tps_token_status_to_string(from),
				  tps_token_status_to_string(to),
				  label != NULL ? ": " : "",
				  label != NULL ? label : "",
				  reason != NULL ? " Reason: " : "",
				  reason != NULL ? reason : "");
	if (!tps_token_db_log_activity(db,
				       TPS_ACTIVITY_TOKEN_STATUS_CHANGE,
				       rec->cuid,
				       user,
				       TRUE,
				       client_address,
				       message,
				       error)) {
		g_prefix_error(error,
			       "token %s: status changed to %s, but the activity was not recorded: ",
			       rec->cuid,
			       tps_token_status_to_string(to));
		return FALSE;
	}
	return TRUE;
}
