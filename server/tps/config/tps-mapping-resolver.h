/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The FilterMappingResolver of Dogtag (protocol.md 6.4): picks a token type (or a TKS key set)
 * for a token from what the card and the client's BEGIN_OP extensions say.
 *
 * Rules: the mappings are tried in order; a mapping matches when every one of its filters
 * passes; an absent (empty) filter always passes; a filter with a value needs the parameter
 * to be known and equal (exact, case-sensitive match; applet versions as integers); the
 * tokenCUID.start / tokenCUID.end filters bound an inclusive range of 20-hex-digit CUIDs,
 * compared case-insensitively. The first matching mapping's target is the result; none →
 * TPS_ERROR_NOT_FOUND.
 *
 * Configuration group [mapping:<kind>:<n>] (kind enroll, format, pin-reset, key-set; n 0..999,
 * mappings tried in increasing n; configuring any mapping of a kind replaces its defaults):
 *   filter.appletMajorVersion=1     filter.appletMinorVersion=     (0..255, empty: any)
 *   filter.tokenType=userKey        filter.keySet=                 (names, empty: any)
 *   filter.tokenATR=3B...           (uppercase hex, as the client sends it; empty: any)
 *   filter.tokenCUID.start=...      filter.tokenCUID.end=...       (20 hex digits; empty: any)
 *   target=userKey                  (required)
 *
 * Resolvers are immutable once built and safe to use from any thread.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

typedef enum {
	TPS_RESOLVER_ENROLL,
	TPS_RESOLVER_FORMAT,
	TPS_RESOLVER_PIN_RESET,
	TPS_RESOLVER_KEY_SET,
} TpsResolverKind;

#define TPS_RESOLVER_KIND_COUNT 4

/* "enroll", "format", "pin-reset", "key-set" (the <kind> of [mapping:<kind>:<n>]) */
const gchar *
tps_resolver_kind_to_string(TpsResolverKind kind);
gboolean
tps_resolver_kind_from_string(const gchar *str, TpsResolverKind *out) TOK_NONNULL(2);

/* What is known about the token; NULL / -1 = unknown (then a filter on it fails). */
typedef struct {
	gint applet_major; /* GET STATUS byte 0 (protocol version), -1 unknown */
	gint applet_minor; /* GET STATUS byte 1, -1 unknown */
	const gchar *token_type; /* BEGIN_OP extension tokenType */
	const gchar *token_atr;	 /* BEGIN_OP extension tokenATR */
	const gchar *key_set;	 /* BEGIN_OP extension keySet */
	const gchar *cuid;	 /* 20 hex digits */
} TpsMappingParams;

/* One mapping: NULL / -1 filters are absent. */
typedef struct {
	guint order;
	gint applet_major;
	gint applet_minor;
	gchar *token_type;
	gchar *key_set;
	gchar *token_atr;
	gchar *cuid_start; /* 20 uppercase hex digits */
	gchar *cuid_end;
	gchar *target;
} TpsMapping;

#define TPS_TYPE_MAPPING (tps_mapping_get_type())
GType
tps_mapping_get_type(void) G_GNUC_CONST;
/* A mapping without filters (matches everything) to @target. */
TpsMapping *
tps_mapping_new(guint order, const gchar *target) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(2);
TpsMapping *
tps_mapping_copy(const TpsMapping *mapping) G_GNUC_WARN_UNUSED_RESULT;
void
tps_mapping_free(TpsMapping *mapping);
/* TRUE if every filter of @mapping passes for @params. */
gboolean
tps_mapping_matches(const TpsMapping *mapping, const TpsMappingParams *params) TOK_NONNULL(1, 2);
/* Reads [@group] (see above; unknown keys and bad values are TPS_ERROR_CONFIG). */
TpsMapping *
tps_mapping_new_from_key_file(GKeyFile *kf, const gchar *group, guint order, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
void
tps_mapping_save_to_key_file(const TpsMapping *mapping, GKeyFile *kf, const gchar *group) TOK_NONNULL(1, 2, 3);

#define TPS_TYPE_MAPPING_RESOLVER (tps_mapping_resolver_get_type())
G_DECLARE_FINAL_TYPE(TpsMappingResolver, tps_mapping_resolver, TPS, MAPPING_RESOLVER, GObject)

/* An empty resolver (resolves nothing) of @kind. */
TpsMappingResolver *
tps_mapping_resolver_new(TpsResolverKind kind) G_GNUC_WARN_UNUSED_RESULT;
/* The defaults of protocol.md 6.4:
 *   enroll:    {major=1, tokenType=userKey} → userKey; {major=1, tokenType=userKeyEC} →
 *              userKeyEC (ours); {tokenType=soKey} → soKey; {} → userKey
 *   format:    tokenType soCleanUserToken, soUserKey, soKey, userKey, userKeyEC, soCleanSOToken,
 *              cleanToken → the same; {} → userKey
 *   pin-reset: {} → userKey
 *   key-set:   {major=0, minor=0} → defKeySet; {major=1, minor=1} → defKeySet; {} → jForte */
TpsMappingResolver *
tps_mapping_resolver_new_default(TpsResolverKind kind) G_GNUC_WARN_UNUSED_RESULT;
/* Appends a copy of @mapping (only while building, before the resolver is shared). */
void
tps_mapping_resolver_append(TpsMappingResolver *self, const TpsMapping *mapping) TOK_NONNULL(1, 2);
TpsResolverKind
tps_mapping_resolver_get_kind(TpsMappingResolver *self) TOK_NONNULL(1);
guint
tps_mapping_resolver_get_n_mappings(TpsMappingResolver *self) TOK_NONNULL(1);
/* Borrowed; NULL past the end. */
const TpsMapping *
tps_mapping_resolver_get_mapping(TpsMappingResolver *self, guint index) TOK_NONNULL(1);
/* The target of the first matching mapping (newly allocated), or TPS_ERROR_NOT_FOUND. */
gchar *
tps_mapping_resolver_resolve(TpsMappingResolver *self, const TpsMappingParams *params, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* TRUE if @cuid is 20 hex digits (either case). */
gboolean
tps_mapping_cuid_is_valid(const gchar *cuid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsMapping, tps_mapping_free)

G_END_DECLS
