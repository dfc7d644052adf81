// SPDX-License-Identifier: GPL-3.0-or-later
// Section 2 replies held for a person (state review, SPEC "The form itself as an attachment"):
// the values as read, where each came from and the technician's mail to answer, kept until
// `closeoutctl approve` or `reject` decides, and after (decision, when, by whom and why).
// Errors are SQLite's own exceptions: the caller's transaction rolls back.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "database.h"

namespace closeout::store {

namespace review_decision {
inline constexpr std::string_view approved = "approved";
inline constexpr std::string_view rejected = "rejected";
// A newer Section 2 from the technician came first: it is the one that counts.
inline constexpr std::string_view superseded = "superseded";
}  // namespace review_decision

struct ReviewRecord {
  std::int64_t id = 0;
  std::string dispatch_number;
  std::string message_id;              // the technician's Section 2
  std::string from_address;            // bare address, to answer
  std::string references_json = "[]";  // their References, to thread the answer
  std::string automatic_mark;          // non-empty: machine-sent, never answered
  std::string raw_json;                // [[key, value as read], ...] in the order found
  std::string sources_json;            // [[key, source], ...] as Analysis::field_sources
  std::string attachments_json;        // [{filename, type, read, reason, min_confidence}]
  Timestamp received_at = 0;
  std::string decision;  // empty while waiting
  Timestamp decided_at = 0;
  std::string decision_detail;
};

class ReviewStore {
 public:
  explicit ReviewStore(SQLite::Database& db) : db_(db) {}

  // Holds a reply; one still waiting for the same dispatch is superseded by it. Returns the id.
  std::int64_t hold(const ReviewRecord& record, Timestamp now);
  // The reply waiting for the dispatch, if any.
  std::optional<ReviewRecord> waiting(std::string_view dispatch_number);
  // Every reply waiting, oldest first.
  std::vector<ReviewRecord> all_waiting();
  void decide(std::int64_t id, std::string_view decision, std::string_view detail, Timestamp at);
  // Marks what waits for the dispatch superseded (a newer Section 2 arrived); false if nothing.
  bool supersede(std::string_view dispatch_number, std::string_view detail, Timestamp at);

 private:
  SQLite::Database& db_;
};

}  // namespace closeout::store
