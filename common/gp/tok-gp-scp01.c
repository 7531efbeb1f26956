/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-scp01.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"

TokSecret *
tok_gp_scp01_derive_session_key(TokGpCrypto *crypto,
				TokSecret *static_key,
				const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				GError **error)
{
	guint8 dd[16];
	g_autoptr(TokSecret) key = tok_secret_new(16);

	if (!tok_gp_check_des3_key(static_key, "SCP01", "static", error))
		return NULL;
	for (guint i = 0; i < 4; i++) {
		dd[i] = card_challenge[4 + i];
		dd[4 + i] = host_challenge[i];
		dd[8 + i] = card_challenge[i];
		dd[12 + i] = host_challenge[4 + i];
	}
	if (!tok_gp_crypto_des_ecb(crypto,
				   TRUE,
				   tok_secret_get_data(static_key, NULL),
				   16,
				   dd,
				   sizeof(dd),
				   tok_secret_get_mutable_data(key),
				   error)) {
		g_prefix_error(error, "SCP01 session key: ");
		return NULL;
	}
	tok_gp_des_set_odd_parity(tok_secret_get_mutable_data(key), 16);
	return g_steal_pointer(&key);
}

TokGpSessionKeys *
tok_gp_scp01_derive_session_keys(TokGpCrypto *crypto,
				 const TokGpKeySet *keys,
				 const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
				 const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
				 GError **error)
{
	g_autoptr(TokSecret) enc = NULL;
	g_autoptr(TokSecret) mac = NULL;

	if (tok_gp_key_set_get_key_type(keys) != TOK_GP_KEY_TYPE_DES3) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "SCP01 needs a DES3 key set");
		return NULL;
	}
	enc = tok_gp_scp01_derive_session_key(crypto,
					      tok_gp_key_set_get_key(keys, TOK_GP_KEY_ENC),
					      host_challenge,
					      card_challenge,
					      error);
	if (enc == NULL)
		return NULL;
	mac = tok_gp_scp01_derive_session_key(crypto,
					      tok_gp_key_set_get_key(keys, TOK_GP_KEY_MAC),
					      host_challenge,
					      card_challenge,
					      error);
	if (mac == NULL)
		return NULL;
	return tok_gp_session_keys_new(TOK_GP_SCP01,
				       enc,
				       mac,
				       NULL,
				       tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK),
				       error);
}

static gboolean
tok_gp_scp01_cryptogram(TokGpCrypto *crypto,
			TokSecret *s_enc,
			const guint8 *first,
			const guint8 *second,
			guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			GError **error)
{
	const guint8 icv[8] = {0};
	guint8 input[16];

	if (!tok_gp_check_des3_key(s_enc, "SCP01", "S-ENC", error))
		return FALSE;
	tok_gp_copy(input, first, 8);
	tok_gp_copy(input + 8, second, 8);
	if (!tok_gp_crypto_des3_mac(crypto,
				    tok_secret_get_data(s_enc, NULL),
				    icv,
				    input,
				    sizeof(input),
				    out,
				    error)) {
		g_prefix_error(error, "SCP01 cryptogram: ");
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_scp01_card_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error)
{
	return tok_gp_scp01_cryptogram(crypto, s_enc, host_challenge, card_challenge, out, error);
}

gboolean
tok_gp_scp01_host_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     const guint8 card_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error)
{
	return tok_gp_scp01_cryptogram(crypto, s_enc, card_challenge, host_challenge, out, error);
}

gboolean
tok_gp_scp01_compute_mac(TokGpCrypto *crypto,
			 TokSecret *s_mac,
			 const guint8 icv[TOK_GP_MAC_SIZE],
			 const guint8 *data,
			 gsize len,
			 guint8 out[TOK_GP_MAC_SIZE],
			 GError **error)
{
	if (!tok_gp_check_des3_key(s_mac, "SCP01", "S-MAC", error))
		return FALSE;
	if (!tok_gp_crypto_des3_mac(crypto,
				    tok_secret_get_data(s_mac, NULL),
				    icv,
				    data,
				    len,
				    out,
				    error)) {
		g_prefix_error(error, "SCP01 C-MAC: ");
		return FALSE;
	}
	return TRUE;
}

GBytes *
tok_gp_scp01_encrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error)
{
	/* Lc || data, padded only up to a whole block */
	return tok_gp_des3_encrypt_field(crypto, s_enc, "SCP01", TRUE, FALSE, data, len, error);
}

GBytes *
tok_gp_scp01_decrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error)
{
	g_autoptr(TokWipedByteArray) plain = tok_gp_des3_decrypt_field(crypto, s_enc, "SCP01", data, len, error);
	gsize n;

	if (plain == NULL)
		return NULL;
	/* Lc || data, then 80 00.. only if 1 + Lc was not a multiple of 8 */
	n = plain->data[0];
	if ((n + 1) % 8 == 0) {
		if (n + 1 != len) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_AUTH_FAILED,
					    "SCP01 decrypted data does not verify");
			return NULL;
		}
	} else {
		gsize unpadded = 0;
		if (!tok_gp_unpad80(plain->data, len, 8, &unpadded) || unpadded != n + 1) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_AUTH_FAILED,
					    "SCP01 decrypted data does not verify");
			return NULL;
		}
	}
	return tok_bytes_new_wiped(plain->data + 1, n);
}
