/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-token-page.h"
#include "esc-token-row.h"
#include "esc-window.h"

#define ESC_WINDOW_OFFERED_KEY "esc-window-offered-enroll"
#define ESC_WINDOW_OFFER_TOAST_KEY "esc-window-offer-toast"

struct _EscWindow {
	AdwApplicationWindow parent_instance;

	AdwToastOverlay *toast_overlay;
	AdwLeaflet *leaflet;
	GtkWidget *sidebar;
	GtkWidget *content;
	GtkStack *sidebar_stack;
	GtkListBox *token_list;
	GtkStack *content_stack;
	AdwStatusPage *empty_page;
	AdwWindowTitle *content_title;
	EscTokenPage *token_page;

	EscTokenList *tokens;
	gboolean service_available;
};

G_DEFINE_FINAL_TYPE(EscWindow, esc_window, ADW_TYPE_APPLICATION_WINDOW)

static EscApplication *
esc_window_get_app(EscWindow *self)
{
	GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));

	return ESC_IS_APPLICATION(app) ? ESC_APPLICATION(app) : NULL;
}

/* ---- state ------------------------------------------------------------------------------- */

/* Without a card: the readers there are (or that there is none), so the user knows where to
 * insert it. */
static void
esc_window_update_empty_page(EscWindow *self)
{
	g_auto(GStrv) readers = NULL;
	g_autofree gchar *list = NULL;
	g_autofree gchar *description = NULL;
	g_autofree gchar *escaped = NULL;

	if (self->tokens == NULL)
		return;
	readers = esc_reader_monitor_get_readers(esc_token_list_get_monitor(self->tokens));
	if (readers == NULL || readers[0] == NULL) {
		adw_status_page_set_title(self->empty_page, _("Connect a Card Reader"));
		description = g_strdup(_("No smart card reader is connected. Connect one, then insert your smart card."));
	} else {
		adw_status_page_set_title(self->empty_page, _("Insert a Smart Card"));
		list = g_strjoinv(", ", readers);
		/* TRANSLATORS: %s is a list of card reader names, separated by commas */
		description = g_strdup_printf(
		    g_strv_length(readers) == 1
			? _("Insert your smart card into the reader %s. It appears here as soon as it is inserted.")
			: _("Insert your smart card into one of the readers %s. It appears here as soon as it is inserted."),
		    list);
	}
	escaped = g_markup_escape_text(description, -1);
	adw_status_page_set_description(self->empty_page, escaped);
}

static void
esc_window_readers_changed(EscReaderMonitor *monitor, const gchar *reader, gpointer user_data)
{
	esc_window_update_empty_page(ESC_WINDOW(user_data));
}

static void
esc_window_update_state(EscWindow *self)
{
	guint n = self->tokens != NULL ? g_list_model_get_n_items(G_LIST_MODEL(self->tokens)) : 0;

	if (n == 0) {
		esc_window_update_empty_page(self);
		gtk_stack_set_visible_child_name(self->sidebar_stack, "empty");
		gtk_stack_set_visible_child_name(self->content_stack, self->service_available ? "empty" : "no-service");
		esc_token_page_set_token(self->token_page, NULL);
		adw_window_title_set_title(self->content_title, "");
		adw_window_title_set_subtitle(self->content_title, "");
		return;
	}
	gtk_stack_set_visible_child_name(self->sidebar_stack, "list");
	if (gtk_list_box_get_selected_row(self->token_list) == NULL)
		gtk_list_box_select_row(self->token_list, gtk_list_box_get_row_at_index(self->token_list, 0));
}

static void
esc_window_row_selected(GtkListBox *box, GtkListBoxRow *row, gpointer user_data)
{
	EscWindow *self = ESC_WINDOW(user_data);

	if (row == NULL) {
		esc_window_update_state(self);
		return;
	}
	esc_token_page_set_token(self->token_page, esc_token_row_get_token(ESC_TOKEN_ROW(row)));
	gtk_stack_set_visible_child_name(self->content_stack, "token");
}

static void
esc_window_row_activated(GtkListBox *box, GtkListBoxRow *row, gpointer user_data)
{
	EscWindow *self = ESC_WINDOW(user_data);

	adw_leaflet_set_visible_child(self->leaflet, self->content);
}

static void
esc_window_service_changed(EscTokenList *list, gboolean available, gpointer user_data)
{
	EscWindow *self = ESC_WINDOW(user_data);

	self->service_available = available;
	esc_window_update_state(self);
}

/* ---- offer to enroll ----------------------------------------------------------------------- */

/* The offer stays until it is used or dismissed, or until it no longer applies: the token
 * got busy (an operation), enrolled, or removed. */
static void
esc_window_withdraw_offer(EscToken *token)
{
	AdwToast *toast = g_object_get_data(G_OBJECT(token), ESC_WINDOW_OFFER_TOAST_KEY);

	if (toast != NULL)
		adw_toast_dismiss(toast);
	g_object_set_data(G_OBJECT(token), ESC_WINDOW_OFFER_TOAST_KEY, NULL);
}

static void
esc_window_maybe_offer_enroll(EscWindow *self, EscToken *token)
{
	EscApplication *app = esc_window_get_app(self);
	EscTokenStatus status = esc_token_get_status(token);
	g_autoptr(AdwToast) toast = NULL;
	g_autofree gchar *name = NULL;
	g_autofree gchar *title = NULL;
	gboolean unenrolled = status == ESC_TOKEN_STATUS_BLANK || status == ESC_TOKEN_STATUS_FORMATTED;

	if (!unenrolled || esc_token_get_busy(token) || !esc_token_get_present(token)) {
		esc_window_withdraw_offer(token);
		return;
	}
	if (app == NULL || !esc_application_get_boolean_setting(app, "offer-enroll", TRUE) ||
	    g_object_get_data(G_OBJECT(token), ESC_WINDOW_OFFERED_KEY) != NULL)
		return;
	g_object_set_data(G_OBJECT(token), ESC_WINDOW_OFFERED_KEY, GINT_TO_POINTER(1));
	name = g_markup_escape_text(esc_token_get_reader(token), -1);
	/* TRANSLATORS: a toast; %s is the name of a card reader */
	title = g_strdup_printf(_("The smart card in %s is not enrolled yet"), name);
	toast = adw_toast_new(title);
	adw_toast_set_button_label(toast, _("Enroll Now"));
	adw_toast_set_action_name(toast, "win.enroll");
	adw_toast_set_action_target_value(toast, g_variant_new_string(esc_token_get_reader(token)));
	adw_toast_set_timeout(toast, 0);
	g_object_set_data_full(G_OBJECT(token), ESC_WINDOW_OFFER_TOAST_KEY, g_object_ref(toast), g_object_unref);
	adw_toast_overlay_add_toast(self->toast_overlay, g_steal_pointer(&toast));
}

static void
esc_window_token_status_changed(EscToken *token, GParamSpec *pspec, gpointer user_data)
{
	esc_window_maybe_offer_enroll(ESC_WINDOW(user_data), token);
}

static void
esc_window_items_changed(GListModel *model, guint position, guint removed, guint added, gpointer user_data)
{
	EscWindow *self = ESC_WINDOW(user_data);

	for (guint i = position; i < position + added; i++) {
		g_autoptr(EscToken) token = g_list_model_get_item(model, i);
		g_signal_connect_object(token, "notify::status", G_CALLBACK(esc_window_token_status_changed), self, 0);
		g_signal_connect_object(token, "notify::busy", G_CALLBACK(esc_window_token_status_changed), self, 0);
		g_signal_connect_object(token, "notify::present", G_CALLBACK(esc_window_token_status_changed), self, 0);
		esc_window_maybe_offer_enroll(self, token);
	}
	esc_window_update_state(self);
}

/* ---- actions ------------------------------------------------------------------------------- */

static void
esc_window_back(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscWindow *self = ESC_WINDOW(widget);

	adw_leaflet_navigate(self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
esc_window_enroll(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscWindow *self = ESC_WINDOW(widget);
	EscToken *token = esc_token_list_find_by_reader(self->tokens, g_variant_get_string(parameter, NULL));

	if (token == NULL)
		return;
	esc_window_show_token(self, token);
	esc_token_page_start_operation(self->token_page, ESC_OPERATION_ENROLL);
}

/* ---- public ------------------------------------------------------------------------------- */

void
esc_window_show_token(EscWindow *self, EscToken *token)
{
	guint n;

	g_return_if_fail(ESC_IS_WINDOW(self));
	n = g_list_model_get_n_items(G_LIST_MODEL(self->tokens));
	for (guint i = 0; i < n; i++) {
		g_autoptr(EscToken) item = g_list_model_get_item(G_LIST_MODEL(self->tokens), i);
		if (item == token) {
			GtkListBoxRow *row = gtk_list_box_get_row_at_index(self->token_list, (int)i);
			gtk_list_box_select_row(self->token_list, row);
			adw_leaflet_set_visible_child(self->leaflet, self->content);
			return;
		}
	}
}

void
esc_window_add_toast(EscWindow *self, AdwToast *toast)
{
	g_return_if_fail(ESC_IS_WINDOW(self));
	adw_toast_overlay_add_toast(self->toast_overlay, toast);
}

static GtkWidget *
esc_window_create_row(gpointer item, gpointer user_data)
{
	return GTK_WIDGET(esc_token_row_new(ESC_TOKEN(item)));
}

/* After construction: GtkWindow:application is not a construct property. */
static void
esc_window_setup(EscWindow *self, EscApplication *app)
{
	self->tokens = g_object_ref(esc_application_get_token_list(app));
	self->service_available =
	    esc_reader_monitor_get_service_available(esc_token_list_get_monitor(self->tokens));
	gtk_list_box_bind_model(self->token_list, G_LIST_MODEL(self->tokens), esc_window_create_row, self, NULL);
	g_signal_connect_object(self->tokens, "items-changed", G_CALLBACK(esc_window_items_changed), self, 0);
	g_signal_connect_object(self->tokens, "service-changed", G_CALLBACK(esc_window_service_changed), self, 0);
	g_signal_connect_object(esc_token_list_get_monitor(self->tokens), "reader-added",
				G_CALLBACK(esc_window_readers_changed), self, 0);
	g_signal_connect_object(esc_token_list_get_monitor(self->tokens), "reader-removed",
				G_CALLBACK(esc_window_readers_changed), self, 0);
	g_object_bind_property(self->token_page, "title", self->content_title, "title", G_BINDING_SYNC_CREATE);
	g_object_bind_property(self->token_page, "subtitle", self->content_title, "subtitle", G_BINDING_SYNC_CREATE);
	esc_window_items_changed(G_LIST_MODEL(self->tokens), 0, 0, g_list_model_get_n_items(G_LIST_MODEL(self->tokens)),
				 self);
}

static void
esc_window_dispose(GObject *object)
{
	EscWindow *self = ESC_WINDOW(object);

	if (self->token_list != NULL)
		gtk_list_box_bind_model(self->token_list, NULL, NULL, NULL, NULL);
	g_clear_object(&self->tokens);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_WINDOW);
	G_OBJECT_CLASS(esc_window_parent_class)->dispose(object);
}

static void
esc_window_class_init(EscWindowClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

	object_class->dispose = esc_window_dispose;

	g_type_ensure(ESC_TYPE_TOKEN_PAGE);
	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-window.ui");
	gtk_widget_class_bind_template_child(widget_class, EscWindow, toast_overlay);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, leaflet);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, sidebar);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, content);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, sidebar_stack);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, token_list);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, content_stack);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, empty_page);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, content_title);
	gtk_widget_class_bind_template_child(widget_class, EscWindow, token_page);
	gtk_widget_class_bind_template_callback(widget_class, esc_window_row_selected);
	gtk_widget_class_bind_template_callback(widget_class, esc_window_row_activated);

	gtk_widget_class_install_action(widget_class, "win.back", NULL, esc_window_back);
	gtk_widget_class_install_action(widget_class, "win.enroll", "s", esc_window_enroll);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
}

static void
esc_window_init(EscWindow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}

EscWindow *
esc_window_new(EscApplication *application)
{
	EscWindow *self = g_object_new(ESC_TYPE_WINDOW, "application", application, NULL);

	esc_window_setup(self, application);
	return self;
}
