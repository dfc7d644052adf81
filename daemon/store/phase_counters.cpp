// SPDX-License-Identifier: GPL-3.0-or-later
// Per-phase timers and counters for the backlog bench; see phase_counters.h. One process, one
// thread (the Asio loop): plain globals. A file that cannot be written is silently skipped.
#include "phase_counters.h"

#include <array>
#include <cstdlib>
#include <fstream>
#include <string>

namespace closeout::phases {

namespace {

using Clock = std::chrono::steady_clock;

struct State {
  bool on = std::getenv("CLOSEOUTD_PHASES") != nullptr;
  Phase current = other;
  Clock::time_point mark = Clock::now();
  Clock::time_point start = mark;
  std::array<double, kPhases> seconds{};
  std::array<std::uint64_t, kCounters> counts{};
  std::array<double, kPhases> busy{};
};

State& state() {
  static State s;
  return s;
}

// Charges the time since the last switch to the phase that was running.
void switch_to(State& s, Phase next) {
  auto now = Clock::now();
  s.seconds[s.current] += std::chrono::duration<double>(now - s.mark).count();
  s.mark = now;
  s.current = next;
}

constexpr std::array<const char*, kPhases> kPhaseNames{
    "other", "fetch", "parse", "commit", "fsync", "move", "compose", "send", "apply"};
constexpr std::array<const char*, kCounters> kCounterNames{
    "sqlite_commits", "fsyncs", "imap_commands", "smtp_connections", "smtp_transactions"};

}  // namespace

bool enabled() { return state().on; }
Phase current() { return state().current; }

void count(Counter c, std::uint64_t n) {
  if (state().on) state().counts[c] += n;
}

Timer::Timer(Phase p) : on_(state().on) {
  if (!on_) return;
  outer_ = state().current;
  switch_to(state(), p);
}

Timer::~Timer() {
  if (on_) switch_to(state(), outer_);
}

Busy::Busy(Phase p) : on_(state().on), phase_(p) {
  if (on_) start_ = Clock::now();
}

void Busy::end() {
  if (on_) state().busy[phase_] += std::chrono::duration<double>(Clock::now() - start_).count();
}

void write_if_asked() {
  State& s = state();
  const char* path = std::getenv("CLOSEOUTD_PHASES");
  if (!s.on || !path) return;
  switch_to(s, s.current);
  // Built in memory and written at once: one line, or nothing if the write fails.
  std::string line = "{\"total_s\":" +
                     std::to_string(std::chrono::duration<double>(Clock::now() - s.start).count());
  for (int i = 0; i < kPhases; ++i)
    line += std::string(",\"") + kPhaseNames[i] + "_s\":" + std::to_string(s.seconds[i]);
  for (int i = 0; i < kPhases; ++i)
    if (s.busy[i] > 0)
      line += std::string(",\"") + kPhaseNames[i] + "_busy_s\":" + std::to_string(s.busy[i]);
  for (int i = 0; i < kCounters; ++i)
    line += std::string(",\"") + kCounterNames[i] + "\":" + std::to_string(s.counts[i]);
  line += "}\n";
  std::ofstream(path, std::ios::app) << line;
}

}  // namespace closeout::phases
