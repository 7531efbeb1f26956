/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the escctl files share: the options and the state of one run, and the commands.
 *
 * escctl is single-threaded on the default main context: asynchronous calls into libesc-core
 * are started and then escctl_wait() iterates the main context until their callback ran, so
 * signals (Ctrl-C), terminal input and the library's own sources keep being served.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "esc-core.h"
#include "escctl-output.h"
#include "escctl-prompt.h"

G_BEGIN_DECLS

#define ESCCTL_DEFAULT_TIMEOUT 60 /* seconds, as EscTlsOptions */

typedef struct {
	/* global options */
	gchar *server;	    /* --server: the TPS (Operation) URL */
	gchar *phone_home;  /* --phone-home: when the card has no issuer URL */
	gchar *ca_file;	    /* --ca-file */
	gchar *reader;	    /* --reader */
	gboolean json;	    /* --json */
	gint timeout;	    /* --timeout, seconds */
	gboolean verbose;   /* --verbose: the redacted transcript on stderr */
	/* command options */
	gchar *token_type;  /* --token-type */
	gchar *user;	    /* --user */
	gchar *password_file;
	gboolean password_stdin;
	gchar *pin_file;
	gboolean pin_stdin;
	gboolean pem;	    /* certs --pem */
	gboolean non_interactive; /* --non-interactive: never ask on the terminal */

	/* state of the run */
	const gchar *command;
	GCancellable *cancellable;
	EscctlPrompt *prompt;
	EscTlsOptions *tls;
	JsonBuilder *json_builder; /* the --json document (an open object), or NULL */
	TokSecret *password;	   /* from --password-file / --password-stdin */
	TokSecret *pin;		   /* from --pin-file / --pin-stdin */
	guint n_signals;	   /* Ctrl-C and friends received */
	GMainLoop *monitor_loop;   /* monitor: runs until a signal */
} Escctl;

/* Iterates the default main context until *@result is set (by escctl_on_result()). */
void
escctl_wait(Escctl *self, GAsyncResult **result) TOK_NONNULL(1, 2);
/* A GAsyncReadyCallback storing a reference to the result in *(GAsyncResult **)@user_data. */
void
escctl_on_result(GObject *source, GAsyncResult *result, gpointer user_data);

/* Human output on stdout (nothing with --json). */
void
escctl_say(Escctl *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3) TOK_NONNULL(1, 2);

/* ---- cards (escctl-token.c) ----------------------------------------------------------- */

/* The reader to work on: --reader (which must exist and hold a card), else the only reader
 * with a card. ESC_ERROR_NO_READER / NO_CARD, or INVALID_INPUT when several have a card. */
gchar *
escctl_select_reader(Escctl *self, GBytes **atr, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* TRUE when the card in @reader is gone (or goes within @timeout_ms): to tell a card that
 * was pulled from one that answered nonsense. */
gboolean
escctl_card_is_gone(const gchar *reader, guint timeout_ms) TOK_NONNULL(1);
/* Probes the token (a new EscToken for @reader) and returns it, info filled in. */
EscToken *
escctl_open_token(Escctl *self, const gchar *reader, GBytes *atr, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1, 2);
/* Phone home for @token (its issuer URL, else --phone-home); NULL without error when there
 * is no URL to ask. */
EscIssuerInfo *
escctl_phone_home(Escctl *self, EscToken *token, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

gboolean
escctl_cmd_list(Escctl *self, GError **error) TOK_NONNULL(1);
gboolean
escctl_cmd_info(Escctl *self, GError **error) TOK_NONNULL(1);
gboolean
escctl_cmd_certs(Escctl *self, GError **error) TOK_NONNULL(1);
gboolean
escctl_cmd_diagnose(Escctl *self, GError **error) TOK_NONNULL(1);
gboolean
escctl_cmd_monitor(Escctl *self, GError **error) TOK_NONNULL(1);

/* ---- operations (escctl-operation.c) -------------------------------------------------- */

gboolean
escctl_cmd_operation(Escctl *self, EscOperationKind kind, GError **error) TOK_NONNULL(1);

G_END_DECLS
