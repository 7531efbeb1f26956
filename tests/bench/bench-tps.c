/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Benchmark (meson test --benchmark, or ./run bench): the TPS under load, in one run.
 *
 *  1. tpsd on its embedded defaults (plus PIN_RESET=YES in the default policy) in a fresh
 *     state directory, on loopback HTTPS; a users file with one user per emulated token
 *     (tpsd's own scrypt parameters).
 *  2. N emulated tokens (in-process virtual cards, each with its own CUID, SCP02, the
 *     developer keys) on N threads, each a TpsTestRelay client (ESC's messages, TLS, the
 *     full-duplex chunked exchange). Phases, every token doing the same operation at the same
 *     time: FORMAT of the new tokens, then R rounds of ENROLL (userKey: RSA-2048), PIN RESET,
 *     FORMAT, ENROLL (tokenType=userKeyEC: EC P-256), PIN RESET, FORMAT. Per operation:
 *     ops/s (operations / wall time of its phases), p50/p99 latency, tpsd CPU time per
 *     operation (utime + stime of /proc/<pid>/stat, so the client's CPU use does not count),
 *     tpsd's peak RSS in the phase (VmHWM, reset before each phase), APDUs per operation,
 *     and the client's own CPU per operation. The cards' RSA keys are generated before the
 *     phases (bench-tps-keys.c); the card still signs each proof and the TPS checks it.
 *  3. Idle sessions: connections that sent BEGIN_OP (ENROLL), answered the card prologue and
 *     wait at the LOGIN_REQUEST; tpsd's VmRSS and thread count at 100 and 1,000 of them.
 *  4. The crypto floor (bench-tps-floor.c): the server-side cryptography of one ENROLL on one
 *     thread with the same libraries, shaped after an ENROLL of this run (its secure channels
 *     and wrapped commands). RATIO = (tpsd CPU per ENROLL - its password check) / floor, the
 *     password check's CPU as tpsd logs it for every operation (scrypt N=2^15 r=8 on the
 *     session thread, a deliberate cost outside the floor); also tpsd CPU per ENROLL against
 *     floor + that password check.
 *  5. The token database at 1,000,000 records (bench-tps-db.c): lookups by user and by CUID
 *     and status changes, latency per query.
 *
 * Options: see --help. TPS_BENCH_TPSD names tpsd (the meson benchmark sets it). Needs no
 * root and no PC/SC: everything runs in this process and tpsd.
 */
#include "config.h"

#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "bench-tps.h"
#include "tok-bytes.h"
#include "tok-error.h"
#include "tok-tps-message.h"
#include "tps-authenticator-file.h"
#include "tps-config.h"
#include "tps-test-relay.h"
#include "vcard-card.h"

#define BENCH_PASSWORD	     "bench password"
#define BENCH_PIN	     "123456"
#define BENCH_RELAY_TIMEOUT  300
#define BENCH_IDLE_OPENERS   2
#define BENCH_IDLE_DRAIN_S   120
#define BENCH_TPSD_CONFIG                                                                          \
	"[server]\n"                                                                               \
	"session-timeout=900\n"                                                                    \
	"[tokendb]\n"                                                                              \
	"default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;RESET_PIN_RESET_TO_NO=NO\n"

typedef enum {
	BENCH_OP_FORMAT_NEW,
	BENCH_OP_ENROLL_RSA,
	BENCH_OP_ENROLL_EC,
	BENCH_OP_PIN_RESET,
	BENCH_OP_FORMAT,
	BENCH_OP_N,
} BenchOpKind;

typedef struct {
	const gchar *label;
	const gchar *id; /* for --perf-phase */
	TokTpsOperation op;
	const gchar *token_type;
} BenchOpInfo;

static const BenchOpInfo bench_ops[BENCH_OP_N] = {
    [BENCH_OP_FORMAT_NEW] = {"FORMAT (new token)", "format-new", TOK_TPS_OPERATION_FORMAT, "userKey"},
    [BENCH_OP_ENROLL_RSA] = {"ENROLL RSA-2048", "enroll-rsa", TOK_TPS_OPERATION_ENROLL, "userKey"},
    [BENCH_OP_ENROLL_EC] = {"ENROLL EC P-256", "enroll-ec", TOK_TPS_OPERATION_ENROLL, "userKeyEC"},
    [BENCH_OP_PIN_RESET] = {"PIN RESET", "pin-reset", TOK_TPS_OPERATION_RESET_PIN, NULL},
    [BENCH_OP_FORMAT] = {"FORMAT (enrolled)", "format", TOK_TPS_OPERATION_FORMAT, "userKey"},
};

/* one round, after the FORMAT of the new tokens */
static const BenchOpKind bench_round[] = {
    BENCH_OP_ENROLL_RSA,
    BENCH_OP_PIN_RESET,
    BENCH_OP_FORMAT,
    BENCH_OP_ENROLL_EC,
    BENCH_OP_PIN_RESET,
    BENCH_OP_FORMAT,
};

typedef struct {
	GArray *latency_ms; /* gdouble */
	guint n_ops;
	guint64 n_pdus;
	gdouble wall_s;
	gint64 tpsd_cpu_us;
	gdouble password_ms; /* tpsd's own account of its password checks (its log) */
	guint n_logged;	     /* operations tpsd logged as done */
	gint64 client_cpu_us;
	gint64 peak_rss_kb;
} BenchOpStats;

typedef struct {
	guint index;
	gchar cuid[21];
	gchar user[16];
	VcardCard *card;
	TpsTestRelay *relay;
	/* the current operation */
	BenchOpKind kind;
	BenchEnrollShape *shape; /* record this run's APDUs into it, or NULL */
	gdouble latency_ms;
	guint n_pdus;
	gboolean ok;
	gchar *failure;
} BenchToken;

typedef struct {
	/* options */
	guint n_tokens;
	guint n_rounds;
	guint idle_small;
	guint idle_large;
	guint db_records;
	guint db_queries;
	gdouble floor_seconds;
	gchar *perf_output;
	BenchOpKind perf_kind;
	gboolean keep;
	gboolean skip_ec;
	TokGpScp scp;
	/* the run */
	gchar *state_dir;
	gchar *trust_file;
	gchar *users_file;
	BenchTpsd *tpsd;
	GPtrArray *tokens; /* BenchToken */
	BenchOpStats stats[BENCH_OP_N];
	BenchEnrollShape shapes[2]; /* RSA, EC */
} Bench;

/* ---- setup --------------------------------------------------------------------------------- */

static void
bench_token_free(BenchToken *t)
{
	g_clear_object(&t->card);
	g_clear_pointer(&t->relay, tps_test_relay_free);
	g_free(t->failure);
	g_free(t);
}

static GBytes *
bench_card_transmit(GBytes *apdu, gpointer user_data, GError **error)
{
	BenchToken *t = user_data;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(apdu, &len);

	return vcard_card_transmit(t->card, data, len, error);
}

static VcardCard *
bench_card_new(TokGpScp scp, const gchar *cuid_hex, GError **error)
{
	g_autoptr(GBytes) cuid = tok_hex_decode(cuid_hex, TOK_HEX_FLAG_NONE, error);
	VcardCardConfig config;
	VcardCard *card;

	if (cuid == NULL)
		return NULL;
	vcard_card_config_init(&config);
	config.scp = scp;
	config.has_cuid = TRUE;
	for (guint i = 0; i < 10; i++)
		config.cuid[i] = ((const guint8 *)g_bytes_get_data(cuid, NULL))[i];
	card = vcard_card_new(&config, error);
	if (card != NULL)
		vcard_card_power_on(card);
	return card;
}

/* users file: one user per token, all with the same password (one scrypt hash, tpsd's
 * parameters) */
static gboolean
bench_write_users(Bench *b, GError **error)
{
	g_autoptr(TokSecret) password = tok_secret_new_from_text(BENCH_PASSWORD);
	g_autofree gchar *hash = tps_authenticator_file_hash_password(password, error);
	g_autoptr(GString) text = g_string_new("# bench-tps users\n");

	if (hash == NULL)
		return FALSE;
	for (guint i = 0; i < b->n_tokens; i++)
		g_string_append_printf(text, "bench%03u:%s:Bench User %u\n", i, hash, i);
	b->users_file = g_build_filename(b->state_dir, "users", NULL);
	return g_file_set_contents_full(b->users_file, text->str, (gssize)text->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static gboolean
bench_setup_tokens(Bench *b, GError **error)
{
	b->tokens = g_ptr_array_new_with_free_func((GDestroyNotify)bench_token_free);
	for (guint i = 0; i < b->n_tokens; i++) {
		BenchToken *t = g_new0(BenchToken, 1);

		g_ptr_array_add(b->tokens, t);
		t->index = i;
		g_snprintf(t->cuid, sizeof(t->cuid), "40906145BE%010X", i + 1);
		g_snprintf(t->user, sizeof(t->user), "bench%03u", i);
		t->card = bench_card_new(b->scp, t->cuid, error);
		if (t->card == NULL)
			return FALSE;
		t->relay = tps_test_relay_new("127.0.0.1", bench_tpsd_get_port(b->tpsd), b->trust_file);
		tps_test_relay_set_transmit_func(t->relay, bench_card_transmit, t);
		tps_test_relay_set_credentials(t->relay, t->user, BENCH_PASSWORD);
		tps_test_relay_set_new_pin(t->relay, BENCH_PIN);
		/* ESC asks for status updates */
		tps_test_relay_set_status_update(t->relay, TRUE);
		tps_test_relay_set_timeout(t->relay, BENCH_RELAY_TIMEOUT);
	}
	return TRUE;
}

/* ---- load phases ---------------------------------------------------------------------------- */

/* Records what the TPS sent in one ENROLL: secure channels opened, Lc of wrapped commands. */
static GBytes *
bench_record_apdu(guint index, GBytes *apdu, GBytes *response, gpointer user_data)
{
	BenchEnrollShape *shape = user_data;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(apdu, &len);

	if (len < 4)
		return NULL;
	if (data[0] == 0x80 && data[1] == 0x50)
		shape->n_channels++;
	else if (data[0] == 0x84 && data[1] != 0x82) {
		guint lc = len > 4 ? data[4] : 0;
		g_array_append_val(shape->wrapped_lc, lc);
	}
	return NULL;
}

static gpointer
bench_token_thread(gpointer data)
{
	BenchToken *t = data;
	const BenchOpInfo *info = &bench_ops[t->kind];
	g_autoptr(GError) error = NULL;
	TpsTestRelayResult result = {0};
	gint64 start;
	gboolean ok;

	tps_test_relay_set_token_type(t->relay, info->token_type);
	if (t->shape != NULL)
		tps_test_relay_set_tamper_func(t->relay, bench_record_apdu, t->shape);
	start = g_get_monotonic_time();
	ok = tps_test_relay_run(t->relay, info->op, &result, &error);
	t->latency_ms = (gdouble)(g_get_monotonic_time() - start) / 1000.0;
	tps_test_relay_set_tamper_func(t->relay, NULL, NULL);
	t->n_pdus = result.n_pdus;
	t->ok = ok && result.got_end_op && result.result == 0 && result.status == TOK_TPS_STATUS_NO_ERROR;
	g_clear_pointer(&t->failure, g_free);
	if (!ok)
		t->failure = g_strdup(error->message);
	else if (!t->ok)
		t->failure = g_strdup_printf("END_OP result %u status %u (%s)",
					     result.result,
					     (guint)result.status,
					     tok_tps_status_to_string(result.status) != NULL ? tok_tps_status_to_string(result.status) : "?");
	return NULL;
}

static gboolean
bench_run_phase(Bench *b, BenchOpKind kind, BenchEnrollShape *shape, gboolean perf, GError **error)
{
	BenchOpStats *st = &b->stats[kind];
	g_autoptr(GPtrArray) threads = g_ptr_array_new();
	GSubprocess *perf_proc = NULL;
	gint64 cpu0;
	gint64 client0;
	gint64 t0;
	gint64 cpu1;
	gint64 hwm;
	gint64 log_offset = bench_tpsd_log_size(b->tpsd);
	guint n_logged = 0;
	gdouble session_ms = 0;
	gdouble password_ms = 0;

	if (perf && b->perf_output != NULL)
		perf_proc = bench_tpsd_perf_start(b->tpsd, b->perf_output);
	if (!bench_tpsd_reset_peak(b->tpsd, error))
		return FALSE;
	cpu0 = bench_tpsd_cpu_us(b->tpsd);
	client0 = bench_process_cpu_us();
	t0 = g_get_monotonic_time();
	for (guint i = 0; i < b->tokens->len; i++) {
		BenchToken *t = g_ptr_array_index(b->tokens, i);
		t->kind = kind;
		t->shape = i == 0 ? shape : NULL;
		g_ptr_array_add(threads, g_thread_new("bench-token", bench_token_thread, t));
	}
	for (guint i = 0; i < threads->len; i++)
		g_thread_join(g_ptr_array_index(threads, i));
	st->wall_s += (gdouble)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	cpu1 = bench_tpsd_cpu_us(b->tpsd);
	st->client_cpu_us += bench_process_cpu_us() - client0;
	hwm = bench_tpsd_status_value(b->tpsd, "VmHWM");
	bench_tpsd_perf_stop(perf_proc);
	if (cpu0 < 0 || cpu1 < 0 || hwm < 0) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read tpsd's /proc entries (did it die?)");
		return FALSE;
	}
	st->tpsd_cpu_us += cpu1 - cpu0;
	st->peak_rss_kb = MAX(st->peak_rss_kb, hwm);
	if (!bench_tpsd_log_costs(b->tpsd, log_offset, &n_logged, &session_ms, &password_ms, error))
		return FALSE;
	st->password_ms += password_ms;
	st->n_logged += n_logged;
	for (guint i = 0; i < b->tokens->len; i++) {
		BenchToken *t = g_ptr_array_index(b->tokens, i);

		if (!t->ok) {
			g_autofree gchar *tail = bench_tpsd_log_tail(b->tpsd, 30);
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_FAILED,
				    "%s of token %s failed: %s\ntpsd's log ends with:\n%s",
				    bench_ops[kind].label,
				    t->cuid,
				    t->failure,
				    tail);
			return FALSE;
		}
		g_array_append_val(st->latency_ms, t->latency_ms);
		st->n_pdus += t->n_pdus;
		st->n_ops++;
	}
	g_printerr("bench-tps: %-20s %u ops in %.2f s, tpsd at %.0f%% of a CPU\n",
		   bench_ops[kind].label,
		   b->tokens->len,
		   (gdouble)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC,
		   100.0 * (gdouble)(cpu1 - cpu0) / (gdouble)(g_get_monotonic_time() - t0));
	return TRUE;
}

static gboolean
bench_run_load(Bench *b, GError **error)
{
	gboolean perf_done = FALSE;
	/* without EC: ENROLL RSA, PIN RESET, FORMAT */
	guint n_round = b->skip_ec ? 3 : G_N_ELEMENTS(bench_round);

	if (!bench_run_phase(b, BENCH_OP_FORMAT_NEW, NULL, b->perf_kind == BENCH_OP_FORMAT_NEW, error))
		return FALSE;

	for (guint r = 0; r < b->n_rounds; r++) {
		for (guint i = 0; i < n_round; i++) {
			BenchOpKind kind = bench_round[i];
			BenchEnrollShape *shape = NULL;

			/* the floor's shape: the first ENROLL of each kind */
			if (r == 0 && kind == BENCH_OP_ENROLL_RSA)
				shape = &b->shapes[0];
			else if (r == 0 && kind == BENCH_OP_ENROLL_EC)
				shape = &b->shapes[1];
			if (!bench_run_phase(b, kind, shape, !perf_done && kind == b->perf_kind, error))
				return FALSE;
			perf_done = perf_done || kind == b->perf_kind;
		}
	}
	return TRUE;
}

/* ---- idle sessions -------------------------------------------------------------------------- */

typedef struct {
	Bench *b;
	guint n;
	guint index;
	GPtrArray *conns; /* TpsTestRelayConn */
	GError *error;
} BenchOpener;

static TpsTestRelayConn *
bench_idle_open_one(TpsTestRelay *relay, VcardCard *card, GError **error)
{
	const gchar *ext[] = {"tokenType", "userKey", "clientVersion", "ESC 1.0.1", "statusUpdate", "false", NULL};
	g_autoptr(TpsTestRelayConn) conn = tps_test_relay_connect(relay, error);
	g_autoptr(TokTpsMessage) begin = NULL;

	if (conn == NULL)
		return NULL;
	begin = tok_tps_message_new_begin_op(TOK_TPS_OPERATION_ENROLL, ext, TOK_TPS_BEGIN_OP_FLAG_TRAILING_SEPARATOR, error);
	if (begin == NULL || !tps_test_relay_conn_send(conn, begin, error))
		return NULL;
	for (;;) {
		g_autoptr(TokTpsMessage) msg = tps_test_relay_conn_read(conn, error);
		g_autoptr(GBytes) apdu = NULL;
		g_autoptr(GBytes) response = NULL;
		g_autoptr(TokTpsMessage) reply = NULL;

		if (msg == NULL) {
			if (error != NULL && *error == NULL)
				g_set_error_literal(error, TOK_ERROR, TOK_ERROR_TRUNCATED, "tpsd ended the session before LOGIN_REQUEST");
			return NULL;
		}
		if (tok_tps_message_get_msg_type(msg) == TOK_TPS_MSG_TYPE_LOGIN_REQUEST)
			return g_steal_pointer(&conn);
		if (tok_tps_message_get_msg_type(msg) != TOK_TPS_MSG_TYPE_TOKEN_PDU_REQUEST) {
			g_set_error(error,
				    TOK_ERROR,
				    TOK_ERROR_PROTOCOL,
				    "tpsd sent %s before LOGIN_REQUEST",
				    tok_tps_msg_type_to_string(tok_tps_message_get_msg_type(msg)));
			return NULL;
		}
		apdu = tok_tps_message_get_pdu(msg, error);
		if (apdu == NULL)
			return NULL;
		response = vcard_card_transmit(card, g_bytes_get_data(apdu, NULL), g_bytes_get_size(apdu), error);
		if (response == NULL)
			return NULL;
		reply = tok_tps_message_new_token_pdu_response(response, error);
		if (reply == NULL || !tps_test_relay_conn_send(conn, reply, error))
			return NULL;
	}
}

static gpointer
bench_idle_thread(gpointer data)
{
	BenchOpener *o = data;
	g_autofree gchar *cuid = g_strdup_printf("40906145BC%010X", o->index + 1);
	g_autoptr(VcardCard) card = bench_card_new(o->b->scp, cuid, &o->error);
	g_autoptr(TpsTestRelay) relay = NULL;

	if (card == NULL)
		return NULL;
	relay = tps_test_relay_new("127.0.0.1", bench_tpsd_get_port(o->b->tpsd), o->b->trust_file);
	tps_test_relay_set_timeout(relay, BENCH_RELAY_TIMEOUT);
	for (guint i = 0; i < o->n; i++) {
		TpsTestRelayConn *conn = bench_idle_open_one(relay, card, &o->error);
		if (conn == NULL) {
			g_prefix_error(&o->error, "idle session %u: ", o->conns->len);
			return NULL;
		}
		g_ptr_array_add(o->conns, conn);
	}
	return NULL;
}

/* Opens @n more idle sessions into @conns. */
static gboolean
bench_idle_open(Bench *b, guint n, GPtrArray *conns, gdouble *seconds, GError **error)
{
	BenchOpener openers[BENCH_IDLE_OPENERS] = {0};
	GThread *threads[BENCH_IDLE_OPENERS];
	gint64 start = g_get_monotonic_time();
	gboolean ok = TRUE;

	for (guint i = 0; i < BENCH_IDLE_OPENERS; i++) {
		openers[i].b = b;
		openers[i].index = i;
		openers[i].n = n / BENCH_IDLE_OPENERS + (i < n % BENCH_IDLE_OPENERS ? 1 : 0);
		openers[i].conns = g_ptr_array_new();
		threads[i] = g_thread_new("bench-idle", bench_idle_thread, &openers[i]);
	}
	for (guint i = 0; i < BENCH_IDLE_OPENERS; i++) {
		g_thread_join(threads[i]);
		for (guint k = 0; k < openers[i].conns->len; k++)
			g_ptr_array_add(conns, g_ptr_array_index(openers[i].conns, k));
		g_ptr_array_unref(openers[i].conns);
		if (openers[i].error != NULL) {
			if (ok)
				g_propagate_error(error, openers[i].error);
			else
				g_error_free(openers[i].error);
			ok = FALSE;
		}
	}
	*seconds = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	return ok;
}

typedef struct {
	guint n;
	gint64 rss_kb;
	gint64 threads;
	gdouble open_seconds;
} BenchIdlePoint;

/* Waits (bounded) until tpsd is back to @threads threads: the sessions have ended. */
static void
bench_idle_drain(Bench *b, gint64 threads)
{
	gint64 end = g_get_monotonic_time() + BENCH_IDLE_DRAIN_S * G_USEC_PER_SEC;

	/* tpsd's state, from outside: read /proc every 100 ms */
	while (bench_tpsd_status_value(b->tpsd, "Threads") > threads && g_get_monotonic_time() < end)
		g_usleep(G_USEC_PER_SEC / 10);
}

static gboolean
bench_run_idle(Bench *b, BenchIdlePoint *base, BenchIdlePoint *small, BenchIdlePoint *large, GError **error)
{
	g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func((GDestroyNotify)tps_test_relay_conn_free);
	gdouble seconds = 0;

	base->rss_kb = bench_tpsd_status_value(b->tpsd, "VmRSS");
	base->threads = bench_tpsd_status_value(b->tpsd, "Threads");
	if (!bench_idle_open(b, b->idle_small, conns, &seconds, error))
		return FALSE;
	small->n = conns->len;
	small->open_seconds = seconds;
	small->rss_kb = bench_tpsd_status_value(b->tpsd, "VmRSS");
	small->threads = bench_tpsd_status_value(b->tpsd, "Threads");
	if (!bench_idle_open(b, b->idle_large - conns->len, conns, &seconds, error))
		return FALSE;
	large->n = conns->len;
	large->open_seconds = small->open_seconds + seconds;
	large->rss_kb = bench_tpsd_status_value(b->tpsd, "VmRSS");
	large->threads = bench_tpsd_status_value(b->tpsd, "Threads");
	g_printerr("bench-tps: %u idle sessions held (tpsd: %" G_GINT64_FORMAT " threads)\n", conns->len, large->threads);
	g_ptr_array_set_size(conns, 0);
	bench_idle_drain(b, base->threads);
	return TRUE;
}

/* ---- report --------------------------------------------------------------------------------- */

static void
bench_print_load(Bench *b)
{
	gdouble tpsd_cpu = 0;
	gdouble client_cpu = 0;
	gdouble wall = 0;

	g_print("\n%-20s %5s %8s %9s %9s %10s %10s %10s %8s %10s\n",
		"operation",
		"n",
		"ops/s",
		"p50 ms",
		"p99 ms",
		"tpsd CPU",
		"(password",
		"tpsd peak",
		"APDUs",
		"client CPU");
	g_print("%-20s %5s %8s %9s %9s %10s %10s %10s %8s %10s\n", "", "", "", "", "", "ms/op", "check)", "RSS MiB", "per op", "ms/op");
	for (guint k = 0; k < BENCH_OP_N; k++) {
		BenchOpStats *st = &b->stats[k];

		if (st->n_ops == 0)
			continue;
		g_print("%-20s %5u %8.2f %9.1f %9.1f %10.1f %10.1f %10.1f %8.1f %10.1f\n",
			bench_ops[k].label,
			st->n_ops,
			st->n_ops / st->wall_s,
			bench_percentile(st->latency_ms, 50),
			bench_percentile(st->latency_ms, 99),
			(gdouble)st->tpsd_cpu_us / 1000.0 / st->n_ops,
			st->password_ms / MAX(st->n_logged, 1),
			(gdouble)st->peak_rss_kb / 1024.0,
			(gdouble)st->n_pdus / st->n_ops,
			(gdouble)st->client_cpu_us / 1000.0 / st->n_ops);
		tpsd_cpu += (gdouble)st->tpsd_cpu_us / G_USEC_PER_SEC;
		client_cpu += (gdouble)st->client_cpu_us / G_USEC_PER_SEC;
		wall += st->wall_s;
	}
	g_print("load: %.1f s wall; tpsd used %.0f%% of one CPU on average, the client %.0f%% (%ld CPUs online)\n",
		wall,
		100.0 * tpsd_cpu / wall,
		100.0 * client_cpu / wall,
		sysconf(_SC_NPROCESSORS_ONLN));
}

/* The floor of one ENROLL of @kind and tpsd's CPU per ENROLL as a ratio to it: without the
 * password checks (which tpsd measures and logs per operation), and with them against the
 * floor plus the password check. */
static void
bench_print_floor(Bench *b, BenchFloor *floor, BenchOpKind kind)
{
	BenchOpStats *st = &b->stats[kind];
	gdouble tpsd_ms = (gdouble)st->tpsd_cpu_us / 1000.0 / MAX(st->n_ops, 1);
	gdouble login_ms = st->password_ms / MAX(st->n_logged, 1);
	gdouble floor_ms = floor->total_us / 1000.0;

	g_print("\ncrypto floor of one %s (one thread, same libraries and keys as tpsd):\n", bench_ops[kind].label);
	g_print("  %-44s %6s %10s %12s\n", "", "count", "us each", "us per op");
	for (guint i = 0; i < floor->items->len; i++) {
		BenchFloorItem *item = g_ptr_array_index(floor->items, i);
		g_print("  %-44s %6u %10.1f %12.1f\n", item->name, item->count, item->us_each, item->us_each * item->count);
	}
	g_print("  %-44s %6s %10s %12.1f\n", "FLOOR", "", "", floor->total_us);
	g_print("  tpsd CPU per %s: %.2f ms, of which its password check (scrypt N=2^15 r=8) %.2f ms\n",
		bench_ops[kind].label,
		tpsd_ms,
		login_ms);
	g_print("  RATIO: tpsd CPU beyond the password check = %.2f ms = %.2f x FLOOR (target <= 2)\n",
		tpsd_ms - login_ms,
		(tpsd_ms - login_ms) / floor_ms);
	g_print("  with the password check: %.2f ms = %.2f x (FLOOR + password check = %.2f ms)\n",
		tpsd_ms,
		tpsd_ms / (floor_ms + login_ms),
		floor_ms + login_ms);
}

static void
bench_print_idle(const BenchIdlePoint *base, const BenchIdlePoint *small, const BenchIdlePoint *large)
{
	const BenchIdlePoint *points[] = {small, large};

	g_print("\nidle sessions (BEGIN_OP sent, waiting at LOGIN_REQUEST); tpsd before: %.1f MiB RSS, %" G_GINT64_FORMAT " threads\n",
		(gdouble)base->rss_kb / 1024.0,
		base->threads);
	for (guint i = 0; i < G_N_ELEMENTS(points); i++) {
		const BenchIdlePoint *p = points[i];
		if (p->n == 0)
			continue;
		g_print("  %5u sessions: RSS %.1f MiB, %.1f KiB per session, %.2f threads per session, opened at %.0f/s\n",
			p->n,
			(gdouble)p->rss_kb / 1024.0,
			(gdouble)(p->rss_kb - base->rss_kb) / p->n,
			(gdouble)(p->threads - base->threads) / p->n,
			p->n / MAX(p->open_seconds, 1e-6));
	}
}

static void
bench_print_db(BenchDbResult *r)
{
	struct {
		const gchar *name;
		GArray *values;
	} rows[] = {
	    {"tokens of a user", r->by_user_us},
	    {"token by CUID", r->by_cuid_us},
	    {"status change + activity", r->status_change_us},
	};

	g_print("\ntoken database (SQLite, %u tokens, %.1f MiB; generated in %.1f s = %.0f records/s):\n",
		r->n_records,
		(gdouble)r->file_bytes / (1024.0 * 1024.0),
		r->load_seconds,
		r->n_records / MAX(r->load_seconds, 1e-6));
	g_print("  %-28s %7s %9s %9s\n", "query", "n", "p50 us", "p99 us");
	for (guint i = 0; i < G_N_ELEMENTS(rows); i++)
		g_print("  %-28s %7u %9.1f %9.1f\n",
			rows[i].name,
			rows[i].values->len,
			bench_percentile(rows[i].values, 50),
			bench_percentile(rows[i].values, 99));
}

/* ---- main ----------------------------------------------------------------------------------- */

static gboolean
bench_remove_tree(const gchar *path)
{
	g_autoptr(GDir) dir = NULL;
	const gchar *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR) || g_file_test(path, G_FILE_TEST_IS_SYMLINK))
		return g_unlink(path) == 0;
	dir = g_dir_open(path, 0, NULL);
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		bench_remove_tree(child);
	}
	return g_rmdir(path) == 0;
}

static void
bench_clear(Bench *b)
{
	g_clear_pointer(&b->tokens, g_ptr_array_unref);
	g_clear_pointer(&b->tpsd, bench_tpsd_stop);
	for (guint k = 0; k < BENCH_OP_N; k++)
		g_clear_pointer(&b->stats[k].latency_ms, g_array_unref);
	for (guint i = 0; i < G_N_ELEMENTS(b->shapes); i++)
		g_clear_pointer(&b->shapes[i].wrapped_lc, g_array_unref);
	if (b->state_dir != NULL && !b->keep)
		bench_remove_tree(b->state_dir);
	else if (b->state_dir != NULL)
		g_printerr("bench-tps: state kept in %s\n", b->state_dir);
	g_free(b->state_dir);
	g_free(b->trust_file);
	g_free(b->users_file);
	g_free(b->perf_output);
}

static void
bench_raise_fd_limit(void)
{
	struct rlimit rl;

	/* idle sessions: a socket each here and in tpsd (which inherits the limit) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static gboolean
bench_run(Bench *b, const gchar *tpsd_path, GError **error)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *ca_dir = NULL;
	g_autofree gchar *db_path = NULL;
	g_autoptr(TpsConfig) config = NULL;
	g_autoptr(BenchFloor) floor_rsa = NULL;
	g_autoptr(BenchFloor) floor_ec = NULL;
	g_autoptr(BenchDbResult) db = NULL;
	BenchIdlePoint base = {0};
	BenchIdlePoint small = {0};
	BenchIdlePoint large = {0};
	g_autofree gchar *loadavg = NULL;
	guint taken = 0;
	guint generated = 0;
	gint64 start = g_get_monotonic_time();

	if (!g_file_get_contents("/proc/loadavg", &loadavg, NULL, NULL))
		loadavg = g_strdup("?\n");
	g_print("bench-tps: %u tokens x %u rounds, SCP%02u cards, tpsd %s; %ld CPUs, /proc/loadavg %s",
		b->n_tokens,
		b->n_rounds,
		(guint)b->scp,
		tpsd_path,
		sysconf(_SC_NPROCESSORS_ONLN),
		loadavg);
	for (guint k = 0; k < BENCH_OP_N; k++)
		b->stats[k].latency_ms = g_array_new(FALSE, FALSE, sizeof(gdouble));
	for (guint i = 0; i < G_N_ELEMENTS(b->shapes); i++) {
		b->shapes[i].wrapped_lc = g_array_new(FALSE, FALSE, sizeof(guint));
		b->shapes[i].ec = i == 1;
	}

	/* the cards' RSA keys, outside the timed phases */
	g_printerr("bench-tps: generating %u RSA-2048 card keys\n", 2 * b->n_tokens * b->n_rounds);
	if (!bench_keys_fill(2 * b->n_tokens * b->n_rounds, 2048, (guint)MAX(1, sysconf(_SC_NPROCESSORS_ONLN)), error))
		return FALSE;

	b->state_dir = g_dir_make_tmp("bench-tps-XXXXXX", error);
	if (b->state_dir == NULL)
		return FALSE;
	config_path = g_build_filename(b->state_dir, "tpsd.conf", NULL);
	if (!g_file_set_contents(config_path, BENCH_TPSD_CONFIG, -1, error) || !bench_write_users(b, error))
		return FALSE;
	config = tps_config_load_with_state_dir(config_path, b->state_dir, error);
	if (config == NULL)
		return FALSE;
	b->tpsd = bench_tpsd_start(tpsd_path, config_path, b->state_dir, error);
	if (b->tpsd == NULL)
		return FALSE;
	g_printerr("bench-tps: tpsd (pid %s) on port %u, state in %s\n", bench_tpsd_get_pid(b->tpsd), bench_tpsd_get_port(b->tpsd), b->state_dir);
	b->trust_file = g_build_filename(b->state_dir, "tls", "server.crt", NULL);
	if (!bench_setup_tokens(b, error))
		return FALSE;

	if (!bench_run_load(b, error))
		return FALSE;
	bench_keys_get_stats(&taken, &generated);
	bench_print_load(b);
	g_print("card RSA keys: %u pre-generated, %u generated during the phases\n", taken, generated);
	if (b->perf_output != NULL)
		g_print("profile of tpsd during the first %s phase: %s (perf report -i %s)\n",
			bench_ops[b->perf_kind].label,
			b->perf_output,
			b->perf_output);

	if (b->idle_large > 0) {
		if (!bench_run_idle(b, &base, &small, &large, error))
			return FALSE;
		bench_print_idle(&base, &small, &large);
	}

	/* the floor: after the load, tpsd idle */
	ca_dir = g_strdup(tps_config_get_ca_directory(config));
	floor_rsa = bench_floor_measure(&b->shapes[0], tps_config_get_tks_config(config), ca_dir, b->scp, b->floor_seconds, error);
	if (floor_rsa == NULL)
		return FALSE;
	bench_print_floor(b, floor_rsa, BENCH_OP_ENROLL_RSA);
	if (!b->skip_ec) {
		floor_ec = bench_floor_measure(&b->shapes[1], tps_config_get_tks_config(config), ca_dir, b->scp, b->floor_seconds, error);
		if (floor_ec == NULL)
			return FALSE;
		bench_print_floor(b, floor_ec, BENCH_OP_ENROLL_EC);
	}

	g_clear_pointer(&b->tpsd, bench_tpsd_stop);
	if (b->db_records > 0) {
		g_printerr("bench-tps: token database with %u records\n", b->db_records);
		db_path = g_build_filename(b->state_dir, "bench-tokendb.sqlite", NULL);
		db = bench_db_run(db_path, b->db_records, b->db_queries, error);
		if (db == NULL)
			return FALSE;
		bench_print_db(db);
	}
	g_print("\nbench-tps: done in %.0f s\n", (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	return TRUE;
}

int
main(int argc, char **argv)
{
	Bench b = {0};
	gint tokens = 16;
	gint rounds = 3;
	gint idle_small = 100;
	gint idle_large = 1000;
	gint db_records = 1000000;
	gint db_queries = 2000;
	gint scp = 2;
	gdouble floor_seconds = 0.5;
	g_autofree gchar *tpsd = NULL;
	g_autofree gchar *perf = NULL;
	g_autofree gchar *perf_phase = NULL;
	gboolean keep = FALSE;
	gboolean skip_ec = FALSE;
	const GOptionEntry entries[] = {
	    {"tokens", 'n', 0, G_OPTION_ARG_INT, &tokens, "Emulated tokens working at once (16)", "N"},
	    {"rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Rounds of ENROLL RSA, PIN RESET, FORMAT, ENROLL EC, PIN RESET, FORMAT (3)", "R"},
	    {"idle", 0, 0, G_OPTION_ARG_INT, &idle_small, "First count of idle sessions (100)", "N"},
	    {"idle-max", 0, 0, G_OPTION_ARG_INT, &idle_large, "Second count of idle sessions (1000; 0: none)", "N"},
	    {"db-records", 0, 0, G_OPTION_ARG_INT, &db_records, "Token records in the database test (1000000; 0: none)", "N"},
	    {"db-queries", 0, 0, G_OPTION_ARG_INT, &db_queries, "Queries of each kind (2000)", "N"},
	    {"floor-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &floor_seconds, "CPU seconds per crypto floor item (0.5)", "S"},
	    {"scp", 0, 0, G_OPTION_ARG_INT, &scp, "Secure channel protocol of the cards: 1 or 2 (2)", "N"},
	    {"tpsd", 0, 0, G_OPTION_ARG_FILENAME, &tpsd, "tpsd to run (default $TPS_BENCH_TPSD)", "PATH"},
	    {"perf", 0, 0, G_OPTION_ARG_FILENAME, &perf, "perf record tpsd (DWARF call graphs) during one phase into FILE", "FILE"},
	    {"perf-phase", 0, 0, G_OPTION_ARG_STRING, &perf_phase,
	     "That phase: format-new, enroll-rsa (default), enroll-ec, pin-reset, format", "ID"},
	    {"keep", 0, 0, G_OPTION_ARG_NONE, &keep, "Keep the state directory", NULL},
	    {"skip-ec", 0, 0, G_OPTION_ARG_NONE, &skip_ec, "No EC P-256 phases (a tpsd without userKeyEC)", NULL},
	    {NULL},
	};
	g_autoptr(GOptionContext) options = g_option_context_new("- TPS benchmark");
	g_autoptr(GError) error = NULL;
	gboolean ok;

	g_option_context_add_main_entries(options, entries, NULL);
	if (!g_option_context_parse(options, &argc, &argv, &error)) {
		g_printerr("bench-tps: %s\n", error->message);
		return 2;
	}
	if (tpsd == NULL)
		tpsd = g_strdup(g_getenv("TPS_BENCH_TPSD"));
	if (tpsd == NULL || !g_file_test(tpsd, G_FILE_TEST_IS_EXECUTABLE)) {
		g_printerr("bench-tps: no tpsd (--tpsd or $TPS_BENCH_TPSD)\n");
		return 2;
	}
	if (tokens < 1 || tokens > 256 || rounds < 1 || rounds > 100 || idle_small < 0 || idle_large < 0 ||
	    idle_small > idle_large || idle_large > 10000 || db_records < 0 || db_queries < 1 || floor_seconds <= 0 ||
	    (scp != 1 && scp != 2)) {
		g_printerr("bench-tps: an option is out of range (see --help)\n");
		return 2;
	}
	if (db_records > 0 && db_records < 20) {
		g_printerr("bench-tps: --db-records: 0 or at least 20\n");
		return 2;
	}
	b.n_tokens = (guint)tokens;
	b.n_rounds = (guint)rounds;
	b.idle_small = (guint)idle_small;
	b.idle_large = (guint)idle_large;
	b.db_records = (guint)db_records;
	b.db_queries = (guint)db_queries;
	b.floor_seconds = floor_seconds;
	b.scp = scp == 1 ? TOK_GP_SCP01 : TOK_GP_SCP02;
	b.perf_output = g_steal_pointer(&perf);
	b.perf_kind = BENCH_OP_ENROLL_RSA;
	if (perf_phase != NULL) {
		b.perf_kind = BENCH_OP_N;
		for (guint k = 0; k < BENCH_OP_N; k++) {
			if (g_strcmp0(perf_phase, bench_ops[k].id) == 0)
				b.perf_kind = (BenchOpKind)k;
		}
		if (b.perf_kind == BENCH_OP_N) {
			g_printerr("bench-tps: --perf-phase %s is not a phase (see --help)\n", perf_phase);
			return 2;
		}
	}
	b.keep = keep;
	b.skip_ec = skip_ec;
	bench_raise_fd_limit();
	ok = bench_run(&b, tpsd, &error);
	if (!ok)
		g_printerr("bench-tps: %s\n", error->message);
	bench_clear(&b);
	return ok ? 0 : 1;
}
