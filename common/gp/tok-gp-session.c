/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-session.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"
#include "tok-gp-session-private.h"

G_DEFINE_TYPE(TokGpSession, tok_gp_session, G_TYPE_OBJECT)

static void
tok_gp_session_finalize(GObject *object)
{
	TokGpSession *self = TOK_GP_SESSION(object);

	g_clear_object(&self->crypto);
	g_clear_pointer(&self->keys, tok_gp_session_keys_unref);
	g_clear_pointer(&self->init_update_response, g_bytes_unref);
	g_clear_pointer(&self->rmac_command, g_bytes_unref);
	OPENSSL_cleanse(self->chain, sizeof(self->chain));
	OPENSSL_cleanse(self->rmac_chain, sizeof(self->rmac_chain));
	G_OBJECT_CLASS(tok_gp_session_parent_class)->finalize(object);
}

static void
tok_gp_session_class_init(TokGpSessionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = tok_gp_session_finalize;
}

static void
tok_gp_session_init(TokGpSession *self)
{
}

/* ---- short command APDUs ------------------------------------------------------------- */

gboolean
tok_gp_session_parse_apdu(const guint8 *apdu, gsize len, TokGpApduView *v, GError **error)
{
	TokReader r;
	guint8 lc = 0;

	*v = (TokGpApduView){0};
	if (apdu == NULL || len < 4) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "command APDU of %" G_GSIZE_FORMAT " bytes is shorter than its header",
			    len);
		return FALSE;
	}
	tok_reader_init(&r, apdu, len);
	if (!tok_reader_read_u8(&r, &v->cla, error) || !tok_reader_read_u8(&r, &v->ins, error) ||
	    !tok_reader_read_u8(&r, &v->p1, error) || !tok_reader_read_u8(&r, &v->p2, error))
		return FALSE;
	if (tok_reader_remaining(&r) == 0)
		return TRUE;
	if (tok_reader_remaining(&r) == 1) {
		v->has_le = TRUE;
		return tok_reader_read_u8(&r, &v->le, error);
	}
	if (!tok_reader_read_u8(&r, &lc, error))
		return FALSE;
	if (lc == 0) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_NOT_SUPPORTED,
				    "extended length APDUs are not supported by secure messaging");
		return FALSE;
	}
	if (!tok_reader_read_view(&r, lc, &v->data, error)) {
		g_prefix_error(error, "command APDU data field: ");
		return FALSE;
	}
	v->data_len = lc;
	if (tok_reader_remaining(&r) == 1) {
		v->has_le = TRUE;
		return tok_reader_read_u8(&r, &v->le, error);
	}
	if (tok_reader_remaining(&r) > 1) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "command APDU has %" G_GSIZE_FORMAT " bytes after its data field",
			    tok_reader_remaining(&r));
		return FALSE;
	}
	return TRUE;
}

/* CLA INS P1 P2 Lc, for MAC input and output APDUs. */
void
tok_gp_session_append_header(GByteArray *out, const TokGpApduView *v, guint8 cla, guint8 lc)
{
	tok_byte_array_append_u8(out, cla);
	tok_byte_array_append_u8(out, v->ins);
	tok_byte_array_append_u8(out, v->p1);
	tok_byte_array_append_u8(out, v->p2);
	tok_byte_array_append_u8(out, lc);
}

/* ---- construction ------------------------------------------------------------------- */

static TokGpSession *
tok_gp_session_new_empty(TokGpCrypto *crypto,
			 TokGpSessionSide side,
			 TokGpScp scp,
			 TokGpSessionFlags flags)
{
	TokGpSession *self = g_object_new(TOK_TYPE_GP_SESSION, NULL);
	self->crypto = g_object_ref(crypto);
	self->side = side;
	self->scp = scp;
	self->flags = flags;
	self->state = TOK_GP_SESSION_STATE_INITIALIZED;
	return self;
}

/* Splits the INITIALIZE UPDATE response data (protocol.md 3.3). */
static gboolean
tok_gp_session_parse_response(TokGpSession *self, const guint8 *data, gsize len, GError **error)
{
	TokReader r;
	guint8 scp_id = 0;

	if (data == NULL || !((self->scp == TOK_GP_SCP03 && (len == 29 || len == 32)) ||
			      (self->scp != TOK_GP_SCP03 && len == 28))) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "INITIALIZE UPDATE response of %" G_GSIZE_FORMAT
			    " bytes is not valid for %s",
			    len,
			    tok_gp_scp_to_string(self->scp));
		return FALSE;
	}
	tok_reader_init(&r, data, len);
	if (!tok_reader_read_into(&r, self->kdd, TOK_GP_KDD_SIZE, error))
		return FALSE;
	self->key_info_len = self->scp == TOK_GP_SCP03 ? 3 : 2;
	if (!tok_reader_read_into(&r, self->key_info, self->key_info_len, error))
		return FALSE;
	scp_id = self->key_info[1];
	if (scp_id != (guint8)self->scp) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "INITIALIZE UPDATE response announces protocol %02X, expected %s",
			    scp_id,
			    tok_gp_scp_to_string(self->scp));
		return FALSE;
	}
	self->i_param = self->scp == TOK_GP_SCP03 ? self->key_info[2]
						  : (self->scp == TOK_GP_SCP02 ? 0x15 : 0x05);
	if (self->scp == TOK_GP_SCP02) {
		guint16 seq = 0;
		if (!tok_reader_read_u16_be(&r, &seq, error))
			return FALSE;
		self->sequence_counter = seq;
		self->has_sequence_counter = TRUE;
		self->card_challenge_len = TOK_GP_SCP02_CARD_CHALLENGE_SIZE;
	} else {
		self->card_challenge_len = TOK_GP_CHALLENGE_SIZE;
	}
	if (!tok_reader_read_into(&r, self->card_challenge, self->card_challenge_len, error) ||
	    !tok_reader_read_into(&r, self->card_cryptogram, TOK_GP_CRYPTOGRAM_SIZE, error))
		return FALSE;
	if (self->scp == TOK_GP_SCP03 && tok_reader_remaining(&r) == 3) {
		guint8 seq[3];
		if (!tok_reader_read_into(&r, seq, sizeof(seq), error))
			return FALSE;
		self->sequence_counter = ((guint32)seq[0] << 16) | ((guint32)seq[1] << 8) | seq[2];
		self->has_sequence_counter = TRUE;
	}
	return tok_reader_expect_end(&r, error);
}

/* The card cryptogram (@card: as the card computes it) or the host cryptogram. */
static gboolean
tok_gp_session_cryptogram(TokGpSession *self, gboolean card, guint8 out[8], GError **error)
{
	TokGpSessionKeys *k = self->keys;

	switch (self->scp) {
	case TOK_GP_SCP01:
		if (card)
			return tok_gp_scp01_card_cryptogram(self->crypto,
							    tok_gp_session_keys_get_enc(k),
							    self->host_challenge,
							    self->card_challenge,
							    out,
							    error);
		return tok_gp_scp01_host_cryptogram(self->crypto,
						    tok_gp_session_keys_get_enc(k),
						    self->host_challenge,
						    self->card_challenge,
						    out,
						    error);
	case TOK_GP_SCP02:
		if (card)
			return tok_gp_scp02_card_cryptogram(self->crypto,
							    tok_gp_session_keys_get_enc(k),
							    self->host_challenge,
							    (guint16)self->sequence_counter,
							    self->card_challenge,
							    out,
							    error);
		return tok_gp_scp02_host_cryptogram(self->crypto,
						    tok_gp_session_keys_get_enc(k),
						    self->host_challenge,
						    (guint16)self->sequence_counter,
						    self->card_challenge,
						    out,
						    error);
	case TOK_GP_SCP03:
		if (card)
			return tok_gp_scp03_card_cryptogram(self->crypto,
							    tok_gp_session_keys_get_mac(k),
							    self->host_challenge,
							    self->card_challenge,
							    out,
							    error);
		return tok_gp_scp03_host_cryptogram(self->crypto,
						    tok_gp_session_keys_get_mac(k),
						    self->host_challenge,
						    self->card_challenge,
						    out,
						    error);
	}
	g_set_error_literal(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol");
	return FALSE;
}

static TokGpSessionKeys *
tok_gp_session_derive_keys(TokGpSession *self, const TokGpKeySet *static_keys, GError **error)
{
	switch (self->scp) {
	case TOK_GP_SCP01:
		return tok_gp_scp01_derive_session_keys(self->crypto,
							static_keys,
							self->host_challenge,
							self->card_challenge,
							error);
	case TOK_GP_SCP02:
		return tok_gp_scp02_derive_session_keys(self->crypto,
							static_keys,
							(guint16)self->sequence_counter,
							error);
	case TOK_GP_SCP03:
		return tok_gp_scp03_derive_session_keys(self->crypto,
							static_keys,
							self->host_challenge,
							self->card_challenge,
							error);
	}
	g_set_error_literal(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol");
	return NULL;
}

/* Host: parse the response, get the session keys, check the card cryptogram. */
static TokGpSession *
tok_gp_session_new_host_common(TokGpCrypto *crypto,
			       TokGpScp scp,
			       const TokGpKeySet *static_keys,
			       TokGpSessionKeys *keys,
			       const guint8 *host_challenge,
			       const guint8 *response,
			       gsize response_len,
			       TokGpSessionFlags flags,
			       GError **error)
{
	g_autoptr(TokGpSession) self = NULL;
	guint8 expected[TOK_GP_CRYPTOGRAM_SIZE];

	if (!tok_gp_scp_is_valid(scp)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol %d",
			    (gint)scp);
		return NULL;
	}
	if (host_challenge == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "no host challenge");
		return NULL;
	}
	self = tok_gp_session_new_empty(crypto, TOK_GP_SESSION_SIDE_HOST, scp, flags);
	tok_gp_copy(self->host_challenge, host_challenge, TOK_GP_CHALLENGE_SIZE);
	if (!tok_gp_session_parse_response(self, response, response_len, error))
		return NULL;
	if (keys != NULL)
		self->keys = tok_gp_session_keys_ref(keys);
	else
		self->keys = tok_gp_session_derive_keys(self, static_keys, error);
	if (self->keys == NULL) {
		g_prefix_error(error, "%s session keys: ", tok_gp_scp_to_string(scp));
		return NULL;
	}
	if (!tok_gp_session_cryptogram(self, TRUE, expected, error))
		return NULL;
	if (!tok_gp_memeq(expected, self->card_cryptogram, sizeof(expected))) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "%s card cryptogram mismatch: the card does not hold this key set",
			    tok_gp_scp_to_string(scp));
		return NULL;
	}
	if (!tok_gp_session_cryptogram(self, FALSE, self->host_cryptogram, error))
		return NULL;
	return g_steal_pointer(&self);
}

TokGpSession *
tok_gp_session_new_host(TokGpCrypto *crypto,
			TokGpScp scp,
			const TokGpKeySet *static_keys,
			const guint8 *host_challenge,
			const guint8 *response,
			gsize response_len,
			TokGpSessionFlags flags,
			GError **error)
{
	return tok_gp_session_new_host_common(crypto,
					      scp,
					      static_keys,
					      NULL,
					      host_challenge,
					      response,
					      response_len,
					      flags,
					      error);
}

TokGpSession *
tok_gp_session_new_host_with_session_keys(TokGpCrypto *crypto,
					  TokGpSessionKeys *keys,
					  const guint8 *host_challenge,
					  const guint8 *response,
					  gsize response_len,
					  TokGpSessionFlags flags,
					  GError **error)
{
	return tok_gp_session_new_host_common(crypto,
					      tok_gp_session_keys_get_scp(keys),
					      NULL,
					      keys,
					      host_challenge,
					      response,
					      response_len,
					      flags,
					      error);
}

/* Levels 01 and 03 everywhere; 11 and 13 for SCP02 (GP 2.1.1, i = 15) and for SCP03 when i
 * announces R-MAC. 10 (R-MAC alone) only follows BEGIN R-MAC SESSION, which is not done. */
gboolean
tok_gp_session_level_supported(TokGpSession *self, guint8 level)
{
	guint8 base = level & (TOK_GP_SECURITY_C_MAC | TOK_GP_SECURITY_C_DECRYPTION);

	if (level & ~(TOK_GP_SECURITY_C_MAC | TOK_GP_SECURITY_C_DECRYPTION | TOK_GP_SECURITY_R_MAC))
		return FALSE;
	if (base != 0x01 && base != 0x03)
		return FALSE;
	if (level & TOK_GP_SECURITY_R_MAC)
		return tok_gp_session_keys_get_rmac(self->keys) != NULL &&
		       (self->scp == TOK_GP_SCP02 ||
			(self->scp == TOK_GP_SCP03 && (self->i_param & 0x20) != 0));
	return TRUE;
}

/* The C-MAC of a command from its MAC input; SCP01/02 use and update the first 8 bytes of
 * the chain, SCP03 all 16. @first is TRUE for EXTERNAL AUTHENTICATE (no ICV encryption). */
gboolean
tok_gp_session_mac(TokGpSession *self,
		   const guint8 *input,
		   gsize len,
		   gboolean first,
		   guint8 new_chain[TOK_GP_SCP03_CHAIN_SIZE],
		   GError **error)
{
	TokSecret *mac_key = tok_gp_session_keys_get_mac(self->keys);
	guint8 icv[TOK_GP_MAC_SIZE];

	for (guint i = 0; i < TOK_GP_SCP03_CHAIN_SIZE; i++)
		new_chain[i] = 0;
	switch (self->scp) {
	case TOK_GP_SCP01:
		return tok_gp_scp01_compute_mac(self->crypto,
						mac_key,
						self->chain,
						input,
						len,
						new_chain,
						error);
	case TOK_GP_SCP02:
		if (first)
			tok_gp_copy(icv, self->chain, TOK_GP_MAC_SIZE);
		else if (!tok_gp_scp02_encrypt_icv(self->crypto, mac_key, self->chain, icv, error))
			return FALSE;
		return tok_gp_scp02_compute_mac(self->crypto,
						mac_key,
						icv,
						input,
						len,
						new_chain,
						error);
	case TOK_GP_SCP03:
		return tok_gp_scp03_compute_mac(self->crypto,
						mac_key,
						self->chain,
						input,
						len,
						new_chain,
						error);
	}
	g_set_error_literal(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol");
	return FALSE;
}

GBytes *
tok_gp_session_external_authenticate(TokGpSession *self, guint8 security_level, GError **error)
{
	g_autoptr(GByteArray) apdu = g_byte_array_new();
	guint8 chain[TOK_GP_SCP03_CHAIN_SIZE];
	const TokGpApduView v = {.ins = TOK_GP_INS_EXTERNAL_AUTHENTICATE, .p1 = security_level};

	if (self->side != TOK_GP_SESSION_SIDE_HOST ||
	    self->state != TOK_GP_SESSION_STATE_INITIALIZED) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "EXTERNAL AUTHENTICATE is only built once, by the host, after "
				    "INITIALIZE UPDATE");
		return NULL;
	}
	if (!tok_gp_session_level_supported(self, security_level)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "security level %02X is not supported with %s i=%02X",
			    security_level,
			    tok_gp_scp_to_string(self->scp),
			    self->i_param);
		return NULL;
	}
	tok_gp_session_append_header(apdu, &v, 0x80 | TOK_GP_CLA_SECURE_MESSAGING, 0x10);
	g_byte_array_append(apdu, self->host_cryptogram, TOK_GP_CRYPTOGRAM_SIZE);
	for (guint i = 0; i < sizeof(self->chain); i++)
		self->chain[i] = 0;
	if (!tok_gp_session_mac(self, apdu->data, apdu->len, TRUE, chain, error)) {
		g_prefix_error(error, "EXTERNAL AUTHENTICATE: ");
		return NULL;
	}
	tok_gp_copy(self->chain, chain, sizeof(chain));
	g_byte_array_append(apdu, chain, TOK_GP_MAC_SIZE);
	self->level = security_level;
	tok_gp_session_start_rmac(self, chain);
	self->counter = 0;
	self->state = TOK_GP_SESSION_STATE_AUTHENTICATED;
	return g_byte_array_free_to_bytes(g_steal_pointer(&apdu));
}

gboolean
tok_gp_session_check_state(TokGpSession *self,
			   TokGpSessionSide side,
			   const gchar *what,
			   GError **error)
{
	if (self->side != side) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "%s on the wrong side of the secure channel",
			    what);
		return FALSE;
	}
	if (self->state == TOK_GP_SESSION_STATE_ABORTED) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_AUTHORIZED,
			    "%s: the secure channel session was aborted",
			    what);
		return FALSE;
	}
	if (self->state != TOK_GP_SESSION_STATE_AUTHENTICATED) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_PROTOCOL,
			    "%s before EXTERNAL AUTHENTICATE",
			    what);
		return FALSE;
	}
	return TRUE;
}

/* ---- card side ---------------------------------------------------------------------- */

static gboolean
tok_gp_session_card_challenge(TokGpSession *self,
			      const TokGpKeySet *static_keys,
			      const TokGpCardParams *params,
			      GError **error)
{
	self->card_challenge_len =
	    self->scp == TOK_GP_SCP02 ? TOK_GP_SCP02_CARD_CHALLENGE_SIZE : TOK_GP_CHALLENGE_SIZE;
	if (params->card_challenge != NULL) {
		tok_gp_copy(self->card_challenge, params->card_challenge, self->card_challenge_len);
		return TRUE;
	}
	if (self->scp == TOK_GP_SCP03 && (self->i_param & 0x10) != 0)
		return tok_gp_scp03_card_challenge(
		    self->crypto,
		    tok_gp_key_set_get_key(static_keys, TOK_GP_KEY_ENC),
		    self->sequence_counter,
		    params->aid,
		    params->aid_len,
		    self->card_challenge,
		    error);
	return tok_gp_crypto_random(self->crypto,
				    self->card_challenge,
				    self->card_challenge_len,
				    error);
}

TokGpSession *
tok_gp_session_new_card(TokGpCrypto *crypto,
			const TokGpKeySet *static_keys,
			const TokGpCardParams *params,
			const guint8 *apdu,
			gsize len,
			GError **error)
{
	g_autoptr(TokGpSession) self = NULL;
	g_autoptr(GByteArray) resp = g_byte_array_new();
	TokGpApduView v;

	if (!tok_gp_scp_is_valid(params->scp)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "unknown secure channel protocol %d",
			    (gint)params->scp);
		return NULL;
	}
	if (!tok_gp_session_parse_apdu(apdu, len, &v, error)) {
		g_prefix_error(error, "INITIALIZE UPDATE: ");
		return NULL;
	}
	if ((v.cla & 0xF0) != 0x80 || v.ins != TOK_GP_INS_INITIALIZE_UPDATE ||
	    v.data_len != TOK_GP_CHALLENGE_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "not an INITIALIZE UPDATE command with an 8-byte host challenge (%02X "
			    "%02X, %" G_GSIZE_FORMAT " bytes of data)",
			    v.cla,
			    v.ins,
			    v.data_len);
		return NULL;
	}
	if (v.p1 != 0x00 && v.p1 != params->key_version) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_FOUND,
			    "key set version %02X is not on the card",
			    v.p1);
		return NULL;
	}
	if ((params->scp == TOK_GP_SCP02 && params->sequence_counter > 0xffff) ||
	    (params->scp == TOK_GP_SCP03 && params->sequence_counter > 0xffffff)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "sequence counter %u is too large",
			    params->sequence_counter);
		return NULL;
	}
	self = tok_gp_session_new_empty(crypto,
					TOK_GP_SESSION_SIDE_CARD,
					params->scp,
					TOK_GP_SESSION_FLAG_NONE);
	self->i_param = params->scp == TOK_GP_SCP03 ? params->i_param
						    : (params->scp == TOK_GP_SCP02 ? 0x15 : 0x05);
	self->sequence_counter = params->sequence_counter;
	self->has_sequence_counter =
	    params->scp == TOK_GP_SCP02 || (params->scp == TOK_GP_SCP03 && (self->i_param & 0x10));
	tok_gp_copy(self->host_challenge, v.data, TOK_GP_CHALLENGE_SIZE);
	tok_gp_copy(self->kdd, params->kdd, TOK_GP_KDD_SIZE);
	self->key_info[0] = params->key_version;
	self->key_info[1] = (guint8)params->scp;
	self->key_info[2] = self->i_param;
	self->key_info_len = params->scp == TOK_GP_SCP03 ? 3 : 2;
	if (!tok_gp_session_card_challenge(self, static_keys, params, error)) {
		g_prefix_error(error, "card challenge: ");
		return NULL;
	}
	self->keys = tok_gp_session_derive_keys(self, static_keys, error);
	if (self->keys == NULL)
		return NULL;
	if (!tok_gp_session_cryptogram(self, TRUE, self->card_cryptogram, error) ||
	    !tok_gp_session_cryptogram(self, FALSE, self->host_cryptogram, error))
		return NULL;
	g_byte_array_append(resp, self->kdd, TOK_GP_KDD_SIZE);
	g_byte_array_append(resp, self->key_info, (guint)self->key_info_len);
	if (self->scp == TOK_GP_SCP02)
		tok_byte_array_append_u16_be(resp, (guint16)self->sequence_counter);
	g_byte_array_append(resp, self->card_challenge, (guint)self->card_challenge_len);
	g_byte_array_append(resp, self->card_cryptogram, TOK_GP_CRYPTOGRAM_SIZE);
	if (self->scp == TOK_GP_SCP03 && self->has_sequence_counter) {
		tok_byte_array_append_u8(resp, (guint8)(self->sequence_counter >> 16));
		tok_byte_array_append_u16_be(resp, (guint16)(self->sequence_counter & 0xffff));
	}
	self->init_update_response = g_byte_array_free_to_bytes(g_steal_pointer(&resp));
	return g_steal_pointer(&self);
}

GBytes *
tok_gp_session_get_initialize_update_response(TokGpSession *self)
{
	if (self->init_update_response == NULL)
		return g_bytes_new(NULL, 0);
	return g_bytes_ref(self->init_update_response);
}

gboolean
tok_gp_session_check_external_authenticate(TokGpSession *self,
					   const guint8 *apdu,
					   gsize len,
					   GError **error)
{
	TokGpApduView v;
	guint8 chain[TOK_GP_SCP03_CHAIN_SIZE];
	g_autoptr(GByteArray) input = g_byte_array_new();

	if (self->side != TOK_GP_SESSION_SIDE_CARD ||
	    self->state != TOK_GP_SESSION_STATE_INITIALIZED) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "EXTERNAL AUTHENTICATE is only checked once, by the card, "
				    "after INITIALIZE UPDATE");
		return FALSE;
	}
	/* from here on any failure aborts: GP restarts mutual authentication from scratch */
	self->state = TOK_GP_SESSION_STATE_ABORTED;
	if (!tok_gp_session_parse_apdu(apdu, len, &v, error)) {
		g_prefix_error(error, "EXTERNAL AUTHENTICATE: ");
		return FALSE;
	}
	if ((v.cla & 0xF0) != 0x80 || !(v.cla & TOK_GP_CLA_SECURE_MESSAGING) ||
	    v.ins != TOK_GP_INS_EXTERNAL_AUTHENTICATE || v.p2 != 0x00 ||
	    v.data_len != TOK_GP_CRYPTOGRAM_SIZE + TOK_GP_MAC_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_DATA,
			    "not an EXTERNAL AUTHENTICATE command (%02X %02X, %" G_GSIZE_FORMAT
			    " bytes of data)",
			    v.cla,
			    v.ins,
			    v.data_len);
		return FALSE;
	}
	if (!tok_gp_session_level_supported(self, v.p1)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_INVALID_PARAMETER,
			    "security level %02X is not supported with %s i=%02X",
			    v.p1,
			    tok_gp_scp_to_string(self->scp),
			    self->i_param);
		return FALSE;
	}
	g_byte_array_append(input, apdu, 5 + TOK_GP_CRYPTOGRAM_SIZE);
	for (guint i = 0; i < sizeof(self->chain); i++)
		self->chain[i] = 0;
	if (!tok_gp_session_mac(self, input->data, input->len, TRUE, chain, error))
		return FALSE;
	if (!tok_gp_memeq(chain, v.data + TOK_GP_CRYPTOGRAM_SIZE, TOK_GP_MAC_SIZE) ||
	    !tok_gp_memeq(self->host_cryptogram, v.data, TOK_GP_CRYPTOGRAM_SIZE)) {
		g_set_error_literal(
		    error,
		    TOK_ERROR,
		    TOK_ERROR_AUTH_FAILED,
		    "EXTERNAL AUTHENTICATE: host cryptogram or C-MAC does not verify");
		return FALSE;
	}
	tok_gp_copy(self->chain, chain, sizeof(chain));
	self->level = v.p1;
	tok_gp_session_start_rmac(self, chain);
	self->counter = 0;
	self->state = TOK_GP_SESSION_STATE_AUTHENTICATED;
	return TRUE;
}

/* ---- accessors ---------------------------------------------------------------------- */

TokGpSessionSide
tok_gp_session_get_side(TokGpSession *self)
{
	return self->side;
}

TokGpScp
tok_gp_session_get_scp(TokGpSession *self)
{
	return self->scp;
}

TokGpSessionState
tok_gp_session_get_state(TokGpSession *self)
{
	return self->state;
}

guint8
tok_gp_session_get_security_level(TokGpSession *self)
{
	return self->level;
}

TokGpSessionKeys *
tok_gp_session_get_session_keys(TokGpSession *self)
{
	return self->keys;
}

GBytes *
tok_gp_session_get_kdd(TokGpSession *self)
{
	return g_bytes_new(self->kdd, TOK_GP_KDD_SIZE);
}

GBytes *
tok_gp_session_get_key_info(TokGpSession *self)
{
	return g_bytes_new(self->key_info, self->key_info_len);
}

GBytes *
tok_gp_session_get_card_challenge(TokGpSession *self)
{
	return g_bytes_new(self->card_challenge, self->card_challenge_len);
}

gboolean
tok_gp_session_get_host_cryptogram(TokGpSession *self, guint8 out[8])
{
	tok_gp_copy(out, self->host_cryptogram, TOK_GP_CRYPTOGRAM_SIZE);
	return TRUE;
}

guint32
tok_gp_session_get_sequence_counter(TokGpSession *self)
{
	return self->sequence_counter;
}
