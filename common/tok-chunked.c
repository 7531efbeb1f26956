/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-chunked.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-secret.h"

typedef enum {
	TOK_CHUNK_STATE_SIZE,	       /* hex digits of a size line (or its start) */
	TOK_CHUNK_STATE_SIZE_WS,       /* whitespace after the digits: only `;` may follow */
	TOK_CHUNK_STATE_EXT,	       /* chunk extensions, ignored up to the CR */
	TOK_CHUNK_STATE_SIZE_LF,       /* the CR of the size line was seen */
	TOK_CHUNK_STATE_DATA,	       /* inside the data of a chunk */
	TOK_CHUNK_STATE_DATA_CR,       /* after the data: CR expected */
	TOK_CHUNK_STATE_DATA_LF,       /* after the data and CR: LF expected */
	TOK_CHUNK_STATE_TRAILER_NAME,  /* at the start of a trailer line or in its field name */
	TOK_CHUNK_STATE_TRAILER_VALUE, /* after the `:` of a trailer line */
	TOK_CHUNK_STATE_TRAILER_LF, /* the CR of a trailer line (or of the final line) was seen */
	TOK_CHUNK_STATE_DONE,
	TOK_CHUNK_STATE_FAILED,
} TokChunkState;

struct _TokChunkDecoder {
	TokChunkState state;
	gsize max_chunk_size;
	guint64 offset;	   /* bytes consumed so far (for error messages) */
	guint64 n_chunks;  /* complete chunks decoded so far */
	gsize line_len;	   /* bytes of the current size or trailer line, CRLF excluded */
	guint n_digits;	   /* hex digits of the current size */
	gsize chunk_size;  /* value of the current size */
	gsize trailer_len; /* bytes of the trailer section so far */
	GByteArray *data;  /* the chunk being filled, allocated at its full size */
	GQueue chunks;	   /* complete chunks (wiped GBytes), oldest first */
	GError *error;	   /* the first error, once failed */
};

static gboolean
tok_chunk_decoder_fail(TokChunkDecoder *self,
		       GError **error,
		       TokError code,
		       const gchar *format,
		       ...) G_GNUC_PRINTF(4, 5);

TokChunkDecoder *
tok_chunk_decoder_new(gsize max_chunk_size)
{
	TokChunkDecoder *self;

	g_return_val_if_fail(max_chunk_size <= TOK_CHUNK_MAX_SIZE_LIMIT, NULL);

	self = g_new0(TokChunkDecoder, 1);
	self->state = TOK_CHUNK_STATE_SIZE;
	self->max_chunk_size = max_chunk_size > 0 ? max_chunk_size : TOK_CHUNK_DEFAULT_MAX_SIZE;
	g_queue_init(&self->chunks);
	return self;
}

void
tok_chunk_decoder_free(TokChunkDecoder *decoder)
{
	if (decoder == NULL)
		return;
	g_clear_pointer(&decoder->data, tok_byte_array_wipe_free);
	g_queue_clear_full(&decoder->chunks, (GDestroyNotify)g_bytes_unref);
	g_clear_error(&decoder->error);
	g_free(decoder);
}

gsize
tok_chunk_decoder_get_max_chunk_size(const TokChunkDecoder *decoder)
{
	return decoder->max_chunk_size;
}

/* "'x'" for a printable byte, "0xNN" otherwise (for error messages). */
static gchar *
tok_chunk_describe_byte(guint8 c)
{
	if (c > 0x20 && c < 0x7f)
		return g_strdup_printf("'%c'", c);
	return g_strdup_printf("0x%02X", c);
}

static gboolean
tok_chunk_decoder_fail(TokChunkDecoder *self,
		       GError **error,
		       TokError code,
		       const gchar *format,
		       ...)
{
	va_list args;
	g_autofree gchar *what = NULL;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);

	g_clear_error(&self->error);
	self->error = g_error_new(TOK_ERROR,
				  code,
				  "chunked body: %s at byte %" G_GUINT64_FORMAT,
				  what,
				  self->offset);
	self->state = TOK_CHUNK_STATE_FAILED;
	g_clear_pointer(&self->data, tok_byte_array_wipe_free);
	g_propagate_error(error, g_error_copy(self->error));
	return FALSE;
}

static gboolean
tok_chunk_is_hex(guint8 c, guint *value)
{
	if (c >= '0' && c <= '9') {
		*value = c - '0';
		return TRUE;
	}
	if (c >= 'A' && c <= 'F') {
		*value = c - 'A' + 10;
		return TRUE;
	}
	if (c >= 'a' && c <= 'f') {
		*value = c - 'a' + 10;
		return TRUE;
	}
	return FALSE;
}

/* RFC 9110 tchar: the characters of a field name. */
static gboolean
tok_chunk_is_tchar(guint8 c)
{
	return g_ascii_isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Field values and extensions: visible ASCII, space, tab and obs-text; no other controls. */
static gboolean
tok_chunk_is_text(guint8 c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static void
tok_chunk_decoder_start_size_line(TokChunkDecoder *self)
{
	self->state = TOK_CHUNK_STATE_SIZE;
	self->line_len = 0;
	self->n_digits = 0;
	self->chunk_size = 0;
}

static gboolean
tok_chunk_decoder_count_line_byte(TokChunkDecoder *self, GError **error)
{
	self->line_len++;
	if (self->line_len > TOK_CHUNK_MAX_SIZE_LINE) {
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_TOO_LARGE,
					      "chunk size line longer than %u bytes",
					      (guint)TOK_CHUNK_MAX_SIZE_LINE);
	}
	return TRUE;
}

static gboolean
tok_chunk_decoder_size_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	guint value = 0;

	if (c == '\r') {
		if (self->n_digits == 0)
			return tok_chunk_decoder_fail(self,
						      error,
						      TOK_ERROR_INVALID_DATA,
						      "empty chunk size line");
		self->state = TOK_CHUNK_STATE_SIZE_LF;
		return TRUE;
	}
	if (!tok_chunk_decoder_count_line_byte(self, error))
		return FALSE;
	if (tok_chunk_is_hex(c, &value)) {
		self->n_digits++;
		if (self->n_digits > TOK_CHUNK_MAX_SIZE_DIGITS) {
			return tok_chunk_decoder_fail(self,
						      error,
						      TOK_ERROR_TOO_LARGE,
						      "chunk size has more than %u hex digits",
						      (guint)TOK_CHUNK_MAX_SIZE_DIGITS);
		}
		/* cannot overflow: chunk_size <= max_chunk_size <= TOK_CHUNK_MAX_SIZE_LIMIT */
		self->chunk_size = self->chunk_size * 16 + value;
		if (self->chunk_size > self->max_chunk_size) {
			return tok_chunk_decoder_fail(
			    self,
			    error,
			    TOK_ERROR_TOO_LARGE,
			    "chunk size exceeds the limit of %" G_GSIZE_FORMAT " bytes",
			    self->max_chunk_size);
		}
		return TRUE;
	}
	if (self->n_digits == 0) {
		g_autofree gchar *what = tok_chunk_describe_byte(c);
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "chunk size line starts with %s, not a hex digit",
					      what);
	}
	if (c == ';') {
		self->state = TOK_CHUNK_STATE_EXT;
		return TRUE;
	}
	if (c == ' ' || c == '\t') {
		self->state = TOK_CHUNK_STATE_SIZE_WS;
		return TRUE;
	}
	{
		g_autofree gchar *what = tok_chunk_describe_byte(c);
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "invalid character %s in chunk size",
					      what);
	}
}

static gboolean
tok_chunk_decoder_size_ws_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	if (c == ';' || c == ' ' || c == '\t') {
		if (!tok_chunk_decoder_count_line_byte(self, error))
			return FALSE;
		if (c == ';')
			self->state = TOK_CHUNK_STATE_EXT;
		return TRUE;
	}
	{
		g_autofree gchar *what = tok_chunk_describe_byte(c);
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "unexpected %s after whitespace in chunk size line "
					      "(only a ';' extension may follow)",
					      what);
	}
}

static gboolean
tok_chunk_decoder_ext_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	if (c == '\r') {
		self->state = TOK_CHUNK_STATE_SIZE_LF;
		return TRUE;
	}
	if (!tok_chunk_is_text(c)) {
		g_autofree gchar *what = tok_chunk_describe_byte(c);
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "invalid character %s in chunk extension",
					      what);
	}
	return tok_chunk_decoder_count_line_byte(self, error);
}

static gboolean
tok_chunk_decoder_size_lf_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	if (c != '\n') {
		g_autofree gchar *what = tok_chunk_describe_byte(c);
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "missing LF after CR of chunk size line (got %s)",
					      what);
	}
	if (self->chunk_size == 0) {
		self->state = TOK_CHUNK_STATE_TRAILER_NAME;
		self->line_len = 0;
		self->trailer_len = 0;
		return TRUE;
	}
	/* allocated at its final size: appending never reallocates (and leaves no copy
	 * of secret data behind) */
	self->data = g_byte_array_sized_new(self->chunk_size);
	self->state = TOK_CHUNK_STATE_DATA;
	return TRUE;
}

static gboolean
tok_chunk_decoder_data_end_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	guint8 want = self->state == TOK_CHUNK_STATE_DATA_CR ? '\r' : '\n';

	if (c != want) {
		g_autofree gchar *what = tok_chunk_describe_byte(c);
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "missing CRLF after the %" G_GSIZE_FORMAT
					      " data bytes of chunk %" G_GUINT64_FORMAT " (got %s)",
					      self->chunk_size,
					      self->n_chunks + 1,
					      what);
	}
	if (self->state == TOK_CHUNK_STATE_DATA_CR) {
		self->state = TOK_CHUNK_STATE_DATA_LF;
		return TRUE;
	}
	g_queue_push_tail(&self->chunks, tok_bytes_new_wiped_take(g_steal_pointer(&self->data)));
	self->n_chunks++;
	tok_chunk_decoder_start_size_line(self);
	return TRUE;
}

static gboolean
tok_chunk_decoder_trailer_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	self->trailer_len++;
	if (self->trailer_len > TOK_CHUNK_MAX_TRAILER) {
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_TOO_LARGE,
					      "trailer section longer than %u bytes",
					      (guint)TOK_CHUNK_MAX_TRAILER);
	}
	switch (self->state) {
	case TOK_CHUNK_STATE_TRAILER_NAME:
		if (c == '\r' && self->line_len == 0) {
			self->state = TOK_CHUNK_STATE_TRAILER_LF;
			return TRUE;
		}
		if (c == ':' && self->line_len > 0) {
			self->state = TOK_CHUNK_STATE_TRAILER_VALUE;
			self->line_len++;
			return TRUE;
		}
		if (!tok_chunk_is_tchar(c)) {
			g_autofree gchar *what = tok_chunk_describe_byte(c);
			return tok_chunk_decoder_fail(self,
						      error,
						      TOK_ERROR_INVALID_DATA,
						      "invalid character %s in trailer field name",
						      what);
		}
		self->line_len++;
		return TRUE;
	case TOK_CHUNK_STATE_TRAILER_VALUE:
		if (c == '\r') {
			self->state = TOK_CHUNK_STATE_TRAILER_LF;
			return TRUE;
		}
		if (!tok_chunk_is_text(c)) {
			g_autofree gchar *what = tok_chunk_describe_byte(c);
			return tok_chunk_decoder_fail(self,
						      error,
						      TOK_ERROR_INVALID_DATA,
						      "invalid character %s in trailer field value",
						      what);
		}
		self->line_len++;
		return TRUE;
	case TOK_CHUNK_STATE_TRAILER_LF:
		if (c != '\n') {
			g_autofree gchar *what = tok_chunk_describe_byte(c);
			return tok_chunk_decoder_fail(
			    self,
			    error,
			    TOK_ERROR_INVALID_DATA,
			    "missing LF after CR in trailer section (got %s)",
			    what);
		}
		if (self->line_len == 0) {
			self->state = TOK_CHUNK_STATE_DONE;
			return TRUE;
		}
		self->state = TOK_CHUNK_STATE_TRAILER_NAME;
		self->line_len = 0;
		return TRUE;
	default:
		break;
	}
	return tok_chunk_decoder_fail(self,
				      error,
				      TOK_ERROR_FAILED,
				      "internal decoder state error");
}

static gboolean
tok_chunk_decoder_byte(TokChunkDecoder *self, guint8 c, GError **error)
{
	switch (self->state) {
	case TOK_CHUNK_STATE_SIZE:
		return tok_chunk_decoder_size_byte(self, c, error);
	case TOK_CHUNK_STATE_SIZE_WS:
		return tok_chunk_decoder_size_ws_byte(self, c, error);
	case TOK_CHUNK_STATE_EXT:
		return tok_chunk_decoder_ext_byte(self, c, error);
	case TOK_CHUNK_STATE_SIZE_LF:
		return tok_chunk_decoder_size_lf_byte(self, c, error);
	case TOK_CHUNK_STATE_DATA_CR:
	case TOK_CHUNK_STATE_DATA_LF:
		return tok_chunk_decoder_data_end_byte(self, c, error);
	case TOK_CHUNK_STATE_TRAILER_NAME:
	case TOK_CHUNK_STATE_TRAILER_VALUE:
	case TOK_CHUNK_STATE_TRAILER_LF:
		return tok_chunk_decoder_trailer_byte(self, c, error);
	case TOK_CHUNK_STATE_DONE:
		return tok_chunk_decoder_fail(self,
					      error,
					      TOK_ERROR_INVALID_DATA,
					      "unexpected data after the terminating chunk");
	case TOK_CHUNK_STATE_DATA:
	case TOK_CHUNK_STATE_FAILED:
	default:
		break;
	}
	return tok_chunk_decoder_fail(self,
				      error,
				      TOK_ERROR_FAILED,
				      "internal decoder state error");
}

gboolean
tok_chunk_decoder_feed(TokChunkDecoder *decoder, const guint8 *data, gsize len, GError **error)
{
	TokReader reader;

	g_return_val_if_fail(data != NULL || len == 0, FALSE);

	if (decoder->state == TOK_CHUNK_STATE_FAILED) {
		g_propagate_error(error, g_error_copy(decoder->error));
		return FALSE;
	}
	tok_reader_init(&reader, data, len);
	while (tok_reader_remaining(&reader) > 0) {
		if (decoder->state == TOK_CHUNK_STATE_DATA) {
			gsize want = decoder->chunk_size - decoder->data->len;
			gsize n = MIN(want, tok_reader_remaining(&reader));
			const guint8 *view = NULL;

			if (!tok_reader_read_view(&reader, n, &view, error))
				return FALSE;
			g_byte_array_append(decoder->data, view, (guint)n);
			decoder->offset += n;
			if (decoder->data->len == decoder->chunk_size)
				decoder->state = TOK_CHUNK_STATE_DATA_CR;
		} else {
			guint8 c = 0;

			if (!tok_reader_read_u8(&reader, &c, error))
				return FALSE;
			if (!tok_chunk_decoder_byte(decoder, c, error))
				return FALSE;
			decoder->offset++;
		}
	}
	return TRUE;
}

GBytes *
tok_chunk_decoder_pop(TokChunkDecoder *decoder)
{
	return g_queue_pop_head(&decoder->chunks);
}

guint
tok_chunk_decoder_get_n_pending(const TokChunkDecoder *decoder)
{
	return decoder->chunks.length;
}

gboolean
tok_chunk_decoder_is_finished(const TokChunkDecoder *decoder)
{
	return decoder->state == TOK_CHUNK_STATE_DONE;
}

gboolean
tok_chunk_decoder_has_failed(const TokChunkDecoder *decoder)
{
	return decoder->state == TOK_CHUNK_STATE_FAILED;
}

gboolean
tok_chunk_decoder_finish(TokChunkDecoder *decoder, GError **error)
{
	switch (decoder->state) {
	case TOK_CHUNK_STATE_DONE:
		return TRUE;
	case TOK_CHUNK_STATE_FAILED:
		g_propagate_error(error, g_error_copy(decoder->error));
		return FALSE;
	case TOK_CHUNK_STATE_SIZE:
		if (decoder->line_len == 0) {
			return tok_chunk_decoder_fail(decoder,
						      error,
						      TOK_ERROR_TRUNCATED,
						      "ended after %" G_GUINT64_FORMAT
						      " chunks without the terminating chunk",
						      decoder->n_chunks);
		}
		break;
	case TOK_CHUNK_STATE_DATA:
		return tok_chunk_decoder_fail(decoder,
					      error,
					      TOK_ERROR_TRUNCATED,
					      "ended inside chunk %" G_GUINT64_FORMAT
					      " after %u of its %" G_GSIZE_FORMAT " data bytes",
					      decoder->n_chunks + 1,
					      decoder->data->len,
					      decoder->chunk_size);
	case TOK_CHUNK_STATE_DATA_CR:
	case TOK_CHUNK_STATE_DATA_LF:
		return tok_chunk_decoder_fail(
		    decoder,
		    error,
		    TOK_ERROR_TRUNCATED,
		    "ended before the CRLF after the data of chunk %" G_GUINT64_FORMAT,
		    decoder->n_chunks + 1);
	case TOK_CHUNK_STATE_TRAILER_NAME:
	case TOK_CHUNK_STATE_TRAILER_VALUE:
	case TOK_CHUNK_STATE_TRAILER_LF:
		return tok_chunk_decoder_fail(decoder,
					      error,
					      TOK_ERROR_TRUNCATED,
					      "ended inside the trailer section");
	case TOK_CHUNK_STATE_SIZE_WS:
	case TOK_CHUNK_STATE_EXT:
	case TOK_CHUNK_STATE_SIZE_LF:
	default:
		break;
	}
	return tok_chunk_decoder_fail(decoder,
				      error,
				      TOK_ERROR_TRUNCATED,
				      "ended inside the size line of chunk %" G_GUINT64_FORMAT,
				      decoder->n_chunks + 1);
}

GBytes *
tok_chunk_encode(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(TokWipedByteArray) array = NULL;
	g_autofree gchar *head = NULL;
	gsize head_len;

	if (len == 0) {
		g_set_error_literal(
		    error,
		    TOK_ERROR,
		    TOK_ERROR_INVALID_DATA,
		    "cannot encode an empty chunk: a zero-size chunk ends the body");
		return NULL;
	}
	if (data == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "cannot encode a chunk: no data");
		return NULL;
	}
	if (len > G_MAXUINT - 64) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "cannot encode a chunk of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	head = g_strdup_printf("%" G_GSIZE_MODIFIER "X\r\n", len);
	head_len = strlen(head);
	array = g_byte_array_sized_new((guint)(head_len + len + 2));
	g_byte_array_append(array, (const guint8 *)head, (guint)head_len);
	g_byte_array_append(array, data, (guint)len);
	g_byte_array_append(array, (const guint8 *)"\r\n", 2);
	return tok_bytes_new_wiped_take(g_steal_pointer(&array));
}

GBytes *
tok_chunk_encode_bytes(GBytes *data, GError **error)
{
	gsize len = 0;
	const guint8 *buf = g_bytes_get_data(data, &len);
	return tok_chunk_encode(buf, len, error);
}

GBytes *
tok_chunk_encode_terminator(void)
{
	return g_bytes_new_static("0\r\n\r\n", 5);
}
