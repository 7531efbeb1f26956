/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PNG of a window as GTK draws it (no screen grab, no window manager needed): used for the
 * screenshots of the AppStream metainfo and by the GUI tests ($ESC_SNAPSHOT_DIR).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* @paintable: gtk_widget_paintable_new(@window) made at least one frame earlier (a new
 * widget paintable holds the window's image only once the window has been drawn since). */
gboolean
esc_snapshot_save_window(GtkWindow *window, GdkPaintable *paintable, const gchar *path, GError **error);

/* The window a person sees in front: of the visible toplevels, the one deepest in a chain of
 * transient-for parents (a dialog above its parent), else the first visible one. */
GtkWindow *
esc_snapshot_front_window(void);

G_END_DECLS
