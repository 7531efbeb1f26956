/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "th-card.h"

#include <openssl/rand.h>
#include <winscard.h>

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"
#include "tok-secret.h"

#define TH_CARD_RECV_MAX (TOK_APDU_RESPONSE_MAX_DATA + 2)

struct _ThCard {
	SCARDCONTEXT context;
	SCARDHANDLE handle;
	DWORD protocol;
	gboolean in_transaction;
	guint8 *recv_buf;
	TokGpCrypto *crypto;
	TokGpSession *session;
};

ThCard *
th_card_connect(const gchar *reader, GError **error)
{
	g_autoptr(ThCard) self = g_new0(ThCard, 1);
	LONG rv;

	self->recv_buf = g_malloc(TH_CARD_RECV_MAX);
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &self->context);
	if (rv != SCARD_S_SUCCESS) {
		self->context = 0;
		th_scard_set_error(error, rv, "SCardEstablishContext");
		return NULL;
	}
	rv = SCardConnect(self->context,
			  reader,
			  SCARD_SHARE_SHARED,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			  &self->handle,
			  &self->protocol);
	if (rv != SCARD_S_SUCCESS) {
		g_autofree gchar *what = g_strdup_printf("SCardConnect(%s)", reader);
		self->handle = 0;
		th_scard_set_error(error, rv, what);
		return NULL;
	}
	return g_steal_pointer(&self);
}

ThCard *
th_card_connect_slot(ThPcsc *pcsc, guint slot, GError **error)
{
	g_autofree gchar *reader = th_pcsc_get_reader_name(pcsc, slot);

	if (!th_pcsc_activate(pcsc, error))
		return NULL;
	return th_card_connect(reader, error);
}

void
th_card_free(ThCard *self)
{
	if (self == NULL)
		return;
	if (self->in_transaction)
		SCardEndTransaction(self->handle, SCARD_LEAVE_CARD);
	if (self->handle != 0)
		SCardDisconnect(self->handle, SCARD_LEAVE_CARD);
	if (self->context != 0)
		SCardReleaseContext(self->context);
	g_clear_object(&self->session);
	g_clear_object(&self->crypto);
	g_free(self->recv_buf);
	g_free(self);
}

gboolean
th_card_begin_transaction(ThCard *self, GError **error)
{
	LONG rv = SCardBeginTransaction(self->handle);

	if (rv != SCARD_S_SUCCESS) {
		th_scard_set_error(error, rv, "SCardBeginTransaction");
		return FALSE;
	}
	self->in_transaction = TRUE;
	return TRUE;
}

gboolean
th_card_end_transaction(ThCard *self, GError **error)
{
	LONG rv = SCardEndTransaction(self->handle, SCARD_LEAVE_CARD);

	self->in_transaction = FALSE;
	if (rv != SCARD_S_SUCCESS) {
		th_scard_set_error(error, rv, "SCardEndTransaction");
		return FALSE;
	}
	return TRUE;
}

gboolean
th_card_reset(ThCard *self, GError **error)
{
	LONG rv;

	if (self->in_transaction)
		SCardEndTransaction(self->handle, SCARD_LEAVE_CARD);
	self->in_transaction = FALSE;
	th_card_close_secure_channel(self);
	rv = SCardReconnect(self->handle,
			    SCARD_SHARE_SHARED,
			    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			    SCARD_RESET_CARD,
			    &self->protocol);
	if (rv != SCARD_S_SUCCESS) {
		th_scard_set_error(error, rv, "SCardReconnect(reset)");
		return FALSE;
	}
	return TRUE;
}

GBytes *
th_card_transmit_raw(ThCard *self, const guint8 *apdu, gsize len, GError **error)
{
	const SCARD_IO_REQUEST *pci = self->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0
									  : SCARD_PCI_T1;
	DWORD recv_len = TH_CARD_RECV_MAX;
	LONG rv =
	    SCardTransmit(self->handle, pci, apdu, (DWORD)len, NULL, self->recv_buf, &recv_len);

	if (rv != SCARD_S_SUCCESS) {
		th_scard_set_error(error, rv, "SCardTransmit");
		return NULL;
	}
	return tok_bytes_new_wiped(self->recv_buf, recv_len);
}

static TokApduResponse *
th_card_transmit_once(ThCard *self, const TokApdu *apdu, GError **error)
{
	g_autoptr(GBytes) raw = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, error);
	g_autoptr(GBytes) reply = NULL;

	if (raw == NULL)
		return NULL;
	reply =
	    th_card_transmit_raw(self, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw), error);
	if (reply == NULL)
		return NULL;
	return tok_apdu_response_parse_bytes(reply, error);
}

TokApduResponse *
th_card_transmit(ThCard *self, const TokApdu *apdu, GError **error)
{
	g_autoptr(TokApduResponse) response = th_card_transmit_once(self, apdu, error);
	guint16 sw;

	if (response == NULL)
		return NULL;
	sw = tok_apdu_response_get_sw(response);
	if ((sw & 0xFF00) == 0x6C00) {
		g_autoptr(TokApdu) again =
		    tok_apdu_new_with_le(apdu, (sw & 0xFF) == 0 ? 256 : sw & 0xFF);
		return th_card_transmit_once(self, again, error);
	}
	if ((sw & 0xFF00) == 0x6100) {
		g_autoptr(GByteArray) data = g_byte_array_new();
		/* GET RESPONSE until the card has nothing more; bounded by the response size */
		for (guint i = 0; (sw & 0xFF00) == 0x6100 && i < 256; i++) {
			g_autoptr(TokApdu) get = tok_apdu_new(0x00,
							      0xC0,
							      0x00,
							      0x00,
							      NULL,
							      (sw & 0xFF) == 0 ? 256 : sw & 0xFF);
			tok_byte_array_append_bytes(data, tok_apdu_response_get_data(response));
			g_clear_pointer(&response, tok_apdu_response_unref);
			response = th_card_transmit_once(self, get, error);
			if (response == NULL)
				return NULL;
			sw = tok_apdu_response_get_sw(response);
		}
		tok_byte_array_append_bytes(data, tok_apdu_response_get_data(response));
		return tok_apdu_response_new(g_byte_array_free_to_bytes(g_steal_pointer(&data)),
					     sw);
	}
	return g_steal_pointer(&response);
}

static GBytes *
th_card_check(TokApduResponse *response, const gchar *what, GError **error)
{
	if (response == NULL) {
		g_prefix_error(error, "%s: ", what);
		return NULL;
	}
	if (!tok_apdu_response_check(response, what, error))
		return NULL;
	return g_bytes_ref(tok_apdu_response_get_data(response));
}

GBytes *
th_card_command(ThCard *self, const TokApdu *apdu, const gchar *what, GError **error)
{
	g_autoptr(TokApduResponse) response = th_card_transmit(self, apdu, error);

	return th_card_check(response, what, error);
}

/* ---- secure channel -------------------------------------------------------------------- */

TokGpKeySet *
th_card_default_keys(TokGpScp scp)
{
	return tok_gp_key_set_new_default(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES
							      : TOK_GP_KEY_TYPE_DES3);
}

gboolean
th_card_open_secure_channel(ThCard *self,
			    const TokGpKeySet *keys,
			    guint8 key_version,
			    guint8 security_level,
			    GError **error)
{
	guint8 challenge[8];
	guint8 header[5] = {0x80, 0x50, key_version, 0x00, sizeof(challenge)};
	g_autoptr(GByteArray) command = g_byte_array_new();
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(TokApdu) init_update = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) ext_auth = NULL;
	g_autoptr(TokGpKeySet) default_keys = NULL;
	const guint8 *rsp;
	gsize rsp_len;
	TokGpScp scp;

	th_card_close_secure_channel(self);
	if (th_card_get_crypto(self, error) == NULL)
		return FALSE;
	if (RAND_bytes(challenge, sizeof(challenge)) != 1) {
		tok_error_set_openssl(error, "host challenge");
		return FALSE;
	}
	g_byte_array_append(command, header, sizeof(header));
	g_byte_array_append(command, challenge, sizeof(challenge));
	init_update = tok_apdu_parse(command->data, command->len, error);
	if (init_update == NULL)
		return FALSE;
	data = th_card_command(self, init_update, "INITIALIZE UPDATE", error);
	if (data == NULL)
		return FALSE;
	rsp = g_bytes_get_data(data, &rsp_len);
	if (rsp_len < 12) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "INITIALIZE UPDATE: %" G_GSIZE_FORMAT " bytes of response data",
			    rsp_len);
		return FALSE;
	}
	scp = (TokGpScp)rsp[11]; /* key information: version, SCP id */
	if (!tok_gp_scp_is_valid(scp)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_SUPPORTED,
			    "INITIALIZE UPDATE: unknown secure channel protocol %02X",
			    rsp[11]);
		return FALSE;
	}
	if (keys == NULL)
		keys = default_keys = th_card_default_keys(scp);
	self->session = tok_gp_session_new_host(self->crypto,
						scp,
						keys,
						challenge,
						rsp,
						rsp_len,
						TOK_GP_SESSION_FLAG_NONE,
						error);
	if (self->session == NULL) {
		g_prefix_error(error, "%s channel: ", tok_gp_scp_to_string(scp));
		return FALSE;
	}
	ext_auth = tok_gp_session_external_authenticate(self->session, security_level, error);
	if (ext_auth == NULL) {
		th_card_close_secure_channel(self);
		return FALSE;
	}
	raw = th_card_transmit_raw(self,
				   g_bytes_get_data(ext_auth, NULL),
				   g_bytes_get_size(ext_auth),
				   error);
	if (raw != NULL)
		response = tok_apdu_response_parse_bytes(raw, error);
	if (response == NULL ||
	    !tok_apdu_response_check(response, "EXTERNAL AUTHENTICATE", error)) {
		th_card_close_secure_channel(self);
		return FALSE;
	}
	return TRUE;
}

TokGpCrypto *
th_card_get_crypto(ThCard *self, GError **error)
{
	if (self->crypto == NULL)
		self->crypto = tok_gp_crypto_new(error);
	return self->crypto;
}

TokGpSession *
th_card_get_session(ThCard *self)
{
	return self->session;
}

void
th_card_close_secure_channel(ThCard *self)
{
	g_clear_object(&self->session);
}

GBytes *
th_card_wrap(ThCard *self, const TokApdu *apdu, GError **error)
{
	g_autoptr(GBytes) plain = NULL;

	if (self->session == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "no secure channel is open");
		return NULL;
	}
	plain = tok_apdu_encode(apdu, TOK_APDU_ENCODING_SHORT, error);
	if (plain == NULL)
		return NULL;
	return tok_gp_session_wrap(self->session,
				   g_bytes_get_data(plain, NULL),
				   g_bytes_get_size(plain),
				   error);
}

TokApduResponse *
th_card_transmit_secure(ThCard *self, const TokApdu *apdu, GError **error)
{
	g_autoptr(GBytes) wrapped = th_card_wrap(self, apdu, error);
	g_autoptr(GBytes) raw = NULL;
	g_autoptr(GBytes) plain = NULL;

	if (wrapped == NULL)
		return NULL;
	raw = th_card_transmit_raw(self,
				   g_bytes_get_data(wrapped, NULL),
				   g_bytes_get_size(wrapped),
				   error);
	if (raw == NULL)
		return NULL;
	plain = tok_gp_session_unwrap_response(self->session,
					       g_bytes_get_data(raw, NULL),
					       g_bytes_get_size(raw),
					       error);
	if (plain == NULL)
		return NULL;
	return tok_apdu_response_parse_bytes(plain, error);
}

GBytes *
th_card_command_secure(ThCard *self, const TokApdu *apdu, const gchar *what, GError **error)
{
	g_autoptr(TokApduResponse) response = th_card_transmit_secure(self, apdu, error);

	return th_card_check(response, what, error);
}
