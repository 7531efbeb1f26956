/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-card.h"

#include <glib/gi18n-lib.h>

#include <openssl/crypto.h>
#include <winscard.h>

#include "esc-error.h"
#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-cplc.h"
#include "tok-gp-apdu.h"
#include "tok-secret.h"

/* the longest answer: 65536 data bytes + SW1 SW2 */
#define ESC_CARD_RECV_MAX (TOK_APDU_RESPONSE_MAX_DATA + 2)
/* the longest command: extended case 4 */
#define ESC_CARD_SEND_MAX (4 + 3 + TOK_APDU_EXTENDED_MAX_DATA + 2)
#define ESC_CARD_GET_RESPONSE_MAX 256

/* Shared between the EscCard and its worker thread (which must not hold a reference on the
 * GObject: the last unref could then happen on the thread that dispose has to join). The
 * PC/SC fields are touched by the worker thread only.
 *
 * Who lets go of what: an async job's request (its data, its GTask and through the task the
 * card) is handed back to the caller's context as a whole and released there, so the last
 * reference of a card whose callback drops it goes on that context and dispose joins the
 * worker. Only a job that drops the last reference itself (on the worker thread) makes the
 * worker let go of itself: dispose then detaches the thread, which ends by itself after its
 * queue is answered, its PC/SC context released and its OpenSSL thread state freed. */
typedef struct {
	gint ref_count;
	gchar *reader;
	GAsyncQueue *queue; /* EscCardRequest */
	GThread *thread;    /* set under EscCard:lock */
	SCARDCONTEXT context;
	gboolean has_context;
	SCARDHANDLE handle;
	gboolean connected;
	DWORD protocol;
	GBytes *atr;
	GBytes *cuid;
	guint8 *recv_buf;
} EscCardWorker;

typedef struct {
	gboolean quit;
	gboolean transaction;
	EscCardJobFunc func;
	gpointer data;
	GDestroyNotify data_free;
	GCancellable *cancellable;
	GTask *task; /* async; NULL for sync and quit */
	/* the result; for sync jobs under @mutex */
	GMutex mutex;
	GCond cond;
	gboolean done;
	gboolean ok;
	GError *error;
} EscCardRequest;

struct _EscCardJob {
	EscCardWorker *worker;
	GCancellable *cancellable;
	guint apdu_count;
	gboolean in_transaction;
};

struct _EscCard {
	GObject parent_instance;
	GMutex lock;
	EscCardWorker *worker;
};

G_DEFINE_TYPE(EscCard, esc_card, G_TYPE_OBJECT)

enum {
	PROP_0,
	PROP_READER,
	N_PROPS,
};

static GParamSpec *props[N_PROPS];

/* ---- worker state ------------------------------------------------------------------------ */

static EscCardWorker *
esc_card_worker_new(void)
{
	EscCardWorker *worker = g_new0(EscCardWorker, 1);

	worker->ref_count = 1;
	worker->queue = g_async_queue_new();
	worker->recv_buf = g_malloc0(ESC_CARD_RECV_MAX);
	return worker;
}

static EscCardWorker *
esc_card_worker_ref(EscCardWorker *worker)
{
	g_atomic_int_inc(&worker->ref_count);
	return worker;
}

static void
esc_card_worker_disconnect(EscCardWorker *worker)
{
	if (worker->connected)
		SCardDisconnect(worker->handle, SCARD_LEAVE_CARD);
	worker->connected = FALSE;
	worker->handle = 0;
	g_clear_pointer(&worker->atr, g_bytes_unref);
}

static void
esc_card_worker_release(EscCardWorker *worker)
{
	esc_card_worker_disconnect(worker);
	if (worker->has_context)
		SCardReleaseContext(worker->context);
	worker->has_context = FALSE;
	worker->context = 0;
}

static void
esc_card_worker_unref(EscCardWorker *worker)
{
	if (!g_atomic_int_dec_and_test(&worker->ref_count))
		return;
	esc_card_worker_release(worker);
	g_async_queue_unref(worker->queue);
	g_clear_pointer(&worker->cuid, g_bytes_unref);
	OPENSSL_cleanse(worker->recv_buf, ESC_CARD_RECV_MAX);
	g_free(worker->recv_buf);
	g_free(worker->reader);
	g_free(worker);
}

static void
esc_card_request_free(EscCardRequest *req)
{
	if (req->data_free != NULL && req->data != NULL)
		req->data_free(req->data);
	g_clear_object(&req->cancellable);
	g_clear_object(&req->task);
	g_clear_error(&req->error);
	g_mutex_clear(&req->mutex);
	g_cond_clear(&req->cond);
	g_free(req);
}

static EscCardRequest *
esc_card_request_new(void)
{
	EscCardRequest *req = g_new0(EscCardRequest, 1);

	g_mutex_init(&req->mutex);
	g_cond_init(&req->cond);
	return req;
}

/* A context that was established before pcscd restarted is dead: these say so. */
static gboolean
esc_card_rv_is_service_gone(LONG rv)
{
	/* pcsc-lite's client: a closed socket to pcscd is SCARD_F_COMM_ERROR, a reset one
	 * SCARD_W_SECURITY_VIOLATION */
	return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_E_INVALID_HANDLE ||
	       rv == SCARD_F_COMM_ERROR || rv == SCARD_W_SECURITY_VIOLATION;
}

/* The card handle from an earlier job is no good any more. */
static gboolean
esc_card_rv_is_stale_handle(LONG rv)
{
	return rv == SCARD_W_REMOVED_CARD || rv == SCARD_W_RESET_CARD || rv == SCARD_E_NO_SMARTCARD ||
	       rv == SCARD_E_READER_UNAVAILABLE || rv == SCARD_W_UNPOWERED_CARD;
}

static gboolean
esc_card_worker_ensure_context(EscCardWorker *worker, GError **error)
{
	LONG rv;

	if (worker->has_context)
		return TRUE;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &worker->context);
	if (rv != SCARD_S_SUCCESS) {
		worker->context = 0;
		esc_error_set_pcsc(error, rv, _("cannot reach the PC/SC service (SCardEstablishContext)"));
		return FALSE;
	}
	worker->has_context = TRUE;
	return TRUE;
}

static gboolean
esc_card_worker_read_atr(EscCardWorker *worker, GError **error)
{
	guint8 atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr);
	DWORD state = 0, protocol = 0;
	LONG rv = SCardStatus(worker->handle, NULL, NULL, &state, &protocol, atr, &atr_len);

	if (rv != SCARD_S_SUCCESS) {
		esc_error_set_pcsc(error, rv, _("cannot read the card status (SCardStatus)"));
		return FALSE;
	}
	g_clear_pointer(&worker->atr, g_bytes_unref);
	worker->atr = g_bytes_new(atr, MIN(atr_len, sizeof(atr)));
	return TRUE;
}

static gboolean
esc_card_worker_connect_once(EscCardWorker *worker, LONG *rv_out, GError **error)
{
	LONG rv;

	*rv_out = SCARD_S_SUCCESS;
	if (!esc_card_worker_ensure_context(worker, error))
		return FALSE;
	rv = SCardConnect(worker->context,
			  worker->reader,
			  SCARD_SHARE_SHARED,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			  &worker->handle,
			  &worker->protocol);
	*rv_out = rv;
	if (rv != SCARD_S_SUCCESS) {
		g_autofree gchar *what = g_strdup_printf(_("cannot connect to the card in reader “%s” (SCardConnect)"), worker->reader);
		worker->handle = 0;
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD) {
			g_autofree gchar *name = g_strdup(esc_error_pcsc_name(rv));
			g_set_error(error, ESC_ERROR, ESC_ERROR_NO_CARD, _("no card in reader “%s” (SCardConnect: %s)"),
				    worker->reader, name);
			return FALSE;
		}
		esc_error_set_pcsc(error, rv, what);
		return FALSE;
	}
	worker->connected = TRUE;
	return esc_card_worker_read_atr(worker, error);
}

/* Connected with a live handle: a handle left from an earlier job is checked (SCardStatus is
 * local to pcscd, no APDU) and re-made when the card was removed, reset or pcscd restarted. */
static gboolean
esc_card_worker_connect(EscCardWorker *worker, GError **error)
{
	g_autoptr(GError) local = NULL;
	LONG rv = SCARD_S_SUCCESS;

	if (worker->connected) {
		DWORD state = 0, protocol = 0;
		guint8 atr[MAX_ATR_SIZE];
		DWORD atr_len = sizeof(atr);

		rv = SCardStatus(worker->handle, NULL, NULL, &state, &protocol, atr, &atr_len);
		if (rv == SCARD_S_SUCCESS)
			return TRUE;
		g_debug("reader “%s”: the card handle is stale (%s), reconnecting", worker->reader, esc_error_pcsc_name(rv));
		if (esc_card_rv_is_service_gone(rv))
			esc_card_worker_release(worker);
		else
			esc_card_worker_disconnect(worker);
	}
	if (esc_card_worker_connect_once(worker, &rv, &local))
		return TRUE;
	/* a context from before a pcscd restart: one more try with a new one */
	if (worker->has_context && esc_card_rv_is_service_gone(rv)) {
		esc_card_worker_release(worker);
		g_clear_error(&local);
		if (esc_card_worker_connect_once(worker, &rv, &local))
			return TRUE;
	}
	if (local != NULL && (local->code == ESC_ERROR_NO_SERVICE))
		esc_card_worker_release(worker);
	else
		esc_card_worker_disconnect(worker);
	g_propagate_error(error, g_steal_pointer(&local));
	return FALSE;
}

static gboolean
esc_card_worker_begin(EscCardWorker *worker, EscCardJob *job, GError **error)
{
	LONG rv = SCardBeginTransaction(worker->handle);

	if (rv != SCARD_S_SUCCESS && (esc_card_rv_is_stale_handle(rv) || esc_card_rv_is_service_gone(rv))) {
		/* the card went away or was reset since the status check: one fresh connection */
		if (esc_card_rv_is_service_gone(rv))
			esc_card_worker_release(worker);
		else
			esc_card_worker_disconnect(worker);
		if (!esc_card_worker_connect(worker, error))
			return FALSE;
		rv = SCardBeginTransaction(worker->handle);
	}
	if (rv != SCARD_S_SUCCESS) {
		g_autofree gchar *what = g_strdup_printf(_("cannot lock the card in reader “%s” (SCardBeginTransaction)"), worker->reader);
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD) {
			esc_card_worker_disconnect(worker);
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("the card was removed from reader “%s”"), worker->reader);
			return FALSE;
		}
		esc_error_set_pcsc(error, rv, what);
		return FALSE;
	}
	job->in_transaction = TRUE;
	return TRUE;
}

static void
esc_card_worker_end(EscCardWorker *worker, EscCardJob *job)
{
	LONG rv;

	if (!job->in_transaction || !worker->connected)
		return;
	job->in_transaction = FALSE;
	rv = SCardEndTransaction(worker->handle, SCARD_LEAVE_CARD);
	if (rv != SCARD_S_SUCCESS)
		g_debug("reader “%s”: SCardEndTransaction: %s", worker->reader, esc_error_pcsc_name(rv));
}

static gboolean
esc_card_worker_run(EscCardWorker *worker, EscCardRequest *req, GError **error)
{
	EscCardJob job = {worker, req->cancellable, 0, FALSE};
	g_autoptr(GError) local = NULL;
	gboolean ok;

	if (g_cancellable_is_cancelled(req->cancellable)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CANCELLED, _("cancelled before the card in reader “%s” was used"), worker->reader);
		return FALSE;
	}
	if (!esc_card_worker_connect(worker, error))
		return FALSE;
	if (req->transaction && !esc_card_worker_begin(worker, &job, error))
		return FALSE;
	ok = req->func(&job, req->data, req->cancellable, &local);
	esc_card_worker_end(worker, &job);
	OPENSSL_cleanse(worker->recv_buf, ESC_CARD_RECV_MAX);
	if (!ok) {
		if (local == NULL)
			g_set_error(&local, ESC_ERROR, ESC_ERROR_FAILED, _("the card job failed without saying why"));
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return TRUE;
}

/* An async job's request on its way back to the caller's context: NULL once completed. */
typedef struct {
	EscCardRequest *req;
} EscCardCompletion;

static void
esc_card_completion_free(gpointer data)
{
	EscCardCompletion *completion = data;

	/* the context went away without running the idle: nobody is waiting any more */
	g_clear_pointer(&completion->req, esc_card_request_free);
	g_free(completion);
}

/* On the caller's context: the job's data first (before the callback, as documented), then
 * the result; the request's reference to the task, and through it to the card, is the last
 * one unless the callback kept one. */
static gboolean
esc_card_completion_dispatch(gpointer data)
{
	EscCardCompletion *completion = data;
	EscCardRequest *req = g_steal_pointer(&completion->req);
	g_autoptr(GTask) task = g_steal_pointer(&req->task);
	GError *error = g_steal_pointer(&req->error);
	gboolean ok = req->ok;

	esc_card_request_free(req);
	if (ok)
		g_task_return_boolean(task, TRUE);
	else
		g_task_return_error(task, error);
	return G_SOURCE_REMOVE;
}

/* Hands @req (with its result) back: an async one to its task's context, where it is
 * released; a sync one to the thread waiting in esc_card_run_job_sync(). @req is not touched
 * after this. */
static void
esc_card_request_complete(EscCardRequest *req, gboolean ok, GError *error)
{
	if (req->task != NULL) {
		EscCardCompletion *completion = g_new0(EscCardCompletion, 1);
		GSource *source = g_idle_source_new();

		req->ok = ok;
		req->error = error;
		completion->req = req;
		g_source_set_priority(source, g_task_get_priority(req->task));
		g_source_set_static_name(source, "[esc-card] job completion");
		g_source_set_callback(source, esc_card_completion_dispatch, completion, esc_card_completion_free);
		g_source_attach(source, g_task_get_context(req->task));
		g_source_unref(source);
		return;
	}
	g_mutex_lock(&req->mutex);
	req->ok = ok;
	req->error = error;
	req->done = TRUE;
	g_cond_signal(&req->cond);
	g_mutex_unlock(&req->mutex);
}

static gpointer
esc_card_worker_thread(gpointer data)
{
	EscCardWorker *worker = data;
	EscCardRequest *req;

	for (;;) {
		GError *error = NULL;
		gboolean ok;

		req = g_async_queue_pop(worker->queue);
		if (req->quit) {
			esc_card_request_free(req);
			break;
		}
		ok = esc_card_worker_run(worker, req, &error);
		esc_card_request_complete(req, ok, error);
	}
	/* nothing should be queued behind the quit (a queued async job holds a reference on the
	 * card); whoever still waits gets an answer instead of waiting forever */
	while ((req = g_async_queue_try_pop(worker->queue)) != NULL) {
		if (req->quit) {
			esc_card_request_free(req);
			continue;
		}
		esc_card_request_complete(req,
					  FALSE,
					  g_error_new(ESC_ERROR, ESC_ERROR_CANCELLED,
						      _("the card object of reader “%s” was released before the job ran"),
						      worker->reader));
	}
	esc_card_worker_release(worker);
	/* this thread's OpenSSL state (error queue, ...) now, not at some later thread exit */
	OPENSSL_thread_stop();
	esc_card_worker_unref(worker);
	return NULL;
}

static gboolean
esc_card_ensure_thread(EscCard *self, GError **error)
{
	gboolean ok = TRUE;

	g_mutex_lock(&self->lock);
	if (self->worker->thread == NULL) {
		g_autofree gchar *name = g_strdup("esc-card");
		EscCardWorker *ref = esc_card_worker_ref(self->worker);

		self->worker->thread = g_thread_try_new(name, esc_card_worker_thread, ref, error);
		if (self->worker->thread == NULL) {
			esc_card_worker_unref(ref);
			g_prefix_error(error, _("cannot start the worker thread of reader “%s”: "), self->worker->reader);
			ok = FALSE;
		}
	}
	g_mutex_unlock(&self->lock);
	return ok;
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
esc_card_dispose(GObject *object)
{
	EscCard *self = ESC_CARD(object);
	GThread *thread = NULL;

	g_mutex_lock(&self->lock);
	if (self->worker != NULL) {
		thread = g_steal_pointer(&self->worker->thread);
		if (thread != NULL) {
			EscCardRequest *quit = esc_card_request_new();
			quit->quit = TRUE;
			g_async_queue_push(self->worker->queue, quit);
		}
	}
	g_mutex_unlock(&self->lock);
	if (thread != NULL) {
		/* a job dropped the last reference, on the worker thread itself: it cannot join
		 * itself, so it is detached and ends on its own once the job returns and it reads
		 * the quit request (releasing its PC/SC context and OpenSSL state first) */
		if (thread == g_thread_self())
			g_thread_unref(thread);
		else
			g_thread_join(thread);
	}
	G_OBJECT_CLASS(esc_card_parent_class)->dispose(object);
}

static void
esc_card_finalize(GObject *object)
{
	EscCard *self = ESC_CARD(object);

	g_clear_pointer(&self->worker, esc_card_worker_unref);
	g_mutex_clear(&self->lock);
	G_OBJECT_CLASS(esc_card_parent_class)->finalize(object);
}

static void
esc_card_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	EscCard *self = ESC_CARD(object);

	switch (prop_id) {
	case PROP_READER:
		g_value_set_string(value, self->worker->reader);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
esc_card_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	EscCard *self = ESC_CARD(object);

	switch (prop_id) {
	case PROP_READER:
		g_free(self->worker->reader);
		self->worker->reader = g_value_dup_string(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
esc_card_class_init(EscCardClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = esc_card_dispose;
	object_class->finalize = esc_card_finalize;
	object_class->get_property = esc_card_get_property;
	object_class->set_property = esc_card_set_property;
	props[PROP_READER] = g_param_spec_string("reader", NULL, NULL, NULL,
						 G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);
}

static void
esc_card_init(EscCard *self)
{
	g_mutex_init(&self->lock);
	self->worker = esc_card_worker_new();
}

EscCard *
esc_card_new(const gchar *reader)
{
	g_return_val_if_fail(reader != NULL, NULL);
	return g_object_new(ESC_TYPE_CARD, "reader", reader, NULL);
}

const gchar *
esc_card_get_reader(EscCard *self)
{
	g_return_val_if_fail(ESC_IS_CARD(self), NULL);
	return self->worker->reader;
}

/* ---- jobs ----------------------------------------------------------------------------------- */

void
esc_card_run_job_async(EscCard *self,
		       gboolean transaction,
		       EscCardJobFunc func,
		       gpointer data,
		       GDestroyNotify data_free,
		       GCancellable *cancellable,
		       GAsyncReadyCallback callback,
		       gpointer user_data)
{
	g_autoptr(GTask) task = NULL;
	g_autoptr(GError) error = NULL;
	EscCardRequest *req;

	g_return_if_fail(ESC_IS_CARD(self));
	g_return_if_fail(func != NULL);
	/* a job that ran reports what it did, even if @cancellable fired meanwhile: the task
	 * does not get it (the request does), so that it also completes at once from the idle of
	 * esc_card_completion_dispatch() instead of from one more idle, and callbacks come in
	 * submission order */
	task = g_task_new(self, NULL, callback, user_data);
	g_task_set_source_tag(task, esc_card_run_job_async);
	if (!esc_card_ensure_thread(self, &error)) {
		if (data_free != NULL && data != NULL)
			data_free(data);
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	req = esc_card_request_new();
	req->transaction = transaction;
	req->func = func;
	req->data = data;
	req->data_free = data_free;
	req->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
	req->task = g_steal_pointer(&task);
	g_async_queue_push(self->worker->queue, req);
}

gboolean
esc_card_run_job_finish(EscCard *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}

gboolean
esc_card_run_job_sync(EscCard *self,
		      gboolean transaction,
		      EscCardJobFunc func,
		      gpointer data,
		      GCancellable *cancellable,
		      GError **error)
{
	EscCardRequest *req;
	gboolean ok;

	g_return_val_if_fail(ESC_IS_CARD(self), FALSE);
	g_return_val_if_fail(func != NULL, FALSE);
	if (!esc_card_ensure_thread(self, error))
		return FALSE;
	g_mutex_lock(&self->lock);
	if (self->worker->thread == g_thread_self()) {
		g_mutex_unlock(&self->lock);
		g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED,
			    _("a job of reader “%s” cannot wait for another job of the same card"), self->worker->reader);
		return FALSE;
	}
	g_mutex_unlock(&self->lock);
	req = esc_card_request_new();
	req->transaction = transaction;
	req->func = func;
	req->data = data;
	req->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
	g_async_queue_push(self->worker->queue, req);
	g_mutex_lock(&req->mutex);
	while (!req->done)
		g_cond_wait(&req->cond, &req->mutex);
	g_mutex_unlock(&req->mutex);
	ok = req->ok;
	if (!ok)
		g_propagate_error(error, g_steal_pointer(&req->error));
	esc_card_request_free(req);
	return ok;
}

/* ---- inside a job ------------------------------------------------------------------------- */

/* One SCardTransmit; *@rv_out is the PC/SC result. */
static GBytes *
esc_card_job_transmit_raw(EscCardJob *job, GBytes *command, LONG *rv_out)
{
	EscCardWorker *worker = job->worker;
	const SCARD_IO_REQUEST *pci = worker->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD recv_len = ESC_CARD_RECV_MAX;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(command, &len);
	LONG rv;
	GBytes *reply;

	rv = SCardTransmit(worker->handle, pci, data, (DWORD)len, NULL, worker->recv_buf, &recv_len);
	job->apdu_count++;
	*rv_out = rv;
	if (rv != SCARD_S_SUCCESS)
		return NULL;
	recv_len = MIN(recv_len, ESC_CARD_RECV_MAX);
	reply = tok_bytes_new_wiped(worker->recv_buf, recv_len);
	OPENSSL_cleanse(worker->recv_buf, recv_len);
	return reply;
}

/* After SCARD_W_RESET_CARD: reconnect without touching the card, read its CUID and tell
 * whether it is still the same card. Always fails (the job's card state is gone). */
static void
esc_card_job_handle_reset(EscCardJob *job, GError **error)
{
	EscCardWorker *worker = job->worker;
	g_autoptr(TokApdu) select = tok_gp_apdu_select_default();
	g_autoptr(TokApdu) get_data = tok_gp_apdu_get_data(TOK_GP_TAG_CPLC, TOK_GP_GET_DATA_LE);
	g_autoptr(GBytes) select_raw = NULL;
	g_autoptr(GBytes) get_data_raw = NULL;
	g_autoptr(GBytes) reply = NULL;
	g_autoptr(TokApduResponse) response = NULL;
	g_autoptr(TokCplc) cplc = NULL;
	g_autoptr(GBytes) cuid = NULL;
	g_autoptr(GError) local = NULL;
	g_autofree gchar *old_hex = NULL;
	g_autofree gchar *new_hex = NULL;
	LONG rv = SCardReconnect(worker->handle,
				 SCARD_SHARE_SHARED,
				 SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				 SCARD_LEAVE_CARD,
				 &worker->protocol);

	if (rv != SCARD_S_SUCCESS) {
		g_autofree gchar *what = g_strdup_printf(_("the card in reader “%s” was reset and cannot be reconnected (SCardReconnect)"), worker->reader);
		if (esc_card_rv_is_service_gone(rv))
			esc_card_worker_release(worker);
		else
			esc_card_worker_disconnect(worker);
		esc_error_set_pcsc(error, rv, what);
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD) {
			g_clear_error(error);
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("the card was reset and then removed from reader “%s”"),
				    worker->reader);
		}
		return;
	}
	(void)esc_card_worker_read_atr(worker, NULL);
	select_raw = tok_apdu_encode(select, TOK_APDU_ENCODING_SHORT, NULL);
	get_data_raw = tok_apdu_encode(get_data, TOK_APDU_ENCODING_SHORT, NULL);
	if (select_raw != NULL)
		reply = esc_card_job_transmit_raw(job, select_raw, &rv);
	if (get_data_raw != NULL && rv == SCARD_S_SUCCESS) {
		g_clear_pointer(&reply, g_bytes_unref);
		reply = esc_card_job_transmit_raw(job, get_data_raw, &rv);
	}
	if (reply == NULL) {
		esc_error_set_pcsc(error, rv, _("the card was reset; reading its CUID again failed"));
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_RESET_CARD)
			esc_card_worker_disconnect(worker);
		return;
	}
	response = tok_apdu_response_parse_bytes(reply, &local);
	if (response != NULL)
		cplc = tok_cplc_parse_response(response, TOK_CPLC_PARSE_FLAG_ANY_HEADER, &local);
	if (cplc == NULL) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD,
			    _("the card in reader “%s” was reset by another application and its CUID cannot be read again: %s"),
			    worker->reader, local->message);
		return;
	}
	cuid = g_bytes_new(cplc->cuid, sizeof(cplc->cuid));
	new_hex = tok_cplc_get_cuid_hex(cplc);
	if (worker->cuid != NULL && !g_bytes_equal(worker->cuid, cuid)) {
		old_hex = tok_hex_encode_bytes(worker->cuid, TRUE);
		g_clear_pointer(&worker->cuid, g_bytes_unref);
		worker->cuid = g_steal_pointer(&cuid);
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_CHANGED,
			    _("the card in reader “%s” was replaced: CUID %s, now %s"), worker->reader, old_hex, new_hex);
		return;
	}
	if (worker->cuid == NULL)
		worker->cuid = g_steal_pointer(&cuid);
	g_set_error(error, ESC_ERROR, ESC_ERROR_CARD,
		    _("the card in reader “%s” (CUID %s) was reset by another application; the work in progress on it is lost"),
		    worker->reader, new_hex);
}

/* How long a failed transmit waits for pcscd to notice a pulled card: it polls its readers
 * every 0.4 s (PCSCLITE_STATUS_POLL_RATE); on a loaded machine that can take a few polls. */
#define ESC_CARD_REMOVAL_WAIT_MS 3000

/* Follows the reader's state as pcscd reports it, from what it is now (not from a guess,
 * which SCardGetStatusChange would answer at once for any other difference: in use, mute, the
 * event counter), until the card is gone or @timeout_ms passed. */
static gboolean
esc_card_worker_wait_removed(EscCardWorker *worker, guint timeout_ms)
{
	SCARD_READERSTATE state = {0};
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
	LONG st;

	state.szReader = worker->reader;
	state.dwCurrentState = SCARD_STATE_UNAWARE;
	st = SCardGetStatusChange(worker->context, 0, &state, 1);
	for (;;) {
		gint64 left;

		if (st == SCARD_E_UNKNOWN_READER)
			return TRUE;
		if (st != SCARD_S_SUCCESS && st != SCARD_E_TIMEOUT) {
			g_debug("reader “%s”: SCardGetStatusChange: %s", worker->reader, esc_error_pcsc_name(st));
			return FALSE;
		}
		if ((state.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE | SCARD_STATE_UNKNOWN)) != 0)
			return TRUE;
		left = end - g_get_monotonic_time();
		if (left <= 0)
			return FALSE;
		state.dwCurrentState = state.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		st = SCardGetStatusChange(worker->context, (DWORD)(left / G_TIME_SPAN_MILLISECOND) + 1, &state, 1);
	}
}

/* SCardTransmit failed with @rv, or gave less than a status word (@rv SCARD_S_SUCCESS), which
 * does not say why: a card pulled in the middle of an APDU gives SCARD_E_NOT_TRANSACTED or an
 * empty answer through vpcd, a dead pcscd SCARD_F_COMM_ERROR. Asks pcscd about the card,
 * waiting (bounded) for it to notice a removal; TRUE with @error set when the card is gone or
 * pcscd is, FALSE when neither is the case. */
static gboolean
esc_card_job_check_gone(EscCardJob *job, LONG rv, GError **error)
{
	EscCardWorker *worker = job->worker;
	DWORD card_state = 0, protocol = 0;
	guint8 atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof(atr);
	const gchar *name = rv != SCARD_S_SUCCESS ? esc_error_pcsc_name(rv) : "empty answer";
	LONG st = SCardStatus(worker->handle, NULL, NULL, &card_state, &protocol, atr, &atr_len);
	gboolean removed = FALSE;

	if (esc_card_rv_is_service_gone(st)) {
		esc_card_worker_release(worker);
		esc_error_set_pcsc(error, SCARD_E_NO_SERVICE, _("SCardTransmit: the PC/SC service went away"));
		return TRUE;
	}
	if (st == SCARD_W_REMOVED_CARD || st == SCARD_E_NO_SMARTCARD || st == SCARD_E_READER_UNAVAILABLE ||
	    st == SCARD_E_UNKNOWN_READER || (st == SCARD_S_SUCCESS && (card_state & SCARD_ABSENT) != 0)) {
		removed = TRUE;
	} else if (worker->has_context) {
		/* still there for pcscd, or in some other state (unpowered, reset): wait for it to
		 * see the card go */
		if (st != SCARD_S_SUCCESS)
			g_debug("reader “%s”: SCardStatus after a failed transmit: %s", worker->reader, esc_error_pcsc_name(st));
		removed = esc_card_worker_wait_removed(worker, ESC_CARD_REMOVAL_WAIT_MS);
	}
	if (!removed)
		return FALSE;
	esc_card_worker_disconnect(worker);
	g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("the card was removed from reader “%s” (SCardTransmit: %s)"),
		    worker->reader, name != NULL ? name : "?");
	return TRUE;
}

GBytes *
esc_card_job_transmit(EscCardJob *job, GBytes *command, GError **error)
{
	EscCardWorker *worker;
	GBytes *reply;
	gsize len;
	LONG rv = SCARD_S_SUCCESS;

	g_return_val_if_fail(job != NULL, NULL);
	g_return_val_if_fail(command != NULL, NULL);
	worker = job->worker;
	if (g_cancellable_is_cancelled(job->cancellable)) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CANCELLED, _("cancelled"));
		return NULL;
	}
	len = g_bytes_get_size(command);
	if (len < 4 || len > ESC_CARD_SEND_MAX) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("a command APDU of %lu bytes cannot be sent"), (gulong)len);
		return NULL;
	}
	if (!worker->connected) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("the card was removed from reader “%s”"), worker->reader);
		return NULL;
	}
	reply = esc_card_job_transmit_raw(job, command, &rv);
	if (reply != NULL) {
		if (g_bytes_get_size(reply) < 2) {
			if (esc_card_job_check_gone(job, SCARD_S_SUCCESS, error)) {
				g_bytes_unref(reply);
				return NULL;
			}
			g_set_error(error, ESC_ERROR, ESC_ERROR_CARD,
				    _("the card in reader “%s” answered with %lu bytes, less than a status word"),
				    worker->reader, (gulong)g_bytes_get_size(reply));
			g_bytes_unref(reply);
			return NULL;
		}
		return reply;
	}
	switch (rv) {
	case SCARD_W_REMOVED_CARD:
	case SCARD_E_NO_SMARTCARD:
	case SCARD_E_READER_UNAVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_W_UNPOWERED_CARD: {
		const gchar *name = esc_error_pcsc_name(rv);
		esc_card_worker_disconnect(worker);
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD_REMOVED, _("the card was removed from reader “%s” (SCardTransmit: %s)"),
			    worker->reader, name != NULL ? name : "?");
		return NULL;
	}
	case SCARD_W_RESET_CARD:
		esc_card_job_handle_reset(job, error);
		return NULL;
	default:
		if (esc_card_rv_is_service_gone(rv) && rv != SCARD_E_INVALID_HANDLE) {
			g_autofree gchar *what = g_strdup_printf(_("the PC/SC service went away (SCardTransmit: %s)"),
								 esc_error_pcsc_name(rv));
			esc_card_worker_release(worker);
			esc_error_set_pcsc(error, SCARD_E_NO_SERVICE, what);
			return NULL;
		}
		if (!esc_card_job_check_gone(job, rv, error))
			esc_error_set_pcsc(error, rv, "SCardTransmit");
		return NULL;
	}
}

static GBytes *
esc_card_job_transmit_cb(GBytes *command, gpointer user_data, GError **error)
{
	return esc_card_job_transmit(user_data, command, error);
}

GBytes *
esc_card_job_transmit_full(EscCardJob *job, GBytes *command, GError **error)
{
	g_return_val_if_fail(job != NULL, NULL);
	return esc_card_transmit_full(esc_card_job_transmit_cb, job, command, error);
}

GBytes *
esc_card_job_get_atr(EscCardJob *job)
{
	g_return_val_if_fail(job != NULL, NULL);
	return job->worker->atr != NULL ? g_bytes_ref(job->worker->atr) : g_bytes_new(NULL, 0);
}

guint
esc_card_job_get_apdu_count(EscCardJob *job)
{
	g_return_val_if_fail(job != NULL, 0);
	return job->apdu_count;
}

const gchar *
esc_card_job_get_reader(EscCardJob *job)
{
	g_return_val_if_fail(job != NULL, NULL);
	return job->worker->reader;
}

void
esc_card_job_set_cuid(EscCardJob *job, GBytes *cuid)
{
	g_return_if_fail(job != NULL);
	g_clear_pointer(&job->worker->cuid, g_bytes_unref);
	if (cuid != NULL)
		job->worker->cuid = g_bytes_ref(cuid);
}

GBytes *
esc_card_job_get_cuid(EscCardJob *job)
{
	g_return_val_if_fail(job != NULL, NULL);
	return job->worker->cuid != NULL ? g_bytes_ref(job->worker->cuid) : NULL;
}

/* ---- 61xx / 6Cxx ------------------------------------------------------------------------------ */

static GBytes *
esc_card_transmit_checked(EscCardTransmitFunc transmit, gpointer user_data, GBytes *command, guint16 *sw, GError **error)
{
	g_autoptr(GBytes) reply = transmit(command, user_data, error);
	gsize len = 0;
	const guint8 *data;

	if (reply == NULL)
		return NULL;
	data = g_bytes_get_data(reply, &len);
	if (len < 2) {
		g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the card answered with %lu bytes, less than a status word"), (gulong)len);
		return NULL;
	}
	*sw = (guint16)((data[len - 2] << 8) | data[len - 1]);
	return g_steal_pointer(&reply);
}

GBytes *
esc_card_transmit_full(EscCardTransmitFunc transmit, gpointer user_data, GBytes *command, GError **error)
{
	g_autoptr(GBytes) reply = NULL;
	guint16 sw = 0;

	g_return_val_if_fail(transmit != NULL, NULL);
	g_return_val_if_fail(command != NULL, NULL);
	reply = esc_card_transmit_checked(transmit, user_data, command, &sw, error);
	if (reply == NULL)
		return NULL;
	if ((sw & 0xFF00) == 0x6C00) {
		g_autoptr(GError) local = NULL;
		g_autoptr(TokApdu) apdu = tok_apdu_parse_bytes(command, &local);
		g_autoptr(TokApdu) again = NULL;
		g_autoptr(GBytes) raw = NULL;

		if (apdu == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("the card asked for another Le (SW %04X) but the command cannot be re-encoded: %s"),
				    sw, local->message);
			return NULL;
		}
		again = tok_apdu_new_with_le(apdu, (sw & 0xFF) == 0 ? 256 : (gint)(sw & 0xFF));
		raw = tok_apdu_encode(again, TOK_APDU_ENCODING_AUTO, &local);
		if (raw == NULL) {
			g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("the card asked for another Le (SW %04X) but the command cannot be re-encoded: %s"),
				    sw, local->message);
			return NULL;
		}
		g_clear_pointer(&reply, g_bytes_unref);
		reply = esc_card_transmit_checked(transmit, user_data, raw, &sw, error);
		if (reply == NULL)
			return NULL;
	}
	if ((sw & 0xFF00) == 0x6100) {
		g_autoptr(TokWipedByteArray) data = g_byte_array_new();

		for (guint i = 0; (sw & 0xFF00) == 0x6100; i++) {
			g_autoptr(TokApdu) get = NULL;
			g_autoptr(GBytes) raw = NULL;
			gsize len = 0;
			const guint8 *bytes = g_bytes_get_data(reply, &len);

			if (i >= ESC_CARD_GET_RESPONSE_MAX || data->len + len - 2 > TOK_APDU_RESPONSE_MAX_DATA) {
				g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the card keeps answering 61xx: more than %u bytes"),
					    TOK_APDU_RESPONSE_MAX_DATA);
				return NULL;
			}
			g_byte_array_append(data, bytes, (guint)(len - 2));
			get = tok_apdu_new(0x00, 0xC0, 0x00, 0x00, NULL, (sw & 0xFF) == 0 ? 256 : (gint)(sw & 0xFF));
			raw = tok_apdu_encode(get, TOK_APDU_ENCODING_SHORT, NULL);
			g_clear_pointer(&reply, g_bytes_unref);
			reply = esc_card_transmit_checked(transmit, user_data, raw, &sw, error);
			if (reply == NULL)
				return NULL;
		}
		{
			gsize len = 0;
			const guint8 *bytes = g_bytes_get_data(reply, &len);

			if (data->len + len - 2 > TOK_APDU_RESPONSE_MAX_DATA) {
				g_set_error(error, ESC_ERROR, ESC_ERROR_CARD, _("the card's answer is longer than %u bytes"),
					    TOK_APDU_RESPONSE_MAX_DATA);
				return NULL;
			}
			g_byte_array_append(data, bytes, (guint)len);
		}
		return tok_bytes_new_wiped(data->data, data->len);
	}
	return g_steal_pointer(&reply);
}
