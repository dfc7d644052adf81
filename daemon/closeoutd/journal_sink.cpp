// SPDX-License-Identifier: GPL-3.0-or-later
#include "journal_sink.h"

#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "log_context.h"

namespace closeout {

int journal_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::info:
      return 6;
    default:
      return 7;
  }
}

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0;
  unsigned long long inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == device && st.st_ino == inode;
}

void JournalSink::sink_it_(const spdlog::details::log_msg& msg) {
  // Each field is one "NAME=value" iovec; values may hold any byte but a field name may not,
  // and the names here are fixed.
  std::vector<std::string> fields;
  fields.reserve(8);
  fields.push_back("MESSAGE=" + std::string(msg.payload.data(), msg.payload.size()));
  fields.push_back("PRIORITY=" + std::to_string(journal_priority(msg.level)));
  fields.emplace_back("SYSLOG_IDENTIFIER=closeoutd");
  const LogContext& c = current_log_context();
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) fields.push_back(std::string(name) + "=" + value);
  };
  add("DISPATCH_NUMBER", c.dispatch_number);
  add("MESSAGE_ID", c.message_id);
  add("OUTBOX_ID", c.outbox_id);
  add("CLOSEOUT_STATE", c.closeout_state);
  std::vector<iovec> iov;
  iov.reserve(fields.size());
  for (auto& f : fields) iov.push_back({f.data(), f.size()});
  // A journal that cannot take the line (not running, full) must not stop the daemon.
  (void)sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

}  // namespace closeout
