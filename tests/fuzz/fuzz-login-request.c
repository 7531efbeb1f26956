/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target "login-request": a server message (any bytes) through tok_tps_message_parse()
 * and, when it is a LOGIN_REQUEST or EXTENDED_LOGIN_REQUEST, through
 * esc_login_request_new_from_message() — the fields a client shows come from outside. A
 * request that is accepted has 1..ESC_LOGIN_REQUEST_MAX_FIELDS fields with distinct
 * non-empty ids, bounded UTF-8 text, and can be answered.
 */
#include "config.h"

#include <string.h>

#include "esc-error.h"
#include "esc-login-request.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokTpsMessage) msg = tok_tps_message_parse(data, size, 65536, NULL);
	g_autoptr(EscLoginRequest) request = NULL;
	guint n;

	if (msg == NULL)
		return 0;
	request = esc_login_request_new_from_message(msg, &error);
	if (request == NULL) {
		g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
		return 0;
	}
	n = esc_login_request_get_n_fields(request);
	g_assert_cmpuint(n, >=, 1);
	g_assert_cmpuint(n, <=, ESC_LOGIN_REQUEST_MAX_FIELDS);
	g_assert_null(esc_login_request_get_field(request, n));
	if (esc_login_request_is_extended(request)) {
		g_assert_true(g_utf8_validate(esc_login_request_get_title(request), -1, NULL));
		g_assert_true(g_utf8_validate(esc_login_request_get_description(request), -1, NULL));
		g_assert_cmpuint(strlen(esc_login_request_get_title(request)), <=, ESC_LOGIN_REQUEST_MAX_TEXT);
	}
	for (guint i = 0; i < n; i++) {
		const EscLoginField *field = esc_login_request_get_field(request, i);

		g_assert_nonnull(field);
		g_assert_cmpuint(strlen(field->id), >, 0);
		g_assert_true(g_utf8_validate(field->label, -1, NULL));
		g_assert_true(g_utf8_validate(field->description, -1, NULL));
		for (guint j = 0; j < i; j++)
			g_assert_cmpstr(esc_login_request_get_field(request, j)->id, !=, field->id);
		esc_login_request_set_value(request, field->id, "value");
	}
	esc_login_request_respond(request);
	g_assert_true(esc_login_request_is_answered(request));
	return 0;
}
