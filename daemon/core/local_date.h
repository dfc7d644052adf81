// Today's date on this machine's local clock: the one place the parse path's "now" comes from.
#pragma once
#include <chrono>
#include <optional>
#include <string_view>

namespace closeout {

std::chrono::year_month_day local_today();

}  // namespace closeout
