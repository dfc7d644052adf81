#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The README's first command as a new user meets it: scripts/demo, run twice in the same place,
# ends each time with the report and the same account of where every mail went.
#   usage: demo_test.sh BUILD_DIR      (root: Postfix needs it; else skip)
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
build=$(realpath "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/closeout-demo-test.XXXXXX)
chmod 755 "$work"
trap '"$src/scripts/mailstack" stop "$work/demo/stack" >/dev/null 2>&1; rm -rf "$work"' EXIT

failures=0
check() {
  local what=$1; shift
  if "$@" >"$work/out" 2>&1; then echo "ok   $what"; else
    echo "FAIL $what"; sed 's/^/     /' "$work/out"; failures=$((failures + 1)); fi
}
for run in run1 run2; do
  if CLOSEOUTD_DEMO_DIR=$work/demo CLOSEOUTD_DEMO_BUILD=$build "$src/scripts/demo" \
    >"$work/$run" 2>&1; then
    echo "ok   $run: scripts/demo exits 0"
  else
    echo "FAIL $run: scripts/demo exits non-zero"; tail -30 "$work/$run" | sed 's/^/     /'
    failures=$((failures + 1))
  fi
  cp "$work/demo/stack/password" "$work/$run.password"
  "$build/daemon/closeoutctl" --config "$work/demo/closeoutd.toml" outbox --all --json \
    >"$work/$run.outbox.json"
done
for run in run1 run2; do
  out=$work/$run
  check "$run: the report counts 4 dispatches, 2 open" grep -q "^4 dispatch(es), 2 open$" "$out"
  check "$run: two were closed out, one is on hold" \
    bash -c "grep -q '^closed_out  2$' $out && grep -q '^on_hold     1$' $out"
  check "$run: both complete forms reached the close-out mailbox, nothing else did" bash -c "
    grep -q '^isgservice@closeout.test INBOX (2):$' $out &&
    grep -q 'CITS #7012345678.*Section 2 Service Completion' $out &&
    grep -q 'CITS #7012345681.*Section 2 Service Completion' $out"
  check "$run: four notices reached the technicians" grep -q "^techs@dealer.test INBOX (4):$" "$out"
  check "$run: the incomplete reply was answered with its problems" \
    grep -q "CITS #7012345678\] Section 2 not accepted: 8 to fix" "$out"
  check "$run: the unknown dispatch and the pending one were answered" bash -c "
    grep -q 'Dispatch 7099999999 is not a CITS dispatch we received' $out &&
    grep -q 'dispatch 7012345679 on hold' $out"
  check "$run: the newsletter is in quarantine, the inbox is empty" bash -c "
    grep -q '^dispatch@dealer.test Quarantine (1):$' $out &&
    grep -q '^dispatch@dealer.test INBOX (0):$' $out"
  check "$run: all 11 mails were sent, every one to a local test address" python3 -c "
import json, sys
sent = json.load(open(sys.argv[1]))
assert len(sent) == 11 and all(m['status'] == 'sent' for m in sent), sent
bad = [m['to'] for m in sent if not all(a.strip().endswith('.test') for a in m['to'].split(','))]
assert not bad, bad" "$work/$run.outbox.json"
  check "$run: no password in the output" bash -c "! grep -qF -f $work/$run.password $out"
done
mkdir -p "$work/precious" && echo keep >"$work/precious/notes.txt"
check "it refuses to empty a directory it did not make" bash -c "
  ! CLOSEOUTD_DEMO_DIR=$work/precious CLOSEOUTD_DEMO_BUILD=$build '$src/scripts/demo' &&
  [ \"\$(cat $work/precious/notes.txt)\" = keep ]"

if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "all demo checks passed"
