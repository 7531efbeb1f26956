/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internals of TokTpsMessage shared by tok-tps-message.c (names, field storage, encoding,
 * parsing), tok-tps-message-build.c (typed constructors) and tok-tps-message-get.c (typed
 * getters). Not API.
 */
#pragma once

#include "tok-tps-message.h"

G_BEGIN_DECLS

/* the longest field name or value quoted in an error message */
#define TOK_TPS_QUOTE_MAX 40

typedef struct {
	gchar *name;   /* printable ASCII without '&' and '=' */
	GBytes *value; /* the wire text (still encoded), wiped on free */
} TokTpsField;

struct _TokTpsMessage {
	gatomicrefcount refcount;
	TokTpsMsgType msg_type;
	GPtrArray *fields; /* of TokTpsField, in wire order, msg_type excluded */
};

/* tok-tps-message.c: field storage */
TokTpsMessage *
tok_tps_message_new_empty(TokTpsMsgType msg_type);
GBytes *
tok_tps_message_lookup(const TokTpsMessage *msg, const gchar *name);
void
tok_tps_message_add(TokTpsMessage *msg, const gchar *name, GBytes *wire);

/* tok-tps-message.c: encoding and parsing */
gboolean
tok_tps_is_raw_char(guint8 c);
gboolean
tok_tps_check_wire_text(const guint8 *data, gsize len);
gboolean
tok_tps_parse_decimal(const guint8 *data, gsize len, guint64 max, guint64 *out, GError **error);

/* tok-tps-message-build.c */
gboolean
tok_tps_check_pdu_size(TokTpsMsgType msg_type, gsize len, GError **error);

G_END_DECLS
