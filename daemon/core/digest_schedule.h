// SPDX-License-Identifier: GPL-3.0-or-later
// [reports] digest = "Mon 08:00": the weekly moment, in the server's local time, at which the
// admins get the digest. Parsed when the configuration is read, so a typo is a start-up error.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace closeout {

struct DigestSchedule {
  int weekday = 1;  // 0 Sunday ... 6 Saturday, as struct tm
  int hour = 8;
  int minute = 0;
};

// "" is nullopt (no digest). Accepts "Mon 08:00", "monday 8:00", "Fri 17:30". Throws
// std::invalid_argument saying what is expected.
std::optional<DigestSchedule> parse_digest_schedule(const std::string& text);

// The latest scheduled moment at or before now (seconds since the epoch), in local time.
std::int64_t latest_digest_slot(const DigestSchedule& schedule, std::int64_t now);

}  // namespace closeout
