/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target "phone-home": esc_issuer_info_parse() on any input (a phone-home answer is
 * outside data). A document that parses must have an issuer name and give back every service
 * it lists; a copy with a URL keeps them.
 */
#include "config.h"

#include <string.h>

#include "esc-error.h"
#include "esc-issuer-info.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscIssuerInfo) info = esc_issuer_info_parse((const gchar *)data, size, &error);
	g_autoptr(EscIssuerInfo) copy = NULL;
	g_auto(GStrv) names = NULL;

	if (info == NULL) {
		g_assert_error(error, ESC_ERROR, ESC_ERROR_PROTOCOL);
		return 0;
	}
	g_assert_no_error(error);
	g_assert_nonnull(esc_issuer_info_get_issuer_name(info));
	g_assert_cmpuint(strlen(esc_issuer_info_get_issuer_name(info)), >, 0);
	names = esc_issuer_info_dup_service_names(info);
	copy = esc_issuer_info_new_with_url(info, "https://fuzz.example/tps/phoneHome?cuid=00");
	for (guint i = 0; names[i] != NULL; i++) {
		const gchar *value = esc_issuer_info_get_service(info, names[i]);
		g_assert_nonnull(value);
		g_assert_cmpuint(strlen(value), >, 0);
		g_assert_true(g_utf8_validate(value, -1, NULL));
		g_assert_cmpstr(esc_issuer_info_get_service(copy, names[i]), ==, value);
	}
	g_assert_cmpstr(esc_issuer_info_get_operation_url(copy), ==, esc_issuer_info_get_operation_url(info));
	g_assert_cmpstr(esc_issuer_info_get_token_type(copy), ==, esc_issuer_info_get_token_type(info));
	return 0;
}
