/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-gui-util.h"
#include "esc-login-dialog.h"
#include "esc-operation-dialog.h"
#include "esc-pin-dialog.h"

struct _EscOperationDialog {
	AdwWindow parent_instance;

	AdwWindowTitle *window_title;
	GtkStack *stack;
	GtkLabel *heading_label;
	GtkLabel *task_label;
	GtkProgressBar *progress_bar;
	GtkButton *cancel_button;
	AdwStatusPage *result_page;
	GtkLabel *detail_label;
	GtkButton *close_button;

	EscApplication *app;
	EscToken *token;
	EscOperationKind kind;
	EscOperation *operation;
	GCancellable *cancellable;
	GtkWindow *request_dialog; /* the login or PIN dialog shown now (weak) */
	gboolean running;
	gboolean card_removed;
};

G_DEFINE_FINAL_TYPE(EscOperationDialog, esc_operation_dialog, ADW_TYPE_WINDOW)

/* ---- sub-dialogs -------------------------------------------------------------------------- */

static void
esc_operation_dialog_close_request_dialog(EscOperationDialog *self)
{
	/* closing it answers its request with "cancel" if it was not answered */
	if (self->request_dialog != NULL)
		gtk_window_destroy(self->request_dialog);
	g_clear_weak_pointer(&self->request_dialog);
}

static void
esc_operation_dialog_show_request_dialog(EscOperationDialog *self, GtkWindow *dialog)
{
	esc_operation_dialog_close_request_dialog(self);
	g_set_weak_pointer(&self->request_dialog, dialog);
	gtk_window_present(dialog);
}

/* ---- the operation's signals ---------------------------------------------------------------- */

static void
esc_operation_dialog_progress(EscOperation *operation, guint percent, const gchar *task, gpointer user_data)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(user_data);
	g_autofree gchar *text = NULL;

	percent = MIN(percent, 100);
	gtk_progress_bar_set_fraction(self->progress_bar, percent / 100.0);
	/* TRANSLATORS: progress bar text; %u is a percentage */
	text = g_strdup_printf(_("%u %%"), percent);
	gtk_progress_bar_set_text(self->progress_bar, text);
	gtk_label_set_text(self->task_label, esc_gui_util_task_label(task));
}

static void
esc_operation_dialog_login_requested(EscOperation *operation, EscLoginRequest *request, gpointer user_data)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(user_data);

	gtk_label_set_text(self->task_label, _("Waiting for you to log in"));
	esc_operation_dialog_show_request_dialog(self, GTK_WINDOW(esc_login_dialog_new(GTK_WINDOW(self), request)));
}

static void
esc_operation_dialog_new_pin_requested(EscOperation *operation, EscPinRequest *request, gpointer user_data)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(user_data);

	gtk_label_set_text(self->task_label, _("Waiting for the new PIN"));
	esc_operation_dialog_show_request_dialog(self, GTK_WINDOW(esc_pin_dialog_new(GTK_WINDOW(self), request)));
}

/* ---- result ------------------------------------------------------------------------------------ */

static void
esc_operation_dialog_show_result(EscOperationDialog *self, const GError *error)
{
	g_autofree gchar *description = NULL;
	g_autofree gchar *escaped = NULL;

	self->running = FALSE;
	esc_operation_dialog_close_request_dialog(self);
	adw_status_page_set_title(self->result_page, esc_gui_util_result_heading(self->kind, error == NULL));
	if (error == NULL) {
		adw_status_page_set_icon_name(self->result_page, "emblem-ok-symbolic");
		description = g_strdup(esc_gui_util_success_text(self->kind));
		gtk_widget_set_visible(GTK_WIDGET(self->detail_label), FALSE);
	} else {
		adw_status_page_set_icon_name(self->result_page, "dialog-error-symbolic");
		description = g_strdup_printf("%s %s", esc_gui_util_error_summary(error), esc_gui_util_error_advice(error));
		gtk_label_set_text(self->detail_label, error->message);
		gtk_widget_set_visible(GTK_WIDGET(self->detail_label), TRUE);
	}
	escaped = g_markup_escape_text(description, -1);
	adw_status_page_set_description(self->result_page, escaped);
	gtk_stack_set_visible_child_name(self->stack, "result");
	gtk_widget_action_set_enabled(GTK_WIDGET(self), "dialog.cancel", FALSE);
	gtk_window_set_default_widget(GTK_WINDOW(self), GTK_WIDGET(self->close_button));
	gtk_widget_grab_focus(GTK_WIDGET(self->close_button));
}

static void
esc_operation_dialog_refreshed(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;

	if (!esc_token_refresh_finish(ESC_TOKEN(source), res, &error))
		g_debug("re-reading the card after the operation: %s", error->message);
}

static gboolean
esc_operation_dialog_is_cancelled(const GError *error)
{
	return g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	       g_error_matches(error, ESC_ERROR, ESC_ERROR_CANCELLED);
}

static void
esc_operation_dialog_finished(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(EscOperationDialog) self = ESC_OPERATION_DIALOG(user_data);
	g_autoptr(GError) error = NULL;
	gboolean ok = esc_operation_run_finish(ESC_OPERATION(source), res, &error);

	if (self->app == NULL)
		return; /* the dialog was destroyed meanwhile (its parent closed) */
	if (!ok && self->card_removed && esc_operation_dialog_is_cancelled(error)) {
		/* we cancelled it because the card went away: say so */
		g_clear_error(&error);
		/* TRANSLATORS: %s is the name of a card reader */
		g_set_error(&error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("The card was removed from %s."),
			    esc_token_get_reader(self->token));
	}
	esc_application_set_last_operation(self->app, self->operation);
	/* what the card holds now, after a success or a failure alike */
	if (esc_token_get_present(self->token))
		esc_token_refresh_async(self->token, NULL, esc_operation_dialog_refreshed, NULL);
	esc_operation_dialog_show_result(self, error);
}

static void
esc_operation_dialog_present_changed(EscToken *token, GParamSpec *pspec, gpointer user_data)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(user_data);

	if (!self->running || esc_token_get_present(token))
		return;
	self->card_removed = TRUE;
	gtk_label_set_text(self->task_label, _("The card was removed"));
	g_cancellable_cancel(self->cancellable);
}

/* ---- actions ------------------------------------------------------------------------------------ */

static void
esc_operation_dialog_cancel(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(widget);

	if (!self->running) {
		gtk_window_close(GTK_WINDOW(self));
		return;
	}
	gtk_label_set_text(self->task_label, _("Cancelling…"));
	gtk_widget_action_set_enabled(widget, "dialog.cancel", FALSE);
	g_cancellable_cancel(self->cancellable);
}

static void
esc_operation_dialog_escape(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(widget);

	if (self->running)
		esc_operation_dialog_cancel(widget, action_name, parameter);
	else
		gtk_window_close(GTK_WINDOW(self));
}

static gboolean
esc_operation_dialog_close_request(GtkWindow *window)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(window);

	/* closing while running cancels; the dialog stays to show the outcome */
	if (self->running) {
		esc_operation_dialog_cancel(GTK_WIDGET(window), "dialog.cancel", NULL);
		return TRUE;
	}
	return GTK_WINDOW_CLASS(esc_operation_dialog_parent_class)->close_request(window);
}

/* ---- public ------------------------------------------------------------------------------------ */

void
esc_operation_dialog_start(EscOperationDialog *self)
{
	g_autofree gchar *url = NULL;
	g_autoptr(EscTlsOptions) tls = NULL;
	g_autoptr(GError) error = NULL;

	g_return_if_fail(ESC_IS_OPERATION_DIALOG(self));
	g_return_if_fail(self->operation == NULL);

	gtk_window_present(GTK_WINDOW(self));
	url = esc_application_dup_tps_url(self->app, self->token);
	if (url == NULL) {
		g_set_error_literal(&error, ESC_ERROR, ESC_ERROR_INVALID_INPUT,
				    _("No server is known for this card: it names none and no server address is set "
				      "in Preferences."));
		esc_operation_dialog_show_result(self, error);
		return;
	}
	tls = esc_application_dup_tls_options(self->app, &error);
	if (tls == NULL) {
		esc_operation_dialog_show_result(self, error);
		return;
	}
	self->operation = esc_operation_new(self->token, self->kind);
	esc_operation_set_url(self->operation, url);
	esc_operation_set_tls_options(self->operation, tls);
	g_signal_connect_object(self->operation, "progress", G_CALLBACK(esc_operation_dialog_progress), self, 0);
	g_signal_connect_object(self->operation, "login-requested", G_CALLBACK(esc_operation_dialog_login_requested),
				self, 0);
	g_signal_connect_object(self->operation, "new-pin-requested",
				G_CALLBACK(esc_operation_dialog_new_pin_requested), self, 0);
	g_signal_connect_object(self->token, "notify::present", G_CALLBACK(esc_operation_dialog_present_changed), self,
				0);
	self->running = TRUE;
	/* TRANSLATORS: %s is the server's address */
	{
		g_autofree gchar *connecting = g_strdup_printf(_("Connecting to %s"), url);
		gtk_label_set_text(self->task_label, connecting);
	}
	esc_operation_run_async(self->operation, self->cancellable, esc_operation_dialog_finished, g_object_ref(self));
}

static void
esc_operation_dialog_dispose(GObject *object)
{
	EscOperationDialog *self = ESC_OPERATION_DIALOG(object);

	self->running = FALSE;
	if (self->cancellable != NULL)
		g_cancellable_cancel(self->cancellable);
	g_clear_weak_pointer(&self->request_dialog);
	g_clear_object(&self->operation);
	g_clear_object(&self->cancellable);
	g_clear_object(&self->token);
	g_clear_object(&self->app);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_OPERATION_DIALOG);
	G_OBJECT_CLASS(esc_operation_dialog_parent_class)->dispose(object);
}

static void
esc_operation_dialog_class_init(EscOperationDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
	GtkWindowClass *window_class = GTK_WINDOW_CLASS(klass);

	object_class->dispose = esc_operation_dialog_dispose;
	window_class->close_request = esc_operation_dialog_close_request;

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-operation-dialog.ui");
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, window_title);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, stack);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, heading_label);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, task_label);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, progress_bar);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, cancel_button);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, result_page);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, detail_label);
	gtk_widget_class_bind_template_child(widget_class, EscOperationDialog, close_button);

	gtk_widget_class_install_action(widget_class, "dialog.cancel", NULL, esc_operation_dialog_cancel);
	gtk_widget_class_install_action(widget_class, "dialog.escape", NULL, esc_operation_dialog_escape);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "dialog.escape", NULL);
}

static void
esc_operation_dialog_init(EscOperationDialog *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
	self->cancellable = g_cancellable_new();
}

EscOperationDialog *
esc_operation_dialog_new(GtkWindow *parent, EscApplication *app, EscToken *token, EscOperationKind kind)
{
	EscOperationDialog *self = g_object_new(ESC_TYPE_OPERATION_DIALOG, "transient-for", parent, NULL);
	g_autofree gchar *title = NULL;

	self->app = g_object_ref(app);
	self->token = g_object_ref(token);
	self->kind = kind;
	/* TRANSLATORS: dialog title: "<operation> – <card name>", e.g. "Enroll – Example Corp 1234" */
	title = g_strdup_printf(_("%s – %s"), esc_operation_kind_to_label(kind), esc_token_get_display_name(token));
	gtk_window_set_title(GTK_WINDOW(self), title);
	adw_window_title_set_title(self->window_title, esc_operation_kind_to_label(kind));
	adw_window_title_set_subtitle(self->window_title, esc_token_get_display_name(token));
	gtk_label_set_text(self->heading_label, esc_gui_util_running_text(kind));
	gtk_progress_bar_set_text(self->progress_bar, _("Starting"));
	return self;
}
