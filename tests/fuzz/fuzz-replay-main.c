/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Replays a fuzz target's seed corpus (tests/fuzz/corpus/<target>/) as g_test cases, so every
 * ordinary run (and the sanitizer run) exercises the parsers with the seeds and with every
 * crash reproducer that was ever added to the corpus.
 */
#include "config.h"

#include <glib.h>

#include "fuzz.h"

static void
fuzz_replay_file(gconstpointer user_data)
{
	const gchar *path = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_no_error(error);
	g_assert_cmpint(LLVMFuzzerTestOneInput((const uint8_t *)contents, len), ==, 0);
}

static gint
fuzz_replay_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *corpus = NULL;
	const gchar *name;
	int rc;

	g_test_init(&argc, &argv, NULL);
	corpus = g_test_build_filename(G_TEST_DIST, "fuzz", "corpus", FUZZ_TARGET_NAME, NULL);
	dir = g_dir_open(corpus, 0, &error);
	if (dir == NULL) {
		g_printerr("cannot open corpus %s: %s\n", corpus, error->message);
		return 1;
	}
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_build_filename(corpus, name, NULL));
	if (names->len == 0) {
		g_printerr("corpus %s is empty\n", corpus);
		return 1;
	}
	g_ptr_array_sort(names, fuzz_replay_cmp);
	for (guint i = 0; i < names->len; i++) {
		const gchar *path = g_ptr_array_index(names, i);
		g_autofree gchar *base = g_path_get_basename(path);
		g_autofree gchar *test_path = g_strdup_printf("/fuzz/%s/%s", FUZZ_TARGET_NAME, base);
		g_test_add_data_func(test_path, path, fuzz_replay_file);
	}
	rc = g_test_run();
	return rc;
}
