/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsSession: the state of one operation (one BEGIN_OP) while the processor runs it: the
 * client's options from the BEGIN_OP extensions, what the card told us (CPLC, applet status
 * and version, protocol), the open secure channel, the authenticated user, the token record
 * and the profile. Used from the session's worker thread only.
 *
 * The helpers here talk to the client: one APDU in the clear, a STATUS_UPDATE when the client
 * asked for them, NEW_PIN, and reading the next message of an expected type.
 */
#pragma once

#include <glib-object.h>

#include "tok-coolkey-apdu.h"
#include "tok-cplc.h"
#include "tok-gp-apdu.h"
#include "tok-gp-crypto.h"
#include "tok-gp-session.h"
#include "tok-tps-message.h"
#include "tps-connection.h"
#include "tps-context.h"
#include "tps-profile.h"
#include "tps-token-policy.h"
#include "tps-token-record.h"

G_BEGIN_DECLS

typedef struct {
	TpsContext *ctx;     /* borrowed */
	TpsConnection *conn; /* borrowed */
	TokTpsOperation operation;
	gchar **extensions; /* key, value, ..., NULL */
	gboolean status_update;
	gboolean extended_login;
	const gchar *locale;
	const gchar *ext_token_type; /* BEGIN_OP tokenType, or NULL */
	const gchar *ext_atr;
	const gchar *ext_key_set;
	TokGpCrypto *crypto;

	/* the card (tps-applet-info) */
	TokCplc *cplc;
	gchar *cuid;		   /* 20 uppercase hex digits */
	gchar *msn;		   /* 8 hex digits */
	TokGpAid isd;		   /* the card manager chosen */
	gboolean have_status;	   /* GET STATUS answered */
	TokCoolkeyStatus status;
	gboolean have_applet;	   /* GET BUILD ID answered */
	gchar *applet_version;	   /* "1.4.58768072" or NULL */
	guint8 lifecycle;	   /* TOK_COOLKEY_LIFECYCLE_UNKNOWN until read */
	gboolean platform_known;
	TokGpScp scp;		   /* from the card recognition data (3.2) */
	gboolean applet_upgraded;  /* installed in this session */

	/* the secure channel (tps-secure-channel) */
	TokGpSession *channel;
	GBytes *kdd;
	GBytes *key_info;	   /* as the card reports it: version, SCP id [, i] */
	guint16 sequence_counter;  /* SCP02 */
	gchar *key_set;		   /* TKS key set */

	/* who and what */
	gchar *user_id;		   /* after login */
	GHashTable *user_attributes; /* "cn", ... or NULL */
	TpsTokenRecord *token;	   /* NULL while unknown */
	gboolean token_is_new;	   /* created by this session */
	gchar *token_type;
	const TpsProfile *profile;  /* borrowed from the config */
	TpsTokenPolicy *policy;	   /* the token's policy (per-token override on the default) */

	gint64 password_cpu_us;	   /* CPU time of the password checks (tps-login), microseconds */
} TpsSession;

/* CPU time of the calling thread, microseconds (a session runs on one thread). */
gint64
tps_session_thread_cpu_us(void);

/* Reads the BEGIN_OP extensions; fails with TPS_ERROR_PROTOCOL on malformed ones. */
TpsSession *
tps_session_new(TpsContext *ctx, TpsConnection *conn, TokTpsMessage *begin_op, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3);
void
tps_session_free(TpsSession *s);

/* The next client message, which must be of type @type (else TPS_ERROR_PROTOCOL). */
TokTpsMessage *
tps_session_read_expect(TpsSession *s, TokTpsMsgType type, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
gboolean
tps_session_write(TpsSession *s, TokTpsMessage *msg, GError **error) TOK_NONNULL(1, 2);
/* One APDU sent in the clear (short encoding); the card's response, whatever its SW. */
TokApduResponse *
tps_session_transmit(TpsSession *s, TokApdu *apdu, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);
/* The same, failing (with @what in the message) unless the SW is 9000. */
TokApduResponse *
tps_session_transmit_ok(TpsSession *s, TokApdu *apdu, const gchar *what, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3);
/* STATUS_UPDATE_REQUEST + its response, only when the client asked for status updates. */
gboolean
tps_session_status_update(TpsSession *s, guint percent, const gchar *task, GError **error)
    TOK_NONNULL(1, 3);
/* NEW_PIN_REQUEST (@min_len, @max_len) and the new PIN, which must be printable ASCII of
 * that length (else TPS_STATUS_ERROR 12, TOKEN_RESET_PIN_FAILED). */
TokSecret *
tps_session_request_new_pin(TpsSession *s, guint min_len, guint max_len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Records an activity for the session's token (best effort: a failure is logged). */
void
tps_session_add_activity(TpsSession *s,
			 const gchar *operation,
			 gboolean success,
			 const gchar *message) TOK_NONNULL(1, 2);

/* "$userid$", "$cuid$", "$msn$", "$profileId$", "$auth.<attr>$" expanded in @template
 * (unknown variables are left as they are). */
gchar *
tps_session_expand_template(TpsSession *s, const gchar *template_text) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsSession, tps_session_free)

G_END_DECLS
