// SPDX-License-Identifier: GPL-3.0-or-later
// The per-connection statement cache; see statement_cache.h. The registry maps a connection to
// its cache; it is read for every statement, so it is small and its lock is short.
#include "statement_cache.h"

#include <mutex>

namespace closeout::store {

namespace {

struct Registry {
  std::mutex lock;
  std::unordered_map<sqlite3*, StatementCache*> caches;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

StatementCache::StatementCache(SQLite::Database& db) : db_(db) {
  auto& r = registry();
  std::lock_guard guard(r.lock);
  r.caches[db_.getHandle()] = this;
}

StatementCache::~StatementCache() {
  auto& r = registry();
  std::lock_guard guard(r.lock);
  r.caches.erase(db_.getHandle());
}

Query::Query(SQLite::Database& db, const std::string& sql) {
  StatementCache* cache = nullptr;
  {
    auto& r = registry();
    std::lock_guard guard(r.lock);
    if (auto found = r.caches.find(db.getHandle()); found != r.caches.end()) cache = found->second;
  }
  if (cache) {
    auto& entry = cache->entries_[sql];
    if (!entry.in_use) {
      if (!entry.statement) entry.statement = std::make_unique<SQLite::Statement>(db, sql);
      entry.in_use = true;
      entry_ = &entry;
      statement_ = entry.statement.get();
      return;
    }
  }
  own_.emplace(db, sql);
  statement_ = &*own_;
}

Query::~Query() {
  if (!entry_) return;
  statement_->tryReset();
  try {
    statement_->clearBindings();  // frees the bound copies (an outbox row's whole content)
  } catch (...) {  // NOLINT(bugprone-empty-catch): sqlite3_clear_bindings cannot fail
  }
  entry_->in_use = false;
}

}  // namespace closeout::store
