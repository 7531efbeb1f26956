/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscReaderMonitor against a real pcscd + vpcd + esc-vcard (tests/harness): readers and cards
 * announced live, the monitor thread blocked (not polling) while nothing happens, pcscd killed
 * and started again, and a monitor started before pcscd.
 */
#include "config.h"

#include <signal.h>
#include <sys/resource.h>

#include "esc-reader-monitor.h"
#include "pcsc-client-util.h"
#include "th-pcsc.h"

#define READER0 "Virtual PCD 00 00"
#define READER1 "Virtual PCD 00 01"
#define VCARD_ATR "3B80800101"

static gint64
process_cpu_us(void)
{
	struct rusage ru;

	g_assert_cmpint(getrusage(RUSAGE_SELF, &ru), ==, 0);
	return (gint64)ru.ru_utime.tv_sec * G_USEC_PER_SEC + ru.ru_utime.tv_usec + (gint64)ru.ru_stime.tv_sec * G_USEC_PER_SEC +
	       ru.ru_stime.tv_usec;
}

static void
test_live(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(EscReaderMonitor) monitor = NULL;
	g_autoptr(PcscClientEvents) ev = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) readers = NULL;
	g_autoptr(GBytes) atr = NULL;
	g_autofree gchar *atr_hex = NULL;
	ThPcscCard *card;
	guint64 ticks_before = 0, ticks_after = 0;
	gchar state = 0;
	gint64 cpu_before, cpu_after;

	if (f->pcsc == NULL)
		return;
	monitor = esc_reader_monitor_new();
	ev = pcsc_client_events_new(monitor);
	/* not known until the thread reached pcscd: then "service:1" first, before the readers */
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	g_assert_true(esc_reader_monitor_start(monitor, &error));
	g_assert_no_error(error);
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	g_assert_cmpint(pcsc_client_wait_event(ev, "service:1"), ==, 0);
	g_assert_true(esc_reader_monitor_get_service_available(monitor));
	pcsc_client_wait_event(ev, "reader-added:" READER0);
	pcsc_client_wait_event(ev, "reader-added:" READER1);
	readers = esc_reader_monitor_get_readers(monitor);
	g_assert_cmpuint(g_strv_length(readers), ==, 2);
	g_assert_cmpstr(readers[0], ==, READER0);
	g_assert_cmpstr(readers[1], ==, READER1);
	g_assert_null(esc_reader_monitor_get_atr(monitor, READER0));
	g_assert_true(esc_reader_monitor_get_service_available(monitor));

	/* a card comes */
	card = th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL);
	g_assert_no_error(error);
	g_assert_nonnull(card);
	pcsc_client_wait_event(ev, "card-inserted:" READER0 ":" VCARD_ATR);
	atr = esc_reader_monitor_get_atr(monitor, READER0);
	g_assert_nonnull(atr);
	atr_hex = tok_hex_encode_bytes(atr, TRUE);
	g_assert_cmpstr(atr_hex, ==, VCARD_ATR);
	g_assert_null(esc_reader_monitor_get_atr(monitor, READER1));

	/* nothing happens for a second: no event, the monitor thread sleeps in pcscd's wait */
	g_ptr_array_set_size(ev->events, 0);
	g_assert_true(pcsc_client_thread_stat("esc-reader-mon", &state, &ticks_before));
	cpu_before = process_cpu_us();
	pcsc_client_run_for(1000);
	cpu_after = process_cpu_us();
	g_assert_true(pcsc_client_thread_stat("esc-reader-mon", &state, &ticks_after));
	g_test_message("idle second: process CPU %" G_GINT64_FORMAT " us, monitor thread %" G_GUINT64_FORMAT " ticks, state %c",
		       cpu_after - cpu_before, ticks_after - ticks_before, state);
	g_assert_cmpuint(ev->events->len, ==, 0);
	g_assert_cmpint(state, ==, 'S');
	g_assert_cmpuint(ticks_after - ticks_before, <=, 1);
	g_assert_cmpint(cpu_after - cpu_before, <, 100 * 1000);

	/* the card goes, and comes back */
	g_assert_true(th_pcsc_stop_card(f->pcsc, card, &error));
	g_assert_no_error(error);
	pcsc_client_wait_event(ev, "card-removed:" READER0);
	g_assert_null(esc_reader_monitor_get_atr(monitor, READER0));
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 1, &error, NULL));
	g_assert_no_error(error);
	pcsc_client_wait_event(ev, "card-inserted:" READER1 ":" VCARD_ATR);
	g_assert_cmpint(pcsc_client_events_index(ev, "reader-removed:" READER0), ==, -1);

	/* stopped: no more signals, nothing known */
	esc_reader_monitor_stop(monitor);
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	g_ptr_array_set_size(ev->events, 0);
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	pcsc_client_run_for(300);
	g_assert_cmpuint(ev->events->len, ==, 0);
	g_clear_pointer(&readers, g_strfreev);
	readers = esc_reader_monitor_get_readers(monitor);
	g_assert_cmpuint(g_strv_length(readers), ==, 0);

	/* started again: what is there now is announced */
	g_assert_true(esc_reader_monitor_start(monitor, &error));
	g_assert_cmpint(pcsc_client_wait_event(ev, "service:1"), ==, 0);
	pcsc_client_wait_event(ev, "card-inserted:" READER0 ":" VCARD_ATR);
	pcsc_client_wait_event(ev, "card-inserted:" READER1 ":" VCARD_ATR);
}

static void
test_pcscd_restart(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(EscReaderMonitor) monitor = NULL;
	g_autoptr(PcscClientEvents) ev = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(ThPcsc) next = NULL;
	g_auto(GStrv) readers = NULL;
	gint removed, gone, down, up, added;

	if (f->pcsc == NULL)
		return;
	g_assert_nonnull(th_pcsc_plug_vcard(f->pcsc, 0, &error, NULL));
	g_assert_no_error(error);
	monitor = esc_reader_monitor_new();
	ev = pcsc_client_events_new(monitor);
	g_assert_true(esc_reader_monitor_start(monitor, &error));
	pcsc_client_wait_event(ev, "card-inserted:" READER0 ":" VCARD_ATR);
	g_ptr_array_set_size(ev->events, 0);

	/* pcscd dies: the card and the readers go, then the service */
	g_assert_true(th_pcsc_kill_pcscd(f->pcsc, SIGKILL, &error));
	g_assert_no_error(error);
	down = pcsc_client_wait_event(ev, "service:0");
	removed = pcsc_client_events_index(ev, "card-removed:" READER0);
	gone = pcsc_client_events_index(ev, "reader-removed:" READER0);
	g_assert_cmpint(removed, >=, 0);
	g_assert_cmpint(removed, <, gone);
	g_assert_cmpint(gone, <, down);
	g_assert_cmpint(pcsc_client_events_index(ev, "reader-removed:" READER1), <, down);
	g_assert_false(esc_reader_monitor_get_service_available(monitor));
	readers = esc_reader_monitor_get_readers(monitor);
	g_assert_cmpuint(g_strv_length(readers), ==, 0);

	/* a while without pcscd: no more events (the thread waits with a back-off) */
	pcsc_client_run_for(1500);
	g_assert_cmpint((gint)ev->events->len, ==, down + 1);

	/* pcscd is back (a new instance, the same reader names) with a card */
	next = th_pcsc_new(NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(th_pcsc_plug_vcard(next, 0, &error, "--cuid", "0102030405060708090A", NULL));
	g_assert_no_error(error);
	up = pcsc_client_wait_event(ev, "service:1");
	added = pcsc_client_wait_event(ev, "card-inserted:" READER0 ":" VCARD_ATR);
	g_assert_cmpint(up, <, added);
	g_assert_cmpint(pcsc_client_events_index(ev, "reader-added:" READER0), >, up);
	g_assert_true(esc_reader_monitor_get_service_available(monitor));
	g_clear_pointer(&readers, g_strfreev);
	readers = esc_reader_monitor_get_readers(monitor);
	g_assert_cmpuint(g_strv_length(readers), ==, 2);
	esc_reader_monitor_stop(monitor);
}

static void
test_start_without_pcscd(ThPcscFixture *f, gconstpointer data)
{
	g_autoptr(EscReaderMonitor) monitor = NULL;
	g_autoptr(PcscClientEvents) ev = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(ThPcsc) next = NULL;
	gint up;

	if (f->pcsc == NULL)
		return;
	g_assert_true(th_pcsc_kill_pcscd(f->pcsc, SIGKILL, &error));
	g_assert_no_error(error);
	monitor = esc_reader_monitor_new();
	ev = pcsc_client_events_new(monitor);
	g_assert_true(esc_reader_monitor_start(monitor, &error));
	g_assert_no_error(error);
	g_assert_cmpint(pcsc_client_wait_event(ev, "service:0"), ==, 0);
	next = th_pcsc_new(NULL, &error);
	g_assert_no_error(error);
	up = pcsc_client_wait_event(ev, "service:1");
	g_assert_cmpint(up, ==, 1);
	pcsc_client_wait_event(ev, "reader-added:" READER0);
	g_assert_nonnull(th_pcsc_plug_vcard(next, 0, &error, NULL));
	g_assert_no_error(error);
	pcsc_client_wait_event(ev, "card-inserted:" READER0 ":" VCARD_ATR);
	g_object_unref(g_steal_pointer(&monitor));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	TH_PCSC_TEST_ADD("/esc/reader-monitor/live", NULL, test_live);
	TH_PCSC_TEST_ADD("/esc/reader-monitor/pcscd-restart", NULL, test_pcscd_restart);
	TH_PCSC_TEST_ADD("/esc/reader-monitor/start-without-pcscd", NULL, test_start_without_pcscd);
	return g_test_run();
}
