/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-core.h"
#include "esc-gui-util.h"
#include "esc-preferences-window.h"

struct _EscPreferencesWindow {
	AdwPreferencesWindow parent_instance;

	AdwPreferencesGroup *server_group;
	AdwEntryRow *tps_url_row;
	AdwActionRow *ca_file_row;
	AdwActionRow *offer_enroll_row;
	AdwActionRow *notify_row;
	GtkSwitch *offer_enroll_switch;
	GtkSwitch *notify_switch;

	GSettings *settings;
	GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE(EscPreferencesWindow, esc_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
esc_preferences_window_toast(EscPreferencesWindow *self, const gchar *text)
{
	adw_preferences_window_add_toast(ADW_PREFERENCES_WINDOW(self), esc_gui_util_toast_new(text));
}

/* ---- lockdown and values ------------------------------------------------------------------- */

static void
esc_preferences_window_update(EscPreferencesWindow *self)
{
	g_autofree gchar *url = g_settings_get_string(self->settings, "tps-url");
	g_autofree gchar *ca_file = g_settings_get_string(self->settings, "ca-file");
	gboolean url_writable = g_settings_is_writable(self->settings, "tps-url");
	gboolean ca_writable = g_settings_is_writable(self->settings, "ca-file");
	const gchar *locked = _("Set by your administrator");
	g_autofree gchar *ca_subtitle = NULL;

	if (!gtk_widget_has_focus(GTK_WIDGET(self->tps_url_row)) &&
	    g_strcmp0(gtk_editable_get_text(GTK_EDITABLE(self->tps_url_row)), url) != 0)
		gtk_editable_set_text(GTK_EDITABLE(self->tps_url_row), url);
	gtk_widget_set_sensitive(GTK_WIDGET(self->tps_url_row), url_writable);
	gtk_widget_set_tooltip_text(GTK_WIDGET(self->tps_url_row), url_writable ? NULL : locked);

	if (ca_file[0] != '\0')
		ca_subtitle = ca_writable ? g_strdup(ca_file) : g_strdup_printf("%s — %s", ca_file, locked);
	else
		ca_subtitle = ca_writable ? g_strdup(_("None: only the system’s trusted certificates"))
					  : g_strdup_printf("%s — %s", _("None: only the system’s trusted certificates"), locked);
	adw_action_row_set_subtitle(self->ca_file_row, ca_subtitle);
	gtk_widget_set_sensitive(GTK_WIDGET(self->ca_file_row), ca_writable);
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "prefs.choose-ca-file", ca_writable);
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "prefs.clear-ca-file", ca_writable && ca_file[0] != '\0');

	gtk_widget_set_sensitive(GTK_WIDGET(self->offer_enroll_row), g_settings_is_writable(self->settings, "offer-enroll"));
	gtk_widget_set_sensitive(GTK_WIDGET(self->notify_row),
				 g_settings_is_writable(self->settings, "notify-on-card-events"));
	adw_preferences_group_set_description(
	    self->server_group, url_writable && ca_writable
				    ? _("Used for cards that do not name their own server.")
				    : _("Used for cards that do not name their own server. Your administrator set some of "
					"these settings."));
}

static void
esc_preferences_window_settings_changed(GSettings *settings, const gchar *key, gpointer user_data)
{
	esc_preferences_window_update(ESC_PREFERENCES_WINDOW(user_data));
}

static void
esc_preferences_window_writable_changed(GSettings *settings, const gchar *key, gpointer user_data)
{
	esc_preferences_window_update(ESC_PREFERENCES_WINDOW(user_data));
}

/* ---- server address ---------------------------------------------------------------------- */

static void
esc_preferences_window_url_apply(AdwEntryRow *row, gpointer user_data)
{
	EscPreferencesWindow *self = ESC_PREFERENCES_WINDOW(user_data);
	g_autofree gchar *url = g_strstrip(g_strdup(gtk_editable_get_text(GTK_EDITABLE(row))));
	g_autoptr(GError) error = NULL;

	if (url[0] != '\0' && !esc_gui_util_check_server_url(url, &error)) {
		esc_preferences_window_toast(self, error->message);
		return;
	}
	g_settings_set_string(self->settings, "tps-url", url);
	esc_preferences_window_toast(self, url[0] != '\0' ? _("Server address saved") : _("Server address removed"));
}

/* ---- CA file --------------------------------------------------------------------------------- */

static void
esc_preferences_window_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
	EscPreferencesWindow *self = ESC_PREFERENCES_WINDOW(user_data);
	g_autoptr(GFile) file = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autoptr(GError) error = NULL;

	if (response == GTK_RESPONSE_ACCEPT)
		file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(chooser));
	g_clear_object(&self->chooser);
	if (file == NULL)
		return;
	path = g_file_get_path(file);
	if (path == NULL) {
		esc_preferences_window_toast(self, _("Choose a local file"));
		return;
	}
	/* the same check an operation makes, now rather than at the next enrollment */
	tls = esc_tls_options_new();
	if (!esc_tls_options_set_ca_file(tls, path, &error)) {
		esc_preferences_window_toast(self, error->message);
		return;
	}
	g_settings_set_string(self->settings, "ca-file", path);
}

static void
esc_preferences_window_choose_ca_file(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscPreferencesWindow *self = ESC_PREFERENCES_WINDOW(widget);
	g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();

	if (self->chooser != NULL)
		return;
	self->chooser = gtk_file_chooser_native_new(_("Choose CA Certificates"), GTK_WINDOW(self),
						    GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
	gtk_file_filter_set_name(filter, _("PEM certificates"));
	gtk_file_filter_add_pattern(filter, "*.pem");
	gtk_file_filter_add_pattern(filter, "*.crt");
	gtk_file_filter_add_mime_type(filter, "application/x-x509-ca-cert");
	gtk_file_filter_add_mime_type(filter, "application/pem-certificate-chain");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
	g_signal_connect_object(self->chooser, "response", G_CALLBACK(esc_preferences_window_chooser_response), self, 0);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
esc_preferences_window_clear_ca_file(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscPreferencesWindow *self = ESC_PREFERENCES_WINDOW(widget);

	g_settings_set_string(self->settings, "ca-file", "");
}

/* ---- GObject ----------------------------------------------------------------------------------- */

static void
esc_preferences_window_dispose(GObject *object)
{
	EscPreferencesWindow *self = ESC_PREFERENCES_WINDOW(object);

	if (self->chooser != NULL)
		gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
	g_clear_object(&self->chooser);
	g_clear_object(&self->settings);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_PREFERENCES_WINDOW);
	G_OBJECT_CLASS(esc_preferences_window_parent_class)->dispose(object);
}

static void
esc_preferences_window_class_init(EscPreferencesWindowClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

	object_class->dispose = esc_preferences_window_dispose;

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-preferences-window.ui");
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, server_group);
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, tps_url_row);
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, ca_file_row);
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, offer_enroll_row);
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, notify_row);
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, offer_enroll_switch);
	gtk_widget_class_bind_template_child(widget_class, EscPreferencesWindow, notify_switch);
	gtk_widget_class_bind_template_callback(widget_class, esc_preferences_window_url_apply);

	gtk_widget_class_install_action(widget_class, "prefs.choose-ca-file", NULL, esc_preferences_window_choose_ca_file);
	gtk_widget_class_install_action(widget_class, "prefs.clear-ca-file", NULL, esc_preferences_window_clear_ca_file);
}

static void
esc_preferences_window_init(EscPreferencesWindow *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}

EscPreferencesWindow *
esc_preferences_window_new(GtkWindow *parent, GSettings *settings)
{
	EscPreferencesWindow *self = g_object_new(ESC_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);

	self->settings = g_object_ref(settings);
	g_settings_bind(settings, "offer-enroll", self->offer_enroll_switch, "active", G_SETTINGS_BIND_DEFAULT);
	g_settings_bind(settings, "notify-on-card-events", self->notify_switch, "active", G_SETTINGS_BIND_DEFAULT);
	g_signal_connect_object(settings, "changed", G_CALLBACK(esc_preferences_window_settings_changed), self, 0);
	g_signal_connect_object(settings, "writable-changed", G_CALLBACK(esc_preferences_window_writable_changed), self,
				0);
	esc_preferences_window_update(self);
	return self;
}
