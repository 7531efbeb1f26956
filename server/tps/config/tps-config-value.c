/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tps-config-value.h"

#include <string.h>

#include "tps-error.h"

#define TPS_CONFIG_QUOTE_MAX 64
#define TPS_CONFIG_NAME_MAX  64

gchar *
tps_config_value_quote(const gchar *value)
{
	g_autoptr(GString) s = g_string_new("'");
	gsize len;

	if (value == NULL)
		return g_strdup("(none)");
	len = strlen(value);
	for (gsize i = 0; i < len && i < TPS_CONFIG_QUOTE_MAX; i++) {
		guchar c = (guchar)value[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
			g_string_append_c(s, (gchar)c);
		else
			g_string_append_printf(s, "\\x%02x", c);
	}
	if (len > TPS_CONFIG_QUOTE_MAX)
		g_string_append(s, "...");
	g_string_append_c(s, '\'');
	return g_string_free(g_steal_pointer(&s), FALSE);
}

gboolean
tps_config_value_bad(GError **error, const gchar *group, const gchar *key, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *reason = NULL;

	va_start(args, format);
	reason = g_strdup_vprintf(format, args);
	va_end(args);
	if (key != NULL)
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s.%s: %s", group, key, reason);
	else
		g_set_error(error, TPS_ERROR, TPS_ERROR_CONFIG, "%s: %s", group, reason);
	return FALSE;
}

gboolean
tps_config_value_rethrow(GError **error, const gchar *group, const gchar *key, const GError *sub)
{
	return tps_config_value_bad(error, group, key, "%s", sub->message);
}

/* The raw value (no escapes processed), or an error naming the key. */
static gchar *
tps_config_value_raw(GKeyFile *kf, const gchar *group, const gchar *key, GError **error)
{
	gchar *value = g_key_file_get_value(kf, group, key, NULL);

	if (value == NULL) {
		tps_config_value_bad(error, group, key, "missing");
		return NULL;
	}
	if (strlen(value) > TPS_CONFIG_VALUE_MAX) {
		g_free(value);
		tps_config_value_bad(error, group, key, "value longer than %u bytes", (guint)TPS_CONFIG_VALUE_MAX);
		return NULL;
	}
	return value;
}

gboolean
tps_config_value_get_bool(GKeyFile *kf, const gchar *group, const gchar *key, gboolean *out, GError **error)
{
	g_autofree gchar *value = tps_config_value_raw(kf, group, key, error);
	g_autofree gchar *quoted = NULL;

	if (value == NULL)
		return FALSE;
	if (g_strcmp0(value, "true") == 0) {
		*out = TRUE;
		return TRUE;
	}
	if (g_strcmp0(value, "false") == 0) {
		*out = FALSE;
		return TRUE;
	}
	quoted = tps_config_value_quote(value);
	return tps_config_value_bad(error, group, key, "expected true or false, got %s", quoted);
}

gboolean
tps_config_value_get_uint(GKeyFile *kf,
			  const gchar *group,
			  const gchar *key,
			  guint64 min,
			  guint64 max,
			  guint64 *out,
			  GError **error)
{
	g_autofree gchar *value = tps_config_value_raw(kf, group, key, error);
	g_autofree gchar *quoted = NULL;
	gsize len;
	gboolean digits = TRUE;

	if (value == NULL)
		return FALSE;
	len = strlen(value);
	for (gsize i = 0; i < len; i++)
		digits = digits && g_ascii_isdigit(value[i]);
	if (len > 0 && len <= 20 && digits &&
	    g_ascii_string_to_unsigned(value, 10, min, max, out, NULL))
		return TRUE;
	quoted = tps_config_value_quote(value);
	return tps_config_value_bad(error,
				    group,
				    key,
				    "expected an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT ", got %s",
				    min,
				    max,
				    quoted);
}

gboolean
tps_config_value_get_string(GKeyFile *kf,
			    const gchar *group,
			    const gchar *key,
			    gboolean allow_empty,
			    gchar **out,
			    GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *raw = tps_config_value_raw(kf, group, key, error);
	g_autofree gchar *value = NULL;

	if (raw == NULL)
		return FALSE;
	value = g_key_file_get_string(kf, group, key, &error_local);
	if (value == NULL)
		return tps_config_value_rethrow(error, group, key, error_local);
	if (!g_utf8_validate(value, -1, NULL))
		return tps_config_value_bad(error, group, key, "not valid UTF-8");
	for (const gchar *p = value; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			return tps_config_value_bad(error, group, key, "control character in the value");
	}
	if (!allow_empty && value[0] == '\0')
		return tps_config_value_bad(error, group, key, "empty value");
	*out = g_steal_pointer(&value);
	return TRUE;
}

gboolean
tps_config_value_get_path(GKeyFile *kf,
			  const gchar *group,
			  const gchar *key,
			  const gchar *base_dir,
			  gchar **out,
			  GError **error)
{
	g_autofree gchar *value = NULL;

	if (!tps_config_value_get_string(kf, group, key, FALSE, &value, error))
		return FALSE;
	if (g_path_is_absolute(value))
		*out = g_steal_pointer(&value);
	else
		*out = g_build_filename(base_dir, value, NULL);
	return TRUE;
}

gboolean
tps_config_value_is_http_url(const gchar *url)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;

	if (url == NULL || url[0] == '\0' || strlen(url) > TPS_CONFIG_VALUE_MAX)
		return FALSE;
	for (const gchar *p = url; *p != '\0'; p++) {
		if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f)
			return FALSE;
	}
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL)
		return FALSE;
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0)
		return FALSE;
	return g_uri_get_host(uri) != NULL && g_uri_get_host(uri)[0] != '\0';
}

gboolean
tps_config_value_get_url(GKeyFile *kf,
			 const gchar *group,
			 const gchar *key,
			 gboolean allow_empty,
			 gchar **out,
			 GError **error)
{
	g_autofree gchar *value = NULL;
	g_autofree gchar *quoted = NULL;

	if (!tps_config_value_get_string(kf, group, key, allow_empty, &value, error))
		return FALSE;
	if (value[0] == '\0' || tps_config_value_is_http_url(value)) {
		*out = g_steal_pointer(&value);
		return TRUE;
	}
	quoted = tps_config_value_quote(value);
	return tps_config_value_bad(error, group, key, "expected an http:// or https:// URL, got %s", quoted);
}

gboolean
tps_config_value_is_name(const gchar *name)
{
	gsize len;

	if (name == NULL)
		return FALSE;
	len = strlen(name);
	if (len == 0 || len > TPS_CONFIG_NAME_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

gboolean
tps_config_value_key_known(const gchar *key, const gchar *const *known)
{
	for (guint i = 0; known[i] != NULL; i++) {
		if (g_strcmp0(key, known[i]) == 0)
			return TRUE;
	}
	return FALSE;
}
