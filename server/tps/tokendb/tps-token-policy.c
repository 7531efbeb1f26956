/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-error.h"
#include "tps-token-policy.h"

#define TPS_TOKEN_POLICY_MAX_TEXT 1024

/* Index into the value array; the order is the serialisation order. */
typedef enum {
	TPS_POLICY_RE_ENROLL,
	TPS_POLICY_RENEW,
	TPS_POLICY_FORCE_FORMAT,
	TPS_POLICY_PIN_RESET,
	TPS_POLICY_RESET_PIN_RESET_TO_NO,
	TPS_POLICY_RENEW_KEEP_OLD_ENC_CERTS,
	TPS_POLICY_N_KEYS,
} TpsPolicyKey;

typedef struct {
	const gchar *name;
	gboolean default_value;
	gboolean always_written; /* else written only when it differs from the default */
} TpsPolicyKeyInfo;

static const TpsPolicyKeyInfo tps_policy_keys[TPS_POLICY_N_KEYS] = {
    {TPS_TOKEN_POLICY_RE_ENROLL, TRUE, TRUE},
    {TPS_TOKEN_POLICY_RENEW, FALSE, TRUE},
    {TPS_TOKEN_POLICY_FORCE_FORMAT, FALSE, TRUE},
    {TPS_TOKEN_POLICY_PIN_RESET, FALSE, TRUE},
    {TPS_TOKEN_POLICY_RESET_PIN_RESET_TO_NO, FALSE, TRUE},
    {TPS_TOKEN_POLICY_RENEW_KEEP_OLD_ENC_CERTS, TRUE, FALSE},
};

struct _TpsTokenPolicy {
	gboolean values[TPS_POLICY_N_KEYS];
};

G_DEFINE_BOXED_TYPE(TpsTokenPolicy, tps_token_policy, tps_token_policy_copy, tps_token_policy_free)

static gint
tps_token_policy_lookup(const gchar *key)
{
	if (key == NULL)
		return -1;
	for (guint i = 0; i < TPS_POLICY_N_KEYS; i++) {
		if (g_ascii_strcasecmp(key, tps_policy_keys[i].name) == 0)
			return (gint)i;
	}
	return -1;
}

TpsTokenPolicy *
tps_token_policy_new_default(void)
{
	TpsTokenPolicy *p = g_new0(TpsTokenPolicy, 1);
	for (guint i = 0; i < TPS_POLICY_N_KEYS; i++)
		p->values[i] = tps_policy_keys[i].default_value;
	return p;
}

TpsTokenPolicy *
tps_token_policy_copy(const TpsTokenPolicy *p)
{
	TpsTokenPolicy *copy = g_new0(TpsTokenPolicy, 1);
	*copy = *p;
	return copy;
}

void
tps_token_policy_free(TpsTokenPolicy *p)
{
	g_free(p);
}

gboolean
tps_token_policy_is_known_key(const gchar *key)
{
	return tps_token_policy_lookup(key) >= 0;
}

/* @text cut to at most 32 characters (whole UTF-8 characters) for an error message. */
static gchar *
tps_token_policy_excerpt(const gchar *text)
{
	if (g_utf8_strlen(text, -1) <= 32)
		return g_strdup(text);
	return g_utf8_substring(text, 0, 32);
}

static gboolean
tps_token_policy_parse_item(TpsTokenPolicy *p, gchar *item, gboolean *seen, GError **error)
{
	gchar *eq = strchr(item, '=');
	const gchar *key = NULL;
	const gchar *value = NULL;
	gint idx;

	if (eq == NULL) {
		g_autofree gchar *excerpt = tps_token_policy_excerpt(item);
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "policy item '%s' is not of the form KEY=YES|NO",
			    excerpt);
		return FALSE;
	}
	*eq = '\0';
	key = g_strstrip(item);
	value = g_strstrip(eq + 1);
	idx = tps_token_policy_lookup(key);
	if (idx < 0) {
		g_autofree gchar *excerpt = tps_token_policy_excerpt(key);
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "unknown policy key '%s' (known: RE_ENROLL, RENEW, FORCE_FORMAT, "
			    "PIN_RESET, RESET_PIN_RESET_TO_NO, RENEW_KEEP_OLD_ENC_CERTS)",
			    excerpt);
		return FALSE;
	}
	if (seen[idx]) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "policy key %s is set twice",
			    tps_policy_keys[idx].name);
		return FALSE;
	}
	seen[idx] = TRUE;
	if (g_ascii_strcasecmp(value, "YES") == 0) {
		p->values[idx] = TRUE;
	} else if (g_ascii_strcasecmp(value, "NO") == 0) {
		p->values[idx] = FALSE;
	} else {
		g_autofree gchar *excerpt = tps_token_policy_excerpt(value);
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "policy %s: value '%s' is not YES or NO",
			    tps_policy_keys[idx].name,
			    excerpt);
		return FALSE;
	}
	return TRUE;
}

TpsTokenPolicy *
tps_token_policy_parse(const gchar *text, const TpsTokenPolicy *base, GError **error)
{
	g_autoptr(TpsTokenPolicy) p = base != NULL ? tps_token_policy_copy(base)
						   : tps_token_policy_new_default();
	g_autofree gchar *copy = NULL;
	g_auto(GStrv) items = NULL;
	gboolean seen[TPS_POLICY_N_KEYS] = {FALSE};
	gsize len;

	if (text == NULL)
		return g_steal_pointer(&p);
	if (strlen(text) > TPS_TOKEN_POLICY_MAX_TEXT) {
		g_set_error(error,
			    TPS_ERROR,
			    TPS_ERROR_CONFIG,
			    "policy text too long (more than %d characters)",
			    TPS_TOKEN_POLICY_MAX_TEXT);
		return NULL;
	}
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_CONFIG, "policy is not valid UTF-8");
		return NULL;
	}
	copy = g_strstrip(g_strdup(text));
	if (copy[0] == '\0')
		return g_steal_pointer(&p);
	/* one trailing ';' is tolerated */
	len = strlen(copy);
	if (copy[len - 1] == ';') {
		copy[len - 1] = '\0';
		if (g_strstrip(copy)[0] == '\0') {
			g_set_error_literal(error,
					    TPS_ERROR,
					    TPS_ERROR_CONFIG,
					    "policy has a ';' but no item");
			return NULL;
		}
	}
	items = g_strsplit(copy, ";", 0);
	for (guint i = 0; items[i] != NULL; i++) {
		if (g_strstrip(items[i])[0] == '\0') {
			g_set_error_literal(error,
					    TPS_ERROR,
					    TPS_ERROR_CONFIG,
					    "empty policy item (stray ';')");
			return NULL;
		}
		if (!tps_token_policy_parse_item(p, items[i], seen, error))
			return NULL;
	}
	return g_steal_pointer(&p);
}

gboolean
tps_token_policy_get(const TpsTokenPolicy *p, const gchar *key)
{
	gint idx = tps_token_policy_lookup(key);
	if (idx < 0)
		return FALSE;
	return p->values[idx];
}

void
tps_token_policy_set(TpsTokenPolicy *p, const gchar *key, gboolean value)
{
	gint idx = tps_token_policy_lookup(key);
	g_return_if_fail(idx >= 0);
	p->values[idx] = value ? TRUE : FALSE;
}

gchar *
tps_token_policy_to_string(const TpsTokenPolicy *p)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < TPS_POLICY_N_KEYS; i++) {
		if (!tps_policy_keys[i].always_written &&
		    p->values[i] == tps_policy_keys[i].default_value)
			continue;
		if (s->len > 0)
			g_string_append_c(s, ';');
		g_string_append_printf(s,
				       "%s=%s",
				       tps_policy_keys[i].name,
				       p->values[i] ? "YES" : "NO");
	}
	return g_string_free(s, FALSE);
}

gboolean
tps_token_policy_equal(const TpsTokenPolicy *a, const TpsTokenPolicy *b)
{
	for (guint i = 0; i < TPS_POLICY_N_KEYS; i++) {
		if (a->values[i] != b->values[i])
			return FALSE;
	}
	return TRUE;
}
