// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap_watcher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "imap_syntax.h"

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

asio::awaitable<void> ImapWatcher::check_oauth_session() {
  auto box = connection_->url_mailbox();
  auto arg = imap::mailbox_argument(box);
  if (!arg) co_return;  // the sync reports the bad name
  auto reply = co_await connection_->command("SELECT " + *arg);
  if (reply.status.ok()) co_return;
  throw TransportError(Failure::signin,
                       settings_.where() + ": signed in with OAuth, but the server refuses " + box +
                           " (" + reply.status.word + " " + reply.status.text +
                           "): " + settings_.token_mismatch_hint() +
                           "; sign in as a user with access to it (for a shared mailbox: Full "
                           "Access, and imap.username = the shared mailbox)");
}

asio::awaitable<void> ImapWatcher::session() {
  if (auto error = refresh_token(settings_))
    spdlog::warn("{}: {}; logging in with the token read before", settings_.where(), *error);
  co_await take_bearer(settings_, options_.bearer);
  connection_ = std::make_unique<ImapConnection>(io_, settings_, options_.max_literal_bytes);
  if (stopping_) connection_->abort();
  co_await connection_->connect();
  if (settings_.oauth2) co_await check_oauth_session();
  ++counters_.connections;
  if (!signin_logged_.empty()) spdlog::info("{}: signed in again", settings_.where());
  signin_logged_.clear();
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
      if (e.kind() == Failure::signin) {
        // Waited out, quietly: one line when it starts or changes, then a look every
        // signin_retry (sooner when poked: the token manager saw a new sign-in).
        if (e.what() != signin_logged_)
          spdlog::error("{}; intake waits (no mail is touched) until then", e.what());
        signin_logged_ = e.what();
        delay = options_.signin_retry;
        failures_in_a_row = 0;
      } else {
        // A connection that was up and then lost starts the back-off afresh.
        failures_in_a_row = counters_.connections > logins_before ? 1 : failures_in_a_row + 1;
        delay = backoff_delay(options_.backoff, failures_in_a_row,
                              std::uniform_real_distribution<double>(0, 1)(random_));
        spdlog::warn("{}; reconnecting in {:.1f} s (attempt {})", e.what(),
                     static_cast<double>(delay.count()) / 1000.0, failures_in_a_row + 1);
      }
    }
    // co_await is not allowed inside a catch block.
    if (delay.count() > 0 && !stopping_) co_await sleep(delay);
  }
  connection_.reset();
}

}  // namespace closeout::transport
