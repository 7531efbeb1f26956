/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * tkstool: the TKS key ceremony tool.
 *
 *   tkstool init      --store FILE [--passphrase-file F | --key-file F]
 *   tkstool generate  --store S --key-set NAME --version VV [--type des3|aes128|aes256]
 *                     [--shares N [--share-dir DIR]]
 *   tkstool combine   --store S --key-set NAME --version VV --share FILE|- (x N) [--type T]
 *   tkstool list      --store S
 *   tkstool export    --store S --key-set NAME --version VV --transport-key F --out FILE
 *   tkstool import    --store S --in FILE --transport-key F
 *   tkstool delete    --store S --key-set NAME --version VV
 *   tkstool transport-key new --out FILE
 *
 * Stores are opened through tks_key_store_open(): a file path (encrypted key file) or
 * pkcs11:MODULE?token=LABEL. Passphrases and PINs come from --passphrase-file or are prompted
 * for without echo, never from the command line. Key versions are hex (01..FF). Shares are
 * printed (or written to DIR/share-N.txt, mode 0600), the combined key never is; nothing
 * secret is logged. Exit status: 0 success, 1 failure, 2 usage error.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "tks-key-share.h"
#include "tks-key-store.h"
#include "tks-key-transfer.h"
#include "tks-secret-file.h"
#include "tok-bytes.h"
#include "tok-gp-crypto.h"

#define TKSTOOL_EXIT_FAILURE 1
#define TKSTOOL_EXIT_USAGE   2
#define TKSTOOL_STDIN_MAX    4096

typedef struct {
	gchar *store;
	gchar *passphrase_file;
	gchar *key_file;
	gchar *key_set;
	gchar *version;
	gchar *type;
	gint shares;
	gchar *share_dir;
	gchar **share_files;
	gchar *transport_key;
	gchar *out;
	gchar *in;
} TkstoolOptions;

static void
tkstool_options_clear(TkstoolOptions *o)
{
	g_free(o->store);
	g_free(o->passphrase_file);
	g_free(o->key_file);
	g_free(o->key_set);
	g_free(o->version);
	g_free(o->type);
	g_free(o->share_dir);
	g_strfreev(o->share_files);
	g_free(o->transport_key);
	g_free(o->out);
	g_free(o->in);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TkstoolOptions, tkstool_options_clear)

static gboolean
tkstool_usage(GError **error, const gchar *message)
{
	g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
	return FALSE;
}

/* ---- argument helpers --------------------------------------------------------------- */

static gboolean
tkstool_need(const gchar *value, const gchar *option, GError **error)
{
	if (value == NULL || *value == '\0') {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s is required", option);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tkstool_parse_version(const TkstoolOptions *o, guint *version, GError **error)
{
	const gchar *text = o->version;
	guint64 v = 0;

	if (!tkstool_need(o->key_set, "--key-set", error) || !tkstool_need(text, "--version", error))
		return FALSE;
	if (g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X"))
		text += 2;
	if (strlen(text) > 2 || !g_ascii_string_to_unsigned(text, 16, 1, 0xFF, &v, NULL)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--version %s: expected a hex key version 01..FF", o->version);
		return FALSE;
	}
	if (!tks_key_set_name_is_valid(o->key_set)) {
		g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--key-set: 1..64 of A-Z a-z 0-9 _ . -");
		return FALSE;
	}
	*version = (guint)v;
	return TRUE;
}

static gboolean
tkstool_parse_type(const TkstoolOptions *o, TksKeyType *type, GError **error)
{
	if (o->type == NULL)
		return TRUE;
	if (!tks_key_type_from_string(o->type, type))
		return tkstool_usage(error, "--type: expected des3, aes128 or aes256");
	return TRUE;
}

static TokSecret *
tkstool_get_secret(const TkstoolOptions *o, const gchar *what, gboolean confirm, GError **error)
{
	g_autofree gchar *prompt = NULL;

	if (o->passphrase_file != NULL)
		return tks_secret_file_read_passphrase(o->passphrase_file, error);
	prompt = g_strdup_printf("%s for %s: ", what, o->store);
	return tks_secret_prompt(prompt, confirm, error);
}

static TksKeyStore *
tkstool_open_store(const TkstoolOptions *o, gboolean create, GError **error)
{
	gboolean pkcs11;
	g_autoptr(TokSecret) secret = NULL;

	if (!tkstool_need(o->store, "--store", error))
		return NULL;
	pkcs11 = g_str_has_prefix(o->store, "pkcs11:");
	if (o->key_file != NULL && o->passphrase_file != NULL) {
		tkstool_usage(error, "give --passphrase-file or --key-file, not both");
		return NULL;
	}
	if (pkcs11 || o->key_file == NULL) {
		secret = tkstool_get_secret(o, pkcs11 ? "PIN" : "Passphrase", create && !pkcs11, error);
		if (secret == NULL)
			return NULL;
	}
	return tks_key_store_open(o->store,
				  pkcs11 || o->key_file == NULL ? secret : NULL,
				  pkcs11 ? NULL : o->key_file,
				  create ? TKS_KEY_STORE_OPEN_CREATE : TKS_KEY_STORE_OPEN_NONE,
				  error);
}

static void
tkstool_print_key(const gchar *what, const TksKeyInfo *info)
{
	g_autofree gchar *kcv = tks_key_info_get_kcv_hex(info);
	g_print("%s key set %s version %02X: %s %s key, check value %s\n",
		what,
		tks_key_info_get_key_set(info),
		tks_key_info_get_version(info),
		tks_key_type_to_string(tks_key_info_get_key_type(info)),
		tks_key_kind_to_string(tks_key_info_get_kind(info)),
		kcv);
}

static gboolean
tkstool_write_stdout(GBytes *bytes, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_BACKEND, "cannot write to standard output");
		return FALSE;
	}
	return TRUE;
}

/* ---- subcommands -------------------------------------------------------------------- */

static gboolean
tkstool_cmd_init(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = NULL;
	g_autofree gchar *desc = NULL;

	if (g_str_has_prefix(o->store != NULL ? o->store : "", "pkcs11:"))
		return tkstool_usage(error, "init creates key files; a PKCS#11 token is initialised with its own tools");
	store = tkstool_open_store(o, TRUE, error);
	if (store == NULL)
		return FALSE;
	desc = tks_key_store_describe(store);
	g_print("created an empty %s\n", desc);
	return TRUE;
}

static gint
tkstool_compare_info(gconstpointer a, gconstpointer b)
{
	return tks_key_info_compare(*(TksKeyInfo *const *)a, *(TksKeyInfo *const *)b);
}

static gboolean
tkstool_cmd_list(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = tkstool_open_store(o, FALSE, error);
	g_autoptr(GPtrArray) keys = NULL;

	if (store == NULL)
		return FALSE;
	keys = tks_key_store_list_keys(store, error);
	if (keys == NULL)
		return FALSE;
	g_ptr_array_sort(keys, tkstool_compare_info);
	g_print("%-24s %-7s %-9s %-6s %s\n", "KEY SET", "VERSION", "KIND", "TYPE", "CHECK VALUE");
	for (guint i = 0; i < keys->len; i++) {
		TksKeyInfo *info = g_ptr_array_index(keys, i);
		g_autofree gchar *kcv = tks_key_info_get_kcv_hex(info);
		g_print("%-24s %02X      %-9s %-6s %s\n",
			tks_key_info_get_key_set(info),
			tks_key_info_get_version(info),
			tks_key_kind_to_string(tks_key_info_get_kind(info)),
			tks_key_type_to_string(tks_key_info_get_key_type(info)),
			kcv);
	}
	return TRUE;
}

/* Writes the shares to DIR/share-N.txt (all or none) or prints them. */
static gboolean
tkstool_output_shares(TkstoolOptions *o, GPtrArray *shares, GError **error)
{
	g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);

	if (o->share_dir != NULL && g_mkdir_with_parents(o->share_dir, 0700) != 0) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_BACKEND, "cannot create %s: %s", o->share_dir, g_strerror(errno));
		return FALSE;
	}
	for (guint i = 0; i < shares->len; i++) {
		TksKeyShare *share = g_ptr_array_index(shares, i);
		g_autoptr(GBytes) text = tks_key_share_to_text(share);
		g_autofree gchar *kcv = NULL;

		if (o->share_dir == NULL) {
			if (!tkstool_write_stdout(text, error))
				return FALSE;
			g_print("\n");
			continue;
		}
		{
			g_autofree gchar *name = g_strdup_printf("share-%u.txt", i + 1);
			gchar *path = g_build_filename(o->share_dir, name, NULL);
			if (!tks_secret_file_write_data(path, g_bytes_get_data(text, NULL), g_bytes_get_size(text), FALSE, error)) {
				g_free(path);
				for (guint j = 0; j < written->len; j++)
					g_unlink(g_ptr_array_index(written, j));
				return FALSE;
			}
			g_ptr_array_add(written, path);
			kcv = tok_hex_encode(tks_key_share_get_kcv(share), TKS_KCV_SIZE, TRUE);
			g_print("share %u of %u: %s (check value %s)\n", i + 1, shares->len, path, kcv);
		}
	}
	return TRUE;
}

static gboolean
tkstool_cmd_generate(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(TksKeyInfo) existing = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(TokGpCrypto) crypto = NULL;
	g_autoptr(TokSecret) key = NULL;
	g_autoptr(GPtrArray) shares = NULL;
	TksKeyType type = TKS_KEY_TYPE_DES3;
	guint version = 0;
	gsize len;

	if (!tkstool_parse_version(o, &version, error) || !tkstool_parse_type(o, &type, error))
		return FALSE;
	if (o->shares == 1 || o->shares < 0 || o->shares > TKS_KEY_SHARE_MAX_COUNT)
		return tkstool_usage(error, "--shares: 0 (no shares) or 2..16");
	if (o->share_dir != NULL && o->shares == 0)
		return tkstool_usage(error, "--share-dir needs --shares");
	store = tkstool_open_store(o, FALSE, error);
	if (store == NULL)
		return FALSE;
	if (o->shares == 0) {
		info = tks_key_store_generate_key(store, o->key_set, version, TKS_KEY_KIND_MASTER, type, error);
		if (info == NULL)
			return FALSE;
		tkstool_print_key("generated", info);
		return TRUE;
	}
	existing = tks_key_store_lookup_key(store, o->key_set, version, &error_local);
	if (existing != NULL) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_EXISTS, "key set %s version %02X already exists", o->key_set, version);
		return FALSE;
	}
	crypto = tok_gp_crypto_new(error);
	if (crypto == NULL)
		return FALSE;
	len = tks_key_type_get_key_length(type);
	key = tok_secret_new_random(len, error);
	if (key == NULL)
		return FALSE;
	if (type == TKS_KEY_TYPE_DES3)
		tok_gp_des_set_odd_parity(tok_secret_get_mutable_data(key), len);
	shares = tks_key_share_split(crypto, type, key, (guint)o->shares, o->key_set, version, error);
	if (shares == NULL)
		return FALSE;
	info = tks_key_store_import_key(store, o->key_set, version, TKS_KEY_KIND_MASTER, type, key, error);
	if (info == NULL)
		return FALSE;
	if (!tkstool_output_shares(o, shares, error)) {
		if (!tks_key_store_delete_key(store, o->key_set, version, &error_local))
			g_printerr("tkstool: also failed to remove the key again: %s\n", error_local->message);
		return FALSE;
	}
	tkstool_print_key("generated", info);
	return TRUE;
}

/* One share from standard input: lines up to an empty line or the end. */
static TksKeyShare *
tkstool_read_share_stdin(GError **error)
{
	g_autoptr(TokWipedByteArray) buf = g_byte_array_new();
	gboolean line_empty = TRUE;
	gint c;

	while ((c = getchar()) != EOF && buf->len < TKSTOOL_STDIN_MAX) {
		if (c == '\n' && line_empty && buf->len > 0)
			break;
		line_empty = c == '\n';
		tok_byte_array_append_u8(buf, (guint8)c);
	}
	return tks_key_share_parse(buf->data, buf->len, error);
}

static TksKeyShare *
tkstool_read_share(const gchar *path, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error_local = NULL;
	TksKeyShare *share;

	if (g_strcmp0(path, "-") == 0)
		return tkstool_read_share_stdin(error);
	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND, "%s", error_local->message);
		return NULL;
	}
	share = tks_key_share_parse((const guint8 *)contents, len, error);
	OPENSSL_cleanse(contents, len);
	if (share == NULL)
		g_prefix_error(error, "%s: ", path);
	return share;
}

static gboolean
tkstool_cmd_combine(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = NULL;
	g_autoptr(TokGpCrypto) crypto = NULL;
	g_autoptr(GPtrArray) shares = g_ptr_array_new_with_free_func((GDestroyNotify)tks_key_share_free);
	g_autoptr(TokSecret) key = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	TksKeyType type = TKS_KEY_TYPE_DES3;
	TksKeyType used_type = TKS_KEY_TYPE_DES3;
	guint version = 0;
	guint n = o->share_files != NULL ? g_strv_length(o->share_files) : 0;

	if (!tkstool_parse_version(o, &version, error) || !tkstool_parse_type(o, &type, error))
		return FALSE;
	if (n < 2)
		return tkstool_usage(error, "combine needs at least two --share FILE|-");
	for (guint i = 0; i < n; i++) {
		TksKeyShare *share = tkstool_read_share(o->share_files[i], error);
		if (share == NULL)
			return FALSE;
		g_ptr_array_add(shares, share);
	}
	crypto = tok_gp_crypto_new(error);
	if (crypto == NULL)
		return FALSE;
	key = tks_key_share_combine(crypto, shares, type, &used_type, error);
	if (key == NULL)
		return FALSE;
	store = tkstool_open_store(o, FALSE, error);
	if (store == NULL)
		return FALSE;
	info = tks_key_store_import_key(store, o->key_set, version, TKS_KEY_KIND_MASTER, used_type, key, error);
	if (info == NULL)
		return FALSE;
	tkstool_print_key("imported", info);
	return TRUE;
}

static gboolean
tkstool_cmd_delete(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = NULL;
	guint version = 0;

	if (!tkstool_parse_version(o, &version, error))
		return FALSE;
	store = tkstool_open_store(o, FALSE, error);
	if (store == NULL || !tks_key_store_delete_key(store, o->key_set, version, error))
		return FALSE;
	g_print("deleted key set %s version %02X\n", o->key_set, version);
	return TRUE;
}

static TokSecret *
tkstool_read_transport_key(const TkstoolOptions *o, GError **error)
{
	if (!tkstool_need(o->transport_key, "--transport-key", error))
		return NULL;
	return tks_secret_file_read_key(o->transport_key, TKS_TRANSPORT_KEY_SIZE, error);
}

static gboolean
tkstool_cmd_export(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = NULL;
	g_autoptr(TokGpCrypto) crypto = NULL;
	g_autoptr(TokSecret) transport = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	guint version = 0;

	if (!tkstool_parse_version(o, &version, error) || !tkstool_need(o->out, "--out", error))
		return FALSE;
	transport = tkstool_read_transport_key(o, error);
	if (transport == NULL)
		return FALSE;
	crypto = tok_gp_crypto_new(error);
	store = crypto != NULL ? tkstool_open_store(o, FALSE, error) : NULL;
	if (store == NULL)
		return FALSE;
	info = tks_key_transfer_export(store, crypto, o->key_set, version, transport, o->out, error);
	if (info == NULL)
		return FALSE;
	tkstool_print_key("exported", info);
	return TRUE;
}

static gboolean
tkstool_cmd_import(TkstoolOptions *o, GError **error)
{
	g_autoptr(TksKeyStore) store = NULL;
	g_autoptr(TokGpCrypto) crypto = NULL;
	g_autoptr(TokSecret) transport = NULL;
	g_autoptr(TksKeyInfo) info = NULL;

	if (!tkstool_need(o->in, "--in", error))
		return FALSE;
	transport = tkstool_read_transport_key(o, error);
	if (transport == NULL)
		return FALSE;
	crypto = tok_gp_crypto_new(error);
	store = crypto != NULL ? tkstool_open_store(o, FALSE, error) : NULL;
	if (store == NULL)
		return FALSE;
	info = tks_key_transfer_import(store, crypto, o->in, transport, error);
	if (info == NULL)
		return FALSE;
	tkstool_print_key("imported", info);
	return TRUE;
}

static gboolean
tkstool_cmd_transport_key_new(TkstoolOptions *o, GError **error)
{
	g_autoptr(TokSecret) key = NULL;
	g_autoptr(TokGpCrypto) crypto = NULL;
	guint8 kcv[TKS_KCV_SIZE];
	g_autofree gchar *hex = NULL;

	if (!tkstool_need(o->out, "--out", error))
		return FALSE;
	crypto = tok_gp_crypto_new(error);
	if (crypto == NULL)
		return FALSE;
	key = tok_secret_new_random(TKS_TRANSPORT_KEY_SIZE, error);
	if (key == NULL ||
	    !tok_gp_crypto_kcv_aes(crypto, tok_secret_get_data(key, NULL), TKS_TRANSPORT_KEY_SIZE, kcv, error) ||
	    !tks_secret_file_write_key(o->out, key, error))
		return FALSE;
	hex = tok_hex_encode(kcv, sizeof(kcv), TRUE);
	g_print("wrote an AES-256 transport key to %s, check value %s\n", o->out, hex);
	return TRUE;
}

/* ---- dispatch ----------------------------------------------------------------------- */

typedef gboolean (*TkstoolCommandFunc)(TkstoolOptions *o, GError **error);

typedef struct {
	const gchar *name;
	const gchar *summary;
	TkstoolCommandFunc func;
	const gchar *const *options; /* long names accepted */
} TkstoolCommand;

static const gchar *const tkstool_opts_init[] = {"store", "passphrase-file", "key-file", NULL};
static const gchar *const tkstool_opts_store[] = {"store", "passphrase-file", "key-file", NULL};
static const gchar *const tkstool_opts_generate[] =
    {"store", "passphrase-file", "key-file", "key-set", "version", "type", "shares", "share-dir", NULL};
static const gchar *const tkstool_opts_combine[] =
    {"store", "passphrase-file", "key-file", "key-set", "version", "type", "share", NULL};
static const gchar *const tkstool_opts_key[] = {"store", "passphrase-file", "key-file", "key-set", "version", NULL};
static const gchar *const tkstool_opts_export[] =
    {"store", "passphrase-file", "key-file", "key-set", "version", "transport-key", "out", NULL};
static const gchar *const tkstool_opts_import[] = {"store", "passphrase-file", "key-file", "in", "transport-key", NULL};
static const gchar *const tkstool_opts_out[] = {"out", NULL};

static const TkstoolCommand tkstool_commands[] = {
    {"init", "create an empty encrypted key store file", tkstool_cmd_init, tkstool_opts_init},
    {"generate", "generate a master key (optionally split into key shares)", tkstool_cmd_generate, tkstool_opts_generate},
    {"combine", "rebuild a master key from its shares and import it", tkstool_cmd_combine, tkstool_opts_combine},
    {"list", "list key sets, versions and check values", tkstool_cmd_list, tkstool_opts_store},
    {"export", "export a key wrapped under a transport key", tkstool_cmd_export, tkstool_opts_export},
    {"import", "import a wrapped key", tkstool_cmd_import, tkstool_opts_import},
    {"delete", "delete a key", tkstool_cmd_delete, tkstool_opts_key},
    {"transport-key", "transport-key new: create a transport key file", tkstool_cmd_transport_key_new, tkstool_opts_out},
};

static gboolean
tkstool_strv_has(const gchar *const *strv, const gchar *name)
{
	for (guint i = 0; strv[i] != NULL; i++) {
		if (g_strcmp0(strv[i], name) == 0)
			return TRUE;
	}
	return FALSE;
}

static gchar *
tkstool_help_summary(void)
{
	g_autoptr(GString) str = g_string_new("Commands:\n");
	for (guint i = 0; i < G_N_ELEMENTS(tkstool_commands); i++)
		g_string_append_printf(str, "  %-14s %s\n", tkstool_commands[i].name, tkstool_commands[i].summary);
	return g_string_free(g_steal_pointer(&str), FALSE);
}

static gint
tkstool_run(gint argc, gchar **argv, GError **error)
{
	g_auto(TkstoolOptions) o = {0};
	const GOptionEntry all[] = {
	    {"store", 0, 0, G_OPTION_ARG_STRING, &o.store, "Key store: FILE or pkcs11:MODULE?token=LABEL", "STORE"},
	    {"passphrase-file", 0, 0, G_OPTION_ARG_FILENAME, &o.passphrase_file, "Read the passphrase (or PIN) from FILE", "FILE"},
	    {"key-file", 0, 0, G_OPTION_ARG_FILENAME, &o.key_file, "The key store's 32-byte key file", "FILE"},
	    {"key-set", 0, 0, G_OPTION_ARG_STRING, &o.key_set, "Key set name", "NAME"},
	    {"version", 0, 0, G_OPTION_ARG_STRING, &o.version, "Key version, hex 01..FF", "VV"},
	    {"type", 0, 0, G_OPTION_ARG_STRING, &o.type, "Key type: des3, aes128 or aes256", "TYPE"},
	    {"shares", 0, 0, G_OPTION_ARG_INT, &o.shares, "Split the key into N shares (2..16)", "N"},
	    {"share-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.share_dir, "Write the shares to DIR/share-N.txt", "DIR"},
	    {"share", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.share_files, "A key share file, or - for standard input", "FILE"},
	    {"transport-key", 0, 0, G_OPTION_ARG_FILENAME, &o.transport_key, "The 32-byte transport key file", "FILE"},
	    {"out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, "Output file", "FILE"},
	    {"in", 0, 0, G_OPTION_ARG_FILENAME, &o.in, "Input file", "FILE"},
	    {NULL},
	};
	GOptionEntry entries[G_N_ELEMENTS(all)];
	const TkstoolCommand *cmd = NULL;
	g_autoptr(GOptionContext) ctx = NULL;
	g_autofree gchar *summary = tkstool_help_summary();
	g_autofree gchar *param = NULL;
	guint n = 0;
	gint skip = 2;

	if (argc < 2 || g_strcmp0(argv[1], "--help") == 0 || g_strcmp0(argv[1], "-h") == 0) {
		g_print("Usage: tkstool COMMAND [OPTIONS]\n\n%s", summary);
		if (argc < 2) {
			g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "no command given");
			return TKSTOOL_EXIT_USAGE;
		}
		return 0;
	}
	for (guint i = 0; i < G_N_ELEMENTS(tkstool_commands); i++) {
		if (g_strcmp0(argv[1], tkstool_commands[i].name) == 0)
			cmd = &tkstool_commands[i];
	}
	if (cmd == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unknown command \"%s\"", argv[1]);
		return TKSTOOL_EXIT_USAGE;
	}
	if (g_strcmp0(cmd->name, "transport-key") == 0) {
		if (argc < 3 || g_strcmp0(argv[2], "new") != 0) {
			g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "usage: tkstool transport-key new --out FILE");
			return TKSTOOL_EXIT_USAGE;
		}
		skip = 3;
	}
	for (guint i = 0; all[i].long_name != NULL; i++) {
		if (tkstool_strv_has(cmd->options, all[i].long_name))
			entries[n++] = all[i];
	}
	entries[n] = all[G_N_ELEMENTS(all) - 1];
	param = g_strdup_printf("%s%s - %s", cmd->name, skip == 3 ? " new" : "", cmd->summary);
	ctx = g_option_context_new(param);
	g_option_context_add_main_entries(ctx, entries, NULL);
	argv[skip - 1] = argv[0];
	argc -= skip - 1;
	argv += skip - 1;
	if (!g_option_context_parse(ctx, &argc, &argv, error))
		return TKSTOOL_EXIT_USAGE;
	if (argc > 1) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "unexpected argument \"%s\"", argv[1]);
		return TKSTOOL_EXIT_USAGE;
	}
	if (!cmd->func(&o, error))
		return error != NULL && *error != NULL && (*error)->domain == G_OPTION_ERROR ? TKSTOOL_EXIT_USAGE
											   : TKSTOOL_EXIT_FAILURE;
	return 0;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	gint rc;

	g_set_prgname("tkstool");
	rc = tkstool_run(argc, argv, &error);
	if (rc != 0) {
		g_printerr("tkstool: %s\n", error != NULL ? error->message : "failed");
		if (rc == TKSTOOL_EXIT_USAGE)
			g_printerr("Try \"tkstool --help\" or \"tkstool COMMAND --help\".\n");
	}
	return rc;
}
