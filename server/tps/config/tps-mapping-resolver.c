/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-mapping-resolver.h"

#include <string.h>

#include "tps-config-value.h"
#include "tps-error.h"

#define TPS_MAPPING_CUID_LENGTH 20
#define TPS_MAPPING_ATR_MAX_HEX 66 /* 33 bytes, the longest ATR */

struct _TpsMappingResolver {
	GObject parent_instance;
	TpsResolverKind kind;
	GPtrArray *mappings; /* of TpsMapping */
};

G_DEFINE_TYPE(TpsMappingResolver, tps_mapping_resolver, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE(TpsMapping, tps_mapping, tps_mapping_copy, tps_mapping_free)

static const gchar *const tps_mapping_keys[] = {
    "filter.appletMajorVersion",
    "filter.appletMinorVersion",
    "filter.tokenType",
    "filter.keySet",
    "filter.tokenATR",
    "filter.tokenCUID.start",
    "filter.tokenCUID.end",
    "target",
    NULL,
};

const gchar *
tps_resolver_kind_to_string(TpsResolverKind kind)
{
	switch (kind) {
	case TPS_RESOLVER_ENROLL:
		return "enroll";
	case TPS_RESOLVER_FORMAT:
		return "format";
	case TPS_RESOLVER_PIN_RESET:
		return "pin-reset";
	case TPS_RESOLVER_KEY_SET:
		return "key-set";
	}
	return "unknown";
}

gboolean
tps_resolver_kind_from_string(const gchar *str, TpsResolverKind *out)
{
	for (guint i = 0; i < TPS_RESOLVER_KIND_COUNT; i++) {
		if (g_strcmp0(str, tps_resolver_kind_to_string((TpsResolverKind)i)) == 0) {
			*out = (TpsResolverKind)i;
			return TRUE;
		}
	}
	return FALSE;
}

gboolean
tps_mapping_cuid_is_valid(const gchar *cuid)
{
	if (cuid == NULL || strlen(cuid) != TPS_MAPPING_CUID_LENGTH)
		return FALSE;
	for (guint i = 0; i < TPS_MAPPING_CUID_LENGTH; i++) {
		if (!g_ascii_isxdigit(cuid[i]))
			return FALSE;
	}
	return TRUE;
}

TpsMapping *
tps_mapping_new(guint order, const gchar *target)
{
	TpsMapping *m = g_new0(TpsMapping, 1);

	m->order = order;
	m->applet_major = -1;
	m->applet_minor = -1;
	m->target = g_strdup(target);
	return m;
}

TpsMapping *
tps_mapping_copy(const TpsMapping *mapping)
{
	TpsMapping *copy;

	if (mapping == NULL)
		return NULL;
	copy = g_new0(TpsMapping, 1);
	*copy = *mapping;
	copy->token_type = g_strdup(mapping->token_type);
	copy->key_set = g_strdup(mapping->key_set);
	copy->token_atr = g_strdup(mapping->token_atr);
	copy->cuid_start = g_strdup(mapping->cuid_start);
	copy->cuid_end = g_strdup(mapping->cuid_end);
	copy->target = g_strdup(mapping->target);
	return copy;
}

void
tps_mapping_free(TpsMapping *mapping)
{
	if (mapping == NULL)
		return;
	g_free(mapping->token_type);
	g_free(mapping->key_set);
	g_free(mapping->token_atr);
	g_free(mapping->cuid_start);
	g_free(mapping->cuid_end);
	g_free(mapping->target);
	g_free(mapping);
}

/* An absent filter passes; a present one needs a known, equal parameter. */
static gboolean
tps_mapping_string_passes(const gchar *filter, const gchar *param)
{
	if (filter == NULL)
		return TRUE;
	return param != NULL && g_strcmp0(filter, param) == 0;
}

gboolean
tps_mapping_matches(const TpsMapping *mapping, const TpsMappingParams *params)
{
	if (!tps_mapping_string_passes(mapping->token_type, params->token_type))
		return FALSE;
	if (!tps_mapping_string_passes(mapping->key_set, params->key_set))
		return FALSE;
	if (!tps_mapping_string_passes(mapping->token_atr, params->token_atr))
		return FALSE;
	if (mapping->cuid_start != NULL || mapping->cuid_end != NULL) {
		if (!tps_mapping_cuid_is_valid(params->cuid))
			return FALSE;
		if (mapping->cuid_start != NULL && g_ascii_strcasecmp(params->cuid, mapping->cuid_start) < 0)
			return FALSE;
		if (mapping->cuid_end != NULL && g_ascii_strcasecmp(params->cuid, mapping->cuid_end) > 0)
			return FALSE;
	}
	if (mapping->applet_major >= 0 && mapping->applet_major != params->applet_major)
		return FALSE;
	if (mapping->applet_minor >= 0 && mapping->applet_minor != params->applet_minor)
		return FALSE;
	return TRUE;
}

static gboolean
tps_mapping_read_version(GKeyFile *kf, const gchar *group, const gchar *key, gint *out, GError **error)
{
	g_autofree gchar *raw = g_key_file_get_value(kf, group, key, NULL);
	guint64 v = 0;

	if (raw != NULL && raw[0] == '\0') {
		*out = -1;
		return TRUE;
	}
	if (!tps_config_value_get_uint(kf, group, key, 0, 255, &v, error))
		return FALSE;
	*out = (gint)v;
	return TRUE;
}

/* A string filter; empty → absent (NULL). */
static gboolean
tps_mapping_read_filter(GKeyFile *kf, const gchar *group, const gchar *key, gchar **out, GError **error)
{
	g_autofree gchar *value = NULL;

	if (!tps_config_value_get_string(kf, group, key, TRUE, &value, error))
		return FALSE;
	g_free(*out);
	*out = value[0] == '\0' ? NULL : g_steal_pointer(&value);
	return TRUE;
}

TpsMapping *
tps_mapping_new_from_key_file(GKeyFile *kf, const gchar *group, guint order, GError **error)
{
	g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
	g_autoptr(TpsMapping) m = NULL;
	g_autofree gchar *target = NULL;

	if (keys == NULL) {
		tps_config_value_bad(error, group, NULL, "no such group");
		return NULL;
	}
	for (guint i = 0; keys[i] != NULL; i++) {
		if (!tps_config_value_key_known(keys[i], tps_mapping_keys)) {
			tps_config_value_bad(error, group, keys[i], "unknown key");
			return NULL;
		}
	}
	if (!g_key_file_has_key(kf, group, "target", NULL)) {
		tps_config_value_bad(error, group, "target", "required");
		return NULL;
	}
	if (!tps_config_value_get_string(kf, group, "target", FALSE, &target, error))
		return NULL;
	if (!tps_config_value_is_name(target)) {
		tps_config_value_bad(error, group, "target", "expected a name (A-Z a-z 0-9 _ . -)");
		return NULL;
	}
	m = tps_mapping_new(order, target);
	for (guint i = 0; keys[i] != NULL; i++) {
		const gchar *key = keys[i];
		if (g_strcmp0(key, "filter.appletMajorVersion") == 0) {
			if (!tps_mapping_read_version(kf, group, key, &m->applet_major, error))
				return NULL;
		} else if (g_strcmp0(key, "filter.appletMinorVersion") == 0) {
			if (!tps_mapping_read_version(kf, group, key, &m->applet_minor, error))
				return NULL;
		} else if (g_strcmp0(key, "filter.tokenType") == 0 || g_strcmp0(key, "filter.keySet") == 0) {
			gchar **slot = g_strcmp0(key, "filter.tokenType") == 0 ? &m->token_type : &m->key_set;
			if (!tps_mapping_read_filter(kf, group, key, slot, error))
				return NULL;
			if (*slot != NULL && !tps_config_value_is_name(*slot)) {
				tps_config_value_bad(error, group, key, "expected a name (A-Z a-z 0-9 _ . -)");
				return NULL;
			}
		} else if (g_strcmp0(key, "filter.tokenATR") == 0) {
			gsize len;
			if (!tps_mapping_read_filter(kf, group, key, &m->token_atr, error))
				return NULL;
			if (m->token_atr == NULL)
				continue;
			len = strlen(m->token_atr);
			for (gsize j = 0; j < len; j++) {
				if (!g_ascii_isdigit(m->token_atr[j]) && (m->token_atr[j] < 'A' || m->token_atr[j] > 'F')) {
					tps_config_value_bad(error, group, key, "expected uppercase hex digits, as clients send the ATR");
					return NULL;
				}
			}
			if (len % 2 != 0 || len < 4 || len > TPS_MAPPING_ATR_MAX_HEX) {
				tps_config_value_bad(error, group, key, "expected an ATR of 2 to 33 bytes in hex");
				return NULL;
			}
		} else if (g_str_has_prefix(key, "filter.tokenCUID.")) {
			gchar **slot = g_str_has_suffix(key, ".start") ? &m->cuid_start : &m->cuid_end;
			if (!tps_mapping_read_filter(kf, group, key, slot, error))
				return NULL;
			if (*slot == NULL)
				continue;
			if (!tps_mapping_cuid_is_valid(*slot)) {
				tps_config_value_bad(error, group, key, "expected a CUID of 20 hex digits");
				return NULL;
			}
			{
				gchar *upper = g_ascii_strup(*slot, -1);
				g_free(*slot);
				*slot = upper;
			}
		}
	}
	if (m->cuid_start != NULL && m->cuid_end != NULL && g_strcmp0(m->cuid_start, m->cuid_end) > 0) {
		tps_config_value_bad(error, group, "filter.tokenCUID.end", "before filter.tokenCUID.start");
		return NULL;
	}
	return g_steal_pointer(&m);
}

void
tps_mapping_save_to_key_file(const TpsMapping *mapping, GKeyFile *kf, const gchar *group)
{
	if (mapping->applet_major >= 0)
		g_key_file_set_integer(kf, group, "filter.appletMajorVersion", mapping->applet_major);
	if (mapping->applet_minor >= 0)
		g_key_file_set_integer(kf, group, "filter.appletMinorVersion", mapping->applet_minor);
	if (mapping->token_type != NULL)
		g_key_file_set_string(kf, group, "filter.tokenType", mapping->token_type);
	if (mapping->key_set != NULL)
		g_key_file_set_string(kf, group, "filter.keySet", mapping->key_set);
	if (mapping->token_atr != NULL)
		g_key_file_set_string(kf, group, "filter.tokenATR", mapping->token_atr);
	if (mapping->cuid_start != NULL)
		g_key_file_set_string(kf, group, "filter.tokenCUID.start", mapping->cuid_start);
	if (mapping->cuid_end != NULL)
		g_key_file_set_string(kf, group, "filter.tokenCUID.end", mapping->cuid_end);
	g_key_file_set_string(kf, group, "target", mapping->target);
}

static void
tps_mapping_resolver_finalize(GObject *object)
{
	TpsMappingResolver *self = TPS_MAPPING_RESOLVER(object);

	g_clear_pointer(&self->mappings, g_ptr_array_unref);
	G_OBJECT_CLASS(tps_mapping_resolver_parent_class)->finalize(object);
}

static void
tps_mapping_resolver_class_init(TpsMappingResolverClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tps_mapping_resolver_finalize;
}

static void
tps_mapping_resolver_init(TpsMappingResolver *self)
{
	self->mappings = g_ptr_array_new_with_free_func((GDestroyNotify)tps_mapping_free);
}

TpsMappingResolver *
tps_mapping_resolver_new(TpsResolverKind kind)
{
	TpsMappingResolver *self = g_object_new(TPS_TYPE_MAPPING_RESOLVER, NULL);

	self->kind = kind;
	return self;
}

static void
tps_mapping_resolver_add_simple(TpsMappingResolver *self, gint major, gint minor, const gchar *token_type, const gchar *target)
{
	TpsMapping *m = tps_mapping_new(self->mappings->len, target);

	m->applet_major = major;
	m->applet_minor = minor;
	m->token_type = g_strdup(token_type);
	g_ptr_array_add(self->mappings, m);
}

TpsMappingResolver *
tps_mapping_resolver_new_default(TpsResolverKind kind)
{
	TpsMappingResolver *self = tps_mapping_resolver_new(kind);
	const gchar *format_types[] =
	    {"soCleanUserToken", "soUserKey", "soKey", "userKey", "userKeyEC", "soCleanSOToken", "cleanToken"};

	switch (kind) {
	case TPS_RESOLVER_ENROLL:
		tps_mapping_resolver_add_simple(self, 1, -1, "userKey", "userKey");
		tps_mapping_resolver_add_simple(self, 1, -1, "userKeyEC", "userKeyEC");
		tps_mapping_resolver_add_simple(self, -1, -1, "soKey", "soKey");
		tps_mapping_resolver_add_simple(self, -1, -1, NULL, "userKey");
		break;
	case TPS_RESOLVER_FORMAT:
		for (guint i = 0; i < G_N_ELEMENTS(format_types); i++)
			tps_mapping_resolver_add_simple(self, -1, -1, format_types[i], format_types[i]);
		tps_mapping_resolver_add_simple(self, -1, -1, NULL, "userKey");
		break;
	case TPS_RESOLVER_PIN_RESET:
		tps_mapping_resolver_add_simple(self, -1, -1, NULL, "userKey");
		break;
	case TPS_RESOLVER_KEY_SET:
		tps_mapping_resolver_add_simple(self, 0, 0, NULL, "defKeySet");
		tps_mapping_resolver_add_simple(self, 1, 1, NULL, "defKeySet");
		tps_mapping_resolver_add_simple(self, -1, -1, NULL, "jForte");
		break;
	}
	return self;
}

void
tps_mapping_resolver_append(TpsMappingResolver *self, const TpsMapping *mapping)
{
	g_return_if_fail(TPS_IS_MAPPING_RESOLVER(self));
	g_ptr_array_add(self->mappings, tps_mapping_copy(mapping));
}

TpsResolverKind
tps_mapping_resolver_get_kind(TpsMappingResolver *self)
{
	g_return_val_if_fail(TPS_IS_MAPPING_RESOLVER(self), TPS_RESOLVER_ENROLL);
	return self->kind;
}

guint
tps_mapping_resolver_get_n_mappings(TpsMappingResolver *self)
{
	g_return_val_if_fail(TPS_IS_MAPPING_RESOLVER(self), 0);
	return self->mappings->len;
}

const TpsMapping *
tps_mapping_resolver_get_mapping(TpsMappingResolver *self, guint index)
{
	g_return_val_if_fail(TPS_IS_MAPPING_RESOLVER(self), NULL);
	if (index >= self->mappings->len)
		return NULL;
	return g_ptr_array_index(self->mappings, index);
}

gchar *
tps_mapping_resolver_resolve(TpsMappingResolver *self, const TpsMappingParams *params, GError **error)
{
	g_return_val_if_fail(TPS_IS_MAPPING_RESOLVER(self), NULL);

	for (guint i = 0; i < self->mappings->len; i++) {
		const TpsMapping *m = g_ptr_array_index(self->mappings, i);
		if (tps_mapping_matches(m, params)) {
			g_debug("%s mapping %u matches: %s",
				tps_resolver_kind_to_string(self->kind),
				m->order,
				m->target);
			return g_strdup(m->target);
		}
	}
	g_set_error(error,
		    TPS_ERROR,
		    TPS_ERROR_NOT_FOUND,
		    "no %s mapping matches the token (applet %d.%d, tokenType %s, keySet %s, CUID %s)",
		    tps_resolver_kind_to_string(self->kind),
		    params->applet_major,
		    params->applet_minor,
		    params->token_type != NULL && tps_config_value_is_name(params->token_type) ? params->token_type : "(none)",
		    params->key_set != NULL && tps_config_value_is_name(params->key_set) ? params->key_set : "(none)",
		    tps_mapping_cuid_is_valid(params->cuid) ? params->cuid : "(none)");
	return NULL;
}
