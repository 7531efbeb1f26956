/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscRequestChannel (private, not for the UI): where the answer to an EscLoginRequest or
 * EscPinRequest travels from whoever answers (any thread) to the operation's thread waiting
 * for it. It lives apart from the request GObject so that the waiting thread needs no
 * reference on the request: when the last reference to a request that was never answered
 * goes away, the request's finalize marks the channel "dropped" and wakes the waiter, which
 * then fails instead of waiting forever. The values are TokSecrets (wiped when dropped).
 */
#pragma once

#include <gio/gio.h>

#include "tok-secret.h"

G_BEGIN_DECLS

typedef enum {
	ESC_REQUEST_PENDING,
	ESC_REQUEST_RESPONDED,
	ESC_REQUEST_CANCELLED,
} EscRequestState;

typedef struct _EscRequestChannel EscRequestChannel;

EscRequestChannel *
esc_request_channel_new(void) G_GNUC_WARN_UNUSED_RESULT;
EscRequestChannel *
esc_request_channel_ref(EscRequestChannel *c);
void
esc_request_channel_unref(EscRequestChannel *c);
/* Stores @value under @id (a new reference; NULL removes it). Ignored once answered. */
void
esc_request_channel_set_secret(EscRequestChannel *c, const gchar *id, TokSecret *value);
/* (transfer full) The value under @id, or NULL. */
TokSecret *
esc_request_channel_dup_secret(EscRequestChannel *c, const gchar *id) G_GNUC_WARN_UNUSED_RESULT;
/* Wipes (unrefs) every value: once the operation has read them. */
void
esc_request_channel_clear_secrets(EscRequestChannel *c);
/* PENDING → @state (RESPONDED or CANCELLED) and wakes the waiter; later calls are ignored.
 * @id/@value (may be NULL) are stored in the same step (a PIN given with its answer). */
void
esc_request_channel_answer(EscRequestChannel *c, EscRequestState state, const gchar *id, TokSecret *value);
/* The request object is gone: a pending channel becomes CANCELLED + dropped, and its values
 * are wiped. */
void
esc_request_channel_drop(EscRequestChannel *c);
EscRequestState
esc_request_channel_get_state(EscRequestChannel *c);
/* The request was cancelled because nobody kept it to answer it. */
gboolean
esc_request_channel_was_dropped(EscRequestChannel *c);
/* Blocks until the request is answered (or dropped) or @cancellable fires (then PENDING is
 * returned). */
EscRequestState
esc_request_channel_wait(EscRequestChannel *c, GCancellable *cancellable);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EscRequestChannel, esc_request_channel_unref)

G_END_DECLS
