/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * esc: the desktop client (GTK 4 + libadwaita). See esc-application.h.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "esc-application.h"

int
main(int argc, char *argv[])
{
	g_autoptr(EscApplication) app = NULL;
	const gchar *localedir = g_getenv("ESC_LOCALEDIR");

	setlocale(LC_ALL, "");
	/* ESC_LOCALEDIR: the build tree's catalogues, for running uninstalled (tests) */
	bindtextdomain(GETTEXT_PACKAGE, localedir != NULL && localedir[0] != '\0' ? localedir : LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	g_set_application_name(_("Smart Cards"));
	app = esc_application_new();
	return g_application_run(G_APPLICATION(app), argc, argv);
}
