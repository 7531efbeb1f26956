/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tok-gp-session.h"

#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-private.h"
#include "tok-gp-session-private.h"

/*
 * Response protection: the R-MAC of SCP02 (levels 11 and 13, tok-gp-scp02.h) and SCP03
 * (levels 11 and 13 with R-MAC support in i, tok-gp-scp03.h).
 *
 * SCP02 chains its R-MACs on their own (rmac_chain, started from the C-MAC of EXTERNAL
 * AUTHENTICATE) and covers the command as well: tok_gp_session_wrap() (host) and
 * tok_gp_session_unwrap() (card) leave the plain command in rmac_command, which the response
 * consumes. Every SCP02 response carries an R-MAC; error status words carry no data.
 *
 * SCP03 chains on the C-MAC chaining value and covers the response only; responses with an
 * error status word carry neither data nor R-MAC.
 */

/* 9000 and the warnings 62xx and 63xx; everything else is an error status word. */
static gboolean
tok_gp_sw_is_success(guint16 sw)
{
	return sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63;
}

static GBytes *
tok_gp_session_abort(TokGpSession *self)
{
	self->state = TOK_GP_SESSION_STATE_ABORTED;
	return NULL;
}

gboolean
tok_gp_session_has_scp02_rmac(TokGpSession *self)
{
	return self->scp == TOK_GP_SCP02 && (self->level & TOK_GP_SECURITY_R_MAC) != 0;
}

void
tok_gp_session_start_rmac(TokGpSession *self, const guint8 c_mac[TOK_GP_MAC_SIZE])
{
	tok_gp_copy(self->rmac_chain, c_mac, TOK_GP_MAC_SIZE);
	g_clear_pointer(&self->rmac_command, g_bytes_unref);
}

void
tok_gp_session_set_rmac_command(TokGpSession *self, GBytes *command)
{
	g_clear_pointer(&self->rmac_command, g_bytes_unref);
	self->rmac_command = command;
}

/* The SCP02 R-MAC of the pending command and this response (the chain is not updated). */
static gboolean
tok_gp_session_scp02_rmac(TokGpSession *self,
			  const guint8 *data,
			  gsize len,
			  guint16 sw,
			  guint8 out[TOK_GP_MAC_SIZE],
			  GError **error)
{
	if (self->rmac_command == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "SCP02 R-MAC: no command of this session awaits a response");
		return FALSE;
	}
	return tok_gp_scp02_compute_rmac(self->crypto,
					 tok_gp_session_keys_get_rmac(self->keys),
					 self->rmac_chain,
					 self->rmac_command,
					 data,
					 len,
					 sw,
					 out,
					 error);
}

/* Host, SCP02 at levels 11 and 13: data || R-MAC || SW1 SW2 -> data || SW1 SW2. */
static GBytes *
tok_gp_session_unwrap_response_scp02(TokGpSession *self,
				     const guint8 *response,
				     gsize len,
				     guint16 sw,
				     GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	guint8 rmac[TOK_GP_MAC_SIZE];
	gsize data_len;

	if (self->rmac_command == NULL) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "SCP02 R-MAC: no wrapped command awaits this response");
		return NULL;
	}
	if (len < 2 + TOK_GP_MAC_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "SCP02 response of %" G_GSIZE_FORMAT " bytes has no R-MAC",
			    len);
		return tok_gp_session_abort(self);
	}
	data_len = len - 2 - TOK_GP_MAC_SIZE;
	if (!tok_gp_sw_is_success(sw) && data_len > 0) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "SCP02 response with error status %04X carries %" G_GSIZE_FORMAT
			    " bytes of data",
			    sw,
			    data_len);
		return tok_gp_session_abort(self);
	}
	if (data_len > TOK_GP_SCP02_RMAC_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "SCP02 response data of %" G_GSIZE_FORMAT
			    " bytes is longer than a short response with R-MAC allows",
			    data_len);
		return tok_gp_session_abort(self);
	}
	if (!tok_gp_session_scp02_rmac(self, response, data_len, sw, rmac, error))
		return tok_gp_session_abort(self);
	if (!tok_gp_memeq(rmac, response + data_len, TOK_GP_MAC_SIZE)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_AUTH_FAILED,
				    "SCP02 response R-MAC does not verify");
		return tok_gp_session_abort(self);
	}
	tok_gp_copy(self->rmac_chain, rmac, TOK_GP_MAC_SIZE);
	tok_gp_session_set_rmac_command(self, NULL);
	if (data_len > 0)
		g_byte_array_append(out, response, (guint)data_len);
	tok_byte_array_append_u16_be(out, sw);
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

/* Host, SCP03 at levels 11 and 13. */
static GBytes *
tok_gp_session_unwrap_response_scp03(TokGpSession *self,
				     const guint8 *response,
				     gsize len,
				     guint16 sw,
				     GError **error)
{
	guint8 rmac[TOK_GP_SCP03_CHAIN_SIZE];
	g_autoptr(TokWipedByteArray) input = g_byte_array_new();
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	gsize data_len;

	if (!tok_gp_sw_is_success(sw))
		return tok_bytes_new_wiped(response, len);
	if (len < 2 + TOK_GP_MAC_SIZE) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_AUTH_FAILED,
			    "response of %" G_GSIZE_FORMAT " bytes has no R-MAC",
			    len);
		return tok_gp_session_abort(self);
	}
	data_len = len - 2 - TOK_GP_MAC_SIZE;
	if (data_len > 0)
		g_byte_array_append(input, response, (guint)data_len);
	g_byte_array_append(input, response + len - 2, 2);
	if (!tok_gp_scp03_compute_mac(self->crypto,
				      tok_gp_session_keys_get_rmac(self->keys),
				      self->chain,
				      input->data,
				      input->len,
				      rmac,
				      error))
		return tok_gp_session_abort(self);
	if (!tok_gp_memeq(rmac, response + data_len, TOK_GP_MAC_SIZE)) {
		g_set_error_literal(error,
				    TOK_ERROR,
				    TOK_ERROR_AUTH_FAILED,
				    "response R-MAC does not verify");
		return tok_gp_session_abort(self);
	}
	if (data_len > 0)
		g_byte_array_append(out, response, (guint)data_len);
	g_byte_array_append(out, response + len - 2, 2);
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

GBytes *
tok_gp_session_unwrap_response(TokGpSession *self,
			       const guint8 *response,
			       gsize len,
			       GError **error)
{
	guint16 sw;

	if (!tok_gp_session_check_state(self,
					TOK_GP_SESSION_SIDE_HOST,
					"checking a response",
					error))
		return NULL;
	if (response == NULL || len < 2) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TRUNCATED,
			    "response of %" G_GSIZE_FORMAT " bytes has no status word",
			    len);
		return NULL;
	}
	if (len > 65538) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "response of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	sw = (guint16)((response[len - 2] << 8) | response[len - 1]);
	if (!(self->level & TOK_GP_SECURITY_R_MAC))
		return tok_bytes_new_wiped(response, len);
	if (self->scp == TOK_GP_SCP02)
		return tok_gp_session_unwrap_response_scp02(self, response, len, sw, error);
	return tok_gp_session_unwrap_response_scp03(self, response, len, sw, error);
}

/* Card, SCP02 at levels 11 and 13: data || R-MAC || SW1 SW2 (error status words: no data). */
static GBytes *
tok_gp_session_wrap_response_scp02(TokGpSession *self,
				   const guint8 *data,
				   gsize len,
				   guint16 sw,
				   GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	guint8 rmac[TOK_GP_MAC_SIZE];

	if (!tok_gp_sw_is_success(sw))
		len = 0;
	if (len > TOK_GP_SCP02_RMAC_MAX_DATA) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "response data of %" G_GSIZE_FORMAT
			    " bytes does not fit a short response with its SCP02 R-MAC",
			    len);
		return NULL;
	}
	if (!tok_gp_session_scp02_rmac(self, data, len, sw, rmac, error))
		return NULL;
	tok_gp_copy(self->rmac_chain, rmac, TOK_GP_MAC_SIZE);
	tok_gp_session_set_rmac_command(self, NULL);
	if (len > 0)
		g_byte_array_append(out, data, (guint)len);
	g_byte_array_append(out, rmac, TOK_GP_MAC_SIZE);
	tok_byte_array_append_u16_be(out, sw);
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

/* Card, SCP03 at levels 11 and 13 (error status words: neither data nor R-MAC). */
static GBytes *
tok_gp_session_wrap_response_scp03(TokGpSession *self,
				   const guint8 *data,
				   gsize len,
				   guint16 sw,
				   GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();
	g_autoptr(TokWipedByteArray) input = g_byte_array_new();
	guint8 rmac[TOK_GP_SCP03_CHAIN_SIZE];

	if (!tok_gp_sw_is_success(sw)) {
		tok_byte_array_append_u16_be(out, sw);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	if (len > 0)
		g_byte_array_append(input, data, (guint)len);
	tok_byte_array_append_u16_be(input, sw);
	if (!tok_gp_scp03_compute_mac(self->crypto,
				      tok_gp_session_keys_get_rmac(self->keys),
				      self->chain,
				      input->data,
				      input->len,
				      rmac,
				      error))
		return NULL;
	if (len > 0)
		g_byte_array_append(out, data, (guint)len);
	g_byte_array_append(out, rmac, TOK_GP_MAC_SIZE);
	tok_byte_array_append_u16_be(out, sw);
	return tok_bytes_new_wiped_take(g_steal_pointer(&out));
}

GBytes *
tok_gp_session_wrap_response(TokGpSession *self,
			     const guint8 *data,
			     gsize len,
			     guint16 sw,
			     GError **error)
{
	g_autoptr(TokWipedByteArray) out = g_byte_array_new();

	if (!tok_gp_session_check_state(self,
					TOK_GP_SESSION_SIDE_CARD,
					"wrapping a response",
					error))
		return NULL;
	if (len > 65536 || (len > 0 && data == NULL)) {
		g_set_error(error,
			    TOK_ERROR,
			    TOK_ERROR_TOO_LARGE,
			    "response data of %" G_GSIZE_FORMAT " bytes",
			    len);
		return NULL;
	}
	if (!(self->level & TOK_GP_SECURITY_R_MAC)) {
		if (len > 0)
			g_byte_array_append(out, data, (guint)len);
		tok_byte_array_append_u16_be(out, sw);
		return tok_bytes_new_wiped_take(g_steal_pointer(&out));
	}
	if (self->scp == TOK_GP_SCP02)
		return tok_gp_session_wrap_response_scp02(self, data, len, sw, error);
	return tok_gp_session_wrap_response_scp03(self, data, len, sw, error);
}
