/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TksKeyStoreFile: the default TksKeyStore, one encrypted file.
 *
 * File layout (big-endian):
 *   header (48 bytes, authenticated as AES-GCM additional data):
 *     "TKS-KEYS" | format version u16 = 1 | KDF u8 (1 scrypt passphrase, 2 raw key file) |
 *     scrypt log2(N) u8 | scrypt r u32 | scrypt p u32 | salt (16) | GCM nonce (12)
 *   AES-256-GCM cipher text of the key list | GCM tag (16)
 *   key list: count u32, then per key: name length u8, name, version u8, kind u8, type u8,
 *     value length u8, value.
 * The file key is scrypt(passphrase, salt, N, r, p) (EVP_KDF "SCRYPT") or the 32 bytes of a
 * key file. Every change rewrites the whole file atomically (temporary file + rename, mode
 * 0600) with a fresh nonce. A wrong passphrase or key file and a damaged file both fail the
 * GCM tag: TKS_ERROR_WRONG_PASSPHRASE, "wrong passphrase or damaged key file" ("wrong key file
 * or damaged key store file" for a store protected by a key file).
 *
 * The decrypted keys stay in memory (TokSecret) while the object lives; methods are
 * serialised by a mutex. One process should write a given file at a time.
 */
#pragma once

#include <glib-object.h>

#include "tks-key-store.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TKS_KEY_STORE_FILE_KEY_SIZE    32
#define TKS_KEY_STORE_FILE_HEADER_SIZE 48
#define TKS_KEY_STORE_FILE_MAX	       (1024 * 1024)
#define TKS_KEY_STORE_FILE_MAX_KEYS    4096

typedef struct {
	guint8 log2_n; /* 10..22 */
	guint32 r;     /* 1..32 */
	guint32 p;     /* 1..16 */
} TksScryptParams;

/* The defaults: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s). */
#define TKS_SCRYPT_DEFAULT_LOG2_N 15
#define TKS_SCRYPT_DEFAULT_R	  8
#define TKS_SCRYPT_DEFAULT_P	  1

#define TKS_TYPE_KEY_STORE_FILE (tks_key_store_file_get_type())
G_DECLARE_FINAL_TYPE(TksKeyStoreFile, tks_key_store_file, TKS, KEY_STORE_FILE, GObject)

/* Creates a new empty store at @path (TKS_ERROR_EXISTS if the file exists), protected by
 * exactly one of @passphrase (scrypt with @params, NULL for the defaults) or @file_key
 * (32 bytes). */
TksKeyStoreFile *
tks_key_store_file_create(const gchar *path,
			  TokSecret *passphrase,
			  TokSecret *file_key,
			  const TksScryptParams *params,
			  GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Opens and decrypts the store at @path. */
TksKeyStoreFile *
tks_key_store_file_open(const gchar *path, TokSecret *passphrase, TokSecret *file_key, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* The same from the file contents @data (for tests and fuzzing); changes are written to
 * @path. Strict: any malformed header or key list is an error, never a crash. */
TksKeyStoreFile *
tks_key_store_file_new_from_data(const gchar *path,
				 const guint8 *data,
				 gsize len,
				 TokSecret *passphrase,
				 TokSecret *file_key,
				 GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
const gchar *
tks_key_store_file_get_path(TksKeyStoreFile *self) TOK_NONNULL(1);

G_END_DECLS
