/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TKS_ERROR: the error domain of the Token Key Service (server/tks) and its key stores.
 * Codes 1..6 have the values of the Dogtag TKS response `status=` codes (protocol.md 3.9), so
 * tks_error_to_status() is the identity for them; every other failure maps to a status the
 * TPS understands.
 */
#pragma once

#include <glib.h>

#include "tok-macros.h"

G_BEGIN_DECLS

#define TKS_ERROR (tks_error_quark())

typedef enum {
	TKS_ERROR_FAILED = 0,		     /* nothing more specific applies (status 1) */
	TKS_ERROR_SESSION_KEY = 1,	     /* session keys could not be computed */
	TKS_ERROR_HOST_CRYPTOGRAM = 2,	     /* the host cryptogram could not be computed */
	TKS_ERROR_MISSING_PARAMETER = 3,     /* a required request value is absent or malformed */
	TKS_ERROR_KEY_INFO = 4,		     /* key info / key version / CUID / KDD unusable */
	TKS_ERROR_CARD_CRYPTOGRAM = 5,	     /* the card cryptogram does not match */
	TKS_ERROR_CONFIG = 6,		     /* configuration problem (unknown key set, bad option) */
	TKS_ERROR_NOT_FOUND = 16,	     /* no key with that key set / version in the store */
	TKS_ERROR_EXISTS = 17,		     /* a key with that key set / version already exists */
	TKS_ERROR_INVALID_ARGUMENT = 18,     /* bad key set name, version 0, wrong key length... */
	TKS_ERROR_WRONG_PASSPHRASE = 19,     /* wrong passphrase/key file or damaged key file */
	TKS_ERROR_CHECK_VALUE = 20,	     /* a key (share) does not have its key check value */
	TKS_ERROR_INVALID_DATA = 21,	     /* malformed file or wrapped key */
	TKS_ERROR_NOT_SUPPORTED = 22,	     /* the store cannot do this (kind, type, method) */
	TKS_ERROR_BACKEND = 23,		     /* I/O, OpenSSL or PKCS#11 failure in the store */
} TksError;

GQuark
tks_error_quark(void);

/* The Dogtag TKS status code (1..6) for a failure: TKS_ERROR codes 1..6 as they are,
 * TKS_ERROR_NOT_FOUND/INVALID_ARGUMENT/CHECK_VALUE -> 4, MISSING_PARAMETER/INVALID_DATA -> 3,
 * everything else -> 1. 0 only for a NULL error. */
guint
tks_error_to_status(const GError *error);

/* A short stable name of @code ("card-cryptogram", ...) for logs and audit events. */
const gchar *
tks_error_to_string(TksError code);

/* Moves an error of another domain (TOK_ERROR from libtok, ...) into TKS_ERROR with @code,
 * keeping its message; TKS_ERROR errors are left alone. No-op if @error or *@error is NULL. */
void
tks_error_convert(GError **error, TksError code);

G_END_DECLS
