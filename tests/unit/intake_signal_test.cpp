// SPDX-License-Identifier: GPL-3.0-or-later
// The hand-over between the IMAP sync and the outbox (--once sends while it reads): a flush that
// asks for more mail waits while a sync runs, looks again after each synced batch, and is told
// "no more" once the sync has ended and nothing new was queued.
#include "intake_signal.h"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <vector>

namespace closeout {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Calls more() until it answers false, recording each answer.
asio::awaitable<void> ask_until_no(IntakeSignal& signal, std::vector<bool>& answers) {
  while (true) {
    bool more = co_await signal.more();
    answers.push_back(more);
    if (!more) co_return;
  }
}

void after(asio::io_context& io, std::chrono::milliseconds delay, std::function<void()> then) {
  auto timer = std::make_shared<asio::steady_timer>(io, delay);
  timer->async_wait([timer, then = std::move(then)](const boost::system::error_code&) { then(); });
}

TEST(IntakeSignal, NoSyncAndNothingQueuedMeansNoMoreAtOnce) {
  asio::io_context io;
  IntakeSignal signal(io);
  std::vector<bool> answers;
  asio::co_spawn(io, ask_until_no(signal, answers), asio::detached);
  io.run_for(1s);
  EXPECT_EQ(answers, std::vector<bool>{false});
}

TEST(IntakeSignal, AFlushWaitsWhileTheSyncRunsAndLooksAgainAfterEachBatch) {
  asio::io_context io;
  IntakeSignal signal(io);
  signal.reading(true);
  std::vector<bool> answers;
  bool finished = false;
  asio::co_spawn(io, ask_until_no(signal, answers), [&](std::exception_ptr) { finished = true; });
  after(io, 20ms, [&] { signal.batch_durable(); });
  after(io, 40ms, [&] { signal.batch_durable(); });
  after(io, 60ms, [&] {
    // Not asked for in between: the two batches are one look, the flags are not counted.
    EXPECT_EQ(answers, (std::vector<bool>{true, true}));
    EXPECT_FALSE(finished) << "the sync still runs: the flush waits, it does not end";
    signal.reading(false);
  });
  io.run_for(2s);
  EXPECT_TRUE(finished);
  EXPECT_EQ(answers, (std::vector<bool>{true, true, false}));
}

TEST(IntakeSignal, ABatchQueuedBeforeTheAskIsNotLost) {
  asio::io_context io;
  IntakeSignal signal(io);
  signal.batch_durable();  // while no flush was waiting: a cancel() alone would be lost
  std::vector<bool> answers;
  asio::co_spawn(io, ask_until_no(signal, answers), asio::detached);
  io.run_for(1s);
  EXPECT_EQ(answers, (std::vector<bool>{true, false}));
}

TEST(IntakeSignal, TheLastBatchBeforeTheSyncEndsIsStillLookedAt) {
  asio::io_context io;
  IntakeSignal signal(io);
  signal.reading(true);
  std::vector<bool> answers;
  asio::co_spawn(io, ask_until_no(signal, answers), asio::detached);
  after(io, 20ms, [&] {
    signal.batch_durable();  // the chases and the digest, queued as the sync ends
    signal.reading(false);
  });
  io.run_for(2s);
  EXPECT_EQ(answers, (std::vector<bool>{true, false}));
}

TEST(IntakeSignal, TheDaemonsLoopTakesAPendingBatchOnce) {
  asio::io_context io;
  IntakeSignal signal(io);
  EXPECT_FALSE(signal.take_pending());
  signal.batch_durable();
  EXPECT_TRUE(signal.take_pending());
  EXPECT_FALSE(signal.take_pending()) << "taken: the next look sleeps until its timer";
}

}  // namespace
}  // namespace closeout
