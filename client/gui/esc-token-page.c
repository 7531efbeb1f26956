/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-application.h"
#include "esc-certificate-dialog.h"
#include "esc-gui-util.h"
#include "esc-operation-dialog.h"
#include "esc-token-page.h"

#define ESC_TOKEN_PAGE_CERTIFICATE_KEY "esc-certificate"

struct _EscTokenPage {
	AdwBin parent_instance;

	GtkLabel *name_label;
	GtkLabel *status_label;
	GtkSpinner *spinner;
	AdwActionRow *status_row;
	AdwActionRow *owner_row;
	AdwActionRow *issuer_row;
	AdwActionRow *reader_row;
	AdwActionRow *cuid_row;
	AdwActionRow *msn_row;
	AdwActionRow *applet_row;
	AdwActionRow *server_row;
	GtkListBox *certificate_list;

	EscToken *token;
	GSignalGroup *token_signals;
	GListStore *certificates;
	EscTokenInfo *shown_info; /* the info the certificate list was filled from */
	gchar *title;
	gchar *subtitle;
};

G_DEFINE_FINAL_TYPE(EscTokenPage, esc_token_page, ADW_TYPE_BIN)

enum { PROP_0, PROP_TITLE, PROP_SUBTITLE, N_PROPS };
static GParamSpec *esc_token_page_props[N_PROPS];

static EscApplication *
esc_token_page_get_app(EscTokenPage *self)
{
	GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
	GtkApplication *app = GTK_IS_WINDOW(root) ? gtk_window_get_application(GTK_WINDOW(root)) : NULL;

	return ESC_IS_APPLICATION(app) ? ESC_APPLICATION(app) : NULL;
}

/* ---- actions ---------------------------------------------------------------------------- */

static gboolean
esc_token_page_can(EscTokenPage *self, EscOperationKind kind)
{
	gboolean usable = self->token != NULL && esc_token_get_present(self->token) && !esc_token_get_busy(self->token);
	EscTokenStatus status = self->token != NULL ? esc_token_get_status(self->token) : ESC_TOKEN_STATUS_UNKNOWN;

	if (!usable)
		return FALSE;
	switch (kind) {
	case ESC_OPERATION_ENROLL:
	case ESC_OPERATION_FORMAT:
		/* a blank card too: the server installs the applet first */
		return status == ESC_TOKEN_STATUS_BLANK || status == ESC_TOKEN_STATUS_FORMATTED ||
		       status == ESC_TOKEN_STATUS_ENROLLED;
	case ESC_OPERATION_PIN_RESET:
		return status == ESC_TOKEN_STATUS_ENROLLED;
	default:
		return FALSE;
	}
}

static void
esc_token_page_actions_update(EscTokenPage *self)
{
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "token.enroll", esc_token_page_can(self, ESC_OPERATION_ENROLL));
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "token.format", esc_token_page_can(self, ESC_OPERATION_FORMAT));
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "token.reset-pin",
				      esc_token_page_can(self, ESC_OPERATION_PIN_RESET));
}

static void
esc_token_page_run(EscTokenPage *self, EscOperationKind kind)
{
	EscApplication *app = esc_token_page_get_app(self);
	GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
	EscOperationDialog *dialog;

	if (app == NULL || self->token == NULL)
		return;
	dialog = esc_operation_dialog_new(GTK_WINDOW(root), app, self->token, kind);
	esc_operation_dialog_start(dialog);
}

static void
esc_token_page_confirmed(AdwMessageDialog *dialog, const gchar *response, gpointer user_data)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(user_data);
	EscOperationKind kind = (EscOperationKind)GPOINTER_TO_INT(g_object_get_data(G_OBJECT(dialog), "esc-kind"));
	EscToken *token = g_object_get_data(G_OBJECT(dialog), "esc-token");

	/* the page may show another token by now */
	if (g_strcmp0(response, "confirm") == 0 && token == self->token)
		esc_token_page_run(self, kind);
}

static void
esc_token_page_confirm(EscTokenPage *self, EscOperationKind kind)
{
	GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
	g_autofree gchar *body = NULL;
	AdwMessageDialog *dialog;
	const gchar *heading;
	const gchar *confirm;

	if (kind == ESC_OPERATION_FORMAT) {
		heading = _("Format This Smart Card?");
		/* TRANSLATORS: %s is the card's name */
		body = g_strdup_printf(_("Formatting erases every key and certificate on “%s”. You cannot sign or log in "
					 "with it until it is enrolled again."),
				       esc_token_get_display_name(self->token));
		confirm = _("_Format");
	} else {
		heading = _("Enroll This Smart Card Again?");
		/* TRANSLATORS: %s is the card's name */
		body = g_strdup_printf(_("“%s” is already enrolled. Enrolling it again replaces its keys and "
					 "certificates with new ones."),
				       esc_token_get_display_name(self->token));
		confirm = _("_Enroll Again");
	}
	dialog = ADW_MESSAGE_DIALOG(adw_message_dialog_new(GTK_WINDOW(root), heading, body));
	adw_message_dialog_add_responses(dialog, "cancel", _("_Cancel"), "confirm", confirm, NULL);
	adw_message_dialog_set_response_appearance(dialog, "confirm",
						   kind == ESC_OPERATION_FORMAT ? ADW_RESPONSE_DESTRUCTIVE
										: ADW_RESPONSE_SUGGESTED);
	adw_message_dialog_set_default_response(dialog, "cancel");
	adw_message_dialog_set_close_response(dialog, "cancel");
	g_object_set_data(G_OBJECT(dialog), "esc-kind", GINT_TO_POINTER(kind));
	g_object_set_data_full(G_OBJECT(dialog), "esc-token", g_object_ref(self->token), g_object_unref);
	g_signal_connect_object(dialog, "response", G_CALLBACK(esc_token_page_confirmed), self, 0);
	gtk_window_present(GTK_WINDOW(dialog));
}

static void
esc_token_page_enroll(GtkWidget *widget, const char *action_name, GVariant *parameter);
static void
esc_token_page_format(GtkWidget *widget, const char *action_name, GVariant *parameter);
static void
esc_token_page_reset_pin(GtkWidget *widget, const char *action_name, GVariant *parameter);

void
esc_token_page_start_operation(EscTokenPage *self, EscOperationKind kind)
{
	g_return_if_fail(ESC_IS_TOKEN_PAGE(self));
	/* the same checks as the buttons */
	if (!esc_token_page_can(self, kind)) {
		g_debug("%s is not possible for this token now", esc_operation_kind_to_string(kind));
		return;
	}
	if (kind == ESC_OPERATION_ENROLL)
		esc_token_page_enroll(GTK_WIDGET(self), "token.enroll", NULL);
	else if (kind == ESC_OPERATION_FORMAT)
		esc_token_page_format(GTK_WIDGET(self), "token.format", NULL);
	else
		esc_token_page_reset_pin(GTK_WIDGET(self), "token.reset-pin", NULL);
}

static void
esc_token_page_enroll(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(widget);

	if (self->token == NULL)
		return;
	if (esc_token_get_status(self->token) == ESC_TOKEN_STATUS_ENROLLED)
		esc_token_page_confirm(self, ESC_OPERATION_ENROLL);
	else
		esc_token_page_run(self, ESC_OPERATION_ENROLL);
}

static void
esc_token_page_format(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(widget);

	if (self->token != NULL)
		esc_token_page_confirm(self, ESC_OPERATION_FORMAT);
}

static void
esc_token_page_reset_pin(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	esc_token_page_run(ESC_TOKEN_PAGE(widget), ESC_OPERATION_PIN_RESET);
}

/* ---- certificates ------------------------------------------------------------------------- */

static gchar *
esc_token_page_format_date(GDateTime *when)
{
	g_autoptr(GDateTime) local = when != NULL ? g_date_time_to_local(when) : NULL;

	/* TRANSLATORS: a date in a certificate's validity; see g_date_time_format() */
	return local != NULL ? g_date_time_format(local, _("%x")) : g_strdup("?");
}

static void
esc_token_page_show_certificate(GtkButton *button, gpointer user_data)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(user_data);
	EscCertificate *certificate = g_object_get_data(G_OBJECT(button), ESC_TOKEN_PAGE_CERTIFICATE_KEY);
	GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));

	if (certificate == NULL || !GTK_IS_WINDOW(root))
		return;
	gtk_window_present(GTK_WINDOW(esc_certificate_dialog_new(GTK_WINDOW(root), certificate)));
}

static GtkWidget *
esc_token_page_create_certificate_row(gpointer item, gpointer user_data)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(user_data);
	EscCertificate *certificate = ESC_CERTIFICATE(item);
	g_autofree gchar *issuer = esc_gui_util_dn_get_cn(esc_certificate_get_issuer(certificate));
	g_autofree gchar *until = esc_token_page_format_date(esc_certificate_get_not_after(certificate));
	g_autofree gchar *subtitle = NULL;
	g_autofree gchar *button_label = NULL;
	AdwActionRow *row = ADW_ACTION_ROW(adw_action_row_new());
	GtkWidget *button = gtk_button_new_from_icon_name("go-next-symbolic");

	if (esc_certificate_is_valid_now(certificate))
		/* TRANSLATORS: certificate list: "Issued by <CA> · valid until <date>" */
		subtitle = g_strdup_printf(_("Issued by %s · valid until %s"),
					   issuer != NULL ? issuer : esc_certificate_get_issuer(certificate), until);
	else
		/* TRANSLATORS: certificate list: "Issued by <CA> · not valid now (until <date>)" */
		subtitle = g_strdup_printf(_("Issued by %s · not valid now (valid until %s)"),
					   issuer != NULL ? issuer : esc_certificate_get_issuer(certificate), until);
	adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
	adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), esc_certificate_get_label(certificate));
	adw_action_row_set_subtitle(row, subtitle);

	/* the row activates the button: one way in for the mouse, the keyboard and screen readers */
	/* TRANSLATORS: button of a certificate in the list; %s is the certificate's name */
	button_label = g_strdup_printf(_("Details of %s"), esc_certificate_get_label(certificate));
	gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
	gtk_widget_add_css_class(button, "flat");
	gtk_widget_set_tooltip_text(button, _("Show the certificate’s details"));
	gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, button_label, -1);
	g_object_set_data_full(G_OBJECT(button), ESC_TOKEN_PAGE_CERTIFICATE_KEY, g_object_ref(certificate), g_object_unref);
	g_signal_connect_object(button, "clicked", G_CALLBACK(esc_token_page_show_certificate), self, 0);
	adw_action_row_add_suffix(row, button);
	adw_action_row_set_activatable_widget(row, button);
	return GTK_WIDGET(row);
}

static void
esc_token_page_update_certificates(EscTokenPage *self)
{
	EscTokenInfo *info = self->token != NULL ? esc_token_get_info(self->token) : NULL;
	GPtrArray *certificates = info != NULL ? esc_token_info_get_certificates(info) : NULL;

	if (info == self->shown_info && info != NULL)
		return;
	g_clear_pointer(&self->shown_info, esc_token_info_unref);
	if (info != NULL)
		self->shown_info = esc_token_info_ref(info);
	g_list_store_remove_all(self->certificates);
	for (guint i = 0; certificates != NULL && i < certificates->len; i++)
		g_list_store_append(self->certificates, g_ptr_array_index(certificates, i));
}

/* ---- the page ------------------------------------------------------------------------------- */

static void
esc_token_page_set_row(AdwActionRow *row, const gchar *value)
{
	gboolean has_value = value != NULL && value[0] != '\0';

	gtk_widget_set_visible(GTK_WIDGET(row), has_value);
	adw_action_row_set_subtitle(row, has_value ? value : "");
}

static void
esc_token_page_set_titles(EscTokenPage *self, const gchar *title, const gchar *subtitle)
{
	if (g_strcmp0(self->title, title) != 0) {
		g_free(self->title);
		self->title = g_strdup(title);
		g_object_notify_by_pspec(G_OBJECT(self), esc_token_page_props[PROP_TITLE]);
	}
	if (g_strcmp0(self->subtitle, subtitle) != 0) {
		g_free(self->subtitle);
		self->subtitle = g_strdup(subtitle);
		g_object_notify_by_pspec(G_OBJECT(self), esc_token_page_props[PROP_SUBTITLE]);
	}
}

static void
esc_token_page_update(EscTokenPage *self)
{
	EscApplication *app = esc_token_page_get_app(self);
	EscTokenInfo *info;
	EscIssuerInfo *issuer;
	g_autofree gchar *status = NULL;
	g_autofree gchar *owner = NULL;
	g_autofree gchar *server = NULL;
	gboolean busy;

	esc_token_page_actions_update(self);
	if (self->token == NULL) {
		esc_token_page_set_titles(self, "", "");
		esc_token_page_update_certificates(self);
		return;
	}
	info = esc_token_get_info(self->token);
	issuer = esc_token_get_issuer(self->token);
	status = esc_gui_util_token_status_text(self->token);
	owner = esc_gui_util_token_owner(self->token);
	server = app != NULL ? esc_application_dup_tps_url(app, self->token) : NULL;
	busy = esc_token_get_busy(self->token);

	esc_token_page_set_titles(self, esc_token_get_display_name(self->token), esc_token_get_reader(self->token));
	gtk_label_set_text(self->name_label, esc_token_get_display_name(self->token));
	gtk_label_set_text(self->status_label, status);
	gtk_widget_set_visible(GTK_WIDGET(self->spinner), busy);
	gtk_spinner_set_spinning(self->spinner, busy);
	esc_token_page_set_row(self->status_row, status);
	esc_token_page_set_row(self->owner_row, owner);
	esc_token_page_set_row(self->issuer_row, issuer != NULL ? esc_issuer_info_get_issuer_name(issuer) : NULL);
	esc_token_page_set_row(self->reader_row, esc_token_get_reader(self->token));
	esc_token_page_set_row(self->cuid_row, info != NULL ? esc_token_info_get_cuid(info) : NULL);
	esc_token_page_set_row(self->msn_row, info != NULL ? esc_token_info_get_msn(info) : NULL);
	esc_token_page_set_row(self->applet_row, info != NULL ? esc_token_info_get_applet_version(info) : NULL);
	if (server == NULL)
		esc_token_page_set_row(self->server_row, _("None known: set the server address in Preferences"));
	else
		esc_token_page_set_row(self->server_row, server);
	esc_token_page_update_certificates(self);
}

static void
esc_token_page_token_notify(EscToken *token, GParamSpec *pspec, gpointer user_data)
{
	esc_token_page_update(ESC_TOKEN_PAGE(user_data));
}

void
esc_token_page_set_token(EscTokenPage *self, EscToken *token)
{
	g_return_if_fail(ESC_IS_TOKEN_PAGE(self));
	if (self->token == token)
		return;
	g_set_object(&self->token, token);
	g_clear_pointer(&self->shown_info, esc_token_info_unref);
	g_signal_group_set_target(self->token_signals, token);
	esc_token_page_update(self);
}

EscToken *
esc_token_page_get_token(EscTokenPage *self)
{
	g_return_val_if_fail(ESC_IS_TOKEN_PAGE(self), NULL);
	return self->token;
}

static void
esc_token_page_root_changed(GtkWidget *widget)
{
	GTK_WIDGET_CLASS(esc_token_page_parent_class)->root(widget);
	/* the server row depends on the application's settings */
	esc_token_page_update(ESC_TOKEN_PAGE(widget));
}

static void
esc_token_page_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(object);

	switch (prop_id) {
	case PROP_TITLE:
		g_value_set_string(value, self->title != NULL ? self->title : "");
		break;
	case PROP_SUBTITLE:
		g_value_set_string(value, self->subtitle != NULL ? self->subtitle : "");
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
	}
}

static void
esc_token_page_dispose(GObject *object)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(object);

	if (self->certificate_list != NULL)
		gtk_list_box_bind_model(self->certificate_list, NULL, NULL, NULL, NULL);
	if (self->token_signals != NULL)
		g_signal_group_set_target(self->token_signals, NULL);
	g_clear_object(&self->token_signals);
	g_clear_object(&self->token);
	g_clear_object(&self->certificates);
	g_clear_pointer(&self->shown_info, esc_token_info_unref);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_TOKEN_PAGE);
	G_OBJECT_CLASS(esc_token_page_parent_class)->dispose(object);
}

static void
esc_token_page_finalize(GObject *object)
{
	EscTokenPage *self = ESC_TOKEN_PAGE(object);

	g_free(self->title);
	g_free(self->subtitle);
	G_OBJECT_CLASS(esc_token_page_parent_class)->finalize(object);
}

static void
esc_token_page_class_init(EscTokenPageClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

	object_class->get_property = esc_token_page_get_property;
	object_class->dispose = esc_token_page_dispose;
	object_class->finalize = esc_token_page_finalize;
	widget_class->root = esc_token_page_root_changed;

	esc_token_page_props[PROP_TITLE] =
	    g_param_spec_string("title", NULL, NULL, "", G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
	esc_token_page_props[PROP_SUBTITLE] = g_param_spec_string(
	    "subtitle", NULL, NULL, "", G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
	g_object_class_install_properties(object_class, N_PROPS, esc_token_page_props);

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-token-page.ui");
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, name_label);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, status_label);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, spinner);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, status_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, owner_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, issuer_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, reader_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, cuid_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, msn_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, applet_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, server_row);
	gtk_widget_class_bind_template_child(widget_class, EscTokenPage, certificate_list);

	gtk_widget_class_install_action(widget_class, "token.enroll", NULL, esc_token_page_enroll);
	gtk_widget_class_install_action(widget_class, "token.format", NULL, esc_token_page_format);
	gtk_widget_class_install_action(widget_class, "token.reset-pin", NULL, esc_token_page_reset_pin);
}

static void
esc_token_page_init(EscTokenPage *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->certificates = g_list_store_new(ESC_TYPE_CERTIFICATE);
	gtk_list_box_bind_model(self->certificate_list, G_LIST_MODEL(self->certificates),
				esc_token_page_create_certificate_row, self, NULL);
	self->token_signals = g_signal_group_new(ESC_TYPE_TOKEN);
	g_signal_group_connect(self->token_signals, "notify", G_CALLBACK(esc_token_page_token_notify), self);
	esc_token_page_actions_update(self);
}
