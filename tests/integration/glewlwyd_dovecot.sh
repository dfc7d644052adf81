#!/usr/bin/env bash
# Makes a running scripts/mailstack's Dovecot accept glewlwyd's access tokens for XOAUTH2 and
# OAUTHBEARER, by asking glewlwyd's userinfo endpoint (introspection_mode = auth).
#   tests/integration/glewlwyd_dovecot.sh STACK_DIR GLEWLWYD_DIR
# Why not the stack's local JWT check: Dovecot 2.3.19 refuses any JWT whose header typ is not
# "JWT" ("Local validation failed: Cannot find 'typ' field"), and glewlwyd 2.7's OIDC plugin
# always writes "at+jwt" (RFC 9068). The stack's own passdb stays first; a token it refuses goes
# on to this one. A stopgap for the tests until scripts/mailstack has a hook of its own for it:
# it edits the stack's dovecot.conf, so the stack must not be restarted afterwards.
set -euo pipefail
stack=$(realpath "${1:?usage: glewlwyd_dovecot.sh STACK_DIR GLEWLWYD_DIR}")
gdir=$(realpath "${2:?usage: glewlwyd_dovecot.sh STACK_DIR GLEWLWYD_DIR}")
. "$stack/env"
. "$gdir/env"
conf=$stack/dovecot.conf
ext=$stack/oauth/glewlwyd-userinfo.conf.ext
grep -q '^passdb {' "$conf" || { echo "glewlwyd_dovecot: no passdb in $conf" >&2; exit 1; }
cat >"$ext" <<CONF
introspection_mode = auth
introspection_url = $GLEWLWYD_ISSUER/userinfo
force_introspection = yes
username_attribute = email
tls_ca_cert_file = $GLEWLWYD_CA_FILE
CONF
chmod 644 "$ext"
grep -qF "$ext" "$conf" || python3 - "$conf" "$ext" <<'PY'
import sys
path, ext = sys.argv[1], sys.argv[2]
text = open(path).read()
block = ("passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
         f"  args = {ext}\n}}\n")
# After the stack's own oauth2 passdb, before the password one.
at = text.index("passdb {\n  driver = static")
open(path, "w").write(text[:at] + block + text[at:])
PY
# Dovecot's master re-reads its configuration and restarts the auth process on SIGHUP.
kill -HUP "$(cat "$stack/run/dovecot/master.pid")"
(umask 077; printf 'user = "dispatch@dealer.test:%s"\n' "$(cat "$MAILSTACK_PASSWORD_FILE")" \
  >"$stack/run/glewlwyd-probe.curlrc")
for _ in $(seq 1 40); do  # until the new auth process answers a password login
  curl -sS --max-time 5 --cacert "$MAILSTACK_CA_FILE" -K "$stack/run/glewlwyd-probe.curlrc" \
    "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" -X NOOP 2>/dev/null && exit 0
  sleep 0.25
done
echo "glewlwyd_dovecot: Dovecot did not come back after the reload" >&2
exit 1
