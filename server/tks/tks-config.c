/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-config.h"

#include <string.h>

#include "tks-error.h"

#define TKS_CONFIG_GROUP_TKS	 "tks"
#define TKS_CONFIG_GROUP_KEY_SET "key-set "

typedef struct {
	const gchar *vendor;
	guint8 first[3]; /* first byte of ENC, MAC, KEK: each key is first, first + 1, ... */
} TksDeveloperVendor;

/* Dogtag TKS CS.cfg developer key sets (protocol.md 3.4). */
static const TksDeveloperVendor tks_developer_vendors[] = {
    {"defKeySet", {0x40, 0x40, 0x40}},
    {"jForte", {0x30, 0x40, 0x50}},
};

static const gchar *const tks_key_set_keys[] = {
    "developer-keys",
    "nistSP800-108KdfOnKeyVersion",
    "nistSP800-108KdfUseCuidAsKdd",
    "scp01.divers",
    "scp02.divers",
    "prot3.divers",
    "prot3.diversVer1Keys",
};

const gchar *
tks_diversification_to_string(TokGpDiversification method)
{
	switch (method) {
	case TOK_GP_DIVERSIFY_NONE:
		return "none";
	case TOK_GP_DIVERSIFY_VISA2:
		return "visa2";
	case TOK_GP_DIVERSIFY_EMV:
		return "emv";
	case TOK_GP_DIVERSIFY_NIST_SP800_108:
		return "nist-sp800-108";
	case TOK_GP_DIVERSIFY_GPKMC:
		return "gpkmc";
	}
	return "unknown";
}

static gboolean
tks_diversification_from_string(const gchar *str, TokGpDiversification *out)
{
	const TokGpDiversification all[] = {TOK_GP_DIVERSIFY_NONE,
					    TOK_GP_DIVERSIFY_VISA2,
					    TOK_GP_DIVERSIFY_EMV,
					    TOK_GP_DIVERSIFY_NIST_SP800_108,
					    TOK_GP_DIVERSIFY_GPKMC};
	for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
		if (g_strcmp0(str, tks_diversification_to_string(all[i])) == 0) {
			*out = all[i];
			return TRUE;
		}
	}
	return FALSE;
}

TokSecret *
tks_config_get_developer_keys(const gchar *vendor)
{
	for (guint i = 0; i < G_N_ELEMENTS(tks_developer_vendors); i++) {
		const TksDeveloperVendor *v = &tks_developer_vendors[i];
		TokSecret *value;
		guint8 *data;

		if (g_strcmp0(vendor, v->vendor) != 0)
			continue;
		value = tok_secret_new(48);
		data = tok_secret_get_mutable_data(value);
		for (guint k = 0; k < 3; k++) {
			for (guint j = 0; j < 16; j++)
				data[k * 16 + j] = (guint8)(v->first[k] + j);
		}
		return value;
	}
	return NULL;
}

static void
tks_key_set_config_free(TksKeySetConfig *ks)
{
	g_free(ks->name);
	g_free(ks->developer_vendor);
	g_free(ks);
}

static TksKeySetConfig *
tks_key_set_config_new_default(const gchar *name)
{
	TksKeySetConfig *ks = g_new0(TksKeySetConfig, 1);
	g_autoptr(TokSecret) dev = tks_config_get_developer_keys(name);

	ks->name = g_strdup(name);
	ks->developer_vendor = dev != NULL ? g_strdup(name) : NULL;
	ks->scp_divers_auto[0] = TRUE;
	ks->scp_divers_auto[1] = TRUE;
	ks->scp03_master = TOK_GP_DIVERSIFY_EMV;
	ks->scp03_developer = TOK_GP_DIVERSIFY_EMV;
	ks->nist_on_key_version = 0x00;
	ks->use_cuid_as_kdd = FALSE;
	return ks;
}

static gboolean
tks_config_bad(GError **error, const gchar *group, const gchar *key, const gchar *why)
{
	g_set_error(error, TKS_ERROR, TKS_ERROR_CONFIG, "configuration [%s] %s: %s", group, key, why);
	return FALSE;
}

static gboolean
tks_config_parse_key_set(TksKeySetConfig *ks, GKeyFile *kf, const gchar *group, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

	for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
		const gchar *key = keys[i];
		g_autofree gchar *value = g_key_file_get_value(kf, group, key, NULL);
		gboolean known = FALSE;

		for (guint j = 0; j < G_N_ELEMENTS(tks_key_set_keys); j++)
			known = known || g_strcmp0(key, tks_key_set_keys[j]) == 0;
		if (!known)
			return tks_config_bad(error, group, key, "unknown option");
		if (value == NULL)
			return tks_config_bad(error, group, key, "no value");
		g_strstrip(value);
		if (g_strcmp0(key, "developer-keys") == 0) {
			g_autoptr(TokSecret) dev = tks_config_get_developer_keys(value);
			if (dev == NULL && g_strcmp0(value, "none") != 0)
				return tks_config_bad(error, group, key, "expected defKeySet, jForte or none");
			g_free(ks->developer_vendor);
			ks->developer_vendor = dev != NULL ? g_strdup(value) : NULL;
		} else if (g_strcmp0(key, "nistSP800-108KdfOnKeyVersion") == 0) {
			guint64 v = 0;
			if (strlen(value) > 2 || !g_ascii_string_to_unsigned(value, 16, 0, 0xFF, &v, NULL))
				return tks_config_bad(error, group, key, "expected a hex key version 00..FF");
			ks->nist_on_key_version = (guint8)v;
		} else if (g_strcmp0(key, "nistSP800-108KdfUseCuidAsKdd") == 0) {
			if (g_strcmp0(value, "true") == 0)
				ks->use_cuid_as_kdd = TRUE;
			else if (g_strcmp0(value, "false") == 0)
				ks->use_cuid_as_kdd = FALSE;
			else
				return tks_config_bad(error, group, key, "expected true or false");
		} else if (g_str_has_prefix(key, "scp0")) {
			guint idx = key[4] == '1' ? 0 : 1;
			TokGpDiversification m = TOK_GP_DIVERSIFY_NONE;
			if (g_strcmp0(value, "auto") == 0) {
				ks->scp_divers_auto[idx] = TRUE;
			} else if (tks_diversification_from_string(value, &m) && m != TOK_GP_DIVERSIFY_GPKMC) {
				ks->scp_divers_auto[idx] = FALSE;
				ks->scp_divers[idx] = m;
			} else {
				return tks_config_bad(error, group, key, "expected auto, visa2, emv, nist-sp800-108 or none");
			}
		} else {
			TokGpDiversification m = TOK_GP_DIVERSIFY_NONE;
			gboolean master = g_strcmp0(key, "prot3.divers") == 0;
			if (!tks_diversification_from_string(value, &m) || m == TOK_GP_DIVERSIFY_NIST_SP800_108 ||
			    (!master && m == TOK_GP_DIVERSIFY_GPKMC))
				return tks_config_bad(error,
						      group,
						      key,
						      master ? "expected emv, visa2, gpkmc or none" : "expected emv, visa2 or none");
			if (master)
				ks->scp03_master = m;
			else
				ks->scp03_developer = m;
		}
	}
	return TRUE;
}

TksConfig *
tks_config_new(GKeyFile *keyfile, GError **error)
{
	g_autoptr(TksConfig) config = g_new0(TksConfig, 1);
	g_auto(GStrv) groups = NULL;

	config->encrypt_data_random = TRUE;
	config->key_sets = g_hash_table_new_full(g_str_hash,
						 g_str_equal,
						 NULL,
						 (GDestroyNotify)tks_key_set_config_free);
	if (keyfile == NULL) {
		TksKeySetConfig *ks = tks_key_set_config_new_default(TKS_CONFIG_DEFAULT_KEY_SET);
		g_hash_table_insert(config->key_sets, ks->name, ks);
		return g_steal_pointer(&config);
	}
	groups = g_key_file_get_groups(keyfile, NULL);
	for (guint i = 0; groups[i] != NULL; i++) {
		const gchar *group = groups[i];
		if (g_strcmp0(group, TKS_CONFIG_GROUP_TKS) == 0) {
			g_auto(GStrv) keys = g_key_file_get_keys(keyfile, group, NULL, NULL);
			for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
				g_autoptr(GError) error_local = NULL;
				if (g_strcmp0(keys[j], "encrypt-data-random") != 0) {
					tks_config_bad(error, group, keys[j], "unknown option");
					return NULL;
				}
				config->encrypt_data_random = g_key_file_get_boolean(keyfile, group, keys[j], &error_local);
				if (error_local != NULL) {
					tks_config_bad(error, group, keys[j], "expected true or false");
					return NULL;
				}
			}
		} else if (g_str_has_prefix(group, TKS_CONFIG_GROUP_KEY_SET)) {
			const gchar *name = group + strlen(TKS_CONFIG_GROUP_KEY_SET);
			TksKeySetConfig *ks;
			if (!tks_key_set_name_is_valid(name) || g_hash_table_contains(config->key_sets, name)) {
				g_set_error(error, TKS_ERROR, TKS_ERROR_CONFIG, "configuration [%s]: invalid or repeated key set name", group);
				return NULL;
			}
			ks = tks_key_set_config_new_default(name);
			g_hash_table_insert(config->key_sets, ks->name, ks);
			if (!tks_config_parse_key_set(ks, keyfile, group, error))
				return NULL;
		} else {
			g_set_error(error, TKS_ERROR, TKS_ERROR_CONFIG, "configuration: unknown group [%s]", group);
			return NULL;
		}
	}
	if (g_hash_table_size(config->key_sets) == 0) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_CONFIG, "configuration: no [key-set NAME] group");
		return NULL;
	}
	return g_steal_pointer(&config);
}

void
tks_config_free(TksConfig *config)
{
	if (config == NULL)
		return;
	g_clear_pointer(&config->key_sets, g_hash_table_unref);
	g_free(config);
}

const TksKeySetConfig *
tks_config_get_key_set(const TksConfig *config, const gchar *name)
{
	if (name == NULL)
		return NULL;
	return g_hash_table_lookup(config->key_sets, name);
}

void
tks_key_set_config_derive_params(const TksKeySetConfig *ks,
				 TokGpScp scp,
				 TksKeyKind kind,
				 guint8 version,
				 const guint8 kdd[TOK_GP_KDD_SIZE],
				 const guint8 cuid[TOK_GP_CUID_SIZE],
				 TksDeriveParams *out)
{
	for (guint i = 0; i < TOK_GP_KDD_SIZE; i++)
		out->kdd[i] = kdd[i];
	for (guint i = 0; i < TOK_GP_CUID_SIZE; i++)
		out->cuid[i] = cuid[i];
	out->context_is_cuid = ks->use_cuid_as_kdd;
	if (scp == TOK_GP_SCP03) {
		out->result_type = TOK_GP_KEY_TYPE_AES;
		out->method = kind == TKS_KEY_KIND_DEVELOPER ? ks->scp03_developer : ks->scp03_master;
		return;
	}
	out->result_type = TOK_GP_KEY_TYPE_DES3;
	if (kind == TKS_KEY_KIND_DEVELOPER) {
		out->method = TOK_GP_DIVERSIFY_NONE;
		return;
	}
	if (!ks->scp_divers_auto[scp == TOK_GP_SCP01 ? 0 : 1]) {
		out->method = ks->scp_divers[scp == TOK_GP_SCP01 ? 0 : 1];
		return;
	}
	out->method = version >= ks->nist_on_key_version ? TOK_GP_DIVERSIFY_NIST_SP800_108 : TOK_GP_DIVERSIFY_VISA2;
}
