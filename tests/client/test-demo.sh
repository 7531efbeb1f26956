#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ./run demo's own check: contrib/esc-demo.sh --non-interactive against this build directory,
# in a fresh state directory and on any free port, twice (the second run finds the enrolled
# card and tpsd's state of the first: the card survives). Exit 77 (skipped) when the private
# pcscd cannot run here.
#
#   test-demo.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail

src=$1
build=$2
. "$src/tests/harness/th-pcsc.sh"
if ! th_pcsc_available; then
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/esc-demo-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "test-demo: $*" >&2
  exit 1
}

for round in 1 2; do
  echo "==== demo run $round"
  if ! "$src/contrib/esc-demo.sh" --build-dir "$build" --state-dir "$work/state" --port 0 --non-interactive \
       > "$work/out-$round" 2>&1 < /dev/null; then
    cat "$work/out-$round"
    fail "run $round failed"
  fi
  cat "$work/out-$round"
  for want in "is enrolled." "Certificate 1: " "Certificate 2: " "is reset." "export PCSCLITE_CSOCK_NAME=" \
              "pkcs11-tool --module " "Enrolled"; do
    grep -qF -- "$want" "$work/out-$round" || fail "run $round: \"$want\" is missing from the output"
  done
  if [ -e /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so ] && command -v pkcs11-tool > /dev/null; then
    grep -q 'token label' "$work/out-$round" || fail "run $round: OpenSC did not list the token"
  fi
done
# the first run created the demo user and kept its password; the second used it
grep -q 'created the demo user' "$work/out-1" || fail "run 1 did not create the demo user"
if grep -q 'created the demo user' "$work/out-2"; then
  fail "run 2 made a new demo user instead of reusing the state"
fi
[ -s "$work/state/card.state" ] || fail "the card state was not kept"
# nothing left running
for cmdline in /proc/[0-9]*/cmdline; do
  if tr '\0' ' ' < "$cmdline" 2>/dev/null | grep -qF -- "$work/state/tps"; then
    fail "a process of the demo is still running: $(tr '\0' ' ' < "$cmdline")"
  fi
done
echo "ok"
