/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tps-ca-connector.h"
#include "tps-ca-index.h"
#include "tps-error.h"

#define TPS_CA_INDEX_MAGIC "esc-tps-ca-index 1"
#define TPS_CA_INDEX_MAX_SERIAL 40
#define TPS_CA_INDEX_MAX_PROFILE 64
#define TPS_CA_INDEX_MAX_CUID 64
#define TPS_CA_INDEX_MAX_USER 256

struct _TpsCaIndex {
	guint64 crl_number;
	GPtrArray *entries;  /* of TpsCaIndexEntry, owned */
	GHashTable *serials; /* serial -> entry (borrowed) */
};

TpsCaIndexEntry *
tps_ca_index_entry_new(const gchar *serial,
		       gint64 not_after,
		       const gchar *profile,
		       const gchar *cuid,
		       const gchar *user_id)
{
	TpsCaIndexEntry *e = g_new0(TpsCaIndexEntry, 1);
	e->serial = g_strdup(serial);
	e->not_after = not_after;
	e->profile = g_strdup(profile);
	e->cuid = g_strdup(cuid);
	e->user_id = g_strdup(user_id);
	return e;
}

void
tps_ca_index_entry_free(TpsCaIndexEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->serial);
	g_free(entry->profile);
	g_free(entry->cuid);
	g_free(entry->user_id);
	g_free(entry);
}

TpsCaIndex *
tps_ca_index_new(void)
{
	TpsCaIndex *index = g_new0(TpsCaIndex, 1);
	index->entries = g_ptr_array_new_with_free_func((GDestroyNotify)tps_ca_index_entry_free);
	index->serials = g_hash_table_new(g_str_hash, g_str_equal);
	return index;
}

void
tps_ca_index_free(TpsCaIndex *index)
{
	if (index == NULL)
		return;
	g_hash_table_unref(index->serials);
	g_ptr_array_unref(index->entries);
	g_free(index);
}

guint64
tps_ca_index_get_crl_number(const TpsCaIndex *index)
{
	return index->crl_number;
}

void
tps_ca_index_set_crl_number(TpsCaIndex *index, guint64 number)
{
	index->crl_number = number;
}

GPtrArray *
tps_ca_index_get_entries(const TpsCaIndex *index)
{
	return index->entries;
}

TpsCaIndexEntry *
tps_ca_index_lookup(const TpsCaIndex *index, const gchar *serial)
{
	if (serial == NULL)
		return NULL;
	return g_hash_table_lookup(index->serials, serial);
}

static gboolean
tps_ca_index_is_serial(const gchar *s)
{
	gsize n = 0;

	if (s == NULL || s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return FALSE;
	for (; s[n] != '\0'; n++) {
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return FALSE;
	}
	return n <= TPS_CA_INDEX_MAX_SERIAL;
}

gchar *
tps_ca_index_normalize_serial(const gchar *serial, GError **error)
{
	gsize len;
	const gchar *p;
	g_autofree gchar *lower = NULL;

	if (serial == NULL || serial[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty certificate serial number");
		return NULL;
	}
	len = strlen(serial);
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isxdigit(serial[i])) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "certificate serial number: '%c' at %" G_GSIZE_FORMAT " is not a hex digit",
				    g_ascii_isprint(serial[i]) ? serial[i] : '?', i);
			return NULL;
		}
	}
	p = serial;
	while (p[0] == '0' && p[1] != '\0')
		p++;
	if (strlen(p) > TPS_CA_INDEX_MAX_SERIAL) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
			    "certificate serial number longer than %d hex digits", TPS_CA_INDEX_MAX_SERIAL);
		return NULL;
	}
	lower = g_ascii_strdown(p, -1);
	return g_steal_pointer(&lower);
}

gboolean
tps_ca_index_check_cuid(const gchar *cuid, GError **error)
{
	gsize n = 0;

	if (cuid == NULL || cuid[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty token CUID");
		return FALSE;
	}
	for (; cuid[n] != '\0'; n++) {
		if (!g_ascii_isalnum(cuid[n]) && cuid[n] != '-') {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "token CUID: character %" G_GSIZE_FORMAT " is not a letter, digit or '-'", n);
			return FALSE;
		}
	}
	if (n > TPS_CA_INDEX_MAX_CUID) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "token CUID longer than %d characters",
			    TPS_CA_INDEX_MAX_CUID);
		return FALSE;
	}
	return TRUE;
}

gboolean
tps_ca_index_check_text(const gchar *text, gsize max_len, const gchar *what, GError **error)
{
	gsize len;

	if (text == NULL || text[0] == '\0') {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "empty %s", what);
		return FALSE;
	}
	len = strlen(text);
	if (len > max_len) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "%s longer than %" G_GSIZE_FORMAT " bytes",
			    what, max_len);
		return FALSE;
	}
	if (!g_utf8_validate(text, (gssize)len, NULL)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "%s is not valid UTF-8", what);
		return FALSE;
	}
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_iscntrl(c)) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "%s contains a control character at byte %" G_GSIZE_FORMAT, what,
				    (gsize)(p - text));
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
tps_ca_index_check_profile(const gchar *profile, GError **error)
{
	gsize n = 0;

	if (profile == NULL || profile[0] == '\0') {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "empty CA profile id");
		return FALSE;
	}
	for (; profile[n] != '\0'; n++) {
		if (!g_ascii_isalnum(profile[n]) && profile[n] != '.' && profile[n] != '_' &&
		    profile[n] != '-') {
			g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "CA profile id: character %" G_GSIZE_FORMAT " is not allowed", n);
			return FALSE;
		}
	}
	if (n > TPS_CA_INDEX_MAX_PROFILE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "CA profile id longer than %d characters",
			    TPS_CA_INDEX_MAX_PROFILE);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tps_ca_index_check_entry(const TpsCaIndexEntry *e, GError **error)
{
	if (!tps_ca_index_is_serial(e->serial)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "serial is not 1-40 lowercase hex digits without leading zeros");
		return FALSE;
	}
	if (e->not_after < 0 || e->revoked_at < 0) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID, "negative time");
		return FALSE;
	}
	if (e->revoked && !tps_crl_reason_is_valid(e->reason)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_INVALID, "%u is not a revocation reason", e->reason);
		return FALSE;
	}
	if (!e->revoked && (e->reason != 0 || e->revoked_at != 0)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_INVALID,
				    "a valid certificate with a revocation reason or date");
		return FALSE;
	}
	if (!tps_ca_index_check_profile(e->profile, error) || !tps_ca_index_check_cuid(e->cuid, error) ||
	    !tps_ca_index_check_text(e->user_id, TPS_CA_INDEX_MAX_USER, "user id", error))
		return FALSE;
	return TRUE;
}

gboolean
tps_ca_index_add(TpsCaIndex *index, TpsCaIndexEntry *entry, GError **error)
{
	g_autoptr(TpsCaIndexEntry) e = entry;

	if (!tps_ca_index_check_entry(e, error))
		return FALSE;
	if (g_hash_table_contains(index->serials, e->serial)) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_EXISTS, "serial %s is already in the index",
			    e->serial);
		return FALSE;
	}
	g_hash_table_insert(index->serials, e->serial, e);
	g_ptr_array_add(index->entries, g_steal_pointer(&e));
	return TRUE;
}

gboolean
tps_ca_index_remove(TpsCaIndex *index, const gchar *serial)
{
	TpsCaIndexEntry *e = tps_ca_index_lookup(index, serial);

	if (e == NULL)
		return FALSE;
	g_hash_table_remove(index->serials, e->serial);
	return g_ptr_array_remove(index->entries, e);
}

/* A decimal without sign or leading zeros, at most @max. */
static gboolean
tps_ca_index_parse_uint(const gchar *s, guint64 max, guint64 *out)
{
	guint64 v = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return FALSE;
	for (const gchar *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return FALSE;
		if (v > (max - (guint64)(*p - '0')) / 10)
			return FALSE;
		v = v * 10 + (guint64)(*p - '0');
	}
	*out = v;
	return TRUE;
}

static TpsCaIndexEntry *
tps_ca_index_parse_entry(const gchar *line, GError **error)
{
	g_auto(GStrv) f = g_strsplit(line, "\t", 0);
	g_autoptr(TpsCaIndexEntry) e = NULL;
	guint64 v = 0;

	if (g_strv_length(f) != 8) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "%u tab-separated fields, 8 expected",
			    g_strv_length(f));
		return NULL;
	}
	if (!tps_ca_index_is_serial(f[0])) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
				    "serial is not 1-40 lowercase hex digits without leading zeros");
		return NULL;
	}
	if (!tps_ca_index_parse_uint(f[2], G_MAXINT64, &v)) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "notAfter is not a decimal time");
		return NULL;
	}
	e = tps_ca_index_entry_new(f[0], (gint64)v, f[5], f[6], f[7]);
	if (g_strcmp0(f[1], "V") == 0) {
		if (g_strcmp0(f[3], "-") != 0 || g_strcmp0(f[4], "-") != 0) {
			g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
					    "a valid (V) certificate needs '-' as revocation date and reason");
			return NULL;
		}
	} else if (g_strcmp0(f[1], "R") == 0) {
		e->revoked = TRUE;
		if (!tps_ca_index_parse_uint(f[3], G_MAXINT64, &v)) {
			g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
					    "revocation date is not a decimal time");
			return NULL;
		}
		e->revoked_at = (gint64)v;
		if (!tps_ca_index_parse_uint(f[4], G_MAXUINT, &v) || !tps_crl_reason_is_valid((guint)v)) {
			g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
					    "revocation reason is not an RFC 5280 reason code");
			return NULL;
		}
		e->reason = (guint)v;
	} else {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "status is neither V nor R");
		return NULL;
	}
	return g_steal_pointer(&e);
}

TpsCaIndex *
tps_ca_index_parse(const gchar *data, gsize len, GError **error)
{
	g_autoptr(TpsCaIndex) index = tps_ca_index_new();
	gsize pos = 0;
	guint lineno = 0;

	if (len > TPS_CA_INDEX_MAX_SIZE) {
		g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND,
			    "CA index of %" G_GSIZE_FORMAT " bytes is larger than %d", len, TPS_CA_INDEX_MAX_SIZE);
		return NULL;
	}
	if (len == 0 || data == NULL) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "CA index is empty");
		return NULL;
	}
	while (pos < len) {
		const gchar *start = data + pos;
		const gchar *nl = memchr(start, '\n', len - pos);
		g_autofree gchar *line = NULL;
		gsize n;

		lineno++;
		if (nl == NULL) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND,
				    "CA index line %u: no newline at the end of the file (truncated?)", lineno);
			return NULL;
		}
		n = (gsize)(nl - start);
		pos += n + 1;
		if (memchr(start, '\0', n) != NULL) {
			g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "CA index line %u: NUL byte", lineno);
			return NULL;
		}
		line = g_strndup(start, n);
		if (lineno == 1) {
			if (g_strcmp0(line, TPS_CA_INDEX_MAGIC) != 0) {
				g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND,
					    "CA index line 1: not \"%s\" (not a CA index, or another version)",
					    TPS_CA_INDEX_MAGIC);
				return NULL;
			}
		} else if (lineno == 2) {
			guint64 v = 0;
			if (!g_str_has_prefix(line, "crl-number\t") ||
			    !tps_ca_index_parse_uint(line + strlen("crl-number\t"), G_MAXINT64, &v)) {
				g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND,
						    "CA index line 2: not \"crl-number<TAB><decimal>\"");
				return NULL;
			}
			index->crl_number = v;
		} else {
			g_autoptr(GError) local = NULL;
			TpsCaIndexEntry *e = tps_ca_index_parse_entry(line, &local);
			if (e == NULL || !tps_ca_index_add(index, e, &local)) {
				g_set_error(error, TPS_ERROR, TPS_ERROR_BACKEND, "CA index line %u: %s", lineno,
					    local->message);
				return NULL;
			}
		}
	}
	if (lineno < 2) {
		g_set_error_literal(error, TPS_ERROR, TPS_ERROR_BACKEND, "CA index has no crl-number line");
		return NULL;
	}
	return g_steal_pointer(&index);
}

void
tps_ca_index_append_entry_line(GString *s, const TpsCaIndexEntry *e)
{
	g_string_append_printf(s, "%s\t%s\t%" G_GINT64_FORMAT "\t", e->serial, e->revoked ? "R" : "V", e->not_after);
	if (e->revoked)
		g_string_append_printf(s, "%" G_GINT64_FORMAT "\t%u\t", e->revoked_at, e->reason);
	else
		g_string_append(s, "-\t-\t");
	g_string_append_printf(s, "%s\t%s\t%s\n", e->profile, e->cuid, e->user_id);
}

gchar *
tps_ca_index_to_string(const TpsCaIndex *index)
{
	GString *s = g_string_new(TPS_CA_INDEX_MAGIC "\n");

	g_string_append_printf(s, "crl-number\t%" G_GUINT64_FORMAT "\n", index->crl_number);
	for (guint i = 0; i < index->entries->len; i++)
		tps_ca_index_append_entry_line(s, g_ptr_array_index(index->entries, i));
	return g_string_free(s, FALSE);
}
