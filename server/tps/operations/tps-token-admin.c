/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-error.h"
#include "tps-token-admin.h"

typedef enum {
	TPS_TOKEN_ADMIN_NONE,
	TPS_TOKEN_ADMIN_HOLD,	  /* active -> on hold */
	TPS_TOKEN_ADMIN_RELEASE,  /* on hold -> active */
	TPS_TOKEN_ADMIN_REVOKE,	  /* active or on hold -> revoked */
} TpsTokenAdminAction;

/* A certificate this call changed, to undo it if a later one fails. */
typedef struct {
	gchar *serial;
	TpsTokenAdminAction action;
} TpsTokenAdminDone;

static void
tps_token_admin_done_free(gpointer data)
{
	TpsTokenAdminDone *done = data;

	g_free(done->serial);
	g_free(done);
}

static TpsTokenAdminAction
tps_token_admin_action_for(TpsTokenStatus from, TpsTokenStatus to, guint *reason)
{
	*reason = 0;
	switch (to) {
	case TPS_TOKEN_STATUS_SUSPENDED:
		*reason = TPS_CRL_REASON_CERTIFICATE_HOLD;
		return TPS_TOKEN_ADMIN_HOLD;
	case TPS_TOKEN_STATUS_PERM_LOST:
		*reason = TPS_CRL_REASON_KEY_COMPROMISE;
		return TPS_TOKEN_ADMIN_REVOKE;
	case TPS_TOKEN_STATUS_DAMAGED:
		*reason = TPS_CRL_REASON_UNSPECIFIED; /* Dogtag's "destroyed" */
		return TPS_TOKEN_ADMIN_REVOKE;
	case TPS_TOKEN_STATUS_TERMINATED:
		*reason = TPS_CRL_REASON_CESSATION_OF_OPERATION;
		return TPS_TOKEN_ADMIN_REVOKE;
	case TPS_TOKEN_STATUS_ACTIVE:
	case TPS_TOKEN_STATUS_FORMATTED:
		return from == TPS_TOKEN_STATUS_SUSPENDED ? TPS_TOKEN_ADMIN_RELEASE : TPS_TOKEN_ADMIN_NONE;
	case TPS_TOKEN_STATUS_UNFORMATTED:
	default:
		return TPS_TOKEN_ADMIN_NONE;
	}
}

static gboolean
tps_token_admin_applies(TpsTokenAdminAction action, const gchar *cert_status)
{
	switch (action) {
	case TPS_TOKEN_ADMIN_HOLD:
		return g_strcmp0(cert_status, TPS_CERT_STATUS_ACTIVE) == 0;
	case TPS_TOKEN_ADMIN_RELEASE:
		return g_strcmp0(cert_status, TPS_CERT_STATUS_ON_HOLD) == 0;
	case TPS_TOKEN_ADMIN_REVOKE:
		return g_strcmp0(cert_status, TPS_CERT_STATUS_ACTIVE) == 0 ||
		       g_strcmp0(cert_status, TPS_CERT_STATUS_ON_HOLD) == 0;
	case TPS_TOKEN_ADMIN_NONE:
	default:
		return FALSE;
	}
}

static void
tps_token_admin_log(TpsContext *ctx,
		    const gchar *operation,
		    const gchar *cuid,
		    const gchar *user,
		    gboolean success,
		    const gchar *client_address,
		    const gchar *message)
{
	g_autoptr(GError) local = NULL;

	if (!tps_token_db_log_activity(ctx->db, operation, cuid, user, success, client_address, message, &local))
		g_warning("token %s: %s activity not recorded: %s", cuid, operation, local->message);
}

/* One certificate: the CA, then its record. */
static gboolean
tps_token_admin_apply_cert(TpsContext *ctx,
			   const TpsCertRecord *cert,
			   TpsTokenAdminAction action,
			   guint reason,
			   gboolean *ca_done,
			   GError **error)
{
	const gchar *status;

	*ca_done = FALSE;
	if (action == TPS_TOKEN_ADMIN_RELEASE) {
		if (!tps_ca_connector_unrevoke(ctx->ca, cert->serial, error)) {
			g_prefix_error(error, "the CA did not take certificate %s off hold: ", cert->serial);
			return FALSE;
		}
		status = TPS_CERT_STATUS_ACTIVE;
	} else {
		if (!tps_ca_connector_revoke(ctx->ca, cert->serial, reason, error)) {
			g_prefix_error(error, "the CA did not revoke certificate %s (%s): ", cert->serial,
				       tps_crl_reason_to_string(reason));
			return FALSE;
		}
		status = action == TPS_TOKEN_ADMIN_HOLD ? TPS_CERT_STATUS_ON_HOLD : TPS_CERT_STATUS_REVOKED;
	}
	*ca_done = TRUE;
	if (!tps_token_db_set_cert_status(ctx->db, cert->serial, status, error)) {
		g_prefix_error(error, "certificate %s changed at the CA, but its record was not updated: ",
			       cert->serial);
		return FALSE;
	}
	return TRUE;
}

/* Reverts the holds and releases in @done (newest first); permanent revocations stay. */
static void
tps_token_admin_undo_certs(TpsContext *ctx,
			   GPtrArray *done,
			   const gchar *cuid,
			   const gchar *agent_user,
			   const gchar *client_address)
{
	for (guint i = done->len; i > 0; i--) {
		const TpsTokenAdminDone *d = g_ptr_array_index(done, i - 1);
		g_autoptr(GError) local = NULL;
		g_autofree gchar *message = NULL;
		gboolean ok = TRUE;

		if (d->action == TPS_TOKEN_ADMIN_HOLD) {
			ok = tps_ca_connector_unrevoke(ctx->ca, d->serial, &local) &&
			     tps_token_db_set_cert_status(ctx->db, d->serial, TPS_CERT_STATUS_ACTIVE, &local);
			message = ok ? g_strdup_printf("certificate %s taken off hold again (status change rolled back)",
						       d->serial)
				     : g_strdup_printf("certificate %s left on hold after a rolled back status change: %s",
						       d->serial, local->message);
			tps_token_admin_log(ctx, TPS_ACTIVITY_CERT_UNREVOCATION, cuid, agent_user, ok, client_address,
					    message);
		} else if (d->action == TPS_TOKEN_ADMIN_RELEASE) {
			ok = tps_ca_connector_revoke(ctx->ca, d->serial, TPS_CRL_REASON_CERTIFICATE_HOLD, &local) &&
			     tps_token_db_set_cert_status(ctx->db, d->serial, TPS_CERT_STATUS_ON_HOLD, &local);
			message = ok ? g_strdup_printf("certificate %s put on hold again (status change rolled back)",
						       d->serial)
				     : g_strdup_printf("certificate %s left active after a rolled back status change: %s",
						       d->serial, local->message);
			tps_token_admin_log(ctx, TPS_ACTIVITY_CERT_REVOCATION, cuid, agent_user, ok, client_address,
					    message);
		}
		if (!ok)
			g_warning("token %s: %s", cuid, message);
	}
}

/* Sets the token back to @old's status, previous status and reason if it still has @now. */
static gboolean
tps_token_admin_restore_status(TpsContext *ctx, const TpsTokenRecord *old, TpsTokenStatus now, GError **error)
{
	TpsTokenDbInterface *iface = TPS_TOKEN_DB_GET_IFACE(ctx->db);
	g_autoptr(TpsTokenRecord) rec = tps_token_db_get_token(ctx->db, old->cuid, error);

	if (rec == NULL)
		return FALSE;
	rec->status = old->status;
	rec->previous_status = old->previous_status;
	g_free(rec->reason);
	rec->reason = g_strdup(old->reason);
	if (iface->update_token_if_status != NULL)
		return iface->update_token_if_status(ctx->db, rec, now, error);
	/* a backend without compare and set: check, then write */
	{
		g_autoptr(TpsTokenRecord) current = tps_token_db_get_token(ctx->db, old->cuid, error);
		if (current == NULL)
			return FALSE;
		if (current->status != now) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_TRANSITION, "token %s is %s now, not %s", old->cuid,
				    tps_token_status_to_string(current->status), tps_token_status_to_string(now));
			return FALSE;
		}
	}
	return tps_token_db_update_token(ctx->db, rec, error);
}

/* The certificates failed: undo, put the status back, log, and explain in @error. */
static void
tps_token_admin_roll_back(TpsContext *ctx,
			  const TpsTokenRecord *old,
			  TpsTokenStatus to,
			  GPtrArray *done,
			  const gchar *agent_user,
			  const gchar *client_address,
			  GError **error)
{
	g_autoptr(GError) restore_error = NULL;
	g_autofree gchar *message = NULL;
	const gchar *cause = error != NULL && *error != NULL ? (*error)->message : "unknown error";

	tps_token_admin_undo_certs(ctx, done, old->cuid, agent_user, client_address);
	if (tps_token_admin_restore_status(ctx, old, to, &restore_error)) {
		message = g_strdup_printf("%s to %s rolled back: %s", tps_token_status_to_string(old->status),
					  tps_token_status_to_string(to), cause);
		tps_token_admin_log(ctx, TPS_ACTIVITY_TOKEN_STATUS_CHANGE, old->cuid, agent_user, FALSE,
				    client_address, message);
		g_prefix_error(error, "token %s: status change %s to %s rolled back: ", old->cuid,
			       tps_token_status_to_string(old->status), tps_token_status_to_string(to));
		return;
	}
	message = g_strdup_printf("%s to %s could not be rolled back (%s) after: %s",
				  tps_token_status_to_string(old->status), tps_token_status_to_string(to),
				  restore_error->message, cause);
	tps_token_admin_log(ctx, TPS_ACTIVITY_TOKEN_STATUS_CHANGE, old->cuid, agent_user, FALSE, client_address,
			    message);
	g_prefix_error(error, "token %s: status change %s to %s NOT rolled back (%s): ", old->cuid,
		       tps_token_status_to_string(old->status), tps_token_status_to_string(to),
		       restore_error->message);
}

gboolean
tps_token_admin_change_status(TpsContext *ctx,
			      const gchar *cuid,
			      TpsTokenStatus to,
			      const gchar *reason,
			      const gchar *agent_user,
			      const gchar *client_address,
			      GError **error)
{
	g_autoptr(TpsTokenRecord) old = NULL;
	g_autoptr(GPtrArray) certs = NULL;
	g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func(tps_token_admin_done_free);
	TpsTokenAdminAction action;
	guint crl_reason = 0;

	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	if (ctx->config == NULL || ctx->db == NULL || ctx->ca == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "token status change: the context has no configuration, database or CA");
		return FALSE;
	}
	if (cuid == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "token status change: no CUID");
		return FALSE;
	}
	old = tps_token_db_get_token(ctx->db, cuid, error);
	if (old == NULL) {
		g_prefix_error(error, "cannot change the status of token %s: ", cuid);
		return FALSE;
	}
	if (!tps_token_db_change_status(ctx->db, tps_config_get_manual_transitions(ctx->config), old->cuid, to,
					reason, agent_user, client_address, error))
		return FALSE;

	action = tps_token_admin_action_for(old->status, to, &crl_reason);
	if (action == TPS_TOKEN_ADMIN_NONE)
		return TRUE;
	certs = tps_token_db_list_certs(ctx->db, old->cuid, error);
	if (certs == NULL) {
		tps_token_admin_roll_back(ctx, old, to, done, agent_user, client_address, error);
		return FALSE;
	}
	for (guint i = 0; i < certs->len; i++) {
		const TpsCertRecord *cert = g_ptr_array_index(certs, i);
		const gchar *operation = action == TPS_TOKEN_ADMIN_RELEASE ? TPS_ACTIVITY_CERT_UNREVOCATION
									    : TPS_ACTIVITY_CERT_REVOCATION;
		g_autofree gchar *message = NULL;
		TpsTokenAdminDone *d;
		gboolean ca_done = FALSE;

		if (!tps_token_admin_applies(action, cert->status))
			continue;
		if (!tps_token_admin_apply_cert(ctx, cert, action, crl_reason, &ca_done, error)) {
			tps_token_admin_log(ctx, operation, old->cuid, agent_user, FALSE, client_address,
					    error != NULL && *error != NULL ? (*error)->message : cert->serial);
			if (ca_done) {
				d = g_new0(TpsTokenAdminDone, 1);
				d->serial = g_strdup(cert->serial);
				d->action = action;
				g_ptr_array_add(done, d);
			}
			tps_token_admin_roll_back(ctx, old, to, done, agent_user, client_address, error);
			return FALSE;
		}
		if (action == TPS_TOKEN_ADMIN_RELEASE)
			message = g_strdup_printf("certificate %s taken off hold (token %s to %s)", cert->serial,
						  tps_token_status_to_string(old->status), tps_token_status_to_string(to));
		else
			message = g_strdup_printf("certificate %s revoked (%s) (token %s to %s)", cert->serial,
						  tps_crl_reason_to_string(crl_reason),
						  tps_token_status_to_string(old->status), tps_token_status_to_string(to));
		tps_token_admin_log(ctx, operation, old->cuid, agent_user, TRUE, client_address, message);
		d = g_new0(TpsTokenAdminDone, 1);
		d->serial = g_strdup(cert->serial);
		d->action = action;
		g_ptr_array_add(done, d);
	}
	return TRUE;
}
