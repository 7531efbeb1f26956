/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "esc-certificate-dialog.h"
#include "esc-gui-util.h"

struct _EscCertificateDialog {
	AdwWindow parent_instance;

	AdwToastOverlay *toast_overlay;
	AdwWindowTitle *window_title;
	AdwActionRow *subject_row;
	AdwActionRow *issuer_row;
	AdwActionRow *serial_row;
	AdwActionRow *valid_from_row;
	AdwActionRow *valid_until_row;
	AdwActionRow *valid_now_row;
	AdwActionRow *key_row;
	AdwActionRow *usage_row;
	AdwActionRow *sha256_row;
	AdwActionRow *sha1_row;

	EscCertificate *certificate;
	GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE(EscCertificateDialog, esc_certificate_dialog, ADW_TYPE_WINDOW)

static gchar *
esc_certificate_dialog_format_time(GDateTime *when)
{
	g_autoptr(GDateTime) local = when != NULL ? g_date_time_to_local(when) : NULL;

	/* TRANSLATORS: date and time of a certificate's validity; see g_date_time_format() */
	return local != NULL ? g_date_time_format(local, _("%x %X")) : g_strdup(_("Unknown"));
}

static void
esc_certificate_dialog_toast(EscCertificateDialog *self, const gchar *text)
{
	adw_toast_overlay_add_toast(self->toast_overlay, esc_gui_util_toast_new(text));
}

/* ---- export ---------------------------------------------------------------------------------- */

static void
esc_certificate_dialog_chooser_response(GtkNativeDialog *chooser, int response, gpointer user_data)
{
	EscCertificateDialog *self = ESC_CERTIFICATE_DIALOG(user_data);
	g_autoptr(GFile) file = esc_gui_util_chooser_take_file(&self->chooser, response);
	g_autofree gchar *pem = NULL;
	g_autoptr(GBytes) contents = NULL;
	gsize len;

	if (file == NULL)
		return;
	pem = esc_certificate_get_pem(self->certificate);
	if (pem == NULL) {
		esc_certificate_dialog_toast(self, _("The certificate cannot be written as PEM"));
		return;
	}
	len = strlen(pem);
	contents = g_bytes_new_take(g_steal_pointer(&pem), len);
	esc_gui_util_save_file(file, contents, self->toast_overlay);
}

static void
esc_certificate_dialog_export(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	EscCertificateDialog *self = ESC_CERTIFICATE_DIALOG(widget);
	g_autoptr(GtkFileFilter) filter = gtk_file_filter_new();
	g_autofree gchar *name = NULL;
	g_autofree gchar *cn = esc_gui_util_dn_get_cn(esc_certificate_get_subject(self->certificate));

	if (self->chooser != NULL)
		return;
	self->chooser = gtk_file_chooser_native_new(_("Export Certificate"), GTK_WINDOW(self),
						    GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
	gtk_file_filter_set_name(filter, _("PEM certificates"));
	gtk_file_filter_add_pattern(filter, "*.pem");
	gtk_file_filter_add_pattern(filter, "*.crt");
	gtk_file_filter_add_mime_type(filter, "application/x-x509-ca-cert");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(self->chooser), filter);
	/* a file name from the CN, without path separators */
	name = g_strdup_printf("%s.pem", cn != NULL ? cn : "certificate");
	g_strdelimit(name, "/\\:", '_');
	gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(self->chooser), name);
	g_signal_connect_object(self->chooser, "response", G_CALLBACK(esc_certificate_dialog_chooser_response), self, 0);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(self->chooser));
}

static void
esc_certificate_dialog_close(GtkWidget *widget, const char *action_name, GVariant *parameter)
{
	gtk_window_close(GTK_WINDOW(widget));
}

/* ---- the dialog ---------------------------------------------------------------------------------- */

static void
esc_certificate_dialog_fill(EscCertificateDialog *self)
{
	EscCertificate *c = self->certificate;
	g_autofree gchar *from = esc_certificate_dialog_format_time(esc_certificate_get_not_before(c));
	g_autofree gchar *until = esc_certificate_dialog_format_time(esc_certificate_get_not_after(c));
	const gchar *usage = esc_certificate_get_key_usage(c);

	adw_window_title_set_title(self->window_title, esc_certificate_get_label(c));
	adw_window_title_set_subtitle(self->window_title, _("Certificate"));
	gtk_window_set_title(GTK_WINDOW(self), esc_certificate_get_label(c));
	adw_action_row_set_subtitle(self->subject_row, esc_certificate_get_subject(c));
	adw_action_row_set_subtitle(self->issuer_row, esc_certificate_get_issuer(c));
	adw_action_row_set_subtitle(self->serial_row, esc_certificate_get_serial(c));
	adw_action_row_set_subtitle(self->valid_from_row, from);
	adw_action_row_set_subtitle(self->valid_until_row, until);
	adw_action_row_set_subtitle(self->valid_now_row,
				    esc_certificate_is_valid_now(c) ? _("Yes") : _("No: expired or not valid yet"));
	adw_action_row_set_subtitle(self->key_row, esc_certificate_get_key_description(c));
	adw_action_row_set_subtitle(self->usage_row, usage != NULL && usage[0] != '\0' ? usage : _("Not restricted"));
	adw_action_row_set_subtitle(self->sha256_row, esc_certificate_get_sha256_fingerprint(c));
	adw_action_row_set_subtitle(self->sha1_row, esc_certificate_get_sha1_fingerprint(c));
}

static void
esc_certificate_dialog_dispose(GObject *object)
{
	EscCertificateDialog *self = ESC_CERTIFICATE_DIALOG(object);

	if (self->chooser != NULL)
		gtk_native_dialog_destroy(GTK_NATIVE_DIALOG(self->chooser));
	g_clear_object(&self->chooser);
	g_clear_object(&self->certificate);
	gtk_widget_dispose_template(GTK_WIDGET(self), ESC_TYPE_CERTIFICATE_DIALOG);
	G_OBJECT_CLASS(esc_certificate_dialog_parent_class)->dispose(object);
}

static void
esc_certificate_dialog_class_init(EscCertificateDialogClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

	object_class->dispose = esc_certificate_dialog_dispose;

	gtk_widget_class_set_template_from_resource(widget_class, "/io/github/escproject/Esc/esc-certificate-dialog.ui");
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, toast_overlay);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, window_title);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, subject_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, issuer_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, serial_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, valid_from_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, valid_until_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, valid_now_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, key_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, usage_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, sha256_row);
	gtk_widget_class_bind_template_child(widget_class, EscCertificateDialog, sha1_row);

	gtk_widget_class_install_action(widget_class, "certificate.export", NULL, esc_certificate_dialog_export);
	gtk_widget_class_install_action(widget_class, "certificate.close", NULL, esc_certificate_dialog_close);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "certificate.close", NULL);
	gtk_widget_class_add_binding_action(widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "certificate.export", NULL);
}

static void
esc_certificate_dialog_init(EscCertificateDialog *self)
{
	gtk_widget_init_template(GTK_WIDGET(self));
}

EscCertificateDialog *
esc_certificate_dialog_new(GtkWindow *parent, EscCertificate *certificate)
{
	EscCertificateDialog *self = g_object_new(ESC_TYPE_CERTIFICATE_DIALOG, "transient-for", parent, NULL);

	self->certificate = g_object_ref(certificate);
	esc_certificate_dialog_fill(self);
	return self;
}
