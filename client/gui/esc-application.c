/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "esc-application.h"
#include "esc-diagnostics-window.h"
#include "esc-gui-util.h"
#include "esc-preferences-window.h"
#include "esc-snapshot.h"
#include "esc-window.h"

#define ESC_SNAPSHOT_FRAMES 30 /* frames (about half a second: transitions end) before a snapshot is taken */

struct _EscApplication {
	AdwApplication parent_instance;

	EscTokenList *tokens;
	GSettings *settings; /* NULL without the schema */
	EscIssuerCache *issuer_cache;
	EscOperation *last_operation;
	gchar *cli_tps_url; /* --tps-url */
	gchar *cli_ca_file; /* --ca-file */
	gchar *snapshot_dir; /* $ESC_SNAPSHOT_DIR */
	gboolean background; /* --background: the window hides on close, the app stays */
};

G_DEFINE_FINAL_TYPE(EscApplication, esc_application, ADW_TYPE_APPLICATION)

static const GOptionEntry esc_application_options[] = {
    {"tps-url", 0, 0, G_OPTION_ARG_STRING, NULL,
     N_("Use this TPS server for every card (overrides phone home and the setting)"), N_("URL")},
    {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, NULL,
     N_("Trust the CA certificates in this PEM file besides the system’s (overrides the setting)"), N_("FILE")},
    {"background", 0, 0, G_OPTION_ARG_NONE, NULL,
     N_("Start without a window and keep running to report card events"), NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version and exit"), NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

/* ---- settings --------------------------------------------------------------------------- */

GSettings *
esc_application_get_settings(EscApplication *self)
{
	g_return_val_if_fail(ESC_IS_APPLICATION(self), NULL);
	return self->settings;
}

gboolean
esc_application_get_boolean_setting(EscApplication *self, const gchar *key, gboolean fallback)
{
	g_return_val_if_fail(ESC_IS_APPLICATION(self), fallback);
	if (self->settings == NULL)
		return fallback;
	return g_settings_get_boolean(self->settings, key);
}

static gchar *
esc_application_dup_string_setting(EscApplication *self, const gchar *key)
{
	g_autofree gchar *value = NULL;

	if (self->settings == NULL)
		return NULL;
	value = g_settings_get_string(self->settings, key);
	if (value == NULL || value[0] == '\0')
		return NULL;
	return g_steal_pointer(&value);
}

/* The server address the user or the administrator configured: --tps-url or tps-url. */
static gchar *
esc_application_dup_configured_url(EscApplication *self)
{
	if (self->cli_tps_url != NULL)
		return g_strdup(self->cli_tps_url);
	return esc_application_dup_string_setting(self, "tps-url");
}

gchar *
esc_application_dup_tps_url(EscApplication *self, EscToken *token)
{
	EscIssuerInfo *issuer;

	g_return_val_if_fail(ESC_IS_APPLICATION(self), NULL);
	if (self->cli_tps_url != NULL)
		return g_strdup(self->cli_tps_url);
	issuer = token != NULL ? esc_token_get_issuer(token) : NULL;
	if (issuer != NULL && esc_issuer_info_get_operation_url(issuer) != NULL)
		return g_strdup(esc_issuer_info_get_operation_url(issuer));
	return esc_application_dup_string_setting(self, "tps-url");
}

EscTlsOptions *
esc_application_dup_tls_options(EscApplication *self, GError **error)
{
	g_autoptr(EscTlsOptions) tls = esc_tls_options_new();
	g_autofree gchar *ca_file = NULL;

	g_return_val_if_fail(ESC_IS_APPLICATION(self), NULL);
	ca_file = self->cli_ca_file != NULL ? g_strdup(self->cli_ca_file)
					    : esc_application_dup_string_setting(self, "ca-file");
	if (ca_file != NULL && !esc_tls_options_set_ca_file(tls, ca_file, error)) {
		g_prefix_error(error, _("The extra CA certificates cannot be used: "));
		return NULL;
	}
	return g_steal_pointer(&tls);
}

/* The phone-home URL of the server the user configured, for cards that carry none: the
 * /tps/phoneHome beside its /tps/tps. NULL if the address does not look like a TPS's. */
static gchar *
esc_application_dup_fallback_phone_home(EscApplication *self)
{
	g_autofree gchar *url = esc_application_dup_configured_url(self);
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GUri) phone_home = NULL;
	const gchar *path;
	g_autofree gchar *new_path = NULL;

	if (url == NULL)
		return NULL;
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL)
		return NULL;
	path = g_uri_get_path(uri);
	if (path[0] == '\0' || g_str_equal(path, "/"))
		new_path = g_strdup("/tps/phoneHome");
	else if (g_str_has_suffix(path, "/tps"))
		new_path = g_strdup_printf("%.*sphoneHome", (int)(strlen(path) - strlen("tps")), path);
	else
		return NULL;
	phone_home = g_uri_build(G_URI_FLAGS_NONE,
				 g_uri_get_scheme(uri),
				 NULL,
				 g_uri_get_host(uri),
				 g_uri_get_port(uri),
				 new_path,
				 NULL,
				 NULL);
	return g_uri_to_string(phone_home);
}

/* After a change of the server address or the CA file: a new phone-home cache with the new
 * trust, and the new fallback URL. */
static void
esc_application_reconfigure(EscApplication *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscTlsOptions) tls = esc_application_dup_tls_options(self, &error);
	g_autofree gchar *cache_dir = g_build_filename(g_get_user_cache_dir(), "esc", "phone-home", NULL);
	g_autofree gchar *fallback = esc_application_dup_fallback_phone_home(self);

	if (self->tokens == NULL)
		return;
	if (tls == NULL) {
		/* the operations report it; phone home runs with the system trust meanwhile */
		g_warning("%s", error->message);
		tls = esc_tls_options_new();
	}
	g_clear_object(&self->issuer_cache);
	self->issuer_cache = esc_issuer_cache_new(cache_dir, tls);
	esc_token_list_set_issuer_cache(self->tokens, self->issuer_cache);
	esc_token_list_set_fallback_phone_home_url(self->tokens, fallback);
}

static void
esc_application_settings_changed(GSettings *settings, const gchar *key, gpointer user_data)
{
	EscApplication *self = ESC_APPLICATION(user_data);

	if (g_strcmp0(key, "tps-url") == 0 || g_strcmp0(key, "ca-file") == 0)
		esc_application_reconfigure(self);
}

/* ---- last operation ------------------------------------------------------------------------ */

EscTokenList *
esc_application_get_token_list(EscApplication *self)
{
	g_return_val_if_fail(ESC_IS_APPLICATION(self), NULL);
	return self->tokens;
}

EscOperation *
esc_application_get_last_operation(EscApplication *self)
{
	g_return_val_if_fail(ESC_IS_APPLICATION(self), NULL);
	return self->last_operation;
}

void
esc_application_set_last_operation(EscApplication *self, EscOperation *operation)
{
	g_return_if_fail(ESC_IS_APPLICATION(self));
	g_set_object(&self->last_operation, operation);
}

/* ---- windows and notifications ----------------------------------------------------------- */

static EscWindow *
esc_application_get_main_window(EscApplication *self)
{
	for (GList *l = gtk_application_get_windows(GTK_APPLICATION(self)); l != NULL; l = l->next) {
		if (ESC_IS_WINDOW(l->data))
			return ESC_WINDOW(l->data);
	}
	return NULL;
}

static EscWindow *
esc_application_ensure_window(EscApplication *self)
{
	EscWindow *window = esc_application_get_main_window(self);

	if (window == NULL)
		window = esc_window_new(self);
	gtk_window_set_hide_on_close(GTK_WINDOW(window), self->background);
	return window;
}

static gboolean
esc_application_window_is_hidden(EscApplication *self)
{
	EscWindow *window = esc_application_get_main_window(self);
	GdkSurface *surface;

	if (window == NULL || !gtk_widget_get_visible(GTK_WIDGET(window)))
		return TRUE;
	surface = gtk_native_get_surface(GTK_NATIVE(window));
	return surface != NULL && GDK_IS_TOPLEVEL(surface) &&
	       (gdk_toplevel_get_state(GDK_TOPLEVEL(surface)) & GDK_TOPLEVEL_STATE_MINIMIZED) != 0;
}

static void
esc_application_notify_card(EscApplication *self, EscToken *token, gboolean inserted)
{
	g_autoptr(GNotification) notification = NULL;
	g_autofree gchar *body = NULL;

	if (!esc_application_get_boolean_setting(self, "notify-on-card-events", TRUE) ||
	    !esc_application_window_is_hidden(self))
		return;
	notification = g_notification_new(inserted ? _("Smart Card Inserted") : _("Smart Card Removed"));
	/* TRANSLATORS: notification body; %s is the name of a card reader */
	body = g_strdup_printf(inserted ? _("A smart card was inserted into %s.") : _("The smart card was removed from %s."),
			       esc_token_get_reader(token));
	g_notification_set_body(notification, body);
	g_notification_set_default_action(notification, "app.show-window");
	g_application_send_notification(G_APPLICATION(self), "card-event", notification);
}

static void
esc_application_token_added(EscTokenList *list, EscToken *token, gpointer user_data)
{
	esc_application_notify_card(ESC_APPLICATION(user_data), token, TRUE);
}

static void
esc_application_token_removed(EscTokenList *list, EscToken *token, gpointer user_data)
{
	esc_application_notify_card(ESC_APPLICATION(user_data), token, FALSE);
}

/* ---- snapshots ($ESC_SNAPSHOT_DIR) -------------------------------------------------------- */

typedef struct {
	gchar *path;
	GdkPaintable *paintable;
	guint frames;
} EscSnapshotRequest;

static void
esc_snapshot_request_free(gpointer data)
{
	EscSnapshotRequest *request = data;

	g_free(request->path);
	g_clear_object(&request->paintable);
	g_free(request);
}

/* Waits a few frames (so that what was just shown is laid out and drawn), then writes
 * PATH.tmp and renames it, so a reader never sees half a file. */
static gboolean
esc_application_snapshot_tick(GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
	EscSnapshotRequest *request = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = NULL;

	if (++request->frames < ESC_SNAPSHOT_FRAMES)
		return G_SOURCE_CONTINUE;
	tmp = g_strconcat(request->path, ".tmp", NULL);
	if (!esc_snapshot_save_window(GTK_WINDOW(widget), request->paintable, tmp, &error))
		g_warning("snapshot %s: %s", request->path, error->message);
	else if (g_rename(tmp, request->path) != 0)
		g_warning("snapshot %s: cannot rename %s: %s", request->path, tmp, g_strerror(errno));
	return G_SOURCE_REMOVE;
}

static void
esc_application_snapshot(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	EscApplication *self = ESC_APPLICATION(user_data);
	const gchar *name = g_variant_get_string(parameter, NULL);
	GtkWindow *window = esc_snapshot_front_window();
	EscSnapshotRequest *request;
	g_autofree gchar *file = NULL;

	if (name[0] == '\0' || strlen(name) > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name)) {
		g_warning("snapshot: the name \"%s\" is not [a-z0-9-]{1,64}", name);
		return;
	}
	if (window == NULL) {
		g_warning("snapshot %s: no window is shown", name);
		return;
	}
	file = g_strconcat(name, ".png", NULL);
	request = g_new0(EscSnapshotRequest, 1);
	request->path = g_build_filename(self->snapshot_dir, file, NULL);
	request->paintable = gtk_widget_paintable_new(GTK_WIDGET(window));
	gtk_widget_add_tick_callback(GTK_WIDGET(window), esc_application_snapshot_tick, request, esc_snapshot_request_free);
	gtk_widget_queue_draw(GTK_WIDGET(window));
}

/* ---- app actions ------------------------------------------------------------------------- */

static void
esc_application_show_window(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	g_application_activate(G_APPLICATION(user_data));
}

static void
esc_application_quit(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	g_application_quit(G_APPLICATION(user_data));
}

static void
esc_application_preferences(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	EscApplication *self = ESC_APPLICATION(user_data);
	EscWindow *parent;
	EscPreferencesWindow *prefs;

	if (self->settings == NULL)
		return;
	parent = esc_application_ensure_window(self);
	prefs = esc_preferences_window_new(GTK_WINDOW(parent), self->settings);

	gtk_window_present(GTK_WINDOW(prefs));
}

static void
esc_application_diagnostics(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	EscApplication *self = ESC_APPLICATION(user_data);
	EscWindow *parent = esc_application_ensure_window(self);
	EscDiagnosticsWindow *diagnostics = esc_diagnostics_window_new(GTK_WINDOW(parent), self);

	gtk_window_present(GTK_WINDOW(diagnostics));
}

static void
esc_application_about(GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
	EscApplication *self = ESC_APPLICATION(user_data);
	EscWindow *parent = esc_application_ensure_window(self);
	const gchar *developers[] = {_("The ESC project contributors"), NULL};
	GtkWidget *about = g_object_new(ADW_TYPE_ABOUT_WINDOW,
					"transient-for", parent,
					"modal", TRUE,
					"application-icon", ESC_APPLICATION_ID,
					"application-name", _("Smart Cards"),
					"developer-name", _("The ESC project contributors"),
					"version", PACKAGE_VERSION,
					"comments", _("Enroll, format and manage your smart cards"),
					"website", "https://github.com/escproject/esc",
					"license-type", GTK_LICENSE_LGPL_2_1,
					"developers", developers,
					NULL);

	gtk_window_present(GTK_WINDOW(about));
}

static const GActionEntry esc_application_actions[] = {
    {"show-window", esc_application_show_window, NULL, NULL, NULL, {0}},
    {"preferences", esc_application_preferences, NULL, NULL, NULL, {0}},
    {"diagnostics", esc_application_diagnostics, NULL, NULL, NULL, {0}},
    {"about", esc_application_about, NULL, NULL, NULL, {0}},
    {"quit", esc_application_quit, NULL, NULL, NULL, {0}},
};

static const GActionEntry esc_application_snapshot_actions[] = {
    {"snapshot", esc_application_snapshot, "s", NULL, NULL, {0}},
};

/* ---- GApplication ------------------------------------------------------------------------ */

static void
esc_application_startup(GApplication *app)
{
	EscApplication *self = ESC_APPLICATION(app);
	GSettingsSchemaSource *source = g_settings_schema_source_get_default();
	g_autoptr(GSettingsSchema) schema = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *snapshot_dir = g_getenv("ESC_SNAPSHOT_DIR");
	const gchar *quit_accels[] = {"<Control>q", NULL};
	const gchar *preferences_accels[] = {"<Control>comma", NULL};
	const gchar *diagnostics_accels[] = {"<Control>d", NULL};

	G_APPLICATION_CLASS(esc_application_parent_class)->startup(app);

	if (source != NULL)
		schema = g_settings_schema_source_lookup(source, ESC_APPLICATION_ID, TRUE);
	if (schema != NULL) {
		self->settings = g_settings_new_full(schema, NULL, NULL);
		g_signal_connect_object(self->settings, "changed", G_CALLBACK(esc_application_settings_changed), self, 0);
	} else {
		g_message("the GSettings schema %s is not installed: preferences are not available", ESC_APPLICATION_ID);
	}

	g_action_map_add_action_entries(G_ACTION_MAP(app), esc_application_actions,
					G_N_ELEMENTS(esc_application_actions), app);
	g_simple_action_set_enabled(G_SIMPLE_ACTION(g_action_map_lookup_action(G_ACTION_MAP(app), "preferences")),
				    self->settings != NULL);
	if (snapshot_dir != NULL && snapshot_dir[0] != '\0') {
		self->snapshot_dir = g_strdup(snapshot_dir);
		g_action_map_add_action_entries(G_ACTION_MAP(app), esc_application_snapshot_actions,
						G_N_ELEMENTS(esc_application_snapshot_actions), app);
	}
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit_accels);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.preferences", preferences_accels);
	gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.diagnostics", diagnostics_accels);

	self->tokens = esc_token_list_new();
	g_signal_connect_object(self->tokens, "token-added", G_CALLBACK(esc_application_token_added), self, 0);
	g_signal_connect_object(self->tokens, "token-removed", G_CALLBACK(esc_application_token_removed), self, 0);
	esc_application_reconfigure(self);
	/* the list follows pcscd (re)starts itself; a failure here is shown by the window */
	if (!esc_token_list_start(self->tokens, &error))
		g_warning("cannot watch the smart card readers: %s", error->message);
}

static void
esc_application_activate(GApplication *app)
{
	EscApplication *self = ESC_APPLICATION(app);

	gtk_window_present(GTK_WINDOW(esc_application_ensure_window(self)));
}

static gint
esc_application_handle_local_options(GApplication *app, GVariantDict *options)
{
	const gchar *url = NULL;
	g_autoptr(GError) error = NULL;

	if (g_variant_dict_contains(options, "version")) {
		g_print("esc %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (g_variant_dict_lookup(options, "tps-url", "&s", &url) && !esc_gui_util_check_server_url(url, &error)) {
		g_printerr("esc: --tps-url: %s\n", error->message);
		return 2;
	}
	return -1;
}

static gint
esc_application_command_line(GApplication *app, GApplicationCommandLine *cmdline)
{
	EscApplication *self = ESC_APPLICATION(app);
	GVariantDict *options = g_application_command_line_get_options_dict(cmdline);
	const gchar *url = NULL;
	const gchar *ca_file = NULL;
	gboolean changed = FALSE;

	if (g_variant_dict_lookup(options, "tps-url", "&s", &url)) {
		g_free(self->cli_tps_url);
		self->cli_tps_url = g_strdup(url);
		changed = TRUE;
	}
	if (g_variant_dict_lookup(options, "ca-file", "^&ay", &ca_file)) {
		g_autoptr(GFile) file = g_application_command_line_create_file_for_arg(cmdline, ca_file);
		g_free(self->cli_ca_file);
		self->cli_ca_file = g_file_get_path(file);
		changed = TRUE;
	}
	if (changed)
		esc_application_reconfigure(self);
	if (g_variant_dict_contains(options, "background")) {
		if (!self->background) {
			self->background = TRUE;
			/* runs until app.quit, with or without a window */
			g_application_hold(app);
		}
		if (esc_application_get_main_window(self) != NULL)
			gtk_window_set_hide_on_close(GTK_WINDOW(esc_application_get_main_window(self)), TRUE);
		return 0;
	}
	g_application_activate(app);
	return 0;
}

static void
esc_application_shutdown(GApplication *app)
{
	EscApplication *self = ESC_APPLICATION(app);

	/* stops the reader monitor thread while the main loop still exists */
	g_clear_object(&self->tokens);
	G_APPLICATION_CLASS(esc_application_parent_class)->shutdown(app);
}

static void
esc_application_dispose(GObject *object)
{
	EscApplication *self = ESC_APPLICATION(object);

	g_clear_object(&self->tokens);
	g_clear_object(&self->issuer_cache);
	g_clear_object(&self->settings);
	g_clear_object(&self->last_operation);
	G_OBJECT_CLASS(esc_application_parent_class)->dispose(object);
}

static void
esc_application_finalize(GObject *object)
{
	EscApplication *self = ESC_APPLICATION(object);

	g_free(self->cli_tps_url);
	g_free(self->cli_ca_file);
	g_free(self->snapshot_dir);
	G_OBJECT_CLASS(esc_application_parent_class)->finalize(object);
}

static void
esc_application_class_init(EscApplicationClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

	object_class->dispose = esc_application_dispose;
	object_class->finalize = esc_application_finalize;
	app_class->startup = esc_application_startup;
	app_class->activate = esc_application_activate;
	app_class->handle_local_options = esc_application_handle_local_options;
	app_class->command_line = esc_application_command_line;
	app_class->shutdown = esc_application_shutdown;
}

static void
esc_application_init(EscApplication *self)
{
	g_application_add_main_option_entries(G_APPLICATION(self), esc_application_options);
	g_application_set_option_context_summary(G_APPLICATION(self),
						 _("Enroll, format and manage smart cards with a Token Processing System."));
}

EscApplication *
esc_application_new(void)
{
	return g_object_new(ESC_TYPE_APPLICATION,
			    "application-id", ESC_APPLICATION_ID,
			    "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
			    "resource-base-path", "/io/github/escproject/Esc",
			    NULL);
}
