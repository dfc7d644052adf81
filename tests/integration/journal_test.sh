#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# closeoutd's log as an admin reads it under systemd: a real systemd-journald, private to this
# test (its own mount namespace, so the machine's journal is never touched), the local mail
# stack, and `journalctl DISPATCH_NUMBER=...` telling one dispatch's story.
#   usage: journal_test.sh BUILD_DIR      (root: the namespace and Postfix need it; else skip)
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
build=$(realpath "$1")
src=$(cd "$(dirname "$0")/../.." && pwd)
journald=/lib/systemd/systemd-journald
[ -x "$journald" ] && command -v journalctl >/dev/null || { echo "skip: no systemd-journald"; exit 77; }
if [ -z "${CLOSEOUT_JOURNAL_NS:-}" ]; then
  exec env CLOSEOUT_JOURNAL_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi

work=$(mktemp -d /tmp/closeout-journal.XXXXXX)
chmod 755 "$work"
for d in /run/systemd /run/log /var/log/journal; do
  mkdir -p "$d" && mount -t tmpfs tmpfs "$d" || { echo "cannot mount a private $d"; exit 1; }
done
mkdir -p /run/systemd/journal
"$journald" >/dev/null 2>&1 &
journald_pid=$!
cleanup() {
  "$src/scripts/mailstack" stop "$work/stack" >/dev/null 2>&1
  kill "$journald_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done

"$src/scripts/mailstack" start "$work/stack" >/dev/null || exit 1
. "$work/stack/env"
password=$(cat "$MAILSTACK_PASSWORD_FILE")
. "$src/tests/integration/stack_lib.sh"
write_closeoutd_config "$work/closeoutd.toml" 127.0.0.1 "$MAILSTACK_PASSWORD_FILE" \
  "$MAILSTACK_PASSWORD_FILE" "$work/closeoutd.db"
run_once() {  # as systemd runs it: stderr is the journal stream, JOURNAL_STREAM says so
  : >"$work/stderr"
  JOURNAL_STREAM=$(stat -c '%d:%i' "$work/stderr") \
    "$build/daemon/closeoutd" --config "$work/closeoutd.toml" --once 2>>"$work/stderr"
}

failures=0
check() {
  local what=$1; shift
  if "$@" >"$work/out" 2>&1; then echo "ok   $what"; else
    echo "FAIL $what"; sed 's/^/     /' "$work/out"; failures=$((failures + 1)); fi
}

deliver dispatch-plain-spec.eml
deliver newsletter-stranger.eml
check "closeoutd --once with the dispatch exits 0" run_once
check "nothing went to stderr: the lines are in the journal" test ! -s "$work/stderr"
sleep 1  # Postfix delivers the notice while the reply is written
deliver reply-gmail-complete.eml
check "closeoutd --once with the technician's reply exits 0" run_once
journalctl --flush >/dev/null 2>&1 || sleep 0.5

story() { journalctl --no-pager -o json SYSLOG_IDENTIFIER=closeoutd "$@"; }
story DISPATCH_NUMBER=7012345678 >"$work/story.json"
echo "     journalctl DISPATCH_NUMBER=7012345678:"
journalctl --no-pager -o cat SYSLOG_IDENTIFIER=closeoutd DISPATCH_NUMBER=7012345678 | sed 's/^/       /'
check "the dispatch's story has its arrival, notice, reply, close-out and confirmation" python3 - "$work/story.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
text = [l["MESSAGE"] for l in lines]
need = ["(uid 1, dispatch): new dispatch; notice queued -> Processed",
        "notice to techs@dealer.test accepted",
        "section2): Section 2 complete; close-out queued -> Processed",
        "closeout to isgservice@closeout.test accepted", "confirmation to "]
missing = [n for n in need if not any(n in t for t in text)]
assert not missing, f"missing {missing} in {text}"
assert all(l["DISPATCH_NUMBER"] == "7012345678" for l in lines)
PY
check "every line names the mail (MESSAGE_ID=) and the dispatch's state (CLOSEOUT_STATE=)" python3 - "$work/story.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines and all(l.get("MESSAGE_ID", "").startswith("<") for l in lines), lines
states = [l.get("CLOSEOUT_STATE") for l in lines]
assert "notified" in states and "closed_out" in states, states
PY
check "outbox sends carry OUTBOX_ID=, and journalctl can select one" bash -c '
  id=$(journalctl --no-pager -o json SYSLOG_IDENTIFIER=closeoutd DISPATCH_NUMBER=7012345678 |
       python3 -c "import json,sys; print([json.loads(l) for l in sys.stdin if \"OUTBOX_ID\" in l][-1][\"OUTBOX_ID\"])")
  journalctl --no-pager -o cat SYSLOG_IDENTIFIER=closeoutd OUTBOX_ID=$id | grep -q "accepted"'
check "a quarantined stranger is a warning (PRIORITY=4)" bash -c \
  'journalctl --no-pager -o cat SYSLOG_IDENTIFIER=closeoutd PRIORITY=4 | grep -q "Quarantine"'
check "routine lines are informational (PRIORITY=6)" bash -c \
  'journalctl --no-pager -o cat SYSLOG_IDENTIFIER=closeoutd PRIORITY=6 | grep -q "closeout to isgservice@closeout.test accepted"'
check "the password appears nowhere in the journal" bash -c \
  "! journalctl --no-pager -o export | grep -aF -- '$password'"

if ((failures)); then echo "$failures check(s) failed"; exit 1; fi
echo "all journal checks passed"
