# SPDX-License-Identifier: LGPL-2.1-or-later
# th-pcsc.sh -- a private pcscd + vpcd for shell tests: the shell twin of th-pcsc.h
# (test-infra.md part A). Source it from bash; safe under `set -euo pipefail`.
#
#   th_pcsc_available            returns 0 if this machine can run it, else says why on stderr
#                                and returns 1 (a test then exits 77: skipped)
#   th_pcsc_start DIR            pcscd in a new mount + network namespace (DIR/run bound over
#                                /run, lo up, quickack route); exports PCSCLITE_CSOCK_NAME=
#                                DIR/run/pcscd/pcscd.comm; log DIR/pcscd.log
#   th_pcsc_card DIR SLOT CMD..  runs `CMD.. --port $((TH_PCSC_PORT + SLOT))` inside the
#                                namespace as the card of SLOT (0 or 1); log DIR/card-SLOT.log
#   th_pcsc_wait DIR SLOT [SECS] [present|absent]
#                                waits (default 10 s, present) for the reader of SLOT; fails
#                                early, with the log, if pcscd or the card died
#   th_pcsc_stop DIR             stops the cards and pcscd and reaps them (safe twice, in traps)
#
# $TH_PCSC_WAIT: the th-pcsc-wait helper (SCardGetStatusChange); without it th_pcsc_wait
# polls `opensc-tool -l`. $TH_PCSC_PCSCD_FLAGS: extra pcscd flags ("-a -d" logs APDUs).
# Children get SIGKILL if the calling shell dies (setpriv --pdeathsig). Never use a bare
# `wait` in the caller: pcscd and the cards are its children.

TH_PCSC_PORT=35963
TH_PCSC_VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so

th_pcsc__path() {
	PATH=$PATH:/usr/sbin:/sbin command -v "$1" 2>/dev/null
}

th_pcsc__tail() {
	echo "--- last lines of $1:" >&2
	tail -n 12 "$1" >&2 2>/dev/null || true
}

# Running, i.e. not gone and not a zombie: a card killed a moment ago stays a zombie until
# this shell reaps it, and kill -0 still succeeds on it.
th_pcsc__alive() {
	local pid stat
	pid=$(cat "$1" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	read -r stat < "/proc/$pid/stat" 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

th_pcsc_available() {
	local p
	for p in pcscd unshare nsenter ip setpriv; do
		if [ -z "$(th_pcsc__path "$p")" ]; then
			echo "th-pcsc: $p is not installed" >&2
			return 1
		fi
	done
	if [ ! -e "$TH_PCSC_VPCD_DRIVER" ]; then
		echo "th-pcsc: vpcd is not installed ($TH_PCSC_VPCD_DRIVER)" >&2
		return 1
	fi
	if [ "$(id -u)" -ne 0 ] || ! unshare --mount --net --propagation private true 2>/dev/null; then
		echo "th-pcsc: cannot create mount and network namespaces (needs root)" >&2
		return 1
	fi
}

th_pcsc_start() {
	local dir=$1 sock i flags=()
	mkdir -p "$dir/run" "$dir/conf"
	dir=$(cd "$dir" && pwd)
	printf '%s\n' 'FRIENDLYNAME "Virtual PCD"' "DEVICENAME   /dev/null:$TH_PCSC_PORT" \
		"LIBPATH      $TH_PCSC_VPCD_DRIVER" "CHANNELID    $TH_PCSC_PORT" > "$dir/conf/vpcd"
	if [ -n "${TH_PCSC_PCSCD_FLAGS:-}" ]; then
		read -r -a flags <<< "$TH_PCSC_PCSCD_FLAGS"
	fi
	# setpriv -> unshare -> sh -> pcscd all exec: $! is pcscd's PID
	setpriv --pdeathsig KILL unshare --mount --net --propagation private sh -c '
		set -e
		PATH=$PATH:/usr/sbin:/sbin
		dir=$1; shift
		mount --bind "$dir/run" /run
		ip link set lo up
		ip route change local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1 quickack 1 ||
			echo "th-pcsc: warning: quickack route not set" >&2
		if pcscd --help 2>&1 | grep -q -- --disable-polkit; then set -- "$@" --disable-polkit; fi
		exec pcscd --foreground -c "$dir/conf" "$@"' th-pcsc-ns "$dir" ${flags[@]+"${flags[@]}"} \
		> "$dir/pcscd.log" 2>&1 < /dev/null &
	echo $! > "$dir/pcscd.pid"
	sock=$dir/run/pcscd/pcscd.comm
	for i in $(seq 200); do
		[ -S "$sock" ] && break
		if ! th_pcsc__alive "$dir/pcscd.pid"; then
			echo "th-pcsc: pcscd died while starting" >&2
			th_pcsc__tail "$dir/pcscd.log"
			return 1
		fi
		sleep 0.05
	done
	if [ ! -S "$sock" ]; then
		echo "th-pcsc: no pcscd socket $sock after 10 s" >&2
		th_pcsc__tail "$dir/pcscd.log"
		return 1
	fi
	export PCSCLITE_CSOCK_NAME=$sock
}

th_pcsc_card() {
	local dir=$1 slot=$2
	shift 2
	setpriv --pdeathsig KILL nsenter --target "$(cat "$dir/pcscd.pid")" --net -- \
		"$@" --port $((TH_PCSC_PORT + slot)) >> "$dir/card-$slot.log" 2>&1 < /dev/null &
	echo $! > "$dir/card-$slot.pid"
}

th_pcsc_wait() {
	local dir=$1 slot=$2 secs=${3:-10} want=${4:-present} reader deadline
	reader=$(printf 'Virtual PCD 00 %02X' "$slot")
	deadline=$(($(date +%s) + secs))
	while :; do
		if ! th_pcsc__alive "$dir/pcscd.pid"; then
			echo "th-pcsc: pcscd is not running" >&2
			th_pcsc__tail "$dir/pcscd.log"
			return 1
		fi
		if [ "$want" = present ] && ! th_pcsc__alive "$dir/card-$slot.pid"; then
			echo "th-pcsc: the card in slot $slot is not running" >&2
			th_pcsc__tail "$dir/card-$slot.log"
			return 1
		fi
		if [ -n "${TH_PCSC_WAIT:-}" ] && [ -x "$TH_PCSC_WAIT" ]; then
			if PCSCLITE_CSOCK_NAME=$dir/run/pcscd/pcscd.comm "$TH_PCSC_WAIT" "$reader" "$want" 250 2>/dev/null; then
				return 0
			fi
		elif PCSCLITE_CSOCK_NAME=$dir/run/pcscd/pcscd.comm opensc-tool -l 2>/dev/null |
			grep -Eq "^$slot +$([ "$want" = present ] && echo Yes || echo No) "; then
			return 0
		else
			sleep 0.1
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "th-pcsc: reader '$reader' not $want after ${secs}s" >&2
			th_pcsc__tail "$dir/pcscd.log"
			return 1
		fi
	done
}

th_pcsc_stop() {
	local dir=$1 f p i
	for f in "$dir"/card-*.pid "$dir/pcscd.pid"; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		kill "$p" 2>/dev/null || true
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		rm -f "$f"
	done
}
