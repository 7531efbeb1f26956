/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-session.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"
#include "tok-gp-session-private.h"

/* Command wrapping (host) and unwrapping (card); responses: tok-gp-session-response.c. */

GBytes *
tok_gp_session_wrap(TokGpSession *self, const guint8 *apdu, gsize len, GError **error)
{
	TokGpApduView v;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(TokWipedByteArray) mac_input = g_byte_array_new();
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	g_autoptr(GBytes) rmac_command = NULL;
	guint8 chain[TOK_GP_SCP03_CHAIN_SIZE];
	guint8 cla;
	guint32 counter = self->counter;
	gboolean encrypt = (self->level & TOK_GP_SECURITY_C_DECRYPTION) != 0;
	gsize body_len = 0;
	const guint8 *body_data = NULL;

	if (!tok_gp_session_check_state(self,
					TOK_GP_SESSION_SIDE_HOST,
					"wrapping a command",
					error))
		return NULL;
	if (!tok_gp_session_parse_apdu(apdu, len, &v, error)) {
		g_prefix_error(error, "cannot wrap: ");
		return NULL;
	}
	cla = v.cla | TOK_GP_CLA_SECURE_MESSAGING;
	if (tok_gp_session_has_scp02_rmac(self)) {
		const guint8 header[4] = {v.cla, v.ins, v.p1, v.p2};
		rmac_command = tok_gp_scp02_rmac_command(header, v.data, v.data_len, error);
		if (rmac_command == NULL)
			return NULL;
	}
	if (self->scp == TOK_GP_SCP03) {
		/* counter first, encrypt, then MAC the data as sent */
		if (encrypt) {
			counter++;
			body = tok_gp_scp03_encrypt(self->crypto,
						    tok_gp_session_keys_get_enc(self->keys),
						    counter,
						    v.data,
						    v.data_len,
						    error);
		} else {
			body = tok_bytes_new_wiped(v.data, v.data_len);
		}
		if (body == NULL)
			return NULL;
		body_data = g_bytes_get_data(body, &body_len);
		if (body_len + TOK_GP_MAC_SIZE > 255) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "a data field of %" G_GSIZE_FORMAT
				    " bytes does not fit a wrapped short APDU",
				    v.data_len);
			return NULL;
		}
		tok_gp_session_append_header(mac_input,
					     &v,
					     cla,
					     (guint8)(body_len + TOK_GP_MAC_SIZE));
		if (body_len > 0)
			g_byte_array_append(mac_input, body_data, (guint)body_len);
		if (!tok_gp_session_mac(self, mac_input->data, mac_input->len, FALSE, chain, error))
			return NULL;
	} else {
		/* MAC over the plain data first, then encrypt */
		if (v.data_len + TOK_GP_MAC_SIZE > 255) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "a data field of %" G_GSIZE_FORMAT
				    " bytes does not fit a wrapped short APDU",
				    v.data_len);
			return NULL;
		}
		tok_gp_session_append_header(mac_input,
					     &v,
					     cla,
					     (guint8)(v.data_len + TOK_GP_MAC_SIZE));
		if (v.data_len > 0)
			g_byte_array_append(mac_input, v.data, (guint)v.data_len);
		if (!tok_gp_session_mac(self, mac_input->data, mac_input->len, FALSE, chain, error))
			return NULL;
		if (encrypt &&
		    (v.data_len > 0 || (self->flags & TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA))) {
			if (self->scp == TOK_GP_SCP01)
				body = tok_gp_scp01_encrypt(self->crypto,
							    tok_gp_session_keys_get_enc(self->keys),
							    v.data,
							    v.data_len,
							    error);
			else
				body = tok_gp_scp02_encrypt(self->crypto,
							    tok_gp_session_keys_get_enc(self->keys),
							    v.data,
							    v.data_len,
							    error);
		} else {
			body = tok_bytes_new_wiped(v.data, v.data_len);
		}
		if (body == NULL)
			return NULL;
		body_data = g_bytes_get_data(body, &body_len);
		if (body_len + TOK_GP_MAC_SIZE > 255) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_TOO_LARGE,
				    "a data field of %" G_GSIZE_FORMAT
				    " bytes does not fit a wrapped short APDU once encrypted",
				    v.data_len);
			return NULL;
		}
	}
	tok_gp_session_append_header(out, &v, cla, (guint8)(body_len + TOK_GP_MAC_SIZE));
	if (body_len > 0)
		g_byte_array_append(out, body_data, (guint)body_len);
	g_byte_array_append(out, chain, TOK_GP_MAC_SIZE);
	if (v.has_le && !(self->flags & TOK_GP_SESSION_FLAG_OMIT_LE))
		tok_byte_array_append_u8(out, v.le);
	/* commit the chaining state only once the command is complete */
	tok_gp_copy(self->chain, chain, sizeof(chain));
	self->counter = counter;
	tok_gp_session_set_rmac_command(self, g_steal_pointer(&rmac_command));
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

static GBytes *
tok_gp_session_abort(TokGpSession *self)
{
	self->state = TOK_GP_SESSION_STATE_ABORTED;
	return NULL;
}

GBytes *
tok_gp_session_unwrap(TokGpSession *self, const guint8 *apdu, gsize len, GError **error)
{
	TokGpApduView v;
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(TokWipedByteArray) mac_input = g_byte_array_new();
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	g_autoptr(GBytes) rmac_command = NULL;
	guint8 chain[TOK_GP_SCP03_CHAIN_SIZE];
	guint32 counter = self->counter;
	gboolean encrypted = (self->level & TOK_GP_SECURITY_C_DECRYPTION) != 0;
	const guint8 *body;
	const guint8 *mac;
	gsize body_len;
	gsize plain_len = 0;
	const guint8 *plain_data = NULL;

	if (!tok_gp_session_check_state(self,
					TOK_GP_SESSION_SIDE_CARD,
					"unwrapping a command",
					error))
		return NULL;
	if (!tok_gp_session_parse_apdu(apdu, len, &v, error)) {
		g_prefix_error(error, "secure message: ");
		return tok_gp_session_abort(self);
	}
	if (!(v.cla & TOK_GP_CLA_SECURE_MESSAGING) || v.data_len < TOK_GP_MAC_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_NOT_AUTHORIZED,
			    "command %02X %02X carries no secure messaging (%" G_GSIZE_FORMAT
			    " bytes of data)",
			    v.cla,
			    v.ins,
			    v.data_len);
		return tok_gp_session_abort(self);
	}
	body = v.data;
	body_len = v.data_len - TOK_GP_MAC_SIZE;
	mac = v.data + body_len;
	if (self->scp == TOK_GP_SCP03) {
		/* MAC over the data as sent, then decrypt */
		g_byte_array_append(mac_input, apdu, 5 + (guint)body_len);
		if (!tok_gp_session_mac(self, mac_input->data, mac_input->len, FALSE, chain, error))
			return tok_gp_session_abort(self);
		if (!tok_gp_memeq(chain, mac, TOK_GP_MAC_SIZE)) {
			g_set_error_literal(error,
					    TOK_ERROR,
					    TOK_ERROR_AUTH_FAILED,
					    "SCP03 C-MAC does not verify");
			return tok_gp_session_abort(self);
		}
		if (encrypted)
			counter++;
		if (encrypted && body_len > 0)
			plain = tok_gp_scp03_decrypt(self->crypto,
						     tok_gp_session_keys_get_enc(self->keys),
						     counter,
						     body,
						     body_len,
						     error);
		else
			plain = tok_bytes_new_wiped(body, body_len);
		if (plain == NULL)
			return tok_gp_session_abort(self);
	} else {
		/* decrypt, then check the MAC over the plain data */
		if (encrypted && body_len > 0) {
			if (self->scp == TOK_GP_SCP01)
				plain =
				    tok_gp_scp01_decrypt(self->crypto,
							 tok_gp_session_keys_get_enc(self->keys),
							 body,
							 body_len,
							 error);
			else
				plain =
				    tok_gp_scp02_decrypt(self->crypto,
							 tok_gp_session_keys_get_enc(self->keys),
							 body,
							 body_len,
							 error);
		} else {
			plain = tok_bytes_new_wiped(body, body_len);
		}
		if (plain == NULL)
			return tok_gp_session_abort(self);
		plain_data = g_bytes_get_data(plain, &plain_len);
		tok_gp_session_append_header(mac_input,
					     &v,
					     v.cla,
					     (guint8)(plain_len + TOK_GP_MAC_SIZE));
		if (plain_len > 0)
			g_byte_array_append(mac_input, plain_data, (guint)plain_len);
		if (!tok_gp_session_mac(self, mac_input->data, mac_input->len, FALSE, chain, error))
			return tok_gp_session_abort(self);
		if (!tok_gp_memeq(chain, mac, TOK_GP_MAC_SIZE)) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_AUTH_FAILED,
				    "%s C-MAC does not verify",
				    tok_gp_scp_to_string(self->scp));
			return tok_gp_session_abort(self);
		}
	}
	plain_data = g_bytes_get_data(plain, &plain_len);
	if (tok_gp_session_has_scp02_rmac(self)) {
		const guint8 header[4] = {v.cla, v.ins, v.p1, v.p2};
		rmac_command = tok_gp_scp02_rmac_command(header, plain_data, plain_len, error);
		if (rmac_command == NULL)
			return tok_gp_session_abort(self);
	}
	/* like GP's SecureChannel.unwrap(): the secure messaging indication leaves CLA */
	tok_byte_array_append_u8(out, v.cla & (guint8)~TOK_GP_CLA_SECURE_MESSAGING);
	tok_byte_array_append_u8(out, v.ins);
	tok_byte_array_append_u8(out, v.p1);
	tok_byte_array_append_u8(out, v.p2);
	if (plain_len > 0) {
		tok_byte_array_append_u8(out, (guint8)plain_len);
		g_byte_array_append(out, plain_data, (guint)plain_len);
	}
	if (v.has_le)
		tok_byte_array_append_u8(out, v.le);
	tok_gp_copy(self->chain, chain, sizeof(chain));
	self->counter = counter;
	tok_gp_session_set_rmac_command(self, g_steal_pointer(&rmac_command));
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}
