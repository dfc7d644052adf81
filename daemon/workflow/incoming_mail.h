// SPDX-License-Identifier: GPL-3.0-or-later
// One incoming message, start to end (SPEC "Messages"): classify it, act on it, record it, and
// queue the mail it causes, all in one transaction. The caller moves it on the server only
// after this returns, to the folder returned. A message already recorded (same UIDVALIDITY and
// UID, or same Message-ID) changes nothing and queues nothing, so re-reading after a crash or
// a UIDVALIDITY change is safe.
//
// Whose fault a failure is decides where the message goes:
// - the MESSAGE's (MessageFault, or a ComposeError refusing a value that is in the message as
//   received, such as a From or Message-ID we cannot safely echo): it goes to quarantine,
//   recorded with its Message-ID and From when they could be read;
// - OURS (a template, a bug; anything else): nothing is recorded and the message is NOT moved
//   (held_back): it stays in INBOX and is tried again by the next sync, after the fix;
// - the DATABASE's (SQLite::Exception, store::StoreFault): thrown; the caller stops the sync.
// The configuration's own values cannot be to blame: check_config_usable passed on them.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "database.h"
#include "workflow.h"

namespace closeout::store {
struct DispatchRecord;
}

namespace closeout::workflow {

// Thrown where the message itself is to blame: content we cannot parse or cannot safely echo.
class MessageFault : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct IncomingMessage {
  std::uint32_t uidvalidity = 0;
  std::uint32_t uid = 0;
  std::uint64_t size = 0;
  const std::string* bytes = nullptr;  // null: over limits.max_message_bytes, never fetched
};

struct Disposition {
  std::string folder;  // imap.processed_folder or imap.quarantine_folder
  std::string kind;
  std::string action;
  std::string dispatch_number;
  std::string message_id;
  bool already_recorded = false;  // seen before: nothing was done now
  bool quarantined = false;
  bool held_back = false;  // a fault of ours: not recorded, not to be moved; action says why
};

// The timeline event of a Section 2 that came as automatic mail (Auto-Submitted, Precedence):
// acted on, never answered (RFC 3834). Its message_id is the Section 2's; the confirmation that
// would follow its close-out looks for it (send_results.cpp).
inline constexpr std::string_view kNotAnsweredEvent = "not answered";

// The dispatch's record over what the mail says: its number, Section 1's dispatch date and
// serial number. A Section 2 is checked against these at intake and again at approval.
void use_recorded_facts(DispatchFacts& facts, const store::DispatchRecord& dispatch);

Disposition process_message(Workflow& w, const IncomingMessage& message, store::Timestamp now,
                            std::chrono::year_month_day today);

}  // namespace closeout::workflow
