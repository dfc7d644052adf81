// SPDX-License-Identifier: GPL-3.0-or-later
// The calendar and the wall clock as people see them: the dealer's local time (this machine's
// time zone, TZ or /etc/localtime) for what technicians read, and the latest date anywhere on
// Earth for "not in the future". Callers pass "now" in, so tests can fix it.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace closeout {

// Today's date on this machine's local clock.
std::chrono::year_month_day local_today();

// The latest calendar date anywhere on Earth at unix_seconds: the date at UTC+14 (Kiribati's
// Line Islands, the earliest zone). A technician in another zone than the server legitimately
// writes *their* today, which can be a day ahead of the server's; a date later than this one
// is in the future for everyone, so it is the bound for "not in the future".
std::chrono::year_month_day latest_date_on_earth(std::int64_t unix_seconds);

// "2026-11-30 14:05 EST": unix_seconds in the dealer's local time with its zone's abbreviation
// (or its UTC offset when the zone has none). Empty for 0 (never).
std::string format_local_time(std::int64_t unix_seconds);

}  // namespace closeout
