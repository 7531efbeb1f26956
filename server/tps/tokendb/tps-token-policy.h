/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Token policy (protocol.md 6.2, Dogtag's TPSTokenPolicy): YES/NO switches that gate operations
 * on one token. The default set comes from configuration (tokendb.defaultPolicy); a token's
 * record may carry an override string applied on top of it.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TPS_TOKEN_POLICY_RE_ENROLL "RE_ENROLL"
#define TPS_TOKEN_POLICY_RENEW "RENEW"
#define TPS_TOKEN_POLICY_FORCE_FORMAT "FORCE_FORMAT"
#define TPS_TOKEN_POLICY_PIN_RESET "PIN_RESET"
#define TPS_TOKEN_POLICY_RESET_PIN_RESET_TO_NO "RESET_PIN_RESET_TO_NO"
/* Dogtag appends it when it serialises a policy (default YES); accepted, kept, written when NO. */
#define TPS_TOKEN_POLICY_RENEW_KEEP_OLD_ENC_CERTS "RENEW_KEEP_OLD_ENC_CERTS"

typedef struct _TpsTokenPolicy TpsTokenPolicy;

#define TPS_TYPE_TOKEN_POLICY (tps_token_policy_get_type())
GType
tps_token_policy_get_type(void);

/* RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=NO;RESET_PIN_RESET_TO_NO=NO */
TpsTokenPolicy *
tps_token_policy_new_default(void) G_GNUC_WARN_UNUSED_RESULT;
TpsTokenPolicy *
tps_token_policy_copy(const TpsTokenPolicy *p) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tps_token_policy_free(TpsTokenPolicy *p);

/* ';'-separated KEY=YES|NO (keys and values case-insensitive, spaces around them and one
 * trailing ';' allowed) applied on top of @base (NULL: the default set). @text NULL or empty:
 * a copy of @base. Unknown keys, values other than YES/NO, duplicates and syntax errors fail
 * with TPS_ERROR_CONFIG naming the item. */
TpsTokenPolicy *
tps_token_policy_parse(const gchar *text, const TpsTokenPolicy *base, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* TRUE if @key (case-insensitive) is a known policy key. */
gboolean
tps_token_policy_is_known_key(const gchar *key);
/* The value of @key (case-insensitive); an unknown key is FALSE. */
gboolean
tps_token_policy_get(const TpsTokenPolicy *p, const gchar *key) TOK_NONNULL(1);
/* Sets a known @key; an unknown key is a programmer error (critical, nothing changes). */
void
tps_token_policy_set(TpsTokenPolicy *p, const gchar *key, gboolean value) TOK_NONNULL(1);
/* "RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=NO;RESET_PIN_RESET_TO_NO=NO" (plus
 * ";RENEW_KEEP_OLD_ENC_CERTS=NO" when that one is off); parses back to an equal policy. */
gchar *
tps_token_policy_to_string(const TpsTokenPolicy *p) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
gboolean
tps_token_policy_equal(const TpsTokenPolicy *a, const TpsTokenPolicy *b) TOK_NONNULL(1, 2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsTokenPolicy, tps_token_policy_free)

G_END_DECLS
