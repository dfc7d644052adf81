// SPDX-License-Identifier: GPL-3.0-or-later
#include "review_store.h"

#include "statement_cache.h"

namespace closeout::store {

namespace {

constexpr const char* kColumns =
    "id, dispatch_number, message_id, from_address, references_json, automatic_mark, raw_json, "
    "sources_json, attachments_json, received_at, decision, coalesce(decided_at, 0), "
    "decision_detail";

ReviewRecord read_review(SQLite::Statement& q) {
  ReviewRecord r;
  r.id = q.getColumn(0).getInt64();
  r.dispatch_number = q.getColumn(1).getString();
  r.message_id = q.getColumn(2).getString();
  r.from_address = q.getColumn(3).getString();
  r.references_json = q.getColumn(4).getString();
  r.automatic_mark = q.getColumn(5).getString();
  r.raw_json = q.getColumn(6).getString();
  r.sources_json = q.getColumn(7).getString();
  r.attachments_json = q.getColumn(8).getString();
  r.received_at = q.getColumn(9).getInt64();
  r.decision = q.getColumn(10).getString();
  r.decided_at = q.getColumn(11).getInt64();
  r.decision_detail = q.getColumn(12).getString();
  return r;
}

}  // namespace

std::int64_t ReviewStore::hold(const ReviewRecord& r, Timestamp now) {
  supersede(r.dispatch_number, "a newer Section 2 (" + r.message_id + ") is held instead", now);
  Query q(db_,
          "INSERT INTO reviews (dispatch_number, message_id, from_address, references_json, "
          "automatic_mark, raw_json, sources_json, attachments_json, received_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, r.dispatch_number);
  q.bind(2, r.message_id);
  q.bind(3, r.from_address);
  q.bind(4, r.references_json);
  q.bind(5, r.automatic_mark);
  q.bind(6, r.raw_json);
  q.bind(7, r.sources_json);
  q.bind(8, r.attachments_json);
  q.bind(9, r.received_at);
  q.exec();
  return db_.getLastInsertRowid();
}

std::optional<ReviewRecord> ReviewStore::waiting(std::string_view number) {
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM reviews WHERE dispatch_number = ? AND decision = '' "
                   "ORDER BY id DESC LIMIT 1");
  q.bind(1, std::string(number));
  if (!q.executeStep()) return std::nullopt;
  return read_review(q);
}

std::vector<ReviewRecord> ReviewStore::all_waiting() {
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM reviews WHERE decision = '' ORDER BY received_at, id");
  std::vector<ReviewRecord> out;
  while (q.executeStep()) out.push_back(read_review(q));
  return out;
}

void ReviewStore::decide(std::int64_t id, std::string_view decision, std::string_view detail,
                         Timestamp at) {
  Query q(db_, "UPDATE reviews SET decision = ?, decision_detail = ?, decided_at = ? WHERE id = ?");
  q.bind(1, std::string(decision));
  q.bind(2, std::string(detail));
  q.bind(3, at);
  q.bind(4, id);
  q.exec();
}

bool ReviewStore::supersede(std::string_view number, std::string_view detail, Timestamp at) {
  Query q(db_,
          "UPDATE reviews SET decision = ?, decision_detail = ?, decided_at = ? "
          "WHERE dispatch_number = ? AND decision = ''");
  q.bind(1, std::string(review_decision::superseded));
  q.bind(2, std::string(detail));
  q.bind(3, at);
  q.bind(4, std::string(number));
  return q.exec() > 0;
}

}  // namespace closeout::store
