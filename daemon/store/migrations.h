// SPDX-License-Identifier: GPL-3.0-or-later
// Every schema change is a numbered migration; PRAGMA user_version records how far a database
// has come. Migrations only ever append to this list.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <string_view>
#include <vector>

namespace closeout::store {

struct Migration {
  int version;
  std::string_view purpose;
  std::string_view sql;
};

const std::vector<Migration>& migrations();
int latest_schema_version();

// Applies what is missing, each migration in its own transaction. Throws StoreError when the
// database is newer than this binary.
void migrate(SQLite::Database& db);
int schema_version(SQLite::Database& db);

}  // namespace closeout::store
