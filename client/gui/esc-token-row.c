/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-gui-util.h"
#include "esc-token-row.h"

struct _EscTokenRow {
	GtkListBoxRow parent_instance;

	GtkLabel *title_label;
	GtkLabel *status_label;
	GtkLabel *detail_label;
	GtkSpinner *spinner;

	EscToken *token;
};

G_DEFINE_FINAL_TYPE(EscTokenRow, esc_token_row, GTK_TYPE_LIST_BOX_ROW)

static void
esc_token_row_update(EscTokenRow *self)
{
	EscTokenInfo *info = esc_token_get_info(self->token);
	const gchar *serial = info != NULL ? esc_token_info_get_msn(info) : NULL;
	g_autofree gchar *status = esc_gui_util_token_status_text(self->token);
	g_autofree gchar *owner = esc_gui_util_token_owner(self->token);
	g_autofree gchar *status_line = NULL;
	g_autofree gchar *detail = NULL;
	g_autofree gchar *accessible = NULL;
	gboolean busy = esc_token_get_busy(self->token);

	/* TRANSLATORS: token list: "<status> · <owner's name>" */
	status_line = owner != NULL ? g_strdup_printf(_("%s · %s"), status, owner) : g_strdup(status);
	/* TRANSLATORS: token list tooltip: "<reader> · serial number <number>" */
	detail = serial != NULL ? g_strdup_printf(_("%s · serial number %s"), esc_token_get_reader(self->token), serial)
				: g_strdup(esc_token_get_reader(self->token));
	gtk_label_set_text(self->title_label, esc_token_get_display_name(self->token));
	gtk_label_set_text(self->status_label, status_line);
	gtk_label_set_text(self->detail_label, esc_token_get_reader(self->token));
	gtk_widget_set_tooltip_text(GTK_WIDGET(self), detail);
	gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
	gtk_spinner_set_spinning(self->spinner, busy);
	/* one name for screen readers: what, state, where */
	accessible = g_strdup_printf("%s, %s, %s", esc_token_get_display_name(self->token), status_line, detail);
	gtk_accessible_update_property(GTK_ACCESSIBLE(self), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
}

static void
esc_token_row_token_notify(EscToken *token, GParamSpec *pspec, gpointer user_data)
{
	esc_token_row_update(ESC_TOKEN_ROW(user_data));
}

EscToken *
esc_token_row_get_token(EscTokenRow *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN_ROW(self), NULL);
	return self->token;
}

static void
esc_token_row_dispose(GObject *object)
{
	EscTokenRow *self = ESC_TOKEN_ROW(object);

	if (self->token != NULL)
		g_signal_handlers_disconnect_by_data(self->token, self);
	g_clear_object(&self->token);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_TOKEN_ROW);
	G_OBJECT_CLASS(esc_token_row_parent_class)->dispose(object);
}

static void
esc_token_row_class_init(EscTokenRowClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

	object_class->dispose = esc_token_row_dispose;
	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-token-row.ui");
	gtk_widget_class_bind_template_child(widget_class, EscTokenRow, title_label);
	gtk_widget_class_bind_template_child(widget_class, EscTokenRow, status_label);
	gtk_widget_class_bind_template_child(widget_class, EscTokenRow, detail_label);
	gtk_widget_class_bind_template_child(widget_class, EscTokenRow, spinner);
}

static void
esc_token_row_init(EscTokenRow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}

EscTokenRow *
esc_token_row_new(EscToken *token)
{
	EscTokenRow *self = g_object_new(ESC_TYPE_TOKEN_ROW, NULL);

	self->token = g_object_ref(token);
	g_signal_connect_object(token, "notify", G_CALLBACK(esc_token_row_token_notify), self, 0);
	esc_token_row_update(self);
	return self;
}
