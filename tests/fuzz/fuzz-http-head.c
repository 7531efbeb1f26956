/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target "http-head": the response-head parser of EscTpsConnection
 * (esc_tps_connection_head_parse() and the early status-line check) on any input: a TPS or
 * phone-home server's answer is outside data. A head that parses must be what the parser
 * promises (status 100..999, a printable reason, lowercase token names, values without line
 * ends or blanks around them), must end at its first empty line, and must pass the early check
 * at every length the client may read it in.
 */
#include "config.h"

#include <string.h>

#include "esc-error.h"
#include "esc-tps-connection-private.h"
#include "fuzz.h"

static void
fuzz_check_head(const gchar *data, gsize len, const EscHttpHead *head)
{
	gsize line_len = 0;

	g_assert_cmpuint(head->status, >=, 100);
	g_assert_cmpuint(head->status, <=, 999);
	for (const gchar *p = head->reason; *p != '\0'; p++)
		g_assert_true(*p == '\t' || g_ascii_isprint(*p));
	g_assert_cmpuint(head->names->len, ==, head->values->len);
	g_assert_cmpuint(head->names->len, <=, ESC_TPS_CONNECTION_MAX_HEADERS);
	for (guint i = 0; i < head->names->len; i++) {
		const gchar *name = g_ptr_array_index(head->names, i);
		const gchar *value = g_ptr_array_index(head->values, i);
		g_autofree gchar *joined = esc_tps_connection_head_get(head, name);
		gsize value_len = strlen(value);

		g_assert_cmpuint(strlen(name), >, 0);
		for (const gchar *p = name; *p != '\0'; p++) {
			g_assert_true(g_ascii_isgraph(*p));
			g_assert_false(g_ascii_isupper(*p));
			g_assert_null(strchr("\"(),/:;<=>?@[\\]{}", *p));
		}
		g_assert_null(strchr(value, '\r'));
		g_assert_null(strchr(value, '\n'));
		if (value_len > 0) {
			g_assert_false(g_ascii_isspace(value[0]));
			g_assert_false(g_ascii_isspace(value[value_len - 1]));
		}
		g_assert_nonnull(joined);
		g_assert_nonnull(strstr(joined, value));
	}
	(void)esc_tps_connection_head_is_chunked(head);
	/* the head ends at its first empty line */
	g_assert_cmpint(esc_tps_connection_find_head_end((const guint8 *)data, len), ==, (gssize)len);
	/* the client checks the status line on every read: no prefix of a good head fails */
	while (line_len < len && data[line_len] != '\n')
		line_len++;
	for (gsize n = 1; n <= MIN(len, line_len + 2); n++) {
		g_autoptr(GError) error = NULL;

		g_assert_true(esc_tps_connection_check_status_start((const guint8 *)data, n, &error));
		g_assert_no_error(error);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) start_error = NULL;
	g_autoptr(EscHttpHead) head = NULL;
	gssize end;

	/* a GLib critical is a bug of the parser, not something to carry on after */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	/* the early check: any bytes, a verdict, an error exactly when it fails */
	if (!esc_tps_connection_check_status_start(data, size, &start_error)) {
		g_assert_error(start_error, ESC_ERROR, ESC_ERROR_PROTOCOL);
		g_assert_true(g_utf8_validate(start_error->message, -1, NULL));
	} else {
		g_assert_no_error(start_error);
	}
	end = esc_tps_connection_find_head_end(data, size);
	g_assert_cmpint(end, >=, -1);
	g_assert_cmpint(end, <=, (gssize)size);
	/* the parser on the whole input, as the client gives it a head */
	head = esc_tps_connection_head_parse((const gchar *)data, size, &error);
	if (head == NULL) {
		g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
		g_assert_true(g_utf8_validate(error->message, -1, NULL));
		return 0;
	}
	g_assert_no_error(error);
	fuzz_check_head((const gchar *)data, size, head);
	return 0;
}
