// SPDX-License-Identifier: GPL-3.0-or-later
// Reconnect delays: exponential, capped, with jitter so that many daemons behind one flapping
// server do not reconnect in step. Pure: the caller passes the random draw in.
#pragma once
#include <chrono>

namespace closeout::transport {

struct BackoffPolicy {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds cap{5 * 60 * 1000};
};

// failures: how many attempts in a row have failed (1 for the first). unit_random in [0, 1).
// The delay is between half and all of min(cap, first * 2^(failures-1)).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, unsigned failures,
                                        double unit_random);

}  // namespace closeout::transport
