// SPDX-License-Identifier: GPL-3.0-or-later
#include "digest_schedule.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <stdexcept>

namespace closeout {

namespace {

constexpr std::array<const char*, 7> kDays = {"sunday",   "monday", "tuesday", "wednesday",
                                              "thursday", "friday", "saturday"};

int weekday_of(std::string word) {
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::size_t i = 0; i < kDays.size(); ++i) {
    std::string day = kDays[i];
    if (word == day || (word.size() == 3 && day.compare(0, 3, word) == 0))
      return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::optional<DigestSchedule> parse_digest_schedule(const std::string& text) {
  if (text.find_first_not_of(' ') == std::string::npos) return std::nullopt;
  const std::string expected =
      "\"" + text + "\" is not a weekly time such as \"Mon 08:00\" (a day, then HH:MM)";
  auto space = text.find(' ');
  if (space == std::string::npos) throw std::invalid_argument(expected);
  DigestSchedule s;
  s.weekday = weekday_of(text.substr(0, space));
  std::string time = text.substr(text.find_first_not_of(' ', space));
  auto colon = time.find(':');
  auto digits = [](const std::string& t) {
    return !t.empty() && t.size() <= 2 &&
           std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); });
  };
  if (s.weekday < 0 || colon == std::string::npos || !digits(time.substr(0, colon)) ||
      time.size() - colon - 1 != 2 || !digits(time.substr(colon + 1)))
    throw std::invalid_argument(expected);
  s.hour = std::stoi(time.substr(0, colon));
  s.minute = std::stoi(time.substr(colon + 1));
  if (s.hour > 23 || s.minute > 59) throw std::invalid_argument(expected);
  return s;
}

std::int64_t latest_digest_slot(const DigestSchedule& schedule, std::int64_t now) {
  auto t = static_cast<std::time_t>(now);
  std::tm local{};
  localtime_r(&t, &local);
  const int days_back = (local.tm_wday - schedule.weekday + 7) % 7;
  auto slot_days_back = [&](int days) {
    std::tm slot = local;
    slot.tm_hour = schedule.hour;
    slot.tm_min = schedule.minute;
    slot.tm_sec = 0;
    slot.tm_isdst = -1;  // mktime works out summer time for that day
    slot.tm_mday -= days;
    return std::mktime(&slot);
  };
  std::time_t at = slot_days_back(days_back);
  // Today is the day but the hour has not come: last week's.
  return at <= t ? at : slot_days_back(days_back + 7);
}

}  // namespace closeout
