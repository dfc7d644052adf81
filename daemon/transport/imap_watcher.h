// SPDX-License-Identifier: GPL-3.0-or-later
// Keeps the dispatch mailbox watched for as long as the daemon runs: connect, make sure the
// folders exist, sync, then IDLE (when offered and imap.idle = true) or sleep poll_interval, and
// sync again. IDLE is renewed well before the server's 30-minute cut-off and never outlasts
// poll_interval, so polling remains the safety net. Any connection failure is logged once and
// retried with capped, jittered back-off; stop() ends it all within moments.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include "asio_awaitable.h"

#include "backoff.h"
#include "bearer_source.h"
#include "imap_mailbox.h"

namespace closeout::transport {

struct WatcherOptions {
  bool idle = true;
  std::chrono::milliseconds poll_interval{60000};
  std::chrono::milliseconds idle_renew{28 * 60 * 1000};  // RFC 2177: servers may cut at 30 min
  BackoffPolicy backoff;
  std::vector<std::string> folders;  // created at each connection when missing
  std::size_t max_literal_bytes = 32 << 20;
  BearerSource bearer;  // auth = "oauth2": a fresh token before each login
  // While no sign-in is usable: how often to ask the source again (poke() asks at once).
  std::chrono::milliseconds signin_retry{60000};
};

struct WatcherCounters {
  unsigned connections = 0;  // successful logins
  unsigned failures = 0;     // connections lost or refused
  unsigned syncs = 0;
  unsigned idle_wakeups = 0;  // IDLE ended by new mail
};

class ImapWatcher {
 public:
  // Called after each connect and each wake-up, with the mailbox ready to scan. Throwing a
  // TransportError counts as a lost connection; anything else ends run().
  using SyncHandler = std::function<boost::asio::awaitable<void>(ImapConnection&, ImapMailbox&)>;

  ImapWatcher(boost::asio::io_context& io, ServerSettings settings, WatcherOptions options,
              SyncHandler on_sync);

  // Returns after stop(), or throws when the server refuses our credentials or configuration
  // (retrying those would only fill the log).
  boost::asio::awaitable<void> run();
  void stop();
  // Sync again now instead of at the end of the current sleep (not mid-IDLE).
  void poke();

  const WatcherCounters& counters() const { return counters_; }
  bool idling() const { return idling_; }

 private:
  boost::asio::awaitable<void> session();
  // auth = "oauth2": Microsoft can answer OK to AUTHENTICATE for a token and a mailbox that do
  // not belong together and refuse every command after it. The mailbox is selected at once, so
  // that shows as a clear "the token is for X, the mailbox is Y" instead of a failing LIST.
  boost::asio::awaitable<void> check_oauth_session();
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds how_long);

  boost::asio::io_context& io_;
  ServerSettings settings_;
  WatcherOptions options_;
  SyncHandler on_sync_;
  std::unique_ptr<ImapConnection> connection_;
  boost::asio::steady_timer sleeper_;
  std::minstd_rand random_{std::random_device{}()};
  WatcherCounters counters_;
  bool stopping_ = false;
  bool idling_ = false;
  std::string signin_logged_;  // the sign-in problem last logged: logged once, not per retry
};

}  // namespace closeout::transport
