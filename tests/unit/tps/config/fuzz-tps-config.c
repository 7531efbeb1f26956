/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target: the TPS configuration parser (tps_config_load_from_data). Any input must load
 * or fail cleanly; a configuration that loads must survive tps_config_to_data() and load again
 * to the same text.
 */
#include "config.h"

#include <glib.h>

#include "fuzz.h"
#include "tps-config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TpsConfig) config = NULL;
	g_autoptr(TpsConfig) again = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *text2 = NULL;
	gsize len = 0;
	gsize len2 = 0;
	TpsMappingParams params = {.applet_major = 1,
				   .applet_minor = 1,
				   .token_type = "userKey",
				   .cuid = "40906145C76224192D2B"};

	config = tps_config_load_from_data((const gchar *)data, size, "/nonexistent/esc-tps-fuzz", &error);
	if (config == NULL) {
		if (error == NULL || error->message == NULL)
			__builtin_trap();
		return 0;
	}
	for (guint k = 0; k < TPS_RESOLVER_KIND_COUNT; k++) {
		TpsMappingResolver *r = tps_config_get_resolver(config, (TpsResolverKind)k);
		g_autofree gchar *target = tps_mapping_resolver_resolve(r, &params, NULL);
		if (target != NULL && target[0] == '\0')
			__builtin_trap();
	}
	text = tps_config_to_data(config, &len);
	again = tps_config_load_from_data(text, len, "/nonexistent/esc-tps-fuzz", &error);
	if (again == NULL)
		__builtin_trap();
	text2 = tps_config_to_data(again, &len2);
	if (g_strcmp0(text, text2) != 0)
		__builtin_trap();
	return 0;
}
