// SPDX-License-Identifier: GPL-3.0-or-later
#include "digest.h"

#include "report_figures.h"

namespace closeout::workflow {

namespace {

nlohmann::json dispatch_rows(const ReportFigures& f,
                             const std::vector<const store::DispatchRecord*>& list) {
  auto rows = nlohmann::json::array();
  for (const auto* d : list)
    rows.push_back({{"dispatch_number", d->number},
                    {"state", d->state},
                    {"age_days", std::to_string(f.age_days(*d))},
                    {"model", d->model},
                    {"serial_number", d->serial_number},
                    {"customer_name", d->customer_name}});
  return rows;
}

nlohmann::json digest_context(const Config& config, const ReportFigures& f) {
  nlohmann::json by_state = nlohmann::json::array();
  for (const auto& [state, count] : f.by_state)
    by_state.push_back({{"state", state}, {"count", std::to_string(count)}});
  nlohmann::json ageing = nlohmann::json::array();
  for (const auto& b : f.ageing)
    ageing.push_back({{"days", b.name}, {"count", std::to_string(b.count)}});
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& e : f.closeouts_failed)
    failed.push_back({{"dispatch_number", e.dispatch_number},
                      {"outbox_id", std::to_string(e.id)},
                      {"error", e.last_error}});
  return {{"dealer", config.dealer.name},
          {"generated_at", store::format_utc(f.now)},
          {"total", std::to_string(f.dispatches.size())},
          {"open", std::to_string(f.open)},
          {"overdue_count", std::to_string(f.overdue.size())},
          {"at_risk_count", std::to_string(f.at_risk.size())},
          {"failed_count", std::to_string(f.closeouts_failed.size())},
          {"unregistered_open", std::to_string(f.unregistered_open)},
          {"by_state", std::move(by_state)},
          {"ageing", std::move(ageing)},
          {"overdue", dispatch_rows(f, f.overdue)},
          {"at_risk", dispatch_rows(f, f.at_risk)},
          {"closeouts_failed", std::move(failed)},
          {"escalate_after_days", std::to_string(config.reminders.escalate_after.count() / 86400)}};
}

}  // namespace

DigestOutcome queue_digest_if_due(Workflow& w, store::Timestamp now) {
  if (!w.config.reports.digest) return DigestOutcome::off;
  const std::int64_t slot = latest_digest_slot(*w.config.reports.digest, now);
  auto last_slot = [&w]() -> std::optional<std::int64_t> {
    SQLite::Statement last(w.db, "SELECT max(slot) FROM digest_runs");
    last.executeStep();
    if (last.getColumn(0).isNull()) return std::nullopt;
    return last.getColumn(0).getInt64();
  };
  // Every outbox cycle asks; only a due slot takes the write lock, and asks again under it, as
  // closeoutd --once may run beside the daemon.
  if (auto last = last_slot(); last && *last >= slot) return DigestOutcome::not_due;
  store::WriteTransaction tx(w.db);
  auto last = last_slot();
  if (last && *last >= slot) return DigestOutcome::not_due;
  const bool first = !last;
  DigestOutcome outcome = DigestOutcome::queued;
  std::optional<std::int64_t> outbox_id;
  if (first) {
    outcome = DigestOutcome::first_seen;
  } else {
    auto figures = report_figures(w.db, w.config, now);
    Addressing to;
    to.to = addresses(w.config.dealer.admins);
    if (figures.quiet()) {
      outcome = DigestOutcome::quiet;
    } else if (to.to.empty()) {
      outcome = DigestOutcome::no_recipients;
    } else {
      outbox_id = store::OutboxStore(w.db).enqueue(
          w.mail.make(store::mail_kind::digest, "digest", "", digest_context(w.config, figures), to,
                      now, "digest " + store::format_utc(slot)));
    }
  }
  SQLite::Statement record(w.db,
                           "INSERT INTO digest_runs (slot, outbox_id, recorded_at) VALUES (?,?,?)");
  record.bind(1, slot);
  if (outbox_id) record.bind(2, *outbox_id);
  record.bind(3, now);
  record.exec();
  tx.commit();
  return outcome;
}

const char* to_string(DigestOutcome outcome) {
  switch (outcome) {
    case DigestOutcome::off:
      return "off";
    case DigestOutcome::not_due:
      return "not due";
    case DigestOutcome::first_seen:
      return "first slot recorded, the next one is sent";
    case DigestOutcome::quiet:
      return "nothing open or refused, not sent";
    case DigestOutcome::no_recipients:
      return "dealer.admins is empty, not sent";
    case DigestOutcome::queued:
      return "queued to dealer.admins";
  }
  return "?";
}

}  // namespace closeout::workflow
