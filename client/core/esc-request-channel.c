/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-request-channel.h"

struct _EscRequestChannel {
	gatomicrefcount ref;
	GMutex lock;
	GCond cond;
	EscRequestState state;
	gboolean dropped;
	GHashTable *values; /* id -> TokSecret */
};

EscRequestChannel *
esc_request_channel_new(void)
{
	EscRequestChannel *c = g_new0(EscRequestChannel, 1);

	g_atomic_ref_count_init(&c->ref);
	g_mutex_init(&c->lock);
	g_cond_init(&c->cond);
	c->state = ESC_REQUEST_PENDING;
	c->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)tok_secret_unref);
	return c;
}

EscRequestChannel *
esc_request_channel_ref(EscRequestChannel *c)
{
	g_return_val_if_fail(c != NULL, NULL);
	g_atomic_ref_count_inc(&c->ref);
	return c;
}

void
esc_request_channel_unref(EscRequestChannel *c)
{
	if (c == NULL || !g_atomic_ref_count_dec(&c->ref))
		return;
	g_hash_table_unref(c->values);
	g_mutex_clear(&c->lock);
	g_cond_clear(&c->cond);
	g_free(c);
}

void
esc_request_channel_set_secret(EscRequestChannel *c, const gchar *id, TokSecret *value)
{
	g_return_if_fail(c != NULL);
	g_return_if_fail(id != NULL);
	g_mutex_lock(&c->lock);
	if (c->state == ESC_REQUEST_PENDING) {
		if (value == NULL)
			g_hash_table_remove(c->values, id);
		else
			g_hash_table_replace(c->values, g_strdup(id), tok_secret_ref(value));
	}
	g_mutex_unlock(&c->lock);
}

TokSecret *
esc_request_channel_dup_secret(EscRequestChannel *c, const gchar *id)
{
	TokSecret *value;

	g_return_val_if_fail(c != NULL, NULL);
	g_return_val_if_fail(id != NULL, NULL);
	g_mutex_lock(&c->lock);
	value = g_hash_table_lookup(c->values, id);
	if (value != NULL)
		tok_secret_ref(value);
	g_mutex_unlock(&c->lock);
	return value;
}

void
esc_request_channel_clear_secrets(EscRequestChannel *c)
{
	g_return_if_fail(c != NULL);
	g_mutex_lock(&c->lock);
	g_hash_table_remove_all(c->values);
	g_mutex_unlock(&c->lock);
}

void
esc_request_channel_answer(EscRequestChannel *c, EscRequestState state, const gchar *id, TokSecret *value)
{
	g_return_if_fail(c != NULL);
	g_mutex_lock(&c->lock);
	if (c->state == ESC_REQUEST_PENDING && state != ESC_REQUEST_PENDING) {
		if (id != NULL && value != NULL)
			g_hash_table_replace(c->values, g_strdup(id), tok_secret_ref(value));
		c->state = state;
		g_cond_broadcast(&c->cond);
	}
	g_mutex_unlock(&c->lock);
}

void
esc_request_channel_drop(EscRequestChannel *c)
{
	g_return_if_fail(c != NULL);
	g_mutex_lock(&c->lock);
	if (c->state == ESC_REQUEST_PENDING) {
		c->state = ESC_REQUEST_CANCELLED;
		c->dropped = TRUE;
		g_hash_table_remove_all(c->values);
		g_cond_broadcast(&c->cond);
	}
	g_mutex_unlock(&c->lock);
}

EscRequestState
esc_request_channel_get_state(EscRequestChannel *c)
{
	EscRequestState state;

	g_return_val_if_fail(c != NULL, ESC_REQUEST_CANCELLED);
	g_mutex_lock(&c->lock);
	state = c->state;
	g_mutex_unlock(&c->lock);
	return state;
}

gboolean
esc_request_channel_was_dropped(EscRequestChannel *c)
{
	gboolean dropped;

	g_return_val_if_fail(c != NULL, FALSE);
	g_mutex_lock(&c->lock);
	dropped = c->dropped;
	g_mutex_unlock(&c->lock);
	return dropped;
}

static void
esc_request_channel_on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	EscRequestChannel *c = user_data;

	/* under the lock: the waiter is either before its check or inside g_cond_wait() */
	g_mutex_lock(&c->lock);
	g_cond_broadcast(&c->cond);
	g_mutex_unlock(&c->lock);
}

EscRequestState
esc_request_channel_wait(EscRequestChannel *c, GCancellable *cancellable)
{
	EscRequestState state;
	gulong handler = 0;

	g_return_val_if_fail(c != NULL, ESC_REQUEST_CANCELLED);
	if (cancellable != NULL)
		handler = g_cancellable_connect(cancellable, G_CALLBACK(esc_request_channel_on_cancelled), c, NULL);
	g_mutex_lock(&c->lock);
	while (c->state == ESC_REQUEST_PENDING && !g_cancellable_is_cancelled(cancellable))
		g_cond_wait(&c->cond, &c->lock);
	state = c->state;
	g_mutex_unlock(&c->lock);
	if (cancellable != NULL)
		g_cancellable_disconnect(cancellable, handler);
	return state;
}
