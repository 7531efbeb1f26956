/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-profile.h"

#include <string.h>

#include "tps-config-value.h"
#include "tps-error.h"

#define TPS_PROFILE_KEY_NUMBER_UNSET G_MAXUINT
#define TPS_PROFILE_KEY_PREFIX	     "key."

G_DEFINE_BOXED_TYPE(TpsProfileKey, tps_profile_key, tps_profile_key_copy, tps_profile_key_free)
G_DEFINE_BOXED_TYPE(TpsProfile, tps_profile, tps_profile_copy, tps_profile_free)

static const gchar *const tps_profile_keys[] = {
    "auth-enable",
    "keys",
    "pin-min-length",
    "pin-max-length",
    "pin-reset-enable",
    "token-name",
    "applet-required-version",
    "applet-directory",
    "applet-update-enroll",
    "applet-update-format",
    "applet-empty-token-ok",
    "sym-keys-update",
    "sym-keys-required-version",
    "issuer-info-enable",
    "issuer-info-value",
    "revoke-certs-on-format",
    "revoke-reason",
    "allow-unknown-token",
    "scp01-no-le-byte",
    "key-set",
    NULL,
};

static const gchar *const tps_profile_key_fields[] = {
    "ca-profile-id",
    "cert-id",
    "cert-attr-id",
    "private-key-number",
    "public-key-number",
    "algorithm",
    "key-size",
    "key-usage",
    "key-user",
    "label",
    "server-keygen",
    NULL,
};

const gchar *
tps_key_algorithm_to_string(TpsKeyAlgorithm alg)
{
	switch (alg) {
	case TPS_KEY_ALGORITHM_RSA:
		return "rsa";
	case TPS_KEY_ALGORITHM_EC_P256:
		return "ec-p256";
	}
	return "unknown";
}

gboolean
tps_key_algorithm_from_string(const gchar *str, TpsKeyAlgorithm *out)
{
	if (g_strcmp0(str, "rsa") == 0) {
		*out = TPS_KEY_ALGORITHM_RSA;
		return TRUE;
	}
	if (g_strcmp0(str, "ec-p256") == 0) {
		*out = TPS_KEY_ALGORITHM_EC_P256;
		return TRUE;
	}
	return FALSE;
}

TpsProfileKey *
tps_profile_key_new(const gchar *name_in_profile)
{
	TpsProfileKey *key = g_new0(TpsProfileKey, 1);

	key->name_in_profile = g_strdup(name_in_profile);
	key->private_key_number = TPS_PROFILE_KEY_NUMBER_UNSET;
	key->public_key_number = TPS_PROFILE_KEY_NUMBER_UNSET;
	key->key_size = 2048;
	key->alg = TPS_KEY_ALGORITHM_RSA;
	key->label = g_strdup_printf("%s key for $userid$", name_in_profile);
	return key;
}

TpsProfileKey *
tps_profile_key_new_default(const gchar *name_in_profile)
{
	TpsProfileKey *key;
	guint m;

	if (g_strcmp0(name_in_profile, "signing") == 0)
		m = 1;
	else if (g_strcmp0(name_in_profile, "encryption") == 0)
		m = 2;
	else
		return NULL;
	key = tps_profile_key_new(name_in_profile);
	key->ca_profile_id = g_strdup(m == 1 ? "caTokenUserSigningKeyEnrollment" : "caTokenUserEncryptionKeyEnrollment");
	key->cert_id = g_strdup_printf("C%u", m);
	key->cert_attr_id = g_strdup_printf("c%u", m);
	key->private_key_number = 2 * m;
	key->public_key_number = 2 * m + 1;
	return key;
}

TpsProfileKey *
tps_profile_key_copy(const TpsProfileKey *key)
{
	TpsProfileKey *copy;

	if (key == NULL)
		return NULL;
	copy = g_new0(TpsProfileKey, 1);
	*copy = *key;
	copy->name_in_profile = g_strdup(key->name_in_profile);
	copy->ca_profile_id = g_strdup(key->ca_profile_id);
	copy->cert_id = g_strdup(key->cert_id);
	copy->cert_attr_id = g_strdup(key->cert_attr_id);
	copy->label = g_strdup(key->label);
	return copy;
}

void
tps_profile_key_free(TpsProfileKey *key)
{
	if (key == NULL)
		return;
	g_free(key->name_in_profile);
	g_free(key->ca_profile_id);
	g_free(key->cert_id);
	g_free(key->cert_attr_id);
	g_free(key->label);
	g_free(key);
}

TpsProfile *
tps_profile_new(const gchar *name)
{
	TpsProfile *p = g_new0(TpsProfile, 1);

	p->name = g_strdup(name);
	p->auth_enable = TRUE;
	p->keys = g_ptr_array_new_with_free_func((GDestroyNotify)tps_profile_key_free);
	g_ptr_array_add(p->keys, tps_profile_key_new_default("signing"));
	g_ptr_array_add(p->keys, tps_profile_key_new_default("encryption"));
	p->pin_min_len = 4;
	p->pin_max_len = 10;
	p->pin_reset_enable = TRUE;
	p->token_name_template = g_strdup("$auth.cn$");
	p->applet_required_version = g_strdup(TPS_PROFILE_DEFAULT_APPLET_VERSION);
	p->applet_directory = g_strdup(TPS_PROFILE_DEFAULT_APPLET_DIRECTORY);
	p->applet_update_enroll = TRUE;
	p->applet_update_format = TRUE;
	p->applet_empty_token_ok = TRUE;
	p->sym_keys_update = FALSE;
	p->sym_keys_required_version = 1;
	p->issuer_info_enable = TRUE;
	p->issuer_info_value = NULL;
	p->revoke_certs_on_format = TRUE;
	p->revoke_reason = 0;
	p->allow_unknown_token = TRUE;
	p->scp01_no_le_byte = TRUE;
	p->key_set = g_strdup(TPS_PROFILE_DEFAULT_KEY_SET);
	return p;
}

TpsProfile *
tps_profile_new_builtin(const gchar *name)
{
	TpsProfile *p;

	if (g_strcmp0(name, TPS_PROFILE_USER_KEY) == 0)
		return tps_profile_new(name);
	if (g_strcmp0(name, TPS_PROFILE_USER_KEY_EC) != 0)
		return NULL;
	p = tps_profile_new(name);
	for (guint i = 0; i < p->keys->len; i++) {
		TpsProfileKey *key = g_ptr_array_index(p->keys, i);
		key->alg = TPS_KEY_ALGORITHM_EC_P256;
		key->key_size = TPS_PROFILE_EC_P256_KEY_SIZE;
	}
	return p;
}

TpsProfile *
tps_profile_copy(const TpsProfile *profile)
{
	TpsProfile *copy;

	if (profile == NULL)
		return NULL;
	copy = g_new0(TpsProfile, 1);
	*copy = *profile;
	copy->name = g_strdup(profile->name);
	copy->keys = g_ptr_array_new_with_free_func((GDestroyNotify)tps_profile_key_free);
	for (guint i = 0; profile->keys != NULL && i < profile->keys->len; i++)
		g_ptr_array_add(copy->keys, tps_profile_key_copy(g_ptr_array_index(profile->keys, i)));
	copy->token_name_template = g_strdup(profile->token_name_template);
	copy->applet_required_version = g_strdup(profile->applet_required_version);
	copy->applet_directory = g_strdup(profile->applet_directory);
	copy->issuer_info_value = g_strdup(profile->issuer_info_value);
	copy->key_set = g_strdup(profile->key_set);
	return copy;
}

void
tps_profile_free(TpsProfile *profile)
{
	if (profile == NULL)
		return;
	g_free(profile->name);
	g_clear_pointer(&profile->keys, g_ptr_array_unref);
	g_free(profile->token_name_template);
	g_free(profile->applet_required_version);
	g_free(profile->applet_directory);
	g_free(profile->issuer_info_value);
	g_free(profile->key_set);
	g_free(profile);
}

const TpsProfileKey *
tps_profile_get_key(const TpsProfile *profile, const gchar *name_in_profile)
{
	for (guint i = 0; profile->keys != NULL && i < profile->keys->len; i++) {
		const TpsProfileKey *key = g_ptr_array_index(profile->keys, i);
		if (g_strcmp0(key->name_in_profile, name_in_profile) == 0)
			return key;
	}
	return NULL;
}

gboolean
tps_profile_applet_version_is_valid(const gchar *version)
{
	g_auto(GStrv) parts = NULL;
	gsize build_len;

	if (version == NULL || strlen(version) > 32)
		return FALSE;
	parts = g_strsplit(version, ".", -1);
	if (g_strv_length(parts) != 3)
		return FALSE;
	for (guint i = 0; i < 2; i++) {
		gsize len = strlen(parts[i]);
		if (len == 0 || len > 3)
			return FALSE;
		for (gsize j = 0; j < len; j++) {
			if (!g_ascii_isdigit(parts[i][j]))
				return FALSE;
		}
		if (g_ascii_strtoull(parts[i], NULL, 10) > 255)
			return FALSE;
	}
	build_len = strlen(parts[2]);
	if (build_len == 0 || build_len > 8)
		return FALSE;
	for (gsize j = 0; j < build_len; j++) {
		if (!g_ascii_isxdigit(parts[2][j]))
			return FALSE;
	}
	return TRUE;
}

static gboolean
tps_profile_key_name_is_valid(const gchar *name)
{
	gsize len = strlen(name);

	if (len == 0 || len > 32)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

/* "C<digit>" / "c<digit>": the digit, or -1. */
static gint
tps_profile_cert_index(const gchar *id, gchar letter)
{
	if (id == NULL || strlen(id) != 2 || id[0] != letter || !g_ascii_isdigit(id[1]))
		return -1;
	return id[1] - '0';
}

static gboolean
tps_profile_key_validate(const TpsProfile *profile, const TpsProfileKey *key, GError **error)
{
	g_autofree gchar *group = g_strdup_printf("profile:%s", profile->name);
	g_autofree gchar *prefix = g_strdup_printf("key.%s", key->name_in_profile);
	g_autofree gchar *k = NULL;
	gint m;

	if (key->ca_profile_id == NULL || !tps_config_value_is_name(key->ca_profile_id)) {
		k = g_strconcat(prefix, ".ca-profile-id", NULL);
		return tps_config_value_bad(error, group, k, "required: a CA profile name (A-Z a-z 0-9 _ . -)");
	}
	m = tps_profile_cert_index(key->cert_id, 'C');
	if (m < 0 || m > 4) {
		k = g_strconcat(prefix, ".cert-id", NULL);
		return tps_config_value_bad(error, group, k, "required: C0 to C4");
	}
	if (tps_profile_cert_index(key->cert_attr_id, 'c') != m) {
		k = g_strconcat(prefix, ".cert-attr-id", NULL);
		return tps_config_value_bad(error, group, k, "must be c%d to pair with %s", m, key->cert_id);
	}
	if (key->private_key_number != (guint)(2 * m)) {
		k = g_strconcat(prefix, ".private-key-number", NULL);
		return tps_config_value_bad(error,
					    group,
					    k,
					    "must be %d: certificate %s pairs with keys k%d and k%d",
					    2 * m,
					    key->cert_id,
					    2 * m,
					    2 * m + 1);
	}
	if (key->public_key_number != (guint)(2 * m + 1)) {
		k = g_strconcat(prefix, ".public-key-number", NULL);
		return tps_config_value_bad(error,
					    group,
					    k,
					    "must be %d: certificate %s pairs with keys k%d and k%d",
					    2 * m + 1,
					    key->cert_id,
					    2 * m,
					    2 * m + 1);
	}
	if ((key->alg == TPS_KEY_ALGORITHM_RSA && key->key_size != 1024 && key->key_size != 2048) ||
	    (key->alg == TPS_KEY_ALGORITHM_EC_P256 && key->key_size != 256)) {
		k = g_strconcat(prefix, ".key-size", NULL);
		return tps_config_value_bad(error,
					    group,
					    k,
					    "%u bits is not possible for %s (rsa: 1024 or 2048, ec-p256: 256)",
					    key->key_size,
					    tps_key_algorithm_to_string(key->alg));
	}
	if (key->key_usage > 15 || key->key_user > 15) {
		k = g_strconcat(prefix, key->key_usage > 15 ? ".key-usage" : ".key-user", NULL);
		return tps_config_value_bad(error, group, k, "expected 0..15");
	}
	if (key->label == NULL) {
		k = g_strconcat(prefix, ".label", NULL);
		return tps_config_value_bad(error, group, k, "required");
	}
	if (key->server_keygen) {
		k = g_strconcat(prefix, ".server-keygen", NULL);
		return tps_config_value_bad(error, group, k, "server-side key generation needs a KRA, which is not supported");
	}
	return TRUE;
}

gboolean
tps_profile_validate(const TpsProfile *profile, GError **error)
{
	g_autofree gchar *group = g_strdup_printf("profile:%s", profile->name);
	guint seen_cert = 0;

	if (profile->keys == NULL || profile->keys->len == 0)
		return tps_config_value_bad(error, group, "keys", "a profile needs at least one key");
	if (profile->keys->len > TPS_PROFILE_KEYS_MAX)
		return tps_config_value_bad(error, group, "keys", "at most %u keys", (guint)TPS_PROFILE_KEYS_MAX);
	for (guint i = 0; i < profile->keys->len; i++) {
		const TpsProfileKey *key = g_ptr_array_index(profile->keys, i);
		gint m;
		if (!tps_profile_key_validate(profile, key, error))
			return FALSE;
		m = tps_profile_cert_index(key->cert_id, 'C');
		if ((seen_cert & (1u << m)) != 0) {
			g_autofree gchar *k = g_strdup_printf("key.%s.cert-id", key->name_in_profile);
			return tps_config_value_bad(error, group, k, "%s is used by two keys", key->cert_id);
		}
		seen_cert |= 1u << m;
	}
	if (profile->pin_min_len < 1 || profile->pin_min_len > TPS_PROFILE_PIN_LENGTH_MAX)
		return tps_config_value_bad(error, group, "pin-min-length", "expected 1..%u", (guint)TPS_PROFILE_PIN_LENGTH_MAX);
	if (profile->pin_max_len < profile->pin_min_len || profile->pin_max_len > TPS_PROFILE_PIN_LENGTH_MAX)
		return tps_config_value_bad(error,
					    group,
					    "pin-max-length",
					    "expected pin-min-length (%u)..%u",
					    profile->pin_min_len,
					    (guint)TPS_PROFILE_PIN_LENGTH_MAX);
	if (!tps_profile_applet_version_is_valid(profile->applet_required_version))
		return tps_config_value_bad(error, group, "applet-required-version", "expected <major>.<minor>.<build hex>");
	if (profile->sym_keys_required_version < 1 || profile->sym_keys_required_version > 255)
		return tps_config_value_bad(error, group, "sym-keys-required-version", "expected 1..255");
	if (profile->revoke_reason > 10 || profile->revoke_reason == 7)
		return tps_config_value_bad(error, group, "revoke-reason", "not an RFC 5280 reason code");
	if (!tps_config_value_is_name(profile->key_set))
		return tps_config_value_bad(error, group, "key-set", "expected a key set name (A-Z a-z 0-9 _ . -)");
	if (profile->issuer_info_value != NULL && strlen(profile->issuer_info_value) > 223)
		return tps_config_value_bad(error, group, "issuer-info-value", "longer than 223 bytes (the card holds 224, NUL-terminated)");
	return TRUE;
}

static gboolean
tps_profile_read_keys_list(TpsProfile *profile, GKeyFile *kf, const gchar *group, GError **error)
{
	g_autofree gchar *value = NULL;
	g_auto(GStrv) names = NULL;
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func((GDestroyNotify)tps_profile_key_free);

	if (!tps_config_value_get_string(kf, group, "keys", FALSE, &value, error))
		return FALSE;
	names = g_strsplit(value, ",", -1);
	for (guint i = 0; names[i] != NULL; i++) {
		const gchar *name = g_strstrip(names[i]);
		const TpsProfileKey *existing;
		g_autofree gchar *quoted = tps_config_value_quote(name);
		if (!tps_profile_key_name_is_valid(name))
			return tps_config_value_bad(error, group, "keys", "bad key name %s (A-Z a-z 0-9 _ -)", quoted);
		for (guint j = 0; j < keys->len; j++) {
			const TpsProfileKey *k = g_ptr_array_index(keys, j);
			if (g_strcmp0(k->name_in_profile, name) == 0)
				return tps_config_value_bad(error, group, "keys", "key %s listed twice", quoted);
		}
		if (keys->len >= TPS_PROFILE_KEYS_MAX)
			return tps_config_value_bad(error, group, "keys", "at most %u keys", (guint)TPS_PROFILE_KEYS_MAX);
		existing = tps_profile_get_key(profile, name);
		if (existing != NULL)
			g_ptr_array_add(keys, tps_profile_key_copy(existing));
		else if (g_strcmp0(name, "signing") == 0 || g_strcmp0(name, "encryption") == 0)
			g_ptr_array_add(keys, tps_profile_key_new_default(name));
		else
			g_ptr_array_add(keys, tps_profile_key_new(name));
	}
	g_ptr_array_unref(profile->keys);
	profile->keys = g_steal_pointer(&keys);
	return TRUE;
}

static gboolean
tps_profile_read_key_field(TpsProfile *profile, GKeyFile *kf, const gchar *group, const gchar *key, GError **error)
{
	const gchar *rest = key + strlen(TPS_PROFILE_KEY_PREFIX);
	const gchar *dot = strchr(rest, '.');
	g_autofree gchar *name = NULL;
	const gchar *field;
	TpsProfileKey *pk = NULL;
	guint64 v = 0;

	if (dot == NULL)
		return tps_config_value_bad(error, group, key, "unknown key (expected key.<name>.<field>)");
	name = g_strndup(rest, (gsize)(dot - rest));
	field = dot + 1;
	for (guint i = 0; i < profile->keys->len; i++) {
		TpsProfileKey *k = g_ptr_array_index(profile->keys, i);
		if (g_strcmp0(k->name_in_profile, name) == 0)
			pk = k;
	}
	if (pk == NULL)
		return tps_config_value_bad(error, group, key, "no key of this name in the profile's keys list");
	if (!tps_config_value_key_known(field, tps_profile_key_fields))
		return tps_config_value_bad(error, group, key, "unknown key");
	if (g_strcmp0(field, "ca-profile-id") == 0 || g_strcmp0(field, "cert-id") == 0 ||
	    g_strcmp0(field, "cert-attr-id") == 0) {
		g_autofree gchar *s = NULL;
		if (!tps_config_value_get_string(kf, group, key, FALSE, &s, error))
			return FALSE;
		if (g_strcmp0(field, "ca-profile-id") == 0) {
			if (!tps_config_value_is_name(s))
				return tps_config_value_bad(error, group, key, "expected a CA profile name (A-Z a-z 0-9 _ . -)");
			g_free(pk->ca_profile_id);
			pk->ca_profile_id = g_steal_pointer(&s);
		} else if (g_strcmp0(field, "cert-id") == 0) {
			if (tps_profile_cert_index(s, 'C') < 0)
				return tps_config_value_bad(error, group, key, "expected C0 to C4");
			g_free(pk->cert_id);
			pk->cert_id = g_steal_pointer(&s);
		} else {
			if (tps_profile_cert_index(s, 'c') < 0)
				return tps_config_value_bad(error, group, key, "expected c0 to c4");
			g_free(pk->cert_attr_id);
			pk->cert_attr_id = g_steal_pointer(&s);
		}
	} else if (g_strcmp0(field, "private-key-number") == 0 || g_strcmp0(field, "public-key-number") == 0) {
		if (!tps_config_value_get_uint(kf, group, key, 0, 9, &v, error))
			return FALSE;
		if (g_strcmp0(field, "private-key-number") == 0)
			pk->private_key_number = (guint)v;
		else
			pk->public_key_number = (guint)v;
	} else if (g_strcmp0(field, "algorithm") == 0) {
		g_autofree gchar *s = NULL;
		if (!tps_config_value_get_string(kf, group, key, FALSE, &s, error))
			return FALSE;
		if (!tps_key_algorithm_from_string(s, &pk->alg))
			return tps_config_value_bad(error, group, key, "expected rsa or ec-p256");
	} else if (g_strcmp0(field, "key-size") == 0) {
		if (!tps_config_value_get_uint(kf, group, key, 256, 4096, &v, error))
			return FALSE;
		pk->key_size = (guint)v;
	} else if (g_strcmp0(field, "key-usage") == 0 || g_strcmp0(field, "key-user") == 0) {
		if (!tps_config_value_get_uint(kf, group, key, 0, 15, &v, error))
			return FALSE;
		if (g_strcmp0(field, "key-usage") == 0)
			pk->key_usage = (guint)v;
		else
			pk->key_user = (guint)v;
	} else if (g_strcmp0(field, "label") == 0) {
		g_autofree gchar *s = NULL;
		if (!tps_config_value_get_string(kf, group, key, FALSE, &s, error))
			return FALSE;
		g_free(pk->label);
		pk->label = g_steal_pointer(&s);
	} else {
		if (!tps_config_value_get_bool(kf, group, key, &pk->server_keygen, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
tps_profile_read_bool(GKeyFile *kf, const gchar *group, const gchar *key, const gchar *want, gboolean *out, GError **error)
{
	if (g_strcmp0(key, want) != 0)
		return TRUE;
	return tps_config_value_get_bool(kf, group, key, out, error);
}

gboolean
tps_profile_load_from_key_file(TpsProfile *profile,
			       GKeyFile *kf,
			       const gchar *group,
			       const gchar *base_dir,
			       GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
	guint64 v = 0;

	if (keys == NULL)
		return tps_config_value_bad(error, group, NULL, "no such group");
	/* the keys list first: key.<name>.* refer to it */
	if (g_key_file_has_key(kf, group, "keys", NULL) &&
	    !tps_profile_read_keys_list(profile, kf, group, error))
		return FALSE;
	for (guint i = 0; keys[i] != NULL; i++) {
		const gchar *key = keys[i];
		gboolean ok = TRUE;

		if (g_str_has_prefix(key, TPS_PROFILE_KEY_PREFIX)) {
			if (!tps_profile_read_key_field(profile, kf, group, key, error))
				return FALSE;
			continue;
		}
		if (!tps_config_value_key_known(key, tps_profile_keys))
			return tps_config_value_bad(error, group, key, "unknown key");
		ok = tps_profile_read_bool(kf, group, key, "auth-enable", &profile->auth_enable, error) &&
		     tps_profile_read_bool(kf, group, key, "pin-reset-enable", &profile->pin_reset_enable, error) &&
		     tps_profile_read_bool(kf, group, key, "applet-update-enroll", &profile->applet_update_enroll, error) &&
		     tps_profile_read_bool(kf, group, key, "applet-update-format", &profile->applet_update_format, error) &&
		     tps_profile_read_bool(kf, group, key, "applet-empty-token-ok", &profile->applet_empty_token_ok, error) &&
		     tps_profile_read_bool(kf, group, key, "sym-keys-update", &profile->sym_keys_update, error) &&
		     tps_profile_read_bool(kf, group, key, "issuer-info-enable", &profile->issuer_info_enable, error) &&
		     tps_profile_read_bool(kf, group, key, "revoke-certs-on-format", &profile->revoke_certs_on_format, error) &&
		     tps_profile_read_bool(kf, group, key, "allow-unknown-token", &profile->allow_unknown_token, error) &&
		     tps_profile_read_bool(kf, group, key, "scp01-no-le-byte", &profile->scp01_no_le_byte, error);
		if (!ok)
			return FALSE;
		if (g_strcmp0(key, "pin-min-length") == 0 || g_strcmp0(key, "pin-max-length") == 0) {
			if (!tps_config_value_get_uint(kf, group, key, 1, TPS_PROFILE_PIN_LENGTH_MAX, &v, error))
				return FALSE;
			if (g_strcmp0(key, "pin-min-length") == 0)
				profile->pin_min_len = (guint)v;
			else
				profile->pin_max_len = (guint)v;
		} else if (g_strcmp0(key, "sym-keys-required-version") == 0) {
			if (!tps_config_value_get_uint(kf, group, key, 1, 255, &v, error))
				return FALSE;
			profile->sym_keys_required_version = (guint)v;
		} else if (g_strcmp0(key, "revoke-reason") == 0) {
			if (!tps_config_value_get_uint(kf, group, key, 0, 10, &v, error))
				return FALSE;
			if (v == 7)
				return tps_config_value_bad(error, group, key, "7 is not an RFC 5280 reason code");
			profile->revoke_reason = (guint)v;
		} else if (g_strcmp0(key, "token-name") == 0) {
			g_autofree gchar *s = NULL;
			if (!tps_config_value_get_string(kf, group, key, FALSE, &s, error))
				return FALSE;
			g_free(profile->token_name_template);
			profile->token_name_template = g_steal_pointer(&s);
		} else if (g_strcmp0(key, "applet-required-version") == 0) {
			g_autofree gchar *s = NULL;
			if (!tps_config_value_get_string(kf, group, key, FALSE, &s, error))
				return FALSE;
			if (!tps_profile_applet_version_is_valid(s)) {
				g_autofree gchar *quoted = tps_config_value_quote(s);
				return tps_config_value_bad(error,
							    group,
							    key,
							    "expected <major>.<minor>.<build hex> like 1.4.58768072, got %s",
							    quoted);
			}
			g_free(profile->applet_required_version);
			profile->applet_required_version = g_steal_pointer(&s);
		} else if (g_strcmp0(key, "applet-directory") == 0) {
			g_autofree gchar *s = NULL;
			if (!tps_config_value_get_path(kf, group, key, base_dir, &s, error))
				return FALSE;
			g_free(profile->applet_directory);
			profile->applet_directory = g_steal_pointer(&s);
		} else if (g_strcmp0(key, "issuer-info-value") == 0) {
			g_autofree gchar *s = NULL;
			if (!tps_config_value_get_url(kf, group, key, FALSE, &s, error))
				return FALSE;
			if (strlen(s) > 223)
				return tps_config_value_bad(error, group, key, "longer than 223 bytes (the card holds 224, NUL-terminated)");
			g_free(profile->issuer_info_value);
			profile->issuer_info_value = g_steal_pointer(&s);
		} else if (g_strcmp0(key, "key-set") == 0) {
			g_autofree gchar *s = NULL;
			if (!tps_config_value_get_string(kf, group, key, FALSE, &s, error))
				return FALSE;
			if (!tps_config_value_is_name(s))
				return tps_config_value_bad(error, group, key, "expected a key set name (A-Z a-z 0-9 _ . -)");
			g_free(profile->key_set);
			profile->key_set = g_steal_pointer(&s);
		}
	}
	return TRUE;
}

void
tps_profile_save_to_key_file(const TpsProfile *profile, GKeyFile *kf, const gchar *group)
{
	g_autoptr(GString) names = g_string_new(NULL);

	g_key_file_set_boolean(kf, group, "auth-enable", profile->auth_enable);
	for (guint i = 0; i < profile->keys->len; i++) {
		const TpsProfileKey *k = g_ptr_array_index(profile->keys, i);
		if (i > 0)
			g_string_append_c(names, ',');
		g_string_append(names, k->name_in_profile);
	}
	g_key_file_set_string(kf, group, "keys", names->str);
	g_key_file_set_uint64(kf, group, "pin-min-length", profile->pin_min_len);
	g_key_file_set_uint64(kf, group, "pin-max-length", profile->pin_max_len);
	g_key_file_set_boolean(kf, group, "pin-reset-enable", profile->pin_reset_enable);
	g_key_file_set_string(kf, group, "token-name", profile->token_name_template);
	g_key_file_set_string(kf, group, "applet-required-version", profile->applet_required_version);
	g_key_file_set_string(kf, group, "applet-directory", profile->applet_directory);
	g_key_file_set_boolean(kf, group, "applet-update-enroll", profile->applet_update_enroll);
	g_key_file_set_boolean(kf, group, "applet-update-format", profile->applet_update_format);
	g_key_file_set_boolean(kf, group, "applet-empty-token-ok", profile->applet_empty_token_ok);
	g_key_file_set_boolean(kf, group, "sym-keys-update", profile->sym_keys_update);
	g_key_file_set_uint64(kf, group, "sym-keys-required-version", profile->sym_keys_required_version);
	g_key_file_set_boolean(kf, group, "issuer-info-enable", profile->issuer_info_enable);
	if (profile->issuer_info_value != NULL)
		g_key_file_set_string(kf, group, "issuer-info-value", profile->issuer_info_value);
	g_key_file_set_boolean(kf, group, "revoke-certs-on-format", profile->revoke_certs_on_format);
	g_key_file_set_uint64(kf, group, "revoke-reason", profile->revoke_reason);
	g_key_file_set_boolean(kf, group, "allow-unknown-token", profile->allow_unknown_token);
	g_key_file_set_boolean(kf, group, "scp01-no-le-byte", profile->scp01_no_le_byte);
	g_key_file_set_string(kf, group, "key-set", profile->key_set);
	for (guint i = 0; i < profile->keys->len; i++) {
		const TpsProfileKey *k = g_ptr_array_index(profile->keys, i);
		g_autofree gchar *p = g_strdup_printf("key.%s.", k->name_in_profile);
		g_autofree gchar *k1 = g_strconcat(p, "ca-profile-id", NULL);
		g_autofree gchar *k2 = g_strconcat(p, "cert-id", NULL);
		g_autofree gchar *k3 = g_strconcat(p, "cert-attr-id", NULL);
		g_autofree gchar *k4 = g_strconcat(p, "private-key-number", NULL);
		g_autofree gchar *k5 = g_strconcat(p, "public-key-number", NULL);
		g_autofree gchar *k6 = g_strconcat(p, "algorithm", NULL);
		g_autofree gchar *k7 = g_strconcat(p, "key-size", NULL);
		g_autofree gchar *k8 = g_strconcat(p, "key-usage", NULL);
		g_autofree gchar *k9 = g_strconcat(p, "key-user", NULL);
		g_autofree gchar *k10 = g_strconcat(p, "label", NULL);
		g_autofree gchar *k11 = g_strconcat(p, "server-keygen", NULL);
		if (k->ca_profile_id != NULL)
			g_key_file_set_string(kf, group, k1, k->ca_profile_id);
		if (k->cert_id != NULL)
			g_key_file_set_string(kf, group, k2, k->cert_id);
		if (k->cert_attr_id != NULL)
			g_key_file_set_string(kf, group, k3, k->cert_attr_id);
		if (k->private_key_number != TPS_PROFILE_KEY_NUMBER_UNSET)
			g_key_file_set_uint64(kf, group, k4, k->private_key_number);
		if (k->public_key_number != TPS_PROFILE_KEY_NUMBER_UNSET)
			g_key_file_set_uint64(kf, group, k5, k->public_key_number);
		g_key_file_set_string(kf, group, k6, tps_key_algorithm_to_string(k->alg));
		g_key_file_set_uint64(kf, group, k7, k->key_size);
		g_key_file_set_uint64(kf, group, k8, k->key_usage);
		g_key_file_set_uint64(kf, group, k9, k->key_user);
		if (k->label != NULL)
			g_key_file_set_string(kf, group, k10, k->label);
		g_key_file_set_boolean(kf, group, k11, k->server_keygen);
	}
}
