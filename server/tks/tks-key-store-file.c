/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-store-file.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include "tks-openssl.h"
#include "tks-secret-file.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"

#define TKS_FILE_MAGIC	     "TKS-KEYS"
#define TKS_FILE_MAGIC_LEN   8
#define TKS_FILE_FORMAT	     1
#define TKS_FILE_KDF_SCRYPT  1
#define TKS_FILE_KDF_RAW_KEY 2
#define TKS_FILE_SALT_SIZE   16
#define TKS_FILE_NONCE_SIZE  12
#define TKS_FILE_TAG_SIZE    16
#define TKS_SCRYPT_MAX_MEM   ((guint64)1 << 30)

#define TKS_FILE_DAMAGED	    "wrong passphrase or damaged key file"
#define TKS_FILE_DAMAGED_RAW_KEY "wrong key file or damaged key store file"

typedef struct {
	TksKeyInfo *info;
	TokSecret *value;
} TksFileEntry;

struct _TksKeyStoreFile {
	GObject parent_instance;
	GMutex lock;
	gchar *path;
	TokGpCrypto *crypto;
	TokSecret *file_key;
	guint8 kdf;
	guint8 log2_n;
	guint32 r;
	guint32 p;
	guint8 salt[TKS_FILE_SALT_SIZE];
	GPtrArray *entries; /* TksFileEntry */
};

static void
tks_key_store_file_iface_init(TksKeyStoreInterface *iface);

G_DEFINE_TYPE_WITH_CODE(TksKeyStoreFile,
			tks_key_store_file,
			G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(TKS_TYPE_KEY_STORE, tks_key_store_file_iface_init))

static void
tks_file_entry_free(TksFileEntry *entry)
{
	tks_key_info_free(entry->info);
	tok_secret_unref(entry->value);
	g_free(entry);
}

/* ---- crypto helpers ----------------------------------------------------------------- */

static gboolean
tks_scrypt_params_valid(guint8 log2_n, guint32 r, guint32 p)
{
	if (log2_n < 10 || log2_n > 22 || r < 1 || r > 32 || p < 1 || p > 16)
		return FALSE;
	return (guint64)128 * r * ((guint64)1 << log2_n) <= TKS_SCRYPT_MAX_MEM;
}

static TokSecret *
tks_scrypt(TokSecret *passphrase, const guint8 *salt, guint8 log2_n, guint32 r, guint32 p, GError **error)
{
	g_autoptr(EVP_KDF) kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	g_autoptr(EVP_KDF_CTX) ctx = NULL;
	g_autoptr(TokSecret) key = tok_secret_new(TKS_KEY_STORE_FILE_KEY_SIZE);
	gsize pw_len = 0;
	const guint8 *pw = tok_secret_get_data(passphrase, &pw_len);
	uint64_t n = (uint64_t)1 << log2_n;
	uint64_t maxmem = TKS_SCRYPT_MAX_MEM + (TKS_SCRYPT_MAX_MEM >> 4);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pw, pw_len),
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, TKS_FILE_SALT_SIZE),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
	    OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
	    OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
	    OSSL_PARAM_construct_end(),
	};

	if (pw_len == 0) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "empty passphrase");
		return NULL;
	}
	if (kdf != NULL)
		ctx = EVP_KDF_CTX_new(kdf);
	if (ctx == NULL ||
	    EVP_KDF_derive(ctx, tok_secret_get_mutable_data(key), TKS_KEY_STORE_FILE_KEY_SIZE, params) != 1) {
		tok_error_set_openssl(error, "scrypt");
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return NULL;
	}
	return g_steal_pointer(&key);
}

/* AES-256-GCM with @aad; encrypting appends the tag, decrypting checks and strips it. */
static GByteArray *
tks_gcm(TokSecret *key,
	gboolean encrypt,
	const gchar *damaged,
	const guint8 *nonce,
	const guint8 *aad,
	gsize aad_len,
	const guint8 *in,
	gsize len,
	GError **error)
{
	g_autoptr(EVP_CIPHER) cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new();
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	guint8 tag[TKS_FILE_TAG_SIZE] = {0};
	gsize body = len;
	int outl = 0;
	int finl = 0;
	int aadl = 0;
	OSSL_PARAM tag_params[2];

	if (!encrypt) {
		if (len < TKS_FILE_TAG_SIZE) {
			g_set_error_literal(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE, damaged);
			return NULL;
		}
		body = len - TKS_FILE_TAG_SIZE;
		for (gsize i = 0; i < TKS_FILE_TAG_SIZE; i++)
			tag[i] = in[body + i];
	}
	if (cipher == NULL || ctx == NULL || body > G_MAXINT ||
	    EVP_CipherInit_ex2(ctx, cipher, tok_secret_get_data(key, NULL), nonce, encrypt ? 1 : 0, NULL) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &aadl, aad, (int)aad_len) != 1) {
		tok_error_set_openssl(error, "AES-256-GCM");
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return NULL;
	}
	g_byte_array_set_size(out, (guint)(body + TKS_FILE_TAG_SIZE));
	if (!encrypt) {
		tag_params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, sizeof(tag));
		tag_params[1] = OSSL_PARAM_construct_end();
		if (EVP_CIPHER_CTX_set_params(ctx, tag_params) != 1) {
			tok_error_set_openssl(error, "AES-256-GCM tag");
			tks_error_convert(error, TKS_ERROR_BACKEND);
			return NULL;
		}
	}
	if (EVP_CipherUpdate(ctx, out->data, &outl, in, (int)body) != 1 ||
	    EVP_CipherFinal_ex(ctx, out->data + outl, &finl) != 1) {
		if (encrypt) {
			tok_error_set_openssl(error, "AES-256-GCM");
			tks_error_convert(error, TKS_ERROR_BACKEND);
		} else {
			g_set_error_literal(error, TKS_ERROR, TKS_ERROR_WRONG_PASSPHRASE, damaged);
		}
		return NULL;
	}
	g_byte_array_set_size(out, (guint)(outl + finl));
	if (encrypt) {
		tag_params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, sizeof(tag));
		tag_params[1] = OSSL_PARAM_construct_end();
		if (EVP_CIPHER_CTX_get_params(ctx, tag_params) != 1) {
			tok_error_set_openssl(error, "AES-256-GCM tag");
			tks_error_convert(error, TKS_ERROR_BACKEND);
			return NULL;
		}
		g_byte_array_append(out, tag, sizeof(tag));
	}
	return g_steal_pointer(&out);
}

/* ---- serialisation ------------------------------------------------------------------ */

static void
tks_key_store_file_append_header(TksKeyStoreFile *self, GByteArray *out, const guint8 *nonce)
{
	g_byte_array_append(out, (const guint8 *)TKS_FILE_MAGIC, TKS_FILE_MAGIC_LEN);
	tok_byte_array_append_u16_be(out, TKS_FILE_FORMAT);
	tok_byte_array_append_u8(out, self->kdf);
	tok_byte_array_append_u8(out, self->log2_n);
	tok_byte_array_append_u32_be(out, self->r);
	tok_byte_array_append_u32_be(out, self->p);
	g_byte_array_append(out, self->salt, TKS_FILE_SALT_SIZE);
	g_byte_array_append(out, nonce, TKS_FILE_NONCE_SIZE);
}

/* Called with the lock held. */
static gboolean
tks_key_store_file_save(TksKeyStoreFile *self, gboolean create, GError **error)
{
	g_autoptr(TokWipedByteArray) plain = g_byte_array_new();
	g_autoptr(GByteArray) file = g_byte_array_new();
	g_autoptr(TokWipedByteArray) sealed = NULL;
	guint8 nonce[TKS_FILE_NONCE_SIZE];

	tok_byte_array_append_u32_be(plain, self->entries->len);
	for (guint i = 0; i < self->entries->len; i++) {
		TksFileEntry *e = g_ptr_array_index(self->entries, i);
		const gchar *name = tks_key_info_get_key_set(e->info);
		gsize vlen = 0;
		const guint8 *value = tok_secret_get_data(e->value, &vlen);

		tok_byte_array_append_u8(plain, (guint8)strlen(name));
		g_byte_array_append(plain, (const guint8 *)name, (guint)strlen(name));
		tok_byte_array_append_u8(plain, tks_key_info_get_version(e->info));
		tok_byte_array_append_u8(plain, (guint8)tks_key_info_get_kind(e->info));
		tok_byte_array_append_u8(plain, (guint8)tks_key_info_get_key_type(e->info));
		tok_byte_array_append_u8(plain, (guint8)vlen);
		g_byte_array_append(plain, value, (guint)vlen);
	}
	if (!tks_random_bytes(nonce, sizeof(nonce), error)) {
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return FALSE;
	}
	tks_key_store_file_append_header(self, file, nonce);
	sealed = tks_gcm(self->file_key, TRUE, NULL, nonce, file->data, file->len, plain->data, plain->len, error);
	if (sealed == NULL)
		return FALSE;
	g_byte_array_append(file, sealed->data, sealed->len);
	if (!tks_secret_file_write_data(self->path, file->data, file->len, !create, error)) {
		g_prefix_error(error, "cannot write key store %s: ", self->path);
		return FALSE;
	}
	return TRUE;
}

static TksFileEntry *
tks_key_store_file_find(TksKeyStoreFile *self, const gchar *key_set, guint8 version, guint *index)
{
	for (guint i = 0; i < self->entries->len; i++) {
		TksFileEntry *e = g_ptr_array_index(self->entries, i);
		if (tks_key_info_get_version(e->info) == version &&
		    g_strcmp0(tks_key_info_get_key_set(e->info), key_set) == 0) {
			if (index != NULL)
				*index = i;
			return e;
		}
	}
	return NULL;
}

/* A new entry for @value, KCVs computed; the value is referenced. */
static TksFileEntry *
tks_file_entry_new(TksKeyStoreFile *self,
		   const gchar *key_set,
		   guint8 version,
		   TksKeyKind kind,
		   TksKeyType type,
		   TokSecret *value,
		   GError **error)
{
	guint8 kcvs[3 * TKS_KCV_SIZE] = {0};
	TksFileEntry *e;

	if (!tks_key_value_compute_kcvs(self->crypto, kind, type, value, kcvs, error))
		return NULL;
	e = g_new0(TksFileEntry, 1);
	e->info = tks_key_info_new(key_set, version, kind, type, kcvs);
	e->value = tok_secret_ref(value);
	return e;
}

static gboolean
tks_key_store_file_parse_keys(TksKeyStoreFile *self, const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	guint32 count = 0;

	tok_reader_init(&r, data, len);
	if (!tok_reader_read_u32_be(&r, &count, error))
		return FALSE;
	if (count > TKS_KEY_STORE_FILE_MAX_KEYS) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "%u keys is more than allowed", count);
		return FALSE;
	}
	for (guint32 i = 0; i < count; i++) {
		guint8 name_len = 0, version = 0, kind = 0, type = 0, value_len = 0;
		const guint8 *name_view = NULL;
		const guint8 *value_view = NULL;
		g_autofree gchar *name = NULL;
		g_autoptr(TokSecret) value = NULL;
		TksFileEntry *e;

		if (!tok_reader_read_u8(&r, &name_len, error) ||
		    !tok_reader_read_view(&r, name_len, &name_view, error) ||
		    !tok_reader_read_u8(&r, &version, error) || !tok_reader_read_u8(&r, &kind, error) ||
		    !tok_reader_read_u8(&r, &type, error) || !tok_reader_read_u8(&r, &value_len, error) ||
		    !tok_reader_read_view(&r, value_len, &value_view, error)) {
			g_prefix_error(error, "key %u: ", i + 1);
			return FALSE;
		}
		name = g_strndup((const gchar *)name_view, name_len);
		if (strlen(name) != name_len || !tks_key_check_address(name, version, error) ||
		    tks_key_kind_to_string((TksKeyKind)kind) == NULL ||
		    tks_key_type_to_string((TksKeyType)type) == NULL ||
		    value_len != tks_key_value_length((TksKeyKind)kind, (TksKeyType)type)) {
			g_clear_error(error);
			g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "key %u is malformed", i + 1);
			return FALSE;
		}
		if (tks_key_store_file_find(self, name, version, NULL) != NULL) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_DATA,
				    "key %s version %02X is stored twice",
				    name,
				    version);
			return FALSE;
		}
		value = tok_secret_new_from_data(value_view, value_len);
		e = tks_file_entry_new(self, name, version, (TksKeyKind)kind, (TksKeyType)type, value, error);
		if (e == NULL)
			return FALSE;
		g_ptr_array_add(self->entries, e);
	}
	return tok_reader_expect_end(&r, error);
}

static gboolean
tks_key_store_file_load(TksKeyStoreFile *self,
			const guint8 *data,
			gsize len,
			TokSecret *passphrase,
			TokSecret *file_key,
			GError **error)
{
	TokReader r;
	const guint8 *magic = NULL;
	const guint8 *nonce = NULL;
	guint16 format = 0;
	g_autoptr(TokWipedByteArray) plain = NULL;

	if (len > TKS_KEY_STORE_FILE_MAX) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "the file is too large to be a key store");
		return FALSE;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_view(&r, TKS_FILE_MAGIC_LEN, &magic, NULL) ||
	    !tok_gp_memeq(magic, (const guint8 *)TKS_FILE_MAGIC, TKS_FILE_MAGIC_LEN)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "not a TKS key store file");
		return FALSE;
	}
	if (!tok_reader_read_u16_be(&r, &format, error) || !tok_reader_read_u8(&r, &self->kdf, error) ||
	    !tok_reader_read_u8(&r, &self->log2_n, error) || !tok_reader_read_u32_be(&r, &self->r, error) ||
	    !tok_reader_read_u32_be(&r, &self->p, error) ||
	    !tok_reader_read_into(&r, self->salt, TKS_FILE_SALT_SIZE, error) ||
	    !tok_reader_read_view(&r, TKS_FILE_NONCE_SIZE, &nonce, error)) {
		tks_error_convert(error, TKS_ERROR_INVALID_DATA);
		g_prefix_error(error, "key store header: ");
		return FALSE;
	}
	if (format != TKS_FILE_FORMAT) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED, "key store format %u is not supported", format);
		return FALSE;
	}
	if (self->kdf == TKS_FILE_KDF_SCRYPT) {
		if (passphrase == NULL) {
			g_set_error_literal(error,
					    TKS_ERROR,
					    TKS_ERROR_WRONG_PASSPHRASE,
					    "this key store is protected by a passphrase, not a key file");
			return FALSE;
		}
		if (!tks_scrypt_params_valid(self->log2_n, self->r, self->p)) {
			g_set_error_literal(error,
					    TKS_ERROR,
					    TKS_ERROR_INVALID_DATA,
					    "key store header: scrypt parameters out of range");
			return FALSE;
		}
		self->file_key = tks_scrypt(passphrase, self->salt, self->log2_n, self->r, self->p, error);
		if (self->file_key == NULL)
			return FALSE;
	} else if (self->kdf == TKS_FILE_KDF_RAW_KEY) {
		if (file_key == NULL) {
			g_set_error_literal(error,
					    TKS_ERROR,
					    TKS_ERROR_WRONG_PASSPHRASE,
					    "this key store is protected by a key file, not a passphrase");
			return FALSE;
		}
		if (tok_secret_get_size(file_key) != TKS_KEY_STORE_FILE_KEY_SIZE) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "the key store key must have %d bytes",
				    TKS_KEY_STORE_FILE_KEY_SIZE);
			return FALSE;
		}
		self->file_key = tok_secret_ref(file_key);
	} else {
		g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "key store header: unknown KDF %u", self->kdf);
		return FALSE;
	}
	plain = tks_gcm(self->file_key,
			FALSE,
			self->kdf == TKS_FILE_KDF_SCRYPT ? TKS_FILE_DAMAGED : TKS_FILE_DAMAGED_RAW_KEY,
			nonce,
			data,
			TKS_KEY_STORE_FILE_HEADER_SIZE,
			data + TKS_KEY_STORE_FILE_HEADER_SIZE,
			len - TKS_KEY_STORE_FILE_HEADER_SIZE,
			error);
	if (plain == NULL)
		return FALSE;
	if (!tks_key_store_file_parse_keys(self, plain->data, plain->len, error)) {
		tks_error_convert(error, TKS_ERROR_INVALID_DATA);
		g_prefix_error(error, "key store contents: ");
		return FALSE;
	}
	return TRUE;
}

static TksKeyStoreFile *
tks_key_store_file_new_empty(const gchar *path, GError **error)
{
	g_autoptr(TksKeyStoreFile) self = g_object_new(TKS_TYPE_KEY_STORE_FILE, NULL);
	self->path = g_strdup(path);
	self->crypto = tok_gp_crypto_new(error);
	if (self->crypto == NULL) {
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return NULL;
	}
	return g_steal_pointer(&self);
}

TksKeyStoreFile *
tks_key_store_file_new_from_data(const gchar *path,
				 const guint8 *data,
				 gsize len,
				 TokSecret *passphrase,
				 TokSecret *file_key,
				 GError **error)
{
	g_autoptr(TksKeyStoreFile) self = tks_key_store_file_new_empty(path, error);
	if (self == NULL)
		return NULL;
	if (!tks_key_store_file_load(self, data, len, passphrase, file_key, error)) {
		g_prefix_error(error, "key store %s: ", path);
		return NULL;
	}
	return g_steal_pointer(&self);
}

TksKeyStoreFile *
tks_key_store_file_open(const gchar *path, TokSecret *passphrase, TokSecret *file_key, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error_local = NULL;

	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_set_error(error,
			    TKS_ERROR,
			    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? TKS_ERROR_NOT_FOUND
											    : TKS_ERROR_BACKEND,
			    "cannot read key store: %s",
			    error_local->message);
		return NULL;
	}
	return tks_key_store_file_new_from_data(path, (const guint8 *)contents, len, passphrase, file_key, error);
}

TksKeyStoreFile *
tks_key_store_file_create(const gchar *path,
			  TokSecret *passphrase,
			  TokSecret *file_key,
			  const TksScryptParams *params,
			  GError **error)
{
	g_autoptr(TksKeyStoreFile) self = NULL;

	if ((passphrase == NULL) == (file_key == NULL)) {
		g_set_error_literal(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "a key store needs either a passphrase or a key file");
		return NULL;
	}
	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_EXISTS, "key store %s already exists", path);
		return NULL;
	}
	self = tks_key_store_file_new_empty(path, error);
	if (self == NULL)
		return NULL;
	if (!tks_random_bytes(self->salt, sizeof(self->salt), error)) {
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return NULL;
	}
	if (passphrase != NULL) {
		self->kdf = TKS_FILE_KDF_SCRYPT;
		self->log2_n = params != NULL ? params->log2_n : TKS_SCRYPT_DEFAULT_LOG2_N;
		self->r = params != NULL ? params->r : TKS_SCRYPT_DEFAULT_R;
		self->p = params != NULL ? params->p : TKS_SCRYPT_DEFAULT_P;
		if (!tks_scrypt_params_valid(self->log2_n, self->r, self->p)) {
			g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_ARGUMENT, "scrypt parameters out of range");
			return NULL;
		}
		self->file_key = tks_scrypt(passphrase, self->salt, self->log2_n, self->r, self->p, error);
		if (self->file_key == NULL)
			return NULL;
	} else {
		if (tok_secret_get_size(file_key) != TKS_KEY_STORE_FILE_KEY_SIZE) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_ARGUMENT,
				    "the key store key must have %d bytes",
				    TKS_KEY_STORE_FILE_KEY_SIZE);
			return NULL;
		}
		self->kdf = TKS_FILE_KDF_RAW_KEY;
		self->file_key = tok_secret_ref(file_key);
	}
	if (!tks_key_store_file_save(self, TRUE, error))
		return NULL;
	return g_steal_pointer(&self);
}

const gchar *
tks_key_store_file_get_path(TksKeyStoreFile *self)
{
	return self->path;
}

/* ---- TksKeyStore -------------------------------------------------------------------- */

static GPtrArray *
tks_key_store_file_list_keys(TksKeyStore *store, GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->lock);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)tks_key_info_free);

	for (guint i = 0; i < self->entries->len; i++) {
		TksFileEntry *e = g_ptr_array_index(self->entries, i);
		g_ptr_array_add(out, tks_key_info_copy(e->info));
	}
	return out;
}

static TksKeyInfo *
tks_key_store_file_lookup_key(TksKeyStore *store, const gchar *key_set, guint8 version, GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->lock);
	TksFileEntry *e = tks_key_store_file_find(self, key_set, version, NULL);

	if (e == NULL) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND, "no key %s version %02X in %s", key_set, version, self->path);
		return NULL;
	}
	return tks_key_info_copy(e->info);
}

/* Adds and saves; with the lock held. */
static TksKeyInfo *
tks_key_store_file_add_locked(TksKeyStoreFile *self,
			      const gchar *key_set,
			      guint8 version,
			      TksKeyKind kind,
			      TksKeyType type,
			      TokSecret *value,
			      GError **error)
{
	TksFileEntry *e;

	if (tks_key_store_file_find(self, key_set, version, NULL) != NULL) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_EXISTS,
			    "key set %s version %02X already exists in %s",
			    key_set,
			    version,
			    self->path);
		return NULL;
	}
	e = tks_file_entry_new(self, key_set, version, kind, type, value, error);
	if (e == NULL)
		return NULL;
	g_ptr_array_add(self->entries, e);
	if (!tks_key_store_file_save(self, FALSE, error)) {
		g_ptr_array_remove_index(self->entries, self->entries->len - 1);
		return NULL;
	}
	return tks_key_info_copy(e->info);
}

static TksKeyInfo *
tks_key_store_file_import_key(TksKeyStore *store,
			      const gchar *key_set,
			      guint8 version,
			      TksKeyKind kind,
			      TksKeyType type,
			      TokSecret *value,
			      GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->lock);
	return tks_key_store_file_add_locked(self, key_set, version, kind, type, value, error);
}

static TksKeyInfo *
tks_key_store_file_generate_key(TksKeyStore *store,
				const gchar *key_set,
				guint8 version,
				TksKeyKind kind,
				TksKeyType type,
				GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->lock);
	gsize len = tks_key_value_length(kind, type);
	g_autoptr(TokSecret) value = tok_secret_new(len);

	if (!tks_random_bytes(tok_secret_get_mutable_data(value), len, error)) {
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return NULL;
	}
	if (type == TKS_KEY_TYPE_DES3)
		tok_gp_des_set_odd_parity(tok_secret_get_mutable_data(value), len);
	return tks_key_store_file_add_locked(self, key_set, version, kind, type, value, error);
}

static gboolean
tks_key_store_file_delete_key(TksKeyStore *store, const gchar *key_set, guint8 version, GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->lock);
	guint index = 0;
	TksFileEntry *e = tks_key_store_file_find(self, key_set, version, &index);

	if (e == NULL) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND, "no key %s version %02X in %s", key_set, version, self->path);
		return FALSE;
	}
	g_ptr_array_steal_index(self->entries, index);
	if (!tks_key_store_file_save(self, FALSE, error)) {
		g_ptr_array_insert(self->entries, (gint)index, e);
		return FALSE;
	}
	tks_file_entry_free(e);
	return TRUE;
}

/* A referenced copy of the value and info of a key, for use outside the lock. */
static TokSecret *
tks_key_store_file_get_value(TksKeyStoreFile *self,
			     const gchar *key_set,
			     guint8 version,
			     TksKeyInfo **info,
			     GError **error)
{
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = g_mutex_locker_new(&self->lock);
	TksFileEntry *e = tks_key_store_file_find(self, key_set, version, NULL);

	if (e == NULL) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND, "no key %s version %02X in %s", key_set, version, self->path);
		return NULL;
	}
	*info = tks_key_info_copy(e->info);
	return tok_secret_ref(e->value);
}

/* Card keys derived from one stored key (@part: a master key or one developer component). */
static TokGpKeySet *
tks_key_store_file_derive_part(TksKeyStoreFile *self,
			       TokGpKeyType gp_type,
			       TokSecret *part,
			       const TksDeriveParams *params,
			       GError **error)
{
	TokGpKeySet *keys = tok_gp_key_set_derive(self->crypto,
						  params->method,
						  gp_type,
						  part,
						  params->kdd,
						  params->context_is_cuid ? params->cuid : params->kdd,
						  params->context_is_cuid ? TOK_GP_CUID_SIZE : TOK_GP_KDD_SIZE,
						  params->cuid,
						  params->result_type,
						  error);
	if (keys == NULL && error != NULL)
		tks_error_convert(error,
				  g_error_matches(*error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED) ? TKS_ERROR_NOT_SUPPORTED
											    : TKS_ERROR_FAILED);
	return keys;
}

static TokGpKeySet *
tks_key_store_file_derive_developer(TksKeyStoreFile *self,
				    TokGpKeyType gp_type,
				    TokSecret *value,
				    gsize klen,
				    const TksDeriveParams *params,
				    GError **error)
{
	const TokGpKeyUsage usages[3] = {TOK_GP_KEY_ENC, TOK_GP_KEY_MAC, TOK_GP_KEY_DEK};
	TokSecret *keys[3] = {NULL, NULL, NULL};
	TokGpKeySet *result = NULL;

	for (guint i = 0; i < 3; i++) {
		g_autoptr(TokSecret) part = tok_secret_slice(value, i * klen, klen);
		g_autoptr(TokGpKeySet) set = tks_key_store_file_derive_part(self, gp_type, part, params, error);
		if (set == NULL)
			break;
		keys[i] = tok_secret_ref(tok_gp_key_set_get_key(set, usages[i]));
	}
	if (keys[2] != NULL) {
		result = tok_gp_key_set_new(params->result_type, keys[0], keys[1], keys[2], error);
		if (result == NULL)
			tks_error_convert(error, TKS_ERROR_FAILED);
	}
	for (guint i = 0; i < 3; i++)
		g_clear_pointer(&keys[i], tok_secret_unref);
	return result;
}

static TokGpKeySet *
tks_key_store_file_derive_card_keys(TksKeyStore *store,
				    const gchar *key_set,
				    guint8 version,
				    const TksDeriveParams *params,
				    GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(TokSecret) value = tks_key_store_file_get_value(self, key_set, version, &info, error);
	TokGpKeyType gp_type;
	TokGpKeySet *keys;

	if (value == NULL)
		return NULL;
	gp_type = tks_key_type_to_gp(tks_key_info_get_key_type(info));
	if (((params->method == TOK_GP_DIVERSIFY_NONE || params->method == TOK_GP_DIVERSIFY_GPKMC) &&
	     params->result_type != gp_type) ||
	    (params->method == TOK_GP_DIVERSIFY_NIST_SP800_108 && params->result_type != TOK_GP_KEY_TYPE_DES3)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_NOT_SUPPORTED,
			    "key set %s version %02X holds %s keys, which this diversification cannot turn into %s card keys",
			    key_set,
			    version,
			    tks_key_type_to_string(tks_key_info_get_key_type(info)),
			    params->result_type == TOK_GP_KEY_TYPE_DES3 ? "DES3" : "AES");
		return NULL;
	}
	if (tks_key_info_get_kind(info) == TKS_KEY_KIND_DEVELOPER) {
		keys = tks_key_store_file_derive_developer(self,
							   gp_type,
							   value,
							   tks_key_type_get_key_length(tks_key_info_get_key_type(info)),
							   params,
							   error);
	} else {
		keys = tks_key_store_file_derive_part(self, gp_type, value, params, error);
	}
	if (keys == NULL)
		g_prefix_error(error, "key set %s version %02X: ", key_set, version);
	return keys;
}

static GBytes *
tks_key_store_file_export_wrapped(TksKeyStore *store,
				  const gchar *key_set,
				  guint8 version,
				  TokSecret *transport_key,
				  GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(TokSecret) value = tks_key_store_file_get_value(self, key_set, version, &info, error);

	if (value == NULL)
		return NULL;
	return tks_key_wrap_pad(transport_key, value, error);
}

static TksKeyInfo *
tks_key_store_file_import_wrapped(TksKeyStore *store,
				  const TksKeyInfo *info,
				  TokSecret *transport_key,
				  GBytes *wrapped,
				  GError **error)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(store);
	TksKeyKind kind = tks_key_info_get_kind(info);
	TksKeyType type = tks_key_info_get_key_type(info);
	g_autoptr(TokSecret) value = tks_key_unwrap_pad(transport_key, wrapped, error);
	guint8 kcvs[3 * TKS_KCV_SIZE] = {0};
	g_autoptr(GMutexLocker) G_GNUC_UNUSED locker = NULL;

	if (value == NULL)
		return NULL;
	if (tok_secret_get_size(value) != tks_key_value_length(kind, type) ||
	    !tks_key_value_compute_kcvs(self->crypto, kind, type, value, kcvs, NULL)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_DATA,
			    "the wrapped key is not a %s %s key",
			    tks_key_type_to_string(type),
			    tks_key_kind_to_string(kind));
		return NULL;
	}
	for (guint i = 0; i < tks_key_kind_get_n_keys(kind); i++) {
		if (!tok_gp_memeq(kcvs + i * TKS_KCV_SIZE, tks_key_info_get_kcv(info, i), TKS_KCV_SIZE)) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_CHECK_VALUE,
				    "key set %s version %02X: the unwrapped key does not match its check value",
				    tks_key_info_get_key_set(info),
				    tks_key_info_get_version(info));
			return NULL;
		}
	}
	locker = g_mutex_locker_new(&self->lock);
	return tks_key_store_file_add_locked(self,
					     tks_key_info_get_key_set(info),
					     tks_key_info_get_version(info),
					     kind,
					     type,
					     value,
					     error);
}

static gchar *
tks_key_store_file_describe(TksKeyStore *store)
{
	return g_strdup_printf("key file %s", TKS_KEY_STORE_FILE(store)->path);
}

static void
tks_key_store_file_iface_init(TksKeyStoreInterface *iface)
{
	iface->list_keys = tks_key_store_file_list_keys;
	iface->lookup_key = tks_key_store_file_lookup_key;
	iface->import_key = tks_key_store_file_import_key;
	iface->generate_key = tks_key_store_file_generate_key;
	iface->delete_key = tks_key_store_file_delete_key;
	iface->derive_card_keys = tks_key_store_file_derive_card_keys;
	iface->export_wrapped = tks_key_store_file_export_wrapped;
	iface->import_wrapped = tks_key_store_file_import_wrapped;
	iface->describe = tks_key_store_file_describe;
}

static void
tks_key_store_file_finalize(GObject *object)
{
	TksKeyStoreFile *self = TKS_KEY_STORE_FILE(object);

	g_ptr_array_unref(self->entries);
	g_clear_pointer(&self->file_key, tok_secret_unref);
	g_clear_object(&self->crypto);
	g_free(self->path);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(tks_key_store_file_parent_class)->finalize(object);
}

static void
tks_key_store_file_class_init(TksKeyStoreFileClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tks_key_store_file_finalize;
}

static void
tks_key_store_file_init(TksKeyStoreFile *self)
{
	g_mutex_init(&self->lock);
	self->entries = g_ptr_array_new_with_free_func((GDestroyNotify)tks_file_entry_free);
}
