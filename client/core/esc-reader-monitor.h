/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * EscReaderMonitor: readers and cards as they come and go, without polling. A thread of its
 * own, with its own PC/SC context, blocks in SCardGetStatusChange(INFINITE) on every reader and
 * the "\\?PnP?\Notification" pseudo-reader; stop() wakes it with SCardCancel. Signals are
 * emitted on the main context the monitor was created in (its thread-default context then).
 *
 * After start() the first "service-changed" says whether pcscd could be reached (TRUE before
 * the readers are announced, or FALSE); later ones report changes. When pcscd goes away,
 * "service-changed"(FALSE) is emitted after the readers it knew were announced removed; the
 * thread then waits for pcscd to come back (SCardEstablishContext retried with a back-off
 * from 0.5 s to 5 s: waiting for a daemon, not polling readers), emits
 * "service-changed"(TRUE) and re-announces readers and cards.
 *
 * signals: "reader-added" (const gchar *reader), "reader-removed" (const gchar *reader),
 *          "card-inserted" (const gchar *reader, GBytes *atr), "card-removed" (const gchar *reader),
 *          "service-changed" (gboolean available)
 * A card swapped faster than one wake-up is reported as card-removed then card-inserted.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ESC_READER_MONITOR_PNP_READER "\\\\?PnP?\\Notification"
#define ESC_READER_MONITOR_BACKOFF_MIN_MS 500
#define ESC_READER_MONITOR_BACKOFF_MAX_MS 5000

#define ESC_TYPE_READER_MONITOR (esc_reader_monitor_get_type())
G_DECLARE_FINAL_TYPE(EscReaderMonitor, esc_reader_monitor, ESC, READER_MONITOR, GObject)

EscReaderMonitor *
esc_reader_monitor_new(void) G_GNUC_WARN_UNUSED_RESULT;
/* Starts the monitor thread: emits reader-added/card-inserted for what is present now, then
 * follows changes. If pcscd is not running or restarts, it emits "service-changed"(FALSE),
 * waits for pcscd to come back and re-announces. TRUE if it was running already. */
gboolean
esc_reader_monitor_start(EscReaderMonitor *self, GError **error);
/* SCardCancel + join; also on dispose. Events not yet delivered are dropped and the
 * known readers are forgotten (without signals). */
void
esc_reader_monitor_stop(EscReaderMonitor *self);
gboolean
esc_reader_monitor_is_running(EscReaderMonitor *self);
/* As announced by the signals emitted so far: sorted, transfer full. */
GStrv
esc_reader_monitor_get_readers(EscReaderMonitor *self) G_GNUC_WARN_UNUSED_RESULT;
/* (transfer full) The ATR of the card in @reader; NULL: no card or no such reader. */
GBytes *
esc_reader_monitor_get_atr(EscReaderMonitor *self, const gchar *reader) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE from "service-changed"(TRUE) until "service-changed"(FALSE) or stop(); FALSE before
 * the monitor thread has reached pcscd (before start() too: not known yet). */
gboolean
esc_reader_monitor_get_service_available(EscReaderMonitor *self);

G_END_DECLS
