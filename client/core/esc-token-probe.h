/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The token probe: what can be read from a card without logging in, as one EscCard job (one
 * PC/SC transaction). ATR; the card manager's CPLC (GET DATA 9F7F) → CUID and MSN; the CoolKey
 * applet's version (GET STATUS), life cycle (GET LIFE CYCLE), phone-home URL (GET ISSUER INFO)
 * and the certificates of the combined object z0 (LIST OBJECTS, READ OBJECT in chunks of at
 * most 0xD0 bytes with the anonymous all-zero nonce; only when z0's read ACL lets anyone
 * read). protocol.md 2.1, 4, 4.8, 5.1, 5.2.
 *
 * Every answer is parsed strictly; one that does not parse fails the probe with
 * ESC_ERROR_CARD saying which step failed. Status words that mean "not there" (no card
 * manager, no applet, no issuer info) shape the status instead.
 */
#pragma once

#include <glib-object.h>

#include "esc-card.h"

G_BEGIN_DECLS

typedef enum {
	ESC_TOKEN_STATUS_UNKNOWN,     /* not probed yet / probing */
	ESC_TOKEN_STATUS_UNSUPPORTED, /* not a GlobalPlatform card (no CPLC / no card manager) */
	ESC_TOKEN_STATUS_BLANK,	      /* GP card, no CoolKey applet: needs FORMAT */
	ESC_TOKEN_STATUS_FORMATTED,   /* applet present, no certificates (life cycle 0x07 or no z0) */
	ESC_TOKEN_STATUS_ENROLLED,    /* applet personalised (0x0F) with certificates in z0 */
	ESC_TOKEN_STATUS_ERROR,	      /* the probe failed (message in EscToken:error) */
} EscTokenStatus;

#define ESC_TYPE_TOKEN_STATUS (esc_token_status_get_type())
GType
esc_token_status_get_type(void);

/* "unknown", "unsupported", "blank", "formatted", "enrolled", "error" (for --json) */
const gchar *
esc_token_status_to_string(EscTokenStatus s);
/* translatable: "Blank (needs formatting)" */
const gchar *
esc_token_status_to_label(EscTokenStatus s);

/* The status from what the probe found: @gp_card (CPLC read), @applet (CoolKey applet
 * selected), @life_cycle (0xF0 unknown), @z0_unreadable (z0 exists but needs a login to read),
 * @n_certificates (in z0). An applet with certificates counts as enrolled only in life cycle
 * 0x0F (or unknown): certificates on a 0x07 applet are an enrollment that did not finish. */
EscTokenStatus
esc_token_probe_decide_status(gboolean gp_card, gboolean applet, guint8 life_cycle, gboolean z0_unreadable, guint n_certificates);

#define ESC_TOKEN_PROBE_MAX_OBJECTS 128

/* boxed, refcounted, immutable */
typedef struct _EscTokenInfo EscTokenInfo;
#define ESC_TYPE_TOKEN_INFO (esc_token_info_get_type())
GType
esc_token_info_get_type(void);
EscTokenInfo *
esc_token_info_ref(EscTokenInfo *info);
void
esc_token_info_unref(EscTokenInfo *info);

/* Inside a job (run it with a transaction); also remembers the CUID in the card for reset
 * checks (esc_card_job_set_cuid()). */
EscTokenInfo *
esc_token_probe_run(EscCardJob *job, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The same over any transmit function (a scripted card in tests, fuzzing). */
EscTokenInfo *
esc_token_probe_run_with_transmit(EscCardTransmitFunc transmit, gpointer user_data, GBytes *atr, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* One job with a transaction on @card. */
void
esc_token_probe_async(EscCard *card, GCancellable *c, GAsyncReadyCallback cb, gpointer d);
EscTokenInfo *
esc_token_probe_finish(EscCard *card, GAsyncResult *res, GError **error) G_GNUC_WARN_UNUSED_RESULT;
EscTokenInfo *
esc_token_probe_sync(EscCard *card, GCancellable *c, GError **error) G_GNUC_WARN_UNUSED_RESULT;

EscTokenStatus
esc_token_info_get_status(const EscTokenInfo *info);
/* borrowed */
GBytes *
esc_token_info_get_atr(const EscTokenInfo *info);
/* 20 uppercase hex digits, NULL if unknown */
const gchar *
esc_token_info_get_cuid(const EscTokenInfo *info);
/* the 10 bytes, NULL if unknown; borrowed */
GBytes *
esc_token_info_get_cuid_bytes(const EscTokenInfo *info);
/* 8 hex digits, NULL */
const gchar *
esc_token_info_get_msn(const EscTokenInfo *info);
/* "1.4", NULL if no applet */
const gchar *
esc_token_info_get_applet_version(const EscTokenInfo *info);
/* "1.1" (GET STATUS protocol major.minor), NULL if no applet */
const gchar *
esc_token_info_get_protocol_version(const EscTokenInfo *info);
/* 0xF0 unknown */
guint8
esc_token_info_get_life_cycle(const EscTokenInfo *info);
/* phone-home URL from GET ISSUER INFO, NULL */
const gchar *
esc_token_info_get_issuer_url(const EscTokenInfo *info);
/* z0's token name (the PKCS#11 token label), NULL without z0 */
const gchar *
esc_token_info_get_token_name(const EscTokenInfo *info);
/* of EscCertificate, borrowed, never NULL */
GPtrArray *
esc_token_info_get_certificates(const EscTokenInfo *info);
/* Dogtag ESC's key id is the CUID; esc_token_info_get_cuid() is what phone home sends. */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscTokenInfo, esc_token_info_unref)

G_END_DECLS
