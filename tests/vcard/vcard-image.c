/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"
#include "vcard-image.h"

G_DEFINE_BOXED_TYPE(VcardImage, vcard_image, vcard_image_copy, vcard_image_free)

/* 62 76 01 FF 00 00: the CoolKey load file (package) AID; the instance AID adds 00. */
static const guint8 vcard_image_package_aid[] = {0x62, 0x76, 0x01, 0xFF, 0x00, 0x00};

static gboolean
vcard_image_sha256(const guint8 *data, gsize len, guint8 out[VCARD_IMAGE_DIGEST_SIZE], GError **error)
{
	unsigned int out_len = 0;

	if (EVP_Digest(data, len, out, &out_len, EVP_sha256(), NULL) != 1 ||
	    out_len != VCARD_IMAGE_DIGEST_SIZE) {
		tok_error_set_openssl(error, "SHA-256 of the applet image");
		return FALSE;
	}
	return TRUE;
}

void
vcard_image_free(VcardImage *image)
{
	if (image == NULL)
		return;
	g_free(image->version);
	if (image->payload != NULL)
		g_bytes_unref(image->payload);
	g_free(image);
}

VcardImage *
vcard_image_copy(const VcardImage *image)
{
	VcardImage *copy = g_new0(VcardImage, 1);

	*copy = *image;
	copy->version = g_strdup(image->version);
	copy->payload = image->payload != NULL ? g_bytes_ref(image->payload) : NULL;
	return copy;
}

static gboolean
vcard_image_version_valid(const gchar *version, guint8 *major, guint8 *minor, guint32 *build_id)
{
	g_auto(GStrv) parts = NULL;
	guint64 maj = 0, min = 0, build = 0;

	if (version == NULL || strlen(version) > VCARD_IMAGE_MAX_VERSION_LEN)
		return FALSE;
	parts = g_strsplit(version, ".", -1);
	if (g_strv_length(parts) != 3 || strlen(parts[2]) != 8)
		return FALSE;
	for (const gchar *p = parts[2]; *p != '\0'; p++) {
		if (!g_ascii_isxdigit(*p) || g_ascii_isupper(*p))
			return FALSE;
	}
	if (!g_ascii_string_to_unsigned(parts[0], 10, 0, 255, &maj, NULL) ||
	    !g_ascii_string_to_unsigned(parts[1], 10, 0, 255, &min, NULL) ||
	    !g_ascii_string_to_unsigned(parts[2], 16, 0, G_MAXUINT32, &build, NULL))
		return FALSE;
	*major = (guint8)maj;
	*minor = (guint8)min;
	*build_id = (guint32)build;
	return TRUE;
}

gboolean
vcard_image_parse_version(const gchar *version,
			  guint8 *major,
			  guint8 *minor,
			  guint32 *build_id,
			  GError **error)
{
	if (!vcard_image_version_valid(version, major, minor, build_id)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "applet version \"%s\" is not MAJOR.MINOR.BUILDID (e.g. 1.4.58768072)",
			    version != NULL ? version : "(none)");
		return FALSE;
	}
	return TRUE;
}

static gboolean
vcard_image_read_aid(TokReader *r, const gchar *what, guint8 *len, guint8 aid[16], GError **error)
{
	if (!tok_reader_read_u8(r, len, error)) {
		g_prefix_error(error, "%s length: ", what);
		return FALSE;
	}
	if (*len < 5 || *len > 16) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "%s of %u bytes (must be 5-16)", what, *len);
		return FALSE;
	}
	if (!tok_reader_read_into(r, aid, *len, error)) {
		g_prefix_error(error, "%s: ", what);
		return FALSE;
	}
	return TRUE;
}

VcardImage *
vcard_image_parse(const guint8 *data, gsize len, GError **error)
{
	g_autoptr(VcardImage) image = g_new0(VcardImage, 1);
	guint8 digest[VCARD_IMAGE_DIGEST_SIZE];
	const guint8 *magic = NULL;
	const guint8 *stored = NULL;
	const guint8 *text = NULL;
	guint8 format = 0, version_len = 0;
	guint32 payload_len = 0;
	TokReader r;

	if (data == NULL && len > 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "applet image without data");
		return NULL;
	}
	if (len > VCARD_IMAGE_MAX_SIZE) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "applet image of %" G_GSIZE_FORMAT " bytes (at most %u)", len, VCARD_IMAGE_MAX_SIZE);
		return NULL;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_view(&r, VCARD_IMAGE_MAGIC_SIZE, &magic, error)) {
		g_prefix_error(error, "applet image magic: ");
		return NULL;
	}
	if (CRYPTO_memcmp(magic, VCARD_IMAGE_MAGIC, VCARD_IMAGE_MAGIC_SIZE) != 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "not an applet image (bad magic)");
		return NULL;
	}
	if (!tok_reader_read_u8(&r, &format, error)) {
		g_prefix_error(error, "applet image format version: ");
		return NULL;
	}
	if (format != VCARD_IMAGE_FORMAT_VERSION) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "applet image format version %u is not supported", format);
		return NULL;
	}
	if (!vcard_image_read_aid(&r, "package AID", &image->package_aid_len, image->package_aid, error) ||
	    !vcard_image_read_aid(&r, "applet AID", &image->applet_aid_len, image->applet_aid, error)) {
		g_prefix_error(error, "applet image: ");
		return NULL;
	}
	if (!tok_reader_read_u8(&r, &version_len, error) || !tok_reader_read_view(&r, version_len, &text, error)) {
		g_prefix_error(error, "applet image version string: ");
		return NULL;
	}
	if (version_len == 0 || version_len > VCARD_IMAGE_MAX_VERSION_LEN) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "applet image version string of %u bytes", version_len);
		return NULL;
	}
	image->version = g_strndup((const gchar *)text, version_len);
	if (strlen(image->version) != version_len ||
	    !vcard_image_parse_version(image->version, &image->major, &image->minor, &image->build_id, error)) {
		g_clear_error(error);
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "applet image: malformed version string");
		return NULL;
	}
	if (!tok_reader_read_u32_be(&r, &payload_len, error)) {
		g_prefix_error(error, "applet image payload length: ");
		return NULL;
	}
	if (payload_len > VCARD_IMAGE_MAX_PAYLOAD) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "applet image payload of %u bytes (at most %u)", payload_len, VCARD_IMAGE_MAX_PAYLOAD);
		return NULL;
	}
	image->payload = tok_reader_read_bytes(&r, payload_len, error);
	if (image->payload == NULL) {
		g_prefix_error(error, "applet image payload: ");
		return NULL;
	}
	if (!vcard_image_sha256(data, r.pos, digest, error))
		return NULL;
	if (!tok_reader_read_view(&r, VCARD_IMAGE_DIGEST_SIZE, &stored, error)) {
		g_prefix_error(error, "applet image digest: ");
		return NULL;
	}
	if (!tok_reader_expect_end(&r, error)) {
		g_prefix_error(error, "applet image: ");
		return NULL;
	}
	if (CRYPTO_memcmp(stored, digest, VCARD_IMAGE_DIGEST_SIZE) != 0) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED, "applet image digest does not match its contents");
		return NULL;
	}
	return g_steal_pointer(&image);
}

GBytes *
vcard_image_build(const gchar *version, GBytes *payload, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	guint8 major = 0, minor = 0;
	guint32 build_id = 0;
	guint8 digest[VCARD_IMAGE_DIGEST_SIZE];
	gsize payload_len = g_bytes_get_size(payload);

	if (!vcard_image_parse_version(version, &major, &minor, &build_id, error))
		return NULL;
	if (payload_len > VCARD_IMAGE_MAX_PAYLOAD) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "applet image payload of %" G_GSIZE_FORMAT " bytes (at most %u)", payload_len, VCARD_IMAGE_MAX_PAYLOAD);
		return NULL;
	}
	g_byte_array_append(out, (const guint8 *)VCARD_IMAGE_MAGIC, VCARD_IMAGE_MAGIC_SIZE);
	tok_byte_array_append_u8(out, VCARD_IMAGE_FORMAT_VERSION);
	tok_byte_array_append_u8(out, sizeof(vcard_image_package_aid));
	g_byte_array_append(out, vcard_image_package_aid, sizeof(vcard_image_package_aid));
	tok_byte_array_append_u8(out, TOK_COOLKEY_AID_SIZE);
	g_byte_array_append(out, (const guint8 *)TOK_COOLKEY_AID, TOK_COOLKEY_AID_SIZE);
	tok_byte_array_append_u8(out, (guint8)strlen(version));
	g_byte_array_append(out, (const guint8 *)version, (guint)strlen(version));
	tok_byte_array_append_u32_be(out, (guint32)payload_len);
	tok_byte_array_append_bytes(out, payload);
	if (!vcard_image_sha256(out->data, out->len, digest, error))
		return NULL;
	g_byte_array_append(out, digest, sizeof(digest));
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

GBytes *
vcard_image_default_payload(const gchar *version, gsize len, GError **error)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autofree gchar *header = g_strdup_printf("esc-vcard CoolKey applet stand-in %s\n", version);
	guint32 counter = 0;

	if (len > VCARD_IMAGE_MAX_PAYLOAD) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE, "payload of %" G_GSIZE_FORMAT " bytes", len);
		return NULL;
	}
	g_byte_array_append(out, (const guint8 *)header, (guint)MIN(strlen(header), len));
	/* filler: SHA-256(version || counter) blocks, so that the image does not compress away */
	while (out->len < len) {
		g_autoptr(GByteArray) input = g_byte_array_new();
		guint8 block[VCARD_IMAGE_DIGEST_SIZE];

		g_byte_array_append(input, (const guint8 *)version, (guint)strlen(version));
		tok_byte_array_append_u32_be(input, counter++);
		if (!vcard_image_sha256(input->data, input->len, block, error))
			return NULL;
		g_byte_array_append(out, block, (guint)MIN(sizeof(block), len - out->len));
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

GBytes *
vcard_image_build_default(GError **error)
{
	g_autoptr(GBytes) payload = vcard_image_default_payload(VCARD_IMAGE_DEFAULT_VERSION, VCARD_IMAGE_DEFAULT_PAYLOAD, error);

	if (payload == NULL)
		return NULL;
	return vcard_image_build(VCARD_IMAGE_DEFAULT_VERSION, payload, error);
}
