/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-status-text.h"

#include <glib/gi18n-lib.h>

/* One sentence per END_OP status of protocol.md 1.8, indexed by code. */
static const gchar *const esc_status_texts[] = {
    /* 0 STATUS_NO_ERROR */
    N_("The operation completed successfully."),
    /* 1 STATUS_ERROR_SNAC */
    N_("The server could not process the request for this token. Try again; if it keeps failing, contact your administrator."),
    /* 2 STATUS_ERROR_SEC_INIT_UPDATE */
    N_("The token did not accept the start of the secure channel. Reinsert the token and try again; if it keeps failing, the token may need to be formatted."),
    /* 3 STATUS_ERROR_CREATE_CARDMGR */
    N_("The server could not talk to the token's card manager. Reinsert the token and try again."),
    /* 4 STATUS_ERROR_MAC_RESET_PIN_PDU */
    N_("The token refused a protected PIN reset command. Reinsert the token and try again."),
    /* 5 STATUS_ERROR_MAC_CERT_PDU */
    N_("The token refused a protected certificate command. Reinsert the token and try again."),
    /* 6 STATUS_ERROR_MAC_LIFECYCLE_PDU */
    N_("The token refused a protected life-cycle command. Reinsert the token and try again."),
    /* 7 STATUS_ERROR_MAC_ENROLL_PDU */
    N_("The token refused a protected enrollment command. Reinsert the token and try again."),
    /* 8 STATUS_ERROR_CANNOT_PERFORM_OPERATION */
    N_("The server cannot perform this operation on this token. Ask your administrator whether it is allowed."),
    /* 9 STATUS_ERROR_BAD_STATUS */
    N_("The token answered with an unexpected status. Reinsert the token and try again; if it keeps failing, the token may be damaged."),
    /* 10 STATUS_ERROR_CA_RESPONSE */
    N_("The certificate authority did not issue the certificates. Try again later or contact your administrator."),
    /* 11 STATUS_ERROR_READ_BUFFER_OVERFLOW */
    N_("The token returned more data than expected. Reinsert the token and try again."),
    /* 12 STATUS_ERROR_TOKEN_RESET_PIN_FAILED */
    N_("The token did not accept the new PIN. Try again; if it keeps failing, the token may need to be formatted."),
    /* 13 STATUS_ERROR_CONNECTION */
    N_("The connection between the client and the server failed. Check the network and try again."),
    /* 14 STATUS_ERROR_LOGIN */
    N_("Login failed: the user name or password is wrong, or the account may not use this token. Check them and try again."),
    /* 15 STATUS_ERROR_DB */
    N_("The server's token database failed. Try again later or contact your administrator."),
    /* 16 STATUS_ERROR_UNKNOWN_TOKEN */
    N_("The server does not know this token. Enroll or format it first, or ask your administrator to register it."),
    /* 17 STATUS_ERROR_SECURE_CHANNEL */
    N_("The secure channel to the token could not be set up. The token's keys may not match the server's; contact your administrator."),
    /* 18 STATUS_ERROR_MISCONFIGURATION */
    N_("The server is misconfigured for this token type. Contact your administrator."),
    /* 19 STATUS_ERROR_UPGRADE_APPLET */
    N_("Updating the token's applet failed. Reinsert the token and try again; do not remove it during the operation."),
    /* 20 STATUS_ERROR_KEY_CHANGE_OVER */
    N_("Changing the token's keys failed. Reinsert the token and try again, or contact your administrator."),
    /* 21 STATUS_ERROR_EXTERNAL_AUTH */
    N_("The token did not accept the server's authentication. The token's keys may not match the server's; contact your administrator."),
    /* 22 STATUS_ERROR_MAPPING_RESOLVER_FAILED */
    N_("The server could not decide which token profile applies to this token. Contact your administrator."),
    /* 23 STATUS_ERROR_MAPPING_RESOLVER_PARAMS_NOT_FOUND */
    N_("The server lacks information to choose a token profile for this token. Contact your administrator."),
    /* 24 STATUS_ERROR_PUBLISH */
    N_("The server could not publish the certificates. Contact your administrator."),
    /* 25 STATUS_ERROR_LDAP_CONN */
    N_("The server could not reach its user directory. Try again later or contact your administrator."),
    /* 26 STATUS_ERROR_DISABLED_TOKEN */
    N_("This token is disabled on the server. Contact your administrator."),
    /* 27 STATUS_ERROR_NOT_PIN_RESETABLE */
    N_("The PIN of this token may not be reset. Ask your administrator to allow a PIN reset for it."),
    /* 28 STATUS_ERROR_CONN_LOST */
    N_("The connection to the token was lost. Reinsert the token and try again."),
    /* 29 STATUS_ERROR_CREATE_TUS_TOKEN_ENTRY */
    N_("The server could not record this token in its database. Contact your administrator."),
    /* 30 STATUS_ERROR_NO_SUCH_TOKEN_STATE */
    N_("The token is in a state the server does not know. Contact your administrator."),
    /* 31 STATUS_ERROR_NO_SUCH_LOST_REASON */
    N_("The token was reported lost for a reason the server does not know. Contact your administrator."),
    /* 32 STATUS_ERROR_UNUSABLE_TOKEN_KEYCOMPROMISE */
    N_("This token was reported as compromised and cannot be used any more. Contact your administrator."),
    /* 33 STATUS_ERROR_INACTIVE_TOKEN_NOT_FOUND */
    N_("The server found no inactive token to take over from. Contact your administrator."),
    /* 34 STATUS_ERROR_HAS_AT_LEAST_ONE_ACTIVE_TOKEN */
    N_("This user already has an active token. Retire the other token first or contact your administrator."),
    /* 35 STATUS_ERROR_TOKEN_TERMINATED */
    N_("This token has been terminated and cannot be used any more. Contact your administrator."),
    /* 36 STATUS_RECOVERY_IS_PROCESSED */
    N_("The keys of this token have been recovered. Check the token's certificates."),
    /* 37 STATUS_ERROR_RECOVERY_FAILED / STATUS_ERROR_RENEWAL_FAILED */
    N_("Recovering or renewing the certificates failed. Try again later or contact your administrator."),
    /* 38 STATUS_ERROR_NO_OPERATION_ON_LOST_TOKEN */
    N_("This token was reported lost: no operation is allowed on it. Contact your administrator."),
    /* 39 STATUS_ERROR_KEY_ARCHIVE_OFF */
    N_("The server's key archive is not available. Contact your administrator."),
    /* 40 STATUS_ERROR_NO_TKS_CONNID */
    N_("The server has no key service configured for this token. Contact your administrator."),
    /* 41 STATUS_ERROR_UPDATE_TOKENDB_FAILED */
    N_("The server could not update its token database. Contact your administrator."),
    /* 42 STATUS_ERROR_REVOKE_CERTIFICATES_FAILED */
    N_("The server could not revoke the token's old certificates. Try again later or contact your administrator."),
    /* 43 STATUS_ERROR_NOT_TOKEN_OWNER */
    N_("This token belongs to another user. Log in as its owner or contact your administrator."),
    /* 44 STATUS_RENEWAL_IS_PROCESSED */
    N_("The certificates of this token have been renewed. Check the token's certificates."),
    /* 45 STATUS_ERROR_CANNOT_ESTABLISH_COMMUNICATION */
    N_("The server could not communicate with the token. Reinsert the token and try again."),
    /* 46 STATUS_ERROR_SYMKEY_256_UPGRADE */
    N_("Upgrading the token's keys to 256 bits failed. Contact your administrator."),
};

G_STATIC_ASSERT(G_N_ELEMENTS(esc_status_texts) == TOK_TPS_STATUS_LAST + 1);

const gchar *
esc_status_text_describe(TokTpsStatus status)
{
	if ((gint)status < 0 || (guint)status >= G_N_ELEMENTS(esc_status_texts))
		return _("The server reported an error this client does not know. Contact your administrator.");
	return _(esc_status_texts[status]);
}

gchar *
esc_status_text_format(TokTpsStatus status)
{
	/* TRANSLATORS: %s is a sentence about what went wrong, %d the server's status code */
	return g_strdup_printf(_("%s (code %d)"), esc_status_text_describe(status), (gint)status);
}
