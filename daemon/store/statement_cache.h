// SPDX-License-Identifier: GPL-3.0-or-later
// Prepared statements kept for the life of a connection: the few statements run for every
// message and every send are parsed once, not once per row (parsing was 40 % of closeoutd's
// instructions on a backlog, BENCHMARKS.md). Opt-in per connection: its owner (Runtime) keeps a
// StatementCache; without one a Query prepares afresh. Errors are SQLite's own exceptions.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace closeout::store {

// Registers itself for db's connection and finalizes its statements when it goes, which must be
// before the connection closes (SQLite refuses to close a connection with statements left).
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

 private:
  friend class Query;
  struct Entry {
    std::unique_ptr<SQLite::Statement> statement;
    bool in_use = false;
  };
  SQLite::Database& db_;
  std::unordered_map<std::string, Entry> entries_;  // by SQL text
};

// One use of a statement, used like SQLite::Statement. Taken from the connection's cache when it
// has one and the same SQL is not in use already (a nested use gets a statement of its own).
// Reset and unbound when it goes: a cached statement holds no read transaction open, no value.
class Query {
 public:
  Query(SQLite::Database& db, const std::string& sql);
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  template <typename... Args>
  void bind(Args&&... args) {
    statement_->bind(std::forward<Args>(args)...);
  }
  bool executeStep() { return statement_->executeStep(); }
  int exec() { return statement_->exec(); }
  void reset() { statement_->reset(); }
  SQLite::Column getColumn(int index) { return statement_->getColumn(index); }
  operator SQLite::Statement&() { return *statement_; }  // NOLINT(google-explicit-constructor)

 private:
  SQLite::Statement* statement_ = nullptr;
  StatementCache::Entry* entry_ = nullptr;  // null: prepared for this use alone
  std::optional<SQLite::Statement> own_;
};

}  // namespace closeout::store
