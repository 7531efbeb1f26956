/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "esc-diagnostics-window.h"
#include "esc-gui-util.h"

struct _EscDiagnosticsWindow {
	AdwWindow parent_instance;

	AdwToastOverlay *toast_overlay;
	GtkTextView *text_view;

	EscApplication *app;
	gchar *report;
	GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE(EscDiagnosticsWindow, esc_diagnostics_window, ADW_TYPE_WINDOW)

static void
esc_diagnostics_window_toast(EscDiagnosticsWindow *self, const gchar *text)
{
	adw_toast_overlay_add_toast(self->toast_overlay, esc_gui_util_toast_new(text));
}

static void
esc_diagnostics_window_refresh(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscDiagnosticsWindow *self = ESC_DIAGNOSTICS_WINDOW(widget);

	g_free(self->report);
	self->report = esc_diagnostics_report(esc_application_get_token_list(self->app),
					      esc_application_get_last_operation(self->app));
	gtk_text_buffer_set_text(gtk_text_view_get_buffer(self->text_view), self->report, -1);
}

static void
esc_diagnostics_window_copy(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscDiagnosticsWindow *self = ESC_DIAGNOSTICS_WINDOW(widget);

	gdk_clipboard_set_text(gtk_widget_get_clipboard(widget), self->report);
	esc_diagnostics_window_toast(self, _("Copied to the clipboard"));
}

static void
esc_diagnostics_window_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
	EscDiagnosticsWindow *self = ESC_DIAGNOSTICS_WINDOW(user_data);
	g_autoptr(GFile) file = esc_gui_util_chooser_take_file(&self->chooser, response);
	g_autoptr(GBytes) contents = NULL;

	if (file == NULL)
		return;
	contents = g_bytes_new(self->report, strlen(self->report));
	esc_gui_util_save_file(file, contents, self->toast_overlay);
}

static void
esc_diagnostics_window_save(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscDiagnosticsWindow *self = ESC_DIAGNOSTICS_WINDOW(widget);
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
	g_autofree gchar *name = g_strdup_printf("esc-diagnostics-%s.txt", stamp);
	g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

	if (self->chooser != NULL)
		return;
	self->chooser = gtk_file_chooser_native_new(_("Save Diagnostics Report"), GTK_WINDOW(self),
						    GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
	gtk_file_filter_set_name(filter, _("Text files"));
	gtk_file_filter_add_mime_type(filter, "text/plain");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
	gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser), name);
	g_signal_connect_object(self->chooser, "response", G_CALLBACK(esc_diagnostics_window_chooser_response), self, 0);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
esc_diagnostics_window_close(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	gtk_window_close(GTK_WINDOW(widget));
}

static void
esc_diagnostics_window_dispose(GObject *object)
{
	EscDiagnosticsWindow *self = ESC_DIAGNOSTICS_WINDOW(object);

	if (self->chooser != NULL)
		gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
	g_clear_object(&self->chooser);
	g_clear_object(&self->app);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_DIAGNOSTICS_WINDOW);
	G_OBJECT_CLASS(esc_diagnostics_window_parent_class)->dispose(object);
}

static void
esc_diagnostics_window_finalize(GObject *object)
{
	EscDiagnosticsWindow *self = ESC_DIAGNOSTICS_WINDOW(object);

	g_free(self->report);
	G_OBJECT_CLASS(esc_diagnostics_window_parent_class)->finalize(object);
}

static void
esc_diagnostics_window_class_init(EscDiagnosticsWindowClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

	object_class->dispose = esc_diagnostics_window_dispose;
	object_class->finalize = esc_diagnostics_window_finalize;

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-diagnostics-window.ui");
	gtk_widget_class_bind_template_child(widget_class, EscDiagnosticsWindow, toast_overlay);
	gtk_widget_class_bind_template_child(widget_class, EscDiagnosticsWindow, text_view);

	gtk_widget_class_install_action(widget_class, "diagnostics.refresh", NULL, esc_diagnostics_window_refresh);
	gtk_widget_class_install_action(widget_class, "diagnostics.copy", NULL, esc_diagnostics_window_copy);
	gtk_widget_class_install_action(widget_class, "diagnostics.save", NULL, esc_diagnostics_window_save);
	gtk_widget_class_install_action(widget_class, "diagnostics.close", NULL, esc_diagnostics_window_close);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "diagnostics.close", NULL);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "diagnostics.copy",
					    NULL);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "diagnostics.save", NULL);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_F5, 0, "diagnostics.refresh", NULL);
}

static void
esc_diagnostics_window_init(EscDiagnosticsWindow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}

EscDiagnosticsWindow *
esc_diagnostics_window_new(GtkWindow *parent, EscApplication *app)
{
	EscDiagnosticsWindow *self = g_object_new(ESC_TYPE_DIAGNOSTICS_WINDOW, "transient-for", parent, NULL);

	self->app = g_object_ref(app);
	esc_diagnostics_window_refresh(GTK_WIDGET(self), "diagnostics.refresh", NULL);
	return self;
}
