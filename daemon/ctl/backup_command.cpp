// SPDX-License-Identifier: GPL-3.0-or-later
// The backup itself. It needs no lock of closeoutd's: SQLite's backup reads under one read
// transaction, which WAL lets run beside the daemon's writes. Fatal: every failure is one line
// on stderr and leaves FILE as it was (at most a FILE.tmp is left, never a half FILE).
#include "backup_command.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "command_config.h"
#include "config.h"
#include "database.h"
#include "exit_codes.h"

namespace closeout {

namespace {

namespace fs = std::filesystem;

class Refusal : public std::runtime_error {
 public:
  Refusal(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// What FILE would overwrite: the database, its WAL, its shared memory or closeoutd's lock.
bool is_live_file(const fs::path& target, const std::string& store_path) {
  std::error_code ec;
  fs::path wanted = fs::weakly_canonical(target, ec);
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".lock"}) {
    fs::path live = fs::weakly_canonical(store_path + suffix, ec);
    if (!ec && wanted == live) return true;
  }
  return false;
}

void sync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    int error = errno;
    if (fd >= 0) ::close(fd);
    throw Refusal(exit_code::cant_create, "cannot sync " + path + ": " + std::strerror(error));
  }
  ::close(fd);
}

// The copy, made whole in tmp; returns its page count.
int copy_database(const std::string& store_path, const std::string& tmp) {
  std::unique_ptr<SQLite::Database> source;
  try {
    source = std::make_unique<SQLite::Database>(store_path, SQLite::OPEN_READWRITE);
    source->setBusyTimeout(10000);
  } catch (const SQLite::Exception& e) {
    throw Refusal(exit_code::io_error,
                  "cannot read the database " + store_path + ": " + store::describe_store_error(e));
  }
  std::unique_ptr<SQLite::Database> copy;
  try {
    copy = std::make_unique<SQLite::Database>(tmp, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  } catch (const SQLite::Exception& e) {
    throw Refusal(exit_code::cant_create, "cannot write " + tmp + ": " + e.what());
  }
  try {
    SQLite::Backup backup(*copy, *source);
    backup.executeStep(-1);  // all pages under one read snapshot
    int pages = backup.getTotalPageCount();
    copy->exec("PRAGMA journal_mode = DELETE");  // one self-contained file, no -wal beside it
    store::check_integrity(*copy, tmp);
    return pages;
  } catch (const store::StoreFault& e) {
    throw Refusal(exit_code::io_error, e.what());
  } catch (const SQLite::Exception& e) {
    int code = e.getErrorCode() & 0xff;
    int exit = code == SQLITE_FULL || code == SQLITE_CANTOPEN || code == SQLITE_READONLY
                   ? exit_code::cant_create
                   : exit_code::io_error;
    throw Refusal(exit, "backup of " + store_path + " to " + tmp +
                            " failed: " + store::describe_store_error(e));
  }
}

}  // namespace

int run_backup(const std::string& config_path, const std::string& file, std::ostream& out,
               std::ostream& err) {
  const std::optional<Config> loaded = load_command_config(config_path, err);
  if (!loaded) return exit_code::config;
  const Config& config = *loaded;
  const std::string& db = config.store.path;
  const std::string tmp = file + ".tmp";
  try {
    if (file.empty() || fs::is_directory(file))
      throw Refusal(exit_code::usage, "backup needs a FILE to write, not \"" + file + "\"");
    if (is_live_file(file, db) || is_live_file(tmp, db))
      throw Refusal(exit_code::usage, file + " is the live database (store.path " + db +
                                          "); name another file for the copy");
    if (!fs::exists(db))
      throw Refusal(exit_code::no_input,
                    "no database at " + db + " yet (store.path in " + config.source + ")");
    std::error_code ec;
    fs::remove(tmp, ec);
    int pages = copy_database(db, tmp);
    sync_path(tmp, O_RDONLY);
    fs::rename(tmp, file, ec);
    if (ec)
      throw Refusal(exit_code::cant_create,
                    "cannot rename " + tmp + " to " + file + ": " + ec.message());
    fs::path dir = fs::absolute(file).parent_path();
    sync_path(dir.string(), O_RDONLY | O_DIRECTORY);  // the rename itself survives a power loss
    out << "backup: " << db << " copied to " << file << " (" << pages << " pages, checked)\n";
    return exit_code::ok;
  } catch (const Refusal& e) {
    err << "closeoutctl: " << e.what() << '\n';
    return e.code();
  }
}

}  // namespace closeout
