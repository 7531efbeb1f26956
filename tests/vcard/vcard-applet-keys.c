/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The CoolKey applet's key commands (protocol.md 4.4-4.6): on-card key generation with the
 * proof of possession written to the I/O buffer (RSA 1024/2048, EC P-256), import of
 * KEK-wrapped and clear key blobs, COMPUTE CRYPT (RSA), ECC signature and key agreement,
 * and CLEAR KEY SLOTS. Keys are OpenSSL EVP_PKEYs; private keys never leave the card.
 */
#include "config.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-put-key.h"
#include "tok-status-word.h"
#include "tok-tlv.h"
#include "vcard-private.h"

#define VCARD_KEYS_ACL_RA    TOK_COOLKEY_ACL_FOR(TOK_COOLKEY_IDENTITY_RA)
#define VCARD_KEYS_EC_BITS   256
#define VCARD_KEYS_EC_CURVE  "P-256"
#define VCARD_KEYS_MAX_INPUT 512

static guint16
vcard_keys_openssl_failed(VcardCard *self, const gchar *what, guint16 sw)
{
	g_autoptr(GError) error = NULL;

	tok_error_set_openssl(&error, what);
	vcard_card_log_error(self, "key operation failed", error);
	return sw;
}

static gboolean
vcard_keys_is_iobuf(guint32 id)
{
	return id == TOK_COOLKEY_OBJECT_ID_IOBUF || id == TOK_COOLKEY_OBJECT_ID_IOBUF_ALT;
}

/* Overwriting a key needs its write ACL; an empty slot takes anything. */
static gboolean
vcard_keys_can_write(VcardCard *self, guint8 slot)
{
	const VcardKey *key = &self->state->applet->keys[slot];

	return key->type == 0 || (key->acl.write_acl & self->authenticated) != 0;
}

/* Once paired, keys stay paired with the same mate. */
static gboolean
vcard_keys_pairing_ok(VcardCard *self, guint8 prv, guint8 pub)
{
	const VcardKey *keys = self->state->applet->keys;

	if (prv == pub)
		return FALSE;
	return (keys[prv].type == 0 || keys[prv].partner == VCARD_NO_PARTNER || keys[prv].partner == pub) &&
	       (keys[pub].type == 0 || keys[pub].partner == VCARD_NO_PARTNER || keys[pub].partner == prv);
}

/* P1 = (owner << 4) | private slot, P2 = (usage << 4) | public slot (old style: 00 00). */
static guint16
vcard_keys_parse_pair(VcardCard *self, const VcardCommand *cmd, guint8 *prv, guint8 *pub, guint16 *use_acl)
{
	guint8 owner = (guint8)(cmd->p1 >> 4);

	*prv = cmd->p1 & 0x0F;
	*pub = cmd->p2 & 0x0F;
	if (cmd->p1 == 0 && cmd->p2 == 0) {
		*prv = 0;
		*pub = 1;
		owner = TOK_COOLKEY_KEY_OWNER_ANYONE;
	}
	if (owner == TOK_COOLKEY_KEY_OWNER_ANYONE)
		*use_acl = TOK_COOLKEY_ACL_ANYONE;
	else if (owner < VCARD_MAX_PINS)
		*use_acl = TOK_COOLKEY_ACL_FOR(owner);
	else
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (!vcard_keys_can_write(self, *prv) || !vcard_keys_can_write(self, *pub))
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	if (!vcard_keys_pairing_ok(self, *prv, *pub))
		return TOK_SW_COOLKEY_INCONSISTENT_KEY_PAIR;
	return TOK_SW_OK;
}

static EVP_PKEY *
vcard_keys_public_only(EVP_PKEY *pkey)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int len = i2d_PUBKEY(pkey, &der);
	EVP_PKEY *pub;

	if (len <= 0)
		return NULL;
	p = der;
	pub = d2i_PUBKEY(NULL, &p, len);
	OPENSSL_free(der);
	return pub;
}

/* Puts a key pair into two slots: the private key usable by @use_acl only, readable by
 * nobody; the public key readable and usable by anyone; both written only by the RA. */
static gboolean
vcard_keys_install_pair(VcardCard *self, guint8 prv, guint8 pub, EVP_PKEY *pkey, guint16 use_acl, guint16 pub_read,
			guint16 pub_write, guint16 pub_use, guint16 prv_read, guint16 prv_write)
{
	VcardKey *keys = self->state->applet->keys;
	gboolean rsa = EVP_PKEY_is_a(pkey, "RSA");
	EVP_PKEY *public_key = vcard_keys_public_only(pkey);

	if (public_key == NULL)
		return FALSE;
	vcard_key_clear(&keys[prv]);
	vcard_key_clear(&keys[pub]);
	keys[prv].type = rsa ? TOK_COOLKEY_KEY_TYPE_RSA_PRIVATE_CRT : VCARD_KEY_TYPE_EC_PRIVATE;
	keys[prv].size = (guint16)EVP_PKEY_get_bits(pkey);
	keys[prv].partner = pub;
	keys[prv].acl = (TokCoolkeyKeyAcl){prv_read, prv_write, use_acl};
	keys[prv].pkey = pkey;
	EVP_PKEY_up_ref(pkey);
	keys[pub].type = rsa ? TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC : VCARD_KEY_TYPE_EC_PUBLIC;
	keys[pub].size = keys[prv].size;
	keys[pub].partner = prv;
	keys[pub].acl = (TokCoolkeyKeyAcl){pub_read, pub_write, pub_use};
	keys[pub].pkey = public_key;
	self->dirty = TRUE;
	return TRUE;
}

static gboolean
vcard_keys_append_bn(GByteArray *out, EVP_PKEY *pkey, const gchar *name, gsize pad)
{
	g_autoptr(BIGNUM) bn = NULL;
	gsize n;
	gsize start = out->len;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		return FALSE;
	n = pad > 0 ? pad : (gsize)BN_num_bytes(bn);
	tok_byte_array_append_u16_be(out, (guint16)n);
	g_byte_array_set_size(out, (guint)(start + 2 + n));
	return BN_bn2binpad(bn, out->data + start + 2, (int)n) == (int)n;
}

/* pubBlob: 00 01 keySize modLen modulus expLen exponent (RSA), 00 0A keySize pointLen point */
static gboolean
vcard_keys_public_blob(EVP_PKEY *pkey, guint16 bits, GByteArray *blob)
{
	tok_byte_array_append_u8(blob, 0x00);
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		tok_byte_array_append_u8(blob, TOK_COOLKEY_KEY_BLOB_RSA_PUBLIC);
		tok_byte_array_append_u16_be(blob, bits);
		return vcard_keys_append_bn(blob, pkey, OSSL_PKEY_PARAM_RSA_N, bits / 8) &&
		       vcard_keys_append_bn(blob, pkey, OSSL_PKEY_PARAM_RSA_E, 0);
	} else {
		size_t point_len = 0;
		gsize start;

		if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &point_len) != 1 ||
		    point_len == 0 || point_len > 0xFFFF)
			return FALSE;
		tok_byte_array_append_u8(blob, TOK_COOLKEY_KEY_BLOB_EC_PUBLIC);
		tok_byte_array_append_u16_be(blob, bits);
		tok_byte_array_append_u16_be(blob, (guint16)point_len);
		start = blob->len;
		g_byte_array_set_size(blob, (guint)(start + point_len));
		return EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, blob->data + start, point_len,
						       &point_len) == 1;
	}
}

/* RSA-PKCS#1-v1.5-SHA1 or ECDSA-SHA1 over @data (the proof of possession). */
static gboolean
vcard_keys_sign_sha1(EVP_PKEY *pkey, const guint8 *data, gsize len, GByteArray *sig)
{
	g_autoptr(EVP_MD_CTX) ctx = EVP_MD_CTX_new();
	size_t sig_len = 0;

	if (ctx == NULL || EVP_DigestSignInit_ex(ctx, NULL, "SHA1", NULL, NULL, pkey, NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &sig_len, data, len) != 1)
		return FALSE;
	g_byte_array_set_size(sig, (guint)sig_len);
	if (EVP_DigestSign(ctx, sig->data, &sig_len, data, len) != 1)
		return FALSE;
	g_byte_array_set_size(sig, (guint)sig_len);
	return TRUE;
}

/* GENERATE KEY (0C RSA, 0D ECC): alg keySize(2) option type wrappedLen wrapped kcvLen [kcv] */
guint16
vcard_applet_generate_key(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	gboolean ecc = cmd->ins == TOK_COOLKEY_INS_GENERATE_KEY_ECC;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) challenge = NULL;
	g_autoptr(EVP_PKEY) pkey = NULL;
	g_autoptr(TokWipedByteArray) blob = g_byte_array_new();
	g_autoptr(TokWipedByteArray) proof = g_byte_array_new();
	g_autoptr(GByteArray) sig = g_byte_array_new();
	g_autoptr(TokWipedByteArray) result = g_byte_array_new();
	const guint8 *wrapped = NULL, *kcv = NULL;
	guint8 prv = 0, pub = 0, alg = 0, option = 0, type = 0, wrapped_len = 0, kcv_len = 0;
	guint16 use_acl = 0, bits = 0, sw;
	gsize challenge_len = 0;
	const guint8 *challenge_data;
	TokReader r;

	sw = vcard_keys_parse_pair(self, cmd, &prv, &pub, &use_acl);
	if (sw != TOK_SW_OK)
		return sw;
	if (!ecc && cmd->len != TOK_COOLKEY_GENERATE_KEY_DATA_SIZE)
		return TOK_SW_WRONG_LENGTH;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u8(&r, &alg, NULL) || !tok_reader_read_u16_be(&r, &bits, NULL) ||
	    !tok_reader_read_u8(&r, &option, NULL) || !tok_reader_read_u8(&r, &type, NULL) ||
	    !tok_reader_read_u8(&r, &wrapped_len, NULL) || !tok_reader_read_view(&r, wrapped_len, &wrapped, NULL) ||
	    !tok_reader_read_u8(&r, &kcv_len, NULL) || !tok_reader_read_view(&r, kcv_len, &kcv, NULL) ||
	    tok_reader_remaining(&r) != 0)
		return TOK_SW_WRONG_LENGTH;
	/* 80 (no key check value); the ECC form also takes 81 (with one, ignored here) */
	if (alg != 0x80 && !(ecc && alg == 0x81))
		return TOK_SW_COOLKEY_INCORRECT_ALG;
	if (ecc ? bits != VCARD_KEYS_EC_BITS : (bits != 1024 && bits != 2048))
		return TOK_SW_COOLKEY_KEY_SIZE;
	/* the security domain decrypts the challenge with the card's static KEK */
	challenge = tok_gp_challenge_unwrap(self->crypto, self->state->scp, tok_gp_key_set_get_key(self->state->keys, TOK_GP_KEY_DEK),
					    wrapped, wrapped_len, &error);
	if (challenge == NULL) {
		vcard_card_log_error(self, "GENERATE KEY: wrapped challenge", error);
		return TOK_SW_COOLKEY_BAD_WRAPPED_KEY;
	}
	pkey = ecc ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", VCARD_KEYS_EC_CURVE) : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (pkey == NULL)
		return vcard_keys_openssl_failed(self, "key generation", TOK_SW_COOLKEY_INTERNAL_ERROR);
	if (!vcard_keys_public_blob(pkey, bits, blob))
		return vcard_keys_openssl_failed(self, "public key blob", TOK_SW_COOLKEY_INTERNAL_ERROR);
	challenge_data = tok_secret_get_data(challenge, &challenge_len);
	g_byte_array_append(proof, blob->data, blob->len);
	g_byte_array_append(proof, challenge_data, (guint)challenge_len);
	if (!vcard_keys_sign_sha1(pkey, proof->data, proof->len, sig))
		return vcard_keys_openssl_failed(self, "proof of possession", TOK_SW_COOLKEY_INTERNAL_ERROR);
	tok_byte_array_append_u16_be(result, (guint16)blob->len);
	g_byte_array_append(result, blob->data, blob->len);
	tok_byte_array_append_u16_be(result, (guint16)sig->len);
	g_byte_array_append(result, sig->data, sig->len);
	if (!vcard_buffer_write(self->iobuf, 0, result->data, result->len))
		return TOK_SW_COOLKEY_OUTPUT_BUFFER_SMALL;
	self->iobuf_size = result->len;
	if (!vcard_keys_install_pair(self, prv, pub, pkey, use_acl, TOK_COOLKEY_ACL_ANYONE, VCARD_KEYS_ACL_RA,
				     TOK_COOLKEY_ACL_ANYONE, TOK_COOLKEY_ACL_NOBODY, VCARD_KEYS_ACL_RA))
		return vcard_keys_openssl_failed(self, "storing the key pair", TOK_SW_COOLKEY_INTERNAL_ERROR);
	tok_byte_array_append_u16_be(out, (guint16)result->len);
	return TOK_SW_OK;
}

/* ---- key blobs ----------------------------------------------------------------------- */

/* The bytes of a key blob source: the I/O buffer or an object the caller may read (and, for
 * an encrypted import, write: it is wiped afterwards). */
static guint16
vcard_keys_source(VcardCard *self, guint32 id, gboolean need_write, guint8 **data, gsize *len)
{
	VcardObject *object;

	if (vcard_keys_is_iobuf(id)) {
		*data = self->iobuf->data;
		*len = self->iobuf_size;
		return TOK_SW_OK;
	}
	object = vcard_applet_lookup_object(self->state->applet, id, NULL);
	if (object == NULL)
		return TOK_SW_COOLKEY_OBJECT_NOT_FOUND;
	if ((object->acl.read_acl & self->authenticated) == 0 || (need_write && (object->acl.write_acl & self->authenticated) == 0))
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	*data = object->data->data;
	*len = object->data->len;
	return TOK_SW_OK;
}

/* A DER private key (PKCS#8, or PKCS#1 / SEC1) at the start of @data; padding after it is
 * ignored. */
static EVP_PKEY *
vcard_keys_parse_private(const guint8 *data, gsize len)
{
	TokTlv tlv = {0};
	const unsigned char *p = data;

	if (len < 2 || data[0] != 0x30 || !tok_tlv_read(data, len, &tlv, NULL, NULL))
		return NULL;
	return d2i_AutoPrivateKey(NULL, &p, (long)tlv.total_len);
}

static gboolean
vcard_keys_size_ok(EVP_PKEY *pkey)
{
	int bits = EVP_PKEY_get_bits(pkey);

	if (EVP_PKEY_is_a(pkey, "RSA"))
		return bits >= 1024 && bits <= 4096 && bits % 8 == 0;
	if (EVP_PKEY_is_a(pkey, "EC"))
		return bits == VCARD_KEYS_EC_BITS;
	return FALSE;
}

static gboolean
vcard_keys_decrypt(VcardCard *self, guint8 alg, TokSecret *key, const guint8 *iv, gsize iv_len, const guint8 *in, gsize len,
		   GByteArray *out)
{
	gsize key_len = 0;
	const guint8 *k = tok_secret_get_data(key, &key_len);

	g_byte_array_set_size(out, (guint)len);
	if (alg == TOK_COOLKEY_WRAP_ALG_DES3 || alg == TOK_COOLKEY_WRAP_ALG_DES3_KCV) {
		return iv_len == 8 && len % 8 == 0 && len > 0 &&
		       tok_gp_crypto_des_cbc(self->crypto, FALSE, k, key_len, iv, in, len, out->data, NULL);
	}
	if (alg == TOK_COOLKEY_WRAP_ALG_AES_CBC) {
		return iv_len == 16 && len % 16 == 0 && len > 0 &&
		       tok_gp_crypto_aes_cbc(self->crypto, FALSE, k, key_len, iv, in, len, out->data, NULL);
	} else {
		/* AES key wrap with padding (RFC 5649) */
		g_autoptr(EVP_CIPHER_CTX) ctx = EVP_CIPHER_CTX_new();
		g_autoptr(EVP_CIPHER) cipher = NULL;
		const gchar *name = key_len == 16 ? "AES-128-WRAP-PAD" : key_len == 24 ? "AES-192-WRAP-PAD" : "AES-256-WRAP-PAD";
		int n = 0, m = 0;

		cipher = EVP_CIPHER_fetch(NULL, name, NULL);
		if (ctx == NULL || cipher == NULL || len < 16 || len % 8 != 0 || EVP_DecryptInit_ex2(ctx, cipher, k, NULL, NULL) != 1 ||
		    EVP_DecryptUpdate(ctx, out->data, &n, in, (int)len) != 1 || EVP_DecryptFinal_ex(ctx, out->data + n, &m) != 1)
			return FALSE;
		g_byte_array_set_size(out, (guint)(n + m));
		return TRUE;
	}
}

/* IMPORT KEY ENCRYPTED (protocol.md 4.6): objectID alg wrappedLen wrapped kcvLen kcv ivLen iv */
guint16
vcard_applet_import_key_encrypted(VcardCard *self, const VcardCommand *cmd)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokSecret) key = NULL;
	g_autoptr(TokWipedByteArray) plain = g_byte_array_new();
	g_autoptr(EVP_PKEY) pkey = NULL;
	const guint8 *wrapped = NULL, *kcv = NULL, *iv = NULL;
	guint8 prv = 0, pub = 0, alg = 0, wrapped_len = 0, kcv_len = 0, iv_len = 0;
	guint16 use_acl = 0, sw;
	guint32 id = 0;
	guint8 *blob = NULL;
	gsize blob_len = 0;
	gboolean des;
	TokReader r;

	sw = vcard_keys_parse_pair(self, cmd, &prv, &pub, &use_acl);
	if (sw != TOK_SW_OK)
		return sw;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u32_be(&r, &id, NULL) || !tok_reader_read_u8(&r, &alg, NULL) ||
	    !tok_reader_read_u8(&r, &wrapped_len, NULL) || !tok_reader_read_view(&r, wrapped_len, &wrapped, NULL) ||
	    !tok_reader_read_u8(&r, &kcv_len, NULL) || !tok_reader_read_view(&r, kcv_len, &kcv, NULL) ||
	    !tok_reader_read_u8(&r, &iv_len, NULL) || !tok_reader_read_view(&r, iv_len, &iv, NULL) ||
	    tok_reader_remaining(&r) != 0)
		return TOK_SW_WRONG_LENGTH;
	if (alg != TOK_COOLKEY_WRAP_ALG_DES3 && alg != TOK_COOLKEY_WRAP_ALG_DES3_KCV && alg != TOK_COOLKEY_WRAP_ALG_AES_KWP &&
	    alg != TOK_COOLKEY_WRAP_ALG_AES_CBC)
		return TOK_SW_COOLKEY_INCORRECT_ALG;
	des = alg == TOK_COOLKEY_WRAP_ALG_DES3 || alg == TOK_COOLKEY_WRAP_ALG_DES3_KCV;
	if (des ? wrapped_len != 16 : (wrapped_len != 16 && wrapped_len != 24 && wrapped_len != 32))
		return TOK_SW_COOLKEY_KEY_SIZE;
	if (kcv_len != 0 && kcv_len != TOK_GP_KCV_SIZE)
		return TOK_SW_WRONG_LENGTH;
	key = tok_gp_key_unwrap(self->crypto, self->state->scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3,
				vcard_card_transport_key(self), wrapped, wrapped_len, des ? TOK_GP_KEY_TYPE_DES3 : TOK_GP_KEY_TYPE_AES,
				kcv_len == TOK_GP_KCV_SIZE ? kcv : NULL, &error);
	if (key == NULL) {
		vcard_card_log_error(self, "IMPORT KEY ENCRYPTED: transport key", error);
		return TOK_SW_COOLKEY_BAD_WRAPPED_KEY;
	}
	sw = vcard_keys_source(self, id, TRUE, &blob, &blob_len);
	if (sw != TOK_SW_OK)
		return sw;
	if (blob_len < 4 || (blob[0] != 0x00 && blob[0] != 0x01))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (blob[0] == 0x01) {
		if (!vcard_keys_decrypt(self, alg, key, iv, iv_len, blob + 4, blob_len - 4, plain)) {
			OPENSSL_cleanse(blob, blob_len);
			return TOK_SW_COOLKEY_BAD_WRAPPED_PRIV_KEY;
		}
	} else {
		g_byte_array_append(plain, blob + 4, (guint)(blob_len - 4));
	}
	pkey = vcard_keys_parse_private(plain->data, plain->len);
	/* the clear key must not stay in the buffer it was sent in */
	OPENSSL_cleanse(blob, blob_len);
	if (pkey == NULL || !vcard_keys_size_ok(pkey))
		return TOK_SW_COOLKEY_BAD_WRAPPED_PRIV_KEY;
	if (!vcard_keys_install_pair(self, prv, pub, pkey, use_acl, TOK_COOLKEY_ACL_ANYONE, VCARD_KEYS_ACL_RA,
				     TOK_COOLKEY_ACL_ANYONE, TOK_COOLKEY_ACL_NOBODY, VCARD_KEYS_ACL_RA))
		return vcard_keys_openssl_failed(self, "storing the key pair", TOK_SW_COOLKEY_INTERNAL_ERROR);
	return TOK_SW_OK;
}

static EVP_PKEY *
vcard_keys_rsa_public(const guint8 *n, gsize n_len, const guint8 *e, gsize e_len)
{
	g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new();
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	g_autoptr(BIGNUM) bn_n = BN_bin2bn(n, (int)n_len, NULL);
	g_autoptr(BIGNUM) bn_e = BN_bin2bn(e, (int)e_len, NULL);
	EVP_PKEY *pkey = NULL;

	if (bld == NULL || ctx == NULL || bn_n == NULL || bn_e == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1)
		return NULL;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		return NULL;
	return pkey;
}

/* IMPORT KEY (clear blob): objectID keyACL(6) [mateACL(6)]; blob 00 type size data */
guint16
vcard_applet_import_key(VcardCard *self, const VcardCommand *cmd)
{
	VcardApplet *applet = self->state->applet;
	g_autoptr(EVP_PKEY) pkey = NULL;
	guint8 key_nb = cmd->p1, mate_nb = cmd->p2;
	guint16 acl[6] = {0};
	guint32 id = 0;
	guint8 *blob = NULL;
	gsize blob_len = 0;
	guint16 sw;
	TokReader r;

	if (key_nb >= VCARD_MAX_KEYS)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (applet->keys[key_nb].type != 0 ? !vcard_keys_can_write(self, key_nb)
					   : (self->authenticated & applet->builtin_acl.create_key_acl) == 0)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	if (cmd->len != 10 && cmd->len != 16)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u32_be(&r, &id, NULL))
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	for (guint i = 0; i < (cmd->len - 4) / 2; i++) {
		if (!tok_reader_read_u16_be(&r, &acl[i], NULL))
			return TOK_SW_COOLKEY_INVALID_PARAMETER;
	}
	sw = vcard_keys_source(self, id, FALSE, &blob, &blob_len);
	if (sw != TOK_SW_OK)
		return sw;
	if (blob_len < 4)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	if (blob[0] != 0x00)
		return TOK_SW_COOLKEY_UNSUPPORTED_FEATURE;
	if (blob[1] == 0x09) {
		/* a PKCS#8 pair: private key in P1's slot, public key in the mate slot (P2) */
		if (mate_nb >= VCARD_MAX_KEYS || cmd->len != 16)
			return TOK_SW_COOLKEY_INCORRECT_P2;
		if (!vcard_keys_can_write(self, mate_nb))
			return TOK_SW_COOLKEY_UNAUTHORIZED;
		if (!vcard_keys_pairing_ok(self, key_nb, mate_nb))
			return TOK_SW_COOLKEY_INCONSISTENT_KEY_PAIR;
		pkey = vcard_keys_parse_private(blob + 4, blob_len - 4);
		OPENSSL_cleanse(blob, blob_len);
		if (pkey == NULL || !vcard_keys_size_ok(pkey))
			return TOK_SW_COOLKEY_INVALID_PARAMETER;
		if (!vcard_keys_install_pair(self, key_nb, mate_nb, pkey, acl[2], acl[3], acl[4], acl[5], acl[0], acl[1]))
			return vcard_keys_openssl_failed(self, "storing the key pair", TOK_SW_COOLKEY_INTERNAL_ERROR);
		return TOK_SW_OK;
	}
	if (blob[1] == TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC) {
		const guint8 *n = NULL, *e = NULL;
		guint16 n_len = 0, e_len = 0;
		VcardKey *key = &applet->keys[key_nb];

		tok_reader_init(&r, blob + 4, blob_len - 4);
		if (!tok_reader_read_u16_be(&r, &n_len, NULL) || !tok_reader_read_view(&r, n_len, &n, NULL) ||
		    !tok_reader_read_u16_be(&r, &e_len, NULL) || !tok_reader_read_view(&r, e_len, &e, NULL))
			return TOK_SW_COOLKEY_INVALID_PARAMETER;
		pkey = vcard_keys_rsa_public(n, n_len, e, e_len);
		if (pkey == NULL || !vcard_keys_size_ok(pkey))
			return TOK_SW_COOLKEY_INVALID_PARAMETER;
		vcard_key_clear(key);
		key->type = TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC;
		key->size = (guint16)EVP_PKEY_get_bits(pkey);
		key->acl = (TokCoolkeyKeyAcl){acl[0], acl[1], acl[2]};
		key->pkey = g_steal_pointer(&pkey);
		OPENSSL_cleanse(blob, blob_len);
		self->dirty = TRUE;
		return TOK_SW_OK;
	}
	return TOK_SW_COOLKEY_UNSUPPORTED_KEY_TYPE;
}

/* ---- using keys ---------------------------------------------------------------------- */

/* The input of a one-step operation: in the APDU, or len(2) || data in the I/O buffer. */
static guint16
vcard_keys_input(VcardCard *self, guint8 location, TokReader *r, const guint8 **data, guint16 *len)
{
	if (!tok_reader_read_u16_be(r, len, NULL))
		return TOK_SW_WRONG_LENGTH;
	if (location == TOK_COOLKEY_DATA_LOCATION_APDU) {
		if (!tok_reader_read_view(r, *len, data, NULL))
			return TOK_SW_WRONG_LENGTH;
		return TOK_SW_OK;
	}
	if (location != TOK_COOLKEY_DATA_LOCATION_IOBUF)
		return TOK_SW_COOLKEY_INVALID_LOCATION;
	if (!tok_read_u16_be(self->iobuf->data, self->iobuf_size, 0, len, NULL) || (gsize)*len + 2 > self->iobuf_size)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	*data = self->iobuf->data + 2;
	return TOK_SW_OK;
}

static guint16
vcard_keys_output(VcardCard *self, guint8 location, const guint8 *result, gsize len, GByteArray *out)
{
	if (location == TOK_COOLKEY_DATA_LOCATION_APDU) {
		/* the applet sends at most 255 bytes: bigger results go through the I/O object */
		if (len + 2 > 255)
			return TOK_SW_COOLKEY_OUTPUT_BUFFER_SMALL;
		tok_byte_array_append_u16_be(out, (guint16)len);
		g_byte_array_append(out, result, (guint)len);
		return TOK_SW_OK;
	}
	self->iobuf->data[0] = (guint8)(len >> 8);
	self->iobuf->data[1] = (guint8)len;
	if (!vcard_buffer_write(self->iobuf, 2, result, len))
		return TOK_SW_COOLKEY_OUTPUT_BUFFER_SMALL;
	self->iobuf_size = len + 2;
	return TOK_SW_OK;
}

static guint16
vcard_keys_usable(VcardCard *self, const VcardCommand *cmd, VcardKey **key)
{
	if (cmd->p1 >= VCARD_MAX_KEYS || self->state->applet->keys[cmd->p1].type == 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	*key = &self->state->applet->keys[cmd->p1];
	if (((*key)->acl.use_acl & self->authenticated) == 0)
		return TOK_SW_COOLKEY_UNAUTHORIZED;
	if (cmd->p2 >= 0x01 && cmd->p2 <= 0x03)
		return TOK_SW_COOLKEY_UNSUPPORTED_FEATURE; /* only one-step operations */
	if (cmd->p2 != TOK_COOLKEY_CRYPT_ONE_STEP)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	return TOK_SW_OK;
}

/* COMPUTE CRYPT one step: mode dir location len(2) data [sigLen(2) sig] */
guint16
vcard_applet_compute_crypt(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	g_autoptr(EVP_PKEY_CTX) ctx = NULL;
	g_autoptr(TokWipedByteArray) result = g_byte_array_new();
	VcardKey *key = NULL;
	guint8 mode = 0, dir = 0, location = 0;
	const guint8 *data = NULL;
	guint16 len = 0, sw;
	size_t out_len = 0;
	int ok = 0;
	TokReader r;

	sw = vcard_keys_usable(self, cmd, &key);
	if (sw != TOK_SW_OK)
		return sw;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u8(&r, &mode, NULL) || !tok_reader_read_u8(&r, &dir, NULL) || !tok_reader_read_u8(&r, &location, NULL))
		return TOK_SW_WRONG_LENGTH;
	sw = vcard_keys_input(self, location, &r, &data, &len);
	if (sw != TOK_SW_OK)
		return sw;
	if (mode == TOK_COOLKEY_CRYPT_MODE_DSA_SHA || mode == TOK_COOLKEY_CRYPT_MODE_DES_CBC || mode == TOK_COOLKEY_CRYPT_MODE_DES_ECB)
		return TOK_SW_COOLKEY_UNSUPPORTED_CIPHER_MODE;
	if (mode != TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD && mode != TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1)
		return TOK_SW_COOLKEY_INVALID_CIPHER_MODE;
	if (key->type != TOK_COOLKEY_KEY_TYPE_RSA_PRIVATE_CRT && key->type != TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC)
		return TOK_SW_COOLKEY_INVALID_KEY_TYPE;
	if (dir < TOK_COOLKEY_CRYPT_DIR_SIGN || dir > TOK_COOLKEY_CRYPT_DIR_DECRYPT)
		return TOK_SW_COOLKEY_INVALID_DIRECTION;
	if (dir == TOK_COOLKEY_CRYPT_DIR_VERIFY)
		return TOK_SW_COOLKEY_UNSUPPORTED_DIRECTION;
	if (mode == TOK_COOLKEY_CRYPT_MODE_RSA_NO_PAD && len != key->size / 8)
		return TOK_SW_COOLKEY_DATA_CHUNK_SIZE;
	if (len == 0 || len > VCARD_KEYS_MAX_INPUT)
		return TOK_SW_COOLKEY_DATA_CHUNK_SIZE;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (ctx == NULL)
		return vcard_keys_openssl_failed(self, "COMPUTE CRYPT", TOK_SW_COOLKEY_INTERNAL_ERROR);
	g_byte_array_set_size(result, key->size / 8 + 16);
	out_len = result->len;
	if (key->type == TOK_COOLKEY_KEY_TYPE_RSA_PUBLIC) {
		/* a public key only encrypts */
		if (dir != TOK_COOLKEY_CRYPT_DIR_ENCRYPT)
			return TOK_SW_COOLKEY_INVALID_DIRECTION;
		ok = EVP_PKEY_encrypt_init(ctx) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(ctx, mode == TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1 ? RSA_PKCS1_PADDING : RSA_NO_PADDING) == 1 &&
		     EVP_PKEY_encrypt(ctx, result->data, &out_len, data, len) == 1;
	} else if (mode == TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1 && dir != TOK_COOLKEY_CRYPT_DIR_DECRYPT) {
		/* private key, PKCS#1 type 1 padding: a signature over the data as given */
		ok = EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_sign(ctx, result->data, &out_len, data, len) == 1;
	} else {
		/* private key: PKCS#1 decryption, or the raw operation (any direction) */
		ok = EVP_PKEY_decrypt_init(ctx) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(ctx, mode == TOK_COOLKEY_CRYPT_MODE_RSA_PKCS1 ? RSA_PKCS1_PADDING : RSA_NO_PADDING) == 1 &&
		     EVP_PKEY_decrypt(ctx, result->data, &out_len, data, len) == 1;
	}
	if (!ok)
		return vcard_keys_openssl_failed(self, "COMPUTE CRYPT", TOK_SW_COOLKEY_INVALID_PARAMETER);
	return vcard_keys_output(self, location, result->data, out_len, out);
}

static EVP_PKEY *
vcard_keys_ec_peer(const guint8 *point, gsize len)
{
	g_autoptr(OSSL_PARAM_BLD) bld = OSSL_PARAM_BLD_new();
	g_autoptr(OSSL_PARAM) params = NULL;
	g_autoptr(EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	if (bld == NULL || ctx == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, VCARD_KEYS_EC_CURVE, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, len) != 1)
		return NULL;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		return NULL;
	return pkey;
}

/* ECC SIGN (37) / KEY AGREEMENT (38), one step: location len(2) data */
guint16
vcard_applet_ecc(VcardCard *self, const VcardCommand *cmd, GByteArray *out)
{
	g_autoptr(EVP_PKEY_CTX) ctx = NULL;
	g_autoptr(EVP_PKEY) peer = NULL;
	g_autoptr(TokWipedByteArray) result = g_byte_array_new();
	VcardKey *key = NULL;
	guint8 location = 0;
	const guint8 *data = NULL;
	guint16 len = 0, sw;
	size_t out_len = 0;
	int ok;
	TokReader r;

	sw = vcard_keys_usable(self, cmd, &key);
	if (sw != TOK_SW_OK)
		return sw;
	if (key->type != VCARD_KEY_TYPE_EC_PRIVATE)
		return TOK_SW_COOLKEY_INVALID_KEY_TYPE;
	tok_reader_init(&r, cmd->data, cmd->len);
	if (!tok_reader_read_u8(&r, &location, NULL))
		return TOK_SW_WRONG_LENGTH;
	sw = vcard_keys_input(self, location, &r, &data, &len);
	if (sw != TOK_SW_OK)
		return sw;
	if (len == 0 || len > VCARD_KEYS_MAX_INPUT)
		return TOK_SW_COOLKEY_DATA_CHUNK_SIZE;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (ctx == NULL)
		return vcard_keys_openssl_failed(self, "ECC", TOK_SW_COOLKEY_INTERNAL_ERROR);
	g_byte_array_set_size(result, 160);
	out_len = result->len;
	if (cmd->ins == TOK_COOLKEY_INS_ECC_SIGN) {
		/* the data is the hash: ECDSA without hashing again */
		ok = EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, result->data, &out_len, data, len) == 1;
	} else {
		peer = vcard_keys_ec_peer(data, len);
		ok = peer != NULL && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
		     EVP_PKEY_derive(ctx, result->data, &out_len) == 1;
	}
	if (!ok)
		return vcard_keys_openssl_failed(self, "ECC", TOK_SW_COOLKEY_INVALID_PARAMETER);
	return vcard_keys_output(self, location, result->data, out_len, out);
}

/* CLEAR KEY SLOTS: the (private, public) pairs to keep; every other key goes. */
guint16
vcard_applet_clear_key_slots(VcardCard *self, const VcardCommand *cmd)
{
	VcardKey *keys = self->state->applet->keys;
	gboolean keep[VCARD_MAX_KEYS] = {FALSE};

	if (cmd->p1 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P1;
	if (cmd->p2 != 0)
		return TOK_SW_COOLKEY_INCORRECT_P2;
	if (cmd->len == 0 || cmd->len % 2 != 0)
		return TOK_SW_COOLKEY_INVALID_PARAMETER;
	for (gsize i = 0; i < cmd->len; i += 2) {
		guint8 prv = cmd->data[i], pub = cmd->data[i + 1];

		if (prv >= VCARD_MAX_KEYS || pub >= VCARD_MAX_KEYS)
			return TOK_SW_COOLKEY_INVALID_PARAMETER;
		if ((keys[prv].type != 0 && keys[prv].partner != VCARD_NO_PARTNER && keys[prv].partner != pub) ||
		    (keys[pub].type != 0 && keys[pub].partner != VCARD_NO_PARTNER && keys[pub].partner != prv))
			return TOK_SW_COOLKEY_INCONSISTENT_KEY_PAIR;
		keep[prv] = TRUE;
		keep[pub] = TRUE;
	}
	for (guint i = 0; i < VCARD_MAX_KEYS; i++) {
		if (!keep[i] && keys[i].type != 0 && !vcard_keys_can_write(self, (guint8)i))
			return TOK_SW_COOLKEY_UNAUTHORIZED;
	}
	for (guint i = 0; i < VCARD_MAX_KEYS; i++) {
		if (!keep[i] && keys[i].type != 0) {
			vcard_key_clear(&keys[i]);
			self->dirty = TRUE;
		}
	}
	return TOK_SW_OK;
}
