/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Several instances and failures: two harness instances (each its own pcscd) with a card
 * each, driven in parallel from two threads of one process; a card or a pcscd killed under
 * a connected client gives PC/SC errors quickly, and the harness reports what died.
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <winscard.h>

#include "pcsc-personalise.h"
#include "th-pcsc.h"
#include "tok-bytes.h"
#include "tok-coolkey-apdu.h"
#include "tok-error.h"

#define PARALLEL_APDUS 300
#define ERROR_BOUND_US (5 * G_USEC_PER_SEC) /* a dead peer must not take longer than this */

static const gchar cuid_a[] = "A0A1A2A3A4A5A6A7A8A9";
static const gchar cuid_b[] = "B0B1B2B3B4B5B6B7B8B9";

static gchar *
read_cuid_hex(ThCard *card)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) cuid = pcsc_read_cuid(card, &error);

	g_assert_no_error(error);
	return tok_hex_encode_bytes(cuid, TRUE);
}

static gpointer
get_status_loop(gpointer data)
{
	ThCard *card = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TokApdu) status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	guint ok = 0;

	if (!th_card_begin_transaction(card, &error))
		return GUINT_TO_POINTER(0);
	for (guint i = 0; i < PARALLEL_APDUS; i++) {
		g_autoptr(GBytes) data_out = th_card_command(card, status, "GET STATUS", &error);
		if (data_out == NULL || g_bytes_get_size(data_out) != TOK_COOLKEY_STATUS_SIZE)
			break;
		ok++;
	}
	th_card_end_transaction(card, NULL);
	return GUINT_TO_POINTER(ok);
}

static void
test_two_instances(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThPcsc) other = NULL;
	g_autoptr(ThCard) card_a = NULL;
	g_autoptr(ThCard) card_b = NULL;
	g_autofree gchar *got_a = NULL;
	g_autofree gchar *got_b = NULL;
	GThread *thread_a;
	GThread *thread_b;
	guint done_a;
	guint done_b;

	if (f->pcsc == NULL)
		return;
	other = th_pcsc_new(NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(th_pcsc_get_socket(f->pcsc), !=, th_pcsc_get_socket(other));
	/* the same vpcd port in both: each instance has its own network namespace */
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, "--cuid", cuid_a, NULL));
	g_assert_no_error(error);
	g_assert_nonnull(
	    th_pcsc_plug_vcard(other, 0, &error, "--cuid", cuid_b, "--scp", "3", NULL));
	g_assert_no_error(error);

	/* one process, a context in each daemon */
	card_a = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	card_b = th_card_connect_slot(other, 0, &error);
	g_assert_no_error(error);
	got_a = read_cuid_hex(card_a);
	got_b = read_cuid_hex(card_b);
	g_assert_cmpstr(got_a, ==, cuid_a);
	g_assert_cmpstr(got_b, ==, cuid_b);
	g_assert_true(pcsc_select_coolkey(card_a, &error));
	g_assert_true(pcsc_select_coolkey(card_b, &error));
	g_assert_no_error(error);

	/* both at the same time, one thread (and one context) each */
	thread_a = g_thread_new("card-a", get_status_loop, card_a);
	thread_b = g_thread_new("card-b", get_status_loop, card_b);
	done_a = GPOINTER_TO_UINT(g_thread_join(thread_a));
	done_b = GPOINTER_TO_UINT(g_thread_join(thread_b));
	g_assert_cmpuint(done_a, ==, PARALLEL_APDUS);
	g_assert_cmpuint(done_b, ==, PARALLEL_APDUS);

	/* stock tools see each instance's own card */
	{
		const gchar *argv[] = {"opensc-tool", "--name", NULL};
		g_autofree gchar *out_a = NULL;
		g_autofree gchar *out_b = NULL;
		gint status_a = -1;
		gint status_b = -1;
		g_autofree gchar *tool = g_find_program_in_path("opensc-tool");

		if (tool != NULL) {
			g_assert_true(
			    th_pcsc_run(f->pcsc, argv, 30000, &status_a, &out_a, NULL, &error));
			g_assert_true(
			    th_pcsc_run(other, argv, 30000, &status_b, &out_b, NULL, &error));
			g_assert_no_error(error);
			g_assert_cmpint(status_a, ==, 0);
			g_assert_cmpint(status_b, ==, 0);
			g_assert_cmpstr(g_strstrip(out_a), ==, "COOLKEY");
			g_assert_cmpstr(g_strstrip(out_b), ==, "COOLKEY");
		}
	}
	g_assert_true(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_true(th_pcsc_check_alive(other, &error));
	g_assert_no_error(error);
}

static gboolean
rv_in(glong rv, const glong *allowed, gsize n)
{
	for (gsize i = 0; i < n; i++) {
		if (rv == allowed[i])
			return TRUE;
	}
	return FALSE;
}

static void
test_card_killed(ThPcscFixture *f, gconstpointer data)
{
	const glong allowed[] = {SCARD_W_REMOVED_CARD,
				 SCARD_E_NO_SMARTCARD,
				 SCARD_E_NOT_TRANSACTED,
				 SCARD_W_RESET_CARD,
				 SCARD_W_UNPOWERED_CARD,
				 SCARD_E_READER_UNAVAILABLE};
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(ThCard) again = NULL;
	g_autoptr(TokApdu) status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(GBytes) before = NULL;
	g_autoptr(GBytes) after = NULL;
	ThPcscCard *vcard;
	gint64 start;

	if (f->pcsc == NULL)
		return;
	vcard = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_true(th_card_begin_transaction(card, &error));
	g_assert_no_error(error);
	before = th_card_command(card, status, "GET STATUS", &error);
	g_assert_no_error(error);

	/* the card process dies in the middle of a transaction */
	g_assert_true(th_pcsc_card_kill(vcard, SIGKILL, &error));
	g_assert_no_error(error);
	start = g_get_monotonic_time();
	after = th_card_command(card, status, "GET STATUS", &error);
	g_assert_null(after);
	g_assert_nonnull(error);
	g_test_message("transmit to a killed card: %s", error->message);
	g_assert_true(error->domain == TH_SCARD_ERROR);
	g_assert_true(rv_in((glong)(guint32)error->code, allowed, G_N_ELEMENTS(allowed)));
	g_assert_cmpint(g_get_monotonic_time() - start, <, ERROR_BOUND_US);
	g_clear_error(&error);

	/* the harness says what happened */
	g_assert_false(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_assert_nonnull(strstr(error->message, "killed by signal 9"));
	g_clear_error(&error);

	/* once pcscd has seen the removal, a new connection finds no card */
	g_assert_true(th_pcsc_wait_card(f->pcsc, 0, FALSE, TH_PCSC_CARD_TIMEOUT_MS, &error));
	g_assert_no_error(error);
	start = g_get_monotonic_time();
	again = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_null(again);
	g_assert_error(error, TH_SCARD_ERROR, TH_SCARD_CODE(SCARD_E_NO_SMARTCARD));
	g_assert_cmpint(g_get_monotonic_time() - start, <, ERROR_BOUND_US);
	g_clear_error(&error);

	/* a new card in the slot works, the old handle does not */
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	g_clear_pointer(&after, g_bytes_unref);
	after = th_card_command(card, status, "GET STATUS", &error);
	g_assert_null(after);
	g_assert_true(error->domain == TH_SCARD_ERROR);
	g_clear_error(&error);
	again = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	g_assert_true(pcsc_select_coolkey(again, &error));
	g_assert_no_error(error);
	after = th_card_command(again, status, "GET STATUS", &error);
	g_assert_no_error(error);
	g_assert_true(g_bytes_equal(before, after));
	g_assert_true(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_no_error(error);
}

static void
test_pcscd_killed(ThPcscFixture *f, gconstpointer data)
{
	const glong allowed[] = {SCARD_E_NO_SERVICE,
				 SCARD_F_COMM_ERROR,
				 SCARD_E_INVALID_HANDLE,
				 SCARD_E_SERVICE_STOPPED,
				 SCARD_E_READER_UNAVAILABLE};
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(TokApdu) status = tok_coolkey_apdu_get_status(TOK_COOLKEY_STATUS_GENERAL);
	g_autoptr(GBytes) before = NULL;
	g_autoptr(GBytes) after = NULL;
	gint64 start;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	card = th_card_connect_slot(f->pcsc, 0, &error);
	g_assert_no_error(error);
	g_assert_true(pcsc_select_coolkey(card, &error));
	g_assert_no_error(error);
	before = th_card_command(card, status, "GET STATUS", &error);
	g_assert_no_error(error);

	g_assert_true(th_pcsc_kill_pcscd(f->pcsc, SIGKILL, &error));
	g_assert_no_error(error);
	start = g_get_monotonic_time();
	after = th_card_command(card, status, "GET STATUS", &error);
	g_assert_null(after);
	g_assert_nonnull(error);
	g_test_message("transmit after pcscd died: %s", error->message);
	g_assert_true(error->domain == TH_SCARD_ERROR);
	g_assert_true(rv_in((glong)(guint32)error->code, allowed, G_N_ELEMENTS(allowed)));
	g_assert_cmpint(g_get_monotonic_time() - start, <, ERROR_BOUND_US);
	g_clear_error(&error);

	g_assert_false(th_pcsc_check_alive(f->pcsc, &error));
	g_assert_error(error, TH_PCSC_ERROR, TH_PCSC_ERROR_DIED);
	g_assert_nonnull(strstr(error->message, "pcscd was killed by signal 9"));
	g_clear_error(&error);

	/* a new client: no service, at once */
	start = g_get_monotonic_time();
	g_assert_null(th_card_connect_slot(f->pcsc, 0, &error));
	g_assert_error(error, TH_SCARD_ERROR, TH_SCARD_CODE(SCARD_E_NO_SERVICE));
	g_assert_cmpint(g_get_monotonic_time() - start, <, ERROR_BOUND_US);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/pcsc/robustness/two-instances", NULL, test_two_instances);
	TH_PCSC_TEST_ADD("/pcsc/robustness/card-killed", NULL, test_card_killed);
	TH_PCSC_TEST_ADD("/pcsc/robustness/pcscd-killed", NULL, test_pcscd_killed);
	return g_test_run();
}
