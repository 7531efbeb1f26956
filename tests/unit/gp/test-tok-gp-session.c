/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "gp-test-util.h"
#include "tok-gp-scp01.h"
#include "tok-gp-session.h"

/* Property tests: seeded, so a failure can be replayed. */
#define PROPERTY_SEED     0x47503031u
#define PROPERTY_SESSIONS 200

typedef struct {
	const gchar *name;
	TokGpScp scp;
	gsize key_len;
	guint8 level;
	TokGpSessionFlags flags;
} SessionConfig;

static const SessionConfig configs[] = {
    {"scp01-l01", TOK_GP_SCP01, 16, 0x01, TOK_GP_SESSION_FLAG_NONE},
    {"scp01-l03", TOK_GP_SCP01, 16, 0x03, TOK_GP_SESSION_FLAG_NONE},
    {"scp01-l03-java-tps", TOK_GP_SCP01, 16, 0x03, TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA},
    {"scp01-l03-no-le", TOK_GP_SCP01, 16, 0x03, TOK_GP_SESSION_FLAG_OMIT_LE},
    {"scp02-l01", TOK_GP_SCP02, 16, 0x01, TOK_GP_SESSION_FLAG_NONE},
    {"scp02-l03", TOK_GP_SCP02, 16, 0x03, TOK_GP_SESSION_FLAG_NONE},
    {"scp02-l03-java-tps", TOK_GP_SCP02, 16, 0x03, TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA},
    {"scp02-l11", TOK_GP_SCP02, 16, 0x11, TOK_GP_SESSION_FLAG_NONE},
    {"scp02-l13", TOK_GP_SCP02, 16, 0x13, TOK_GP_SESSION_FLAG_OMIT_LE},
    {"scp02-l13-java-tps", TOK_GP_SCP02, 16, 0x13, TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA},
    {"scp03-aes128-l01", TOK_GP_SCP03, 16, 0x01, TOK_GP_SESSION_FLAG_NONE},
    {"scp03-aes128-l03", TOK_GP_SCP03, 16, 0x03, TOK_GP_SESSION_FLAG_ENCRYPT_EMPTY_DATA},
    {"scp03-aes128-l13", TOK_GP_SCP03, 16, 0x13, TOK_GP_SESSION_FLAG_NONE},
    {"scp03-aes256-l01", TOK_GP_SCP03, 32, 0x01, TOK_GP_SESSION_FLAG_NONE},
    {"scp03-aes256-l03", TOK_GP_SCP03, 32, 0x03, TOK_GP_SESSION_FLAG_NONE},
    {"scp03-aes256-l11", TOK_GP_SCP03, 32, 0x11, TOK_GP_SESSION_FLAG_NONE},
    {"scp03-aes256-l13", TOK_GP_SCP03, 32, 0x13, TOK_GP_SESSION_FLAG_OMIT_LE},
};

static TokGpCrypto *
gp_crypto(void)
{
	g_autoptr(GError) error = NULL;
	TokGpCrypto *crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	return crypto;
}

static void
rand_fill(GRand *rand, guint8 *out, gsize len)
{
	for (gsize i = 0; i < len; i++)
		out[i] = (guint8)g_rand_int_range(rand, 0, 256);
}

static TokGpKeySet *
random_keys(GRand *rand, const SessionConfig *cfg)
{
	g_autoptr(GError) error = NULL;
	guint8 k[3][32];
	g_autoptr(TokSecret) enc = NULL;
	g_autoptr(TokSecret) mac = NULL;
	g_autoptr(TokSecret) dek = NULL;
	TokGpKeySet *keys;

	for (guint i = 0; i < 3; i++)
		rand_fill(rand, k[i], cfg->key_len);
	enc = tok_secret_new_from_data(k[0], cfg->key_len);
	mac = tok_secret_new_from_data(k[1], cfg->key_len);
	dek = tok_secret_new_from_data(k[2], cfg->key_len);
	keys = tok_gp_key_set_new(cfg->scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES
							   : TOK_GP_KEY_TYPE_DES3,
				  enc,
				  mac,
				  dek,
				  &error);
	g_assert_no_error(error);
	return keys;
}

/* INITIALIZE UPDATE on the card, the host's check of the response, EXTERNAL AUTHENTICATE. */
static void
open_pair(TokGpCrypto *crypto,
	  const SessionConfig *cfg,
	  GRand *rand,
	  const TokGpKeySet *card_keys,
	  const TokGpKeySet *host_keys,
	  TokGpSession **host_out,
	  TokGpSession **card_out,
	  GError **host_error)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(GBytes) resp = NULL;
	g_autoptr(GBytes) ext_auth = NULL;
	guint8 iu[13] = {0x80, 0x50, 0x00, 0x00, 0x08};
	guint8 cc[8];
	TokGpCardParams params = {.scp = cfg->scp, .i_param = 0x70};

	rand_fill(rand, iu + 5, 8);
	rand_fill(rand, cc, sizeof(cc));
	rand_fill(rand, params.kdd, sizeof(params.kdd));
	params.key_version = (guint8)g_rand_int_range(rand, 1, 0xff);
	params.sequence_counter =
	    (guint32)g_rand_int_range(rand, 0, cfg->scp == TOK_GP_SCP02 ? 0x10000 : 0x1000000);
	params.card_challenge = cc;
	iu[2] = g_rand_boolean(rand) ? 0x00 : params.key_version;
	card = tok_gp_session_new_card(crypto, card_keys, &params, iu, sizeof(iu), &error);
	g_assert_no_error(error);
	resp = tok_gp_session_get_initialize_update_response(card);
	host = tok_gp_session_new_host(crypto,
				       cfg->scp,
				       host_keys,
				       iu + 5,
				       g_bytes_get_data(resp, NULL),
				       g_bytes_get_size(resp),
				       cfg->flags,
				       host_error);
	if (host == NULL) {
		*host_out = NULL;
		*card_out = g_steal_pointer(&card);
		return;
	}
	ext_auth = tok_gp_session_external_authenticate(host, cfg->level, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_session_check_external_authenticate(card,
								 g_bytes_get_data(ext_auth, NULL),
								 g_bytes_get_size(ext_auth),
								 &error));
	g_assert_no_error(error);
	*host_out = g_steal_pointer(&host);
	*card_out = g_steal_pointer(&card);
}

/* A random short command APDU (cases 1-4) that fits once wrapped at @cfg's level. */
static GByteArray *
random_command(GRand *rand, const SessionConfig *cfg, gboolean *has_le)
{
	GByteArray *apdu = g_byte_array_new();
	guint max = (cfg->level & TOK_GP_SECURITY_C_DECRYPTION) ? 239 : 247;
	guint len = g_rand_boolean(rand) ? (guint)g_rand_int_range(rand, 0, 17)
					 : (guint)g_rand_int_range(rand, 0, (gint)max + 1);
	guint8 header[4];
	guint8 b;

	rand_fill(rand, header, sizeof(header));
	header[0] = g_rand_boolean(rand) ? 0x80 : 0x84;
	g_byte_array_append(apdu, header, 4);
	if (len > 0) {
		b = (guint8)len;
		g_byte_array_append(apdu, &b, 1);
		g_byte_array_set_size(apdu, 5 + len);
		rand_fill(rand, apdu->data + 5, len);
	}
	*has_le = g_rand_boolean(rand);
	if (*has_le) {
		b = (guint8)g_rand_int_range(rand, 0, 256);
		g_byte_array_append(apdu, &b, 1);
	}
	return apdu;
}

/* The plain APDU the card must get back: CLA without the secure messaging bit, Le dropped
 * when the host omits it. */
static GByteArray *
expected_plain(const GByteArray *apdu, gboolean has_le, const SessionConfig *cfg)
{
	GByteArray *out = g_byte_array_new();
	g_byte_array_append(out, apdu->data, apdu->len);
	out->data[0] &= (guint8)~0x04;
	if (has_le && (cfg->flags & TOK_GP_SESSION_FLAG_OMIT_LE))
		g_byte_array_set_size(out, out->len - 1);
	return out;
}

/* host wraps -> card unwraps to the same plain APDU; card answers -> host checks (R-MAC) */
static void
test_round_trip(gconstpointer user_data)
{
	const SessionConfig *cfg = user_data;
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GRand) rand = g_rand_new_with_seed(PROPERTY_SEED + cfg->scp * 1000 + cfg->level +
						     (guint)cfg->key_len);
	const guint16 sws[] = {0x9000, 0x6310, 0x6A82, 0x9C06};

	for (guint s = 0; s < PROPERTY_SESSIONS; s++) {
		g_autoptr(TokGpKeySet) keys = random_keys(rand, cfg);
		g_autoptr(TokGpSession) host = NULL;
		g_autoptr(TokGpSession) card = NULL;
		g_autoptr(GError) error = NULL;
		guint n = (guint)g_rand_int_range(rand, 2, 9);

		open_pair(crypto, cfg, rand, keys, keys, &host, &card, &error);
		g_assert_no_error(error);
		for (guint c = 0; c < n; c++) {
			gboolean has_le = FALSE;
			g_autoptr(GByteArray) apdu = random_command(rand, cfg, &has_le);
			g_autoptr(GByteArray) want = expected_plain(apdu, has_le, cfg);
			g_autoptr(GBytes) wrapped =
			    tok_gp_session_wrap(host, apdu->data, apdu->len, &error);
			g_autoptr(GBytes) plain = NULL;
			g_autoptr(GBytes) rsp = NULL;
			g_autoptr(GBytes) checked = NULL;
			g_autoptr(GByteArray) rsp_plain = g_byte_array_new();
			guint16 sw = sws[g_rand_int_range(rand, 0, G_N_ELEMENTS(sws))];
			guint8 swb[2] = {(guint8)(sw >> 8), (guint8)sw};
			guint8 rdata[64];
			guint rlen = (guint)g_rand_int_range(rand, 0, sizeof(rdata) + 1);

			g_assert_no_error(error);
			g_assert_cmphex(((const guint8 *)g_bytes_get_data(wrapped, NULL))[0] & 0x04,
					==,
					0x04);
			plain = tok_gp_session_unwrap(card,
						      g_bytes_get_data(wrapped, NULL),
						      g_bytes_get_size(wrapped),
						      &error);
			g_assert_no_error(error);
			g_assert_true(tok_bytes_equal_data(plain, want->data, want->len));

			rand_fill(rand, rdata, rlen);
			rsp = tok_gp_session_wrap_response(card, rdata, rlen, sw, &error);
			g_assert_no_error(error);
			checked = tok_gp_session_unwrap_response(host,
								 g_bytes_get_data(rsp, NULL),
								 g_bytes_get_size(rsp),
								 &error);
			g_assert_no_error(error);
			/* with R-MAC, error status words come back alone */
			if (!(cfg->level & TOK_GP_SECURITY_R_MAC) || sw == 0x9000 ||
			    (sw >> 8) == 0x63)
				g_byte_array_append(rsp_plain, rdata, rlen);
			g_byte_array_append(rsp_plain, swb, 2);
			g_assert_true(
			    tok_bytes_equal_data(checked, rsp_plain->data, rsp_plain->len));
		}
		g_assert_cmpint(tok_gp_session_get_state(card),
				==,
				TOK_GP_SESSION_STATE_AUTHENTICATED);
		g_assert_cmpint(tok_gp_session_get_state(host),
				==,
				TOK_GP_SESSION_STATE_AUTHENTICATED);
	}
}

/* A tampered MAC, cipher text or header byte is rejected with TOK_ERROR_AUTH_FAILED; the card
 * session is then aborted: even the genuine command is refused (TOK_ERROR_NOT_AUTHORIZED). */
static void
test_tamper(gconstpointer user_data)
{
	const SessionConfig *cfg = user_data;
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GRand) rand = g_rand_new_with_seed(
	    PROPERTY_SEED ^ (cfg->scp * 77 + cfg->level + (guint)cfg->key_len));

	for (guint s = 0; s < PROPERTY_SESSIONS; s++) {
		g_autoptr(TokGpKeySet) keys = random_keys(rand, cfg);
		g_autoptr(TokGpSession) host = NULL;
		g_autoptr(TokGpSession) card = NULL;
		g_autoptr(GError) error = NULL;
		guint good = (guint)g_rand_int_range(rand, 0, 4);
		gboolean has_le = FALSE;
		g_autoptr(GByteArray) apdu = NULL;
		g_autoptr(GBytes) wrapped = NULL;
		g_autoptr(GByteArray) bad = g_byte_array_new();
		g_autoptr(GBytes) out = NULL;
		gsize len, lc, pos;

		open_pair(crypto, cfg, rand, keys, keys, &host, &card, &error);
		g_assert_no_error(error);
		for (guint c = 0; c < good; c++) {
			g_autoptr(GByteArray) a = random_command(rand, cfg, &has_le);
			g_autoptr(GBytes) w = tok_gp_session_wrap(host, a->data, a->len, &error);
			g_autoptr(GBytes) p = tok_gp_session_unwrap(card,
								    g_bytes_get_data(w, NULL),
								    g_bytes_get_size(w),
								    &error);
			g_assert_no_error(error);
			g_assert_nonnull(p);
		}
		apdu = random_command(rand, cfg, &has_le);
		wrapped = tok_gp_session_wrap(host, apdu->data, apdu->len, &error);
		g_assert_no_error(error);
		len = g_bytes_get_size(wrapped);
		g_byte_array_append(bad, g_bytes_get_data(wrapped, NULL), (guint)len);
		lc = bad->data[4];
		/* INS, P1, P2, or any byte of the data field (cipher text or plain data, and the
		 * MAC) */
		pos = (gsize)g_rand_int_range(rand, 0, (gint)(3 + lc));
		pos = pos < 3 ? pos + 1 : 5 + (pos - 3);
		bad->data[pos] ^= (guint8)(1u << g_rand_int_range(rand, 0, 8));
		out = tok_gp_session_unwrap(card, bad->data, bad->len, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
		g_clear_error(&error);
		g_assert_cmpint(tok_gp_session_get_state(card), ==, TOK_GP_SESSION_STATE_ABORTED);
		out = tok_gp_session_unwrap(card, g_bytes_get_data(wrapped, NULL), len, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_AUTHORIZED);
		g_clear_error(&error);
		out = tok_gp_session_wrap_response(card, NULL, 0, 0x9000, &error);
		g_assert_null(out);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_AUTHORIZED);
	}
}

/* A host holding another key set finds the card cryptogram wrong. */
static void
test_wrong_keys(gconstpointer user_data)
{
	const SessionConfig *cfg = user_data;
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(GRand) rand = g_rand_new_with_seed(PROPERTY_SEED + 99 + cfg->scp);

	for (guint s = 0; s < PROPERTY_SESSIONS; s++) {
		g_autoptr(TokGpKeySet) card_keys = random_keys(rand, cfg);
		g_autoptr(TokGpKeySet) host_keys = random_keys(rand, cfg);
		g_autoptr(TokGpSession) host = NULL;
		g_autoptr(TokGpSession) card = NULL;
		g_autoptr(GError) error = NULL;

		open_pair(crypto, cfg, rand, card_keys, host_keys, &host, &card, &error);
		g_assert_null(host);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
	}
}

/* A session over the default keys, for the state and error path tests. */
static void
open_default(TokGpCrypto *crypto,
	     TokGpScp scp,
	     guint8 i_param,
	     TokGpSession **host,
	     TokGpSession **card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(
	    scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3);
	const guint8 iu[] = {0x80, 0x50, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00};
	const guint8 cc[8] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7};
	TokGpCardParams params = {.scp = scp,
				  .i_param = i_param,
				  .key_version = 0x01,
				  .sequence_counter = 0x2A,
				  .card_challenge = cc};
	g_autoptr(GBytes) resp = NULL;

	*card = tok_gp_session_new_card(crypto, keys, &params, iu, sizeof(iu), &error);
	g_assert_no_error(error);
	resp = tok_gp_session_get_initialize_update_response(*card);
	*host = tok_gp_session_new_host(crypto,
					scp,
					keys,
					iu + 5,
					g_bytes_get_data(resp, NULL),
					g_bytes_get_size(resp),
					TOK_GP_SESSION_FLAG_NONE,
					&error);
	g_assert_no_error(error);
}

static void
test_states(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(GBytes) ea = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 cmd[] = {0x80, 0xCA, 0x00, 0x66, 0x00};
	guint8 hc[8];

	open_default(crypto, TOK_GP_SCP02, 0, &host, &card);
	g_assert_cmpint(tok_gp_session_get_side(host), ==, TOK_GP_SESSION_SIDE_HOST);
	g_assert_cmpint(tok_gp_session_get_side(card), ==, TOK_GP_SESSION_SIDE_CARD);
	g_assert_cmpint(tok_gp_session_get_scp(card), ==, TOK_GP_SCP02);
	g_assert_cmpint(tok_gp_session_get_state(host), ==, TOK_GP_SESSION_STATE_INITIALIZED);
	g_assert_cmpuint(tok_gp_session_get_security_level(host), ==, 0);
	g_assert_cmpuint(tok_gp_session_get_sequence_counter(host), ==, 0x2A);
	g_assert_nonnull(tok_gp_session_get_session_keys(host));
	{
		g_autoptr(GBytes) cc = tok_gp_session_get_card_challenge(host);
		g_autoptr(GBytes) cc2 = tok_gp_session_get_card_challenge(card);
		g_autoptr(GBytes) ki = tok_gp_session_get_key_info(host);
		g_autoptr(GBytes) kdd = tok_gp_session_get_kdd(host);
		g_assert_cmpuint(g_bytes_get_size(cc), ==, 6); /* SCP02 */
		g_assert_true(g_bytes_equal(cc, cc2));
		gp_test_assert_bytes_hex(ki, "0102");
		g_assert_cmpuint(g_bytes_get_size(kdd), ==, 10);
	}
	/* nothing is wrapped before EXTERNAL AUTHENTICATE */
	g_assert_null(tok_gp_session_wrap(host, cmd, sizeof(cmd), &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_unwrap(card, cmd, sizeof(cmd), &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	/* unsupported levels: R-MAC alone (BEGIN R-MAC SESSION only), R-ENCRYPTION (SCP03
	 * only), C-DEC without C-MAC, no security */
	g_assert_null(tok_gp_session_external_authenticate(host, 0x10, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_external_authenticate(host, 0x33, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_external_authenticate(host, 0x02, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_external_authenticate(host, 0x00, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	ea = tok_gp_session_external_authenticate(host, 0x01, &error);
	g_assert_no_error(error);
	g_assert_true(tok_gp_session_get_host_cryptogram(host, hc));
	g_assert_true(tok_gp_memeq(hc, (const guint8 *)g_bytes_get_data(ea, NULL) + 5, 8));
	/* only once, and only on its own side */
	g_assert_null(tok_gp_session_external_authenticate(host, 0x01, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_external_authenticate(card, 0x01, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_false(tok_gp_session_check_external_authenticate(host,
								  g_bytes_get_data(ea, NULL),
								  g_bytes_get_size(ea),
								  &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_true(tok_gp_session_check_external_authenticate(card,
								 g_bytes_get_data(ea, NULL),
								 g_bytes_get_size(ea),
								 &error));
	g_assert_no_error(error);
	g_assert_null(tok_gp_session_unwrap(host, cmd, sizeof(cmd), &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_wrap(card, cmd, sizeof(cmd), &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_unwrap_response(card, (const guint8 *)"\x90\x00", 2, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_PROTOCOL);
	g_clear_error(&error);
	/* a command without secure messaging aborts the card session */
	g_assert_null(tok_gp_session_unwrap(card, cmd, sizeof(cmd), &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_AUTHORIZED);
	g_assert_cmpint(tok_gp_session_get_state(card), ==, TOK_GP_SESSION_STATE_ABORTED);
}

static void
expect_card_ext_auth_error(TokGpScp scp,
			   guint8 i_param,
			   const gchar *what,
			   guint pos,
			   guint8 value,
			   gint code)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) ea = NULL;
	guint8 buf[21];

	open_default(crypto, scp, i_param, &host, &card);
	ea = tok_gp_session_external_authenticate(host, 0x03, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < sizeof(buf); i++)
		buf[i] = ((const guint8 *)g_bytes_get_data(ea, NULL))[i];
	if (pos < sizeof(buf))
		buf[pos] = value;
	g_test_message("%s", what);
	g_assert_false(tok_gp_session_check_external_authenticate(card, buf, sizeof(buf), &error));
	g_assert_error(error, TOK_ERROR, code);
	g_assert_cmpint(tok_gp_session_get_state(card), ==, TOK_GP_SESSION_STATE_ABORTED);
}

static void
test_external_authenticate_errors(void)
{
	expect_card_ext_auth_error(TOK_GP_SCP01,
				   0,
				   "host cryptogram",
				   6,
				   0x00,
				   TOK_ERROR_AUTH_FAILED);
	expect_card_ext_auth_error(TOK_GP_SCP02, 0, "C-MAC", 20, 0xFF, TOK_ERROR_AUTH_FAILED);
	expect_card_ext_auth_error(TOK_GP_SCP03, 0x70, "C-MAC", 14, 0x00, TOK_ERROR_AUTH_FAILED);
	expect_card_ext_auth_error(TOK_GP_SCP03,
				   0x70,
				   "level 33 (R-ENCRYPTION)",
				   2,
				   0x33,
				   TOK_ERROR_INVALID_PARAMETER);
	expect_card_ext_auth_error(TOK_GP_SCP03,
				   0x00,
				   "level 13 without R-MAC in i",
				   2,
				   0x13,
				   TOK_ERROR_INVALID_PARAMETER);
	expect_card_ext_auth_error(TOK_GP_SCP01, 0, "INS", 1, 0x84, TOK_ERROR_INVALID_DATA);
	expect_card_ext_auth_error(TOK_GP_SCP01, 0, "Lc", 4, 0x11, TOK_ERROR_TRUNCATED);
}

static void
expect_host_error(TokGpScp scp, const gchar *hex, gint code)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(
	    scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3);
	g_autoptr(GBytes) resp = gp_test_hex(hex);
	g_autoptr(GError) error = NULL;
	const guint8 hc[8] = {0};
	g_autoptr(TokGpSession) host = tok_gp_session_new_host(crypto,
							       scp,
							       keys,
							       hc,
							       g_bytes_get_data(resp, NULL),
							       g_bytes_get_size(resp),
							       TOK_GP_SESSION_FLAG_NONE,
							       &error);

	g_assert_null(host);
	g_assert_error(error, TOK_ERROR, code);
}

static void
expect_card_error(TokGpScp scp, const gchar *hex, gint code)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(
	    scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3);
	g_autoptr(GBytes) apdu = gp_test_hex(hex);
	g_autoptr(GError) error = NULL;
	TokGpCardParams params = {.scp = scp, .key_version = 0x01, .i_param = 0x70};
	g_autoptr(TokGpSession) card = tok_gp_session_new_card(crypto,
							       keys,
							       &params,
							       g_bytes_get_data(apdu, NULL),
							       g_bytes_get_size(apdu),
							       &error);

	g_assert_null(card);
	g_assert_error(error, TOK_ERROR, code);
}

static void
test_initialize_update_errors(void)
{
	/* host: the response lengths of protocol.md 3.3, the protocol byte of the key info */
	expect_host_error(TOK_GP_SCP01,
			  "00000000000000000000 0101 0000000000000000 00000000000000",
			  TOK_ERROR_INVALID_DATA);
	expect_host_error(TOK_GP_SCP01,
			  "00000000000000000000 0102 0000000000000000 0000000000000000",
			  TOK_ERROR_PROTOCOL);
	expect_host_error(TOK_GP_SCP02,
			  "00000000000000000000 0101 0000 000000000000 0000000000000000",
			  TOK_ERROR_PROTOCOL);
	expect_host_error(TOK_GP_SCP03,
			  "00000000000000000000 010370 0000000000000000 0000000000000000 0000",
			  TOK_ERROR_INVALID_DATA);
	expect_host_error(TOK_GP_SCP03,
			  "00000000000000000000 010270 0000000000000000 0000000000000000",
			  TOK_ERROR_PROTOCOL);
	expect_host_error(TOK_GP_SCP03, "", TOK_ERROR_INVALID_DATA);
	/* a well-formed response with a wrong cryptogram */
	expect_host_error(TOK_GP_SCP03,
			  "00000000000000000000 010370 0000000000000000 0000000000000000",
			  TOK_ERROR_AUTH_FAILED);
	expect_host_error((TokGpScp)5, "00", TOK_ERROR_INVALID_DATA);
	/* card: the INITIALIZE UPDATE command */
	expect_card_error(TOK_GP_SCP01, "8050020008 0102030405060708", TOK_ERROR_NOT_FOUND);
	expect_card_error(TOK_GP_SCP01, "8052000008 0102030405060708", TOK_ERROR_INVALID_DATA);
	expect_card_error(TOK_GP_SCP01, "8050000007 01020304050607", TOK_ERROR_INVALID_DATA);
	expect_card_error(TOK_GP_SCP02, "8050000008 01020304050607", TOK_ERROR_TRUNCATED);
	expect_card_error(TOK_GP_SCP02, "8050000008 0102030405060708 0000", TOK_ERROR_INVALID_DATA);
	expect_card_error(TOK_GP_SCP03, "805000", TOK_ERROR_TRUNCATED);
	expect_card_error(TOK_GP_SCP03,
			  "8050000000000801020304050607080000",
			  TOK_ERROR_NOT_SUPPORTED);
	/* SCP03 i=70 without an AID cannot make its pseudo-random challenge */
	expect_card_error(TOK_GP_SCP03, "8050000008 0102030405060708", TOK_ERROR_INVALID_DATA);
}

static void
test_wrap_errors(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(GBytes) ea = NULL;
	g_autoptr(GError) error = NULL;
	guint8 big[6 + 240] = {0x80, 0xE2, 0x00, 0x00, 240};
	const guint8 ok[] = {0x80, 0xE2, 0x00, 0x00, 0x02, 0x01, 0x02};

	open_default(crypto, TOK_GP_SCP01, 0, &host, &card);
	ea = tok_gp_session_external_authenticate(host, 0x03, &error);
	g_assert_true(tok_gp_session_check_external_authenticate(card,
								 g_bytes_get_data(ea, NULL),
								 g_bytes_get_size(ea),
								 &error));
	g_assert_no_error(error);
	/* too long once encrypted: refused without touching the chaining state */
	g_assert_null(tok_gp_session_wrap(host, big, 5 + 240, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_wrap(host, big, 3, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_wrap(host, big, 5 + 10, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	big[4] = 0x00; /* extended length */
	g_assert_null(tok_gp_session_wrap(host, big, 8, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	g_assert_null(tok_gp_session_wrap(host, ok, sizeof(ok) - 1, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_TRUNCATED);
	g_clear_error(&error);
	{
		guint8 extra[] = {0x80, 0xE2, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00};
		g_assert_null(tok_gp_session_wrap(host, extra, sizeof(extra), &error));
		g_assert_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	g_assert_cmpint(tok_gp_session_get_state(host), ==, TOK_GP_SESSION_STATE_AUTHENTICATED);
	{
		g_autoptr(GBytes) w = tok_gp_session_wrap(host, ok, sizeof(ok), &error);
		g_autoptr(GBytes) p = tok_gp_session_unwrap(card,
							    g_bytes_get_data(w, NULL),
							    g_bytes_get_size(w),
							    &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(p, ok, sizeof(ok)));
	}
}

/* SCP03 levels 11/13: a bad R-MAC aborts the host session; error status words carry none. */
static void
test_rmac(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpSession) host = NULL;
	g_autoptr(TokGpSession) card = NULL;
	g_autoptr(GBytes) ea = NULL;
	g_autoptr(GBytes) w = NULL;
	g_autoptr(GBytes) p = NULL;
	g_autoptr(GBytes) rsp = NULL;
	g_autoptr(GByteArray) bad = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	const guint8 cmd[] = {0x80, 0xCA, 0x00, 0x66, 0x00};
	const guint8 data[] = {0x01, 0x02, 0x03};
	const guint8 err_sw[] = {0x6A, 0x82};
	guint8 aid[8] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00};
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_AES);
	const guint8 iu[] = {0x80, 0x50, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
	TokGpCardParams params = {.scp = TOK_GP_SCP03,
				  .i_param = 0x70,
				  .key_version = 0x30,
				  .sequence_counter = 5,
				  .aid = aid,
				  .aid_len = 8};
	g_autoptr(GBytes) resp = NULL;

	card = tok_gp_session_new_card(crypto, keys, &params, iu, sizeof(iu), &error);
	g_assert_no_error(error);
	resp = tok_gp_session_get_initialize_update_response(card);
	g_assert_cmpuint(g_bytes_get_size(resp), ==, 32);
	host = tok_gp_session_new_host(crypto,
				       TOK_GP_SCP03,
				       keys,
				       iu + 5,
				       g_bytes_get_data(resp, NULL),
				       32,
				       TOK_GP_SESSION_FLAG_NONE,
				       &error);
	g_assert_no_error(error);
	g_assert_cmpuint(tok_gp_session_get_sequence_counter(host), ==, 5);
	ea = tok_gp_session_external_authenticate(host, 0x13, &error);
	g_assert_true(tok_gp_session_check_external_authenticate(card,
								 g_bytes_get_data(ea, NULL),
								 g_bytes_get_size(ea),
								 &error));
	w = tok_gp_session_wrap(host, cmd, sizeof(cmd), &error);
	p = tok_gp_session_unwrap(card, g_bytes_get_data(w, NULL), g_bytes_get_size(w), &error);
	g_assert_no_error(error);
	{
		g_autoptr(GBytes) e =
		    tok_gp_session_wrap_response(card, data, sizeof(data), 0x6A82, &error);
		g_autoptr(GBytes) he = tok_gp_session_unwrap_response(host, err_sw, 2, &error);
		g_assert_no_error(error);
		g_assert_true(tok_bytes_equal_data(e, err_sw, 2));
		g_assert_true(tok_bytes_equal_data(he, err_sw, 2));
	}
	{
		g_autoptr(GBytes) e =
		    tok_gp_session_unwrap_response(host, (const guint8 *)"\x01\x90\x00", 3, &error);
		g_assert_null(e);
		g_assert_error(error, TOK_ERROR, TOK_ERROR_AUTH_FAILED);
		g_clear_error(&error);
	}
	g_assert_cmpint(tok_gp_session_get_state(host), ==, TOK_GP_SESSION_STATE_ABORTED);
	rsp = tok_gp_session_wrap_response(card, data, sizeof(data), 0x9000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(rsp), ==, 3 + 8 + 2);
	g_byte_array_append(bad, g_bytes_get_data(rsp, NULL), 13);
	bad->data[5] ^= 0x01;
	g_assert_null(tok_gp_session_unwrap_response(host, bad->data, bad->len, &error));
	g_assert_error(error, TOK_ERROR, TOK_ERROR_NOT_AUTHORIZED);
}

/* The TPS path: session keys from the TKS instead of static keys give the same channel. */
static void
test_session_keys_path(void)
{
	g_autoptr(TokGpCrypto) crypto = gp_crypto();
	g_autoptr(TokGpKeySet) keys = tok_gp_key_set_new_default(TOK_GP_KEY_TYPE_DES3);
	g_autoptr(GError) error = NULL;
	const guint8 iu[] = {0x80, 0x50, 0x00, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8};
	TokGpCardParams params = {.scp = TOK_GP_SCP01, .key_version = 0x01};
	g_autoptr(TokGpSession) card =
	    tok_gp_session_new_card(crypto, keys, &params, iu, sizeof(iu), &error);
	g_autoptr(GBytes) resp = tok_gp_session_get_initialize_update_response(card);
	const guint8 *r = g_bytes_get_data(resp, NULL);
	g_autoptr(TokGpSessionKeys) sk =
	    tok_gp_scp01_derive_session_keys(crypto, keys, iu + 5, r + 12, &error);
	g_autoptr(TokGpSession) a = tok_gp_session_new_host(crypto,
							    TOK_GP_SCP01,
							    keys,
							    iu + 5,
							    r,
							    28,
							    TOK_GP_SESSION_FLAG_NONE,
							    &error);
	g_autoptr(TokGpSession) b =
	    tok_gp_session_new_host_with_session_keys(crypto,
						      sk,
						      iu + 5,
						      r,
						      28,
						      TOK_GP_SESSION_FLAG_NONE,
						      &error);
	g_autoptr(GBytes) ea = tok_gp_session_external_authenticate(a, 0x03, &error);
	g_autoptr(GBytes) eb = tok_gp_session_external_authenticate(b, 0x03, &error);
	g_autoptr(GBytes) cc1 = tok_gp_session_get_card_challenge(card);
	g_autoptr(TokGpSession) card2 =
	    tok_gp_session_new_card(crypto, keys, &params, iu, sizeof(iu), &error);
	g_autoptr(GBytes) cc2 = tok_gp_session_get_card_challenge(card2);

	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(ea, eb));
	g_assert_true(tok_gp_session_check_external_authenticate(card,
								 g_bytes_get_data(eb, NULL),
								 g_bytes_get_size(eb),
								 &error));
	g_assert_no_error(error);
	/* card challenges are random when not given */
	g_assert_false(g_bytes_equal(cc1, cc2));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(configs); i++) {
		g_autofree gchar *p1 =
		    g_strdup_printf("/tok/gp/session/round-trip/%s", configs[i].name);
		g_autofree gchar *p2 =
		    g_strdup_printf("/tok/gp/session/tamper/%s", configs[i].name);
		g_autofree gchar *p3 =
		    g_strdup_printf("/tok/gp/session/wrong-keys/%s", configs[i].name);
		g_test_add_data_func(p1, &configs[i], test_round_trip);
		g_test_add_data_func(p2, &configs[i], test_tamper);
		g_test_add_data_func(p3, &configs[i], test_wrong_keys);
	}
	g_test_add_func("/tok/gp/session/states", test_states);
	g_test_add_func("/tok/gp/session/external-authenticate/errors",
			test_external_authenticate_errors);
	g_test_add_func("/tok/gp/session/initialize-update/errors", test_initialize_update_errors);
	g_test_add_func("/tok/gp/session/wrap/errors", test_wrap_errors);
	g_test_add_func("/tok/gp/session/r-mac", test_rmac);
	g_test_add_func("/tok/gp/session/session-keys-path", test_session_keys_path);
	return g_test_run();
}
