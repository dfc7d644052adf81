// SPDX-License-Identifier: GPL-3.0-or-later
#include "ascr_registry.h"

#include <cctype>

#include "statement_cache.h"

namespace closeout::store {

std::string AscrRegistry::normalise(std::string_view serial) {
  std::string out;
  for (char c : serial) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::size_t AscrRegistry::replace(const std::vector<AscrRow>& rows, Timestamp now) {
  db_.exec("DELETE FROM ascr_serials");
  Query q(db_,
          "INSERT OR IGNORE INTO ascr_serials (serial, written, model, imported_at) "
          "VALUES (?, ?, ?, ?)");
  for (const auto& row : rows) {
    q.bind(1, normalise(row.serial));
    q.bind(2, row.serial);
    q.bind(3, row.model);
    q.bind(4, now);
    q.exec();
    q.reset();
  }
  // Flags follow the list for dispatches still open; closed ones keep their history.
  db_.exec(
      "UPDATE dispatches SET unregistered = (replace(upper(serial_number), ' ', '') NOT IN "
      "(SELECT serial FROM ascr_serials)) WHERE state NOT IN ('closed_out')");
  return static_cast<std::size_t>(db_.execAndGet("SELECT count(*) FROM ascr_serials").getInt64());
}

bool AscrRegistry::loaded() {
  return db_.execAndGet("SELECT EXISTS (SELECT 1 FROM ascr_serials)").getInt() != 0;
}

bool AscrRegistry::contains(std::string_view serial) {
  Query q(db_, "SELECT 1 FROM ascr_serials WHERE serial = ?");
  q.bind(1, normalise(serial));
  return q.executeStep();
}

}  // namespace closeout::store
