/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-pin-request.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "esc-error.h"
#include "esc-operation-private.h"

struct _EscPinRequest {
	GObject parent_instance;
	guint min_length;
	guint max_length;
	GMutex lock;
	GCond cond;
	EscRequestState state;
	TokSecret *pin;
};

G_DEFINE_FINAL_TYPE(EscPinRequest, esc_pin_request, G_TYPE_OBJECT)

static void
esc_pin_request_finalize(GObject *object)
{
	EscPinRequest *self = ESC_PIN_REQUEST(object);

	g_clear_pointer(&self->pin, tok_secret_unref);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	G_OBJECT_CLASS(esc_pin_request_parent_class)->finalize(object);
}

static void
esc_pin_request_class_init(EscPinRequestClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = esc_pin_request_finalize;
}

static void
esc_pin_request_init(EscPinRequest *self)
{
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
}

EscPinRequest *
esc_pin_request_new(guint min_length, guint max_length)
{
	EscPinRequest *self = g_object_new(ESC_TYPE_PIN_REQUEST, NULL);

	self->min_length = min_length;
	self->max_length = max_length;
	return self;
}

guint
esc_pin_request_get_min_length(EscPinRequest *r)
{
	return r->min_length;
}

guint
esc_pin_request_get_max_length(EscPinRequest *r)
{
	return r->max_length;
}

static gboolean
esc_pin_request_check_data(EscPinRequest *r, const guint8 *data, gsize len, GError **error)
{
	if (len < r->min_length || len > r->max_length) {
		if (r->min_length == r->max_length)
			g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The PIN must have %u characters."), r->min_length);
		else
			g_set_error(error,
				    ESC_ERROR,
				    ESC_ERROR_INVALID_INPUT,
				    _("The PIN must have %u to %u characters."),
				    r->min_length,
				    r->max_length);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (data[i] == '&' || data[i] == '=') {
			g_set_error_literal(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The PIN may not contain “&” or “=”."));
			return FALSE;
		}
		if (data[i] < 0x21 || data[i] > 0x7E) {
			g_set_error_literal(error,
					    ESC_ERROR,
					    ESC_ERROR_INVALID_INPUT,
					    _("The PIN may only contain letters, digits and punctuation (ASCII, no spaces)."));
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
esc_pin_request_check(EscPinRequest *r, const gchar *pin, GError **error)
{
	return esc_pin_request_check_data(r, (const guint8 *)pin, strlen(pin), error);
}

gboolean
esc_pin_request_check_secret(EscPinRequest *r, const TokSecret *pin, GError **error)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(pin, &len);

	return esc_pin_request_check_data(r, data, len, error);
}

void
esc_pin_request_respond_secret(EscPinRequest *r, TokSecret *pin)
{
	g_mutex_lock(&r->lock);
	if (r->state == ESC_REQUEST_PENDING) {
		r->pin = tok_secret_ref(pin);
		r->state = ESC_REQUEST_RESPONDED;
		g_cond_broadcast(&r->cond);
	}
	g_mutex_unlock(&r->lock);
}

void
esc_pin_request_respond(EscPinRequest *r, const gchar *pin)
{
	g_autoptr(TokSecret) secret = tok_secret_new_from_text(pin);

	esc_pin_request_respond_secret(r, secret);
}

void
esc_pin_request_cancel(EscPinRequest *r)
{
	g_mutex_lock(&r->lock);
	if (r->state == ESC_REQUEST_PENDING) {
		r->state = ESC_REQUEST_CANCELLED;
		g_cond_broadcast(&r->cond);
	}
	g_mutex_unlock(&r->lock);
}

EscRequestState
esc_pin_request_get_state(EscPinRequest *r)
{
	EscRequestState state;

	g_mutex_lock(&r->lock);
	state = r->state;
	g_mutex_unlock(&r->lock);
	return state;
}

gboolean
esc_pin_request_is_answered(EscPinRequest *r)
{
	return esc_pin_request_get_state(r) != ESC_REQUEST_PENDING;
}

static void
esc_pin_request_on_cancelled(GCancellable *cancellable, gpointer user_data)
{
	EscPinRequest *r = user_data;

	g_mutex_lock(&r->lock);
	g_cond_broadcast(&r->cond);
	g_mutex_unlock(&r->lock);
}

EscRequestState
esc_pin_request_wait(EscPinRequest *r, GCancellable *cancellable)
{
	EscRequestState state;
	gulong handler = 0;

	if (cancellable != NULL)
		handler = g_cancellable_connect(cancellable, G_CALLBACK(esc_pin_request_on_cancelled), r, NULL);
	g_mutex_lock(&r->lock);
	while (r->state == ESC_REQUEST_PENDING && !g_cancellable_is_cancelled(cancellable))
		g_cond_wait(&r->cond, &r->lock);
	state = r->state;
	g_mutex_unlock(&r->lock);
	if (cancellable != NULL)
		g_cancellable_disconnect(cancellable, handler);
	return state;
}

TokSecret *
esc_pin_request_dup_pin(EscPinRequest *r)
{
	TokSecret *pin;

	g_mutex_lock(&r->lock);
	pin = r->pin != NULL ? tok_secret_ref(r->pin) : NULL;
	g_mutex_unlock(&r->lock);
	return pin;
}
