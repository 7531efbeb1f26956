/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-config.h"

#include <string.h>

#include "tks-config.h"
#include "tks-error.h"
#include "tks-key-store.h"
#include "tps-config-value.h"
#include "tps-error.h"

#define TPS_CONFIG_GROUP_SERVER	    "server"
#define TPS_CONFIG_GROUP_TOKENDB    "tokendb"
#define TPS_CONFIG_GROUP_OPERATIONS "operations"
#define TPS_CONFIG_GROUP_PHONE_HOME "phone-home"
#define TPS_CONFIG_GROUP_CA	    "ca"
#define TPS_CONFIG_GROUP_AUTH	    "auth"
#define TPS_CONFIG_GROUP_TKS	    "tks"
#define TPS_CONFIG_PREFIX_PROFILE   "profile:"
#define TPS_CONFIG_PREFIX_MAPPING   "mapping:"
#define TPS_CONFIG_PREFIX_TKS	    "tks:"
#define TPS_CONFIG_TKS_KEY_SET	    "key-set " /* the group prefix tks-config.c reads */
#define TPS_CONFIG_MAPPING_MAX	    999
#define TPS_CONFIG_HOSTNAME_MAX	    128

struct _TpsConfig {
	GObject parent_instance;

	gchar *state_dir;
	gchar *listen_address;
	guint16 https_port;
	guint16 http_port;
	gchar *public_hostname;
	guint session_timeout;
	gsize max_message_size;
	gchar *tls_certificate;
	gchar *tls_key;

	gchar *database_path;
	TpsTransitions *manual_transitions;
	TpsTransitions *operation_transitions;
	TpsTokenPolicy *default_policy;
	gboolean allow_multiple_active;

	gchar *issuer_name;
	gchar *operation_url; /* NULL: derived */
	gchar *ui_url;
	gchar *enrolled_token_browser_url;
	gchar *enrolled_token_url;
	gchar *phone_home_token_type;
	gchar *issuer_info_url; /* NULL: derived */
	gchar *phone_home_xml;
	gchar *effective_issuer_info_url;

	GHashTable *profiles;		    /* name -> TpsProfile */
	GHashTable *profiles_default_issuer; /* names of profiles using the derived issuer info */
	TpsMappingResolver *resolvers[TPS_RESOLVER_KIND_COUNT];
	gboolean resolver_configured[TPS_RESOLVER_KIND_COUNT];
	GKeyFile *tks;

	gchar *ca_directory;
	gchar *ca_subject;
	guint ca_validity_days;
	gchar *users_file;
};

G_DEFINE_TYPE(TpsConfig, tps_config, G_TYPE_OBJECT)

static const gchar *const tps_config_server_keys[] = {
    "state-dir",
    "listen-address",
    "https-port",
    "http-port",
    "public-hostname",
    "session-timeout",
    "max-message-size",
    "tls-certificate",
    "tls-key",
    NULL,
};
static const gchar *const tps_config_tokendb_keys[] = {
    "path",
    "allowed-transitions",
    "default-policy",
    "allow-multiple-active-tokens",
    NULL,
};
static const gchar *const tps_config_operations_keys[] = {"allowed-transitions", NULL};
static const gchar *const tps_config_phone_home_keys[] = {
    "issuer-name",
    "operation-url",
    "ui-url",
    "enrolled-token-browser-url",
    "enrolled-token-url",
    "token-type",
    "issuer-info-url",
    NULL,
};
static const gchar *const tps_config_ca_keys[] = {"directory", "subject", "validity-days", NULL};
static const gchar *const tps_config_auth_keys[] = {"users-file", NULL};

static void
tps_config_finalize(GObject *object)
{
	TpsConfig *self = TPS_CONFIG(object);

	g_free(self->state_dir);
	g_free(self->listen_address);
	g_free(self->public_hostname);
	g_free(self->tls_certificate);
	g_free(self->tls_key);
	g_free(self->database_path);
	g_clear_pointer(&self->manual_transitions, tps_transitions_free);
	g_clear_pointer(&self->operation_transitions, tps_transitions_free);
	g_clear_pointer(&self->default_policy, tps_token_policy_free);
	g_free(self->issuer_name);
	g_free(self->operation_url);
	g_free(self->ui_url);
	g_free(self->enrolled_token_browser_url);
	g_free(self->enrolled_token_url);
	g_free(self->phone_home_token_type);
	g_free(self->issuer_info_url);
	g_free(self->phone_home_xml);
	g_free(self->effective_issuer_info_url);
	g_clear_pointer(&self->profiles, g_hash_table_unref);
	g_clear_pointer(&self->profiles_default_issuer, g_hash_table_unref);
	for (guint i = 0; i < TPS_RESOLVER_KIND_COUNT; i++)
		g_clear_object(&self->resolvers[i]);
	g_clear_pointer(&self->tks, g_key_file_unref);
	g_free(self->ca_directory);
	g_free(self->ca_subject);
	g_free(self->users_file);
	G_OBJECT_CLASS(tps_config_parent_class)->finalize(object);
}

static void
tps_config_class_init(TpsConfigClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tps_config_finalize;
}

static void
tps_config_init(TpsConfig *self)
{
	self->profiles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)tps_profile_free);
	self->profiles_default_issuer = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->tks = g_key_file_new();
}

/* Defaults that do not depend on the state directory. */
static void
tps_config_set_defaults(TpsConfig *self)
{
	self->listen_address = g_strdup("127.0.0.1");
	self->https_port = 8443;
	self->http_port = 0;
	self->public_hostname = g_strdup("localhost");
	self->session_timeout = 300;
	self->max_message_size = 9999;
	self->manual_transitions = tps_transitions_new_default_manual();
	self->operation_transitions = tps_transitions_new_default_operations();
	self->default_policy = tps_token_policy_new_default();
	self->allow_multiple_active = FALSE;
	self->issuer_name = g_strdup("ESC TPS");
	self->ui_url = g_strdup("");
	self->enrolled_token_browser_url = g_strdup("");
	self->enrolled_token_url = g_strdup("");
	self->phone_home_token_type = g_strdup(TPS_PROFILE_USER_KEY);
	self->ca_subject = g_strdup("CN=ESC TPS Local CA");
	self->ca_validity_days = 3650;
	for (guint i = 0; i < TPS_RESOLVER_KIND_COUNT; i++)
		self->resolvers[i] = tps_mapping_resolver_new_default((TpsResolverKind)i);
}

static gboolean
tps_config_check_keys(GKeyFile *kf, const gchar *group, const gchar *const *known, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (!tps_config_value_key_known(keys[i], known))
			return tps_config_value_bad(error, group, keys[i], "unknown key");
	}
	return TRUE;
}

static gboolean
tps_config_hostname_is_valid(const gchar *host)
{
	gsize len = strlen(host);

	if (len == 0 || len > TPS_CONFIG_HOSTNAME_MAX)
		return FALSE;
	if (host[0] == '[') {
		g_autofree gchar *inner = NULL;
		if (len < 3 || host[len - 1] != ']')
			return FALSE;
		inner = g_strndup(host + 1, len - 2);
		return strchr(inner, ':') != NULL && g_hostname_is_ip_address(inner);
	}
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(host[i]) && host[i] != '.' && host[i] != '-')
			return FALSE;
	}
	return host[0] != '.' && host[0] != '-';
}

/* A distinguished name "A=v, B=w": every comma-separated part has an attribute name. */
static gboolean
tps_config_dn_is_valid(const gchar *dn)
{
	g_auto(GStrv) rdns = g_strsplit(dn, ",", -1);

	for (guint i = 0; rdns[i] != NULL; i++) {
		const gchar *rdn = rdns[i];
		const gchar *eq;
		while (*rdn == ' ')
			rdn++;
		eq = strchr(rdn, '=');
		if (eq == NULL || eq == rdn || eq[1] == '\0')
			return FALSE;
		for (const gchar *p = rdn; p < eq; p++) {
			if (!g_ascii_isalnum(*p) && *p != '.')
				return FALSE;
		}
	}
	return TRUE;
}

static gboolean
tps_config_get_port(GKeyFile *kf, const gchar *key, guint16 *out, GError **error)
{
	guint64 v = 0;

	if (!tps_config_value_get_uint(kf, TPS_CONFIG_GROUP_SERVER, key, 0, G_MAXUINT16, &v, error))
		return FALSE;
	*out = (guint16)v;
	return TRUE;
}

static gboolean
tps_config_replace_string(gchar **slot, gchar *value)
{
	g_free(*slot);
	*slot = value;
	return TRUE;
}

static gboolean
tps_config_parse_server(TpsConfig *self, GKeyFile *kf, GError **error)
{
	const gchar *g = TPS_CONFIG_GROUP_SERVER;
	g_auto(GStrv) keys = g_key_file_get_keys(kf, g, NULL, NULL);
	guint64 v = 0;

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		const gchar *key = keys[i];
		gchar *s = NULL;

		if (g_strcmp0(key, "state-dir") == 0)
			continue; /* read first, by the caller */
		if (g_strcmp0(key, "listen-address") == 0) {
			if (!tps_config_value_get_string(kf, g, key, FALSE, &s, error))
				return FALSE;
			tps_config_replace_string(&self->listen_address, s);
			if (!g_hostname_is_ip_address(s))
				return tps_config_value_bad(error, g, key, "expected an IPv4 or IPv6 address");
		} else if (g_strcmp0(key, "https-port") == 0) {
			if (!tps_config_get_port(kf, key, &self->https_port, error))
				return FALSE;
		} else if (g_strcmp0(key, "http-port") == 0) {
			if (!tps_config_get_port(kf, key, &self->http_port, error))
				return FALSE;
		} else if (g_strcmp0(key, "public-hostname") == 0) {
			if (!tps_config_value_get_string(kf, g, key, FALSE, &s, error))
				return FALSE;
			tps_config_replace_string(&self->public_hostname, s);
			if (!tps_config_hostname_is_valid(s))
				return tps_config_value_bad(error,
							    g,
							    key,
							    "expected a host name or address of at most %u characters (IPv6 in brackets)",
							    (guint)TPS_CONFIG_HOSTNAME_MAX);
		} else if (g_strcmp0(key, "session-timeout") == 0) {
			if (!tps_config_value_get_uint(kf, g, key, 5, 86400, &v, error))
				return FALSE;
			self->session_timeout = (guint)v;
		} else if (g_strcmp0(key, "max-message-size") == 0) {
			if (!tps_config_value_get_uint(kf, g, key, 256, 65536, &v, error))
				return FALSE;
			self->max_message_size = (gsize)v;
		} else if (g_strcmp0(key, "tls-certificate") == 0) {
			if (!tps_config_value_get_path(kf, g, key, self->state_dir, &s, error))
				return FALSE;
			tps_config_replace_string(&self->tls_certificate, s);
		} else if (g_strcmp0(key, "tls-key") == 0) {
			if (!tps_config_value_get_path(kf, g, key, self->state_dir, &s, error))
				return FALSE;
			tps_config_replace_string(&self->tls_key, s);
		} else {
			return tps_config_value_bad(error, g, key, "unknown key");
		}
	}
	if (self->http_port != 0 && self->http_port == self->https_port)
		return tps_config_value_bad(error, g, "http-port", "the same port as https-port");
	return TRUE;
}

static gboolean
tps_config_parse_transitions(GKeyFile *kf,
			     const gchar *group,
			     const TpsTransitions *defaults,
			     TpsTransitions **slot,
			     GError **error)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error_local = NULL;
	TpsTransitions *t;

	if (!tps_config_value_get_string(kf, group, "allowed-transitions", TRUE, &text, error))
		return FALSE;
	t = tps_transitions_parse(text, defaults, &error_local);
	if (t == NULL)
		return tps_config_value_rethrow(error, group, "allowed-transitions", error_local);
	g_clear_pointer(slot, tps_transitions_free);
	*slot = t;
	return TRUE;
}

static gboolean
tps_config_parse_tokendb(TpsConfig *self, GKeyFile *kf, GError **error)
{
	const gchar *g = TPS_CONFIG_GROUP_TOKENDB;
	g_auto(GStrv) keys = g_key_file_get_keys(kf, g, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		const gchar *key = keys[i];
		if (g_strcmp0(key, "path") == 0) {
			gchar *s = NULL;
			if (!tps_config_value_get_path(kf, g, key, self->state_dir, &s, error))
				return FALSE;
			tps_config_replace_string(&self->database_path, s);
		} else if (g_strcmp0(key, "allowed-transitions") == 0) {
			g_autoptr(TpsTransitions) defaults = tps_transitions_new_default_manual();
			if (!tps_config_parse_transitions(kf, g, defaults, &self->manual_transitions, error))
				return FALSE;
		} else if (g_strcmp0(key, "default-policy") == 0) {
			g_autofree gchar *text = NULL;
			g_autoptr(GError) error_local = NULL;
			g_autoptr(TpsTokenPolicy) base = tps_token_policy_new_default();
			TpsTokenPolicy *policy;
			if (!tps_config_value_get_string(kf, g, key, TRUE, &text, error))
				return FALSE;
			policy = tps_token_policy_parse(text, base, &error_local);
			if (policy == NULL)
				return tps_config_value_rethrow(error, g, key, error_local);
			g_clear_pointer(&self->default_policy, tps_token_policy_free);
			self->default_policy = policy;
		} else if (g_strcmp0(key, "allow-multiple-active-tokens") == 0) {
			if (!tps_config_value_get_bool(kf, g, key, &self->allow_multiple_active, error))
				return FALSE;
		} else {
			return tps_config_value_bad(error, g, key, "unknown key");
		}
	}
	return TRUE;
}

static gboolean
tps_config_parse_operations(TpsConfig *self, GKeyFile *kf, GError **error)
{
	g_autoptr(TpsTransitions) defaults = NULL;

	if (!tps_config_check_keys(kf, TPS_CONFIG_GROUP_OPERATIONS, tps_config_operations_keys, error))
		return FALSE;
	if (!g_key_file_has_key(kf, TPS_CONFIG_GROUP_OPERATIONS, "allowed-transitions", NULL))
		return TRUE;
	defaults = tps_transitions_new_default_operations();
	return tps_config_parse_transitions(kf, TPS_CONFIG_GROUP_OPERATIONS, defaults, &self->operation_transitions, error);
}

static gboolean
tps_config_parse_phone_home(TpsConfig *self, GKeyFile *kf, GError **error)
{
	const gchar *g = TPS_CONFIG_GROUP_PHONE_HOME;
	g_auto(GStrv) keys = g_key_file_get_keys(kf, g, NULL, NULL);

	if (!tps_config_check_keys(kf, g, tps_config_phone_home_keys, error))
		return FALSE;
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		const gchar *key = keys[i];
		gchar *s = NULL;
		if (g_strcmp0(key, "issuer-name") == 0) {
			if (!tps_config_value_get_string(kf, g, key, FALSE, &s, error))
				return FALSE;
			tps_config_replace_string(&self->issuer_name, s);
		} else if (g_strcmp0(key, "token-type") == 0) {
			if (!tps_config_value_get_string(kf, g, key, FALSE, &s, error))
				return FALSE;
			tps_config_replace_string(&self->phone_home_token_type, s);
		} else if (g_strcmp0(key, "operation-url") == 0 || g_strcmp0(key, "issuer-info-url") == 0) {
			gboolean op = g_strcmp0(key, "operation-url") == 0;
			if (!tps_config_value_get_url(kf, g, key, FALSE, &s, error))
				return FALSE;
			tps_config_replace_string(op ? &self->operation_url : &self->issuer_info_url, s);
			if (!op && strlen(s) > 223)
				return tps_config_value_bad(error, g, key, "longer than 223 bytes (the card holds 224, NUL-terminated)");
		} else {
			gchar **slot = g_strcmp0(key, "ui-url") == 0		  ? &self->ui_url
				       : g_strcmp0(key, "enrolled-token-url") == 0 ? &self->enrolled_token_url
										   : &self->enrolled_token_browser_url;
			if (!tps_config_value_get_url(kf, g, key, TRUE, &s, error))
				return FALSE;
			tps_config_replace_string(slot, s);
		}
	}
	return TRUE;
}

static gboolean
tps_config_parse_ca_auth(TpsConfig *self, GKeyFile *kf, GError **error)
{
	g_auto(GStrv) ca_keys = g_key_file_get_keys(kf, TPS_CONFIG_GROUP_CA, NULL, NULL);
	guint64 v = 0;

	if (!tps_config_check_keys(kf, TPS_CONFIG_GROUP_CA, tps_config_ca_keys, error) ||
	    !tps_config_check_keys(kf, TPS_CONFIG_GROUP_AUTH, tps_config_auth_keys, error))
		return FALSE;
	for (guint i = 0; ca_keys != NULL && ca_keys[i] != NULL; i++) {
		const gchar *key = ca_keys[i];
		gchar *s = NULL;
		if (g_strcmp0(key, "directory") == 0) {
			if (!tps_config_value_get_path(kf, TPS_CONFIG_GROUP_CA, key, self->state_dir, &s, error))
				return FALSE;
			tps_config_replace_string(&self->ca_directory, s);
		} else if (g_strcmp0(key, "subject") == 0) {
			if (!tps_config_value_get_string(kf, TPS_CONFIG_GROUP_CA, key, FALSE, &s, error))
				return FALSE;
			tps_config_replace_string(&self->ca_subject, s);
			if (!tps_config_dn_is_valid(s))
				return tps_config_value_bad(error, TPS_CONFIG_GROUP_CA, key, "expected a name like CN=Example CA, O=Example");
		} else {
			if (!tps_config_value_get_uint(kf, TPS_CONFIG_GROUP_CA, key, 1, 36500, &v, error))
				return FALSE;
			self->ca_validity_days = (guint)v;
		}
	}
	if (g_key_file_has_key(kf, TPS_CONFIG_GROUP_AUTH, "users-file", NULL)) {
		gchar *s = NULL;
		if (!tps_config_value_get_path(kf, TPS_CONFIG_GROUP_AUTH, "users-file", self->state_dir, &s, error))
			return FALSE;
		tps_config_replace_string(&self->users_file, s);
	}
	return TRUE;
}

/* Validates one TKS option through tks_config_new() alone, to name the key on failure. */
static gboolean
tps_config_check_tks_key(GKeyFile *kf, const gchar *group, const gchar *key, const gchar *tks_group, GError **error)
{
	g_autoptr(GKeyFile) one = g_key_file_new();
	g_autoptr(TksConfig) tks = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *value = g_key_file_get_value(kf, group, key, NULL);

	if (value == NULL || strlen(value) > TPS_CONFIG_VALUE_MAX)
		return tps_config_value_bad(error, group, key, "missing or too long");
	g_key_file_set_value(one, tks_group, key, value);
	if (g_strcmp0(tks_group, TPS_CONFIG_GROUP_TKS) == 0)
		g_key_file_set_value(one, TPS_CONFIG_TKS_KEY_SET TKS_CONFIG_DEFAULT_KEY_SET, "developer-keys", "defKeySet");
	tks = tks_config_new(one, &error_local);
	if (tks == NULL)
		return tps_config_value_rethrow(error, group, key, error_local);
	return TRUE;
}

static gboolean
tps_config_parse_tks(TpsConfig *self, GKeyFile *kf, GStrv groups, GError **error)
{
	g_autoptr(TksConfig) tks = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean have_key_set = FALSE;

	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		g_auto(GStrv) keys = NULL;
		g_autofree gchar *tks_group = NULL;

		if (g_strcmp0(group, TPS_CONFIG_GROUP_TKS) == 0) {
			tks_group = g_strdup(TPS_CONFIG_GROUP_TKS);
		} else if (g_str_has_prefix(group, TPS_CONFIG_PREFIX_TKS)) {
			const gchar *name = group + strlen(TPS_CONFIG_PREFIX_TKS);
			if (!tks_key_set_name_is_valid(name))
				return tps_config_value_bad(error, group, NULL, "invalid key set name (A-Z a-z 0-9 _ . -)");
			tks_group = g_strconcat(TPS_CONFIG_TKS_KEY_SET, name, NULL);
			have_key_set = TRUE;
			/* an empty group still defines the key set: write its default explicitly */
			if (!g_key_file_has_group(self->tks, tks_group)) {
				g_autoptr(TokSecret) dev = tks_config_get_developer_keys(name);
				g_key_file_set_value(self->tks, tks_group, "developer-keys", dev != NULL ? name : "none");
			}
		} else {
			continue;
		}
		keys = g_key_file_get_keys(kf, group, NULL, NULL);
		for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
			g_autofree gchar *value = NULL;
			if (!tps_config_check_tks_key(kf, group, keys[j], tks_group, error))
				return FALSE;
			value = g_key_file_get_value(kf, group, keys[j], NULL);
			g_key_file_set_value(self->tks, tks_group, keys[j], value);
		}
	}
	if (!have_key_set) {
		g_key_file_set_value(self->tks,
				     TPS_CONFIG_TKS_KEY_SET TKS_CONFIG_DEFAULT_KEY_SET,
				     "developer-keys",
				     TKS_CONFIG_DEFAULT_KEY_SET);
	}
	tks = tks_config_new(self->tks, &error_local);
	if (tks == NULL)
		return tps_config_value_bad(error, TPS_CONFIG_GROUP_TKS, NULL, "%s", error_local->message);
	return TRUE;
}

static gboolean
tps_config_has_tks_key_set(TpsConfig *self, const gchar *name)
{
	g_autofree gchar *group = g_strconcat(TPS_CONFIG_TKS_KEY_SET, name, NULL);
	return g_key_file_has_group(self->tks, group);
}

static gboolean
tps_config_parse_profiles(TpsConfig *self, GKeyFile *kf, GStrv groups, GError **error)
{
	g_autoptr(GList) values = NULL;

	{
		const gchar *builtin[] = {TPS_PROFILE_USER_KEY, TPS_PROFILE_USER_KEY_EC};
		for (guint i = 0; i < G_N_ELEMENTS(builtin); i++) {
			TpsProfile *p = tps_profile_new_builtin(builtin[i]);
			g_hash_table_insert(self->profiles, p->name, p);
		}
	}
	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		const gchar *name;
		TpsProfile *existing;
		g_autoptr(TpsProfile) profile = NULL;

		if (!g_str_has_prefix(group, TPS_CONFIG_PREFIX_PROFILE))
			continue;
		name = group + strlen(TPS_CONFIG_PREFIX_PROFILE);
		if (!tps_config_value_is_name(name))
			return tps_config_value_bad(error, group, NULL, "invalid profile name (A-Z a-z 0-9 _ . -)");
		existing = g_hash_table_lookup(self->profiles, name);
		profile = existing != NULL ? tps_profile_copy(existing) : tps_profile_new(name);
		if (!tps_profile_load_from_key_file(profile, kf, group, self->state_dir, error))
			return FALSE;
		g_hash_table_remove(self->profiles, name);
		g_hash_table_insert(self->profiles, profile->name, profile);
		profile = NULL;
	}
	values = g_hash_table_get_values(self->profiles);
	for (GList *l = values; l != NULL; l = l->next) {
		TpsProfile *profile = l->data;
		if (!g_path_is_absolute(profile->applet_directory)) {
			gchar *dir = g_build_filename(self->state_dir, profile->applet_directory, NULL);
			tps_config_replace_string(&profile->applet_directory, dir);
		}
		if (!tps_profile_validate(profile, error))
			return FALSE;
		if (!tps_config_has_tks_key_set(self, profile->key_set)) {
			g_autofree gchar *group = g_strconcat(TPS_CONFIG_PREFIX_PROFILE, profile->name, NULL);
			return tps_config_value_bad(error,
						    group,
						    "key-set",
						    "key set %s is not configured (no [tks:%s] group)",
						    profile->key_set,
						    profile->key_set);
		}
		if (profile->issuer_info_value == NULL)
			g_hash_table_add(self->profiles_default_issuer, g_strdup(profile->name));
	}
	return TRUE;
}

typedef struct {
	guint order;
	gchar *group;
} TpsConfigMappingGroup;

static void
tps_config_mapping_group_free(TpsConfigMappingGroup *mg)
{
	g_free(mg->group);
	g_free(mg);
}

static gint
tps_config_mapping_group_cmp(gconstpointer a, gconstpointer b)
{
	const TpsConfigMappingGroup *x = *(TpsConfigMappingGroup *const *)a;
	const TpsConfigMappingGroup *y = *(TpsConfigMappingGroup *const *)b;

	return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

static gboolean
tps_config_parse_mappings(TpsConfig *self, GKeyFile *kf, GStrv groups, GError **error)
{
	GPtrArray *per_kind[TPS_RESOLVER_KIND_COUNT] = {NULL};
	gboolean ok = TRUE;

	for (guint k = 0; k < TPS_RESOLVER_KIND_COUNT; k++)
		per_kind[k] = g_ptr_array_new_with_free_func((GDestroyNotify)tps_config_mapping_group_free);
	for (guint i = 0; ok && groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		g_auto(GStrv) parts = NULL;
		TpsResolverKind kind = TPS_RESOLVER_ENROLL;
		guint64 order = 0;
		TpsConfigMappingGroup *mg;
		gsize nlen;
		gboolean canonical;

		if (!g_str_has_prefix(group, TPS_CONFIG_PREFIX_MAPPING))
			continue;
		parts = g_strsplit(group + strlen(TPS_CONFIG_PREFIX_MAPPING), ":", -1);
		if (g_strv_length(parts) != 2 || !tps_resolver_kind_from_string(parts[0], &kind)) {
			ok = tps_config_value_bad(error,
						  group,
						  NULL,
						  "expected [mapping:<kind>:<n>], kind enroll, format, pin-reset or key-set");
			break;
		}
		nlen = strlen(parts[1]);
		canonical = nlen > 0 && nlen <= 3 && (parts[1][0] != '0' || nlen == 1);
		for (gsize j = 0; j < nlen; j++)
			canonical = canonical && g_ascii_isdigit(parts[1][j]);
		if (!canonical || !g_ascii_string_to_unsigned(parts[1], 10, 0, TPS_CONFIG_MAPPING_MAX, &order, NULL)) {
			ok = tps_config_value_bad(error, group, NULL, "the mapping number must be 0..%u without leading zeros", (guint)TPS_CONFIG_MAPPING_MAX);
			break;
		}
		mg = g_new0(TpsConfigMappingGroup, 1);
		mg->order = (guint)order;
		mg->group = g_strdup(group);
		g_ptr_array_add(per_kind[kind], mg);
	}
	for (guint k = 0; ok && k < TPS_RESOLVER_KIND_COUNT; k++) {
		GPtrArray *list = per_kind[k];
		if (list->len == 0)
			continue;
		g_ptr_array_sort(list, tps_config_mapping_group_cmp);
		g_clear_object(&self->resolvers[k]);
		self->resolvers[k] = tps_mapping_resolver_new((TpsResolverKind)k);
		self->resolver_configured[k] = TRUE;
		for (guint i = 0; ok && i < list->len; i++) {
			const TpsConfigMappingGroup *mg = g_ptr_array_index(list, i);
			g_autoptr(TpsMapping) m = tps_mapping_new_from_key_file(kf, mg->group, mg->order, error);
			if (m == NULL) {
				ok = FALSE;
				break;
			}
			if (k == TPS_RESOLVER_KEY_SET && !tps_config_has_tks_key_set(self, m->target)) {
				ok = tps_config_value_bad(error, mg->group, "target", "key set %s is not configured (no [tks:%s] group)", m->target, m->target);
				break;
			}
			if (k != TPS_RESOLVER_KEY_SET && !g_hash_table_contains(self->profiles, m->target)) {
				ok = tps_config_value_bad(error, mg->group, "target", "no profile %s (no [profile:%s] group)", m->target, m->target);
				break;
			}
			tps_mapping_resolver_append(self->resolvers[k], m);
		}
	}
	for (guint k = 0; k < TPS_RESOLVER_KIND_COUNT; k++)
		g_ptr_array_unref(per_kind[k]);
	return ok;
}

static void
tps_config_update_derived(TpsConfig *self, guint16 https_port, guint16 http_port)
{
	g_autofree gchar *operation_url = NULL;
	GHashTableIter iter;
	gpointer name;

	if (self->operation_url != NULL)
		operation_url = g_strdup(self->operation_url);
	else
		operation_url = g_strdup_printf("https://%s:%u/tps/tps", self->public_hostname, (guint)https_port);
	g_free(self->effective_issuer_info_url);
	if (self->issuer_info_url != NULL)
		self->effective_issuer_info_url = g_strdup(self->issuer_info_url);
	else if (http_port != 0)
		self->effective_issuer_info_url =
		    g_strdup_printf("http://%s:%u/tps/phoneHome", self->public_hostname, (guint)http_port);
	else
		self->effective_issuer_info_url =
		    g_strdup_printf("https://%s:%u/tps/phoneHome", self->public_hostname, (guint)https_port);
	g_free(self->phone_home_xml);
	self->phone_home_xml = g_markup_printf_escaped("<ServiceInfo>\n"
						       "<IssuerName>%s</IssuerName>\n"
						       "<Services>\n"
						       "<Operation>%s</Operation>\n"
						       "<UI>%s</UI>\n"
						       "<EnrolledTokenBrowserURL>%s</EnrolledTokenBrowserURL>\n"
						       "<EnrolledTokenURL>%s</EnrolledTokenURL>\n"
						       "<TokenType>%s</TokenType>\n"
						       "</Services>\n"
						       "</ServiceInfo>\n",
						       self->issuer_name,
						       operation_url,
						       self->ui_url,
						       self->enrolled_token_browser_url,
						       self->enrolled_token_url,
						       self->phone_home_token_type);
	g_hash_table_iter_init(&iter, self->profiles_default_issuer);
	while (g_hash_table_iter_next(&iter, &name, NULL)) {
		TpsProfile *profile = g_hash_table_lookup(self->profiles, name);
		if (profile != NULL)
			tps_config_replace_string(&profile->issuer_info_value, g_strdup(self->effective_issuer_info_url));
	}
}

static gboolean
tps_config_check_groups(GStrv groups, GError **error)
{
	const gchar *fixed[] = {TPS_CONFIG_GROUP_SERVER,
				TPS_CONFIG_GROUP_TOKENDB,
				TPS_CONFIG_GROUP_OPERATIONS,
				TPS_CONFIG_GROUP_PHONE_HOME,
				TPS_CONFIG_GROUP_CA,
				TPS_CONFIG_GROUP_AUTH,
				TPS_CONFIG_GROUP_TKS,
				NULL};

	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		if (tps_config_value_key_known(group, fixed) || g_str_has_prefix(group, TPS_CONFIG_PREFIX_PROFILE) ||
		    g_str_has_prefix(group, TPS_CONFIG_PREFIX_MAPPING) || g_str_has_prefix(group, TPS_CONFIG_PREFIX_TKS))
			continue;
		{
			g_autofree gchar *quoted = tps_config_value_quote(group);
			/* plain names as they are, anything odd escaped */
			gboolean plain = strlen(quoted) == strlen(group) + 2;
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s: unknown group", plain ? group : quoted);
		}
		return FALSE;
	}
	return TRUE;
}

static TpsConfig *
tps_config_new_from_key_file(GKeyFile *kf, const gchar *state_dir, GError **error)
{
	g_autoptr(TpsConfig) self = g_object_new(TPS_TYPE_CONFIG, NULL);
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);

	if (!tps_config_check_groups(groups, error))
		return NULL;
	tps_config_set_defaults(self);

	/* the state directory first: the other paths are relative to it; the one in the file is
	 * checked even when @state_dir overrides it */
	if (g_key_file_has_key(kf, TPS_CONFIG_GROUP_SERVER, "state-dir", NULL)) {
		if (!tps_config_value_get_string(kf, TPS_CONFIG_GROUP_SERVER, "state-dir", FALSE, &self->state_dir, error))
			return NULL;
		if (!g_path_is_absolute(self->state_dir)) {
			tps_config_value_bad(error, TPS_CONFIG_GROUP_SERVER, "state-dir", "must be an absolute path");
			return NULL;
		}
	}
	if (state_dir != NULL) {
		g_autofree gchar *quoted = tps_config_value_quote(state_dir);
		if (!g_path_is_absolute(state_dir)) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "state directory %s: must be an absolute path", quoted);
			return NULL;
		}
		tps_config_replace_string(&self->state_dir, g_strdup(state_dir));
	} else if (self->state_dir == NULL) {
		self->state_dir = g_build_filename(g_get_user_state_dir(), "esc-tps", NULL);
	}
	self->tls_certificate = g_build_filename(self->state_dir, "tls", "server.crt", NULL);
	self->tls_key = g_build_filename(self->state_dir, "tls", "server.key", NULL);
	self->database_path = g_build_filename(self->state_dir, "tokendb.sqlite", NULL);
	self->ca_directory = g_build_filename(self->state_dir, "ca", NULL);
	self->users_file = g_build_filename(self->state_dir, "users", NULL);

	if (!tps_config_check_keys(kf, TPS_CONFIG_GROUP_SERVER, tps_config_server_keys, error) ||
	    !tps_config_check_keys(kf, TPS_CONFIG_GROUP_TOKENDB, tps_config_tokendb_keys, error) ||
	    !tps_config_parse_server(self, kf, error) || !tps_config_parse_tokendb(self, kf, error) ||
	    !tps_config_parse_operations(self, kf, error) || !tps_config_parse_phone_home(self, kf, error) ||
	    !tps_config_parse_ca_auth(self, kf, error) || !tps_config_parse_tks(self, kf, groups, error) ||
	    !tps_config_parse_profiles(self, kf, groups, error) || !tps_config_parse_mappings(self, kf, groups, error))
		return NULL;
	if (!g_hash_table_contains(self->profiles, self->phone_home_token_type)) {
		tps_config_value_bad(error,
				     TPS_CONFIG_GROUP_PHONE_HOME,
				     "token-type",
				     "no profile %s (no [profile:%s] group)",
				     self->phone_home_token_type,
				     self->phone_home_token_type);
		return NULL;
	}
	tps_config_update_derived(self, self->https_port, self->http_port);
	if (strlen(self->effective_issuer_info_url) > 223) {
		tps_config_value_bad(error, TPS_CONFIG_GROUP_SERVER, "public-hostname", "too long for the issuer info URL (223 bytes)");
		return NULL;
	}
	return g_steal_pointer(&self);
}

TpsConfig *
tps_config_load_from_data(const gchar *data, gsize len, const gchar *state_dir, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;

	if (len > TPS_CONFIG_FILE_MAX) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "configuration larger than %u bytes", (guint)TPS_CONFIG_FILE_MAX);
		return NULL;
	}
	if (len > 0 && memchr(data, '\0', len) != NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "configuration contains a NUL byte");
		return NULL;
	}
	if (len > 0 && !g_key_file_load_from_data(kf, data, len, G_KEY_FILE_KEEP_TRANSLATIONS, &error_local)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "configuration syntax: %s", error_local->message);
		return NULL;
	}
	return tps_config_new_from_key_file(kf, state_dir, error);
}

TpsConfig *
tps_config_load_with_state_dir(const gchar *path, const gchar *state_dir, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error_local = NULL;
	TpsConfig *config;

	if (path == NULL) {
		g_autoptr(GKeyFile) kf = g_key_file_new();
		return tps_config_new_from_key_file(kf, state_dir, error);
	}
	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s: %s", path, error_local->message);
		return NULL;
	}
	config = tps_config_load_from_data(contents, len, state_dir, error);
	if (config == NULL)
		g_prefix_error(error, "%s: ", path);
	return config;
}

TpsConfig *
tps_config_load(const gchar *path, GError **error)
{
	return tps_config_load_with_state_dir(path, NULL, error);
}

static gint
tps_config_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

GPtrArray *
tps_config_list_profiles(TpsConfig *c)
{
	GPtrArray *names = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(TPS_IS_CONFIG(c), names);
	g_hash_table_iter_init(&iter, c->profiles);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(names, key);
	g_ptr_array_sort(names, tps_config_strcmp);
	return names;
}

gchar *
tps_config_to_data(TpsConfig *c, gsize *len)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GPtrArray) names = NULL;
	g_autofree gchar *manual = NULL;
	g_autofree gchar *operations = NULL;
	g_autofree gchar *policy = NULL;
	g_auto(GStrv) tks_groups = NULL;

	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_SERVER, "state-dir", c->state_dir);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_SERVER, "listen-address", c->listen_address);
	g_key_file_set_uint64(kf, TPS_CONFIG_GROUP_SERVER, "https-port", c->https_port);
	g_key_file_set_uint64(kf, TPS_CONFIG_GROUP_SERVER, "http-port", c->http_port);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_SERVER, "public-hostname", c->public_hostname);
	g_key_file_set_uint64(kf, TPS_CONFIG_GROUP_SERVER, "session-timeout", c->session_timeout);
	g_key_file_set_uint64(kf, TPS_CONFIG_GROUP_SERVER, "max-message-size", c->max_message_size);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_SERVER, "tls-certificate", c->tls_certificate);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_SERVER, "tls-key", c->tls_key);

	manual = tps_transitions_to_string(c->manual_transitions);
	operations = tps_transitions_to_string(c->operation_transitions);
	policy = tps_token_policy_to_string(c->default_policy);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_TOKENDB, "path", c->database_path);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_TOKENDB, "allowed-transitions", manual);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_TOKENDB, "default-policy", policy);
	g_key_file_set_boolean(kf, TPS_CONFIG_GROUP_TOKENDB, "allow-multiple-active-tokens", c->allow_multiple_active);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_OPERATIONS, "allowed-transitions", operations);

	g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "issuer-name", c->issuer_name);
	if (c->operation_url != NULL)
		g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "operation-url", c->operation_url);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "ui-url", c->ui_url);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "enrolled-token-browser-url", c->enrolled_token_browser_url);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "enrolled-token-url", c->enrolled_token_url);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "token-type", c->phone_home_token_type);
	if (c->issuer_info_url != NULL)
		g_key_file_set_string(kf, TPS_CONFIG_GROUP_PHONE_HOME, "issuer-info-url", c->issuer_info_url);

	g_key_file_set_string(kf, TPS_CONFIG_GROUP_CA, "directory", c->ca_directory);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_CA, "subject", c->ca_subject);
	g_key_file_set_uint64(kf, TPS_CONFIG_GROUP_CA, "validity-days", c->ca_validity_days);
	g_key_file_set_string(kf, TPS_CONFIG_GROUP_AUTH, "users-file", c->users_file);

	names = tps_config_list_profiles(c);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_autoptr(TpsProfile) p = tps_profile_copy(g_hash_table_lookup(c->profiles, name));
		g_autofree gchar *group = g_strconcat(TPS_CONFIG_PREFIX_PROFILE, name, NULL);
		if (g_hash_table_contains(c->profiles_default_issuer, name))
			g_clear_pointer(&p->issuer_info_value, g_free);
		tps_profile_save_to_key_file(p, kf, group);
	}
	for (guint k = 0; k < TPS_RESOLVER_KIND_COUNT; k++) {
		TpsMappingResolver *r = c->resolvers[k];
		if (!c->resolver_configured[k])
			continue;
		for (guint i = 0; i < tps_mapping_resolver_get_n_mappings(r); i++) {
			const TpsMapping *m = tps_mapping_resolver_get_mapping(r, i);
			g_autofree gchar *group = g_strdup_printf("%s%s:%u",
								  TPS_CONFIG_PREFIX_MAPPING,
								  tps_resolver_kind_to_string((TpsResolverKind)k),
								  m->order);
			tps_mapping_save_to_key_file(m, kf, group);
		}
	}
	tks_groups = g_key_file_get_groups(c->tks, NULL);
	for (guint i = 0; tks_groups[i] != NULL; i++) {
		const gchar *tks_group = tks_groups[i];
		g_auto(GStrv) keys = g_key_file_get_keys(c->tks, tks_group, NULL, NULL);
		g_autofree gchar *group = NULL;
		if (g_str_has_prefix(tks_group, TPS_CONFIG_TKS_KEY_SET))
			group = g_strconcat(TPS_CONFIG_PREFIX_TKS, tks_group + strlen(TPS_CONFIG_TKS_KEY_SET), NULL);
		else
			group = g_strdup(tks_group);
		for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
			g_autofree gchar *value = g_key_file_get_value(c->tks, tks_group, keys[j], NULL);
			g_key_file_set_value(kf, group, keys[j], value);
		}
	}
	return g_key_file_to_data(kf, len, NULL);
}

const gchar *
tps_config_get_state_dir(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->state_dir;
}

guint16
tps_config_get_https_port(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), 0);
	return c->https_port;
}

guint16
tps_config_get_http_port(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), 0);
	return c->http_port;
}

const gchar *
tps_config_get_listen_address(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->listen_address;
}

const gchar *
tps_config_get_public_hostname(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->public_hostname;
}

guint
tps_config_get_session_timeout(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), 0);
	return c->session_timeout;
}

gsize
tps_config_get_max_message_size(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), 0);
	return c->max_message_size;
}

const gchar *
tps_config_get_tls_certificate_path(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->tls_certificate;
}

const gchar *
tps_config_get_tls_key_path(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->tls_key;
}

const gchar *
tps_config_get_database_path(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->database_path;
}

const TpsTransitions *
tps_config_get_manual_transitions(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->manual_transitions;
}

const TpsTransitions *
tps_config_get_operation_transitions(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->operation_transitions;
}

const TpsTokenPolicy *
tps_config_get_default_policy(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->default_policy;
}

gboolean
tps_config_get_allow_multiple_active_tokens(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), FALSE);
	return c->allow_multiple_active;
}

const gchar *
tps_config_get_phone_home_xml(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->phone_home_xml;
}

TpsProfile *
tps_config_lookup_profile(TpsConfig *c, const gchar *token_type, GError **error)
{
	TpsProfile *profile;

	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	profile = token_type != NULL ? g_hash_table_lookup(c->profiles, token_type) : NULL;
	if (profile == NULL) {
		g_autofree gchar *quoted = tps_config_value_quote(token_type);
		g_set_error(error, TPS_ERROR, TPS_ERROR_NOT_FOUND, "no token type (profile) %s", quoted);
		return NULL;
	}
	return profile;
}

TpsMappingResolver *
tps_config_get_resolver(TpsConfig *c, TpsResolverKind kind)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	g_return_val_if_fail((guint)kind < TPS_RESOLVER_KIND_COUNT, NULL);
	return c->resolvers[kind];
}

GKeyFile *
tps_config_get_tks_config(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->tks;
}

const gchar *
tps_config_get_issuer_info(TpsConfig *c, const gchar *op, const gchar *token_type)
{
	const gchar *ops[] = {"format", "enroll", "pin-reset", NULL};
	TpsProfile *profile;

	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	if (op == NULL || !tps_config_value_key_known(op, ops) || token_type == NULL)
		return NULL;
	profile = g_hash_table_lookup(c->profiles, token_type);
	if (profile == NULL || !profile->issuer_info_enable)
		return NULL;
	return profile->issuer_info_value;
}

const gchar *
tps_config_get_ca_directory(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->ca_directory;
}

const gchar *
tps_config_get_ca_subject(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->ca_subject;
}

guint
tps_config_get_ca_validity_days(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), 0);
	return c->ca_validity_days;
}

const gchar *
tps_config_get_users_file(TpsConfig *c)
{
	g_return_val_if_fail(TPS_IS_CONFIG(c), NULL);
	return c->users_file;
}

void
tps_config_set_bound_ports(TpsConfig *c, guint16 https_port, guint16 http_port)
{
	g_return_if_fail(TPS_IS_CONFIG(c));
	tps_config_update_derived(c, https_port, http_port);
}
