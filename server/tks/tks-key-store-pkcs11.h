/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TksKeyStorePkcs11: a TksKeyStore on a PKCS#11 token (an HSM; SoftHSM2 in the tests).
 *
 * Spec (tks_key_store_open): "pkcs11:MODULE?token=LABEL[&export=wrap|none]": MODULE the path
 * of the PKCS#11 library, LABEL the token label (both %-escaped where needed); the secret is
 * the token's user PIN. export=wrap makes master keys created through this store handle
 * extractable, wrapped only (see "Export"); the default, none, keeps them in the token.
 *
 * The module is loaded with GModule and initialised with CKF_OS_LOCKING_OK once per process
 * however many stores use it (the last one finalises it); the token is found by its label;
 * the store keeps one read/write session logged in as the user, serialised by a mutex (every
 * method is thread-safe). A session the token dropped is reopened by the next call.
 *
 * Token objects: CKO_SECRET_KEY, CKA_TOKEN, CKA_PRIVATE, labelled "<key set>#<VV>" (VV the
 * version in two uppercase hex digits, tks_key_store_pkcs11_label()), told apart by CKA_ID:
 *   "master"       the master key: CKK_DES2 (DES3) or CKK_AES, CKA_SENSITIVE, not
 *                  extractable unless export=wrap, CKA_ENCRYPT (VISA2/EMV, KCV), CKA_SIGN for
 *                  AES (CMAC); no decrypt, wrap, unwrap or derive.
 *   "master-hmac"  its HMAC key for NIST SP 800-108: CKK_GENERIC_SECRET, sensitive, never
 *                  extractable, CKA_SIGN only, holding the master zero-padded to 32 bytes.
 *                  HMAC pads keys shorter than its 64-byte block with zeros (RFC 2104), so the
 *                  result is that of the bare master; the padding is needed because tokens
 *                  (SoftHSM 2.6 among them) refuse HMAC-SHA256 keys shorter than 32 bytes.
 *   "developer-des3" | "developer-aes128" | "developer-aes256"   a developer key set: one
 *                  CKK_GENERIC_SECRET holding ENC || MAC || KEK, not sensitive, extractable:
 *                  developer keys are public knowledge (40..4F), like per-card keys.
 * Objects with other labels or IDs belong to somebody else and are ignored.
 *
 * Operations:
 *  - import_key: C_CreateObject. import_wrapped: tks_key_unwrap_pad() here (the caller holds
 *    the transport key in this process anyway), the KCVs checked, then as import_key.
 *  - generate_key: C_GenerateKey in the token (CKM_DES2_KEY_GEN without CKA_VALUE_LEN,
 *    CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN for developer sets). DES3 masters cannot be
 *    used with CKM_SHA256_HMAC, and no mechanism of SoftHSM 2.6 (no CONCATENATE, unwrap of
 *    RFC 3394/5649 only) turns a key inside the token into its zero-padded HMAC twin, so a
 *    generated master gets its HMAC key only with export=wrap (the value then passes through
 *    this process once, as an imported one does); without it NIST SP 800-108 on a generated
 *    master is TKS_ERROR_NOT_SUPPORTED and VISA2, EMV and GPKMC work.
 *  - KCVs of masters are computed in the token: C_Encrypt CKM_DES3_ECB of 00 x 8, CKM_AES_CBC
 *    (IV 0) of 01 x 16; those of developer sets from their value.
 *  - derive_card_keys of a master, in the token: VISA2/EMV = C_Encrypt CKM_DES3_ECB of the
 *    diversification data; NIST SP 800-108 = C_Sign CKM_SHA256_HMAC with the HMAC key;
 *    GPKMC = C_Sign CKM_AES_CMAC. Only the per-card keys leave the token. Method "none"
 *    returns the master itself: only for masters created with export=wrap, else
 *    TKS_ERROR_NOT_SUPPORTED. Developer sets are derived with tok_gp_key_set_derive().
 *  - Export: a master created with export=wrap (CKA_EXTRACTABLE, still CKA_SENSITIVE) with
 *    C_WrapKey CKM_AES_KEY_WRAP_PAD under the transport key, imported for the occasion as a
 *    session object (RFC 5649: the bytes of tks_key_wrap_pad()); any other master is
 *    TKS_ERROR_NOT_SUPPORTED. Developer sets with tks_key_wrap_pad().
 *
 * Errors: every failed PKCS#11 call is a TKS_ERROR whose message names the call and the CKR_
 * value: CKR_PIN_* are TKS_ERROR_WRONG_PASSPHRASE, mechanisms, key types and sizes the token
 * refuses TKS_ERROR_NOT_SUPPORTED, the rest TKS_ERROR_BACKEND. A module that does not load or
 * a token label that is not there is TKS_ERROR_CONFIG.
 */
#pragma once

#include <glib-object.h>

#include "tks-key-store.h"
#include "tok-macros.h"
#include "tok-secret.h"

G_BEGIN_DECLS

#define TKS_TYPE_KEY_STORE_PKCS11 (tks_key_store_pkcs11_get_type())
G_DECLARE_FINAL_TYPE(TksKeyStorePkcs11, tks_key_store_pkcs11, TKS, KEY_STORE_PKCS11, GObject)

typedef enum {
	TKS_KEY_STORE_PKCS11_FLAG_NONE = 0,
	/* Master keys created through this handle are extractable (wrapped only). */
	TKS_KEY_STORE_PKCS11_FLAG_EXPORTABLE = 1 << 0,
} TksKeyStorePkcs11Flags;

/* CKA_ID values of the objects (see above); developer sets append the type name. */
#define TKS_KEY_STORE_PKCS11_ID_MASTER	    "master"
#define TKS_KEY_STORE_PKCS11_ID_MASTER_HMAC "master-hmac"
#define TKS_KEY_STORE_PKCS11_ID_DEVELOPER   "developer-"

/* Loads @module_path, finds the token labelled @token_label and logs in with @pin (NULL only
 * for a token that needs no login). */
TksKeyStorePkcs11 *
tks_key_store_pkcs11_new(const gchar *module_path,
			 const gchar *token_label,
			 TokSecret *pin,
			 TksKeyStorePkcs11Flags flags,
			 GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The hook of tks_key_store_open(): parses @spec (see above); @secret is the user PIN;
 * @flags are ignored (a token needs no creating). */
TksKeyStore *
tks_key_store_pkcs11_open(const gchar *spec, TokSecret *secret, TksKeyStoreOpenFlags flags, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

/* The CKA_LABEL of the objects of key (@key_set, @version): "<key set>#<VV>". */
gchar *
tks_key_store_pkcs11_label(const gchar *key_set, guint8 version) G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1);

/* "CKR_PIN_INCORRECT" for a CK_RV value; NULL for a value without a name. */
const gchar *
tks_key_store_pkcs11_rv_to_string(gulong rv);

G_END_DECLS
