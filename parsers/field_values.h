// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the values people write into Section 2: dates (US, ISO, written), times (12 h, 24 h),
// labour hours and part lists. Each reader returns nullopt (or lists what it could not read)
// instead of guessing: a wrong value in a close-out is worse than a question to the technician.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "form_definition.h"

namespace closeout {

// "11/24/2026", "11-24-26", "2026-11-24", "Nov 24, 2026", "Tuesday, November 24, 2026",
// "24 Nov 2026". Years 2000-2099 only; the date must exist.
std::optional<std::chrono::year_month_day> parse_date(std::string_view text);
std::string iso_date(std::chrono::year_month_day date);

// Minutes after midnight: "9:30", "09:30", "9:30 AM", "9.30am", "2pm", "1430", "noon".
std::optional<int> parse_time_of_day(std::string_view text);
std::string hh_mm(int minutes_after_midnight);

// "1.5", "1.5 hrs", "2 hours", "1h30m", "1:30", "90 min".
std::optional<double> parse_hours(std::string_view text);

struct Part {
  std::string part_number;  // upper case
  int quantity = 1;
  bool operator==(const Part&) const = default;
};

struct PartsList {
  std::vector<Part> parts;
  std::vector<std::string> unreadable;  // entries that are not "part number [quantity]"
};

// One entry per line, or separated by ',' or ';': "QY6-0083 x1", "2 x FM4-8400", "QY6-0083 (2)",
// "QY6-0083 qty 2", "- FC6-7083-000". A "None" value is an empty list (check means_no_parts first).
PartsList parse_parts(std::string_view text, const FormDefinition& form);

}  // namespace closeout
