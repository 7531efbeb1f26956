/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-token-list.h"

#include "esc-error.h"

struct _EscTokenList {
	GObject parent_instance;
	EscReaderMonitor *monitor;
	GPtrArray *tokens; /* EscToken */
	EscIssuerCache *cache;
	gchar *fallback_url;
	GCancellable *cancellable;
	GHashTable *phone_home_errors; /* EscToken* (not a reference) -> message */
};

static void esc_token_list_model_init(GListModelInterface *iface);

G_DEFINE_TYPE_WITH_CODE(EscTokenList,
			esc_token_list,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, esc_token_list_model_init))

enum {
	SIGNAL_TOKEN_ADDED,
	SIGNAL_TOKEN_REMOVED,
	SIGNAL_SERVICE_CHANGED,
	SIGNAL_TOKEN_PROBED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

/* ---- GListModel --------------------------------------------------------------------------- */

static GType
esc_token_list_get_item_type(GListModel *model)
{
	return ESC_TYPE_TOKEN;
}

static guint
esc_token_list_get_n_items(GListModel *model)
{
	return ESC_TOKEN_LIST(model)->tokens->len;
}

static gpointer
esc_token_list_get_item(GListModel *model, guint position)
{
	EscTokenList *self = ESC_TOKEN_LIST(model);

	if (position >= self->tokens->len)
		return NULL;
	return g_object_ref(g_ptr_array_index(self->tokens, position));
}

static void
esc_token_list_model_init(GListModelInterface *iface)
{
	iface->get_item_type = esc_token_list_get_item_type;
	iface->get_n_items = esc_token_list_get_n_items;
	iface->get_item = esc_token_list_get_item;
}

/* ---- phone home --------------------------------------------------------------------------- */

/* @self is not a reference: the list cancels @cancellable in dispose, so it is alive as long
 * as @cancellable is not cancelled. */
typedef struct {
	EscTokenList *self;
	GCancellable *cancellable;
	EscToken *token;
} EscPhoneHome;

static void
esc_phone_home_free(EscPhoneHome *ph)
{
	g_clear_object(&ph->token);
	g_clear_object(&ph->cancellable);
	g_free(ph);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscPhoneHome, esc_phone_home_free)

static void
esc_token_list_phone_home_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(EscPhoneHome) ph = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) issuer = esc_issuer_cache_lookup_finish(ESC_ISSUER_CACHE(source), res, &error);

	if (g_cancellable_is_cancelled(ph->cancellable) || !esc_token_get_present(ph->token))
		return;
	if (issuer == NULL) {
		g_debug("phone home for the token in “%s” failed: %s", esc_token_get_reader(ph->token), error->message);
		g_hash_table_insert(ph->self->phone_home_errors, ph->token, g_strdup(error->message));
		return;
	}
	g_hash_table_remove(ph->self->phone_home_errors, ph->token);
	esc_token_set_issuer(ph->token, issuer);
}

static void
esc_token_list_phone_home(EscTokenList *self, EscToken *token)
{
	EscTokenInfo *info = esc_token_get_info(token);
	const gchar *url;
	EscPhoneHome *ph;

	if (self->cache == NULL || info == NULL || esc_token_info_get_cuid(info) == NULL || !esc_token_get_present(token))
		return;
	url = esc_token_info_get_issuer_url(info);
	if (url == NULL)
		url = self->fallback_url;
	if (url == NULL)
		return;
	ph = g_new0(EscPhoneHome, 1);
	ph->self = self;
	ph->cancellable = g_object_ref(self->cancellable);
	ph->token = g_object_ref(token);
	esc_issuer_cache_lookup_async(self->cache, url, esc_token_info_get_cuid(info), self->cancellable,
				      esc_token_list_phone_home_done, ph);
}

/* ---- monitor events ----------------------------------------------------------------------- */

typedef struct {
	EscTokenList *self; /* as in EscPhoneHome */
	GCancellable *cancellable;
	EscToken *token;
} EscProbeRequest;

static void
esc_token_list_probe_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	EscProbeRequest *req = user_data;
	EscToken *token = ESC_TOKEN(source);
	g_autoptr(GError) error = NULL;

	if (!esc_token_refresh_finish(token, res, &error))
		g_debug("probing the token in “%s” failed: %s", esc_token_get_reader(token), error->message);
	if (!g_cancellable_is_cancelled(req->cancellable)) {
		g_signal_emit(req->self, signals[SIGNAL_TOKEN_PROBED], 0, token);
		if (error == NULL)
			esc_token_list_phone_home(req->self, token);
	}
	g_object_unref(req->token);
	g_object_unref(req->cancellable);
	g_free(req);
}

static gint
esc_token_list_index_of_reader(EscTokenList *self, const gchar *reader)
{
	for (guint i = 0; i < self->tokens->len; i++) {
		if (g_strcmp0(esc_token_get_reader(g_ptr_array_index(self->tokens, i)), reader) == 0)
			return (gint)i;
	}
	return -1;
}

static void
esc_token_list_remove_reader(EscTokenList *self, const gchar *reader)
{
	gint idx = esc_token_list_index_of_reader(self, reader);
	g_autoptr(EscToken) token = NULL;

	if (idx < 0)
		return;
	token = g_object_ref(g_ptr_array_index(self->tokens, idx));
	esc_token_set_present(token, FALSE);
	g_hash_table_remove(self->phone_home_errors, token);
	g_ptr_array_remove_index(self->tokens, (guint)idx);
	g_list_model_items_changed(G_LIST_MODEL(self), (guint)idx, 1, 0);
	g_signal_emit(self, signals[SIGNAL_TOKEN_REMOVED], 0, token);
}

static void
esc_token_list_card_inserted(EscReaderMonitor *monitor, const gchar *reader, GBytes *atr, gpointer user_data)
{
	EscTokenList *self = user_data;
	g_autoptr(EscToken) token = NULL;
	EscProbeRequest *req;

	esc_token_list_remove_reader(self, reader);
	token = esc_token_new(reader, atr);
	g_ptr_array_add(self->tokens, g_object_ref(token));
	g_list_model_items_changed(G_LIST_MODEL(self), self->tokens->len - 1, 0, 1);
	g_signal_emit(self, signals[SIGNAL_TOKEN_ADDED], 0, token);
	req = g_new0(EscProbeRequest, 1);
	req->self = self;
	req->cancellable = g_object_ref(self->cancellable);
	req->token = g_object_ref(token);
	esc_token_refresh_async(token, self->cancellable, esc_token_list_probe_done, req);
}

static void
esc_token_list_card_removed(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	esc_token_list_remove_reader(user_data, reader);
}

static void
esc_token_list_service_changed(EscReaderMonitor *monitor, gboolean available, gpointer user_data)
{
	g_signal_emit(user_data, signals[SIGNAL_SERVICE_CHANGED], 0, available);
}

/* ---- API ---------------------------------------------------------------------------------- */

gboolean
esc_token_list_start(EscTokenList *self, GError **error)
{
	g_return_val_if_fail(ESC_IS_TOKEN_LIST(self), FALSE);
	return esc_reader_monitor_start(self->monitor, error);
}

EscReaderMonitor *
esc_token_list_get_monitor(EscTokenList *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN_LIST(self), NULL);
	return self->monitor;
}

EscToken *
esc_token_list_find_by_reader(EscTokenList *self, const gchar *reader)
{
	gint idx;

	g_return_val_if_fail(ESC_IS_TOKEN_LIST(self), NULL);
	g_return_val_if_fail(reader != NULL, NULL);
	idx = esc_token_list_index_of_reader(self, reader);
	return idx < 0 ? NULL : g_ptr_array_index(self->tokens, idx);
}

void
esc_token_list_set_issuer_cache(EscTokenList *self, EscIssuerCache *cache)
{
	g_return_if_fail(ESC_IS_TOKEN_LIST(self));
	g_set_object(&self->cache, cache);
}

void
esc_token_list_set_fallback_phone_home_url(EscTokenList *self, const gchar *url)
{
	g_return_if_fail(ESC_IS_TOKEN_LIST(self));
	g_free(self->fallback_url);
	self->fallback_url = url != NULL && url[0] != '\0' ? g_strdup(url) : NULL;
}

const gchar *
esc_token_list_get_phone_home_error(EscTokenList *self, EscToken *token)
{
	g_return_val_if_fail(ESC_IS_TOKEN_LIST(self), NULL);
	return g_hash_table_lookup(self->phone_home_errors, token);
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
esc_token_list_dispose(GObject *object)
{
	EscTokenList *self = ESC_TOKEN_LIST(object);

	g_cancellable_cancel(self->cancellable);
	if (self->monitor != NULL) {
		g_signal_handlers_disconnect_by_data(self->monitor, self);
		esc_reader_monitor_stop(self->monitor);
		g_clear_object(&self->monitor);
	}
	if (self->tokens != NULL && self->tokens->len > 0) {
		guint n = self->tokens->len;

		for (guint i = 0; i < n; i++)
			esc_token_set_present(g_ptr_array_index(self->tokens, i), FALSE);
		g_ptr_array_set_size(self->tokens, 0);
		g_list_model_items_changed(G_LIST_MODEL(self), 0, n, 0);
	}
	g_clear_object(&self->cache);
	G_OBJECT_CLASS(esc_token_list_parent_class)->dispose(object);
}

static void
esc_token_list_finalize(GObject *object)
{
	EscTokenList *self = ESC_TOKEN_LIST(object);

	g_ptr_array_unref(self->tokens);
	g_hash_table_unref(self->phone_home_errors);
	g_free(self->fallback_url);
	g_object_unref(self->cancellable);
	G_OBJECT_CLASS(esc_token_list_parent_class)->finalize(object);
}

static void
esc_token_list_class_init(EscTokenListClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = esc_token_list_dispose;
	object_class->finalize = esc_token_list_finalize;
	signals[SIGNAL_TOKEN_ADDED] = g_signal_new("token-added", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						   G_TYPE_NONE, 1, ESC_TYPE_TOKEN);
	signals[SIGNAL_TOKEN_REMOVED] = g_signal_new("token-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
						     NULL, G_TYPE_NONE, 1, ESC_TYPE_TOKEN);
	signals[SIGNAL_SERVICE_CHANGED] = g_signal_new("service-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
						       NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
	signals[SIGNAL_TOKEN_PROBED] = g_signal_new("token-probed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
						    NULL, G_TYPE_NONE, 1, ESC_TYPE_TOKEN);
}

static void
esc_token_list_init(EscTokenList *self)
{
	self->tokens = g_ptr_array_new_with_free_func(g_object_unref);
	self->phone_home_errors = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	self->cancellable = g_cancellable_new();
	self->monitor = esc_reader_monitor_new();
	g_signal_connect(self->monitor, "card-inserted", G_CALLBACK(esc_token_list_card_inserted), self);
	g_signal_connect(self->monitor, "card-removed", G_CALLBACK(esc_token_list_card_removed), self);
	g_signal_connect(self->monitor, "service-changed", G_CALLBACK(esc_token_list_service_changed), self);
}

EscTokenList *
esc_token_list_new(void)
{
	return g_object_new(ESC_TYPE_TOKEN_LIST, NULL);
}
