// SPDX-License-Identifier: GPL-3.0-or-later
#include "admin_actions.h"

#include "ascr_registry.h"
#include "closeout_mail.h"
#include "dispatch_store.h"
#include "outbox_store.h"

namespace closeout::workflow {

void retry_outbox(Workflow& w, std::int64_t id, store::Timestamp now) {
  store::WriteTransaction tx(w.db);
  store::OutboxStore outbox(w.db);
  auto entry = outbox.get(id);
  if (!entry) throw AdminError("no outbox entry " + std::to_string(id));
  if (entry->status == "sent")
    throw AdminError("outbox entry " + std::to_string(id) + " was sent at " +
                     store::format_utc(entry->sent_at) + "; to send a close-out again use resend");
  outbox.requeue(id, now);
  store::DispatchStore dispatches(w.db);
  if (auto d = dispatches.find(entry->dispatch_number)) {
    if (entry->kind == store::mail_kind::closeout && d->state == store::state::failed)
      dispatches.transition(d->number, store::state::closing, "retry requested", entry->message_id,
                            "outbox " + std::to_string(id), now);
    else
      dispatches.note(d->number, "retry requested", entry->message_id,
                      "outbox " + std::to_string(id), now);
  }
  tx.commit();
}

std::int64_t resend_closeout(Workflow& w, const std::string& number, store::Timestamp now) {
  store::WriteTransaction tx(w.db);
  store::DispatchStore dispatches(w.db);
  auto d = dispatches.find(number);
  if (!d) throw AdminError("no dispatch " + number);
  if (d->section2_json.empty())
    throw AdminError("dispatch " + number + " has no accepted Section 2 to send (state " +
                     d->state + ")");
  if (d->state == store::state::on_hold)
    throw AdminError("dispatch " + number +
                     " is on hold (call status pending); a close-out needs a completed call");
  auto id = queue_closeout_mail(w, *d, nlohmann::json::parse(d->section2_json), now, "admin");
  dispatches.transition(number, store::state::closing, "resend requested", "",
                        "close-out queued again as outbox " + std::to_string(id), now);
  tx.commit();
  return id;
}

AscrImport import_ascr(Workflow& w, std::string_view csv, store::Timestamp now) {
  AscrCsv parsed = parse_ascr_csv(csv);
  std::vector<store::AscrRow> rows;
  rows.reserve(parsed.rows.size());
  for (auto& r : parsed.rows) rows.push_back({r.serial, r.model});
  AscrImport out;
  out.rejected = std::move(parsed.rejected);
  if (rows.empty()) return out;  // a wrong file must not wipe the registry
  store::WriteTransaction tx(w.db);
  out.imported = store::AscrRegistry(w.db).replace(rows, now);
  out.unregistered_open = static_cast<std::size_t>(
      w.db.execAndGet("SELECT count(*) FROM dispatches WHERE unregistered = 1 AND state != "
                      "'closed_out'")
          .getInt64());
  tx.commit();
  return out;
}

}  // namespace closeout::workflow
