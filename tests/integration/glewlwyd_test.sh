#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A full RFC 8628 device-flow sign-in and refresh against a real authorization server, Debian's
# glewlwyd, started by scripts/glewlwyd: first with curl (the server side as closeoutd meets it),
# then an IMAP login with its access token, through Dovecot; then closeoutctl signs in and
# closeoutd runs on those tokens, refreshing them at glewlwyd (about 45 s in all).
# Exit 77 (skipped) when glewlwyd or the mail stack cannot run here (not installed, not root).
# Tokens are kept in files of the test directory and compared there, never printed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d /tmp/closeoutd-glewlwyd.XXXXXX)
chmod 755 "$work"  # the stack's Postfix and Dovecot users reach their files through it
gdir=$work/glewlwyd stack=$work/stack
failures=0 passed=0 login_pid="" daemon_pid=""
cleanup() {
  local pid
  for pid in $login_pid $daemon_pid; do kill "$pid" 2>/dev/null && wait "$pid"; done
  "$root/scripts/glewlwyd" stop "$gdir"
  [ -d "$stack" ] && "$root/scripts/mailstack" stop "$stack"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM INT  # a CTest timeout still stops every server

ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failures=$((failures + 1)); }
# check NAME COMMAND...: the command's output is shown only when it fails (it holds no token).
check() {
  local name=$1
  shift
  if "$@" >"$work/out" 2>&1; then ok "$name"; else fail "$name"; sed 's/^/    /' "$work/out"; fi
}

"$root/scripts/mailstack" start "$stack" >/dev/null || exit $?  # 77: not root
. "$stack/env"
# 20 s access tokens, so closeoutd refreshes within the test; 77: glewlwyd is not installed.
"$root/scripts/glewlwyd" start "$gdir" --stack "$stack" --interval 2 --access-lifetime 20 || exit $?
. "$gdir/env"

# post FILE URL FIELD...: an application/x-www-form-urlencoded POST as closeoutd sends it (a field
# given as name@file takes its value from the file); prints the HTTP status, the body goes to FILE.
post() {
  local out=$1 url=$2 args=() f
  shift 2
  for f in "$@"; do args+=(--data-urlencode "$f"); done
  curl -sS --max-time 20 --cacert "$GLEWLWYD_CA_FILE" -H 'Accept: application/json' \
    -o "$out" -w '%{http_code}' "${args[@]}" "$url"
}
# field FILE NAME: one string or number of a JSON reply ("" when absent).
field() {
  python3 -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2], "")
print(v)' "$1" "$2" 2>/dev/null
}
# save FILE NAME DEST: a secret field into its own file (mode 0600, no newline: curl sends the
# file as it is), so it is never on a command line or in the output.
save() { (umask 077; printf '%s' "$(field "$1" "$2")" >"$3"); }
# jwt_check TOKEN_FILE: the access token is an RS256 JWT that glewlwyd's published key verifies,
# for our issuer and user, not yet expired.
jwt_check() {
  python3 - "$1" "$GLEWLWYD_JWT_PUBLIC_KEY_FILE" "$GLEWLWYD_ISSUER" "$GLEWLWYD_USER" \
    "$GLEWLWYD_JWT_KID" <<'PY'
import base64, json, subprocess, sys, tempfile, time
token = open(sys.argv[1]).read().strip()
pub, issuer, user, kid = sys.argv[2:6]
def b64(part): return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
head, body, sig = token.split(".")
header, claims = json.loads(b64(head)), json.loads(b64(body))
with tempfile.NamedTemporaryFile() as s, tempfile.NamedTemporaryFile() as d:
    s.write(b64(sig)); s.flush(); d.write(f"{head}.{body}".encode()); d.flush()
    verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature",
                               s.name, d.name], capture_output=True).returncode == 0
problems = [what for what, bad in [
    ("alg is " + str(header.get("alg")), header.get("alg") != "RS256"),
    ("kid differs from the published key's", header.get("kid") != kid),
    ("signature does not verify with the public key", not verified),
    ("iss is " + str(claims.get("iss")), claims.get("iss") != issuer),
    ("email is " + str(claims.get("email")), claims.get("email") != user),
    ("expired", claims.get("exp", 0) <= time.time()),
    ("scope lacks mail", "mail" not in str(claims.get("scope", "")).split())] if bad]
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}
differ() { ! cmp -s "$1" "$2"; }
refused() { ! "$@"; }

# --- 1. The server side, with curl ----------------------------------------------------------
status=$(post "$work/device.json" "$GLEWLWYD_DEVICE_ENDPOINT" "client_id=$GLEWLWYD_CLIENT_ID" \
  "scope=$GLEWLWYD_SCOPES")
save "$work/device.json" device_code "$work/device_code"
user_code=$(field "$work/device.json" user_code)
if [ "$status" = 200 ] && [ -s "$work/device_code" ] && [ -n "$user_code" ] &&
  [ "$(field "$work/device.json" interval)" = 2 ] &&
  [[ $(field "$work/device.json" verification_uri) == "$GLEWLWYD_URL"/* ]]; then
  ok "device authorization: a device code, a user code and an https verification URI"
else
  fail "device authorization answered $status: $(field "$work/device.json" error)"
fi

poll() {
  post "$work/token.json" "$GLEWLWYD_TOKEN_ENDPOINT" \
    "grant_type=urn:ietf:params:oauth:grant-type:device_code" \
    "client_id=$GLEWLWYD_CLIENT_ID" "device_code@$work/device_code"
}
status=$(poll)
[ "$status" = 400 ] && [ "$(field "$work/token.json" error)" = authorization_pending ] &&
  ok "before the user acts: authorization_pending" ||
  fail "before the user acts: $status $(field "$work/token.json" error)"
status=$(poll)
[ "$status" = 400 ] && [ "$(field "$work/token.json" error)" = slow_down ] &&
  ok "polling faster than the interval: slow_down" ||
  fail "polling faster than the interval: $status $(field "$work/token.json" error)"

check "the user signs in, consents and enters the code" \
  "$root/scripts/glewlwyd" approve "$gdir" "$user_code"
check "a wrong user code is refused" refused "$root/scripts/glewlwyd" approve "$gdir" XXXX-0000

sleep "$GLEWLWYD_INTERVAL"
status=$(poll)
save "$work/token.json" access_token "$work/access1"
save "$work/token.json" refresh_token "$work/refresh1"
if [ "$status" = 200 ] && [ -s "$work/access1" ] && [ -s "$work/refresh1" ] &&
  [ "$(field "$work/token.json" expires_in)" = "$GLEWLWYD_ACCESS_LIFETIME" ]; then
  ok "after approval: an access token, a refresh token and expires_in"
else
  fail "after approval: $status $(field "$work/token.json" error)"
fi
check "the access token is an RS256 JWT for our issuer and user" jwt_check "$work/access1"
id_email=$(python3 -c 'import base64, json, sys
p = json.load(open(sys.argv[1]))["id_token"].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))).get("email", ""))' \
  "$work/token.json" 2>/dev/null)
[ "$id_email" = "$GLEWLWYD_USER" ] && ok "the id_token names the user (email)" ||
  fail "the id_token's email is '$id_email'"
status=$(poll)
[ "$status" = 400 ] && ok "the device code works once" || fail "the device code was accepted twice ($status)"

refresh() {  # refresh RT_FILE OUT
  post "$2" "$GLEWLWYD_TOKEN_ENDPOINT" grant_type=refresh_token \
    "client_id=$GLEWLWYD_CLIENT_ID" "refresh_token@$1"
}
status=$(refresh "$work/refresh1" "$work/refresh.json")
save "$work/refresh.json" access_token "$work/access2"
save "$work/refresh.json" refresh_token "$work/refresh2"
[ "$status" = 200 ] && [ -s "$work/access2" ] && ok "refresh: a new access token" ||
  fail "refresh answered $status"
check "refresh: the new access token verifies" jwt_check "$work/access2"
check "refresh: the access token is new" differ "$work/access1" "$work/access2"
[ -s "$work/refresh2" ] && differ "$work/refresh1" "$work/refresh2" &&
  ok "refresh: the refresh token rotates" || fail "refresh: no new refresh token"
# Dovecot takes glewlwyd's token for IMAP and, through its SASL, Postfix for submission (it asks
# glewlwyd's userinfo endpoint, see the helper).
check "Dovecot is told to ask glewlwyd about its tokens" \
  "$root/tests/integration/glewlwyd_dovecot.sh" "$stack" "$gdir"
imap_token() {  # imap_token TOKEN_FILE MECHANISM: the token goes in a curl config file
  (umask 077; printf 'oauth2-bearer = "%s"\n' "$(cat "$1")" >"$work/bearer.curlrc")
  curl -sS --max-time 20 --cacert "$MAILSTACK_CA_FILE" --login-options "AUTH=$2" \
    --user "$GLEWLWYD_USER" -K "$work/bearer.curlrc" \
    "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" -X NOOP
}
check "IMAP XOAUTH2 with glewlwyd's access token" imap_token "$work/access2" XOAUTH2
check "IMAP OAUTHBEARER with glewlwyd's access token" imap_token "$work/access2" OAUTHBEARER
(umask 077; sed 's/.$/x/' "$work/access2" >"$work/tampered")
check "IMAP refuses a tampered token" refused imap_token "$work/tampered" XOAUTH2
printf 'From: %s\r\nTo: %s\r\nSubject: glewlwyd token\r\n\r\nhello\r\n' "$GLEWLWYD_USER" \
  "$GLEWLWYD_USER" >"$work/mail.eml"
smtp_token() {  # smtp_token TOKEN_FILE: a submission with SASL XOAUTH2 (STARTTLS first)
  (umask 077; printf 'oauth2-bearer = "%s"\n' "$(cat "$1")" >"$work/bearer.curlrc")
  curl -sS --max-time 20 --cacert "$MAILSTACK_CA_FILE" --ssl-reqd --login-options AUTH=XOAUTH2 \
    --user "$GLEWLWYD_USER" -K "$work/bearer.curlrc" --mail-from "$GLEWLWYD_USER" \
    --mail-rcpt "$GLEWLWYD_USER" --upload-file "$work/mail.eml" "smtp://127.0.0.1:$MAILSTACK_SMTP_PORT"
}
check "SMTP submission XOAUTH2 with glewlwyd's access token" smtp_token "$work/access2"
check "SMTP refuses a tampered token" refused smtp_token "$work/tampered"

status=$(refresh "$work/refresh2" "$work/refresh3.json")
save "$work/refresh3.json" refresh_token "$work/refresh3"
[ "$status" = 200 ] && [ -s "$work/refresh3" ] && ok "refresh: the rotated refresh token works" ||
  fail "refresh with the rotated token answered $status"
# One-time use: the spent token is refused, and (reuse detection) the chain it belongs to ends,
# so a client that loses a rotated token must sign in again. glewlwyd 2.7.5 says so with a bare
# 400: no "error" member in the body (RFC 6749 5.2 asks for "invalid_grant").
status=$(refresh "$work/refresh1" "$work/replay.json")
[ "$status" = 400 ] && ok "refresh: a spent refresh token is refused (400)" ||
  fail "refresh: a spent refresh token answered $status"
status=$(refresh "$work/refresh3" "$work/after-replay.json")
[ "$status" = 400 ] && ok "refresh: after a replay the newest refresh token is revoked too" ||
  fail "refresh: after a replay the newest token answered $status"

# --- 2. closeoutctl signs in, as a dealer would ------------------------------------------
ctl=$build/daemon/closeoutctl
cat >"$work/closeoutd.toml" <<TOML
[imap]
url = "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX"
username = "$GLEWLWYD_USER"
auth = "oauth2"
ca_file = "$MAILSTACK_CA_FILE"
[smtp]
url = "smtp://127.0.0.1:$MAILSTACK_SMTP_PORT"
username = "$GLEWLWYD_USER"
auth = "oauth2"
ca_file = "$MAILSTACK_CA_FILE"
from = "Acme Service <$GLEWLWYD_USER>"
[cits]
closeout_address = "isgservice@closeout.test"
[dealer]
technicians = ["*@dealer.test"]
admins = ["manager@dealer.test"]
[store]
path = "$work/closeoutd.db"
[oauth]
provider = "custom"
client_id = "$GLEWLWYD_CLIENT_ID"
scopes = ["openid", "mail"]
device_authorization_endpoint = "$GLEWLWYD_DEVICE_ENDPOINT"
authorization_endpoint = "$GLEWLWYD_AUTHORIZE_ENDPOINT"
token_endpoint = "$GLEWLWYD_TOKEN_ENDPOINT"
ca_file = "$GLEWLWYD_CA_FILE"
token_store = "$work/oauth-tokens.json"
TOML
# json_line FILE N: line N of FILE as JSON (-1: the last line), into FILE.N.
json_line() {
  python3 -c 'import json, sys; lines = open(sys.argv[1]).read().splitlines()
print(json.dumps(json.loads(lines[int(sys.argv[2])])))' "$1" "$2" >"$1.$2" 2>/dev/null
}
# Nothing that looks like a token (a JWT, or a long opaque string) in what closeoutctl printed.
no_token_in() { ! grep -E -q 'eyJ[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]{100,}' "$@"; }

# The login waits for the user; the test reads the code from its first line and approves it.
"$ctl" --config "$work/closeoutd.toml" oauth login --device --json >"$work/login.out" \
  2>"$work/login.err" &
login_pid=$!
for _ in $(seq 1 100); do [ -s "$work/login.out" ] && break; sleep 0.2; done
json_line "$work/login.out" 0
ctl_code=$(field "$work/login.out.0" user_code)
if [ -n "$ctl_code" ] && [[ $(field "$work/login.out.0" verification_uri) == "$GLEWLWYD_URL"/* ]]; then
  ok "oauth login --device --json: the first line gives the code and where to enter it"
else
  fail "oauth login --device --json: no code on the first line"
  sed 's/^/    /' "$work/login.out" "$work/login.err"
fi
check "the user approves closeoutctl's code" "$root/scripts/glewlwyd" approve "$gdir" "$ctl_code"
wait "$login_pid"
login_rc=$?
json_line "$work/login.out" -1
if [ "$login_rc" -eq 0 ] && [ "$(field "$work/login.out.-1" status)" = ok ]; then
  ok "oauth login: status ok, exit 0"
else
  fail "oauth login: exit $login_rc, last line: $(cat "$work/login.out.-1")"
  sed 's/^/    /' "$work/login.err"
fi
[ "$(stat -c %a "$work/oauth-tokens.json" 2>/dev/null)" = 600 ] &&
  ok "the token store is mode 0600" || fail "the token store is missing or not mode 0600"

status_ok() {
  "$ctl" --config "$work/closeoutd.toml" oauth status --json >"$work/status.json" || return 1
  python3 - "$work/status.json" "$GLEWLWYD_USER" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
problems = [what for what, bad in [
    ("provider " + str(s.get("provider")), s.get("provider") != "custom"),
    ("username " + str(s.get("username")), s.get("username") != sys.argv[2]),
    ("scopes " + str(s.get("scopes")), "mail" not in (s.get("scopes") or [])),
    ("last_error " + str(s.get("last_error")), s.get("last_error") not in ("", None)),
    ("no access_expires_at", not s.get("access_expires_at"))] if bad]
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
}
check "oauth status --json: glewlwyd's user and scopes, no error" status_ok
check "no token in closeoutctl's output" no_token_in "$work/login.out" "$work/login.err" \
  "$work/status.json"
save "$work/oauth-tokens.json" access_token "$work/stored-access"
check "the stored access token opens the mailbox over IMAP" \
  imap_token "$work/stored-access" XOAUTH2

# --- 3. closeoutd refreshes the tokens itself, saving each rotated refresh token -----------
# glewlwyd's access tokens live GLEWLWYD_ACCESS_LIFETIME seconds; closeoutd refreshes when a fifth
# is left. Two refreshes in a row prove the rotated token was saved and used: glewlwyd ends the
# whole chain when a spent refresh token comes back.
save "$work/oauth-tokens.json" refresh_token "$work/stored-refresh0"
"$build/daemon/closeoutd" --config "$work/closeoutd.toml" >"$work/closeoutd.log" 2>&1 &
daemon_pid=$!
refresh_times() {  # the distinct last_refresh_at values seen so far, one a line
  "$ctl" --config "$work/closeoutd.toml" oauth status --json 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin).get("last_refresh_at") or "")' \
      >>"$work/refresh-times"
  sort -u "$work/refresh-times" | grep -c .
}
: >"$work/refresh-times"
deadline=$((SECONDS + 4 * GLEWLWYD_ACCESS_LIFETIME))
while [ "$(refresh_times)" -lt 2 ] && [ "$SECONDS" -lt "$deadline" ] &&
  kill -0 "$daemon_pid" 2>/dev/null; do
  sleep 1
done
[ "$(sort -u "$work/refresh-times" | grep -c .)" -ge 2 ] &&
  ok "closeoutd refreshed the tokens twice at glewlwyd" ||
  fail "closeoutd refreshed $(sort -u "$work/refresh-times" | grep -c .) times in $((4 * GLEWLWYD_ACCESS_LIFETIME)) s"
check "after closeoutd's refreshes: oauth status has no error" status_ok
save "$work/oauth-tokens.json" refresh_token "$work/stored-refresh2"
save "$work/oauth-tokens.json" access_token "$work/stored-access2"
check "the stored refresh token is the rotated one" differ "$work/stored-refresh0" \
  "$work/stored-refresh2"
check "closeoutd's refreshed access token opens the mailbox" \
  imap_token "$work/stored-access2" OAUTHBEARER
check "closeoutd logged in to IMAP with glewlwyd's token" \
  grep -q "IMAP .*logged in as $GLEWLWYD_USER" "$work/closeoutd.log"

# --- 4. The sign-in revoked mid-run: closeoutd says to sign in again -------------------------
# A spent refresh token sent again makes glewlwyd end the chain, closeoutd's current token with
# it (as a server does when it suspects a stolen token). glewlwyd says so with a bare HTTP 400
# (no "error" member); nothing closeoutd can retry will change that answer.
refresh "$work/stored-refresh0" "$work/revoke.json" >/dev/null
needs_login() {  # (oauth status exits non-zero then: only its JSON counts here)
  "$ctl" --config "$work/closeoutd.toml" oauth status --json >"$work/status.json" 2>/dev/null
  python3 -c 'import json, sys; s = json.load(open(sys.argv[1]))
sys.exit(0 if s.get("needs_login") is True and "oauth login" in (s.get("last_error") or "") else 1)' \
      "$work/status.json"
}
deadline=$((SECONDS + 3 * GLEWLWYD_ACCESS_LIFETIME))
until needs_login || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
needs_login && ok "after the revocation: oauth status says to run oauth login" ||
  fail "after the revocation: oauth status: $(cat "$work/status.json")"
kill -0 "$daemon_pid" 2>/dev/null && ok "closeoutd keeps running" || fail "closeoutd stopped"
"$ctl" --config "$work/closeoutd.toml" check-config >"$work/check.out" 2>&1
check_rc=$?
[ "$check_rc" -eq 78 ] && grep -q "oauth login" "$work/check.out" &&
  ok "check-config: exit 78 with the command to run" ||
  { fail "check-config: exit $check_rc"; sed 's/^/    /' "$work/check.out"; }
kill -TERM "$daemon_pid" 2>/dev/null
wait "$daemon_pid"
daemon_pid=""
check "no token in closeoutd's log" no_token_in "$work/closeoutd.log"

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
