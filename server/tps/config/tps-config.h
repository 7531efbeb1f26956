/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsConfig: the TPS configuration, one GKeyFile validated completely at load. An unknown
 * group or key, or any bad value, fails the load with TPS_ERROR_CONFIG and the message
 * "<group>.<key>: <reason>" (file syntax errors: "<path>: <reason>"). Without a file, the
 * embedded defaults below are used (`tpsd` on a fresh state directory).
 *
 *   [server]
 *   state-dir=$XDG_STATE_HOME/esc-tps  (absolute; relative paths below are relative to it)
 *   listen-address=127.0.0.1           (an IP address)
 *   https-port=8443                    (0: any free port)
 *   http-port=0                        (plain HTTP for legacy clients; 0: off)
 *   public-hostname=localhost          (host name clients use; in the phone-home URLs)
 *   session-timeout=300                (seconds, 5..86400)
 *   max-message-size=9999              (bytes, 256..65536; tps.connection.maxMessageSize)
 *   tls-certificate=tls/server.crt     tls-key=tls/server.key
 *
 *   [tokendb]
 *   path=tokendb.sqlite
 *   allowed-transitions=0:1,0:2,0:3,0:6,3:2,3:6,4:1,4:2,4:3,4:6,6:7   (may only remove)
 *   default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=NO;RESET_PIN_RESET_TO_NO=NO
 *   allow-multiple-active-tokens=false (per user)
 *
 *   [operations]
 *   allowed-transitions=0:0,0:4,4:4,4:0,7:0                           (may only remove)
 *
 *   [phone-home]                       (the document of protocol.md 2.3)
 *   issuer-name=ESC TPS                operation-url=https://<public-hostname>:<https-port>/tps/tps
 *   ui-url=                            enrolled-token-browser-url=
 *   enrolled-token-url=                token-type=userKey (a profile)
 *   issuer-info-url=<the server's phoneHome URL, https unless http-port is set> (written to
 *                                       cards unless a profile sets issuer-info-value)
 *
 *   [profile:<name>]                   token types, see tps-profile.h (userKey and userKeyEC are
 *                                      built in; [profile:userKey] changes it)
 *   [mapping:<kind>:<n>]               mapping resolvers, see tps-mapping-resolver.h
 *
 *   [tks]                              TKS options, passed to tks_service_new() (tks-config.h)
 *   [tks:<keySet>]                     one per key set, passed as [key-set <keySet>]; none:
 *                                      defKeySet with the developer keys
 *
 *   [ca]                               the local CA
 *   directory=ca   subject=CN=ESC TPS Local CA   validity-days=3650
 *
 *   [auth]
 *   users-file=users
 *
 * A loaded config is immutable (except tps_config_set_bound_ports(), called once by tpsd
 * before serving) and may be read from any thread.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"
#include "tps-mapping-resolver.h"
#include "tps-profile.h"
#include "tps-token-policy.h"
#include "tps-token-state.h"

G_BEGIN_DECLS

#define TPS_CONFIG_FILE_MAX (1024 * 1024)

#define TPS_TYPE_CONFIG (tps_config_get_type())
G_DECLARE_FINAL_TYPE(TpsConfig, tps_config, TPS, CONFIG, GObject)

/* @path NULL: the embedded defaults only. */
TpsConfig *
tps_config_load(const gchar *path, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* As tps_config_load(); @state_dir (non-NULL) overrides [server] state-dir (tpsd --state-dir). */
TpsConfig *
tps_config_load_with_state_dir(const gchar *path, const gchar *state_dir, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* From text of at most TPS_CONFIG_FILE_MAX bytes (tests, fuzzing). */
TpsConfig *
tps_config_load_from_data(const gchar *data, gsize len, const gchar *state_dir, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;
/* The effective configuration as a config file (every value, defaults included; default
 * mappings are left out): loading it gives the same configuration. */
gchar *
tps_config_to_data(TpsConfig *c, gsize *len) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* Accessors: results are borrowed, valid as long as @c. */
const gchar *
tps_config_get_state_dir(TpsConfig *c) TOK_NONNULL(1);
guint16
tps_config_get_https_port(TpsConfig *c) TOK_NONNULL(1);
guint16
tps_config_get_http_port(TpsConfig *c) TOK_NONNULL(1);
const gchar *
tps_config_get_listen_address(TpsConfig *c) TOK_NONNULL(1);
const gchar *
tps_config_get_public_hostname(TpsConfig *c) TOK_NONNULL(1);
guint
tps_config_get_session_timeout(TpsConfig *c) TOK_NONNULL(1);
gsize
tps_config_get_max_message_size(TpsConfig *c) TOK_NONNULL(1);
const gchar *
tps_config_get_tls_certificate_path(TpsConfig *c) TOK_NONNULL(1);
const gchar *
tps_config_get_tls_key_path(TpsConfig *c) TOK_NONNULL(1);

const gchar *
tps_config_get_database_path(TpsConfig *c) TOK_NONNULL(1);
const TpsTransitions *
tps_config_get_manual_transitions(TpsConfig *c) TOK_NONNULL(1);
const TpsTransitions *
tps_config_get_operation_transitions(TpsConfig *c) TOK_NONNULL(1);
const TpsTokenPolicy *
tps_config_get_default_policy(TpsConfig *c) TOK_NONNULL(1);
gboolean
tps_config_get_allow_multiple_active_tokens(TpsConfig *c) TOK_NONNULL(1);

/* The document of protocol.md 2.3 served at GET /tps/phoneHome, Operation URL filled in. */
const gchar *
tps_config_get_phone_home_xml(TpsConfig *c) TOK_NONNULL(1);

/* Borrowed; TPS_ERROR_NOT_FOUND for an unknown token type. */
TpsProfile *
tps_config_lookup_profile(TpsConfig *c, const gchar *token_type, GError **error) TOK_NONNULL(1);
/* Profile names, sorted (borrowed strings in a new array). */
GPtrArray *
tps_config_list_profiles(TpsConfig *c) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Borrowed. */
TpsMappingResolver *
tps_config_get_resolver(TpsConfig *c, TpsResolverKind kind) TOK_NONNULL(1);
/* The [tks...] groups in the form tks_service_new() reads (never NULL; borrowed). */
GKeyFile *
tps_config_get_tks_config(TpsConfig *c) TOK_NONNULL(1);
/* The phone-home URL written to cards by @op ("format", "enroll", "pin-reset") for
 * @token_type: the profile's issuer-info-value, or [phone-home] issuer-info-url; NULL when
 * the profile is unknown or has issuer info disabled, or @op is unknown. */
const gchar *
tps_config_get_issuer_info(TpsConfig *c, const gchar *op, const gchar *token_type) TOK_NONNULL(1);

const gchar *
tps_config_get_ca_directory(TpsConfig *c) TOK_NONNULL(1);
const gchar *
tps_config_get_ca_subject(TpsConfig *c) TOK_NONNULL(1);
guint
tps_config_get_ca_validity_days(TpsConfig *c) TOK_NONNULL(1);
const gchar *
tps_config_get_users_file(TpsConfig *c) TOK_NONNULL(1);

/* After binding (https-port or http-port 0 = any): the actual ports, so that the
 * phone-home document and the default issuer info carry them. Call once, before serving. */
void
tps_config_set_bound_ports(TpsConfig *c, guint16 https_port, guint16 http_port) TOK_NONNULL(1);

G_END_DECLS
