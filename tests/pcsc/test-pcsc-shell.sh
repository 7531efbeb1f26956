#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The shell harness (tests/harness/th-pcsc.sh, given as $1) with esc-vcard ($TH_ESC_VCARD):
# two cards in one private pcscd, OpenSC sees them, removal is noticed. Exit 77: skipped.
set -euo pipefail

. "$1"

th_pcsc_available || exit 77
if [ ! -x "${TH_ESC_VCARD:-}" ]; then
	echo "esc-vcard not found (\$TH_ESC_VCARD)" >&2
	exit 77
fi
if ! command -v opensc-tool > /dev/null; then
	echo "opensc-tool is not installed" >&2
	exit 77
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/th-pcsc-shell-XXXXXX")
trap 'th_pcsc_stop "$W"; rm -rf "$W"' EXIT

th_pcsc_start "$W"
[ "$PCSCLITE_CSOCK_NAME" = "$W/run/pcscd/pcscd.comm" ]

th_pcsc_card "$W" 0 "$TH_ESC_VCARD"
th_pcsc_wait "$W" 0 10
name=$(opensc-tool --name 2> /dev/null)
if [ "$name" != COOLKEY ]; then
	echo "opensc-tool --name said '$name', not COOLKEY" >&2
	exit 1
fi

# a second card in slot 1
th_pcsc_card "$W" 1 "$TH_ESC_VCARD" --scp 3 --cuid B0B1B2B3B4B5B6B7B8B9
th_pcsc_wait "$W" 1 10
opensc-tool --list-readers | grep -Eq '^1 +Yes +.*Virtual PCD 00 01'

# a card that dies is reported, not waited for
kill -9 "$(cat "$W/card-0.pid")"
# SIGKILL is delivered asynchronously: until the process has exited, the card is legitimately
# still there. Wait (bounded) for it to be gone, then the wait below must report it dead.
for _ in $(seq 100); do
	th_pcsc__alive "$W/card-0.pid" || break
	sleep 0.05
done
if th_pcsc_wait "$W" 0 5 present 2> /dev/null; then
	echo "th_pcsc_wait did not notice the dead card" >&2
	exit 1
fi
th_pcsc_wait "$W" 0 10 absent
opensc-tool --list-readers | grep -Eq '^0 +No +.*Virtual PCD 00 00'

th_pcsc_stop "$W"
if [ -e "$W/pcscd.pid" ]; then
	echo "th_pcsc_stop left $W/pcscd.pid" >&2
	exit 1
fi
echo "ok: th-pcsc.sh"
