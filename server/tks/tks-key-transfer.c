/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-key-transfer.h"

#include <string.h>

#include "tks-error.h"
#include "tks-secret-file.h"
#include "tok-bytes.h"

#define TKS_TRANSFER_GROUP    "tks-wrapped-key"
#define TKS_TRANSFER_WRAPPING "aes256-kwp"

static const gchar *const tks_transfer_fields[] = {
    "key-set",
    "version",
    "kind",
    "type",
    "check-values",
    "wrapping",
    "transport-check-value",
    "wrapped",
};

gchar *
tks_key_transfer_to_text(const TksKeyInfo *info, GBytes *wrapped, const guint8 transport_kcv[TKS_KCV_SIZE])
{
	g_autofree gchar *kcvs = tks_key_info_get_kcv_hex(info);
	g_autofree gchar *tkcv = tok_hex_encode(transport_kcv, TKS_KCV_SIZE, TRUE);
	g_autofree gchar *hex = tok_hex_encode_bytes(wrapped, TRUE);

	return g_strdup_printf("[" TKS_TRANSFER_GROUP "]\n"
			       "key-set=%s\n"
			       "version=%02X\n"
			       "kind=%s\n"
			       "type=%s\n"
			       "check-values=%s\n"
			       "wrapping=" TKS_TRANSFER_WRAPPING "\n"
			       "transport-check-value=%s\n"
			       "wrapped=%s\n",
			       tks_key_info_get_key_set(info),
			       tks_key_info_get_version(info),
			       tks_key_kind_to_string(tks_key_info_get_kind(info)),
			       tks_key_type_to_string(tks_key_info_get_key_type(info)),
			       kcvs,
			       tkcv,
			       hex);
}

static gboolean
tks_key_transfer_bad(GError **error, const gchar *field)
{
	g_set_error(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "wrapped key file: invalid or missing %s", field);
	return FALSE;
}

gboolean
tks_key_transfer_parse(const guint8 *data,
		       gsize len,
		       TksKeyInfo **info,
		       GBytes **wrapped,
		       guint8 transport_kcv[TKS_KCV_SIZE],
		       GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_auto(GStrv) groups = NULL;
	g_auto(GStrv) keys = NULL;
	g_autoptr(GPtrArray) value_list = g_ptr_array_new_with_free_func(g_free);
	const gchar *values[G_N_ELEMENTS(tks_transfer_fields)] = {NULL};
	g_autoptr(GBytes) kcvs = NULL;
	g_autoptr(GBytes) tkcv = NULL;
	g_autoptr(GBytes) blob = NULL;
	guint64 version = 0;
	TksKeyKind kind = TKS_KEY_KIND_MASTER;
	TksKeyType type = TKS_KEY_TYPE_DES3;
	gsize n = 0;

	if (data == NULL || len == 0 || len > TKS_KEY_TRANSFER_MAX || memchr(data, 0, len) != NULL ||
	    !g_key_file_load_from_data(kf, (const gchar *)data, len, G_KEY_FILE_NONE, NULL)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "not a wrapped key file");
		return FALSE;
	}
	groups = g_key_file_get_groups(kf, &n);
	if (n != 1 || g_strcmp0(groups[0], TKS_TRANSFER_GROUP) != 0) {
		g_set_error_literal(error,
				    TKS_ERROR,
				    TKS_ERROR_INVALID_DATA,
				    "wrapped key file: exactly one [" TKS_TRANSFER_GROUP "] group expected");
		return FALSE;
	}
	keys = g_key_file_get_keys(kf, TKS_TRANSFER_GROUP, &n, NULL);
	if (keys == NULL || n != G_N_ELEMENTS(tks_transfer_fields)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_INVALID_DATA, "wrapped key file: unknown, missing or repeated fields");
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(tks_transfer_fields); i++) {
		gchar *v = g_key_file_get_value(kf, TKS_TRANSFER_GROUP, tks_transfer_fields[i], NULL);
		if (v == NULL)
			return tks_key_transfer_bad(error, tks_transfer_fields[i]);
		g_ptr_array_add(value_list, v);
		values[i] = v;
	}
	if (!tks_key_set_name_is_valid(values[0]))
		return tks_key_transfer_bad(error, "key-set");
	if (strlen(values[1]) != 2 || !g_ascii_string_to_unsigned(values[1], 16, 1, 0xFF, &version, NULL))
		return tks_key_transfer_bad(error, "version");
	if (!tks_key_kind_from_string(values[2], &kind))
		return tks_key_transfer_bad(error, "kind");
	if (!tks_key_type_from_string(values[3], &type))
		return tks_key_transfer_bad(error, "type");
	kcvs = tok_hex_decode(values[4], TOK_HEX_FLAG_ALLOW_SPACES, NULL);
	if (kcvs == NULL || g_bytes_get_size(kcvs) != tks_key_kind_get_n_keys(kind) * TKS_KCV_SIZE)
		return tks_key_transfer_bad(error, "check-values");
	if (g_strcmp0(values[5], TKS_TRANSFER_WRAPPING) != 0)
		return tks_key_transfer_bad(error, "wrapping");
	tkcv = tok_hex_decode(values[6], TOK_HEX_FLAG_NONE, NULL);
	if (tkcv == NULL || g_bytes_get_size(tkcv) != TKS_KCV_SIZE)
		return tks_key_transfer_bad(error, "transport-check-value");
	blob = tok_hex_decode(values[7], TOK_HEX_FLAG_NONE, NULL);
	if (blob == NULL || g_bytes_get_size(blob) < 16 || g_bytes_get_size(blob) % 8 != 0 ||
	    g_bytes_get_size(blob) > TKS_KEY_VALUE_MAX + 16)
		return tks_key_transfer_bad(error, "wrapped");
	{
		TokReader r;
		tok_reader_init_bytes(&r, tkcv);
		if (!tok_reader_read_into(&r, transport_kcv, TKS_KCV_SIZE, error))
			return FALSE;
	}
	*info = tks_key_info_new(values[0], (guint8)version, kind, type, g_bytes_get_data(kcvs, NULL));
	*wrapped = g_steal_pointer(&blob);
	return TRUE;
}

static gboolean
tks_key_transfer_kcv(TokGpCrypto *crypto, TokSecret *transport_key, guint8 out[TKS_KCV_SIZE], GError **error)
{
	if (tok_secret_get_size(transport_key) != TKS_TRANSPORT_KEY_SIZE) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_INVALID_ARGUMENT,
			    "the transport key must be a %d-byte AES-256 key",
			    TKS_TRANSPORT_KEY_SIZE);
		return FALSE;
	}
	if (!tok_gp_crypto_kcv_aes(crypto, tok_secret_get_data(transport_key, NULL), TKS_TRANSPORT_KEY_SIZE, out, error)) {
		tks_error_convert(error, TKS_ERROR_BACKEND);
		return FALSE;
	}
	return TRUE;
}

TksKeyInfo *
tks_key_transfer_export(TksKeyStore *store,
			TokGpCrypto *crypto,
			const gchar *key_set,
			guint version,
			TokSecret *transport_key,
			const gchar *path,
			GError **error)
{
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	g_autofree gchar *text = NULL;
	guint8 tkcv[TKS_KCV_SIZE];

	if (!tks_key_transfer_kcv(crypto, transport_key, tkcv, error))
		return NULL;
	info = tks_key_store_lookup_key(store, key_set, version, error);
	if (info == NULL)
		return NULL;
	wrapped = tks_key_store_export_wrapped(store, key_set, version, transport_key, error);
	if (wrapped == NULL)
		return NULL;
	text = tks_key_transfer_to_text(info, wrapped, tkcv);
	if (!tks_secret_file_write_data(path, (const guint8 *)text, strlen(text), FALSE, error))
		return NULL;
	return g_steal_pointer(&info);
}

TksKeyInfo *
tks_key_transfer_import(TksKeyStore *store, TokGpCrypto *crypto, const gchar *path, TokSecret *transport_key, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(TksKeyInfo) info = NULL;
	g_autoptr(GBytes) wrapped = NULL;
	guint8 file_tkcv[TKS_KCV_SIZE];
	guint8 tkcv[TKS_KCV_SIZE];

	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_NOT_FOUND, "cannot read wrapped key file: %s", error_local->message);
		return NULL;
	}
	if (!tks_key_transfer_parse((const guint8 *)contents, len, &info, &wrapped, file_tkcv, error)) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	if (!tks_key_transfer_kcv(crypto, transport_key, tkcv, error))
		return NULL;
	if (!tok_gp_memeq(tkcv, file_tkcv, TKS_KCV_SIZE)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_CHECK_VALUE,
			    "%s: wrong transport key (its check value does not match the file's)",
			    path);
		return NULL;
	}
	return tks_key_store_import_wrapped(store, info, transport_key, wrapped, error);
}
