/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"
#include "tok-secret.h"

struct _TokGpCrypto {
	GObject parent_instance;
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *provider;
	EVP_CIPHER *des_ede3_ecb;
	EVP_CIPHER *des_ede3_cbc;
	EVP_CIPHER *aes_ecb[3]; /* 128, 192, 256 */
	EVP_CIPHER *aes_cbc[3];
	EVP_MAC *cmac;
	EVP_MAC *hmac;
};

G_DEFINE_TYPE(TokGpCrypto, tok_gp_crypto, G_TYPE_OBJECT)

static void
tok_gp_crypto_finalize(GObject *object)
{
	TokGpCrypto *self = TOK_GP_CRYPTO(object);

	EVP_CIPHER_free(self->des_ede3_ecb);
	EVP_CIPHER_free(self->des_ede3_cbc);
	for (guint i = 0; i < G_N_ELEMENTS(self->aes_ecb); i++) {
		EVP_CIPHER_free(self->aes_ecb[i]);
		EVP_CIPHER_free(self->aes_cbc[i]);
	}
	EVP_MAC_free(self->cmac);
	EVP_MAC_free(self->hmac);
	if (self->provider != NULL)
		OSSL_PROVIDER_unload(self->provider);
	OSSL_LIB_CTX_free(self->libctx);
	G_OBJECT_CLASS(tok_gp_crypto_parent_class)->finalize(object);
}

static void
tok_gp_crypto_class_init(TokGpCryptoClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = tok_gp_crypto_finalize;
}

static void
tok_gp_crypto_init(TokGpCrypto *self)
{
}

static gboolean
tok_gp_crypto_fetch_cipher(TokGpCrypto *self, const gchar *name, EVP_CIPHER **out, GError **error)
{
	*out = EVP_CIPHER_fetch(self->libctx, name, NULL);
	if (*out == NULL) {
		g_autofree gchar *what = g_strdup_printf("cipher %s is not available", name);
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	return TRUE;
}

TokGpCrypto *
tok_gp_crypto_new(GError **error)
{
	g_autoptr(TokGpCrypto) self = g_object_new(TOK_TYPE_GP_CRYPTO, NULL);
	const gchar *aes_ecb[] = {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"};
	const gchar *aes_cbc[] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};

	self->libctx = OSSL_LIB_CTX_new();
	if (self->libctx == NULL) {
		tok_error_set_openssl(error, "cannot create an OpenSSL library context");
		return NULL;
	}
	self->provider = OSSL_PROVIDER_load(self->libctx, "default");
	if (self->provider == NULL) {
		tok_error_set_openssl(error, "cannot load the default provider");
		return NULL;
	}
	if (!tok_gp_crypto_fetch_cipher(self, "DES-EDE3-ECB", &self->des_ede3_ecb, error))
		return NULL;
	if (!tok_gp_crypto_fetch_cipher(self, "DES-EDE3-CBC", &self->des_ede3_cbc, error))
		return NULL;
	for (guint i = 0; i < G_N_ELEMENTS(aes_ecb); i++) {
		if (!tok_gp_crypto_fetch_cipher(self, aes_ecb[i], &self->aes_ecb[i], error))
			return NULL;
		if (!tok_gp_crypto_fetch_cipher(self, aes_cbc[i], &self->aes_cbc[i], error))
			return NULL;
	}
	self->cmac = EVP_MAC_fetch(self->libctx, OSSL_MAC_NAME_CMAC, NULL);
	if (self->cmac == NULL) {
		tok_error_set_openssl(error, "CMAC is not available");
		return NULL;
	}
	self->hmac = EVP_MAC_fetch(self->libctx, OSSL_MAC_NAME_HMAC, NULL);
	if (self->hmac == NULL) {
		tok_error_set_openssl(error, "HMAC is not available");
		return NULL;
	}
	return g_steal_pointer(&self);
}

static gboolean
tok_gp_crypto_check_input(gsize len, gsize block, const gchar *what, GError **error)
{
	if (len > TOK_GP_CRYPTO_MAX_INPUT) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%s: %" G_GSIZE_FORMAT " bytes exceed the limit of %d",
			    what,
			    len,
			    TOK_GP_CRYPTO_MAX_INPUT);
		return FALSE;
	}
	if (block > 1 && len % block != 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s: %" G_GSIZE_FORMAT
			    " bytes are not a multiple of the block size %" G_GSIZE_FORMAT,
			    what,
			    len,
			    block);
		return FALSE;
	}
	return TRUE;
}

/* One EVP cipher pass without padding. */
static gboolean
tok_gp_crypto_run_cipher(const EVP_CIPHER *cipher,
			 gboolean encrypt,
			 const guint8 *key,
			 const guint8 *iv,
			 const guint8 *in,
			 gsize len,
			 guint8 *out,
			 const gchar *what,
			 GError **error)
{
	g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	int finl = 0;

	if (ctx == NULL) {
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	if (EVP_CipherInit_ex2(ctx, cipher, key, iv, encrypt ? 1 : 0, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	if (len == 0)
		return TRUE;
	if (EVP_CipherUpdate(ctx, out, &outl, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + outl, &finl) != 1) {
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	if ((gsize)outl + (gsize)finl != len) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_CRYPTO,
			    "%s: unexpected output length",
			    what);
		return FALSE;
	}
	return TRUE;
}

/* Expands an 8-, 16- or 24-byte DES key to the K1 K2 K3 form of DES-EDE3. */
static gboolean
tok_gp_des_expand_key(const guint8 *key, gsize key_len, guint8 out[24], GError **error)
{
	switch (key_len) {
	case 8:
		for (guint i = 0; i < 3; i++)
			tok_gp_copy(out + 8 * i, key, 8);
		return TRUE;
	case 16:
		tok_gp_copy(out, key, 16);
		tok_gp_copy(out + 16, key, 8);
		return TRUE;
	case 24:
		tok_gp_copy(out, key, 24);
		return TRUE;
	default:
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "DES key of %" G_GSIZE_FORMAT " bytes (expected 8, 16 or 24)",
			    key_len);
		return FALSE;
	}
}

static gboolean
tok_gp_crypto_des(TokGpCrypto *self,
		  gboolean cbc,
		  gboolean encrypt,
		  const guint8 *key,
		  gsize key_len,
		  const guint8 *iv,
		  const guint8 *in,
		  gsize len,
		  guint8 *out,
		  GError **error)
{
	g_auto(TokGpScratch) k = {{0}};
	const gchar *what = cbc ? "DES-CBC" : "DES-ECB";

	if (!tok_gp_des_expand_key(key, key_len, k.data, error))
		return FALSE;
	if (!tok_gp_crypto_check_input(len, TOK_GP_DES_BLOCK_SIZE, what, error))
		return FALSE;
	return tok_gp_crypto_run_cipher(cbc ? self->des_ede3_cbc : self->des_ede3_ecb,
					encrypt,
					k.data,
					iv,
					in,
					len,
					out,
					what,
					error);
}

gboolean
tok_gp_crypto_des_ecb(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error)
{
	return tok_gp_crypto_des(self, FALSE, encrypt, key, key_len, NULL, in, len, out, error);
}

gboolean
tok_gp_crypto_des_cbc(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *iv,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error)
{
	return tok_gp_crypto_des(self, TRUE, encrypt, key, key_len, iv, in, len, out, error);
}

static gint
tok_gp_aes_index(gsize key_len, GError **error)
{
	switch (key_len) {
	case 16:
		return 0;
	case 24:
		return 1;
	case 32:
		return 2;
	default:
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "AES key of %" G_GSIZE_FORMAT " bytes (expected 16, 24 or 32)",
			    key_len);
		return -1;
	}
}

gboolean
tok_gp_check_des3_key(TokSecret *key, const gchar *scp, const gchar *what, GError **error)
{
	if (tok_secret_get_size(key) != 16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s %s key has %" G_GSIZE_FORMAT " bytes, expected 16",
			    scp,
			    what,
			    tok_secret_get_size(key));
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_crypto_des3_cbc_zero_iv(TokGpCrypto *self,
			       gboolean encrypt,
			       TokSecret *key,
			       const guint8 *in,
			       gsize len,
			       guint8 *out,
			       GError **error)
{
	const guint8 iv[8] = {0};
	gsize klen = 0;
	const guint8 *kdata = tok_secret_get_data(key, &klen);

	return tok_gp_crypto_des_cbc(self, encrypt, kdata, klen, iv, in, len, out, error);
}

GBytes *
tok_gp_des3_encrypt_field(TokGpCrypto *crypto,
			  TokSecret *s_enc,
			  const gchar *scp,
			  gboolean length_prefix,
			  gboolean pad_always,
			  const guint8 *data,
			  gsize len,
			  GError **error)
{
	g_autoptr(TokWipedByteArray) plain = g_byte_array_new();
	g_autoptr(TokWipedByteArray) cipher = g_byte_array_new();

	if (!tok_gp_check_des3_key(s_enc, scp, "S-ENC", error))
		return NULL;
	if (len > 255 || (len > 0 && data == NULL)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "%s cannot encrypt a data field of %" G_GSIZE_FORMAT " bytes",
			    scp,
			    len);
		return NULL;
	}
	if (length_prefix)
		tok_byte_array_append_u8(plain, (guint8)len);
	if (len > 0)
		g_byte_array_append(plain, data, (guint)len);
	if (pad_always || plain->len % 8 != 0)
		tok_gp_pad80(plain, 8);
	g_byte_array_set_size(cipher, plain->len);
	if (!tok_gp_crypto_des3_cbc_zero_iv(crypto, TRUE, s_enc, plain->data, plain->len, cipher->data, error)) {
		g_prefix_error(error, "%s encryption: ", scp);
		return NULL;
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&cipher));
}

GByteArray *
tok_gp_des3_decrypt_field(TokGpCrypto *crypto,
			  TokSecret *s_enc,
			  const gchar *scp,
			  const guint8 *data,
			  gsize len,
			  GError **error)
{
	g_autoptr(TokWipedByteArray) plain = g_byte_array_new();

	if (!tok_gp_check_des3_key(s_enc, scp, "S-ENC", error))
		return NULL;
	if (len == 0 || len % 8 != 0 || len > 256 || data == NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "%s encrypted data field of %" G_GSIZE_FORMAT " bytes is not whole blocks",
			    scp,
			    len);
		return NULL;
	}
	g_byte_array_set_size(plain, (guint)len);
	if (!tok_gp_crypto_des3_cbc_zero_iv(crypto, FALSE, s_enc, data, len, plain->data, error)) {
		g_prefix_error(error, "%s decryption: ", scp);
		return NULL;
	}
	return g_steal_pointer(&plain);
}

gboolean
tok_gp_crypto_aes_ecb(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error)
{
	gint idx = tok_gp_aes_index(key_len, error);
	if (idx < 0)
		return FALSE;
	if (!tok_gp_crypto_check_input(len, TOK_GP_AES_BLOCK_SIZE, "AES-ECB", error))
		return FALSE;
	return tok_gp_crypto_run_cipher(self->aes_ecb[idx],
					encrypt,
					key,
					NULL,
					in,
					len,
					out,
					"AES-ECB",
					error);
}

gboolean
tok_gp_crypto_aes_cbc(TokGpCrypto *self,
		      gboolean encrypt,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *iv,
		      const guint8 *in,
		      gsize len,
		      guint8 *out,
		      GError **error)
{
	gint idx = tok_gp_aes_index(key_len, error);
	if (idx < 0)
		return FALSE;
	if (!tok_gp_crypto_check_input(len, TOK_GP_AES_BLOCK_SIZE, "AES-CBC", error))
		return FALSE;
	return tok_gp_crypto_run_cipher(self->aes_cbc[idx],
					encrypt,
					key,
					iv,
					in,
					len,
					out,
					"AES-CBC",
					error);
}

static gboolean
tok_gp_crypto_run_mac(EVP_MAC *mac,
		      const OSSL_PARAM *params,
		      const guint8 *key,
		      gsize key_len,
		      const guint8 *data,
		      gsize len,
		      guint8 *out,
		      gsize out_len,
		      const gchar *what,
		      GError **error)
{
	g_autoptr(EVP_MAC_CTX) ctx = EVP_MAC_CTX_new(mac);
	gsize written = 0;

	if (!tok_gp_crypto_check_input(len, 1, what, error))
		return FALSE;
	if (ctx == NULL || EVP_MAC_init(ctx, key, key_len, params) != 1) {
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	if (len > 0 && EVP_MAC_update(ctx, data, len) != 1) {
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	if (EVP_MAC_final(ctx, out, &written, out_len) != 1) {
		tok_error_set_openssl(error, what);
		return FALSE;
	}
	if (written != out_len) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_CRYPTO, "%s: unexpected tag length", what);
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_crypto_aes_cmac(TokGpCrypto *self,
		       const guint8 *key,
		       gsize key_len,
		       const guint8 *data,
		       gsize len,
		       guint8 out[16],
		       GError **error)
{
	const gchar *names[] = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};
	gint idx = tok_gp_aes_index(key_len, error);
	OSSL_PARAM params[2];

	if (idx < 0)
		return FALSE;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)names[idx], 0);
	params[1] = OSSL_PARAM_construct_end();
	return tok_gp_crypto_run_mac(self->cmac,
				     params,
				     key,
				     key_len,
				     data,
				     len,
				     out,
				     16,
				     "AES-CMAC",
				     error);
}

gboolean
tok_gp_crypto_hmac_sha256(TokGpCrypto *self,
			  const guint8 *key,
			  gsize key_len,
			  const guint8 *data,
			  gsize len,
			  guint8 out[32],
			  GError **error)
{
	OSSL_PARAM params[2];

	if (key_len == 0 || key_len > 1024) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "HMAC key of %" G_GSIZE_FORMAT " bytes",
			    key_len);
		return FALSE;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	return tok_gp_crypto_run_mac(self->hmac,
				     params,
				     key,
				     key_len,
				     data,
				     len,
				     out,
				     32,
				     "HMAC-SHA256",
				     error);
}

gboolean
tok_gp_crypto_kdf_counter(TokGpCrypto *self,
			  TokGpPrf prf,
			  const guint8 *key,
			  gsize key_len,
			  const guint8 *before,
			  gsize before_len,
			  const guint8 *after,
			  gsize after_len,
			  guint8 *out,
			  gsize out_len,
			  GError **error)
{
	gsize h = prf == TOK_GP_PRF_HMAC_SHA256 ? 32 : 16;
	gsize n;
	g_autoptr(TokWipedByteArray) input = g_byte_array_new();
	g_auto(TokGpScratch) block = {{0}};

	if (prf != TOK_GP_PRF_HMAC_SHA256 && prf != TOK_GP_PRF_CMAC_AES) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown KDF PRF %d",
			    (gint)prf);
		return FALSE;
	}
	n = (out_len + h - 1) / h;
	if (out_len == 0 || n > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "KDF output of %" G_GSIZE_FORMAT " bytes needs 1 to 255 PRF blocks",
			    out_len);
		return FALSE;
	}
	if (before_len > TOK_GP_CRYPTO_MAX_INPUT || after_len > TOK_GP_CRYPTO_MAX_INPUT) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "KDF fixed input too large");
		return FALSE;
	}
	for (gsize i = 1; i <= n; i++) {
		gsize take = MIN(h, out_len - (i - 1) * h);
		gboolean ok;

		g_byte_array_set_size(input, 0);
		if (before_len > 0)
			g_byte_array_append(input, before, (guint)before_len);
		g_byte_array_append(input, (const guint8[]){(guint8)i}, 1);
		if (after_len > 0)
			g_byte_array_append(input, after, (guint)after_len);
		if (prf == TOK_GP_PRF_HMAC_SHA256)
			ok = tok_gp_crypto_hmac_sha256(self,
						       key,
						       key_len,
						       input->data,
						       input->len,
						       block.data,
						       error);
		else
			ok = tok_gp_crypto_aes_cmac(self,
						    key,
						    key_len,
						    input->data,
						    input->len,
						    block.data,
						    error);
		if (!ok) {
			g_prefix_error(error, "KDF block %" G_GSIZE_FORMAT ": ", i);
			return FALSE;
		}
		tok_gp_copy(out + (i - 1) * h, block.data, take);
	}
	return TRUE;
}

static gboolean
tok_gp_check_des2_key_and_icv(const guint8 *key16, const guint8 *icv, GError **error)
{
	if (key16 == NULL || icv == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "MAC needs a key and an ICV");
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_crypto_des3_mac(TokGpCrypto *self,
		       const guint8 *key16,
		       const guint8 *icv,
		       const guint8 *data,
		       gsize len,
		       guint8 out[8],
		       GError **error)
{
	g_autoptr(TokWipedByteArray) padded = g_byte_array_new();
	g_autoptr(TokWipedByteArray) cipher = NULL;

	if (!tok_gp_check_des2_key_and_icv(key16, icv, error))
		return FALSE;
	if (!tok_gp_crypto_check_input(len, 1, "triple DES MAC", error))
		return FALSE;
	if (len > 0)
		g_byte_array_append(padded, data, (guint)len);
	tok_gp_pad80(padded, TOK_GP_DES_BLOCK_SIZE);
	cipher = g_byte_array_sized_new(padded->len);
	g_byte_array_set_size(cipher, padded->len);
	if (!tok_gp_crypto_des_cbc(self,
				   TRUE,
				   key16,
				   16,
				   icv,
				   padded->data,
				   padded->len,
				   cipher->data,
				   error)) {
		g_prefix_error(error, "triple DES MAC: ");
		return FALSE;
	}
	tok_gp_copy(out, cipher->data + cipher->len - 8, 8);
	return TRUE;
}

gboolean
tok_gp_crypto_retail_mac(TokGpCrypto *self,
			 const guint8 *key16,
			 const guint8 *icv,
			 const guint8 *data,
			 gsize len,
			 guint8 out[8],
			 GError **error)
{
	g_autoptr(TokWipedByteArray) padded = g_byte_array_new();
	g_autoptr(TokWipedByteArray) cipher = NULL;
	guint8 chain[8];
	guint8 last[8];

	if (!tok_gp_check_des2_key_and_icv(key16, icv, error))
		return FALSE;
	if (!tok_gp_crypto_check_input(len, 1, "retail MAC", error))
		return FALSE;
	if (len > 0)
		g_byte_array_append(padded, data, (guint)len);
	tok_gp_pad80(padded, TOK_GP_DES_BLOCK_SIZE);
	tok_gp_copy(chain, icv, 8);
	if (padded->len > 8) {
		/* single DES (K1) CBC over all blocks but the last */
		cipher = g_byte_array_sized_new(padded->len - 8);
		g_byte_array_set_size(cipher, padded->len - 8);
		if (!tok_gp_crypto_des_cbc(self,
					   TRUE,
					   key16,
					   8,
					   icv,
					   padded->data,
					   padded->len - 8,
					   cipher->data,
					   error)) {
			g_prefix_error(error, "retail MAC: ");
			return FALSE;
		}
		tok_gp_copy(chain, cipher->data + cipher->len - 8, 8);
	}
	/* two-key triple DES on the last block */
	if (!tok_gp_crypto_des_cbc(self,
				   TRUE,
				   key16,
				   16,
				   chain,
				   padded->data + padded->len - 8,
				   8,
				   last,
				   error)) {
		g_prefix_error(error, "retail MAC: ");
		return FALSE;
	}
	tok_gp_copy(out, last, 8);
	return TRUE;
}

gboolean
tok_gp_crypto_random(TokGpCrypto *self, guint8 *out, gsize len, GError **error)
{
	if (len == 0)
		return TRUE;
	/* The default context's DRBG, not the private library context's: OpenSSL 3.0 can crash at
	 * exit when a private context's DRBG was used in one thread and the context is freed in
	 * another (openssl/openssl#16778), and random bytes need no legacy algorithm anyway. */
	if (out == NULL || len > G_MAXINT || RAND_bytes(out, (int)len) != 1) {
		tok_error_set_openssl(error, "failed to generate random bytes");
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_crypto_kcv_des(TokGpCrypto *self,
		      const guint8 *key,
		      gsize key_len,
		      guint8 out[TOK_GP_KCV_SIZE],
		      GError **error)
{
	const guint8 zero[8] = {0};
	guint8 block[8];

	if (!tok_gp_crypto_des_ecb(self, TRUE, key, key_len, zero, sizeof(zero), block, error)) {
		g_prefix_error(error, "key check value: ");
		return FALSE;
	}
	tok_gp_copy(out, block, TOK_GP_KCV_SIZE);
	return TRUE;
}

gboolean
tok_gp_crypto_kcv_aes(TokGpCrypto *self,
		      const guint8 *key,
		      gsize key_len,
		      guint8 out[TOK_GP_KCV_SIZE],
		      GError **error)
{
	const guint8 zero_iv[16] = {0};
	guint8 ones[16];
	guint8 block[16];

	for (guint i = 0; i < sizeof(ones); i++)
		ones[i] = 0x01;
	if (!tok_gp_crypto_aes_cbc(self,
				   TRUE,
				   key,
				   key_len,
				   zero_iv,
				   ones,
				   sizeof(ones),
				   block,
				   error)) {
		g_prefix_error(error, "key check value: ");
		return FALSE;
	}
	tok_gp_copy(out, block, TOK_GP_KCV_SIZE);
	return TRUE;
}

void
tok_gp_des_set_odd_parity(guint8 *key, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		guint8 b = key[i] & 0xfe;
		guint ones = 0;
		for (guint bit = 1; bit < 8; bit++)
			ones += (b >> bit) & 1;
		key[i] = (ones % 2 == 0) ? (b | 1) : b;
	}
}

void
tok_gp_pad80(GByteArray *array, guint block_size)
{
	const guint8 marker = 0x80;
	const guint8 zero = 0x00;

	g_byte_array_append(array, &marker, 1);
	while (block_size > 1 && array->len % block_size != 0)
		g_byte_array_append(array, &zero, 1);
}

gboolean
tok_gp_unpad80(const guint8 *data, gsize len, guint block_size, gsize *unpadded_len)
{
	gsize i = len;

	if (data == NULL || len == 0 || block_size == 0 || len % block_size != 0)
		return FALSE;
	while (i > 0 && data[i - 1] == 0x00 && len - i < block_size)
		i--;
	if (i == 0 || data[i - 1] != 0x80 || len - (i - 1) > block_size)
		return FALSE;
	*unpadded_len = i - 1;
	return TRUE;
}

gboolean
tok_gp_memeq(const guint8 *a, const guint8 *b, gsize len)
{
	if (len == 0)
		return TRUE;
	if (a == NULL || b == NULL)
		return FALSE;
	return CRYPTO_memcmp(a, b, len) == 0;
}
