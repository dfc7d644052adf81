// SPDX-License-Identifier: GPL-3.0-or-later
#include "dispatch_forms.h"

#include "statement_cache.h"

namespace closeout::store {

void DispatchForms::save(const DispatchForm& form) {
  Query q(db_,
          "INSERT INTO dispatch_forms (dispatch_number, filename, content, received_at) "
          "VALUES (?, ?, ?, ?) ON CONFLICT (dispatch_number) DO UPDATE SET "
          "filename = excluded.filename, content = excluded.content, "
          "received_at = excluded.received_at");
  q.bind(1, form.dispatch_number);
  q.bind(2, form.filename);
  q.bind(3, form.content.data(), static_cast<int>(form.content.size()));
  q.bind(4, form.received_at);
  q.exec();
}

std::optional<DispatchForm> DispatchForms::find(const std::string& dispatch_number) {
  Query q(db_,
          "SELECT filename, content, received_at FROM dispatch_forms WHERE dispatch_number = ?");
  q.bind(1, dispatch_number);
  if (!q.executeStep()) return std::nullopt;
  DispatchForm form;
  form.dispatch_number = dispatch_number;
  form.filename = q.getColumn(0).getString();
  const auto& blob = q.getColumn(1);
  form.content.assign(static_cast<const char*>(blob.getBlob()),
                      static_cast<std::size_t>(blob.getBytes()));
  form.received_at = q.getColumn(2).getInt64();
  return form;
}

}  // namespace closeout::store
