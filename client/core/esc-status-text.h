/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What an END_OP status code (protocol.md 1.8) means for the user: one translated sentence
 * saying what happened and what to do. Callers append " (code N)" (or use
 * esc_status_text_format()).
 */
#pragma once

#include <glib.h>

#include "tok-tps-message.h"

G_BEGIN_DECLS

/* Translated; codes this table does not know get a generic sentence. */
const gchar *
esc_status_text_describe(TokTpsStatus status);
/* "<sentence> (code N)", newly allocated. */
gchar *
esc_status_text_format(TokTpsStatus status) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
