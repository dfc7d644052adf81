// SPDX-License-Identifier: GPL-3.0-or-later
#include "message_log.h"

#include "statement_cache.h"

namespace closeout::store {

namespace {

constexpr const char* kColumns =
    "uidvalidity, uid, message_id, from_address, subject, kind, action, folder, "
    "coalesce(dispatch_number, ''), detail, size, processed_at";

MessageRecord read_message(SQLite::Statement& q) {
  MessageRecord m;
  m.uidvalidity = static_cast<std::uint32_t>(q.getColumn(0).getInt64());
  m.uid = static_cast<std::uint32_t>(q.getColumn(1).getInt64());
  m.message_id = q.getColumn(2).getString();
  m.from_address = q.getColumn(3).getString();
  m.subject = q.getColumn(4).getString();
  m.kind = q.getColumn(5).getString();
  m.action = q.getColumn(6).getString();
  m.folder = q.getColumn(7).getString();
  m.dispatch_number = q.getColumn(8).getString();
  m.detail = q.getColumn(9).getString();
  m.size = static_cast<std::uint64_t>(q.getColumn(10).getInt64());
  m.processed_at = q.getColumn(11).getInt64();
  return m;
}

}  // namespace

void MessageLog::record(const MessageRecord& m) {
  Query q(db_,
          "INSERT INTO messages (uidvalidity, uid, message_id, from_address, subject, "
          "kind, action, folder, dispatch_number, detail, size, processed_at) VALUES "
          "(?, ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ?, ?)");
  q.bind(1, static_cast<std::int64_t>(m.uidvalidity));
  q.bind(2, static_cast<std::int64_t>(m.uid));
  q.bind(3, m.message_id);
  q.bind(4, m.from_address);
  q.bind(5, m.subject);
  q.bind(6, m.kind);
  q.bind(7, m.action);
  q.bind(8, m.folder);
  q.bind(9, m.dispatch_number);
  q.bind(10, m.detail);
  q.bind(11, static_cast<std::int64_t>(m.size));
  q.bind(12, m.processed_at);
  q.exec();
}

std::optional<MessageRecord> MessageLog::find_uid(std::uint32_t uidvalidity, std::uint32_t uid) {
  Query q(db_,
          std::string("SELECT ") + kColumns + " FROM messages WHERE uidvalidity = ? AND uid = ?");
  q.bind(1, static_cast<std::int64_t>(uidvalidity));
  q.bind(2, static_cast<std::int64_t>(uid));
  if (!q.executeStep()) return std::nullopt;
  return read_message(q);
}

std::optional<MessageRecord> MessageLog::find_message_id(std::string_view message_id) {
  if (message_id.empty()) return std::nullopt;
  Query q(db_, std::string("SELECT ") + kColumns +
                   " FROM messages WHERE message_id = ? ORDER BY id LIMIT 1");
  q.bind(1, std::string(message_id));
  if (!q.executeStep()) return std::nullopt;
  return read_message(q);
}

MailboxPosition MessageLog::position(std::string_view mailbox) {
  Query q(db_, "SELECT uidvalidity, last_uid FROM imap_position WHERE mailbox = ?");
  q.bind(1, std::string(mailbox));
  if (!q.executeStep()) return {};
  return {static_cast<std::uint32_t>(q.getColumn(0).getInt64()),
          static_cast<std::uint32_t>(q.getColumn(1).getInt64())};
}

void MessageLog::set_position(std::string_view mailbox, MailboxPosition p) {
  Query q(db_,
          "INSERT INTO imap_position (mailbox, uidvalidity, last_uid) VALUES (?, ?, ?) "
          "ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
          "last_uid = excluded.last_uid");
  q.bind(1, std::string(mailbox));
  q.bind(2, static_cast<std::int64_t>(p.uidvalidity));
  q.bind(3, static_cast<std::int64_t>(p.last_uid));
  q.exec();
}

}  // namespace closeout::store
