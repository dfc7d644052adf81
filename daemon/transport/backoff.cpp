// SPDX-License-Identifier: GPL-3.0-or-later
#include "backoff.h"

#include <algorithm>

namespace closeout::transport {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, unsigned failures,
                                        double unit_random) {
  double ceiling = static_cast<double>(policy.first.count());
  for (unsigned i = 1; i < failures && ceiling < static_cast<double>(policy.cap.count()); ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, static_cast<double>(policy.cap.count()));
  unit_random = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(ceiling * (0.5 + 0.5 * unit_random)));
}

}  // namespace closeout::transport
