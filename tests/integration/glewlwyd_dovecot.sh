#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes a running scripts/mailstack's Dovecot (IMAP, and Postfix submission through its SASL)
# accept glewlwyd's access tokens for XOAUTH2 and OAUTHBEARER, by asking glewlwyd's userinfo
# endpoint about each one (introspection_mode = auth).
#   tests/integration/glewlwyd_dovecot.sh STACK_DIR GLEWLWYD_DIR
# Why not the stack's local JWT check: Dovecot 2.3.19 refuses any JWT whose header typ is not
# "JWT" ("Local validation failed: Cannot find 'typ' field"), and glewlwyd 2.7's OIDC plugin
# always writes "at+jwt" (RFC 9068). This passdb comes after the stack's own (DIR/oauth/passdb.d).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
stack=$(realpath "${1:?usage: glewlwyd_dovecot.sh STACK_DIR GLEWLWYD_DIR}")
gdir=$(realpath "${2:?usage: glewlwyd_dovecot.sh STACK_DIR GLEWLWYD_DIR}")
. "$gdir/env"
mkdir -p "$stack/oauth/passdb.d"
cat >"$stack/oauth/passdb.d/glewlwyd.conf.ext" <<CONF
introspection_mode = auth
introspection_url = $GLEWLWYD_ISSUER/userinfo
force_introspection = yes
username_attribute = email
tls_ca_cert_file = $GLEWLWYD_CA_FILE
CONF
chmod 644 "$stack/oauth/passdb.d/glewlwyd.conf.ext"  # Dovecot's auth user reads it
"$root/scripts/mailstack" oauth-reload "$stack"
