// SPDX-License-Identifier: GPL-3.0-or-later
// An spdlog sink that writes to the systemd journal through libsystemd, with the priority mapped
// from the level and the current LogContext as structured fields.
#pragma once
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

namespace closeout {

class JournalSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}
};

// True when systemd connected our stderr to the journal (JOURNAL_STREAM names stderr's device
// and inode), the test sd-daemon(3) recommends; a redirected stderr keeps plain text.
bool stderr_is_journal();

// syslog priority for a level: critical 2, error 3, warn 4, info 6, debug and trace 7.
int journal_priority(spdlog::level::level_enum level);

}  // namespace closeout
