/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The HTTP/1.1 response-head parser of EscTpsConnection, for its tests and fuzz target
 * (tests/fuzz/fuzz-http-head.c). Not a public API: the head is outside data, so these
 * functions are strict and bounded and never trust what they are given.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define ESC_TPS_CONNECTION_MAX_HEADERS 100 /* most header lines a response head may have */

/* A parsed response head: "HTTP/1.x NNN reason", then the header lines in order. */
typedef struct {
	guint status;	   /* 100..999 */
	gchar *reason;	   /* printable ASCII (tabs allowed), may be "" */
	GPtrArray *names;  /* lowercased header names (HTTP tokens) */
	GPtrArray *values; /* their values, without surrounding blanks */
} EscHttpHead;

void
esc_tps_connection_head_free(EscHttpHead *head);

/* A strict parser of "HTTP/1.x NNN reason\r\n(Name: value\r\n)*\r\n": @data holds @len bytes
 * (not NUL-terminated) ending with the empty line. ESC_ERROR_PROTOCOL when it is anything
 * else: a NUL, 8-bit or control byte, a bad status line, more than
 * ESC_TPS_CONNECTION_MAX_HEADERS header lines, a malformed header. */
EscHttpHead *
esc_tps_connection_head_parse(const gchar *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* All values of header @name (lowercase) joined with ", " (as HTTP allows), or NULL. */
gchar *
esc_tps_connection_head_get(const EscHttpHead *head, const gchar *name) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* TRUE if the only transfer coding is "chunked" (no compression). */
gboolean
esc_tps_connection_head_is_chunked(const EscHttpHead *head) TOK_NONNULL(1);

/* Whether the @len bytes read so far can still begin a response (the first line must read
 * "HTTP/1.x NNN", then a space and a reason or the end of the line, ended by CRLF);
 * ESC_ERROR_PROTOCOL as soon as they cannot. */
gboolean
esc_tps_connection_check_status_start(const guint8 *data, gsize len, GError **error);

/* The length of the head in @data (up to and including the first empty line), or -1 when
 * the empty line has not come yet. */
gssize
esc_tps_connection_find_head_end(const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscHttpHead, esc_tps_connection_head_free)

G_END_DECLS
