// SPDX-License-Identifier: GPL-3.0-or-later
// Every incoming message closeoutd has handled (by UIDVALIDITY and UID, and by Message-ID), and
// how far the dispatch mailbox has been read. A message found here is never acted on twice:
// that is what makes re-reading after a crash or a UIDVALIDITY change safe.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "database.h"

namespace closeout::store {

struct MessageRecord {
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  std::string message_id;
  std::string from_address;
  std::string subject;
  std::string kind;  // dispatch | section2 | auto_reply | bounce | unknown | unreadable | oversize
  std::string action;  // what was done: "new dispatch", "close-out queued", "quarantined"...
  std::string folder;  // where it was (or is to be) moved
  std::string dispatch_number;
  std::string detail;
  std::uint64_t size = 0;
  Timestamp processed_at = 0;
};

struct MailboxPosition {
  std::uint32_t uidvalidity = 0;
  std::uint32_t last_uid = 0;
};

class MessageLog {
 public:
  explicit MessageLog(SQLite::Database& db) : db_(db) {}

  void record(const MessageRecord& message);
  std::optional<MessageRecord> find_uid(std::uint32_t uidvalidity, std::uint32_t uid);
  // The first message recorded with this Message-ID (empty ids never match).
  std::optional<MessageRecord> find_message_id(std::string_view message_id);

  MailboxPosition position(std::string_view mailbox);
  void set_position(std::string_view mailbox, MailboxPosition position);

 private:
  SQLite::Database& db_;
};

}  // namespace closeout::store
