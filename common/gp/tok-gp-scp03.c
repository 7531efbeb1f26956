/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-scp03.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"

static gboolean
tok_gp_scp03_check_key(TokSecret *key, const gchar *what, GError **error)
{
	gsize len = tok_secret_get_size(key);
	if (len != 16 && len != 24 && len != 32) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SCP03 %s key has %" G_GSIZE_FORMAT " bytes, expected 16, 24 or 32",
			    what,
			    len);
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_scp03_kdf(TokGpCrypto *crypto,
		 const guint8 *key,
		 gsize key_len,
		 guint8 constant,
		 guint16 out_bits,
		 const guint8 *context,
		 gsize context_len,
		 guint8 *out,
		 GError **error)
{
	guint8 label[15] = {0};

	if (out_bits != 64 && out_bits != 128 && out_bits != 192 && out_bits != 256) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SCP03 KDF output of %u bits",
			    out_bits);
		return FALSE;
	}
	if (context_len > 64 || (context_len > 0 && context == NULL)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SCP03 KDF context of %" G_GSIZE_FORMAT " bytes",
			    context_len);
		return FALSE;
	}
	/* 11 zero bytes, the derivation constant, the separation indicator 00, L */
	label[11] = constant;
	label[12] = 0x00;
	label[13] = (guint8)(out_bits >> 8);
	label[14] = (guint8)(out_bits & 0xff);
	if (!tok_gp_crypto_kdf_counter(crypto,
				       TOK_GP_PRF_CMAC_AES,
				       key,
				       key_len,
				       label,
				       sizeof(label),
				       context,
				       context_len,
				       out,
				       out_bits / 8,
				       error)) {
		g_prefix_error(error, "SCP03 derivation %02X: ", constant);
		return FALSE;
	}
	return TRUE;
}

static void
tok_gp_scp03_context(const guint8 *hc, const guint8 *cc, guint8 out[16])
{
	tok_gp_copy(out, hc, 8);
	tok_gp_copy(out + 8, cc, 8);
}

TokSecret *
tok_gp_scp03_derive_session_key(TokGpCrypto *crypto,
				TokSecret *static_key,
				guint8 constant,
				const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				GError **error)
{
	guint8 context[16];
	g_autoptr(TokSecret) key = NULL;
	gsize len = 0;
	const guint8 *k;

	if (!tok_gp_scp03_check_key(static_key, "static", error))
		return NULL;
	k = tok_secret_get_data(static_key, &len);
	key = tok_secret_new(len);
	tok_gp_scp03_context(host_challenge, card_challenge, context);
	if (!tok_gp_scp03_kdf(crypto,
			      k,
			      len,
			      constant,
			      (guint16)(len * 8),
			      context,
			      sizeof(context),
			      tok_secret_get_mutable_data(key),
			      error))
		return NULL;
	return g_steal_pointer(&key);
}

TokGpSessionKeys *
tok_gp_scp03_derive_session_keys(TokGpCrypto *crypto,
				 const TokGpKeySet *keys,
				 const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				 const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				 GError **error)
{
	g_autoptr(TokSecret) enc = NULL;
	g_autoptr(TokSecret) mac = NULL;
	g_autoptr(TokSecret) rmac = NULL;
	TokSecret *static_mac = tok_gp_key_set_get_key(keys, TOK_GP_KEY_MAC);

	if (tok_gp_key_set_get_key_type(keys) != TOK_GP_KEY_TYPE_AES) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "SCP03 needs an AES key set");
		return NULL;
	}
	enc = tok_gp_scp03_derive_session_key(crypto,
					      tok_gp_key_set_get_key(keys, TOK_GP_KEY_ENC),
					      TOK_GP_SCP03_CONSTANT_S_ENC,
					      host_challenge,
					      card_challenge,
					      error);
	if (enc == NULL)
		return NULL;
	mac = tok_gp_scp03_derive_session_key(crypto,
					      static_mac,
					      TOK_GP_SCP03_CONSTANT_S_MAC,
					      host_challenge,
					      card_challenge,
					      error);
	if (mac == NULL)
		return NULL;
	rmac = tok_gp_scp03_derive_session_key(crypto,
					       static_mac,
					       TOK_GP_SCP03_CONSTANT_S_RMAC,
					       host_challenge,
					       card_challenge,
					       error);
	if (rmac == NULL)
		return NULL;
	return tok_gp_session_keys_new(TOK_GP_SCP03,
				       enc,
				       mac,
				       rmac,
				       tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK),
				       error);
}

static gboolean
tok_gp_scp03_cryptogram(TokGpCrypto *crypto,
			TokSecret *s_mac,
			guint8 constant,
			const guint8 *hc,
			const guint8 *cc,
			guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			GError **error)
{
	guint8 context[16];
	gsize len = 0;
	const guint8 *k;

	if (!tok_gp_scp03_check_key(s_mac, "S-MAC", error))
		return FALSE;
	k = tok_secret_get_data(s_mac, &len);
	tok_gp_scp03_context(hc, cc, context);
	return tok_gp_scp03_kdf(crypto, k, len, constant, 64, context, sizeof(context), out, error);
}

gboolean
tok_gp_scp03_card_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_mac,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error)
{
	return tok_gp_scp03_cryptogram(crypto,
				       s_mac,
				       TOK_GP_SCP03_CONSTANT_CARD_CRYPTOGRAM,
				       host_challenge,
				       card_challenge,
				       out,
				       error);
}

gboolean
tok_gp_scp03_host_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_mac,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error)
{
	return tok_gp_scp03_cryptogram(crypto,
				       s_mac,
				       TOK_GP_SCP03_CONSTANT_HOST_CRYPTOGRAM,
				       host_challenge,
				       card_challenge,
				       out,
				       error);
}

gboolean
tok_gp_scp03_card_challenge(TokGpCrypto *crypto,
			    TokSecret *static_enc,
			    guint32 sequence_counter,
			    const guint8 *aid,
			    gsize aid_len,
			    guint8 out[TOK_GP_CHALLENGE_SIZE],
			    GError **error)
{
	g_autoptr(GByteArray) context = g_byte_array_new();
	gsize len = 0;
	const guint8 *k;

	if (!tok_gp_scp03_check_key(static_enc, "ENC", error))
		return FALSE;
	if (sequence_counter > 0xffffff) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SCP03 sequence counter %u exceeds 24 bits",
			    sequence_counter);
		return FALSE;
	}
	if (aid == NULL || aid_len < 5 || aid_len > 16) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "AID of %" G_GSIZE_FORMAT " bytes (expected 5 to 16)",
			    aid_len);
		return FALSE;
	}
	tok_byte_array_append_u8(context, (guint8)(sequence_counter >> 16));
	tok_byte_array_append_u16_be(context, (guint16)(sequence_counter & 0xffff));
	g_byte_array_append(context, aid, (guint)aid_len);
	k = tok_secret_get_data(static_enc, &len);
	return tok_gp_scp03_kdf(crypto,
				k,
				len,
				TOK_GP_SCP03_CONSTANT_CARD_CHALLENGE,
				64,
				context->data,
				context->len,
				out,
				error);
}

gboolean
tok_gp_scp03_compute_mac(TokGpCrypto *crypto,
			 TokSecret *key,
			 const guint8 chain[TOK_GP_SCP03_CHAIN_SIZE],
			 const guint8 *data,
			 gsize len,
			 guint8 out[TOK_GP_SCP03_CHAIN_SIZE],
			 GError **error)
{
	g_autoptr(TokWipedByteArray) input = g_byte_array_new();
	gsize klen = 0;
	const guint8 *k;

	if (!tok_gp_scp03_check_key(key, "MAC", error))
		return FALSE;
	if (len > TOK_GP_CRYPTO_MAX_INPUT || (len > 0 && data == NULL)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "SCP03 MAC input of %" G_GSIZE_FORMAT " bytes",
			    len);
		return FALSE;
	}
	k = tok_secret_get_data(key, &klen);
	g_byte_array_append(input, chain, TOK_GP_SCP03_CHAIN_SIZE);
	if (len > 0)
		g_byte_array_append(input, data, (guint)len);
	if (!tok_gp_crypto_aes_cmac(crypto, k, klen, input->data, input->len, out, error)) {
		g_prefix_error(error, "SCP03 MAC: ");
		return FALSE;
	}
	return TRUE;
}

/* IV = AES-ECB(S-ENC, counter as a 16-byte big-endian block). */
static gboolean
tok_gp_scp03_iv(TokGpCrypto *crypto,
		TokSecret *s_enc,
		guint32 counter,
		guint8 iv[16],
		GError **error)
{
	guint8 block[16] = {0};
	gsize klen = 0;
	const guint8 *k = tok_secret_get_data(s_enc, &klen);

	block[12] = (guint8)(counter >> 24);
	block[13] = (guint8)(counter >> 16);
	block[14] = (guint8)(counter >> 8);
	block[15] = (guint8)counter;
	if (!tok_gp_crypto_aes_ecb(crypto, TRUE, k, klen, block, sizeof(block), iv, error)) {
		g_prefix_error(error, "SCP03 encryption IV: ");
		return FALSE;
	}
	return TRUE;
}

GBytes *
tok_gp_scp03_encrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     guint32 counter,
		     const guint8 *data,
		     gsize len,
		     GError **error)
{
	guint8 iv[16];
	g_autoptr(TokWipedByteArray) plain = g_byte_array_new();
	g_autoptr(TokWipedByteArray) cipher = g_byte_array_new();
	gsize klen = 0;
	const guint8 *k;

	if (!tok_gp_scp03_check_key(s_enc, "S-ENC", error))
		return NULL;
	if (len > 255 || (len > 0 && data == NULL)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "SCP03 cannot encrypt a data field of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	if (len == 0)
		return tok_bytes_new_wiped(NULL, 0);
	if (!tok_gp_scp03_iv(crypto, s_enc, counter, iv, error))
		return NULL;
	g_byte_array_append(plain, data, (guint)len);
	tok_gp_pad80(plain, 16);
	g_byte_array_set_size(cipher, plain->len);
	k = tok_secret_get_data(s_enc, &klen);
	if (!tok_gp_crypto_aes_cbc(crypto,
				   TRUE,
				   k,
				   klen,
				   iv,
				   plain->data,
				   plain->len,
				   cipher->data,
				   error)) {
		g_prefix_error(error, "SCP03 encryption: ");
		return NULL;
	}
	return tok_bytes_new_wiped_take(g_steal_pointer(&cipher));
}

GBytes *
tok_gp_scp03_decrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     guint32 counter,
		     const guint8 *data,
		     gsize len,
		     GError **error)
{
	guint8 iv[16];
	g_autoptr(TokWipedByteArray) plain = g_byte_array_new();
	gsize klen = 0;
	gsize n = 0;
	const guint8 *k;

	if (!tok_gp_scp03_check_key(s_enc, "S-ENC", error))
		return NULL;
	if (len == 0 || len % 16 != 0 || len > 256 || data == NULL) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "SCP03 encrypted data field of %" G_GSIZE_FORMAT
			    " bytes is not whole blocks",
			    len);
		return NULL;
	}
	if (!tok_gp_scp03_iv(crypto, s_enc, counter, iv, error))
		return NULL;
	g_byte_array_set_size(plain, (guint)len);
	k = tok_secret_get_data(s_enc, &klen);
	if (!tok_gp_crypto_aes_cbc(crypto, FALSE, k, klen, iv, data, len, plain->data, error)) {
		g_prefix_error(error, "SCP03 decryption: ");
		return NULL;
	}
	if (!tok_gp_unpad80(plain->data, len, 16, &n)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_AUTH_FAILED,
				    "SCP03 decrypted data does not verify");
		return NULL;
	}
	return tok_bytes_new_wiped(plain->data, n);
}
