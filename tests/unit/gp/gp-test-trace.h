/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Replays a recorded secure channel exchange (a published card trace) through both sides of
 * TokGpSession: the host must produce the recorded EXTERNAL AUTHENTICATE and wrapped
 * commands byte for byte, and the card must produce the recorded INITIALIZE UPDATE response
 * and unwrap every recorded command back to its plain form.
 */
#pragma once

#include "gp-test-util.h"
#include "tok-gp-session.h"

G_BEGIN_DECLS

typedef struct {
	const gchar *plain;       /* the command before wrapping */
	const gchar *wrapped;     /* as recorded on the wire */
	const gchar *rsp_plain;   /* optional response data || SW as the host gets it */
	const gchar *rsp_wrapped; /* ... and as the card sent it (with R-MAC) */
} GpTraceCommand;

typedef struct {
	TokGpScp scp;
	const gchar *host_challenge;
	const gchar *response; /* INITIALIZE UPDATE response data, without SW */
	guint8 level;
	const gchar *external_authenticate;
	const GpTraceCommand *commands;
	guint n_commands;
	const gchar *aid; /* SCP03: let the card derive its pseudo-random challenge for this AID */
} GpTrace;

/* Card parameters read back from a recorded INITIALIZE UPDATE response. */
static inline void
gp_test_trace_card_params(const GpTrace *t,
			  const guint8 *resp,
			  gsize len,
			  TokGpCardParams *p,
			  guint8 *cc)
{
	*p = (TokGpCardParams){.scp = t->scp};
	for (guint i = 0; i < TOK_GP_KDD_SIZE; i++)
		p->kdd[i] = resp[i];
	p->key_version = resp[10];
	switch (t->scp) {
	case TOK_GP_SCP01:
		for (guint i = 0; i < 8; i++)
			cc[i] = resp[12 + i];
		break;
	case TOK_GP_SCP02:
		p->sequence_counter = ((guint32)resp[12] << 8) | resp[13];
		for (guint i = 0; i < 6; i++)
			cc[i] = resp[14 + i];
		break;
	case TOK_GP_SCP03:
		p->i_param = resp[12];
		for (guint i = 0; i < 8; i++)
			cc[i] = resp[13 + i];
		if (len == 32)
			p->sequence_counter =
			    ((guint32)resp[29] << 16) | ((guint32)resp[30] << 8) | resp[31];
		break;
	}
	p->card_challenge = cc;
}

static inline void
gp_test_run_trace(TokGpCrypto *crypto, const TokGpKeySet *keys, const GpTrace *t)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) hc = gp_test_hex(t->host_challenge);
	g_autoptr(GBytes) resp = gp_test_hex(t->response);
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(GBytes) ext_auth = NULL;
	g_autoptr(GBytes) card_resp = NULL;
	g_autoptr(GBytes) aid = NULL;
	g_autoptr(GByteArray) iu = g_byte_array_new();
	const guint8 iu_header[] = {0x80, 0x50, 0x00, 0x00, 0x08};
	TokGpCardParams params;
	guint8 cc[8];
	gsize resp_len = 0;
	const guint8 *resp_data = g_bytes_get_data(resp, &resp_len);

	/* host side */
	host = tok_gp_session_new_host(crypto,
				       t->scp,
				       keys,
				       g_bytes_get_data(hc, NULL),
				       resp_data,
				       resp_len,
				       TOK_GP_SESSION_FLAG_NONE,
				       &error);
	g_assert_no_error(error);
	g_assert_nonnull(host);
	ext_auth = tok_gp_session_external_authenticate(host, t->level, &error);
	g_assert_no_error(error);
	gp_test_assert_bytes_hex(ext_auth, t->external_authenticate);
	for (guint i = 0; i < t->n_commands; i++) {
		g_autoptr(GBytes) plain = gp_test_hex(t->commands[i].plain);
		g_autoptr(GBytes) wrapped = tok_gp_session_wrap(host,
								g_bytes_get_data(plain, NULL),
								g_bytes_get_size(plain),
								&error);
		g_assert_no_error(error);
		gp_test_assert_bytes_hex(wrapped, t->commands[i].wrapped);
		if (t->commands[i].rsp_wrapped != NULL) {
			g_autoptr(GBytes) rsp = gp_test_hex(t->commands[i].rsp_wrapped);
			g_autoptr(GBytes) out =
			    tok_gp_session_unwrap_response(host,
							   g_bytes_get_data(rsp, NULL),
							   g_bytes_get_size(rsp),
							   &error);
			g_assert_no_error(error);
			gp_test_assert_bytes_hex(out, t->commands[i].rsp_plain);
		}
	}

	/* card side */
	gp_test_trace_card_params(t, resp_data, resp_len, &params, cc);
	if (t->aid != NULL) {
		aid = gp_test_hex(t->aid);
		params.aid = g_bytes_get_data(aid, &params.aid_len);
		params.card_challenge = NULL;
	}
	g_byte_array_append(iu, iu_header, sizeof(iu_header));
	g_byte_array_append(iu, g_bytes_get_data(hc, NULL), 8);
	card = tok_gp_session_new_card(crypto, keys, &params, iu->data, iu->len, &error);
	g_assert_no_error(error);
	g_assert_nonnull(card);
	card_resp = tok_gp_session_get_initialize_update_response(card);
	gp_test_assert_bytes_hex(card_resp, t->response);
	g_assert_true(tok_gp_session_check_external_authenticate(card,
								 g_bytes_get_data(ext_auth, NULL),
								 g_bytes_get_size(ext_auth),
								 &error));
	g_assert_no_error(error);
	g_assert_cmpint(tok_gp_session_get_state(card), ==, TOK_GP_SESSION_STATE_AUTHENTICATED);
	g_assert_cmpuint(tok_gp_session_get_security_level(card), ==, t->level);
	for (guint i = 0; i < t->n_commands; i++) {
		g_autoptr(GBytes) wrapped = gp_test_hex(t->commands[i].wrapped);
		g_autoptr(GBytes) plain = tok_gp_session_unwrap(card,
								g_bytes_get_data(wrapped, NULL),
								g_bytes_get_size(wrapped),
								&error);
		g_assert_no_error(error);
		gp_test_assert_bytes_hex(plain, t->commands[i].plain);
		if (t->commands[i].rsp_plain != NULL) {
			g_autoptr(GBytes) rsp = gp_test_hex(t->commands[i].rsp_plain);
			gsize n = 0;
			const guint8 *d = g_bytes_get_data(rsp, &n);
			g_autoptr(GBytes) out = NULL;
			g_assert_cmpuint(n, >=, 2);
			out = tok_gp_session_wrap_response(card,
							   d,
							   n - 2,
							   (guint16)((d[n - 2] << 8) | d[n - 1]),
							   &error);
			g_assert_no_error(error);
			gp_test_assert_bytes_hex(out, t->commands[i].rsp_wrapped);
		}
	}
}

G_END_DECLS
