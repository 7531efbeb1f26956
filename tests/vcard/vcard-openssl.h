/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * g_autoptr() cleanups for the OpenSSL types libvcard and its tests use (declared once).
 */
#pragma once

#include "tok-openssl-autoptr.h"

#include <glib.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BIGNUM, BN_free)

G_END_DECLS
