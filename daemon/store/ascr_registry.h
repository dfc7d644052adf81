// SPDX-License-Identifier: GPL-3.0-or-later
// The ASCR registry: the serial numbers Canon has registered to this dealer. When a list is
// loaded, a dispatch for a serial not on it is flagged unregistered (labour compensation at risk).
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <string_view>
#include <vector>

#include "database.h"

namespace closeout::store {

struct AscrRow {
  std::string serial;  // as written
  std::string model;
};

class AscrRegistry {
 public:
  explicit AscrRegistry(SQLite::Database& db) : db_(db) {}

  // Replaces the whole list (Canon's export is the full registry) and re-flags open dispatches.
  // Returns how many distinct serials are now registered.
  std::size_t replace(const std::vector<AscrRow>& rows, Timestamp now);
  bool loaded();
  bool contains(std::string_view serial);

  // "aab 01234" -> "AAB01234": how serials are compared (SPEC: case and spaces ignored).
  static std::string normalise(std::string_view serial);

 private:
  SQLite::Database& db_;
};

}  // namespace closeout::store
