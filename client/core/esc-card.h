/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscCard: one card in one reader, driven by ONE worker thread that owns its own PC/SC
 * context and card handle (pcsc-lite contexts are not shared between threads). Work is
 * submitted as jobs; jobs of one card run one after another, in submission order, on that
 * thread, each optionally inside SCardBeginTransaction/EndTransaction, and may block. Results
 * come back through GTask on the caller's thread-default main context.
 *
 * The worker thread starts with the first job and connects lazily (SCARD_SHARE_SHARED,
 * T=0|T=1); the connection is kept between jobs and re-made when the card was removed, reset
 * or pcscd restarted in the meantime. Dispose stops and joins the thread; an async job's data,
 * GTask and card reference are released on the caller's context, so a callback may drop the
 * last reference. Only when a job itself drops the last reference (on the worker thread) is
 * the thread detached: it then ends on its own, after releasing its PC/SC context and its
 * OpenSSL thread state.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ESC_TYPE_CARD (esc_card_get_type())
G_DECLARE_FINAL_TYPE(EscCard, esc_card, ESC, CARD, GObject)

/* No I/O yet; the worker thread is started with the first job. */
EscCard *
esc_card_new(const gchar *reader) G_GNUC_WARN_UNUSED_RESULT;
const gchar *
esc_card_get_reader(EscCard *self);

/* Valid only inside the job function, on the worker thread. */
typedef struct _EscCardJob EscCardJob;
typedef gboolean (*EscCardJobFunc)(EscCardJob *job, gpointer data, GCancellable *cancellable, GError **error);

/* Runs @func on the worker thread: connects (SCARD_SHARE_SHARED, T0|T1) if not connected,
 * begins a transaction when @transaction, runs the job, ends the transaction
 * (SCARD_LEAVE_CARD). Jobs of one card run one after another in submission order. @data_free
 * (may be NULL) is called on @data on the caller's thread-default main context once the job
 * has run (or was not run because it failed to start), just before @callback. The GTask (and
 * its reference on the card) is released there too. A cancelled @cancellable stops the job
 * before it starts and between APDUs (ESC_ERROR_CANCELLED); a job that completed reports its
 * own result even if @cancellable fired meanwhile. */
void
esc_card_run_job_async(EscCard *self,
		       gboolean transaction,
		       EscCardJobFunc func,
		       gpointer data,
		       GDestroyNotify data_free,
		       GCancellable *cancellable,
		       GAsyncReadyCallback callback,
		       gpointer user_data);
gboolean
esc_card_run_job_finish(EscCard *self, GAsyncResult *result, GError **error);
/* The same, blocking the calling thread (for escctl/tests; never call from a main loop
 * callback of a GUI, nor from inside a job: that fails with ESC_ERROR_FAILED). */
gboolean
esc_card_run_job_sync(EscCard *self,
		      gboolean transaction,
		      EscCardJobFunc func,
		      gpointer data,
		      GCancellable *cancellable,
		      GError **error);

/* Inside a job: one SCardTransmit of the raw command; returns response data || SW1 SW2
 * exactly as the card sent it (no GET RESPONSE handling: the relay is verbatim). Card pulled →
 * ESC_ERROR_CARD_REMOVED. Card reset by someone else (SCARD_W_RESET_CARD) → reconnects
 * (SCARD_LEAVE_CARD), re-reads the CUID (CPLC) and fails with ESC_ERROR_CARD_CHANGED if it
 * differs from the one the job or an earlier job set (esc_card_job_set_cuid()), otherwise
 * fails with ESC_ERROR_CARD ("the card was reset") because secure-channel state is lost.
 * pcscd gone → ESC_ERROR_NO_SERVICE. Cancelled → ESC_ERROR_CANCELLED (nothing sent). */
GBytes *
esc_card_job_transmit(EscCardJob *job, GBytes *command, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* Inside a job: transmit, then follow 61xx with GET RESPONSE and 6Cxx with a resend (for the
 * probe's own commands, not for relaying). */
GBytes *
esc_card_job_transmit_full(EscCardJob *job, GBytes *command, GError **error) G_GNUC_WARN_UNUSED_RESULT;
/* (transfer full) The ATR of the connected card. */
GBytes *
esc_card_job_get_atr(EscCardJob *job) G_GNUC_WARN_UNUSED_RESULT;
/* APDUs sent in this job so far (GET RESPONSEs and resends included). */
guint
esc_card_job_get_apdu_count(EscCardJob *job);
const gchar *
esc_card_job_get_reader(EscCardJob *job);
/* The CUID (10 bytes) the card is known by, which a reset check compares with: the probe
 * sets it after reading the CPLC. Kept across jobs. */
void
esc_card_job_set_cuid(EscCardJob *job, GBytes *cuid);
/* (transfer full) The CUID set before, or NULL. */
GBytes *
esc_card_job_get_cuid(EscCardJob *job) G_GNUC_WARN_UNUSED_RESULT;

/* A raw transmit function (command → data || SW1 SW2), as the job's esc_card_job_transmit()
 * or a scripted card in tests. */
typedef GBytes *(*EscCardTransmitFunc)(GBytes *command, gpointer user_data, GError **error);

/* Transmits @command with @transmit, then follows 61xx with GET RESPONSE (00 C0 00 00 xx,
 * concatenating the data, at most 65536 bytes) and answers 6Cxx by resending @command with
 * Le = xx once. Returns data || SW1 SW2 of the final answer. A response shorter than a status
 * word is ESC_ERROR_CARD. */
GBytes *
esc_card_transmit_full(EscCardTransmitFunc transmit, gpointer user_data, GBytes *command, GError **error)
    G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
