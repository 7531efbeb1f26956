/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * escctl enroll / format / reset-pin: one EscOperation against the TPS, with the login form
 * and the new PIN answered from the command line (--user, --password-file/-stdin,
 * --pin-file/-stdin) or asked on the terminal, progress shown as it comes, and Ctrl-C
 * cancelling the run (the TPS sees the connection close and rolls back).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>

#include "escctl-private.h"

#define ESCCTL_MAX_PIN_TRIES	3
#define ESCCTL_REMOVAL_WAIT_MS 2000 /* pcscd polls vpcd readers every 400 ms */

typedef struct {
	Escctl *ctl;
	EscctlProgress *progress;
	GError *answer_error; /* why escctl could not answer a question (the run is then cancelled) */
	gboolean password_used; /* the password from the command line was sent */
} EscctlOpRun;

/* Remembers why a question was not answered (first reason wins). */
static void
escctl_op_set_answer_error(EscctlOpRun *run, GError *error)
{
	if (run->answer_error == NULL)
		run->answer_error = error;
	else
		g_error_free(error);
}

/* Asks @question on the terminal unless escctl may not ask; the error says how to give the
 * value instead. */
static TokSecret *
escctl_op_ask(EscctlOpRun *run, const gchar *question, gboolean secret, const gchar *how, GError **error)
{
	Escctl *self = run->ctl;
	g_autoptr(GError) local = NULL;
	TokSecret *answer;

	if (self->non_interactive || !escctl_prompt_is_available(self->prompt)) {
		/* TRANSLATORS: %s: how to give the value on the command line */
		g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The server asks a question but escctl cannot ask it here: %s"),
			    how);
		return NULL;
	}
	escctl_progress_break(run->progress);
	answer = escctl_prompt_ask(self->prompt, question, secret, self->cancellable, &local);
	if (answer == NULL) {
		if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED) || g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CLOSED))
			g_set_error_literal(error, ESC_ERROR, ESC_ERROR_CANCELLED, local->message);
		else
			g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, "%s", local->message);
	}
	return answer;
}

static gboolean
escctl_op_is_user_field(const EscLoginField *field)
{
	return field->type == ESC_LOGIN_FIELD_STRING &&
	       (g_ascii_strcasecmp(field->id, "UID") == 0 || g_ascii_strcasecmp(field->id, "screen_name") == 0 ||
		g_ascii_strcasecmp(field->id, "user") == 0);
}

/* Whether @a and @b are the same text, ignoring case (also outside ASCII). */
static gboolean
escctl_op_text_equal(const gchar *a, const gchar *b)
{
	g_autofree gchar *fa = g_utf8_casefold(a, -1);
	g_autofree gchar *fb = g_utf8_casefold(b, -1);

	return g_strcmp0(fa, fb) == 0;
}

/* The answer to a yes/no question: the translated "yes" or its short form, or the English
 * ones (yes, y, true, 1), compared without case; anything else is "no". */
static gboolean
escctl_op_is_yes(const gchar *text)
{
	/* TRANSLATORS: the answer "yes" to a yes/no question typed on the terminal (as in
	 * "[yes/no]"); the English "yes" is accepted as well */
	const gchar *yes = _("yes");
	/* TRANSLATORS: the short answer "yes" (one letter) to a yes/no question; the English "y"
	 * is accepted as well */
	const gchar *yes_short = _("y");

	if (!g_utf8_validate(text, -1, NULL))
		return FALSE;
	return escctl_op_text_equal(text, yes) || escctl_op_text_equal(text, yes_short) || g_ascii_strcasecmp(text, "yes") == 0 ||
	       g_ascii_strcasecmp(text, "y") == 0 || g_ascii_strcasecmp(text, "true") == 0 || g_strcmp0(text, "1") == 0;
}

/* One field of the login form: from the options or asked. */
static gboolean
escctl_op_fill_field(EscctlOpRun *run, EscLoginRequest *request, const EscLoginField *field, GError **error)
{
	Escctl *self = run->ctl;
	g_autoptr(TokSecret) value = NULL;
	g_autofree gchar *question = NULL;
	gboolean secret = field->type == ESC_LOGIN_FIELD_PASSWORD;
	const gchar *label = field->label != NULL && field->label[0] != '\0' ? field->label : field->id;

	if (secret && self->password != NULL) {
		esc_login_request_set_value(request, field->id, escctl_secret_text(self->password));
		run->password_used = TRUE;
		return TRUE;
	}
	if (escctl_op_is_user_field(field) && self->user != NULL) {
		esc_login_request_set_value(request, field->id, self->user);
		return TRUE;
	}
	if (field->description != NULL && field->description[0] != '\0' && g_strcmp0(field->description, label) != 0 &&
	    !self->non_interactive) {
		g_autofree gchar *help = g_strdup_printf("  (%s)\n", field->description);
		escctl_progress_break(run->progress);
		escctl_prompt_print(self->prompt, help);
	}
	switch (field->type) {
	case ESC_LOGIN_FIELD_BOOLEAN:
		/* TRANSLATORS: a yes/no question from the server's login form (%s: the question);
		 * use the words the answers "yes" and "no" are translated to */
		question = g_strdup_printf(_("%s [yes/no]: "), label);
		break;
	case ESC_LOGIN_FIELD_STRING:
	case ESC_LOGIN_FIELD_PASSWORD:
	case ESC_LOGIN_FIELD_INTEGER:
	default:
		question = g_strdup_printf("%s: ", label);
		break;
	}
	for (;;) {
		g_autoptr(GError) local = NULL;
		value = escctl_op_ask(run, question, secret,
				      secret ? _("give the password with --password-file or --password-stdin.")
					     : _("give the user with --user (other fields need a terminal)."),
				      &local);
		if (value == NULL && g_error_matches(local, ESC_ERROR, ESC_ERROR_INVALID_INPUT) &&
		    escctl_prompt_is_available(self->prompt) && !self->non_interactive) {
			/* an empty answer: ask again */
			escctl_prompt_print(self->prompt, _("Please give a value.\n"));
			continue;
		}
		if (value == NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return FALSE;
		}
		break;
	}
	if (field->type == ESC_LOGIN_FIELD_BOOLEAN) {
		esc_login_request_set_value(request, field->id, escctl_op_is_yes(escctl_secret_text(value)) ? "true" : "false");
	} else {
		esc_login_request_set_value(request, field->id, escctl_secret_text(value));
	}
	return TRUE;
}

static void
escctl_op_on_login(EscOperation *op, EscLoginRequest *request, gpointer user_data)
{
	EscctlOpRun *run = user_data;
	Escctl *self = run->ctl;
	guint n = esc_login_request_get_n_fields(request);
	g_autoptr(GError) error = NULL;

	if (esc_login_request_get_invalid_password(request) && run->password_used) {
		/* the password from the command line was refused: asking again would not help */
		escctl_op_set_answer_error(run, g_error_new_literal(ESC_ERROR, ESC_ERROR_AUTH,
								    _("the server did not accept the user name or password.")));
		esc_login_request_cancel(request);
		return;
	}
	if (!self->non_interactive && escctl_prompt_is_available(self->prompt)) {
		g_autoptr(GString) intro = g_string_new(NULL);
		const gchar *title = esc_login_request_get_title(request);
		const gchar *description = esc_login_request_get_description(request);
		gboolean need_terminal = FALSE;

		for (guint i = 0; i < n; i++) {
			const EscLoginField *field = esc_login_request_get_field(request, i);
			if (field == NULL)
				continue;
			if (!(field->type == ESC_LOGIN_FIELD_PASSWORD && self->password != NULL) &&
			    !(escctl_op_is_user_field(field) && self->user != NULL))
				need_terminal = TRUE;
		}
		if (need_terminal) {
			if (title != NULL && title[0] != '\0')
				g_string_append_printf(intro, "%s\n", title);
			if (description != NULL && description[0] != '\0')
				g_string_append_printf(intro, "%s\n", description);
			if (intro->len == 0)
				g_string_append_printf(intro, "%s\n", _("The server asks you to log in."));
			if (esc_login_request_get_invalid_password(request))
				g_string_append_printf(intro, "%s\n", _("The user name or password was not accepted; try again."));
			if (esc_login_request_get_blocked(request))
				g_string_append_printf(intro, "%s\n", _("The server says this account is blocked."));
			escctl_progress_break(run->progress);
			escctl_prompt_print(self->prompt, intro->str);
		}
	}
	for (guint i = 0; i < n; i++) {
		const EscLoginField *field = esc_login_request_get_field(request, i);
		if (field != NULL && !escctl_op_fill_field(run, request, field, &error)) {
			escctl_op_set_answer_error(run, g_steal_pointer(&error));
			esc_login_request_cancel(request);
			return;
		}
	}
	esc_login_request_respond(request);
}

/* The new PIN, asked twice on the terminal until both agree and the server's rules hold. */
static TokSecret *
escctl_op_ask_pin(EscctlOpRun *run, EscPinRequest *request, GError **error)
{
	Escctl *self = run->ctl;
	guint min = esc_pin_request_get_min_length(request);
	guint max = esc_pin_request_get_max_length(request);
	/* TRANSLATORS: %u..%u: the PIN length range the server allows */
	g_autofree gchar *question = g_strdup_printf(_("New PIN for the token (%u to %u characters): "), min, max);
	const gchar *how = _("give the new PIN with --pin-file or --pin-stdin.");

	for (guint attempt = 0; attempt < ESCCTL_MAX_PIN_TRIES; attempt++) {
		g_autoptr(TokSecret) first = NULL;
		g_autoptr(TokSecret) second = NULL;
		g_autoptr(GError) local = NULL;

		first = escctl_op_ask(run, question, TRUE, how, &local);
		if (first == NULL && g_error_matches(local, ESC_ERROR, ESC_ERROR_INVALID_INPUT) &&
		    escctl_prompt_is_available(self->prompt) && !self->non_interactive) {
			escctl_prompt_print(self->prompt, _("The PIN may not be empty.\n"));
			continue;
		}
		if (first == NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		if (!esc_pin_request_check(request, escctl_secret_text(first), &local)) {
			g_autofree gchar *line = g_strdup_printf("%s\n", local->message);
			escctl_prompt_print(self->prompt, line);
			continue;
		}
		second = escctl_op_ask(run, _("Repeat the new PIN: "), TRUE, how, &local);
		if (second == NULL) {
			if (g_error_matches(local, ESC_ERROR, ESC_ERROR_INVALID_INPUT)) {
				escctl_prompt_print(self->prompt, _("The two PINs differ; try again.\n"));
				continue;
			}
			g_propagate_error(error, g_steal_pointer(&local));
			return NULL;
		}
		if (!tok_secret_equal(first, second)) {
			escctl_prompt_print(self->prompt, _("The two PINs differ; try again.\n"));
			continue;
		}
		return g_steal_pointer(&first);
	}
	g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("No acceptable PIN was given in %d tries."), ESCCTL_MAX_PIN_TRIES);
	return NULL;
}

static void
escctl_op_on_new_pin(EscOperation *op, EscPinRequest *request, gpointer user_data)
{
	EscctlOpRun *run = user_data;
	Escctl *self = run->ctl;
	g_autoptr(TokSecret) pin = NULL;
	g_autoptr(GError) error = NULL;

	if (self->pin != NULL) {
		if (!esc_pin_request_check(request, escctl_secret_text(self->pin), &error)) {
			g_prefix_error(&error, _("The PIN given is not acceptable: "));
			escctl_op_set_answer_error(run, g_steal_pointer(&error));
			esc_pin_request_cancel(request);
			return;
		}
		esc_pin_request_respond(request, escctl_secret_text(self->pin));
		return;
	}
	pin = escctl_op_ask_pin(run, request, &error);
	if (pin == NULL) {
		escctl_op_set_answer_error(run, g_steal_pointer(&error));
		esc_pin_request_cancel(request);
		return;
	}
	esc_pin_request_respond(request, escctl_secret_text(pin));
}

static void
escctl_op_on_progress(EscOperation *op, guint percent, const gchar *task, gpointer user_data)
{
	EscctlOpRun *run = user_data;

	escctl_progress_update(run->progress, percent, task);
}

static void
escctl_op_on_log(EscOperation *op, const gchar *line, gpointer user_data)
{
	EscctlOpRun *run = user_data;

	if (!run->ctl->verbose)
		return;
	escctl_progress_break(run->progress);
	g_printerr("%s\n", line);
}

static gchar *
escctl_op_done_sentence(EscOperationKind kind, const gchar *reader)
{
	switch (kind) {
	case ESC_OPERATION_ENROLL:
		/* TRANSLATORS: %s: the reader */
		return g_strdup_printf(_("The token in %s is enrolled."), reader);
	case ESC_OPERATION_FORMAT:
		return g_strdup_printf(_("The token in %s is formatted."), reader);
	case ESC_OPERATION_PIN_RESET:
		return g_strdup_printf(_("The PIN of the token in %s is reset."), reader);
	case ESC_OPERATION_UNBLOCK:
	case ESC_OPERATION_RENEW:
	default:
		return g_strdup_printf(_("The operation on the token in %s is done."), reader);
	}
}

gboolean
escctl_cmd_operation(Escctl *self, EscOperationKind kind, GError **error)
{
	g_autofree gchar *reader = NULL;
	g_autoptr(GBytes) atr = NULL;
	g_autoptr(EscToken) token = NULL;
	g_autoptr(EscIssuerInfo) issuer = NULL;
	g_autoptr(EscOperation) op = NULL;
	g_autoptr(EscctlProgress) progress = NULL;
	g_autoptr(GAsyncResult) result = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *done = NULL;
	EscTokenInfo *info;
	const gchar *cuid = NULL;
	const gchar *url;
	EscctlOpRun run = {.ctl = self};
	gboolean ok;
	gint status;

	reader = escctl_select_reader(self, &atr, error);
	if (reader == NULL)
		return FALSE;
	if (self->json_builder != NULL)
		escctl_json_add_string(self->json_builder, "reader", reader);
	token = escctl_open_token(self, reader, atr, error);
	if (token == NULL)
		return FALSE;
	info = esc_token_get_info(token);
	if (info != NULL)
		cuid = esc_token_info_get_cuid(info);
	if (self->json_builder != NULL)
		escctl_json_add_string(self->json_builder, "cuid", cuid);

	/* where to: --server, else the issuer's Operation URL from phone home */
	if (self->server == NULL) {
		issuer = escctl_phone_home(self, token, error);
		if (issuer == NULL) {
			if (error != NULL && *error != NULL)
				return FALSE;
			g_set_error_literal(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT,
					    _("There is no TPS to ask: the token has no phone-home URL; give --server URL or --phone-home URL."));
			return FALSE;
		}
		if (esc_issuer_info_get_operation_url(issuer) == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL,
				    _("The phone-home answer of %s names no Operation URL; give --server URL."),
				    esc_issuer_info_get_phone_home_url(issuer) != NULL ? esc_issuer_info_get_phone_home_url(issuer) : "?");
			return FALSE;
		}
		esc_token_set_issuer(token, issuer);
	}

	op = esc_operation_new(token, kind);
	if (self->server != NULL)
		esc_operation_set_url(op, self->server);
	else
		esc_operation_set_url(op, esc_issuer_info_get_operation_url(issuer));
	if (self->token_type != NULL)
		esc_operation_set_token_type(op, self->token_type);
	else if (issuer != NULL && esc_issuer_info_get_token_type(issuer) != NULL &&
		 (kind == ESC_OPERATION_ENROLL || kind == ESC_OPERATION_FORMAT))
		esc_operation_set_token_type(op, esc_issuer_info_get_token_type(issuer));
	esc_operation_set_tls_options(op, self->tls);
	url = esc_operation_get_url(op);
	if (self->json_builder != NULL) {
		escctl_json_add_string(self->json_builder, "operation", esc_operation_kind_to_string(kind));
		escctl_json_add_string(self->json_builder, "url", url);
	}

	progress = escctl_progress_new(stderr, TRUE);
	run.progress = progress;
	g_signal_connect(op, "login-requested", G_CALLBACK(escctl_op_on_login), &run);
	g_signal_connect(op, "new-pin-requested", G_CALLBACK(escctl_op_on_new_pin), &run);
	g_signal_connect(op, "progress", G_CALLBACK(escctl_op_on_progress), &run);
	g_signal_connect(op, "log", G_CALLBACK(escctl_op_on_log), &run);
	if (!self->json) {
		/* TRANSLATORS: "Enroll: Virtual PCD 00 00 with https://host:8443/tps/tps" */
		g_autofree gchar *line = g_strdup_printf(_("%s: the token in %s with %s"), esc_operation_kind_to_label(kind), reader,
							 url != NULL ? url : "?");
		escctl_progress_step(progress, line);
	}

	esc_operation_run_async(op, self->cancellable, escctl_on_result, &result);
	escctl_wait(self, &result);
	ok = esc_operation_run_finish(op, result, &local);
	escctl_progress_break(progress);
	g_signal_handlers_disconnect_by_data(op, &run);

	status = (gint)esc_operation_get_status(op);
	if (self->json_builder != NULL) {
		escctl_json_add_int(self->json_builder, "apdu-count", esc_operation_get_apdu_count(op));
		if (status >= 0) {
			escctl_json_add_int(self->json_builder, "status", status);
			escctl_json_add_string(self->json_builder, "status-name", tok_tps_status_to_string((TokTpsStatus)status));
		}
	}
	if (!ok) {
		/* a question escctl could not answer explains the cancellation better */
		if (run.answer_error != NULL &&
		    (g_error_matches(local, ESC_ERROR, ESC_ERROR_CANCELLED) || g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) &&
		    !g_cancellable_is_cancelled(self->cancellable)) {
			g_propagate_error(error, g_steal_pointer(&run.answer_error));
			return FALSE;
		}
		g_clear_error(&run.answer_error);
		/* a card pulled mid-APDU may look like a card that answered nothing (vpcd does
		 * that): ask pcscd whether the card is still there */
		if ((g_error_matches(local, ESC_ERROR, ESC_ERROR_CARD) || g_error_matches(local, ESC_ERROR, ESC_ERROR_PCSC)) &&
		    escctl_card_is_gone(reader, ESCCTL_REMOVAL_WAIT_MS)) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED,
				    _("The card was removed from “%s” during the operation (%s). Insert it and try again."), reader,
				    local->message);
			return FALSE;
		}
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	g_clear_error(&run.answer_error);
	done = escctl_op_done_sentence(kind, reader);
	escctl_say(self, "%s\n", done);
	if (self->verbose && !self->json)
		g_printerr(_("%u APDUs relayed.\n"), esc_operation_get_apdu_count(op));
	return TRUE;
}
