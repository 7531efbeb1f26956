/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Fuzz target gp-unwrap: everything libtok-gp parses from outside, mostly on the card side
 * (what the virtual card receives): INITIALIZE UPDATE and EXTERNAL AUTHENTICATE commands,
 * secure-messaging wrapped commands, PUT KEY key set data and wrapped challenges; on the host
 * side the INITIALIZE UPDATE response and R-MAC'd responses. It also checks the round trip
 * host wrap -> card unwrap for every plain APDU the host accepts.
 *
 * Input: byte 0 selects the protocol (SCP01..03), the security level and the session flags;
 * byte 1 the mode; the rest is the payload, for most modes a list of frames <len(1)><bytes>.
 */
#include "config.h"

#include <glib.h>

#include "fuzz.h"
#include "tok-bytes.h"
#include "tok-gp-put-key.h"
#include "tok-gp-session.h"

typedef struct {
	TokGpScp scp;
	guint8 level;
	TokGpSessionFlags flags;
	TokGpKeySet *keys;
	TokGpSession *host;
	TokGpSession *card;
} FuzzChannel;

static void
fuzz_channel_clear(FuzzChannel *ch)
{
	g_clear_pointer(&ch->keys, tok_gp_key_set_unref);
	g_clear_object(&ch->host);
	g_clear_object(&ch->card);
}

/* Results the target only produces to exercise the code. */
static void
fuzz_drop_bytes(GBytes *bytes)
{
	if (bytes != NULL)
		g_bytes_unref(bytes);
}

static void
fuzz_drop_secret(TokSecret *secret)
{
	tok_secret_unref(secret);
}

static void
fuzz_drop_object(gpointer object)
{
	if (object != NULL)
		g_object_unref(object);
}

static TokGpKeySet *
fuzz_default_keys(TokGpScp scp)
{
	return tok_gp_key_set_new_default(scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES
							      : TOK_GP_KEY_TYPE_DES3);
}

static const guint8 fuzz_iu[] =
    {0x80, 0x50, 0x00, 0x00, 0x08, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const guint8 fuzz_cc[] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7};

/* A card session after INITIALIZE UPDATE, and a host session on the same keys. */
static gboolean
fuzz_channel_open(TokGpCrypto *crypto, FuzzChannel *ch, gboolean authenticate)
{
	TokGpCardParams params = {.scp = ch->scp,
				  .i_param = 0x70,
				  .key_version = 0x01,
				  .sequence_counter = 7,
				  .card_challenge = fuzz_cc};
	g_autoptr(GBytes) resp = NULL;
	g_autoptr(GBytes) ea = NULL;

	ch->keys = fuzz_default_keys(ch->scp);
	ch->card =
	    tok_gp_session_new_card(crypto, ch->keys, &params, fuzz_iu, sizeof(fuzz_iu), NULL);
	if (ch->card == NULL)
		return FALSE;
	resp = tok_gp_session_get_initialize_update_response(ch->card);
	ch->host = tok_gp_session_new_host(crypto,
					   ch->scp,
					   ch->keys,
					   fuzz_iu + 5,
					   g_bytes_get_data(resp, NULL),
					   g_bytes_get_size(resp),
					   ch->flags,
					   NULL);
	if (ch->host == NULL)
		return FALSE;
	if (!authenticate)
		return TRUE;
	ea = tok_gp_session_external_authenticate(ch->host, ch->level, NULL);
	return ea != NULL && tok_gp_session_check_external_authenticate(ch->card,
									g_bytes_get_data(ea, NULL),
									g_bytes_get_size(ea),
									NULL);
}

/* Next <len><bytes> frame; FALSE at the end (a short last frame takes what is left). */
static gboolean
fuzz_next_frame(const guint8 **p, gsize *left, const guint8 **frame, gsize *frame_len)
{
	gsize n;

	if (*left == 0)
		return FALSE;
	n = MIN((gsize)(*p)[0], *left - 1);
	*frame = *p + 1;
	*frame_len = n;
	*p += 1 + n;
	*left -= 1 + n;
	return TRUE;
}

static void
fuzz_round_trip(FuzzChannel *ch, const guint8 *apdu, gsize len)
{
	g_autoptr(GBytes) wrapped = tok_gp_session_wrap(ch->host, apdu, len, NULL);
	g_autoptr(GBytes) plain = NULL;
	g_autoptr(GByteArray) want = NULL;
	gboolean has_le;

	if (wrapped == NULL)
		return;
	plain = tok_gp_session_unwrap(ch->card,
				      g_bytes_get_data(wrapped, NULL),
				      g_bytes_get_size(wrapped),
				      NULL);
	g_assert_nonnull(plain);
	/* the host accepted it, so it is a short APDU: Le present iff len is 5 or 5 + Lc + 1 */
	has_le = len == 5 || (len > 5 && len == 6 + (gsize)apdu[4]);
	want = g_byte_array_new();
	g_byte_array_append(want, apdu, (guint)len);
	want->data[0] &= (guint8)~0x04;
	if (has_le && (ch->flags & TOK_GP_SESSION_FLAG_OMIT_LE))
		g_byte_array_set_size(want, want->len - 1);
	g_assert_true(tok_bytes_equal_data(plain, want->data, want->len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static TokGpCrypto *crypto = NULL;
	const guint8 levels[] = {0x01, 0x03, 0x11, 0x13};
	FuzzChannel ch = {0};
	const guint8 *p;
	const guint8 *frame = NULL;
	gsize left;
	gsize frame_len = 0;
	guint mode;

	if (crypto == NULL)
		crypto = tok_gp_crypto_new(NULL);
	if (crypto == NULL || size < 2)
		return 0;
	ch.scp = (TokGpScp)(1 + data[0] % 3);
	ch.level = levels[(data[0] >> 2) & 3];
	if (ch.scp == TOK_GP_SCP01)
		ch.level &= 0x03;
	ch.flags = (TokGpSessionFlags)((data[0] >> 4) & 3);
	mode = data[1] % 7;
	p = data + 2;
	left = size - 2;

	switch (mode) {
	case 0: /* wrapped commands and responses on an authenticated channel */
		if (!fuzz_channel_open(crypto, &ch, TRUE))
			break;
		while (fuzz_next_frame(&p, &left, &frame, &frame_len)) {
			fuzz_drop_bytes(tok_gp_session_unwrap(ch.card, frame, frame_len, NULL));
			fuzz_drop_bytes(
			    tok_gp_session_unwrap_response(ch.host, frame, frame_len, NULL));
			fuzz_drop_bytes(
			    tok_gp_session_wrap_response(ch.card, frame, frame_len, 0x9000, NULL));
		}
		break;
	case 1: { /* PUT KEY key set data under the default KEK */
		g_autoptr(TokGpKeySet) kek = fuzz_default_keys(ch.scp);
		guint8 version = 0;
		TokGpKeySet *keys =
		    tok_gp_put_key_parse_key_set_data(crypto,
						      ch.scp,
						      p,
						      left,
						      tok_gp_key_set_get_key(kek, TOK_GP_KEY_DEK),
						      &version,
						      NULL);
		tok_gp_key_set_unref(keys);
		break;
	}
	case 2: { /* wrapped challenge and wrapped key with its check value */
		g_autoptr(TokGpKeySet) kek_set = fuzz_default_keys(ch.scp);
		TokSecret *kek = tok_gp_key_set_get_key(kek_set, TOK_GP_KEY_DEK);
		TokGpKeyType type =
		    ch.scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;

		fuzz_drop_secret(tok_gp_challenge_unwrap(crypto, ch.scp, kek, p, left, NULL));
		if (left >= 3)
			fuzz_drop_secret(tok_gp_key_unwrap(crypto,
							   type,
							   kek,
							   p + 3,
							   left - 3,
							   TOK_GP_KEY_TYPE_DES3,
							   p,
							   NULL));
		break;
	}
	case 3: { /* the host's view of an INITIALIZE UPDATE response */
		g_autoptr(TokGpKeySet) keys = fuzz_default_keys(ch.scp);
		fuzz_drop_object(tok_gp_session_new_host(crypto,
							 ch.scp,
							 keys,
							 fuzz_iu + 5,
							 p,
							 left,
							 ch.flags,
							 NULL));
		break;
	}
	case 4: /* a forged EXTERNAL AUTHENTICATE, then commands */
		if (!fuzz_channel_open(crypto, &ch, FALSE) ||
		    !fuzz_next_frame(&p, &left, &frame, &frame_len))
			break;
		(void)tok_gp_session_check_external_authenticate(ch.card, frame, frame_len, NULL);
		while (fuzz_next_frame(&p, &left, &frame, &frame_len))
			fuzz_drop_bytes(tok_gp_session_unwrap(ch.card, frame, frame_len, NULL));
		break;
	case 5: /* INITIALIZE UPDATE commands */
		while (fuzz_next_frame(&p, &left, &frame, &frame_len)) {
			g_autoptr(TokGpKeySet) keys = fuzz_default_keys(ch.scp);
			TokGpCardParams params = {.scp = ch.scp,
						  .i_param = 0x60,
						  .key_version = 0x01};
			fuzz_drop_object(
			    tok_gp_session_new_card(crypto, keys, &params, frame, frame_len, NULL));
		}
		break;
	default: /* plain APDUs: whatever the host wraps, the card must unwrap to the same */
		if (!fuzz_channel_open(crypto, &ch, TRUE))
			break;
		while (fuzz_next_frame(&p, &left, &frame, &frame_len))
			fuzz_round_trip(&ch, frame, frame_len);
		break;
	}
	fuzz_channel_clear(&ch);
	return 0;
}
