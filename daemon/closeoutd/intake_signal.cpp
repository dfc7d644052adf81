// SPDX-License-Identifier: GPL-3.0-or-later
#include "intake_signal.h"

namespace closeout {

namespace asio = boost::asio;

void IntakeSignal::reading(bool on) {
  reading_ = on;
  timer_.cancel();
}

void IntakeSignal::batch_durable() {
  pending_ = true;
  timer_.cancel();
}

asio::awaitable<bool> IntakeSignal::more() {
  // A cancel() with no waiter is lost: the flags, not the wake-up, say what happened.
  while (!pending_ && reading_) {
    timer_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return take_pending();
}

bool IntakeSignal::take_pending() {
  bool was = pending_;
  pending_ = false;
  return was;
}

}  // namespace closeout
