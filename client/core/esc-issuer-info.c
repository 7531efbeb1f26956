/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-issuer-info.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "esc-error.h"

#define ESC_ISSUER_INFO_MAX_SERVICES 64
#define ESC_ISSUER_INFO_MAX_DEPTH    16
#define ESC_ISSUER_CACHE_MAX_CUID    64
#define ESC_ISSUER_CACHE_GROUP	     "phone-home"
#define ESC_ISSUER_CACHE_SUFFIX	     ".phonehome"

/* ---- EscIssuerInfo -------------------------------------------------------------------- */

struct _EscIssuerInfo {
	gatomicrefcount ref;
	gchar *issuer_name;
	GPtrArray *names;  /* Services children, document order */
	GPtrArray *values; /* their text */
	gchar *phone_home_url;
};

G_DEFINE_BOXED_TYPE(EscIssuerInfo, esc_issuer_info, esc_issuer_info_ref, esc_issuer_info_unref)

static EscIssuerInfo *
esc_issuer_info_alloc(void)
{
	EscIssuerInfo *i = g_new0(EscIssuerInfo, 1);

	g_atomic_ref_count_init(&i->ref);
	i->names = g_ptr_array_new_with_free_func(g_free);
	i->values = g_ptr_array_new_with_free_func(g_free);
	return i;
}

EscIssuerInfo *
esc_issuer_info_ref(EscIssuerInfo *i)
{
	g_atomic_ref_count_inc(&i->ref);
	return i;
}

void
esc_issuer_info_unref(EscIssuerInfo *i)
{
	if (i == NULL || !g_atomic_ref_count_dec(&i->ref))
		return;
	g_free(i->issuer_name);
	g_ptr_array_unref(i->names);
	g_ptr_array_unref(i->values);
	g_free(i->phone_home_url);
	g_free(i);
}

typedef enum {
	ESC_PH_OUTSIDE,	     /* before the root or after it */
	ESC_PH_ROOT,	     /* in ServiceInfo */
	ESC_PH_ISSUER_NAME,  /* in ServiceInfo/IssuerName */
	ESC_PH_SERVICES,     /* in ServiceInfo/Services */
	ESC_PH_SERVICE,	     /* in a child of Services */
	ESC_PH_SKIP,	     /* in an element we ignore */
} EscPhoneHomeState;

typedef struct {
	EscPhoneHomeState state;
	guint skip_depth;
	gboolean seen_root;
	gboolean seen_services;
	gchar *issuer_name;
	GString *text;
	gchar *service; /* the child of Services being read */
	GPtrArray *names;
	GPtrArray *values;
} EscPhoneHomeParser;

static void
esc_ph_set_error(GError **error, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
esc_ph_set_error(GError **error, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *text = NULL;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, text);
}

static void
esc_ph_start(GMarkupParseContext *context,
	     const gchar *element,
	     const gchar **attribute_names,
	     const gchar **attribute_values,
	     gpointer user_data,
	     GError **error)
{
	EscPhoneHomeParser *p = user_data;

	switch (p->state) {
	case ESC_PH_OUTSIDE:
		if (p->seen_root) {
			esc_ph_set_error(error, _("a second root element <%s>"), element);
			return;
		}
		if (g_strcmp0(element, "ServiceInfo") != 0) {
			esc_ph_set_error(error, _("the root element is <%s>, not <ServiceInfo>"), element);
			return;
		}
		p->seen_root = TRUE;
		p->state = ESC_PH_ROOT;
		return;
	case ESC_PH_ROOT:
		if (g_strcmp0(element, "IssuerName") == 0) {
			if (p->issuer_name != NULL) {
				esc_ph_set_error(error, _("more than one <IssuerName>"));
				return;
			}
			p->state = ESC_PH_ISSUER_NAME;
			g_string_truncate(p->text, 0);
		} else if (g_strcmp0(element, "Services") == 0) {
			if (p->seen_services) {
				esc_ph_set_error(error, _("more than one <Services>"));
				return;
			}
			p->seen_services = TRUE;
			p->state = ESC_PH_SERVICES;
		} else {
			p->state = ESC_PH_SKIP;
			p->skip_depth = 1;
		}
		return;
	case ESC_PH_SERVICES:
		if (p->names->len >= ESC_ISSUER_INFO_MAX_SERVICES) {
			esc_ph_set_error(error, _("more than %d services"), ESC_ISSUER_INFO_MAX_SERVICES);
			return;
		}
		p->service = g_strdup(element);
		p->state = ESC_PH_SERVICE;
		g_string_truncate(p->text, 0);
		return;
	case ESC_PH_ISSUER_NAME:
	case ESC_PH_SERVICE:
		esc_ph_set_error(error, _("element <%s> inside a text element"), element);
		return;
	case ESC_PH_SKIP:
		if (p->skip_depth >= ESC_ISSUER_INFO_MAX_DEPTH) {
			esc_ph_set_error(error, _("elements nested deeper than %d"), ESC_ISSUER_INFO_MAX_DEPTH);
			return;
		}
		p->skip_depth++;
		return;
	default:
		esc_ph_set_error(error, _("unexpected element <%s>"), element);
		return;
	}
}

static gboolean
esc_ph_text_ok(const gchar *text)
{
	for (const gchar *c = text; *c != '\0'; c++) {
		if ((guchar)*c < 0x20 && *c != '\n' && *c != '\t' && *c != '\r')
			return FALSE;
	}
	return TRUE;
}

static void
esc_ph_end(GMarkupParseContext *context, const gchar *element, gpointer user_data, GError **error)
{
	EscPhoneHomeParser *p = user_data;
	g_autofree gchar *text = NULL;

	switch (p->state) {
	case ESC_PH_ROOT:
		p->state = ESC_PH_OUTSIDE;
		return;
	case ESC_PH_ISSUER_NAME:
		text = g_strstrip(g_strdup(p->text->str));
		if (!esc_ph_text_ok(text)) {
			esc_ph_set_error(error, _("control characters in <IssuerName>"));
			return;
		}
		p->issuer_name = g_steal_pointer(&text);
		p->state = ESC_PH_ROOT;
		return;
	case ESC_PH_SERVICES:
		p->state = ESC_PH_ROOT;
		return;
	case ESC_PH_SERVICE:
		text = g_strstrip(g_strdup(p->text->str));
		if (!esc_ph_text_ok(text)) {
			esc_ph_set_error(error, _("control characters in <%s>"), p->service);
			return;
		}
		for (guint i = 0; i < p->names->len; i++) {
			if (g_strcmp0(g_ptr_array_index(p->names, i), p->service) == 0) {
				esc_ph_set_error(error, _("service <%s> given twice"), p->service);
				return;
			}
		}
		if (text[0] != '\0') {
			g_ptr_array_add(p->names, g_steal_pointer(&p->service));
			g_ptr_array_add(p->values, g_steal_pointer(&text));
		}
		g_clear_pointer(&p->service, g_free);
		p->state = ESC_PH_SERVICES;
		return;
	case ESC_PH_SKIP:
		if (--p->skip_depth == 0)
			p->state = ESC_PH_ROOT;
		return;
	default:
		esc_ph_set_error(error, _("unexpected end of <%s>"), element);
		return;
	}
}

static void
esc_ph_text(GMarkupParseContext *context, const gchar *text, gsize len, gpointer user_data, GError **error)
{
	EscPhoneHomeParser *p = user_data;

	if (p->state == ESC_PH_ISSUER_NAME || p->state == ESC_PH_SERVICE)
		g_string_append_len(p->text, text, (gssize)len);
}

EscIssuerInfo *
esc_issuer_info_parse(const gchar *data, gsize len, GError **error)
{
	const GMarkupParser parser = {
	    .start_element = esc_ph_start,
	    .end_element = esc_ph_end,
	    .text = esc_ph_text,
	};
	g_autoptr(GError) local_error = NULL;
	g_autoptr(GMarkupParseContext) context = NULL;
	EscPhoneHomeParser p = {0};
	EscIssuerInfo *info;
	gboolean ok;

	if (data == NULL && len > 0) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The phone-home answer is empty"));
		return NULL;
	}
	if (len == 0) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The phone-home answer is empty"));
		return NULL;
	}
	if (len > ESC_ISSUER_INFO_MAX_SIZE) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_PROTOCOL,
			    _("The phone-home answer is larger than %d bytes"),
			    ESC_ISSUER_INFO_MAX_SIZE);
		return NULL;
	}
	if (!g_utf8_validate_len(data, len, NULL)) {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_PROTOCOL, _("The phone-home answer is not UTF-8 text"));
		return NULL;
	}
	p.text = g_string_new(NULL);
	p.names = g_ptr_array_new_with_free_func(g_free);
	p.values = g_ptr_array_new_with_free_func(g_free);
	context = g_markup_parse_context_new(&parser, G_MARKUP_PREFIX_ERROR_POSITION, &p, NULL);
	ok = g_markup_parse_context_parse(context, data, (gssize)len, &local_error) &&
	     g_markup_parse_context_end_parse(context, &local_error);
	if (ok && !p.seen_root) {
		ok = FALSE;
		local_error = g_error_new_literal(G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, _("no <ServiceInfo> element"));
	}
	if (ok && (p.issuer_name == NULL || p.issuer_name[0] == '\0')) {
		ok = FALSE;
		local_error = g_error_new_literal(G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, _("no <IssuerName>"));
	}
	if (ok && !p.seen_services) {
		ok = FALSE;
		local_error = g_error_new_literal(G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, _("no <Services>"));
	}
	g_string_free(p.text, TRUE);
	g_free(p.service);
	if (!ok) {
		g_free(p.issuer_name);
		g_ptr_array_unref(p.names);
		g_ptr_array_unref(p.values);
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_PROTOCOL,
			    _("The phone-home answer is not a valid ServiceInfo document: %s"),
			    local_error->message);
		return NULL;
	}
	info = esc_issuer_info_alloc();
	info->issuer_name = p.issuer_name;
	g_ptr_array_unref(info->names);
	g_ptr_array_unref(info->values);
	info->names = p.names;
	info->values = p.values;
	return info;
}

const gchar *
esc_issuer_info_get_issuer_name(const EscIssuerInfo *i)
{
	return i->issuer_name;
}

const gchar *
esc_issuer_info_get_service(const EscIssuerInfo *i, const gchar *name)
{
	for (guint n = 0; n < i->names->len; n++) {
		if (g_strcmp0(g_ptr_array_index(i->names, n), name) == 0)
			return g_ptr_array_index(i->values, n);
	}
	return NULL;
}

const gchar *
esc_issuer_info_get_operation_url(const EscIssuerInfo *i)
{
	return esc_issuer_info_get_service(i, "Operation");
}

const gchar *
esc_issuer_info_get_token_type(const EscIssuerInfo *i)
{
	return esc_issuer_info_get_service(i, "TokenType");
}

GStrv
esc_issuer_info_dup_service_names(const EscIssuerInfo *i)
{
	GStrv names = g_new0(gchar *, i->names->len + 1);

	for (guint n = 0; n < i->names->len; n++)
		names[n] = g_strdup(g_ptr_array_index(i->names, n));
	return names;
}

const gchar *
esc_issuer_info_get_phone_home_url(const EscIssuerInfo *i)
{
	return i->phone_home_url;
}

EscIssuerInfo *
esc_issuer_info_new_with_url(const EscIssuerInfo *i, const gchar *url)
{
	EscIssuerInfo *copy = esc_issuer_info_alloc();

	copy->issuer_name = g_strdup(i->issuer_name);
	for (guint n = 0; n < i->names->len; n++) {
		g_ptr_array_add(copy->names, g_strdup(g_ptr_array_index(i->names, n)));
		g_ptr_array_add(copy->values, g_strdup(g_ptr_array_index(i->values, n)));
	}
	copy->phone_home_url = g_strdup(url);
	return copy;
}

static gboolean
esc_issuer_info_check_cuid(const gchar *cuid, GError **error)
{
	gsize len = strlen(cuid);

	if (len == 0 || len > ESC_ISSUER_CACHE_MAX_CUID) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not a token CUID"), cuid);
		return FALSE;
	}
	for (gsize n = 0; n < len; n++) {
		if (!g_ascii_isxdigit(cuid[n])) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not a token CUID"), cuid);
			return FALSE;
		}
	}
	return TRUE;
}

/* @url with cuid=@cuid added to its query. */
static gchar *
esc_issuer_info_build_url(const gchar *url, const gchar *cuid, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GUri) full = NULL;
	g_autoptr(GError) local_error = NULL;
	g_autofree gchar *query = NULL;
	g_autofree gchar *shown = esc_tps_connection_redact_url(url);
	const gchar *scheme;

	if (!esc_issuer_info_check_cuid(cuid, error))
		return NULL;
	uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, &local_error);
	if (uri == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not a valid URL: %s"), shown, local_error->message);
		return NULL;
	}
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not an http:// or https:// URL"), shown);
		return NULL;
	}
	if (g_uri_get_userinfo(uri) != NULL) {
		g_set_error(error,
			    ESC_ERROR,
			    ESC_ERROR_INVALID_INPUT,
			    _("The phone-home URL “%s” carries a user name or password, which is not supported"),
			    shown);
		return NULL;
	}
	if (g_uri_get_query(uri) != NULL && g_uri_get_query(uri)[0] != '\0')
		query = g_strdup_printf("%s&cuid=%s", g_uri_get_query(uri), cuid);
	else
		query = g_strdup_printf("cuid=%s", cuid);
	full = g_uri_build(G_URI_FLAGS_ENCODED,
			   scheme,
			   NULL,
			   g_uri_get_host(uri),
			   g_uri_get_port(uri),
			   g_uri_get_path(uri),
			   query,
			   NULL);
	return g_uri_to_string(full);
}

EscIssuerInfo *
esc_issuer_info_fetch(const gchar *url,
		      const gchar *cuid,
		      EscTlsOptions *tls,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autofree gchar *full = esc_issuer_info_build_url(url, cuid, error);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(EscIssuerInfo) parsed = NULL;

	if (full == NULL)
		return NULL;
	body = esc_tps_connection_http_get(full, tls, ESC_ISSUER_INFO_MAX_SIZE, cancellable, error);
	if (body == NULL) {
		g_prefix_error(error, _("Phone home failed: "));
		return NULL;
	}
	parsed = esc_issuer_info_parse(g_bytes_get_data(body, NULL), g_bytes_get_size(body), error);
	if (parsed == NULL) {
		g_prefix_error(error, "%s: ", full);
		return NULL;
	}
	return esc_issuer_info_new_with_url(parsed, full);
}

static gboolean
esc_issuer_info_wants_reset(const EscIssuerInfo *i)
{
	const gchar *reset = esc_issuer_info_get_service(i, "ResetPhoneHome");

	return reset != NULL && (g_ascii_strcasecmp(reset, "yes") == 0 || g_ascii_strcasecmp(reset, "true") == 0 ||
				 g_strcmp0(reset, "1") == 0);
}

/* ---- EscIssuerCache ------------------------------------------------------------------- */

struct _EscIssuerCache {
	GObject parent_instance;
	gchar *cache_dir;
	EscTlsOptions *tls;
	GMutex lock;
	GHashTable *memory; /* CUID (uppercase) -> EscIssuerInfo */
};

G_DEFINE_FINAL_TYPE(EscIssuerCache, esc_issuer_cache, G_TYPE_OBJECT)

static void
esc_issuer_cache_finalize(GObject *object)
{
	EscIssuerCache *self = ESC_ISSUER_CACHE(object);

	g_free(self->cache_dir);
	g_clear_pointer(&self->tls, esc_tls_options_unref);
	g_hash_table_unref(self->memory);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(esc_issuer_cache_parent_class)->finalize(object);
}

static void
esc_issuer_cache_class_init(EscIssuerCacheClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = esc_issuer_cache_finalize;
}

static void
esc_issuer_cache_init(EscIssuerCache *self)
{
	g_mutex_init(&self->lock);
	self->memory = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)esc_issuer_info_unref);
}

EscIssuerCache *
esc_issuer_cache_new(const gchar *cache_dir, EscTlsOptions *tls)
{
	EscIssuerCache *self = g_object_new(ESC_TYPE_ISSUER_CACHE, NULL);

	self->cache_dir = g_strdup(cache_dir);
	self->tls = tls != NULL ? esc_tls_options_ref(tls) : esc_tls_options_new();
	return self;
}

static gchar *
esc_issuer_cache_path(EscIssuerCache *self, const gchar *cuid)
{
	g_autofree gchar *name = g_strconcat(cuid, ESC_ISSUER_CACHE_SUFFIX, NULL);

	return g_build_filename(self->cache_dir, name, NULL);
}

static EscIssuerInfo *
esc_issuer_cache_load(EscIssuerCache *self, const gchar *cuid)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GKeyFile) file = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autofree gchar *document = NULL;
	g_autoptr(EscIssuerInfo) parsed = NULL;

	if (self->cache_dir == NULL)
		return NULL;
	path = esc_issuer_cache_path(self, cuid);
	if (!g_key_file_load_from_file(file, path, G_KEY_FILE_NONE, &error)) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_debug("ignoring the phone-home cache %s: %s", path, error->message);
		return NULL;
	}
	url = g_key_file_get_string(file, ESC_ISSUER_CACHE_GROUP, "url", NULL);
	document = g_key_file_get_string(file, ESC_ISSUER_CACHE_GROUP, "document", NULL);
	if (url == NULL || document == NULL) {
		g_debug("ignoring the phone-home cache %s: incomplete", path);
		return NULL;
	}
	parsed = esc_issuer_info_parse(document, strlen(document), &error);
	if (parsed == NULL) {
		g_debug("ignoring the phone-home cache %s: %s", path, error->message);
		return NULL;
	}
	return esc_issuer_info_new_with_url(parsed, url);
}

/* The document as XML again, for the disk cache. */
static gchar *
esc_issuer_info_to_xml(const EscIssuerInfo *i)
{
	g_autoptr(GString) xml = g_string_new("<ServiceInfo>\n");
	g_autofree gchar *name = g_markup_escape_text(i->issuer_name, -1);

	g_string_append_printf(xml, "<IssuerName>%s</IssuerName>\n<Services>\n", name);
	for (guint n = 0; n < i->names->len; n++) {
		g_autofree gchar *value = g_markup_escape_text(g_ptr_array_index(i->values, n), -1);
		const gchar *element = g_ptr_array_index(i->names, n);
		g_string_append_printf(xml, "<%s>%s</%s>\n", element, value, element);
	}
	g_string_append(xml, "</Services>\n</ServiceInfo>\n");
	return g_string_free(g_steal_pointer(&xml), FALSE);
}

static void
esc_issuer_cache_save(EscIssuerCache *self, const gchar *cuid, const EscIssuerInfo *info)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *xml = NULL;
	g_autofree gchar *data = NULL;
	g_autoptr(GKeyFile) file = g_key_file_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree gchar *when = g_date_time_format_iso8601(now);

	if (self->cache_dir == NULL)
		return;
	if (g_mkdir_with_parents(self->cache_dir, 0700) != 0) {
		g_warning("cannot create the phone-home cache folder %s: %s", self->cache_dir, g_strerror(errno));
		return;
	}
	xml = esc_issuer_info_to_xml(info);
	g_key_file_set_string(file, ESC_ISSUER_CACHE_GROUP, "url", esc_issuer_info_get_phone_home_url(info));
	g_key_file_set_string(file, ESC_ISSUER_CACHE_GROUP, "fetched", when);
	g_key_file_set_string(file, ESC_ISSUER_CACHE_GROUP, "document", xml);
	data = g_key_file_to_data(file, NULL, NULL);
	path = esc_issuer_cache_path(self, cuid);
	if (!g_file_set_contents_full(path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
		g_warning("cannot write the phone-home cache %s: %s", path, error->message);
}

EscIssuerInfo *
esc_issuer_cache_peek(EscIssuerCache *self, const gchar *cuid)
{
	g_autofree gchar *key = NULL;
	EscIssuerInfo *info;

	if (!esc_issuer_info_check_cuid(cuid, NULL))
		return NULL;
	key = g_ascii_strup(cuid, -1);
	g_mutex_lock(&self->lock);
	info = g_hash_table_lookup(self->memory, key);
	if (info != NULL)
		esc_issuer_info_ref(info);
	g_mutex_unlock(&self->lock);
	if (info != NULL)
		return info;
	return esc_issuer_cache_load(self, key);
}

void
esc_issuer_cache_forget(EscIssuerCache *self, const gchar *cuid)
{
	g_autofree gchar *key = NULL;

	if (!esc_issuer_info_check_cuid(cuid, NULL))
		return;
	key = g_ascii_strup(cuid, -1);
	g_mutex_lock(&self->lock);
	g_hash_table_remove(self->memory, key);
	g_mutex_unlock(&self->lock);
	if (self->cache_dir != NULL) {
		g_autofree gchar *path = esc_issuer_cache_path(self, key);
		if (g_unlink(path) != 0 && errno != ENOENT)
			g_warning("cannot remove the phone-home cache %s: %s", path, g_strerror(errno));
	}
}

EscIssuerInfo *
esc_issuer_cache_lookup_sync(EscIssuerCache *self,
			     const gchar *url,
			     const gchar *cuid,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *full = NULL;
	g_autoptr(EscIssuerInfo) cached = NULL;
	g_autoptr(EscIssuerInfo) fetched = NULL;

	key = g_ascii_strup(cuid, -1);
	full = esc_issuer_info_build_url(url, key, error);
	if (full == NULL)
		return NULL;
	cached = esc_issuer_cache_peek(self, key);
	if (cached != NULL && g_strcmp0(esc_issuer_info_get_phone_home_url(cached), full) == 0) {
		g_mutex_lock(&self->lock);
		g_hash_table_replace(self->memory, g_strdup(key), esc_issuer_info_ref(cached));
		g_mutex_unlock(&self->lock);
		return g_steal_pointer(&cached);
	}
	fetched = esc_issuer_info_fetch(url, key, self->tls, cancellable, error);
	if (fetched == NULL)
		return NULL;
	if (esc_issuer_info_wants_reset(fetched)) {
		esc_issuer_cache_forget(self, key);
		return g_steal_pointer(&fetched);
	}
	g_mutex_lock(&self->lock);
	g_hash_table_replace(self->memory, g_strdup(key), esc_issuer_info_ref(fetched));
	g_mutex_unlock(&self->lock);
	esc_issuer_cache_save(self, key, fetched);
	return g_steal_pointer(&fetched);
}

typedef struct {
	gchar *url;
	gchar *cuid;
} EscIssuerLookup;

static void
esc_issuer_lookup_free(gpointer data)
{
	EscIssuerLookup *lookup = data;

	g_free(lookup->url);
	g_free(lookup->cuid);
	g_free(lookup);
}

static void
esc_issuer_cache_lookup_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	EscIssuerLookup *lookup = task_data;
	GError *error = NULL;
	EscIssuerInfo *info;

	info = esc_issuer_cache_lookup_sync(ESC_ISSUER_CACHE(source), lookup->url, lookup->cuid, cancellable, &error);
	if (info == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, info, (GDestroyNotify)esc_issuer_info_unref);
}

void
esc_issuer_cache_lookup_async(EscIssuerCache *self,
			      const gchar *url,
			      const gchar *cuid,
			      GCancellable *cancellable,
			      GAsyncReadyCallback callback,
			      gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);
	EscIssuerLookup *lookup = g_new0(EscIssuerLookup, 1);

	g_task_set_source_tag(task, esc_issuer_cache_lookup_async);
	g_task_set_check_cancellable(task, FALSE);
	lookup->url = g_strdup(url);
	lookup->cuid = g_strdup(cuid);
	g_task_set_task_data(task, lookup, esc_issuer_lookup_free);
	g_task_run_in_thread(task, esc_issuer_cache_lookup_thread);
}

EscIssuerInfo *
esc_issuer_cache_lookup_finish(EscIssuerCache *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), NULL);
	return g_task_propagate_pointer(G_TASK(res), error);
}
