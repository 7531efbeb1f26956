/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * th-pcsc-wait READER present|absent TIMEOUT_MS
 *
 * Waits with SCardGetStatusChange until READER has a card (present) or none (absent), for
 * th-pcsc.sh. Uses PCSCLITE_CSOCK_NAME like every PC/SC client. Exit status 0 when the state
 * was reached, 1 on timeout or a PC/SC error (said on stderr), 2 on bad arguments.
 */
#include "config.h"

#include <glib.h>
#include <stdio.h>
#include <winscard.h>

int
main(int argc, char **argv)
{
	SCARDCONTEXT ctx = 0;
	SCARD_READERSTATE state = {0};
	gboolean present;
	gint64 deadline;
	LONG rv;
	int status = 1;

	if (argc != 4 ||
	    (g_strcmp0(argv[2], "present") != 0 && g_strcmp0(argv[2], "absent") != 0)) {
		fprintf(stderr, "usage: th-pcsc-wait READER present|absent TIMEOUT_MS\n");
		return 2;
	}
	present = g_strcmp0(argv[2], "present") == 0;
	deadline = g_get_monotonic_time() + g_ascii_strtoll(argv[3], NULL, 10) * 1000;
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr,
			"th-pcsc-wait: SCardEstablishContext: %s\n",
			pcsc_stringify_error(rv));
		return 1;
	}
	state.szReader = argv[1];
	state.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;

		if (left_ms <= 0) {
			fprintf(stderr, "th-pcsc-wait: '%s' not %s in time\n", argv[1], argv[2]);
			break;
		}
		rv = SCardGetStatusChange(ctx, (DWORD)MIN(left_ms, 250), &state, 1);
		if (rv == SCARD_E_TIMEOUT)
			continue;
		if (rv == SCARD_E_UNKNOWN_READER ||
		    (rv == SCARD_S_SUCCESS && (state.dwEventState & SCARD_STATE_UNKNOWN))) {
			state.dwCurrentState = SCARD_STATE_UNAWARE;
			g_usleep(10 * 1000);
			continue;
		}
		if (rv != SCARD_S_SUCCESS) {
			fprintf(stderr,
				"th-pcsc-wait: SCardGetStatusChange: %s\n",
				pcsc_stringify_error(rv));
			break;
		}
		if (((state.dwEventState & SCARD_STATE_PRESENT) != 0) == present &&
		    (!present || (state.dwEventState & SCARD_STATE_MUTE) == 0)) {
			status = 0;
			break;
		}
		state.dwCurrentState = state.dwEventState;
	}
	SCardReleaseContext(ctx);
	return status;
}
