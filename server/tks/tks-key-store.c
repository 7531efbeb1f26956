/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-store.h"

#include <openssl/crypto.h>
#include <string.h>

#include "tks-key-store-file.h"
#include "tks-openssl.h"
#include "tks-secret-file.h"
#include "tok-bytes.h"
#include "tok-error.h"
#ifdef TKS_HAVE_PKCS11_STORE
#include "tks-key-store-pkcs11.h"
#endif

/* ---- kinds, types, names ------------------------------------------------------------ */

const gchar *
tks_key_kind_to_string(TksKeyKind kind)
{
	switch (kind) {
	case TKS_KEY_KIND_MASTER:
		return "master";
	case TKS_KEY_KIND_DEVELOPER:
		return "developer";
	}
	return NULL;
}

gboolean
tks_key_kind_from_string(const gchar *str, TksKeyKind *kind)
{
	if (g_strcmp0(str, "master") == 0) {
		*kind = TKS_KEY_KIND_MASTER;
		return TRUE;
	}
	if (g_strcmp0(str, "developer") == 0) {
		*kind = TKS_KEY_KIND_DEVELOPER;
		return TRUE;
	}
	return FALSE;
}

const gchar *
tks_key_type_to_string(TksKeyType type)
{
	switch (type) {
	case TKS_KEY_TYPE_DES3:
		return "des3";
	case TKS_KEY_TYPE_AES128:
		return "aes128";
	case TKS_KEY_TYPE_AES256:
		return "aes256";
	}
	return NULL;
}

gboolean
tks_key_type_from_string(const gchar *str, TksKeyType *type)
{
	const TksKeyType all[] = {TKS_KEY_TYPE_DES3, TKS_KEY_TYPE_AES128, TKS_KEY_TYPE_AES256};
	for (guint i = 0; i < G_N_ELEMENTS(all); i++) {
		if (str != NULL && g_ascii_strcasecmp(str, tks_key_type_to_string(all[i])) == 0) {
			*type = all[i];
			return TRUE;
		}
	}
	return FALSE;
}

gsize
tks_key_type_get_key_length(TksKeyType type)
{
	switch (type) {
	case TKS_KEY_TYPE_DES3:
	case TKS_KEY_TYPE_AES128:
		return 16;
	case TKS_KEY_TYPE_AES256:
		return 32;
	}
	return 0;
}

TokGpKeyType
tks_key_type_to_gp(TksKeyType type)
{
	return type == TKS_KEY_TYPE_DES3 ? TOK_GP_KEY_TYPE_DES3 : TOK_GP_KEY_TYPE_AES;
}

guint
tks_key_kind_get_n_keys(TksKeyKind kind)
{
	return kind == TKS_KEY_KIND_DEVELOPER ? 3 : 1;
}

gsize
tks_key_value_length(TksKeyKind kind, TksKeyType type)
{
	if (tks_key_kind_to_string(kind) == NULL)
		return 0;
	return tks_key_type_get_key_length(type) * tks_key_kind_get_n_keys(kind);
}

gboolean
tks_key_set_name_is_valid(const gchar *name)
{
	gsize len;

	if (name == NULL)
		return FALSE;
	len = strlen(name);
	if (len == 0 || len > TKS_KEY_SET_NAME_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
			return FALSE;
	}
	return TRUE;
}

gboolean
tks_key_check_address(const gchar *key_set, guint version, GError **error)
{
	if (!tks_key_set_name_is_valid(key_set)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "invalid key set name \"%s\" (1..%d of A-Z a-z 0-9 _ . -)",
			    key_set != NULL && g_utf8_validate(key_set, -1, NULL) ? key_set : "?",
			    TKS_KEY_SET_NAME_MAX);
		return FALSE;
	}
	if (version < 0x01 || version > 0xFF) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "invalid key version %u for key set %s (must be 01..FF)",
			    version,
			    key_set);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tks_key_check_kind_type(TksKeyKind kind, TksKeyType type, GError **error)
{
	if (tks_key_kind_to_string(kind) == NULL || tks_key_type_to_string(type) == NULL) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "invalid key kind %d or type %d",
			    (gint)kind,
			    (gint)type);
		return FALSE;
	}
	return TRUE;
}

/* ---- TksKeyInfo --------------------------------------------------------------------- */

struct _TksKeyInfo {
	gchar *key_set;
	guint8 version;
	TksKeyKind kind;
	TksKeyType type;
	guint8 kcvs[3 * TKS_KCV_SIZE];
};

G_DEFINE_BOXED_TYPE(TksKeyInfo, tks_key_info, tks_key_info_copy, tks_key_info_free)

TksKeyInfo *
tks_key_info_new(const gchar *key_set, guint8 version, TksKeyKind kind, TksKeyType type, const guint8 *kcvs)
{
	TksKeyInfo *info = g_new0(TksKeyInfo, 1);
	guint n = tks_key_kind_get_n_keys(kind) * TKS_KCV_SIZE;

	info->key_set = g_strdup(key_set);
	info->version = version;
	info->kind = kind;
	info->type = type;
	for (guint i = 0; i < n; i++)
		info->kcvs[i] = kcvs[i];
	return info;
}

TksKeyInfo *
tks_key_info_copy(const TksKeyInfo *info)
{
	return tks_key_info_new(info->key_set, info->version, info->kind, info->type, info->kcvs);
}

void
tks_key_info_free(TksKeyInfo *info)
{
	if (info == NULL)
		return;
	g_free(info->key_set);
	g_free(info);
}

const gchar *
tks_key_info_get_key_set(const TksKeyInfo *info)
{
	return info->key_set;
}

guint8
tks_key_info_get_version(const TksKeyInfo *info)
{
	return info->version;
}

TksKeyKind
tks_key_info_get_kind(const TksKeyInfo *info)
{
	return info->kind;
}

TksKeyType
tks_key_info_get_key_type(const TksKeyInfo *info)
{
	return info->type;
}

const guint8 *
tks_key_info_get_kcv(const TksKeyInfo *info, guint index)
{
	if (index >= tks_key_kind_get_n_keys(info->kind))
		return NULL;
	return info->kcvs + index * TKS_KCV_SIZE;
}

gchar *
tks_key_info_get_kcv_hex(const TksKeyInfo *info)
{
	g_autoptr(GString) str = g_string_new(NULL);
	for (guint i = 0; i < tks_key_kind_get_n_keys(info->kind); i++) {
		g_autofree gchar *hex = tok_hex_encode(info->kcvs + i * TKS_KCV_SIZE, TKS_KCV_SIZE, TRUE);
		if (i > 0)
			g_string_append_c(str, ' ');
		g_string_append(str, hex);
	}
	return g_string_free(g_steal_pointer(&str), FALSE);
}

gboolean
tks_key_info_equal(const TksKeyInfo *a, const TksKeyInfo *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (g_strcmp0(a->key_set, b->key_set) != 0 || a->version != b->version || a->kind != b->kind ||
	    a->type != b->type)
		return FALSE;
	for (guint i = 0; i < tks_key_kind_get_n_keys(a->kind) * TKS_KCV_SIZE; i++) {
		if (a->kcvs[i] != b->kcvs[i])
			return FALSE;
	}
	return TRUE;
}

gint
tks_key_info_compare(const TksKeyInfo *a, const TksKeyInfo *b)
{
	gint rc = g_strcmp0(a->key_set, b->key_set);
	if (rc != 0)
		return rc;
	return (gint)a->version - (gint)b->version;
}

gboolean
tks_key_value_compute_kcvs(TokGpCrypto *crypto,
			   TksKeyKind kind,
			   TksKeyType type,
			   TokSecret *value,
			   guint8 out[3 * TKS_KCV_SIZE],
			   GError **error)
{
	gsize want = tks_key_value_length(kind, type);
	gsize klen = tks_key_type_get_key_length(type);
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(value, &len);

	if (want == 0 || len != want) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "a %s %s key value has %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
			    tks_key_type_to_string(type) != NULL ? tks_key_type_to_string(type) : "?",
			    tks_key_kind_to_string(kind) != NULL ? tks_key_kind_to_string(kind) : "?",
			    want,
			    len);
		return FALSE;
	}
	for (guint i = 0; i < tks_key_kind_get_n_keys(kind); i++) {
		gboolean ok = type == TKS_KEY_TYPE_DES3
				  ? tok_gp_crypto_kcv_des(crypto, data + i * klen, klen, out + i * TKS_KCV_SIZE, error)
				  : tok_gp_crypto_kcv_aes(crypto, data + i * klen, klen, out + i * TKS_KCV_SIZE, error);
		if (!ok) {
			g_prefix_error(error, "key check value: ");
			return FALSE;
		}
	}
	return TRUE;
}

/* ---- RFC 5649 ----------------------------------------------------------------------- */

static gboolean
tks_key_wrap_check_transport(TokSecret *transport_key, GError **error)
{
	if (transport_key == NULL || tok_secret_get_size(transport_key) != TKS_TRANSPORT_KEY_SIZE) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "the transport key must be a %d-byte AES-256 key",
			    TKS_TRANSPORT_KEY_SIZE);
		return FALSE;
	}
	return TRUE;
}

/* One AES-256-WRAP-PAD pass (@encrypt: wrap) of @in into a wiped array. */
static GByteArray *
tks_key_wrap_run(TokSecret *transport_key, gboolean encrypt, const guint8 *in, gsize len, GError **error)
{
	g_autoptr(EVP_CIPHER) cipher = EVP_CIPHER_fetch(NULL, "AES-256-WRAP-PAD", NULL);
	g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new();
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	int outl = 0;
	int finl = 0;

	if (cipher == NULL || ctx == NULL) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_BACKEND, "AES-256 key wrap with padding is not available");
		return NULL;
	}
	g_byte_array_set_size(out, (guint)(len + 16));
	if (EVP_CipherInit_ex2(ctx, cipher, tok_secret_get_data(transport_key, NULL), NULL, encrypt ? 1 : 0, NULL) != 1 ||
	    EVP_CipherUpdate(ctx, out->data, &outl, in, (int)len) != 1 || outl < 0 ||
	    EVP_CipherFinal_ex(ctx, out->data + outl, &finl) != 1) {
		if (encrypt) {
			g_set_error_literal(error, TKS_ERROR, TKS_ERROR_BACKEND, "AES key wrap failed");
		} else {
			g_set_error_literal(error,
					    TKS_ERROR,
					    TKS_ERROR_CHECK_VALUE,
					    "the wrapped key does not unwrap: wrong transport key or damaged data");
		}
		return NULL;
	}
	g_byte_array_set_size(out, (guint)(outl + finl));
	return g_steal_pointer(&out);
}

GBytes *
tks_key_wrap_pad(TokSecret *transport_key, TokSecret *value, GError **error)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(value, &len);
	GByteArray *out;

	if (!tks_key_wrap_check_transport(transport_key, error))
		return NULL;
	if (len == 0 || len > TKS_KEY_VALUE_MAX) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "cannot wrap a key value of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	out = tks_key_wrap_run(transport_key, TRUE, data, len, error);
	if (out == NULL)
		return NULL;
	return g_byte_array_free_to_bytes(out);
}

TokSecret *
tks_key_unwrap_pad(TokSecret *transport_key, GBytes *wrapped, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(wrapped, &len);
	g_autoptr(TokWipedByteArray) out = NULL;

	if (!tks_key_wrap_check_transport(transport_key, error))
		return NULL;
	if (len < 16 || len % 8 != 0 || len > TKS_KEY_VALUE_MAX + 16) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_DATA,
			    "a wrapped key of %" G_GSIZE_FORMAT " bytes is not valid (16..%d, a multiple of 8)",
			    len,
			    TKS_KEY_VALUE_MAX + 16);
		return NULL;
	}
	out = tks_key_wrap_run(transport_key, FALSE, data, len, error);
	if (out == NULL)
		return NULL;
	return tok_secret_new_from_data(out->data, out->len);
}

/* ---- the interface ------------------------------------------------------------------ */

G_DEFINE_INTERFACE(TksKeyStore, tks_key_store, G_TYPE_OBJECT)

static void
tks_key_store_default_init(TksKeyStoreInterface *iface)
{
}

static gboolean
tks_key_store_has(TksKeyStore *self, gpointer vfunc, const gchar *what, GError **error)
{
	if (vfunc == NULL) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_NOT_SUPPORTED,
			    "the %s key store cannot %s",
			    G_OBJECT_TYPE_NAME(self),
			    what);
		return FALSE;
	}
	return TRUE;
}

GPtrArray *
tks_key_store_list_keys(TksKeyStore *self, GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->list_keys, "list keys", error))
		return NULL;
	return iface->list_keys(self, error);
}

TksKeyInfo *
tks_key_store_lookup_key(TksKeyStore *self, const gchar *key_set, guint version, GError **error)
{
	TksKeyStoreInterface *iface;
	g_autoptr(GPtrArray) keys = NULL;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	if (!tks_key_check_address(key_set, version, error))
		return NULL;
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (iface->lookup_key != NULL)
		return iface->lookup_key(self, key_set, (guint8)version, error);
	keys = tks_key_store_list_keys(self, error);
	if (keys == NULL)
		return NULL;
	for (guint i = 0; i < keys->len; i++) {
		TksKeyInfo *info = g_ptr_array_index(keys, i);
		if (g_strcmp0(info->key_set, key_set) == 0 && info->version == version)
			return tks_key_info_copy(info);
	}
	g_set_error(error,
		    TKS_ERROR,
		    TKS_ERROR_NOT_FOUND,
		    "no key %s version %02X in the key store",
		    key_set,
		    version);
	return NULL;
}

static gboolean
tks_key_store_check_value(TksKeyKind kind, TksKeyType type, TokSecret *value, GError **error)
{
	gsize want = tks_key_value_length(kind, type);
	if (value == NULL || tok_secret_get_size(value) != want) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "a %s %s key value must have %" G_GSIZE_FORMAT " bytes, not %" G_GSIZE_FORMAT,
			    tks_key_type_to_string(type),
			    tks_key_kind_to_string(kind),
			    want,
			    value != NULL ? tok_secret_get_size(value) : 0);
		return FALSE;
	}
	return TRUE;
}

TksKeyInfo *
tks_key_store_import_key(TksKeyStore *self,
			 const gchar *key_set,
			 guint version,
			 TksKeyKind kind,
			 TksKeyType type,
			 TokSecret *value,
			 GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	if (!tks_key_check_address(key_set, version, error) ||
	    !tks_key_check_kind_type(kind, type, error) ||
	    !tks_key_store_check_value(kind, type, value, error))
		return NULL;
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->import_key, "import keys", error))
		return NULL;
	return iface->import_key(self, key_set, (guint8)version, kind, type, value, error);
}

TksKeyInfo *
tks_key_store_generate_key(TksKeyStore *self,
			   const gchar *key_set,
			   guint version,
			   TksKeyKind kind,
			   TksKeyType type,
			   GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	if (!tks_key_check_address(key_set, version, error) || !tks_key_check_kind_type(kind, type, error))
		return NULL;
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->generate_key, "generate keys", error))
		return NULL;
	return iface->generate_key(self, key_set, (guint8)version, kind, type, error);
}

gboolean
tks_key_store_delete_key(TksKeyStore *self, const gchar *key_set, guint version, GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), FALSE);
	if (!tks_key_check_address(key_set, version, error))
		return FALSE;
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->delete_key, "delete keys", error))
		return FALSE;
	return iface->delete_key(self, key_set, (guint8)version, error);
}

TokGpKeySet *
tks_key_store_derive_card_keys(TksKeyStore *self,
			       const gchar *key_set,
			       guint version,
			       const TksDeriveParams *params,
			       GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	if (!tks_key_check_address(key_set, version, error))
		return NULL;
	if (params == NULL || params->method < TOK_GP_DIVERSIFY_NONE ||
	    params->method > TOK_GP_DIVERSIFY_GPKMC ||
	    (params->result_type != TOK_GP_KEY_TYPE_DES3 && params->result_type != TOK_GP_KEY_TYPE_AES)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "invalid derivation parameters for key set %s version %02X",
			    key_set,
			    version);
		return NULL;
	}
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->derive_card_keys, "derive card keys", error))
		return NULL;
	return iface->derive_card_keys(self, key_set, (guint8)version, params, error);
}

GBytes *
tks_key_store_export_wrapped(TksKeyStore *self,
			     const gchar *key_set,
			     guint version,
			     TokSecret *transport_key,
			     GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	if (!tks_key_check_address(key_set, version, error) ||
	    !tks_key_wrap_check_transport(transport_key, error))
		return NULL;
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->export_wrapped, "export keys", error))
		return NULL;
	return iface->export_wrapped(self, key_set, (guint8)version, transport_key, error);
}

TksKeyInfo *
tks_key_store_import_wrapped(TksKeyStore *self,
			     const TksKeyInfo *info,
			     TokSecret *transport_key,
			     GBytes *wrapped,
			     GError **error)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	if (info == NULL || wrapped == NULL) {
		g_set_error_literal(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "importing a wrapped key needs its description and data");
		return NULL;
	}
	if (!tks_key_check_address(info->key_set, info->version, error) ||
	    !tks_key_check_kind_type(info->kind, info->type, error) ||
	    !tks_key_wrap_check_transport(transport_key, error))
		return NULL;
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (!tks_key_store_has(self, iface->import_wrapped, "import wrapped keys", error))
		return NULL;
	return iface->import_wrapped(self, info, transport_key, wrapped, error);
}

gchar *
tks_key_store_describe(TksKeyStore *self)
{
	TksKeyStoreInterface *iface;

	g_return_val_if_fail(TKS_IS_KEY_STORE(self), NULL);
	iface = TKS_KEY_STORE_GET_IFACE(self);
	if (iface->describe != NULL)
		return iface->describe(self);
	return g_strdup(G_OBJECT_TYPE_NAME(self));
}

/* ---- the factory -------------------------------------------------------------------- */

TksKeyStore *
tks_key_store_open(const gchar *spec,
		   TokSecret *secret,
		   const gchar *key_file,
		   TksKeyStoreOpenFlags flags,
		   GError **error)
{
	const gchar *path = spec;
	g_autoptr(TokSecret) file_key = NULL;

	if (g_str_has_prefix(spec, "pkcs11:")) {
#ifdef TKS_HAVE_PKCS11_STORE
		return tks_key_store_pkcs11_open(spec, secret, flags, error);
#else
		g_set_error_literal(error,
				    TKS_ERROR,
				    TKS_ERROR_NOT_SUPPORTED,
				    "this build has no PKCS#11 key store");
		return NULL;
#endif
	}
	if (g_str_has_prefix(spec, "file:"))
		path = spec + strlen("file:");
	if (*path == '\0') {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "empty key store path");
		return NULL;
	}
	if ((secret == NULL) == (key_file == NULL)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "key store %s: give either a passphrase or a key file",
			    path);
		return NULL;
	}
	if (key_file != NULL) {
		file_key = tks_secret_file_read_key(key_file, TKS_KEY_STORE_FILE_KEY_SIZE, error);
		if (file_key == NULL)
			return NULL;
	}
	if (flags & TKS_KEY_STORE_OPEN_CREATE)
		return TKS_KEY_STORE(tks_key_store_file_create(path, secret, file_key, NULL, error));
	return TKS_KEY_STORE(tks_key_store_file_open(path, secret, file_key, error));
}
