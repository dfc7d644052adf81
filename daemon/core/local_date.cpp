// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the local time zone (TZ, /etc/localtime) through localtime_r; the wall clock only in
// local_today(). Nothing here fails: a time that cannot be formatted gives an empty string.
#include "local_date.h"

#include <ctime>

namespace closeout {

std::chrono::year_month_day local_today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  return std::chrono::year_month_day{std::chrono::year{tm.tm_year + 1900},
                                     std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                     std::chrono::day{static_cast<unsigned>(tm.tm_mday)}};
}

std::chrono::year_month_day latest_date_on_earth(std::int64_t unix_seconds) {
  constexpr std::int64_t kEarliestOffset = std::int64_t{14} * 3600;  // UTC+14
  return std::chrono::floor<std::chrono::days>(
      std::chrono::sys_seconds(std::chrono::seconds(unix_seconds + kEarliestOffset)));
}

std::string format_local_time(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return {};
  std::time_t t = unix_seconds;
  std::tm tm{};
  if (!localtime_r(&t, &tm)) return {};
  char buffer[64];
  // %Z is the zone's abbreviation ("EST"); zones without one print an offset such as "+0530"
  // or "-03", which is as clear.
  if (std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M %Z", &tm) == 0) return {};
  return buffer;
}

}  // namespace closeout
