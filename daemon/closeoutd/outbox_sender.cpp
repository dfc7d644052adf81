#include "outbox_sender.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "dispatch_store.h"
#include "log_context.h"
#include "outbox_store.h"
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
asio::awaitable<void> OutboxSender::work(transport::SmtpSender& sender, FlushStats& stats,
                                         const bool& stop_requested) {
  store::OutboxStore outbox(runtime_.db());
  while (!queue_.empty() && !stop_requested && !stats.connection_failure) {
    std::int64_t id = queue_.front();
    queue_.pop_front();
    auto entry = outbox.get(id);
    if (!entry || entry->status != "pending") continue;
    transport::Envelope envelope{entry->envelope_from, entry->recipients};
    transport::SendResult result = co_await sender.send(envelope, entry->content);
    auto report = report_of(result);
    auto workflow = runtime_.workflow();
    workflow::apply_send_result(workflow, *entry, report, wall_now());
    std::string number = entry->dispatch_number.empty() ? "-" : entry->dispatch_number;
    LogContext context{entry->dispatch_number, entry->message_id, std::to_string(entry->id), {}};
    if (!entry->dispatch_number.empty()) {
      if (auto dispatch = store::DispatchStore(runtime_.db()).find(entry->dispatch_number))
        context.closeout_state = dispatch->state;
    }
    ScopedLogContext scope(std::move(context));
    switch (result.status) {
      case transport::SendStatus::accepted:
        ++stats.accepted;
        spdlog::info("dispatch {} message {} outbox {}: {} to {} accepted", number,
                     entry->message_id, entry->id, entry->kind, entry->recipients.front());
        break;
      case transport::SendStatus::transient:
        ++stats.deferred;
        spdlog::warn("dispatch {} message {} outbox {}: {} deferred (attempt {}): {}", number,
                     entry->message_id, entry->id, entry->kind, entry->attempts + 1,
                     report.server_reply);
        break;
      case transport::SendStatus::permanent:
        ++stats.failed;
        spdlog::error("dispatch {} message {} outbox {}: {} refused: {}", number, entry->message_id,
                      entry->id, entry->kind, report.server_reply);
        break;
    }
    if (result.failure) stats.connection_failure = result.failure;
  }
}

asio::awaitable<FlushStats> OutboxSender::flush(const bool& stop_requested) {
  FlushStats stats;
  store::OutboxStore outbox(runtime_.db());
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
    if (queue_.empty()) break;
    // A few connections at once hide each send's round trips behind the others'; each entry
    // is still taken by exactly one of them. A small backlog needs only one.
    std::size_t wanted = std::min<std::size_t>(kConnections, (queue_.size() + 9) / 10);
    while (senders_.size() < wanted)
      senders_.push_back(std::make_unique<transport::SmtpSender>(io_, settings));
    std::size_t running = wanted;
    asio::steady_timer all_done(io_, asio::steady_timer::time_point::max());
    for (std::size_t i = 0; i < wanted; ++i) {
      asio::co_spawn(io_, work(*senders_[i], stats, stop_requested),
                     [&running, &all_done](const std::exception_ptr&) {
                       if (--running == 0) all_done.cancel();
                     });
    }
    boost::system::error_code ec;
    co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  senders_.clear();
  co_return stats;
}

}  // namespace closeout
