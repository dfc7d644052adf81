// SPDX-License-Identifier: GPL-3.0-or-later
// The PDF form CITS attached to a dispatch (SPEC "The form itself as an attachment"), kept as
// received so the close-out can return that same form with Section 2 filled in. The bytes are
// never parsed here: the attachment helper does that at close-out time.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>

#include "database.h"

namespace closeout::store {

struct DispatchForm {
  std::string dispatch_number;
  std::string filename;
  std::string content;
  Timestamp received_at = 0;
};

class DispatchForms {
 public:
  explicit DispatchForms(SQLite::Database& db) : db_(db) {}
  // Replaces what an earlier dispatch mail left; the dispatch must exist.
  void save(const DispatchForm& form);
  std::optional<DispatchForm> find(const std::string& dispatch_number);

 private:
  SQLite::Database& db_;
};

}  // namespace closeout::store
