// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP sync (SPEC "IMAP processing"): list what arrived above the last UID processed,
// fetch it in bounded batches with BODY.PEEK[], process each message in its own transaction as
// it arrives, and only then move it to Processed or Quarantine. The stored position passes a UID
// only once it is recorded and moved (or gone): a crash, a refused MOVE, a lost connection or a
// FETCH without the body leaves the message in place and listed next time, where it is found
// recorded and just moved, or fetched again. Database errors propagate; transport errors after
// partial progress propagate once what arrived is committed.
#pragma once
#include <functional>

#include "asio_awaitable.h"
#include "imap_connection.h"
#include "imap_mailbox.h"
#include "runtime.h"

namespace closeout {

struct SyncStats {
  unsigned processed = 0;    // messages acted on now
  unsigned quarantined = 0;  // of which to quarantine
  unsigned moved_again = 0;  // recorded before, moved now (after a crash)
  unsigned held_back = 0;    // a fault of ours: left in INBOX, tried again next sync
};

// stop_requested is read between messages: the message in hand is always finished.
// batch_done, when given, is called after each batch but the last is recorded, synced and moved:
// what it queued may be sent while the next batch is read. The caller knows when the last is.
boost::asio::awaitable<SyncStats> sync_mailbox(transport::ImapConnection& connection,
                                               transport::ImapMailbox& mailbox,
                                               workflow::Runtime& runtime,
                                               const bool& stop_requested,
                                               std::function<void()> batch_done = {});

}  // namespace closeout
