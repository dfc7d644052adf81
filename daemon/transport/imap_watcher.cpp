#include "imap_watcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace closeout::transport {

namespace asio = boost::asio;
using boost::system::error_code;

ImapWatcher::ImapWatcher(asio::io_context& io, ServerSettings settings, WatcherOptions options,
                         SyncHandler on_sync)
    : io_(io),
      settings_(std::move(settings)),
      options_(std::move(options)),
      on_sync_(std::move(on_sync)),
      sleeper_(io) {}

void ImapWatcher::stop() {
  stopping_ = true;
  sleeper_.cancel();
  if (connection_) connection_->abort();
}

void ImapWatcher::poke() { sleeper_.cancel(); }

asio::awaitable<void> ImapWatcher::sleep(std::chrono::milliseconds how_long) {
  sleeper_.expires_after(how_long);
  error_code ec;
  co_await sleeper_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> ImapWatcher::session() {
  if (auto error = refresh_token(settings_))
    spdlog::warn("{}: {}; logging in with the token read before", settings_.where(), *error);
  connection_ = std::make_unique<ImapConnection>(io_, settings_, options_.max_literal_bytes);
  if (stopping_) connection_->abort();
  co_await connection_->connect();
  ++counters_.connections;
  ImapMailbox mailbox(*connection_);
  for (const auto& folder : options_.folders)
    if (co_await mailbox.ensure_folder(folder))
      spdlog::info("{}: created folder {}", settings_.where(), folder);
  bool use_idle = options_.idle && connection_->has_capability("IDLE");
  spdlog::info("{}: logged in as {}; {}", settings_.where(), settings_.username,
               use_idle ? "waiting with IDLE" : "polling");
  while (!stopping_) {
    co_await on_sync_(*connection_, mailbox);
    ++counters_.syncs;
    if (stopping_) break;
    // Mail that came during the sync, after its SELECT: IDLE would not report it again.
    if (connection_->take_new_mail_report()) continue;
    if (use_idle) {
      // Re-selecting in on_sync keeps the mailbox current; IDLE reports arrivals after that.
      idling_ = true;
      bool news = co_await connection_->idle(std::min(options_.poll_interval, options_.idle_renew));
      idling_ = false;
      if (news) ++counters_.idle_wakeups;
    } else {
      co_await sleep(options_.poll_interval);
    }
  }
  co_await connection_->logout();
}

asio::awaitable<void> ImapWatcher::run() {
  unsigned failures_in_a_row = 0;
  while (!stopping_) {
    unsigned logins_before = counters_.connections;
    std::chrono::milliseconds delay{0};
    try {
      co_await session();
      failures_in_a_row = 0;
    } catch (const TransportError& e) {
      idling_ = false;
      connection_.reset();
      if (stopping_ || e.kind() == Failure::cancelled) break;
      ++counters_.failures;
      if (!is_transient(e.kind())) {
        spdlog::error("{}", e.what());
        throw;
      }
      // A connection that was up and then lost starts the back-off afresh.
      failures_in_a_row = counters_.connections > logins_before ? 1 : failures_in_a_row + 1;
      delay = backoff_delay(options_.backoff, failures_in_a_row,
                            std::uniform_real_distribution<double>(0, 1)(random_));
      spdlog::warn("{}; reconnecting in {:.1f} s (attempt {})", e.what(),
                   static_cast<double>(delay.count()) / 1000.0, failures_in_a_row + 1);
    }
    // co_await is not allowed inside a catch block.
    if (delay.count() > 0 && !stopping_) co_await sleep(delay);
  }
  connection_.reset();
}

}  // namespace closeout::transport
