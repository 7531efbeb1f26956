/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TksKeyStore: where the TKS keeps its keys. The TKS is the only owner of master keys and
 * this interface is the only way to them: no method returns a master key in clear. What
 * comes out is what the TPS needs (card static keys derived for one card), a key check value,
 * or a key wrapped under a transport key for a key ceremony.
 *
 * Keys are addressed by (key set name, key version 0x01..0xFF); at most one key per address.
 * A key is either
 *  - TKS_KEY_KIND_MASTER: one key (DES3: 16 bytes two-key triple DES, AES-128: 16,
 *    AES-256: 32) from which card keys are diversified; or
 *  - TKS_KEY_KIND_DEVELOPER: a vendor's developer/factory key set, three keys of the type
 *    stored as one value ENC || MAC || KEK (48 bytes for DES3 / AES-128, 96 for AES-256).
 * The "value" of a key (what import_key takes and what is wrapped for export) is exactly
 * that: the master key bytes, or ENC || MAC || KEK. See tks_key_value_length().
 *
 * Key check values (KCV, 3 bytes): DES3 = DES-ECB(key, 00 x 8)[0..2], AES =
 * AES-CBC(key, IV 0, 01 x 16)[0..2] (tok_gp_crypto_kcv_des/_aes). A master key has one KCV, a
 * developer key set three (ENC, MAC, KEK).
 *
 * Export/import for key ceremonies: the value is wrapped with AES key wrap with padding
 * (RFC 5649; OpenSSL "id-aes256-wrap-pad", PKCS#11 CKM_AES_KEY_WRAP_PAD) under a 32-byte
 * AES-256 transport key, with the default alternative IV A65959A6. The metadata (key set,
 * version, kind, type, KCVs) travel beside the wrapped value as a TksKeyInfo; import checks
 * the KCVs of the unwrapped value (TKS_ERROR_CHECK_VALUE on mismatch). tks_key_wrap_pad()
 * and tks_key_unwrap_pad() are the software reference of that format.
 *
 * Derivation (derive_card_keys) runs inside the store: a software store calls
 * tok_gp_key_set_derive() with the master; a PKCS#11 store may do VISA2/EMV with C_Encrypt
 * (CKM_DES3_ECB), NIST SP 800-108 with CKM_SHA256_HMAC and GPKMC with CKM_AES_CMAC without the
 * master leaving the token. For a DEVELOPER key set, each of the three card keys is derived
 * from its own component (ENC from ENC, ...) with the same method; method NONE returns the
 * three components as they are.
 *
 * Threading: every method is BLOCKING (file I/O, PKCS#11 calls) and must only be called from
 * worker threads or tools, never from a main loop (the TPS calls the TKS through
 * TksService's _async wrappers, which run in GTask threads). Implementations must be safe to
 * call from several threads at once (a store serialises internally as it needs).
 *
 * Errors: TKS_ERROR codes (tks-error.h): NOT_FOUND for a missing key, EXISTS for an occupied
 * address, INVALID_ARGUMENT for a bad name/version/value length, CHECK_VALUE for a KCV
 * mismatch on import, NOT_SUPPORTED for what a store cannot do, WRONG_PASSPHRASE for a wrong
 * passphrase/key file/PIN or a damaged file, BACKEND for I/O and library failures.
 *
 * Opening a store: tks_key_store_open() is the one factory (tkstool and the TPS/TKS use it):
 *  - "FILE" or "file:FILE": TksKeyStoreFile (tks-key-store-file.h), an encrypted key file;
 *  - "pkcs11:MODULE?token=LABEL": the PKCS#11 store. tks-key-store.c dispatches to
 *        TksKeyStore *tks_key_store_pkcs11_open(const gchar *spec, TokSecret *secret,
 *                                               TksKeyStoreOpenFlags flags, GError **error);
 *    declared in tks-key-store-pkcs11.h (the PKCS#11 store's header, not this one), built
 *    only when that file exists (meson defines TKS_HAVE_PKCS11_STORE).
 */
/* interface: stable */
#pragma once

#include <glib-object.h>

#include "tks-error.h"
#include "tok-gp-keys.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TKS_KEY_SET_NAME_MAX	 64 /* key set names: [A-Za-z0-9_.-]{1,64} */
#define TKS_KCV_SIZE		 3
#define TKS_TRANSPORT_KEY_SIZE	 32 /* AES-256 */
#define TKS_KEY_VALUE_MAX	 96 /* AES-256 developer key set */
#define TKS_DEVELOPER_KEY_VERSION 0x01
#define TKS_FACTORY_KEY_VERSION	 0xFF

typedef enum {
	TKS_KEY_KIND_MASTER,
	TKS_KEY_KIND_DEVELOPER,
} TksKeyKind;

typedef enum {
	TKS_KEY_TYPE_DES3,   /* two-key triple DES, 16 bytes */
	TKS_KEY_TYPE_AES128, /* 16 bytes */
	TKS_KEY_TYPE_AES256, /* 32 bytes */
} TksKeyType;

/* "master" / "developer"; "des3" / "aes128" / "aes256". NULL for an unknown value. */
const gchar *
tks_key_kind_to_string(TksKeyKind kind);
gboolean
tks_key_kind_from_string(const gchar *str, TksKeyKind *kind);
const gchar *
tks_key_type_to_string(TksKeyType type);
gboolean
tks_key_type_from_string(const gchar *str, TksKeyType *type);
/* Length of one key of @type (16 or 32); 0 for an unknown type. */
gsize
tks_key_type_get_key_length(TksKeyType type);
/* TOK_GP_KEY_TYPE_DES3 or TOK_GP_KEY_TYPE_AES. */
TokGpKeyType
tks_key_type_to_gp(TksKeyType type);
/* Number of keys in a value of @kind: 1 (master) or 3 (developer). */
guint
tks_key_kind_get_n_keys(TksKeyKind kind);
/* Length of a key value: key length x number of keys. */
gsize
tks_key_value_length(TksKeyKind kind, TksKeyType type);
/* TRUE if @name is a valid key set name. */
gboolean
tks_key_set_name_is_valid(const gchar *name);
/* TRUE if @key_set is a valid name and @version is 0x01..0xFF, else
 * TKS_ERROR_INVALID_ARGUMENT with a message naming the bad value. */
gboolean
tks_key_check_address(const gchar *key_set, guint version, GError **error);

/* ---- TksKeyInfo: the public description of one stored key (no key material) --------- */

typedef struct _TksKeyInfo TksKeyInfo;
#define TKS_TYPE_KEY_INFO (tks_key_info_get_type())
GType
tks_key_info_get_type(void);

/* @kcvs: tks_key_kind_get_n_keys(@kind) x 3 bytes (ENC, MAC, KEK for developer keys). */
TksKeyInfo *
tks_key_info_new(const gchar *key_set, guint8 version, TksKeyKind kind, TksKeyType type, const guint8 *kcvs)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 5);
TksKeyInfo *
tks_key_info_copy(const TksKeyInfo *info) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
void
tks_key_info_free(TksKeyInfo *info);
const gchar *
tks_key_info_get_key_set(const TksKeyInfo *info) TOK_NONNULL(1);
guint8
tks_key_info_get_version(const TksKeyInfo *info) TOK_NONNULL(1);
TksKeyKind
tks_key_info_get_kind(const TksKeyInfo *info) TOK_NONNULL(1);
TksKeyType
tks_key_info_get_key_type(const TksKeyInfo *info) TOK_NONNULL(1);
/* KCV of key @index (0 for a master key; 0 ENC, 1 MAC, 2 KEK for a developer key set): 3
 * bytes, borrowed; NULL if @index is out of range. */
const guint8 *
tks_key_info_get_kcv(const TksKeyInfo *info, guint index) TOK_NONNULL(1);
/* "A1B2C3" or "A1B2C3 D4E5F6 070809" (uppercase hex, developer KCVs space-separated). */
gchar *
tks_key_info_get_kcv_hex(const TksKeyInfo *info) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Equal in every field. */
gboolean
tks_key_info_equal(const TksKeyInfo *a, const TksKeyInfo *b);
/* Orders by key set name, then version (for listings). */
gint
tks_key_info_compare(const TksKeyInfo *a, const TksKeyInfo *b);

/* The KCVs of a key value of @kind/@type (tks_key_kind_get_n_keys() x 3 bytes into @out).
 * TKS_ERROR_INVALID_ARGUMENT if @value has the wrong length. */
gboolean
tks_key_value_compute_kcvs(TokGpCrypto *crypto,
			   TksKeyKind kind,
			   TksKeyType type,
			   TokSecret *value,
			   guint8 out[3 * TKS_KCV_SIZE],
			   GError **error) TOK_NONNULL(1, 4, 5);

/* ---- RFC 5649 (AES key wrap with padding) in software ------------------------------- */

/* @transport_key: 32 bytes. Returns the wrapped value (len rounded up to 8, + 8). */
GBytes *
tks_key_wrap_pad(TokSecret *transport_key, TokSecret *value, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* The integrity check failing (wrong transport key, damaged data) is TKS_ERROR_CHECK_VALUE. */
TokSecret *
tks_key_unwrap_pad(TokSecret *transport_key, GBytes *wrapped, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* ---- derivation parameters ---------------------------------------------------------- */

typedef struct {
	TokGpDiversification method; /* NONE, VISA2, EMV, NIST_SP800_108, GPKMC */
	TokGpKeyType result_type;    /* DES3 (SCP01/02) or AES (SCP03: VISA2/EMV give AES-128) */
	guint8 kdd[TOK_GP_KDD_SIZE]; /* key diversification data (VISA2, EMV, NIST context) */
	guint8 cuid[TOK_GP_CUID_SIZE]; /* CUID (GPKMC; NIST context if context_is_cuid) */
	gboolean context_is_cuid;    /* NIST SP 800-108: CUID instead of KDD as context */
} TksDeriveParams;

/* ---- the interface ------------------------------------------------------------------ */

#define TKS_TYPE_KEY_STORE (tks_key_store_get_type())
G_DECLARE_INTERFACE(TksKeyStore, tks_key_store, TKS, KEY_STORE, GObject)

struct _TksKeyStoreInterface {
	GTypeInterface parent_iface;

	/* All keys, as TksKeyInfo (element free function set), in any order. */
	GPtrArray *(*list_keys)(TksKeyStore *self, GError **error);
	/* Stores @value (tks_key_value_length() bytes) at (@key_set, @version); EXISTS if the
	 * address is taken. Returns the new key's info (with its KCVs). */
	TksKeyInfo *(*import_key)(TksKeyStore *self,
				  const gchar *key_set,
				  guint8 version,
				  TksKeyKind kind,
				  TksKeyType type,
				  TokSecret *value,
				  GError **error);
	/* Generates a random key inside the store; the value never leaves it. */
	TksKeyInfo *(*generate_key)(TksKeyStore *self,
				    const gchar *key_set,
				    guint8 version,
				    TksKeyKind kind,
				    TksKeyType type,
				    GError **error);
	/* NOT_FOUND if there is no such key. */
	gboolean (*delete_key)(TksKeyStore *self, const gchar *key_set, guint8 version, GError **error);
	/* The card static keys of one card (see the top of this file). */
	TokGpKeySet *(*derive_card_keys)(TksKeyStore *self,
					 const gchar *key_set,
					 guint8 version,
					 const TksDeriveParams *params,
					 GError **error);
	/* The key value wrapped with RFC 5649 under @transport_key (32 bytes). */
	GBytes *(*export_wrapped)(TksKeyStore *self,
				  const gchar *key_set,
				  guint8 version,
				  TokSecret *transport_key,
				  GError **error);
	/* Unwraps @wrapped, checks it against the KCVs of @info and stores it at @info's
	 * address (EXISTS if taken). Returns the stored key's info. */
	TksKeyInfo *(*import_wrapped)(TksKeyStore *self,
				      const TksKeyInfo *info,
				      TokSecret *transport_key,
				      GBytes *wrapped,
				      GError **error);
	/* Optional: the info of one key (default: searches list_keys). */
	TksKeyInfo *(*lookup_key)(TksKeyStore *self, const gchar *key_set, guint8 version, GError **error);
	/* Optional: a human description for logs ("file /path", "pkcs11 token LABEL"). */
	gchar *(*describe)(TksKeyStore *self);

	gpointer padding[12];
};

/* The wrappers validate the arguments (key set name, version 1..FF, kind, type, value
 * length, transport key length) before calling the implementation, so implementations may
 * rely on them. */
GPtrArray *
tks_key_store_list_keys(TksKeyStore *self, GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TksKeyInfo *
tks_key_store_lookup_key(TksKeyStore *self, const gchar *key_set, guint version, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TksKeyInfo *
tks_key_store_import_key(TksKeyStore *self,
			 const gchar *key_set,
			 guint version,
			 TksKeyKind kind,
			 TksKeyType type,
			 TokSecret *value,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TksKeyInfo *
tks_key_store_generate_key(TksKeyStore *self,
			   const gchar *key_set,
			   guint version,
			   TksKeyKind kind,
			   TksKeyType type,
			   GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
gboolean
tks_key_store_delete_key(TksKeyStore *self, const gchar *key_set, guint version, GError **error)
    TOK_NONNULL(1);
TokGpKeySet *
tks_key_store_derive_card_keys(TksKeyStore *self,
			       const gchar *key_set,
			       guint version,
			       const TksDeriveParams *params,
			       GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
GBytes *
tks_key_store_export_wrapped(TksKeyStore *self,
			     const gchar *key_set,
			     guint version,
			     TokSecret *transport_key,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
TksKeyInfo *
tks_key_store_import_wrapped(TksKeyStore *self,
			     const TksKeyInfo *info,
			     TokSecret *transport_key,
			     GBytes *wrapped,
			     GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);
/* Never NULL. */
gchar *
tks_key_store_describe(TksKeyStore *self) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* ---- the factory -------------------------------------------------------------------- */

typedef enum {
	TKS_KEY_STORE_OPEN_NONE = 0,
	/* Create a new, empty store (file: EXISTS if the file is there; PKCS#11: no-op). */
	TKS_KEY_STORE_OPEN_CREATE = 1 << 0,
} TksKeyStoreOpenFlags;

/* Opens the store named by @spec (see the top of this file). @secret: the file store's
 * passphrase, or the PKCS#11 token's user PIN; @key_file: the file store's 32-byte key file
 * instead of a passphrase (exactly one of @secret / @key_file for the file store). */
TksKeyStore *
tks_key_store_open(const gchar *spec,
		   TokSecret *secret,
		   const gchar *key_file,
		   TksKeyStoreOpenFlags flags,
		   GError **error) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TksKeyInfo, tks_key_info_free)

G_END_DECLS
