/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "escctl-prompt.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct _EscctlPrompt {
	gint fd;	 /* /dev/tty, -1 until opened or when there is none */
	gboolean tried;	 /* the open was attempted */
	gboolean echo_off;
	struct termios saved;
};

/* ---- secrets -------------------------------------------------------------------------- */

const gchar *
escctl_secret_text(TokSecret *secret)
{
	return (const gchar *)tok_secret_get_data(secret, NULL);
}

gsize
escctl_secret_length(TokSecret *secret)
{
	gsize size = tok_secret_get_size(secret);

	return size > 0 ? size - 1 : 0;
}

/* A secret of @len bytes of @data plus a NUL. */
static TokSecret *
escctl_secret_new_from_line(const guint8 *data, gsize len)
{
	TokSecret *secret = tok_secret_new(len + 1);
	guint8 *out = tok_secret_get_mutable_data(secret);

	for (gsize i = 0; i < len; i++)
		out[i] = data[i];
	out[len] = '\0';
	return secret;
}

TokSecret *
escctl_secret_new_from_text(const gchar *text)
{
	return escctl_secret_new_from_line((const guint8 *)text, strlen(text));
}

/* The error messages name the value in whole sentences (one message per kind of value: the
 * words do not fit into one sentence in every language). */
static void
escctl_secret_set_too_long_error(EscctlSecretKind kind, GError **error)
{
	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The password is longer than %d characters."),
			    ESCCTL_PROMPT_MAX_LINE);
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The PIN is longer than %d characters."),
			    ESCCTL_PROMPT_MAX_LINE);
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The answer is longer than %d characters."),
			    ESCCTL_PROMPT_MAX_LINE);
		break;
	}
}

static void
escctl_secret_set_empty_error(EscctlSecretKind kind, GError **error)
{
	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The password is empty."));
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The PIN is empty."));
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The answer is empty."));
		break;
	}
}

static void
escctl_secret_set_nul_error(EscctlSecretKind kind, GError **error)
{
	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The password contains a NUL byte."));
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The PIN contains a NUL byte."));
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The answer contains a NUL byte."));
		break;
	}
}

static void
escctl_secret_set_utf8_error(EscctlSecretKind kind, GError **error)
{
	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The password is not valid UTF-8 text."));
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The PIN is not valid UTF-8 text."));
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The answer is not valid UTF-8 text."));
		break;
	}
}

static void
escctl_secret_set_file_error(EscctlSecretKind kind, const gchar *path, gint errsv, GError **error)
{
	GIOErrorEnum code = g_io_error_from_errno(errsv);

	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error(error, G_IO_ERROR, code, _("Cannot read the password file %s: %s."), path, g_strerror(errsv));
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error(error, G_IO_ERROR, code, _("Cannot read the PIN file %s: %s."), path, g_strerror(errsv));
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error(error, G_IO_ERROR, code, _("Cannot read the file %s: %s."), path, g_strerror(errsv));
		break;
	}
}

static void
escctl_secret_set_stdin_error(EscctlSecretKind kind, gint errsv, GError **error)
{
	GIOErrorEnum code = g_io_error_from_errno(errsv);

	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error(error, G_IO_ERROR, code, _("Cannot read the password from standard input: %s."), g_strerror(errsv));
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error(error, G_IO_ERROR, code, _("Cannot read the PIN from standard input: %s."), g_strerror(errsv));
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error(error, G_IO_ERROR, code, _("Cannot read from standard input: %s."), g_strerror(errsv));
		break;
	}
}

static void
escctl_secret_set_stdin_ended_error(EscctlSecretKind kind, GError **error)
{
	switch (kind) {
	case ESCCTL_SECRET_PASSWORD:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Standard input ended before the password was given."));
		break;
	case ESCCTL_SECRET_PIN:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Standard input ended before the PIN was given."));
		break;
	case ESCCTL_SECRET_ANSWER:
	default:
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Standard input ended before an answer was given."));
		break;
	}
}

/* The line in @buf[0, @len) up to the first line end; checks what a text value may hold. */
static TokSecret *
escctl_secret_from_buffer(const guint8 *buf, gsize len, gboolean complete, EscctlSecretKind kind, GError **error)
{
	gsize end = 0;

	while (end < len && buf[end] != '\n')
		end++;
	if (end == len && !complete) {
		escctl_secret_set_too_long_error(kind, error);
		return NULL;
	}
	if (end > 0 && buf[end - 1] == '\r')
		end--;
	if (end == 0) {
		escctl_secret_set_empty_error(kind, error);
		return NULL;
	}
	if (memchr(buf, '\0', end) != NULL) {
		escctl_secret_set_nul_error(kind, error);
		return NULL;
	}
	if (!g_utf8_validate((const gchar *)buf, (gssize)end, NULL)) {
		escctl_secret_set_utf8_error(kind, error);
		return NULL;
	}
	return escctl_secret_new_from_line(buf, end);
}

TokSecret *
escctl_secret_read_file(const gchar *path, EscctlSecretKind kind, GError **error)
{
	/* room for the longest line, its line end (CR LF) and one byte to see that it is longer */
	g_autoptr(TokSecret) buffer = tok_secret_new(ESCCTL_PROMPT_MAX_LINE + 3);
	guint8 *buf = tok_secret_get_mutable_data(buffer);
	gsize len = 0;
	gboolean eof = FALSE;
	gint fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);

	if (fd < 0) {
		escctl_secret_set_file_error(kind, path, errno, error);
		return NULL;
	}
	while (len < tok_secret_get_size(buffer) && memchr(buf, '\n', len) == NULL) {
		gssize n = read(fd, buf + len, tok_secret_get_size(buffer) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gint saved = errno;
			g_close(fd, NULL);
			escctl_secret_set_file_error(kind, path, saved, error);
			return NULL;
		}
		if (n == 0) {
			eof = TRUE;
			break;
		}
		len += (gsize)n;
	}
	g_close(fd, NULL);
	return escctl_secret_from_buffer(buf, len, eof || memchr(buf, '\n', len) != NULL, kind, error);
}

TokSecret *
escctl_secret_read_fd_line(gint fd, EscctlSecretKind kind, GError **error)
{
	g_autoptr(TokSecret) buffer = tok_secret_new(ESCCTL_PROMPT_MAX_LINE + 3);
	guint8 *buf = tok_secret_get_mutable_data(buffer);
	gsize len = 0;
	gboolean complete = FALSE;

	/* one byte at a time: what follows the line stays in the pipe for the next value */
	while (len < tok_secret_get_size(buffer)) {
		gssize n = read(fd, buf + len, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			escctl_secret_set_stdin_error(kind, errno, error);
			return NULL;
		}
		if (n == 0) {
			complete = TRUE;
			break;
		}
		len++;
		if (buf[len - 1] == '\n') {
			complete = TRUE;
			break;
		}
	}
	if (len == 0) {
		escctl_secret_set_stdin_ended_error(kind, error);
		return NULL;
	}
	return escctl_secret_from_buffer(buf, len, complete, kind, error);
}

/* ---- terminal questions --------------------------------------------------------------- */

EscctlPrompt *
escctl_prompt_new(void)
{
	EscctlPrompt *self = g_new0(EscctlPrompt, 1);

	self->fd = -1;
	return self;
}

void
escctl_prompt_free(EscctlPrompt *self)
{
	if (self == NULL)
		return;
	escctl_prompt_restore(self);
	if (self->fd >= 0)
		g_close(self->fd, NULL);
	OPENSSL_cleanse(&self->saved, sizeof(self->saved));
	g_free(self);
}

static gboolean
escctl_prompt_open(EscctlPrompt *self)
{
	if (!self->tried) {
		self->tried = TRUE;
		self->fd = g_open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
		if (self->fd >= 0 && !isatty(self->fd)) {
			g_close(self->fd, NULL);
			self->fd = -1;
		}
	}
	return self->fd >= 0;
}

gboolean
escctl_prompt_is_available(EscctlPrompt *self)
{
	return escctl_prompt_open(self);
}

static void
escctl_prompt_write(EscctlPrompt *self, const gchar *text)
{
	gsize len = strlen(text);
	gsize done = 0;

	while (done < len) {
		gssize n = write(self->fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (gsize)n;
	}
}

void
escctl_prompt_print(EscctlPrompt *self, const gchar *text)
{
	if (escctl_prompt_open(self))
		escctl_prompt_write(self, text);
}

void
escctl_prompt_restore(EscctlPrompt *self)
{
	if (!self->echo_off || self->fd < 0)
		return;
	tcsetattr(self->fd, TCSAFLUSH, &self->saved);
	self->echo_off = FALSE;
}

typedef struct {
	guint8 *buf;
	gsize size;
	gsize len;
	gboolean done;
	gboolean eof;
	gint errsv;
	gboolean cancelled;
} EscctlPromptRead;

static gboolean
escctl_prompt_on_input(gint fd, GIOCondition condition, gpointer user_data)
{
	EscctlPromptRead *st = user_data;
	gssize n;

	if (st->len >= st->size) {
		st->done = TRUE;
		return G_SOURCE_REMOVE;
	}
	n = read(fd, st->buf + st->len, st->size - st->len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return G_SOURCE_CONTINUE;
	if (n < 0) {
		st->errsv = errno;
		st->done = TRUE;
		return G_SOURCE_REMOVE;
	}
	if (n == 0) {
		st->eof = TRUE;
		st->done = TRUE;
		return G_SOURCE_REMOVE;
	}
	st->len += (gsize)n;
	if (memchr(st->buf, '\n', st->len) != NULL || st->len >= st->size) {
		st->done = TRUE;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
escctl_prompt_on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	EscctlPromptRead *st = user_data;

	st->cancelled = TRUE;
	return G_SOURCE_REMOVE;
}

TokSecret *
escctl_prompt_ask(EscctlPrompt *self, const gchar *question, gboolean secret, GCancellable *cancellable, GError **error)
{
	g_autoptr(TokSecret) buffer = tok_secret_new(ESCCTL_PROMPT_MAX_LINE + 3);
	g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
	g_autoptr(GSource) input = NULL;
	g_autoptr(GSource) cancel = NULL;
	EscctlPromptRead st = {
	    .buf = tok_secret_get_mutable_data(buffer),
	    .size = tok_secret_get_size(buffer),
	};

	if (!escctl_prompt_open(self)) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There is no terminal to ask on."));
		return NULL;
	}
	if (g_cancellable_set_error_if_cancelled(cancellable, error))
		return NULL;
	/* echo off before the question shows, so nothing typed after it is echoed */
	if (secret && tcgetattr(self->fd, &self->saved) == 0) {
		struct termios quiet = self->saved;

		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		if (tcsetattr(self->fd, TCSAFLUSH, &quiet) == 0)
			self->echo_off = TRUE;
		OPENSSL_cleanse(&quiet, sizeof(quiet));
	}
	escctl_prompt_write(self, question);
	input = g_unix_fd_source_new(self->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(input, G_SOURCE_FUNC(escctl_prompt_on_input), &st, NULL);
	g_source_attach(input, context);
	if (cancellable != NULL) {
		cancel = g_cancellable_source_new(cancellable);
		g_source_set_callback(cancel, G_SOURCE_FUNC(escctl_prompt_on_cancelled), &st, NULL);
		g_source_attach(cancel, context);
	}
	while (!st.done && !st.cancelled && !g_cancellable_is_cancelled(cancellable))
		g_main_context_iteration(context, TRUE);
	g_source_destroy(input);
	if (cancel != NULL)
		g_source_destroy(cancel);
	if (self->echo_off) {
		escctl_prompt_restore(self);
		if (!st.done)
			escctl_prompt_write(self, "\n");
	}
	if (!st.done || g_cancellable_is_cancelled(cancellable)) {
		if (!g_cancellable_set_error_if_cancelled(cancellable, error))
			g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The question was cancelled."));
		return NULL;
	}
	if (st.errsv != 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(st.errsv), _("Cannot read from the terminal: %s."),
			    g_strerror(st.errsv));
		return NULL;
	}
	if (st.eof && st.len == 0) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("No answer was given (end of input)."));
		return NULL;
	}
	return escctl_secret_from_buffer(st.buf, st.len, st.eof || memchr(st.buf, '\n', st.len) != NULL, ESCCTL_SECRET_ANSWER, error);
}
