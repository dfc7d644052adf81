// Runs one helper program (closeout-extract) as a child process: fork + exec with rlimits
// (address space, CPU seconds, file size 0, no core), bytes on its stdin, a wall-clock
// timeout, its stdout and stderr bounded. Nothing here is fatal: a program that cannot be
// started, crashes, runs out of time or says too much is a result that says so.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace closeout {

struct HelperLimits {
  std::chrono::seconds cpu_seconds{30};
  std::chrono::milliseconds wall_clock{0};  // 0: three times cpu_seconds, at least 10 s
  std::uint64_t memory_bytes = 536870912;   // RLIMIT_AS
  std::size_t max_stdout_bytes = std::size_t{64} * 1024 * 1024;
  std::size_t max_stderr_bytes = 16384;
};

struct HelperResult {
  bool started = false;
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it (SIGXCPU, SIGKILL for the timeout, SIGSEGV...)
  bool timed_out = false;
  bool stdout_cut = false;  // said more than max_stdout_bytes (and was stopped)
  std::string out;
  std::string err;

  bool ok() const { return started && exit_code == 0 && signal == 0 && !stdout_cut; }
  // One line for a log: "exit 65: <first line of stderr>", "killed by signal 9 (timeout)"...
  std::string describe() const;
};

// args[0] is the program's path (not looked up in PATH).
HelperResult run_helper(const std::vector<std::string>& args, std::string_view stdin_bytes,
                        const HelperLimits& limits);

// closeout-extract: $CLOSEOUT_EXTRACT_PROGRAM when set (tests), else beside the running
// program (the build tree), else CLOSEOUT_LIBEXECDIR/closeout-extract (installed).
std::string extract_program_path();

}  // namespace closeout
