// SPDX-License-Identifier: GPL-3.0-or-later
// TEST ONLY: the counter, step log and self-kill behind crash_points.h. The log line is written
// with one write(2) on an O_APPEND descriptor before the kill, so the step that ends the process
// is in the log too: the kernel holds it, whatever happens to the process next.
#include "crash_points.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "text_util.h"

namespace closeout::crash_points {

namespace {

struct Settings {
  std::int64_t crash_after = 0;  // 0: never
  int log_fd = -1;
  bool on = false;
};

const Settings& settings() noexcept {
  static const Settings s = [] {
    Settings out;
    if (const char* n = std::getenv("CLOSEOUTD_CRASH_AFTER"); n && *n)
      out.crash_after = std::strtoll(n, nullptr, 10);
    if (const char* file = std::getenv("CLOSEOUTD_STEP_LOG"); file && *file)
      out.log_fd = ::open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    out.on = out.crash_after > 0 || out.log_fd >= 0;
    return out;
  }();
  return s;
}

std::atomic<std::int64_t> steps{0};

// One line, no newline or control bytes inside: a server's text is not trusted to be tidy.
std::string clean(std::string_view text) {
  std::string out(text.substr(0, 200));
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return out;
}

// The Message-ID header of a composed mail (its header block only).
std::string_view message_id_of(std::string_view message) {
  std::string_view header = message.substr(0, message.find("\r\n\r\n"));
  for (std::size_t at = 0; at < header.size();) {
    auto end = header.find("\r\n", at);
    std::string_view line = header.substr(at, end == std::string_view::npos ? end : end - at);
    if (line.size() > 11 && iequals(line.substr(0, 11), "Message-ID:")) {
      line.remove_prefix(11);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      return line;
    }
    if (end == std::string_view::npos) break;
    at = end + 2;
  }
  return "(no Message-ID)";
}

}  // namespace

bool enabled() noexcept { return settings().on; }

void step(std::string_view kind, std::string_view detail) noexcept {
  const Settings& s = settings();
  if (!s.on) return;
  std::int64_t n = ++steps;
  if (s.log_fd >= 0) {
    try {
      std::string line = std::to_string(n) + " " + std::string(kind) + " " + clean(detail) + "\n";
      // A short write only shortens a test's log; the step itself has happened either way.
      (void)!::write(s.log_fd, line.data(), line.size());
    } catch (...) {  // NOLINT(bugprone-empty-catch): no memory for a log line; the step stands
    }
  }
  if (n == s.crash_after) {
    ::kill(::getpid(), SIGKILL);
    ::_exit(137);  // not reached: SIGKILL cannot be caught
  }
}

void smtp_replied_slow(std::string_view outcome, int code, std::string_view message) noexcept {
  try {
    step("smtp-" + std::string(outcome),
         std::string(message_id_of(message)) + " " + std::to_string(code));
  } catch (...) {
    step("smtp-reply", "(no memory for the detail)");
  }
}

}  // namespace closeout::crash_points
