/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Letting go of an EscCard whose worker thread did real work (a card behind pcscd + vpcd +
 * esc-vcard, and OpenSSL's per-thread error state, as a probe reading certificates makes):
 *
 *  - the last reference dropped from a job's callback: the job's data, the GTask and the card
 *    are released on the caller's context, dispose joins the worker there, and the number of
 *    "esc-card" threads is back to its baseline at once. The process then exits: under
 *    AddressSanitizer, LeakSanitizer reports any worker thread left running with its OpenSSL
 *    state (this is its own executable so that such a report points here);
 *  - the last reference dropped inside a job, on the worker thread itself: the thread is let
 *    go (detached), frees its PC/SC context and OpenSSL state and ends by itself.
 */
#include "config.h"

#include "esc-card.h"
#include "esc-certificate.h"
#include "esc-error.h"
#include "pcsc-client-util.h"
#include "th-pcsc.h"
#include "tok-coolkey-apdu.h"

#define READER0 "Virtual PCD 00 00"
#define CARD_THREAD "esc-card"
#define ROUNDS 10

typedef struct {
	GThread *main_thread;
	GThread *freed_on;    /* where the job's data_free ran */
	GThread *disposed_on; /* where the card's weak reference was notified (its dispose) */
	guint threads_at_dispose;
	gboolean job_ran;
	gboolean done;
	EscCard *owned; /* inside-job: the only reference, dropped by the job */
} ReleaseState;

/* One APDU, and what a probe does with a certificate it cannot parse: OpenSSL now has an
 * error state for this thread. */
static gboolean
release_job(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	ReleaseState *s = data;
	g_autoptr(TokApdu) select = tok_coolkey_apdu_select();
	g_autoptr(GBytes) raw = tok_apdu_encode(select, TOK_APDU_ENCODING_SHORT, NULL);
	g_autoptr(GBytes) reply = esc_card_job_transmit(job, raw, error);
	g_autoptr(GBytes) garbage = g_bytes_new_static("\x30\x03\x02\x01", 4);
	g_autoptr(GError) cert_error = NULL;
	g_autoptr(EscCertificate) cert = NULL;

	if (reply == NULL)
		return FALSE;
	cert = esc_certificate_new_from_der(garbage, &cert_error);
	g_assert_null(cert);
	g_assert_error(cert_error, ESC_ERROR, ESC_ERROR_CARD);
	s->job_ran = TRUE;
	/* inside-job: the last reference goes here, on the worker thread */
	g_clear_object(&s->owned);
	return TRUE;
}

static void
release_data_free(gpointer data)
{
	ReleaseState *s = data;

	s->freed_on = g_thread_self();
}

static void
release_card_gone(gpointer data, GObject *where_the_object_was)
{
	ReleaseState *s = data;

	s->threads_at_dispose = pcsc_client_count_threads(CARD_THREAD);
	s->disposed_on = g_thread_self();
}

static void
release_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ReleaseState *s = user_data;
	g_autoptr(GError) error = NULL;

	g_assert_true(esc_card_run_job_finish(ESC_CARD(source), res, &error));
	g_assert_no_error(error);
	s->done = TRUE;
	/* the caller's own (and last) reference, dropped from the callback */
	g_object_unref(source);
}

static gboolean
release_disposed(gpointer data)
{
	return ((ReleaseState *)data)->disposed_on != NULL;
}

static gboolean
release_threads_at(gpointer data)
{
	return pcsc_client_count_threads(CARD_THREAD) == GPOINTER_TO_UINT(data);
}

static void
test_release_from_callback(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint baseline;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	baseline = pcsc_client_count_threads(CARD_THREAD);
	for (guint round = 0; round < ROUNDS; round++) {
		ReleaseState s = {g_thread_self(), NULL, NULL, G_MAXUINT, FALSE, FALSE, NULL};
		EscCard *card = esc_card_new(READER0);

		g_object_weak_ref(G_OBJECT(card), release_card_gone, &s);
		/* the reference is the callback's from now on */
		esc_card_run_job_async(card, TRUE, release_job, &s, release_data_free, NULL, release_done, &s);
		g_assert_true(pcsc_client_wait(release_disposed, &s, PCSC_CLIENT_WAIT_MS));
		g_assert_true(s.job_ran);
		g_assert_true(s.done);
		g_assert_true(s.freed_on == s.main_thread);
		g_assert_true(s.disposed_on == s.main_thread);
		/* dispose joined the worker before it returned. pthread_join() returns when the
		 * thread's exit clears its tid, a moment before the kernel drops it from
		 * /proc/self/task, so at dispose time it may still be listed: allow that one, then
		 * wait (bounded) for the kernel to finish. */
		g_assert_cmpuint(s.threads_at_dispose, <=, baseline + 1);
		g_assert_true(pcsc_client_wait(release_threads_at, GUINT_TO_POINTER(baseline), PCSC_CLIENT_WAIT_MS));
	}
}

static gboolean
release_tick(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

static void
test_release_inside_job(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	guint baseline;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	baseline = pcsc_client_count_threads(CARD_THREAD);
	for (guint round = 0; round < ROUNDS; round++) {
		ReleaseState s = {g_thread_self(), NULL, NULL, G_MAXUINT, FALSE, FALSE, NULL};
		EscCard *card = esc_card_new(READER0);
		guint tick;

		g_object_weak_ref(G_OBJECT(card), release_card_gone, &s);
		s.owned = card;
		/* @card is borrowed from here on: the job drops the only reference */
		g_assert_true(esc_card_run_job_sync(card, TRUE, release_job, &s, NULL, &error));
		g_assert_no_error(error);
		g_assert_true(s.job_ran);
		g_assert_null(s.owned);
		g_assert_nonnull(s.disposed_on);
		g_assert_true(s.disposed_on != s.main_thread);
		/* the worker could not join itself: it ends by itself, soon (a thread's end wakes
		 * nobody: look every 10 ms) */
		tick = g_timeout_add(10, release_tick, NULL);
		g_assert_true(pcsc_client_wait(release_threads_at, GUINT_TO_POINTER(baseline), PCSC_CLIENT_WAIT_MS));
		g_source_remove(tick);
	}
	/* the card is usable by a new EscCard afterwards (the old handle and context are gone) */
	{
		ReleaseState s = {g_thread_self(), NULL, NULL, G_MAXUINT, FALSE, FALSE, NULL};
		g_autoptr(EscCard) card = esc_card_new(READER0);

		g_assert_true(esc_card_run_job_sync(card, TRUE, release_job, &s, NULL, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(pcsc_client_count_threads(CARD_THREAD), ==, baseline);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/esc/card/release/inside-job", NULL, test_release_inside_job);
	/* last: the process exits right after the last card went from a callback */
	TH_PCSC_TEST_ADD("/esc/card/release/from-callback", NULL, test_release_from_callback);
	return g_test_run();
}
