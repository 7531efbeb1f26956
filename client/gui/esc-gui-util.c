/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "esc-error.h"
#include "esc-gui-util.h"

/* ---- PIN strength ----------------------------------------------------------------------- */

/* All characters the same, or a straight run up or down ("123456", "fedcba"). */
static gboolean
esc_gui_util_is_trivial(const gchar *pin)
{
	gint step = 0;
	gboolean same = TRUE;
	gboolean straight = TRUE;

	for (const gchar *p = pin; p[0] != '\0' && p[1] != '\0'; p++) {
		gint d = (gint)(guchar)p[1] - (gint)(guchar)p[0];
		if (d != 0)
			same = FALSE;
		if (p == pin)
			step = d;
		if ((d != 1 && d != -1) || d != step)
			straight = FALSE;
	}
	return same || straight;
}

guint
esc_gui_util_pin_strength(const gchar *pin, guint min_length)
{
	gboolean digit = FALSE, lower = FALSE, upper = FALSE, other = FALSE;
	guint distinct = 0;
	guint classes;
	guint score;
	glong len;

	if (pin == NULL)
		return 0;
	len = g_utf8_strlen(pin, -1);
	if (len == 0 || (guint)len < MAX(min_length, 1))
		return 0;
	for (const gchar *p = pin; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		const gchar *q;

		if (g_unichar_isdigit(c))
			digit = TRUE;
		else if (g_unichar_islower(c))
			lower = TRUE;
		else if (g_unichar_isupper(c))
			upper = TRUE;
		else
			other = TRUE;
		/* distinct characters: count a character at its first occurrence */
		for (q = pin; q < p && g_utf8_get_char(q) != c; q = g_utf8_next_char(q))
			;
		if (q == p)
			distinct++;
	}
	if (esc_gui_util_is_trivial(pin) || distinct <= 2)
		return 1;
	classes = (guint)digit + (guint)lower + (guint)upper + (guint)other;
	if (len < 6)
		score = 1;
	else if (len < 8)
		score = 2;
	else if (len < 12)
		score = 3;
	else
		score = 4;
	if (classes >= 2 && len >= 6)
		score++;
	if (classes >= 3 && len >= 8)
		score++;
	if (distinct * 2 < (guint)len)
		score--;
	return CLAMP(score, 1, ESC_GUI_PIN_STRENGTH_MAX);
}

const gchar *
esc_gui_util_pin_strength_label(guint strength)
{
	switch (strength) {
	case 0:
		/* TRANSLATORS: PIN strength: shorter than the server allows */
		return _("Too short");
	case 1:
		/* TRANSLATORS: PIN strength */
		return _("Weak");
	case 2:
		/* TRANSLATORS: PIN strength */
		return _("Fair");
	case 3:
		/* TRANSLATORS: PIN strength */
		return _("Good");
	default:
		/* TRANSLATORS: PIN strength */
		return _("Strong");
	}
}

/* ---- mnemonics ---------------------------------------------------------------------------- */

static gboolean
esc_gui_util_used_contains(GArray *used, gunichar c)
{
	for (guint i = 0; i < used->len; i++) {
		if (g_array_index(used, gunichar, i) == c)
			return TRUE;
	}
	return FALSE;
}

/* Where the mnemonic goes: the first free letter or digit that starts a word, else the first
 * free one anywhere; NULL if none is free. */
static const gchar *
esc_gui_util_mnemonic_position(const gchar *label, GArray *used)
{
	for (guint pass = 0; pass < 2; pass++) {
		gboolean word_start = TRUE;

		for (const gchar *p = label; *p != '\0'; p = g_utf8_next_char(p)) {
			gunichar c = g_utf8_get_char(p);
			gboolean alnum = g_unichar_isalnum(c);

			if (alnum && (pass == 1 || word_start) && !esc_gui_util_used_contains(used, g_unichar_tolower(c)))
				return p;
			word_start = !alnum;
		}
	}
	return NULL;
}

gchar *
esc_gui_util_mnemonic_label(const gchar *label, GArray *used)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *position;

	g_return_val_if_fail(used != NULL, NULL);
	if (label == NULL)
		return g_strdup("");
	position = esc_gui_util_mnemonic_position(label, used);
	if (position != NULL) {
		gunichar lc = g_unichar_tolower(g_utf8_get_char(position));
		g_array_append_val(used, lc);
	}
	for (const gchar *p = label; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (p == position)
			g_string_append_c(out, '_');
		if (c == '_')
			g_string_append(out, "__");
		else
			g_string_append_unichar(out, c);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- distinguished names ------------------------------------------------------------------ */

gchar *
esc_gui_util_dn_get_cn(const gchar *dn)
{
	const gchar *p = dn;

	if (dn == NULL)
		return NULL;
	while (*p != '\0') {
		g_autoptr(GString) value = g_string_new(NULL);
		gboolean is_cn;

		while (*p == ' ')
			p++;
		is_cn = g_ascii_strncasecmp(p, "CN=", 3) == 0;
		/* skip to the value */
		while (*p != '\0' && *p != '=')
			p++;
		if (*p == '=')
			p++;
		/* the value up to an unescaped ',' or '+' */
		while (*p != '\0' && *p != ',' && *p != '+') {
			if (*p == '\\' && p[1] != '\0') {
				if (g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
					g_string_append_c(value,
							  (gchar)(g_ascii_xdigit_value(p[1]) * 16 + g_ascii_xdigit_value(p[2])));
					p += 3;
				} else {
					g_string_append_c(value, p[1]);
					p += 2;
				}
				continue;
			}
			g_string_append_c(value, *p);
			p++;
		}
		if (*p != '\0')
			p++;
		if (is_cn && value->len > 0 && g_utf8_validate(value->str, (gssize)value->len, NULL))
			return g_string_free(g_steal_pointer(&value), FALSE);
	}
	return NULL;
}

/* ---- operation texts ---------------------------------------------------------------------- */

typedef struct {
	const gchar *task;
	const gchar *label;
} EscGuiTask;

/* the Java TPS's STATUS_UPDATE task names (protocol.md 1.9) */
static const EscGuiTask esc_gui_tasks[] = {
    {"PROGRESS_APPLET_BLOCK", N_("Installing the smart card software")},
    {"PROGRESS_DONE", N_("Finishing")},
    {"PROGRESS_PROCESS_PROFILE", N_("Preparing the card for enrollment")},
    {"PROGRESS_KEY_GENERATION", N_("Generating keys on the card")},
    {"PROGRESS_ENROLL_CERT", N_("Requesting certificates")},
    {"PROGRESS_WRITE_OBJECTS", N_("Writing certificates to the card")},
    {"PROGRESS_ISSUER_INFO", N_("Writing the issuer information")},
    {"PROGRESS_SET_LIFECYCLE", N_("Finishing the card")},
    {"PROGRESS_DONE_ENROLLMENT", N_("Enrollment finished")},
    {"PROGRESS_START_PIN_RESET", N_("Starting the PIN reset")},
    {"PROGRESS_PIN_RESET_RESOLVE_PROFILE", N_("Checking the card’s profile")},
    {"PROGRESS_PIN_RESET_COMPLETE", N_("PIN reset finished")},
};

const gchar *
esc_gui_util_task_label(const gchar *task)
{
	for (gsize i = 0; task != NULL && i < G_N_ELEMENTS(esc_gui_tasks); i++) {
		if (g_strcmp0(task, esc_gui_tasks[i].task) == 0)
			return _(esc_gui_tasks[i].label);
	}
	return _("Working with the server");
}

const gchar *
esc_gui_util_result_heading(EscOperationKind kind, gboolean success)
{
	switch (kind) {
	case ESC_OPERATION_ENROLL:
		return success ? _("Enrollment Complete") : _("Enrollment Failed");
	case ESC_OPERATION_FORMAT:
		return success ? _("Format Complete") : _("Format Failed");
	case ESC_OPERATION_PIN_RESET:
		return success ? _("PIN Changed") : _("PIN Reset Failed");
	default:
		return success ? _("Operation Complete") : _("Operation Failed");
	}
}

const gchar *
esc_gui_util_success_text(EscOperationKind kind)
{
	switch (kind) {
	case ESC_OPERATION_ENROLL:
		return _("Your smart card is enrolled and holds your new certificates. Keep your PIN "
			 "secret: you need it every time you use the card.");
	case ESC_OPERATION_FORMAT:
		return _("The smart card is formatted: its keys and certificates are erased. Enroll it "
			 "before you use it again.");
	case ESC_OPERATION_PIN_RESET:
		return _("The card has a new PIN. Use it from now on; the old PIN no longer works.");
	default:
		return _("The server finished the operation.");
	}
}

const gchar *
esc_gui_util_running_text(EscOperationKind kind)
{
	switch (kind) {
	case ESC_OPERATION_ENROLL:
		return _("Enrolling the smart card…");
	case ESC_OPERATION_FORMAT:
		return _("Formatting the smart card…");
	case ESC_OPERATION_PIN_RESET:
		return _("Resetting the PIN…");
	default:
		return _("Working…");
	}
}

const gchar *
esc_gui_util_error_summary(const GError *error)
{
	if (error == NULL)
		return _("The operation failed.");
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return _("The operation was cancelled.");
	if (error->domain != ESC_ERROR)
		return _("The operation failed.");
	switch ((EscError)error->code) {
	case ESC_ERROR_CANCELLED:
		return _("The operation was cancelled.");
	case ESC_ERROR_NO_SERVICE:
		return _("The smart card service is not running.");
	case ESC_ERROR_NO_READER:
	case ESC_ERROR_NO_CARD:
		return _("The smart card is no longer in its reader.");
	case ESC_ERROR_CARD_REMOVED:
		return _("The smart card was removed before the operation was finished.");
	case ESC_ERROR_CARD_CHANGED:
		return _("Another smart card was inserted while the operation was running.");
	case ESC_ERROR_CARD:
		return _("The smart card gave an unexpected answer.");
	case ESC_ERROR_UNSUPPORTED_CARD:
		return _("This kind of smart card is not supported.");
	case ESC_ERROR_PCSC:
		return _("The smart card service reported an error.");
	case ESC_ERROR_CONNECT:
		return _("The server cannot be reached.");
	case ESC_ERROR_TLS:
		return _("The secure connection to the server failed: its certificate is not trusted.");
	case ESC_ERROR_TIMEOUT:
		return _("The server or the card did not answer in time.");
	case ESC_ERROR_PROTOCOL:
		return _("The server sent an answer this application does not understand.");
	case ESC_ERROR_SERVER:
		return _("The server refused the operation.");
	case ESC_ERROR_AUTH:
		return _("The server did not accept your user ID or password.");
	case ESC_ERROR_INVALID_INPUT:
		return _("The operation could not start.");
	case ESC_ERROR_FAILED:
	default:
		return _("The operation failed.");
	}
}

const gchar *
esc_gui_util_error_advice(const GError *error)
{
	if (error == NULL || error->domain != ESC_ERROR) {
		if (error != NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			return _("If the card no longer works as before, run the operation again.");
		return _("Try again. If it fails again, copy the diagnostics report (main menu) and send it to your helpdesk.");
	}
	switch ((EscError)error->code) {
	case ESC_ERROR_CANCELLED:
		return _("If the card no longer works as before, run the operation again.");
	case ESC_ERROR_NO_SERVICE:
		return _("Start the smart card service (pcscd) or ask your administrator, then try again.");
	case ESC_ERROR_NO_READER:
	case ESC_ERROR_NO_CARD:
	case ESC_ERROR_CARD_REMOVED:
		return _("Insert the card again and repeat the operation. Leave the card in the reader until the operation is finished.");
	case ESC_ERROR_CARD_CHANGED:
		return _("Insert the card you started with and repeat the operation.");
	case ESC_ERROR_CARD:
		return _("Remove the card, insert it again and repeat the operation. If it keeps failing, the card may need to be formatted.");
	case ESC_ERROR_UNSUPPORTED_CARD:
		return _("Use a smart card issued by your organization.");
	case ESC_ERROR_PCSC:
		return _("Remove the card and the reader, plug them in again and repeat the operation.");
	case ESC_ERROR_CONNECT:
		return _("Check the network connection and the server address in Preferences, then try again.");
	case ESC_ERROR_TLS:
		return _("Ask your administrator for the server’s CA certificate and add it in Preferences.");
	case ESC_ERROR_TIMEOUT:
		return _("Check the network connection, keep the card in the reader and try again.");
	case ESC_ERROR_PROTOCOL:
		return _("Check the server address in Preferences. If it is right, tell your helpdesk.");
	case ESC_ERROR_SERVER:
		return _("The server’s reason is shown below. Contact your helpdesk if you need help with it.");
	case ESC_ERROR_AUTH:
		return _("Check your user ID and password and try again.");
	case ESC_ERROR_INVALID_INPUT:
		return _("Check the details shown below and the settings in Preferences.");
	case ESC_ERROR_FAILED:
	default:
		return _("Try again. If it fails again, copy the diagnostics report (main menu) and send it to your helpdesk.");
	}
}

gchar *
esc_gui_util_token_owner(EscToken *token)
{
	EscTokenInfo *info = esc_token_get_info(token);
	GPtrArray *certificates = info != NULL ? esc_token_info_get_certificates(info) : NULL;

	for (guint i = 0; certificates != NULL && i < certificates->len; i++) {
		EscCertificate *certificate = g_ptr_array_index(certificates, i);
		gchar *cn = esc_gui_util_dn_get_cn(esc_certificate_get_subject(certificate));
		if (cn != NULL)
			return cn;
	}
	return NULL;
}

gchar *
esc_gui_util_token_status_text(EscToken *token)
{
	const gchar *error = esc_token_get_error(token);
	EscTokenStatus status = esc_token_get_status(token);

	if (esc_token_get_busy(token))
		return g_strdup(_("Busy…"));
	if (status == ESC_TOKEN_STATUS_ERROR) {
		if (error != NULL && error[0] != '\0')
			/* TRANSLATORS: token status, then the reason it cannot be read */
			return g_strdup_printf(_("%s: %s"), esc_token_status_to_label(status), error);
	}
	return g_strdup(esc_token_status_to_label(status));
}

gboolean
esc_gui_util_check_server_url(const gchar *url, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GError) parse_error = NULL;
	const gchar *scheme;
	const gchar *host;

	if (url == NULL || url[0] == '\0') {
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The server address is empty."));
		return FALSE;
	}
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, &parse_error);
	if (uri == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” is not a valid address: %s"), url,
			    parse_error->message);
		return FALSE;
	}
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "https") != 0 && g_ascii_strcasecmp(scheme, "http") != 0) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT,
			    _("“%s” is not a web address: it must start with https:// or http://"), url);
		return FALSE;
	}
	host = g_uri_get_host(uri);
	if (host == NULL || host[0] == '\0') {
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” names no server"), url);
		return FALSE;
	}
	for (const gchar *p = host; *p != '\0'; p++) {
		if (g_ascii_isspace(*p) || g_ascii_iscntrl(*p)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("“%s” has a space in the server name"),
				    url);
			return FALSE;
		}
	}
	return TRUE;
}

/* ---- widgets ---------------------------------------------------------------------------- */

AdwToast *
esc_gui_util_toast_new(const gchar *text)
{
	g_autofree gchar *escaped = g_markup_escape_text(text, -1);

	return adw_toast_new(escaped);
}

GFile *
esc_gui_util_chooser_take_file(GtkFileChooserNative **chooser, int response)
{
	GFile *file = NULL;

	if (response == GTK_RESPONSE_ACCEPT)
		file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(*chooser));
	g_clear_object(chooser);
	return file;
}

static void
esc_gui_util_saved(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(AdwToastOverlay) overlay = ADW_TOAST_OVERLAY(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = g_file_get_parse_name(G_FILE(source));
	g_autofree gchar *text = NULL;

	if (!g_file_replace_contents_finish(G_FILE(source), res, NULL, &error))
		/* TRANSLATORS: %s is a file name, then the reason */
		text = g_strdup_printf(_("Cannot save %s: %s"), name, error->message);
	else
		/* TRANSLATORS: %s is a file name */
		text = g_strdup_printf(_("Saved as %s"), name);
	adw_toast_overlay_add_toast(overlay, esc_gui_util_toast_new(text));
}

void
esc_gui_util_save_file(GFile *file, GBytes *contents, AdwToastOverlay *overlay)
{
	g_file_replace_contents_bytes_async(file, contents, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
					    esc_gui_util_saved, g_object_ref(overlay));
}
