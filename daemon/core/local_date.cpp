// Reads the wall clock and the local time zone (TZ, /etc/localtime) through localtime_r.
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

}  // namespace closeout
