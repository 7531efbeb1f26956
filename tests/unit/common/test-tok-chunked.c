/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "tok-bytes.h"
#include "tok-chunked.h"
#include "tok-error.h"

/* Literal messages from protocol.md 1.7 and 1.10 (their lengths: 0xD2, 0x2B, 0x34). */
#define MSG_BEGIN_OP                                                                               \
	"s=204&msg_type=2&operation=5&extensions=tokenType%3DuserKey%26clientVersion%3DESC+1%2E0"  \
	"%2E1%26tokenATR%3D3BFF1400FF8131FE458025A00000005657534336353003003B%26statusUpdate%3D"   \
	"true%26extendedLoginRequest%3Dtrue%26"
#define MSG_PDU_RESPONSE "s=38&msg_type=10&pdu_size=2&pdu_data=%90%00"
#define MSG_LOGIN	 "s=47&msg_type=4&screen_name=user1&password=secret123"

/* An ESC request body: uppercase sizes. */
#define BODY_ESC                                                                                   \
	"D2\r\n" MSG_BEGIN_OP "\r\n"                                                               \
	"2B\r\n" MSG_PDU_RESPONSE "\r\n"                                                           \
	"34\r\n" MSG_LOGIN "\r\n"                                                                  \
	"0\r\n\r\n"
/* The same body as tpsclient writes it: lowercase sizes. */
#define BODY_TPSCLIENT                                                                             \
	"d2\r\n" MSG_BEGIN_OP "\r\n"                                                               \
	"2b\r\n" MSG_PDU_RESPONSE "\r\n"                                                           \
	"34\r\n" MSG_LOGIN "\r\n"                                                                  \
	"0\r\n\r\n"

static const gchar *const body_messages[] = {MSG_BEGIN_OP, MSG_PDU_RESPONSE, MSG_LOGIN};

/* Feeds @len bytes in pieces of @step (0: all at once), popping chunks as they come. */
static gboolean
decode(TokChunkDecoder *decoder,
       const gchar *input,
       gsize len,
       gsize step,
       GPtrArray *chunks,
       GError **error)
{
	gsize pos = 0;

	if (step == 0)
		step = MAX(len, 1);
	while (pos < len) {
		gsize n = MIN(step, len - pos);
		GBytes *chunk;
		gboolean ok =
		    tok_chunk_decoder_feed(decoder, (const guint8 *)input + pos, n, error);

		while ((chunk = tok_chunk_decoder_pop(decoder)) != NULL)
			g_ptr_array_add(chunks, chunk);
		if (!ok)
			return FALSE;
		pos += n;
	}
	return TRUE;
}

static void
assert_chunk(GBytes *chunk, const gchar *want)
{
	g_assert_nonnull(chunk);
	g_assert_cmpmem(g_bytes_get_data(chunk, NULL), g_bytes_get_size(chunk), want, strlen(want));
}

static void
assert_body_messages(GPtrArray *chunks)
{
	g_assert_cmpuint(chunks->len, ==, G_N_ELEMENTS(body_messages));
	for (guint i = 0; i < chunks->len; i++)
		assert_chunk(g_ptr_array_index(chunks, i), body_messages[i]);
}

static void
test_encode_message(void)
{
	const gchar *want_begin = "D2\r\n" MSG_BEGIN_OP "\r\n";
	const gchar *want_pdu = "2B\r\n" MSG_PDU_RESPONSE "\r\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) begin = NULL;
	g_autoptr(GBytes) pdu = NULL;
	g_autoptr(GBytes) one = NULL;
	g_autoptr(GBytes) big = NULL;
	g_autofree guint8 *big_data = g_malloc(4096);

	g_assert_cmpuint(strlen(MSG_BEGIN_OP), ==, 0xd2);
	begin = tok_chunk_encode((const guint8 *)MSG_BEGIN_OP, strlen(MSG_BEGIN_OP), &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(begin, (const guint8 *)want_begin, strlen(want_begin)));

	{
		g_autoptr(GBytes) msg =
		    g_bytes_new_static(MSG_PDU_RESPONSE, strlen(MSG_PDU_RESPONSE));
		pdu = tok_chunk_encode_bytes(msg, &error);
		g_assert_no_error(error);
		g_assert_true(
		    tok_bytes_equal_data(pdu, (const guint8 *)want_pdu, strlen(want_pdu)));
	}

	one = tok_chunk_encode((const guint8 *)"x", 1, &error);
	g_assert_no_error(error);
	g_assert_true(tok_bytes_equal_data(one, (const guint8 *)"1\r\nx\r\n", 6));

	memset(big_data, 'A', 4096);
	big = tok_chunk_encode(big_data, 4096, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(big), ==, 6 + 4096 + 2);
	g_assert_cmpmem(g_bytes_get_data(big, NULL), 6, "1000\r\n", 6);
}

static void
test_encode_empty(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
	g_autoptr(GBytes) chunk = NULL;
	g_autoptr(GBytes) term = tok_chunk_encode_terminator();

	chunk = tok_chunk_encode((const guint8 *)"", 0, &error);
	g_assert_null(chunk);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);

	chunk = tok_chunk_encode_bytes(empty, &error);
	g_assert_null(chunk);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_clear_error(&error);

	chunk = tok_chunk_encode(NULL, 3, &error);
	g_assert_null(chunk);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);

	g_assert_true(tok_bytes_equal_data(term, (const guint8 *)"0\r\n\r\n", 5));
}

static void
check_body(const gchar *body)
{
	g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
	g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GError) error = NULL;

	g_assert_true(decode(decoder, body, strlen(body), 0, chunks, &error));
	g_assert_no_error(error);
	assert_body_messages(chunks);
	g_assert_true(tok_chunk_decoder_is_finished(decoder));
	g_assert_false(tok_chunk_decoder_has_failed(decoder));
	g_assert_true(tok_chunk_decoder_finish(decoder, &error));
	g_assert_no_error(error);
	/* feeding nothing after the end is harmless */
	g_assert_true(tok_chunk_decoder_feed(decoder, NULL, 0, &error));
	g_assert_no_error(error);
}

static void
test_decode_esc_upper(void)
{
	check_body(BODY_ESC);
}

static void
test_decode_tpsclient_lower(void)
{
	check_body(BODY_TPSCLIENT);
	{
		/* mixed case in one size: 0xaB = 171 */
		g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
		g_autoptr(GPtrArray) chunks =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *data = g_strnfill(171, 'm');
		g_autofree gchar *body = g_strdup_printf("aB\r\n%s\r\n0\r\n\r\n", data);

		g_assert_true(decode(decoder, body, strlen(body), 0, chunks, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(chunks->len, ==, 1);
		assert_chunk(g_ptr_array_index(chunks, 0), data);
		g_assert_true(tok_chunk_decoder_is_finished(decoder));
	}
}

/* Every split of the body into equal pieces, 1 byte at a time included, decodes the same;
 * a chunk becomes available only once the LF after its data has arrived. */
static void
test_decode_byte_at_a_time(void)
{
	const gchar *body = BODY_ESC;
	gsize len = strlen(body);
	gsize first_end = strlen("D2\r\n" MSG_BEGIN_OP "\r\n");

	for (gsize step = 1; step <= len; step++) {
		g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
		g_autoptr(GPtrArray) chunks =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_autoptr(GError) error = NULL;

		g_assert_true(decode(decoder, body, len, step, chunks, &error));
		g_assert_no_error(error);
		assert_body_messages(chunks);
		g_assert_true(tok_chunk_decoder_is_finished(decoder));
	}
	{
		g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) chunk = NULL;

		for (gsize i = 0; i < first_end - 1; i++) {
			g_assert_true(
			    tok_chunk_decoder_feed(decoder, (const guint8 *)body + i, 1, &error));
			g_assert_cmpuint(tok_chunk_decoder_get_n_pending(decoder), ==, 0);
		}
		g_assert_true(tok_chunk_decoder_feed(decoder,
						     (const guint8 *)body + first_end - 1,
						     1,
						     &error));
		g_assert_no_error(error);
		g_assert_cmpuint(tok_chunk_decoder_get_n_pending(decoder), ==, 1);
		chunk = tok_chunk_decoder_pop(decoder);
		assert_chunk(chunk, MSG_BEGIN_OP);
		g_assert_null(tok_chunk_decoder_pop(decoder));
		g_assert_false(tok_chunk_decoder_is_finished(decoder));
	}
}

static void
test_decode_many_in_one_feed(void)
{
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
	g_autoptr(GBytes) term = tok_chunk_encode_terminator();
	g_autoptr(GError) error = NULL;
	const guint n = 200;

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *msg = g_strdup_printf("msg_type=15&current_state=%u", i);
		g_autoptr(GBytes) chunk =
		    tok_chunk_encode((const guint8 *)msg, strlen(msg), &error);
		g_assert_no_error(error);
		tok_byte_array_append_bytes(body, chunk);
	}
	tok_byte_array_append_bytes(body, term);
	g_assert_true(tok_chunk_decoder_feed(decoder, body->data, body->len, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(tok_chunk_decoder_get_n_pending(decoder), ==, n);
	g_assert_true(tok_chunk_decoder_is_finished(decoder));
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *msg = g_strdup_printf("msg_type=15&current_state=%u", i);
		g_autoptr(GBytes) chunk = tok_chunk_decoder_pop(decoder);
		assert_chunk(chunk, msg);
	}
	g_assert_null(tok_chunk_decoder_pop(decoder));
	g_assert_cmpuint(tok_chunk_decoder_get_n_pending(decoder), ==, 0);
}

static void
test_decode_extensions(void)
{
	const gchar *bodies[] = {
	    "2B;name=value\r\n" MSG_PDU_RESPONSE "\r\n0\r\n\r\n",
	    "2b;a;b=\"quoted; \\\" value\"\r\n" MSG_PDU_RESPONSE "\r\n0;last\r\n\r\n",
	    "2B ;ext\r\n" MSG_PDU_RESPONSE "\r\n0 \t; x=1\r\n\r\n",
	    "002B\r\n" MSG_PDU_RESPONSE "\r\n0000\r\n\r\n",
	    "2B;\r\n" MSG_PDU_RESPONSE "\r\n0\r\n\r\n",
	    "2B;\xc3\xa9t\xc3\xa9\r\n" MSG_PDU_RESPONSE "\r\n0\r\n\r\n",
	};
	for (guint i = 0; i < G_N_ELEMENTS(bodies); i++) {
		for (gsize step = 0; step <= 1; step++) {
			g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
			g_autoptr(GPtrArray) chunks =
			    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
			g_autoptr(GError) error = NULL;

			g_test_message("body %u, step %" G_GSIZE_FORMAT, i, step);
			g_assert_true(
			    decode(decoder, bodies[i], strlen(bodies[i]), step, chunks, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(chunks->len, ==, 1);
			assert_chunk(g_ptr_array_index(chunks, 0), MSG_PDU_RESPONSE);
			g_assert_true(tok_chunk_decoder_is_finished(decoder));
		}
	}
}

static void
test_decode_size_line_limit(void)
{
	/* a size line of exactly TOK_CHUNK_MAX_SIZE_LINE bytes is fine, one more is not */
	g_autoptr(GString) line = g_string_new("1;");
	while (line->len < TOK_CHUNK_MAX_SIZE_LINE)
		g_string_append_c(line, 'e');
	for (guint extra = 0; extra <= 1; extra++) {
		g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
		g_autoptr(GPtrArray) chunks =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *body =
		    g_strdup_printf("%s%s\r\nx\r\n0\r\n\r\n", line->str, extra ? "e" : "");
		gboolean ok = decode(decoder, body, strlen(body), 0, chunks, &error);

		if (extra == 0) {
			g_assert_no_error(error);
			g_assert_true(ok);
			g_assert_cmpuint(chunks->len, ==, 1);
			assert_chunk(g_ptr_array_index(chunks, 0), "x");
		} else {
			g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
			g_assert_false(ok);
		}
	}
}

static void
test_decode_trailers(void)
{
	const gchar *bodies[] = {
	    "1\r\nx\r\n0\r\nX-Checksum: abc\r\n\r\n",
	    "1\r\nx\r\n0\r\nA:\r\nb-c: d\te \xff\r\nExpires: Thu, 01 Dec 1994 16:00:00 GMT\r\n\r\n",
	    "1\r\nx\r\n0;ext=1\r\nname:value\r\n\r\n",
	};
	for (guint i = 0; i < G_N_ELEMENTS(bodies); i++) {
		for (gsize step = 0; step <= 1; step++) {
			g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
			g_autoptr(GPtrArray) chunks =
			    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
			g_autoptr(GError) error = NULL;

			g_assert_true(
			    decode(decoder, bodies[i], strlen(bodies[i]), step, chunks, &error));
			g_assert_no_error(error);
			g_assert_cmpuint(chunks->len, ==, 1);
			assert_chunk(g_ptr_array_index(chunks, 0), "x");
			g_assert_true(tok_chunk_decoder_is_finished(decoder));
		}
	}
}

typedef struct {
	const gchar *input;
	gsize len; /* 0: strlen(input) */
	TokError code;
	guint n_chunks; /* chunks complete before the error */
} BadCase;

static void
test_decode_errors(void)
{
	g_autofree gchar *long_trailer = NULL;
	g_autoptr(GString) trailer = g_string_new("0\r\n");
	BadCase cases[] = {
	    {"G\r\nx\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	    /* non-hex size */
	    {"\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* empty size line */
	    {";ext\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* extension without size */
	    {" 1\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* leading whitespace */
	    {"-1\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* sign */
	    {"+1\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* sign */
	    {"0x10\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* C prefix */
	    {"1G\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* trailing garbage */
	    {"1 \r\nx\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	    /* whitespace, no extension */
	    {"1 x\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* whitespace then garbage */
	    {"1;a\x01\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	    /* control in extension */
	    {"1;a\nx\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	    /* bare LF in extension */
	    {"1\nx\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* bare LF after size */
	    {"1\rx\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* CR without LF */
	    {"1\r\r\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* CR CR */
	    {"1\r\nxy\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	    /* data longer than its size */
	    {"1\r\nx\n", 0, TOK_ERROR_INVALID_DATA, 0},		    /* bare LF after data */
	    {"1\r\nx\rx", 0, TOK_ERROR_INVALID_DATA, 0},	    /* CR without LF after data */
	    {"1\r\nx\r\n1\r\ny\r\r", 0, TOK_ERROR_INVALID_DATA, 1}, /* second chunk bad */
	    {"1\x00\r\n", 4, TOK_ERROR_INVALID_DATA, 0},	    /* NUL in size */
	    {"10001\r\n", 0, TOK_ERROR_TOO_LARGE, 0},		    /* above 64 KiB */
	    {"00000000000000001\r\n", 0, TOK_ERROR_TOO_LARGE, 0},   /* 17 digits */
	    {"FFFFFFFFFFFFFFFFFFFFFFFF\r\n", 0, TOK_ERROR_TOO_LARGE, 0},    /* overflow */
	    {"0\r\n\r\nx", 0, TOK_ERROR_INVALID_DATA, 0},		    /* data after the end */
	    {"1\r\nx\r\n0\r\n\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 1},	    /* CRLF after the end */
	    {"1\r\nx\r\n0\r\n\r\n0\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 1}, /* second body */
	    {"0\r\nfoo\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	       /* trailer without ':' */
	    {"0\r\n: v\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	       /* empty field name */
	    {"0\r\nA b: v\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 0},     /* space in field name */
	    {"0\r\nA: b\r\n c\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 0}, /* obs-fold */
	    {"0\r\nA: b\n\r\n", 0, TOK_ERROR_INVALID_DATA, 0},	       /* bare LF in trailer */
	    {"0\r\nA: \x01\r\n\r\n", 0, TOK_ERROR_INVALID_DATA, 0},    /* control in trailer */
	    {"0\r\nA: b\rc", 0, TOK_ERROR_INVALID_DATA, 0},	       /* CR without LF */
	    {"0\r\n\rx", 0, TOK_ERROR_INVALID_DATA, 0},		       /* final CR without LF */
	    {"0\r\n\n", 0, TOK_ERROR_INVALID_DATA, 0},		       /* final bare LF */
	    {NULL, 0, TOK_ERROR_TOO_LARGE, 0},			       /* trailer too long */
	};

	while (trailer->len <= TOK_CHUNK_MAX_TRAILER)
		g_string_append(trailer, "X-Filler: 0123456789abcdef\r\n");
	g_string_append(trailer, "\r\n");
	long_trailer = g_string_free(g_steal_pointer(&trailer), FALSE);
	cases[G_N_ELEMENTS(cases) - 1].input = long_trailer;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = cases[i].len > 0 ? cases[i].len : strlen(cases[i].input);

		for (gsize step = 0; step <= 3; step++) {
			g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
			g_autoptr(GPtrArray) chunks =
			    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
			g_autoptr(GError) error = NULL;
			g_autoptr(GError) again = NULL;
			g_autoptr(GError) at_end = NULL;
			g_autofree gchar *first_message = NULL;

			g_test_message("case %u, step %" G_GSIZE_FORMAT, i, step);
			g_assert_false(decode(decoder, cases[i].input, len, step, chunks, &error));
			g_assert_error(error, TOK_ERROR, (gint)cases[i].code);
			g_assert_cmpuint(chunks->len, ==, cases[i].n_chunks);
			g_assert_true(tok_chunk_decoder_has_failed(decoder));
			g_assert_false(tok_chunk_decoder_is_finished(decoder));
			g_assert_true(g_str_has_prefix(error->message, "chunked body: "));
			g_assert_nonnull(strstr(error->message, " at byte "));

			/* stays failed, with the same error */
			g_assert_false(tok_chunk_decoder_feed(decoder,
							      (const guint8 *)"0\r\n\r\n",
							      5,
							      &again));
			g_assert_error(again, TOK_ERROR, (gint)cases[i].code);
			g_assert_cmpstr(again->message, ==, error->message);
			g_assert_false(tok_chunk_decoder_finish(decoder, &at_end));
			g_assert_error(at_end, TOK_ERROR, (gint)cases[i].code);
			g_assert_cmpstr(at_end->message, ==, error->message);
			first_message = g_strdup(error->message);
			g_assert_cmpstr(first_message, ==, again->message);
		}
	}
}

static void
test_decode_error_position(void)
{
	g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = NULL;

	g_assert_false(tok_chunk_decoder_feed(decoder, (const guint8 *)"1\r\na\r\nZ", 7, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	g_assert_cmpstr(error->message,
			==,
			"chunked body: chunk size line starts with 'Z', not a hex digit at byte 6");
	/* the chunk before the error is still there */
	chunk = tok_chunk_decoder_pop(decoder);
	assert_chunk(chunk, "a");
}

typedef struct {
	const gchar *input;
	const gchar *what; /* part of the message */
} TruncCase;

static void
test_decode_truncated(void)
{
	const TruncCase cases[] = {
	    {"", "without the terminating chunk"},
	    {"1\r\nx\r\n", "ended after 1 chunks without the terminating chunk"},
	    {"2", "inside the size line of chunk 1"},
	    {"2;ext", "inside the size line of chunk 1"},
	    {"2 ", "inside the size line of chunk 1"},
	    {"2\r", "inside the size line of chunk 1"},
	    {"1\r\nx\r\n2\r\na", "inside chunk 2 after 1 of its 2 data bytes"},
	    {"2\r\nab", "before the CRLF after the data of chunk 1"},
	    {"2\r\nab\r", "before the CRLF after the data of chunk 1"},
	    {"0\r\n", "inside the trailer section"},
	    {"0\r\nA: b", "inside the trailer section"},
	    {"0\r\nA: b\r\n", "inside the trailer section"},
	    {"0\r\n\r", "inside the trailer section"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
		g_autoptr(GPtrArray) chunks =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) again = NULL;

		g_assert_true(
		    decode(decoder, cases[i].input, strlen(cases[i].input), 1, chunks, &error));
		g_assert_no_error(error);
		g_assert_false(tok_chunk_decoder_is_finished(decoder));
		g_assert_false(tok_chunk_decoder_finish(decoder, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, cases[i].what));
		/* the end of the input is final */
		g_assert_true(tok_chunk_decoder_has_failed(decoder));
		g_assert_false(
		    tok_chunk_decoder_feed(decoder, (const guint8 *)"0\r\n\r\n", 5, &again));
		g_assert_error(again, TOK_ERROR, TOK_ERROR_TRUNCATED);
	}
}

static void
test_decode_max_size(void)
{
	g_autoptr(TokChunkDecoder) small = tok_chunk_decoder_new(16);
	g_autoptr(TokChunkDecoder) small2 = tok_chunk_decoder_new(16);
	g_autoptr(TokChunkDecoder) dflt = tok_chunk_decoder_new(0);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) chunk = NULL;
	g_autoptr(GBytes) big = NULL;
	g_autoptr(GBytes) big_chunk = NULL;
	g_autofree guint8 *data = g_malloc(TOK_CHUNK_DEFAULT_MAX_SIZE);

	g_assert_cmpuint(tok_chunk_decoder_get_max_chunk_size(small), ==, 16);
	g_assert_cmpuint(tok_chunk_decoder_get_max_chunk_size(dflt),
			 ==,
			 TOK_CHUNK_DEFAULT_MAX_SIZE);

	g_assert_true(tok_chunk_decoder_feed(small,
					     (const guint8 *)"10\r\n0123456789abcdef\r\n",
					     22,
					     &error));
	g_assert_no_error(error);
	chunk = tok_chunk_decoder_pop(small);
	assert_chunk(chunk, "0123456789abcdef");
	g_assert_false(tok_chunk_decoder_feed(small2, (const guint8 *)"11\r\n", 4, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);

	/* exactly the default limit, fed in uneven pieces */
	for (gsize i = 0; i < TOK_CHUNK_DEFAULT_MAX_SIZE; i++)
		data[i] = (guint8)(i * 7 + 3);
	big = tok_chunk_encode(data, TOK_CHUNK_DEFAULT_MAX_SIZE, &error);
	g_assert_no_error(error);
	{
		gsize len = 0;
		const guint8 *buf = g_bytes_get_data(big, &len);
		gsize pos = 0;
		g_assert_cmpmem(buf, 7, "10000\r\n", 7);
		while (pos < len) {
			gsize n = MIN(len - pos, 1000 + pos % 777);
			g_assert_true(tok_chunk_decoder_feed(dflt, buf + pos, n, &error));
			g_assert_no_error(error);
			pos += n;
		}
	}
	big_chunk = tok_chunk_decoder_pop(dflt);
	g_assert_true(tok_bytes_equal_data(big_chunk, data, TOK_CHUNK_DEFAULT_MAX_SIZE));
}

static void
test_round_trip(void)
{
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(GPtrArray) messages =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GBytes) term = tok_chunk_encode_terminator();
	guint32 seed = 12345;

	for (guint i = 0; i < 60; i++) {
		gsize len = 1 + (i * i * 37) % 5000;
		g_autofree guint8 *data = g_malloc(len);
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) chunk = NULL;

		for (gsize j = 0; j < len; j++) {
			seed = seed * 1103515245 + 12345;
			data[j] = (guint8)(seed >> 16); /* includes CR, LF and NUL bytes */
		}
		chunk = tok_chunk_encode(data, len, &error);
		g_assert_no_error(error);
		tok_byte_array_append_bytes(body, chunk);
		g_ptr_array_add(messages, g_bytes_new(data, len));
	}
	tok_byte_array_append_bytes(body, term);

	for (gsize step = 1; step < 9000; step = step * 3 + 1) {
		g_autoptr(TokChunkDecoder) decoder = tok_chunk_decoder_new(0);
		g_autoptr(GPtrArray) chunks =
		    g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
		g_autoptr(GError) error = NULL;

		g_assert_true(
		    decode(decoder, (const gchar *)body->data, body->len, step, chunks, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(chunks->len, ==, messages->len);
		for (guint i = 0; i < chunks->len; i++)
			g_assert_true(g_bytes_equal(g_ptr_array_index(chunks, i),
						    g_ptr_array_index(messages, i)));
		g_assert_true(tok_chunk_decoder_finish(decoder, &error));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/chunked/encode/message", test_encode_message);
	g_test_add_func("/tok/chunked/encode/empty", test_encode_empty);
	g_test_add_func("/tok/chunked/decode/esc-uppercase", test_decode_esc_upper);
	g_test_add_func("/tok/chunked/decode/tpsclient-lowercase", test_decode_tpsclient_lower);
	g_test_add_func("/tok/chunked/decode/byte-at-a-time", test_decode_byte_at_a_time);
	g_test_add_func("/tok/chunked/decode/many-in-one-feed", test_decode_many_in_one_feed);
	g_test_add_func("/tok/chunked/decode/extensions", test_decode_extensions);
	g_test_add_func("/tok/chunked/decode/size-line-limit", test_decode_size_line_limit);
	g_test_add_func("/tok/chunked/decode/trailers", test_decode_trailers);
	g_test_add_func("/tok/chunked/decode/errors", test_decode_errors);
	g_test_add_func("/tok/chunked/decode/error-position", test_decode_error_position);
	g_test_add_func("/tok/chunked/decode/truncated", test_decode_truncated);
	g_test_add_func("/tok/chunked/decode/max-size", test_decode_max_size);
	g_test_add_func("/tok/chunked/round-trip", test_round_trip);
	return g_test_run();
}
