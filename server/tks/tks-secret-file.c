/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-secret-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tks-error.h"
#include "tok-bytes.h"

#define TKS_PROMPT_MAX 1024

/* The whole of a small file, as a secret. */
static TokSecret *
tks_secret_file_read_all(const gchar *path, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error_local = NULL;
	TokSecret *secret;

	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_set_error(error,
			    TKS_ERROR,
			    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? TKS_ERROR_NOT_FOUND
											    : TKS_ERROR_BACKEND,
			    "%s",
			    error_local->message);
		return NULL;
	}
	secret = tok_secret_new_from_data((const guint8 *)contents, len);
	OPENSSL_cleanse(contents, len);
	if (len > TKS_SECRET_FILE_MAX) {
		tok_secret_unref(secret);
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "%s is too large for a key or passphrase file", path);
		return NULL;
	}
	return secret;
}

static gint
tks_hex_value(guint8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits (whitespace allowed between byte pairs) into exactly @want bytes. */
static TokSecret *
tks_secret_from_hex(const guint8 *text, gsize len, gsize want)
{
	g_autoptr(TokSecret) out = tok_secret_new(want);
	guint8 *dst = tok_secret_get_mutable_data(out);
	gsize n = 0;
	gsize i = 0;

	while (i < len) {
		gint hi, lo;
		if (g_ascii_isspace(text[i])) {
			i++;
			continue;
		}
		if (i + 1 >= len || n >= want)
			return NULL;
		hi = tks_hex_value(text[i]);
		lo = tks_hex_value(text[i + 1]);
		if (hi < 0 || lo < 0)
			return NULL;
		dst[n++] = (guint8)((hi << 4) | lo);
		i += 2;
	}
	return n == want ? g_steal_pointer(&out) : NULL;
}

TokSecret *
tks_secret_file_read_key(const gchar *path, gsize len, GError **error)
{
	g_autoptr(TokSecret) raw = tks_secret_file_read_all(path, error);
	gsize raw_len = 0;
	const guint8 *data;
	TokSecret *key;

	if (raw == NULL) {
		g_prefix_error(error, "cannot read key file: ");
		return NULL;
	}
	data = tok_secret_get_data(raw, &raw_len);
	if (raw_len == len)
		return g_steal_pointer(&raw);
	key = tks_secret_from_hex(data, raw_len, len);
	if (key == NULL) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_DATA,
			    "key file %s must hold a %" G_GSIZE_FORMAT "-byte key (%" G_GSIZE_FORMAT
			    " raw bytes or %" G_GSIZE_FORMAT " hex digits)",
			    path,
			    len,
			    len,
			    2 * len);
		return NULL;
	}
	return key;
}

gboolean
tks_secret_file_write_data(const gchar *path, const guint8 *data, gsize len, gboolean overwrite, GError **error)
{
	g_autofree gchar *tmp = g_strconcat(path, ".XXXXXX", NULL);
	gint fd = g_mkstemp_full(tmp, O_WRONLY, 0600);
	gsize done = 0;
	gint rc;

	if (fd < 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_BACKEND, "cannot create a file beside %s: %s", path, g_strerror(errno));
		return FALSE;
	}
	while (done < len) {
		gssize n = write(fd, data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			gint saved = errno;
			close(fd);
			g_unlink(tmp);
			g_set_error(error, TKS_ERROR, TKS_ERROR_BACKEND, "cannot write %s: %s", path, g_strerror(saved));
			return FALSE;
		}
		done += (gsize)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		gint saved = errno;
		g_unlink(tmp);
		g_set_error(error, TKS_ERROR, TKS_ERROR_BACKEND, "cannot write %s: %s", path, g_strerror(saved));
		return FALSE;
	}
	rc = overwrite ? g_rename(tmp, path) : link(tmp, path);
	if (rc != 0) {
		gint saved = errno;
		g_unlink(tmp);
		g_set_error(error,
			    TKS_ERROR,
			    saved == EEXIST ? TKS_ERROR_EXISTS : TKS_ERROR_BACKEND,
			    "cannot write %s: %s",
			    path,
			    g_strerror(saved));
		return FALSE;
	}
	if (!overwrite)
		g_unlink(tmp);
	return TRUE;
}

gboolean
tks_secret_file_write_key(const gchar *path, TokSecret *key, GError **error)
{
	g_autoptr(TokWipedByteArray) text = g_byte_array_new();
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(key, &len);
	const gchar digits[] = "0123456789ABCDEF";

	for (gsize i = 0; i < len; i++) {
		tok_byte_array_append_u8(text, (guint8)digits[data[i] >> 4]);
		tok_byte_array_append_u8(text, (guint8)digits[data[i] & 0x0f]);
	}
	tok_byte_array_append_u8(text, '\n');
	return tks_secret_file_write_data(path, text->data, text->len, FALSE, error);
}

/* The first line of @data, without \r\n. */
static TokSecret *
tks_secret_first_line(const guint8 *data, gsize len)
{
	gsize n = 0;
	while (n < len && data[n] != '\n' && data[n] != '\r')
		n++;
	return tok_secret_new_from_data(data, n);
}

TokSecret *
tks_secret_file_read_passphrase(const gchar *path, GError **error)
{
	g_autoptr(TokSecret) raw = tks_secret_file_read_all(path, error);
	gsize len = 0;
	const guint8 *data;
	g_autoptr(TokSecret) line = NULL;

	if (raw == NULL) {
		g_prefix_error(error, "cannot read passphrase file: ");
		return NULL;
	}
	data = tok_secret_get_data(raw, &len);
	line = tks_secret_first_line(data, len);
	if (tok_secret_get_size(line) == 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "passphrase file %s holds an empty passphrase", path);
		return NULL;
	}
	return g_steal_pointer(&line);
}

/* Reads one line from @fd with echo off. */
static TokSecret *
tks_secret_read_tty(gint fd, const gchar *prompt, GError **error)
{
	struct termios old, noecho;
	g_autoptr(TokWipedByteArray) buf = g_byte_array_new();
	gboolean done = FALSE;

	if (tcgetattr(fd, &old) != 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "cannot prompt: %s", g_strerror(errno));
		return NULL;
	}
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &noecho) != 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "cannot prompt: %s", g_strerror(errno));
		return NULL;
	}
	while (!done && buf->len <= TKS_PROMPT_MAX) {
		guint8 c = 0;
		gssize n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n' || c == '\r')
			done = TRUE;
		else
			tok_byte_array_append_u8(buf, c);
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		g_debug("cannot write to the terminal");
	if (buf->len == 0 || buf->len > TKS_PROMPT_MAX) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "empty or too long passphrase");
		return NULL;
	}
	return tok_secret_new_from_data(buf->data, buf->len);
}

TokSecret *
tks_secret_prompt(const gchar *prompt, gboolean confirm, GError **error)
{
	gint fd = g_open("/dev/tty", O_RDWR | O_NOCTTY, 0);
	g_autoptr(TokSecret) first = NULL;
	g_autoptr(TokSecret) second = NULL;

	if (fd < 0) {
		g_set_error_literal(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "no terminal to prompt for the passphrase on: use --passphrase-file");
		return NULL;
	}
	first = tks_secret_read_tty(fd, prompt, error);
	if (first != NULL && confirm) {
		second = tks_secret_read_tty(fd, "Repeat: ", error);
		if (second != NULL && !tok_secret_equal(first, second)) {
			g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "the passphrases differ");
			g_clear_pointer(&first, tok_secret_unref);
		} else if (second == NULL) {
			g_clear_pointer(&first, tok_secret_unref);
		}
	}
	close(fd);
	return g_steal_pointer(&first);
}
