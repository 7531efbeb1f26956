/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-secret.h"

static void
test_secret_basic(void)
{
	const guint8 key[] = {0x40, 0x41, 0x42, 0x43};
	g_autoptr(TokSecret) a = tok_secret_new_from_data(key, sizeof(key));
	g_autoptr(TokSecret) b = tok_secret_new_from_text("@ABC");
	g_autoptr(TokSecret) c = tok_secret_new_from_text("@ABD");
	g_autoptr(TokSecret) d = tok_secret_new_from_text("@AB");
	g_autoptr(TokSecret) z = tok_secret_new(3);
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(a, &len);

	g_assert_cmpmem(data, len, key, sizeof(key));
	g_assert_cmpuint(tok_secret_get_size(a), ==, 4);
	g_assert_true(tok_secret_equal(a, b));
	g_assert_false(tok_secret_equal(a, c));
	g_assert_false(tok_secret_equal(a, d)); /* prefix is not equal */
	g_assert_false(tok_secret_equal(a, NULL));
	g_assert_true(tok_secret_equal(NULL, NULL));
	g_assert_true(tok_secret_equal_data(a, key, sizeof(key)));
	g_assert_cmpmem(tok_secret_get_data(z, NULL), 3, "\0\0\0", 3);
}

static void
test_secret_ref(void)
{
	TokSecret *a = tok_secret_new_from_text("1234");
	TokSecret *b = tok_secret_ref(a);
	g_assert_true(a == b);
	tok_secret_unref(a);
	g_assert_cmpuint(tok_secret_get_size(b), ==, 4);
	tok_secret_unref(b);
	tok_secret_unref(NULL);
}

static void
test_secret_random(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) a = tok_secret_new_random(32, &error);
	g_autoptr(TokSecret) b = tok_secret_new_random(32, &error);
	g_assert_no_error(error);
	g_assert_nonnull(a);
	g_assert_cmpuint(tok_secret_get_size(a), ==, 32);
	g_assert_false(tok_secret_equal(a, b));
}

static void
test_secret_slice(void)
{
	g_autoptr(TokSecret) a = tok_secret_new_from_text("0123456789");
	g_autoptr(TokSecret) s = tok_secret_slice(a, 2, 3);
	g_autoptr(TokSecret) e = tok_secret_slice(a, 10, 0);
	g_assert_true(tok_secret_equal_data(s, (const guint8 *)"234", 3));
	g_assert_nonnull(e);
	g_assert_cmpuint(tok_secret_get_size(e), ==, 0);
	g_assert_null(tok_secret_slice(a, 8, 3));
	g_assert_null(tok_secret_slice(a, 11, 0));
	g_assert_null(tok_secret_slice(a, 1, G_MAXSIZE));
}

/* The wipe itself: a free function sees the buffer zeroed before it is released. We check
 * it through GBytes' free func chain: the GByteArray given to tok_bytes_new_wiped_take() is
 * the storage, so we keep our own reference to it and look after the GBytes is gone. */
static void
test_wiped_bytes(void)
{
	GByteArray *array = g_byte_array_new();
	GBytes *bytes;
	const guint8 pin[] = {'1', '2', '3', '4'};

	g_byte_array_append(array, pin, sizeof(pin));
	g_byte_array_ref(array);
	bytes = tok_bytes_new_wiped_take(array);
	g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), pin, sizeof(pin));
	g_bytes_unref(bytes);
	/* tok_byte_array_wipe_free() wiped the contents and dropped its reference */
	g_assert_cmpuint(array->len, ==, 4);
	g_assert_cmpmem(array->data, array->len, "\0\0\0\0", 4);
	g_byte_array_unref(array);
}

static void
test_secret_to_wiped_bytes(void)
{
	g_autoptr(TokSecret) a = tok_secret_new_from_text("secret123");
	g_autoptr(GBytes) b = tok_secret_to_wiped_bytes(a);
	g_autoptr(GBytes) e = tok_bytes_new_wiped(NULL, 0);
	g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b), "secret123", 9);
	g_assert_cmpuint(g_bytes_get_size(e), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tok/secret/basic", test_secret_basic);
	g_test_add_func("/tok/secret/ref", test_secret_ref);
	g_test_add_func("/tok/secret/random", test_secret_random);
	g_test_add_func("/tok/secret/slice", test_secret_slice);
	g_test_add_func("/tok/secret/wiped-bytes", test_wiped_bytes);
	g_test_add_func("/tok/secret/to-wiped-bytes", test_secret_to_wiped_bytes);
	return g_test_run();
}
