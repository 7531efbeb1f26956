/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-scp02.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"

TokSecret *
tok_gp_scp02_derive_session_key(TokGpCrypto *crypto,
				TokSecret *static_key,
				guint16 constant,
				guint16 sequence_counter,
				GError **error)
{
	guint8 dd[16] = {0};
	g_autoptr(TokSecret) key = tok_secret_new(16);

	if (!tok_gp_check_des3_key(static_key, "SCP02", "static", error))
		return NULL;
	dd[0] = (guint8)(constant >> 8);
	dd[1] = (guint8)(constant & 0xff);
	dd[2] = (guint8)(sequence_counter >> 8);
	dd[3] = (guint8)(sequence_counter & 0xff);
	if (!tok_gp_crypto_des3_cbc_zero_iv(crypto, TRUE, static_key, dd, sizeof(dd), tok_secret_get_mutable_data(key), error)) {
		g_prefix_error(error, "SCP02 session key %04X: ", constant);
		return NULL;
	}
	tok_gp_des_set_odd_parity(tok_secret_get_mutable_data(key), 16);
	return g_steal_pointer(&key);
}

TokGpSessionKeys *
tok_gp_scp02_derive_session_keys(TokGpCrypto *crypto,
				 const TokGpKeySet *keys,
				 guint16 sequence_counter,
				 GError **error)
{
	g_autoptr(TokSecret) enc = NULL;
	g_autoptr(TokSecret) cmac = NULL;
	g_autoptr(TokSecret) rmac = NULL;
	g_autoptr(TokSecret) dek = NULL;

	if (tok_gp_key_set_get_key_type(keys) != TOK_GP_KEY_TYPE_DES3) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "SCP02 needs a DES3 key set");
		return NULL;
	}
	enc = tok_gp_scp02_derive_session_key(crypto,
					      tok_gp_key_set_get_key(keys, TOK_GP_KEY_ENC),
					      TOK_GP_SCP02_CONSTANT_ENC,
					      sequence_counter,
					      error);
	if (enc == NULL)
		return NULL;
	cmac = tok_gp_scp02_derive_session_key(crypto,
					       tok_gp_key_set_get_key(keys, TOK_GP_KEY_MAC),
					       TOK_GP_SCP02_CONSTANT_C_MAC,
					       sequence_counter,
					       error);
	if (cmac == NULL)
		return NULL;
	rmac = tok_gp_scp02_derive_session_key(crypto,
					       tok_gp_key_set_get_key(keys, TOK_GP_KEY_MAC),
					       TOK_GP_SCP02_CONSTANT_R_MAC,
					       sequence_counter,
					       error);
	if (rmac == NULL)
		return NULL;
	dek = tok_gp_scp02_derive_session_key(crypto,
					      tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK),
					      TOK_GP_SCP02_CONSTANT_DEK,
					      sequence_counter,
					      error);
	if (dek == NULL)
		return NULL;
	return tok_gp_session_keys_new(TOK_GP_SCP02, enc, cmac, rmac, dek, error);
}

static gboolean
tok_gp_scp02_cryptogram(TokGpCrypto *crypto,
			TokSecret *s_enc,
			const guint8 *host_challenge,
			guint16 sequence_counter,
			const guint8 *card_challenge,
			gboolean host,
			guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			GError **error)
{
	const guint8 icv[8] = {0};
	g_autoptr(GByteArray) input = g_byte_array_sized_new(16);

	if (!tok_gp_check_des3_key(s_enc, "SCP02", "S-ENC", error))
		return FALSE;
	if (!host)
		g_byte_array_append(input, host_challenge, TOK_GP_CHALLENGE_SIZE);
	tok_byte_array_append_u16_be(input, sequence_counter);
	g_byte_array_append(input, card_challenge, TOK_GP_SCP02_CARD_CHALLENGE_SIZE);
	if (host)
		g_byte_array_append(input, host_challenge, TOK_GP_CHALLENGE_SIZE);
	if (!tok_gp_crypto_des3_mac(crypto,
				    tok_secret_get_data(s_enc, NULL),
				    icv,
				    input->data,
				    input->len,
				    out,
				    error)) {
		g_prefix_error(error, "SCP02 cryptogram: ");
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_scp02_card_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint16 sequence_counter,
			     const guint8 card_challenge[TOK_GP_SCP02_CARD_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error)
{
	return tok_gp_scp02_cryptogram(crypto,
				       s_enc,
				       host_challenge,
				       sequence_counter,
				       card_challenge,
				       FALSE,
				       out,
				       error);
}

gboolean
tok_gp_scp02_host_cryptogram(TokGpCrypto *crypto,
			     TokSecret *s_enc,
			     const guint8 host_challenge[TOK_GP_CHALLENGE_SIZE],
			     guint16 sequence_counter,
			     const guint8 card_challenge[TOK_GP_SCP02_CARD_CHALLENGE_SIZE],
			     guint8 out[TOK_GP_CRYPTOGRAM_SIZE],
			     GError **error)
{
	return tok_gp_scp02_cryptogram(crypto,
				       s_enc,
				       host_challenge,
				       sequence_counter,
				       card_challenge,
				       TRUE,
				       out,
				       error);
}

gboolean
tok_gp_scp02_compute_mac(TokGpCrypto *crypto,
			 TokSecret *s_mac,
			 const guint8 icv[TOK_GP_MAC_SIZE],
			 const guint8 *data,
			 gsize len,
			 guint8 out[TOK_GP_MAC_SIZE],
			 GError **error)
{
	if (!tok_gp_check_des3_key(s_mac, "SCP02", "C-MAC", error))
		return FALSE;
	if (!tok_gp_crypto_retail_mac(crypto,
				      tok_secret_get_data(s_mac, NULL),
				      icv,
				      data,
				      len,
				      out,
				      error)) {
		g_prefix_error(error, "SCP02 C-MAC: ");
		return FALSE;
	}
	return TRUE;
}

GBytes *
tok_gp_scp02_rmac_command(const guint8 header[4], const guint8 *data, gsize len, GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_sized_new(5 + (guint)MIN(len, 255));

	if (len > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "SCP02 R-MAC: a command data field of %" G_GSIZE_FORMAT
			    " bytes does not fit a short APDU",
			    len);
		return NULL;
	}
	if (len > 0 && data == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "SCP02 R-MAC: command data field missing");
		return NULL;
	}
	/* neither the secure messaging indication nor the logical channel enter the R-MAC */
	tok_byte_array_append_u8(out, header[0] & (guint8)~0x07);
	g_byte_array_append(out, header + 1, 3);
	tok_byte_array_append_u8(out, (guint8)len);
	if (len > 0)
		g_byte_array_append(out, data, (guint)len);
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

gboolean
tok_gp_scp02_compute_rmac(TokGpCrypto *crypto,
			  TokSecret *s_rmac,
			  const guint8 icv[TOK_GP_MAC_SIZE],
			  GBytes *command,
			  const guint8 *data,
			  gsize len,
			  guint16 sw,
			  guint8 out[TOK_GP_MAC_SIZE],
			  GError **error)
{
	g_autoptr(TokWipedByteArray) input = g_byte_array_new();
	gsize command_len = 0;
	const guint8 *command_data = g_bytes_get_data(command, &command_len);

	if (!tok_gp_check_des3_key(s_rmac, "SCP02", "R-MAC", error))
		return FALSE;
	if (command_len < 5 || command_len != 5 + (gsize)command_data[4]) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "SCP02 R-MAC: command part of %" G_GSIZE_FORMAT
			    " bytes is not CLA INS P1 P2 Lc data",
			    command_len);
		return FALSE;
	}
	if (len > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "SCP02 R-MAC: response data of %" G_GSIZE_FORMAT
			    " bytes has no one-byte length",
			    len);
		return FALSE;
	}
	if (len > 0 && data == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "SCP02 R-MAC: response data missing");
		return FALSE;
	}
	g_byte_array_append(input, command_data, (guint)command_len);
	tok_byte_array_append_u8(input, (guint8)len);
	if (len > 0)
		g_byte_array_append(input, data, (guint)len);
	tok_byte_array_append_u16_be(input, sw);
	if (!tok_gp_crypto_retail_mac(crypto,
				      tok_secret_get_data(s_rmac, NULL),
				      icv,
				      input->data,
				      input->len,
				      out,
				      error)) {
		g_prefix_error(error, "SCP02 R-MAC: ");
		return FALSE;
	}
	return TRUE;
}

gboolean
tok_gp_scp02_encrypt_icv(TokGpCrypto *crypto,
			 TokSecret *s_mac,
			 const guint8 previous_mac[TOK_GP_MAC_SIZE],
			 guint8 out[TOK_GP_MAC_SIZE],
			 GError **error)
{
	if (!tok_gp_check_des3_key(s_mac, "SCP02", "C-MAC", error))
		return FALSE;
	/* single DES with the first 8 bytes (K1) of the C-MAC key */
	if (!tok_gp_crypto_des_ecb(crypto,
				   TRUE,
				   tok_secret_get_data(s_mac, NULL),
				   8,
				   previous_mac,
				   8,
				   out,
				   error)) {
		g_prefix_error(error, "SCP02 ICV encryption: ");
		return FALSE;
	}
	return TRUE;
}

GBytes *
tok_gp_scp02_encrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error)
{
	/* data, always padded */
	return tok_gp_des3_encrypt_field(crypto, s_enc, "SCP02", FALSE, TRUE, data, len, error);
}

GBytes *
tok_gp_scp02_decrypt(TokGpCrypto *crypto,
		     TokSecret *s_enc,
		     const guint8 *data,
		     gsize len,
		     GError **error)
{
	g_autoptr(TokWipedByteArray) plain = tok_gp_des3_decrypt_field(crypto, s_enc, "SCP02", data, len, error);
	gsize n = 0;

	if (plain == NULL)
		return NULL;
	if (!tok_gp_unpad80(plain->data, len, 8, &n)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_AUTH_FAILED,
				    "SCP02 decrypted data does not verify");
		return NULL;
	}
	return tok_bytes_new_wiped(plain->data, n);
}
