// SPDX-License-Identifier: GPL-3.0-or-later
#include "outbox_sender.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "dispatch_store.h"
#include "log_context.h"
#include "outbox_store.h"
#include "phase_counters.h"
#include "send_results.h"
#include "server_settings.h"
#include "wall_clock.h"

namespace closeout {

namespace asio = boost::asio;

namespace {

workflow::SendReport report_of(const transport::SendResult& r) {
  workflow::SendReport report;
  switch (r.status) {
    case transport::SendStatus::accepted:
      report.verdict = workflow::SendVerdict::accepted;
      break;
    case transport::SendStatus::transient:
      report.verdict = workflow::SendVerdict::transient;
      break;
    case transport::SendStatus::permanent:
      report.verdict = workflow::SendVerdict::permanent;
      break;
  }
  report.server_reply = r.reply.substr(0, 1000);
  return report;
}

}  // namespace

void OutboxSender::abort() {
  for (auto& sender : senders_) sender->abort();
}

// One connection's share: takes the next due entry from the shared queue until it is empty.
// Whatever goes wrong with one entry is that entry's failure, not the queue's (issue 11): it is
// logged once, the entry marked failed with the reason, and the next one is taken. The catching
// is done in take() and finish(), outside the coroutine: GCC 12 loses locals assigned in a try
// block of a coroutine by the time its handler runs.
asio::awaitable<void> OutboxSender::work(transport::SmtpSender& sender, FlushStats& stats,
                                         const bool& stop_requested) {
  std::deque<std::int64_t> mine;  // claimed for this connection, not sent yet
  while (!stop_requested && !stats.connection_failure) {
    if (mine.empty() && queue_.empty()) break;
    if (sender.settings().oauth2) {
      // No sign-in: a connection-level failure, not a verdict on any mail; nothing more is
      // claimed, and what this connection holds is given back with the rest of held_.
      transport::Bearer bearer;
      if (bearer_) bearer = co_await bearer_();
      if (bearer.token.empty()) {
        stats.connection_failure = bearer.failure;
        stats.connection_error = sender.settings().where() + ": " +
                                 (bearer_ ? bearer.message : "no token manager was set up");
        break;
      }
      sender.set_bearer(std::move(bearer.token), std::move(bearer.username));
    }
    if (mine.empty()) {
      mine = claim_next(stats);
      continue;
    }
    std::int64_t id = mine.front();
    mine.pop_front();
    std::erase(held_, id);  // its send starts: a stop from here on leaves it to start-up recovery
    auto entry = take(id, stats);
    if (!entry) continue;
    transport::Envelope envelope{entry->envelope_from, entry->recipients};
    phases::count(phases::smtp_transactions);
    phases::Busy busy(phases::send);  // connection-seconds: the connections overlap
    transport::SendResult result = co_await sender.send(envelope, entry->content);
    busy.end();
    phases::Timer timer(phases::apply);
    finish(*entry, result, stats);
  }
}

// A connection's next few entries claimed in one commit, not one commit each: its share of
// what is left, at most kClaimChunk, so a stop or a lost connection has few to give back and
// the other connections still get their part. When that commit fails, each is claimed alone,
// so one entry whose claim fails (a fault of ours) is that entry's failure, not its chunk's.
std::deque<std::int64_t> OutboxSender::claim_next(FlushStats& stats) {
  std::size_t n = std::clamp<std::size_t>(queue_.size() / kConnections, 1, kClaimChunk);
  std::vector<std::int64_t> ids(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
  store::OutboxStore outbox(runtime_.db());
  std::vector<std::int64_t> claimed;
  try {
    claimed = outbox.claim(ids);
  } catch (const std::exception&) {
    claimed.clear();
    for (auto id : ids) {
      std::optional<store::OutboxEntry> entry;
      try {
        entry = outbox.get(id);
        if (outbox.claim(id)) claimed.push_back(id);
      } catch (const std::exception& e) {
        entry_failed(id, entry, false, e.what());
        ++stats.failed;
      }
    }
  }
  held_.insert(held_.end(), claimed.begin(), claimed.end());
  return {claimed.begin(), claimed.end()};
}

// Claims whose send never started go back to pending now, not at the next start. If the
// database refuses, they are kept and tried again at the next flush (or start-up releases them).
void OutboxSender::release_held() {
  if (held_.empty()) return;
  store::OutboxStore(runtime_.db()).release(held_);
  held_.clear();
}

std::optional<store::OutboxEntry> OutboxSender::take(std::int64_t id, FlushStats& stats) {
  std::optional<store::OutboxEntry> entry;
  try {
    entry = store::OutboxStore(runtime_.db()).get(id);
    // Claimed by us in claim_next: only the claimer sends it, whoever else is running.
    if (!entry || entry->status != "sending") return std::nullopt;
    return entry;
  } catch (const std::exception& e) {
    entry_failed(id, entry, false, e.what());
    ++stats.failed;
    return std::nullopt;
  }
}

void OutboxSender::finish(const store::OutboxEntry& entry, const transport::SendResult& result,
                          FlushStats& stats) {
  bool accepted = result.status == transport::SendStatus::accepted;
  try {
    auto report = report_of(result);
    auto workflow = runtime_.workflow();
    workflow::apply_send_result(workflow, entry, report, wall_now());
    log_outcome(entry, result, report, stats);
    if (result.failure) stats.connection_failure = result.failure;
  } catch (const std::exception& e) {
    entry_failed(entry.id, entry, accepted, e.what());
    ++(accepted ? stats.accepted : stats.failed);
  }
}

void OutboxSender::log_outcome(const store::OutboxEntry& entry, const transport::SendResult& result,
                               const workflow::SendReport& report, FlushStats& stats) {
  std::string number = entry.dispatch_number.empty() ? "-" : entry.dispatch_number;
  LogContext context{entry.dispatch_number, entry.message_id, std::to_string(entry.id), {}};
  auto level = result.status == transport::SendStatus::accepted    ? spdlog::level::info
               : result.status == transport::SendStatus::transient ? spdlog::level::warn
                                                                   : spdlog::level::err;
  // The dispatch's state is only for the line's context: not read for a line that is not
  // written (an info line at level warn: every accepted send of a backlog).
  if (!entry.dispatch_number.empty() && spdlog::should_log(level)) {
    if (auto dispatch = store::DispatchStore(runtime_.db()).find(entry.dispatch_number))
      context.closeout_state = dispatch->state;
  }
  ScopedLogContext scope(std::move(context));
  switch (result.status) {
    case transport::SendStatus::accepted:
      ++stats.accepted;
      spdlog::info("dispatch {} message {} outbox {}: {} to {} accepted", number, entry.message_id,
                   entry.id, entry.kind, entry.recipients.front());
      break;
    case transport::SendStatus::transient:
      ++stats.deferred;
      spdlog::warn("dispatch {} message {} outbox {}: {} deferred (attempt {}): {}", number,
                   entry.message_id, entry.id, entry.kind, entry.attempts + 1, report.server_reply);
      break;
    case transport::SendStatus::permanent:
      ++stats.failed;
      spdlog::error("dispatch {} message {} outbox {}: {} refused: {}", number, entry.message_id,
                    entry.id, entry.kind, report.server_reply);
      break;
  }
}

void OutboxSender::entry_failed(std::int64_t id, const std::optional<store::OutboxEntry>& entry,
                                bool accepted, const std::string& reason) {
  std::string number = entry && !entry->dispatch_number.empty() ? entry->dispatch_number : "-";
  std::string message_id = entry ? entry->message_id : "(not read)";
  ScopedLogContext scope(
      LogContext{entry ? entry->dispatch_number : "", message_id, std::to_string(id), {}});
  if (accepted) {
    // The server has it: marked failed it would invite a retry that sends it twice. Either its
    // acceptance is recorded and finish_accepted_sends completes the effects at the next
    // flush, or it stays claimed and goes back to pending at the next start: the RFC 1047
    // window, no wider.
    spdlog::error(
        "dispatch {} message {} outbox {}: accepted by the server, but recording it failed: {}; "
        "if the acceptance itself was not recorded, the mail is sent again at the next start",
        number, message_id, id, reason);
    return;
  }
  spdlog::error("dispatch {} message {} outbox {}: not sent: {}", number, message_id, id, reason);
  // If even this cannot be written the database is what is broken: the exception ends this
  // worker, and flush's completion handler logs it.
  store::WriteTransaction tx(runtime_.db());
  store::OutboxStore(runtime_.db()).mark_unsendable(id, "not sent: " + reason);
  tx.commit();
}

asio::awaitable<FlushStats> OutboxSender::flush(const bool& stop_requested, MoreMail more) {
  FlushStats stats;
  store::OutboxStore outbox(runtime_.db());
  release_held();  // what an earlier flush could not give back
  if (!recovered_) {
    // Start-up recovery, in this one place: a claim a crash left behind is not a send in
    // progress (one closeoutd per database), so the entry is sent again. The server may have
    // had it: the unavoidable window between its 250 and our commit (RFC 1047).
    if (int n = outbox.release_claims(); n > 0)
      spdlog::warn("outbox: {} entry(ies) were being sent when closeoutd stopped; sending again",
                   n);
    recovered_ = true;
  }
  {
    auto workflow = runtime_.workflow();
    if (int n = workflow::finish_accepted_sends(workflow, wall_now()); n > 0)
      spdlog::warn("outbox: finished {} send(s) accepted just before a stop", n);
  }
  auto settings = transport::server_settings(runtime_.config().smtp, "smtp");
  std::set<std::int64_t> taken;
  while (!stop_requested && !stats.connection_failure) {
    queue_.clear();
    for (const auto& e : outbox.due(wall_now(), 500)) {
      if (taken.insert(e.id).second) queue_.push_back(e.id);
    }
    if (queue_.empty()) {
      if (more && co_await more()) continue;
      break;
    }
    // A few connections at once hide each send's round trips behind the others'; each entry
    // is still taken by exactly one of them. A small backlog needs only one.
    std::size_t wanted = std::min<std::size_t>(kConnections, (queue_.size() + 9) / 10);
    while (senders_.size() < wanted) {
      senders_.push_back(std::make_unique<transport::SmtpSender>(io_, settings));
      phases::count(phases::smtp_connections);
    }
    std::size_t running = wanted;
    bool worker_died = false;
    asio::steady_timer all_done(io_, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < wanted; ++i) {
      asio::co_spawn(io_, work(*senders_[i], stats, stop_requested),
                     [&running, &all_done, &worker_died](const std::exception_ptr& e) {
                       // Each entry's own failures are caught in work(); what reaches here is
                       // the database failing to record one. Logged here, once; the flush ends.
                       if (e) {
                         worker_died = true;
                         try {
                           std::rethrow_exception(e);
                         } catch (const std::exception& error) {
                           spdlog::error("outbox: sending stopped: {}", error.what());
                         } catch (...) {
                           spdlog::error("outbox: sending stopped: unknown error");
                         }
                       }
                       if (--running == 0) all_done.cancel();
                     });
    }
    boost::system::error_code ec;
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (worker_died) break;
  }
  senders_.clear();
  release_held();
  co_return stats;
}

}  // namespace closeout
