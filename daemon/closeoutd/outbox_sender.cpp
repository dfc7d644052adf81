#include "outbox_sender.h"

#include <spdlog/spdlog.h>

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
  if (sender_) sender_->abort();
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
  sender_ = std::make_unique<transport::SmtpSender>(io_, settings);
  while (!stop_requested && !stats.connection_failure) {
    auto due = outbox.due(wall_now(), 50);
    if (due.empty()) break;
    for (const auto& listed : due) {
      if (stop_requested) break;
      auto entry = outbox.get(listed.id);
      if (!entry || entry->status != "pending") continue;
      transport::Envelope envelope{entry->envelope_from, entry->recipients};
      transport::SendResult result = co_await sender_->send(envelope, entry->content);
      auto report = report_of(result);
      auto workflow = runtime_.workflow();
      workflow::apply_send_result(workflow, *entry, report, wall_now());
      std::string number = entry->dispatch_number.empty() ? "-" : entry->dispatch_number;
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
          spdlog::error("dispatch {} message {} outbox {}: {} refused: {}", number,
                        entry->message_id, entry->id, entry->kind, report.server_reply);
          break;
      }
      if (result.failure) {
        stats.connection_failure = result.failure;
        break;
      }
    }
  }
  sender_.reset();
  co_return stats;
}

}  // namespace closeout
