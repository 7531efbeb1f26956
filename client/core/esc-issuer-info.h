/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Phone home (protocol.md 2): the token's issuer-info URL (or a configured fallback) is
 * fetched as GET <url>?cuid=<CUID>; the answer is a small XML document
 *
 *     <ServiceInfo><IssuerName>..</IssuerName><Services><Operation>https://../tps/tps</Operation>
 *     <TokenType>userKey</TokenType>...</Services></ServiceInfo>
 *
 * EscIssuerInfo is the parsed document (immutable, refcounted, any thread). EscIssuerCache
 * fetches it over HTTP(S) and keeps it per CUID, in memory and optionally on disk.
 */
#pragma once

#include <gio/gio.h>

#include "esc-tps-connection.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define ESC_ISSUER_INFO_MAX_SIZE 65536 /* largest phone-home document accepted */

/* ---- EscIssuerInfo -------------------------------------------------------------------- */

typedef struct _EscIssuerInfo EscIssuerInfo;

#define ESC_TYPE_ISSUER_INFO (esc_issuer_info_get_type())
GType
esc_issuer_info_get_type(void);

/* Strict parser of the ServiceInfo XML (GMarkup, at most ESC_ISSUER_INFO_MAX_SIZE bytes of
 * UTF-8): root ServiceInfo holding an IssuerName with text and one Services element; every
 * Services child with text is kept (by element name; a repeated name is an error); other
 * children of ServiceInfo and attributes are ignored; nesting below a service is an error.
 * Fails with ESC_ERROR_PROTOCOL saying what is wrong. Fuzz target "phone-home". */
EscIssuerInfo *
esc_issuer_info_parse(const gchar *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
EscIssuerInfo *
esc_issuer_info_ref(EscIssuerInfo *i) TOK_NONNULL(1);
void
esc_issuer_info_unref(EscIssuerInfo *i);

const gchar *
esc_issuer_info_get_issuer_name(const EscIssuerInfo *i) TOK_NONNULL(1);
/* Services/Operation: the TPS URL for this token; NULL if absent. */
const gchar *
esc_issuer_info_get_operation_url(const EscIssuerInfo *i) TOK_NONNULL(1);
/* Services/TokenType; NULL if absent. */
const gchar *
esc_issuer_info_get_token_type(const EscIssuerInfo *i) TOK_NONNULL(1);
/* Any Services child by element name ("UI", "EnrolledTokenBrowserURL", ...); NULL if absent
 * or empty. */
const gchar *
esc_issuer_info_get_service(const EscIssuerInfo *i, const gchar *name) TOK_NONNULL(1, 2);
/* The names of the Services children kept, in document order (transfer full). */
GStrv
esc_issuer_info_dup_service_names(const EscIssuerInfo *i) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The URL fetched (with its ?cuid=), NULL for a document parsed from memory. */
const gchar *
esc_issuer_info_get_phone_home_url(const EscIssuerInfo *i) TOK_NONNULL(1);
/* The same information with @url as its phone-home URL (a new reference). */
EscIssuerInfo *
esc_issuer_info_new_with_url(const EscIssuerInfo *i, const gchar *url) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);

/* GET <@url>?cuid=<@cuid> (or &cuid= when @url has a query) with @tls: the parsed document
 * (its phone-home URL is the URL fetched). Blocking; no cache. @url must be http or https
 * (ESC_ERROR_INVALID_INPUT), @cuid hex digits. */
EscIssuerInfo *
esc_issuer_info_fetch(const gchar *url,
		      const gchar *cuid,
		      EscTlsOptions *tls,
		      GCancellable *cancellable,
		      GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* ---- EscIssuerCache ------------------------------------------------------------------- */

#define ESC_TYPE_ISSUER_CACHE (esc_issuer_cache_get_type())
G_DECLARE_FINAL_TYPE(EscIssuerCache, esc_issuer_cache, ESC, ISSUER_CACHE, GObject)

/* Fetch (GET <url>?cuid=<cuid> over HTTPS/HTTP with @tls, NULL: defaults), parse, cache in
 * memory per CUID and on disk under @cache_dir (NULL: no disk cache; created on first use,
 * mode 0700, one file <CUID>.phonehome per token). A cached answer is used when it was
 * fetched from the same URL. A document whose Services carry ResetPhoneHome is returned but
 * not cached (and drops what was cached), as ESC does. */
EscIssuerCache *
esc_issuer_cache_new(const gchar *cache_dir, EscTlsOptions *tls) G_GNUC_WARN_UNUSED_RESULT;
/* Fetches in a worker thread; the callback runs on the caller's thread-default context. */
void
esc_issuer_cache_lookup_async(EscIssuerCache *self,
			      const gchar *url,
			      const gchar *cuid,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data) TOK_NONNULL(1, 2, 3);
EscIssuerInfo *
esc_issuer_cache_lookup_finish(EscIssuerCache *self, GAsyncResult *res, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* Blocking (tools, tests, worker threads). */
EscIssuerInfo *
esc_issuer_cache_lookup_sync(EscIssuerCache *self,
			     const gchar *url,
			     const gchar *cuid,
			     GCancellable *cancellable,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2, 3);
/* The cached document for @cuid (memory, then disk) without any network access; NULL if
 * none (a new reference). */
EscIssuerInfo *
esc_issuer_cache_peek(EscIssuerCache *self, const gchar *cuid) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);
/* Drops what is cached for @cuid, in memory and on disk (ResetPhoneHome). */
void
esc_issuer_cache_forget(EscIssuerCache *self, const gchar *cuid) TOK_NONNULL(1, 2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscIssuerInfo, esc_issuer_info_unref)

G_END_DECLS
