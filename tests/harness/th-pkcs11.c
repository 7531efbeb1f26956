/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "th-pkcs11.h"

#include <glib/gstdio.h>
#include <stdarg.h>

gboolean
th_pkcs11_check_available(void)
{
	g_autofree gchar *path = g_find_program_in_path("pkcs11-tool");

	if (path == NULL || !g_file_test(TH_PCSC_OPENSC_PKCS11, G_FILE_TEST_EXISTS)) {
		g_test_skip("pkcs11-tool or OpenSC's PKCS#11 module is not installed (package opensc)");
		return FALSE;
	}
	return TRUE;
}

static gint
th_pkcs11_toolv(ThPcsc *pcsc, guint timeout_ms, gchar **out, va_list args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stdout_text = NULL;
	g_autofree gchar *stderr_text = NULL;
	const gchar *arg;
	gint status = -1;

	g_ptr_array_add(argv, (gpointer) "pkcs11-tool");
	g_ptr_array_add(argv, (gpointer) "--module");
	g_ptr_array_add(argv, (gpointer)TH_PCSC_OPENSC_PKCS11);
	while ((arg = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	g_ptr_array_add(argv, NULL);
	g_assert_true(th_pcsc_run(pcsc, (const gchar *const *)argv->pdata, timeout_ms, &status, &stdout_text, &stderr_text, &error));
	g_assert_no_error(error);
	if (status != 0)
		g_test_message("pkcs11-tool exited with %d:\n%s%s", status, stdout_text, stderr_text);
	if (out != NULL)
		*out = g_steal_pointer(&stdout_text);
	return status;
}

gint
th_pkcs11_tool(ThPcsc *pcsc, guint timeout_ms, gchar **out, ...)
{
	va_list args;
	gint status;

	va_start(args, out);
	status = th_pkcs11_toolv(pcsc, timeout_ms, out, args);
	va_end(args);
	return status;
}

gboolean
th_pkcs11_sign(ThPcsc *pcsc, guint timeout_ms, const gchar *pin, GBytes *data, GBytes **signature)
{
	g_autofree gchar *in_path = g_build_filename(th_pcsc_get_dir(pcsc), "to-sign.bin", NULL);
	g_autofree gchar *sig_path = g_build_filename(th_pcsc_get_dir(pcsc), "signature.bin", NULL);
	g_autofree gchar *sig = NULL;
	gsize sig_len = 0;

	g_assert_true(g_file_set_contents(in_path, g_bytes_get_data(data, NULL), (gssize)g_bytes_get_size(data), NULL));
	g_unlink(sig_path);
	if (th_pkcs11_tool(pcsc, timeout_ms, NULL, "--login", "--pin", pin, "--sign", "--mechanism", "RSA-PKCS", "--id", "01",
			   "--input-file", in_path, "--output-file", sig_path, NULL) != 0)
		return FALSE;
	g_assert_true(g_file_get_contents(sig_path, &sig, &sig_len, NULL));
	*signature = g_bytes_new_take(g_steal_pointer(&sig), sig_len);
	return TRUE;
}
