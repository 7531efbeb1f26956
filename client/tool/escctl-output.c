/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "escctl-output.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esc-error.h"

#define ESCCTL_PROGRESS_WIDTH 30

/* ---- errors --------------------------------------------------------------------------- */

EscctlExit
escctl_exit_code_for_error(const GError *error)
{
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return ESCCTL_EXIT_CANCELLED;
	if (error->domain == G_OPTION_ERROR)
		return ESCCTL_EXIT_USAGE;
	if (error->domain != ESC_ERROR)
		return ESCCTL_EXIT_FAILED;
	switch ((EscError)error->code) {
	case ESC_ERROR_CANCELLED:
		return ESCCTL_EXIT_CANCELLED;
	case ESC_ERROR_NO_SERVICE:
	case ESC_ERROR_NO_READER:
	case ESC_ERROR_NO_CARD:
		return ESCCTL_EXIT_NO_CARD;
	case ESC_ERROR_CARD_REMOVED:
	case ESC_ERROR_CARD_CHANGED:
	case ESC_ERROR_CARD:
	case ESC_ERROR_UNSUPPORTED_CARD:
	case ESC_ERROR_PCSC:
		return ESCCTL_EXIT_CARD;
	case ESC_ERROR_CONNECT:
	case ESC_ERROR_TLS:
	case ESC_ERROR_TIMEOUT:
	case ESC_ERROR_PROTOCOL:
		return ESCCTL_EXIT_SERVER;
	case ESC_ERROR_AUTH:
		return ESCCTL_EXIT_AUTH;
	case ESC_ERROR_SERVER:
		return ESCCTL_EXIT_REFUSED;
	case ESC_ERROR_INVALID_INPUT:
		return ESCCTL_EXIT_USAGE;
	case ESC_ERROR_FAILED:
	default:
		return ESCCTL_EXIT_FAILED;
	}
}

const gchar *
escctl_error_kind(const GError *error)
{
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return esc_error_to_string(ESC_ERROR_CANCELLED);
	if (error->domain == G_OPTION_ERROR)
		return esc_error_to_string(ESC_ERROR_INVALID_INPUT);
	if (error->domain == ESC_ERROR)
		return esc_error_to_string((EscError)error->code);
	return esc_error_to_string(ESC_ERROR_FAILED);
}

/* "<lead>: <details>", unless the details already say what the lead would (the library's
 * messages often are whole sentences): @keyword (untranslated, as the library writes it)
 * found in them. */
static gchar *
escctl_error_with_lead(const gchar *lead, const gchar *keyword, const GError *error)
{
	if (strstr(error->message, lead) != NULL || (keyword != NULL && strstr(error->message, keyword) != NULL))
		return g_strdup(error->message);
	/* TRANSLATORS: "<what kind of failure>: <details>" */
	return g_strdup_printf(_("%s: %s"), lead, error->message);
}

gchar *
escctl_error_describe(const GError *error, guint timeout)
{
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_error_matches(error, ESC_ERROR, ESC_ERROR_CANCELLED))
		return g_strdup(_("Cancelled."));
	if (error->domain == G_OPTION_ERROR)
		/* TRANSLATORS: %s is what was wrong with the command line */
		return g_strdup_printf(_("%s Run “escctl --help” to see the commands and options."), error->message);
	if (error->domain != ESC_ERROR)
		return g_strdup(error->message);
	switch ((EscError)error->code) {
	case ESC_ERROR_NO_SERVICE:
		return escctl_error_with_lead(_("The smart card service (pcscd) is not available"), NULL, error);
	case ESC_ERROR_CARD_REMOVED:
		return escctl_error_with_lead(_("The card was removed before the work was done"), "removed", error);
	case ESC_ERROR_CARD_CHANGED:
		return escctl_error_with_lead(_("Another card is now in the reader"), NULL, error);
	case ESC_ERROR_CARD:
		return escctl_error_with_lead(_("The card answered in an unexpected way"), NULL, error);
	case ESC_ERROR_UNSUPPORTED_CARD:
		return escctl_error_with_lead(_("This card is not supported"), NULL, error);
	case ESC_ERROR_PCSC:
		return escctl_error_with_lead(_("The smart card service failed"), NULL, error);
	case ESC_ERROR_CONNECT:
		return escctl_error_with_lead(_("Cannot connect to the server"), "connect", error);
	case ESC_ERROR_TLS:
		return escctl_error_with_lead(_("The secure connection to the server failed"), "not trusted", error);
	case ESC_ERROR_TIMEOUT: {
		/* TRANSLATORS: %u: seconds */
		g_autofree gchar *lead = g_strdup_printf(ngettext("The server or the card did not answer within %u second",
								  "The server or the card did not answer within %u seconds",
								  timeout),
							 timeout);
		return escctl_error_with_lead(lead, "did not answer", error);
	}
	case ESC_ERROR_PROTOCOL:
		return escctl_error_with_lead(_("The server does not speak the token protocol"), NULL, error);
	case ESC_ERROR_AUTH:
		return escctl_error_with_lead(_("Authentication failed"), "Login failed", error);
	case ESC_ERROR_SERVER:
		return escctl_error_with_lead(_("The server refused the operation"), NULL, error);
	case ESC_ERROR_NO_READER:
	case ESC_ERROR_NO_CARD:
	case ESC_ERROR_INVALID_INPUT:
	case ESC_ERROR_FAILED:
	case ESC_ERROR_CANCELLED:
	default:
		return g_strdup(error->message);
	}
}

/* ---- progress ------------------------------------------------------------------------- */

struct _EscctlProgress {
	FILE *stream;
	gboolean bar;
	gboolean open; /* a bar line is on screen */
	gint last_percent;
	gchar *last_task;
};

EscctlProgress *
escctl_progress_new(FILE *stream, gboolean bar)
{
	EscctlProgress *self = g_new0(EscctlProgress, 1);

	self->stream = stream;
	self->bar = bar && isatty(fileno(stream));
	self->last_percent = -1;
	return self;
}

void
escctl_progress_free(EscctlProgress *self)
{
	if (self == NULL)
		return;
	escctl_progress_break(self);
	g_free(self->last_task);
	g_free(self);
}

typedef struct {
	const gchar *task;
	const gchar *label;
} EscctlTaskLabel;

/* The Java TPS's STATUS_UPDATE task names (protocol.md 1.9). */
static const EscctlTaskLabel escctl_task_labels[] = {
    {"PROGRESS_APPLET_BLOCK", N_("Installing the applet")},
    {"PROGRESS_DONE", N_("Done")},
    {"PROGRESS_PROCESS_PROFILE", N_("Processing the token profile")},
    {"PROGRESS_KEY_GENERATION", N_("Generating keys on the token")},
    {"PROGRESS_ENROLL_CERT", N_("Requesting certificates")},
    {"PROGRESS_WRITE_OBJECTS", N_("Writing the certificates to the token")},
    {"PROGRESS_ISSUER_INFO", N_("Writing the issuer information")},
    {"PROGRESS_SET_LIFECYCLE", N_("Finishing the token")},
    {"PROGRESS_DONE_ENROLLMENT", N_("Enrollment complete")},
    {"PROGRESS_START_PIN_RESET", N_("Starting the PIN reset")},
    {"PROGRESS_PIN_RESET_RESOLVE_PROFILE", N_("Looking up the token profile")},
    {"PROGRESS_PIN_RESET_COMPLETE", N_("PIN reset complete")},
};

const gchar *
escctl_progress_task_label(const gchar *task)
{
	for (guint i = 0; i < G_N_ELEMENTS(escctl_task_labels); i++) {
		if (g_strcmp0(escctl_task_labels[i].task, task) == 0)
			return _(escctl_task_labels[i].label);
	}
	return task;
}

void
escctl_progress_break(EscctlProgress *self)
{
	if (self->open) {
		fputc('\n', self->stream);
		fflush(self->stream);
		self->open = FALSE;
	}
}

void
escctl_progress_update(EscctlProgress *self, guint percent, const gchar *task)
{
	const gchar *label = escctl_progress_task_label(task != NULL ? task : "");

	if (percent > 100)
		percent = 100;
	if ((gint)percent == self->last_percent && g_strcmp0(task, self->last_task) == 0)
		return;
	/* plain lines: a new task, every 10 % within one, and the end (an applet load alone
	 * sends some thirty updates) */
	if (!self->bar && g_strcmp0(task, self->last_task) == 0 && percent < 100 && self->last_percent >= 0 &&
	    percent / 10 == (guint)self->last_percent / 10)
		return;
	self->last_percent = (gint)percent;
	g_free(self->last_task);
	self->last_task = g_strdup(task);
	if (self->bar) {
		g_autoptr(GString) line = g_string_new("\r[");
		guint filled = percent * ESCCTL_PROGRESS_WIDTH / 100;

		for (guint i = 0; i < ESCCTL_PROGRESS_WIDTH; i++)
			g_string_append_c(line, i < filled ? '#' : '-');
		g_string_append_printf(line, "] %3u%%  %s", percent, label);
		/* clear what a longer earlier label left */
		g_string_append(line, "\033[K");
		fputs(line->str, self->stream);
		self->open = TRUE;
	} else {
		/* TRANSLATORS: progress line, e.g. "Progress: 10% (Processing the token profile)" */
		fprintf(self->stream, _("Progress: %u%% (%s)\n"), percent, label);
	}
	fflush(self->stream);
}

void
escctl_progress_step(EscctlProgress *self, const gchar *text)
{
	escctl_progress_break(self);
	fprintf(self->stream, "%s\n", text);
	fflush(self->stream);
}

/* ---- JSON ----------------------------------------------------------------------------- */

void
escctl_json_add_string(JsonBuilder *b, const gchar *name, const gchar *value)
{
	if (value == NULL)
		return;
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, value);
}

void
escctl_json_add_int(JsonBuilder *b, const gchar *name, gint64 value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, value);
}

void
escctl_json_add_bool(JsonBuilder *b, const gchar *name, gboolean value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, value);
}

void
escctl_json_add_error(JsonBuilder *b, const GError *error, guint timeout)
{
	g_autofree gchar *text = escctl_error_describe(error, timeout);

	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	escctl_json_add_string(b, "kind", escctl_error_kind(error));
	escctl_json_add_string(b, "message", text);
	escctl_json_add_int(b, "exit-code", escctl_exit_code_for_error(error));
	json_builder_end_object(b);
}

void
escctl_json_print(JsonBuilder *b)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autofree gchar *text = NULL;

	if (root == NULL)
		return;
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	g_print("%s\n", text);
}
