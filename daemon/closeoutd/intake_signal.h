// SPDX-License-Identifier: GPL-3.0-or-later
// Between the IMAP sync and the outbox: the sync says when a batch's mail is committed and
// synced, so the outbox sends it while the next batch is read, not after the whole mailbox.
// A flush waiting for more keeps its SMTP connections open. Nothing here can fail.
#pragma once
#include <boost/asio/steady_timer.hpp>

#include "asio_awaitable.h"

namespace closeout {

class IntakeSignal {
 public:
  explicit IntakeSignal(boost::asio::io_context& io)
      : timer_(io, boost::asio::steady_timer::time_point::max()) {}

  // A sync is under way: more() waits for its batches instead of answering "no more" at once.
  void reading(bool on);
  // Intake queued mail that is now durable (its batch committed and synced): worth a look.
  void batch_durable();
  // True once something was queued since the last call (at once if it already was); false when
  // nothing was and no sync is under way, so nothing more is coming for now.
  boost::asio::awaitable<bool> more();
  // True (and cleared) when a batch was queued since the last look: the daemon's outbox loop
  // looks again at once instead of sleeping until its timer.
  bool take_pending();

 private:
  boost::asio::steady_timer timer_;
  bool reading_ = false;
  bool pending_ = false;
};

}  // namespace closeout
