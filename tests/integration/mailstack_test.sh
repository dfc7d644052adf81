#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The project's local mail stack as the transport tests will use it: starts on free ports in a
# fresh directory, speaks IMAPS, IMAP+STARTTLS and SMTP submission with STARTTLS and AUTH over
# certificate-verified TLS, delivers into Dovecot, refuses wrong passwords, answers 450/550 from
# its failure mailboxes, relays nothing off the host, checks OAuth bearer tokens (and trusts an
# issuer added later), and stops cleanly.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/closeoutd-mailstack.XXXXXX)
failures=0
trap '"$root/scripts/mailstack" stop "$dir"; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT

check() {  # check NAME EXPECTED_STATUS COMMAND...
  local name=$1 want=$2
  shift 2
  "$@" >"$dir/out" 2>&1
  local got=$?
  if [ "$got" -eq "$want" ]; then
    echo "ok: $name"
  else
    echo "FAILED: $name (exit $got, expected $want)"; sed 's/^/    /' "$dir/out"
    failures=$((failures + 1))
  fi
}

"$root/scripts/mailstack" start "$dir" || exit $?  # 77: not root, reported as skipped
. "$dir/env"
pw=$(cat "$MAILSTACK_PASSWORD_FILE")
tls=(--cacert "$MAILSTACK_CA_FILE" --max-time 20 -sS)
smtp="smtp://127.0.0.1:$MAILSTACK_SMTP_PORT"
printf 'From: service@dealer.test\r\nTo: dispatch@dealer.test\r\nSubject: stack check\r\nMessage-ID: <stack-check@dealer.test>\r\n\r\nhello\r\n' >"$dir/mail.eml"
send() { curl "${tls[@]}" --ssl-reqd "$smtp" --user "service@dealer.test:$1" --mail-from service@dealer.test --mail-rcpt "$2" --upload-file "$dir/mail.eml"; }

check "SMTP submission with STARTTLS and AUTH" 0 send "$pw" dispatch@dealer.test
check "SMTP refuses a wrong password" 67 send wrong dispatch@dealer.test
check "tempfail@ answers 4xx" 55 send "$pw" tempfail@dealer.test
grep -q "450" "$dir/out" || { echo "FAILED: tempfail@ did not say 450"; failures=$((failures + 1)); }
check "reject@ answers 5xx" 55 send "$pw" reject@closeout.test
grep -q "550" "$dir/out" || { echo "FAILED: reject@ did not say 550"; failures=$((failures + 1)); }
check "nothing is relayed off this host" 55 send "$pw" someone@outside.example

delivered() {  # the message reaches the mailbox (delivery is asynchronous)
  for _ in $(seq 1 50); do
    curl "${tls[@]}" "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" --user "dispatch@dealer.test:$pw" \
      -X 'UID SEARCH HEADER Message-ID stack-check' | grep -q "SEARCH [0-9]" && return 0
    sleep 0.2
  done
  return 1
}
check "delivered into Dovecot, found over IMAPS" 0 delivered
check "IMAP with STARTTLS reads it" 0 curl "${tls[@]}" --ssl-reqd "imap://127.0.0.1:$MAILSTACK_IMAP_PORT/INBOX;UID=1" --user "dispatch@dealer.test:$pw"
grep -q "Subject: stack check" "$dir/out" || { echo "FAILED: fetched message is not ours"; failures=$((failures + 1)); }
check "IMAP refuses a wrong password" 67 curl "${tls[@]}" "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" --user "dispatch@dealer.test:wrong" -X NOOP
check "an unknown CA is refused" 60 curl --max-time 20 -sS "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" --user "dispatch@dealer.test:$pw" -X NOOP
# OAuth: Dovecot checks JWT access tokens signed with the stack's key (tests/oauth has the server).
jwt() {  # jwt USER ISSUER [KEY_FILE]: an HS256 access token for USER from ISSUER, valid a minute
  python3 - "${3:-$OAUTH_JWT_KEY_FILE}" "$1" "$2" <<'PY'
import base64, hashlib, hmac, json, sys, time
key = open(sys.argv[1], "rb").read()
enc = lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).rstrip(b"=")
now = int(time.time())
head = enc({"alg": "HS256", "typ": "JWT"}) + b"." + enc(
    {"iss": sys.argv[3], "sub": sys.argv[2], "email": sys.argv[2], "iat": now, "exp": now + 60})
sig = base64.urlsafe_b64encode(hmac.new(key, head, hashlib.sha256).digest()).rstrip(b"=")
print((head + b"." + sig).decode())
PY
}
bearer_imap() { curl "${tls[@]}" "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" --user dispatch@dealer.test --oauth2-bearer "$1" -X NOOP; }
bearer_smtp() { curl "${tls[@]}" --ssl-reqd "$smtp" --user dispatch@dealer.test --oauth2-bearer "$1" --mail-from service@dealer.test --mail-rcpt dispatch@dealer.test --upload-file "$dir/mail.eml"; }
oauth_env() { [ -s "$OAUTH_JWT_KEY_FILE" ] && [ -n "$OAUTH_ISSUER" ] && [ -d "$OAUTH_KEYS_DIR" ] && [ -f "$OAUTH_ISSUERS_FILE" ]; }
check "env names the OAuth key, issuer and key dictionary" 0 oauth_env
check "IMAP accepts the stack's token" 0 bearer_imap "$(jwt dispatch@dealer.test "$OAUTH_ISSUER")"
check "SMTP accepts the stack's token" 0 bearer_smtp "$(jwt dispatch@dealer.test "$OAUTH_ISSUER")"
check "IMAP refuses a token from an unknown issuer" 67 bearer_imap "$(jwt dispatch@dealer.test glewlwyd)"
check "add-issuer: the new issuer is trusted" 0 "$root/scripts/mailstack" add-issuer "$dir" glewlwyd
check "IMAP accepts the added issuer's token" 0 bearer_imap "$(jwt dispatch@dealer.test glewlwyd)"
check "IMAP still accepts the first issuer's token" 0 bearer_imap "$(jwt dispatch@dealer.test "$OAUTH_ISSUER")"
openssl rand 32 >"$dir/second.key"
second_passdb() {  # a further token check dropped into passdb.d: another key, another issuer
  mkdir -p "$dir/oauth/keys2/default/HS256"
  base64 -w0 "$dir/second.key" >"$dir/oauth/keys2/default/HS256/default"
  chmod -R a+rX "$dir/oauth/keys2"
  printf 'introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix=%s/\nissuers = second\nusername_attribute = email\n' \
    "$dir/oauth/keys2" >"$dir/oauth/passdb.d/second.conf.ext"
  "$root/scripts/mailstack" oauth-reload "$dir"
}
check "IMAP refuses a token of another key and issuer" 67 bearer_imap "$(jwt dispatch@dealer.test second "$dir/second.key")"
check "passdb.d: a further token check is added" 0 second_passdb
check "IMAP accepts the further check's token" 0 bearer_imap "$(jwt dispatch@dealer.test second "$dir/second.key")"
check "SMTP accepts the further check's token" 0 bearer_smtp "$(jwt dispatch@dealer.test second "$dir/second.key")"
check "IMAP still refuses a forged token" 67 bearer_imap "$(jwt dispatch@dealer.test "$OAUTH_ISSUER" "$dir/second.key")"
check "IMAP still accepts the password" 0 curl "${tls[@]}" "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" --user "dispatch@dealer.test:$pw" -X NOOP

greeting() {  # the plain IMAP port offers STARTTLS in its greeting
  exec 3<>"/dev/tcp/127.0.0.1/$MAILSTACK_IMAP_PORT" || return 1
  local line
  read -r -t 5 line <&3
  exec 3>&-
  echo "$line"
  [[ $line == *STARTTLS* ]]
}
check "the IMAP port offers STARTTLS" 0 greeting

"$root/scripts/mailstack" stop "$dir"
check "stopped: IMAPS port closed" 7 curl --max-time 5 -sS "${tls[@]}" "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/"
echo "$((26 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
