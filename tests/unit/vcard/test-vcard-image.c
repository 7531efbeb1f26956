/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/evp.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "vcard-image.h"

static GByteArray *
test_image_default_array(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) image = vcard_image_build_default(&error);
	GByteArray *array = g_byte_array_new();

	g_assert_no_error(error);
	g_byte_array_append(array, g_bytes_get_data(image, NULL), (guint)g_bytes_get_size(image));
	return array;
}

/* Recomputes the trailing digest after an edit, so that only the edited field is wrong. */
static void
test_image_fix_digest(GByteArray *image)
{
	unsigned int n = 0;

	g_assert_cmpint(EVP_Digest(image->data, image->len - 32, image->data + image->len - 32, &n, EVP_sha256(), NULL), ==, 1);
}

static void
test_image_round_trip(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) image = test_image_default_array();
	g_autoptr(VcardImage) parsed = vcard_image_parse(image->data, image->len, &error);
	g_autoptr(VcardImage) copy = NULL;
	const guint8 coolkey[] = {0x62, 0x76, 0x01, 0xFF, 0x00, 0x00, 0x00};

	g_assert_no_error(error);
	g_assert_cmpstr(parsed->version, ==, "1.4.58768072");
	g_assert_cmpuint(parsed->major, ==, 1);
	g_assert_cmpuint(parsed->minor, ==, 4);
	g_assert_cmphex(parsed->build_id, ==, 0x58768072);
	g_assert_cmpuint(parsed->package_aid_len, ==, 6);
	g_assert_cmpmem(parsed->package_aid, 6, coolkey, 6);
	g_assert_cmpmem(parsed->applet_aid, parsed->applet_aid_len, coolkey, sizeof(coolkey));
	g_assert_cmpuint(g_bytes_get_size(parsed->payload), ==, VCARD_IMAGE_DEFAULT_PAYLOAD);
	/* 8 magic + 1 + 7 + 8 + 13 + 4 + payload + 32 */
	g_assert_cmpuint(image->len, ==, 8 + 1 + 7 + 8 + 13 + 4 + VCARD_IMAGE_DEFAULT_PAYLOAD + 32);
	copy = vcard_image_copy(parsed);
	g_assert_cmpstr(copy->version, ==, parsed->version);
	g_assert_true(g_bytes_equal(copy->payload, parsed->payload));
}

/* data/applets/1.4.58768072.ijc is exactly what vcard-mkimage writes. */
static void
test_image_committed_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "..", "data", "applets", "1.4.58768072.ijc", NULL);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GBytes) want = vcard_image_build_default(&error);
	g_autoptr(VcardImage) parsed = NULL;

	g_assert_true(g_file_get_contents(path, &contents, &len, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(contents, len, g_bytes_get_data(want, NULL), g_bytes_get_size(want));
	parsed = vcard_image_parse((const guint8 *)contents, len, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(parsed->version, ==, VCARD_IMAGE_DEFAULT_VERSION);
}

static void
test_image_other_version(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) payload = vcard_image_default_payload("1.5.558cdcff", 100, &error);
	g_autoptr(GBytes) image = vcard_image_build("1.5.558cdcff", payload, &error);
	g_autoptr(VcardImage) parsed = NULL;

	g_assert_no_error(error);
	parsed = vcard_image_parse(g_bytes_get_data(image, NULL), g_bytes_get_size(image), &error);
	g_assert_no_error(error);
	g_assert_cmpuint(parsed->minor, ==, 5);
	g_assert_cmphex(parsed->build_id, ==, 0x558cdcff);
	g_assert_cmpuint(g_bytes_get_size(parsed->payload), ==, 100);
}

static void
test_image_version_strings(void)
{
	const gchar *bad[] = {"", "1.4", "1.4.5876807", "1.4.587680720", "1.4.5876807G", "1.4.58768O72", "1.4.5876807A",
			      "256.4.58768072", "1..58768072", "-1.4.58768072", "1.4.58768072.1", "+1.4.58768072"};
	guint8 major = 0, minor = 0;
	guint32 build = 0;

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(vcard_image_parse_version(bad[i], &major, &minor, &build, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(vcard_image_parse_version(NULL, &major, &minor, &build, &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
		g_assert_true(vcard_image_parse_version("10.255.00000001", &major, &minor, &build, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(major, ==, 10);
		g_assert_cmpuint(minor, ==, 255);
		g_assert_cmphex(build, ==, 1);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GBytes) payload = g_bytes_new("x", 1);
		g_autoptr(GBytes) image = vcard_image_build("1.4", payload, &error);
		g_assert_null(image);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

typedef struct {
	const gchar *name;
	gsize offset; /* byte to change */
	guint8 value;
	gboolean fix_digest;
	gint code;
} ImageCorruption;

static void
test_image_corrupt(void)
{
	const ImageCorruption cases[] = {
	    {"magic", 0, 'X', TRUE, TOK_ERROR_INVALID_DATA},
	    {"format version", 8, 2, TRUE, TOK_ERROR_INVALID_DATA},
	    {"package AID too short", 9, 4, TRUE, TOK_ERROR_INVALID_DATA},
	    {"package AID too long", 9, 17, TRUE, TOK_ERROR_INVALID_DATA},
	    {"applet AID too short", 16, 0, TRUE, TOK_ERROR_INVALID_DATA},
	    {"version string", 26, 'x', TRUE, TOK_ERROR_INVALID_DATA},
	    {"version length", 24, 0, TRUE, TOK_ERROR_INVALID_DATA},
	    {"payload length too large", 37, 0xFF, TRUE, TOK_ERROR_TOO_LARGE},
	    {"payload byte (digest)", 100, 0x00, FALSE, TOK_ERROR_AUTH_FAILED},
	    {"digest byte", 6072, 0x00, FALSE, TOK_ERROR_AUTH_FAILED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) image = test_image_default_array();
		g_autoptr(GError) error = NULL;
		g_autoptr(VcardImage) parsed = NULL;

		g_test_message("corruption: %s", cases[i].name);
		g_assert_cmpuint(cases[i].offset, <, image->len);
		image->data[cases[i].offset] = image->data[cases[i].offset] == cases[i].value ? (guint8)~cases[i].value : cases[i].value;
		if (cases[i].fix_digest)
			test_image_fix_digest(image);
		parsed = vcard_image_parse(image->data, image->len, &error);
		g_assert_null(parsed);
		g_assert_error(error, TOK_ERROR, cases[i].code);
	}
}

static void
test_image_truncated(void)
{
	g_autoptr(GByteArray) image = test_image_default_array();

	/* every prefix fails, none reads past its end (ASan checks) */
	for (gsize len = 0; len < image->len; len += (len < 64 ? 1 : 97)) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GByteArray) prefix = g_byte_array_new();
		g_autoptr(VcardImage) parsed = NULL;

		g_byte_array_append(prefix, image->data, (guint)len);
		parsed = vcard_image_parse(prefix->data, prefix->len, &error);
		g_assert_null(parsed);
		g_assert_nonnull(error);
		g_assert_true(error->domain == TOK_ERROR);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(VcardImage) parsed = NULL;

		/* one trailing byte */
		g_byte_array_append(image, (const guint8 *)"\0", 1);
		parsed = vcard_image_parse(image->data, image->len, &error);
		g_assert_null(parsed);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
	}
}

static void
test_image_too_large(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree guint8 *big = g_malloc0(VCARD_IMAGE_MAX_SIZE + 1);
	g_autoptr(VcardImage) parsed = vcard_image_parse(big, VCARD_IMAGE_MAX_SIZE + 1, &error);
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(GBytes) image = NULL;

	g_assert_null(parsed);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	payload = vcard_image_default_payload("1.4.58768072", VCARD_IMAGE_MAX_PAYLOAD + 1, &error);
	g_assert_null(payload);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	payload = g_bytes_new_take(g_malloc0(VCARD_IMAGE_MAX_PAYLOAD + 1), VCARD_IMAGE_MAX_PAYLOAD + 1);
	image = vcard_image_build("1.4.58768072", payload, &error);
	g_assert_null(image);
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vcard/image/round-trip", test_image_round_trip);
	g_test_add_func("/vcard/image/committed-file", test_image_committed_file);
	g_test_add_func("/vcard/image/other-version", test_image_other_version);
	g_test_add_func("/vcard/image/version-strings", test_image_version_strings);
	g_test_add_func("/vcard/image/corrupt", test_image_corrupt);
	g_test_add_func("/vcard/image/truncated", test_image_truncated);
	g_test_add_func("/vcard/image/too-large", test_image_too_large);
	return g_test_run();
}
