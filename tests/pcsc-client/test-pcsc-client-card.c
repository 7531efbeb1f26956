/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscCard and the token probe against a real pcscd + vpcd + esc-vcard (tests/harness): probes
 * of blank, formatted and enrolled cards (enrolled over PC/SC by tests/pcsc's personaliser),
 * a card pulled during a multi-APDU job and a job after it came back, a card process killed
 * between and during APDUs (CARD_REMOVED, never "0 bytes"), a card reset by another
 * application, cancellation between APDUs, job order, no card / no reader, and pcscd
 * restarting between jobs.
 */
#include "config.h"

#include <signal.h>

#include "esc-card.h"
#include "esc-certificate.h"
#include "esc-error.h"
#include "esc-token-probe.h"
#include "pcsc-ca.h"
#include "pcsc-client-util.h"
#include "pcsc-personalise.h"
#include "th-card.h"
#include "th-pcsc.h"
#include "tok-coolkey-apdu.h"

#define READER0 "Virtual PCD 00 00"
#define READER1 "Virtual PCD 00 01"
#define TEST_CUID "A1B2C3D4E5F60718293A"
#define TEST_MSN "0A0B0C0D"

static GBytes *
apdu_bytes(TokApdu *apdu)
{
	g_autoptr(TokApdu) owned = apdu;
	GBytes *raw = tok_apdu_encode(owned, TOK_APDU_ENCODING_SHORT, NULL);

	g_assert_nonnull(raw);
	return raw;
}

static guint16
reply_sw(GBytes *reply)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(reply, &len);

	g_assert_cmpuint(len, >=, 2);
	return (guint16)((data[len - 2] << 8) | data[len - 1]);
}

/* ---- probes --------------------------------------------------------------------------------- */

static void
test_probe_blank(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	g_autoptr(EscTokenInfo) info = NULL;
	g_autofree gchar *atr = NULL;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--blank", "--cuid", TEST_CUID, "--msn", TEST_MSN, NULL));
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	info = esc_token_probe_sync(card, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_BLANK);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, TEST_CUID);
	g_assert_cmpstr(esc_token_info_get_msn(info), ==, TEST_MSN);
	atr = tok_hex_encode_bytes(esc_token_info_get_atr(info), TRUE);
	g_assert_cmpstr(atr, ==, "3B80800101");
	g_assert_null(esc_token_info_get_applet_version(info));
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 0);
}

typedef struct {
	EscTokenInfo *info;
	GError *error;
	gboolean done;
} ProbeResult;

static gboolean
probe_result_done(gpointer data)
{
	return ((ProbeResult *)data)->done;
}

static void
probe_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ProbeResult *r = user_data;

	r->info = esc_token_probe_finish(ESC_CARD(source), res, &r->error);
	r->done = TRUE;
}

static void
test_probe_formatted(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	ProbeResult r = {NULL, NULL, FALSE};

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", TEST_CUID, NULL));
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	esc_token_probe_async(card, NULL, probe_done, &r);
	g_assert_true(pcsc_client_wait(probe_result_done, &r, PCSC_CLIENT_WAIT_MS));
	g_assert_no_error(r.error);
	g_assert_cmpint(esc_token_info_get_status(r.info), ==, ESC_TOKEN_STATUS_FORMATTED);
	g_assert_cmpstr(esc_token_info_get_cuid(r.info), ==, TEST_CUID);
	g_assert_cmpstr(esc_token_info_get_msn(r.info), ==, "01020304");
	g_assert_cmpstr(esc_token_info_get_applet_version(r.info), ==, "1.4");
	g_assert_cmpuint(esc_token_info_get_life_cycle(r.info), ==, 0x07);
	g_assert_null(esc_token_info_get_issuer_url(r.info));
	esc_token_info_unref(r.info);
}

static void
test_probe_enrolled(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	g_autoptr(EscTokenInfo) info = NULL;
	g_autoptr(PcscCa) ca = NULL;
	g_autoptr(PcscPersonalisation) perso = NULL;
	g_autofree gchar *cuid = NULL;
	const PcscPersonaliseParams params = {
	    .pin = "123456",
	    .pin_tries = 5,
	    .token_name = "Alice's token",
	    .common_name = "Alice Example",
	    .issuer_url = "http://127.0.0.1:9/tps/phoneHome",
	    .key_size = 1024,
	};
	EscCertificate *cert;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", TEST_CUID, "--scp", "2", NULL));
	g_assert_no_error(error);
	{
		g_autoptr(ThCard) th = th_card_connect_slot(f->pcsc, 0, &error);
		g_assert_no_error(error);
		ca = pcsc_ca_new("Test CA", &error);
		g_assert_no_error(error);
		g_assert_true(th_card_begin_transaction(th, &error));
		perso = pcsc_personalise(th, ca, &params, &error);
		g_assert_no_error(error);
		g_assert_true(th_card_end_transaction(th, &error));
	}
	card = esc_card_new(READER0);
	info = esc_token_probe_sync(card, NULL, &error);
	g_assert_no_error(error);
	cuid = tok_hex_encode_bytes(perso->cuid, TRUE);
	g_assert_cmpint(esc_token_info_get_status(info), ==, ESC_TOKEN_STATUS_ENROLLED);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, cuid);
	g_assert_cmpstr(esc_token_info_get_cuid(info), ==, TEST_CUID);
	g_assert_cmpuint(esc_token_info_get_life_cycle(info), ==, 0x0F);
	g_assert_cmpstr(esc_token_info_get_issuer_url(info), ==, params.issuer_url);
	g_assert_cmpstr(esc_token_info_get_token_name(info), ==, params.token_name);
	g_assert_cmpuint(esc_token_info_get_certificates(info)->len, ==, 1);
	cert = g_ptr_array_index(esc_token_info_get_certificates(info), 0);
	g_assert_true(g_bytes_equal(esc_certificate_get_der(cert), perso->certificate));
	g_assert_cmpstr(esc_certificate_get_label(cert), ==, "Alice Example");
	g_assert_nonnull(strstr(esc_certificate_get_subject(cert), "CN=Alice Example"));
	g_assert_cmpstr(esc_certificate_get_key_description(cert), ==, "RSA 1024 bits");
	g_assert_true(esc_certificate_is_valid_now(cert));
}

/* ---- jobs ------------------------------------------------------------------------------------ */

typedef struct {
	gint sent;   /* atomic */
	guint limit;
	gboolean done;
	GError *error;
	guint apdu_count;
} LoopJob;

/* SELECT the applet, then GET STATUS until something fails or @limit */
static gboolean
loop_job(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	LoopJob *lj = data;
	g_autoptr(GBytes) select = apdu_bytes(tok_coolkey_apdu_select());
	g_autoptr(GBytes) status = apdu_bytes(tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL));
	g_autoptr(GBytes) reply = esc_card_job_transmit(job, select, error);

	if (reply == NULL)
		return FALSE;
	g_assert_cmphex(reply_sw(reply), ==, 0x9000);
	for (guint i = 0; i < lj->limit; i++) {
		g_autoptr(GBytes) r = esc_card_job_transmit(job, status, error);

		lj->apdu_count = esc_card_job_get_apdu_count(job);
		if (r == NULL)
			return FALSE;
		g_assert_cmphex(reply_sw(r), ==, 0x9000);
		g_atomic_int_inc(&lj->sent);
		/* the test thread waits for progress in its main loop */
		if (i % 8 == 0)
			g_main_context_wakeup(NULL);
	}
	return TRUE;
}

static void
loop_job_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	LoopJob *lj = user_data;

	esc_card_run_job_finish(ESC_CARD(source), res, &lj->error);
	lj->done = TRUE;
}

static gboolean
loop_job_sent_20(gpointer data)
{
	return g_atomic_int_get(&((LoopJob *)data)->sent) >= 20 || ((LoopJob *)data)->done;
}

static void
test_transmit_removed(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	LoopJob lj = {0, 1000000, FALSE, NULL, 0};
	LoopJob again = {0, 3, FALSE, NULL, 0};
	ThPcscCard *vcard;

	if (f->pcsc == NULL)
		return;
	vcard = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	esc_card_run_job_async(card, TRUE, loop_job, &lj, NULL, NULL, loop_job_done, &lj);
	g_assert_true(pcsc_client_wait(loop_job_sent_20, &lj, PCSC_CLIENT_WAIT_MS));
	g_assert_false(lj.done);
	/* pulled in the middle of the job */
	g_assert_true(th_pcsc_stop_card(f->pcsc, vcard, &error));
	g_assert_no_error(error);
	g_assert_true(pcsc_client_wait_flag(&lj.done, PCSC_CLIENT_WAIT_MS));
	g_test_message("after %u APDUs: %s", lj.apdu_count, lj.error != NULL ? lj.error->message : "no error");
	g_assert_error(lj.error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
	g_assert_nonnull(strstr(lj.error->message, READER0));
	g_clear_error(&lj.error);

	/* no card now */
	g_assert_false(esc_card_run_job_sync(card, TRUE, loop_job, &again, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_CARD);
	g_clear_error(&error);

	/* inserted again: the same EscCard works */
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	g_assert_true(esc_card_run_job_sync(card, TRUE, loop_job, &again, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(again.apdu_count, ==, 4);
}

/* The card process killed (SIGKILL: no goodbye to vpcd) while a job sends APDUs back to back,
 * several times with the same EscCard: whichever APDU the kill hits (vpcd then answers
 * SCardTransmit with success and 0 bytes, or an error), the job fails CARD_REMOVED. */
static void
test_transmit_killed(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;

	if (f->pcsc == NULL)
		return;
	card = esc_card_new(READER0);
	for (guint round = 0; round < 4; round++) {
		LoopJob lj = {0, 1000000, FALSE, NULL, 0};
		ThPcscCard *vcard = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
		gint64 killed_at;

		g_assert_no_error(error);
		esc_card_run_job_async(card, TRUE, loop_job, &lj, NULL, NULL, loop_job_done, &lj);
		g_assert_true(pcsc_client_wait(loop_job_sent_20, &lj, PCSC_CLIENT_WAIT_MS));
		g_assert_false(lj.done);
		g_assert_true(th_pcsc_card_kill(vcard, SIGKILL, &error));
		g_assert_no_error(error);
		killed_at = g_get_monotonic_time();
		g_assert_true(pcsc_client_wait_flag(&lj.done, PCSC_CLIENT_WAIT_MS));
		g_test_message("round %u: killed after %u APDUs, failed %" G_GINT64_FORMAT " ms later: %s", round, lj.apdu_count,
			       (g_get_monotonic_time() - killed_at) / 1000, lj.error != NULL ? lj.error->message : "no error");
		g_assert_error(lj.error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
		g_assert_nonnull(strstr(lj.error->message, READER0));
		/* pcscd notices a removal within two polls of 0.4 s */
		g_assert_cmpint(g_get_monotonic_time() - killed_at, <, 5 * G_TIME_SPAN_SECOND);
		g_clear_error(&lj.error);
		g_assert_true(th_pcsc_wait_card(f->pcsc, 0, FALSE, TH_PCSC_CARD_TIMEOUT_MS, &error));
		g_assert_no_error(error);
	}
}

/* One APDU, then (@pause) the job waits for the test to kill the card before the next one. */
typedef struct {
	GMutex mutex;
	GCond cond;
	gboolean pause;	     /* between: wait for @go after the first APDU */
	gboolean first_sent; /* the first APDU was answered (or, without @pause, is about to go) */
	gboolean go;
	gboolean done;
	GError *error;
} KillJob;

static gboolean
kill_job(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	KillJob *kj = data;
	g_autoptr(GBytes) select = apdu_bytes(tok_coolkey_apdu_select());
	g_autoptr(GBytes) status = apdu_bytes(tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL));
	g_autoptr(GBytes) reply = NULL;

	if (kj->pause) {
		reply = esc_card_job_transmit(job, select, error);
		if (reply == NULL)
			return FALSE;
	}
	g_mutex_lock(&kj->mutex);
	kj->first_sent = TRUE;
	g_main_context_wakeup(NULL);
	while (kj->pause && !kj->go)
		g_cond_wait(&kj->cond, &kj->mutex);
	g_mutex_unlock(&kj->mutex);
	g_clear_pointer(&reply, g_bytes_unref);
	reply = esc_card_job_transmit(job, status, error);
	return reply != NULL;
}

static void
kill_job_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	KillJob *kj = user_data;

	esc_card_run_job_finish(ESC_CARD(source), res, &kj->error);
	kj->done = TRUE;
}

static gboolean
kill_job_first_sent(gpointer data)
{
	KillJob *kj = data;
	gboolean sent;

	g_mutex_lock(&kj->mutex);
	sent = kj->first_sent;
	g_mutex_unlock(&kj->mutex);
	return sent;
}

/* The card killed exactly between two APDUs of a job, or while it holds an APDU (stopped with
 * SIGSTOP, so the APDU is in flight when SIGKILL comes): the next / the pending transmit fails
 * CARD_REMOVED, not CARD ("answered with 0 bytes"). */
static void
test_transmit_killed_between_during(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;

	if (f->pcsc == NULL)
		return;
	card = esc_card_new(READER0);
	for (guint during = 0; during < 2; during++) {
		KillJob kj = {0};
		ThPcscCard *vcard = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
		gint64 killed_at;

		g_assert_no_error(error);
		g_mutex_init(&kj.mutex);
		g_cond_init(&kj.cond);
		kj.pause = !during;
		if (during)
			g_assert_cmpint(kill(th_pcsc_card_get_pid(vcard), SIGSTOP), ==, 0);
		esc_card_run_job_async(card, TRUE, kill_job, &kj, NULL, NULL, kill_job_done, &kj);
		g_assert_true(pcsc_client_wait(kill_job_first_sent, &kj, PCSC_CLIENT_WAIT_MS));
		/* during: the APDU reaches the stopped card and waits there */
		if (during)
			pcsc_client_run_for(500);
		g_assert_false(kj.done);
		g_assert_true(th_pcsc_card_kill(vcard, SIGKILL, &error));
		g_assert_no_error(error);
		killed_at = g_get_monotonic_time();
		g_mutex_lock(&kj.mutex);
		kj.go = TRUE;
		g_cond_broadcast(&kj.cond);
		g_mutex_unlock(&kj.mutex);
		g_assert_true(pcsc_client_wait_flag(&kj.done, PCSC_CLIENT_WAIT_MS));
		g_test_message("%s: failed %" G_GINT64_FORMAT " ms after the kill: %s", during ? "during" : "between",
			       (g_get_monotonic_time() - killed_at) / 1000, kj.error != NULL ? kj.error->message : "no error");
		g_assert_error(kj.error, ESC_ERROR, ESC_ERROR_CARD_REMOVED);
		g_assert_nonnull(strstr(kj.error->message, READER0));
		g_assert_cmpint(g_get_monotonic_time() - killed_at, <, 5 * G_TIME_SPAN_SECOND);
		g_clear_error(&kj.error);
		g_mutex_clear(&kj.mutex);
		g_cond_clear(&kj.cond);
		g_assert_true(th_pcsc_wait_card(f->pcsc, 0, FALSE, TH_PCSC_CARD_TIMEOUT_MS, &error));
		g_assert_no_error(error);
	}
}

static void
test_no_card_no_reader(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) empty = NULL;
	g_autoptr(EscCard) missing = NULL;
	LoopJob lj = {0, 1, FALSE, NULL, 0};

	if (f->pcsc == NULL)
		return;
	empty = esc_card_new(READER1);
	g_assert_false(esc_card_run_job_sync(empty, TRUE, loop_job, &lj, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_CARD);
	g_assert_nonnull(strstr(error->message, READER1));
	g_clear_error(&error);
	missing = esc_card_new("No Such Reader 00 00");
	g_assert_false(esc_card_run_job_sync(missing, FALSE, loop_job, &lj, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_READER);
	g_assert_nonnull(strstr(error->message, "SCARD_E_UNKNOWN_READER"));
}

/* A job without a transaction: SELECT; wait while the main thread resets the card from
 * another PC/SC connection; then GET STATUS. */
typedef struct {
	GMutex mutex;
	GCond cond;
	gboolean selected;
	gboolean reset_done;
	GBytes *fake_cuid; /* set as the known CUID first, or NULL to keep the probe's */
	gboolean done;
	GError *error;
} ResetJob;

static gboolean
reset_job(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	ResetJob *rj = data;
	g_autoptr(GBytes) select = apdu_bytes(tok_coolkey_apdu_select());
	g_autoptr(GBytes) status = apdu_bytes(tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL));
	g_autoptr(GBytes) reply = esc_card_job_transmit(job, select, error);

	if (reply == NULL)
		return FALSE;
	if (rj->fake_cuid != NULL)
		esc_card_job_set_cuid(job, rj->fake_cuid);
	g_mutex_lock(&rj->mutex);
	rj->selected = TRUE;
	g_cond_broadcast(&rj->cond);
	while (!rj->reset_done)
		g_cond_wait(&rj->cond, &rj->mutex);
	g_mutex_unlock(&rj->mutex);
	g_clear_pointer(&reply, g_bytes_unref);
	reply = esc_card_job_transmit(job, status, error);
	return reply != NULL;
}

static void
reset_job_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	ResetJob *rj = user_data;

	esc_card_run_job_finish(ESC_CARD(source), res, &rj->error);
	rj->done = TRUE;
}

static GError *
run_reset_job(ThPcsc *pcsc, EscCard *card, GBytes *fake_cuid)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) other = NULL;
	ResetJob rj = {0};

	g_mutex_init(&rj.mutex);
	g_cond_init(&rj.cond);
	rj.fake_cuid = fake_cuid;
	esc_card_run_job_async(card, FALSE, reset_job, &rj, NULL, NULL, reset_job_done, &rj);
	g_mutex_lock(&rj.mutex);
	while (!rj.selected)
		g_cond_wait(&rj.cond, &rj.mutex);
	g_mutex_unlock(&rj.mutex);
	other = th_card_connect_slot(pcsc, 0, &error);
	g_assert_no_error(error);
	g_assert_true(th_card_reset(other, &error));
	g_assert_no_error(error);
	g_mutex_lock(&rj.mutex);
	rj.reset_done = TRUE;
	g_cond_broadcast(&rj.cond);
	g_mutex_unlock(&rj.mutex);
	g_assert_true(pcsc_client_wait_flag(&rj.done, PCSC_CLIENT_WAIT_MS));
	g_mutex_clear(&rj.mutex);
	g_cond_clear(&rj.cond);
	return rj.error;
}

static void
test_reset(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	g_autoptr(EscTokenInfo) info = NULL;
	g_autoptr(GError) same = NULL;
	g_autoptr(GError) changed = NULL;
	g_autoptr(GBytes) fake = g_bytes_new_static("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A", 10);
	LoopJob lj = {0, 2, FALSE, NULL, 0};

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", TEST_CUID, NULL));
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	/* the probe tells the card its CUID */
	info = esc_token_probe_sync(card, NULL, &error);
	g_assert_no_error(error);

	same = run_reset_job(f->pcsc, card, NULL);
	g_assert_error(same, ESC_ERROR, ESC_ERROR_CARD);
	g_assert_nonnull(strstr(same->message, "reset by another application"));
	g_assert_nonnull(strstr(same->message, TEST_CUID));

	/* the connection was re-made: the next job works */
	g_assert_true(esc_card_run_job_sync(card, TRUE, loop_job, &lj, NULL, &error));
	g_assert_no_error(error);

	/* a card known by another CUID: it was replaced */
	changed = run_reset_job(f->pcsc, card, fake);
	g_assert_error(changed, ESC_ERROR, ESC_ERROR_CARD_CHANGED);
	g_assert_nonnull(strstr(changed->message, "0102030405060708090A"));
	g_assert_nonnull(strstr(changed->message, TEST_CUID));
}

static gboolean
cancel_when_sent(gpointer data)
{
	gpointer *pair = data;
	LoopJob *lj = pair[0];

	if (g_atomic_int_get(&lj->sent) >= 10) {
		g_cancellable_cancel(pair[1]);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
never_runs(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	g_error("a job cancelled before it started ran");
	return FALSE;
}

static void
test_cancel(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	LoopJob lj = {0, 1000000, FALSE, NULL, 0};
	LoopJob after = {0, 1, FALSE, NULL, 0};
	gpointer pair[2] = {&lj, cancellable};

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	esc_card_run_job_async(card, TRUE, loop_job, &lj, NULL, cancellable, loop_job_done, &lj);
	/* cancel from the main context once 10 APDUs went: the job stops between two */
	g_idle_add(cancel_when_sent, pair);
	g_assert_true(pcsc_client_wait_flag(&lj.done, PCSC_CLIENT_WAIT_MS));
	g_assert_error(lj.error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_assert_cmpint(g_atomic_int_get(&lj.sent), >=, 10);
	g_assert_cmpint(g_atomic_int_get(&lj.sent), <, 1000000);
	g_clear_error(&lj.error);
	/* cancelled before it starts: not run at all */
	g_assert_false(esc_card_run_job_sync(card, TRUE, never_runs, NULL, cancellable, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_CANCELLED);
	g_clear_error(&error);
	/* the card is fine afterwards (the transaction was ended) */
	g_assert_true(esc_card_run_job_sync(card, TRUE, loop_job, &after, NULL, &error));
	g_assert_no_error(error);
}

typedef struct {
	GMutex mutex;
	GPtrArray *ran;	 /* indices as the jobs ran */
	GPtrArray *done; /* indices as the callbacks came */
	EscCard *card;
} OrderState;

typedef struct {
	OrderState *state;
	guint index;
} OrderJob;

static gboolean
order_job(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error)
{
	OrderJob *oj = data;
	g_autoptr(GBytes) atr = esc_card_job_get_atr(job);
	g_autoptr(GBytes) select = apdu_bytes(tok_coolkey_apdu_select());
	g_autoptr(GBytes) reply = NULL;

	g_assert_cmpuint(g_bytes_get_size(atr), ==, 5);
	g_assert_cmpstr(esc_card_job_get_reader(job), ==, READER0);
	g_assert_cmpuint(esc_card_job_get_apdu_count(job), ==, 0);
	reply = esc_card_job_transmit_full(job, select, error);
	if (reply == NULL)
		return FALSE;
	g_assert_cmpuint(esc_card_job_get_apdu_count(job), ==, 1);
	g_mutex_lock(&oj->state->mutex);
	g_ptr_array_add(oj->state->ran, GUINT_TO_POINTER(oj->index));
	g_mutex_unlock(&oj->state->mutex);
	if (oj->index == 2) {
		/* waiting for a job of the same card from inside a job would never end */
		g_autoptr(GError) nested = NULL;

		g_assert_false(esc_card_run_job_sync(oj->state->card, FALSE, never_runs, NULL, NULL, &nested));
		g_assert_error(nested, ESC_ERROR, ESC_ERROR_FAILED);
	}
	return TRUE;
}

static void
order_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
	OrderJob *oj = user_data;
	g_autoptr(GError) error = NULL;

	g_assert_true(esc_card_run_job_finish(ESC_CARD(source), res, &error));
	g_assert_no_error(error);
	g_ptr_array_add(oj->state->done, GUINT_TO_POINTER(oj->index));
	g_free(oj);
}

static gboolean
order_all_done(gpointer data)
{
	return ((OrderState *)data)->done->len == 5;
}

static void
test_order(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	OrderState state;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	g_mutex_init(&state.mutex);
	state.ran = g_ptr_array_new();
	state.done = g_ptr_array_new();
	state.card = card;
	for (guint i = 0; i < 5; i++) {
		OrderJob *oj = g_new0(OrderJob, 1);

		oj->state = &state;
		oj->index = i;
		esc_card_run_job_async(card, i % 2 == 1, order_job, oj, NULL, NULL, order_done, oj);
	}
	g_assert_true(pcsc_client_wait(order_all_done, &state, PCSC_CLIENT_WAIT_MS));
	for (guint i = 0; i < 5; i++) {
		g_assert_cmpuint(GPOINTER_TO_UINT(g_ptr_array_index(state.ran, i)), ==, i);
		g_assert_cmpuint(GPOINTER_TO_UINT(g_ptr_array_index(state.done, i)), ==, i);
	}
	g_ptr_array_unref(state.ran);
	g_ptr_array_unref(state.done);
	g_mutex_clear(&state.mutex);
}

static void
test_pcscd_restart(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(EscCard) card = NULL;
	g_autoptr(ThPcsc) next = NULL;
	LoopJob lj = {0, 1, FALSE, NULL, 0};
	LoopJob busy = {0, 1000000, FALSE, NULL, 0};

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	card = esc_card_new(READER0);
	g_assert_true(esc_card_run_job_sync(card, TRUE, loop_job, &lj, NULL, &error));
	g_assert_no_error(error);
	/* pcscd killed in the middle of a job */
	esc_card_run_job_async(card, TRUE, loop_job, &busy, NULL, NULL, loop_job_done, &busy);
	g_assert_true(pcsc_client_wait(loop_job_sent_20, &busy, PCSC_CLIENT_WAIT_MS));
	g_assert_true(th_pcsc_kill_pcscd(f->pcsc, SIGKILL, &error));
	g_assert_no_error(error);
	g_assert_true(pcsc_client_wait_flag(&busy.done, PCSC_CLIENT_WAIT_MS));
	g_test_message("pcscd killed after %u APDUs: %s", busy.apdu_count, busy.error != NULL ? busy.error->message : "no error");
	g_assert_error(busy.error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	g_clear_error(&busy.error);
	g_assert_false(esc_card_run_job_sync(card, TRUE, loop_job, &lj, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	g_clear_error(&error);
	g_assert_false(esc_card_run_job_sync(card, TRUE, loop_job, &lj, NULL, &error));
	g_assert_error(error, ESC_ERROR, ESC_ERROR_NO_SERVICE);
	g_clear_error(&error);
	/* pcscd back with a card: the worker makes a new context */
	next = th_pcsc_new(NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(th_pcsc_plug_vcard(next, 0, &error, NULL));
	g_assert_no_error(error);
	g_assert_true(esc_card_run_job_sync(card, TRUE, loop_job, &lj, NULL, &error));
	g_assert_no_error(error);
	g_clear_object(&card);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/esc/card/probe/blank", NULL, test_probe_blank);
	TH_PCSC_TEST_ADD("/esc/card/probe/formatted", NULL, test_probe_formatted);
	TH_PCSC_TEST_ADD("/esc/card/probe/enrolled", NULL, test_probe_enrolled);
	TH_PCSC_TEST_ADD("/esc/card/transmit/removed", NULL, test_transmit_removed);
	TH_PCSC_TEST_ADD("/esc/card/transmit/killed", NULL, test_transmit_killed);
	TH_PCSC_TEST_ADD("/esc/card/transmit/killed-between-during", NULL, test_transmit_killed_between_during);
	TH_PCSC_TEST_ADD("/esc/card/connect/no-card-no-reader", NULL, test_no_card_no_reader);
	TH_PCSC_TEST_ADD("/esc/card/transmit/reset", NULL, test_reset);
	TH_PCSC_TEST_ADD("/esc/card/job/cancel", NULL, test_cancel);
	TH_PCSC_TEST_ADD("/esc/card/job/order", NULL, test_order);
	TH_PCSC_TEST_ADD("/esc/card/pcscd-restart", NULL, test_pcscd_restart);
	return g_test_run();
}
