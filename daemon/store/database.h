// SPDX-License-Identifier: GPL-3.0-or-later
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

// The database cannot be used as it is: corrupt, full disk, read-only, an I/O error, or
// locked past the busy timeout. Not a configuration error: closeoutd stops intake and retries
// (exit 74 for --once), and moves no mail until it goes away.
class StoreFault : public StoreError {
 public:
  using StoreError::StoreError;
};

// Opens (creating when missing) and migrates. Throws StoreError naming the path (StoreFault
// when the file is there but unusable).
std::unique_ptr<SQLite::Database> open_database(const std::string& path);

// PRAGMA quick_check (O(size), no index cross-check: seconds even for years of mail). Throws
// StoreFault naming the path and SQLite's first complaint.
void check_integrity(SQLite::Database& db, const std::string& path);

// One line for an SQLite error met while working: what failed and what the admin can do.
std::string describe_store_error(const std::exception& e);

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
