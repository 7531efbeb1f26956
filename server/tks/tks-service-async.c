/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The _async/_finish variants of TksService's operations: each runs the blocking operation in
 * a GTask thread; the request is copied first, so the caller's buffers may go at once.
 */
#include "config.h"

#include "tks-service.h"

/* A copy of the GBytes and the key set name of a request. */
typedef struct {
	gchar *key_set;
	TokGpScp scp;
	guint16 sequence_counter;
	gsize n;
	GBytes *b[6];
} TksAsyncRequest;

static void
tks_async_request_free(TksAsyncRequest *req)
{
	g_free(req->key_set);
	for (guint i = 0; i < G_N_ELEMENTS(req->b); i++)
		g_clear_pointer(&req->b[i], g_bytes_unref);
	g_free(req);
}

static GBytes *
tks_async_ref(GBytes *b)
{
	return b != NULL ? g_bytes_ref(b) : NULL;
}

static GTask *
tks_async_task(TksService *self,
	       TksAsyncRequest *req,
	       gpointer source_tag,
	       GCancellable *cancellable,
	       GAsyncReadyCallback callback,
	       gpointer user_data)
{
	GTask *task = g_task_new(self, cancellable, callback, user_data);
	g_task_set_source_tag(task, source_tag);
	g_task_set_task_data(task, req, (GDestroyNotify)tks_async_request_free);
	return task;
}

/* ---- random data -------------------------------------------------------------------- */

static void
tks_service_random_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	TksAsyncRequest *req = task_data;
	GError *error = NULL;
	GBytes *data = tks_service_compute_random_data(TKS_SERVICE(source), req->n, &error);
	if (data == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, data, (GDestroyNotify)g_bytes_unref);
}

void
tks_service_compute_random_data_async(TksService *self,
				      gsize n,
				      GCancellable *cancellable,
				      GAsyncReadyCallback callback,
				      gpointer user_data)
{
	TksAsyncRequest *req = g_new0(TksAsyncRequest, 1);
	g_autoptr(GTask) task = NULL;

	req->n = n;
	task = tks_async_task(self, req, tks_service_compute_random_data_async, cancellable, callback, user_data);
	g_task_run_in_thread(task, tks_service_random_thread);
}

GBytes *
tks_service_compute_random_data_finish(TksService *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- session keys ------------------------------------------------------------------- */

static void
tks_service_session_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	TksAsyncRequest *req = task_data;
	TksSessionRequest r = {
	    .key_set = req->key_set,
	    .cuid = req->b[0],
	    .kdd = req->b[1],
	    .key_info = req->b[2],
	    .host_challenge = req->b[3],
	    .card_response = req->b[4],
	};
	GError *error = NULL;
	TksSessionResult *result = tks_service_compute_session_keys(TKS_SERVICE(source), &r, &error);
	if (result == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, result, (GDestroyNotify)tks_session_result_unref);
}

void
tks_service_compute_session_keys_async(TksService *self,
				       const TksSessionRequest *request,
				       GCancellable *cancellable,
				       GAsyncReadyCallback callback,
				       gpointer user_data)
{
	TksAsyncRequest *req = g_new0(TksAsyncRequest, 1);
	g_autoptr(GTask) task = NULL;

	req->key_set = g_strdup(request->key_set);
	req->b[0] = tks_async_ref(request->cuid);
	req->b[1] = tks_async_ref(request->kdd);
	req->b[2] = tks_async_ref(request->key_info);
	req->b[3] = tks_async_ref(request->host_challenge);
	req->b[4] = tks_async_ref(request->card_response);
	task = tks_async_task(self, req, tks_service_compute_session_keys_async, cancellable, callback, user_data);
	g_task_run_in_thread(task, tks_service_session_thread);
}

TksSessionResult *
tks_service_compute_session_keys_finish(TksService *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- encrypt data ------------------------------------------------------------------- */

typedef struct {
	GBytes *data;
	GBytes *encrypted;
} TksEncryptDataResult;

static void
tks_encrypt_data_result_free(TksEncryptDataResult *r)
{
	g_clear_pointer(&r->data, g_bytes_unref);
	g_clear_pointer(&r->encrypted, g_bytes_unref);
	g_free(r);
}

static void
tks_service_encrypt_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	TksAsyncRequest *req = task_data;
	TksEncryptDataRequest r = {
	    .key_set = req->key_set,
	    .scp = req->scp,
	    .key_info = req->b[0],
	    .kdd = req->b[1],
	    .cuid = req->b[2],
	    .data = req->b[3],
	};
	GError *error = NULL;
	TksEncryptDataResult *result = g_new0(TksEncryptDataResult, 1);

	if (!tks_service_encrypt_data(TKS_SERVICE(source), &r, &result->data, &result->encrypted, &error)) {
		tks_encrypt_data_result_free(result);
		g_task_return_error(task, error);
		return;
	}
	g_task_return_pointer(task, result, (GDestroyNotify)tks_encrypt_data_result_free);
}

void
tks_service_encrypt_data_async(TksService *self,
			       const TksEncryptDataRequest *request,
			       GCancellable *cancellable,
			       GAsyncReadyCallback callback,
			       gpointer user_data)
{
	TksAsyncRequest *req = g_new0(TksAsyncRequest, 1);
	g_autoptr(GTask) task = NULL;

	req->key_set = g_strdup(request->key_set);
	req->scp = request->scp;
	req->b[0] = tks_async_ref(request->key_info);
	req->b[1] = tks_async_ref(request->kdd);
	req->b[2] = tks_async_ref(request->cuid);
	req->b[3] = tks_async_ref(request->data);
	task = tks_async_task(self, req, tks_service_encrypt_data_async, cancellable, callback, user_data);
	g_task_run_in_thread(task, tks_service_encrypt_thread);
}

gboolean
tks_service_encrypt_data_finish(TksService *self,
				GAsyncResult *result,
				GBytes **out_data,
				GBytes **out_encrypted,
				GError **error)
{
	TksEncryptDataResult *r;

	g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
	r = g_task_propagate_pointer(G_TASK(result), error);
	if (r == NULL)
		return FALSE;
	*out_data = g_steal_pointer(&r->data);
	*out_encrypted = g_steal_pointer(&r->encrypted);
	tks_encrypt_data_result_free(r);
	return TRUE;
}

/* ---- key set data ------------------------------------------------------------------- */

static void
tks_service_key_set_data_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
	TksAsyncRequest *req = task_data;
	TksKeySetDataRequest r = {
	    .key_set = req->key_set,
	    .scp = req->scp,
	    .new_key_info = req->b[0],
	    .current_key_info = req->b[1],
	    .kdd = req->b[2],
	    .cuid = req->b[3],
	    .sequence_counter = req->sequence_counter,
	};
	GError *error = NULL;
	GBytes *data = tks_service_create_key_set_data(TKS_SERVICE(source), &r, &error);
	if (data == NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task, data, (GDestroyNotify)g_bytes_unref);
}

void
tks_service_create_key_set_data_async(TksService *self,
				      const TksKeySetDataRequest *request,
				      GCancellable *cancellable,
				      GAsyncReadyCallback callback,
				      gpointer user_data)
{
	TksAsyncRequest *req = g_new0(TksAsyncRequest, 1);
	g_autoptr(GTask) task = NULL;

	req->key_set = g_strdup(request->key_set);
	req->scp = request->scp;
	req->sequence_counter = request->sequence_counter;
	req->b[0] = tks_async_ref(request->new_key_info);
	req->b[1] = tks_async_ref(request->current_key_info);
	req->b[2] = tks_async_ref(request->kdd);
	req->b[3] = tks_async_ref(request->cuid);
	task = tks_async_task(self, req, tks_service_create_key_set_data_async, cancellable, callback, user_data);
	g_task_run_in_thread(task, tks_service_key_set_data_thread);
}

GBytes *
tks_service_create_key_set_data_finish(TksService *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), NULL);
	return g_task_propagate_pointer(G_TASK(result), error);
}
