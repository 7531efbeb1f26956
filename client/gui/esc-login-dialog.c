/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-gui-util.h"
#include "esc-login-dialog.h"

struct _EscLoginDialog {
	AdwWindow parent_instance;

	GtkLabel *heading_label;
	GtkLabel *description_label;
	GtkLabel *error_label;
	GtkGrid *fields_grid;
	GtkButton *login_button;

	EscLoginRequest *request;
	GPtrArray *inputs; /* one widget per field, in the request's order */
};

G_DEFINE_FINAL_TYPE(EscLoginDialog, esc_login_dialog, ADW_TYPE_WINDOW)

/* ---- values ------------------------------------------------------------------------------- */

static gboolean
esc_login_dialog_is_integer(const gchar *text)
{
	if (*text == '-')
		text++;
	if (*text == '\0')
		return FALSE;
	for (; *text != '\0'; text++) {
		if (!g_ascii_isdigit(*text))
			return FALSE;
	}
	return TRUE;
}

static gboolean
esc_login_dialog_complete(EscLoginDialog *self)
{
	for (guint i = 0; i < self->inputs->len; i++) {
		const EscLoginField *field = esc_login_request_get_field(self->request, i);
		GtkWidget *input = g_ptr_array_index(self->inputs, i);
		const gchar *text;

		if (field == NULL || field->type == ESC_LOGIN_FIELD_BOOLEAN)
			continue;
		text = gtk_editable_get_text(GTK_EDITABLE(input));
		if (text[0] == '\0')
			return FALSE;
		if (field->type == ESC_LOGIN_FIELD_INTEGER && !esc_login_dialog_is_integer(text))
			return FALSE;
	}
	return TRUE;
}

static void
esc_login_dialog_changed(GtkEditable *editable, gpointer user_data)
{
	EscLoginDialog *self = ESC_LOGIN_DIALOG(user_data);

	gtk_widget_action_set_enabled(GTK_WIDGET(self), "login.submit", esc_login_dialog_complete(self));
}

/* ---- actions ------------------------------------------------------------------------------ */

static void
esc_login_dialog_submit(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscLoginDialog *self = ESC_LOGIN_DIALOG(widget);

	if (esc_login_request_is_answered(self->request) || !esc_login_dialog_complete(self))
		return;
	for (guint i = 0; i < self->inputs->len; i++) {
		const EscLoginField *field = esc_login_request_get_field(self->request, i);
		GtkWidget *input = g_ptr_array_index(self->inputs, i);

		if (field == NULL)
			continue;
		if (field->type == ESC_LOGIN_FIELD_BOOLEAN) {
			gboolean active = gtk_check_button_get_active(GTK_CHECK_BUTTON(input));
			esc_login_request_set_value(self->request, field->id, active ? "true" : "false");
		} else {
			/* the request copies it into wiped memory; then the entry forgets it */
			esc_login_request_set_value(self->request, field->id, gtk_editable_get_text(GTK_EDITABLE(input)));
			if (field->type == ESC_LOGIN_FIELD_PASSWORD)
				gtk_editable_set_text(GTK_EDITABLE(input), "");
		}
	}
	esc_login_request_respond(self->request);
	gtk_window_destroy(GTK_WINDOW(self));
}

static void
esc_login_dialog_cancel(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	gtk_window_close(GTK_WINDOW(widget));
}

static gboolean
esc_login_dialog_close_request(GtkWindow *window)
{
	EscLoginDialog *self = ESC_LOGIN_DIALOG(window);

	if (!esc_login_request_is_answered(self->request))
		esc_login_request_cancel(self->request);
	return GTK_WINDOW_CLASS(esc_login_dialog_parent_class)->close_request(window);
}

/* ---- the form -------------------------------------------------------------------------------- */

static GtkWidget *
esc_login_dialog_create_input(EscLoginDialog *self, const EscLoginField *field, const gchar *mnemonic)
{
	GtkWidget *input;

	switch (field->type) {
	case ESC_LOGIN_FIELD_PASSWORD:
		input = gtk_password_entry_new();
		gtk_password_entry_set_show_peek_icon(GTK_PASSWORD_ENTRY(input), TRUE);
		g_object_set(input, "activates-default", TRUE, NULL);
		break;
	case ESC_LOGIN_FIELD_BOOLEAN:
		input = gtk_check_button_new_with_mnemonic(mnemonic);
		break;
	case ESC_LOGIN_FIELD_INTEGER:
		input = gtk_entry_new();
		gtk_entry_set_input_purpose(GTK_ENTRY(input), GTK_INPUT_PURPOSE_DIGITS);
		gtk_entry_set_activates_default(GTK_ENTRY(input), TRUE);
		break;
	case ESC_LOGIN_FIELD_STRING:
	default:
		input = gtk_entry_new();
		gtk_entry_set_activates_default(GTK_ENTRY(input), TRUE);
		if (g_strcmp0(field->id, "UID") == 0)
			gtk_entry_set_input_hints(GTK_ENTRY(input), GTK_INPUT_HINT_NO_SPELLCHECK);
		break;
	}
	gtk_widget_set_hexpand(input, TRUE);
	if (field->type != ESC_LOGIN_FIELD_BOOLEAN)
		g_signal_connect_object(input, "changed", G_CALLBACK(esc_login_dialog_changed), self, 0);
	return input;
}

static void
esc_login_dialog_build(EscLoginDialog *self)
{
	g_autoptr(GArray) used = g_array_new(FALSE, FALSE, sizeof(gunichar));
	guint n = esc_login_request_get_n_fields(self->request);
	const gchar *title = esc_login_request_get_title(self->request);
	const gchar *description = esc_login_request_get_description(self->request);
	int row = 0;

	gtk_label_set_text(self->heading_label, title != NULL && title[0] != '\0' ? title : _("Log In to the Server"));
	gtk_label_set_text(self->description_label,
			   description != NULL && description[0] != '\0'
			       ? description
			       : _("The server needs to know who you are before it works on your card."));
	if (esc_login_request_get_blocked(self->request)) {
		gtk_label_set_text(self->error_label, _("The server says this account is blocked. Contact your helpdesk."));
		gtk_widget_set_visible(GTK_WIDGET(self->error_label), TRUE);
	} else if (esc_login_request_get_invalid_password(self->request)) {
		gtk_label_set_text(self->error_label, _("The user ID or password was not accepted. Try again."));
		gtk_widget_set_visible(GTK_WIDGET(self->error_label), TRUE);
	}
	/* the Cancel and Log In mnemonics are taken */
	g_array_append_vals(used, (const gunichar[]){'c', 'l'}, 2);

	for (guint i = 0; i < n; i++) {
		const EscLoginField *field = esc_login_request_get_field(self->request, i);
		g_autofree gchar *mnemonic = NULL;
		GtkWidget *input;

		if (field == NULL)
			continue;
		mnemonic = esc_gui_util_mnemonic_label(field->label != NULL && field->label[0] != '\0' ? field->label
												: field->id,
						       used);
		input = esc_login_dialog_create_input(self, field, mnemonic);
		if (field->type == ESC_LOGIN_FIELD_BOOLEAN) {
			gtk_grid_attach(self->fields_grid, input, 1, row++, 1, 1);
		} else {
			GtkWidget *label = gtk_label_new_with_mnemonic(mnemonic);
			gtk_label_set_xalign(GTK_LABEL(label), 1.0f);
			gtk_label_set_mnemonic_widget(GTK_LABEL(label), input);
			gtk_grid_attach(self->fields_grid, label, 0, row, 1, 1);
			gtk_grid_attach(self->fields_grid, input, 1, row++, 1, 1);
		}
		if (field->description != NULL && field->description[0] != '\0' &&
		    g_strcmp0(field->description, field->label) != 0) {
			GtkWidget *help = gtk_label_new(field->description);
			gtk_label_set_xalign(GTK_LABEL(help), 0.0f);
			gtk_label_set_wrap(GTK_LABEL(help), TRUE);
			gtk_widget_add_css_class(help, "caption");
			gtk_widget_add_css_class(help, "dim-label");
			gtk_grid_attach(self->fields_grid, help, 1, row++, 1, 1);
			gtk_accessible_update_property(GTK_ACCESSIBLE(input), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
						       field->description, -1);
		}
		g_ptr_array_add(self->inputs, input);
	}
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "login.submit", esc_login_dialog_complete(self));
	if (self->inputs->len > 0)
		gtk_window_set_focus(GTK_WINDOW(self), g_ptr_array_index(self->inputs, 0));
}

/* ---- GObject --------------------------------------------------------------------------------- */

static void
esc_login_dialog_dispose(GObject *object)
{
	EscLoginDialog *self = ESC_LOGIN_DIALOG(object);

	/* destroyed without an answer (its operation ended): nobody waits for it any more */
	if (self->request != NULL && !esc_login_request_is_answered(self->request))
		esc_login_request_cancel(self->request);
	g_clear_object(&self->request);
	g_clear_pointer(&self->inputs, g_ptr_array_unref);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_LOGIN_DIALOG);
	G_OBJECT_CLASS(esc_login_dialog_parent_class)->dispose(object);
}

static void
esc_login_dialog_class_init(EscLoginDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

	object_class->dispose = esc_login_dialog_dispose;
	window_class->close_request = esc_login_dialog_close_request;

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-login-dialog.ui");
	gtk_widget_class_bind_template_child(widget_class, EscLoginDialog, heading_label);
	gtk_widget_class_bind_template_child(widget_class, EscLoginDialog, description_label);
	gtk_widget_class_bind_template_child(widget_class, EscLoginDialog, error_label);
	gtk_widget_class_bind_template_child(widget_class, EscLoginDialog, fields_grid);
	gtk_widget_class_bind_template_child(widget_class, EscLoginDialog, login_button);

	gtk_widget_class_install_action(widget_class, "login.submit", NULL, esc_login_dialog_submit);
	gtk_widget_class_install_action(widget_class, "login.cancel", NULL, esc_login_dialog_cancel);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "login.cancel", NULL);
}

static void
esc_login_dialog_init(EscLoginDialog *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->inputs = g_ptr_array_new();
}

EscLoginDialog *
esc_login_dialog_new(GtkWindow *parent, EscLoginRequest *request)
{
	EscLoginDialog *self = g_object_new(ESC_TYPE_LOGIN_DIALOG, "transient-for", parent, NULL);

	self->request = g_object_ref(request);
	esc_login_dialog_build(self);
	return self;
}
