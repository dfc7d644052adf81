// SPDX-License-Identifier: GPL-3.0-or-later
// What a send's outcome does (SPEC "Outgoing mail", "Dispatch states"). Accepted: the entry is
// sent, a notice makes the dispatch notified, a close-out makes it closed_out and queues the
// technician's confirmation. Transient: tried again after a doubling delay, never dropped.
// Permanent: failed; a refused close-out fails the dispatch and is escalated to the admins.
// A close-out's acceptance is committed on its own (synced), the moment the server has answered,
// which keeps the window in which a crash could send it twice as small as it can be; its
// consequences follow in a second transaction (finish_accepted_sends redoes them after a crash).
// Other mail, whose effects queue no follow-up, commits acceptance and effects at once (one
// commit per notice, not two); effects that fail are undone alone and redone the same way.
//
// The contract of those consequences ("effects"), enforced in send_results.cpp: they are
// idempotent (replayed after a crash they queue no second confirmation) and they never throw for
// anything about the mail or our data: a follow-up mail that cannot be composed is recorded on
// the dispatch's timeline and in the log, and the effects are still marked done. Only a failing
// database escapes; the effects are then rolled back whole and finish_accepted_sends redoes them.
#pragma once
#include <chrono>
#include <string>

#include "outbox_store.h"
#include "workflow.h"

namespace closeout::workflow {

enum class SendVerdict { accepted, transient, permanent };

struct SendReport {
  SendVerdict verdict = SendVerdict::transient;
  std::string server_reply;  // "550 5.1.1 <x>: Recipient address rejected", or our own error
};

// retry_first * 2^(attempts - 1), at most retry_max; attempts counts this failure.
std::chrono::seconds retry_delay(const Config& config, int attempts);

void apply_send_result(Workflow& w, const store::OutboxEntry& entry, const SendReport& report,
                       store::Timestamp now);

// The consequences of sends accepted just before a crash. Returns how many were finished.
int finish_accepted_sends(Workflow& w, store::Timestamp now);

}  // namespace closeout::workflow
