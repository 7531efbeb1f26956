/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsTokenDb: the token database interface (tokens, their certificates, the activity log).
 * Blocking and thread-safe: called from session worker threads, never from a main loop.
 * Errors: TPS_ERROR_NOT_FOUND, TPS_ERROR_EXISTS, TPS_ERROR_INVALID (a record a database
 * refuses), TPS_ERROR_BACKEND (storage failed), TPS_ERROR_TRANSITION (change_status).
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tps-token-record.h"
#include "tps-token-state.h"

G_BEGIN_DECLS

#define TPS_TYPE_TOKEN_DB (tps_token_db_get_type())
G_DECLARE_INTERFACE(TpsTokenDb, tps_token_db, TPS, TOKEN_DB, GObject)

struct _TpsTokenDbInterface {
	GTypeInterface parent_iface;

	TpsTokenRecord *(*get_token)(TpsTokenDb *db, const gchar *cuid, GError **error);
	gboolean (*add_token)(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error);
	gboolean (*update_token)(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error);
	gboolean (*delete_token)(TpsTokenDb *db, const gchar *cuid, GError **error);
	GPtrArray *(*find_tokens_by_user)(TpsTokenDb *db, const gchar *user_id, GError **error);
	GPtrArray *(*list_tokens)(TpsTokenDb *db, GError **error);
	gboolean (*add_cert)(TpsTokenDb *db, const TpsCertRecord *rec, GError **error);
	TpsCertRecord *(*get_cert)(TpsTokenDb *db, const gchar *serial, GError **error);
	GPtrArray *(*list_certs)(TpsTokenDb *db, const gchar *cuid, GError **error);
	gboolean (*set_cert_status)(TpsTokenDb *db,
				    const gchar *serial,
				    const gchar *status,
				    GError **error);
	gboolean (*delete_certs)(TpsTokenDb *db, const gchar *cuid, GError **error);
	gboolean (*add_activity)(TpsTokenDb *db, const TpsActivity *act, GError **error);
	GPtrArray *(*list_activity)(TpsTokenDb *db, const gchar *cuid, guint limit, GError **error);
	/* Replaces the record if its stored status is still @expected_status (compare and set),
	 * else TPS_ERROR_TRANSITION; used by tps_token_db_change_status. */
	gboolean (*update_token_if_status)(TpsTokenDb *db,
					   const TpsTokenRecord *rec,
					   TpsTokenStatus expected_status,
					   GError **error);
	gpointer padding[8];
};

/* The token with @cuid (20 hex digits, any case), or TPS_ERROR_NOT_FOUND. */
TpsTokenRecord *
tps_token_db_get_token(TpsTokenDb *db, const gchar *cuid, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Adds a new token (CUID stored uppercase; created/modified 0 = now); TPS_ERROR_EXISTS if a
 * token with that CUID is there. */
gboolean
tps_token_db_add_token(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error)
    TOK_NONNULL(1, 2);
/* Replaces every field of an existing token but created; modified = now. */
gboolean
tps_token_db_update_token(TpsTokenDb *db, const TpsTokenRecord *rec, GError **error)
    TOK_NONNULL(1, 2);
/* Deletes a token and its certificate records (the activity log stays). */
gboolean
tps_token_db_delete_token(TpsTokenDb *db, const gchar *cuid, GError **error) TOK_NONNULL(1);
/* Tokens owned by @user_id, by CUID (GPtrArray of TpsTokenRecord, maybe empty). */
GPtrArray *
tps_token_db_find_tokens_by_user(TpsTokenDb *db, const gchar *user_id, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Every token, by CUID. */
GPtrArray *
tps_token_db_list_tokens(TpsTokenDb *db, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Adds a certificate of an existing token (TPS_ERROR_NOT_FOUND if the token is not there,
 * TPS_ERROR_EXISTS for a serial already recorded). */
gboolean
tps_token_db_add_cert(TpsTokenDb *db, const TpsCertRecord *rec, GError **error) TOK_NONNULL(1, 2);
TpsCertRecord *
tps_token_db_get_cert(TpsTokenDb *db, const gchar *serial, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The certificates of @cuid in the order they were added (GPtrArray of TpsCertRecord). */
GPtrArray *
tps_token_db_list_certs(TpsTokenDb *db, const gchar *cuid, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* @status: "active", "revoked" or "on-hold". */
gboolean
tps_token_db_set_cert_status(TpsTokenDb *db,
			     const gchar *serial,
			     const gchar *status,
			     GError **error) TOK_NONNULL(1);
/* Deletes every certificate record of @cuid (none is not an error). */
gboolean
tps_token_db_delete_certs(TpsTokenDb *db, const gchar *cuid, GError **error) TOK_NONNULL(1);

/* Appends to the activity log (time 0 = now). */
gboolean
tps_token_db_add_activity(TpsTokenDb *db, const TpsActivity *act, GError **error)
    TOK_NONNULL(1, 2);
/* Newest first; @cuid NULL = all tokens; @limit 0 = no limit (GPtrArray of TpsActivity). */
GPtrArray *
tps_token_db_list_activity(TpsTokenDb *db, const gchar *cuid, guint limit, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Convenience: appends an activity built from the arguments (time = now). */
gboolean
tps_token_db_log_activity(TpsTokenDb *db,
			  const gchar *operation,
			  const gchar *cuid,
			  const gchar *user_id,
			  gboolean success,
			  const gchar *client_address,
			  const gchar *message,
			  GError **error) TOK_NONNULL(1, 2);

/*
 * The manual state change (agents, admins): checks @to against @manual and the automatic
 * 3:0 / 3:4 return of a found token (tps_token_status_check_manual_change), stores the new
 * status with previous_status = the old one and @reason, and records a token_status_change
 * activity by @user from @client_address (a "failure" one when the transition is refused,
 * which fails with TPS_ERROR_TRANSITION).
 */
gboolean
tps_token_db_change_status(TpsTokenDb *db,
			   const TpsTransitions *manual,
			   const gchar *cuid,
			   TpsTokenStatus to,
			   const gchar *reason,
			   const gchar *user,
			   const gchar *client_address,
			   GError **error) TOK_NONNULL(1, 2);

G_END_DECLS
