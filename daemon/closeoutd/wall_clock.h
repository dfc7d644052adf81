// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's only clock reads: the workflow is handed "now" and "today" from here.
#pragma once
#include <chrono>

#include "database.h"
#include "local_date.h"

namespace closeout {

inline store::Timestamp wall_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace closeout
