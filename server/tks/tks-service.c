/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "tks-service.h"

#include "tks-openssl.h"
#include "tok-bytes.h"
#include "tok-gp-crypto.h"
#include "tok-gp-put-key.h"
#include "tok-gp-scp01.h"
#include "tok-gp-scp02.h"
#include "tok-gp-scp03.h"

struct _TksSessionResult {
	gatomicrefcount refcount;
	TokGpScp scp;
	guint8 key_version;
	TokGpSessionKeys *keys;
	guint8 host_cryptogram[TKS_HOST_CRYPTOGRAM_SIZE];
};

G_DEFINE_BOXED_TYPE(TksSessionResult, tks_session_result, tks_session_result_ref, tks_session_result_unref)

TksSessionResult *
tks_session_result_ref(TksSessionResult *result)
{
	g_atomic_ref_count_inc(&result->refcount);
	return result;
}

void
tks_session_result_unref(TksSessionResult *result)
{
	if (result == NULL || !g_atomic_ref_count_dec(&result->refcount))
		return;
	g_clear_pointer(&result->keys, tok_gp_session_keys_unref);
	g_free(result);
}

TokGpScp
tks_session_result_get_scp(const TksSessionResult *result)
{
	return result->scp;
}

guint8
tks_session_result_get_key_version(const TksSessionResult *result)
{
	return result->key_version;
}

TokGpSessionKeys *
tks_session_result_get_session_keys(const TksSessionResult *result)
{
	return result->keys;
}

const guint8 *
tks_session_result_get_host_cryptogram(const TksSessionResult *result)
{
	return result->host_cryptogram;
}

struct _TksService {
	GObject parent_instance;
	TksKeyStore *store;
	TokGpCrypto *crypto;
	TksConfig *config;
};

G_DEFINE_TYPE(TksService, tks_service, G_TYPE_OBJECT)

enum { SIGNAL_AUDIT_EVENT, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

/* ---- helpers ------------------------------------------------------------------------ */

static void
tks_service_audit(TksService *self,
		  const gchar *event,
		  GBytes *cuid,
		  const gchar *key_set,
		  guint version,
		  const GError *error)
{
	g_autofree gchar *cuid_hex = NULL;

	if (cuid != NULL && g_bytes_get_size(cuid) == TOK_GP_CUID_SIZE)
		cuid_hex = tok_hex_encode_bytes(cuid, TRUE);
	if (key_set != NULL && !tks_key_set_name_is_valid(key_set))
		key_set = "(invalid)";
	g_signal_emit(self,
		      signals[SIGNAL_AUDIT_EVENT],
		      0,
		      event,
		      error == NULL,
		      cuid_hex,
		      key_set,
		      version,
		      error != NULL ? error->message : NULL);
}

/* The data of @bytes if it has exactly @len bytes, else a MISSING_PARAMETER error. */
static const guint8 *
tks_service_need(GBytes *bytes, gsize len, const gchar *what, GError **error)
{
	if (bytes == NULL || g_bytes_get_size(bytes) != len) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_MISSING_PARAMETER,
			    "%s must have %" G_GSIZE_FORMAT " bytes",
			    what,
			    len);
		return NULL;
	}
	return g_bytes_get_data(bytes, NULL);
}

static const TksKeySetConfig *
tks_service_key_set(TksService *self, const gchar *name, GError **error)
{
	const TksKeySetConfig *ks = tks_config_get_key_set(self->config, name);
	if (ks == NULL) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_CONFIG,
			    "key set %s is not configured",
			    tks_key_set_name_is_valid(name) ? name : "(invalid)");
	}
	return ks;
}

/* A key version from key info (2 or 3 bytes, version 01..FF). */
static gboolean
tks_service_key_info_version(GBytes *key_info, const gchar *what, guint8 *version, GError **error)
{
	gsize len = key_info != NULL ? g_bytes_get_size(key_info) : 0;
	const guint8 *data = key_info != NULL ? g_bytes_get_data(key_info, NULL) : NULL;

	if (len < 2 || len > 3) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER, "%s must have 2 or 3 bytes", what);
		return FALSE;
	}
	if (data[0] == 0x00) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_KEY_INFO, "%s: key version 00 is not valid (01..FF)", what);
		return FALSE;
	}
	*version = data[0];
	return TRUE;
}

/* The card's static keys for @version of @ks under @scp. */
static TokGpKeySet *
tks_service_card_keys(TksService *self,
		      const TksKeySetConfig *ks,
		      TokGpScp scp,
		      guint8 version,
		      const guint8 *kdd,
		      const guint8 *cuid,
		      GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(TksKeyInfo) info = tks_key_store_lookup_key(self->store, ks->name, version, &error_local);
	TksDeriveParams params = {0};
	guint8 stored_version = version;
	TokGpKeySet *keys;

	if (info == NULL && g_error_matches(error_local, TKS_ERROR, TKS_ERROR_NOT_FOUND) &&
	    version == TKS_FACTORY_KEY_VERSION) {
		g_clear_error(&error_local);
		info = tks_key_store_lookup_key(self->store, ks->name, TKS_DEVELOPER_KEY_VERSION, &error_local);
		if (info != NULL && tks_key_info_get_kind(info) != TKS_KEY_KIND_DEVELOPER)
			g_clear_pointer(&info, tks_key_info_free);
		stored_version = TKS_DEVELOPER_KEY_VERSION;
	}
	if (info == NULL) {
		if (error_local == NULL || g_error_matches(error_local, TKS_ERROR, TKS_ERROR_NOT_FOUND)) {
			g_set_error(error,
				    TKS_ERROR,
				    TKS_ERROR_KEY_INFO,
				    "key set %s has no key version %02X",
				    ks->name,
				    version);
		} else {
			g_propagate_error(error, g_steal_pointer(&error_local));
		}
		return NULL;
	}
	tks_key_set_config_derive_params(ks, scp, tks_key_info_get_kind(info), version, kdd, cuid, &params);
	keys = tks_key_store_derive_card_keys(self->store, ks->name, stored_version, &params, error);
	if (keys == NULL) {
		if (error != NULL && g_error_matches(*error, TKS_ERROR, TKS_ERROR_NOT_SUPPORTED))
			(*error)->code = TKS_ERROR_CONFIG;
		g_prefix_error(error,
			       "%s card keys (%s): ",
			       tok_gp_scp_to_string(scp),
			       tks_diversification_to_string(params.method));
	}
	return keys;
}

/* ---- compute_random_data ------------------------------------------------------------ */

GBytes *
tks_service_compute_random_data(TksService *self, gsize n, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GByteArray) out = g_byte_array_new();

	if (n == 0 || n > TKS_RANDOM_DATA_MAX) {
		g_set_error(&error_local,
			    TKS_ERROR,
			    TKS_ERROR_MISSING_PARAMETER,
			    "random data of %" G_GSIZE_FORMAT " bytes requested (1..%d)",
			    n,
			    TKS_RANDOM_DATA_MAX);
	} else {
		g_byte_array_set_size(out, (guint)n);
		if (!tks_random_bytes(out->data, n, &error_local))
			tks_error_convert(&error_local, TKS_ERROR_FAILED);
	}
	if (error_local != NULL) {
		tks_service_audit(self, TKS_AUDIT_COMPUTE_RANDOM_DATA_FAILURE, NULL, NULL, 0, error_local);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	tks_service_audit(self, TKS_AUDIT_COMPUTE_RANDOM_DATA_SUCCESS, NULL, NULL, 0, NULL);
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* ---- compute_session_keys ----------------------------------------------------------- */

typedef struct {
	guint8 kdd[TOK_GP_KDD_SIZE];
	guint8 key_info[3];
	gsize key_info_len;
	guint16 sequence_counter; /* SCP02 */
	guint8 card_challenge[TOK_GP_CHALLENGE_SIZE];
	guint8 card_cryptogram[TOK_GP_CRYPTOGRAM_SIZE];
} TksCardResponse;

static gboolean
tks_service_parse_response(GBytes *response, TksCardResponse *out, GError **error)
{
	TokReader r;
	gsize len = response != NULL ? g_bytes_get_size(response) : 0;
	guint8 scp = 0;

	if (len != 28 && len != 29 && len != 32) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_MISSING_PARAMETER,
			    "an INITIALIZE UPDATE response has 28, 29 or 32 bytes, not %" G_GSIZE_FORMAT,
			    len);
		return FALSE;
	}
	tok_reader_init_bytes(&r, response);
	if (!tok_reader_read_into(&r, out->kdd, TOK_GP_KDD_SIZE, error) ||
	    !tok_reader_read_into(&r, out->key_info, 2, error))
		return FALSE;
	scp = out->key_info[1];
	if ((scp == TOK_GP_SCP03) != (len != 28) || (scp != TOK_GP_SCP01 && scp != TOK_GP_SCP02 && scp != TOK_GP_SCP03)) {
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_KEY_INFO,
			    "INITIALIZE UPDATE response of %" G_GSIZE_FORMAT " bytes with protocol %02X",
			    len,
			    scp);
		return FALSE;
	}
	out->key_info_len = scp == TOK_GP_SCP03 ? 3 : 2;
	if (scp == TOK_GP_SCP03 && !tok_reader_read_u8(&r, &out->key_info[2], error))
		return FALSE;
	if (scp == TOK_GP_SCP02) {
		if (!tok_reader_read_u16_be(&r, &out->sequence_counter, error) ||
		    !tok_reader_read_into(&r, out->card_challenge, TOK_GP_SCP02_CARD_CHALLENGE_SIZE, error))
			return FALSE;
	} else if (!tok_reader_read_into(&r, out->card_challenge, TOK_GP_CHALLENGE_SIZE, error)) {
		return FALSE;
	}
	if (!tok_reader_read_into(&r, out->card_cryptogram, TOK_GP_CRYPTOGRAM_SIZE, error))
		return FALSE;
	/* SCP03: an optional 3-byte sequence counter follows; it is not used here */
	if (out->key_info[0] == 0x00) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_KEY_INFO, "the card reports key version 00");
		return FALSE;
	}
	return TRUE;
}

/* Session keys, card cryptogram (as the card should have computed it) and host cryptogram. */
static TokGpSessionKeys *
tks_service_session(TksService *self,
		    TokGpScp scp,
		    const TokGpKeySet *keys,
		    const guint8 *hc,
		    const TksCardResponse *resp,
		    guint8 card[8],
		    guint8 host[8],
		    GError **error)
{
	g_autoptr(TokGpSessionKeys) sk = NULL;
	gboolean ok = FALSE;

	if (scp == TOK_GP_SCP01)
		sk = tok_gp_scp01_derive_session_keys(self->crypto, keys, hc, resp->card_challenge, error);
	else if (scp == TOK_GP_SCP02)
		sk = tok_gp_scp02_derive_session_keys(self->crypto, keys, resp->sequence_counter, error);
	else
		sk = tok_gp_scp03_derive_session_keys(self->crypto, keys, hc, resp->card_challenge, error);
	if (sk == NULL) {
		tks_error_convert(error, TKS_ERROR_SESSION_KEY);
		g_prefix_error(error, "session keys: ");
		return NULL;
	}
	if (scp == TOK_GP_SCP01) {
		TokSecret *enc = tok_gp_session_keys_get_enc(sk);
		ok = tok_gp_scp01_card_cryptogram(self->crypto, enc, hc, resp->card_challenge, card, error) &&
		     tok_gp_scp01_host_cryptogram(self->crypto, enc, hc, resp->card_challenge, host, error);
	} else if (scp == TOK_GP_SCP02) {
		TokSecret *enc = tok_gp_session_keys_get_enc(sk);
		ok = tok_gp_scp02_card_cryptogram(self->crypto, enc, hc, resp->sequence_counter, resp->card_challenge, card, error) &&
		     tok_gp_scp02_host_cryptogram(self->crypto, enc, hc, resp->sequence_counter, resp->card_challenge, host, error);
	} else {
		TokSecret *mac = tok_gp_session_keys_get_mac(sk);
		ok = tok_gp_scp03_card_cryptogram(self->crypto, mac, hc, resp->card_challenge, card, error) &&
		     tok_gp_scp03_host_cryptogram(self->crypto, mac, hc, resp->card_challenge, host, error);
	}
	if (!ok) {
		tks_error_convert(error, TKS_ERROR_HOST_CRYPTOGRAM);
		g_prefix_error(error, "cryptograms: ");
		return NULL;
	}
	return g_steal_pointer(&sk);
}

static TksSessionResult *
tks_service_session_keys_run(TksService *self, const TksSessionRequest *req, guint *version, GError **error)
{
	const TksKeySetConfig *ks = tks_service_key_set(self, req->key_set, error);
	const guint8 *cuid;
	const guint8 *hc;
	TksCardResponse resp = {0};
	TokGpScp scp;
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(TokGpSessionKeys) sk = NULL;
	guint8 card[TOK_GP_CRYPTOGRAM_SIZE];
	TksSessionResult *result;

	if (ks == NULL)
		return NULL;
	cuid = tks_service_need(req->cuid, TOK_GP_CUID_SIZE, "the CUID", error);
	if (cuid == NULL)
		return NULL;
	hc = tks_service_need(req->host_challenge, TOK_GP_CHALLENGE_SIZE, "the host challenge", error);
	if (hc == NULL || !tks_service_parse_response(req->card_response, &resp, error))
		return NULL;
	*version = resp.key_info[0];
	scp = (TokGpScp)resp.key_info[1];
	if (req->kdd != NULL && !tok_bytes_equal_data(req->kdd, resp.kdd, TOK_GP_KDD_SIZE)) {
		g_set_error_literal(error, TKS_ERROR, TKS_ERROR_KEY_INFO, "the KDD does not match the card's INITIALIZE UPDATE response");
		return NULL;
	}
	if (req->key_info != NULL) {
		const guint8 *ki = g_bytes_get_data(req->key_info, NULL);
		gboolean same = g_bytes_get_size(req->key_info) == resp.key_info_len;
		for (gsize i = 0; same && i < resp.key_info_len; i++)
			same = ki[i] == resp.key_info[i] || (i == 1 && scp == TOK_GP_SCP02 && ki[i] == 0x01);
		if (!same) {
			g_set_error_literal(error,
					    TKS_ERROR,
					    TKS_ERROR_KEY_INFO,
					    "the key info does not match the card's INITIALIZE UPDATE response");
			return NULL;
		}
	}
	keys = tks_service_card_keys(self, ks, scp, resp.key_info[0], resp.kdd, cuid, error);
	if (keys == NULL)
		return NULL;
	result = g_new0(TksSessionResult, 1);
	g_atomic_ref_count_init(&result->refcount);
	result->scp = scp;
	result->key_version = resp.key_info[0];
	sk = tks_service_session(self, scp, keys, hc, &resp, card, result->host_cryptogram, error);
	if (sk == NULL) {
		tks_session_result_unref(result);
		return NULL;
	}
	if (!tok_gp_memeq(card, resp.card_cryptogram, TOK_GP_CRYPTOGRAM_SIZE)) {
		tks_session_result_unref(result);
		g_set_error(error,
			    TKS_ERROR,
			    TKS_ERROR_CARD_CRYPTOGRAM,
			    "card cryptogram mismatch (key set %s, key version %02X, %s): the card does not have "
			    "these keys, or the response was altered",
			    ks->name,
			    resp.key_info[0],
			    tok_gp_scp_to_string(scp));
		return NULL;
	}
	result->keys = g_steal_pointer(&sk);
	return result;
}

TksSessionResult *
tks_service_compute_session_keys(TksService *self, const TksSessionRequest *request, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	guint version = 0;
	TksSessionResult *result = tks_service_session_keys_run(self, request, &version, &error_local);

	tks_service_audit(self,
			  result != NULL ? TKS_AUDIT_COMPUTE_SESSION_KEY_SUCCESS : TKS_AUDIT_COMPUTE_SESSION_KEY_FAILURE,
			  request->cuid,
			  request->key_set,
			  version,
			  error_local);
	if (result == NULL)
		g_propagate_error(error, g_steal_pointer(&error_local));
	return result;
}

/* ---- encrypt_data ------------------------------------------------------------------- */

static gboolean
tks_service_scp_check(TokGpScp scp, GError **error)
{
	if (!tok_gp_scp_is_valid(scp)) {
		g_set_error(error, TKS_ERROR, TKS_ERROR_MISSING_PARAMETER, "unknown secure channel protocol %d", (gint)scp);
		return FALSE;
	}
	return TRUE;
}

static gboolean
tks_service_encrypt_data_run(TksService *self,
			     const TksEncryptDataRequest *req,
			     guint8 *version,
			     GBytes **out_data,
			     GBytes **out_encrypted,
			     GError **error)
{
	const TksKeySetConfig *ks = tks_service_key_set(self, req->key_set, error);
	const guint8 *kdd;
	const guint8 *cuid;
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(TokSecret) challenge = NULL;
	GBytes *encrypted;

	if (ks == NULL || !tks_service_scp_check(req->scp, error) ||
	    !tks_service_key_info_version(req->key_info, "the key info", version, error))
		return FALSE;
	kdd = tks_service_need(req->kdd, TOK_GP_KDD_SIZE, "the KDD", error);
	cuid = kdd != NULL ? tks_service_need(req->cuid, TOK_GP_CUID_SIZE, "the CUID", error) : NULL;
	if (cuid == NULL)
		return FALSE;
	if (self->config->encrypt_data_random) {
		challenge = tok_secret_new_random(TKS_ENCRYPT_DATA_SIZE, error);
		if (challenge == NULL) {
			tks_error_convert(error, TKS_ERROR_FAILED);
			return FALSE;
		}
	} else {
		const guint8 *data = tks_service_need(req->data, TKS_ENCRYPT_DATA_SIZE, "the data to encrypt", error);
		if (data == NULL)
			return FALSE;
		challenge = tok_secret_new_from_data(data, TKS_ENCRYPT_DATA_SIZE);
	}
	keys = tks_service_card_keys(self, ks, req->scp, *version, kdd, cuid, error);
	if (keys == NULL)
		return FALSE;
	encrypted = tok_gp_challenge_wrap(self->crypto, req->scp, tok_gp_key_set_get_key(keys, TOK_GP_KEY_DEK), challenge, error);
	if (encrypted == NULL) {
		tks_error_convert(error, TKS_ERROR_FAILED);
		g_prefix_error(error, "encrypting the challenge: ");
		return FALSE;
	}
	*out_encrypted = encrypted;
	*out_data = tok_secret_to_wiped_bytes(challenge);
	return TRUE;
}

gboolean
tks_service_encrypt_data(TksService *self,
			 const TksEncryptDataRequest *request,
			 GBytes **out_data,
			 GBytes **out_encrypted,
			 GError **error)
{
	g_autoptr(GError) error_local = NULL;
	guint8 version = 0;
	gboolean ok = tks_service_encrypt_data_run(self, request, &version, out_data, out_encrypted, &error_local);

	tks_service_audit(self,
			  ok ? TKS_AUDIT_ENCRYPT_DATA_SUCCESS : TKS_AUDIT_ENCRYPT_DATA_FAILURE,
			  request->cuid,
			  request->key_set,
			  version,
			  error_local);
	if (!ok)
		g_propagate_error(error, g_steal_pointer(&error_local));
	return ok;
}

/* ---- create_key_set_data ------------------------------------------------------------ */

static GBytes *
tks_service_key_set_data_run(TksService *self, const TksKeySetDataRequest *req, guint8 *version, GError **error)
{
	const TksKeySetConfig *ks = tks_service_key_set(self, req->key_set, error);
	const guint8 *kdd;
	const guint8 *cuid;
	guint8 current = 0;
	g_autoptr(TokGpKeySet) new_keys = NULL;
	g_autoptr(TokGpKeySet) cur_keys = NULL;
	g_autoptr(TokSecret) wrap_key = NULL;
	GBytes *data;

	if (ks == NULL || !tks_service_scp_check(req->scp, error) ||
	    !tks_service_key_info_version(req->new_key_info, "the new key info", version, error) ||
	    !tks_service_key_info_version(req->current_key_info, "the current key info", &current, error))
		return NULL;
	kdd = tks_service_need(req->kdd, TOK_GP_KDD_SIZE, "the KDD", error);
	cuid = kdd != NULL ? tks_service_need(req->cuid, TOK_GP_CUID_SIZE, "the CUID", error) : NULL;
	if (cuid == NULL)
		return NULL;
	new_keys = tks_service_card_keys(self, ks, req->scp, *version, kdd, cuid, error);
	if (new_keys == NULL) {
		g_prefix_error(error, "new keys: ");
		return NULL;
	}
	cur_keys = tks_service_card_keys(self, ks, req->scp, current, kdd, cuid, error);
	if (cur_keys == NULL) {
		g_prefix_error(error, "current keys: ");
		return NULL;
	}
	if (req->scp == TOK_GP_SCP02) {
		wrap_key = tok_gp_scp02_derive_session_key(self->crypto,
							   tok_gp_key_set_get_key(cur_keys, TOK_GP_KEY_DEK),
							   TOK_GP_SCP02_CONSTANT_DEK,
							   req->sequence_counter,
							   error);
		if (wrap_key == NULL) {
			tks_error_convert(error, TKS_ERROR_SESSION_KEY);
			return NULL;
		}
	} else {
		wrap_key = tok_secret_ref(tok_gp_key_set_get_key(cur_keys, TOK_GP_KEY_DEK));
	}
	data = tok_gp_put_key_build_key_set_data(self->crypto, req->scp, *version, new_keys, wrap_key, error);
	if (data == NULL) {
		tks_error_convert(error, TKS_ERROR_FAILED);
		g_prefix_error(error, "key set data: ");
	}
	return data;
}

GBytes *
tks_service_create_key_set_data(TksService *self, const TksKeySetDataRequest *request, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	guint8 version = 0;
	GBytes *data = tks_service_key_set_data_run(self, request, &version, &error_local);

	tks_service_audit(self,
			  data != NULL ? TKS_AUDIT_DIVERSIFY_KEY_SUCCESS : TKS_AUDIT_DIVERSIFY_KEY_FAILURE,
			  request->cuid,
			  request->key_set,
			  version,
			  error_local);
	if (data == NULL)
		g_propagate_error(error, g_steal_pointer(&error_local));
	return data;
}

/* ---- construction ------------------------------------------------------------------- */

static gboolean
tks_service_install_developer_keys(TksService *self, GError **error)
{
	GHashTableIter iter;
	gpointer value = NULL;

	g_hash_table_iter_init(&iter, self->config->key_sets);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		const TksKeySetConfig *ks = value;
		g_autoptr(GError) error_local = NULL;
		g_autoptr(TksKeyInfo) info = NULL;
		g_autoptr(TokSecret) keys = NULL;

		if (ks->developer_vendor == NULL)
			continue;
		info = tks_key_store_lookup_key(self->store, ks->name, TKS_DEVELOPER_KEY_VERSION, &error_local);
		if (info != NULL)
			continue;
		if (!g_error_matches(error_local, TKS_ERROR, TKS_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		keys = tks_config_get_developer_keys(ks->developer_vendor);
		info = tks_key_store_import_key(self->store,
						ks->name,
						TKS_DEVELOPER_KEY_VERSION,
						TKS_KEY_KIND_DEVELOPER,
						TKS_KEY_TYPE_DES3,
						keys,
						error);
		if (info == NULL) {
			g_prefix_error(error, "installing the %s developer keys: ", ks->developer_vendor);
			return FALSE;
		}
	}
	return TRUE;
}

TksService *
tks_service_new(TksKeyStore *store, GKeyFile *config, GError **error)
{
	g_autoptr(TksService) self = g_object_new(TKS_TYPE_SERVICE, NULL);

	self->store = g_object_ref(store);
	self->config = tks_config_new(config, error);
	if (self->config == NULL)
		return NULL;
	self->crypto = tok_gp_crypto_new(error);
	if (self->crypto == NULL) {
		tks_error_convert(error, TKS_ERROR_FAILED);
		return NULL;
	}
	if (!tks_service_install_developer_keys(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

TksKeyStore *
tks_service_get_key_store(TksService *self)
{
	return self->store;
}

static void
tks_service_finalize(GObject *object)
{
	TksService *self = TKS_SERVICE(object);

	g_clear_object(&self->store);
	g_clear_object(&self->crypto);
	g_clear_pointer(&self->config, tks_config_free);
	G_OBJECT_CLASS(tks_service_parent_class)->finalize(object);
}

static void
tks_service_class_init(TksServiceClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = tks_service_finalize;

	/**
	 * TksService::audit-event:
	 * @event: the event name (protocol.md 6.6)
	 * @success: the outcome
	 * @cuid: the card's CUID in hex, or NULL
	 * @key_set: the key set, or NULL
	 * @key_version: the key version (0 if not known)
	 * @reason: why it failed, or NULL
	 */
	signals[SIGNAL_AUDIT_EVENT] = g_signal_new("audit-event",
						   G_TYPE_FROM_CLASS(klass),
						   G_SIGNAL_RUN_LAST,
						   0,
						   NULL,
						   NULL,
						   NULL,
						   G_TYPE_NONE,
						   6,
						   G_TYPE_STRING,
						   G_TYPE_BOOLEAN,
						   G_TYPE_STRING,
						   G_TYPE_STRING,
						   G_TYPE_UINT,
						   G_TYPE_STRING);
}

static void
tks_service_init(TksService *self)
{
}
