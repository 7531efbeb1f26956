/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

/* Arguments that must never be NULL (GLib 2.74 has no G_GNUC_NON_NULL). Only on pointers
 * that the function dereferences unconditionally: the compiler may drop NULL checks. */
#if defined(__GNUC__) || defined(__clang__)
#define TOK_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define TOK_NONNULL(...)
#endif
