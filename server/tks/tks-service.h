/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * TksService: the Token Key Service operations of protocol.md 3.9 over a TksKeyStore and the
 * key set configuration of tks-config.h.
 *
 *  - compute_random_data: host challenges and other random data (1..1024 bytes);
 *  - compute_session_keys: from the INITIALIZE UPDATE response of a card, derives the card's
 *    static keys inside the key store, the session keys of its protocol (SCP01, SCP02 or
 *    SCP03, read from the key information in the response), VERIFIES the card cryptogram
 *    (mismatch: TKS_ERROR_CARD_CRYPTOGRAM, Dogtag status 5) and computes the host cryptogram;
 *  - encrypt_data: a TKS-generated 16-byte challenge (Dogtag isRandom, configurable) and its
 *    wrapping under the card's static KEK (on-card key generation proof);
 *  - create_key_set_data: the PUT KEY key set data that replaces a card's keys by the keys of
 *    another key version (key changeover).
 * Key versions are checked (01..FF, key info consistent with the card response, a stored key
 * for the version; version FF falls back to the developer keys at version 01).
 *
 * Each operation emits "audit-event" once, from the thread that runs it, with the event name
 * of protocol.md 6.6 (COMPUTE_SESSION_KEY_REQUEST_PROCESSED_SUCCESS / _FAILURE,
 * COMPUTE_RANDOM_DATA_REQUEST_PROCESSED_*, ENCRYPT_DATA_REQUEST_PROCESSED_*,
 * DIVERSIFY_KEY_REQUEST_PROCESSED_* for key set data), the CUID (hex), key set, key version,
 * outcome and, on failure, the reason. Never key material. Handlers must be thread-safe.
 *
 * The synchronous methods block (they call the key store) and are safe to call from several
 * threads at once; the TPS uses the _async variants, which run them in a GTask thread.
 */
#pragma once

#include <gio/gio.h>

#include "tks-config.h"
#include "tks-error.h"
#include "tks-key-store.h"
#include "tok-gp-keys.h"
#include "tok-macros.h"

G_BEGIN_DECLS

#define TKS_RANDOM_DATA_MAX	 1024
#define TKS_ENCRYPT_DATA_SIZE	 16
#define TKS_HOST_CRYPTOGRAM_SIZE 8

#define TKS_AUDIT_COMPUTE_SESSION_KEY_SUCCESS "COMPUTE_SESSION_KEY_REQUEST_PROCESSED_SUCCESS"
#define TKS_AUDIT_COMPUTE_SESSION_KEY_FAILURE "COMPUTE_SESSION_KEY_REQUEST_PROCESSED_FAILURE"
#define TKS_AUDIT_COMPUTE_RANDOM_DATA_SUCCESS "COMPUTE_RANDOM_DATA_REQUEST_PROCESSED_SUCCESS"
#define TKS_AUDIT_COMPUTE_RANDOM_DATA_FAILURE "COMPUTE_RANDOM_DATA_REQUEST_PROCESSED_FAILURE"
#define TKS_AUDIT_ENCRYPT_DATA_SUCCESS	      "ENCRYPT_DATA_REQUEST_PROCESSED_SUCCESS"
#define TKS_AUDIT_ENCRYPT_DATA_FAILURE	      "ENCRYPT_DATA_REQUEST_PROCESSED_FAILURE"
#define TKS_AUDIT_DIVERSIFY_KEY_SUCCESS	      "DIVERSIFY_KEY_REQUEST_PROCESSED_SUCCESS"
#define TKS_AUDIT_DIVERSIFY_KEY_FAILURE	      "DIVERSIFY_KEY_REQUEST_PROCESSED_FAILURE"

/* compute_session_keys input; GBytes are borrowed (copied by the _async variant). */
typedef struct {
	const gchar *key_set;
	GBytes *cuid;		/* 10 bytes */
	GBytes *kdd;		/* optional; 10 bytes, must equal the response's KDD */
	GBytes *key_info;	/* optional; must equal the response's key info (SCP02: 02 or 01) */
	GBytes *host_challenge; /* 8 bytes, sent in INITIALIZE UPDATE */
	GBytes *card_response;	/* INITIALIZE UPDATE response data without SW: 28, 29 or 32 */
} TksSessionRequest;

typedef struct _TksSessionResult TksSessionResult;
#define TKS_TYPE_SESSION_RESULT (tks_session_result_get_type())
GType
tks_session_result_get_type(void);
TksSessionResult *
tks_session_result_ref(TksSessionResult *result) TOK_NONNULL(1);
void
tks_session_result_unref(TksSessionResult *result);
TokGpScp
tks_session_result_get_scp(const TksSessionResult *result) TOK_NONNULL(1);
guint8
tks_session_result_get_key_version(const TksSessionResult *result) TOK_NONNULL(1);
/* Borrowed. */
TokGpSessionKeys *
tks_session_result_get_session_keys(const TksSessionResult *result) TOK_NONNULL(1);
/* 8 bytes, borrowed. */
const guint8 *
tks_session_result_get_host_cryptogram(const TksSessionResult *result) TOK_NONNULL(1);

/* encrypt_data input. */
typedef struct {
	const gchar *key_set;
	TokGpScp scp;
	GBytes *key_info; /* the card's key info: byte 0 = key version (2 or 3 bytes) */
	GBytes *kdd;	  /* 10 bytes */
	GBytes *cuid;	  /* 10 bytes */
	GBytes *data;	  /* 16 bytes; used only with encrypt-data-random=false */
} TksEncryptDataRequest;

/* create_key_set_data input. */
typedef struct {
	const gchar *key_set;
	TokGpScp scp;
	GBytes *new_key_info;	  /* byte 0 = the new key version */
	GBytes *current_key_info; /* byte 0 = the card's current key version */
	GBytes *kdd;		  /* 10 bytes */
	GBytes *cuid;		  /* 10 bytes */
	guint16 sequence_counter; /* SCP02: of the open session (its DEK session key wraps) */
} TksKeySetDataRequest;

#define TKS_TYPE_SERVICE (tks_service_get_type())
G_DECLARE_FINAL_TYPE(TksService, tks_service, TKS, SERVICE, GObject)

/* @config: NULL for the defaults (tks-config.h). Installs the configured vendor developer
 * keys into @store at version 01 where that address is free. */
TksService *
tks_service_new(TksKeyStore *store, GKeyFile *config, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
/* Borrowed. */
TksKeyStore *
tks_service_get_key_store(TksService *self) TOK_NONNULL(1);

GBytes *
tks_service_compute_random_data(TksService *self, gsize n, GError **error) G_GNUC_WARN_UNUSED_RESULT
    TOK_NONNULL(1);
TksSessionResult *
tks_service_compute_session_keys(TksService *self, const TksSessionRequest *request, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
/* @out_data: the challenge actually encrypted; @out_encrypted: its KEK wrapping. */
gboolean
tks_service_encrypt_data(TksService *self,
			 const TksEncryptDataRequest *request,
			 GBytes **out_data,
			 GBytes **out_encrypted,
			 GError **error) TOK_NONNULL(1, 2, 3, 4);
GBytes *
tks_service_create_key_set_data(TksService *self, const TksKeySetDataRequest *request, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

/* ---- async (GTask threads) ---------------------------------------------------------- */

void
tks_service_compute_random_data_async(TksService *self,
				      gsize n,
				      GCancellable *cancellable,
				      GAsyncReadyCallback callback,
				      gpointer user_data) TOK_NONNULL(1);
GBytes *
tks_service_compute_random_data_finish(TksService *self, GAsyncResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
void
tks_service_compute_session_keys_async(TksService *self,
				       const TksSessionRequest *request,
				       GCancellable *cancellable,
				       GAsyncReadyCallback callback,
				       gpointer user_data) TOK_NONNULL(1, 2);
TksSessionResult *
tks_service_compute_session_keys_finish(TksService *self, GAsyncResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);
void
tks_service_encrypt_data_async(TksService *self,
			       const TksEncryptDataRequest *request,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data) TOK_NONNULL(1, 2);
gboolean
tks_service_encrypt_data_finish(TksService *self,
				GAsyncResult *result,
				GBytes **out_data,
				GBytes **out_encrypted,
				GError **error) TOK_NONNULL(1, 2, 3, 4);
void
tks_service_create_key_set_data_async(TksService *self,
				      const TksKeySetDataRequest *request,
				      GCancellable *cancellable,
				      GAsyncReadyCallback callback,
				      gpointer user_data) TOK_NONNULL(1, 2);
GBytes *
tks_service_create_key_set_data_finish(TksService *self, GAsyncResult *result, GError **error)
    G_GNUC_WARN_UNUSED_RESULT TOK_NONNULL(1, 2);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TksSessionResult, tks_session_result_unref)

G_END_DECLS
