/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target for what server/tps/connectors reads from outside: the first byte picks the
 * parser, the rest is its input.
 *   'i': the local CA's index file (tps_ca_index_parse); what parses must survive a round
 *        trip through tps_ca_index_to_string unchanged;
 *   'u': a users file (tps_authenticator_file_new_from_data); what parses must give a complete
 *        extended-login form in a few locales (no password hashing here: scrypt is slow);
 *   'c': a DER certificate (tps_issued_cert_new_from_der).
 * Anything else is ignored.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "tps-authenticator-file.h"
#include "tps-ca-connector.h"
#include "tps-ca-index.h"
#include "tps-error.h"

static void
fuzz_index(const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsCaIndex) index = tps_ca_index_parse((const gchar *)data, len, &error);
	g_autofree gchar *text = NULL;
	g_autoptr(TpsCaIndex) again = NULL;
	g_autofree gchar *text2 = NULL;

	if (index == NULL) {
		g_assert_error(error, TPS_ERROR, TPS_ERROR_BACKEND);
		return;
	}
	text = tps_ca_index_to_string(index);
	g_assert_cmpuint(strlen(text), ==, len);
	g_assert_true(memcmp(text, data, len) == 0);
	again = tps_ca_index_parse(text, strlen(text), &error);
	g_assert_no_error(error);
	text2 = tps_ca_index_to_string(again);
	g_assert_cmpstr(text, ==, text2);
}

static void
fuzz_users(const guint8 *data, gsize len)
{
	const gchar *locales[] = {NULL, "en", "fr_FR.UTF-8", "pt_BR", "de"};
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsAuthenticator) auth = tps_authenticator_file_new_from_data((const gchar *)data, len, &error);

	if (auth == NULL) {
		g_assert_error(error, TPS_ERROR, TPS_ERROR_CONFIG);
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(locales); i++) {
		g_autofree gchar *title = NULL;
		g_autofree gchar *desc = NULL;
		g_autoptr(GPtrArray) fields = NULL;
		g_assert_true(tps_authenticator_get_ui(auth, locales[i], &title, &desc, &fields, &error));
		g_assert_no_error(error);
		g_assert_nonnull(title);
		g_assert_true(g_utf8_validate(title, -1, NULL));
		g_assert_nonnull(desc);
		g_assert_cmpuint(fields->len, ==, 2);
	}
}

static void
fuzz_cert(const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) der = g_bytes_new(data, len);
	g_autoptr(TpsIssuedCert) cert = tps_issued_cert_new_from_der(der, &error);

	if (cert == NULL) {
		g_assert_error(error, TPS_ERROR, TPS_ERROR_INVALID);
		return;
	}
	g_assert_nonnull(cert->serial);
	g_assert_nonnull(cert->subject);
	g_assert_nonnull(cert->issuer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0]) {
	case 'i':
		fuzz_index(data + 1, size - 1);
		break;
	case 'u':
		fuzz_users(data + 1, size - 1);
		break;
	case 'c':
		fuzz_cert(data + 1, size - 1);
		break;
	default:
		break;
	}
	return 0;
}
