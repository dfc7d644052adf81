// SPDX-License-Identifier: GPL-3.0-or-later
// The service manager's figures (SPEC `report`): dispatches by state, how long the open ones
// have waited, which are overdue, which close-outs the mail server refused, and the labour at
// risk (open past reminders.escalate_after). One computation for `closeoutctl report` and the
// weekly digest, so the two never disagree.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <utility>
#include <vector>

#include "config.h"
#include "dispatch_store.h"
#include "outbox_store.h"

namespace closeout::workflow {

// Not closed out yet.
bool is_open(const store::DispatchRecord& d);

struct AgeBucket {
  const char* name;
  long max_days;
  int count = 0;
};

struct ReportFigures {
  ReportFigures() = default;
  // overdue and at_risk point into dispatches: moving keeps them valid, copying would not.
  ReportFigures(const ReportFigures&) = delete;
  ReportFigures& operator=(const ReportFigures&) = delete;
  ReportFigures(ReportFigures&&) = default;
  ReportFigures& operator=(ReportFigures&&) = default;

  store::Timestamp now = 0;
  std::int64_t escalate_after = 0;  // seconds: open longer than this, the labour is at risk
  std::vector<store::DispatchRecord> dispatches;      // all, newest first
  std::vector<std::pair<std::string, int>> by_state;  // in the workflow's order
  std::vector<AgeBucket> ageing;                      // open ones: 0-2, 3-7, 8-30, >30 days
  std::vector<const store::DispatchRecord*> overdue;  // flagged overdue, still open
  std::vector<const store::DispatchRecord*> at_risk;  // open past escalate_after
  std::vector<store::OutboxEntry> closeouts_failed;   // refused by the server (5xx)
  int open = 0;
  int unregistered_open = 0;

  long age_days(const store::DispatchRecord& d) const { return (now - d.received_at) / 86400; }
  bool labour_at_risk(const store::DispatchRecord& d) const {
    return is_open(d) && now - d.received_at > escalate_after;
  }
  // Nothing an admin needs to act on: the digest is not sent.
  bool quiet() const { return open == 0 && closeouts_failed.empty(); }
};

ReportFigures report_figures(SQLite::Database& db, const Config& config, store::Timestamp now);

}  // namespace closeout::workflow
