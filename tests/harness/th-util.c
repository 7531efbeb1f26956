/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "th-util.h"

#include <glib/gstdio.h>
#include <string.h>

void
th_assert_sequence(GPtrArray *lines, const gchar *const *expected)
{
	guint pos = 0;

	for (guint i = 0; expected[i] != NULL; i++) {
		gboolean prefix = g_str_has_suffix(expected[i], "*");
		g_autofree gchar *want = prefix ? g_strndup(expected[i], strlen(expected[i]) - 1) : g_strdup(expected[i]);
		gboolean found = FALSE;

		for (; pos < lines->len && !found; pos++) {
			const gchar *line = g_ptr_array_index(lines, pos);
			found = prefix ? g_str_has_prefix(line, want) : g_strcmp0(line, want) == 0;
		}
		if (!found)
			g_test_message("expected line %u, \"%s\", is missing (or out of order)", i, expected[i]);
		g_assert_true(found);
	}
}

void
th_rm_rf(const gchar *path)
{
	GStatBuf st;

	if (g_lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
		const gchar *name;

		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			th_rm_rf(child);
		}
		g_rmdir(path);
	} else {
		g_unlink(path);
	}
}
