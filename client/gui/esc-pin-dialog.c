/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-gui-util.h"
#include "esc-pin-dialog.h"

struct _EscPinDialog {
	AdwWindow parent_instance;

	GtkLabel *rules_label;
	GtkPasswordEntry *pin_entry;
	GtkPasswordEntry *confirm_entry;
	GtkLevelBar *strength_bar;
	GtkLabel *strength_label;
	GtkLabel *error_label;

	EscPinRequest *request;
};

G_DEFINE_FINAL_TYPE(EscPinDialog, esc_pin_dialog, ADW_TYPE_WINDOW)

/* Updates the hint and the error line; TRUE when the PIN can be sent. */
static gboolean
esc_pin_dialog_validate(EscPinDialog *self)
{
	/* both texts live in the entries' (locked) buffers: read in place, never copied */
	const gchar *pin = gtk_editable_get_text(GTK_EDITABLE(self->pin_entry));
	const gchar *confirm = gtk_editable_get_text(GTK_EDITABLE(self->confirm_entry));
	guint strength = esc_gui_util_pin_strength(pin, esc_pin_request_get_min_length(self->request));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *strength_text = NULL;
	const gchar *problem = NULL;
	gboolean ok = FALSE;

	gtk_level_bar_set_value(self->strength_bar, (gdouble)strength);
	if (pin[0] != '\0') {
		/* TRANSLATORS: "Strength: Weak" */
		strength_text = g_strdup_printf(_("Strength: %s"), esc_gui_util_pin_strength_label(strength));
		gtk_label_set_text(self->strength_label, strength_text);
	} else {
		gtk_label_set_text(self->strength_label, "");
	}
	if (pin[0] == '\0') {
		problem = NULL;
	} else if (!esc_pin_request_check(self->request, pin, &error)) {
		problem = error->message;
	} else if (confirm[0] != '\0' && g_strcmp0(pin, confirm) != 0) {
		problem = _("The two PINs are different.");
	} else {
		ok = confirm[0] != '\0';
	}
	gtk_label_set_text(self->error_label, problem != NULL ? problem : "");
	gtk_widget_set_visible(GTK_WIDGET(self->error_label), problem != NULL);
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "pin.submit", ok);
	return ok;
}

static void
esc_pin_dialog_changed(GtkEditable *editable, gpointer user_data)
{
	EscPinDialog *self = ESC_PIN_DIALOG(user_data);

	if (self->request != NULL)
		esc_pin_dialog_validate(self);
}

static void
esc_pin_dialog_clear(EscPinDialog *self)
{
	gtk_editable_set_text(GTK_EDITABLE(self->pin_entry), "");
	gtk_editable_set_text(GTK_EDITABLE(self->confirm_entry), "");
}

static void
esc_pin_dialog_submit(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscPinDialog *self = ESC_PIN_DIALOG(widget);

	if (esc_pin_request_is_answered(self->request) || !esc_pin_dialog_validate(self))
		return;
	/* copied into wiped memory by the request; then the entries forget it */
	esc_pin_request_respond(self->request, gtk_editable_get_text(GTK_EDITABLE(self->pin_entry)));
	esc_pin_dialog_clear(self);
	gtk_window_destroy(GTK_WINDOW(self));
}

static void
esc_pin_dialog_cancel(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	gtk_window_close(GTK_WINDOW(widget));
}

static gboolean
esc_pin_dialog_close_request(GtkWindow *window)
{
	EscPinDialog *self = ESC_PIN_DIALOG(window);

	if (!esc_pin_request_is_answered(self->request))
		esc_pin_request_cancel(self->request);
	esc_pin_dialog_clear(self);
	return GTK_WINDOW_CLASS(esc_pin_dialog_parent_class)->close_request(window);
}

static void
esc_pin_dialog_dispose(GObject *object)
{
	EscPinDialog *self = ESC_PIN_DIALOG(object);

	if (self->request != NULL && !esc_pin_request_is_answered(self->request))
		esc_pin_request_cancel(self->request);
	g_clear_object(&self->request);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_PIN_DIALOG);
	G_OBJECT_CLASS(esc_pin_dialog_parent_class)->dispose(object);
}

static void
esc_pin_dialog_class_init(EscPinDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

	object_class->dispose = esc_pin_dialog_dispose;
	window_class->close_request = esc_pin_dialog_close_request;

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-pin-dialog.ui");
	gtk_widget_class_bind_template_child(widget_class, EscPinDialog, rules_label);
	gtk_widget_class_bind_template_child(widget_class, EscPinDialog, pin_entry);
	gtk_widget_class_bind_template_child(widget_class, EscPinDialog, confirm_entry);
	gtk_widget_class_bind_template_child(widget_class, EscPinDialog, strength_bar);
	gtk_widget_class_bind_template_child(widget_class, EscPinDialog, strength_label);
	gtk_widget_class_bind_template_child(widget_class, EscPinDialog, error_label);
	gtk_widget_class_bind_template_callback(widget_class, esc_pin_dialog_changed);

	gtk_widget_class_install_action(widget_class, "pin.submit", NULL, esc_pin_dialog_submit);
	gtk_widget_class_install_action(widget_class, "pin.cancel", NULL, esc_pin_dialog_cancel);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "pin.cancel", NULL);
}

static void
esc_pin_dialog_init(EscPinDialog *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}

EscPinDialog *
esc_pin_dialog_new(GtkWindow *parent, EscPinRequest *request)
{
	EscPinDialog *self = g_object_new(ESC_TYPE_PIN_DIALOG, "transient-for", parent, NULL);
	guint min = esc_pin_request_get_min_length(request);
	guint max = esc_pin_request_get_max_length(request);
	g_autofree gchar *rules = NULL;

	self->request = g_object_ref(request);
	/* TRANSLATORS: %u and %u are the shortest and longest PIN the server accepts */
	rules = g_strdup_printf(_("You type this PIN whenever you use the card. It must have %u to %u characters: letters, "
				  "digits and punctuation other than “&” and “=”."),
				min, max);
	gtk_label_set_text(self->rules_label, rules);
	esc_pin_dialog_validate(self);
	gtk_window_set_focus(GTK_WINDOW(self), GTK_WIDGET(self->pin_entry));
	return self;
}
