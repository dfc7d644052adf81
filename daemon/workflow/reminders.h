// SPDX-License-Identifier: GPL-3.0-or-later
// Chasing what ages (SPEC "Dispatch states", [reminders]): an open dispatch without a valid
// Section 2 gets a reminder to dealer.notify first_after its arrival, then one every
// repeat_every; escalate_after its arrival the admins get one escalation and the dispatch is
// flagged overdue. At most one reminder per dispatch per run, so a daemon that was down for a
// week does not send a burst.
#pragma once
#include <optional>

#include "dispatch_store.h"
#include "workflow.h"

namespace closeout::workflow {

enum class Chase { none, reminder, escalation };

// What is due for one dispatch now (escalation first; a reminder is then due on a later run).
Chase chase_due(const store::DispatchRecord& d, const Config& config, store::Timestamp now);
// When the next chase for d falls due; nullopt when nothing more will be.
std::optional<store::Timestamp> next_chase(const store::DispatchRecord& d, const Config& config);

struct ChaseCount {
  int reminders = 0;
  int escalations = 0;
};
ChaseCount queue_due_reminders(Workflow& w, store::Timestamp now);
// The earliest moment any open dispatch will need chasing (for the daemon's timer).
std::optional<store::Timestamp> earliest_chase(Workflow& w);

}  // namespace closeout::workflow
