#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The desktop app under Xvfb, driven through AT-SPI (esc-gui-test.py, dogtail), with a private
# pcscd + vpcd (th-pcsc.sh, given as $1), esc-vcard and tpsd on loopback.
#   test-gui.sh TH_PCSC_SH operations|locale
# Private XDG dirs and HOME in a temporary directory (set before dbus-run-session, so that
# dconf-service and the AT-SPI bus inherit them); /tmp/dogtail-$USER is removed afterwards.
# Output is TAP; "1..0 # SKIP" only when Xvfb, dogtail or the PC/SC harness are really
# missing, or (locale) while po/de.po is missing or not complete.
set -euo pipefail

th_sh=$1
mode=${2:-operations}
. "$th_sh"

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

for p in xvfb-run Xvfb xauth dbus-run-session gsettings stdbuf setpriv nsenter; do
	command -v "$p" > /dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$p" > /dev/null ||
		skip "$p is not installed"
done
PY=/usr/bin/python3 # Debian's, with gi, pyatspi and dogtail
if ! "$PY" -c 'import gi, pyatspi, dogtail' 2> /dev/null; then
	skip "python3-dogtail / python3-pyatspi are not installed"
fi
th_pcsc_available 2> /dev/null || skip "the PC/SC harness cannot run here (it needs root, pcscd and vpcd)"
for v in ESC_GUI TPS_TEST_TPSD TH_ESC_VCARD; do
	[ -x "${!v:-}" ] || skip "\$$v is not an executable (not built)"
done

if [ "$mode" = locale ]; then
	lang=${ESC_GUI_LANGUAGE:-de}
	po=${ESC_SOURCE_ROOT:?}/po/$lang.po
	[ -f "$po" ] || skip "po/$lang.po does not exist yet"
	stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$po" 2>&1 || true)
	case $stats in
	*untranslated* | *fuzzy*) skip "po/$lang.po is not complete yet ($stats)" ;;
	esac
	[ -f "${ESC_LOCALEDIR:?}/$lang/LC_MESSAGES/esc.mo" ] ||
		skip "the $lang catalogue is not built ($ESC_LOCALEDIR/$lang/LC_MESSAGES/esc.mo)"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/esc-gui-XXXXXX")
cleanup() {
	th_pcsc_stop "$W/pcsc"
	rm -rf "/tmp/dogtail-$(id -un)"
	if [ -n "${ESC_GUI_KEEP:-}" ]; then
		echo "# kept $W" >&3
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT

export XDG_CONFIG_HOME=$W/config XDG_CACHE_HOME=$W/cache XDG_DATA_HOME=$W/data XDG_RUNTIME_DIR=$W/runtime
export HOME=$W/home
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" "$HOME"
chmod 700 "$XDG_RUNTIME_DIR"
# the app and dogtail read their settings from dconf in the private dirs, not from memory
unset GSETTINGS_BACKEND
# the software renderer is the same picture, cheaper than llvmpipe GL on a shared machine
export GSK_RENDERER=${GSK_RENDERER:-cairo}
export GUI_TEST_DIR=$W TH_PCSC_DIR=$W/pcsc

# Under ASan (the sanitizers test setup): leak reports of the system libraries below GTK are
# suppressed, on top of the project's own suppressions
case ${LSAN_OPTIONS:-} in
*suppressions=*)
	supp=${LSAN_OPTIONS#*suppressions=}
	supp=${supp%%:*}
	cat "$supp" "$(dirname "$0")/lsan-gui.supp" > "$W/lsan.supp"
	export LSAN_OPTIONS=${LSAN_OPTIONS/suppressions=$supp/suppressions=$W/lsan.supp}
	;;
esac

th_pcsc_start "$W/pcsc"

# TAP goes to fd 3 (our stdout); everything else (the AT-SPI registry, dogtail, dbus) to stderr.
# Not exec: the EXIT trap must run.
exec 3>&1 1>&2
status=0
GUI_TAP_FD=3 xvfb-run -a -s '-screen 0 1280x1024x24 -nolisten tcp' \
	dbus-run-session -- "$PY" "$(dirname "$0")/esc-gui-test.py" "$mode" || status=$?
exit $status
