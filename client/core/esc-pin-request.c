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
	EscRequestChannel *channel; /* the state and the PIN (ESC_PIN_REQUEST_CHANNEL_ID) */
};

G_DEFINE_FINAL_TYPE(EscPinRequest, esc_pin_request, G_TYPE_OBJECT)

static void
esc_pin_request_finalize(GObject *object)
{
	EscPinRequest *self = ESC_PIN_REQUEST(object);

	/* nobody can answer any more: an operation still waiting gives up */
	esc_request_channel_drop(self->channel);
	esc_request_channel_unref(self->channel);
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
	self->channel = esc_request_channel_new();
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
esc_pin_request_check_data(guint min_length, guint max_length, const guint8 *data, gsize len, GError **error)
{
	if (len < min_length || len > max_length) {
		if (min_length == max_length)
			g_set_error(error, ESC_ERROR, ESC_ERROR_INVALID_INPUT, _("The PIN must have %u characters."), min_length);
		else
			g_set_error(error,
				    ESC_ERROR,
				    ESC_ERROR_INVALID_INPUT,
				    _("The PIN must have %u to %u characters."),
				    min_length,
				    max_length);
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
	return esc_pin_request_check_data(r->min_length, r->max_length, (const guint8 *)pin, strlen(pin), error);
}

gboolean
esc_pin_request_check_range(guint min_length, guint max_length, const TokSecret *pin, GError **error)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(pin, &len);

	return esc_pin_request_check_data(min_length, max_length, data, len, error);
}

gboolean
esc_pin_request_check_secret(EscPinRequest *r, const TokSecret *pin, GError **error)
{
	return esc_pin_request_check_range(r->min_length, r->max_length, pin, error);
}

void
esc_pin_request_respond_secret(EscPinRequest *r, TokSecret *pin)
{
	esc_request_channel_answer(r->channel, ESC_REQUEST_RESPONDED, ESC_PIN_REQUEST_CHANNEL_ID, pin);
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
	esc_request_channel_answer(r->channel, ESC_REQUEST_CANCELLED, NULL, NULL);
}

EscRequestState
esc_pin_request_get_state(EscPinRequest *r)
{
	return esc_request_channel_get_state(r->channel);
}

gboolean
esc_pin_request_is_answered(EscPinRequest *r)
{
	return esc_pin_request_get_state(r) != ESC_REQUEST_PENDING;
}

EscRequestState
esc_pin_request_wait(EscPinRequest *r, GCancellable *cancellable)
{
	return esc_request_channel_wait(r->channel, cancellable);
}

TokSecret *
esc_pin_request_dup_pin(EscPinRequest *r)
{
	return esc_request_channel_dup_secret(r->channel, ESC_PIN_REQUEST_CHANNEL_ID);
}

EscRequestChannel *
esc_pin_request_get_channel(EscPinRequest *r)
{
	return esc_request_channel_ref(r->channel);
}
