// The one SQLite file closeoutd keeps everything in (store.path). Opening it sets WAL (so
// closeoutctl reads while the daemon writes), a busy timeout and foreign keys, then applies the
// numbered migrations. A database newer than this binary is refused, never downgraded.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace closeout::store {

// Unix seconds, UTC: what every *_at column holds.
using Timestamp = std::int64_t;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Opens (creating when missing) and migrates. Throws StoreError naming the path.
std::unique_ptr<SQLite::Database> open_database(const std::string& path);

// BEGIN IMMEDIATE: takes the write lock up front, so two writers wait on the busy timeout
// instead of failing on a lock upgrade. Rolls back unless commit() was called.
class WriteTransaction {
 public:
  explicit WriteTransaction(SQLite::Database& db);
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void commit();

 private:
  SQLite::Database& db_;
  bool done_ = false;
};

// "2026-11-24T09:30:00Z"; empty for 0.
std::string format_utc(Timestamp at);

}  // namespace closeout::store
