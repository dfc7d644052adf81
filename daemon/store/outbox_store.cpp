// SPDX-License-Identifier: GPL-3.0-or-later
#include "outbox_store.h"

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include "statement_cache.h"

namespace closeout::store {

namespace {

constexpr const char* kColumns =
    "id, kind, coalesce(dispatch_number, ''), message_id, envelope_from, recipients, subject, "
    "status, attempts, next_attempt_at, last_error, created_at, coalesce(sent_at, 0), caused_by";

OutboxEntry read_entry(SQLite::Statement& q) {
  OutboxEntry e;
  e.id = q.getColumn(0).getInt64();
  e.kind = q.getColumn(1).getString();
  e.dispatch_number = q.getColumn(2).getString();
  e.message_id = q.getColumn(3).getString();
  e.envelope_from = q.getColumn(4).getString();
  e.recipients = nlohmann::json::parse(q.getColumn(5).getString()).get<std::vector<std::string>>();
  e.subject = q.getColumn(6).getString();
  e.status = q.getColumn(7).getString();
  e.attempts = q.getColumn(8).getInt();
  e.next_attempt_at = q.getColumn(9).getInt64();
  e.last_error = q.getColumn(10).getString();
  e.created_at = q.getColumn(11).getInt64();
  e.sent_at = q.getColumn(12).getInt64();
  e.caused_by = q.getColumn(13).getString();
  return e;
}

}  // namespace

// The row and its content together or not at all: a savepoint is a transaction of its own when
// the caller has none, and nests in the caller's when it has.
std::int64_t OutboxStore::enqueue(const OutboxEntry& e) {
  Query(db_, "SAVEPOINT enqueue").exec();
  try {
    Query q(db_,
            "INSERT INTO outbox (kind, dispatch_number, message_id, envelope_from, "
            "recipients, subject, status, next_attempt_at, created_at, "
            "caused_by) VALUES (?, nullif(?, ''), ?, ?, ?, ?, 'pending', ?, ?, ?)");
    q.bind(1, e.kind);
    q.bind(2, e.dispatch_number);
    q.bind(3, e.message_id);
    q.bind(4, e.envelope_from);
    q.bind(5, nlohmann::json(e.recipients).dump());
    q.bind(6, e.subject);
    q.bind(7, e.next_attempt_at);
    q.bind(8, e.created_at);
    q.bind(9, e.caused_by);
    q.exec();
    std::int64_t id = db_.getLastInsertRowid();
    Query content(db_, "INSERT INTO outbox_content (outbox_id, content) VALUES (?, ?)");
    content.bind(1, id);
    content.bind(2, e.content.data(), static_cast<int>(e.content.size()));
    content.exec();
    Query(db_, "RELEASE enqueue").exec();
    return id;
  } catch (...) {
    if (sqlite3_get_autocommit(db_.getHandle()) == 0) {  // else SQLite already undid it all
      Query(db_, "ROLLBACK TO enqueue").exec();
      Query(db_, "RELEASE enqueue").exec();
    }
    throw;
  }
}

std::vector<OutboxEntry> OutboxStore::due(Timestamp now, std::size_t limit) {
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                   "ORDER BY next_attempt_at, id LIMIT ?");
  q.bind(1, now);
  q.bind(2, static_cast<std::int64_t>(limit));
  std::vector<OutboxEntry> out;
  while (q.executeStep()) out.push_back(read_entry(q));
  return out;
}

std::optional<OutboxEntry> OutboxStore::get(std::int64_t id) {
  Query q(db_, std::string("SELECT ") + kColumns +
                   ", content FROM outbox JOIN outbox_content ON outbox_id = id WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  auto e = read_entry(q);
  auto content = q.getColumn(14);
  e.content.assign(static_cast<const char*>(content.getBlob()),
                   static_cast<std::size_t>(content.getBytes()));
  return e;
}

bool OutboxStore::claim(std::int64_t id) {
  WriteTransaction tx(db_);
  Query q(db_, "UPDATE outbox SET status = 'sending' WHERE id = ? AND status = 'pending'");
  q.bind(1, id);
  bool claimed = q.exec() == 1;
  tx.commit();
  return claimed;
}

std::vector<std::int64_t> OutboxStore::claim(const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> claimed;
  WriteTransaction tx(db_);
  for (auto id : ids) {
    Query q(db_, "UPDATE outbox SET status = 'sending' WHERE id = ? AND status = 'pending'");
    q.bind(1, id);
    if (q.exec() == 1) claimed.push_back(id);
  }
  tx.commit();
  return claimed;
}

int OutboxStore::release(const std::vector<std::int64_t>& ids) {
  int released = 0;
  WriteTransaction tx(db_);
  for (auto id : ids) {
    Query q(db_, "UPDATE outbox SET status = 'pending' WHERE id = ? AND status = 'sending'");
    q.bind(1, id);
    released += q.exec();
  }
  tx.commit();
  return released;
}

int OutboxStore::release_claims() {
  WriteTransaction tx(db_);
  int n = db_.exec("UPDATE outbox SET status = 'pending' WHERE status = 'sending'");
  tx.commit();
  return n;
}

bool OutboxStore::has_follow_up(std::string_view kind, std::string_view dispatch_number,
                                std::string_view caused_by) {
  Query q(db_,
          "SELECT 1 FROM outbox WHERE kind = ? AND dispatch_number = ? AND "
          "caused_by = ? LIMIT 1");
  q.bind(1, std::string(kind));
  q.bind(2, std::string(dispatch_number));
  q.bind(3, std::string(caused_by));
  return q.executeStep();
}

std::optional<std::int64_t> OutboxStore::closeout_in_flight(std::string_view dispatch_number) {
  Query q(db_,
          "SELECT id FROM outbox WHERE kind = 'closeout' AND dispatch_number = ? AND "
          "status IN ('pending', 'sending') ORDER BY id LIMIT 1");
  q.bind(1, std::string(dispatch_number));
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

void OutboxStore::mark_sent(std::int64_t id, Timestamp at) {
  Query q(db_,
          "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
          "last_error = '', effects_done = 0 WHERE id = ?");
  q.bind(1, at);
  q.bind(2, id);
  q.exec();
}

void OutboxStore::mark_effects_done(std::int64_t id) {
  Query q(db_, "UPDATE outbox SET effects_done = 1 WHERE id = ?");
  q.bind(1, id);
  q.exec();
}

std::vector<OutboxEntry> OutboxStore::sent_without_effects() {
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM outbox WHERE status = 'sent' AND effects_done = 0 ORDER BY id");
  std::vector<OutboxEntry> out;
  while (q.executeStep()) out.push_back(read_entry(q));
  return out;
}

void OutboxStore::mark_retry(std::int64_t id, Timestamp next, std::string_view error) {
  Query q(db_,
          "UPDATE outbox SET status = 'pending', attempts = attempts + 1, "
          "next_attempt_at = ?, last_error = ? WHERE id = ?");
  q.bind(1, next);
  q.bind(2, std::string(error));
  q.bind(3, id);
  q.exec();
}

void OutboxStore::mark_failed(std::int64_t id, std::string_view error) {
  Query q(db_,
          "UPDATE outbox SET status = 'failed', attempts = attempts + 1, "
          "last_error = ? WHERE id = ?");
  q.bind(1, std::string(error));
  q.bind(2, id);
  q.exec();
}

bool OutboxStore::mark_unsendable(std::int64_t id, std::string_view error) {
  Query q(db_,
          "UPDATE outbox SET status = 'failed', attempts = attempts + 1, "
          "last_error = ? WHERE id = ? AND status IN ('pending', 'sending')");
  q.bind(1, std::string(error));
  q.bind(2, id);
  return q.exec() == 1;
}

bool OutboxStore::requeue(std::int64_t id, Timestamp now) {
  Query q(db_,
          "UPDATE outbox SET status = 'pending', next_attempt_at = ? "
          "WHERE id = ? AND status IN ('failed', 'pending')");
  q.bind(1, now);
  q.bind(2, id);
  return q.exec() == 1;
}

std::vector<OutboxEntry> OutboxStore::list(bool all) {
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM outbox WHERE ? OR status != 'sent' ORDER BY id");
  q.bind(1, all ? 1 : 0);
  std::vector<OutboxEntry> out;
  while (q.executeStep()) out.push_back(read_entry(q));
  return out;
}

std::optional<std::string> OutboxStore::dispatch_of_message_id(std::string_view message_id) {
  Query q(db_,
          "SELECT dispatch_number FROM outbox WHERE message_id = ? AND "
          "dispatch_number IS NOT NULL");
  q.bind(1, std::string(message_id));
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

std::optional<Timestamp> OutboxStore::earliest_pending() {
  Query q(db_, "SELECT min(next_attempt_at) FROM outbox WHERE status = 'pending'");
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

}  // namespace closeout::store
