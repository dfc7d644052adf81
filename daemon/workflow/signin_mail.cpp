// SPDX-License-Identifier: GPL-3.0-or-later
#include "signin_mail.h"

namespace closeout::workflow {

namespace {

constexpr std::string_view kKind = "signin_needed";

}  // namespace

SigninMailOutcome queue_signin_needed(Workflow& w, const SigninNeeded& what, store::Timestamp now) {
  Addressing to;
  to.to = addresses(w.config.dealer.admins);
  if (to.to.empty()) return SigninMailOutcome::no_recipients;
  // The lost sign-in is named by when it last worked: a restart finds its mail, a new login
  // that is lost again later gets a new one.
  std::string caused_by = "oauth sign-in lost after " + store::format_utc(what.signed_in_at);
  store::WriteTransaction tx(w.db);
  SQLite::Statement seen(w.db, "SELECT 1 FROM outbox WHERE kind = ? AND caused_by = ? LIMIT 1");
  seen.bind(1, std::string(kKind));
  seen.bind(2, caused_by);
  if (seen.executeStep()) return SigninMailOutcome::already_sent;
  auto pending =
      w.db.execAndGet("SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')")
          .getInt64();
  nlohmann::json context = {{"mailbox", what.mailbox},
                            {"username", what.username.empty() ? what.mailbox : what.username},
                            {"reason", what.reason},
                            {"login_command", what.login_command},
                            {"pending", std::to_string(pending)}};
  store::OutboxStore(w.db).enqueue(
      w.mail.make(kKind, "signin_needed", "", std::move(context), to, now, caused_by));
  tx.commit();
  return SigninMailOutcome::queued;
}

}  // namespace closeout::workflow
