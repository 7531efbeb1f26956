/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Strict readers for the values of the TPS configuration file (internal to server/tps/config).
 * Every failure is TPS_ERROR_CONFIG with the message "<group>.<key>: <reason>"; offending
 * values are quoted escaped and shortened, never raw.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

/* Longest string value accepted anywhere in the file. */
#define TPS_CONFIG_VALUE_MAX 4096

/* Sets TPS_ERROR_CONFIG "<group>.<key>: <reason>" (or "<group>: <reason>" when @key is NULL);
 * returns FALSE. */
gboolean
tps_config_value_bad(GError **error, const gchar *group, const gchar *key, const gchar *format, ...)
    G_GNUC_PRINTF(4, 5);
/* A printable, shortened, escaped copy of @value for error messages. */
gchar *
tps_config_value_quote(const gchar *value) G_GNUC_WARN_UNUSED_RESULT;
/* Re-raises @sub (any domain) as TPS_ERROR_CONFIG "<group>.<key>: <sub message>". */
gboolean
tps_config_value_rethrow(GError **error, const gchar *group, const gchar *key, const GError *sub)
    TOK_NONNULL(4);

/* "true" or "false", nothing else. */
gboolean
tps_config_value_get_bool(GKeyFile *kf, const gchar *group, const gchar *key, gboolean *out, GError **error)
    TOK_NONNULL(1, 2, 3, 4);
/* Decimal digits only, @min..@max. */
gboolean
tps_config_value_get_uint(GKeyFile *kf,
			  const gchar *group,
			  const gchar *key,
			  guint64 min,
			  guint64 max,
			  guint64 *out,
			  GError **error) TOK_NONNULL(1, 2, 3, 6);
/* A UTF-8 string without control characters, at most TPS_CONFIG_VALUE_MAX bytes; empty allowed
 * only with @allow_empty. */
gboolean
tps_config_value_get_string(GKeyFile *kf,
			    const gchar *group,
			    const gchar *key,
			    gboolean allow_empty,
			    gchar **out,
			    GError **error) TOK_NONNULL(1, 2, 3, 5);
/* A file system path: absolute, or relative to @base_dir (then joined). */
gboolean
tps_config_value_get_path(GKeyFile *kf,
			  const gchar *group,
			  const gchar *key,
			  const gchar *base_dir,
			  gchar **out,
			  GError **error) TOK_NONNULL(1, 2, 3, 4, 5);
/* An http:// or https:// URL (printable ASCII, parsed by GUri); empty allowed with @allow_empty. */
gboolean
tps_config_value_get_url(GKeyFile *kf,
			 const gchar *group,
			 const gchar *key,
			 gboolean allow_empty,
			 gchar **out,
			 GError **error) TOK_NONNULL(1, 2, 3, 5);
/* TRUE if @url is an absolute http:// or https:// URL of printable ASCII. */
gboolean
tps_config_value_is_http_url(const gchar *url);
/* A name of 1..64 of A-Z a-z 0-9 _ . - (profile, key set, CA profile names). */
gboolean
tps_config_value_is_name(const gchar *name);

/* TRUE if @key is one of @known (NULL-terminated). */
gboolean
tps_config_value_key_known(const gchar *key, const gchar *const *known) TOK_NONNULL(2);

G_END_DECLS
