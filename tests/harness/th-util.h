/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Small helpers of the tests, without PC/SC: a sequence assertion, rm -rf.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each line of the NULL-terminated @expected appears in @lines (strings), in this order; a
 * line of @expected ending in "*" matches any line it is a prefix of (without the "*"). A
 * missing line is named in a test message before the assertion fails. */
void
th_assert_sequence(GPtrArray *lines, const gchar *const *expected);

/* rm -rf without following symbolic links; failures are ignored. */
void
th_rm_rf(const gchar *path);

G_END_DECLS
