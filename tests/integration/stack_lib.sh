# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the integration scripts that run closeoutd against the local mail stack, after
# `. STACK/env` and with $src (the source tree) and $work (the test's directory) set.

# write_closeoutd_config FILE HOST IMAP_SECRET SMTP_SECRET STORE_PATH
# The dispatch mailbox and the close-out address are the stack's; a secret is a path or, without
# a "/", a systemd credential name.
write_closeoutd_config() {
  cat >"$1" <<TOML
[imap]
url = "imaps://$2:$MAILSTACK_IMAPS_PORT/INBOX"
username = "dispatch@dealer.test"
password_file = "$3"
ca_file = "$MAILSTACK_CA_FILE"
[smtp]
url = "smtp://$2:$MAILSTACK_SMTP_PORT"
username = "dispatch@dealer.test"
password_file = "$4"
ca_file = "$MAILSTACK_CA_FILE"
from = "Acme Service <dispatch@dealer.test>"
[cits]
closeout_address = "isgservice@closeout.test"
[dealer]
technicians = ["*@dealer.test"]
notify = ["techs@dealer.test"]
admins = ["manager@dealer.test"]
[store]
path = "$5"
TOML
}

# deliver NAME.eml: the sample from tests/data/mail, its dealer.example addresses in the test
# domain, appended to the dispatch mailbox over IMAPS as the mail server would deliver it.
deliver() {
  [ -f "$work/curlrc" ] ||
    printf 'user = "dispatch@dealer.test:%s"\n' "$(cat "$MAILSTACK_PASSWORD_FILE")" >"$work/curlrc"
  sed 's/dealer\.example/dealer.test/g' "$src/tests/data/mail/$1" >"$work/mail.eml"
  curl -sS --config "$work/curlrc" --cacert "$MAILSTACK_CA_FILE" -T "$work/mail.eml" \
    "imaps://127.0.0.1:$MAILSTACK_IMAPS_PORT/INBOX" || exit 1
}
