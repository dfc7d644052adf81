// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox: every mail closeoutd sends is written here first, in the same transaction as the
// state change that causes it, and only then sent. The bytes are composed at queue time, so a
// retry or a resend after a crash sends exactly the same message with the same Message-ID.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "database.h"

namespace closeout::store {

// SPEC "Outgoing mail" kinds.
namespace mail_kind {
inline constexpr std::string_view notice = "notice";
inline constexpr std::string_view problems = "problems";
inline constexpr std::string_view pending = "pending";
inline constexpr std::string_view closeout = "closeout";
inline constexpr std::string_view confirmation = "confirmation";
inline constexpr std::string_view reminder = "reminder";
inline constexpr std::string_view escalation = "escalation";
inline constexpr std::string_view not_dispatched = "not_dispatched";
inline constexpr std::string_view already_closed = "already_closed";
inline constexpr std::string_view digest = "digest";
// To dealer.admins: a Section 2 read by OCR waits in review (SPEC "The form itself as an
// attachment"). A review rejected answers the technician as a problems reply.
inline constexpr std::string_view review_needed = "review_needed";
}  // namespace mail_kind

struct OutboxEntry {
  std::int64_t id = 0;
  std::string kind;
  std::string dispatch_number;  // empty: about no known dispatch
  std::string message_id;
  std::string envelope_from;            // empty: the null reverse-path <>
  std::vector<std::string> recipients;  // addr-specs
  std::string subject;
  std::string content;  // the whole message, CRLF
  std::string status = "pending";
  int attempts = 0;
  Timestamp next_attempt_at = 0;
  std::string last_error;
  Timestamp created_at = 0;
  Timestamp sent_at = 0;
  std::string caused_by;  // the Message-ID of the incoming mail, or "reminder", "admin"
};

class OutboxStore {
 public:
  explicit OutboxStore(SQLite::Database& db) : db_(db) {}

  std::int64_t enqueue(const OutboxEntry& entry);
  // Pending entries due at now, oldest first, without their content.
  std::vector<OutboxEntry> due(Timestamp now, std::size_t limit);
  std::optional<OutboxEntry> get(std::int64_t id);  // with content
  // pending -> sending in a transaction of its own; true only for the one caller that moved it,
  // which alone may send it. Another process (or a second worker) gets false.
  bool claim(std::int64_t id);
  // The same for several rows in ONE transaction (a sender's next few): the ids it moved.
  std::vector<std::int64_t> claim(const std::vector<std::int64_t>& ids);
  // Claims not acted on (the send never started: a stop, a lost connection) back to pending,
  // in one transaction; rows no longer sending are left alone. Returns how many.
  int release(const std::vector<std::int64_t>& ids);
  // At start-up only: rows a crash left in sending go back to pending (the server may have the
  // mail: the RFC 1047 window). Returns how many.
  int release_claims();
  // Whether a follow-up of this kind caused by that incoming mail is already queued for the
  // dispatch (a replay of a send's effects must not queue it twice).
  bool has_follow_up(std::string_view kind, std::string_view dispatch_number,
                     std::string_view caused_by);
  // The id of a close-out of this dispatch that is pending or being sent, if any.
  std::optional<std::int64_t> closeout_in_flight(std::string_view dispatch_number);
  // Only the fact of acceptance: the smallest write there is, committed at once.
  void mark_sent(std::int64_t id, Timestamp at);
  void mark_effects_done(std::int64_t id);
  // Accepted sends whose consequences a crash cut off.
  std::vector<OutboxEntry> sent_without_effects();
  void mark_retry(std::int64_t id, Timestamp next_attempt_at, std::string_view error);
  void mark_failed(std::int64_t id, std::string_view error);
  // An entry we could not handle (a fault of ours or of its content): failed with the reason,
  // unless it was sent meanwhile. False when it was not pending or sending.
  bool mark_unsendable(std::int64_t id, std::string_view error);
  // retry: a failed entry becomes pending and due now. False when id is not failed or pending.
  bool requeue(std::int64_t id, Timestamp now);
  // pending, sending and failed (all: sent too), oldest first, without content.
  std::vector<OutboxEntry> list(bool all);
  // The dispatch a mail we sent was about, by its Message-ID.
  std::optional<std::string> dispatch_of_message_id(std::string_view message_id);
  std::optional<Timestamp> earliest_pending();

 private:
  SQLite::Database& db_;
};

}  // namespace closeout::store
