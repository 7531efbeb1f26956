/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target `chunked`: the input is a chunked body, decoded by TokChunkDecoder
 * - in one piece, one byte at a time and in pieces whose sizes come from the data: the
 *   three must agree exactly (chunks, end, error code and message);
 * - with a small chunk limit: never a chunk above it.
 * Every popped chunk re-encodes to the input at its position (the size's hex case aside)
 * unless the size line was not canonical (leading zeros, whitespace or an extension), and
 * decodes back to itself.
 */
#include "config.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tok-chunked.h"
#include "tok-error.h"

#define FUZZ_SMALL_LIMIT 16

typedef struct {
	GPtrArray *chunks;
	gboolean finished;
	gboolean failed;
	GError *error; /* from feed or, if it never failed, from finish */
} FuzzRun;

static void
fuzz_check(gboolean ok)
{
	if (!ok)
		abort();
}

static void
fuzz_run_clear(FuzzRun *run)
{
	g_clear_pointer(&run->chunks, g_ptr_array_unref);
	g_clear_error(&run->error);
}

/* Feeds @data in pieces: @mode 0 = all at once, 1 = byte by byte, 2 = sizes from the data. */
static void
fuzz_decode(const guint8 *data, gsize size, guint mode, gsize max_chunk_size, FuzzRun *run)
{
	g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(max_chunk_size);
	gsize pos = 0;
	guint k = 0;
	GBytes *chunk;

	run->chunks = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	while (pos < size) {
		gsize n;

		if (mode == 0)
			n = size;
		else if (mode == 1)
			n = 1;
		else
			n = 1 + (gsize)((data[pos] ^ (k++ * 37u)) % 23u);
		n = MIN(n, size - pos);
		if (!tok_chunk_decoder_feed(decoder, data + pos, n, &run->error)) {
			fuzz_check(run->error != NULL);
			fuzz_check(tok_chunk_decoder_has_failed(decoder));
			break;
		}
		fuzz_check(run->error == NULL);
		while ((chunk = tok_chunk_decoder_pop(decoder)) != NULL)
			g_ptr_array_add(run->chunks, chunk);
		pos += n;
	}
	/* chunks completed before an error are still there */
	while ((chunk = tok_chunk_decoder_pop(decoder)) != NULL)
		g_ptr_array_add(run->chunks, chunk);
	fuzz_check(tok_chunk_decoder_get_n_pending(decoder) == 0);
	run->finished = tok_chunk_decoder_is_finished(decoder);
	run->failed = tok_chunk_decoder_has_failed(decoder);
	fuzz_check(!(run->finished && run->failed));

	if (run->error == NULL) {
		g_autoptr(GError) error = NULL;
		gboolean ok = tok_chunk_decoder_finish(decoder, &error);
		fuzz_check(ok == run->finished);
		fuzz_check(ok || g_error_matches(error, TOK_ERROR, TOK_ERROR_TRUNCATED));
		run->error = g_steal_pointer(&error);
	} else {
		g_autoptr(GError) again = NULL;
		/* stays failed with the same error */
		fuzz_check(
		    !tok_chunk_decoder_feed(decoder, (const guint8 *)"0\r\n\r\n", 5, &again));
		fuzz_check(again != NULL && again->code == run->error->code);
		fuzz_check(g_strcmp0(again->message, run->error->message) == 0);
	}
	for (guint i = 0; i < run->chunks->len; i++) {
		gsize len = g_bytes_get_size(g_ptr_array_index(run->chunks, i));
		fuzz_check(len > 0 && len <= tok_chunk_decoder_get_max_chunk_size(decoder));
	}
}

static void
fuzz_compare(const FuzzRun *a, const FuzzRun *b)
{
	fuzz_check(a->chunks->len == b->chunks->len);
	for (guint i = 0; i < a->chunks->len; i++)
		fuzz_check(g_bytes_equal(g_ptr_array_index(a->chunks, i),
					 g_ptr_array_index(b->chunks, i)));
	fuzz_check(a->finished == b->finished);
	fuzz_check(a->failed == b->failed);
	fuzz_check((a->error == NULL) == (b->error == NULL));
	if (a->error != NULL) {
		fuzz_check(a->error->domain == b->error->domain &&
			   a->error->code == b->error->code);
		fuzz_check(g_strcmp0(a->error->message, b->error->message) == 0);
	}
}

/* TRUE if the size line at @pos is one our encoder would not write: leading zeros,
 * whitespace or an extension. */
static gboolean
fuzz_size_line_is_odd(const guint8 *data, gsize size, gsize pos)
{
	gsize n_digits = 0;

	if (pos < size && data[pos] == '0')
		return TRUE; /* a non-empty chunk's size never starts with 0 when canonical */
	for (gsize i = pos; i < size; i++) {
		if (g_ascii_isxdigit(data[i])) {
			n_digits++;
			continue;
		}
		return n_digits > 0 && (data[i] == ';' || data[i] == ' ' || data[i] == '\t');
	}
	return FALSE;
}

/* Every chunk re-encodes to the input at its position, the size's hex case aside. */
static void
fuzz_check_reencode(const guint8 *data, gsize size, GPtrArray *chunks)
{
	gsize pos = 0;

	for (guint i = 0; i < chunks->len; i++) {
		GBytes *chunk = g_ptr_array_index(chunks, i);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) encoded = tok_chunk_encode_bytes(chunk, &error);
		gsize len = 0;
		const guint8 *enc = NULL;
		gsize head = 0;

		fuzz_check(encoded != NULL && error == NULL);
		enc = g_bytes_get_data(encoded, &len);

		/* the encoding decodes back to the chunk */
		{
			g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
			g_autoptr(GBytes) back = NULL;
			fuzz_check(tok_chunk_decoder_feed(decoder, enc, len, NULL));
			back = tok_chunk_decoder_pop(decoder);
			fuzz_check(back != NULL && g_bytes_equal(back, chunk));
		}

		if (fuzz_size_line_is_odd(data, size, pos))
			return; /* extension, whitespace or leading zeros: no longer comparable */
		fuzz_check(pos + len <= size);
		while (enc[head] != '\r')
			head++;
		fuzz_check(
		    g_ascii_strncasecmp((const gchar *)enc, (const gchar *)data + pos, head) == 0);
		fuzz_check(memcmp(enc + head, data + pos + head, len - head) == 0);
		pos += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzRun whole = {0};
	FuzzRun bytewise = {0};
	FuzzRun pieces = {0};
	FuzzRun small = {0};

	fuzz_decode(data, size, 0, 0, &whole);
	fuzz_decode(data, size, 1, 0, &bytewise);
	fuzz_decode(data, size, 2, 0, &pieces);
	fuzz_compare(&whole, &bytewise);
	fuzz_compare(&whole, &pieces);
	fuzz_check_reencode(data, size, whole.chunks);

	/* a small limit: whatever passes it is a prefix of the unlimited result */
	fuzz_decode(data, size, 2, FUZZ_SMALL_LIMIT, &small);
	fuzz_check(small.chunks->len <= whole.chunks->len);
	for (guint i = 0; i < small.chunks->len; i++)
		fuzz_check(g_bytes_equal(g_ptr_array_index(small.chunks, i),
					 g_ptr_array_index(whole.chunks, i)));
	if (small.chunks->len < whole.chunks->len)
		fuzz_check(g_error_matches(small.error, TOK_ERROR, TOK_ERROR_TOO_LARGE));

	fuzz_run_clear(&whole);
	fuzz_run_clear(&bytewise);
	fuzz_run_clear(&pieces);
	fuzz_run_clear(&small);
	return 0;
}
