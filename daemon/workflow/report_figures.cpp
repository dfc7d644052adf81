// SPDX-License-Identifier: GPL-3.0-or-later
#include "report_figures.h"

namespace closeout::workflow {

bool is_open(const store::DispatchRecord& d) { return d.state != store::state::closed_out; }

ReportFigures report_figures(SQLite::Database& db, const Config& config, store::Timestamp now) {
  ReportFigures f;
  f.now = now;
  f.escalate_after = config.reminders.escalate_after.count();
  f.dispatches = store::DispatchStore(db).list();
  for (auto s : {store::state::received, store::state::notified, store::state::rejected,
                 store::state::review, store::state::on_hold, store::state::closing,
                 store::state::failed, store::state::closed_out})
    f.by_state.emplace_back(std::string(s), 0);
  f.ageing = {{"0-2", 2}, {"3-7", 7}, {"8-30", 30}, {">30", 1L << 30}};
  for (const auto& d : f.dispatches) {
    for (auto& [state, count] : f.by_state) {
      if (state == d.state) ++count;
    }
    if (!is_open(d)) continue;
    ++f.open;
    if (d.unregistered) ++f.unregistered_open;
    for (auto& bucket : f.ageing) {
      if (f.age_days(d) <= bucket.max_days) {
        ++bucket.count;
        break;
      }
    }
    if (d.overdue) f.overdue.push_back(&d);
    if (f.labour_at_risk(d)) f.at_risk.push_back(&d);
  }
  for (auto& e : store::OutboxStore(db).list(false)) {
    if (e.kind == store::mail_kind::closeout && e.status == "failed")
      f.closeouts_failed.push_back(std::move(e));
  }
  return f;
}

}  // namespace closeout::workflow
