/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The records of the token database: tokens, their certificates and the activity log
 * (protocol.md 6.1, 6.6). Plain boxed values with public fields.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tps-token-state.h"

G_BEGIN_DECLS

/* A CUID is 20 hex digits (10 bytes), stored uppercase. */
#define TPS_CUID_LENGTH 20

/* Activity operation names (protocol.md 6.6 and the activity log events). */
#define TPS_ACTIVITY_ADD "add"
#define TPS_ACTIVITY_FORMAT "format"
#define TPS_ACTIVITY_ENROLLMENT "enrollment"
#define TPS_ACTIVITY_RECOVERY "recovery"
#define TPS_ACTIVITY_RENEWAL "renewal"
#define TPS_ACTIVITY_PIN_RESET "pin_reset"
#define TPS_ACTIVITY_TOKEN_STATUS_CHANGE "token_status_change"
#define TPS_ACTIVITY_TOKEN_MODIFY "token_modify"
#define TPS_ACTIVITY_DELETE "delete"
#define TPS_ACTIVITY_CERT_REVOCATION "cert_revocation"
#define TPS_ACTIVITY_CERT_UNREVOCATION "cert_unrevocation"
#define TPS_ACTIVITY_KEY_CHANGEOVER "key_changeover"

#define TPS_ACTIVITY_RESULT_SUCCESS "success"
#define TPS_ACTIVITY_RESULT_FAILURE "failure"

/* Certificate status values of TpsCertRecord.status */
#define TPS_CERT_STATUS_ACTIVE "active"
#define TPS_CERT_STATUS_REVOKED "revoked"
#define TPS_CERT_STATUS_ON_HOLD "on-hold"

typedef struct {
	gchar *cuid;			/* 20 uppercase hex digits, primary key */
	gchar *user_id;			/* NULL when not owned */
	TpsTokenStatus status;
	TpsTokenStatus previous_status; /* for SUSPENDED -> back */
	gchar *reason;			/* optional */
	gchar *token_type;		/* profile, e.g. "userKey" */
	gchar *applet_id;		/* applet version string, e.g. "1.4.58768072" */
	gchar *key_info;		/* hex of the card's key info, e.g. "0101" */
	gchar *policy;			/* per-token policy override string, NULL = default */
	gint64 created, modified;	/* unix seconds */
} TpsTokenRecord;

typedef struct {
	gchar *serial;	 /* hex, lowercase, no leading zeros */
	gchar *cuid;
	gchar *user_id;
	gchar *key_type; /* profile key type: "signing", "encryption" */
	gchar *status;	 /* "active", "revoked", "on-hold" */
	gchar *subject;
	gchar *issuer;
	gint64 not_before, not_after;
	GBytes *der;
} TpsCertRecord;

typedef struct {
	gint64 time;	 /* unix seconds; 0 when adding: now */
	gchar *operation; /* TPS_ACTIVITY_* */
	gchar *cuid;	 /* may be NULL (token not known yet) */
	gchar *user_id;	 /* may be NULL */
	gchar *result;	 /* "success" | "failure" */
	gchar *client_address;
	gchar *message;
} TpsActivity;

#define TPS_TYPE_TOKEN_RECORD (tps_token_record_get_type())
#define TPS_TYPE_CERT_RECORD (tps_cert_record_get_type())
#define TPS_TYPE_ACTIVITY (tps_activity_get_type())
GType
tps_token_record_get_type(void);
GType
tps_cert_record_get_type(void);
GType
tps_activity_get_type(void);

/* A new token record: every string NULL, status and previous status UNFORMATTED (the state of
 * a token the TPS has not formatted yet), times 0. */
TpsTokenRecord *
tps_token_record_new(void) G_GNUC_WARN_UNUSED_RESULT;
TpsTokenRecord *
tps_token_record_copy(const TpsTokenRecord *rec) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tps_token_record_free(TpsTokenRecord *rec);
/* Checks the fields a database requires: CUID syntax, valid statuses, text sizes. */
gboolean
tps_token_record_validate(const TpsTokenRecord *rec, GError **error) TOK_NONNULL(1);

TpsCertRecord *
tps_cert_record_new(void) G_GNUC_WARN_UNUSED_RESULT;
TpsCertRecord *
tps_cert_record_copy(const TpsCertRecord *rec) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tps_cert_record_free(TpsCertRecord *rec);
/* serial (lowercase hex, no leading zeros), CUID, status one of TPS_CERT_STATUS_*. */
gboolean
tps_cert_record_validate(const TpsCertRecord *rec, GError **error) TOK_NONNULL(1);
gboolean
tps_cert_status_is_valid(const gchar *status);
/* Normalises a certificate serial number: hex (optional "0x"), any case, leading zeros
 * dropped; "0" for zero. TPS_ERROR_INVALID on anything else. */
gchar *
tps_cert_serial_normalize(const gchar *serial, GError **error) G_GNUC_WARN_UNUSED_RESULT;

TpsActivity *
tps_activity_new(void) G_GNUC_WARN_UNUSED_RESULT;
TpsActivity *
tps_activity_copy(const TpsActivity *act) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tps_activity_free(TpsActivity *act);
/* A known operation name, a result "success"/"failure", a valid CUID when set. */
gboolean
tps_activity_validate(const TpsActivity *act, GError **error) TOK_NONNULL(1);
gboolean
tps_activity_operation_is_valid(const gchar *operation);

/* The CUID in canonical form (uppercase), or TPS_ERROR_INVALID if @cuid is not 20 hex digits. */
gchar *
tps_cuid_normalize(const gchar *cuid, GError **error) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsTokenRecord, tps_token_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsCertRecord, tps_cert_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsActivity, tps_activity_free)

G_END_DECLS
