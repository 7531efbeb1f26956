/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "esc-reader-monitor.h"

#include <glib/gi18n-lib.h>

#include <winscard.h>

#include "esc-error.h"

/* pcsc-lite accepts at most this many reader states per call (PCSCLITE_MAX_READERS_CONTEXTS) */
#define ESC_READER_MONITOR_MAX_READERS 16
/* SCardListReaders: the longest multi-string accepted */
#define ESC_READER_MONITOR_MAX_LIST (64 * 1024)

typedef enum {
	ESC_MONITOR_EVENT_READER_ADDED,
	ESC_MONITOR_EVENT_READER_REMOVED,
	ESC_MONITOR_EVENT_CARD_INSERTED,
	ESC_MONITOR_EVENT_CARD_REMOVED,
	ESC_MONITOR_EVENT_SERVICE_CHANGED,
} EscMonitorEventType;

/* Shared by the monitor and its thread (the thread holds no reference on the GObject: it
 * takes one from the weak reference for each event it sends). */
typedef struct {
	gint ref_count;
	GMutex mutex;
	GCond cond;
	gboolean stopping; /* under mutex */
	gboolean exited;   /* under mutex */
	SCARDCONTEXT context;
	gboolean has_context; /* under mutex: SCardCancel from stop() */
	GWeakRef monitor;
	GMainContext *main_context;
	guint generation;
} EscMonitorShared;

typedef struct {
	EscMonitorEventType type;
	EscReaderMonitor *monitor; /* strong */
	guint generation;
	gchar *reader;
	GBytes *atr;
	gboolean available;
} EscMonitorEvent;

/* What the thread knows about one reader. */
typedef struct {
	gchar *name;
	DWORD current_state;
	gboolean present;
	GBytes *atr;
} EscMonitorReader;

struct _EscReaderMonitor {
	GObject parent_instance;
	GMainContext *main_context;
	EscMonitorShared *shared; /* NULL when stopped */
	GThread *thread;
	guint generation;
	GHashTable *readers; /* name -> GBytes atr, or the empty-card marker */
	GBytes *no_card;     /* the marker: a reader without a card */
	gboolean service_available; /* FALSE until the thread established a context */
	gboolean service_reported;  /* the thread's first finding since start() was emitted */
};

G_DEFINE_TYPE(EscReaderMonitor, esc_reader_monitor, G_TYPE_OBJECT)

enum {
	SIGNAL_READER_ADDED,
	SIGNAL_READER_REMOVED,
	SIGNAL_CARD_INSERTED,
	SIGNAL_CARD_REMOVED,
	SIGNAL_SERVICE_CHANGED,
	N_SIGNALS,
};

static guint signals[N_SIGNALS];

/* ---- shared state ------------------------------------------------------------------------- */

static EscMonitorShared *
esc_monitor_shared_new(EscReaderMonitor *monitor, guint generation)
{
	EscMonitorShared *shared = g_new0(EscMonitorShared, 1);

	shared->ref_count = 1;
	g_mutex_init(&shared->mutex);
	g_cond_init(&shared->cond);
	g_weak_ref_init(&shared->monitor, monitor);
	shared->main_context = g_main_context_ref(monitor->main_context);
	shared->generation = generation;
	return shared;
}

static EscMonitorShared *
esc_monitor_shared_ref(EscMonitorShared *shared)
{
	g_atomic_int_inc(&shared->ref_count);
	return shared;
}

static void
esc_monitor_shared_unref(EscMonitorShared *shared)
{
	if (!g_atomic_int_dec_and_test(&shared->ref_count))
		return;
	g_weak_ref_clear(&shared->monitor);
	g_main_context_unref(shared->main_context);
	g_mutex_clear(&shared->mutex);
	g_cond_clear(&shared->cond);
	g_free(shared);
}

static gboolean
esc_monitor_shared_is_stopping(EscMonitorShared *shared)
{
	gboolean stopping;

	g_mutex_lock(&shared->mutex);
	stopping = shared->stopping;
	g_mutex_unlock(&shared->mutex);
	return stopping;
}

/* Waits @ms or until stop(); FALSE when stopping. */
static gboolean
esc_monitor_shared_wait(EscMonitorShared *shared, guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * G_TIME_SPAN_MILLISECOND;
	gboolean stopping;

	g_mutex_lock(&shared->mutex);
	while (!shared->stopping) {
		if (!g_cond_wait_until(&shared->cond, &shared->mutex, end))
			break;
	}
	stopping = shared->stopping;
	g_mutex_unlock(&shared->mutex);
	return !stopping;
}

/* ---- events, delivered on the main context ------------------------------------------------ */

static void
esc_monitor_event_free(gpointer data)
{
	EscMonitorEvent *event = data;

	g_clear_object(&event->monitor);
	g_free(event->reader);
	g_clear_pointer(&event->atr, g_bytes_unref);
	g_free(event);
}

static gboolean
esc_monitor_event_dispatch(gpointer data)
{
	EscMonitorEvent *event = data;
	EscReaderMonitor *self = event->monitor;

	/* from a thread that was stopped since */
	if (event->generation != self->generation || self->shared == NULL)
		return G_SOURCE_REMOVE;
	switch (event->type) {
	case ESC_MONITOR_EVENT_READER_ADDED:
		if (g_hash_table_contains(self->readers, event->reader))
			break;
		g_hash_table_insert(self->readers, g_strdup(event->reader), g_bytes_ref(self->no_card));
		g_signal_emit(self, signals[SIGNAL_READER_ADDED], 0, event->reader);
		break;
	case ESC_MONITOR_EVENT_READER_REMOVED:
		if (!g_hash_table_remove(self->readers, event->reader))
			break;
		g_signal_emit(self, signals[SIGNAL_READER_REMOVED], 0, event->reader);
		break;
	case ESC_MONITOR_EVENT_CARD_INSERTED:
		g_hash_table_insert(self->readers, g_strdup(event->reader), g_bytes_ref(event->atr));
		g_signal_emit(self, signals[SIGNAL_CARD_INSERTED], 0, event->reader, event->atr);
		break;
	case ESC_MONITOR_EVENT_CARD_REMOVED:
		if (g_hash_table_contains(self->readers, event->reader))
			g_hash_table_insert(self->readers, g_strdup(event->reader), g_bytes_ref(self->no_card));
		g_signal_emit(self, signals[SIGNAL_CARD_REMOVED], 0, event->reader);
		break;
	case ESC_MONITOR_EVENT_SERVICE_CHANGED:
		/* the first finding is always told (available or not), then the changes */
		if (self->service_reported && self->service_available == event->available)
			break;
		self->service_reported = TRUE;
		self->service_available = event->available;
		g_signal_emit(self, signals[SIGNAL_SERVICE_CHANGED], 0, event->available);
		break;
	default:
		break;
	}
	return G_SOURCE_REMOVE;
}

/* From the thread: queue an event for the main context (an idle source, never run here). */
static void
esc_monitor_send(EscMonitorShared *shared, EscMonitorEventType type, const gchar *reader, GBytes *atr, gboolean available)
{
	EscReaderMonitor *monitor = g_weak_ref_get(&shared->monitor);
	EscMonitorEvent *event;
	g_autoptr(GSource) source = NULL;

	if (monitor == NULL)
		return;
	event = g_new0(EscMonitorEvent, 1);
	event->type = type;
	event->monitor = monitor;
	event->generation = shared->generation;
	event->reader = g_strdup(reader);
	event->atr = atr != NULL ? g_bytes_ref(atr) : NULL;
	event->available = available;
	source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_static_name(source, "EscReaderMonitor event");
	g_source_set_callback(source, esc_monitor_event_dispatch, event, esc_monitor_event_free);
	g_source_attach(source, shared->main_context);
}

/* ---- the thread --------------------------------------------------------------------------- */

static void
esc_monitor_reader_free(gpointer data)
{
	EscMonitorReader *reader = data;

	g_free(reader->name);
	g_clear_pointer(&reader->atr, g_bytes_unref);
	g_free(reader);
}

static void
esc_monitor_forget_reader(EscMonitorShared *shared, EscMonitorReader *reader)
{
	if (reader->present)
		esc_monitor_send(shared, ESC_MONITOR_EVENT_CARD_REMOVED, reader->name, NULL, FALSE);
	esc_monitor_send(shared, ESC_MONITOR_EVENT_READER_REMOVED, reader->name, NULL, FALSE);
}

static void
esc_monitor_forget_all(EscMonitorShared *shared, GPtrArray *known)
{
	for (guint i = 0; i < known->len; i++)
		esc_monitor_forget_reader(shared, g_ptr_array_index(known, i));
	g_ptr_array_set_size(known, 0);
}

/* The reader names pcscd knows now. */
static LONG
esc_monitor_list_readers(SCARDCONTEXT context, GPtrArray *names)
{
	g_autofree gchar *buf = NULL;
	DWORD len = 0;
	LONG rv = SCardListReaders(context, NULL, NULL, &len);

	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return SCARD_S_SUCCESS;
	if (rv != SCARD_S_SUCCESS)
		return rv;
	if (len == 0 || len > ESC_READER_MONITOR_MAX_LIST)
		return len == 0 ? SCARD_S_SUCCESS : SCARD_E_INSUFFICIENT_BUFFER;
	buf = g_malloc0((gsize)len + 1);
	rv = SCardListReaders(context, NULL, buf, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE)
		return SCARD_S_SUCCESS;
	if (rv != SCARD_S_SUCCESS)
		return rv;
	for (gsize pos = 0; pos < len && buf[pos] != '\0';) {
		gsize n = 0;

		while (pos + n < len && buf[pos + n] != '\0')
			n++;

		if (names->len < ESC_READER_MONITOR_MAX_READERS - 1 && g_utf8_validate(buf + pos, (gssize)n, NULL))
			g_ptr_array_add(names, g_strndup(buf + pos, n));
		pos += n + 1;
	}
	return SCARD_S_SUCCESS;
}

static gboolean
esc_monitor_names_contain(GPtrArray *names, const gchar *name)
{
	for (guint i = 0; i < names->len; i++) {
		if (g_strcmp0(g_ptr_array_index(names, i), name) == 0)
			return TRUE;
	}
	return FALSE;
}

/* Brings @known in line with the reader list, announcing the differences. */
static LONG
esc_monitor_sync_readers(EscMonitorShared *shared, GPtrArray *known)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	LONG rv = esc_monitor_list_readers(shared->context, names);

	if (rv != SCARD_S_SUCCESS)
		return rv;
	for (guint i = 0; i < known->len;) {
		EscMonitorReader *reader = g_ptr_array_index(known, i);

		if (esc_monitor_names_contain(names, reader->name)) {
			i++;
			continue;
		}
		esc_monitor_forget_reader(shared, reader);
		g_ptr_array_remove_index(known, i);
	}
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		gboolean found = FALSE;

		for (guint j = 0; j < known->len && !found; j++)
			found = g_strcmp0(((EscMonitorReader *)g_ptr_array_index(known, j))->name, name) == 0;
		if (!found) {
			EscMonitorReader *reader = g_new0(EscMonitorReader, 1);
			reader->name = g_strdup(name);
			reader->current_state = SCARD_STATE_UNAWARE;
			g_ptr_array_add(known, reader);
			esc_monitor_send(shared, ESC_MONITOR_EVENT_READER_ADDED, name, NULL, FALSE);
		}
	}
	return SCARD_S_SUCCESS;
}

/* One reader's new state from SCardGetStatusChange. */
static void
esc_monitor_update_reader(EscMonitorShared *shared, EscMonitorReader *reader, const SCARD_READERSTATE *state)
{
	DWORD ev = state->dwEventState;
	gboolean present = (ev & SCARD_STATE_PRESENT) != 0 && (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) == 0;
	guint old_counter = (guint)((reader->current_state >> 16) & 0xFFFF);
	guint new_counter = (guint)((ev >> 16) & 0xFFFF);
	g_autoptr(GBytes) atr = NULL;

	if (present)
		atr = g_bytes_new(state->rgbAtr, MIN(state->cbAtr, (DWORD)sizeof(state->rgbAtr)));
	if (reader->present && present) {
		/* still a card: the same one, unless its ATR changed or pcsc-lite's event counter
		 * (upper word, one step per insertion and per removal) moved by two or more */
		gboolean swapped = reader->current_state != SCARD_STATE_UNAWARE && old_counter != 0 && new_counter != old_counter &&
				   ((new_counter - old_counter) & 0xFFFF) >= 2;

		if (swapped || (reader->atr != NULL && !g_bytes_equal(reader->atr, atr))) {
			esc_monitor_send(shared, ESC_MONITOR_EVENT_CARD_REMOVED, reader->name, NULL, FALSE);
			esc_monitor_send(shared, ESC_MONITOR_EVENT_CARD_INSERTED, reader->name, atr, FALSE);
			g_clear_pointer(&reader->atr, g_bytes_unref);
			reader->atr = g_bytes_ref(atr);
		}
	} else if (present) {
		reader->present = TRUE;
		g_clear_pointer(&reader->atr, g_bytes_unref);
		reader->atr = g_bytes_ref(atr);
		esc_monitor_send(shared, ESC_MONITOR_EVENT_CARD_INSERTED, reader->name, atr, FALSE);
	} else if (reader->present) {
		reader->present = FALSE;
		g_clear_pointer(&reader->atr, g_bytes_unref);
		esc_monitor_send(shared, ESC_MONITOR_EVENT_CARD_REMOVED, reader->name, NULL, FALSE);
	}
	reader->current_state = ev & ~(DWORD)SCARD_STATE_CHANGED;
}

/* pcscd went away: a closed socket is SCARD_F_COMM_ERROR, a reset one (pcscd killed with our
 * request unread) SCARD_W_SECURITY_VIOLATION in pcsc-lite's client */
static gboolean
esc_monitor_rv_is_service_gone(LONG rv)
{
	return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_E_INVALID_HANDLE ||
	       rv == SCARD_F_COMM_ERROR || rv == SCARD_W_SECURITY_VIOLATION;
}

/* Follows the readers until something fails; returns that PC/SC result. */
static LONG
esc_monitor_watch(EscMonitorShared *shared, GPtrArray *known)
{
	DWORD pnp_state = 0;

	for (;;) {
		g_autofree SCARD_READERSTATE *states = NULL;
		gboolean relist = FALSE;
		DWORD n;
		LONG rv = esc_monitor_sync_readers(shared, known);

		if (rv != SCARD_S_SUCCESS)
			return rv;
		do {
			n = known->len + 1;
			g_clear_pointer(&states, g_free);
			states = g_new0(SCARD_READERSTATE, n);
			for (guint i = 0; i < known->len; i++) {
				EscMonitorReader *reader = g_ptr_array_index(known, i);
				states[i].szReader = reader->name;
				states[i].dwCurrentState = reader->current_state;
			}
			states[known->len].szReader = ESC_READER_MONITOR_PNP_READER;
			states[known->len].dwCurrentState = pnp_state;
			if (esc_monitor_shared_is_stopping(shared))
				return SCARD_E_CANCELLED;
			rv = SCardGetStatusChange(shared->context, INFINITE, states, n);
			if (rv == SCARD_E_TIMEOUT)
				continue;
			if (rv == SCARD_E_UNKNOWN_READER || rv == SCARD_E_READER_UNAVAILABLE) {
				relist = TRUE;
				break;
			}
			if (rv != SCARD_S_SUCCESS)
				return rv;
			for (guint i = 0; i < known->len; i++) {
				EscMonitorReader *reader = g_ptr_array_index(known, i);
				DWORD ev = states[i].dwEventState;

				if (ev & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
					relist = TRUE;
				else if (ev & SCARD_STATE_CHANGED)
					esc_monitor_update_reader(shared, reader, &states[i]);
			}
			if (states[known->len].dwEventState & SCARD_STATE_CHANGED)
				relist = TRUE;
			pnp_state = states[known->len].dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		} while (!relist);
	}
}

static gboolean
esc_monitor_establish(EscMonitorShared *shared, LONG *rv_out)
{
	SCARDCONTEXT context = 0;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);

	*rv_out = rv;
	if (rv != SCARD_S_SUCCESS)
		return FALSE;
	g_mutex_lock(&shared->mutex);
	shared->context = context;
	shared->has_context = TRUE;
	g_mutex_unlock(&shared->mutex);
	return TRUE;
}

static void
esc_monitor_release(EscMonitorShared *shared)
{
	g_mutex_lock(&shared->mutex);
	if (shared->has_context)
		SCardReleaseContext(shared->context);
	shared->has_context = FALSE;
	shared->context = 0;
	g_mutex_unlock(&shared->mutex);
}

static gpointer
esc_monitor_thread(gpointer data)
{
	EscMonitorShared *shared = data;
	g_autoptr(GPtrArray) known = g_ptr_array_new_with_free_func(esc_monitor_reader_free);
	gboolean service_known = FALSE; /* what the first try finds is always reported */
	gboolean service_up = FALSE;
	guint backoff = ESC_READER_MONITOR_BACKOFF_MIN_MS;

	while (!esc_monitor_shared_is_stopping(shared)) {
		LONG rv = SCARD_S_SUCCESS;

		if (!esc_monitor_establish(shared, &rv)) {
			if (service_up || !service_known) {
				g_debug("PC/SC service not available (%s): waiting for it", esc_error_pcsc_name(rv));
				esc_monitor_forget_all(shared, known);
				esc_monitor_send(shared, ESC_MONITOR_EVENT_SERVICE_CHANGED, NULL, NULL, FALSE);
				service_up = FALSE;
				service_known = TRUE;
			}
			if (!esc_monitor_shared_wait(shared, backoff))
				break;
			backoff = MIN(backoff * 2, (guint)ESC_READER_MONITOR_BACKOFF_MAX_MS);
			continue;
		}
		if (!service_up || !service_known) {
			esc_monitor_send(shared, ESC_MONITOR_EVENT_SERVICE_CHANGED, NULL, NULL, TRUE);
			service_up = TRUE;
			service_known = TRUE;
		}
		rv = esc_monitor_watch(shared, known);
		esc_monitor_release(shared);
		if (esc_monitor_shared_is_stopping(shared))
			break;
		if (esc_monitor_rv_is_service_gone(rv)) {
			g_debug("PC/SC service gone (%s)", esc_error_pcsc_name(rv));
			esc_monitor_forget_all(shared, known);
			esc_monitor_send(shared, ESC_MONITOR_EVENT_SERVICE_CHANGED, NULL, NULL, FALSE);
			service_up = FALSE;
			backoff = ESC_READER_MONITOR_BACKOFF_MIN_MS;
			continue;
		}
		/* something else went wrong: start over after a pause, readers are diffed again */
		g_warning("watching the smart card readers failed: %s (0x%08lX)",
			  esc_error_pcsc_name(rv) != NULL ? esc_error_pcsc_name(rv) : "unknown PC/SC error", (gulong)rv & 0xFFFFFFFFUL);
		if (!esc_monitor_shared_wait(shared, backoff))
			break;
		backoff = MIN(backoff * 2, (guint)ESC_READER_MONITOR_BACKOFF_MAX_MS);
	}
	esc_monitor_release(shared);
	g_mutex_lock(&shared->mutex);
	shared->exited = TRUE;
	g_cond_broadcast(&shared->cond);
	g_mutex_unlock(&shared->mutex);
	esc_monitor_shared_unref(shared);
	return NULL;
}

/* ---- API ---------------------------------------------------------------------------------- */

gboolean
esc_reader_monitor_start(EscReaderMonitor *self, GError **error)
{
	EscMonitorShared *shared;
	g_autoptr(GError) local = NULL;

	g_return_val_if_fail(ESC_IS_READER_MONITOR(self), FALSE);
	if (self->shared != NULL)
		return TRUE;
	self->generation++;
	self->service_reported = FALSE;
	shared = esc_monitor_shared_new(self, self->generation);
	self->thread = g_thread_try_new("esc-reader-mon", esc_monitor_thread, esc_monitor_shared_ref(shared), &local);
	if (self->thread == NULL) {
		esc_monitor_shared_unref(shared);
		esc_monitor_shared_unref(shared);
		g_set_error(error, ESC_ERROR, ESC_ERROR_FAILED, _("cannot start the reader monitor thread: %s"), local->message);
		return FALSE;
	}
	self->shared = shared;
	return TRUE;
}

void
esc_reader_monitor_stop(EscReaderMonitor *self)
{
	EscMonitorShared *shared;
	GThread *thread;

	g_return_if_fail(ESC_IS_READER_MONITOR(self));
	shared = g_steal_pointer(&self->shared);
	thread = g_steal_pointer(&self->thread);
	if (shared == NULL)
		return;
	self->generation++;
	g_mutex_lock(&shared->mutex);
	shared->stopping = TRUE;
	g_cond_broadcast(&shared->cond);
	/* SCardCancel only wakes a thread that is already blocked in SCardGetStatusChange:
	 * repeat until the thread says it is gone */
	while (!shared->exited) {
		gint64 end = g_get_monotonic_time() + 50 * G_TIME_SPAN_MILLISECOND;

		if (shared->has_context)
			SCardCancel(shared->context);
		g_cond_wait_until(&shared->cond, &shared->mutex, end);
	}
	g_mutex_unlock(&shared->mutex);
	if (thread != NULL) {
		if (thread == g_thread_self())
			g_thread_unref(thread);
		else
			g_thread_join(thread);
	}
	esc_monitor_shared_unref(shared);
	g_hash_table_remove_all(self->readers);
	/* not known while nobody watches */
	self->service_available = FALSE;
	self->service_reported = FALSE;
}

gboolean
esc_reader_monitor_is_running(EscReaderMonitor *self)
{
	g_return_val_if_fail(ESC_IS_READER_MONITOR(self), FALSE);
	return self->shared != NULL;
}

static gint
esc_reader_monitor_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

GStrv
esc_reader_monitor_get_readers(EscReaderMonitor *self)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key = NULL;

	g_return_val_if_fail(ESC_IS_READER_MONITOR(self), NULL);
	g_hash_table_iter_init(&iter, self->readers);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(names, g_strdup(key));
	g_ptr_array_sort(names, esc_reader_monitor_compare_names);
	g_ptr_array_add(names, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

GBytes *
esc_reader_monitor_get_atr(EscReaderMonitor *self, const gchar *reader)
{
	GBytes *atr;

	g_return_val_if_fail(ESC_IS_READER_MONITOR(self), NULL);
	g_return_val_if_fail(reader != NULL, NULL);
	atr = g_hash_table_lookup(self->readers, reader);
	if (atr == NULL || atr == self->no_card)
		return NULL;
	return g_bytes_ref(atr);
}

gboolean
esc_reader_monitor_get_service_available(EscReaderMonitor *self)
{
	g_return_val_if_fail(ESC_IS_READER_MONITOR(self), FALSE);
	return self->service_available;
}

/* ---- GObject ------------------------------------------------------------------------------ */

static void
esc_reader_monitor_dispose(GObject *object)
{
	EscReaderMonitor *self = ESC_READER_MONITOR(object);

	esc_reader_monitor_stop(self);
	G_OBJECT_CLASS(esc_reader_monitor_parent_class)->dispose(object);
}

static void
esc_reader_monitor_finalize(GObject *object)
{
	EscReaderMonitor *self = ESC_READER_MONITOR(object);

	g_hash_table_unref(self->readers);
	g_bytes_unref(self->no_card);
	g_main_context_unref(self->main_context);
	G_OBJECT_CLASS(esc_reader_monitor_parent_class)->finalize(object);
}

static void
esc_reader_monitor_class_init(EscReaderMonitorClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = esc_reader_monitor_dispose;
	object_class->finalize = esc_reader_monitor_finalize;
	signals[SIGNAL_READER_ADDED] = g_signal_new("reader-added", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						    G_TYPE_NONE, 1, G_TYPE_STRING);
	signals[SIGNAL_READER_REMOVED] = g_signal_new("reader-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
						      NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
	signals[SIGNAL_CARD_INSERTED] = g_signal_new("card-inserted", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
						     NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BYTES);
	signals[SIGNAL_CARD_REMOVED] = g_signal_new("card-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						    G_TYPE_NONE, 1, G_TYPE_STRING);
	signals[SIGNAL_SERVICE_CHANGED] = g_signal_new("service-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
						       NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
esc_reader_monitor_init(EscReaderMonitor *self)
{
	self->main_context = g_main_context_ref_thread_default();
	self->readers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
	self->no_card = g_bytes_new_static("", 0);
	/* not known before start(): TRUE once the monitor thread has reached pcscd */
	self->service_available = FALSE;
}

EscReaderMonitor *
esc_reader_monitor_new(void)
{
	return g_object_new(ESC_TYPE_READER_MONITOR, NULL);
}
