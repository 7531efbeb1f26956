/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "esc-snapshot.h"

gboolean
esc_snapshot_save_window(GtkWindow *window, GdkPaintable *paintable, const gchar *path, GError **error)
{
	GtkWidget *widget = GTK_WIDGET(window);
	g_autoptr(GtkSnapshot) snapshot = NULL;
	g_autoptr(GskRenderNode) node = NULL;
	g_autoptr(GdkTexture) texture = NULL;
	GskRenderer *renderer;
	int width = gtk_widget_get_width(widget);
	int height = gtk_widget_get_height(widget);

	if (!gtk_widget_get_mapped(widget) || width <= 0 || height <= 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown, there is nothing to save");
		return FALSE;
	}
	renderer = gtk_native_get_renderer(GTK_NATIVE(window));
	if (renderer == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window has no renderer");
		return FALSE;
	}
	snapshot = gtk_snapshot_new();
	gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), width, height);
	node = gtk_snapshot_free_to_node(g_steal_pointer(&snapshot));
	if (node == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window drew nothing");
		return FALSE;
	}
	texture = gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, (float)width, (float)height));
	if (texture == NULL || !gdk_texture_save_to_png(texture, path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write the PNG file %s", path);
		return FALSE;
	}
	return TRUE;
}

static guint
esc_snapshot_depth(GtkWindow *window)
{
	guint depth = 0;

	for (GtkWindow *w = gtk_window_get_transient_for(window); w != NULL && depth < 64;
	     w = gtk_window_get_transient_for(w))
		depth++;
	return depth;
}

GtkWindow *
esc_snapshot_front_window(void)
{
	GListModel *toplevels = gtk_window_get_toplevels(); /* (transfer none) */
	GtkWindow *best = NULL;
	guint best_depth = 0;
	guint n = g_list_model_get_n_items(toplevels);

	for (guint i = 0; i < n; i++) {
		g_autoptr(GtkWindow) window = g_list_model_get_item(toplevels, i);
		guint depth;

		if (!gtk_widget_get_mapped(GTK_WIDGET(window)))
			continue;
		depth = esc_snapshot_depth(window);
		if (best == NULL || depth > best_depth) {
			best = window;
			best_depth = depth;
		}
	}
	return best;
}
