// SPDX-License-Identifier: GPL-3.0-or-later
// The weekly digest ([reports] digest): the report's figures, mailed to dealer.admins once per
// scheduled slot. A slot is dealt with once, whatever restarts or --once runs happen, and a
// week with nothing open and nothing refused sends nothing. The first slot a database sees is
// only recorded: turning the digest on, or installing, does not mail last Monday's figures.
#pragma once
#include "workflow.h"

namespace closeout::workflow {

enum class DigestOutcome {
  off,            // no [reports] digest
  not_due,        // this slot was dealt with already
  first_seen,     // recorded; the next slot sends
  quiet,          // nothing open, nothing refused: not sent
  no_recipients,  // dealer.admins is empty
  queued,
};

DigestOutcome queue_digest_if_due(Workflow& w, store::Timestamp now);

const char* to_string(DigestOutcome outcome);

}  // namespace closeout::workflow
