// SPDX-License-Identifier: GPL-3.0-or-later
#include "dispatch_store.h"

#include "statement_cache.h"

namespace closeout::store {

namespace {

constexpr const char* kColumns =
    "number, state, serial_number, model, customer_name, dispatch_date, section1_json, "
    "coalesce(section2_json, ''), unregistered, overdue, received_at, updated_at, "
    "coalesce(closed_out_at, 0), reminders_sent, coalesce(last_reminder_at, 0), "
    "coalesce(escalated_at, 0)";

DispatchRecord read_dispatch(SQLite::Statement& q) {
  DispatchRecord r;
  r.number = q.getColumn(0).getString();
  r.state = q.getColumn(1).getString();
  r.serial_number = q.getColumn(2).getString();
  r.model = q.getColumn(3).getString();
  r.customer_name = q.getColumn(4).getString();
  r.dispatch_date = q.getColumn(5).getString();
  r.section1_json = q.getColumn(6).getString();
  r.section2_json = q.getColumn(7).getString();
  r.unregistered = q.getColumn(8).getInt() != 0;
  r.overdue = q.getColumn(9).getInt() != 0;
  r.received_at = q.getColumn(10).getInt64();
  r.updated_at = q.getColumn(11).getInt64();
  r.closed_out_at = q.getColumn(12).getInt64();
  r.reminders_sent = q.getColumn(13).getInt();
  r.last_reminder_at = q.getColumn(14).getInt64();
  r.escalated_at = q.getColumn(15).getInt64();
  return r;
}

void add_event(SQLite::Database& db, std::string_view number, Timestamp at, std::string_view event,
               std::string_view from, std::string_view to, std::string_view message_id,
               std::string_view detail) {
  Query q(db,
          "INSERT INTO events (dispatch_number, at, event, from_state, to_state, "
          "message_id, detail) VALUES (?, ?, ?, nullif(?, ''), nullif(?, ''), "
          "nullif(?, ''), ?)");
  q.bind(1, std::string(number));
  q.bind(2, at);
  q.bind(3, std::string(event));
  q.bind(4, std::string(from));
  q.bind(5, std::string(to));
  q.bind(6, std::string(message_id));
  q.bind(7, std::string(detail));
  q.exec();
}

}  // namespace

bool awaits_section2(std::string_view s) {
  return s == state::received || s == state::notified || s == state::rejected;
}

std::vector<std::string> DispatchRecord::flags() const {
  std::vector<std::string> out;
  if (unregistered) out.emplace_back("unregistered");
  if (overdue) out.emplace_back("overdue");
  return out;
}

std::optional<DispatchRecord> DispatchStore::find(std::string_view number) {
  Query q(db_, std::string("SELECT ") + kColumns + " FROM dispatches WHERE number = ?");
  q.bind(1, std::string(number));
  if (!q.executeStep()) return std::nullopt;
  return read_dispatch(q);
}

void DispatchStore::insert(const DispatchRecord& r, std::string_view message_id) {
  Query q(db_,
          "INSERT INTO dispatches (number, state, serial_number, model, "
          "customer_name, dispatch_date, section1_json, unregistered, received_at, "
          "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, r.number);
  q.bind(2, std::string(state::received));
  q.bind(3, r.serial_number);
  q.bind(4, r.model);
  q.bind(5, r.customer_name);
  q.bind(6, r.dispatch_date);
  q.bind(7, r.section1_json);
  q.bind(8, r.unregistered ? 1 : 0);
  q.bind(9, r.received_at);
  q.bind(10, r.received_at);
  q.exec();
  add_event(db_, r.number, r.received_at, "received", "", state::received, message_id,
            r.unregistered ? "serial number not in the ASCR registry" : "");
}

void DispatchStore::update_section1(const DispatchRecord& r, std::string_view message_id,
                                    std::string_view detail, Timestamp now) {
  Query q(db_,
          "UPDATE dispatches SET serial_number = ?, model = ?, customer_name = ?, "
          "dispatch_date = ?, section1_json = ?, unregistered = ?, updated_at = ? "
          "WHERE number = ?");
  q.bind(1, r.serial_number);
  q.bind(2, r.model);
  q.bind(3, r.customer_name);
  q.bind(4, r.dispatch_date);
  q.bind(5, r.section1_json);
  q.bind(6, r.unregistered ? 1 : 0);
  q.bind(7, now);
  q.bind(8, r.number);
  q.exec();
  add_event(db_, r.number, now, "updated", "", "", message_id, detail);
}

void DispatchStore::transition(std::string_view number, std::string_view to, std::string_view event,
                               std::string_view message_id, std::string_view detail,
                               Timestamp now) {
  auto current = find(number);
  if (!current) throw StoreError("no dispatch " + std::string(number));
  Query q(db_, "UPDATE dispatches SET state = ?, updated_at = ? WHERE number = ?");
  q.bind(1, std::string(to));
  q.bind(2, now);
  q.bind(3, std::string(number));
  q.exec();
  add_event(db_, number, now, event, current->state, to, message_id, detail);
}

void DispatchStore::note(std::string_view number, std::string_view event,
                         std::string_view message_id, std::string_view detail, Timestamp now) {
  add_event(db_, number, now, event, "", "", message_id, detail);
}

void DispatchStore::set_section2(std::string_view number, std::string_view json, Timestamp now) {
  Query q(db_, "UPDATE dispatches SET section2_json = ?, updated_at = ? WHERE number = ?");
  q.bind(1, std::string(json));
  q.bind(2, now);
  q.bind(3, std::string(number));
  q.exec();
}

void DispatchStore::set_closed_out(std::string_view number, Timestamp at) {
  Query q(db_, "UPDATE dispatches SET closed_out_at = ? WHERE number = ?");
  q.bind(1, at);
  q.bind(2, std::string(number));
  q.exec();
}

void DispatchStore::set_unregistered(std::string_view number, bool unregistered) {
  Query q(db_, "UPDATE dispatches SET unregistered = ? WHERE number = ?");
  q.bind(1, unregistered ? 1 : 0);
  q.bind(2, std::string(number));
  q.exec();
}

void DispatchStore::record_reminder(std::string_view number, Timestamp at) {
  Query q(db_,
          "UPDATE dispatches SET reminders_sent = reminders_sent + 1, "
          "last_reminder_at = ? WHERE number = ?");
  q.bind(1, at);
  q.bind(2, std::string(number));
  q.exec();
}

void DispatchStore::record_escalation(std::string_view number, Timestamp at) {
  Query q(db_, "UPDATE dispatches SET escalated_at = ?, overdue = 1 WHERE number = ?");
  q.bind(1, at);
  q.bind(2, std::string(number));
  q.exec();
}

std::vector<DispatchRecord> DispatchStore::list(const DispatchFilter& filter) {
  std::string sql = std::string("SELECT ") + kColumns +
                    " FROM dispatches WHERE (?1 = '' OR state = ?1) AND (?2 = 0 OR overdue = 1)"
                    " ORDER BY received_at, number";
  Query q(db_, sql);
  q.bind(1, filter.state);
  q.bind(2, filter.overdue_only ? 1 : 0);
  std::vector<DispatchRecord> out;
  while (q.executeStep()) out.push_back(read_dispatch(q));
  return out;
}

std::vector<DispatchRecord> DispatchStore::awaiting_section2() {
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM dispatches WHERE state IN ('received', 'notified', "
                   "'rejected') ORDER BY received_at");
  std::vector<DispatchRecord> out;
  while (q.executeStep()) out.push_back(read_dispatch(q));
  return out;
}

std::vector<EventRecord> DispatchStore::timeline(std::string_view number) {
  Query q(db_,
          "SELECT at, event, coalesce(from_state, ''), coalesce(to_state, ''), "
          "coalesce(message_id, ''), detail FROM events WHERE dispatch_number = ? "
          "ORDER BY id");
  q.bind(1, std::string(number));
  std::vector<EventRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), q.getColumn(3).getString(),
                   q.getColumn(4).getString(), q.getColumn(5).getString()});
  }
  return out;
}

}  // namespace closeout::store
