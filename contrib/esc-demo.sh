#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# esc-demo.sh: the headless demo behind `./run demo` (README.md): tpsd on its embedded defaults,
# a virtual card (esc-vcard) in a private pcscd + vpcd, and escctl taking the card through
# FORMAT (if blank), ENROLL, the certificate list and PIN RESET; then how to use the card with
# OpenSC, with tpsd and the card left running until Enter or Ctrl-C.
#
#   contrib/esc-demo.sh --build-dir DIR [--state-dir DIR] [--port N] [--non-interactive]
#
#   --build-dir DIR      a meson build directory with tpsd, escctl, esc-vcard, th-pcsc-wait
#   --state-dir DIR      default $ESC_DEMO_STATE_DIR, else $XDG_STATE_HOME/esc-demo, else
#                        ~/.local/state/esc-demo: tpsd's state (TLS certificate, CA, TKS keys,
#                        token database, users) and the card (card.state), kept between runs
#   --port N             tpsd's HTTPS port (default $ESC_DEMO_PORT, else 8443 or, when that is
#                        taken, any free port)
#   --non-interactive    do not wait for Enter: check the card with OpenSC and stop (tests)
#
# The card uses its default secure channel, SCP01 with the developer keys 40..4F: tpsd's TKS
# uses those keys as they are for SCP01/SCP02, while for SCP03 it diversifies the developer key
# with EMV, which `esc-vcard --scp 3` (raw 40..4F) would not match.
#
# The private pcscd needs mount and network namespaces, i.e. root (as ./run does anyway).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

build=
state=${ESC_DEMO_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/esc-demo}
port=${ESC_DEMO_PORT:-}
interactive=1
first_pin=123456
second_pin=654321

die() { printf 'esc-demo: %s\n' "$*" >&2; exit 1; }
step() { printf '\n==> %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --state-dir) state=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --non-interactive) interactive=0; shift ;;
    -h|--help) sed -n '3,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ -n "$build" ] || die "--build-dir is required"
build=$(cd "$build" && pwd) || die "no build directory $build"

tpsd=$build/server/tps/operations/tpsd
escctl=$build/client/tool/escctl
vcard=$build/tests/vcard/esc-vcard
export TH_PCSC_WAIT=$build/tests/harness/th-pcsc-wait
for p in "$tpsd" "$escctl" "$vcard" "$TH_PCSC_WAIT"; do
  [ -x "$p" ] || die "$p is not built (meson compile -C $build)"
done
opensc_module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so

# shellcheck source=../tests/harness/th-pcsc.sh
. "$top/tests/harness/th-pcsc.sh"
th_pcsc_available || die "the virtual card needs a private pcscd, which needs root: run it as root (sudo ./run demo)"

mkdir -p "$state"
chmod 700 "$state"
state=$(cd "$state" && pwd)
runtime=$(mktemp -d "${TMPDIR:-/tmp}/esc-demo.XXXXXX")
tpsd_pid=
cleanup() {
  trap - EXIT INT TERM
  th_pcsc_stop "$runtime/pcsc" 2>/dev/null || true
  if [ -n "$tpsd_pid" ]; then
    kill "$tpsd_pid" 2>/dev/null || true
    wait "$tpsd_pid" 2>/dev/null || true
  fi
  rm -rf "$runtime"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tpsd -----------------------------------------------------------------------------------
# Embedded defaults, except that the token policy allows PIN RESET (its default is no).
cat > "$state/tpsd.conf" <<'CONF'
# written by contrib/esc-demo.sh: tpsd's embedded defaults, plus PIN reset allowed
[tokendb]
default-policy=RE_ENROLL=YES;RENEW=NO;FORCE_FORMAT=NO;PIN_RESET=YES;RESET_PIN_RESET_TO_NO=NO
CONF
# tpsd prints the demo user's password once, when it creates the users file: keep it. A users
# file from an older demo without the saved password is moved aside so a new one is made.
if [ -f "$state/tps/users" ] && [ ! -s "$state/demo-password" ]; then
  mv "$state/tps/users" "$state/tps/users.old.$$"
fi

start_tpsd() {
  : > "$runtime/tpsd.log"
  setpriv --pdeathsig TERM stdbuf -oL -eL "$tpsd" --config "$state/tpsd.conf" --state-dir "$state/tps" --port "$1" \
    >> "$runtime/tpsd.log" 2>&1 < /dev/null &
  tpsd_pid=$!
  local i
  for i in $(seq 600); do
    grep -q 'listening on https://' "$runtime/tpsd.log" && return 0
    kill -0 "$tpsd_pid" 2>/dev/null || { wait "$tpsd_pid" 2>/dev/null || true; tpsd_pid=; return 1; }
    sleep 0.1
  done
  cat "$runtime/tpsd.log" >&2
  die "tpsd did not start within 60 s"
}

step "Starting the Token Processing System (tpsd, state in $state/tps)"
if [ -n "$port" ]; then
  start_tpsd "$port" || { cat "$runtime/tpsd.log" >&2; die "tpsd could not start on port $port"; }
elif ! start_tpsd 8443; then
  echo "port 8443 is taken; tpsd takes any free port"
  start_tpsd 0 || { cat "$runtime/tpsd.log" >&2; die "tpsd could not start"; }
fi
cat "$runtime/tpsd.log"
port=$(sed -n 's|.*listening on https://[^:]*:\([0-9]*\)/.*|\1|p' "$runtime/tpsd.log" | head -n 1)
[ -n "$port" ] || die "cannot read tpsd's port"
password=$(sed -n 's/.*created the demo user "demo" with the password "\([^"]*\)".*/\1/p' "$runtime/tpsd.log")
if [ -n "$password" ]; then
  (umask 077 && printf '%s\n' "$password" > "$state/demo-password")
fi
[ -s "$state/demo-password" ] || die "the demo user's password is unknown: remove $state and start again"
url=https://localhost:$port/tps/tps
phone_home=https://localhost:$port/tps/phoneHome
ca=$state/tps/tls/server.crt

# ---- the virtual card -----------------------------------------------------------------------
step "Plugging the virtual card (esc-vcard, SCP01, state in $state/card.state) into a private pcscd"
th_pcsc_start "$runtime/pcsc"
th_pcsc_card "$runtime/pcsc" 0 "$vcard" --state "$state/card.state" --log "$state/card.log"
th_pcsc_wait "$runtime/pcsc" 0 20
echo "PCSCLITE_CSOCK_NAME=$PCSCLITE_CSOCK_NAME"

printf '%s\n' "$first_pin" > "$runtime/pin1"
printf '%s\n' "$second_pin" > "$runtime/pin2"
esc() {
  show "escctl $*"
  "$escctl" --non-interactive "$@"
}
login=(--ca-file "$ca" --server "$url" --user demo --password-file "$state/demo-password")

step "The readers and the token"
esc list

status=$("$escctl" --non-interactive --json info | python3 -c 'import json, sys; print(json.load(sys.stdin).get("status", ""))')
if [ "$status" = blank ]; then
  step "The card is blank: FORMAT installs the CoolKey applet"
  esc format "${login[@]}"
fi

step "ENROLL: keys generated on the card, certificates from tpsd's CA, PIN $first_pin"
esc enroll "${login[@]}" --pin-file "$runtime/pin1"

step "The certificates on the card"
esc certs

step "PIN RESET: the new PIN is $second_pin"
esc reset-pin "${login[@]}" --pin-file "$runtime/pin2"

step "What the card says now (phone home through the URL ENROLL wrote on it)"
esc info --ca-file "$ca"

cat <<TXT

The card is ready for stock middleware. In another shell (as root), point PC/SC clients at the
demo's pcscd and use OpenSC:

  export PCSCLITE_CSOCK_NAME=$PCSCLITE_CSOCK_NAME
  pkcs11-tool --module $opensc_module -L
  pkcs11-tool --module $opensc_module --list-objects
  pkcs11-tool --module $opensc_module --login --pin $second_pin --list-objects --type privkey
  $escctl --ca-file $ca info

tpsd:   $url   (phone home: $phone_home, demo user "demo", password in $state/demo-password)
        trust its certificate with --ca-file $ca
TXT

if [ "$interactive" = 1 ]; then
  printf '\nPress Enter (or Ctrl-C) to stop tpsd and the card. '
  read -r _ || true
else
  step "OpenSC sees the token"
  show "pkcs11-tool --module $opensc_module -L"
  if [ -e "$opensc_module" ] && command -v pkcs11-tool > /dev/null; then
    pkcs11-tool --module "$opensc_module" -L
  else
    echo "(OpenSC is not installed)"
  fi
fi
echo "Stopping."
