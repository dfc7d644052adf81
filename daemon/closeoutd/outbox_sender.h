// SPDX-License-Identifier: GPL-3.0-or-later
// Sends what the outbox holds, oldest due first, on up to kConnections SMTP connections at once.
// Each outcome is committed the moment the server answers (send_results.h). A failure of the
// connection itself ends the flush: the rest stays due, rather than each entry waiting out its own
// connect timeout against a server that is down. One entry that cannot be handled (a bug, bytes
// the server chokes on) is marked failed with the reason and the queue goes on; only a database
// that cannot record anything ends the flush. Rows are claimed (sending) before they are sent,
// a few per commit; claims whose send never started are given back when the flush ends.
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "asio_awaitable.h"
#include "bearer_source.h"
#include "outbox_store.h"
#include "runtime.h"
#include "send_results.h"
#include "smtp_sender.h"

namespace closeout {

struct FlushStats {
  unsigned accepted = 0;
  unsigned deferred = 0;                                 // transient: tried again later
  unsigned failed = 0;                                   // permanent
  std::optional<transport::Failure> connection_failure;  // the server could not be used
  std::string connection_error;                          // why, when it is known here
};

class OutboxSender {
 public:
  OutboxSender(boost::asio::io_context& io, workflow::Runtime& runtime)
      : io_(io), runtime_(runtime) {}

  // Sends everything due now (and what becomes due while sending, such as confirmations).
  // With more: when nothing is left, asks it whether more mail is coming (true: look again) and
  // keeps the connections open meanwhile; --once sends while it is still reading the mailbox.
  using MoreMail = std::function<boost::asio::awaitable<bool>()>;
  boost::asio::awaitable<FlushStats> flush(const bool& stop_requested, MoreMail more = {});
  // Ends a send in progress at once (shutdown past its grace period).
  void abort();
  // smtp.auth = "oauth2": each connection asks it for a token before it takes an entry, so an
  // entry is never claimed (nor counted as an attempt) while there is no sign-in.
  void set_bearer_source(transport::BearerSource source) { bearer_ = std::move(source); }

 private:
  static constexpr std::size_t kConnections = 4;
  static constexpr std::size_t kClaimChunk = 16;  // entries claimed per commit, at most
  boost::asio::awaitable<void> work(transport::SmtpSender& sender, FlushStats& stats,
                                    const bool& stop_requested);
  std::deque<std::int64_t> claim_next(FlushStats& stats);
  void release_held();
  // The entry, read; nothing when it is not ours to send (claimed) or could not be read.
  std::optional<store::OutboxEntry> take(std::int64_t id, FlushStats& stats);
  // The server's verdict applied and logged; a fault doing so is this entry's failure.
  void finish(const store::OutboxEntry& entry, const transport::SendResult& result,
              FlushStats& stats);
  void log_outcome(const store::OutboxEntry& entry, const transport::SendResult& result,
                   const workflow::SendReport& report, FlushStats& stats);
  void entry_failed(std::int64_t id, const std::optional<store::OutboxEntry>& entry, bool accepted,
                    const std::string& reason);

  boost::asio::io_context& io_;
  workflow::Runtime& runtime_;
  std::vector<std::unique_ptr<transport::SmtpSender>> senders_;
  std::deque<std::int64_t> queue_;
  transport::BearerSource bearer_;
  std::vector<std::int64_t> held_;  // claimed by this process, send not started
  bool recovered_ = false;          // claims left by a crash released (the first flush: start-up)
};

}  // namespace closeout
