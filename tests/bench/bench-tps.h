/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TPS benchmark (bench-tps.c): what its parts share.
 *
 *  - bench-tps-server.c  starts tpsd on loopback HTTPS in a state directory and reads its
 *                        CPU time, RSS and thread count from /proc;
 *  - bench-tps-keys.c    the pool of pre-generated RSA keys the in-process virtual cards draw
 *                        from (so that client-side RSA key generation stays out of the
 *                        timed window; the TPS still verifies and certifies every key);
 *  - bench-tps-floor.c   the crypto floor: the server-side cryptography of one ENROLL done
 *                        directly in a loop with the same libraries;
 *  - bench-tps-db.c      the token database at 1,000,000 records.
 */
#pragma once

#include <gio/gio.h>
#include <openssl/evp.h>

#include "tks-service.h"
#include "tok-gp-keys.h"

G_BEGIN_DECLS

/* ---- statistics ------------------------------------------------------------------------ */

/* Sorted copy's percentile @p (0..100) of @values (gdouble), 0 when empty. */
gdouble
bench_percentile(GArray *values, gdouble p);
/* CPU time of the calling thread, in microseconds. */
gint64
bench_thread_cpu_us(void);
/* CPU time (user + system) of this process, in microseconds. */
gint64
bench_process_cpu_us(void);

/* ---- tpsd ------------------------------------------------------------------------------ */

typedef struct _BenchTpsd BenchTpsd;

/* Starts @tpsd_path with --config @config_path --state-dir @state_dir --port 0; its stderr
 * (the log) goes to @state_dir/tpsd.log. Waits for the "listening on" line. */
BenchTpsd *
bench_tpsd_start(const gchar *tpsd_path, const gchar *config_path, const gchar *state_dir, GError **error);
/* SIGTERM, then waits (SIGKILL after a while). */
void
bench_tpsd_stop(BenchTpsd *t);
guint16
bench_tpsd_get_port(BenchTpsd *t);
/* "12345" */
const gchar *
bench_tpsd_get_pid(BenchTpsd *t);
/* utime + stime from /proc/<pid>/stat, microseconds; -1 on error. */
gint64
bench_tpsd_cpu_us(BenchTpsd *t);
/* A "Vm..." / "Threads" value of /proc/<pid>/status (kB for Vm*), -1 on error. */
gint64
bench_tpsd_status_value(BenchTpsd *t, const gchar *field);
/* Resets VmHWM to the current RSS (writes 5 to /proc/<pid>/clear_refs). */
gboolean
bench_tpsd_reset_peak(BenchTpsd *t, GError **error);
/* The size of its log now (an offset for bench_tpsd_log_costs()). */
gint64
bench_tpsd_log_size(BenchTpsd *t);
/* Sums what tpsd logged after @offset about the operations it completed ("... done (CPU x ms,
 * password check y ms)"): how many, their session-thread CPU and password-check CPU (ms). */
gboolean
bench_tpsd_log_costs(BenchTpsd *t, gint64 offset, guint *n_done, gdouble *cpu_ms, gdouble *password_ms, GError **error);
/* The last @n lines of its log. */
gchar *
bench_tpsd_log_tail(BenchTpsd *t, guint n);
/* Starts `perf record --call-graph dwarf` on tpsd writing @output; NULL (a message printed) when perf cannot. */
GSubprocess *
bench_tpsd_perf_start(BenchTpsd *t, const gchar *output);
/* Stops perf (SIGINT) and waits for it to write its file. */
void
bench_tpsd_perf_stop(GSubprocess *perf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchTpsd, bench_tpsd_stop)

/* ---- the key pool (vcard's EVP_PKEY_Q_keygen is linked to this, see the .c) ------------ */

/* Generates @n RSA keys of @bits with @n_threads threads and puts them into the pool. */
gboolean
bench_keys_fill(guint n, guint bits, guint n_threads, GError **error);
/* Keys taken from the pool, and RSA keys the cards had to generate themselves (pool empty). */
void
bench_keys_get_stats(guint *taken, guint *generated);
/* A fresh RSA key, never from the pool. */
EVP_PKEY *
bench_keys_generate_rsa(guint bits);

/* ---- the crypto floor ------------------------------------------------------------------ */

/* What one ENROLL did on the wire, as the client saw it. */
typedef struct {
	guint n_channels;      /* INITIALIZE UPDATE commands (secure channels opened) */
	GArray *wrapped_lc;    /* guint: Lc of every other CLA 84 command (C-DEC + C-MAC) */
	gboolean ec;	       /* EC P-256 keys (else RSA-2048) */
} BenchEnrollShape;

typedef struct {
	gchar *name;
	guint count;	    /* per ENROLL */
	gdouble us_each;    /* CPU microseconds per call */
} BenchFloorItem;

typedef struct {
	GPtrArray *items; /* BenchFloorItem */
	gdouble total_us; /* per ENROLL */
} BenchFloor;

void
bench_floor_free(BenchFloor *floor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchFloor, bench_floor_free)

/* The floor of one ENROLL of @shape: TKS (random data, session keys with the card cryptogram
 * check and host cryptogram, encrypt-data for the keygen challenge), the host session's
 * C-DEC + C-MAC wrapping of every wrapped command, the two proof-of-possession checks (with
 * the TPS's own function), the CA's checks and signatures of two certificates (the key of the
 * CA in @ca_dir, as tpsd's CA does them) and the z0 object's zlib encoding. @tks_config: the
 * [tks] groups tpsd runs with. @cuid: 10 bytes. @scp: the cards'. Each item runs for about
 * @seconds_per_item of thread CPU time. */
BenchFloor *
bench_floor_measure(const BenchEnrollShape *shape,
		    GKeyFile *tks_config,
		    const gchar *ca_dir,
		    TokGpScp scp,
		    gdouble seconds_per_item,
		    GError **error);


/* ---- the token database ---------------------------------------------------------------- */

typedef struct {
	guint n_records;
	gdouble load_seconds;	 /* generating them: one transaction, one prepared statement */
	gint64 file_bytes;
	GArray *by_user_us;	 /* gdouble per query */
	GArray *by_cuid_us;
	GArray *status_change_us;
} BenchDbResult;

void
bench_db_result_free(BenchDbResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BenchDbResult, bench_db_result_free)

/* Creates @path with the TPS's schema, fills it with @n_records tokens (two per user), then
 * times @n_queries lookups by user, by CUID, and status changes (ACTIVE -> SUSPENDED with its
 * activity record) through the TPS's TpsTokenDb. */
BenchDbResult *
bench_db_run(const gchar *path, guint n_records, guint n_queries, GError **error);

G_END_DECLS
