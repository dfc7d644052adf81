// SPDX-License-Identifier: GPL-3.0-or-later
#include "database.h"

#include <sqlite3.h>

#include <ctime>
#include <filesystem>

#include "migrations.h"
#include "phase_counters.h"
#include "statement_cache.h"

namespace closeout::store {

std::unique_ptr<SQLite::Database> open_database(const std::string& path) {
  try {
    auto db =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->setBusyTimeout(10000);
    db->exec("PRAGMA journal_mode = WAL");
    // NORMAL in WAL mode is durable against a process crash (the case the daemon must survive);
    // only a power loss can drop the last commits, and FULL would cost an fsync per message.
    db->exec("PRAGMA synchronous = NORMAL");
    db->exec("PRAGMA foreign_keys = ON");
    migrate(*db);
    return db;
  } catch (const StoreError&) {
    throw;
  } catch (const std::exception& e) {
    std::string hint;
    auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty() && !std::filesystem::exists(dir)) {
      hint = " (" + dir.string() +
             " does not exist; the installed service creates it on its first start)";
      throw StoreError("cannot open the database " + path + ": " + e.what() + hint);
    }
    throw StoreFault("cannot open the database " + path + ": " + describe_store_error(e));
  }
}

void check_integrity(SQLite::Database& db, const std::string& path) {
  std::string first;
  try {
    SQLite::Statement check(db, "PRAGMA quick_check(1)");
    if (check.executeStep()) first = check.getColumn(0).getString();
  } catch (const std::exception& e) {
    first = describe_store_error(e);
  }
  for (char& c : first) {
    if (c == '\n') c = ' ';  // one line in the journal
  }
  if (first != "ok")
    throw StoreFault("the database " + path + " failed its integrity check (" + first +
                     "); restore it from a backup (closeoutctl backup, see closeoutd(8))");
}

std::string describe_store_error(const std::exception& e) {
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
  std::string what = e.what();
  if (!sqlite) return what;
  switch (sqlite->getErrorCode() & 0xff) {
    case SQLITE_FULL:
      return what + " (the disk is full: free space in the state directory)";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return what +
             " (the database or its directory cannot be written: check owner, mode and "
             "mount)";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return what + " (the database is damaged: restore it from a backup)";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return what + " (another process holds the database locked)";
    case SQLITE_IOERR:
      return what + " (an I/O error: check the disk)";
    default:
      return what;
  }
}

WriteTransaction::WriteTransaction(SQLite::Database& db) : db_(db) {
  Query(db_, "BEGIN IMMEDIATE").exec();
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (...) {  // NOLINT(bugprone-empty-catch): a failed rollback leaves SQLite to undo it
  }
}

void WriteTransaction::commit() {
  phases::count(phases::commits);
  // Inside make_durable or a synced acceptance the commit is the fsync: charged there.
  phases::Timer timer(phases::current() == phases::fsync ? phases::fsync : phases::commit);
  Query(db_, "COMMIT").exec();
  done_ = true;
}

std::string format_utc(Timestamp at) {
  if (at == 0) return {};
  std::time_t t = at;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  if (std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return {};
  return buffer;
}

}  // namespace closeout::store
