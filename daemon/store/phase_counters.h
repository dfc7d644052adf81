// SPDX-License-Identifier: GPL-3.0-or-later
// Where closeoutd's time goes, per phase, for the backlog bench (BENCHMARKS.md): steady-clock
// timers and counters summed over a run, written as one JSON line when CLOSEOUTD_PHASES names a
// file. Off (the variable unset) each timer is one branch. Nothing here can fail the daemon.
#pragma once
#include <chrono>
#include <cstdint>

namespace closeout::phases {

// Exclusive time: a phase entered inside another pauses the outer one, so the figures add up.
enum Phase { other, fetch, parse, commit, fsync, move, compose, send, apply, kPhases };
enum Counter { commits, fsyncs, imap_commands, smtp_connections, smtp_transactions, kCounters };

bool enabled();
Phase current();
void count(Counter c, std::uint64_t n = 1);

// Only around code that does not suspend (no co_await inside), except the outermost phase of a
// coroutine whose nested phases are all synchronous.
class Timer {
 public:
  explicit Timer(Phase p);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  bool on_;
  Phase outer_ = other;
};

// Time spent in a suspending step that overlaps others (an SMTP transaction on one of several
// connections): summed as busy seconds of its own, outside the exclusive figures.
class Busy {
 public:
  explicit Busy(Phase p);
  void end();

 private:
  bool on_;
  Phase phase_;
  std::chrono::steady_clock::time_point start_;
};

// Appends the run's figures to $CLOSEOUTD_PHASES as one JSON line; nothing when unset.
void write_if_asked();

}  // namespace closeout::phases
