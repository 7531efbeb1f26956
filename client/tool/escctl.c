/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * escctl: the Enterprise Security Client on the command line (client-design.md, Part C).
 *
 *   escctl [--server URL] [--phone-home URL] [--ca-file PEM] [--reader NAME] [--json]
 *          [--timeout S] [--verbose] COMMAND [command options]
 *
 * Commands: list, info, certs [--pem], enroll, format, reset-pin, diagnose, monitor. Exit
 * codes: see escctl-output.h (0 ok, 1 failed, 2 usage, 3 no reader/card, 4 card, 5 server
 * unreachable, 6 authentication, 7 refused by the server, 8 cancelled).
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "escctl-private.h"

typedef enum {
	ESCCTL_CMD_LIST,
	ESCCTL_CMD_INFO,
	ESCCTL_CMD_CERTS,
	ESCCTL_CMD_ENROLL,
	ESCCTL_CMD_FORMAT,
	ESCCTL_CMD_RESET_PIN,
	ESCCTL_CMD_DIAGNOSE,
	ESCCTL_CMD_MONITOR,
} EscctlCommand;

typedef struct {
	const gchar *name;
	EscctlCommand command;
	const gchar *summary;
} EscctlCommandInfo;

static const EscctlCommandInfo escctl_commands[] = {
    {"list", ESCCTL_CMD_LIST, N_("Readers and the token in each, one line each")},
    {"info", ESCCTL_CMD_INFO, N_("What the token is, and what its issuer says (phone home)")},
    {"certs", ESCCTL_CMD_CERTS, N_("The certificates on the token (--pem: as PEM)")},
    {"enroll", ESCCTL_CMD_ENROLL, N_("Enroll the token: keys, certificates and a PIN")},
    {"format", ESCCTL_CMD_FORMAT, N_("Format the token (erases keys and certificates)")},
    {"reset-pin", ESCCTL_CMD_RESET_PIN, N_("Set a new PIN on an enrolled token")},
    {"diagnose", ESCCTL_CMD_DIAGNOSE, N_("A report for support requests")},
    {"monitor", ESCCTL_CMD_MONITOR, N_("Print reader and card events as they happen, until Ctrl-C")},
};

/* ---- shared helpers ------------------------------------------------------------------- */

void
escctl_on_result(GObject *source, GAsyncResult *result, gpointer user_data)
{
	GAsyncResult **out = user_data;

	*out = g_object_ref(result);
}

void
escctl_wait(Escctl *self, GAsyncResult **result)
{
	while (*result == NULL)
		g_main_context_iteration(NULL, TRUE);
}

void
escctl_say(Escctl *self, const gchar *format, ...)
{
	va_list args;

	if (self->json)
		return;
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	fflush(stdout);
}

/* Ctrl-C, SIGTERM, SIGHUP: the terminal back to normal, then cancel what runs (an operation
 * ends cleanly: the TPS sees the connection close and rolls back). A second one exits. */
static gboolean
escctl_on_signal(gpointer user_data)
{
	Escctl *self = user_data;

	escctl_prompt_restore(self->prompt);
	self->n_signals++;
	if (self->monitor_loop != NULL) {
		g_main_loop_quit(self->monitor_loop);
		return G_SOURCE_CONTINUE;
	}
	if (self->n_signals > 1) {
		g_printerr("%s\n", _("Interrupted again: exiting now."));
		exit(ESCCTL_EXIT_CANCELLED);
	}
	g_cancellable_cancel(self->cancellable);
	return G_SOURCE_CONTINUE;
}

/* ---- options -------------------------------------------------------------------------- */

static gboolean
escctl_check_options(Escctl *self, EscctlCommand cmd, GError **error)
{
	gboolean logs_in = cmd == ESCCTL_CMD_ENROLL || cmd == ESCCTL_CMD_FORMAT || cmd == ESCCTL_CMD_RESET_PIN;
	gboolean sets_pin = cmd == ESCCTL_CMD_ENROLL || cmd == ESCCTL_CMD_RESET_PIN;

	if (self->timeout < 1 || self->timeout > 3600) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--timeout must be 1 to 3600 seconds, not %d."),
			    self->timeout);
		return FALSE;
	}
	if (self->pem && cmd != ESCCTL_CMD_CERTS) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--pem only applies to the certs command."));
		return FALSE;
	}
	if (self->token_type != NULL && cmd != ESCCTL_CMD_ENROLL && cmd != ESCCTL_CMD_FORMAT) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("--token-type only applies to the enroll and format commands."));
		return FALSE;
	}
	if (!logs_in && (self->user != NULL || self->password_file != NULL || self->password_stdin)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("--user, --password-file and --password-stdin only apply to enroll, format and reset-pin."));
		return FALSE;
	}
	if (!sets_pin && (self->pin_file != NULL || self->pin_stdin)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("--pin-file and --pin-stdin only apply to enroll and reset-pin."));
		return FALSE;
	}
	if (self->password_file != NULL && self->password_stdin) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("Give the password with --password-file or with --password-stdin, not both."));
		return FALSE;
	}
	if (self->pin_file != NULL && self->pin_stdin) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("Give the PIN with --pin-file or with --pin-stdin, not both."));
		return FALSE;
	}
	if (self->server != NULL && !g_str_has_prefix(self->server, "https://") && !g_str_has_prefix(self->server, "http://")) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--server needs an http:// or https:// URL, not “%s”."),
			    self->server);
		return FALSE;
	}
	if (self->phone_home != NULL && !g_str_has_prefix(self->phone_home, "https://") &&
	    !g_str_has_prefix(self->phone_home, "http://")) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    _("--phone-home needs an http:// or https:// URL, not “%s”."), self->phone_home);
		return FALSE;
	}
	return TRUE;
}

/* Secrets for scripts, read before anything runs: from standard input the password comes
 * first, then the PIN, one line each. */
static gboolean
escctl_read_secrets(Escctl *self, GError **error)
{
	g_autoptr(GError) local = NULL;

	if (self->password_file != NULL)
		self->password = escctl_secret_read_file(self->password_file, ESCCTL_SECRET_PASSWORD, &local);
	else if (self->password_stdin)
		self->password = escctl_secret_read_fd_line(STDIN_FILENO, ESCCTL_SECRET_PASSWORD, &local);
	if (local == NULL && self->pin_file != NULL)
		self->pin = escctl_secret_read_file(self->pin_file, ESCCTL_SECRET_PIN, &local);
	else if (local == NULL && self->pin_stdin)
		self->pin = escctl_secret_read_fd_line(STDIN_FILENO, ESCCTL_SECRET_PIN, &local);
	if (local != NULL) {
		/* what the user gave cannot be used: a usage error */
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, local->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean
escctl_run_command(Escctl *self, EscctlCommand cmd, GError **error)
{
	switch (cmd) {
	case ESCCTL_CMD_LIST:
		return escctl_cmd_list(self, error);
	case ESCCTL_CMD_INFO:
		return escctl_cmd_info(self, error);
	case ESCCTL_CMD_CERTS:
		return escctl_cmd_certs(self, error);
	case ESCCTL_CMD_ENROLL:
		return escctl_cmd_operation(self, ESC_OPERATION_ENROLL, error);
	case ESCCTL_CMD_FORMAT:
		return escctl_cmd_operation(self, ESC_OPERATION_FORMAT, error);
	case ESCCTL_CMD_RESET_PIN:
		return escctl_cmd_operation(self, ESC_OPERATION_PIN_RESET, error);
	case ESCCTL_CMD_DIAGNOSE:
		return escctl_cmd_diagnose(self, error);
	case ESCCTL_CMD_MONITOR:
		return escctl_cmd_monitor(self, error);
	default:
		g_set_error_literal(error, ESC_ERROR, ESC_ERROR_FAILED, "unknown command");
		return FALSE;
	}
}

static void
escctl_clear(Escctl *self)
{
	g_free(self->server);
	g_free(self->phone_home);
	g_free(self->ca_file);
	g_free(self->reader);
	g_free(self->token_type);
	g_free(self->user);
	g_free(self->password_file);
	g_free(self->pin_file);
	g_clear_object(&self->cancellable);
	g_clear_pointer(&self->prompt, escctl_prompt_free);
	g_clear_pointer(&self->tls, esc_tls_options_unref);
	g_clear_object(&self->json_builder);
	g_clear_pointer(&self->password, tok_secret_unref);
	g_clear_pointer(&self->pin, tok_secret_unref);
}

static gchar *
escctl_commands_summary(void)
{
	g_autoptr(GString) text = g_string_new(_("Commands:"));

	for (guint i = 0; i < G_N_ELEMENTS(escctl_commands); i++)
		g_string_append_printf(text, "\n  %-10s %s", escctl_commands[i].name, _(escctl_commands[i].summary));
	return g_string_free(g_steal_pointer(&text), FALSE);
}

int
main(int argc, char **argv)
{
	Escctl self = {.timeout = ESCCTL_DEFAULT_TIMEOUT};
	gboolean version = FALSE;
	const GOptionEntry entries[] = {
	    {"server", 's', 0, G_OPTION_ARG_STRING, &self.server, N_("TPS URL (instead of the issuer's Operation URL from phone home)"), N_("URL")},
	    {"phone-home", 0, 0, G_OPTION_ARG_STRING, &self.phone_home, N_("Phone-home URL for a token that has none"), N_("URL")},
	    {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, &self.ca_file, N_("Also trust the certificates in this PEM file"), N_("FILE")},
	    {"reader", 'r', 0, G_OPTION_ARG_STRING, &self.reader, N_("The reader to use (default: the only one with a card)"), N_("NAME")},
	    {"json", 0, 0, G_OPTION_ARG_NONE, &self.json, N_("Print one JSON object"), NULL},
	    {"timeout", 't', 0, G_OPTION_ARG_INT, &self.timeout, N_("Seconds to wait for the server (default 60)"), N_("SECONDS")},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &self.verbose, N_("Show the messages exchanged with the TPS (secrets and APDU data left out)"), NULL},
	    {"token-type", 0, 0, G_OPTION_ARG_STRING, &self.token_type, N_("enroll, format: the token type (profile) to ask for"), N_("TYPE")},
	    {"user", 'u', 0, G_OPTION_ARG_STRING, &self.user, N_("enroll, format, reset-pin: the user ID to log in with"), N_("USER")},
	    {"password-file", 0, 0, G_OPTION_ARG_FILENAME, &self.password_file, N_("Read the password from the first line of FILE"), N_("FILE")},
	    {"password-stdin", 0, 0, G_OPTION_ARG_NONE, &self.password_stdin, N_("Read the password from the first line of standard input"), NULL},
	    {"pin-file", 0, 0, G_OPTION_ARG_FILENAME, &self.pin_file, N_("Read the new PIN from the first line of FILE"), N_("FILE")},
	    {"pin-stdin", 0, 0, G_OPTION_ARG_NONE, &self.pin_stdin, N_("Read the new PIN from standard input (after the password, if that comes from there too)"), NULL},
	    {"pem", 0, 0, G_OPTION_ARG_NONE, &self.pem, N_("certs: print the certificates as PEM"), NULL},
	    {"non-interactive", 'n', 0, G_OPTION_ARG_NONE, &self.non_interactive, N_("Never ask questions on the terminal"), NULL},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version"), NULL},
	    G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new(N_("COMMAND"));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *summary = NULL;
	const EscctlCommandInfo *info = NULL;
	EscctlExit rc = ESCCTL_EXIT_OK;
	const gchar *localedir;
	guint signal_ids[3];

	setlocale(LC_ALL, "");
	/* ESC_LOCALEDIR: the build tree's catalogues, for running uninstalled (tests), as the GUI */
	localedir = g_getenv("ESC_LOCALEDIR");
	bindtextdomain(GETTEXT_PACKAGE, localedir != NULL && localedir[0] != '\0' ? localedir : LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	summary = escctl_commands_summary();
	g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	g_option_context_set_summary(context, summary);
	g_option_context_set_description(context,
					 _("Exit status: 0 done, 1 failed, 2 bad usage or input, 3 no reader or card,\n"
					   "4 card error or card removed, 5 cannot reach the server (connection, TLS,\n"
					   "timeout), 6 authentication failed, 7 the server refused the operation,\n"
					   "8 cancelled.\n"));
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("%s\n", error->message);
		g_printerr("%s\n", _("Run “escctl --help” to see the commands and options."));
		escctl_clear(&self);
		return ESCCTL_EXIT_USAGE;
	}
	if (version) {
		g_print("escctl %s\n", PACKAGE_VERSION);
		escctl_clear(&self);
		return ESCCTL_EXIT_OK;
	}
	if (argc < 2) {
		g_set_error_literal(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("No command given."));
	} else if (argc > 2) {
		g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Unexpected argument “%s”."), argv[2]);
	} else {
		for (guint i = 0; i < G_N_ELEMENTS(escctl_commands); i++) {
			if (g_strcmp0(argv[1], escctl_commands[i].name) == 0)
				info = &escctl_commands[i];
		}
		if (info == NULL)
			g_set_error(&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Unknown command “%s”."), argv[1]);
	}

	self.cancellable = g_cancellable_new();
	self.prompt = escctl_prompt_new();
	self.tls = esc_tls_options_new();
	if (self.json) {
		self.json_builder = json_builder_new();
		json_builder_begin_object(self.json_builder);
		escctl_json_add_string(self.json_builder, "command", info != NULL ? info->name : NULL);
	}
	if (error == NULL && info != NULL) {
		self.command = info->name;
		if (escctl_check_options(&self, info->command, &error) &&
		    (self.ca_file == NULL || esc_tls_options_set_ca_file(self.tls, self.ca_file, &error)) &&
		    escctl_read_secrets(&self, &error)) {
			esc_tls_options_set_timeout(self.tls, (guint)self.timeout);
			signal_ids[0] = g_unix_signal_add(SIGINT, escctl_on_signal, &self);
			signal_ids[1] = g_unix_signal_add(SIGTERM, escctl_on_signal, &self);
			signal_ids[2] = g_unix_signal_add(SIGHUP, escctl_on_signal, &self);
			escctl_run_command(&self, info->command, &error);
			for (guint i = 0; i < G_N_ELEMENTS(signal_ids); i++)
				g_source_remove(signal_ids[i]);
		}
	}
	if (error != NULL) {
		g_autofree gchar *text = escctl_error_describe(error, (guint)self.timeout);

		rc = escctl_exit_code_for_error(error);
		g_printerr("%s\n", text);
		if (self.json_builder != NULL)
			escctl_json_add_error(self.json_builder, error, (guint)self.timeout);
	}
	if (self.json_builder != NULL) {
		escctl_json_add_bool(self.json_builder, "success", error == NULL);
		escctl_json_add_int(self.json_builder, "exit-code", rc);
		json_builder_end_object(self.json_builder);
		escctl_json_print(self.json_builder);
	}
	escctl_clear(&self);
	return rc;
}
