/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * OpenSC's pkcs11-tool against the cards of a ThPcsc instance (th_pcsc_run()), for the tests
 * that check what a TPS operation left on a card. Failures to run it are test assertions;
 * its own failures are its exit status, logged with its output.
 */
#pragma once

#include "th-pcsc.h"

G_BEGIN_DECLS

/* FALSE (and g_test_skip) when pkcs11-tool or OpenSC's module is not installed. */
gboolean
th_pkcs11_check_available(void);
/* pkcs11-tool --module TH_PCSC_OPENSC_PKCS11 and the NULL-terminated arguments, killed after
 * @timeout_ms; its exit status. @out (may be NULL): its standard output. */
gint
th_pkcs11_tool(ThPcsc *pcsc, guint timeout_ms, gchar **out, ...) G_GNUC_NULL_TERMINATED;
/* Signs @data (a DigestInfo) with the key of ID 01 through CKM_RSA_PKCS after logging in with
 * @pin (files in th_pcsc_get_dir()); the signature in *@signature. FALSE when pkcs11-tool
 * failed (e.g. a wrong PIN). */
gboolean
th_pkcs11_sign(ThPcsc *pcsc, guint timeout_ms, const gchar *pin, GBytes *data, GBytes **signature);

G_END_DECLS
