/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-token.h"

#include <glib/gi18n-lib.h>

#include "esc-error.h"

struct _EscToken {
	GObject parent_instance;
	GMainContext *context; /* where notify is emitted */
	GThread *thread;       /* the thread that created the token */
	gchar *reader;
	GBytes *atr;
	EscCard *card;
	EscTokenStatus status;
	EscTokenInfo *info;
	gboolean operation_busy;
	guint probes; /* running */
	gchar *error;
	EscIssuerInfo *issuer;
	gboolean present;
	gchar *display_name;
};

G_DEFINE_TYPE(EscToken, esc_token, G_TYPE_OBJECT)

enum {
	PROP_0,
	PROP_READER,
	PROP_ATR,
	PROP_STATUS,
	PROP_INFO,
	PROP_BUSY,
	PROP_ERROR,
	PROP_ISSUER,
	PROP_PRESENT,
	PROP_DISPLAY_NAME,
	N_PROPS,
};

static GParamSpec *props[N_PROPS];

static void
esc_token_update_display_name(EscToken *self)
{
	g_autofree gchar *name = NULL;
	const gchar *issuer = self->issuer != NULL ? esc_issuer_info_get_issuer_name(self->issuer) : NULL;
	const gchar *cuid = self->info != NULL ? esc_token_info_get_cuid(self->info) : NULL;

	if (issuer != NULL && issuer[0] != '\0' && cuid != NULL && strlen(cuid) >= 8)
		name = g_strdup_printf("%s (…%s)", issuer, cuid + strlen(cuid) - 8);
	else if (issuer != NULL && issuer[0] != '\0')
		name = g_strdup(issuer);
	else
		name = g_strdup(self->reader);
	if (g_strcmp0(name, self->display_name) == 0)
		return;
	g_free(self->display_name);
	self->display_name = g_steal_pointer(&name);
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_DISPLAY_NAME]);
}

static gboolean
esc_token_get_busy_internal(EscToken *self)
{
	return self->operation_busy || self->probes > 0;
}

/* Runs @func(@self, @data) on the token's thread: now if this is it, else from an idle
 * source on its main context. */
typedef void (*EscTokenSetter)(EscToken *self, gpointer data);

typedef struct {
	EscToken *self;
	EscTokenSetter func;
	gpointer data;
	GDestroyNotify data_free;
} EscTokenDeferred;

static void
esc_token_deferred_free(gpointer p)
{
	EscTokenDeferred *d = p;

	if (d->data_free != NULL && d->data != NULL)
		d->data_free(d->data);
	g_object_unref(d->self);
	g_free(d);
}

static gboolean
esc_token_deferred_run(gpointer p)
{
	EscTokenDeferred *d = p;

	d->func(d->self, d->data);
	return G_SOURCE_REMOVE;
}

static void
esc_token_on_thread(EscToken *self, EscTokenSetter func, gpointer data, GDestroyNotify data_free)
{
	EscTokenDeferred *d;
	g_autoptr(GSource) source = NULL;

	if (g_thread_self() == self->thread) {
		func(self, data);
		if (data_free != NULL && data != NULL)
			data_free(data);
		return;
	}
	d = g_new0(EscTokenDeferred, 1);
	d->self = g_object_ref(self);
	d->func = func;
	d->data = data;
	d->data_free = data_free;
	source = g_idle_source_new();
	g_source_set_static_name(source, "EscToken setter");
	g_source_set_callback(source, esc_token_deferred_run, d, esc_token_deferred_free);
	g_source_attach(source, self->context);
}

static void
esc_token_set_busy_now(EscToken *self, gpointer data)
{
	gboolean old = esc_token_get_busy_internal(self);

	self->operation_busy = GPOINTER_TO_INT(data);
	if (old != esc_token_get_busy_internal(self))
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_BUSY]);
}

static void
esc_token_set_issuer_now(EscToken *self, gpointer data)
{
	EscIssuerInfo *issuer = data;

	if (issuer == self->issuer)
		return;
	g_clear_pointer(&self->issuer, esc_issuer_info_unref);
	if (issuer != NULL)
		self->issuer = esc_issuer_info_ref(issuer);
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ISSUER]);
	esc_token_update_display_name(self);
}

static void
esc_token_set_present_now(EscToken *self, gpointer data)
{
	gboolean present = GPOINTER_TO_INT(data);

	if (self->present == present)
		return;
	self->present = present;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_PRESENT]);
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
esc_token_constructed(GObject *object)
{
	EscToken *self = ESC_TOKEN(object);

	G_OBJECT_CLASS(esc_token_parent_class)->constructed(object);
	self->card = esc_card_new(self->reader != NULL ? self->reader : "");
	self->display_name = g_strdup(self->reader != NULL ? self->reader : "");
}

static void
esc_token_finalize(GObject *object)
{
	EscToken *self = ESC_TOKEN(object);

	g_clear_object(&self->card);
	g_clear_pointer(&self->atr, g_bytes_unref);
	g_clear_pointer(&self->info, esc_token_info_unref);
	g_clear_pointer(&self->issuer, esc_issuer_info_unref);
	g_free(self->reader);
	g_free(self->error);
	g_free(self->display_name);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(esc_token_parent_class)->finalize(object);
}

static void
esc_token_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	EscToken *self = ESC_TOKEN(object);

	switch (prop_id) {
	case PROP_READER:
		g_value_set_string(value, self->reader);
		break;
	case PROP_ATR:
		g_value_set_boxed(value, self->atr);
		break;
	case PROP_STATUS:
		g_value_set_enum(value, self->status);
		break;
	case PROP_INFO:
		g_value_set_boxed(value, self->info);
		break;
	case PROP_BUSY:
		g_value_set_boolean(value, esc_token_get_busy_internal(self));
		break;
	case PROP_ERROR:
		g_value_set_string(value, self->error);
		break;
	case PROP_ISSUER:
		g_value_set_boxed(value, self->issuer);
		break;
	case PROP_PRESENT:
		g_value_set_boolean(value, self->present);
		break;
	case PROP_DISPLAY_NAME:
		g_value_set_string(value, self->display_name);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
esc_token_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	EscToken *self = ESC_TOKEN(object);

	switch (prop_id) {
	case PROP_READER:
		g_free(self->reader);
		self->reader = g_value_dup_string(value);
		break;
	case PROP_ATR:
		g_clear_pointer(&self->atr, g_bytes_unref);
		self->atr = g_value_dup_boxed(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
esc_token_class_init(EscTokenClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	object_class->constructed = esc_token_constructed;
	object_class->finalize = esc_token_finalize;
	object_class->get_property = esc_token_get_property;
	object_class->set_property = esc_token_set_property;
	props[PROP_READER] =
	    g_param_spec_string("reader", NULL, NULL, NULL, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
	props[PROP_ATR] =
	    g_param_spec_boxed("atr", NULL, NULL, G_TYPE_BYTES, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
	props[PROP_STATUS] = g_param_spec_enum("status", NULL, NULL, ESC_TYPE_TOKEN_STATUS, ESC_TOKEN_STATUS_UNKNOWN, ro);
	props[PROP_INFO] = g_param_spec_boxed("info", NULL, NULL, ESC_TYPE_TOKEN_INFO, ro);
	props[PROP_BUSY] = g_param_spec_boolean("busy", NULL, NULL, FALSE, ro);
	props[PROP_ERROR] = g_param_spec_string("error", NULL, NULL, NULL, ro);
	props[PROP_ISSUER] = g_param_spec_boxed("issuer", NULL, NULL, ESC_TYPE_ISSUER_INFO, ro);
	props[PROP_PRESENT] = g_param_spec_boolean("present", NULL, NULL, TRUE, ro);
	props[PROP_DISPLAY_NAME] = g_param_spec_string("display-name", NULL, NULL, NULL, ro);
	g_object_class_install_properties(object_class, N_PROPS, props);
}

static void
esc_token_init(EscToken *self)
{
	self->context = g_main_context_ref_thread_default();
	self->thread = g_thread_self();
	self->present = TRUE;
	self->status = ESC_TOKEN_STATUS_UNKNOWN;
}

EscToken *
esc_token_new(const gchar *reader, GBytes *atr)
{
	g_return_val_if_fail(reader != NULL, NULL);
	return g_object_new(ESC_TYPE_TOKEN, "reader", reader, "atr", atr, NULL);
}

/* ---- accessors ---------------------------------------------------------------------------- */

EscCard *
esc_token_get_card(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	return self->card;
}

const gchar *
esc_token_get_reader(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	return self->reader;
}

GBytes *
esc_token_get_atr(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	if (self->atr == NULL && self->info != NULL)
		return esc_token_info_get_atr(self->info);
	return self->atr;
}

EscTokenStatus
esc_token_get_status(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), ESC_TOKEN_STATUS_UNKNOWN);
	return self->status;
}

EscTokenInfo *
esc_token_get_info(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	return self->info;
}

const gchar *
esc_token_get_display_name(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	return self->display_name;
}

const gchar *
esc_token_get_error(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	return self->error;
}

gboolean
esc_token_get_present(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), FALSE);
	return self->present;
}

void
esc_token_set_present(EscToken *self, gboolean present)
{
	g_return_if_fail(ESC_IS_TOKEN(self));
	esc_token_on_thread(self, esc_token_set_present_now, GINT_TO_POINTER(present ? 1 : 0), NULL);
}

gboolean
esc_token_get_busy(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), FALSE);
	return esc_token_get_busy_internal(self);
}

void
esc_token_set_busy(EscToken *self, gboolean busy)
{
	g_return_if_fail(ESC_IS_TOKEN(self));
	esc_token_on_thread(self, esc_token_set_busy_now, GINT_TO_POINTER(busy ? 1 : 0), NULL);
}

EscIssuerInfo *
esc_token_get_issuer(EscToken *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN(self), NULL);
	return self->issuer;
}

void
esc_token_set_issuer(EscToken *self, EscIssuerInfo *issuer)
{
	g_return_if_fail(ESC_IS_TOKEN(self));
	esc_token_on_thread(self,
			    esc_token_set_issuer_now,
			    issuer != NULL ? esc_issuer_info_ref(issuer) : NULL,
			    (GDestroyNotify)esc_issuer_info_unref);
}

/* ---- refresh ------------------------------------------------------------------------------ */

static void
esc_token_probe_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = user_data;
	EscToken *self = g_task_get_source_object(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTokenInfo) info = esc_token_probe_finish(ESC_CARD(source), res, &error);
	gboolean was_busy = esc_token_get_busy_internal(self);
	EscTokenStatus status;

	g_object_freeze_notify(G_OBJECT(self));
	self->probes--;
	if (info != NULL) {
		status = esc_token_info_get_status(info);
		g_clear_pointer(&self->info, esc_token_info_unref);
		self->info = esc_token_info_ref(info);
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_INFO]);
		if (self->error != NULL) {
			g_clear_pointer(&self->error, g_free);
			g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ERROR]);
		}
		esc_token_update_display_name(self);
	} else {
		status = ESC_TOKEN_STATUS_ERROR;
		g_free(self->error);
		self->error = g_strdup(error->message);
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ERROR]);
	}
	if (status != self->status) {
		self->status = status;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATUS]);
	}
	if (was_busy != esc_token_get_busy_internal(self))
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_BUSY]);
	g_object_thaw_notify(G_OBJECT(self));
	if (info == NULL)
		g_task_return_error(task, g_steal_pointer(&error));
	else
		g_task_return_boolean(task, TRUE);
}

void
esc_token_refresh_async(EscToken *self, GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
	g_autoptr(GTask) task = NULL;
	gboolean was_busy;

	g_return_if_fail(ESC_IS_TOKEN(self));
	task = g_task_new(self, c, cb, d);
	g_task_set_source_tag(task, esc_token_refresh_async);
	g_task_set_check_cancellable(task, FALSE);
	if (!self->present) {
		g_task_return_new_error(task, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("the card was removed from reader “%s”"), self->reader);
		return;
	}
	was_busy = esc_token_get_busy_internal(self);
	self->probes++;
	if (!was_busy)
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_BUSY]);
	esc_token_probe_async(self->card, c, esc_token_probe_done, g_steal_pointer(&task));
}

gboolean
esc_token_refresh_finish(EscToken *self, GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, self), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
