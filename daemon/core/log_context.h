// SPDX-License-Identifier: GPL-3.0-or-later
// What a log line is about: the dispatch, the mail and the outbox entry it concerns. The text of
// the line names them for people; under systemd the journal also gets them as fields
// (DISPATCH_NUMBER=, MESSAGE_ID=, OUTBOX_ID=, CLOSEOUT_STATE=), so that
// `journalctl -u closeoutd DISPATCH_NUMBER=7012345678` gives one dispatch's story.
#pragma once
#include <string>

namespace closeout {

struct LogContext {
  std::string dispatch_number;
  std::string message_id;
  std::string outbox_id;
  std::string closeout_state;
};

// Attaches a context to every line logged while it lives, on this thread (the daemon logs from
// its one event-loop thread). Nests: the previous context comes back when it ends.
class ScopedLogContext {
 public:
  explicit ScopedLogContext(LogContext context);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  LogContext previous_;
};

const LogContext& current_log_context();

}  // namespace closeout
