/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vcard-mkimage: writes an applet image for the virtual card (see vcard-image.h), e.g.
 *   vcard-mkimage data/applets/1.4.58768072.ijc            (the committed default image)
 *   vcard-mkimage --version 1.4.5a5b5c5d --payload-size 7200 OUT
 */
#include "config.h"

#include <locale.h>

#include "vcard-image.h"

int
main(int argc, char **argv)
{
	g_autofree gchar *version = NULL;
	gint payload_size = VCARD_IMAGE_DEFAULT_PAYLOAD;
	const GOptionEntry entries[] = {
	    {"version", 0, 0, G_OPTION_ARG_STRING, &version, "applet version (default " VCARD_IMAGE_DEFAULT_VERSION ")", "MAJOR.MINOR.BUILDID"},
	    {"payload-size", 0, 0, G_OPTION_ARG_INT, &payload_size, "bytes of filler payload (default 6000)", "N"},
	    G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new("OUTPUT - write a virtual-card applet image");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) payload = NULL;
	g_autoptr(GBytes) image = NULL;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2) {
		g_printerr("vcard-mkimage: %s\n", error != NULL ? error->message : "exactly one OUTPUT file is needed");
		return 2;
	}
	if (version == NULL)
		version = g_strdup(VCARD_IMAGE_DEFAULT_VERSION);
	if (payload_size < 0 || payload_size > VCARD_IMAGE_MAX_PAYLOAD) {
		g_printerr("vcard-mkimage: --payload-size must be 0-%u\n", VCARD_IMAGE_MAX_PAYLOAD);
		return 2;
	}
	payload = vcard_image_default_payload(version, (gsize)payload_size, &error);
	if (payload != NULL)
		image = vcard_image_build(version, payload, &error);
	if (image == NULL ||
	    !g_file_set_contents(argv[1], g_bytes_get_data(image, NULL), (gssize)g_bytes_get_size(image), &error)) {
		g_printerr("vcard-mkimage: %s\n", error->message);
		return 1;
	}
	return 0;
}
