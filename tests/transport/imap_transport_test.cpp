// SPDX-License-Identifier: GPL-3.0-or-later
// IMAP against the project's real Dovecot (scripts/mailstack): TLS both ways, refusals, the
// incremental UID sync, UIDVALIDITY, MOVE and its fallback, IDLE, stop and server restarts.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "fake_server.h"
#include "imap_mailbox.h"
#include "imap_watcher.h"
#include "mail_stack.h"

namespace closeout::testing {
namespace {

namespace asio = boost::asio;
using namespace closeout::transport;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kLimit = 1 << 20;

// Connects, runs body(connection, mailbox) (which returns awaitable<optional<T>>), logs out.
template <typename Body>
auto with_mailbox(ServerSettings settings, Body body) {
  using Task = decltype(body(std::declval<ImapConnection&>(), std::declval<ImapMailbox&>()));
  using Value = typename Task::value_type;
  asio::io_context io;
  auto task = [](asio::io_context& io, ServerSettings settings,
                 Body body) -> asio::awaitable<Value> {
    ImapConnection connection(io, settings, kLimit);
    co_await connection.connect();
    ImapMailbox mailbox(connection);
    auto result = co_await body(connection, mailbox);
    co_await connection.logout();
    co_return result;
  };
  return run_to_completion(io, task(io, std::move(settings), std::move(body)));
}

Failure connect_failure(ServerSettings settings) {
  asio::io_context io;
  try {
    run_to_completion(io, [](asio::io_context& io, ServerSettings s) -> asio::awaitable<void> {
      ImapConnection connection(io, s, kLimit);
      co_await connection.connect();
    }(io, std::move(settings)));
  } catch (const TransportError& e) {
    EXPECT_EQ(std::string(e.what()).find(stack().password), std::string::npos) << e.what();
    return e.kind();
  }
  ADD_FAILURE() << "connect succeeded";
  return Failure::cancelled;
}

// Appends messages to folder over a separate connection (creating the folder).
void deliver(const std::string& folder, const std::vector<std::string>& messages) {
  with_mailbox(
      stack().imaps(),
      [folder, messages](ImapConnection&, ImapMailbox& box) -> asio::awaitable<std::optional<int>> {
        co_await box.ensure_folder(folder);
        for (const auto& m : messages) co_await box.append(folder, m);
        co_return 0;
      });
}

TEST(ImapTransport, ImapsLoginReportsCapabilities) {
  auto caps = with_mailbox(
      stack().imaps(),
      [](ImapConnection& c, ImapMailbox&) -> asio::awaitable<std::optional<std::string>> {
        std::string joined;
        for (const auto& cap : c.capabilities()) joined += cap + " ";
        co_return joined;
      });
  ASSERT_TRUE(caps);
  EXPECT_NE(caps->find("IDLE "), std::string::npos);
  EXPECT_NE(caps->find("MOVE "), std::string::npos);
  EXPECT_NE(caps->find("UIDPLUS "), std::string::npos);
}

TEST(ImapTransport, StartTlsLoginSelectsTheMailbox) {
  auto status = with_mailbox(
      stack().imap_starttls(),
      [](ImapConnection& c, ImapMailbox& box) -> asio::awaitable<std::optional<MailboxStatus>> {
        co_return co_await box.select(c.url_mailbox());
      });
  ASSERT_TRUE(status);
  EXPECT_NE(status->uidvalidity, 0u);
}

TEST(ImapTransport, StartTlsRequiredFailsWhenTheServerDoesNotOfferIt) {
  FakeServer fake(FakeServer::Mode::imap_without_starttls);
  auto s = stack().imap_starttls();
  s.url = "imap://127.0.0.1:" + std::to_string(fake.port()) + "/INBOX";
  EXPECT_EQ(connect_failure(s), Failure::tls);
}

TEST(ImapTransport, WrongPasswordIsAnAuthenticationFailure) {
  auto s = stack().imaps();
  s.secret = "wrong-password";
  EXPECT_EQ(connect_failure(s), Failure::auth);
}

TEST(ImapTransport, ClosedPortIsUnreachable) {
  int port = 0;
  auto s = stack().imaps();
  {
    // Take a port that was free a moment ago and is closed now.
    FakeServer gone(FakeServer::Mode::silent);
    port = gone.port();
  }
  s.url = "imaps://127.0.0.1:" + std::to_string(port) + "/INBOX";
  EXPECT_EQ(connect_failure(s), Failure::unreachable);
}

TEST(ImapTransport, UntrustedCertificateIsRefusedUnlessVerificationIsOff) {
  auto s = stack().imaps();
  s.ca_file = "/etc/ssl/certs/ca-certificates.crt";  // the system store: does not know our CA
  EXPECT_EQ(connect_failure(s), Failure::certificate);
  s.tls_verify = false;
  auto ok = with_mailbox(
      s, [](ImapConnection&, ImapMailbox&) -> asio::awaitable<std::optional<int>> { co_return 1; });
  EXPECT_EQ(ok, 1);
}

TEST(ImapTransport, ServerThatNeverAnswersTimesOut) {
  FakeServer silent(FakeServer::Mode::silent);
  auto s = stack().imaps();
  s.url = "imap://127.0.0.1:" + std::to_string(silent.port()) + "/INBOX";
  s.connect_timeout = std::chrono::seconds(1);
  s.response_timeout = std::chrono::seconds(1);
  auto started = Clock::now();
  auto failure = connect_failure(s);
  EXPECT_TRUE(failure == Failure::timeout || failure == Failure::unreachable)
      << failure_name(failure);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
}

TEST(ImapTransport, IncrementalScanSeesOnlyNewMailAndFetchLeavesItUnseen) {
  deliver("T-incremental", {test_message("one"), test_message("two"), test_message("three")});
  auto first = with_mailbox(
      stack().imaps(),
      [](ImapConnection&, ImapMailbox& box) -> asio::awaitable<std::optional<ScanResult>> {
        co_return co_await box.scan("T-incremental", {});
      });
  ASSERT_TRUE(first);
  ASSERT_EQ(first->messages.size(), 3u);
  EXPECT_GT(first->messages[0].size, 100u);

  deliver("T-incremental", {test_message("four"), test_message("five")});
  ImapPosition known{first->status.uidvalidity, first->messages.back().uid};
  auto second = with_mailbox(
      stack().imaps(),
      [known](ImapConnection& c, ImapMailbox& box)
          -> asio::awaitable<std::optional<std::pair<ScanResult, std::vector<FetchedMessage>>>> {
        auto scan = co_await box.scan("T-incremental", known);
        std::vector<std::uint32_t> uids;
        for (auto m : scan.messages) uids.push_back(m.uid);
        auto fetched = co_await box.fetch(uids);
        // BODY.PEEK[] must not have set \Seen.
        auto flags = co_await c.command_ok("UID FETCH 1:* (FLAGS)", "FLAGS");
        for (const auto& r : flags.untagged)
          if (auto item = imap::parse_fetch(r))
            for (const auto& f : item->flags)
              if (f == "\\Seen") throw std::runtime_error("a fetched message became \\Seen");
        co_return std::make_pair(scan, fetched);
      });
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->first.uidvalidity_changed);
  ASSERT_EQ(second->first.messages.size(), 2u);
  ASSERT_EQ(second->second.size(), 2u);
  EXPECT_NE(second->second[0].bytes.find("Subject: four"), std::string::npos);
  EXPECT_NE(second->second[1].bytes.find("Subject: five"), std::string::npos);

  // Nothing new: nothing listed.
  ImapPosition caught_up{known.uidvalidity, second->first.messages.back().uid};
  auto third = with_mailbox(
      stack().imaps(),
      [caught_up](ImapConnection&, ImapMailbox& box) -> asio::awaitable<std::optional<ScanResult>> {
        co_return co_await box.scan("T-incremental", caught_up);
      });
  EXPECT_TRUE(third->messages.empty());
}

TEST(ImapTransport, OversizeMailIsListedButNeverDownloaded) {
  deliver("T-oversize", {test_message("small", 1000), test_message("big", 300 * 1024)});
  auto plan = with_mailbox(
      stack().imaps(),
      [](ImapConnection&, ImapMailbox& box) -> asio::awaitable<std::optional<FetchPlan>> {
        auto scan = co_await box.scan("T-oversize", {});
        co_return plan_fetch(scan.messages, 100 * 1024);
      });
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->oversize.size(), 1u);
  EXPECT_GT(plan->oversize[0].size, 300u * 1024);
  ASSERT_EQ(plan->batches.size(), 1u);
  EXPECT_EQ(plan->batches[0].size(), 1u);
}

TEST(ImapTransport, UidValidityChangeIsDetectedAndEverythingIsNewAgain) {
  deliver("T-validity", {test_message("before")});
  auto before = with_mailbox(
      stack().imaps(),
      [](ImapConnection&, ImapMailbox& box) -> asio::awaitable<std::optional<ScanResult>> {
        co_return co_await box.scan("T-validity", {});
      });
  ImapPosition known{before->status.uidvalidity, before->messages.back().uid};
  // Deleting and re-creating a mailbox gives it a new UIDVALIDITY (RFC 3501 2.3.1.1).
  with_mailbox(stack().imaps(),
               [](ImapConnection& c, ImapMailbox&) -> asio::awaitable<std::optional<int>> {
                 co_await c.command_ok("DELETE \"T-validity\"", "DELETE");
                 co_return 0;
               });
  deliver("T-validity", {test_message("after one"), test_message("after two")});
  auto after = with_mailbox(
      stack().imaps(),
      [known](ImapConnection&, ImapMailbox& box) -> asio::awaitable<std::optional<ScanResult>> {
        co_return co_await box.scan("T-validity", known);
      });
  EXPECT_TRUE(after->uidvalidity_changed);
  EXPECT_NE(after->status.uidvalidity, known.uidvalidity);
  EXPECT_EQ(after->messages.size(), 2u);
}

// Moves the first UID of source to target and reports what is left where.
struct MoveOutcome {
  bool used_move = false;
  std::size_t left_in_source = 0;
  std::size_t in_target = 0;
  bool bystander_kept = false;
};

MoveOutcome move_one(const std::string& source, const std::string& target, bool use_move) {
  deliver(source, {test_message("to move"), test_message("bystander")});
  auto outcome = with_mailbox(
      stack().imaps(),
      [source, target, use_move](ImapConnection& c,
                                 ImapMailbox& box) -> asio::awaitable<std::optional<MoveOutcome>> {
        ImapMailbox chosen(c, use_move);
        co_await chosen.ensure_folder(target);
        auto scan = co_await chosen.scan(source, {});
        // Someone else marked the bystander \Deleted: our move must not expunge it.
        co_await c.command_ok(
            "UID STORE " + std::to_string(scan.messages[1].uid) + " +FLAGS.SILENT (\\Deleted)",
            "STORE");
        std::vector<std::uint32_t> first{scan.messages[0].uid};
        auto moved = co_await chosen.move(first, target);
        MoveOutcome out;
        out.used_move = moved.used_move;
        auto left = co_await box.scan(source, {});
        out.left_in_source = left.messages.size();
        out.bystander_kept =
            left.messages.size() == 1 && left.messages[0].uid == scan.messages[1].uid;
        out.in_target = (co_await box.scan(target, {})).messages.size();
        co_return out;
      });
  return *outcome;
}

TEST(ImapTransport, MoveUsesUidMove) {
  auto out = move_one("T-move-src", "T-move-dst", true);
  EXPECT_TRUE(out.used_move);
  EXPECT_EQ(out.in_target, 1u);
  EXPECT_TRUE(out.bystander_kept);
}

TEST(ImapTransport, MoveFallsBackToCopyAndUidExpungeOfOnlyThatMessage) {
  auto out = move_one("T-copy-src", "T-copy-dst", false);
  EXPECT_FALSE(out.used_move);
  EXPECT_EQ(out.in_target, 1u);
  EXPECT_EQ(out.left_in_source, 1u);
  EXPECT_TRUE(out.bystander_kept);
}

// The watcher as the daemon will run it, with a scan on each wake-up into `seen`.
struct WatchRun {
  std::vector<std::string> subjects;
  ImapPosition position;
};

ImapWatcher::SyncHandler collect_into(WatchRun& run, std::string folder) {
  return [&run, folder](ImapConnection&, ImapMailbox& box) -> asio::awaitable<void> {
    auto scan = co_await box.scan(folder, run.position);
    std::vector<std::uint32_t> uids;
    for (auto m : scan.messages) uids.push_back(m.uid);
    for (auto& m : co_await box.fetch(uids)) {
      auto at = m.bytes.find("Subject: ");
      run.subjects.push_back(m.bytes.substr(at + 9, m.bytes.find('\r', at) - at - 9));
      run.position = {scan.status.uidvalidity, m.uid};
    }
    run.position.uidvalidity = scan.status.uidvalidity;
  };
}

// Waits on io until pred() holds or timeout; true if it held.
template <typename Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (!pred() && Clock::now() < until) io.run_for(std::chrono::milliseconds(20));
  return pred();
}

TEST(ImapWatcher, IdleWakesOnNewMailWithinTwoSeconds) {
  deliver("T-idle", {});
  asio::io_context io;
  WatchRun seen;
  WatcherOptions options;
  options.poll_interval = std::chrono::minutes(10);  // only IDLE can bring the mail in time
  ImapWatcher watcher(io, stack().imaps("T-idle"), options, collect_into(seen, "T-idle"));
  bool finished = false;
  asio::co_spawn(io, watcher.run(), [&](std::exception_ptr) { finished = true; });
  ASSERT_TRUE(run_until(
      io, [&] { return watcher.idling(); }, std::chrono::seconds(10)));

  // Deliver from another thread's io_context, as any mail client would.
  deliver("T-idle", {test_message("idle wake")});
  auto delivered = Clock::now();
  ASSERT_TRUE(run_until(
      io, [&] { return !seen.subjects.empty(); }, std::chrono::seconds(5)));
  auto latency = Clock::now() - delivered;
  EXPECT_LT(latency, std::chrono::seconds(2));
  EXPECT_EQ(seen.subjects[0], "idle wake");
  EXPECT_EQ(watcher.counters().idle_wakeups, 1u);

  // Stop mid-IDLE is honoured within two seconds.
  ASSERT_TRUE(run_until(
      io, [&] { return watcher.idling(); }, std::chrono::seconds(5)));
  auto stop_at = Clock::now();
  watcher.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, std::chrono::seconds(5)));
  EXPECT_LT(Clock::now() - stop_at, std::chrono::seconds(2));
}

// Mail that lands after a sync's SELECT is reported in the untagged EXISTS of a later command
// of that sync (Dovecot does so after MOVE, FETCH, NOOP). IDLE will not report it again: the
// watcher must sync again at once, not wait for the next change (issue 14: a reply waited for
// the next one, 1 s at 2 replies/s, or the poll interval when no other mail came).
TEST(ImapWatcher, MailReportedDuringASyncIsSyncedWithoutWaitingForIdle) {
  deliver("T-during", {test_message("first")});
  asio::io_context io;
  WatchRun seen;
  WatcherOptions options;
  options.poll_interval = std::chrono::minutes(10);  // neither IDLE nor the poll may bring it
  auto collect = collect_into(seen, "T-during");
  bool delivered_during = false;
  ImapWatcher watcher(
      io, stack().imaps("T-during"), options,
      [&](ImapConnection& c, ImapMailbox& box) -> asio::awaitable<void> {
        co_await collect(c, box);
        if (!delivered_during) {
          delivered_during = true;
          deliver("T-during", {test_message("second")});
          co_await c.command("NOOP");  // as a MOVE would, this reply carries "* 2 EXISTS"
        }
      });
  bool finished = false;
  asio::co_spawn(io, watcher.run(), [&](std::exception_ptr) { finished = true; });
  EXPECT_TRUE(run_until(
      io, [&] { return seen.subjects.size() == 2; }, std::chrono::seconds(3)));
  ASSERT_EQ(seen.subjects.size(), 2u);
  EXPECT_EQ(seen.subjects[1], "second");
  watcher.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, std::chrono::seconds(3)));
}

TEST(ImapWatcher, PollsWhenIdleIsOff) {
  deliver("T-poll", {test_message("polled one")});
  asio::io_context io;
  WatchRun seen;
  WatcherOptions options;
  options.idle = false;
  options.poll_interval = std::chrono::milliseconds(300);
  ImapWatcher watcher(io, stack().imaps("T-poll"), options, collect_into(seen, "T-poll"));
  bool finished = false;
  asio::co_spawn(io, watcher.run(), [&](std::exception_ptr) { finished = true; });
  ASSERT_TRUE(run_until(
      io, [&] { return seen.subjects.size() == 1; }, std::chrono::seconds(5)));
  deliver("T-poll", {test_message("polled two")});
  ASSERT_TRUE(run_until(
      io, [&] { return seen.subjects.size() == 2; }, std::chrono::seconds(5)));
  EXPECT_EQ(seen.subjects[1], "polled two");
  EXPECT_FALSE(watcher.idling());
  watcher.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, std::chrono::seconds(3)));
}

TEST(ImapWatcher, SurvivesTheServerStoppingAndComingBack) {
  deliver("T-restart", {test_message("before restart")});
  asio::io_context io;
  WatchRun seen;
  WatcherOptions options;
  options.backoff.first = std::chrono::milliseconds(200);
  options.backoff.cap = std::chrono::milliseconds(1000);
  options.poll_interval = std::chrono::seconds(2);
  ImapWatcher watcher(io, stack().imaps("T-restart"), options, collect_into(seen, "T-restart"));
  bool finished = false;
  asio::co_spawn(io, watcher.run(), [&](std::exception_ptr) { finished = true; });
  ASSERT_TRUE(run_until(
      io, [&] { return watcher.idling(); }, std::chrono::seconds(10)));
  ASSERT_EQ(seen.subjects.size(), 1u);

  stack().imap_stop();
  bool noticed = run_until(
      io, [&] { return watcher.counters().failures >= 1; }, std::chrono::seconds(10));
  io.run_for(std::chrono::milliseconds(700));  // a few refused reconnects while it is down
  stack().imap_start();
  ASSERT_TRUE(noticed);
  deliver("T-restart", {test_message("after restart")});
  ASSERT_TRUE(run_until(
      io, [&] { return seen.subjects.size() == 2; }, std::chrono::seconds(15)));
  EXPECT_EQ(seen.subjects[1], "after restart");
  EXPECT_GE(watcher.counters().connections, 2u);
  watcher.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, std::chrono::seconds(3)));
}

TEST(ImapWatcher, StopDuringAConnectToAServerThatNeverAnswersTakesUnderTwoSeconds) {
  FakeServer silent(FakeServer::Mode::silent);
  auto s = stack().imaps();
  s.url = "imaps://127.0.0.1:" + std::to_string(silent.port()) + "/INBOX";
  asio::io_context io;
  WatchRun seen;
  ImapWatcher watcher(io, s, WatcherOptions{}, collect_into(seen, "INBOX"));
  bool finished = false;
  asio::co_spawn(io, watcher.run(), [&](std::exception_ptr) { finished = true; });
  io.run_for(std::chrono::milliseconds(500));  // in the TLS handshake, waiting for ever
  auto stop_at = Clock::now();
  watcher.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, std::chrono::seconds(5)));
  EXPECT_LT(Clock::now() - stop_at, std::chrono::seconds(2));
}

TEST(ImapWatcher, RefusedPasswordEndsTheWatchInsteadOfRetryingForEver) {
  auto s = stack().imaps();
  s.secret = "not-the-password";
  asio::io_context io;
  WatchRun seen;
  ImapWatcher watcher(io, s, WatcherOptions{}, collect_into(seen, "INBOX"));
  EXPECT_THROW(run_to_completion(io, watcher.run()), TransportError);
  EXPECT_EQ(watcher.counters().failures, 1u);
}

}  // namespace
}  // namespace closeout::testing
