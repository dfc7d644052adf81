// SPDX-License-Identifier: GPL-3.0-or-later
#include "reminders.h"

#include <algorithm>

#include "outbox_store.h"
#include "section_text.h"

namespace closeout::workflow {

std::optional<store::Timestamp> next_chase(const store::DispatchRecord& d, const Config& c) {
  if (!store::awaits_section2(d.state)) return std::nullopt;
  store::Timestamp reminder = d.reminders_sent == 0
                                  ? d.received_at + c.reminders.first_after.count()
                                  : d.last_reminder_at + c.reminders.repeat_every.count();
  if (d.escalated_at != 0) return reminder;
  return std::min(reminder, d.received_at + c.reminders.escalate_after.count());
}

Chase chase_due(const store::DispatchRecord& d, const Config& c, store::Timestamp now) {
  if (!store::awaits_section2(d.state)) return Chase::none;
  if (d.escalated_at == 0 && now >= d.received_at + c.reminders.escalate_after.count())
    return Chase::escalation;
  auto next = next_chase(d, c);
  return next && now >= *next ? Chase::reminder : Chase::none;
}

ChaseCount queue_due_reminders(Workflow& w, store::Timestamp now) {
  ChaseCount count;
  store::WriteTransaction tx(w.db);
  store::DispatchStore dispatches(w.db);
  store::OutboxStore outbox(w.db);
  for (const auto& d : dispatches.awaiting_section2()) {
    Chase due = chase_due(d, w.config, now);
    if (due == Chase::none) continue;
    long age_days = (now - d.received_at) / 86400;
    nlohmann::json context = {{"model", d.model},
                              {"serial_number", d.serial_number},
                              {"customer_name", d.customer_name},
                              {"age_days", std::to_string(age_days)},
                              {"received_at", store::format_utc(d.received_at)},
                              {"state", d.state},
                              {"reminders_sent", std::to_string(d.reminders_sent)},
                              {"blank_section2", blank_section2(w.form, d.number)}};
    Addressing to;
    if (due == Chase::escalation) {
      to.to = addresses(w.config.dealer.admins);
      if (!to.to.empty())
        outbox.enqueue(w.mail.make(store::mail_kind::escalation, "escalation", d.number, context,
                                   to, now, "reminders"));
      dispatches.record_escalation(d.number, now);
      dispatches.note(d.number, "escalated", "", "overdue: no valid Section 2", now);
      ++count.escalations;
    } else {
      to.to = addresses(w.config.dealer.notify);
      if (!to.to.empty())
        outbox.enqueue(w.mail.make(store::mail_kind::reminder, "reminder", d.number, context, to,
                                   now, "reminders"));
      dispatches.record_reminder(d.number, now);
      dispatches.note(d.number, "reminder", "", "reminder " + std::to_string(d.reminders_sent + 1),
                      now);
      ++count.reminders;
    }
  }
  tx.commit();
  return count;
}

std::optional<store::Timestamp> earliest_chase(Workflow& w) {
  std::optional<store::Timestamp> earliest;
  for (const auto& d : store::DispatchStore(w.db).awaiting_section2()) {
    auto next = next_chase(d, w.config);
    if (next && (!earliest || *next < *earliest)) earliest = next;
  }
  return earliest;
}

}  // namespace closeout::workflow
