/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TpsCaIndex: the local CA's record of what it issued and revoked, kept in the CA directory as
 * a text file "index.txt" (rewritten whole and atomically on every change but an issuance,
 * which appends its line; see tps-ca-local.h):
 *
 *   esc-tps-ca-index 1
 *   crl-number<TAB><decimal, the number of the last CRL issued, 0 for none>
 *   <serial><TAB><V|R><TAB><notAfter><TAB><revokedAt|-><TAB><reason|-><TAB><profile><TAB><cuid><TAB><user>
 *   ...
 *
 * serial: lowercase hex without leading zeros (1-40 digits), unique; V = valid, R = revoked;
 * notAfter and revokedAt: unix seconds (decimal, no sign or leading zeros); reason: the RFC 5280
 * CRLReason number (R lines only, "-" on V lines, as revokedAt); profile: the CA profile id
 * ([A-Za-z0-9._-], 1-64); cuid: [0-9A-Za-z-], 1-64; user: UTF-8 without control characters,
 * 1-256 bytes. Every line ends with a newline. The parser is strict: anything else, a duplicate
 * serial or more than TPS_CA_INDEX_MAX_SIZE bytes is TPS_ERROR_BACKEND with the line number.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TPS_CA_INDEX_MAX_SIZE (32 * 1024 * 1024)

typedef struct {
	gchar *serial;
	gboolean revoked;
	gint64 not_after;
	gint64 revoked_at; /* 0 when not revoked */
	guint reason;	   /* RFC 5280 CRLReason, 0 when not revoked */
	gchar *profile;
	gchar *cuid;
	gchar *user_id;
} TpsCaIndexEntry;

typedef struct _TpsCaIndex TpsCaIndex;

TpsCaIndexEntry *
tps_ca_index_entry_new(const gchar *serial,
		       gint64 not_after,
		       const gchar *profile,
		       const gchar *cuid,
		       const gchar *user_id) G_GNUC_WARN_UNUSED_RESULT;
void
tps_ca_index_entry_free(TpsCaIndexEntry *entry);

TpsCaIndex *
tps_ca_index_new(void) G_GNUC_WARN_UNUSED_RESULT;
void
tps_ca_index_free(TpsCaIndex *index);
TpsCaIndex *
tps_ca_index_parse(const gchar *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* The file text; tps_ca_index_parse() of it gives an equal index. */
gchar *
tps_ca_index_to_string(const TpsCaIndex *index) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Appends the line of @entry (with its newline) to @text: the file text of an index is its
 * text without the entry plus this (entries are kept in the order they were added). */
void
tps_ca_index_append_entry_line(GString *text, const TpsCaIndexEntry *entry) TOK_NONNULL(1, 2);

guint64
tps_ca_index_get_crl_number(const TpsCaIndex *index) TOK_NONNULL(1);
void
tps_ca_index_set_crl_number(TpsCaIndex *index, guint64 number) TOK_NONNULL(1);
/* Entries in the order they were added (borrowed, of TpsCaIndexEntry). */
GPtrArray *
tps_ca_index_get_entries(const TpsCaIndex *index) TOK_NONNULL(1);
/* Borrowed; NULL if @serial (normalized form) is not there. */
TpsCaIndexEntry *
tps_ca_index_lookup(const TpsCaIndex *index, const gchar *serial) TOK_NONNULL(1);
/* Takes @entry. Invalid fields: TPS_ERROR_INVALID; a serial already there: TPS_ERROR_EXISTS. */
gboolean
tps_ca_index_add(TpsCaIndex *index, TpsCaIndexEntry *entry, GError **error) TOK_NONNULL(1, 2);
gboolean
tps_ca_index_remove(TpsCaIndex *index, const gchar *serial) TOK_NONNULL(1);

/* A serial as the caller gave it (hex, either case, leading zeros allowed) in the index's form;
 * TPS_ERROR_INVALID if it is not 1-40 hex digits. */
gchar *
tps_ca_index_normalize_serial(const gchar *serial, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Field checks shared with the CA (TPS_ERROR_INVALID naming @what). */
gboolean
tps_ca_index_check_cuid(const gchar *cuid, GError **error);
gboolean
tps_ca_index_check_text(const gchar *text, gsize max_len, const gchar *what, GError **error);
gboolean
tps_ca_index_check_profile(const gchar *profile, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsCaIndex, tps_ca_index_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TpsCaIndexEntry, tps_ca_index_entry_free)

G_END_DECLS
