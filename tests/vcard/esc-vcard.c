/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * esc-vcard: a virtual GlobalPlatform card with the CoolKey applet on the real PC/SC stack
 * (pcscd + vpcd). Exit status: 0 when vpcd closes the connection, 1 on a framing, I/O or
 * state file error, 2 for bad options.
 */
#include "config.h"

#include <locale.h>
#include <openssl/crypto.h>

#include "tok-bytes.h"
#include "tok-cplc.h"
#include "tok-error.h"
#include "tok-secret.h"
#include "vcard-card.h"
#include "vcard-vpcd.h"

#define ESC_VCARD_CONNECT_TIMEOUT_MS 10000

typedef struct {
	gchar *host;
	gint port;
	gchar *cuid;
	gchar *msn;
	gchar *atr;
	gint scp;
	gchar *keys;
	gint key_version;
	gboolean blank;
	gchar *applet_image;
	gchar *state;
	gchar *log;
	gboolean log_data;
} EscVcardOptions;

static void
esc_vcard_options_clear(EscVcardOptions *options)
{
	g_free(options->host);
	g_free(options->cuid);
	g_free(options->msn);
	g_free(options->atr);
	if (options->keys != NULL)
		OPENSSL_cleanse(options->keys, strlen(options->keys));
	g_free(options->keys);
	g_free(options->applet_image);
	g_free(options->state);
	g_free(options->log);
}

static gboolean
esc_vcard_hex_field(const gchar *text, const gchar *what, guint8 *out, gsize len, GError **error)
{
	g_autoptr(GBytes) bytes = tok_hex_decode(text, TOK_HEX_FLAG_NONE, error);
	const guint8 *data;

	if (bytes == NULL || g_bytes_get_size(bytes) != len) {
		g_clear_error(error);
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "--%s must be %" G_GSIZE_FORMAT " hex digits", what, 2 * len);
		return FALSE;
	}
	data = g_bytes_get_data(bytes, NULL);
	for (gsize i = 0; i < len; i++)
		out[i] = data[i];
	return TRUE;
}

/* "developer" or hex: one key for ENC, MAC and DEK, or the three concatenated. */
static TokGpKeySet *
esc_vcard_parse_keys(const gchar *text, TokGpScp scp, GError **error)
{
	TokGpKeyType type = scp == TOK_GP_SCP03 ? TOK_GP_KEY_TYPE_AES : TOK_GP_KEY_TYPE_DES3;
	g_autoptr(GBytes) decoded = NULL;
	g_autoptr(GBytes) raw = NULL;
	gsize len = 0;
	const guint8 *data;

	if (g_strcmp0(text, "developer") == 0)
		return tok_gp_key_set_new_default(type);
	decoded = tok_hex_decode(text, TOK_HEX_FLAG_NONE, NULL);
	if (decoded == NULL) {
		g_set_error_literal(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "--keys is neither \"developer\" nor hex");
		return NULL;
	}
	raw = tok_bytes_new_wiped(g_bytes_get_data(decoded, NULL), g_bytes_get_size(decoded));
	OPENSSL_cleanse((guint8 *)g_bytes_get_data(decoded, NULL), g_bytes_get_size(decoded));
	data = g_bytes_get_data(raw, &len);
	if (len == 48 || (type == TOK_GP_KEY_TYPE_AES && len % 3 == 0 && (len == 72 || len == 96))) {
		g_autoptr(TokSecret) enc = tok_secret_new_from_data(data, len / 3);
		g_autoptr(TokSecret) mac = tok_secret_new_from_data(data + len / 3, len / 3);
		g_autoptr(TokSecret) dek = tok_secret_new_from_data(data + 2 * len / 3, len / 3);
		return tok_gp_key_set_new(type, enc, mac, dek, error);
	}
	return tok_gp_key_set_new_from_data(type, data, len, error);
}

static gboolean
esc_vcard_build_config(EscVcardOptions *options, VcardCardConfig *config, GError **error)
{
	if (options->scp < 1 || options->scp > 3) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "--scp must be 1, 2 or 3, not %d", options->scp);
		return FALSE;
	}
	if (options->port < 1 || options->port > 65535) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "--port %d is not a TCP port", options->port);
		return FALSE;
	}
	if (options->key_version < 1 || options->key_version > 0xFE) {
		g_set_error(error, TOK_ERROR, TOK_ERROR_INVALID_DATA, "--key-version must be 1-254, not %d", options->key_version);
		return FALSE;
	}
	config->scp = (TokGpScp)options->scp;
	config->key_version = (guint8)options->key_version;
	config->blank = options->blank;
	config->state_path = options->state;
	config->log_path = options->log;
	config->log_data = options->log_data;
	if (options->cuid != NULL) {
		if (!tok_cuid_parse(options->cuid, config->cuid, error)) {
			g_prefix_error(error, "--cuid: ");
			return FALSE;
		}
		config->has_cuid = TRUE;
	}
	if (options->msn != NULL) {
		if (!esc_vcard_hex_field(options->msn, "msn", config->msn, sizeof(config->msn), error))
			return FALSE;
		config->has_msn = TRUE;
	}
	if (options->atr != NULL) {
		config->atr = tok_hex_decode(options->atr, TOK_HEX_FLAG_ALLOW_SPACES, error);
		if (config->atr == NULL) {
			g_prefix_error(error, "--atr: ");
			return FALSE;
		}
	}
	if (options->keys != NULL) {
		config->keys = esc_vcard_parse_keys(options->keys, config->scp, error);
		if (config->keys == NULL) {
			g_prefix_error(error, "--keys: ");
			return FALSE;
		}
	}
	if (options->applet_image != NULL) {
		gchar *contents = NULL;
		gsize len = 0;

		if (!g_file_get_contents(options->applet_image, &contents, &len, error))
			return FALSE;
		config->applet_image = g_bytes_new_take(contents, len);
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	EscVcardOptions options = {.port = VCARD_DEFAULT_PORT, .scp = 1, .key_version = 1};
	const GOptionEntry entries[] = {
	    {"host", 0, 0, G_OPTION_ARG_STRING, &options.host, "vpcd host (default " VCARD_DEFAULT_HOST ")", "HOST"},
	    {"port", 0, 0, G_OPTION_ARG_INT, &options.port, "vpcd port (default 35963)", "PORT"},
	    {"cuid", 0, 0, G_OPTION_ARG_STRING, &options.cuid, "card unique ID, 20 hex digits (default " VCARD_DEFAULT_CUID ")", "HEX"},
	    {"msn", 0, 0, G_OPTION_ARG_STRING, &options.msn, "manufacturer serial number, 8 hex digits (default " VCARD_DEFAULT_MSN ")", "HEX"},
	    {"atr", 0, 0, G_OPTION_ARG_STRING, &options.atr, "answer to reset (default " VCARD_DEFAULT_ATR ", T=1)", "HEX"},
	    {"scp", 0, 0, G_OPTION_ARG_INT, &options.scp, "secure channel protocol 1, 2 or 3 (default 1)", "N"},
	    {"keys", 0, 0, G_OPTION_ARG_STRING, &options.keys, "card keys: developer (40..4F) or hex (one key, or ENC||MAC||DEK)", "developer|HEX"},
	    {"key-version", 0, 0, G_OPTION_ARG_INT, &options.key_version, "key set version (default 1)", "N"},
	    {"blank", 0, 0, G_OPTION_ARG_NONE, &options.blank, "no CoolKey applet installed", NULL},
	    {"applet-image", 0, 0, G_OPTION_ARG_FILENAME, &options.applet_image, "pre-install this applet image instead of the built-in 1.4.58768072", "FILE"},
	    {"state", 0, 0, G_OPTION_ARG_FILENAME, &options.state, "keep the card in FILE across restarts (the factory options above only create it)", "FILE"},
	    {"log", 0, 0, G_OPTION_ARG_FILENAME, &options.log, "append an APDU trace to FILE (data fields redacted)", "FILE"},
	    {"log-data", 0, 0, G_OPTION_ARG_NONE, &options.log_data, "show data fields in the trace, PINs and keys included", NULL},
	    G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- virtual CoolKey card for vpcd");
	g_autoptr(GError) error = NULL;
	g_autoptr(VcardCard) card = NULL;
	VcardCardConfig config;
	int rc;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_set_description(context,
					 "The card connects to vpcd (reader.conf DEVICENAME /dev/null:PORT) and serves it until\n"
					 "vpcd closes the connection. With --state, keys, PINs, objects and the applet persist.\n");
	vcard_card_config_init(&config);
	if (!g_option_context_parse(context, &argc, &argv, &error) || !esc_vcard_build_config(&options, &config, &error)) {
		g_printerr("esc-vcard: %s\n", error->message);
		rc = 2;
	} else {
		card = vcard_card_new(&config, &error);
		if (card == NULL) {
			g_printerr("esc-vcard: %s\n", error->message);
			rc = 1;
		} else if (!vcard_vpcd_run(card, options.host != NULL ? options.host : VCARD_DEFAULT_HOST, (guint16)options.port,
					   ESC_VCARD_CONNECT_TIMEOUT_MS, &error)) {
			g_printerr("esc-vcard: %s\n", error->message);
			rc = 1;
		} else {
			rc = 0;
		}
	}
	g_clear_pointer(&config.atr, g_bytes_unref);
	g_clear_pointer(&config.keys, tok_gp_key_set_unref);
	g_clear_pointer(&config.applet_image, g_bytes_unref);
	esc_vcard_options_clear(&options);
	return rc;
}
