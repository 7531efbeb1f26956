/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The applet image the virtual card loads and installs in place of the CoolKey CAP file
 * (which is not ours to ship). Layout, big-endian:
 *
 *   magic "VCARDIJC" (8) | format version 01 (1)
 *   len(1) package AID (5-16) | len(1) applet AID (5-16)
 *   len(1) version string "MAJOR.MINOR.BUILDID" (e.g. "1.4.58768072": decimal major and minor,
 *          8 lowercase hex digits of the build ID)
 *   payload length (4) | payload (at most VCARD_IMAGE_MAX_PAYLOAD bytes)
 *   SHA-256 of everything before it (32)
 *
 * The payload is opaque filler standing in for the applet's byte code.
 */
#pragma once

#include <glib-object.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define VCARD_IMAGE_MAGIC	    "VCARDIJC"
#define VCARD_IMAGE_MAGIC_SIZE	    8
#define VCARD_IMAGE_FORMAT_VERSION  1
#define VCARD_IMAGE_DIGEST_SIZE	    32
#define VCARD_IMAGE_MAX_PAYLOAD	    60000
#define VCARD_IMAGE_MAX_SIZE	    65536
#define VCARD_IMAGE_MAX_VERSION_LEN 32
/* The version the TPS asks for by default (protocol.md 5.3). */
#define VCARD_IMAGE_DEFAULT_VERSION "1.4.58768072"
#define VCARD_IMAGE_DEFAULT_PAYLOAD 6000

typedef struct {
	guint8 package_aid_len;
	guint8 package_aid[16];
	guint8 applet_aid_len;
	guint8 applet_aid[16];
	gchar *version; /* "1.4.58768072" */
	guint8 major;
	guint8 minor;
	guint32 build_id;
	GBytes *payload;
} VcardImage;

#define VCARD_TYPE_IMAGE (vcard_image_get_type())
GType
vcard_image_get_type(void);

/* Strict parser: TOK_ERROR_INVALID_DATA for a bad magic, format version, AID or version
 * string, TOK_ERROR_TRUNCATED / TOK_ERROR_TOO_LARGE for bad lengths, TOK_ERROR_AUTH_FAILED
 * when the digest does not match. */
VcardImage *
vcard_image_parse(const guint8 *data, gsize len, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Splits "1.4.58768072" into its parts; TOK_ERROR_INVALID_DATA if it has another form. */
gboolean
vcard_image_parse_version(const gchar *version,
			  guint8 *major,
			  guint8 *minor,
			  guint32 *build_id,
			  GError **error) TOK_NONNULL(2, 3, 4);
/* An image for the CoolKey package and applet AIDs (62 76 01 FF 00 00 [00]). */
GBytes *
vcard_image_build(const gchar *version, GBytes *payload, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(2);
/* The deterministic filler payload of @len bytes used for @version. */
GBytes *
vcard_image_default_payload(const gchar *version, gsize len, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The image shipped as data/applets/1.4.58768072.ijc (built the same way). */
GBytes *
vcard_image_build_default(GError **error) G_GNUC_WARN_UNUSED_RESULT;

VcardImage *
vcard_image_copy(const VcardImage *image) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
vcard_image_free(VcardImage *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VcardImage, vcard_image_free)

G_END_DECLS
