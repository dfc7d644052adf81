// SPDX-License-Identifier: GPL-3.0-or-later
#include "daemon_loop.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

#include "database.h"
#include "digest.h"
#include "dispatch_store.h"
#include "exit_codes.h"
#include "imap_watcher.h"
#include "intake_signal.h"
#include "mailbox_sync.h"
#include "oauth_signin.h"
#include "outbox_sender.h"
#include "outbox_store.h"
#include "phase_counters.h"
#include "reminders.h"
#include "server_settings.h"
#include "signin_mail.h"
#include "systemd_notify.h"
#include "transport_error.h"
#include "wall_clock.h"

namespace closeout {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string counts_line(workflow::Runtime& rt, const std::string& imap_state) {
  auto& db = rt.db();
  auto open =
      db.execAndGet("SELECT count(*) FROM dispatches WHERE state NOT IN ('closed_out')").getInt64();
  auto overdue =
      db.execAndGet("SELECT count(*) FROM dispatches WHERE overdue = 1 AND state != 'closed_out'")
          .getInt64();
  auto pending = db.execAndGet("SELECT count(*) FROM outbox WHERE status = 'pending'").getInt64();
  return std::to_string(open) + " open, " + std::to_string(overdue) + " overdue, " +
         std::to_string(pending) + " to send; IMAP " + imap_state;
}

// The sd_notify STATUS: the counts, or, while the database cannot be used, that intake is
// stopped and why (the counts would need the database).
std::string status_line(workflow::Runtime& rt, const std::string& imap_state,
                        const std::string& store_fault = {}) {
  if (store_fault.empty()) {
    try {
      return counts_line(rt, imap_state);
    } catch (const std::exception& e) {
      return "database unavailable: " + store::describe_store_error(e) + "; IMAP " + imap_state;
    }
  }
  return "intake stopped: " + store_fault + "; IMAP " + imap_state;
}

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return store::describe_store_error(x);
  } catch (...) {
    return "unknown error";
  }
}

// A database fault is logged when it starts, when it changes and when it ends: one line each,
// not one per message or per retry.
class FaultLog {
 public:
  explicit FaultLog(const char* what) : what_(what) {}
  void failed(const std::string& why, std::chrono::seconds retry) {
    if (why != last_)
      spdlog::error(
          "{}: the database cannot be used: {}; stopped, retrying every {} s at most "
          "(no mail is moved meanwhile)",
          what_, why, retry.count());
    last_ = why;
  }
  void worked() {
    if (!last_.empty()) spdlog::info("{}: the database works again; resuming", what_);
    last_.clear();
  }
  const std::string& fault() const { return last_; }

 private:
  const char* what_;
  std::string last_;
};

void log_digest(workflow::DigestOutcome outcome) {
  if (outcome != workflow::DigestOutcome::off && outcome != workflow::DigestOutcome::not_due)
    spdlog::info("weekly digest: {}", workflow::to_string(outcome));
}

void log_chases(const workflow::ChaseCount& c) {
  if (c.reminders || c.escalations)
    spdlog::info("queued {} reminder(s) and {} escalation(s)", c.reminders, c.escalations);
}

transport::WatcherOptions watcher_options(const Config& config) {
  transport::WatcherOptions o;
  o.idle = config.imap.idle;
  o.poll_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.imap.poll_interval);
  o.folders = {config.imap.processed_folder, config.imap.quarantine_folder};
  o.max_literal_bytes = config.limits.max_message_bytes + 65536;
  return o;
}

class Daemon {
 public:
  explicit Daemon(workflow::Runtime& rt)
      : rt_(rt),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        wake_(io_),
        watchdog_(io_),
        grace_(io_),
        store_retry_(io_),
        outbox_(io_, rt) {
    // One token set for IMAP and SMTP; a bad [oauth] section is refused here (exit 78).
    if (uses_oauth2(rt_.config())) start_token_manager();
    // Reading an attachment blocks this loop for up to limits.extract_seconds each, longer than
    // the watchdog's interval: the helper's wait pings it instead.
    rt_.set_attachment_keep_alive([] { notify_watchdog(); });
  }

  int run() {
    if (tokens_) tokens_->start();
    wait_signal();
    asio::co_spawn(io_, watch(), [this](const std::exception_ptr& e) { finished_watch(e); });
    asio::co_spawn(io_, outbox_loop(), [this](const std::exception_ptr& e) {
      if (e) fail("the outbox loop", e);
    });
    if (auto interval = watchdog_interval()) asio::co_spawn(io_, pet(*interval), asio::detached);
    notify_ready(status("connecting"));
    spdlog::info("closeoutd started: store {}, mailbox {}", rt_.config().store.path,
                 transport::redact_url(rt_.config().imap.url));
    io_.run();
    return exit_code_;
  }

 private:
  void wait_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload();
        wait_signal();
        return;
      }
      spdlog::info("signal {}: finishing the message in hand, then stopping", signal);
      stop(exit_code::ok);
    });
  }

  void reload() {
    notify_reloading();
    auto old_imap = rt_.config().imap;
    auto old_oauth = rt_.config().oauth;
    auto old_limit = rt_.config().limits.max_message_bytes;
    try {
      rt_.reload();
      spdlog::info("{}: configuration and templates reloaded", rt_.config().source);
    } catch (const std::exception& e) {
      spdlog::error("reload refused, keeping the running configuration: {}", e.what());
    }
    if (uses_oauth2(rt_.config()) && !tokens_) {
      try {
        start_token_manager();
        tokens_->start();
      } catch (const ConfigError& e) {
        spdlog::error("reload: [oauth]: {}; OAuth logins cannot work until it is fixed", e.what());
      }
    } else if (tokens_ && rt_.config().oauth != old_oauth) {
      spdlog::warn("[oauth] changed: restart closeoutd to use the new endpoints");
    }
    // The whole [imap] section (folders, auth and starttls included) and the literal limit the
    // watcher was built with: any change starts a new session, which ensures the folders.
    if (rt_.config().imap != old_imap || rt_.config().limits.max_message_bytes != old_limit) {
      spdlog::info("IMAP settings changed: reconnecting with the new ones");
      restart_watch_ = true;
      if (watcher_) watcher_->stop();
    }
    wake_.cancel();
    store_retry_.cancel();  // a sync waiting out a database fault tries again now
    notify_ready(status("reloaded"));
  }

  void stop(int code) {
    if (stopping_) return;
    stopping_ = true;
    exit_code_ = code;
    notify_stopping();
    if (watcher_) watcher_->stop();
    if (tokens_) tokens_->stop();
    if (token_multi_) token_multi_->abort();
    wake_.cancel();
    watchdog_.cancel();
    store_retry_.cancel();
    signals_.cancel();
    // Whatever is still in flight after the grace period is cut off: a message being processed
    // is a synchronous transaction and always completes; a send cut off is retried next start.
    grace_.expires_after(1500ms);
    grace_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      outbox_.abort();
      io_.stop();
    });
  }

  void fail(const char* what, const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const transport::TransportError& t) {
      spdlog::critical("{}: {}; stopping", what, t.what());
      stop(transport::exit_code_for(t.kind()));
    } catch (const std::exception& x) {
      spdlog::critical("{}: {}; stopping", what, x.what());
      stop(exit_code::software);
    }
  }

  void finished_watch(const std::exception_ptr& e) {
    watch_done_ = true;
    if (e) fail("IMAP", e);
    maybe_finish();
  }

  void maybe_finish() {
    if (stopping_ && watch_done_ && outbox_done_) {
      grace_.cancel();
      io_.stop();
    }
  }

  asio::awaitable<void> watch() {
    while (!stopping_) {
      restart_watch_ = false;
      auto settings = transport::server_settings(rt_.config().imap, "imap");
      auto options = watcher_options(rt_.config());
      if (tokens_) options.bearer = bearer_source(*tokens_);
      watcher_ = std::make_unique<transport::ImapWatcher>(
          io_, settings, std::move(options),
          [this](transport::ImapConnection& c, transport::ImapMailbox& m) -> asio::awaitable<void> {
            return on_sync(c, m);
          });
      co_await watcher_->run();
      watcher_.reset();
      if (!restart_watch_) break;
    }
  }

  // A database fault stops this sync where it is (the batch in hand is not moved: its
  // messages stay in INBOX) and retries it with a back-off, on the same connection, until the
  // database works again or we are told to stop. Transport errors go to the watcher.
  asio::awaitable<void> on_sync(transport::ImapConnection& c, transport::ImapMailbox& m) {
    while (!stopping_ && !restart_watch_) {
      std::exception_ptr error;
      try {
        // Each batch's mail is sent once the batch is done, not after the whole backlog.
        auto batch_done = [this] {
          intake_.batch_durable();
          wake_.cancel();
        };
        SyncStats s = co_await sync_mailbox(c, m, rt_, stopping_, batch_done);
        if (s.processed > 0) batch_done();
        store_failures_ = 0;
        intake_fault_.worked();
        notify_status(status("connected"));
        co_return;
      } catch (const SQLite::Exception&) {
        error = std::current_exception();
      } catch (const store::StoreError&) {
        error = std::current_exception();
      } catch (const transport::TransportError&) {
        // What was processed before the connection went may have queued mail: send it now,
        // not when the outbox timer next comes round. The watcher deals with the loss.
        wake_.cancel();
        throw;
      }
      auto delay = store_backoff(++store_failures_);
      intake_fault_.failed(what_of(error), std::chrono::seconds(kStoreRetryCap));
      notify_status(status("connected", intake_fault_.fault() + "; retrying in " +
                                            std::to_string(delay.count()) + " s"));
      store_retry_.expires_after(delay);
      boost::system::error_code ec;
      co_await store_retry_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  static constexpr std::int64_t kStoreRetryCap = 300;
  static std::chrono::seconds store_backoff(unsigned failures) {
    return std::chrono::seconds(
        std::min<std::int64_t>(kStoreRetryCap, 5LL << std::min(failures - 1, 6U)));
  }

  asio::awaitable<void> outbox_loop() {
    while (!stopping_) {
      try {
        auto workflow = rt_.workflow();
        log_chases(workflow::queue_due_reminders(workflow, wall_now()));
        log_digest(workflow::queue_digest_if_due(workflow, wall_now()));
        FlushStats s = co_await outbox_.flush(stopping_);
        if (s.connection_failure)
          ++smtp_failures_;
        else
          smtp_failures_ = 0;
        outbox_fault_.worked();
      } catch (const SQLite::Exception& e) {
        ++smtp_failures_;
        outbox_fault_.failed(store::describe_store_error(e), std::chrono::seconds(300));
      } catch (const store::StoreError& e) {
        ++smtp_failures_;
        outbox_fault_.failed(e.what(), std::chrono::seconds(300));
      } catch (const std::exception& e) {
        spdlog::error("outbox: {}", e.what());
        ++smtp_failures_;
      }
      if (stopping_) break;
      // A batch synced while this flush ran: its wake-up above was lost, look again now.
      if (intake_.take_pending() && smtp_failures_ == 0) continue;
      wake_.expires_after(next_wake_or_backoff());
      boost::system::error_code ec;
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    outbox_done_ = true;
    maybe_finish();
  }

  // next_wake() reads the database: when that fails too, the back-off alone decides.
  std::chrono::seconds next_wake_or_backoff() {
    try {
      return next_wake();
    } catch (const std::exception&) {
      return std::chrono::seconds(std::min<std::int64_t>(300, 5LL << std::min(smtp_failures_, 6U)));
    }
  }

  // Until the next due send or chase, at most a minute; after a connection failure, a back-off
  // so a down SMTP server is not hammered.
  std::chrono::seconds next_wake() {
    auto now = wall_now();
    std::int64_t wait = 60;
    auto workflow = rt_.workflow();
    if (auto due = store::OutboxStore(rt_.db()).earliest_pending())
      wait = std::min(wait, *due - now);
    if (auto chase = workflow::earliest_chase(workflow)) wait = std::min(wait, *chase - now);
    if (smtp_failures_ > 0)
      wait = std::max<std::int64_t>(
          wait, std::min<std::int64_t>(300, 5LL << std::min(smtp_failures_, 6U)));
    return std::chrono::seconds(std::max<std::int64_t>(wait, 1));
  }

  asio::awaitable<void> pet(std::chrono::microseconds interval) {
    while (!stopping_) {
      notify_watchdog();
      watchdog_.expires_after(interval);
      boost::system::error_code ec;
      co_await watchdog_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // The service status: the counts and the IMAP state, and what the sign-in needs, if anything.
  std::string status(const std::string& imap_state, const std::string& store_fault = {}) {
    auto line = status_line(rt_, imap_state, store_fault);
    if (tokens_) {
      auto signin = signin_status(token_state_, rt_.config());
      if (!signin.empty()) line += "; " + signin;
    }
    return line;
  }

  void start_token_manager() {
    token_multi_ = std::make_unique<transport::CurlMulti>(io_);
    tokens_ = make_token_manager(io_, *token_multi_, rt_.config());
    tokens_->on_state_change = [this](oauth::TokenState state, const std::string& message) {
      on_token_state(state, message);
    };
    outbox_.set_bearer_source(bearer_source(*tokens_));
  }

  // Intake and sending wait while the sign-in is lost (nothing is failed or dropped) and resume
  // the moment it works again; the admins hear of a lost sign-in once, if SMTP can still send.
  void on_token_state(oauth::TokenState state, const std::string& message) {
    auto before = token_state_;
    token_state_ = state;
    if (state == oauth::TokenState::usable && before != oauth::TokenState::usable) {
      if (watcher_) watcher_->poke();
      wake_.cancel();
    }
    if (state == oauth::TokenState::needs_login) mail_admins_signin_lost(message);
    notify_status(status(watcher_ && watcher_->idling() ? "connected" : "waiting"));
  }

  void mail_admins_signin_lost(const std::string& message) {
    const auto& config = rt_.config();
    if (config.smtp.auth == "oauth2") return;  // SMTP is signed out as well: nothing can go
    try {
      auto set = tokens_->tokens();
      workflow::SigninNeeded what;
      what.mailbox = config.imap.auth == "oauth2" ? config.imap.username : config.smtp.username;
      what.username = set ? set->username : "";
      what.reason = message;
      what.login_command = login_command(config);
      if (set)
        what.signed_in_at =
            std::chrono::duration_cast<std::chrono::seconds>(
                std::max(set->last_refresh_at, set->refresh_obtained_at).time_since_epoch())
                .count();
      auto workflow = rt_.workflow();
      if (workflow::queue_signin_needed(workflow, what, wall_now()) ==
          workflow::SigninMailOutcome::queued) {
        spdlog::info("OAuth: the admins are told by mail that a sign-in is needed");
        wake_.cancel();
      }
    } catch (const std::exception& e) {
      spdlog::error("OAuth: the mail telling the admins to sign in was not queued: {}", e.what());
    }
  }

  workflow::Runtime& rt_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer wake_;
  asio::steady_timer watchdog_;
  asio::steady_timer grace_;
  asio::steady_timer store_retry_;
  OutboxSender outbox_;
  IntakeSignal intake_{io_};
  FaultLog intake_fault_{"intake"};
  FaultLog outbox_fault_{"outbox"};
  unsigned store_failures_ = 0;
  std::unique_ptr<transport::ImapWatcher> watcher_;
  bool stopping_ = false;
  bool restart_watch_ = false;
  bool watch_done_ = false;
  bool outbox_done_ = false;
  unsigned smtp_failures_ = 0;
  int exit_code_ = exit_code::ok;
  // Declared last: destroyed first, while the io_context and the outbox they refer to live.
  std::unique_ptr<transport::CurlMulti> token_multi_;
  std::unique_ptr<oauth::TokenManager> tokens_;
  oauth::TokenState token_state_ = oauth::TokenState::usable;
};

bool is_transport_error(const std::exception_ptr& e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const transport::TransportError&) {
    return true;
  } catch (...) {
    return false;
  }
}

asio::awaitable<int> once(asio::io_context& io, workflow::Runtime& rt) {
  const auto& config = rt.config();
  bool never_stop = false;
  // --once signs in as the daemon would: the stored tokens, refreshed (and saved) when due.
  std::unique_ptr<transport::CurlMulti> token_multi;
  std::unique_ptr<oauth::TokenManager> tokens;
  transport::BearerSource bearer;
  if (uses_oauth2(config)) {
    token_multi = std::make_unique<transport::CurlMulti>(io);
    tokens = make_token_manager(io, *token_multi, config);
    bearer = bearer_source(*tokens);
  }
  auto settings = transport::server_settings(config.imap, "imap");
  co_await transport::take_bearer(settings, bearer);
  transport::ImapConnection connection(io, settings, config.limits.max_message_bytes + 65536);
  co_await connection.connect();
  transport::ImapMailbox mailbox(connection);
  co_await mailbox.ensure_folder(config.imap.processed_folder);
  co_await mailbox.ensure_folder(config.imap.quarantine_folder);

  // The outbox is sent while the mailbox is still read, each batch's mail once it is synced:
  // the intake then runs while Postfix works instead of before it (issue 14). The chases and
  // the digest are queued once the whole mailbox is read, as the last batch.
  IntakeSignal intake(io);
  intake.reading(true);
  bool stop_reading = false;  // the outbox failed in a way that ends the run
  SyncStats synced;
  std::exception_ptr intake_error;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        synced = co_await sync_mailbox(connection, mailbox, rt, stop_reading,
                                       [&intake] { intake.batch_durable(); });
        // The last batch's mail goes with the chases and the digest, below.
        co_await connection.logout();
        if (stop_reading) co_return;
        auto workflow = rt.workflow();
        log_chases(workflow::queue_due_reminders(workflow, wall_now()));
        log_digest(workflow::queue_digest_if_due(workflow, wall_now()));
        intake.batch_durable();
      },
      [&](const std::exception_ptr& e) {
        // What was recorded before a lost connection (synced before the loss was raised) is
        // sent in this run, not the next one.
        if (is_transport_error(e)) intake.batch_durable();
        intake_error = e;
        intake.reading(false);
      });
  OutboxSender sender(io, rt);
  if (bearer) sender.set_bearer_source(bearer);
  FlushStats sent;
  std::exception_ptr outbox_error;
  // The first look at the outbox waits for the first batch (or the end of the reading): mail an
  // earlier run left queued, a notice say, is then seen by this run's mail first. A Section 2
  // waiting in the mailbox still supersedes the notice, as it did when --once read everything
  // before sending; after a crash the run ends as an uninterrupted one would.
  co_await intake.more();
  try {
    sent = co_await sender.flush(never_stop, [&intake] { return intake.more(); });
  } catch (...) {
    outbox_error = std::current_exception();
    stop_reading = true;
  }
  // A flush ended early (SMTP unusable, the database) leaves the reading to finish its message
  // and batch: the coroutine above refers to this frame.
  while (co_await intake.more()) {
  }
  if (outbox_error) std::rethrow_exception(outbox_error);
  spdlog::info(
      "once: {} message(s) processed ({} quarantined), {} mail(s) sent, {} deferred, "
      "{} refused",
      synced.processed, synced.quarantined, sent.accepted, sent.deferred, sent.failed);
  if (intake_error) std::rethrow_exception(intake_error);
  if (sent.connection_failure) {
    if (!sent.connection_error.empty()) spdlog::error("{}", sent.connection_error);
    spdlog::error("SMTP: the server could not be used; the outbox keeps what was not sent");
    co_return transport::exit_code_for(*sent.connection_failure);
  }
  if (synced.held_back > 0) {
    spdlog::error(
        "once: {} message(s) left in the mailbox by a fault of closeoutd (see above); "
        "they are tried again on the next run",
        synced.held_back);
    co_return exit_code::software;
  }
  co_return exit_code::ok;
}

}  // namespace

int run_daemon(workflow::Runtime& runtime) {
  try {
    return Daemon(runtime).run();
  } catch (const ConfigError& e) {  // [oauth] that cannot work: refused before any mail
    spdlog::error("{}", e.what());
    return exit_code::config;
  }
}

int run_once(workflow::Runtime& runtime) {
  asio::io_context io;
  struct WritePhases {  // on every way out, for the bench (CLOSEOUTD_PHASES)
    ~WritePhases() { phases::write_if_asked(); }
  } write_phases;
  try {
    return transport::run_to_completion(io, once(io, runtime));
  } catch (const transport::TransportError& e) {
    spdlog::error("{}", e.what());
    return transport::exit_code_for(e.kind());
  } catch (const ConfigError& e) {
    spdlog::error("{}", e.what());
    return exit_code::config;
  } catch (const SQLite::Exception& e) {
    spdlog::error(
        "the database cannot be used: {}; intake stopped, the mail in hand stays in "
        "the mailbox",
        store::describe_store_error(e));
    return exit_code::io_error;
  } catch (const store::StoreError& e) {
    spdlog::error("{}; intake stopped, the mail in hand stays in the mailbox", e.what());
    return exit_code::io_error;
  }
}

}  // namespace closeout
