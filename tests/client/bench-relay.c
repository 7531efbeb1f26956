/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-relay [N]: the relay's overhead. ENROLL wall time through escctl (process start,
 * token probe, TLS to tpsd, the TPS's work, every APDU relayed through libesc-core) versus
 * the same APDUs sent directly to the same card by this program over PC/SC, in the same run;
 * the median of N runs (default 9).
 *
 * Each run:
 *  1. a fresh esc-vcard (random CUID, state file) is FORMATted through escctl (not timed), then
 *     its state file is copied: the card as it was before ENROLL;
 *  2. the card is restarted with a full APDU trace (--log --log-data) and `escctl enroll` is
 *     timed;
 *  3. the trace is read back: every command and the status word the card gave. Each recorded
 *     secure channel is re-derived on the card's side with libtok-gp from the recorded
 *     INITIALIZE UPDATE exchange and the card's static (developer) keys: the session's
 *     INITIALIZE UPDATE response must come out exactly as recorded, the recorded EXTERNAL
 *     AUTHENTICATE must verify, and every recorded wrapped command is unwrapped (MAC checked,
 *     data decrypted) to its plain form, which must equal the plain command the card logged;
 *  4. the card state from step 1 is restored and the card restarted; then, timed, this program
 *     connects, begins a transaction and sends the same commands: plain ones as recorded, at
 *     each recorded INITIALIZE UPDATE it opens its own secure channel (INITIALIZE UPDATE +
 *     EXTERNAL AUTHENTICATE at the recorded security level, host side of libtok-gp), and
 *     each recorded wrapped command is sent as its plain form re-wrapped in that channel, so
 *     the card does the same work (key generation, object writes). Every status word must
 *     equal the recorded one.
 *
 * Prints each run and the medians: escctl ENROLL wall time, direct wall time, APDU count, and
 * overhead = escctl time / direct time. The card's RSA key generation dominates both and varies
 * from run to run, so the same is also shown without the card's own time (taken from the time
 * stamps of its trace, command to response): what the relay path, or this program, added on
 * the host side. Skipped when the PC/SC harness, tpsd, escctl or
 * esc-vcard is missing (or not root).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escctl-test.h"
#include "th-card.h"
#include "tok-apdu.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-gp-crypto.h"
#include "tok-gp-keys.h"
#include "tok-gp-session.h"

#define BENCH_DEFAULT_RUNS 9
#define BENCH_PIN	   "123456"

/* ---- the recorded trace --------------------------------------------------------------- */

typedef enum {
	STEP_PLAIN,	   /* sent as recorded */
	STEP_OPEN_CHANNEL, /* INITIALIZE UPDATE (+ EXTERNAL AUTHENTICATE): our own channel */
	STEP_SECURE,	   /* a wrapped command: its plain form, re-wrapped */
	STEP_RESET,	   /* the card was reset / powered up again between commands */
} StepKind;

typedef struct {
	StepKind kind;
	GBytes *command;      /* as recorded (wiped) */
	GBytes *plain;	      /* STEP_SECURE: unwrapped by us */
	guint16 sw;	      /* recorded status word */
	guint16 ext_auth_sw;  /* STEP_OPEN_CHANNEL: the recorded EXTERNAL AUTHENTICATE's */
	guint8 key_version;   /* STEP_OPEN_CHANNEL: P1 of INITIALIZE UPDATE */
	guint8 security_level; /* STEP_OPEN_CHANNEL: P1 of EXTERNAL AUTHENTICATE */
} Step;

static void
step_free(gpointer data)
{
	Step *s = data;

	g_clear_pointer(&s->command, g_bytes_unref);
	g_clear_pointer(&s->plain, g_bytes_unref);
	g_free(s);
}

typedef enum {
	LINE_OTHER,
	LINE_POWER, /* power on / reset */
	LINE_COMMAND,
	LINE_PLAIN,
	LINE_RESPONSE,
} LineKind;

typedef struct {
	LineKind kind;
	GBytes *bytes; /* command, plain command, or response data || SW */
	gdouble time;  /* the line's time stamp (s) */
} TraceLine;

static void
trace_line_free(gpointer data)
{
	TraceLine *l = data;

	g_clear_pointer(&l->bytes, g_bytes_unref);
	g_free(l);
}

/* One line of esc-vcard's trace ("<sec>.<usec> <event>", tests/vcard/vcard-card.c). */
static TraceLine *
parse_trace_line(const gchar *line)
{
	const gchar *event = strchr(line, ' ');
	TraceLine *l = g_new0(TraceLine, 1);
	g_autoptr(GError) error = NULL;

	if (event == NULL)
		return l;
	l->time = g_ascii_strtod(line, NULL);
	event++;
	if (g_str_equal(event, "power on") || g_str_equal(event, "reset")) {
		l->kind = LINE_POWER;
	} else if (g_str_has_prefix(event, "> ")) {
		l->kind = LINE_COMMAND;
		l->bytes = tok_hex_decode(event + 2, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	} else if (g_str_has_prefix(event, "  = ")) {
		l->kind = LINE_PLAIN;
		l->bytes = tok_hex_decode(event + 4, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	} else if (g_str_has_prefix(event, "< ")) {
		/* "< [DATA ]SW1 SW2 (description)" */
		g_autofree gchar *text = g_strdup(event + 2);
		gchar *paren = strstr(text, " (");

		l->kind = LINE_RESPONSE;
		if (paren != NULL)
			*paren = '\0';
		l->bytes = tok_hex_decode(text, TOK_HEX_FLAG_ALLOW_SPACES, &error);
	}
	if (l->kind != LINE_OTHER && l->kind != LINE_POWER && l->bytes == NULL) {
		g_test_message("unparsable trace line (%s): %s", error->message, line);
		g_assert_not_reached();
	}
	return l;
}

/* The time the card spent on commands: from each command's line to its response's. */
static gdouble
card_busy_time(const gchar *path)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	gdouble busy = 0;
	gdouble since = -1;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(trace_line_free);
		TraceLine *l;

		if (lines[i][0] == '\0')
			continue;
		l = parse_trace_line(lines[i]);
		g_ptr_array_add(keep, l);
		if (l->kind == LINE_COMMAND)
			since = l->time;
		else if (l->kind == LINE_RESPONSE && since >= 0) {
			busy += l->time - since;
			since = -1;
		}
	}
	return busy;
}

static guint16
response_sw(GBytes *response)
{
	gsize len = 0;
	const guint8 *r = g_bytes_get_data(response, &len);

	g_assert_cmpuint(len, >=, 2);
	return (guint16)((r[len - 2] << 8) | r[len - 1]);
}

/* The INITIALIZE UPDATE of a card side session re-made from the recorded exchange: it must
 * answer exactly as the card did (the keys and the derivation are right). */
static TokGpSession *
rebuild_session(TokGpCrypto *crypto, GBytes *init_update, GBytes *response)
{
	gsize len = 0;
	const guint8 *rsp = g_bytes_get_data(response, &len);
	g_autoptr(TokGpKeySet) keys = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) data = NULL;
	g_autoptr(GBytes) again = NULL;
	TokGpCardParams params = {0};
	TokGpSession *session;

	/* data: KDD(10) key info(2 or 3) card challenge ... cryptogram(8) [sequence counter] */
	g_assert_cmpuint(len, >=, 2 + 28);
	data = g_bytes_new(rsp, len - 2);
	params.scp = (TokGpScp)rsp[11];
	g_assert_true(tok_gp_scp_is_valid(params.scp));
	params.key_version = rsp[10];
	for (guint i = 0; i < TOK_GP_KDD_SIZE; i++)
		params.kdd[i] = rsp[i];
	switch (params.scp) {
	case TOK_GP_SCP02:
		params.sequence_counter = (guint32)((rsp[12] << 8) | rsp[13]);
		params.card_challenge = rsp + 14;
		break;
	case TOK_GP_SCP03:
		params.i_param = rsp[12];
		params.card_challenge = rsp + 13;
		if (len - 2 >= 32)
			params.sequence_counter = (guint32)((rsp[29] << 16) | (rsp[30] << 8) | rsp[31]);
		break;
	case TOK_GP_SCP01:
	default:
		params.card_challenge = rsp + 12;
		break;
	}
	keys = th_card_default_keys(params.scp);
	session = tok_gp_session_new_card(crypto, keys, &params, g_bytes_get_data(init_update, NULL), g_bytes_get_size(init_update),
					  &error);
	g_assert_no_error(error);
	again = tok_gp_session_get_initialize_update_response(session);
	if (!g_bytes_equal(again, data))
		g_test_message("the recorded INITIALIZE UPDATE does not come out of the developer keys");
	g_assert_true(g_bytes_equal(again, data));
	return session;
}

/* The steps of a recorded run: commands, their status words, the plain form of each wrapped
 * command (checked against the card's own log of it). */
static GPtrArray *
read_trace(const gchar *path, guint *n_apdus)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GPtrArray) parsed = g_ptr_array_new_with_free_func(trace_line_free);
	g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func(step_free);
	g_autoptr(TokGpCrypto) crypto = NULL;
	g_autoptr(TokGpSession) session = NULL;
	g_autoptr(GError) error = NULL;
	gboolean seen_command = FALSE;
	guint n_unwrapped = 0;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '\0')
			g_ptr_array_add(parsed, parse_trace_line(lines[i]));
	}
	crypto = tok_gp_crypto_new(&error);
	g_assert_no_error(error);
	*n_apdus = 0;
	for (guint i = 0; i < parsed->len; i++) {
		TraceLine *l = g_ptr_array_index(parsed, i);
		TraceLine *plain = NULL;
		TraceLine *rsp = NULL;
		const guint8 *cmd;
		gsize cmd_len = 0;
		Step *step;

		if (l->kind == LINE_POWER) {
			g_clear_object(&session);
			if (seen_command) {
				step = g_new0(Step, 1);
				step->kind = STEP_RESET;
				g_ptr_array_add(steps, step);
			}
			continue;
		}
		if (l->kind != LINE_COMMAND)
			continue;
		seen_command = TRUE;
		(*n_apdus)++;
		/* the plain form (wrapped commands) and the response follow */
		for (guint j = i + 1; j < parsed->len && rsp == NULL; j++) {
			TraceLine *next = g_ptr_array_index(parsed, j);
			if (next->kind == LINE_PLAIN)
				plain = next;
			else if (next->kind == LINE_RESPONSE)
				rsp = next;
			else if (next->kind == LINE_COMMAND || next->kind == LINE_POWER)
				break;
		}
		g_assert_nonnull(rsp);
		cmd = g_bytes_get_data(l->bytes, &cmd_len);
		g_assert_cmpuint(cmd_len, >=, 4);
		step = g_new0(Step, 1);
		step->command = g_bytes_ref(l->bytes);
		step->sw = response_sw(rsp->bytes);
		if (cmd[0] == 0x80 && cmd[1] == 0x50 && step->sw == 0x9000) {
			/* INITIALIZE UPDATE: the next command is the EXTERNAL AUTHENTICATE */
			g_clear_object(&session);
			session = rebuild_session(crypto, l->bytes, rsp->bytes);
			step->kind = STEP_OPEN_CHANNEL;
			step->key_version = cmd[2];
			g_ptr_array_add(steps, step);
			continue;
		}
		if (cmd[0] == 0x84 && cmd[1] == 0x82 && session != NULL &&
		    tok_gp_session_get_state(session) == TOK_GP_SESSION_STATE_INITIALIZED) {
			Step *open = g_ptr_array_index(steps, steps->len - 1);

			g_assert_cmpint(open->kind, ==, STEP_OPEN_CHANNEL);
			g_assert_true(tok_gp_session_check_external_authenticate(session, cmd, cmd_len, &error));
			g_assert_no_error(error);
			open->security_level = cmd[2];
			open->ext_auth_sw = step->sw;
			step_free(step);
			continue;
		}
		if ((cmd[0] & 0x04) != 0 && session != NULL &&
		    tok_gp_session_get_state(session) == TOK_GP_SESSION_STATE_AUTHENTICATED) {
			step->kind = STEP_SECURE;
			step->plain = tok_gp_session_unwrap(session, cmd, cmd_len, &error);
			g_assert_no_error(error);
			/* what we unwrapped is what the card unwrapped */
			g_assert_nonnull(plain);
			g_assert_true(g_bytes_equal(step->plain, plain->bytes));
			n_unwrapped++;
			if ((tok_gp_session_get_security_level(session) & TOK_GP_SECURITY_R_MAC) != 0) {
				gsize rlen = 0;
				const guint8 *r = g_bytes_get_data(rsp->bytes, &rlen);
				g_autoptr(GBytes) wrapped = tok_gp_session_wrap_response(session, r, rlen - 2, step->sw, &error);
				g_assert_no_error(error);
				g_assert_nonnull(wrapped);
			}
			g_ptr_array_add(steps, step);
			continue;
		}
		/* a SELECT ends the channel on the card */
		if (cmd[0] == 0x00 && cmd[1] == 0xA4)
			g_clear_object(&session);
		step->kind = STEP_PLAIN;
		g_ptr_array_add(steps, step);
	}
	g_assert_cmpuint(n_unwrapped, >, 0);
	return g_steal_pointer(&steps);
}

/* ---- the direct replay ---------------------------------------------------------------- */

static gdouble
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (gdouble)ts.tv_sec + (gdouble)ts.tv_nsec / 1e9;
}

static guint16
sw_of(GBytes *raw)
{
	return response_sw(raw);
}

/* Sends the steps to the card in @slot; returns the wall time, *@n_sent the APDUs sent. */
static gdouble
replay(EctFixture *f, guint slot, GPtrArray *steps, guint *n_sent)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(ThCard) card = NULL;
	gdouble start = now_s();
	gdouble elapsed;

	*n_sent = 0;
	card = th_card_connect_slot(f->pcsc, slot, &error);
	g_assert_no_error(error);
	g_assert_true(th_card_begin_transaction(card, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < steps->len; i++) {
		Step *s = g_ptr_array_index(steps, i);

		switch (s->kind) {
		case STEP_RESET:
			g_assert_true(th_card_end_transaction(card, &error));
			g_assert_true(th_card_reset(card, &error));
			g_assert_true(th_card_begin_transaction(card, &error));
			g_assert_no_error(error);
			break;
		case STEP_PLAIN: {
			g_autoptr(GBytes) raw = th_card_transmit_raw(card, g_bytes_get_data(s->command, NULL),
								     g_bytes_get_size(s->command), &error);
			g_assert_no_error(error);
			(*n_sent)++;
			if (sw_of(raw) != s->sw)
				g_test_message("step %u: SW %04X, recorded %04X", i, sw_of(raw), s->sw);
			g_assert_cmphex(sw_of(raw), ==, s->sw);
			break;
		}
		case STEP_OPEN_CHANNEL:
			/* INITIALIZE UPDATE + EXTERNAL AUTHENTICATE, both 9000 as recorded */
			g_assert_cmphex(s->sw, ==, 0x9000);
			g_assert_cmphex(s->ext_auth_sw, ==, 0x9000);
			g_assert_true(th_card_open_secure_channel(card, NULL, s->key_version, s->security_level, &error));
			g_assert_no_error(error);
			*n_sent += 2;
			break;
		case STEP_SECURE: {
			g_autoptr(TokApdu) plain = tok_apdu_parse_bytes(s->plain, &error);
			g_autoptr(TokApdu) secure = NULL;
			g_autoptr(TokApduResponse) response = NULL;

			g_assert_no_error(error);
			/* unwrap cleared the secure messaging bit; our channel sets it again */
			secure = tok_apdu_new(tok_apdu_get_cla(plain) | 0x04, tok_apdu_get_ins(plain), tok_apdu_get_p1(plain),
					      tok_apdu_get_p2(plain), tok_apdu_get_data(plain), tok_apdu_get_le(plain));
			response = th_card_transmit_secure(card, secure, &error);
			g_assert_no_error(error);
			(*n_sent)++;
			if (tok_apdu_response_get_sw(response) != s->sw)
				g_test_message("step %u: SW %04X, recorded %04X", i, tok_apdu_response_get_sw(response), s->sw);
			g_assert_cmphex(tok_apdu_response_get_sw(response), ==, s->sw);
			break;
		}
		default:
			g_assert_not_reached();
		}
	}
	g_assert_true(th_card_end_transaction(card, &error));
	g_assert_no_error(error);
	g_clear_pointer(&card, th_card_free);
	elapsed = now_s() - start;
	return elapsed;
}

/* ---- the runs ------------------------------------------------------------------------- */

static void
copy_file(const gchar *from, const gchar *to)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(from, &contents, &len, NULL));
	g_assert_true(g_file_set_contents(to, contents, (gssize)len, NULL));
}

static gint
cmp_double(gconstpointer a, gconstpointer b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

static gdouble
median(GArray *values)
{
	g_array_sort(values, cmp_double);
	if (values->len == 0)
		return 0;
	if (values->len % 2 == 1)
		return g_array_index(values, gdouble, values->len / 2);
	return (g_array_index(values, gdouble, values->len / 2 - 1) + g_array_index(values, gdouble, values->len / 2)) / 2;
}

static void
bench_relay(EctFixture *f, gconstpointer data)
{
	guint bench_runs = *(const guint *)data;
	g_autoptr(GArray) relay_times = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) direct_times = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) ratios = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) relay_hosts = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autoptr(GArray) direct_hosts = g_array_new(FALSE, FALSE, sizeof(gdouble));
	g_autofree gchar *pin_file = NULL;
	guint apdus = 0;

	if (f->pcsc == NULL)
		return;
	f->quiet = TRUE;
	pin_file = ect_write_file(f, "pin", BENCH_PIN "\n");
	g_print("The card's own time (from its trace) varies with RSA key generation; \"host\" is the wall\n"
		"time without it: what the relay (escctl, TLS, tpsd) or this program added.\n");
	g_print("%4s  %10s  %10s  %6s  %8s  %13s  %13s  %8s\n", "run", "escctl [s]", "direct [s]", "APDUs", "overhead",
		"escctl host", "direct host", "host");
	for (guint run = 0; run < bench_runs; run++) {
		g_autofree gchar *cuid = ect_random_cuid();
		g_autofree gchar *tag = g_strdup_printf("run%u", run);
		g_autofree gchar *state = g_strdup_printf("%s/card-%s.state", f->dir, tag);
		g_autofree gchar *saved = g_strdup_printf("%s/card-%s.before-enroll", f->dir, tag);
		g_autofree gchar *log = g_strdup_printf("%s/card-%s.log", f->dir, tag);
		g_autofree gchar *replay_tag = g_strdup_printf("%s-replay", tag);
		g_autofree gchar *replay_state = g_strdup_printf("%s/card-%s.state", f->dir, replay_tag);
		g_autofree gchar *replay_log = g_strdup_printf("%s/card-%s.log", f->dir, replay_tag);
		g_autoptr(GPtrArray) steps = NULL;
		g_autoptr(GError) error = NULL;
		ThPcscCard *card;
		gdouble start;
		gdouble relay_s;
		gdouble direct_s;
		gdouble relay_host;
		gdouble direct_host;
		gdouble ratio;
		gdouble host_ratio;
		guint n_recorded = 0;
		guint n_sent = 0;

		/* 1. a formatted card, its state kept */
		card = ect_plug_card(f, 0, tag, FALSE, "--cuid", cuid, NULL);
		g_assert_cmpint(ect_escctl(f, NULL, NULL, NULL, "format", "--server", f->url, "--ca-file", f->trust_file, "--user",
					   "demo", "--password-file", f->password_file, NULL),
				==, 0);
		g_assert_true(th_pcsc_stop_card(f->pcsc, card, &error));
		g_assert_no_error(error);
		copy_file(state, saved);
		g_unlink(log);

		/* 2. ENROLL through escctl, every APDU traced */
		ect_plug_card(f, 0, tag, TRUE, NULL);
		start = now_s();
		g_assert_cmpint(ect_escctl(f, NULL, NULL, NULL, "enroll", "--server", f->url, "--ca-file", f->trust_file, "--user",
					   "demo", "--password-file", f->password_file, "--pin-file", pin_file, NULL),
				==, 0);
		relay_s = now_s() - start;
		g_assert_true(th_pcsc_stop_card(f->pcsc, th_pcsc_get_card(f->pcsc, 0), &error));
		g_assert_no_error(error);

		/* 3. what the card got, unwrapped */
		steps = read_trace(log, &n_recorded);

		/* 4. the same card as before ENROLL, the same APDUs sent directly */
		copy_file(saved, replay_state);
		ect_plug_card(f, 0, replay_tag, TRUE, NULL);
		direct_s = replay(f, 0, steps, &n_sent);
		g_assert_cmpuint(n_sent, ==, n_recorded);
		g_assert_true(th_pcsc_stop_card(f->pcsc, th_pcsc_get_card(f->pcsc, 0), &error));
		g_assert_no_error(error);

		relay_host = relay_s - card_busy_time(log);
		direct_host = direct_s - card_busy_time(replay_log);
		ratio = relay_s / direct_s;
		host_ratio = relay_host / direct_host;
		g_array_append_val(relay_times, relay_s);
		g_array_append_val(direct_times, direct_s);
		g_array_append_val(ratios, ratio);
		g_array_append_val(relay_hosts, relay_host);
		g_array_append_val(direct_hosts, direct_host);
		apdus = n_recorded;
		g_print("%4u  %10.3f  %10.3f  %6u  %7.2fx  %13.3f  %13.3f  %7.1fx\n", run + 1, relay_s, direct_s, n_recorded, ratio,
			relay_host, direct_host, host_ratio);
	}
	{
		gdouble relay_m = median(relay_times);
		gdouble direct_m = median(direct_times);
		gdouble relay_host_m = median(relay_hosts);
		gdouble direct_host_m = median(direct_hosts);

		g_print("relay overhead (median of %u runs): escctl ENROLL %.3f s, the same %u APDUs sent directly %.3f s: "
			"overhead %.2fx (median of the per-run ratios %.2fx); without the card's own time: %.3f s vs %.3f s, %.1fx\n",
			bench_runs, relay_m, apdus, direct_m, relay_m / direct_m, median(ratios), relay_host_m, direct_host_m,
			relay_host_m / direct_host_m);
	}
	ect_assert_tpsd_alive(f);
}

/* One user enrolls a new card in every run. */
static void
bench_setup(EctFixture *f, gconstpointer data)
{
	f->tpsd_extra_config = "allow-multiple-active-tokens=true\n";
	ect_setup_with_tpsd(f, data);
}

const char *
__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "intercept_tls_get_addr=0";
}

int
main(int argc, char **argv)
{
	guint runs = BENCH_DEFAULT_RUNS;

	g_test_init(&argc, &argv, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1) {
		guint64 n = g_ascii_strtoull(argv[1], NULL, 10);
		if (n > 0 && n < 1000)
			runs = (guint)n;
	}
	g_test_add("/client/bench/relay", EctFixture, &runs, bench_setup, bench_relay, ect_teardown);
	return g_test_run();
}
