/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-apdu [N]: APDU round trips per second to esc-vcard through the real PC/SC stack
 * (SCardTransmit -> private pcscd -> vpcd -> esc-vcard and back), against the same APDUs
 * sent to the same card model in process (vcard_card_transmit) as the baseline of the run.
 * The APDU is GET STATUS (B0 3C 00 00 10 -> 16 bytes + 9000) with the CoolKey applet
 * selected; N defaults to 2000. Prints per-APDU p50 / p99 / mean, APDUs per second and the
 * ratio. Exit 77 (skipped) when the PC/SC harness cannot run here.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "th-card.h"
#include "th-pcsc.h"
#include "vcard-card.h"

#define BENCH_DEFAULT_N 2000
#define BENCH_WARMUP	50

static const guint8 bench_select[] =
    {0x00, 0xA4, 0x04, 0x00, 0x07, 0x62, 0x76, 0x01, 0xFF, 0x00, 0x00, 0x00};
static const guint8 bench_get_status[] = {0xB0, 0x3C, 0x00, 0x00, 0x10};

typedef struct {
	const gchar *name;
	gdouble *us; /* per-APDU times, sorted after the run */
	guint n;
	gdouble total_us;
} BenchRun;

/* One round trip: the response (data || SW). */
typedef GBytes *(*BenchTransmit)(gpointer target, const guint8 *apdu, gsize len, GError **error);

static GBytes *
bench_transmit_pcsc(gpointer target, const guint8 *apdu, gsize len, GError **error)
{
	return th_card_transmit_raw(target, apdu, len, error);
}

static GBytes *
bench_transmit_vcard(gpointer target, const guint8 *apdu, gsize len, GError **error)
{
	return vcard_card_transmit(target, apdu, len, error);
}

/* Nanosecond clock: in process, one APDU takes well under a microsecond. */
static gdouble
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gdouble)ts.tv_sec * 1e6 + (gdouble)ts.tv_nsec / 1e3;
}

static gint
bench_cmp(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;
	return (x > y) - (x < y);
}

/* The GET STATUS answer: 16 bytes and 90 00. */
static gboolean
bench_check(GBytes *response, GError **error)
{
	gsize len = 0;
	const guint8 *data = response != NULL ? g_bytes_get_data(response, &len) : NULL;

	if (data == NULL || len != 18 || data[16] != 0x90 || data[17] != 0x00) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FAILED,
			    "GET STATUS answered with %" G_GSIZE_FORMAT " bytes, not 16 + 9000",
			    len);
		return FALSE;
	}
	return TRUE;
}

static gboolean
bench_run(BenchRun *run, BenchTransmit transmit, gpointer target, GError **error)
{
	g_autoptr(GBytes) selected = transmit(target, bench_select, sizeof(bench_select), error);
	gdouble start;

	if (selected == NULL)
		return FALSE;
	for (guint i = 0; i < BENCH_WARMUP; i++) {
		g_autoptr(GBytes) r =
		    transmit(target, bench_get_status, sizeof(bench_get_status), error);
		if (!bench_check(r, error))
			return FALSE;
	}
	start = bench_now_us();
	for (guint i = 0; i < run->n; i++) {
		gdouble t0 = bench_now_us();
		g_autoptr(GBytes) r =
		    transmit(target, bench_get_status, sizeof(bench_get_status), error);
		run->us[i] = bench_now_us() - t0;
		if (!bench_check(r, error))
			return FALSE;
	}
	run->total_us = bench_now_us() - start;
	qsort(run->us, run->n, sizeof(gdouble), bench_cmp);
	return TRUE;
}

static gdouble
bench_p(const BenchRun *run, guint percent)
{
	guint i = run->n * percent / 100;
	return run->us[MIN(i, run->n - 1)];
}

static void
bench_print(const BenchRun *runs, guint n_runs)
{
	g_print("%-28s %10s %10s %10s %12s\n",
		"path",
		"p50 (us)",
		"p99 (us)",
		"mean (us)",
		"APDU/s");
	for (guint i = 0; i < n_runs; i++) {
		const BenchRun *r = &runs[i];
		gdouble mean = r->total_us / r->n;
		g_print("%-28s %10.2f %10.2f %10.2f %12.0f\n",
			r->name,
			bench_p(r, 50),
			bench_p(r, 99),
			mean,
			1e6 / mean);
	}
	if (n_runs == 2) {
		g_print("%-28s %9.1fx %9.1fx %9.1fx\n",
			"ratio PC/SC : in-process",
			bench_p(&runs[0], 50) / MAX(bench_p(&runs[1], 50), 0.001),
			bench_p(&runs[0], 99) / MAX(bench_p(&runs[1], 99), 0.001),
			runs[0].total_us / MAX(runs[1].total_us, 0.001));
		g_print("(ratio columns: p50, p99 and mean of PC/SC divided by in-process)\n");
	}
}

static int
bench_main(guint n)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThPcsc) pcsc = NULL;
	g_autoptr(ThCard) card = NULL;
	g_autoptr(VcardCard) vcard = NULL;
	g_autofree gdouble *pcsc_us = g_new0(gdouble, n);
	g_autofree gdouble *vcard_us = g_new0(gdouble, n);
	BenchRun runs[2] = {
	    {"PC/SC (pcscd + vpcd)", pcsc_us, n, 0},
	    {"in-process (vcard)", vcard_us, n, 0},
	};
	VcardCardConfig config;

	if (!th_pcsc_check_available(&error) || th_pcsc_card_program() == NULL) {
		g_print("SKIP: %s\n",
			error != NULL ? error->message : "esc-vcard not found ($TH_ESC_VCARD)");
		return 77;
	}
	pcsc = th_pcsc_new(NULL, &error);
	if (pcsc == NULL || th_pcsc_plug_vcard(pcsc, 0, &error, NULL) == NULL ||
	    (card = th_card_connect_slot(pcsc, 0, &error)) == NULL ||
	    !th_card_begin_transaction(card, &error) ||
	    !bench_run(&runs[0], bench_transmit_pcsc, card, &error)) {
		g_printerr("bench-apdu: PC/SC: %s\n", error->message);
		return 1;
	}
	th_card_end_transaction(card, NULL);

	vcard_card_config_init(&config);
	vcard = vcard_card_new(&config, &error);
	if (vcard == NULL) {
		g_printerr("bench-apdu: in-process card: %s\n", error->message);
		return 1;
	}
	vcard_card_power_on(vcard);
	if (!bench_run(&runs[1], bench_transmit_vcard, vcard, &error)) {
		g_printerr("bench-apdu: in-process: %s\n", error->message);
		return 1;
	}
	g_print("GET STATUS (B0 3C 00 00 10 -> 16 bytes + 9000) round trips, N = %u each "
		"(after %u warm-up APDUs), esc-vcard %s\n",
		n,
		(guint)BENCH_WARMUP,
		th_pcsc_card_program());
	bench_print(runs, G_N_ELEMENTS(runs));
	return 0;
}

int
main(int argc, char **argv)
{
	gint64 n = argc > 1 ? g_ascii_strtoll(argv[1], NULL, 10) : BENCH_DEFAULT_N;

	if (n < 1 || n > 10000000) {
		g_printerr("usage: bench-apdu [N]   (1 <= N <= 10000000, default %d)\n",
			   BENCH_DEFAULT_N);
		return 2;
	}
	return bench_main((guint)n);
}
