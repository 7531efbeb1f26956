/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-put-key.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"

#define TOK_GP_KEY_TYPE_BYTE_DES3 0x81 /* what Dogtag sends */
#define TOK_GP_KEY_TYPE_BYTE_DES  0x80 /* what GP 2.1.1 tools send; accepted */
#define TOK_GP_KEY_TYPE_BYTE_AES  0x88

static gboolean
tok_gp_kek_check(TokGpKeyType kek_type, TokSecret *kek, GError **error)
{
	gsize len = tok_secret_get_size(kek);
	gboolean ok =
	    kek_type == TOK_GP_KEY_TYPE_DES3 ? len == 16 : (len == 16 || len == 24 || len == 32);

	if (!ok || (kek_type != TOK_GP_KEY_TYPE_DES3 && kek_type != TOK_GP_KEY_TYPE_AES)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key-encryption key of %" G_GSIZE_FORMAT " bytes is not a valid %s key",
			    len,
			    kek_type == TOK_GP_KEY_TYPE_DES3 ? "DES3" : "AES");
		return FALSE;
	}
	return TRUE;
}

static gboolean
tok_gp_key_crypt(TokGpCrypto *crypto,
		 gboolean encrypt,
		 TokGpKeyType kek_type,
		 TokSecret *kek,
		 const guint8 *in,
		 gsize len,
		 guint8 *out,
		 GError **error)
{
	const guint8 zero_iv[16] = {0};
	gsize block = kek_type == TOK_GP_KEY_TYPE_DES3 ? 8 : 16;
	gsize klen = 0;
	const guint8 *k;

	if (!tok_gp_kek_check(kek_type, kek, error))
		return FALSE;
	if (len == 0 || len % block != 0 || len > 4096 || in == NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "wrapped key data of %" G_GSIZE_FORMAT
			    " bytes is not whole %" G_GSIZE_FORMAT "-byte blocks",
			    len,
			    block);
		return FALSE;
	}
	k = tok_secret_get_data(kek, &klen);
	if (kek_type == TOK_GP_KEY_TYPE_DES3)
		return tok_gp_crypto_des_ecb(crypto, encrypt, k, klen, in, len, out, error);
	return tok_gp_crypto_aes_cbc(crypto, encrypt, k, klen, zero_iv, in, len, out, error);
}

GBytes *
tok_gp_key_wrap(TokGpCrypto *crypto,
		TokGpKeyType kek_type,
		TokSecret *kek,
		const guint8 *data,
		gsize len,
		GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();

	g_byte_array_set_size(out, (guint)MIN(len, 4096));
	if (!tok_gp_key_crypt(crypto, TRUE, kek_type, kek, data, len, out->data, error)) {
		g_prefix_error(error, "key wrap: ");
		return NULL;
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

static gboolean
tok_gp_kcv(TokGpCrypto *crypto,
	   TokGpKeyType type,
	   const guint8 *key,
	   gsize len,
	   guint8 out[3],
	   GError **error)
{
	if (type == TOK_GP_KEY_TYPE_DES3)
		return tok_gp_crypto_kcv_des(crypto, key, len, out, error);
	return tok_gp_crypto_kcv_aes(crypto, key, len, out, error);
}

TokSecret *
tok_gp_key_unwrap(TokGpCrypto *crypto,
		  TokGpKeyType kek_type,
		  TokSecret *kek,
		  const guint8 *data,
		  gsize len,
		  TokGpKeyType key_type,
		  const guint8 *kcv,
		  GError **error)
{
	g_autoptr(TokSecret) key = tok_secret_new(MIN(len, 4096));
	guint8 check[TOK_GP_KCV_SIZE];

	if (!tok_gp_key_crypt(crypto,
			      FALSE,
			      kek_type,
			      kek,
			      data,
			      len,
			      tok_secret_get_mutable_data(key),
			      error)) {
		g_prefix_error(error, "key unwrap: ");
		return NULL;
	}
	if (kcv != NULL) {
		if (!tok_gp_kcv(crypto,
				key_type,
				tok_secret_get_data(key, NULL),
				len,
				check,
				error)) {
			g_prefix_error(error, "key unwrap: ");
			return NULL;
		}
		if (!tok_gp_memeq(check, kcv, TOK_GP_KCV_SIZE)) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_AUTH_FAILED,
					    "unwrapped key does not match its key check value "
					    "(wrong key-encryption key?)");
			return NULL;
		}
	}
	return g_steal_pointer(&key);
}

static gboolean
tok_gp_put_key_check_scp(TokGpScp scp, const TokGpKeySet *keys, GError **error)
{
	TokGpKeyType want = scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;

	if (!tok_gp_scp_is_valid(scp)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol %d",
			    (gint)scp);
		return FALSE;
	}
	if (keys != NULL && tok_gp_key_set_get_key_type(keys) != want) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "%s PUT KEY needs a %s key set",
			    tok_gp_scp_to_string(scp),
			    want == TOK_GP_KEY_TYPE_AES ? "AES" : "DES3");
		return FALSE;
	}
	if (keys != NULL && want == TOK_GP_KEY_TYPE_AES &&
	    tok_gp_key_set_get_key_length(keys) == 24) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_NOT_SUPPORTED,
				    "PUT KEY of AES-192 keys is not supported");
		return FALSE;
	}
	return TRUE;
}

GBytes *
tok_gp_put_key_build_key_set_data(TokGpCrypto *crypto,
				  TokGpScp scp,
				  guint8 new_version,
				  const TokGpKeySet *new_keys,
				  TokSecret *wrap_key,
				  GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	TokGpKeyType type = scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
	const TokGpKeyUsage order[3] = {TOK_GP_KEY_ENC, TOK_GP_KEY_MAC, TOK_GP_KEY_DEK};

	if (!tok_gp_put_key_check_scp(scp, new_keys, error))
		return NULL;
	tok_byte_array_append_u8(out, new_version);
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		TokSecret *key = tok_gp_key_set_get_key(new_keys, order[i]);
		gsize klen = 0;
		const guint8 *k = tok_secret_get_data(key, &klen);
		g_autoptr(GBytes) wrapped = NULL;
		guint8 kcv[TOK_GP_KCV_SIZE];

		wrapped = tok_gp_key_wrap(crypto, type, wrap_key, k, klen, error);
		if (wrapped == NULL || !tok_gp_kcv(crypto, type, k, klen, kcv, error)) {
			g_prefix_error(error, "PUT KEY key %u: ", i + 1);
			return NULL;
		}
		if (type == TOK_GP_KEY_TYPE_AES) {
			tok_byte_array_append_u8(out, TOK_GP_KEY_TYPE_BYTE_AES);
			tok_byte_array_append_u8(out, (guint8)(klen + 1));
			tok_byte_array_append_u8(out, (guint8)klen);
		} else {
			tok_byte_array_append_u8(out, TOK_GP_KEY_TYPE_BYTE_DES3);
			tok_byte_array_append_u8(out, (guint8)klen);
		}
		tok_byte_array_append_bytes(out, wrapped);
		tok_byte_array_append_u8(out, TOK_GP_KCV_SIZE);
		g_byte_array_append(out, kcv, TOK_GP_KCV_SIZE);
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

/* One key block of the key set data: type, lengths, wrapped key, KCV. */
static TokSecret *
tok_gp_put_key_parse_block(TokGpCrypto *crypto,
			   TokReader *r,
			   TokGpKeyType type,
			   TokSecret *wrap_key,
			   gsize *key_len,
			   GError **error)
{
	guint8 type_byte = 0;
	guint8 len1 = 0;
	guint8 klen = 0;
	guint8 kcv_len = 0;
	const guint8 *wrapped = NULL;
	const guint8 *kcv = NULL;

	if (!tok_reader_read_u8(r, &type_byte, error) || !tok_reader_read_u8(r, &len1, error))
		return NULL;
	if (type == TOK_GP_KEY_TYPE_AES) {
		if (type_byte != TOK_GP_KEY_TYPE_BYTE_AES) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "key type %02X is not AES (88)",
				    type_byte);
			return NULL;
		}
		if (!tok_reader_read_u8(r, &klen, error))
			return NULL;
		if ((klen != 16 && klen != 32) || len1 != klen + 1) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "AES key block lengths %02X %02X are not 11 10 or 21 20",
				    len1,
				    klen);
			return NULL;
		}
	} else {
		if (type_byte != TOK_GP_KEY_TYPE_BYTE_DES3 &&
		    type_byte != TOK_GP_KEY_TYPE_BYTE_DES) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "key type %02X is not DES (80/81)",
				    type_byte);
			return NULL;
		}
		klen = len1;
		if (klen != 16) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "DES key block of %u bytes, expected 16",
				    klen);
			return NULL;
		}
	}
	if (*key_len != 0 && *key_len != klen) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "the keys of the key set differ in length");
		return NULL;
	}
	*key_len = klen;
	if (!tok_reader_read_view(r, klen, &wrapped, error) ||
	    !tok_reader_read_u8(r, &kcv_len, error))
		return NULL;
	if (kcv_len != TOK_GP_KCV_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key check value of %u bytes, expected 3",
			    kcv_len);
		return NULL;
	}
	if (!tok_reader_read_view(r, TOK_GP_KCV_SIZE, &kcv, error))
		return NULL;
	return tok_gp_key_unwrap(crypto, type, wrap_key, wrapped, klen, type, kcv, error);
}

TokGpKeySet *
tok_gp_put_key_parse_key_set_data(TokGpCrypto *crypto,
				  TokGpScp scp,
				  const guint8 *data,
				  gsize len,
				  TokSecret *wrap_key,
				  guint8 *new_version,
				  GError **error)
{
	TokReader r;
	TokGpKeyType type = scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
	TokSecret *keys[3] = {NULL, NULL, NULL};
	guint8 version = 0;
	gsize key_len = 0;
	TokGpKeySet *result = NULL;

	if (!tok_gp_put_key_check_scp(scp, NULL, error))
		return NULL;
	if ((data == NULL && len > 0) || len > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "key set data of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_u8(&r, &version, error)) {
		g_prefix_error(error, "PUT KEY key set data: ");
		return NULL;
	}
	for (guint i = 0; i < 3; i++) {
		keys[i] = tok_gp_put_key_parse_block(crypto, &r, type, wrap_key, &key_len, error);
		if (keys[i] == NULL) {
			g_prefix_error(error, "PUT KEY key %u: ", i + 1);
			break;
		}
	}
	if (keys[2] != NULL && tok_reader_expect_end(&r, error))
		result = tok_gp_key_set_new(type, keys[0], keys[1], keys[2], error);
	else if (keys[2] != NULL)
		g_prefix_error(error, "PUT KEY key set data: ");
	for (guint i = 0; i < 3; i++)
		tok_secret_unref(keys[i]);
	if (result != NULL && new_version != NULL)
		*new_version = version;
	return result;
}

static TokGpKeyType
tok_gp_kek_type_for(TokGpScp scp)
{
	return scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
}

GBytes *
tok_gp_challenge_wrap(TokGpCrypto *crypto,
		      TokGpScp scp,
		      TokSecret *kek,
		      TokSecret *challenge,
		      GError **error)
{
	gsize len = 0;
	const guint8 *data = tok_secret_get_data(challenge, &len);

	if (!tok_gp_put_key_check_scp(scp, NULL, error))
		return NULL;
	return tok_gp_key_wrap(crypto, tok_gp_kek_type_for(scp), kek, data, len, error);
}

TokSecret *
tok_gp_challenge_unwrap(TokGpCrypto *crypto,
			TokGpScp scp,
			TokSecret *kek,
			const guint8 *wrapped,
			gsize len,
			GError **error)
{
	if (!tok_gp_put_key_check_scp(scp, NULL, error))
		return NULL;
	return tok_gp_key_unwrap(crypto,
				 tok_gp_kek_type_for(scp),
				 kek,
				 wrapped,
				 len,
				 tok_gp_kek_type_for(scp),
				 NULL,
				 error);
}
