/*
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the card is (protocol.md 1.10.1): the getAppletInfo prologue (SELECT default, SELECT
 * card manager, GET DATA CPLC, SELECT CoolKey, GET STATUS), the applet version (SELECT CoolKey,
 * GET BUILD ID), the life cycle byte and the platform detection of 3.2 (GET DATA 0066 and
 * 00E0 on the card manager). The results go into the TpsSession.
 */
#pragma once

#include "tps-session.h"

G_BEGIN_DECLS

/* Fills cplc, cuid, msn, isd, have_status/status. A CPLC that cannot be read is
 * TPS_STATUS_ERROR 3 (CREATE_CARDMGR). */
gboolean
tps_applet_info_read(TpsSession *s, GError **error) TOK_NONNULL(1);
/* SELECT CoolKey + GET BUILD ID: fills have_applet and applet_version ("no applet" is not an
 * error). */
gboolean
tps_applet_info_read_version(TpsSession *s, GError **error) TOK_NONNULL(1);
/* SELECT CoolKey + GET LIFECYCLE; TOK_COOLKEY_LIFECYCLE_UNKNOWN when the card refuses. */
gboolean
tps_applet_info_read_lifecycle(TpsSession *s, GError **error) TOK_NONNULL(1);
/* Once per session: SELECT card manager, GET DATA 0066 and 00E0; SCP02 or SCP03 when the card
 * recognition data says so (SCP02 only with i = 15, any other SCP02 aborts), SCP01 when it
 * cannot be read. Leaves the card manager selected. */
gboolean
tps_applet_info_detect_platform(TpsSession *s, GError **error) TOK_NONNULL(1);
/* SELECT the card manager / the CoolKey applet, requiring 9000. */
gboolean
tps_applet_info_select_isd(TpsSession *s, GError **error) TOK_NONNULL(1);
gboolean
tps_applet_info_select_applet(TpsSession *s, GError **error) TOK_NONNULL(1);

G_END_DECLS
