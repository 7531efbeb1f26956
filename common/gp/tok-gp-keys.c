/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-keys.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"

struct _TokGpKeySet {
	gatomicrefcount refcount;
	TokGpKeyType type;
	TokSecret *keys[3]; /* ENC, MAC, DEK */
};

struct _TokGpSessionKeys {
	gatomicrefcount refcount;
	TokGpScp scp;
	TokSecret *enc;
	TokSecret *mac;
	TokSecret *rmac;
	TokSecret *dek;
};

G_DEFINE_BOXED_TYPE(TokGpKeySet, tok_gp_key_set, tok_gp_key_set_ref, tok_gp_key_set_unref)
G_DEFINE_BOXED_TYPE(TokGpSessionKeys,
		    tok_gp_session_keys,
		    tok_gp_session_keys_ref,
		    tok_gp_session_keys_unref)

gboolean
tok_gp_scp_is_valid(TokGpScp scp)
{
	return scp == TOK_GP_SCP01 || scp == TOK_GP_SCP02 || scp == TOK_GP_SCP03;
}

const gchar *
tok_gp_scp_to_string(TokGpScp scp)
{
	switch (scp) {
	case TOK_GP_SCP01:
		return "SCP01";
	case TOK_GP_SCP02:
		return "SCP02";
	case TOK_GP_SCP03:
		return "SCP03";
	}
	return "unknown";
}

static gboolean
tok_gp_key_length_ok(TokGpKeyType type, gsize len)
{
	if (type == TOK_GP_KEY_TYPE_DES3)
		return len == 16;
	if (type == TOK_GP_KEY_TYPE_AES)
		return len == 16 || len == 24 || len == 32;
	return FALSE;
}

TokGpKeySet *
tok_gp_key_set_new(TokGpKeyType type,
		   TokSecret *enc,
		   TokSecret *mac,
		   TokSecret *dek,
		   GError **error)
{
	TokSecret *in[3] = {enc, mac, dek};
	const gchar *names[3] = {"ENC", "MAC", "DEK"};
	TokGpKeySet *keys;

	if (type != TOK_GP_KEY_TYPE_DES3 && type != TOK_GP_KEY_TYPE_AES) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown key type %d",
			    (gint)type);
		return NULL;
	}
	for (guint i = 0; i < 3; i++) {
		if (in[i] == NULL) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "no %s key",
				    names[i]);
			return NULL;
		}
		if (!tok_gp_key_length_ok(type, tok_secret_get_size(in[i])) ||
		    tok_secret_get_size(in[i]) != tok_secret_get_size(in[0])) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "%s key of %" G_GSIZE_FORMAT
				    " bytes is not a valid %s key of the key set",
				    names[i],
				    tok_secret_get_size(in[i]),
				    type == TOK_GP_KEY_TYPE_DES3 ? "DES3" : "AES");
			return NULL;
		}
	}
	keys = g_new0(TokGpKeySet, 1);
	g_atomic_ref_count_init(&keys->refcount);
	keys->type = type;
	for (guint i = 0; i < 3; i++)
		keys->keys[i] = tok_secret_ref(in[i]);
	return keys;
}

TokGpKeySet *
tok_gp_key_set_new_from_data(TokGpKeyType type, const guint8 *key, gsize len, GError **error)
{
	g_autoptr(TokSecret) secret = NULL;

	if (key == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no key data");
		return NULL;
	}
	secret = tok_secret_new_from_data(key, len);
	return tok_gp_key_set_new(type, secret, secret, secret, error);
}

TokGpKeySet *
tok_gp_key_set_new_default(TokGpKeyType type)
{
	guint8 key[16];

	for (guint i = 0; i < sizeof(key); i++)
		key[i] = (guint8)(0x40 + i);
	return tok_gp_key_set_new_from_data(type == TOK_GP_KEY_TYPE_AES ? TOK_GP_KEY_TYPE_AES
									: TOK_GP_KEY_TYPE_DES3,
					    key,
					    sizeof(key),
					    NULL);
}

TokGpKeySet *
tok_gp_key_set_ref(TokGpKeySet *keys)
{
	g_atomic_ref_count_inc(&keys->refcount);
	return keys;
}

void
tok_gp_key_set_unref(TokGpKeySet *keys)
{
	if (keys == NULL || !g_atomic_ref_count_dec(&keys->refcount))
		return;
	for (guint i = 0; i < 3; i++)
		tok_secret_unref(keys->keys[i]);
	g_free(keys);
}

TokGpKeyType
tok_gp_key_set_get_key_type(const TokGpKeySet *keys)
{
	return keys->type;
}

gsize
tok_gp_key_set_get_key_length(const TokGpKeySet *keys)
{
	return tok_secret_get_size(keys->keys[0]);
}

TokSecret *
tok_gp_key_set_get_key(const TokGpKeySet *keys, TokGpKeyUsage usage)
{
	switch (usage) {
	case TOK_GP_KEY_ENC:
		return keys->keys[0];
	case TOK_GP_KEY_MAC:
		return keys->keys[1];
	case TOK_GP_KEY_DEK:
		return keys->keys[2];
	}
	return keys->keys[2];
}

gboolean
tok_gp_key_set_equal(const TokGpKeySet *a, const TokGpKeySet *b)
{
	gboolean same = TRUE;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type)
		return FALSE;
	for (guint i = 0; i < 3; i++)
		same &= tok_secret_equal(a->keys[i], b->keys[i]);
	return same;
}

gboolean
tok_gp_key_set_get_kcv(const TokGpKeySet *keys,
		       TokGpCrypto *crypto,
		       TokGpKeyUsage usage,
		       guint8 out[TOK_GP_KCV_SIZE],
		       GError **error)
{
	gsize len = 0;
	const guint8 *key = tok_secret_get_data(tok_gp_key_set_get_key(keys, usage), &len);

	if (keys->type == TOK_GP_KEY_TYPE_AES)
		return tok_gp_crypto_kcv_aes(crypto, key, len, out, error);
	return tok_gp_crypto_kcv_des(crypto, key, len, out, error);
}

void
tok_gp_diversification_data_visa2(const guint8 kdd[TOK_GP_KDD_SIZE],
				  guint8 usage_byte,
				  guint8 out[16])
{
	const guint8 pick[6] = {0, 1, 4, 5, 6, 7};

	for (guint i = 0; i < 6; i++) {
		out[i] = kdd[pick[i]];
		out[8 + i] = kdd[pick[i]];
	}
	out[6] = 0xF0;
	out[7] = usage_byte;
	out[14] = 0x0F;
	out[15] = usage_byte;
}

void
tok_gp_diversification_data_emv(const guint8 kdd[TOK_GP_KDD_SIZE],
				guint8 usage_byte,
				guint8 out[16])
{
	for (guint i = 0; i < 6; i++) {
		out[i] = kdd[4 + i];
		out[8 + i] = kdd[4 + i];
	}
	out[6] = 0xF0;
	out[7] = usage_byte;
	out[14] = 0x0F;
	out[15] = usage_byte;
}

/* Wraps three freshly derived key buffers (wiped by the caller) into a key set. */
static TokGpKeySet *
tok_gp_key_set_from_buffers(TokGpKeyType type, guint8 *const bufs[3], gsize len, GError **error)
{
	g_autoptr(TokSecret) enc = NULL;
	g_autoptr(TokSecret) mac = NULL;
	g_autoptr(TokSecret) dek = NULL;

	if (type == TOK_GP_KEY_TYPE_DES3) {
		for (guint i = 0; i < 3; i++)
			tok_gp_des_set_odd_parity(bufs[i], len);
	}
	enc = tok_secret_new_from_data(bufs[0], len);
	mac = tok_secret_new_from_data(bufs[1], len);
	dek = tok_secret_new_from_data(bufs[2], len);
	return tok_gp_key_set_new(type, enc, mac, dek, error);
}

static TokGpKeySet *
tok_gp_key_set_derive_des_data(TokGpCrypto *crypto,
			       TokGpDiversification method,
			       TokSecret *master,
			       const guint8 *kdd,
			       TokGpKeyType result_type,
			       GError **error)
{
	g_auto(TokGpScratch) out = {{0}};
	guint8 *bufs[3] = {out.data, out.data + 16, out.data + 32};
	gsize len = 0;
	const guint8 *mk = tok_secret_get_data(master, &len);

	if (kdd == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "diversification needs the KDD");
		return NULL;
	}
	for (guint n = 1; n <= 3; n++) {
		guint8 data[16];
		if (method == TOK_GP_DIVERSIFY_VISA2)
			tok_gp_diversification_data_visa2(kdd, (guint8)n, data);
		else
			tok_gp_diversification_data_emv(kdd, (guint8)n, data);
		if (!tok_gp_crypto_des_ecb(crypto,
					   TRUE,
					   mk,
					   len,
					   data,
					   sizeof(data),
					   bufs[n - 1],
					   error)) {
			g_prefix_error(error,
				       "%s diversification: ",
				       method == TOK_GP_DIVERSIFY_VISA2 ? "VISA2" : "EMV");
			return NULL;
		}
	}
	return tok_gp_key_set_from_buffers(result_type, bufs, 16, error);
}

static TokGpKeySet *
tok_gp_key_set_derive_nist(TokGpCrypto *crypto,
			   TokSecret *master,
			   const guint8 *context,
			   gsize context_len,
			   GError **error)
{
	g_auto(TokGpScratch) out = {{0}};
	guint8 *bufs[3] = {out.data, out.data + 16, out.data + 32};
	g_autoptr(GByteArray) fixed = g_byte_array_new();
	gsize len = 0;
	const guint8 *mk = tok_secret_get_data(master, &len);

	if (context == NULL || context_len == 0 || context_len > 255) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "NIST SP 800-108 context of %" G_GSIZE_FORMAT " bytes",
			    context_len);
		return NULL;
	}
	/* label 04, separator 00, context, L = 384 bits */
	tok_byte_array_append_u8(fixed, 0x04);
	tok_byte_array_append_u8(fixed, 0x00);
	g_byte_array_append(fixed, context, (guint)context_len);
	tok_byte_array_append_u16_be(fixed, 384);
	if (!tok_gp_crypto_kdf_counter(crypto,
				       TOK_GP_PRF_HMAC_SHA256,
				       mk,
				       len,
				       NULL,
				       0,
				       fixed->data,
				       fixed->len,
				       out.data,
				       48,
				       error)) {
		g_prefix_error(error, "NIST SP 800-108 card keys: ");
		return NULL;
	}
	return tok_gp_key_set_from_buffers(TOK_GP_KEY_TYPE_DES3, bufs, 16, error);
}

static TokGpKeySet *
tok_gp_key_set_derive_gpkmc(TokGpCrypto *crypto,
			    TokSecret *master,
			    const guint8 *cuid,
			    GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	guint8 *bufs[3];
	gsize len = 0;
	const guint8 *mk = tok_secret_get_data(master, &len);

	if (cuid == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "GPKMC diversification needs the CUID");
		return NULL;
	}
	g_byte_array_set_size(out, (guint)(3 * len));
	for (guint c = 1; c <= 3; c++) {
		guint8 fixed[15];

		bufs[c - 1] = out->data + (c - 1) * len;
		/* after the counter: 00 00 00 c 00 | 00 00 serial(4) batch(2) | L(2) */
		fixed[0] = 0x00;
		fixed[1] = 0x00;
		fixed[2] = 0x00;
		fixed[3] = (guint8)c;
		fixed[4] = 0x00;
		fixed[5] = 0x00;
		fixed[6] = 0x00;
		tok_gp_copy(fixed + 7, cuid + 6, 4);
		tok_gp_copy(fixed + 11, cuid + 4, 2);
		fixed[13] = (guint8)((len * 8) >> 8);
		fixed[14] = (guint8)((len * 8) & 0xff);
		if (!tok_gp_crypto_kdf_counter(crypto,
					       TOK_GP_PRF_CMAC_AES,
					       mk,
					       len,
					       NULL,
					       0,
					       fixed,
					       sizeof(fixed),
					       bufs[c - 1],
					       len,
					       error)) {
			g_prefix_error(error, "GPKMC diversification: ");
			return NULL;
		}
	}
	return tok_gp_key_set_from_buffers(TOK_GP_KEY_TYPE_AES, bufs, len, error);
}

TokGpKeySet *
tok_gp_key_set_derive(TokGpCrypto *crypto,
		      TokGpDiversification method,
		      TokGpKeyType master_type,
		      TokSecret *master,
		      const guint8 *kdd,
		      const guint8 *context,
		      gsize context_len,
		      const guint8 *cuid,
		      TokGpKeyType result_type,
		      GError **error)
{
	gsize mlen = tok_secret_get_size(master);

	if (!tok_gp_key_length_ok(master_type, mlen)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "master key of %" G_GSIZE_FORMAT " bytes is not a valid %s key",
			    mlen,
			    master_type == TOK_GP_KEY_TYPE_DES3 ? "DES3" : "AES");
		return NULL;
	}
	switch (method) {
	case TOK_GP_DIVERSIFY_NONE:
		return tok_gp_key_set_new(master_type, master, master, master, error);
	case TOK_GP_DIVERSIFY_VISA2:
	case TOK_GP_DIVERSIFY_EMV:
		if (master_type != TOK_GP_KEY_TYPE_DES3) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_NOT_SUPPORTED,
					    "VISA2 and EMV diversification need a DES3 master key");
			return NULL;
		}
		return tok_gp_key_set_derive_des_data(crypto,
						      method,
						      master,
						      kdd,
						      result_type,
						      error);
	case TOK_GP_DIVERSIFY_NIST_SP800_108:
		if (context == NULL) {
			context = kdd;
			context_len = kdd != NULL ? TOK_GP_KDD_SIZE : 0;
		}
		return tok_gp_key_set_derive_nist(crypto, master, context, context_len, error);
	case TOK_GP_DIVERSIFY_GPKMC:
		if (master_type != TOK_GP_KEY_TYPE_AES) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_NOT_SUPPORTED,
					    "GPKMC diversification needs an AES master key");
			return NULL;
		}
		return tok_gp_key_set_derive_gpkmc(crypto, master, cuid, error);
	}
	g_set_error(error,
		    TOK_ERROR,
		    TOK_ERROR_INVALID_DATA,
		    "unknown diversification method %d",
		    (gint)method);
	return NULL;
}

/* ---- session keys ------------------------------------------------------------------- */

TokGpSessionKeys *
tok_gp_session_keys_new(TokGpScp scp,
			TokSecret *enc,
			TokSecret *mac,
			TokSecret *rmac,
			TokSecret *dek,
			GError **error)
{
	TokSecret *all[4] = {enc, mac, rmac, dek};
	const gchar *names[4] = {"S-ENC", "S-MAC", "S-RMAC", "DEK"};
	TokGpSessionKeys *keys;

	if (!tok_gp_scp_is_valid(scp)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol %d",
			    (gint)scp);
		return NULL;
	}
	for (guint i = 0; i < 4; i++) {
		gsize len;
		if (all[i] == NULL) {
			if (i < 2) {
				g_set_error(error,
					    TOK_ERROR,
					    TOK_ERROR_INVALID_DATA,
					    "no %s session key",
					    names[i]);
				return NULL;
			}
			continue;
		}
		len = tok_secret_get_size(all[i]);
		if (!tok_gp_key_length_ok(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES
							      : TOK_GP_KEY_TYPE_DES3,
					  len)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_INVALID_DATA,
				    "%s key of %" G_GSIZE_FORMAT " bytes is not valid for %s",
				    names[i],
				    len,
				    tok_gp_scp_to_string(scp));
			return NULL;
		}
	}
	keys = g_new0(TokGpSessionKeys, 1);
	g_atomic_ref_count_init(&keys->refcount);
	keys->scp = scp;
	keys->enc = tok_secret_ref(enc);
	keys->mac = tok_secret_ref(mac);
	keys->rmac = rmac != NULL ? tok_secret_ref(rmac) : NULL;
	keys->dek = dek != NULL ? tok_secret_ref(dek) : NULL;
	return keys;
}

TokGpSessionKeys *
tok_gp_session_keys_ref(TokGpSessionKeys *keys)
{
	g_atomic_ref_count_inc(&keys->refcount);
	return keys;
}

void
tok_gp_session_keys_unref(TokGpSessionKeys *keys)
{
	if (keys == NULL || !g_atomic_ref_count_dec(&keys->refcount))
		return;
	tok_secret_unref(keys->enc);
	tok_secret_unref(keys->mac);
	tok_secret_unref(keys->rmac);
	tok_secret_unref(keys->dek);
	g_free(keys);
}

TokGpScp
tok_gp_session_keys_get_scp(const TokGpSessionKeys *keys)
{
	return keys->scp;
}

TokSecret *
tok_gp_session_keys_get_enc(const TokGpSessionKeys *keys)
{
	return keys->enc;
}

TokSecret *
tok_gp_session_keys_get_mac(const TokGpSessionKeys *keys)
{
	return keys->mac;
}

TokSecret *
tok_gp_session_keys_get_rmac(const TokGpSessionKeys *keys)
{
	return keys->rmac;
}

TokSecret *
tok_gp_session_keys_get_dek(const TokGpSessionKeys *keys)
{
	return keys->dek;
}
