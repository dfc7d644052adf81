// SPDX-License-Identifier: GPL-3.0-or-later
// Dispatches and their timelines. Every state change goes through transition(), which writes
// the event row in the same transaction as the change (SPEC "Dispatch states").
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "database.h"

namespace closeout::store {

// SPEC "Dispatch states".
namespace state {
inline constexpr std::string_view received = "received";
inline constexpr std::string_view notified = "notified";
inline constexpr std::string_view rejected = "rejected";
inline constexpr std::string_view closing = "closing";
inline constexpr std::string_view closed_out = "closed_out";
inline constexpr std::string_view on_hold = "on_hold";
inline constexpr std::string_view failed = "failed";
// A Section 2 read by OCR, waiting for `closeoutctl approve` or `reject` (review_store.h).
inline constexpr std::string_view review = "review";
}  // namespace state

// The states a reminder applies to: open, and no valid Section 2 yet. Not review: the
// technician has answered; what waits there is a person at the dealer (report ages it).
bool awaits_section2(std::string_view state);

struct DispatchRecord {
  std::string number;
  std::string state;
  std::string serial_number;
  std::string model;
  std::string customer_name;
  std::string dispatch_date;  // YYYY-MM-DD or empty
  std::string section1_json;  // [{"key","label","value"}...] in form order
  std::string section2_json;  // the last valid Section 2, same shape; empty when none
  bool unregistered = false;
  bool overdue = false;
  Timestamp received_at = 0;
  Timestamp updated_at = 0;
  Timestamp closed_out_at = 0;
  int reminders_sent = 0;
  Timestamp last_reminder_at = 0;
  Timestamp escalated_at = 0;

  std::vector<std::string> flags() const;
};

struct EventRecord {
  Timestamp at = 0;
  std::string event;
  std::string from_state;
  std::string to_state;
  std::string message_id;
  std::string detail;
};

struct DispatchFilter {
  std::string state;  // empty: any
  bool overdue_only = false;
};

class DispatchStore {
 public:
  explicit DispatchStore(SQLite::Database& db) : db_(db) {}

  std::optional<DispatchRecord> find(std::string_view number);
  // A new dispatch in state received, with its "received" event.
  void insert(const DispatchRecord& record, std::string_view message_id);
  void update_section1(const DispatchRecord& record, std::string_view message_id,
                       std::string_view detail, Timestamp now);
  void transition(std::string_view number, std::string_view to, std::string_view event,
                  std::string_view message_id, std::string_view detail, Timestamp now);
  // An event that changes no state (a duplicate, a bounce, a reminder).
  void note(std::string_view number, std::string_view event, std::string_view message_id,
            std::string_view detail, Timestamp now);
  void set_section2(std::string_view number, std::string_view section2_json, Timestamp now);
  void set_closed_out(std::string_view number, Timestamp at);
  void set_unregistered(std::string_view number, bool unregistered);
  void record_reminder(std::string_view number, Timestamp at);
  void record_escalation(std::string_view number, Timestamp at);

  std::vector<DispatchRecord> list(const DispatchFilter& filter = {});
  std::vector<DispatchRecord> awaiting_section2();
  std::vector<EventRecord> timeline(std::string_view number);

 private:
  SQLite::Database& db_;
};

}  // namespace closeout::store
