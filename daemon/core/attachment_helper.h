// SPDX-License-Identifier: GPL-3.0-or-later
// Runs closeout-extract for one attachment: fork + exec with rlimits (address space
// extract_memory, CPU extract_seconds, file size 0, no core), the bytes on its stdin, a wall
// clock timeout, its JSON reply bounded. A crash, a timeout, a refusal or a reply that does not
// parse is an "unreadable" reading with the reason; the caller's process never reads the file.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analyze.h"
#include "attachment_reading.h"
#include "config.h"
#include "mime_decode.h"

namespace closeout {

struct AttachmentHelperSettings {
  std::string program;  // closeout-extract; empty: default_extract_program()
  std::chrono::seconds cpu_seconds{30};
  std::uint64_t memory_bytes = 536870912;
  std::uint64_t max_attachment_bytes = 20971520;
  std::size_t max_pdf_pages = 20;
  std::uint64_t max_image_pixels = 40000000;
  // How long the helper may take by the clock, sleeping included; zero: cpu_seconds * 2 + 5 s.
  std::chrono::milliseconds wall_clock{0};
  // Called about once a second while read_in_helper waits, from the waiting thread: closeoutd
  // pings the systemd watchdog here, since its event loop is blocked meanwhile. Empty: nothing.
  std::function<void()> keep_alive;
};

AttachmentHelperSettings attachment_helper_settings(const Config& config);

// Next to the running program (the build tree, or /usr/libexec/closeoutd beside an installed
// /usr/sbin/closeoutd through CLOSEOUT_LIBEXECDIR).
std::string default_extract_program();

// Blocks the calling thread until the helper is gone (at most wall_clock): closeoutd's event loop
// is one thread that reads one attachment at a time. Never throws for what the helper does; a
// part over max_attachment_bytes is "skipped" without starting it.
AttachmentReading read_in_helper(const BinaryPart& part, std::string_view kind,
                                 const AttachmentHelperSettings& settings);

// One run of closeout-extract for anything else than reading (the close-out's `fields` and
// `fill`): the same process, rlimits, environment and deadline as read_in_helper, stdout kept up
// to max_output bytes. Never throws for what the helper does.
struct HelperRun {
  std::string start_error;  // set when it could not be started
  int exit_code = -1;       // when it exited
  int signal = 0;           // when a signal ended it
  bool timed_out = false;   // extract_seconds (CPU) or the wall clock ran out
  bool overflow = false;    // said more than max_output: stopped
  std::string out;
  std::string err;  // the start of it
  bool ok() const {
    return start_error.empty() && exit_code == 0 && signal == 0 && !timed_out && !overflow;
  }
  // For a log line: "exit 65: closeout-extract fill: ...", "took longer than extract_seconds".
  std::string describe() const;
};

// args: after the program (settings.program, or default_extract_program()).
HelperRun run_helper(const std::vector<std::string>& args, std::string_view stdin_bytes,
                     const AttachmentHelperSettings& settings,
                     std::size_t max_output = std::size_t{64} * 1024 * 1024);

// The AnalyzeOptions::read_attachment closeoutd and closeoutctl use.
AttachmentReader helper_attachment_reader(AttachmentHelperSettings settings);

}  // namespace closeout
